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

import typing
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from . import _values as _v
from . import policies, pricebook
from ._call_arguments import constructor
from ._codec import fail, key_order, show
from ._entry_points import in_context
from ._plan_mapping import (
    _dump_fields,
    _dump_tagged,
    _load_object_fields,
    _load_tagged,
    _load_value,
    _plain,
)
from ._plan_types import TYPES
from .assignments import Assignment
from .errors import RatekitError, RatekitTypeError

__all__ = ["TYPES", "Document", "dump", "dump_document", "load", "load_document"]


# -- one value -----------------------------------------------------------------------------


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
    return _dump_tagged(value, path)


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


# -- documents -----------------------------------------------------------------------------


@typing.final
@constructor(family="plandata")
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
                f"meter name {show(meter.name)} is already the name of meters[{named[meter.name]}]; "
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
                f"plan id {show(plan.id)} is already the id of another plan; assignments name "
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
                f"{where}.plan",
                f"no plan has id {show(plan_id)}; the document's plans are: {known}.",
            )
        rest = {key: value for key, value in item.items() if key not in {"plan", "type"}}
        fields = _load_object_fields(Assignment, rest, where, given=("plan",))
        try:
            assignments.append(Assignment(plan=by_id[plan_id], **fields))
        except RatekitError as error:
            raise fail(where, str(error)) from None
    return Document(meters, plans, tuple(assignments))


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

    Raises [`RatekitTypeError`][ratekit.RatekitTypeError] for anything but a ``Document``
    (a plan alone is dumped by `dump()`), and [`BadDataError`][ratekit.BadDataError] as
    `dump()` does for a value in it that is code.
    """
    if type(document) is not Document:  # a final class
        raise RatekitTypeError(
            "plandata.dump_document takes a plandata.Document (from load_document(), or "
            "Document(meters=..., plans=..., assignments=...)), not "
            f"{type(document).__name__}: {show(document)}; dump one plan, meter or price "
            "with plandata.dump()."
        )
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
