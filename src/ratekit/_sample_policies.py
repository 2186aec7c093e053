"""The built-in sample-based policies: deltas, counters and aggregations of readings.

[`Discrete`][ratekit.Discrete] and [`Counter`][ratekit.Counter] are
[`DeltaPolicy`][ratekit.DeltaPolicy] values; [`Max`][ratekit.Max], [`Min`][ratekit.Min],
[`Latest`][ratekit.Latest], [`Count`][ratekit.Count], [`UniqueCount`][ratekit.UniqueCount],
[`Percentile`][ratekit.Percentile] and [`TimeWeightedMean`][ratekit.TimeWeightedMean] are
[`SamplePolicy`][ratekit.SamplePolicy] values. Imported from `ratekit.policies`.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Literal

import attrs

from . import _normalize as _n
from ._decimals import CONTEXT, ZERO, plain_text, to_decimal
from ._decimals import tidy as _tidy
from ._instants import MAX_US, MIN_US, format_us
from ._policy_doors import (
    Increment,
    Report,
    _aggregated,
    _incremented,
    _refused,
)
from ._shown import show
from ._snapshot_seal import ADDED
from ._text import one_of
from .errors import BadQuantityError, RatekitTypeError
from .records import (
    Sample,
)


class Stretches(typing.Protocol):
    """A resource's running stretches, as its timeline tells them (`ratekit._timelines`)."""

    def running_since(self, t_us: int) -> int | None:
        """The start of the running stretch that contains ``t_us`` or ends at it, or None."""
        ...  # pragma: no cover - a protocol

    def booted_since(self, t_us: int) -> int | None:
        """That start when a stop or a deletion came just before it, else None."""
        ...  # pragma: no cover - a protocol

    def stopped_since(self, t_us: int) -> int | None:
        """Where the stop that holds ``t_us`` began, or None."""
        ...  # pragma: no cover - a protocol


def _ids(*records: Sample | None) -> tuple[str, ...]:
    return tuple(record.id for record in records if record is not None and record.id is not None)


@typing.final
@attrs.frozen
class Discrete:
    """The sum of deltas (bytes sent, API calls); negative deltas are corrections.

    A delta at an instant goes to the piece that contains it; a delta over ``[since, at)``
    is apportioned linearly to the pieces it covers (exactly: the parts add up to it).

    Examples:
        >>> import ratekit as rk
        >>> rk.Discrete().accepts("delta"), rk.Discrete().accepts("gauge")
        (True, False)
    """

    def accepts(self, kind: str) -> bool:
        """Only deltas."""
        return kind == "delta"

    def increments(
        self, readings: Sequence[Sample], previous: Sample | None, report: Report
    ) -> Iterator[Increment]:
        """Each delta as is: at its instant, or over ``[since, at)``. O(n)."""
        # The arguments are checked now; the deltas come lazily.
        return _deltas(_incremented(self, readings, previous, report))


def _deltas(readings: Sequence[Sample]) -> Iterator[Increment]:
    for sample in readings:
        at_us = sample.at_us
        since_us = sample.since_us
        sid = sample.id
        yield (
            at_us if since_us is None else since_us,
            at_us,
            sample.value,
            () if sid is None else (sid,),
        )


