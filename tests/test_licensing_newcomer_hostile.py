"""A licensing vendor's hostile inputs: 1E-30 prices, 59-digit seat counts, a plan
covering one microsecond of a month. What works is checked against fractions; what
breaks is pinned as a strict xfail with the behaviour expected."""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction

import pytest
from tests._rounding import MODES
from tests.test_licensing_newcomer_seats import APRIL, SEATS, UTC_MONTHS, peak, rounded, seat_plan

import ratekit as rk

BIG = Decimal(
    "12345678901234567890123456789.123456789012345678901234567890"
)  # 59 significant digits
APRIL_US = 30 * 86_400 * 10**6


def _third(plan: rk.Plan) -> list[rk.Assignment]:
    return [rk.Assignment("acme", plan, start="2026-04-21T00:00:00Z")]


def _one_microsecond(plan: rk.Plan) -> list[rk.Assignment]:
    return [
        rk.Assignment("acme", plan, start="2026-04-21T00:00:00Z", end="2026-04-21T00:00:00.000001Z")
    ]


def _plan(price: str, mode: str, **parts: list[rk.Allowance] | list[rk.Minimum]) -> rk.Plan:
    return rk.Plan(
        "p",
        "USD",
        UTC_MONTHS,
        [rk.PriceEntry("seat", "seats", rk.PerUnit(price))],
        rounding=mode,
        **parts,
    )


def test_a_price_of_1e_30_per_seat_is_carried_exactly() -> None:
    # 10 seats x 1E-30 = 1.0E-29 for the month, 0.00 on the invoice.
    rating = rk.rate([peak(10)], seat_plan("1E-30"), span=APRIL, meters=[SEATS])
    assert [charge.amount for charge in rating.charges] == [Decimal("1.0E-29")]
    assert rk.bill(rating)[0].total == Decimal("0.00")


@pytest.mark.parametrize("mode", MODES)
def test_a_1e_30_price_after_a_prorated_allowance_rounds_from_its_exact_amount(mode: str) -> None:
    # (10 - 3) x 1/3 x 1E-30 = 7/3 E-30: positive, so 0.01 upwards, else 0.00.
    rating = rk.rate(
        [peak(10)],
        _third(seat_plan("1E-30", allowance=3, rounding=mode)),
        span=APRIL,
        meters=[SEATS],
    )
    assert rk.bill(rating)[0].total == rounded(Fraction(7, 3) * Fraction(1, 10**30), mode)


def test_a_price_below_1e_30_is_refused_naming_the_range() -> None:
    with pytest.raises(
        rk.BadPriceError, match=r"'1E-31'.*magnitude from 1E-30 up to but excluding 1E\+30"
    ):
        rk.PerUnit("1E-31")


@pytest.mark.parametrize("mode", MODES)
def test_59_digit_seats_for_a_third_of_a_month_round_from_their_exact_amount(mode: str) -> None:
    # BIG / 3 seats at 1: 4115226300411522630041152263.0411522630041... (repeating).
    rating = rk.rate([peak(BIG)], _third(seat_plan("1", rounding=mode)), span=APRIL, meters=[SEATS])
    assert rk.bill(rating)[0].total == rounded(Fraction(BIG) / 3, mode)


@pytest.mark.parametrize("mode", MODES)
def test_59_digit_seats_within_a_59_digit_allowance_cost_nothing(mode: str) -> None:
    plan = _plan("3", mode, allowances=[rk.Allowance("seats", BIG)])
    rating = rk.rate([peak(BIG)], _third(plan), span=APRIL, meters=[SEATS])
    assert rk.bill(rating)[0].total == Decimal("0.00")


@pytest.mark.parametrize("mode", MODES)
def test_a_59_digit_commitment_reached_exactly_by_a_third_of_59_digit_seats(mode: str) -> None:
    # BIG seats at 3 for a third: BIG x 3 / 3 = BIG; the commitment 3 x BIG for a third is BIG.
    with decimal.localcontext(decimal.Context(prec=100)):
        commitment = BIG * 3  # 59 significant digits, exactly
    rating = rk.rate(
        [peak(BIG)],
        _third(_plan("3", mode, minimums=[rk.Minimum(commitment)])),
        span=APRIL,
        meters=[SEATS],
    )
    (invoice,) = rk.bill(rating)
    assert [line.kind for line in invoice.lines] == ["usage"]
    assert invoice.total == rounded(Fraction(BIG), mode)


def test_a_59_digit_whole_seat_count_is_refused_naming_the_range() -> None:
    with pytest.raises(
        rk.BadQuantityError,
        match=r"value Decimal\('1(0){58}'\) lies outside.*at most 60 significant",
    ):
        rk.rate([peak(Decimal(10**58))], seat_plan("1"), span=APRIL, meters=[SEATS])


def test_an_amount_past_1e30_is_refused_naming_entry_and_account() -> None:
    # 29 nines seats at 29 nines: about 1E+58, past what an invoice carries.
    nines = "9" * 29
    with pytest.raises(
        rk.BadPriceError, match=r"price entry 'seat' of plan 'seats'.*account 'acme'.*outside"
    ):
        rk.rate([peak(Decimal(nines))], seat_plan(nines), span=APRIL, meters=[SEATS])


def test_a_plan_covering_one_microsecond_is_prorated_exactly() -> None:
    # 10 seats, 3 free, at 10 for 1 us of April's 2,592,000,000,000: usage 7 x 10 / 2.592E12;
    # the commitment of 100 for the same microsecond tops it up to 100 / 2.592E12.
    plan = seat_plan("10", allowance=3, minimum=100)
    rating = rk.rate([peak(10)], _one_microsecond(plan), span=APRIL, meters=[SEATS])
    usage, minimum = rating.charges
    assert abs(Fraction(usage.amount) - Fraction(70, APRIL_US)) < Fraction(1, 10**70)
    assert abs(Fraction(minimum.amount) - Fraction(30, APRIL_US)) < Fraction(1, 10**70)
    (invoice,) = rk.bill(rating)
    # The commitment on the cent is 0.00, which the usage line as rounded reaches: nothing
    # is topped up (a minimum line, if the invoice shows one, says 0.00).
    assert [line.amount for line in invoice.lines if line.kind == "usage"] == [Decimal("0.00")]
    assert all(line.amount == 0 for line in invoice.lines)
    assert invoice.total == Decimal("0.00")


def test_a_1e_30_price_for_one_microsecond_rates() -> None:
    # 10 seats x 1E-30 x 1 / 2,592,000,000,000 us = 3.858...E-42 (was: BadPriceError,
    # though every input was accepted at its door): 0.00 half-even.
    rating = rk.rate([peak(10)], _one_microsecond(seat_plan("1E-30")), span=APRIL, meters=[SEATS])
    assert rk.bill(rating)[0].total == Decimal("0.00")


def test_1e_30_seats_for_a_third_of_a_month_rate() -> None:
    # 1E-30 seats x 1/3 x 1 = 3.33...E-31, the share ratekit cut itself (was:
    # BadPriceError): 0.00 half-even.
    rating = rk.rate([peak(Decimal("1E-30"))], _third(seat_plan("1")), span=APRIL, meters=[SEATS])
    assert rk.bill(rating)[0].total == Decimal("0.00")
