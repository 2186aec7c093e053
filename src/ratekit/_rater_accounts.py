"""The rater's lateness and accounting: what reached a closed cycle, what had no effect.

Functions of a [`Rater`][ratekit.Rater]'s state, kept apart from the engine's steps:
the too-late part of ``last_seen`` closings, the on-time records whose quantity spills
into a closed cycle, and, when cycles close, the ids of the records that no charge, line
or anomaly given names (``Statement.no_effect``). From when each account is covered
(its fees, bases and minimums) is `_rater_coverage`'s.
"""

from __future__ import annotations

import itertools
import operator
import typing
from collections.abc import Collection, Iterable, Iterator, Mapping
from decimal import Decimal

import attrs

from . import _lateness
from . import _lateness_closings as _closings
from . import _rater_book as _ledger
from . import _rater_redescribed as _redescribed
from . import _rater_store as _store
from ._anomalies import placed
from ._decimals import CONTEXT, ZERO
from ._instants import format_us
from ._normalize import RUNNING, label
from ._rater_assigned import Segments, pieces, running_within
from ._rater_stretch import timeline
from ._timelines import Timeline
from .policies import Meter
from .pricebook import Plan
from .records import Anomaly, Inventory, Sample
from .statements import StatementLine
from .usage import ResourceState, UsageRow

if typing.TYPE_CHECKING:
    from ._rater_undo import FeedUndo
    from .rater import Rater, Record
    from .rating import Charge

_ROW: typing.Final = operator.attrgetter("row")
_RECORD_IDS: typing.Final = operator.attrgetter("record_ids")
_ID: typing.Final = operator.attrgetter("id")


def _judged_before(rater: Rater, apart: Iterable[Record]) -> list[Record]:
    """The kept inventories known by the last watermark, but ``apart``: judged before. O(i)."""
    prev = rater._as_of_us
    left_out = {id(record) for record in apart}
    return [
        other
        for other in rater._inventories
        if id(other) not in left_out and _ledger.known_by(other, prev)
    ]


def closes_back(
    rater: Rater,
    inventories: Iterable[Record],
    as_of_us: int,
    now: Iterable[Record] = (),
    fresh: Collection[Record] = (),
) -> list[Anomaly]:
    """The too-late parts of last_seen inventories' closings, before the kept cycles.

    Judged where it is metered, with the records known by ``as_of_us``: at a feed, the
    inventories known by the last watermark (``as_of_us``; a record known later that
    moves the closing says so, see `moves_closing()`); at a statement to ``as_of_us``,
    those fed ahead of the last watermark that it meters (with the cycles compacted by
    then). So each is said once. ``now``: the inventories judged with them (the feed's
    batch); the kept ones known by the last watermark but these were judged before.
    ``fresh``: the records fed (or metered) with them, which those judged before did not
    know (see `_lateness_closings.closes_back()`).
    """
    inventories = list(inventories)
    judged = _judged_before(rater, (*inventories, *now))
    out: list[Anomaly] = []
    for inventory in inventories:
        if not _ledger.known_by(inventory, as_of_us):
            continue  # fed ahead of the watermark: the statement that meters it says it
        out += _closings.closes_back(
            typing.cast("Inventory", inventory),
            rater._base_us,
            rater._state,
            rater._by_key,
            rater._inventories,
            meters=rater._engine.meters,
            known_us=as_of_us,
            judged=judged,
            fresh=fresh,
            segments=rater._engine.segments,
        )
    return out


def _clipped(
    meters: Mapping[str, Meter],
    segments: Segments | None,
    row: UsageRow,
    until_us: int,
    lines: tuple[Timeline | None, Timeline | None] | None = None,
) -> Decimal:
    """The quantity of ``row`` before ``until_us``, inside its span (see `clipped()`). O(a).

    Metering's late rows keep only the time where their account has a plan (the rater's
    engine gives it `_rater_assigned.pieces`), so the share is of that time too.
    """
    start, end = row.span.start_us, row.span.end_us
    item = meters.get(row.meter)
    account, description = row.account, row.description
    if item is not None:
        whole = running_within(item, description, (start, end), segments, account)
        if whole is not None and whole == abs(row.quantity):  # one running piece: exact
            part = running_within(item, description, (start, until_us), segments, account)
            part = ZERO if part is None else part  # none of its plan's time before it
            return part if row.quantity >= 0 else part.copy_negate()
        if lines is not None:  # the change, as the two timelines run it up to the closing
            old, new = lines
            span = (start, until_us)
            return CONTEXT.subtract(
                _running_in(item, new, row, span, segments),
                _running_in(item, old, row, span, segments),
            )
    planned = sum(hi - lo for lo, hi in pieces(segments, account, start, end))
    if not planned:
        return ZERO
    before = sum(hi - lo for lo, hi in pieces(segments, account, start, until_us))
    share = CONTEXT.divide(Decimal(before), Decimal(planned))
    return CONTEXT.multiply(row.quantity, share)


