"""The rater's words for ``last_seen`` closings its kept cycles cannot hold in full.

An inventory with ``close="last_seen"`` closes a resource it does not list (within its
scope) at the resource's last sign of life, which may lie before the kept cycles: the
part of the closing in compacted cycles is not applied, and a ``"too_late"``
[`Anomaly`][ratekit.Anomaly] says so (see `closes_back()`). The last sign of life is
judged in the order metering applies events (``seq`` order among the sequenced ones),
not by their instants. A record that comes later may move that closing from or into
compacted cycles: the part there is not applied either, and said (see
`moves_closing()`).

Which inventory closes a resource is decided as metering decides it (see `closer()`):
the earliest kept inventory whose scope covers it, and among inventories stamped at
that instant, none if one lists it, else the first in the order of their ids
(`ratekit._inventory_ties`). That inventory alone speaks for the resource, so that each
part is said once, whatever other inventories come after it or at its instant.
"""

from __future__ import annotations

import typing
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Final

from ._anomalies import placed
from ._descriptions import _FrozenDict, apply_attributes
from ._event_order import _event_order
from ._instants import US_PER_HOUR, format_us
from ._inventory_scope import is_listed
from ._inventory_ties import order as tie_order
from ._rater_assigned import Segments, running_within
from ._rater_book import known_by
from ._shown import show
from ._window import _SCALE, _from_scaled, _round_ratio
from .policies import Meter
from .records import Anomaly, Event, Inventory, Sample
from .usage import ResourceState

__all__ = [
    "closer",
    "closes_back",
    "closing_us",
    "moved",
    "moves_closing",
    "placed_closing",
    "reach_us",
]

Record = Event | Sample | Inventory

#: The status whose time a closing back changes the price of. Metering measures a
#: resource's time only while it runs (time meters meter its running pieces, see
#: `_metering_time.time_rows`; a sample in the part closed would be a sign of life): a
#: resource stopped at the start of the kept cycles and closed back (or its closing
#: moved) in compacted cycles changes only stopped time there, which no meter prices, so
#: nothing was billed that batch does not bill, and nothing is said.
_PRICED: Final = "running"


