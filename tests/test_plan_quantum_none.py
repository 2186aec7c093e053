"""Plan(quantum=None) says how to get the default quantum, not only that None is no number.

It said "plan 'p' quantum must be positive, such as Decimal('0.01'), not None.", which
tells a caller who meant "the default" (or plan data with "quantum": null) nothing of
how to get it: leave quantum out, and the currency's minor unit (0.01 for EUR) is used.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")


def test_none_says_to_leave_it_out() -> None:
    with pytest.raises(rk.BadPriceError) as caught:
        rk.Plan("p", "EUR", MONTHS, [], quantum=None)
    assert str(caught.value) == (
        "plan 'p' quantum must be positive, such as Decimal('0.01'), not None (leave it "
        "out for the currency's minor unit)."
    )


def test_left_out_it_is_the_currencys_and_zero_is_refused_as_before() -> None:
    assert rk.Plan("p", "EUR", MONTHS, []).quantum == Decimal("0.01")
    with pytest.raises(rk.BadPriceError) as caught:
        rk.Plan("p", "EUR", MONTHS, [], quantum=0)
    assert str(caught.value) == (
        "plan 'p' quantum must be positive, such as Decimal('0.01'), not Decimal('0')."
    )
