"""Metering continued from a carried state: the states at the door, and late records ordered.

The private half of [`ratekit.meter()`][ratekit.meter] that keeps the rule "nothing lost, nothing
twice" across calls (see [`ResourceState`][ratekit.ResourceState]): the carried states are
checked at the door (`carried`), and a resource's new records are applied after its
state (`timeline`): events that belong before events already applied are ordered among
them from the state's base, and what late records change before the state's clock is
handed to `ratekit._metering_late`. The state restored as a timeline is
`ratekit._metering_restore`'s; the next state, `ratekit._metering_next_state`'s.
"""

from __future__ import annotations

import collections
import operator
import typing
from collections.abc import Iterable, Sequence

from . import _metering_counters as _counters
from . import _metering_late as _late
from . import _metering_listings as _listings
from . import _normalize as _n
from . import _timelines as _t
from . import _values as _v
from ._instants import format_us
from ._metering_restore import restore
from ._resource_state import HISTORY, ResourceState
from ._shown import show
from .errors import BadSpanError, RatekitTypeError
from .records import Event, Inventory, Sample
from .spans import Span

if typing.TYPE_CHECKING:
    from ._metering_engine import _Engine


__all__ = ["carried", "previous_reading", "timeline"]


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


def previous_reading(
    state: ResourceState | None, account: str, resource: str, name: str
) -> Sample | None:
    return _counters.last_kept(state, account, resource, name)
