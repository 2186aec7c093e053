"""A brute-force wall clock for bill oracles: local calendar dates placed as instants.

Knows nothing of ratekit. A local time is placed at the first instant (on a whole
minute) whose wall clock in the zone reaches it, found by scanning minute by minute from
before the earliest instant it could be (the local time less the largest offset the zone
takes on within two days, less an hour): the rule docs/calendars.md states for cycle
boundaries (a skipped time moves to the first instant after the gap, a repeated one is
its first occurrence). A local day that a zone skipped whole (Pacific/Apia, 30 December
2011) places at the same instant as the next day, and starts nothing of its own.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import zoneinfo

UTC = dt.UTC
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
MINUTE = 60
HOUR = 3_600


def wall(zone: str, t: int) -> dt.datetime:
    """The naive wall-clock time of the instant ``t`` (seconds since the epoch) in ``zone``."""
    return (
        (EPOCH + dt.timedelta(seconds=t)).astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)
    )


@functools.lru_cache(maxsize=100_000)
def placed(zone: str, year: int, month: int, day: int) -> int:
    """The first whole minute (seconds since the epoch) whose wall clock reaches the date's 00:00."""
    when = dt.datetime(year, month, day)  # noqa: DTZ001 - a wall-clock time, naive on purpose
    naive = int((when.replace(tzinfo=UTC) - EPOCH).total_seconds())
    tz = zoneinfo.ZoneInfo(zone)
    offsets = set()
    for k in range(-48, 49):
        offset = (EPOCH + dt.timedelta(seconds=naive + k * HOUR)).astimezone(tz).utcoffset()
        assert offset is not None
        offsets.add(int(offset.total_seconds()))
    t = naive - max(offsets) - HOUR
    t -= t % MINUTE
    assert wall(zone, t) < when
    while wall(zone, t) < when:
        t += MINUTE
    return t


def month_start(zone: str, year: int, month: int, day: int) -> int:
    """A monthly cycle's start in ``year``/``month``: ``day``, or the month's last day."""
    while month > 12:
        year, month = year + 1, month - 12
    while month < 1:
        year, month = year - 1, month + 12
    return placed(zone, year, month, min(day, calendar.monthrange(year, month)[1]))


def midnights(zone: str, start: int, end: int) -> list[int]:
    """Every distinct placed local midnight in ``(start - 2 days, end + 2 days)``, ascending."""
    date = wall(zone, start).date() - dt.timedelta(days=2)
    last = wall(zone, end).date() + dt.timedelta(days=2)
    out: list[int] = []
    while date <= last:
        t = placed(zone, date.year, date.month, date.day)
        if not out or out[-1] != t:
            out.append(t)
        date += dt.timedelta(days=1)
    return out


def iso(t: int) -> str:
    """``t`` (seconds since the epoch) as an ISO-8601 UTC instant."""
    return (EPOCH + dt.timedelta(seconds=t)).isoformat().replace("+00:00", "Z")
