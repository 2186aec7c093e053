"""The shared machinery of ratekit's plain-data mappings (rows and plan data).

Both mappings are driven by attrs metadata: a class's fields (their names, aliases and
resolved type annotations) say how each value becomes plain data and back, so a field
added to a value class flows through without a serialiser of its own.
"""

from __future__ import annotations

import functools
import math
import re
import sys
import types
import typing
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

import attrs

from . import _shown
from ._caller_objects import read_once
from ._carried import CARRIED_RANGE_TEXT, CARRIED_USAGE_RANGE_TEXT, to_amount, to_usage
from ._decimals import (
    CARRIED_MIN_ADJUSTED,
    MAX_ADJUSTED,
    MAX_DIGITS,
    RANGE_TEXT,
    USAGE_RANGE_TEXT,
    to_decimal,
    to_quantity,
)
from ._descriptions import MAX_DEPTH as DESCRIPTION_DEPTH
from .errors import BadDataError, BadQuantityError, RatekitError, RatekitTypeError

__all__ = [
    "TAG",
    "alias",
    "alternatives",
    "bounded_decimal",
    "bounded_sum",
    "decode_scalar",
    "decode_value",
    "encode_scalar",
    "escape_mapping",
    "fail",
    "field_hints",
    "field_path",
    "init_fields",
    "is_tag",
    "items_of",
    "key_named",
    "show",
]

#: How deep plain data may nest (plans, rows): far deeper than any real plan, and far
#: short of Python's recursion limit, so hostile data gets a BadDataError, not a crash.
MAX_DEPTH: typing.Final = 64
#: A decimal string as data writes it: ASCII digits, an optional sign, point and exponent
#: (no spaces, underscores or other scripts' digits, which Python's Decimal would take).
_DECIMAL: typing.Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def show(data: object) -> str:
    """A short repr of untrusted data for an error message (deep or huge data is cut)."""
    return _shown.show(data)


def items_of(values: object, item: type, what: str, takes: str) -> list[Any]:
    """``values`` as a list of ``item`` values, or a RatekitTypeError saying what ``what`` takes."""
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise RatekitTypeError(
            f"{what} takes {takes}, not {type(values).__name__}: {show(values)}."
        )
    out = read_once(values, what, type(values).__name__, takes)  # the caller's code named
    for index, value in enumerate(out):
        if not isinstance(value, item):
            raise RatekitTypeError(
                f"{what} takes {takes}; item {index} is {type(value).__name__}: {show(value)}."
            )
    return out


def bounded_decimal(
    data: object, path: str, *, usage: bool = False, carried: bool = False
) -> Decimal:
    """``data`` (a string, int, float or Decimal) as an exact Decimal that ratekit can compute with.

    Refuses (with a [`BadDataError`][ratekit.BadDataError] naming ``path``) what is not a finite
    decimal number written plainly, and what `to_decimal` (ratekit's one door for numbers)
    refuses: more than 60 significant digits or, unless zero, a magnitude outside
    1E-30 up to but excluding 1E+30. Such a value would be rounded, or overflow (a block of
    1e-229 units divides a quantity into more blocks than 60 digits hold), later. With
    ``usage``, a quantity of usage as a row or a charge holds one (`to_quantity`: up to
    1E+60). With ``carried``, a number of a charge that rating computes (its amount,
    quantity and free part: `ratekit._carried`, from 1E-100).
    """
    plain = not isinstance(data, str) or _DECIMAL.fullmatch(data) is not None
    if isinstance(data, float):
        finite = math.isfinite(data)
    else:
        finite = not isinstance(data, Decimal) or data.is_finite()
    if plain and finite:
        try:
            if carried:
                return to_usage(data, path) if usage else to_amount(data, path)
            return to_quantity(data, path) if usage else to_decimal(data, path)
        except BadQuantityError:
            # Plain and finite: what the door refuses lies outside the range it represents.
            if carried:
                accepted = CARRIED_USAGE_RANGE_TEXT if usage else CARRIED_RANGE_TEXT
            else:
                accepted = USAGE_RANGE_TEXT if usage else RANGE_TEXT
            raise fail(
                path,
                f"{show(data)} lies outside the numbers ratekit represents exactly: "
                f"give {accepted}.",
            ) from None
        except RatekitError:
            pass
    raise fail(path, f"{show(data)} is not a decimal number; write it like '12.5' or '1e9'.")


