"""Metering: from records to exact quantities per resource and piece of time.

A :class:`Meter` names what is measured, its unit and its **cost policy**: how usage over a
piece of time becomes a quantity. :func:`meter` applies meters to records and returns
:class:`Usage`: one :class:`UsageRow` per ``(account, meter, resource)`` and piece of time
over which the resource's description and the billing cycle are constant, plus the
anomalies found and the state to carry to the next call.

There are three kinds of policy, each a small :class:`typing.Protocol` (a user-written
policy plugs in the same way as the built-ins):

- :class:`TimePolicy` (``level(description)``): the quantity accrues over time at a level
  derived from the description, while the resource runs. :class:`OnOff` (instance-hours
  while running, or while a condition holds) and :class:`Continuous` (GiB-hours of a disk,
  MB x instances x hours of an app).
- :class:`DeltaPolicy` (``accepts(kind)``, ``increments(...)``): samples become amounts at
  an instant or over a span; amounts over a span are apportioned linearly to the pieces
  they cover. :class:`Discrete` (the sum of deltas) and :class:`Counter` (cumulative
  readings turned into reset-aware deltas).
- :class:`SamplePolicy` (``accepts(kind)``, ``aggregate(...)``): an aggregation of the
  readings in each piece: :class:`Max`, :class:`Min`, :class:`Latest`, :class:`Count`,
  :class:`UniqueCount`, :class:`Percentile`, :class:`TimeWeightedMean`.

Exactness: an hour is 3.6e9 µs, so a time quantity in hours rarely has a finite decimal
expansion. ratekit never adds rounded slices: the quantity of a piece ``[a, b)`` is
``F(b) - F(a)`` for a cumulative function ``F`` rounded half-even to a fixed quantum of 1e-24
(``F(t) = level * t / unit`` for time, with ``t`` the absolute instant; ``F(t) = amount *
(t - t0) / (t1 - t0)`` for an amount over ``[t0, t1)``, with ``F(t0) = 0`` and
``F(t1) = amount`` exactly). Quantities therefore telescope: the rows of a span add up
exactly to the rows of its pieces, and a whole hour is exactly 1.

Example:
    >>> import ratekit as rk
    >>> runtime = rk.Meter("runtime", "hour", rk.OnOff())
    >>> records = [
    ...     rk.Event("acme", "vm-1", "2026-03-01T10:00:00Z", {"flavor": "m1.small"}, kind="start", id="e1"),
    ...     rk.Event("acme", "vm-1", "2026-03-01T11:30:00Z", kind="stop", id="e2"),
    ...     rk.Event("acme", "vm-1", "2026-03-01T11:45:00Z", kind="stop", id="e3"),
    ... ]
    >>> usage = rk.meter(records, [runtime], span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
    ...                  cycle=None, as_of="2026-04-01T00:00:00Z")
    >>> [(row.resource, row.quantity, row.unit, dict(row.description)) for row in usage.rows]
    [('vm-1', Decimal('1.5'), 'hour', {'flavor': 'm1.small'})]
    >>> print(usage.anomalies[0])
    event 'e3' stops 'vm-1' at 2026-03-01T11:45:00Z, already stopped since 2026-03-01T11:30:00Z: ignored.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import functools
import itertools
import math
import operator
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal, Protocol, runtime_checkable

import attrs

from . import _normalize as _n
from ._decimals import CONTEXT, ONE, ZERO, to_decimal
from ._decimals import tidy as _tidy
from ._instants import format_us, to_us
from .errors import BadQuantityError, BadRecordError, RatekitError, RatekitTypeError, UnitError
from .records import (
    Anomaly,
    AnomalyKind,
    Event,
    Inventory,
    Sample,
    SampleKind,
    _attributes,
    _FrozenDict,
    _id_tuple,
)
from .spans import Span

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
    "ResourceState",
    "SamplePolicy",
    "TimePolicy",
    "TimeWeightedMean",
    "UniqueCount",
    "Usage",
    "UsageRow",
    "meter",
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
    per piece, not per record.

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
    apportioned linearly (and exactly: the parts add up to the amount).

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
    piece's quantity, or ``None`` for no row. Aggregations are not additive over pieces
    (the max of a month is not the sum of the maxima of its halves).

    Example:
        >>> import ratekit as rk
        >>> isinstance(rk.Max(), rk.SamplePolicy), isinstance(rk.Max(), rk.DeltaPolicy)
        (True, False)
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


@typing.final
@attrs.frozen
class TimeWeightedMean(_Aggregation):
    """The mean level over the piece, each reading holding until the next one.

    Over ``[start, end)`` the level is the latest reading (``before`` at the start); the
    mean is the integral of the level divided by the time during which a level is known
    (from the start, or from the first reading when none came before). ``None`` when no
    level is known in the piece.

    Example:
        >>> import ratekit as rk
        >>> from ratekit._instants import to_us
        >>> start, end = to_us("2026-03-01T00:00:00Z"), to_us("2026-03-01T04:00:00Z")
        >>> before = rk.Sample("a", "r", "m", "2026-02-28T00:00:00Z", 10, kind="gauge")
        >>> readings = [rk.Sample("a", "r", "m", "2026-03-01T01:00:00Z", 30, kind="gauge")]
        >>> rk.TimeWeightedMean().aggregate(readings, start, end, before)  # (10*1 + 30*3) / 4
        Decimal('25')
    """

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
        if end_us == known_from:
            return level
        return _tidy(CONTEXT.divide(total, end_us - known_from))


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
        self.__attrs_init__(name, unit, policy, factor, deltas)

    def __repr__(self) -> str:
        return f"Meter({self.name!r}, {self.unit!r}, {self.policy!r})"


# -- results --------------------------------------------------------------------------------


def _description(value: object) -> Mapping[str, object]:
    return _attributes(value, "description")


def _row_quantity(value: object) -> Decimal:
    return to_decimal(value, "UsageRow quantity")


@typing.final
@attrs.frozen(repr=False)
class UsageRow:
    """The quantity of one meter used by one resource over one piece of time.

    Over ``span`` the resource's ``description`` and the billing ``cycle`` are constant.
    ``quantity`` is an exact Decimal in ``unit``; ``record_ids`` are the ids of the
    records behind it (the events that began and ended the piece, or the samples).

    Example:
        >>> import ratekit as rk
        >>> from decimal import Decimal
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> rk.UsageRow("acme", "runtime", "vm-1", rk.Span("2026-03-01T10:00:00Z", "2026-03-01T11:30:00Z"),
        ...             march, Decimal("1.5"), "hour", {"flavor": "m1.small"}, ("e1", "e2"))
        UsageRow('acme', 'runtime', 'vm-1', '2026-03-01T10:00:00Z'..'2026-03-01T11:30:00Z', 1.5 hour, {'flavor': 'm1.small'}, record_ids=('e1', 'e2'))
    """

    account: str
    """Who."""
    meter: str
    """What (the meter's name)."""
    resource: str
    """Which."""
    span: Span
    """The piece of time."""
    cycle: Span
    """The billing cycle the piece belongs to."""
    quantity: Decimal = attrs.field(converter=_row_quantity)
    """The exact quantity, in ``unit``."""
    unit: str
    """The meter's unit."""
    description: Mapping[str, object] = attrs.field(converter=_description)
    """The resource's attributes in force over the piece (read-only)."""
    record_ids: tuple[str, ...] = attrs.field(default=(), converter=_id_tuple)
    """The ids of the records behind the row."""

    def __repr__(self) -> str:
        return (
            f"UsageRow({self.account!r}, {self.meter!r}, {self.resource!r}, "
            f"{format_us(self.span.start_us)!r}..{format_us(self.span.end_us)!r}, "
            f"{self.quantity} {self.unit}, {self.description!r}, record_ids={self.record_ids!r})"
        )


def _slot_setters(cls: type, *names: str) -> tuple[Callable[[object, object], None], ...]:
    # A slot's descriptor sets the value without going through the frozen __setattr__.
    return tuple(cls.__dict__[name].__set__ for name in names)


(
    _SET_ACCOUNT,
    _SET_METER,
    _SET_RESOURCE,
    _SET_SPAN,
    _SET_CYCLE,
    _SET_QUANTITY,
    _SET_UNIT,
    _SET_DESCRIPTION,
    _SET_RECORD_IDS,
) = _slot_setters(
    UsageRow,
    "account",
    "meter",
    "resource",
    "span",
    "cycle",
    "quantity",
    "unit",
    "description",
    "record_ids",
)
_SET_START, _SET_END = _slot_setters(Span, "start_us", "end_us")
_new = object.__new__


def _new_span(start_us: int, end_us: int) -> Span:
    # The hot path of Span.from_us, for endpoints already known to be in order.
    span = _new(Span)
    _SET_START(span, start_us)
    _SET_END(span, end_us)
    return span


def _new_row(  # noqa: PLR0917 - private plumbing of plain values
    account: str,
    meter_name: str,
    resource: str,
    span: Span,
    cycle: Span,
    quantity: Decimal,
    unit: str,
    description: _FrozenDict,
    record_ids: tuple[str, ...],
) -> UsageRow:
    # The hot path: the fields are already converted, so skip the converters.
    row = _new(UsageRow)
    _SET_ACCOUNT(row, account)
    _SET_METER(row, meter_name)
    _SET_RESOURCE(row, resource)
    _SET_SPAN(row, span)
    _SET_CYCLE(row, cycle)
    _SET_QUANTITY(row, quantity)
    _SET_UNIT(row, unit)
    _SET_DESCRIPTION(row, description)
    _SET_RECORD_IDS(row, record_ids)
    return row


def _encode(value: object) -> object:
    return {"decimal": str(value)} if isinstance(value, Decimal) else value


def _decode(value: object) -> object:
    if isinstance(value, dict):
        return Decimal(value["decimal"])
    return value


@typing.final
@attrs.frozen(repr=False)
class ResourceState:
    """Where one resource stands after a :func:`meter` call: what the next call continues.

    ``status`` is ``"unknown"``, ``"running"``, ``"stopped"`` or ``"deleted"``; the resource
    has had ``description`` since ``since_us`` (begun by record ``opened_by``). ``clock_us``
    and ``seq`` are the effective instant and sequence number of its last event (a later
    event stamped earlier is clamped to it). ``readings`` holds, per meter, the last sample
    (``(meter, at_us, value, kind, id)``): a counter's baseline, a gauge's level. The value
    is small and explicit; :meth:`to_json` and :meth:`from_json` turn it into JSON-safe
    data and back (Decimals as ``{"decimal": "..."}``).

    Metering the records stamped before T up to ``as_of=T``, then the records from T on
    over a span from T with ``state=`` the first result's state, gives exactly the rows
    of metering all the records over that span at once. Records stamped before T that
    arrive only in a later batch are late: an event is clamped to the resource's clock (an
    ``"out_of_order"`` anomaly), a sample falls before the span; correcting cycles already
    rated is the rater's job.

    Example:
        >>> import ratekit as rk
        >>> usage = rk.meter([rk.Event("acme", "vm-1", "2026-03-01T10:00:00Z", {"flavor": "m1.small"},
        ...                            kind="start", id="e1")],
        ...                  [rk.Meter("runtime", "hour", rk.OnOff())],
        ...                  span=rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"),
        ...                  cycle=None, as_of="2026-03-02T00:00:00Z")
        >>> state = usage.state[0]
        >>> state
        ResourceState('acme', 'vm-1', 'running', {'flavor': 'm1.small'}, since='2026-03-01T10:00:00Z', opened_by='e1')
        >>> rk.ResourceState.from_json(state.to_json()) == state
        True
    """

    account: str
    resource: str
    status: Literal["unknown", "running", "stopped", "deleted"]
    description: Mapping[str, object] = attrs.field(converter=_description)
    since_us: int | None = None
    opened_by: str | None = None
    clock_us: int | None = None
    seq: int | None = None
    readings: tuple[tuple[str, int, Decimal, str, str | None], ...] = ()

    def to_json(self) -> dict[str, object]:
        """JSON-safe data (str, int, None, lists and dicts only).

        Example:
            >>> import ratekit as rk
            >>> rk.ResourceState("acme", "vm-1", "stopped", {"memory_gb": 0.5}).to_json()["description"]
            {'memory_gb': {'decimal': '0.5'}}
        """
        return {
            "account": self.account,
            "resource": self.resource,
            "status": self.status,
            "description": {key: _encode(value) for key, value in self.description.items()},
            "since_us": self.since_us,
            "opened_by": self.opened_by,
            "clock_us": self.clock_us,
            "seq": self.seq,
            "readings": [
                [meter_name, at_us, str(value), kind, record_id]
                for meter_name, at_us, value, kind, record_id in self.readings
            ],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, typing.Any]) -> ResourceState:
        """The state that :meth:`to_json` produced.

        Example:
            >>> import ratekit as rk
            >>> rk.ResourceState.from_json({"account": "a", "resource": "r", "status": "deleted",
            ...                             "description": {}}).status
            'deleted'
        """
        return cls(
            data["account"],
            data["resource"],
            data["status"],
            {key: _decode(value) for key, value in data["description"].items()},
            data.get("since_us"),
            data.get("opened_by"),
            data.get("clock_us"),
            data.get("seq"),
            tuple(
                (meter_name, at_us, Decimal(value), kind, record_id)
                for meter_name, at_us, value, kind, record_id in data.get("readings", ())
            ),
        )

    def __repr__(self) -> str:
        text = (
            f"ResourceState({self.account!r}, {self.resource!r}, {self.status!r}, "
            f"{self.description!r}"
        )
        if self.since_us is not None:
            text += f", since={format_us(self.since_us)!r}"
        if self.opened_by is not None:
            text += f", opened_by={self.opened_by!r}"
        return text + ")"


