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


WEEKLY = _plan("weekly", rk.cycles.weekly(tz="UTC", weekday="Mon"))
CUT = "2026-03-16T00:00:00Z"  # a Monday
# 10 h on 2 March and 10 h on 17 March, at 0.05: 1.00 in all under every candidate below.
ROWS = [
    rk.UsageRow("acme", "vm.hours", "vm-1", rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"),
                MARCH, 10, "hour", {}, ()),
    rk.UsageRow("acme", "vm.hours", "vm-1", rk.Span("2026-03-17T00:00:00Z", "2026-03-18T00:00:00Z"),
                rk.Span("2026-03-16T00:00:00Z", "2026-03-23T00:00:00Z"), 10, "hour", {}, ()),
]  # fmt: skip


def test_a_candidate_that_changes_from_monthly_to_weekly_cycles_is_refused() -> None:
    # "switch" bills March (its monthly part, 10 h = 0.50) and the week of 16 March (0.50);
    # "monthly" bills March (1.00). Both cost 1.00, yet rows per cycle would read March
    # "pays less" and the week "pays more": the week overlaps "monthly"'s March.
    switch = [rk.Assignment("acme", UTC, end=CUT), rk.Assignment("acme", WEEKLY, start=CUT)]
    with pytest.raises(rk.BadCalendarError) as caught:
        rk.compare_plans(ROWS, {"monthly": UTC, "switch": switch}, span=MARCH)
    assert str(caught.value) == (
        "candidates 'monthly' and 'switch' bill account 'acme' over different cycles: "
        "2026-03-01T00:00:00Z..2026-04-01T00:00:00Z under 'monthly' overlaps "
        "2026-03-16T00:00:00Z..2026-03-23T00:00:00Z under 'switch'; a comparison lines "
        "invoices up per cycle, so give the candidates the same billing cycle (period and "
        "timezone), or rate each with rate() and compare their totals_by_currency()."
    )
    # in the other order too, the candidate named first first
    with pytest.raises(rk.BadCalendarError, match=r"^candidates 'switch' and 'monthly' bill"):
        rk.compare_plans(ROWS, {"switch": switch, "monthly": UTC}, span=MARCH)
    # what the error points to: 1.00 each, per currency
    for plans in (UTC, switch):
        assert rk.rate(ROWS, plans, span=MARCH).totals_by_currency() == {"EUR": Decimal("1.00")}


def test_two_candidates_that_change_cycle_alike_are_compared_cycle_by_cycle() -> None:
    # Both switch at 16 March: March (its part to the 16th) and the week line up, each
    # candidate billing both; the dearer one (0.06) pays 10 x 0.01 = 0.10 more in each.
    dearer_weekly = rk.Plan(
        "d", "EUR", rk.cycles.weekly(tz="UTC", weekday="Mon"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.06"))],
    )  # fmt: skip
    dearer_monthly = rk.Plan(
        "dm",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.06"))],
    )
    switch = [rk.Assignment("acme", UTC, end=CUT), rk.Assignment("acme", WEEKLY, start=CUT)]
    dearer = [
        rk.Assignment("acme", dearer_monthly, end=CUT),
        rk.Assignment("acme", dearer_weekly, start=CUT),
    ]
    comparison = rk.compare_plans(ROWS, {"switch": switch, "dearer": dearer}, span=MARCH)
    assert [(r.candidate, r.total, r.change) for r in comparison.rows] == [
        ("switch", Decimal("0.50"), "same"),
        ("dearer", Decimal("0.60"), "pays more"),
        ("switch", Decimal("0.50"), "same"),
        ("dearer", Decimal("0.60"), "pays more"),
    ]
