"""CloudEvents usage events, read into [`Sample`][ratekit.Sample] records by a declarative spec.

Metering services such as OpenMeter ingest usage as CloudEvents 1.0 in their JSON
format:

    {"specversion": "1.0", "id": "5c10fade-1c9e-4d6c-8275-c52c36731d3c",
     "source": "/llm-gateway", "type": "tokens", "subject": "customer-1",
     "time": "2026-03-02T08:00:00Z", "data": {"tokens": 1200, "model": "large"}}

What such an event means is the sender's convention, so the caller states it in a
`Spec`: which ``type`` is which meter, where the quantity is, who pays and which
resource it is. A spec is a mapping, never code: its fields are *references*, either a
context attribute's name (``"subject"``, ``"source"``, ``"id"``, ``"type"``, or an
extension attribute such as ``"customerid"``) or ``"data.<path>"``, a dotted path into
the event's ``data`` object (``"data.usage.tokens"``). Nothing is evaluated or imported.

`usage_events()` gives one sample per event: its meter is ``spec.meters[type]``, its
value the quantity (a number, or a numeric string), its kind ``spec.kind``, its instant
the event's ``time`` (RFC 3339, as CloudEvents requires: ISO 8601's other forms, such as a
``,`` before the fraction of a second, are refused), and its ``id`` is ``"<source>#<id>"``, the pair that CloudEvents
says identifies an event, so a redelivered event is a replay (a ``#`` or ``%`` in the
event's ``id`` is written ``%23`` or ``%25``, so that two pairs never give one id). An event of a type the
spec does not name raises, unless ``unknown="skip"``.

A spec may say the unit of a type's quantity: ``unit="B"`` (one for every type, or a
mapping of type -> unit), or ``unit_from="data.unit"``, where each event states it (or a
mapping of type -> where). The quantity is then converted exactly to its meter's unit
([`ratekit.convert()`][ratekit.convert]), so `usage_events` is given the meters
(``meters=``): bytes for a meter in ``GB`` are divided by 10^9. CloudEvents carry no
convention of their own, so a unit is read as written (``GB`` is 10^9 bytes, ``GiB``
2^30). A type without a unit (the default) has its quantity taken in its meter's unit, as
it is: map to one meter only types whose quantities are in one unit.

Errors are [`BadRecordError`][ratekit.BadRecordError] naming the position and field
(``[3].data.tokens``); a time or a unit refused names the event by its ``id`` too (and a
unit, by its ``source``: ``[3].data.unit (event id 'e-3' from source '/gw') is 's', not a
unit meter 'egress' in 'GB' can take``).

Examples:
    >>> import ratekit as rk
    >>> from ratekit.adapters import cloudevents
    >>> spec = cloudevents.Spec({"tokens": "llm.tokens"}, quantity="data.tokens", resource="data.model")
    >>> event = {"specversion": "1.0", "id": "e-1", "source": "/llm-gateway", "type": "tokens",
    ...          "subject": "customer-1", "time": "2026-03-02T08:00:00Z",
    ...          "data": {"tokens": 1200, "model": "large"}}
    >>> cloudevents.usage_events([event], spec)
    [Sample('customer-1', 'large', 'llm.tokens', '2026-03-02T08:00:00Z', '1200', id='/llm-gateway#e-1')]
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Final, Literal

import attrs

from ratekit._caller_objects import given_back, read_items
from ratekit._descriptions import plain_str
from ratekit._entry_points import plain_text
from ratekit._instants import format_us
from ratekit._paths import MISSING, lookup
from ratekit._shown import some
from ratekit._text import check_text
from ratekit.errors import BadRecordError, RatekitError, RatekitTypeError
from ratekit.policies import Meter
from ratekit.records import SAMPLE_KINDS, Sample, SampleKind
from ratekit.units import Unit

from . import _reading as r
from . import _rfc3339, _spec_meters
from ._spec_meters import TypeUnit, for_type
from ._units import feed_unit, in_meter_unit, taken

__all__ = ["Spec", "usage_events"]

_WHAT: Final = "CloudEvent"
_ATTRIBUTE: Final = re.compile(r"[a-z0-9]{1,20}")
_DATA: Final = "data."
#: A fraction of a second of more than six digits: the microseconds, then the rest.
_FINER: Final = re.compile(r"([.,]\d{6})(\d+)")
#: The whole numbers read as a name: a 64-bit signed integer (CloudEvents' Integer type,
#: 32 bits, and the 64-bit ids of many producers), written in decimal.
_WHOLE: Final = 2**63


def _reference(value: object, field: str) -> str:
    if isinstance(value, str):
        if value.startswith(_DATA) and all(value[len(_DATA) :].split(".")):
            return value
        if _ATTRIBUTE.fullmatch(value) and value != "data":
            return value
    raise RatekitTypeError(
        f"Spec {field} must name a context attribute (like 'subject', 'source' or an "
        f"extension such as 'customerid': lower-case letters and digits) or a path into "
        f"data (like 'data.tokens' or 'data.usage.bytes'), not {r.show(value)}."
    )


def _spec_items(value: Mapping[object, object], field: str) -> list[tuple[object, object]]:
    """The items of a caller's mapping given as the Spec's ``field``, read once."""
    return read_items(
        value,
        f"Spec {field}",
        f"mapping ({type(value).__name__})",
        "a mapping whose items can be read, such as a dict",
    )


def _as_given(value: object) -> object:
    """A mapping a Spec keeps as sorted pairs, given back by ``attrs.evolve``, read as one."""
    back = given_back(value)
    return value if back is None else back


def _meters(value: object) -> tuple[tuple[str, str], ...]:
    value = _as_given(value)
    if isinstance(value, Mapping):
        pairs = _spec_items(value, "meters")
        named = [
            (plain_str(k), plain_str(v))
            for k, v in pairs
            if isinstance(k, str) and k and isinstance(v, str) and v
        ]
        if pairs and len(named) == len(pairs):
            for kind, meter in named:  # refused here, not at every event that names them
                check_text(kind, "Spec meters type")
                check_text(meter, f"Spec meters[{kind!r}] meter name")
            return tuple(sorted(named))
    raise RatekitTypeError(
        "Spec meters must be a non-empty mapping of CloudEvents types to meter names, "
        f"like {{'com.example.tokens': 'llm.tokens'}}, not {r.show(value)}."
    )


def _quantity(
    value: object, meters: tuple[tuple[str, str], ...]
) -> str | tuple[tuple[str, str], ...]:
    value = _as_given(value)
    if not isinstance(value, Mapping):
        return _reference(value, "quantity")
    places: dict[str, str] = {}
    for key, where in _spec_items(value, "quantity"):
        if not isinstance(key, str) or not key:
            raise RatekitTypeError(
                f"Spec quantity keys must be CloudEvents types, not {r.show(key)}."
            )
        places[key] = _reference(where, f"quantity[{key!r}]")
    missing = [event_type for event_type, _ in meters if event_type not in places]
    if missing:
        raise RatekitTypeError(
            "Spec quantity, given per type, must say where the quantity of every type in "
            f"meters is; it has none for {_some(missing)}."
        )
    mapped = {event_type for event_type, _ in meters}
    extra = [event_type for event_type in places if event_type not in mapped]
    if extra:  # a misspelt type would say nothing, and mean nothing
        raise RatekitTypeError(
            f"Spec quantity names {_some(extra)}, which meters does not map to a meter; its "
            f"types are {_some(name for name, _ in meters)}: give the quantity of those only."
        )
    return tuple(sorted(places.items()))


def _some(types: Iterable[str]) -> str:
    """The first ten of a spec's ``types``, as given, then how many more: a spec may map thousands."""
    return some(types, r.NAMES_SHOWN, as_given=True)


