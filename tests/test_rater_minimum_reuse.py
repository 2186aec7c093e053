"""Under a minimum, statements whose top-up shrinks as usage grows, and a late record.

A minimum's top-up is a function of its cycle's spend: no row's charge depends on it, so
a rater may keep the charges of the rows that did not change and rate again only the
others and the top-up; these examples pin what it must say either way. Worked by hand: a
commitment of 30 for April (30 days), prorated to the watermark (1.00 a day), calls at
1.00 each.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import ratekit as rk

T0 = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
CALLS = rk.Meter("calls", "call", rk.Discrete())
PLAN = rk.Plan(
    "p",
    "USD",
    rk.cycles.monthly(tz="UTC"),
    [rk.PriceEntry("c", "calls", rk.PerUnit("1.00"))],
    minimums=[rk.Minimum(30)],
)


def _calls(resource: str, at: dt.datetime, quantity: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", resource, "calls", at, quantity, id=record_id)


def _said(statement: rk.Statement) -> list[tuple[object, ...]]:
    return [(x.role, x.kind, x.resource, x.amount) for x in statement.lines]


def _check_batch(fed: list[rk.Sample], lines: list[rk.StatementLine], end: dt.datetime) -> None:
    rating = rk.rate(fed, PLAN, span=rk.Span(T0, end), meters=[CALLS], as_of=end)
    want: dict[tuple[object, ...], Fraction] = {}
    for c in rating.charges:
        want[(c.kind, c.resource)] = want.get((c.kind, c.resource), Fraction(0)) + Fraction(
            c.amount
        )
    got: dict[tuple[object, ...], Fraction] = {}
    for x in lines:
        got[(x.kind, x.resource)] = got.get((x.kind, x.resource), Fraction(0)) + Fraction(x.amount)
    assert {k: v for k, v in got.items() if v} == {k: v for k, v in want.items() if v}


def test_a_top_up_shrinks_as_usage_grows_across_three_statements() -> None:
    rater = rk.Rater(PLAN, [CALLS], start=T0, horizon=dt.timedelta(days=2))
    fed: list[rk.Sample] = []
    lines: list[rk.StatementLine] = []
    # 11 April (10 days): commitment 30 x 10/30 = 10; r1's 2 calls spend 2.00: top-up 8
    fed += [_calls("r1", T0 + DAY, 2, "a")]
    rater.feed(fed[-1:])
    first = rater.statement(T0 + 10 * DAY)
    assert _said(first) == [
        ("charge", "minimum", None, Decimal(8)),
        ("charge", "usage", "r1", Decimal("2.00")),
    ]
    lines += first.lines
    _check_batch(fed, lines, T0 + 10 * DAY)
    # 21 April (20 days): commitment 20; r2's 15 calls: spend 17.00, top-up 3 (8 - 5).
    # r1's charge stands: no line of it.
    fed += [_calls("r2", T0 + 14 * DAY, 15, "b")]
    rater.feed(fed[-1:])
    second = rater.statement(T0 + 20 * DAY)
    assert _said(second) == [
        ("increment", "minimum", None, Decimal(-5)),
        ("charge", "usage", "r2", Decimal("15.00")),
    ]
    lines += second.lines
    _check_batch(fed, lines, T0 + 20 * DAY)
    # 1 May (30 days): commitment 30; r3's 12 calls: spend 29.00, top-up 1 (3 - 2)
    fed += [_calls("r3", T0 + 25 * DAY, 12, "c")]
    rater.feed(fed[-1:])
    third = rater.statement(T0 + 30 * DAY)
    assert _said(third) == [
        ("increment", "minimum", None, Decimal(-2)),
        ("charge", "usage", "r3", Decimal("12.00")),
    ]
    lines += third.lines
    _check_batch(fed, lines, T0 + 30 * DAY)
    closing = rater.statement(T0 + 32 * DAY)
    assert [invoice.total for invoice in closing.invoices] == [Decimal("30.00")]


def test_a_late_record_under_a_minimum_corrects_the_top_up_away() -> None:
    rater = rk.Rater(PLAN, [CALLS], start=T0, horizon=dt.timedelta(days=2))
    fed = [_calls("r1", T0 + DAY, 2, "a"), _calls("r2", T0 + 14 * DAY, 15, "b")]
    rater.feed(fed)
    lines = list(rater.statement(T0 + 20 * DAY).lines)  # top-up 20 - 17 = 3
    # A late record of 3 April: 4 calls. Spend 21.00 passes the commitment of 20: the
    # top-up line is taken back whole (a reversal alone); r1 and r2 keep their charges
    # (no line), r0 is charged.
    late = _calls("r0", T0 + 2 * DAY, 4, "c")
    rater.feed([late])
    fed.append(late)
    statement = rater.statement(T0 + 20 * DAY + dt.timedelta(hours=1))
    assert _said(statement) == [
        ("reversal", "minimum", None, Decimal(-3)),
        ("charge", "usage", "r0", Decimal("4.00")),
    ]
    lines += statement.lines
    _check_batch(fed, lines, T0 + 20 * DAY + dt.timedelta(hours=1))


def test_a_top_up_goes_as_spend_passes_the_commitment_and_comes_back_with_a_refund() -> None:
    rater = rk.Rater(PLAN, [CALLS], start=T0, horizon=dt.timedelta(days=2))
    fed: list[rk.Sample] = []
    lines: list[rk.StatementLine] = []
    steps = [
        # 11 April (10 days): commitment 30 x 10/30 = 10; r1's 2 calls: top-up 10 - 2 = 8
        (
            [_calls("r1", T0 + DAY, 2, "a")],
            10,
            [("charge", "minimum", None, Decimal(8)), ("charge", "usage", "r1", Decimal("2.00"))],
        ),
        # 13 April (12 days): commitment 12; r2's 13 calls: spend 15.00 passes it. The
        # zero top-up goes (the lines as billed, 2.00 + 13.00, reach 12.00): its line is
        # taken back whole. r1's charge stands (counted in the spend, no line).
        (
            [_calls("r2", T0 + 11 * DAY, 13, "b")],
            12,
            [
                ("reversal", "minimum", None, Decimal(-8)),
                ("charge", "usage", "r2", Decimal("13.00")),
            ],
        ),
        # 21 April (20 days): commitment 20; a refund of 10 of r2's calls on 16 April:
        # spend 2 + 13 - 10 = 5.00, top-up 20 - 5 = 15, a line again
        (
            [_calls("r2", T0 + 15 * DAY, -10, "c")],
            20,
            [
                ("charge", "minimum", None, Decimal(15)),
                ("increment", "usage", "r2", Decimal("-10.00")),
            ],
        ),
        # 26 April (25 days): commitment 25; nothing new: spend 5.00, top-up 20 (15 + 5)
        ([], 25, [("increment", "minimum", None, Decimal(5))]),
    ]
    for batch, day, said in steps:
        rater.feed(batch)
        fed += batch
        statement = rater.statement(T0 + day * DAY)
        assert _said(statement) == said, day
        lines += statement.lines
        _check_batch(fed, lines, T0 + day * DAY)


def test_two_plans_minimums_in_one_cycle_each_top_up_its_own_spend() -> None:
    # acme moves on 16 April from basic (a commitment of 30 a month, calls at 1.00) to pro
    # (60 a month, calls at 2.00): each plan's commitment is prorated to the days it
    # covers, and tops up its own charges only.
    pro = rk.Plan(
        "pro",
        "USD",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("c", "calls", rk.PerUnit("2.00"))],
        minimums=[rk.Minimum(60)],
    )
    switch = T0 + 15 * DAY
    plans = [
        rk.Assignment("acme", PLAN, end=switch.isoformat()),
        rk.Assignment("acme", pro, start=switch.isoformat()),
    ]
    rater = rk.Rater(plans, [CALLS], start=T0, horizon=dt.timedelta(days=2))

    def said(statement: rk.Statement) -> list[tuple[object, ...]]:
        return [(x.role, x.kind, x.plan, x.resource, x.amount) for x in statement.lines]

    fed: list[rk.Sample] = []
    lines: list[rk.StatementLine] = []
    steps = [
        # 11 April: basic covers 10 days, 30 x 10/30 = 10; 2 calls at 1.00: top-up 8
        (
            [_calls("r1", T0 + DAY, 2, "a")],
            10,
            [
                ("charge", "minimum", "p", None, Decimal(8)),
                ("charge", "usage", "p", "r1", Decimal("2.00")),
            ],
        ),
        # 21 April: basic covers 15 days (15), its spend 2.00: top-up 13 (8 + 5); pro
        # covers 5 days, 60 x 5/30 = 10, and 5 calls at 2.00 reach it: no top-up
        (
            [_calls("r2", T0 + 17 * DAY, 5, "b")],
            20,
            [
                ("increment", "minimum", "p", None, Decimal(5)),
                ("charge", "usage", "pro", "r2", Decimal("10.00")),
            ],
        ),
        # 26 April: pro covers 10 days (20); a refund of 3 of r2's calls at 2.00 (-6.00)
        # leaves it 4.00: top-up 16. basic's stands at 13.
        (
            [_calls("r2", T0 + 22 * DAY, -3, "c")],
            25,
            [
                ("charge", "minimum", "pro", None, Decimal(16)),
                ("increment", "usage", "pro", "r2", Decimal("-6.00")),
            ],
        ),
    ]
    for batch, day, expected in steps:
        rater.feed(batch)
        fed += batch
        statement = rater.statement(T0 + day * DAY)
        assert said(statement) == expected, day
        lines += statement.lines
        rating = rk.rate(fed, plans, span=rk.Span(T0, T0 + day * DAY), meters=[CALLS])
        want: dict[tuple[object, ...], Fraction] = {}
        for c in rating.charges:
            key = (c.kind, c.plan, c.resource)
            want[key] = want.get(key, Fraction(0)) + Fraction(c.amount)
        got: dict[tuple[object, ...], Fraction] = {}
        for x in lines:
            key = (x.kind, x.plan, x.resource)
            got[key] = got.get(key, Fraction(0)) + Fraction(x.amount)
        assert {k: v for k, v in got.items() if v} == {k: v for k, v in want.items() if v}, day
