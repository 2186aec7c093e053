"""Plans as plain data: load a plan written as JSON, TOML or YAML, and dump it back.

A host keeps its plans in a database or a declarative document (as Aquarium keeps its
pricelists, cron windows and agreements); [`load()`][ratekit.plandata.load] turns that plain data into the same
values a Python caller would build, and [`dump()`][ratekit.plandata.dump] turns them back:
``load(dump(x)) == x`` and ``dump(load(d)) == d`` for data ``d`` in canonical form (the
form [`dump()`][ratekit.plandata.dump] writes).

The mapping is one rule, driven by each class's attrs fields:

- an object is a JSON object whose keys are its constructor's argument names
  (``{"up_to": "10", "unit": "0.09", "flat": "0", "block": null}`` for a
  [`Tier`][ratekit.Tier]); every field is written, none may be unknown, and a field with
  a default may be left out when loading;
- where a field can hold several kinds of value (a price model, a cycle, a window, a
  cost policy), the object says which with a ``"type"`` key naming one of `TYPES`
  (``{"type": "Graduated", "tiers": [...], "flat_at_zero": true}``);
- Decimals are strings (``"0.09"``, exact), instants ISO-8601 strings in UTC with ``Z``,
  timezones IANA names, tuples lists; a selector (``where``) or condition (``when``) is an
  object of attribute values, where a Decimal value is written ``{"decimal": "1.5"}``.

Data, never code: ``"type"`` names only the built-in types listed in `TYPES` (no
import paths, no eval), and a user-written price model, policy or cycle, or a function
given as a level or condition, can be neither dumped nor loaded: the error says so.
A field that does not fit raises [`BadDataError`][ratekit.BadDataError] naming its path, such as
``plans[0].entries[2].price.tiers[1].up_to``.

Examples:
    >>> import ratekit as rk
    >>> from ratekit import plandata
    >>> plan = plandata.load({
    ...     "type": "Plan", "id": "basic", "currency": "EUR",
    ...     "cycle": {"type": "cycles.Monthly", "tz": "Europe/Zurich", "day": 1},
    ...     "entries": [{"id": "egress", "meter": "egress", "price": {
    ...         "type": "Graduated", "tiers": [{"up_to": "10"}, {"unit": "0.09"}]}}],
    ... })
    >>> plan.entries[0].price
    Graduated([Tier(up_to='10', unit='0'), Tier(unit='0.09')])
    >>> plandata.load(plandata.dump(plan)) == plan
    True
    >>> try:
    ...     plandata.load({"type": "Graduated", "tiers": [{"up_to": "ten"}]}, path="price")
    ... except rk.BadDataError as error:
    ...     print(error)
    price.tiers[0].up_to: 'ten' is not a decimal number; write it like '12.5' or '1e9'.
"""

from __future__ import annotations

import datetime as _dt
import typing
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from . import _values as _v
from . import cycles, policies, pricebook
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
    key_order,
    show,
    text_key,
)
from ._decimals import in_context
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
from .assignments import Assignment
from .errors import RatekitError

__all__ = ["TYPES", "Document", "dump", "dump_document", "load", "load_document"]


# -- dump ----------------------------------------------------------------------------------


@in_context
def dump(value: object, *, path: str = "") -> dict[str, Any]:
    """A plan, entry, price model, tier, cycle, window, meter or assignment as plain data.

    The result holds only dicts, lists, strings, ints, bools and None, so ``json.dumps``
    (or a TOML/YAML writer) takes it as it is. Every field is written, and the outermost
    object carries its ``"type"``. O(size of the value).

    Raises [`BadDataError`][ratekit.BadDataError] (naming the path) for a value that is code: a
    user-written price model, policy, cycle or window, or a function used as a level or
    condition; and for a timezone with no name `load()` reads back (a ``ZoneInfo`` read
    from a file under no IANA key): data holds an IANA name or a fixed offset's
    (``"UTC+05:45"``).

    Examples:
        >>> import ratekit as rk
        >>> from ratekit import plandata
        >>> plandata.dump(rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.09")]))
        {'type': 'Graduated', 'tiers': [{'up_to': '10', 'unit': '0', 'flat': '0', 'block': None}, {'up_to': None, 'unit': '0.09', 'flat': '0', 'block': None}], 'flat_at_zero': True}
    """
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
    return dump(value, path=path)


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


