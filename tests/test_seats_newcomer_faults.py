"""Faults the seats newcomer found, each pinned with the exact expected behaviour.

Plans bill seats per seat on their peak (or mean) and carry a minimum commitment, on
monthly cycles anchored on the 31st in America/New_York (April 2026: 720 hours).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests._seats_saas import APRIL, CALLS, METERS, MONTHS, PLANS, SEATS

import ratekit as rk

SEAT_AT_TEN = rk.Plan(
    "seats",
    "USD",
    MONTHS,
    [rk.PriceEntry("seats", "seats", rk.PerUnit(10))],
    minimums=[rk.Minimum(100)],
)
TEN_SEATS = [rk.Sample("a", "org", "seats", "2026-04-02T00:00:00Z", 10, kind="gauge", id="s1")]
#: the plan ends after 10 of April's 30 days (10 April 00:00 in New York)
THIRD = [rk.Assignment("a", SEAT_AT_TEN, end="2026-04-10T04:00:00Z")]


def test_a_commitment_reached_exactly_by_a_whole_month_of_seats_has_no_top_up() -> None:
    # 10 seats x 10 = 100, the commitment: nothing to top up
    rating = rk.rate(TEN_SEATS, [rk.Assignment("a", SEAT_AT_TEN)], span=APRIL, meters=[SEATS])
    assert [(c.kind, c.amount) for c in rating.charges] == [("usage", Decimal(100))]


def test_a_commitment_reached_exactly_by_a_third_of_a_month_of_seats_has_no_top_up() -> None:
    # 10 seats x 10 x 1/3 = 100/3 spent, the commitment 100 x 1/3 = 100/3: reached exactly,
    # no top-up (not a phantom one of 3.33E-24 from a share cut at 1E-24); 33.33 billed
    rating = rk.rate(TEN_SEATS, THIRD, span=APRIL, meters=[SEATS])
    assert [c.amount for c in rating.charges if c.kind == "minimum"] in ([], [Decimal(0)])
    invoice = rk.bill(rating)[0]
    assert [(line.kind, line.amount) for line in invoice.lines] == [("usage", Decimal("33.33"))]


def test_a_mean_of_seats_over_the_period_bills_a_partial_first_cycle_once() -> None:
    signup = "2026-04-15T00:00:00-04:00"  # 15 of April's 30 days
    meters = [rk.Meter("seats", "seat", rk.TimeWeightedMean(over="period")), CALLS]
    records = [rk.Sample("new", "org", "seats", signup, 10, kind="gauge", id="s1")]
    rating = rk.rate(
        records, [rk.Assignment("new", PLANS["starter"], start=signup)], span=APRIL, meters=meters
    )
    assert [(c.quantity, c.amount) for c in rating.charges if c.meter == "seats"] == [
        (Decimal(5), Decimal(50))
    ]


def test_the_same_signup_with_a_mean_over_the_known_time_bills_it_once() -> None:
    signup = "2026-04-15T00:00:00-04:00"
    records = [rk.Sample("new", "org", "seats", signup, 10, kind="gauge", id="s1")]
    meters = [rk.Meter("seats", "seat", rk.TimeWeightedMean()), METERS[1]]
    rating = rk.rate(
        records, [rk.Assignment("new", PLANS["starter"], start=signup)], span=APRIL, meters=meters
    )
    assert [(c.quantity, c.amount) for c in rating.charges if c.meter == "seats"] == [
        (Decimal(5), Decimal(50))
    ]


def free_seats(rounding: str) -> rk.Plan:
    """10 a seat on the peak, the first 10 seats free, rounded with ``rounding``."""
    return rk.Plan(
        "free",
        "USD",
        MONTHS,
        [rk.PriceEntry("seats", "seats", rk.PerUnit(10))],
        allowances=[rk.Allowance("seats", 10)],
        rounding=rounding,
    )


def test_seats_within_the_allowance_for_a_whole_month_cost_nothing_rounded_up() -> None:
    rating = rk.rate(
        TEN_SEATS, [rk.Assignment("a", free_seats("ROUND_UP"))], span=APRIL, meters=[SEATS]
    )
    assert [(c.quantity, c.free, c.amount) for c in rating.charges] == [
        (Decimal(10), Decimal(10), Decimal(0))
    ]
    assert rk.bill(rating)[0].total == Decimal("0.00")


def test_seats_within_the_allowance_for_a_third_of_a_month_cost_nothing_rounded_up() -> None:
    # a plan from 20 April (10 of 30 days): the share, 10/3, is cut down at 1E-24
    # (3.333333333333333333333333), below the allowance's 10/3: nothing to pay
    late = [rk.Assignment("a", free_seats("ROUND_UP"), start="2026-04-20T04:00:00Z")]
    rating = rk.rate(TEN_SEATS, late, span=APRIL, meters=[SEATS])
    assert [c.amount for c in rating.charges] == [Decimal(0)]
    assert rk.bill(rating)[0].total == Decimal("0.00")


@pytest.mark.parametrize("rounding", ["ROUND_UP", "ROUND_CEILING"])
def test_seats_within_the_allowance_for_two_thirds_of_a_month_cost_nothing_rounded_up(
    rounding: str,
) -> None:
    # a plan from 10 April (20 of 30 days): 10 x 2/3 = 20/3 seats, 10 x 2/3 = 20/3 free,
    # nothing left to pay, however rounded (not 3.3E-25 seats, billed 0.01 rounded up)
    early = [rk.Assignment("a", free_seats(rounding), start="2026-04-10T04:00:00Z")]
    rating = rk.rate(TEN_SEATS, early, span=APRIL, meters=[SEATS])
    assert [c.amount for c in rating.charges] == [Decimal(0)]
    assert rk.bill(rating)[0].total == Decimal("0.00")


@pytest.mark.parametrize("policy", [rk.Max(), rk.TimeWeightedMean(), rk.Latest()], ids=repr)
def test_the_rater_closes_free_seats_of_two_thirds_of_a_month_at_nothing(
    policy: rk.SamplePolicy,
) -> None:
    # the same 20/3 seats, 20/3 free, in the streaming rater's closing invoice: 0.00
    early = [rk.Assignment("a", free_seats("ROUND_UP"), start="2026-04-10T04:00:00Z")]
    rater = rk.Rater(early, [rk.Meter("seats", "seat", policy)], start=APRIL.start)
    rater.feed([rk.Sample("a", "org", "seats", "2026-04-12T00:00:00Z", 10, kind="gauge", id="s1")])
    assert [invoice.total for invoice in rater.statement(APRIL.end).invoices] == [Decimal("0.00")]


# A correction across a downgrade, docs/pricing.md "Corrections across a change of plan":
# a correction takes back, last in, first out, the units billed before it, whichever plan
# billed them. Plan a (0.001 a call) to 15 April 12:00 EDT, plan b (0.002) after.
CHEAP = rk.Plan("a", "USD", MONTHS, [rk.PriceEntry("calls", "calls", rk.PerUnit("0.001"))])
DEAR = rk.Plan("b", "USD", MONTHS, [rk.PriceEntry("calls", "calls", rk.PerUnit("0.002"))])
NOON = "2026-04-15T12:00:00-04:00"
DOWN = [rk.Assignment("x", CHEAP, end=NOON), rk.Assignment("x", DEAR, start=NOON)]


def calls_total(stamped: list[tuple[str, str, int]]) -> Decimal:
    """The month's total of calls (resource, instant, calls), the first on resource 'api'."""
    records = [
        rk.Sample("x", resource, "calls", at, calls, id=f"c{i}")
        for i, (resource, at, calls) in enumerate(stamped)
    ]
    return rk.rate(records, DOWN, span=APRIL, meters=[CALLS]).total()


