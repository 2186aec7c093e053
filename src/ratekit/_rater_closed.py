"""What a compacted state keeps of a resource a ``last_seen`` inventory closed.

Private to [`ratekit.Rater`][ratekit.Rater]. An inventory with ``close="last_seen"``
closes a resource it does not list at its last sign of life: metering leaves the
resource ``deleted`` since that instant, with no description, and the state's clock at
the inventory (`_last_seen.compacted_closing()` tells such a state). A sample stamped
between the two, fed once both are compacted, is a new last sign of life: batch
`rate()` closes the resource at it, and bills the time between as the resource ran
before the closing (running or stopped, under its description). The deleted state does
not say how that was, so compaction writes the piece before the closing as the state's
base (`closed()`), and a snapshot keeps it. `before_closing()` reads it back. Metering
restores it before the deletion (`_metering_restore.restore()`), as the piece the closing
ended: nothing is metered before the state's own piece, and a `Counter(from_zero=True)`
finds there the stop (or the running piece) a listing that opens the resource again
follows (`_rater_stretch.carried_boot()`).
"""

from __future__ import annotations

import typing
from collections.abc import Iterable

from . import _normalize as _n
from ._last_seen import compacted_closing
from ._rater_stretch import whole_timeline
from ._resource_state import _NO_BASE, ResourceState
from ._restated_states import _restated
from .records import Event, Inventory, Sample

__all__ = ["before_closing", "closed", "closed_after"]

Record = Event | Sample | Inventory

#: The statuses a piece before a closing may have (metering closes no other).
_OPEN: typing.Final = ("running", "stopped")


def _closed(state: ResourceState) -> bool:
    """Whether ``state`` is a resource a ``last_seen`` inventory closed back. O(n)."""
    since = state.since_us
    return since is not None and compacted_closing(state, since + 1) is not None


def before_closing(state: ResourceState) -> ResourceState | None:
    """The piece before ``state``'s ``last_seen`` closing, as compaction wrote it, or None.

    A state with no history, ``deleted`` by such a closing, whose base is a running or
    stopped piece that started no later than the closing. None for any other state, or
    one written before (a snapshot of an earlier version, a state reconciled with a
    too-late inventory). O(n) for the n inventories of its listing.
    """
    base = state.base
    if (
        state.history
        or base is None
        or base.status not in _OPEN
        or base.since_us is None
        or state.since_us is None
        or base.since_us > state.since_us
        or not _closed(state)
    ):
        return None
    return base


def closed(
    previous: ResourceState | None, state: ResourceState, folded: Iterable[Record]
) -> ResourceState:
    """``state`` (compacted now) with the piece before its ``last_seen`` closing as its base.

    ``previous``: the resource's compacted state before; ``folded``: the records
    compacted now. A state closed by such an inventory, with no history, gets the piece
    its timeline (``previous`` continued with ``folded``) has before the deletion: its
    status, description, start and opener. The same closing compacted before keeps the
    base it had. Any other state is returned as it is. O(k log k) for the k records of
    the resource, only for a state closed so.
    """
    if state.history or state._past != _NO_BASE or not _closed(state):
        return state
    if previous is not None and (previous.since_us, previous.listings, previous.status) == (
        state.since_us,
        state.listings,
        state.status,
    ):
        known = before_closing(previous)
        return state if known is None else _restated(state, _past=previous._past)
    since, listings = state.since_us, state.listings
    assert since is not None  # `_closed()`
    assert listings is not None
    # The timeline without the inventories of the closing (nor after): the piece in
    # force at the closing instant is the one it ends (a START there is its own piece).
    line = whole_timeline(
        previous, state, [r for r in folded if type(r) is not Inventory or r.at_us < listings[0]]
    )
    if not line.starts or line.starts[0] > since:
        return state
    index = line.index_at(since)
    status = _n.STATUS_NAMES[line.statuses[index]]
    if status not in _OPEN:
        return state
    past = (status, line.descriptions[index], line.starts[index], line.openers[index], None, None)
    return _restated(state, _past=past)


def closed_after(before: ResourceState, state: ResourceState) -> ResourceState:
    """``state`` (``before`` reconciled with a too-late inventory) with the piece it closed.

    A ``last_seen`` inventory placed in the compacted state that closes ``before``'s
    running or stopped resource (`_rater_late_inventories.placed()`): its piece is the
    one before the closing, written as ``state``'s base as `closed()` writes it. O(n).
    """
    if state.history or before.status not in _OPEN or not _closed(state):
        return state
    since = before.since_us
    if since is None or state.since_us is None or since > state.since_us:
        return state
    past = (before.status, before.description, since, before.opened_by, None, None)
    return _restated(state, _past=past)
