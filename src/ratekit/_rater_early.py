"""A reading stamped before the kept cycles: placed in the compacted state.

Private to [`ratekit.Rater`][ratekit.Rater]. A record stamped before the oldest cycle the
rater keeps is too late for the cycles it belongs to, which were closed and compacted.
A counter reading, though, is one point of a series: metered at once, it splits the
increment it falls in, and the reading after it counts from it, perhaps in a kept
cycle. The compacted metering state keeps a counter's last readings (and whether they
start at its first, see [`ResourceState`][ratekit.ResourceState]), so such a reading is
placed among them as metering with that state places it (`fold()`): the state takes it,
the kept cycles count from it at the next statement, and what it changes before the
kept cycles (as metering counts it: the late rows with it, less those without it) is
said in a ``"too_late"`` anomaly, not applied. A reading older than the readings kept
(when they do not start at the counter's first) cannot be placed: the readings around it
are gone. It changes nothing in the kept cycles, and its anomaly says what is known of
what it changes before them (`unplaced()`).

An aggregation's reading (`aggregated()`) is placed the same way as far as the kept
cycles depend on it: the state keeps the reading in force at its clock (a gauge's level,
which a ``TimeWeightedMean`` holds on), and a too-late one after it takes its place.
"""

from __future__ import annotations

import typing
from decimal import Decimal

from . import _lateness
from . import _lateness_closings as _closings
from . import _rater_accounts as _accounts
from . import _rater_reach as _reach
from ._anomalies import placed as _anomaly
from ._decimals import CONTEXT, exact_sum, tidy
from ._delta_policies import Discrete
from ._instants import format_us
from ._metering_counters import entry_order as order
from ._metering_counters import order as _order
from ._rater_closed import before_closing
from ._resource_state import _NO_BASE, READINGS, ResourceState, _new_state
from ._restated_states import _restated
from .records import Anomaly, Inventory, Sample

if typing.TYPE_CHECKING:
    from collections.abc import Sequence

    from .rater import Rater, Record
    from .usage import Usage

__all__ = [
    "aggregated",
    "delta",
    "fold",
    "placed",
    "replayed",
    "restate_all",
    "too_late_reading",
    "unplaced",
]


def placed(rater: Rater, sample: Sample, anomalies: list[Anomaly]) -> str:
    """What the feed does with a counter reading stamped before the kept cycles.

    ``"duplicates"`` or ``"conflicting"`` when the compacted state keeps it already
    (`replayed()`); else ``"too_late"``, its anomaly added to ``anomalies``: placed in
    the compacted state (`fold()`), or, older than the readings it keeps, not placed
    (`unplaced()`). O(k log k).
    """
    state = rater._reach.states.get((sample.account, sample.resource))
    replay = replayed(state, sample)
    if replay is not None:
        return replay
    found: list[Anomaly] = []
    anomaly = fold(rater, sample, found)
    if anomaly is None:
        assert state is not None  # fold() places every reading of a counter it has not seen
        anomaly = unplaced(rater, sample, state)
    anomalies.append(anomaly)
    anomalies.extend(found)
    return "too_late"


def replayed(state: ResourceState | None, sample: Sample, *, any_seq: bool = True) -> str | None:
    """``"duplicates"`` or ``"conflicting"`` when ``state`` keeps ``sample`` already. O(k).

    A reading the state keeps by its id (the same instant, value and ``seq``: a
    duplicate, other ones: conflicting), or, without an id, one at the same instant with
    the same value and ``seq``. With ``any_seq``, a kept reading without a ``seq`` (as
    states written before it was kept hold a counter's) matches any ``seq``: it may have
    had one.
    """
    if state is None:
        return None
    record_id = sample.id
    for name, at_us, value, _, kept_id, kept_seq in state.readings:
        if name != sample.meter or kept_id != record_id:
            continue
        same = (
            at_us == sample.at_us
            and value == sample.value
            and (kept_seq == sample.seq or (any_seq and kept_seq is None))
        )
        if record_id is not None:
            return "duplicates" if same else "conflicting"
        if same:
            return "duplicates"
    return None


