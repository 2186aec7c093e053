"""What a stream says of anomalies: each once, the same across restores (FINDINGS5).

A stream says each anomaly once (a statement's ``anomalies`` are those not reported
before), across compaction and snapshot -> JSON -> restore; a restored rater says
exactly what the unrestored one says; a statement asked again at one watermark with
nothing fed is empty.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
MEM = rk.Meter("mem", "GB*hour", rk.Continuous("mem"))
CTR = rk.Meter("ctr", "GB", rk.Counter())
METERS = (VM, MEM, CTR)
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
