"""The rater's law under weekly pools across changes of plan, corrections and refills.

Daily invoices; plans "a" (0.002 a call, no allowance), "b" (0.003, 140 free a week)
and "c" (0.005, 5 free a day stacked before 70 free a week), weeks from Monday, each
pool prorated to the part of its period its plan covers. Drawn: one to three changes
of plan in 2 .. 12 March, a few deltas above and below zero (some over a span of
hours, a refill that may run over a day's end), watermarks, a horizon of 1, 2 or 30
hours (days compacted soon after they close), and snapshot -> JSON -> restore at drawn
points. No record is late: each is fed before a statement passes its start. At each
statement the lines so far add up, per cycle, plan and line, to one batch ``rk.rate()``
of the records fed as of the watermark, to the last digit (a compacted day carries what
batch's step 2b, `ratekit._taken_back`, drew of a week that runs on), and the restored
rater says what one never restored says.
"""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._instants import format_us

CALLS = rk.Meter("calls", "call", rk.Discrete())
DAYS = rk.cycles.daily(tz="UTC")
WEEKS = rk.cycles.weekly(tz="UTC")
START = "2026-03-02T00:00:00Z"  # a Monday
START_US = 1772409600000000
HOUR_US = 3_600_000_000
PLANS = (
    rk.Plan("a", "USD", DAYS, [rk.PriceEntry("calls", "calls", rk.PerUnit("0.002"))]),
    rk.Plan(
        "b",
        "USD",
        DAYS,
        [rk.PriceEntry("calls", "calls", rk.PerUnit("0.003"))],
        allowances=[rk.Allowance("calls", 140, cycle=WEEKS)],
    ),
    rk.Plan(
        "c",
        "USD",
        DAYS,
        [rk.PriceEntry("calls", "calls", rk.PerUnit("0.005"))],
        allowances=[rk.Allowance("calls", 5), rk.Allowance("calls", 70, cycle=WEEKS)],
    ),
)

Step = tuple[list[rk.Sample], str, bool]


def _at(hours: int) -> str:
    return format_us(START_US + hours * HOUR_US)


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[rk.Assignment], list[Step], dt.timedelta]:
    """Assignments, the steps (records fed, watermark, restore first) and the horizon."""
    switches = sorted(draw(st.sets(st.integers(1, 9 * 24 - 1), min_size=1, max_size=3)))
    plans = [draw(st.integers(0, 2))]
    for _ in switches:
        plans.append(draw(st.sampled_from([i for i in range(3) if i != plans[-1]])))
    bounds: list[int | None] = [None, *switches, None]
    assignments = [
        rk.Assignment(
            "acme",
            PLANS[plan],
            start=None if lo is None else _at(lo),
            end=None if hi is None else _at(hi),
        )
        for plan, lo, hi in zip(plans, bounds[:-1], bounds[1:], strict=True)
    ]
    # records: (earliest hour, sample)
    records = []
    for index in range(draw(st.integers(3, 8))):
        at = draw(st.integers(0, 12 * 24 - 1))
        if draw(st.booleans()):  # about a change of plan
            at = max(0, draw(st.sampled_from(switches)) + draw(st.sampled_from([-6, -1, 0, 0, 3])))
        quantity = draw(st.integers(-60, 80).filter(bool))
        length = draw(st.sampled_from([0, 0, 0, 6, 18, 30]))
        since = max(at - length, 0) if length else None
        sample = rk.Sample(
            "acme",
            draw(st.sampled_from(["k1", "k2"])),
            "calls",
            _at(at),
            quantity,
            since=None if since is None else _at(since),
            id=f"r{index}",
        )
        records.append((at if since is None else since, sample))
    marks = sorted(draw(st.sets(st.integers(1, 13 * 24), min_size=1, max_size=5)))
    marks.append(16 * 24)
    steps: list[Step] = []
    fed: set[int] = set()
    for i, mark in enumerate(marks):
        before = 0 if i == 0 else marks[i - 1]
        # each record fed at a step whose previous watermark is at or before its start
        now = [
            j
            for j, (first, _) in enumerate(records)
            if j not in fed and first >= before and (mark > first or draw(st.booleans()))
        ]
        fed.update(now)
        steps.append(([records[j][1] for j in now], _at(mark), draw(st.booleans())))
    horizon = dt.timedelta(hours=draw(st.sampled_from([1, 2, 30])))
    return assignments, steps, horizon


def _key(x: rk.Charge | rk.Line) -> tuple[object, ...]:
    return (x.cycle, x.kind, x.plan, x.entry, x.resource)


def run(
    plans: list[rk.Assignment], steps: list[Step], horizon: dt.timedelta, restore: bool
) -> list[list[tuple[object, ...]]]:
    """What each statement says; the law checked at each (restored where drawn)."""
    rater = rk.Rater(plans, [CALLS], start=START, horizon=horizon)
    fed: list[rk.Sample] = []
    sums: dict[tuple[object, ...], Fraction] = {}
    out = []
    for records, as_of, again in steps:
        if restore and again:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, [CALLS])
        feed = rater.feed(records)
        assert (feed.late, feed.too_late) == ((), ())
        fed.extend(records)
        if restore and not again:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, [CALLS])
        statement = rater.statement(as_of)
        for line in statement.lines:
            sums[_key(line)] = sums.get(_key(line), Fraction(0)) + Fraction(line.amount)
        batch: dict[tuple[object, ...], Fraction] = {}
        rating = rk.rate(fed, plans, span=rk.Span(START, as_of), meters=[CALLS], as_of=as_of)
        for charge in rating.charges:
            batch[_key(charge)] = batch.get(_key(charge), Fraction(0)) + Fraction(charge.amount)
        assert {k: v for k, v in sums.items() if v} == {k: v for k, v in batch.items() if v}, as_of
        out.append(
            [(line.role, _key(line), line.quantity, line.amount) for line in statement.lines]
            + [("invoice", i.cycle, i.total) for i in statement.invoices]
        )
    return out


# -40 at 5 March 00:00 under a, +50 at noon under b (40 fill a's hole, 10 of b's 70
# free), 200 on 8 March: 60 free, 0.42, with 5 March compacted before (it billed 0.54
# when 5 March carried the whole +50 against b's week).
REFILLED = (
    [
        rk.Assignment("acme", PLANS[0], end=_at(84)),
        rk.Assignment("acme", PLANS[1], start=_at(84)),
    ],
    [
        (
            [
                rk.Sample("acme", "k1", "calls", _at(72), -40, id="r0"),
                rk.Sample("acme", "k1", "calls", _at(84), 50, id="r1"),
                rk.Sample("acme", "k2", "calls", _at(162), 200, id="r2"),
            ],
            _at(154),
            True,
        ),
        ([], _at(216), True),
    ],
    dt.timedelta(hours=2),
)


@pytest.mark.property
@settings(max_examples=max(LAWS // 8, 12), deadline=None)
@given(case=cases())
@example(case=REFILLED)
def test_weekly_pools_across_switches_add_up_to_batch_compacted_and_restored(
    case: tuple[list[rk.Assignment], list[Step], dt.timedelta],
) -> None:
    plans, steps, horizon = case
    assert run(plans, steps, horizon, restore=True) == run(plans, steps, horizon, restore=False)
