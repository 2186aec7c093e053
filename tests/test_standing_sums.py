"""A minimum's spend of the charges that stand: sums kept as charges come and go.

The streaming rater counts the charges that stand in a minimum's spend without reading
them (`ratekit._standing`): the sums must be those rating makes of the charges present,
digit for digit (a top-up keeps its spend's digits: 16.40, not 16.4), and say when an
order of adding them could round at the 60th digit.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from ratekit._standing import Standing, adds_up, terminates


def test_a_sum_has_the_digits_of_the_amounts_present_not_of_those_taken_out() -> None:
    sums = Standing()
    sums.add(Decimal("1.5"), Fraction(3, 2))
    sums.add(Decimal("2.25"), Fraction(9, 4))
    amount, exact, sure = sums.spent()
    assert (str(amount), exact, sure) == ("3.75", Fraction(15, 4), True)
    # 2.25 taken out: 1.5 as rating adds the one amount left, not 1.50
    sums.take(Decimal("2.25"), Fraction(9, 4))
    amount, exact, sure = sums.spent()
    assert (str(amount), exact, sure) == ("1.5", Fraction(3, 2), True)


def test_a_refund_leaves_a_zero_at_the_finest_exponent() -> None:
    # 0.10 + -0.1 = 0.00, as rating adds them
    sums = Standing()
    sums.add(Decimal("0.10"), Fraction(1, 10))
    sums.add(Decimal("-0.1"), Fraction(-1, 10))
    amount, exact, sure = sums.spent()
    assert (str(amount), exact, sure) == ("0.00", Fraction(0), True)


def test_amounts_that_an_order_could_round_are_unsure() -> None:
    # 10 and 0.333...3 (60 threes): 62 digits in all, more than rating's 60: rounded
    # once to 10.333...3 (58 threes), and unsure (another order may round otherwise)
    third = Decimal("0." + "3" * 60)
    sums = Standing()
    sums.add(Decimal(10), Fraction(10))
    sums.add(third, Fraction(third))
    amount, _, sure = sums.spent()
    assert (str(amount), sure) == ("10." + "3" * 58, False)
    assert not adds_up([Decimal(10), third])
    assert adds_up([Decimal(10), Decimal("0." + "3" * 58)])  # 60 digits: exact in any order


def test_a_top_up_a_decimal_can_equal_ends_in_2s_and_5s() -> None:
    # 3/8 = 0.375 and 7/250 = 0.028 end; 1/3 and 1/6 do not (no Decimal equals them)
    assert terminates(Fraction(3, 8))
    assert terminates(Fraction(7, 250))
    assert terminates(Fraction(5))
    assert not terminates(Fraction(1, 3))
    assert not terminates(Fraction(1, 6))
