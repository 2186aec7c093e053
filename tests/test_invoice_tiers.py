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


def _in_turn(hours: list[int]) -> list[rk.UsageRow]:
    """The VMs of ``hours`` one after the other (r1 in March's first half, r2 after).

    VMs that run at once take an allowance together, as they use it: in turn, the
    first takes the free hours first.
    """
    half = rk.Span.from_us(MARCH.start_us, (MARCH.start_us + MARCH.end_us) // 2)
    spans = [half, rk.Span.from_us(half.end_us, MARCH.end_us)]
    return [
        rk.UsageRow("a", "vm.hours", f"r{i + 1}", span, MARCH, h, "hour", {}, ())
        for i, (h, span) in enumerate(zip(hours, spans, strict=True))
    ]


def test_a_line_grouped_by_resource_shows_each_resources_tiers() -> None:
    # r1 15 h, 5 free: 10 in tier 0 = 10; r2 8 h (after r1) on its own tiers: 8 in tier
    # 0 = 8.
    # was: "tiers[0] (0, 10]: 18 * 1 = 18", 18 hours in a 10-hour tier.
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", TIERED, group_by="resource")],
        allowances=[rk.Allowance("vm.hours", 5)],
    )
    (line,) = rk.bill(rk.rate(_in_turn([15, 8]), plan, span=MARCH))[0].lines
    assert [str(tier) for tier in line.tiers] == [
        "r1 · tiers[0] (0, 10]: 10 * 1 = 10",
        "r2 · tiers[0] (0, 10]: 8 * 1 = 8",
    ]
    assert line.amount == Decimal("18.00")
    assert "r1 · tiers[0] (0, 10]: 10 * 1 = 10" in str(
        rk.bill(rk.rate(_in_turn([15, 8]), plan, span=MARCH))[0]
    )


def test_one_progression_is_merged_as_before() -> None:
    # Account-wide: r1's 10 billable hours fill tier 0 (10); r2's 8 (after r1) go to
    # tier 1: 8 * 0.5 = 4.0. One progression: merged, unlabelled.
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", TIERED)],
        allowances=[rk.Allowance("vm.hours", 5)],
    )
    (line,) = rk.bill(rk.rate(_in_turn([15, 8]), plan, span=MARCH))[0].lines
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


# -- a price change mid-cycle under one entry id ---------------------------------------------

MID_MARCH = "2026-03-16T12:00:00Z"  # half of March's 744 hours: 372 h


def _changed(first: rk.PriceModel, second: rk.PriceModel, quantity: int = 100) -> rk.Invoice:
    p1 = rk.Plan("p1", "EUR", MONTHS, [rk.PriceEntry("e", "m", first)])
    p2 = rk.Plan("p2", "EUR", MONTHS, [rk.PriceEntry("e", "m", second)])
    assigned = [rk.Assignment("b", p1, end=MID_MARCH), rk.Assignment("b", p2, start=MID_MARCH)]
    rows = [rk.UsageRow("b", "m", "r", MARCH, MARCH, quantity, "u", {}, ())]
    (invoice,) = rk.bill(rk.rate(rows, assigned, span=MARCH))
    return invoice


def test_a_price_change_prints_each_prices_part_not_a_formula_that_does_not_compute() -> None:
    # 100 u over March, half before the change: 50 x 0.01 = 0.50 + 50 x 0.02 = 1.00 = 1.50;
    # the line used to print "tiered" and "per unit: 100 * 0.01 = 1.50"
    invoice = _changed(rk.PerUnit("0.01"), rk.PerUnit("0.02"))
    assert str(invoice).splitlines()[3:6] == [
        "  m · e     100 u      varies    1.50",
        "      p1 · per unit: 50 * 0.01 = 0.50",
        "      p2 · per unit: 50 * 0.02 = 1.00",
    ]
    # the HTML table shows each part as a row: label, quantity, unit price, amount
    html = invoice._repr_html_()
    for plan, price, amount in (("p1", "0.01", "0.50"), ("p2", "0.02", "1.00")):
        assert (
            f'<td>{plan} · per unit</td><td class="num">50 u</td><td class="num">{price}</td>'
            f'<td class="num">{amount}</td>'
        ) in html
    assert '<td class="num">100 u</td><td class="num">varies</td>' in html


def test_one_price_on_both_sides_of_a_change_stays_one_formula() -> None:
    # the same 0.01 in both plans: 50 x 0.01 + 50 x 0.01 = 100 x 0.01 = 1.00, one unit price
    invoice = _changed(rk.PerUnit("0.01"), rk.PerUnit("0.01"))
    (line,) = invoice.lines
    assert line.unit_price == Decimal("0.01")
    assert [str(tier) for tier in line.tiers] == ["per unit: 100 * 0.01 = 1.00"]


