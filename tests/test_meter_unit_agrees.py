"""A Meter in another unit than a price entry's meter_unit for it is refused, by rate and Rater.

With Meter('memory', 'GiB') and an entry declaring meter_unit='MiB' with an allowance of
512 (MiB, i.e. 0.5 GiB), a sample of 2 GiB was all free, in rate() and in a Rater's
statement: charged 0 instead of (2048 - 512) MiB = 1.5 GiB x 1 = 1.50.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
ENTRY = rk.PriceEntry("mem", "memory", rk.PerUnit(1), unit="GiB", meter_unit="MiB")
PLAN = rk.Plan("p", "EUR", MONTHS, [ENTRY], allowances=[rk.Allowance("memory", 512)])
SAMPLES = [rk.Sample("acme", "vm-1", "memory", "2026-03-05T00:00:00Z", 2, id="s1")]
MESSAGE = (
    "{what}: Meter 'memory' is in 'GiB', but price entry 'mem' of plan 'p' (its meter_unit) "
    "says the meter's unit is 'MiB'; its allowances and its prices per the meter's unit "
    "count in that unit. Give the Meter and the entry one unit."
)


def test_rate_refuses_a_meter_in_another_unit_than_the_entrys() -> None:
    in_gib = rk.Meter("memory", "GiB", rk.Discrete())
    with pytest.raises(rk.UnitError) as caught:
        rk.rate(SAMPLES, PLAN, span=MARCH, meters=[in_gib])  # was: total 0
    assert str(caught.value) == MESSAGE.format(what="rate")


def test_a_rater_refuses_it_when_built() -> None:
    in_gib = rk.Meter("memory", "GiB", rk.Discrete())
    with pytest.raises(rk.UnitError) as caught:
        rk.Rater(PLAN, [in_gib], start=MARCH.start)  # was: a statement totalling 0
    assert str(caught.value) == MESSAGE.format(what="Rater")


def test_the_declared_unit_rates_the_allowance_in_it() -> None:
    # 2048 MiB - 512 free = 1536 MiB = 1.5 GiB, x 1 = 1.5, by rate and by a rater
    in_mib = rk.Meter("memory", "MiB", rk.Discrete())
    samples = [rk.Sample("acme", "vm-1", "memory", "2026-03-05T00:00:00Z", 2048, id="s1")]
    assert rk.rate(samples, PLAN, span=MARCH, meters=[in_mib]).total() == Decimal("1.5")
    rater = rk.Rater(PLAN, [in_mib], start=MARCH.start)
    rater.feed(samples)
    assert rater.statement(MARCH.end).total() == Decimal("1.5")
