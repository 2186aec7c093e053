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


def test_the_rows_write_tiny_amounts_in_plain_notation_too() -> None:
    # Was: to_rows wrote str(Decimal) of each amount: total '9E-7', precise_total
    # '9.0E-7', difference '0E-7' and '-6E-7', in rows meant for a CSV or a database.
    # 30 h x 0.00000003 = 0.00000090 precise, 0.0000009 on the quantum 0.0000001;
    # 30 h x 0.00000001 = 0.00000030, 0.0000003; difference 0.0000003 - 0.0000009 =
    # -0.0000006, and 0.0000000 against the same plan.
    rows = [rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, 30, "hour", {}, ())]
    today = _plan("today", "0.00000003")
    candidates = {"today": today, "same": today, "cheaper": _plan("cheaper", "0.00000001")}
    written = rk.compare_plans(rows, candidates, span=MARCH).to_rows()
    amounts = ("total", "precise_total", "baseline", "difference")
    assert [tuple(row[key] for key in amounts) for row in written] == [
        ("0.0000009", "0.00000090", "0.0000009", "0.0000000"),
        ("0.0000009", "0.00000090", "0.0000009", "0.0000000"),
        ("0.0000003", "0.00000030", "0.0000009", "-0.0000006"),
    ]
