"""Metering: from records to exact quantities per resource and piece of time.

A :class:`Meter` names what is measured, its unit and its **cost policy**: how usage over a
piece of time becomes a quantity. :func:`meter` applies meters to records and returns
:class:`Usage`: one :class:`UsageRow` per ``(account, meter, resource)`` and piece of time
over which the resource's description and the billing cycle are constant, plus the
anomalies found and the state to carry to the next call.

There are three kinds of policy, each a small :class:`typing.Protocol` (a user-written
policy plugs in the same way as the built-ins):

- :class:`TimePolicy` (``level(description)``): the quantity accrues over time at a level
  derived from the description, while the resource runs. :class:`OnOff` (instance-hours
  while running, or while a condition holds) and :class:`Continuous` (GiB-hours of a disk,
  MB x instances x hours of an app).
- :class:`DeltaPolicy` (``accepts(kind)``, ``increments(...)``): samples become amounts at
  an instant or over a span; amounts over a span are apportioned linearly to the pieces
  they cover. :class:`Discrete` (the sum of deltas) and :class:`Counter` (cumulative
  readings turned into reset-aware deltas).
- :class:`SamplePolicy` (``accepts(kind)``, ``aggregate(...)``): an aggregation of the
  readings in each piece: :class:`Max`, :class:`Min`, :class:`Latest`, :class:`Count`,
  :class:`UniqueCount`, :class:`Percentile`, :class:`TimeWeightedMean`.

Exactness: an hour is 3.6e9 µs, so a time quantity in hours rarely has a finite decimal
expansion. ratekit never adds rounded slices: the quantity of a piece ``[a, b)`` is
``F(b) - F(a)`` for a cumulative function ``F`` rounded half-even to a fixed quantum of 1e-24
(``F(t) = level * t / unit`` for time, with ``t`` the absolute instant; ``F(t) = amount *
(t - t0) / (t1 - t0)`` for an amount over ``[t0, t1)``, with ``F(t0) = 0`` and
``F(t1) = amount`` exactly). Quantities therefore telescope: the rows of a span add up
exactly to the rows of its pieces, and a whole hour is exactly 1.

Example:
    >>> import ratekit as rk
    >>> runtime = rk.Meter("runtime", "hour", rk.OnOff())
    >>> records = [
    ...     rk.Event("acme", "vm-1", "2026-03-01T10:00:00Z", {"flavor": "m1.small"}, kind="start", id="e1"),
    ...     rk.Event("acme", "vm-1", "2026-03-01T11:30:00Z", kind="stop", id="e2"),
    ...     rk.Event("acme", "vm-1", "2026-03-01T11:45:00Z", kind="stop", id="e3"),
    ... ]
    >>> usage = rk.meter(records, [runtime], span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
    ...                  cycle=None, as_of="2026-04-01T00:00:00Z")
    >>> [(row.resource, row.quantity, row.unit, dict(row.description)) for row in usage.rows]
    [('vm-1', Decimal('1.5'), 'hour', {'flavor': 'm1.small'})]
    >>> print(usage.anomalies[0])
    event 'e3' stops 'vm-1' at 2026-03-01T11:45:00Z, already stopped since 2026-03-01T11:30:00Z: ignored.
"""

from __future__ import annotations

import bisect
import collections
import datetime as _dt
import functools
import itertools
import operator
import typing
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Final, Protocol

from . import _normalize as _n
from ._decimals import CONTEXT, ZERO, to_decimal
from ._decimals import tidy as _tidy
from ._instants import format_us, to_us
from .errors import BadSpanError, RatekitError, RatekitTypeError
from .policies import DeltaPolicy, Discrete, Increment, Meter, Report, SamplePolicy, TimePolicy
from .records import (
    AnomalyKind,
    Event,
    Inventory,
    Sample,
    SampleKind,
    _FrozenDict,
)
from .spans import Span
from .usage import (
    _SET_ACCOUNT,
    _SET_CYCLE,
    _SET_DESCRIPTION,
    _SET_END,
    _SET_METER,
    _SET_QUANTITY,
    _SET_RECORD_IDS,
    _SET_RESOURCE,
    _SET_SPAN,
    _SET_START,
    _SET_UNIT,
    HISTORY,
    MEMORY,
    ResourceState,
    Usage,
    UsageRow,
    _new,
    _new_row,
    _new_span,
)

__all__ = [
    "meter",
]

# -- the engine -----------------------------------------------------------------------------


class _CycleLike(Protocol):
    def boundaries_us(self, start_us: int, end_us: int) -> list[int]: ...

    def containing_us(self, t_us: int) -> tuple[int, int]: ...


_SPAN_KEY: Final = 2**66  # start * _SPAN_KEY + end identifies a span of the current resource

#: Cumulative functions are rounded to 1 / _SCALE = 1e-24 (see the module docstring).
_SCALE: Final = 10**24


