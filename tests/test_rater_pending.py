"""Records fed before the watermark reaches them, whose effect reaches into earlier cycles.

A record stamped at or after the watermark is not metered yet; once it is, it can change
cycles that closed in the meantime: a delta over a span from its ``since``, a counter
reading from the reading before it, an event whose ``seq`` orders it before earlier
events. The rater keeps such a cycle (closed) until the record is metered, then corrects
it (late lines), as for a late record, so that the statements add up to batch rate().
Daily cycles, horizon 0, 1 EUR per unit; fed on 1 March, statements at 1 March 20:00
and at midnight of 2, 3 and 4 March.
"""

from __future__ import annotations

from decimal import Decimal

import ratekit as rk

CALLS = rk.Meter("calls", "call", rk.Discrete())
VM = rk.Meter("vm", "hour", rk.OnOff())
EGRESS = rk.Meter("egress", "B", rk.Counter())
METERS = [CALLS, VM, EGRESS]
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [rk.PriceEntry(name, name, rk.PerUnit(1)) for name in ("calls", "vm", "egress")],
)
WATERMARKS = (
    "2026-03-01T20:00:00Z",
    "2026-03-02T00:00:00Z",
    "2026-03-03T00:00:00Z",
    "2026-03-04T00:00:00Z",
)


def stream(records: list[rk.Event | rk.Sample | rk.Inventory]) -> list[rk.Statement]:
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    assert rater.feed(records).accepted == tuple(r.id for r in records)
    return [rater.statement(watermark) for watermark in WATERMARKS]


def batch_total(records: list[rk.Event | rk.Sample | rk.Inventory]) -> Decimal:
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-04T00:00:00Z")
    return rk.rate(records, PLAN, span=span, meters=METERS).total()


def last_lines(statements: list[rk.Statement]) -> list[tuple[str, int, Decimal, bool]]:
    return [(x.role, x.cycle.start.day, x.quantity, x.late) for x in statements[-1].lines]


def test_a_delta_over_a_span_fed_early_corrects_the_cycles_it_spans() -> None:
    # 60 calls over [1 March 12:00, 3 March 12:00), 48 h split in time: 12 h on 1 March
    # (15), 24 h on 2 March (30), 12 h on 3 March (15). 1 and 2 March closed before the
    # delta was metered: kept, and corrected late.
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Sample(
            "a", "r", "calls", "2026-03-03T12:00:00Z", 60, since="2026-03-01T12:00:00Z", id="d1"
        )
    ]
    statements = stream(records)
    assert [s.lines for s in statements[:3]] == [(), (), ()]
    assert last_lines(statements) == [
        ("charge", 1, Decimal(15), True),
        ("charge", 2, Decimal(30), True),
        ("charge", 3, Decimal(15), False),
    ]
    assert sum(x.amount for s in statements for x in s.lines) == batch_total(records) == 60


def test_a_counter_reading_fed_early_corrects_the_cycles_since_the_last_one() -> None:
    # 0 B at 1 March 12:00, 480 B at 3 March 12:00: 480 B over 48 h, 10 B an hour: 120 on
    # 1 March, 240 on 2 March, 120 on 3 March.
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Sample("a", "r", "egress", "2026-03-01T12:00:00Z", 0, kind="counter", id="c0"),
        rk.Sample("a", "r", "egress", "2026-03-03T12:00:00Z", 480, kind="counter", id="c1"),
    ]
    statements = stream(records)
    assert last_lines(statements) == [
        ("charge", 1, Decimal(120), True),
        ("charge", 2, Decimal(240), True),
        ("charge", 3, Decimal(120), False),
    ]
    assert sum(x.amount for s in statements for x in s.lines) == batch_total(records) == 480


def test_a_sequenced_event_fed_early_reorders_the_cycles_it_reaches() -> None:
    # The start at 1 March 10:00 (seq 1) comes after the update of 3 March 12:00 (seq 0):
    # in seq order the update starts the VM at 3 March 12:00 and the start is out of order
    # (taking effect there too): 12 h on 3 March, as batch rate() says. Before the update
    # is metered, the VM ran from 1 March 10:00: 14 h, then 24 h, reversed once it is.
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Event("a", "r", "2026-03-01T10:00:00Z", kind="start", id="e1", seq=1),
        rk.Event("a", "r", "2026-03-03T12:00:00Z", kind="update", id="e0", seq=0),
    ]
    statements = stream(records)
    assert [(x.role, x.cycle.start.day, x.quantity) for s in statements[:3] for x in s.lines] == [
        ("charge", 1, Decimal(10)),  # 10:00 -> 20:00
        ("increment", 1, Decimal(4)),  # 20:00 -> 24:00
        ("charge", 2, Decimal(24)),
    ]
    assert last_lines(statements) == [
        ("reversal", 1, Decimal(-14), True),
        ("reversal", 2, Decimal(-24), True),
        ("charge", 3, Decimal(12), False),
    ]
    assert sum(x.amount for s in statements for x in s.lines) == batch_total(records) == 12