def _per_type(
    value: Mapping[object, object], field: str, meters: tuple[tuple[str, str], ...]
) -> list[tuple[str, object]]:
    """The items of a per-type mapping given as the Spec's ``field``: types ``meters`` maps."""
    mapped = [event_type for event_type, _ in meters]
    pairs: list[tuple[str, object]] = []
    for key, item in _spec_items(value, field):
        if not isinstance(key, str) or plain_str(key) not in mapped:
            raise RatekitTypeError(
                f"Spec {field} names {r.show(key)}, which meters does not map to a meter; "
                f"its types are {_some(mapped)}: give the "
                f"{field} of those only."
            )
        if any(plain_str(key) == seen for seen, _ in pairs):  # two str subclasses alike
            raise RatekitTypeError(f"Spec {field} names type {plain_str(key)!r} twice.")
        pairs.append((plain_str(key), item))
    return pairs


def _unit_text(value: object, field: str) -> str:
    """A unit the Spec states (``field``), checked to be one ratekit reads."""
    if isinstance(value, str):
        text = plain_str(value)  # a caller's str subclass: its own methods stay out
        try:
            Unit(text)
        except RatekitError as error:
            hint = ""
            if text.startswith(_DATA):
                hint = f" To read the unit each event states there, give unit_from={text!r}."
            raise RatekitTypeError(
                f"Spec {field} {r.show(text)} is not a unit ratekit reads: {error}{hint}"
            ) from None
        return text
    raise RatekitTypeError(
        f"Spec {field} must be a unit such as 'B', 'GB' or 's' (a string), not {r.show(value)}."
    )


