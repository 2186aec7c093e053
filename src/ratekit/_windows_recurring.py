"""Daily and weekly windows: from a local time to another, every day or every week.

Public through `ratekit.windows` ([`daily()`][ratekit.windows.daily],
[`weekly()`][ratekit.windows.weekly], [`weekends()`][ratekit.windows.weekends]).
"""

from __future__ import annotations

import datetime as _dt
import typing

import attrs

from ._calendar import (
    WEEKDAY_LABELS,
    BoundaryCache,
    check_span_us,
    day_ordinal,
    exact_span_us,
    local_us,
    parse_time_of_day,
    parse_weekday,
    reduce_without_cache,
)
from ._call_arguments import TZ as _TZ
from ._call_arguments import constructor, factory
from ._entry_points import plain_text
from ._windows_algebra import Window, _Algebra, _clip
from ._zones import zone, zone_name
from .errors import BadCalendarError

__all__ = ["DailyWindow", "WeeklyWindow", "daily", "weekends", "weekly"]


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3_600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def _seconds(value: object, what: str) -> int:
    if type(value) is int and 0 <= value < 86_400:
        return value
    raise BadCalendarError(
        f"{what} {value!r} is not a time of day in seconds; give an int from 0 to 86399."
    )


class _Recurring(_Algebra):
    """Windows from a local start to a local end that repeat every day or every week."""

    __slots__ = ()
    _cache: BoundaryCache

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return reduce_without_cache(self)

    def within_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """The parts of ``[start_us, end_us)`` inside the window: ascending, disjoint, clipped.

        O(log n + k) for k parts once the cache covers the span (about 1 µs).

        Examples:
            >>> import ratekit as rk
            >>> rk.windows.daily("01:00", "02:00", tz="UTC").within_us(0, 86_400_000_000)
            [(3600000000, 7200000000)]
        """
        if type(start_us) is not int or type(end_us) is not int:
            start_us, end_us = exact_span_us(start_us, end_us, "within_us")
        cache = self._cache
        values = cache.values
        if not (cache.low <= start_us and end_us <= cache.high):
            if end_us <= start_us:  # nothing within, once both are instants
                check_span_us(start_us, end_us, "within_us")
                return []
            values = self._cache.cover(start_us, end_us)
        return _clip(values, start_us, end_us)


def _recurring_cache(
    tz: _dt.tzinfo,
    *,
    owner: object,
    period_days: int,
    first_day: int,
    start_seconds: int,
    end_days: int,
    end_seconds: int,
) -> BoundaryCache:
    """The flat bounds of occurrence ``k``: starts at index ``2k``, ends at ``2k + 1``.

    Occurrence ``k`` starts on the day with ordinal ``period_days * k + first_day`` at
    ``start_seconds`` and ends ``end_days`` later at ``end_seconds``.
    """

    def at(j: int) -> int:
        k, is_end = divmod(j, 2)
        ordinal = period_days * k + first_day
        if is_end:
            day = _dt.date.fromordinal(ordinal + end_days)
            return local_us(tz, day.year, day.month, day.day, end_seconds)
        day = _dt.date.fromordinal(ordinal)
        return local_us(tz, day.year, day.month, day.day, start_seconds)

    def index_near(t_us: int) -> int:
        return 2 * ((day_ordinal(t_us) - first_day) // period_days)

    return BoundaryCache(at, index_near, strict=False, owner=owner)


@typing.final
@constructor(
    f"{_TZ}, start_seconds and end_seconds (seconds after local midnight, 0 to 86399); "
    "windows.daily(start, end, tz=...) builds one from local times",
    family="windows",
)
@attrs.frozen(repr=False)
class DailyWindow(_Recurring, Window):
    """A window from a local time to the next occurrence of another, every day.

    Build it with [`daily()`][ratekit.windows.daily]. When ``end`` is not after ``start`` the window crosses
    midnight and ends the next day.

    Examples:
        >>> import ratekit as rk
        >>> rk.windows.daily("09:00", "17:00", tz="UTC").within(rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"))
        SpanSet([Span('2026-03-02T09:00:00Z', '2026-03-02T17:00:00Z')])
    """

    tz: _dt.tzinfo
    """The timezone of the wall-clock times."""
    start_seconds: int
    """When each occurrence starts, in seconds after local midnight."""
    end_seconds: int
    """When it ends, in seconds after local midnight (the next day if not after the start)."""
    _cache: BoundaryCache = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "tz", zone(self.tz, "DailyWindow tz"))
        start = _seconds(self.start_seconds, "DailyWindow start_seconds")
        if start == _seconds(self.end_seconds, "DailyWindow end_seconds"):
            raise BadCalendarError(
                f"DailyWindow from {_clock(start)!r} to {_clock(start)!r} has no length; give "
                "an end that differs from the start (an end before the start crosses midnight)."
            )
        crosses = 1 if self.end_seconds <= self.start_seconds else 0
        cache = _recurring_cache(
            self.tz,
            owner=self,
            period_days=1,
            first_day=0,
            start_seconds=self.start_seconds,
            end_days=crosses,
            end_seconds=self.end_seconds,
        )
        object.__setattr__(self, "_cache", cache)

    @plain_text
    def __repr__(self) -> str:
        return (
            f"windows.daily({_clock(self.start_seconds)!r}, {_clock(self.end_seconds)!r}, "
            f"tz={zone_name(self.tz)!r})"
        )


