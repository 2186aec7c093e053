"""The kept records of a rater's snapshot (format version 2 on), in columns.

Version 1 wrote each kept record as a list of its own (`ratekit._snapshot.encode_grouped()`):
the records of the open cycles, with their instants, kinds, meters and descriptions, were
most of a snapshot. Version 2 writes the same values as columns, every repeated value once,
in ``by_resource``: ``{"attributes": [...], "shapes": [...], "groups": [...]}``. Each
distinct mapping of event attributes is written once in ``attributes`` (as
`ratekit._descriptions.encode_value()` writes it); each distinct shape of a record
(``["E", kind, attributes index]`` or ``["S", kind, meter]``) once in ``shapes``. A
group holds one resource's kept records, in their order, as columns:
``[account, resource, at, shape, id, value]``, then ``seq`` and ``since`` when any
record of the group has one. ``at`` is the first record's instant in integer
microseconds, then each record's distance from the one before (negative when it is
earlier); ``shape`` the records' shapes as runs, ``[shape index, count, ...]`` (a
resource's samples are mostly of one shape); ``id`` the records' ids as given (or
null), or, when all of them are one prefix followed by a number written plainly (no
leading zero, at most 15 digits), ``{"prefix": "r", "steps": [...]}``, each number's
distance from the one before; ``value`` the samples' values, in order, as ``str``
writes them (the exponent kept: ``'1.50'`` stays ``'1.50'``); ``seq`` each record's
seq (or null), ``since`` each record's ``since`` instant (or null).

Version 4 writes the same columns, each column of integers packed into one string of
Base64 VLQ (`ratekit._vlq`) instead of a list: in a group, ``at``, ``shape`` and an id's
``steps``, and ``value`` as two integers per sample, its coefficient's magnitude doubled
plus its sign (1 for ``-``) and its exponent (``'-1.50'`` is 301 and -2: ``str`` of
the Decimal they make is the text version 3 wrote). ``seq`` and ``since`` stay
lists (they may hold nulls). Version 4 holds the same values as version 3 in about half
the characters. The reported lines are written in columns of their own
(`ratekit._snapshot_reported`), with this module's checks of a column and its packing
of a value.

Decoding rebuilds each record and sends it through the doors version 1 used
(`ratekit._snapshot.decode_record()`'s record doors): what they refused then, they
refuse now, with the same words. A malformed column (not a list, an index out of range,
a column of another length than the records') is refused naming its path. O(n) each way.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import typing
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from ._descriptions import decode_value, encode_value
from ._instants import check_us, from_us
from ._shown import show
from ._snapshot import VERSION, decoding, event_or_sample
from ._vlq import decode as _unpack
from ._vlq import encode as _pack
from ._vlq import encode_one
from .records import Event, Inventory, Sample

__all__ = ["decode_kept", "encode_kept"]

Record = Event | Sample | Inventory
_KEPT: Final = frozenset(("attributes", "shapes", "groups"))
_GROUP: Final = "[account, resource, at, shape, id, value] (then seq and since, when any)"
_PACKED: Final = 4  # the first version whose columns of integers are Base64 VLQ strings
# The exponents a packed value may have at most: far beyond a sample's or a total's, and
# well within what Decimal takes from text whatever the context.
_EXPONENT: Final = 10**9


def encode_kept(
    groups: Mapping[tuple[str, str], Iterable[Record]], version: int = VERSION
) -> dict[str, object]:
    """Events and samples per (account, resource), as columns (see the module). O(n).

    ``version``: the format to write, 4 (integers packed) or 3 (lists, as version 2 and
    3 wrote them).

    Examples:
        >>> import ratekit as rk
        >>> start = rk.Event("a", "r", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="e1")
        >>> delta = rk.Sample("a", "r", "egress", "2026-03-01T00:00:01Z", "1.50", id="s1")
        >>> encode_kept({("a", "r"): [start, delta]})
        {'attributes': [{'f': 's'}], 'shapes': [['E', 'start', 0], ['S', 'delta', 'egress']], 'groups': [['a', 'r', 'ggwt4m563kDgkh9B', 'ABBB', ['e1', 's1'], 'sJF']]}
        >>> encode_kept({("a", "r"): [start, delta]}, version=3)
        {'attributes': [{'f': 's'}], 'shapes': [['E', 'start', 0], ['S', 'delta', 'egress']], 'groups': [['a', 'r', [1772323200000000, 1000000], [0, 1, 1, 1], ['e1', 's1'], ['1.50']]]}
    """
    packed = version >= _PACKED
    # Keyed by their repr, not by equality: equal mappings may differ in their keys' order
    # or their Decimals' exponents (1.5 == 1.50), which must come back as written.
    attributes: dict[str, tuple[int, Mapping[str, object]]] = {}
    # A batch's events often share one mapping object: each object written once (the
    # records hold them alive, so their ids stay theirs while this runs).
    objects: dict[int, int] = {}
    shapes: dict[tuple[object, ...], int] = {}
    out: list[object] = []
    for (account, resource), given in groups.items():
        records = typing.cast("list[Event | Sample]", list(given))
        if not records:
            continue
        # Each record's shape, by its number in ``shapes``.
        numbers: list[int] = []
        for record in records:
            if type(record) is Sample:
                key: tuple[object, ...] = ("S", record.kind, record.meter)
            else:
                assert type(record) is Event
                mapping = record.attributes
                index = objects.get(id(mapping))
                if index is None:
                    written = repr(mapping)
                    known = attributes.get(written)
                    if known is None:
                        known = attributes[written] = (len(attributes), mapping)
                    index = objects[id(mapping)] = known[0]
                key = ("E", record.kind, index)
            number = shapes.get(key)
            if number is None:
                number = shapes[key] = len(shapes)
            numbers.append(number)
        shape: list[int] = []  # runs: [shape, count, shape, count, ...]
        for number, run in itertools.groupby(numbers):
            shape += (number, sum(1 for _ in run))
        group: list[object] = [account, resource, *_written(records, shape, packed)]
        seqs = [record.seq for record in records]
        sinces = [record.since_us if type(record) is Sample else None for record in records]
        has_since = sinces.count(None) < len(sinces)
        has_seq = seqs.count(None) < len(seqs)
        if has_since or has_seq:
            group.append(seqs if has_seq else None)
            if has_since:
                group.append(sinces)
        out.append(group)
    return {
        "attributes": [
            {k: encode_value(v) for k, v in mapping.items()} for _, mapping in attributes.values()
        ],
        "shapes": [list(key) for key in shapes],
        "groups": out,
    }


def _written(records: list[Event | Sample], shape: list[int], packed: bool) -> list[object]:
    """A group's columns at, shape, id and value: lists, or (``packed``) Base64 VLQ strings."""
    stamps = [record.at_us for record in records]
    at = [b - a for a, b in zip([0, *stamps], stamps, strict=False)]
    ids = _numbered([record.id for record in records])
    # as kept: an int given stays one (`records._kept_value`), written as its Decimal is
    samples = [record._value for record in records if type(record) is Sample]  # type: ignore[attr-defined]
    if not packed:
        return [at, shape, ids, list(map(str, samples))]
    if isinstance(ids, dict):
        ids = {"prefix": ids["prefix"], "steps": _pack(ids["steps"])}
    values = "".join(map(_packed_value, samples))
    return [_pack(at), _pack(shape, signed=False), ids, values]


