"""Where a ``close="last_seen"`` inventory closes a resource, judged as metering judges it.

An inventory with ``close="last_seen"`` closes each resource of its scope that it does
not list at the resource's last sign of life up to it: a kept sample, a listing, or an
event metering applies before the inventory, judged in the order metering applies
events (``seq`` order among the sequenced ones), not by their instants (see `_seen()`,
`closing_us()` and `placed_closing()`). `reach_us()` says how far back a closing not
metered yet may reach, so that the cycles from there on stay kept until it is.

Which inventory closes a resource is decided as metering decides it (see `closer()`):
the earliest kept inventory whose scope covers it, and among inventories stamped at
that instant, none if one lists it, else the first in the order of their ids
(`ratekit._inventory_ties`). That inventory alone speaks for the resource, so that each
part is said once, whatever other inventories come after it or at its instant
(`ratekit._lateness_closings` says the parts).
"""

from __future__ import annotations

import typing
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Final

from ._descriptions import _FrozenDict, apply_attributes
from ._event_order import _event_order
from ._inventory_scope import is_listed
from ._inventory_ties import order as tie_order
from ._normalize import DELETED, RUNNING, STOPPED, UNKNOWN
from ._rater_book import known_by
from ._ties import clean_order
from .records import Event, Inventory, Sample
from .usage import ResourceState

__all__ = [
    "closer",
    "closing_us",
    "compacted_closing",
    "placed_closing",
    "reach_us",
    "running_since",
]

Record = Event | Sample | Inventory

#: The status whose time a closing back changes the price of. Metering measures a
#: resource's time only while it runs (time meters meter its running pieces, see
#: `_metering_time.time_rows`; a sample in the part closed would be a sign of life): a
#: resource stopped at the start of the kept cycles and closed back (or its closing
#: moved) in compacted cycles changes only stopped time there, which no meter prices, so
#: nothing was billed that batch does not bill, and nothing is said.
_PRICED: Final = "running"
#: The statuses an inventory that does not list a resource closes, as metering does.
_CLOSABLE: Final = frozenset({RUNNING, STOPPED})


def reach_us(
    inventory: Inventory,
    by_key: Mapping[tuple[str, str], Sequence[Record]],
    inventories: Iterable[Record],
    states: Mapping[tuple[str, str], ResourceState],
    *,
    known_us: int,
    moving: Collection[tuple[str, str]],
) -> int | None:
    """How far back a ``last_seen`` inventory's closings not metered yet may reach.

    It closes each running resource of its scope that it does not list at the resource's
    last sign of life up to it, among all its kept records, metered or not
    (`running_since()`). A closing is not metered yet when the inventory is not known by
    the watermark ``known_us``, or when a kept record of the resource not known by it
    moves it (``moving``: the resources with such records, say an event whose ``seq``
    orders it before the resource's events stamped before the inventory: they come after
    the inventory then, and are no sign of life before it). Per such resource with kept
    records or listings up to it: where it closes the resource once every kept record is
    metered, and where it closed it with the records known by ``known_us`` when that
    differs (metering meets both). The earliest of those (the inventory's own instant
    when it is not metered yet, else None when no closing moves; for another ``close``,
    that instant or None): the cycles from there on stay kept until it is metered, so
    that its closing is applied there rather than said too late. A resource whose last
    sign of life is compacted already changes no kept cycle. A resource stopped, or
    closed by a kept inventory before this one, holds nothing: the cycles are released
    once each such inventory is metered, whatever inventories are fed ahead after it.
    O(k log k + i n) for k kept records of the resources concerned, i kept inventories
    of n resources each; O(1) for one metered and no resource ``moving``, O(m) with m
    records of those.
    """
    at_us = inventory.at_us
    metered = known_by(inventory, known_us)
    if inventory.close != "last_seen" or (metered and not moving):
        return None if metered else at_us
    # Once it is metered, only the closings that records not known yet move are to come.
    keys = {key for key in moving if any(r.at_us <= at_us for r in by_key.get(key, ()))}
    if metered and not keys:
        return None
    before = sorted(
        (i for i in inventories if type(i) is Inventory and i.at_us < at_us and i is not inventory),
        key=lambda i: i.at_us,
    )
    if not metered:
        keys = {key for key, kept in by_key.items() if any(r.at_us <= at_us for r in kept)}
        keys.update((account, resource) for i in before for account, resource, _ in i.resources)
    reach = None if metered else at_us
    for key in keys:
        if is_listed(inventory.resources, *key):
            continue
        kept = by_key.get(key, ())
        state = states.get(key)
        found = [running_since(key, kept, before, state, at_us)]
        if metered:
            known = [r for r in kept if known_by(r, known_us)]
            was = running_since(key, known, before, state, at_us)
            if was == found[0]:
                continue  # metered where it stays
            found.append(was)
        for closing in found:
            if closing is not None and inventory.covers(*key, closing[1]):
                reach = closing[0] if reach is None else min(reach, closing[0])
    return reach


