"""Descriptions: the JSON-like attribute values that records carry, frozen at the door.

An [`Event`][ratekit.Event]'s ``attributes`` and an [`Inventory`][ratekit.Inventory]'s
descriptions hold strings, ints, Decimals, bools, ``None``, and mappings and lists of them,
nested. Each value passes one door (`_attribute_value`), which checks it (finite numbers
within ratekit's range, string keys, at most `MAX_DEPTH` levels, at most `MAX_KEYS` items
in a mapping) and freezes it: mappings
become `_FrozenDict`, lists `_FrozenList`, read-only and hashable, equal to their plain
equivalents. `encode_value()` and `decode_value()` write such a value as JSON-safe data and
read it back. Errors name the record and the attribute's dotted path. A caller's mapping
is read once (its items, at most `MAX_KEYS` + 1 of them, so a mapping that iterates
forever cannot hang the door); an error it raises while read is a
[`RatekitTypeError`][ratekit.RatekitTypeError] naming the attribute.
"""

from __future__ import annotations

import math
import sys
import typing
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Final

from ._caller_objects import read_items, read_once
from ._decimals import _INT_LIMIT, to_decimal
from ._decimals import MAX_DIGITS as _MAX_DIGITS
from ._entry_points import plain_text
from ._hash_keys import safe_key
from ._shown import show, type_name
from ._text import check_text
from .errors import BadQuantityError, BadRecordError, RatekitTypeError

__all__ = [
    "EMPTY",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "MAX_KEYS",
    "apply_attributes",
    "decode_value",
    "encode_value",
    "plain_str",
]

_intern = sys.intern


