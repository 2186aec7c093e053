"""A maps platform's daily and monthly free quota, rated in batch (docs/pricing.md).

Allowances with their own period and stacked allowances: 1,000 requests free a day (an
America/Los_Angeles day, 23 or 25 hours long on the DST days) and 10,000 more a month,
graduated tiers on the month's total, a premium routing key priced by its attribute, a
platform fee prorated by days for a customer who joins mid-month, an enterprise minimum.
"""

from __future__ import annotations

import decimal
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from tests._maps_api import DAYS, LA, MONTHS, REQUESTS, plan, premium_key, rated, req

import ratekit as rk

NOV_END = "2026-12-01T08:00:00Z"  # 1 December 00:00 PST
MAR_END = "2026-04-01T07:00:00Z"  # 1 April 00:00 PDT


def usage(rating: rk.Rating) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    return [(c.resource, c.quantity, c.free, c.amount) for c in rating.charges if c.kind == "usage"]


def by_day(rating: rk.Rating) -> list[tuple[rk.Span, Fraction, Fraction, Fraction]]:
    """Per LA day, its usage charges' quantity, free part and amount, summed exactly.

    A plan that prices the meter apart (a premium key) under a daily quota takes the
    requests in the order of their instants: each is a row of its own.
    """
    zero = Fraction(0)
    days: dict[rk.Span, tuple[Fraction, Fraction, Fraction]] = {}
    for c in rating.charges:
        if c.kind == "usage":
            day = DAYS.containing(c.span.start)
            q, f, a = days.get(day, (zero, zero, zero))
            days[day] = (q + Fraction(c.quantity), f + Fraction(c.free), a + Fraction(c.amount))
    return [(day, *sums) for day, sums in sorted(days.items(), key=lambda item: item[0].start)]


def test_the_daily_quota_stacks_on_the_monthly_one_in_time_order() -> None:
    # 10 Nov: 1,500 (1,000 of the day, 500 of the month); 11 Nov: 10,000 (1,000 of the
    # day, 9,000 of the month, 500 left); 12 Nov: 2,000 (1,000 of the day, the month's
    # last 500, 500 billed). 500 x 0.005 = 2.50; fee 31.00: 33.50.
    records = [
        req("c1", "k1", "2026-11-10T20:00:00Z", 1500, "a"),
        req("c1", "k1", "2026-11-11T20:00:00Z", 10000, "b"),
        req("c1", "k1", "2026-11-12T20:00:00Z", 2000, "c"),
    ]
    rating, [invoice] = rated(
        records, [rk.Assignment("c1", plan())], "2026-11-15T00:00:00Z", NOV_END
    )
    assert usage(rating) == [
        ("k1", Decimal(1500), Decimal(1500), Decimal(0)),
        ("k1", Decimal(10000), Decimal(10000), Decimal(0)),
        ("k1", Decimal(2000), Decimal(1500), Decimal("2.500")),
    ]
    assert invoice.total == Decimal("33.50")


def test_a_request_at_local_midnight_takes_the_new_days_quota() -> None:
    # 9 Nov 23:59:59.999999 PST takes the 9th's 1,000 (1,000 of 1,200, 200 billed);
    # 10 Nov 00:00 PST (08:00Z) starts the 10th's quota: its 1,000 are free.
    # No monthly quota: 200 x 0.005 = 1.00.
    records = [
        req("c1", "k1", "2026-11-10T07:59:59.999999Z", 1200, "a"),
        req("c1", "k1", "2026-11-10T08:00:00Z", 1000, "b"),
    ]
    assigned = [rk.Assignment("c1", plan(monthly=0, fee=0))]
    rating, [invoice] = rated(records, assigned, "2026-11-15T00:00:00Z", NOV_END)
    assert usage(rating) == [
        ("k1", Decimal(1200), Decimal(1000), Decimal("1.000")),
        ("k1", Decimal(1000), Decimal(1000), Decimal(0)),
    ]
    assert invoice.total == Decimal("1.00")


