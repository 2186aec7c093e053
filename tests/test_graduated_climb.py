"""A graduated price climbed (rating's running amount per group) against its tiers filled anew.

Rating prices the pieces of a group priced by its total at the group's running quantity,
climbing a Graduated price's tiers from where the quantity before left them
(`ratekit._graduated.Climb`). Law: over any sequence of quantities (rising, falling, on a
bound, zero), every amount of one climb is the Decimal the tiers give when filled from
zero one by one, digit for digit and exponent for exponent, and the exact value a
Fraction oracle gives.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk
from ratekit._decimals import CONTEXT
from ratekit._graduated import Climb

D = Decimal

prices = st.decimals(min_value=0, max_value=100, places=4)
quantities = st.one_of(
    st.decimals(min_value=0, max_value=6_000, places=3),
    # on the bounds below, written with other exponents: a bound prices as written
    st.sampled_from([D(0), D("0.000"), D("1.00"), D(10), D("100.0"), D("1000"), D("1E+3")]),
)


@st.composite
def tier_tables(draw: st.DrawFn) -> tuple[rk.Tier, ...]:
    """Strictly increasing bounds; the last tier open or bounded; flats and blocks."""
    bounds: list[Decimal | None] = sorted(
        draw(st.sets(st.sampled_from([D(1), D("10.0"), D(100), D("1000.00")]), max_size=3))
        | draw(st.sets(st.decimals(min_value="0.5", max_value=5_000, places=1), max_size=2))
    )
    if not bounds or draw(st.booleans()):
        bounds.append(None)
    return tuple(
        rk.Tier(
            up_to,
            draw(prices),
            flat=draw(prices) if draw(st.booleans()) else D(0),
            block=(
                draw(st.decimals(min_value="0.5", max_value=500, places=1))
                if draw(st.booleans())
                else None
            ),
        )
        for up_to in bounds
    )


def filled(tiers: tuple[rk.Tier, ...], quantity: Decimal, flat_at_zero: bool) -> Decimal:
    """The tiers filled from zero, one by one: each whole tier passed, then the part."""
    total = D(0)
    lower = D(0)
    for index, tier in enumerate(tiers):
        if not (quantity > lower or (index == 0 and flat_at_zero)):
            break
        upper = tier.up_to
        top = quantity if upper is None or quantity < upper else upper
        inside = CONTEXT.subtract(top, lower)
        if tier.block is not None:
            inside = D(math.ceil(Fraction(inside) / Fraction(tier.block)))
        total = CONTEXT.add(total, CONTEXT.add(CONTEXT.multiply(tier.unit, inside), tier.flat))
        if upper is None or quantity <= upper:
            break
        lower = upper
    return total


def oracle(tiers: tuple[rk.Tier, ...], quantity: Decimal, flat_at_zero: bool) -> Fraction:
    """The same in fractions: every tier the quantity reaches, up to the last bound."""
    q = Fraction(quantity)
    total = Fraction(0)
    lower = Fraction(0)
    for index, tier in enumerate(tiers):
        if not (q > lower or (index == 0 and flat_at_zero)):
            break
        upper = None if tier.up_to is None else Fraction(tier.up_to)
        inside = (q if upper is None else min(q, upper)) - lower
        units = inside if tier.block is None else math.ceil(inside / Fraction(tier.block))
        total += Fraction(tier.unit) * units + Fraction(tier.flat)
        if upper is None or q <= upper:
            break
        lower = upper
    return total


@given(tier_tables(), st.booleans(), st.lists(quantities, min_size=1, max_size=12))
def test_a_climb_gives_every_quantity_the_amount_of_its_tiers_filled_anew(
    tiers: tuple[rk.Tier, ...], flat_at_zero: bool, sequence: list[Decimal]
) -> None:
    climb = Climb(tiers, flat_at_zero)
    for quantity in sequence:
        got = climb.amount(quantity)
        want = filled(tiers, quantity, flat_at_zero)
        assert got.as_tuple() == want.as_tuple(), (quantity, got, want)
        assert Fraction(got) == oracle(tiers, quantity, flat_at_zero)


# What rating may hand a price too: a negative running quantity, which amount() refuses.
negatives = st.decimals(min_value=-6_000, max_value=D("-0.001"), places=3)


@given(tier_tables(), st.booleans(), st.lists(quantities | negatives, min_size=1, max_size=12))
def test_rating_prices_a_group_by_its_climb_as_by_amount(
    tiers: tuple[rk.Tier, ...], flat_at_zero: bool, sequence: list[Decimal]
) -> None:
    # What rating uses for a group's running quantity gives amount()'s Decimal, or its error.
    price = rk.Graduated(list(tiers), flat_at_zero=flat_at_zero)
    climbing = price._climbing()
    bound = tiers[-1].up_to
    for quantity in sequence:
        if quantity < 0 or (bound is not None and quantity > bound):  # the same error
            with pytest.raises(rk.BadQuantityError) as error:
                price.amount(quantity)
            with pytest.raises(rk.BadQuantityError) as again:
                climbing(quantity)
            assert str(again.value) == str(error.value)
        else:
            assert climbing(quantity).as_tuple() == price.amount(quantity).as_tuple()


def test_a_climb_goes_back_to_the_first_tier_for_a_smaller_quantity() -> None:
    # Tiers (0, 10] at 1 and (10, 100] at 2, then 3: 150 is 10 + 180 + 150 = 340; then 5
    # is 5 * 1 = 5 (from the first tier again), and 20 is 10 + 20 = 30.
    tiers = (rk.Tier(10, 1), rk.Tier(100, 2), rk.Tier(None, 3))
    climb = Climb(tiers, flat_at_zero=True)
    assert [climb.amount(D(q)) for q in (150, 5, 20, 20, 10)] == [340, 5, 30, 30, 10]


def test_rating_refuses_a_group_beyond_the_range_as_amount_does() -> None:
    # 1E+30 lies outside the numbers ratekit represents: the climb hands it to amount().
    price = rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.09")])
    climbing = price._climbing()
    assert climbing(D(25)) == D("1.35")  # 15 * 0.09
    with pytest.raises(rk.BadQuantityError) as error:
        price.amount(D("1E+30"))
    with pytest.raises(rk.BadQuantityError) as again:
        climbing(D("1E+30"))
    assert str(again.value) == str(error.value)


def test_rating_refuses_a_negative_group_quantity_as_amount_does() -> None:
    # A climb alone would price -1 under a flat first tier (5 + 1 * -1 = 4): the door
    # refuses it first, with amount()'s words, once the climb has reached a higher tier too.
    price = rk.Graduated([rk.Tier(100, 1, flat=5), rk.Tier(None, "0.5")], flat_at_zero=True)
    climbing = price._climbing()
    assert climbing(D(150)) == D("130.0")  # 5 + 100 * 1 + 50 * 0.5 = 130.0
    for quantity in (D(-1), D("-0.000001")):
        with pytest.raises(rk.BadQuantityError) as error:
            price.amount(quantity)
        with pytest.raises(rk.BadQuantityError) as again:
            climbing(quantity)
        assert str(again.value) == str(error.value)
        assert "cannot price the negative quantity" in str(again.value)
