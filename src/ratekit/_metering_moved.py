"""Samples earlier calls metered, moved where a late record describes the resource anew.

The private half of [`ratekit.meter()`][ratekit.meter] that prices the samples a carried
[`ResourceState`][ratekit.ResourceState] keeps under the description a late UPDATE or
DELETE puts in force before the state's clock, as metering at once prices them: the
deltas at an instant of a `Discrete` meter, the increments between the readings of a
counter (of any delta policy), and the readings an additive aggregation (`Count`)
counts. Each is taken back under the description it was metered under and given under
the new one (late rows of its cycle). The state keeps a bounded tail of each meter's
samples (`DELTAS`, `READINGS`): what lies before the tail stays where it was metered,
and a ``"late"`` anomaly names the meter and the range that stays.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence

from . import _policy_results as _results
from . import _timelines as _t
from ._decimals import CONTEXT
from ._descriptions import _FrozenDict
from ._instants import format_us
from ._metering_counters import kept as _metering_kept
from ._metering_late_add import late_add, late_increment
from ._resource_state import DELTAS, READINGS, ResourceState
from .policies import Discrete, Meter
from .records import AnomalyKind, Sample

if typing.TYPE_CHECKING:
    from ._metering_engine import _Engine

__all__ = ["first_difference", "samples_left"]

Lines = tuple[_t.Timeline, _t.Timeline]


def samples_left(  # noqa: PLR0917 - private plumbing of plain values
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
    hours (`late_time`); the samples the state keeps move too, as metering at once
    prices them: a `Discrete` meter's deltas at an instant (`_moved_deltas`), another
    delta policy's increments between the kept readings (`_moved_increments`), the
    readings an additive aggregation counts (`_moved_readings`). Those older than the
    state keeps stay under the description they were metered under: per additive sample
    meter with such samples at or after the first instant the description differs, a
    ``"late"`` anomaly with the meter and no quantity says so, and names the range.
    O(r log p) for r readings kept and p pieces.
    """
    state = engine.state.get((account, resource))
    if state is None or not state.readings:
        return
    moved = first_difference(old, new, start, limit, statuses=False)
    if moved is None:
        return
    last: dict[str, tuple[int, str]] = {}
    for meter_name, at_us, _, kind, *_ in state.readings:
        item = engine.meters.get(meter_name)
        if item is not None and item._factor is None and item._additive and at_us >= moved:
            last[meter_name] = (max(last.get(meter_name, (at_us, kind))[0], at_us), kind)
    lines = (old, new)
    for name, (at_us, kind) in sorted(last.items()):
        item = engine.meters[name]
        series = kind in ("counter", "delta") or not item._deltas
        if type(item.policy) is Discrete:
            oldest = _moved_deltas(engine, state, name, lines, limit, ids)
            what, which = "deltas", f"{DELTAS} deltas"
        elif series and item._deltas:
            oldest = _moved_increments(engine, state, item, lines, limit, ids)
            what = "increments"
            which = f"{READINGS} readings" if kind == "counter" else f"{DELTAS} deltas"
        elif series:
            oldest = _moved_readings(engine, state, item, lines, limit, ids)
            what, which = "readings", f"{DELTAS} readings"
        else:  # a gauge's level of a delta policy of one's own: only the last one is kept
            _said(
                engine,
                state,
                (moved, limit, ids),
                name,
                f"the samples of meter {name!r} that earlier calls metered where its "
                f"description changed (the state keeps one at {format_us(at_us)}) stay under "
                "the description they were metered under, where metering at once prices them "
                "under the new one; the state keeps no samples to move them",
            )
            continue
        if oldest is None or oldest < moved:
            continue  # every sample from ``moved`` on is kept, and moved
        _said(
            engine,
            state,
            (moved, limit, ids),
            name,
            f"the {what} of meter {name!r} that earlier calls metered from {format_us(moved)} "
            + (
                f"up to its reading at {format_us(oldest)}"
                if what == "increments"
                else f"to {format_us(oldest)} (that one included)"
            )
            + " stay under the description they were metered under, where metering at once "
            f"prices them under the new one (the state keeps the last {which}, the oldest at "
            f"{format_us(oldest)}, and moves "
            f"{'the increments' if what == 'increments' else 'those'} after it)",
        )


