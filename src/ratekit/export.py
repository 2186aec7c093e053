"""Rows: every stage's values as plain, JSON-safe dicts, and back.

A host stores records, usage rows, anomalies, charges, invoices and a streaming rater's
statement lines in any database by turning them into rows with [`to_row()`][ratekit.to_row];
[`from_row()`][ratekit.from_row] turns a row of a usage row, charge, invoice line, invoice or
statement line (and of an event, sample, inventory or anomaly) back into the same value:
``from_row(type(x), to_row(x)) == x``, and the parts that do not take part in equality
(a charge's usage row and price model, an invoice line's charges) come back too.

The mapping is one rule, driven by each class's attrs fields (their names and types):

=============================  ==========================================================
field type                     row value
=============================  ==========================================================
``str``, ``int``, ``bool``     itself
``Decimal``                    a string, exact (``"1.35"``); ``None`` stays ``None``
[`Span`][ratekit.Span] ``x``   two keys, ``x_start`` and ``x_end``: ISO-8601 UTC with ``Z``
an instant ``x_us`` (records)  key ``x``: ISO-8601 UTC with ``Z``
a description (mapping)        an object; a Decimal attribute is ``{"decimal": "1.5"}``
                               (a mapping whose one key is ``"decimal"`` is escaped:
                               ``{"decimal": {...}}``, the tag holding its object)
a tuple                        a list (of rows, for a tuple of values)
a nested value                 its row (a charge's ``row``; an invoice's ``lines``)
a price model                  its plan data ([`ratekit.plandata.dump()`][ratekit.plandata.dump]);
                               one of the caller's own is code: refused
an inventory's ``where``       ``[[path, condition], ...]``: a condition as plan data, a
                               plain value as a description's (escaped when it would
                               read as a condition)
=============================  ==========================================================

Keys come in field order. A row holds only dicts, lists, strings, ints, bools and None, so
``json.dumps(row)`` works as it is. A field added to one of these classes flows through
without change if its type is one of the above; a new kind of field type is added in
`_encode()` and `_decode()` (one place).

Examples:
    >>> import json
    >>> import ratekit as rk
    >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    >>> row = rk.UsageRow("acme", "egress", "ip-1", march, march, "25.5", "GB", {"zone": "a"}, ("s1",))
    >>> print(json.dumps(rk.to_row(row)))
    {"account": "acme", "meter": "egress", "resource": "ip-1", "span_start": "2026-03-01T00:00:00Z", "span_end": "2026-04-01T00:00:00Z", "cycle_start": "2026-03-01T00:00:00Z", "cycle_end": "2026-04-01T00:00:00Z", "quantity": "25.5", "unit": "GB", "description": {"zone": "a"}, "record_ids": ["s1"]}
    >>> rk.from_row(rk.UsageRow, json.loads(json.dumps(rk.to_row(row)))) == row
    True
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final, TypeVar

from . import plandata
from ._caller_objects import plain_data, read_once
from ._codec import (
    alternatives,
    bounded_decimal,
    bounded_sum,
    decode_scalar,
    encode_scalar,
    fail,
    field_path,
    key_named,
    key_order,
    show,
)
from ._entry_points import in_context
from ._export_checks import CHECKS as _CHECKS
from ._export_checks import where as _where
from ._instants import format_us, from_us, to_us
from ._plan_mapping import _dump_condition, _load_condition
from ._row_plans import Field, Option, Plan, plan, price_data, price_model, span
from .billing import Invoice, InvoiceLine
from .credits import Credit, CreditLine
from .errors import BadDataError, RatekitError, RatekitTypeError
from .prices import PriceModel
from .rating import Charge, Rating
from .records import Anomaly, Event, Inventory, Sample
from .sharing import Share
from .spans import Span
from .statements import StatementLine
from .usage import Usage, UsageRow

__all__ = ["ROW_TYPES", "from_row", "to_row", "to_rows"]

T = TypeVar("T")

#: The value classes that have rows. ``from_row`` builds any of them back.
ROW_TYPES: Final[tuple[type, ...]] = (
    Event,
    Sample,
    Inventory,
    Anomaly,
    UsageRow,
    Charge,
    InvoiceLine,
    CreditLine,
    Invoice,
    Credit,
    Share,
    StatementLine,
)
_NoneType: Final = type(None)


@in_context
def to_row(value: object) -> dict[str, Any]:
    """``value`` (a record, anomaly, usage row, charge, invoice line, invoice, statement line) as a row.

    O(size of the value): an invoice's row holds its lines, and each line its charges.

    Examples:
        >>> import ratekit as rk
        >>> rk.to_row(rk.Event("acme", "vm-1", "2026-03-01T10:00:00+01:00", {"flavor": "m1"}, kind="start", id="e1"))
        {'account': 'acme', 'resource': 'vm-1', 'at': '2026-03-01T09:00:00Z', 'attributes': {'flavor': 'm1'}, 'kind': 'start', 'id': 'e1', 'seq': None}
    """
    if type(value) not in ROW_TYPES:
        raise _not_a_row(value)
    return _encode_object(value, "")


@in_context
def to_rows(values: Iterable[object]) -> list[dict[str, Any]]:
    """[`to_row()`][ratekit.to_row] of each value, in order: ``rk.to_rows(rating.charges)``, ``rk.to_rows(usage.rows)``.

    Errors: [`RatekitTypeError`][ratekit.RatekitTypeError] for a string, a mapping or a
    value that is not iterable (a `Rating` or a `Usage` itself: the message says which
    field to pass), and for an item `to_row()` does not take. O(n).

    Examples:
        >>> import ratekit as rk
        >>> rk.to_rows([rk.Anomaly("duplicate", "event 'e2' seen twice: ignored.", ("e2",),
        ...                        account="acme", resource="vm-1", at="2026-03-01T10:00:00Z")])
        [{'kind': 'duplicate', 'message': "event 'e2' seen twice: ignored.", 'record_ids': ['e2'], 'account': 'acme', 'resource': 'vm-1', 'at': '2026-03-01T10:00:00Z', 'meter': None, 'quantity': None}]
    """
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise _not_a_row(values, "to_rows")
    given = read_once(values, "to_rows values", type(values).__name__, "a list of values")
    return [to_row(value) for value in given]


def _not_a_row(value: object, function: str = "to_row") -> RatekitTypeError:
    names = ", ".join(cls.__name__ for cls in ROW_TYPES)
    holders = {Rating: ("rating", "charges"), Usage: ("usage", "rows")}
    held = holders.get(type(value))
    if held is not None:  # the natural thing to pass: its rows are one field away
        name, field = held
        return RatekitTypeError(
            f"{function} takes {'a list of values, each ' if function == 'to_rows' else ''}"
            f"one of {names}, not a {type(value).__name__}; for its {field}, write "
            f"rk.to_rows({name}.{field})."
        )
    # a comparison writes its own rows; imported here, on the error path only, since a
    # comparison lies downstream of the rows (its frame reads them)
    from ._comparison import Comparison, ComparisonRow  # noqa: PLC0415

    if isinstance(value, Comparison | ComparisonRow):
        whose = "its rows" if isinstance(value, Comparison) else "a comparison's rows"
        return RatekitTypeError(
            f"{function} takes {'a list of values, each ' if function == 'to_rows' else ''}"
            f"one of {names}, not a {type(value).__name__}; for {whose}, write "
            "comparison.to_rows()."
        )
    if function == "to_rows":
        return RatekitTypeError(
            f"to_rows takes a list of values, each one of {names}, not "
            f"{type(value).__name__}: {show(value)}."
        )
    return RatekitTypeError(
        f"to_row takes one of {names}, not {type(value).__name__}: {show(value)}."
    )


def row_keys(cls: type) -> tuple[str, ...]:
    """The keys of a row of ``cls``, in order: those [`to_row()`][ratekit.to_row] writes.

    Known from the class alone (its fields and their types), so an empty list of values
    has the columns a full one has. O(fields).
    """
    keys: list[str] = []
    for step in _plan(cls).fields:
        if step.span:
            keys.extend((step.start_key, step.end_key))
        else:
            keys.append(step.key)
    return tuple(keys)


@in_context
def row_without(value: object, left_out: frozenset[str]) -> dict[str, Any]:
    """[`to_row()`][ratekit.to_row] of ``value`` without the keys ``left_out`` (not encoded).

    For the frames, which leave out a charge's price model and usage row and a line's
    charges: a price model of the caller's own, which a row cannot hold, is then no
    obstacle. O(size of what is kept).
    """
    if type(value) not in ROW_TYPES:
        raise _not_a_row(value)
    return _encode_object(value, "", left_out)


def _encode_object(
    value: object, path: str, left_out: frozenset[str] = frozenset()
) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for step in _plan(type(value)).fields:
        key = step.key
        if key in left_out:
            continue
        item = getattr(value, step.name)
        if isinstance(item, Span):
            row[step.start_key] = format_us(item.start_us)
            row[step.end_key] = format_us(item.end_us)
        elif step.instant and isinstance(item, int):
            row[key] = format_us(item)
        elif step.codec is not None:
            row[key] = step.codec[0](item, _where(path, key))
        else:
            row[key] = _encode(item, step.hint, _where(path, key))
    return row


def _encode(value: object, hint: Any, path: str) -> Any:  # noqa: PLR0911 - one case per shape
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return encode_scalar(value)
    if isinstance(value, tuple | list):
        item_hint = _item_hint(hint)
        return [_encode(item, item_hint, f"{path}[{i}]") for i, item in enumerate(value)]
    if type(value) in ROW_TYPES:
        return _encode_object(value, path)
    if isinstance(value, Span):
        return [format_us(value.start_us), format_us(value.end_us)]
    if isinstance(value, _dt.datetime):  # an instant of a host's value (a credit's start)
        return format_us(to_us(value))
    if type(value) in _PRICE_TYPES:  # one of ratekit's price models: its data written once
        return price_data(value, path)
    if type(value) not in _PLAN_TYPES and isinstance(value, PriceModel):
        raise _own_price_model(value, path)
    return plandata.dump(value, path=path)


def _own_price_model(value: object, path: str) -> RatekitError:
    """Why a charge priced by a model of the caller's own has no row, and what to do."""
    return fail(
        path,
        f"{type(value).__name__} is a price model of your own: code, which a row cannot "
        "hold (a row holds a charge's price model as plan data, to read the charge back "
        "with its tier breakdown). rk.charges_frame, rk.invoice_lines_frame and "
        "rk.focus_rows export such charges, without their price model; to store charges as "
        f"rows, price them with ratekit's price models ({_BUILT_IN_PRICES}).",
    )


