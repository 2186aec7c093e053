"""Where a university's chargeback finds ratekit short of its docs, each on its smallest input.

Each fault is pinned as a strict xfail: the reason says what the docs promise and what
happens today.
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


@pytest.mark.xfail(
    strict=True,
    reason=(
        "docs/invoices.md (Shared charges): bill() takes the owner's charges of the resource "
        "and, per cycle, meter and price entry, rounds their exact sum once (the whole), then "
        "splits it. The same holder with the same weight, given as two Share values that meet "
        "on 16 March (0.5 h at 0.01 in each half), should bill the cycle's whole: 0.010 -> 0.01, "
        "as one Share over the month does. Today each share's charges are rounded on their "
        "own, 0.005 -> 0.00 twice, and physics is billed 0.00 on two lines (0.7 h + 0.7 h: "
        "0.02 instead of 0.01); the same shares split into periods change the bill."
    ),
)
def test_the_same_share_restated_mid_month_bills_the_same_whole() -> None:
    restated = [
        rk.Share("hpc", "cluster", {"physics": 1}, end=MID),
        rk.Share("hpc", "cluster", {"physics": 1}, start=MID),
    ]
    (physics,) = rk.bill(rk.rate(HALVES, CENT, span=MARCH, shares=restated))
    assert physics.total == Decimal("0.01")


@pytest.mark.xfail(
    strict=True,
    reason=(
        "docs/exports.md (FOCUS): given a rating, focus_rows writes one row per charge, "
        "exact, 'so an invoice's rows add up to its precise total'. A rating rated with "
        "shares bills a holder (physics, 1 of 3 of a shared 10.00: precise_total 3.33) but "
        "focus_rows(rating) ignores rating.shares and books the whole charge, 10, to the "
        "owner hpc (which has no invoice at all): physics has no row. Expected: the holders' "
        "rows (their parts, as bill() splits them) adding up to their precise totals, or the "
        "docs saying that a rating's rows stay with the owner and only invoices are split."
    ),
)
def test_focus_rows_of_a_shared_rating_add_up_to_each_invoices_precise_total() -> None:
    shared = [rk.UsageRow("hpc", "gpu.hours", "cluster", MARCH, MARCH, 10, "hour", {}, ())]
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("gpu", "gpu.hours", rk.PerUnit(1))])
    share = rk.Share("hpc", "cluster", {"physics": 1, "chem": 2})
    rating = rk.rate(shared, plan, span=MARCH, shares=[share])
    rows = rk.focus_rows(rating, provider="University IT")
    for invoice in rk.bill(rating):
        # chem 6.67 (20/3, the larger remainder), physics 3.33.
        billed = sum(
            Fraction(r["BilledCost"]) for r in rows if r["BillingAccountId"] == invoice.account
        )
        assert billed == invoice.precise_total
