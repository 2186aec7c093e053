"""Price models, by example: every amount below is worked by hand in its comment."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk

D = Decimal

# The table most examples use: (0, 5] at 0.10, (5, 10] at 0.08, (10, inf) at 0.05.
CALLS = [rk.Tier(5, "0.10"), rk.Tier(10, "0.08"), rk.Tier(None, "0.05")]


# -- Tier -------------------------------------------------------------------------------


def test_tier_converts_at_the_door_and_reads_back() -> None:
    tier = rk.Tier(up_to=0.1, unit="0.10", flat=2, block=D(100))
    assert tier.up_to == D("0.1")  # float through its repr, not its binary expansion
    assert (tier.unit, tier.flat, tier.block) == (D("0.10"), D(2), D(100))
    assert repr(tier) == "Tier(up_to='0.1', unit='0.10', flat='2', block='100')"
    assert repr(rk.Tier()) == "Tier(unit='0')"
    assert rk.Tier(5, "1") == rk.Tier(D(5), D(1))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"up_to": 0}, "Tier up_to must be greater than 0, not '0'"),
        ({"up_to": -5}, "Tier up_to must be greater than 0, not '-5'"),
        ({"block": 0}, "Tier block must be greater than 0, not '0'"),
        ({"block": "-1"}, "Tier block must be greater than 0, not '-1'"),
        ({"unit": "abc"}, "Tier unit 'abc' is not a decimal number"),
        ({"flat": "nan"}, "Tier flat must be a finite number"),
    ],
)
def test_tier_rejects_what_cannot_be_a_tier(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(rk.BadPriceError, match=message):
        rk.Tier(**kwargs)  # type: ignore[arg-type]


# -- tier tables ------------------------------------------------------------------------


@pytest.mark.parametrize("model", [rk.Graduated, rk.Volume])
def test_tier_tables_are_validated_with_the_index_and_values(model: type) -> None:
    name = model.__name__
    with pytest.raises(rk.BadPriceError, match=f"^{name} needs at least one tier"):
        model([])
    with pytest.raises(rk.BadPriceError, match=r"tiers\[0\] is open \(up_to=None\) but is not"):
        model([rk.Tier(None, 1), rk.Tier(None, 2)])
    with pytest.raises(
        rk.BadPriceError,
        match=r"tiers\[1\] up_to '5' is not greater than tiers\[0\] up_to '10'; tier bounds must be strictly increasing",
    ):
        model([rk.Tier(10, 1), rk.Tier(5, 2), rk.Tier(None, 3)])
    with pytest.raises(rk.BadPriceError, match=r"tiers\[1\] up_to '10' is not greater"):
        model([rk.Tier(10, 1), rk.Tier(10, 2), rk.Tier(None, 3)])
    # A bounded last tier is accepted (issue 8 §3; was refused): see test_bounded_last_tier*.
    model([rk.Tier(5, 1), rk.Tier(10, 2)])
    with pytest.raises(rk.BadPriceError, match=r"tiers\[1\]: Tier block must be greater than 0"):
        model([{"up_to": 5, "unit": 1}, {"unit": 1, "block": 0}])
    with pytest.raises(rk.BadPriceError, match=r"tiers\[0\] .* is not a tier"):
        model([(1, 2, 3, 4, 5)])
    with pytest.raises(rk.BadPriceError, match=r"tiers\[0\]: a tier must be a Tier"):
        model(["0.10"])
    with pytest.raises(rk.BadPriceError, match="tiers must be a sequence of tiers"):
        model(rk.Tier(None, 1))


def test_tiers_may_be_given_as_mappings_and_tuples() -> None:
    assert rk.Graduated([(5, "0.10"), {"unit": "0.05"}]) == rk.Graduated(
        [rk.Tier(5, "0.10"), rk.Tier(None, "0.05")]
    )
    assert rk.Graduated([(5, "0.10"), {"unit": "0.05"}]).tiers[1] == rk.Tier(unit="0.05")


# -- PerUnit ----------------------------------------------------------------------------


def test_per_unit_is_exact_and_accepts_corrections() -> None:
    price = rk.PerUnit(0.1)
    assert price.amount(3) == D("0.3")  # 0.1 x 3, no binary float in sight
    assert price.amount(-2) == D("-0.2")  # a negative quantity is a correction
    assert price.amount("1e3") == D("100.0")
    assert price.linear is True
    assert price.marginal(10, 5) == D("0.5")
    assert repr(price) == "PerUnit('0.1')"
    assert [str(line) for line in price.explain(-2)] == ["per unit: -2 * 0.1 = -0.2"]


def test_per_unit_keeps_every_digit_of_big_quantities() -> None:
    # An 18-digit byte count times a 12-digit price has 30 significant digits: the default
    # 28-digit context would round it; ratekit's context must not.
    quantity, rate = 123456789012345678, D("0.123456789012")
    expected = Fraction(quantity) * Fraction(rate)
    assert Fraction(rk.PerUnit(rate).amount(quantity)) == expected


def test_per_unit_rejects_what_is_not_a_number() -> None:
    with pytest.raises(rk.BadQuantityError, match="PerUnit quantity 'ten' is not a decimal number"):
        rk.PerUnit(1).amount("ten")
    with pytest.raises(rk.BadQuantityError, match="Graduated quantity must be a finite number"):
        rk.Graduated(CALLS).amount(D("inf"))
    with pytest.raises(rk.RatekitTypeError, match="PerUnit rate must be a number"):
        rk.PerUnit([1])  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError, match=r"tiers\[0\]: Tier unit must be a number"):
        rk.Graduated([{"unit": [1]}])
    with pytest.raises(rk.RatekitTypeError):
        rk.PerUnit(1).amount(True)  # type: ignore[arg-type]
    with pytest.raises(rk.BadPriceError, match="PerUnit rate 'x' is not a decimal number"):
        rk.PerUnit("x")


# -- Flat -------------------------------------------------------------------------------


def test_flat_is_the_fee_whatever_the_quantity() -> None:
    fee = rk.Flat(amount="49.00")
    assert fee.fee == D("49.00")
    assert fee.amount(0) == fee.amount(1000) == fee.amount(-1) == D("49.00")
    assert fee.marginal(0, 1000) == 0
    assert fee.linear is False  # 49 for a + 49 for b is not 49 for a + b
    assert repr(fee) == "Flat('49.00')"
    assert [line.amount for line in fee.explain(3)] == [D("49.00")]


# -- Graduated --------------------------------------------------------------------------


def test_graduated_fills_the_tiers_in_order() -> None:
    price = rk.Graduated(CALLS)
    assert price.amount(0) == 0
    assert price.amount(3) == D("0.30")  # 3 x 0.10
    # Exactly on a bound: all 5 units stay in the first tier.
    assert price.amount(5) == D("0.50")  # 5 x 0.10
    assert len(price.explain(5)) == 1
    assert price.amount("5.5") == D("0.540")  # 5 x 0.10 + 0.5 x 0.08 = 0.50 + 0.040
    assert price.amount(10) == D("0.90")  # 0.50 + 5 x 0.08
    assert price.amount(12) == D("1.00")  # 0.50 + 0.40 + 2 x 0.05
    assert price.linear is False


def test_graduated_explains_tier_by_tier() -> None:
    lines = rk.Graduated(CALLS).explain(12)
    assert [str(line) for line in lines] == [
        "tiers[0] (0, 5]: 5 * 0.10 = 0.50",
        "tiers[1] (5, 10]: 5 * 0.08 = 0.40",
        "tiers[2] (10, ∞): 2 * 0.05 = 0.10",
    ]
    assert [(line.lower, line.upper, line.quantity) for line in lines] == [
        (0, 5, 5),
        (5, 10, 5),
        (10, None, 2),
    ]
    assert sum(line.amount for line in lines) == D("1.00")


def test_graduated_flat_fees_and_the_flat_at_zero_switch() -> None:
    tiers = [rk.Tier(5, "0.10", flat=2), rk.Tier(None, "0.05", flat=1)]
    charged = rk.Graduated(tiers)
    waived = rk.Graduated(tiers, flat_at_zero=False)
    assert charged.amount(0) == 2  # the first tier's flat fee, at zero usage (Lago, OpenMeter)
    assert waived.amount(0) == 0
    assert waived.amount("0.001") == D("2.0001")  # 2 + 0.001 x 0.10
    assert charged.amount(5) == waived.amount(5) == D("2.50")  # 2 + 5 x 0.10
    # The second flat fee comes once the quantity passes 5: 2.50 + 1 + 1 x 0.05
    assert charged.amount(6) == D("3.55")
    assert [str(line) for line in charged.explain(0)] == ["tiers[0] (0, 5]: 2 flat = 2.00"]
    assert [str(line) for line in waived.explain(0)] == ["tiers[0] (0, 5]: 0 * 0.10 = 0.00"]
    assert repr(waived).endswith(", flat_at_zero=False)")


def test_volume_and_graduated_explanations_read_as_arithmetic_with_any_sign() -> None:
    # Volume (0, 5] at 2 with a discount fee of -3, above 5 at 1.
    volume = rk.Volume([rk.Tier(5, 2, flat=-3), rk.Tier(None, 1)])
    # zero usage (the price's base): only the fee is priced, 0 x 2 is not a term: -3
    assert [str(line) for line in volume.explain(0)] == ["tiers[0] (0, 5]: -3 flat = -3"]
    # 4 units: 4 x 2 = 8, minus the fee 3 = 5
    assert [str(line) for line in volume.explain(4)] == ["tiers[0] (0, 5]: 4 * 2 - 3 flat = 5"]
    # Graduated (0, 5] at 2 with -3 flat; above at -0.5 (a discount tier) with 1 flat.
    graduated = rk.Graduated([rk.Tier(5, 2, flat=-3), rk.Tier(None, "-0.5", flat=1)])
    # 7 units: 5 x 2 - 3 = 7, then 2 x (-0.5) + 1 = 0.0; 7 + 0.0 = 7.0
    assert [str(line) for line in graduated.explain(7)] == [
        "tiers[0] (0, 5]: 5 * 2 - 3 flat = 7",
        "tiers[1] (5, ∞): 2 * (-0.5) + 1 flat = 0.0",
    ]
    assert graduated.amount(7) == D("7.0")
    # a block tier at zero: no block is started, the fee alone (0 x 2.50 + 1 = 1.00)
    blocks = rk.Graduated([rk.Tier(10, "2.50", flat=1, block=5), rk.Tier(None, 1)])
    assert [str(line) for line in blocks.explain(0)] == ["tiers[0] (0, 10]: 1 flat = 1.00"]
    # waived fee at zero: nothing but 0 x 2 is left to show: 0
    waived = rk.Volume([rk.Tier(5, 2, flat=-3), rk.Tier(None, 1)], flat_at_zero=False)
    assert [str(line) for line in waived.explain(0)] == ["tiers[0] (0, 5]: 0 * 2 = 0"]


def test_graduated_blocks_round_up_from_the_tier_lower_bound() -> None:
    # 100 units free, then 2.00 per started block of 50 units.
    price = rk.Graduated([rk.Tier(100, 0), rk.Tier(None, "2.00", block=50)])
    assert price.amount(100) == 0
    assert price.amount("100.5") == D("2.00")  # 0.5 units start one block
    assert price.amount(150) == D("2.00")  # exactly one block
    assert price.amount(151) == D("4.00")  # 51 units start two blocks
    (_, line) = price.explain(151)
    assert (line.blocks, line.block, line.quantity) == (2, 50, 51)
    assert str(line) == "tiers[1] (100, ∞): 51 in 2 blocks of 50 * 2.00 = 4.00"
    assert str(price.explain(120)[1]) == "tiers[1] (100, ∞): 20 in 1 block of 50 * 2.00 = 2.00"


def test_graduated_marginal_is_the_difference_of_amounts() -> None:
    price = rk.Graduated(CALLS)
    # amount(6) - amount(4) = (0.50 + 0.08) - 0.40
    assert price.marginal(4, 2) == D("0.18")
    assert price.marginal(10, 0) == 0


def test_tiered_models_reject_negative_quantities_naming_the_model() -> None:
    models = [
        rk.Graduated(CALLS),
        rk.Volume(CALLS),
        rk.Package(10, 1),
        rk.GraduatedPercentage([(None, 1)]),
        rk.Percentage(1, free_amount=5),  # (a plain one is linear: see below)
    ]
    for model in models:
        name = type(model).__name__
        with pytest.raises(
            rk.BadQuantityError, match=f"^{name} cannot price the negative quantity '-1'"
        ):
            model.amount(-1)
        with pytest.raises(rk.BadQuantityError, match=name):
            model.explain("-0.5")


def test_a_plain_percentage_prices_a_refund_below_zero_as_per_unit_does() -> None:
    # Plain (no free amount, no per-transaction terms) it is linear: 2 % of -30 = -0.60,
    # and of 100 - 30 = 70 the same 1.40 whichever way it is summed.
    plain = rk.Percentage("2")
    assert plain.linear
    assert plain.amount(-30) == D("-0.60")
    assert plain.marginal(100, -30) == D("-0.60")
    assert [(line.quantity, line.amount) for line in plain.explain(-30)] == [(-30, D("-0.60"))]
    assert plain.amount(100) + plain.amount(-30) == plain.amount(70) == D("1.40")


# -- from_ranges ------------------------------------------------------------------------


def test_from_ranges_reads_inclusive_integer_ranges_as_tiers() -> None:
    price = rk.Graduated.from_ranges([("1-5", "0.10"), ("6-10", "0.08"), ("11+", "0.05")])
    assert price == rk.Graduated(CALLS)  # 1-5 is (0, 5], 6-10 is (5, 10], 11+ is (10, inf)
    assert price.amount("5.5") == D("0.540")  # 5.5 falls in 6-10, as a continuous quantity
    assert (
        rk.Graduated.from_ranges([("0-5", "0.10"), ((6, 10), "0.08"), ((11, None), "0.05")])
        == price
    )
    en_dash = "\u2013"
    assert rk.Graduated.from_ranges([(f"1{en_dash}5", 1), (" 6 + ", 2)]).tiers[0].up_to == 5
    with_flat = rk.Volume.from_ranges([("1-10", 8, 5), ("11+", 6)], flat_at_zero=False)
    assert with_flat == rk.Volume([rk.Tier(10, 8, 5), rk.Tier(None, 6)], flat_at_zero=False)


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        (
            [("1-5", 1), ("7-10", 2), ("11+", 3)],
            r"ranges\[1\] '7-10' leaves a gap after ranges\[0\] '1-5'; it should start at 6",
        ),
        (
            [("1-5", 1), ("5-10", 2), ("11+", 3)],
            r"ranges\[1\] '5-10' overlaps ranges\[0\] '1-5', which already includes 5; inclusive ranges continue at 6",
        ),
        (
            [("2-5", 1), ("6+", 2)],
            r"ranges\[0\] '2-5' starts at 2; the first range must start at 0 or 1",
        ),
        ([("1+", 1), ("6-10", 2)], r"ranges\[0\] '1\+' is open but is not the last range"),
        ([("1..5", 1)], r"ranges\[0\] range '1..5' is not an inclusive integer range"),
        ([("5-1", 1)], r"ranges\[0\] '5-1' ends before it starts"),
        ([("0-0", 1), ("1+", 1)], r"ranges\[0\] '0-0' covers no quantity above 0"),
        ([((1.5, 2), 1)], r"must be a string like '1-5' or '11\+', or a tuple of integers"),
        (["1-5"], r"ranges\[0\] must be \(range, unit\) or \(range, unit, flat\)"),
        ([("1+", "x")], r"ranges\[0\]: Tier unit 'x' is not a decimal number"),
        ([], "needs at least one tier"),
    ],
)
def test_from_ranges_rejects_gaps_overlaps_and_bad_ranges(
    ranges: list[object], message: str
) -> None:
    with pytest.raises(rk.BadPriceError, match=message):
        rk.Graduated.from_ranges(ranges)  # type: ignore[arg-type]


@pytest.mark.parametrize("model", [rk.Graduated, rk.Volume])
@pytest.mark.parametrize(
    ("ranges", "index", "written"),
    [
        ([("\uff11-5", 1), ("6+", 2)], 0, "'\uff11-5'"),  # fullwidth one
        ([("1-5", 1), ("\u0666-10", 2), ("11+", 3)], 1, "'\u0666-10'"),  # Arabic-Indic six
        ([("1-\uff15", 1), ("6+", 2)], 0, "'1-\uff15'"),  # fullwidth five
        ([("1-5", 1), ("\u0666+", 2)], 1, "'\u0666+'"),
    ],
)
def test_from_ranges_reads_ascii_digits_only(
    model: type[rk.Graduated] | type[rk.Volume], ranges: list[object], index: int, written: str
) -> None:
    # Tier("\uff11") is refused: a range of other scripts' digits is refused alike
    with pytest.raises(rk.BadPriceError) as caught:
        model.from_ranges(ranges)  # type: ignore[arg-type]
    assert str(caught.value) == (
        f"{model.__name__}.from_ranges ranges[{index}] range {written} is not an inclusive "
        "integer range; write 'first-last' (e.g. '1-5') or 'first+' for the open last range "
        "(e.g. '11+') in plain ASCII digits (no other scripts' digits), or a tuple "
        "(first, last or None)."
    )


@pytest.mark.parametrize("model", [rk.Graduated, rk.Volume])
def test_from_ranges_refuses_a_text_range_past_what_a_tier_holds_for_its_size(
    model: type[rk.Graduated] | type[rk.Volume],
) -> None:
    # 10^31 - 1 is a range of plain digits, refused as its tuple (1, 10**31 - 1) is: for
    # its size (it was said to be no inclusive integer range, in plain digits as it is)
    with pytest.raises(rk.BadPriceError) as caught:
        model.from_ranges([("1-" + "9" * 31, 1)])
    assert str(caught.value) == (
        f"{model.__name__}.from_ranges ranges[0] range '1-{'9' * 31}' reaches past what a "
        "tier holds: a tier's bound lies below 1E+30."
    )


def test_from_ranges_refuses_a_range_too_long_to_read_as_an_integer() -> None:
    # 5,000 digits: beyond int()'s limit on text, refused for its size, never read (no
    # ValueError)
    with pytest.raises(rk.BadPriceError, match=r"reaches past what a tier holds"):
        rk.Graduated.from_ranges([("1" * 5_000 + "+", 1)])


def test_from_ranges_refuses_a_tuple_bound_too_large_for_a_tier() -> None:
    # (1, 10**5000) escaped as Python's ValueError (no int of more than 4,300 digits is
    # written as text), and so did a range starting there; (1, 10**40) was refused only
    # by Tier, naming no range. A tier's bound lies below 1E+30 (and a range after it
    # starts at most one above it), so all are refused naming the range, as a range of
    # text past what a Tier holds is.
    huge = "<an integer of 5001 digits>"
    cases = [
        ([((1, 10**40), 1)], 0, f"(1, {10**40})"),
        ([((1, 10**5000), 1)], 0, f"(1, {huge})"),
        ([((1, 5), 1), ((10**5000, None), 2)], 1, f"({huge}, None)"),
        ([((1, 5), 1), ((10**30 + 1, None), 2)], 1, f"({10**30 + 1}, None)"),
    ]
    for ranges, index, written in cases:
        with pytest.raises(rk.BadPriceError) as caught:
            rk.Graduated.from_ranges(ranges)
        assert str(caught.value) == (
            f"Graduated.from_ranges ranges[{index}] range {written} reaches past what a "
            "tier holds: a tier's bound lies below 1E+30."
        )
    # the largest bound a tier holds is read, and the open range after it: 10**30 - 1
    # units at 1, then at 2 past them
    tiers = rk.Volume.from_ranges([((1, 10**30 - 1), 1), ((10**30, None), 2)]).tiers
    assert tiers == (rk.Tier(10**30 - 1, 1), rk.Tier(None, 2))


# -- Volume -----------------------------------------------------------------------------


def test_volume_prices_the_whole_quantity_at_the_tier_that_contains_it() -> None:
    seats = rk.Volume([rk.Tier(10, "8"), rk.Tier(50, "6"), rk.Tier(None, "5")])
    assert seats.amount(0) == 0
    assert seats.amount(10) == 80  # on the bound: the lower tier, 10 x 8
    assert seats.amount(11) == 66  # all 11 at 6
    assert seats.amount(50) == 300  # 50 x 6
    assert seats.amount(51) == 255  # all 51 at 5
    assert seats.marginal(10, 1) == -14  # 66 - 80: volume pricing may drop
    assert [str(line) for line in seats.explain(11)] == ["tiers[1] (10, 50]: 11 * 6 = 66"]


def test_volume_flat_fees_and_blocks() -> None:
    tiers = [rk.Tier(10, "1", flat=5), rk.Tier(None, "0.5", flat=3)]
    assert rk.Volume(tiers).amount(0) == 5  # the first tier's flat at zero usage
    assert rk.Volume(tiers, flat_at_zero=False).amount(0) == 0
    assert rk.Volume(tiers).amount(4) == 9  # 4 x 1 + 5
    assert rk.Volume(tiers).amount(20) == D("13.0")  # 20 x 0.5 + 3, tier 0's flat not charged
    blocks = rk.Volume([rk.Tier(1000, "3", block=100), rk.Tier(None, "2", block=100)])
    assert blocks.amount(250) == 9  # 3 started blocks x 3
    assert blocks.amount(1001) == 22  # all 1001 units: 11 started blocks x 2
    assert repr(rk.Volume(tiers, flat_at_zero=False)) == (
        "Volume([Tier(up_to='10', unit='1', flat='5'), Tier(unit='0.5', flat='3')], flat_at_zero=False)"
    )


# -- Package ----------------------------------------------------------------------------


def test_package_with_free_units() -> None:
    sms = rk.Package(100, "5.00", free=50)
    assert sms.amount(0) == 0
    assert sms.amount(50) == 0  # all within the free units
    assert sms.amount(51) == D("5.00")  # 1 unit over starts a package
    assert sms.amount(150) == D("5.00")  # 100 units over: exactly one package
    assert sms.amount(151) == D("10.00")  # 101 over: two packages
    assert sms.marginal(150, 1) == D("5.00")
    assert (sms.size, sms.price, sms.free) == (100, D("5.00"), 50)
    assert repr(sms) == "Package('100', '5.00', free='50')"
    assert [str(line) for line in sms.explain(30)] == ["free units (0, 50]: 30 * 0 = 0"]
    assert sum(line.amount for line in sms.explain(151)) == D("10.00")


def test_package_without_free_units() -> None:
    price = rk.Package(size=1000, amount="0.50")
    assert price.amount(0) == 0
    assert price.amount(1) == D("0.50")
    assert price.amount(1000) == D("0.50")
    assert price.amount("1000.001") == D("1.00")
    assert [str(line) for line in price.explain(0)] == [
        "packages (0, ∞): 0 in 0 blocks of 1000 * 0.50 = 0.00"
    ]
    with pytest.raises(rk.BadPriceError, match="Package size must be greater than 0, not '0'"):
        rk.Package(0, 1)
    with pytest.raises(rk.BadPriceError, match="Package free must be 0 or more, not '-1'"):
        rk.Package(10, 1, free=-1)


# -- GraduatedPercentage ----------------------------------------------------------------


def test_graduated_percentage_takes_a_percent_of_each_part() -> None:
    fees = rk.GraduatedPercentage([(1000, "1", 200), (10000, "2", 300), (None, "3", 400)])
    assert fees.amount(500) == D("205.00")  # 1 % of 500 + 200
    assert fees.amount(1000) == D("210.00")  # 1 % of 1000 + 200, on the bound
    assert fees.amount(1050) == D("511.00")  # 10 + 200 + 2 % of 50 + 300
    assert fees.amount(0) == 200  # the first flat fee at zero
    waived = rk.GraduatedPercentage([(1000, "1", 200), (None, "2")], flat_at_zero=False)
    assert waived.amount(0) == 0
    assert fees.percents == (1, 2, 3)
    assert (
        repr(waived)
        == "GraduatedPercentage([('1000', '1', '200'), (None, '2')], flat_at_zero=False)"
    )
    assert [str(line) for line in fees.explain(1050)] == [
        "tiers[0] (0, 1000]: 1000 * 0.01 + 200 flat = 210.00",
        "tiers[1] (1000, 10000]: 50 * 0.02 + 300 flat = 301.00",
    ]
    assert fees.marginal(1000, 50) == D("301.00")


def test_graduated_percentage_tier_forms() -> None:
    by_mapping = rk.GraduatedPercentage([{"up_to": 1000, "percent": "1"}, {"percent": "0.5"}])
    by_tier = rk.GraduatedPercentage([rk.Tier(1000, "0.01"), rk.Tier(None, "0.005")])
    assert by_mapping.amount(3000) == by_tier.amount(3000) == D("20.000")  # 10 + 0.5 % of 2000
    with pytest.raises(
        rk.BadPriceError, match=r"tiers\[0\]: GraduatedPercentage tiers price an amount, not blocks"
    ):
        rk.GraduatedPercentage([rk.Tier(None, "0.01", block=10)])
    with pytest.raises(rk.BadPriceError, match=r"takes up_to, percent and flat, not \['unit'\]"):
        rk.GraduatedPercentage([{"unit": "1"}])
    with pytest.raises(rk.BadPriceError, match=r"tiers\[0\]: a GraduatedPercentage tier is"):
        rk.GraduatedPercentage([7])
    with pytest.raises(rk.BadPriceError, match="the last tier must be open"):
        rk.GraduatedPercentage([(1000, 1)])


# -- Percentage -------------------------------------------------------------------------


def test_percentage_with_fixed_fee_and_per_transaction_bounds() -> None:
    card = rk.Percentage("2.9", fixed_fee="0.30", minimum="0.50", maximum="5")
    lines = card.explain_of(["100", "5", "1000"])
    # 100:  2.9 % of 100  = 2.900 + 0.30 = 3.200
    # 5:    2.9 % of 5    = 0.145 + 0.30 = 0.445, raised to the minimum 0.50
    # 1000: 2.9 % of 1000 = 29.000 + 0.30 = 29.300, capped to the maximum 5
    assert [line.amount for line in lines] == [D("3.200"), D("0.50"), D(5)]
    assert [line.bound for line in lines] == [None, "minimum", "maximum"]
    assert card.amount_of(["100", "5", "1000"]) == D("8.700")  # 3.200 + 0.50 + 5
    assert str(lines[2]) == (
        "transactions[2] 1000: 2.9 % of 1000 = 29.000 + 0.30 fee = 29.300, capped to the maximum 5"
    )
    assert card.amount_of([]) == 0


def test_percentage_free_amount_and_free_transactions() -> None:
    model = rk.Percentage(
        "1", fixed_fee="0.25", free_transactions=2, free_amount=50, minimum="0.10"
    )
    lines = model.explain_of([30, 40, 5, 0])
    # 30: within the free 50 (20 left), and the first free transaction: wholly free, so the
    #     minimum does not apply: 0
    # 40: 20 more are free, 20 billable: 1 % of 20 = 0.20; second free transaction: no fee
    # 5:  1 % of 5 = 0.05 + 0.25 = 0.30
    # 0:  nothing billable, but the fee is due: 0.25
    assert [line.amount for line in lines] == [0, D("0.20"), D("0.30"), D("0.25")]
    assert [line.billable for line in lines] == [0, 20, 5, 0]
    assert model.amount_of([30, 40, 5, 0]) == D("0.75")
    assert [str(line) for line in lines[:2]] == [
        "transactions[0] 30: free",
        "transactions[1] 40: 1 % of 20 billable = 0.20",
    ]


def test_percentage_minimum_lifts_small_charged_transactions_only() -> None:
    model = rk.Percentage("1", minimum="0.10", free_amount=100)
    # 100 is all free (0); 1 more is billable: 1 % of 1 = 0.01, raised to 0.10
    assert [line.amount for line in model.explain_of([100, 1])] == [0, D("0.10")]


def test_percentage_amount_of_a_total_and_its_limits() -> None:
    plain = rk.Percentage("1.5", free_amount=500)
    assert plain.amount(2500) == D("30.000")  # 1.5 % of (2500 - 500)
    assert plain.amount(400) == 0
    assert plain.amount(2500) == plain.amount_of([400, 1000, 1100])  # same total, same amount
    assert plain.linear is False  # the free amount makes it non-proportional
    assert [str(line) for line in plain.explain(2500)] == [
        "free amount (0, 500]: 500 * 0 = 0",
        "percent (500, ∞): 2000 * 0.015 = 30.000",
    ]
    assert rk.Percentage("2").linear is True
    assert rk.Percentage("2").marginal(100, 50) == D("1.00")
    card = rk.Percentage("2.9", fixed_fee="0.30")
    assert card.per_transaction
    assert not card.linear
    with pytest.raises(
        rk.BadPriceError, match=r"per-transaction terms .* amount_of\(transactions\)"
    ):
        card.amount(100)
    with pytest.raises(rk.BadPriceError, match="per-transaction terms"):
        card.explain(100)


def test_percentage_validation() -> None:
    with pytest.raises(rk.BadPriceError, match="minimum '5' is above its maximum '1'"):
        rk.Percentage(1, minimum=5, maximum=1)
    with pytest.raises(
        rk.BadPriceError, match="free_transactions must be a whole number 0 or more"
    ):
        rk.Percentage(1, free_transactions=-1)
    with pytest.raises(rk.RatekitTypeError) as typed:  # a bool is no count (docs/guarantees.md)
        rk.Percentage(1, free_transactions=True)
    assert str(typed.value) == (
        "Percentage free_transactions must be a whole number (an int) 0 or more, not bool: True."
    )
    with pytest.raises(rk.BadPriceError, match="Percentage free_amount must be 0 or more"):
        rk.Percentage(1, free_amount=-1)
    with pytest.raises(rk.BadQuantityError, match=r"negative transactions\[1\] '-3'"):
        rk.Percentage(1).amount_of([1, -3])
    assert repr(rk.Percentage("2.9", fixed_fee="0.30", free_transactions=3)) == (
        "Percentage('2.9', fixed_fee='0.30', free_transactions=3)"
    )


# -- the protocol -----------------------------------------------------------------------


class _Capped:
    """A user's own model: 0.05 per unit, at most 20."""

    linear = False

    def amount(self, quantity: D) -> D:
        return min(D("0.05") * quantity, D(20))

    def explain(self, quantity: D) -> tuple[rk.TierLine, ...]:
        return (
            rk.TierLine(
                label="capped",
                lower=None,
                upper=None,
                quantity=quantity,
                unit=D("0.05"),
                amount=self.amount(quantity),
            ),
        )

    def marginal(self, quantity: D, added: D) -> D:
        return self.amount(quantity + added) - self.amount(quantity)


