"""Laws: ratekit's price models against brute-force oracles of how peers define them.

Lago, Stripe and Kill Bill write tiers as inclusive integer ranges and price units one by
one: a graduated price is the sum, unit by unit, of the price of the range each unit
falls in (plus each reached range's flat fee); a volume price is every unit at the price
of the range holding the last one. For whole quantities ratekit's continuous tiers read
through ``from_ranges`` must give exactly those sums. On continuous quantities, with
blocks, the oracle is the same arithmetic in ``Fraction``s. Progressive billing's
invoices (marginal prices) must add up to the period's price, and the percentage model's
per-transaction terms must match a plain loop over the transactions.
"""

from __future__ import annotations

import decimal
import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

PRICES = st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False)


@st.composite
def integer_ranges(draw: st.DrawFn) -> list[tuple[int, int | None, Decimal, Decimal]]:
    """Lago-style ranges: (from, to, unit price, flat fee); from 1, each from the previous to + 1."""
    bounds = sorted(draw(st.sets(st.integers(min_value=1, max_value=60), min_size=0, max_size=4)))
    ranges: list[tuple[int, int | None, Decimal, Decimal]] = []
    start = 1
    for bound in bounds:
        ranges.append((start, bound, draw(PRICES), draw(PRICES)))
        start = bound + 1
    ranges.append((start, None, draw(PRICES), draw(PRICES)))
    return ranges


def _written(
    ranges: list[tuple[int, int | None, Decimal, Decimal]],
) -> list[tuple[str, Decimal, Decimal]]:
    return [
        (f"{start}-{end}" if end is not None else f"{start}+", unit, flat)
        for start, end, unit, flat in ranges
    ]


def _holding(ranges: list[tuple[int, int | None, Decimal, Decimal]], unit: int) -> int:
    return next(
        index
        for index, (start, end, _, _) in enumerate(ranges)
        if start <= unit and (end is None or unit <= end)
    )


@settings(max_examples=LAWS)
@given(integer_ranges(), st.integers(min_value=0, max_value=80))
def test_graduated_ranges_price_whole_units_one_by_one(
    ranges: list[tuple[int, int | None, Decimal, Decimal]], quantity: int
) -> None:
    # Unit by unit: unit u costs the unit price of the range holding it; each range that
    # holds a unit adds its flat fee once; with no unit at all the first range's flat
    # fee is due (flat_at_zero, the default, as Lago and OpenMeter now charge it).
    oracle = sum(
        (Fraction(ranges[_holding(ranges, unit)][2]) for unit in range(1, quantity + 1)),
        Fraction(0),
    )
    reached = {_holding(ranges, unit) for unit in range(1, quantity + 1)} or {0}
    oracle += sum((Fraction(ranges[index][3]) for index in reached), Fraction(0))
    model = rk.Graduated.from_ranges(_written(ranges))
    assert Fraction(model.amount(quantity)) == oracle


@settings(max_examples=LAWS)
@given(integer_ranges(), st.integers(min_value=0, max_value=80))
def test_volume_ranges_price_every_unit_at_the_last_units_range(
    ranges: list[tuple[int, int | None, Decimal, Decimal]], quantity: int
) -> None:
    # Every unit at the unit price of the range holding the last unit, plus that range's
    # flat fee; no unit: the first range's flat fee.
    index = _holding(ranges, quantity) if quantity else 0
    _, _, unit, flat = ranges[index]
    oracle = quantity * Fraction(unit) + Fraction(flat)
    model = rk.Volume.from_ranges(_written(ranges))
    assert Fraction(model.amount(quantity)) == oracle


QUANTITIES = st.fractions(min_value=0, max_value=200, max_denominator=1000)


@st.composite
def tier_tables(draw: st.DrawFn) -> list[tuple[Fraction | None, Fraction, Fraction, int | None]]:
    """Continuous tiers: (up_to, unit, flat, block)."""
    bounds = sorted(draw(st.sets(st.integers(min_value=1, max_value=150), max_size=3)))
    tops: list[Fraction | None] = [Fraction(bound) for bound in bounds]
    tops.append(None)
    return [
        (
            top,
            Fraction(draw(PRICES)),
            Fraction(draw(PRICES)),
            draw(st.one_of(st.none(), st.integers(min_value=1, max_value=25))),
        )
        for top in tops
    ]


def _tiers(table: list[tuple[Fraction | None, Fraction, Fraction, int | None]]) -> list[rk.Tier]:
    def text(value: Fraction) -> str:
        return str(Decimal(value.numerator) / Decimal(value.denominator))

    return [
        rk.Tier(None if top is None else text(top), text(unit), flat=text(flat), block=block)
        for top, unit, flat, block in table
    ]


def _decimal(value: Fraction) -> Decimal:
    # Quantities with denominators up to 1000 drawn as Fractions: written exactly when
    # they terminate, else rounded at the 40th digit (still an exact Decimal to price).
    return Decimal(value.numerator) / Decimal(value.denominator)


