"""Late records metered from a carried state: what they change before the state's clock.

The private half of [`ratekit.meter()`][ratekit.meter] that turns records belonging before
what a carried [`ResourceState`][ratekit.ResourceState] already metered into late rows, each
with a ``"late"`` anomaly (`ratekit._metering_carry` decides which records are late and
builds the timeline they change).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal

from . import _metering_time as _time
from . import _normalize as _n
from . import _timelines as _t
from ._decimals import CONTEXT, ZERO
from ._decimals import tidy as _tidy
from ._descriptions import _FrozenDict
from ._instants import format_us
from ._inventory_scope import is_listed
from ._metering_counters import kept as _metering_kept
from ._resource_state import DELTAS, MEMORY, ResourceState, _restated
from ._shown import show
from ._window import _apportion, _Window
from .policies import Discrete, Increment
from .records import Event, Inventory, Sample
from .spans import Span
from .usage import UsageRow, _new_row

if typing.TYPE_CHECKING:
    from .metering import _Engine


__all__ = [
    "Assigned",
    "late_add",
    "late_changes",
    "late_cycles",
    "late_increment",
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
            ids = [event.id for event in applied]
        ids += [inventory.id for inventory in closed]
        late_time(engine, account, resource, old, line, start, limit, ids)
        _spread_again(engine, account, resource, old, line, limit, ids)
        _samples_left(engine, account, resource, old, line, start, limit, ids)


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
        engine.late_ids.setdefault((account, resource, name), []).extend(ids)
        for sign, line, since in ((-1, old, was), (1, new, now)):
            zero = baseline(first, since)
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


def _samples_left(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    account: str,
    resource: str,
    old: _t.Timeline,
    new: _t.Timeline,
    start: int,
    limit: int,
    ids: list[str | None],
) -> None:
    """Move the samples an earlier call metered under a description ``new`` changes.

    A late record that describes the resource anew over ``[start, limit)`` moves its
    hours (`late_time`); the deltas at an instant of a `Discrete` meter that the state
    keeps move too (`_moved_deltas`), as metering at once prices them. The other samples
    earlier calls metered there (a counter's increment, a gauge counted, deltas older
    than those kept) stay under the description they were metered under: per additive
    sample meter with such samples at or after the first instant the description
    differs, a ``"late"`` anomaly with the meter and no quantity says so. O(r + p) for r
    readings kept and p pieces.
    """
    state = engine.state.get((account, resource))
    if state is None or not state.readings:
        return
    moved = _first_difference(old, new, start, limit, statuses=False)
    if moved is None:
        return
    last: dict[str, int] = {}
    for meter_name, at_us, *_ in state.readings:
        item = engine.meters.get(meter_name)
        if item is not None and item._factor is None and item._additive and at_us >= moved:
            last[meter_name] = max(last.get(meter_name, at_us), at_us)
    for name, at_us in sorted(last.items()):
        item = engine.meters[name]
        if type(item.policy) is Discrete:
            oldest = _moved_deltas(engine, state, name, (old, new), limit, ids)
            if oldest is None or oldest < moved:
                continue  # every delta from ``moved`` on is kept, and moved
            said = (
                f"the deltas of meter {name!r} that earlier calls metered from "
                f"{format_us(moved)} to {format_us(oldest)} (that one included) stay under the "
                "description they were metered under, where metering at once prices them under "
                f"the new one (the state keeps the last {DELTAS} deltas, the oldest at "
                f"{format_us(oldest)}, and moves those after it)"
            )
        else:
            said = (
                f"the samples of meter {name!r} that earlier calls metered where its "
                f"description changed (the state keeps one at {format_us(at_us)}) stay under "
                "the description they were metered under, where metering at once prices them "
                "under the new one; the state keeps no samples to move them"
            )
        engine.anomalies.add(
            moved,
            account,
            resource,
            "late",
            f"late records of {resource!r} of {account!r} describe it anew from "
            f"{format_us(moved)} on, before what was already metered: {said}. Meter "
            f"{format_us(moved)}..{format_us(limit)} at once to price them anew.",
            ids,
            meter=name,
        )


def _moved_deltas(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    state: ResourceState,
    name: str,
    lines: tuple[_t.Timeline, _t.Timeline],
    limit: int,
    ids: list[str | None],
) -> int | None:
    """Move the kept deltas at an instant before ``limit`` whose description ``new`` changes.

    Each is taken back under the description at its instant of ``lines``' first (as
    metered) and given under the second's (late rows of its cycle, naming it and ``ids``,
    the late records). The state keeps every delta of the
    meter from its first while they are at most `DELTAS` and at an instant (its
    ``complete``); else the oldest it keeps is a bound: every delta ordered after it is
    kept, those before it are not. Returns that bound's instant, or ``None`` when every
    delta is kept. O(k log p) for k deltas kept.
    """
    account, resource = state.account, state.resource
    old, new = lines
    kept = _metering_kept(state, account, resource, name)
    complete = name in state._complete
    for sample in kept if complete else kept[1:]:
        at_us = sample.at_us
        if at_us >= limit:
            continue  # the next span's, billed by a later call under its description
        if old.descriptions[old.index_at(at_us)] == new.descriptions[new.index_at(at_us)]:
            continue
        record_ids = (*ids, *(() if sample.id is None else (sample.id,)))
        taken = (at_us, at_us, CONTEXT.minus(sample.value), record_ids)
        late_increment(engine, account, resource, name, old, taken, limit)
        late_increment(
            engine, account, resource, name, new, (at_us, at_us, sample.value, ()), limit
        )
    return None if complete or not kept else kept[0].at_us


def _differs_from(old: _t.Timeline, new: _t.Timeline, start: int, limit: int) -> int:
    """The first instant in ``[start, limit)`` where ``new`` runs otherwise than ``old``.

    ``start`` if they never differ there (nothing changes: the late records still say
    so). Status and description are what a time meter reads. O(p log p) for p pieces.
    """
    found = _first_difference(old, new, start, limit, statuses=True)
    return start if found is None else found


def _first_difference(
    old: _t.Timeline, new: _t.Timeline, start: int, limit: int, *, statuses: bool
) -> int | None:
    """The first instant in ``[start, limit)`` where ``new`` describes the resource otherwise.

    Its description, and with ``statuses`` its status too; ``None`` where they agree.
    O(p log p) for p pieces.
    """
    points = sorted({start, *(t for t in (*old.starts, *new.starts) if start < t < limit)})
    for t in points:
        a, b = old.index_at(t), new.index_at(t)
        if old.descriptions[a] != new.descriptions[b] or (
            statuses and old.statuses[a] != new.statuses[b]
        ):
            return t
    return None


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
            totals: dict[tuple[int, int, typing.Any], Decimal] = {}
            for sign, line in ((-1, old), (1, new)):
                engine.spans = {}
                found: list[UsageRow] = []
                _time.time_rows(engine, found, account, resource, name, item, points, line)
                for row in found:
                    if parts is not None and not _within(parts, row.span.start_us):
                        continue  # where the account has no plan: billed by no one
                    key = (row.cycle.start_us, row.cycle.end_us, row.description)
                    change = row.quantity if sign > 0 else CONTEXT.minus(row.quantity)
                    totals[key] = CONTEXT.add(totals.get(key, ZERO), change)
            for (c0, c1, description), quantity in totals.items():
                late_add(
                    engine, account, resource, name, c0, c1, max(start, c0), quantity, description
                )
    finally:
        engine.window, engine.spans = window, spans


def late_add(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    account: str,
    resource: str,
    name: str,
    c0: int,
    c1: int,
    first_us: int,
    quantity: Decimal,
    description: Mapping[str, object],
) -> None:
    """Add ``quantity`` to the late change of a meter in a cycle, under ``description``."""
    key = (account, resource, name, c0, c1, description)
    entry = engine.late.setdefault(key, [ZERO, first_us, description])
    entry[0] = CONTEXT.add(entry[0], quantity)
    entry[1] = min(entry[1], first_us)


def late_cycles(engine: _Engine, t0: int, t1: int) -> list[tuple[int, int, int, int]]:
    """``[t0, t1)`` cut at cycle boundaries: ``(a, b, cycle start, cycle end)``."""
    if engine.cycle is None:
        return [(t0, t1, t0, t1)]
    out = []
    a = t0
    while a < t1:
        c0, c1 = engine.cycle.containing_us(a)
        b = min(c1, t1)
        out.append((a, b, c0, c1))
        a = b
    return out


def late_increment(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    account: str,
    resource: str,
    name: str,
    line: _t.Timeline,
    increment: Increment,
    limit: int,
) -> None:
    """Record the part of an increment that lies before ``limit``."""
    t0, t1, amount, record_ids = increment
    engine.late_ids.setdefault((account, resource, name), []).extend(record_ids)
    if t0 == t1:
        c0, c1 = (t0, t0 + 1) if engine.cycle is None else engine.cycle.containing_us(t0)
        description = line.descriptions[line.index_at(t0)]
        late_add(engine, account, resource, name, c0, c1, t0, amount, description)
        return
    for a, b, c0, c1 in late_cycles(engine, t0, min(t1, limit)):
        # In proportion to time, of the time where the account has a plan (batch rating
        # prices no more: the rest is "unpriced"), under the description of each part of
        # it, as metering at once cuts it where the description changes.
        pieces = [(a, b)] if engine.assigned is None else engine.assigned(account, a, b)
        parts: dict[_FrozenDict, list[typing.Any]] = {}
        for lo, hi in pieces:
            for x, y, description in _described(line, lo, hi):
                share = CONTEXT.subtract(
                    _apportion(amount, t0, t1, y), _apportion(amount, t0, t1, x)
                )
                entry = parts.setdefault(description, [ZERO, x])
                entry[0] = CONTEXT.add(entry[0], share)
        for description, (part, first_us) in parts.items():
            late_add(engine, account, resource, name, c0, c1, first_us, part, description)


def _described(line: _t.Timeline, lo: int, hi: int) -> Iterator[tuple[int, int, _FrozenDict]]:
    """``[lo, hi)`` cut where ``line``'s description changes: ``(x, y, description)``. O(log p + k)."""
    starts, descriptions = line.starts, line.descriptions
    k = line.index_at(lo)
    x = lo
    while x < hi:
        y = min(starts[k + 1], hi) if k + 1 < len(starts) else hi
        yield x, y, descriptions[k]
        x = y
        k += 1


def _within(parts: Sequence[tuple[int, int]], t_us: int) -> bool:
    """Whether ``t_us`` lies in one of ``parts`` (half-open, ascending). O(p)."""
    return any(lo <= t_us < hi for lo, hi in parts)


def late_rows(engine: _Engine) -> tuple[UsageRow, ...]:
    """The late rows, and a ``"late"`` anomaly per row (or per resource without one).

    A row's anomaly gives its meter and quantity as values, and its description in words
    (what a price selects it by).
    """
    rows = []
    reported: set[tuple[str, str]] = set()
    metered: set[tuple[str, str, str]] = set()
    for key in sorted(engine.late, key=lambda key: (*key[:5], show(dict(key[5])))):
        account, resource, name, c0, c1, _ = key
        quantity, first_us, description = engine.late[key]
        if not quantity:
            continue
        item = engine.meters[name]
        end = min(c1, engine.through if engine.through is not None else c1)
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
            f"late records of {resource!r} of {account!r} change meter {name!r} by "
            f"{row.quantity} {item.unit} under description {show(dict(row.description))} "
            f"over {format_us(row.span.start_us)}..{format_us(row.span.end_us)}, before "
            f"what was already metered: see Usage.late.{_forgetful(engine, account, resource)}",
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