def _bill(model: rk.PriceModel, quantity: D) -> D:
    return sum((line.amount for line in model.explain(quantity)), D(0))


def test_user_models_and_built_ins_satisfy_the_protocol() -> None:
    models: list[rk.PriceModel] = [
        _Capped(),
        rk.PerUnit(1),
        rk.Flat(1),
        rk.Graduated(CALLS),
        rk.Volume(CALLS),
        rk.Package(5, 1),
        rk.GraduatedPercentage([(None, 1)]),
        rk.Percentage(1),
    ]
    for model in models:
        assert isinstance(model, rk.PriceModel)
        assert _bill(model, D(12)) == model.amount(D(12))
    assert _Capped().marginal(D(390), D(20)) == D("0.50")  # 20 - 19.50


def test_breakdown_lines_are_frozen_values_with_readable_reprs() -> None:
    line = rk.Graduated(CALLS).explain(3)[0]
    assert repr(line) == "TierLine('tiers[0] (0, 5]: 3 * 0.10 = 0.30')"
    with pytest.raises(AttributeError):
        line.amount = D(0)  # type: ignore[misc]
    tx = rk.Percentage("1").explain_of([10])[0]
    assert repr(tx) == "TransactionLine('transactions[0] 10: 1 % of 10 = 0.10')"
    assert hash(line) == hash(rk.Graduated(CALLS).explain(3)[0])