@typing.final
@attrs.frozen
class Counter:
    """A cumulative counter: consecutive readings become deltas, apportioned linearly.

    Each reading adds its difference from the one before, spread linearly over the time
    between them: readings 0 at T, 500 at T+20 and 1000 at T+40 with a cycle ending at T+30
    give 750 to that cycle and 250 to the next. A reading lower than the one before is a
    reset: it counts from zero (adds the reading itself) and is reported as a
    ``"counter_reset"`` anomaly.

    ``wraps_at`` (an int, e.g. ``2**32`` for an SNMP ``Counter32``, ``2**64`` for a
    ``Counter64``): the counter counts modulo it, so a reading lower than the one before
    is a **wrap**, not a reset: it adds ``wraps_at - before + reading`` (4294967000 then
    200 under ``2**32``: 496), with no anomaly. A reading not below ``wraps_at`` after
    which a lower one comes is no wrap: that is a reset, as without it. A reboot that
    zeroes a wrapping counter reads as a wrap too (it cannot be told from one); with
    ``from_zero=True``, a STOP and START around it say it (the counter counts from 0 at
    the START), as the Net-SNMP and RRDtool convention reads such counters. Without it
    (the default), every decrease is a reset (as Prometheus reads counters).

    The first reading of a resource (none carried from an earlier call) is counted from
    ``from_zero``:

    - ``from_zero=False`` (the default): it is the baseline. Nothing before it is counted;
      the deltas of a run of readings add up to the last reading minus the first plus
      every reading that preceded a reset. For a counter that did not start with the
      resource (a network interface's bytes, read from the middle of its life).
    - ``from_zero=True``: the counter was 0 when the resource started (a cumulative CPU-time
      counter starts at 0 at boot), so the first reading counts in full, spread linearly
      from the start of the running stretch that contains it (the last START, or the
      instant an update or inventory opened the resource; a resize does not begin a new
      stretch, a stop does) to the reading. A reading that falls in no running stretch
      (a resource known only from its samples) counts in full at its instant. A new
      instance so keeps its first polling interval; the deltas add up to one more
      reading, the first. Every running stretch that follows a stop (a STOP or a
      deletion) starts at 0 again, the resource booted: the first reading after its
      START counts from 0 at the START (not from the reading before the STOP, and no
      reset), and a reading stamped while stopped counts its rise up to the stop. A
      START with no stop before it is no reboot. Metering applies this (`_over()`);
      `increments()` alone knows no stretches.

    Examples:
        >>> import ratekit as rk
        >>> rk.Counter().accepts("counter"), rk.Counter(from_zero=True)
        (True, Counter(from_zero=True))
        >>> rk.Counter(wraps_at=2**32)
        Counter(wraps_at=4294967296)
    """

    from_zero: bool = attrs.field(default=False, kw_only=True)
    # (added after snapshots were first taken: at its default, out of their fingerprint)
    wraps_at: int | None = attrs.field(default=None, kw_only=True, metadata={ADDED: True})

    @from_zero.validator
    def _check_from_zero(self, attribute: object, value: object) -> None:
        if not isinstance(value, bool):
            raise RatekitTypeError(f"Counter from_zero must be True or False, not {show(value)}.")

    @wraps_at.validator
    def _check_wraps_at(self, attribute: object, value: object) -> None:
        if value is None:
            return
        if type(value) is not int:
            raise RatekitTypeError(
                f"Counter wraps_at must be an int (the counter's modulus, 2**32 or 2**64) or "
                f"None, not {type(value).__name__}: {show(value)}."
            )
        if value < 2:
            raise BadQuantityError(
                f"Counter wraps_at must be 2 or more (the counter's modulus: 2**32 for a "
                f"32-bit counter, 2**64 for a 64-bit one), not {value}."
            )

    def accepts(self, kind: str) -> bool:
        """Only counter readings."""
        return kind == "counter"

    def baseline(self, first: Sample, started_us: int | None) -> Sample | None:
        """The reading the first one counts from when none was carried, or ``None``.

        ``started_us`` is the start of the running stretch containing ``first`` (``None``
        when it falls in none). With ``from_zero``, a reading of 0 at that start (at
        ``first``'s own instant when there is none); else ``None``: ``first`` is the
        baseline. O(1).

        Examples:
            >>> import ratekit as rk
            >>> first = rk.Sample("a", "vm", "cpu", "2026-03-01T01:00:00Z", 1800, kind="counter")
            >>> zero = rk.Counter(from_zero=True).baseline(first, first.at_us - 3_600_000_000)
            >>> zero.value, first.at_us - zero.at_us, rk.Counter().baseline(first, None)
            (Decimal('0'), 3600000000, None)
        """
        if type(first) is not Sample:
            raise _refused(self, "baseline", "first", first, "a Sample")
        if started_us is not None and (
            type(started_us) is not int or not MIN_US <= started_us <= MAX_US
        ):
            raise _refused(
                self, "baseline", "started_us", started_us, "an int of epoch microseconds or None"
            )
        if not self.from_zero:
            return None
        at_us = first.at_us if started_us is None or started_us > first.at_us else started_us
        zero = object.__new__(Sample)
        zero.__attrs_init__(
            first.account, first.resource, first.meter, at_us, ZERO, "counter", None, None, None
        )
        return zero

    def increments(
        self, readings: Sequence[Sample], previous: Sample | None, report: Report
    ) -> Iterator[Increment]:
        """The reset-aware deltas between consecutive readings. O(n), lazily."""
        return self._deltas(_incremented(self, readings, previous, report), previous, report)

    def _over(
        self,
        readings: Sequence[Sample],
        previous: Sample | None,
        report: Report,
        line: Stretches | None,
    ) -> Iterator[Increment]:
        """`increments()` over a resource's running stretches (``line``), lazily.

        With ``from_zero`` and a ``line``, every running stretch that follows a stop (or a
        deletion) starts at 0 (the resource booted): a reading after such a start, with
        the reading before it before the start, is a rise from 0 at the start, not from
        that reading (no reset either). And a reading stamped while the resource is
        stopped (in no running stretch), after a reading from before that stop, is what
        the counter read when it stopped: its rise is spread over that reading to the
        stop, not over the stopped time. Else as `increments()`. O(n log p).
        """
        readings = _incremented(self, readings, previous, report)
        return self._deltas(readings, previous, report, line if self.from_zero else None)

    def _deltas(
        self,
        readings: Sequence[Sample],
        previous: Sample | None,
        report: Report,
        line: Stretches | None = None,
    ) -> Iterator[Increment]:
        last = previous
        wrap = None if self.wraps_at is None else Decimal(self.wraps_at)
        for sample in readings:
            if last is not None:
                end_us = sample.at_us
                if line is not None:
                    booted = line.booted_since(end_us)
                    if booted is not None and last.at_us < booted:
                        # The resource stopped and started again since the last reading:
                        # the counter counts from 0 at that start.
                        yield (booted, end_us, sample.value, _ids(sample))
                        last = sample
                        continue
                    if line.running_since(end_us) is None:
                        stopped = line.stopped_since(end_us)
                        if stopped is not None:
                            # Counted up to the stop, not while stopped; from a reading
                            # stamped at the stop or after it (the counter as it stood
                            # then), at that reading's instant.
                            end_us = max(stopped, last.at_us)
                value = sample.value
                if value >= last.value:
                    delta = CONTEXT.subtract(value, last.value)
                elif wrap is not None and last.value < wrap and value >= 0:
                    # counted up to the modulus, then from zero: wrap - before + reading
                    delta = CONTEXT.add(CONTEXT.subtract(wrap, last.value), value)
                else:
                    delta = value
                    report(
                        "counter_reset",
                        f"{_n.label(sample)} reads {value} at {format_us(sample.at_us)}, less "
                        f"than the {last.value} of {_n.label(last)} at "
                        f"{format_us(last.at_us)}: a counter reset, counted from zero "
                        f"(delta {value}).",
                        (sample, last),
                    )
                yield (last.at_us, end_us, delta, _ids(last, sample))
            last = sample

    @plain_text
    def __repr__(self) -> str:
        given = ["from_zero=True"] if self.from_zero else []
        if self.wraps_at is not None:
            given.append(f"wraps_at={self.wraps_at}")
        return f"Counter({', '.join(given)})"


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
