"""Which accounts a record changed behind the last watermark: their lines are corrected.

Private to [`ratekit.Rater`][ratekit.Rater]. A statement gives a reported line that
changed as an ``increment`` only when it changed with time alone; one that a record
changed before the last watermark is given as a ``reversal`` and a ``correction``
(docs/streaming.md, "Lines, increments and corrections"). A record stamped before the
watermark marks its account at the feed. Some stamped after it reach back too, found
here when a statement meters them for the first time: a counter reading whose previous
reading lies before the watermark (its increment is split in time over the span between
them), a delta whose span starts before it, an event ordered by its ``seq`` before
events stamped before it, and a ``last_seen`` inventory that closes a resource at a
last sign of life before it.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable

from . import _lateness
from ._normalize import stamped
from .records import Anomaly, Event, Inventory

if typing.TYPE_CHECKING:
    from .rater import Rater, Record

__all__ = ["closed_behind", "reaching"]


def reaching(rater: Rater, fresh: list[Record]) -> tuple[set[str], list[Inventory]]:
    """Of ``fresh`` (new at a statement), those that may reach behind the last watermark.

    Returns the accounts of the counter readings, deltas and events that do, and the
    ``last_seen`` inventories that may (`closed_behind()` says, once they are metered).
    O(n + k) for n new records and k kept records of the counters' resources.
    """
    prev = rater._as_of_us
    if not fresh or prev <= rater._base_us:
        return set(), []
    spill = _lateness.spilling(fresh, prev, rater._by_key, rater._reach, watermark=True)
    accounts = {key[0] for key in spill if key is not None}
    for record in fresh:
        # An event ordered by its seq before events stamped earlier takes effect from
        # the first of them (fed before the last watermark passed it, so not marked then).
        if type(record) is Event and record.seq is not None and record.account not in accounts:
            key = (record.account, record.resource)
            reach_us, _ = rater._reach.event_reach(
                record, rater._by_key.get(key, ()), rater._base_us
            )
            if reach_us < prev:
                accounts.add(record.account)
    closers = [typing.cast("Inventory", record) for record, _ in spill.get(None, ())]
    return accounts, closers


def closed_behind(anomalies: Iterable[Anomaly], closers: list[Inventory], prev: int) -> set[str]:
    """The accounts whose resources ``closers`` closed before ``prev``, as metered.

    ``anomalies``: those of the statement's metering, where each closing is said
    (``"reconciled_close"``, whose ``account`` is the resource's and ``at`` the instant it
    closed at). A closing is one of ``closers`` when the anomaly's first record is a
    closer's id; a closer without an id is known only by its label, which begins the
    message. O(a).
    """
    if not closers:
        return set()
    ids = {inventory.id for inventory in closers if inventory.id is not None}
    # How the closing of one without an id begins (`_timelines`' reconciled_close).
    labels = tuple(
        f"{stamped(inventory)} does not list " for inventory in closers if inventory.id is None
    )
    accounts: set[str] = set()
    for anomaly in anomalies:
        if (
            anomaly.kind != "reconciled_close"
            or anomaly.account is None
            or anomaly.at_us is None
            or anomaly.at_us >= prev
        ):
            continue
        if (anomaly.record_ids and anomaly.record_ids[0] in ids) or (
            labels and anomaly.message.startswith(labels)
        ):
            accounts.add(anomaly.account)
    return accounts
