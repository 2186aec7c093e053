"""The colocation month streamed into `rk.Rater`: its invoices equal batch `rk.rate()`.

The NOC's 5-minute bandwidth readings arrive shuffled, some a batch late, the rater is
restored from JSON between statements, the commit changes mid-month, a port changes
hands, a clock a few seconds off stamps a reading after the month closed. Each closed
invoice is compared with `rk.bill(rk.rate(...))` over the same records to the cent, and
with the 95th percentile ranked by hand (nearest rank, ceil(95 n / 100), 1-based).
"""

from __future__ import annotations

import json
import random
from decimal import Decimal

import pytest
from tests._colo_burst import BW, instant, month_of

import ratekit as rk

UTC_MONTHS = rk.cycles.monthly(tz="UTC")
CHICAGO = "America/Chicago"
CHICAGO_MONTHS = rk.cycles.monthly(tz=CHICAGO)
BURST = rk.Plan("burst", "USD", UTC_MONTHS, [rk.PriceEntry("bw", "bw", rk.PerUnit("2.50"))])
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
Plans = rk.Plan | list[rk.Assignment]


def _restored(rater: rk.Rater, plans: Plans) -> rk.Rater:
    return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, [BW])


def _streamed(
    samples: list[rk.Sample], plans: Plans, start: str, watermarks: list[str], *, seed: int = 7
) -> list[rk.Invoice]:
    """Feed each stretch up to a watermark shuffled, 1 in 20 held to the next batch;
    restore from JSON after every statement; return the invoices the statements close."""
    rng = random.Random(seed)
    rater = rk.Rater(plans, [BW], start=start)
    invoices: list[rk.Invoice] = []
    held: list[rk.Sample] = []
    last = instant(start)
    for mark in watermarks:
        end = instant(mark)
        stretch = [s for s in samples if last <= s.at < end]
        rng.shuffle(stretch)
        kept = [s for i, s in enumerate(stretch) if i % 20 != 0]
        late = [s for i, s in enumerate(stretch) if i % 20 == 0]
        if mark == watermarks[-1]:
            kept, late = kept + late, []
        feed = rater.feed(held + kept)
        assert len(feed.accepted) == len(held) + len(kept)
        held = late
        invoices += rater.statement(end).invoices
        rater = _restored(rater, plans)
        last = end
    return invoices


def _batch(
    samples: list[rk.Sample], plans: Plans, span: rk.Span, tz: str | None = None
) -> list[rk.Invoice]:
    return rk.bill(rk.rate(samples, plans, span=span, meters=[BW]), tz=tz)


def test_a_shuffled_month_restored_weekly_bills_what_batch_bills() -> None:
    # March, 8928 readings, 95th (rank 8482) = 1000: 1000 x 2.50 = 2500.00 both ways.
    samples = month_of("cust", "p1", "2026-03-01T00:00:00Z", 8928)
    marks = [
        "2026-03-08T00:00:00Z",
        "2026-03-15T00:00:00Z",
        "2026-03-29T00:00:00Z",
        "2026-04-01T00:00:00Z",
    ]
    (streamed,) = _streamed(samples, BURST, "2026-03-01T00:00:00Z", marks)
    (batch,) = _batch(samples, BURST, MARCH)
    assert streamed.total == batch.total == Decimal("2500.00")
    assert str(streamed) == str(batch)


def _committed(name: str, commit_mbps: int) -> rk.Plan:
    # At least the commit: 2 per Mbps and a minimum of commit x 2 on the meter.
    return rk.Plan(
        name,
        "USD",
        CHICAGO_MONTHS,
        [rk.PriceEntry("bw", "bw", rk.PerUnit(2))],
        minimums=[rk.Minimum(commit_mbps * 2, meter="bw")],
    )