def _object(data: object, keys: frozenset[str], what: str) -> dict[str, Any]:
    if not isinstance(data, dict) or data.keys() != keys:
        shown = f"keys {show(sorted(data))}" if isinstance(data, dict) else type(data).__name__
        raise TypeError(
            f"{what} must be an object of keys {', '.join(sorted(keys))}, not {shown}: {show(data)}"
        )
    return data


def _list(data: object, what: str) -> list[Any]:
    if not isinstance(data, list):
        raise TypeError(f"{what} must be a list, not {type(data).__name__}: {show(data)}")
    return data


def _index(value: object, size: int, what: str) -> int:
    """An index into a table of ``size`` items: an int, not a bool."""
    if type(value) is not int or not 0 <= value < size:
        raise ValueError(f"{what} must be an index from 0 to {size - 1}, not {show(value)}")
    return value


def _column(group: list[Any], place: int, size: int, what: str) -> list[Any]:
    """The column at ``place`` of a group: a list of ``size`` items."""
    column = _list(group[place], what)
    if len(column) != size:
        raise ValueError(f"{what} has {len(column)} items, not one per record ({size})")
    return column


_DIGITS: Final = "0123456789"  # ASCII only: int() takes other digits, str() writes these


def _numbered(ids: list[str | None]) -> object:
    """A group's ids: ``{"prefix", "steps"}`` when all are one prefix and a number, else as given.

    An id's number is its last ASCII digits, without leading zeros, at most 15 (so that
    any JSON reader holds it exactly): ``"r007"`` is ``"r00"`` and 7, and its text is
    the prefix then ``str`` of the number. The steps are each number's distance from
    the one before (from 0 for the first): ``["r7", "r9", "r8"]`` is
    ``{"prefix": "r", "steps": [7, 2, -1]}``.
    """
    if not ids or None in ids:
        return ids
    # The common case first, a list at a time at C speed: one prefix, then numbers of
    # ASCII digits only (no text empty), at most 15 of them, without leading zeros (each
    # written back as ``str`` writes its number).
    named = typing.cast("list[str]", ids)
    prefix = named[0].rstrip(_DIGITS)
    size = len(prefix)
    texts = [record_id[size:] for record_id in named]
    joined = "".join(texts)
    if (
        all(map(str.startswith, named, itertools.repeat(prefix)))
        and all(texts)
        and joined.isascii()
        and joined.isdigit()
        and max(map(len, texts)) <= 15
    ):
        numbers = list(map(int, texts))
        if list(map(str, numbers)) == texts:
            return {
                "prefix": prefix,
                "steps": [b - a for a, b in zip([0, *numbers], numbers, strict=False)],
            }
    return _numbered_each(typing.cast("list[str]", ids))


