"""Prices stated per another unit than the meter's (issue 7 §4, pricing side)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def memory(quantity: str | int, unit: str = "MiB*hour", resource: str = "app-1") -> rk.UsageRow:
    return rk.UsageRow("acme", "memory", resource, MARCH, MARCH, Decimal(quantity), unit, {}, ())


def test_a_price_per_gib_hour_on_a_mib_hour_meter_reads_in_gib_hours() -> None:
    entry = rk.PriceEntry(
        "memory", "memory", rk.PerUnit("0.03"), unit="GiB·hour", meter_unit="MiB*hour"
    )
    plan = rk.Plan("p", "EUR", MONTHS, [entry])
    [charge] = rk.rate([memory("55779.84")], plan, span=MARCH).charges
    # 55779.84 MiB*hour / 1024 = 54.4725 GiB*hour; x 0.03 = 1.634175
    assert (charge.quantity, charge.unit, charge.unit_price, charge.amount) == (
        Decimal("54.4725"),
        "GiB·hour",
        Decimal("0.03"),
        Decimal("1.634175"),
    )
    [line] = rk.bill(rk.rate([memory("55779.84")], plan, span=MARCH))[0].lines
    assert (line.quantity, line.unit, line.unit_price, line.amount) == (
        Decimal("54.4725"),
        "GiB·hour",
        Decimal("0.03"),
        Decimal("1.63"),
    )


def test_tiers_are_read_in_the_price_unit_and_allowances_in_the_meters() -> None:
    # egress metered in bytes, priced per GB: the first 10 GB free, then 0.09 per GB.
    # 5e9 B + 7e9 B = 12 GB: 2 GB x 0.09 = 0.18
    tiers = rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.09")])
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("egress", "egress", tiers, unit="GB")])
    rows = [
        rk.UsageRow("acme", "egress", "ip", MARCH, MARCH, Decimal(5 * 10**9), "B", {}, ("a",)),
        rk.UsageRow("acme", "egress", "ip", MARCH, MARCH, Decimal(7 * 10**9), "B", {}, ("b",)),
    ]
    charges = rk.rate(rows, plan, span=MARCH).charges
    assert [(c.quantity, c.unit, c.amount) for c in charges] == [
        (Decimal(5), "GB", Decimal(0)),
        (Decimal(7), "GB", Decimal("0.18")),
    ]
    # an allowance of the meter counts in the meter's unit: 1024 MiB*hour free of 2048
    per_gib = rk.PriceEntry("memory", "memory", rk.PerUnit("0.03"), unit="GiB*hour")
    allowed = rk.Plan("p", "EUR", MONTHS, [per_gib], allowances=[rk.Allowance("memory", 1024)])
    [charge] = rk.rate([memory(2048)], allowed, span=MARCH).charges
    # 2 GiB*hour, 1 free: 1 x 0.03
    assert (charge.quantity, charge.free, charge.amount) == (
        Decimal(2),
        Decimal(1),
        Decimal("0.03"),
    )


def test_incompatible_units_are_refused_when_built_or_rated() -> None:
    with pytest.raises(rk.UnitError) as error:
        rk.PriceEntry("e", "memory", rk.PerUnit(1), unit="GB*hour", meter_unit="hour")
    assert str(error.value).startswith(
        "price entry 'e' is stated per 'GB*hour', which the meter's unit 'hour' cannot be "
        "converted to: "
    )
    with pytest.raises(rk.UnitError) as bad:
        rk.PriceEntry("e", "memory", rk.PerUnit(1), unit="GB*!!")
    assert str(bad.value).startswith("price entry 'e' unit: ")
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "memory", rk.PerUnit(1), unit="GB")])
    with pytest.raises(rk.UnitError) as rated:
        rk.rate([memory(1, unit="hour")], plan, span=MARCH)
    assert str(rated.value).startswith(
        "price entry 'e' of plan 'p' is stated per 'GB', but usage of meter 'memory' by "
        "account 'acme' (resource 'app-1') is in 'hour': "
    )


def test_a_price_unit_shows_in_the_entrys_repr() -> None:
    entry = rk.PriceEntry("m", "memory", rk.PerUnit("0.03"), unit="GB*hour", meter_unit="MB*hour")
    assert repr(entry) == (
        "PriceEntry('m', 'memory', PerUnit('0.03'), unit='GB*hour', meter_unit='MB*hour')"
    )


@given(st.decimals(0, 10**9, places=3), st.decimals("0.0001", 10, places=4))
def test_pricing_per_another_unit_is_exact(quantity: Decimal, rate: Decimal) -> None:
    # Law: against Fraction arithmetic, MB*hour priced per GB*hour costs q / 1000 x rate.
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("m", "memory", rk.PerUnit(rate), unit="GB*hour")]
    )
    [charge] = rk.rate([memory(str(quantity), unit="MB*hour")], plan, span=MARCH).charges
    assert Fraction(charge.quantity) == Fraction(quantity) / 1000
    assert Fraction(charge.amount) == Fraction(quantity) / 1000 * Fraction(rate)
