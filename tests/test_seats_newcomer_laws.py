"""Laws of the seats newcomer's SaaS: random seat gauges, calls and plan changes.

1. Batch ``rk.rate`` over a cycle equals a brute-force Fraction oracle of the documented
   proration (fees, allowances and minimums prorated by each plan's share of the cycle,
   the seats' peak priced under each plan for its share).
2. The streaming ``Rater``, fed the same records in any batches, at any watermarks, with
   snapshot/restore (through JSON) between them, states exactly what one batch
   ``rk.rate`` of two cycles charges.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._seats_saas import (
    APRIL,
    MARCH,
    METERS,
    PLANS,
    at,
    close,
    oracle_cycle,
    position_shares,
    us,
    zoned_plans,
)

import ratekit as rk

MINUTE = 60_000_000

pytestmark = pytest.mark.property


@st.composite
def months_of_a_customer(
    draw: st.DrawFn, cycles: tuple[rk.Span, ...], corrections: bool = False
) -> dict[str, object]:
    """A customer over ``cycles``: its plan changes, seat readings and calls.

    The customer may sign up after the first cycle's start and cancel before the last
    one's end; plan changes fall on whole minutes (some exactly on a cycle boundary, some
    two within a day). Readings and calls fall where it has a plan.
    """
    start, end = us(cycles[0].start), us(cycles[-1].end)
    minutes = (end - start) // MINUTE
    bounds = sorted(
        set(draw(st.lists(st.integers(0, minutes), min_size=2, max_size=6)))
        | set(
            draw(
                st.lists(
                    st.sampled_from(
                        [0, minutes] + [(us(c.end) - start) // MINUTE for c in cycles[:-1]]
                    ),
                    max_size=2,
                )
            )
        )
    )
    if len(bounds) < 2:
        bounds = [0, minutes]
    names = draw(
        st.lists(st.sampled_from(sorted(PLANS)), min_size=len(bounds) - 1, max_size=len(bounds) - 1)
    )
    parts = [
        (name, start + a * MINUTE, start + b * MINUTE)
        for name, a, b in zip(names, bounds, bounds[1:], strict=False)
    ]
    in_parts = st.sampled_from(parts).flatmap(lambda part: st.integers(part[1], part[2] - 1))
    seats = draw(st.lists(st.tuples(in_parts, st.integers(0, 500)), max_size=6))
    calls = draw(
        st.lists(
            st.tuples(in_parts, st.integers(-40_000 if corrections else 0, 40_000)), max_size=6
        )
    )
    return {"parts": parts, "seats": seats, "calls": calls}


def assignments(parts: list[tuple[str, int, int]]) -> list[rk.Assignment]:
    """One assignment per part (consecutive parts of one plan stay two assignments)."""
    return [rk.Assignment("acme", PLANS[name], start=at(a), end=at(b)) for name, a, b in parts]


def records(customer: dict[str, object]) -> list[rk.Sample]:
    """The customer's seat gauge readings and call deltas (on two resources), with ids."""
    seats = customer["seats"]
    calls = customer["calls"]
    assert isinstance(seats, list)
    assert isinstance(calls, list)
    return [
        rk.Sample("acme", "org", "seats", at(t), value, kind="gauge", id=f"s{i}")
        for i, (t, value) in enumerate(seats)
    ] + [
        rk.Sample("acme", ("api", "api2")[i % 2], "calls", at(t), value, id=f"c{i}")
        for i, (t, value) in enumerate(calls)
    ]


def clipped(parts: list[tuple[str, int, int]], cycle: rk.Span) -> list[tuple[str, int, int]]:
    """The parts' pieces inside ``cycle``."""
    c0, c1 = us(cycle.start), us(cycle.end)
    return [(name, max(a, c0), min(b, c1)) for name, a, b in parts if max(a, c0) < min(b, c1)]


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(months_of_a_customer((MARCH, APRIL)))
def test_batch_rating_equals_the_fraction_oracle_of_the_documented_proration(
    customer: dict[str, object],
) -> None:
    parts = customer["parts"]
    assert isinstance(parts, list)
    rating = rk.rate(
        records(customer), assignments(parts), span=rk.Span(MARCH.start, APRIL.end), meters=METERS
    )
    for cycle in (MARCH, APRIL):
        seats, calls = customer["seats"], customer["calls"]
        assert isinstance(seats, list)
        assert isinstance(calls, list)
        inside = clipped(parts, cycle)
        exact = oracle_cycle(cycle, inside, seats, calls)
        charged = sum((c.amount for c in rating.charges if c.cycle == cycle), Decimal(0))
        assert close(charged, exact), (cycle, inside, charged, float(exact))