@pytest.mark.heavy  # seconds under coverage: run with the properties
def test_a_commit_changed_in_a_chicago_dst_month_streams_as_batch_bills() -> None:
    # Chicago's March: 743 hours, 8916 readings, 95th (rank 8471) = 1000. Commit 100 Mbps
    # until local midnight of the 16th (05:00Z: 359 hours), 2000 Mbps after (384 hours):
    # usage 1000 x 2 x (359 + 384)/743 = 2000.00; commitment 4000 x 384/743 = 2067.2947
    # -> 2067.29, less c2000's usage 1000 x 2 x 384/743 = 1033.6474 -> 1033.65, a
    # top-up of 1033.64. Total 3033.64.
    change = "2026-03-16T05:00:00Z"
    plans = [
        rk.Assignment("cust", _committed("c100", 100), end=change),
        rk.Assignment("cust", _committed("c2000", 2000), start=change),
    ]
    samples = month_of("cust", "p1", "2026-03-01T06:00:00Z", 8916)
    marks = ["2026-03-09T06:00:00Z", change, "2026-03-25T05:00:00Z", "2026-04-01T05:00:00Z"]
    cycle = CHICAGO_MONTHS.containing(change)
    (batch,) = _batch(samples, plans, cycle, tz=CHICAGO)
    assert [line.amount for line in batch.lines] == [Decimal("2000.00"), Decimal("1033.64")]
    assert batch.total == Decimal("3033.64")
    (streamed,) = _streamed(samples, plans, "2026-03-01T06:00:00Z", marks)
    assert streamed.total == batch.total