def _by_type(
    value: object,
    field: str,
    meters: tuple[tuple[str, str], ...],
    read: Callable[[object, str], str],
) -> str | tuple[tuple[str, str], ...] | None:
    """A Spec's ``unit`` or ``unit_from``: None, one for all types, or (type, value) pairs.

    The pairs sorted, each value read by ``read`` (a unit's text, or a reference).
    """
    value = _as_given(value)
    if value is None:
        return None
    if not isinstance(value, Mapping):
        return read(value, field)
    pairs = _per_type(value, field, meters)
    return tuple(sorted((key, read(item, f"{field}[{key!r}]")) for key, item in pairs))


def _one_source(
    unit: str | tuple[tuple[str, str], ...] | None,
    unit_from: str | tuple[tuple[str, str], ...] | None,
    meters: tuple[tuple[str, str], ...],
) -> None:
    """Refuse a type given both a fixed unit and a place to read one: which would win?"""
    for event_type, _ in meters:
        fixed, where = for_type(unit, event_type), for_type(unit_from, event_type)
        if fixed is not None and where is not None:
            raise RatekitTypeError(
                f"Spec gives type {event_type!r} both a unit ({fixed!r}) and a unit_from "
                f"({where!r}); give it one: unit when its quantity is always in one unit, "
                "unit_from when each event states its own."
            )


