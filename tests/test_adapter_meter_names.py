"""The adapters that read a list of meters refuse two meters of one name, as metering does.

``ceilometer.samples`` and ``borel.usage_rows`` kept the last meter of each name: given
the ready ``cpu`` meter (in hours) and one of the caller's in seconds, a reading of
7.2e12 ns became a sample of 7200 (seconds) without a word, and rating it with the
ready meter read those 7200 as hours. ``rk.meter`` and ``rk.rate`` refuse such a list;
the adapters now refuse it too, naming the argument and both meters.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._ceilometer import cpu

import ratekit as rk
from ratekit.adapters import borel, ceilometer

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")
CPU_SECONDS = rk.Meter("cpu", "s", rk.Counter())


READINGS = [
    cpu("s1", "2026-03-02T08:00:00", 0),
    cpu("s2", "2026-03-02T10:00:00", 7_200_000_000_000),
]


def test_ceilometer_refuses_two_meters_of_one_name() -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        ceilometer.samples(READINGS, meters=[ceilometer.CPU_HOURS, CPU_SECONDS], naive_utc=True)
    assert str(raised.value) == (
        "samples meters holds two meters named 'cpu' (Meter('cpu', 'hour', Counter()) and "
        "Meter('cpu', 's', Counter())); meter names are unique: give one meter of each name, "
        "the one you rate with."
    )


def test_one_meter_of_the_name_gives_the_figure_of_its_unit() -> None:
    # 7.2e12 ns = 7200 s = 2 h of CPU; at 0.10 per hour, 0.20.
    samples = ceilometer.samples(READINGS, meters=[ceilometer.CPU_HOURS], naive_utc=True)
    assert [sample.value for sample in samples] == [Decimal(0), Decimal(2)]
    plan = rk.Plan("os", "EUR", MONTHLY, [rk.PriceEntry("cpu", "cpu", rk.PerUnit("0.10"))])
    rating = rk.rate(samples, plan, span=MARCH, meters=[ceilometer.CPU_HOURS])
    assert rating.total() == Decimal("0.2")


def test_borel_refuses_a_ready_meter_given_twice() -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        borel.usage_rows([], period=MARCH, meters=[*borel.METERS, borel.CPU_SECONDS])
    assert str(raised.value) == (
        "usage_rows meters holds two meters named 'cpu-usage' (Meter('cpu-usage', 's', "
        "Discrete()) and Meter('cpu-usage', 's', Discrete())); meter names are unique: give "
        "one meter of each name, the one you rate with."
    )


_METERS = st.lists(
    st.sampled_from(
        [
            ceilometer.CPU_HOURS,
            CPU_SECONDS,
            ceilometer.NETWORK_IN,
            rk.Meter("x", "B", rk.Discrete()),
        ]
    ),
    max_size=4,
)


@settings(max_examples=LAWS)
@given(meters=_METERS)
def test_law_an_adapter_takes_a_meter_list_exactly_when_metering_does(
    meters: list[rk.Meter],
) -> None:
    # Oracle: rk.meter's own door for a list of meters (names unique).
    try:
        rk.meter([], meters, span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    except rk.RatekitTypeError:
        metering_takes = False
    else:
        metering_takes = True
    if not metering_takes:
        with pytest.raises(rk.RatekitTypeError, match="meter names are unique"):
            ceilometer.samples(READINGS, meters=meters, naive_utc=True, unknown="skip")
        return
    samples = ceilometer.samples(READINGS, meters=meters, naive_utc=True, unknown="skip")
    by_name = {meter.name: meter for meter in meters}
    expected = {"hour": [Decimal(0), Decimal(2)], "s": [Decimal(0), Decimal(7200)]}
    if "cpu" in by_name:
        assert [sample.value for sample in samples] == expected[by_name["cpu"].unit]
    else:
        assert samples == []