def _running_in(
    item: Meter,
    line: Timeline | None,
    row: UsageRow,
    span: tuple[int, int],
    segments: Segments | None,
) -> Decimal:
    """What time meter ``item`` measures of ``line`` running under ``row``'s description in ``span``.

    Over the parts where ``row``'s account has a plan, as metering measures each running
    piece (`running_within()`). O(p) for p pieces of ``line``.
    """
    total = ZERO
    if line is None:
        return total
    starts, description = line.starts, dict(row.description)
    for index, since in enumerate(starts):
        until = starts[index + 1] if index + 1 < len(starts) else span[1]
        lo, hi = max(since, span[0]), min(until, span[1])
        if lo >= hi or line.statuses[index] != RUNNING:
            continue
        if dict(line.descriptions[index]) != description:
            continue
        part = running_within(item, row.description, (lo, hi), segments, row.account)
        if part is not None:
            total = CONTEXT.add(total, part)
    return total


def placed_closing(
    rater: Rater, state: ResourceState, new: ResourceState
) -> tuple[Inventory, int | None, int | None] | None:
    """The kept ``last_seen`` closing that a too-late record placed in ``state`` meets.

    See `_last_seen.placed_closing()`: judged with the kept inventories and
    records known by the last watermark, but the inventories of the batch being fed
    (`closes_back()` judges those with the placed state, and one fed ahead of the
    watermark is judged by the statement that meters it) and its other records kept
    (`moves_closing()` judges the move they make with the placed state, whatever
    their order in the batch: each part is named once). O(i + k).
    """
    prev = rater._as_of_us
    batch = {id(inventory) for inventory in rater._closers}
    judged = [
        other
        for other in rater._inventories
        if id(other) not in batch and _ledger.known_by(other, prev)
    ]
    key = (state.account, state.resource)
    feeding = set() if rater._feeding is None else rater._feeding.fresh()
    kept = [
        r for r in rater._by_key.get(key, ()) if id(r) not in feeding and _ledger.known_by(r, prev)
    ]
    return _closings.placed_closing(judged, state, new, kept, rater._base_us)


def clipped(
    rater: Rater,
    rows: Iterable[UsageRow],
    until_us: int | None,
    states: tuple[ResourceState, ResourceState] | None = None,
) -> list[UsageRow]:
    """``rows`` up to ``until_us`` (all of them when None): the part before a closing.

    A row of a time meter across it is metered again up to it, as batch metering meters
    a piece that the closing ends (`_metering_time.running()`: exact, rounded as its
    rows are, where a share of the row in proportion to time may not be): where the row
    is one running piece, from the row; where it is a change of several (a START that
    moves a piece's start, which an UPDATE after it re-describes), from ``states``, the
    compacted state before and after the change, whose timelines run each piece, the
    new less the old. A row of another meter (a first reading from zero spread over
    running time), or of a time meter of several pieces without ``states``, keeps its
    share in proportion to time. The rows are metering's late rows, which keep only the
    time where their account has a plan (what falls outside was charged by neither: an
    ``"unpriced"`` anomaly of rating), and so is the part kept. O(n), or O(n p) for p
    pieces of the timelines.
    """
    if until_us is None:
        return list(rows)
    meters = {item.name: item for item in rater._engine.meters if item._factor is not None}
    segments = rater._engine.segments
    lines = None if states is None else (timeline(states[0]), timeline(states[1]))
    out = []
    for row in rows:
        start, end = row.span.start_us, row.span.end_us
        if end <= until_us:
            out.append(row)
        elif start < until_us:
            part = _clipped(meters, segments, row, until_us, lines)
            out.append(attrs.evolve(row, quantity=part))
    return out