def running_since(
    key: tuple[str, str],
    kept: Sequence[Record],
    before: Sequence[Inventory],
    state: ResourceState | None,
    at_us: int,
) -> tuple[int, Mapping[str, object]] | None:
    """A resource's last sign of life up to ``at_us`` and its description, when running.

    Its kept events in the order metering applies them (`_event_order`), each
    inventory of ``before`` (in time order) applied before the first of them stamped
    after it; the inventory at ``at_us`` comes before the first stamped after it, so
    an event stamped up to it but ordered after that one (by its ``seq``) is no sign of
    life before it. A listing opens it (a sign of life; a resource listed by any
    inventory of an instant is present there), an inventory that covers it and does not
    list it closes it when it runs or is stopped (one never seen stays unknown, so an
    UPDATE after it opens it, as metering does); a sample up to ``at_us`` is a sign of
    life. None when it is not running at ``at_us`` (stopped, deleted, closed, or never
    started), or has no sign of life kept. O(k log k + i log n).
    """
    status: str = "unknown" if state is None else state.status
    description = _FrozenDict() if state is None else _FrozenDict(state.description)
    events = [r for r in kept if type(r) is Event]
    _event_order(events)
    life = [r.at_us for r in kept if type(r) is not Event and r.at_us <= at_us]
    marks: list[Event | Inventory] = []
    pending = list(before)
    for event in events:
        if event.at_us > at_us:
            break  # the inventory comes first, before every event ordered after this one
        while pending and pending[0].at_us < event.at_us:
            marks.append(pending.pop(0))
        marks.append(event)
    marks += pending
    _untie(marks, status, description)
    # a resource listed by any inventory of an instant is present there, as in metering
    listed_us = {i.at_us for i in before if is_listed(i.resources, *key)}
    for mark in marks:
        if type(mark) is Event:
            life.append(mark.at_us)
            status, description = _after(mark, status, description)
        elif mark.at_us in listed_us:
            life.append(mark.at_us)
            status = "running"
        elif _STATUS[status] in _CLOSABLE and mark.covers(*key, description):
            status = "closed"
    if status != _PRICED or not life:
        return None
    return max(life), description


#: The statuses as metering's ties judge them: a state's, or the kind of the event that
#: left it (a resource an inventory closed is deleted).
_STATUS: Final = {
    "unknown": UNKNOWN,
    "running": RUNNING,
    "stopped": STOPPED,
    "stop": STOPPED,
    "deleted": DELETED,
    "delete": DELETED,
    "closed": DELETED,
}


def _untie(marks: list[Event | Inventory], status: str, description: _FrozenDict) -> None:
    """Put ``marks``' ties (events at one instant, no ``seq``) in the order metering applies them.

    Metering applies such events in an order where none is a duplicate when there is one
    (`ratekit._ties.clean_order`): a STOP and a START of a running resource are a
    restart, so it runs on. The status each tie starts from is the one the marks before
    it leave, judged as `running_since()` judges them (an inventory never stands inside
    a tie: it comes after the events at its instant). O(m) but for the ties.
    """
    index = 0
    while index < len(marks):
        mark = marks[index]
        end = index + 1
        if type(mark) is Event and mark.seq is None:
            while end < len(marks):
                other = marks[end]
                if type(other) is not Event or other.seq is not None or other.at_us != mark.at_us:
                    break
                end += 1
        if end - index > 1:
            tied = typing.cast("list[Event]", marks[index:end])
            marks[index:end] = clean_order(_STATUS[status], description, tied)
        for applied in marks[index:end]:
            status, description = _after(applied, status, description)
        index = end


def _after(
    mark: Event | Inventory, status: str, description: _FrozenDict
) -> tuple[str, _FrozenDict]:
    """The status and description after ``mark``, as `running_since()` judges them."""
    if type(mark) is not Event:
        return status, description  # what an inventory does is judged with its key
    description = apply_attributes(description, mark.attributes)
    if mark.kind != "update":
        return ("running" if mark.kind == "start" else mark.kind), description
    # an update of a resource never seen opens it, running
    return ("running" if status == "unknown" else status), description