def fold(rater: Rater, sample: Sample, found: list[Anomaly]) -> Anomaly | None:
    """Place a counter reading stamped before the kept cycles in the compacted state.

    Returns its ``"too_late"`` anomaly: the part of usage it changes before the kept
    cycles (not applied; the kept cycles count from it at the next statement). None
    when it cannot be placed (older than the readings the state keeps, which do not
    start at the counter's first): the caller says so (`unplaced()`). Adds to ``found``
    what placing it finds before the kept cycles, as metering at once finds it there (a
    ``"counter_reset"`` at the reading, or at the one after it); the statements meter
    the kept cycles only, and find the rest. O(k log k) for the k kept records of its
    resource: metering them twice.
    """
    key = (sample.account, sample.resource)
    reach = rater._reach
    base = rater._base_us
    state = reach.states.get(key)
    name = sample.meter
    known = [] if state is None else [order(r) for r in state.readings if r[0] == name]
    if state is not None and known and name not in state._complete and _order(sample) < min(known):
        return None  # before them (in a tie too): its neighbours are not kept
    state = _compacted(rater, sample, state)
    kept: list[Record] = [r for r in rater._by_key.get(key, ()) if type(r) is not Inventory]
    if (*key, name) in reach.stretches and kept:
        # A first reading from zero: a kept inventory may end its stretch before the
        # kept readings (`_rater_reach.not_applied()`).
        kept += _reach.closers(rater, max(r.at_us for r in kept))
    part, _ = _metered(rater, state, sample, kept, found)
    # (placed as metering the reading alone from the state places it)
    _place(rater, sample, state, rater._engine.meter([sample], base, base + 1, [state]), found)
    unit = rater._engine.unit(name)
    changes = (
        f"its part before {format_us(base)}, {part} {unit}, belonged to cycles already "
        "compacted: not applied"
        if part
        else f"what it changes before {format_us(base)} adds up to nothing"
    )
    negative = "; negative: those cycles were charged that much more" if part < 0 else ""
    return too_late_reading(
        sample,
        f"is stamped before every cycle the rater keeps (from {format_us(base)}): it is "
        "placed among the readings of its counter that the compacted state keeps, as "
        f"metering them at once places it, and {changes} (the rest is applied{negative}).",
        part,
    )


def _compacted(rater: Rater, sample: Sample, state: ResourceState | None) -> ResourceState:
    """``state``, or a new one of ``sample``'s resource at the kept cycles' start. O(1)."""
    if state is not None:
        return state
    return _new_state(
        sample.account, sample.resource, "unknown", {}, None, None, None, None, (),
        rater._base_us, (), _NO_BASE,
    )  # fmt: skip


def _metered(
    rater: Rater,
    state: ResourceState,
    sample: Sample,
    kept: Sequence[Record],
    found: list[Anomaly],
) -> tuple[Decimal, Usage]:
    """What ``sample`` changes of its meter before the kept cycles, and the usage with it.

    ``kept`` (its resource's kept records) metered from ``state`` with it and without:
    its part is the late rows' difference, as metering counts it; adds to ``found`` the
    anomalies it alone makes before the kept cycles. The usage with it carries the state
    it leaves. O(k log k) for the k records ``kept``: metering them twice.
    """
    engine, base, name = rater._engine, rater._base_us, sample.meter
    end = max([base, *(r.at_us for r in kept)]) + 1
    without = engine.meter(kept, base, end, [state])
    with_it = engine.meter([sample, *kept], base, end, [state])
    before = {(a.kind, a.message) for a in without.anomalies}
    found.extend(
        a
        for a in with_it.anomalies
        if a.kind != "late"
        and a.at_us is not None
        and a.at_us < base
        and (a.kind, a.message) not in before
    )
    part = tidy(
        CONTEXT.subtract(
            exact_sum(r.quantity for r in with_it.late if r.meter == name),
            exact_sum(r.quantity for r in without.late if r.meter == name),
        )
    )
    return part, with_it


