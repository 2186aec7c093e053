"""An invoice's ``precise_total`` (and a line's ``precise``) is the exact sum of its charges.

The same exact sum as [`Rating.total()`]: never cut at ratekit's 60 digits, and read back
from its row. A part of a shared charge counts as allocated (an exact share is in general
no decimal). Worked with the docs' prorated fees (pricing.md, "Exact proration").
"""

from __future__ import annotations

import decimal
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk

DAYS = rk.cycles.daily(tz="UTC")
DAY = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
CUT = "2026-03-01T07:00:00Z"


def _assignments() -> list[rk.Assignment]:
    # plan a (fee 0.25) until 07:00, plan b (fee 20) from 07:00: 0.25 x 7/24 + 20 x 17/24
    a = rk.Plan("a", "EUR", DAYS, [], fees=[rk.Fee("a", "0.25")])
    b = rk.Plan("b", "EUR", DAYS, [], fees=[rk.Fee("b", "20")])
    return [rk.Assignment("acme", a, end=CUT), rk.Assignment("acme", b, start=CUT)]


def _prorated_fees() -> rk.Rating:
    return rk.rate([], _assignments(), span=DAY)


def test_the_prorated_fees_invoice_has_the_ratings_exact_total() -> None:
    # 0.25 x 7/24 = 0.0729166...67 (60 digits, last at 1E-61), 20 x 17/24 = 14.166...67
    # (last at 1E-58): their exact sum has 63 digits, 14.2395833...333667 (it was cut at
    # the 60th digit, 14.2395833...3334, about 3E-59 off).
    rating = _prorated_fees()
    (invoice,) = rk.bill(rating)
    assert invoice.precise_total == rating.total()
    assert len(invoice.precise_total.as_tuple().digits) == 63
    assert str(invoice.precise_total) == "14.2395833" + "3" * 51 + "667"
    assert Fraction(invoice.precise_total) == sum(
        (Fraction(c.amount) for c in rating.charges), Fraction(0)
    )
    # and the comparison's precise_total is that sum too
    comparison = rk.compare_plans([], {"x": _assignments()}, span=DAY)
    assert comparison.rows[0].precise_total == rating.total()


def test_the_exact_invoice_reads_back_from_its_row() -> None:
    (invoice,) = rk.bill(_prorated_fees())
    row = json.loads(json.dumps(rk.to_row(invoice)))
    assert row["precise_total"] == "14.2395833" + "3" * 51 + "667"
    assert rk.from_row(rk.Invoice, row) == invoice


def test_a_line_of_two_charges_is_their_exact_sum() -> None:
    # 1/3 (60 digits: 0.333...3) and 10 + 1/3 (60 digits: 10.333...3) under one entry: the
    # line's precise is 10.666...6 with 61 digits (the 60-digit sum rounds the last away).
    third = Decimal("0." + "3" * 60)
    plan = rk.Plan("p", "EUR", DAYS, [rk.PriceEntry("e", "m", rk.PerUnit(1))])
    rows = [
        rk.UsageRow("acme", "m", f"r{i}", DAY, DAY, q, "unit", {}, ())
        for i, q in enumerate([third, Decimal("10." + "3" * 58)])
    ]
    rating = rk.rate(rows, plan, span=DAY)
    (invoice,) = rk.bill(rating)
    (line,) = invoice.lines
    assert line.precise == invoice.precise_total == rating.total()
    assert Fraction(line.precise) == Fraction(rows[0].quantity) + Fraction(rows[1].quantity)
    assert rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice)))) == invoice


def test_a_row_whose_sum_is_beyond_any_exact_sum_is_refused_by_name() -> None:
    (invoice,) = rk.bill(_prorated_fees())
    row = json.loads(json.dumps(rk.to_row(invoice)))
    row["precise_total"] = "1e-200"
    with pytest.raises(rk.BadDataError) as caught:
        rk.from_row(rk.Invoice, row)
    assert str(caught.value) == (
        "precise_total: '1e-200' lies outside the exact sums ratekit writes: give a "
        "finite decimal number whose last digit is at 1E-159 or above and whose "
        "magnitude is below 1E+40."
    )
    # and what is no number at all, as any decimal field says
    with pytest.raises(rk.BadDataError) as caught:
        rk.from_row(rk.Invoice, {**row, "precise_total": "lots"})
    assert str(caught.value) == (
        "precise_total: 'lots' is not a decimal number; write it like '12.5' or '1e9'."
    )


