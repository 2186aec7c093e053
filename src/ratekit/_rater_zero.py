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
again) moves it too (`counting()`).
"""

from __future__ import annotations

import bisect
import typing
from collections.abc import Sequence
from decimal import Decimal

import attrs

from ._anomalies import placed
from ._decimals import CONTEXT, ZERO, tidy
from ._instants import format_us
from ._inventory_scope import restricted
from ._last_seen import closer, closing_us
from ._late_event_words import closing_back, compacted_change
from ._normalize import RUNNING
from ._rater_book import from_zero
from ._rater_stretch import timeline
from ._shown import show
from .records import Anomaly, Event, Inventory, Sample
from .usage import UsageRow

if typing.TYPE_CHECKING:
    from ._lateness import CounterIndex
    from ._resource_state import ResourceState
    from .rater import Rater

__all__ = ["at_closing", "counting", "kept", "moved"]

Record = Event | Sample | Inventory
#: The kept records of a resource and its compacted state, as metering continues them.
Known: typing.TypeAlias = tuple[Sequence[Record], "ResourceState"]


def moved(
    rater: Rater, key: tuple[str, str], old: Known, new: Known, added: Inventory | None = None
) -> list[UsageRow]:
    """The parts before the kept cycles of ``key``'s first readings from zero, ``old`` to ``new``.

    Metered from the kept cycles' start from each (the resource's kept records and its
    compacted state), the first readings give their parts before it as metering's late
    rows; returned are those of ``new`` and those of ``old`` negated (their quantities per
    meter and description add up to the part moved). Empty when the rater has no such
    meter, or the resource no reading of one. On a sequenced resource, a later event
    ordered before this one that moves the stretch back names that move in turn, from
    the parts as they then stand, so the parts named add up. A reading not metered yet counts
    too: what its feed named of it there (its ``"too_late"`` part) stands for what was
    rated. ``added``: a kept inventory that ``old`` is metered without. O(k) for the k
    kept records.
    """
    zero = from_zero(rater._engine.meters)
    records = new[0]
    if not zero or not any(type(r) is Sample and r.meter in zero for r in records):
        return []
    base = rater._base_us
    end = max(base, rater._as_of_us, *(r.at_us for r in records)) + 1
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
                and earliest.get((a, r, m), -1) >= at_us
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
    if not sequenced and all(record.at_us > at_us for at_us in firsts.values()):
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


def at_closing(rater: Rater, inventory: Inventory) -> list[Anomaly]:
    """The ``"too_late"`` anomalies of a kept ``inventory`` closing back at a first reading.

    A ``last_seen`` inventory closes a stopped resource at its last sign of life; when
    that is a first reading from zero (the only one of its meter) of a resource not
    running up to it, batch reads it after the closing, the resource deleted: its whole
    quantity, counted at its instant as a stopped resource's is, under no description. Compacted, it was priced under the
    description the resource had: the move is named, per meter, as taken back under
    that description and added under none, too late. None when no compacted state that
    the inventory closes back is such a resource (O(s) for s compacted states with a
    reading of such a meter).
    """
    zero = rater._reach.zero
    if not zero or inventory.close != "last_seen":
        return []
    base = rater._base_us
    out: list[Anomaly] = []
    stopped = [
        (key, state)
        for key, state in rater._reach.states.items()
        if state.status == "stopped" and state.description
    ]
    for key, state in sorted(stopped):
        firsts = [r for r in state.readings if r[0] in zero]
        if not firsts or closer([inventory], state) is not inventory:
            continue
        close_us = closing_us(state, rater._by_key.get(key, ()), inventory.at_us, base)
        for meter in sorted({r[0] for r in firsts}):
            mine = [r for r in firsts if r[0] == meter]
            if len(mine) != 1 or mine[0][1] != close_us or not mine[0][2]:
                continue
            if _running_up_to(state, close_us):
                continue  # it counts over the running stretch it ends, closed or not
            value, unit = Decimal(mine[0][2]), rater._engine.unit(meter)  # (exact)
            both: tuple[tuple[Decimal, dict[str, object]], ...] = (
                (value.copy_negate(), dict(state.description)),
                (value, {}),
            )
            for quantity, description in both:
                change = compacted_change(quantity, unit, show(description), format_us(base))
                how = (
                    f"at its first reading from zero of {meter!r}, at {format_us(close_us)}, "
                    f"which batch reads after the closing, with no description: {change}"
                )
                out.append(closing_back(inventory, key, how, meter, quantity))
    return out


def _running_up_to(state: ResourceState, at_us: int) -> bool:
    """Whether ``state``'s resource may have run just before ``at_us``.

    As its timeline restores it (its base, then its history); where that does not reach
    (the piece before the first it keeps), unless the state has been as it is since
    before ``at_us``. O(h log h) for h events of history.
    """
    line = timeline(state)
    piece = -1 if line is None else bisect.bisect_right(line.starts, at_us - 1) - 1
    if line is None or piece <= 0:
        return state.since_us is None or state.since_us >= at_us
    return line.statuses[piece] == RUNNING
