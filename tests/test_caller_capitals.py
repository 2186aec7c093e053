"""A caller's ``decimal`` context with ``capitals=0`` does not change ratekit's text.

``Comparison.to_rows()`` wrote ``precise_total`` with ``str()``, and a tier line printed
its numbers with ``str()``, both of which follow the caller's context: under
``capitals=0`` a precise total of 3 x 0.00000008 = 2.4E-7 was written '2.4e-7', and the
tier line ``1 * 1E-7 = 1E-7`` as ``1 * 1e-7 = 1e-7``.
"""

from __future__ import annotations

import decimal

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.monthly(tz="UTC"),
    [rk.PriceEntry("e", "m", rk.PerUnit("0.00000008"))],
)
ROWS = [rk.UsageRow("acme", "m", "r", MARCH, MARCH, 3, "u", {}, ())]


def test_comparison_rows_do_not_follow_the_callers_capitals() -> None:
    with decimal.localcontext(capitals=0):
        (row,) = rk.compare_plans(ROWS, {"now": PLAN}, span=MARCH).to_rows()
    assert (row["total"], row["precise_total"]) == ("0.00", "2.4E-7")  # 3 x 8E-8


def test_tier_lines_do_not_follow_the_callers_capitals() -> None:
    graduated = rk.Graduated([rk.Tier(1, "0.0000001"), rk.Tier(None, "0.00000002")])
    with decimal.localcontext(capitals=0):
        lines = [str(line) for line in graduated.explain(3)]
    # 1 x 1E-7 = 1E-7, then 2 x 2E-8 = 4E-8
    assert lines == ["tiers[0] (0, 1]: 1 * 1E-7 = 1E-7", "tiers[1] (1, ∞): 2 * 2E-8 = 4E-8"]
