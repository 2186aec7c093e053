"""The rater's snapshot codec: records and values as plain JSON data, and back.

A snapshot is a dict of JSON-safe values (str, int, bool, None, lists, dicts): Decimals
are written as strings, instants as integer epoch microseconds, and description values
as `ratekit._descriptions.encode_value()` writes them (Decimals, mappings and lists tagged
at any depth, as [`ratekit.ResourceState.to_json()`][ratekit.ResourceState.to_json] does).
The envelope (`ratekit._snapshot_seal`, its names re-exported here) carries a format
name, a version, the fingerprint of the plans and meters and a checksum, so that a
snapshot damaged, written by another version or taken under other plans is refused with
a [`BadSnapshotError`][ratekit.BadSnapshotError] that says why. The parts of a body are
read here through their doors: a malformed one is refused naming its path and what it
should be.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import typing
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from ._decimals import PLAIN
from ._descriptions import decode_value, encode_value
from ._fingerprints import fingerprint
from ._instants import MAX_US, MIN_US, check_us, format_us
from ._inventory_scope import decode_where, encode_where
from ._shown import show
from ._snapshot_seal import (
    FORMAT,
    MAX_DEPTH,
    VERSION,
    BodyShape,
    checksum,
    open_envelope,
    others,
    seal,
    too_deep,
)
from ._values import RESULT_MAX_ADJUSTED
from .errors import BadSnapshotError, RatekitError
from .records import Event, Inventory, Sample

__all__ = [
    "FORMAT",
    "MAX_DEPTH",
    "MAX_HORIZON_US",
    "VERSION",
    "BodyShape",
    "checksum",
    "decode_groups",
    "decode_identity",
    "decode_record",
    "digest",
    "encode_grouped",
    "encode_groups",
    "encode_record",
    "event_or_sample",
    "fingerprint",
    "finite_total",
    "identities",
    "instant",
    "line_key",
    "open_envelope",
    "others",
    "seal",
    "too_deep",
]

#: The longest horizon a rater takes, in microseconds (``timedelta.max``).
MAX_HORIZON_US: Final = _dt.timedelta.max // _dt.timedelta(microseconds=1)
_LONGEST: Final = 1000  # characters of a reported total, at most
_SHOWN: Final = 40  # characters of a refused value shown in a message
#: The adjusted exponents a reported total may have: a sum of amounts over fewer than
#: 1E+20 lines (each amount's last digit at 1E-159 or above: `ratekit._carried`), with
#: room to spare below (1E-400, as results once ranged from 1E-100 with 300 digits).
_TOTAL_LOW: Final = -400
_TOTAL_HIGH: Final = RESULT_MAX_ADJUSTED + 20

Record = Event | Sample | Inventory
T = typing.TypeVar("T")


def _plain(value: object) -> object:
    """An attribute value as JSON data: Decimals, mappings and lists tagged, at any depth."""
    return encode_value(value)


def _unplain(value: object) -> object:
    return decode_value(value)


def _attributes(mapping: Mapping[str, object]) -> dict[str, object]:
    return {key: _plain(value) for key, value in mapping.items()}


def _stored_attributes(data: object) -> dict[str, object]:
    """Stored attributes: a JSON object, as `encode_record()` writes (the door checks the rest)."""
    if not isinstance(data, dict):
        raise TypeError(
            f"stored attributes must be an object, not {type(data).__name__}: {show(data)}"
        )
    # The keys are checked by the record's door.
    return {key: _unplain(value) for key, value in data.items()}


def _stored_instant(data: object) -> str:
    """A stored instant (integer microseconds) as the text the record doors take."""
    return format_us(check_us(data, "stored instant"))


def _list(data: object, what: str) -> list[Any]:
    if not isinstance(data, list):
        raise TypeError(f"{what} must be a list, not {type(data).__name__}: {show(data)}")
    return data


def _items(data: object, what: str, shape: str, low: int, high: int | None = None) -> list[Any]:
    """A list of ``low`` to ``high`` items; TypeError naming ``what`` and its ``shape``."""
    items = _list(data, what)
    if not low <= len(items) <= (low if high is None else high):
        raise TypeError(f"{what} must be {shape}, not {show(items)}")
    return items


# Per tag, an encoded record's fields (what `encode_record()` writes), and how many.
_WIDTH: Final = {"E": 8, "S": 10, "I": 5}
_SHAPES: Final = {
    "E": ("an event", '["E", account, resource, at_us, attributes, kind, id, seq]'),
    "S": (
        "a sample",
        '["S", account, resource, meter, at_us, value, kind, since_us, id, seq]',
    ),
    "I": (
        "an inventory",
        '["I", at_us, [[account, resource, attributes], ...], close, id] or [..., accounts, where]',
    ),
}


def encode_record(record: Record) -> list[object]:
    """A record as a JSON-safe list: ``["E"|"S"|"I", ...fields]``. O(size of the record).

    Examples:
        >>> import ratekit as rk
        >>> encode_record(rk.Event("a", "r", "2026-03-01T00:00:00Z", {"x": 1}, kind="start", id="e1"))
        ['E', 'a', 'r', 1772323200000000, {'x': 1}, 'start', 'e1', None]
    """
    if type(record) is Event:
        return [
            "E",
            record.account,
            record.resource,
            record.at_us,
            _attributes(record.attributes),
            record.kind,
            record.id,
            record.seq,
        ]
    if type(record) is Sample:
        return [
            "S",
            record.account,
            record.resource,
            record.meter,
            record.at_us,
            str(record.value),
            record.kind,
            record.since_us,
            record.id,
            record.seq,
        ]
    assert type(record) is Inventory
    out: list[object] = [
        "I",
        record.at_us,
        [
            [account, resource, _attributes(attrs_)]
            for account, resource, attrs_ in record.resources
        ],
        record.close,
        record.id,
    ]
    if record.accounts is not None or record.where:  # a scope: two more fields
        accounts = None if record.accounts is None else list(record.accounts)
        out += [accounts, encode_where(record.where)]
    return out


def event_or_sample(
    fields: list[Any],
    instant: Callable[[object], _dt.datetime | str],
    attributes: Callable[[object], dict[str, object]],
) -> Event | Sample:
    """An event or a sample through its door, from the fields `encode_record()` writes.

    ``instant`` reads a stored instant, ``attributes`` stored attributes: each version of
    the snapshot stores them its own way, and both build the record here. O(fields).
    """
    if fields[0] == "E":
        _, account, resource, at_us, stored, kind, record_id, seq = fields
        return Event(
            account, resource, instant(at_us), attributes(stored), kind=kind, id=record_id, seq=seq
        )
    _, account, resource, meter, at_us, value, kind, since_us, record_id, seq = fields
    return Sample(
        account,
        resource,
        meter,
        instant(at_us),
        value,
        kind=kind,
        since=None if since_us is None else instant(since_us),
        id=record_id,
        seq=seq,
    )


def decode_record(data: Any) -> Record:
    """The record that `encode_record()` wrote.

    Examples:
        >>> import ratekit as rk
        >>> record = rk.Sample("a", "r", "egress", "2026-03-01T00:00:00Z", "2.5", id="s1")
        >>> decode_record(encode_record(record)) == record
        True
    """
    tag = _tag(_list(data, "a record"), "a record", "ESI")
    name, shape = _SHAPES[tag]
    _items(data, name, shape, _WIDTH[tag], _WIDTH[tag] + 2 if tag == "I" else None)
    if tag != "I":
        return event_or_sample(data, _stored_instant, _stored_attributes)
    _, at_us, resources, close, record_id, *scope = data
    listed = {}
    for item in _list(resources, "an inventory's resources"):
        account, resource, attributes = _items(
            item, "an inventory's resource", "[account, resource, attributes]", 3
        )
        if not isinstance(account, str) or not isinstance(resource, str):
            raise TypeError(f"an inventory's resource is named by two strings, not {show(item)}")
        if (account, resource) in listed:
            raise ValueError(f"an inventory lists {show([account, resource])} twice")
        listed[account, resource] = _stored_attributes(attributes)
    if not scope:  # unscoped (and every inventory written before scopes)
        return Inventory(_stored_instant(at_us), listed, close=close, id=record_id)
    if len(scope) != 2:
        raise TypeError(f"{name} must be {shape}, not {show(data)}")
    accounts, where = scope
    return Inventory(
        _stored_instant(at_us),
        listed,
        close=close,
        id=record_id,
        accounts=accounts,
        where=decode_where(where),
    )


def _tag(items: list[Any], what: str, tags: str) -> str:
    """The tag that opens an encoded record (one of the letters ``tags``); ValueError else."""
    tag = items[0] if items else None
    if not (isinstance(tag, str) and len(tag) == 1 and tag in tags):
        *most, last = (repr(letter) for letter in tags)
        raise ValueError(
            f"{what} must start with its tag {', '.join(most)} or {last}, not {show(items)}"
        )
    return tag


def encode_groups(records: Iterable[Record]) -> list[object]:
    """Events and samples per resource, compactly: ``[account, resource, [record, ...]]``.

    Each record is `encode_record()`'s list without its account and resource, and
    without trailing ``None`` fields; a plain delta at an instant (no ``since``, no
    ``seq``) is ``["D", meter, at_us, value, id]``. Inventories are not grouped (they
    name no single resource): encode them with `encode_record()`. O(n).

    Examples:
        >>> import ratekit as rk
        >>> encode_groups([rk.Sample("a", "r", "egress", "2026-03-01T00:00:00Z", 5, id="s1")])
        [['a', 'r', [['D', 'egress', 1772323200000000, '5', 's1']]]]
    """
    groups: dict[tuple[str, str], list[Record]] = {}
    for record in records:
        assert type(record) is not Inventory
        groups.setdefault((record.account, record.resource), []).append(record)
    return encode_grouped(groups)


def encode_grouped(groups: Mapping[tuple[str, str], Iterable[Record]]) -> list[object]:
    """`encode_groups()` of records already grouped per (account, resource). O(n)."""
    # Many records carry equal attributes (a resource's flavor, a fleet's few shapes):
    # each distinct mapping is encoded once (attributes are frozen, their hash kept).
    encoded: dict[Mapping[str, object], dict[str, object]] = {}
    out: list[object] = []
    for (account, resource), records in groups.items():
        items: list[list[object]] = []
        append = items.append
        for record in records:
            if type(record) is Sample:
                if record.kind == "delta" and record.since_us is None and record.seq is None:
                    rest = ["D", record.meter, record.at_us, str(record.value), record.id]
                else:
                    rest = ["S", *encode_record(record)[3:]]
            else:
                assert type(record) is Event
                mapping = record.attributes
                attributes = encoded.get(mapping)
                if attributes is None:
                    attributes = encoded[mapping] = _attributes(mapping)
                rest = ["E", record.at_us, attributes, record.kind, record.id, record.seq]
            while rest[-1] is None:
                rest.pop()
            append(rest)
        if items:
            out.append([account, resource, items])
    return out


def decode_groups(data: Any, path: str = "body.by_resource") -> list[Record]:
    """The records that `encode_groups()` wrote.

    Examples:
        >>> import ratekit as rk
        >>> record = rk.Event("a", "r", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="e1")
        >>> decode_groups(encode_groups([record])) == [record]
        True
    """
    out: list[Record] = []
    with decoding(path):
        groups = _list(data, "it")
    for number, group in enumerate(groups):
        with decoding(f"{path}[{number}]"):
            _list(group, "a group")
            account, resource, items = _items(
                group, "a group", "[account, resource, [record, ...]]", 3
            )
            _list(items, "a group's records")
        for index, item in enumerate(items):
            with decoding(f"{path}[{number}][2][{index}]"):
                tag = _tag(_list(item, "a record"), "a grouped record", "ESD")
                if tag == "D":
                    _items(item, "a delta", '["D", meter, at_us, value] or [..., id]', 4, 5)
                    meter, at_us, value, *rest = item[1:]
                    item = ["S", meter, at_us, value, "delta", None, *rest]  # noqa: PLW2901
                width = _WIDTH[item[0]]
                name, shape = _SHAPES[item[0]]
                shape = shape.replace(" account, resource,", "")
                _items(
                    item, f"{name} of a group", f"{shape} (trailing nulls left out)", 2, width - 2
                )
                full = [item[0], account, resource, *item[1:]]
                full += [None] * (width - len(full))
                out.append(decode_record(full))
    return out


def decode_each(body: Mapping[str, Any], name: str, decode: typing.Callable[[Any], T]) -> list[T]:
    """Each item of the list ``body[name]``, decoded; BadSnapshotError naming its path.

    An item that ``decode`` (which builds values through their doors) refuses is named
    ``body.name[index]`` in the error. O(n).
    """
    out: list[T] = []
    with decoding(f"body.{name}"):
        items = _list(body[name], "it")
    for index, item in enumerate(items):
        with decoding(f"body.{name}[{index}]"):
            out.append(decode(item))
    return out


def _strings(item: object, low: int, high: int, what: str) -> list[Any]:
    """A list of ``low`` to ``high`` strings (None allowed after the first two)."""
    parts = _list(item, what)
    if not low <= len(parts) <= high or not all(
        isinstance(part, str) or (index >= 2 and part is None) for index, part in enumerate(parts)
    ):
        raise TypeError(f"{what} must be {low} to {high} strings, not {show(item)}")
    return parts


_TYPES: Final = ("Event", "Sample", "Inventory")


def _record_type(kind: object, what: str) -> None:
    if kind not in _TYPES:
        raise ValueError(f"{what} names a record type, not {show(kind)}")


def decoding(what: str) -> _Decoding:
    """A context that turns a malformed body into a [`BadSnapshotError`][ratekit.BadSnapshotError]."""
    return _Decoding(what)


class _Decoding:
    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: object, _: object
    ) -> typing.Literal[False]:
        if kind is None or issubclass(kind, BadSnapshotError):
            return False
        if issubclass(
            kind, RatekitError | KeyError | ValueError | TypeError | IndexError | AttributeError
        ) or (issubclass(kind, decimal.DecimalException)):
            where = "" if self.what == "body" else f"at {self.what}: "
            raise BadSnapshotError(
                f"Rater snapshot body is malformed ({where}{error}); restore an unaltered copy."
            ) from None
        return False


def instant(body: dict[str, Any], name: str) -> int:
    """An integer field of a snapshot body (microseconds); not a float, a bool or a str.

    An instant (all but ``horizon_us``) lies within ratekit's instants, `MIN_US` to
    `MAX_US` (before 1970 is negative, and fine); a horizon is from zero to the longest
    timedelta, as the rater's door takes it.
    """
    value = body[name]
    if type(value) is not int:
        raise BadSnapshotError(
            f"Rater snapshot {name} must be an integer number of microseconds, not "
            f"{type(value).__name__}: {show(value)}; restore an unaltered copy."
        )
    if name == "horizon_us":
        if value > MAX_HORIZON_US:
            raise BadSnapshotError(
                f"Rater snapshot horizon_us {show(value)} is longer than a rater's horizon "
                f"can be (a timedelta, at most {MAX_HORIZON_US} µs); restore an unaltered copy."
            )
    elif not MIN_US <= value <= MAX_US:
        raise BadSnapshotError(
            f"Rater snapshot {name} {show(value)} lies outside the instants ratekit "
            f"represents ({MIN_US} to {MAX_US} µs, that is 0001-01-01 to 9999-12-31 in UTC); "
            "restore an unaltered copy."
        )
    return value


def finite_total(text: object) -> Decimal:
    """A reported total: a short decimal string of a finite number in ratekit's range.

    Totals are exact sums of amounts, so they may hold more digits than ratekit's 60-digit
    context; a thousand characters hold any sum of real amounts.
    """
    plain = isinstance(text, str) and len(text) <= _LONGEST and PLAIN.fullmatch(text)
    value = Decimal(text) if plain and isinstance(text, str) else None
    if value is None or (value and not _TOTAL_LOW <= value.adjusted() <= _TOTAL_HIGH):
        shown = text if not isinstance(text, str) or len(text) <= _SHOWN else text[:_SHOWN] + "..."
        raise BadSnapshotError(
            f"Rater snapshot reported total {shown!r} is not a plain decimal string (ASCII "
            f"digits, no spaces) of at most {_LONGEST} characters with, unless zero, a "
            f"magnitude from 1E{_TOTAL_LOW} up to but excluding 1E+{_TOTAL_HIGH + 1} (what "
            "sums of amounts reach); restore an unaltered copy."
        )
    return value


def line_key(item: list[Any]) -> tuple[object, ...]:
    """A reported line's key, checked: names, then the cycle in integer microseconds.

    Account, cycle start and end, kind, plan, meter, entry, resource, unit, currency
    (strings, or None where a line has none).
    """
    if not isinstance(item, list) or len(item) != 12:
        raise BadSnapshotError(
            f"Rater snapshot reported line {show(item)} is not a list of 12 items (account, "
            "cycle start and end, kind, plan, meter, entry, resource, unit, currency, quantity "
            "and amount totals); restore an unaltered copy."
        )
    key = tuple(item[:10])
    start, end = key[1], key[2]
    if (
        not isinstance(key[0], str)
        or type(start) is not int
        or type(end) is not int
        or not MIN_US <= start < end <= MAX_US
        or not all(part is None or isinstance(part, str) for part in key[3:])
    ):
        raise BadSnapshotError(
            f"Rater snapshot reported line {item[:10]!r} is not a line's key (account, cycle "
            "start and end in integer microseconds, kind, plan, meter, entry, resource, unit, "
            "currency); restore an unaltered copy."
        )
    return key


def digest(record: Record) -> str:
    """The sha256 of a record's canonical content (a forgotten id's replay is checked on it)."""
    return checksum(encode_record(record))


def identities(identities: Iterable[object]) -> list[object]:
    """Identities as JSON data: ``[type, id]``, or ``["record", encoded]`` without an id."""
    out: list[object] = []
    for identity in identities:
        if isinstance(identity, tuple):
            out.append(list(identity))
        else:
            out.append(["record", encode_record(typing.cast("Record", identity))])
    return sorted(out, key=repr)


def decode_identity(item: list[Any]) -> object:
    """A record's identity: ``[type, id]``, or ``["record", encoded]`` for one without id."""
    parts = _items(item, "a record's identity", '[type, id] or ["record", record]', 2)
    if parts[0] == "record":
        return decode_record(parts[1])
    kind, record_id = _strings(item, 2, 2, "a record's identity")
    _record_type(kind, "a record's identity")
    return (kind, record_id)