@typing.final
@attrs.frozen(repr=False)
class Usage:
    """What :func:`meter` returns: the usage rows, the anomalies and the state to carry.

    ``rows`` are ordered by account, resource, meter and time; ``anomalies`` by time, then
    account and resource; ``state`` by account and resource.

    Example:
        >>> import ratekit as rk
        >>> usage = rk.meter([], [rk.Meter("runtime", "hour", rk.OnOff())],
        ...                  span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
        ...                  cycle=None, as_of="2026-04-01T00:00:00Z")
        >>> usage
        Usage(0 rows, 0 anomalies, 0 resources)
        >>> usage.total()
        Decimal('0')
    """

    rows: tuple[UsageRow, ...]
    """The usage rows."""
    anomalies: tuple[Anomaly, ...]
    """Everything odd in the records, and what was done about it."""
    state: tuple[ResourceState, ...]
    """Each resource's state at ``as_of``, for the next call."""

    def total(
        self, meter: str | None = None, *, account: str | None = None, resource: str | None = None
    ) -> Decimal:
        """The sum of the quantities of the rows that match (all rows by default). O(n).

        Example:
            >>> import ratekit as rk
            >>> rk.meter([], [], span=rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"),
            ...          cycle=None, as_of="2026-03-02T00:00:00Z").total("runtime")
            Decimal('0')
        """
        total = ZERO
        for row in self.rows:
            if (
                (meter is None or row.meter == meter)
                and (account is None or row.account == account)
                and (resource is None or row.resource == resource)
            ):
                total = CONTEXT.add(total, row.quantity)
        return _tidy(total)

    def __repr__(self) -> str:
        def count(n: int, one: str, many: str) -> str:
            return f"{n} {one if n == 1 else many}"

        return (
            f"Usage({count(len(self.rows), 'row', 'rows')}, "
            f"{count(len(self.anomalies), 'anomaly', 'anomalies')}, "
            f"{count(len(self.state), 'resource', 'resources')})"
        )