@settings(max_examples=LAWS)
@given(tier_tables(), QUANTITIES)
def test_graduated_and_volume_against_a_fraction_oracle(
    table: list[tuple[Fraction | None, Fraction, Fraction, int | None]], drawn: Fraction
) -> None:
    given_quantity = _decimal(drawn)
    quantity = Fraction(given_quantity)
    graduated, volume = Fraction(0), Fraction(0)
    lower = Fraction(0)
    for index, (top, unit, flat, block) in enumerate(table):
        inside = (quantity if top is None else min(quantity, top)) - lower
        if inside > 0 or (index == 0 and quantity == 0):
            billed = (
                Fraction(math.ceil(inside / block))
                if block and inside > 0
                else max(inside, Fraction(0))
            )
            graduated += billed * unit + flat
        if (quantity > lower or index == 0) and (top is None or quantity <= top):
            # the tier holding the quantity (0 is the first tier's): blocks counted on
            # the whole quantity, as Flexprice's volume mode counts packages
            whole = Fraction(math.ceil(quantity / block)) if block else quantity
            volume = whole * unit + flat
        if top is not None:
            lower = top
    tiers = _tiers(table)
    assert Fraction(rk.Graduated(tiers).amount(given_quantity)) == graduated
    assert Fraction(rk.Volume(tiers).amount(given_quantity)) == volume


@settings(max_examples=LAWS)
@given(tier_tables(), st.lists(QUANTITIES, min_size=1, max_size=6))
def test_progressive_invoices_add_up_to_the_periods_price(
    table: list[tuple[Fraction | None, Fraction, Fraction, int | None]], arrivals: list[Fraction]
) -> None:
    # Lago's and OpenMeter's progressive billing invoice each arrival's marginal price;
    # with the opening (the amount at zero), the invoices add up to the period's price to
    # the last digit, under graduated and volume tiers alike (a volume arrival may be a
    # refund).
    tiers = _tiers(table)
    for model in (rk.Graduated(tiers), rk.Volume(tiers)):
        so_far = Decimal(0)
        invoiced = Fraction(model.amount(0))
        for arrival in arrivals:
            added = _decimal(arrival)
            invoiced += Fraction(model.marginal(so_far, added))
            with decimal.localcontext(prec=200):  # exact: 28 digits would round the sum
                so_far += added
        assert invoiced == Fraction(model.amount(so_far))


@settings(max_examples=LAWS)
@given(
    st.integers(min_value=1, max_value=50),
    PRICES,
    st.integers(min_value=0, max_value=60),
    QUANTITIES,
)
def test_package_against_its_definition(
    size: int, price: Decimal, free: int, drawn: Fraction
) -> None:
    # Lago, package: subtract the free units, round the rest up to whole packages.
    given_quantity = _decimal(drawn)
    quantity = Fraction(given_quantity)
    oracle = math.ceil(max(quantity - free, Fraction(0)) / size) * Fraction(price)
    assert Fraction(rk.Package(size, price, free=free).amount(given_quantity)) == oracle


@settings(max_examples=LAWS)
@given(
    st.decimals(min_value=0, max_value=10, places=2),
    st.decimals(min_value=0, max_value=1, places=2),
    st.integers(min_value=0, max_value=600),
    st.integers(min_value=0, max_value=4),
    st.one_of(st.none(), st.decimals(min_value=0, max_value=2, places=2)),
    st.one_of(st.none(), st.decimals(min_value=2, max_value=20, places=2)),
    st.lists(st.decimals(min_value=0, max_value=400, places=2), max_size=8),
)
def test_percentage_per_transaction_terms_against_a_loop(  # noqa: PLR0917 (hypothesis draws them)
    percent: Decimal,
    fee: Decimal,
    free_amount: int,
    free_transactions: int,
    minimum: Decimal | None,
    maximum: Decimal | None,
    transactions: list[Decimal],
) -> None:
    # Lago's percentage model, as ratekit documents it: the rate applies to the part of
    # each transaction above what is left of the free amount; the fee is due after the
    # free transactions; the minimum and maximum bound each transaction's charge, except
    # one left wholly free (nothing billable and no fee).
    model = rk.Percentage(
        percent,
        fixed_fee=fee,
        free_amount=free_amount,
        free_transactions=free_transactions,
        minimum=minimum,
        maximum=maximum,
    )
    left = Fraction(free_amount)
    total = Fraction(0)
    for index, transaction in enumerate(transactions):
        amount = Fraction(transaction)
        billable = max(amount - left, Fraction(0))
        left = max(left - amount, Fraction(0))
        due_fee = Fraction(fee) if index >= free_transactions else Fraction(0)
        charge = Fraction(percent) / 100 * billable + due_fee
        if billable > 0 or due_fee > 0:
            if minimum is not None:
                charge = max(charge, Fraction(minimum))
            if maximum is not None:
                charge = min(charge, Fraction(maximum))
        total += charge
    assert Fraction(model.amount_of(transactions)) == total
    # Lago once persisted a fee that its own estimate contradicted
    # (https://github.com/getlago/lago-api/issues/5560): the lines must add up to the total.
    lines = model.explain_of(transactions)
    assert len(lines) == len(transactions)
    assert sum((Fraction(line.amount) for line in lines), Fraction(0)) == total
