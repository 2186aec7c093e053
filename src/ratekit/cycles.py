"""Billing cycles: calendar periods in an explicit timezone, and proration over them.

A cycle cuts time into consecutive half-open spans ``[start, end)``: every instant lies in
exactly one cycle, and an instant at a cycle's end belongs to the next cycle. Calendar
cycles ([`daily()`][ratekit.cycles.daily], [`weekly()`][ratekit.cycles.weekly], [`monthly()`][ratekit.cycles.monthly], [`quarterly()`][ratekit.cycles.quarterly],
[`yearly()`][ratekit.cycles.yearly]) start at local midnight in an explicit IANA timezone, so they follow DST:
March 2026 in Europe/Zurich lasts 743 hours and October 745. [`hourly()`][ratekit.cycles.hourly] cycles start
at every whole UTC hour; [`every()`][ratekit.cycles.every] repeats a fixed elapsed period from an anchor.

Anniversary days clamp: a monthly cycle on day 31 starts on the last day of shorter months
and returns to the 31st when a month has one. Every boundary is computed from the anchor,
never by adding months to the previous boundary (month addition clamps and drifts).

Local times that DST skips or repeats follow one rule: a boundary at a local time that is
skipped (clocks move forward) moves to the first instant after the gap; a boundary at a
local time that happens twice (clocks move back) is its first occurrence.

Cycles are immutable values compared by their parameters. Each keeps a private cache of
its boundaries as integer microseconds, so after the first use ``split`` and
``boundaries_us`` cost a bisection (about 1 µs), never a timezone computation.

Examples:
    >>> import ratekit as rk
    >>> months = rk.cycles.monthly(tz="Europe/Zurich")
    >>> march = months.containing("2026-03-15T12:00:00Z")
    >>> march
    Span('2026-02-28T23:00:00Z', '2026-03-31T22:00:00Z')
    >>> march.duration.total_seconds() / 3600
    743.0
    >>> months.split(rk.Span("2026-03-30T00:00:00Z", "2026-04-02T00:00:00Z"))
    [Span('2026-03-30T00:00:00Z', '2026-03-31T22:00:00Z'), Span('2026-03-31T22:00:00Z', '2026-04-02T00:00:00Z')]
    >>> april = months.containing("2026-04-10T00:00:00Z")
    >>> after_upgrade = rk.Span("2026-04-16T10:00:00Z", april.end)  # from 12:00 local
    >>> rk.cycles.prorate(after_upgrade, april, basis="days", tz="Europe/Zurich")  # 15 of 30
    Decimal('0.5')
"""

from __future__ import annotations

import bisect
import calendar
import datetime as _dt
import itertools
import typing
from decimal import Decimal
from typing import Literal, Protocol

import attrs

from ._calendar import (
    MAX_BOUNDARIES,
    WEEKDAY_LABELS,
    BoundaryCache,
    check_span_us,
    day_ordinal,
    local_us,
    parse_weekday,
    reduce_without_cache,
    too_many,
    zone,
    zone_name,
)
from ._decimals import CONTEXT, ZERO
from ._instants import MAX_US, MIN_US, US_PER_HOUR, check_us, format_us, to_us
from ._instants import ONE_US as _ONE_US
from .errors import BadCalendarError, BadSpanError, RatekitTypeError
from .spans import Span

__all__ = [
    "Cycle",
    "Daily",
    "Every",
    "Hourly",
    "Monthly",
    "Weekly",
    "daily",
    "every",
    "hourly",
    "monthly",
    "prorate",
    "quarterly",
    "weekly",
    "yearly",
]


def _not_a_span(method: str, value: object) -> RatekitTypeError:
    return RatekitTypeError(
        f"{method} takes a Span, not {type(value).__name__}: {value!r}; build one with "
        "rk.Span(start, end)."
    )


