"""Events ordered by ``seq`` in the rater: an event whose seq puts it before events
stamped earlier takes effect from the first of them, whenever it arrives.

One shape in all three tests: a VM started (seq 1) on 1 March at 10:00 and stopped twice,
at 20:00 (seq 3) and on 2 March at 02:00 (seq 2), at 1 EUR an hour on daily cycles. In
seq order the stop at 02:00 comes first, so the stop stamped 20:00 is out of order (it
takes effect at 02:00, a duplicate stop): the VM runs 10:00 -> 02:00, 14 h on 1 March
and 2 h on 2 March, as batch rate() says. Before the stop at 02:00 is known, it runs
10:00 -> 20:00: 10 h.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from decimal import Decimal

import pytest

import ratekit as rk

PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("runtime", "runtime", rk.PerUnit(1))]
)
METERS = [rk.Meter("runtime", "hour", rk.OnOff())]
START = rk.Event("acme", "vm", "2026-03-01T10:00:00Z", kind="start", id="a", seq=1)
STOP_EARLY = rk.Event("acme", "vm", "2026-03-01T20:00:00Z", kind="stop", id="b", seq=3)
STOP_LATE = rk.Event("acme", "vm", "2026-03-02T02:00:00Z", kind="stop", id="c", seq=2)


def lines(statement: rk.Statement) -> list[tuple[str, Decimal, bool]]:
    return [(line.role, line.amount, line.late) for line in statement.lines]


def test_batch_rate_orders_by_seq() -> None:
    rating = rk.rate(
        [START, STOP_EARLY, STOP_LATE],
        PLAN,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-03T00:00:00Z"),
        meters=METERS,
    )
    # 10:00 -> 24:00 is 14 h; 00:00 -> 02:00 is 2 h; at 1 EUR an hour.
    assert [(c.cycle.start, c.amount) for c in rating.charges] == [
        (dt.datetime(2026, 3, 1, tzinfo=dt.UTC), Decimal(14)),
        (dt.datetime(2026, 3, 2, tzinfo=dt.UTC), Decimal(2)),
    ]


def test_an_event_sequenced_before_a_closed_cycle_corrects_it() -> None:
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=1))
    rater.feed([START, STOP_EARLY])
    first = rater.statement("2026-03-02T01:30:00Z")
    assert lines(first) == [("charge", Decimal(10), False)]  # 10:00 -> 20:00
    assert [invoice.total for invoice in first.invoices] == [Decimal("10.00")]
    # Stamped in the open cycle, but its seq puts it before the stop at 20:00 of the
    # closed one: late, and the closed cycle is corrected from 10 h to 14 h.
    assert rater.feed([STOP_LATE]).late == ("c",)
    second = rater.statement("2026-03-02T03:00:00Z")
    assert lines(second) == [
        ("reversal", Decimal(-10), True),
        ("correction", Decimal(14), True),
        ("charge", Decimal(2), False),
    ]
    assert [a.kind for a in second.anomalies] == ["duplicate_stop", "out_of_order"]


def test_an_event_fed_early_reorders_when_the_watermark_reaches_it() -> None:
    # Fed before the watermark reaches its instant: not known at 21:00 (10 h so far); at
    # 03:00 it is, and the cycle of 1 March is metered again before it closes.
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=1))
    assert rater.feed([START, STOP_EARLY, STOP_LATE]).accepted == ("a", "b", "c")
    assert lines(rater.statement("2026-03-01T21:00:00Z")) == [("charge", Decimal(10), False)]
    rater = rk.Rater.restore(rater.snapshot(), PLAN, METERS)
    later = rater.statement("2026-03-02T03:00:00Z")
    # 14 h on 1 March (10:00 to 02:00 the next day, the stop at 20:00 ordered after
    # it), which closes at 01:00 with 14.00; 2 h on 2 March. The 10 h reported become 14
    # by a record that changes 20:00-21:00, before the last watermark: a reversal (-10)
    # and a correction (14), not an increment of 4, which would say time alone did.
    assert lines(later) == [
        ("reversal", Decimal(-10), False),
        ("correction", Decimal(14), False),
        ("charge", Decimal(2), False),
    ]
    assert [invoice.total for invoice in later.invoices] == [Decimal("14.00")]


def test_an_event_sequenced_before_a_compacted_cycle_is_said_too_late() -> None:
    # Horizon 0: at 3 March 01:00 both days are closed and 1 March compacted. The stop at
    # 02:00 on 2 March reaches back to 20:00 on 1 March: the 4 h it changes there are not
    # applied (an anomaly says so); 2 March, closed but kept, is corrected by 2 h.
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([START, STOP_EARLY])
    assert lines(rater.statement("2026-03-03T01:00:00Z")) == [("charge", Decimal(10), False)]
    feed = rater.feed([STOP_LATE])
    assert feed.late == ("c",)
    (anomaly,) = feed.anomalies
    assert anomaly.kind == "too_late"
    assert anomaly.record_ids == ("c",)
    assert anomaly.message == (
        "event 'c' (stop of 'vm' at 2026-03-02T02:00:00Z, seq 2) is ordered by its seq "
        "before events of cycles already compacted (the last seq there is 3): what it "
        "changes in those cycles is not applied (the rest is)."
    )
    statement = rater.statement("2026-03-03T03:00:00Z")
    assert lines(statement) == [("charge", Decimal(2), True)]
    late = [a for a in statement.anomalies if a.kind == "late"]
    (change,) = late
    assert change.message == (
        "late records of 'vm' of 'acme' change meter 'runtime' by 4 hour under description "
        "{} over 2026-03-01T20:00:00Z..2026-03-02T00:00:00Z, before what was already "
        "metered: see Usage.late."
    )
    # The part not applied, as values: batch bills 10:00-02:00 (16 h) on 1-2 March where
    # the stream billed 10 + 2 = 12 h: 12 + 4 = 16.
    assert (change.meter, change.quantity) == ("runtime", Decimal(4))


# -- an inventory among sequenced events: compaction must not split a sequence ---------------
#
# An inventory in the records that compaction folds settles the history of the metering
# state (metering's rule), so that state can no longer put a kept event with a lower seq
# before the folded ones: compaction must keep every cycle a sequence reaches into, also
# when holding back for one resource moves the cut before another resource's sequence.

MEM = rk.Meter("mem", "MB*hour", rk.Continuous("mem"))
CTR = rk.Meter("ctr", "B", rk.Counter())
MEM_PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("mem", "mem", rk.PerUnit("0.001")),
        rk.PriceEntry("ctr", "ctr", rk.PerUnit("0.1")),
    ],
)


def mem_lines(statement: rk.Statement) -> list[tuple[str, str, int, Decimal]]:
    return [
        (line.role, line.resource or "", line.cycle.start.day, line.amount)
        for line in statement.lines
    ]


def test_an_inventory_compacted_with_sequenced_events_keeps_their_order() -> None:
    # Horizon 0, all fed at once. 'x': the inventory (1 March 13:00) opens it with no
    # memory; seq 6 (start, 512 MB, 2 March 18:00) comes before seq 7 (update, stamped
    # 1 March 19:30: out of order, at 18:00 too); the start without seq (256 MB, 2 March
    # 10:30) comes after seq 7, the last sequenced event stamped before it: 256 MB from
    # 2 March 18:00. 'y' bills nothing (its stop, seq 7, is out of order after its start,
    # seq 0, both at 3 March 07:45), but its sequence holds compaction back to 2 March,
    # which splits x's: 1 March must stay kept too. The counter's single reading bills
    # nothing, but makes 'x' metered again from the kept cycles' start at each statement.
    records = [
        rk.Inventory("2026-03-01T13:00:00Z", [("a", "x"), ("a", "y")], id="inv"),
        rk.Event("a", "x", "2026-03-01T19:30:00Z", kind="update", id="x7", seq=7),
        rk.Event("a", "x", "2026-03-02T10:30:00Z", {"mem": 256}, kind="start", id="x"),
        rk.Event("a", "x", "2026-03-02T18:00:00Z", {"mem": 512}, kind="start", id="x6", seq=6),
        rk.Sample("a", "x", "ctr", "2026-03-02T11:30:00Z", 33, kind="counter", id="c"),
        rk.Event("a", "y", "2026-03-02T15:30:00Z", kind="stop", id="y7", seq=7),
        rk.Event("a", "y", "2026-03-03T07:45:00Z", {"mem": 512}, kind="start", id="y0", seq=0),
    ]
    rater = rk.Rater(MEM_PLAN, [MEM, CTR], start="2026-03-01T00:00:00Z")
    rater.feed(records)
    # 2 March 18:00 -> 24:00: 6 h x 256 MB = 1536 MB*hour at 0.001 = 1.536 EUR; a whole
    # day 24 x 256 = 6144 -> 6.144; 4 March to 23:00: 23 x 256 = 5888 -> 5.888.
    assert mem_lines(rater.statement("2026-03-04T23:00:00Z")) == [
        ("charge", "x", 2, Decimal("1.536")),
        ("charge", "x", 3, Decimal("6.144")),
        ("charge", "x", 4, Decimal("5.888")),
    ]
    # One more hour on 4 March (256 -> 0.256) and one on 5 March: never at 512 MB.
    assert mem_lines(rater.statement("2026-03-05T01:00:00Z")) == [
        ("increment", "x", 4, Decimal("0.256")),
        ("charge", "x", 5, Decimal("0.256")),
    ]
    rating = rk.rate(
        records,
        MEM_PLAN,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z"),
        meters=[MEM, CTR],
        as_of="2026-03-05T01:00:00Z",
    )
    assert rating.total() == Decimal("1.536") + 2 * Decimal("6.144") + Decimal("0.256")


def test_a_restored_rater_keeps_the_order_of_sequenced_events_across_an_inventory() -> None:
    # 'v': seq 7 (start, 256 MB, stamped 1 March 00:00) is out of order after seq 2 (start,
    # 1024 MB, 2 March 09:00): both at 09:00, 256 MB from then on; the inventory at 1 March
    # 03:00 opens it with no memory. 'w' bills nothing (its stop, seq 5, is out of order
    # after its start, seq 2, both at 3 March 17:30), but holds compaction back, which
    # splits v's sequence; the restored rater must not bill v at 1024 MB.
    records = [
        rk.Event("a", "v", "2026-03-01T00:00:00Z", {"mem": 256}, kind="start", id="v7", seq=7),
        rk.Event("a", "v", "2026-03-02T09:00:00Z", {"mem": 1024}, kind="start", id="v2", seq=2),
        rk.Inventory("2026-03-01T03:00:00Z", [("a", "v")], close="last_seen", id="inv"),
        rk.Event("a", "w", "2026-03-02T16:15:00Z", kind="stop", id="w5", seq=5),
        rk.Event("a", "w", "2026-03-03T17:30:00Z", {"mem": 1024}, kind="start", id="w2", seq=2),
    ]
    rater = rk.Rater(MEM_PLAN, [MEM], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=2))
    rater.feed(records)
    # 2 March 09:00 -> 24:00: 15 h x 256 MB = 3840 MB*hour at 0.001 = 3.840 EUR; a whole
    # day 24 x 256 = 6144 -> 6.144; 6 March to 23:00: 23 x 256 = 5888 -> 5.888.
    assert mem_lines(rater.statement("2026-03-06T23:00:00Z")) == [
        ("charge", "v", 2, Decimal("3.840")),
        ("charge", "v", 3, Decimal("6.144")),
        ("charge", "v", 4, Decimal("6.144")),
        ("charge", "v", 5, Decimal("6.144")),
        ("charge", "v", 6, Decimal("5.888")),
    ]
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), MEM_PLAN, [MEM])
    # No correction of a closed cycle: the last hour of 6 March (256 -> 0.256), 7 March
    # whole (6.144), the first hour of 8 March (0.256).
    assert mem_lines(rater.statement("2026-03-08T01:00:00Z")) == [
        ("increment", "v", 6, Decimal("0.256")),
        ("charge", "v", 7, Decimal("6.144")),
        ("charge", "v", 8, Decimal("0.256")),
    ]
    rating = rk.rate(
        records,
        MEM_PLAN,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-09T00:00:00Z"),
        meters=[MEM],
        as_of="2026-03-08T01:00:00Z",
    )
    # 3.840 + 5 x 6.144 + 0.256 = 34.816, as the two statements add up to.
    assert rating.total() == Decimal("34.816")


# -- a last_seen inventory among sequenced events: signs of life in the seq order ----------
#
# The inventory is applied before the first event, in the order metering applies them,
# stamped after it: the resource's last sign of life is the last event applied before it,
# not the last one stamped before it. One shape in both tests: a VM of 1 EUR an hour on
# daily cycles, started (seq 0) on 1 March 06:00, updated (seq 1) at 18:00, stopped
# (seq 2) on 3 March 18:00, updated (seq 3) on 2 March 12:00; an inventory on 3 March
# 12:00 does not list it (close="last_seen"). In seq order the stop (stamped after the
# inventory) comes before the update of 2 March: the inventory is applied before the
# stop, and the VM's last sign of life is the update of 1 March 18:00, where it closes.
SEEN_START = rk.Event(
    "acme", "vm", "2026-03-01T06:00:00Z", {"size": 1}, kind="start", id="s", seq=0
)
SEEN_GROW = rk.Event(
    "acme", "vm", "2026-03-01T18:00:00Z", {"size": 2}, kind="update", id="g", seq=1
)
SEEN_STOP = rk.Event("acme", "vm", "2026-03-03T18:00:00Z", kind="stop", id="x", seq=2)
SEEN_SHRINK = rk.Event(
    "acme", "vm", "2026-03-02T12:00:00Z", {"size": 1}, kind="update", id="u", seq=3
)
SEEN_INVENTORY = rk.Inventory("2026-03-03T12:00:00Z", [], close="last_seen", id="inv")
SEEN = [SEEN_START, SEEN_GROW, SEEN_STOP, SEEN_SHRINK, SEEN_INVENTORY]


def by_day(lines: Iterable[rk.StatementLine]) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    for line in lines:
        day = line.cycle.start.day
        out[day] = out.get(day, Decimal(0)) + line.amount
    return {day: amount for day, amount in out.items() if amount}


def seen_batch() -> dict[int, Decimal]:
    rating = rk.rate(
        SEEN, PLAN, span=rk.Span("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z"), meters=METERS
    )
    (close,) = [a for a in rating.anomalies if a.kind == "reconciled_close"]
    assert "closed at 2026-03-01T18:00:00Z (its last sign of life)" in close.message
    return {charge.cycle.start.day: charge.amount for charge in rating.charges if charge.amount}


def test_a_last_seen_inventory_closes_at_the_last_event_applied_before_it() -> None:
    # Batch: 06:00 -> 18:00 on 1 March is 12 h = 12 EUR, nothing after (the stop and the
    # update of 2 March come after the close, ignored). The rater, all fed at once, bills
    # 1 March 06:00 -> 24:00 = 18 h when it closes (the inventory is not known yet), and
    # corrects it by 12 - 18 = -6 h once the inventory is (1 March is closed but kept),
    # before it compacts 1 March and 2 March (24 h billed, 24 - 24 = 0 h): the same sums.
    assert seen_batch() == {1: Decimal(12)}
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    assert rater.feed(SEEN).anomalies == ()
    first = rater.statement("2026-03-02T00:00:00Z")
    assert lines(first) == [("charge", Decimal(18), False)]
    second = rater.statement("2026-03-04T00:00:00Z")
    assert lines(second) == [
        ("reversal", Decimal(-18), True),
        ("correction", Decimal(12), True),
    ]
    final = rater.statement("2026-03-05T00:00:00Z")
    statements = [first, second, final]
    assert not [a for s in statements for a in s.anomalies if a.kind == "too_late"]
    assert by_day(line for s in statements for line in s.lines) == seen_batch()


def test_a_last_seen_inventory_says_too_late_when_its_sign_of_life_is_compacted() -> None:
    # Horizon 0. At 3 March 00:00 1 March is compacted (18 h billed, 06:00 -> 24:00) and
    # 2 March closed (24 h). The update of 2 March is kept, but comes after the stop in
    # seq order: no sign of life before the inventory. The close at 1 March 18:00 reaches
    # into the compacted 1 March: its 6 h there (18:00 -> 24:00) stay billed, and the
    # anomaly names the inventory and those 6 hours; 2 March is corrected by -24 h.
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([SEEN_START, SEEN_GROW, SEEN_SHRINK])
    billed = [rater.statement(f"2026-03-0{day}T00:00:00Z") for day in (2, 3)]
    assert by_day(line for s in billed for line in s.lines) == {1: Decimal(18), 2: Decimal(24)}
    feed = rater.feed([SEEN_STOP, SEEN_INVENTORY])
    # Both stamped after the watermark: the statement that meters them says it, once.
    assert (feed.late, feed.anomalies) == (("x",), ())
    final = rater.statement("2026-03-05T00:00:00Z")
    (anomaly,) = [a for a in final.anomalies if a.kind == "too_late"]
    assert anomaly.record_ids == ("inv",)
    assert anomaly.message == (
        "inventory 'inv' at 2026-03-03T12:00:00Z (close='last_seen') closes 'vm' of 'acme', "
        "running since 2026-03-01T18:00:00Z (its last sign of life), before every cycle the "
        "rater keeps: the part from 2026-03-01T18:00:00Z to 2026-03-02T00:00:00Z (6 hours "
        "running) belonged to cycles already compacted and stays billed ('runtime': -6 hour "
        "under description {'size': 2}): not applied (the part from then on is)."
    )
    # 6 h under size 2 (grown at 18:00) that batch does not bill: -6, to add to the lines
    assert (anomaly.meter, anomaly.quantity) == ("runtime", Decimal(-6))
    assert [(line.role, line.cycle.start.day, line.amount, line.late) for line in final.lines] == [
        ("reversal", 2, Decimal(-24), True)
    ]
    later = rater.statement("2026-03-06T00:00:00Z")
    assert "too_late" not in {a.kind for a in later.anomalies}  # said once
    # What batch bills, but 1 March's 6 h not applied: 12 + 6 = 18 EUR; 24 - 24 = 0.
    rater_days = by_day(line for s in [*billed, final] for line in s.lines)
    assert rater_days == {1: seen_batch()[1] + Decimal(6)}


def test_a_late_stop_that_moves_a_last_seen_closing_into_a_compacted_cycle_says_so() -> None:
    # Horizon 0. 1 March is billed 18 h and compacted at 3 March 00:00; the inventory,
    # metered at 13:00, closes the VM at the update of 2 March 12:00 (2 March: 24 -> 12
    # h). The stop then comes: by seq it is applied before that update, so the VM's last
    # sign of life is 1 March 18:00 (batch: 12 h on 1 March, 0 after). 2 March is
    # corrected (12 -> 0 h); the 6 h of 1 March (18:00 -> 24:00) stay billed: 18 - 12.
    # The stop is stamped after the watermark: the statement that meters it says so.
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([SEEN_START, SEEN_GROW, SEEN_SHRINK, SEEN_INVENTORY])
    billed = [rater.statement(f"2026-03-0{at}:00:00Z") for at in ("2T00", "3T00", "3T13")]
    assert by_day(line for s in billed for line in s.lines) == {1: Decimal(18), 2: Decimal(12)}
    feed = rater.feed([SEEN_STOP])
    assert (feed.late, feed.anomalies) == (("x",), ())
    final = rater.statement("2026-03-05T00:00:00Z")
    (anomaly,) = [a for a in final.anomalies if a.kind == "too_late"]
    assert anomaly.record_ids == ("x", "inv")
    assert anomaly.message == (
        "event 'x' of 'vm' of 'acme' moves where inventory 'inv' at 2026-03-03T12:00:00Z "
        "(close='last_seen') closes it (its last sign of life) from the kept cycles to "
        "2026-03-01T18:00:00Z, across the start of the cycles the rater keeps "
        "(2026-03-02T00:00:00Z): the part from 2026-03-01T18:00:00Z to 2026-03-02T00:00:00Z "
        "(6 hours running) belonged to cycles already compacted and stays billed "
        "('runtime': -6 hour under description {'size': 2}): not applied (what it changes in "
        "the kept cycles is)."
    )
    assert (anomaly.meter, anomaly.quantity) == ("runtime", Decimal(-6))
    assert [(line.role, line.cycle.start.day, line.amount) for line in final.lines] == [
        ("reversal", 2, Decimal(-12))
    ]
    # 18 h billed for 1 March, 12 + 6 (the 6 hours the anomaly names); 12 - 12 = 0 for 2.
    assert by_day(line for s in [*billed, final] for line in s.lines) == {1: Decimal(18)}
    assert seen_batch() == {1: Decimal(12)}


def test_a_stop_that_moves_a_last_seen_closing_out_of_a_compacted_cycle_says_so() -> None:
    # Horizon 0, no seq. A VM starts on 1 March at 23:45 (0.25 h billed for 1 March). The
    # inventory of 3 March 12:00, metered at 13:00, closes it at its start, its last sign
    # of life: 1 March corrected by -0.25 h (it was kept), 2 March billed 0; 1 March is
    # compacted. Then its stop of 3 March 10:00 comes, on time for 3 March, before the
    # inventory: the last sign of life, so batch bills 0.25 h (1 March) + 24 h (2 March)
    # + 10 h (3 March). The rater bills 24 h and 10 h; the 0.25 h of 1 March stay
    # unbilled, and the anomaly names them: 34 = 34.25 - 0.25.
    start = rk.Event("acme", "vm", "2026-03-01T23:45:00Z", kind="start", id="s")
    stop = rk.Event("acme", "vm", "2026-03-03T10:00:00Z", kind="stop", id="x")
    inventory = rk.Inventory("2026-03-03T12:00:00Z", [], close="last_seen", id="inv")
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([start, inventory])
    billed = [rater.statement(f"2026-03-0{at}:00:00Z") for at in ("2T00", "3T13")]
    assert [lines(s) for s in billed] == [
        [("charge", Decimal("0.25"), False)],
        [("reversal", Decimal("-0.25"), True)],
    ]
    feed = rater.feed([stop])
    assert feed.accepted == ("x",)
    (anomaly,) = feed.anomalies
    assert (anomaly.kind, anomaly.record_ids) == ("too_late", ("x", "inv"))
    assert anomaly.message == (
        "event 'x' of 'vm' of 'acme' moves where inventory 'inv' at 2026-03-03T12:00:00Z "
        "(close='last_seen') closes it (its last sign of life) from 2026-03-01T23:45:00Z to "
        "the kept cycles, across the start of the cycles the rater keeps "
        "(2026-03-02T00:00:00Z): the part from 2026-03-01T23:45:00Z to 2026-03-02T00:00:00Z "
        "(0.25 hours running) belonged to cycles already compacted and stays unbilled "
        "('runtime': 0.25 hour under description {}): not applied (what it changes in the "
        "kept cycles is)."
    )
    # batch bills the 15 minutes of 1 March, the stream not: +0.25 to add to its lines
    assert (anomaly.meter, anomaly.quantity) == ("runtime", Decimal("0.25"))
    final = rater.statement("2026-03-05T00:00:00Z")
    assert lines(final) == [("charge", Decimal(24), True), ("charge", Decimal(10), False)]
    assert "too_late" not in {a.kind for a in final.anomalies}
    rating = rk.rate(
        [start, stop, inventory],
        PLAN,
        span=rk.Span("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z"),
        meters=METERS,
    )
    assert [(c.cycle.start.day, c.amount) for c in rating.charges] == [
        (1, Decimal("0.25")),
        (2, Decimal(24)),
        (3, Decimal(10)),
    ]
    assert by_day(line for s in [*billed, final] for line in s.lines) == {
        2: Decimal(24),
        3: Decimal(10),
    }


def _sequenced_after_a_kept_event(
    first: rk.Event, late: rk.Event, start: str, restore: bool
) -> tuple[rk.Feed, Decimal, list[str]]:
    """``first`` fed and rated past its cycle's horizon, then ``late``; restored between
    the steps with ``restore``. The feed of ``late``, the hours of every statement's lines
    and the anomalies said."""
    rater = rk.Rater(PLAN, METERS, start=start)

    def again(rater: rk.Rater) -> rk.Rater:
        if not restore:
            return rater
        return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)

    said = [a.kind for a in rater.feed([first]).anomalies]
    statements = [rater.statement("2026-03-31T00:00:00Z")]
    rater = again(rater)
    feed = rater.feed([late])
    said += [a.kind for a in feed.anomalies]
    rater = again(rater)
    statements += [rater.statement("2026-04-02T00:00:00Z")]
    rater = again(rater)
    statements += [rater.statement("2026-04-04T00:00:00Z")]
    said += [a.kind for s in statements for a in s.anomalies]
    hours = sum((line.quantity for s in statements for line in s.lines), Decimal(0))
    return feed, hours, sorted(said)


@pytest.mark.parametrize("restore", [False, True])
def test_an_event_stamped_in_a_compacted_cycle_sequenced_after_a_kept_one_is_late(
    restore: bool,
) -> None:
    # A DELETE (seq 44) of 30 March 01:27 is rated and 27-29 March compacted (daily
    # cycles, no horizon). A START stamped 27 March 05:32 with seq 99 comes after: in seq
    # order it follows the DELETE, so it takes the DELETE's instant ("out_of_order") and
    # comes after the deletion ("after_delete"): 0 hours, as batch rate() says. Nothing
    # of it lies in the compacted cycles: it is late for the kept ones, not too late (it
    # was said too late with 66.47 hours "not applied", which batch never bills).
    delete = rk.Event("acme", "vm", "2026-03-30T01:27:00Z", kind="delete", id="d", seq=44)
    start = rk.Event("acme", "vm", "2026-03-27T05:32:00Z", {"f": "b"}, kind="start", id="s", seq=99)
    feed, hours, said = _sequenced_after_a_kept_event(
        delete, start, "2026-03-27T00:00:00Z", restore
    )
    assert (feed.late, feed.too_late) == (("s",), ())
    assert hours == Decimal(0)
    batch = rk.rate([start, delete], PLAN, span=rk.Span("2026-03-27T00:00:00Z", "2026-04-04T00:00:00Z"),
                    meters=METERS)  # fmt: skip
    assert (
        said
        == sorted(a.kind for a in batch.anomalies)
        == [
            "after_delete",
            "orphan_stop",
            "out_of_order",
        ]
    )
    # A STOP (seq 2) of 30 March 21:51 is rated (an orphan: nothing runs); a START of 29
    # March 21:00 with seq 38 follows it in seq order: it starts the VM at 21:51 on 30
    # March, running to 4 April: 2.15 + 24 + 24 + 24 + 24 = 98.15 hours, all in kept
    # cycles, as batch says (it was said too late with 3 hours "not applied").
    stop = rk.Event("acme", "vm", "2026-03-30T21:51:00Z", kind="stop", id="t", seq=2)
    begin = rk.Event("acme", "vm", "2026-03-29T21:00:00Z", kind="start", id="b", seq=38)
    feed, hours, said = _sequenced_after_a_kept_event(stop, begin, "2026-03-29T00:00:00Z", restore)
    assert (feed.late, feed.too_late) == (("b",), ())
    assert hours == Decimal("98.15")
    batch = rk.rate([begin, stop], PLAN, span=rk.Span("2026-03-29T00:00:00Z", "2026-04-04T00:00:00Z"),
                    meters=METERS)  # fmt: skip
    assert sum((c.quantity for c in batch.charges), Decimal(0)) == hours
    assert said == sorted(a.kind for a in batch.anomalies) == ["orphan_stop", "out_of_order"]


def test_an_event_sequenced_after_one_of_its_own_batch_in_the_kept_cycles_is_late() -> None:
    # The same START and DELETE as above, fed together once 27-29 March are compacted
    # (another VM's START kept the rater going): the feed judges the START (stamped before
    # the kept cycles) before the DELETE, which its seq orders it after. It is late for
    # the kept cycles all the same: 0 hours for vm, as batch says.
    other = rk.Event("acme", "vm-2", "2026-03-27T00:00:00Z", kind="start", id="o")
    delete = rk.Event("acme", "vm", "2026-03-30T01:27:00Z", kind="delete", id="d", seq=44)
    start = rk.Event("acme", "vm", "2026-03-27T05:32:00Z", {"f": "b"}, kind="start", id="s", seq=99)
    rater = rk.Rater(PLAN, METERS, start="2026-03-27T00:00:00Z")
    rater.feed([other])
    rater.statement("2026-03-31T00:00:00Z")
    feed = rater.feed([start, delete])
    assert (feed.too_late, feed.anomalies) == ((), ())
    statement = rater.statement("2026-04-02T00:00:00Z")
    assert [line.resource for line in statement.lines] == ["vm-2", "vm-2"]  # 31 March, 1 April
    assert sorted(a.kind for a in statement.anomalies) == [
        "after_delete",
        "orphan_stop",
        "out_of_order",
    ]


# -- events without seq that a later sequenced event moves ------------------------------------
#
# An event without a seq goes after the last sequenced event (in seq order) stamped before
# it. A START without seq of 27 March 03:55 (h), a START seq 32 of 31 March 04:32 (s) and,
# fed last, a START seq 92 stamped 27 March 01:00 (x): in seq order s, then x, which is
# stamped before h, so h comes after x. Batch: s starts the VM at 31 March 04:32; x and h
# are out of order there (duplicate starts). 19.4666... h on 31 March (04:32 to 24:00,
# 19 h 28 min), 24 h on each of 1 and 2 April: 67.4666... h in all (1 EUR an hour).

_H = rk.Event("acme", "vm", "2026-03-27T03:55:00Z", kind="start", id="h")
_S = rk.Event("acme", "vm", "2026-03-31T04:32:00Z", kind="start", id="s", seq=32)
_X = rk.Event("acme", "vm", "2026-03-27T01:00:00Z", kind="start", id="x", seq=92)
_TO_3_APRIL = rk.Span("2026-03-27T00:00:00Z", "2026-04-03T00:00:00Z")


@pytest.mark.parametrize("restore", [False, True])
def test_a_sequenced_event_moves_compacted_events_without_seq_stamped_after_it(
    restore: bool,
) -> None:
    # h and s fed together; the statement of 31 March 20:00 (horizon 3 h) bills 27 March
    # 03:55 to 31 March 20:00 (20.0833... + 24 + 24 + 24 + 20 = 112.0833... h) and
    # compacts 27-29 March. The compacted state keeps h (s, kept, has a seq: it may move
    # h). Then x is late (ordered after s, in the kept cycles): the last statement takes
    # 30 March back (-24), corrects 31 March (-20, +19.4666...) and bills 1-2 April (48);
    # the late anomalies name h's hours in the compacted days, -20.0833... (27 March,
    # 03:55 to 24:00) and -24 each on 28 and 29 March: 112.0833... - 24 - 20
    # + 19.4666... + 48 - 68.0833... = 67.4666..., as batch (quantities to 24 places).
    batch = rk.rate([_H, _S, _X], PLAN, span=_TO_3_APRIL, meters=METERS)
    assert sum((c.quantity for c in batch.charges), Decimal(0)) == Decimal(
        "67.466666666666666666666667"
    )
    rater = rk.Rater(PLAN, METERS, start="2026-03-27T00:00:00Z", horizon=dt.timedelta(hours=3))
    rater.feed([_H, _S])
    first = rater.statement("2026-03-31T20:00:00Z")
    assert first.total() == Decimal("112.083333333333333333333333")
    if restore:
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
    feed = rater.feed([_X])
    assert (feed.accepted, feed.late, feed.too_late) == ((), ("x",), ())
    last = rater.statement("2026-04-03T00:00:00Z")
    assert [(line.role, line.cycle.start.day, line.quantity) for line in last.lines] == [
        ("reversal", 30, Decimal(-24)),
        ("reversal", 31, Decimal(-20)),
        ("correction", 31, Decimal("19.466666666666666666666667")),
        ("charge", 1, Decimal(24)),
        ("charge", 2, Decimal(24)),
    ]
    named = [a.quantity for a in last.anomalies if a.kind == "late" and a.quantity is not None]
    assert named == [Decimal("-20.083333333333333333333333"), Decimal(-24), Decimal(-24)]
    stream = first.total() + last.total() + sum(named, Decimal(0))
    assert stream == batch.total()


def test_a_first_sequenced_event_after_events_without_seq_were_compacted_cannot_be_placed() -> None:
    # h alone fed and 27-28 March compacted (statement of 29 March 20:00, horizon 3 h):
    # with no seq in sight, the compacted state keeps where the VM stands, not h. Then s
    # and x come: x would move h after it (see above), which the state no longer holds,
    # so x cannot be placed (too late, its part not known): the documented limit. Before,
    # x was taken in the kept cycles and h stood where it was: 164.0833... h billed, where
    # batch bills 67.4666..., with nothing said.
    rater = rk.Rater(PLAN, METERS, start="2026-03-27T00:00:00Z", horizon=dt.timedelta(hours=3))
    rater.feed([_H])
    rater.statement("2026-03-29T20:00:00Z")
    feed = rater.feed([_S, _X])
    assert (feed.accepted, feed.late, feed.too_late) == (("s",), (), ("x",))
    (anomaly,) = feed.anomalies
    assert (anomaly.kind, anomaly.meter, anomaly.quantity) == ("too_late", None, None)
    assert anomaly.message == (
        "event 'x' (start) of 'vm' of 'acme' stamped 2026-03-27T01:00:00Z is older than every "
        "cycle the rater keeps (from 2026-03-28T00:00:00Z) and not after the last event of its "
        "resource the compacted state applied (at 2026-03-27T03:55:00Z), which it keeps "
        "without the events before it: it cannot be placed among them, and is not applied "
        "(what it would change is not known here). It may be a replay of an event applied "
        "before and forgotten with its compacted cycle."
    )
