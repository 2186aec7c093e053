"""Plan data read with json.loads(..., parse_float=Decimal) loads as its text does."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import ratekit as rk
from ratekit import plandata

TEXT = (
    """{"type": "Graduated", "tiers": [{"up_to": 10, "unit": 0.09}, {"unit": 0.05, "flat": 1.5}]}"""
)


def test_decimals_from_parse_float_load_as_the_same_prices() -> None:
    exact = plandata.load(json.loads(TEXT, parse_float=Decimal))
    assert exact == plandata.load(json.loads(TEXT))
    assert exact == rk.Graduated([rk.Tier("10", "0.09"), rk.Tier(unit="0.05", flat="1.5")])


@pytest.mark.parametrize("text", ["NaN", "-Infinity", "sNaN"])
def test_a_decimal_that_is_not_a_finite_number_is_refused_naming_its_path(text: str) -> None:
    with pytest.raises(rk.BadDataError) as caught:
        plandata.load({"type": "PerUnit", "rate": Decimal(text)}, path="price")
    assert str(caught.value).startswith(f"price.rate: Decimal('{text}') is not a decimal number")


def test_a_decimal_out_of_range_is_refused_as_its_text_is() -> None:
    with pytest.raises(rk.BadDataError, match=r"^price\.rate: Decimal\('1E\+40'\) lies outside"):
        plandata.load({"type": "PerUnit", "rate": Decimal("1E+40")}, path="price")
