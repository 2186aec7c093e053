"""Nothing is lost between calls: carried state, late and re-delivered records."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._decimals import CONTEXT
from ratekit._instants import format_us

DAILY = rk.cycles.daily(tz="UTC")
MONTHLY = rk.cycles.monthly(tz="UTC")
HOUR = 3_600_000_000
MINUTE = 60_000_000
RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())
MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb"))
BYTES = rk.Meter("bytes", "B", rk.Discrete())
EGRESS = rk.Meter("egress", "B", rk.Counter())
METERS = (RUNTIME, MEMORY, BYTES, EGRESS)
#: A counter that counts from zero: its first reading is spread over the running stretch
#: that holds it, which a late event may move (the law's streams have readings of both).
CPU = rk.Meter("cpu", "s", rk.Counter(from_zero=True))

Record = rk.Event | rk.Sample | rk.Inventory


def carried(usage: rk.Usage) -> list[rk.ResourceState]:
    """The state through JSON, as a host would store it."""
    return [rk.ResourceState.from_json(json.loads(json.dumps(s.to_json()))) for s in usage.state]


def counter(at: str, value: int, id: str) -> rk.Sample:  # noqa: A002
    return rk.Sample("a", "ip", "egress", at, value, kind="counter", id=id)


COUNTS = [
    counter("2026-03-01T12:00:00Z", 900, "c1"),
    counter("2026-03-01T23:00:00Z", 1000, "c2"),
    counter("2026-03-02T01:00:00Z", 1200, "c3"),
]
DAY1 = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
DAY2 = rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")


def test_a_counter_step_across_the_clock_is_late_not_lost() -> None:
    # At once, daily cycles: 900 -> 1000 on day 1 (100) and 1000 -> 1200 over 23:00-01:00
    # apportioned half and half: day 1 gets 100 + 100 = 200, day 2 gets 100.
    both = rk.Span(DAY1.start, DAY2.end)
    whole = rk.meter(COUNTS, [EGRESS], span=both, cycle=DAILY, as_of=both.end)
    assert [(row.cycle, row.quantity) for row in whole.rows] == [
        (DAY1, Decimal(200)),
        (DAY2, Decimal(100)),
    ]
    # Day by day: day 1 knows 900 -> 1000 only: 100. Day 2 gets its half of the step, 100,
    # and the half that belongs to day 1 is a late row of 100 over [23:00, 00:00).
    first = rk.meter(COUNTS[:2], [EGRESS], span=DAY1, cycle=DAILY, as_of=DAY1.end)
    second = rk.meter(
        COUNTS[2:], [EGRESS], span=DAY2, cycle=DAILY, as_of=DAY2.end, state=carried(first)
    )
    assert [row.quantity for row in first.rows] == [Decimal(100)]
    assert [row.quantity for row in second.rows] == [Decimal(100)]
    (late,) = second.late
    assert (late.cycle, late.quantity, late.record_ids) == (DAY1, Decimal(100), ("c2", "c3"))
    assert late.span == rk.Span("2026-03-01T23:00:00Z", "2026-03-02T00:00:00Z")
    assert [(a.kind, a.record_ids) for a in second.anomalies] == [("late", ("c2", "c3"))]
    assert str(second.anomalies[0]) == (
        "late records of 'ip' of 'a' change meter 'egress' by 100 B under description {} "
        "over 2026-03-01T23:00:00Z..2026-03-02T00:00:00Z, before what was already metered: "
        "see Usage.late."
    )
    # The late row's meter and quantity, as values: what a host adds up without reading.
    assert (second.anomalies[0].meter, second.anomalies[0].quantity) == ("egress", Decimal(100))


def test_a_late_delta_and_a_late_stop_carry_their_quantity() -> None:
    # Day 1 (as_of day 2): vm-1 started at 10:00, running: 14 h; day 2 receives a STOP
    # stamped day 1 18:00 (late: -6 h on day 1) and a 50 B delta stamped day 1 20:00.
    start = rk.Event("a", "vm-1", "2026-03-01T10:00:00Z", {"memory_mb": 512}, kind="start", id="e1")
    stop = rk.Event("a", "vm-1", "2026-03-01T18:00:00Z", kind="stop", id="e2")
    delta = rk.Sample("a", "vm-1", "bytes", "2026-03-01T20:00:00Z", 50, id="d1")
    first = rk.meter([start], METERS, span=DAY1, cycle=DAILY, as_of=DAY1.end)
    assert first.total("runtime") == Decimal(14)
    second = rk.meter(
        [stop, delta], METERS, span=DAY2, cycle=DAILY, as_of=DAY2.end, state=carried(first)
    )
    assert second.rows == ()
    # runtime 14 h - 6 h: -6; memory 512 x -6 = -3072 MB*h; bytes +50, all on day 1.
    assert [(row.meter, row.quantity, row.cycle) for row in second.late] == [
        ("bytes", Decimal(50), DAY1),
        ("memory", Decimal(-3072), DAY1),
        ("runtime", Decimal(-6), DAY1),
    ]
    assert second.late[2].span == rk.Span("2026-03-01T18:00:00Z", "2026-03-02T00:00:00Z")
    assert second.state[0].status == "stopped"


def test_a_start_re_delivered_after_its_stop_is_a_duplicate() -> None:
    # START (seq 4) and STOP (seq 5) metered on day 1: 10 h. The START comes again on day
    # 2: the state remembers it, so it is a duplicate and the app stays stopped.
    start = rk.Event("a", "app", "2026-03-01T00:00:00Z", {"m": 1}, kind="start", id="s4", seq=4)
    stop = rk.Event("a", "app", "2026-03-01T10:00:00Z", kind="stop", id="t5", seq=5)
    first = rk.meter([start, stop], [RUNTIME], span=DAY1, cycle=MONTHLY, as_of=DAY1.end)
    march = rk.Span(DAY2.start, "2026-04-01T00:00:00Z")
    second = rk.meter([start], [RUNTIME], span=march, cycle=MONTHLY, as_of=march.end,
                      state=carried(first))  # fmt: skip
    assert (first.total(), second.total(), second.late) == (Decimal(10), Decimal(0), ())
    assert [(a.kind, a.record_ids) for a in second.anomalies] == [("duplicate", ("s4",))]
    assert str(second.anomalies[0]) == (
        "event 's4' was applied by an earlier call: the replay is ignored."
    )


def test_seq_orders_across_calls_as_at_once() -> None:
    # An update seq 4 at 10-05 and a stop seq 2 at 10-16. At once, in seq order: the stop
    # is an orphan (nothing started), the update is out of order and takes 10-16, stopped:
    # 0 h and two anomalies. Split at 10-08: the first call sees only the update (running
    # from 10-05: 3 days, 72 h); the second orders the stop before it, as at once: its rows
    # are 0 h, the 72 h are taken back as late, and the same two anomalies are reported.
    update = rk.Event("a", "vm", "2026-10-05T00:00:00Z", {"f": "x"}, kind="update", id="u", seq=4)
    stop = rk.Event("a", "vm", "2026-10-16T00:00:00Z", kind="stop", id="s", seq=2)
    october = rk.Span("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z")
    whole = rk.meter([update, stop], [RUNTIME], span=october, cycle=MONTHLY, as_of=october.end)
    assert whole.total() == 0
    assert [a.kind for a in whole.anomalies] == ["orphan_stop", "out_of_order"]
    cut = "2026-10-08T00:00:00Z"
    first = rk.meter(
        [update], [RUNTIME], span=rk.Span(october.start, cut), cycle=MONTHLY, as_of=cut
    )
    second = rk.meter([stop], [RUNTIME], span=rk.Span(cut, october.end), cycle=MONTHLY,
                      as_of=october.end, state=carried(first))  # fmt: skip
    assert first.total() == Decimal(72)
    assert second.total() == 0
    assert [row.quantity for row in second.late] == [Decimal(-72)]  # 72 - 72 + 0 = 0 h
    assert [a.kind for a in second.anomalies] == ["late", "orphan_stop", "out_of_order"]
    assert [a.message for a in second.anomalies[1:]] == [a.message for a in whole.anomalies]


MIXED = [
    rk.Event("a", "r2", "2026-03-11T10:45:00Z", kind="update", id="e12", seq=0),
    rk.Event("a", "r2", "2026-03-10T15:51:00Z", kind="start", id="e2", seq=1),
    rk.Event("a", "r2", "2026-03-14T16:39:00Z", kind="start", id="e0"),
]
MARCH_1_22 = rk.Span("2026-03-01T00:00:00Z", "2026-03-22T00:00:00Z")


def test_a_later_event_without_seq_does_not_reorder_the_earlier_ones() -> None:
    # In seq order the update (seq 0, 03-11 10:45) comes first and the start (seq 1,
    # 03-10 15:51) is out of order, taking 03-11 10:45: running to 03-22, 10 d 13 h 15 min
    # = 240 + 13.25 = 253.25 h. The start without seq at 03-14 16:39 is stamped after
    # both: it goes after them (a duplicate start) and changes nothing before it, so the
    # three give 253.25 h too (not 272.15 h, from 03-10 15:51, as when it flipped the
    # whole resource to time order).
    vm = rk.Meter("vm.hours", "hour", rk.OnOff())
    for records in (MIXED[:2], MIXED):
        usage = rk.meter(records, [vm], span=MARCH_1_22, cycle=None, as_of=MARCH_1_22.end)
        assert [row.quantity for row in usage.rows] == [Decimal("253.25")]
        assert usage.rows[0].span == rk.Span("2026-03-11T10:45:00Z", MARCH_1_22.end)
        assert "out_of_order" in [a.kind for a in usage.anomalies]
    # In two calls split at 03-13 19:00, carrying the state: 253.25 h in all, no late row.
    cut = "2026-03-13T19:00:00Z"
    first = rk.meter(MIXED[:2], [vm], span=rk.Span(MARCH_1_22.start, cut), cycle=None, as_of=cut)
    second = rk.meter(MIXED[2:], [vm], span=rk.Span(cut, MARCH_1_22.end), cycle=None,
                      as_of=MARCH_1_22.end, state=carried(first))  # fmt: skip
    # 03-11 10:45 to 03-13 19:00 = 2 d 8 h 15 min = 56.25 h; then 8 d 5 h = 197 h.
    assert [r.quantity for r in (*first.rows, *second.rows)] == [Decimal("56.25"), Decimal(197)]
    assert second.late == ()


def test_an_inventory_closing_at_the_last_sign_of_life_before_the_clock_is_late() -> None:
    # A start at 03-05 17:00 and an inventory at 03-19 20:00 not listing the VM, closing it
    # at its last sign of life: the start itself, 03-05 17:00. At once: 0 h. Split at 03-12:
    # the first call meters 03-05 17:00 to 03-12 = 6 d 7 h = 151 h; the second, carrying
    # the state, closes it at 03-05 17:00 too, so the 151 h come back as a late row of
    # -151 h (151 - 151 = 0 h, as at once).
    vm = rk.Meter("vm.hours", "hour", rk.OnOff())
    start = rk.Event("b", "r2", "2026-03-05T17:00:00Z", kind="start", id="e1")
    inventory = rk.Inventory("2026-03-19T20:00:00Z", [], close="last_seen", id="i4")
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    whole = rk.meter([start, inventory], [vm], span=march, cycle=None, as_of=march.end)
    assert whole.total() == 0
    cut = "2026-03-12T00:00:00Z"
    first = rk.meter([start], [vm], span=rk.Span(march.start, cut), cycle=None, as_of=cut)
    second = rk.meter([inventory], [vm], span=rk.Span(cut, march.end), cycle=None,
                      as_of=march.end, state=first.state)  # fmt: skip
    assert [row.quantity for row in first.rows] == [Decimal(151)]
    assert second.rows == ()
    assert [(row.quantity, row.span, row.record_ids) for row in second.late] == [
        (Decimal(-151), rk.Span("2026-03-05T17:00:00Z", cut), ("i4",))
    ]
    assert [a.kind for a in second.anomalies] == ["late", "reconciled_close"]


def test_the_state_is_bounded() -> None:
    # 3,000 deltas of one resource: the state remembers the 1,024 latest ids only, and
    # keeps the 16 latest events.
    samples = [
        rk.Sample("a", "ip", "bytes", format_us(DAY1.start_us + i * MINUTE // 4), 1, id=f"d{i}")
        for i in range(3000)
    ]
    events = [
        rk.Event("a", "ip", format_us(DAY1.start_us + i * MINUTE), {"memory_mb": i}, id=f"e{i}")
        for i in range(40)
    ]
    usage = rk.meter(samples + events, METERS, span=DAY1, cycle=DAILY, as_of=DAY1.end)
    (state,) = usage.state
    assert len(state.applied) == 1024
    assert state.applied[-1] == "d2999"  # the events first, then the samples by time
    assert [e.id for e in state.history] == [f"e{i}" for i in range(24, 40)]
    assert state.base is not None
    assert state.base.opened_by == "e23"
    assert rk.ResourceState.from_json(json.loads(json.dumps(state.to_json()))) == state


# -- the law: batches, late and re-delivered records, state through JSON ------------------

START = DAY1.start_us
LENGTH = 72 * 60  # three days, in minutes


@st.composite
def streams(draw: st.DrawFn) -> list[rk.Event | rk.Sample]:
    records: list[rk.Event | rk.Sample] = []
    for resource in ("r1", "r2"):
        minutes = sorted(draw(st.sets(st.integers(0, LENGTH - 1), max_size=4)))
        # Every event with a seq, none, or some with and some without (mixed on one resource).
        sequenced = draw(st.sampled_from(["all", "none", "mixed"]))
        seqs = draw(st.permutations(range(len(minutes))))
        with_seq = [
            sequenced == "all" or (sequenced == "mixed" and draw(st.booleans())) for _ in minutes
        ]
        for n, minute in enumerate(minutes):
            kind = draw(st.sampled_from(["start", "start", "update", "stop", "delete"]))
            memory = draw(st.sampled_from([None, 256, 512]))
            records.append(
                rk.Event(
                    "a",
                    resource,
                    format_us(START + minute * MINUTE),
                    {} if memory is None or kind in ("stop", "delete") else {"memory_mb": memory},
                    kind=kind,
                    id=f"{resource}-e{n}",
                    seq=seqs[n] if with_seq[n] else None,
                )
            )
        for n, (minute, length, value) in enumerate(
            draw(
                st.lists(
                    st.tuples(
                        st.integers(0, LENGTH - 1),
                        st.sampled_from([0, 0, 90, 600]),
                        st.integers(-5, 100),
                    ),
                    max_size=3,
                )
            )
        ):
            since = max(minute - length, 0)
            records.append(
                rk.Sample(
                    "a",
                    resource,
                    "bytes",
                    format_us(START + minute * MINUTE),
                    value,
                    since=None if since == minute else format_us(START + since * MINUTE),
                    id=f"{resource}-d{n}",
                )
            )
        for meter_name in ("egress", "cpu"):
            # Readings often share an instant, each with a seq or none: metering orders
            # such a tie by seq, then value, then id, at once as across calls.
            instants = draw(st.lists(st.integers(0, LENGTH - 1), min_size=1, max_size=3))
            counts = sorted(draw(st.lists(st.sampled_from(instants), max_size=3)))
            for n, minute in enumerate(counts):
                records.append(
                    rk.Sample(
                        "a",
                        resource,
                        meter_name,
                        format_us(START + minute * MINUTE),
                        draw(st.integers(0, 1000)),
                        kind="counter",
                        id=f"{resource}-{meter_name}{n}",
                        seq=draw(st.none() | st.integers(0, 2)),
                    )
                )
    return records


def totals(rows: Sequence[rk.UsageRow]) -> dict[tuple[str, str, rk.Span], Decimal]:
    out: dict[tuple[str, str, rk.Span], Decimal] = defaultdict(Decimal)
    for row in rows:
        key = (row.meter, row.resource, row.cycle)
        out[key] = CONTEXT.add(out[key], row.quantity)
    return {key: value for key, value in out.items() if value}


@settings(max_examples=LAWS // 2)
@given(streams(), st.data())
def test_rows_plus_late_rows_equal_metering_at_once(
    records: list[rk.Event | rk.Sample], data: st.DataObject
) -> None:
    # The clock of a call is that of the states it carries: a resource seen in the first
    # batch gives every later call one (with no state at all, a call cannot know that a
    # record before its span is late rather than outside it).
    records = [rk.Sample("a", "clock", "bytes", format_us(START), 0, id="clock"), *records]
    cuts = sorted(data.draw(st.sets(st.integers(1, 71), max_size=3)))
    edges = [START, *(START + hour * HOUR for hour in cuts), START + LENGTH * MINUTE]
    batches: list[list[Record]] = [[] for _ in range(len(edges) - 1)]
    last_event: dict[tuple[int, str], rk.Event] = {}
    for record in records:
        index = next(i for i in range(len(batches)) if record.at_us < edges[i + 1])
        batches[index].append(record)
        if isinstance(record, rk.Event):
            known = last_event.get((index, record.resource))
            if known is None or record.at_us > known.at_us:
                last_event[index, record.resource] = record
    # Late deliveries: deltas, readings of a counter (placed among the readings the
    # state keeps, a tie at one instant by seq, then value, then id), and an event that
    # was its resource's last of its batch (nothing of the resource applied after it),
    # come one batch late.
    for index in range(len(batches) - 1):
        for record in list(batches[index]):
            late_event = (
                isinstance(record, rk.Event)
                and record.seq is None
                and last_event.get((index, record.resource)) is record
            )
            late_sample = (
                isinstance(record, rk.Sample)
                and (record.kind == "delta" or record.meter == "egress")
                and record.id != "clock"
            )
            if (late_event or late_sample) and data.draw(st.booleans()):
                batches[index].remove(record)
                batches[index + 1].append(record)
    # Re-deliveries: any record of an earlier batch may come again later.
    for index in range(1, len(batches)):
        earlier = [r for batch in batches[:index] for r in batch]
        if earlier:
            batches[index] += data.draw(st.lists(st.sampled_from(earlier), max_size=2))
    whole_span = rk.Span.from_us(edges[0], edges[-1])
    meters = (*METERS, CPU)
    whole = rk.meter(records, meters, span=whole_span, cycle=DAILY, as_of=whole_span.end)
    rows: list[rk.UsageRow] = []
    state: list[rk.ResourceState] = []
    for index, batch in enumerate(batches):
        span = rk.Span.from_us(edges[index], edges[index + 1])
        usage = rk.meter(batch, meters, span=span, cycle=DAILY, as_of=span.end, state=state)
        # Every record id is accounted for, and "no effect" only where nothing else is.
        assert {r.id for r in batch} <= usage.accounted()
        elsewhere = {i for row in (*usage.rows, *usage.late) for i in row.record_ids}
        elsewhere.update(i for a in usage.anomalies for i in a.record_ids)
        assert not elsewhere & {i for i, _ in usage.no_effect}
        rows += usage.rows
        rows += usage.late
        state = carried(usage)
    assert totals(rows) == totals(whole.rows)


PEAK = rk.Meter("peak", "user", rk.Max())


def test_a_late_event_that_changes_no_hours_says_so_not_that_onoff_is_non_additive() -> None:
    # Day 1: started at 10:00, 14 h. Day 2 brings a start at 11:00 of day 1: already
    # running since 10:00, so the hours before the clock are the same (14 h): no late row,
    # and the anomaly says why. OnOff is additive: no "aggregated again" there.
    first = rk.meter(
        [rk.Event("a", "vm", "2026-03-01T10:00:00Z", kind="start", id="e1")],
        [RUNTIME],
        span=DAY1,
        cycle=DAILY,
        as_of=DAY1.end,
    )
    second = rk.meter(
        [rk.Event("a", "vm", "2026-03-01T11:00:00Z", kind="start", id="e2")],
        [RUNTIME],
        span=DAY2,
        cycle=DAILY,
        as_of=DAY2.end,
        state=carried(first),
    )
    assert [row.quantity for row in first.rows] == [Decimal(14)]  # 10:00 -> 24:00
    assert [row.quantity for row in second.rows] == [Decimal(24)]
    assert second.late == ()
    late = next(a for a in second.anomalies if a.kind == "late")
    assert late.record_ids == ("e2",)
    assert late.message == (
        "late records of 'vm' of 'a' belong before what was already metered: they change no "
        "quantity of meter 'runtime' there (the same before the clock with them as without)."
    )
    assert "non-additive" not in str(late)


def test_a_late_reading_of_a_non_additive_meter_is_reported_beside_a_late_row() -> None:
    # Day 1: started at 10:00 (14 h), peak 3. Day 2 brings a start at 09:00 of day 1
    # (one more hour before the clock: a late row of 1 h) and a peak reading of 5 at 11:00
    # of day 1: Max cannot be corrected by a quantity, so it is a late anomaly of its own
    # (it used to be filed as "before_span", accounted for by no late anomaly).
    records = [
        rk.Event("a", "vm", "2026-03-01T10:00:00Z", kind="start", id="e1"),
        rk.Sample("a", "vm", "peak", "2026-03-01T10:30:00Z", 3, id="p1"),
    ]
    first = rk.meter(records, [RUNTIME, PEAK], span=DAY1, cycle=DAILY, as_of=DAY1.end)
    second = rk.meter(
        [
            rk.Event("a", "vm", "2026-03-01T09:00:00Z", kind="start", id="e2"),
            rk.Sample("a", "vm", "peak", "2026-03-01T11:00:00Z", 5, id="p2"),
        ],
        [RUNTIME, PEAK],
        span=DAY2,
        cycle=DAILY,
        as_of=DAY2.end,
        state=carried(first),
    )
    assert [(row.meter, row.quantity) for row in second.late] == [("runtime", Decimal(1))]
    late = [a for a in second.anomalies if a.kind == "late"]
    assert [a.record_ids for a in late] == [("e2",), ("p2",)]
    assert late[1].message == (
        "late records of 'vm' of 'a' belong before what was already metered: non-additive "
        "meter 'peak' cannot be corrected by a quantity: they are not metered there (the "
        "aggregate of such a cycle must be computed again from all its readings, by metering "
        "the cycle at once)."
    )
    assert second.no_effect == ()
    assert {"e2", "p2"} <= second.accounted()


def test_late_records_of_both_kinds_without_a_row_are_told_apart_in_one_anomaly() -> None:
    # A late start that changes nothing (already running) and a late peak reading, with no
    # late row: one late anomaly per resource, naming each meter by its real reason.
    records = [
        rk.Event("a", "vm", "2026-03-01T10:00:00Z", kind="start", id="e1"),
        rk.Sample("a", "vm", "peak", "2026-03-01T10:30:00Z", 3, id="p1"),
    ]
    first = rk.meter(records, [RUNTIME, PEAK], span=DAY1, cycle=DAILY, as_of=DAY1.end)
    second = rk.meter(
        [
            rk.Event("a", "vm", "2026-03-01T11:00:00Z", kind="start", id="e2"),
            rk.Sample("a", "vm", "peak", "2026-03-01T11:00:00Z", 5, id="p2"),
        ],
        [RUNTIME, PEAK],
        span=DAY2,
        cycle=DAILY,
        as_of=DAY2.end,
        state=carried(first),
    )
    assert second.late == ()
    (late,) = [a for a in second.anomalies if a.kind == "late"]
    assert set(late.record_ids) == {"e2", "p2"}
    assert late.message == (
        "late records of 'vm' of 'a' belong before what was already metered: non-additive "
        "meter 'peak' cannot be corrected by a quantity: they are not metered there (the "
        "aggregate of such a cycle must be computed again from all its readings, by metering "
        "the cycle at once); they change no quantity of meter 'runtime' there (the same "
        "before the clock with them as without)."
    )


def test_a_state_whose_base_has_a_base_is_refused_in_words() -> None:
    # A base is the state before the history, one level deep: a chain of bases (built by
    # hand, here 5,000 deep) is refused, not read until the interpreter's stack runs out.
    first = rk.meter(COUNTS[:2], [EGRESS], span=DAY1, cycle=DAILY, as_of=DAY1.end)
    data = first.state[0].to_json()
    nested = {**data, "base": {**data, "base": None}}
    rk.ResourceState.from_json(nested)  # one level: read
    deep: dict[str, object] = dict(data)
    for _ in range(5_000):
        deep = {**data, "base": deep}
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.ResourceState.from_json(deep)
    assert str(raised.value) == (
        "ResourceState base has a base of its own; a state's base is the state before its "
        "history, one level deep, as to_json() returns it."
    )


def test_a_late_update_moves_the_counter_increments_it_describes_anew() -> None:
    # The late UPDATE of 04:00 describes 'ip' anew (flavor b) up to the clock (12:00);
    # the state keeps the counter's readings 100 at 00:00 and 105 at 06:00, from its
    # first: the increment of 5 B over 00:00-06:00 was metered whole under s, and at once
    # 5 x 4/6 = 10/3 are under s, 5 x 2/6 = 5/3 under b. The late rows take the 5 back
    # under s and give 10/3 under s and 5/3 under b: -5/3 under s, +5/3 under b (10/3
    # rounded half-even to 1e-24 is 3.333333333333333333333333; 5 less it is
    # 1.666666666666666666666667). A reading of 03:00 only (before 04:00) moves nothing,
    # nor does an update that keeps the description ({'f': 's'} again).
    start = rk.Event("a", "ip", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="e1")
    update = rk.Event("a", "ip", "2026-03-01T04:00:00Z", {"f": "b"}, kind="update", id="e2")
    same = rk.Event("a", "ip", "2026-03-01T04:00:00Z", {"f": "s"}, kind="update", id="e3")
    cut = rk.Span(DAY1.start, "2026-03-01T12:00:00Z")
    rest = rk.Span(cut.end, DAY1.end)
    said = {}
    late = {}
    for at, event in (("06", update), ("03", update), ("06", same)):
        first = rk.meter([start, counter("2026-03-01T00:00:00Z", 100, "c0"),
                          counter(f"2026-03-01T{at}:00:00Z", 105, "c1")],
                         [EGRESS], span=cut, cycle=DAILY, as_of=cut.end)  # fmt: skip
        second = rk.meter([event], [EGRESS], span=rest, cycle=DAILY, as_of=rest.end,
                          state=carried(first))  # fmt: skip
        said[at, event.id] = [a for a in second.anomalies if a.meter == "egress"]
        late[at, event.id] = second.late
    assert said["03", "e2"] == said["06", "e3"] == []
    assert late["03", "e2"] == late["06", "e3"] == ()
    third = Decimal("1.666666666666666666666667")
    assert [(dict(r.description), r.quantity, r.record_ids) for r in late["06", "e2"]] == [
        ({"f": "b"}, third, ("c0", "c1", "e2")),
        ({"f": "s"}, -third, ("c0", "c1", "e2")),
    ]
    assert [(a.kind, a.quantity) for a in said["06", "e2"]] == [("late", -third), ("late", third)]


def test_counter_increments_beyond_the_kept_readings_are_said_and_the_others_moved() -> None:
    # 34 readings, one a minute from 05:00 (100) to 05:33 (133): the state keeps the last
    # 32 (05:02..05:33), the oldest a bound. A late UPDATE of 04:00 to b moves the 31
    # increments after it (31 B); the increments up to 05:02 (05:00-05:01, 05:01-05:02:
    # 2 B) stay under s, where at once all 33 B are under b. The anomaly names the meter
    # and the range that stays.
    start = rk.Event("a", "ip", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="e1")
    readings = [counter(f"2026-03-01T05:{m:02}:00Z", 100 + m, f"c{m}") for m in range(34)]
    update = rk.Event("a", "ip", "2026-03-01T04:00:00Z", {"f": "b"}, kind="update", id="e2")
    once, first, second = _at_once_and_carried([start, *readings], [update],
                                               "2026-03-01T12:00:00Z", [EGRESS])  # fmt: skip
    s, b = "[('f', 's')]", "[('f', 'b')]"
    assert _by_description(once.rows) == {("egress", DAY1, b): Decimal(33)}
    assert _by_description(first.rows, second.rows, second.late) == {
        ("egress", DAY1, s): Decimal(2),
        ("egress", DAY1, b): Decimal(31),
    }
    (anomaly,) = [a for a in second.anomalies if a.quantity is None]
    assert (anomaly.kind, anomaly.meter, anomaly.record_ids) == ("late", "egress", ("e2",))
    assert anomaly.message == (
        "late records of 'ip' of 'a' describe it anew from 2026-03-01T04:00:00Z on, before "
        "what was already metered: the increments of meter 'egress' that earlier calls "
        "metered from 2026-03-01T04:00:00Z up to its reading at 2026-03-01T05:02:00Z stay "
        "under the description they were metered under, where metering at once prices them "
        "under the new one (the state keeps the last 32 readings, the oldest at "
        "2026-03-01T05:02:00Z, and moves the increments after it). Meter "
        "2026-03-01T04:00:00Z..2026-03-01T12:00:00Z at once to price them anew."
    )


def _at_once_and_carried(
    records: Sequence[Record], late: Sequence[Record], cut: str, meters: Sequence[rk.Meter]
) -> tuple[rk.Usage, rk.Usage, rk.Usage]:
    """Day 1 and 2 metered at once, and cut at ``cut`` with ``late`` given after it."""
    both = rk.Span(DAY1.start, DAY2.end)
    once = rk.meter([*records, *late], meters, span=both, cycle=DAILY, as_of=both.end)
    head = rk.Span(both.start, cut)
    first = rk.meter(records, meters, span=head, cycle=DAILY, as_of=head.end)
    tail = rk.Span(cut, both.end)
    second = rk.meter(late, meters, span=tail, cycle=DAILY, as_of=tail.end, state=carried(first))
    return once, first, second


def _by_description(*groups: Sequence[rk.UsageRow]) -> dict[tuple[str, rk.Span, str], Decimal]:
    """Quantity per meter, cycle and description (shown), zeros left out."""
    out: dict[tuple[str, rk.Span, str], Decimal] = defaultdict(Decimal)
    for rows in groups:
        for row in rows:
            key = (row.meter, row.cycle, repr(sorted(row.description.items())))
            out[key] = CONTEXT.add(out[key], row.quantity)
    return {key: value for key, value in out.items() if value}


def test_a_late_update_moves_a_delta_to_the_new_description() -> None:
    # vm-1 runs as flavor s from 00:00; a 5 B delta at 06:00. Metered to 12:00, then an
    # update to flavor b stamped 04:00 comes late: at once, the delta is metered under
    # flavor b. The state keeps the delta: the late rows take 5 B back under s and give
    # them under b (the hours 04:00-12:00, 8 h, move too), naming the delta and the update.
    start = rk.Event("a", "vm-1", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="e1")
    delta = rk.Sample("a", "vm-1", "bytes", "2026-03-01T06:00:00Z", 5, id="d1")
    update = rk.Event("a", "vm-1", "2026-03-01T04:00:00Z", {"f": "b"}, kind="update", id="e2")
    cut = rk.Span(DAY1.start, "2026-03-01T12:00:00Z")
    once = rk.meter([start, delta, update], [BYTES], span=DAY1, cycle=DAILY, as_of=DAY1.end)
    first = rk.meter([start, delta], [BYTES], span=cut, cycle=DAILY, as_of=cut.end)
    rest = rk.Span(cut.end, DAY1.end)
    second = rk.meter([update], [BYTES], span=rest, cycle=DAILY, as_of=rest.end,
                      state=carried(first))  # fmt: skip
    rows = [*first.rows, *second.rows, *second.late]
    assert [(dict(r.description), r.quantity) for r in once.rows] == [({"f": "b"}, Decimal(5))]
    assert sum(r.quantity for r in rows if dict(r.description) == {"f": "b"}) == Decimal(5)
    # -5 B under s, +5 B under b: 0 + 5 under b, 5 - 5 under s
    assert [(dict(r.description), r.quantity, r.record_ids) for r in second.late] == [
        ({"f": "b"}, Decimal(5), ("d1", "e2")),
        ({"f": "s"}, Decimal(-5), ("d1", "e2")),
    ]
    assert [(a.kind, a.meter, a.quantity) for a in second.anomalies] == [
        ("late", "bytes", Decimal(5)),
        ("late", "bytes", Decimal(-5)),
    ]


def test_late_deletes_and_updates_across_a_cycle_cut_move_deltas_as_at_once() -> None:
    # Daily cycles; metered to day 2 06:00. A late UPDATE (22:00 on day 1: flavor b) moves
    # the deltas of 23:00 (3 B) and of day 2 02:00 (4 B), each in its own cycle; one of
    # 21:00 (2 B) stays under s. A late DELETE of day 2 03:00 then moves the 05:00 delta
    # (6 B) to no description, as at once (where it is "after_delete"). Per meter, cycle
    # and description the calls give what one call gives: day 1 s 2, b 3; day 2 b 4, {} 6.
    records = [
        rk.Event("a", "vm-1", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="e1"),
        rk.Sample("a", "vm-1", "bytes", "2026-03-01T21:00:00Z", 2, id="d1"),
        rk.Sample("a", "vm-1", "bytes", "2026-03-01T23:00:00Z", 3, id="d2"),
        rk.Sample("a", "vm-1", "bytes", "2026-03-02T02:00:00Z", 4, id="d3"),
        rk.Sample("a", "vm-1", "bytes", "2026-03-02T05:00:00Z", 6, id="d4"),
    ]
    late = [
        rk.Event("a", "vm-1", "2026-03-01T22:00:00Z", {"f": "b"}, kind="update", id="e2"),
        rk.Event("a", "vm-1", "2026-03-02T03:00:00Z", kind="delete", id="e3"),
    ]
    once, first, second = _at_once_and_carried(records, late, "2026-03-02T06:00:00Z", [BYTES])
    s, b, none = "[('f', 's')]", "[('f', 'b')]", "[]"
    assert _by_description(once.rows) == {
        ("bytes", DAY1, s): Decimal(2),
        ("bytes", DAY1, b): Decimal(3),
        ("bytes", DAY2, b): Decimal(4),
        ("bytes", DAY2, none): Decimal(6),
    }
    assert _by_description(first.rows, second.rows, second.late) == _by_description(once.rows)


def test_deltas_beyond_those_kept_are_said_and_those_kept_are_moved() -> None:
    # 17 deltas of 1 B, one a minute from 05:00 to 05:16; the state keeps the last 16
    # (05:01..05:16), the oldest a bound: those after it (15 B) move to b, the deltas of
    # 05:00 and 05:01 (2 B) stay under s, where at once all 17 B are under b. The anomaly
    # names the meter and the range that stays.
    start = rk.Event("a", "vm-1", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="e1")
    deltas = [
        rk.Sample("a", "vm-1", "bytes", f"2026-03-01T05:{m:02}:00Z", 1, id=f"d{m}")
        for m in range(17)
    ]
    update = rk.Event("a", "vm-1", "2026-03-01T04:00:00Z", {"f": "b"}, kind="update", id="e2")
    once, first, second = _at_once_and_carried([start, *deltas], [update], "2026-03-01T12:00:00Z",
                                               [BYTES])  # fmt: skip
    s, b = "[('f', 's')]", "[('f', 'b')]"
    assert _by_description(once.rows) == {("bytes", DAY1, b): Decimal(17)}
    assert _by_description(first.rows, second.rows, second.late) == {
        ("bytes", DAY1, s): Decimal(2),
        ("bytes", DAY1, b): Decimal(15),
    }
    (said,) = [a for a in second.anomalies if a.quantity is None]
    assert (said.kind, said.meter, said.record_ids) == ("late", "bytes", ("e2",))
    assert said.message == (
        "late records of 'vm-1' of 'a' describe it anew from 2026-03-01T04:00:00Z on, before "
        "what was already metered: the deltas of meter 'bytes' that earlier calls metered "
        "from 2026-03-01T04:00:00Z to 2026-03-01T05:01:00Z (that one included) stay under "
        "the description they were metered under, where metering at once prices them under "
        "the new one (the state keeps the last 16 deltas, the oldest at "
        "2026-03-01T05:01:00Z, and moves those after it). Meter "
        "2026-03-01T04:00:00Z..2026-03-01T12:00:00Z at once to price them anew."
    )


@pytest.mark.parametrize("meter", ["egress", "reads"])
def test_a_late_update_moves_counter_increments_and_gauges_counted(meter: str) -> None:
    # 'ip' runs as s from 00:00; an UPDATE to b stamped 04:00 comes after a call metered
    # to 12:00. Counter 100 at 00:00, 105 at 06:00: at once 5 B over 00:00-06:00, cut at
    # 04:00: 5 x 4/6 = 10/3 under s, 5 x 2/6 = 5/3 under b. Gauges at 05:00 and 07:00
    # counted: 2 under b at once. The state keeps the readings (all of them, from the
    # first): the late rows move them to b as at once.
    count = rk.Meter("reads", "reading", rk.Count())
    start = rk.Event("a", "ip", "2026-03-01T00:00:00Z", {"f": "s"}, kind="start", id="e1")
    samples = {
        "egress": [
            counter("2026-03-01T00:00:00Z", 100, "c0"),
            counter("2026-03-01T06:00:00Z", 105, "c1"),
        ],
        "reads": [
            rk.Sample("a", "ip", "reads", f"2026-03-01T0{h}:00:00Z", 1, kind="gauge", id=f"g{h}")
            for h in (5, 7)
        ],
    }[meter]
    update = rk.Event("a", "ip", "2026-03-01T04:00:00Z", {"f": "b"}, kind="update", id="e2")
    meters = [EGRESS if meter == "egress" else count]
    once, first, second = _at_once_and_carried([start, *samples], [update], "2026-03-01T12:00:00Z",
                                               meters)  # fmt: skip
    assert _by_description(first.rows, second.rows, second.late) == _by_description(once.rows)


def test_a_gauge_reading_after_the_span_is_counted_once() -> None:
    # Metered to 12:00 as of 14:00, a call is given a gauge reading of 13:00: it belongs
    # to the next span. The next call, given it again, meters it: counted once, as at
    # once (the first call remembered it as applied, though it kept nothing of it, and
    # the next called it a duplicate: counted 0 times).
    count = rk.Meter("readings", "reading", rk.Count())
    reading = rk.Sample("a", "vm-1", "readings", "2026-03-01T13:00:00Z", 5, kind="gauge", id="g1")
    start = rk.Event("a", "vm-1", "2026-03-01T01:00:00Z", kind="start", id="e0")
    cut = rk.Span(DAY1.start, "2026-03-01T12:00:00Z")
    once = rk.meter([start, reading], [count], span=DAY1, cycle=None, as_of=DAY1.end)
    first = rk.meter([start, reading], [count], span=cut, cycle=None,
                     as_of="2026-03-01T14:00:00Z")  # fmt: skip
    rest = rk.Span(cut.end, DAY1.end)
    second = rk.meter([reading], [count], span=rest, cycle=None, as_of=rest.end,
                      state=carried(first))  # fmt: skip
    assert sum(r.quantity for r in once.rows) == 1
    assert sum(r.quantity for r in (*first.rows, *second.rows, *second.late)) == 1
    assert [a.kind for a in second.anomalies] == []


_FLAVORS = st.sampled_from(["s", "b", "m"])


@settings(max_examples=LAWS // 2)
@given(
    updates=st.lists(
        st.tuples(st.integers(1, 40 * 60), _FLAVORS, st.booleans()), min_size=1, max_size=4
    ),
    deltas=st.lists(st.tuples(st.integers(0, 47 * 60), st.integers(-3, 9)), max_size=16),
    delete=st.one_of(st.none(), st.integers(1, 47 * 60)),
    cut=st.integers(1, 47),
)
def test_late_re_descriptions_move_instant_deltas_as_metering_at_once(
    updates: list[tuple[int, str, bool]],
    deltas: list[tuple[int, int]],
    delete: int | None,
    cut: int,
) -> None:
    # Oracle: one call over both days. A START at 00:00 (flavor s), UPDATEs and a DELETE
    # at minutes of the two days, deltas at an instant (at most 16: the state keeps them
    # all); the records stamped before the cut (an hour) go to a first call metered up
    # to it, but the events drawn late go to the second call with everything else. Per
    # meter, cycle and description the rows and late rows of both calls are those of one.
    base = 1_772_323_200_000_000  # 2026-03-01T00:00:00Z
    cut_us = base + cut * HOUR
    start = rk.Event("a", "vm-1", format_us(base), {"f": "s"}, kind="start", id="e0")
    first_records: list[Record] = [start]
    later: list[Record] = []
    for index, (minute, flavor, late) in enumerate(updates):
        at = base + minute * MINUTE
        event = rk.Event("a", "vm-1", format_us(at), {"f": flavor}, kind="update", id=f"u{index}")
        (later if late or at >= cut_us else first_records).append(event)
    if delete is not None:
        later.append(
            rk.Event("a", "vm-1", format_us(base + delete * MINUTE), kind="delete", id="x")
        )
    for index, (minute, value) in enumerate(deltas):
        at = base + minute * MINUTE
        sample = rk.Sample("a", "vm-1", "bytes", format_us(at), value, id=f"d{index}")
        (first_records if at < cut_us else later).append(sample)
    once, first, second = _at_once_and_carried(first_records, later, format_us(cut_us),
                                               [RUNTIME, BYTES])  # fmt: skip
    assert _by_description(first.rows, second.rows, second.late) == _by_description(once.rows)
