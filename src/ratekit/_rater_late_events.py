"""An event stamped before the kept cycles: placed in the compacted state.

Private to [`ratekit.Rater`][ratekit.Rater]. An event stamped in a compacted cycle is too
late for that cycle, but not for the cycles after it: a STOP stamped there ends the
resource's running in the kept and open cycles too, a START begins it. Dropping it whole
would bill a stopped VM every cycle from then on, or never bill a started one. So the
event is placed in the compacted metering state as metering with that state places it
(ordered among the events the state keeps, `ResourceState.history`): the state at the
kept cycles' start is then the one batch rating of every record reaches there, and the
kept and open cycles are metered from it. What the event changes before the kept cycles
(metering's late rows: negative for a STOP, positive for a START) is too late: not
applied, named per meter with its quantity in a ``"too_late"`` anomaly, and the
description that quantity is metered (priced) under. An event that re-describes a running
resource (an UPDATE, or a START of a running one) may change no quantity but re-prices
the hours after it: its part is named per meter twice, what was metered under the old
description (taken back, negative) and what batch meters under the new one.

An event stamped at or before the last event the state applied to its resource cannot
be placed: the state keeps where the resource stands after that event, not the events
before it (`_unplaced()`). It is not applied, as before, and its anomaly says so.

Nor can an event that would open its resource there (a START of a resource no
compacted state has running) when an inventory compacted after it may have covered the
resource and closed it again, as batch rating closes it: the rater keeps the last
inventory compacted per account scoped, not what each covered (`_rater_late_inventories.
may_have_closed()`, shared with too-late inventories). Opening it would bill from the
kept cycles on a resource batch has closed. It is left as it stands, not applied, and
its anomaly names per meter the quantity in doubt before the kept cycles, and says the
resource is metered from its kept records alone from then on (`_unopened()`). So is an
orphan STOP, one that would make a resource no compacted state knows stopped, when an
inventory compacted after it may have covered the resource (`_orphaned()`): batch then
holds it deleted, and a listing after opens it again, where a stopped one stays stopped.

Nor can an event whose ``seq`` orders it before compacted events the state no longer
keeps (folded into its base, or settled by an inventory: `_lateness.CounterIndex.
unordered()`), wherever it is stamped (the feed sends one stamped in the kept cycles
here too): batch applies them after it, the state could only apply them before it. It
is not applied, and its resource is billed as batch bills it without the event
(`unordered()`).

An event that describes a running or stopped resource anew into the ``where`` of an inventory
compacted after it (one that did not list it, as far as the state tells) is not applied
either: batch closes the resource there, and the rater keeps the last such inventory
per scope and ``where`` (`_rater_scoped`), not what it listed nor what it made of the
resource. Its anomaly says so, with no quantity (`_rescoped()`).

An inventory compacted after the event that covered its resource is applied after it, as
batch rating applies it: the history holds events only, and the state keeps the
inventories of the last instant any covered the resource (`ResourceState.listings`).
A listing opens again a resource the event deleted, as listed: a DELETE of a running
resource listed after it names its part up to that listing per meter and description,
in doubt (one between, forgotten, may have opened it sooner), and the state is made
what the DELETE and the listing make of it, running since the listing, as metering the
DELETE in time leaves it (`_restarted()`): the kept cycles are metered as listed (a
START or an UPDATE placed before the DELETE may have described the resource otherwise),
a first reading from zero counts from the listing (the share that moves before the
kept cycles named, in doubt too), and a record stamped before the listing, fed later,
is judged with both: an event stamped before the DELETE is placed where the resource
stood before it, which the state keeps (`_rater_relisted`), one after it cannot be
placed. Where those
inventories would leave the resource otherwise than both the event and the state, what
batch reaches is not known: the event is not applied (`_relisted()`).

A kept ``last_seen`` inventory may close the resource at its last sign of life before
the kept cycles: batch bills nothing of its running time there from that closing on.
The event's part there is judged up to that closing (a START that is itself the last
sign of life names nothing), and an event that moves the closing (a new last sign of
life) names the hours moved, as a kept record that moves it does
(`_rater_accounts.placed_closing()`, `_lateness_closings.moved()`).
"""

from __future__ import annotations

import typing
from decimal import Decimal