def _half_and_half(first: rk.PriceModel, second: rk.PriceModel) -> str:
    # r1: 8 h before the change and 5 h after; r2: 8 h after.
    before, after = rk.Span(MARCH.start, MID_MARCH), rk.Span(MID_MARCH, MARCH.end)
    rows = [
        rk.UsageRow("b", "m", "r1", before, MARCH, 8, "u", {}, ()),
        rk.UsageRow("b", "m", "r2", after, MARCH, 8, "u", {}, ()),
        rk.UsageRow("b", "m", "r1", after, MARCH, 5, "u", {}, ()),
    ]
    p1 = rk.Plan("p1", "EUR", MONTHS, [rk.PriceEntry("e", "m", first)])
    p2 = rk.Plan("p2", "EUR", MONTHS, [rk.PriceEntry("e", "m", second)])
    assigned = [rk.Assignment("b", p1, end=MID_MARCH), rk.Assignment("b", p2, start=MID_MARCH)]
    (invoice,) = rk.bill(rk.rate(rows, assigned, span=MARCH))
    return invoice.to_text()


def test_tier_lines_of_two_plans_under_one_entry_id_are_labelled_with_their_plan() -> None:
    # p1: 8 u on its own tiers = 8 x 0.333 = 2.664; p2: 13 u on its own, 10 x 0.5 + 3 x 0.2
    # = 5.60; 8.264 -> 8.26. It used to print "r1 · tiers[0] (0, 10]" twice, no plan named.
    text = _half_and_half(
        rk.Graduated([rk.Tier(10, "0.333"), rk.Tier(None, "0.111")]),
        rk.Graduated([rk.Tier(10, "0.5"), rk.Tier(None, "0.2")]),
    )
    assert text.splitlines()[3:8] == [
        "  m · e      21 u      varies    8.26",
        "      p1 · tiers[0] (0, 10]: 8 * 0.333 = 2.664",
        "      p2 · tiers[0] (0, 10]: 10 * 0.5 = 5.00",
        "      p2 · tiers[1] (10, ∞): 3 * 0.2 = 0.60",
        "",
    ]


def test_a_per_unit_price_then_a_tiered_one_varies_and_labels_each_part() -> None:
    # p1: 8 x 0.01 = 0.08; p2: 13 u, 10 x 0.5 + 3 x 0.2 = 5.60; 5.68 (it printed "tiered"
    # and no plan on its lines).
    text = _half_and_half(
        rk.PerUnit("0.01"), rk.Graduated([rk.Tier(10, "0.5"), rk.Tier(None, "0.2")])
    )
    assert text.splitlines()[3:8] == [
        "  m · e      21 u      varies    5.68",
        "      p1 · per unit: 8 * 0.01 = 0.08",
        "      p2 · tiers[0] (0, 10]: 10 * 0.5 = 5.00",
        "      p2 · tiers[1] (10, ∞): 3 * 0.2 = 0.60",
        "",
    ]


def test_the_html_view_labels_each_plans_tier_lines() -> None:
    p1 = rk.Graduated([rk.Tier(10, "0.333"), rk.Tier(None, "0.111")])
    p2 = rk.Graduated([rk.Tier(10, "0.5"), rk.Tier(None, "0.2")])
    invoice = _changed(p1, p2, 16)  # 8 u under each: 8 x 0.333 = 2.664, 8 x 0.5 = 4.00
    html = invoice._repr_html_()
    assert "<td>p1 · tiers[0] (0, 10]</td>" in html
    assert "<td>p2 · tiers[0] (0, 10]</td>" in html
    assert '<td class="num">16 u</td><td class="num">varies</td>' in html


@given(
    st.integers(1, 500),
    st.integers(1, 500),
    st.integers(0, 1000),
)
def test_every_printed_part_of_a_changed_price_computes(first: int, second: int, q: int) -> None:
    # the law: each part's quantity x unit price is its amount, and the parts add up to
    # the line's exact amount (Fraction oracle: q/2 at each price)
    invoice = _changed(rk.PerUnit(Decimal(first) / 1000), rk.PerUnit(Decimal(second) / 1000), q)
    (line,) = invoice.lines
    for tier in line.tiers:
        assert Fraction(tier.quantity) * Fraction(tier.unit) == Fraction(tier.amount)
    assert sum((Fraction(t.amount) for t in line.tiers), Fraction(0)) == Fraction(line.precise)
    assert Fraction(line.precise) == Fraction(q, 2) * Fraction(first + second, 1000)
