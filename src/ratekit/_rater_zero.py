"""What a record moves of a first reading from zero before the kept cycles.

Private to [`ratekit.Rater`][ratekit.Rater]. A `Counter(from_zero=True)` first reading
counts from zero from the start of its resource's running stretch (the last START; a
STOP ends a stretch). When that start lies before the kept cycles, part of the reading
does too, and was rated with the compacted cycles, as the records known then placed the
stretch. An event that moves the stretch afterwards moves that part: one placed in the
compacted state (a too-late START that begins the stretch sooner,
`_rater_late_events.placed()`; a too-late inventory that closes or opens the resource,
`_rater_late_inventories`), or a kept one (a STOP that ends it before the reading).
The kept cycles are corrected by the next statement; the part moved before them cannot
be, and is named, per meter and description, in a ``"too_late"`` anomaly of the event
(`kept()`), so that the stream's lines plus the quantities named are batch's. So is a
later reading's part, one that counts from a compacted reading: it counts up to a stop
that holds the counter, over the whole gap after a deletion, and from 0 after a boot,
so a kept STOP or ``last_seen`` inventory (one that closes the resource or lists it
again) moves it too (`counting()`). And so is a compacted first reading read at its
instant (its resource stopped or deleted there), which batch prices under the
description the resource then has, or none when a ``last_seen`` closing lands on it
(the reading its last sign of life): a kept record that moves that closing onto it or
off it, or re-describes the instant, moves what the compacted cycles billed of it
(`moved()` meters the compacted state, which keeps the reading, with the kept records
and inventories without the record and with it). An inventory fed ahead of the
watermark that moves such a reading compacted before it is applied names its move when
the compaction folds it (`compacted_ahead()`).
"""

from __future__ import annotations

import typing
from collections.abc import Sequence

import attrs

from ._anomalies import placed
from ._decimals import CONTEXT, ZERO, tidy
from ._instants import format_us
from ._inventory_scope import restricted
from ._late_event_words import compacted_change
from ._rater_book import from_zero
from ._shown import show
from .records import Anomaly, Event, Inventory, Sample
from .usage import UsageRow

if typing.TYPE_CHECKING:
    from ._lateness import CounterIndex
    from ._resource_state import ResourceState
    from .rater import Rater

__all__ = [
    "ahead",
    "compacted",
    "compacted_ahead",
    "compacted_ids",
    "compacted_readings",
    "counting",
    "kept",
    "moved",
]

Record = Event | Sample | Inventory
#: The kept records of a resource and its compacted state, as metering continues them.
Known: typing.TypeAlias = tuple[Sequence[Record], "ResourceState"]
#: A state's reading: meter, instant, value, kind, id, seq.
Reading: typing.TypeAlias = tuple[typing.Any, ...]


def moved(
    rater: Rater, key: tuple[str, str], old: Known, new: Known, added: Inventory | None = None
) -> list[UsageRow]:
    """The parts before the kept cycles of ``key``'s first readings from zero, ``old`` to ``new``.

    Metered from the kept cycles' start from each (the resource's kept records and its
    compacted state), the first readings give their parts before it as metering's late
    rows; returned are those of ``new`` and those of ``old`` negated (their quantities per
    meter and description add up to the part moved). A first reading compacted, which
    the state keeps, moves too: metering moves what it billed when the resource's
    description at its instant changes (a ``last_seen`` closing landing on it or moved
    off it). Empty when the rater has no such meter, or the resource no reading of one,
    kept or compacted. On a sequenced resource, a later event
    ordered before this one that moves the stretch back names that move in turn, from
    the parts as they then stand, so the parts named add up. A reading not metered yet counts
    too: what its feed named of it there (its ``"too_late"`` part) stands for what was
    rated. ``added``: a kept inventory that ``old`` is metered without. O(k) for the k
    kept records.
    """
    zero = from_zero(rater._engine.meters)
    records = new[0]
    compacted = bool(zero) and bool(
        _compacted_firsts(old[1], zero) or _compacted_firsts(new[1], zero)
    )
    if not zero or (
        not compacted and not any(type(r) is Sample and r.meter in zero for r in records)
    ):
        return []
    base = rater._base_us
    # (Up to the inventory added too: one ahead of the watermark closes back all the same.)
    ahead = base if added is None else added.at_us
    end = max(base, ahead, rater._as_of_us, *(r.at_us for r in records)) + 1
    inventories = restricted(rater._inventories, {key})
    before = (
        inventories
        if added is None
        else restricted([i for i in rater._inventories if i is not added], {key})
    )
    engine = rater._engine
    parts: list[UsageRow] = []
    for sign, (mine, start) in ((-1, old), (1, new)):
        # Its events and the samples of those meters: the others change nothing there.
        metered = [r for r in mine if type(r) is not Sample or r.meter in zero]
        listed = inventories if sign > 0 else before
        late = engine.meter([*metered, *listed], base, end, [start], zero).late
        parts += (
            row if sign > 0 else attrs.evolve(row, quantity=-row.quantity)
            for row in late
            if row.span.end_us <= base
        )
    return parts


