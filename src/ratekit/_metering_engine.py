"""One metering call's pass: plain values in, usage rows, anomalies and carried states out.

[`meter()`][ratekit.meter] and rating's `meter_cut_by_account()` (`ratekit.metering`) check
their arguments' kinds and hand them to an `_Engine`, which groups the records by resource
(`_normalize`), walks each resource's timeline once and builds its rows with the time
and sample policies' metering (`_metering_time`, `_metering_samples`), late rows and
carried states (`_metering_carry`, `_metering_late`, `_metering_next_state`). Split from
`metering.py`, which keeps the public entry points and their documentation.
"""

from __future__ import annotations

import datetime as _dt
import functools
import typing
from collections.abc import Container, Iterable, Mapping, Sequence

from . import _metering_carry as _carry
from . import _metering_corrections as _corrections
from . import _metering_extent as _extent
from . import _metering_late as _late
from . import _metering_memory as _memory
from . import _metering_next_state as _next_state
from . import _metering_no_effect as _no_effect
from . import _metering_pending as _pending
from . import _metering_samples as _samples
from . import _metering_spread as _spread
from . import _metering_time as _time
from . import _normalize as _n
from . import _timelines as _t
from . import _values as _v
from ._batch_columns import Told
from ._caller_objects import has_method
from ._cuts import read_given
from ._earliest import earliest_of, left_out, lower_to
from ._instants import to_us
from ._meter_kinds import accepted_kinds
from ._metering_cycle import checked as _checked_cycle
from ._shown import show
from ._state_doors import Pending
from ._window import _SPAN_KEY, CycleLike, _Window
from .batches import RecordBatch
from .errors import RatekitTypeError
from .policies import Discrete, Meter, Report, meters_of
from .records import (
    AnomalyKind,
    Event,
    Inventory,
    Sample,
)
from .spans import Span
from .usage import (
    ResourceState,
    Usage,
    UsageRow,
    _new_span,
)

if typing.TYPE_CHECKING:
    from ._cuts import AccountCuts, AccountCycles

__all__ = ["_Engine"]


