"""The rater's law when assignments become known over time (`Rater.assign()`).

The drawn plans and streams of `tests/_plan_streams.py`, with the assignments told to
the rater as a host learns them: the rater is built knowing only account ``a``'s first
plan, open-ended; account ``b`` is onboarded (from a drawn instant at or before its
first record's effect) and ``a``'s plan change is told (ending the first plan there)
each at a drawn point of the schedule before any record of its span is fed and where
the watermark has not passed its start. Fed in batches with replays, statements and
snapshot -> JSON -> restore (with the set the rater holds then) at random points, the
statements add up, per account, cycle and line, to one batch ``rk.rate()`` with all the
assignments, to the last digit; nothing is too late, every record is accounted for.
"""

from __future__ import annotations

import datetime as dt
import decimal
import functools
import json
import random
import typing
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._plan_streams import METERS, Case, Op, Record, draw
from tests._rater_streams import accounted_ids, batch_sums, sums

import ratekit as rk
from ratekit._instants import format_us

MINUTE_US = 60_000_000


class Told(typing.NamedTuple):
    """A case whose assignments the rater learns as ``("assign", index)`` steps."""

    case: Case
    built: tuple[rk.Assignment, ...]  # what the rater is built with
    later: tuple[rk.Assignment, ...]  # what it is told, by index
    whole: tuple[rk.Assignment, ...]  # the batch's set
    ops: tuple[Op, ...]


def _accounts(record: Record) -> set[str]:
    if isinstance(record, rk.Inventory):
        return {account for account, _, _ in record.resources}
    return {record.account}


def told(seed: int) -> Told:
    """The case of ``seed``, its assignments told over time."""
    case = draw(seed)
    rng = random.Random(seed ^ 0x5EED)
    if isinstance(case.plans, rk.Plan):
        first = second = case.plans
        switch_us = None
    else:
        first, second = case.plans[0].plan, case.plans[2].plan
        switch_us = case.plans[1].start_us
    # b from a drawn minute at or before its records' first effect (or any, without one)
    b_firsts = [
        min(r.at_us, r.since_us if isinstance(r, rk.Sample) and r.since_us else r.at_us)
        for r in case.records
        if "b" in _accounts(r)
    ]
    latest = min(b_firsts, default=case.final_us - 1)
    b_start = (
        rng.randrange(case.start_us, latest + 1, MINUTE_US) if latest > case.start_us else latest
    )
    later = [rk.Assignment("b", second, start=format_us(b_start))]
    whole = [rk.Assignment("b", second, start=format_us(b_start))]
    if switch_us is None:
        whole.append(rk.Assignment("a", first))
    else:
        later.append(rk.Assignment("a", second, start=format_us(switch_us)))
        whole += [
            rk.Assignment("a", first, end=format_us(switch_us)),
            rk.Assignment("a", second, start=format_us(switch_us)),
        ]
    ops = list(case.ops)
    for index, assignment in enumerate(later):
        start = assignment.start_us
        assert start is not None
        # a's first plan ended at the switch: an allowance of its own period is prorated
        # by the plan's share of it, so the end is told before that period is stated
        bound = start
        if assignment.account == "a":
            for allowance in first.allowances:
                if allowance.cycle is not None:
                    period = allowance.cycle.containing_us(start)[0]
                    bound = min(bound, max(period, case.start_us))
        # the last point: before the first batch with a record of its span
        last = next(
            (
                p
                for p, (kind, value) in enumerate(ops)
                if kind == "feed"
                and any(
                    assignment.account in _accounts(case.records[i])
                    and case.records[i].at_us >= start
                    for i in value
                )
            ),
            len(ops),
        )
        points, as_of = [], case.start_us
        for p in range(last + 1):
            if as_of <= bound:
                points.append(p)
            if p < len(ops) and ops[p][0] == "statement":
                as_of = ops[p][1]
        # as late as it may come half the time: after statements and batches
        ops.insert(points[-1] if rng.random() < 0.5 else rng.choice(points), ("assign", index))
    return Told(case, (rk.Assignment("a", first),), tuple(later), tuple(whole), tuple(ops))


