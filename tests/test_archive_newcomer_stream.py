"""A cold-storage archive's stream: customers who sign up, move and leave mid-month.

GB-months are ``TimeWeightedMean(over="period")``; figures worked by hand.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
from collections import defaultdict
from fractions import Fraction

import pytest

import ratekit as rk

STORE = rk.Meter("store", "GB", rk.TimeWeightedMean(over="period"))
MONTHLY = rk.cycles.monthly(tz="UTC")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
Z = rk.Plan("zeta", "EUR", MONTHLY, [rk.PriceEntry("s", "store", rk.PerUnit("1"))])
A = rk.Plan("a", "EUR", MONTHLY, [rk.PriceEntry("s", "store", rk.PerUnit("1"))])
B = rk.Plan("b", "EUR", MONTHLY, [rk.PriceEntry("s", "store", rk.PerUnit("2"))])


def size(at: str, gb: int, rid: str) -> rk.Sample:
    return rk.Sample("acme", "v1", "store", at, gb, kind="gauge", id=rid)


def test_sign_up_move_and_leave_through_assign_with_a_restore_and_a_late_reading() -> None:
    # acme signs up on 10 April under a (1 EUR), moves to b (2 EUR) on 20 April, leaves on
    # 25 April. 300 GB from 10 April, 600 GB from 14 April (fed late, after the 15 April
    # statement, within the horizon). a: (300 x 4 + 600 x 6) / 30 = 4,800 / 30 = 160 EUR;
    # b: 600 x 5 / 30 = 100 GB-month, 200 EUR; after 25 April no plan: not charged.
    rater = rk.Rater(
        [rk.Assignment("zeta", Z)],
        [STORE],
        start="2026-04-01T00:00:00Z",
        horizon=dt.timedelta(days=2),
    )
    got: dict[tuple[int, str], Fraction] = defaultdict(Fraction)

    def state(at: str) -> None:
        for line in rater.statement(at).lines:
            got[line.cycle.start.month, line.plan] += Fraction(line.amount)

    state("2026-04-09T00:00:00Z")
    assigned = rater.assign(rk.Assignment("acme", A, start="2026-04-10T00:00:00Z"))
    assert rater.feed([size("2026-04-10T00:00:00Z", 300, "r0")]).accepted
    state("2026-04-15T00:00:00Z")
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, [STORE])
    assigned = rater.assign(rk.Assignment("acme", B, start="2026-04-20T00:00:00Z"))
    feed = rater.feed([size("2026-04-14T00:00:00Z", 600, "r1")])
    assert feed.accepted == ("r1",)  # late, but April is still open: not `feed.late`
    assert not feed.too_late
    state("2026-04-21T00:00:00Z")
    assigned = rater.assign(
        rk.Assignment("acme", B, start="2026-04-20T00:00:00Z", end="2026-04-25T00:00:00Z")
    )
    state("2026-05-04T00:00:00Z")
    assert dict(got) == {(4, "a"): 160, (4, "b"): 200}
    records = [size("2026-04-10T00:00:00Z", 300, "r0"), size("2026-04-14T00:00:00Z", 600, "r1")]
    batch = rk.rate(
        records, list(assigned), span=APRIL, meters=[STORE], as_of="2026-05-04T00:00:00Z"
    )
    assert sorted((c.plan, c.amount) for c in batch.charges) == [("a", 160), ("b", 200)]


LEFT = [rk.Assignment("acme", A, start="2026-04-10T00:00:00Z", end="2026-04-25T00:00:00Z")]


def test_batch_takes_the_last_reading_of_zero_at_the_leaving() -> None:
    # 300 GB from 10 April, 0 GB read at the leaving instant (25 April): 300 x 15/30 = 150.
    records = [size("2026-04-10T00:00:00Z", 300, "r0"), size("2026-04-25T00:00:00Z", 0, "r1")]
    rating = rk.rate(records, LEFT, span=APRIL, meters=[STORE])
    assert [(c.plan, c.amount) for c in rating.charges] == [("a", 150)]


def test_the_stream_takes_the_last_reading_of_zero_at_the_leaving() -> None:
    # as above, in a stream: the closing reading is accepted and the month is 150.
    rater = rk.Rater(LEFT, [STORE], start="2026-04-01T00:00:00Z", horizon=dt.timedelta(days=2))
    rater.feed([size("2026-04-10T00:00:00Z", 300, "r0")])
    feed = rater.feed([size("2026-04-25T00:00:00Z", 0, "r1")])
    assert feed.accepted == ("r1",)
    statement = rater.statement("2026-05-04T00:00:00Z")
    assert [(line.plan, line.amount) for line in statement.lines] == [("a", 150)]


@pytest.mark.heavy
def test_readings_at_one_instant_in_any_order_batches_and_restores_are_batch() -> None:
    # 100 GB from 1 April; 400, 200 and 300 at the move to b on 16 April (the highest
    # holds: at one instant the lower value first, the later in force); 50 from 20 April.
    # a: 100 x 15/30 = 50; b: (400 x 4 + 50 x 11) / 30 x 2 = 2,150 / 15 = 430/3.
    records = [
        size("2026-04-01T00:00:00Z", 100, "r0"),
        size("2026-04-16T00:00:00Z", 400, "r1"),
        size("2026-04-16T00:00:00Z", 200, "r2"),
        size("2026-04-16T00:00:00Z", 300, "r3"),
        size("2026-04-20T00:00:00Z", 50, "r4"),
    ]
    moved = [
        rk.Assignment("acme", A, end="2026-04-16T00:00:00Z"),
        rk.Assignment("acme", B, start="2026-04-16T00:00:00Z"),
    ]
    batch = rk.rate(records, moved, span=APRIL, meters=[STORE], as_of="2026-05-04T00:00:00Z")
    want: dict[str, Fraction] = defaultdict(Fraction)
    for charge in batch.charges:
        want[charge.plan] += Fraction(charge.amount)
    assert want["a"] == 50
    assert abs(want["b"] - Fraction(430, 3)) < Fraction(1, 10**50)
    for order in itertools.permutations(range(5)):
        for watermark in ["2026-04-16T00:00:00Z", "2026-04-17T00:00:00Z", "2026-04-21T00:00:00Z"]:
            for cut in (1, 3):
                rater = rk.Rater(
                    moved, [STORE], start="2026-04-01T00:00:00Z", horizon=dt.timedelta(days=2)
                )
                got: dict[str, Fraction] = defaultdict(Fraction)
                rater.feed([records[i] for i in order[:cut]])
                for line in rater.statement(watermark).lines:
                    got[line.plan] += Fraction(line.amount)
                rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), moved, [STORE])
                rater.feed([records[i] for i in order[cut:]])
                for line in rater.statement("2026-05-04T00:00:00Z").lines:
                    if line.cycle.start == APRIL.start:
                        got[line.plan] += Fraction(line.amount)
                assert got == want, (order, watermark, cut)


def test_a_level_read_before_the_rater_start_is_carried_into_its_first_month() -> None:
    # a vault read at 100 GB on 20 March, fed to a rater started on 1 April: too late for
    # March, but the reading in force at 1 April (streaming.md): April and May so far are
    # 100 GB-month each, as batch rate() over April and May says.
    rater = rk.Rater(A, [STORE], start="2026-04-01T00:00:00Z", horizon=dt.timedelta(days=2))
    feed = rater.feed([size("2026-03-20T00:00:00Z", 100, "r0")])
    assert feed.too_late == ("r0",)
    statement = rater.statement("2026-05-04T00:00:00Z")
    assert sorted((line.cycle.start.month, line.amount) for line in statement.lines) == [
        (4, 100),
        (5, 100),
    ]
    batch = rk.rate(
        [size("2026-03-20T00:00:00Z", 100, "r0")],
        A,
        span=rk.Span("2026-04-01T00:00:00Z", "2026-06-01T00:00:00Z"),
        meters=[STORE],
        as_of="2026-05-04T00:00:00Z",
    )
    assert sorted((c.cycle.start.month, c.amount) for c in batch.charges) == [(4, 100), (5, 100)]


def held_per_plan(
    records: list[rk.Sample],
    plans: list[tuple[str, dt.datetime, dt.datetime, int]],
    end: dt.datetime,
    month: Fraction,
) -> dict[str, Fraction]:
    """Seconds each level was held inside each plan's stretch x GB / the month's seconds x price."""
    exact: dict[str, Fraction] = defaultdict(Fraction)
    for vault in sorted({r.resource for r in records}):
        mine = sorted((r.at, Fraction(r.value)) for r in records if r.resource == vault)
        for k, (at, gb) in enumerate(mine):
            until = mine[k + 1][0] if k + 1 < len(mine) else end
            for plan, lo, hi, unit_price in plans:
                a, b = max(at, lo), min(until, hi)
                if b > a:
                    exact[plan] += gb * int((b - a).total_seconds()) / month * unit_price
    return exact


@pytest.mark.parametrize("seed", range(5))
def test_zurich_october_stream_every_three_hours_with_a_move_before_the_clocks_go_back(
    seed: int,
) -> None:
    # October 2026 in Zurich (745 h); three vaults read irregularly (1 minute to ~2 days
    # apart, from before the month), fed up to 30 h late, a statement every 3 hours,
    # restores at random; a move from za (1 EUR) to zb (3 EUR) at 02:30 CEST on 25
    # October. The stream is batch, and both are the exact integral per plan (seconds
    # held x GB / the month's 2,682,000 s x price), worked here in Fractions.
    zurich = rk.cycles.monthly(tz="Europe/Zurich")
    za = rk.Plan("za", "EUR", zurich, [rk.PriceEntry("s", "store", rk.PerUnit("1"))])
    zb = rk.Plan("zb", "EUR", zurich, [rk.PriceEntry("s", "store", rk.PerUnit("3"))])
    start = dt.datetime(2026, 9, 30, 22, tzinfo=dt.UTC)
    end = dt.datetime(2026, 10, 31, 23, tzinfo=dt.UTC)
    move = dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)
    moved = [rk.Assignment("acme", za, end=move), rk.Assignment("acme", zb, start=move)]
    rnd = random.Random(seed)
    records = []
    for vault in ("v1", "v2", "v3"):
        at = start - dt.timedelta(hours=5)
        while at < end:
            records.append(
                rk.Sample(
                    "acme",
                    vault,
                    "store",
                    at,
                    rnd.randint(0, 999),
                    kind="gauge",
                    id=f"{vault}@{at:%d%H%M}",
                )
            )
            at += dt.timedelta(minutes=rnd.randint(1, 3000))
    arrivals = sorted(records, key=lambda r: r.at + dt.timedelta(hours=rnd.randint(0, 30)))
    rater = rk.Rater(moved, [STORE], start=start, horizon=dt.timedelta(days=2))
    got: dict[str, Fraction] = defaultdict(Fraction)
    watermark, fed = start, 0
    while watermark < end + dt.timedelta(days=3):
        watermark += dt.timedelta(hours=3)
        upto = fed
        while upto < len(arrivals) and arrivals[upto].at < watermark:
            upto += 1
        rater.feed(arrivals[fed:upto])
        fed = upto
        for line in rater.statement(watermark).lines:
            if line.cycle.start == start:
                got[line.plan] += Fraction(line.amount)
        if rnd.random() < 0.2:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), moved, [STORE])
    assert fed == len(arrivals)
    batch = rk.rate(records, moved, span=rk.Span(start, end), meters=[STORE], as_of=watermark)
    want: dict[str, Fraction] = defaultdict(Fraction)
    for charge in batch.charges:
        want[charge.plan] += Fraction(charge.amount)
    assert got == want
    month = Fraction(int((end - start).total_seconds()))
    assert month == 745 * 3600
    exact = held_per_plan(records, [("za", start, move, 1), ("zb", move, end, 3)], end, month)
    for plan in ("za", "zb"):
        assert abs(got[plan] - exact[plan]) < Fraction(1, 10**18)
