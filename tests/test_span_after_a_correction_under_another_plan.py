"""A span that starts inside a cycle, after a correction under a plan no longer in force.

docs/pricing.md (A cycle rated in pieces; corrections across a change of plan): the time
before a span that starts inside a cycle is rated so that the span's charges are what
the whole cycle's rating gives them. A correction that went below zero under plan a
before the span is filled back, last in first out, by usage in the span at a's price,
whichever plan is in force there: a's charge lies in the span, its minimum counts it
(a give-back of what the time before topped up), and a base of a's price by total is
not due there (a has no share of the span). So a month's pieces add up to the month.

Every amount is worked by hand; where the money oracle (`tests/_money_oracle.py`) knows
the plans, `check` compares the invoices with it too.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from tests import _money_oracle as oracle
from tests.test_money_oracle import MONTHS, Case, _at, _us, check

import ratekit as rk

#: hours from 1 March: March is 0..744, April 744..1464
END = 1464

#: a plan, and as the oracle reads it
Pair = tuple[rk.Plan, oracle.OraclePlan]
#: assignments, and the oracle's parts (plan, start hour, end hour)
Plans = tuple[list[rk.Assignment], list[tuple[oracle.OraclePlan, int, int]]]


def _rows(rows: list[tuple[str, int, int, Decimal]]) -> list[rk.UsageRow]:
    out = []
    for i, (meter, lo, hi, quantity) in enumerate(rows):
        span = rk.Span.from_us(_us(lo), _us(hi))
        out.append(
            rk.UsageRow(
                "acme", meter, f"r{i}", span, MONTHS.containing(span.start), quantity, "u", {}, ()
            )
        )
    return out


def _per_unit(name: str, unit: str, minimum: str | None = None) -> Pair:
    plan = rk.Plan(
        name,
        "EUR",
        MONTHS,
        [rk.PriceEntry(f"{name}-m2", "m2", rk.PerUnit(unit))],
        tz="UTC",
        minimums=[] if minimum is None else [rk.Minimum(minimum)],
    )
    seen = oracle.OraclePlan(
        name,
        Fraction(1, 100),
        "ROUND_HALF_EVEN",
        {"m2": (f"{name}-m2", Fraction(Decimal(unit)), (), False)},
        plan_minimum=None if minimum is None else Fraction(Decimal(minimum)),
    )
    return plan, seen


def _changed(first: Pair, second: Pair, hour: int) -> Plans:
    at = rk.Span.from_us(_us(hour), _us(hour) + 1).start
    assignments = [
        rk.Assignment("acme", first[0], end=at),
        rk.Assignment("acme", second[0], start=at),
    ]
    return assignments, [(first[1], 0, hour), (second[1], hour, END)]


def _totals(
    rows: list[tuple[str, int, int, Decimal]],
    plans: list[rk.Assignment],
    cuts: list[tuple[int, int]],
) -> list[Decimal]:
    """Each piece's invoice subtotals, rated as of the end of April."""
    as_of = _at(END).start
    out = []
    for lo, hi in cuts:
        rating = rk.rate(_rows(rows), plans, span=rk.Span.from_us(_us(lo), _us(hi)), as_of=as_of)
        out.append(sum((i.subtotal for i in rk.bill(rating)), Decimal(0)))
    return out


def test_usage_fills_back_part_of_a_deficit_and_is_billed_the_rest() -> None:
    # a at 1 to hour 20, b at 2 after. -5 at hour 10 under a, nothing billed: -5.00.
    # +8 at hour 30 under b: fills a's 5 at 1 (+5.00), then 3 of b's at 2 (+6.00).
    # Rated from hour 20: 11.00; the hours before it: -5.00; the month whole: 6.00.
    plans, parts = _changed(_per_unit("a", "1"), _per_unit("b", "2"), 20)
    rows = [("m2", 10, 11, Decimal(-5)), ("m2", 30, 31, Decimal(8))]
    rating = rk.rate(_rows(rows), plans, span=rk.Span.from_us(_us(20), _us(744)))
    assert [(c.plan, c.quantity, c.amount) for c in rating.charges] == [
        ("a", Decimal(5), Decimal(5)),
        ("b", Decimal(3), Decimal(6)),
    ]
    assert _totals(rows, plans, [(20, 744), (0, 20), (0, 744)]) == [
        Decimal("11.00"),
        Decimal("-5.00"),
        Decimal("6.00"),
    ]
    for window in ((20, 744), (0, 20), (0, 744), (20, END)):
        check(Case(window, plans, parts, rows, []))