@typing.runtime_checkable
class Cycle(Protocol):
    """What ratekit needs from a billing cycle: two fast methods and three friendly ones.

    A cycle cuts all of time into consecutive half-open spans. Implement
    [`boundaries_us()`][ratekit.cycles.Cycle.boundaries_us] and [`containing_us()`][ratekit.cycles.Cycle.containing_us] (instants are integer microseconds
    since the epoch); subclass ``Cycle`` explicitly to inherit [`containing()`][ratekit.cycles.Cycle.containing],
    [`split()`][ratekit.cycles.Cycle.split] and [`spans()`][ratekit.cycles.Cycle.spans] built on them, as the built-in cycles do.

    Examples:
        >>> import ratekit as rk
        >>> class TenDays(rk.cycles.Cycle):
        ...     # Cycles of ten UTC days from the epoch, written by hand.
        ...     length = 10 * 86_400_000_000
        ...     def boundaries_us(self, start_us, end_us):
        ...         first = (start_us // self.length + 1) * self.length
        ...         return list(range(first, end_us, self.length))
        ...     def containing_us(self, t_us):
        ...         start = t_us // self.length * self.length
        ...         return start, start + self.length
        >>> TenDays().containing("2026-03-15T00:00:00Z")
        Span('2026-03-08T00:00:00Z', '2026-03-18T00:00:00Z')
        >>> isinstance(rk.cycles.monthly(tz="UTC"), rk.cycles.Cycle)
        True
    """

    def boundaries_us(self, start_us: int, end_us: int) -> list[int]:
        """The cycle boundaries ``b`` with ``start_us < b < end_us``, ascending."""
        ...

    def containing_us(self, t_us: int) -> tuple[int, int]:
        """``(start_us, end_us)`` of the cycle that contains the instant ``t_us``."""
        ...

    def containing(self, t: _dt.datetime | str) -> Span:
        """The cycle that contains the instant ``t`` (an instant at a cycle's end is in the next).

        Examples:
            >>> import ratekit as rk
            >>> rk.cycles.daily(tz="UTC").containing("2026-03-02T00:00:00Z")
            Span('2026-03-02T00:00:00Z', '2026-03-03T00:00:00Z')
        """
        start, end = self.containing_us(to_us(t, "instant"))
        return Span.from_us(start, end)

    def split(self, span: Span) -> list[Span]:
        """``span`` cut at the cycle boundaries inside it, in order (an empty span gives ``[]``).

        The pieces partition the span and each lies inside one cycle. Costs one
        [`boundaries_us()`][ratekit.cycles.Cycle.boundaries_us] call plus one ``Span`` per piece.

        Examples:
            >>> import ratekit as rk
            >>> rk.cycles.daily(tz="UTC").split(rk.Span("2026-03-01T12:00:00Z", "2026-03-02T12:00:00Z"))
            [Span('2026-03-01T12:00:00Z', '2026-03-02T00:00:00Z'), Span('2026-03-02T00:00:00Z', '2026-03-02T12:00:00Z')]
        """
        try:
            start = span.start_us
            end = span.end_us
        except AttributeError:
            raise _not_a_span("split", span) from None
        cuts = self.boundaries_us(start, end)
        if not cuts:
            return [span] if end > start else []
        from_us = Span.from_us
        pieces = []
        previous = start
        for cut in cuts:
            pieces.append(from_us(previous, cut))
            previous = cut
        pieces.append(from_us(previous, end))
        return pieces

    def spans(self, over: Span) -> list[Span]:
        """The whole cycles that overlap ``over``, in order (an empty span overlaps none).

        Examples:
            >>> import ratekit as rk
            >>> rk.cycles.monthly(tz="UTC").spans(rk.Span("2026-01-31T00:00:00Z", "2026-02-02T00:00:00Z"))
            [Span('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'), Span('2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z')]
        """
        if not isinstance(over, Span):
            raise _not_a_span("spans", over)
        if not over:
            return []
        first, _ = self.containing_us(over.start_us)
        _, last = self.containing_us(over.end_us - 1)
        edges = [first, *self.boundaries_us(first, last), last]
        return [Span.from_us(a, b) for a, b in itertools.pairwise(edges)]


