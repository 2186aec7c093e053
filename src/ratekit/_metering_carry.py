"""Metering continued from a carried state: replays, history and late records.

The private half of [`ratekit.meter()`][ratekit.meter] that keeps the rule "nothing lost, nothing
twice" across calls (see [`ResourceState`][ratekit.ResourceState]): replays of remembered records
are duplicates (`ratekit._metering_memory`); events that belong before events already applied are ordered among them
from the state's base; what late records change before the state's clock is handed to
`ratekit._metering_late`; and the next state is built, bounded. The carried states are
checked at the door here too (`carried`).
"""

from __future__ import annotations

import collections
import itertools
import operator
import typing
from collections.abc import Iterable, Mapping, Sequence

from . import _metering_counters as _counters
from . import _metering_late as _late
from . import _metering_listings as _listings
from . import _metering_memory as _memory
from . import _normalize as _n
from . import _timelines as _t
from . import _values as _v
from ._descriptions import _FrozenDict, same_items
from ._instants import format_us
from ._resource_state import _NO_BASE, HISTORY, MEMORY, ResourceState, _new_state
from ._shown import show
from .errors import BadSpanError, RatekitTypeError
from .records import Event, Inventory, Sample
from .spans import Span

if typing.TYPE_CHECKING:
    from ._metering_engine import _Engine


__all__ = [
    "carried",
    "described",
    "keeps_past",
    "previous_reading",
    "restore",
    "state_of",
    "timeline",
]


def carried(
    state: Iterable[ResourceState], span: Span
) -> tuple[dict[tuple[str, str], ResourceState], int | None]:
    """``meter()``'s carried states by resource, checked at the door, and their clock.

    The clock is what the earlier calls metered up to (the latest ``through_us``; None:
    no state has one). Raises `RatekitTypeError` for a non-state or two states of one
    resource, `BadSpanError` for a span that starts before the clock. O(s) for s states.
    """
    carried: dict[tuple[str, str], ResourceState] = {}
    for item_state in _v.collection(state, "meter() state"):
        if not isinstance(item_state, ResourceState):
            raise RatekitTypeError(
                "meter() state must hold ResourceState values (Usage.state of an earlier "
                f"call), not {type(item_state).__name__}: {show(item_state)}."
            )
        key = (item_state.account, item_state.resource)
        if key in carried:
            raise RatekitTypeError(
                f"meter() state holds two states of resource {key[1]!r} of {key[0]!r}: "
                "a call continues each resource from one state, the last call's "
                "(Usage.state has one per resource); give each resource's latest once."
            )
        carried[key] = item_state
    clocked = [s for s in carried.values() if s.through_us is not None]
    ahead = max(clocked, key=_THROUGH, default=None)
    through = None if ahead is None else ahead.through_us
    if ahead is not None and through is not None and span.start_us < through:
        raise BadSpanError(
            f"meter() span starts at {format_us(span.start_us)}, before the clock of the "
            f"carried state of resource {ahead.resource!r} of {ahead.account!r} "
            f"({format_us(through)}): an earlier call metered it up to there, so the span "
            "before it would be billed twice. Start the span at the clock (a record "
            "stamped before it is late, and comes as a late row), or carry the state of a "
            "call that ended at or before the span's start."
        )
    return carried, through


def timeline(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    account: str,
    resource: str,
    new_events: Sequence[Event],
    inventories: Sequence[Inventory],
    sample_times: Sequence[int],
    state: ResourceState | None,
    limit: int | None,
    *,
    in_order: bool,
) -> _t.Timeline:
    """The resource's timeline: the state's base, its history, then the new events.

    When a new event belongs before the state's clock (``limit``) or before an event of
    the history, everything since the base is re-applied in order, and the difference
    with what earlier calls metered before ``limit`` is recorded as late. A pending first
    reading of a counter from zero whose running stretch the new records move is spread
    again (`_metering_late.pending_spread_again`).
    """
    old, line = _ordered(
        engine, account, resource, new_events, inventories, sample_times, state, limit,
        in_order=in_order,
    )  # fmt: skip
    if limit is not None and (new_events or inventories) and state is not None and state._pending:
        ids = [event.id for event in new_events]
        ids += [i.id for i in inventories if _concerns(i, account, resource)]
        before = line if old is None else old  # a fast path changes nothing before the clock
        _late.pending_spread_again(engine, account, resource, before, line, limit, ids)
    return line


