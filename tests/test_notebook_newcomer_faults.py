"""Faults found previewing and exporting invoices: each a minimal reproduction that fails
today (strict xfail), with what the docs promise in its reason."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

import ratekit as rk
from test_notebook_newcomer import parse_table

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def row(account: str, meter: str, resource: str, quantity: object, unit: str = "GB") -> rk.UsageRow:
    return rk.UsageRow(account, meter, resource, MARCH, MARCH, quantity, unit, {}, ())


def _tier_invoice(quantum: str, price: str) -> rk.Invoice:
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("gb", "gb", rk.Graduated([rk.Tier(10, price), rk.Tier(None, 1)]))],
        quantum=quantum,
    )  # fmt: skip
    return rk.bill(rk.rate([row("acme", "gb", "ip-1", 1)], plan, span=MARCH))[0]


def test_a_tier_amount_below_a_fine_quantum_prints_its_digits_in_the_html() -> None:
    # 1 GB x 0.0000000348 = 0.0000000348, on a quantum of 1E-7: the HTML keeps its
    # digits, as docs/invoices.md says ("0.0000000348 on a quantum of 1E-7, not ~0")
    cells = [
        cells for _, cells in parse_table(_tier_invoice("1E-7", "0.0000000348")._repr_html_()).rows
    ]
    assert cells[2] == ["tiers[0] (0, 10]", "1 GB", "0.0000000348", "0.0000000348"]


def test_a_tier_amount_below_a_fine_quantum_prints_its_digits_in_the_text() -> None:
    # docs/invoices.md: a non-zero amount that would round to zero on the quantum keeps 6
    # significant digits ('0.0000000348 on a quantum of 1E-7, not ~0'), as the HTML
    # prints it (the text printed '~ ... = 0' before)
    text = str(_tier_invoice("1E-7", "0.0000000348"))
    assert "tiers[0] (0, 10]: 1 * 0.0000000348 = 0.0000000348" in text


def test_the_text_and_the_html_show_one_tier_amount() -> None:
    # 1E-21 on a quantum of 1E-15: 0.000000000000000000001 in both (the text printed 0)
    invoice = _tier_invoice("1E-15", "1E-21")
    html_amount = [cells for _, cells in parse_table(invoice._repr_html_()).rows][2][3]
    assert html_amount == "0.000000000000000000001"
    assert str(invoice).splitlines()[4].endswith(f"= {html_amount}")


def test_a_shared_part_of_a_tiered_charge_shows_its_tier_rows() -> None:
    # docs/invoices.md: "A tiered line prints its tier breakdown under it". 5 GB shared
    # 1 : 2, the first GB free then 0.5: the whole is 4 x 0.5 = 2.00, beta's part 1.33;
    # under "part of 2.00, ..." the whole charge's tiers (none showed before, the unit
    # price reading "tiered" with nothing to say what it was).
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("e", "gb", rk.Graduated([rk.Tier(1, 0), rk.Tier(None, "0.5")]))],
    )
    share = rk.Share("acme", "disk", {"acme": 1, "beta": 2})
    rating = rk.rate([row("acme", "gb", "disk", 5)], plan, span=MARCH, shares=[share])
    beta = rk.bill(rating)[1]
    (line,) = beta.lines
    assert (line.kind, line.unit_price, len(line.tiers)) == ("shared", None, 2)
    labels = [cells[0] for _, cells in parse_table(beta._repr_html_()).rows]
    assert "tiers[1] (1, ∞)" in labels
    assert "tiers[1] (1, ∞)" in str(beta)


def test_from_row_names_the_edited_amount_of_a_shared_line() -> None:
    # docs/exports.md: a row that does not fit raises BadDataError naming the key (it
    # named lines[0].precise, whose value 4.67 is the right part, before)
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("gb", "gb", rk.PerUnit("0.7"))])
    share = rk.Share("acme", "disk", {"acme": 1, "beta": 2})
    beta = rk.bill(rk.rate([row("acme", "gb", "disk", 10)], plan, span=MARCH, shares=[share]))[1]
    # 7.00 in thirds: beta's two are 4.666.. -> 4.67
    assert (beta.lines[0].precise, beta.lines[0].amount) == (Decimal("4.67"), Decimal("4.67"))
    stored = copy.deepcopy(rk.to_row(beta))
    stored["lines"][0]["amount"] = "4.66"
    stored["subtotal"] = stored["total"] = "4.66"
    with pytest.raises(rk.BadDataError) as raised:
        rk.from_row(rk.Invoice, stored)
    assert str(raised.value).startswith("lines[0].amount:")


def test_a_ratings_table_counts_the_charges_it_leaves_out_on_a_row() -> None:
    # docs/invoices.md: a Rating's table shows its first 200 charges "followed by a row
    # that counts the others" (a paragraph '… and 50 more rows.' after the table before)
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("gb", "gb", rk.PerUnit(1))])
    rating = rk.rate([row("acme", "gb", f"disk-{i:03d}", 1) for i in range(250)], plan, span=MARCH)
    table = parse_table(rating._repr_html_())
    assert len(table.rows) == 1 + 200 + 1
    assert table.rows[-1][1] == ["… and 50 more charges"]