def closer(inventories: Iterable[Record], state: ResourceState) -> Inventory | None:
    """The inventory of ``inventories`` that closes ``state``'s resource first, or None.

    As metering applies them (`ratekit._inventory_ties`): the earliest ones whose scope
    covers the resource (as the state describes it, see `_closes()`); None when one of
    those lists it (a resource listed by any inventory at an instant is present there),
    else the first of them in the order of their ids. O(i log n) for i inventories of n resources each.

    Examples:
        >>> import ratekit as rk
        >>> state = rk.ResourceState("acme", "vm-1", "running", {})
        >>> scoped = rk.Inventory("2026-03-01T05:00:00Z", [], accounts=["acme"], id="i2")
        >>> whole = rk.Inventory("2026-03-01T05:00:00Z", [], close="last_seen", id="i1")
        >>> closer([scoped, whole], state).id
        'i1'
        >>> listing = rk.Inventory("2026-03-01T05:00:00Z", [("acme", "vm-1")], id="i3")
        >>> closer([scoped, whole, listing], state) is None
        True
    """
    covering = [i for i in inventories if type(i) is Inventory and _closes(i, state)]
    if not covering:
        return None
    first_us = min(i.at_us for i in covering)
    group = [i for i in covering if i.at_us == first_us]
    account, resource = state.account, state.resource
    if any(is_listed(i.resources, account, resource) for i in group):
        return None
    return min(group, key=lambda i: tie_order(i, account, resource))


def _candidates(inventories: Sequence[Record]) -> Sequence[Record]:
    """The inventories that may close a resource first: none after one of everything. O(i)."""
    whole = [i.at_us for i in inventories if _whole(i)]
    if not whole:
        return inventories
    first_us = min(whole)
    return [i for i in inventories if i.at_us <= first_us]


def _whole(record: Record) -> bool:
    """Whether ``record`` is an inventory of the whole platform (no scope)."""
    return type(record) is Inventory and record.accounts is None and not record.where


def _closes(record: Record, state: ResourceState) -> bool:
    """Whether ``record``, an inventory, covers ``state``'s resource as the state describes it.

    The state's description is the resource's at the inventory when no kept record comes
    before it there (else `_closing()` finds the closing in the kept cycles).
    """
    return type(record) is Inventory and record.covers(
        state.account, state.resource, state.description
    )


def _closing(state: ResourceState, kept: Sequence[Record], at_us: int, base_us: int) -> int | None:
    """Where an inventory at ``at_us`` closes ``state``'s resource, when before ``base_us``.

    None when a kept record is a sign of life up to it (`_seen()`: the closing is in the
    kept cycles) or the last sign of life in the state (its last reading, event or
    listing by an inventory) is not before ``base_us``. A kept event whose ``seq`` orders
    it before the state's last is left out: batch rate() applies the compacted events
    after it, so the inventory's place among them turns on it, and the closing is judged
    as the records stood without it (as the cycles billed it, or its ``"too_late"``
    anomaly named it, whenever it comes); the statement names its part in the compacted
    cycles with the closing and without it (`_rater_closed_back.closed_parts()`). O(k),
    or as `_seen()`.
    """
    if state.seq is not None:
        kept = [r for r in kept if not _ahead(r, state.seq)]
    if _seen(state, kept, at_us):
        return None  # a sign of life in the kept cycles: the close is applied there
    seen = max((reading[1] for reading in state.readings), default=None)
    listed = _listed_us(state, at_us)
    marks = [t for t in (seen, listed, state.clock_us, state.since_us) if t is not None]
    close_us = min(max(marks, default=base_us), at_us)
    return close_us if close_us < base_us else None


def _ahead(record: Record, seq: int) -> bool:
    """Whether ``record`` is an event whose ``seq`` orders it before a state's last one. O(1)."""
    return type(record) is Event and record.seq is not None and record.seq < seq


def closing_us(
    state: ResourceState, kept: Sequence[Record], at_us: int, base_us: int
) -> int | None:
    """Where an inventory at ``at_us`` closes ``state``'s resource, when before ``base_us``.

    See `_closing()`; shared with the too-late inventories. O(k).
    """
    return _closing(state, kept, at_us, base_us)


