"""A refused currency's message suggests a code that is one.

``currency_code`` suggested the value in capitals whenever it had three characters, so
``'<b>'`` was told to be written ``'<B>'``, and ``'é12'`` ``'É12'``: neither is three
capital letters A-Z, and a host that followed the message was refused again.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _plan(currency: object) -> rk.Plan:
    return rk.Plan("p", currency, rk.cycles.monthly(tz="UTC"), [], quantum="0.01")  # type: ignore[arg-type]


def test_a_three_character_currency_that_is_no_code_in_capitals_is_told_eur() -> None:
    with pytest.raises(rk.BadPriceError) as raised:
        _plan("<b>")
    assert str(raised.value) == (
        "plan 'p' currency '<b>' is not a currency code; write it as three capital letters, "
        "such as 'EUR'."
    )
    with pytest.raises(rk.BadPriceError) as raised:
        rk.Credit("c", "acme", 1, "é12", start=MARCH.start)
    assert str(raised.value).endswith("such as 'EUR'.")


def test_a_code_in_small_letters_or_padded_is_told_in_capitals() -> None:
    with pytest.raises(rk.BadPriceError) as raised:
        _plan(" chf")
    assert str(raised.value) == (
        "plan 'p' currency ' chf' is not a currency code; write it as three capital letters, "
        "such as 'CHF'."
    )


@settings(max_examples=LAWS)
@given(currency=st.text(max_size=5))
def test_law_a_refused_currency_is_told_a_code_the_plan_takes(currency: str) -> None:
    # Oracle: three capital letters A-Z are taken as they are; anything else is refused,
    # and the code the message suggests is taken.
    if re.fullmatch(r"[A-Z]{3}", currency):
        assert _plan(currency).currency == currency
        return
    with pytest.raises(rk.BadPriceError) as raised:
        _plan(currency)
    suggested = re.search(r"such as '([^']*)'\.$", str(raised.value))
    assert suggested is not None
    assert _plan(suggested.group(1)).currency == suggested.group(1)
