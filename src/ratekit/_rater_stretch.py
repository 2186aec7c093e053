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
the state's piece (`_metering_restore.restore()`). A record placed in the compacted
state afterwards (a too-late event or inventory) makes a new state from the old one,
and the start is written again the same way (`carried_where_counted()`).

A ``from_zero`` counter counts from 0 again after a boot (a stop of the running
resource, then a START): the reading after the START counts from 0 there, not from the
reading before the stop. A compacted state whose readings are kept keeps no history, so
its timeline would run from its piece with no stop known before it. Compaction so writes
the boot too, or the stop (`carried_boot()`): in the state's base and the piece before
it, so that its restored timeline tells a counter what the whole timeline tells it
(where its stretch booted, where the stop that holds it began, whether a START after it
boots the resource), one rule for batch and stream.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable

from . import _normalize as _n
from . import _timelines as _t
from ._metering_restore import restore
from ._resource_state import _NO_BASE, ResourceState
from ._restated_states import _restated
from .records import Event, Inventory, Sample

__all__ = [
    "carried",
    "carried_boot",
    "carried_where_counted",
    "per_resource",
    "stretch_start",
    "timeline",
    "whole_timeline",
]

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
    (`_metering_restore.restore()`). O(k log k) for the k records of the resource.
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
    index = whole.index_at(earliest)
    if not state.history:
        past = ("running", whole.descriptions[index], earliest, None, None, None)
        return _restated(state, _past=past)
    # The base keeps its own piece (a resize, say, that an inventory names as where the
    # resource runs since), and the stretch's start is the piece before it.
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


def _after_running(line: _t.Timeline, index: int) -> int | None:
    """The index of the running piece before the run of stops and deletions at ``index``.

    None when piece ``index`` is running, or its run follows no running piece (an orphan
    STOP, a resource known first stopped): a START after it is then no boot. O(k).
    """
    statuses = line.statuses
    if statuses[index] == _n.RUNNING:
        return None
    before = line.run_start(index, (_n.STOPPED, _n.DELETED)) - 1
    return before if before >= 0 and statuses[before] == _n.RUNNING else None


def _stops(line: _t.Timeline, since: int) -> tuple[int | None, int | None, bool, bool]:
    """What a ``from_zero`` counter asks ``line`` of the piece at ``since``.

    Where its running stretch booted, where the stop that holds it began, whether a
    START after it is a boot, and whether a restart at one instant booted it at
    ``since`` (`Timeline.restarted_at()`). O(log n + k).
    """
    index = line.index_at(since)
    return (
        line.booted_since(since),
        line.stopped_since(since),
        line.statuses[index] != _n.RUNNING and line.follows_running(index),
        line.restarted_at(since),
    )


def _piece(line: _t.Timeline, index: int, clock: int | None = None) -> tuple[object, ...]:
    """Piece ``index`` of ``line`` as a base's fields (its clock unknown unless given)."""
    status = _n.STATUS_NAMES[line.statuses[index]]
    return (status, line.descriptions[index], line.starts[index], line.openers[index], clock, None)


def per_resource(
    folded: Iterable[Record],
) -> tuple[dict[tuple[str, str], list[Record]], list[Record]]:
    """``folded``'s events and samples per resource, and its inventories.

    `carried_boot()` of each compacted state is given its own, not every record
    compacted. O(n).
    """
    own: dict[tuple[str, str], list[Record]] = {}
    listings: list[Record] = []
    for record in folded:
        if type(record) is Inventory:
            listings.append(record)
        else:
            own.setdefault((record.account, record.resource), []).append(record)
    return own, listings


