"""Metering: from records to exact quantities per resource and piece of time.

A [`Meter`][ratekit.Meter] names what is measured, its unit and its **cost policy**: how usage over a
piece of time becomes a quantity. [`meter()`][ratekit.meter] applies meters to records and returns
[`Usage`][ratekit.Usage]: one [`UsageRow`][ratekit.UsageRow] per ``(account, meter, resource)`` and piece of time
over which the resource's description and the billing cycle are constant, plus the
anomalies found and the state to carry to the next call.

There are three kinds of policy, each a small `typing.Protocol` (a user-written
policy plugs in the same way as the built-ins):

- [`TimePolicy`][ratekit.TimePolicy] (``level(description)``): the quantity accrues over time at a level
  derived from the description, while the resource runs. [`OnOff`][ratekit.OnOff] (instance-hours
  while running, or while a condition holds) and [`Continuous`][ratekit.Continuous] (GiB-hours of a disk,
  MB x instances x hours of an app).
- [`DeltaPolicy`][ratekit.DeltaPolicy] (``accepts(kind)``, ``increments(...)``): samples become amounts at
  an instant or over a span; amounts over a span are apportioned linearly to the pieces
  they cover. [`Discrete`][ratekit.Discrete] (the sum of deltas) and [`Counter`][ratekit.Counter] (cumulative
  readings turned into reset-aware deltas).
- [`SamplePolicy`][ratekit.SamplePolicy] (``accepts(kind)``, ``aggregate(...)``): an aggregation of the
  readings in each piece: [`Max`][ratekit.Max], [`Min`][ratekit.Min], [`Latest`][ratekit.Latest], [`Count`][ratekit.Count],
  [`UniqueCount`][ratekit.UniqueCount], [`Percentile`][ratekit.Percentile], [`TimeWeightedMean`][ratekit.TimeWeightedMean].

Exactness: an hour is 3.6e9 µs, so a time quantity in hours rarely has a finite decimal
expansion. ratekit never adds rounded slices: the quantity of a piece ``[a, b)`` is
``F(b) - F(a)`` for a cumulative function ``F`` rounded half-even to a fixed quantum of 1e-24
(``F(t) = level * t / unit`` for time, with ``t`` the absolute instant; ``F(t) = amount *
(t - t0) / (t1 - t0)`` for an amount over ``[t0, t1)``, with ``F(t0) = 0`` and
``F(t1) = amount`` exactly). Quantities therefore telescope: the rows of a span add up
exactly to the rows of its pieces, and a whole hour is exactly 1.

Examples:
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

import datetime as _dt
import typing
from collections.abc import Iterable, Mapping

from . import _metering_late as _late
from ._entry_points import in_context
from ._meter_kinds import accepted_kinds as accepted_kinds  # noqa: PLC0414 - read from here
from ._metering_engine import _Engine
from ._shown import show
from ._text import one_of
from ._window import CycleLike
from .errors import RatekitTypeError
from .policies import Meter
from .records import (
    Event,
    Inventory,
    Sample,
)
from .spans import Span
from .usage import (
    ResourceState,
    Usage,
)

if typing.TYPE_CHECKING:
    from ._cuts import AccountCuts, AccountCycles

__all__ = [
    "meter",
]

# -- the entry points ---------------------------------------------------------------------


@in_context
def meter(
    records: Iterable[Event | Sample | Inventory],
    meters: Iterable[Meter],
    *,
    span: Span,
    cycle: CycleLike | None,
    as_of: _dt.datetime | str,
    cuts: Mapping[str, Iterable[int]] | None = None,
    state: Iterable[ResourceState] = (),
    conflicts: typing.Literal["raise", "anomaly"] = "raise",
) -> Usage:
    """Meter ``records`` with ``meters`` over ``span``, up to ``as_of``: rows and anomalies.

    The rules:

    - Records are deduplicated (a replay is a ``"duplicate"`` anomaly; the same id with
      other content raises [`ConflictingRecordError`][ratekit.ConflictingRecordError] naming both records,
      or with ``conflicts="anomaly"`` is ignored and reported as a ``"conflict"`` anomaly,
      so one bad record does not stop a batch: of the versions of an id given together,
      the same one is kept whatever the order they are listed in: an event before a
      sample, of two events the greater ``seq``, of two samples the earlier, otherwise
      the smaller content digest; against a carried state, the one applied first)
      and each resource's events applied in order (see [`Event`][ratekit.Event] for kinds,
      ``seq`` and the anomalies). Records stamped at or after ``as_of`` are not known yet:
      they are ignored.
    - Rows cover ``span`` clipped to ``as_of`` (half-open): a resource still running is
      metered up to ``as_of``. Each row lies inside one piece over which the description
      and the billing cycle are constant, further cut at ``cuts[meter]`` (ascending epoch
      microseconds: where a price changes). Time-based meters accrue over the running
      pieces only; sample-based rows are not cut where only the status changes. ``cycle``
      is any object with ``boundaries_us`` and ``containing_us`` (``ratekit.cycles``),
      or ``None`` to use ``span`` itself as the cycle; what a cycle of one's own returns
      is checked where it is read (a [`BadCalendarError`][ratekit.BadCalendarError]
      naming it, see [`Cycle`][ratekit.cycles.Cycle]).
    - Time-based quantities split in proportion to time; an amount at an instant goes to
      the piece that contains it; amounts over a span (deltas, counter differences) are
      apportioned linearly. Every split telescopes (see `ratekit.metering`), so asking
      for a span gives exactly the sum of asking for its pieces, whatever the order in
      which the records arrive; replaying any record changes no row.
    - ``state`` continues from an earlier call's [`Usage.state`][ratekit.Usage.state]: the resources resume
      as they were at that call's ``as_of``. Replays of remembered records are
      duplicates, and a remembered id with other content (or on another resource) a
      conflict; a record that belongs before the state's clock is late: what it changes
      there is in [`Usage.late`][ratekit.Usage.late], with a ``"late"`` anomaly (see
      [`ResourceState`][ratekit.ResourceState]). Rows plus late rows equal metering all at once.
      The span starts at the state's clock or later (before it, what the earlier call
      metered would be billed twice: [`BadSpanError`][ratekit.BadSpanError]), and
      ``state`` holds one state per resource ([`RatekitTypeError`][ratekit.RatekitTypeError]).
      That holds for meters whose quantities add up (time, deltas, counters): a peak or a
      mean is of the readings of its call's span, so the rows of calls that share a cycle
      do not add up to the cycle's (readings of 10 and 20 in two calls are peaks of 10 and
      20, where the cycle's is 20); meter such a meter's cycle in one call, or let a
      [`Rater`][ratekit.Rater] keep the cycle.
    - Non-additive aggregations (see [`SamplePolicy`][ratekit.SamplePolicy]) are computed once
      per resource and cycle; their rows share the aggregate in proportion to time.
    - Events of a resource at one instant with no ``seq`` are ordered so that none is a
      duplicate when such an order exists, and reported as a ``"tie"``; so are readings
      (gauges, counters) of a resource and meter at one instant with no ``seq`` and other
      values, applied by value, the lower first (the higher holds).
    - [`Usage.no_effect`][ratekit.Usage.no_effect] names every record id in no row and no anomaly, with the
      reason; [`Usage.accounted()`][ratekit.Usage.accounted] covers every id given.
    - Arguments of the wrong type raise [`RatekitTypeError`][ratekit.RatekitTypeError] naming them.
      Over a window of many cycles, cycles are found only where resources have usage;
      cutting one resource's usage into more than 1,000,000 pieces (by its cycles, or
      ``cuts`` of more instants than that) raises [`BadSpanError`][ratekit.BadSpanError].

    Cost: O(n log n) for n records, plus O(log c) per piece for c cut points; no attrs
    instance is built per record, only per row. A carried state that remembers records
    adds O(m) for the m ids the states remember (set operations, at C speed).

    Examples:
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
    chosen = one_of(conflicts, ("raise", "anomaly"))
    if chosen is None:
        raise RatekitTypeError(
            f"meter() conflicts must be 'raise' or 'anomaly', not {show(conflicts)}."
        )
    engine = _Engine(records, meters, span, cycle, as_of, cuts, state)
    engine.conflicts = typing.cast(typing.Literal["raise", "anomaly"], chosen)
    return engine.run()