def _round_ratio(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest integer, ties to even. O(1)."""
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient & 1):
        quotient += 1
    return quotient


def _from_scaled(units: int) -> Decimal:
    """The Decimal of ``units`` quanta (``units * 1e-24``), tidy. O(1)."""
    whole, fraction = divmod(units, _SCALE)
    if not fraction:
        return Decimal(whole)
    return Decimal(units).scaleb(-24, CONTEXT).normalize(CONTEXT)


def _apportion(amount: Decimal, t0: int, t1: int, t: int) -> Decimal:
    """``F(t)`` for an amount spread over ``[t0, t1)``: exact at both ends, telescoping.

    In between, ``amount * (t - t0) / (t1 - t0)`` rounded half-even to 1e-24. O(1).
    """
    if t <= t0:
        return ZERO
    if t >= t1:
        return amount
    p, q = amount.as_integer_ratio()
    return _from_scaled(_round_ratio(p * (t - t0) * _SCALE, q * (t1 - t0)))


#: A window with more cycles than this finds its cycles lazily, per resource.
_EAGER_CYCLES: Final = 4096
#: One call cuts one resource's usage into at most this many pieces (else it refuses).
MAX_PIECES: Final = 1_000_000


class _Window:
    """The report window and its cycle pieces.

    Up to :data:`_EAGER_CYCLES` cycles, they are computed once (``cycle_starts``); a window
    of more cycles (a daily cycle over thousands of years) finds them lazily, only where a
    resource has something to meter, so the work follows the records and the cycles they
    touch, not the span.
    """

    __slots__ = (
        "cache",
        "cycle",
        "cycle_spans",
        "cycle_starts",
        "end",
        "lazy",
        "shortest",
        "start",
    )

    def __init__(self, start: int, end: int, cycle: _CycleLike | None, report: Span) -> None:
        self.start = start
        self.end = end
        self.cycle = cycle
        self.lazy = False
        self.cache: dict[tuple[int, int], Span] = {}
        self.shortest = 1
        if cycle is None or end <= start:
            self.cycle_starts = [start]
            self.cycle_spans = [report]
            return
        first = cycle.containing_us(start)
        # Cycles of one kind vary little in length (a month 28 to 31 days, a day 23 to 25
        # hours): half the first one's length bounds them all from below.
        self.shortest = max((first[1] - first[0]) // 2, 1)
        if (end - start) // self.shortest > _EAGER_CYCLES:
            self.lazy = True
            self.cycle_starts = [start]
            self.cycle_spans = []
            return
        inner = [b for b in cycle.boundaries_us(start, end) if start < b < end]
        last = cycle.containing_us(end - 1)[1]
        edges = [first[0], *inner, last]
        self.cycle_starts = edges[:-1]
        self.cycle_spans = [Span.from_us(a, b) for a, b in itertools.pairwise(edges)]

    def cycle_of(self, t_us: int) -> Span:
        if not self.lazy:
            return self.cycle_spans[bisect.bisect_right(self.cycle_starts, t_us) - 1]
        assert self.cycle is not None
        bounds = self.cycle.containing_us(t_us)
        span = self.cache.get(bounds)
        if span is None:
            span = self.cache[bounds] = Span.from_us(*bounds)
        return span

    def points(self, lo: int, hi: int) -> list[int]:
        """The cycle starts inside the window that matter for ``[lo, hi)``, ascending.

        Eager: all of them. Lazy: the start of the cycle containing ``lo``, those inside,
        and the end of the cycle containing ``hi - 1``; refused with
        :class:`~ratekit.BadSpanError` beyond :data:`MAX_PIECES`. O(cycles touched).
        """
        if not self.lazy:
            return self.cycle_starts[1:]
        if hi <= lo:
            return []
        if (hi - lo) // self.shortest > MAX_PIECES:
            raise BadSpanError(
                f"metering {format_us(lo)}..{format_us(hi)} would cut one resource's usage "
                f"into about {(hi - lo) // self.shortest:,} pieces, one per cycle, more than "
                f"the {MAX_PIECES:,} one call makes; meter a shorter span (as_of) or use a "
                "longer cycle."
            )
        assert self.cycle is not None
        edges = {self.cycle.containing_us(lo)[0], self.cycle.containing_us(hi - 1)[1]}
        edges.update(self.cycle.boundaries_us(lo, hi))
        return sorted(t for t in edges if self.start < t < self.end)


def meter(
    records: Iterable[Event | Sample | Inventory],
    meters: Iterable[Meter],
    *,
    span: Span,
    cycle: _CycleLike | None,
    as_of: _dt.datetime | str,
    cuts: Mapping[str, Iterable[int]] | None = None,
    state: Iterable[ResourceState] = (),
) -> Usage:
    """Meter ``records`` with ``meters`` over ``span``, up to ``as_of``: rows and anomalies.

    The rules:

    - Records are deduplicated (a replay is a ``"duplicate"`` anomaly; the same id with
      other content raises :class:`~ratekit.ConflictingRecordError` naming both records)
      and each resource's events applied in order (see :class:`~ratekit.Event` for kinds,
      ``seq`` and the anomalies). Records stamped at or after ``as_of`` are not known yet:
      they are ignored.
    - Rows cover ``span`` clipped to ``as_of`` (half-open): a resource still running is
      metered up to ``as_of``. Each row lies inside one piece over which the description
      and the billing cycle are constant, further cut at ``cuts[meter]`` (ascending epoch
      microseconds: where a price changes). Time-based meters accrue over the running
      pieces only; sample-based rows are not cut where only the status changes. ``cycle``
      is any object with ``boundaries_us`` and ``containing_us`` (``ratekit.cycles``),
      or ``None`` to use ``span`` itself as the cycle.
    - Time-based quantities split in proportion to time; an amount at an instant goes to
      the piece that contains it; amounts over a span (deltas, counter differences) are
      apportioned linearly. Every split telescopes (see :mod:`ratekit.metering`), so asking
      for a span gives exactly the sum of asking for its pieces, whatever the order in
      which the records arrive; replaying any record changes no row.
    - ``state`` continues from an earlier call's :attr:`Usage.state`: the resources resume
      as they were at that call's ``as_of`` (pass only the records after it).

    Cost: O(n log n) for n records, plus O(log c) per piece for c cut points; no attrs
    instance is built per record, only per row.

    Example:
        >>> import ratekit as rk
        >>> app = rk.Meter("memory", "MB*hour", rk.Continuous(("memory_mb", "instances")))
        >>> records = [
        ...     rk.Event("org", "app", "2026-03-31T22:00:00Z", {"memory_mb": 512, "instances": 2},
        ...              kind="start", id="e1"),
        ...     rk.Event("org", "app", "2026-04-01T01:00:00Z", kind="stop", id="e2"),
        ... ]
        >>> usage = rk.meter(records, [app], span=rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z"),
        ...                  cycle=rk.cycles.daily(tz="UTC"), as_of="2026-05-01T00:00:00Z")
        >>> [(str(row.cycle.start.date()), row.quantity) for row in usage.rows]  # 1024 MB x 2 h, 1024 MB x 1 h
        [('2026-03-31', Decimal('2048')), ('2026-04-01', Decimal('1024'))]
    """
    return _Engine(records, meters, span, cycle, as_of, cuts, state).run()


class _Engine:
    """One :func:`meter` call: plain values in, rows out."""

    def __init__(  # noqa: PLR0917 - private plumbing of plain values
        self,
        records: Iterable[Event | Sample | Inventory],
        meters: Iterable[Meter],
        span: Span,
        cycle: _CycleLike | None,
        as_of: _dt.datetime | str,
        cuts: Mapping[str, Iterable[int]] | None,
        state: Iterable[ResourceState],
    ) -> None:
        self.meters: dict[str, Meter] = {}
        _iterable(records, "meter() records")
        for item in _iterable(meters, "meter() meters"):
            if not isinstance(item, Meter):
                raise RatekitTypeError(
                    f"meters must be Meter values, not {type(item).__name__}: {item!r}."
                )
            if item.name in self.meters:
                raise RatekitTypeError(
                    f"two meters are named {item.name!r}; meter names are unique."
                )
            self.meters[item.name] = item
        if not isinstance(span, Span):
            raise RatekitTypeError(
                f"meter() span must be a Span, not {type(span).__name__}: {span!r}."
            )
        if cycle is not None and not (
            callable(getattr(cycle, "boundaries_us", None))
            and callable(getattr(cycle, "containing_us", None))
        ):
            raise RatekitTypeError(
                "meter() cycle must be a billing cycle (rk.cycles.monthly(tz=...), "
                "rk.cycles.daily(tz=...), ...: an object with boundaries_us and containing_us) "
                f"or None, not {type(cycle).__name__}: {cycle!r}."
            )
        if cuts is not None and not isinstance(cuts, Mapping):
            raise RatekitTypeError(
                "meter() cuts must be a mapping of meter names to instants (epoch "
                f"microseconds), or None, not {type(cuts).__name__}: {cuts!r}."
            )
        self.as_of_us = to_us(as_of, "meter() as_of")
        self.span = span
        end = min(span.end_us, self.as_of_us)
        self.window = _Window(span.start_us, max(end, span.start_us), cycle, span)
        self.records = records
        self.cuts = cuts or {}
        for name in self.cuts:
            if name not in self.meters:
                raise RatekitTypeError(
                    f"cuts name meter {name!r}, which is not among the meters given."
                )
            if not isinstance(self.cuts[name], Iterable):
                raise RatekitTypeError(
                    f"cuts[{name!r}] must be an iterable of instants in epoch microseconds, "
                    f"not {self.cuts[name]!r}."
                )
        self.cycle = cycle
        self.state: dict[tuple[str, str], ResourceState] = {}
        for item_state in _iterable(state, "meter() state"):
            if not isinstance(item_state, ResourceState):
                raise RatekitTypeError(
                    "meter() state must hold ResourceState values (Usage.state of an earlier "
                    f"call), not {type(item_state).__name__}: {item_state!r}."
                )
            self.state[item_state.account, item_state.resource] = item_state
        # The clock of the carried state: what the earlier calls metered up to.
        self.through = max(
            (s.through_us for s in self.state.values() if s.through_us is not None), default=None
        )
        self.late_before: int | None = None  # the current resource's late limit, if any
        # Late changes per (account, resource, meter, cycle start, cycle end):
        # [quantity, first instant, description, record ids].
        self.late: dict[tuple[str, str, str, int, int], list[typing.Any]] = {}
        self.late_ids: dict[tuple[str, str, str], list[str | None]] = {}
        self.anomalies = _n.Anomalies()
        self.spans: dict[int, Span] = {}  # the current resource's row spans, by start and end
        self.descriptions: _n.Descriptions = {}  # equal descriptions, shared (see _n._shared)
        # Per time-based meter, the level of each description met, by id(description);
        # the entry keeps its description alive, so the id is not reused during the call.
        self.levels: dict[str, dict[int, tuple[Mapping[str, object], tuple[int, int] | None]]] = {}

    def _cut_points(self, name: str) -> list[int]:
        window = self.window
        # Lazy: the cycle starts are added per resource, where it has something to meter.
        points = set() if window.lazy else set(window.cycle_starts[1:])
        for cut in self.cuts.get(name, ()):
            if isinstance(cut, bool) or not isinstance(cut, int):
                raise RatekitTypeError(
                    f"cuts[{name!r}] must hold instants in epoch microseconds (int), not {cut!r}."
                )
            if window.start < cut < window.end:
                points.add(cut)
        return sorted(points)

    def run(self) -> Usage:
        accepted = {
            name: frozenset(
                kind
                for kind in ("delta", "counter", "gauge")
                if m._factor is None
                and typing.cast(DeltaPolicy | SamplePolicy, m.policy).accepts(kind)
            )
            for name, m in self.meters.items()
        }
        events, samples, inventories, samples_in_order, events_in_order, tied = _n.group(
            self.records, accepted, self.as_of_us, self.anomalies
        )
        names = sorted(self.meters)
        plan = [(n, self.meters[n], self._cut_points(n)) for n in names]
        keys: set[tuple[str, str]] = set(events) | set(samples) | set(self.state)
        for inventory in inventories:
            keys.update((account, resource) for account, resource, _ in inventory.resources)
        rows: list[UsageRow] = []
        states: list[ResourceState] = []
        window = self.window
        for key in sorted(keys):
            account, resource = key
            per_meter = samples.get(key, {})
            for name, group in per_meter.items():
                # Records that arrived in time order need no sorting (see _n.Grouped).
                if len(group) > 1 and (not samples_in_order or (*key, name) in tied):
                    _sort_samples(group)
            sample_times: list[int] = []
            if inventories and per_meter:
                sample_times = sorted(s.at_us for group in per_meter.values() for s in group)
            previous_state = self.state.get(key)
            new_events: Sequence[Event] = events.get(key, ())
            if previous_state is not None and previous_state.applied:
                new_events, per_meter = self._forget_replays(previous_state, new_events, per_meter)
            limit = self.through
            if previous_state is not None and previous_state.through_us is not None:
                limit = previous_state.through_us
            self.late_before = None if limit is None else min(limit, window.start)
            line = self._timeline(
                account,
                resource,
                new_events,
                inventories,
                sample_times,
                previous_state,
                limit,
                in_order=events_in_order and key not in tied,
            )
            self.spans = {}
            resource_plan = plan
            if window.lazy:
                extra = sorted(
                    {t for lo, hi in self._extent(line, per_meter, previous_state)
                     for t in window.points(lo, hi)}
                )  # fmt: skip
                resource_plan = [
                    (n, m, sorted(set(points).union(extra)) if extra else points)
                    for n, m, points in plan
                ]
            for name, item, points in resource_plan:
                if item._factor is not None:
                    if window.end > window.start:
                        self._time_rows(rows, account, resource, name, item, points, line)
                    continue
                readings = per_meter.get(name)
                previous = _previous_reading(previous_state, account, resource, name)
                if not readings and previous is None:
                    continue
                self._sample_rows(
                    rows, account, resource, name, item, points, line, readings or [], previous
                )
            states.append(
                _state_of(
                    account,
                    resource,
                    line,
                    per_meter,
                    previous_state,
                    new_events,
                    window.end,
                    bool(inventories),
                )
            )
        late = self._late_rows()
        return Usage(tuple(rows), self.anomalies.result(), tuple(states), late)

    def _extent(
        self,
        line: _n.Timeline,
        per_meter: Mapping[str, list[Sample]],
        state: ResourceState | None,
    ) -> list[tuple[int, int]]:
        """Where a resource may have rows in the window: its running pieces and readings.

        The spans are merged where they overlap. An aggregation may report a level held
        from an earlier reading, so its readings (or a carried one) reach the window's end.
        O((p + n) log(p + n)) for p pieces and n samples.
        """
        w0, w1 = self.window.start, self.window.end
        spans: list[tuple[int, int]] = []
        starts, statuses = line.starts, line.statuses
        count = len(starts)
        for index in range(count):
            if statuses[index] == _n.RUNNING:
                a = max(starts[index], w0)
                b = min(starts[index + 1] if index + 1 < count else w1, w1)
                if a < b:
                    spans.append((a, b))
        if state is not None and state.readings:
            spans.append((w0, w1))
        for name, group in per_meter.items():
            held = not self.meters[name]._deltas
            for sample in group:
                since = sample.at_us if sample.since_us is None else sample.since_us
                a = max(since, w0)
                b = w1 if held else min(sample.at_us + 1, w1)
                if a < b:
                    spans.append((a, b))
        spans.sort()
        merged: list[tuple[int, int]] = []
        for a, b in spans:
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        return merged

    # -- carried state: replays, history, late records --------------------------------------

    def _forget_replays(
        self,
        state: ResourceState,
        new_events: Sequence[Event],
        per_meter: dict[str, list[Sample]],
    ) -> tuple[Sequence[Event], dict[str, list[Sample]]]:
        """Drop the records the state remembers applying: replays, reported as duplicates."""
        known = {record_id for _, record_id in state.applied}

        def fresh(record: Event | Sample) -> bool:
            if record.id is None or record.id not in known:
                return True
            self.anomalies.add(
                record.at_us,
                record.account,
                record.resource,
                "duplicate",
                f"{_n.label(record)} was applied by an earlier call: the replay is ignored.",
                (record.id,),
            )
            return False

        kept_events = [event for event in new_events if fresh(event)]
        kept = {name: [s for s in group if fresh(s)] for name, group in per_meter.items()}
        return kept_events, {name: group for name, group in kept.items() if group}

    def _timeline(  # noqa: PLR0912, PLR0917 - one decision: fast or re-ordered
        self,
        account: str,
        resource: str,
        new_events: Sequence[Event],
        inventories: Sequence[Inventory],
        sample_times: Sequence[int],
        state: ResourceState | None,
        limit: int | None,
        *,
        in_order: bool,
    ) -> _n.Timeline:
        """The resource's timeline: the state's base, its history, then the new events.

        When a new event belongs before the state's clock (``limit``) or before an event of
        the history, everything since the base is re-applied in order, and the difference
        with what earlier calls metered before ``limit`` is recorded as late.
        """
        history = list(state.history) if state is not None else []
        base = state
        if state is not None and history:
            base = state.base or ResourceState(account, resource, "unknown", {})
        total = len(history) + len(new_events)
        snapshot_at = total - HISTORY if total > HISTORY else None
        slow = False
        if new_events and (limit is not None or history):
            first_us = min(event.at_us for event in new_events)
            if limit is not None and first_us < limit:
                slow = True
            elif history:
                combined = history + list(new_events)
                _n._event_order(combined)
                slow = first_us <= max(event.at_us for event in history) or any(
                    a is not b for a, b in zip(combined, history, strict=False)
                )
        if not slow:
            line = _restore(base) if base is not None else None
            before = len(history)
            if history:
                line = _n.build_timeline(
                    account,
                    resource,
                    history,
                    (),
                    (),
                    _n.Anomalies(),
                    line,
                    self.descriptions,
                    snapshot_at=snapshot_at
                    if snapshot_at is not None and snapshot_at < before
                    else None,
                )
            later = line is None or line.snapshot is None
            built = _n.build_timeline(
                account,
                resource,
                new_events,
                inventories,
                sample_times,
                self.anomalies,
                line,
                self.descriptions,
                in_order=in_order,
                snapshot_at=snapshot_at - before if later and snapshot_at is not None else None,
            )
            if before:
                if later and built.snapshot is not None:
                    built.snapshot_index += before
                built.order = history + built.order
            return built
        old_anomalies = _n.Anomalies()
        old = _n.build_timeline(
            account,
            resource,
            history,
            (),
            (),
            old_anomalies,
            _restore(base) if base is not None else None,
            self.descriptions,
        )
        new_anomalies = _n.Anomalies()
        line = _n.build_timeline(
            account,
            resource,
            [*history, *new_events],
            inventories,
            sample_times,
            new_anomalies,
            _restore(base) if base is not None else None,
            self.descriptions,
            snapshot_at=snapshot_at,
        )
        seen = collections.Counter(item[5] for item in old_anomalies._items)
        for at_us, a_account, a_resource, _, _, anomaly in new_anomalies._items:
            if seen[anomaly]:
                seen[anomaly] -= 1
                continue
            self.anomalies.add(
                at_us, a_account, a_resource, anomaly.kind, anomaly.message, anomaly.record_ids
            )
        if limit is not None:
            # Nothing changes before the first new event in the order applied.
            fresh = {id(event) for event in new_events}
            first = next(i for i, event in enumerate(line.order) if id(event) in fresh)
            start = min(event.at_us for event in line.order[first:])
            if base is not None and base.clock_us is not None:
                start = max(start, base.clock_us)
            if start < limit:
                # The records stamped before the clock, or else those that re-order it.
                ids = [event.id for event in new_events if event.at_us < limit] or [
                    event.id for event in new_events
                ]
                self._late_time(account, resource, old, line, start, limit, ids)
        return line

    def _late_time(  # noqa: PLR0917 - private plumbing of plain values
        self,
        account: str,
        resource: str,
        old: _n.Timeline,
        new: _n.Timeline,
        start: int,
        end: int,
        ids: list[str | None],
    ) -> None:
        """Record what ``new`` changes over ``[start, end)`` against ``old``, per time meter."""
        window, spans = self.window, self.spans
        self.window = _Window(start, end, self.cycle, Span.from_us(start, end))
        try:
            points = self.window.points(start, end)
            for name, item in sorted(self.meters.items()):
                if item._factor is None:
                    continue
                self.late_ids.setdefault((account, resource, name), []).extend(ids)
                totals: dict[tuple[int, int], list[typing.Any]] = {}
                for sign, line in ((-1, old), (1, new)):
                    self.spans = {}
                    found: list[UsageRow] = []
                    self._time_rows(found, account, resource, name, item, points, line)
                    for row in found:
                        entry = totals.setdefault(
                            (row.cycle.start_us, row.cycle.end_us), [ZERO, row.description]
                        )
                        change = row.quantity if sign > 0 else CONTEXT.minus(row.quantity)
                        entry[0] = CONTEXT.add(entry[0], change)
                        if sign > 0:
                            entry[1] = row.description
                for (c0, c1), (quantity, description) in totals.items():
                    self._late_add(
                        account, resource, name, c0, c1, max(start, c0), quantity, description
                    )
        finally:
            self.window, self.spans = window, spans

    def _late_add(  # noqa: PLR0917 - private plumbing of plain values
        self,
        account: str,
        resource: str,
        name: str,
        c0: int,
        c1: int,
        first_us: int,
        quantity: Decimal,
        description: Mapping[str, object],
    ) -> None:
        entry = self.late.setdefault(
            (account, resource, name, c0, c1), [ZERO, first_us, description]
        )
        entry[0] = CONTEXT.add(entry[0], quantity)
        entry[1] = min(entry[1], first_us)

    def _late_cycles(self, t0: int, t1: int) -> list[tuple[int, int, int, int]]:
        """``[t0, t1)`` cut at cycle boundaries: ``(a, b, cycle start, cycle end)``."""
        if self.cycle is None:
            return [(t0, t1, t0, t1)]
        out = []
        a = t0
        while a < t1:
            c0, c1 = self.cycle.containing_us(a)
            b = min(c1, t1)
            out.append((a, b, c0, c1))
            a = b
        return out

    def _late_increment(  # noqa: PLR0917 - private plumbing of plain values
        self,
        account: str,
        resource: str,
        name: str,
        line: _n.Timeline,
        increment: Increment,
        limit: int,
    ) -> None:
        """Record the part of an increment that lies before ``limit``."""
        t0, t1, amount, record_ids = increment
        self.late_ids.setdefault((account, resource, name), []).extend(record_ids)
        if t0 == t1:
            c0, c1 = (t0, t0 + 1) if self.cycle is None else self.cycle.containing_us(t0)
            description = line.descriptions[line.index_at(t0)]
            self._late_add(account, resource, name, c0, c1, t0, amount, description)
            return
        for a, b, c0, c1 in self._late_cycles(t0, min(t1, limit)):
            part = CONTEXT.subtract(_apportion(amount, t0, t1, b), _apportion(amount, t0, t1, a))
            description = line.descriptions[line.index_at(a)]
            self._late_add(account, resource, name, c0, c1, a, part, description)

    def _late_rows(self) -> tuple[UsageRow, ...]:
        """The late rows, and a ``"late"`` anomaly per row (or per resource without one)."""
        rows = []
        reported: set[tuple[str, str]] = set()
        for key in sorted(self.late):
            account, resource, name, c0, c1 = key
            quantity, first_us, description = self.late[key]
            if not quantity:
                continue
            item = self.meters[name]
            end = min(c1, self.through if self.through is not None else c1)
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
                tuple(
                    dict.fromkeys(i for i in self.late_ids.get((account, resource, name), ()) if i)
                ),
            )
            rows.append(row)
            reported.add((account, resource))
            self.anomalies.add(
                first_us,
                account,
                resource,
                "late",
                f"late records of {resource!r} of {account!r} change meter {name!r} by "
                f"{row.quantity} {item.unit} over {format_us(row.span.start_us)}.."
                f"{format_us(row.span.end_us)}, before what was already metered: see "
                "Usage.late.",
                row.record_ids,
            )
        unreported: dict[tuple[str, str], list[str | None]] = {}
        for (account, resource, _), ids in sorted(self.late_ids.items()):
            if (account, resource) not in reported:
                unreported.setdefault((account, resource), []).extend(ids)
        for (account, resource), ids in unreported.items():
            known = tuple(dict.fromkeys(i for i in ids if i))
            self.anomalies.add(
                self.window.start,
                account,
                resource,
                "late",
                f"late records of {resource!r} of {account!r} belong before what was already "
                "metered; they change no quantity there (a non-additive meter's cycle must be "
                "aggregated again from all its readings).",
                known,
            )
        return tuple(rows)

    def _time_rows(  # noqa: PLR0912, PLR0915, PLR0917 - one pass of the hot loop
        self,
        rows: list[UsageRow],
        account: str,
        resource: str,
        name: str,
        item: Meter,
        points: list[int],
        line: _n.Timeline,
    ) -> None:
        window = self.window
        w0, w1 = window.start, window.end
        starts = line.starts
        statuses = line.statuses
        descriptions = line.descriptions
        count = len(starts)
        first = bisect.bisect_right(starts, w0) - 1
        level_of = typing.cast(TimePolicy, item.policy).level
        factor = item._factor
        assert factor is not None
        multiplier, divisor = factor
        unit = item.unit
        append = rows.append
        cycle_of = window.cycle_of
        single_cycle = window.cycle_spans[0] if len(window.cycle_spans) == 1 else None
        levels = self.levels.setdefault(name, {})
        spans = self.spans
        running = _n.RUNNING
        scale = _SCALE
        context = CONTEXT
        new_decimal = Decimal
        scaleb = Decimal.scaleb
        normalize = Decimal.normalize
        new = _new
        set_start, set_end = _SET_START, _SET_END
        set_account, set_meter, set_resource = _SET_ACCOUNT, _SET_METER, _SET_RESOURCE
        set_span, set_cycle, set_quantity = _SET_SPAN, _SET_CYCLE, _SET_QUANTITY
        set_unit, set_description, set_record_ids = _SET_UNIT, _SET_DESCRIPTION, _SET_RECORD_IDS
        for index in range(first, count):
            begin = starts[index]
            if begin >= w1:
                break
            if statuses[index] != running:
                continue
            finish = starts[index + 1] if index + 1 < count else w1
            a = begin if begin > w0 else w0  # noqa: FURB136 - faster than max/min on the hot path
            b = finish if finish < w1 else w1  # noqa: FURB136 - faster than max/min on the hot path
            if a >= b:
                continue
            description = descriptions[index]
            # F(t) = round(level * t * multiplier / divisor, 1e-24), in units of 1e-24:
            # round(numerator * t / denominator), with exact integers.
            key = id(description)
            known = levels.get(key)
            if known is not None:
                ratio = known[1]
            else:
                try:
                    level: object = level_of(description)
                except RatekitError as error:
                    raise type(error)(
                        f"meter {name!r}, resource {resource!r} of {account!r} as described by "
                        f"record {line.openers[index]!r} at {format_us(begin)}: {error}"
                    ) from None
                if level is None:
                    ratio = None
                else:
                    if not isinstance(level, Decimal):
                        # A user's policy may return an int or a float.
                        level = to_decimal(level, f"meter {name!r} level")
                    p, q = level.as_integer_ratio()
                    ratio = (p * multiplier * _SCALE, q * divisor)
                levels[key] = (description, ratio)
            if ratio is None:
                continue
            numerator, denominator = ratio
            opener = line.openers[index]
            closer = line.openers[index + 1] if index + 1 < count else None
            opening_ids: tuple[str, ...] = () if opener is None else (opener,)
            closing_ids = opening_ids if closer is None else (*opening_ids, closer)
            cut = bisect.bisect_right(points, a)
            piece_start = a
            low, remainder = divmod(numerator * piece_start, denominator)
            twice = remainder + remainder
            if twice > denominator or (twice == denominator and low & 1):
                low += 1
            while True:
                if cut < len(points) and points[cut] < b:
                    piece_end = points[cut]
                    cut += 1
                else:
                    piece_end = b
                # _round_ratio and _from_scaled, inlined: this runs once per row.
                high, remainder = divmod(numerator * piece_end, denominator)
                twice = remainder + remainder
                if twice > denominator or (twice == denominator and high & 1):
                    high += 1
                whole, fraction = divmod(high - low, scale)
                if fraction:
                    quantity = normalize(scaleb(new_decimal(high - low), -24, context), context)
                else:
                    quantity = new_decimal(whole)
                ids = closing_ids if piece_end == finish else opening_ids
                # _new_span and _new_row, inlined.
                # Meters of one resource share the span of a piece (fewer objects).
                span_key = piece_start * _SPAN_KEY + piece_end
                span = spans.get(span_key)
                if span is None:
                    span = new(Span)
                    set_start(span, piece_start)
                    set_end(span, piece_end)
                    spans[span_key] = span
                row = new(UsageRow)
                set_account(row, account)
                set_meter(row, name)
                set_resource(row, resource)
                set_span(row, span)
                set_cycle(row, single_cycle or cycle_of(piece_start))
                set_quantity(row, quantity)
                set_unit(row, unit)
                set_description(row, description)
                set_record_ids(row, ids)
                append(row)
                if piece_end == b:
                    break
                piece_start, low = piece_end, high

    def _span(self, start_us: int, end_us: int) -> Span:
        """The current resource's span ``[start_us, end_us)``, shared by its rows."""
        key = start_us * _SPAN_KEY + end_us
        span = self.spans.get(key)
        if span is None:
            span = self.spans[key] = _new_span(start_us, end_us)
        return span

    def _pieces(self, points: list[int], line: _n.Timeline) -> list[int]:
        """The starts of the sample pieces: ``points`` and the description changes.

        A status change alone (a stop, a start with the same description) does not cut a
        sample-based row: only the description and the cycle must be constant over it.
        O(p + s) for p points and s pieces of the timeline.
        """
        window = self.window
        w0, w1 = window.start, window.end
        starts = line.starts
        descriptions = line.descriptions
        inner = []
        for index in range(bisect.bisect_right(starts, w0), len(starts)):
            t = starts[index]
            if t >= w1:
                break
            before, after = descriptions[index - 1], descriptions[index]
            if before is not after and before != after:
                inner.append(t)
        if inner:
            return [w0, *sorted(set(points).union(inner))]
        return [w0, *points]

    def _sample_rows(  # noqa: PLR0912, PLR0915, PLR0917 - one pass of the hot loop
        self,
        rows: list[UsageRow],
        account: str,
        resource: str,
        name: str,
        item: Meter,
        points: list[int],
        line: _n.Timeline,
        readings: list[Sample],
        previous: Sample | None,
    ) -> None:
        window = self.window
        w0, w1 = window.start, window.end
        deleted_at = _deleted_from(line)
        if deleted_at is not None:
            for sample in readings:
                # A sample stamped at the delete instant itself is the last report of a
                # resource going away; only a later one is odd.
                if sample.at_us <= deleted_at:
                    continue
                index = line.index_at(sample.at_us)
                if line.statuses[index] == _n.DELETED and line.starts[index] < sample.at_us:
                    self.anomalies.add(
                        sample.at_us,
                        account,
                        resource,
                        "after_delete",
                        f"{_n.label(sample)} measures {resource!r} at {format_us(sample.at_us)}, "
                        "after the resource was deleted: it is counted, with no description.",
                        (sample.id,),
                    )
        if w1 <= w0:
            if item._deltas:
                # Nothing to report on, but the policy's anomalies (resets) still count.
                list(
                    typing.cast(DeltaPolicy, item.policy).increments(
                        readings, previous, self._reporter(account, resource)
                    )
                )
            return
        pieces = self._pieces(points, line)
        count = len(pieces)
        policy = item.policy
        if item._deltas:
            sums: list[Decimal | None] = [None] * count
            ids: list[list[str] | None] = [None] * count
            bisect_right = bisect.bisect_right
            add = CONTEXT.add
            increments: Iterable[Increment]
            distinct = False  # whether each piece's ids are known to be distinct
            late_before = self.late_before
            if late_before is not None and type(policy) is Discrete:
                # Deltas at an instant before the state's clock are late; the fast paths
                # below skip them, and the deltas over a span go through the loop.
                for sample in readings:
                    if sample.since_us is None and sample.at_us < late_before:
                        sid = sample.id
                        self._late_increment(
                            account,
                            resource,
                            name,
                            line,
                            (
                                sample.at_us,
                                sample.at_us,
                                sample.value,
                                () if sid is None else (sid,),
                            ),
                            late_before,
                        )
            if late_before is not None and type(policy) is not Discrete:
                increments = typing.cast(DeltaPolicy, policy).increments(
                    readings, previous, self._reporter(account, resource)
                )
            elif type(policy) is Discrete and _sum_columns(readings, pieces, w1, sums, ids):
                # The hot path of Discrete.increments for deltas at an instant only.
                increments = ()
                distinct = True
            elif type(policy) is Discrete:
                # The hot path of Discrete.increments: the deltas at an instant are summed
                # into their pieces directly; the deltas over a span go through the loop.
                increments = _sum_instant_deltas(readings, pieces, w1, sums, ids)
            else:
                increments = typing.cast(DeltaPolicy, policy).increments(
                    readings, previous, self._reporter(account, resource)
                )
            for increment in increments:
                t0, t1, amount, record_ids = increment
                if late_before is not None and t0 < late_before:
                    self._late_increment(account, resource, name, line, increment, late_before)
                if t0 == t1 or (t0 >= w0 and t1 <= w1):
                    # At an instant, or possibly within one piece.
                    if t0 < w0 or t0 >= w1:
                        continue
                    k = bisect_right(pieces, t0) - 1
                    if t0 == t1 or k + 1 >= count or t1 <= pieces[k + 1]:
                        total = sums[k]
                        sums[k] = amount if total is None else add(total, amount)
                        if record_ids:
                            found = ids[k]
                            if found is None:
                                ids[k] = list(record_ids)
                            else:
                                found.extend(record_ids)
                        continue
                c0 = max(t0, w0)
                c1 = min(t1, w1)
                if c0 >= c1:
                    continue
                k = bisect_right(pieces, c0) - 1
                while k < count and pieces[k] < c1:
                    a = max(pieces[k], c0)
                    b = min(pieces[k + 1] if k + 1 < count else w1, c1)
                    part = CONTEXT.subtract(
                        _apportion(amount, t0, t1, b), _apportion(amount, t0, t1, a)
                    )
                    total = sums[k]
                    sums[k] = part if total is None else add(total, part)
                    if record_ids:
                        found = ids[k]
                        if found is None:
                            ids[k] = list(record_ids)
                        else:
                            found.extend(record_ids)
                    k += 1
            for k, total in enumerate(sums):
                if total is None:
                    continue
                a = pieces[k]
                b = pieces[k + 1] if k + 1 < count else w1
                found = ids[k]
                rows.append(
                    _new_row(
                        account,
                        name,
                        resource,
                        self._span(a, b),
                        window.cycle_of(a),
                        _tidy(total),
                        item.unit,
                        line.descriptions[line.index_at(a)],
                        ()
                        if found is None
                        else tuple(found)
                        if distinct
                        else tuple(dict.fromkeys(found)),
                    )
                )
            return
        aggregate = typing.cast(SamplePolicy, policy).aggregate
        times = [sample.at_us for sample in readings]
        if self.late_before is not None and times and times[0] < self.late_before:
            self._late_readings(account, resource, name, item, line, readings, times)
        if not item._additive:
            self._whole_cycle_rows(
                rows, account, resource, name, item, pieces, line, readings, times, previous
            )
            return
        for k in range(count):
            a = pieces[k]
            b = pieces[k + 1] if k + 1 < count else w1
            lo = bisect.bisect_left(times, a)
            hi = bisect.bisect_left(times, b)
            before = readings[lo - 1] if lo > 0 else previous
            inside = readings[lo:hi]
            if not inside and before is None:
                continue
            quantity = aggregate(inside, a, b, before)
            if quantity is None:
                continue
            rows.append(
                _new_row(
                    account,
                    name,
                    resource,
                    self._span(a, b),
                    window.cycle_of(a),
                    _tidy(quantity),
                    item.unit,
                    line.descriptions[line.index_at(a)],
                    tuple(s.id for s in inside if s.id is not None),
                )
            )

    def _late_readings(  # noqa: PLR0917 - private plumbing of plain values
        self,
        account: str,
        resource: str,
        name: str,
        item: Meter,
        line: _n.Timeline,
        readings: list[Sample],
        times: list[int],
    ) -> None:
        """Readings of an aggregation stamped before the state's clock.

        An additive aggregation's late readings are aggregated per cycle into late rows;
        a non-additive one's cannot be corrected by a quantity (the cycle's aggregate must
        be computed again from all its readings): they are reported, with no quantity.
        """
        limit = self.late_before
        assert limit is not None
        late = readings[: bisect.bisect_left(times, limit)]
        self.late_ids.setdefault((account, resource, name), []).extend(s.id for s in late)
        if not item._additive:
            return
        aggregate = typing.cast(SamplePolicy, item.policy).aggregate
        by_cycle: dict[tuple[int, int], list[Sample]] = {}
        for sample in late:
            bounds = (
                (sample.at_us, sample.at_us + 1)
                if self.cycle is None
                else self.cycle.containing_us(sample.at_us)
            )
            by_cycle.setdefault(bounds, []).append(sample)
        for (c0, c1), group in by_cycle.items():
            quantity = aggregate(group, c0, c1, None)
            if quantity is not None:
                description = line.descriptions[line.index_at(group[0].at_us)]
                self._late_add(
                    account, resource, name, c0, c1, group[0].at_us, quantity, description
                )

    def _whole_cycle_rows(  # noqa: PLR0917 - private plumbing of plain values
        self,
        rows: list[UsageRow],
        account: str,
        resource: str,
        name: str,
        item: Meter,
        pieces: list[int],
        line: _n.Timeline,
        readings: list[Sample],
        times: list[int],
        previous: Sample | None,
    ) -> None:
        """Rows of a non-additive meter: one aggregate per cycle, shared out in time.

        The aggregate is computed once over the part ``[c0, c1)`` of each cycle inside the
        window; each piece ``[a, b)`` of it (cut where the description or the price
        changes) gets the share ``F(b) - F(a)`` with ``F`` the aggregate apportioned
        linearly over ``[c0, c1)`` (exact at both ends), so the rows of a cycle add up to
        its aggregate exactly. O(n + p) for n readings and p pieces.
        """
        window = self.window
        w1 = window.end
        aggregate = typing.cast(SamplePolicy, item.policy).aggregate
        count = len(pieces)
        k = 0
        while k < count:
            cycle = window.cycle_of(pieces[k])
            c0 = pieces[k]
            j = k + 1
            while j < count and pieces[j] < cycle.end_us:
                j += 1
            c1 = pieces[j] if j < count else w1
            lo = bisect.bisect_left(times, c0)
            hi = bisect.bisect_left(times, c1)
            before = readings[lo - 1] if lo > 0 else previous
            inside = readings[lo:hi]
            quantity = None
            if inside or before is not None:
                quantity = aggregate(inside, c0, c1, before)
            if quantity is not None:
                whole = _tidy(quantity)
                ids = tuple(s.id for s in inside if s.id is not None)
                for m in range(k, j):
                    a = pieces[m]
                    b = pieces[m + 1] if m + 1 < count else w1
                    share = (
                        whole
                        if a == c0 and b == c1
                        else _tidy(
                            CONTEXT.subtract(
                                _apportion(whole, c0, c1, b), _apportion(whole, c0, c1, a)
                            )
                        )
                    )
                    rows.append(
                        _new_row(
                            account,
                            name,
                            resource,
                            self._span(a, b),
                            cycle,
                            share,
                            item.unit,
                            line.descriptions[line.index_at(a)],
                            ids,
                        )
                    )
            k = j

    def _reporter(self, account: str, resource: str) -> Report:
        anomalies = self.anomalies

        def report(kind: AnomalyKind, message: str, involved: Sequence[Sample]) -> None:
            at_us = max((s.at_us for s in involved), default=self.window.start)
            anomalies.add(at_us, account, resource, kind, message, [s.id for s in involved])

        return report


