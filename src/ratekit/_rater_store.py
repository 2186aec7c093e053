"""The rater's snapshot and restore: its state as plain data, and back.

Private to [`ratekit.Rater`][ratekit.Rater]: [`Rater.snapshot()`][ratekit.Rater.snapshot] seals
`body()` with `ratekit._snapshot`'s envelope, [`Rater.restore()`][ratekit.Rater.restore] opens
it and `load()`s the body into a new rater, then `ratekit._rater_consistent` checks that
its parts fit together. The codec of records, identities and totals is `ratekit._snapshot`.
"""

from __future__ import annotations

import operator
import typing
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from . import _rater_allowances as _allowances
from . import _rater_book as _ledger
from . import _rater_gone as _gone
from . import _rater_reach as _reach
from . import _rater_remembered as _remembered
from . import _rater_scoped as _scoped
from . import (
    _rater_tz,
    _snapshot,
    _snapshot_columns,
    _snapshot_entries,
    _snapshot_remembered,
    _snapshot_reported,
)
from ._instants import format_us
from ._shown import show
from ._state_doors import Listings
from .errors import BadSnapshotError
from .records import Anomaly, Event, Inventory, Sample
from .statements import LineKey
from .usage import ResourceState

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = [
    "DIGEST",
    "KINDS",
    "body",
    "first_records",
    "identity",
    "load",
    "regroup",
    "sortable",
    "sortable_item",
]

Record = Event | Sample | Inventory

# Hex digits of a compacted record's content digest (64 bits): enough to tell a replay
# with other content from a true one, at a sixth of the sha256's size. Snapshots with
# the whole sha256 are read as they are.
DIGEST: Final = _remembered.DIGEST

T = typing.TypeVar("T")
_key: Final = operator.itemgetter(0)  # a keyed item's key

# The keys of a snapshot's body; the first snapshots had no by_resource (all records were
# in records), late_seen nor first.
_BODY: Final = frozenset(
    (
        "base_us",
        "closed_us",
        "as_of_us",
        "horizon_us",
        "late",
        "state",
        "records",
        "forgotten",
        "late_keys",
        "reported",
        "anomalies",
        "dirty",
    )
)
_LATER: Final = frozenset(
    (
        "by_resource",
        "late_seen",
        "first",
        "allowed",
        "tz",
        "uncovered",
        "start_us",
        "too_late",
        "said_before",
        "inventoried",
        "scoped",
        "gone",
        "gone_listings",
    )
)
_NO_RECORDS: Final[dict[str, list[object]]] = {"attributes": [], "shapes": [], "groups": []}
# The keys of a resource state: those ResourceState.to_json() writes (all of them, always),
# and ``complete`` (the counters whose readings it keeps from their first one), which it
# writes when there is one: the first snapshots' states lack it (none were complete).
_STATE: Final = frozenset(
    (*ResourceState("a", "r", "unknown", {}).to_json(), "complete", "listings", "before")
)
# Version 3 on: a state may keep the piece before its base's (`ResourceState.before`).
_BEFORE_FROM: Final = 3
# Version 5 on: the ids compacted away and the anomalies said before packed.
_REMEMBERED_PACKED: Final = 5


#: The name of each record type in an identity (and a snapshot).
KINDS: Final[Mapping[type, str]] = {Event: "Event", Sample: "Sample", Inventory: "Inventory"}


def identity(record: Record) -> object:
    """What makes two records the same: the id (per record type), else the content."""
    if record.id is not None:
        return (KINDS[type(record)], record.id)
    return record


