"""Price models, by property: monotone, continuous, telescoping, and equal to oracles.

Money is compared against a brute-force oracle in :class:`fractions.Fraction`, which never
rounds. Quantities and prices have few decimal places, so every ratekit result is exact
and the comparisons are equalities, not approximations.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import assume, given
from hypothesis import strategies as st

import ratekit as rk

D = Decimal

quantities = st.decimals(min_value=0, max_value=10_000, places=3)
small_steps = st.decimals(min_value=0, max_value=50, places=3)
prices = st.decimals(min_value=0, max_value=100, places=4)
signed_quantities = st.decimals(min_value=-10_000, max_value=10_000, places=3)


@st.composite
def tier_tables(
    draw: st.DrawFn, *, flats: bool = True, blocks: bool = True, max_tiers: int = 5
) -> list[rk.Tier]:
    """A valid tier table: strictly increasing bounds, the last tier open."""
    bounds = sorted(
        draw(
            st.sets(st.decimals(min_value="0.5", max_value=5_000, places=1), max_size=max_tiers - 1)
        )
    )
    tiers = []
    for up_to in [*bounds, None]:
        flat = draw(prices) if flats and draw(st.booleans()) else D(0)
        block = (
            draw(st.decimals(min_value="0.5", max_value=500, places=1))
            if blocks and draw(st.booleans())
            else None
        )
        tiers.append(rk.Tier(up_to, draw(prices), flat=flat, block=block))
    return tiers


def graduated_oracle(tiers: list[rk.Tier], quantity: Decimal, flat_at_zero: bool) -> Fraction:
    """Graduated pricing spelled out tier by tier, in fractions."""
    q = Fraction(quantity)
    total = Fraction(0)
    lower = Fraction(0)
    for index, tier in enumerate(tiers):
        upper = None if tier.up_to is None else Fraction(tier.up_to)
        reached = q > lower or (index == 0 and flat_at_zero)
        if reached:
            inside = max(Fraction(0), (q if upper is None else min(q, upper)) - lower)
            units = inside if tier.block is None else math.ceil(inside / Fraction(tier.block))
            total += Fraction(tier.unit) * units + Fraction(tier.flat)
        if upper is None:
            break
        lower = upper
    return total


@given(tier_tables(), quantities, st.booleans())
def test_graduated_equals_a_per_tier_oracle(
    tiers: list[rk.Tier], quantity: Decimal, flat_at_zero: bool
) -> None:
    model = rk.Graduated(tiers, flat_at_zero=flat_at_zero)
    assert Fraction(model.amount(quantity)) == graduated_oracle(tiers, quantity, flat_at_zero)


@given(tier_tables(), quantities, small_steps, st.booleans())
def test_graduated_is_non_decreasing_for_non_negative_prices(
    tiers: list[rk.Tier], quantity: Decimal, step: Decimal, flat_at_zero: bool
) -> None:
    model = rk.Graduated(tiers, flat_at_zero=flat_at_zero)
    assert model.amount(quantity) <= model.amount(quantity + step)


@given(tier_tables(flats=False, blocks=False), quantities, small_steps)
def test_graduated_is_continuous_without_flat_fees_or_blocks(
    tiers: list[rk.Tier], quantity: Decimal, step: Decimal
) -> None:
    # Piecewise linear with slopes equal to the unit prices: moving the quantity by `step`
    # moves the amount by at most the steepest unit price times `step` (Lipschitz, hence
    # continuous: no jump anywhere, bounds included).
    model = rk.Graduated(tiers)
    steepest = max(tier.unit for tier in tiers)
    assert model.amount(quantity + step) - model.amount(quantity) <= steepest * step
    assert model.amount(0) == 0


def models() -> st.SearchStrategy[rk.PriceModel]:
    percent = st.decimals(min_value=0, max_value=100, places=2)
    return st.one_of(
        st.builds(rk.Graduated, tier_tables(), flat_at_zero=st.booleans()),
        st.builds(rk.Volume, tier_tables(), flat_at_zero=st.booleans()),
        st.builds(
            rk.Package,
            st.decimals(min_value="0.5", max_value=500, places=1),
            prices,
            free=quantities,
        ),
        st.builds(
            rk.GraduatedPercentage,
            tier_tables(blocks=False).map(lambda tiers: [(t.up_to, t.unit, t.flat) for t in tiers]),
            flat_at_zero=st.booleans(),
        ),
        st.builds(rk.Percentage, percent, free_amount=quantities),
        st.builds(rk.PerUnit, prices),
        st.builds(rk.Flat, prices),
    )


@given(models(), st.lists(small_steps, max_size=10))
def test_marginal_prices_telescope(model: rk.PriceModel, steps: list[Decimal]) -> None:
    # Pay-as-you-go: charge amount(0) when the cycle opens (a flat fee at zero usage, if
    # any), then the marginal price of each usage as it arrives; the charges add up to the
    # amount of the cycle's total, to the last digit.
    charged = model.amount(D(0))
    quantity = D(0)
    for step in steps:
        charged += model.marginal(quantity, step)
        quantity += step
    assert charged == model.amount(quantity)


@given(models(), quantities)
def test_breakdown_lines_add_up_to_the_amount(model: rk.PriceModel, quantity: Decimal) -> None:
    lines = model.explain(quantity)
    assert lines
    assert sum((line.amount for line in lines), D(0)) == model.amount(quantity)


@given(prices, signed_quantities, signed_quantities)
def test_per_unit_is_linear(rate: Decimal, a: Decimal, b: Decimal) -> None:
    model = rk.PerUnit(rate)
    assert model.amount(a + b) == model.amount(a) + model.amount(b)
    assert model.marginal(a, b) == model.amount(b)


@given(prices, prices, st.one_of(st.none(), st.decimals("0.5", 500, places=1)))
def test_volume_and_graduated_agree_on_a_single_tier(
    unit: Decimal, flat: Decimal, block: Decimal | None
) -> None:
    tiers = [rk.Tier(None, unit, flat=flat, block=block)]
    for flat_at_zero in (True, False):
        graduated = rk.Graduated(tiers, flat_at_zero=flat_at_zero)
        volume = rk.Volume(tiers, flat_at_zero=flat_at_zero)
        for quantity in (D(0), D("0.001"), D(1), D("123.456"), D(9999)):
            assert volume.amount(quantity) == graduated.amount(quantity)


@given(tier_tables(), quantities, st.booleans())
def test_volume_prices_everything_at_the_containing_tier(
    tiers: list[rk.Tier], quantity: Decimal, flat_at_zero: bool
) -> None:
    # Oracle: the first tier whose up_to is >= quantity prices all of it.
    tier = next(t for t in tiers if t.up_to is None or quantity <= t.up_to)
    units = Fraction(quantity) if tier.block is None else math.ceil(quantity / tier.block)
    expected = Fraction(tier.unit) * units
    if quantity or flat_at_zero:
        expected += Fraction(tier.flat)
    assert Fraction(rk.Volume(tiers, flat_at_zero=flat_at_zero).amount(quantity)) == expected


@given(st.decimals("0.5", 500, places=1), prices, quantities, quantities)
def test_package_is_a_free_tier_then_blocks(
    size: Decimal, price: Decimal, free: Decimal, quantity: Decimal
) -> None:
    assume(free > 0)
    as_tiers = rk.Graduated([rk.Tier(free, 0), rk.Tier(None, price, block=size)])
    assert rk.Package(size, price, free=free).amount(quantity) == as_tiers.amount(quantity)


@given(
    st.decimals(min_value=0, max_value=100, places=2),
    quantities,
    st.lists(quantities, max_size=8),
)
def test_percentage_of_a_total_equals_the_sum_over_its_transactions(
    percent: Decimal, free_amount: Decimal, transactions: list[Decimal]
) -> None:
    model = rk.Percentage(percent, free_amount=free_amount)
    assert model.amount(sum(transactions, D(0))) == model.amount_of(transactions)


@given(
    st.decimals(min_value=0, max_value=10, places=2),
    st.decimals(min_value=0, max_value=1, places=2),
    st.integers(min_value=0, max_value=3),
    st.lists(quantities, max_size=8),
)
def test_percentage_bounds_hold_for_every_charged_transaction(
    percent: Decimal, fee: Decimal, free_transactions: int, transactions: list[Decimal]
) -> None:
    model = rk.Percentage(
        percent, fixed_fee=fee, free_transactions=free_transactions, minimum="0.50", maximum=5
    )
    for line in model.explain_of(transactions):
        if line.billable or line.fee:
            assert D("0.50") <= line.amount <= 5
        else:
            assert line.amount == 0


@given(st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=5, unique=True))
def test_from_ranges_matches_the_continuous_tiers(widths: list[int]) -> None:
    # Consecutive inclusive ranges of the given widths, then an open one.
    ranges, tiers, first = [], [], 1
    for index, width in enumerate(widths):
        last = first + width - 1
        ranges.append((f"{first}-{last}", index + 1))
        tiers.append(rk.Tier(last, index + 1))
        first = last + 1
    ranges.append((f"{first}+", 0))
    tiers.append(rk.Tier(None, 0))
    assert rk.Graduated.from_ranges(ranges) == rk.Graduated(tiers)