from . import _lateness_closings as _closings
from . import _rater_accounts as _accounts
from . import _rater_redescribed as _redescribed
from . import _rater_relisted as _relisted_before
from . import _rater_scoped as _scoped
from . import _rater_zero as _zero
from ._decimals import tidy
from ._instants import format_us
from ._late_event_words import older as _older
from ._late_event_words import opening as _opening
from ._late_event_words import per_description as _per_description
from ._late_event_words import sums as _sums
from ._rater_early import _restate
from ._rater_late_inventories import last_covering, may_have_closed
from ._rater_stretch import carried_boot, carried_where_counted
from ._resource_state import _NO_BASE, _new_state
from ._restated_states import _placed_back
from ._shown import show
from .records import Anomaly, Event, Inventory

if typing.TYPE_CHECKING:
    from ._resource_state import ResourceState
    from .rater import Rater

__all__ = ["placed", "unordered"]


def placed(rater: Rater, event: Event, anomalies: list[Anomaly]) -> str:
    """Place ``event``, stamped before the kept cycles, in the compacted state.

    Returns ``"too_late"`` and adds its anomaly to ``anomalies``: what it changes before
    the kept cycles, per meter, is not applied; what it changes from their start on is,
    from the next statement. O(h) for the h events the state keeps, O(s) for the s
    compacted states when it would open its resource.
    """
    key = (event.account, event.resource)
    base = rater._base_us
    state = rater._reach.states.get(key)
    lost = _before_clock(rater, event, state)
    if lost is not None:
        anomalies.extend(lost)
        return "too_late"
    state = state or _new_state(
        event.account, event.resource, "unknown", {}, None, None, None, None, (), base,
        (), _NO_BASE,
    )  # fmt: skip
    engine = rater._engine
    usage = engine.meter([event], base, base + 1, [state])
    folded = next(s for s in usage.state if (s.account, s.resource) == key)
    new = _placed_back(state, folded, listings=False)
    # The state made anew: where a first reading from zero counts from is written again.
    new = carried_where_counted(rater._reach.zero, state, new, (event,), base)
    new = carried_boot(rater._reach.zero, state, new, (event,))  # (and a boot, a stop)
    # An inventory compacted after the event covered the resource: the state's history
    # (events only) does not replay it, so it is applied after the event.
    relisted = _relisted(rater, event, state, new)
    if relisted:
        anomalies.extend(relisted)
        return "too_late"
    scope = _scoped.rescoped(rater._scoped, event.at_us, state, new)
    if scope is not None:  # it brings the resource into such an inventory's where
        anomalies.append(_rescoped(event, base, scope))
        return "too_late"
    later = may_have_closed(
        state, new, event.at_us, lambda: last_covering(rater, event.account), at_once=True
    )
    if later is not None:  # an inventory compacted since may have closed it: left alone
        anomalies.extend(_unopened(rater, event, later, _sums(usage.late), new.description))
        return "too_late"
    later = _orphaned(rater, state, new, event.at_us)
    if later is not None:  # stopped, or closed by an inventory compacted since: left alone
        anomalies.append(_unstopped(event, base, later))
        return "too_late"
    # A kept last_seen inventory may close the resource back at its last sign of life
    # before the kept cycles (the event, or one it moves): batch bills nothing of its
    # running time there from that closing on, so its part is judged up to it.
    closing = _accounts.placed_closing(rater, state, new)
    until = None if closing is None else closing[2]
    # Metering's late rows are per meter, cycle and description: what the event moves
    # from one description to another (a re-description, a DELETE its seq moves) is
    # taken back under the one and added under the other, each priced otherwise.
    rows = _accounts.clipped(rater, usage.late, until, (state, new))
    changed = new != state
    if changed:
        kept = rater._by_key.get(key, ())
        rows += _accounts.clipped(rater, _zero.moved(rater, key, (kept, state), (kept, new)), until)
        rows += _accounts.clipped(
            rater, _redescribed.moved(rater, key, (kept, state), (kept, new)), until
        )
    said: list[Anomaly] = []
    if state.status == "running":
        said += _moves(rater, event, state, closing)
    said.extend(
        _said(rater, event, meter, quantity, changed, description)
        for meter, description, quantity in _per_description(rows)
    )
    if changed:
        _restate(rater, key, new)
    anomalies.extend(said)
    if not said:
        anomalies.append(_said(rater, event, None, None, changed, new.description))
    return "too_late"


