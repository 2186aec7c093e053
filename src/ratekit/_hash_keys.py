"""Keys whose hashes a caller cannot choose, for tables keyed by what records hold.

CPython hashes an int to itself modulo 2**61 - 1 (every multiple of it hashes to 0), and
a Decimal or a float to the hash of the number it equals: ints are not hash-randomised,
so a feed can send attribute values or sample values whose hashes all collide, and a
table keyed by them degrades to a list (quadratic time). Strings are hash-randomised
(``PYTHONHASHSEED``): the keys here hold numbers as their exact text, so equal numbers
give equal keys (``1``, ``Decimal("1.0")``), and their hashes are the strings'.
Ints small enough to hash to themselves stay ints: distinct ones hash apart.

`safe_key()` keys numbers by value (``1`` and ``Decimal("1.0")`` alike), for tables of
what a record measures. `typed_key()` keys a value by its type and its repr, for tables
of what a selector decides: Python counts ``True == 1`` and ``Decimal(1) == 1``, a
[`Satisfies`][ratekit.Satisfies] function need not.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

__all__ = ["safe_key", "typed_key"]

#: Ints of this magnitude or more share their hash with others (2**61 - 1 hashes to 0).
_HASHED_AS_ITSELF: Final = 2**61 - 2


def safe_key(value: object) -> object:
    """A key for ``value`` equal for equal values, whose hash a caller cannot choose.

    A string, ``None`` or a bool is itself; an integral number below 2**61 - 2 in
    magnitude the int it equals (distinct such ints hash apart: only -1 and -2 share);
    any other number the tuple of a marker and its exact text (its ratio in
    lowest terms, ``"1/2"``); anything
    else (a description's frozen mapping or list, which hash their items through this)
    itself.
    """
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return value
    # (A Decimal, as a sample's value is read, told by its type first: no isinstance()
    # call; its ratio's numerator keyed here, not by a call of this function again.)
    numerator: int
    if kind is int:
        numerator, denominator = value, 1  # type: ignore[assignment] # (an int)
    elif kind is Decimal or isinstance(value, Decimal | float | int):
        numerator, denominator = value.as_integer_ratio()  # type: ignore[attr-defined]
    else:
        return value
    if denominator != 1:
        return ("#", f"{numerator}/{denominator}")
    if -_HASHED_AS_ITSELF < numerator < _HASHED_AS_ITSELF:
        return numerator
    return ("#", str(numerator))


def typed_key(value: object) -> object:
    """A key for ``value`` by what a selector can see: a string itself, else type and repr.

    Two values keyed alike are the same to every selector: a description's value is a
    string, an int, a Decimal, a bool, ``None``, or a frozen mapping or list of them,
    whose repr says each item's type and digits (``1``, ``Decimal('1')``, ``True``) and
    the order a function iterating it sees. The repr is a string, whose hash a caller
    cannot choose. O(size of the value).

    Examples:
        >>> from decimal import Decimal
        >>> typed_key(1) == typed_key(Decimal(1)), typed_key(1) == typed_key(True)
        (False, False)
        >>> typed_key("m1.large")
        'm1.large'
    """
    return value if type(value) is str else (type(value), repr(value))