def _said(
    engine: _Engine,
    state: ResourceState,
    where: tuple[int, int, list[str | None]],
    name: str,
    said: str,
) -> None:
    """The ``"late"`` anomaly of the samples of meter ``name`` that stay where they were."""
    moved, limit, ids = where
    resource, account = state.resource, state.account
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
    lines: Lines,
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


def _moved_increments(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    state: ResourceState,
    item: Meter,
    lines: Lines,
    limit: int,
    ids: list[str | None],
) -> int | None:
    """Move the increments between kept readings whose description ``new`` changes.

    The policy's increments of the readings the state keeps are what earlier calls
    metered: from the counter's first reading while the state keeps it (its
    ``complete``: with a ``baseline``, the first one's too, unless the late records move
    the running stretch it is spread over, which `_spread_again` spreads anew); else
    from the oldest kept, a bound (the increment up to it is not known). Each whose part
    before ``limit`` is described otherwise by ``new`` is taken back under ``lines``'
    first (as metered) and given under the second (late rows, cut at cycles and where
    the description changes, naming its readings and ``ids``). Returns the bound's
    instant, or ``None`` when every increment is known. O(k log p) for k readings kept.
    """
    account, resource, name = state.account, state.resource, item.name
    old, new = lines
    known = _metering_kept(state, account, resource, name)
    if not known:
        return None
    complete = name in state._complete
    first = known[0]
    previous: Sample | None = None
    series: Sequence[Sample] = known
    if not complete:
        previous, series = first, known[1:]
    else:
        baseline = getattr(item.policy, "baseline", None)
        since = old.running_since(first.at_us)
        if baseline is not None and since == new.running_since(first.at_us):
            previous = baseline(first, since)

    def report(kind: AnomalyKind, message: str, involved: Sequence[Sample]) -> None:
        """Said when the readings were metered: not again."""

    for t0, t1, amount, record_ids in _results.increments_of(
        item, account, resource, series, previous, report, old
    ):
        if t0 >= limit or first_difference(old, new, t0, max(min(t1, limit), t0 + 1)) is None:
            continue  # the next span's, or described alike
        taken = (t0, t1, CONTEXT.minus(amount), (*filter(None, ids), *record_ids))
        late_increment(engine, account, resource, name, old, taken, limit)
        late_increment(engine, account, resource, name, new, (t0, t1, amount, ()), limit)
    return None if complete else first.at_us


def _moved_readings(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    state: ResourceState,
    item: Meter,
    lines: Lines,
    limit: int,
    ids: list[str | None],
) -> int | None:
    """Move the kept readings of an additive aggregation that ``new`` describes otherwise.

    The readings the state keeps before ``limit`` whose description at their instant
    differs are aggregated per cycle and description, alone (as an additive policy's
    late readings are: `SamplePolicy`): taken back under ``lines``' first (as metered)
    and given under the second (late rows naming them and ``ids``). The state keeps
    every reading from the meter's first while they are at most `DELTAS` (its
    ``complete``); else the oldest it keeps is a bound, as for deltas. Returns that
    bound's instant, or ``None`` when every reading is kept. O(k log p).
    """
    account, resource, name = state.account, state.resource, item.name
    old, new = lines
    kept = _metering_kept(state, account, resource, name)
    complete = name in state._complete
    groups: dict[tuple[int, int, _FrozenDict, bool], list[Sample]] = {}
    for sample in kept if complete else kept[1:]:
        at_us = sample.at_us
        was = old.descriptions[old.index_at(at_us)]
        now = new.descriptions[new.index_at(at_us)]
        if at_us >= limit or was == now:
            continue
        c0, c1 = (at_us, at_us + 1) if engine.cycle is None else engine.cycle.containing_us(at_us)
        groups.setdefault((c0, c1, was, False), []).append(sample)
        groups.setdefault((c0, c1, now, True), []).append(sample)
    moved = engine.late_ids.setdefault((account, resource, name), [])
    for (c0, c1, description, given), group in groups.items():
        quantity = _results.aggregated(item, account, resource, group, c0, c1, None)
        if quantity is None:
            continue
        if not given:
            moved += [*ids, *(s.id for s in group)]
            quantity = CONTEXT.minus(quantity)
        late_add(engine, account, resource, name, c0, c1, group[0].at_us, quantity, description)
    return None if complete or not kept else kept[0].at_us


def first_difference(
    old: _t.Timeline, new: _t.Timeline, start: int, limit: int, *, statuses: bool = False
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