def _sum_instant_deltas(
    readings: Sequence[Sample],
    pieces: list[int],
    end_us: int,
    sums: list[Decimal | None],
    ids: list[list[str] | None],
) -> list[Increment]:
    """Add each delta at an instant to the piece containing it; return the other deltas.

    Exactly what :meth:`Discrete.increments` and the general loop of the engine do, in one
    pass. ``pieces`` are the starts of the pieces, the last one ending at ``end_us``.
    O(n) for readings in time order (a bisection only when the piece changes).
    """
    over_spans: list[Increment] = []
    count = len(pieces)
    start_us = pieces[0]
    k = 0
    low = start_us
    high = pieces[1] if count > 1 else end_us
    add = CONTEXT.add
    for sample in readings:
        at_us = sample.at_us
        since_us = sample.since_us
        if since_us is not None and since_us != at_us:
            sid = sample.id
            over_spans.append((since_us, at_us, sample.value, () if sid is None else (sid,)))
            continue
        if at_us < start_us or at_us >= end_us:
            continue
        if not low <= at_us < high:
            k = bisect.bisect_right(pieces, at_us) - 1
            low = pieces[k]
            high = pieces[k + 1] if k + 1 < count else end_us
        total = sums[k]
        value = sample.value
        sums[k] = value if total is None else add(total, value)
        sid = sample.id
        if sid is not None:
            found = ids[k]
            if found is None:
                ids[k] = [sid]
            else:
                found.append(sid)
    return over_spans