def relisted(
    rater: Rater,
    fresh: list[Inventory],
    batch: Iterable[Record] = (),
    records: Iterable[Record] = (),
) -> tuple[list[Anomaly], list[Inventory]]:
    """The too-late parts of the moves that ``fresh`` inventories make to a last_seen closing.

    At a feed, the batch's inventories known by the last watermark; at a statement, the
    inventories it meters for the first time. The closings moved are those the kept
    inventories known by the last watermark made (but those of ``fresh`` and ``batch``:
    `closes_back()` judges the batch's with them), where the kept records known by it
    put them (but ``records``, fed or metered with them, which may have moved them
    too). See `_lateness_closings.relisted()`: the anomalies, and the inventories they
    name. O(i + s) besides.
    """
    if not fresh:
        return [], []
    prev = rater._as_of_us
    judged = _judged_before(rater, (*fresh, *batch))
    return _closings.relisted(
        fresh,
        judged,
        rater._base_us,
        rater._state,
        rater._by_key,
        meters=rater._engine.meters,
        known=(prev, {id(record) for record in records}),
        segments=rater._engine.segments,
    )


def moves_closing(
    rater: Rater, fresh: Iterable[Record], closers: list[Inventory], as_of_us: int | None = None
) -> list[Anomaly]:
    """The too-late parts of the moves that ``fresh`` records make to a last_seen closing.

    At a feed, ``fresh`` are the records it kept (those known by the last watermark
    move the closing now); at a statement to ``as_of_us``, the records it meters for
    the first time. The inventory that closes a resource (the earliest kept one that
    covers it, the first by id at its instant, as `closes_back()` judges) speaks for it,
    when known by the last watermark and not fed with them: `closes_back()` speaks for
    the others, with these records. O(i), or as `_lateness_closings.moves_closing()`.
    """
    prev = rater._as_of_us
    marks = (prev, prev if as_of_us is None else as_of_us)
    fresh = list(fresh)
    moves = _closings.moves_closing(
        fresh,
        rater._inventories,
        rater._base_us,
        rater._state,
        rater._by_key,
        meters=rater._engine.meters,
        watermarks=marks,
        judged=closers,
        segments=rater._engine.segments,
    )
    # (And what the move describes anew of a plain counter's increment there.)
    return [*moves, *_redescribed.closing_moved(rater, fresh, moves, marks[1])]


def spilling(
    rater: Rater, known: Iterable[Record]
) -> dict[tuple[str, str] | None, list[tuple[Record, str]]]:
    """Of the records ``known`` (metered by a statement), those that may reach a closed cycle.

    Nothing while no closed cycle is kept (the last one's end is the kept cycles' start):
    no line a record could change is then of a closed cycle.
    """
    closed = rater._closed_us
    behind = _behind(rater, closed)
    if closed <= rater._base_us:
        return {}
    return _lateness.spilling(
        [*(r for r in known if r.at_us >= closed), *behind],
        closed,
        rater._by_key,
        rater._reach,
    )


def _behind(rater: Rater, closed: int) -> list[Record]:
    """The counter readings and inventories fed behind the last watermark that may reach a closed cycle.

    The feed keeps them among the late keys (`_rater_feed`): stamped before the
    watermark, in an open cycle, they are not pending, yet the increment of a reading
    whose previous reading (or running stretch) lies in a closed cycle reaches that
    cycle, as does a ``last_seen`` inventory's closing at a last sign of life there, and
    the statement that meters them says so. Taken out of the late keys here, once that
    statement is reached, but those stamped at the last closed cycle's end, whose whole
    increment lies in it: judged at the next closing, as late ones are. O(l).
    """
    records = rater._records
    out: list[Record] = []
    for key in list(rater._late_keys):
        record = records.get(key)
        if record is None or record.at_us < closed:
            continue  # late: stamped in a closed cycle
        if (type(record) is Sample and record.kind == "counter") or (
            type(record) is Inventory and record.close == "last_seen"
        ):
            out.append(record)
            if record.at_us > closed:
                rater._late_keys.discard(key)
    return out


def see_late(rater: Rater, *given: Iterable[StatementLine]) -> None:
    """Remember the late records that a line given now names (their effect is shown)."""
    if not rater._late_keys:
        return
    ids = {
        record.id
        for k in rater._late_keys
        if (record := rater._records.get(k)) is not None and record.id is not None
    }
    for lines in given:
        for line in lines:
            rater._late_seen.update(ids.intersection(line.record_ids))