def _compacted_firsts(state: ResourceState, zero: typing.AbstractSet[str]) -> list[Reading]:
    """``state``'s compacted first readings from zero: the lone reading of a ``zero`` meter.

    A counter's reading the state keeps as its baseline, the only one of its meter (so
    the first: it counts from zero). O(r) for the r readings kept.
    """
    readings = [r for r in state.readings if r[0] in zero and r[3] == "counter"]
    if not readings:
        return []
    meters = [r[0] for r in readings]
    return [r for r in readings if meters.count(r[0]) == 1]


def compacted(rater: Rater, key: tuple[str, str]) -> bool:
    """Whether ``key``'s compacted state keeps a first reading from zero (`_compacted_firsts()`).

    A kept record may move where batch reads it (a ``last_seen`` closing back at it, a
    description it is read under), and names that move (`kept()`). O(r) for the r
    readings kept.
    """
    reach = rater._reach
    state = reach.states.get(key)
    return bool(reach.zero) and state is not None and bool(_compacted_firsts(state, reach.zero))


def compacted_readings(rater: Rater, key: tuple[str, str], meter: str | None) -> set[str | None]:
    """The ids of ``key``'s compacted first reading from zero of ``meter`` (`_compacted_firsts()`).

    Empty when it has none (its meter then has no reading, or more than one). O(r).
    """
    reach = rater._reach
    state = reach.states.get(key)
    if not reach.zero or state is None:
        return set()
    return {r[4] for r in _compacted_firsts(state, reach.zero) if r[0] == meter}


def ahead(rater: Rater, as_of_us: int) -> list[Inventory]:
    """The kept ``last_seen`` inventories ahead of the watermark ``as_of_us``, not applied yet.

    None unless the rater has a ``from_zero`` meter. O(i) for i kept inventories.
    """
    if not rater._reach.zero:
        return []
    return [
        i
        for i in rater._inventories
        if type(i) is Inventory and i.close == "last_seen" and i.at_us > as_of_us
    ]


def compacted_ids(rater: Rater) -> set[tuple[str, str, str | None]]:
    """Each resource's compacted first readings from zero, by their ids. O(s) for s states."""
    zero = rater._reach.zero
    return {
        (state.account, state.resource, r[4])
        for state in rater._reach.states.values()
        for r in _compacted_firsts(state, zero)
    }


def compacted_ahead(
    rater: Rater, inventories: Sequence[Inventory], before: set[tuple[str, str, str | None]]
) -> list[Anomaly]:
    """The ``"too_late"`` anomalies of ``inventories`` that move a reading just compacted.

    ``inventories``: those ahead of the watermark (`ahead()`); the reading: a first
    reading from zero. A ``last_seen`` inventory fed ahead of the watermark is applied
    by a later statement; one that closes a resource back at a reading that a
    compaction folds before then moves what the compacted cycles billed of it (read
    after the closing, with no description), which metering from the compacted state
    then finds as a change of a record kept since its cycle was compacted: named here,
    as a kept inventory fed after the compaction names it at its feed (`kept()`). ``before``: the compacted first
    readings before the compaction (`compacted_ids()`), which its feed judged already.
    O(s) for s states, and `kept()`'s cost for each resource with a new one.
    """
    fresh = sorted({(a, r) for a, r, _ in compacted_ids(rater) - before})
    out: list[Anomaly] = []
    for inventory in inventories:
        scope = inventory.accounts
        for key in fresh:
            if not scope or key[0] in scope:
                out += _kept(rater, inventory, key)
    return out