@given(st.lists(st.integers(1, 10**6), min_size=1, max_size=6), st.integers(1, 97))
def test_precise_total_is_the_exact_sum_of_the_charges(quantities: list[int], days: int) -> None:
    # Law: quantities divided by a prime number of units (non-terminating amounts at 60
    # digits): the invoice's precise_total equals the Fraction sum of the charge amounts
    # and Rating.total().
    plan = rk.Plan("p", "EUR", DAYS, [rk.PriceEntry("e", "m", rk.PerUnit(1))])
    with decimal.localcontext(prec=60):
        amounts = [Decimal(q) / Decimal(days) * 10**i for i, q in enumerate(quantities)]
    rows = [
        rk.UsageRow("acme", "m", f"r{i}", DAY, DAY, q, "u", {}, ()) for i, q in enumerate(amounts)
    ]
    rating = rk.rate(rows, plan, span=DAY)
    (invoice,) = rk.bill(rating)
    exact = sum((Fraction(c.amount) for c in rating.charges), Fraction(0))
    assert Fraction(invoice.precise_total) == exact == Fraction(rating.total())
    assert sum((Fraction(line.precise) for line in invoice.lines), Fraction(0)) == exact


def test_a_shared_part_counts_as_allocated_since_an_exact_share_is_no_decimal() -> None:
    # acme's image costs 1000 GB * 0.01 = 10.00 exactly, shared in thirds among acme,
    # beta and gamma. An exact third is 10/3 = 3.333..., which no Decimal holds: the
    # parts are the whole 10.00 allocated on the cent, 3.34 + 3.33 + 3.33 = 10.00, and
    # each precise_total is its part (acme's own lines hold none of the shared charge).
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    plan = rk.Plan(
        "d", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("i", "gb", rk.PerUnit("0.01"))]
    )
    rows = [rk.UsageRow("acme", "gb", "img", march, march, 1000, "GB", {}, ())]
    share = rk.Share("acme", "img", {"acme": 1, "beta": 1, "gamma": 1})
    rating = rk.rate(rows, plan, span=march, shares=[share])
    invoices = rk.bill(rating)
    exact = Fraction(rating.total()) / 3
    assert exact == Fraction(10, 3)
    assert exact.denominator == 3  # a factor other than 2 and 5: no finite decimal
    assert all(Fraction(invoice.precise_total) != exact for invoice in invoices)
    assert [invoice.precise_total for invoice in invoices] == [
        Decimal("3.34"),
        Decimal("3.33"),
        Decimal("3.33"),
    ]
    assert all(
        abs(Fraction(invoice.precise_total) - exact) < Fraction(1, 100) for invoice in invoices
    )
    # 3.34 + 3.33 + 3.33 = 10.00 = Rating.total(): the whole, on the cent, is exact here
    assert sum((Fraction(i.precise_total) for i in invoices), Fraction(0)) == 10
    # 1005 GB at 0.001 = 1.005; halves of the whole rounded once (1.00): 0.50 each, so
    # the precise totals add up to 1.00, not to Rating.total()'s exact 1.005, and beta's
    # Rating.total() is 0: its charge is acme's
    rows = [rk.UsageRow("acme", "gb", "img", march, march, 1005, "GB", {}, ())]
    priced = rk.Plan(
        "d", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("i", "gb", rk.PerUnit("0.001"))]
    )
    halves = rk.rate(
        rows, priced, span=march, shares=[rk.Share("acme", "img", {"acme": 1, "beta": 1})]
    )
    totals = [Fraction(invoice.precise_total) for invoice in rk.bill(halves)]
    assert totals == [Fraction(1, 2), Fraction(1, 2)]
    assert Fraction(halves.total()) == Fraction(201, 200)
    assert sum(totals, Fraction(0)) == Fraction(halves.total()) - Fraction(1, 200)
    assert halves.total(account="beta") == 0