def carried_boot(
    zero: typing.AbstractSet[str],
    previous: ResourceState | None,
    state: ResourceState,
    folded: Iterable[Record],
) -> ResourceState:
    """``state`` (compacted) keeping the boot or the stop its piece follows, for ``zero``.

    ``zero``: the names of the ``Counter(from_zero=True)`` meters; ``previous`` and
    ``folded`` as for `carried()`. A state with no history restores its piece after its
    base and the piece before it at most (`_metering_restore.restore()`); a ``from_zero``
    counter asks that timeline where the running stretch at the piece booted (a START
    after a stop or a deletion of the running resource), where the stop that holds it
    began, and whether a START after it boots the resource (its stops follow a running
    piece). When the whole timeline answers otherwise, the base and the piece before it
    are written so that the restored one answers alike (their clocks unknown, as
    `carried()` writes them):

    - running since a boot at its own START: the first stop as its base, the running
      piece before as the piece before it (a base the state has, a deletion a listing
      opened it again after, keeps its own; the piece before it then has the deletion's
      clock, so that no event is placed there, `_rater_relisted.placed()`);
    - running since a resize after a boot: the START's piece as its base, the stop
      before it as the piece before it, restored as a stop that follows a running piece
      (``Timeline.ran_before_us``: the two slots hold the START and the stop, not the
      running piece before the stop); a deletion a listing opened it again after gives
      way as its base (an event stamped before it and fed too late is then not placed
      before it, `_rater_relisted.placed()`: the rule before that stands);
    - running since a restart at one instant (its START replaced a stop of the running
      resource there, `Timeline.restarted_at()`): that stop, at the START's instant, as
      its base, the running piece before as the piece before it;
    - stopped since its own stop: the running piece the stop ended as its base;
    - stopped since a change of description after the stop: the stop as its base, the
      running piece before as the piece before it;
    - stopped or deleted, after a deletion of the running resource, a START after it
      booting it: the deletion (or a stop a ``last_seen`` closing ended, which its base
      keeps, `_rater_closed.closed()`) as its base and the running piece before as the
      piece before it, or that running piece as its base.

    O(1) when not needed, else O(k log k) for the k records of the resource.
    """
    since = state.since_us
    if zero and state.history:
        return _history_base(previous, state, folded)
    if not zero or state.status == "unknown" or since is None:
        return state
    whole = whole_timeline(previous, state, folded)
    index = whole.index_at(since)
    if index < 1 or _n.STATUS_NAMES[whole.statuses[index]] != state.status:
        return state
    wanted = _stops(whole, since)
    if _stops(restore(state), since) == wanted:
        return state
    if state.status == "running" and wanted[3]:
        # Booted by a restart at one instant (its piece's START replaced a stop there):
        # that stop, lasting no time, as its base, the running piece before it as the
        # piece before (restored as such a restart, `_metering_restore.restore()`).
        before = _piece(whole, index - 1)
        stop = ("stopped", whole.descriptions[index - 1], since, None, None, None)
        changes: dict[str, object] | None = {"_past": stop, "_before": before}
    elif state.status == "running":
        changes = _running(whole, state, index, wanted[0])
    else:
        changes = _held(whole, state, index, wanted[1], wanted[2])
    return state if changes is None else _restated(state, **changes)


def _history_base(
    previous: ResourceState | None, state: ResourceState, folded: Iterable[Record]
) -> ResourceState:
    """`carried_boot()` of a state with a history: the running piece before a stopped base.

    Its timeline is its base, then its history; a base that is a stop of the running
    resource (a START in the history then boots it) restores as one that follows no
    running piece unless the piece before it is kept. Metering writes none, so a
    too-late START placed after a compacted stop (its base then the stop) would not boot
    a ``from_zero`` counter: the running piece the whole timeline has before that run of
    stops is written as the piece before the base. (A START after a deletion boots
    nothing: batch counts the readings after it as after the deletion.) O(1) when not
    needed, else O(k log k) for the k records of the resource.
    """
    past = state._past
    if state._before or past[0] != "stopped" or past[2] is None:
        return state
    at = typing.cast("int", past[2])
    whole = whole_timeline(previous, state, folded)
    if not whole.starts or at < whole.starts[0]:
        return state
    index = whole.index_at(at)
    if _n.STATUS_NAMES[whole.statuses[index]] != past[0]:
        return state
    ran = _after_running(whole, index)
    return state if ran is None else _restated(state, _before=_piece(whole, ran))


def _running(
    whole: _t.Timeline, state: ResourceState, index: int, booted: int | None
) -> dict[str, object] | None:
    """What `carried_boot()` writes of a running state (piece ``index`` of ``whole``)."""
    since, past = typing.cast("int", state.since_us), state._past
    if booted is not None and booted < since:
        # Booted at a START before its piece (a resize since): that START's piece as its
        # base, the stop before it as the piece before (restored as a stop that follows
        # a running piece, `_metering_restore.restore()`).
        start = whole.index_at(booted)
        return {"_past": _piece(whole, start), "_before": _piece(whole, start - 1)}
    ran = _after_running(whole, index - 1)
    if ran is None or booted != since:
        return None  # (no boot: as it is)
    if past[0] == "deleted" and not state._before:
        return {"_before": _piece(whole, ran, typing.cast("int", past[2]))}
    if past != _NO_BASE:
        return None
    return {"_past": _piece(whole, ran + 1), "_before": _piece(whole, ran)}


def _held(
    whole: _t.Timeline, state: ResourceState, index: int, stopped: int | None, bootable: bool
) -> dict[str, object] | None:
    """What `carried_boot()` writes of a stopped or deleted state (piece ``index``)."""
    ran = _after_running(whole, index)
    held = state.status == "stopped" and stopped is not None
    if ran is None or not (held or bootable):
        return None
    if held:
        if stopped == state.since_us:  # (its own stop: the running piece right before)
            return {"_past": _piece(whole, ran), "_before": ()}
        # (re-described while stopped: the stop, and the running piece before it)
        return {"_past": _piece(whole, ran + 1), "_before": _piece(whole, ran)}
    past = state._past
    if state.status == "stopped":
        # Stopped after a deletion of the running resource: a deletion as its base (a
        # stop would hold the counter, `Timeline.stopped_since()`), the running piece
        # before it.
        deleted = max(i for i in range(ran + 1, index) if whole.statuses[i] == _n.DELETED)
        return {"_past": _piece(whole, deleted), "_before": _piece(whole, ran)}
    if past[0] == "stopped" and not state._before:
        # (a last_seen closing's stopped piece, the base `_rater_closed.closed()` keeps)
        return {"_before": _piece(whole, ran)}
    return {"_past": _piece(whole, ran)} if past == _NO_BASE else None
