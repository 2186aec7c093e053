"""A comparison's HTML escapes control and bidi characters as the invoices' HTML does."""

from __future__ import annotations

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHS = rk.cycles.monthly(tz="UTC")


def test_names_with_control_and_bidi_characters_are_written_as_escapes() -> None:
    account = "acme\u202egnp.exe\x1b[2J\nFAKE <b>ROW</b>"
    rows = [rk.UsageRow(account, "vm.hours", "vm-1", MARCH, MARCH, 10, "hour", {}, ())]
    today = rk.Plan("a", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.5"))])
    other = rk.Plan("b", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.4"))])
    comparison = rk.compare_plans(rows, {"today": today, "new\u202eweiv": other}, span=MARCH)
    page = comparison._repr_html_()
    for raw in ("\u202e", "\x1b", "\n", "<b>ROW"):
        assert raw not in page
    # Written as the invoice writes them: \u202e, \x1b, \n, and markup escaped.
    assert "<td>acme\\u202egnp.exe\\x1b[2J\\nFAKE &lt;b&gt;ROW&lt;/b&gt;</td>" in page
    assert "<th>new\\u202eweiv</th>" in page
    invoice_page = rk.bill(rk.rate(rows, today, span=MARCH))[0]._repr_html_()
    assert "acme\\u202egnp.exe\\x1b[2J\\nFAKE &lt;b&gt;ROW&lt;/b&gt;" in invoice_page


def test_a_candidate_that_billed_nothing_shows_a_dash_as_its_total() -> None:
    # No usage and no fees: no rows, no invoice, no currency to write a 0 in. The footer
    # says so with a dash (was: an empty bold cell), as totals() says 0.
    plan = rk.Plan("a", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("1"))])
    comparison = rk.compare_plans([], {"a": plan, "b": plan}, span=MARCH)
    assert comparison.rows == ()
    assert comparison.totals() == {"a": 0, "b": 0}
    page = comparison._repr_html_()
    assert page.endswith(
        "<tfoot><tr><td><b>total</b></td><td></td>"
        "<td style='text-align:right'><b>—</b></td>"
        "<td style='text-align:right'><b>—</b></td></tr></tfoot></table>"
    )
    # a candidate that billed something shows its total and currency
    fee = rk.Plan("f", "EUR", MONTHS, [], fees=[rk.Fee("base", 10)])
    billed = rk.compare_plans([], {"now": [rk.Assignment("acme", fee)]}, span=MARCH)
    assert "<td style='text-align:right'><b>10.00 EUR</b></td></tr></tfoot>" in billed._repr_html_()