def closes_back(
    inventory: Inventory,
    base_us: int,
    states: Sequence[ResourceState],
    by_key: Mapping[tuple[str, str], Sequence[Record]],
    inventories: Iterable[Record],
    *,
    meters: Sequence[Meter],
    known_us: int | None = None,
    judged: Sequence[Record] = (),
    fresh: Collection[Record] = (),
    segments: Segments | None = None,
) -> list[Anomaly]:
    """The anomalies of a ``"last_seen"`` inventory closing resources before ``base_us``.

    A resource it does not list, open in the metering state at ``base_us`` (the start of
    the kept cycles) with no kept sample up to the inventory and no kept event applied
    before it (in metering's order, see `_seen()`), had its last sign of life in a
    compacted cycle: metering closes it there, but the usage between that
    instant and ``base_us`` was billed by cycles already compacted, and stands. One
    ``"too_late"`` anomaly per such resource names the resource, that part and its
    length in hours running (a stopped resource: nothing, see `_PRICED`). Only the
    inventory that closes the resource speaks for it (`closer()`): another kept
    inventory before this one whose scope covers the resource closed it already, or
    listed it (a sign of life in the kept cycles); at this one's instant, one that lists
    it keeps it present, and of those that do not, the first by id closes it. Scopes are
    judged by the state's description, the resource's at the inventory when no kept
    record comes before. With ``known_us``, only the kept records
    known by that watermark count (metering there sees no other). ``judged``: the kept
    inventories metered before this one (fed in an earlier batch, known by an earlier
    watermark). This one, fed late, may take a resource over from one of them stamped
    after it that closed it at its last sign of life: what the compacted cycles billed
    beyond that closing was said then, and only the part from this closing to that one
    is said now (nothing when they close it at one instant). That closing is where the
    records judged then put it: ``fresh``, the records fed (or metered) with this one,
    are not among them, and may have moved it since; so this closing may come after it
    (in the kept cycles, say), and the part between "stays unbilled". O(s + k) for s states
    and k kept records of the states' resources, O((h + k) log (h + k)) for a resource
    with h events of history among whose events a ``seq`` orders them.
    """
    if inventory.close != "last_seen" or inventory.at_us < base_us:
        return []
    at_us = inventory.at_us
    others = [o for o in inventories if o is not inventory and o.at_us <= at_us]
    if any(_whole(other) and other.at_us < at_us for other in others):
        return []  # an earlier inventory of everything listed or closed every resource
    others.append(inventory)
    listed = {(account, resource) for account, resource, _ in inventory.resources}
    fresh_ids = {id(record) for record in fresh}
    out: list[Anomaly] = []
    for state in states:
        key = (state.account, state.resource)
        if state.status != _PRICED or key in listed:
            continue  # closing a stopped resource changes only stopped time: `_PRICED`
        if closer(others, state) is not inventory:
            continue  # outside its scope, or another inventory's to close (or list)
        kept = by_key.get(key, ())
        if known_us is not None:
            kept = [record for record in kept if known_by(record, known_us)]
        close_us = _closing(state, kept, at_us, base_us)
        said_us, after = base_us, ""  # what the compacted cycles billed up to, as said
        before = closer(judged, state) if judged else None
        if before is not None and before.close == "last_seen":
            # Taken over from an inventory metered before, which closed it at its own
            # last sign of life among the records judged then: the compacted cycles
            # billed up to there, said then.
            then = [record for record in kept if id(record) not in fresh_ids]
            before_us = _closing(state, then, before.at_us, base_us)
            if before_us is not None:
                said_us = before_us
                label = f"inventory {before.id!r}" if before.id is not None else "inventory"
                after = (
                    f" ({label} at {format_us(before.at_us)}, metered before, closed it at "
                    f"{format_us(before_us)} and said the part from there)"
                )
        now_us = base_us if close_us is None else close_us
        if now_us == said_us:
            continue  # closed where it was: nothing more was billed, nor less
        lo, hi = min(now_us, said_us), max(now_us, said_us)
        since = (
            f"since {format_us(close_us)} (its last sign of life), before every cycle the "
            "rater keeps"
            if close_us is not None
            else "up to its last sign of life, in the cycles the rater keeps"
        )
        stays = "stays billed" if now_us < said_us else "stays unbilled"
        what = f"inventory {inventory.id!r}" if inventory.id is not None else "inventory"
        said = (
            f"{what} at {format_us(at_us)} (close='last_seen') closes {state.resource!r} "
            f"of {state.account!r}, {state.status} {since}{after}: the part from "
            f"{format_us(lo)} to {format_us(hi)} ({_hours(hi - lo)} hours "
            f"{state.status}) belonged to cycles already compacted and {stays}"
        )
        out += _per_meter(
            meters,
            state,
            (lo, hi, now_us > said_us),
            (said, ": not applied (the part from then on is)."),
            (() if inventory.id is None else (inventory.id,), now_us),
            segments=segments,
        )
    return out


def _hours(us: int) -> str:
    """``us`` microseconds in hours as text, rounded half-even to 1e-24 as metering rounds. O(1)."""
    return f"{_from_scaled(_round_ratio(us * _SCALE, US_PER_HOUR)):f}"


