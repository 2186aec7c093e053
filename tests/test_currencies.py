"""Currencies as ISO 4217 defines them (issue 8 §6)."""

from __future__ import annotations

from decimal import Decimal

import iso4217
import pytest

import ratekit as rk
from ratekit.currencies import _WITHOUT, MINOR_UNITS, PUBLISHED

MONTHS = rk.cycles.monthly(tz="UTC")


def test_the_table_is_the_iso_4217_list_of_the_maintained_package() -> None:
    # Every code with minor units, and no other; the codes without any are known as such.
    expected = {c.code: c.exponent for c in iso4217.Currency if c.exponent is not None}
    assert dict(MINOR_UNITS) == expected
    assert frozenset(c.code for c in iso4217.Currency if c.exponent is None) == _WITHOUT
    assert str(iso4217.__published__) == PUBLISHED


@pytest.mark.parametrize(
    ("code", "quantum"),
    [
        ("EUR", "0.01"),
        ("JPY", "1"),
        ("KWD", "0.001"),
        ("CLF", "0.0001"),  # Unidad de Fomento: 4 decimals
        ("UYW", "0.0001"),  # Unidad Previsional: 4 decimals
        ("CLP", "1"),  # ISO: 0 decimals
        ("COP", "0.01"),  # ISO: 2 decimals (CLDR says 0)
        ("HUF", "0.01"),  # ISO: 2 decimals (CLDR says 0 for cash)
        ("ISK", "1"),
        ("VND", "1"),
        ("IQD", "0.001"),
    ],
)
def test_quanta_follow_iso_4217(code: str, quantum: str) -> None:
    assert rk.currency_quantum(code) == Decimal(quantum)


def test_an_unknown_code_or_one_without_minor_units_asks_for_a_quantum() -> None:
    with pytest.raises(rk.BadPriceError) as error:
        rk.currency_quantum("ABC")
    assert str(error.value) == (
        "currency 'ABC' has no known quantum; give the plan one, e.g. Plan(..., "
        f"quantum='0.01'): it is not an ISO 4217 code (as of {PUBLISHED})."
    )
    with pytest.raises(rk.BadPriceError) as error:
        rk.currency_quantum("XDR")
    assert "ISO 4217 gives it no minor units" in str(error.value)
    with pytest.raises(rk.BadPriceError):
        rk.Plan("p", "ABC", MONTHS, [])
    # Not a code at all (a list, None): a type error, as for every other argument.
    with pytest.raises(rk.RatekitTypeError) as typed:
        rk.currency_quantum(["EUR"])  # type: ignore[arg-type]
    assert str(typed.value) == (
        "currency must be an ISO 4217 alphabetic code (a str, like 'EUR'), not list: ['EUR']."
    )
    with pytest.raises(rk.RatekitTypeError, match="not NoneType: None"):
        rk.currency_quantum(None)  # type: ignore[arg-type]


def test_the_plans_quantum_overrides_the_currencys() -> None:
    assert rk.Plan("p", "XAU", MONTHS, [], quantum="0.0001").quantum == Decimal("0.0001")
    assert rk.Plan("p", "JPY", MONTHS, [], quantum="0.01").round(Decimal("2.345")) == Decimal(
        "2.34"
    )
    assert rk.Plan("p", "JPY", MONTHS, []).round(Decimal("2.5")) == Decimal(2)


@pytest.mark.parametrize(("given", "code"), [("jpy", "JPY"), (" chf", "CHF"), ("Eur", "EUR")])
def test_a_code_in_small_letters_is_refused_suggesting_it_in_capitals(
    given: str, code: str
) -> None:
    # as Plan's currency door suggests: the code ISO 4217 lists, in capitals
    with pytest.raises(rk.BadPriceError) as refused:
        rk.currency_quantum(given)
    assert str(refused.value) == (
        f"currency {given!r} has no known quantum; give the plan one, e.g. Plan(..., "
        f"quantum='0.01'): it is not an ISO 4217 code (as of {PUBLISHED}); write it as three "
        f"capital letters, {code!r}."
    )