@typing.final
@constructor(
    f"{_TZ}, start_weekday, start_seconds, end_weekday and end_seconds (weekdays 0 for "
    "Monday to 6, seconds after local midnight); windows.weekly(start, end, tz=...) builds "
    "one from (weekday, time) pairs",
    family="windows",
)
@attrs.frozen(repr=False)
class WeeklyWindow(_Recurring, Window):
    """A window from a local weekday and time to the next occurrence of another, every week.

    Build it with [`weekly()`][ratekit.windows.weekly] or [`weekends()`][ratekit.windows.weekends]. Weekdays are 0 for Monday to 6 for
    Sunday; the window may wrap around the week's end (Friday 18:00 to Monday 08:00).

    Examples:
        >>> import ratekit as rk
        >>> window = rk.windows.weekly(("Fri", "18:00"), ("Mon", "08:00"), tz="UTC")
        >>> window.within(rk.Span("2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z"))
        SpanSet([Span('2026-03-02T00:00:00Z', '2026-03-02T08:00:00Z'), Span('2026-03-06T18:00:00Z', '2026-03-09T00:00:00Z')])
    """

    tz: _dt.tzinfo
    """The timezone of the wall-clock times."""
    start_weekday: int
    """The weekday each occurrence starts on (Monday = 0)."""
    start_seconds: int
    """The time it starts, in seconds after local midnight."""
    end_weekday: int
    """The weekday it ends on (Monday = 0)."""
    end_seconds: int
    """The time it ends, in seconds after local midnight."""
    _cache: BoundaryCache = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "tz", zone(self.tz, "WeeklyWindow tz"))
        start = (
            parse_weekday(self.start_weekday, "WeeklyWindow start_weekday"),
            _seconds(self.start_seconds, "WeeklyWindow start_seconds"),
        )
        end = (
            parse_weekday(self.end_weekday, "WeeklyWindow end_weekday"),
            _seconds(self.end_seconds, "WeeklyWindow end_seconds"),
        )
        object.__setattr__(self, "start_weekday", start[0])
        object.__setattr__(self, "end_weekday", end[0])
        if start == end:
            raise BadCalendarError(
                "WeeklyWindow has no length: its start and end are the same weekday and time."
            )
        days = (self.end_weekday - self.start_weekday) % 7
        if days == 0 and self.end_seconds <= self.start_seconds:
            days = 7
        # Ordinal 1 (0001-01-01) is a Monday.
        first = 1 + self.start_weekday
        cache = _recurring_cache(
            self.tz,
            owner=self,
            period_days=7,
            first_day=first,
            start_seconds=self.start_seconds,
            end_days=days,
            end_seconds=self.end_seconds,
        )
        object.__setattr__(self, "_cache", cache)

    @plain_text
    def __repr__(self) -> str:
        start = (WEEKDAY_LABELS[self.start_weekday], _clock(self.start_seconds))
        end = (WEEKDAY_LABELS[self.end_weekday], _clock(self.end_seconds))
        return f"windows.weekly({start!r}, {end!r}, tz={zone_name(self.tz)!r})"