def _before_clock(rater: Rater, event: Event, state: ResourceState | None) -> list[Anomaly] | None:
    """The anomalies of an event the state cannot order as the rest, or None.

    One ordered by its ``seq`` before events the compacted state lost (`unordered()`),
    or stamped at or before the state's clock (`_unplaced()`); but one before a DELETE
    that a compacted listing opened the resource again after is placed where the
    resource stood before that DELETE, when the state keeps that piece
    (`_rater_relisted.placed()`). O(k) for the k kept records of the resource.
    """
    key = (event.account, event.resource)
    base = rater._base_us
    if rater._reach.unordered(event):  # before events the compacted state lost: not placed
        return [unordered(event, base, rater._reach.seqs[key])]
    if state is None or state.clock_us is None or event.at_us > state.clock_us:
        return None
    placed_before = _relisted_before.placed(rater, event, state)
    return [_unplaced(event, base, state.clock_us)] if placed_before is None else placed_before


def _moves(
    rater: Rater,
    event: Event,
    state: ResourceState,
    closing: tuple[Inventory, int | None, int | None] | None,
) -> list[Anomaly]:
    """The ``"too_late"`` parts of a kept ``last_seen`` closing that ``event`` moves, if any."""
    if closing is None or closing[1] == closing[2]:
        return []
    inventory, old_us, new_us = closing
    return _closings.moved(
        [event],
        inventory,
        state,
        (old_us, new_us),
        rater._base_us,
        meters=rater._engine.meters,
        segments=rater._engine.segments,
    )


def _relisted(
    rater: Rater, event: Event, state: ResourceState, new: ResourceState
) -> list[Anomaly]:
    """The anomalies of an event an inventory compacted after it changes, or none.

    ``state.listings``: the inventories that covered the resource at the last instant
    any did, at or after the event (an inventory of the event's instant comes after
    it). Batch rate() applies them after the event: a listing keeps a stopped resource
    stopped, but opens again one the event deleted; one that covered it without listing
    it closes it. The state keeps where the resource stands after them, not the
    inventories before them, nor whether an inventory changed it before them. None
    when they leave what the event makes of it (`placed()` goes on). When they open it
    again as the state has it running (a DELETE of a running resource listed after it),
    the anomalies name the event's part up to those inventories per meter and
    description (up to a kept ``last_seen`` closing before the kept cycles, as
    `placed()` judges it), in doubt (an inventory between, forgotten with its compacted
    cycle, may have opened it sooner), and the state is made what the two make of it
    (`_restarted()`): running as listed from the listing on, which a START or an UPDATE
    placed before the event may have described otherwise. Otherwise the resource is
    left as it stands, and one anomaly says the event is not applied, with no quantity
    (`_unreconciled()`). O(h) for the h events the state keeps.
    """
    if new == state or state.listings is None or state.listings[0] < event.at_us:
        return []
    at_us, entries = state.listings
    key = (event.account, event.resource)
    if state.since_us is not None and state.since_us >= event.at_us:
        # An inventory changed the resource after the event (reopened, re-described):
        # what it made of it after the event is not known.
        return [_unreconciled(rater, event, at_us)]
    again = [
        Inventory(
            format_us(at_us),
            {} if listed is None else {key: listed},
            close=typing.cast("typing.Literal['snapshot', 'last_seen']", close),
            accounts=[event.account],
        )
        for _, listed, close in entries
    ]
    base = rater._base_us
    usage = rater._engine.meter([event, *again], base, base + 1, [state])
    folded = next(s for s in usage.state if (s.account, s.resource) == key)
    if (folded.status, folded.description) == (new.status, new.description):
        return []  # as the event alone makes it (a listing keeps a STOP stopped)
    reopened = new.status != "running" and folded.status == state.status == "running"
    if not reopened:
        return [_unreconciled(rater, event, at_us)]
    # What the event and the listing change before the kept cycles, per meter and the
    # description it was metered under: a listing opens the resource again as it lists
    # it, so the part after it moves to that description where the event's own history
    # (a START or an UPDATE placed before it) described it otherwise. A kept last_seen
    # inventory may close the resource back at its last sign of life there (the
    # listing, say): batch bills nothing of its running time from that closing on, so
    # the part is judged up to it, as a placed event's is: what the event ends from its
    # instant, and what the listing opens again from its own, each one running piece.
    restarted = _placed_back(state, folded, listings=False)
    closing = _accounts.placed_closing(rater, state, restarted)
    until = None if closing is None else closing[2]
    rows = rater._engine.meter([event], base, base + 1, [state]).late
    rows += rater._engine.meter(again, base, base + 1, [new]).late
    parts = _per_description(_accounts.clipped(rater, rows, until))
    if not parts:
        return [_unreconciled(rater, event, at_us)]
    out: list[Anomaly] = _moves(rater, event, state, closing)
    after = (
        "so it changes nothing from then on"
        if folded.description == state.description
        else f"under description {show(dict(folded.description))}, so its effect from then "
        "on is applied, as batch rating applies it"  # a START or an UPDATE placed before it
    )
    for meter, description, quantity in parts:
        unit = rater._engine.unit(meter)
        out.append(
            _opening(
                event,
                _older(event, base) + f"); an inventory compacted since (at {format_us(at_us)}) "
                f"listed {event.resource!r} and opened it again, as batch rate() does, {after}; "
                f"what it changes of {meter!r} before {format_us(base)}, {quantity} {unit} "
                f"under description {show(dict(description))}, belonged to cycles already "
                "compacted: not applied, and in doubt (at most this much: an inventory "
                "between, forgotten with its compacted cycle, may have opened it sooner).",
                meter,
                quantity,
            )
        )
    return out + _restarted(rater, event, (state, restarted), until, at_us)