def _numbered_each(ids: list[str]) -> object:
    """`_numbered()` of ids one by one: leading zeros and long numbers."""
    prefix = None
    steps: list[int] = []
    last = 0
    for record_id in ids:
        digits = record_id[len(record_id.rstrip(_DIGITS)) :][-15:].lstrip("0")
        if not digits:  # no digit, or only zeros
            if not record_id.endswith("0"):
                return ids
            digits = "0"
        stem = record_id[: len(record_id) - len(digits)]
        if prefix is None:
            prefix = stem
        elif stem != prefix:
            return ids
        number = int(digits)
        steps.append(number - last)
        last = number
    return ids if prefix is None else {"prefix": prefix, "steps": steps}


def _ids(data: object, size: int, *, packed: bool = False) -> list[str | None]:
    """The ids that `_numbered()` wrote: a list, or a prefix and the steps of the numbers.

    ``packed``: the steps are one Base64 VLQ string (version 4), not a list.
    """
    if not isinstance(data, dict):
        return _column([data], 0, size, "a group's id")
    if data.keys() != {"prefix", "steps"} or not isinstance(data["prefix"], str):
        raise TypeError(
            f"a group's id must be a list or an object of a prefix and steps, not {show(data)}"
        )
    prefix = data["prefix"]
    out: list[str | None] = []
    number = 0
    steps = data["steps"]
    if packed:
        steps = _unpack(steps, "a group's id steps")
    for step in _column([steps], 0, size, "a group's id steps"):
        if type(step) is not int or not 0 <= number + step < 10**15:
            raise ValueError(
                f"a group's id steps must be integers that keep the number from 0 to "
                f"999999999999999, not {show(step)} after {number}"
            )
        number += step
        out.append(f"{prefix}{number}")
    return out