@factory(
    "daily",
    f"start and end (local times such as '22:00', or datetime.time values), and {_TZ} by keyword",
    family="windows",
)
def daily(start: str | _dt.time, end: str | _dt.time, *, tz: str | _dt.tzinfo) -> DailyWindow:
    """A window every day from the local time ``start`` to the next local time ``end``.

    Times are ``"HH:MM"``, ``"HH:MM:SS"`` or `datetime.time` values (without tzinfo);
    when ``end`` is not after ``start`` the window
    crosses midnight (``daily("22:00", "06:00", ...)`` is every night). ``start == end``
    would be empty or all of time, and is refused.

    Examples:
        >>> import ratekit as rk
        >>> nights = rk.windows.daily("22:00", "06:00", tz="Europe/Zurich")
        >>> nights.within(rk.Span("2026-10-24T12:00:00Z", "2026-10-25T12:00:00Z")).duration  # clocks move back
        datetime.timedelta(seconds=32400)
    """
    start_seconds = parse_time_of_day(start, "daily window start")
    end_seconds = parse_time_of_day(end, "daily window end")
    if start_seconds == end_seconds:
        raise BadCalendarError(
            f"daily window from {start!r} to {end!r} has no length; give an end that "
            "differs from the start (an end before the start crosses midnight)."
        )
    return DailyWindow(zone(tz, "daily window tz"), start_seconds, end_seconds)


def _weekday_time(value: object, what: str) -> tuple[int, int]:
    if not (isinstance(value, tuple | list) and len(value) == 2):
        raise BadCalendarError(
            f"{what} {value!r} is not a (weekday, time) pair; write it like ('Tue', '02:00')."
        )
    return parse_weekday(value[0], f"{what} weekday"), parse_time_of_day(value[1], f"{what} time")


@factory(
    "weekly",
    f"start and end ((weekday, time) pairs such as ('Fri', '18:00')), and {_TZ} by keyword",
    family="windows",
)
def weekly(
    start: tuple[str | int, str | _dt.time],
    end: tuple[str | int, str | _dt.time],
    *,
    tz: str | _dt.tzinfo,
) -> WeeklyWindow:
    """A window every week from a local ``(weekday, time)`` to the next local ``end``.

    Weekdays are names (``"Tue"``, ``"tuesday"``) or ints with Monday = 0; times are
    ``"HH:MM"``, ``"HH:MM:SS"`` or `datetime.time` values; a pair may be a tuple or
    a list (as read from JSON or YAML). The window may wrap around the end of the week. Equal
    start and end would be empty or all of time, and are refused.

    Examples:
        >>> import ratekit as rk
        >>> tuesdays = rk.windows.weekly(("Tue", "02:00"), ("Wed", "02:00"), tz="Europe/Athens")
        >>> tuesdays.within(rk.Span("2026-03-01T00:00:00Z", "2026-03-08T00:00:00Z"))
        SpanSet([Span('2026-03-03T00:00:00Z', '2026-03-04T00:00:00Z')])
    """
    start_day, start_seconds = _weekday_time(start, "weekly window start")
    end_day, end_seconds = _weekday_time(end, "weekly window end")
    if (start_day, start_seconds) == (end_day, end_seconds):
        raise BadCalendarError(
            f"weekly window from {start!r} to {end!r} has no length; give an end that "
            "differs from the start."
        )
    return WeeklyWindow(
        zone(tz, "weekly window tz"), start_day, start_seconds, end_day, end_seconds
    )


@factory("weekends", f"{_TZ}, by keyword", family="windows")
def weekends(*, tz: str | _dt.tzinfo) -> WeeklyWindow:
    """Every weekend: from local Saturday 00:00 to local Monday 00:00.

    Examples:
        >>> import ratekit as rk
        >>> rk.windows.weekends(tz="Europe/Zurich")
        windows.weekly(('Sat', '00:00'), ('Mon', '00:00'), tz='Europe/Zurich')
    """
    return WeeklyWindow(zone(tz, "weekends tz"), 5, 0, 0, 0)
