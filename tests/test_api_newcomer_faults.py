"""Faults a metered API's analyst met, each pinned on its smallest input.

Each test is what the documentation promises (or what a billing library should do), and
fails today; the reason says what happens instead.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
LATE_APRIL = rk.Span("2026-04-16T12:00:00Z", "2026-05-01T00:00:00Z")


@pytest.mark.xfail(
    strict=True,
    reason=(
        "docs/guarantees.md, Timezones: one door takes every timezone (cycles, windows, "
        "proration, ...) and every one of them refuses alike what it refuses, unknown names "
        "by their shape. rk.cycles.prorate(part, cycle, tz='Nowhere/X') (basis left at "
        "'seconds') returns Decimal('0.4833...') instead of raising BadCalendarError; so do "
        "tz=5, tz='' and a hand-written tzinfo (the tz is checked only under basis='days')"
    ),
)
@pytest.mark.parametrize("tz", ["Nowhere/X", "utc", ""])
def test_prorate_refuses_an_unknown_timezone_whatever_the_basis(tz: str) -> None:
    # A refusal of any tz under basis 'seconds' (the fault below) would mend this too.
    with pytest.raises(rk.RatekitError, match="tz"):
        rk.cycles.prorate(LATE_APRIL, APRIL, tz=tz)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "rk.cycles.prorate(part, cycle, tz='America/Sao_Paulo') without basis='days' "
        "silently prorates by the second and ignores the timezone: a customer who signed up "
        "at midnight on 10 November 2018 in Sao Paulo (the cycle of the 4th, 30 local days "
        "but 719 hours after a skipped midnight) gets 576/719 = 0.80111... where the 24 of "
        "30 local days the caller asked for by naming the zone are 0.8 (a fee of 30: 24.03 "
        "for 24.00). Expected: a tz given with basis 'seconds' is refused, saying it counts "
        "only with basis='days', as cycles.hourly(tz=...) refuses a tz it would ignore"
    ),
)
def test_prorate_refuses_a_timezone_it_would_ignore() -> None:
    november = rk.cycles.monthly(tz="America/Sao_Paulo", day=4).containing("2018-11-10T12:00:00Z")
    signed_up = rk.Span("2018-11-10T02:00:00Z", november.end)
    by_days = rk.cycles.prorate(signed_up, november, basis="days", tz="America/Sao_Paulo")
    assert by_days == Decimal("0.8")  # 24 of 30 local days: holds today
    with pytest.raises(rk.RatekitError, match="basis"):
        rk.cycles.prorate(signed_up, november, tz="America/Sao_Paulo")