_SINCE: Final = operator.attrgetter("since_us")
_VALUE: Final = operator.attrgetter("value")
_ID: Final = operator.attrgetter("id")


def _sum_columns(
    readings: Sequence[Sample],
    pieces: list[int],
    end_us: int,
    sums: list[Decimal | None],
    ids: list[list[str] | None],
) -> bool:
    """What :func:`_sum_instant_deltas` does, at C speed, when every delta is at an instant.

    Returns ``False``, having done nothing, when some delta covers a span. ``readings``
    are in time order; each piece sums a slice of their values, as the same left fold in
    the same order. One resource's samples have distinct ids (grouping drops replays), so
    a piece's ids need no deduplication. O(n + p log n) for p pieces.
    """
    if list(map(_SINCE, readings)).count(None) != len(readings):
        return False
    times = list(map(_n._BY_TIME, readings))
    values = list(map(_VALUE, readings))
    column = list(map(_ID, readings))
    count = len(pieces)
    add = CONTEXT.add
    lo = bisect.bisect_left(times, pieces[0])
    for k in range(count):
        hi = bisect.bisect_left(times, pieces[k + 1] if k + 1 < count else end_us, lo)
        if hi > lo:
            sums[k] = functools.reduce(add, values[lo:hi])
            found = list(filter(None, column[lo:hi]))
            if found:
                ids[k] = found
        lo = hi
    return True


