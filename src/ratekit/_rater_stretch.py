"""A resource's running stretch, carried through compaction for ``from_zero`` counters.

Private to [`ratekit.Rater`][ratekit.Rater]. The first reading of a
`Counter(from_zero=True)` counts from zero from the start of its resource's running
stretch (a resize does not end a stretch; a stop does). Metering continued from a state
finds that start in the state's timeline: its base (where the resource stood before its
history) and the last `HISTORY` (16) events. A resource with more events than that
since its START would count from the oldest kept one. So compaction, which folds the
records of a closed cycle into the state, finds the stretch's start in the whole
timeline (the compacted state before, and every record it folds) and writes it as the
start of the base's piece (`carried()`): restored, the state's timeline runs from there,
and so does the counter, whatever the number of events. A state with no history (an
inventory settled it, or no event came since the last compaction) has no base; the
start is then written as a running base of its own, which metering restores before
the state's piece (`_metering_carry.restore()`). A record placed in the compacted
state afterwards (a too-late event or inventory) makes a new state from the old one,
and the start is written again the same way (`carried_where_counted()`).
"""

from __future__ import annotations

import typing
from collections.abc import Iterable

from . import _normalize as _n
from . import _timelines as _t
from ._metering_carry import restore
from ._resource_state import ResourceState
from ._restated_states import _restated
from .records import Event, Inventory, Sample

__all__ = ["carried", "carried_where_counted", "stretch_start", "timeline", "whole_timeline"]

Record = Event | Sample | Inventory


def _line(state: ResourceState | None, account: str, resource: str) -> _t.Timeline | None:
    """``state``'s timeline as metering restores it: its base, then its history."""
    if state is None:
        return None
    history = state.history
    if not history:
        return restore(state)
    base = state.base
    line = None if base is None else restore(base)
    return _t.build_timeline(account, resource, history, (), (), _n.Anomalies(), line)


def timeline(state: ResourceState) -> _t.Timeline | None:
    """``state``'s timeline as metering restores it (its base, then its history).

    None when it has neither. O(h log h) for h events of history.
    """
    return _line(state, state.account, state.resource)


def stretch_start(state: ResourceState) -> int | None:
    """Where the running stretch of ``state``'s resource starts, as metering restores it.

    None when it is not running. O(h log h) for h events of history.
    """
    if state.status != "running":
        return None
    line = _line(state, state.account, state.resource)
    if line is None or not line.starts:
        return None
    return line.running_since(line.starts[-1])


def _anchor(state: ResourceState, start: int) -> int | None:
    """Where the whole timeline is asked for the stretch, or None when ``state`` holds it.

    The base's start when the stretch begins there (its START is older than the last 16
    events the history keeps); the state's own start when it has no history (an
    inventory settled it, or no event came). O(1).
    """
    base = state.base
    if state.history:
        if base is None or base.since_us != start:
            return None  # its start is among its history's events
        return start
    return start if start == state.since_us else None  # (else written already)


def whole_timeline(
    previous: ResourceState | None, state: ResourceState, folded: Iterable[Record]
) -> _t.Timeline:
    """The resource's timeline as metering continues from ``previous`` with ``folded``."""
    account, resource = state.account, state.resource
    events: list[Event] = []
    inventories: list[Inventory] = []
    samples: list[int] = []
    for record in folded:
        if type(record) is Inventory:
            inventories.append(record)
        elif record.account == account and record.resource == resource:
            if type(record) is Event:
                events.append(record)
            else:
                samples.append(record.at_us)
    # As metering continues from ``previous``: its base, then its history and the rest.
    line: _t.Timeline | None = None
    history: tuple[Event, ...] = ()
    if previous is not None:
        history = previous.history
        known = previous.base if history else previous
        line = None if known is None else restore(known)
    return _t.build_timeline(
        account,
        resource,
        [*history, *events],
        sorted(inventories, key=lambda record: record.at_us),
        sorted(samples),
        _n.Anomalies(),
        line,
    )


def carried(
    previous: ResourceState | None,
    state: ResourceState,
    folded: Iterable[Record],
    new_base: int,
) -> ResourceState:
    """``state`` (compacted at ``new_base``) whose timeline runs from its stretch's start.

    ``previous``: the resource's compacted state before (whose timeline runs from its
    stretch's start, by the same rule); ``folded``: the records compacted now. When the
    stretch begins before the base of ``state``'s history (its START is older than the
    last 16 events), the base's piece is made to start there; when ``state`` has no
    history (an inventory settled it, or no event came) and the stretch begins before
    it, a running base of its own is written there, which metering restores before it
    (`_metering_carry.restore()`). O(k log k) for the k records of the resource.
    """
    start = stretch_start(state)
    anchor = None if start is None else _anchor(state, start)
    if start is None or anchor is None:
        return state  # not running, or its start is among its history's events
    whole = whole_timeline(previous, state, folded)
    if not whole.starts:
        return state
    earliest = whole.running_since(min(anchor, new_base))
    if earliest is None or earliest >= start:
        return state
    if not state.history:
        return _restated(state, _past=("running", state.description, earliest, None, None, None))
    # The base keeps its own piece (a resize, say, that an inventory names as where the
    # resource runs since), and the stretch's start is the piece before it.
    index = whole.index_at(earliest)
    before = ("running", whole.descriptions[index], earliest, whole.openers[index], None, None)
    return _restated(state, _before=before)


def carried_where_counted(
    zero: typing.AbstractSet[str],
    previous: ResourceState | None,
    state: ResourceState,
    folded: Iterable[Record],
    new_base: int,
) -> ResourceState:
    """`carried()` where a first reading of a meter in ``zero`` would count from the stretch.

    ``zero``: the names of the ``Counter(from_zero=True)`` meters. ``state`` as it is when
    it is not running, or has a reading of each (no first reading counts from its stretch
    then), or ``zero`` is empty. Compaction calls it for each state it makes; a too-late
    event or inventory placed in a compacted state, for the state it makes of it. O(1)
    when it is not needed, else as `carried()`.
    """
    if state.status != "running" or zero <= {reading[0] for reading in state.readings}:
        return state
    return carried(previous, state, folded, new_base)
