"""Recurring windows: parts of time that repeat in an explicit timezone (nights, weekends).

A window is a set of half-open spans that recurs: every night from 22:00 to 06:00, every
Tuesday 02:00 to Wednesday 02:00, every weekend, or between the firings of two cron
expressions (as in Aquarium's pricelists). Pricelists use windows to put an entry in
effect only part of the time.

Windows are defined by local wall-clock times in an explicit IANA timezone, and measured
as instants: a 22:00-06:00 night during which clocks move forward lasts 7 hours, one
during which they move back 9. A start or end at a local time that DST skips moves to the
first instant after the gap; one at a local time that happens twice is its first
occurrence (the same rule as billing cycles).

Windows are immutable values compared by their parameters; each caches its spans as
integer microseconds, so [`within_us()`][ratekit.windows.Window.within_us] costs a bisection once a part of time
has been seen. ``|``, ``&`` and ``~`` combine the built-in windows ([`union()`][ratekit.windows.union],
[`intersection()`][ratekit.windows.intersection] and [`complement()`][ratekit.windows.complement] take any window).

Examples:
    >>> import ratekit as rk
    >>> nights = rk.windows.daily("22:00", "06:00", tz="Europe/Zurich")
    >>> week = rk.Span("2026-03-27T12:00:00Z", "2026-03-30T12:00:00Z")
    >>> for night in nights.within(week):
    ...     print(night, night.duration)
    Span('2026-03-27T21:00:00Z', '2026-03-28T05:00:00Z') 8:00:00
    Span('2026-03-28T21:00:00Z', '2026-03-29T04:00:00Z') 7:00:00
    Span('2026-03-29T20:00:00Z', '2026-03-30T04:00:00Z') 8:00:00
    >>> (~nights).within(rk.Span("2026-03-28T04:00:00Z", "2026-03-28T22:00:00Z"))
    SpanSet([Span('2026-03-28T05:00:00Z', '2026-03-28T21:00:00Z')])
"""

from __future__ import annotations

import bisect
import datetime as _dt
import itertools
import typing
from typing import Final, Protocol

import attrs

from ._calendar import (
    MAX_BOUNDARIES,
    MAX_CALENDAR_US,
    MIN_CALENDAR_US,
    WEEKDAY_LABELS,
    BoundaryCache,
    check_span_us,
    day_ordinal,
    local_us,
    outside_calendars,
    parse_time_of_day,
    parse_weekday,
    reduce_without_cache,
    too_many,
    zone,
    zone_name,
)
from ._instants import EPOCH, US_PER_DAY, to_us
from .errors import BadCalendarError, RatekitTypeError
from .spans import Span, SpanSet, _normalise, _pairs

__all__ = [
    "Complement",
    "CronWindow",
    "DailyWindow",
    "Intersection",
    "Union",
    "WeeklyWindow",
    "Window",
    "complement",
    "cron",
    "daily",
    "intersection",
    "union",
    "weekends",
    "weekly",
]


@typing.runtime_checkable
class Window(Protocol):
    """What ratekit needs from a recurring window: ``within_us``, and ``within`` built on it.

    Implement [`within_us()`][ratekit.windows.Window.within_us] (instants are integer microseconds since the epoch);
    subclass ``Window`` explicitly to inherit [`within()`][ratekit.windows.Window.within].

    Examples:
        >>> import ratekit as rk
        >>> class FirstHourOfEveryDay(rk.windows.Window):
        ...     day = 86_400_000_000
        ...     hour = 3_600_000_000
        ...     def within_us(self, start_us, end_us):
        ...         first = start_us // self.day * self.day
        ...         pairs = ((d, d + self.hour) for d in range(first, end_us, self.day))
        ...         return [(max(a, start_us), min(b, end_us)) for a, b in pairs if b > start_us]
        >>> FirstHourOfEveryDay().within(rk.Span("2026-03-01T00:30:00Z", "2026-03-02T12:00:00Z"))
        SpanSet([Span('2026-03-01T00:30:00Z', '2026-03-01T01:00:00Z'), Span('2026-03-02T00:00:00Z', '2026-03-02T01:00:00Z')])
    """

    def within_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """The parts of ``[start_us, end_us)`` inside the window: ascending, disjoint, clipped."""
        ...

    def within(self, span: Span) -> SpanSet:
        """The parts of ``span`` inside the window.

        Examples:
            >>> import ratekit as rk
            >>> rk.windows.weekends(tz="UTC").within(rk.Span("2026-03-06T00:00:00Z", "2026-03-10T00:00:00Z"))
            SpanSet([Span('2026-03-07T00:00:00Z', '2026-03-09T00:00:00Z')])
        """
        if not isinstance(span, Span):
            raise RatekitTypeError(
                f"within takes a Span, not {type(span).__name__}: {span!r}; build one with "
                "rk.Span(start, end)."
            )
        return SpanSet.from_us(self.within_us(span.start_us, span.end_us))