class _Cached:
    """Shared fast paths of the calendar cycles: bisections into the boundary cache."""

    __slots__ = ()
    _cache: BoundaryCache

    def boundaries_us(self, start_us: int, end_us: int) -> list[int]:
        """The cycle boundaries ``b`` with ``start_us < b < end_us``, ascending.

        O(log n + k) for k boundaries once the cache covers the span (about 0.5 µs);
        the first use of a part of time computes its boundaries in the timezone.

        Examples:
            >>> import ratekit as rk
            >>> from ratekit._instants import format_us, to_us
            >>> days = rk.cycles.daily(tz="Europe/Zurich")
            >>> [format_us(b) for b in days.boundaries_us(to_us("2026-03-28T12:00:00Z"), to_us("2026-03-30T12:00:00Z"))]
            ['2026-03-28T23:00:00Z', '2026-03-29T22:00:00Z']
        """
        if type(start_us) is not int or type(end_us) is not int:
            check_span_us(start_us, end_us, "boundaries_us")
        values = self._cache.values
        if not (values and values[0] <= start_us and end_us <= values[-1]):
            if end_us <= start_us:
                return []
            values = self._cache.cover(start_us, end_us)
        return values[bisect.bisect_right(values, start_us) : bisect.bisect_left(values, end_us)]

    def split(self, span: Span) -> list[Span]:
        """``span`` cut at the cycle boundaries inside it, in order (an empty span gives ``[]``).

        The pieces partition the span and each lies inside one cycle. O(log n + k) for k
        pieces once the cache covers the span (about 1 µs for one or two cycles).

        Examples:
            >>> import ratekit as rk
            >>> rk.cycles.monthly(tz="UTC").split(rk.Span("2026-01-31T00:00:00Z", "2026-02-02T00:00:00Z"))
            [Span('2026-01-31T00:00:00Z', '2026-02-01T00:00:00Z'), Span('2026-02-01T00:00:00Z', '2026-02-02T00:00:00Z')]
        """
        try:
            start = span.start_us
            end = span.end_us
        except AttributeError:
            raise _not_a_span("split", span) from None
        values = self._cache.values
        if not (values and values[0] <= start and end <= values[-1]):
            return Cycle.split(self, span)  # type: ignore[arg-type]
        index = bisect.bisect_right(values, start)
        # values[-1] >= end, so values[index] exists whenever start < end.
        if end <= start or values[index] >= end:
            return [span] if end > start else []
        from_us = Span._from_us  # bounds of a valid span and cached boundaries inside it
        cut = values[index]
        pieces = [from_us(start, cut)]
        index += 1
        while values[index] < end:
            following = values[index]
            pieces.append(from_us(cut, following))
            cut = following
            index += 1
        pieces.append(from_us(cut, end))
        return pieces

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return reduce_without_cache(self)

    def containing_us(self, t_us: int) -> tuple[int, int]:
        """``(start_us, end_us)`` of the cycle containing ``t_us``; O(log n) once cached.

        Examples:
            >>> import ratekit as rk
            >>> rk.cycles.daily(tz="UTC").containing_us(90_000_000_000)
            (86400000000, 172800000000)
        """
        return self._cache.containing(t_us)


