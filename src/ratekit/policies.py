"""Cost policies and meters: how usage over a piece of time becomes a quantity.

A [`Meter`][ratekit.Meter] names what is measured, its unit and its **cost policy**. There are three
kinds of policy, each a small `typing.Protocol` (a user-written policy plugs in the
same way as the built-ins):

- [`TimePolicy`][ratekit.TimePolicy] (``level(description)``): the quantity accrues over time at a level
  derived from the description, while the resource runs. [`OnOff`][ratekit.OnOff] (instance-hours
  while running, or while a condition holds) and [`Continuous`][ratekit.Continuous] (GiB-hours of a disk,
  MB x instances x hours of an app).
- [`DeltaPolicy`][ratekit.DeltaPolicy] (``accepts(kind)``, ``increments(...)``): samples become amounts at
  an instant or over a span; amounts over a span are apportioned linearly to the pieces
  they cover. [`Discrete`][ratekit.Discrete] (the sum of deltas) and [`Counter`][ratekit.Counter] (cumulative
  readings turned into reset-aware deltas).
- [`SamplePolicy`][ratekit.SamplePolicy] (``accepts(kind)``, ``aggregate(...)``): an aggregation of the
  readings: [`Max`][ratekit.Max], [`Min`][ratekit.Min], [`Latest`][ratekit.Latest], [`Count`][ratekit.Count],
  [`UniqueCount`][ratekit.UniqueCount], [`Percentile`][ratekit.Percentile], [`TimeWeightedMean`][ratekit.TimeWeightedMean].
"""

from __future__ import annotations

import math
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Final, Literal, Protocol, runtime_checkable

import attrs

from . import _normalize as _n
from ._decimals import CONTEXT, ONE, ZERO, to_decimal
from ._decimals import tidy as _tidy
from ._instants import MAX_US, MIN_US, format_us
from ._paths import MISSING, lookup
from .errors import BadQuantityError, BadRecordError, RatekitTypeError, UnitError
from .records import (
    MAX_DIGITS,
    AnomalyKind,
    Sample,
    _attribute_value,
    _number_value,
)
from .units import Unit, microseconds_per

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
    may not declare ``additive = False`` (see [`SamplePolicy`][ratekit.SamplePolicy]).

    A policy may state the unit of its level with a ``level_unit`` attribute (a unit
    string or [`Unit`][ratekit.Unit]; ``None`` or absent: the meter's unit divided by its
    time unit); the [`Meter`][ratekit.Meter] then converts the level exactly into its own unit, and
    refuses an incompatible pair with [`UnitError`][ratekit.UnitError] when it is built.

    Examples:
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
    [`BadRecordError`][ratekit.BadRecordError]). ``increments(readings, previous, report)`` gets one
    resource's samples of the meter in ``(at, seq)`` order, and ``previous``, the last
    reading carried from an earlier call (or ``None``); it returns `Increment`
    tuples. It may call ``report(kind, message, samples)`` to record an anomaly. An
    amount at an instant goes to the piece that contains it; an amount over a span is
    apportioned linearly (and exactly: the parts add up to the amount), so a delta-based
    quantity always adds up over pieces: a policy may not declare ``additive = False``.

    A policy may also define ``baseline(first, started_us)``: when no reading was carried,
    metering asks it for the ``previous`` reading to count the first one from, giving the
    start of the running stretch that contains the first reading (or ``None``); see
    [`Counter.baseline()`][ratekit.Counter.baseline].

    Examples:
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
    proportion to time. An additive one (``additive = True``: [`Count`][ratekit.Count]) is
    aggregated per piece, and its pieces add up.

    Examples:
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


# -- the door of the protocol methods ------------------------------------------------------
#
# The built-ins' protocol methods are public: metering calls them, and so may a user (to
# test a policy, or from a policy of their own that delegates to a built-in). Their
# arguments are checked here, once per call (not per reading: metering calls them once per
# description, per resource or per piece), so a wrong one is a RatekitTypeError naming the
# policy, the method and the argument, never an AttributeError from inside.


def _refused(
    policy: object, method: str, argument: str, value: object, accepted: str
) -> RatekitTypeError:
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:60] + "..." + shown[-12:]
    return RatekitTypeError(
        f"{type(policy).__name__}.{method} {argument} must be {accepted}, "
        f"not {type(value).__name__}: {shown}."
    )