def _clip(values: list[int], start_us: int, end_us: int) -> list[tuple[int, int]]:
    """The pairs of the flat bounds ``values`` (start, end, start, end...) clipped to a span.

    ``values`` must reach at least from ``start_us`` to ``end_us``. Empty pairs are dropped
    and touching ones merged.
    """
    if end_us <= start_us:
        return []
    i = bisect.bisect_right(values, start_us)
    j = bisect.bisect_left(values, end_us)
    bounds = values[i:j]
    if i & 1:
        bounds.insert(0, start_us)
    if j & 1:
        bounds.append(end_us)
    out: list[tuple[int, int]] = []
    it = iter(bounds)
    for a, b in zip(it, it, strict=True):
        if a < b:
            if out and out[-1][1] == a:
                out[-1] = (out[-1][0], b)
            else:
                out.append((a, b))
    return out


def _gaps(pairs: list[tuple[int, int]], start_us: int, end_us: int) -> list[tuple[int, int]]:
    """The parts of ``[start_us, end_us)`` not covered by the sorted, disjoint ``pairs``."""
    out = []
    cursor = start_us
    for a, b in pairs:
        if a > cursor:
            out.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < end_us:
        out.append((cursor, end_us))
    return out


class _Algebra:
    """``|``, ``&`` and ``~`` for the built-in windows."""

    __slots__ = ()

    def __or__(self, other: Window) -> Union:
        return union(typing.cast("Window", self), other)

    def __and__(self, other: Window) -> Intersection:
        return intersection(typing.cast("Window", self), other)

    def __invert__(self) -> Complement:
        return complement(typing.cast("Window", self))