def _arithmetic_boundaries(
    owner: object, start_us: int, end_us: int, period: int, anchor: int
) -> list[int]:
    """The instants ``anchor + k * period`` strictly inside ``(start_us, end_us)``.

    Arguments are checked (ints within ratekit's instants), and more than
    `MAX_BOUNDARIES` boundaries are refused. O(k).
    """
    if not (
        type(start_us) is int
        and type(end_us) is int
        and MIN_US <= start_us <= MAX_US
        and MIN_US <= end_us <= MAX_US
    ):
        check_span_us(start_us, end_us, "boundaries_us")
    first = ((start_us - anchor) // period + 1) * period + anchor
    count = (end_us - first + period - 1) // period
    if count > MAX_BOUNDARIES:
        raise too_many(owner, start_us, end_us, count)
    return list(range(first, end_us, period))


@typing.final
@attrs.frozen(repr=False)
class Hourly(Cycle):
    """Hourly cycles: every whole UTC hour (every whole local hour wherever the offset is whole).

    Build it with [`hourly()`][ratekit.cycles.hourly]. Pure arithmetic: O(k) for k boundaries, no cache.

    Examples:
        >>> import ratekit as rk
        >>> rk.cycles.hourly().containing("2026-03-29T01:30:00Z")
        Span('2026-03-29T01:00:00Z', '2026-03-29T02:00:00Z')
    """

    def boundaries_us(self, start_us: int, end_us: int) -> list[int]:
        """The whole hours ``b`` with ``start_us < b < end_us``, ascending.

        Examples:
            >>> import ratekit as rk
            >>> rk.cycles.hourly().boundaries_us(0, 7_200_000_001)
            [3600000000, 7200000000]
        """
        return _arithmetic_boundaries(self, start_us, end_us, US_PER_HOUR, 0)

    def containing_us(self, t_us: int) -> tuple[int, int]:
        """``(start_us, end_us)`` of the hour containing ``t_us``.

        Examples:
            >>> import ratekit as rk
            >>> rk.cycles.hourly().containing_us(3_600_000_000)
            (3600000000, 7200000000)
        """
        if not (type(t_us) is int and MIN_US <= t_us <= MAX_US):
            check_us(t_us, "containing_us t_us")
        start = t_us // US_PER_HOUR * US_PER_HOUR
        return start, start + US_PER_HOUR

    def __repr__(self) -> str:
        return "cycles.hourly()"


@typing.final
@attrs.frozen(repr=False)
class Every(Cycle):
    """Cycles of a fixed elapsed length, repeating forwards and backwards from an anchor.

    Build it with [`every()`][ratekit.cycles.every]. Elapsed time ignores the calendar: ``every(timedelta(days=1),
    ...)`` cycles last 24 hours even across DST. Two cycles whose anchors differ by whole
    periods are equal. Pure arithmetic: O(k) for k boundaries, no cache.

    Examples:
        >>> import datetime as dt
        >>> import ratekit as rk
        >>> fortnights = rk.cycles.every(dt.timedelta(days=14), anchor="2026-01-05T00:00:00Z")
        >>> fortnights.containing("2026-03-01T00:00:00Z")
        Span('2026-02-16T00:00:00Z', '2026-03-02T00:00:00Z')
    """

    period_us: int
    """The length of every cycle, in microseconds."""
    anchor_us: int
    """The first boundary at or after the epoch, in epoch microseconds."""

    def __attrs_post_init__(self) -> None:
        period, anchor = self.period_us, self.anchor_us
        if not (type(period) is int and 0 < period <= MAX_US - MIN_US):
            raise BadCalendarError(
                f"Every period_us {period!r} must be a positive int of microseconds, at most "
                f"{MAX_US - MIN_US} (the whole range of instants)."
            )
        object.__setattr__(self, "anchor_us", check_us(anchor, "Every anchor_us") % period)

    def boundaries_us(self, start_us: int, end_us: int) -> list[int]:
        """The boundaries ``b`` with ``start_us < b < end_us``, ascending.

        Examples:
            >>> import datetime as dt
            >>> import ratekit as rk
            >>> rk.cycles.every(dt.timedelta(microseconds=10), anchor="1970-01-01T00:00:00.000003Z").boundaries_us(0, 30)
            [3, 13, 23]
        """
        return _arithmetic_boundaries(self, start_us, end_us, self.period_us, self.anchor_us)

    def containing_us(self, t_us: int) -> tuple[int, int]:
        """``(start_us, end_us)`` of the cycle containing ``t_us``.

        Examples:
            >>> import datetime as dt
            >>> import ratekit as rk
            >>> rk.cycles.every(dt.timedelta(microseconds=10), anchor="1970-01-01T00:00:00.000003Z").containing_us(13)
            (13, 23)
        """
        if not (type(t_us) is int and MIN_US <= t_us <= MAX_US):
            check_us(t_us, "containing_us t_us")
        period = self.period_us
        start = (t_us - self.anchor_us) // period * period + self.anchor_us
        return start, start + period

    def __repr__(self) -> str:
        period = _dt.timedelta(microseconds=self.period_us)
        return f"cycles.every({period!r}, anchor={format_us(self.anchor_us)!r})"


@typing.final
@attrs.frozen(repr=False)
class Daily(_Cached, Cycle):
    """Daily cycles from local midnight to local midnight in a timezone.

    Build it with [`daily()`][ratekit.cycles.daily]. A day on which clocks move forward lasts 23 hours, one on
    which they move back 25. A midnight that DST skips (as in America/Santiago) moves to
    the first instant after the gap.

    Examples:
        >>> import ratekit as rk
        >>> rk.cycles.daily(tz="Europe/Zurich").containing("2026-03-29T12:00:00Z").duration
        datetime.timedelta(seconds=82800)
    """

    tz: _dt.tzinfo
    """The timezone whose midnights start the cycles."""
    _cache: BoundaryCache = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "tz", zone(self.tz, "Daily tz"))
        tz = self.tz

        def at(k: int) -> int:
            day = _dt.date.fromordinal(k)
            return local_us(tz, day.year, day.month, day.day)

        object.__setattr__(self, "_cache", BoundaryCache(at, day_ordinal, owner=self))

    def __repr__(self) -> str:
        return f"cycles.daily(tz={zone_name(self.tz)!r})"


