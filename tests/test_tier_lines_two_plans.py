"""An invoice line two plans of one tiered price share prints each plan's climb apart.

After a plan change within a cycle, each plan's part of an entry climbs its tiers from
its own first unit (docs/pricing.md). When both plans price the entry alike, the line's
tier lines must still come per plan (``"a · tiers[0]"``): merged, or split by resource,
they would put units of both climbs in one tier's bounds.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
CHANGE = "2026-03-16T00:00:00Z"


def _invoice(price: rk.Graduated, before: list[int], after: list[int]) -> rk.Invoice:
    """Plan a until 16 March, plan b after, one price: r0, r1, ... send ``before`` then ``after``."""
    a = rk.Plan("a", "EUR", MONTHS, [rk.PriceEntry("egress", "egress", price)])
    b = rk.Plan("b", "EUR", MONTHS, [rk.PriceEntry("egress", "egress", price)])
    start, end = MARCH.start.isoformat(), MARCH.end.isoformat()
    rows = [
        rk.UsageRow("acme", "egress", f"r{n}", rk.Span(*span), MARCH, gb, "GB", {}, ())
        for sent, span in ((before, (start, CHANGE)), (after, (CHANGE, end)))
        for n, gb in enumerate(sent)
        if gb
    ]
    assignments = [rk.Assignment("acme", a, end=CHANGE), rk.Assignment("acme", b, start=CHANGE)]
    (invoice,) = rk.bill(rk.rate(rows, assignments, span=MARCH))
    return invoice


def test_one_price_under_two_plans_prints_each_plans_climb_by_hand() -> None:
    # Tiers: 10 free, then 0.05 to 20, then 0.02. a: r0 6 + r1 9 = 15 GB: 10 free and
    # 5 x 0.05 = 0.25. b, from its own first unit: r0 25 GB: 10 free, 10 x 0.05 = 0.50,
    # 5 x 0.02 = 0.10. The line 0.85.
    price = rk.Graduated([rk.Tier(10, 0), rk.Tier(20, "0.05"), rk.Tier(None, "0.02")])
    (line,) = _invoice(price, [6, 9], [25]).lines
    assert line.amount == Decimal("0.85")
    assert [(t.label, t.quantity, t.amount) for t in line.tiers] == [
        ("a · tiers[0]", 10, 0),
        ("a · tiers[1]", 5, Decimal("0.25")),
        ("b · tiers[0]", 10, 0),
        ("b · tiers[1]", 10, Decimal("0.50")),
        ("b · tiers[2]", 5, Decimal("0.10")),
    ]


def test_one_per_unit_price_under_two_plans_stays_one_formula() -> None:
    # Per unit at 0.05 on both sides: no tiers to climb, one formula (15 + 25) x 0.05.
    a = rk.Plan("a", "EUR", MONTHS, [rk.PriceEntry("egress", "egress", rk.PerUnit("0.05"))])
    b = rk.Plan("b", "EUR", MONTHS, [rk.PriceEntry("egress", "egress", rk.PerUnit("0.05"))])
    rows = [
        rk.UsageRow("acme", "egress", "r0", rk.Span(MARCH.start, CHANGE), MARCH, 15, "GB", {}, ()),
        rk.UsageRow("acme", "egress", "r0", rk.Span(CHANGE, MARCH.end), MARCH, 25, "GB", {}, ()),
    ]
    assignments = [rk.Assignment("acme", a, end=CHANGE), rk.Assignment("acme", b, start=CHANGE)]
    ((line,),) = [i.lines for i in rk.bill(rk.rate(rows, assignments, span=MARCH))]
    assert [(t.label, t.quantity, t.amount) for t in line.tiers] == [
        ("per unit", 40, Decimal("2.00"))
    ]


_UPS = st.lists(st.integers(1, 30), min_size=1, max_size=3, unique=True).map(sorted)
_SENT = st.lists(st.integers(0, 40), min_size=1, max_size=3)


def _climb(ups: list[int], units: list[Fraction], total: int) -> list[tuple[int, int]]:
    """The oracle: (tier, quantity) of each tier ``total`` units reach, from the first unit."""
    out = []
    low = 0
    for index, up in enumerate([*ups, None]):
        high = total if up is None else min(up, total)
        if high > low:
            out.append((index, high - low))
        if up is None or total <= up:
            break
        low = up
    return out


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(_UPS, st.lists(st.integers(0, 9), min_size=4, max_size=4), _SENT, _SENT)
def test_each_plans_tier_lines_are_its_own_climb(
    ups: list[int], cents: list[int], before: list[int], after: list[int]
) -> None:
    # The oracle: each plan's units (the sum of its rows) climb the tiers from zero;
    # its tier lines are those quantities, each at its tier's price, labelled with the
    # plan, and the line's amount their sum.
    units = [Fraction(c, 100) for c in cents[: len(ups) + 1]]
    price = rk.Graduated(
        [
            rk.Tier(up, Decimal(unit.numerator) / unit.denominator)
            for up, unit in zip([*ups, None], units, strict=False)
        ]
    )
    if not sum(before) and not sum(after):
        return
    invoice = _invoice(price, before, after)
    (line,) = invoice.lines
    expected = [
        (f"{plan} · tiers[{tier}]", quantity, units[tier] * quantity)
        for plan, sent in (("a", before), ("b", after))
        if sum(sent)
        for tier, quantity in _climb(ups, units, sum(sent))
    ]
    if len({plan for plan, sent in (("a", before), ("b", after)) if sum(sent)}) == 1:
        expected = [(label.split(" · ", 1)[1], q, a) for label, q, a in expected]
    got = [(t.label, t.quantity, Fraction(t.amount)) for t in line.tiers]
    assert sorted(got, key=str) == sorted(expected, key=str)
    assert Fraction(line.precise) == sum(amount for _, _, amount in expected)