def test_the_25_hour_day_of_1_november_is_one_quota() -> None:
    # 1 Nov 2026 runs 07:00Z .. 2 Nov 08:00Z (PDT to PST, 25 hours). 600 at its first
    # instant and 600 at 23:30 PST (07:30Z on the 2nd, which a fixed -07:00 would put on
    # the 2nd) share one 1,000: 200 billed; 2 Nov's 1,000 at 08:00Z are free.
    # 200 x 0.005 = 1.00.
    records = [
        req("c1", "k1", "2026-11-01T07:00:00Z", 600, "a"),
        req("c1", "k1", "2026-11-02T07:30:00Z", 600, "b"),
        req("c1", "k1", "2026-11-02T08:00:00Z", 1000, "c"),
    ]
    assigned = [rk.Assignment("c1", plan(monthly=0, fee=0))]
    rating, [invoice] = rated(records, assigned, "2026-11-15T00:00:00Z", NOV_END)
    assert [(day, q, f) for day, q, f, _ in by_day(rating)] == [
        (rk.Span("2026-11-01T07:00:00Z", "2026-11-02T08:00:00Z"), Decimal(1200), Decimal(1000)),
        (rk.Span("2026-11-02T08:00:00Z", "2026-11-03T08:00:00Z"), Decimal(1000), Decimal(1000)),
    ]
    assert invoice.total == Decimal("1.00")


def test_the_23_hour_day_of_8_march_keeps_its_whole_quota() -> None:
    # 8 Mar 2026 runs 08:00Z .. 9 Mar 07:00Z (PST to PDT, 23 hours), not prorated by its
    # hours: 1,000 at 7 Mar 23:59:59 PST are the 7th's (free); 1,000 at 00:00 PST and 500
    # at 23:59:59 PDT are the 8th's 1,500 (500 billed); 1,000 at 9 Mar 00:00 PDT are free.
    # 500 x 0.005 = 2.50; a fee of 31 over the whole of March: 33.50.
    records = [
        req("c1", "k1", "2026-03-08T07:59:59Z", 1000, "a"),
        req("c1", "k1", "2026-03-08T08:00:00Z", 1000, "b"),
        req("c1", "k1", "2026-03-09T06:59:59Z", 500, "c"),
        req("c1", "k1", "2026-03-09T07:00:00Z", 1000, "d"),
    ]
    assigned = [rk.Assignment("c1", plan(monthly=0))]
    rating, [invoice] = rated(records, assigned, "2026-03-15T00:00:00Z", MAR_END)
    assert [(day, q, f) for day, q, f, _ in by_day(rating)] == [
        (rk.Span("2026-03-07T08:00:00Z", "2026-03-08T08:00:00Z"), Decimal(1000), Decimal(1000)),
        (rk.Span("2026-03-08T08:00:00Z", "2026-03-09T07:00:00Z"), Decimal(1500), Decimal(1000)),
        (rk.Span("2026-03-09T07:00:00Z", "2026-03-10T07:00:00Z"), Decimal(1000), Decimal(1000)),
    ]
    assert invoice.total == Decimal("33.50")


def test_a_premium_routing_key_is_priced_by_its_attribute_after_the_quota() -> None:
    # The premium key's 1,800 on 10 Nov: 1,000 free a day, 800 x 0.01 = 8.00 (no monthly
    # quota); the plain key's 1,500 on 11 Nov: 500 x 0.005 = 2.50. 10.50.
    records = [
        premium_key("c1", "kp", "2026-11-01T07:00:00Z", "u"),
        req("c1", "kp", "2026-11-10T20:00:00Z", 1800, "a"),
        req("c1", "k1", "2026-11-11T20:00:00Z", 1500, "b"),
    ]
    assigned = [rk.Assignment("c1", plan(monthly=0, fee=0))]
    _, [invoice] = rated(records, assigned, "2026-11-15T00:00:00Z", NOV_END)
    assert [(line.entry, line.amount) for line in invoice.lines] == [
        ("api", Decimal("2.50")),
        ("premium", Decimal("8.00")),
    ]


def test_the_tiers_run_on_the_months_billed_total_and_huge_counts_stay_exact() -> None:
    # 10^27 + 1 requests on one day: 11,000 free (1,000 + 10,000), then 100,000 x 0.005
    # = 500 and (10^27 + 1 - 11,000 - 100,000) x 0.004 = 3999999999999999999999556.004;
    # with the fee: 4000000000000000000000056.004 -> 56.00 + 31.00.
    records = [req("c1", "k1", "2026-11-10T20:00:00Z", 10**27 + 1, "a")]
    rating, [invoice] = rated(
        records, [rk.Assignment("c1", plan())], "2026-11-15T00:00:00Z", NOV_END
    )
    assert usage(rating) == [
        ("k1", Decimal(10**27 + 1), Decimal(11000), Decimal("4000000000000000000000056.004"))
    ]
    assert invoice.total == Decimal("4000000000000000000000087.00")