def run(story: Told) -> tuple[list[rk.Statement], list[rk.Feed]]:
    case = story.case
    rater = rk.Rater(
        story.built,
        METERS,
        start=format_us(case.start_us),
        horizon=dt.timedelta(microseconds=case.horizon_us),
    )
    holds = story.built
    statements: list[rk.Statement] = []
    feeds: list[rk.Feed] = []
    for kind, value in story.ops:
        if kind == "feed":
            feeds.append(rater.feed([case.records[i] for i in value]))
        elif kind == "assign":
            holds = rater.assign(story.later[value])
            rater._check()
        elif kind == "restore":
            data = json.loads(json.dumps(rater.snapshot()))
            rater = rk.Rater.restore(data, holds, METERS)
        else:
            statements.append(rater.statement(format_us(value)))
            rater._check()
    assert sorted(map(repr, holds)) == sorted(map(repr, story.whole))
    return statements, feeds


def check(story: Told) -> None:
    """The law for ``story``: raises AssertionError (or the error) when it fails."""
    case = story.case
    batch = rk.rate(
        list(case.records),
        story.whole,
        span=rk.Span(format_us(case.start_us), format_us(case.final_us)),
        meters=METERS,
    )
    statements, feeds = run(story)
    lines = [line for s in statements for line in s.lines]
    got, want = sums(lines), batch_sums(batch.charges)
    diff = {k: (got.get(k), want.get(k)) for k in {*got, *want} if got.get(k) != want.get(k)}
    assert not diff, diff
    exact = decimal.Context(prec=decimal.MAX_PREC, traps=[decimal.Inexact])
    total = functools.reduce(exact.add, (line.amount for line in lines), Decimal(0))
    assert total == functools.reduce(exact.add, (c.amount for c in batch.charges), Decimal(0))
    assert not any(feed.too_late for feed in feeds), feeds
    accounted = accounted_ids(lines, statements, feeds)
    ids = {r.id for r in case.records if r.id is not None}
    assert ids <= accounted, sorted(ids - accounted)


@pytest.mark.property
@settings(max_examples=max(LAWS // 8, FLOOR))
@given(seed=st.integers(0, 2**32))
# a's VM first seen by an UPDATE after an empty listing covered it, closed back by a
# last_seen inventory fed ahead: the rater used to compact the cycle it closes back into
@example(seed=159288997)
def test_statements_with_assignments_told_over_time_add_up_to_one_batch_rate(seed: int) -> None:
    check(told(seed))


def test_a_plan_after_the_span_changes_no_charge_in_it() -> None:
    # Seed 1090: a on 'first' (daily cycles, a weekly allowance of 50 runtime hours taken
    # in time order across a's two VMs, tiers per entry), ended on 26 November 01:00 by
    # 'second', whose 'runtime-night' entry has a window of 22:00 to 06:00; the span ends
    # on 24 November 05:00. Each plan of an account cut its rows at its windows over the
    # whole span, not only while assigned: the night cuts of 'second' split a's rows
    # under 'first', which changed which VM's hours took the weekly allowance first, and
    # batch charged 0.26 more in the span (223.33 against 223.07; 2.05 rather than 1.85
    # on 5 November for a-vm1's 14.5 hours), so the stream, which stated those cycles
    # before it was told of 'second', broke the law by that much. Nothing of 'second'
    # falls in the span: both are the charges without it.
    story = told(1090)
    case = story.case
    span = rk.Span(format_us(case.start_us), format_us(case.final_us))
    without = tuple(a for a in story.whole if not (a.account == "a" and a.plan.id == "second"))
    assert len(without) == len(story.whole) - 1
    with_later = rk.rate(list(case.records), story.whole, span=span, meters=METERS)
    only_first = rk.rate(list(case.records), without, span=span, meters=METERS)
    assert batch_sums(with_later.charges) == batch_sums(only_first.charges)
    check(story)  # and the law holds for it
