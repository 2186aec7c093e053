"""Where a record lands among its resource's others: what the unpriced door's quick verdicts need.

Private to `ratekit._rater_priced_doors`, whose quick judgement (`_quick()`) reads a
record against the descriptions around it, not against the order metering applies a
resource's records in. Metering (`ratekit._timelines`) applies them in time order: the
events stamped at one instant in an order of their own (`ratekit._ties`: none a
duplicate, if it can), then the inventories stamped there. So a record placed before
others, or among them at one instant, changes what they make, which the verdicts on its
own description do not see:

- a ``delete`` (or a stop) before an inventory that lists its resource, at any later
  instant or its own: the listing opens the resource anew, described by its attributes
  alone (a ``delete``, a START, an inventory listing the VM as ``{'flavor': 'small'}``
  and a STOP, all at one instant, run the VM under that description from there);
- any record before a ``last_seen`` inventory that closes its resource: a new last sign
  of life, where the closing moves to, so the description before it runs longer (a
  sample of a meter every plan prices too);
- an event or an inventory before another's listing or update merging into it;
- a sample after an inventory that does not list its resource: closed there, it is
  described by nothing;
- an inventory before a sample of a resource it does not list, or before a kept record
  of one it lists; a ``last_seen`` one not listing a resource with samples, kept or in
  its batch, which it closes at its last sign of life: a sample of that instant comes
  after the closing.

`placed()` says whether a record comes where none of these can be: then the quick
verdicts hold; else the door meters its account, which applies the records as every
statement does. O(1) amortised per record, and O(r) per inventory of the batch for the
r resources the rater keeps records of when a sample meter may be refused.
"""

from __future__ import annotations

import bisect
import typing
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .records import Event, Inventory, Sample

if TYPE_CHECKING:
    from .rater import Rater, Record

__all__ = ["Order", "kept_instants", "listed_since", "order", "placed"]


class Order(typing.NamedTuple):
    """The inventories a batch is judged among: the rater's kept ones and the batch's own.

    ``latest_us``: the latest instant of a kept inventory (-1: none); ``instants``: the
    sorted instants of every inventory, kept or in the batch; ``listings``: per resource,
    the instants of the batch's inventories that list it; ``firsts``: per resource, the
    earliest instant of an event or a sample of the batch; ``sampled``: whether some plan
    may refuse a sample meter's usage.
    """

    latest_us: int
    instants: list[int]
    listings: dict[tuple[str, str], list[int]]
    firsts: dict[tuple[str, str], int]
    sampled: bool


def order(rater: Rater, batch: Sequence[Record]) -> Order:
    """The `Order` of ``batch`` against the rater's kept inventories. O(i log i + l).

    For i inventories kept and in the batch, and l resources the batch's inventories list.
    """
    kept = [record.at_us for record in rater._inventories]
    given: list[int] = []
    listings: dict[tuple[str, str], list[int]] = {}
    firsts: dict[tuple[str, str], int] = {}
    inventories = [record for record in batch if type(record) is Inventory]
    for inventory in inventories:
        given.append(inventory.at_us)
        for account, resource, _ in inventory.resources:
            listings.setdefault((account, resource), []).append(inventory.at_us)
    if kept or given:  # (read by `listed_since()` only when there are inventories)
        for record in batch:
            if type(record) is not Inventory:
                key = (record.account, record.resource)
                at_us = record.at_us
                first = firsts.get(key)
                if first is None or at_us < first:
                    firsts[key] = at_us
    engine = rater._engine
    return Order(
        max(kept, default=-1),
        sorted([*kept, *given]),
        listings,
        firsts,
        any(meter not in engine.timed for meter in engine.strict),
    )


def placed(  # noqa: PLR0911 - one rule per kind of record
    rater: Rater,
    order: Order,
    record: Record,
    listed: Sequence[int] | None,
    kept: tuple[int, bool, int] | None = None,
) -> bool:
    """Whether ``record`` comes where the quick verdicts judge what it makes (see the module).

    Stamped after every kept inventory; an event not stamped at the instant of a kept
    record of its resource, and a ``delete`` or a stop after each of them, none of them
    sequenced (an event ordered by its ``seq`` is placed, but for a ``delete`` or a stop,
    only where no inventory is kept or given); a sample listed by every inventory since its resource's first sign
    (``listed``: the sorted instants of the kept inventories that list it); an inventory
    after every kept record of each resource it lists, and of each one it may close when
    a sample meter may be refused. ``kept``: `kept_instants()` of an event's or a
    sample's resource, if read already. O(log i) for i inventories, O(r) for an inventory.
    """
    at_us = record.at_us
    if at_us <= order.latest_us:
        return False
    if type(record) is Inventory:
        return _inventory_placed(rater, order, record)
    key = (record.account, record.resource)
    latest, sequenced, _ = kept_instants(rater, key) if kept is None else kept
    if type(record) is Sample:
        if latest >= at_us and kept_at(rater, key, at_us):
            return False  # (among events of its instant)
        return listed_since(rater, order, key, at_us, listed)
    event = record
    if sequenced or event.seq is not None:  # (placed by its seq, before inventories too)
        return not order.instants and event.kind not in ("delete", "stop")
    if event.kind == "delete" or (event.kind == "stop" and not event.attributes):
        return latest < at_us
    return latest < at_us or not kept_at(rater, key, at_us)