def _runs(data: object, size: int) -> list[int]:
    """A group's shape column, from its runs ``[shape, count, ...]``: one per record."""
    runs = _list(data, "a group's shape")
    out: list[int] = []
    for shape, count in zip(runs[::2], runs[1::2], strict=False):
        if type(count) is not int or count < 1:
            raise ValueError(f"a group's shape runs must count 1 or more, not {show(count)}")
        if count > size - len(out):  # checked before the run is built: a count may be huge
            break
        out += [shape] * count
    else:
        if len(runs) % 2 == 0 and len(out) == size:
            return out
    raise ValueError(
        f"a group's shape must be runs [shape, count, ...] of one shape per record ({size}), "
        f"not {show(runs)}"
    )


def _shapes(data: object, attributes: int) -> list[tuple[str, object, object]]:
    out: list[tuple[str, object, object]] = []
    for number, item in enumerate(_list(data, "shapes")):
        with decoding(f"body.by_resource.shapes[{number}]"):
            parts = _list(item, "a record's shape")
            if len(parts) != 3 or parts[0] not in ("E", "S"):
                raise ValueError(
                    "a record's shape must be ['E', kind, attributes index] or "
                    f"['S', kind, meter], not {show(parts)}"
                )
            if parts[0] == "E":
                _index(parts[2], attributes, "an event shape's attributes")
            out.append((parts[0], parts[1], parts[2]))
    return out


def decode_kept(data: object, version: int = VERSION) -> list[Record]:
    """The records that `encode_kept()` wrote in ``version``, each through its door.

    Examples:
        >>> import ratekit as rk
        >>> start = rk.Event("a", "r", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="e1")
        >>> decode_kept(encode_kept({("a", "r"): [start]})) == [start]
        True
    """
    with decoding("body.by_resource"):
        kept = _object(data, _KEPT, "it")
        tables = _list(kept["attributes"], "attributes")
        groups = _list(kept["groups"], "groups")
    shapes = _shapes(kept["shapes"], len(tables))
    decoded: dict[int, Mapping[str, object]] = {}  # each mapping decoded once
    out: list[Record] = []
    for number, group in enumerate(groups):
        path = f"body.by_resource.groups[{number}]"
        with decoding(path):
            _list(group, "a group")
            if not 6 <= len(group) <= 8:
                raise TypeError(f"a group must be {_GROUP}, not {show(group)}")
            account, resource = group[0], group[1]
            at, shape, ids, values = _columns(group, version)
            size = len(at)
            seqs = [None] * size if len(group) < 7 or group[6] is None else None
            seqs = seqs or _column(group, 6, size, "a group's seq")
            sinces = _column(group, 7, size, "a group's since") if len(group) == 8 else None
        last = 0
        taken = 0
        for index in range(size):
            with decoding(f"{path}, record {index}"):
                step = at[index]
                if type(step) is not int:
                    raise TypeError(f"an instant's step must be an integer, not {show(step)}")
                last += step
                tag, kind, third = shapes[_index(shape[index], len(shapes), "a shape")]
                since = None if sinces is None else sinces[index]
                if tag == "E":
                    if since is not None:
                        raise ValueError(f"an event has no since, not {show(since)}")
                    where = typing.cast("int", third)
                    mapping = decoded.get(where)
                    if mapping is None:
                        mapping = _attributes(tables[where])
                    record: Record = _decode_record(
                        ["E", account, resource, last, mapping, kind, ids[index], seqs[index]]
                    )
                    decoded[where] = typing.cast("Event", record).attributes
                else:
                    if taken >= len(values):
                        raise ValueError(
                            f"a group's value has {len(values)} items, fewer than its samples"
                        )
                    value = _stored_value(values[taken], version)
                    taken += 1
                    record = event_or_sample(
                        [
                            "S",
                            account,
                            resource,
                            third,
                            last,
                            value,
                            kind,
                            since,
                            ids[index],
                            seqs[index],
                        ],
                        _instant,
                        _decoded,
                    )
                out.append(record)
        if taken != len(values):
            with decoding(path):
                raise ValueError(
                    f"a group's value has {len(values)} items, not one per sample ({taken})"
                )
    return out


