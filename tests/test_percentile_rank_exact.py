"""Percentile's nearest rank is found exactly, not from a product rounded at 60 digits."""

from __future__ import annotations

from decimal import Decimal

import ratekit as rk

DAY = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
PERCENT = Decimal("50." + "0" * 57 + "1")  # 50 + 1E-58: 60 significant digits, accepted


def readings() -> list[rk.Sample]:
    return [
        rk.Sample("a", "r", "m", f"2026-03-01T0{hour}:00:00Z", value, kind="gauge", id=f"s{hour}")
        for hour, value in [(1, 1), (2, 2)]
    ]


def test_a_percent_just_above_a_whole_rank_takes_the_next_reading() -> None:
    # Nearest rank of 2 readings: ceil(PERCENT / 100 x 2) = ceil(1 + 2E-60) = 2, the
    # reading 2. The product, rounded at 60 digits, was 1 exactly: rank 1, the reading 1.
    assert len(PERCENT.as_tuple().digits) == 60
    assert rk.Percentile(PERCENT).aggregate(readings(), 0, 2**62, None) == 2
    usage = rk.meter(
        readings(),
        [rk.Meter("m", "u", rk.Percentile(PERCENT))],
        span=DAY,
        cycle=None,
        as_of=DAY.end,
    )
    assert usage.total() == 2


def test_whole_ranks_stay_as_they_were() -> None:
    # 50 of 2: ceil(1) = 1, the reading 1; 95 of 20: ceil(19) = 19; 100: the last.
    assert rk.Percentile(50).aggregate(readings(), 0, 2**62, None) == 1
    twenty = [
        rk.Sample("a", "r", "m", "2026-03-01T00:00:00Z", v, kind="gauge", id=f"t{v}")
        for v in range(1, 21)
    ]
    assert rk.Percentile(95).aggregate(twenty, 0, 2**62, None) == 19
    assert rk.Percentile("0.001").aggregate(twenty, 0, 2**62, None) == 1
    assert rk.Percentile(100).aggregate(twenty, 0, 2**62, None) == 20
