"""An inventory stamped before the kept cycles: reconciled with the compacted state.

Private to [`ratekit.Rater`][ratekit.Rater]. An inventory snapshot stamped in a
compacted cycle is too late for that cycle, but not for the cycles after it: a resource
it lists that no compacted state knows (a new account's first resource, say) runs from
its instant on, through the kept and open cycles; one it does not list (within its
scope) is closed there, and bills nothing after. Dropping it whole would never bill the
one, and bill the other every cycle from then on. So the inventory is reconciled with
the compacted metering state as metering with that state reconciles it (`placed()`):
each resource's state at the kept cycles' start is then the one batch rating of every
record reaches there, and the kept and open cycles are metered from it. What it changes
before the kept cycles is too late: not applied, named per resource and meter with its
quantity in a ``"too_late"`` anomaly, and the description that quantity is metered
(priced) under, as for an event placed in the compacted state
(`ratekit._rater_late_events`); a plain counter's increment that a kept reading counts
across their start, which a closing there describes anew, is named per description
(`_rater_redescribed.moved()`). An account it makes known before the kept cycles (its
first usage there) owes its fees, bases and minimums from the kept cycles on; what it
owed in the compacted ones is said as for any record (`_rater_accounts.dues_too_late`).
Usage that a kept ``last_seen`` inventory closes back where it was listed is none: an
account known from such a listing alone owes nothing, as in batch; and the part named
before the kept cycles is judged up to that closing (nothing, when the listing is the
resource's last sign of life), a closing the inventory moves named with its hours
(`_rater_accounts.placed_closing()`).

A resource whose compacted state has a sign of life at or after the inventory's instant
(an event, a reading, a listing by another inventory) cannot be reconciled: the state
keeps where the resource stands after it, not what came before, so it does not tell
whether the resource existed at the inventory's instant, nor what the events between
would have made of it. Such a resource is left as it stands (as an event stamped
before its resource's last compacted event is, `_rater_late_events._unplaced()`), and
when the inventory would change it, or covers it (batch may open it before that sign of
life, or close it there), its anomaly names it; a replay of an inventory the state
applied names nothing. A resource with a kept event that its ``seq`` orders before the
compacted events is reconciled in batch's order, the inventory before that event: its
state is rebuilt (`_rater_late_reordered`), the part named per meter and description;
where it cannot be (an event without a ``seq`` in its history), it is left as it stands
too: batch applies that event before the compacted ones and the inventory to what it
makes of them, where the state, once reconciled, could apply it only after (`_left()`).
"""

from __future__ import annotations

import functools
import typing
from decimal import Decimal

from . import _lateness_closings as _closings
from . import _rater_accounts as _accounts
from . import _rater_late_reordered as _reordered
from . import _rater_redescribed as _redescribed
from . import _rater_scoped as _scoped
from . import _rater_zero as _zero
from ._anomalies import placed as _anomaly
from ._decimals import CONTEXT, ZERO, tidy
from ._instants import format_us
from ._late_event_words import per_description
from ._rater_closed import closed_after
from ._rater_early import restate_all
from ._rater_stretch import carried_boot, carried_where_counted
from ._resource_state import _NO_BASE, ResourceState, _new_state
from ._restated_states import _placed_back
from ._shown import show
from .records import Anomaly, Event, Inventory
from .usage import UsageRow

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = [
    "compacted",
    "last_covering",
    "may_have_closed",
    "placed",
    "remember",
]

Key = tuple[str, str]
#: Per account an inventory was scoped to (None: every account), the last one's instant.
Marks = dict[str | None, int]


