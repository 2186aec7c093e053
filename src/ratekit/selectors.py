"""Selectors: which resources a price entry applies to, by their description.

A selector (a price entry's ``where``) maps attribute paths to conditions; a resource
matches when every condition holds for the value at its path (read with a dotted path
into nested descriptions: ``"properties.size"``). A condition is:

- a plain value: the attribute must be present and equal to it (``{"flavor": "m1.large"}``);
  ``True`` and ``False`` equal only themselves, never ``1`` or ``0`` (a feed that sends
  a flag as ``1`` does not take the price of ``{"gpu": True}``);
- a comparison, CloudKitty-style thresholds on a number: [`AtLeast`][ratekit.AtLeast] (``>=``),
  [`Above`][ratekit.Above] (``>``), [`AtMost`][ratekit.AtMost] (``<=``), [`Below`][ratekit.Below] (``<``), or
  [`Between`][ratekit.Between] (``lower <= value < upper``, half-open like every span in ratekit);
- membership in a set of values: [`OneOf`][ratekit.OneOf];
- the escape hatch: [`Satisfies`][ratekit.Satisfies], a function of the attribute's value.

Comparisons read numbers (``int``, ``Decimal``, ``float`` through its ``repr``, or a
string that parses as a decimal number); any other value, a missing attribute included,
does not match. Conditions are frozen values with plain fields and readable reprs.

Whether two selectors can both match is decided from their conditions: two equal-priority
entries of a meter whose selectors can both match are refused when the plan is built.
Plain values, comparisons and sets are decided exactly. A [`Satisfies`][ratekit.Satisfies] cannot be
decided: two entries that differ only by a function are not refused when the plan is
built, and a resource that both match raises [`BadPriceError`][ratekit.BadPriceError] when it is
rated, naming both entries.

Examples:
    >>> import ratekit as rk
    >>> small = rk.PriceEntry("small", "memory", rk.PerUnit("0.01"), where={"memory_gb": rk.Below(64)})
    >>> medium = rk.PriceEntry("medium", "memory", rk.PerUnit("0.008"), where={"memory_gb": rk.Between(64, 128)})
    >>> large = rk.PriceEntry("large", "memory", rk.PerUnit("0.006"), where={"memory_gb": rk.AtLeast(128)})
    >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [small, medium, large])
    >>> [plan.resolve("memory", {"memory_gb": gb}, "2026-03-01T00:00:00Z").id for gb in (32, 64, 127, 128)]
    ['small', 'medium', 'medium', 'large']
"""

from __future__ import annotations

import operator
import typing
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import ClassVar, Final, TypeAlias

import attrs

from ._caller_objects import read_items, read_once
from ._decimals import to_decimal
from ._descriptions import MAX_DEPTH, _attribute_value, plain_str
from ._entry_points import plain_text
from ._paths import MISSING, checked_path, lookup
from ._shown import show
from ._snapshot_seal import too_deep
from ._text import check_text
from .errors import BadPriceError, RatekitError, RatekitTypeError

__all__ = [
    "Above",
    "AtLeast",
    "AtMost",
    "Below",
    "Between",
    "OneOf",
    "Satisfies",
]


def _bound(value: object) -> Decimal:
    try:
        return to_decimal(value, "a selector bound")
    except RatekitError as error:
        raise BadPriceError(f"{error} Bounds are numbers such as 64 or '0.5'.") from None