def _inventory_placed(rater: Rater, order: Order, inventory: Inventory) -> bool:
    """`placed()` of an inventory of the batch. O(l) for its l listings, or O(r) (see there)."""
    at_us = inventory.at_us
    listed = set()
    for account, resource, _ in inventory.resources:
        latest, sequenced, _ = kept_instants(rater, (account, resource))
        if sequenced or latest >= at_us:
            return False
        listed.add((account, resource))
    if not order.sampled:
        return True  # (a closing ends time; a sample after it is what matters)
    # A resource it does not list is closed at ``at``, after its kept records; but at its
    # last sign of life under ``"last_seen"``, where a kept sample of that instant comes
    # after the closing, described by nothing.
    snapshot = inventory.close == "snapshot"
    scope = inventory.accounts
    if not snapshot and any(  # (records of the batch too: placed among them by instant)
        key not in listed for key in order.firsts if scope is None or key[0] in scope
    ):
        return False
    return all(
        key in listed or (snapshot and kept_instants(rater, key)[0] < at_us)
        for key in rater._by_key
        if scope is None or key[0] in scope
    )


def listed_since(
    rater: Rater, order: Order, key: tuple[str, str], at_us: int, listed: Sequence[int] | None
) -> bool:
    """Whether every inventory up to ``at_us`` since the resource's first sign lists it.

    Its first sign: its earliest record kept or in the batch, or listing (a compacted
    state: it is known from before every kept inventory); an inventory before it finds
    the resource unknown, and closes nothing. O(log i) when every inventory up to
    ``at_us`` lists it, else O(log i + l) for i inventories and the l listings of the
    resource (``listed``, sorted).
    """
    instants = order.instants
    up_to = bisect.bisect_right(instants, at_us)
    if not up_to:
        return True
    given = order.listings.get(key, ())
    if up_to == bisect.bisect_right(listed or (), at_us) + sum(t <= at_us for t in given):
        return True  # every inventory up to it lists it (a reconciler's snapshots): O(log i)
    mine = [*(listed or ()), *given]
    if key in rater._reach.states:
        first = -1
    else:
        signs = [*mine, order.firsts.get(key, at_us), at_us]
        kept = kept_instants(rater, key)[2]
        first = min(signs) if kept < 0 else min(kept, *signs)
    since = bisect.bisect_left(instants, first)
    return up_to - since <= sum(1 for instant in mine if first <= instant <= at_us)


def kept_instants(rater: Rater, key: tuple[str, str]) -> tuple[int, bool, int]:
    """The latest and the earliest instants of a kept record of resource ``key`` (-1: none).

    And whether a record of the resource kept is sequenced. Read on from where the last
    call stopped while the resource's kept list is the one it read and still holds the
    record it read last there (a refused feed and a compaction make new lists). O(r)
    for the r records kept since the last call.
    """
    by_key = rater._by_key
    mine: list[Event | Sample] | None = by_key.get(key)  # type: ignore[assignment] # (no inventory)
    if mine is None:
        return -1, False, -1
    engine = rater._engine
    known = engine.unsettled
    if known is None or known[0] is not by_key:
        known = engine.unsettled = (by_key, {})
    reads = known[1]
    read = reads.get(key)
    count = len(mine)
    if read is None or read[0] is not mine or read[1] > count or mine[read[1] - 1] is not read[2]:
        read = reads[key] = [mine, 0, None, -1, False, -1, None]
    elif read[1] == count:
        return read[3], read[4], read[5]  # (nothing kept since)
    latest, sequenced, earliest = read[3], read[4], read[5]
    instants = read[6]  # (once `kept_at()` asked: the instants, read on too)
    for record in mine[read[1] :]:  # (each read once)
        at_us = record.at_us
        if at_us > latest:  # noqa: PLR1730 - faster than max() per record
            latest = at_us
        if earliest < 0 or at_us < earliest:
            earliest = at_us
        if record.seq is not None:
            sequenced = True
        if instants is not None:
            instants.add(at_us)
    read[1:6] = count, mine[-1], latest, sequenced, earliest
    return latest, sequenced, earliest


def kept_at(rater: Rater, key: tuple[str, str], at_us: int) -> bool:
    """Whether a kept record of resource ``key`` is stamped at ``at_us``.

    The resource's kept instants are read into a set the first time it is asked (O(r)
    for its r kept records), then read on with `kept_instants()`: O(1) amortised, where
    a scan of the kept records per record made a replay, or a batch stamped among the
    kept records, cost O(n²).
    """
    kept_instants(rater, key)  # (the resource's read brought up to date)
    known = rater._engine.unsettled
    read = None if known is None else known[1].get(key)
    if read is None:
        return False
    if read[6] is None:
        read[6] = {record.at_us for record in read[0][: read[1]]}
    return at_us in read[6]
