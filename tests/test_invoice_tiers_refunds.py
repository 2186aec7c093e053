"""A tiered line's breakdown after refunds: one line per tier (and price), in tier order.

Tiers climbed by the account (no ``group_by``) are one progression, whichever resources
used or returned the units and in whatever order: the line prints each tier's net, as
the account's running quantity stands at the end of the cycle, never a line per charge
or per resource. The HTML invoice, the detailed invoice (each resource's part of the
climb, merged per tier) and the streaming rater's closing invoice print alike.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
INGEST = rk.Meter("ingest", "GB", rk.Discrete())
#: 10 GB at 1, then 0.5
LOW = rk.Graduated([rk.Tier(10, "1"), rk.Tier(None, "0.5")])
#: 10 GB at 2, then 1
HIGH = rk.Graduated([rk.Tier(10, "2"), rk.Tier(None, "1")])
ACCOUNT = rk.Plan("t", "EUR", MONTHS, [rk.PriceEntry("i", "ingest", LOW)])


def _gb(resource: str, day: int, gb: int, record: str) -> rk.Sample:
    return rk.Sample("acme", resource, "ingest", f"2026-03-{day:02d}T00:00:00Z", gb, id=record)


def _tier_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if "tiers[" in line]


#: 12 GB on logs, 4 GB refunded on metrics (across the bound: 2 GB of tiers[1], 2 of
#: tiers[0]), 2 GB on logs back into tiers[0], 5 GB on metrics into tiers[1]
ACROSS = [
    _gb("logs", 2, 12, "a"),
    _gb("metrics", 3, -4, "b"),
    _gb("logs", 4, 2, "c"),
    _gb("metrics", 5, 5, "d"),
]


def test_a_refund_across_a_tier_bound_on_another_resource_prints_each_tier_once() -> None:
    # the account climbs 0 -> 12 -> 8 -> 10 -> 15: net 15 GB, 10 x 1 + 5 x 0.5 = 12.50
    # (the charges: 10 + 1, -2 - 1, 2, 2.5 = 12.50)
    rating = rk.rate(ACROSS, ACCOUNT, span=MARCH, meters=[INGEST])
    [invoice] = rk.bill(rating)
    assert invoice.total == Decimal("12.50")
    assert _tier_lines(str(invoice)) == [
        "tiers[0] (0, 10]: 10 * 1 = 10.00",
        "tiers[1] (10, ∞): 5 * 0.5 = 2.50",
    ]
    html = invoice._repr_html_()
    assert html.count("<td>tiers[0] (0, 10]</td>") == 1
    assert html.count("<td>tiers[1] (10, ∞)</td>") == 1
    assert "logs ·" not in html
    assert "metrics ·" not in html


def test_the_detailed_invoice_prints_each_resources_part_per_tier() -> None:
    # logs: 0 -> 12 (10 + 2 x 0.5) and 8 -> 10 (2 more in tiers[0]): 12 x 1 + 2 x 0.5 =
    # 13.00; metrics: 12 -> 8 (-2 x 0.5, -2 x 1) and 10 -> 15 (5 x 0.5): -2 x 1 + 3 x 0.5
    # = -0.50; 13.00 - 0.50 = 12.50, the summary's total. Each resource's part merges per
    # tier, in tier order (logs was billed 12 GB at tiers[0]'s price: 2 of them again
    # after metrics' refund took 2 back).
    [detailed] = rk.bill(rk.rate(ACROSS, ACCOUNT, span=MARCH, meters=[INGEST]), by_resource=True)
    assert [line.amount for line in detailed.lines] == [Decimal("13.00"), Decimal("-0.50")]
    assert _tier_lines(str(detailed)) == [
        "tiers[0] (0, 10]: 12 * 1 = 12.00",
        "tiers[1] (10, ∞): 2 * 0.5 = 1.00",
        "tiers[0] (0, 10]: -2 * 1 = -2.00",
        "tiers[1] (10, ∞): 3 * 0.5 = 1.50",
    ]
    assert detailed.total == Decimal("12.50")


def test_the_streaming_raters_closing_invoice_prints_the_tiers_merged() -> None:
    # the same records fed in two statements: the closing invoice is the batch's
    rater = rk.Rater(ACCOUNT, [INGEST], start=MARCH.start, horizon=dt.timedelta(days=1))
    rater.feed(ACROSS[:2])
    rater.statement("2026-03-04T00:00:00Z")
    rater.feed(ACROSS[2:])
    [invoice] = rater.statement("2026-04-02T00:00:00Z").invoices
    assert invoice.total == Decimal("12.50")
    assert _tier_lines(str(invoice)) == [
        "tiers[0] (0, 10]: 10 * 1 = 10.00",
        "tiers[1] (10, ∞): 5 * 0.5 = 2.50",
    ]


def test_tiers_climbed_per_resource_keep_their_labels_after_a_refund() -> None:
    # group_by="resource": logs 0 -> 12 -> 8 -> 10 on its own tiers (10 x 1 = 10.00, 0
    # in tiers[1]), metrics 0 -> 3 on its own (3 x 1 = 3.00); 13.00
    plan = rk.Plan("g", "EUR", MONTHS, [rk.PriceEntry("i", "ingest", LOW, group_by="resource")])
    records = [
        _gb("logs", 2, 12, "a"),
        _gb("logs", 3, -4, "b"),
        _gb("metrics", 4, 3, "c"),
        _gb("logs", 5, 2, "d"),
    ]
    [invoice] = rk.bill(rk.rate(records, plan, span=MARCH, meters=[INGEST]))
    assert invoice.total == Decimal("13.00")
    assert _tier_lines(str(invoice)) == [
        "logs · tiers[0] (0, 10]: 10 * 1 = 10.00",
        "logs · tiers[1] (10, ∞): 0 * 0.5 = 0.00",
        "metrics · tiers[0] (0, 10]: 3 * 1 = 3.00",
    ]


def test_a_price_change_mid_cycle_prints_each_prices_tiers_merged_in_tier_order() -> None:
    # One plan, LOW to the 15th, HIGH from it (graduated tiers run on across the two
    # prices: one running quantity). logs 12 (old: 0 -> 12, 10 + 1), metrics 5 on the
    # 16th (new: 12 -> 17, 5 x 1 = 5), logs -8 on the 17th: last in, first out, the new
    # price's 5 (17 -> 12, -5) then 3 of the old's (12 -> 9: -2 x 0.5 - 1 x 1 = -2),
    # metrics 4 on the 18th (new: 9 -> 13, 1 x 2 + 3 x 1 = 5). Old: 9 x 1 + 0 x 0.5 =
    # 9.00; new: 1 x 2 + (5 - 5 + 3) x 1 = 5.00; 14.00 for the net 13 GB.
    listed = rk.Plan(
        "l",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("old", "ingest", LOW, end="2026-03-15T00:00:00Z"),
            rk.PriceEntry("new", "ingest", HIGH, start="2026-03-15T00:00:00Z"),
        ],
    )
    records = [
        _gb("logs", 2, 12, "a"),
        _gb("metrics", 16, 5, "b"),
        _gb("logs", 17, -8, "c"),
        _gb("metrics", 18, 4, "d"),
    ]
    [invoice] = rk.bill(rk.rate(records, listed, span=MARCH, meters=[INGEST]))
    assert [(line.entry, line.amount) for line in invoice.lines] == [  # by entry id
        ("new", Decimal("5.00")),
        ("old", Decimal("9.00")),
    ]
    assert _tier_lines(str(invoice)) == [
        "tiers[0] (0, 10]: 1 * 2 = 2.00",
        "tiers[1] (10, ∞): 3 * 1 = 3.00",
        "tiers[0] (0, 10]: 9 * 1 = 9.00",
        "tiers[1] (10, ∞): 0 * 0.5 = 0.00",
    ]


def test_a_plan_change_mid_cycle_prints_each_plans_tiers_merged_in_tier_order() -> None:
    # a (LOW) to the 15th, b (HIGH) from it, under one entry id; b climbs from its own
    # first unit. a: logs 12 (0 -> 12), metrics -4 (12 -> 8), logs 2 (8 -> 10): 10 x 1 =
    # 10.00, 0 in tiers[1]; b: metrics 12 on the 16th (0 -> 12: 10 x 2 + 2 x 1 = 22),
    # logs -3 on the 17th (12 -> 9: -2 x 1 - 1 x 2 = -4), logs 1 on the 18th (9 -> 10:
    # 2): 10 x 2 + 0 x 1 = 20.00; 30.00.
    def plan(plan_id: str, price: rk.Graduated) -> rk.Plan:
        return rk.Plan(plan_id, "EUR", MONTHS, [rk.PriceEntry("i", "ingest", price)])

    change = "2026-03-15T00:00:00Z"
    plans = [
        rk.Assignment("acme", plan("a", LOW), end=change),
        rk.Assignment("acme", plan("b", HIGH), start=change),
    ]
    records = [
        *ACROSS[:3],
        _gb("metrics", 16, 12, "e"),
        _gb("logs", 17, -3, "f"),
        _gb("logs", 18, 1, "g"),
    ]
    [invoice] = rk.bill(rk.rate(records, plans, span=MARCH, meters=[INGEST]))
    assert invoice.total == Decimal("30.00")
    assert _tier_lines(str(invoice)) == [
        "a · tiers[0] (0, 10]: 10 * 1 = 10.00",
        "a · tiers[1] (10, ∞): 0 * 0.5 = 0.00",
        "b · tiers[0] (0, 10]: 10 * 2 = 20.00",
        "b · tiers[1] (10, ∞): 0 * 1 = 0.00",
    ]


#: three tiers, so that a refund can cross two bounds
THREE = rk.Graduated([rk.Tier(5, "1"), rk.Tier(12, "0.5"), rk.Tier(None, "0.25")])
BOUNDS = [(Fraction(0), Fraction(5)), (Fraction(5), Fraction(12)), (Fraction(12), None)]


def _net_in_tier(total: Fraction, lower: Fraction, upper: Fraction | None) -> Fraction:
    """The oracle: the account's net quantity in ``(lower, upper]`` (nothing below zero)."""
    top = total if upper is None else min(total, upper)
    return max(top - lower, Fraction(0))


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["logs", "metrics", "traces"]), st.integers(-15, 15)),
        min_size=1,
        max_size=6,
    )
)
def test_law_a_graduated_lines_tiers_are_the_accounts_net_per_tier(
    usage: list[tuple[str, int]],
) -> None:
    plan = rk.Plan("t", "EUR", MONTHS, [rk.PriceEntry("i", "ingest", THREE)])
    records = [_gb(resource, 2 + day, gb, f"r{day}") for day, (resource, gb) in enumerate(usage)]
    [invoice] = rk.bill(rk.rate(records, plan, span=MARCH, meters=[INGEST]))
    [line] = invoice.lines
    total = sum((Fraction(gb) for _, gb in usage), Fraction(0))
    tiers = line.tiers
    # one line per tier, in tier order, unlabelled: the account's one progression
    indexes = [int(tier.label.removeprefix("tiers[").removesuffix("]")) for tier in tiers]
    assert indexes == sorted(set(indexes))
    assert [tier.label for tier in tiers] == [f"tiers[{i}]" for i in indexes]
    # each printed tier holds the account's net there; a tier not printed holds nothing
    for index, (lower, upper) in enumerate(BOUNDS):
        printed = [Fraction(tier.quantity) for tier in tiers if tier.label == f"tiers[{index}]"]
        assert sum(printed, Fraction(0)) == _net_in_tier(total, lower, upper)
    # the lines add up to the line's exact amount, and print as they are
    assert sum((Fraction(tier.amount) for tier in tiers), Fraction(0)) == Fraction(line.precise)
    assert len(_tier_lines(str(invoice))) == len(tiers)
