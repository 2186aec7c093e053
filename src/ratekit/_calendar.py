"""Calendar helpers shared by cycles and windows: local times, boundary caches (zones: `_zones`).

This is the edge where wall-clock time meets instants. Everything here runs when a cycle
or a window meets a part of time it has not seen yet; the hot paths only bisect into the
integer lists that `BoundaryCache` keeps.

Local times that DST skips or repeats are resolved by one rule, everywhere:

- a local time that does not exist (skipped when clocks move forward) moves to the first
  instant after the gap, i.e. the instant of the transition;
- a local time that happens twice (when clocks move back) means its first occurrence.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import re
import typing
from collections.abc import Callable
from typing import Final

import attrs

from ._instants import (
    EPOCH,
    MAX_US,
    MIN_US,
    US_PER_DAY,
    US_PER_SECOND,
    check_us,
    exact_us,
    format_us,
)
from ._instants import EPOCH_ORDINAL as _EPOCH_ORDINAL
from ._instants import ONE_US as _ONE_US
from ._shown import show
from ._zones import from_zone, offset_at, offset_change_us
from .errors import BadCalendarError, BadSpanError, BadTimeError

__all__ = [
    "CALENDAR_RANGE",
    "MAX_BOUNDARIES",
    "BoundaryCache",
    "check_span_us",
    "day_ordinal",
    "exact_span_us",
    "in_calendars",
    "local_us",
    "parse_time_of_day",
    "parse_weekday",
    "reduce_without_cache",
    "too_many",
]

_UTC: Final = _dt.UTC

#: Calendar cycles and windows work between these instants (years 2 to 9998), which keeps
#: every local time they compute inside the range of `datetime.datetime`.
MIN_CALENDAR_US: Final = (_dt.datetime(2, 1, 1, tzinfo=_UTC) - EPOCH) // _ONE_US
MAX_CALENDAR_US: Final = (_dt.datetime(9998, 12, 31, tzinfo=_UTC) - EPOCH) // _ONE_US

#: The most boundaries (or window bounds) one call of a cycle or window computes or
#: returns: a span of 273 years of daily cycles, 11 years of hourly ones. A call that
#: would need more is refused (BadSpanError) rather than left to run for seconds and
#: fill memory; ask for shorter spans.
MAX_BOUNDARIES: Final = 100_000


def too_many(owner: object, start_us: int, end_us: int, count: int) -> BadSpanError:
    """The error of a call that would compute ``count`` > `MAX_BOUNDARIES` boundaries."""
    return BadSpanError(
        f"{owner!r} over {format_us(start_us)}..{format_us(end_us)} would need about "
        f"{count:,} boundaries, more than the {MAX_BOUNDARIES:,} one call computes; "
        "ask for shorter spans, one piece at a time."
    )


def exact_span_us(start_us: object, end_us: object, what: str) -> tuple[int, int]:
    """The exact ints of a pair of epoch-µs arguments (`exact_us`), their range unchecked.

    For the paths that judge the range themselves (a calendar's cache, a window's): an
    ``int`` subclass meets the same checks as its plain value.
    """
    return exact_us(start_us, f"{what} start_us"), exact_us(end_us, f"{what} end_us")


def check_span_us(start_us: object, end_us: object, what: str) -> tuple[int, int]:
    """The exact ints of a pair of epoch-µs arguments, or the error (the fast paths test inline).

    ``int`` (not ``bool``, ``float`` or ``Decimal``; a subclass by its exact value) within
    ratekit's instants; a reversed pair is allowed (it is an empty span).
    """
    return check_us(start_us, f"{what} start_us"), check_us(end_us, f"{what} end_us")


#: Weekday labels as ratekit prints them (Monday = 0), and as it reads them (any case).
WEEKDAY_LABELS: Final = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEKDAYS: Final = tuple(label.lower() for label in WEEKDAY_LABELS)
_WEEKDAY_NAMES: Final = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_TIME_OF_DAY: Final = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9]))?$")


def day_ordinal(t_us: int) -> int:
    """The proleptic Gregorian ordinal of the UTC date of an instant.

    ```pycon
    >>> _dt.date.fromordinal(day_ordinal(0))
    datetime.date(1970, 1, 1)

    ```
    """
    return t_us // US_PER_DAY + _EPOCH_ORDINAL


def local_us(tz: _dt.tzinfo, year: int, month: int, day: int, seconds: int = 0) -> int:
    """The instant (epoch µs) of ``seconds`` after local midnight of a date in ``tz``.

    A local time skipped by DST moves to the first instant after the gap; a local time
    that happens twice means its first occurrence. Costs about 1 µs (two ``utcoffset``
    calls), and about 30 µs in the rare case of a skipped time.

    ```pycon
    >>> import zoneinfo
    >>> zurich = zoneinfo.ZoneInfo("Europe/Zurich")
    >>> format_us(local_us(zurich, 2026, 3, 29, 9_000))  # 02:30 is skipped: 02:00 jumps to 03:00
    '2026-03-29T01:00:00Z'
    >>> format_us(local_us(zurich, 2026, 10, 25, 9_000))  # 02:30 happens twice: the first one
    '2026-10-25T00:30:00Z'

    ```
    """
    hour, rest = divmod(seconds, 3_600)
    try:
        # A wall-clock time, deliberately naive: the zone's offsets are asked for below.
        naive = _dt.datetime(year, month, day, hour, rest // 60, rest % 60)  # noqa: DTZ001
    except (ValueError, OverflowError):
        raise BadTimeError(
            f"local date {year:04d}-{month:02d}-{day:02d} is outside the range ratekit's "
            "calendars support (years 2 to 9998)."
        ) from None
    day_us = (naive.toordinal() - _EPOCH_ORDINAL) * US_PER_DAY
    wall_us = day_us + seconds * US_PER_SECOND
    first = offset_at(tz, naive)
    second_offset = offset_at(tz, naive, fold=1)
    before = wall_us - first // _ONE_US
    if first == second_offset:
        return before
    after = wall_us - second_offset // _ONE_US
    if before < after:
        # The wall time happens twice (clocks moved back): the first occurrence.
        return before
    # The wall time was skipped (clocks moved forward): the transition instant, which
    # lies in (after, before]; the offset there is already the new one.
    return offset_change_us(tz, before, after, second_offset // _ONE_US) + 1


def parse_weekday(value: object, what: str) -> int:
    """The weekday number (Monday = 0) of a name (``"Tue"``, ``"tuesday"``) or an int 0-6.

    ```pycon
    >>> parse_weekday("Tue", "weekday"), parse_weekday("sunday", "weekday"), parse_weekday(4, "weekday")
    (1, 6, 4)

    ```
    """
    if isinstance(value, str):
        text = str.strip(value).lower()  # the text it holds: a subclass's methods left out
        if text in _WEEKDAYS:
            return _WEEKDAYS.index(text)
        if text in _WEEKDAY_NAMES:
            return _WEEKDAY_NAMES.index(text)
    elif isinstance(value, int) and not isinstance(value, bool) and 0 <= int.__index__(value) <= 6:
        return int.__index__(value)  # the exact int: a subclass's comparisons may say anything
    raise BadCalendarError(
        f"{what} {show(value)} is not a weekday; give 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat' "
        "or 'Sun' (or a full name, or an int 0-6 with Monday = 0)."
    )


def parse_time_of_day(value: object, what: str) -> int:
    """Seconds after local midnight of a wall-clock time ``"HH:MM"``, ``"HH:MM:SS"`` or ``time``.

    ```pycon
    >>> parse_time_of_day("22:30", "start"), parse_time_of_day(_dt.time(6), "end")
    (81000, 21600)

    ```
    """
    if isinstance(value, _dt.time) and value.tzinfo is None and not value.microsecond:
        if value.fold:
            raise BadCalendarError(
                f"{what} {value!r} has fold=1, the second occurrence of a repeated wall "
                "time, which only a date can name: a window's times are read alike on "
                "every day, and on a day the clocks go back a repeated time is its first "
                "occurrence; give the time with fold=0."
            )
        return value.hour * 3_600 + value.minute * 60 + value.second
    if isinstance(value, str):
        match = _TIME_OF_DAY.match(str.strip(value))  # the text it holds
        if match:
            hours, minutes, seconds = match.groups()
            return int(hours) * 3_600 + int(minutes) * 60 + int(seconds or 0)
    raise BadCalendarError(
        f"{what} {show(value)} is not a time of day; write it as 'HH:MM' or 'HH:MM:SS' "
        "in plain ASCII digits between '00:00' and '23:59:59', e.g. '22:00' (or give a "
        "datetime.time without tzinfo or microseconds)."
    )


def reduce_without_cache(value: object) -> tuple[type, tuple[object, ...]]:
    """``__reduce__`` for an attrs class whose cache is rebuilt by its constructor.

    The cache holds closures, which do not pickle; the parameters do.
    """
    cls = type(value)
    fields = attrs.fields(typing.cast("type[attrs.AttrsInstance]", cls))
    return cls, tuple(getattr(value, field.name) for field in fields if field.init)


#: The instants calendar cycles and windows accept, as their errors say it.
#: (`MIN_CALENDAR_US` and `MAX_CALENDAR_US` written out; a test checks they agree.)
CALENDAR_RANGE: Final = (
    "years 2 to 9998: from 0002-01-01T00:00:00Z, inclusive, to 9998-12-31T00:00:00Z, exclusive"
)


def in_calendars(t_us: int) -> bool:
    """Whether calendars give the cycle containing ``t_us`` (``MIN_CALENDAR_US`` to ``MAX_CALENDAR_US``, half-open)."""
    return MIN_CALENDAR_US <= t_us < MAX_CALENDAR_US


def outside_calendars(t_us: int) -> BadTimeError:
    """The error of an instant outside the years calendars support (2 to 9998).

    ``t_us`` is the instant the caller gave (a span's start or end, an instant), never
    one computed from it: the message names it and the range accepted.
    """
    shown = format_us(t_us) if MIN_US <= t_us <= MAX_US else f"{show(t_us)} µs since the epoch"
    return BadTimeError(
        f"instant {shown} is outside the range ratekit's calendars support ({CALENDAR_RANGE})."
    )


class BoundaryCache:
    """A lazily extended, ascending list of the instants of an indexed sequence.

    ``at(k)`` is the instant (epoch µs) of the ``k``-th element of a non-decreasing
    sequence over all integers ``k``; ``index_near(t_us)`` is an index whose element lies
    within a few places of ``t_us``. `cover()` extends the cached list (in chunks, so
    extensions are amortised) until it reaches at least as far as the asked instants, and
    returns it. With ``strict``, repeated instants are kept once (a local day that a
    timezone skipped entirely gives no empty cycle). The list is replaced, never mutated,
    so a reader always sees a consistent list; ``values`` is the hot path's copy of the
    list in ``state``, which holds it with the indexes it covers.

    ``low`` and ``high`` bound what the hot paths may answer from the list without
    calling `cover()`: the list's ends clipped to the calendars' range. The list may
    reach past that range (the end of the cycle containing the range's last instant), but
    an instant outside the range is refused whatever the list holds, so a warm cache
    answers exactly what a cold one does.
    """

    __slots__ = ("_at", "_index_near", "_owner", "_strict", "high", "low", "state", "values")

    #: How many elements an extension adds at least.
    CHUNK: Final = 64
    #: A request further than this from the cached indexes starts a fresh list.
    FAR: Final = 4_096

    def __init__(
        self,
        at: Callable[[int], int],
        index_near: Callable[[int], int],
        *,
        strict: bool = True,
        owner: object = "calendar",
    ) -> None:
        self._owner = owner
        self._at = at
        self._index_near = index_near
        self._strict = strict
        self.values: list[int] = []
        #: The hot paths answer from ``values`` for instants in ``[low, high)`` (a span
        #: in ``[low, high]``): empty until `cover()` runs.
        self.low = MAX_CALENDAR_US
        self.high = MIN_CALENDAR_US
        #: ``(lo, hi, values)``: ``values`` holds the elements of indexes ``lo .. hi - 1``
        #: (repeats dropped when strict), replaced as a whole.
        self.state: tuple[int, int, list[int]] = (0, 0, self.values)

    def _compute(
        self, first: int, stop: int, needed_lo: int, needed_hi: int
    ) -> tuple[int, int, list[int]]:
        """Elements ``first .. stop - 1``, as ``(lo, hi, values)``.

        Elements outside ``needed_lo .. needed_hi`` are optional: at the limits of the
        calendar's range they are left out instead of raising.
        """
        at = self._at
        lo, hi = first, stop
        out: list[int] = []
        for k in range(first, stop):
            try:
                value = at(k)
            except (BadTimeError, ValueError, OverflowError) as error:
                if needed_lo <= k <= needed_hi or from_zone(error):
                    raise
                if k < needed_lo:
                    lo = k + 1
                    out.clear()
                    continue
                hi = k
                break
            if not (self._strict and out and out[-1] == value):
                out.append(value)
        return lo, hi, out

    def _join(self, head: list[int], tail: list[int]) -> list[int]:
        if self._strict and head and tail and head[-1] == tail[0]:
            return head + tail[1:]
        return head + tail

    def cover(self, lo_us: int, hi_us: int, *, named_us: int | None = None) -> list[int]:
        """The cached list, extended so that ``values[0] <= lo_us`` and ``values[-1] >= hi_us``.

        ``named_us`` is the instant an error names for the upper end, when ``hi_us`` is
        not one the caller gave (``containing(t)`` covers ``t + 1``).
        """
        if lo_us < MIN_CALENDAR_US or hi_us > MAX_CALENDAR_US:
            raise outside_calendars(lo_us if lo_us < MIN_CALENDAR_US else hi_us)
        lo, hi, values = self.state
        index_near = self._index_near
        # Two elements of margin either side, optional at the limits of the range (a
        # yearly calendar in year 2 has no element two years before).
        near_lo, near_hi = index_near(lo_us), index_near(hi_us)
        want_lo, want_hi = near_lo - 2, near_hi + 2
        if want_hi - want_lo > MAX_BOUNDARIES:
            raise too_many(self._owner, lo_us, hi_us, want_hi - want_lo)
        if not values or want_lo > hi + self.FAR or want_hi < lo - self.FAR:
            lo, hi, values = self._compute(want_lo, want_hi + 1, near_lo, near_hi)
        # An extension's elements are optional: a chunk reaching past the calendar's
        # range (before year 1 from a cycle in year 2) stops there; only an extension
        # that adds nothing while the asked instant is still uncovered is an error.
        while values[0] > lo_us:
            new_lo = min(want_lo, lo - self.CHUNK)
            first, _, head = self._compute(new_lo, lo, lo, lo - 1)
            if not head:
                raise self._uncovered(lo_us, values[0], "begins")
            values = self._join(head, values)
            lo = first
            want_lo = lo - self.CHUNK
        while values[-1] < hi_us:
            new_hi = max(want_hi + 1, hi + self.CHUNK)
            _, last, tail = self._compute(hi, new_hi, hi, hi - 1)
            if not tail:
                raise self._uncovered(hi_us if named_us is None else named_us, values[-1], "ends")
            values = self._join(values, tail)
            hi = last
            want_hi = hi + self.CHUNK
        self.state = (lo, hi, values)
        self.values = values
        self.low = max(values[0], MIN_CALENDAR_US)
        self.high = min(values[-1], MAX_CALENDAR_US)
        return values

    def _uncovered(self, t_us: int, edge_us: int, where: str) -> BadTimeError:
        """The error of an instant whose cycle reaches past the years calendars support."""
        side = "before year 1" if where == "begins" else "after year 9999"
        return BadTimeError(
            f"{self._owner}: the cycle containing {format_us(t_us)} {where} {side} (the "
            f"nearest boundary ratekit's calendars reach is {format_us(edge_us)}); give "
            "instants whose cycles lie within years 1 to 9999."
        )

    def containing(self, t_us: int) -> tuple[int, int]:
        """``(values[i], values[i + 1])`` with ``values[i] <= t_us < values[i + 1]``."""
        if type(t_us) is not int:
            t_us = exact_us(t_us, "containing_us t_us")
        values = self.values
        if not self.low <= t_us < self.high:
            if not in_calendars(t_us):
                raise outside_calendars(t_us)  # the instant given, not t_us + 1
            values = self.cover(t_us, t_us + 1, named_us=t_us)
        index = bisect.bisect_right(values, t_us)
        return values[index - 1], values[index]
