"""Late records under an allowance: what changes is every row after them in its order.

An allowance is taken in one order (docs/pricing.md: span start, usage before
corrections, span end, resource): a row's free units depend on what the rows before it
took. A late record that sorts before the others takes first, and every row after it
changes; one that sorts after the point where the allowance ran dry changes no other row.
Worked by hand: 10 free calls a month (the allowance's own period: not prorated to the
watermark), 1.00 a call.
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

T0 = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
MONTHLY = rk.cycles.monthly(tz="UTC")
CALLS = rk.Meter("calls", "call", rk.Discrete())
OWN = rk.Plan(
    "p",
    "USD",
    MONTHLY,
    [rk.PriceEntry("c", "calls", rk.PerUnit("1.00"))],
    allowances=[rk.Allowance("calls", 10, cycle=MONTHLY)],
)


def _calls(resource: str, at: dt.datetime, quantity: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", resource, "calls", at, quantity, id=record_id)


def _said(statement: rk.Statement) -> list[tuple[object, ...]]:
    return [(x.role, x.resource, x.quantity, x.amount) for x in statement.lines]


def _sums(lines: list[rk.StatementLine]) -> dict[tuple[object, ...], Fraction]:
    out: dict[tuple[object, ...], Fraction] = {}
    for x in lines:
        key = (x.kind, x.resource)
        out[key] = out.get(key, Fraction(0)) + Fraction(x.amount)
    return {k: v for k, v in out.items() if v}


def _batch(
    plan: rk.Plan, fed: list[rk.Sample], end: dt.datetime
) -> dict[tuple[object, ...], Fraction]:
    rating = rk.rate(fed, plan, span=rk.Span(T0, end), meters=[CALLS], as_of=end)
    out: dict[tuple[object, ...], Fraction] = {}
    for c in rating.charges:
        key = (c.kind, c.resource)
        out[key] = out.get(key, Fraction(0)) + Fraction(c.amount)
    return {k: v for k, v in out.items() if v}


def _three() -> tuple[rk.Rater, list[rk.Sample], list[rk.StatementLine]]:
    # r1, r2, r3: 4 calls each at 01:00, 02:00, 03:00. r1 and r2 free (8 of 10), r3 2
    # free and 2 billed: 2.00.
    rater = rk.Rater(OWN, [CALLS], start=T0, horizon=dt.timedelta(days=2))
    fed = [_calls(f"r{n}", T0 + n * H, 4, f"s{n}") for n in (1, 2, 3)]
    rater.feed(fed)
    first = rater.statement(T0 + 4 * H)
    assert _said(first) == [
        ("charge", "r1", Decimal(4), Decimal(0)),
        ("charge", "r2", Decimal(4), Decimal(0)),
        ("charge", "r3", Decimal(4), Decimal(2)),
    ]
    return rater, fed, list(first.lines)


def test_a_late_record_before_every_other_row_changes_every_row_after_it() -> None:
    rater, fed, lines = _three()
    # r0: 7 calls at 00:30, late, first in the order: 7 free. r1: 3 free, 1 billed (1.00);
    # r2: none free, 4.00; r3: none free, 4.00 (was 2.00). Each reported line is taken
    # back whole and given anew.
    late = _calls("r0", T0 + H / 2, 7, "s0")
    rater.feed([late])
    fed.append(late)
    statement = rater.statement(T0 + 5 * H)
    assert _said(statement) == [
        ("charge", "r0", Decimal(7), Decimal(0)),
        ("reversal", "r1", Decimal(-4), Decimal(0)),
        ("correction", "r1", Decimal(4), Decimal(1)),
        ("reversal", "r2", Decimal(-4), Decimal(0)),
        ("correction", "r2", Decimal(4), Decimal(4)),
        ("reversal", "r3", Decimal(-4), Decimal(-2)),
        ("correction", "r3", Decimal(4), Decimal(4)),
    ]
    lines += statement.lines
    assert _sums(lines) == _batch(OWN, fed, T0 + 5 * H)
    assert sum(_sums(lines).values()) == 9  # 7 + 4 * 3 = 19 calls, 10 free


def test_a_late_record_after_the_allowance_ran_dry_changes_its_own_row_alone() -> None:
    rater, fed, lines = _three()
    # r4: 3 calls at 03:30, late, after r3 used the last free call: 3.00, nothing else
    # changes (no line of r1, r2 or r3).
    late = _calls("r4", T0 + 3 * H + H / 2, 3, "s4")
    rater.feed([late])
    fed.append(late)
    statement = rater.statement(T0 + 5 * H)
    assert _said(statement) == [("charge", "r4", Decimal(3), Decimal(3))]
    lines += statement.lines
    assert _sums(lines) == _batch(OWN, fed, T0 + 5 * H)


@pytest.mark.property
@settings(max_examples=max(LAWS // 8, FLOOR), deadline=None)
@given(
    counts=st.lists(st.integers(-3, 9), min_size=1, max_size=12),
    late=st.lists(st.tuples(st.integers(0, 11), st.integers(-2, 9)), min_size=1, max_size=3),
    own=st.booleans(),
    floor=st.booleans(),
    cuts=st.lists(st.integers(1, 40), max_size=4),
)
def test_late_records_early_in_the_allowance_order_add_up_to_one_batch(
    counts: list[int], late: list[tuple[int, int]], own: bool, floor: bool, cuts: list[int]
) -> None:
    # Samples an hour apart from 01:00 (some corrections below zero), statements at
    # random watermarks; then late ones, each stamped before the sample of its index
    # (so before every later row in the allowance's order: all of those rated again),
    # and a last statement. An allowance of the plan's cycle (prorated to the
    # watermark) or of its own, with a minimum or not (its top-up counts what the
    # allowance left billed); the lines add up to one batch rate(), line by line.
    plan = rk.Plan(
        "p",
        "USD",
        MONTHLY,
        [rk.PriceEntry("c", "calls", rk.PerUnit("1.00"))],
        allowances=[rk.Allowance("calls", 10, cycle=MONTHLY if own else None)],
        minimums=[rk.Minimum("0.5")] if floor else [],
    )
    rater = rk.Rater(plan, [CALLS], start=T0, horizon=dt.timedelta(days=2))
    fed = [_calls(f"r{n % 3}", T0 + (n + 1) * H, q, f"s{n}") for n, q in enumerate(counts)]
    end = T0 + (len(counts) + 2) * H
    lines: list[rk.StatementLine] = []
    watermarks = sorted({T0 + c * H / 4 for c in cuts if T0 + c * H / 4 < end})
    for at in watermarks:
        rater.feed([r for r in fed if r.at < at])
        lines += rater.statement(at).lines
    rater.feed(fed)
    lines += rater.statement(end).lines
    extra = [
        _calls(f"x{k}", T0 + (index + 1) * H - H / (k + 2), q, f"late{k}")
        for k, (index, q) in enumerate(late)
    ]
    fed += extra
    rater.feed(extra)
    lines += rater.statement(end + H).lines
    assert _sums(lines) == _batch(plan, fed, end + H)