def _restarted(
    rater: Rater,
    event: Event,
    states: tuple[ResourceState, ResourceState],
    until: int | None,
    at_us: int,
) -> list[Anomaly]:
    """Make the state what a relisted event and the listing after it make of it.

    The event (a DELETE of a running resource) ends the resource's running, and the
    listing after it (at ``at_us``) opened it again, as listed (``states``: the state
    before and the one the two make of it; ``until``: a kept ``last_seen`` closing
    before the kept cycles, or None, up to which the part moved is named): the
    state is made running since the listing, its clock there, as metering the event in
    time would have left it, keeping where the resource stood before the event as the
    piece before its base's (`_rater_relisted.kept_before()`: an event stamped before
    the DELETE is placed there). So a record fed later is judged with them, and the kept cycles are metered from the listing's description (which a START
    or an UPDATE placed before the event may have changed). A new running stretch begins
    there too, from which batch counts a first reading from zero of the resource: the
    kept cycles count it from there, and the part moved before them is named per meter
    and description, in doubt as the hours are; none when no such reading counts from the
    state's stretch. O(k) for the k kept records of the resource.
    """
    key = (event.account, event.resource)
    reach = rater._reach
    state, restarted = states
    # Where the resource stood before the event, kept: an event stamped before it, fed
    # later, is placed there (`_rater_relisted`).
    restarted = _relisted_before.kept_before(state, restarted)
    if not any((*key, name) in reach.stretches for name in reach.zero):
        _restate(rater, key, restarted)
        return []
    kept = rater._by_key.get(key, ())
    rows = _accounts.clipped(
        rater, _zero.moved(rater, key, (kept, state), (kept, restarted)), until
    )
    _restate(rater, key, restarted)
    base = format_us(rater._base_us)
    return [
        _opening(
            event,
            _older(event, rater._base_us) + f"); the listing at {format_us(at_us)} that "
            f"opened {event.resource!r} again begins a new running stretch, from which "
            f"the first reading from zero of {meter!r} counts, as in batch rate(): the kept "
            f"cycles count from there, and what that moves before {base}, "
            f"{quantity} {rater._engine.unit(meter)} under description "
            f"{show(dict(description))}, belonged to cycles already compacted: not "
            "applied, and in doubt (an inventory between, forgotten with its compacted "
            "cycle, may have opened it sooner).",
            meter,
            quantity,
        )
        for meter, description, quantity in _per_description(rows)
    ]


def _rescoped(event: Event, base: int, scope: Inventory) -> Anomaly:
    """The ``"too_late"`` anomaly of an event bringing its resource into a compacted ``where``.

    An inventory with a ``where``, compacted since (``scope``: the last such), covers
    the (running or stopped) resource under the description the event gives it, not under the one
    before (`_rater_scoped.rescoped()`): batch rate() closes it there when the inventory
    did not list it, and the compacted state keeps neither what it listed nor what the
    records between made of the resource. Not applied: the resource is left as it stands.
    """
    resource = event.resource
    return _opening(
        event,
        _older(event, base) + f") and describes {resource!r} anew into the where "
        f"{show(dict(scope.where))} of an inventory compacted since (the last at "
        f"{format_us(scope.at_us)}): batch rate() closes a resource such an inventory "
        "covers and does not list (a START after does not open it again), and the "
        "compacted state keeps neither what "
        "it listed nor what each such inventory made of the resource, so the event is not "
        f"applied and {resource!r} is left as it stands. What it changes before "
        f"{format_us(base)} and from then on is not known here: compare with batch rate() "
        "over your stored records. It may be a replay of an event applied before and "
        "forgotten with its compacted cycle.",
    )


