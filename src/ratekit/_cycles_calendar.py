"""Calendar cycles: days, weeks, months, quarters and years from local midnight in a timezone.

Each keeps a private cache of its boundaries. Public through `ratekit.cycles`
([`daily()`][ratekit.cycles.daily], [`weekly()`][ratekit.cycles.weekly],
[`monthly()`][ratekit.cycles.monthly], [`quarterly()`][ratekit.cycles.quarterly],
[`yearly()`][ratekit.cycles.yearly]).
"""

from __future__ import annotations

import bisect
import calendar
import datetime as _dt
import typing
from typing import Final

import attrs

from ._calendar import (
    WEEKDAY_LABELS,
    BoundaryCache,
    check_span_us,
    day_ordinal,
    exact_span_us,
    local_us,
    parse_weekday,
    reduce_without_cache,
)
from ._call_arguments import TZ as _TZ
from ._call_arguments import constructor, factory
from ._cycle_protocol import Cycle, _span_us
from ._entry_points import plain_text
from ._shown import show
from ._zones import zone, zone_name
from .errors import BadCalendarError
from .spans import Span

__all__ = ["Daily", "Monthly", "Weekly", "daily", "monthly", "quarterly", "weekly", "yearly"]


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
            start_us, end_us = exact_span_us(start_us, end_us, "boundaries_us")
        cache = self._cache
        values = cache.values
        if not (cache.low <= start_us and end_us <= cache.high):
            if end_us <= start_us:  # nothing between, once both are instants
                check_span_us(start_us, end_us, "boundaries_us")
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
        start, end = _span_us("split", span)
        cache = self._cache
        values = cache.values
        if not (cache.low <= start and end <= cache.high):
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


@typing.final
@constructor(f"{_TZ}; cycles.daily(tz=...) builds one", family="cycles")
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

    @plain_text
    def __repr__(self) -> str:
        return f"cycles.daily(tz={zone_name(self.tz)!r})"


@typing.final
@constructor(
    f"{_TZ} and weekday (0 for Monday to 6); cycles.weekly(tz=..., weekday=...) builds one",
    family="cycles",
)
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
    weekday: int = 0
    """The weekday cycles start on: 0 for Monday to 6 for Sunday (Monday by default)."""
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

    @plain_text
    def __repr__(self) -> str:
        return f"cycles.weekly(tz={zone_name(self.tz)!r}, weekday={WEEKDAY_LABELS[self.weekday]!r})"


@typing.final
@constructor(
    f"{_TZ}, day (1 to 31), months (1, 3 or 12) and month (1 to 12); cycles.monthly, "
    "quarterly or yearly(tz=..., month=..., day=...) build one",
    family="cycles",
)
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
    day: int = 1
    """The anniversary day of the month, 1 to 31 (clamped to each month's length)."""
    months: int = 1
    """How many calendar months each cycle lasts (1, 3 or 12 from the functions)."""
    month: int = 1
    """The first month of the year (1-12) in which a cycle starts; the others follow every
    ``months`` months (quarters from May start in February too)."""
    _cache: BoundaryCache = attrs.field(init=False, eq=False, repr=False)
    _given_month: int = attrs.field(init=False, eq=False, repr=False)
    # The month as given, which the repr shows (quarterly(month=5), not month=2); not
    # compared, not hashed.

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "tz", zone(self.tz, "Monthly tz"))
        if not (type(self.months) is int and self.months in {1, 3, 12}):
            raise BadCalendarError(
                f"Monthly months {self.months!r} is not 1, 3 or 12; build cycles with "
                "cycles.monthly, cycles.quarterly or cycles.yearly."
            )
        month = _check_month(self.month, "Monthly month")
        object.__setattr__(self, "_given_month", month)
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

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        # the month given, not the month kept: a pickled cycle shows what was given too
        return type(self), (self.tz, self.day, self.months, self._given_month)

    @plain_text
    def __repr__(self) -> str:
        """The call that builds the cycle, with the month given."""
        tz = zone_name(self.tz)
        if self.months == 1:
            return f"cycles.monthly(tz={tz!r}, day={self.day})"
        name = "quarterly" if self.months == 3 else "yearly"
        return f"cycles.{name}(tz={tz!r}, month={self._given_month}, day={self.day})"


_BY_MONTH: Final = (
    "a monthly cycle starts every month; for cycles starting in a given month use "
    "cycles.quarterly or cycles.yearly(tz=..., month=..., day=...)"
)


@factory("daily", f"{_TZ}, by keyword", {"day": "a daily cycle starts at every local midnight"})
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
        ratekit.BadCalendarError: daily tz 'Europe/Zurch' is not a known IANA timezone name; give an IANA name such as 'Europe/Zurich', 'America/New_York' or 'UTC', or a fixed offset such as 'UTC+05:45'.
    """
    return Daily(zone(tz, "daily tz"))


@factory(
    "weekly",
    f"{_TZ} and weekday (a name such as 'Mon', or an int with Monday = 0), by keyword",
    {"day": "a weekly cycle starts on a weekday: give weekday='Mon' (or an int, Monday = 0)"},
)
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
    # An int subclass is judged by the exact int it holds, not by its own comparisons.
    if isinstance(day, int) and not isinstance(day, bool) and 1 <= int.__index__(day) <= most:
        return int.__index__(day)
    raise BadCalendarError(
        f"{what} {show(day)} is not a day of the month; give an int from 1 to {most} "
        "(days past a month's end clamp to its last day)."
    )


def _check_month(month: object, what: str) -> int:
    if isinstance(month, int) and not isinstance(month, bool) and 1 <= int.__index__(month) <= 12:
        return int.__index__(month)
    raise BadCalendarError(f"{what} {show(month)} is not a month; give an int from 1 to 12.")


@factory("monthly", f"{_TZ} and day (1 to 31), by keyword", {"month": _BY_MONTH})
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


@factory("quarterly", f"{_TZ}, month (1 to 12) and day (1 to 31), by keyword")
def quarterly(*, tz: str | _dt.tzinfo, month: int = 1, day: int = 1) -> Monthly:
    """Cycles of three months from local midnight of ``day``, in ``month`` and every third after.

    The default starts quarters on January, April, July and October 1st; ``month=2`` gives
    quarters starting in February, May, August and November.

    Examples:
        >>> import ratekit as rk
        >>> rk.cycles.quarterly(tz="UTC").containing("2026-05-20T00:00:00Z")
        Span('2026-04-01T00:00:00Z', '2026-07-01T00:00:00Z')
    """
    given = _check_month(month, "quarterly month")  # kept as the first, shown as given
    return Monthly(zone(tz, "quarterly tz"), _check_day(day, "quarterly day"), 3, given)


@factory("yearly", f"{_TZ}, month (1 to 12) and day (1 to 31), by keyword")
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
