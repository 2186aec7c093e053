"""Cost policies and meters: how usage over a piece of time becomes a quantity.

A :class:`Meter` names what is measured, its unit and its **cost policy**. There are three
kinds of policy, each a small :class:`typing.Protocol` (a user-written policy plugs in the
same way as the built-ins):

- :class:`TimePolicy` (``level(description)``): the quantity accrues over time at a level
  derived from the description, while the resource runs. :class:`OnOff` (instance-hours
  while running, or while a condition holds) and :class:`Continuous` (GiB-hours of a disk,
  MB x instances x hours of an app).
- :class:`DeltaPolicy` (``accepts(kind)``, ``increments(...)``): samples become amounts at
  an instant or over a span; amounts over a span are apportioned linearly to the pieces
  they cover. :class:`Discrete` (the sum of deltas) and :class:`Counter` (cumulative
  readings turned into reset-aware deltas).
- :class:`SamplePolicy` (``accepts(kind)``, ``aggregate(...)``): an aggregation of the
  readings: :class:`Max`, :class:`Min`, :class:`Latest`, :class:`Count`,
  :class:`UniqueCount`, :class:`Percentile`, :class:`TimeWeightedMean`.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal, Protocol, runtime_checkable

import attrs

from . import _normalize as _n
from ._decimals import CONTEXT, ONE, ZERO, to_decimal
from ._decimals import tidy as _tidy
from ._instants import format_us
from .errors import BadQuantityError, BadRecordError, RatekitTypeError, UnitError
from .records import (
    AnomalyKind,
    Sample,
)

__all__ = [
    "Continuous",
    "Count",
    "Counter",
    "DeltaPolicy",
    "Discrete",
    "Increment",
    "Latest",
    "Max",
    "Meter",
    "Min",
    "OnOff",
    "Percentile",
    "SamplePolicy",
    "TimePolicy",
    "TimeWeightedMean",
    "UniqueCount",
]

_ADD: Final = CONTEXT.add

Description: typing.TypeAlias = Mapping[str, object]
Condition: typing.TypeAlias = Mapping[str, object] | Callable[[Mapping[str, object]], bool]
Increment: typing.TypeAlias = tuple[int, int, Decimal, tuple[str, ...]]
"""An amount used: ``(start_us, end_us, amount, record_ids)``; ``start_us == end_us`` for an
amount at an instant, else the amount is spread linearly over ``[start_us, end_us)``."""
Report: typing.TypeAlias = Callable[[AnomalyKind, str, Sequence[Sample]], None]


# -- policies: the protocols ----------------------------------------------------------------


@runtime_checkable
class TimePolicy(Protocol):
    """A policy whose quantity accrues over time while the resource runs.

    ``level(description)`` is the rate per unit of the meter's time unit for a piece with
    that description, or ``None`` when nothing accrues. Metering integrates it exactly over
    every running piece (stopped, deleted and unknown pieces accrue nothing). Called once
    per piece, not per record. A time-based quantity always adds up over pieces: a policy
    may not declare ``additive = False`` (see :class:`SamplePolicy`).

    Example:
        >>> import ratekit as rk
        >>> from decimal import Decimal
        >>> class PublicIps:  # a user-written policy: hours times the number of IPs
        ...     def level(self, description):
        ...         ips = description.get("public_ips", 0)
        ...         return Decimal(ips) if ips else None
        >>> isinstance(PublicIps(), rk.TimePolicy)
        True
    """

    def level(self, description: Description) -> Decimal | None:
        """The rate at which the quantity accrues under ``description``, or ``None``."""


@runtime_checkable
class DeltaPolicy(Protocol):
    """A policy that turns samples into amounts, which metering apportions to pieces.

    ``accepts(kind)`` says which sample kinds it takes (a sample of another kind is a
    :class:`~ratekit.BadRecordError`). ``increments(readings, previous, report)`` gets one
    resource's samples of the meter in ``(at, seq)`` order, and ``previous``, the last
    reading carried from an earlier call (or ``None``); it returns :data:`Increment`
    tuples. It may call ``report(kind, message, samples)`` to record an anomaly. An
    amount at an instant goes to the piece that contains it; an amount over a span is
    apportioned linearly (and exactly: the parts add up to the amount), so a delta-based
    quantity always adds up over pieces: a policy may not declare ``additive = False``.

    Example:
        >>> import ratekit as rk
        >>> class Doubled:  # a user-written policy: every delta counts twice
        ...     def accepts(self, kind):
        ...         return kind == "delta"
        ...     def increments(self, readings, previous, report):
        ...         return [(s.at_us, s.at_us, 2 * s.value, (s.id,) if s.id else ()) for s in readings]
        >>> isinstance(Doubled(), rk.DeltaPolicy)
        True
    """

    def accepts(self, kind: str) -> bool:
        """Whether the policy takes samples of this kind."""

    def increments(
        self, readings: Sequence[Sample], previous: Sample | None, report: Report
    ) -> Iterable[Increment]:
        """The amounts the readings stand for."""


@runtime_checkable
class SamplePolicy(Protocol):
    """A policy that aggregates the readings in each piece of time (max, percentile...).

    ``accepts(kind)`` says which sample kinds it takes. ``aggregate(readings, start_us,
    end_us, before)`` gets the readings with ``start_us <= at < end_us`` in ``(at, seq)``
    order and ``before``, the last reading before the piece (or ``None``); it returns the
    piece's quantity, or ``None`` for no row.

    ``additive`` (an optional class or instance attribute, a bool) says whether the
    quantity adds up over pieces. Most aggregations do not (the max of a month is not the
    sum of the maxima of its halves): a **non-additive** policy (``additive = False``, the
    default for a policy that does not say) is aggregated once per resource and cycle,
    over the whole cycle inside the metered span, and its rows share that aggregate in
    proportion to time. An additive one (``additive = True``: :class:`Count`) is
    aggregated per piece, and its pieces add up.

    Example:
        >>> import ratekit as rk
        >>> isinstance(rk.Max(), rk.SamplePolicy), isinstance(rk.Max(), rk.DeltaPolicy)
        (True, False)
        >>> rk.Max().additive, rk.Count().additive
        (False, True)
    """

    def accepts(self, kind: str) -> bool:
        """Whether the policy takes samples of this kind."""

    def aggregate(
        self, readings: Sequence[Sample], start_us: int, end_us: int, before: Sample | None
    ) -> Decimal | None:
        """The quantity of the piece ``[start_us, end_us)``, or ``None``."""


# -- conditions and levels -------------------------------------------------------------------


def _condition(when: object) -> Callable[[Description], bool] | None:
    if when is None:
        return None
    if isinstance(when, Mapping):
        expected = tuple(when.items())
        for key, _ in expected:
            if not isinstance(key, str):
                raise RatekitTypeError(
                    f"a condition's attribute names must be strings, not {key!r}."
                )
        missing = object()

        def matches(description: Description) -> bool:
            get = description.get
            return all(get(key, missing) == value for key, value in expected)

        return matches
    if callable(when):
        return typing.cast(Callable[[Description], bool], when)
    raise RatekitTypeError(
        "a condition is None, a mapping of attribute values that must all be equal "
        f"(e.g. {{'state': 'STARTED'}}), or a function of the description, not "
        f"{type(when).__name__}: {when!r}."
    )


def _number(description: Description, name: str) -> Decimal | None:
    value = description.get(name)
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str):
        return to_decimal(value, f"attribute {name!r}")
    raise BadRecordError(
        f"attribute {name!r} is {value!r}, not a number; a level is read from numbers "
        "(int, Decimal, or a string such as '512')."
    )


@typing.final
@attrs.frozen(repr=False)
class OnOff:
    """Time during which the resource runs and its description satisfies ``when``.

    ``when`` is ``None`` (any running piece counts), a mapping of attribute values that
    must all be equal (``{"vm_state": "active"}``), or a function of the description
    returning a bool. The level is 1: the quantity is the time, in the meter's time unit.

    Example:
        >>> import ratekit as rk
        >>> policy = rk.OnOff(when={"vm_state": "active"})
        >>> policy.level({"vm_state": "active", "flavor": "m1.small"}), policy.level({"vm_state": "error"})
        (Decimal('1'), None)
        >>> policy
        OnOff(when={'vm_state': 'active'})
    """

    when: Condition | None = None
    _test: Callable[[Description], bool] | None = attrs.field(
        init=False,
        eq=False,
        default=attrs.Factory(lambda self: _condition(self.when), takes_self=True),
    )

    def level(self, description: Description) -> Decimal | None:
        """1 when ``when`` holds for ``description``, else ``None``."""
        test = self._test
        return ONE if test is None or test(description) else None

    def __repr__(self) -> str:
        return "OnOff()" if self.when is None else f"OnOff(when={self.when!r})"


def _level(level: object) -> Callable[[Description], Decimal | None]:
    if isinstance(level, str):
        name = level

        def single(description: Description) -> Decimal | None:
            return _number(description, name)

        return single
    if isinstance(level, tuple) and level and all(isinstance(name, str) for name in level):
        names: tuple[str, ...] = level

        def product(description: Description) -> Decimal | None:
            result = ONE
            for name in names:
                factor = _number(description, name)
                if factor is None:
                    return None
                result = CONTEXT.multiply(result, factor)
            return result

        return product
    if callable(level):
        function = typing.cast(Callable[[Description], object], level)

        def computed(description: Description) -> Decimal | None:
            value = function(description)
            return None if value is None else to_decimal(value, "the level")

        return computed
    raise RatekitTypeError(
        "a level is an attribute name ('size_gb'), a tuple of names whose values multiply "
        "(('memory_mb', 'instances')), or a function of the description, "
        f"not {type(level).__name__}: {level!r}."
    )


@typing.final
@attrs.frozen(repr=False)
class Continuous:
    """The integral over time of a level derived from the description, while running.

    ``level`` is an attribute name (``"size_gb"``), a tuple of names whose values multiply
    (``("memory_mb", "instances")`` for Cloud Foundry's MB x instances), or a function of
    the description returning a number or ``None``. ``when`` restricts it as for
    :class:`OnOff`. The level is taken in the meter's unit divided by its time unit (a
    ``"MB*hour"`` meter reads the level in MB). A resource whose description lacks one of
    the attributes accrues nothing on this meter (an instance has no ``size_gb``, so a
    storage meter passes it by); an attribute that is not a number raises
    :class:`~ratekit.BadRecordError` naming the meter, the resource, the attribute and the
    event that set it.

    Example:
        >>> import ratekit as rk
        >>> app = rk.Continuous(("memory_mb", "instances"), when={"state": "STARTED"})
        >>> app.level({"state": "STARTED", "memory_mb": 512, "instances": 3})
        Decimal('1536')
        >>> app
        Continuous(('memory_mb', 'instances'), when={'state': 'STARTED'})
    """

    level_of: str | tuple[str, ...] | Callable[[Description], object] = attrs.field(alias="level")
    when: Condition | None = None
    _compute: Callable[[Description], Decimal | None] = attrs.field(
        init=False,
        eq=False,
        default=attrs.Factory(lambda self: _level(self.level_of), takes_self=True),
    )
    _test: Callable[[Description], bool] | None = attrs.field(
        init=False,
        eq=False,
        default=attrs.Factory(lambda self: _condition(self.when), takes_self=True),
    )

    def level(self, description: Description) -> Decimal | None:
        """The level under ``description`` when ``when`` holds, else ``None``."""
        test = self._test
        if test is not None and not test(description):
            return None
        return self._compute(description)

    def __repr__(self) -> str:
        text = f"Continuous({self.level_of!r}"
        if self.when is not None:
            text += f", when={self.when!r}"
        return text + ")"


def _ids(*records: Sample | None) -> tuple[str, ...]:
    return tuple(record.id for record in records if record is not None and record.id is not None)


@typing.final
@attrs.frozen
class Discrete:
    """The sum of deltas (bytes sent, API calls); negative deltas are corrections.

    A delta at an instant goes to the piece that contains it; a delta over ``[since, at)``
    is apportioned linearly to the pieces it covers (exactly: the parts add up to it).

    Example:
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
        """Each delta as is: at its instant, or over ``[since, at)``. O(n), lazily."""
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

    The first reading is the baseline (or the reading carried from an earlier call). Each
    next reading adds its difference from the one before, spread linearly over the time
    between them: readings 0 at T, 500 at T+20 and 1000 at T+40 with a cycle ending at T+30
    give 750 to that cycle and 250 to the next. A reading lower than the one before is a
    reset: it counts from zero (adds the reading itself) and is reported as a
    ``"counter_reset"`` anomaly. The deltas of a run of readings add up to the last reading
    minus the first plus every reading that preceded a reset.

    Example:
        >>> import ratekit as rk
        >>> rk.Counter().accepts("counter")
        True
    """

    def accepts(self, kind: str) -> bool:
        """Only counter readings."""
        return kind == "counter"

    def increments(
        self, readings: Sequence[Sample], previous: Sample | None, report: Report
    ) -> Iterator[Increment]:
        """The reset-aware deltas between consecutive readings. O(n), lazily."""
        last = previous
        for sample in readings:
            if last is not None:
                value = sample.value
                if value >= last.value:
                    delta = CONTEXT.subtract(value, last.value)
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
                yield (last.at_us, sample.at_us, delta, _ids(last, sample))
            last = sample


class _Aggregation:
    """Shared by the sample aggregations: they take gauges and deltas."""

    __slots__ = ()

    #: Aggregated once per cycle, never summed over pieces (see :class:`SamplePolicy`).
    additive: typing.ClassVar[bool] = False

    def accepts(self, kind: str) -> bool:
        """Gauge readings and deltas (not cumulative counter readings)."""
        return kind in ("gauge", "delta")


@typing.final
@attrs.frozen
class Max(_Aggregation):
    """The largest reading in the piece (peak users, peak bandwidth).

    Example:
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
        return max((sample.value for sample in readings), default=None)