def _ordered(  # noqa: PLR0912, PLR0917 - one decision: fast or re-ordered
    engine: _Engine,
    account: str,
    resource: str,
    new_events: Sequence[Event],
    inventories: Sequence[Inventory],
    sample_times: Sequence[int],
    state: ResourceState | None,
    limit: int | None,
    *,
    in_order: bool,
) -> tuple[_t.Timeline | None, _t.Timeline]:
    """`timeline()`: the timeline before the new records when re-ordered (else None), and after."""
    history: Sequence[Event] = state.history if state is not None else ()
    base = state
    if state is not None and history:
        base = state.base or ResourceState(account, resource, "unknown", {})
    total = len(history) + len(new_events)
    snapshot_at = total - HISTORY if total > HISTORY else None
    # An inventory closing at the last sign of life may close before the clock.
    closing = (
        [i for i in inventories if i.close == "last_seen"]
        if limit is not None and inventories
        else []
    )
    if closing:
        sample_times = _listings.seen(sample_times, state)
    # An inventory stamped before the clock is late, whatever it closes by: what it opens,
    # corrects or closes there is re-applied from the base, as a late event is.
    late: list[Inventory] = []
    if limit is not None and inventories:
        # With the state's inventories of a late one's instant (see _metering_listings).
        inventories = _listings.with_remembered(account, resource, inventories, state, limit)
        late = [i for i in inventories if i.at_us < limit and _concerns(i, account, resource)]
        if late and base is not None and (clock := _settled(base, state)) is not None:
            inventories, late = _placeable(
                engine, account, resource, base, clock, inventories, late
            )
    slow = bool(closing) or bool(late)
    if not slow and new_events and (limit is not None or history):
        # (in order: strictly increasing instants, the first is the earliest)
        first_us = new_events[0].at_us if in_order else min([e.at_us for e in new_events])
        if limit is not None and first_us < limit:
            slow = True
        elif history:
            combined = [*history, *new_events]
            _t._event_order(combined)
            slow = first_us <= max(event.at_us for event in history) or any(
                a is not b for a, b in zip(combined, history, strict=False)
            )
    if not slow:
        line = restore(base) if base is not None else None
        before = len(history)
        if history:
            line = _t.build_timeline(
                account,
                resource,
                history,
                (),
                (),
                _n.Anomalies(),
                line,
                engine.descriptions,
                snapshot_at=snapshot_at
                if snapshot_at is not None and snapshot_at < before
                else None,
            )
        later = line is None or line.snapshot is None
        built = _t.build_timeline(
            account,
            resource,
            new_events,
            inventories,
            sample_times,
            engine.anomalies,
            line,
            engine.descriptions,
            in_order=in_order,
            snapshot_at=snapshot_at - before if later and snapshot_at is not None else None,
        )
        if before:
            if later and built.snapshot is not None:
                built.snapshot_index += before
            built.order = [*history, *built.order]
        return None, built
    old_anomalies = _n.Anomalies()
    old = _t.build_timeline(
        account,
        resource,
        history,
        (),
        (),
        old_anomalies,
        restore(base) if base is not None else None,
        engine.descriptions,
    )
    new_anomalies = _n.Anomalies()
    line = _t.build_timeline(
        account,
        resource,
        [*history, *new_events],
        inventories,
        sample_times,
        new_anomalies,
        restore(base) if base is not None else None,
        engine.descriptions,
        snapshot_at=snapshot_at,
    )
    line.rebuilt = True
    seen = collections.Counter(item[5] for item in old_anomalies._items)
    for at_us, a_account, a_resource, _, _, anomaly in new_anomalies._items:
        if seen[anomaly]:
            seen[anomaly] -= 1
            continue
        engine.anomalies.add(
            at_us,
            a_account,
            a_resource,
            anomaly.kind,
            anomaly.message,
            anomaly.record_ids,
            about_us=anomaly.at_us,
        )
    if limit is not None:
        floor = base.clock_us if base is not None else None
        _late.late_changes(
            engine, account, resource, old, line, new_events, closing, late, floor, limit
        )
    return old, line


