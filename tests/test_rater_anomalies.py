"""What a stream says of anomalies: each once, the same across restores.

A stream says each anomaly once (a statement's ``anomalies`` are those not reported
before), across compaction and snapshot -> JSON -> restore; a restored rater says
exactly what the unrestored one says; a statement asked again at one watermark with
nothing fed is empty.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._rater_streams import CYCLE, PLANS, T0, records
from tests._rater_streams import METERS as STREAM_METERS

import ratekit as rk
from ratekit._instants import format_us

DAILY = rk.cycles.daily(tz="UTC")
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
MEM = rk.Meter("mem", "GB*hour", rk.Continuous("mem"))
CTR = rk.Meter("ctr", "GB", rk.Counter())
METERS = (VM, MEM, CTR)
HOUR_US = 3_600_000_000
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
EGRESS_PLAN = rk.Plan(
    "p",
    "EUR",
    DAILY,
    [
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.07")),
        rk.PriceEntry("egress", "egress", rk.PerUnit("0.01")),
    ],
)
PLAN = rk.Plan(
    "p",
    "EUR",
    DAILY,
    [
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.07")),
        rk.PriceEntry("mem", "mem", rk.PerUnit("0.003")),
        rk.PriceEntry("ctr", "ctr", rk.PerUnit("0.01")),
    ],
)
START = "2026-03-01T00:00:00Z"


def _said(statements: list[rk.Statement]) -> list[tuple[str, tuple[str, ...]]]:
    return [(a.kind, a.record_ids) for s in statements for a in s.anomalies]


def _restored(rater: rk.Rater) -> rk.Rater:
    return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)


# i1 (2 March 21:30) lists r0, unknown: opened. i2 (3 March 02:00, last_seen, account a1)
# does not list it: closed at its last sign of life. c2, a counter reading at 3 March
# 03:30, comes after the resource was closed that way (deleted): after_delete.
CLOSED_THEN_READ = [
    rk.Inventory("2026-03-02T21:30:00Z", [("a1", "r0")], id="i1"),
    rk.Inventory("2026-03-03T02:00:00Z", [], close="last_seen", accounts=["a1"], id="i2"),
    rk.Sample("a1", "r0", "ctr", "2026-03-02T23:30:00Z", 17, kind="counter", id="c1"),
    rk.Sample("a1", "r0", "ctr", "2026-03-03T03:30:00Z", 49, kind="counter", id="c2"),
]


def test_a_statement_asked_again_with_nothing_fed_is_empty() -> None:
    # The watermark of 6 March 01:00 (horizon 48 h) closes 1, 2 and 3 March and compacts
    # 1 and 2 March (c1 at 23:30 is folded away): the three anomalies are said then.
    # Asked again there, nothing was fed: the statement is empty (it once said
    # reconciled_close again, its message then reading "closed at 21:30").
    rater = rk.Rater(PLAN, METERS, start=START, horizon=dt.timedelta(hours=48))
    rater.feed(CLOSED_THEN_READ)
    first = rater.statement("2026-03-06T01:00:00Z")
    assert sorted((a.kind, a.record_ids) for a in first.anomalies) == [
        ("after_delete", ("c2",)),
        ("reconciled_close", ("i2", "i1")),
        ("reconciled_open", ("i1",)),
    ]
    again = rater.statement("2026-03-06T01:00:00Z")
    assert (again.lines, again.anomalies, again.closed, again.invoices) == ((), (), (), ())


def test_an_anomaly_is_not_said_again_when_its_cycle_is_compacted() -> None:
    # Daily watermarks at 01:00, one cycle closing per statement: the anomalies of 2-3
    # March are said once (reconciled_open at 3 March 01:00, after 21:30; the others at
    # 4 March 01:00, after c2 at 03:30), and not again when 3 March is compacted (by the
    # statement of 7 March 01:00, which once said after_delete and reconciled_close
    # again). Batch rate() says the same three, once.
    rater = rk.Rater(PLAN, METERS, start=START, horizon=dt.timedelta(hours=48))
    rater.feed(CLOSED_THEN_READ)
    statements = [rater.statement(f"2026-03-0{day}T01:00:00Z") for day in range(1, 10)]
    said = _said(statements)
    batch = rk.rate(
        CLOSED_THEN_READ,
        PLAN,
        span=rk.Span(START, "2026-03-09T01:00:00Z"),
        meters=METERS,
        as_of="2026-03-09T01:00:00Z",
    )
    assert sorted(said) == sorted((a.kind, a.record_ids) for a in batch.anomalies)
    assert said == [
        ("reconciled_open", ("i1",)),
        ("after_delete", ("c2",)),
        ("reconciled_close", ("i2", "i1")),
    ]


def test_after_delete_of_a_reading_is_said_once_across_two_compactions() -> None:
    # Start 2 March 10:00, delete 19:30, a counter reading at 3 March 20:30 (after the
    # delete: after_delete). Horizon 0: 3 March 21:00 closes 1 and 2 March; 4 March 01:00
    # closes 3 March and compacts 2 March; 5 March 01:00 compacts 3 March, where c1 is,
    # and once said after_delete again.
    records = [
        rk.Event("a1", "r4", "2026-03-02T10:00:00Z", kind="start", id="e1"),
        rk.Event("a1", "r4", "2026-03-02T19:30:00Z", kind="delete", id="e2"),
        rk.Sample("a1", "r4", "ctr", "2026-03-03T20:30:00Z", 38, kind="counter", id="c1"),
    ]
    rater = rk.Rater(PLAN, METERS, start=START, horizon=dt.timedelta(0))
    rater.feed(records)
    watermarks = ("2026-03-03T21:00:00Z", "2026-03-04T01:00:00Z", "2026-03-05T01:00:00Z")
    assert _said([rater.statement(w) for w in watermarks]) == [("after_delete", ("c1",))]


def test_a_restored_rater_says_no_late_anomaly_the_unrestored_one_does_not() -> None:
    # i1 (1 March 21:30, last_seen) lists g2, unknown: opened. i2 (3 March 06:30) lists it
    # with mem=1: its attributes corrected. Horizon 30 h: 5 March 04:30 closes 1 and 2
    # March, 5 March 07:00 closes 3 March. Restored between the two, the rater once said
    # "late records of 'g2' ... change no quantity" about i2 at the second statement:
    # i2 was metered while its cycle was kept, nothing was late. Both statements equal
    # the unrestored rater's, lines and anomalies.
    records = [
        rk.Inventory("2026-03-01T21:30:00Z", [("a1", "g2")], close="last_seen", id="i1"),
        rk.Inventory(
            "2026-03-03T06:30:00Z", {("a1", "g2"): {"mem": 1}}, close="last_seen", id="i2"
        ),
    ]
    said = []
    for restore in (False, True):
        rater = rk.Rater(PLAN, METERS, start=START, horizon=dt.timedelta(hours=30))
        rater.feed(records)
        first = rater.statement("2026-03-05T04:30:00Z")
        if restore:
            rater = _restored(rater)
        said.append((first, rater.statement("2026-03-05T07:00:00Z")))
    assert said[0] == said[1]
    first, second = said[1]
    assert second.anomalies == ()
    assert sorted((a.kind, a.record_ids) for a in first.anomalies) == [
        ("reconciled_open", ("i1",)),
        ("reconciled_update", ("i2", "i1")),
    ]


def test_a_restore_does_not_make_an_after_delete_said_again() -> None:
    # del deletes r0 (never started: orphan_stop) at 1 March 20:00; i1 at 22:00 lists it
    # (opened); i2 at 2 March 01:30 (last_seen) does not (closed); stop at 04:00 comes
    # after the resource was deleted (after_delete). Said at 5 March 03:00 (closing 1
    # and 2 March, horizon 30 h); restored, the statement compacting 3 March once said
    # after_delete of stop again, its message naming the delete at 22:00.
    records = [
        rk.Event("a1", "r0", "2026-03-01T20:00:00Z", kind="delete", id="del"),
        rk.Inventory("2026-03-01T22:00:00Z", [("a1", "r0")], id="i1"),
        rk.Inventory("2026-03-02T01:30:00Z", [], close="last_seen", id="i2"),
        rk.Event("a1", "r0", "2026-03-02T04:00:00Z", kind="stop", id="stop"),
    ]
    rater = rk.Rater(PLAN, METERS, start=START, horizon=dt.timedelta(hours=30))
    rater.feed(records)
    first = rater.statement("2026-03-05T03:00:00Z")
    assert sorted((a.kind, a.record_ids) for a in first.anomalies) == [
        ("after_delete", ("stop", "del")),
        ("orphan_stop", ("del",)),
        ("reconciled_close", ("i2", "i1")),
        ("reconciled_open", ("i1",)),
    ]
    second = _restored(rater).statement("2026-03-05T07:00:00Z")
    assert second.anomalies == ()
    # r0 ran from 22:00 to its last sign of life, i1 itself: 0 h, nothing charged.
    assert sum((line.amount for line in first.lines), Decimal(0)) == Decimal(0)


# -- a record stamped at the watermark itself ------------------------------------------------


def test_a_span_ending_at_the_watermark_waits_for_what_reopens_its_resource() -> None:
    # r1 starts at 06:00 and is deleted at 07:30; an inventory at 17:00 lists it (opened
    # again there); a delta of 4 GB over 16:30-17:00 is stamped 17:00. Metering at the
    # watermark 17:00 reads the delta (its span lies before it) but not the inventory
    # stamped there; batch over every record orders the inventory first at 17:00, and says
    # no after_delete. So the statement at 17:00 says none either: said (or not) once the
    # instant is settled, at 18:00, where batch says reconciled_open only.
    plan, egress = EGRESS_PLAN, EGRESS
    records = [
        rk.Event("a2", "r1", "2026-03-01T06:00:00Z", kind="start", id="go"),
        rk.Event("a2", "r1", "2026-03-01T07:30:00Z", kind="delete", id="del"),
        rk.Inventory("2026-03-01T17:00:00Z", [("a2", "r1")], id="inv"),
        rk.Sample(
            "a2", "r1", "egress", "2026-03-01T17:00:00Z", 4, since="2026-03-01T16:30:00Z", id="s"
        ),
    ]
    for restore in (False, True):
        rater = rk.Rater(plan, [VM, egress], start=START, horizon=dt.timedelta(days=1))
        rater.feed(records)
        at_five = rater.statement("2026-03-01T17:00:00Z")
        assert at_five.anomalies == ()
        assert rater.statement("2026-03-01T17:00:00Z").anomalies == ()  # asked again
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [VM, egress])
        at_six = rater.statement("2026-03-01T18:00:00Z")
        assert [(a.kind, a.record_ids) for a in at_six.anomalies] == [("reconciled_open", ("inv",))]
        # vm: 06:00-07:30 and 17:00-18:00, 2.5 h * 0.07 = 0.175; egress 4 GB * 0.01 = 0.04.
        assert at_five.total() + at_six.total() == Decimal("0.215")
    batch = rk.rate(records, plan, span=rk.Span(START, "2026-03-01T18:00:00Z"), meters=[VM, egress])
    assert [(a.kind, a.record_ids) for a in batch.anomalies] == [("reconciled_open", ("inv",))]


def test_an_anomaly_of_a_record_at_the_watermark_is_said_past_it_when_it_stands() -> None:
    # The same without the inventory: nothing at 17:00 reopens r1, so the delta measures
    # a deleted resource; held at 17:00 (the instant may still change), said at 18:00.
    plan, egress = EGRESS_PLAN, EGRESS
    records = [
        rk.Event("a2", "r1", "2026-03-01T06:00:00Z", kind="start", id="go"),
        rk.Event("a2", "r1", "2026-03-01T07:30:00Z", kind="delete", id="del"),
        rk.Sample(
            "a2", "r1", "egress", "2026-03-01T17:00:00Z", 4, since="2026-03-01T16:30:00Z", id="s"
        ),
    ]
    rater = rk.Rater(plan, [VM, egress], start=START, horizon=dt.timedelta(days=1))
    rater.feed(records)
    assert rater.statement("2026-03-01T17:00:00Z").anomalies == ()
    at_six = rater.statement("2026-03-01T18:00:00Z")
    assert [(a.kind, a.record_ids) for a in at_six.anomalies] == [("after_delete", ("s",))]
    assert rater.statement("2026-03-01T19:00:00Z").anomalies == ()


# -- line roles: a take-back by a record is a reversal and a correction ----------------------


def _roles(lines: tuple[rk.StatementLine, ...]) -> list[tuple[str, int, str, Decimal, Decimal]]:
    return [(x.role, x.cycle.start.day, x.meter, x.quantity, x.amount) for x in lines]


def test_a_last_seen_inventory_closing_back_reverses_the_open_lines() -> None:
    # vm started 1 March 12:00 (mem 1), last sign of life a sample at 13:00. Reported at
    # 3 March 00:00: 12 h on 1 March (12 * 0.07 = 0.84), 24 h on 2 March (1.68); mem the
    # same hours at 1 GB (0.036, 0.072). A last_seen inventory of 3 March 01:00 closes it
    # back at 13:00: 1 March is 1 h (0.07; mem 0.003), 2 March nothing. A record changed
    # them before the watermark: reversal + correction (the same as a STOP at 13:00 fed
    # then), not increments of -11 and -24 h.
    rater = rk.Rater(PLAN, METERS, start=START, horizon=dt.timedelta(days=5))
    rater.feed(
        [
            rk.Event("a1", "vm", "2026-03-01T12:00:00Z", {"mem": 1}, kind="start", id="s"),
            rk.Sample("a1", "vm", "ctr", "2026-03-01T13:00:00Z", 0, kind="counter", id="x"),
        ]
    )
    rater.statement("2026-03-03T00:00:00Z")
    rater.feed([rk.Inventory("2026-03-03T01:00:00Z", [], close="last_seen", id="inv")])
    lines = rater.statement("2026-03-03T02:00:00Z").lines
    assert _roles(lines) == [
        ("reversal", 1, "mem", Decimal(-12), Decimal("-0.036")),
        ("correction", 1, "mem", Decimal(1), Decimal("0.003")),
        ("reversal", 1, "vm.hours", Decimal(-12), Decimal("-0.84")),
        ("correction", 1, "vm.hours", Decimal(1), Decimal("0.07")),
        ("reversal", 2, "mem", Decimal(-24), Decimal("-0.072")),
        ("reversal", 2, "vm.hours", Decimal(-24), Decimal("-1.68")),
    ]


def test_a_counter_reading_reaching_back_reverses_the_open_line() -> None:
    # Readings 0 (1 March 12:00) and 600 (18:00): 600 GB on 1 March (6.00). Reported at 2
    # March 06:00. The reading 1800 at 2 March 18:00 counts 1200 GB from 18:00 the day
    # before, split in time: 6 h of 24 on 1 March (300 GB), 18 h on 2 March (900 GB).
    # 1 March goes from 600 to 900 GB by a record: reversal -600 (-6.00) and correction
    # 900 (9.00), not an increment of 300; 2 March is new: 900 GB (9.00).
    rater = rk.Rater(PLAN, METERS, start=START, horizon=dt.timedelta(days=5))
    rater.feed(
        [
            rk.Sample("a1", "ip", "ctr", "2026-03-01T12:00:00Z", 0, kind="counter", id="c0"),
            rk.Sample("a1", "ip", "ctr", "2026-03-01T18:00:00Z", 600, kind="counter", id="c1"),
        ]
    )
    rater.statement("2026-03-02T06:00:00Z")
    rater.feed(
        [rk.Sample("a1", "ip", "ctr", "2026-03-02T18:00:00Z", 1800, kind="counter", id="c2")]
    )
    assert _roles(rater.statement("2026-03-03T00:00:00Z").lines) == [
        ("reversal", 1, "ctr", Decimal(-600), Decimal("-6.00")),
        ("correction", 1, "ctr", Decimal(900), Decimal("9.00")),
        ("charge", 2, "ctr", Decimal(900), Decimal("9.00")),
    ]


def test_an_event_ordered_before_compacted_events_reverses_the_open_line() -> None:
    # s (seq 2) starts vm at 1 March 10:00, t stops it 2 March 10:00, u starts it again
    # 3 March 06:00. At 3 March 12:00 (horizon 6 h): 1 March 14 h (0.98), 2 March 10 h
    # (0.70), 3 March 6 h (0.42); 1 March is compacted. d (seq 1, 3 March 14:00) is
    # ordered before s, so every kept event is applied again after the delete and is
    # ignored: 2 March and 3 March fall to 0 h. Stamped after the watermark, d still
    # reaches back to the kept cycles' start: 3 March's line is a reversal of -6 h
    # (-0.42) with no correction, not an increment of -6 h (fails on the old code).
    rater = rk.Rater(PLAN, METERS, start=START, horizon=dt.timedelta(hours=6))
    rater.feed(
        [
            rk.Event("a1", "vm", "2026-03-01T10:00:00Z", kind="start", id="s", seq=2),
            rk.Event("a1", "vm", "2026-03-02T10:00:00Z", kind="stop", id="t"),
            rk.Event("a1", "vm", "2026-03-03T06:00:00Z", kind="start", id="u"),
        ]
    )
    assert _roles(rater.statement("2026-03-03T12:00:00Z").lines) == [
        ("charge", 1, "vm.hours", Decimal(14), Decimal("0.98")),
        ("charge", 2, "vm.hours", Decimal(10), Decimal("0.70")),
        ("charge", 3, "vm.hours", Decimal(6), Decimal("0.42")),
    ]
    rater.feed([rk.Event("a1", "vm", "2026-03-03T14:00:00Z", kind="delete", id="d", seq=1)])
    assert _roles(rater.statement("2026-03-03T16:00:00Z").lines) == [
        ("reversal", 2, "vm.hours", Decimal(-10), Decimal("-0.70")),
        ("reversal", 3, "vm.hours", Decimal(-6), Decimal("-0.42")),
    ]


def test_an_anomaly_of_a_kept_record_without_an_id_is_not_said_again() -> None:
    # Two-hour cycles, horizon 0. i1 (03:30) opens vm; a START without an id at 04:00
    # starts it again with the same description: duplicate_start, said at 04:30. At
    # 06:00 the cycles up to 06:00 close and the oldest are compacted; the START stays
    # kept (its resource runs). e10, a START at 04:30 fed late, makes metering find the
    # id-less START's anomaly again: it was said, so only e10's is (it was forgotten
    # with i1's cycle, the only id it names, and said twice; fails on the old code).
    two_hours = rk.cycles.every(dt.timedelta(hours=2), anchor=START)
    plan = rk.Plan("p", "EUR", two_hours, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.07"))])
    rater = rk.Rater(plan, [VM], start=START)
    rater.statement("2026-03-01T03:30:00Z")
    rater.feed(
        [
            rk.Inventory("2026-03-01T03:30:00Z", {("a1", "vm"): {"mem": 1}}, id="i1"),
            rk.Event("a1", "vm", "2026-03-01T04:00:00Z", {"mem": 1}, kind="start"),
        ]
    )
    first = rater.statement("2026-03-01T04:30:00Z")
    assert [(a.kind, a.record_ids) for a in first.anomalies] == [
        ("duplicate_start", ("i1",)),
        ("reconciled_open", ("i1",)),
    ]
    assert rater.statement("2026-03-01T06:00:00Z").anomalies == ()
    late = rk.Event("a1", "vm", "2026-03-01T04:30:00Z", {"mem": 1}, kind="start", id="e10")
    rater.feed([late])
    again = rater.statement("2026-03-01T06:30:00Z")
    assert [(a.kind, a.record_ids) for a in again.anomalies] == [("duplicate_start", ("e10", "i1"))]


def test_a_line_taken_away_then_used_again_comes_back_as_a_charge() -> None:
    # s1 starts vm at 1 March 10:00: at 12:00, 2 h (0.14), a charge. t1, a STOP stamped
    # 10:00 too (a start and a stop at one instant: zero time), takes the line away: at
    # 13:00 a reversal of -2 h (-0.14) and nothing left. s2 starts it again at 14:00: at
    # 15:00 the line is new again, a charge of 1 h (0.07), not an increment of a line
    # the ledger closed (fails on the old code).
    rater = rk.Rater(PLAN, METERS, start=START, horizon=dt.timedelta(days=5))
    rater.feed([rk.Event("a1", "vm", "2026-03-01T10:00:00Z", kind="start", id="s1")])
    assert _roles(rater.statement("2026-03-01T12:00:00Z").lines) == [
        ("charge", 1, "vm.hours", Decimal(2), Decimal("0.14"))
    ]
    rater.feed([rk.Event("a1", "vm", "2026-03-01T10:00:00Z", kind="stop", id="t1")])
    assert _roles(rater.statement("2026-03-01T13:00:00Z").lines) == [
        ("reversal", 1, "vm.hours", Decimal(-2), Decimal("-0.14"))
    ]
    rater.feed([rk.Event("a1", "vm", "2026-03-01T14:00:00Z", kind="start", id="s2")])
    assert _roles(rater.statement("2026-03-01T15:00:00Z").lines) == [
        ("charge", 1, "vm.hours", Decimal(1), Decimal("0.07"))
    ]


def test_time_alone_still_gives_increments() -> None:
    # A running vm reported at 1 March 18:00 (6 h, 0.42) and at 20:00 with nothing fed:
    # +2 h (0.14), time only. A snapshot inventory at 19:00 listing it changes nothing
    # before the watermark: still an increment.
    rater = rk.Rater(PLAN, METERS, start=START, horizon=dt.timedelta(days=5))
    rater.feed([rk.Event("a1", "vm", "2026-03-01T12:00:00Z", kind="start", id="s")])
    rater.statement("2026-03-01T18:00:00Z")
    rater.feed([rk.Inventory("2026-03-01T19:00:00Z", [("a1", "vm")], id="inv")])
    assert _roles(rater.statement("2026-03-01T20:00:00Z").lines) == [
        ("increment", 1, "vm.hours", Decimal(2), Decimal("0.14"))
    ]


def _before(
    records_: list[rk.Record], cut: int, as_of: int
) -> dict[tuple[str, str | None, str, int], Fraction]:
    """Batch metering's usage before ``cut`` (rows cut there), per resource, meter, cycle."""
    usage = rk.meter(
        records_,
        STREAM_METERS,
        span=rk.Span(format_us(T0), format_us(as_of)),
        cycle=CYCLE,
        as_of=format_us(as_of),
        cuts={meter.name: [cut] for meter in STREAM_METERS},
    )
    out: dict[tuple[str, str | None, str, int], Fraction] = {}
    for row in usage.rows:
        if row.span.end_us <= cut and row.span.start_us < cut:
            key = (row.account, row.resource, row.meter, row.cycle.start_us)
            out[key] = out.get(key, Fraction(0)) + Fraction(row.quantity)
    return out


