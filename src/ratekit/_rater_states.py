"""The metering state the rater keeps of each resource: lean, without what it keeps itself.

Private to [`ratekit.Rater`][ratekit.Rater]. Metering carries a
[`ResourceState`][ratekit.ResourceState] that remembers, besides what the next call needs,
the ids of the records it applied and the tails of its delta and gauge readings: a caller
of `meter()` alone needs them to find a replay or move a reading that a late
re-description reaches. The rater keeps its kept cycles' records and deduplicates at its
door, so it keeps each resource's state without them (`lean()`): in its book at each
watermark (`ratekit._rater_book`) and at compaction (`ratekit._rater_close`).
"""

from __future__ import annotations

from typing import Final

from ._fields import Reading
from ._metering_next_state import keeps_past
from ._resource_state import _NO_BASE, ResourceState
from ._restated_states import _restated

__all__ = ["lean"]


def lean(
    state: ResourceState, zero: frozenset[str] = frozenset(), *, sequenced: bool = False
) -> ResourceState:
    """``state`` without what the rater keeps itself: the records applied, a history without seq.

    The rater deduplicates records at its door, so the ids a state remembers (up to 1024
    per resource) are never read. The events of a history without any ``seq`` are ordered
    among new ones by time, as the state's summary places them, unless a new event with a
    ``seq`` comes after a sequenced event stamped after them (an event without ``seq`` goes
    after the last sequenced event stamped before it: a later one stamped earlier moves
    it). So such a history is dropped only while the resource has no sequenced event:
    none in it, none applied (``state.seq``) and, with ``sequenced``, none among the
    records the rater keeps (a first sequenced event that comes after the history was
    dropped cannot move its events: docs/streaming.md, Known limits).
    Except for ``zero``, the meters of `Counter` ``from_zero``
    (`ratekit._rater_book.from_zero()`): while one of them has no reading in the state, its first reading counts from the start of the
    running stretch (the last START), which the history holds and ``since_us`` (the last
    update's instant) does not, so the history is kept (and compaction writes the
    stretch's start as its base's when the START is older than the 16 events it keeps:
    `_rater_stretch.carried()`; with no history, compaction writes it as a base of its
    own, kept as well). A state with no history keeps a deletion as its base (a listing
    opened the resource again after it: `_metering_next_state.state_of()`), and a deleted one
    the piece a ``last_seen`` closing ended (`_rater_closed.closed()`): the rule of
    `ratekit._metering_next_state.keeps_past()`, which metering for the rater applies as it
    builds each state, so that a state it gives is mostly kept as it is. O(1), or O(h)
    for h events of history.
    """
    readings, complete = _last_deltas(state)
    # Only what changes is restated (one state per resource at each statement).
    changes: dict[str, object] = {}
    if readings is not state.readings or complete is not state._complete:
        # Whether a counter's readings are kept from its first one is kept (see
        # ResourceState.readings): a reading older than them is then placed, not lost.
        changes["readings"] = readings
        changes["_complete"] = complete
    if state.applied:
        changes["applied"] = ()
    if state._seen:
        changes["_seen"] = ()
    if (state._past != _NO_BASE or state._before) and not (
        # (a from_zero counter with no reading; the deletion before its piece; the piece
        # before a last_seen closing, `_rater_closed.closed()`; a history while a
        # sequenced event is about)
        (bool(zero) and not zero <= {reading[0] for reading in state.readings})
        or keeps_past(state._past, state.status, state.seq, sequenced=sequenced)
    ):
        changes["_past"] = _NO_BASE  # (and the piece before its base: `_restated()`)
    return _restated(state, **changes) if changes else state


#: The kinds of readings of which metering keeps a tail that a compacted state drops.
_TAILS: Final = frozenset({"delta", "gauge"})


def _last_deltas(state: ResourceState) -> tuple[tuple[Reading, ...], tuple[str, ...]]:
    """The state's readings with each delta or gauge meter's last one only, and its complete.

    Metering keeps a delta meter's last deltas, and the last readings an additive
    aggregation counted (`ResourceState.readings`), so that a late re-description
    carried to the next call moves them. The rater keeps the records of its kept cycles
    and meters those again, so a compacted state's deltas and readings would serve only
    an event too late for them, whose part the rater names anyway: it keeps the last
    one, as a state did before they were kept (372 B a resource of the benchmark's year,
    not 1,330), and none of those meters as complete (a state a snapshot of version 1
    wrote says the same). O(r) for r readings.
    """
    readings, complete = state.readings, state._complete
    last = {reading[0]: reading for reading in readings if reading[3] in _TAILS}
    if not last or (len(last) == len(readings) and not complete):
        return readings, complete
    kept = [r for r in readings if r[3] not in _TAILS or last[r[0]] is r]
    if len(kept) == len(readings):
        return readings, tuple(name for name in complete if name not in last)
    return tuple(kept), tuple(name for name in complete if name not in last)