def _clock(seconds: int) -> str:
    hours, rest = divmod(seconds, 3_600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


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
            check_span_us(start_us, end_us, "within_us")
        values = self._cache.values
        if not (values and values[0] <= start_us and end_us <= values[-1]):
            if end_us <= start_us:
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

    def __repr__(self) -> str:
        return (
            f"windows.daily({_clock(self.start_seconds)!r}, {_clock(self.end_seconds)!r}, "
            f"tz={zone_name(self.tz)!r})"
        )


@typing.final
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

    def __repr__(self) -> str:
        start = (WEEKDAY_LABELS[self.start_weekday], _clock(self.start_seconds))
        end = (WEEKDAY_LABELS[self.end_weekday], _clock(self.end_seconds))
        return f"windows.weekly({start!r}, {end!r}, tz={zone_name(self.tz)!r})"


# -- cron windows -------------------------------------------------------------------------

#: How far before an instant the search for the last cron firing starts, beyond the
#: instant itself: more than any DST shift, so that a firing that cron's wall-clock
#: arithmetic places "later" on the clock but earlier in time is still seen.
_CRON_MARGIN_US: Final = 3 * 3_600_000_000
#: How many firings a search skips at most before giving up.
_CRON_SEARCH_LIMIT: Final = 100_000


def _import_cronsim() -> typing.Any:
    try:
        import cronsim  # noqa: PLC0415  (an optional extra, imported only when used)
    except ImportError:
        raise BadCalendarError(
            "cron windows need the optional cronsim library; install it with "
            "pip install 'ratekit[cron]'."
        ) from None
    return cronsim


def _local(t_us: int, tz: _dt.tzinfo) -> _dt.datetime:
    return (EPOCH + _dt.timedelta(microseconds=t_us)).astimezone(tz)


def _seconds(value: object, what: str) -> int:
    if type(value) is int and 0 <= value < 86_400:
        return value
    raise BadCalendarError(
        f"{what} {value!r} is not a time of day in seconds; give an int from 0 to 86399."
    )


def _check_cron(expression: object, what: str) -> None:
    cronsim = _import_cronsim()
    if not isinstance(expression, str):
        raise RatekitTypeError(
            f"cron window {what} must be a cron expression string, "
            f"not {type(expression).__name__}: {expression!r}."
        )
    try:
        cronsim.CronSim(expression, _CRON_PROBE)
    except (cronsim.CronSimError, ValueError, IndexError) as error:
        raise BadCalendarError(
            f"cron window {what} {expression!r} is not a cron expression ({error}); "
            "write five fields, minute hour day-of-month month day-of-week, "
            "e.g. '00 02 * * Tue'."
        ) from None


_CRON_PROBE: Final = _dt.datetime(2026, 1, 1, tzinfo=_dt.UTC)


@typing.final
@attrs.frozen(repr=False)
class CronWindow(_Algebra, Window):
    """A window that opens when one cron expression fires and closes when another fires.

    Build it with [`cron()`][ratekit.windows.cron]. The window opens at every firing of ``start`` and closes at
    the first firing of ``end`` at or after it: a ``start`` firing while the window is open
    changes nothing, and a ``start`` that fires at the same instant as an ``end`` opens
    nothing (the window from it to that end is empty). If ``end`` never fires again, the
    window stays open. Firings are evaluated by the cronsim
    library in the timezone ``tz``, with Debian cron's rules for DST: a job at a fixed
    time that DST skips runs at the first minute after the gap, and one in a repeated hour
    runs once, at its first occurrence; expressions with ``*`` in the minute or hour
    field fire at every matching real instant.

    Finding firings is slow (tens of µs each), so the window caches the spans it has found;
    [`within_us()`][ratekit.windows.CronWindow.within_us] costs a bisection once a part of time has been seen.

    Examples:
        >>> import ratekit as rk
        >>> maintenance = rk.windows.cron("00 02 * * Tue", "00 02 * * Wed", tz="Europe/Athens")
        >>> maintenance.within(rk.Span("2026-03-01T00:00:00Z", "2026-03-08T00:00:00Z"))
        SpanSet([Span('2026-03-03T00:00:00Z', '2026-03-04T00:00:00Z')])
    """

    start: str
    """The cron expression whose firings open the window."""
    end: str
    """The cron expression whose firings close it."""
    tz: _dt.tzinfo
    """The timezone the expressions are evaluated in."""
    _cache: list[typing.Any] = attrs.field(init=False, eq=False, repr=False)

    #: The least extension of the cached part of time, in microseconds.
    CHUNK_US: typing.ClassVar[int] = 62 * US_PER_DAY
    #: A request further than this from the cached part of time starts afresh.
    FAR_US: typing.ClassVar[int] = 800 * US_PER_DAY

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "tz", zone(self.tz, "CronWindow tz"))
        _check_cron(self.start, "start")
        _check_cron(self.end, "end")
        # [covered_lo, covered_hi, flat bounds of every window overlapping that part]
        object.__setattr__(self, "_cache", [0, 0, []])

    def _next(self, expression: str, after_us: int) -> int | None:
        """The first firing of ``expression`` strictly after ``after_us`` (None if none).

        cronsim starts from the whole second before and, for fixed-time jobs, counts on
        the wall clock, so firings at or before ``after_us`` (the first occurrence of a
        repeated hour seen from the second one) are skipped here.
        """
        cronsim = _import_cronsim()
        firings = cronsim.CronSim(expression, _local(after_us, self.tz))
        for count, firing in enumerate(firings):
            instant = to_us(firing)
            if instant > after_us:
                return instant
            if count > _CRON_SEARCH_LIMIT:  # pragma: no cover - a safety net
                break
        return None

    def _last(self, expression: str, t_us: int) -> int | None:
        """The last firing of ``expression`` at or before ``t_us`` (None if none)."""
        cronsim = _import_cronsim()
        firings = cronsim.CronSim(
            expression, _local(t_us + _CRON_MARGIN_US + 1, self.tz), reverse=True
        )
        for count, firing in enumerate(firings):
            instant = to_us(firing)
            if instant <= t_us:
                return instant
            if count > _CRON_SEARCH_LIMIT:  # pragma: no cover - a safety net
                break
        return None

    def _windows(self, lo_us: int, hi_us: int) -> list[tuple[int, int]]:
        """Every whole window that overlaps ``[lo_us, hi_us)``, in order."""
        out: list[tuple[int, int]] = []
        cursor = lo_us  # the next window opens at the first start firing at or after it
        opened = self._last(self.start, lo_us)
        if opened is not None:
            closed = self._next(self.end, opened - 1)
            closed = MAX_CALENDAR_US if closed is None else closed
            if closed > lo_us:
                out.append((opened, closed))
                cursor = closed
        count = 0
        while cursor < hi_us:
            count += 1
            if count > MAX_BOUNDARIES // 2:
                raise too_many(self, lo_us, hi_us, 2 * count)
            opened = self._next(self.start, cursor - 1)
            if opened is None or opened >= hi_us:
                break
            closed = self._next(self.end, opened - 1)
            closed = MAX_CALENDAR_US if closed is None else closed
            if closed > opened:
                out.append((opened, closed))
            cursor = max(closed, opened + 1)
        return out

    def _cover(self, lo_us: int, hi_us: int) -> list[int]:
        if lo_us < MIN_CALENDAR_US or hi_us > MAX_CALENDAR_US:
            raise outside_calendars(lo_us if lo_us < MIN_CALENDAR_US else hi_us)
        covered_lo, covered_hi, values = self._cache
        pairs = list(zip(values[0::2], values[1::2], strict=True))
        far = lo_us > covered_hi + self.FAR_US or hi_us < covered_lo - self.FAR_US
        if covered_lo >= covered_hi or far:
            pairs = []
            covered_lo = max(lo_us - self.CHUNK_US // 2, MIN_CALENDAR_US)
            covered_hi = covered_lo
        if lo_us < covered_lo:
            new_lo = max(min(lo_us, covered_lo - self.CHUNK_US), MIN_CALENDAR_US)
            pairs += self._windows(new_lo, covered_lo)
            covered_lo = new_lo
        if hi_us > covered_hi:
            new_hi = min(max(hi_us, covered_hi + self.CHUNK_US), MAX_CALENDAR_US)
            pairs += self._windows(covered_hi, new_hi)
            covered_hi = new_hi
        values = list(_normalise(pairs))
        self._cache[:] = [covered_lo, covered_hi, values]
        return values

    def within_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """The parts of ``[start_us, end_us)`` inside the window: ascending, disjoint, clipped.

        O(log n + k) for k parts once the cache covers the span.

        Examples:
            >>> import ratekit as rk
            >>> from ratekit._instants import to_us
            >>> hour = rk.windows.cron("0 1 * * *", "0 2 * * *", tz="UTC")
            >>> hour.within_us(to_us("2026-03-01T01:30:00Z"), to_us("2026-03-01T03:00:00Z"))
            [(1772328600000000, 1772330400000000)]
        """
        if type(start_us) is not int or type(end_us) is not int:
            check_span_us(start_us, end_us, "within_us")
        if end_us <= start_us:
            return []
        covered_lo, covered_hi, values = self._cache
        if not (covered_lo <= start_us and end_us <= covered_hi and covered_lo < covered_hi):
            values = self._cover(start_us, end_us)
        return _clip(values, start_us, end_us) if values else []

    def __repr__(self) -> str:
        return f"windows.cron({self.start!r}, {self.end!r}, tz={zone_name(self.tz)!r})"


# -- combinations -------------------------------------------------------------------------


@typing.final
@attrs.frozen(repr=False)
class Union(_Algebra, Window):
    """The parts of time inside any of several windows. Build it with [`union()`][ratekit.windows.union] or ``|``.

    Examples:
        >>> import ratekit as rk
        >>> off_peak = rk.windows.daily("22:00", "06:00", tz="UTC") | rk.windows.weekends(tz="UTC")
        >>> off_peak.within(rk.Span("2026-03-06T12:00:00Z", "2026-03-07T12:00:00Z"))
        SpanSet([Span('2026-03-06T22:00:00Z', '2026-03-07T12:00:00Z')])
    """

    windows: tuple[Window, ...]
    """The windows joined."""

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "windows", _window_tuple(self.windows, "Union windows"))

    def within_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """The parts of ``[start_us, end_us)`` inside any of the windows.

        Examples:
            >>> import ratekit as rk
            >>> a = rk.windows.daily("01:00", "02:00", tz="UTC")
            >>> b = rk.windows.daily("02:00", "03:00", tz="UTC")
            >>> (a | b).within_us(0, 86_400_000_000)
            [(3600000000, 10800000000)]
        """
        if not (type(start_us) is int and type(end_us) is int):
            check_span_us(start_us, end_us, "within_us")
        return list(
            _pairs(
                _normalise(
                    itertools.chain.from_iterable(
                        w.within_us(start_us, end_us) for w in self.windows
                    )
                )
            )
        )

    def __repr__(self) -> str:
        return f"windows.union({', '.join(map(repr, self.windows))})"


