"""Faults an object-storage provider with resellers met, each pinned with what should happen.

GB-months are the time-weighted mean of hourly gauges over the cycle
(``TimeWeightedMean(over="period")``, the "weighted sum divided by the period" of the
reference, Lago's weighted sum on the peers page). Rating prices such a mean as every
non-additive aggregation: the cycle's whole aggregate, under each plan for that plan's
share of the cycle's time. For a mean over the period that is not where the GB-hours lie:
storage held only after a change of plan is billed partly under the plan before it, and
storage of a customer who signs up mid-month is billed at half its GB-months, the other
half reported ``unpriced`` for a time when nothing was stored.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from tests._reseller_lake import (
    FEB,
    MONTHLY,
    STORED,
    at,
    direct_plan,
    discounted_plan,
    hourly_gauges,
)

import ratekit as rk

# 1,000 GB held from 15 Feb 00:00 to the month's end (336 of 672 hours): 500 GB-month.
HELD_FROM_15TH = hourly_gauges("acme", "b", at(336, FEB.start), [1000] * 336)


def test_the_mean_over_the_period_is_the_gb_months_held() -> None:
    usage = rk.meter(HELD_FROM_15TH, [STORED], span=FEB, cycle=MONTHLY, as_of=FEB.end)
    assert usage.total() == Decimal(500)  # 1000 x 336/672


def test_storage_held_only_after_a_move_to_a_reseller_is_billed_at_the_resellers_price() -> None:
    assignments = [
        rk.Assignment("acme", direct_plan(), end="2026-02-15T00:00:00Z"),
        rk.Assignment("acme", discounted_plan(Decimal(20)), start="2026-02-15T00:00:00Z"),
    ]
    rating = rk.rate(HELD_FROM_15TH, assignments, span=FEB, meters=[STORED])
    stored = [
        (c.plan, c.quantity, c.amount) for c in rating.charges if c.meter == "stored" and c.amount
    ]
    # 500 GB-month x 0.0184 = 9.20, all under the reseller; nothing under the list prices.
    assert stored == [("reseller", Decimal(500), Decimal("9.2000"))]
    [line] = [line for line in rk.bill(rating)[0].lines if line.entry == "storage"]
    assert line.amount == Decimal("9.20")


def test_a_customer_signing_up_mid_month_pays_the_gb_months_it_held() -> None:
    assignments = [rk.Assignment("acme", direct_plan(), start="2026-02-15T00:00:00Z")]
    rating = rk.rate(HELD_FROM_15TH, assignments, span=FEB, meters=[STORED])
    # 500 GB-month x 0.023 = 11.50; the fee 5 x 14/28 = 2.50.
    assert [(c.quantity, c.amount) for c in rating.charges if c.meter == "stored"] == [
        (Decimal(500), Decimal("11.500"))
    ]
    assert rating.anomalies == ()
    assert rk.bill(rating)[0].total == Decimal("14.00")


def test_held_as_sizes_the_gb_hours_after_the_move_are_all_the_resellers() -> None:
    # The same storage as update events on a Continuous GB*hour meter lies where it was held:
    # 336,000 GB*hour, all after the move.
    gb_hours = rk.Meter("gbh", "GB*hour", rk.Continuous("size_gb"))
    events = [
        rk.Event("acme", "b", at(336 + hour, FEB.start), {"size_gb": 1000}, id=f"e{hour}")
        for hour in range(336)
    ]

    def plan(plan_id: str, price: str) -> rk.Plan:
        return rk.Plan(
            plan_id, "EUR", MONTHLY, [rk.PriceEntry("storage", "gbh", rk.PerUnit(price))]
        )

    assignments = [
        rk.Assignment("acme", plan("direct", "0.0001"), end="2026-02-15T00:00:00Z"),
        rk.Assignment("acme", plan("reseller", "0.00008"), start="2026-02-15T00:00:00Z"),
    ]
    rating = rk.rate(events, assignments, span=FEB, meters=[gb_hours])
    assert [(c.plan, c.quantity, c.amount) for c in rating.charges] == [
        ("reseller", Decimal(336000), Decimal("26.88000"))
    ]


def test_two_gauges_of_one_bucket_at_one_instant_are_reported_as_a_tie() -> None:
    records = [
        rk.Sample("acme", "b", "stored", "2026-02-01T00:00:00Z", 500, kind="gauge", id="g1"),
        rk.Sample("acme", "b", "stored", "2026-02-01T00:00:00Z", 400, kind="gauge", id="g1-fix"),
    ]
    usage = rk.meter(records, [STORED], span=FEB, cycle=MONTHLY, as_of=FEB.end)
    assert usage.total() == Decimal(500)  # the documented order: the lower first, the higher holds
    assert [(a.kind, a.record_ids) for a in usage.anomalies] == [("tie", ("g1", "g1-fix"))]


def test_two_gauges_at_one_instant_with_a_seq_go_by_it() -> None:
    records = [
        rk.Sample("acme", "b", "stored", "2026-02-01T00:00:00Z", 500, kind="gauge", id="g1", seq=1),
        rk.Sample(
            "acme", "b", "stored", "2026-02-01T00:00:00Z", 400, kind="gauge", id="g1-fix", seq=2
        ),
    ]
    usage = rk.meter(records, [STORED], span=FEB, cycle=MONTHLY, as_of=FEB.end)
    assert usage.total() == Decimal(400)
    assert usage.anomalies == ()


# --- a cycle cut by the rated span -----------------------------------------------------------

NEW_YORK = rk.cycles.monthly(tz="America/New_York")
DECEMBER = NEW_YORK.containing(
    "2025-12-15T00:00:00Z"
)  # 2025-12-01T05:00Z .. 2026-01-01T05:00Z, 744 h
TEN_GB_ALL_DECEMBER = hourly_gauges("nyc", "b", DECEMBER.start, [10] * 744)


def _ny_plan() -> rk.Plan:
    return rk.Plan(
        "ny", "USD", NEW_YORK, [rk.PriceEntry("storage", "stored", rk.PerUnit("0.0184"))]
    )


def _stored(span: rk.Span, as_of: dt.datetime | None = None) -> Decimal:
    rating = rk.rate(TEN_GB_ALL_DECEMBER, _ny_plan(), span=span, meters=[STORED], as_of=as_of)
    return sum((c.quantity for c in rating.charges if c.meter == "stored"), Decimal(0))


def test_a_new_york_december_rated_whole_is_ten_gb_months() -> None:
    assert DECEMBER.duration.total_seconds() == 744 * 3600
    assert _stored(DECEMBER) == Decimal(10)


def test_two_quarters_cutting_a_cycle_add_up_only_when_rated_as_of_its_end() -> None:
    # The decision (docs/usage.md, "a rated span that cuts a cycle"): a span rated as of
    # its own end inside a cycle bills the cycle so far, what is known then. The quarter
    # to 1 January 00:00Z, rated at its end, is December so far: 10 GB over the 739 hours
    # known, 10 GB-month; the quarter after, rated as of December's end, its share 10 x
    # 5/744. Together 10 + 50/744, not December's 10: parts add up to the cycle only when
    # each is rated as of the cycle's end (the test below those quarters), as a Rater's
    # later statement corrects its first.
    cut = "2026-01-01T00:00:00Z"
    first = _stored(rk.Span(DECEMBER.start, cut))
    second = Fraction(_stored(rk.Span(cut, DECEMBER.end)))
    assert first == Decimal(10)
    assert abs(second - Fraction(10 * 5, 744)) < Fraction(1, 10**24)
    assert abs(Fraction(first) + second - 10) > Fraction(6, 100)  # 50/744 = 0.0672...
    # rated as of December's end, the first quarter is its share, and the two add up
    at_end = Fraction(_stored(rk.Span(DECEMBER.start, cut), DECEMBER.end))
    assert abs(at_end + second - 10) < Fraction(2, 10**24)


def test_the_quarter_after_the_cut_bills_its_share_of_decembers_gb_months() -> None:
    # Rated as of December's end, the quarter from 1 January 00:00Z holds 5 of the 744
    # hours: 10 x 5/744 GB-month, not a whole month's 10.
    second = Fraction(_stored(rk.Span("2026-01-01T00:00:00Z", DECEMBER.end)))
    assert abs(second - Fraction(10 * 5, 744)) < Fraction(1, 10**24)


def test_the_quarter_before_the_cut_rated_as_of_its_end_bills_december_so_far() -> None:
    # As of 1 January 00:00Z, inside the New York December, the GB-month is December's
    # so far (the usage page): 10 GB over the 739 hours known, 10.
    assert _stored(rk.Span(DECEMBER.start, "2026-01-01T00:00:00Z")) == Decimal(10)


def test_the_quarters_rated_as_of_decembers_end_add_up_to_december() -> None:
    # Both rated as of December's end: 10 x 739/744 + 10 x 5/744 = 10, each within
    # metering's quantum of 1E-24.
    cut = "2026-01-01T00:00:00Z"
    first = Fraction(_stored(rk.Span(DECEMBER.start, cut), DECEMBER.end))
    second = Fraction(_stored(rk.Span(cut, DECEMBER.end), DECEMBER.end))
    assert abs(first - Fraction(10 * 739, 744)) < Fraction(1, 10**24)
    assert abs(first + second - 10) < Fraction(2, 10**24)


# --- a correction after a move to a reseller: last in, first out ------------------------------

JANUARY = rk.Span("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")
EGRESS_METER = rk.Meter("egress", "GB", rk.Discrete())


def _moved_on_16th() -> list[rk.Assignment]:
    # The list prices until 16 January, the 20 % reseller from then (15 and 16 of 31 days).
    return [
        rk.Assignment("shop", direct_plan(), end="2026-01-16T00:00:00Z"),
        rk.Assignment("shop", discounted_plan(Decimal(20)), start="2026-01-16T00:00:00Z"),
    ]


def test_a_correction_after_a_move_takes_back_the_list_priced_units_before_later_usage() -> None:
    records = [
        rk.Sample("shop", "b", "egress", "2026-01-05T00:00:00Z", 1000, id="e1"),
        rk.Sample("shop", "b", "egress", "2026-01-20T00:00:00Z", -1000, id="fix"),
        rk.Sample("shop", "b", "egress", "2026-01-21T00:00:00Z", 1000, id="e2"),
    ]
    rating = rk.rate(records, _moved_on_16th(), span=JANUARY, meters=[EGRESS_METER])
    # The pricing page: a correction takes back, last in, first out, the units of its cycle
    # billed before it, whichever plan billed them, at that plan's price. fix takes back e1's
    # 1,000 GB at the list price (900 x 0.09 = 81.00 back); e2's 1,000 GB are the reseller's:
    # 900 x 0.072 = 64.80. Fee: 5 x 15/31 + 4 x 16/31 = 139/31 = 4.48. Total 69.28.
    by_plan: dict[str, Decimal] = {}
    for charge in rating.charges:
        if charge.kind == "usage":
            by_plan[charge.plan] = by_plan.get(charge.plan, Decimal(0)) + charge.amount
    assert by_plan == {"direct": Decimal(0), "reseller": Decimal("64.8")}
    assert rk.bill(rating)[0].total == Decimal("69.28")


def test_a_correction_after_a_move_is_a_row_of_its_own_moved_to_the_list_price() -> None:
    records = [
        rk.Sample("shop", "b", "egress", "2026-01-05T00:00:00Z", 1000, id="e1"),
        rk.Sample("shop", "b", "egress", "2026-01-20T00:00:00Z", -1000, id="fix"),
        rk.Sample("shop", "b", "egress", "2026-01-21T00:00:00Z", 1000, id="e2"),
    ]
    rating = rk.rate(records, _moved_on_16th(), span=JANUARY, meters=[EGRESS_METER])
    # fix is a row of its own (metering cuts the reseller's part at its instant), taking
    # back e1's 1,000 GB under the list price; e2, after it, is the reseller's.
    assert [(c.plan, c.quantity, c.record_ids) for c in rating.charges if c.kind == "usage"] == [
        ("direct", Decimal(1000), ("e1",)),
        ("direct", Decimal(-1000), ("fix",)),
        ("reseller", Decimal(1000), ("e2",)),
    ]
    assert rk.bill(rating)[0].total == Decimal("69.28")


def _two_buckets(corrected: str, other: str) -> rk.Rating:
    records = [
        rk.Sample("shop", corrected, "egress", "2026-01-05T00:00:00Z", 1000, id="e1"),
        rk.Sample("shop", other, "egress", "2026-01-17T00:00:00Z", 1000, id="e2"),
        rk.Sample("shop", corrected, "egress", "2026-01-20T00:00:00Z", -1000, id="fix"),
    ]
    return rk.rate(records, _moved_on_16th(), span=JANUARY, meters=[EGRESS_METER])


def test_renaming_a_bucket_does_not_change_what_a_correction_takes_back() -> None:
    # Last in, first out: fix (20 Jan) takes back e2's 1,000 GB (17 Jan, the reseller's,
    # 64.80 back); e1's 1,000 GB stay at the list price: 81.00 + fee 4.48 = 85.48.
    assert rk.bill(_two_buckets("b2", "b1"))[0].total == Decimal("85.48")
    assert rk.bill(_two_buckets("b1", "b2"))[0].total == Decimal("85.48")


# --- a correction after a price change within a plan -----------------------------------------


def _price_cut_on_16th(before: rk.PriceModel, after: rk.PriceModel) -> rk.Plan:
    # The reseller's price list cuts its egress price from 16 January (a layered entry).
    return rk.Plan(
        "reseller",
        "EUR",
        MONTHLY,
        [
            rk.PriceEntry("egress", "egress", before),
            rk.PriceEntry("egress-cut", "egress", after, start="2026-01-16T00:00:00Z", priority=1),
        ],
    )


USED_THEN_WITHDRAWN = [
    rk.Sample("shop", "b", "egress", "2026-01-05T00:00:00Z", 1000, id="e1"),
    rk.Sample("shop", "b", "egress", "2026-01-20T00:00:00Z", -1000, id="fix"),
]
PRICE_CUTS = {
    # 1,000 GB at 0.09 = 90.00 billed; refunded at the 0.09 billed: -90.00; 0.00 for 0 GB.
    "per unit": (rk.PerUnit("0.09"), rk.PerUnit("0.05"), Decimal("90.00")),
    # 900 GB past 100 free at 0.09 = 81.00; taken back from the old tiers' top: -81.00.
    "graduated": (
        rk.Graduated([rk.Tier(100, 0), rk.Tier(None, "0.09")]),
        rk.Graduated([rk.Tier(100, 0), rk.Tier(None, "0.05")]),
        Decimal("81.00"),
    ),
}


@pytest.mark.parametrize("case", sorted(PRICE_CUTS))
def test_a_correction_after_a_price_cut_refunds_what_was_billed(case: str) -> None:
    before, after, _billed = PRICE_CUTS[case]
    rating = rk.rate(
        USED_THEN_WITHDRAWN, _price_cut_on_16th(before, after), span=JANUARY, meters=[EGRESS_METER]
    )
    # Net 0 GB in January: nothing to pay, the refund equal to what was billed.
    assert rk.bill(rating)[0].total == Decimal("0.00")


@pytest.mark.parametrize("case", sorted(PRICE_CUTS))
def test_a_correction_after_a_price_cut_is_charged_under_the_entry_that_billed(case: str) -> None:
    before, after, billed = PRICE_CUTS[case]
    rating = rk.rate(
        USED_THEN_WITHDRAWN, _price_cut_on_16th(before, after), span=JANUARY, meters=[EGRESS_METER]
    )
    # The pricing page: last in, first out, at the price billed, within a plan as across
    # plans: fix takes back e1's 1,000 GB under "egress", the entry that billed them.
    assert [(c.entry, c.quantity, c.amount) for c in rating.charges] == [
        ("egress", Decimal(1000), billed),
        ("egress", Decimal(-1000), -billed),
    ]


def test_a_correction_across_a_change_of_plan_refunds_what_was_billed() -> None:
    # The documented rule across plans: the correction takes back 1,000 GB at 0.09.
    def plan(plan_id: str, price: str) -> rk.Plan:
        return rk.Plan(
            plan_id, "EUR", MONTHLY, [rk.PriceEntry("egress", "egress", rk.PerUnit(price))]
        )

    assignments = [
        rk.Assignment("shop", plan("a", "0.09"), end="2026-01-16T00:00:00Z"),
        rk.Assignment("shop", plan("b", "0.05"), start="2026-01-16T00:00:00Z"),
    ]
    rating = rk.rate(USED_THEN_WITHDRAWN, assignments, span=JANUARY, meters=[EGRESS_METER])
    assert [(c.plan, c.amount) for c in rating.charges] == [
        ("a", Decimal("90.00")),
        ("a", Decimal("-90.00")),
    ]
    assert rk.bill(rating)[0].total == Decimal("0.00")
