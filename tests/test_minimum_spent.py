"""A minimum line's ``spent`` is the exact spend, whatever digit its top-up was rounded at.

The spend is recovered from the line as the exact commitment less each plan's top-up.
A top-up that does not terminate is rounded at its 60th digit; read at 60 digits the
difference fell a unit of the 60th digit short of the spend when the top-up's leading
digit lay below the commitment's (4/3 less 0.333...3 gave 0.999...97 for 1.00 spent),
and the note printed ``spent ~1``.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._decimals import CONTEXT, nearest, spend_under

APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
THIRD = CONTEXT.divide(Decimal(1), Decimal(3))  # 0.333...3, 60 digits


def test_a_rounded_top_up_is_read_at_its_last_digit() -> None:
    # 4/3 - 1/3 = 1 and 4/3 - 5/6 = 1/2: the top-ups rounded at 1E-60, the
    # commitment's 60 digits end at 1E-59, so 60-digit subtraction gave 0.999...97.
    assert spend_under(Fraction(4, 3), [THIRD]) == 1
    assert spend_under(Fraction(4, 3), [CONTEXT.divide(Decimal(5), Decimal(6))]) == Decimal("0.5")
    # two plans' parts: 4/3 + 2/3 = 2 committed, top-ups 1/3 and 1/6 (both rounded),
    # spend 2 - 1/2 = 1.5
    sixth = CONTEXT.divide(Decimal(1), Decimal(6))
    assert spend_under(Fraction(2), [THIRD, sixth]) == Decimal("1.5")


def test_an_exact_top_up_leaves_the_exact_difference() -> None:
    # 10 x 1/2 = 5 committed, 3.995 topped up: 1.005 spent, no digit rounded
    assert spend_under(Fraction(5), [Decimal("3.995")]) == Decimal("1.005")
    # a spend with more digits than a short top-up: 7/3 - 1 = 4/3, nearest at 60 digits
    assert spend_under(Fraction(7, 3), [Decimal(1)]) == nearest(Fraction(4, 3))


def _invoice(commitment: str, days: int, calls: int) -> rk.Invoice:
    """``calls`` calls at 0.01 under a plan of ``commitment`` assigned the first ``days``."""
    plan = rk.Plan(
        "committed",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("calls", "calls", rk.PerUnit("0.01"))],
        minimums=[rk.Minimum(commitment)],
    )
    used = rk.UsageRow(
        "acme", "calls", "key-1", rk.Span("2026-04-01T00:00:00Z", "2026-04-01T01:00:00Z"),
        APRIL, calls, "call", {}, (),
    )  # fmt: skip
    end = f"2026-04-{days + 1:02d}T00:00:00Z" if days < 30 else None
    rating = rk.rate([used], [rk.Assignment("acme", plan, end=end)], span=APRIL)
    (invoice,) = rk.bill(rating)
    return invoice


@pytest.mark.parametrize(
    ("commitment", "days", "calls", "spent", "note"),
    [
        # 10 x 4/30 = 4/3 committed; 100 x 0.01 = 1.00 spent; top-up 1/3 billed 0.33
        ("10", 4, 100, "1.00", "commitment ~1.333333 - spent 1.00 = ~0.333333"),
        # 10 x 4/30 = 4/3; 50 x 0.01 = 0.50 spent; top-up 5/6 billed 0.83
        ("10", 4, 50, "0.50", "commitment ~1.333333 - spent 0.50 = ~0.833333"),
        # 7 x 1/30 = 7/30 = 0.2333...; 1 x 0.01 = 0.01 spent; top-up 0.2233... (its last
        # digit at 1E-60, the spend's at 1E-2)
        ("7", 1, 1, "0.01", "commitment ~0.233333 - spent 0.01 = ~0.223333"),
    ],
)
def test_the_minimum_line_names_the_exact_spend(
    commitment: str, days: int, calls: int, spent: str, note: str
) -> None:
    invoice = _invoice(commitment, days, calls)
    minimum = invoice.lines[-1]
    assert minimum.kind == "minimum"
    assert minimum.spent == Decimal(spent)
    assert note in str(invoice)


@pytest.mark.property
@settings(max_examples=LAWS // 4)
@given(
    commitment=st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**6), places=2),
    days=st.integers(1, 30),
    calls=st.integers(0, 10**6),
)
def test_the_minimum_line_spent_is_the_exact_spend_under_any_share(
    commitment: Decimal, days: int, calls: int
) -> None:
    # Oracle: the spend is calls x 0.01 exactly; the commitment the plan's share of it,
    # commitment x days/30; a top-up is due while the spend is below it.
    spend = Fraction(calls, 100)
    committed = Fraction(commitment) * Fraction(days, 30)
    lines = [
        line for line in _invoice(str(commitment), days, calls).lines if line.kind == "minimum"
    ]
    if spend >= committed:
        assert lines == []
        return
    (minimum,) = lines
    assert Fraction(minimum.spent or 0) == spend
