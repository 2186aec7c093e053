"""What an allowance leaves of a piece below an input's smallest magnitude (1E-30).

A piece's billable part, its quantity less what an allowance frees, may lie below 1E-30.
Within a few units of the 60th digit of the quantity or the free part it is what their
rounding there leaves (means, prorated allowances), a residue: handed on as the nearest
number of an input's range, 0 (docs/guarantees.md). Far above that digit it is exact,
and a PerUnit price prices it exactly: the charge carries amounts below 1E-30 (once
refused, which made `rate()` and every statement of a rater raise `BadPriceError`, then
priced as 0).
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
def test_a_part_an_allowance_leaves_below_1e_30_is_priced_exactly(
    calls: int, places: int, cents: int
) -> None:
    # `calls` calls, all but 10^-places of one free (written out: no context rounds
    # it), at `cents` cents a call: the part left, 1E-31 down to 1E-52, priced exactly
    # (was: as 0, the nearest number of an input's range) where it lies more than three
    # places above the 60th digit of the quantity (of `calls`' magnitude), else a residue
    # of their rounding, priced as 0; the charge's free part is the allowance's to the
    # last digit (the oracle: Fractions).
    free = f"{calls - 1}.{'9' * places}"
    assert Fraction(calls) - Fraction(free) == Fraction(1, 10**places)
    price = f"{cents // 100}.{cents % 100:02d}"
    plan = _plan(price, free)
    [charge] = rk.rate(_calls(str(calls)), plan, span=DAY, meters=[CALLS]).charges
    assert Fraction(charge.free) == Fraction(free)
    residue = -places < (len(str(calls)) - 1) - 60 + 1 + 3  # within 3 places of the 60th
    assert Fraction(charge.amount) == (0 if residue else Fraction(price) / 10**places)
