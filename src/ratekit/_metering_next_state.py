"""The state metering carries to the next call: what a resource's timeline leaves.

Private to [`ratekit.meter()`][ratekit.meter] (`ratekit._metering_engine`): `state_of()` builds
a resource's [`ResourceState`][ratekit.ResourceState] at the span's end (its piece, clock and
readings, its base and history unless an inventory settled it, the records it remembers,
bounded), `keeps_past()` is the rule of what a state whose caller keeps its records keeps
of its past (shared with `ratekit._rater_states.lean()`), and `described()` where the
description in force at the end began.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

from . import _metering_counters as _counters
from . import _metering_listings as _listings
from . import _metering_memory as _memory
from . import _normalize as _n
from . import _timelines as _t
from ._descriptions import same_items
from ._resource_state import _NO_BASE, MEMORY, ResourceState, _new_state
from .records import Event, Inventory, Sample

__all__ = ["described", "keeps_past", "state_of"]

_HEAD = len(_NO_BASE)  # a base's fields in ``ResourceState._past``, before its history


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
