"""An LLM API billed per token: a month of input and output tokens, rated and invoiced.

Read from the README, the pricing, invoices, streaming and experiments pages only. A
meter per model and direction (``small.in``, ``small.out``, ``large.in``, ...) counts
tokens as ``Discrete`` deltas; prices are quoted per 1,000 tokens and entered per token
(0.00015 per 1K is ``PerUnit("0.00000015")``); prices drop by a fifth on the 15th (an
entry of a higher priority that starts there); batch jobs pay half (a resource
described ``{"mode": "batch"}``, an entry with that selector and a higher priority); a
free tier of 1M input tokens a month is an ``Allowance`` prorated for a customer who
signs up mid-month; an enterprise customer has a commitment (``Minimum``) and a prepaid
credit. Each rule is worked by hand in the comments.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MARCH_APRIL = rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z")
DROP = "2026-03-15T00:00:00Z"
METERS = [rk.Meter(f"small.{way}", "token", rk.Discrete()) for way in ("in", "out")]
PER_1K = {"in": Decimal("0.00015"), "out": Decimal("0.0006")}


def per_token(way: str, factor: Decimal = Decimal(1)) -> Decimal:
    return PER_1K[way] * factor / 1000


def entries() -> list[rk.PriceEntry]:
    """Four layers per meter: list price, batch half price, the drop, the drop's half."""
    out = []
    for way in ("in", "out"):
        meter = f"small.{way}"
        out += [
            rk.PriceEntry(meter, meter, rk.PerUnit(per_token(way))),
            rk.PriceEntry(
                f"{meter}.batch",
                meter,
                rk.PerUnit(per_token(way, Decimal("0.5"))),
                where={"mode": "batch"},
                priority=1,
            ),
            rk.PriceEntry(
                f"{meter}.drop",
                meter,
                rk.PerUnit(per_token(way, Decimal("0.8"))),
                start=DROP,
                priority=2,
            ),
            rk.PriceEntry(
                f"{meter}.drop.batch",
                meter,
                rk.PerUnit(per_token(way, Decimal("0.4"))),
                where={"mode": "batch"},
                start=DROP,
                priority=3,
            ),
        ]
    return out


PAYG = rk.Plan("payg", "USD", MONTHS, entries(), allowances=[rk.Allowance("small.in", 1_000_000)])
LIST = rk.Plan("list", "USD", MONTHS, entries())
ENTERPRISE = rk.Plan("enterprise", "USD", MONTHS, entries(), minimums=[rk.Minimum(50)])


def used(
    account: str, at: str, tokens: int | str, *, way: str = "in", resource: str = "chat", key: str
) -> rk.Sample:
    return rk.Sample(account, resource, f"small.{way}", at, tokens, id=key)


def test_one_token_is_priced_exactly_and_invoiced_at_zero_cents() -> None:
    # 0.00015 per 1K = 0.00000015 a token: 1 token is 1.5E-7, exact; the line rounds to 0.00
    rating = rk.rate(
        [used("a", "2026-03-02T00:00:00Z", 1, key="s")], LIST, span=MARCH, meters=METERS
    )
    [charge] = rating.charges
    assert charge.amount == Decimal("0.00000015")
    [invoice] = rk.bill(rating)
    assert invoice.total == Decimal("0.00")
    assert invoice.precise_total == Decimal("0.00000015")


def test_a_trillion_tokens_cost_a_trillion_times_the_token_price() -> None:
    # 10^12 x 0.00000015 = 150,000.00 (input); 10^12 x 0.0000006 = 600,000.00 (output)
    records = [
        used("a", "2026-03-02T00:00:00Z", 10**12, key="in"),
        used("a", "2026-03-02T00:00:00Z", 10**12, way="out", key="out"),
    ]
    [invoice] = rk.bill(rk.rate(records, LIST, span=MARCH, meters=METERS))
    assert [line.amount for line in invoice.lines] == [Decimal("150000.00"), Decimal("600000.00")]
    assert invoice.total == Decimal("750000.00")


