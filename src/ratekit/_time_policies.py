"""The built-in time-based policies: [`OnOff`][ratekit.OnOff] and [`Continuous`][ratekit.Continuous].

Both are [`TimePolicy`][ratekit.TimePolicy] values: a level derived from the description
(1, or an attribute, a product of attributes, a function), under an optional condition.
Imported from `ratekit.policies`.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Final

import attrs

from ._caller_objects import read_items
from ._decimals import CONTEXT, ONE, to_decimal
from ._descriptions import (
    MAX_DIGITS,
    _attribute_value,
    _number_value,
)
from ._entry_points import plain_text
from ._frozen_map import FrozenMap
from ._paths import MISSING, checked_path, lookup
from ._policy_doors import Condition, Description, _description
from ._shown import show
from .errors import BadRecordError, RatekitTypeError, UnitError
from .selectors import _CONDITIONS, _same
from .units import Unit

# -- conditions and levels -------------------------------------------------------------------


def _condition(when: object) -> Callable[[Description], bool] | None:
    if when is None:
        return None
    if isinstance(when, Mapping):
        # read once (a caller's mapping runs its own code); a name given as a str
        # subclass is the text it holds, its own __eq__ and __hash__ left out
        items = [
            (str.__str__(key) if isinstance(key, str) else key, value)
            for key, value in read_items(
                when,
                "a condition",
                f"mapping ({type(when).__name__})",
                "a dict of attribute values such as {'state': 'STARTED'}",
            )
        ]
        for key, value in items:
            if not isinstance(key, str):
                raise RatekitTypeError(
                    f"a condition's attribute names must be strings, not {show(key)}."
                )
            checked_path(key, "a condition's attribute")
            _plain_expected(key, value)
        # The expected values pass the attributes' door: a float is the Decimal of its
        # shortest repr (0.1 matches Decimal('0.1')), lists and mappings are frozen.
        expected = tuple((key, _attribute_value(value, "condition", key)) for key, value in items)
        return _Matches(expected)
    if callable(when):
        return typing.cast(Callable[[Description], bool], when)
    raise RatekitTypeError(
        "a condition is None, a mapping of attribute values that must all be equal "
        f"(e.g. {{'state': 'STARTED'}}), or a function of the description, not "
        f"{type(when).__name__}: {show(when)}."
    )


#: The names of the selector conditions, as plan data tags them (``{"type": "OneOf", ...}``).
_CONDITION_NAMES: Final = frozenset(condition.__name__ for condition in _CONDITIONS)


def _plain_expected(key: str, value: object) -> None:
    """Refuse a selector condition where a meter's condition expects a value to equal.

    A policy's ``when`` compares attribute values for equality. A selector condition
    (`OneOf(...)`, or in plan data its tagged form ``{"type": "OneOf", ...}``, which would
    otherwise be read as a nested value no description equals, so the meter would count
    nothing) is a price entry's ``where``: say so, and what ``when`` takes. O(1).
    """
    tagged = isinstance(value, Mapping) and value.get("type") in _CONDITION_NAMES
    if isinstance(value, _CONDITIONS) or tagged:
        raise RatekitTypeError(
            f"a condition's attribute {key!r} holds the selector condition {show(value)}; "
            "a meter's condition compares attribute values for equality (e.g. "
            "{'state': 'active'}): a selector condition such as OneOf(...) is a price "
            "entry's where=, and any other test is a function of the description "
            "returning a bool, given in Python."
        )


def _frozen_condition(when: object) -> object:
    """``when`` as the policy keeps it: a mapping copied and frozen, anything else as given.

    A mapping is the caller's: kept as given, a change made to it after the policy was
    built changed the policy's repr, equality and plan data but not what it matched (that
    was read when it was built), and a policy holding a dict could not be hashed. So it
    is read once, here, into a read-only mapping of its checked values.
    """
    if isinstance(when, Mapping):
        test = _condition(when)  # checks it, raising as before
        frozen: FrozenMap[str, object] = FrozenMap(dict(typing.cast(_Matches, test).expected))
        return frozen
    return when


# The functions a condition or a level is read with are module-level classes, not
# closures, so that policies, meters and plans pickle (to travel to another process).


class _Matches:
    """A condition given as a mapping: every named attribute equals its value."""

    __slots__ = ("expected",)

    def __init__(self, expected: tuple[tuple[str, object], ...]) -> None:
        self.expected = expected

    def __call__(self, description: Description) -> bool:
        # Equal, and a flag only to a flag: a price's selector's own rule (`_same`), as it
        # reads the same mapping (Python counts True == 1, a condition does not).
        return all(_same(lookup(description, key), value) for key, value in self.expected)

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
        return _not_negative(
            _number_value(to_decimal(value, "the level"), "the level"), "the level"
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (_Computed, (self.function,))


def _not_negative(level: Decimal, what: str) -> Decimal:
    """``level``, refused when negative: a level measures what runs (a size, a count)."""
    if level < 0:
        raise BadRecordError(
            f"{what} is {CONTEXT.to_sci_string(level)}, a negative level; a Continuous level measures what runs (a "
            "size, a memory, a count of instances) and is never negative, so it must be a "
            "number >= 0 (a credit or a correction is a negative 'delta' sample on a "
            "Discrete meter)."
        )
    return level


def _number(description: Description, name: str) -> Decimal | None:
    value = lookup(description, name)
    if value is MISSING or value is None:
        return None
    if isinstance(value, Decimal | int | str) and not isinstance(value, bool):
        # The door checks the range.
        return _not_negative(to_decimal(value, f"attribute {name!r}"), f"attribute {name!r}")
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

    when: Condition | None = attrs.field(default=None, converter=_frozen_condition)
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

    @plain_text
    def __repr__(self) -> str:
        return "OnOff()" if self.when is None else f"OnOff(when={self.when!r})"


def _level(level: object) -> Callable[[Description], Decimal | None]:
    if isinstance(level, str):
        return _Single(checked_path(level, "a level"))
    if isinstance(level, tuple) and level and all(isinstance(name, str) for name in level):
        return _Product(tuple(checked_path(name, "each name of a level") for name in level))
    if callable(level):
        return _Computed(typing.cast(Callable[[Description], object], level))
    raise RatekitTypeError(
        "a level is an attribute name ('size_gb'), a tuple of names whose values multiply "
        "(('memory_mb', 'instances')), or a function of the description, "
        f"not {type(level).__name__}: {show(level)}."
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
                f"a tuple of as many attribute names, not {show(level)}; for a single attribute "
                "or a function give one unit (unit='MB')."
            )
        product = Unit("1")
        for item in unit:
            product = product * Unit(item)
        return product
    raise RatekitTypeError(
        "a level's unit is None (the meter's own), a unit such as 'MB', or for a tuple of "
        "attributes a tuple of units, one per attribute (('MB', 'count')), "
        f"not {type(unit).__name__}: {show(unit)}."
    )


def _plain_level(level: object) -> object:
    """A level named by a ``str`` subclass (alone or in a tuple) as the text it holds.

    The name is looked up in descriptions, which hold plain strings: a subclass's own
    ``__eq__`` or ``__hash__`` is never asked. Anything else is kept for `_level()` to judge.
    """
    if isinstance(level, str):
        return str.__str__(level)
    if type(level) is tuple:
        return tuple(str.__str__(name) if isinstance(name, str) else name for name in level)
    return level


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
    one) or is negative raises [`BadRecordError`][ratekit.BadRecordError], and text that
    is not a decimal (``"2 GB"``) or a number ratekit does not represent exactly
    (``"1e40"``, as for any quantity) raises [`BadQuantityError`][ratekit.BadQuantityError];
    each names the meter, the resource, the attribute and the event that set it.

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

    level_of: str | tuple[str, ...] | Callable[[Description], object] = attrs.field(
        alias="level", converter=_plain_level
    )
    when: Condition | None = attrs.field(default=None, converter=_frozen_condition)
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

    @plain_text
    def __repr__(self) -> str:
        text = f"Continuous({self.level_of!r}"
        if self.when is not None:
            text += f", when={self.when!r}"
        if self.unit is not None:
            text += f", unit={self.unit!r}"
        return text + ")"
