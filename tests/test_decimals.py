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
    assert to_decimal(10**30 - 1) == Decimal(999999999999999999999999999999)
    assert to_decimal("12.50") == Decimal("12.50")
    assert str(to_decimal("12.50")) == "12.50"  # the exponent is kept
    assert to_decimal("1e3") == Decimal(1000)
    assert to_decimal("+.5") == Decimal("0.5")
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
def test_every_finite_float_in_range_round_trips(value: float) -> None:
    if value and not 1e-30 <= abs(value) < 1e30:
        with pytest.raises(rk.BadQuantityError, match="outside the numbers ratekit represents"):
            to_decimal(value)
        return
    converted = to_decimal(value)
    assert converted == Decimal(repr(value))
    assert float(converted) == value


@given(st.integers())
def test_ints_below_1e30_are_exact_and_the_others_refused(value: int) -> None:
    if abs(value) >= 10**30:
        with pytest.raises(rk.BadQuantityError, match="outside the numbers ratekit represents"):
            to_decimal(value)
        with pytest.raises(rk.BadQuantityError, match="outside the numbers ratekit represents"):
            to_decimal(str(value))
        return
    assert to_decimal(value) == value
    assert to_decimal(str(value)) == value


# -- the representable range ---------------------------------------------------------------

RANGE = (
    "at most 60 significant digits and, unless zero, a magnitude from 1E-30 up to but "
    "excluding 1E+30"
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("1E+30"), "Decimal('1E+30')"),
        (Decimal("-1E+999999"), "Decimal('-1E+999999')"),
        (Decimal("9.99E-31"), "Decimal('9.99E-31')"),
        (Decimal("1E-999999999"), "Decimal('1E-999999999')"),
        (10**30, "1000000000000000000000000000000"),
        (-(10**30), "-1000000000000000000000000000000"),
        ("1E+99999999999999999999", "'1E+99999999999999999999'"),
        ("1E-99999999999999999999", "'1E-99999999999999999999'"),
        (1e300, "1e+300"),
        (5e-324, "5e-324"),
        # 61 significant digits: the context could not hold it exactly.
        ("0." + "1" * 61, "'0." + "1" * 61 + "'"),
    ],
)
def test_numbers_outside_the_range_are_refused_naming_the_field(value: object, shown: str) -> None:
    with pytest.raises(rk.BadQuantityError) as caught:
        to_decimal(value, "sample 's7' value")
    assert str(caught.value) == (
        f"sample 's7' value {shown} lies outside the numbers ratekit represents exactly: "
        f"give {RANGE}."
    )


def test_the_edges_of_the_range_are_accepted() -> None:
    assert to_decimal(Decimal("9.99999999999999999999999999999E+29")) == Decimal(
        999999999999999999999999999999
    )
    assert to_decimal("1E-30") == Decimal("1E-30")
    assert to_decimal("-1E-30") == Decimal("-1E-30")
    sixty = "0." + "1" * 60
    assert to_decimal(sixty) == Decimal(sixty)
    # Trailing zeros carry no digits: 1 followed by 100 zeros after the point is 1.
    assert to_decimal("1." + "0" * 100) == 1
    assert len(to_decimal("1." + "0" * 100).as_tuple().digits) == 60
    # Zeros of any exponent are zero; a zero far outside the range becomes plain 0.
    assert str(to_decimal(Decimal("0E-1000000"))) == "0"
    assert str(to_decimal("0.00")) == "0.00"


def test_a_long_text_is_shortened_in_the_message() -> None:
    with pytest.raises(rk.BadQuantityError) as caught:
        to_decimal("9" * 500)
    assert str(caught.value).startswith("quantity '" + "9" * 59 + "...")
    assert len(str(caught.value)) < 300


def test_conversion_of_text_ignores_the_callers_traps() -> None:
    # A host that untrapped InvalidOperation would otherwise read 'abc' as NaN.
    with (
        decimal.localcontext(traps=[]),
        pytest.raises(rk.BadQuantityError, match="is not a decimal number"),
    ):
        to_decimal("abc")
    # and a host with a tiny exponent range cannot clamp what ratekit reads.
    with decimal.localcontext(Emax=5, Emin=-5, traps=list(decimal.getcontext().flags)):
        assert to_decimal("1.5E+20") == Decimal("1.5E+20")


def test_convert_of_a_huge_quantity_is_refused_at_the_door() -> None:
    # rk.convert(Decimal("1E+999999"), "MB", "B") raised decimal.Overflow.
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.convert(Decimal("1E+999999"), "MB", "B")
    assert str(caught.value) == (
        f"quantity Decimal('1E+999999') lies outside the numbers ratekit represents exactly: "
        f"give {RANGE}."
    )


