"""What a backup service met at the edges of the numbers, each on its smallest input.

docs/guarantees.md (Numbers): "inputs that pass their doors never make rating or billing
raise for being small: a charge carries its amount (and its quantity and free part,
which rating cuts from inputs too) with at most 60 significant digits and, unless zero,
a magnitude from 1E-100". A gauge of 1E-30 GB (the smallest level `rk.Sample` accepts)
held for part of a month is a mean share below 1E-30, and 1E+25 MB held a month is
2.6784E+31 MB*second: rating carries both, and a linear price explains them, so the
charges' `tiers` and the invoices printed from them (a line split between two plans
prints its plans' tiers) work in batch and from the rater's closing alike. (They raised
`BadQuantityError` when a linear price checked its quantity against the input range.)
"""

from __future__ import annotations

from decimal import Decimal

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
STORAGE = rk.Meter("storage", "GB", rk.TimeWeightedMean(over="period"))
SWITCH = "2026-03-16T00:00:00Z"


def priced(name: str, price: str) -> rk.Plan:
    return rk.Plan(name, "EUR", MONTHS, [rk.PriceEntry("storage", "storage", rk.PerUnit(price))])


def tiny(at: str) -> rk.Sample:
    return rk.Sample("acme", "vault", "storage", at, "1E-30", kind="gauge", id="s1")


SWITCHED = [
    rk.Assignment("acme", priced("basic", "0.02"), end=SWITCH),
    rk.Assignment("acme", priced("pro", "0.01"), start=SWITCH),
]


def test_rating_carries_a_share_below_1e_30() -> None:
    # What holds: 1E-30 GB from 16 March is 1E-30 x 16/31 = 5.16...E-31 GB-month, at 0.02
    # the charge carries 1.032...E-32, and the invoice bills 0.00.
    rating = rk.rate([tiny(SWITCH)], priced("p", "0.02"), span=MARCH, meters=[STORAGE])
    (charge,) = rating.charges
    assert charge.quantity == Decimal(
        "5.16129032258064516129032258064516129032258064516129032258065E-31"
    )
    assert abs(
        charge.amount - Decimal("1.0322580645161290322580645161290322580645161290322580645161E-32")
    ) < Decimal("1E-90")
    assert rk.bill(rating)[0].total == Decimal("0.00")


def test_a_charge_of_a_tiny_share_explains_its_tiers() -> None:
    rating = rk.rate([tiny(SWITCH)], priced("p", "0.02"), span=MARCH, meters=[STORAGE])
    (charge,) = rating.charges
    (tier,) = charge.tiers
    assert tier.amount == charge.amount


def test_an_invoice_split_between_plans_prints_with_a_tiny_share() -> None:
    (invoice,) = rk.bill(
        rk.rate([tiny("2026-03-01T00:00:00Z")], SWITCHED, span=MARCH, meters=[STORAGE])
    )
    assert invoice.total == Decimal("0.00")
    assert "varies" in invoice.to_text(tiers=False)  # holds today
    assert "basic" in str(invoice)
    assert "basic" in invoice._repr_html_()


def test_the_raters_closing_invoice_prints_with_a_tiny_share() -> None:
    rater = rk.Rater(SWITCHED, [STORAGE], start=MARCH.start)
    rater.feed([tiny("2026-03-01T00:00:00Z")])
    (closing,) = rater.statement(MARCH.end).invoices
    assert closing.total == Decimal("0.00")
    assert "basic" in str(closing)


def test_a_quantity_past_1e_30_explains_its_tiers_and_prints() -> None:
    memory = rk.Meter("mem", "MB*s", rk.Continuous("mb"))

    def per(name: str, price: str) -> rk.Plan:
        return rk.Plan(name, "EUR", MONTHS, [rk.PriceEntry("mem", "mem", rk.PerUnit(price))])

    assigned = [
        rk.Assignment("acme", per("a", "1E-10"), end=SWITCH),
        rk.Assignment("acme", per("b", "2E-10"), start=SWITCH),
    ]
    started = [
        rk.Event("acme", "vm", "2026-03-01T00:00:00Z", {"mb": "1E+25"}, kind="start", id="e1")
    ]
    rating = rk.rate(started, assigned, span=MARCH, meters=[memory])
    # 1E+25 MB x 15 days x 86400 s = 1.296E+31 at 1E-10; x 16 days = 1.3824E+31 at 2E-10
    assert [charge.amount for charge in rating.charges] == [
        Decimal("1.296E+21"),
        Decimal("2.7648E+21"),
    ]
    assert all(charge.tiers for charge in rating.charges)
    assert "a · per unit" in str(rk.bill(rating)[0])