#: The exact sums ratekit writes (a line's ``precise``, an invoice's ``precise_total``) add
#: amounts of the range it carries (`ratekit._carried`): their last digit is at 1E-159 or
#: above (an amount's 60th digit, below 1E-100), and they stay below 1E+40 (1E+10 amounts
#: below 1E+30).
_SUM_LAST: typing.Final = CARRIED_MIN_ADJUSTED - MAX_DIGITS + 1
_SUM_ABOVE: typing.Final = MAX_ADJUSTED + 11
_SUM_TEXT: typing.Final = (
    f"a finite decimal number whose last digit is at 1E{_SUM_LAST} or above and whose "
    f"magnitude is below 1E+{_SUM_ABOVE}"
)


def bounded_sum(data: object, path: str) -> Decimal:
    """``data`` as an exact sum of amounts (a string, int, float or Decimal), as ratekit writes one.

    Such a sum is not cut at 60 digits (`exact_sum`), so it may be longer than one amount:
    `bounded_decimal`'s rule for what is not a number,
    and a [`BadDataError`][ratekit.BadDataError] naming ``path`` for a number no exact sum
    of amounts can be. O(len(data)).
    """
    text: str | None = None
    if isinstance(data, str) and len(data) <= 1000 and _DECIMAL.fullmatch(data) is not None:
        text = data
    elif isinstance(data, int) and not isinstance(data, bool):
        text = str(data) if abs(data) < 10**_SUM_ABOVE else "1e999"
    elif isinstance(data, float) and math.isfinite(data):
        text = repr(data)
    elif isinstance(data, Decimal) and data.is_finite():
        text = str(data)  # a database's NUMERIC column, read as its text
    if text is None:
        raise fail(path, f"{show(data)} is not a decimal number; write it like '12.5' or '1e9'.")
    value = Decimal(text)
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite number
    if exponent < _SUM_LAST or (value != 0 and value.adjusted() >= _SUM_ABOVE):
        raise fail(
            path, f"{show(data)} lies outside the exact sums ratekit writes: give {_SUM_TEXT}."
        )
    return value


def _functions(cls: type) -> Iterable[types.FunctionType]:
    """The plain functions of the class bodies of ``cls`` and its bases.

    Methods (those a decorator wraps, unwrapped), static and class methods' functions,
    property getters. O(members).
    """
    for klass in cls.__mro__:
        for member in vars(klass).values():
            if isinstance(member, staticmethod | classmethod):
                member = member.__func__  # noqa: PLW2901 - the function it wraps
            elif isinstance(member, property):
                member = member.fget  # noqa: PLW2901 - the getter
            # a decorated method (a repr written in ratekit's context) runs in the
            # decorator's module: the function it wraps ran in the class's
            member = getattr(member, "__wrapped__", member)  # noqa: PLW2901
            if isinstance(member, types.FunctionType):
                yield member


def _home(cls: type) -> dict[str, Any]:
    """The namespace of the module that defines ``cls`` (its ``__module__`` says ``ratekit``).

    Found through the ``__globals__`` of a function of its class body (or of a base's):
    the very namespace that ran the class statement, whatever ``sys.modules`` holds now.
    Looking a module up by its name is a last resort only: a test runner that imports a
    module of the package anew (``pytest --doctest-modules`` in importlib mode collecting
    ``src/ratekit/credits.py`` after ``ratekit`` was imported) replaces
    ``sys.modules["ratekit.credits"]`` with a copy whose classes are others; the class
    then seemed to have no home, and its annotations were read in ``ratekit``'s namespace
    (``NameError: name 'Decimal' is not defined``).
    """
    for function in _functions(cls):
        namespace = function.__globals__
        if namespace.get(cls.__name__) is cls:
            return namespace
    for name, module in list(sys.modules.items()):
        if not name.startswith("ratekit.") or module is None:
            continue
        namespace = vars(module)
        if namespace.get(cls.__name__) is cls and cls.__name__ in namespace.get("__all__", ()):
            return namespace
    return vars(sys.modules[cls.__module__])