def test_a_month_past_the_numbers_ratekit_represents_is_refused_naming_the_record() -> None:
    # Two keys of 9E+29 each: the month's 1.8E+30 lies past 1E+30 (docs/guarantees.md).
    records = [
        req("c1", "k1", "2026-11-10T20:00:00Z", "9e29", "a"),
        req("c1", "k2", "2026-11-11T20:00:00Z", "9e29", "b"),
    ]
    with pytest.raises(rk.BadQuantityError, match=r"price entry 'api'.*records \['b'\].*1E\+30"):
        rated(records, [rk.Assignment("c1", plan())], "2026-11-15T00:00:00Z", NOV_END)


def test_a_customer_joining_mid_month_pays_the_days_left_and_a_prorated_minimum() -> None:
    # Joins 16 Nov 10:00 PST: by days, 16..30 Nov, 15 of 30 days. Fee 31 x 15/30 = 15.50;
    # minimum 60 x 15/30 = 30; the monthly quota 10,000 x 15/30 = 5,000 (unused here
    # beyond the day's). 1,500 on the 16th: 1,000 of the day, 500 of the month: 0.00.
    # Enterprise: top-up 30.00 - 0.00. 45.50.
    assigned = [rk.Assignment("c1", plan("enterprise", minimum=60), start="2026-11-16T18:00:00Z")]
    records = [req("c1", "k1", "2026-11-16T19:00:00Z", 1500, "a")]
    rating, [invoice] = rated(records, assigned, "2026-11-15T00:00:00Z", NOV_END)
    assert [(c.kind, c.quantity, c.amount) for c in rating.charges if c.kind != "usage"] == [
        ("fee", Decimal("0.5"), Decimal("15.5")),
        ("minimum", Decimal("0.5"), Decimal("30.000")),
    ]
    assert invoice.total == Decimal("45.50")


def test_a_refund_stamped_the_next_day_takes_back_the_last_units_first() -> None:
    # 10 Nov: 1,500 (1,000 free, 500 billed 2.50); 11 Nov: 400 (the 11th's, free), then a
    # refund of -700: last in, first out, the 400 free of the 11th, then 300 of the 10th's
    # billed (-1.50). 2.50 - 1.50 = 1.00 for the 200 billed that stand.
    records = [
        req("c1", "k1", "2026-11-10T20:00:00Z", 1500, "a"),
        req("c1", "k1", "2026-11-11T20:00:00Z", 400, "b"),
        req("c1", "k1", "2026-11-11T21:00:00Z", -700, "r"),
    ]
    assigned = [rk.Assignment("c1", plan(monthly=0, fee=0))]
    rating, [invoice] = rated(records, assigned, "2026-11-15T00:00:00Z", NOV_END)
    assert usage(rating) == [
        ("k1", Decimal(1500), Decimal(1000), Decimal("2.500")),
        ("k1", Decimal(400), Decimal(400), Decimal("0.000")),
        ("k1", Decimal(-700), Decimal(-400), Decimal("-1.500")),
    ]
    assert invoice.total == Decimal("1.00")


def test_a_refund_over_a_span_is_shared_between_the_days_it_covers() -> None:
    # -700 over 10 Nov 12:00 PST .. 11 Nov 12:00 PST: half on each day. The 10th nets
    # 1,500 - 350 = 1,150 (150 billed, 0.75); the 11th's -350 takes those back (-0.75).
    # (The 10th's 1,500 is a row of its own instant, then the refund's part after it
    # takes back 350 of its 500 billed: per day, the same sums.)
    records = [
        req("c1", "k1", "2026-11-10T20:00:00Z", 1500, "a"),
        req("c1", "k1", "2026-11-11T20:00:00Z", -700, "r", since="2026-11-10T20:00:00Z"),
    ]
    assigned = [rk.Assignment("c1", plan(monthly=0, fee=0))]
    rating, [invoice] = rated(records, assigned, "2026-11-15T00:00:00Z", NOV_END)
    assert [(q, a) for _, q, _, a in by_day(rating)] == [
        (Decimal(1150), Decimal("0.750")),
        (Decimal(-350), Decimal("-0.750")),
    ]
    assert invoice.total == Decimal("0.00")