def test_a_correction_takes_back_the_dearer_plans_units_billed_just_before_it() -> None:
    # 3,000 calls under a on 5 April, 500 under b on 18 April, -2,000 under b on 20 April:
    # the correction takes back b's 500 (-1.00), then 1,500 of a's (-1.50): a keeps 1,500
    # calls, 1.50
    total = calls_total(
        [
            ("api", "2026-04-05T00:00:00Z", 3000),
            ("api", "2026-04-18T00:00:00Z", 500),
            ("api2", "2026-04-20T00:00:00Z", -2000),
        ]
    )
    assert total == Decimal("1.500")


def test_which_units_a_correction_takes_back_does_not_depend_on_resource_names() -> None:
    total = calls_total(
        [
            ("api", "2026-04-05T00:00:00Z", 3000),
            ("api2", "2026-04-18T00:00:00Z", 500),
            ("api", "2026-04-20T00:00:00Z", -2000),
        ]
    )
    assert total == Decimal("1.500")


def test_usage_after_a_correction_is_billed_by_its_own_plan() -> None:
    # -2,000 under b on 16 April take back 2,000 of a's 3,000 (a keeps 1,000: 1.00); the
    # 500 under b on 18 April come after the correction: 1.00. 2.00 in all.
    total = calls_total(
        [
            ("api", "2026-04-05T00:00:00Z", 3000),
            ("api", "2026-04-16T00:00:00Z", -2000),
            ("api2", "2026-04-18T00:00:00Z", 500),
        ]
    )
    assert total == Decimal("2.000")


