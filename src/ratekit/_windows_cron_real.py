"""Cron firings at every real instant whose local time matches, across UTC-offset changes.

An expression with ``*`` in its minute or hour field fires at every real instant whose
local wall time it matches. cronsim finds such firings by stepping in real time by the
wall-clock distance it wants (an hour, so many minutes) and reading the wall clock where
it lands; across a change of the zone's UTC offset the step lands elsewhere on the wall
clock than it meant. Where the offset moves by an hour that mostly comes out right;
where it moves by half an hour (Australia/Lord_Howe) ``30 * * * *`` skipped 02:30
(+11:00), real, on the morning DST starts, and fired only at the first of the two
01:30s on the morning it ends.

Between two changes the offset is fixed, and there a wall time is simply the instant
plus the offset. So cronsim reads the naive wall clock of one stretch of constant offset
at a time, and each firing it gives is kept only when the offset did not change between
the search's start and it; otherwise the search starts afresh at the change, under the
new offset. The changes are found by asking the zone for its offsets.
"""

from __future__ import annotations

import datetime as _dt
import typing
from typing import Final

from ._extras import require
from ._instants import ONE_US, US_PER_DAY, format_us
from ._zones import offset_change_us, raised, utc_offset_us, zone_failed

__all__ = ["real_firings", "until_time_ends"]

#: How far apart the zone's offset is asked for when looking for a change: less than
#: the least time between two changes of any IANA zone (95.7 hours, Africa/Freetown in
#: 1939; 166 hours since 1970), so no change and its undoing fall between two probes.
_PROBE_US: Final = US_PER_DAY
#: The wall clock's origin: a naive datetime, deliberately, read against one offset.
_WALL_EPOCH: Final = _dt.datetime(1970, 1, 1)  # noqa: DTZ001


def _change(tz: _dt.tzinfo, start_us: int, stop_us: int, offset_us: int) -> int | None:
    """The first instant from ``start_us`` toward ``stop_us`` (either way) with another offset.

    The offset at ``start_us`` is ``offset_us``; None when it holds up to ``stop_us``
    included. Probes every `_PROBE_US`, then bisects the probe interval where the offset
    differs: O(distance / a day + 40) offsets asked, about 1 µs each.
    """
    direction = 1 if stop_us >= start_us else -1
    probe = start_us
    while probe != stop_us:
        ahead = probe + direction * min(_PROBE_US, abs(stop_us - probe))
        if utc_offset_us(tz, ahead) != offset_us:
            return offset_change_us(tz, probe, ahead, offset_us)
        probe = ahead
    return None


def until_time_ends(
    firings: typing.Iterator[_dt.datetime], tz: _dt.tzinfo, from_us: int
) -> typing.Iterator[_dt.datetime]:
    """The firings cronsim gives, until the next one would lie past the years `datetime` holds.

    Searching for a firing that the years 1 to 9999 do not hold (the Feb 29 after 9996 is
    in 10000) makes cronsim's date arithmetic overflow: there is no such firing, so the
    search ends there, as it ends when the expression never fires again. Anything else
    raised on the way came from the zone ``tz`` (cronsim asks it for offsets): a
    [`BadTimeError`][ratekit.BadTimeError] naming it, never a search cut short.
    """
    while True:
        try:
            firing = next(firings)
        except StopIteration:
            return
        except (OverflowError, ValueError) as error:
            if "out of range" in str(error):  # a date before year 1 or after 9999
                return
            raise zone_failed(tz, f"a firing from {format_us(from_us)}", raised(error)) from None
        except Exception as error:
            raise zone_failed(tz, f"a firing from {format_us(from_us)}", raised(error)) from None
        yield firing


def real_firings(
    expression: str, from_us: int, tz: _dt.tzinfo, *, reverse: bool = False
) -> typing.Iterator[int]:
    """Every real instant at or after ``from_us`` (at or before, ``reverse``) that ``expression`` matches in ``tz``.

    In order, as epoch µs. Each stretch of constant offset is searched on its naive wall
    clock (cronsim keeps no DST rule there); a firing past the next offset change is
    dropped and the search resumes at the change. O(1) offsets asked per firing, plus
    O(days crossed) where firings are days apart.

    ```pycon
    >>> import zoneinfo
    >>> lord_howe = zoneinfo.ZoneInfo("Australia/Lord_Howe")
    >>> found = real_firings("30 * * * *", 1_791_039_600_000_000, lord_howe)  # 15:00Z
    >>> [format_us(next(found)) for _ in range(3)]  # 01:30 +10:30, 02:30 +11:00, 03:30
    ['2026-10-03T15:00:00Z', '2026-10-03T15:30:00Z', '2026-10-03T16:30:00Z']

    ```
    """
    cronsim = require("cronsim", "cron", "cron windows need")
    direction = -1 if reverse else 1
    cursor = from_us
    while True:
        offset = utc_offset_us(tz, cursor)
        # Forward, a microsecond before: cronsim starts after the whole second it strips
        # to, so a firing at the cursor is found; backward, a microsecond after, likewise.
        wall = _WALL_EPOCH + _dt.timedelta(microseconds=cursor + offset - direction)
        try:
            found = cronsim.CronSim(expression, wall, reverse=reverse)
        except Exception as error:  # the expression was checked: the date failed
            raise zone_failed(tz, f"a firing from {format_us(from_us)}", raised(error)) from None
        for firing in until_time_ends(found, tz, from_us):
            instant = (firing - _WALL_EPOCH) // ONE_US - offset
            change = _change(tz, cursor, instant, offset)
            if change is not None:
                cursor = change  # forward, the change's first instant; back, the last before
                break
            yield instant
            cursor = instant
        else:
            return