def placed(rater: Rater, inventory: Inventory, anomalies: list[Anomaly]) -> str:
    """Reconcile ``inventory``, stamped before the kept cycles, with the compacted state.

    Returns ``"too_late"`` and adds its anomalies to ``anomalies``: what it changes
    before the kept cycles, per resource and meter, is not applied; what it changes from
    their start on is, from the next statement. O(s log s) for the s resource states it
    may reconcile (those of its accounts, when it is scoped by account).
    """
    base = rater._base_us
    known = rater._reach.states
    scoped = inventory.accounts
    given: dict[Key, ResourceState] = {
        key: state
        for key, state in known.items()
        if scoped is None or key[0] in scoped  # the others it leaves untouched
    }
    for account, resource, _ in inventory.resources:
        if (account, resource) not in given:
            given[account, resource] = _new_state(
                account, resource, "unknown", {}, None, None, None, None, (), base, (), _NO_BASE
            )  # fmt: skip
    usage = rater._engine.meter([inventory], base, base + 1, given.values())
    late: dict[Key, list[UsageRow]] = {}
    for row in usage.late:
        late.setdefault((row.account, row.resource), []).append(row)
    applied: dict[Key, ResourceState] = {}
    unplaced: list[Anomaly] = []
    said: list[Anomaly] = []
    for folded in sorted(usage.state, key=lambda s: (s.account, s.resource)):
        key = (folded.account, folded.resource)
        state = given.get(key)
        if state is None:
            continue
        # Placed in batch's order, before a kept event its seq orders first, or not at all.
        redone = _reordered.redone(rater, inventory, state)
        new = _made(rater, inventory, state, folded if redone is None else redone[0])
        late[key] = late.get(key, []) if redone is None else redone[1]
        left, said_left = (
            (False, None) if redone is not None else _left(rater, inventory, key, state, new)
        )
        if said_left is not None:
            unplaced.append(said_left)
        if left:
            continue
        if new == state and new.listings == state.listings:
            continue
        applied[key] = new
        # A kept last_seen inventory may close the resource back at its last sign of
        # life before the kept cycles (this listing, say): batch bills nothing of its
        # running time there from that closing on, so the part is judged up to it. A
        # listing of a resource running on is a new sign of life: it may move that
        # closing, though it changes nothing else of the state.
        closing = _accounts.placed_closing(rater, state, new)
        until = None if closing is None else closing[2]
        if closing is not None and state.status == "running" and closing[1] != until:
            said += _closings.moved(
                [inventory],
                closing[0],
                state,
                closing[1:],
                base,
                meters=rater._engine.meters,
                segments=rater._engine.segments,
            )
        if new != state:
            # What it moves of a first reading from zero counted from before the kept
            # cycles (a closing ends its running stretch there, an opening begins one).
            kept = rater._by_key.get(key, ())
            rows = [*late.get(key, ()), *_zero.moved(rater, key, (kept, state), (kept, new))]
            billed = None if redone is None else redone[2]
            said += _parts(rater, inventory, (state, new), rows, until_us=until, billed=billed)
            # And what it describes anew of a plain counter's increment that a kept
            # reading counts across the kept cycles' start (a closing back there prices
            # its part with no description): per meter and description, a move.
            moves = _redescribed.moved(rater, key, (kept, state), (kept, state), inventory)
            said.extend(
                _said(rater, inventory, key, meter, quantity, True, description)
                for meter, description, quantity in per_description(moves)
            )
    owing = _known_from(rater, inventory, applied, late)
    restate_all(rater, applied)
    changed = any(given[key] != new for key, new in applied.items())
    if not said and not unplaced:  # one word at least: it changes nothing metered
        said.append(_said(rater, inventory, None, None, None, changed, {}))
    anomalies += said
    anomalies += unplaced
    anomalies += owing
    remember(rater, [inventory])
    return "too_late"


def remember(rater: Rater, inventories: typing.Sequence[Inventory]) -> None:
    """Keep what ``inventories`` (compacted, or placed before the kept cycles) covered.

    Beside what they listed, which the states keep: per account scoped, the last one's
    instant (`compacted()`), and per scope and ``where``, the last one with a ``where``
    (`_rater_scoped`). A record placed before them later may learn it. O(k).
    """
    rater._inventoried = compacted(rater._inventoried, inventories)
    rater._scoped = _scoped.compacted(rater._scoped, inventories)


def last_covering(rater: Rater, account: str) -> int | None:
    """The instant of the last inventory compacted whose scope covers ``account``, if any.

    The rater keeps, per account an inventory was scoped to (and for those of every
    account), the instant of the last one compacted or placed before the kept cycles
    (`compacted()`): it may have covered a resource of that account it did not list, and
    closed it (see `may_have_closed()`). An inventory's ``where`` is not kept: one scoped
    to the account covers it here whatever its ``where``. O(1).
    """
    marks = rater._inventoried
    instants = [marks[scope] for scope in (None, account) if scope in marks]
    return max(instants, default=None)


