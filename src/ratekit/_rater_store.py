"""The rater's snapshot and restore: its state as plain data, and back.

Private to [`ratekit.Rater`][ratekit.Rater]: [`Rater.snapshot()`][ratekit.Rater.snapshot] seals
`body()` with `ratekit._snapshot`'s envelope, [`Rater.restore()`][ratekit.Rater.restore] opens
it and `load()`s the body into a new rater, then checks that its parts fit together
(`consistent()`). The codec of records, identities and totals is `ratekit._snapshot`.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

from . import _snapshot
from ._instants import format_us
from .errors import BadSnapshotError
from .records import Event, Inventory, Sample
from .statements import LineKey
from .usage import ResourceState

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = [
    "DIGEST",
    "body",
    "consistent",
    "first_records",
    "identity",
    "load",
    "sortable",
    "sortable_item",
]

Record = Event | Sample | Inventory

# Hex digits of a compacted record's content digest (64 bits): enough to tell a replay
# with other content from a true one, at a sixth of the sha256's size. Snapshots with
# the whole sha256 are read as they are.
DIGEST: Final = 16

STATUSES: Final = frozenset(("unknown", "running", "stopped", "deleted"))


def identity(record: Record) -> object:
    """What makes two records the same: the id (per record type), else the content."""
    if record.id is not None:
        return (type(record).__name__, record.id)
    return record


def body(rater: Rater) -> dict[str, object]:
    """The body of ``rater``'s snapshot: JSON-safe data, before the envelope. O(m)."""
    body: dict[str, object] = {
        "base_us": rater._base_us,
        "closed_us": rater._closed_us,
        "as_of_us": rater._as_of_us,
        "horizon_us": rater._horizon_us,
        "late": rater._late,
        "state": [state.to_json() for state in rater._state],
        # The kept records: events and samples per resource, inventories apart.
        "records": [_snapshot.encode_record(record) for record in rater._inventories],
        "by_resource": _snapshot.encode_groups(
            record for records in rater._by_key.values() for record in records
        ),
        "forgotten": sorted(
            ([*typing.cast("tuple[str, str]", identity), digest])
            for identity, digest in rater._forgotten.items()
        ),
        "late_keys": _snapshot.identities(rater._late_keys),
        "late_seen": sorted(rater._late_seen),
        "reported": [
            [*key, str(quantity), str(amount)]
            for key, (quantity, amount) in sorted(rater._reported.items(), key=sortable_item)
        ],
        "anomalies": sorted(
            (
                [a.kind, a.message, list(a.record_ids)]
                for a in rater._anomalies | rater._anomalies_before
            ),
            key=repr,
        ),
        "dirty": sorted(([account, resource] for account, resource in rater._dirty), key=repr),
        "first": sorted([account, at_us] for account, at_us in rater._first.items()),
    }
    return body


def load(rater: Rater, body: dict[str, Any]) -> None:
    """Set the state of ``rater`` (built without ``__init__``) from a snapshot's body.

    Raises [`BadSnapshotError`][ratekit.BadSnapshotError] for a part it cannot read.
    """
    with _snapshot.decoding("body"):
        rater._base_us = _snapshot.instant(body, "base_us")
        rater._closed_us = _snapshot.instant(body, "closed_us")
        rater._as_of_us = _snapshot.instant(body, "as_of_us")
        rater._horizon_us = _snapshot.instant(body, "horizon_us")
        rater._late = body["late"]
        if rater._late not in ("correct", "report") or rater._horizon_us < 0:
            raise BadSnapshotError(
                f"Rater snapshot has late {rater._late!r} and horizon_us "
                f"{rater._horizon_us}; a rater has late 'correct' or 'report' and a "
                "horizon of zero or more: restore an unaltered copy."
            )
        # Every value through its door; a malformed item is named by its path.
        each = _snapshot.decode_each
        rater._state = tuple(each(body, "state", ResourceState.from_json))
        records = each(body, "records", _snapshot.decode_record)
        records += _snapshot.decode_groups(body.get("by_resource", []))
        rater._records = {identity(record): record for record in records}
        rater._forgotten = dict(each(body, "forgotten", _snapshot.forgotten))
        rater._late_keys = set(each(body, "late_keys", _snapshot.decode_identity))
        rater._late_seen = {str(item) for item in body.get("late_seen", ())}
        rater._reported = dict(each(body, "reported", _reported_line))
        rater._anomalies = set(each(body, "anomalies", _snapshot.anomaly))
        rater._dirty = set(each(body, "dirty", _snapshot.dirty))
        rater._first = first_records(body, rater._base_us, rater._state, rater._records)


def consistent(rater: Rater) -> None:
    """Refuse a restored state whose parts do not fit together (BadSnapshotError)."""
    problem = None
    base, closed, as_of = rater._base_us, rater._closed_us, rater._as_of_us
    if rater._engine.containing(base)[0] != base:
        problem = f"base_us {base} ({format_us(base)}) is not the start of a cycle"
    elif not base <= closed <= max(as_of, closed) or (
        closed != base and rater._engine.containing(closed)[0] != closed
    ):
        problem = (
            f"closed_us {closed} ({format_us(closed)}) is not a cycle boundary at or "
            f"after base_us {base}"
        )
    elif any(state.status not in STATUSES for state in rater._state):
        problem = "a resource state has an unknown status"
    elif any(record.at_us < base for record in rater._records.values()):
        problem = "a kept record is stamped before base_us"
    elif any(len(key) != 10 or key[2] <= base for key in rater._reported):
        problem = "a reported line is malformed or of a cycle before base_us"
    elif rater._forgotten.keys() & rater._records.keys():
        problem = "a record is both kept and forgotten"
    if problem is not None:
        raise BadSnapshotError(
            f"Rater snapshot is inconsistent: {problem}; it was altered by hand or "
            "damaged: restore an unaltered copy."
        )


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
        return dict(_snapshot.decode_each(body, "first", _snapshot.first))
    out = {item.account: base_us for item in state}
    for record in records.values():
        if type(record) is not Inventory:
            account = record.account
            out[account] = min(out.get(account, record.at_us), record.at_us)
    return out


def sortable(key: LineKey) -> tuple[object, ...]:
    return tuple("" if part is None else part for part in key)


def sortable_item(item: tuple[LineKey, object]) -> tuple[object, ...]:
    return sortable(item[0])


def _reported_line(item: Any) -> tuple[LineKey, tuple[Decimal, Decimal]]:
    """A reported line of a snapshot: its key, then its quantity and amount totals."""
    key = typing.cast("LineKey", _snapshot.line_key(item))
    return key, (_snapshot.finite_total(item[10]), _snapshot.finite_total(item[11]))