def test_a_key_moved_to_another_customer_takes_that_customers_quota() -> None:
    # k1 serves c1 (600 at 01:00 PST), then c2 (600 at 02:00 PST): each customer's own
    # 1,000 a day, both free; neither's quota sees the other's requests.
    assigned = [rk.Assignment(a, plan(monthly=0, fee=0)) for a in ("c1", "c2")]
    records = [
        req("c1", "k1", "2026-11-10T09:00:00Z", 600, "a"),
        req("c2", "k1", "2026-11-10T10:00:00Z", 600, "b"),
    ]
    rating, invoices = rated(records, assigned, "2026-11-15T00:00:00Z", NOV_END)
    assert [(c.account, c.quantity, c.free) for c in rating.charges if c.kind == "usage"] == [
        ("c1", Decimal(600), Decimal(600)),
        ("c2", Decimal(600), Decimal(600)),
    ]
    assert [i.total for i in invoices] == [Decimal("0.00"), Decimal("0.00")]


def test_a_plan_switch_mid_day_gives_the_days_quota_to_the_plan_the_day_ends_under() -> None:
    # Prorated by days, the outgoing plan is due only for the days that ended while it was
    # in force (docs/pricing.md, a change between plans): switched at 10 Nov 12:00 PST,
    # plan a has 0 of the 10th's quota and plan b all 1,000. a's 600 at 01:00 PST are
    # billed, 600 x 0.005 = 3.00; b's 600 at 13:00 PST are free.
    a, b = plan("a", monthly=0, fee=0), plan("b", monthly=0, fee=0)
    switch = "2026-11-10T20:00:00Z"
    assigned = [rk.Assignment("c1", a, end=switch), rk.Assignment("c1", b, start=switch)]
    records = [
        req("c1", "k1", "2026-11-10T09:00:00Z", 600, "a"),
        req("c1", "k1", "2026-11-10T21:00:00Z", 600, "b"),
    ]
    rating, [invoice] = rated(records, assigned, "2026-11-15T00:00:00Z", NOV_END)
    assert [(c.plan, c.free, c.amount) for c in rating.charges if c.kind == "usage"] == [
        ("a", Decimal(0), Decimal("3.000")),
        ("b", Decimal(600), Decimal("0.000")),
    ]
    assert invoice.total == Decimal("3.00")


def test_two_candidate_quota_rules_compared_on_one_month() -> None:
    # The analysts' question: 1,000 a day + 10,000 a month, or 40,000 a month alone?
    # 30 days of 1,500 (45,000). Daily rule: 30 x 1,000 + 10,000 = 40,000 free; 5,000
    # billed = 25.00. Monthly rule: 40,000 free, 5,000 billed = 25.00 too, but spread
    # otherwise: 3,000 on one day and nothing else: daily 1,000 + 2,000 of the month,
    # 0.00; monthly 3,000 of 40,000: 0.00. A burst of 60,000 on one day: daily 11,000
    # free, 49,000 x 0.005 = 245.00; monthly 40,000 free, 20,000 x 0.005 = 100.00.
    daily = plan("daily", fee=0)
    monthly = plan("monthly", fee=0, daily=0, monthly=40000)

    def total(p: rk.Plan, records: list[rk.Sample]) -> Decimal:
        _, [invoice] = rated(records, [rk.Assignment("c1", p)], "2026-11-15T00:00:00Z", NOV_END)
        return invoice.total

    steady = [
        req("c1", "k1", f"2026-11-{day:02d}T20:00:00Z", 1500, f"d{day}") for day in range(1, 31)
    ]
    burst = [req("c1", "k1", "2026-11-20T20:00:00Z", 60000, "b")]
    assert (total(daily, steady), total(monthly, steady)) == (Decimal("25.00"), Decimal("25.00"))
    assert (total(daily, burst), total(monthly, burst)) == (Decimal("245.00"), Decimal("100.00"))


def test_an_invoice_exports_to_json_and_back_as_it_was() -> None:
    # 12,345 on 10 Nov: 11,000 free, 1,345 x 0.005 = 6.725 -> 6.72 (half-even); 37.72.
    records = [req("c1", "k1", "2026-11-10T20:00:00Z", 12345, "a")]
    _, [invoice] = rated(records, [rk.Assignment("c1", plan())], "2026-11-15T00:00:00Z", NOV_END)
    assert invoice.total == Decimal("37.72")
    stored = json.dumps(rk.to_row(invoice))
    back = rk.from_row(rk.Invoice, json.loads(stored))
    assert back == invoice
    assert str(back) == str(invoice)
    assert '"total": "37.72"' in stored