def _sort_samples(samples: list[Sample]) -> None:
    """Sort by ``(at, seq, value, id)``: by time at C speed, the full key only on ties."""
    samples.sort(key=_n._BY_TIME)
    times = list(map(_n._BY_TIME, samples))
    if len(set(times)) != len(times):
        samples.sort(key=_sample_order)


def _sample_order(sample: Sample) -> tuple[int, int, Decimal, str]:
    seq = sample.seq
    return (sample.at_us, -1 if seq is None else seq, sample.value, sample.id or "")


def _deleted_from(line: _n.Timeline) -> int | None:
    for start, status in zip(line.starts, line.statuses, strict=True):
        if status == _n.DELETED:
            return start
    return None


def _restore(state: ResourceState) -> _n.Timeline:
    line = _n.Timeline()
    status = _n.STATUS_NAMES.index(state.status)
    if status != _n.UNKNOWN and state.since_us is not None:
        description = state.description
        assert isinstance(description, _FrozenDict)
        line.push(state.since_us, description, status, state.opened_by)
    if state.clock_us is not None:
        line.clock_us = state.clock_us
        line.last_event_us = state.clock_us
    line.seq = state.seq
    return line


def _previous_reading(
    state: ResourceState | None, account: str, resource: str, name: str
) -> Sample | None:
    if state is None:
        return None
    for meter_name, at_us, value, kind, record_id in state.readings:
        if meter_name == name:
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
                None,
            )
            return sample
    return None


