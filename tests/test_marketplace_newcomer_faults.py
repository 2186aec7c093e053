"""Faults a marketplace's pricing analyst met: refunds across two list-price changes in a month.

The promise (docs/pricing.md, "Corrections after a price change within a plan" and
"Corrections across a change of plan"): the units a plan billed stack up with the price
they were billed at; a correction takes them back last in, first out, and what is left
below zero is rated at the correction's own price; "usage after corrections that went
below zero fills them the same way, last in, first out". So a month whose usage nets to
zero costs nothing, whatever the list prices were when each refund and each call came.

Each fault is pinned on its smallest input as a strict xfail, saying what is expected
and what happens today.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
CALLS = rk.Meter("calls", "call", rk.Discrete())


def _three_prices(model: type[rk.PerUnit] | type[rk.Graduated]) -> rk.Plan:
    """List price 1 a call, 2 from 10 March, 4 from 20 March (each a higher priority)."""

    def price(unit: int) -> rk.PriceModel:
        if model is rk.PerUnit:
            return rk.PerUnit(unit)
        return rk.Graduated([rk.Tier(None, unit)])

    return rk.Plan(
        "list",
        "USD",
        MONTHS,
        [
            rk.PriceEntry("a", "calls", price(1)),
            rk.PriceEntry("b", "calls", price(2), start="2026-03-10T00:00:00Z", priority=1),
            rk.PriceEntry("c", "calls", price(4), start="2026-03-20T00:00:00Z", priority=2),
        ],
    )


def _calls(*stamped: tuple[int, int]) -> list[rk.Sample]:
    return [
        rk.Sample("acme", "api", "calls", f"2026-03-{day:02d}T00:00:00Z", n, id=f"r{i}")
        for i, (day, n) in enumerate(stamped)
    ]


def test_refunds_below_zero_under_two_prices_are_filled_by_usage_under_the_second() -> None:
    # What holds: with two prices, a refund of 1 on 2 March (at 1) and one on 12 March
    # (at 2), then 2 calls on 15 March (under the second price) fill 12 March's deficit
    # at 2, then 2 March's at 1: -1 - 2 + 2 + 1 = 0.
    two = rk.Plan(
        "list",
        "USD",
        MONTHS,
        [
            rk.PriceEntry("a", "calls", rk.PerUnit(1)),
            rk.PriceEntry("b", "calls", rk.PerUnit(2), start="2026-03-10T00:00:00Z", priority=1),
        ],
    )
    assert rk.rate(_calls((2, -1), (12, -1), (15, 2)), two, span=MARCH, meters=[CALLS]).total() == 0
    # And 3 calls under a third price fill both deficits, then 1 call at 4:
    # -1 - 2 + 2 + 1 + 4 = 4.
    three = _three_prices(rk.PerUnit)
    rating = rk.rate(_calls((2, -1), (12, -1), (25, 3)), three, span=MARCH, meters=[CALLS])
    assert rating.total() == 4


@pytest.mark.xfail(
    strict=True,
    reason=(
        "refunds of 1 call on 2 March (list price 1) and on 12 March (price 2), then 2 calls "
        "on 25 March (price 4): the 2 calls fill the deficits last in, first out (+2, +1), "
        "so the month nets to 0 calls and costs 0 (-1 - 2 + 2 + 1); today the fill of 12 "
        "March's deficit is dropped: charges a -1 (-1), b -1 (-2), a +1 (+1), total -2, an "
        "invoice that refunds 2.00 for a month of no net usage (3 calls fill both and are right)"
    ),
)
def test_usage_under_a_third_price_that_exactly_fills_two_deficits_nets_to_zero() -> None:
    three = _three_prices(rk.PerUnit)
    rating = rk.rate(_calls((2, -1), (12, -1), (25, 2)), three, span=MARCH, meters=[CALLS])
    assert rating.total() == 0
    assert rk.bill(rating)[0].total == Decimal("0.00")


@pytest.mark.xfail(
    strict=True,
    reason=(
        "the same stream compared as a candidate: a per-unit plan whose list price changes "
        "twice in March, with refunds of 1 call on 2 and 12 March and 2 calls on 25 March, "
        "should bill 0.00 (net 0 calls) and be 'same' as a flat plan at 1 a call; today "
        "compare_plans rows it -2.00, 'pays less'"
    ),
)
def test_a_comparison_inherits_the_dropped_fill() -> None:
    flat = rk.Plan("flat", "USD", MONTHS, [rk.PriceEntry("a", "calls", rk.PerUnit(1))])
    candidates = {"flat": flat, "list": _three_prices(rk.PerUnit)}
    records = _calls((2, -1), (12, -1), (25, 2))
    comparison = rk.compare_plans(records, candidates, span=MARCH, meters=[CALLS])
    assert [(row.candidate, row.total, row.change) for row in comparison.rows] == [
        ("flat", Decimal("0.00"), "same"),
        ("list", Decimal("0.00"), "same"),
    ]


@pytest.mark.xfail(
    strict=True,
    reason=(
        "graduated prices (one open tier each: 1, 2 from 10 March, 4 from 20 March): refunds "
        "of 1 call on 2 and 12 March are below zero (priced 0), and 3 calls on 25 March fill "
        "both deficits (priced 0: from -1 to 0 under each price) and leave 1 call at 4, so the "
        "month costs 4, as under the per-unit prices; today the charges are a +1 at 1, b +1 "
        "at 0, c +1 at 0: total 1"
    ),
)
def test_graduated_usage_past_two_deficits_is_priced_at_its_own_price() -> None:
    three = _three_prices(rk.Graduated)
    rating = rk.rate(_calls((2, -1), (12, -1), (25, 3)), three, span=MARCH, meters=[CALLS])
    assert rating.total() == 4


@pytest.mark.xfail(
    strict=True,
    reason=(
        "graduated prices changing twice, refunds of 1 call on 2 and 12 March and 2 calls on "
        "25 March: the month nets to 0 calls and costs 0, no total below zero, so no "
        "'negative_total' anomaly (two prices give none); today rating reports one"
    ),
)
def test_a_month_netting_to_zero_under_three_tiered_prices_reports_no_negative_total() -> None:
    three = _three_prices(rk.Graduated)
    rating = rk.rate(_calls((2, -1), (12, -1), (25, 2)), three, span=MARCH, meters=[CALLS])
    assert rating.total() == 0
    assert [anomaly.kind for anomaly in rating.anomalies] == []


def test_the_same_refunds_across_three_plans_net_to_zero() -> None:
    # What holds: the customer moves a (1 a call) -> b (2) on 10 March -> c (4) on 20
    # March. Refunds of 1 on 2 and 12 March go below zero under a and b; 2 calls on 25
    # March fill b's deficit (+2), then a's (+1): -1 - 2 + 2 + 1 = 0.
    def plan(name: str, unit: int) -> rk.Plan:
        return rk.Plan(name, "USD", MONTHS, [rk.PriceEntry("c", "calls", rk.PerUnit(unit))])

    moves = [
        rk.Assignment("acme", plan("a", 1), end="2026-03-10T00:00:00Z"),
        rk.Assignment(
            "acme", plan("b", 2), start="2026-03-10T00:00:00Z", end="2026-03-20T00:00:00Z"
        ),
        rk.Assignment("acme", plan("c", 4), start="2026-03-20T00:00:00Z"),
    ]
    rating = rk.rate(_calls((2, -1), (12, -1), (25, 2)), moves, span=MARCH, meters=[CALLS])
    assert sorted((c.plan, c.quantity, c.amount) for c in rating.charges) == [
        ("a", Decimal(-1), Decimal(-1)),
        ("a", Decimal(1), Decimal(1)),
        ("b", Decimal(-1), Decimal(-2)),
        ("b", Decimal(1), Decimal(2)),
    ]
    assert rating.total() == 0


@pytest.mark.xfail(
    strict=True,
    reason=(
        "the streaming rater, fed the three calls one at a time with a statement and a JSON "
        "snapshot restore after each: March's closed invoice should total 0.00 (net 0 calls "
        "under the per-unit prices 1, 2 from 10 March, 4 from 20 March); today it is -2.00, "
        "as batch rating"
    ),
)
def test_the_rater_closes_the_month_of_the_dropped_fill_at_zero() -> None:
    plan = _three_prices(rk.PerUnit)
    rater = rk.Rater(plan, [CALLS], start=MARCH.start, horizon=dt.timedelta(days=2))
    for record in _calls((2, -1), (12, -1), (25, 2)):
        rater.feed([record])
        rater.statement(record.at + dt.timedelta(hours=1))
        snapshot = json.loads(json.dumps(rater.snapshot()))
        rater = rk.Rater.restore(snapshot, plan, [CALLS])
    closing = rater.statement("2026-04-03T00:00:00Z")
    assert [invoice.total for invoice in closing.invoices] == [Decimal("0.00")]


def test_a_full_refund_after_one_price_change_or_across_plans_nets_to_zero() -> None:
    # What holds: 1 call on 2 March at 1, 1 on 12 March at 2, both refunded on 25 March:
    # under two prices of one plan, and across three plans (a, b from 10 March, c from 20
    # March), the refund takes back b's unit (-2), then a's (-1): 1 + 2 - 2 - 1 = 0.
    two = rk.Plan(
        "list",
        "USD",
        MONTHS,
        [
            rk.PriceEntry("a", "calls", rk.PerUnit(1)),
            rk.PriceEntry("b", "calls", rk.PerUnit(2), start="2026-03-10T00:00:00Z", priority=1),
        ],
    )
    records = _calls((2, 1), (12, 1), (25, -2))
    assert rk.rate(records, two, span=MARCH, meters=[CALLS]).total() == 0

    def plan(name: str, unit: int) -> rk.Plan:
        return rk.Plan(name, "USD", MONTHS, [rk.PriceEntry("c", "calls", rk.PerUnit(unit))])

    moves = [
        rk.Assignment("acme", plan("a", 1), end="2026-03-10T00:00:00Z"),
        rk.Assignment(
            "acme", plan("b", 2), start="2026-03-10T00:00:00Z", end="2026-03-20T00:00:00Z"
        ),
        rk.Assignment("acme", plan("c", 4), start="2026-03-20T00:00:00Z"),
    ]
    assert rk.rate(records, moves, span=MARCH, meters=[CALLS]).total() == 0


@pytest.mark.xfail(
    strict=True,
    reason=(
        "per-unit list prices 1, 2 from 10 March, 4 from 20 March: 1 call on 2 March, 1 on 12 "
        "March, both refunded (-2) on 25 March; the refund should take back the 12th's unit at "
        "2, then the 2nd's at 1, so the month costs 0; today it takes back only the 2nd's "
        "(charges a +1, b +2, a -1): total 2, a bill for a call that was refunded (a refund of "
        "1 takes back b's unit correctly; two prices, or three plans, are right)"
    ),
)
def test_a_refund_under_a_third_price_takes_back_the_units_of_both_earlier_prices() -> None:
    three = _three_prices(rk.PerUnit)
    rating = rk.rate(_calls((2, 1), (12, 1), (25, -2)), three, span=MARCH, meters=[CALLS])
    assert sorted((c.entry, c.quantity, c.amount) for c in rating.charges) == [
        ("a", Decimal(-1), Decimal(-1)),
        ("a", Decimal(1), Decimal(1)),
        ("b", Decimal(-1), Decimal(-2)),
        ("b", Decimal(1), Decimal(2)),
    ]
    assert rating.total() == 0


@pytest.mark.xfail(
    strict=True,
    reason=(
        "graduated list prices (0.002 to 1000 calls and 0.001 past, then 0.003/0.0015 from 10 "
        "March, 0.004/0.002 from 20 March), tiers running on: 800 calls on 2 March (1.60), 800 "
        "on 12 March (200 x 0.003 + 600 x 0.0015 = 1.50), all 1600 refunded on 25 March: the "
        "refund takes back 1.50 then 1.60 and the month costs 0; today it takes back only "
        "-800 at a for -1.00: total 2.10"
    ),
)
def test_a_full_refund_under_a_third_graduated_price_costs_nothing() -> None:
    def tiers(first: str, past: str) -> rk.Graduated:
        return rk.Graduated([rk.Tier(1000, first), rk.Tier(None, past)])

    plan = rk.Plan(
        "tiered",
        "USD",
        MONTHS,
        [
            rk.PriceEntry("a", "calls", tiers("0.002", "0.001")),
            rk.PriceEntry(
                "b", "calls", tiers("0.003", "0.0015"), start="2026-03-10T00:00:00Z", priority=1
            ),
            rk.PriceEntry(
                "c", "calls", tiers("0.004", "0.002"), start="2026-03-20T00:00:00Z", priority=2
            ),
        ],
    )
    rating = rk.rate(_calls((2, 800), (12, 800), (25, -1600)), plan, span=MARCH, meters=[CALLS])
    assert rating.total() == 0


@pytest.mark.xfail(
    strict=True,
    reason=(
        "a marketplace's February in New York: list price 0.002, cut to 0.0015 on 15 February "
        "and a promotion at 0.001 from 22 February; 8000 calls on 10 February, 8000 on 18 "
        "February, all 16000 refunded on 25 February: the plan should bill 0.00, 'same' as a "
        "flat 0.002 plan; today compare_plans rows it 12.00 (the 18th's 8000 x 0.0015 kept), "
        "'pays more'"
    ),
)
def test_a_comparison_of_a_fully_refunded_month_under_two_price_changes() -> None:
    months = rk.cycles.monthly(tz="America/New_York")
    quarter = rk.Span("2026-01-01T00:00:00-05:00", "2026-04-01T00:00:00-04:00")
    listed = rk.Plan(
        "per",
        "USD",
        months,
        [
            rk.PriceEntry("list", "calls", rk.PerUnit("0.002")),
            rk.PriceEntry(
                "cut", "calls", rk.PerUnit("0.0015"), start="2026-02-15T00:00:00-05:00", priority=1
            ),
            rk.PriceEntry(
                "promo", "calls", rk.PerUnit("0.001"), start="2026-02-22T00:00:00-05:00", priority=2
            ),
        ],
    )
    flat = rk.Plan("flat", "USD", months, [rk.PriceEntry("list", "calls", rk.PerUnit("0.002"))])
    records = [
        rk.Sample("acme", "api", "calls", "2026-02-10T12:00:00Z", 8000, id="a"),
        rk.Sample("acme", "api", "calls", "2026-02-18T12:00:00Z", 8000, id="b"),
        rk.Sample("acme", "api", "calls", "2026-02-25T12:00:00Z", -16000, id="c"),
    ]
    comparison = rk.compare_plans(
        records, {"flat": flat, "per": listed}, span=quarter, meters=[CALLS]
    )
    assert [(row.candidate, row.total, row.change) for row in comparison.rows] == [
        ("flat", Decimal("0.00"), "same"),
        ("per", Decimal("0.00"), "same"),
    ]


@pytest.mark.xfail(
    strict=True,
    reason=(
        "graduated list price 1 a call (one open tier), 2 from 10 March: a refund of 5 calls on "
        "2 March goes below zero (priced 0), 8 calls on 12 March fill those 5 (from -5 to 0, "
        "priced 0) and 3 calls are left at the new price: 3 x 2 = 6, as per-unit prices bill "
        "it; today the 3 calls are priced at the old price (charges a -5 at 0, a +5 at 3, b +3 "
        "at 0): total 3, the units after the price rise billed at the price before it"
    ),
)
def test_usage_after_a_deficit_under_a_new_graduated_price_is_priced_at_the_new_price() -> None:
    two = rk.Plan(
        "list",
        "USD",
        MONTHS,
        [
            rk.PriceEntry("a", "calls", rk.Graduated([rk.Tier(None, 1)])),
            rk.PriceEntry(
                "b",
                "calls",
                rk.Graduated([rk.Tier(None, 2)]),
                start="2026-03-10T00:00:00Z",
                priority=1,
            ),
        ],
    )
    rating = rk.rate(_calls((2, -5), (12, 8)), two, span=MARCH, meters=[CALLS])
    assert rating.total() == 6