@typing.final
@attrs.frozen(repr=False)
class Weekly(_Cached, Cycle):
    """Weekly cycles from local midnight of a weekday to the same one a week later.

    Build it with [`weekly()`][ratekit.cycles.weekly]. ``weekday`` is 0 for Monday to 6 for Sunday.

    Examples:
        >>> import ratekit as rk
        >>> rk.cycles.weekly(tz="UTC", weekday="Sun").containing("2026-03-04T00:00:00Z")
        Span('2026-03-01T00:00:00Z', '2026-03-08T00:00:00Z')
    """

    tz: _dt.tzinfo
    """The timezone whose midnights start the cycles."""
    weekday: int
    """The weekday cycles start on: 0 for Monday to 6 for Sunday."""
    _cache: BoundaryCache = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "tz", zone(self.tz, "Weekly tz"))
        object.__setattr__(self, "weekday", parse_weekday(self.weekday, "Weekly weekday"))
        tz = self.tz
        offset = 1 + self.weekday  # ordinal 1 (0001-01-01) is a Monday

        def at(k: int) -> int:
            day = _dt.date.fromordinal(7 * k + offset)
            return local_us(tz, day.year, day.month, day.day)

        def index_near(t_us: int) -> int:
            return (day_ordinal(t_us) - offset) // 7

        object.__setattr__(self, "_cache", BoundaryCache(at, index_near, owner=self))

    def __repr__(self) -> str:
        return f"cycles.weekly(tz={zone_name(self.tz)!r}, weekday={WEEKDAY_LABELS[self.weekday]!r})"