def test_a_price_with_ten_decimal_places_per_1k_keeps_every_digit() -> None:
    # 0.0001234567891 per 1K is 1.234567891E-7 a token; 10^9 tokens cost 123.4567891, line 123.46
    price = Decimal("0.0001234567891") / 1000
    plan = rk.Plan("p", "USD", MONTHS, [rk.PriceEntry("in", "small.in", rk.PerUnit(price))])
    rating = rk.rate(
        [used("a", "2026-03-02T00:00:00Z", 10**9, key="s")], plan, span=MARCH, meters=METERS
    )
    [charge] = rating.charges
    assert charge.amount == Decimal("123.4567891")
    [invoice] = rk.bill(rating)
    assert invoice.total == Decimal("123.46")
    # the invoice's text writes the unit price out in plain digits, not 1.234567891E-7
    assert "0.0000001234567891" in str(invoice)


def test_the_price_drop_takes_the_record_stamped_at_its_instant() -> None:
    # spans are half-open: a record at 15 March 00:00:00 is under the new price (0.00000012),
    # one a microsecond before under the old (0.00000015): 1M each, 0.15 + 0.12 = 0.27
    records = [
        used("a", "2026-03-14T23:59:59.999999Z", 1_000_000, key="before"),
        used("a", DROP, 1_000_000, key="at"),
    ]
    rating = rk.rate(records, LIST, span=MARCH, meters=METERS)
    assert [(c.entry, c.amount) for c in rating.charges] == [
        ("small.in", Decimal("0.15000000")),
        ("small.in.drop", Decimal("0.120000000")),
    ]
    assert rk.bill(rating)[0].total == Decimal("0.27")


def test_batch_jobs_pay_half_before_and_after_the_drop() -> None:
    # the job is described {"mode": "batch"} from 1 March: 2M input tokens on 2 March at
    # 0.000000075 = 0.15, 2M on 20 March at 0.00000006 = 0.12; 1M output tokens of the chat
    # on 20 March at the dropped list price 0.00000048 = 0.48
    records = [
        rk.Event(
            "a", "job-7", "2026-03-01T00:00:00Z", {"mode": "batch"}, kind="update", id="describe"
        ),
        used("a", "2026-03-02T00:00:00Z", 2_000_000, resource="job-7", key="b1"),
        used("a", "2026-03-20T00:00:00Z", 2_000_000, resource="job-7", key="b2"),
        used("a", "2026-03-20T00:00:00Z", 1_000_000, way="out", key="c1"),
    ]
    [invoice] = rk.bill(rk.rate(records, LIST, span=MARCH, meters=METERS))
    assert [(line.entry, line.amount) for line in invoice.lines] == [
        ("small.in.batch", Decimal("0.15")),
        ("small.in.drop.batch", Decimal("0.12")),
        ("small.out.drop", Decimal("0.48")),
    ]
    assert invoice.total == Decimal("0.75")


def test_the_free_tier_is_prorated_for_a_customer_who_signs_up_mid_month() -> None:
    # signed up 10 March 00:00: 22 of March's 31 days, 1M x 22/31 = 22,000,000/31 free tokens;
    # 2M used on 12 March: 2M - 22M/31 = 40M/31 billed at 0.00000015 = 6/31 = 0.1935..., 0.19
    signup = [rk.Assignment("new", PAYG, start="2026-03-10T00:00:00Z")]
    rating = rk.rate(
        [used("new", "2026-03-12T00:00:00Z", 2_000_000, key="s")], signup, span=MARCH, meters=METERS
    )
    [charge] = rating.charges
    assert abs(Fraction(charge.free) - Fraction(22_000_000, 31)) < Fraction(1, 10**50)
    assert abs(Fraction(charge.amount) - Fraction(6, 31)) < Fraction(1, 10**55)
    assert rk.bill(rating)[0].total == Decimal("0.19")


