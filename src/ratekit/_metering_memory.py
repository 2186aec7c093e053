"""What a metering state remembers of the records it applied: replays and conflicts.

Private to [`ratekit.meter()`][ratekit.meter]. A [`ResourceState`][ratekit.ResourceState] carries
the last `ratekit.usage.MEMORY` records applied to its resource (with an id or without;
an inventory counts as applied to every resource of its call, since it reconciles them
all), so that the next call knows a replay as a ``"duplicate"`` and a record with a
remembered id but other content as a conflict, as within one call: on its own resource,
and across resources, since an id names one record (an id remembered by another
resource's state, or an inventory's by any state). In memory they are the records
themselves (nothing is computed per record while metering); in JSON each is its id (or
``None``) and the first `DIGEST` hex digits of the sha256 of its normalised content (each
number by its value, however written, as records compare within one call); states
written before digests were normalised still load, their digests matched as written.
"""

from __future__ import annotations

import decimal
import hashlib
import json
import typing
from collections.abc import Sequence
from decimal import Decimal
from typing import Final

from . import _normalize as _n
from ._decimals import own_context
from ._shown import show
from .errors import ConflictingRecordError, RatekitTypeError
from .records import Event, Inventory, Sample

if typing.TYPE_CHECKING:
    from ._metering_engine import _Engine
    from .usage import ResourceState

__all__ = ["DIGEST", "Remembered", "digest", "door", "forget_replays", "pairs", "remember"]

#: Hex digits of a remembered record's content digest (64 bits), as the rater keeps.
DIGEST: Final = 16

#: A remembered record: the record itself, or its ``(id, digest)`` read from JSON.
Remembered: typing.TypeAlias = "Event | Sample | Inventory | tuple[str | None, str]"

_HEX: Final = frozenset("0123456789abcdef")


def digest(record: Event | Sample | Inventory, *, bools: bool = False) -> str:
    """The first `DIGEST` hex digits of the sha256 of ``record``'s normalised content.

    Normalised as records are compared within one call (equal records, equal digests):
    a number is its value, however written (``100``, ``'100.0'``, ``'1E+2'``; ``1`` and
    ``1.0`` in a description), so that a replay written another way is still a replay.
    ``bools``: a bool is itself, not the number 1 or 0 (records with ``True`` and ``1``
    differ); the states' digests read it as a number, as they always have.
    """
    from . import _snapshot  # noqa: PLC0415 - the snapshot codec, only when a digest is asked

    encoded = _snapshot.encode_record(record)
    if type(record) is Sample:
        encoded[5] = record.value
    content = _normalised(encoded, tag=False, bools=bools)
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:DIGEST]


def raw_digest(record: Event | Sample | Inventory) -> str:
    """The digest states written before `digest()` normalised numbers kept (as written)."""
    from . import _snapshot  # noqa: PLC0415 - the snapshot codec, only when a digest is asked

    return _snapshot.digest(record)[:DIGEST]


def number_text(value: bool | int | Decimal) -> str:
    """A number's text by its value, however written: ``"5"`` for ``5``, ``"5.0"``, ``"50E-1"``. O(digits)."""
    number = Decimal(value)
    return "0" if not number else _EXACT.to_sci_string(number.normalize(_EXACT))


def _normalised(value: object, *, tag: bool = True, bools: bool = False) -> object:
    """Encoded content with each number as ``["n", its normalised text]``.

    ``{"decimal": text}`` is a tagged Decimal where a value may be one (``tag``): an
    attribute's value, an item of a list value; not a record's fields, its attributes
    themselves or a mapping value's content (``{"mapping": {...}}``), which are
    mappings of the caller's (``{"decimal": "n/a"}`` is a mapping there, not a number).
    ``bools``: a bool stays a bool (see `digest()`). O(size).
    """
    if isinstance(value, bool | int | Decimal):
        return value if bools and type(value) is bool else ["n", number_text(value)]
    if isinstance(value, dict):
        if tag and len(value) == 1 and "decimal" in value:
            return _normalised(Decimal(str(value["decimal"])))
        if tag and len(value) == 1 and isinstance(value.get("mapping"), dict):
            # a mapping value, tagged: its own keys are the caller's, its values values
            return {"mapping": _normalised(value["mapping"], tag=False, bools=bools)}
        return {key: _normalised(item, bools=bools) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_normalised(item, tag=tag, bools=bools) for item in value]
    return value


