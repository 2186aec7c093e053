"""Laws of a shared, credited invoice and its exports, against a Fraction oracle.

For any usage of a shared disk (corrections included), any price down to 1E-12, shares
that need not divide evenly, a credit, EUR, JPY or KWD and any rounding mode a plan
takes: the whole is the exact charge rounded once, the parts add up to it and each is
within a quantum of its exact share, every invoice's subtotal is its lines' sum and its
total that less the credit, the FOCUS rows of each invoice add up to its total, its
lines' DataFrame to its subtotal, its row reads back equal, and its HTML shows each line.
"""

from __future__ import annotations

import decimal
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from test_notebook_newcomer import parse_table

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MODES = [
    "ROUND_HALF_EVEN",
    "ROUND_HALF_UP",
    "ROUND_HALF_DOWN",
    "ROUND_FLOOR",
    "ROUND_CEILING",
    "ROUND_DOWN",
    "ROUND_UP",
]


def _on_quantum(value: Fraction, quantum: Decimal, mode: str) -> Fraction:
    """The oracle's rounding: exact value (a terminating decimal here) in whole quanta."""
    with decimal.localcontext(prec=500):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return Fraction((exact / quantum).quantize(Decimal(1), rounding=mode)) * Fraction(quantum)


@pytest.mark.property
@settings(max_examples=LAWS * 3 // 4, deadline=None)
@given(
    currency=st.sampled_from(["EUR", "JPY", "KWD"]),
    mode=st.sampled_from(MODES),
    quantities=st.lists(
        st.decimals(min_value=-1000, max_value=10**6, places=4), min_size=1, max_size=4
    ),
    price=st.decimals(min_value=Decimal("1E-12"), max_value=100, places=12),
    shares=st.lists(st.integers(1, 13), min_size=1, max_size=6),
    credit=st.integers(1, 10**6),
)
def test_shared_parts_credits_and_exports_add_up(
    *,
    currency: str,
    mode: str,
    quantities: list[Decimal],
    price: Decimal,
    shares: list[int],
    credit: int,
) -> None:
    pandas = pytest.importorskip("pandas")
    assert pandas
    plan = rk.Plan(
        "p", currency, MONTHS, [rk.PriceEntry("disk", "gb", rk.PerUnit(price))], rounding=mode
    )
    quantum = rk.currency_quantum(currency)
    holders = [f"h{i}" for i in range(len(shares))]
    share = rk.Share("h0", "disk-1", dict(zip(holders, shares, strict=True)))
    rows = [rk.UsageRow("h0", "gb", "disk-1", MARCH, MARCH, q, "GB", {}, ()) for q in quantities]
    rating = rk.rate(rows, plan, span=MARCH, shares=[share])
    invoices = rk.bill(
        rating, credits=[rk.Credit("c", holders[-1], credit, currency, start=MARCH.start)]
    )
    whole = _on_quantum(sum(map(Fraction, quantities)) * Fraction(price), quantum, mode)
    parts = {}
    lines = rk.invoice_lines_frame(invoices)
    for invoice in invoices:
        assert invoice.subtotal == sum(line.amount for line in invoice.lines)
        assert invoice.total == invoice.subtotal - sum(c.applied for c in invoice.credits)
        assert invoice.total >= 0 or invoice.total == invoice.subtotal
        (line,) = invoice.lines
        assert Fraction(line.whole) == whole
        parts[invoice.account] = Fraction(line.amount)
        focus = rk.focus_rows([invoice], provider="x")
        assert sum(Fraction(r["BilledCost"]) for r in focus) == Fraction(invoice.total)
        mine = lines[lines["account"] == invoice.account]["amount"]
        assert sum(map(Fraction, mine)) == Fraction(invoice.subtotal)
        assert rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice)))) == invoice
        cells = [cells for _, cells in parse_table(invoice._repr_html_()).rows]
        assert cells[1][0] == line.label
        assert cells[1][3] == str(line.amount)
    if whole:
        assert sum(parts.values()) == whole
        for holder, weight in zip(holders, shares, strict=True):
            assert abs(parts[holder] - whole * weight / sum(shares)) < Fraction(quantum)