def body(rater: Rater) -> dict[str, object]:
    """The body of ``rater``'s snapshot: JSON-safe data, before the envelope. O(m)."""
    # The anomalies in the order of their written form; those said before the last
    # compaction are indices into them (`_snapshot_remembered`).
    said = sorted(
        (
            (_snapshot_entries.encode_anomaly(a), a)
            for a in rater._anomalies | rater._anomalies_before
        ),
        key=lambda pair: repr(pair[0]),
    )
    body: dict[str, object] = {
        "base_us": rater._base_us,
        "closed_us": rater._closed_us,
        "as_of_us": rater._as_of_us,
        "horizon_us": rater._horizon_us,
        "late": rater._late,
        "state": [state.to_json() for state in rater._state],
        # The kept records: events and samples per resource in columns, inventories apart.
        "records": [_snapshot.encode_record(record) for record in rater._inventories],
        "by_resource": _snapshot_columns.encode_kept(rater._by_key),
        "forgotten": _snapshot_remembered.encode_forgotten(
            typing.cast("_snapshot_remembered.Forgotten", _remembered.written(rater))
        ),
        "late_keys": _snapshot.identities(rater._late_keys),
        "late_seen": sorted(rater._late_seen),
        "reported": _snapshot_reported.encode_reported(
            sorted(rater._reported.items(), key=sortable_item)
        ),
        "anomalies": [encoded for encoded, _ in said],
        "dirty": sorted(([account, resource] for account, resource in rater._dirty), key=repr),
        "first": sorted([account, at_us] for account, at_us in rater._first.items()),
    }
    if rater._allowed:  # what compacted cycles consumed of own-period allowances
        body["allowed"] = _allowances.encode(rater._allowed)
    if rater._tz is not None:  # the invoices' timezone (absent: UTC)
        body["tz"] = rater._tz
    if rater._uncovered:  # accounts of the metering state it does not cover (absent: none)
        body["uncovered"] = sorted(rater._uncovered)
    if rater._too_late:  # the records judged too late, remembered (absent: none)
        body["too_late"] = _remembered.encode(rater)
    older = rater._anomalies_before - rater._anomalies
    if older:  # of the anomalies, those said before the last compaction (absent: none)
        body["said_before"] = _snapshot_remembered.encode_said_before(
            [anomaly for _, anomaly in said], older
        )
    if rater._inventoried:  # the last inventory compacted per account scoped (absent: none)
        body["inventoried"] = sorted(
            ([account, at_us] for account, at_us in rater._inventoried.items()),
            key=lambda item: (item[0] is not None, item[0] or ""),
        )
    if rater._scoped:  # the last inventory with a where compacted per scope (absent: none)
        body["scoped"] = _scoped.encode(rater._scoped)
    if rater._gone:  # the resources forgotten after their deletion (absent: none)
        body["gone"], listings = _gone.encode(rater._gone)
        if listings is not None:  # the inventories that covered them last (absent: none)
            body["gone_listings"] = listings
    if rater._start_us < rater._base_us:  # the rater's first cycle (absent: the kept ones')
        body["start_us"] = rater._start_us
    return body


def load(rater: Rater, body: dict[str, Any], version: int = _snapshot.VERSION) -> None:
    """Set the state of ``rater`` (built without ``__init__``) from a snapshot's body.

    ``version`` is the snapshot's: version 1 wrote the kept records (``by_resource``) and
    the reported lines one list each, version 2 in columns (`ratekit._snapshot_columns`, `ratekit._snapshot_reported`),
    version 3 as 2, its resource states keeping a piece before their base's where the
    rater wrote one (`ResourceState.before`), version 4 as 3, its columns of integers
    packed into strings (Base64 VLQ, `ratekit._vlq`), version 5 as 4, its ids compacted
    away and its anomalies said before packed too (`ratekit._snapshot_remembered`).

    Raises [`BadSnapshotError`][ratekit.BadSnapshotError] for a part it cannot read,
    naming the part's path and what it should be: a key missing or unknown, an instant out
    of range, an item of the wrong shape, an item listed twice.
    """
    _keys(body)
    with _snapshot.decoding("body"):
        rater._base_us = _snapshot.instant(body, "base_us")
        rater._closed_us = _snapshot.instant(body, "closed_us")
        rater._as_of_us = _snapshot.instant(body, "as_of_us")
        # Absent from snapshots written before it was kept: the kept cycles' start then
        # (what the rater charged before them is not known).
        start = body.get("start_us")
        rater._start_us = rater._base_us if start is None else _snapshot.instant(body, "start_us")
        rater._horizon_us = _snapshot.instant(body, "horizon_us")
        rater._late = body["late"]
        if rater._late not in ("correct", "report") or rater._horizon_us < 0:
            raise BadSnapshotError(
                f"Rater snapshot has late {show(rater._late)} and horizon_us "
                f"{rater._horizon_us}; a rater has late 'correct' or 'report' and a "
                "horizon of zero or more: restore an unaltered copy."
            )
        # Every value through its door; a malformed item is named by its path.
        each = _snapshot.decode_each
        rater._state = tuple(each(body, "state", _state if version >= _BEFORE_FROM else _state_v2))
        _once("state", ((state.account, state.resource) for state in rater._state))
        records = each(body, "records", _snapshot.decode_record)
        if version == 1:
            records += _snapshot.decode_groups(body.get("by_resource", []))
        else:
            records += _snapshot_columns.decode_kept(body.get("by_resource", _NO_RECORDS), version)
        rater._records = _kept(records)
        _remembered.load(rater, body, _forgotten(body, version))
        late_keys = each(body, "late_keys", _snapshot.decode_identity)
        _once("late_keys", late_keys)
        rater._late_keys = set(late_keys)
        late_seen = _late_seen(body)
        _once("late_seen", late_seen)
        rater._late_seen = set(late_seen)
        if version == 1:
            reported = each(body, "reported", _reported_line)
        else:
            reported = _snapshot_reported.decode_reported(body["reported"], version)
        _once("reported" if version == 1 else "reported.lines", (key for key, _ in reported))
        rater._reported = dict(reported)
        anomalies = each(body, "anomalies", _snapshot_entries.anomaly)
        _once("anomalies", anomalies)
        rater._anomalies, rater._anomalies_before = _said_before(body, anomalies, version)
        dirty = each(body, "dirty", _snapshot_entries.dirty)
        _once("dirty", dirty)
        rater._dirty = set(dirty)
        rater._first = first_records(body, rater._base_us, rater._state, rater._records)
        rater._allowed = _allowed(rater, body)
        rater._tz = _rater_tz.decode(body)
        rater._uncovered = set(_optional(body, "uncovered", _account))
        rater._inventoried = _inventoried(body, rater._state)
        rater._scoped = _scoped.decode(body, rater._base_us)
        rater._gone = _gone_of(body, rater._state, rater._base_us)