def _number(value: object) -> Decimal | None:
    """The value as a Decimal when it is a number (or a numeric string), else ``None``."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal, float, str)):
        return None
    try:
        number = to_decimal(value)
    except RatekitError:
        return None
    return number


# An interval: (lower or None, lower included, upper or None, upper included).
_Interval: TypeAlias = tuple[Decimal | None, bool, Decimal | None, bool]


@attrs.frozen(repr=False)
class _Threshold:
    """One bound and one comparison: the shape of the four threshold conditions.

    [`AtLeast`][ratekit.AtLeast], [`Above`][ratekit.Above], [`AtMost`][ratekit.AtMost] and
    [`Below`][ratekit.Below] each sets three class constants: ``_holds``, the comparison of a value with the
    bound (``operator.ge`` for ``value >= bound``); ``_lower``, whether the bound is a lower
    one; ``_included``, whether the bound itself matches.
    """

    bound: Decimal = attrs.field(converter=_bound)
    """The number the value is compared with."""

    _holds: ClassVar[Callable[[Decimal, Decimal], bool]]
    _lower: ClassVar[bool]
    _included: ClassVar[bool]

    @plain_text
    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.bound})"

    def test(self, value: object) -> bool:
        """Whether ``value`` is a number that compares with ``bound`` as the class says. O(1).

        Examples:
            >>> import ratekit as rk
            >>> rk.AtMost(64).test(64), rk.AtMost(64).test("64.5"), rk.AtMost(64).test("n/a")
            (True, False, False)
        """
        number = _number(value)
        return number is not None and type(self)._holds(number, self.bound)

    def _interval(self) -> _Interval:
        if self._lower:
            return (self.bound, self._included, None, False)
        return (None, False, self.bound, self._included)


@typing.final
@attrs.frozen(repr=False)
class AtLeast(_Threshold):
    """Matches a number greater than or equal to ``bound`` (``value >= bound``).

    Examples:
        >>> import ratekit as rk
        >>> rk.AtLeast(64).test(64), rk.AtLeast(64).test("63.9"), rk.AtLeast(64)
        (True, False, AtLeast(64))
    """

    _holds = operator.ge
    _lower = True
    _included = True


@typing.final
@attrs.frozen(repr=False)
class Above(_Threshold):
    """Matches a number strictly greater than ``bound`` (``value > bound``).

    Examples:
        >>> import ratekit as rk
        >>> rk.Above(64).test(64), rk.Above(64).test(65)
        (False, True)
    """

    _holds = operator.gt
    _lower = True
    _included = False


@typing.final
@attrs.frozen(repr=False)
class AtMost(_Threshold):
    """Matches a number less than or equal to ``bound`` (``value <= bound``).

    Examples:
        >>> import ratekit as rk
        >>> rk.AtMost(64).test(64), rk.AtMost(64).test(65)
        (True, False)
    """

    _holds = operator.le
    _lower = False
    _included = True


@typing.final
@attrs.frozen(repr=False)
class Below(_Threshold):
    """Matches a number strictly less than ``bound`` (``value < bound``).

    Examples:
        >>> import ratekit as rk
        >>> rk.Below(64).test(63), rk.Below(64).test(64)
        (True, False)
    """

    _holds = operator.lt
    _lower = False
    _included = False


@typing.final
@attrs.frozen(repr=False)
class Between:
    """Matches a number in ``[lower, upper)``: ``lower <= value < upper`` (half-open).

    Successive ranges (``Between(0, 64)``, ``Between(64, 128)``, ``AtLeast(128)``) cover
    the numbers once each, so entries of equal priority priced by them never conflict.
    ``lower`` must be below ``upper`` ([`BadPriceError`][ratekit.BadPriceError] otherwise).

    Examples:
        >>> import ratekit as rk
        >>> rk.Between(64, 128).test(64), rk.Between(64, 128).test(128), rk.Between(64, 128)
        (True, False, Between(64, 128))
    """

    lower: Decimal = attrs.field(converter=_bound)
    upper: Decimal = attrs.field(converter=_bound)

    def __attrs_post_init__(self) -> None:
        if self.upper <= self.lower:
            raise BadPriceError(
                f"Between({self.lower}, {self.upper}) is empty: it matches lower <= value < "
                "upper, so upper must be greater than lower."
            )

    @plain_text
    def __repr__(self) -> str:
        return f"Between({self.lower}, {self.upper})"

    def test(self, value: object) -> bool:
        """Whether ``value`` is a number in ``[lower, upper)``. O(1)."""
        number = _number(value)
        return number is not None and self.lower <= number < self.upper

    def _interval(self) -> _Interval:
        return (self.lower, True, self.upper, False)


def _one_of_value(value: object) -> object:
    """A OneOf value as ratekit keeps it: exact types; a number must be one ratekit holds."""
    if isinstance(value, str):
        return check_text(plain_str(value), "OneOf value")
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        number = to_decimal(value, "OneOf value")  # refuses a number out of range
        return int.__index__(value) if isinstance(value, int) else number
    if isinstance(value, float):  # as a description keeps it: the Decimal of its repr
        return to_decimal(value, "OneOf value")
    return value


def _one_of_values(values: Iterable[object]) -> frozenset[object]:
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise RatekitTypeError(
            f"OneOf values must be a collection of values such as ['m1.large', 'm1.xlarge'], "
            f"not {type(values).__name__}: {show(values)}."
        )
    try:
        read = read_once(values, "OneOf values", type(values).__name__, "a list of values")
        given = list(map(_one_of_value, read))
        out = frozenset(given)
    except RatekitError:
        raise  # a value refused by its own door (a number out of range, no valid text)
    except TypeError:
        raise RatekitTypeError(
            f"OneOf values must be hashable (strings, numbers, tuples), not {show(values)}."
        ) from None
    if not out:
        raise BadPriceError("OneOf needs at least one value; an empty set matches nothing.")
    flags = [value for value in given if type(value) is bool]
    for flag in flags:
        number = next((v for v in given if v == flag and type(v) is not bool), None)
        if number is not None:  # a set holds one of True and 1: the other was dropped
            raise BadPriceError(
                f"OneOf values hold {flag!r} and {number!r}, which a set counts as one; "
                "give a flag and a number in two conditions."
            )
    return out


def _same(a: object, b: object) -> bool:
    """Whether a plain condition ``b`` holds for ``a``: equal, and a flag only to a flag.

    Python counts ``True == 1`` and ``False == 0``; a selector does not.

    Examples:
        >>> _same(True, 1), _same(1, 1.0), _same(True, True)
        (False, True, True)
    """
    return bool(a == b) and (type(a) is bool) == (type(b) is bool)


@typing.final
@attrs.frozen(repr=False)
class OneOf:
    """Matches a value equal to one of ``values`` (a set; at least one value).

    Examples:
        >>> import ratekit as rk
        >>> big = rk.OneOf(["m1.large", "m1.xlarge"])
        >>> big.test("m1.large"), big.test("m1.small"), big
        (True, False, OneOf('m1.large', 'm1.xlarge'))
    """

    values: frozenset[object] = attrs.field(converter=_one_of_values)

    @plain_text
    def __repr__(self) -> str:
        return f"OneOf({', '.join(sorted(map(repr, self.values)))})"

    def test(self, value: object) -> bool:
        """Whether ``value`` is one of the values (a flag only one of the flags).

        O(1) for hashable values but 0 and 1 (which equal a flag), else O(k).
        """
        try:
            if value not in self.values:
                return False
        except TypeError:  # an unhashable attribute value
            return any(_same(value, member) for member in self.values)
        if type(value) is str or value not in {0, 1}:
            return True
        return any(_same(value, member) for member in self.values)  # a flag, or 0 or 1


@typing.final
@attrs.frozen(repr=False)
class Satisfies:
    """Matches a value for which ``function(value)`` is true: the escape hatch.

    ``function`` gets the attribute's value (never a missing one: a missing attribute
    does not match) and returns a bool; ``label`` says what it checks, for reprs and
    errors. Whether two functions can both be true cannot be decided when a plan is
    built: equal-priority entries that differ only by a ``Satisfies`` are not refused
    then, and a resource that both match raises when rated. An exception the function
    raises is wrapped in [`BadPriceError`][ratekit.BadPriceError] naming the label and the value.

    Examples:
        >>> import ratekit as rk
        >>> even = rk.Satisfies(lambda cores: cores % 2 == 0, "an even number of cores")
        >>> even.test(4), even.test(3), even
        (True, False, Satisfies('an even number of cores'))
    """

    function: Callable[[object], bool]
    label: str

    def __attrs_post_init__(self) -> None:
        if not callable(self.function):
            raise RatekitTypeError(
                f"Satisfies function must be a callable of the attribute's value, not "
                f"{type(self.function).__name__}: {show(self.function)}."
            )
        if not isinstance(self.label, str) or not self.label:
            raise RatekitTypeError(
                f"Satisfies label must be a non-empty string saying what the function "
                f"checks, not {show(self.label)}."
            )
        check_text(self.label, "Satisfies label")

    @plain_text
    def __repr__(self) -> str:
        return f"Satisfies({self.label!r})"

    def test(self, value: object) -> bool:
        """Whether ``function(value)`` is true."""
        try:
            return bool(self.function(value))
        except Exception as error:
            raise BadPriceError(
                f"selector Satisfies({self.label!r}) failed on the value {value!r}: "
                f"{type(error).__name__}: {error}"
            ) from error


Condition: TypeAlias = AtLeast | Above | AtMost | Below | Between | OneOf | Satisfies
_CONDITIONS: Final = (AtLeast, Above, AtMost, Below, Between, OneOf, Satisfies)
_INTERVALS: Final = (AtLeast, Above, AtMost, Below, Between)


# -- selectors: conversion, matching, overlap ----------------------------------------------


def _where(
    value: Mapping[str, object] | tuple[tuple[str, object], ...] | None,
) -> tuple[tuple[str, object], ...]:
    """A selector mapping as a sorted tuple of ``(path, condition)``."""
    if value is None:
        return ()
    if isinstance(value, tuple):  # already converted (attrs.evolve): pairs (path, condition)
        if all(
            isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str)
            for pair in value
        ):
            return _where(dict(value))
        raise RatekitTypeError(
            f"a selector must be a mapping of attribute to value such as "
            f"{{'flavor': 'm1.large'}}, not tuple: {value!r}."
        )
    if not isinstance(value, Mapping):
        raise RatekitTypeError(
            f"a selector must be a mapping of attribute to value such as "
            f"{{'flavor': 'm1.large'}}, not {type(value).__name__}: {show(value)}."
        )
    items = read_items(
        value,
        "a PriceEntry where",
        f"mapping ({type(value).__name__})",
        "a dict of attribute to value such as {'flavor': 'm1.large'}",
    )
    # a key given as a str subclass is the text it holds (its own methods left out)
    items = [(str.__str__(key) if isinstance(key, str) else key, item) for key, item in items]
    for key, item in items:
        if not isinstance(key, str) or not key:
            raise RatekitTypeError(
                f"PriceEntry where keys must be attribute names (non-empty strings, dotted "
                f"paths such as 'properties.size'), not {type(key).__name__}: {show(key)}."
            )
        checked_path(key, "a PriceEntry where key")
        if isinstance(item, str):
            check_text(item, f"a PriceEntry where value of {key!r}")
        elif not isinstance(item, _CONDITIONS) and too_deep(item, MAX_DEPTH):
            raise BadPriceError(
                f"a PriceEntry where value of {key!r} nests deeper than {MAX_DEPTH} levels (or "
                "contains itself); it could match no description, which nests at most "
                f"{MAX_DEPTH} levels deep: {show(item)}."
            )
    # a key once (a mapping of the caller's own may list one twice): sorted by key alone
    return tuple(sorted((key, _plain_condition(key, item)) for key, item in dict(items).items()))


def _plain_condition(key: str, item: object) -> object:
    """A ``where`` value as a description holds it, so that it equals what it should match.

    A condition object stays as it is; a plain value passes the door of attribute values:
    a float becomes the Decimal of its ``repr`` (``0.1`` matches an attribute given as
    ``0.1``), a NaN or an infinity is refused, and lists and mappings are frozen (a plan
    holding one hashes). A value no description can hold is refused.
    """
    if isinstance(item, _CONDITIONS):
        return item
    return _attribute_value(item, "a PriceEntry where", key)


def _matches(where: tuple[tuple[str, object], ...], description: Mapping[str, object]) -> bool:
    """Whether every condition of ``where`` holds for ``description``."""
    for path, condition in where:
        value = lookup(description, path)
        if value is MISSING:
            return False
        if isinstance(condition, _CONDITIONS):
            try:
                if not condition.test(value):
                    return False
            except BadPriceError as error:  # a Satisfies' function raised: where, said
                raise BadPriceError(f"attribute {path!r}: {error}") from error.__cause__
        elif not _same(value, condition):
            return False
    return True


def _overlap(a: object, b: object) -> bool | None:
    """Whether some value satisfies both conditions; ``None`` when it cannot be decided."""
    if isinstance(a, Satisfies) or isinstance(b, Satisfies):
        return None
    a_plain = not isinstance(a, _CONDITIONS)
    b_plain = not isinstance(b, _CONDITIONS)
    if a_plain and b_plain:
        return _same(a, b)
    if a_plain or b_plain:
        value, condition = (a, b) if a_plain else (b, a)
        return typing.cast("Condition", condition).test(value)
    if isinstance(a, OneOf) or isinstance(b, OneOf):
        members, other = (a, b) if isinstance(a, OneOf) else (b, a)
        assert isinstance(members, OneOf)
        if isinstance(other, OneOf):
            return any(other.test(value) for value in members.values)
        return any(typing.cast("Condition", other).test(value) for value in members.values)
    assert isinstance(a, _INTERVALS)
    assert isinstance(b, _INTERVALS)
    return _intervals_meet(a._interval(), b._interval())


def _intervals_meet(a: _Interval, b: _Interval) -> bool:
    a_lo, a_lo_in, a_hi, a_hi_in = a
    b_lo, b_lo_in, b_hi, b_hi_in = b
    # the greater lower bound (and whether it is included)
    if a_lo is None or (b_lo is not None and (b_lo > a_lo or (b_lo == a_lo and not b_lo_in))):
        lo, lo_in = b_lo, b_lo_in
    else:
        lo, lo_in = a_lo, a_lo_in
    # the smaller upper bound
    if a_hi is None or (b_hi is not None and (b_hi < a_hi or (b_hi == a_hi and not b_hi_in))):
        hi, hi_in = b_hi, b_hi_in
    else:
        hi, hi_in = a_hi, a_hi_in
    if lo is None or hi is None:
        return True
    return lo < hi or (lo == hi and lo_in and hi_in)


def _exclusive(a: tuple[tuple[str, object], ...], b: tuple[tuple[str, object], ...]) -> bool:
    """Whether no description can match both selectors, as far as can be decided.

    Two selectors exclude each other when some path has conditions that no value meets
    together. Undecidable pairs (a [`Satisfies`][ratekit.Satisfies]) count as exclusive here: a tie
    between them is caught when a resource both match is rated.
    """
    b_where = dict(b)
    undecided = False
    for path, condition in a:
        if path in b_where:
            meet = _overlap(condition, b_where[path])
            if meet is False:
                return True
            if meet is None:
                undecided = True
    return undecided
