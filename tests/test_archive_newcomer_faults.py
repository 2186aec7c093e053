"""Faults a cold-storage archive met in its GB-months, each with its exact expected behaviour.

Worked by hand with Fractions; all now fixed (they were pinned as strict xfails).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

STORE = rk.Meter("store", "GB", rk.TimeWeightedMean(over="period"))
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
HALF_CENT = rk.Plan(
    "a", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("s", "store", rk.PerUnit("0.0075"))]
)


def one_gb(at: str) -> rk.Sample:
    return rk.Sample("acme", "v1", "store", at, 1, kind="gauge", id="r0")


def test_a_sign_up_read_at_its_instant_bills_the_exact_half_cent_half_even() -> None:
    # 1 GB read on 11 April, the plan from 11 April: 1 x 20/30 = 2/3 GB-month at 0.0075
    # is exactly 0.005 EUR, half-even 0.00.
    rating = rk.rate(
        [one_gb("2026-04-11T00:00:00Z")],
        [rk.Assignment("acme", HALF_CENT, start="2026-04-11T00:00:00Z")],
        span=APRIL,
        meters=[STORE],
    )
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("0.00")


@pytest.mark.parametrize(
    "assigned",
    [
        # signs up on 11 April, the vault read since 1 April: 20 of 30 days under the plan
        rk.Assignment("acme", HALF_CENT, start="2026-04-11T00:00:00Z"),
        # leaves on 21 April with no last reading: 20 of 30 days under the plan
        rk.Assignment("acme", HALF_CENT, end="2026-04-21T00:00:00Z"),
    ],
)
def test_a_plan_cut_between_readings_bills_the_exact_half_cent_half_even(
    assigned: rk.Assignment,
) -> None:
    # 1 x 20/30 = 2/3 GB-month x 0.0075 = 0.005 exactly: billed 0.00 (half-even).
    rating = rk.rate([one_gb("2026-04-01T00:00:00Z")], [assigned], span=APRIL, meters=[STORE])
    (invoice,) = rk.bill(rating)
    assert invoice.precise_total == Decimal("0.005")
    assert invoice.total == Decimal("0.00")
