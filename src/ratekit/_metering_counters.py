"""Counter readings carried across metering calls: late readings placed among those kept.

The private half of [`ratekit.meter()`][ratekit.meter] that lets a counter reading stamped
before the carried state's last reading split the increment it falls in, as metering all
the readings at once does: the increments of the kept readings with the late ones are
computed again, and what differs from the increments of the kept readings alone is the
change (late rows before the state's clock). A reading older than the oldest kept (when
the state does not keep the counter's readings from its first) cannot be placed: the
readings around it, which alone say what it changes, are gone. It changes nothing from
the oldest kept reading on, and is reported as a ``"late"`` anomaly that says what is
known of what it changes before (nothing in total if it reads between its neighbours),
and left out.
"""

from __future__ import annotations

import collections
import itertools
import typing
from collections.abc import Sequence
from decimal import Decimal

from . import _normalize as _n
from . import _policy_results as _results
from ._decimals import CONTEXT
from ._instants import format_us
from ._resource_state import DELTAS, READINGS, ResourceState
from .policies import DeltaPolicy, Increment, Meter
from .records import AnomalyKind, Sample, SampleKind

if typing.TYPE_CHECKING:
    from . import _timelines as _t
    from ._metering_engine import _Engine

__all__ = ["entry_order", "kept", "last_kept", "late_increments", "next_readings", "order"]

_Reading = tuple[str, int, typing.Any, str, str | None, int | None]


def order(sample: Sample) -> tuple[int, int, Decimal, str]:
    """Where a reading sorts among its meter's: by time, and a tie as metering orders it.

    Samples of one resource and meter stamped at one instant are applied by ``seq``, then
    value, then id (a counter's lower reading first, so that two readings of one instant
    read as a rise, not a reset). O(1).
    """
    seq = sample.seq
    return (sample.at_us, -1 if seq is None else seq, sample.value, sample.id or "")


def entry_order(entry: _Reading) -> tuple[int, int, Decimal, str]:
    """`order()` of a reading a state keeps, ``(meter, at_us, value, kind, id, seq)``. O(1).

    The sample's own key: kept readings and new ones of one instant sort as metering at
    once sorts them (a reading a state written before kept no seq has none).
    """
    seq = entry[5]
    return (entry[1], -1 if seq is None else seq, entry[2], entry[4] or "")


def kept(state: ResourceState | None, account: str, resource: str, name: str) -> list[Sample]:
    """The readings of meter ``name`` the state keeps, in time order (O(k))."""
    if state is None:
        return []
    out = [_sample(account, resource, entry) for entry in state.readings if entry[0] == name]
    out.sort(key=order)
    return out


def last_kept(state: ResourceState | None, account: str, resource: str, name: str) -> Sample | None:
    """The last of `kept()`, or None, built alone: the others are only compared. O(k).

    The last in `order()`, and of readings with one key the last kept, as the stable
    sort of `kept()` leaves it.
    """
    if state is None:
        return None
    last: _Reading | None = None
    key: tuple[int, int, Decimal, str] | None = None
    for entry in state.readings:
        if entry[0] == name:
            at = entry_order(entry)
            if key is None or not at < key:
                last, key = entry, at
    return None if last is None else _sample(account, resource, last)


def _sample(account: str, resource: str, entry: _Reading) -> Sample:
    """The reading ``entry`` a state keeps, as the sample it was (metering's own values)."""
    meter_name, at_us, value, kind, record_id, seq = entry
    sample = object.__new__(Sample)
    sample.__attrs_init__(
        account,
        resource,
        meter_name,
        at_us,
        value,
        typing.cast("SampleKind", kind),
        None,
        record_id,
        seq,
    )
    return sample