#: The classes plan data holds (a price model of one of them has plan data).
_PLAN_TYPES: Final = frozenset(plandata.TYPES.values())
#: Ratekit's own price models (those plan data holds), and their names.
_PRICE_TYPES: Final = frozenset(
    cls
    for cls in plandata.TYPES.values()
    if all(hasattr(cls, method) for method in ("amount", "explain", "marginal"))
)
_BUILT_IN_PRICES: Final = ", ".join(
    name for name, cls in plandata.TYPES.items() if cls in _PRICE_TYPES
)


def _plan(cls: type) -> Plan:
    """How rows of ``cls`` are written and read (`ratekit._row_plans.plan`): kept per class."""
    return plan(cls, _FIELD_CODECS)


@functools.cache
def _item_hint(hint: Any) -> Any:
    """The hint of the items of a field of type ``hint`` (a tuple): ``Any`` when they vary."""
    for option in alternatives(hint):
        if typing.get_origin(option) is tuple:
            args = typing.get_args(option)
            if len(args) == 2 and args[1] is Ellipsis:
                return args[0]
            return Any
    return Any


# -- back ----------------------------------------------------------------------------------


@in_context
def from_row(cls: type[T], row: Mapping[str, Any], *, path: str = "") -> T:
    """The value of class ``cls`` (one of `ROW_TYPES`) that ``row`` describes.

    ``path`` names the row in error messages (``"charges[3]"``). Raises
    [`BadDataError`][ratekit.BadDataError] naming the bad key, or, for a mapping or list
    of your own whose code raises while it is read (once, through its items), saying so,
    its error chained. O(size of the row).

    Examples:
        >>> import ratekit as rk
        >>> try:
        ...     rk.from_row(rk.Anomaly, {"kind": "duplicate", "message": 7}, path="anomalies[0]")
        ... except rk.BadDataError as error:
        ...     print(error)
        anomalies[0].message: expected a string, not int: 7.
    """
    if not any(cls is known for known in ROW_TYPES):  # by identity: cls may be anything
        names = ", ".join(c.__name__ for c in ROW_TYPES)
        raise fail(
            path,
            f"from_row builds one of {names}, not "
            f"{show(cls.__name__) if isinstance(cls, type) else show(cls)}.",
        )
    if not isinstance(row, Mapping):
        raise fail(path, f"a row is an object, not {type(row).__name__}: {show(row)}.")
    # a mapping or list of the caller's own is read once, its errors named at the path
    plain = plain_data(
        row, "the row", _AS_ROW, limit=_READ_DEPTH, refusal=lambda text: _unread(path, text)
    )
    return typing.cast("T", _decode_object(cls, typing.cast("Mapping[str, Any]", plain), path))


