"""An invoice line's tier breakdown: never more units in a tier than the tier holds."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
TIERED = rk.Graduated([rk.Tier(10, "1"), rk.Tier(None, "0.5")])


def _rows(hours: list[int]) -> list[rk.UsageRow]:
    return [
        rk.UsageRow("a", "vm.hours", f"r{i + 1}", MARCH, MARCH, h, "hour", {}, ())
        for i, h in enumerate(hours)
    ]


def test_a_line_grouped_by_resource_shows_each_resources_tiers() -> None:
    # r1 15 h, 5 free: 10 in tier 0 = 10; r2 8 h on its own tiers: 8 in tier 0 = 8.
    # was: "tiers[0] (0, 10]: 18 * 1 = 18", 18 hours in a 10-hour tier.
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", TIERED, group_by="resource")],
        allowances=[rk.Allowance("vm.hours", 5)],
    )
    (line,) = rk.bill(rk.rate(_rows([15, 8]), plan, span=MARCH))[0].lines
    assert [str(tier) for tier in line.tiers] == [
        "r1 · tiers[0] (0, 10]: 10 * 1 = 10",
        "r2 · tiers[0] (0, 10]: 8 * 1 = 8",
    ]
    assert line.amount == Decimal("18.00")
    assert "r1 · tiers[0] (0, 10]: 10 * 1 = 10" in str(
        rk.bill(rk.rate(_rows([15, 8]), plan, span=MARCH))[0]
    )


def test_one_progression_is_merged_as_before() -> None:
    # Account-wide: r1's 10 billable hours fill tier 0 (10); r2's 8 go to tier 1: 8 * 0.5
    # = 4.0. One progression: merged, unlabelled.
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", TIERED)],
        allowances=[rk.Allowance("vm.hours", 5)],
    )
    (line,) = rk.bill(rk.rate(_rows([15, 8]), plan, span=MARCH))[0].lines
    assert [str(tier) for tier in line.tiers] == [
        "tiers[0] (0, 10]: 10 * 1 = 10",
        "tiers[1] (10, ∞): 8 * 0.5 = 4.0",
    ]


@given(
    st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=4),
    st.sampled_from([None, "resource"]),
)
def test_law_no_tier_line_holds_more_than_its_tier(hours: list[int], group_by: str | None) -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", TIERED, group_by=group_by)])
    for line in rk.bill(rk.rate(_rows(hours), plan, span=MARCH))[0].lines:
        tiers = line.tiers
        for tier in tiers:
            if tier.upper is not None and tier.lower is not None:
                assert tier.quantity <= tier.upper - tier.lower
        # the breakdown adds up to the line, exactly (Fraction as the oracle)
        assert sum(Fraction(tier.amount) for tier in tiers) == Fraction(line.precise)
        assert sum(Fraction(tier.quantity) for tier in tiers) == sum(Fraction(h) for h in hours)
