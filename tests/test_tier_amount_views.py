"""A tier line's amount reads the same in an invoice's text and in its HTML.

docs/invoices.md: an amount is shown on the currency's quantum when exact there, rounded to
a quantum's places when that is finer than 6, and a non-zero that would round to zero there
keeps 6 significant digits instead (``0.0000000348`` on a quantum of ``1E-7``, not ``~0``).
Both views print a tier line through that one rule. Oracle: the amount as a Fraction, and
the printed digits read back within half a unit of their last place.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from test_notebook_newcomer import parse_table

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _invoice(quantum: str, price: str, quantity: int) -> rk.Invoice:
    tiers = rk.Graduated([rk.Tier(10**6, price), rk.Tier(None, 1)])
    entries = [rk.PriceEntry("gb", "gb", tiers)]
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), entries, quantum=quantum)
    usage = rk.UsageRow("acme", "gb", "ip-1", MARCH, MARCH, quantity, "GB", {}, ())
    return rk.bill(rk.rate([usage], plan, span=MARCH))[0]


def _views(invoice: rk.Invoice) -> tuple[str, str]:
    """The first tier line's amount as the text prints it and as the HTML prints it."""
    text = next(line for line in str(invoice).splitlines() if "tiers[0]" in line)
    cells = next(
        c for _, c in parse_table(invoice._repr_html_()).rows if c[0].startswith("tiers[0]")
    )
    return text.rpartition(" = ")[2], cells[3].removeprefix("~")


def test_a_tier_amount_that_rounds_to_zero_on_the_quantum_keeps_six_digits_in_both() -> None:
    # 3 GB x 0.0000000123456789 = 0.0000000370370367 on 1E-7: 0.0000000 there, so both
    # keep 6 significant digits, 0.0000000370370 (the digit after, 3, rounds down), the
    # trailing zero dropped: 0.000000037037.
    assert _views(_invoice("1E-7", "0.0000000123456789", 3)) == ("0.000000037037",) * 2


def test_a_tier_amount_on_a_fine_quantum_is_rounded_to_its_places_in_both() -> None:
    # 3 GB x 0.000123456789 = 0.000370370367 on 1E-8: 0.00037037 (its places, not 6).
    assert _views(_invoice("1E-8", "0.000123456789", 3)) == ("0.00037037",) * 2


@pytest.mark.property
@settings(max_examples=LAWS * 3 // 2, deadline=None)
@given(
    places=st.integers(2, 18),
    digits=st.integers(1, 10**9),
    scale=st.integers(1, 30),
    quantity=st.integers(1, 999),
)
def test_the_text_and_the_html_print_one_tier_amount(
    places: int, digits: int, scale: int, quantity: int
) -> None:
    price = Decimal(digits).scaleb(-scale)
    text, html = _views(_invoice(f"1E-{places}", str(price), quantity))
    assert text == html
    exact = Fraction(price) * quantity
    printed = Fraction(Decimal(text))
    last = Fraction(Decimal((0, (1,), Decimal(text).as_tuple().exponent)))
    assert abs(printed - exact) <= last / 2
    assert printed != 0  # a non-zero amount never prints as 0