@typing.final
@attrs.frozen(init=False, repr=False)
class Spec:
    """How CloudEvents usage events become samples: a mapping, never code.

    - ``meters``: CloudEvents ``type`` -> meter name.
    - ``quantity``: where the quantity is (``"data.tokens"``), or a mapping of
      CloudEvents type -> where, for a feed whose types carry it in different places
      (every type in ``meters`` must then have one).
    - ``account``: who pays (default ``"subject"``); ``resource``: which resource
      (default ``"subject"`` too, for feeds that meter the subject itself).
    - ``kind``: what the quantity is: ``"delta"`` (an amount used, the default),
      ``"counter"`` (a cumulative reading) or ``"gauge"`` (a level).
    - ``unknown``: what an event of a type not in ``meters`` does: ``"error"`` (the
      default) or ``"skip"``.
    - ``sub_microsecond``: what a ``time`` finer than a microsecond does (the CloudEvents
      Go SDK writes nine decimals): ``"refuse"`` (the default: ratekit drops no digit)
      or ``"floor"``, which drops the digits after the sixth, so the instant moves back
      by less than a microsecond (two events within one microsecond then share it).
    - ``unit``: the unit the quantity is in (``"B"``), or a mapping of CloudEvents type ->
      unit; ``unit_from``: where each event states its quantity's unit
      (``"data.unit"``), or a mapping of type -> where. A type with a unit has its
      quantity converted exactly to its meter's unit (`usage_events` is then given the
      meters); a type with neither (the default) has its quantity taken in its meter's
      unit, as it is. A type has at most one of the two.

    A reference is a context attribute's name or ``"data.<dotted path>"`` (see
    `ratekit.adapters.cloudevents`). A spec that cannot be read raises
    [`RatekitTypeError`][ratekit.RatekitTypeError] when it is built.

    Examples:
        >>> from ratekit.adapters import cloudevents
        >>> cloudevents.Spec({"api-call": "api.calls"}, quantity="data.count", account="customerid")
        Spec({'api-call': 'api.calls'}, quantity='data.count', account='customerid', resource='subject')
        >>> cloudevents.Spec({"egress": "network.egress"}, quantity="data.bytes", unit="B")
        Spec({'egress': 'network.egress'}, quantity='data.bytes', account='subject', resource='subject', unit='B')
        >>> cloudevents.Spec({"api-call": "api.calls"}, quantity="data['count']")
        Traceback (most recent call last):
        ...
        ratekit.RatekitTypeError: Spec quantity must name a context attribute (like 'subject', 'source' or an extension such as 'customerid': lower-case letters and digits) or a path into data (like 'data.tokens' or 'data.usage.bytes'), not "data['count']".
    """

    meters: tuple[tuple[str, str], ...]
    """The pairs (CloudEvents type, meter name), sorted."""
    quantity: str | tuple[tuple[str, str], ...]
    """Where the quantity is, or the pairs (type, where), sorted."""
    account: str
    resource: str
    kind: SampleKind
    unknown: Literal["error", "skip"]
    sub_microsecond: Literal["refuse", "floor"]
    unit: str | tuple[tuple[str, str], ...] | None
    """The unit of the quantity, or the pairs (type, unit), sorted; None: the meter's."""
    unit_from: str | tuple[tuple[str, str], ...] | None
    """Where events state their unit, or the pairs (type, where), sorted; None: nowhere."""

    def __init__(
        self,
        meters: Mapping[str, str],
        *,
        quantity: str | Mapping[str, str],
        account: str = "subject",
        resource: str = "subject",
        kind: SampleKind = "delta",
        unknown: Literal["error", "skip"] = "error",
        sub_microsecond: Literal["refuse", "floor"] = "refuse",
        unit: str | Mapping[str, str] | None = None,
        unit_from: str | Mapping[str, str] | None = None,
    ) -> None:
        if not isinstance(kind, str) or plain_str(kind) not in SAMPLE_KINDS:
            raise RatekitTypeError(
                f"Spec kind must be 'delta', 'counter' or 'gauge', not {r.show(kind)}."
            )
        if not isinstance(unknown, str) or plain_str(unknown) not in {"error", "skip"}:
            raise RatekitTypeError(
                f"Spec unknown must be 'error' or 'skip', not {r.show(unknown)}."
            )
        if not isinstance(sub_microsecond, str) or plain_str(sub_microsecond) not in {
            "refuse",
            "floor",
        }:
            raise RatekitTypeError(
                f"Spec sub_microsecond must be 'refuse' or 'floor', not {r.show(sub_microsecond)}."
            )
        pairs = _meters(meters)
        units = _by_type(unit, "unit", pairs, _unit_text)
        units_from = _by_type(unit_from, "unit_from", pairs, _reference)
        _one_source(units, units_from, pairs)
        self.__attrs_init__(
            pairs,
            _quantity(quantity, pairs),
            _reference(account, "account"),
            _reference(resource, "resource"),
            typing.cast("SampleKind", plain_str(kind)),
            "skip" if plain_str(unknown) == "skip" else "error",
            "floor" if plain_str(sub_microsecond) == "floor" else "refuse",
            units,
            units_from,
        )

    @plain_text
    def __repr__(self) -> str:
        quantity = self.quantity if isinstance(self.quantity, str) else dict(self.quantity)
        text = f"Spec({dict(self.meters)!r}, quantity={quantity!r}"
        text += f", account={self.account!r}, resource={self.resource!r}"
        if self.kind != "delta":
            text += f", kind={self.kind!r}"
        if self.unknown != "error":
            text += f", unknown={self.unknown!r}"
        if self.sub_microsecond != "refuse":
            text += f", sub_microsecond={self.sub_microsecond!r}"
        for name, value in (("unit", self.unit), ("unit_from", self.unit_from)):
            if value is not None:
                shown = value if isinstance(value, str) else dict(value)
                text += f", {name}={shown!r}"
        return text + ")"