@typing.final
@attrs.frozen(repr=False)
class Monthly(_Cached, Cycle):
    """Cycles of ``months`` calendar months from local midnight of an anniversary day.

    Build it with [`monthly()`][ratekit.cycles.monthly], [`quarterly()`][ratekit.cycles.quarterly] (3 months) or [`yearly()`][ratekit.cycles.yearly] (12).
    A cycle starts on ``day`` of every ``months``-th month counted from ``month``; in a
    month shorter than ``day`` it starts on the month's last day (day 31 gives Feb 28, or
    Feb 29 in a leap year, then Mar 31 again). Each boundary is computed from the anchor.

    Examples:
        >>> import ratekit as rk
        >>> rk.cycles.monthly(tz="UTC", day=31).containing("2028-03-01T00:00:00Z")
        Span('2028-02-29T00:00:00Z', '2028-03-31T00:00:00Z')
    """

    tz: _dt.tzinfo
    """The timezone whose midnights start the cycles."""
    day: int
    """The anniversary day of the month, 1 to 31 (clamped to each month's length)."""
    months: int = 1
    """How many calendar months each cycle lasts (1, 3 or 12 from the functions)."""
    month: int = 1
    """A month (1-12) in which a cycle starts; the others follow every ``months`` months."""
    _cache: BoundaryCache = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "tz", zone(self.tz, "Monthly tz"))
        if not (type(self.months) is int and self.months in {1, 3, 12}):
            raise BadCalendarError(
                f"Monthly months {self.months!r} is not 1, 3 or 12; build cycles with "
                "cycles.monthly, cycles.quarterly or cycles.yearly."
            )
        month = _check_month(self.month, "Monthly month")
        object.__setattr__(self, "month", (month - 1) % self.months + 1)
        longest = calendar.monthrange(2000, self.month)[1] if self.months == 12 else 31
        object.__setattr__(self, "day", _check_day(self.day, "Monthly day", longest))
        tz = self.tz
        day = self.day
        step = self.months
        first = self.month - 1

        def at(k: int) -> int:
            year, month0 = divmod(k * step + first, 12)
            last = calendar.monthrange(year, month0 + 1)[1] if 1 <= year <= 9999 else 28
            return local_us(tz, year, month0 + 1, min(day, last))

        def index_near(t_us: int) -> int:
            date = _dt.date.fromordinal(day_ordinal(t_us))
            return (date.year * 12 + date.month - 1 - first) // step

        object.__setattr__(self, "_cache", BoundaryCache(at, index_near, owner=self))

    def __repr__(self) -> str:
        tz = zone_name(self.tz)
        if self.months == 1:
            return f"cycles.monthly(tz={tz!r}, day={self.day})"
        name = "quarterly" if self.months == 3 else "yearly"
        return f"cycles.{name}(tz={tz!r}, month={self.month}, day={self.day})"


# -- constructors -------------------------------------------------------------------------


def hourly() -> Hourly:
    """Hourly cycles, starting at every whole UTC hour.

    Examples:
        >>> import ratekit as rk
        >>> rk.cycles.hourly().containing("2026-03-01T10:59:59Z")
        Span('2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z')
    """
    return Hourly()


def daily(*, tz: str | _dt.tzinfo) -> Daily:
    """Daily cycles from local midnight to local midnight in the timezone ``tz``.

    ``tz`` is an IANA name (``"Europe/Zurich"``) or a tzinfo; an unknown name raises
    [`BadCalendarError`][ratekit.BadCalendarError].

    Examples:
        >>> import ratekit as rk
        >>> rk.cycles.daily(tz="Europe/Zurich").containing("2026-10-25T12:00:00Z").duration
        datetime.timedelta(days=1, seconds=3600)
        >>> rk.cycles.daily(tz="Europe/Zurch")
        Traceback (most recent call last):
        ...
        ratekit.BadCalendarError: daily tz 'Europe/Zurch' is not a known IANA timezone name; give one such as 'Europe/Zurich', 'America/New_York' or 'UTC'.
    """
    return Daily(zone(tz, "daily tz"))


def weekly(*, tz: str | _dt.tzinfo, weekday: str | int = "Mon") -> Weekly:
    """Weekly cycles from local midnight of ``weekday`` in the timezone ``tz``.

    ``weekday`` is a name (``"Mon"``, ``"tuesday"``) or an int with Monday = 0.

    Examples:
        >>> import ratekit as rk
        >>> rk.cycles.weekly(tz="UTC").containing("2026-03-01T00:00:00Z")  # a Sunday
        Span('2026-02-23T00:00:00Z', '2026-03-02T00:00:00Z')
    """
    return Weekly(zone(tz, "weekly tz"), parse_weekday(weekday, "weekly weekday"))