def _unreconciled(rater: Rater, event: Event, at_us: int) -> Anomaly:
    """The ``"too_late"`` anomaly of an event left as it stands (`_relisted()`)."""
    base = rater._base_us
    resource = event.resource
    return _opening(
        event,
        _older(event, base) + f"), and an inventory compacted since (the last at "
        f"{format_us(at_us)}) covered {resource!r}: the compacted state keeps where that "
        "left it, not what it would have made of the event's effect, so it is not applied "
        f"and {resource!r} is left as it stands. What it changes before {format_us(base)} "
        "and from then on is not known here: compare with batch rate() over your stored "
        "records. It may be a replay of an event applied before and forgotten with its "
        "compacted cycle.",
    )


def _orphaned(rater: Rater, state: ResourceState, new: ResourceState, t_us: int) -> int | None:
    """Whether an inventory compacted since ``t_us`` may have closed what the event stops.

    An event that makes a resource no compacted state knows stopped (a STOP without a
    START, an orphan) leaves it stopped in batch rate(), unless an inventory after it
    covered it: that one closes it (at its last sign of life under ``last_seen``), and
    batch holds it deleted from there on. The two differ from the kept cycles on: a
    listing opens a deleted resource again, not a stopped one; a START opens a stopped
    one, not a deleted one. The rater does not keep what each inventory covered, so when
    one of the resource's account was compacted at or after ``t_us``, its instant (the
    last such, `last_covering()`) is returned and the event is left as it stands, as a
    START that would open its resource is (`may_have_closed()`); else None. O(1).
    """
    if state.status != "unknown" or new.status != "stopped":
        return None
    instant = last_covering(rater, state.account)
    return instant if instant is not None and instant >= t_us else None


def _unstopped(event: Event, base: int, later: int) -> Anomaly:
    """The ``"too_late"`` anomaly of an orphan event left as it stands (`_orphaned()`)."""
    resource = event.resource
    return _opening(
        event,
        _older(event, base) + f") and would make {resource!r}, which no compacted state knows, "
        f"stopped; an inventory compacted since (the last at {format_us(later)}) may have "
        "covered it and closed it, and the compacted state does not keep what each "
        "inventory covered, so it is not applied. It changes nothing metered before "
        f"{format_us(base)}; from then on the rater meters {resource!r} from its kept "
        "records alone, as a resource it does not know, as batch rate() does where such "
        "an inventory closed it (a listing after opens it again), but for a START after, "
        "which batch does not let open it again (what the rater bills from that START on, "
        "batch does not); where none covered it, batch holds it stopped, and a listing "
        "after does not open it (what the rater bills from that listing on, batch does "
        "not). It may be a replay of an event applied before and forgotten with its "
        "compacted cycle.",
    )


def _said(  # noqa: PLR0917 - private plumbing of plain values
    rater: Rater,
    event: Event,
    meter: str | None,
    quantity: Decimal | None,
    changed: bool,
    description: typing.Mapping[str, typing.Any],
) -> Anomaly:
    """The ``"too_late"`` anomaly of a placed event: its part of ``meter`` before the kept cycles.

    ``description`` is the one the part is metered under (priced by).
    """
    base = rater._base_us
    if meter is not None:
        unit = rater._engine.unit(meter)
        before = (
            f"what it changes of {meter!r} before {format_us(base)}, {quantity} {unit} "
            f"under description {show(dict(description))}, belonged to cycles already "
            "compacted: not applied"
        )
    else:
        before = f"it changes nothing metered before {format_us(base)}"
    after = (
        "its effect from then on is applied, as batch rating applies it"
        if changed
        else "it changes nothing from then on either (it may be a replay of an event "
        "applied before and forgotten with its compacted cycle)"
    )
    return _opening(
        event,
        _older(event, base) + f"): it is placed among the events the compacted state keeps, "
        f"as metering them at once places it; {before}, and {after}.",
        meter,
        quantity,
    )