#: Enough digits for any record's number (normalising must never round).
_EXACT: Final = own_context(
    prec=10_000,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


def pairs(items: Sequence[Remembered]) -> tuple[tuple[str | None, str], ...]:
    """``(id, digest)`` per remembered record, in order. O(m), a digest per record kept."""
    return tuple(item if isinstance(item, tuple) else (item.id, digest(item)) for item in items)


def door(value: object) -> tuple[tuple[str | None, str], ...]:
    """The ``digests`` field of a state: ``[id or None, 16 hex digits]`` pairs, checked."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise _refused("digests", value, "a list of [record id or None, digest] pairs")
    out: list[tuple[str | None, str]] = []
    for item in value:
        if (
            isinstance(item, str | bytes)
            or not isinstance(item, Sequence)
            or len(item) != 2
            or not (item[0] is None or (type(item[0]) is str and item[0]))
            or type(item[1]) is not str
            or len(item[1]) != DIGEST
            or not set(item[1]) <= _HEX
        ):
            raise _refused(
                "digests item",
                item,
                f"a [record id or None, {DIGEST} lowercase hex digits] pair",
            )
        out.append((item[0], item[1]))
    return tuple(out)


def _refused(field: str, value: object, accepted: str) -> RatekitTypeError:
    return RatekitTypeError(
        f"ResourceState {field} must be {accepted}, not {type(value).__name__}: {show(value)}."
    )


def remember(
    previous: ResourceState | None,
    new_events: Sequence[Event],
    per_meter: typing.Mapping[str, list[Sample]],
    limit: int,
    inventories: Sequence[Inventory] = (),
) -> tuple[Remembered, ...]:
    """The records the next state remembers: the last ``limit`` applied. O(limit).

    The resource's events, then its samples per meter, then the call's inventories (each
    reconciles every resource of the call).
    """
    fresh: list[Remembered] = list(new_events[-limit:])
    for group in per_meter.values():
        fresh += group[-limit:]
    fresh += inventories[-limit:]
    old: tuple[Remembered, ...] = previous._seen if previous is not None else ()
    if len(fresh) >= limit:
        return tuple(fresh[-limit:])
    keep = limit - len(fresh)
    return (*old[-keep:], *fresh) if old and keep else tuple(fresh)


def forget_replays(
    engine: _Engine, records: Sequence[Event | Sample | Inventory]
) -> Sequence[Event | Sample | Inventory]:
    """``records`` without the replays of records the carried states remember applying.

    A replay (the same id and content, or without id the same content) is reported as a
    ``"duplicate"``. A record with the id of a remembered one but other content is a
    conflict: it raises [`ConflictingRecordError`][ratekit.ConflictingRecordError], or with
    ``conflicts="anomaly"`` is dropped with a ``"conflict"`` anomaly (the record applied
    first is kept), as within one call; this runs before the records of the call are
    deduplicated among themselves, so that the record applied first is the one kept. An
    id the state remembers beyond its remembered records (a state written before records
    were remembered) is a duplicate, its content unchecked.

    An event or sample is looked up in its resource's state; one whose id that state does
    not know, and an inventory, in the ids of every carried state (`_elsewhere()`): an
    event or sample under an id another resource's state remembers is a conflict (an id
    names one record, and this one is of another resource), an inventory a duplicate of
    the inventory remembered under its id or a conflict with what is. O(n + m) for n
    records and m remembered ids, the m at C speed (set operations); a digest is computed
    only for a record whose id is remembered from JSON, or without an id when its state
    remembers digests of such.
    """
    memories: dict[tuple[str, str], _Memory | None] = {}
    as_of_us = engine.as_of_us
    kept: list[Event | Sample | Inventory] = []
    unknown: set[str] = set()  # the ids no state of their own resource remembers
    anonymous = False  # whether an inventory without id is to be looked up
    for record in records:
        kind = type(record)
        if kind is Inventory or not _n.known_by(record, as_of_us):
            kept.append(record)
            if kind is Inventory and _n.known_by(record, as_of_us):
                if record.id is None:
                    anonymous = True
                else:
                    unknown.add(record.id)
            continue
        record = typing.cast("Event | Sample", record)
        memory = _memory_of(engine, memories, (record.account, record.resource))
        if memory is None or memory.fresh(engine, record):
            kept.append(record)
            if record.id is not None:
                unknown.add(record.id)
    if not unknown and not anonymous:
        return kept
    return _elsewhere(engine, kept, unknown, memories, anonymous=anonymous)


def _memory_of(
    engine: _Engine, memories: dict[tuple[str, str], _Memory | None], key: tuple[str, str]
) -> _Memory | None:
    """The remembered records of the state of ``key`` (built once per call), if any."""
    if key in memories:
        return memories[key]
    state = engine.state.get(key)
    memory = memories[key] = (
        None if state is None or not (state.applied or state._seen) else _Memory(state)
    )
    return memory


def _elsewhere(
    engine: _Engine,
    records: list[Event | Sample | Inventory],
    unknown: set[str],
    memories: dict[tuple[str, str], _Memory | None],
    *,
    anonymous: bool,
) -> list[Event | Sample | Inventory]:
    """``records`` without the replays and conflicts found in the states of other resources.

    By id, or an inventory without one by its content (see `forget_replays()`). The ids in
    ``unknown`` are looked up in every state's ids at C speed (O(m) for m remembered
    ids); the remembered inventories without id are gathered, by a pass over every
    state's remembered records, only when such an inventory is to be checked.
    """
    owners: dict[str, list[tuple[str, str]]] = {}
    for key, state in engine.state.items():
        applied = state.applied
        if applied and not unknown.isdisjoint(applied):
            for found in unknown.intersection(applied):
                owners.setdefault(found, []).append(key)
    if not owners and not anonymous:
        return records  # nothing known elsewhere: every record is new
    inventories = _Inventories(engine, memories, owners)
    as_of_us = engine.as_of_us
    kept: list[Event | Sample | Inventory] = []
    for record in records:
        if not _n.known_by(record, as_of_us):
            kept.append(record)  # not known yet: left for a later call
        elif isinstance(record, Inventory):
            if inventories.fresh(record):
                kept.append(record)
        elif record.id is not None and record.id in owners:
            keys = owners[record.id]
            known = _remembered(engine, memories, keys[:1], record.id)
            _conflict(engine, known, record, keys[0])  # an id of another resource
        else:
            kept.append(record)
    return kept


class _Inventories:
    """The inventories the carried states remember: by id, and without one by content."""

    def __init__(
        self,
        engine: _Engine,
        memories: dict[tuple[str, str], _Memory | None],
        owners: dict[str, list[tuple[str, str]]],
    ) -> None:
        self.engine = engine
        self.memories = memories
        self.owners = owners
        self.records: set[Inventory] | None = None  # gathered when first asked
        self.digests: set[str] = set()

    def fresh(self, inventory: Inventory) -> bool:
        """Whether ``inventory`` is new; a replay or a conflict is reported."""
        engine, identity = self.engine, inventory.id
        if identity is None:
            if not self._knows(inventory):
                return True
            _replayed(engine, inventory)
            return False
        if identity not in self.owners:
            return True
        known = _remembered(engine, self.memories, self.owners[identity], identity)
        if known is None or _same(known, inventory):
            _replayed(engine, inventory)  # the id alone: a duplicate, content unchecked
        else:
            _conflict(engine, known, inventory)
        return False

    def _knows(self, inventory: Inventory) -> bool:
        """Whether a state remembers ``inventory``, which has no id. O(m) the first time."""
        if self.records is None:
            self.records = set()
            for state in self.engine.state.values():
                for item in state._seen:
                    if type(item) is tuple:
                        if item[0] is None:
                            self.digests.add(item[1])
                    elif type(item) is Inventory and item.id is None:
                        self.records.add(item)
        return inventory in self.records or (
            bool(self.digests)
            and not self.digests.isdisjoint((digest(inventory), raw_digest(inventory)))
        )


def _remembered(
    engine: _Engine,
    memories: dict[tuple[str, str], _Memory | None],
    keys: list[tuple[str, str]],
    identity: str,
) -> Remembered | None:
    """The record remembered under ``identity`` by the first state of ``keys`` that has it.

    ``None`` when those states remember the id alone (records came since, or a state
    written before records were remembered).
    """
    for key in keys:
        memory = _memory_of(engine, memories, key)
        if memory is not None and identity in memory.by_id:
            return memory.by_id[identity]
    return None


def _same(known: Remembered, record: Event | Sample | Inventory) -> bool:
    """Whether ``record`` repeats the remembered ``known`` exactly."""
    if isinstance(known, tuple):
        return known[1] in (digest(record), raw_digest(record))
    return known == record


def _where(record: Event | Sample | Inventory) -> tuple[str, str]:
    """The account and resource an anomaly of ``record`` names (none for an inventory)."""
    if isinstance(record, Inventory):
        return "", ""
    return record.account, record.resource


def _replayed(engine: _Engine, record: Event | Sample | Inventory) -> None:
    engine.anomalies.add(
        record.at_us,
        *_where(record),
        "duplicate",
        f"{_n.label(record)} was applied by an earlier call: the replay is ignored.",
        (record.id,),
    )


class _Memory:
    """One state's remembered records, looked up by id and (without id) by content."""

    def __init__(self, state: ResourceState) -> None:
        self.by_id: dict[str, Remembered] = {}
        self.no_id: set[Event | Sample | Inventory] = set()
        self.no_id_digests: set[str] = set()
        for item in state._seen:
            if isinstance(item, tuple):
                if item[0] is None:
                    self.no_id_digests.add(item[1])
                else:
                    self.by_id[item[0]] = item
            elif item.id is None:
                self.no_id.add(item)
            else:
                self.by_id[item.id] = item
        self.ids = set(state.applied)

    def fresh(self, engine: _Engine, record: Event | Sample) -> bool:
        """Whether ``record`` is new; a replay or a conflict is reported."""
        identity = record.id
        if identity is None:
            if not (
                record in self.no_id
                or (
                    self.no_id_digests
                    and not self.no_id_digests.isdisjoint((digest(record), raw_digest(record)))
                )
            ):
                return True
        elif identity in self.by_id:
            known = self.by_id[identity]
            if not _same(known, record):
                _conflict(engine, known, record)
                return False
        elif identity not in self.ids:
            return True
        _replayed(engine, record)
        return False


