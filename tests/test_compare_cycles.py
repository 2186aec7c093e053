"""compare_plans refuses candidates that bill one account over different cycles.

Rows line invoices up per account and cycle; a UTC month against a Zurich month (or a
month against its weeks) would compare each period with nothing and call the same money
"pays more". Candidates whose cycles are the same, or that simply do not bill an account
or a cycle, are compared as before.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
METERS = [rk.Meter("vm.hours", "hour", rk.OnOff())]
# 2 March 08:00 to 12 March 08:00: 240 h, 240 x 0.05 = 12.00 under every plan below.
EVENTS = [
    rk.Event("acme", "vm-1", "2026-03-02T08:00:00Z", {}, kind="start", id="e1"),
    rk.Event("acme", "vm-1", "2026-03-12T08:00:00Z", kind="stop", id="e2"),
]


def _plan(name: str, cycle: rk.cycles.Cycle) -> rk.Plan:
    return rk.Plan(name, "EUR", cycle, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))])


UTC = _plan("utc", rk.cycles.monthly(tz="UTC"))


def test_candidates_in_two_timezones_are_refused_naming_both() -> None:
    zurich = _plan("zurich", rk.cycles.monthly(tz="Europe/Zurich"))
    with pytest.raises(rk.BadCalendarError) as caught:
        rk.compare_plans(EVENTS, {"utc": UTC, "zurich": zurich}, span=MARCH, meters=METERS)
    assert str(caught.value) == (
        "candidates 'utc' and 'zurich' bill account 'acme' over different cycles: "
        "2026-03-01T00:00:00Z..2026-04-01T00:00:00Z under 'utc' overlaps "
        "2026-02-28T23:00:00Z..2026-03-31T22:00:00Z under 'zurich'; a comparison lines "
        "invoices up per cycle, so give the candidates the same billing cycle (period and "
        "timezone), or rate each with rate() and compare their totals_by_currency()."
    )


def test_a_monthly_and_a_weekly_candidate_are_refused_in_either_order() -> None:
    weekly = _plan("weekly", rk.cycles.weekly(tz="UTC"))
    with pytest.raises(rk.BadCalendarError, match=r"^candidates 'monthly' and 'weekly' bill"):
        rk.compare_plans(EVENTS, {"monthly": UTC, "weekly": weekly}, span=MARCH, meters=METERS)
    with pytest.raises(rk.BadCalendarError, match=r"^candidates 'weekly' and 'monthly' bill"):
        rk.compare_plans(EVENTS, {"weekly": weekly, "monthly": UTC}, span=MARCH, meters=METERS)
    # What the error points to: 12.00 either way, per currency.
    for plan in (UTC, weekly):
        rating = rk.rate(EVENTS, plan, span=MARCH, meters=METERS)
        assert rating.totals_by_currency() == {"EUR": Decimal("12.00")}


def test_the_same_cycle_built_twice_and_cycles_not_billed_are_compared() -> None:
    # Two plans on equal cycles (built separately): 12.00 and 240 x 0.06 = 14.40.
    dearer = rk.Plan(
        "dearer",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.06"))],
    )
    comparison = rk.compare_plans(EVENTS, {"utc": UTC, "dearer": dearer}, span=MARCH, meters=METERS)
    assert [(r.candidate, r.total, r.change) for r in comparison.rows] == [
        ("utc", Decimal("12.00"), "same"),
        ("dearer", Decimal("14.40"), "pays more"),
    ]
    # A candidate that does not bill beta (a fee under the baseline, 5.00, weekly) has
    # no cycle overlapping beta's weeks: beta is "not billed" there, no clash.
    fee = rk.Plan("fee", "EUR", rk.cycles.weekly(tz="UTC"), [], fees=[rk.Fee("base", 5)])
    week = rk.Span("2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z")
    comparison = rk.compare_plans(
        [],
        {"today": [rk.Assignment("beta", fee)], "without": [rk.Assignment("other", fee)]},
        span=week,
    )
    assert [(r.account, r.candidate, r.total, r.change) for r in comparison.rows] == [
        ("beta", "today", Decimal("5.00"), "same"),
        ("beta", "without", None, "not billed"),
        ("other", "today", None, "not billed"),
        ("other", "without", Decimal("5.00"), "pays more"),
    ]