def _place(
    rater: Rater,
    sample: Sample,
    state: ResourceState,
    usage: Usage,
    found: list[Anomaly],
    *,
    sign_only: bool = False,
) -> None:
    """Put in the compacted state the readings ``usage`` (of the reading alone) leaves.

    A reading is a sign of life: placed, it may be a running resource's last one before
    the kept cycles, and move where a kept ``last_seen`` inventory closes it there
    (`_rater_accounts.placed_closing()`): batch then bills the hours between otherwise,
    in cycles already compacted. Their ``"too_late"`` anomalies (one per meter, as for
    an event placed there: `_lateness_closings.moved()`) go to ``found``. With
    ``sign_only`` (a delta's, whose quantity lies whole in the compacted cycles), the
    reading counts in no kept cycle: unless it moves a closing, the account's lines move
    on with time alone (increments), not as a record changed them. O(s + i + k).
    """
    key = (sample.account, sample.resource)
    folded = next(s for s in usage.state if (s.account, s.resource) == key)
    same = folded.readings == state.readings and folded._complete == state._complete
    # (a reading kept after a compacted closing is no sign of life before it)
    compacted = _closings.compacted_closing(state, sample.at_us)
    if same and key in rater._reach.states and compacted is None:
        return  # (older than the reading kept: nothing moves)
    new = _restated(state, readings=folded.readings, _complete=folded._complete)
    if compacted is not None:
        new = _reclosed(rater, sample, new, compacted, found)
    closing = _accounts.placed_closing(rater, state, new)
    moved = closing is not None and state.status == "running" and closing[1] != closing[2]
    if moved:
        assert closing is not None
        inventory, old_us, new_us = closing
        found += _closings.moved(
            [sample], inventory, state, (old_us, new_us), rater._base_us,
            meters=rater._engine.meters, segments=rater._engine.segments,
        )  # fmt: skip
    _restate(rater, key, new, touched=not sign_only or moved or compacted is not None)


def _reclosed(
    rater: Rater,
    sample: Sample,
    new: ResourceState,
    compacted: tuple[str | None, int, int],
    found: list[Anomaly],
) -> ResourceState:
    """``new`` closed at ``sample``, which moves a compacted ``last_seen`` closing to it.

    ``compacted``: the closing inventory's id and instant, and the old closing
    (`_lateness_closings.compacted_closing()`). The sample is the resource's new last
    sign of life before that inventory: batch rate() closes the resource at it, and bills
    the hours from the old closing to it, in cycles already compacted. They are not
    applied; a ``"too_late"`` anomaly per time meter names them (positive: they stay
    unbilled), and the state is deleted since the sample, so that they are said once (a
    snapshot keeps it) and a later sign of life moves the closing on from there. Nor is
    the sample read after the resource was deleted: metering's ``"after_delete"`` of it,
    judged against the old closing, is dropped from ``found``. O(m + f).
    """
    inventory_id, inventory_us, old_us = compacted
    found[:] = [
        a
        for a in found
        if not (a.kind == "after_delete" and a.at_us is not None and a.at_us <= sample.at_us)
    ]
    piece = before_closing(new)
    if piece is None:
        found.append(_unknown_piece(sample, inventory_id, inventory_us, old_us, rater._base_us))
    elif piece.status == "running":  # stopped time is metered by no meter: nothing moves
        ran = _restated(new, status="running", description=piece.description)
        found += _closings.moved(
            [sample], (inventory_id, inventory_us), ran, (old_us, sample.at_us),
            rater._base_us, meters=rater._engine.meters, segments=rater._engine.segments,
        )  # fmt: skip
    return _restated(new, since_us=sample.at_us)


