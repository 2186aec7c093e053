"""Faults an observability service met in ratekit, each pinned by a strict xfail on its
smallest input: the test states what should happen, the reason what happens today."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
INGEST = rk.Meter("ingest", "GB", rk.Discrete())
#: 0.50 a GB to the 15th, 0.60 from it (a list price change within one plan)
LISTS = rk.Plan(
    "p",
    "EUR",
    MONTHS,
    [
        rk.PriceEntry("old", "ingest", rk.PerUnit("0.50"), end="2026-03-15T00:00:00Z"),
        rk.PriceEntry("new", "ingest", rk.PerUnit("0.60"), start="2026-03-15T00:00:00Z"),
    ],
)
USED = rk.Sample("acme", "logs", "ingest", "2026-03-10T00:00:00Z", 60, id="u1")
#: a refund of 30 GB over [14th, 16th): 15 GB in each list's window
REFUND = rk.Sample(
    "acme", "logs", "ingest", "2026-03-16T00:00:00Z", -30, since="2026-03-14T00:00:00Z", id="fix"
)


def test_a_refund_over_a_span_takes_back_only_units_billed_before_it() -> None:
    # Without later usage the refund takes back 30 of the 60 GB billed at 0.50 on the
    # 10th (pricing.md, corrections after a price change: each unit at the entry that
    # billed it): 30 x 0.50 = 15.00. So it does.
    assert rk.rate([USED, REFUND], LISTS, span=MARCH, meters=[INGEST]).total() == Decimal("15.00")


@pytest.mark.parametrize("resource", ["logs", "metrics"])
def test_usage_after_a_refund_over_a_span_is_billed_at_its_own_list_price(resource: str) -> None:
    later = rk.Sample("acme", resource, "ingest", "2026-03-20T00:00:00Z", 80, id="u2")
    instant = rk.Sample("acme", "logs", "ingest", "2026-03-16T00:00:00Z", -30, id="fix")
    # stamped at one instant: 60 - 30 = 30 GB at 0.50 (15.00) and 80 GB at 0.60 (48.00)
    assert rk.rate([USED, instant, later], LISTS, span=MARCH, meters=[INGEST]).total() == Decimal(
        "63.00"
    )
    rating = rk.rate([USED, REFUND, later], LISTS, span=MARCH, meters=[INGEST])
    assert [c.amount for c in rating.charges if c.entry == "new" and c.amount < 0] == []
    assert rating.total() == Decimal("63.00")
    # the stream says the same: 15.00 by the 18th, then 48.00 for the 20th's 80 GB
    rater = rk.Rater(LISTS, [INGEST], start=MARCH.start, horizon=dt.timedelta(days=1))
    rater.feed([USED, REFUND])
    assert sum(line.amount for line in rater.statement("2026-03-18T00:00:00Z").lines) == 15
    rater.feed([later])
    assert sum(line.amount for line in rater.statement("2026-03-21T00:00:00Z").lines) == 48


def test_a_refund_over_a_span_across_a_plan_change_goes_back_to_the_plan_that_billed() -> None:
    def plan(plan_id: str, price: str) -> rk.Plan:
        return rk.Plan(plan_id, "EUR", MONTHS, [rk.PriceEntry("i", "ingest", rk.PerUnit(price))])

    change = "2026-03-15T00:00:00Z"
    plans = [
        rk.Assignment("acme", plan("a", "0.50"), end=change),
        rk.Assignment("acme", plan("b", "0.60"), start=change),
    ]
    later = rk.Sample("acme", "logs", "ingest", "2026-03-20T00:00:00Z", 80, id="u2")
    # the refund alone: 60 - 30 = 30 GB of a's at 0.50 = 15.00 (so it does)
    assert rk.rate([USED, REFUND], plans, span=MARCH, meters=[INGEST]).total() == Decimal("15.00")
    rating = rk.rate([USED, REFUND, later], plans, span=MARCH, meters=[INGEST])
    assert [(c.plan, c.amount) for c in rating.charges if c.plan == "b"] == [
        ("b", Decimal("48.00"))
    ]
    assert rating.total() == Decimal("63.00")


#: account-level tiers across all sources: 10 GB at 1, then 0.5
TIERED = rk.Plan(
    "t",
    "EUR",
    MONTHS,
    [rk.PriceEntry("i", "ingest", rk.Graduated([rk.Tier(10, "1"), rk.Tier(None, "0.5")]))],
)


def _gb(resource: str, day: int, gb: int, record: str) -> rk.Sample:
    return rk.Sample("acme", resource, "ingest", f"2026-03-{day:02d}T00:00:00Z", gb, id=record)


def test_a_refund_at_the_end_prints_the_tiers_merged() -> None:
    # 12 GB then -4 GB: net 8 GB, all in tiers[0]; the breakdown is one line per tier
    rating = rk.rate(
        [_gb("logs", 2, 12, "a"), _gb("logs", 3, -4, "b")], TIERED, span=MARCH, meters=[INGEST]
    )
    [invoice] = rk.bill(rating)
    assert [line.strip() for line in str(invoice).splitlines() if "tiers[" in line] == [
        "tiers[0] (0, 10]: 8 * 1 = 8.00",
        "tiers[1] (10, ∞): 0 * 0.5 = 0.00",
    ]


@pytest.mark.parametrize("later", ["logs", "metrics"])
def test_usage_after_a_refund_prints_the_tiers_merged_in_tier_order(later: str) -> None:
    records = [_gb("logs", 2, 12, "a"), _gb("logs", 3, -4, "b"), _gb(later, 4, 2, "c")]
    [invoice] = rk.bill(rk.rate(records, TIERED, span=MARCH, meters=[INGEST]))
    # net 12 - 4 + 2 = 10 GB: 10 x 1 = 10.00, nothing in tiers[1]
    assert invoice.total == Decimal("10.00")
    assert [line.strip() for line in str(invoice).splitlines() if "tiers[" in line] == [
        "tiers[0] (0, 10]: 10 * 1 = 10.00",
        "tiers[1] (10, ∞): 0 * 0.5 = 0.00",
    ]