def _description(policy: object, method: str, description: object) -> Description:
    if not isinstance(description, Mapping):
        raise _refused(
            policy, method, "description", description, "a mapping of attribute names to values"
        )
    return description


def _readings(policy: object, method: str, readings: object) -> Sequence[Sample]:
    """Samples in ``at`` order (what metering passes): O(n)."""
    accepted = "a list of Samples in (at, seq) order"
    if isinstance(readings, str | bytes) or not isinstance(readings, Sequence):
        raise _refused(policy, method, "readings", readings, accepted)
    last = None
    for sample in readings:
        if type(sample) is not Sample:
            raise _refused(policy, method, "readings", readings, accepted)
        if last is not None and sample.at_us < last:
            raise RatekitTypeError(
                f"{type(policy).__name__}.{method} readings must be in (at, seq) order, but "
                f"{_n.label(sample)} at {format_us(sample.at_us)} comes after a reading at "
                f"{format_us(last)}."
            )
        last = sample.at_us
    return readings


def _sample(policy: object, method: str, argument: str, value: object) -> Sample | None:
    if value is not None and type(value) is not Sample:
        raise _refused(policy, method, argument, value, "a Sample or None")
    return value


_US_LIMIT: Final = 2**63


def _piece(policy: object, start_us: object, end_us: object) -> None:
    for argument, value in (("start_us", start_us), ("end_us", end_us)):
        if type(value) is not int or not -_US_LIMIT <= value < _US_LIMIT:
            raise _refused(
                policy, "aggregate", argument, value, "an int of epoch microseconds (64 bits)"
            )
    if end_us < start_us:  # type: ignore[operator] # ints, checked above
        raise RatekitTypeError(
            f"{type(policy).__name__}.aggregate piece [{start_us}, {end_us}) ends before it "
            "starts; give start_us <= end_us."
        )


def _aggregated(
    policy: object, readings: object, start_us: object, end_us: object, before: object
) -> Sequence[Sample]:
    """The door of ``aggregate(readings, start_us, end_us, before)``."""
    _piece(policy, start_us, end_us)
    _sample(policy, "aggregate", "before", before)
    return _readings(policy, "aggregate", readings)


def _incremented(
    policy: object, readings: object, previous: object, report: object
) -> Sequence[Sample]:
    """The door of ``increments(readings, previous, report)``."""
    _sample(policy, "increments", "previous", previous)
    if not callable(report):
        raise _refused(
            policy, "increments", "report", report, "a function report(kind, message, samples)"
        )
    return _readings(policy, "increments", readings)


# -- conditions and levels -------------------------------------------------------------------


def _condition(when: object) -> Callable[[Description], bool] | None:
    if when is None:
        return None
    if isinstance(when, Mapping):
        for key in when:
            if not isinstance(key, str):
                raise RatekitTypeError(
                    f"a condition's attribute names must be strings, not {key!r}."
                )
        # The expected values pass the attributes' door: a float is the Decimal of its
        # shortest repr (0.1 matches Decimal('0.1')), lists and mappings are frozen.
        expected = tuple(
            (key, _attribute_value(value, "condition", key)) for key, value in when.items()
        )
        return _Matches(expected)
    if callable(when):
        return typing.cast(Callable[[Description], bool], when)
    raise RatekitTypeError(
        "a condition is None, a mapping of attribute values that must all be equal "
        f"(e.g. {{'state': 'STARTED'}}), or a function of the description, not "
        f"{type(when).__name__}: {when!r}."
    )


# The functions a condition or a level is read with are module-level classes, not
# closures, so that policies, meters and plans pickle (to travel to another process).


class _Matches:
    """A condition given as a mapping: every named attribute equals its value."""

    __slots__ = ("expected",)

    def __init__(self, expected: tuple[tuple[str, object], ...]) -> None:
        self.expected = expected

    def __call__(self, description: Description) -> bool:
        return all(lookup(description, key) == value for key, value in self.expected)

    def __reduce__(self) -> tuple[object, ...]:
        return (_Matches, (self.expected,))