def _per_meter(
    meters: Sequence[Meter],
    state: ResourceState,
    part: tuple[int, int, bool],
    message: tuple[str, str],
    said: tuple[tuple[str, ...], int],
    *,
    segments: Segments | None = None,
) -> list[Anomaly]:
    """The ``"too_late"`` anomalies of a closing's part before the kept cycles, one per meter.

    ``part``: its two ends, and whether batch bills it where the compacted cycles did
    not (else they billed it and batch does not). It is measured under the state's
    description: each time meter that meters it (a level, not None) gets an anomaly
    with its ``meter`` and ``quantity`` (what the stream's usage differs from batch's
    by: negative when the compacted cycles billed it), its ``message`` (before and
    after) joined by the words ``" ('meter': quantity unit under description {...})"``;
    none such, one anomaly naming no meter. ``said``: the anomalies' record ids and
    instant. O(m) for m meters.
    """
    start_us, end_us, unbilled = part
    before, after = message
    record_ids, at_us = said
    description = state.description
    out: list[Anomaly] = []
    for item in meters:
        if item._factor is None:
            continue  # a sample meter: a closing changes no sample
        # within the account's assignments (``segments``): no one billed the time outside
        quantity = running_within(item, description, (start_us, end_us), segments, state.account)
        if not quantity:
            continue
        if not unbilled:
            quantity = quantity.copy_negate()
        words = (
            f" ({item.name!r}: {quantity} {item.unit} under description {show(dict(description))})"
        )
        out.append(
            placed(
                "too_late",
                before + words + after,
                record_ids,
                state.account,
                state.resource,
                at_us,
                meter=item.name,
                quantity=quantity,
            )
        )
    if not out:
        out.append(
            placed("too_late", before + after, record_ids, state.account, state.resource, at_us)
        )
    return out


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
    (`_running_since()`). A closing is not metered yet when the inventory is not known by
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
        found = [_running_since(key, kept, before, state, at_us)]
        if metered:
            known = [r for r in kept if known_by(r, known_us)]
            was = _running_since(key, known, before, state, at_us)
            if was == found[0]:
                continue  # metered where it stays
            found.append(was)
        for closing in found:
            if closing is not None and inventory.covers(*key, closing[1]):
                reach = closing[0] if reach is None else min(reach, closing[0])
    return reach


def _running_since(
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
    life before it. A listing opens it (a sign of life), an inventory that covers it and
    does not list it closes it; a sample up to ``at_us`` is a sign of life. None when it
    is not running at ``at_us`` (stopped, deleted, closed, or never started), or has no
    sign of life kept. O(k log k + i log n).
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
    for mark in marks:
        if type(mark) is Event:
            life.append(mark.at_us)
            description = apply_attributes(description, mark.attributes)
            if mark.kind != "update":
                status = "running" if mark.kind == "start" else mark.kind
        elif is_listed(mark.resources, *key):
            life.append(mark.at_us)
            status = "running"
        elif mark.covers(*key, description):
            status = "closed"
    if status != _PRICED or not life:
        return None
    return max(life), description


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
    listing by an inventory) is not before ``base_us``. O(k), or as `_seen()`.
    """
    if _seen(state, kept, at_us):
        return None  # a sign of life in the kept cycles: the close is applied there
    seen = max((reading[1] for reading in state.readings), default=None)
    listed = _listed_us(state, at_us)
    marks = [t for t in (seen, listed, state.clock_us, state.since_us) if t is not None]
    close_us = min(max(marks, default=base_us), at_us)
    return close_us if close_us < base_us else None


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


def _at_last(inventory: Inventory | None) -> typing.TypeGuard[Inventory]:
    """Whether ``inventory`` closes at the last sign of life (``close="last_seen"``)."""
    return inventory is not None and inventory.close == "last_seen"


def _listed_us(state: ResourceState, at_us: int) -> int | None:
    """The state's last listing of its resource up to ``at_us`` (a sign of life), or None. O(1)."""
    remembered = state.listings
    if remembered is None or remembered[0] > at_us:
        return None
    return remembered[0] if any(listed is not None for _, listed, _ in remembered[1]) else None