#: Levels of a row read into plain dicts and lists (plan data nests at most 64).
_READ_DEPTH: Final = 80
_AS_ROW: Final = "a dict of the row's keys, as to_row() returns"


def _unread(path: str, text: str) -> BadDataError:
    """The refusal of a row that could not be read: at its path, when it has one."""
    return fail(path, text) if path else BadDataError(text)


def _decode_object(cls: type, row: Mapping[str, Any], path: str) -> Any:
    plan = _plan(cls)
    kwargs: dict[str, Any] = {}
    for step in plan.fields:
        key = step.key
        where = f"{path}.{key}" if path else key
        if step.span:
            if step.start_key not in row or step.end_key not in row:
                raise fail(where, f"needs '{key}_start' and '{key}_end'.")
            try:
                kwargs[key] = span(row[step.start_key], row[step.end_key])
            except RatekitError as error:
                raise fail(where, str(error)) from None
            continue
        if key not in row:
            if step.required:
                raise fail(where, f"{_a(cls)} row needs {show(key)}.")
            continue
        kwargs[key] = _field_value(step, row[key], where)
    if not plan.expected.issuperset(row):
        unknown = sorted(set(row) - plan.expected, key=key_order)
        raise fail(
            f"{path}.{key_named(unknown[0])}" if path else key_named(unknown[0]),
            f"{_a(cls)} row has no key {show(unknown[0])}; its keys are {plan.listed}.",
        )
    arguments = _ARGUMENTS.get(cls)
    if arguments is not None:
        kwargs = arguments(kwargs, path)
    try:
        value = cls(**kwargs)
    except RatekitError as error:
        raise fail(_field_path(cls, str(error), path), str(error)) from None
    check = _CHECKS.get(cls)
    if check is not None:
        try:
            check(value, path)
        except RatekitError as error:
            raise _missing(cls, row, path, error) from None
    return value