# -- a bounded last tier (issue 8 §3) -----------------------------------------------------

KILL_BILL = [rk.Tier(100, 2), rk.Tier(1000, 1)]  # (0, 100] at 2, (100, 1000] at 1, nothing above


def test_bounded_last_tier_prices_up_to_its_bound() -> None:
    graduated = rk.Graduated(KILL_BILL)
    # 100 x 2 + 900 x 1 = 1100; 150: 100 x 2 + 50 x 1 = 250
    assert graduated.amount(1000) == D(1100)
    assert graduated.amount(150) == D(250)
    volume = rk.Volume(KILL_BILL)
    assert volume.amount(1000) == D(1000)  # all 1000 at 1
    assert volume.amount(100) == D(200)  # all 100 at 2
    ranges = rk.Graduated.from_ranges([("1-100", 2), ("101-1000", 1)])
    assert ranges.tiers == rk.Graduated(KILL_BILL).tiers


@pytest.mark.parametrize("model", [rk.Graduated, rk.Volume])
def test_bounded_last_tier_refuses_a_quantity_beyond_its_bound(model: type) -> None:
    price = model(KILL_BILL)
    message = (
        f"{model.__name__} cannot price the quantity '1000.5': its last tier, tiers[1] "
        "(100, 1000], ends at 1000 and nothing prices the quantities above it; add an open "
        "tier (up_to=None) if they are allowed."
    )
    for call in (lambda: price.amount(D("1000.5")), lambda: price.explain(D("1000.5"))):
        with pytest.raises(rk.BadQuantityError) as error:
            call()
        assert str(error.value) == message
    with pytest.raises(rk.BadQuantityError):
        price.marginal(1000, D("0.5"))