def moves_closing(
    fresh: Sequence[Record],
    inventories: Sequence[Record],
    base_us: int,
    states: Iterable[ResourceState],
    by_key: Mapping[tuple[str, str], Sequence[Record]],
    *,
    meters: Sequence[Meter],
    watermarks: tuple[int, int],
    judged: Sequence[Record] = (),
    segments: Segments | None = None,
) -> list[Anomaly]:
    """The anomalies of kept records that move a ``last_seen`` closing from or into compacted cycles.

    ``fresh``: the events and samples just kept (they are in ``by_key``);
    ``inventories``: the kept inventories. The one that closes a resource
    (`closer()`), when it has ``close="last_seen"`` and is known by the first watermark
    (its closing the rater applied or announced, `closes_back()`), and is not among
    ``judged`` (fed with ``fresh``: `closes_back()` judges it with them), closes the
    resource at its last sign of life: a fresh record of that resource may move it (a
    new sign of life, or by its ``seq`` a new first event after the inventory). Where the closing lies
    before ``base_us`` (``base_us`` when it lies in the kept cycles), the cycles already
    compacted were billed as it stood before the record; what the move changes there is
    not applied. One ``"too_late"`` anomaly per resource whose closing moved there names
    the fresh records, the inventory, the part and its length in hours: a part the
    compacted cycles billed and batch no longer does "stays billed", one they did not
    bill and batch now does "stays unbilled". ``watermarks``: the closing stood as
    metered with the records known by the first (but ``fresh``), and moves to where the
    records known by the second put it (the same at a feed, the last and the new one at
    a statement, whose ``fresh`` records are those it meters for the first time). O(f +
    s + k) for f fresh records, s states and k kept records of the resources touched
    (or as `_seen()`), plus `closer()` per resource touched.
    """
    inventories = _candidates(inventories)
    if not any(
        type(i) is Inventory and i.close == "last_seen" and known_by(i, watermarks[0])
        for i in inventories
    ):
        return []
    touched: dict[tuple[str, str], list[Record]] = {}
    for record in fresh:
        if type(record) is not Inventory:
            touched.setdefault((record.account, record.resource), []).append(record)
    out: list[Anomaly] = []
    for state in states if touched and inventories else ():
        key = (state.account, state.resource)
        news = touched.get(key)
        if news is None or state.status != _PRICED:
            continue  # a stopped resource's closing moves across stopped time: `_PRICED`
        inventory = closer(inventories, state)
        if (
            inventory is None
            or inventory.close != "last_seen"
            or not known_by(inventory, watermarks[0])
            or any(inventory is other for other in judged)
        ):
            continue  # no closing at a last sign of life to move, or judged with them
        kept = by_key.get(key, ())
        new_ids = {id(record) for record in news}
        before = [r for r in kept if id(r) not in new_ids and known_by(r, watermarks[0])]
        after = [r for r in kept if known_by(r, watermarks[1])]
        old_us = _closing(state, before, inventory.at_us, base_us)
        new_us = _closing(state, after, inventory.at_us, base_us)
        if old_us == new_us:
            continue
        out += moved(
            news, inventory, state, (old_us, new_us), base_us, meters=meters, segments=segments
        )
    return out


def moved(
    news: Sequence[Record],
    inventory: Inventory,
    state: ResourceState,
    moved: tuple[int | None, int | None],
    base_us: int,
    *,
    meters: Sequence[Meter],
    segments: Segments | None = None,
) -> list[Anomaly]:
    """The ``"too_late"`` anomalies of `moves_closing()` for one resource, one per meter. O(n + m).

    ``moved``: the closing before and after ``news`` (None: in the kept cycles). The
    part between is measured under ``state``'s description: what a record placed before
    the kept cycles changes there beside (a re-description) its own anomalies name. See
    `_per_meter()` for the m ``meters``.
    """
    old_us, new_us = moved
    labels = [
        f"{type(r).__name__.lower()} {r.id!r}" if r.id is not None else type(r).__name__.lower()
        for r in news
    ]
    inv = f"inventory {inventory.id!r}" if inventory.id is not None else "inventory"
    old = base_us if old_us is None else old_us
    new = base_us if new_us is None else new_us
    lo, hi = min(old, new), max(old, new)
    stays = "stays billed" if new < old else "stays unbilled"
    # (A too-late record may move it within the compacted cycles, `placed_closing()`.)
    where = "across" if old_us is None or new_us is None else "before"
    ids = tuple(r.id for r in news if r.id is not None)
    said = (
        f"{', '.join(labels)} of {state.resource!r} of {state.account!r} moves where {inv} "
        f"at {format_us(inventory.at_us)} (close='last_seen') closes it (its last sign of "
        f"life) from {'the kept cycles' if old_us is None else format_us(old_us)} to "
        f"{'the kept cycles' if new_us is None else format_us(new_us)}, {where} the start "
        f"of the cycles the rater keeps ({format_us(base_us)}): the part from "
        f"{format_us(lo)} to {format_us(hi)} ({_hours(hi - lo)} hours {state.status}) "
        f"belonged to cycles already compacted and {stays}"
    )
    return _per_meter(
        meters,
        state,
        (lo, hi, new > old),
        (said, ": not applied (what it changes in the kept cycles is)."),
        (ids if inventory.id is None else (*ids, inventory.id), new),
        segments=segments,
    )


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