def _unknown_piece(
    sample: Sample, inventory_id: str | None, inventory_us: int, old_us: int, base_us: int
) -> Anomaly:
    """The ``"too_late"`` anomaly of a moved compacted closing whose state keeps no piece.

    A state written before compaction kept the piece before a ``last_seen`` closing (a
    snapshot of an earlier version, a resource such an inventory closed when it was fed
    too late): whether the resource ran up to the closing, and under which description,
    is not known. No quantity. O(1).
    """
    what = "sample" if sample.id is None else f"sample {sample.id!r}"
    inv = "inventory" if inventory_id is None else f"inventory {inventory_id!r}"
    return _anomaly(
        "too_late",
        f"{what} of {sample.resource!r} of {sample.account!r} moves where {inv} at "
        f"{format_us(inventory_us)} (close='last_seen') closes it (its last sign of life) "
        f"from {format_us(old_us)} to {format_us(sample.at_us)}, before the start of the "
        f"cycles the rater keeps ({format_us(base_us)}): batch rate() bills the resource's "
        "running time between, if it ran, in cycles already compacted; the compacted "
        "state no longer keeps whether it did, nor its description, so that part is not "
        "known here, and is not applied.",
        () if sample.id is None else (sample.id,),
        sample.account,
        sample.resource,
        sample.at_us,
    )


def too_late_reading(sample: Sample, words: str, part: Decimal | None) -> Anomaly:
    """The ``"too_late"`` anomaly of a reading: its label and ``words``, ``part`` its quantity."""
    return _anomaly(
        "too_late",
        f"{_lateness.reading(sample, sample.at_us)} {words}",
        () if sample.id is None else (sample.id,),
        sample.account,
        sample.resource,
        sample.at_us,
        meter=sample.meter,
        quantity=part,
    )


def aggregated(rater: Rater, sample: Sample, anomalies: list[Anomaly]) -> str:
    """What the feed does with a reading of an aggregation stamped before the kept cycles.

    An aggregation (``TimeWeightedMean``, ``Max``, ...) is given, at each piece, the
    reading in force before it: the compacted state keeps the last one per meter (a
    gauge's level, which a mean holds on). The reading is metered alone from that state,
    as the statements will meter the kept cycles from it: when it comes after the one
    the state keeps, in metering order, it takes that one's place (`_restate()`), and
    the kept cycles are metered again from it, as metering every reading at once has
    them; one before it changes nothing kept. Either way its part before the kept
    cycles is too late, not applied, and said in a ``"too_late"`` anomaly: as a
    quantity for an additive aggregation (``Count``: what metering's late rows count),
    with none for the others, since a cycle's peak or mean cannot be corrected by a
    quantity (the cycle would have to be metered again from all its readings, which are
    compacted). What metering finds of it there (an ``"after_delete"``) follows.

    ``"duplicates"`` or ``"conflicting"`` when the state keeps it already (its ``seq``
    too: a reading of an aggregation is kept with it). O(1): metering one reading twice.
    """
    key = (sample.account, sample.resource)
    base = rater._base_us
    state = rater._reach.states.get(key)
    replay = replayed(state, sample, any_seq=False)
    if replay is not None:
        return replay
    name = sample.meter
    state = _compacted(rater, sample, state)
    engine = rater._engine
    found: list[Anomaly] = []
    # (the kept records all lie after it: none changes what it does before them)
    metered, with_it = _metered(rater, state, sample, [], found)
    part = None if name in engine.peaks else metered
    folded = next(s for s in with_it.state if (s.account, s.resource) == key)
    mine = [r for r in folded.readings if r[0] == name]
    if any(r[1:] == (sample.at_us, sample.value, sample.kind, sample.id, sample.seq) for r in mine):
        _place(rater, sample, state, with_it, found)
        held = (
            "it comes after the reading of its meter that the compacted state keeps, and "
            f"takes its place as the reading in force at {format_us(base)}, as metering "
            "every reading at once has it: the kept cycles are metered again from it (a "
            "TimeWeightedMean holds it on as the level until the next reading)"
        )
    else:
        if _closings.compacted_closing(state, sample.at_us) is not None:
            _place(rater, sample, state, with_it, found)  # a sign of life all the same
        latest = max(mine, key=order, default=None)
        later = "" if latest is None else f" ({latest[2]} at {format_us(latest[1])})"
        held = (
            f"a later reading of its meter{later} is the one in force there, so it changes "
            "nothing in the kept cycles"
        )
    unit = engine.unit(name)
    if part is None:
        changes = (
            "its part in the cycles already compacted is not applied, and is no quantity: "
            f"meter {name!r} aggregates each cycle's readings (a peak, a mean), which "
            "cannot be corrected by a quantity"
        )
    elif part:
        changes = f"its part before {format_us(base)}, {part} {unit}, is not applied"
    else:
        changes = f"what it changes before {format_us(base)} adds up to nothing"
    anomalies.append(
        too_late_reading(
            sample,
            f"is stamped before every cycle the rater keeps (from {format_us(base)}): "
            f"{held}; {changes}. It may be a replay of a record applied before and "
            "forgotten with its compacted cycle (then it was counted then): the rater "
            "cannot tell the two apart.",
            part,
        )
    )
    anomalies.extend(found)
    return "too_late"


