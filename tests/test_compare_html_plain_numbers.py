"""A comparison's notebook table prints its money in plain notation, as the invoices do."""

from __future__ import annotations

import re

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _plan(name: str, rate: str) -> rk.Plan:
    entry = rk.PriceEntry("vm", "vm.hours", rk.PerUnit(rate))
    return rk.Plan(name, "JPY", MONTHS, [entry], quantum="0.0000001")


def test_tiny_totals_and_differences_never_print_in_exponent_notation() -> None:
    # 30 hours at 0.00000003 is 0.0000009, at 0.00000001 is 0.0000003: a difference of
    # -0.0000006, and 0 against the same plan. str(Decimal) writes them 9E-7, 3E-7, -6E-7
    # and 0E-7, which the table used to print; the invoices print 0.0000009.
    rows = [rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, 30, "hour", {}, ())]
    today = _plan("today", "0.00000003")
    candidates = {"today": today, "same": today, "cheaper": _plan("cheaper", "0.00000001")}
    page = rk.compare_plans(rows, candidates, span=MARCH)._repr_html_()
    assert not re.search(r"\dE[-+]?\d", page)
    assert "0.0000009 JPY</td>" in page
    assert "0.0000000 (same)" in page
    assert "-0.0000006 (pays less)" in page
    assert "<b>0.0000003 JPY</b>" in page
    invoice = rk.bill(rk.rate(rows, today, span=MARCH))[0]
    assert str(invoice).splitlines()[-1].split() == ["total", "0.0000009"]
