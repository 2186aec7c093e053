"""One plan value as plain data and back: the mapping `ratekit.plandata` describes.

The mapping is driven by each class's attrs fields (see `ratekit.plandata` for the rule):
`_dump_tagged()` writes a value as an object with its ``"type"``, `_dump_fields()` its
fields; `_load_tagged()` reads an object with a ``"type"`` back, `_load_value()` a field's
value by its type hint (`ratekit._plan_types`), and `_load_object_fields()` an object's
fields without building it. Selector conditions (a ``where`` value) have their own pair,
`_dump_condition()` and `_load_condition()`, which rows (`ratekit.export`) share. Errors
are [`BadDataError`][ratekit.BadDataError] naming the path of the bad field.
"""

from __future__ import annotations

import datetime as _dt
import typing
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from . import cycles
from ._caller_objects import plain_data
from ._codec import (
    MAX_DEPTH,
    alias,
    alternatives,
    bounded_decimal,
    decode_scalar,
    decode_value,
    encode_scalar,
    escape_mapping,
    fail,
    field_hints,
    field_path,
    init_fields,
    key_named,
    key_order,
    show,
    text_key,
)
from ._instants import format_us, from_us, to_us
from ._plan_types import (
    _KNOWN,
    _NAMES,
    _SELECTORS,
    TYPES,
    _check_kind,
    _describe,
    _is_mapping,
    _is_object_hint,
    _is_selector,
    _NoneType,
    _tuple_item,
)
from ._plancheck import CHECKS
from ._stand_in import unwrapped
from ._zones import portable_name, zone
from .errors import RatekitError

# -- dump ----------------------------------------------------------------------------------


def _dump_tagged(value: object, path: str) -> dict[str, Any]:
    """``value`` as an object with its ``"type"`` (`ratekit.plandata.dump()`). O(size of the value)."""
    name = _NAMES.get(type(value))
    if name is None:
        raise _not_data(value, path)
    return {"type": name, **_dump_fields(value, path)}


def _dump_condition(value: object, path: str = "") -> Any:
    """A selector's condition (a ``where`` value) as data; `_load_condition()` reads it back.

    A condition object is its plan data (``{"type": "OneOf", "values": [...]}``); a plain
    value is written as a description's (`encode_scalar`: a Decimal ``{"decimal": "1.5"}``),
    and a plain mapping that would read as a condition (its ``"type"`` one of the
    conditions') is escaped, ``{"decimal": {...}}``, as one that would read as a Decimal
    is. O(size of the value).

    Examples:
        >>> import ratekit as rk
        >>> _dump_condition(rk.AtLeast(64)), _dump_condition({"type": "OneOf", "values": []})
        ({'type': 'AtLeast', 'bound': '64'}, {'decimal': {'type': 'OneOf', 'values': []}})
    """
    if value is None or isinstance(value, str | int | Decimal | tuple | list):
        return encode_scalar(value)
    if isinstance(value, Mapping):
        if _names_condition(value):
            return escape_mapping(value)
        return encode_scalar(value)
    return _dump_tagged(value, path)


def _load_condition(data: object, path: str = "", *, nested: bool = False) -> Any:
    """The selector condition or plain value `_dump_condition()` wrote.

    ``nested`` reads a plain value as a description's, nested mappings and lists too (a
    plan's selector may hold them: they match a description's nested values, and `dump`
    writes them); without it, only a flat value is read. O(size of the data).
    """
    if isinstance(data, Mapping) and _names_condition(data):
        return _load_tagged(data, path)
    if nested:
        return decode_scalar(data, path)
    return decode_value(data, path)


def _names_condition(data: Mapping[Any, object]) -> bool:
    """Whether ``data`` reads as a selector's condition: its ``"type"`` names one."""
    name = data.get("type")
    return isinstance(name, str) and name in _SELECTORS


def _not_data(value: object, path: str) -> RatekitError:
    kind = type(unwrapped(value)).__name__
    return fail(
        path,
        f"{kind} is not a type plan data can hold: data names only ratekit's built-in "
        f"types ({_KNOWN}); a user-written price model, policy, cycle or window is code, "
        "so build it in Python and use it there.",
    )


def _dump_fields(value: object, path: str) -> dict[str, Any]:
    hints = field_hints(type(value))
    out: dict[str, Any] = {}
    for field in init_fields(type(value)):
        where = f"{path}.{alias(field)}" if path else alias(field)
        out[alias(field)] = _dump_value(getattr(value, field.name), hints[field.name], where)
    return out


