"""Promises a pricing analyst found broken, each on its smallest input (strict xfail until fixed).

Each test states the behaviour the docs promise; the reason names what happens today.
"""

from __future__ import annotations

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHS = rk.cycles.monthly(tz="UTC")


@pytest.mark.xfail(
    strict=True,
    reason=(
        "docs/exports.md (FOCUS): numeric columns carry no trailing zero past the currency's "
        "quantum; ListUnitPrice and ContractedUnitPrice keep the price as written instead "
        "('5.000' for a EUR fee of 5.000, '100.0' and '2.50' in JPY, whose quantum is 1)"
    ),
)
@pytest.mark.parametrize(
    ("currency", "price", "fee", "expected_price", "expected_fee"),
    [
        ("EUR", "0.1000", "5.000", "0.10", "5.00"),
        ("JPY", "2.50", "100.0", "2.5", "100"),
    ],
)
def test_focus_unit_prices_carry_no_trailing_zero_past_the_quantum(
    currency: str, price: str, fee: str, expected_price: str, expected_fee: str
) -> None:
    plan = rk.Plan(
        currency,
        currency,
        MONTHS,
        [rk.PriceEntry("e", "m", rk.PerUnit(price))],
        fees=[rk.Fee("f", fee)],
    )
    used = [rk.UsageRow("a", "m", "r", MARCH, MARCH, "2", "GB", {}, ())]
    rating = rk.rate(used, plan, span=MARCH)
    for source in (rating, rk.bill(rating)):
        usage, base = rk.focus_rows(source, provider="Example")
        # the costs already follow the rule: 2 x 0.1000 = '0.20' in EUR, 2 x 2.50 = '5' in JPY
        assert usage["ListCost"] == ("0.20" if currency == "EUR" else "5")
        assert (usage["ListUnitPrice"], usage["ContractedUnitPrice"]) == (
            expected_price,
            expected_price,
        )
        assert (base["ListUnitPrice"], base["ContractedUnitPrice"]) == (expected_fee, expected_fee)
