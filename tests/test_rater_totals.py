"""Totals of charges and of statement lines: exact sums, the same to the last digit.

A non-terminating quotient (a prorated fee) is rounded once, half-even, at the 60th
significant digit, where it is computed; two such amounts of other magnitudes then need
more than 60 digits to add up, and every total keeps them (`ratekit._decimals.exact_sum`).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import ratekit as rk

DAY = rk.cycles.daily(tz="UTC")
MARCH_1 = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
CHANGE = "2026-03-01T07:00:00Z"
PLANS = [
    rk.Assignment("b", rk.Plan("p1", "EUR", DAY, [], fees=[rk.Fee("sup", "0.25")]), end=CHANGE),
    rk.Assignment("b", rk.Plan("p2", "EUR", DAY, [], fees=[rk.Fee("pro", 20)]), start=CHANGE),
]
# By hand: sup = 0.25 x 7/24 = 7/96 = 0.0729166..., pro = 20 x 17/24 = 85/6 = 14.1666...
# Each is rounded half-even at its 60th significant digit:
SUP = Decimal("0.0" + "72916" + "6" * 54 + "7")  # 60 digits, the last at 1E-61
PRO = Decimal("14." + "1" + "6" * 56 + "7")  # 60 digits, the last at 1E-58
# Their sum has 63 digits: 14.2395833...3 + the last digits 0.67E-58 + ... exactly
# 14.23958 333...3 (53 threes) 667 = SUP + PRO; a 60-digit sum would round it to ...3334.
TOTAL = Decimal("14.23958" + "3" * 53 + "667")


def test_the_prorated_fees_are_rounded_at_their_60th_digit() -> None:
    amounts = {c.meter: c.amount for c in rk.rate([], PLANS, span=MARCH_1).charges}
    assert amounts == {"sup": SUP, "pro": PRO}
    assert abs(Fraction(SUP) - Fraction(7, 96)) < Fraction(1, 10**61)
    assert abs(Fraction(PRO) - Fraction(85, 6)) < Fraction(1, 10**58)


def test_a_rating_total_is_the_exact_sum_of_its_charges() -> None:
    rating = rk.rate([], PLANS, span=MARCH_1)
    assert Fraction(SUP) + Fraction(PRO) == Fraction(TOTAL)
    assert rating.total() == rating.total("b", MARCH_1) == TOTAL
    assert len(TOTAL.as_tuple().digits) == 63  # more than the 60 of ratekit's context


def test_statements_and_batch_totals_agree_to_the_last_digit() -> None:
    # One statement, then the same day cut by two watermarks: the lines (charges, then
    # increments of the fees prorated further) add up to the batch total exactly.
    rater = rk.Rater(PLANS, [], start=MARCH_1.start)
    statement = rater.statement(MARCH_1.end)
    assert statement.total() == TOTAL
    cut = rk.Rater(PLANS, [], start=MARCH_1.start)
    parts = [cut.statement(at).total() for at in ("2026-03-01T05:00:00Z", "2026-03-01T09:30:00Z")]
    parts.append(cut.statement(MARCH_1.end).total())
    assert sum(map(Fraction, parts)) == Fraction(TOTAL)
    # The day closes at its end (horizon 0); its invoice rounds once: 14.2395833 -> 14.24.
    (invoice,) = statement.invoices
    assert invoice.total == Decimal("14.24")