def test_rating_beyond_a_bounded_last_tier_names_entry_account_cycle_and_quantity() -> None:
    months = rk.cycles.monthly(tz="UTC")
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    plan = rk.Plan("p", "EUR", months, [rk.PriceEntry("api", "calls", rk.Graduated(KILL_BILL))])
    rows = [
        rk.UsageRow("acme", "calls", "app", march, march, 600, "call", {}, ("s1",)),
        rk.UsageRow("acme", "calls", "app", march, march, 500, "call", {}, ("s2",)),
    ]
    with pytest.raises(rk.BadQuantityError) as error:
        rk.rate(rows, plan, span=march)
    # rows of one span are taken in a stable order (500, then 600): the cycle's total 1100
    # is beyond 1000, reached by the 600 of s1
    assert str(error.value).startswith(
        "price entry 'api' of plan 'p' cannot price 1100 call of meter 'calls' for account "
        "'acme' in the cycle 2026-03-01T00:00:00Z..2026-04-01T00:00:00Z (reached by 600 call "
        "of resource 'app', records ['s1'], "
    )
    assert "Graduated cannot price the quantity '1100'" in str(error.value)


@given(st.decimals(0, 1000, places=3), st.decimals(0, 1000, places=3))
def test_a_bounded_table_prices_like_the_open_one_below_its_bound(a: D, b: D) -> None:
    # Law: below the bound, a bounded table and the same table with an open tier above
    # give the same amounts (Graduated and Volume).
    quantity = min(a + b, D(1000))
    for model in (rk.Graduated, rk.Volume):
        bounded = model(KILL_BILL)
        opened = model([*KILL_BILL, rk.Tier(None, 99)])
        assert bounded.amount(quantity) == opened.amount(quantity)
        assert bounded.explain(quantity) == opened.explain(quantity)


