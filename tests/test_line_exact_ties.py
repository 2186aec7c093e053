"""A line of one charge rounds its exact amount, where that charge was cut at its 60th digit.

docs/invoices.md: a line whose charges rating rounded at their 60th digit (usage less a
free part prorated by time, at any built-in price) rounds their exact sum; docs/usage.md: a
per-unit line of a time meter is rounded once from its price times its exact time. A line
of one charge is no exception: 16 calls less 25/9 free at 0.045 is 119/9 x 0.045 = 0.595,
0.60 half-even, though the charge is 0.5949...9 (its free part cut at 60 digits).

The draws aim at the boundaries: the price is a multiple of the free part's denominator,
so the exact amount terminates and often lies on the quantum or half-way, where a
60-digit cut below or above it rounds to another cent. Oracle: the amount as a Fraction,
rounded by hand.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
HOURS = 720  # April's hours: an allowance assigned for h of them frees A x h / 720
MODES = [
    "ROUND_HALF_EVEN",
    "ROUND_HALF_UP",
    "ROUND_DOWN",
    "ROUND_UP",
    "ROUND_FLOOR",
    "ROUND_CEILING",
]


def _rounded(exact: Fraction, mode: str) -> Decimal:
    """``exact`` (not below zero) on the cent in ``mode``, by hand."""
    cents = exact * 100
    low = cents.numerator // cents.denominator
    rest = cents - low
    if rest == 0 or mode in {"ROUND_DOWN", "ROUND_FLOOR"}:
        up = False
    elif mode in {"ROUND_UP", "ROUND_CEILING"}:
        up = True
    elif rest != Fraction(1, 2):
        up = rest > Fraction(1, 2)
    else:
        up = mode == "ROUND_HALF_UP" or low % 2 == 1
    return Decimal(low + up) / 100


def _total(price: rk.PriceModel, allowance: int, hours: int, used: int, mode: str) -> Decimal:
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("e", "calls", price)],
        allowances=[rk.Allowance("calls", allowance)], rounding=mode,
    )  # fmt: skip
    start_us = APRIL.end_us - hours * 3_600_000_000
    last_hour = rk.Span.from_us(APRIL.end_us - 3_600_000_000, APRIL.end_us)  # assigned
    row = rk.UsageRow("acme", "calls", "api", last_hour, APRIL, used, "call", {}, ())
    assigned = [rk.Assignment("acme", plan, start=rk.Span.from_us(start_us, APRIL.end_us).start)]
    (invoice,) = rk.bill(rk.rate([row], assigned, span=APRIL))
    return invoice.total


@pytest.mark.parametrize(
    ("price", "mode", "expected"),
    [
        # (16 - 25/9) x 0.045 = 119/9 x 0.045 = 0.595: a tie, 0.60 half-even
        (rk.Graduated([rk.Tier(None, "0.045")]), "ROUND_HALF_EVEN", Decimal("0.60")),
        (rk.Volume([rk.Tier(None, "0.045")]), "ROUND_HALF_EVEN", Decimal("0.60")),
        (rk.PerUnit("0.045"), "ROUND_HALF_EVEN", Decimal("0.60")),
        # 5 free then 0.09: (119/9 - 5) x 0.09 = 74/9 x 0.09 = 0.74 exactly, 0.74 down
        (rk.Graduated([rk.Tier(5, 0), rk.Tier(None, "0.09")]), "ROUND_DOWN", Decimal("0.74")),
    ],
)
def test_a_late_sign_up_rounds_the_exact_amount(
    price: rk.PriceModel, mode: str, expected: Decimal
) -> None:
    assert _total(price, 10, 200, 16, mode) == expected


def test_a_many_digit_price_per_hour_rounds_the_exact_product() -> None:
    # 0.045 h at 0.333...3 (60 threes) = 0.015 - 1.5E-62: 0.01 half-even (the charge's
    # 0.015, the product cut at 60 digits, billed 0.02).
    third = "0." + "3" * 60
    hours = rk.Meter("vm.hours", "hour", rk.OnOff())
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(third))],
    )
    records = [
        rk.Event("acme", "vm", "2026-04-02T00:00:00Z", kind="start", id="on"),
        rk.Event("acme", "vm", "2026-04-02T00:02:42Z", kind="stop", id="off"),
    ]
    (invoice,) = rk.bill(rk.rate(records, plan, span=APRIL, meters=[hours]))
    assert invoice.total == Decimal("0.01")


@pytest.mark.property
@settings(max_examples=LAWS * 3 // 2, deadline=None)
@given(
    allowance=st.integers(1, 60),
    hours=st.integers(1, HOURS - 1),
    used=st.integers(0, 200),
    multiple=st.integers(1, 400),
    places=st.integers(2, 5),
    model=st.sampled_from(["per unit", "graduated", "volume"]),
    mode=st.sampled_from(MODES),
)
def test_a_line_of_one_charge_less_a_prorated_allowance_rounds_its_exact_amount(  # noqa: PLR0917 - hypothesis draws
    allowance: int, hours: int, used: int, multiple: int, places: int, model: str, mode: str
) -> None:
    free = Fraction(allowance * hours, HOURS)
    price = Decimal(multiple * free.denominator).scaleb(-places)  # 0.045 for 9 and 45
    exact = max(Fraction(used) - free, Fraction(0)) * Fraction(price)
    prices: dict[str, rk.PriceModel] = {
        "per unit": rk.PerUnit(price),
        "graduated": rk.Graduated([rk.Tier(None, price)]),
        "volume": rk.Volume([rk.Tier(None, price)]),
    }
    assert _total(prices[model], allowance, hours, used, mode) == _rounded(exact, mode)
