"""What the rater remembers of the records it judged too late, and for how long.

Private to [`ratekit.Rater`][ratekit.Rater]. A record stamped before the kept cycles is
too late: it is not kept (an event or a counter reading is placed in the compacted
state, an inventory reconciled with it, any other record named with its quantity). Left
at that, the same record fed again in a later batch would be judged too late again, its
quantity named, or its event placed, twice. So the rater remembers each record it
judged too late: its identity (type and id; a record without an id is its content) and
a 64-bit digest of its content (each number by its value, however written: ``5`` and
``"5.0"`` are one), the digest the ids compacted away keep. A replay of it (same id,
same content; or the same content without an id) is then a duplicate; another version
(same id, other content; or another type of record under its id) is ``conflicting``:
as when both come in one batch, and as for a kept record.

For how long: as a record of the oldest kept cycle fed with it is remembered, until
that cycle is compacted and then among the ids compacted away last, until the
compaction after. Each entry is *fresh* (judged since the last compaction) or carried
(judged before it): a compaction carries the fresh ones and drops the carried ones.
So the memory holds what was judged too late over two compactions at most, and does
not grow with history; a replay older than that is too late again (its anomaly says it
may be a replay), as a replay of a record compacted away before the last compaction is.

A record with an id is remembered among the ids compacted away (``rater._forgotten``,
with its digest), which every door that asks whether an id was seen reads already;
``rater._too_late`` says which of those, and which contents without an id, were judged
too late, and whether since the last compaction.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from . import _metering_memory as _memory
from . import _snapshot
from ._shown import show
from .errors import BadSnapshotError
from .records import Event, Inventory, Sample

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["carried", "check", "encode", "load", "remember", "seen", "written"]

Record = Event | Sample | Inventory

#: Hex digits of a remembered content digest (64 bits), as the ids compacted away keep
#: (`_rater_store.DIGEST` is this one).
DIGEST: Final = 16
_HEX: Final = frozenset("0123456789abcdef")
_KINDS: Final = ("Event", "Sample", "Inventory")

#: A remembered record: ``(type, id)`` with an id (its digest in ``rater._forgotten``),
#: ``(type, None, digest)`` without one.
Key = tuple[str, str] | tuple[str, None, str]


def digest(record: Record) -> str:
    """The digest of ``record``'s content that the rater remembers. O(size of the record).

    Of a record it no longer keeps: compacted away, or judged too late. Normalised as
    records compare (a number by its value, however written), so that a replay written
    another way (``5`` and ``"5.0"``) is still one: a sample's value, and an event's
    attributes when each is text or a number, by their normalised text; any other
    record as `_metering_memory.digest()` normalises it (slower: it walks the whole
    content). Equal records take the same way, so they have equal digests.
    """
    if type(record) is Sample:
        encoded = _snapshot.encode_record(record)
        encoded[5] = _memory.number_text(record.value)
        return _snapshot.checksum(encoded)[:DIGEST]
    if type(record) is Event:
        attributes = _flat(record.attributes)
        if attributes is not None:  # as encode_record() writes it, but the attributes
            encoded = [
                "E",
                record.account,
                record.resource,
                record.at_us,
                attributes,
                record.kind,
                record.id,
                record.seq,
            ]
            return _snapshot.checksum(encoded)[:DIGEST]
    return _memory.digest(record, bools=True)


def _flat(attributes: Mapping[str, object]) -> dict[str, object] | None:
    """``attributes`` with each number as ``["n", its text]``; None when one is neither text nor a number.

    A bool stays a bool: records with ``True`` and ``1`` differ.
    """
    out: dict[str, object] = {}
    for key, value in attributes.items():
        if type(value) is str or type(value) is bool:
            out[key] = value
        elif isinstance(value, bool | int | Decimal):
            out[key] = ["n", _memory.number_text(value)]
        else:
            return None
    return out


def _as_written(record: Record, length: int = DIGEST) -> str:
    """The digest earlier versions remembered: of the content as written. O(size)."""
    return _snapshot.digest(record)[:length]


def remember(rater: Rater, record: Record, kind: str) -> None:
    """Remember ``record`` (of type name ``kind``), just judged too late. O(1) plus a digest."""
    record_id = record.id
    if record_id is None:
        rater._too_late[kind, None, digest(record)] = True
        return
    key = (kind, record_id)
    rater._forgotten[key] = digest(record)
    rater._holders.setdefault(record_id, kind)
    rater._too_late[key] = True


def seen(rater: Rater, record: Record, identity: object) -> str | None:
    """``"duplicates"`` or ``"conflicting"`` when ``record`` (not kept) was seen before.

    An id compacted away or judged too late, with the digest of its content: the same
    (a duplicate) or another (conflicting); a record without an id judged too late, by
    its content's digest (a duplicate). None otherwise. O(1) plus a digest.
    """
    if identity in rater._forgotten:
        known = rater._forgotten[identity]
        # (a snapshot of an earlier version keeps the digest of the content as written)
        same = known is None or known in (digest(record), _as_written(record, len(known)))
        return "duplicates" if same else "conflicting"
    if record.id is None and rater._too_late:
        kind = type(record).__name__
        late = rater._too_late
        if (kind, None, digest(record)) in late or (kind, None, _as_written(record)) in late:
            return "duplicates"
    return None


def carried(rater: Rater, forgotten: dict[object, str | None]) -> None:
    """At a compaction: carry the fresh entries, drop the carried ones. O(m).

    ``forgotten``: the new ids compacted away, to which the fresh ids are added; they
    make a new ``rater._too_late``, not fresh any more.
    """
    late: dict[Key, bool] = {}
    for key, fresh in rater._too_late.items():
        if not fresh:
            continue
        late[key] = False
        if len(key) == 2:
            forgotten[key] = rater._forgotten[key]
    rater._too_late = late


def encode(rater: Rater) -> list[list[object]]:
    """The ``too_late`` part of a snapshot: ``[type, id or null, digest, fresh]`` each."""
    out: list[list[object]] = []
    for key, fresh in rater._too_late.items():
        if len(key) == 2:
            out.append([key[0], key[1], rater._forgotten[key], fresh])
        else:
            out.append([key[0], None, key[2], fresh])
    return sorted(out, key=repr)


def written(rater: Rater) -> dict[object, str | None]:
    """The ids compacted away, without those judged too late (written apart). O(m)."""
    if not rater._too_late:
        return rater._forgotten
    return {key: value for key, value in rater._forgotten.items() if key not in rater._too_late}


def entry(item: object) -> tuple[Key, str, bool]:
    """One remembered record of a snapshot, through its door: ``(key, digest, fresh)``."""
    shape = "[type, id or null, 16 lowercase hex digits, true or false]"
    if not isinstance(item, list) or len(item) != 4:
        raise TypeError(f"a record judged too late must be {shape}, not {show(item)}")
    kind, record_id, text, fresh = item
    if kind not in _KINDS:
        raise ValueError(f"a record judged too late names a record type, not {show(kind)}")
    if not (record_id is None or (isinstance(record_id, str) and record_id)):
        raise ValueError(
            f"a record judged too late has a non-empty id or null, not {show(record_id)}"
        )
    if not isinstance(text, str) or len(text) != DIGEST or not set(text) <= _HEX:
        raise ValueError(
            f"a record judged too late has a digest of {DIGEST} lowercase hex digits, "
            f"not {show(text)}"
        )
    if not isinstance(fresh, bool):
        raise TypeError(f"a record judged too late is fresh true or false, not {show(fresh)}")
    key: Key = (kind, None, text) if record_id is None else (kind, record_id)
    return key, text, fresh


def load(rater: Rater, body: Mapping[str, Any], forgotten: dict[object, str | None]) -> None:
    """Set ``rater._forgotten`` and ``rater._too_late`` from a snapshot's body.

    ``forgotten``: its ids compacted away, read before; its ``too_late`` (absent in older
    snapshots) adds the ids judged too late to them. BadSnapshotError naming the entry
    for one listed twice, or whose id a record kept or compacted away holds.
    """
    rater._forgotten = forgotten
    rater._too_late = {}
    if "too_late" not in body:
        return
    entries = _snapshot.decode_each(body, "too_late", entry)
    kinds: dict[str, str] = {}
    for key in rater._forgotten:
        record_kind, record_id = typing.cast("tuple[str, str]", key)
        kinds.setdefault(record_id, record_kind)
    for key in rater._records:
        if isinstance(key, tuple):
            kinds.setdefault(key[1], key[0])
    for index, (key, text, fresh) in enumerate(entries):
        problem = None
        if key in rater._too_late:
            problem = f"repeats {show(key)}, listed before it"
        elif len(key) == 2 and key[1] in kinds:
            problem = (
                f"names the id {show(key[1])}, which a record kept or compacted away "
                f"(a {kinds[key[1]]}) holds"
            )
        if problem is not None:
            raise BadSnapshotError(
                f"Rater snapshot body.too_late[{index}] {problem}; a snapshot remembers "
                "each record judged too late once, under an id no other record holds: "
                "restore an unaltered copy."
            )
        rater._too_late[key] = fresh
        if len(key) == 2:
            rater._forgotten[key] = text
            kinds[key[1]] = key[0]


def check(rater: Rater) -> None:
    """Assert that every id judged too late is remembered with its digest (for tests)."""
    assert all(len(key) == 3 or key in rater._forgotten for key in rater._too_late)