@in_context
def load(data: Mapping[str, Any], *, path: str = "") -> Any:
    """The value described by ``data`` (a JSON-like dict with a ``"type"``).

    ``path`` names ``data`` in error messages (``"plans[0]"``). O(size of the data).

    Raises [`BadDataError`][ratekit.BadDataError] whose message starts with the path of the bad
    field: an unknown ``"type"`` (with the list of those accepted), an unknown or missing
    key, a value of the wrong kind, or a value the constructor refuses (its own message
    follows the path).

    Examples:
        >>> from ratekit import plandata
        >>> plandata.load({"type": "cycles.Monthly", "tz": "UTC", "day": 31})
        cycles.monthly(tz='UTC', day=31)
        >>> try:
        ...     plandata.load({"type": "mypackage.Capped", "cap": "10"})
        ... except Exception as error:
        ...     print(error)  # doctest: +ELLIPSIS
        the value: type 'mypackage.Capped' is not one plan data can name; data never names code (no import paths): it names one of Plan, PriceEntry, ...
    """
    if not isinstance(data, Mapping):
        raise fail(
            path, f"expected an object with a 'type', not {type(data).__name__}: {show(data)}."
        )
    return _load_tagged(_plain(data, path), path)


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
            f"type {name!r} is not one plan data can name; data never names code (no import "
            f"paths): it names one of {_KNOWN}. A user-written price model or policy is "
            "built in Python, not loaded from data.",
        )
    return _load_object(cls, {key: item for key, item in data.items() if key != "type"}, path)


def _load_object(cls: type, data: Mapping[str, Any], path: str) -> Any:
    hints = field_hints(cls)
    fields = {alias(field): field for field in init_fields(cls)}
    unknown = sorted(set(data) - set(fields), key=key_order)
    if unknown:
        where = f"{path}.{unknown[0]}" if path else unknown[0]
        raise fail(
            where,
            f"{_NAMES[cls]} has no field {unknown[0]!r}; its fields are " + ", ".join(fields) + ".",
        )
    kwargs: dict[str, Any] = {}
    for key, field in fields.items():
        where = f"{path}.{key}" if path else key
        if key not in data:
            if field.default is attrs.NOTHING:
                raise fail(where, f"{_NAMES[cls]} needs {key!r}; it has no default.")
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
            f"quarters starting in month {kwargs['month']!r} are written with month "
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
            f"type {data['type']!r} is not what this field holds: expected {_describe(hint)}, "
            f"written with its fields and no 'type' (or the type {written}).",
        )
    raise fail(path, f"expected {_describe(hint)}, not {type(data).__name__}: {show(data)}.")


def _try(option: Any, data: Any, path: str) -> tuple[bool, Any]:  # noqa: PLR0911, PLR0912 - one case per shape
    origin = typing.get_origin(option)
    if option is bool:
        return (True, data) if isinstance(data, bool) else (False, None)
    if option is int:
        ok = isinstance(data, int) and not isinstance(data, bool)
        return (True, data) if ok else (False, None)
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
            text_key(key, path): _load_condition(item, f"{path}.{key}", nested=True)
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
        return True, frozenset(_one_of_item(x, f"{path}[{i}]") for i, x in enumerate(data))
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


# -- documents -----------------------------------------------------------------------------


@typing.final
@attrs.frozen
class Document:
    """A declarative pricing document: meters, plans and the accounts' assignments.

    In data, an assignment names its plan by id (``{"account": "acme", "plan": "basic"}``),
    so a plan is written once however many accounts it serves.

    Examples:
        >>> from ratekit import plandata
        >>> doc = plandata.load_document({
        ...     "meters": [{"name": "vm.hours", "unit": "hour", "policy": {"type": "OnOff"}}],
        ...     "plans": [{"id": "basic", "currency": "EUR",
        ...                "cycle": {"type": "cycles.Monthly", "tz": "UTC", "day": 1},
        ...                "entries": [{"id": "vm", "meter": "vm.hours",
        ...                             "price": {"type": "PerUnit", "rate": "0.05"}}]}],
        ...     "assignments": [{"account": "acme", "plan": "basic"}],
        ... })
        >>> doc.assignments
        (Assignment('acme', 'basic'),)
        >>> plandata.load_document(plandata.dump_document(doc)) == doc
        True
    """

    meters: tuple[policies.Meter, ...] = attrs.field(
        default=(), converter=_v.to_tuple, validator=_v.items(policies.Meter, "Meter values")
    )
    plans: tuple[pricebook.Plan, ...] = attrs.field(
        default=(), converter=_v.to_tuple, validator=_v.items(pricebook.Plan, "Plan values")
    )
    assignments: tuple[Assignment, ...] = attrs.field(
        default=(), converter=_v.to_tuple, validator=_v.items(Assignment, "Assignment values")
    )


