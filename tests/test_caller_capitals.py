"""A caller's ``decimal`` context with ``capitals=0`` does not change ratekit's text.

``Comparison.to_rows()`` wrote ``precise_total`` with ``str()``, and a tier line printed
its numbers with ``str()``, both of which follow the caller's context: under
``capitals=0`` a precise total of 3 x 0.00000008 = 2.4E-7 was written '2.4e-7', and the
tier line ``1 * 1E-7 = 1E-7`` as ``1 * 1e-7 = 1e-7``. So did the values' reprs (a
charge of ``1e+3 GB``, ``PerUnit('1e-7')``) and the messages of errors raised outside a
rating call (``quantity Decimal('1e+999999') lies outside ...``, ``plan 'p' cannot round
1e+999999``): they are now written in ratekit's context.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from decimal import Decimal

import pytest

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
    # 3 x 8E-8 = 2.4E-7, written in plain notation whatever the caller's context
    assert (row["total"], row["precise_total"]) == ("0.00", "0.00000024")


def test_tier_lines_do_not_follow_the_callers_capitals() -> None:
    graduated = rk.Graduated([rk.Tier(1, "0.0000001"), rk.Tier(None, "0.00000002")])
    with decimal.localcontext(capitals=0):
        lines = [str(line) for line in graduated.explain(3)]
    # 1 x 1E-7 = 1E-7, then 2 x 2E-8 = 4E-8
    assert lines == ["tiers[0] (0, 1]: 1 * 1E-7 = 1E-7", "tiers[1] (1, ∞): 2 * 2E-8 = 4E-8"]


def _values() -> list[object]:
    row = rk.UsageRow("acme", "m", "r", MARCH, MARCH, Decimal("1E+3"), "GB", {"x": 1}, ())
    return [
        row,
        rk.rate([row], PLAN, span=MARCH).charges,
        rk.PerUnit("1E-7"),
        rk.Graduated([rk.Tier("1E+2", "1E-7"), rk.Tier(None, "2E-7")]),
        rk.Package("1E+2", "1E+1"),
        rk.Sample("a", "r", "m", MARCH.start, "1E+5", id="s"),
        rk.Event("a", "r", MARCH.start, {"x": Decimal("1E+5")}, kind="start", id="e"),
        rk.Between(Decimal("1E+2"), Decimal("1E+5")),
    ]


def test_values_show_themselves_alike_under_the_callers_capitals() -> None:
    # 1000 GB x 8E-8 = 0.00008 EUR; each number with an exponent keeps its capital E
    plain = [repr(value) for value in _values()]
    with decimal.localcontext(capitals=0):
        lower = [repr(value) for value in _values()]
    assert lower == plain
    assert "1E+3 GB" in plain[0]
    assert plain[2] == "PerUnit('1E-7')"


def test_a_refused_number_is_named_alike_under_the_callers_capitals() -> None:
    with decimal.localcontext(capitals=0), pytest.raises(rk.BadQuantityError) as refused:
        rk.convert(Decimal("1E+999999"), "MB", "B")
    assert str(refused.value).startswith("quantity Decimal('1E+999999') lies outside")


@pytest.mark.parametrize(
    ("call", "said"),
    [
        (
            lambda: rk.Sample("a", "r", "m", MARCH.start, Decimal("-1E+3"), kind="counter", id="s"),
            "sample 's' value -1E+3 is a negative counter reading",
        ),
        (
            lambda: PLAN.round(Decimal("1E+999999")),
            "plan 'p' cannot round 1E+999999 to its quantum 0.01",
        ),
        (
            # 9E+29 + 9E+29 = 1.8E+30, past the range
            lambda: rk.Package(10, "3").marginal(Decimal("9E+29"), Decimal("9E+29")),
            (
                "Package.marginal(9E+29, 9E+29): the quantity after the added units, "
                "9E+29 + 9E+29 = 1.8E+30, is refused"
            ),
        ),
        (
            # 1E+29 down to 1E-25 spans 55 digits
            lambda: rk.Share("acme", "r", {"acme": Decimal("1E+29"), "beta": Decimal("1E-25")}),
            "('acme': 1E+29, 'beta': 1E-25)",
        ),
    ],
)
def test_messages_name_numbers_alike_under_the_callers_capitals(
    call: Callable[[], object], said: str
) -> None:
    with decimal.localcontext(capitals=0), pytest.raises(rk.RatekitError) as refused:
        call()
    assert said in str(refused.value)