def _check_day(day: object, what: str, most: int = 31) -> int:
    if isinstance(day, int) and not isinstance(day, bool) and 1 <= day <= most:
        return day
    raise BadCalendarError(
        f"{what} {day!r} is not a day of the month; give an int from 1 to {most} "
        "(days past a month's end clamp to its last day)."
    )


def _check_month(month: object, what: str) -> int:
    if isinstance(month, int) and not isinstance(month, bool) and 1 <= month <= 12:
        return month
    raise BadCalendarError(f"{what} {month!r} is not a month; give an int from 1 to 12.")


def monthly(*, tz: str | _dt.tzinfo, day: int = 1) -> Monthly:
    """Monthly cycles from local midnight of the anniversary ``day`` in the timezone ``tz``.

    ``day`` is 1 to 31; in a shorter month the cycle starts on its last day, and returns
    to ``day`` in the next month that has it.

    Examples:
        >>> import ratekit as rk
        >>> cycles = rk.cycles.monthly(tz="UTC", day=31)
        >>> [str(span.start.date()) for span in cycles.spans(rk.Span("2028-01-31T00:00:00Z", "2028-03-31T00:00:01Z"))]
        ['2028-01-31', '2028-02-29', '2028-03-31']
    """
    return Monthly(zone(tz, "monthly tz"), _check_day(day, "monthly day"))


def quarterly(*, tz: str | _dt.tzinfo, month: int = 1, day: int = 1) -> Monthly:
    """Cycles of three months from local midnight of ``day``, in ``month`` and every third after.

    The default starts quarters on January, April, July and October 1st; ``month=2`` gives
    quarters starting in February, May, August and November.

    Examples:
        >>> import ratekit as rk
        >>> rk.cycles.quarterly(tz="UTC").containing("2026-05-20T00:00:00Z")
        Span('2026-04-01T00:00:00Z', '2026-07-01T00:00:00Z')
    """
    first = (_check_month(month, "quarterly month") - 1) % 3 + 1
    return Monthly(zone(tz, "quarterly tz"), _check_day(day, "quarterly day"), 3, first)


def yearly(*, tz: str | _dt.tzinfo, month: int = 1, day: int = 1) -> Monthly:
    """Yearly cycles from local midnight of ``month``/``day`` (Feb 29 gives Feb 28 in common years).

    Examples:
        >>> import ratekit as rk
        >>> rk.cycles.yearly(tz="UTC", month=2, day=29).containing("2027-06-01T00:00:00Z")
        Span('2027-02-28T00:00:00Z', '2028-02-29T00:00:00Z')
    """
    month = _check_month(month, "yearly month")
    longest = calendar.monthrange(2000, month)[1]
    return Monthly(zone(tz, "yearly tz"), _check_day(day, "yearly day", longest), 12, month)


def every(period: _dt.timedelta, anchor: _dt.datetime | str) -> Every:
    """Cycles of a fixed elapsed ``period``, one of which starts at the instant ``anchor``.

    ``period`` is a positive `timedelta` (whole microseconds). Elapsed
    time ignores DST: for calendar days use [`daily()`][ratekit.cycles.daily].

    Examples:
        >>> import datetime as dt
        >>> import ratekit as rk
        >>> thirty = rk.cycles.every(dt.timedelta(days=30), anchor="2026-01-15T09:00:00Z")
        >>> thirty.containing("2026-03-01T00:00:00Z")
        Span('2026-02-14T09:00:00Z', '2026-03-16T09:00:00Z')
    """
    if not isinstance(period, _dt.timedelta):
        raise RatekitTypeError(
            f"every period must be a datetime.timedelta, not {type(period).__name__}: {period!r}."
        )
    period_us = period // _ONE_US
    if period_us <= 0 or period % _ONE_US:
        raise BadCalendarError(
            f"every period {period!r} must be a positive whole number of microseconds."
        )
    anchor_us = to_us(anchor, "every anchor")
    return Every(period_us, anchor_us % period_us)


