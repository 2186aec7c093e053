"""What an event ordered before compacted ones describes anew of a plain counter's increments.

Private to [`ratekit.Rater`][ratekit.Rater] (called from `_rater_refound.refound()`). A
kept event whose ``seq`` orders it before the events of a compacted state has the
resource metered again from that state at each statement, and the state's events
applied again after it: what the compacted cycles billed of the resource changes, and
metering's ``"late"`` changes before the kept cycles name it, per meter, cycle and
description. A plain counter (`Counter()`) counts from its readings, wherever the
events are, but each increment is priced under the description in force where it
falls: the event may describe it anew. Metered from the compacted state, an increment
between two of its readings moves from the old description to the new one (taken back
and added); but one that a kept reading counts across the kept cycles' start was applied
while its cycles were kept, and metering finds its part before them again, under the
new description alone, as if it were new. So the parts of such a resource's plain
counters are what metering finds with its kept records less what it finds without the
events ordered before the state's (what the cycles billed, as they were kept, without
the kept events stamped in them either): per meter, cycle and description, the move and
nothing else. A ``last_seen`` closing that moves before the kept cycles describes such
a part anew too (up to the closing under the resource's description, after it under
none): a kept inventory's (`closed_back()`), a too-late one's placed in the state
(`_rater_late_inventories`), or one a kept event moves (`closing_moved()`), each named
by that record per meter and description, judged without the events ordered before
the state's, whose move the statement names with it (`moved()`).
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Sequence
from decimal import Decimal

import attrs

from ._anomalies import placed
from ._decimals import CONTEXT, tidy
from ._delta_policies import Counter
from ._instants import format_us
from ._inventory_scope import restricted
from ._last_seen import closer, closing_us
from ._late_event_words import closing_back, compacted_change, per_description
from ._metering_late import late_anomaly
from ._rater_book import known_by
from ._shown import show
from .records import Anomaly, Event, Inventory, Sample
from .usage import Usage, UsageRow

if typing.TYPE_CHECKING:
    from ._resource_state import ResourceState
    from .rater import Rater

__all__ = ["Part", "closed_back", "closing_moved", "late_sums", "moved", "part_of", "redescribed"]

Record = Event | Sample | Inventory
#: A part: meter, the cycle's start and end, and the description as shown.
#: A part of a resource's usage: (meter, cycle start, description as shown).
Part: typing.TypeAlias = tuple[str, int, str]


def _plain(rater: Rater) -> frozenset[str]:
    """The names of the rater's plain counters (`Counter()`, not from zero). O(m)."""
    return frozenset(
        item.name
        for item in rater._engine.meters
        if isinstance(item.policy, Counter) and not item.policy.from_zero
    )


def moved(
    rater: Rater,
    key: tuple[str, str],
    old: tuple[Sequence[Record], ResourceState],
    new: tuple[Sequence[Record], ResourceState],
    added: Inventory | None = None,
) -> list[UsageRow]:
    """The parts before the kept cycles of ``key``'s plain counters, ``old`` to ``new``.

    ``old`` and ``new``: the resource's kept records and its compacted state, before and
    after a record placed in that state (a too-late event) describes it anew. An
    increment that a kept reading counts across the kept cycles' start falls in part
    before them, priced then under the description the old state gave: metered from
    the kept cycles' start from each, its part there is a late row of each, and the
    move is ``new``'s rows with ``old``'s negated (per meter and description they add up
    to the part moved, the quantity to nothing). ``added``: an inventory that ``old``
    is metered without, ``new`` with: a kept one that closes the resource back there,
    or one stamped before the kept cycles, placed in the state (``old`` and ``new`` then
    the state before it: metered with it as a late record, the pieces of the state's
    timeline before its closing keep their descriptions). Both are metered
    without the kept events whose ``seq`` orders them before the state's: the statement
    names their move with every other record (`redescribed()`), so the move named here
    is the one without them, whichever came first. Empty when the rater has no plain
    counter or the resource no kept reading of one. O(k) for the k kept records, and
    metering them twice.
    """
    counters = _plain(rater)
    records = new[0]
    if not counters or not any(type(r) is Sample and r.meter in counters for r in records):
        return []
    seq = rater._reach.seqs.get(key)
    base = rater._base_us
    end = max(base, rater._as_of_us, *(r.at_us for r in records)) + 1
    kept = rater._inventories
    listed = restricted(
        kept if added is None or any(i is added for i in kept) else [*kept, added], {key}
    )
    # (Left out before narrowing: one that lists other resources is narrowed anew.)
    unlisted = listed if added is None else restricted([i for i in kept if i is not added], {key})
    parts: list[UsageRow] = []
    for sign, (mine, state) in ((-1, old), (1, new)):
        # Its events and the samples of those meters: the others change nothing there.
        metered = [
            r
            for r in mine
            if (
                r.meter in counters if type(r) is Sample else seq is None or not _reordering(r, seq)
            )
        ]
        late = rater._engine.meter(
            [*metered, *(listed if sign > 0 else unlisted)],
            base,
            end,
            [state],
            counters,
            own_clocks=True,
        ).late
        parts += (
            row if sign > 0 else attrs.evolve(row, quantity=row.quantity.copy_negate())
            for row in late
            if row.span.end_us <= base
        )
    return parts


