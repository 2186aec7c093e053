"""A wrong type is a RatekitTypeError at every door, as docs/guarantees.md's table says.

Some doors refused a wrong type with the error of the value's kind: ``Plan.round(1.005)``
was a ``BadQuantityError``, ``Graduated(None)`` and a ``from_ranges`` range that is no
string nor tuple a ``BadPriceError``. They now raise ``QuantityTypeError`` and
``PriceTypeError``: each a ``RatekitTypeError`` and the kind the door raised before, so
code catching either keeps working. A value of the right type that is wrong keeps its
kind alone (a NaN is no wrong type; a tuple of three is a range written wrong).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

import ratekit as rk

PLAN = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [])


def refused(call: Callable[[], object]) -> rk.RatekitError:
    with pytest.raises(rk.RatekitError) as raised:
        call()
    return raised.value


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(1.005, "float: 1.005"), (None, "NoneType: None"), ("1.005", "str: '1.005'"), (1, "int: 1")],
)
def test_plan_round_refuses_what_is_no_decimal_as_a_wrong_type(amount: object, shown: str) -> None:
    # 1.005 as a float is 1.00499999999999989..., so it is refused rather than read: the
    # table's RatekitTypeError, and the BadQuantityError round raised before
    error = refused(lambda: PLAN.round(amount))  # type: ignore[arg-type]
    assert type(error) is rk.QuantityTypeError
    assert isinstance(error, rk.RatekitTypeError)
    assert isinstance(error, rk.BadQuantityError)
    assert isinstance(error, TypeError)
    assert isinstance(error, ValueError)
    assert str(error) == f"plan 'p' rounds finite Decimal amounts, not {shown}."


def test_plan_round_refuses_a_decimal_that_is_not_finite_as_a_bad_quantity_only() -> None:
    error = refused(lambda: PLAN.round(Decimal("NaN")))
    assert type(error) is rk.BadQuantityError
    assert str(error) == "plan 'p' rounds finite Decimal amounts, not Decimal: Decimal('NaN')."
    # and the Decimal it was asked for rounds: 1.005 half-even on 0.01 is 1.00
    assert str(PLAN.round(Decimal("1.005"))) == "1.00"


WRONG_TYPES: dict[str, tuple[Callable[[], object], str]] = {
    "Graduated tiers None": (
        lambda: rk.Graduated(None),  # type: ignore[arg-type]
        "tiers must be a sequence of tiers, not None.",
    ),
    "Volume tiers a str": (
        lambda: rk.Volume("1-5"),  # type: ignore[arg-type]
        "tiers must be a sequence of tiers, not '1-5'.",
    ),
    "a Graduated tier None": (
        lambda: rk.Graduated([None]),  # type: ignore[list-item]
        (
            "tiers[0]: a tier must be a Tier, a mapping of its fields or a tuple (up_to, unit, "
            "flat, block), not NoneType: None."
        ),
    ),
    "GraduatedPercentage tiers 5": (
        lambda: rk.GraduatedPercentage(5),  # type: ignore[arg-type]
        "tiers must be a sequence of tiers, not 5.",
    ),
    "a GraduatedPercentage tier an int": (
        lambda: rk.GraduatedPercentage([5]),
        (
            "tiers[0]: a GraduatedPercentage tier is (up_to, percent) or (up_to, percent, flat), "
            "a mapping of those fields or a Tier whose unit is percent / 100, not 5."
        ),
    ),
    "from_ranges ranges None": (
        lambda: rk.Graduated.from_ranges(None),  # type: ignore[arg-type]
        (
            "Graduated.from_ranges ranges must be a list of (range, unit) pairs, e.g. "
            "[('1-5', '0.10'), ('6+', '0.08')], not NoneType: None."
        ),
    ),
    "a from_ranges item None": (
        lambda: rk.Volume.from_ranges([None]),  # type: ignore[list-item]
        (
            "Volume.from_ranges ranges[0] must be (range, unit) or (range, unit, flat), e.g. "
            "('1-5', '0.10'), not None."
        ),
    ),
    "a from_ranges range an int": (
        lambda: rk.Graduated.from_ranges([(1, "0.10")]),
        (
            "Graduated.from_ranges ranges[0] range 1 must be a string like '1-5' or '11+', or a "
            "tuple of integers (first, last or None)."
        ),
    ),
}


@pytest.mark.parametrize("name", list(WRONG_TYPES))
def test_a_price_table_of_a_wrong_type_is_a_type_error_and_a_price_error(name: str) -> None:
    call, message = WRONG_TYPES[name]
    error = refused(call)
    assert type(error) is rk.PriceTypeError
    assert isinstance(error, rk.RatekitTypeError)
    assert isinstance(error, rk.BadPriceError)
    assert str(error) == message


WRITTEN_WRONG: dict[str, tuple[Callable[[], object], str]] = {
    "a GraduatedPercentage tier of one item": (
        lambda: rk.GraduatedPercentage([(None,)]),
        (
            "tiers[0]: a GraduatedPercentage tier is (up_to, percent) or (up_to, percent, flat), "
            "a mapping of those fields or a Tier whose unit is percent / 100, not (None,)."
        ),
    ),
    "a from_ranges item of one": (
        lambda: rk.Graduated.from_ranges([("1-5",)]),
        (
            "Graduated.from_ranges ranges[0] must be (range, unit) or (range, unit, flat), e.g. "
            "('1-5', '0.10'), not ('1-5',)."
        ),
    ),
    "a from_ranges range of three": (
        lambda: rk.Graduated.from_ranges([((1, 2, 3), "0.10")]),
        (
            "Graduated.from_ranges ranges[0] range (1, 2, 3) must be a string like '1-5' or "
            "'11+', or a tuple of integers (first, last or None)."
        ),
    ),
}


@pytest.mark.parametrize("name", list(WRITTEN_WRONG))
def test_a_price_table_of_the_right_type_written_wrong_stays_a_price_error(name: str) -> None:
    call, message = WRITTEN_WRONG[name]
    error = refused(call)
    assert type(error) is rk.BadPriceError
    assert str(error) == message


def test_the_tables_numbers_keep_the_one_door() -> None:
    # the door for numbers already said RatekitTypeError for a price's wrong type
    error = refused(lambda: rk.Graduated([(None, None)]))
    assert type(error) is rk.RatekitTypeError
    assert str(error) == (
        "tiers[0]: Tier unit must be a number (int, str, Decimal or float), not NoneType: None."
    )