# -- proration ----------------------------------------------------------------------------


def prorate(
    part: Span,
    cycle: Span,
    *,
    basis: Literal["seconds", "days"] = "seconds",
    tz: str | _dt.tzinfo | Daily | None = None,
) -> Decimal:
    """The fraction of ``cycle`` that ``part`` makes up, in [0, 1]; the denominator is the whole cycle.

    ``part`` must lie inside ``cycle`` (an empty part is inside every cycle and gives 0).

    - ``basis="seconds"``: elapsed time of the part over elapsed time of the cycle.
    - ``basis="days"``: whole local days in the customer's timezone ``tz`` (a name, a
      tzinfo or a [`daily()`][ratekit.cycles.daily] cycle, which is faster when reused). A local day counts for
      the part that holds its last instant: a day that a part enters partway counts, a day
      it leaves partway does not. So the day of a change counts for the part after the
      change, a part within one day counts 0 days, and the fractions of parts that cut a
      cycle into pieces always add up to exactly 1. The cycle's days count the same way.

    The result is computed in ratekit's decimal context (60 digits).

    Examples:
        >>> import ratekit as rk
        >>> april = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
        >>> rk.cycles.prorate(rk.Span("2026-04-11T12:00:00Z", april.end), april)  # 19.5 of 30 days
        Decimal('0.65')
        >>> later = rk.Span("2026-04-16T12:00:00Z", april.end)
        >>> rk.cycles.prorate(later, april, basis="days", tz="UTC")  # Apr 16..30: 15 of 30
        Decimal('0.5')
        >>> rk.cycles.prorate(april, later)
        Traceback (most recent call last):
        ...
        ratekit.BadSpanError: prorate part Span('2026-04-01T00:00:00Z', '2026-05-01T00:00:00Z') is not inside the cycle Span('2026-04-16T12:00:00Z', '2026-05-01T00:00:00Z'); split the part at the cycle's boundaries first (cycle.split(span)).
    """
    if not isinstance(part, Span) or not isinstance(cycle, Span):
        raise RatekitTypeError(
            f"prorate takes two Span values, not {type(part).__name__} and {type(cycle).__name__}."
        )
    if not cycle:
        raise BadSpanError(f"prorate cycle {cycle!r} is empty; a cycle has a positive length.")
    if part not in cycle:
        raise BadSpanError(
            f"prorate part {part!r} is not inside the cycle {cycle!r}; "
            "split the part at the cycle's boundaries first (cycle.split(span))."
        )
    if not part:
        return ZERO
    if basis == "seconds":
        return CONTEXT.divide(
            Decimal(part.end_us - part.start_us), Decimal(cycle.end_us - cycle.start_us)
        )
    if basis == "days":
        if tz is None:
            raise BadCalendarError(
                "prorate basis 'days' counts local days, so it needs the customer's timezone: "
                "pass tz='Europe/Zurich' (an IANA name, a tzinfo or a cycles.daily(...) cycle)."
            )
        days = tz if isinstance(tz, Daily) else Daily(zone(tz, "prorate tz"))
        total = len(days.boundaries_us(cycle.start_us, cycle.end_us + 1))
        if total == 0:
            raise BadCalendarError(
                f"prorate cycle {cycle!r} holds no whole local day in {days!r}, so it cannot "
                "be prorated by days; use basis='seconds'."
            )
        covered = len(days.boundaries_us(part.start_us, part.end_us + 1))
        return CONTEXT.divide(Decimal(covered), Decimal(total))
    raise BadCalendarError(f"prorate basis {basis!r} is not known; give 'seconds' or 'days'.")
