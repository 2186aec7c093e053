"""prorate refuses a wrong basis or timezone whatever the part, an empty one included."""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
EMPTY = rk.Span("2026-04-10T00:00:00Z", "2026-04-10T00:00:00Z")
DAY = rk.Span("2026-04-10T00:00:00Z", "2026-04-11T00:00:00Z")


@pytest.mark.parametrize("part", [EMPTY, DAY])
def test_a_basis_misspelt_is_refused_for_an_empty_part_too(part: rk.Span) -> None:
    # prorate(EMPTY, APRIL, basis="hours") used to return Decimal('0') while the same
    # call on a day's part raised: a typo passed until the first non-empty part.
    with pytest.raises(rk.BadCalendarError, match="basis 'hours' is not known; give 'seconds'"):
        rk.cycles.prorate(part, APRIL, basis="hours")  # type: ignore[arg-type]


@pytest.mark.parametrize("part", [EMPTY, DAY])
def test_days_need_a_known_timezone_for_an_empty_part_too(part: rk.Span) -> None:
    with pytest.raises(rk.BadCalendarError, match="needs the customer's timezone"):
        rk.cycles.prorate(part, APRIL, basis="days")
    with pytest.raises(rk.BadCalendarError, match="prorate tz 'Europe/Zurch' is not a known"):
        rk.cycles.prorate(part, APRIL, basis="days", tz="Europe/Zurch")


def test_an_empty_part_still_gives_zero() -> None:
    assert rk.cycles.prorate(EMPTY, APRIL) == Decimal(0)
    assert rk.cycles.prorate(EMPTY, APRIL, basis="days", tz="UTC") == Decimal(0)
    # A day of April's 30, both ways: 1/30.
    assert rk.cycles.prorate(DAY, APRIL, basis="days", tz="UTC") == rk.cycles.prorate(DAY, APRIL)


def test_a_cycle_without_a_whole_day_is_refused_for_an_empty_part_too() -> None:
    # 06:00 to 18:00 UTC holds no local midnight, so no whole day: prorating by days is
    # refused, for the half-day part and (it used to give 0) for an empty part alike.
    noon_cycle = rk.Span("2026-04-10T06:00:00Z", "2026-04-10T18:00:00Z")
    for part in (rk.Span("2026-04-10T09:00:00Z", "2026-04-10T09:00:00Z"), noon_cycle):
        with pytest.raises(rk.BadCalendarError, match="holds no whole local day"):
            rk.cycles.prorate(part, noon_cycle, basis="days", tz="UTC")