@in_context
def meter_cut_by_account(
    records: Iterable[Event | Sample | Inventory],
    meters: Iterable[Meter],
    *,
    span: Span,
    cycle: CycleLike | None,
    as_of: _dt.datetime | str,
    cuts: AccountCuts,
    state: Iterable[ResourceState] = (),
    cycles: AccountCycles | None = None,
    assigned: _late.Assigned | None = None,
    states: bool = True,
    own_clocks: bool = False,
    deduplicated: bool = False,
    whole: int | None = None,
) -> Usage:
    """`meter()` with each account's rows cut at its own instants, ``cuts(account)``.

    Rating's and the rater's way in (`ratekit._cuts`): the usage's ``cuts`` is empty.
    With ``cycles``, each account is metered by ``cycles(account)`` (its own first
    plan's cycle), not by ``cycle``. With ``assigned`` (the rater's), the late rows
    before a carried state's clock keep only what lies where the account has a plan
    (`_metering_late.Assigned`). Without ``states`` (rating's, which carries none), the
    usage's ``state`` is empty: no resource's carried state is built. With ``own_clocks``
    (the rater's, from the kept cycles' start), a resource is judged late against its own
    carried state's clock alone: one without a state has none, not another's.

    With ``deduplicated`` (the rater's, which deduplicates the records at its door and
    keeps them), no record is looked for among replays (of one another, or of what the
    carried states remember), and the states remember none of the records: no ids nor
    digests, and of a meter that takes no counter readings only the last reading (the
    rater's lean state, `ratekit._rater_states.lean()`, keeps no more). The usage then
    names no account's first record either (``Usage.first_us`` is empty: the rater knows
    its accounts' own). Rows, late rows and anomalies are those of the same call without
    it, given records that hold no replay.

    With ``whole`` (rating's, whose span may cut a cycle: its ``as_of``), a non-additive
    meter is aggregated over each cycle the span meets from the cycle's start, to its
    end or to ``whole`` where that is inside it, and the cycle's parts outside the span
    get rows too (`ratekit._whole_cycles`).
    """
    engine = _Engine(records, meters, span, cycle, as_of, None, state)
    engine.own_clocks = own_clocks
    engine.deduplicated = deduplicated
    engine.account_cuts = cuts
    engine.account_cycles = cycles
    engine.assigned = assigned
    engine.keep_states = states
    engine.whole = whole
    return engine.run()