def _gone_of(body: Mapping[str, Any], states: Iterable[ResourceState], base_us: int) -> _gone.Gone:
    """The resources forgotten after their deletion (absent, as before they were: none).

    Their listings are in one table for the snapshot (``gone_listings``, absent when none
    has any), each listed once and named by an index; snapshots written before the table
    wrote one per account, in ``gone``, read as they are (`_rater_gone.decode()`).
    """
    table: list[Listings] = []
    if "gone_listings" in body:
        with _snapshot.decoding("body.gone_listings"):
            table = _gone.decode_table(body["gone_listings"])
    groups = _optional(body, "gone", lambda item: _gone.decode(item, table), _key)
    stones = [stone for _, group, _ in groups for stone in group]
    _once("gone", (key for key, _ in stones))
    used = set().union(*(named for _, _, named in groups))
    if len(used) != len(table):
        unused = min(set(range(1, len(table) + 1)) - used)
        raise BadSnapshotError(
            f"Rater snapshot body.gone_listings lists {len(table)} listings, and listing "
            f"{unused} covers no tombstone of body.gone; the table lists only the listings "
            "its tombstones name, each once: restore an unaltered copy."
        )
    gone = dict(stones)
    wrong = _gone.check(gone, states, base_us)
    if wrong is not None:
        raise BadSnapshotError(
            f"Rater snapshot is inconsistent: {wrong}; it was altered by hand or "
            "damaged: restore an unaltered copy."
        )
    return gone


def _allowed(rater: Rater, body: Mapping[str, Any]) -> _allowances.Consumed:
    """What the compacted cycles consumed of own-period allowances, by plan id (absent: none).

    An item that names its plan by index, as snapshots wrote before, is read against the
    plans ``rater`` is restored with (`_rater_allowances.named`).
    """
    allowed = _allowances.named(
        rater._engine.plans, _optional(body, "allowed", _allowances.decode, _key)
    )
    if isinstance(allowed, str):
        raise BadSnapshotError(
            f"Rater snapshot is inconsistent: {allowed}; it was altered by hand or "
            "damaged: restore an unaltered copy."
        )
    return allowed


def _optional(
    body: Mapping[str, Any],
    name: str,
    decode: typing.Callable[[Any], T],
    key: typing.Callable[[T], object] = lambda item: item,
) -> list[T]:
    """The items of the optional list ``body[name]`` (absent: none), each ``key`` listed once. O(n)."""
    if name not in body:
        return []
    items = _snapshot.decode_each(body, name, decode)
    _once(name, map(key, items))
    return items


def _inventoried(body: Mapping[str, Any], state: Iterable[ResourceState]) -> dict[str | None, int]:
    """Per account scoped (None: every account), the last inventory compacted.

    See `_rater_late_inventories.compacted()`. Absent from snapshots written before it
    was kept: what the compacted states keep of inventories then (the last instant one
    covered each, `ResourceState.listings`), as of every account, O(s).
    """
    if "inventoried" in body:
        return dict(_optional(body, "inventoried", _snapshot_entries.inventoried, _key))
    listed = max((item.listings[0] for item in state if item.listings is not None), default=None)
    return {} if listed is None else {None: listed}


