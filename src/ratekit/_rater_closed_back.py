"""A kept ``last_seen`` closing before the kept cycles, as a statement's metering reads it.

Private to [`ratekit.Rater`][ratekit.Rater] (called from `_rater_refound.refound()`). The
compacted state is the fold of the records before the kept cycles' start: a kept
``last_seen`` inventory that closes a resource back there (`closed_back()`) is not in
it, so metering the resource from it reads the closing as a ``"late"`` change of its
running time. The cycles billed that closing while they were kept, or the inventory's
``"too_late"`` anomaly named what they had billed: nothing of it is new, and a change
across it is the part up to it (`up_to_closings()`).

A kept event whose ``seq`` orders it before the events of the compacted state has the
resource metered again from that state at each statement, the state's events applied
again after it: metering finds the closing again and the event's own part with it, in
late rows that need not tell the two apart (a START ordered before
every compacted event of a VM the closing ended at 08:00 takes back the 16 hours after
08:00 that the cycles never billed with the 8 before that they did), and the event may
take the closing away or move it. The closing is judged without such events
(`_last_seen.closing_us()`: batch rate() orders them first, so the inventory's place
among the compacted events depends on them; billed or named, the closing stood as they
had not come), and so is any move of it a record names. So the time meters' parts of
such a resource, closed back or not (a listing kept since may have moved the closing
into the kept cycles), are what metering finds with its kept records less what it finds
without those events (`closed_parts()`, as `_rater_redescribed` finds a plain
counter's), per meter, cycle and description: batch's order with them, less batch's
without them, which the stream billed or named. A resource with a kept event stamped
before the kept cycles (its ``seq`` orders it after a kept one) is left as metering
finds it: that event's part is in both. A START ``seq`` 10 of 1 March 02:00 and one
``seq`` 49 at 03:00, compacted, a kept inventory of 2 March 01:00 listing nothing (its
-21 hours named), then a START ``seq`` 29 of 2 March 02:00: with it, batch closes the
VM at 02:00 (the second START comes after the inventory), without it at 03:00: the
part is -1.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Sequence

import attrs

from . import _lateness_closings as _closings
from . import _rater_accounts as _accounts
from ._decimals import tidy
from ._instants import format_us
from ._inventory_scope import restricted
from ._metering_late import late_anomaly
from ._rater_assigned import running_within
from ._rater_book import known_by
from ._rater_parts import refigured
from ._rater_redescribed import Part, late_sums, part_of
from .records import Anomaly, Event, Inventory, Sample
from .spans import Span
from .usage import Usage, UsageRow

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["closed_back", "closed_parts", "early_parts", "ordered_ahead", "up_to_closings"]

Record = Event | Sample | Inventory


def closed_parts(
    rater: Rater,
    usage: Usage,
    span: tuple[int, int],
    keys: typing.Collection[tuple[str | None, str | None]],
    found: Sequence[Anomaly],
    *,
    early: typing.Collection[tuple[str | None, str | None]] = (),
) -> list[Anomaly]:
    """``found``, with the time meters' parts of the resources of ``keys`` an event reorders.

    ``usage``: the resources metered from their compacted states over ``span`` (from the
    kept cycles' start to the watermark), as the statement meters them; ``keys``: those
    with a kept event ordered by its ``seq`` before their compacted state's events
    (`ordered_ahead()`). For each with no kept event stamped before the kept cycles
    (whose part there metering finds with such events and without them alike), its time
    meters' ``"late"`` changes before the kept cycles are those of ``usage`` less those of
    metering it so without such events; the others of ``found`` stand as they are. O(1)
    when no such resource, else O(k) for the k kept records of each, and metering them.
    Then those of the resources of ``early`` with a kept event stamped before the kept
    cycles that a kept closing closed back there (`early_parts()`).
    """
    engine = rater._engine
    timed = frozenset(item.name for item in engine.meters if item._factor is not None)
    seqs = rater._reach.seqs
    base_us, as_of_us = span
    ahead: dict[tuple[str, str], list[Record]] = {}
    for key in keys:
        if key[0] is None or key[1] is None or not timed:
            continue
        pair = (key[0], key[1])
        seq = seqs.get(pair)
        kept = rater._by_key.get(pair, ())
        if seq is None or any(type(r) is Event and r.at_us < base_us for r in kept):
            continue
        if any(_reordering(r, seq) for r in kept):
            ahead[pair] = [r for r in kept if _reordering(r, seq)]
    if not ahead:
        return early_parts(rater, usage, span, early, found)
    out = [
        a
        for a in found
        if a.kind != "late"
        or a.meter not in timed
        or a.quantity is None
        or (a.account, a.resource) not in ahead
    ]
    for key, events in sorted(ahead.items()):
        state = rater._reach.states.get(key)
        if state is None:
            continue
        mine = [r for r in usage.late if (r.account, r.resource) == key]
        others = [r for r in rater._by_key.get(key, ()) if not any(r is e for e in events)]
        listed = restricted(rater._inventories, {key})
        # Every meter's samples are signs of life a closing may be at: all metered.
        old = engine.meter([*others, *listed], base_us, as_of_us, [state], own_clocks=True).late
        ids = {e.id for e in events if e.id is not None}
        out += _parts(mine, old, timed, base_us, ids)
    return early_parts(rater, usage, span, early, out)


def ordered_ahead(
    rater: Rater, metered: typing.AbstractSet[tuple[str, str]] | None
) -> set[tuple[str | None, str | None]]:
    """The resources of ``metered`` (None: all) with a kept event ordered before compacted ones.

    Its ``seq`` orders it before the last of its resource's compacted state. O(k) for
    the k kept records of those resources.
    """
    seqs = rater._reach.seqs
    out: set[tuple[str | None, str | None]] = set()
    for key, kept in rater._by_key.items():
        seq = seqs.get(key)
        if seq is None or (metered is not None and key not in metered):
            continue
        if any(_reordering(r, seq) for r in kept):
            out.add(key)
    return out


def _reordering(record: Record, seq: int) -> bool:
    """Whether ``record`` is an event whose ``seq`` orders it before a state's last one. O(1)."""
    return type(record) is Event and record.seq is not None and record.seq < seq


def _parts(
    new: Iterable[UsageRow],
    old: Iterable[UsageRow],
    meters: frozenset[str],
    base_us: int,
    ahead: typing.AbstractSet[str],
) -> list[Anomaly]:
    """The ``"late"`` changes of ``new`` less ``old``, per meter, cycle and description.

    Each names the events ordered ahead (``ahead``) its row names, else all of them: a
    part is theirs, not a repeat of what a closing's inventory named. O(r log r).
    """
    sums = late_sums(new, old, meters, base_us)
    # Per part, where the rows without the events begin: a part that ends where they
    # begin (the closing they find, the events' part up to it) is said over that span.
    since: dict[Part, int] = {}
    for row in old:
        if row.meter in meters and row.span.end_us <= base_us:
            part = part_of(row)
            since[part] = min(since.get(part, row.span.start_us), row.span.start_us)
    for part, start_us in since.items():
        change, row = sums[part]
        if row.span.start_us < start_us < row.span.end_us:
            sums[part] = (change, attrs.evolve(row, span=Span.from_us(row.span.start_us, start_us)))
    out = []
    for (meter, _, _), (change, row) in sorted(sums.items()):
        if not change:
            continue
        quantity = tidy(change)
        ids = tuple(i for i in row.record_ids if i)
        naming = tuple(i for i in ids if i in ahead) or tuple(sorted(ahead)) or ids
        out.append(late_anomaly(row, quantity, meter, naming))
    return out


def up_to_closings(
    rater: Rater,
    found: list[Anomaly],
    late: Sequence[UsageRow],
    closed: dict[tuple[str | None, str | None], int],
    timed: set[str],
) -> list[Anomaly]:
    """``found``, each time meter's late change across a closing (`closed_back()`) up to it.

    The cycles billed the resource up to that closing, not after it: what a late record
    changes there from before it (an event whose ``seq`` moves the resource's start, say)
    is its part up to the closing, metered again up to it (`_rater_accounts.clipped()`),
    as the part of a record placed in the compacted state is, where the change is one
    running piece (else it is left whole). A change of no part left is none. O(a + l) for a anomalies and l late rows.
    """
    rows: dict[tuple[object, ...], UsageRow] = {
        (row.account, row.resource, row.meter, row.span.start_us, row.quantity): row for row in late
    }
    meters = {item.name: item for item in rater._engine.meters}
    segments = rater._engine.segments
    out: list[Anomaly] = []
    for anomaly in found:
        since = closed.get((anomaly.account, anomaly.resource))
        row = rows.get(
            (anomaly.account, anomaly.resource, anomaly.meter, anomaly.at_us, anomaly.quantity)
        )
        if (
            anomaly.kind != "late"
            or since is None
            or anomaly.meter not in timed
            or row is None
            or not row.span.start_us < since < row.span.end_us
        ):
            out.append(anomaly)
            continue
        item = meters[row.meter]
        whole = running_within(item, row.description, (row.span.start_us, row.span.end_us),
                               segments, row.account)  # fmt: skip
        if whole is None or whole != abs(row.quantity):
            # Not one running piece: what lies up to the closing is not known exactly.
            out.append(anomaly)
            continue
        (part,) = _accounts.clipped(rater, [row], since)
        if not part.quantity:
            continue
        # The span's end where metering's words put it, after the description (whose
        # values, a caller's, may read like it: they are not rewritten).
        tail = ", before what was already metered"
        ahead, spanned, rest = anomaly.message.rpartition(f"..{format_us(row.span.end_us)}{tail}")
        message = f"{ahead}..{format_us(since)}{tail}{rest}" if spanned else anomaly.message
        out.append(refigured(anomaly, part.quantity, message))
    return out


def closed_back(
    rater: Rater,
    keys: typing.Collection[tuple[str | None, str | None]],
    as_of_us: int,
    *,
    early: bool = False,
) -> dict[tuple[str | None, str | None], int]:
    """Per resource of ``keys``, where a kept inventory closes it before the kept cycles.

    The compacted state is the fold of the records before the kept cycles' start: a
    kept ``last_seen`` inventory known by ``as_of_us`` (`_lateness_closings.closer()`)
    that closes the resource at its last sign of life before that start
    (`closing_us()`) is not in it, so metering from it reads the closing as a negative
    late change of the resource's running time from there. The cycles billed that
    closing while they were kept, as it stood when they were compacted; what a record
    moved of it since, or an inventory fed once they were compacted closed back, was
    said ``"too_late"`` then (`closes_back()`, `moves_closing()`, `placed_closing()`):
    nothing of it is new. A resource with a kept event stamped before that start (its
    ``seq`` orders it after a kept one) has other late changes there, and is left out;
    under ``early``, only such resources are kept (`early_parts()`). O(s) for s
    compacted states, and O(i + k) per resource of ``keys`` for i kept inventories and
    k kept records.
    """
    base = rater._base_us
    out: dict[tuple[str | None, str | None], int] = {}
    known = [i for i in rater._inventories if known_by(i, as_of_us)] if keys else []
    for state in rater._state:
        key = (state.account, state.resource)
        if key not in keys or state.status != "running":
            continue
        closing = _closings.closer(known, state)
        if closing is None or closing.close != "last_seen" or closing.at_us < base:
            continue
        kept = rater._by_key.get(key, ())
        if any(type(r) is Event and r.at_us < base for r in kept) != early:
            continue
        close_us = _closings.closing_us(state, kept, closing.at_us, base)
        if close_us is not None:
            out[key] = close_us
    return out


def early_parts(
    rater: Rater,
    usage: Usage,
    span: tuple[int, int],
    keys: typing.Collection[tuple[str | None, str | None]],
    found: Sequence[Anomaly],
) -> list[Anomaly]:
    """``found``, with the time meters' parts of kept events stamped before the kept cycles.

    Such an event is kept because its ``seq`` orders it after a kept event: it came once
    its cycle was compacted, and its part there is metering's ``"late"`` change. But a
    kept ``last_seen`` inventory that closes the resource back before the kept cycles
    (`closed_back()` with ``early``) is read against the compacted state too, closing
    and all: the cycles billed that closing while they were kept (or its ``"too_late"``
    named what they had billed), so the change found with the events holds hours no
    cycle billed. The parts of such a resource's time meters are what metering finds
    with its kept records less what it finds without those events, per meter, cycle and
    description (as `closed_parts()` finds those of events ordered ahead). ``keys``: the
    resources with a late change. O(1) when none is closed back, else O(k) for the k
    kept records of each, and metering them.
    """
    engine = rater._engine
    timed = frozenset(item.name for item in engine.meters if item._factor is not None)
    if not timed or not keys:
        return list(found)
    base_us, as_of_us = span
    closed = closed_back(rater, keys, as_of_us, early=True)
    if not closed:
        return list(found)
    out = [
        a
        for a in found
        if a.kind != "late"
        or a.meter not in timed
        or a.quantity is None
        or (a.account, a.resource) not in closed
    ]
    for key in sorted(typing.cast("set[tuple[str, str]]", set(closed))):
        state = rater._reach.states.get(key)
        kept = rater._by_key.get(key, ())
        events = [r for r in kept if type(r) is Event and r.at_us < base_us]
        if state is None or not events:
            continue
        mine = [r for r in usage.late if (r.account, r.resource) == key]
        others = [r for r in kept if not any(r is e for e in events)]
        listed = restricted(rater._inventories, {key})
        # Every meter's samples are signs of life a closing may be at: all metered.
        old = engine.meter([*others, *listed], base_us, as_of_us, [state], own_clocks=True).late
        ids = {e.id for e in events if e.id is not None}
        out += _parts(mine, old, timed, base_us, ids)
    return out
