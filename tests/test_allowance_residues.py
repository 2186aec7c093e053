"""What an allowance leaves of a piece below the smallest magnitude carried (1E-30).

A quantity rating computes itself is handed to a price as the nearest number of the
range (docs/guarantees.md): so is a piece's billable part, its quantity less what an
allowance frees. A residue below 5E-31 is 0, not priced at an amount no charge carries
(which made `rate()` and every statement of a rater raise `BadPriceError`).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

DAY = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
CALLS = rk.Meter("calls", "call", rk.Discrete())


def _plan(rate: str, free: str) -> rk.Plan:
    return rk.Plan(
        "p",
        "EUR",
        rk.cycles.daily(tz="UTC"),
        [rk.PriceEntry("c", "calls", rk.PerUnit(rate))],
        allowances=[rk.Allowance("calls", free)],
    )


def _calls(value: str) -> list[rk.Sample]:
    return [rk.Sample("a", "r", "calls", "2026-03-01T01:00:00Z", value, id="s1")]


def test_a_residue_below_the_range_is_priced_as_nothing_in_batch_and_stream() -> None:
    # 1 call, 0.99...9 (59 nines) free: 1E-59 call left, at 0.31 EUR 3.1E-60 EUR, below
    # the range: the billable part is handed on as 0, so 0.31 x 0 = 0.00.
    free = "0." + "9" * 59
    plan = _plan("0.31", free)
    rating = rk.rate(_calls("1"), plan, span=DAY, meters=[CALLS])
    [charge] = rating.charges
    assert (charge.quantity, charge.free, charge.amount) == (1, Decimal(free), 0)
    assert str(charge.amount) == "0.00"
    rater = rk.Rater(plan, [CALLS], start=DAY.start)
    rater.feed(_calls("1"))
    assert rater.statement(DAY.end).total() == 0


def test_a_part_left_in_the_range_is_priced_exactly() -> None:
    # 1 call, 0.99...9 (29 nines) free: 1E-29 call left, at 0.31 EUR: 3.1E-30 EUR, in
    # the range, priced as it is.
    plan = _plan("0.31", "0." + "9" * 29)
    [charge] = rk.rate(_calls("1"), plan, span=DAY, meters=[CALLS]).charges
    assert charge.amount == Decimal("3.1E-30")


@pytest.mark.property
@settings(max_examples=LAWS // 4, deadline=None)
@given(st.integers(1, 10**6), st.integers(31, 52), st.integers(1, 10**6))
def test_a_residue_an_allowance_leaves_below_the_range_is_priced_as_nothing(
    calls: int, places: int, cents: int
) -> None:
    # `calls` calls, all but 10^-places of one free (written out: no context rounds
    # it), at `cents` cents a call: the part left, 1E-31 or less, is below half the
    # smallest magnitude carried, so it is priced as 0, whatever the price; the charge's
    # free part is the allowance's to the last digit (the oracle: Fractions).
    free = f"{calls - 1}.{'9' * places}"
    assert Fraction(calls) - Fraction(free) == Fraction(1, 10**places)
    plan = _plan(f"{cents // 100}.{cents % 100:02d}", free)
    [charge] = rk.rate(_calls(str(calls)), plan, span=DAY, meters=[CALLS]).charges
    assert Fraction(charge.free) == Fraction(free)
    assert charge.amount == 0
