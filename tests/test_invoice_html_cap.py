"""A huge invoice previews as a table of at most ROWS_SHOWN rows, then says what it left out."""

from __future__ import annotations

import re

import pytest

import ratekit as rk
from ratekit.render import ROWS_SHOWN

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _row(resource: str, quantity: int) -> rk.UsageRow:
    return rk.UsageRow("acme", "vm.hours", resource, MARCH, MARCH, quantity, "hour", {}, ())


def test_lines_past_the_cap_are_summed_on_one_row() -> None:
    # 250 resources, vm-000 .. vm-249, resource i using i + 1 hours at 0.5: the table shows
    # 200 lines (vm-000 .. vm-199) and one row for vm-200 .. vm-249, 201 + ... + 250 hours
    # = 11275 hours, 5637.50 in all. It used to show all 250 (and a fleet's 100,000).
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.5"))])
    rows = [_row(f"vm-{i:03d}", i + 1) for i in range(250)]
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH), by_resource=True)
    page = invoice._repr_html_()
    assert ROWS_SHOWN == 200
    assert "vm-199" in page
    assert "vm-200" not in page
    assert re.search(
        r"<td>… and 50 more lines</td>(<td class=\"num\"></td>){2}"
        r"<td class=\"num\">5637.50</td>",
        page,
    )
    assert invoice.total == 15687.5  # (1 + ... + 250) * 0.5 = 31375 * 0.5, as before
    assert '<td class="num">15687.50</td></tr></tbody>' in page
    assert "vm-249" in str(invoice)  # the text is not cut


def test_the_tier_rows_of_one_line_past_the_cap_are_counted() -> None:
    # One line priced per resource: 150 resources, 2 tier rows each (300). With the line's
    # own row, 199 tier rows fit; the other 101 are counted on a row of their own.
    tiered = rk.Plan(
        "t",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry(
                "vm",
                "vm.hours",
                rk.Graduated([rk.Tier(10, 1), rk.Tier(None, "0.5")]),
                group_by="resource",
            )
        ],
    )
    (invoice,) = rk.bill(rk.rate([_row(f"vm-{i:03d}", 20) for i in range(150)], tiered, span=MARCH))
    page = invoice._repr_html_()
    assert len(invoice.lines[0].tiers) == 300
    assert page.count('<tr class="note">') == 200
    assert "… and 101 more rows of this line" in page
    assert "vm-099 · tiers[0]" in page
    assert "vm-099 · tiers[1]" not in page
    assert '<td class="num">2250.00</td></tr></tbody>' in page  # 150 * (10 + 5)


def test_a_small_invoice_shows_every_row() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.5"))])
    rows = [_row(f"vm-{i:03d}", 1) for i in range(ROWS_SHOWN)]
    page = rk.bill(rk.rate(rows, plan, span=MARCH), by_resource=True)[0]._repr_html_()
    assert "… and" not in page
    assert "vm-199" in page


def test_a_comparison_of_many_accounts_shows_200_rows_and_counts_the_rest() -> None:
    # 230 accounts of 1 hour each, at 1 and at 2 a hour: 200 rows (acct-000 .. acct-199)
    # then one row for the other 30; the totals still sum all 230: 230.00 and 460.00.
    rows = [
        rk.UsageRow(f"acct-{i:03d}", "vm.hours", "vm", MARCH, MARCH, 1, "hour", {}, ())
        for i in range(230)
    ]
    one = rk.Plan("one", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])
    two = rk.Plan("two", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(2))])
    page = rk.compare_plans(rows, {"one": one, "two": two}, span=MARCH)._repr_html_()
    assert "acct-199" in page
    assert "acct-200" not in page
    assert "<td colspan='4'>… and 30 more rows (in the totals below)</td>" in page
    assert "<b>230.00 EUR</b>" in page
    assert "<b>460.00 EUR</b>" in page


def test_the_table_merges_a_lines_tiers_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # A line's tiers are merged from its charges' explanations (seconds for a price of
    # thousands of tiers): the table asks each tiered line for them once, not twice.
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    tiered = rk.Graduated([rk.Tier(10, "0.5"), rk.Tier(None, "0.25")])
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("e", "e", tiered)])
    row = rk.UsageRow("acme", "e", "ip-1", march, march, 30, "GB", {}, ())
    (invoice,) = rk.bill(rk.rate([row], plan, span=march))
    asked = []
    merged = rk.InvoiceLine.tiers

    def counted(line: rk.InvoiceLine) -> object:
        asked.append(line)
        return merged.fget(line)  # type: ignore[union-attr]

    monkeypatch.setattr(rk.InvoiceLine, "tiers", property(counted))
    page = invoice._repr_html_()
    assert "tiers[1]" in page
    assert len(asked) == 1