def closed_back(rater: Rater, inventory: Inventory) -> list[Anomaly]:
    """The ``"too_late"`` anomalies of a kept ``inventory`` that describes a plain counter's part anew.

    A ``last_seen`` inventory kept in the rater may close a resource back at its last
    sign of life before the kept cycles; an increment a kept reading counts across their
    start is then priced, before them, as the closed resource is (no description), not
    as the compacted cycles priced it. Its part there is what metering the resource's
    kept records from the compacted state finds with the inventory less without it, per
    meter and description (`moved()`): one anomaly each, that part being too late. None
    when the rater has no plain counter or the inventory closes nothing back; else O(r)
    for the r kept resources, O(k) for the k kept records of each of its scope with a
    compacted state and a kept reading of a plain counter, and metering twice those it
    closes back before the kept cycles.
    """
    counters = _plain(rater)
    if not counters or inventory.close != "last_seen":
        return []
    scope = inventory.accounts
    states = rater._reach.states
    out: list[Anomaly] = []
    base_us = rater._base_us
    for key, records in sorted(rater._by_key.items()):
        state = states.get(key)
        if state is None or (scope and key[0] not in scope):
            continue
        if not any(type(r) is Sample and r.meter in counters for r in records):
            continue
        if closer([inventory], state) is not inventory:
            continue
        if closing_us(state, records, inventory.at_us, base_us) is None:
            continue  # it closes the resource in the kept cycles, if at all
        rows = moved(rater, key, (records, state), (records, state), inventory)
        sums: dict[tuple[str, str], tuple[Decimal, typing.Any]] = {}
        for row in rows:
            part = (row.meter, show(dict(row.description)))
            was = sums.get(part, (Decimal(0), row.description))[0]
            sums[part] = (CONTEXT.add(was, row.quantity), row.description)
        base = format_us(rater._base_us)
        for (meter, shown), (quantity, _) in sorted(sums.items()):
            if not quantity:
                continue
            unit = rater._engine.unit(meter)
            change = compacted_change(quantity, unit, shown, base)
            how = (
                f"before {base}, describing anew the increment of {meter!r} counted across "
                f"that instant: {change}"
            )
            out.append(closing_back(inventory, key, how, meter, quantity))
    return out


def closing_moved(
    rater: Rater, fresh: Iterable[Record], moves: Sequence[Anomaly], known_us: int
) -> list[Anomaly]:
    """The ``"too_late"`` anomalies of kept events whose move of a closing describes a plain counter's part anew.

    ``moves``: the anomalies of the kept records ``fresh`` that move a ``last_seen``
    closing from or into the compacted cycles (`_lateness_closings.moves_closing()`),
    which name its hours there. An increment that a kept reading counts across the kept
    cycles' start is priced, before them, as the resource then stands: up to the
    closing under its description, after it under none (closed). So the closing's move
    moves that part from one description to the other: what metering the resource's
    kept records known by ``known_us`` from the compacted state finds with the fresh
    events less without them (`moved()`), per meter and description, each too late.
    None when the rater has no plain counter or no closing moved; else O(k) for the k
    kept records of each resource whose closing moved, and metering them twice.
    """
    if not moves or not _plain(rater):
        return []
    states = rater._reach.states
    base = format_us(rater._base_us)
    out: list[Anomaly] = []
    for account, resource in sorted({(a.account, a.resource) for a in moves}):
        key = (typing.cast("str", account), typing.cast("str", resource))
        state = states.get(key)
        news = [r for r in fresh if type(r) is Event and (r.account, r.resource) == key]
        inventory = None if state is None else closer(rater._inventories, state)
        if state is None or not news or inventory is None:
            continue
        after = [r for r in rater._by_key.get(key, ()) if known_by(r, known_us)]
        before = [r for r in after if not any(r is n for n in news)]
        rows = moved(rater, key, (before, state), (after, state))
        labels = ", ".join("event" if r.id is None else f"event {r.id!r}" for r in news)
        ids = tuple(r.id for r in news if r.id is not None)
        what = "inventory" if inventory.id is None else f"inventory {inventory.id!r}"
        for meter, description, quantity in per_description(rows):
            unit = rater._engine.unit(meter)
            change = compacted_change(quantity, unit, show(dict(description)), base)
            out.append(
                placed(
                    "too_late",
                    f"{labels} of {key[1]!r} of {key[0]!r} moves where {what} at "
                    f"{format_us(inventory.at_us)} (close='last_seen') closes it (its last "
                    f"sign of life) across or before {base}, describing anew the increment "
                    f"of {meter!r} counted across that instant: {change}: not applied (what "
                    "it changes in the kept cycles is).",
                    ids if inventory.id is None else (*ids, inventory.id),
                    key[0],
                    key[1],
                    max(r.at_us for r in news),
                    meter=meter,
                    quantity=quantity,
                )
            )
    return out