def test_a_sequenced_event_fed_early_with_an_inventory_between() -> None:
    # An inventory on 1 March 12:00 that lists 'other' (never seen: opened there, 12 + 24
    # + 24 h) but not 'r': metered before the start of 3 March (seq 0) is known, it closes
    # the VM started on 1 March (4 h). Once that start is metered it comes first: 'r' runs
    # from 3 March 08:00 (16 h), and 1 March's 4 h are reversed. 60 + 16 = 76.
    records: list[rk.Event | rk.Sample | rk.Inventory] = [
        rk.Event("a", "r", "2026-03-01T08:00:00Z", kind="start", id="A", seq=1),
        rk.Event("a", "r", "2026-03-03T08:00:00Z", kind="start", id="B", seq=0),
        rk.Inventory("2026-03-01T12:00:00Z", [("a", "other")], id="inv"),
    ]
    statements = stream(records)
    assert [(x.resource, x.role, x.cycle.start.day, x.quantity) for x in statements[-1].lines] == [
        ("r", "reversal", 1, Decimal(-4)),
        ("other", "charge", 3, Decimal(24)),
        ("r", "charge", 3, Decimal(16)),
    ]
    assert sum(x.amount for s in statements for x in s.lines) == batch_total(records) == 76


def test_a_counter_read_less_often_than_the_horizon_is_said_late_once_per_reading() -> None:
    # Readings 0, 48, 96 at noon on 1, 3 and 5 March (1 B an hour); statements at
    # midnight of 2, 4 and 6 March and at 9 March, horizon 0. Each reading's increment
    # reaches a closed cycle: one "late" anomaly per reading, its part corrected on the
    # open invoice. Once that cycle is compacted, metering from the kept cycles' start
    # finds the part again before what was metered: applied already, not said again.
    readings = [
        rk.Sample("a", "r", "egress", f"2026-03-0{day}T12:00:00Z", value, kind="counter", id=name)
        for day, value, name in ((1, 0, "c0"), (3, 48, "c1"), (5, 96, "c2"))
    ]
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    said: list[tuple[str, ...]] = []
    total = Decimal(0)
    for reading, watermark in zip(
        readings,
        ("2026-03-02T00:00:00Z", "2026-03-04T00:00:00Z", "2026-03-06T00:00:00Z"),
        strict=True,
    ):
        rater.feed([reading])
        statement = rater.statement(watermark)
        said += [a.record_ids for a in statement.anomalies if a.kind == "late"]
        total += sum((line.amount for line in statement.lines), Decimal(0))
    last = rater.statement("2026-03-09T00:00:00Z")
    said += [a.record_ids for a in last.anomalies if a.kind == "late"]
    total += sum((line.amount for line in last.lines), Decimal(0))
    assert said == [("c1",), ("c2",)]
    # 96 B at 1 EUR: the lines add up to batch rate().
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-09T00:00:00Z")
    assert total == rk.rate(readings, PLAN, span=span, meters=METERS).total() == 96


def test_a_delta_over_an_empty_span_at_the_watermark_is_metered_after_it() -> None:
    # s10: 2 calls with since = at = 1 March 20:00, fed just after the statement at 20:00.
    # An empty span is an instant: metering counts it at 20:00, as a delta without since,
    # so the statement at 20:00 did not read it and the next one does: 2 * 1 = 2.00 on
    # 1 March, as batch rate() gives. It was taken as read at 20:00 (a span ending at the
    # watermark), never charged, and listed in no_effect (fails on the old code).
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    assert rater.statement(WATERMARKS[0]).lines == ()
    at = WATERMARKS[0]
    sample = rk.Sample("a", "ip", "calls", at, 2, since=at, id="s10")
    assert rater.feed([sample]).accepted == ("s10",)
    statement = rater.statement(WATERMARKS[1])
    march_1 = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    assert [(x.cycle, x.amount, x.record_ids) for x in statement.lines] == [
        (march_1, Decimal(2), ("s10",))
    ]
    assert statement.no_effect == ()
    batch = rk.rate(
        [sample], PLAN, span=rk.Span("2026-03-01T00:00:00Z", WATERMARKS[1]), meters=METERS
    )
    assert batch.total() == Decimal(2)
