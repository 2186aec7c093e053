"""Faults a metered API's analyst met, each on its smallest input, fixed since.

`rk.cycles.prorate` took a ``tz`` under basis 'seconds' without judging it, and ignored
it: an unknown name is now refused as every door refuses it, and a known one (which
elapsed time cannot use) is refused saying that only basis='days' counts in it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
LATE_APRIL = rk.Span("2026-04-16T12:00:00Z", "2026-05-01T00:00:00Z")


@pytest.mark.parametrize("tz", ["Nowhere/X", "utc", ""])
def test_prorate_refuses_an_unknown_timezone_whatever_the_basis(tz: str) -> None:
    # The name is judged first, as every door that takes a timezone judges it.
    with pytest.raises(
        rk.BadCalendarError,
        match=rf"^prorate tz '{tz}' is not a known IANA timezone name; give an IANA name",
    ):
        rk.cycles.prorate(LATE_APRIL, APRIL, tz=tz)


def test_prorate_refuses_a_timezone_it_would_ignore() -> None:
    november = rk.cycles.monthly(tz="America/Sao_Paulo", day=4).containing("2018-11-10T12:00:00Z")
    signed_up = rk.Span("2018-11-10T02:00:00Z", november.end)
    by_days = rk.cycles.prorate(signed_up, november, basis="days", tz="America/Sao_Paulo")
    assert by_days == Decimal("0.8")  # 24 of 30 local days: holds today
    with pytest.raises(
        rk.BadCalendarError,
        match=r"^prorate basis 'seconds' counts elapsed time, so the timezone "
        r"'America/Sao_Paulo' would change nothing; leave tz out, or pass basis='days' to "
        r"count whole local days in it\.$",
    ):
        rk.cycles.prorate(signed_up, november, tz="America/Sao_Paulo")