def delta(
    rater: Rater, sample: Sample, anomalies: list[Anomaly], said: Anomaly | None = None
) -> str:
    """What the feed does with a delta stamped before the kept cycles: too late whole.

    Its quantity lies in the compacted cycles: not applied, its ``"too_late"`` anomaly
    (``said``, else `_lateness.too_late()`'s) says so. A delta over a span is read at
    its instant, as metering reads it. It is a sign of life of its resource all the same:
    where the compacted state keeps the resource, the delta is placed among the readings
    it keeps (the last per meter, as metering keeps a delta's), so that a kept
    ``last_seen`` inventory closes the resource at it when it is the last, as batch does,
    and what that moves is named now (`_place()`). O(1), plus that inventory's judging.
    """
    if said is None:
        unit = rater._engine.unit(sample.meter)
        said = _lateness.too_late(sample, rater._base_us, unit, counted(rater, sample))
    anomalies.append(said)
    state = rater._reach.states.get((sample.account, sample.resource))
    if state is not None and replayed(state, sample, any_seq=False) is None:
        found: list[Anomaly] = []
        _, usage = _metered(rater, state, sample, [], [])
        _place(rater, sample, state, usage, found, sign_only=True)
        anomalies.extend(a for a in found if a.kind == "too_late")
    return "too_late"


def counted(rater: Rater, sample: Sample) -> Decimal | None:
    """The quantity metering counts of a too-late sample of a meter that sums deltas.

    `Discrete`: its value. A policy of one's own: what its increments for the sample
    alone add up to, metered over the sample's span (a delta is an amount used on its
    own: 90 seconds that a policy bills per started minute are 2 minutes), checked as
    metering checks them; for a reading of another kind (a gauge's level), None: what
    the policy makes of it depends on the readings around it, which the compacted
    cycles no longer keep. Its meter's unit, as every delta policy's amounts are. O(1),
    plus metering one sample.
    """
    meter = next(m for m in rater._engine.meters if m.name == sample.meter)
    if type(meter.policy) is Discrete:
        return sample.value
    if sample.kind != "delta":
        return None
    since = sample.since_us
    start_us = sample.at_us if since is None else min(since, sample.at_us)
    name = sample.meter
    usage = rater._engine.meter([sample], start_us, sample.at_us + 1, (), frozenset({name}))
    return exact_sum(r.quantity for r in usage.rows if r.meter == name)