def compacted(marks: Marks, inventories: typing.Iterable[Inventory]) -> Marks:
    """``marks`` with ``inventories``, now compacted or placed before the kept cycles.

    Per account an inventory is scoped to (``None``: one of every account), the instant
    of the last one (see `last_covering()`): a new mapping, ``marks`` left as it is. Its
    size is that of the accounts, not of history. O(k) for the k scopes given.
    """
    out = dict(marks)
    for inventory in inventories:
        t_us = inventory.at_us
        for scope in (None,) if inventory.accounts is None else inventory.accounts:
            if out.get(scope, t_us) <= t_us:
                out[scope] = t_us
    return out


def may_have_closed(
    state: ResourceState,
    new: ResourceState,
    t_us: int,
    last: typing.Callable[[], int | None],
    *,
    at_once: bool = False,
) -> int | None:
    """Whether an inventory compacted since ``t_us`` may have closed what a record opens.

    A record stamped before the kept cycles at ``t_us`` (an inventory listing the
    resource, a START) takes the resource's compacted ``state`` to ``new``. When it opens
    it there (``new`` runs, ``state`` does not), every inventory compacted after ``t_us``
    whose scope covered the resource closed it again in batch rate() (none listed it: it
    ran in no compacted state), at its instant, or at its last sign of life under
    ``close="last_seen"``. The rater keeps the instant of the last inventory compacted
    per account scoped (`last_covering()`), not what each covered at its instant (its
    ``where``, and what the resource was then, which the record changes): that one
    covered this resource is not known, nor what the records between would make of it.
    Returns the instant ``last()`` gives (`last_covering()`, asked only when the record
    opens the resource) when that inventory came after the record (the resource is then
    left as it stands), else None. Shared by the too-late inventories and events, which leave
    alike what neither can place. ``at_once``: an inventory stamped at ``t_us`` itself
    comes after the record too, as one comes after the events stamped up to its instant
    (an inventory of that instant is not: a resource listed by any inventory of an
    instant is present). O(1) besides ``last()``.
    """
    if new.status != "running" or state.status == "running":
        return None
    instant = last()
    if instant is None or instant < t_us or (instant == t_us and not at_once):
        return None
    return instant


def _replayed(inventory: Inventory, state: ResourceState) -> bool:
    """Whether ``state`` applied ``inventory`` already (its id remembered). O(m)."""
    if inventory.id is None:
        return False
    listings = state.listings
    if listings is not None and any(entry[0] == inventory.id for entry in listings[1]):
        return True
    return inventory.id in state.applied or any(i == inventory.id for i, _ in state.digests)


def _settled(state: ResourceState) -> int | None:
    """The resource's last sign of life the compacted state keeps, if any. O(k).

    Its last event (``clock_us``, ``since_us``), the last listing that covered it, its
    last readings.
    """
    instants = [at for at in (state.clock_us, state.since_us) if at is not None]
    listings = state.listings
    if listings is not None:
        instants.append(listings[0])
    instants += [reading[1] for reading in state.readings]
    return max(instants, default=None)


def _made(
    rater: Rater, inventory: Inventory, state: ResourceState, folded: ResourceState
) -> ResourceState:
    """``state`` as ``folded`` (metered with ``inventory``) leaves it, placed back. O(h).

    The state made anew: where a first reading from zero counts from is written again,
    the piece a ``last_seen`` closing ends is kept (`_rater_closed`), and the boot or
    the stop a ``from_zero`` counter asks for (`_rater_stretch.carried_boot()`).
    """
    new = _placed_back(state, folded, listings=True)
    zero = rater._reach.zero
    new = closed_after(state, carried_where_counted(zero, state, new, (inventory,), rater._base_us))
    return carried_boot(zero, state, new, (inventory,))