@typing.final
@attrs.frozen(repr=False)
class Intersection(_Algebra, Window):
    """The parts of time inside all of several windows. Build it with [`intersection()`][ratekit.windows.intersection] or ``&``.

    Examples:
        >>> import ratekit as rk
        >>> weekend_nights = rk.windows.daily("22:00", "06:00", tz="UTC") & rk.windows.weekends(tz="UTC")
        >>> len(weekend_nights.within(rk.Span("2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z")))
        3
    """

    windows: tuple[Window, ...]
    """The windows intersected."""

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "windows", _window_tuple(self.windows, "Intersection windows"))

    def within_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """The parts of ``[start_us, end_us)`` inside every one of the windows.

        Examples:
            >>> import ratekit as rk
            >>> a = rk.windows.daily("01:00", "03:00", tz="UTC")
            >>> b = rk.windows.daily("02:00", "04:00", tz="UTC")
            >>> (a & b).within_us(0, 86_400_000_000)
            [(7200000000, 10800000000)]
        """
        if not (type(start_us) is int and type(end_us) is int):
            check_span_us(start_us, end_us, "within_us")
        result = SpanSet.from_us([(start_us, end_us)]) if end_us > start_us else SpanSet()
        for window in self.windows:
            if not result:
                break
            result &= SpanSet.from_us(window.within_us(start_us, end_us))
        return result.pairs_us()

    def __repr__(self) -> str:
        return f"windows.intersection({', '.join(map(repr, self.windows))})"


