"""Peers' worked examples of plans: proration, commitments, aggregations, progressive billing.

Lago's and Stripe's documented figures for plan changes, trials, minimum commitments
and spending minimums, Lago's aggregation examples (weighted sum, latest, max, unique
count), progressive billing, and the rating bugs other billing systems reported (DST
proration, events on the boundary, duplicates, late events), each reproduced with
ratekit from its docs alone. The pages and threads are cited by address.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
JANUARY = rk.Span("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")
FEBRUARY = rk.Span("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
CALLS = rk.Meter("calls", "call", rk.Discrete())


def _subscription(name: str, fee: int, proration: str = "days") -> rk.Plan:
    return rk.Plan(name, "EUR", MONTHS, [], fees=[rk.Fee("subscription", fee)], proration=proration)


# --- upgrades, downgrades and trials --------------------------------------------------


def test_lago_upgrade_in_arrears_mid_january() -> None:
    # Lago, upgrades and downgrades
    # (https://getlago.com/docs/guide/subscriptions/upgrades-downgrades): plan A at 100 a
    # month in arrears from 1 January, upgraded on 15 January to plan B at 200. Lago bills
    # A for 14 days, 14/31 x 100 = 45.16, and B for the rest of the month, 17/31 x 200 =
    # 109.677... = 109.68: 154.84 for January.
    assignments = [
        rk.Assignment("acme", _subscription("a", 100), end="2026-01-15T00:00:00Z"),
        rk.Assignment("acme", _subscription("b", 200), start="2026-01-15T00:00:00Z"),
    ]
    rating = rk.rate([], assignments, span=JANUARY)
    shares = {charge.plan: Fraction(charge.amount) for charge in rating.charges}
    # Exact to the 60th digit: 100 x 14/31 and 200 x 17/31.
    assert abs(shares["a"] - Fraction(1400, 31)) < Fraction(1, 10**50)
    assert abs(shares["b"] - Fraction(3400, 31)) < Fraction(1, 10**50)
    assert round(shares["a"], 2) == Fraction("45.16")
    assert round(shares["b"], 2) == Fraction("109.68")
    [invoice] = rk.bill(rating)
    # One line for the fee over both plans: 1400/31 + 3400/31 = 4800/31 = 154.838...
    assert invoice.total == Decimal("154.84")


def test_lago_trial_of_five_days_in_april() -> None:
    # Lago, plan model (https://docs.getlago.com/guide/plans/plan-model): a monthly plan of
    # 50 with a 5-day trial, subscribed on 1 April, is billed for 6 to 30 April:
    # 50 x 25/30 = 41.67. In ratekit a trial is an assignment that starts after it.
    plan = rk.Plan("trial", "USD", MONTHS, [], fees=[rk.Fee("subscription", 50)], proration="days")
    rating = rk.rate([], [rk.Assignment("acme", plan, start="2026-04-06T00:00:00Z")], span=APRIL)
    assert rk.bill(rating)[0].total == Decimal("41.67")


def test_stripe_upgrade_halfway_through_the_period() -> None:
    # Stripe, prorations (https://stripe.com/docs/billing/subscriptions/prorations): from 10
    # to 20 a month halfway through the period: -5 for the unused half of the old price and
    # 10 for the new price's half, 5 more on top of the 10 paid in advance: 15 for the
    # period. ratekit bills in arrears: 10 x 1/2 + 20 x 1/2 = 15, the same total.
    assignments = [
        rk.Assignment("acme", _subscription("basic", 10, "seconds"), end="2026-04-16T00:00:00Z"),
        rk.Assignment("acme", _subscription("plus", 20, "seconds"), start="2026-04-16T00:00:00Z"),
    ]
    rating = rk.rate([], assignments, span=APRIL)
    assert [(charge.plan, charge.amount) for charge in rating.charges] == [
        ("basic", Decimal(5)),
        ("plus", Decimal(10)),
    ]
    assert rk.bill(rating)[0].total == Decimal("15.00")


# --- minimum commitments --------------------------------------------------------------


def _three_units() -> list[rk.Sample]:
    return [rk.Sample("acme", "app", "units", "2026-04-10T00:00:00Z", 3, id="u1")]


UNITS = rk.Meter("units", "unit", rk.Discrete())


def test_lago_minimum_commitment_counting_the_subscription_fee() -> None:
    # Lago, minimum spend (https://github.com/getlago/lago-api/pull/1787): a monthly plan
    # of 50 with 10 per unit and a commitment of 100; 3 units: 50 + 3 x 10 = 80, a true-up
    # of 20, 100 in all. Lago counts the subscription fee towards the commitment
    # (https://getlago.com/docs/guide/plans/commitment.md). In ratekit a recurring Fee does
    # not count (docs/pricing.md, Plans), a Flat price (a base) does: written as a Flat
    # entry, the subscription gives Lago's figure.
    plan = rk.Plan(
        "committed",
        "USD",
        MONTHS,
        [
            rk.PriceEntry("units", "units", rk.PerUnit(10)),
            rk.PriceEntry("subscription", "subscription", rk.Flat(50)),
        ],
        minimums=[rk.Minimum(100)],
    )
    rating = rk.rate(_three_units(), plan, span=APRIL, meters=[UNITS])
    assert sorted((charge.kind, charge.amount) for charge in rating.charges) == [
        ("fee", Decimal(50)),
        ("minimum", Decimal(20)),
        ("usage", Decimal(30)),
    ]
    assert rk.bill(rating)[0].total == Decimal("100.00")


def test_a_recurring_fee_does_not_count_towards_a_minimum_as_documented() -> None:
    # The same plan with the subscription as a recurring Fee: ratekit's documented rule
    # (a fee is not spending on usage) tops the usage up to the commitment on its own,
    # 30 + 70, and the fee comes on top: 150. Not Lago's 100, by design: a newcomer
    # migrating Lago plans must write the subscription as a Flat entry.
    plan = rk.Plan(
        "committed",
        "USD",
        MONTHS,
        [rk.PriceEntry("units", "units", rk.PerUnit(10))],
        fees=[rk.Fee("subscription", 50)],
        minimums=[rk.Minimum(100)],
    )
    rating = rk.rate(_three_units(), plan, span=APRIL, meters=[UNITS])
    assert sorted((charge.kind, charge.amount) for charge in rating.charges) == [
        ("fee", Decimal(50)),
        ("minimum", Decimal(70)),
        ("usage", Decimal(30)),
    ]
    assert rk.bill(rating)[0].total == Decimal("150.00")


def test_lago_spending_minimum_of_one_charge() -> None:
    # Lago, spending minimums (https://getlago.com/docs/guide/plans/charges/spending-minimum):
    # 0.010 per tracked user, a spending minimum of 100 on that charge; 50 of usage (5,000
    # users) gets a true-up of 50.
    plan = rk.Plan(
        "mtu",
        "USD",
        MONTHS,
        [rk.PriceEntry("mtu", "mtu", rk.PerUnit("0.010"))],
        minimums=[rk.Minimum(100, meter="mtu")],
    )
    users = [rk.Sample("acme", "app", "mtu", "2026-04-10T00:00:00Z", 5000, id="m1")]
    rating = rk.rate(users, plan, span=APRIL, meters=[rk.Meter("mtu", "user", rk.Discrete())])
    assert [(charge.kind, charge.amount) for charge in rating.charges] == [
        ("usage", Decimal("50.000")),
        ("minimum", Decimal("50.000")),
    ]
    assert rk.bill(rating)[0].total == Decimal("100.00")


def test_lago_contract_minimum_below_and_above() -> None:
    # Lago, negotiated contract billing
    # (https://getlago.com/docs/guide/lago-cloud/contract-billing.md): a monthly minimum of
    # 1,000; 800 of usage gets a true-up of 200, 1,300 of usage none.
    plan = rk.Plan(
        "contract",
        "USD",
        MONTHS,
        [rk.PriceEntry("spend", "spend", rk.PerUnit(1))],
        minimums=[rk.Minimum(1000)],
    )
    spend = rk.Meter("spend", "USD", rk.Discrete())
    for used, true_up, total in [(800, "200", "1000.00"), (1300, None, "1300.00")]:
        records = [rk.Sample("acme", "app", "spend", "2026-04-10T00:00:00Z", used, id="s")]
        rating = rk.rate(records, plan, span=APRIL, meters=[spend])
        minimums = [charge.amount for charge in rating.charges if charge.kind == "minimum"]
        assert minimums == ([] if true_up is None else [Decimal(true_up)])
        assert rk.bill(rating)[0].total == Decimal(total)


# --- aggregations ---------------------------------------------------------------------


def test_lago_weighted_sum_of_storage_over_a_31_day_month() -> None:
    # Lago, weighted sum (https://docs.getlago.com/guide/billable-metrics/aggregation-types/weighted-sum):
    # in a month of 2,678,400 s, 20 GB held for a day (86,400 s), then 30 GB for the 15
    # days to the month's end (1,296,000 s): 20 x 86400/2678400 + 30 x 1296000/2678400 =
    # 0.6451... + 14.5161... = 15.1612903226. That is 470/31 exactly: ratekit's
    # TimeWeightedMean over the period (no level before the first reading counts as 0)
    # gives it to the 60th digit, where Lago rounds to ten places.
    storage = rk.Meter("storage", "GB", rk.TimeWeightedMean(over="period"))
    readings = [
        rk.Sample("acme", "bucket", "storage", "2026-01-16T00:00:00Z", 20, kind="gauge", id="g1"),
        rk.Sample("acme", "bucket", "storage", "2026-01-17T00:00:00Z", 30, kind="gauge", id="g2"),
    ]
    usage = rk.meter(readings, [storage], span=JANUARY, cycle=MONTHS, as_of=JANUARY.end)
    [row] = usage.rows
    assert abs(Fraction(row.quantity) - Fraction(470, 31)) < Fraction(1, 10**57)
    assert row.quantity.quantize(Decimal("1E-10")) == Decimal("15.1612903226")


def test_lago_latest_aggregation_takes_the_last_value() -> None:
    # Lago, latest aggregation (https://getlago.com/changelog/latest-aggregation-type):
    # storage events of 5, 7 then 6 GB: the period's usage is 6, the last received.
    readings = [
        rk.Sample("acme", "b", "gb", f"2026-01-0{day}T00:00:00Z", gb, kind="gauge", id=f"l{day}")
        for day, gb in [(2, 5), (3, 7), (4, 6)]
    ]
    for policy, figure in [(rk.Latest(), 6), (rk.Max(), 7)]:
        usage = rk.meter(
            readings, [rk.Meter("gb", "GB", policy)], span=JANUARY, cycle=MONTHS, as_of=JANUARY.end
        )
        assert usage.total("gb") == Decimal(figure)


def test_unique_count_of_one_resource_counts_distinct_users() -> None:
    # Lago's unique count (https://getlago.com/docs/guide/introduction/welcome-to-lago):
    # the number of distinct values of a property. Users 101, 102, 101, 103 in the month
    # are 3 distinct users. ratekit reads numbers only (a user id must be mapped to one)
    # and counts per resource (docs/usage.md: per-resource aggregates add up): one
    # resource per account gives Lago's count.
    readings = [
        rk.Sample(
            "acme", "app", "users", f"2026-01-0{day}T00:00:00Z", user, kind="gauge", id=f"u{day}"
        )
        for day, user in [(2, 101), (3, 102), (4, 101), (5, 103)]
    ]
    users = rk.Meter("users", "user", rk.UniqueCount())
    usage = rk.meter(readings, [users], span=JANUARY, cycle=MONTHS, as_of=JANUARY.end)
    assert usage.total("users") == Decimal(3)


def test_a_textual_user_id_is_refused_with_a_message_that_says_why() -> None:
    # A Lago or OpenMeter event carries user ids as strings; ratekit's sample value is a
    # number and says so.
    with pytest.raises(rk.BadQuantityError) as refused:
        rk.Sample("acme", "app", "users", "2026-01-02T00:00:00Z", "user-42", kind="gauge", id="x")
    assert str(refused.value) == (
        "sample 'x' value 'user-42' is not a decimal number; write it like '12.5' or '1e9'."
    )


# --- progressive billing --------------------------------------------------------------


def test_progressive_billing_invoices_telescope_to_the_period_price() -> None:
    # Lago (https://getlago.com/docs/guide/plans/progressive-billing.md) and OpenMeter
    # (https://openmeter.io/docs/billing/invoicing/progressive-billing) invoice usage as it
    # crosses thresholds; OpenMeter excludes volume tiers from it. With Lago's graduated
    # API table (1, 0.50, 0.10), calls arriving as 80, 70 and 100 are invoiced
    # 80 x 1 = 80; 20 x 1 + 50 x 0.50 = 45; 50 x 0.50 + 50 x 0.10 = 30; 155 in all, the
    # price of 250 calls.
    calls = rk.Graduated([rk.Tier(100, "1"), rk.Tier(200, "0.50"), rk.Tier(None, "0.10")])
    invoices = [calls.marginal(0, 80), calls.marginal(80, 70), calls.marginal(150, 100)]
    assert invoices == [Decimal(80), Decimal("45.00"), Decimal("30.00")]
    assert calls.amount(0) + sum(invoices) == calls.amount(250) == Decimal("155.00")


def test_progressive_billing_under_a_volume_price_gives_money_back() -> None:
    # Why OpenMeter keeps volume tiers out of progressive billing: under Lago's volume
    # table, 10,000 calls cost 10 + 10 = 20; 10,001 cost 10,001 x 0.0008 + 10 = 18.0008.
    # The 10,001st call's marginal price is -1.9992: a refund. ratekit says so rather than
    # clamp it, so the invoices still add up to the period's price.
    volume = rk.Volume(
        [
            rk.Tier(10000, "0.0010", flat=10),
            rk.Tier(50000, "0.0008", flat=10),
            rk.Tier(None, "0.0006", flat=10),
        ]
    )
    assert volume.marginal(10000, 1) == Decimal("-1.9992")
    assert volume.amount(0) + volume.marginal(0, 10000) + volume.marginal(
        10000, 1
    ) == volume.amount(10001)


# --- peers' rating bugs ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("proration", "figure"),
    [("days", Decimal("17.00")), ("seconds", Decimal("16.98"))],
)
def test_lago_dst_proration_bug_days_are_whole_days(proration: str, figure: Decimal) -> None:
    # Lago fixed a day proration that daylight saving time upset
    # (https://github.com/getlago/lago-api/pull/1438). A fee of 31 a month on a plan in
    # Europe/Paris that starts on 15 March at local midnight: by whole days it is due for
    # 17 of 31 days, 17.00, whatever the clocks do on the 29th. By seconds it is due for
    # 407 of March's 743 hours (17 x 24 - 1, the hour the clocks skip): 31 x 407/743 =
    # 16.9811..., 16.98.
    paris = rk.cycles.monthly(tz="Europe/Paris")
    march = paris.containing("2026-03-15T12:00:00Z")
    plan = rk.Plan(
        "p",
        "EUR",
        paris,
        [],
        fees=[rk.Fee("subscription", 31)],
        proration=proration,
        tz="Europe/Paris",
    )
    rating = rk.rate(
        [], [rk.Assignment("acme", plan, start="2026-03-15T00:00:00+01:00")], span=march
    )
    assert rk.bill(rating)[0].total == figure


def test_an_event_on_the_period_boundary_belongs_to_the_next_period_once() -> None:
    # Stripe attributes a meter event to the period holding its timestamp, and a review of
    # a Stripe integration (https://github.com/tuist/tuist/pull/11903) warns that usage
    # stamped at ingestion moves across cycles. Spans are half-open: 7 calls stamped at
    # exactly 1 February 00:00Z are February's, not January's, and counted once.
    calls = [rk.Sample("acme", "app", "calls", "2026-02-01T00:00:00Z", 7, id="b1")]
    both = rk.Span(JANUARY.start, FEBRUARY.end)
    usage = rk.meter(calls, [CALLS], span=both, cycle=MONTHS, as_of=both.end)
    assert [(row.cycle, row.quantity) for row in usage.rows] == [(FEBRUARY, Decimal(7))]
    in_january = rk.meter(calls, [CALLS], span=JANUARY, cycle=MONTHS, as_of=both.end)
    assert in_january.rows == ()


def test_a_replayed_event_is_billed_once() -> None:
    # Lago de-duplicates events by id; a webhook that minted a fresh id per delivery billed
    # one meeting four times (https://github.com/Vexa-ai/vexa/issues/330). The same record
    # delivered four times is billed once, and the three replays are reported.
    plan = rk.Plan("c", "USD", MONTHS, [rk.PriceEntry("c", "calls", rk.PerUnit(1))])
    delivery = rk.Sample("acme", "app", "calls", "2026-01-10T00:00:00Z", 7, id="t1")
    rating = rk.rate([delivery] * 4, plan, span=JANUARY, meters=[CALLS])
    assert rating.total() == Decimal(7)
    assert [anomaly.kind for anomaly in rating.anomalies] == ["duplicate"] * 3


def test_a_replay_with_other_content_is_refused_naming_both() -> None:
    plan = rk.Plan("c", "USD", MONTHS, [rk.PriceEntry("c", "calls", rk.PerUnit(1))])
    first = rk.Sample("acme", "app", "calls", "2026-01-10T00:00:00Z", 7, id="t1")
    other = rk.Sample("acme", "app", "calls", "2026-01-10T00:00:00Z", 8, id="t1")
    with pytest.raises(rk.ConflictingRecordError) as refused:
        rk.rate([first, other], plan, span=JANUARY, meters=[CALLS])
    message = str(refused.value)
    assert "'t1'" in message
    assert "'7'" in message
    assert "'8'" in message
    assert "new id" in message


def test_a_late_event_for_a_reported_period_is_a_correction_not_a_rewrite() -> None:
    # Lago and OpenMeter re-aggregate a period when a late event arrives before it is
    # invoiced; a bill already sent is changed by a credit note. The rater reports a
    # late record's effect as a reversal and a correction line: 7 calls reported on
    # 11 January, 3 more stamped on the 10th arrive on the 12th: -7, then 10.
    plan = rk.Plan(
        "c",
        "USD",
        MONTHS,
        [rk.PriceEntry("c", "calls", rk.Graduated([rk.Tier(8, 1), rk.Tier(None, "0.5")]))],
    )
    rater = rk.Rater(plan, [CALLS], start="2026-01-01T00:00:00Z", horizon=dt.timedelta(days=5))
    rater.feed([rk.Sample("acme", "app", "calls", "2026-01-10T00:00:00Z", 7, id="c1")])
    first = rater.statement("2026-01-11T00:00:00Z")
    assert [(line.role, line.quantity, line.amount) for line in first.lines] == [
        ("charge", Decimal(7), Decimal(7))
    ]
    feed = rater.feed([rk.Sample("acme", "app", "calls", "2026-01-10T06:00:00Z", 3, id="c2")])
    assert feed.accepted == ("c2",)
    second = rater.statement("2026-01-12T00:00:00Z")
    # 10 calls: 8 x 1 + 2 x 0.5 = 9.
    assert [(line.role, line.quantity, line.amount) for line in second.lines] == [
        ("reversal", Decimal(-7), Decimal(-7)),
        ("correction", Decimal(10), Decimal("9.0")),
    ]


# --- more of the same peers' rules ----------------------------------------------------


def test_lago_upgrade_in_the_afternoon_counts_the_day_for_the_new_plan() -> None:
    # Lago counts whole days: upgraded on 15 January, plan A is due for 14 days whatever
    # the hour. ratekit's day count gives the day of the change to the incoming plan
    # (docs/pricing.md): a change at 14:00Z bills A 100 x 14/31 and B 200 x 17/31, as the
    # change at midnight does.
    assignments = [
        rk.Assignment("acme", _subscription("a", 100), end="2026-01-15T14:00:00Z"),
        rk.Assignment("acme", _subscription("b", 200), start="2026-01-15T14:00:00Z"),
    ]
    rating = rk.rate([], assignments, span=JANUARY)
    shares = {charge.plan: Fraction(charge.amount) for charge in rating.charges}
    assert abs(shares["a"] - Fraction(1400, 31)) < Fraction(1, 10**50)
    assert abs(shares["b"] - Fraction(3400, 31)) < Fraction(1, 10**50)


def test_lago_spending_minimum_is_prorated_to_the_days_subscribed() -> None:
    # Lago prorates spending minimums by the days of the subscription
    # (https://getlago.com/docs/guide/plans/charges/spending-minimum): a minimum of 100
    # on a subscription from 16 April covers 15 of April's 30 days, 50; 2,000 users at
    # 0.01 spend 20, a true-up of 30.
    plan = rk.Plan(
        "mtu",
        "USD",
        MONTHS,
        [rk.PriceEntry("mtu", "mtu", rk.PerUnit("0.01"))],
        minimums=[rk.Minimum(100, meter="mtu")],
        proration="days",
    )
    users = [rk.Sample("acme", "app", "mtu", "2026-04-20T00:00:00Z", 2000, id="m1")]
    rating = rk.rate(
        users,
        [rk.Assignment("acme", plan, start="2026-04-16T00:00:00Z")],
        span=APRIL,
        meters=[rk.Meter("mtu", "user", rk.Discrete())],
    )
    assert [(charge.kind, charge.amount) for charge in rating.charges] == [
        ("usage", Decimal("20.00")),
        ("minimum", Decimal("30.00")),
    ]
    assert rk.bill(rating)[0].total == Decimal("50.00")


def test_usage_over_a_span_across_the_period_boundary_is_shared_by_time() -> None:
    # Stripe attributes a meter event to the period of its timestamp; a delta that says
    # the span it was used over is shared between the periods by time (DESIGN 3.5):
    # 100 GB sent from noon on 31 January to noon on 1 February bill 50 in each month.
    plan = rk.Plan("gb", "USD", MONTHS, [rk.PriceEntry("gb", "gb", rk.PerUnit(1))])
    sent = [
        rk.Sample(
            "acme", "ip", "gb", "2026-02-01T12:00:00Z", 100, since="2026-01-31T12:00:00Z", id="d1"
        )
    ]
    both = rk.Span(JANUARY.start, FEBRUARY.end)
    rating = rk.rate(sent, plan, span=both, meters=[rk.Meter("gb", "GB", rk.Discrete())])
    assert [(invoice.cycle, invoice.total) for invoice in rk.bill(rating)] == [
        (JANUARY, Decimal("50.00")),
        (FEBRUARY, Decimal("50.00")),
    ]


def test_an_event_at_month_end_in_the_customers_timezone() -> None:
    # Lago bills on the customer's timezone: 23:30Z on 31 January is 00:30 on
    # 1 February in Paris, so it is February's usage on a Paris calendar.
    paris = rk.cycles.monthly(tz="Europe/Paris")
    plan = rk.Plan("paris", "EUR", paris, [rk.PriceEntry("calls", "calls", rk.PerUnit(1))])
    calls = [rk.Sample("acme", "app", "calls", "2026-01-31T23:30:00Z", 5, id="x")]
    both = rk.Span("2025-12-31T23:00:00Z", "2026-02-28T23:00:00Z")
    rating = rk.rate(calls, plan, span=both, meters=[CALLS])
    assert [(charge.cycle, charge.amount) for charge in rating.charges] == [
        (rk.Span("2026-01-31T23:00:00Z", "2026-02-28T23:00:00Z"), Decimal(5))
    ]


def test_lago_recurring_weighted_sum_carries_its_level_into_the_next_month() -> None:
    # Lago's weighted sum may be recurring: the level at a period's end carries over.
    # The 30 GB of the January example hold all February: February's mean is 30.
    storage = rk.Meter("storage", "GB", rk.TimeWeightedMean(over="period"))
    readings = [
        rk.Sample("acme", "bucket", "storage", "2026-01-16T00:00:00Z", 20, kind="gauge", id="g1"),
        rk.Sample("acme", "bucket", "storage", "2026-01-17T00:00:00Z", 30, kind="gauge", id="g2"),
    ]
    both = rk.Span(JANUARY.start, FEBRUARY.end)
    usage = rk.meter(readings, [storage], span=both, cycle=MONTHS, as_of=both.end)
    assert [(row.cycle, row.quantity.quantize(Decimal("1E-10"))) for row in usage.rows] == [
        (JANUARY, Decimal("15.1612903226")),
        (FEBRUARY, Decimal("30.0000000000")),
    ]


def test_lago_graduated_percentage_rated_over_a_month() -> None:
    # The graduated percentage example rated as a month of payments (500, 550 and
    # 4,000): the first tier's flat 200 is the base, due as a fee line; the usage line
    # is 1,000 x 1 % + 4,050 x 2 % + 300 = 391: 591 in all, Lago's figure.
    model = rk.GraduatedPercentage([(1000, "1", 200), (10000, "2", 300), (None, "3", 400)])
    plan = rk.Plan("payments", "USD", MONTHS, [rk.PriceEntry("pay", "volume", model)])
    payments = [
        rk.Sample("acme", "account", "volume", f"2026-04-{day:02d}T00:00:00Z", amount, id=f"t{day}")
        for day, amount in [(2, 500), (3, 550), (4, 4000)]
    ]
    rating = rk.rate(payments, plan, span=APRIL, meters=[rk.Meter("volume", "USD", rk.Discrete())])
    assert [(charge.kind, charge.amount) for charge in rating.charges] == [
        ("usage", Decimal("391.00")),
        ("fee", Decimal(200)),
    ]
    assert rk.bill(rating)[0].total == Decimal("591.00")


def test_a_late_event_after_the_period_closed_is_flagged_late() -> None:
    # After a period is invoiced, Lago and Stripe change it only by a credit note or an
    # adjustment on a later invoice. January closed at 7.00 (horizon two days); 3 calls
    # of 20 January fed on 5 February are late: a reversal and a correction, both
    # marked late, for the next open invoice.
    plan = rk.Plan("c", "USD", MONTHS, [rk.PriceEntry("c", "calls", rk.PerUnit(1))])
    rater = rk.Rater(plan, [CALLS], start="2026-01-01T00:00:00Z", horizon=dt.timedelta(days=2))
    rater.feed([rk.Sample("acme", "app", "calls", "2026-01-10T00:00:00Z", 7, id="c1")])
    closing = rater.statement("2026-02-05T00:00:00Z")
    assert closing.closed == (JANUARY,)
    assert [invoice.total for invoice in closing.invoices] == [Decimal("7.00")]
    feed = rater.feed([rk.Sample("acme", "app", "calls", "2026-01-20T00:00:00Z", 3, id="c2")])
    assert feed.late == ("c2",)
    lines = rater.statement("2026-02-06T00:00:00Z").lines
    assert [(line.role, line.amount, line.late, line.cycle) for line in lines] == [
        ("reversal", Decimal(-7), True, JANUARY),
        ("correction", Decimal(10), True, JANUARY),
    ]
