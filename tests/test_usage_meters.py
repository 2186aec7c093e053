"""A `Usage` from `meter()` carries its meters, so `rate()` prices its peaks without them.

`rk.rate(rk.meter(records, meters, ...), plan)` prices the rows of a meter that does not
add up (a peak) as its cycle's aggregate, as `rk.rate(records, plan, meters=meters)`
does; `meters=` given again must name the same meters (a meter of the same name defined
otherwise is refused), and adds any the usage does not carry.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="UTC")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
HALF = "2026-04-16T00:00:00Z"  # 15 of April's 30 days on each side
PEAK = rk.Meter("peak", "user", rk.Max())
A = rk.Graduated([rk.Tier(5, "10"), rk.Tier(None, "8")])  # A(10) = 5 * 10 + 5 * 8 = 90
B = rk.Graduated([rk.Tier(5, "20"), rk.Tier(None, "16")])  # B(10) = 5 * 20 + 5 * 16 = 180
PLAN = rk.Plan(
    "p",
    "EUR",
    MONTHLY,
    [rk.PriceEntry("a", "peak", A), rk.PriceEntry("b", "peak", B, start=HALF, priority=1)],
)
READINGS = [
    rk.Sample(
        "acme", "app", "peak", f"2026-04-{day:02}T00:00:00Z", value, kind="gauge", id=f"p{day}"
    )
    for day, value in [(3, 4), (10, 10), (20, 7)]
]


def _usage() -> rk.Usage:
    return rk.meter(READINGS, [PEAK], span=APRIL, cycle=MONTHLY, as_of=APRIL.end)


def test_a_usage_from_meter_carries_its_meters_and_rate_prices_its_peak_whole() -> None:
    usage = _usage()
    assert usage.meters == (PEAK,)
    # The peak of April is 10: A(10) x 15/30 + B(10) x 15/30 = 45 + 90 = 135 (as rating
    # the records with meters= does), not 5 at A's first tier then 5 more at B's second
    # (50 + 80 = 130, quantities that add up).
    assert rk.rate(usage, PLAN, span=APRIL).total() == Decimal(135)
    assert rk.rate(READINGS, PLAN, span=APRIL, meters=[PEAK]).total() == Decimal(135)
    # Bare rows carry no meters: they are priced as quantities that add up.
    assert rk.rate(list(usage.rows), PLAN, span=APRIL).total() == Decimal(130)


def test_meters_given_again_must_be_the_usage_s_own() -> None:
    usage = _usage()
    assert rk.rate(usage, PLAN, span=APRIL, meters=[PEAK]).total() == Decimal(135)
    # A meter the usage does not carry adds to its own.
    other = rk.Meter("calls", "call", rk.Discrete())
    assert rk.rate(usage, PLAN, span=APRIL, meters=[other]).total() == Decimal(135)
    summed = rk.Meter("peak", "user", rk.Latest())
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.rate(usage, PLAN, span=APRIL, meters=[summed])
    assert str(caught.value) == (
        f"rate meters: meter 'peak' is given as {summed!r}, but the usage was metered with "
        f"{PEAK!r}; a Usage from rk.meter() carries its meters (Usage.meters): leave "
        "meters= out, or give the same meters."
    )


def test_the_meters_take_no_part_in_a_usage_s_equality() -> None:
    usage = _usage()
    by_hand = rk.Usage(usage.rows, usage.anomalies, usage.state)
    assert by_hand.meters == ()
    assert by_hand == usage
    assert repr(usage) == "Usage(1 row, 0 anomalies, 1 resource)"


def test_a_rating_of_a_usage_given_its_meters_says_what_had_no_effect() -> None:
    # It named a variable only metering records sets (a NameError on first use).
    assert rk.rate(_usage(), PLAN, span=APRIL, meters=[PEAK]).no_effect == ()


def test_compare_plans_prices_a_usage_s_peak_with_its_meters() -> None:
    table = rk.compare_plans(_usage(), {"now": PLAN}, span=APRIL)
    assert [row.total for row in table.rows] == [Decimal(135)]


@settings(max_examples=max(LAWS // 10, 30), deadline=None)
@given(
    values=st.lists(st.integers(0, 20), min_size=1, max_size=5),
    change_h=st.integers(1, 30 * 24 - 1),
    units=st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(0, 9), st.integers(0, 9)),
    bound=st.integers(1, 15),
)
def test_a_usage_prices_its_peak_as_its_records_do(
    values: list[int], change_h: int, units: tuple[int, int, int, int], bound: int
) -> None:
    """Oracle: Fractions. The peak priced whole under each price for its share of April."""
    first = rk.Graduated([rk.Tier(bound, units[0]), rk.Tier(None, units[1])])
    then = rk.Graduated([rk.Tier(bound, units[2]), rk.Tier(None, units[3])])
    at = APRIL.start + dt.timedelta(hours=change_h)
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHLY,
        [rk.PriceEntry("a", "peak", first), rk.PriceEntry("b", "peak", then, start=at, priority=1)],
    )
    readings = [
        rk.Sample("acme", "app", "peak", APRIL.start + dt.timedelta(days=3 * i), v, kind="gauge")
        for i, v in enumerate(values)
    ]
    usage = rk.meter(readings, [PEAK], span=APRIL, cycle=MONTHLY, as_of=APRIL.end)
    peak = Fraction(max(values))
    share = Fraction(change_h, 30 * 24)

    def priced(low_unit: int, high_unit: int) -> Fraction:
        return min(peak, bound) * low_unit + max(peak - bound, 0) * high_unit

    expected = share * priced(units[0], units[1]) + (1 - share) * priced(units[2], units[3])
    total = rk.rate(usage, plan, span=APRIL).total()
    # The rows carry the peak's time shares at metering's quantum (1e-24 of a user).
    assert abs(Fraction(total) - expected) <= Fraction(1, 10**20)
    assert total == rk.rate(readings, plan, span=APRIL, meters=[PEAK]).total()