def test_a_refund_larger_than_the_usage_so_far_refunds_billed_then_free_then_below_zero() -> None:
    # pricing.md "Corrections and allowances": a correction takes back billed units, then free
    # ones, then goes below zero, which PerUnit refunds. Signed up 10 March (22M/31 free);
    # 2M on 12 March (40M/31 billed, 6/31); -3M on 20 March takes back the 40M/31 billed at
    # the price they were billed at (-6/31), the 22M/31 free, and -1M below zero at the
    # price of 20 March, 0.00000012: -0.12. March: 6/31 - 6/31 - 0.12 = -0.12
    signup = [rk.Assignment("new", PAYG, start="2026-03-10T00:00:00Z")]
    records = [
        used("new", "2026-03-12T00:00:00Z", 2_000_000, key="use"),
        used("new", "2026-03-20T00:00:00Z", -3_000_000, key="refund"),
    ]
    rating = rk.rate(records, signup, span=MARCH, meters=METERS)
    assert sum(Fraction(c.amount) for c in rating.charges) == Fraction(-12, 100)
    assert rk.bill(rating)[0].total == Decimal("-0.12")


def test_a_refund_below_zero_under_tiers_is_priced_at_zero_with_an_anomaly() -> None:
    # a price by total cannot price below zero: 1,000 tokens, then -3,000: the month is 0.00
    # and a negative_total anomaly names the records
    tiers = rk.Graduated([rk.Tier(1000, "0.000001"), rk.Tier(None, "0.0000005")])
    plan = rk.Plan("t", "USD", MONTHS, [rk.PriceEntry("in", "small.in", tiers)])
    records = [
        used("a", "2026-03-02T00:00:00Z", 1000, key="use"),
        used("a", "2026-03-03T00:00:00Z", -3000, key="refund"),
    ]
    rating = rk.rate(records, plan, span=MARCH, meters=METERS)
    assert rk.bill(rating)[0].total == Decimal("0.00")
    assert [a.kind for a in rating.anomalies] == ["negative_total"]


def test_a_refund_stamped_next_month_does_not_reopen_the_month_it_refunds() -> None:
    # pricing.md: "An earlier billing cycle's invoice is not reopened". 1M tokens on 31 March
    # (0.12 at the dropped price), refunded by -1M stamped 1 April 03:00: March bills 0.12;
    # April's -1M has no usage to net against yet (priced 0, negative_total); 2M used on
    # 10 April net to 1M: 0.12
    tiers = rk.Graduated([rk.Tier(None, "0.00000012")])
    plan = rk.Plan("t", "USD", MONTHS, [rk.PriceEntry("in", "small.in", tiers)])
    records = [
        used("a", "2026-03-31T23:00:00Z", 1_000_000, key="use"),
        used("a", "2026-04-01T03:00:00Z", -1_000_000, key="refund"),
    ]
    rating = rk.rate(records, plan, span=MARCH_APRIL, meters=METERS)
    assert [i.total for i in rk.bill(rating)] == [Decimal("0.12"), Decimal("0.00")]
    assert [a.kind for a in rating.anomalies] == ["negative_total"]
    later = [*records, used("a", "2026-04-10T00:00:00Z", 2_000_000, key="more")]
    rating = rk.rate(later, plan, span=MARCH_APRIL, meters=METERS)
    assert [i.total for i in rk.bill(rating)] == [Decimal("0.12"), Decimal("0.12")]
    assert rating.anomalies == ()