@typing.final
@attrs.frozen
class Min(_Aggregation):
    """The smallest reading in the piece.

    Example:
        >>> import ratekit as rk
        >>> readings = [rk.Sample("a", "r", "m", "2026-03-01T01:00:00Z", 5, kind="gauge")]
        >>> rk.Min().aggregate(readings, 0, 2**62, None), rk.Min().aggregate([], 0, 1, None)
        (Decimal('5'), None)
    """

    def aggregate(
        self, readings: Sequence[Sample], start_us: int, end_us: int, before: Sample | None
    ) -> Decimal | None:
        """The minimum, or ``None`` without readings. O(n)."""
        return min((sample.value for sample in readings), default=None)


@typing.final
@attrs.frozen
class Latest(_Aggregation):
    """The last reading in the piece (in ``(at, seq)`` order).

    Example:
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
        return readings[-1].value if readings else None


@typing.final
@attrs.frozen
class Count(_Aggregation):
    """The number of readings in the piece (events, requests reported one by one).

    Example:
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
        return Decimal(len(readings)) if readings else None


@typing.final
@attrs.frozen
class UniqueCount(_Aggregation):
    """The number of distinct values among the readings in the piece (distinct users).

    Example:
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
        return Decimal(len({sample.value for sample in readings})) if readings else None


def _percent(value: object) -> Decimal:
    number = to_decimal(value, "Percentile percent")
    if not ZERO < number <= 100:
        raise BadQuantityError(
            f"Percentile percent must be in (0, 100], not {value!r}; the 95th percentile is "
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

    Example:
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
        if not readings:
            return None
        values = sorted(sample.value for sample in readings)
        rank = math.ceil(CONTEXT.multiply(CONTEXT.divide(self.percent, 100), len(values)))
        return values[max(rank, 1) - 1]

    def __repr__(self) -> str:
        return f"Percentile({self.percent})"


def _over(value: object) -> Literal["known", "period"]:
    if value == "known" or value == "period":  # noqa: PLR1714 - narrows the type
        return value
    raise RatekitTypeError(
        f"TimeWeightedMean over must be 'known' (the mean over the time a level is known) "
        f"or 'period' (the mean over the whole piece, no level counting as 0), not {value!r}."
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

    Example:
        >>> import ratekit as rk
        >>> from ratekit._instants import to_us
        >>> start, end = to_us("2026-03-01T00:00:00Z"), to_us("2026-03-01T04:00:00Z")
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
        total = ZERO
        if before is not None:
            level: Decimal | None = before.value
            since = start_us
            known_from = start_us
        else:
            if not readings:
                return None
            level = None
            since = known_from = readings[0].at_us
        for sample in readings:
            if level is not None:
                total = CONTEXT.add(total, CONTEXT.multiply(level, sample.at_us - since))
            level = sample.value
            since = sample.at_us
        if level is not None:
            total = CONTEXT.add(total, CONTEXT.multiply(level, end_us - since))
        if self.over == "period":
            known_from = start_us
        if end_us == known_from:
            return level
        return _tidy(CONTEXT.divide(total, end_us - known_from))

    def __repr__(self) -> str:
        return (
            "TimeWeightedMean()"
            if self.over == "known"
            else f"TimeWeightedMean(over={self.over!r})"
        )


# -- meters ---------------------------------------------------------------------------------


Policy: typing.TypeAlias = TimePolicy | DeltaPolicy | SamplePolicy


def _time_factor(unit: str, name: str) -> tuple[int, int]:
    """``(multiplier, divisor)`` turning ``level * microseconds`` into the meter's unit.

    The unit must be a product (``*``) with exactly one time term (``"hour"``,
    ``"GiB*hour"``, ``"MB*ns"``); the other terms are the level's unit.
    """
    from .units import Unit, microseconds_per  # noqa: PLC0415 - units imports nothing of ours

    terms = [term.strip() for term in unit.replace("·", "*").split("*")]
    times: list[Fraction] = []
    for term in terms:
        try:
            if Unit(term).kind == "time":
                times.append(microseconds_per(term))
        except UnitError:
            continue
    if "/" in unit or len(times) != 1:
        raise UnitError(
            f"Meter {name!r} has a time-based policy, so its unit must be a product with one "
            f"unit of time, like 'hour', 'GiB*hour' or 'MB*ns', not {unit!r}."
        )
    per = times[0]
    # quantity = level * t_us / per = level * t_us * per.denominator / per.numerator
    return per.denominator, per.numerator


@typing.final
@attrs.frozen(init=False, repr=False)
class Meter:
    """What is measured: a ``name``, the ``unit`` of its quantities and its cost ``policy``.

    A time-based policy (:class:`OnOff`, :class:`Continuous`, any :class:`TimePolicy`) needs
    a unit with exactly one unit of time (``"hour"``, ``"GiB*hour"``, ``"MB*ns"``): the
    quantity is the level times the time in that unit. Sample-based policies take any unit;
    their quantities are the samples' values, taken to be in that unit.

    Example:
        >>> import ratekit as rk
        >>> rk.Meter("memory", "MB*hour", rk.Continuous(("memory_mb", "instances")))
        Meter('memory', 'MB*hour', Continuous(('memory_mb', 'instances')))
        >>> try:
        ...     rk.Meter("runtime", "GiB", rk.OnOff())
        ... except rk.UnitError as error:
        ...     print(error)
        Meter 'runtime' has a time-based policy, so its unit must be a product with one unit of time, like 'hour', 'GiB*hour' or 'MB*ns', not 'GiB'.
    """

    name: str
    """The meter's name (rows and samples refer to it)."""
    unit: str
    """The unit of its quantities."""
    policy: Policy
    """How usage over a piece of time becomes a quantity."""
    _factor: tuple[int, int] | None = attrs.field(eq=False)
    _deltas: bool = attrs.field(eq=False)
    _additive: bool = attrs.field(eq=False)

    def __init__(self, name: str, unit: str, policy: Policy) -> None:
        if not isinstance(name, str) or not name:
            raise RatekitTypeError(f"Meter name must be a non-empty string, not {name!r}.")
        if not isinstance(unit, str) or not unit:
            raise RatekitTypeError(f"Meter {name!r} unit must be a non-empty string, not {unit!r}.")
        deltas = False
        if isinstance(policy, TimePolicy):
            factor: tuple[int, int] | None = _time_factor(unit, name)
        elif isinstance(policy, DeltaPolicy | SamplePolicy):
            factor = None
            deltas = isinstance(policy, DeltaPolicy)
        else:
            raise RatekitTypeError(
                f"Meter {name!r} policy must have a level(description) method (a time-based "
                "policy), or accepts(kind) with increments(...) or aggregate(...) (a "
                f"sample-based one), not {type(policy).__name__}: {policy!r}."
            )
        additive = getattr(policy, "additive", factor is not None or deltas)
        if not isinstance(additive, bool):
            raise RatekitTypeError(
                f"Meter {name!r} policy {policy!r} declares additive={additive!r}; it must be "
                "True or False."
            )
        if not additive and (factor is not None or deltas):
            raise RatekitTypeError(
                f"Meter {name!r} policy {policy!r} declares additive=False, but a time- or "
                "delta-based quantity always adds up over pieces; only a sample aggregation "
                "(aggregate(...)) may be non-additive."
            )
        self.__attrs_init__(name, unit, policy, factor, deltas, additive)

    @property
    def additive(self) -> bool:
        """Whether the policy's quantity adds up over pieces of time (see :class:`SamplePolicy`).

        Example:
            >>> import ratekit as rk
            >>> rk.Meter("peak", "user", rk.Max()).additive, rk.Meter("h", "hour", rk.OnOff()).additive
            (False, True)
        """
        return self._additive

    def __repr__(self) -> str:
        return f"Meter({self.name!r}, {self.unit!r}, {self.policy!r})"