def _parts(
    rater: Rater,
    inventory: Inventory,
    states: tuple[ResourceState, ResourceState],
    rows: typing.Iterable[UsageRow],
    *,
    until_us: int | None,
    billed: list[UsageRow] | None = None,
) -> list[Anomaly]:
    """The ``"too_late"`` anomalies of what ``inventory`` changes of one resource there.

    Per meter, its part before the kept cycles under the description it is metered
    under; re-described, what the old description had there taken back and what the new
    one has added (the two add up to the change in quantity; each prices otherwise).
    Up to ``until_us``, where a kept ``last_seen`` inventory closes it, when given.
    ``billed``: the rows the compacted state billed there, when it was rebuilt (the
    ``rows`` are then the rebuilt state's, and the parts their difference, per meter and
    description: `_rater_late_reordered.parts()`). Only
    a listing re-describes: a resource the inventory closes (``new`` deleted, with no
    description) was metered under its old one up to its closing, which under
    ``close="last_seen"`` lies before the inventory's instant; its part is all under that.
    """
    state, new = states
    key = (state.account, state.resource)
    if billed is not None:  # rebuilt (`_rater_late_reordered`): what it bills less what was
        if until_us is not None:  # up to the closing, exactly
            ended = _reordered.redone(rater, inventory, state, until_us=until_us)
            assert ended is not None  # rebuilt without the closing, so with it
            rows, billed = ended[1], ended[2]
        return [
            _said(rater, inventory, key, meter, tidy(quantity), True, description)
            for meter, quantity, description in _reordered.parts(rows, billed)
        ]
    parts: dict[str, Decimal] = {}
    # Per meter and the description each part was metered under (a first reading from
    # zero's running stretch may span a re-description before the closing).
    described: dict[tuple[str, str], tuple[Decimal, typing.Mapping[str, typing.Any]]] = {}
    for row in _accounts.clipped(rater, rows, until_us):
        parts[row.meter] = CONTEXT.add(parts.get(row.meter, ZERO), row.quantity)
        part = (row.meter, show(dict(row.description)))
        was = described.get(part, (ZERO, row.description))[0]
        described[part] = (CONTEXT.add(was, row.quantity), row.description)
    out: list[Anomaly] = []
    if new.status != "deleted" and state.description != new.description:
        old = _metered_after(rater, state, inventory.at_us, until_us)
        for meter in sorted(set(old) | set(parts)):
            taken = CONTEXT.minus(old.get(meter, ZERO))
            added = CONTEXT.subtract(parts.get(meter, ZERO), taken)
            for quantity, description in ((taken, state.description), (added, new.description)):
                if quantity:
                    out.append(
                        _said(rater, inventory, key, meter, tidy(quantity), True, description)
                    )
        return out
    return [
        _said(rater, inventory, key, meter, tidy(quantity), True, description)
        for (meter, _), (quantity, description) in sorted(described.items())
        if quantity
    ]


def _metered_after(
    rater: Rater, state: ResourceState, at_us: int, until_us: int | None
) -> dict[str, Decimal]:
    """What ``state`` metered, per meter, from ``at_us`` to the kept cycles (or ``until_us``).

    A STOP at that instant takes it all back: its late rows, negated.
    """
    base = rater._base_us
    probe = Event(state.account, state.resource, format_us(at_us), kind="stop")
    usage = rater._engine.meter([probe], base, base + 1, [state])
    parts: dict[str, Decimal] = {}
    for row in _accounts.clipped(rater, usage.late, until_us):
        parts[row.meter] = CONTEXT.subtract(parts.get(row.meter, ZERO), row.quantity)
    return parts