def _unopened(
    rater: Rater,
    event: Event,
    later: int,
    parts: dict[str, Decimal],
    description: typing.Mapping[str, typing.Any],
) -> list[Anomaly]:
    """The ``"too_late"`` anomalies of an event that would open what may have been closed.

    An inventory compacted since (the last at ``later``) may have covered the resource
    and closed it (`_rater_late_inventories.may_have_closed()`); the event is not
    applied. Per meter, ``parts``: what it would add before the kept cycles, in doubt
    (batch bills it up to where such an inventory closed the resource, at most all of
    it); from the kept cycles on the rater meters the resource from its kept records
    alone, where batch meters it running from the event on unless such an inventory
    closed it (for good: a later START does not reopen a resource an inventory closed).
    One anomaly without a meter when it adds nothing.
    """
    base = rater._base_us
    head = (
        _older(event, base) + f") and would open {event.resource!r}, which an inventory "
        f"compacted since (the last at {format_us(later)}) may have covered and closed: "
        "the compacted state does not keep what each inventory covered, so it is not "
        "applied"
    )
    tail = (
        f"; from then on the rater meters {event.resource!r} from its kept records alone, "
        "as a resource it does not know, where batch rate() meters it running from this "
        "event on, unless such an inventory closed it (for good: batch then bills nothing "
        "of it after). It may be a replay of an event applied before and forgotten with "
        "its compacted cycle."
    )
    nonzero = {meter: tidy(quantity) for meter, quantity in parts.items() if quantity}
    out: list[Anomaly] = []
    for meter in sorted(nonzero):
        unit = rater._engine.unit(meter)
        doubt = (
            f"; what it would add of {meter!r} before {format_us(base)}, {nonzero[meter]} "
            f"{unit} under description {show(dict(description))}, is in doubt (batch rate() "
            "bills it up to where such an inventory closed it, at most all of it)"
        )
        out.append(_opening(event, head + doubt + tail, meter, nonzero[meter]))
    return out or [_opening(event, head + tail, None, None)]


def _unplaced(event: Event, base: int, clock_us: int) -> Anomaly:
    """The ``"too_late"`` anomaly of an event at or before its resource's last compacted one.

    The compacted state keeps where the resource stands after its last event, not the
    events before (nor how events of one instant tie), so the event cannot be placed
    among them: it is not applied, and what it changes is not known here.
    """
    return _opening(
        event,
        _older(event, base) + f") and not after the last event of its resource the compacted "
        f"state applied (at {format_us(clock_us)}), which it keeps without the events "
        "before it: it cannot be placed among them, and is not applied (what it would "
        "change is not known here). It may be a replay of an event applied before and "
        "forgotten with its compacted cycle.",
    )


def unordered(event: Event, base: int, compacted: int) -> Anomaly:
    """The ``"too_late"`` anomaly of an event ordered before events the state lost.

    Its ``seq`` orders it before compacted events of its resource (the last ``seq``
    there is ``compacted``) that the compacted state keeps no more as events: folded
    into its base, or settled by an inventory (`_lateness.CounterIndex.unordered()`).
    Batch rate() applies them after it (those stamped before it take its instant); the
    state could only apply them before it, which bills neither what batch bills nor
    what the stream billed. So it is not applied, wherever it is stamped: the resource
    is billed from its other records, as if it had not come, and the anomaly says that
    what batch bills of the resource otherwise is not known here.
    """
    what = f"event {event.id!r}" if event.id is not None else "event"
    resource = event.resource
    return _opening(
        event,
        f"{what} ({event.kind}) of {resource!r} of {event.account!r} stamped "
        f"{format_us(event.at_us)} is ordered by its seq ({event.seq}) before events of "
        f"{resource!r} in cycles already compacted (the last seq there is {compacted}) "
        "that the compacted state no longer keeps (an inventory settled its history, or "
        "they were folded into its base): batch rate() applies them after it, the state "
        "could only apply them before it, so it cannot be placed and is not applied. "
        f"{resource!r} is billed from its other records, as if this event had not come; "
        f"what batch rate() bills of {resource!r} with it, in the compacted cycles and "
        f"from {format_us(base)} on, is not known here, and the quantities of "
        f"{resource!r} from then on cannot be trusted: compare with batch rate() over "
        "your stored records. It may be a replay of an event applied before and "
        "forgotten with its compacted cycle.",
    )
