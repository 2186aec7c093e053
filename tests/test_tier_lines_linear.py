"""A charge's tier lines cost the tiers it crosses, not every tier below it.

Each charge of a group priced by its total explained its price at the group's quantity
before it and after it, from the first tier: the 70 charges of one invoice line climbing
a 3,000-tier table built about 210,000 tier lines (2.8 s for ``str(invoice)``), and the
invoice counted each merged label among all of them (3,000 x 3,000). The tiers that end
below both quantities are whole in both breakdowns and cancel: they are not explained.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk
from ratekit import tiers as tiers_module
from ratekit._charge_tiers import marginal_lines
from ratekit._decimals import CONTEXT

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def test_an_invoice_line_climbing_3000_tiers_explains_each_tier_about_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Tiers (k - 1, k] at 1 for k = 1..2999, then (2999, inf) at 0.5; 70 resources of
    # 43 h each: 3010 h, priced 2999 x 1 + 11 x 0.5 = 2999 + 5.5 = 3004.5.
    price = rk.Graduated([rk.Tier(k, 1) for k in range(1, 3000)] + [rk.Tier(None, "0.5")])
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("e", "vm", price)])
    rows = [
        rk.UsageRow("acme", "vm", f"vm-{i:02d}", MARCH, MARCH, 43, "hour", {}, ())
        for i in range(70)
    ]
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH))
    assert invoice.total == Decimal("3004.50")
    made = 0
    line = tiers_module.Tier._line

    def counted(*args: object, **kwargs: bool) -> tiers_module.TierLine:
        nonlocal made
        made += 1
        return line(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tiers_module.Tier, "_line", counted)
    text = str(invoice)
    # Each charge explains the tiers from the one its group starts in to the one it ends
    # in, twice at most (before and after it): 3000 tiers + 4 per charge is a bound
    # linear in both (it was about 210,000 lines: each of 70 charges from tier 0).
    assert made <= 2 * 3000 + 4 * 70
    (merged,) = invoice.lines
    tiers = merged.tiers
    assert len(tiers) == 3000
    assert str(tiers[0]) == "tiers[0] (0, 1]: 1 * 1 = 1"
    assert str(tiers[2998]) == "tiers[2998] (2998, 2999]: 1 * 1 = 1"
    assert str(tiers[2999]) == "tiers[2999] (2999, ∞): 11 * 0.5 = 5.5"
    assert "tiers[1234] (1234, 1235]: 1 * 1 = 1" in text


BOUNDS = st.lists(
    st.decimals(min_value=Decimal("0.5"), max_value=5, places=1), min_size=0, max_size=8
)
TIERS = st.tuples(
    BOUNDS,
    st.lists(st.sampled_from(["0", "1", "0.5", "2"]), min_size=9, max_size=9),
    st.lists(st.sampled_from([0, 0, 3]), min_size=9, max_size=9),
    st.lists(st.sampled_from([None, None, 2]), min_size=9, max_size=9),
    st.booleans(),
    st.booleans(),
)
QUANTITIES = st.decimals(min_value=-5, max_value=40, places=1)


def _oracle(
    price: rk.Graduated | rk.GraduatedPercentage, position: Decimal, after: Decimal
) -> list[tiers_module.TierLine]:
    """The marginal lines by brute force: both whole breakdowns, differenced per tier."""
    sub = CONTEXT.subtract
    before = {line.label: line for line in price.explain(max(position, Decimal(0)))}
    out = []
    for line in price.explain(max(after, Decimal(0))):
        old = before.pop(line.label, None)
        if old is None:
            out.append(line)
        elif sub(line.quantity, old.quantity) or sub(line.amount, old.amount):
            out.append(
                attrs.evolve(
                    line,
                    quantity=sub(line.quantity, old.quantity),
                    amount=sub(line.amount, old.amount),
                    flat=sub(line.flat, old.flat),
                    blocks=None if line.blocks is None else line.blocks - (old.blocks or 0),
                )
            )
    out += [
        attrs.evolve(
            old,
            quantity=old.quantity.copy_negate(),
            amount=old.amount.copy_negate(),
            flat=old.flat.copy_negate(),
            blocks=None if old.blocks is None else -old.blocks,
        )
        for old in before.values()
        if old.quantity or old.amount
    ]
    return out


@given(TIERS, QUANTITIES, QUANTITIES)
def test_marginal_lines_are_the_difference_of_the_whole_breakdowns(
    table: tuple[list[Decimal], list[str], list[int], list[int | None], bool, bool],
    position: Decimal,
    after: Decimal,
) -> None:
    # Law: the marginal lines from position to after are, tier by tier, the breakdown at
    # after minus the breakdown at position, both from the first tier (the oracle).
    steps, units, flats, blocks, flat_at_zero, percent = table
    bounds: list[Decimal] = []
    for step in steps:
        bounds.append((bounds[-1] if bounds else Decimal(0)) + step)
    ups: list[Decimal | None] = [*bounds, None]
    if percent:
        price: rk.Graduated | rk.GraduatedPercentage = rk.GraduatedPercentage(
            [(up, unit) for up, unit in zip(ups, units, strict=False)], flat_at_zero=flat_at_zero
        )
    else:
        price = rk.Graduated(
            [
                rk.Tier(up, unit, flat=flat, block=block)
                for up, unit, flat, block in zip(ups, units, flats, blocks, strict=False)
            ],
            flat_at_zero=flat_at_zero,
        )
    got = marginal_lines(price, position, after, opens=False)
    want = _oracle(price, position, after)
    assert got == tuple(want)
    assert [str(line) for line in got] == [str(line) for line in want]  # each digit alike