def test_a_commit_raised_live_with_assign_bills_as_batch() -> None:
    # April, 8640 readings, 95th (rank 8208, exactly 0.95 x 8640) = 1000; commit 500 Mbps,
    # raised to 1500 from the 16th: 1000 x 2 / 2 + 1500 x 2 / 2 = 2500.00.
    months = UTC_MONTHS
    c500 = rk.Plan(
        "c500",
        "USD",
        months,
        [rk.PriceEntry("bw", "bw", rk.PerUnit(2))],
        minimums=[rk.Minimum(1000, meter="bw")],
    )
    c1500 = rk.Plan(
        "c1500",
        "USD",
        months,
        [rk.PriceEntry("bw", "bw", rk.PerUnit(2))],
        minimums=[rk.Minimum(3000, meter="bw")],
    )
    samples = month_of("cust", "p1", "2026-04-01T00:00:00Z", 8640)
    half = instant("2026-04-16T00:00:00Z")
    rater = rk.Rater([rk.Assignment("cust", c500)], [BW], start="2026-04-01T00:00:00Z")
    rater.feed([s for s in samples if s.at < half])
    rater.statement(half)
    plans = list(rater.assign(rk.Assignment("cust", c1500, start=half)))
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, [BW])
    rater.feed([s for s in samples if s.at >= half])
    (streamed,) = rater.statement("2026-05-01T00:00:00Z").invoices
    (batch,) = _batch(samples, plans, rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z"))
    assert streamed.total == batch.total == Decimal("2500.00")


def _daily(
    values: list[int], *, account: str = "cust", day: int = 1, key: str = "d"
) -> list[rk.Sample]:
    return [
        rk.Sample(
            account, "p1", "bw", f"2026-03-{day + i:02}T00:00:00Z", v, kind="gauge", id=f"{key}{i}"
        )
        for i, v in enumerate(values)
    ]


def test_a_reading_stamped_seconds_before_the_close_corrects_the_closed_month() -> None:
    # March closes at 47.50 (1..20, rank 19: 19 x 2.50). A reading of 50 stamped
    # 23:59:58 on the 31st (a clock 2 s slow) comes after: 21 readings, rank
    # ceil(19.95) = 20, the 20th smallest of 1..20 and 50 is 20: 50.00. The next statement
    # reverses 47.50 and charges 50.00, late; March's lines add up to batch's 50.00.
    rater = rk.Rater(BURST, [BW], start="2026-03-01T00:00:00Z")
    readings = _daily(list(range(1, 21)))
    rater.feed(readings)
    closing = rater.statement("2026-04-01T00:00:00Z")
    assert [invoice.total for invoice in closing.invoices] == [Decimal("47.50")]
    slow = rk.Sample("cust", "p1", "bw", "2026-03-31T23:59:58Z", 50, kind="gauge", id="slow")
    rater = _restored(rater, BURST)
    assert rater.feed([slow]).late == ("slow",)
    after = rater.statement("2026-04-01T06:00:00Z")
    march = [line for line in after.lines if line.cycle.start == MARCH.start]
    assert [(line.role, line.amount, line.late) for line in march] == [
        ("reversal", Decimal("-47.50"), True),
        ("correction", Decimal("50.00"), True),
    ]
    (batch,) = _batch([*readings, slow], BURST, MARCH)
    assert batch.total == Decimal("50.00") == sum(line.amount for line in [*closing.lines, *march])


def test_a_reading_at_the_boundary_instant_after_the_close_is_aprils_not_late() -> None:
    rater = rk.Rater(BURST, [BW], start="2026-03-01T00:00:00Z")
    rater.feed(_daily(list(range(1, 21))))
    rater.statement("2026-04-01T00:00:00Z")
    edge = rk.Sample("cust", "p1", "bw", "2026-04-01T00:00:00Z", 9999, kind="gauge", id="edge")
    assert rater.feed([edge]).accepted == ("edge",)
    lines = rater.statement("2026-04-01T01:00:00Z").lines
    # April's one reading, 9999 x 2.50 = 24997.50; March untouched.
    assert [(line.cycle.start.month, line.amount, line.late) for line in lines] == [
        (4, Decimal("24997.50"), False)
    ]


def test_a_port_moved_between_customers_streams_as_batch() -> None:
    # A holds p1 for 20 days (1..20), then B (101..111 for 11 days): A rank 19 = 19,
    # 47.50; B 11 readings, rank ceil(10.45) = 11 = 111, 277.50.
    plans = [rk.Assignment("A", BURST), rk.Assignment("B", BURST)]
    a = _daily(list(range(1, 21)), account="A", key="a")
    b = _daily(list(range(101, 112)), account="B", day=21, key="b")
    rater = rk.Rater(plans, [BW], start="2026-03-01T00:00:00Z")
    rater.feed(a[:10])
    rater.statement("2026-03-11T00:00:00Z")
    rater = _restored(rater, plans)
    rater.feed([*a[10:], *b])
    streamed = {
        invoice.account: invoice.total
        for invoice in rater.statement("2026-04-01T00:00:00Z").invoices
    }
    batch = {invoice.account: invoice.total for invoice in _batch(a + b, plans, MARCH)}
    assert streamed == batch == {"A": Decimal("47.50"), "B": Decimal("277.50")}


def test_a_noc_duplicate_and_a_skewed_double_reading() -> None:
    # The same reading exported twice is a duplicate. A second reading at the instant of
    # the 20th under another id (two pollers) counts: 21 readings, rank 20 of
    # 1..20 and 30 is 20, 50.00, with a "tie" anomaly naming both, stream as batch.
    readings = _daily(list(range(1, 21)))
    double = rk.Sample("cust", "p1", "bw", "2026-03-20T00:00:00Z", 30, kind="gauge", id="poller-2")
    rater = rk.Rater(BURST, [BW], start="2026-03-01T00:00:00Z")
    rater.feed(readings)
    rater.statement("2026-03-25T00:00:00Z")
    rater = _restored(rater, BURST)
    feed = rater.feed([readings[3], double])
    assert (feed.duplicates, feed.accepted) == (("d3",), ("poller-2",))
    statement = rater.statement("2026-04-01T00:00:00Z")
    (batch,) = _batch([*readings, double], BURST, MARCH)
    assert statement.invoices[0].total == batch.total == Decimal("50.00")
    assert [anomaly.kind for anomaly in statement.anomalies] == ["tie"]
