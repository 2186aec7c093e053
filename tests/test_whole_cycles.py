"""A cycle cut by the rated span: each part bills its share of the cycle's aggregate.

A non-additive meter (a peak, a minimum, a latest level, a distinct count, a percentile,
a mean) is aggregated once per cycle; a rated span that cuts a cycle bills its share of
that aggregate, as a plan's end or start does (docs/usage.md, Aggregations that do not
add up), so that the parts of a cycle rated in pieces add up to the cycle rated whole.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
DAY = rk.Span("2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z")
QUARTER_PAST_SIX = "2026-03-10T06:00:00Z"  # a quarter of the day
# 4 at 02:00, 10 at 08:00, 6 at 20:00, 10 at 22:00
READINGS = [
    rk.Sample("acme", "r", "m", f"2026-03-10T{hour:02}:00:00Z", value, kind="gauge", id=f"s{hour}")
    for hour, value in [(2, 4), (8, 10), (20, 6), (22, 10)]
]
QUANTUM = Fraction(1, 10**24)  # metering's quantum (docs/usage.md)

# Per aggregation: the day's aggregate, by hand.
AGGREGATES: dict[str, tuple[rk.SamplePolicy, Fraction]] = {
    "max": (rk.Max(), Fraction(10)),
    "min": (rk.Min(), Fraction(4)),
    "latest": (rk.Latest(), Fraction(10)),  # 22:00's
    "unique": (rk.UniqueCount(), Fraction(3)),  # 4, 10, 6
    "p50": (rk.Percentile(50), Fraction(6)),  # [4, 6, 10, 10], rank ceil(0.5 x 4) = 2
    # 4 x 6 h + 10 x 12 h + 6 x 2 h + 10 x 2 h = 176 over the 22 h a level is known: 8
    "mean known": (rk.TimeWeightedMean(over="known"), Fraction(8)),
    # 176 over the day's 24 h: 22/3
    "mean period": (rk.TimeWeightedMean(over="period"), Fraction(22, 3)),
}


def _plan(cycle: rk.cycles.Cycle, price: rk.PriceModel | None = None) -> rk.Plan:
    return rk.Plan("p", "EUR", cycle, [rk.PriceEntry("m", "m", price or rk.PerUnit(1))])


def _quantity(
    records: list[rk.Sample],
    policy: object,
    cycle: rk.cycles.Cycle,
    span: rk.Span,
    as_of: str | dt.datetime | None = None,
) -> Fraction:
    meter = rk.Meter("m", "user", policy)  # type: ignore[arg-type]
    rating = rk.rate(records, _plan(cycle), span=span, meters=[meter], as_of=as_of)
    return sum((Fraction(c.quantity) for c in rating.charges if c.kind == "usage"), Fraction(0))


@pytest.mark.parametrize("kind", sorted(AGGREGATES))
def test_each_part_of_a_day_bills_its_share_of_the_days_aggregate(kind: str) -> None:
    policy, whole = AGGREGATES[kind]
    first = _quantity(READINGS, policy, DAILY, rk.Span(DAY.start, QUARTER_PAST_SIX), DAY.end)
    rest = _quantity(READINGS, policy, DAILY, rk.Span(QUARTER_PAST_SIX, DAY.end))
    assert abs(_quantity(READINGS, policy, DAILY, DAY) - whole) < QUANTUM
    if kind == "mean period":
        # By the integral, where the level was held: 4 x 4 h / 24 h = 2/3 before 06:00,
        # 160 / 24 = 20/3 after.
        expected = (Fraction(2, 3), Fraction(20, 3))
    else:
        # By time: a quarter of the day, then three quarters.
        expected = (whole / 4, whole * 3 / 4)
    assert abs(first - expected[0]) < QUANTUM
    assert abs(rest - expected[1]) < QUANTUM


def test_a_part_rated_as_of_its_own_end_inside_the_cycle_is_the_cycle_so_far() -> None:
    # As of 06:00 (the part's end, by default), only 02:00's reading is known, and the
    # day so far is the part itself: its peak 4 whole, as the usage page has it for any
    # as_of inside a cycle; a GB-day so far over the 4 hours a level is known of 6: 16/6.
    assert _quantity(READINGS, rk.Max(), DAILY, rk.Span(DAY.start, QUARTER_PAST_SIX)) == 4
    mean = _quantity(
        READINGS, rk.TimeWeightedMean(over="period"), DAILY, rk.Span(DAY.start, QUARTER_PAST_SIX)
    )
    assert abs(mean - Fraction(16, 6)) < QUANTUM


def test_as_of_inside_the_span_still_gives_the_cycle_so_far_whole() -> None:
    # as_of cuts the rated span (the day so far, as of 12:00): the peak so far, 10, whole,
    # and the mean over the 10 hours known so far (4 x 6 + 10 x 4) / 12 h = 64/12.
    assert _quantity(READINGS, rk.Max(), DAILY, DAY, "2026-03-10T12:00:00Z") == 10
    mean = _quantity(
        READINGS, rk.TimeWeightedMean(over="period"), DAILY, DAY, "2026-03-10T12:00:00Z"
    )
    assert abs(mean - Fraction(64, 12)) < QUANTUM


def test_a_tiered_price_prices_the_whole_cycles_peak_for_the_parts_share() -> None:
    # Graduated: 5 users at 10, the rest at 8: 90 for the day's peak of 10. The quarter to
    # 06:00 (rated as of the day's end) pays 90 x 1/4 = 22.50, not the price of 2.5 users.
    tiers = rk.Graduated([rk.Tier(5, 10), rk.Tier(None, 8)])
    meter = rk.Meter("m", "user", rk.Max())
    first = rk.rate(
        READINGS,
        _plan(DAILY, tiers),
        span=rk.Span(DAY.start, QUARTER_PAST_SIX),
        meters=[meter],
        as_of=DAY.end,
    )
    assert [(c.quantity, c.amount) for c in first.charges] == [(Decimal("2.5"), Decimal("22.50"))]


# Per kind of cycle: a cycle, an instant cutting it, and the cut's share of its time.
CYCLES: dict[str, tuple[rk.cycles.Cycle, str, str, Fraction]] = {
    "hourly": (rk.cycles.hourly(), "2026-03-10T05:00:00Z", "2026-03-10T05:15:00Z", Fraction(1, 4)),
    "daily in a zone": (
        rk.cycles.daily(tz="Europe/Zurich"),
        "2026-03-10T12:00:00Z",  # 9 March 23:00Z to 10 March 23:00Z
        "2026-03-10T05:00:00Z",
        Fraction(6, 24),
    ),
    "weekly": (
        rk.cycles.weekly(tz="UTC", weekday=0),
        "2026-03-10T12:00:00Z",  # Monday 9 March to Monday 16 March
        "2026-03-10T00:00:00Z",
        Fraction(1, 7),
    ),
    "monthly": (
        rk.cycles.monthly(tz="UTC"),
        "2026-03-10T12:00:00Z",
        "2026-03-09T00:00:00Z",
        Fraction(8, 31),
    ),
    "anniversary": (
        rk.cycles.monthly(tz="UTC", day=15),
        "2026-03-20T12:00:00Z",  # 15 March to 15 April: 31 days
        "2026-03-23T00:00:00Z",
        Fraction(8, 31),
    ),
    "every 30 days": (
        rk.cycles.every(dt.timedelta(days=30), anchor="2026-01-15T09:00:00Z"),
        "2026-03-01T00:00:00Z",  # 14 February 09:00Z to 16 March 09:00Z
        "2026-02-20T09:00:00Z",
        Fraction(6, 30),
    ),
    "quarterly": (
        rk.cycles.quarterly(tz="UTC"),
        "2026-02-10T00:00:00Z",  # January to March: 90 days
        "2026-01-10T00:00:00Z",
        Fraction(9, 90),
    ),
    "new york month": (
        rk.cycles.monthly(tz="America/New_York"),
        "2025-12-15T00:00:00Z",  # 1 December 05:00Z to 1 January 05:00Z: 744 hours
        "2026-01-01T00:00:00Z",
        Fraction(739, 744),
    ),
}


@pytest.mark.parametrize("kind", sorted(CYCLES))
def test_a_peak_cut_by_the_span_bills_its_share_of_the_whole_cycle(kind: str) -> None:
    cycle_kind, inside, cut, share = CYCLES[kind]
    cycle = cycle_kind.containing(inside)
    # A peak of 9 near the end of the cycle, 5 near its start: 9 for the whole cycle.
    ticks = cycle.duration / 10
    records = [
        rk.Sample("acme", "r", "m", cycle.start + ticks, 5, kind="gauge", id="early"),
        rk.Sample("acme", "r", "m", cycle.end - ticks, 9, kind="gauge", id="late"),
    ]
    before = _quantity(records, rk.Max(), cycle_kind, rk.Span(cycle.start, cut), cycle.end)
    after = _quantity(records, rk.Max(), cycle_kind, rk.Span(cut, cycle.end))
    assert abs(before - 9 * share) < QUANTUM
    assert abs(after - 9 * (1 - share)) < QUANTUM


POLICIES = [policy for policy, _ in AGGREGATES.values()]
HOUR_US = 3_600_000_000


@pytest.mark.property
@settings(max_examples=max(LAWS // 20, 10), deadline=None)  # 20 in CI: 3 to 5 ratings each
@given(
    which=st.integers(0, len(POLICIES) - 1),
    levels=st.lists(
        st.tuples(st.integers(0, 71), st.integers(0, 50)),
        min_size=1,
        max_size=6,
        unique_by=lambda x: x[0],
    ),
    cuts=st.lists(st.integers(1, 71), max_size=3, unique=True),
)
def test_a_span_cut_into_parts_bills_per_line_what_the_span_bills_whole(
    which: int, levels: list[tuple[int, int]], cuts: list[int]
) -> None:
    # Three days of a daily cycle, readings at whole hours, cut at whole hours: per cycle
    # and line, the parts (each rated as of the span's end) add up to the span rated
    # whole, within metering's quantum per part (Fraction oracle).
    start_us = rk.Span(DAY.start, DAY.end).start_us
    span = rk.Span.from_us(start_us, start_us + 72 * HOUR_US)
    meter = rk.Meter("m", "user", POLICIES[which])
    records = [
        rk.Sample(
            "acme",
            "r",
            "m",
            DAY.start + dt.timedelta(hours=h),
            v,
            kind="gauge",
            id=f"s{h}",
        )
        for h, v in levels
    ]
    bounds = [start_us, *sorted(start_us + h * HOUR_US for h in cuts), span.end_us]

    def lines(rated: rk.Span) -> dict[tuple[str, int], Fraction]:
        rating = rk.rate(records, _plan(DAILY), span=rated, meters=[meter], as_of=span.end)
        out: dict[tuple[str, int], Fraction] = {}
        for charge in rating.charges:
            if charge.kind == "usage":
                key = (charge.resource, charge.cycle.start_us)
                out[key] = out.get(key, Fraction(0)) + Fraction(charge.quantity)
        return out

    whole = lines(span)
    parts: dict[tuple[str, int], Fraction] = {}
    for lo, hi in itertools.pairwise(bounds):
        for key, quantity in lines(rk.Span.from_us(lo, hi)).items():
            parts[key] = parts.get(key, Fraction(0)) + quantity
    assert parts.keys() == whole.keys()
    for key, quantity in whole.items():
        assert abs(parts[key] - quantity) <= QUANTUM * len(bounds)


def test_a_raters_start_cuts_no_cycle_its_first_cycle_is_rated_whole() -> None:
    # A rater started on 17 January rates from the start of January: a peak of 31 read on
    # the 3rd is January's, whole (31.00), as rk.rate of all January bills it.
    monthly = rk.cycles.monthly(tz="UTC")
    meter = rk.Meter("m", "user", rk.Max())
    records = [
        rk.Sample("acme", "r", "m", "2026-01-03T00:00:00Z", 31, kind="gauge", id="early"),
        rk.Sample("acme", "r", "m", "2026-01-20T00:00:00Z", 10, kind="gauge", id="later"),
    ]
    rater = rk.Rater(_plan(monthly), [meter], start="2026-01-17T00:00:00Z")
    rater.feed(records)
    invoices = rater.statement("2026-02-01T00:00:00Z").invoices
    january = rk.Span("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")
    batch = rk.rate(records, _plan(monthly), span=january, meters=[meter])
    assert [invoice.total for invoice in invoices] == [Decimal("31.00")]
    assert [invoice.total for invoice in rk.bill(batch)] == [Decimal("31.00")]