def test_the_enterprise_commitment_tops_up_and_a_prepaid_credit_pays_it() -> None:
    # 10^8 output tokens on 2 March at 0.0000006 = 60.00 over the 50 commitment: no top-up;
    # 10^6 in April at the dropped list price... April has the drop too (the entry has no
    # end): 10^6 x 0.00000012 = 0.12, top-up 50 - 0.12 = 49.88, April 50.00. A prepaid
    # credit of 100: March 60.00 paid whole (40.00 left), April 40.00 of 50.00 (10.00 due)
    plans = [rk.Assignment("corp", ENTERPRISE, start="2026-03-01T00:00:00Z")]
    records = [
        used("corp", "2026-03-02T00:00:00Z", 10**8, way="out", key="m"),
        used("corp", "2026-04-02T00:00:00Z", 10**6, key="a"),
    ]
    prepaid = rk.Credit("prepaid", "corp", 100, "USD", start="2026-03-01T00:00:00Z")
    march, april = rk.bill(
        rk.rate(records, plans, span=MARCH_APRIL, meters=METERS), credits=[prepaid]
    )
    assert (march.subtotal, march.total) == (Decimal("60.00"), Decimal("0.00"))
    assert [(line.kind, line.amount) for line in april.lines] == [
        ("usage", Decimal("0.12")),
        ("minimum", Decimal("49.88")),
    ]
    assert (april.subtotal, april.total) == (Decimal("50.00"), Decimal("10.00"))


def test_a_refund_after_a_plan_switch_goes_back_to_the_plan_that_billed_it() -> None:
    # payg (1M free a month) to 20 March, enterprise (no free tier, 50 commitment) after.
    # payg covers 19 of 31 days: 19M/31 free. 2M on 2 March: 2M - 19M/31 = 43M/31 billed at
    # 0.00000015 = 6.45/31. A refund of -1M on 25 March takes back payg's last 1M billed units
    # at payg's price, -0.15 (pricing.md "Corrections across a change of plan"): payg's part
    # is (43M/31 - 1M) x 0.00000015 = 1.8/31 = 0.058..., 0.06; enterprise bills its prorated
    # commitment, 50 x 12/31 = 19.354..., 19.35. March: 0.06 + 19.35 = 19.41
    plans = [
        rk.Assignment("mover", PAYG, start="2026-03-01T00:00:00Z", end="2026-03-20T00:00:00Z"),
        rk.Assignment("mover", ENTERPRISE, start="2026-03-20T00:00:00Z"),
    ]
    records = [
        used("mover", "2026-03-02T00:00:00Z", 2_000_000, key="use"),
        used("mover", "2026-03-25T00:00:00Z", -1_000_000, key="refund"),
    ]
    rating = rk.rate(records, plans, span=MARCH, meters=METERS)
    by_plan: dict[str, Fraction] = {}
    for charge in rating.charges:
        by_plan[charge.plan] = by_plan.get(charge.plan, Fraction(0)) + Fraction(charge.amount)
    assert abs(by_plan["payg"] - Fraction(18, 310)) < Fraction(1, 10**55)
    [invoice] = rk.bill(rating)
    assert invoice.total == Decimal("19.41")


def test_two_candidate_price_lists_compared_bill_what_rate_and_bill_give() -> None:
    # the analysts' comparison: list prices against a candidate at 0.0000001 a token flat.
    # 3M input tokens on 2 March: 0.45 listed, 0.30 proposed, a difference of -0.15
    flat = rk.Plan(
        "flat", "USD", MONTHS, [rk.PriceEntry("in", "small.in", rk.PerUnit("0.0000001"))]
    )
    records = [used("a", "2026-03-02T00:00:00Z", 3_000_000, key="s")]
    comparison = rk.compare_plans(records, {"list": LIST, "flat": flat}, span=MARCH, meters=METERS)
    assert [(r.candidate, r.total, r.difference, r.change) for r in comparison.rows] == [
        ("list", Decimal("0.45"), Decimal("0.00"), "same"),
        ("flat", Decimal("0.30"), Decimal("-0.15"), "pays less"),
    ]
    for name, plan in (("list", LIST), ("flat", flat)):
        assert (
            comparison.totals()[name]
            == rk.bill(rk.rate(records, plan, span=MARCH, meters=METERS))[0].total
        )
