"""The rater's words for ``last_seen`` closings its kept cycles cannot hold in full.

An inventory with ``close="last_seen"`` closes a resource it does not list (within its
scope) at the resource's last sign of life, which may lie before the kept cycles: the
part of the closing in compacted cycles is not applied, and a ``"too_late"``
[`Anomaly`][ratekit.Anomaly] says so (see `closes_back()`). The last sign of life is
judged in the order metering applies events (``seq`` order among the sequenced ones),
not by their instants. A record that comes later may move that closing from or into
compacted cycles: the part there is not applied either, and said (see
`moves_closing()`).

Where an inventory closes a resource, and which inventory closes it, is judged as
metering judges it, in `ratekit._last_seen`; this module re-exports `closer()`,
`closing_us()`, `placed_closing()` and `reach_us()` from there for the rater's modules.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from ._anomalies import placed
from ._instants import US_PER_HOUR, format_us
from ._inventory_scope import is_listed
from ._last_seen import (
    _PRICED,
    Record,
    _candidates,
    _closing,
    _whole,
    closer,
    closing_us,
    compacted_closing,
    placed_closing,
    reach_us,
)
from ._rater_assigned import Segments, running_within
from ._rater_book import known_by
from ._shown import show
from ._window import _SCALE, _from_scaled, _round_ratio
from .policies import Meter
from .records import Anomaly, Inventory
from .usage import ResourceState

__all__ = [
    "closer",
    "closes_back",
    "closing_us",
    "compacted_closing",
    "moved",
    "moves_closing",
    "placed_closing",
    "reach_us",
    "relisted",
]


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
    before it (in metering's order, see `_last_seen._seen()`), had its last sign of life in a
    compacted cycle: metering closes it there, but the usage between that
    instant and ``base_us`` was billed by cycles already compacted, and stands. One
    ``"too_late"`` anomaly per such resource names the resource, that part and its
    length in hours running (a stopped resource: nothing, see `_last_seen._PRICED`). Only the
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
            continue  # closing a stopped resource changes only stopped time: `_last_seen._PRICED`
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
    (or as `_last_seen._seen()`), plus `closer()` per resource touched.
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
            continue  # a stopped resource's closing moves across stopped time: `_last_seen._PRICED`
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
    inventory: Inventory | tuple[str | None, int],
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
    `_per_meter()` for the m ``meters``. ``inventory``: the closing one, or its id and
    instant, as a compacted state keeps them (`compacted_closing()`).
    """
    old_us, new_us = moved
    labels = [
        f"{type(r).__name__.lower()} {r.id!r}" if r.id is not None else type(r).__name__.lower()
        for r in news
    ]
    inventory_id, inventory_us = (
        (inventory.id, inventory.at_us) if isinstance(inventory, Inventory) else inventory
    )
    inv = f"inventory {inventory_id!r}" if inventory_id is not None else "inventory"
    old = base_us if old_us is None else old_us
    new = base_us if new_us is None else new_us
    lo, hi = min(old, new), max(old, new)
    stays = "stays billed" if new < old else "stays unbilled"
    # (A too-late record may move it within the compacted cycles, `placed_closing()`.)
    where = "across" if old_us is None or new_us is None else "before"
    ids = tuple(r.id for r in news if r.id is not None)
    said = (
        f"{', '.join(labels)} of {state.resource!r} of {state.account!r} moves where {inv} "
        f"at {format_us(inventory_us)} (close='last_seen') closes it (its last sign of "
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
        (ids if inventory_id is None else (*ids, inventory_id), new),
        segments=segments,
    )


def relisted(
    fresh: Sequence[Inventory],
    judged: Sequence[Record],
    base_us: int,
    states: Iterable[ResourceState],
    by_key: Mapping[tuple[str, str], Sequence[Record]],
    *,
    meters: Sequence[Meter],
    known: tuple[int, Collection[int]],
    segments: Segments | None = None,
) -> tuple[list[Anomaly], list[Inventory]]:
    """The anomalies of ``fresh`` inventories that move a ``last_seen`` closing out of compacted cycles.

    ``judged``: the kept inventories whose closings were judged already (known by the
    last watermark, not among ``fresh``), where the kept records known by it put them
    (``known``: that watermark, and the `id()` of the records fed or metered with
    ``fresh``, which are not among those). The one of them that closes a running
    resource (`closer()`), with ``close="last_seen"``, closes it at its last sign of
    life; where that lies before ``base_us``, the compacted cycles billed the resource
    up to it, or billed it on and its anomaly said that part "stays billed"
    (`closes_back()`). A fresh inventory stamped in the kept cycles, up to that one,
    that lists the resource is a later sign of life, and one that covers it without
    listing it, closing at its own instant, closes it later (at that one's instant,
    when it is the one that closes it, `closer()`): either way batch `rate()` bills
    the resource on from that closing, across ``base_us``. One ``"too_late"``
    anomaly per time meter of such a resource names those fresh inventories, the
    closing one and the part from the closing to ``base_us``, which "stays unbilled"
    (see `moved()`); what they change in the kept cycles is applied. Returns the
    anomalies and the fresh inventories they name. O(s + f) for s states and f fresh
    inventories, plus `closer()` per resource they reach.
    """
    fresh = [i for i in fresh if i.at_us >= base_us]
    first_us = min((i.at_us for i in fresh), default=None)
    if first_us is None or not any(
        type(i) is Inventory and i.close == "last_seen" and i.at_us >= first_us for i in judged
    ):
        return [], []
    out: list[Anomaly] = []
    named: dict[int, Inventory] = {}
    for state in states:
        if state.status != _PRICED:
            continue
        key = (state.account, state.resource)
        movers = [
            i
            for i in fresh
            if is_listed(i.resources, *key)
            or (i.close != "last_seen" and i.covers(*key, state.description))
        ]
        if not movers:
            continue
        inventory = closer(judged, state)
        if inventory is None or inventory.close != "last_seen":
            continue
        movers = [
            i
            for i in movers
            if i.at_us < inventory.at_us
            or (i.at_us == inventory.at_us and closer([inventory, i], state) is not inventory)
        ]
        if not movers:
            continue
        kept = [r for r in by_key.get(key, ()) if id(r) not in known[1] and known_by(r, known[0])]
        old_us = _closing(state, kept, inventory.at_us, base_us)
        if old_us is None:
            continue  # none of them before it, or it closes the resource in the kept cycles
        out += moved(
            movers, inventory, state, (old_us, None), base_us, meters=meters, segments=segments
        )
        named.update((id(mover), mover) for mover in movers)
    return out, list(named.values())
