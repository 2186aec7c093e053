"""Where a university's chargeback found ratekit short of its docs, each on its smallest input.

The same share given again for a second period was rounded on its own (0.005 twice, 0.00
for 0.01), and ``focus_rows`` of a rating rated with shares booked the holders' parts to
the owner: both fixed, the rule each now follows tested here.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="Europe/Berlin")
MARCH = rk.Span("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z")  # March 2026 in Berlin
MID = "2026-03-15T23:00:00Z"  # 16 March, 00:00 in Berlin
FIRST, SECOND = rk.Span(MARCH.start, MID), rk.Span(MID, MARCH.end)
CENT = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("gpu", "gpu.hours", rk.PerUnit("0.01"))])


def row(account: str, resource: str, quantity: str, span: rk.Span) -> rk.UsageRow:
    return rk.UsageRow(account, "gpu.hours", resource, span, MARCH, quantity, "hour", {}, ())


HALVES = [row("hpc", "cluster", "0.5", FIRST), row("hpc", "cluster", "0.5", SECOND)]


def test_one_share_over_the_month_bills_the_cycles_whole_rounded_once() -> None:
    # 0.5 h + 0.5 h at 0.01 = 0.010, rounded once on the cent: 0.01, all to physics.
    one = rk.rate(HALVES, CENT, span=MARCH, shares=[rk.Share("hpc", "cluster", {"physics": 1})])
    (physics,) = rk.bill(one)
    assert [(line.amount, line.whole) for line in physics.lines] == [
        (Decimal("0.01"), Decimal("0.01"))
    ]


def test_the_same_share_restated_mid_month_bills_the_same_whole() -> None:
    restated = [
        rk.Share("hpc", "cluster", {"physics": 1}, end=MID),
        rk.Share("hpc", "cluster", {"physics": 1}, start=MID),
    ]
    (physics,) = rk.bill(rk.rate(HALVES, CENT, span=MARCH, shares=restated))
    assert physics.total == Decimal("0.01")


def test_focus_rows_of_a_shared_rating_refuse_it_and_its_invoices_rows_add_up() -> None:
    # A rating rated with shares keeps the owner's charges; bill() splits them among the
    # holders. One row per charge would book 10 to hpc, which has no invoice: refused,
    # naming the share and what to give instead. The invoices' rows give each holder
    # its part: chem 20/3 = 6.666.. -> 6.67 (the larger remainder), physics 3.33.
    shared = [rk.UsageRow("hpc", "gpu.hours", "cluster", MARCH, MARCH, 10, "hour", {}, ())]
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("gpu", "gpu.hours", rk.PerUnit(1))])
    share = rk.Share("hpc", "cluster", {"physics": 1, "chem": 2})
    rating = rk.rate(shared, plan, span=MARCH, shares=[share])
    with pytest.raises(rk.ShareMismatchError) as caught:
        rk.focus_rows(rating, provider="University IT")
    assert str(caught.value) == (
        "focus_rows was given a Rating rated with 1 share (the first: resource 'cluster' of "
        "account 'hpc'); its shared charges are billed to the shares' holders as bill() "
        "splits them, so one row per charge would book them to the owner and leave the "
        "holders without rows. Give focus_rows the invoices, rk.focus_rows(rk.bill(rating), "
        "...): each holder's rows are its parts, adding up to its invoice's total."
    )
    invoices = rk.bill(rating)
    rows = rk.focus_rows(invoices, provider="University IT")
    billed = {
        invoice.account: sum(
            Fraction(r["BilledCost"]) for r in rows if r["BillingAccountId"] == invoice.account
        )
        for invoice in invoices
    }
    assert billed == {"chem": Fraction("6.67"), "physics": Fraction("3.33")}
    assert {invoice.account: invoice.total for invoice in invoices} == {
        "chem": Decimal("6.67"),
        "physics": Decimal("3.33"),
    }


def test_shares_alike_pool_across_periods_and_others_between_them_do_not() -> None:
    # physics 1 to the 10th, {physics: 2} (the same proportion) from the 20th: one pool of
    # 0.5 h + 0.5 h at 0.01 = 0.010 -> 0.01. Between them, {physics: 1, chem: 1} splits its
    # own pool, 0.5 h at 0.01 = 0.005 -> 0.00 (half-even), 0.00 to each.
    tenth, twentieth = "2026-03-09T23:00:00Z", "2026-03-19T23:00:00Z"
    rows = [
        row("hpc", "cluster", "0.5", rk.Span(MARCH.start, tenth)),
        row("hpc", "cluster", "0.5", rk.Span(tenth, twentieth)),
        row("hpc", "cluster", "0.5", rk.Span(twentieth, MARCH.end)),
    ]
    shares = [
        rk.Share("hpc", "cluster", {"physics": 1}, end=tenth),
        rk.Share("hpc", "cluster", {"physics": 1, "chem": 1}, start=tenth, end=twentieth),
        rk.Share("hpc", "cluster", {"physics": 2}, start=twentieth),
    ]
    invoices = rk.bill(rk.rate(rows, CENT, span=MARCH, shares=shares))
    assert {i.account: [line.amount for line in i.lines] for i in invoices} == {
        "chem": [Decimal("0.00")],
        "physics": [Decimal("0.01"), Decimal("0.00")],  # the pools in the order of their shares
    }
