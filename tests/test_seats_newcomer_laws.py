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
from tests._seats_saas import APRIL, MARCH, METERS, PLANS, at, close, oracle_cycle, us

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
    """The customer's seat gauge readings and call deltas, with ids."""
    seats = customer["seats"]
    calls = customer["calls"]
    assert isinstance(seats, list)
    assert isinstance(calls, list)
    return [
        rk.Sample("acme", "org", "seats", at(t), value, kind="gauge", id=f"s{i}")
        for i, (t, value) in enumerate(seats)
    ] + [
        rk.Sample("acme", "api", "calls", at(t), value, id=f"c{i}")
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
        charged = Fraction(
            sum(
                (c.amount for c in rating.charges if c.cycle == cycle and c.meter == "calls"),
                Decimal(0),
            )
        )
        if net >= 0:
            assert (
                -Fraction(1, 10**40) <= charged <= Fraction("0.002") * net + Fraction(1, 10**40)
            ), (cycle, net, charged)
        else:
            assert charged >= Fraction("0.002") * net - Fraction(1, 10**40), (cycle, net, charged)