def placed_closing(
    inventories: Sequence[Record],
    state: ResourceState,
    new: ResourceState,
    kept: Sequence[Record],
    base_us: int,
) -> tuple[Inventory, int | None, int | None] | None:
    """The kept ``last_seen`` closing of a resource a too-late record takes from ``state`` to ``new``.

    A record stamped before the kept cycles is placed in the compacted state (an event,
    or an inventory reconciled with it); ``inventories``: the kept ones whose closings
    were judged already (known by the last watermark, not of the batch being fed). The
    one that closes the resource (`closer()`, as the new state describes it), when it
    has ``close="last_seen"``, closes it at its last sign of life, which the record may
    be (a listing, a START opening it) or move (a new sign of life after the old one).
    Returns that inventory and where it closes the resource before ``base_us``, with the
    old state and with the new one (None: not before ``base_us``); None when no such
    inventory closes it, or both closings are in the kept cycles. Batch rate() bills
    nothing of the resource's running time in the compacted cycles from that closing on,
    so the record's part there is judged up to it. O(i + k).
    """
    # Each state by the inventory that closes it as it describes it: a record that
    # re-describes the resource may take it out of a scope, or into one.
    was = closer(inventories, state) if state.status == _PRICED else None
    now = closer(inventories, new)
    old_us = _closing(state, kept, was.at_us, base_us) if _at_last(was) else None
    new_us = _closing(new, kept, now.at_us, base_us) if _at_last(now) else None
    if old_us is None and new_us is None:
        return None
    inventory = now if new_us is not None else was
    assert inventory is not None  # the one whose closing lies before base_us
    return inventory, old_us, new_us


def compacted_closing(state: ResourceState, at_us: int) -> tuple[str | None, int, int] | None:
    """The compacted ``last_seen`` closing that a sign of life at ``at_us`` moves, or None.

    A compacted state whose resource a ``last_seen`` inventory closed is ``deleted``
    since the closing (the resource's last sign of life then), none of the inventories
    `listings` keeps listing it, and either its clock is theirs or it names one of them
    as what deleted it (``opened_by``: a later event it ignored moved the clock). A
    sample placed there stamped after the closing and up to the inventory is the new
    last sign of life: batch rate() closes the resource at it, later. Returns the
    closing inventory's id (the one the state names, else the first of that instant by
    id, as metering picks it, `ratekit._inventory_ties`), its instant and the old
    closing; None when ``state`` was not closed so (a DELETE event deletes at its own
    instant, and names itself), or the sign of life does not move it. O(n) for the n
    inventories of that instant.
    """
    remembered = state.listings
    since_us = state.since_us
    if (
        remembered is None
        or state.status != "deleted"
        or since_us is None
        or not since_us < at_us <= remembered[0]
        or any(listed is not None for _, listed, _ in remembered[1])
    ):
        return None
    closers = sorted(
        (entry[0] for entry in remembered[1] if entry[2] == "last_seen"),
        key=lambda record_id: (record_id is None, record_id or ""),
    )
    if state.opened_by is not None and state.opened_by in closers:
        return state.opened_by, remembered[0], since_us
    if not closers or state.clock_us != remembered[0]:
        return None
    return closers[0], remembered[0], since_us


def _at_last(inventory: Inventory | None) -> typing.TypeGuard[Inventory]:
    """Whether ``inventory`` closes at the last sign of life (``close="last_seen"``)."""
    return inventory is not None and inventory.close == "last_seen"


def _listed_us(state: ResourceState, at_us: int) -> int | None:
    """The state's last listing of its resource up to ``at_us`` (a sign of life), or None. O(1)."""
    remembered = state.listings
    if remembered is None or remembered[0] > at_us:
        return None
    return remembered[0] if any(listed is not None for _, listed, _ in remembered[1]) else None


def _seen(state: ResourceState, kept: Sequence[Record], at_us: int) -> bool:
    """Whether a kept record of ``state``'s resource is a sign of life up to ``at_us``.

    A kept sample stamped up to the inventory is one. A kept event is one when metering
    applies it before the inventory: the inventory comes before the first event, in the
    order metering applies them (``seq`` order among the sequenced events, the others by
    their instant, `_event_order._event_order()`), stamped after it; so a kept event stamped
    before the inventory but ordered after such an event (a STOP stamped after the
    inventory whose ``seq`` puts it first) is no sign of life before it. The events are
    ordered with the state's history (the compacted events it carries), as metering
    orders them. O(k), or O((h + k) log (h + k)) for h events of history when a kept
    event up to ``at_us`` and an event with a ``seq`` are among them.
    """
    events: list[Event] = []
    for record in kept:
        if type(record) is Event:
            events.append(record)
        elif record.at_us <= at_us:
            return True
    if not any(event.at_us <= at_us for event in events):
        return False
    ordered = [*state.history, *events]
    if all(event.seq is None for event in ordered):
        return True  # by time: a kept event up to the inventory comes before it
    fresh = {id(event) for event in events}
    _event_order(ordered)
    for event in ordered:
        if event.at_us > at_us:
            return False
        if id(event) in fresh:
            return True
    return False