def _concerns(inventory: Inventory, account: str, resource: str) -> bool:
    """Whether ``inventory`` may change the resource: it lists it, or its accounts hold it.

    (Whether an unlisted resource matches ``where`` depends on its description at the
    inventory's instant: the timeline decides it.) O(log n) for n listed resources.
    """
    if _t._listed(inventory, account, resource) is not None:
        return True
    return inventory.accounts is None or account in inventory.accounts


def _settled(base: ResourceState | None, state: ResourceState | None) -> int | None:
    """What the carried state can order a late inventory from, or ``None`` (from anywhere).

    The base's clock, or the last instant an inventory covering the resource was applied
    (its ``listings``), when later: that inventory settled the history, even where it
    changed nothing (a resource it did not list, unknown or deleted, stays so without
    moving the clock). O(1).
    """
    if base is None:
        return None
    listed = None if state is None or state.listings is None else state.listings[0]
    return max((t for t in (base.clock_us, listed) if t is not None), default=None)


def _placeable(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    account: str,
    resource: str,
    base: ResourceState,
    clock: int,
    inventories: Sequence[Inventory],
    late: list[Inventory],
) -> tuple[Sequence[Inventory], list[Inventory]]:
    """The inventories to apply to the resource, and the late ones among them.

    A late inventory stamped before ``clock`` (what the carried state can order from, see
    `_settled()`: an inventory settles the history, and the state keeps only the last
    `HISTORY` events) takes effect at the base's clock, as a late event does: what it
    closes or corrects is closed or corrected there. But a resource the state had
    deleted, or did not know, at ``clock`` is not reopened by a listing older than that:
    that inventory is not applied to it, and a ``"late"`` anomaly names it.
    """
    if base.status not in ("unknown", "deleted"):
        return inventories, late
    stale = [i for i in late if i.at_us < clock and _t._listed(i, account, resource) is not None]
    if not stale:
        return inventories, late
    for inventory in stale:
        stamp = "" if inventory.id is None else f" at {format_us(inventory.at_us)}"
        engine.anomalies.add(
            inventory.at_us,
            account,
            resource,
            "late",
            f"{_n.label(inventory)}{stamp} lists {resource!r} of {account!r}, which the "
            f"carried state has {base.status} at {format_us(clock)}, after it, and cannot "
            "order anything before (an inventory settles a resource's history, and the state "
            f"keeps its last {HISTORY} events): it does not reopen {resource!r}; meter the "
            "span at once to apply it.",
            (inventory.id,),
        )
    return (
        [i for i in inventories if all(i is not x for x in stale)],
        [i for i in late if all(i is not x for x in stale)],
    )


_THROUGH = operator.attrgetter("through_us")  # (each of a clocked state: an int)
_HEAD = len(_NO_BASE)  # a base's fields in ``ResourceState._past``, before its history
# A status's index in `_normalize.STATUS_NAMES`, by its name (a look-up, not a search).
_STATUS: typing.Final = {name: index for index, name in enumerate(_n.STATUS_NAMES)}
# The pieces a state with no history may keep before its own (its base, see restore()).
_BEFORE = ("running", "deleted")
#: The bases restored before a state's piece, by its status: a stop too (a boot or a
#: stop a rater's compacted state keeps, `_rater_stretch.carried_boot()`).
_BASES: typing.Final = {
    _n.RUNNING: ("running", "deleted", "stopped"),
    _n.STOPPED: ("running", "stopped", "deleted"),
    _n.DELETED: ("running", "stopped"),
}