def field_hints(cls: type) -> dict[str, Any]:
    """The resolved type annotation of every attrs field of ``cls``. Cached per class."""
    return _hints(cls)


@functools.cache
def _hints(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls, globalns=_home(cls))


def alias(field: attrs.Attribute[Any]) -> str:
    """The name the constructor takes the field by (attrs' ``alias``)."""
    return field.alias or field.name


def alternatives(hint: Any) -> tuple[Any, ...]:
    """The members of a union (``X | None`` gives ``(X, NoneType)``); a single type alone."""
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return typing.get_args(hint)
    return (hint,)


def field_path(cls: type, message: str, path: str, keys: Mapping[str, str]) -> str:
    """Where a constructor's refusal points: ``path.key`` of the field its message names.

    A value's door says ``"<Class> <field> ..."`` (``Invoice tz 'Mars/Base' ...``), or
    names the value by its id, ``"<class> '<id>' <field> ..."`` (``plan 'basic' currency
    'eur' ...``), or by its kind in words, ``"a <class in words> <field> ..."`` (``a price
    entry id must be ...``); ``keys`` maps each field's name as messages say it to the
    data's key for it. Else ``path``, the object's own. O(fields).
    """
    named = _BY_ID.match(message)
    words = "a " + _CAPITAL.sub(r" \1", cls.__name__).lower() + " "
    if named is not None and named.group(1) == cls.__name__.lower():
        said = message[named.end() :]
    elif message.startswith(f"{cls.__name__} "):
        said = message[len(cls.__name__) + 1 :]
    elif message.startswith(words):
        said = message[len(words) :]
    else:
        return path
    for name, key in keys.items():
        if said.startswith(f"{name} "):
            return f"{path}.{key}" if path else key
    return path


#: A capital letter inside a class's name, where its words part (``PriceEntry``).
_CAPITAL: Final = re.compile(r"(?<!^)([A-Z])")
#: The start of a door's message naming a value by its id: a lower-case word, a repr.
_BY_ID: Final = re.compile(r"([a-z]+) (?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\") ")


def fail(path: str, message: str) -> BadDataError:
    """A [`BadDataError`][ratekit.BadDataError] whose message starts with ``path``."""
    return BadDataError(f"{path or 'the value'}: {message}")


def key_order(key: object) -> tuple[bool, str]:
    """Sorts the keys of untrusted data: strings first, then the others by repr (no TypeError)."""
    return (False, key) if isinstance(key, str) else (True, repr(key))


def key_named(key: object) -> str:
    """A caller's key as a path names it: a short string itself, else as `show` shows it.

    A key of plan data or of a stored row may be any hashable a caller's parser gives (a
    YAML ``1:`` or ``~:`` is an int or None, a corrupt column a megabyte of text), named,
    never measured by ``len``. O(1).
    """
    return key if type(key) is str and len(key) <= 80 else show(key)


def text_key(key: object, path: str) -> str:
    """``key`` when it is a string (an attribute's name), else a `BadDataError` at ``path``."""
    if not isinstance(key, str):
        raise fail(path, f"keys are attribute names (strings), not {show(key)}.")
    return key


#: The one key of a tag in rows and plan data: ``{"decimal": "1.5"}`` is the Decimal 1.5.
TAG: typing.Final = "decimal"


def encode_scalar(value: object) -> object:
    """An attribute value as JSON-safe data: a Decimal becomes ``{"decimal": "1.5"}``.

    Descriptions and selectors hold str, int, bool, None and Decimal values, and
    descriptions nest them in mappings and lists (see [`Event`][ratekit.Event]): a mapping
    becomes an object and a list an array, their items encoded; only the Decimal needs a
    tag to come back as a Decimal (a bare string stays a string). A mapping of the caller's
    that would read as the tag (its one key ``"decimal"``) is escaped: written
    ``{"decimal": {...}}``, the tag holding the mapping's own object (`escape_mapping`), so
    ``{"decimal": "1.5"}`` as a mapping is ``{"decimal": {"decimal": "1.5"}}``. O(size of
    the value).

    Examples:
        >>> from decimal import Decimal
        >>> encode_scalar({"p": Decimal("1.5"), "q": {"decimal": "1.5"}})
        {'p': {'decimal': '1.5'}, 'q': {'decimal': {'decimal': '1.5'}}}
    """
    if isinstance(value, Decimal):
        return {TAG: str(value)}
    if isinstance(value, Mapping):
        if len(value) == 1 and TAG in value:
            return escape_mapping(value)
        return _mapping_items(value)
    if isinstance(value, tuple | list):
        return [encode_scalar(item) for item in value]
    return value