#: A decimal as to_row writes one: a sign, digits, a point, an exponent (bounded, so that
#: a huge text is not parsed: a result has at most 300 digits; others go to `_decode`).
_RESULT: Final = re.compile(r"-?[0-9]{1,1000}(?:\.[0-9]{1,1000})?(?:[eE][+-]?[0-9]{1,6})?")


def _field_value(step: Field, data: Any, path: str) -> Any:
    """A field's value from its row's data (`_decode`), a result's number read as its door reads it.

    A record's instant (``at``) is checked and left to the record's door; a field of a
    shape of its own (`_FIELD_CODECS`) is read by its decoder.

    A field whose door takes results (`_values.numeric`: a sum such as an invoice's
    total, up to 300 digits and 1E±100) is read exactly and left to that door, whose range
    is wider than an input's: what to_row wrote of such a value reads back. An exact sum
    (an invoice's ``precise_total``) is not cut at 60 digits either: see `bounded_sum`. A
    quantity of usage (a row's, a charge's) is read in its door's range (`to_quantity`),
    and a charge's numbers that rating computes in theirs (`ratekit._carried`). A number
    may come as a Decimal (a database's NUMERIC column), read as its text is.
    """
    if step.instant:
        return _instant(data, path)
    if step.codec is not None:
        return step.codec[1](data, path)
    if step.exact_sum:
        return bounded_sum(data, path)
    carried, usage = step.carried, step.usage
    if (carried or usage) and not (data is None and step.default_none):  # None: left out
        return bounded_decimal(data, path, usage=usage, carried=carried)
    results = step.results
    if results and isinstance(data, Decimal) and data.is_finite():
        data = str(data)  # a database's NUMERIC column: read as the text it equals
    if results and isinstance(data, str) and _RESULT.fullmatch(data):
        return Decimal(data)
    return _decode(data, step.shape, path)


