"""A comparison's totals add the invoices' totals exactly, as a rating's total does.

They were added in the 60-digit context, so two invoices of
600000000000000000000000000000.000000000000000000000000000001 (a fee on a plan whose
quantum is 1E-30: 60 digits each) totalled 1200000000000000000000000000000.00000000000000000000000000000
(the 61st digit, 2E-30, rounded away), where ``rate(...).total()`` of the same gives
...002.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
FEE = "600000000000000000000000000000.000000000000000000000000000001"


def test_totals_keep_every_digit_of_the_sum() -> None:
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("f", FEE)], quantum="1E-30"
    )
    comparison = rk.compare_plans([], {"p": plan}, span=MARCH, accounts=["a", "b"])
    # 2 x 600000000000000000000000000000.000000000000000000000000000001
    #   = 1200000000000000000000000000000.000000000000000000000000000002 (61 digits)
    due = Decimal("1200000000000000000000000000000.000000000000000000000000000002")
    assert Fraction(due) == 2 * Fraction(FEE)
    assert comparison.totals() == {"p": due}
    assert comparison.totals_by_currency() == {"p": {"EUR": due}}
    assert str(due) in comparison._repr_html_()
    assert rk.rate([], plan, span=MARCH, accounts=["a", "b"]).total() == due