#: A stop or a deletion as the piece before a running base: a boot (`restore()`).
_STOPS: typing.Final = (("stopped",), ("deleted",))


def restore(state: ResourceState) -> _t.Timeline:
    """``state`` as a timeline: its piece, after its base's when it has no history.

    A running state with no history whose base is running since before it (as
    compaction writes the start of a running stretch, see `ratekit._rater_stretch`)
    restores the base's piece first, so that the stretch runs from there; one whose base
    is a deletion before it (a listing opened the resource again, see `state_of()`)
    restores that deletion first, so that a closing back at the listing finds it. One
    whose base is a stop, and a stopped one whose base is running (a rater's compacted
    state keeps the boot or the stop its piece began with, `_rater_stretch.carried_boot()`),
    restores those pieces first too, so that a ``from_zero`` counter finds them. A running
    one whose base is the START of its running stretch and whose piece before is a stop
    or a deletion (a boot that a resize followed) restores the three, the stop known to
    follow a running piece (``Timeline.ran_before_us``); one whose base is a stop at its
    own START (a restart at one instant), the running piece and that stop, which its
    START replaces (a boot); a deleted one whose base is the stop a ``last_seen`` closing
    ended at its own instant, the piece before that stop. O(1).
    """
    line = _t.Timeline()
    status = _STATUS[state.status]
    if status != _n.UNKNOWN and state.since_us is not None:
        description = state.description
        assert isinstance(description, _FrozenDict)
        past = state._past
        if len(past) == _HEAD and past[0] in _BASES[status]:
            _restore_base(line, status, past, state._before, state.since_us)
        line.push(state.since_us, description, status, state.opened_by)
        line.restored_us = state.since_us
    else:
        line.restored_us = _n.NEVER
    if state.clock_us is not None:
        line.clock_us = state.clock_us
        line.last_event_us = state.clock_us
    line.seq = state.seq
    return line


def _push(line: _t.Timeline, piece: tuple[object, ...]) -> None:
    """Push a base's fields (``ResourceState._past[:6]``, ``_before``) as a piece."""
    line.push(
        typing.cast("int", piece[2]),
        typing.cast("_FrozenDict", piece[1]),
        _STATUS[typing.cast("str", piece[0])],
        typing.cast("str | None", piece[3]),
    )


def _restore_base(
    line: _t.Timeline,
    status: int,
    past: tuple[object, ...],
    before: tuple[object, ...],
    since_us: int,
) -> None:
    """Push the base (``past``) of a state with no history, and the piece before it (`restore()`)."""
    at = typing.cast("int", past[2])
    restarted = status == _n.RUNNING and past[0] == "stopped" and before[:1] == ("running",)
    if at == since_us and restarted:  # a restart at one instant (`carried_boot()`): a boot,
        _push(line, before)  # as the state's START replaces the stop (`Timeline.push()`)
        _push(line, past)
        return
    if at >= since_us:
        # A stop a last_seen closing ended at its own instant (the closing replaces it,
        # `_rater_closed.closed()`): the running piece before it, which a from_zero
        # counter asks for (`_rater_stretch.carried_boot()`), and not the stop.
        if (
            status == _n.DELETED
            and at == since_us
            and before[:1] == ("running",)
            and typing.cast("int", before[2]) < since_us
        ):
            _push(line, before)
        return
    # A running stretch's START after a stop: the stop follows a running piece
    # (`_rater_stretch.carried_boot()` writes no other).
    booted = status == _n.RUNNING and past[0] == "running" and before[:1] in _STOPS
    if before and (before[0] in _BEFORE or booted) and typing.cast("int", before[2]) < at:
        if booted:
            line.ran_before_us = typing.cast("int", before[2])
        _push(line, before)  # the piece before the base's (a rater's compacted state)
    _push(line, past)