def test_bad_counts_are_refused_naming_the_record_and_what_is_accepted() -> None:
    at = "2026-11-10T20:00:00Z"
    cases: list[tuple[object, type[rk.RatekitError], str]] = [
        (float("nan"), rk.BadQuantityError, "sample 'x' value must be a finite number"),
        (True, rk.RatekitTypeError, "sample 'x' value must be a number"),
        (None, rk.RatekitTypeError, "sample 'x' value must be a number"),
        ("1,000", rk.BadQuantityError, "sample 'x' value '1,000' is not a decimal number"),
        ("1e999999", rk.BadQuantityError, "sample 'x' value '1e999999' lies outside"),
    ]
    for value, error, words in cases:
        with pytest.raises(error, match=words):
            req("c1", "k1", at, value, "x")
    with pytest.raises(
        rk.BadTimeError, match="sample 'x' at '2026-11-10T20:00:00' has no UTC offset"
    ):
        req("c1", "k1", "2026-11-10T20:00:00", 1, "x")
    assert LA == "America/Los_Angeles"


def test_joining_on_the_23_hour_day_prorates_its_quota_by_its_own_hours() -> None:
    # Prorated by seconds: joined 8 Mar 12:00 PDT (19:00Z); the day ends 9 Mar 07:00Z, 12
    # of its 23 hours: 1,000 x 12/23 = 521.739130434782608695652173913043478260869565217391
    # 304347826 free (rounded at its 60th digit), 1,000 - 12,000/23 = 11,000/23 billed x
    # 0.005 = 55/23 = 2.3913... -> 2.39. The fee: 564 of March's 743 hours (23 days 12 h
    # of a month with a 23-hour day), 31 x 564/743 = 23.5316... -> 23.53. 25.92.
    assigned = [
        rk.Assignment("c1", plan(monthly=0, proration="seconds"), start="2026-03-08T19:00:00Z")
    ]
    rating, [invoice] = rated(
        [req("c1", "k1", "2026-03-08T20:00:00Z", 1000, "a")],
        assigned,
        "2026-03-15T00:00:00Z",
        MAR_END,
    )
    [used] = [c for c in rating.charges if c.kind == "usage"]
    assert abs(Fraction(used.amount) - Fraction(55, 23)) < Fraction(1, 10**58)
    assert used.free == Decimal("521.739130434782608695652173913043478260869565217391304347826")
    assert [line.amount for line in invoice.lines] == [Decimal("2.39"), Decimal("23.53")]
    assert invoice.total == Decimal("25.92")


def test_compare_plans_lines_up_the_two_quota_rules_per_customer() -> None:
    # The rules of the test above, by rk.compare_plans: c1's steady 30 x 1,500 cost 25.00
    # under both; c2's burst of 60,000 costs 245.00 daily, 100.00 monthly (-145.00).
    november = MONTHS.containing("2026-11-15T00:00:00Z")
    records = [
        req("c1", "k1", f"2026-11-{day:02d}T20:00:00Z", 1500, f"d{day}") for day in range(1, 31)
    ]
    records.append(req("c2", "k9", "2026-11-20T20:00:00Z", 60000, "b"))
    candidates = {
        "daily": plan("daily", fee=0),
        "monthly": plan("monthly", fee=0, daily=0, monthly=40000),
    }
    comparison = rk.compare_plans(records, candidates, span=november, meters=[REQUESTS])
    assert [(r.account, r.candidate, r.total, r.change) for r in comparison.rows] == [
        ("c1", "daily", Decimal("25.00"), "same"),
        ("c1", "monthly", Decimal("25.00"), "same"),
        ("c2", "daily", Decimal("245.00"), "same"),
        ("c2", "monthly", Decimal("100.00"), "pays less"),
    ]
    assert comparison.totals() == {"daily": Decimal("270.00"), "monthly": Decimal("125.00")}


def test_the_callers_decimal_context_does_not_matter() -> None:
    # 12,345 requests: 11,000 free, 1,345 x 0.005 = 6.725 -> 6.72; + 31.00 = 37.72, under
    # a caller's context of 3 digits, rounding down, trapping inexact results.
    records = [req("c1", "k1", "2026-11-10T20:00:00Z", 12345, "a")]
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_FLOOR
        context.traps[decimal.Inexact] = True
        _, [invoice] = rated(
            records, [rk.Assignment("c1", plan())], "2026-11-15T00:00:00Z", NOV_END
        )
    assert invoice.total == Decimal("37.72")
