"""A peak's pieces in the stream share the price of the cycle's whole peak, as in batch.

A peak (`Max()`) under a graduated price, with a cheaper per-unit entry for two days
of its weekly cycle: batch prices the whole peak and each piece takes its share
(docs/usage.md, Aggregations that do not add up). The rater prices a peak's rows again
with the whole cycle at each statement: a linear piece's charge kept from an earlier
statement would leave it out of the whole.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings
from tests._budget import LAWS

import ratekit as rk

PEAK = rk.Meter("peak", "user", rk.Max())
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.weekly(tz="UTC"),
    [
        rk.PriceEntry("base", "peak", rk.Graduated([rk.Tier(200, "0.05"), rk.Tier(None, "0.03")])),
        rk.PriceEntry(
            "cheap",
            "peak",
            rk.PerUnit("0.001"),
            start="2026-03-11T00:00:00Z",
            end="2026-03-13T00:00:00Z",
            priority=2,
        ),
    ],
)
WEEK = rk.Span("2026-03-09T00:00:00Z", "2026-03-16T00:00:00Z")
START, END = "2026-03-09T00:00:00Z", "2026-04-03T00:00:00Z"
RECORDS = [rk.Sample("a", "r0", "peak", "2026-03-12T21:00:00Z", 700, kind="gauge", id="m1")]


@pytest.mark.parametrize(
    "marks",
    [[], ["2026-03-17T00:00:00Z"], ["2026-03-12T22:00:00Z", "2026-03-17T00:00:00Z"]],
)
def test_a_peaks_pieces_share_its_whole_price_at_every_statement(marks: list[str]) -> None:
    # The week's peak is 700: G(700) = 200 * 0.05 + 500 * 0.03 = 25.00. The base entry
    # holds 5 of the 7 days: 25 * 5/7 = 17.857142...; the cheap one 2 days at 0.001:
    # 700 * 2/7 * 0.001 = 0.20. The week: 18.057142... (a statement in the next week
    # used to add 1.142857... more: G(500) = 19.00 for the base share alone).
    batch = rk.rate(RECORDS, [rk.Assignment("a", PLAN)], span=rk.Span(START, END), meters=[PEAK])
    oracle = Fraction(25) * 5 / 7 + Fraction(700) * 2 / 7 * Fraction("0.001")
    assert abs(Fraction(batch.total(cycle=WEEK)) - oracle) < Fraction(1, 10**55)  # 60 digits
    rater = rk.Rater(
        [rk.Assignment("a", PLAN)], [PEAK], start=START, horizon=dt.timedelta(days=100)
    )
    rater.feed(RECORDS)
    lines = [x for mark in [*marks, END] for x in rater.statement(mark).lines if x.cycle == WEEK]
    assert sum((Fraction(x.amount) for x in lines), Fraction(0)) == Fraction(
        batch.total(cycle=WEEK)
    )


MEAN = rk.Meter("mem", "MB", rk.TimeWeightedMean())
NIGHTS = rk.Plan(
    "n",
    "EUR",
    rk.cycles.weekly(tz="UTC"),
    [
        rk.PriceEntry("base", "peak", rk.Graduated([rk.Tier(200, "0.05"), rk.Tier(None, "0.03")])),
        rk.PriceEntry("base-mem", "mem", rk.Volume([rk.Tier(500, "0.02"), rk.Tier(None, "0.01")])),
        *(
            rk.PriceEntry(
                f"night-{meter}",
                meter,
                rk.PerUnit("0.001"),
                window=rk.windows.daily("22:00", "06:00", tz="UTC"),
                priority=2,
            )
            for meter in ("peak", "mem")
        ),
    ],
)
HOURS = 24 * 21  # three weeks from 9 March


@pytest.mark.property
@settings(max_examples=LAWS // 10, deadline=None)
@given(
    readings=st.lists(
        st.tuples(st.integers(0, HOURS - 1), st.sampled_from(["peak", "mem"]), st.integers(0, 900)),
        max_size=8,
    ),
    marks=st.lists(st.integers(1, HOURS + 24), max_size=4, unique=True),
)
def test_the_streams_peaks_and_means_add_up_to_batch_at_any_statements(
    readings: list[tuple[int, str, int]], marks: list[int]
) -> None:
    # A peak and a mean under tiered prices, a cheaper night entry each: whatever the
    # statements, the stream's lines per cycle add up to batch to the last digit.
    at = 1773014400000000  # 2026-03-09T00:00:00Z
    records = [
        rk.Sample("a", "r0", meter, rk.Span.from_us(at + h * 3_600_000_000, at + HOURS * 3_600_000_000).start,
                  value, kind="gauge", id=f"g{n}")
        for n, (h, meter, value) in enumerate(readings)
    ]  # fmt: skip
    end = rk.Span.from_us(at, at + (HOURS + 48) * 3_600_000_000)
    plans = [rk.Assignment("a", NIGHTS)]
    batch = rk.rate(records, plans, span=end, meters=[PEAK, MEAN])
    rater = rk.Rater(plans, [PEAK, MEAN], start=end.start, horizon=dt.timedelta(days=100))
    rater.feed(records)
    lines = [
        x
        for h in [*sorted(marks), HOURS + 48]
        for x in rater.statement(rk.Span.from_us(at, at + h * 3_600_000_000).end).lines
    ]
    for cycle in {c.cycle for c in batch.charges} | {x.cycle for x in lines}:
        stream = sum((Fraction(x.amount) for x in lines if x.cycle == cycle), Fraction(0))
        assert stream == sum(
            (Fraction(c.amount) for c in batch.charges if c.cycle == cycle), Fraction(0)
        )