@st.composite
def cuts_of_a_stream(draw: st.DrawFn, count: int) -> list[tuple[int, int, bool]]:
    """Cuts of ``count`` records: (batch end, watermark as a percent of the two cycles,
    snapshot after). The watermarks stay before April's end, so March stays kept (the
    last closed cycle) and a record of March fed late is corrected, not too late."""
    ends = sorted(set(draw(st.lists(st.integers(0, count), max_size=4))) | {count})
    return [(end, draw(st.integers(0, 99)), draw(st.booleans())) for end in ends]


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@pytest.mark.parametrize(
    "seats",
    [
        rk.Max(),
        rk.TimeWeightedMean(),
        rk.TimeWeightedMean(over="period"),
        rk.Latest(),
        rk.Percentile(90),
    ],
    ids=repr,
)
@given(months_of_a_customer((MARCH, APRIL), corrections=True), st.data())
def test_stream_with_snapshots_equals_one_batch_rating(
    seats: rk.SamplePolicy, customer: dict[str, object], data: st.DataObject
) -> None:
    meters = [rk.Meter("seats", "seat", seats), METERS[1]]
    parts = customer["parts"]
    assert isinstance(parts, list)
    assigned = assignments(parts)
    fed = data.draw(st.permutations(records(customer)))
    cuts = data.draw(cuts_of_a_stream(len(fed)))
    rater = rk.Rater(assigned, meters, start=MARCH.start)
    start, end = us(MARCH.start), us(APRIL.end)
    watermark = start
    stated = Fraction(0)
    taken = 0
    for batch_end, percent, snapshot in cuts:
        rater.feed(fed[taken:batch_end])
        taken = batch_end
        watermark = max(watermark, start + (end - start) * percent // 100 // MINUTE * MINUTE)
        stated += Fraction(rater.statement(at(watermark)).total())
        if snapshot:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, meters)
    stated += Fraction(rater.statement(APRIL.end).total())
    batch = rk.rate(fed, assigned, span=rk.Span(MARCH.start, APRIL.end), meters=meters)
    assert stated == Fraction(batch.total())


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(months_of_a_customer((MARCH, APRIL), corrections=True))
def test_corrections_across_plan_changes_never_refund_more_than_was_billed(
    customer: dict[str, object],
) -> None:
    """docs/pricing.md, corrections across a change of plan: a refund never exceeds what
    was billed for the units it takes back, and each unit left is billed at most at the
    dearest plan's price. So a cycle's calls cost between 0 and 0.002 x its net calls when
    the net is 0 or more, and (only a per-unit price refunding below zero) no less than
    0.002 x the net when it is below zero."""
    parts = customer["parts"]
    calls = customer["calls"]
    assert isinstance(parts, list)
    assert isinstance(calls, list)
    rating = rk.rate(
        records(customer), assignments(parts), span=rk.Span(MARCH.start, APRIL.end), meters=METERS
    )
    for cycle in (MARCH, APRIL):
        net = sum(value for t, value in calls if us(cycle.start) <= t < us(cycle.end))
        # summed as fractions: a sum of Decimals under the caller's context (28 digits)
        # rounds the 60-digit amounts, a residue of 1E-31 that no charge holds
        charged = sum(
            (Fraction(c.amount) for c in rating.charges if c.cycle == cycle and c.meter == "calls"),
            Fraction(0),
        )
        if net >= 0:
            assert (
                -Fraction(1, 10**40) <= charged <= Fraction("0.002") * net + Fraction(1, 10**40)
            ), (cycle, net, charged)
        else:
            assert charged >= Fraction("0.002") * net - Fraction(1, 10**40), (cycle, net, charged)


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(months_of_a_customer((MARCH, APRIL), corrections=True), st.data())
def test_plan_changes_told_to_the_rater_as_they_happen_add_up_to_the_batch(
    customer: dict[str, object], data: st.DataObject
) -> None:
    """docs/streaming.md, new customers and plan changes: each change is assigned when it
    takes effect (open-ended, ending the plan before), a cancellation by telling the last
    assignment again with its end; records come in any order after their plan is told,
    with statements and snapshot/restore between. The statements add up to one batch
    ``rk.rate`` under the set ``assign()`` returned last."""
    parts = customer["parts"]
    assert isinstance(parts, list)
    start, end = us(MARCH.start), us(APRIL.end)
    fed = records(customer)
    # steps in time: ("assign", i) at a part's start, ("statement", watermark) anywhere
    watermarks = sorted(data.draw(st.lists(st.integers(start, end - MINUTE), max_size=4)))
    steps: list[tuple[int, int, str, int]] = [
        (a, 0, "assign", i) for i, (_, a, _) in enumerate(parts)
    ]
    last_name, last_start, last_end = parts[-1]
    if last_end < end:
        steps.append((last_end, 0, "cancel", len(parts) - 1))
    steps += [(w, 1, "statement", w) for w in watermarks]
    steps.sort()

    # each record is fed at a step after its part was assigned
    def told(t: int) -> int:
        return next(
            k
            for k, (when, _, kind, i) in enumerate(steps)
            if kind == "assign" and parts[i][1] <= t < parts[i][2]
        )

    slots = {record.id: data.draw(st.integers(told(record.at_us), len(steps))) for record in fed}
    first_name, first_start, _ = parts[0]
    assigned: tuple[rk.Assignment, ...] | list[rk.Assignment] = [
        rk.Assignment("acme", PLANS[first_name], start=at(first_start))
    ]
    rater = rk.Rater(assigned, METERS, start=MARCH.start)
    stated = Fraction(0)
    for k, (_, _, kind, value) in enumerate(steps):
        if kind == "assign" and value > 0:
            name, a, _ = parts[value]
            assigned = rater.assign(rk.Assignment("acme", PLANS[name], start=at(a)))
        elif kind == "cancel":
            assigned = rater.assign(
                rk.Assignment("acme", PLANS[last_name], start=at(last_start), end=at(last_end))
            )
        rater.feed([record for record in fed if slots[record.id] == k])
        if kind == "statement":
            stated += Fraction(rater.statement(at(value)).total())
            if data.draw(st.booleans()):
                rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assigned, METERS)
    rater.feed([record for record in fed if slots[record.id] == len(steps)])
    stated += Fraction(rater.statement(APRIL.end).total())
    batch = rk.rate(fed, list(assigned), span=rk.Span(MARCH.start, APRIL.end), meters=METERS)
    assert stated == Fraction(batch.total())