def escape_mapping(value: Mapping[Any, object]) -> dict[str, object]:
    """A mapping of the caller's written so that no reader takes it for a tag.

    ``{"decimal": {...}}``: the tag holding an object (never a Decimal's string) is that
    object, a plain mapping, its items encoded as `encode_scalar()` encodes them and read
    back as `decode_scalar()` reads them. Rows before the escape never held it (such a
    tag was refused), so they read back as they did. O(size of the value).
    """
    return {TAG: _mapping_items(value)}


def _mapping_items(value: Mapping[Any, object]) -> dict[str, object]:
    return {str(key): encode_scalar(item) for key, item in value.items()}


def decode_scalar(data: object, path: str) -> object:
    """The inverse of `encode_scalar()`: a description or selector, or one of its values.

    An object is a mapping, but one whose only key is ``"decimal"``: a tag, holding a
    Decimal's string (``{"decimal": "1.5"}``) or an escaped mapping's object
    (``{"decimal": {"decimal": "1.5"}}`` is the mapping ``{"decimal": "1.5"}``); an array
    is a list; leaves are strings, numbers, bools or null. Anything else, or nesting
    deeper than a description may (`ratekit._descriptions.MAX_DEPTH` levels below its
    attributes, as an [`Event`][ratekit.Event] takes them), is refused naming
    ``path.name``.
    """
    return _decode_nested(data, path, 0)


def _decode_nested(data: object, path: str, depth: int) -> object:
    if depth > DESCRIPTION_DEPTH and isinstance(data, Mapping | list | tuple):
        cut = max(path.rfind("[", 0, 60), path.rfind(".", 0, 60))  # at a step of the path
        where = path if len(path) <= 80 else f"{path[:cut]}..."
        raise fail(
            where,
            f"a description nests at most {DESCRIPTION_DEPTH} levels deep (lists and "
            "mappings in an attribute), as an Event takes it.",
        )
    if is_tag(data) and isinstance(data[TAG], Mapping):  # an escaped mapping: its object
        data = data[TAG]
    elif is_tag(data):
        return decode_value(data, path, nested=True)
    if isinstance(data, Mapping):
        return {
            text_key(key, path): _decode_nested(item, f"{path}.{key_named(key)}", depth + 1)
            for key, item in data.items()
        }
    if isinstance(data, list | tuple):
        return [_decode_nested(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(data)]
    return decode_value(data, path, nested=True)


def is_tag(data: object) -> typing.TypeGuard[Mapping[str, object]]:
    """Whether ``data`` is an object whose only key is ``"decimal"`` (a tag). O(1)."""
    return isinstance(data, Mapping) and len(data) == 1 and TAG in data


def decode_value(data: object, path: str, *, nested: bool = False) -> object:
    """One flat attribute value of a description or selector (see `decode_scalar()`)."""
    if is_tag(data):
        tagged = data[TAG]
        if not isinstance(tagged, str):
            escaped = (
                ', or an object for a mapping whose only key is "decimal" '
                '({"decimal": {"decimal": ...}})'
                if nested
                else ""
            )
            raise fail(
                path,
                f'a tagged decimal holds a string such as "1.5"{escaped}, not {show(tagged)}.',
            )
        return bounded_decimal(tagged, path)
    if data is None or isinstance(data, str | bool | int | Decimal):
        return data
    if isinstance(data, float):
        return bounded_decimal(data, path)
    shapes = ", an object, an array or " if nested else " or "
    raise fail(
        path,
        f"an attribute value must be a string, number, bool, null{shapes}"
        f'{{"decimal": "1.5"}}, not {type(data).__name__}: {show(data)}.',
    )


def init_fields(cls: type) -> tuple[attrs.Attribute[Any], ...]:
    """The fields a value is built from: public names, given to the constructor."""
    return tuple(f for f in attrs.fields(cls) if f.init and not f.name.startswith("_"))
