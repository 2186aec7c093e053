"""How rows of each class are written and read, found once per class; price models read once.

A row's class says, through its attrs fields, how each of its values becomes a row's
data and back (`ratekit.export`): the field's key, whether it is a span (two keys), an
instant, a number read in its door's range, and the alternatives of its type. This is
found once per class (`plan`) and once per type annotation (`shape`), not at each row.
A charge's price model, in its row as plan data, is read once per distinct data
(`price_model`) and written once per model (`price_data`): a month's charges hold a few
models, each in thousands of rows; and a span's two instants, as a row writes them, are
read once per pair of texts (`span`): the rows of a month share its cycle.
"""

from __future__ import annotations

import threading
import typing
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Final

import attrs

from . import _values as _v
from . import plandata
from ._codec import alias, alternatives, field_hints, init_fields
from .spans import Span

__all__ = ["Field", "Option", "Plan", "key", "plan", "price_data", "price_model", "shape", "span"]

_NoneType: Final = type(None)
#: A field's own encoder and decoder (a row's shape of its own: an inventory's ``where``).
Codec = tuple[Callable[[Any, str], Any], Callable[[Any, str], Any]]


def key(field: attrs.Attribute[Any]) -> str:
    """The key of ``field`` in a row: its constructor's name, an instant's ``_us`` left out."""
    return alias(field).removesuffix("_us")


@attrs.frozen
class Option:
    """One alternative of a field's type, as `ratekit.export._decode` tests data against it."""

    option: Any
    origin: Any  # typing.get_origin(option)
    args: tuple[Any, ...]  # typing.get_args(option)
    items: tuple[tuple[Option, ...], ...]  # the shape of each of a tuple's item types


@attrs.frozen
class Field:
    """How one field of a row's class is written and read: all that its class says of it."""

    name: str  # the attribute's
    key: str  # the row's (`key`)
    start_key: str  # a span's two keys
    end_key: str
    hint: Any  # the resolved annotation
    shape: tuple[Option, ...]  # the hint's alternatives (`shape`)
    span: bool  # a Span among the alternatives: two keys
    instant: bool  # ``x_us``: an instant, key ``x``
    codec: Codec | None
    required: bool  # no default, or one no row may leave to (``in_every_row``)
    exact_sum: bool
    carried: bool
    usage: bool
    default_none: bool
    results: bool  # its door takes results (`_values.numeric`)


@attrs.frozen
class Plan:
    """A row class's fields in order (`Field`) and the keys its rows hold."""

    fields: tuple[Field, ...]
    expected: frozenset[str]
    listed: str  # the expected keys, sorted, as an error lists them
    said: Mapping[str, str]  # a field's name as messages say it -> its key (`field_path`)


_PLANS: Final[dict[type, Plan]] = {}


def plan(cls: type, codecs: Mapping[tuple[type, str], Codec]) -> Plan:
    """How rows of ``cls`` (a row's class) are written and read; ``codecs`` by (class, key).

    Found at the first row of ``cls`` and kept (the classes are ratekit's own). O(fields)
    the first time, O(1) after.
    """
    found = _PLANS.get(cls)
    if found is None:
        found = _PLANS[cls] = _plan(cls, codecs)
    return found


def _plan(cls: type, codecs: Mapping[tuple[type, str], Codec]) -> Plan:
    hints = field_hints(cls)
    fields: list[Field] = []
    expected: set[str] = set()
    for field in init_fields(cls):
        name = key(field)
        hint = hints[field.name]
        span = any(option is Span for option in alternatives(hint))
        validators = getattr(field.validator, "_validators", (field.validator,))
        fields.append(
            Field(
                name=field.name,
                key=name,
                start_key=f"{name}_start",
                end_key=f"{name}_end",
                hint=hint,
                shape=shape(hint),
                span=span,
                instant=field.name.endswith("_us"),
                codec=codecs.get((cls, name)),
                required=field.default is attrs.NOTHING
                or bool(field.metadata.get("in_every_row", False)),
                exact_sum=bool(field.metadata.get("exact_sum", False)),
                carried=bool(field.metadata.get("carried", False)),
                usage=bool(field.metadata.get("usage", False)),
                default_none=field.default is None,
                results=any(v is _v.numeric or v is _v.optional_numeric for v in validators),
            )
        )
        expected |= {f"{name}_start", f"{name}_end"} if span else {name}
    return Plan(
        tuple(fields),
        frozenset(expected),
        ", ".join(sorted(expected)),
        {f.name.lstrip("_"): key(f) for f in init_fields(cls)},
    )


_SHAPES: Final[dict[Any, tuple[Option, ...]]] = {}


def shape(hint: Any) -> tuple[Option, ...]:
    """The alternatives of ``hint`` with their origins and arguments, found once per hint."""
    try:
        found = _SHAPES.get(hint)
    except TypeError:  # a hint that cannot be hashed: found again each time
        return _shape(hint)
    if found is None:
        found = _SHAPES[hint] = _shape(hint)
    return found


def _shape(hint: Any) -> tuple[Option, ...]:
    out: list[Option] = []
    for option in alternatives(hint):
        origin = typing.get_origin(option)
        args = typing.get_args(option)
        items = tuple(shape(a) for a in args if a is not Ellipsis) if origin is tuple else ()
        out.append(Option(option, origin, args, items))
    return tuple(out)