def _known_from(
    rater: Rater,
    inventory: Inventory,
    applied: dict[Key, ResourceState],
    late: dict[Key, list[UsageRow]],
) -> list[Anomaly]:
    """Note each account whose usage ``inventory`` begins before the kept cycles.

    Batch rate() covers an account from its first usage row (an inventory has no account
    of its own): one that the inventory gives usage before the kept cycles, earlier than
    it was known from, owes its fees, bases and minimums from the kept cycles on (the
    closed one's corrected late), and what it owed in the compacted ones is said. Must
    run before the states are restated (`dues_too_late()` reads them). An account
    known from such listings alone is not made known from them: a kept ``last_seen``
    inventory (fed before or after) may close the resource back where it was listed,
    leaving it no usage, and batch rate() no fee. It is covered by its usage in the
    kept cycles as metered with every kept record (`_rater_coverage.coverage()`, it is
    left uncovered by its state), unless a kept inventory closes it not back (`_stands()`:
    it may close it at the kept cycles' start, before any such usage); usage closed back
    by the inventories kept now is no usage and says no dues. O(r) for r rows.
    """
    starts: dict[str, tuple[int, str]] = {}
    settled: set[str] = set()
    for key, state in applied.items():
        for row in late.get(key, ()):
            start = row.span.start_us
            if row.quantity <= 0:
                continue
            stands = _stands(rater, state, start)
            if stands is not False and start < starts.get(key[0], (start + 1, ""))[0]:
                starts[key[0]] = (start, key[1])
            if stands:
                settled.add(key[0])
    first = rater._first
    owing: list[Anomaly] = []
    for account, (t_us, resource) in sorted(starts.items()):
        earliest = first.get(account)
        if earliest is not None and earliest <= t_us:
            continue
        owing += _accounts.dues_too_late(rater, inventory, t_us, earliest, (account, resource))
        if account in settled:  # a kept inventory closes it not back: known from there
            first[account] = t_us
        rater._dirty.add((account, None))
        rater._closed_charges = None
    base = rater._base_us
    known = {state.account for state in rater._state} - rater._uncovered
    for account in {key[0] for key in applied}:
        if first.get(account, base) >= base and account not in known:
            # Covered by its usage in the kept cycles alone, as metered with every
            # kept record (`_rater_coverage.coverage()`), not by its state: a kept
            # last_seen inventory may close the resource back where it was listed.
            rater._uncovered.add(account)
    return owing


def _stands(rater: Rater, state: ResourceState, start_us: int) -> bool | None:
    """Whether usage of ``state``'s resource from ``start_us`` outlives the kept inventories.

    A kept ``last_seen`` inventory that closes the resource (`_closings.closer()`) at its
    last sign of life up to ``start_us`` (the instant it was listed here, say) leaves it
    no usage there (False): batch rate() covers its account from no usage of it. True
    when a kept inventory closes it later (at the kept cycles' start, say: no usage in
    them covers the account). None when none closes it yet: one fed later is judged at
    the statement, where the account is covered by its rows, the resource running at the
    kept cycles' start (`_rater_coverage.coverage()`). O(i + k).
    """
    closing = _closings.closer(rater._inventories, state)
    if closing is None:
        return None
    if closing.close != "last_seen":
        return True
    key = (state.account, state.resource)
    kept = rater._by_key.get(key, ())
    close_us = _closings.closing_us(state, kept, closing.at_us, rater._base_us)
    return close_us is None or close_us > start_us


def _said(  # noqa: PLR0917 - private plumbing of plain values
    rater: Rater,
    inventory: Inventory,
    key: Key | None,
    meter: str | None,
    quantity: Decimal | None,
    changed: bool,
    description: typing.Mapping[str, typing.Any],
) -> Anomaly:
    """The ``"too_late"`` anomaly of a reconciled inventory: one resource's part of ``meter``.

    ``description`` is the one the part is metered under (priced by). Without a meter:
    the inventory changes nothing metered before the kept cycles.
    """
    base = rater._base_us
    what = _what(inventory)
    if key is not None and meter is not None:
        unit = rater._engine.unit(meter)
        before = (
            f"what it changes of {meter!r} of {key[1]!r} of {key[0]!r} before "
            f"{format_us(base)}, {quantity} {unit} under description "
            f"{show(dict(description))}, belonged to cycles already compacted: not applied"
        )
    else:
        before = f"it changes nothing metered before {format_us(base)}"
    after = (
        "its effect from then on is applied, as batch rating applies it"
        if changed
        else "it changes nothing from then on either (it may be a replay of an inventory "
        "applied before and forgotten with its compacted cycle)"
    )
    return _anomaly(
        "too_late",
        f"{what} at {format_us(inventory.at_us)} is older than every cycle the rater keeps "
        f"(from {format_us(base)}): it is reconciled with the compacted state, as metering "
        f"every record at once reconciles it; {before}, and {after}.",
        () if inventory.id is None else (inventory.id,),
        None if key is None else key[0],
        None if key is None else key[1],
        inventory.at_us,
        meter=meter,
        quantity=quantity,
    )