def _stopped(data: Mapping[str, object], path: str) -> tuple[str, object] | None:
    """Where ``path`` into ``data`` meets a value it cannot read into (a string, a number).

    The longest prefix that names such a value, and the value; None when the path is
    missing for another reason (a key absent). Only on a refusal's path. O(depth²).
    """
    parts = path.split(".")
    for end in range(1, len(parts)):
        prefix = ".".join(parts[:end])
        value = lookup(data, prefix)
        if value is MISSING:
            return None
        if not isinstance(value, Mapping | list | tuple):
            return prefix, value
    return None


def _resolve(
    item: Mapping[str, object], reference: str, position: r.Position, record: str = ""
) -> tuple[object, str]:
    """The value at ``reference`` and where it is; refusals name ``record`` if given."""
    where = r.at(position, reference) + (f" ({record})" if record else "")
    if not reference.startswith(_DATA):
        value = item.get(reference, MISSING)
    else:
        data = item.get("data", MISSING)
        if data is MISSING and "data_base64" in item:
            raise BadRecordError(
                f"{_WHAT} {r.at(position, 'data_base64')} is binary data; only JSON data "
                f"(a 'data' object) can be read for {reference!r}."
            )
        data_map = r.mapping(data, r.at(position, "data"), _WHAT) if data is not MISSING else {}
        try:
            value = lookup(data_map, reference[len(_DATA) :])
        except Exception as error:  # a caller's mapping or list on the path may raise anything
            raise BadRecordError(
                f"{_WHAT} {where} could not be read: an object on its path raised "
                f"{r.raised(error)}; give data as json.loads() gives it (dicts and lists)."
            ) from error
    if value is MISSING:
        stop = _stopped(data_map, reference[len(_DATA) :]) if reference.startswith(_DATA) else None
        if stop is not None:
            prefix, found = stop
            raise BadRecordError(
                f"{_WHAT} {where} is missing: {_DATA}{prefix} is {r.show(found)}, not an object "
                "or a list the path reads into; the spec reads it."
            )
        raise BadRecordError(f"{_WHAT} {where} is missing; the spec reads it.")
    return value, where


def _name(item: Mapping[str, object], reference: str, position: r.Position) -> str:
    """The account or resource at ``reference``: a non-empty string, or a whole number.

    A whole number is read as its decimal text, CloudEvents' canonical string of an
    Integer attribute (an extension ``customerid: 21891`` names account ``"21891"``).
    """
    value, where = _resolve(item, reference, position)
    if isinstance(value, str) and value:
        return r.valid_text(value, where, _WHAT)
    if type(value) is int and -_WHOLE <= value < _WHOLE:
        return str(value)
    raise BadRecordError(
        f"{_WHAT} {where} must be a non-empty string or an integer (a JSON number without "
        f"a fraction or exponent, from -2**63 to 2**63 - 1), not {r.show(value)}."
    )