@typing.final
class _FrozenDict(dict[str, object]):
    """A read-only, hashable dict (descriptions, attributes): reads run at dict speed.

    Its hash is computed once, on first use, and kept (a description is hashed each time a
    record holding it is deduplicated). Nested mappings are ``_FrozenDict`` too, nested
    sequences `_FrozenList`; equal to their plain ``dict``/``list`` equivalents.
    """

    __slots__ = ("_flags", "_hash")
    _hash: int
    _flags: frozenset[str]

    def _read_only(self, *args: object, **kwargs: object) -> typing.NoReturn:
        raise TypeError(
            "a description is read-only; to change it, send an Event with the new attributes "
            "(or copy it with dict(description))."
        )

    __setitem__ = _read_only
    __delitem__ = _read_only
    __ior__ = _read_only
    clear = _read_only
    pop = _read_only
    popitem = _read_only
    setdefault = _read_only
    update = _read_only

    def __hash__(self) -> int:  # type: ignore[override]
        try:
            return self._hash
        except AttributeError:
            # the values through safe_key: a caller cannot choose the hash (an int's is
            # the int itself, so many descriptions could share one: see _hash_keys)
            value = self._hash = hash(
                frozenset([(key, safe_key(item)) for key, item in self.items()])
            )
            return value

    def __eq__(self, other: object) -> bool:
        # Equal as dicts, and a flag where the other has a flag: Python counts True == 1,
        # a description does not ({"gpu": True} and {"gpu": 1} are two descriptions).
        # (Another description mostly: told by its type, without an isinstance call.)
        if (type(other) is not _FrozenDict and not isinstance(other, dict)) or not dict.__eq__(
            self, other
        ):
            return False
        return self.flags() == _flags(other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    def flags(self) -> frozenset[str]:
        """The keys whose values are bools. Computed once, on first use."""
        try:
            return self._flags
        except AttributeError:
            value = self._flags = _flags(dict(self))
            return value

    def __reduce__(self) -> tuple[type[_FrozenDict], tuple[dict[str, object]]]:
        return (_FrozenDict, (dict(self),))


def _flags(mapping: dict[typing.Any, object]) -> frozenset[str]:
    if type(mapping) is _FrozenDict:
        return mapping.flags()
    return frozenset(key for key, value in mapping.items() if type(value) is bool)


@typing.final
class _FrozenList(tuple[object, ...]):
    """A read-only list inside a description: a tuple that also equals the same ``list``."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, list):
            other = tuple(other)
        if not isinstance(other, tuple) or not tuple.__eq__(self, other):
            return False
        # a flag where the other has a flag (True == 1 in Python, not in a description)
        return all((type(a) is bool) == (type(b) is bool) for a, b in zip(self, other, strict=True))

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(tuple(map(safe_key, self)))  # a hash a caller cannot choose

    @plain_text
    def __repr__(self) -> str:
        return repr(list(self))

    def __reduce__(self) -> tuple[type[_FrozenList], tuple[tuple[object, ...]]]:
        return (_FrozenList, (tuple(self),))


EMPTY: Final = _FrozenDict({})

#: Whether two descriptions hold equal items, at C speed: no call of `_FrozenDict.__eq__`
#: where they differ. When it says so they are unequal; else ``==`` tells (a flag is
#: not a number there: ``{"gpu": True}`` and ``{"gpu": 1}`` have equal items). For the
#: loops that compare a resource's descriptions piece by piece.
same_items: Final = dict.__eq__

#: How deep a description may nest (a mapping in a list in a mapping...): deeper is refused,
#: which also refuses a mapping that contains itself.
MAX_DEPTH: Final = 32
#: How many items one mapping of a description may hold: more is refused (a
#: [`BadRecordError`][ratekit.BadRecordError]), which also bounds the reading of a mapping
#: whose iteration never ends.
MAX_KEYS: Final = 100_000
#: A number in a description passes ratekit's one door for numbers
#: (`ratekit._decimals.to_decimal`): at most 60 significant digits and, unless zero, a
#: magnitude from 1E-30 up to but excluding 1E+30.
MAX_DIGITS: Final = _MAX_DIGITS


_VALUES_TEXT: Final = (
    "an attribute holds a finite number (an int, a Decimal such as Decimal('2.5'), or a "
    "float), a string, a bool, None, a mapping or a list."
)


_MISSING_TEXT: Final = (
    " A missing value (NaN, or pandas' NA or NaT) is no attribute value: give None for it "
    "(series.astype(object).where(series.notna(), None).tolist() does), or leave the "
    "attribute out (see the Usage page)."
)
#: The types of pandas' missing values other than NaN, told by name (pandas not imported).
_PANDAS_MISSING: Final = frozenset({"NAType", "NaTType"})


def _is_pandas_missing(value: object) -> bool:
    kind = type(value)
    return (
        kind.__name__ in _PANDAS_MISSING
        and getattr(kind, "__module__", "").partition(".")[0] == "pandas"
    )


def plain_str(value: str) -> str:
    """``value`` as an exact ``str`` (``sys.intern`` takes it; a subclass's methods stay out)."""
    return value if type(value) is str else str.__str__(value)


def _number_value(value: Decimal, what: str) -> Decimal:
    # Decimal's own methods: a subclass's may run any code
    if not Decimal.is_finite(value):
        raise BadQuantityError(
            f"{what} is {Decimal.__repr__(value)}, not a finite number; {_VALUES_TEXT}"
        )
    return to_decimal(value, what)


def _named(name: str) -> str:
    """An attribute's name as a path the messages show: cut short past 80 characters. O(1)."""
    return name if len(name) <= _NAMED else name[: _NAMED - 3] + "..."


#: The longest attribute name a message's path shows whole.
_NAMED: Final = 80


def _attribute_value(  # noqa: PLR0911, PLR0912 - one door, one branch per kind of value
    value: object, label: str, path: str, depth: int = 0
) -> object:
    """``value`` frozen and checked: the one door of every attribute value, at any depth.

    ``label`` names the record (``"event 'e1'"``), ``path`` the attribute's dotted path
    (``"properties.size"``, ``"tags[0]"``), for the messages.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return check_text(plain_str(value), f"{label} attribute {path!r} value")
    if isinstance(value, int):
        to_decimal(value, f"{label} attribute {path!r}")  # refuses an int out of range
        return value if type(value) is int else int.__index__(value)
    if isinstance(value, Decimal):
        return _number_value(value, f"{label} attribute {path!r}")
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise BadQuantityError(
                f"{label} attribute {path!r} is {value!r}, not a finite number; {_VALUES_TEXT}"
                + (_MISSING_TEXT if math.isnan(value) else "")
            )
        what = f"{label} attribute {path!r}"
        return _number_value(to_decimal(value, what), what)
    if isinstance(value, Mapping | list | tuple):
        if depth >= MAX_DEPTH:
            raise BadRecordError(
                f"{label} attribute {path!r} nests deeper than {MAX_DEPTH} levels (or contains "
                "itself); a description is a tree of JSON-like values."
            )
        if isinstance(value, Mapping):
            if isinstance(value, _FrozenDict):
                return value  # built and checked by this door already
            data: dict[str, object] = {}
            for key, item in _items(value, f"{label} attribute {path!r}"):
                if not isinstance(key, str):
                    raise RatekitTypeError(
                        f"{label} attribute {path!r} keys must be strings, "
                        f"not {type(key).__name__}: {show(key)}."
                    )
                name = check_text(plain_str(key), f"{label} attribute {path!r} key")
                data[_intern(name)] = _attribute_value(
                    item, label, f"{path}.{_named(name)}", depth + 1
                )
            return _FrozenDict(data)
        if isinstance(value, _FrozenList):
            return value
        return _FrozenList(
            _attribute_value(item, label, f"{path}[{index}]", depth + 1)
            for index, item in enumerate(_listed(value, f"{label} attribute {path!r}"))
        )
    raise RatekitTypeError(
        f"{label} attribute {path!r} must be a str, int, Decimal, float, bool, None, a mapping "
        f"or a list (JSON-like values), not {type_name(value)}: {show(value)}."
        + (_MISSING_TEXT if _is_pandas_missing(value) else "")
    )


def _items(value: Mapping[object, object], what: str) -> list[tuple[object, object]]:
    """The items of a caller's mapping, read once and at most `MAX_KEYS` of them.

    A plain ``dict`` is read directly. Any other mapping runs the caller's code
    (``items()``, ``__iter__``, ``__getitem__``): an error raised there becomes a
    [`RatekitTypeError`][ratekit.RatekitTypeError] naming ``what``, and reading stops
    after `MAX_KEYS` + 1 items, so a mapping that never ends is refused, not a hang.
    """
    if type(value) is dict:
        if len(value) > MAX_KEYS:
            raise _too_many(what)
        return list(value.items())
    items = read_items(
        value,
        what,
        f"mapping ({type(value).__name__})",
        "a mapping whose items can be read, such as a dict",
        limit=MAX_KEYS + 1,
    )
    if len(items) > MAX_KEYS:
        raise _too_many(what)
    return items


def _listed(value: list[object] | tuple[object, ...], what: str) -> Iterable[object]:
    """The items of a caller's list or tuple, read once.

    A plain ``list`` or ``tuple`` is read directly. A subclass runs the caller's code
    (``__iter__``, ``__getitem__``): an error raised there becomes a
    [`RatekitTypeError`][ratekit.RatekitTypeError] naming ``what``.
    """
    if type(value) is list or type(value) is tuple:
        return value
    return read_once(
        value, what, f"list ({type(value).__name__})", "a list whose items can be read"
    )


def _too_many(what: str) -> BadRecordError:
    return BadRecordError(
        f"{what} holds more than {MAX_KEYS:,} items (or never ends); a description's "
        f"mapping holds at most {MAX_KEYS:,} names."
    )


def _attributes(value: object, label: str) -> _FrozenDict:
    if value is None:
        return EMPTY
    if isinstance(value, _FrozenDict):
        return value
    if not isinstance(value, Mapping):
        raise RatekitTypeError(
            f"{label} attributes must be a mapping of names to values, "
            f"not {type_name(value)}: {show(value)}."
        )
    data: dict[str, object] = {}
    for key, item in _items(value, f"{label} attributes"):
        if not isinstance(key, str):
            raise RatekitTypeError(
                f"{label} attribute names must be strings, not {type(key).__name__}: {show(key)}."
            )
        name = check_text(plain_str(key), f"{label} attribute name")
        data[_intern(name)] = _attribute_value(item, label, _named(name))
    return _FrozenDict(data)


_PLAIN_VALUES: Final = frozenset({str, int, bool, type(None)})


def _plain_attributes(value: object) -> _FrozenDict | None:
    """The attributes as given when they need no conversion (the common case), else None."""
    if type(value) is not dict or len(value) > MAX_KEYS:
        return None  # (too many items: the door refuses them)
    plain = _PLAIN_VALUES
    limit = _INT_LIMIT
    for key, item in value.items():
        if type(key) is not str or type(item) not in plain or not key.isascii():
            return None
        if type(item) is int and not -limit < item < limit:
            return None
        if type(item) is str and not item.isascii():
            return None  # checked to be valid text by the door
    return _FrozenDict(value)


def encode_value(value: object) -> object:
    """An attribute value as JSON-safe data (`decode_value()` reads it back).

    Strings, ints, bools and ``None`` are themselves; a Decimal is ``{"decimal": "0.5"}``,
    a mapping ``{"mapping": {...}}`` and a list ``{"list": [...]}``, their items encoded.
    """
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, Mapping):
        return {"mapping": {key: encode_value(item) for key, item in value.items()}}
    if isinstance(value, tuple | list):
        return {"list": [encode_value(item) for item in value]}
    return value


def decode_value(value: object) -> object:
    """The attribute value that `encode_value()` encoded (checked again at the door)."""
    if isinstance(value, Mapping) and len(value) == 1:
        if "decimal" in value:
            return to_decimal(value["decimal"], "a stored description's decimal")
        if "mapping" in value and isinstance(value["mapping"], Mapping):
            return {key: decode_value(item) for key, item in value["mapping"].items()}
        if "list" in value and isinstance(value["list"], list):
            return [decode_value(item) for item in value["list"]]
    return value


def apply_attributes(description: _FrozenDict, attributes: Mapping[str, object]) -> _FrozenDict:
    """``description`` after an event's ``attributes``: set, or removed where ``None``. O(k)."""
    merged = _FrozenDict(description)
    for key, value in attributes.items():
        if value is None:
            if key in merged:
                dict.__delitem__(merged, key)
        else:
            dict.__setitem__(merged, key, value)
    return merged