def _packed_value(value: Decimal | int) -> str:
    """A finite Decimal as two Base64 VLQ integers: its coefficient and sign, its exponent.

    An int (a sample keeps one given so) is written as the Decimal it equals: exponent 0.
    """
    if isinstance(value, int):
        return encode_one(abs(value) << 1 | (value < 0), signed=False) + "A"
    text = str(value)
    if text.isdigit():  # most values: a whole number (ASCII digits: str writes no other)
        return encode_one(int(text) << 1, signed=False) + "A"  # its exponent, 0
    sign, digits, exponent = value.as_tuple()
    coefficient = int("".join(map(str, digits)))
    return encode_one(coefficient << 1 | sign, signed=False) + encode_one(
        typing.cast("int", exponent)
    )


def _values(data: object, what: str, longest: int = 60) -> list[str]:
    """The values `_packed_value()` wrote in one string, each as ``str`` writes its Decimal.

    Each value's coefficient takes ``longest`` characters at most: 60 hold 89 digits, more
    than a sample's 60; a reported total's 1,000 take 665.
    """
    numbers = _unpack(data, what, signed=False, longest=longest)
    if len(numbers) % 2:
        raise ValueError(f"{what} must hold two integers per value, not {len(numbers)}")
    out: list[str] = []
    for coefficient, written in zip(numbers[::2], numbers[1::2], strict=True):
        # The exponent was written signed: its magnitude doubled, plus one if negative.
        exponent = -(written >> 1) if written & 1 else written >> 1
        if not -_EXPONENT <= exponent <= _EXPONENT:  # a Decimal takes it, in any context
            raise ValueError(
                f"{what} holds the exponent {exponent}; a value's is from -{_EXPONENT} to "
                f"{_EXPONENT}"
            )
        sign = "-" if coefficient & 1 else ""
        if exponent:
            out.append(str(Decimal(f"{sign}{coefficient >> 1}E{exponent}")))
        else:
            out.append(f"{sign}{coefficient >> 1}")
    return out


def _columns(
    group: list[Any], version: int
) -> tuple[list[Any], list[int], list[str | None], list[Any]]:
    """A group's instants, shapes, ids and values, as lists of one item per record or sample.

    Version 4 packs the integers of the first three and the values (`ratekit._vlq`).
    """
    if version >= _PACKED:
        at: list[Any] = _unpack(group[2], "a group's at")
        shape = _runs(_unpack(group[3], "a group's shape", signed=False), len(at))
        ids = _ids(group[4], len(at), packed=True)
        values: list[Any] = _values(group[5], "a group's value")
    else:
        at = _list(group[2], "a group's at")
        shape = _runs(group[3], len(at))
        ids = _ids(group[4], len(at))
        values = _list(group[5], "a group's value")
    return at, shape, ids, values


def _attributes(data: object) -> dict[str, object]:
    if not isinstance(data, dict):
        raise TypeError(f"attributes must be an object, not {type(data).__name__}: {show(data)}")
    return {key: decode_value(value) for key, value in data.items()}


def _instant(at_us: object) -> _dt.datetime:
    """A stored instant (integer microseconds) as an aware datetime, which the doors take.

    (Version 1's decoder wrote it as text, which the door then parsed back.)
    """
    return from_us(check_us(at_us, "stored instant"))


def _stored_value(value: object, version: int) -> object:
    """A kept sample's stored value, as the sample's door is to take it.

    Packed, it is plain decimal text that `_values()` wrote: exact as a `Decimal`, which
    the door takes quickly (and checks its range). Before, it is the JSON item, which
    must be a string and goes through the door's text checks.
    """
    if version >= _PACKED:
        return Decimal(typing.cast("str", value))
    if not isinstance(value, str):
        raise TypeError(f"a sample's value is stored as a string, not {show(value)}")
    return value


def _decode_record(item: list[Any]) -> Record:
    """A record through its door, from the fields version 1 wrote (attributes decoded)."""
    if item[0] == "S" and not isinstance(item[5], str):
        raise TypeError(f"a sample's value is stored as a string, not {show(item[5])}")
    return event_or_sample(item, _instant, _decoded)


def _decoded(attributes: object) -> dict[str, object]:
    """Attributes the attributes table decoded already (`_attributes()`)."""
    return typing.cast("dict[str, object]", attributes)