def test_a_graduated_block_amount_of_a_huge_quantity_is_refused_at_the_door() -> None:
    # Blocks of 50 above 100 for 1E+100 raised decimal.DivisionImpossible.
    model = rk.Graduated([rk.Tier(100, "0"), rk.Tier(None, "2", block=50)])
    with pytest.raises(rk.BadQuantityError) as caught:
        model.amount(Decimal("1E+100"))
    assert str(caught.value).startswith("Graduated quantity Decimal('1E+100') lies outside")
    # The largest quantity accepted still prices: 10**30 - 1 - 100 above the first tier,
    # / 50 = 2*10**28 - 3 whole blocks remainder 49 (50 * (2*10**28 - 3) = 10**30 - 150),
    # so 2*10**28 - 2 started blocks at 2 each.
    top = Decimal(10**30 - 1)
    assert model.amount(top) == Decimal(2 * (2 * 10**28 - 2))


def test_a_tiny_continuous_level_is_refused_at_the_door_rather_than_hanging() -> None:
    # An attribute of 1E-999999999 made an integer ratio with a billion-digit denominator.
    # A Decimal attribute that small is now refused by the record's own door (see
    # test_descriptions); written as a string, it reaches metering, whose door refuses it.
    meter = rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb"))
    records = [
        rk.Event(
            "a",
            "app",
            "2026-03-01T01:00:00Z",
            {"memory_mb": "1E-999999999"},
            kind="start",
            id="e1",
        ),
    ]
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.meter(
            records,
            [meter],
            span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
            cycle=rk.cycles.monthly(tz="UTC"),
            as_of="2026-04-01T00:00:00Z",
        )
    assert str(caught.value) == (
        "meter 'memory', resource 'app' of 'a' as described by record 'e1' at "
        "2026-03-01T01:00:00Z: attribute 'memory_mb' '1E-999999999' lies outside the "
        f"numbers ratekit represents exactly: give {RANGE}."
    )


@pytest.mark.parametrize(
    "text", [" 1e3 ", "1_000_000", "\u0661\u0662", "\uff11\uff12", "\t4", "4\n"]
)
def test_number_text_is_plain_ascii_decimal_only(text: str) -> None:
    # Python's Decimal reads spaces around, underscores, Arabic-Indic and fullwidth digits:
    # a billing record written so is refused, saying what is accepted.
    with pytest.raises(rk.BadQuantityError) as caught:
        to_decimal(text, "sample 's1' value")
    assert str(caught.value) == (
        f"sample 's1' value {text!r} is not written plainly: write it in plain ASCII decimal "
        "text, like '12.5', '-3' or '1e9' (no spaces, underscores or other scripts' digits)."
    )


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("NaN", "must be a finite number, not 'NaN'."),
        ("abc", "'abc' is not a decimal number; write it like '12.5' or '1e9'."),
    ],
)
def test_text_that_is_no_finite_number_keeps_its_message(text: str, said: str) -> None:
    with pytest.raises(rk.BadQuantityError) as caught:
        to_decimal(text, "value")
    assert str(caught.value) == f"value {said}"


def test_importing_ratekit_leaves_the_callers_context_alone() -> None:
    # In a fresh interpreter whose context traps Inexact and Rounded (a host that wants
    # to hear of any rounding): importing ratekit neither raises nor sets a flag. It once
    # set Rounded, computing 10 ** 30 in the importer's 28-digit context at import.
    import subprocess
    import sys

    code = (
        "import decimal\n"
        "context = decimal.getcontext()\n"
        "context.traps[decimal.Inexact] = context.traps[decimal.Rounded] = True\n"
        "context.clear_flags()\n"
        "import ratekit\n"
        "print(sorted(f.__name__ for f, on in context.flags.items() if on))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, "[]", "")


def test_a_linear_price_takes_any_quantity_a_charge_carries_and_no_more() -> None:
    # A charge carries quantities from 1E-100 up to, not including, 1E+60 (a share of a
    # 1E-30 level, a level below 1E+30 held for a month): a linear price prices and
    # explains them. 5E-31 x 0.02 = 1E-32; 2.6784E+31 x 1E-10 = 2.6784E+21.
    per_unit = rk.PerUnit("0.02")
    assert per_unit.amount("5E-31") == Decimal("1.0E-32")
    (line,) = per_unit.explain(Decimal("5E-31"))
    assert (line.quantity, line.amount) == (Decimal("5E-31"), Decimal("1.0E-32"))
    assert rk.PerUnit("1E-10").amount("2.6784E+31") == Decimal("2.6784E+21")
    assert rk.Flat(10).explain("-1E-100")[0].amount == Decimal(10)
    carried = (
        "give at most 60 significant digits and, unless zero, a magnitude from 1E-100 up to "
        "but excluding 1E+60."
    )
    for model, value in ((per_unit, "1E+60"), (rk.Flat(10), "1E-101")):
        with pytest.raises(rk.BadQuantityError) as caught:
            model.amount(value)
        name = type(model).__name__
        assert str(caught.value) == (
            f"{name} quantity '{value}' lies outside the numbers ratekit represents exactly: "
            f"{carried}"
        )
    # A tiered price keeps the input range: its group's running total is an input's.
    with pytest.raises(rk.BadQuantityError, match=r"Graduated quantity '5E-31' lies outside"):
        rk.Graduated([rk.Tier(None, "1")]).amount("5E-31")