def test_the_plan_out_of_force_gives_back_its_minimum_s_top_up() -> None:
    # a (1 a unit, 10.00 a month at least) to noon on the 16th (hour 372: half of March),
    # b (2 a unit, no minimum) after. -4 at hour 100 under a: -4.00; +4 at hour 400
    # under b fill a's 4 back at 1: +4.00 of a's. The month whole: a spent 0.00 of its
    # 10 x 372/744 = 5.00: a top-up of 5.00, 5.00 in all.
    # The first half, rated as of the month's end: -4.00 and a top-up of 5 + 4 = 9.00,
    # 5.00. The second half: a's +4.00, and a's minimum stands at 9 at its start, at
    # max(0, 9 + 0 - 4) = 5 at its end: -4.00 given back, 0.00 (was 4.00, the halves
    # adding up to 9.00, not the month's 5.00).
    plans, parts = _changed(_per_unit("a", "1", "10"), _per_unit("b", "2"), 372)
    rows = [("m2", 100, 101, Decimal(-4)), ("m2", 400, 401, Decimal(4))]
    second = rk.rate(_rows(rows), plans, span=rk.Span.from_us(_us(372), _us(744)))
    assert [(c.plan, c.kind, c.amount) for c in second.charges] == [
        ("a", "usage", Decimal(4)),
        ("a", "minimum", Decimal(-4)),
    ]
    assert _totals(rows, plans, [(0, 372), (372, 744), (0, 744)]) == [
        Decimal("5.00"),
        Decimal("0.00"),
        Decimal("5.00"),
    ]
    for window in ((372, 744), (0, 372), (0, 744), (400, 744)):
        check(Case(window, plans, parts, rows, []))


def test_a_refund_in_the_span_takes_back_a_unit_of_a_price_by_total_out_of_force() -> None:
    # a: graduated 1 a unit to 5 (with a flat 1 at zero: a base), 0.5 past, to noon on
    # the 16th; b: 2 a unit after. 3 at hour 100 under a: 3.00; -1 at hour 400 under b
    # takes back a's third unit at 1: -1.00. a's base is due for its half of the month:
    # 1 x 372/744 = 0.50. The month whole: 0.50 + 3 - 1 = 2.50; the first half: 3.50; the
    # second: -1.00 and no base of a (none of its time), where it raised an IndexError.
    graduated = rk.Graduated([rk.Tier(5, "1", flat=1), rk.Tier(None, "0.5")])
    a = rk.Plan("a", "EUR", MONTHS, [rk.PriceEntry("a-m2", "m2", graduated)], tz="UTC")
    tiers = ((Fraction(5), Fraction(1), Fraction(1)), (None, Fraction(1, 2), Fraction(0)))
    seen = oracle.OraclePlan(
        "a", Fraction(1, 100), "ROUND_HALF_EVEN", {"m2": ("a-m2", None, tiers, False)}
    )
    plans, parts = _changed((a, seen), _per_unit("b", "2"), 372)
    rows = [("m2", 100, 101, Decimal(3)), ("m2", 400, 401, Decimal(-1))]
    second = rk.rate(_rows(rows), plans, span=rk.Span.from_us(_us(372), _us(744)))
    assert [(c.plan, c.kind, c.quantity, c.amount) for c in second.charges] == [
        ("a", "usage", Decimal(-1), Decimal(-1))
    ]
    assert _totals(rows, plans, [(0, 372), (372, 744), (0, 744)]) == [
        Decimal("3.50"),
        Decimal("-1.00"),
        Decimal("2.50"),
    ]
    for window in ((372, 744), (0, 372), (0, 744)):
        check(Case(window, plans, parts, rows, []))


