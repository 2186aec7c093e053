"""Exact numbers: the decimal context and the one conversion point for quantities."""

from __future__ import annotations

import decimal
import fractions
import math
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk
from ratekit._decimals import CONTEXT, ONE, ZERO, to_decimal


def test_floats_convert_through_their_shortest_repr() -> None:
    assert to_decimal(0.1) == Decimal("0.1")
    assert str(to_decimal(0.1)) == "0.1"  # not 0.1000000000000000055511151231257827...
    assert to_decimal(1e-7) == Decimal("1E-7")
    assert to_decimal(2.5) == Decimal("2.5")
    assert to_decimal(-0.0) == ZERO
    assert to_decimal(1e22) == Decimal("1E+22")


def test_ints_strings_and_decimals() -> None:
    assert to_decimal(3) == Decimal(3)
    assert to_decimal(10**30) == Decimal("1E+30")
    assert to_decimal("12.50") == Decimal("12.50")
    assert str(to_decimal("12.50")) == "12.50"  # the exponent is kept
    assert to_decimal(" 1e3 ") == Decimal(1000)
    assert to_decimal("1_000_000") == Decimal(1_000_000)
    assert to_decimal(Decimal("-7.25")) == Decimal("-7.25")


def test_conversion_ignores_the_threads_current_context() -> None:
    # A host that lowered the precision must not make ratekit round its inputs.
    with decimal.localcontext(prec=3):
        assert to_decimal("1.23456789") == Decimal("1.23456789")
        assert to_decimal(0.123456789) == Decimal("0.123456789")


@pytest.mark.parametrize(
    "value",
    [math.nan, math.inf, -math.inf, Decimal("NaN"), Decimal("sNaN"), Decimal("-Infinity")],
)
def test_nan_and_infinities_are_rejected(value: object) -> None:
    with pytest.raises(rk.BadQuantityError) as caught:
        to_decimal(value, "sample 's7' value")
    assert str(caught.value) == f"sample 's7' value must be a finite number, not {value!r}."


@pytest.mark.parametrize("text", ["nan", "inf", "-Infinity"])
def test_nan_and_infinities_are_rejected_as_text(text: str) -> None:
    with pytest.raises(rk.BadQuantityError) as caught:
        to_decimal(text)
    assert str(caught.value) == f"quantity must be a finite number, not {text!r}."


def test_text_that_is_no_number() -> None:
    with pytest.raises(rk.BadQuantityError) as caught:
        to_decimal("12,5")
    assert (
        str(caught.value)
        == "quantity '12,5' is not a decimal number; write it like '12.5' or '1e9'."
    )
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (True, "bool: True"),
        (None, "NoneType: None"),
        ([1], "list: [1]"),
        (fractions.Fraction(1, 3), "Fraction: Fraction(1, 3)"),
        (1j, "complex: 1j"),
    ],
)
def test_other_types_are_type_errors(value: object, shown: str) -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        to_decimal(value)
    assert str(caught.value) == (
        f"quantity must be a number (int, str, Decimal or float), not {shown}."
    )
    assert isinstance(caught.value, TypeError)


def test_an_18_digit_quantity_times_a_12_digit_price_is_exact() -> None:
    quantity = Decimal(123456789012345678)  # 18 digits (bytes)
    price = Decimal("0.123456789012")  # 12 significant digits
    # The exact product, by integer arithmetic: 123456789012345678 * 123456789012
    # = 15241578753196160232056090136 (29 digits), scaled by 10**-12.
    # (Built from text: Decimal.scaleb would round in the default 28-digit context.)
    exact = Decimal(f"{123456789012345678 * 123456789012}E-12")
    assert exact == Decimal("15241578753196160.232056090136")
    assert CONTEXT.multiply(quantity, price) == exact
    with decimal.localcontext(CONTEXT):
        assert quantity * price == exact
    # Python's default 28 digits would have rounded away the last digits.
    assert decimal.Context(prec=28).multiply(quantity, price) != exact


def test_context_rounds_half_even_and_traps() -> None:
    assert CONTEXT.prec == 60
    assert Decimal("2.5").quantize(ONE, context=CONTEXT) == 2
    assert Decimal("3.5").quantize(ONE, context=CONTEXT) == 4
    with pytest.raises(decimal.DivisionByZero):
        CONTEXT.divide(ONE, ZERO)
    with pytest.raises(decimal.InvalidOperation):
        CONTEXT.divide(ZERO, ZERO)
    # One third keeps 60 significant digits.
    assert CONTEXT.divide(ONE, Decimal(3)) == Decimal("0." + "3" * 60)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_finite_float_round_trips(value: float) -> None:
    converted = to_decimal(value)
    assert converted == Decimal(repr(value))
    assert float(converted) == value


@given(st.integers())
def test_ints_are_exact(value: int) -> None:
    assert to_decimal(value) == value
    assert to_decimal(str(value)) == value
