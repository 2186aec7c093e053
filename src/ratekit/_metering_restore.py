"""A carried state restored as a timeline: its piece, and the pieces before it it keeps.

Private to metering continued from a carried state (`ratekit._metering_carry`) and to the
streaming rater's modules that read a compacted state as metering does
(`ratekit._rater_stretch`, `ratekit._rater_at_cut`): `restore()` is the one reading of a
state's summary (its status, description, clock and base) as the timeline it continues.
"""

from __future__ import annotations

import typing

from . import _normalize as _n
from . import _timelines as _t
from ._descriptions import _FrozenDict
from ._resource_state import _NO_BASE, ResourceState

__all__ = ["restore"]

_HEAD = len(_NO_BASE)  # a base's fields in ``ResourceState._past``, before its history
# A status's index in `_normalize.STATUS_NAMES`, by its name (a look-up, not a search).
_STATUS: typing.Final = {name: index for index, name in enumerate(_n.STATUS_NAMES)}
# The pieces a state with no history may keep before its own (its base, see restore()).
_BEFORE = ("running", "deleted")
#: The bases restored before a state's piece, by its status: a stop too (a boot or a
#: stop a rater's compacted state keeps, `_rater_stretch.carried_boot()`).
_BASES: typing.Final = {
    _n.RUNNING: ("running", "deleted", "stopped"),
    _n.STOPPED: ("running", "stopped", "deleted"),
    _n.DELETED: ("running", "stopped"),
}


#: A stop or a deletion as the piece before a running base: a boot (`restore()`).
_STOPS: typing.Final = (("stopped",), ("deleted",))


def restore(state: ResourceState) -> _t.Timeline:
    """``state`` as a timeline: its piece, after its base's when it has no history.

    A running state with no history whose base is running since before it (as
    compaction writes the start of a running stretch, see `ratekit._rater_stretch`)
    restores the base's piece first, so that the stretch runs from there; one whose base
    is a deletion before it (a listing opened the resource again, see
    `_metering_next_state.state_of()`)
    restores that deletion first, so that a closing back at the listing finds it. One
    whose base is a stop, and a stopped one whose base is running (a rater's compacted
    state keeps the boot or the stop its piece began with, `_rater_stretch.carried_boot()`),
    restores those pieces first too, so that a ``from_zero`` counter finds them. A running
    one whose base is the START of its running stretch and whose piece before is a stop
    or a deletion (a boot that a resize followed) restores the three, the stop known to
    follow a running piece (``Timeline.ran_before_us``); one whose base is a stop at its
    own START (a restart at one instant), the running piece and that stop, which its
    START replaces (a boot); a deleted one whose base is the stop a ``last_seen`` closing
    ended at its own instant, the piece before that stop. O(1).
    """
    line = _t.Timeline()
    status = _STATUS[state.status]
    if status != _n.UNKNOWN and state.since_us is not None:
        description = state.description
        assert isinstance(description, _FrozenDict)
        past = state._past
        if len(past) == _HEAD and past[0] in _BASES[status]:
            _restore_base(line, status, past, state._before, state.since_us)
        line.push(state.since_us, description, status, state.opened_by)
        line.restored_us = state.since_us
    else:
        line.restored_us = _n.NEVER
    if state.clock_us is not None:
        line.clock_us = state.clock_us
        line.last_event_us = state.clock_us
    line.seq = state.seq
    return line


def _push(line: _t.Timeline, piece: tuple[object, ...]) -> None:
    """Push a base's fields (``ResourceState._past[:6]``, ``_before``) as a piece."""
    line.push(
        typing.cast("int", piece[2]),
        typing.cast("_FrozenDict", piece[1]),
        _STATUS[typing.cast("str", piece[0])],
        typing.cast("str | None", piece[3]),
    )


def _restore_base(
    line: _t.Timeline,
    status: int,
    past: tuple[object, ...],
    before: tuple[object, ...],
    since_us: int,
) -> None:
    """Push the base (``past``) of a state with no history, and the piece before it (`restore()`)."""
    at = typing.cast("int", past[2])
    restarted = status == _n.RUNNING and past[0] == "stopped" and before[:1] == ("running",)
    if at == since_us and restarted:  # a restart at one instant (`carried_boot()`): a boot,
        _push(line, before)  # as the state's START replaces the stop (`Timeline.push()`)
        _push(line, past)
        return
    if at >= since_us:
        # A stop a last_seen closing ended at its own instant (the closing replaces it,
        # `_rater_closed.closed()`): the running piece before it, which a from_zero
        # counter asks for (`_rater_stretch.carried_boot()`), and not the stop.
        if (
            status == _n.DELETED
            and at == since_us
            and before[:1] == ("running",)
            and typing.cast("int", before[2]) < since_us
        ):
            _push(line, before)
        return
    # A running stretch's START after a stop: the stop follows a running piece
    # (`_rater_stretch.carried_boot()` writes no other).
    booted = status == _n.RUNNING and past[0] == "running" and before[:1] in _STOPS
    if before and (before[0] in _BEFORE or booted) and typing.cast("int", before[2]) < at:
        if booted:
            line.ran_before_us = typing.cast("int", before[2])
        _push(line, before)  # the piece before the base's (a rater's compacted state)
    _push(line, past)