@in_context
def load_document(data: Mapping[str, Any]) -> Document:
    """A [`Document`][ratekit.plandata.Document] from ``{"meters": [...], "plans": [...], "assignments": [...]}``.

    Meters and plans are objects without a ``"type"`` (their list says what they are).
    Errors name the path from the document's root (``plans[0].entries[2].price``).
    O(size of the data).

    Examples:
        >>> import ratekit as rk
        >>> from ratekit import plandata
        >>> try:
        ...     plandata.load_document({"plans": [], "assignments": [{"account": "a", "plan": "gold"}]})
        ... except rk.BadDataError as error:
        ...     print(error)
        assignments[0].plan: no plan has id 'gold'; the document's plans are: (none).
    """
    if not isinstance(data, Mapping):
        raise fail("", f"a document is an object, not {type(data).__name__}.")
    data = _plain(data, "")
    unknown = sorted(set(data) - {"meters", "plans", "assignments"}, key=key_order)
    if unknown:
        raise fail(unknown[0], "a document holds 'meters', 'plans' and 'assignments' only.")
    meters = _load_list(data.get("meters", ()), policies.Meter, "meters")
    named: dict[str, int] = {}
    for index, meter in enumerate(meters):
        if meter.name in named:
            raise fail(
                f"meters[{index}].name",
                f"meter name {meter.name!r} is already the name of meters[{named[meter.name]}]; "
                "records and prices name meters by name, so each meter of a document needs "
                "its own.",
            )
        named[meter.name] = index
    plans = _load_list(data.get("plans", ()), pricebook.Plan, "plans")
    by_id: dict[str, pricebook.Plan] = {}
    for index, plan in enumerate(plans):
        if plan.id in by_id:
            raise fail(
                f"plans[{index}].id",
                f"plan id {plan.id!r} is already the id of another plan; assignments name "
                "plans by id, so each plan of a document needs its own.",
            )
        by_id[plan.id] = plan
    assignments = []
    for index, item in enumerate(_sequence(data.get("assignments", ()), "assignments")):
        where = f"assignments[{index}]"
        if not isinstance(item, Mapping):
            raise fail(where, f"an assignment is an object, not {type(item).__name__}.")
        if item.get("type", "Assignment") != "Assignment":
            raise fail(
                where,
                f"type {show(item['type'])} is not what this list holds: expected an "
                "assignment, written with its fields and no 'type' (or the type 'Assignment').",
            )
        plan_id = item.get("plan")
        if not isinstance(plan_id, str):
            raise fail(
                f"{where}.plan",
                f"an assignment names its plan by id (a string), not {show(plan_id)}.",
            )
        if plan_id not in by_id:
            known = ", ".join(repr(key) for key in by_id) or "(none)"
            raise fail(
                f"{where}.plan", f"no plan has id {plan_id!r}; the document's plans are: {known}."
            )
        rest = {key: value for key, value in item.items() if key not in {"plan", "type"}}
        fields = _load_object_fields(Assignment, rest, where, given=("plan",))
        try:
            assignments.append(Assignment(plan=by_id[plan_id], **fields))
        except RatekitError as error:
            raise fail(where, str(error)) from None
    return Document(meters, plans, tuple(assignments))


def _load_object_fields(
    cls: type, data: Mapping[str, Any], path: str, given: tuple[str, ...] = ()
) -> dict[str, Any]:
    hints = field_hints(cls)
    fields = {alias(f): f for f in init_fields(cls)}
    out = {}
    for key, item in data.items():
        if key not in fields:
            raise fail(f"{path}.{key}", f"{_NAMES[cls]} has no field {key!r}.")
        out[key] = _load_value(item, hints[fields[key].name], f"{path}.{key}")
    for key, field in fields.items():
        if key not in out and key not in given and field.default is attrs.NOTHING:
            raise fail(f"{path}.{key}", f"{_NAMES[cls]} needs {key!r}; it has no default.")
    return out


def _sequence(data: object, path: str) -> Sequence[Any]:
    if isinstance(data, str) or not isinstance(data, Sequence):
        raise fail(path, f"expected a list, not {type(data).__name__}.")
    return data


def _load_list(data: object, cls: type, path: str) -> tuple[Any, ...]:
    out = []
    for index, item in enumerate(_sequence(data, path)):
        out.append(_load_value(item, cls, f"{path}[{index}]"))
    return tuple(out)


@in_context
def dump_document(document: Document) -> dict[str, Any]:
    """The plain data of a [`Document`][ratekit.plandata.Document] (assignments name their plan by id).

    Examples:
        >>> from ratekit import plandata
        >>> plandata.dump_document(plandata.Document())
        {'meters': [], 'plans': [], 'assignments': []}
    """
    assignments = []
    for index, assignment in enumerate(document.assignments):
        fields = _dump_fields(assignment, f"assignments[{index}]")
        fields["plan"] = assignment.plan.id
        assignments.append(fields)
    return {
        "meters": [_dump_fields(m, f"meters[{i}]") for i, m in enumerate(document.meters)],
        "plans": [_dump_fields(p, f"plans[{i}]") for i, p in enumerate(document.plans)],
        "assignments": assignments,
    }