def test_a_deficit_of_march_is_not_filled_by_april() -> None:
    # a (1 a unit) to 1 April, b (2) after: -5 on the last hour of March under a: -5.00,
    # March's alone (a correction takes back units of its own cycle only, and usage
    # fills deficits of its own cycle only); +5 on 1 April under b: 10.00 at b's price.
    plans, parts = _changed(_per_unit("a", "1"), _per_unit("b", "2"), 744)
    rows = [("m2", 743, 744, Decimal(-5)), ("m2", 745, 746, Decimal(5))]
    april = rk.rate(_rows(rows), plans, span=rk.Span.from_us(_us(744), _us(END)))
    assert [(c.plan, c.amount) for c in april.charges] == [("b", Decimal(10))]
    assert _totals(rows, plans, [(0, 744), (744, END)]) == [Decimal("-5.00"), Decimal("10.00")]
    for window in ((744, END), (0, END), (700, END)):
        check(Case(window, plans, parts, rows, []))


@pytest.mark.parametrize(
    ("low", "before", "rated"),
    [
        # from hour 32: the corrections' parts before it (-2.30) are the first piece's
        (32, Decimal("-2.30"), Decimal("8.30")),
        (100, Decimal("-10.40"), Decimal("16.40")),
        (150, Decimal("-10.40"), Decimal("16.40")),
    ],
)
def test_overlapping_corrections_under_a_price_change_are_filled_last_in_first_out(
    low: int, before: Decimal, rated: Decimal
) -> None:
    # Plan a: 1 a unit to hour 32, 3 from it (one plan, two entries); plan b, 2 a unit,
    # from hour 100. Two corrections under a over overlapping spans: -3 over hours
    # [8, 56) (-1.5 at 1 before hour 32, -1.5 at 3 after) and -2 over [30, 35) (-0.8 at 1,
    # -1.2 at 3); nothing billed, so all below zero: -(1.5 + 0.8) x 1 - (1.2 + 1.5) x 3 =
    # -2.30 - 8.10 = -10.40. +8 at hour 200 under b fill the last in first: a's 2.7 at 3
    # (8.10), then a's 2.3 at 1 (2.30), then 3 of b's at 2 (6.00): 16.40. The month:
    # 6.00, whatever hour the span starts at: from hour 32, 16.40 - 8.10 = 8.30.
    a = rk.Plan(
        "a",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("low", "m2", rk.PerUnit(1), end=_at(32).start),
            rk.PriceEntry("high", "m2", rk.PerUnit(3), start=_at(32).start),
        ],
        tz="UTC",
    )
    b = rk.Plan("b", "EUR", MONTHS, [rk.PriceEntry("b", "m2", rk.PerUnit(2))], tz="UTC")
    plans = [
        rk.Assignment("acme", a, end=_at(100).start),
        rk.Assignment("acme", b, start=_at(100).start),
    ]
    rows = [
        ("m2", 8, 56, Decimal(-3)),
        ("m2", 30, 35, Decimal(-2)),
        ("m2", 200, 201, Decimal(8)),
    ]
    rating = rk.rate(_rows(rows), plans, span=rk.Span.from_us(_us(low), _us(744)))
    filled = sorted((c.plan, c.entry, c.amount) for c in rating.charges if c.quantity > 0)
    assert filled == [
        ("a", "high", Decimal("8.1")),
        ("a", "low", Decimal("2.3")),
        ("b", "b", Decimal(6)),
    ]
    assert _totals(rows, plans, [(0, low), (low, 744), (0, 744)]) == [
        before,
        rated,
        Decimal("6.00"),
    ]
