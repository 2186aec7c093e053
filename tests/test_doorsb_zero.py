"""A line amount that rounds to zero prints as 0.00, never -0.00."""

from __future__ import annotations

import re
from decimal import Decimal

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
#: A negative zero on the quantum, not the start of "-0.001".
NEGATIVE_ZERO = re.compile(r"-0\.00(?!\d)")
PLAN = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("1"))])


def _invoice(quantity: str, *, by_resource: bool = False) -> rk.Invoice:
    row = rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, Decimal(quantity), "hour", {}, ())
    (invoice,) = rk.bill(rk.rate([row], PLAN, span=MARCH), by_resource=by_resource)
    return invoice


def test_a_negative_amount_rounding_to_zero_is_unsigned() -> None:
    # -0.001 hour x 1 EUR/hour = -0.001 EUR; on the quantum 0.01 (half even) that is
    # -0.00, which must be the plain zero 0.00.
    invoice = _invoice("-0.001")
    (line,) = invoice.lines
    assert line.precise == Decimal("-0.001")
    assert str(line.amount) == "0.00"
    assert not line.amount.is_signed()
    assert str(invoice.total) == "0.00"
    text = str(invoice)
    assert not NEGATIVE_ZERO.search(text)
    assert text.splitlines()[3].endswith(" 0.00")
    html = invoice._repr_html_()
    assert not NEGATIVE_ZERO.search(html)
    assert "0.00" in html
    rows = rk.to_rows([invoice])
    assert rows
    assert all(not NEGATIVE_ZERO.search(str(value)) for row in rows for value in row.values())
    # per resource too
    (detailed,) = _invoice("-0.004", by_resource=True).lines
    assert str(detailed.amount) == "0.00"


def test_a_negative_amount_that_does_not_round_to_zero_keeps_its_sign() -> None:
    # -0.006 EUR rounds (half even, on 0.01) to -0.01.
    (line,) = _invoice("-0.006").lines
    assert str(line.amount) == "-0.01"
