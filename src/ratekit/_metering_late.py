"""Late records metered from a carried state: what they change before the state's clock.

The private half of [`ratekit.meter()`][ratekit.meter] that turns records belonging before
what a carried [`ResourceState`][ratekit.ResourceState] already metered into late rows, each
with a ``"late"`` anomaly (`ratekit._metering_carry` decides which records are late and
builds the timeline they change).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal

import attrs

from . import _metering_time as _time
from . import _normalize as _n
from . import _timelines as _t
from ._anomalies import placed
from ._decimals import CONTEXT, ZERO
from ._decimals import tidy as _tidy
from ._descriptions import _FrozenDict
from ._instants import format_us
from ._inventory_scope import is_listed
from ._metering_counters import kept as _metering_kept
from ._metering_late_add import late_add, late_cycles, late_increment
from ._metering_moved import first_difference, samples_left
from ._metering_reboots import restretched
from ._resource_state import MEMORY, ResourceState
from ._restated_states import _restated
from ._shown import show
from ._window import _Window
from .policies import Meter
from .records import Anomaly, Event, Inventory, Sample
from .spans import Span
from .usage import UsageRow, _new_row

if typing.TYPE_CHECKING:
    from ._metering_engine import _Engine


__all__ = [
    "Assigned",
    "late_add",
    "late_changes",
    "late_cycles",
    "late_increment",
    "late_message",
    "late_rows",
    "late_time",
    "pending_spread_again",
]

#: Where an account has a plan: ``assigned(account, lo, hi)`` gives the parts of ``[lo,
#: hi)`` that its assignments cover, ascending (all of it for an account without any).
#: A late row before a carried state's clock keeps only those parts: no one billed the
#: time outside them, nor does batch rating (its usage is ``"unpriced"``).
Assigned = Callable[[str, int, int], list[tuple[int, int]]]


def late_changes(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    account: str,
    resource: str,
    old: _t.Timeline,
    line: _t.Timeline,
    new_events: Sequence[Event],
    closing: Sequence[Inventory],
    late: Sequence[Inventory],
    floor: int | None,
    limit: int,
) -> None:
    """Record what ``line`` changes before ``limit`` against ``old`` (from ``floor`` on).

    The inventories that changed the resource count: closing ones may act before the
    clock wherever they are stamped, late ones from their instant on.
    """
    acted = line.reconciled or ()
    # A closing inventory that lists the resource changed it at its instant (a correction
    # of its description, an opening), not at a last sign of life before the clock.
    closed = [
        i
        for i in acted
        if any(i is c for c in closing) and not is_listed(i.resources, account, resource)
    ]
    touched = [i for i in acted if i.at_us < limit and any(i is x for x in late)]
    # Nothing changes before the first new event in the order applied.
    start = _changed_from(line, new_events, limit, closing=bool(closed))
    start = min([start, *(i.at_us for i in touched)])
    if floor is not None:
        start = max(start, floor)
    if closed:
        # From the resource's first piece on: but the late part begins where it differs.
        start = _differs_from(old, line, start, limit)
    if start < limit:
        # The records stamped before the clock, or else those that re-order it, in
        # the order the timeline applies them (not the order given).
        placed = {id(event): index for index, event in enumerate(line.order)}
        applied = sorted(new_events, key=lambda event: placed.get(id(event), -1))
        ids = [event.id for event in applied if event.at_us < limit]
        ids += [inventory.id for inventory in touched]
        if not ids:
            closes = max((inventory.at_us for inventory in closed), default=None)
            ids = _reordering(line, new_events, applied, placed, closes)
        ids += [inventory.id for inventory in closed]
        late_time(engine, account, resource, old, line, start, limit, ids)
        _spread_again(engine, account, resource, old, line, limit, ids)
        restretched(engine, account, resource, old, line, limit, ids)
        samples_left(engine, account, resource, old, line, start, limit, ids)


def _reordering(
    line: _t.Timeline,
    new_events: Sequence[Event],
    applied: Sequence[Event],
    placed: dict[int, int],
    closes_us: int | None = None,
) -> list[str | None]:
    """The ids of the new events that re-order the carried ones: applied before one of them.

    A new event applied after every event the state carried (a DELETE stamped after the
    clock, sequenced after them) changes nothing before the clock: it is no record of
    that change. All of them when none is applied before a carried event; but when
    inventories close the resource before the clock (the last of them stamped
    ``closes_us``), only those stamped at or before it, signs of life that may move
    where they close it: one stamped after them (an UPDATE of the resource they
    deleted) changes nothing of that closing, and is no record of it. O(n).
    """
    fresh = {id(event) for event in new_events}
    last = max((i for i, event in enumerate(line.order) if id(event) not in fresh), default=-1)
    before = [event.id for event in applied if 0 <= placed.get(id(event), -1) < last]
    if before:
        return before
    return [event.id for event in applied if closes_us is None or event.at_us <= closes_us]


def _spread_again(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    account: str,
    resource: str,
    old: _t.Timeline,
    new: _t.Timeline,
    limit: int,
    ids: list[str | None],
) -> None:
    """Spread a counter's first reading again where late records move its running stretch.

    A counter that counts from zero (``Counter(from_zero=True)``) spreads its first reading
    from the start of the running stretch that holds it (`Counter.baseline`). A late
    event that moves that start (an earlier START, a STOP between the START and the
    reading) changes the spread, as metering at once spreads it: the first increment as
    the earlier call metered it is taken back, under the descriptions it had, and given
    anew, under the new ones (late rows before ``limit``). Only a state that keeps the
    counter's readings from its first knows that reading; one stamped after ``limit`` is
    the next span's (its spread is the pending part's). O(m log p) for m such meters.
    """
    state = engine.state.get((account, resource))
    for name, baseline, first in _first_readings(engine, state):
        if first.at_us > limit:
            continue
        was, now = old.running_since(first.at_us), new.running_since(first.at_us)
        if was == now:
            continue
        zeros = [
            (sign, line, baseline(first, since))
            for sign, line, since in ((-1, old, was), (1, new, now))
        ]
        if all(zero is None for _, _, zero in zeros):
            # Its first reading counts from no stretch (a plain counter's is its
            # baseline): the move changes nothing of it, and names none of its records.
            continue
        engine.late_ids.setdefault((account, resource, name), []).extend(ids)
        for sign, line, zero in zeros:
            if zero is None:
                continue
            t0, t1 = zero.at_us, first.at_us
            amount = first.value if sign > 0 else CONTEXT.minus(first.value)
            late_increment(engine, account, resource, name, line, (t0, t1, amount, ()), limit)


def _first_readings(
    engine: _Engine, state: ResourceState | None
) -> Iterator[tuple[str, typing.Callable[[Sample, int | None], Sample | None], Sample]]:
    """Per counter meter that counts from zero, its first reading the state keeps. O(r).

    Only a state that keeps a counter's readings from its first knows it: the meter's
    name, its `Counter.baseline`, and that reading.
    """
    if state is None or not state._complete:
        return
    for name in state._complete:
        item = engine.meters.get(name)
        baseline = None if item is None else getattr(item.policy, "baseline", None)
        if item is None or baseline is None:
            continue
        first = next(iter(_metering_kept(state, state.account, state.resource, name)), None)
        if first is not None:
            yield name, baseline, first


def pending_spread_again(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    account: str,
    resource: str,
    old: _t.Timeline,
    new: _t.Timeline,
    limit: int,
    ids: Sequence[str | None],
) -> None:
    """Spread a pending first reading of a counter again where new records move its stretch.

    A ``Counter(from_zero=True)`` first reading stamped after the state's clock
    (``limit``) and known to the earlier call (metered as of a later instant) was spread
    from the start of its running stretch then: the part before ``limit`` billed, the
    rest carried as pending (`ResourceState.pending`). A record of this call that moves
    that start (a late earlier START, a STOP before the reading; or a STOP and a START
    between the clock and the reading, not late themselves) spreads it anew, as metering
    at once spreads it: the part before ``limit`` as the earlier call billed it is taken
    back under ``old``'s descriptions and given anew under ``new``'s (late rows), and the
    pending amount is carried from the new start (the carried state's entry is replaced,
    for this call to bill its share). O(m + p) for m such meters and p pending amounts.
    """
    state = engine.state.get((account, resource))
    if state is None or not state.pending:
        return
    entries = list(state.pending)
    for name, baseline, first in _first_readings(engine, state):
        if first.at_us <= limit:
            continue  # spread again with the late rows (_spread_again), if at all
        zero = baseline(first, new.running_since(first.at_us))
        if zero is None:
            continue
        t0, t1, amount = zero.at_us, first.at_us, first.value
        for index, (meter, was_t0, was_t1, was_amount, was_ids) in enumerate(entries):
            if (meter, was_t1, was_amount) != (name, t1, amount) or was_t0 == t0:
                continue
            if was_t0 < limit or t0 < limit:
                engine.late_ids.setdefault((account, resource, name), []).extend(ids)
            for line, since, value in ((old, was_t0, CONTEXT.minus(amount)), (new, t0, amount)):
                if since < limit:
                    late_increment(
                        engine, account, resource, name, line, (since, t1, value, ()), limit
                    )
            entries[index] = (name, t0, t1, amount, was_ids)
            break
    if entries != list(state.pending):
        engine.state[account, resource] = _restated(state, _pending=tuple(entries))


def _differs_from(old: _t.Timeline, new: _t.Timeline, start: int, limit: int) -> int:
    """The first instant in ``[start, limit)`` where ``new`` runs otherwise than ``old``.

    ``start`` if they never differ there (nothing changes: the late records still say
    so). Status and description are what a time meter reads. O(p log p) for p pieces.
    """
    found = first_difference(old, new, start, limit, statuses=True)
    return start if found is None else found


def _changed_from(
    line: _t.Timeline, new_events: Sequence[Event], limit: int, *, closing: bool
) -> int:
    """The instant from which ``line`` may differ from what was metered (or ``limit``).

    From the first new event in the order applied on, or, when an inventory closes at the
    last sign of life (which may lie before the clock), from the line's first piece.
    """
    fresh = {id(event) for event in new_events}
    first = next((i for i, event in enumerate(line.order) if id(event) in fresh), None)
    start = limit
    if first is not None:
        start = min(event.at_us for event in line.order[first:])
    if closing:
        start = min([start, *(s for s in line.starts if s != _n.NEVER)])
    return start


def late_time(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    account: str,
    resource: str,
    old: _t.Timeline,
    new: _t.Timeline,
    start: int,
    end: int,
    ids: list[str | None],
) -> None:
    """Record what ``new`` changes over ``[start, end)`` against ``old``, per time meter.

    Per cycle *and description*: a late record that moves hours from one description to
    another within a cycle (an event ordered by its ``seq`` before one that described
    the resource anew) changes what they are priced under, though not their number.
    """
    window, spans = engine.window, engine.spans
    engine.window = _Window(start, end, engine.cycle, Span.from_us(start, end))
    try:
        points = engine.window.points(start, end)
        parts = None if engine.assigned is None else engine.assigned(account, start, end)
        if parts is not None and parts != [(start, end)]:
            # Cut where the account's plan starts or ends: a row lies wholly in or out.
            edges = {t for part in parts for t in part if start < t < end}
            points = sorted(edges.union(points))
        else:
            parts = None
        for name, item in sorted(engine.meters.items()):
            if item._factor is None:
                continue
            engine.late_ids.setdefault((account, resource, name), []).extend(ids)
            pieces: dict[tuple[int, int, typing.Any], list[tuple[int, int, int]]] = {}
            totals: dict[tuple[int, int, typing.Any], Decimal] = {}
            for sign, line in ((-1, old), (1, new)):
                engine.spans = {}
                (found,) = _time.time_rows(engine, account, resource, [(name, item, points)], line)
                for row in found:
                    if parts is not None and not _within(parts, row.span.start_us):
                        continue  # where the account has no plan: billed by no one
                    key = (row.cycle.start_us, row.cycle.end_us, row.description)
                    change = row.quantity if sign > 0 else CONTEXT.minus(row.quantity)
                    totals[key] = CONTEXT.add(totals.get(key, ZERO), change)
                    span = row.span
                    pieces.setdefault(key, []).append((span.start_us, span.end_us, sign))
            for (c0, c1, description), quantity in totals.items():
                stretches = _stretches(item, description, pieces[c0, c1, description])
                summed = ZERO
                for _, _, part in stretches or ():
                    summed = CONTEXT.add(summed, part)
                if stretches is None or summed != quantity:  # as one row, as it stands
                    late_add(
                        engine,
                        account,
                        resource,
                        name,
                        c0,
                        c1,
                        max(start, c0),
                        quantity,
                        description,
                    )
                    continue
                for a, b, part in stretches:
                    late_add(engine, account, resource, name, c0, c1, a, part, description, (a, b))
    finally:
        engine.window, engine.spans = window, spans


def _stretches(
    item: Meter, description: typing.Any, pieces: list[tuple[int, int, int]]
) -> list[tuple[int, int, Decimal]] | None:
    """The late change of a time meter under one description, as stretches of one sign.

    ``pieces``: the rows metered before (sign -1) and now (+1), ``(start, end, sign)``,
    each set disjoint. Where only one of them runs, the change is that stretch's
    ``F(b) - F(a)`` with its sign: the row of one level over its span, whose exact time
    rating recovers. Their sum is the rows' sum (F telescopes at the instants where
    both or none run). None when the policy gives the description no level. O(p log p)
    for p pieces.
    """
    edges: dict[int, int] = {}
    for lo, hi, sign in pieces:
        edges[lo] = edges.get(lo, 0) + sign
        edges[hi] = edges.get(hi, 0) - sign
    runs: list[tuple[int, int, int]] = []  # (start, end, sign), contiguous ones merged
    level, since = 0, 0
    for instant in sorted(edges):
        if level and instant > since:
            if runs and runs[-1][1] == since and runs[-1][2] == level:
                runs[-1] = (runs[-1][0], instant, level)
            else:
                runs.append((since, instant, level))
        level += edges[instant]
        since = instant
    out: list[tuple[int, int, Decimal]] = []
    for lo, hi, sign in runs:
        part = _time.running(item, description, lo, hi)
        if part is None:
            return None
        if part:
            out.append((lo, hi, part if sign > 0 else CONTEXT.minus(part)))
    return out


def _within(parts: Sequence[tuple[int, int]], t_us: int) -> bool:
    """Whether ``t_us`` lies in one of ``parts`` (half-open, ascending). O(p)."""
    return any(lo <= t_us < hi for lo, hi in parts)


def late_message(row: UsageRow) -> str:
    """The ``"late"`` anomaly's words for a late row: its change, description and span. O(1).

    One wording for metering's late rows and the rater's parts of them
    (`ratekit._rater_redescribed`), so that a host reads both alike.
    """
    return (
        f"late records of {row.resource!r} of {row.account!r} change meter {row.meter!r} by "
        f"{row.quantity} {row.unit} under description {show(dict(row.description))} "
        f"over {format_us(row.span.start_us)}..{format_us(row.span.end_us)}, before "
        "what was already metered: see Usage.late."
    )


def late_anomaly(row: UsageRow, quantity: Decimal, meter: str, ids: tuple[str, ...]) -> Anomaly:
    """The rater's ``"late"`` anomaly naming ``quantity`` of ``row``'s part, for ``ids``. O(1).

    Worded as metering's late rows (`late_message`), stamped at the row's start.
    """
    return placed(
        "late",
        late_message(attrs.evolve(row, quantity=quantity)),
        ids,
        row.account,
        row.resource,
        row.span.start_us,
        meter=meter,
        quantity=quantity,
    )


def late_rows(engine: _Engine) -> tuple[UsageRow, ...]:
    """The late rows, and a ``"late"`` anomaly per row (or per resource without one).

    A row's anomaly gives its meter and quantity as values, and its description in words
    (what a price selects it by).
    """
    rows = []
    reported: set[tuple[str, str]] = set()
    metered: set[tuple[str, str, str]] = set()
    for key in sorted(
        engine.late, key=lambda key: (*key[:5], show(dict(key[5])), key[6] or (0, 0))
    ):
        account, resource, name, c0, c1, _, stretch = key
        quantity, first_us, description = engine.late[key]
        if not quantity:
            continue
        item = engine.meters[name]
        if stretch is None:
            end = min(c1, engine.through if engine.through is not None else c1)
        else:
            end = stretch[1]
        end = max(end, first_us)
        row = _new_row(
            account,
            name,
            resource,
            Span.from_us(first_us, max(end, first_us)),
            Span.from_us(c0, c1),
            _tidy(quantity),
            item.unit,
            typing.cast(_FrozenDict, description),
            [i for i in engine.late_ids.get((account, resource, name), ()) if i],
        )
        rows.append(row)
        reported.add((account, resource))
        metered.add((account, resource, name))
        engine.anomalies.add(
            first_us,
            account,
            resource,
            "late",
            late_message(row) + _forgetful(engine, account, resource),
            row.record_ids,
            meter=name,
            quantity=row.quantity,
        )
    unreported: dict[tuple[str, str], tuple[list[str], list[str], list[str | None]]] = {}
    for (account, resource, name), ids in sorted(engine.late_ids.items()):
        if (account, resource, name) in metered or not ids:
            continue
        non_additive = not engine.meters[name]._additive
        if (account, resource) in reported and not non_additive:
            continue  # the resource's late anomaly names these records already
        entry = unreported.setdefault((account, resource), ([], [], []))
        entry[0 if non_additive else 1].append(name)
        entry[2].extend(ids)
    for (account, resource), (aggregated, unchanged, ids) in unreported.items():
        known = tuple(dict.fromkeys(i for i in ids if i))
        engine.anomalies.add(
            engine.window.start,
            account,
            resource,
            "late",
            _unreported(account, resource, aggregated, unchanged)
            + _forgetful(engine, account, resource),
            known,
        )
    return tuple(rows)


def _unreported(account: str, resource: str, aggregated: list[str], unchanged: list[str]) -> str:
    """The message of a resource's late records that gave no late row, by the real reason.

    A non-additive meter (an aggregation such as ``Max``) cannot be corrected by a
    quantity; an additive one (``OnOff``, ``Discrete``, ``Sum``, ...) gave no row because
    the late records leave its quantity before the clock as it was.
    """
    head = f"late records of {resource!r} of {account!r} belong before what was already metered"
    said = []
    if aggregated:
        names = ", ".join(repr(name) for name in aggregated)
        meters = "meter" if len(aggregated) == 1 else "meters"
        said.append(
            f"non-additive {meters} {names} cannot be corrected by a quantity: they are not "
            "metered there (the aggregate of such a cycle must be computed again from all "
            "its readings, by metering the cycle at once)"
        )
    if unchanged:
        names = ", ".join(repr(name) for name in unchanged)
        meters = "meter" if len(unchanged) == 1 else "meters"
        said.append(
            f"they change no quantity of {meters} {names} there (the same before the clock "
            "with them as without)"
        )
    return f"{head}: {'; '.join(said)}."


def _forgetful(engine: _Engine, account: str, resource: str) -> str:
    """A note for a late anomaly when the state may have forgotten what is replayed."""
    state = engine.state.get((account, resource))
    if state is None or max(len(state._seen), len(state.applied)) < MEMORY:
        return ""
    return (
        f" The carried state remembers only the last {MEMORY} records of the resource: "
        "if a late record replays an older one, it is counted twice (deduplicate such "
        "replays before metering)."
    )