def counting(reach: CounterIndex, key: tuple[str, str] | None = None) -> bool:
    """Whether a kept reading of a from_zero counter may count on from the compacted state.

    Its part before the kept cycles then moves with a kept record that moves where its
    increment spreads (`kept()`), as a first reading's does with its running stretch.
    Of ``key``'s resource (O(z) for z such meters), or of any (O(b) for b baselines).
    """
    if key is not None:
        return any((*key, name) in reach.baselines for name in reach.zero)
    return any(name in reach.zero for _, _, name in reach.baselines)


def kept(rater: Rater, record: Event | Inventory) -> list[Anomaly]:
    """The ``"too_late"`` anomalies of a kept ``record`` that moves a first reading's part.

    An event is among its resource's kept records; an inventory among the rater's kept
    inventories, and may move the stretch of any resource its scope covers (one that
    lists a resource another inventory of its instant closed keeps it running: the
    stretch goes on). One per resource, meter and description with a part moved; none
    when it moves nothing, or when no compacted state it may touch has a running stretch
    that a first reading from zero counts from (O(z) to tell, for z such meters; O(s)
    for an inventory and s such stretches). Else O(k) for the k kept records of each
    resource, and metering them twice unless the record comes after every first reading.
    """
    reach = rater._reach
    if type(record) is Event:
        keys = [(record.account, record.resource)]
    else:  # the resources of its scope with a first reading at or after it
        scope, earliest, at_us = record.accounts, reach.earliest, record.at_us
        keys = sorted(
            {
                (a, r)
                for a, r, m in reach.baselines
                if m in reach.zero
                and (not scope or a in scope)
                and (earliest.get((a, r, m), -1) >= at_us or compacted(rater, (a, r)))
            }
        )
    return [anomaly for key in keys for anomaly in _kept(rater, record, key)]


def _kept(rater: Rater, record: Event | Inventory, key: tuple[str, str]) -> list[Anomaly]:
    """`kept()` for one resource, ``key``."""
    reach = rater._reach
    state = reach.states.get(key)
    # An event with a seq may order itself among the compacted events, and make a
    # stretch where the state has none (before a DELETE that ended it, say).
    sequenced = type(record) is Event and record.seq is not None
    if state is None or (
        not sequenced and not any((*key, name) in reach.baselines for name in reach.zero)
    ):
        return []
    records = rater._by_key.get(key, ())
    # A record after every meter's first reading moves no stretch they count from (but
    # an event with a seq may be ordered before them, wherever it is stamped).
    firsts: dict[str, int] = {}
    for r in records:
        if type(r) is Sample and r.meter in reach.zero:
            firsts[r.meter] = min(firsts.get(r.meter, r.at_us), r.at_us)
    if (
        not sequenced
        and all(record.at_us > at_us for at_us in firsts.values())
        and not _compacted_firsts(state, reach.zero)
    ):
        return []
    sums: dict[tuple[str, typing.Any], typing.Any] = {}
    if type(record) is Event:
        before = [r for r in records if r is not record]
        rows = moved(rater, key, (before, state), (records, state))
    else:
        rows = moved(rater, key, (records, state), (records, state), record)
    for row in rows:
        part = (row.meter, row.description)
        sums[part] = CONTEXT.add(sums.get(part, ZERO), row.quantity)
    kind = "event" if type(record) is Event else "inventory"
    what = kind if record.id is None else f"{kind} {record.id!r}"
    did = f"{record.kind} of {key[1]!r}" if type(record) is Event else f"covering {key[1]!r}"
    base = format_us(rater._base_us)
    return [
        placed(
            "too_late",
            f"{what} ({did} at {format_us(record.at_us)}) moves "
            f"the running stretch that the first reading from zero of {meter!r} counts from: "
            + compacted_change(quantity, rater._engine.unit(meter), show(dict(description)), base)
            + ": not applied (the rest is).",
            () if record.id is None else (record.id,),
            key[0],
            key[1],
            record.at_us,
            meter=meter,
            quantity=tidy(quantity),
        )
        for (meter, description), quantity in sorted(sums.items(), key=_order)
        if quantity
    ]


def _order(item: tuple[tuple[str, typing.Any], typing.Any]) -> tuple[str, str]:
    (meter, description), _ = item
    return meter, show(dict(description))
