"""The rater reuses the charges of rows that did not change, under fees and prices' bases.

A plan's fee depends on no row and a price's base on its group's first piece: with
either, a statement rates the dues of every account again and reuses the charges of the
rows that stand, as without them. A charge reused must still change where what came
before it changed: a late record earlier in the cycle moves a group's tiers, or takes
from an allowance what a later row had (allowances and minimums are rated again with
every row; the examples pin what any reuse must keep). Costs are counted (function calls
under cProfile), not timed.
"""

from __future__ import annotations

import cProfile
import datetime as dt
import pstats
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

T0 = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
H = dt.timedelta(hours=1)
MONTHLY = rk.cycles.monthly(tz="UTC")
CALLS = rk.Meter("calls", "call", rk.Discrete())


def _calls(resource: str, at: dt.datetime, quantity: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", resource, "calls", at, quantity, id=record_id)


def _said(statement: rk.Statement) -> list[tuple[object, ...]]:
    return [(x.kind, x.resource, x.entry, x.amount) for x in statement.lines]


def _sums(lines: list[rk.StatementLine]) -> dict[tuple[object, ...], Fraction]:
    out: dict[tuple[object, ...], Fraction] = {}
    for x in lines:
        key = (x.kind, x.resource, x.entry)
        out[key] = out.get(key, Fraction(0)) + Fraction(x.amount)
    return {k: v for k, v in out.items() if v}


def _batch(
    plan: rk.Plan, records: list[rk.Sample], as_of: dt.datetime
) -> dict[tuple[object, ...], Fraction]:
    rating = rk.rate(records, plan, span=rk.Span(T0, as_of), meters=[CALLS], as_of=as_of)
    out: dict[tuple[object, ...], Fraction] = {}
    for c in rating.charges:
        key = (c.kind, c.resource, c.entry)
        out[key] = out.get(key, Fraction(0)) + Fraction(c.amount)
    return {k: v for k, v in out.items() if v}


def test_a_late_record_takes_from_the_allowance_a_later_row_had() -> None:
    # 10 free calls a month (the allowance's own period: not prorated to the watermark),
    # 1.00 a call. r1: 6 calls at 01:00, all free; r2: 6 at 02:00, 4 free, 2 billed: 2.00.
    # A late record of r0 at 00:30, 3 calls, takes 3 first: r1 6 free (1 left), r2 1
    # free, 5 billed: 5.00. r2's row did not change, but its charge must.
    plan = rk.Plan(
        "p",
        "USD",
        MONTHLY,
        [rk.PriceEntry("c", "calls", rk.PerUnit("1.00"))],
        allowances=[rk.Allowance("calls", 10, cycle=MONTHLY)],
    )
    rater = rk.Rater(plan, [CALLS], start=T0, horizon=dt.timedelta(days=2))
    rater.feed([_calls("r1", T0 + H, 6, "a")])
    assert _said(rater.statement(T0 + 2 * H)) == [("usage", "r1", "c", Decimal(0))]
    rater.feed([_calls("r2", T0 + 2 * H, 6, "b")])
    assert _said(rater.statement(T0 + 3 * H)) == [("usage", "r2", "c", Decimal(2))]
    rater.feed([_calls("r0", T0 + H / 2, 3, "c")])
    assert _said(rater.statement(T0 + 4 * H)) == [
        ("usage", "r0", "c", Decimal(0)),
        ("usage", "r2", "c", Decimal(-2)),  # the 2.00 reversed
        ("usage", "r2", "c", Decimal(5)),  # 6 - 1 free = 5 x 1.00
    ]


def test_a_late_record_moves_a_group_on_tiers_and_its_base_stands_with_its_group() -> None:
    # Per resource: the first 10 calls at 1.00, then 0.50, and a base of 7.20 a month
    # (0.01 an hour, prorated to the watermark like the fee of 72: 0.10 an hour).
    tiers = rk.Graduated([rk.Tier(10, "1.00", flat="7.20"), rk.Tier(None, "0.50")])
    plan = rk.Plan(
        "p",
        "USD",
        MONTHLY,
        [rk.PriceEntry("c", "calls", tiers, group_by="resource")],
        fees=[rk.Fee("support", "72")],
    )
    rater = rk.Rater(plan, [CALLS], start=T0, horizon=dt.timedelta(days=2))
    fed: list[rk.Sample] = []
    lines: list[rk.StatementLine] = []
    steps = [
        # 02:00: r1 4 calls, 4.00; its base 0.02 (2 h), the fee 0.20
        ([_calls("r1", T0 + H, 4, "a")], 2),
        # 03:00: r1 8 more: 6 x 1.00 + 2 x 0.50 = 7.00; r2 3 calls 3.00 and its base,
        # from the cycle's start: 0.03; r1's base and the fee one hour more: 0.01, 0.10
        ([_calls("r1", T0 + 2 * H, 8, "b"), _calls("r2", T0 + 2 * H, 3, "c")], 3),
        # 04:00: r1's late call at 00:30 comes first: 1 + 4 + 5 x 1.00 + 3 x 0.50 = 11.50
        # (was 11.00, corrected); r2 stands (its base 0.04, from its group kept)
        ([_calls("r1", T0 + H / 2, 1, "d")], 4),
    ]
    for batch, hour in steps:
        rater.feed(batch)
        fed += batch
        statement = rater.statement(T0 + hour * H)
        lines += statement.lines
        assert _sums(lines) == _batch(plan, fed, T0 + hour * H), hour
    assert _sums(lines) == {
        ("usage", "r1", "c"): Fraction("11.50"),
        ("usage", "r2", "c"): Fraction("3.00"),
        ("fee", "r1", "c"): Fraction("0.04"),  # 7.20 x 4 / 720
        ("fee", "r2", "c"): Fraction("0.04"),
        ("fee", None, "support"): Fraction("0.4"),  # 72 x 4 / 720
    }


STORAGE = rk.Meter("storage", "GB*hour", rk.Continuous("size", unit="GB"))
PRICE = rk.PriceEntry("s", "storage", rk.PerUnit("0.00003"))
SHAPES = {
    "fee": rk.Plan("p", "USD", MONTHLY, [PRICE], fees=[rk.Fee("support", 10)]),
    "base": rk.Plan(
        "p",
        "USD",
        MONTHLY,
        [PRICE, rk.PriceEntry("b", "storage", rk.Flat("5"), where={"plan": "base"}, priority=1)],
    ),
}


def _statement_calls(plan: rk.Plan) -> dict[int, int]:
    """The function calls of the statements at hours 20 and 300 of a reconciler's month.

    Ten buckets listed each hour, two of them resized half an hour before each listing,
    a statement at each listing's instant (see ``benchmarks/dues_stream_bench.py``).
    """
    rater = rk.Rater(plan, [STORAGE], start=T0, horizon=dt.timedelta(days=2))
    buckets = [f"b{i}" for i in range(10)]
    rater.feed(
        [
            rk.Event(
                "acme",
                b,
                T0,
                {"size": 1, "plan": "base" if b == "b0" else "x"},
                kind="start",
                id=f"e-{b}",
            )
            for b in buckets
        ]
    )
    calls: dict[int, int] = {}
    for hour in range(1, 301):
        at = T0 + hour * H
        resized = [
            rk.Event(
                "acme",
                buckets[(2 * hour + k) % 10],
                at - H / 2,
                {"size": hour % 7 + 1 + k},
                kind="update",
                id=f"u{hour}-{k}",
            )
            for k in range(2)
        ]
        rater.feed([*resized, rk.Inventory(at, [("acme", b) for b in buckets], id=f"inv{hour}")])
        if hour not in (20, 300):
            rater.statement(at)
            continue
        profile = cProfile.Profile()
        profile.enable()
        rater.statement(at)
        profile.disable()
        calls[hour] = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
    return calls


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_statements_with_a_fee_or_a_base_cost_what_changed_not_the_cycle(shape: str) -> None:
    # Every row rated again at each statement, hour 300 cost 4.3 (fee) and 4.9 (base)
    # times hour 20 (17,457 and 22,141 calls); the rows that stand keep their charges.
    calls = _statement_calls(SHAPES[shape])
    assert calls[300] < 2.5 * calls[20], calls
