"""Laws of a chargeback's split, against a brute largest-remainder oracle in Fractions.

docs/invoices.md: the whole (the owner's charges of a cycle, meter and entry, rounded
once) is split among the holders in proportion to their shares by the largest
remainder on the quantum, ties in the order of the account ids; the parts add up to the
whole exactly, and no part is a quantum or more away from its exact share. The detailed
invoice totals what the summary does, FOCUS rows of invoices add up to their totals, and
invoices read back from rows are equal.
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

MONTHS = rk.cycles.monthly(tz="Europe/Berlin")
MARCH = rk.Span("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z")
DEPARTMENTS = ("bio", "chem", "math", "physics", "=cmd", "ü\n")
WEIGHTS = ("1", "2", "3", "0.3333333333", "0.1", "7", "0.0001", "1E-20")
QUANTA = ("0.01", "0.05", "1", "3", "0.001")
MODES = (
    "ROUND_HALF_EVEN",
    "ROUND_HALF_UP",
    "ROUND_FLOOR",
    "ROUND_CEILING",
    "ROUND_DOWN",
    "ROUND_UP",
)


def largest_remainder(
    whole: Fraction, weights: dict[str, Fraction], quantum: Fraction
) -> dict[str, Fraction]:
    """The brute oracle: floors on the quantum, the quanta left to the largest remainders."""
    total = sum(weights.values())
    exact = {name: whole * weight / total for name, weight in weights.items()}
    floors = {name: (value // quantum) * quantum for name, value in exact.items()}
    left = round((whole - sum(floors.values())) / quantum)
    order = sorted(exact, key=lambda name: (-(exact[name] - floors[name]), name))
    for name in order[:left]:
        floors[name] += quantum
    return floors


@pytest.mark.property
@settings(max_examples=max(LAWS // 2, 10), deadline=None)
@given(
    weights=st.dictionaries(
        st.sampled_from(DEPARTMENTS), st.sampled_from(WEIGHTS), min_size=1, max_size=5
    ),
    hours=st.integers(-(10**6), 10**6),
    places=st.integers(0, 4),
    price=st.sampled_from(("0.0377", "1", "0.333", "12.5")),
    quantum=st.sampled_from(QUANTA),
    rounding=st.sampled_from(MODES),
)
def test_the_split_is_the_largest_remainder_of_the_whole_rounded_once(
    *, weights: dict[str, str], hours: int, places: int, price: str, quantum: str, rounding: str
) -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("gpu", "gpu.hours", rk.PerUnit(price))],
        quantum=quantum,
        rounding=rounding,
    )
    quantity = Decimal(hours).scaleb(-places)
    rows = [rk.UsageRow("hpc", "gpu.hours", "cluster", MARCH, MARCH, quantity, "hour", {}, ())]
    share = rk.Share("hpc", "cluster", weights)
    rating = rk.rate(rows, plan, span=MARCH, shares=[share])
    invoices = rk.bill(rating)
    # The whole: the exact charge, quantity x price, rounded once with the plan's rule.
    exact = decimal.Context(prec=100).multiply(quantity, Decimal(price))
    whole = plan.round(exact)
    assert abs(Fraction(whole) - Fraction(exact)) < Fraction(Decimal(quantum))
    expected = largest_remainder(
        Fraction(whole),
        {name: Fraction(Decimal(w)) for name, w in weights.items()},
        Fraction(Decimal(quantum)),
    )
    assert {invoice.account: Fraction(invoice.total) for invoice in invoices} == expected
    assert sum(invoice.total for invoice in invoices) == whole
    for invoice in invoices:
        (line,) = invoice.lines
        assert line.whole == whole
        assert line.precise == line.amount == invoice.precise_total
    # The detailed invoices total the same; FOCUS rows of invoices add up to each total.
    detailed = rk.bill(rating, by_resource=True)
    assert [(i.account, i.total) for i in detailed] == [(i.account, i.total) for i in invoices]
    focus = rk.focus_rows(invoices, provider="University IT")
    for invoice in invoices:
        billed = sum(
            Decimal(r["BilledCost"]) for r in focus if r["BillingAccountId"] == invoice.account
        )
        assert billed == invoice.total
        assert rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice)))) == invoice


def test_the_oracle_on_the_docs_sevenths() -> None:
    # docs/invoices.md: 10.00 in sevenths is 1.43 to the first six holders, 1.42 to the last.
    parts = largest_remainder(
        Fraction(10), {f"user-{i}": Fraction(1) for i in range(7)}, Fraction(1, 100)
    )
    assert sorted(parts.values()) == [Fraction(142, 100)] + [Fraction(143, 100)] * 6
    assert parts["user-6"] == Fraction(142, 100)
