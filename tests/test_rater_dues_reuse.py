"""The rater reuses the charges of rows that did not change, under fees, bases, minimums, allowances.

A plan's fee depends on no row, a price's base on its group's first piece and a
minimum's top-up on its cycle's spend (no row's charge on it): with any of them, a
statement rates the dues of every account again and reuses the charges of the rows that
stand, as without them. An allowance's pool is taken in time order: the pieces before
where it ran dry stand, and so do those after that took nothing while it is still dry
there. A charge reused must still change where what came before it changed: a late
record earlier in the cycle moves a group's tiers, or takes from an allowance what a
later row had, and a pool prorated to the watermark gives more at each statement.
Costs are counted (function calls under cProfile), not timed.
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


def _sums_of(charges: tuple[rk.Charge, ...]) -> dict[tuple[object, ...], Fraction]:
    out: dict[tuple[object, ...], Fraction] = {}
    for c in charges:
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


def test_a_growing_pool_moves_the_piece_where_it_ran_dry_and_the_others_stand() -> None:
    # 360 free VM hours a month (April: 720 hours), prorated to the watermark: h/2 free
    # at hour h; 1.00 an hour. r1 runs 00:00-02:00, r2 02:00-05:00, r3 05:00-09:00, one
    # after the other (VMs that run at once take the pool together, as they use it).
    plan = rk.Plan(
        "p",
        "USD",
        MONTHLY,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("1.00"))],
        allowances=[rk.Allowance("vm.hours", 360)],
    )
    meter = rk.Meter("vm.hours", "hour", rk.OnOff())

    def event(resource: str, hour: int, kind: str) -> rk.Event:
        return rk.Event("acme", resource, T0 + hour * H, kind=kind, id=f"{resource}-{kind}")

    rater = rk.Rater(plan, [meter], start=T0, horizon=dt.timedelta(days=2))
    fed: list[rk.Event] = []
    lines: list[rk.StatementLine] = []
    steps = [
        # 09:00: 4.5 free: r1 2 free (0), r2 2.5 free of 3 (0.50: dry there), r3 4.00
        (["r1", "r2", "r3"], 9, [("r1", "0"), ("r2", "0.5"), ("r3", "4")]),
        # 10:00: 5 free: r2 takes 0.5 more (0.00: -0.50); r3 took nothing and still does
        ([], 10, [("r2", "-0.5")]),
        # 14:00: 7 free: 2 left where r3 stands, which takes them: 4 - 2 = 2.00 (-2.00)
        ([], 14, [("r3", "-2")]),
        # 16:00: r4 12:00-14:00, 8 free: r3 3 free (1.00: -1.00), r4 none (2.00)
        (["r4"], 16, [("r3", "-2"), ("r3", "1"), ("r4", "2")]),
        # 40:00: 20 free, 11 hours used: all free
        ([], 40, [("r3", "-1"), ("r4", "-2")]),
    ]
    hours = {"r1": (0, 2), "r2": (2, 5), "r3": (5, 9), "r4": (12, 14)}
    for started, hour, said in steps:
        batch = [
            e
            for r in started
            for e in (event(r, hours[r][0], "start"), event(r, hours[r][1], "stop"))
        ]
        rater.feed(batch)
        fed += batch
        statement = rater.statement(T0 + hour * H)
        assert [(x.kind, x.resource, x.amount) for x in statement.lines] == [
            ("usage", r, Decimal(amount)) for r, amount in said
        ], hour
        lines += statement.lines
        rating = rk.rate(fed, plan, span=rk.Span(T0, T0 + hour * H), meters=[meter])
        assert _sums(lines) == _sums_of(rating.charges), hour


def test_a_base_stands_with_its_group_and_a_late_stop_corrects_the_tiers() -> None:
    # Per VM: its first 2 hours at 1.00, then 0.50, and a base of 7.20 a month (0.01 an
    # hour, prorated to the watermark like the fee of 72: 0.10 an hour).
    tiers = rk.Graduated([rk.Tier(2, "1.00", flat="7.20"), rk.Tier(None, "0.50")])
    plan = rk.Plan(
        "p",
        "USD",
        MONTHLY,
        [rk.PriceEntry("vm", "vm.hours", tiers, group_by="resource")],
        fees=[rk.Fee("support", "72")],
    )
    meter = rk.Meter("vm.hours", "hour", rk.OnOff())

    def event(resource: str, at: dt.datetime, kind: str, record_id: str) -> rk.Event:
        return rk.Event("acme", resource, at, kind=kind, id=record_id)

    rater = rk.Rater(plan, [meter], start=T0, horizon=dt.timedelta(days=2))
    fed: list[rk.Event] = []
    lines: list[rk.StatementLine] = []
    steps = [
        # 02:00: vm1 runs 2 h, 2.00; vm2 1 h, 1.00; each base 0.02 (2 h), the fee 0.20
        (
            [
                event("vm1", T0, "start", "a"),
                event("vm2", T0, "start", "b"),
                event("vm2", T0 + H, "stop", "c"),
            ],
            2,
        ),
        # 03:00: vm1 a third hour at 0.50; vm2's group stands whole: its base (0.03) is
        # charged from its first piece, kept with it
        ([], 3),
        # 04:00: vm1's stop at 01:30 comes late: 1.5 h x 1.00 = 1.50 (was 2.50, corrected)
        ([event("vm1", T0 + 3 * H / 2, "stop", "d")], 4),
    ]
    for batch, hour in steps:
        rater.feed(batch)
        fed += batch
        lines += rater.statement(T0 + hour * H).lines
        rating = rk.rate(fed, plan, span=rk.Span(T0, T0 + hour * H), meters=[meter])
        assert _sums(lines) == _sums_of(rating.charges), hour
    assert _sums(lines) == {
        ("usage", "vm1", "vm"): Fraction("1.50"),
        ("usage", "vm2", "vm"): Fraction("1.00"),
        ("fee", "vm1", "vm"): Fraction("0.04"),  # 7.20 x 4 / 720
        ("fee", "vm2", "vm"): Fraction("0.04"),
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
@pytest.mark.heavy  # seconds under coverage: run with the properties
def test_statements_with_a_fee_or_a_base_cost_what_changed_not_the_cycle(shape: str) -> None:
    # Every row rated again at each statement, hour 300 cost 4.3 (fee) and 4.9 (base)
    # times hour 20 (17,457 and 22,141 calls); the rows that stand keep their charges.
    calls = _statement_calls(SHAPES[shape])
    assert calls[300] < 2.5 * calls[20], calls


@pytest.mark.heavy
def test_statements_with_a_minimum_cost_what_changed_not_the_cycle() -> None:
    # A minimum's top-up depends on its cycle's spend, no row's charge on it: the rows
    # that stand keep their charges, counted in the spend. Every row rated again, hour
    # 300 cost 6.7 times hour 20 (46,077 calls against 6,884); now 1.5 (8,133 against 5,338).
    plan = rk.Plan("p", "USD", MONTHLY, [PRICE], minimums=[rk.Minimum(150)])
    calls = _statement_calls(plan)
    assert calls[300] < 2.5 * calls[20], calls


@pytest.mark.heavy
def test_statements_with_an_allowance_cost_what_changed_not_the_cycle() -> None:
    # A pool of the billing cycle is prorated to the watermark: it offers more at each
    # statement, and the piece where it ran dry takes more. The pieces before that piece
    # stand, and so do those after it that took nothing while the pool is still dry
    # there. Every row rated again, hour 300 cost 9.0 times hour 20 (100,227 calls
    # against 11,188).
    plan = rk.Plan("p", "USD", MONTHLY, [PRICE], allowances=[rk.Allowance("storage", 500)])
    calls = _statement_calls(plan)
    assert calls[300] < 2.5 * calls[20], calls
