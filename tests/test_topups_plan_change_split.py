"""After a plan change, a line both plans price is split between the plans, not their charges.

A plan's minimum counts its part of a line it shares with the other plan (one entry id
under both): the line's rounded amount split between the plans in proportion to their
exact amounts, the quantum left over to the larger remainder. The charges of a plan
without a minimum were each a part of their own, so the quantum left over could go to
the plan with the minimum on a remainder smaller than the other plan's, and its top-up
came out a quantum short.
"""

from __future__ import annotations

from decimal import Decimal

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
CHANGE = "2026-04-16T00:00:00Z"  # 15 of April's 30 days each side


def _row(day: int, quantity: str) -> rk.UsageRow:
    span = rk.Span(f"2026-04-{day:02d}T00:00:00Z", f"2026-04-{day:02d}T01:00:00Z")
    return rk.UsageRow("acme", "vm", f"vm-{day}", span, APRIL, quantity, "hour", {}, ())


def test_the_plan_without_a_minimum_is_one_part_of_the_shared_line() -> None:
    # Plan a (no minimum) prices 3.3 + 3.3 = 6.6 hours at 1, plan b 4.4: the line is 11.0,
    # 11 on whole euros (ROUND_FLOOR). Split between the plans: a 6.6, b 4.4 of 11; floors
    # 6 and 4, the euro left goes to a (remainder 0.6 > 0.4): a 7, b 4. b's commitment is
    # 40 x 15/30 = 20, its lines 4: a top-up of 16, and the invoice 11 + 16 = 27. (Split
    # between the charges, 3.3, 3.3 and 4.4, the euro went to b's 0.4: a top-up of 15.)
    a = rk.Plan("a", "EUR", MONTHS, [rk.PriceEntry("e", "vm", rk.PerUnit(1))], quantum=1)
    b = rk.Plan(
        "b",
        "EUR",
        MONTHS,
        [rk.PriceEntry("e", "vm", rk.PerUnit(1))],
        minimums=[rk.Minimum(40)],
        quantum=1,
        rounding="ROUND_FLOOR",
    )
    rows = [_row(2, "3.3"), _row(9, "3.3"), _row(20, "4.4")]
    plans = [rk.Assignment("acme", a, end=CHANGE), rk.Assignment("acme", b, start=CHANGE)]
    (invoice,) = rk.bill(rk.rate(rows, plans, span=APRIL))
    assert [(line.kind, line.amount) for line in invoice.lines] == [
        ("usage", Decimal(11)),
        ("minimum", Decimal(16)),
    ]
    assert invoice.total == Decimal(27)
    assert "billed 20 - lines 4 = 16" in str(invoice)