def _time(item: Mapping[str, object], position: r.Position, spec: Spec, event_id: str) -> int:
    """The event's ``time`` in epoch µs, a fraction finer than a µs as the spec says.

    CloudEvents' Timestamp is RFC 3339: ISO 8601's other forms (a ``,`` before the
    fraction, a space for ``T``, ``+hhmm``) are refused naming the event's id.
    """
    _rfc3339.check(
        item,
        "time",
        position,
        _WHAT,
        record=f"event id {r.show(event_id)}",
        promise="CloudEvents requires",
    )
    value = item.get("time")
    if not isinstance(value, str):
        return r.instant(item, "time", position, _WHAT)
    finer = _FINER.search(value)
    if finer is None or not finer.group(2).strip("0"):
        return r.instant(item, "time", position, _WHAT)
    if spec.sub_microsecond == "floor":  # the digits after the sixth dropped: floored
        text = _FINER.sub(r"\1", plain_str(value), count=1)
        try:
            return r.instant({"time": text}, "time", position, _WHAT)
        except BadRecordError as error:  # it names the floored text: say what was given
            raise BadRecordError(
                f"{error} (The event's time is {r.show(value)}, read to the microsecond as "
                f"{r.show(text)} under sub_microsecond='floor'.)"
            ) from None
    try:
        return r.instant(item, "time", position, _WHAT)
    except BadRecordError as error:
        raise BadRecordError(
            f"{error} A producer that writes nanoseconds (the CloudEvents Go SDK does) is "
            "read by building the Spec with sub_microsecond='floor'."
        ) from None


def _in_meter_unit(
    item: Mapping[str, object],
    position: r.Position,
    value: Decimal,
    unit: TypeUnit,
    *,
    event_id: str,
    source: str,
    quantity_at: str,
) -> Decimal:
    """``value`` (read at ``quantity_at``), in the unit the spec gives the event's type, in its meter's unit. O(1).

    A unit the event states (at ``unit_from``) is read as written (a CloudEvent's ``GB``
    is 10^9 bytes); one that is missing, is no string, cannot be read or does not convert
    is refused naming the event by its ``id`` and ``source``, and the field.
    """
    meter, fixed, reference = unit
    record = f"event id {r.show(event_id)} from source {r.show(source)}"
    if fixed is not None:  # the meter takes it: checked before the feed was read
        return taken(value, fixed, meter, where=quantity_at, what=_WHAT, record=record)
    reference = typing.cast("str", reference)  # a type in units has one or the other
    written, where = _resolve(item, reference, position, record)
    place = r.at(position, reference)
    if not isinstance(written, str) or not written:
        raise BadRecordError(
            f"{_WHAT} {where} is {r.show(written)}; the spec reads the quantity's unit there: "
            "give a unit's name as a string, such as 'B', 'GB', 's' or 'count'."
        )
    unit_text = feed_unit(plain_str(written), place, _WHAT, record)
    return in_meter_unit(
        value, unit_text, meter, where=place, what=_WHAT, written=unit_text, record=record
    )