class _Engine:
    """One [`meter()`][ratekit.meter] call: plain values in, rows out."""

    def __init__(  # noqa: PLR0917 - private plumbing of plain values
        self,
        records: Iterable[Event | Sample | Inventory],
        meters: Iterable[Meter],
        span: Span,
        cycle: CycleLike | None,
        as_of: _dt.datetime | str,
        cuts: Mapping[str, Iterable[int]] | None,
        state: Iterable[ResourceState],
    ) -> None:
        self.meters: dict[str, Meter] = {}
        # a batch's own tuple (no copy), and what its columns told (`_n.group()` reads it)
        self.told: Told | None = None
        if type(records) is RecordBatch:
            self.told = records._told
            records = records._records
        records = _v.collection(records, "meter() records", accepted="a list of records")
        self.meters = meters_of(meters, "meter() meters")
        # Whether a meter counts time (running time between calls is said when lost).
        self.timed = any(item._factor is not None for item in self.meters.values())
        if not isinstance(span, Span):
            raise RatekitTypeError(
                f"meter() span must be a Span, not {type(span).__name__}: {show(span)}."
            )
        if cycle is not None and not (
            has_method(cycle, "boundaries_us") and has_method(cycle, "containing_us")
        ):
            raise RatekitTypeError(
                "meter() cycle must be a billing cycle (rk.cycles.monthly(tz=...), "
                "rk.cycles.daily(tz=...), ...: an object with boundaries_us and containing_us) "
                f"or None, not {type(cycle).__name__}: {show(cycle)}."
            )
        if cuts is not None and not isinstance(cuts, Mapping):
            raise RatekitTypeError(
                "meter() cuts must be a mapping of meter names to instants (epoch "
                f"microseconds), or None, not {type(cuts).__name__}: {show(cuts)}."
            )
        self.as_of_us = to_us(as_of, "meter() as_of")
        self.span = span
        end = min(span.end_us, self.as_of_us)
        # A cycle of the user's own is checked where metering reads it (_metering_cycle).
        cycle = _checked_cycle(cycle)
        self.window = _Window(span.start_us, max(end, span.start_us), cycle, span)
        self.records = records
        self.cuts = read_given(cuts, self.meters)
        self.cycle = cycle
        self.state, self.through = _carry.carried(state, span)
        # With own_clocks (the rater's), a resource without a carried state has no clock:
        # not the call's (the latest of the states given), which is another resource's.
        self.own_clocks = False
        self.late_before: int | None = None  # the current resource's late limit, if any
        # Late changes per (account, resource, meter, cycle start, cycle end, description,
        # stretch): [quantity, first instant, description].
        self.late: dict[
            tuple[str, str, str, int, int, typing.Any, typing.Any], list[typing.Any]
        ] = {}
        self.late_ids: dict[tuple[str, str, str], list[str | None]] = {}
        self.anomalies = _n.Anomalies()
        self.replaced: set[str] = set()  # records whose piece another replaced at once
        # The current resource's sample ids per meter, when a fast path gathered them.
        self.id_columns: dict[str, list[str | None]] = {}
        self.spans: dict[int, Span] = {}  # the current resource's row spans, by start and end
        self.descriptions: _t.Descriptions = {}  # equal descriptions, shared (`_timeline_descriptions`)
        # Per tuple of time-based meters metered together, the ratios of their levels of
        # each description met, by id(description); the entry keeps its description alive,
        # so the id is not reused during the call.
        self.levels: dict[
            tuple[str, ...],
            dict[int, tuple[Mapping[str, object], tuple[tuple[int, int] | None, ...]]],
        ] = {}
        # The time meters of the plan `_metering_time` metered last, and their levels'
        # table: the plan, the meters (name, meter, unit, cut points and their number)
        # and the table (the entry keeps the plan alive).
        self.timed_plan: (
            tuple[
                object,
                list[tuple[str, Meter, str, list[int], int]],
                dict[int, tuple[Mapping[str, object], tuple[tuple[int, int] | None, ...]]],
            ]
            | None
        ) = None
        self.conflicts = "raise"
        # Whether some sample of the call is a delta over a span (`_n.Grouped.spanned`).
        self.spanned = True
        # Per resource, the amounts spread past the window's end (see _metering_pending).
        self.pending: dict[tuple[str, str], list[Pending]] = {}
        # Each account's own cuts, when rating gives them (see meter_cut_by_account), and
        # the cut points they make, per mapping (accounts of the same plans share one).
        self.account_cuts: AccountCuts | None = None
        self.account_plans: dict[
            tuple[int, int], tuple[object, list[tuple[str, Meter, list[int]]]]
        ] = {}
        # Each account's own cycle, when rating gives them, and a window per cycle met.
        self.account_cycles: AccountCycles | None = None
        # Where each account has a plan, when the rater gives it: late rows keep that part.
        self.assigned: _late.Assigned | None = None
        # Whether the carried states are built: rating drops them (`meter_cut_by_account`).
        self.keep_states = True
        # Where rating's span cuts a cycle: up to where a non-additive meter's cycle is
        # aggregated, its as_of (`ratekit._whole_cycles`); None: the window's part of it.
        self.whole: int | None = None
        # Whether the caller deduplicated the records and keeps them: no replay is looked
        # for, the states remember no record (`meter_cut_by_account`).
        self.deduplicated = False
        self.windows: list[tuple[CycleLike | None, CycleLike | None, _Window]] = [
            (cycle, cycle, self.window)
        ]

    def _use_cycle(self, cycle: CycleLike | None) -> None:
        """Meter what follows by ``cycle`` (the window of that cycle, made once). O(c)."""
        for given, checked, window in self.windows:
            if given is cycle or given == cycle:
                self.cycle, self.window = checked, window
                return
        checked = _checked_cycle(cycle)
        span = self.span
        window = _Window(span.start_us, self.window.end, checked, span)
        self.windows.append((cycle, checked, window))
        self.cycle, self.window = checked, window

    def _points(self, cuts: Iterable[int]) -> list[int]:
        """The window's cycle starts (unless lazy) and ``cuts`` inside it, ascending."""
        window = self.window
        # Lazy: the cycle starts are added per resource, where it has something to meter.
        points = set() if window.lazy else set(window.cycle_starts[1:])
        points.update(cut for cut in cuts if window.start < cut < window.end)
        return sorted(points)

    def _plan_of(
        self, account: str, plan: list[tuple[str, Meter, list[int]]]
    ) -> list[tuple[str, Meter, list[int]]]:
        """Per meter of ``plan``, its cut points for ``account`` (the same for all: ``plan``)."""
        if self.account_cuts is None:
            return plan
        cuts = self.account_cuts(account)
        # keyed by id: the mapping (and the window) is kept alive beside its points
        key = (id(cuts), id(self.window))
        known = self.account_plans.get(key)
        if known is None:
            points = [(name, item, self._points(cuts.get(name, ()))) for name, item, _ in plan]
            known = self.account_plans[key] = (cuts, points)
        return known[1]

    def _rises(self, account: str) -> Container[str]:
        """The counters whose rows ``account``'s plans take in time order (`ratekit._cuts.Cuts`)."""
        if self.account_cuts is None:
            return ()
        return getattr(self.account_cuts(account), "rises", ())

    def run(self) -> Usage:  # noqa: PLR0912, PLR0915 - one pass over the resources
        accepted = accepted_kinds(self.meters)
        # Aggregations of readings keep nothing of a reading after the span's end: the
        # state does not remember it as applied (see `_next_state.state_of`).
        held = frozenset(
            name for name, item in self.meters.items() if not item._deltas and item._factor is None
        )
        # An additive aggregation's state keeps the readings it counted (`_metering_moved`).
        counted = frozenset(name for name in held if self.meters[name]._additive)
        # The caller keeps the records: the states remember none, and keep only the last
        # reading of a meter that takes no counter readings (`meter_cut_by_account`).
        last_only = None
        if self.deduplicated:
            last_only = frozenset(
                name for name, kinds in accepted.items() if "counter" not in kinds
            )
        records: Sequence[Event | Sample | Inventory] = self.records
        deduplicated = self.deduplicated
        told = self.told
        if not deduplicated and any(s.applied or s._seen for s in self.state.values()):
            # checked first: looking a record up in the states reads its fields
            records = _memory.forget_replays(self, _n.of_records(records))
            told = None  # (some records may be left out)
        grouped = _n.group(
            records,
            accepted,
            self.as_of_us,
            self.anomalies,
            self.conflicts,
            deduplicated=deduplicated,
            told=told,
        )
        events, samples, inventories, samples_in_order, events_in_order, tied, spanned, _ = grouped
        self.spanned = spanned
        if grouped.below_zero and spanned:
            # a correction over a span takes back the usage within it first (`_metering_spread`)
            cycle = self.cycle
            _spread.reshape(samples, self.meters, None if cycle is None else cycle.containing_us)
        # Where corrections cut the rows of a meter used at instants (a Discrete meter's, a
        # delta policy's of one's own, a count's), per account (`_metering_corrections`),
        # and, where an account's plans take a meter's rows in the order of their deltas'
        # instants, at each delta (`ratekit._cuts.Cuts.every`)
        every = None
        if self.account_cuts is not None:
            account_cuts = self.account_cuts

            def every(account: str) -> Container[str]:
                return getattr(account_cuts(account), "every", ())

        # A counter's rows are cut at each of its readings where its account's plans price
        # it apart at one instant, in time order (`_corrections.reading_cuts`).
        rises = _corrections.spread_between(self.meters.values()) if every is not None else ()
        corrections = (
            _corrections.correction_cuts(
                samples,
                self.meters,
                self.window.start,
                self.window.end,
                every=every,
                below_zero=grouped.below_zero,
            )
            if grouped.below_zero or every is not None
            else {}
        )
        # Each account's first record, kept on the Usage (not the records: see _earliest),
        # unless the caller keeps its records (then it knows them).
        first_us: dict[str, int] | None = None
        if not deduplicated:
            first_us = {}
            earliest_of(first_us, left_out(self.records, events, samples, len(inventories)))
        names = sorted(self.meters)
        plan = [(n, self.meters[n], self._points(self.cuts.get(n, ()))) for n in names]  # type: ignore[arg-type]
        keys: set[tuple[str, str]] = set(events) | set(samples) | set(self.state)
        for inventory in inventories:
            keys.update((account, resource) for account, resource, _ in inventory.resources)
        rows: list[UsageRow] = []
        states: list[ResourceState] = []
        window = self.window
        cycles = self.account_cycles
        for key in sorted(keys):
            account, resource = key
            if cycles is not None:
                self._use_cycle(cycles(account))
                window = self.window
            per_meter = samples.get(key, {})
            for name, group in per_meter.items():
                # Records that arrived in time order need no sorting (see _n.Grouped).
                if len(group) > 1 and (not samples_in_order or (*key, name) in tied):
                    per_meter[name] = _samples.sort_samples(group, self.anomalies, self.replaced)
                if first_us is not None:  # in time order now: the first is the earliest
                    lower_to(first_us, account, per_meter[name], in_order=True, deltas=spanned)
            sample_times: Sequence[int] = ()
            if inventories and per_meter:
                sample_times = sorted(s.at_us for group in per_meter.values() for s in group)
            previous_state = self.state.get(key)
            new_events: Sequence[Event] = events.get(key, ())
            if not deduplicated and len(new_events) > 1:
                new_events = _n.unique(events[key], self.anomalies)
            limit = None if self.own_clocks else self.through
            if previous_state is not None and previous_state.through_us is not None:
                limit = previous_state.through_us
            self.late_before = None if limit is None else min(limit, window.start)
            line = _carry.timeline(
                self,
                account,
                resource,
                new_events,
                inventories,
                sample_times,
                previous_state,
                limit,
                in_order=events_in_order and key not in tied,
            )
            if first_us is not None and key in events:  # read now, its events just read
                in_order = events_in_order and key not in tied
                lower_to(first_us, account, events[key], in_order=in_order)
            if line.replaced:
                self.replaced.update(i for i in line.replaced if i is not None)
            if limit is not None and limit < window.start and self.timed:
                _time.gap(self, account, resource, line, limit)
            self.spans = {}
            if self.id_columns:
                self.id_columns = {}
            resource_plan = self._plan_of(account, plan)
            if window.lazy:
                extra = sorted(
                    {t for lo, hi in _extent.extent(self, line, per_meter, previous_state)
                     for t in window.points(lo, hi)}
                )  # fmt: skip
                resource_plan = [
                    (n, m, sorted(set(points).union(extra)) if extra else points)
                    for n, m, points in resource_plan
                ]
            pending_meters: set[str] = set()
            # The time meters' rows, made in one walk of the pieces at the first of them.
            timed: list[list[UsageRow]] | None = None
            taken = 0  # the time meters whose rows are taken
            for name, item, points in resource_plan:
                if item._factor is not None:
                    if window.end <= window.start:
                        continue
                    if timed is None:
                        timed = _time.time_rows(self, account, resource, resource_plan, line)
                    rows += timed[taken]
                    taken += 1
                    continue
                readings = per_meter.get(name)
                if (
                    previous_state is not None
                    and previous_state.pending
                    and any(entry[0] == name for entry in previous_state.pending)
                ):
                    pending_meters.add(name)  # billed on in this span (_metering_pending)
                cut = points
                if type(item.policy) is Discrete:
                    # Deltas count from no reading before them: none is built.
                    previous = None
                    if not readings and name not in pending_meters:
                        continue
                else:
                    previous = _carry.previous_reading(previous_state, account, resource, name)
                if corrections and (account, name) in corrections:
                    cut = _corrections.with_cuts(points, corrections[account, name])
                elif readings and name in rises and name in self._rises(account):
                    cut = _corrections.reading_cuts(points, readings, window.start, window.end)
                if previous is None and readings:
                    baseline = getattr(item.policy, "baseline", None)
                    if baseline is not None:
                        # A counter that counts from zero at the resource's start (Counter).
                        first = readings[0]
                        previous = baseline(first, line.running_since(first.at_us))
                if not readings and previous is None and name not in pending_meters:
                    continue
                _samples.sample_rows(
                    self,
                    rows,
                    account,
                    resource,
                    name,
                    item,
                    cut,
                    line,
                    readings or [],
                    previous,
                    previous_state,
                )
            if not self.keep_states:
                continue
            state = _next_state.state_of(
                account,
                resource,
                line,
                per_meter,
                previous_state,
                new_events,
                window.end,
                inventories,
                self.id_columns,
                held,
                counted,
                start_us=window.start,
                last_only=last_only,
            )
            if self.pending or (previous_state is not None and previous_state.pending):
                state = _pending.carried(self, state, previous_state, pending_meters)
            states.append(state)
        if cycles is not None:
            self._use_cycle(self.windows[0][0])
        late = _late.late_rows(self)
        anomalies = self.anomalies.result()
        rows_out = tuple(rows)
        no_effect = functools.partial(
            _no_effect.no_effect,
            typing.cast("Sequence[Event | Sample | Inventory]", self.records),
            (rows_out, late, anomalies),
            self.replaced,
            any(item._factor is not None for item in self.meters.values()),
            self.window.start,
            self.as_of_us,
            self.window.end,
        )
        return Usage(
            rows_out,
            anomalies,
            tuple(states),
            late,
            no_effect,
            meters=tuple(self.meters.values()),
            first_us={} if first_us is None else first_us,
            cuts={
                name: sorted({typing.cast("int", t) for t in instants})
                for name, instants in self.cuts.items()
            },
        )

    def _span(self, start_us: int, end_us: int) -> Span:
        """The current resource's span ``[start_us, end_us)``, shared by its rows."""
        key = start_us * _SPAN_KEY + end_us
        span = self.spans.get(key)
        if span is None:
            span = self.spans[key] = _new_span(start_us, end_us)
        return span

    def _reporter(self, account: str, resource: str) -> Report:
        anomalies = self.anomalies

        def report(kind: AnomalyKind, message: str, involved: Sequence[Sample]) -> None:
            at_us = max((s.at_us for s in involved), default=self.window.start)
            anomalies.add(at_us, account, resource, kind, message, [s.id for s in involved])

        return report