def no_effect(
    rater: Rater,
    closing: list[tuple[int, int]],
    charges: Iterable[Charge],
    final: Iterable[Charge],
    anomalies: Iterable[Anomaly],
) -> list[str]:
    """The ids of the records that no charge, line or anomaly given names.

    The records are those of the closing cycles and those late since the last closing
    that a statement metered (one still pending is judged at a later closing).
    A record that came in time is shown by the charges of the cycles it falls in (their
    invoices were given with it); a late one only by a line given since it came (a
    correction), the invoices given now, or an anomaly: a late record that changed no
    line (a zero delta into a closed cycle) had no effect.

    O(r + c) for r records kept and c charges, at C speed but for the records no charge
    or anomaly names: the late ones are looked up by their keys, the others judged only
    once their id is found unseen.
    """
    shown: set[str] = set()
    for anomaly in anomalies:
        shown.update(anomaly.record_ids)
    seen: set[str | None] = set(shown)
    seen.update(_ids_of(charges))
    late, rater._late_keys = rater._late_keys, set()
    shown_late = shown | rater._late_seen
    rater._late_seen = set()
    records = rater._records
    found: list[str] = []
    if late:
        shown_late.update(_ids_of(final))  # only late records are looked up in it
        # A late record stamped past the watermark (a delta over a span from a closed
        # cycle, an event its seq orders before closed ones) is not metered yet: judged
        # at the first closing after a statement meters it, not now.
        waiting = set(map(id, rater._pending))
        for identity in late:
            record = records.get(identity)
            if record is None:
                continue
            if id(record) in waiting:
                rater._late_keys.add(identity)
            elif record.id is not None and record.id not in shown_late:
                found.append(record.id)
    lo, hi = closing[0][0], closing[-1][1]
    # The records with an id that no charge or anomaly names, judged by the rule of the
    # records not late; one without an id has none to list, so it is left out with the
    # named ones (told at C speed: a closing reads every record kept, a feed's often
    # without ids; a dict's items and values come in one order).
    seen.add(None)  # (the id of a record that has none)
    named = map(seen.__contains__, map(_ID, records.values()))
    unseen = list(itertools.compress(records.items(), map(operator.not_, named)))
    for identity, record in unseen:
        if record.id is not None and identity not in late and lo <= record.at_us < hi:
            found.append(record.id)
    return sorted(found)


def _ids_of(charges: Iterable[Charge]) -> Iterator[str]:
    """The record ids the ``charges`` name, each as often as a charge does.

    Read at C speed (a row is never false; a fee's or minimum's None is left out): at a
    closing, every charge of the kept cycles is read.
    """
    rows = filter(None, map(_ROW, charges))
    return itertools.chain.from_iterable(map(_RECORD_IDS, rows))


def at_closed_end(rater: Rater, as_of_us: int) -> None:
    """Judge the records stamped at a watermark that ends the cycle just closed as late.

    Metering at ``as_of_us`` did not read them, so the closing invoices do not name them;
    a ``stop`` there (any record ending a piece there) still joins the closed cycle's
    last piece later, as batch gives it, where no invoice shows it. Such a record is
    accounted for as one fed just after the statement is (late): by a line given
    since, the invoices of its own cycle, an anomaly, or else ``no_effect``. O(p + i)
    for p records pending and i inventories kept.
    """
    late = rater._late_keys
    for record in (*rater._pending, *rater._inventories):
        if record.at_us == as_of_us and record.id is not None:
            late.add(_store.identity(record))


def too_late_in_part(
    record: Record,
    anomalies: list[Anomaly],
    outcome: dict[str, list[str | None]],
    counted: set[int],
) -> None:
    """Count a record taken as too late too when its effect reaches before the kept cycles.

    ``anomalies``: its ``"too_late"`` anomalies (none: it is on time). Its part there is
    not applied (an anomaly says how much), the rest is: it is in ``too_late`` as well as
    in ``accepted`` or ``late``, once however many anomalies name it. ``outcome``: per
    outcome, the id of each record it was (None for a record without one); ``counted``:
    the records counted so far (by `id()`).
    """
    if anomalies and id(record) not in counted:
        counted.add(id(record))
        outcome["too_late"].append(record.id)