# -- the engine -----------------------------------------------------------------------------


class _CycleLike(Protocol):
    def boundaries_us(self, start_us: int, end_us: int) -> list[int]: ...

    def containing_us(self, t_us: int) -> tuple[int, int]: ...


_SPAN_KEY: Final = 2**66  # start * _SPAN_KEY + end identifies a span of the current resource

#: Cumulative functions are rounded to 1 / _SCALE = 1e-24 (see the module docstring).
_SCALE: Final = 10**24


def _round_ratio(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest integer, ties to even. O(1)."""
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient & 1):
        quotient += 1
    return quotient


def _from_scaled(units: int) -> Decimal:
    """The Decimal of ``units`` quanta (``units * 1e-24``), tidy. O(1)."""
    whole, fraction = divmod(units, _SCALE)
    if not fraction:
        return Decimal(whole)
    return Decimal(units).scaleb(-24, CONTEXT).normalize(CONTEXT)


def _apportion(amount: Decimal, t0: int, t1: int, t: int) -> Decimal:
    """``F(t)`` for an amount spread over ``[t0, t1)``: exact at both ends, telescoping.

    In between, ``amount * (t - t0) / (t1 - t0)`` rounded half-even to 1e-24. O(1).
    """
    if t <= t0:
        return ZERO
    if t >= t1:
        return amount
    p, q = amount.as_integer_ratio()
    return _from_scaled(_round_ratio(p * (t - t0) * _SCALE, q * (t1 - t0)))


class _Window:
    """The report window, its cycle pieces and each meter's cut points."""

    __slots__ = ("cycle_spans", "cycle_starts", "end", "start")

    def __init__(self, start: int, end: int, cycle: _CycleLike | None, report: Span) -> None:
        self.start = start
        self.end = end
        if cycle is None or end <= start:
            self.cycle_starts = [start]
            self.cycle_spans = [report]
            return
        inner = [b for b in cycle.boundaries_us(start, end) if start < b < end]
        first = cycle.containing_us(start)[0]
        last = cycle.containing_us(end - 1)[1]
        edges = [first, *inner, last]
        self.cycle_starts = edges[:-1]
        self.cycle_spans = [Span.from_us(a, b) for a, b in itertools.pairwise(edges)]

    def cycle_of(self, t_us: int) -> Span:
        return self.cycle_spans[bisect.bisect_right(self.cycle_starts, t_us) - 1]


def meter(
    records: Iterable[Event | Sample | Inventory],
    meters: Iterable[Meter],
    *,
    span: Span,
    cycle: _CycleLike | None,
    as_of: _dt.datetime | str,
    cuts: Mapping[str, Iterable[int]] | None = None,
    state: Iterable[ResourceState] = (),
) -> Usage:
    """Meter ``records`` with ``meters`` over ``span``, up to ``as_of``: rows and anomalies.

    The rules:

    - Records are deduplicated (a replay is a ``"duplicate"`` anomaly; the same id with
      other content raises :class:`~ratekit.ConflictingRecordError` naming both records)
      and each resource's events applied in order (see :class:`~ratekit.Event` for kinds,
      ``seq`` and the anomalies). Records stamped at or after ``as_of`` are not known yet:
      they are ignored.
    - Rows cover ``span`` clipped to ``as_of`` (half-open): a resource still running is
      metered up to ``as_of``. Each row lies inside one piece over which the description
      and the billing cycle are constant, further cut at ``cuts[meter]`` (ascending epoch
      microseconds: where a price changes). Time-based meters accrue over the running
      pieces only; sample-based rows are not cut where only the status changes. ``cycle``
      is any object with ``boundaries_us`` and ``containing_us`` (``ratekit.cycles``),
      or ``None`` to use ``span`` itself as the cycle.
    - Time-based quantities split in proportion to time; an amount at an instant goes to
      the piece that contains it; amounts over a span (deltas, counter differences) are
      apportioned linearly. Every split telescopes (see :mod:`ratekit.metering`), so asking
      for a span gives exactly the sum of asking for its pieces, whatever the order in
      which the records arrive; replaying any record changes no row.
    - ``state`` continues from an earlier call's :attr:`Usage.state`: the resources resume
      as they were at that call's ``as_of`` (pass only the records after it).

    Cost: O(n log n) for n records, plus O(log c) per piece for c cut points; no attrs
    instance is built per record, only per row.

    Example:
        >>> import ratekit as rk
        >>> app = rk.Meter("memory", "MB*hour", rk.Continuous(("memory_mb", "instances")))
        >>> records = [
        ...     rk.Event("org", "app", "2026-03-31T22:00:00Z", {"memory_mb": 512, "instances": 2},
        ...              kind="start", id="e1"),
        ...     rk.Event("org", "app", "2026-04-01T01:00:00Z", kind="stop", id="e2"),
        ... ]
        >>> usage = rk.meter(records, [app], span=rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z"),
        ...                  cycle=rk.cycles.daily(tz="UTC"), as_of="2026-05-01T00:00:00Z")
        >>> [(str(row.cycle.start.date()), row.quantity) for row in usage.rows]  # 1024 MB x 2 h, 1024 MB x 1 h
        [('2026-03-31', Decimal('2048')), ('2026-04-01', Decimal('1024'))]
    """
    return _Engine(records, meters, span, cycle, as_of, cuts, state).run()


class _Engine:
    """One :func:`meter` call: plain values in, rows out."""

    def __init__(  # noqa: PLR0917 - private plumbing of plain values
        self,
        records: Iterable[Event | Sample | Inventory],
        meters: Iterable[Meter],
        span: Span,
        cycle: _CycleLike | None,
        as_of: _dt.datetime | str,
        cuts: Mapping[str, Iterable[int]] | None,
        state: Iterable[ResourceState],
    ) -> None:
        self.meters: dict[str, Meter] = {}
        for item in meters:
            if not isinstance(item, Meter):
                raise RatekitTypeError(
                    f"meters must be Meter values, not {type(item).__name__}: {item!r}."
                )
            if item.name in self.meters:
                raise RatekitTypeError(
                    f"two meters are named {item.name!r}; meter names are unique."
                )
            self.meters[item.name] = item
        if not isinstance(span, Span):
            raise RatekitTypeError(
                f"meter() span must be a Span, not {type(span).__name__}: {span!r}."
            )
        self.as_of_us = to_us(as_of, "meter() as_of")
        self.span = span
        end = min(span.end_us, self.as_of_us)
        self.window = _Window(span.start_us, max(end, span.start_us), cycle, span)
        self.records = records
        self.cuts = cuts or {}
        for name in self.cuts:
            if name not in self.meters:
                raise RatekitTypeError(
                    f"cuts name meter {name!r}, which is not among the meters given."
                )
        self.state = {(s.account, s.resource): s for s in state}
        self.anomalies = _n.Anomalies()
        self.spans: dict[int, Span] = {}  # the current resource's row spans, by start and end
        self.descriptions: _n.Descriptions = {}  # equal descriptions, shared (see _n._shared)
        # Per time-based meter, the level of each description met, by id(description);
        # the entry keeps its description alive, so the id is not reused during the call.
        self.levels: dict[str, dict[int, tuple[Mapping[str, object], tuple[int, int] | None]]] = {}

    def _cut_points(self, name: str) -> list[int]:
        window = self.window
        points = set(window.cycle_starts[1:])
        for cut in self.cuts.get(name, ()):
            if isinstance(cut, bool) or not isinstance(cut, int):
                raise RatekitTypeError(
                    f"cuts[{name!r}] must hold instants in epoch microseconds (int), not {cut!r}."
                )
            if window.start < cut < window.end:
                points.add(cut)
        return sorted(points)

    def run(self) -> Usage:
        accepted = {
            name: frozenset(
                kind
                for kind in ("delta", "counter", "gauge")
                if m._factor is None
                and typing.cast(DeltaPolicy | SamplePolicy, m.policy).accepts(kind)
            )
            for name, m in self.meters.items()
        }
        events, samples, inventories, samples_in_order, events_in_order, tied = _n.group(
            self.records, accepted, self.as_of_us, self.anomalies
        )
        names = sorted(self.meters)
        plan = [(n, self.meters[n], self._cut_points(n)) for n in names]
        keys: set[tuple[str, str]] = set(events) | set(samples) | set(self.state)
        for inventory in inventories:
            keys.update((account, resource) for account, resource, _ in inventory.resources)
        rows: list[UsageRow] = []
        states: list[ResourceState] = []
        window = self.window
        for key in sorted(keys):
            account, resource = key
            per_meter = samples.get(key, {})
            for name, group in per_meter.items():
                # Records that arrived in time order need no sorting (see _n.Grouped).
                if len(group) > 1 and (not samples_in_order or (*key, name) in tied):
                    _sort_samples(group)
            sample_times: list[int] = []
            if inventories and per_meter:
                sample_times = sorted(s.at_us for group in per_meter.values() for s in group)
            previous_state = self.state.get(key)
            line = _n.build_timeline(
                account,
                resource,
                events.get(key, ()),
                inventories,
                sample_times,
                self.anomalies,
                _restore(previous_state) if previous_state is not None else None,
                self.descriptions,
                in_order=events_in_order and key not in tied,
            )
            self.spans = {}
            for name, item, points in plan:
                if item._factor is not None:
                    if window.end > window.start:
                        self._time_rows(rows, account, resource, name, item, points, line)
                    continue
                readings = per_meter.get(name)
                previous = _previous_reading(previous_state, account, resource, name)
                if not readings and previous is None:
                    continue
                self._sample_rows(
                    rows, account, resource, name, item, points, line, readings or [], previous
                )
            states.append(_state_of(account, resource, line, per_meter, previous_state))
        return Usage(tuple(rows), self.anomalies.result(), tuple(states))

    def _time_rows(  # noqa: PLR0912, PLR0915, PLR0917 - one pass of the hot loop
        self,
        rows: list[UsageRow],
        account: str,
        resource: str,
        name: str,
        item: Meter,
        points: list[int],
        line: _n.Timeline,
    ) -> None:
        window = self.window
        w0, w1 = window.start, window.end
        starts = line.starts
        statuses = line.statuses
        descriptions = line.descriptions
        count = len(starts)
        first = bisect.bisect_right(starts, w0) - 1
        level_of = typing.cast(TimePolicy, item.policy).level
        factor = item._factor
        assert factor is not None
        multiplier, divisor = factor
        unit = item.unit
        append = rows.append
        cycle_of = window.cycle_of
        single_cycle = window.cycle_spans[0] if len(window.cycle_spans) == 1 else None
        levels = self.levels.setdefault(name, {})
        spans = self.spans
        running = _n.RUNNING
        scale = _SCALE
        context = CONTEXT
        new_decimal = Decimal
        scaleb = Decimal.scaleb
        normalize = Decimal.normalize
        new = _new
        set_start, set_end = _SET_START, _SET_END
        set_account, set_meter, set_resource = _SET_ACCOUNT, _SET_METER, _SET_RESOURCE
        set_span, set_cycle, set_quantity = _SET_SPAN, _SET_CYCLE, _SET_QUANTITY
        set_unit, set_description, set_record_ids = _SET_UNIT, _SET_DESCRIPTION, _SET_RECORD_IDS
        for index in range(first, count):
            begin = starts[index]
            if begin >= w1:
                break
            if statuses[index] != running:
                continue
            finish = starts[index + 1] if index + 1 < count else w1
            a = begin if begin > w0 else w0  # noqa: FURB136 - faster than max/min on the hot path
            b = finish if finish < w1 else w1  # noqa: FURB136 - faster than max/min on the hot path
            if a >= b:
                continue
            description = descriptions[index]
            # F(t) = round(level * t * multiplier / divisor, 1e-24), in units of 1e-24:
            # round(numerator * t / denominator), with exact integers.
            key = id(description)
            known = levels.get(key)
            if known is not None:
                ratio = known[1]
            else:
                try:
                    level: object = level_of(description)
                except RatekitError as error:
                    raise type(error)(
                        f"meter {name!r}, resource {resource!r} of {account!r} as described by "
                        f"record {line.openers[index]!r} at {format_us(begin)}: {error}"
                    ) from None
                if level is None:
                    ratio = None
                else:
                    if not isinstance(level, Decimal):
                        # A user's policy may return an int or a float.
                        level = to_decimal(level, f"meter {name!r} level")
                    p, q = level.as_integer_ratio()
                    ratio = (p * multiplier * _SCALE, q * divisor)
                levels[key] = (description, ratio)
            if ratio is None:
                continue
            numerator, denominator = ratio
            opener = line.openers[index]
            closer = line.openers[index + 1] if index + 1 < count else None
            opening_ids: tuple[str, ...] = () if opener is None else (opener,)
            closing_ids = opening_ids if closer is None else (*opening_ids, closer)
            cut = bisect.bisect_right(points, a)
            piece_start = a
            low, remainder = divmod(numerator * piece_start, denominator)
            twice = remainder + remainder
            if twice > denominator or (twice == denominator and low & 1):
                low += 1
            while True:
                if cut < len(points) and points[cut] < b:
                    piece_end = points[cut]
                    cut += 1
                else:
                    piece_end = b
                # _round_ratio and _from_scaled, inlined: this runs once per row.
                high, remainder = divmod(numerator * piece_end, denominator)
                twice = remainder + remainder
                if twice > denominator or (twice == denominator and high & 1):
                    high += 1
                whole, fraction = divmod(high - low, scale)
                if fraction:
                    quantity = normalize(scaleb(new_decimal(high - low), -24, context), context)
                else:
                    quantity = new_decimal(whole)
                ids = closing_ids if piece_end == finish else opening_ids
                # _new_span and _new_row, inlined.
                # Meters of one resource share the span of a piece (fewer objects).
                span_key = piece_start * _SPAN_KEY + piece_end
                span = spans.get(span_key)
                if span is None:
                    span = new(Span)
                    set_start(span, piece_start)
                    set_end(span, piece_end)
                    spans[span_key] = span
                row = new(UsageRow)
                set_account(row, account)
                set_meter(row, name)
                set_resource(row, resource)
                set_span(row, span)
                set_cycle(row, single_cycle or cycle_of(piece_start))
                set_quantity(row, quantity)
                set_unit(row, unit)
                set_description(row, description)
                set_record_ids(row, ids)
                append(row)
                if piece_end == b:
                    break
                piece_start, low = piece_end, high

    def _span(self, start_us: int, end_us: int) -> Span:
        """The current resource's span ``[start_us, end_us)``, shared by its rows."""
        key = start_us * _SPAN_KEY + end_us
        span = self.spans.get(key)
        if span is None:
            span = self.spans[key] = _new_span(start_us, end_us)
        return span

    def _pieces(self, points: list[int], line: _n.Timeline) -> list[int]:
        """The starts of the sample pieces: ``points`` and the description changes.

        A status change alone (a stop, a start with the same description) does not cut a
        sample-based row: only the description and the cycle must be constant over it.
        O(p + s) for p points and s pieces of the timeline.
        """
        window = self.window
        w0, w1 = window.start, window.end
        starts = line.starts
        descriptions = line.descriptions
        inner = []
        for index in range(bisect.bisect_right(starts, w0), len(starts)):
            t = starts[index]
            if t >= w1:
                break
            before, after = descriptions[index - 1], descriptions[index]
            if before is not after and before != after:
                inner.append(t)
        if inner:
            return [w0, *sorted(set(points).union(inner))]
        return [w0, *points]

    def _sample_rows(  # noqa: PLR0912, PLR0915, PLR0917 - one pass of the hot loop
        self,
        rows: list[UsageRow],
        account: str,
        resource: str,
        name: str,
        item: Meter,
        points: list[int],
        line: _n.Timeline,
        readings: list[Sample],
        previous: Sample | None,
    ) -> None:
        window = self.window
        w0, w1 = window.start, window.end
        deleted_at = _deleted_from(line)
        if deleted_at is not None:
            for sample in readings:
                # A sample stamped at the delete instant itself is the last report of a
                # resource going away; only a later one is odd.
                if sample.at_us <= deleted_at:
                    continue
                index = line.index_at(sample.at_us)
                if line.statuses[index] == _n.DELETED and line.starts[index] < sample.at_us:
                    self.anomalies.add(
                        sample.at_us,
                        account,
                        resource,
                        "after_delete",
                        f"{_n.label(sample)} measures {resource!r} at {format_us(sample.at_us)}, "
                        "after the resource was deleted: it is counted, with no description.",
                        (sample.id,),
                    )
        if w1 <= w0:
            if item._deltas:
                # Nothing to report on, but the policy's anomalies (resets) still count.
                list(
                    typing.cast(DeltaPolicy, item.policy).increments(
                        readings, previous, self._reporter(account, resource)
                    )
                )
            return
        pieces = self._pieces(points, line)
        count = len(pieces)
        policy = item.policy
        if item._deltas:
            sums: list[Decimal | None] = [None] * count
            ids: list[list[str] | None] = [None] * count
            bisect_right = bisect.bisect_right
            add = CONTEXT.add
            increments: Iterable[Increment]
            distinct = False  # whether each piece's ids are known to be distinct
            if type(policy) is Discrete and _sum_columns(readings, pieces, w1, sums, ids):
                # The hot path of Discrete.increments for deltas at an instant only.
                increments = ()
                distinct = True
            elif type(policy) is Discrete:
                # The hot path of Discrete.increments: the deltas at an instant are summed
                # into their pieces directly; the deltas over a span go through the loop.
                increments = _sum_instant_deltas(readings, pieces, w1, sums, ids)
            else:
                increments = typing.cast(DeltaPolicy, policy).increments(
                    readings, previous, self._reporter(account, resource)
                )
            for t0, t1, amount, record_ids in increments:
                if t0 == t1 or (t0 >= w0 and t1 <= w1):
                    # At an instant, or possibly within one piece.
                    if t0 < w0 or t0 >= w1:
                        continue
                    k = bisect_right(pieces, t0) - 1
                    if t0 == t1 or k + 1 >= count or t1 <= pieces[k + 1]:
                        total = sums[k]
                        sums[k] = amount if total is None else add(total, amount)
                        if record_ids:
                            found = ids[k]
                            if found is None:
                                ids[k] = list(record_ids)
                            else:
                                found.extend(record_ids)
                        continue
                c0 = max(t0, w0)
                c1 = min(t1, w1)
                if c0 >= c1:
                    continue
                k = bisect_right(pieces, c0) - 1
                while k < count and pieces[k] < c1:
                    a = max(pieces[k], c0)
                    b = min(pieces[k + 1] if k + 1 < count else w1, c1)
                    part = CONTEXT.subtract(
                        _apportion(amount, t0, t1, b), _apportion(amount, t0, t1, a)
                    )
                    total = sums[k]
                    sums[k] = part if total is None else add(total, part)
                    if record_ids:
                        found = ids[k]
                        if found is None:
                            ids[k] = list(record_ids)
                        else:
                            found.extend(record_ids)
                    k += 1
            for k, total in enumerate(sums):
                if total is None:
                    continue
                a = pieces[k]
                b = pieces[k + 1] if k + 1 < count else w1
                found = ids[k]
                rows.append(
                    _new_row(
                        account,
                        name,
                        resource,
                        self._span(a, b),
                        window.cycle_of(a),
                        _tidy(total),
                        item.unit,
                        line.descriptions[line.index_at(a)],
                        ()
                        if found is None
                        else tuple(found)
                        if distinct
                        else tuple(dict.fromkeys(found)),
                    )
                )
            return
        aggregate = typing.cast(SamplePolicy, policy).aggregate
        times = [sample.at_us for sample in readings]
        for k in range(count):
            a = pieces[k]
            b = pieces[k + 1] if k + 1 < count else w1
            lo = bisect.bisect_left(times, a)
            hi = bisect.bisect_left(times, b)
            before = readings[lo - 1] if lo > 0 else previous
            inside = readings[lo:hi]
            if not inside and before is None:
                continue
            quantity = aggregate(inside, a, b, before)
            if quantity is None:
                continue
            rows.append(
                _new_row(
                    account,
                    name,
                    resource,
                    self._span(a, b),
                    window.cycle_of(a),
                    _tidy(quantity),
                    item.unit,
                    line.descriptions[line.index_at(a)],
                    tuple(s.id for s in inside if s.id is not None),
                )
            )

    def _reporter(self, account: str, resource: str) -> Report:
        anomalies = self.anomalies

        def report(kind: AnomalyKind, message: str, involved: Sequence[Sample]) -> None:
            at_us = max((s.at_us for s in involved), default=self.window.start)
            anomalies.add(at_us, account, resource, kind, message, [s.id for s in involved])

        return report


def _sum_instant_deltas(
    readings: Sequence[Sample],
    pieces: list[int],
    end_us: int,
    sums: list[Decimal | None],
    ids: list[list[str] | None],
) -> list[Increment]:
    """Add each delta at an instant to the piece containing it; return the other deltas.

    Exactly what :meth:`Discrete.increments` and the general loop of the engine do, in one
    pass. ``pieces`` are the starts of the pieces, the last one ending at ``end_us``.
    O(n) for readings in time order (a bisection only when the piece changes).
    """
    over_spans: list[Increment] = []
    count = len(pieces)
    start_us = pieces[0]
    k = 0
    low = start_us
    high = pieces[1] if count > 1 else end_us
    add = CONTEXT.add
    for sample in readings:
        at_us = sample.at_us
        since_us = sample.since_us
        if since_us is not None and since_us != at_us:
            sid = sample.id
            over_spans.append((since_us, at_us, sample.value, () if sid is None else (sid,)))
            continue
        if at_us < start_us or at_us >= end_us:
            continue
        if not low <= at_us < high:
            k = bisect.bisect_right(pieces, at_us) - 1
            low = pieces[k]
            high = pieces[k + 1] if k + 1 < count else end_us
        total = sums[k]
        value = sample.value
        sums[k] = value if total is None else add(total, value)
        sid = sample.id
        if sid is not None:
            found = ids[k]
            if found is None:
                ids[k] = [sid]
            else:
                found.append(sid)
    return over_spans


_SINCE: Final = operator.attrgetter("since_us")
_VALUE: Final = operator.attrgetter("value")
_ID: Final = operator.attrgetter("id")


def _sum_columns(
    readings: Sequence[Sample],
    pieces: list[int],
    end_us: int,
    sums: list[Decimal | None],
    ids: list[list[str] | None],
) -> bool:
    """What :func:`_sum_instant_deltas` does, at C speed, when every delta is at an instant.

    Returns ``False``, having done nothing, when some delta covers a span. ``readings``
    are in time order; each piece sums a slice of their values, as the same left fold in
    the same order. One resource's samples have distinct ids (grouping drops replays), so
    a piece's ids need no deduplication. O(n + p log n) for p pieces.
    """
    if list(map(_SINCE, readings)).count(None) != len(readings):
        return False
    times = list(map(_n._BY_TIME, readings))
    values = list(map(_VALUE, readings))
    column = list(map(_ID, readings))
    count = len(pieces)
    add = CONTEXT.add
    lo = bisect.bisect_left(times, pieces[0])
    for k in range(count):
        hi = bisect.bisect_left(times, pieces[k + 1] if k + 1 < count else end_us, lo)
        if hi > lo:
            sums[k] = functools.reduce(add, values[lo:hi])
            found = list(filter(None, column[lo:hi]))
            if found:
                ids[k] = found
        lo = hi
    return True


def _sort_samples(samples: list[Sample]) -> None:
    """Sort by ``(at, seq, value, id)``: by time at C speed, the full key only on ties."""
    samples.sort(key=_n._BY_TIME)
    times = list(map(_n._BY_TIME, samples))
    if len(set(times)) != len(times):
        samples.sort(key=_sample_order)


def _sample_order(sample: Sample) -> tuple[int, int, Decimal, str]:
    seq = sample.seq
    return (sample.at_us, -1 if seq is None else seq, sample.value, sample.id or "")


def _deleted_from(line: _n.Timeline) -> int | None:
    for start, status in zip(line.starts, line.statuses, strict=True):
        if status == _n.DELETED:
            return start
    return None


def _restore(state: ResourceState) -> _n.Timeline:
    line = _n.Timeline()
    status = _n.STATUS_NAMES.index(state.status)
    if status != _n.UNKNOWN and state.since_us is not None:
        description = state.description
        assert isinstance(description, _FrozenDict)
        line.push(state.since_us, description, status, state.opened_by)
    if state.clock_us is not None:
        line.clock_us = state.clock_us
        line.last_event_us = state.clock_us
    line.seq = state.seq
    return line


def _previous_reading(
    state: ResourceState | None, account: str, resource: str, name: str
) -> Sample | None:
    if state is None:
        return None
    for meter_name, at_us, value, kind, record_id in state.readings:
        if meter_name == name:
            sample = object.__new__(Sample)
            sample.__attrs_init__(
                account,
                resource,
                meter_name,
                at_us,
                value,
                typing.cast("SampleKind", kind),
                None,
                record_id,
                None,
            )
            return sample
    return None


def _state_of(
    account: str,
    resource: str,
    line: _n.Timeline,
    per_meter: Mapping[str, list[Sample]],
    previous: ResourceState | None,
) -> ResourceState:
    readings = {entry[0]: entry for entry in (previous.readings if previous else ())}
    for name, samples in per_meter.items():
        if samples:
            last = samples[-1]
            readings[name] = (name, last.at_us, last.value, last.kind, last.id)
    status = line.statuses[-1]
    return ResourceState(
        account,
        resource,
        _n.STATUS_NAMES[status],
        line.descriptions[-1],
        line.starts[-1] if status != _n.UNKNOWN else None,
        line.openers[-1],
        line.clock_us if line.clock_us != _n.NEVER else None,
        line.seq,
        tuple(readings[name] for name in sorted(readings)),
    )