def _unplaced(
    inventory: Inventory,
    base: int,
    key: Key,
    settled: int,
    *,
    opens: bool = False,
    ahead: Event | None = None,
) -> Anomaly:
    """The ``"too_late"`` anomaly of a resource the inventory cannot be reconciled with.

    Its compacted state has a sign of life at or after the inventory (``settled``): it
    keeps where the resource stands after it, not what came before, so whether the
    resource existed at the inventory's instant is not known. Or (``opens``) the
    inventory would open it, and an inventory compacted since (the last at ``settled``)
    may have covered it without listing it, closing it again: the states keep what each
    inventory listed, not its scope. Or a kept event (``ahead``, stamped at ``settled``)
    is ordered by its ``seq`` before the compacted events of the resource: batch applies
    it before them and the inventory after it, and the state, once the inventory settled
    its history, could apply it only after the inventory. It is left as it stands.
    """
    account, resource = key
    if ahead is not None:
        event = "an event" if ahead.id is None else f"event {ahead.id!r}"
        why = (
            f"{resource!r} of {account!r} has {event} ({ahead.kind}, seq {ahead.seq}, "
            f"stamped {format_us(settled)}) kept in the rater that its seq orders before "
            "the events of the compacted cycles: batch rate() applies that event first, "
            "and this inventory to what it makes of them, where the compacted state, once "
            "reconciled, could apply the event only after the inventory: it"
        )
    elif opens:
        why = (
            f"would open {resource!r} of {account!r}, which an inventory compacted since (the "
            f"last at {format_us(settled)}) may have covered and closed: the compacted state "
            "does not keep what each inventory covered, so it"
        )
    else:
        why = (
            f"not after the last sign of life of {resource!r} of {account!r} that the "
            f"compacted state keeps (at {format_us(settled)}), which it keeps without what "
            "came before: it"
        )
    return _anomaly(
        "too_late",
        f"{_what(inventory)} at {format_us(inventory.at_us)} is older than every cycle the "
        f"rater keeps (from {format_us(base)}) and {why} cannot be reconciled with it, and is "
        f"not applied to {resource!r} (what it would change there is not known here). It may "
        "be a replay of an inventory applied before and forgotten with its compacted cycle.",
        () if inventory.id is None else (inventory.id,),
        account,
        resource,
        inventory.at_us,
    )


def _left(
    rater: Rater, inventory: Inventory, key: Key, state: ResourceState, new: ResourceState
) -> tuple[bool, Anomaly | None]:
    """Whether the inventory leaves a resource as it stands, and the anomaly that says so.

    ``state`` is its compacted state, ``new`` the state the inventory would make of it. It
    is left when the state has a sign of life at or after the inventory (`_settled()`),
    when a kept event's ``seq`` orders it before the compacted events
    (`_ordered_before()`), or when the inventory would open it and one compacted since may
    have closed it (`may_have_closed()`). Said when the inventory would change it or
    covers it (batch may open it before that sign of life, or close it there): a replay
    of one the state applied changes nothing. O(k) for k kept records of the resource.
    """
    base = rater._base_us
    settled = _settled(state)
    ahead = _ordered_before(rater, key)
    if (settled is not None and settled >= inventory.at_us) or ahead is not None:
        covers = inventory.covers(key[0], key[1], state.description)
        if new == state and not (covers and not _replayed(inventory, state)):
            return True, None
        if ahead is not None and (settled is None or settled < inventory.at_us):
            return True, _unplaced(inventory, base, key, ahead.at_us, ahead=ahead)
        return True, _unplaced(inventory, base, key, typing.cast("int", settled))
    later = may_have_closed(
        state, new, inventory.at_us, functools.partial(last_covering, rater, key[0])
    )
    if later is not None:
        return True, _unplaced(inventory, base, key, later, opens=True)
    return False, None


def _ordered_before(rater: Rater, key: Key) -> Event | None:
    """A kept event of ``key`` that its ``seq`` orders before its compacted events, if any.

    Such an event (kept, metered or fed ahead of the watermark) is applied before the
    events the compacted state keeps each time the resource is metered from that state
    (`_lateness.Reach.event_reach()`). O(k) for k kept records of the resource.
    """
    compacted = rater._reach.seqs.get(key)
    if compacted is None:
        return None
    for record in rater._by_key.get(key, ()):
        if type(record) is Event and record.seq is not None and record.seq < compacted:
            return record
    return None


def _what(inventory: Inventory) -> str:
    return "inventory" if inventory.id is None else f"inventory {inventory.id!r}"
