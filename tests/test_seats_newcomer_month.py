"""A B2B SaaS billed by seats, API calls and a platform fee, as a newcomer reads the docs.

Plans (tests/_seats_saas.py): starter (10 a seat, 0.002 a call, 1,000 calls free, a fee
of 49, a minimum of 100), growth (8, 0.0015, 5,000 free, 99, 200) and scale (6, 0.001,
20,000 free, 299). Cycles are monthly, anchored on the 31st in America/New_York: April
2026 runs from 31 March 00:00 to 30 April 00:00 local (720 hours), March from 28 February
to 31 March (743 hours, the DST change on 8 March). Every figure is worked by hand with
Fractions; a share of a peak is cut in time at 1E-24 (docs/guarantees.md), so those
figures are compared within 1E-20.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from tests._seats_saas import APRIL, CALLS, MARCH, METERS, MONTHS, PLANS, SEATS, TZ, close, plan, us

import ratekit as rk

STARTER, GROWTH, SCALE = PLANS["starter"], PLANS["growth"], PLANS["scale"]


def seat(account: str, at: str, seats: int, record: str) -> rk.Sample:
    return rk.Sample(account, "org", "seats", at, seats, kind="gauge", id=record)


def call(account: str, at: str, calls: int, record: str) -> rk.Sample:
    return rk.Sample(account, "api", "calls", at, calls, id=record)


def by_kind(rating: rk.Rating) -> list[tuple[str, str, str | None, Decimal]]:
    return [(c.kind, c.plan, c.meter, c.amount) for c in rating.charges]


def test_anchored_on_the_31st_the_cycles_clamp_and_come_back() -> None:
    year = rk.Span("2026-01-15T00:00:00Z", "2026-06-15T00:00:00Z")
    starts = [str(cycle.start) for cycle in MONTHS.spans(year)]
    assert starts == [
        "2025-12-31 05:00:00+00:00",
        "2026-01-31 05:00:00+00:00",
        "2026-02-28 05:00:00+00:00",  # no 31 February: the last day
        "2026-03-31 04:00:00+00:00",  # back to the 31st, in EDT
        "2026-04-30 04:00:00+00:00",  # no 31 April
        "2026-05-31 04:00:00+00:00",
    ]
    assert (
        MARCH.duration.total_seconds() == 743 * 3600
    )  # 28 Feb .. 31 Mar, one hour lost on 8 March
    assert APRIL.duration.total_seconds() == 720 * 3600


def test_signup_on_29_february_bills_on_the_28th_the_next_year() -> None:
    leap = rk.cycles.monthly(tz=TZ, day=29)
    over = rk.Span("2028-01-15T00:00:00Z", "2029-04-15T00:00:00Z")
    starts = [str(cycle.start) for cycle in leap.spans(over)]
    assert starts[1:4] == [
        "2028-01-29 05:00:00+00:00",
        "2028-02-29 05:00:00+00:00",
        "2028-03-29 04:00:00+00:00",
    ]
    # 2029 has no 29 February: that cycle starts on the 28th and the next is back on the 29th
    assert starts[-3:] == [
        "2029-01-29 05:00:00+00:00",
        "2029-02-28 05:00:00+00:00",
        "2029-03-29 04:00:00+00:00",
    ]
    yearly = rk.cycles.yearly(tz=TZ, month=2, day=29)
    starts = [
        str(c.start) for c in yearly.spans(rk.Span("2028-03-01T00:00:00Z", "2032-03-01T00:00:00Z"))
    ]
    assert starts == [
        "2028-02-29 05:00:00+00:00",
        "2029-02-28 05:00:00+00:00",
        "2030-02-28 05:00:00+00:00",
        "2031-02-28 05:00:00+00:00",
        "2032-02-29 05:00:00+00:00",  # back on the 29th in a leap year
    ]


def test_a_whole_month_on_starter() -> None:
    records = [
        seat("acme", "2026-04-02T00:00:00Z", 5, "s1"),
        seat("acme", "2026-04-10T00:00:00Z", 8, "s2"),
        call("acme", "2026-04-11T00:00:00Z", 3000, "c1"),
    ]
    rating = rk.rate(records, STARTER, span=APRIL, meters=METERS)
    # calls: (3000 - 1000 free) x 0.002 = 4; seats: peak 8 x 10 = 80; fee 49;
    # minimum 100 - (80 + 4) = 16 (fees do not count); 4 + 80 + 49 + 16 = 149
    assert sorted(by_kind(rating)) == [
        ("fee", "starter", "platform", Decimal(49)),
        ("minimum", "starter", None, Decimal(16)),
        ("usage", "starter", "calls", Decimal(4)),
        ("usage", "starter", "seats", Decimal(80)),
    ]
    invoice = rk.bill(rating, tz=TZ)[0]
    assert invoice.total == Decimal("149.00")
    assert (
        str(invoice).splitlines()[0]
        == "Invoice acme, 2026-03-31 .. 2026-04-30 (America/New_York), USD"
    )


@pytest.mark.parametrize(
    ("policy", "exact"),
    [
        (rk.Max(), Fraction(8)),
        (rk.Min(), Fraction(2)),
        (rk.Latest(), Fraction(2)),
        (rk.Percentile(50), Fraction(5)),
        # known from 2 April: (5 x 9 + 8 x 10 + 2 x 9) / 28 days = 143/28
        (rk.TimeWeightedMean(), Fraction(143, 28)),
        # the whole 30-day April: 143/30
        (rk.TimeWeightedMean(over="period"), Fraction(143, 30)),
    ],
    ids=repr,
)
def test_every_seat_aggregation_the_docs_offer(policy: rk.SamplePolicy, exact: Fraction) -> None:
    records = [
        seat("acme", "2026-04-02T00:00:00-04:00", 5, "s1"),
        seat("acme", "2026-04-11T00:00:00-04:00", 8, "s2"),
        seat("acme", "2026-04-21T00:00:00-04:00", 2, "s3"),
    ]
    meters = [rk.Meter("seats", "seat", policy), CALLS]
    rating = rk.rate(records, STARTER, span=APRIL, meters=meters)
    [charge] = [c for c in rating.charges if c.meter == "seats"]
    assert close(charge.quantity, exact, Fraction(1, 10**58))
    assert close(charge.amount, exact * 10, Fraction(1, 10**57))


def test_an_upgrade_mid_month_prorates_fee_allowance_minimum_and_the_peak() -> None:
    # 15 April 12:00 EDT is 16:00Z: starter covers 15.5 of April's 30 days (31/60),
    # growth 29/60.
    noon = "2026-04-15T12:00:00-04:00"
    assigned = [rk.Assignment("acme", STARTER, end=noon), rk.Assignment("acme", GROWTH, start=noon)]
    records = [
        seat("acme", "2026-04-02T00:00:00Z", 5, "s1"),
        seat("acme", "2026-04-10T00:00:00Z", 8, "s2"),
        call("acme", "2026-04-11T00:00:00Z", 3000, "c1"),
        call("acme", "2026-04-20T00:00:00Z", 20000, "c2"),
    ]
    rating = rk.rate(records, assigned, span=APRIL, meters=METERS)
    s, g = Fraction(31, 60), Fraction(29, 60)
    starter_calls = (3000 - 1000 * s) * Fraction("0.002")  # 1550/3 free: 4.9666...
    growth_calls = (20000 - 5000 * g) * Fraction("0.0015")  # 7250/3 free: 26.375
    starter_seats, growth_seats = 8 * s * 10, 8 * g * 8  # the peak, 8, for each share
    expected = {
        ("usage", "starter", "calls"): starter_calls,
        ("usage", "growth", "calls"): growth_calls,
        ("usage", "starter", "seats"): starter_seats,
        ("usage", "growth", "seats"): growth_seats,
        ("fee", "starter", "platform"): 49 * s,
        ("fee", "growth", "platform"): 99 * g,  # 47.85
        ("minimum", "starter", None): 100 * s - starter_calls - starter_seats,  # 161/30
        ("minimum", "growth", None): 200 * g - growth_calls - growth_seats,
    }
    got = {(c.kind, c.plan, c.meter): c.amount for c in rating.charges}
    assert got.keys() == expected.keys()
    for key, exact in expected.items():
        assert close(got[key], exact), key
    assert got[("fee", "growth", "platform")] == Decimal("47.85")
    assert close(rating.total(), sum(expected.values(), Fraction(0)))
    invoice = rk.bill(rating, tz=TZ)[0]
    # each line rounded once; each plan's prorated commitment put on the cent on its own
    # (docs/invoices.md): 51.67 + 96.67, so the minimum line is 148.34 - the lines' parts
    assert [(line.kind, line.amount) for line in invoice.lines] == [
        ("usage", Decimal("31.34")),  # 4.9666... + 26.375 = 31.341666...
        ("usage", Decimal("72.27")),  # 41.333... + 30.933... = 72.2666...
        ("fee", Decimal("73.17")),  # 25.31666... + 47.85
        ("minimum", Decimal("44.73")),
    ]
    assert invoice.total == Decimal("221.51")  # 51.67 + 96.67 committed + 73.17 of fees


def test_an_upgrade_at_the_exact_cycle_boundary_leaves_nothing_to_the_old_plan() -> None:
    assigned = [
        rk.Assignment("acme", STARTER, end=APRIL.start),
        rk.Assignment("acme", GROWTH, start=APRIL.start),
    ]
    rating = rk.rate([], assigned, span=rk.Span(MARCH.start, APRIL.end))
    assert [(c.kind, c.plan, c.cycle, c.amount) for c in rating.charges if c.kind == "fee"] == [
        ("fee", "starter", MARCH, Decimal(49)),
        ("fee", "growth", APRIL, Decimal(99)),
    ]
    assert {
        (c.kind, c.plan, c.cycle.start, c.amount) for c in rating.charges if c.kind == "minimum"
    } == {
        ("minimum", "starter", MARCH.start, Decimal(100)),
        ("minimum", "growth", APRIL.start, Decimal(200)),
    }


def test_two_plan_changes_in_one_day_by_the_second() -> None:
    # starter to 10 April 09:00 EDT (13:00Z: 249 h of 720), growth to 17:00 EDT (8 h),
    # starter again (463 h): the same plan twice is one plan, its shares add up.
    nine, five = "2026-04-10T09:00:00-04:00", "2026-04-10T17:00:00-04:00"
    assigned = [
        rk.Assignment("acme", STARTER, end=nine),
        rk.Assignment("acme", GROWTH, start=nine, end=five),
        rk.Assignment("acme", STARTER, start=five),
    ]
    rating = rk.rate(
        [seat("acme", "2026-04-10T14:00:00Z", 4, "s1")], assigned, span=APRIL, meters=METERS
    )
    fees = [(c.plan, c.amount) for c in rating.charges if c.kind == "fee"]
    assert [plan for plan, _ in fees] == ["starter", "growth", "starter"]
    assert close(fees[0][1], Fraction(49 * 249, 720))
    assert fees[1][1] == Decimal("1.1")  # 99 x 8/720
    assert close(fees[2][1], Fraction(49 * 463, 720))
    seats = [(c.plan, c.quantity) for c in rating.charges if c.meter == "seats"]
    assert [plan for plan, _ in seats] == ["starter", "growth", "starter"]
    for (_, quantity), hours in zip(seats, (249, 8, 463), strict=True):
        assert close(quantity, Fraction(4 * hours, 720))
    # the minimum: 100 x 712/720 for starter, 200 x 8/720 for growth, less the seats
    minimums = {c.plan: c.amount for c in rating.charges if c.kind == "minimum"}
    assert close(minimums["starter"], Fraction(100 * 712, 720) - Fraction(4 * 712, 720) * 10)
    assert close(minimums["growth"], Fraction(200 * 8, 720) - Fraction(4 * 8, 720) * 8)


def test_two_plan_changes_in_one_day_by_whole_days_leave_that_day_to_the_last_plan() -> None:
    by_days = {
        name: rk.Plan(
            name, "USD", MONTHS, [], fees=[rk.Fee("platform", fee)], proration="days", tz=TZ
        )
        for name, fee in (("starter", 49), ("growth", 99))
    }
    nine, five = "2026-04-10T09:00:00-04:00", "2026-04-10T17:00:00-04:00"
    assigned = [
        rk.Assignment("acme", by_days["starter"], end=nine),
        rk.Assignment("acme", by_days["growth"], start=nine, end=five),
        rk.Assignment("acme", by_days["starter"], start=five),
    ]
    fees = [(c.plan, c.amount) for c in rk.rate([], assigned, span=APRIL).charges]
    # 31 March .. 9 April: 10 days; growth holds no day's last instant; 10 .. 29 April: 20
    assert [plan for plan, _ in fees] == ["starter", "growth", "starter"]
    assert close(fees[0][1], Fraction(49, 3))
    assert fees[1] == ("growth", Decimal(0))
    assert close(fees[2][1], Fraction(98, 3))


def test_a_plan_change_at_the_dst_change() -> None:
    # 8 March 2026 03:00 EDT is the first instant after New York's gap (07:00Z):
    # 8 days and 2 hours (194 h) of March's 743 hours by the second, 8 of 31 days by days.
    change = "2026-03-08T03:00:00-04:00"
    assigned = [
        rk.Assignment("acme", STARTER, end=change),
        rk.Assignment("acme", GROWTH, start=change),
    ]
    fees = [
        (c.plan, c.amount) for c in rk.rate([], assigned, span=MARCH).charges if c.kind == "fee"
    ]
    assert close(fees[0][1], Fraction(49 * 194, 743))
    assert close(fees[1][1], Fraction(99 * 549, 743))
    days = {
        name: rk.Plan(
            name, "USD", MONTHS, [], fees=[rk.Fee("platform", fee)], proration="days", tz=TZ
        )
        for name, fee in (("starter", 49), ("growth", 99))
    }
    assigned = [
        rk.Assignment("acme", days["starter"], end=change),
        rk.Assignment("acme", days["growth"], start=change),
    ]
    fees = [(c.plan, c.amount) for c in rk.rate([], assigned, span=MARCH).charges]
    assert close(fees[0][1], Fraction(49 * 8, 31))
    assert close(fees[1][1], Fraction(99 * 23, 31))


def test_a_seat_reading_at_exactly_the_cycle_end_belongs_to_the_next_cycle() -> None:
    records = [
        seat("acme", "2026-04-05T00:00:00Z", 3, "s1"),
        seat("acme", APRIL.end.isoformat(), 50, "s2"),
    ]
    rating = rk.rate(
        records, STARTER, span=rk.Span(APRIL.start, "2026-05-31T04:00:00Z"), meters=METERS
    )
    assert [(c.cycle.start, c.quantity) for c in rating.charges if c.meter == "seats"] == [
        (APRIL.start, Decimal(3)),
        (APRIL.end, Decimal(50)),
    ]


def test_zero_seats_cost_nothing_and_the_fee_and_minimum_are_still_due() -> None:
    rating = rk.rate(
        [seat("acme", "2026-04-05T00:00:00Z", 0, "s1")], STARTER, span=APRIL, meters=METERS
    )
    assert sorted(by_kind(rating)) == [
        ("fee", "starter", "platform", Decimal(49)),
        ("minimum", "starter", None, Decimal(100)),
        ("usage", "starter", "seats", Decimal(0)),
    ]


def test_a_customer_starting_mid_month_pays_a_partial_first_cycle() -> None:
    # signs up at midnight 10 April in New York: 20 of April's 30 days
    signup = "2026-04-10T00:00:00-04:00"
    records = [seat("new", signup, 4, "s1"), call("new", "2026-04-12T00:00:00Z", 1000, "c1")]
    rating = rk.rate(
        records, [rk.Assignment("new", STARTER, start=signup)], span=APRIL, meters=METERS
    )
    got = {(c.kind, c.meter): c for c in rating.charges}
    assert close(got[("fee", "platform")].amount, Fraction(49 * 2, 3))
    assert close(got[("usage", "calls")].free, Fraction(2000, 3))  # 1000 x 2/3 free
    assert close(got[("usage", "calls")].amount, (1000 - Fraction(2000, 3)) * Fraction("0.002"))
    assert close(
        got[("usage", "seats")].amount, Fraction(4 * 2, 3) * 10
    )  # the peak for 2/3 of April


def test_a_cancelled_customer_is_not_charged_after_it_leaves() -> None:
    leaves = "2026-04-16T00:00:00-04:00"  # 16 of 30 days were its
    records = [
        call("gone", "2026-04-03T00:00:00Z", 2000, "c1"),
        call("gone", "2026-04-20T00:00:00Z", 900, "c2"),
    ]
    rating = rk.rate(
        records, [rk.Assignment("gone", STARTER, end=leaves)], span=APRIL, meters=METERS
    )
    got = {(c.kind, c.meter): c.amount for c in rating.charges}
    assert close(got[("fee", "platform")], Fraction(49 * 16, 30))
    assert close(got[("usage", "calls")], (2000 - Fraction(1000 * 16, 30)) * Fraction("0.002"))
    [anomaly] = rating.anomalies
    assert anomaly.kind == "unpriced"
    assert anomaly.record_ids == ("c2",)


def test_a_correction_after_a_downgrade_refunds_at_the_price_billed_never_more() -> None:
    # growth (0.0015 a call) to 15 April 12:00 EDT (31/60), then starter (0.002).
    # 10,000 calls under growth: 5000 x 31/60 = 7750/3 free, 22250/3 billed = 11.125.
    # -9,000 under starter take back growth's 22250/3 billed at 0.0015 (-11.125), then
    # 4750/3 of its free calls: 1,000 calls net, all free. At starter's price the refund
    # would have been 9000 x 0.002 = 18.00, more than was billed.
    noon = "2026-04-15T12:00:00-04:00"
    assigned = [rk.Assignment("acme", GROWTH, end=noon), rk.Assignment("acme", STARTER, start=noon)]
    records = [
        call("acme", "2026-04-05T00:00:00Z", 10000, "c1"),
        call("acme", "2026-04-20T00:00:00Z", -9000, "c2"),
    ]
    rating = rk.rate(records, assigned, span=APRIL, meters=METERS)
    calls = [(c.plan, c.quantity, c.amount) for c in rating.charges if c.meter == "calls"]
    assert calls == [
        ("growth", Decimal(10000), Decimal("11.125")),
        ("growth", Decimal(-9000), Decimal("-11.125")),
    ]
    invoice = rk.bill(rating, tz=TZ)[0]
    assert invoice.lines[0].amount == Decimal("0.00")


def test_prepaid_credits_pay_the_months_in_order() -> None:
    records = [
        seat("acme", "2026-03-05T00:00:00Z", 40, "s1"),
        call("acme", "2026-04-05T00:00:00Z", 30000, "c1"),
    ]
    rating = rk.rate(
        records,
        [rk.Assignment("acme", STARTER)],
        span=rk.Span(MARCH.start, APRIL.end),
        meters=METERS,
    )
    prepaid = rk.Credit("prepaid", "acme", 500, "USD", start=MARCH.start)
    march, april = rk.bill(rating, credits=[prepaid], tz=TZ)
    # March: 40 seats x 10 + 49 = 449.00, paid; April: (30000 - 1000) x 0.002 = 58 usage,
    # under the minimum of 100: 100 + 49 = 149.00, of which the 51.00 left pay part
    assert (march.subtotal, march.total) == (Decimal("449.00"), Decimal("0.00"))
    assert (april.subtotal, april.total) == (Decimal("149.00"), Decimal("98.00"))
    [left] = rk.credits_left([prepaid], [march])
    assert left.amount == Decimal("51.00")


def test_an_annual_allowance_billed_monthly_resets_on_the_signup_anniversary() -> None:
    leap = rk.cycles.monthly(tz=TZ, day=29)
    annual = rk.Plan(
        "annual",
        "USD",
        leap,
        [rk.PriceEntry("calls", "calls", rk.PerUnit("0.002"))],
        allowances=[rk.Allowance("calls", 120000, cycle=rk.cycles.yearly(tz=TZ, month=2, day=29))],
    )
    records = [
        call("x", f"2028-{month:02d}-15T00:00:00Z", 20000, f"a{month}") for month in range(3, 13)
    ]
    records += [
        call("x", f"2029-{month:02d}-15T00:00:00Z", 20000, f"b{month}") for month in range(1, 5)
    ]
    span = rk.Span("2028-02-29T05:00:00Z", "2029-04-29T04:00:00Z")
    rating = rk.rate(
        records, [rk.Assignment("x", annual, start=span.start)], span=span, meters=[CALLS]
    )
    amounts = [c.amount for c in rating.charges]
    # six months of 20,000 use the 120,000; the next six pay 40.000 each; the year from
    # 28 February 2029 (no 29th) frees them again
    assert amounts == [Decimal(0)] * 6 + [Decimal("40.000")] * 6 + [Decimal(0)] * 2


def test_three_candidate_plans_compared_on_the_same_usage() -> None:
    records = [
        seat("acme", "2026-04-05T00:00:00Z", 40, "s1"),
        call("acme", "2026-04-05T00:00:00Z", 30000, "c1"),
        seat("beta", "2026-04-05T00:00:00Z", 3, "s2"),
        call("beta", "2026-04-05T00:00:00Z", 200, "c2"),
    ]
    comparison = rk.compare_plans(
        records, {"starter": STARTER, "growth": GROWTH, "scale": SCALE}, span=APRIL, meters=METERS
    )
    # acme: starter 400 + 58 + 49 = 507; growth 320 + 25000 x 0.0015 + 99 = 456.50;
    #       scale 240 + 10000 x 0.001 + 299 = 549
    # beta: starter 30 + 0 + 49, minimum 70: 149; growth 24 + 99 + 176 = 299; scale 18 + 299 = 317
    assert [(r.account, r.candidate, r.total, r.difference, r.change) for r in comparison.rows] == [
        ("acme", "starter", Decimal("507.00"), Decimal("0.00"), "same"),
        ("acme", "growth", Decimal("456.50"), Decimal("-50.50"), "pays less"),
        ("acme", "scale", Decimal("549.00"), Decimal("42.00"), "pays more"),
        ("beta", "starter", Decimal("149.00"), Decimal("0.00"), "same"),
        ("beta", "growth", Decimal("299.00"), Decimal("150.00"), "pays more"),
        ("beta", "scale", Decimal("317.00"), Decimal("168.00"), "pays more"),
    ]
    assert comparison.totals() == {
        "starter": Decimal("656.00"),
        "growth": Decimal("755.50"),
        "scale": Decimal("866.00"),
    }


def test_a_stream_with_plan_changes_by_assign_states_what_the_batch_charges() -> None:
    records = [
        seat("acme", "2026-03-02T00:00:00Z", 12, "s1"),
        call("acme", "2026-03-05T00:00:00Z", 4000, "c1"),
        seat("acme", "2026-03-09T00:00:00Z", 20, "s2"),
        call("acme", "2026-03-12T00:00:00Z", 9000, "c2"),
        seat("acme", "2026-03-20T00:00:00Z", 7, "s3"),
        call("acme", "2026-03-25T00:00:00Z", 30000, "c3"),
    ]
    rater = rk.Rater(
        [rk.Assignment("acme", STARTER, start=MARCH.start)], METERS, start=MARCH.start, tz=TZ
    )
    stated = Fraction(0)
    rater.feed(records[:1])
    stated += Fraction(rater.statement("2026-03-08T06:00:00Z").total())
    rater.assign(
        rk.Assignment("acme", GROWTH, start="2026-03-08T03:00:00-04:00")
    )  # at the DST change
    rater.feed(records[1:3])
    stated += Fraction(rater.statement("2026-03-15T12:00:00Z").total())
    assigned = rater.assign(rk.Assignment("acme", SCALE, start="2026-03-15T09:00:00-04:00"))
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, METERS)
    stated += Fraction(rater.statement("2026-03-15T14:00:00Z").total())
    assigned = rater.assign(
        rk.Assignment("acme", STARTER, start="2026-03-15T18:00:00-04:00")
    )  # twice in a day
    rater.feed(records[3:])
    closing = rater.statement(MARCH.end)
    stated += Fraction(closing.total())
    batch = rk.rate(records, assigned, span=MARCH, meters=METERS)
    assert stated == Fraction(batch.total())
    assert (
        [invoice.total for invoice in closing.invoices]
        == [rk.bill(batch)[0].total]
        == [Decimal("331.64")]
    )
    assert [a.plan.id for a in assigned] == ["starter", "growth", "scale", "starter"]


def test_the_seat_meter_and_plan_round_trip_through_plan_data() -> None:
    for value in (SEATS, CALLS, STARTER, plan("growth")):
        assert rk.plandata.load(json.loads(json.dumps(rk.plandata.dump(value)))) == value


def test_a_year_from_a_29_february_signup_streamed_month_by_month_is_the_batch_year() -> None:
    leap = rk.cycles.monthly(tz=TZ, day=29)
    annual = rk.Plan(
        "annual",
        "USD",
        leap,
        [
            rk.PriceEntry("calls", "calls", rk.PerUnit("0.002")),
            rk.PriceEntry("seats", "seats", rk.PerUnit(10)),
        ],
        fees=[rk.Fee("platform", 100)],
        allowances=[rk.Allowance("calls", 120000, cycle=rk.cycles.yearly(tz=TZ, month=2, day=29))],
        minimums=[rk.Minimum(150)],
    )
    signup = "2028-02-29T09:30:00-05:00"  # 9.5 hours into the cycle of 29 February
    assigned = [rk.Assignment("x", annual, start=signup)]
    records = [call("x", f"2028-{m:02d}-15T00:00:00Z", 20000 + m, f"c{m}") for m in range(3, 13)]
    records += [call("x", f"2029-{m:02d}-15T00:00:00Z", 20000, f"d{m}") for m in range(1, 5)]
    records += [seat("x", f"2028-{m:02d}-20T00:00:00Z", m, f"s{m}") for m in range(3, 13)]
    records.append(seat("x", "2029-02-28T05:00:00Z", 99, "edge"))  # the instant the cycle starts
    first = leap.containing(signup)
    end = leap.containing("2029-04-01T00:00:00Z").end
    rater = rk.Rater(assigned, METERS, start=first.start, tz=TZ)
    stated, closed = Fraction(0), []
    for cycle in leap.spans(rk.Span(first.start, end)):
        rater.feed([r for r in records if us(cycle.start) <= r.at_us < us(cycle.end)])
        statement = rater.statement(cycle.end)
        stated += Fraction(statement.total())
        closed += [invoice.total for invoice in statement.invoices]
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, METERS)
    batch = rk.rate(records, assigned, span=rk.Span(first.start, end), meters=METERS)
    assert stated == Fraction(batch.total())
    assert closed == [invoice.total for invoice in rk.bill(batch, tz=TZ)]
    # The first cycle (695 hours, 685.5 of them on the plan): fee 100 x 685.5/695 = 98.63;
    # 3 seats x 10 x 685.5/695 = 29.59, topped up to 150 x 685.5/695 = 147.95; 20,003 calls
    # free (the year's 120,000 prorated to 8750.5 of its 8760 hours). The calls of March to
    # August use the year's allowance up; September's 20,009 calls cost 40.018 + 90 for 9
    # seats, under the minimum: 250.00. November: 110 + 40.022 = 150.022 over it, 250.02;
    # December: 120 + 40.024 + 100 = 260.02. The cycle of 28 February 2029 (no 29th) opens
    # a new year of free calls, and its 99 seats read at its first instant cost 990.
    assert closed == [Decimal("246.58")] + [Decimal("250.00")] * 7 + [
        Decimal("250.02"),
        Decimal("260.02"),
        Decimal("250.00"),
        Decimal("250.00"),
        Decimal("1090.00"),
        Decimal("250.00"),
    ]


def test_a_mean_of_seats_over_the_known_time_bills_a_partial_first_cycle_once() -> None:
    # 10 seats from the signup at midnight 15 April in New York: 15 of April's 30 days.
    signup = "2026-04-15T00:00:00-04:00"
    meters = [rk.Meter("seats", "seat", rk.TimeWeightedMean()), CALLS]
    records = [seat("new", signup, 10, "s1")]
    rating = rk.rate(
        records, [rk.Assignment("new", STARTER, start=signup)], span=APRIL, meters=meters
    )
    # the mean over the known half is 10, priced for the plan's half: 5 seat-months, 50
    assert [(c.quantity, c.amount) for c in rating.charges if c.meter == "seats"] == [
        (Decimal(5), Decimal(50))
    ]


def test_an_upgrade_and_a_cancellation_told_to_the_rater_at_cycle_boundaries() -> None:
    records = [
        seat("acme", "2026-03-05T00:00:00Z", 4, "s1"),
        seat("acme", APRIL.start.isoformat(), 9, "s2"),  # at the instant growth starts
        call("acme", APRIL.start.isoformat(), 6000, "c1"),
    ]
    rater = rk.Rater([rk.Assignment("acme", STARTER)], METERS, start=MARCH.start, tz=TZ)
    rater.feed(records[:1])
    march = rater.statement(APRIL.start)
    rater.assign(rk.Assignment("acme", GROWTH, start=APRIL.start))  # at the last watermark
    rater.feed(records[1:])
    april = rater.statement(APRIL.end)
    # cancelled at April's end: told again with that end, at the watermark
    assigned = rater.assign(rk.Assignment("acme", GROWTH, start=APRIL.start, end=APRIL.end))
    may = rater.statement("2026-05-31T04:00:00Z")
    assert [str(a) for a in assigned] == [
        "Assignment('acme', 'starter', end='2026-03-31T04:00:00Z')",
        "Assignment('acme', 'growth', start='2026-03-31T04:00:00Z', end='2026-04-30T04:00:00Z')",
    ]
    # March: 4 seats x 10 = 40 + fee 49, topped up to 100: 149. April on growth: 9 seats x 8
    # = 72, 1,000 calls past the 5,000 free x 0.0015 = 1.50, fee 99, topped up to 200: 299.
    # May: no plan, nothing.
    assert [invoice.total for invoice in march.invoices] == [Decimal("149.00")]
    assert [invoice.total for invoice in april.invoices] == [Decimal("299.00")]
    assert (may.lines, may.invoices, may.anomalies) == ((), (), ())
    batch = rk.rate(
        records, list(assigned), span=rk.Span(MARCH.start, "2026-05-31T04:00:00Z"), meters=METERS
    )
    assert Fraction(march.total()) + Fraction(april.total()) + Fraction(may.total()) == Fraction(
        batch.total()
    )


def test_prepaid_and_monthly_credits_pay_the_raters_closing_invoices_as_batch() -> None:
    noon = "2026-04-15T12:00:00-04:00"
    assigned = [rk.Assignment("acme", STARTER, end=noon), rk.Assignment("acme", GROWTH, start=noon)]
    records = [
        seat("acme", "2026-03-05T00:00:00Z", 40, "s1"),
        call("acme", "2026-04-05T00:00:00Z", 30000, "c1"),
    ]
    granted = [
        rk.Credit("prepaid", "acme", 500, "USD", start=MARCH.start),
        rk.Credit("monthly", "acme", 20, "USD", start=MARCH.start, renews=True, priority=1),
    ]
    rater = rk.Rater(assigned, METERS, start=MARCH.start, tz=TZ)
    rater.feed(records)
    closing = [*rater.statement(APRIL.start).invoices, *rater.statement(APRIL.end).invoices]
    streamed = rk.apply_credits(closing, granted)
    batch = rk.bill(
        rk.rate(records, assigned, span=rk.Span(MARCH.start, APRIL.end), meters=METERS),
        credits=granted,
    )
    # March: 40 x 10 + 49 = 449.00, paid by 20 monthly and 429 prepaid (71 left). April:
    # starter's 29,483.33 calls past its 516.67 free x 0.002 = 58.97, fees 25.32 + 47.85 =
    # 73.17, growth's commitment 200 x 29/60 = 96.67 with nothing spent: 228.81, less 20
    # and the last 71: 137.81.
    assert [(i.subtotal, i.total) for i in streamed] == [
        (Decimal("449.00"), Decimal("0.00")),
        (Decimal("228.81"), Decimal("137.81")),
    ]
    assert [i.credits for i in streamed] == [i.credits for i in batch]
    assert [i.total for i in streamed] == [i.total for i in batch]