def _reordering(record: Record, seq: int) -> bool:
    """Whether ``record`` is an event whose ``seq`` orders it before a state's last one. O(1)."""
    return type(record) is Event and record.seq is not None and record.seq < seq


def redescribed(
    rater: Rater,
    usage: Usage,
    span: tuple[int, int],
    metered: typing.AbstractSet[tuple[str, str]] | None,
    found: Sequence[Anomaly],
) -> list[Anomaly]:
    """``found``, with the plain counters' parts of the resources such an event reorders.

    ``usage``: the resources ``metered`` (None: all of them) over ``span`` (from the kept
    cycles' start to the watermark) from their compacted states, as the statement meters
    them. For each of them with a kept event ordered by its ``seq`` before its compacted
    state's events, its plain counters' ``"late"`` changes before the kept cycles are
    those of ``usage`` less those of metering it so without such events; the others of
    ``found`` stand as they are. O(1) when no resource has such an event, else O(k) for
    the k kept records of each such resource, and metering them.
    """
    engine = rater._engine
    counters = _plain(rater)
    if not counters:
        return list(found)
    seqs = rater._reach.seqs
    keys: dict[tuple[str, str], Sequence[Record]] = {}
    for key, kept in rater._by_key.items():
        seq = seqs.get(key)
        if metered is not None and key not in metered:
            continue
        if seq is not None and any(_reordering(r, seq) for r in kept):
            keys[key] = kept
    if not keys:
        return list(found)
    out = [
        a
        for a in found
        if not (
            a.kind == "late"
            and a.meter in counters
            and a.quantity is not None
            and (a.account, a.resource) in keys
        )
    ]
    base_us, as_of_us = span
    for key, records in sorted(keys.items()):
        state = rater._reach.states.get(key)
        if state is None:
            continue
        seq = typing.cast(int, seqs.get(key))
        mine = [r for r in usage.late if (r.account, r.resource) == key]
        # Its events and the samples of those meters: the others change nothing there.
        # (Nor the kept events stamped before the kept cycles, whose seq orders them
        # after a kept one: they came after those cycles were compacted.)
        before = [
            r
            for r in records
            if (
                r.meter in counters
                if type(r) is Sample
                else not _reordering(r, seq) and r.at_us >= base_us
            )
        ]
        listed = restricted(rater._inventories, {key})
        old = engine.meter(
            [*before, *listed], base_us, as_of_us, [state], counters, own_clocks=True
        ).late
        out += _parts(mine, old, counters, base_us)
    return out


def part_of(row: UsageRow) -> Part:
    """The part of a resource's usage ``row`` is of: its meter, cycle and description."""
    return (row.meter, row.cycle.start_us, show(dict(row.description)))


def late_sums(
    new: Iterable[UsageRow], old: Iterable[UsageRow], meters: typing.AbstractSet[str], base_us: int
) -> dict[Part, tuple[Decimal, UsageRow]]:
    """Per part (`part_of`), ``new``'s late quantities less ``old``'s, of ``meters``, before ``base_us``.

    With each sum, the row of the part that starts first (its span, description and ids
    say the part). O(r).
    """
    sums: dict[Part, tuple[Decimal, UsageRow]] = {}
    for sign, rows in ((1, new), (-1, old)):
        for row in rows:
            if row.meter not in meters or row.span.end_us > base_us:
                continue
            part = part_of(row)
            quantity = row.quantity if sign > 0 else row.quantity.copy_negate()
            was = sums.get(part)
            if was is None:
                sums[part] = (quantity, row)
            else:
                start = min(was[1].span.start_us, row.span.start_us)
                wider = was[1] if was[1].span.start_us == start else row
                sums[part] = (CONTEXT.add(was[0], quantity), wider)
    return sums


def _parts(
    new: Iterable[UsageRow],
    old: Iterable[UsageRow],
    counters: frozenset[str],
    base_us: int,
) -> list[Anomaly]:
    """The ``"late"`` changes of ``new`` less ``old``, per meter, cycle and description. O(r)."""
    out = []
    for (meter, _, _), (change, row) in sorted(late_sums(new, old, counters, base_us).items()):
        if not change:
            continue
        quantity = tidy(change)
        out.append(late_anomaly(row, quantity, meter, tuple(i for i in row.record_ids if i)))
    return out