def test_a_correction_never_takes_back_usage_stamped_after_it() -> None:
    total = calls_total(
        [
            ("api", "2026-04-05T00:00:00Z", 3000),
            ("api2", "2026-04-16T00:00:00Z", -2000),
            ("api", "2026-04-18T00:00:00Z", 500),
        ]
    )
    assert total == Decimal("2.000")


def test_a_correction_of_the_same_resource_never_takes_back_usage_stamped_after_it() -> None:
    total = calls_total(
        [
            ("api", "2026-04-05T00:00:00Z", 3000),
            ("api", "2026-04-16T00:00:00Z", -2000),
            ("api", "2026-04-18T00:00:00Z", 500),
        ]
    )
    assert total == Decimal("2.000")


def one_seat(price: str, rounding: str) -> rk.Plan:
    return rk.Plan(
        "one",
        "USD",
        MONTHS,
        [rk.PriceEntry("seats", "seats", rk.PerUnit(price))],
        rounding=rounding,
    )


ONE_SEAT = [rk.Sample("a", "org", "seats", "2026-04-02T00:00:00Z", 1, kind="gauge", id="s1")]


def test_a_fee_of_a_third_of_a_month_on_a_half_cent_rounds_as_its_exact_amount() -> None:
    # 0.015 x 10/30 = 0.005 exactly: half up 0.01, half even 0.00
    for rounding, expected in (("ROUND_HALF_UP", "0.01"), ("ROUND_HALF_EVEN", "0.00")):
        fee = rk.Plan("fee", "USD", MONTHS, [], fees=[rk.Fee("f", "0.015")], rounding=rounding)
        rating = rk.rate([], [rk.Assignment("a", fee, end="2026-04-10T04:00:00Z")], span=APRIL)
        assert [line.amount for line in rk.bill(rating)[0].lines] == [Decimal(expected)]


def test_a_third_of_a_month_of_one_seat_on_a_half_cent_rounds_half_up() -> None:
    # a plan to 10 April (10 of 30 days): 1 x 1/3 seat x 0.015 = 0.005 exactly, half up
    # 0.01, as a fee of 0.015 for the same third bills
    plan = one_seat("0.015", "ROUND_HALF_UP")
    rating = rk.rate(
        ONE_SEAT, [rk.Assignment("a", plan, end="2026-04-10T04:00:00Z")], span=APRIL, meters=[SEATS]
    )
    assert [line.amount for line in rk.bill(rating)[0].lines] == [Decimal("0.01")]


def test_two_thirds_of_a_month_of_one_seat_on_a_half_cent_rounds_half_even() -> None:
    # a plan from 10 April (20 of 30 days): 1 x 2/3 seat x 0.0075 = 0.005 exactly, half
    # even 0.00
    plan = one_seat("0.0075", "ROUND_HALF_EVEN")
    rating = rk.rate(
        ONE_SEAT,
        [rk.Assignment("a", plan, start="2026-04-10T04:00:00Z")],
        span=APRIL,
        meters=[SEATS],
    )
    assert [line.amount for line in rk.bill(rating)[0].lines] == [Decimal("0.00")]
