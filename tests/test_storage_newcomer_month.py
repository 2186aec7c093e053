"""A newcomer bills an object-storage and CDN provider's April, from the docs alone.

One account, April 2026 in UTC (720 hours), every figure worked by hand:

- buckets: sizes arrive as update events (docs/usage.md, "Counters and gauges": a gauge of
  a size is a level of the description), metered by a ``Continuous`` meter in GB*hour and
  priced per GB*day. b1 holds 100 GB from 1 April, 200 GB from 11 April, deleted on
  21 April: 100 x 240 + 200 x 240 = 72,000 GB*h = 3,000 GB*day. b2 holds 30 GB from
  16 April; its delete is lost and a listing of the account on 26 April closes it:
  30 x 240 = 7,200 GB*h = 300 GB*day. 3,300 GB*day x 0.0012 = 3.96.
- requests: a node's cumulative counter reads 1,000,000 (the baseline), 3,500,000, then
  500,000 after a restart (a reset: counts from zero) and 2,000,000:
  2,500,000 + 500,000 + 1,500,000 = 4,500,000 requests x 0.40 per million = 1.80.
- CDN egress: 400 + 700 + 100 = 1,200 GB; the first 100 GB are free (an allowance); the
  1,100 GB left climb graduated tiers: 1,000 x 0.09 + 100 x 0.05 = 95.00.
- a monthly minimum commitment of 150: usage 3.96 + 1.80 + 95.00 = 100.76, top-up 49.24;
  a support fee of 10 (fees do not count towards the minimum): subtotal 160.00; a welcome
  credit of 25 pays part of it: total 135.00.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import random
from decimal import Decimal

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="UTC")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
STORAGE = rk.Meter("storage", "GB*hour", rk.Continuous("size", unit="GB"))
REQUESTS = rk.Meter("requests", "request", rk.Counter())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
METERS = [STORAGE, REQUESTS, EGRESS]
PLAN = rk.Plan(
    "object",
    "USD",
    MONTHLY,
    [
        rk.PriceEntry("storage", "storage", rk.PerUnit("0.0012"), unit="GB*day"),
        rk.PriceEntry("requests", "requests", rk.PerUnit("0.0000004")),
        rk.PriceEntry(
            "cdn", "egress", rk.Graduated([rk.Tier(1000, "0.09"), rk.Tier(None, "0.05")])
        ),
    ],
    allowances=[rk.Allowance("egress", 100)],
    minimums=[rk.Minimum(150)],
    fees=[rk.Fee("support", 10)],
)
WELCOME = rk.Credit("welcome", "acme", 25, "USD", start=APRIL.start)


def _event(resource: str, at: str, kind: str, record_id: str, **attributes: object) -> rk.Event:
    return rk.Event("acme", resource, at, attributes, kind=kind, id=record_id)


def _counter(at: str, value: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", "n1", "requests", at, value, kind="counter", id=record_id)


def _sent(at: str, gigabytes: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", "edge", "egress", at, gigabytes, id=record_id)


RECORDS: list[rk.Event | rk.Sample | rk.Inventory] = [
    _event("b1", "2026-04-01T00:00:00Z", "start", "e1", size=100),
    _event("b1", "2026-04-11T00:00:00Z", "update", "e2", size=200),
    _event("b1", "2026-04-21T00:00:00Z", "delete", "e3"),
    _event("b2", "2026-04-16T00:00:00Z", "start", "e4", size=30),
    rk.Inventory("2026-04-26T00:00:00Z", [], accounts=["acme"], id="inv1"),
    _counter("2026-04-02T00:00:00Z", 1_000_000, "c1"),
    _counter("2026-04-10T00:00:00Z", 3_500_000, "c2"),
    _counter("2026-04-12T00:00:00Z", 500_000, "c3"),
    _counter("2026-04-20T00:00:00Z", 2_000_000, "c4"),
    _sent("2026-04-05T00:00:00Z", 400, "d1"),
    _sent("2026-04-15T00:00:00Z", 700, "d2"),
    _sent("2026-04-25T00:00:00Z", 100, "d3"),
]


def _rating() -> rk.Rating:
    return rk.rate(RECORDS, PLAN, span=APRIL, meters=METERS, as_of=APRIL.end)


def test_the_month_charges_by_hand() -> None:
    charges = {
        (c.kind, c.meter, c.resource, c.quantity, c.free): c.amount for c in _rating().charges
    }
    assert charges == {
        # 1,200 GB, 100 free: 1000 x 0.09 + 100 x 0.05
        ("usage", "egress", "edge", Decimal(1200), Decimal(100)): Decimal("95.00"),
        # 2.5M + 0.5M + 1.5M requests x 0.0000004
        ("usage", "requests", "n1", Decimal(4_500_000), Decimal(0)): Decimal("1.8"),
        # 100 GB x 10 days = 1,000 GB*day; 200 GB x 10 days; 30 GB x 10 days; x 0.0012
        ("usage", "storage", "b1", Decimal(1000), Decimal(0)): Decimal("1.2"),
        ("usage", "storage", "b1", Decimal(2000), Decimal(0)): Decimal("2.4"),
        ("usage", "storage", "b2", Decimal(300), Decimal(0)): Decimal("0.36"),
        ("fee", "support", None, Decimal(1), Decimal(0)): Decimal(10),
        # 150 - (95 + 1.80 + 3.96)
        ("minimum", None, None, Decimal(1), Decimal(0)): Decimal("49.24"),
    }


def test_the_month_reports_the_reset_and_the_lost_delete() -> None:
    assert sorted(anomaly.kind for anomaly in _rating().anomalies) == [
        "counter_reset",
        "reconciled_close",
    ]


def test_the_invoice_with_a_credit() -> None:
    [invoice] = rk.bill(_rating(), credits=[WELCOME])
    assert [line.amount for line in invoice.lines] == [
        Decimal("95.00"),
        Decimal("1.80"),
        Decimal("3.96"),
        Decimal("10.00"),
        Decimal("49.24"),
    ]
    # 95.00 + 1.80 + 3.96 + 10.00 + 49.24 = 160.00; the credit pays 25.00 of it
    assert invoice.total == Decimal("135.00")
    assert invoice.credits[0].applied == Decimal("25.00")
    assert invoice.credits[0].left == Decimal("0.00")


def test_the_focus_export_adds_up_to_the_invoice() -> None:
    [invoice] = rk.bill(_rating(), credits=[WELCOME])
    rows = rk.focus_rows([invoice], provider="Object Store")
    assert [(row["ChargeCategory"], row["BilledCost"]) for row in rows] == [
        ("Usage", "95.00"),
        ("Usage", "1.80"),
        ("Usage", "1.20"),
        ("Usage", "2.40"),
        ("Usage", "0.36"),
        ("Purchase", "10.00"),
        ("Adjustment", "49.24"),
        ("Credit", "-25.00"),
    ]
    assert sum(Decimal(row["BilledCost"]) for row in rows) == invoice.total
    # the free 100 GB are not priced: 1,200 - 100
    assert rows[0]["PricingQuantity"] == "1100"
    assert rows[0]["ConsumedQuantity"] == "1200"
    # the storage rows are read per GB*day, the price's unit, with exact list costs
    assert [(row["PricingUnit"], row["ListUnitPrice"], row["ListCost"]) for row in rows[2:5]] == [
        ("GB*day", "0.0012", "1.20"),
        ("GB*day", "0.0012", "2.40"),
        ("GB*day", "0.0012", "0.36"),
    ]
    json.dumps(rows)  # plain data, ready for a JSON export


def test_the_notebook_preview_shows_the_lines_and_total() -> None:
    [invoice] = rk.bill(_rating(), credits=[WELCOME])
    page = invoice._repr_html_()
    for text in ("95.00", "1.80", "3.96", "49.24", "160.00", "-25.00", "135.00"):
        assert text in page, text


def _stream_total(seed: int) -> tuple[Decimal, list[str]]:
    """The month fed in a shuffled order, in batches, with replays and restores."""
    rng = random.Random(seed)
    rater = rk.Rater(PLAN, METERS, start=APRIL.start, horizon=dt.timedelta(days=3))
    stream = list(RECORDS)
    rng.shuffle(stream)
    stream += rng.sample(stream, 4)  # the queue delivers four records twice
    lines: list[rk.StatementLine] = []
    duplicates: list[str] = []
    watermark = APRIL.start
    for start in range(0, len(stream), 3):
        feed = rater.feed(stream[start : start + 3])
        duplicates += feed.duplicates
        watermark += dt.timedelta(days=rng.randint(0, 2))
        lines += rater.statement(watermark).lines
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
    statement = rater.statement("2026-05-05T00:00:00Z")
    lines += statement.lines
    [invoice] = [inv for inv in statement.invoices if inv.account == "acme"]
    assert invoice.total == Decimal("160.00")  # the rater closes the month without credits
    april = [line.amount for line in lines if line.cycle == APRIL]  # May's fees are May's
    with decimal.localcontext(decimal.Context(prec=200)):
        return sum(april, Decimal(0)), duplicates


def test_the_stream_adds_up_to_the_batch() -> None:
    for seed in range(3):
        total, duplicates = _stream_total(seed)
        # 95 + 1.8 + 1.2 + 2.4 + 0.36 + 10 + 49.24, every replay a duplicate
        assert total == Decimal("160.00")
        assert len(duplicates) == 4


def test_a_gb_month_mean_outlives_its_deleted_bucket_as_documented() -> None:
    """docs/usage.md: a gauge mean's last level holds on, "a stop or delete ... does not end it".

    A bucket's size gauge reads 100 GB on 1 April and 300 GB on 16 April, and the bucket is
    deleted on 21 April: April's GB-month is (100 x 15 + 300 x 15) / 30 = 200, and May is
    billed 300 GB-months for a bucket that no longer exists (a Continuous meter of the size,
    which a delete ends, is the documented way to bill sizes).
    """
    gb_month = rk.Meter("gbm", "GB", rk.TimeWeightedMean(over="period"))
    records = [
        rk.Sample("acme", "b1", "gbm", "2026-04-01T00:00:00Z", 100, kind="gauge", id="g1"),
        rk.Sample("acme", "b1", "gbm", "2026-04-16T00:00:00Z", 300, kind="gauge", id="g2"),
        rk.Event("acme", "b1", "2026-04-21T00:00:00Z", kind="delete", id="x1"),
    ]
    spring = rk.Span("2026-04-01T00:00:00Z", "2026-06-01T00:00:00Z")
    usage = rk.meter(records, [gb_month], span=spring, cycle=MONTHLY, as_of=spring.end)
    assert [(row.cycle.start.month, row.quantity) for row in usage.rows] == [(4, 200), (5, 300)]
