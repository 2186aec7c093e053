"""A too-late inventory of a resource whose kept event its ``seq`` orders before compacted ones.

Private to [`ratekit.Rater`][ratekit.Rater]. Such a kept event (a DELETE of 5 March,
``seq`` 29, where a START of 1 March 06:00, ``seq`` 49, was compacted) is applied before
the events the compacted state keeps (its history) each time the resource is metered
from that state. Batch rate() applies an inventory before the first event, in ``seq``
order, stamped after it: before that kept event (stamped in the kept cycles, after any
inventory placed before them), or before a compacted event ordered sooner. Reconciled
with the state as metering reconciles a late inventory, the inventory would settle the
history after the compacted events, and the kept event could then come only after it.

So the state is rebuilt in batch's order (`reordered()`): from its base, the events its
history keeps that come before the inventory (``seq`` below the kept event's, stamped
up to the inventory), then the inventory, which settles them into a new base, then the
other events of the history, kept as history, stamped before the new base's clock or
not. The kept event is then placed before those as before, and metering the resource
from the rebuilt state gives batch's rows in the kept cycles. What the rebuilt state
bills before the kept cycles, less what the compacted state billed there, is the
inventory's part there, per meter and description: not applied, and named as any
too-late inventory's part is (`_rater_late_inventories`). A history holding an event
without a ``seq`` is not rebuilt: the resource is left as it stands (its place among
sequenced events follows their instants, which the inventory's does not move).
"""

from __future__ import annotations

import typing
from decimal import Decimal

from ._decimals import CONTEXT, ZERO
from ._instants import format_us
from ._inventory_scope import narrowed
from ._resource_state import ResourceState
from .records import Event, Inventory
from .usage import UsageRow

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["parts", "redone", "reordered"]

#: A part before the kept cycles: per meter and description (as shown), its quantity.
Parts = dict[tuple[str, str], tuple[Decimal, typing.Mapping[str, object]]]


def redone(
    rater: Rater, inventory: Inventory, state: ResourceState, *, until_us: int | None = None
) -> tuple[ResourceState, list[UsageRow], list[UsageRow]] | None:
    """``state`` rebuilt with ``inventory`` before a kept event its seq orders first, if any.

    When the resource has kept events that their ``seq`` orders before its compacted
    ones, and no sign of life at or after the inventory but the events of its history,
    which the state is rebuilt from, and its readings, which it keeps (its base's
    event, a listing): `reordered()`. None otherwise. O(k + h log h) for k kept records.
    ``until_us``: where a kept ``last_seen`` inventory closes the rebuilt resource, if
    before the kept cycles: the rows end there.
    """
    base = state.base
    signs = [] if base is None else [at for at in (base.clock_us, base.since_us) if at is not None]
    if state.listings is not None:
        signs.append(state.listings[0])
    if max(signs, default=inventory.at_us - 1) >= inventory.at_us:
        return None
    key = (state.account, state.resource)
    compacted = rater._reach.seqs.get(key)
    if compacted is None:
        return None
    seqs = [
        record.seq
        for record in rater._by_key.get(key, ())
        if type(record) is Event and record.seq is not None and record.seq < compacted
    ]
    return None if not seqs else reordered(rater, inventory, state, min(seqs), until_us)


