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