def previous_reading(
    state: ResourceState | None, account: str, resource: str, name: str
) -> Sample | None:
    return _counters.last_kept(state, account, resource, name)


def state_of(  # noqa: PLR0917 - private plumbing of plain values
    account: str,
    resource: str,
    line: _t.Timeline,
    per_meter: Mapping[str, list[Sample]],
    previous: ResourceState | None,
    new_events: Sequence[Event],
    through_us: int,
    inventories: Sequence[Inventory],
    columns: Mapping[str, list[str | None]],
    held: frozenset[str] = frozenset(),
    counted: frozenset[str] = frozenset(),
    *,
    start_us: int,
    last_only: frozenset[str] | None = None,
) -> ResourceState:
    """The resource's state after the call: an inventory whose scope covers it settles its history.

    The state remembers the call's inventories too (see `ratekit._metering_memory`), but
    not the readings of the meters in ``held`` (aggregations of readings: ``Count``,
    ``Max``, ...) stamped at or after ``through_us``: they belong to the next span, and
    the state keeps nothing of them, so the next call meters them when given again. Of
    the meters in ``counted`` (additive aggregations) it keeps the last readings, not only
    the last one (`_counters.next_readings()`). With ``last_only`` (the caller keeps the
    records: see `ratekit.metering.meter_cut_by_account`'s ``deduplicated``), the state
    remembers no record, and keeps only the last reading of the meters in ``last_only``.
    ``start_us``: the start of the call's span (see `described()`).
    """
    settled = line.settled
    if held and any(
        sample.at_us >= through_us
        for name in held.intersection(per_meter)
        for sample in per_meter[name]
    ):
        per_meter = {
            name: [s for s in group if s.at_us < through_us] if name in held else group
            for name, group in per_meter.items()
        }
    # (after: a reading of the next span is no level in force at this one's end either)
    readings, complete = _counters.next_readings(
        previous, per_meter, counted, last_only or frozenset()
    )
    remembered = last_only is None
    applied = _applied(new_events, per_meter, previous, columns, inventories) if remembered else ()
    past: tuple[object, ...] = _NO_BASE
    order = line.order
    if not settled and order:
        snapshot = line.snapshot
        head: tuple[object, ...] = _NO_BASE
        index = 0
        if snapshot is not None:
            start, description, status, opener, clock_us, seq, _ = snapshot
            index = line.snapshot_index
            if status != _n.UNKNOWN or description or opener is not None or seq is not None:
                head = (
                    _n.STATUS_NAMES[status],
                    description,
                    start if status != _n.UNKNOWN else None,
                    opener,
                    clock_us if clock_us != _n.NEVER else None,
                    seq,
                )
            elif clock_us != _n.NEVER:
                head = ("unknown", description, None, None, clock_us, None)
        elif previous is not None:
            head = previous._past[:6] if previous.history else previous._head()
        if index < len(order):
            past = (*head, *itertools.islice(order, index, None)) if index else (*head, *order)
    status = line.statuses[-1]
    if past is _NO_BASE and status == _n.RUNNING and line.statuses[-2] == _n.DELETED:
        # Reopened after a deletion (by an inventory's listing): the deletion is kept as
        # its base, so that a closing back at the reopening finds it, as metering at once.
        past = ("deleted", line.descriptions[-2], line.starts[-2], line.openers[-2], None, None)
    name = _n.STATUS_NAMES[status]
    if last_only is not None and past is not _NO_BASE and not keeps_past(past, name, line.seq):
        # The caller keeps the records: the rater, whose lean state keeps no more
        # (`ratekit._rater_states.lean()`), built once, not built then restated.
        past = _NO_BASE
    if previous is not None and previous.through_us is not None:
        through_us = max(through_us, previous.through_us)
    return _new_state(
        account,
        resource,
        name,
        line.descriptions[-1],
        line.starts[-1] if status != _n.UNKNOWN else None,
        line.openers[-1],
        line.clock_us if line.clock_us != _n.NEVER else None,
        line.seq,
        readings,
        through_us,
        applied,
        past,
        seen=_memory.remember(previous, new_events, per_meter, MEMORY, inventories)
        if remembered
        else (),
        complete=complete,
        listings=_listings.after(account, resource, line, inventories, previous),
        described=described(line, previous, start_us),
    )