def _state_of(  # noqa: PLR0917 - private plumbing of plain values
    account: str,
    resource: str,
    line: _n.Timeline,
    per_meter: Mapping[str, list[Sample]],
    previous: ResourceState | None,
    new_events: Sequence[Event],
    through_us: int,
    settled: bool,
) -> ResourceState:
    readings = {entry[0]: entry for entry in (previous.readings if previous else ())}
    for name, samples in per_meter.items():
        if samples:
            last = samples[-1]
            known = readings.get(name)
            if known is None or known[1] <= last.at_us:
                readings[name] = (name, last.at_us, last.value, last.kind, last.id)
    applied = list(previous.applied) if previous is not None else []
    fresh = [(event.at_us, event.id) for event in new_events if event.id is not None]
    for samples in per_meter.values():
        fresh.extend((s.at_us, s.id) for s in samples if s.id is not None)
    if fresh:
        applied.extend(fresh)
        applied.sort()
        del applied[:-MEMORY]
    history: tuple[Event, ...] = ()
    base: ResourceState | None = None
    if not settled:
        index = line.snapshot_index if line.snapshot is not None else 0
        history = tuple(line.order[index:])
        if history and line.snapshot is not None:
            start, description, status, opener, clock_us, seq, _ = line.snapshot
            base = ResourceState(
                account,
                resource,
                _n.STATUS_NAMES[status],
                description,
                start if status != _n.UNKNOWN else None,
                opener,
                clock_us if clock_us != _n.NEVER else None,
                seq,
            )
        elif history and previous is not None:
            base = previous.base if previous.history else _without_memory(previous)
    if base is not None and base == ResourceState(account, resource, "unknown", {}):
        base = None  # a resource never seen before the history: the default base
    status = line.statuses[-1]
    if previous is not None and previous.through_us is not None:
        through_us = max(through_us, previous.through_us)
    return ResourceState(
        account,
        resource,
        _n.STATUS_NAMES[status],
        line.descriptions[-1],
        line.starts[-1] if status != _n.UNKNOWN else None,
        line.openers[-1],
        line.clock_us if line.clock_us != _n.NEVER else None,
        line.seq,
        tuple(readings[name] for name in sorted(readings)),
        through_us,
        tuple(applied),
        history,
        base,
    )


def _without_memory(state: ResourceState) -> ResourceState:
    """The piece, clock and seq of ``state``: a base for a history."""
    return ResourceState(
        state.account,
        state.resource,
        state.status,
        state.description,
        state.since_us,
        state.opened_by,
        state.clock_us,
        state.seq,
    )


def _iterable(value: object, what: str) -> Iterable[object]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise RatekitTypeError(
            f"{what} must be an iterable (a list or tuple), not {type(value).__name__}: {value!r}."
        )
    return value