@pytest.mark.property
@pytest.mark.parametrize("proration", ["seconds", "days"])
@pytest.mark.parametrize("tz", ["America/New_York", "Asia/Kolkata", "Pacific/Chatham"])
@settings(max_examples=LAWS, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_proration_oracle_holds_in_every_customer_timezone(
    tz: str, proration: str, data: st.DataObject
) -> None:
    plans, cycles = zoned_plans(tz, proration)
    customer = data.draw(months_of_a_customer(cycles))
    parts = customer["parts"]
    seats, calls = customer["seats"], customer["calls"]
    assert isinstance(parts, list)
    assert isinstance(seats, list)
    assert isinstance(calls, list)
    assigned = [rk.Assignment("acme", plans[name], start=at(a), end=at(b)) for name, a, b in parts]
    span = rk.Span(cycles[0].start, cycles[-1].end)
    rating = rk.rate(records(customer), assigned, span=span, meters=METERS)
    for cycle in cycles:
        inside = clipped(parts, cycle)
        exact = oracle_cycle(
            cycle, inside, seats, calls, days_in=tz if proration == "days" else None
        )
        charged = sum((c.amount for c in rating.charges if c.cycle == cycle), Decimal(0))
        assert close(charged, exact), (cycle, inside, charged, float(exact))


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries(
        {
            name: st.sampled_from(
                [None, "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "Pacific/Kiritimati"]
            )
            for name in sorted(PLANS)
        }
    ),
    months_of_a_customer((MARCH, APRIL)),
)
def test_plans_that_count_days_in_other_zones_share_the_cycle_by_one_position(
    basis: dict[str, str | None], customer: dict[str, object]
) -> None:
    """Each plan prorates by seconds (None) or by whole days of its own zone, on the one
    New York cycle; the fees, allowances and minimums follow the cycle's position."""
    plans = {
        name: rk.Plan(
            name,
            "USD",
            plan.cycle,
            list(plan.entries),
            fees=list(plan.fees),
            allowances=list(plan.allowances),
            minimums=list(plan.minimums),
            **({"proration": "days", "tz": zone} if zone else {}),
        )
        for name, plan in PLANS.items()
        for zone in [basis[name]]
    }
    parts = customer["parts"]
    seats, calls = customer["seats"], customer["calls"]
    assert isinstance(parts, list)
    assert isinstance(seats, list)
    assert isinstance(calls, list)
    assigned = [rk.Assignment("acme", plans[name], start=at(a), end=at(b)) for name, a, b in parts]
    rating = rk.rate(
        records(customer), assigned, span=rk.Span(MARCH.start, APRIL.end), meters=METERS
    )
    for cycle in (MARCH, APRIL):
        inside = clipped(parts, cycle)
        exact = oracle_cycle(
            cycle, inside, seats, calls, shares=position_shares(cycle, inside, basis)
        )
        charged = sum((c.amount for c in rating.charges if c.cycle == cycle), Decimal(0))
        assert close(charged, exact), (cycle, inside, charged, float(exact))


PER_CALL = {
    name: rk.Plan(
        name, "USD", PLANS[name].cycle, [rk.PriceEntry("calls", "calls", rk.PerUnit(call))]
    )
    for name, call in (("starter", "0.002"), ("growth", "0.0015"), ("scale", "0.001"))
}


def last_in_first_out(calls: list[tuple[int, int, str]]) -> Fraction:
    """docs/pricing.md, corrections across a change of plan, for per-call prices: in time
    order, usage fills the corrections below zero last in, first out (each at its plan's
    price), then is billed by its plan; a correction takes back the units billed before
    it, last in, first out, each at the price of the plan that billed it, then goes below
    zero under its own plan."""
    billed: list[list[object]] = []
    below: list[list[object]] = []
    total = Fraction(0)
    for _, value, name in sorted(calls):
        units = abs(value)
        stack, sign = (below, 1) if value > 0 else (billed, -1)
        while units and stack:
            plan, held = stack[-1]
            assert isinstance(plan, str)
            assert isinstance(held, int)
            moved = min(units, held)
            total += sign * moved * Fraction(PER_CALL[plan].entries[0].price.rate)
            units -= moved
            if moved == held:
                stack.pop()
            else:
                stack[-1][1] = held - moved
        if units:
            (billed if value > 0 else below).append([name, units])
            total += (
                (1 if value > 0 else -1) * units * Fraction(PER_CALL[name].entries[0].price.rate)
            )
    return total


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(months_of_a_customer((MARCH, APRIL)), st.data())
def test_corrections_across_plan_changes_follow_last_in_first_out(
    customer: dict[str, object], data: st.DataObject
) -> None:
    """One call record (usage or correction) per plan's part of a cycle, on resources of
    any name, against a brute-force stack of the units billed and of the corrections
    below zero. (Several records in one part are one row; see the faults file.)"""
    parts = customer["parts"]
    assert isinstance(parts, list)
    calls: list[tuple[int, int, str]] = []
    for cycle in (MARCH, APRIL):
        for name, a, b in clipped(parts, cycle):
            if data.draw(st.booleans()):
                calls.append(
                    (
                        data.draw(st.integers(a, b - 1)),
                        data.draw(st.integers(-30_000, 30_000)),
                        name,
                    )
                )
    records = [
        rk.Sample(
            "acme",
            data.draw(st.sampled_from(["api", "api2", "web"])),
            "calls",
            at(t),
            value,
            id=f"c{i}",
        )
        for i, (t, value, _) in enumerate(calls)
    ]
    assigned = [
        rk.Assignment("acme", PER_CALL[name], start=at(a), end=at(b)) for name, a, b in parts
    ]
    rating = rk.rate(records, assigned, span=rk.Span(MARCH.start, APRIL.end), meters=METERS)
    for cycle in (MARCH, APRIL):
        inside = [
            (t, value, name) for t, value, name in calls if us(cycle.start) <= t < us(cycle.end)
        ]
        charged = sum((c.amount for c in rating.charges if c.cycle == cycle), Decimal(0))
        assert Fraction(charged) == last_in_first_out(inside), (cycle, inside)