def _forgotten(body: Mapping[str, Any], version: int) -> dict[object, str | None]:
    """The ids compacted away, each with its digest (None in the oldest snapshots). O(n).

    Version 5 packs them (`ratekit._snapshot_remembered`); before, one list each.
    """
    if version >= _REMEMBERED_PACKED:
        return dict(_snapshot_remembered.decode_forgotten(body["forgotten"]))
    forgotten = _snapshot.decode_each(body, "forgotten", _snapshot_entries.forgotten)
    _once("forgotten", (key for key, _ in forgotten))
    return dict(forgotten)


def _said_before(
    body: Mapping[str, Any], anomalies: list[Anomaly], version: int
) -> tuple[set[Anomaly], set[Anomaly]]:
    """The anomalies said since the last compaction, and those said before it.

    ``said_before`` (absent: none) lists those of ``anomalies`` said before the last
    compaction: the next one forgets them unless a kept record may make metering find
    them again, as the rater that wrote the snapshot would (`_rater_said.remembered()`).
    One it does not list among ``anomalies`` is refused (BadSnapshotError). O(a).
    """
    if "said_before" not in body:
        return set(anomalies), set()
    if version >= _REMEMBERED_PACKED:  # indices into the anomalies
        indices = _snapshot_remembered.decode_said_before(body["said_before"], len(anomalies))
        older = {anomalies[index] for index in indices}
        return set(anomalies) - older, older
    before = _snapshot.decode_each(body, "said_before", _snapshot_entries.anomaly)
    _once("said_before", before)
    known = set(anomalies)
    for index, anomaly in enumerate(before):
        if anomaly not in known:
            raise BadSnapshotError(
                f"Rater snapshot body.said_before[{index}] is not among body.anomalies: "
                "it lists anomalies said before the last compaction, each of them "
                "an anomaly the snapshot lists; restore an unaltered copy."
            )
    older = set(before)
    return known - older, older


def _keys(body: Mapping[str, Any]) -> None:
    """Refuse a body without a key a snapshot has, or with one it has not.

    Named five at most (a forged body of a million keys is refused in a short message).
    O(k) for the k keys of the body.
    """
    missing = sorted(key for key in _BODY if key not in body)
    unknown = _snapshot.others(body, _BODY | _LATER)
    if missing or unknown:
        problem = " and ".join(
            part
            for part in (
                f"has no {', '.join(missing)}" if missing else "",
                f"has unknown keys {unknown}" if unknown else "",
            )
            if part
        )
        raise BadSnapshotError(
            f"Rater snapshot body {problem}; a body holds {', '.join(sorted(_BODY))} (and "
            "by_resource, first and late_seen, which the first snapshots lacked, and allowed, "
            "when compacted cycles used an allowance with its own period): restore an "
            "unaltered copy."
        )


#: The most keys a part of a body holds when it is a mapping: ``by_resource`` (attributes,
#: shapes, groups) and ``reported`` (names, heads, lines), from version 2 (version 1 wrote
#: lists); every other part is a list, text or a number.
_PART_KEYS: Final = 3
#: What restore judges of a body before its checksum: at most its keys, and their names,
#: and no part that is a mapping of more keys than a part holds.
BODY: Final = _snapshot.BodyShape(len(_BODY | _LATER), _keys, _PART_KEYS)


def _once(name: str, keys: Iterable[object]) -> None:
    """Refuse a part of the body that lists a key twice (BadSnapshotError naming where).

    A snapshot lists each record, line, state and id once: one listed twice was put
    there by hand. O(n).
    """
    seen: set[object] = set()
    for index, key in enumerate(keys):
        if key in seen:
            raise BadSnapshotError(
                f"Rater snapshot body.{name}[{index}] repeats {show(key)}, listed before "
                "it; a snapshot lists each once: restore an unaltered copy."
            )
        seen.add(key)


_ARTICLED: Final = {Event: "an event", Sample: "a sample", Inventory: "an inventory"}


def _kept(records: list[Record]) -> dict[object, Record]:
    """The kept records by identity; a record kept twice (same id, or same content) refused."""
    out: dict[object, Record] = {}
    for record in records:
        key = identity(record)
        if key in out:
            name = (
                f"the {key[0]} {show(key[1])}"
                if isinstance(key, tuple)
                else f"{_ARTICLED[type(record)]} without id at {format_us(record.at_us)}"
            )
            raise BadSnapshotError(
                f"Rater snapshot keeps {name} twice (in body.records and body.by_resource); a "
                "snapshot keeps each record once: restore an unaltered copy."
            )
        out[key] = record
    return out


