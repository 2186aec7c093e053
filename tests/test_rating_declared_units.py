"""Rows in another unit than the one their meter is declared in are refused, not misread.

A price entry's ``meter_unit`` (or a ``Meter`` given to rate) says what the meter's unit
is, and an allowance of the meter counts in it. Rows of 2 GiB*hour on a meter declared in
MiB*hour were taken as they came: an allowance of 512 (MiB*hour, 0.5 GiB*hour) freed all
2 GiB*hour, so the charge was 0 instead of (2048 - 512) MiB*hour = 1.5 GiB*hour x 1 =
1.50; and with the price per the meter's unit (no ``unit``), 2 GiB*hour cost 2 x 1 = 2
instead of 2048 MiB*hour x 1 = 2048.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _rows(quantity: int, unit: str) -> list[rk.UsageRow]:
    return [rk.UsageRow("acme", "memory", "vm-1", MARCH, MARCH, quantity, unit, {}, ())]


def _plan(unit: str | None) -> rk.Plan:
    entry = rk.PriceEntry("mem", "memory", rk.PerUnit(1), unit=unit, meter_unit="MiB*hour")
    return rk.Plan("p", "EUR", MONTHS, [entry], allowances=[rk.Allowance("memory", 512)])


def test_rows_in_the_declared_unit_take_the_allowance_in_it() -> None:
    # 2048 MiB*hour - 512 free = 1536 MiB*hour = 1.5 GiB*hour, x 1 = 1.5
    (charge,) = rk.rate(_rows(2048, "MiB*hour"), _plan("GiB*hour"), span=MARCH).charges
    assert (charge.quantity, charge.free, charge.amount) == (
        Decimal(2),
        Decimal("0.5"),
        Decimal("1.5"),
    )


@pytest.mark.parametrize("price_unit", ["GiB*hour", None])
def test_rows_in_another_unit_than_the_entrys_meter_unit_are_refused(
    price_unit: str | None,
) -> None:
    # was: free 2 GiB*hour, amount 0 (with unit='GiB*hour'), and 0 (without: 2 <= 512)
    with pytest.raises(rk.UnitError) as caught:
        rk.rate(_rows(2, "GiB*hour"), _plan(price_unit), span=MARCH)
    assert str(caught.value) == (
        "rate usage: the rows of meter 'memory' are in 'GiB*hour' (resource 'vm-1' of "
        "'acme' from 2026-03-01T00:00:00Z), but price entry 'mem' of plan 'p' (its "
        "meter_unit) says the meter's unit is 'MiB*hour'; its allowances and its prices "
        "per the meter's unit count in that unit. Convert the rows to 'MiB*hour', or "
        "declare the meter's unit as the rows'."
    )


def test_rows_in_another_unit_than_their_meters_are_refused() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("mem", "memory", rk.PerUnit(1))],
        allowances=[rk.Allowance("memory", 512)],
    )
    meter = rk.Meter("memory", "MiB*hour", rk.Discrete())
    with pytest.raises(rk.UnitError, match="but its Meter 'memory' says the meter's unit is"):
        rk.rate(_rows(2, "GiB*hour"), plan, span=MARCH, meters=[meter])
    # the same unit spelled otherwise is the same unit
    spelled = rk.Meter("memory", "MiB·hour", rk.Discrete())
    (charge,) = rk.rate(_rows(2048, "MiB*hour"), plan, span=MARCH, meters=[spelled]).charges
    assert charge.amount == Decimal(1536)  # 2048 - 512 free, x 1
