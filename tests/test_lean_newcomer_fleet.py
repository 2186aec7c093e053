"""A fleet's month through the lean path: batch rating, the streaming rater, 100,000 accounts.

Worked by hand: a plan on Zurich's calendar (March 2026 runs from 2026-02-28T23:00Z to
2026-03-31T22:00Z, 743 hours), VMs priced per flavor, egress graduated per account and
cycle. The records come as plain tuples of integer epoch microseconds, as a feed's
columns give them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

import ratekit as rk

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
HOUR = 3_600_000_000


def us(iso: str) -> int:
    """Epoch microseconds of an ISO instant (how the feed writes them)."""
    at = dt.datetime.fromisoformat(iso)
    return (at - EPOCH) // dt.timedelta(microseconds=1)


MONTHLY = rk.cycles.monthly(tz="Europe/Zurich")
MARCH = MONTHLY.containing("2026-03-15T00:00:00Z")
METERS = [rk.Meter("runtime", "hour", rk.OnOff()), rk.Meter("egress", "GB", rk.Discrete())]
PLAN = rk.Plan(
    "fleet",
    "EUR",
    MONTHLY,
    [
        rk.PriceEntry("small", "runtime", rk.PerUnit("0.02"), where={"flavor": "s"}),
        rk.PriceEntry("large", "runtime", rk.PerUnit("0.08"), where={"flavor": "l"}),
        rk.PriceEntry("egress", "egress", rk.Graduated([rk.Tier(100, "0"), rk.Tier(None, "0.09")])),
    ],
)
SMALL = {"flavor": "s"}
LARGE = {"flavor": "l"}

EVENTS = [
    # acme vm-1: small 24 h, resized to large for 12 h: 24 x 0.02 = 0.48, 12 x 0.08 = 0.96
    ("acme", "vm-1", us("2026-03-02T08:00:00+00:00"), "start", SMALL, "a1"),
    ("acme", "vm-1", us("2026-03-03T08:00:00+00:00"), "start", LARGE, "a2"),
    ("acme", "vm-1", us("2026-03-03T20:00:00+00:00"), "stop", None, "a3"),
    # acme vm-2: small from 20:00Z on 31 March to the cycle's end at 22:00Z: 2 x 0.02 = 0.04
    ("acme", "vm-2", us("2026-03-31T20:00:00+00:00"), "start", SMALL, "a4"),
    # beta vm-9: large from before the cycle to 01:00Z on 1 March, 2 h in it: 0.16
    ("beta", "vm-9", us("2026-02-28T20:00:00+00:00"), "start", LARGE, "b1"),
    ("beta", "vm-9", us("2026-03-01T01:00:00+00:00"), "stop", None, "b2"),
    ("beta", "vm-9", us("2026-03-01T01:00:00+00:00"), "stop", None, "b2"),  # replayed
]
SAMPLES = [
    # acme egress 60 + 70 = 130 GB: 100 free, 30 x 0.09 = 2.70
    ("acme", "vm-1", "egress", us("2026-03-05T00:00:00+00:00"), 60, "delta", "g1"),
    ("acme", "vm-1", "egress", us("2026-03-06T00:00:00+00:00"), Decimal("70.0"), "delta", "g2"),
]
# acme: 0.48 + 0.96 + 0.04 + 2.70 = 4.18; beta: 0.16
EXPECTED = {"acme": Decimal("4.18"), "beta": Decimal("0.16")}


def test_march_as_worked_by_hand() -> None:
    assert rk.Span("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z") == MARCH
    batch = rk.RecordBatch.from_tuples(events=EVENTS, samples=SAMPLES)
    rating = rk.rate(batch, PLAN, span=MARCH, meters=METERS, as_of=MARCH.end)
    assert sorted((c.account, c.entry, str(c.quantity), c.amount) for c in rating.charges) == [
        ("acme", "egress", "130", Decimal("2.70")),
        ("acme", "large", "12", Decimal("0.96")),
        ("acme", "small", "2", Decimal("0.04")),
        ("acme", "small", "24", Decimal("0.48")),
        ("beta", "large", "2", Decimal("0.16")),
    ]
    assert [(a.kind, a.record_ids) for a in rating.anomalies] == [("duplicate", ("b2",))]
    invoices = rk.bill(rating, tz="Europe/Zurich")
    assert {i.account: i.total for i in invoices} == EXPECTED


def test_the_same_month_from_friendly_records_is_the_same() -> None:
    friendly: list[Any] = [
        rk.Event(a, r, EPOCH + dt.timedelta(microseconds=at), attrs, kind=kind, id=i)
        for a, r, at, kind, attrs, i in EVENTS
    ] + [
        rk.Sample(a, r, m, EPOCH + dt.timedelta(microseconds=at), v, kind=kind, id=i)
        for a, r, m, at, v, kind, i in SAMPLES
    ]
    lean = rk.rate(
        rk.RecordBatch.from_tuples(events=EVENTS, samples=SAMPLES),
        PLAN,
        span=MARCH,
        meters=METERS,
        as_of=MARCH.end,
    )
    made = rk.rate(friendly, PLAN, span=MARCH, meters=METERS, as_of=MARCH.end)
    assert lean.charges == made.charges
    assert lean.anomalies == made.anomalies
    assert rk.bill(lean) == rk.bill(made)


def test_the_rater_fed_lean_batches_adds_up_to_the_hand_totals() -> None:
    rater = rk.Rater(PLAN, METERS, start=MARCH.start)
    totals: dict[tuple[str, int], Decimal] = {}
    cuts = [
        (EVENTS[4:], SAMPLES[:1], "2026-03-04T00:00:00Z"),
        (EVENTS[:2], [], "2026-03-20T00:00:00Z"),
        (EVENTS[2:4], SAMPLES[1:], "2026-04-01T00:00:00Z"),
    ]
    for events, samples, as_of in cuts:
        rater.feed(rk.RecordBatch.from_tuples(events=events, samples=samples))
        for line in rater.statement(as_of).lines:
            key = (line.account, line.cycle.start.month)
            totals[key] = totals.get(key, Decimal(0)) + line.amount
    # the last watermark lies 2 h into April: vm-2 still runs, 2 x 0.02 = 0.04 there
    assert totals == {
        ("acme", 2): Decimal("4.18"),
        ("beta", 2): Decimal("0.16"),
        ("acme", 3): Decimal("0.04"),
    }


def test_the_rater_keeps_what_it_was_fed_when_the_callers_mapping_changes() -> None:
    flavor = {"flavor": "s"}
    rater = rk.Rater(PLAN, METERS, start=MARCH.start)
    rater.feed(
        rk.RecordBatch.from_tuples(
            events=[("acme", "vm-1", us("2026-03-02T00:00:00+00:00"), "start", flavor)]
        )
    )
    flavor["flavor"] = "l"  # the caller reuses its dict for the next record
    # 10 h small at 0.02 = 0.20, not 10 h large (0.80)
    (line,) = rater.statement("2026-03-02T10:00:00Z").lines
    assert (line.entry, line.amount) == ("small", Decimal("0.20"))


@pytest.mark.heavy
def test_20_000_accounts_in_one_batch_rate_bill_and_stream() -> None:
    # account i sends (i mod 1000) x 10 GB... priced per GB at 0.001: (i mod 1000) / 100 EUR
    # each, so 20 accounts of each k/100 for k = 0..999: 20 x 499500 / 100 = 99900.00
    n = 20_000
    plan = rk.Plan(
        "egress", "EUR", MONTHLY, [rk.PriceEntry("egress", "egress", rk.PerUnit("0.001"))]
    )
    start = us("2026-03-01T00:00:00+00:00")
    batch = rk.RecordBatch.from_columns(
        samples={
            "account": [f"acct-{i:06d}" for i in range(n)],
            "resource": ["ip-1"] * n,
            "meter": ["egress"] * n,
            "at_us": range(start, start + n),
            "value": [(i % 1000) * 10 for i in range(n)],
        }
    )
    assert len(batch) == n
    invoices = rk.bill(rk.rate(batch, plan, span=MARCH, meters=METERS[1:], as_of=MARCH.end))
    assert len(invoices) == n
    by_account = {i.account: i.total for i in invoices}
    assert by_account["acct-000999"] == Decimal("9.99")
    assert by_account["acct-001000"] == Decimal("0.00")
    assert all(by_account[f"acct-{i:06d}"] == Decimal(i % 1000) / 100 for i in range(n))
    assert sum(by_account.values()) == Decimal("99900.00")

    rater = rk.Rater(plan, METERS[1:], start=MARCH.start)
    assert rater.feed(batch).counts["accepted"] == n
    statement = rater.statement("2026-03-02T00:00:00Z")
    assert len(statement.lines) == n
    assert sum(line.amount for line in statement.lines) == Decimal("99900.000")