def late_increments(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    account: str,
    resource: str,
    name: str,
    item: Meter,
    line: _t.Timeline,
    readings: list[Sample],
) -> list[Increment] | None:
    """The increments of ``readings`` when some lie before the last kept reading, else ``None``.

    None too for deltas (with deltas kept): each counts on its own, as the policy
    makes it, whatever the readings kept (metering asks the policy for their own).

    The increments of the kept readings with the new ones, less those of the kept readings
    alone (what earlier calls metered), as increments of opposite sign without ids. The
    anomalies (resets) found anew are reported. O((k + n) log(k + n)).
    """
    state = engine.state.get((account, resource))
    known = kept(state, account, resource, name)
    if not known or not readings or order(readings[0]) > order(known[-1]):
        return None  # after the last kept reading (in a tie too, see `order()`)
    if all(s.kind == "delta" for s in readings) and all(s.kind == "delta" for s in known):
        # Deltas (of a policy of one's own) are amounts on their own: one before the
        # kept delta is no reading between two, but its own increments, late.
        return None
    assert state is not None
    complete = name in state._complete
    if not complete:
        oldest = order(known[0])
        early = [sample for sample in readings if order(sample) < oldest]
        for sample in early:
            engine.anomalies.add(
                sample.at_us,
                account,
                resource,
                "late",
                f"{_n.label(sample)} reads {sample.value} at {format_us(sample.at_us)}, before "
                f"the oldest reading of meter {name!r} the carried state keeps ({known[0].value} "
                f"at {format_us(known[0].at_us)}; it keeps the last {READINGS}, not known to "
                "start at the counter's first): the readings around it are no longer kept, so "
                "it cannot be placed, and is not metered. It changes nothing from that oldest "
                "reading on; before it, nothing in total if it reads between the reading "
                "before it and the one after it (it then only moves usage among the pieces "
                "between them, as a reading of a counter that only rises does), else an amount "
                "those readings decide (a counter reset, or the counter's first reading): "
                "meter the counter's readings again from an earlier state, or at once.",
                (sample.id,),
            )
        readings = readings[len(early) :]
    policy = typing.cast(DeltaPolicy, item.policy)
    baseline = getattr(policy, "baseline", None)
    found: dict[bool, list[tuple[AnomalyKind, str, tuple[str | None, ...], int]]] = {}

    def run(series: list[Sample], fresh: bool) -> list[Increment]:
        notes = found.setdefault(fresh, [])

        def report(kind: AnomalyKind, message: str, involved: Sequence[Sample]) -> None:
            # Its instant, as metering at once says it: the latest reading involved.
            at_us = max((s.at_us for s in involved), default=engine.window.start)
            notes.append((kind, message, tuple(s.id for s in involved), at_us))

        previous = None
        if complete and baseline is not None:
            previous = baseline(series[0], line.running_since(series[0].at_us))
        if previous is None:
            return list(
                _results.increments_of(item, account, resource, series[1:], series[0], report, line)
            )
        return list(_results.increments_of(item, account, resource, series, previous, report, line))

    old = run(known, fresh=False)
    new = run(sorted([*known, *readings], key=order), fresh=True)
    seen = collections.Counter(found[False])
    for note in found[True]:
        if seen[note]:
            seen[note] -= 1
            continue
        kind, message, ids, about_us = note
        engine.anomalies.add(
            engine.window.start, account, resource, kind, message, ids, about_us=about_us
        )
    given, taken = differing(old, new)
    return [*given, *taken]


def differing(
    was: list[Increment], now: list[Increment]
) -> tuple[list[Increment], list[Increment]]:
    """Each increment only in ``now`` (given), and each only in ``was`` negated (taken back, no ids).

    Increments are compared by span and amount, as a multiset. O(n).
    """
    left = collections.Counter((t0, t1, amount) for t0, t1, amount, _ in was)
    given = []
    for increment in now:
        key = increment[:3]
        if left[key]:
            left[key] -= 1
            continue
        given.append(increment)
    taken: list[Increment] = [
        (t0, t1, CONTEXT.minus(amount), ())
        for (t0, t1, amount), count in left.items()
        for _ in range(count)
    ]
    return given, taken


