"""Readings of one meter name written in different units are each converted to the meter's unit.

A sample carries no unit: its value is in its meter's unit. So the adapters whose
readings state a unit (Ceilometer's ``counter_unit``, Borel's ``uom``) convert each
reading exactly from its own unit, whatever the others of its meter say: a ``cpu``
counter read as 0 ns, then 3600 s, then 2 h is 0, 1 and 2 hours, not 0, 3600 and 2 (a
reset that gave 3598 hours back). A unit that does not convert to the meter's is refused
naming the reading's position, the unit given and the meter's unit.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._ceilometer import cpu

import ratekit as rk
from ratekit.adapters import borel, ceilometer

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
#: Seconds per unit, written by hand: the oracle of the conversions.
SECONDS = {
    "ns": Fraction(1, 10**9),
    "us": Fraction(1, 10**6),
    "ms": Fraction(1, 1000),
    "s": Fraction(1),
    "min": Fraction(60),
    "h": Fraction(3600),
    "hour": Fraction(3600),
    "day": Fraction(86400),
}
SECONDS_METER = rk.Meter("cpu", "s", rk.Counter())


def _reading(message_id: str, hour: int, volume: int, unit: str) -> dict[str, object]:
    return {**cpu(message_id, f"2026-03-02T{hour:02d}:00:00Z", volume), "counter_unit": unit}


def test_a_counter_in_ns_then_s_then_hours_is_read_in_the_meters_hours() -> None:
    feed = [_reading("m1", 8, 0, "ns"), _reading("m2", 9, 3600, "s"), _reading("m3", 10, 2, "h")]
    samples = ceilometer.samples(feed, meters=[ceilometer.CPU_HOURS])
    # 0 ns = 0 h; 3600 s = 1 h; 2 h = 2 h: a counter of 0, 1, 2 hours, 2 h of CPU in all
    assert [sample.value for sample in samples] == [Decimal(0), Decimal(1), Decimal(2)]
    usage = rk.meter(samples, [ceilometer.CPU_HOURS], span=MARCH, cycle=None, as_of=MARCH.end)
    assert usage.total() == Decimal(2)
    assert usage.anomalies == ()


def test_a_ceilometer_unit_that_does_not_convert_is_refused_naming_both_units() -> None:
    feed = [_reading("m1", 8, 0, "s"), _reading("m2", 9, 5, "B")]
    with pytest.raises(rk.BadRecordError) as raised:
        ceilometer.samples(feed, meters=[SECONDS_METER])
    assert str(raised.value) == (
        "Ceilometer sample [1].counter_unit (sample 'm2') is 'B', not a unit meter 'cpu' in "
        "'s' can take: Cannot convert 'B' to 's': 'B' measures data and 's' measures time."
    )


def test_borel_rows_of_one_resource_in_ns_and_in_s_are_both_seconds() -> None:
    def row(resource_id: str, quantity: int, uom: str) -> dict[str, object]:
        return {
            "customer-id": "21891",
            "quantity": quantity,
            "resource": "cpu-usage",
            "resource_id": resource_id,
            "uom": uom,
        }

    rows = [row("vm-1", 516570000000, "cpu-ns"), row("vm-2", 90, "s"), row("vm-3", 2, "hour")]
    samples = borel.usage_rows(rows, period=MARCH)
    # 516,570,000,000 ns = 516.57 s; 90 s; 2 h = 7200 s
    assert [sample.value for sample in samples] == [Decimal("516.57"), Decimal(90), Decimal(7200)]
    with pytest.raises(rk.BadRecordError) as raised:
        borel.usage_rows([row("vm-1", 5, "MB")], period=MARCH)
    assert str(raised.value) == (
        "Borel row [0].uom (row '21891/cpu-usage/vm-1/2026-03-01T00:00:00Z/"
        "2026-04-01T00:00:00Z') is 'MB', not a unit meter 'cpu-usage' in 's' can take: Cannot "
        "convert 'MiB' to 's': 'MiB' measures data and 's' measures time."
    )


@pytest.mark.property
@settings(max_examples=LAWS)
@given(
    readings=st.lists(
        st.tuples(st.integers(0, 10**15), st.sampled_from(sorted(SECONDS))), min_size=1, max_size=6
    ),
    meter_unit=st.sampled_from(["ns", "us", "ms", "s", "min", "h", "day"]),
)
def test_law_each_reading_is_converted_from_its_own_unit(
    readings: list[tuple[int, str]], meter_unit: str
) -> None:
    # Oracle: volume x (seconds per its unit) / (seconds per the meter's unit), exactly,
    # reading by reading, whatever unit the other readings of the meter are in.
    meter = rk.Meter("cpu", meter_unit, rk.Max())
    feed = [
        {**_reading(f"m{n}", n, volume, unit), "counter_type": "gauge"}
        for n, (volume, unit) in enumerate(readings)
    ]
    samples = ceilometer.samples(feed, meters=[meter])
    for sample, (volume, unit) in zip(samples, readings, strict=True):
        exact = volume * SECONDS[unit] / SECONDS[meter_unit]
        assert isinstance(sample, rk.Sample)
        if _terminates(exact):  # a power of ten, or a division that ends: exact
            assert Fraction(sample.value) == exact
        else:  # a division by 3.6e12 (ns to hours) is kept to 60 significant digits
            assert abs(Fraction(sample.value) - exact) <= exact / 10**59


def _terminates(number: Fraction) -> bool:
    """Whether ``number`` has a finite decimal expansion: its denominator is 2^a x 5^b."""
    denominator = number.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1
