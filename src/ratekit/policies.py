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

import typing
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Protocol, runtime_checkable

import attrs

from . import _values as _v
from ._caller_objects import raised
from ._delta_policies import Counter, Discrete
from ._entry_points import plain_text
from ._policy_doors import Description, Increment
from ._policy_doors import Report as Report  # noqa: PLC0414 - metering reads it here
from ._sample_policies import (
    Count,
    Latest,
    Max,
    Min,
    Percentile,
    TimeWeightedMean,
    UniqueCount,
)
from ._shown import show
from ._text import check_text, plain_choice
from ._time_policies import Continuous, OnOff
from .errors import BadPolicyError, RatekitError, RatekitTypeError, UnitError
from .records import Sample
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

# -- policies: the protocols ----------------------------------------------------------------


@runtime_checkable
class TimePolicy(Protocol):
    """A policy whose quantity accrues over time while the resource runs.

    ``level(description)`` is the rate per unit of the meter's time unit for a piece with
    that description, or ``None`` when nothing accrues: a finite number (an ``int``, a
    ``Decimal``, or a ``float`` through its shortest ``repr``; a NaN or an infinity is a
    [`BadQuantityError`][ratekit.BadQuantityError] naming the meter and the record). Metering integrates it exactly over
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
    tuples ``(start_us, end_us, amount, record_ids)``: ``start_us <= end_us``, ints of epoch
    microseconds; ``amount`` a finite ``Decimal`` (or an ``int``, read exactly) in ratekit's
    range; ``record_ids`` a tuple of strings. Metering checks what a policy of your own
    returns: anything else (a NaN, a float, text) is a
    [`RatekitError`][ratekit.RatekitError] naming the meter, the policy and the value.
    It may call ``report(kind, message, samples)`` to record an anomaly. An
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
    order (but a gauge reading corrected by one of a greater ``seq`` at its instant: it
    counts in no aggregation, see docs/usage.md) and ``before``, the last reading before
    the piece (or ``None``); it returns the
    piece's quantity, a finite ``Decimal`` (or an ``int``, read exactly) in ratekit's
    range, or ``None`` for no row. Metering checks what a policy of your own returns:
    anything else (a NaN, a float, text, a bool) is a [`RatekitError`][ratekit.RatekitError]
    naming the meter, the policy and the value.

    ``additive`` (an optional class or instance attribute, a bool) says whether the
    quantity adds up over pieces. Most aggregations do not (the max of a month is not the
    sum of the maxima of its halves): a **non-additive** policy (``additive = False``, the
    default for a policy that does not say) is aggregated once per resource and cycle,
    over the whole cycle inside the metered span, and its rows share that aggregate in
    proportion to time. An additive one (``additive = True``: [`Count`][ratekit.Count]) is
    aggregated per piece, and its pieces add up. An additive policy's readings must
    also add up on their own, whatever came before them: metering a state's late
    readings (and the rater's too-late ones) aggregates them alone, per cycle, with
    ``before=None``, and adds that to what was metered. One whose quantity depends on
    ``before`` (an integral of a level held on, say) is not additive in this sense: its
    late rows would count the cycle's part before them again; declare it non-additive,
    or integrate the level with a [`Continuous`][ratekit.Continuous] meter.

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
            f"unit of time, like 'hour', 'GiB*hour' or 'MB*ns', not {show(given)}."
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
    # Read from the policy and the unit at the door, so attrs.evolve reads them anew.
    _factor: tuple[int, int] | None = attrs.field(eq=False, init=False)
    _deltas: bool = attrs.field(eq=False, init=False)
    _additive: bool = attrs.field(eq=False, init=False)

    def __init__(self, name: str, unit: str, policy: Policy) -> None:
        name, unit = plain_choice(name), plain_choice(unit)  # type: ignore[assignment]
        if not isinstance(name, str) or not name:
            raise RatekitTypeError(f"Meter name must be a non-empty string, not {show(name)}.")
        if not isinstance(unit, str) or not unit:
            raise RatekitTypeError(
                f"Meter {name!r} unit must be a non-empty string, not {show(unit)}."
            )
        check_text(name, "Meter name")
        check_text(unit, f"Meter {name!r} unit")
        read = _read_unit(unit, name)
        deltas = False
        if isinstance(policy, type):
            # A class has its methods too, unbound: it would pass the checks below and
            # fail only when metering calls them, as "level() missing 1 argument".
            raise RatekitTypeError(
                f"Meter {name!r} policy must be a policy, an instance such as "
                f"{policy.__name__}(), not the class {policy.__name__} itself."
            )
        try:  # a protocol check reads the policy's attributes: its own code may raise
            timed = isinstance(policy, TimePolicy)
            sampled = not timed and isinstance(policy, DeltaPolicy | SamplePolicy)
        except Exception as error:
            raise BadPolicyError(
                f"Meter {name!r} policy {type(policy).__name__} could not be read: its "
                f"attributes raised {raised(error)}; give a policy such as rk.OnOff() or "
                "rk.Discrete(), or one of your own with plain methods."
            ) from error
        if timed:
            level_unit = _declared(policy, "level_unit", None, name)
            factor: tuple[int, int] | None = _time_factor(read, name, level_unit, unit)
        elif sampled:
            factor = None
            deltas = isinstance(policy, DeltaPolicy)
        else:
            raise RatekitTypeError(
                f"Meter {name!r} policy must have a level(description) method (a time-based "
                "policy), or accepts(kind) with increments(...) or aggregate(...) (a "
                f"sample-based one), not {type(policy).__name__}: {show(policy)}."
            )
        additive = _declared(policy, "additive", factor is not None or deltas, name)
        if not isinstance(additive, bool):
            raise RatekitTypeError(
                f"Meter {name!r} policy {show(policy)} declares additive={show(additive)}; it must be "
                "True or False."
            )
        if not additive and (factor is not None or deltas):
            raise RatekitTypeError(
                f"Meter {name!r} policy {show(policy)} declares additive=False, but a time- or "
                "delta-based quantity always adds up over pieces; only a sample aggregation "
                "(aggregate(...)) may be non-additive."
            )
        self.__attrs_init__(name, unit, policy)
        _set = object.__setattr__
        _set(self, "_factor", factor)
        _set(self, "_deltas", deltas)
        _set(self, "_additive", additive)

    @property
    def additive(self) -> bool:
        """Whether the policy's quantity adds up over pieces of time (see [`SamplePolicy`][ratekit.SamplePolicy]).

        Examples:
            >>> import ratekit as rk
            >>> rk.Meter("peak", "user", rk.Max()).additive, rk.Meter("h", "hour", rk.OnOff()).additive
            (False, True)
        """
        return self._additive

    @plain_text
    def __repr__(self) -> str:
        return f"Meter({self.name!r}, {self.unit!r}, {self.policy!r})"


def _declared(policy: object, attribute: str, default: object, name: str) -> object:
    """What ``policy`` declares as ``attribute`` (``default`` when absent). O(1).

    A property of the user's own that raises (not a ratekit error) is a
    `BadPolicyError` naming the meter and the policy, its exception chained.
    """
    try:
        return getattr(policy, attribute, default)
    except RatekitError:
        raise
    except Exception as error:  # the policy's own failure, named
        raise BadPolicyError(
            f"Meter {name!r} policy {type(policy).__name__}.{attribute} raised "
            f"{type(error).__name__} ({error}); declare it as a plain value, or leave it out."
        ) from error


def meters_of(meters: object, what: str) -> dict[str, Meter]:
    """The door for a list of meters: ``{name: meter}``, or a [`RatekitTypeError`][ratekit.RatekitTypeError].

    ``meters`` must be an iterable (a list or tuple) of [`Meter`][ratekit.Meter] values with
    unique names; ``what`` names the argument in the error (``"rate meters"``). O(n).
    """
    out: dict[str, Meter] = {}
    for item in _v.collection(meters, what):
        if not isinstance(item, Meter):
            raise RatekitTypeError(
                f"{what} must be Meter values, not {type(item).__name__}: {show(item)}."
            )
        if item.name in out:
            raise RatekitTypeError(f"two meters are named {item.name!r}; meter names are unique.")
        out[item.name] = item
    return out