def _a(cls: type) -> str:
    """``a Charge``, ``an Invoice``."""
    name = cls.__name__
    return f"{'an' if name[0] in 'AEIO' else 'a'} {name}"  # a UsageRow, an Invoice


def _field_path(cls: type, message: str, path: str) -> str:
    """The path of the field a constructor's message names (``Invoice tz ...``: ``tz``)."""
    return field_path(cls, message, path, _plan(cls).said)


def _missing(cls: type, row: Mapping[str, Any], path: str, error: RatekitError) -> RatekitError:
    """``error``, said of the key it names when the row lacked that key (its default was used)."""
    for step in _plan(cls).fields:
        key = step.key
        where = _where(path, key)
        present = key in row or f"{key}_start" in row  # a span's keys: x_start, x_end
        if not present and str(error).startswith(f"{where}: "):
            told = str(error).removeprefix(f"{where}: ").split("; ")[0]
            return fail(
                where,
                f"the row has no {show(key)}; taken by default, {told}; a row needs {show(key)} "
                "here, as to_row() writes it.",
            )
    return error


def _encode_where(where: Any, path: str) -> list[list[Any]]:
    """An inventory's selector as ``[[path, condition], ...]``.

    Each condition as plan data writes a selector's: a condition object as its plan data,
    a plain value as a description's (a Decimal tagged), escaped when it would read as a
    condition. O(size of the selector).
    """
    return [
        [key, _dump_condition(value, f"{path}[{index}]")]
        for index, (key, value) in enumerate(where)
    ]


def _decode_where(data: Any, path: str) -> dict[str, Any]:
    """The selector `_encode_where` wrote, as the mapping an Inventory takes."""
    if not isinstance(data, list):
        raise fail(
            path, f"an inventory's where is a list of [path, condition] pairs, not {show(data)}."
        )
    out: dict[str, Any] = {}
    for index, pair in enumerate(data):
        where = f"{path}[{index}]"
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
            raise fail(
                where, f"an inventory's where holds [path, condition] pairs, not {show(pair)}."
            )
        if pair[0] in out:
            raise fail(where, f"the path {show(pair[0])} is in the inventory's where twice.")
        out[pair[0]] = _load_condition(pair[1], where, nested=True)
    return out