def price_model(data: Mapping[str, Any], path: str) -> Any:
    """The price model ``data`` describes (`plandata.load`), read once per distinct data.

    A month's charges hold a few price models, each in thousands of rows: a model read
    from data equal to data read before (of the same types, key order and digits: its
    frozen form, `_frozen`) is the one read then, price models being immutable values.
    Only what reads without error is kept, so a refusal is said at each row's path; at
    most `_MODELS_KEPT` models are kept, the oldest dropped first. Errors: those of
    `plandata.load`. O(size of the data).
    """
    try:
        frozen = _frozen(data)
    except _UnfrozenError:  # a type of its own in the data: read as it is, each time
        return plandata.load(data, path=path)
    model = _MODELS.get(frozen)
    if model is None:
        model = plandata.load(data, path=path)
        with _LOCK:  # threads reading rows at once
            if len(_MODELS) >= _MODELS_KEPT:
                del _MODELS[next(iter(_MODELS))]
            _MODELS[frozen] = model
    return model


def span(start: Any, end: Any) -> Span:
    """``Span(start, end)``, the same span for the same two texts read before.

    Spans are immutable values: a pair of strings read into a span before gives that
    span (at most `_SPANS_KEPT` pairs kept, the oldest dropped first); anything else
    (a datetime, a string's subclass) is read as it is. Only what reads without error is
    kept, so a refusal is said each time. Errors: those of `Span`. O(1) when kept.
    """
    if type(start) is not str or type(end) is not str:
        return Span(start, end)
    found = _SPANS.get((start, end))
    if found is None:
        found = Span(start, end)
        with _LOCK:  # threads reading rows at once
            if len(_SPANS) >= _SPANS_KEPT:
                del _SPANS[next(iter(_SPANS))]
            _SPANS[start, end] = found
    return found


#: Spans read from rows, by their two texts (`span`).
_SPANS: Final[dict[tuple[str, str], Span]] = {}
_SPANS_KEPT: Final = 4096


def price_data(model: object, path: str) -> dict[str, Any]:
    """``model``'s plan data (`plandata.dump`), dumped once per model: a fresh copy each time.

    ``model`` is one of plan data's own classes (the caller checks), an immutable value:
    its data is kept by the model itself (identity: two equal models may write their
    digits apart, ``0.10`` and ``0.1``), the model held so that its id names it while
    kept, at most `_MODELS_KEPT` of them, the oldest dropped first. Each row gets its own
    copy of the data (a row is the caller's, free to change). Errors: those of
    `plandata.dump`, said at ``path`` each time (a refusal is not kept). O(size of the data).
    """
    kept = _DATA.get(id(model))
    if kept is None or kept[0] is not model:
        data = plandata.dump(model, path=path)
        with _LOCK:  # threads writing rows at once
            if len(_DATA) >= _MODELS_KEPT:
                del _DATA[next(iter(_DATA))]
            _DATA[id(model)] = (model, data)
        return typing.cast("dict[str, Any]", _copy(data))
    return typing.cast("dict[str, Any]", _copy(kept[1]))


def _copy(data: Any) -> Any:
    """A copy of plain data (dicts, lists, and immutable scalars), each container anew."""
    if type(data) is dict:
        return {key: _copy(value) for key, value in data.items()}
    if type(data) is list:
        return [_copy(item) for item in data]
    return data


#: Plan data written of price models, by the model's id, with the model (`price_data`).
_DATA: Final[dict[int, tuple[object, dict[str, Any]]]] = {}
#: Price models read from plan data, by the data's frozen form (`price_model`).
_MODELS: Final[dict[object, Any]] = {}
_MODELS_KEPT: Final = 256
#: Levels of data frozen at most (plan data nests at most 64: `_codec.MAX_DEPTH`).
_FROZEN_DEPTH: Final = 70
_LOCK: Final = threading.Lock()
#: The plain types of data, each frozen as itself (a float and a Decimal by their text).
_ATOMS: Final = frozenset({str, int, bool, _NoneType})


class _UnfrozenError(Exception):
    """Data that holds a type `_frozen` does not know (a subclass of one): not kept."""


def _frozen(data: object, depth: int = 0) -> object:
    """A hashable form of plain data that tells apart all that reading it may tell apart.

    Each value tagged by its exact type (``1``, ``True``, ``1.0`` and ``Decimal("1.0")``
    differ), a Decimal and a float by their repr, an object's keys in their order.
    Raises `_UnfrozenError` for any other type, and for data nested deeper than plan
    data may (read as it is, to be refused at its path). O(size of the data).
    """
    if depth > _FROZEN_DEPTH:
        raise _UnfrozenError
    kind = type(data)
    if kind in _ATOMS:
        return (kind, data)
    if isinstance(data, dict) and kind is dict:
        return (
            dict,
            tuple((_frozen(k, depth + 1), _frozen(v, depth + 1)) for k, v in data.items()),
        )
    if isinstance(data, list) and kind is list:
        return (list, tuple(_frozen(item, depth + 1) for item in data))
    if kind is Decimal or kind is float:
        return (kind, repr(data))
    raise _UnfrozenError