def reordered(
    rater: Rater,
    inventory: Inventory,
    state: ResourceState,
    ahead: int,
    until_us: int | None = None,
) -> tuple[ResourceState, list[UsageRow], list[UsageRow]] | None:
    """``state`` rebuilt with ``inventory`` placed in batch's order, and the rows that say so.

    ``ahead``: the least ``seq`` of the kept events ordered before the compacted ones.
    Returns the rebuilt state (its clock and history as metering leaves them, to be
    placed back in the compacted state), the rows it bills before the kept cycles (from
    where the history starts) and those ``state`` billed there; None when its history
    holds an event without a ``seq``, or when the inventory changes nothing of the
    resource at its place and does not list it (batch then bills it as without the
    inventory, and so does the stream, leaving it as it stands; a listing is a sign of
    life, which a kept ``last_seen`` inventory may close the resource at). With ``until_us`` (a closing there), both rows
    end there: a DELETE ordered after every event of the history closes the resource
    there in each (exact, where a row's share in proportion to time may not be; the
    state returned is then not the rebuilt one). O(h log h) for the h events of the
    history, four metering calls.
    """
    history = state.history
    if not history or any(event.seq is None for event in history):
        return None
    at_us = inventory.at_us
    # The inventory comes before the first event, in seq order, stamped after it: the
    # kept one at the latest (stamped in the kept cycles), a compacted one sooner.
    cut = next(
        (
            index
            for index, event in enumerate(history)
            if typing.cast("int", event.seq) >= ahead or event.at_us > at_us
        ),
        len(history),
    )
    before, after = list(history[:cut]), list(history[cut:])
    key = (state.account, state.resource)
    # Its listing of this resource alone: metered alone, it opens no other.
    listed = tuple(item for item in inventory.resources if (item[0], item[1]) == key)
    inventory = narrowed(inventory, listed, inventory.accounts)
    root = _rooted(rater, state)
    first = _meter(rater, [*before, inventory], root)
    if not listed and _same(first.state, _meter(rater, before, root).state):
        return None  # it changes nothing of the resource there: left as it stands
    probe: list[Event | Inventory] = []
    if until_us is not None:  # the resource closed there: deleted after every event
        last = max(typing.cast("int", event.seq) for event in history)
        when = format_us(until_us)
        probe.append(Event(state.account, state.resource, when, kind="delete", seq=last + 1))
    billed = _meter(rater, [*history, *probe], root)
    settled = _at_base(rater, first.state)
    second = _meter(rater, [*after, *probe], settled)
    return _at_base(rater, second.state), [*first.late, *second.late], list(billed.late)


def parts(
    now: typing.Iterable[UsageRow], billed: typing.Iterable[UsageRow]
) -> list[tuple[str, Decimal, typing.Mapping[str, object]]]:
    """Per meter and description, ``now``'s quantity less ``billed``'s: the non-zero ones.

    In the order of meters, then descriptions as shown. O(r log r).
    """
    sums: Parts = {}
    for rows, sign in ((now, 1), (billed, -1)):
        for row in rows:
            key = (row.meter, repr(sorted(row.description.items())))
            quantity = row.quantity if sign > 0 else CONTEXT.minus(row.quantity)
            old = sums.get(key, (ZERO, row.description))[0]
            sums[key] = (CONTEXT.add(old, quantity), row.description)
    return [(key[0], value[0], value[1]) for key, value in sorted(sums.items()) if value[0]]


class _Metered(typing.NamedTuple):
    """One resource's state after a metering call, and its late rows."""

    state: ResourceState
    late: list[UsageRow]


def _same(one: ResourceState, other: ResourceState) -> bool:
    """Whether two states hold the resource alike (status, description, since when). O(1)."""
    return (one.status, one.description, one.since_us, one.opened_by) == (
        other.status,
        other.description,
        other.since_us,
        other.opened_by,
    )


def _meter(
    rater: Rater, records: typing.Sequence[Event | Inventory], state: ResourceState
) -> _Metered:
    """``state`` with ``records`` (stamped before its clock: late) metered into it. O(h log h)."""
    base = rater._base_us
    usage = rater._engine.meter(records, base, base + 1, [state])
    key = (state.account, state.resource)
    (folded,) = [item for item in usage.state if (item.account, item.resource) == key]
    return _Metered(folded, [row for row in usage.late if (row.account, row.resource) == key])


def _rooted(rater: Rater, state: ResourceState) -> ResourceState:
    """``state`` at its base: the base's fields, no history, all else ``state``'s. O(1).

    Its readings, listings and memory are ``state``'s; the piece before its base (a
    rater's, `ResourceState.before`) is not carried: the rebuilt state, placed back,
    keeps ``state``'s.
    """
    data = state.to_json()
    base = state.base
    head = None if base is None else base.to_json()
    for field in ("status", "description", "since_us", "opened_by", "clock_us", "seq"):
        data[field] = (
            {"status": "unknown", "description": {}}.get(field) if head is None else head[field]
        )
    data["history"] = []
    data["base"] = None
    data.pop("before", None)
    data["through_us"] = rater._base_us
    return ResourceState.from_json(data)


def _at_base(rater: Rater, state: ResourceState) -> ResourceState:
    """``state`` with its clock at the kept cycles' start again (metered one µs past). O(1)."""
    data = state.to_json()
    data["through_us"] = rater._base_us
    return ResourceState.from_json(data)