def _inventory_arguments(kwargs: dict[str, Any], path: str) -> dict[str, Any]:
    """An Inventory's constructor arguments from its row's fields: the listing by pair."""
    listed: dict[tuple[str, str], Any] = {}
    for index, (account, resource, attributes) in enumerate(kwargs.get("resources", ())):
        if (account, resource) in listed:
            raise fail(
                f"{_where(path, 'resources')}[{index}]",
                f"({show(account)}, {show(resource)}) is listed twice; an inventory lists a resource once.",
            )
        listed[account, resource] = attributes
    return {**kwargs, "resources": listed}


#: Fields whose row value has a shape of its own: (class, key) -> (encode, decode).
_FIELD_CODECS: Final[
    Mapping[tuple[type, str], tuple[Callable[[Any, str], Any], Callable[[Any, str], Any]]]
] = {(Inventory, "where"): (_encode_where, _decode_where)}
#: Classes whose constructor takes other arguments than their fields' values.
_ARGUMENTS: Final[Mapping[type, Callable[[dict[str, Any], str], dict[str, Any]]]] = {
    Inventory: _inventory_arguments,
}


def _instant(data: Any, path: str) -> Any:
    if data is None:
        return None
    try:
        to_us(data, "instant")
    except RatekitError as error:
        raise fail(path, str(error)) from None
    return data


def _decode(data: Any, shape: tuple[Option, ...], path: str) -> Any:  # noqa: PLR0911, PLR0912 - one case per shape
    if data is None:
        if any(o.option is _NoneType for o in shape):
            return None
        raise fail(path, "must not be null.")
    for entry in shape:
        option, origin = entry.option, entry.origin
        if (
            option is Decimal
            and isinstance(data, str | int | Decimal)
            and not isinstance(data, bool)
        ):
            return bounded_decimal(data, path)
        if option is bool and isinstance(data, bool):
            return data
        if option is int and isinstance(data, int) and not isinstance(data, bool):
            return int.__index__(data)  # the exact int: a subclass's methods left out
        if option is str and isinstance(data, str):
            return data
        if origin is typing.Literal and data in entry.args:
            return data
        if (origin is Mapping or option is Mapping) and isinstance(data, Mapping):
            return decode_scalar(data, path)
        if origin is tuple and isinstance(data, Sequence) and not isinstance(data, str):
            args = entry.args
            if len(args) == 2 and args[1] is Ellipsis:
                item = entry.items[0]
                return tuple(_decode(x, item, f"{path}[{i}]") for i, x in enumerate(data))
            if len(args) != len(data):
                raise fail(path, f"expected a list of {len(args)} items, not {len(data)}.")
            return tuple(
                _decode(x, a, f"{path}[{i}]")
                for i, (x, a) in enumerate(zip(data, entry.items, strict=True))
            )
        if option in ROW_TYPES and isinstance(data, Mapping):
            return _decode_object(option, data, path)
        if option is PriceModel and isinstance(data, Mapping):
            return price_model(data, path)
        if option is _dt.datetime and isinstance(data, str):
            try:
                return from_us(to_us(data, "instant"))
            except RatekitError as error:
                raise fail(path, str(error)) from None
        if option is object or option is Any:
            return data
    literal = [o.option for o in shape if o.origin is typing.Literal]
    if literal:
        allowed = ", ".join(repr(a) for a in typing.get_args(literal[0]))
        raise fail(path, f"{show(data)} is not one of {allowed}.")
    expected = " or ".join(_hint_name(o.option) for o in shape)
    raise fail(path, f"expected {expected}, not {type(data).__name__}: {show(data)}.")


def _hint_name(option: Any) -> str:
    """What a row holds for a field of type ``option``, in JSON's words (a list, not a tuple)."""
    origin = typing.get_origin(option)
    names: dict[Any, str] = {
        Decimal: "a decimal string",
        _dt.datetime: "an ISO-8601 instant",
        str: "a string",
        int: "an integer",
        bool: "true or false",
        _NoneType: "null",
    }
    if origin is tuple:
        return "a list"
    if option is Mapping or origin is Mapping:
        return "an object"
    if option in names:
        return names[option]
    if isinstance(option, type):
        return f"an object ({option.__name__})"
    return str(option)
