"""Promises a pricing analyst found broken, each on its smallest input (strict xfail until fixed).

Each test states the behaviour the docs promise; the reason names what happens today.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHS = rk.cycles.monthly(tz="UTC")


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


HUGE = "m" * 1_000_000
PRICED = [rk.PriceEntry("e", "gb", rk.PerUnit(1))]


def _usage_row() -> rk.UsageRow:
    return rk.UsageRow("a", "gb", "r", MARCH, MARCH, 1, "GB", {}, ())


REFUSED_HUGE_NAMES: dict[str, tuple[Callable[[], object], type[rk.RatekitError], str]] = {
    "a stored row's unknown key": (
        lambda: rk.from_row(rk.UsageRow, {**rk.to_row(_usage_row()), HUGE: 1}),
        rk.BadDataError,
        "a UsageRow row has no key",
    ),
    "two fees of one id": (
        lambda: rk.Plan("p", "EUR", MONTHS, [], fees=[rk.Fee(HUGE, 1), rk.Fee(HUGE, 2)]),
        rk.BadPriceError,
        "fee ids name charges and must be unique",
    ),
    "a minimum of a meter the plan does not price": (
        lambda: rk.Plan("p", "EUR", MONTHS, PRICED, minimums=[rk.Minimum(1, meter=HUGE)]),
        rk.BadPriceError,
        "which none of its price entries prices",
    ),
    "an allowance of a meter the plan does not price": (
        lambda: rk.Plan("p", "EUR", MONTHS, PRICED, allowances=[rk.Allowance(HUGE, 1)]),
        rk.BadPriceError,
        "which none of its price entries prices",
    ),
    "two entries that can both apply": (
        lambda: rk.Plan("p", "EUR", MONTHS, [*PRICED, rk.PriceEntry(HUGE, "gb", rk.PerUnit(2))]),
        rk.BadPriceError,
        "have the same priority 0 and can both apply",
    ),
    "a share weight of zero": (
        lambda: rk.Share("a", "r", {HUGE: 0}),
        rk.BadQuantityError,
        "must be greater than 0",
    ),
    "two plans under one id": (
        lambda: rk.rate(
            [_usage_row()],
            [
                rk.Assignment("a", rk.Plan(HUGE, "EUR", MONTHS, PRICED)),
                rk.Assignment("b", rk.Plan(HUGE, "EUR", MONTHS, PRICED, fees=[rk.Fee("f", 1)])),
            ],
            span=MARCH,
        ),
        rk.BadPriceError,
        "two different plans have the id",
    ),
}


@pytest.mark.parametrize("case", REFUSED_HUGE_NAMES)
def test_a_refused_megabyte_name_is_named_in_a_short_message(case: str) -> None:
    call, error, names = REFUSED_HUGE_NAMES[case]
    with pytest.raises(error) as refused:
        call()
    message = str(refused.value)
    assert names in message
    assert "mmmmmmmmmm" in message  # the name is still named, by its start
    assert len(message) < 1_000, f"{case}: {len(message):,} characters"


def test_a_tiny_graduated_percent_is_taken_or_refused_in_the_callers_terms() -> None:
    assert rk.Percentage("1e-30").amount(100) == Decimal("1E-30")  # 1e-30 % of 100
    try:
        fees = rk.GraduatedPercentage([(None, "1e-30")])
    except rk.BadPriceError as error:
        message = str(error)
        assert "1E-32" not in message, message
        assert "percent '1e-30'" in message, message
    else:
        assert fees.amount(100) == Decimal("1E-30")


def _edited_invoice_row(
    price: rk.PriceModel, path: tuple[str | int, ...], value: str
) -> dict[str, object]:
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "m", price)])
    used = [rk.UsageRow("a", "m", "r", MARCH, MARCH, 150, "GB", {}, ())]
    (invoice,) = rk.bill(rk.rate(used, plan, span=MARCH))
    row = json.loads(json.dumps(rk.to_row(invoice)))
    place = row["lines"][0]["charges"][0]
    for key in path[:-1]:
        place = place[key]
    place[path[-1]] = value
    return row  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("price", "path"),
    [
        (rk.Graduated([rk.Tier(10, "0.1"), rk.Tier(None, "0.05")]), ("price", "tiers", 1, "unit")),
        (rk.PerUnit("0.05"), ("unit_price",)),
    ],
)
def test_a_stored_charge_whose_price_no_longer_gives_its_amount_is_refused(
    price: rk.PriceModel, path: tuple[str | int, ...]
) -> None:
    # 150 GB: 10 x 0.1 + 140 x 0.05 = 8.00 graduated; 150 x 0.05 = 7.50 per unit
    row = _edited_invoice_row(price, path, "0.06")
    try:
        stored = rk.from_row(rk.Invoice, row)
    except rk.BadDataError:
        return  # refused where it is read: the charge's price does not give its amount
    with pytest.raises(rk.BadPriceError):
        str(stored)  # or refused where it is printed, naming the charge and the two sums


@pytest.mark.parametrize(
    ("proration", "change"),
    [
        ("seconds", "2026-03-01T00:07:00Z"),  # 7 of 44,640 minutes: 0.000156810035842...
        ("days", "2026-03-03T05:00:00Z"),  # 2 of 31 days: 0.0645161290322580645...
    ],
)
def test_the_shares_of_a_cycle_split_by_a_change_add_up_to_one_at_most(
    proration: str, change: str
) -> None:
    first, second = (
        rk.Plan(name, "EUR", MONTHS, [], fees=[rk.Fee("f", 1)], proration=proration)
        for name in "ab"
    )
    rating = rk.rate(
        [],
        [rk.Assignment("x", first, end=change), rk.Assignment("x", second, start=change)],
        span=MARCH,
    )
    shares = [charge.quantity for charge in rating.charges]
    assert [-share.as_tuple().exponent <= 60 for share in shares] == [True, True]  # type: ignore[operator]
    assert sum(Fraction(share) for share in shares) <= 1