class _Single:
    """A level read from one attribute."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, description: Description) -> Decimal | None:
        return _number(description, self.name)

    def __reduce__(self) -> tuple[object, ...]:
        return (_Single, (self.name,))


class _Product:
    """A level that is the product of several attributes, exact."""

    __slots__ = ("multiply", "names")

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        # Enough digits for the exact product of factors of at most MAX_DIGITS digits each.
        exact = CONTEXT.copy()
        exact.prec = MAX_DIGITS * len(names)
        self.multiply = exact.multiply

    def __call__(self, description: Description) -> Decimal | None:
        result = ONE
        multiply = self.multiply
        for name in self.names:
            factor = _number(description, name)
            if factor is None:
                return None
            result = multiply(result, factor)
        return result

    def __reduce__(self) -> tuple[object, ...]:
        return (_Product, (self.names,))


class _Computed:
    """A level computed by the user's function of the description, read at the door."""

    __slots__ = ("function",)

    def __init__(self, function: Callable[[Description], object]) -> None:
        self.function = function

    def __call__(self, description: Description) -> Decimal | None:
        value = self.function(description)
        if value is None:
            return None
        return _number_value(to_decimal(value, "the level"), "the level")

    def __reduce__(self) -> tuple[object, ...]:
        return (_Computed, (self.function,))


def _number(description: Description, name: str) -> Decimal | None:
    value = lookup(description, name)
    if value is MISSING or value is None:
        return None
    if isinstance(value, Decimal | int | str) and not isinstance(value, bool):
        return to_decimal(value, f"attribute {name!r}")  # the door checks the range
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

    Examples:
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
        _description(self, "level", description)
        test = self._test
        return ONE if test is None or test(description) else None

    def __repr__(self) -> str:
        return "OnOff()" if self.when is None else f"OnOff(when={self.when!r})"


def _level(level: object) -> Callable[[Description], Decimal | None]:
    if isinstance(level, str):
        return _Single(level)
    if isinstance(level, tuple) and level and all(isinstance(name, str) for name in level):
        return _Product(level)
    if callable(level):
        return _Computed(typing.cast(Callable[[Description], object], level))
    raise RatekitTypeError(
        "a level is an attribute name ('size_gb'), a tuple of names whose values multiply "
        "(('memory_mb', 'instances')), or a function of the description, "
        f"not {type(level).__name__}: {level!r}."
    )


def _level_unit(unit: object, level: object) -> Unit | None:
    """The unit of a [`Continuous`][ratekit.Continuous] level: one unit, or the product of one per name."""
    if unit is None:
        return None
    if isinstance(unit, str | Unit):
        return Unit(unit)
    if isinstance(unit, tuple) and all(isinstance(item, str | Unit) for item in unit):
        if not (isinstance(level, tuple) and len(level) == len(unit)):
            raise UnitError(
                f"Continuous unit {unit!r} gives one unit per attribute, so the level must be "
                f"a tuple of as many attribute names, not {level!r}; for a single attribute "
                "or a function give one unit (unit='MB')."
            )
        product = Unit("1")
        for item in unit:
            product = product * Unit(item)
        return product
    raise RatekitTypeError(
        "a level's unit is None (the meter's own), a unit such as 'MB', or for a tuple of "
        "attributes a tuple of units, one per attribute (('MB', 'count')), "
        f"not {type(unit).__name__}: {unit!r}."
    )