def unplaced(rater: Rater, sample: Sample, state: ResourceState) -> Anomaly:
    """The ``"too_late"`` anomaly of a reading older than those the compacted state keeps.

    The state keeps a counter's last `READINGS` readings, and they do not start at its
    first one: the two readings around ``sample`` (the one its increment counts from, the
    one that counts from it) are among those it no longer keeps, and only they say what
    it changes. What is known: nothing in the kept cycles (their readings count from the
    oldest kept one, or later ones); in the compacted cycles, nothing in total when it
    reads between those two (it only moves usage among the cycles between them, as a
    reading of a counter that only rises does); else it, or the reading after it, is a
    counter reset, by an amount those readings decide. It is not applied. O(k).
    """
    name = sample.meter
    kept = sorted((entry for entry in state.readings if entry[0] == name), key=order)
    oldest = kept[0]
    unit = rater._engine.unit(name)
    what = "sample" if sample.id is None else f"sample {sample.id!r}"
    return _anomaly(
        "too_late",
        f"{what} ({name}, {sample.value} at {format_us(sample.at_us)}) is stamped before "
        f"every cycle the rater keeps (from {format_us(rater._base_us)}) and before the "
        "readings of its counter that the compacted state keeps (the oldest "
        f"{oldest[2]} at {format_us(oldest[1])}; it keeps the last {READINGS}, not known to "
        "start at the counter's first): the readings around it are no longer kept, so it "
        f"cannot be placed, and is not applied. Its part in the kept cycles is 0 {unit} "
        "(their readings count from later ones); in the cycles already compacted it "
        "changes nothing in total if it reads between the reading before it and the one "
        "after it (it then only moves usage among those cycles, as a reading of a counter "
        "that only rises does), else an amount those readings decide, not known here (it "
        "is then a counter reset, or makes the reading after it one, or is the counter's "
        "first reading, which the one after it counts from).",
        () if sample.id is None else (sample.id,),
        sample.account,
        sample.resource,
        sample.at_us,
    )


def _restate(
    rater: Rater, key: tuple[str, str], state: ResourceState, *, touched: bool = True
) -> None:
    """Put ``state`` in the rater's compacted state, its index, and meter it again. O(s).

    ``touched``: the account's lines may have changed through it (corrected, not
    incremented, at the next statement: `_rater_lines`).
    """
    reach = rater._reach
    had = key in reach.states
    reach.states[key] = state
    if state.seq is None:  # the index of the compacted seqs, as a restore builds it
        reach.seqs.pop(key, None)
    else:
        reach.seqs[key] = state.seq
    rater._state = (
        tuple(state if (s.account, s.resource) == key else s for s in rater._state)
        if had
        else (*rater._state, state)
    )
    for name, at_us, _, kind, record_id, _ in state.readings:
        if kind == "counter":  # in time order: the last one stands
            triple = (*key, name)
            reach.baselines[triple] = (at_us, record_id)
            reach.stretches.discard(triple)
    if reach.zero:  # a placed event may move where a first reading from zero counts from
        reach.stretch(state)
    _held(rater, key, state)
    rater._dirty.add(key)
    if touched:
        rater._dirty.add((key[0], None))
    if rater._redo is not None:
        rater._redo.add(key)


def _held(rater: Rater, key: tuple[str, str], state: ResourceState) -> None:
    """Meter ``key`` again at every statement when ``state`` holds an aggregation's reading.

    Its level counts in every kept cycle after it, with no kept record nor running time
    to carry it (a ``TimeWeightedMean`` holds it on), as a restore's `regroup()` finds
    it; not for an aggregation the book takes on (`ratekit._rater_aggregations`). O(r)
    for the r readings of the state.
    """
    levels = rater._engine.levels - rater._engine.continued
    if any(reading[0] in levels for reading in state.readings):
        rater._sticky.add(key)


def restate_all(rater: Rater, states: dict[tuple[str, str], ResourceState]) -> None:
    """Put ``states`` in the rater's compacted state, index it again, meter them again.

    O(s + m) for the s states and m kept records (the counter index is built anew: a
    resource opened or closed moves where a counter's running stretch starts).
    """
    if not states:
        return
    kept = rater._state
    known = {(s.account, s.resource) for s in kept}
    rater._state = (
        *(states.get((s.account, s.resource), s) for s in kept),
        *(state for key, state in states.items() if key not in known),
    )
    rater._index()
    for key, state in states.items():
        _held(rater, key, state)
        rater._dirty.add(key)
        rater._dirty.add((key[0], None))
        if rater._redo is not None:
            rater._redo.add(key)