def _conflict(
    engine: _Engine,
    known: Remembered | None,
    record: Event | Sample | Inventory,
    owner: tuple[str, str] | None = None,
) -> None:
    """Report ``record``, whose id names ``known``, as a conflict.

    ``owner`` is the account and resource of ``known`` when it is not ``record``'s own.
    """
    if known is None:
        earlier = "a record"
    elif type(known) is tuple:
        earlier = f"a record of content digest {known[1]}"
    else:
        earlier = repr(known)  # the record itself
    if owner is None:
        applied = "was applied by an earlier call with other content"
        advice = "replaying a record must repeat it exactly, so give a corrected record a new id"
        fix = "give a corrected record a new id"
    else:
        applied = f"was applied by an earlier call to resource {owner[1]!r} of account {owner[0]!r}"
        advice = "an id names one record, of one resource: give each record an id of its own"
        fix = advice.split(": ")[1]
    if engine.conflicts != "anomaly":
        raise ConflictingRecordError(
            f"{_n.label(record)} {applied}: {earlier} was applied, {record!r} differs; "
            f"{advice} (or meter with conflicts='anomaly' to keep the first)."
        )
    engine.anomalies.add(
        record.at_us,
        *_where(record),
        "conflict",
        f"{_n.label(record)} {applied}: {earlier} was applied and is kept, {record!r} is "
        f"ignored; {fix}.",
        (record.id,),
    )
