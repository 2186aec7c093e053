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
from decimal import Decimal

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
    # 14 - 10 = 4 more on 1 March, which closes at 01:00 with 14.00; 2 h on 2 March.
    assert lines(later) == [("increment", Decimal(4), False), ("charge", Decimal(2), False)]
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
    (message,) = [a.message for a in late]
    assert message == (
        "late records of 'vm' of 'acme' change meter 'runtime' by 4 hour over "
        "2026-03-01T20:00:00Z..2026-03-02T00:00:00Z, before what was already metered: see "
        "Usage.late."
    )
