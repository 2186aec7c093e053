"""A too-late event stamped before a DELETE that a compacted listing opened its resource again after.

Private to [`ratekit.Rater`][ratekit.Rater]. A DELETE of a running resource that an
inventory listed again after it leaves the compacted state what the two make of the
resource: running as listed since the listing, the deletion its base, whether the DELETE
came in time (`_metering_next_state.state_of()`) or too late
(`_rater_late_events._restarted()`). An event stamped before that DELETE and fed later
could not be placed in that state: its clock is the listing's. So the state keeps, as
the piece before its base's (`ResourceState.before`), where the resource stood before the
DELETE when that is one piece, running or stopped (`kept_before()` for a DELETE too
late, `compacted()` for one compacted in time): the event is then placed there, before
the DELETE, and the DELETE and the listing applied after it, as batch rating applies
them (`placed()`). What it changes before the kept cycles is named per meter and
description: the difference the event makes to what the DELETE and the listing change
there. From the kept cycles on it changes nothing, the listing opening the resource
again as listed either way. An event that would change that, one stamped at or before
the piece's last event, one with a ``seq``, or one that a kept ``last_seen`` inventory
or a compacted ``where`` may judge otherwise is left to the rule as before: not placed.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable

import attrs

from . import _normalize as _n
from ._instants import format_us
from ._late_event_words import older, opening, per_description
from ._rater_early import _restate
from ._rater_stretch import whole_timeline
from ._resource_state import _NO_BASE, ResourceState
from ._restated_states import _placed_back, _restated
from ._shown import show
from .records import Anomaly, Event, Inventory, Sample
from .usage import UsageRow

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["compacted", "kept_before", "listed_again", "placed"]

Record = Event | Sample | Inventory
# What the resource may be before the DELETE for an event to be placed there: a DELETE
# of a running or stopped resource, listed again after, leaves it running as listed.
_PLACEABLE: typing.Final = ("running", "stopped")


def kept_before(state: ResourceState, restarted: ResourceState) -> ResourceState:
    """``restarted`` keeping ``state``, where the resource stood before the DELETE, as its before piece.

    ``state``: the compacted state a relisted DELETE was judged in; ``restarted``: what
    the DELETE and the listing after it make of it (running since the listing, the
    deletion its base). Kept when ``state`` is one running piece (no history): the piece
    an event stamped before the DELETE is placed in (`placed()`). O(1).
    """
    if (
        state.history
        or state.status != "running"
        or restarted.history
        or restarted.status != "running"
        or restarted._past[0] != "deleted"
        or state.since_us is None
        or state.since_us >= typing.cast("int", restarted._past[2])
    ):
        return restarted
    return _restated(restarted, _before=state._head())


def compacted(
    previous: ResourceState | None, state: ResourceState, folded: Iterable[Record]
) -> ResourceState:
    """``state`` (compacted now) keeping the piece before the deletion a listing reopened.

    ``previous``: the resource's compacted state before; ``folded``: the records
    compacted now. A state running with no history whose base is a deletion (a listing
    opened the resource again after a DELETE, `_metering_next_state.state_of()`) gets the
    running piece its timeline has before that deletion as its before piece, its clock
    at the last event applied before the deletion (an event in the piece that changed
    nothing, a second START, is not kept: an event stamped before it cannot be placed):
    an event stamped after that and fed later is placed there (`placed()`). The same
    deletion compacted before keeps the piece it had. Any other state is returned as it
    is. O(k log k) for the k records of the resource, only for such a state.
    """
    past = state._past
    if (
        state.history
        or state._before
        or state.status != "running"
        or past[0] != "deleted"
        or state.seq is not None
    ):
        return state
    if previous is not None and previous._before and previous._past[:4] == past[:4]:
        return _restated(state, _before=previous._before)
    deleted_us = typing.cast("int", past[2])
    line = whole_timeline(previous, state, folded)
    index = line.index_at(deleted_us)
    if (
        index < 1
        or line.starts[index] != deleted_us
        or line.statuses[index] != _n.DELETED
        or line.statuses[index - 1] != _n.RUNNING
        or any(event.seq is not None for event in line.order)
    ):
        return state
    start = line.starts[index - 1]
    clock = max(
        (
            start,
            *(event.at_us for event in line.order if event.at_us < deleted_us),
            *(() if previous is None or previous.clock_us is None else (previous.clock_us,)),
        )
    )
    if clock >= deleted_us:
        return state
    description, opener = line.descriptions[index - 1], line.openers[index - 1]
    return _restated(state, _before=("running", description, start, opener, clock, None))


def listed_again(account: str, resource: str, state: ResourceState) -> list[Inventory]:
    """The inventories of ``state.listings``, each scoped to ``account``, listing the resource as it did."""
    if state.listings is None:
        return []
    at_us, entries = state.listings
    key = (account, resource)
    return [
        Inventory(
            format_us(at_us),
            {} if listed is None else {key: listed},
            close=typing.cast("typing.Literal['snapshot', 'last_seen']", close),
            accounts=[account],
        )
        for _, listed, close in entries
    ]


def _applied(
    rater: Rater, events: list[Event], prior: ResourceState, again: list[Inventory]
) -> tuple[list[UsageRow], ResourceState, ResourceState]:
    """``events`` placed in ``prior``, then ``again``: their late rows, and the states after each."""
    base = rater._base_us
    key = (prior.account, prior.resource)
    usage = rater._engine.meter(events, base, base + 1, [prior])
    folded = next(s for s in usage.state if (s.account, s.resource) == key)
    placed_in = _placed_back(prior, folded, listings=False)
    later = rater._engine.meter(again, base, base + 1, [placed_in])
    after = next(s for s in later.state if (s.account, s.resource) == key)
    return [*usage.late, *later.late], placed_in, after


def placed(rater: Rater, event: Event, state: ResourceState) -> list[Anomaly] | None:
    """The anomalies of ``event`` placed before the DELETE whose piece ``state`` keeps, or None.

    None when it cannot be placed so (see the module): the caller's rule stands. Else
    the event's part before the kept cycles is named per meter and description (in
    doubt, as the DELETE's was: an inventory between, forgotten with its compacted
    cycle, may have changed the resource), and the state keeps where the event leaves
    the resource before the DELETE. O(k) for the k kept records of the resource.
    """
    before, past = state.before, state._past
    if (
        before is None
        or before.status not in _PLACEABLE
        or state.history
        or state.status != "running"
        or past[0] != "deleted"
        or event.seq is not None
        or state.seq is not None
        or before.seq is not None
        or (before.clock_us is not None and event.at_us <= before.clock_us)
        or event.at_us >= typing.cast("int", past[2])
        or rater._scoped
        or any(type(i) is Inventory and i.close == "last_seen" for i in rater._inventories)
    ):
        return None
    deleted_us = typing.cast("int", past[2])
    prior = _restated(
        state,
        status=before.status,
        description=before.description,
        since_us=before.since_us,
        opened_by=before.opened_by,
        clock_us=before.clock_us,
        seq=None,
        _past=_NO_BASE,
    )
    delete = Event(
        event.account,
        event.resource,
        format_us(deleted_us),
        kind="delete",
        id=typing.cast("str | None", past[3]),
    )
    again = listed_again(event.account, event.resource, state)
    rows, _, after = _applied(rater, [event, delete], prior, again)
    taken, _, after_alone = _applied(rater, [delete], prior, again)
    # Placed before the DELETE, it leaves the resource as the listing opened it again.
    where = (state.status, state.description, state.since_us)
    if (after.status, after.description, after.since_us) != where or (
        after_alone.status,
        after_alone.description,
        after_alone.since_us,
    ) != where:
        return None
    rows += [attrs.evolve(row, quantity=-row.quantity) for row in taken]
    base = rater._base_us
    key = (event.account, event.resource)
    # Where the resource stands before the DELETE now: the event's piece.
    _, placed_in, _ = _applied(rater, [event], prior, [])
    if placed_in.status in _PLACEABLE and placed_in.since_us is not None:
        _restate(rater, key, _restated(state, _before=placed_in._head()))
    else:
        _restate(rater, key, _restated(state, _before=()))
    words = older(event, base) + (
        f") and before the DELETE at {format_us(deleted_us)} that an inventory compacted "
        f"since (at {format_us(state.listings[0] if state.listings else deleted_us)}) "
        f"listed {event.resource!r} after and opened it again, as batch rate() does: it is "
        "placed before that DELETE, and changes nothing from then on"
    )
    parts = per_description(rows)
    if not parts:
        return [opening(event, words + f"; it changes nothing metered before {format_us(base)}.")]
    return [
        opening(
            event,
            words + f"; what it changes of {meter!r} before {format_us(base)}, "
            f"{quantity} {rater._engine.unit(meter)} under description "
            f"{show(dict(description))}, belonged to cycles already compacted: not "
            "applied, and in doubt (an inventory between, forgotten with its compacted "
            "cycle, may have changed the resource).",
            meter,
            quantity,
        )
        for meter, description, quantity in parts
    ]
