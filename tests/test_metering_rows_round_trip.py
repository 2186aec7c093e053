"""A row metering gives, and the charge pricing it, read back from their rows.

A row's quantity is what metering computes, not what a record gave: a level in range
(below 1E+30) held for a month can pass 1E+30, and a `PerUnit` price still prices it
when the amount stays in range. So a row's and a charge's quantity take an input's
digits (at most 60) with a wider magnitude, below 1E+60 (docs/guarantees.md).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

MEMORY = rk.Meter("memory", "MB*second", rk.Continuous("memory_mb"))
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("m", "memory", rk.PerUnit("1E-20"))]
)
STARTED = rk.Event(
    "acme", "app-1", "2026-03-01T00:00:00Z", {"memory_mb": "1E+25"}, kind="start", id="e1"
)


def test_a_metered_row_of_a_large_level_reads_back_from_its_row() -> None:
    # 1E+25 MB x 31 days x 86,400 s = 2.6784E+31 MB*second.
    usage = rk.meter(
        [STARTED], [MEMORY], span=MARCH, cycle=rk.cycles.monthly(tz="UTC"), as_of=MARCH.end
    )
    (row,) = usage.rows
    assert row.quantity == 26784 * 10**27
    assert rk.from_row(rk.UsageRow, rk.to_row(row)) == row


def test_the_charge_pricing_it_reads_back_from_its_row() -> None:
    # 2.6784E+31 MB*second x 1E-20 EUR = 267,840,000,000 EUR (2.6784E+11, in range).
    (charge,) = rk.rate([STARTED], PLAN, span=MARCH, meters=[MEMORY]).charges
    assert charge.quantity == 26784 * 10**27
    assert charge.amount == Decimal(267840000000)
    assert rk.from_row(rk.Charge, rk.to_row(charge)) == charge


@pytest.mark.parametrize("quantity", [26784 * 10**27, "2.6784E+31", Decimal("9.99E+59"), 2.5e40])
def test_a_row_made_by_hand_takes_a_quantity_below_1e60(quantity: object) -> None:
    row = rk.UsageRow("acme", "memory", "app-1", MARCH, MARCH, quantity, "MB*second", {}, ())
    assert row.quantity == Decimal(str(quantity))
    assert rk.from_row(rk.UsageRow, rk.to_row(row)) == row


@pytest.mark.parametrize(
    ("quantity", "shown"),
    [
        (10**60, repr(10**60)),
        ("1E+60", "'1E+60'"),
        ("1" * 61, repr("1" * 61)),  # 61 significant digits: the context would round them
        (Decimal("-1E+60"), "Decimal('-1E+60')"),
    ],
)
def test_a_quantity_past_it_is_refused_naming_the_range(quantity: object, shown: str) -> None:
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.UsageRow("acme", "memory", "app-1", MARCH, MARCH, quantity, "MB*second", {}, ())
    assert str(caught.value) == (
        f"UsageRow quantity {shown} lies outside the numbers ratekit represents exactly: "
        "give at most 60 significant digits and, unless zero, a magnitude from 1E-100 up to "
        "but excluding 1E+60."
    )


def test_from_row_names_the_key_and_the_range() -> None:
    row = rk.to_row(rk.UsageRow("acme", "memory", "app-1", MARCH, MARCH, 1, "MB*second", {}, ()))
    with pytest.raises(rk.BadDataError) as caught:
        rk.from_row(rk.UsageRow, {**row, "quantity": "1E+60"}, path="usage[3]")
    assert str(caught.value) == (
        "usage[3].quantity: '1E+60' lies outside the numbers ratekit represents exactly: "
        "give at most 60 significant digits and, unless zero, a magnitude from 1E-100 up to "
        "but excluding 1E+60."
    )


def test_a_charge_keeps_an_input_range_for_its_amount() -> None:
    # The wider range is the quantity's alone: an amount past 1E+30 is refused as before.
    with pytest.raises(rk.BadQuantityError, match=r"Charge amount .* 1E\+30\."):
        rk.Charge(
            "acme", "memory", "app-1", MARCH, MARCH, "2.6784E+31", "MB*second", "1E+31",
            "EUR", "p", "m", None,
        )  # fmt: skip
    charge = rk.Charge(
        "acme", "memory", "app-1", MARCH, MARCH, "2.6784E+31", "MB*second", 1, "EUR", "p", "m",
        None,
    )  # fmt: skip
    assert charge.quantity == Decimal("2.6784E+31")