@typing.final
@attrs.frozen(repr=False)
class Complement(_Algebra, Window):
    """The parts of time outside a window. Build it with [`complement()`][ratekit.windows.complement] or ``~``.

    Examples:
        >>> import ratekit as rk
        >>> weekdays = ~rk.windows.weekends(tz="UTC")
        >>> weekdays.within(rk.Span("2026-03-07T00:00:00Z", "2026-03-10T00:00:00Z"))
        SpanSet([Span('2026-03-09T00:00:00Z', '2026-03-10T00:00:00Z')])
    """

    window: Window
    """The window whose outside this is."""

    def __attrs_post_init__(self) -> None:
        _check_window(self.window, "Complement window")

    def within_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """The parts of ``[start_us, end_us)`` outside the window.

        Examples:
            >>> import ratekit as rk
            >>> (~rk.windows.daily("01:00", "23:00", tz="UTC")).within_us(0, 86_400_000_000)
            [(0, 3600000000), (82800000000, 86400000000)]
        """
        if not (type(start_us) is int and type(end_us) is int):
            check_span_us(start_us, end_us, "within_us")
        if end_us <= start_us:
            return []
        return _gaps(self.window.within_us(start_us, end_us), start_us, end_us)

    def __invert__(self) -> Complement:
        return complement(self)

    def __repr__(self) -> str:
        return f"windows.complement({self.window!r})"


# -- constructors -------------------------------------------------------------------------


def _window_tuple(value: object, what: str) -> tuple[Window, ...]:
    if not isinstance(value, tuple | list) or not value:
        raise RatekitTypeError(
            f"{what} must be a non-empty tuple of recurring windows, not "
            f"{type(value).__name__}: {value!r}."
        )
    return tuple(_check_window(window, what) for window in value)