def _state(item: object) -> ResourceState:
    """A resource state, with only the keys ``to_json()`` writes, through its door."""
    if isinstance(item, Mapping):
        unknown = sorted(show(key) for key in item.keys() - _STATE)
        if unknown:
            raise TypeError(
                f"a resource state has unknown keys {', '.join(unknown)}; it holds "
                f"{', '.join(sorted(_STATE))}"
            )
    return ResourceState.from_json(item)


def _state_v2(item: object) -> ResourceState:
    """A resource state of a snapshot of version 1 or 2: no piece before its base's."""
    if isinstance(item, Mapping) and "before" in item:
        raise TypeError(
            "a resource state of a snapshot of version 1 or 2 has no before (the piece "
            "before its base's, which version 3 keeps); it holds "
            f"{', '.join(sorted(_STATE - {'before'}))}"
        )
    return _state(item)


def _account(item: object) -> str:
    """An account of the metering state that it does not cover: a non-empty string."""
    if not isinstance(item, str) or not item:
        raise TypeError(f"an account is a non-empty string, not {show(item)}")
    return item


def _late_seen(body: Mapping[str, Any]) -> list[str]:
    if "late_seen" not in body:
        return []
    return _snapshot.decode_each(body, "late_seen", _snapshot_entries.late_seen)


def first_records(
    body: Mapping[str, Any],
    base_us: int,
    state: Iterable[ResourceState],
    records: Mapping[object, Record],
) -> dict[str, int]:
    """Per account, the instant of its first record, as a snapshot keeps it.

    A snapshot taken before it kept them: the accounts of the metering state from the
    kept cycles' start, the others from their first kept record.
    """
    if "first" in body:
        first = _snapshot.decode_each(body, "first", _snapshot_entries.first)
        _once("first", (account for account, _ in first))
        return dict(first)
    out = {item.account: base_us for item in state}
    for record in records.values():
        if type(record) is not Inventory:
            account = record.account
            out[account] = min(out.get(account, record.at_us), record.at_us)
    return out


def sortable(key: LineKey) -> tuple[object, ...]:
    """``key`` in an order of its own: its meter, entry and resource ``""`` when None."""
    account, start, end, kind, plan, meter_name, entry, resource, unit, currency = key
    return (
        account,
        start,
        end,
        kind,
        plan,
        meter_name or "",
        entry or "",
        resource or "",
        unit,
        currency,
    )


def sortable_item(item: tuple[LineKey, object]) -> tuple[object, ...]:
    return sortable(item[0])


def _reported_line(item: Any) -> tuple[LineKey, tuple[Decimal, Decimal]]:
    """A reported line of a snapshot: its key, then its quantity and amount totals."""
    key = typing.cast("LineKey", _snapshot.line_key(item))
    return key, (_snapshot.finite_total(item[10]), _snapshot.finite_total(item[11]))


def regroup(rater: Rater, *, book: bool = True) -> None:
    """Derive the rater's indexes of its kept records. O(m).

    Per resource, its kept records; the inventories, the resources always metered again
    (``_sticky``), those with a record that has a ``seq`` (``_sequenced``), the accounts with a correction (``_corrected``) and the id holders; with ``book``, the book and the cached charges are
    dropped (the next statement meters the kept cycles again).
    """
    rater._by_key = {}
    rater._inventories = []
    rater._sticky = set()
    rater._sequenced = set()
    rater._corrected = set()
    sums = rater._engine.sums
    rater._holders = _reach.holders(rater._records, rater._forgotten)
    continued, aggregations = rater._engine.continued, rater._engine.aggregations
    for record in rater._records.values():
        if type(record) is Inventory:
            rater._inventories.append(record)
            continue
        key = (record.account, record.resource)
        rater._by_key.setdefault(key, []).append(record)
        if record.seq is not None:
            rater._sequenced.add(key)
        if type(record) is Sample and (
            record.meter not in continued
            or (record.since_us is not None and record.meter in aggregations)
        ):
            rater._sticky.add(key)
        if type(record) is Sample and record.meter in sums and record.value < 0:
            rater._corrected.add(record.account)
    # A resource whose compacted state holds an aggregation's reading is metered again
    # from it with no kept record: its level still counts in the kept cycles. Not one
    # the book takes on (`_rater_aggregations`): a state's level goes on with its rows.
    levels = rater._engine.levels - rater._engine.continued
    for state in rater._state:
        if any(reading[0] in levels for reading in state.readings):
            rater._sticky.add((state.account, state.resource))
    if book:
        prev = rater._as_of_us
        rater._pending = [r for r in rater._records.values() if not _ledger.known_by(r, prev)]
        rater._book = None
        rater._redo = None
        rater._closed_charges = None
        rater._open_charges = None
        rater._row_charges = {}
        rater._rated_keys = None