def _sample(
    item: Mapping[str, object],
    position: r.Position,
    spec: Spec,
    meters: Mapping[str, str],
    units: Mapping[str, TypeUnit],
) -> Sample | None:
    version = r.text(item, "specversion", position, _WHAT)
    if version != "1.0":
        raise BadRecordError(
            f"{_WHAT} {r.at(position, 'specversion')} is {r.show(version)}; only CloudEvents '1.0' is read."
        )
    event_id = r.text(item, "id", position, _WHAT)
    source = r.text(item, "source", position, _WHAT)
    event_type = r.text(item, "type", position, _WHAT)
    meter = meters.get(event_type)
    if meter is None:
        if spec.unknown == "skip":
            r.not_garbled(event_type, meters, r.at(position, "type"), _WHAT, "type")
            return None
        known = _some(meters)
        raise BadRecordError(
            f"{_WHAT} {r.at(position, 'type')} is {r.show(event_type)}, which the spec does not map to "
            f"a meter; it maps {known} (or build the Spec with unknown='skip')."
        )
    at = format_us(_time(item, position, spec, event_id))
    reference = spec.quantity if isinstance(spec.quantity, str) else dict(spec.quantity)[event_type]
    quantity, where = _resolve(item, reference, position)
    value = r.as_number(quantity, where, _WHAT)
    if spec.kind == "counter":
        value = r.reading(value, where, _WHAT)
    if event_type in units:
        value = _in_meter_unit(
            item,
            position,
            value,
            units[event_type],
            event_id=event_id,
            source=source,
            quantity_at=where,
        )
    account = _name(item, spec.account, position)
    resource = _name(item, spec.resource, position)
    # a '#' in the id is escaped, so that the pair reads back one way: source '/a#b' with
    # id 'c' and source '/a' with id 'b#c' are two events, not one
    record_id = f"{source}#{event_id.replace('%', '%25').replace('#', '%23')}"
    return r.build(
        position,
        lambda: Sample(account, resource, meter, at, value, kind=spec.kind, id=record_id),
    )


def usage_events(feed: object, spec: Spec, *, meters: Iterable[Meter] = ()) -> list[Sample]:
    """CloudEvents (JSON format, version 1.0) as samples, in the feed's order, as ``spec`` says.

    ``feed`` is a list of events (a batch, as the JSON batch format gives it), or any
    iterable of them, read once. ``meters`` are needed when the spec gives a type a unit
    (``unit`` or ``unit_from``): its quantity is converted to the unit of the meter it maps
    to (exactly by a ratio that ends in decimal, else to 60 significant digits), which must
    be among them ([`RatekitTypeError`][ratekit.RatekitTypeError] if not;
    [`UnitError`][ratekit.UnitError] if it cannot take the spec's fixed unit); each meter
    given that a type maps to must take the spec's ``kind`` (`RatekitTypeError`); all
    before any event is read. Errors:
    [`BadRecordError`][ratekit.BadRecordError] naming the position and field (and, for a
    unit an event states that is missing, unreadable or not convertible, the event's ``id``
    and ``source``). Cost: O(n).

    Examples:
        >>> from ratekit.adapters import cloudevents
        >>> spec = cloudevents.Spec({"tokens": "llm.tokens"}, quantity="data.tokens")
        >>> cloudevents.usage_events([{"specversion": "1.0", "id": "e-1", "source": "/gw", "type": "tokens",
        ...                            "subject": "c-1", "time": "2026-03-02T08:00:00Z", "data": {}}], spec)
        Traceback (most recent call last):
        ...
        ratekit.BadRecordError: CloudEvent [0].data.tokens is missing; the spec reads it.
        >>> import ratekit as rk
        >>> egress = rk.Meter("network.egress", "GB", rk.Discrete())
        >>> spec = cloudevents.Spec({"egress": "network.egress"}, quantity="data.n", unit_from="data.unit")
        >>> event = {"specversion": "1.0", "id": "e-2", "source": "/gw", "type": "egress",
        ...          "subject": "c-1", "time": "2026-03-02T08:00:00Z", "data": {"n": 1500, "unit": "MB"}}
        >>> cloudevents.usage_events([event], spec, meters=[egress])
        [Sample('c-1', 'c-1', 'network.egress', '2026-03-02T08:00:00Z', '1.5', id='/gw#e-2')]
    """
    if not isinstance(spec, Spec):
        raise RatekitTypeError(f"usage_events spec must be a cloudevents.Spec, not {r.show(spec)}.")
    by_name = r.meters_by_name(meters, "usage_events meters")
    units = _spec_meters.units(spec, by_name)
    _spec_meters.kinds_fit(spec, by_name)
    names = dict(spec.meters)
    return r.collect(
        feed, _WHAT, lambda item, position: _sample(item, position, spec, names, units)
    )