@settings(max_examples=max(LAWS // 8, FLOOR), deadline=None)
@given(seed=st.integers(0, 2**32), sequenced=st.booleans())
def test_an_increment_is_a_change_with_time_only(seed: int, sequenced: bool) -> None:
    # Records fed in time order (counter readings, deltas over spans, inventories, some
    # closing at the last sign of life), statements at watermarks up to the next record
    # not fed. A resource's line given as an increment at watermark W after watermark P
    # changed with time only: batch metering of the records fed by W, its rows cut at P,
    # gives the same usage before P as that of the records fed by P (brute force, as
    # exact fractions). A counter reading or closing that reaches back makes its
    # account's lines a reversal and a correction instead (fails on the old code).
    rng = random.Random(seed)
    stream = records(rng, greet=True, last_seen=True, sequenced=sequenced)
    stream.sort(key=lambda record: record.at_us)
    rater = rk.Rater(PLANS, STREAM_METERS, start=format_us(T0), horizon=dt.timedelta(hours=6))
    fed: list[rk.Record] = []
    before: list[rk.Record] = []
    prev = T0
    position = 0
    while position < len(stream):
        batch = stream[position : position + rng.randint(1, 5)]
        position += len(batch)
        rater.feed(batch)
        fed += batch
        if rng.random() < 0.5:
            ahead = batch[-1].at_us + rng.choice((0, 1, HOUR_US))
            if position < len(stream):
                ahead = min(ahead, stream[position].at_us)
            as_of = max(prev, ahead)
            statement = rater.statement(format_us(as_of))
            keys = {
                (x.account, x.resource, x.meter, x.cycle.start_us)
                for x in statement.lines
                if x.role == "increment" and x.resource is not None
            }
            if keys and prev > T0:
                old, new = _before(before, prev, prev), _before(fed, prev, as_of)
                for key in keys:
                    assert old.get(key, 0) == new.get(key, 0), key
            before = list(fed)
            prev = as_of