@typing.final
@attrs.frozen(repr=False)
class Continuous:
    """The integral over time of a level derived from the description, while running.

    ``level`` is an attribute name (``"size_gb"``), a dotted path into a nested description
    (``"properties.size"``, see `ratekit._paths`), a tuple of names whose values
    multiply (``("memory_mb", "instances")`` for Cloud Foundry's MB x instances), or a
    function of the description returning a number or ``None``. ``when`` restricts it as
    for [`OnOff`][ratekit.OnOff]. A resource whose description lacks one of the attributes accrues
    nothing on this meter (an instance has no ``size_gb``, so a storage meter passes it
    by); an attribute that is not a number (a numeric string such as ``"2361393152"`` is
    one) raises [`BadRecordError`][ratekit.BadRecordError] naming the meter, the resource, the
    attribute and the event that set it.

    ``unit`` is the unit the level is read in: ``None`` (the default) takes it in the
    meter's unit divided by its time unit (a ``"MB*hour"`` meter reads the level in MB);
    a unit (``unit="MB"``) is converted exactly into the meter's unit, so
    ``Meter("memory", "GiB*hour", Continuous("memory_mb", unit="MB"))`` reads megabytes as
    megabytes (1024 MB for an hour is 0.95367431640625 GiB*hour). For a tuple of
    attributes, ``unit`` is the unit of their product (``"MB"``), or a tuple of units, one
    per attribute, that multiply (``("MB", "count")``). [`level_unit`][ratekit.Continuous.level_unit] is that unit; a
    [`Meter`][ratekit.Meter] whose unit is not it times a unit of time raises
    [`UnitError`][ratekit.UnitError] when it is built.

    Examples:
        >>> import ratekit as rk
        >>> app = rk.Continuous(("memory_mb", "instances"), when={"state": "STARTED"})
        >>> app.level({"state": "STARTED", "memory_mb": 512, "instances": 3})
        Decimal('1536')
        >>> app
        Continuous(('memory_mb', 'instances'), when={'state': 'STARTED'})
        >>> image = rk.Continuous("properties.size", unit="B")
        >>> image.level({"properties": {"size": "2361393152"}}), image.level_unit
        (Decimal('2361393152'), Unit('B'))
        >>> rk.Continuous(("memory_mb", "instances"), unit=("MB", "count")).level_unit
        Unit('MB*count')
    """

    level_of: str | tuple[str, ...] | Callable[[Description], object] = attrs.field(alias="level")
    when: Condition | None = None
    unit: str | tuple[str, ...] | None = attrs.field(default=None, kw_only=True)
    _unit: Unit | None = attrs.field(
        init=False,
        eq=False,
        default=attrs.Factory(lambda self: _level_unit(self.unit, self.level_of), takes_self=True),
    )
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

    @property
    def level_unit(self) -> Unit | None:
        """The unit the level is read in, or ``None`` for the meter's own."""
        return self._unit

    def level(self, description: Description) -> Decimal | None:
        """The level under ``description`` when ``when`` holds, else ``None``."""
        _description(self, "level", description)
        test = self._test
        if test is not None and not test(description):
            return None
        return self._compute(description)

    def __repr__(self) -> str:
        text = f"Continuous({self.level_of!r}"
        if self.when is not None:
            text += f", when={self.when!r}"
        if self.unit is not None:
            text += f", unit={self.unit!r}"
        return text + ")"


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
      reading, the first.

    Examples:
        >>> import ratekit as rk
        >>> rk.Counter().accepts("counter"), rk.Counter(from_zero=True)
        (True, Counter(from_zero=True))
    """

    from_zero: bool = attrs.field(default=False, kw_only=True)

    @from_zero.validator
    def _check_from_zero(self, attribute: object, value: object) -> None:
        if not isinstance(value, bool):
            raise RatekitTypeError(f"Counter from_zero must be True or False, not {value!r}.")

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

    def _deltas(
        self, readings: Sequence[Sample], previous: Sample | None, report: Report
    ) -> Iterator[Increment]:
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

    def __repr__(self) -> str:
        return "Counter(from_zero=True)" if self.from_zero else "Counter()"


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

    Examples:
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
        readings = _aggregated(self, readings, start_us, end_us, before)
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


def _read_unit(unit: str, name: str) -> Unit:
    try:
        return Unit(unit)
    except UnitError as error:
        raise UnitError(f"Meter {name!r} unit: {error}") from None


def _is_time(term: str) -> bool:
    try:
        return Unit(term).kind == "time"
    except UnitError:  # pragma: no cover - a canonical text's names always read
        return False


def _time_factor(unit: Unit, name: str, level_unit: object, given: str) -> tuple[int, int]:
    """``(multiplier, divisor)`` turning ``level * microseconds`` into the meter's unit.

    Without a level unit, the meter's unit must be a product (``*``) with exactly one time
    term (``"hour"``, ``"GiB*hour"``, ``"MB*ns"``); the other terms are the level's unit.
    With one, the level's unit times microseconds must convert into the meter's unit.
    """
    if level_unit is not None:
        level = Unit(typing.cast(str | Unit, level_unit))
        try:
            ratio = (level * "us").factor_to(unit)
        except UnitError:
            raise UnitError(
                f"Meter {name!r} reads its level in {level.text!r} ({level.kind}), so its unit "
                f"must be that times a unit of time, like '{level.text}*hour'; {given!r} "
                f"measures {unit.kind}, not {(level * 'us').kind}."
            ) from None
        return ratio.numerator, ratio.denominator
    above, _, below = unit.text.partition("/")
    times = [term for term in above.split("*") if _is_time(term.partition("^")[0])]
    if below or len(times) != 1 or "^" in times[0]:
        raise UnitError(
            f"Meter {name!r} has a time-based policy, so its unit must be a product with one "
            f"unit of time, like 'hour', 'GiB*hour' or 'MB*ns', not {given!r}."
        )
    per = microseconds_per(times[0])
    # quantity = level * t_us / per = level * t_us * per.denominator / per.numerator
    return per.denominator, per.numerator


@typing.final
@attrs.frozen(init=False, repr=False)
class Meter:
    """What is measured: a ``name``, the ``unit`` of its quantities and its cost ``policy``.

    ``unit`` must read as a unit ([`ratekit.units`][ratekit.units]; ``"MB-ns"`` and ``"GB·hour"`` do,
    ``"hour*!!"`` raises [`UnitError`][ratekit.UnitError]). A time-based policy
    ([`OnOff`][ratekit.OnOff], [`Continuous`][ratekit.Continuous], any [`TimePolicy`][ratekit.TimePolicy]) needs a unit that is its
    level's unit times a unit of time: with a stated ``level_unit`` (``Continuous("memory_mb",
    unit="MB")``) the level is converted exactly into the meter's unit, and an incompatible
    pair raises [`UnitError`][ratekit.UnitError] here; without one, the unit must have exactly
    one unit of time (``"hour"``, ``"GiB*hour"``, ``"MB*ns"``) and the level is read in the
    rest. Sample-based policies take any unit; their quantities are the samples' values,
    taken to be in that unit.

    Examples:
        >>> import ratekit as rk
        >>> rk.Meter("memory", "MB*hour", rk.Continuous(("memory_mb", "instances")))
        Meter('memory', 'MB*hour', Continuous(('memory_mb', 'instances')))
        >>> rk.Meter("memory", "GiB*hour", rk.Continuous("memory_mb", unit="MB"))
        Meter('memory', 'GiB*hour', Continuous('memory_mb', unit='MB'))
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
        read = _read_unit(unit, name)
        deltas = False
        if isinstance(policy, TimePolicy):
            level_unit = getattr(policy, "level_unit", None)
            factor: tuple[int, int] | None = _time_factor(read, name, level_unit, unit)
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
        """Whether the policy's quantity adds up over pieces of time (see [`SamplePolicy`][ratekit.SamplePolicy]).

        Examples:
            >>> import ratekit as rk
            >>> rk.Meter("peak", "user", rk.Max()).additive, rk.Meter("h", "hour", rk.OnOff()).additive
            (False, True)
        """
        return self._additive

    def __repr__(self) -> str:
        return f"Meter({self.name!r}, {self.unit!r}, {self.policy!r})"


def meters_of(meters: object, what: str) -> dict[str, Meter]:
    """The door for a list of meters: ``{name: meter}``, or a [`RatekitTypeError`][ratekit.RatekitTypeError].

    ``meters`` must be an iterable (a list or tuple) of [`Meter`][ratekit.Meter] values with
    unique names; ``what`` names the argument in the error (``"rate meters"``). O(n).
    """
    if isinstance(meters, str | bytes | Mapping) or not isinstance(meters, Iterable):
        raise RatekitTypeError(
            f"{what} must be an iterable (a list or tuple), not {type(meters).__name__}: {meters!r}."
        )
    out: dict[str, Meter] = {}
    for item in meters:
        if not isinstance(item, Meter):
            raise RatekitTypeError(
                f"{what} must be Meter values, not {type(item).__name__}: {item!r}."
            )
        if item.name in out:
            raise RatekitTypeError(f"two meters are named {item.name!r}; meter names are unique.")
        out[item.name] = item
    return out
