"""An object-storage customer upgrades mid-April, in batch and in a stream, by hand.

acme is on ``basic`` until 16 April 00:00 UTC, then on ``pro`` (15 of April's 30 days
each). One bucket of 1,000 GB all month; CDN egress of 300 GB on 5 April and 800 GB on
20 April, both plans pricing it graduated (1,000 GB at 0.09, then 0.05), each part of
the cycle climbing its own tiers from zero (docs/pricing.md, Plans).

- basic: storage 15,000 GB*day x 0.0012 = 18.00; egress 300 x 0.09 = 27.00; fee
  10 x 15/30 = 5; minimum 100 x 15/30 = 50, spent 45.00, top-up 5.00;
- pro: storage 15,000 GB*day x 0.0010 = 15.00; 200 free GB a cycle prorated to
  200 x 15/30 = 100, so 700 x 0.09 = 63.00; fee 40 x 15/30 = 20; minimum 300 x 15/30
  = 150, spent 78.00, top-up 72.00;
- total 18 + 27 + 5 + 5 + 15 + 63 + 20 + 72 = 225.00.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from decimal import Decimal

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="UTC")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
STORAGE = rk.Meter("storage", "GB*hour", rk.Continuous("size", unit="GB"))
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
METERS = [STORAGE, EGRESS]
CDN = rk.Graduated([rk.Tier(1000, "0.09"), rk.Tier(None, "0.05")])
BASIC = rk.Plan(
    "basic",
    "USD",
    MONTHLY,
    [
        rk.PriceEntry("st", "storage", rk.PerUnit("0.0012"), unit="GB*day"),
        rk.PriceEntry("cdn", "egress", CDN),
    ],
    fees=[rk.Fee("base", 10)],
    minimums=[rk.Minimum(100)],
)
PRO = rk.Plan(
    "pro",
    "USD",
    MONTHLY,
    [
        rk.PriceEntry("st", "storage", rk.PerUnit("0.0010"), unit="GB*day"),
        rk.PriceEntry("cdn", "egress", CDN),
    ],
    fees=[rk.Fee("base", 40)],
    minimums=[rk.Minimum(300)],
    allowances=[rk.Allowance("egress", 200)],
)
SWITCH = "2026-04-16T00:00:00Z"
ASSIGNED = [rk.Assignment("acme", BASIC, end=SWITCH), rk.Assignment("acme", PRO, start=SWITCH)]
RECORDS = [
    rk.Event("acme", "b1", "2026-04-01T00:00:00Z", {"size": 1000}, kind="start", id="e1"),
    rk.Sample("acme", "edge", "egress", "2026-04-05T00:00:00Z", 300, id="d1"),
    rk.Sample("acme", "edge", "egress", "2026-04-20T00:00:00Z", 800, id="d2"),
]


def test_the_upgrade_in_batch() -> None:
    rating = rk.rate(RECORDS, ASSIGNED, span=APRIL, meters=METERS, as_of=APRIL.end)
    charges = sorted((c.plan, c.kind, c.free, c.amount) for c in rating.charges)
    assert charges == [
        ("basic", "fee", Decimal(0), Decimal(5)),  # 10 x 15/30
        ("basic", "minimum", Decimal(0), Decimal(5)),  # 50 - (18 + 27)
        ("basic", "usage", Decimal(0), Decimal(18)),  # 15,000 GB*day x 0.0012
        ("basic", "usage", Decimal(0), Decimal(27)),  # 300 x 0.09
        ("pro", "fee", Decimal(0), Decimal(20)),  # 40 x 15/30
        ("pro", "minimum", Decimal(0), Decimal(72)),  # 150 - (15 + 63)
        ("pro", "usage", Decimal(0), Decimal(15)),  # 15,000 GB*day x 0.0010
        ("pro", "usage", Decimal(100), Decimal(63)),  # (800 - 100 free) x 0.09
    ]
    [invoice] = rk.bill(rating)
    assert invoice.total == Decimal("225.00")
    assert [line.amount for line in invoice.lines] == [
        Decimal("90.00"),  # egress 27 + 63
        Decimal("33.00"),  # storage 18 + 15
        Decimal("25.00"),  # fees 5 + 20
        Decimal("77.00"),  # top-ups 5 + 72
    ]


def test_the_upgrade_in_a_stream_assigned_on_the_day() -> None:
    rater = rk.Rater(
        [rk.Assignment("acme", BASIC)], METERS, start=APRIL.start, horizon=dt.timedelta(days=1)
    )
    assert rater.feed(RECORDS[:2]).accepted == ("e1", "d1")
    lines = list(rater.statement("2026-04-10T00:00:00Z").lines)
    assigned = rater.assign(rk.Assignment("acme", PRO, start=SWITCH))
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, METERS)
    feed = rater.feed(RECORDS[1:])  # d1 again: the queue delivers it twice
    assert (feed.accepted, feed.duplicates) == (("d2",), ("d1",))
    lines += rater.statement("2026-04-25T00:00:00Z").lines
    last = rater.statement("2026-05-02T00:00:00Z")
    lines += last.lines
    with decimal.localcontext(decimal.Context(prec=200)):
        april = sum((line.amount for line in lines if line.cycle == APRIL), Decimal(0))
    assert april == Decimal(225)
    [invoice] = last.invoices
    assert invoice.total == Decimal("225.00")