def _dump_value(value: object, hint: Any, path: str) -> Any:  # noqa: PLR0911 - one case per shape
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, _dt.datetime):
        return format_us(to_us(value))
    if isinstance(value, _dt.tzinfo):
        try:  # a name that `load` reads back, or refused here rather than there
            return portable_name(value, "timezone")
        except RatekitError as error:
            raise fail(path, str(error)) from None
    if isinstance(value, tuple) and _is_selector(hint):
        return {str(key): _dump_condition(item, f"{path}.{key}") for key, item in value}
    if isinstance(value, frozenset):  # a set of attribute values (OneOf), in a stable order
        return [encode_scalar(item) for item in sorted(value, key=repr)]
    if isinstance(value, tuple | list):
        item_hint = _tuple_item(hint) or Any
        return [_dump_value(item, item_hint, f"{path}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, Mapping):
        return encode_scalar(value)
    cls = type(value)
    if cls in _NAMES:
        fields = _dump_fields(value, path)
        if any(option is cls for option in alternatives(hint)):
            return fields
        return {"type": _NAMES[cls], **fields}
    if callable(value) and not attrs.has(cls):
        raise fail(
            path,
            f"a function ({getattr(value, '__name__', cls.__name__)}) is code, not data; "
            "plan data can give a level as an attribute name or a list of names, and a "
            "condition as an object of attribute values.",
        )
    raise _not_data(value, path)


# -- load ----------------------------------------------------------------------------------


def _one_of_item(data: object, path: str) -> object:
    """One value of a ``OneOf`` as `dump` wrote it: a flat value, or an array as a tuple.

    A set holds hashable values only: an array (a tuple ``OneOf`` took) is read as a tuple
    of such values, and an object is refused naming ``path``, as ``OneOf`` refuses a dict.
    Read as a description's value first, so no deeper than a description nests.
    """
    return _hashable(decode_scalar(data, path), path)


def _hashable(value: object, path: str) -> object:
    if isinstance(value, list):
        return tuple(_hashable(x, f"{path}[{i}]") for i, x in enumerate(value))
    if isinstance(value, Mapping):
        raise fail(
            path,
            "a OneOf value is a string, number, bool, null, an array of them or "
            f'{{"decimal": "1.5"}}, not an object (a set holds no mapping): {show(value)}.',
        )
    return value


def _plain(data: Mapping[str, Any], path: str) -> Mapping[str, Any]:
    """``data`` with the caller's own mappings and lists read once (their errors named)."""
    what = f"plan data {path}".rstrip()
    plain = plain_data(data, what, _AS_JSON, limit=MAX_DEPTH + 1)
    return typing.cast("Mapping[str, Any]", plain)


_AS_JSON = "JSON-like data (dicts, lists, strings and numbers, as json.load returns)"


def _load_tagged(data: Mapping[str, Any], path: str) -> Any:
    name = data.get("type")
    cls = TYPES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise fail(
            path,
            f"type {show(name)} is not one plan data can name; data never names code (no import "
            f"paths): it names one of {_KNOWN}. A user-written price model or policy is "
            "built in Python, not loaded from data.",
        )
    return _load_object(cls, {key: item for key, item in data.items() if key != "type"}, path)


def _load_object(cls: type, data: Mapping[str, Any], path: str) -> Any:
    hints = field_hints(cls)
    fields = {alias(field): field for field in init_fields(cls)}
    unknown = sorted(set(data) - set(fields), key=key_order)
    if unknown:
        key = key_named(unknown[0])
        where = f"{path}.{key}" if path else key
        raise fail(
            where,
            f"{_NAMES[cls]} has no field {show(unknown[0])}; its fields are "
            + ", ".join(fields)
            + ".",
        )
    kwargs: dict[str, Any] = {}
    for key, field in fields.items():
        where = f"{path}.{key}" if path else key
        if key not in data:
            if field.default is attrs.NOTHING:
                raise fail(where, f"{_NAMES[cls]} needs {show(key)}; it has no default.")
            continue
        kwargs[key] = _load_value(data[key], hints[field.name], where)
    try:
        value = cls(**kwargs)
        check = CHECKS.get(cls)
        if check is not None:
            check(value)
    except RatekitError as error:
        keys = {field.name.lstrip("_"): key for key, field in fields.items()}
        raise fail(field_path(cls, str(error), path, keys), str(error)) from None
    if isinstance(value, cycles.Monthly) and kwargs.get("month", value.month) != value.month:
        # Monthly takes any month of a quarter and keeps the first: data written with
        # another would not dump back as written, so it is refused in the form it keeps.
        raise fail(
            path,
            f"quarters starting in month {show(kwargs['month'])} are written with month "
            f"{value.month} (the first quarter of the year that starts in the same cycle).",
        )
    return value


def _load_value(data: Any, hint: Any, path: str) -> Any:
    if path.count(".") + path.count("[") > MAX_DEPTH:
        raise fail(
            path,
            f"nested more than {MAX_DEPTH} levels deep; plan data is never that deep "
            "(a window combining windows combining windows ... is built in Python).",
        )
    options = alternatives(hint)
    if isinstance(data, Mapping):
        _check_kind(data, hint, path)
    if data is None:
        if _NoneType in options:
            return None
        raise fail(path, f"must not be null; expected {_describe(hint)}.")
    for option in options:
        found, value = _try(option, data, path)
        if found:
            return value
    objects = [option for option in options if _is_object_hint(option)]
    if isinstance(data, Mapping) and objects and all(_other_type(data, o) for o in objects):
        written = " or ".join(repr(_NAMES[option]) for option in objects)
        raise fail(
            path,
            f"type {show(data['type'])} is not what this field holds: expected {_describe(hint)}, "
            f"written with its fields and no 'type' (or the type {written}).",
        )
    raise fail(path, f"expected {_describe(hint)}, not {type(data).__name__}: {show(data)}.")


def _try(option: Any, data: Any, path: str) -> tuple[bool, Any]:  # noqa: PLR0911, PLR0912 - one case per shape
    origin = typing.get_origin(option)
    if option is bool:
        return (True, data) if isinstance(data, bool) else (False, None)
    if option is int:
        if isinstance(data, int) and not isinstance(data, bool):
            return True, int.__index__(data)  # the exact int: a subclass's methods left out
        return False, None
    if option is str:
        return (True, data) if isinstance(data, str) else (False, None)
    if origin is typing.Literal:
        if isinstance(data, str) and data in typing.get_args(option):
            return True, data
        if isinstance(data, str):
            allowed = ", ".join(repr(arg) for arg in typing.get_args(option))
            raise fail(path, f"{show(data)} is not one of {allowed}.")
        return False, None
    if option is Decimal:
        # A Decimal too: what json.loads(..., parse_float=Decimal) gives a host that reads
        # its prices exactly.
        if isinstance(data, bool) or not isinstance(data, str | int | float | Decimal):
            return False, None
        return True, bounded_decimal(data, path)
    if option is _dt.datetime:
        # A string, or the aware datetime a TOML or YAML parser makes of an unquoted one.
        if not isinstance(data, str | _dt.datetime):
            return False, None
        try:
            return True, from_us(to_us(data, "instant"))
        except RatekitError as error:
            raise fail(path, str(error)) from None
    if option is _dt.tzinfo:
        if not isinstance(data, str):
            return False, None
        try:
            return True, zone(data, "timezone")
        except RatekitError as error:
            raise fail(path, str(error)) from None
    if _is_selector(option):
        if not isinstance(data, Mapping):
            return False, None
        return True, {
            text_key(key, path): _load_condition(item, f"{path}.{key_named(key)}", nested=True)
            for key, item in data.items()
        }
    item = _tuple_item(option)
    if item is not None:
        if isinstance(data, str) or not isinstance(data, Sequence):
            return False, None
        return True, tuple(_load_value(x, item, f"{path}[{i}]") for i, x in enumerate(data))
    if origin is frozenset:  # a set of attribute values (OneOf)
        if isinstance(data, str) or not isinstance(data, Sequence):
            return False, None
        # as a tuple: the field's door checks each value before a set hashes it (a
        # signalling NaN cannot be hashed; the door refuses it as any NaN)
        return True, tuple(_one_of_item(x, f"{path}[{i}]") for i, x in enumerate(data))
    if _is_mapping(option):
        if not isinstance(data, Mapping):
            return False, None
        return True, decode_scalar(data, path)
    if option is Any or option is object:
        return True, data
    if origin is Callable or option is Callable:
        return False, None
    if not isinstance(data, Mapping):
        return False, None
    if _is_object_hint(option) and "type" not in data:
        return True, _load_object(option, data, path)
    if "type" not in data:
        raise fail(path, f"needs a 'type' naming the kind of {_describe(option)}.")
    if _is_object_hint(option) and _other_type(data, option):
        return False, None  # a plan's place holding a cycle: refused by _load_value
    return True, _load_tagged(data, path)


def _other_type(data: Mapping[str, Any], option: type) -> bool:
    """Whether ``data`` names a known type that is not ``option`` (a cycle where a plan goes)."""
    name = data.get("type")
    return isinstance(name, str) and name in TYPES and TYPES[name] is not option


def _load_object_fields(
    cls: type, data: Mapping[str, Any], path: str, given: tuple[str, ...] = ()
) -> dict[str, Any]:
    hints = field_hints(cls)
    fields = {alias(f): f for f in init_fields(cls)}
    out = {}
    for key, item in data.items():
        if key not in fields:
            raise fail(f"{path}.{key_named(key)}", f"{_NAMES[cls]} has no field {show(key)}.")
        out[key] = _load_value(item, hints[fields[key].name], f"{path}.{key}")
    for key, field in fields.items():
        if key not in out and key not in given and field.default is attrs.NOTHING:
            raise fail(f"{path}.{key}", f"{_NAMES[cls]} needs {show(key)}; it has no default.")
    return out