@pytest.mark.parametrize(
    ("tier", "message"),
    [
        (
            (None,),
            (
                "tiers[0]: a GraduatedPercentage tier is (up_to, percent) or (up_to, percent, "
                "flat), a mapping of those fields or a Tier whose unit is percent / 100, not (None,)."
            ),
        ),
        (
            {"up_to": None},
            (
                "tiers[0]: a GraduatedPercentage tier needs its percent (0 for a free tier), not "
                "{'up_to': None}."
            ),
        ),
    ],
)
def test_a_percentage_tier_without_its_percent_is_refused(tier: object, message: str) -> None:
    # A percent forgotten in a configuration once priced the amount at 0 % silently.
    with pytest.raises(rk.BadPriceError) as caught:
        rk.GraduatedPercentage([tier])
    assert str(caught.value) == message
    # 0 % said outright is a free tier: 0 % of 100 is 0.
    assert rk.GraduatedPercentage([(None, 0)]).amount(Decimal(100)) == 0


@pytest.mark.parametrize(
    ("model", "name"),
    [
        (rk.Graduated([rk.Tier(10, "1"), rk.Tier(None, "0.5")]), "Graduated"),
        (rk.Volume([rk.Tier(10, "1"), rk.Tier(None, "0.5")]), "Volume"),
        (rk.Package(10, "3"), "Package"),
    ],
)
def test_a_marginal_whose_sum_is_refused_names_the_sum_as_one(
    model: rk.PriceModel, name: str
) -> None:
    # 9E+29 + 9E+29 = 1.8E+30, past the range; 3 + -5 = -2, below 0: each error names
    # the call, the sum and the door's reason, not a quantity the caller never gave.
    with pytest.raises(
        rk.BadQuantityError,
        match=rf"^{name}\.marginal\(9E\+29, 9E\+29\): the quantity after the added units, "
        r"9E\+29 \+ 9E\+29 = 1\.8E\+30, is refused: .*lies outside the numbers ratekit represents",
    ):
        model.marginal("9E+29", "9E+29")
    with pytest.raises(
        rk.BadQuantityError,
        match=rf"^{name}\.marginal\(3, -5\): the quantity after the added units, 3 \+ -5 = -2, "
        rf"is refused: {name} cannot price the negative quantity '-2'",
    ):
        model.marginal(3, -5)
    assert model.marginal(3, 4) == model.amount(7) - model.amount(3)