def _check_window(value: object, what: str) -> Window:
    if not callable(getattr(value, "within_us", None)):
        raise RatekitTypeError(
            f"{what} must be a recurring window with within_us(), "
            f"not {type(value).__name__}: {value!r}."
        )
    return typing.cast("Window", value)


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


def weekends(*, tz: str | _dt.tzinfo) -> WeeklyWindow:
    """Every weekend: from local Saturday 00:00 to local Monday 00:00.

    Examples:
        >>> import ratekit as rk
        >>> rk.windows.weekends(tz="Europe/Zurich")
        windows.weekly(('Sat', '00:00'), ('Mon', '00:00'), tz='Europe/Zurich')
    """
    return WeeklyWindow(zone(tz, "weekends tz"), 5, 0, 0, 0)


def cron(start: str, end: str, *, tz: str | _dt.tzinfo) -> CronWindow:
    """A window from each firing of the cron expression ``start`` to the next firing of ``end``.

    Expressions have five fields (minute, hour, day of month, month, day of week, as in
    ``"00 02 * * Tue"``) or six with seconds first, evaluated in the timezone ``tz`` by the
    cronsim library: install it with ``pip install 'ratekit[cron]'``. See
    [`CronWindow`][ratekit.windows.CronWindow] for how firings meet DST.

    Examples:
        >>> import ratekit as rk
        >>> rk.windows.cron("00 02 * * Tue", "00 02 * * Wed", tz="Europe/Athens")
        windows.cron('00 02 * * Tue', '00 02 * * Wed', tz='Europe/Athens')
        >>> rk.windows.cron("00 25 * * Tue", "00 02 * * Wed", tz="UTC")
        Traceback (most recent call last):
        ...
        ratekit.BadCalendarError: cron window start '00 25 * * Tue' is not a cron expression (Bad hour); write five fields, minute hour day-of-month month day-of-week, e.g. '00 02 * * Tue'.
    """
    zone_info = zone(tz, "cron window tz")
    _check_cron(start, "start")
    _check_cron(end, "end")
    return CronWindow(start, end, zone_info)


def union(*windows: Window) -> Union:
    """The parts of time inside any of ``windows`` (also ``a | b`` for built-in windows).

    Examples:
        >>> import ratekit as rk
        >>> rk.windows.union(rk.windows.weekends(tz="UTC"), rk.windows.daily("22:00", "06:00", tz="UTC"))
        windows.union(windows.weekly(('Sat', '00:00'), ('Mon', '00:00'), tz='UTC'), windows.daily('22:00', '06:00', tz='UTC'))
    """
    if not windows:
        raise BadCalendarError("windows.union() needs at least one window.")
    return Union(tuple(_check_window(w, "windows.union argument") for w in windows))


def intersection(*windows: Window) -> Intersection:
    """The parts of time inside every one of ``windows`` (also ``a & b`` for built-in windows).

    Examples:
        >>> import ratekit as rk
        >>> nights = rk.windows.daily("22:00", "06:00", tz="UTC")
        >>> both = rk.windows.intersection(nights, rk.windows.weekends(tz="UTC"))
        >>> both.within(rk.Span("2026-03-06T00:00:00Z", "2026-03-07T12:00:00Z"))
        SpanSet([Span('2026-03-07T00:00:00Z', '2026-03-07T06:00:00Z')])
    """
    if not windows:
        raise BadCalendarError("windows.intersection() needs at least one window.")
    return Intersection(tuple(_check_window(w, "windows.intersection argument") for w in windows))


def complement(window: Window) -> Complement:
    """The parts of time outside ``window`` (also ``~window`` for built-in windows).

    Within any span, a window's parts and its complement's parts partition the span.

    Examples:
        >>> import ratekit as rk
        >>> days = rk.windows.complement(rk.windows.daily("22:00", "06:00", tz="UTC"))
        >>> days.within(rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"))
        SpanSet([Span('2026-03-02T06:00:00Z', '2026-03-02T22:00:00Z')])
    """
    return Complement(_check_window(window, "windows.complement argument"))
