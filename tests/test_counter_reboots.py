"""`Counter(from_zero=True)`: every running stretch after a stop counts from 0.

A counter that starts at 0 when the resource starts (a modem's data counter, a CPU-time
counter) is 0 again after a STOP and a START: the first reading after that START is a
rise from 0 at the START, not from the reading before the STOP (docs/usage.md, Counters
and gauges). A reading stamped while the resource is stopped counts its rise up to the
stop. A START with no stop before it (a START of a running resource) is no reboot: the
stretch goes on, as a resize's does. Batch, the streaming rater and metering in calls
with late events alike.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

DAYS = rk.cycles.daily(tz="UTC")
DATA = rk.Meter("data", "MB", rk.Counter(from_zero=True))
PLAN = rk.Plan("p", "EUR", DAYS, [rk.PriceEntry("d", "data", rk.PerUnit("1"))])
SPAN = rk.Span("2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z")
T0 = SPAN.start_us
HOUR_US = 3_600_000_000


def _at(hour: int) -> str:
    return (SPAN.start + dt.timedelta(hours=hour)).isoformat().replace("+00:00", "Z")


def _event(hour: int, kind: str, name: str) -> rk.Event:
    return rk.Event("a", "sim", _at(hour), kind=kind, id=name)  # type: ignore[arg-type]


def _reading(hour: int, value: int, name: str) -> rk.Sample:
    return rk.Sample("a", "sim", "data", _at(hour), value, kind="counter", id=name)


def _per_day(records: list[rk.Event | rk.Sample]) -> dict[int, Decimal]:
    usage = rk.meter(records, [DATA], span=SPAN, cycle=DAYS, as_of=SPAN.end)
    days: dict[int, Decimal] = {}
    for row in usage.rows:
        day = row.cycle.start.day
        days[day] = days.get(day, Decimal(0)) + row.quantity
    return {day: quantity for day, quantity in days.items() if quantity}


# Hours from 1 March 00:00.
STOPPED_READING = [
    _event(0, "start", "e1"),
    _reading(12, 100, "r1"),
    _event(24, "stop", "e2"),
    _reading(48, 200, "r2"),  # stopped: the counter as it stood at the stop
    _event(72, "start", "e3"),
    _reading(84, 30, "r3"),
]
CYCLES_IN_A_DAY = [
    _event(0, "start", "e1"),
    _reading(6, 10, "r1"),
    _event(8, "stop", "e2"),
    _event(10, "start", "e3"),
    _reading(12, 20, "r2"),
    _event(14, "stop", "e4"),
    _event(16, "start", "e5"),
    _reading(40, 48, "r3"),
]
START_AGAIN = [
    _event(0, "start", "e1"),
    _reading(12, 100, "r1"),
    _event(24, "start", "e2"),  # no stop before it: no reboot
    _reading(36, 150, "r2"),
]


def test_a_reading_while_stopped_counts_up_to_the_stop() -> None:
    # r1: 100 from the START at 00:00 to 12:00 of day 1. r2 (200, stopped since 2 March
    # 00:00): its rise of 100 over r1 is spread from r1 to the stop, all on day 1, none
    # on the stopped 2 and 3 March. r3 after the START of 4 March: 30 from 0 at 00:00.
    assert _per_day(STOPPED_READING) == {1: Decimal(200), 4: Decimal(30)}


def test_several_stops_and_starts_in_one_day_each_count_from_zero() -> None:
    # r1: 10 from 00:00 to 06:00. r2: 20 from 0 at the 10:00 START (the 10 of r1 is
    # another stretch's). r3: 48 from 0 at the 16:00 START to 2 March 16:00, 24 h: 8 of
    # it to day 1 (16:00..24:00 = 1/3: 16) and 32 to day 2. Day 1: 10 + 20 + 16 = 46.
    assert _per_day(CYCLES_IN_A_DAY) == {1: Decimal(46), 2: Decimal(32)}


def test_a_start_of_a_running_resource_is_no_reboot() -> None:
    # No stop before the second START: the stretch goes on (docs: a stop begins a new
    # one). r2 counts from r1: 50 over 1 March 12:00..2 March 12:00, 25 + 25.
    # Day 1: 100 + 25 = 125.
    assert _per_day(START_AGAIN) == {1: Decimal(125), 2: Decimal(25)}


def test_a_reading_before_any_start_is_counted_at_its_instant_and_no_reboot_follows() -> None:
    # r0 falls in no running stretch: 40 at its instant (1 March 12:00). The START at
    # 18:00 follows no stop: r1 counts from r0, 60 over 12:00..2 March 12:00: 30 + 30.
    records = [_reading(12, 40, "r0"), _event(18, "start", "e1"), _reading(36, 100, "r1")]
    assert _per_day(records) == {1: Decimal(70), 2: Decimal(30)}


def test_a_reset_after_a_reboot_is_a_reset_and_the_reboot_is_not() -> None:
    records = [
        _event(0, "start", "e1"),
        _reading(12, 100, "r1"),
        _event(24, "stop", "e2"),
        _event(72, "start", "e3"),
        _reading(78, 30, "r2"),  # lower than r1: the reboot, no reset
        _reading(84, 10, "r3"),  # lower than r2 in one stretch: a reset, 10 from zero
    ]
    usage = rk.meter(records, [DATA], span=SPAN, cycle=DAYS, as_of=SPAN.end)
    assert [a.kind for a in usage.anomalies] == ["counter_reset"]
    assert "r3" in usage.anomalies[0].message
    # Day 1: 100. Day 4: 30 (00:00..06:00) + 10 = 40.
    assert _per_day(records) == {1: Decimal(100), 4: Decimal(40)}


def _streamed(
    records: list[rk.Event | rk.Sample], order: list[int], cuts: list[int]
) -> dict[int, Fraction]:
    rater = rk.Rater(PLAN, [DATA], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=10))
    marks = ["2026-03-02T06:00:00Z", "2026-03-03T18:00:00Z", "2026-03-06T00:00:00Z"]
    days: dict[int, Fraction] = {}
    begin = 0
    for cut, mark in zip(cuts, marks, strict=True):
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [DATA])
        rater.feed([records[i] for i in order[begin:cut]])
        begin = cut
        for line in rater.statement(mark).lines:
            days[line.cycle.start.day] = days.get(line.cycle.start.day, Fraction(0)) + Fraction(
                line.amount
            )
    return {day: amount for day, amount in days.items() if amount}


def test_streamed_in_any_order_with_restores_as_in_batch() -> None:
    for records, order, cuts in [
        (STOPPED_READING, [5, 2, 1, 3, 4, 0], [1, 5, 6]),
        (STOPPED_READING, [3, 1, 0, 5, 2, 4], [1, 2, 6]),
        (CYCLES_IN_A_DAY, [7, 3, 5, 2, 4, 1, 0, 6], [4, 6, 8]),
        (CYCLES_IN_A_DAY, [0, 1, 2, 3, 4, 5, 6, 7], [3, 5, 8]),
        (START_AGAIN, [2, 0, 3, 1], [2, 3, 4]),
    ]:
        # A price of 1 EUR per MB: the amounts are the quantities.
        want = {day: Fraction(q) for day, q in _per_day(records).items()}
        assert _streamed(records, order, cuts) == want


def _in_calls(records: list[rk.Event | rk.Sample], calls: list[int]) -> dict[int, Decimal]:
    bounds = [("01", "02"), ("02", "04"), ("04", "06")]
    state: tuple[rk.ResourceState, ...] = ()
    days: dict[int, Decimal] = {}
    for index, (start, end) in enumerate(bounds):
        span = rk.Span(f"2026-03-{start}T00:00:00Z", f"2026-03-{end}T00:00:00Z")
        mine = [record for record, call in zip(records, calls, strict=True) if call == index]
        usage = rk.meter(mine, [DATA], span=span, cycle=DAYS, as_of=span.end, state=state)
        for row in (*usage.rows, *usage.late):
            days[row.cycle.start.day] = days.get(row.cycle.start.day, Decimal(0)) + row.quantity
        state = usage.state
    return {day: quantity for day, quantity in days.items() if quantity}


def test_a_late_stop_and_start_between_metered_readings_restate_them() -> None:
    # The first call (1 March) meters r1 and r2 as one stretch: 10, then 10 more over
    # 06:00..12:00. The third call is given the STOP at 08:00 and the START at 10:00,
    # late: r2 counts 20 from 0 at 10:00, so day 1 gains 10 as a late row (46 in all,
    # as at once). The second call's r3 and the 16:00 stop/start are late too.
    calls = [0, 0, 2, 2, 0, 2, 2, 1]
    assert _in_calls(CYCLES_IN_A_DAY, calls) == _per_day(CYCLES_IN_A_DAY)
    assert _in_calls(STOPPED_READING, [0, 0, 2, 1, 2, 2]) == {1: Decimal(200), 4: Decimal(30)}


def _oracle(events: list[tuple[int, str]], readings: list[tuple[int, int]]) -> dict[int, Fraction]:
    """Per day: each running stretch's readings as rises from 0 at its start, spread by time.

    A stretch begins at a START of a resource not running; it begins from 0 when a STOP
    of the running resource came before it (a STOP of a resource never started stops
    it, but is no boot). A reading
    in no stretch: the first counts at its instant; another from the reading before it,
    spread up to the STOP that holds it when that reading came before the STOP, and at
    that reading's instant when it came at the STOP or after it.
    """
    stretches: list[tuple[int, int | None, bool]] = []  # start, end (None: runs on), booted
    stops: list[tuple[int, int | None]] = []  # from a STOP to the next START
    status = "unknown"
    for hour, kind in events:
        if kind == "start" and status != "running":
            if status == "stopped":
                stops[-1] = (stops[-1][0], hour)
            # A boot: after a STOP of the running resource (not an orphan STOP).
            stretches.append((hour, None, status == "stopped" and bool(stretches)))
            status = "running"
        elif kind == "stop" and status != "stopped":
            if status == "running":
                stretches[-1] = (stretches[-1][0], hour, stretches[-1][2])
                stops.append((hour, None))
            else:
                stops.append((-1, None))  # an orphan STOP: it stopped no counter
            status = "stopped"  # (a STOP of a resource never started: it is stopped)

    def stretch_of(hour: int) -> tuple[int, int | None, bool] | None:
        return next((s for s in stretches if s[0] <= hour and (s[1] is None or hour <= s[1])), None)

    def stop_of(hour: int) -> int | None:
        return next((a for a, b in stops if a <= hour and (b is None or hour < b)), None)

    days: dict[int, Fraction] = {}

    def spread(t0: int, t1: int, amount: int) -> None:
        if t0 == t1:
            days[t0 // 24 + 1] = days.get(t0 // 24 + 1, Fraction(0)) + amount
            return
        for hour in range(t0, t1):
            day = hour // 24 + 1
            days[day] = days.get(day, Fraction(0)) + Fraction(amount, t1 - t0)

    before: tuple[int, int] | None = None
    for hour, value in readings:
        stretch = stretch_of(hour)
        if before is None:
            spread(hour if stretch is None else stretch[0], hour, value)
        elif stretch is not None and stretch[2] and before[0] < stretch[0]:
            spread(stretch[0], hour, value)
        else:
            rise = value - before[1] if value >= before[1] else value
            stopped = None if stretch is not None else stop_of(hour)
            # While stopped, the rise lies up to the stop, or at the reading before it
            # when that one is at the stop or after it (the counter as it stood then).
            end = max(stopped, before[0]) if stopped is not None and stopped >= 0 else hour
            spread(before[0], end, rise)
        before = (hour, value)
    return {day: amount for day, amount in days.items() if amount}


@st.composite
def _histories(draw: st.DrawFn) -> tuple[list[tuple[int, str]], list[tuple[int, int]]]:
    hours = sorted(draw(st.sets(st.integers(0, 95), max_size=7)))
    events = [(hour, draw(st.sampled_from(["start", "stop"]))) for hour in hours]
    at = sorted(draw(st.sets(st.integers(0, 95), min_size=1, max_size=6)))
    readings = [(hour, draw(st.integers(0, 300))) for hour in at]
    return events, readings


@settings(max_examples=max(LAWS // 4, 10), deadline=None)
@given(_histories())
def test_each_running_stretch_counts_from_zero(
    history: tuple[list[tuple[int, str]], list[tuple[int, int]]],
) -> None:
    events, readings = history
    records: list[rk.Event | rk.Sample] = [
        _event(hour, kind, f"e{index}") for index, (hour, kind) in enumerate(events)
    ]
    records += [_reading(hour, value, f"r{index}") for index, (hour, value) in enumerate(readings)]
    usage = rk.meter(records, [DATA], span=SPAN, cycle=DAYS, as_of=SPAN.end)
    days: dict[int, Fraction] = {}
    for row in usage.rows:
        days[row.cycle.start.day] = days.get(row.cycle.start.day, Fraction(0)) + Fraction(
            row.quantity
        )
    want = _oracle(events, readings)
    # The parts of an increment add up to it exactly; a row's quantity is rounded to 24
    # places (1/13 is 0.076923076923076923076923).
    assert sum(days.values()) == sum(want.values())
    assert set(want) <= set(days)
    assert all(abs(days[day] - want.get(day, Fraction(0))) < Fraction(1, 10**20) for day in days)


def test_a_boot_before_a_compacted_cycle_still_counts_from_zero() -> None:
    # The default horizon compacts 1 March at the statement of 3 March 00:00; the state
    # restored for 2 March keeps the stop before the 16:00 START (its base) and the
    # running piece before that stop: r3 still counts 48 from 0 at 16:00 (8 h on 1 March,
    # 16; 16 h on 2 March, 32), not 28 from r2 over 12:00..2 March 16:00.
    # Day 1: 10 + 20 + 16 = 46, as in batch.
    rater = rk.Rater(PLAN, [DATA], start="2026-03-01T00:00:00Z")
    rater.feed(CYCLES_IN_A_DAY)
    days: dict[int, Fraction] = {}
    for mark in ("01T11", "01T15", "03T00", "06T00"):
        for line in rater.statement(f"2026-03-{mark}:00:00Z").lines:
            day = line.cycle.start.day
            days[day] = days.get(day, Fraction(0)) + Fraction(line.amount)
    assert {day: amount for day, amount in days.items() if amount} == {1: 46, 2: 32}


def test_a_boot_in_a_compacted_cycle_counts_from_zero_streamed() -> None:
    # START 00:00, STOP 01:00, START 02:00 (a boot); r0 0 at 00:00, r1 1 at 2 March 01:00.
    # r1 counts 1 from 0 at 02:00 over 23 h: 22/23 to 1 March, 1/23 to 2 March, in batch
    # and streamed alike once 1 March is compacted (not 1 from r0 over 25 h: 0.9965...).
    records: list[rk.Event | rk.Sample] = [
        _event(0, "start", "e0"),
        _event(1, "stop", "e1"),
        _event(2, "start", "e2"),
        _reading(0, 0, "r0"),
        _reading(25, 1, "r1"),
    ]
    rater = rk.Rater(PLAN, [DATA], start="2026-03-01T00:00:00Z")
    rater.feed(records)
    total = rater.statement(_at(48)).total() + rater.statement(_at(49)).total()
    span = rk.Span(SPAN.start, _at(49))
    assert total == rk.rate(records, PLAN, span=span, meters=[DATA]).total() == 1


def test_a_stop_in_a_compacted_cycle_still_holds_a_reading_while_stopped() -> None:
    # START 00:00, STOP 01:00; r0 0 at 00:00, r1 1 at 2 March 01:00, while stopped: its
    # rise of 1 is spread over 00:00..01:00, all on 1 March. 1 March compacted at the
    # first statement, the state (stopped, its base the running piece the STOP ended)
    # goes through a snapshot; the second statement corrects nothing (not 1/25 more).
    records: list[rk.Event | rk.Sample] = [
        _event(0, "start", "e0"),
        _event(1, "stop", "e1"),
        _reading(0, 0, "r0"),
        _reading(25, 1, "r1"),
    ]
    rater = rk.Rater(PLAN, [DATA], start="2026-03-01T00:00:00Z")
    rater.feed(records)
    first = rater.statement(_at(48))
    (state,) = rater._state
    assert (state.status, state.base and state.base.status) == ("stopped", "running")
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [DATA])
    second = rater.statement(_at(49))
    assert (first.total(), second.total()) == (1, 0)
    assert rk.rate(records, PLAN, span=rk.Span(SPAN.start, _at(49)), meters=[DATA]).total() == 1


def test_a_reading_fed_too_late_counts_up_to_a_kept_stop() -> None:
    # START 1 March 00:00, STOP 2 March 00:00 (kept: 2 March is not compacted at 3 March
    # 00:00). r0 0 at 00:00 and r1 1 at 2 March 01:00 (stopped) come after 1 March is
    # compacted: r1's rise of 1 is spread up to the kept STOP, all of it on 1 March, the
    # part its feed names (not 24/25 over 00:00..2 March 01:00, with 1/25 on 2 March).
    rater = rk.Rater(PLAN, [DATA], start="2026-03-01T00:00:00Z")
    rater.feed([_event(0, "start", "e0"), _event(24, "stop", "e1")])
    assert rater.statement(_at(48)).total() == 0
    rater.feed([_reading(0, 0, "r0")])
    (anomaly,) = rater.feed([_reading(25, 1, "r1")]).anomalies
    assert "its part before 2026-03-02T00:00:00Z, 1 MB," in anomaly.message
    assert rater.statement(_at(78)).total() == 0


def test_a_reading_at_a_closing_of_a_stopped_resource_counts_up_to_the_stop() -> None:
    # r2 (200, stopped since 2 March 00:00) is the last sign of life: a last_seen
    # inventory of 3 March listing nothing deletes the SIM there, at r2's instant. r2 is
    # the counter as it stood at the stop, as while stopped: its rise of 100 over r1 is
    # spread over 12:00..24:00 of 1 March. Day 1: 100 + 100 = 200 (not 100 + 100 * 12/36
    # with 66.67 on the stopped 2 March).
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        *STOPPED_READING[:4],
        rk.Inventory(_at(60), [], close="last_seen", id="i1"),
    ]
    usage = rk.meter(records, [DATA], span=SPAN, cycle=DAYS, as_of=SPAN.end)
    days: dict[int, Decimal] = {}
    for row in usage.rows:
        days[row.cycle.start.day] = days.get(row.cycle.start.day, Decimal(0)) + row.quantity
    assert {day: q for day, q in days.items() if q} == {1: Decimal(200)}


def _compacted_then(
    records: list[rk.Event | rk.Sample | rk.Inventory], late: rk.Sample
) -> tuple[rk.Feed, dict[int, Fraction], dict[int, Fraction]]:
    """``records`` fed, 1 and 2 March compacted (a horizon of 3 h: closed at 2 March 51:00,
    compacted at the statement that closes 3 March), the state through JSON, then ``late``:
    the feed of ``late``, and the amounts of 3 March on, streamed and batch."""
    rater = rk.Rater(PLAN, [DATA], start=SPAN.start, horizon=dt.timedelta(hours=3))
    rater.feed(records)
    lines = [*rater.statement(_at(51)).lines, *rater.statement(_at(75)).lines]
    assert rater._base_us == T0 + 48 * HOUR_US  # (1 and 2 March compacted)
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [DATA])
    feed = rater.feed([late])
    lines += rater.statement(_at(120)).lines
    streamed: dict[int, Fraction] = {}
    for line in lines:
        streamed[line.cycle.start.day] = streamed.get(line.cycle.start.day, Fraction(0)) + Fraction(
            line.amount
        )
    rating = rk.rate([*records, late], PLAN, span=rk.Span(SPAN.start, _at(120)), meters=[DATA])
    batch: dict[int, Fraction] = {}
    for charge in rating.charges:
        day = charge.cycle.start.day
        batch[day] = batch.get(day, Fraction(0)) + Fraction(charge.amount)
    kept = {day: amount for day, amount in streamed.items() if amount and day >= 3}
    return feed, kept, {day: amount for day, amount in batch.items() if amount and day >= 3}


def test_a_boot_by_a_listing_after_a_compacted_deletion_counts_from_zero() -> None:
    # The shrunk input of the gauge streams' law that found the stream apart from batch
    # (seed 134798, late="correct"). i1 lists nothing at 2 March 00:00: the SIM is
    # deleted there; i2 lists it at 3 March 12:00: it runs again, booted (a deletion of
    # the running resource came before). r1 (30 at 4 March 00:00) counts 30 from 0 at
    # 12:00, all on 3 March: nothing before the kept cycles, so nothing too late. The
    # compacted state, deleted, keeps the running piece before its deletion as its base.
    # (Not 30 from r0, a reset, over 1 March 12:00 .. 4 March 00:00: 12 on 3 March and
    # 18 too late.)
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        _event(0, "start", "e0"),
        _reading(12, 100, "r0"),
        rk.Inventory(_at(24), [], close="snapshot", id="i1"),
        rk.Inventory(_at(60), [("a", "sim", {})], close="snapshot", id="i2"),
    ]
    feed, streamed, batch = _compacted_then(records, _reading(72, 30, "r1"))
    assert feed.counts["too_late"] == 0
    assert streamed == batch == {3: 30}


def test_a_boot_then_a_resize_in_compacted_cycles_counts_from_zero_at_the_boot() -> None:
    # The shrunk input of the law that found a boot, then a new piece of the running
    # stretch (a START that re-describes it, an update), compacted (seed 32726697 of the
    # gauge streams within the horizon). STOP at 20:00, START at 2 March 06:00 (a boot),
    # update at 12:00. r1 (130 at 3 March 12:00) counts 130 from 0 at 06:00, over 30 h:
    # 130/30 an hour, 18 h of 2 March (78, too late: before the kept cycles) and 12 h of
    # 3 March, 52. The compacted state (running since the update) keeps the START's piece
    # as its base and the STOP's as the piece before it, restored as a stop that follows a
    # running piece. (Not a rise of 30 from r0 over 1 March 12:00 .. 3 March 12:00: 7.5.)
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        _event(0, "start", "e0"),
        _reading(12, 100, "r0"),
        _event(20, "stop", "e1"),
        _event(30, "start", "e2"),
        rk.Event("a", "sim", _at(36), {"tier": "gold"}, kind="update", id="e3"),
    ]
    feed, streamed, batch = _compacted_then(records, _reading(60, 130, "r1"))
    (anomaly,) = feed.anomalies
    assert "its part before 2026-03-03T00:00:00Z, 78 MB," in anomaly.message
    assert streamed == batch == {3: 52}


def test_a_stop_re_described_while_stopped_in_compacted_cycles_is_still_a_boot() -> None:
    # STOP at 2 March 00:00, an update at 12:00 while stopped (the state's piece is the
    # update's, not the STOP's), compacted; START at 3 March 12:00: a boot. r1 (130 at 4
    # March 00:00) counts 130 from 0 at 12:00, all on 3 March (not a rise of 30 from r0
    # over 1 March 12:00 .. 4 March 00:00, 12 of it on 3 March).
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        _event(0, "start", "e0"),
        _reading(12, 100, "r0"),
        _event(24, "stop", "e1"),
        rk.Event("a", "sim", _at(36), {"tier": "gold"}, kind="update", id="e2"),
        _event(60, "start", "e3"),
    ]
    feed, streamed, batch = _compacted_then(records, _reading(72, 130, "r1"))
    assert feed.counts["too_late"] == 0
    assert streamed == batch == {3: 130}


def test_a_relisting_after_a_last_seen_closing_of_a_stopped_resource_is_a_boot() -> None:
    # STOP at 18:00; r1 (110 at 20:00, stopped: its rise of 10 counts up to the STOP) is
    # the last sign of life of a last_seen listing of 2 March 16:00 that lists nothing: the
    # SIM is deleted at 20:00. Listed again at 3 March 12:00: a boot (the deletion ends a
    # stop of the running SIM). r2 (30 at 4 March 00:00) counts 30 from 0 at 12:00, all
    # on 3 March. The compacted state, deleted, keeps the stopped piece the closing ended
    # as its base and the running piece before it as the piece before.
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        _event(0, "start", "e0"),
        _reading(12, 100, "r0"),
        _event(18, "stop", "e1"),
        _reading(20, 110, "r1"),
        rk.Inventory(_at(40), [], close="last_seen", id="i1"),
        rk.Inventory(_at(60), [("a", "sim", {})], close="snapshot", id="i2"),
    ]
    feed, streamed, batch = _compacted_then(records, _reading(72, 30, "r2"))
    assert feed.counts["too_late"] == 0
    assert streamed == batch == {3: 30}


def test_a_stop_and_a_start_fed_too_late_are_a_boot_in_the_compacted_state() -> None:
    # START 1 March 00:00, r0 100 at 12:00; 1 and 2 March compacted (the SIM running
    # since 00:00). A STOP at 20:00 and a START at 2 March 06:00 come too late: placed in
    # the compacted state, each state they make keeps the stop, then the boot. r1 (130 at
    # 3 March 12:00) counts 130 from 0 at 06:00 over 30 h: 52 on 3 March, as batch (78
    # of 2 March too late). (Not a rise of 30 from r0 over 48 h: 7.5 on 3 March.)
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        _event(0, "start", "e0"),
        _reading(12, 100, "r0"),
    ]
    rater = rk.Rater(PLAN, [DATA], start=SPAN.start, horizon=dt.timedelta(hours=3))
    rater.feed(records)
    rater.statement(_at(51))
    rater.statement(_at(75))
    late = [_event(20, "stop", "e1"), _event(30, "start", "e2")]
    assert rater.feed(late).counts["too_late"] == 2
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [DATA])
    rater.feed([_reading(60, 130, "r1")])
    lines = rater.statement(_at(120)).lines
    assert sum(Fraction(line.amount) for line in lines if line.cycle.start.day == 3) == 52
    span = rk.Span(SPAN.start, _at(120))
    rating = rk.rate([*records, *late, _reading(60, 130, "r1")], PLAN, span=span, meters=[DATA])
    assert sum(Fraction(c.amount) for c in rating.charges if c.cycle.start.day == 3) == 52


def test_a_listing_fed_too_late_that_deletes_before_a_kept_relisting_is_a_boot() -> None:
    # i1 (a listing of 2 March 00:00 that lists nothing: the SIM deleted there) comes
    # once 1 and 2 March are compacted; i2 (3 March 12:00, kept) lists the SIM again: a
    # boot. The state i1 makes keeps the running piece before its deletion, so r1 (30 at
    # 4 March 00:00) counts 30 from 0 at 12:00, all on 3 March, as batch (not 30 from r0,
    # a reset, over 60 h: 12 on 3 March).
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        _event(0, "start", "e0"),
        _reading(12, 100, "r0"),
        rk.Inventory(_at(60), [("a", "sim", {})], close="snapshot", id="i2"),
    ]
    late = rk.Inventory(_at(24), [], close="snapshot", id="i1")
    rater = rk.Rater(PLAN, [DATA], start=SPAN.start, horizon=dt.timedelta(hours=3))
    rater.feed(records)
    rater.statement(_at(51))
    rater.statement(_at(75))
    assert rater.feed([late]).counts["too_late"] == 1
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [DATA])
    rater.feed([_reading(72, 30, "r1")])
    lines = rater.statement(_at(120)).lines
    assert sum(Fraction(line.amount) for line in lines if line.cycle.start.day == 3) == 30


def test_a_last_seen_closing_at_a_stop_keeps_the_running_piece_before_it() -> None:
    # STOP at 18:00, the last sign of life: a last_seen listing of 2 March 16:00 that lists
    # nothing deletes the SIM at 18:00, ending the stop at its own instant (the state keeps
    # the stopped piece as its base, for the closing). Listed again at 3 March 12:00: a
    # boot (batch: running, deleted at 18:00, running). Restored, the compacted state
    # puts the running piece before the deletion, and r1 (30 at 4 March 00:00) counts
    # 30 from 0 at 12:00: 30 on 3 March, in time and fed too late alike.
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        _event(0, "start", "e0"),
        _reading(12, 100, "r0"),
        _event(18, "stop", "e1"),
        rk.Inventory(_at(60), [("a", "sim", {})], close="snapshot", id="i2"),
    ]
    closing = rk.Inventory(_at(40), [], close="last_seen", id="i1")
    _, streamed, batch = _compacted_then([*records, closing], _reading(72, 30, "r1"))
    assert streamed == batch == {3: 30}
    rater = rk.Rater(PLAN, [DATA], start=SPAN.start, horizon=dt.timedelta(hours=3))
    rater.feed(records)
    rater.statement(_at(51))
    rater.statement(_at(75))
    assert rater.feed([closing]).counts["too_late"] == 1
    rater.feed([_reading(72, 30, "r1")])
    lines = rater.statement(_at(120)).lines
    assert sum(Fraction(line.amount) for line in lines if line.cycle.start.day == 3) == 30
