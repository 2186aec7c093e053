"""The built-in aggregations of readings, one figure per piece of time.

[`Max`][ratekit.Max], [`Min`][ratekit.Min],
[`Latest`][ratekit.Latest], [`Count`][ratekit.Count], [`UniqueCount`][ratekit.UniqueCount],
[`Percentile`][ratekit.Percentile] and [`TimeWeightedMean`][ratekit.TimeWeightedMean] are
[`SamplePolicy`][ratekit.SamplePolicy] values (the delta policies, `Discrete` and
`Counter`, are in `ratekit._delta_policies`). Imported from `ratekit.policies`.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Literal

import attrs

from ._decimals import CONTEXT, ZERO, to_decimal
from ._decimals import tidy as _tidy
from ._entry_points import plain_text
from ._policy_doors import (
    _aggregated,
)
from ._shown import show
from ._text import one_of
from .errors import BadQuantityError, RatekitTypeError
from .records import (
    Sample,
)


class _Aggregation:
    """Shared by the sample aggregations: they take gauges and deltas."""

    __slots__ = ()

    #: Aggregated once per cycle, never summed over pieces (see `SamplePolicy`).
    additive: typing.ClassVar[bool] = False

    def accepts(self, kind: str) -> bool:
        """Gauge readings and deltas (not cumulative counter readings)."""
        return kind in ("gauge", "delta")


@typing.final
@attrs.frozen
class Max(_Aggregation):
    """The largest reading in the piece (peak users, peak bandwidth).

    Examples:
        >>> import ratekit as rk
        >>> readings = [rk.Sample("a", "r", "m", f"2026-03-01T0{h}:00:00Z", v, kind="gauge")
        ...             for h, v in [(1, 5), (2, 9), (3, 7)]]
        >>> rk.Max().aggregate(readings, 0, 2**62, None)
        Decimal('9')
    """

    def aggregate(
        self, readings: Sequence[Sample], start_us: int, end_us: int, before: Sample | None
    ) -> Decimal | None:
        """The maximum, or ``None`` without readings. O(n)."""
        readings = _aggregated(self, readings, start_us, end_us, before)
        return max((sample.value for sample in readings), default=None)

    def _then(self, before: Decimal, after: Decimal) -> Decimal:
        """The aggregate of readings whose first ones give ``before`` and the rest ``after``.

        The earlier one of two equal values, as `aggregate()` keeps the first reading's
        digits. The streaming rater takes a cycle on so (`ratekit._rater_aggregations`).
        """
        return max(before, after)


@typing.final
@attrs.frozen
class Min(_Aggregation):
    """The smallest reading in the piece.

    Examples:
        >>> import ratekit as rk
        >>> readings = [rk.Sample("a", "r", "m", "2026-03-01T01:00:00Z", 5, kind="gauge")]
        >>> rk.Min().aggregate(readings, 0, 2**62, None), rk.Min().aggregate([], 0, 1, None)
        (Decimal('5'), None)
    """

    def aggregate(
        self, readings: Sequence[Sample], start_us: int, end_us: int, before: Sample | None
    ) -> Decimal | None:
        """The minimum, or ``None`` without readings. O(n)."""
        readings = _aggregated(self, readings, start_us, end_us, before)
        return min((sample.value for sample in readings), default=None)

    def _then(self, before: Decimal, after: Decimal) -> Decimal:
        """The aggregate of readings whose first ones give ``before`` and the rest ``after``."""
        return min(before, after)


@typing.final
@attrs.frozen
class Latest(_Aggregation):
    """The last reading in the piece (in ``(at, seq)`` order).

    Examples:
        >>> import ratekit as rk
        >>> readings = [rk.Sample("a", "r", "m", f"2026-03-01T0{h}:00:00Z", v, kind="gauge")
        ...             for h, v in [(1, 5), (2, 3)]]
        >>> rk.Latest().aggregate(readings, 0, 2**62, None)
        Decimal('3')
    """

    def aggregate(
        self, readings: Sequence[Sample], start_us: int, end_us: int, before: Sample | None
    ) -> Decimal | None:
        """The last value, or ``None`` without readings. O(1)."""
        readings = _aggregated(self, readings, start_us, end_us, before)
        return readings[-1].value if readings else None

    def _then(self, before: Decimal, after: Decimal) -> Decimal:
        """The aggregate of readings whose first ones give ``before`` and the rest ``after``."""
        return after


@typing.final
@attrs.frozen
class Count(_Aggregation):
    """The number of readings in the piece (events, requests reported one by one).

    Examples:
        >>> import ratekit as rk
        >>> readings = [rk.Sample("a", "r", "m", "2026-03-01T01:00:00Z", 1, id=f"s{i}") for i in range(3)]
        >>> rk.Count().aggregate(readings, 0, 2**62, None)
        Decimal('3')
    """

    #: Counts add up over pieces.
    additive: typing.ClassVar[bool] = True

    def aggregate(
        self, readings: Sequence[Sample], start_us: int, end_us: int, before: Sample | None
    ) -> Decimal | None:
        """How many readings, or ``None`` without readings. O(1)."""
        readings = _aggregated(self, readings, start_us, end_us, before)
        return Decimal(len(readings)) if readings else None

    def _then(self, before: Decimal, after: Decimal) -> Decimal:
        """The aggregate of readings whose first ones give ``before`` and the rest ``after``."""
        return _tidy(CONTEXT.add(before, after))


@typing.final
@attrs.frozen
class UniqueCount(_Aggregation):
    """The number of distinct values among the readings in the piece (distinct users).

    Examples:
        >>> import ratekit as rk
        >>> readings = [rk.Sample("a", "r", "m", f"2026-03-01T0{h}:00:00Z", v, kind="gauge")
        ...             for h, v in [(1, 7), (2, 7), (3, 8)]]
        >>> rk.UniqueCount().aggregate(readings, 0, 2**62, None)
        Decimal('2')
    """

    def aggregate(
        self, readings: Sequence[Sample], start_us: int, end_us: int, before: Sample | None
    ) -> Decimal | None:
        """How many distinct values, or ``None`` without readings. O(n)."""
        readings = _aggregated(self, readings, start_us, end_us, before)
        return Decimal(len({sample.value for sample in readings})) if readings else None

    def _on(self, so_far: Values, values: Iterable[Decimal]) -> Values:
        """What readings whose first ones left ``so_far`` (from ``()``) and the rest give ``values`` leave.

        The distinct values among them: `_of()` gives their aggregate. The streaming rater
        takes a cycle on so (`ratekit._rater_aggregations`). O(n + k) for n values so far
        and k new ones (a new set: the old one may stand in a copy of the rater).
        """
        return frozenset(so_far).union(values)

    def _of(self, so_far: Values) -> Decimal | None:
        """The aggregate of what `_on()` left, as `aggregate()` of the same readings."""
        return Decimal(len(so_far)) if so_far else None


def _percent(value: object) -> Decimal:
    number = to_decimal(value, "Percentile percent")
    if not ZERO < number <= 100:
        raise BadQuantityError(
            f"Percentile percent must be in (0, 100], not {show(value)}; the 95th percentile is "
            "Percentile(95)."
        )
    return number


@typing.final
@attrs.frozen(repr=False)
class Percentile(_Aggregation):
    """The ``percent``-th percentile of the readings in the piece, by nearest rank.

    Nearest rank: sort the ``n`` readings ascending; the result is the one at rank
    ``ceil(percent / 100 * n)`` (1-based). It is always one of the readings, never an
    interpolation: the 95th percentile of 20 five-minute bandwidth readings is the 19th
    smallest, so the single highest burst is not billed (95th-percentile billing).

    Examples:
        >>> import ratekit as rk
        >>> readings = [rk.Sample("a", "r", "m", "2026-03-01T00:00:00Z", v, kind="gauge", id=f"s{v}")
        ...             for v in range(1, 21)]
        >>> rk.Percentile(95).aggregate(readings, 0, 2**62, None)
        Decimal('19')
        >>> rk.Percentile(50)
        Percentile(50)
    """

    percent: Decimal = attrs.field(converter=_percent)

    def aggregate(
        self, readings: Sequence[Sample], start_us: int, end_us: int, before: Sample | None
    ) -> Decimal | None:
        """The nearest-rank percentile, or ``None`` without readings. O(n log n)."""
        readings = _aggregated(self, readings, start_us, end_us, before)
        return self._of(self._on((), (sample.value for sample in readings)))

    def _on(self, so_far: Values, values: Iterable[Decimal]) -> Values:
        """What readings whose first ones left ``so_far`` (from ``()``) and the rest give ``values`` leave.

        Their values in ascending order, equal ones in the readings' order (a stable sort:
        of 9.0 and 9, the first read is the one a rank finds, whatever came between), as
        `aggregate()` sorts them at once. The streaming rater takes a cycle on so
        (`ratekit._rater_aggregations`). O(n + k log k) for n values so far (a sorted
        run) and k new ones.
        """
        return tuple(sorted((*so_far, *values)))

    def _of(self, so_far: Values) -> Decimal | None:
        """The nearest-rank percentile of what `_on()` left, or ``None`` if nothing. O(1)."""
        if not so_far:
            return None
        values = typing.cast("tuple[Decimal, ...]", so_far)
        # Exactly, in integers: percent / 100 x n rounded in 60 digits can lose the part
        # that lifts it past a whole rank (50.00...01 of 2 readings is rank 2, not 1).
        numerator, denominator = self.percent.as_integer_ratio()
        rank = -(-numerator * len(values) // (denominator * 100))
        return values[max(rank, 1) - 1]

    @plain_text
    def __repr__(self) -> str:
        return f"Percentile({self.percent})"


#: What the readings of a cycle so far leave for a `UniqueCount` (its distinct values) or
#: a `Percentile` (its values in order) to go on from (see their ``_on()``).
Values = frozenset[Decimal] | tuple[Decimal, ...]

#: A time-weighted mean's integral up to its last reading: (the integral of the level
#: times microseconds, the level of that last reading, its instant, where a level is
#: known from).
Integral = tuple[Decimal, Decimal, int, int]


def _over(value: object) -> Literal["known", "period"]:
    chosen = one_of(value, ("known", "period"))  # as text: no object's own __eq__
    if chosen is not None:
        return typing.cast(Literal["known", "period"], chosen)
    raise RatekitTypeError(
        f"TimeWeightedMean over must be 'known' (the mean over the time a level is known) "
        f"or 'period' (the mean over the whole piece, no level counting as 0), not {show(value)}."
    )


@typing.final
@attrs.frozen(repr=False)
class TimeWeightedMean(_Aggregation):
    """The mean level over the piece, each reading holding until the next one.

    Over ``[start, end)`` the level is the latest reading (``before`` at the start). The
    integral of the level is divided by:

    - ``over="known"`` (the default): the time during which a level is known (from the
      start, or from the first reading when none came before);
    - ``over="period"``: the whole piece, a time with no level known counting as level 0
      (the "weighted sum" divided by the period).

    ``None`` when no level is known in the piece.

    Examples:
        >>> import ratekit as rk
        >>> piece = rk.Span("2026-03-01T00:00:00Z", "2026-03-01T04:00:00Z")
        >>> start, end = piece.start_us, piece.end_us
        >>> before = rk.Sample("a", "r", "m", "2026-02-28T00:00:00Z", 10, kind="gauge")
        >>> readings = [rk.Sample("a", "r", "m", "2026-03-01T01:00:00Z", 30, kind="gauge")]
        >>> rk.TimeWeightedMean().aggregate(readings, start, end, before)  # (10*1 + 30*3) / 4
        Decimal('25')
        >>> rk.TimeWeightedMean().aggregate(readings, start, end, None)  # 30*3 / 3
        Decimal('30')
        >>> rk.TimeWeightedMean(over="period").aggregate(readings, start, end, None)  # 30*3 / 4
        Decimal('22.5')
    """

    over: Literal["known", "period"] = attrs.field(default="known", converter=_over)

    def aggregate(
        self, readings: Sequence[Sample], start_us: int, end_us: int, before: Sample | None
    ) -> Decimal | None:
        """The time-weighted mean, or ``None`` when no level is known. O(n)."""
        readings = _aggregated(self, readings, start_us, end_us, before)
        return self._mean(_integral(readings, start_us, before), start_us, end_us)

    def _mean(self, so_far: Integral | None, start_us: int, end_us: int) -> Decimal | None:
        """The mean over ``[start_us, end_us)`` of the integral up to its last reading. O(1).

        ``so_far``: `_integral()` of the piece's readings from ``start_us`` (None: no
        level known). The streaming rater takes a piece on from it (`ratekit.
        _rater_aggregations`): the same additions in the same order, so the same digits.
        """
        if so_far is None:
            return None
        total, level, since, known_from = so_far
        total = CONTEXT.add(total, CONTEXT.multiply(level, end_us - since))
        if self.over == "period":
            known_from = start_us
        if end_us == known_from:
            return level
        return _tidy(CONTEXT.divide(total, end_us - known_from))

    @plain_text
    def __repr__(self) -> str:
        return (
            "TimeWeightedMean()"
            if self.over == "known"
            else f"TimeWeightedMean(over={self.over!r})"
        )


def _integral(
    readings: Sequence[Sample],
    start_us: int,
    before: Sample | None,
    so_far: Integral | None = None,
) -> Integral | None:
    """The integral of the level over a piece from ``start_us`` up to its last reading.

    ``readings`` in ``(at, seq)`` order, from ``start_us``; ``before``: the reading before
    the piece (its level holds from ``start_us``); ``so_far``: the integral of the
    readings before these (then ``before`` is not read). None when no level is known.
    Each reading adds the level before it times the time since the one before. O(n).
    """
    if so_far is not None:
        total, level, since, known_from = so_far
    elif before is not None:
        total, level, since, known_from = ZERO, before.value, start_us, start_us
    elif readings:
        first = readings[0]
        total, level, since, known_from = ZERO, first.value, first.at_us, first.at_us
        readings = readings[1:]  # (its own level from its own instant: nothing to add)
    else:
        return None
    for sample in readings:
        total = CONTEXT.add(total, CONTEXT.multiply(level, sample.at_us - since))
        level = sample.value
        since = sample.at_us
    return total, level, since, known_from