def closings_too_late(
    rater: Rater,
    fresh: list[Record],
    outcome: dict[str, list[str | None]],
    partly: set[int],
    undo: FeedUndo,
) -> list[Anomaly]:
    """What the batch's inventories close in compacted cycles, and the closings its records move.

    Too late, in part: each is said once here (the statement that meters it knows them)
    and counted in the records' ``outcome``. O(c + n) for c inventories closing and n
    fresh records, besides the closings themselves.
    """
    closers, rater._closers = rater._closers, []
    rater._feeding = None
    lost: list[Anomaly] = []
    for closer in closers:
        closings = closes_back(rater, [closer], rater._as_of_us, closers, fresh)
        too_late_in_part(closer, closings, outcome, partly)
        lost += closings
    moved = moves_closing(rater, fresh, closers)
    moved_too_late(fresh, moved, outcome, partly)
    lost += moved
    prev = rater._as_of_us
    known = [closer for closer in closers if _ledger.known_by(closer, prev)]
    moved, movers = relisted(rater, known, closers, fresh)
    for mover in movers:
        too_late_in_part(mover, moved, outcome, partly)
    lost += moved
    undo.saying(lost)
    rater._anomalies.update(lost)
    return lost


def moved_too_late(
    fresh: Iterable[Record],
    moved: list[Anomaly],
    outcome: dict[str, list[str | None]],
    counted: set[int],
) -> None:
    """Count as too late in part the kept records that `moves_closing()` names.

    Each of its anomalies names the records just kept of one resource, which together
    move a ``last_seen`` closing from or into compacted cycles: that part of their
    effect is not applied, the rest is (`too_late_in_part()`). O(f) for f records.
    """
    if not moved:
        return
    touched = {(anomaly.account, anomaly.resource) for anomaly in moved}
    for record in fresh:
        if type(record) is not Inventory and (record.account, record.resource) in touched:
            too_late_in_part(record, moved, outcome, counted)


def dues_too_late(
    rater: Rater,
    record: Record,
    t_us: int,
    earliest: int | None,
    key: tuple[str, str] | None = None,
) -> list[Anomaly]:
    """The ``"too_late"`` anomaly of what a record makes an account owe in compacted cycles.

    Under one plan, an account owes its fees, bases and minimums from the first cycle of
    its first record (see `coverage()`), in batch rate() as here. ``record`` makes the
    account known from ``t_us`` (its instant, or a delta's ``since``), earlier than
    ``earliest`` (its first instant until then; None: a new account). When ``t_us`` lies
    before the kept cycles, what the plan has due in the compacted cycles from the one
    of ``t_us`` up to the kept cycles' start (or up to the cycle of ``earliest``, which
    was charged) was never charged and cannot be: said here, once, by the feed; the
    rater charges it from there on. ``earliest`` is when the account is covered from
    (its first record, or its first usage in a compacted cycle: `covered_from()`).
    The cycles named start no earlier than the rater's first cycle, which it rates
    whole from its start (``_start_us``), whatever instant in it the rater was started
    at: so does batch rate() over the rater's cycles. Under a minimum, the words say
    that it tops up the usage said too late there (batch charges the greater of the
    two, not both). Nothing is said when the plan owes nothing with time alone, or under
    assignments (which say when an account is covered, not its records). ``key``: the
    account and resource, for an inventory (which has no account of its own: the one
    whose usage it begins there). O(1), or O(s) for s compacted resource states when the
    record is the account's first before the kept cycles.
    """
    base = rater._base_us
    engine = rater._engine
    plan = engine.plans
    if t_us >= base or not isinstance(plan, Plan) or not engine.owes:
        return []
    # The cycles before the rater's first are charged by neither (batch rates from there).
    start = max(engine.containing(t_us)[0], rater._start_us)
    end = base if earliest is None else min(base, engine.containing(earliest)[0])
    if key is None:
        assert type(record) is not Inventory
        key = (record.account, record.resource)
    account, resource = key
    if start >= end or (
        # Known from usage alone in cycles compacted before it was kept (`covered_from()`)
        earliest is None
        and account not in rater._uncovered
        and any(state.account == account for state in rater._state)
    ):
        return []
    # A minimum tops a cycle up from the usage there, the parts said too late among it:
    # batch charges the greater of the two, not both (see docs/streaming.md).
    topped = (
        "; a minimum there tops up the lines it counts, the usage said too late among "
        "them: it is not due on top of that usage"
        if plan.minimums
        else ""
    )
    return [
        placed(
            "too_late",
            f"{label(record)} makes account {account!r} known from {format_us(t_us)}, before "
            f"the cycles the rater keeps (from {format_us(base)}): what plan {plan.id!r} has "
            f"due for it from {format_us(start)} to {format_us(end)} (its fees, bases and "
            "minimums, which batch rate() charges from the cycle of an account's first "
            f"record{topped}) is not charged; the rater charges it from {format_us(end)} on.",
            () if record.id is None else (record.id,),
            account,
            resource,
            t_us,
        )
    ]