def test_graduated_percentage_without_tiers_suggests_a_percentage_tier() -> None:
    # The shared table check suggested "GraduatedPercentage([Tier(unit='0.10')]) prices
    # every unit at 0.10": a GraduatedPercentage takes (up_to, percent) tiers, and a Tier
    # of unit 0.10 there is 10 % of the amount, not 0.10 a unit.
    with pytest.raises(rk.BadPriceError) as caught:
        rk.GraduatedPercentage([])
    assert str(caught.value) == (
        "GraduatedPercentage needs at least one tier; e.g. GraduatedPercentage([(None, '2.9')]) "
        "takes 2.9 % of every amount."
    )
    # and the tier it suggests is one: 2.9 % of 100 = 2.900
    assert rk.GraduatedPercentage([(None, "2.9")]).amount(100) == D("2.900")


@pytest.mark.parametrize("percent", ["1e-30", "9.99e-29", "-1e-29", Decimal("5E-29")])
def test_a_graduated_percent_whose_unit_ratekit_cannot_hold_is_refused_as_given(
    percent: str | Decimal,
) -> None:
    # a tier's unit is percent / 100: 9.99e-29 % is a unit of 9.99E-31, below 1E-30
    with pytest.raises(rk.BadPriceError) as refused:
        rk.GraduatedPercentage([(None, percent)])
    message = str(refused.value)
    assert f"GraduatedPercentage percent {percent!r} is too small for a tier" in message
    assert "a percent of magnitude from 1E-28 up to but excluding 1E+30" in message
    assert "Tier unit" not in message


def test_the_least_graduated_percent_is_taken() -> None:
    # 1E-28 % of 100 = 1E-28 x 100 / 100 = 1E-28
    fees = rk.GraduatedPercentage(
        [
            (None, "1e-28"),
        ]
    )
    assert fees.amount(100) == Decimal("1E-28")
    assert rk.GraduatedPercentage([(None, 0)]).amount(100) == 0