def keeps_past(
    past: tuple[object, ...], status: str, seq: int | None, *, sequenced: bool = False
) -> bool:
    """Whether a state whose caller keeps its records keeps its base and history (``past``).

    ``status`` is the state's own (``"running"``, ``"deleted"``, ...), ``seq`` its
    last sequence number, ``sequenced`` whether the caller keeps a sequenced event of
    the resource. The events of a history are ordered among new ones by time, as the
    state's summary places them, unless an event with a ``seq`` is about: so a history
    is kept only while the resource has a sequenced event (in it, applied, or kept by
    the caller). A state with no history keeps a deletion as its base (a listing opened
    the resource again after it), and a deleted one the piece before its own (a
    ``last_seen`` closing ended it). The rule of `ratekit._rater_states.lean()`, which
    metering with ``last_only`` applies as it builds the state (`state_of()`). O(h) for
    h events of history.
    """
    if len(past) == _HEAD:  # no history
        return past[0] == "deleted" or (status == "deleted" and past[0] is not None)
    history: tuple[Event, ...] = past[_HEAD:]  # type: ignore[assignment]
    # (their seqs read in one comprehension, not a generator resumed per event)
    return sequenced or seq is not None or {event.seq for event in history} != {None}


def described(line: _t.Timeline, previous: ResourceState | None, start_us: int) -> tuple[int, bool]:
    """Where the description in force at ``line``'s end began: ``(instant, known)``.

    The rater's book reads it (`ResourceState._described`): a delta meter's row whose
    piece holds the last watermark starts where the piece began, the latest of this
    instant, its cycle's start and a price's cut (`ratekit._rater_advance._begun()`).
    A change of description is where sample pieces are cut (`_metering_extent.pieces`:
    another description, not only another status).

    ``(t, True)``: the last change ``line`` shows after the pieces restored from
    ``previous`` (those are its summary, not events applied), or ``(NEVER, True)`` for a
    line built from nothing that shows none (the empty description ever since). Else
    what ``previous`` said, unless it said nothing or the call applied its history again
    (a late event may move a change before the span): ``(start_us, False)`` then, the
    description stood from the span's start at least. O(p) for the p pieces after the
    restored ones.
    """
    starts, descriptions = line.starts, line.descriptions
    floor = line.restored_us
    index = len(starts) - 1
    while index > 0 and (floor is None or starts[index] > floor):
        before, after = descriptions[index - 1], descriptions[index]
        if before is not after and not (same_items(before, after) and before == after):
            return starts[index], True
        index -= 1
    if floor is None:
        return _n.NEVER, True
    if not line.rebuilt and previous is not None and previous._described is not None:
        return previous._described
    return start_us, False


def _applied(
    new_events: Sequence[Event],
    per_meter: Mapping[str, list[Sample]],
    previous: ResourceState | None,
    columns: Mapping[str, list[str | None]],
    inventories: Sequence[Inventory] = (),
) -> tuple[str, ...]:
    """The ids the next state remembers: the last `MEMORY` applied (as `_memory.remember`)."""
    ids = [i for event in new_events if (i := event.id) is not None]
    for name, group in per_meter.items():
        column = columns.get(name)
        if column is not None and len(column) == len(group):
            ids += filter(None, column)  # gathered by the fast path already
        else:
            ids += [i for sample in group if (i := sample.id) is not None]
    ids += [i for inventory in inventories if (i := inventory.id) is not None]
    fresh = tuple(ids)
    if previous is not None and previous.applied:
        fresh = (*previous.applied, *fresh)
    return fresh if len(fresh) <= MEMORY else fresh[-MEMORY:]