def next_readings(
    previous: ResourceState | None,
    per_meter: typing.Mapping[str, list[Sample]],
    counted: frozenset[str] = frozenset(),
    last_only: frozenset[str] = frozenset(),
) -> tuple[tuple[_Reading, ...], tuple[str, ...]]:
    """The readings the next state keeps, and the meters kept from their first reading.

    A counter's last `READINGS`, a delta meter's last `DELTAS`, and as many readings of
    the meters in ``counted`` (additive aggregations: `Count`); of another meter, and of
    the meters in ``last_only``, its last reading (a gauge's level; the last of a delta
    meter's, when the caller keeps the records: `ratekit._metering_next_state.state_of()`).
    """
    by_name: dict[str, list[_Reading]] = {}
    for entry in previous.readings if previous is not None else ():
        by_name.setdefault(entry[0], []).append(entry)
    complete = set(previous._complete) if previous is not None else set()
    for name, samples in per_meter.items():
        if not samples:
            continue
        known = by_name.get(name, [])
        counter = samples[-1].kind == "counter"
        # A delta meter keeps its last deltas too, and an additive aggregation the last
        # readings it counted, for a late re-description to move them
        # (`ratekit._metering_moved`).
        series_kind = (
            counter or samples[-1].kind == "delta" or name in counted
        ) and name not in last_only
        if not series_kind:
            # A gauge's level: the later of the kept one and the call's last, in the
            # order metering applies them (a late reading may come before the kept one).
            complete.discard(name)
            last = samples[-1]
            latest = known[0] if len(known) == 1 else max(known, key=entry_order, default=None)
            if (
                latest is None
                or latest[1] < last.at_us  # (entry_order() then order(), by time first)
                or (latest[1] == last.at_us and entry_order(latest) < order(last))
            ):
                by_name[name] = [(name, last.at_us, last.value, last.kind, last.id, last.seq)]
            else:
                by_name[name] = [latest]
            continue
        if not known:
            complete.add(name)
        placed = samples
        in_order = _in_entry_order(known)
        if known and name not in complete:
            first = entry_order(known[0]) if in_order else min(map(entry_order, known))
            if samples[0].at_us <= first[0]:  # (in time order: the others are later)
                placed = [s for s in samples if not order(s) < first]
        # The samples are in time order: the last kept are among their last READINGS.
        bound = READINGS if counter else DELTAS
        tail = placed[-bound:]
        # each value as the Decimal it equals (a sample keeps an int as given), read from
        # the slot without the property's call
        fresh: list[_Reading] = [
            (
                name,
                s.at_us,
                v if type(v := s._value) is Decimal else Decimal(v),  # type: ignore[attr-defined]
                s.kind,
                s.id,
                s.seq,
            )
            for s in tail
        ]
        # In the order metering applies them (a tie too, see `order()`): the call's own
        # samples are in that order already (`_metering_samples.sort_samples`).
        series, over = _series(known, tail, fresh, in_order=in_order)
        if over is not None:
            # A delta over a span is kept as the oldest, a bound: the deltas kept after
            # it are all those after it (`_metering_moved._moved_deltas`).
            series = series[over:]
            complete.discard(name)
        if len(known) + len(placed) > bound or len(series) > bound:
            series = series[-bound:]
            complete.discard(name)
        by_name[name] = series
    readings = tuple(itertools.chain.from_iterable(map(by_name.__getitem__, sorted(by_name))))
    return readings, tuple(sorted(complete.intersection(by_name)))


def _series(
    known: list[_Reading], tail: Sequence[Sample], fresh: list[_Reading], *, in_order: bool
) -> tuple[list[_Reading], int | None]:
    """The kept readings and the call's ``fresh`` ones (of ``tail``), in `order()`.

    With them, where the last delta over a span (not at an instant) of the call's lies
    among them, or ``None``. O(k + n), or O((k + n) log(k + n)) when the call's go among
    the kept ones.
    """
    spans = [index for index, s in enumerate(tail) if s.since_us is not None]
    if not known:
        return fresh, spans[-1] if spans else None
    if in_order and (not tail or entry_order(known[-1]) <= order(tail[0])):
        # In order already (the kept readings, then the call's after them): what the
        # stable sort below gives, without sorting.
        return [*known, *fresh], len(known) + spans[-1] if spans else None
    keyed = [(entry_order(e), e, True) for e in known] + [
        (order(s), e, s.since_us is None) for s, e in zip(tail, fresh, strict=True)
    ]
    keyed.sort(key=lambda pair: pair[0])
    over = [index for index, (*_, instant) in enumerate(keyed) if not instant]
    return [entry for _, entry, _ in keyed], over[-1] if over else None


def _in_entry_order(known: Sequence[_Reading]) -> bool:
    """Whether kept readings are in `entry_order()`, compared only where instants tie. O(k)."""
    for a, b in itertools.pairwise(known):
        if a[1] > b[1] or (a[1] == b[1] and entry_order(a) > entry_order(b)):
            return False
    return True
