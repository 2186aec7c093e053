"""The feed takes a sample whose amount lies below 1E-30: the statement carries it exactly.

An amount rating computes from inputs in range may lie below 1E-30 (1E-30 GB at 0.08 is
8E-32): a charge carries it, down to 1E-100 (docs/guarantees.md, docs/streaming.md), and
an invoice line rounds from it. So the feed takes such samples (it refused them while
charges stopped at 1E-30), every statement prices them, and the statements add up to
batch rate() of the same records.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

START = "2026-03-01T00:00:00Z"
MARCH = rk.Span(START, "2026-04-01T00:00:00Z")
METERS = [rk.Meter("egress", "GB", rk.Discrete()), rk.Meter("gbs", "GB*s", rk.Discrete())]


def _plan(rate: str) -> rk.Plan:
    # egress per unit at ``rate``; GB-s 10 free, then 0.0000166667 each.
    return rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry("e", "egress", rk.PerUnit(rate)),
            rk.PriceEntry(
                "g", "gbs", rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.0000166667")])
            ),
        ],
    )


def _sample(meter: str, value: str, rid: str, hour: int = 1, resource: str = "fn") -> rk.Sample:
    at = dt.datetime(2026, 3, 2, tzinfo=dt.UTC) + dt.timedelta(hours=hour)
    return rk.Sample("a", resource, meter, at, value, kind="delta", id=rid)


def test_a_tiny_sample_is_taken_and_priced_exactly() -> None:
    # 5 GB of fn (0.40 EUR at 0.08) and 1E-30 GB of fn2: 1E-30 x 0.08 = 8E-32, carried
    # (it was refused whole, naming the tiny sample); the lines are 0.40 and 8E-32.
    rater = rk.Rater(_plan("0.08"), METERS, start=START)
    records = [_sample("egress", "5", "big"), _sample("egress", "1E-30", "tiny", resource="fn2")]
    assert rater.feed(records).accepted == ("big", "tiny")
    lines = rater.statement("2026-03-03T00:00:00Z").lines
    assert sorted(line.amount for line in lines) == [Decimal("8E-32"), Decimal("0.40")]
    batch = rk.rate(records, _plan("0.08"), span=MARCH, meters=METERS)
    assert sorted(charge.amount for charge in batch.charges) == [Decimal("8E-32"), Decimal("0.40")]


def test_a_large_sample_whose_last_digit_is_tiny_is_taken() -> None:
    # 10.00000000000000000000000001 GB-s: 10 free, then 1E-26 at 0.0000166667 =
    # 1.66667E-31, though the value itself is of the order of 10 (was: refused).
    rater = rk.Rater(_plan("0.08"), METERS, start=START)
    assert rater.feed([_sample("gbs", "10.00000000000000000000000001", "fine")]).accepted == (
        "fine",
    )
    lines = rater.statement("2026-03-03T00:00:00Z").lines
    assert sum(line.amount for line in lines) == Decimal("1.66667E-31")


def test_a_small_sample_is_priced_at_any_rate() -> None:
    # 1E-29 GB at 0.08 = 8E-31 (was: refused), and at 3 EUR, 3E-29.
    for rate, amount in [("0.08", "8E-31"), ("3", "3E-29")]:
        rater = rk.Rater(_plan(rate), METERS, start=START)
        assert rater.feed([_sample("egress", "1E-29", "s")]).accepted == ("s",)
        (line,) = rater.statement("2026-03-03T00:00:00Z").lines
        assert line.amount == Decimal(amount)


_VALUES = st.sampled_from(
    [
        "1E-30",
        "1E-26",
        "-1E-30",
        "-1E-26",
        "5",
        "0.5",
        "10",
        "1E-10",
        "10.00000000000000000000000001",
    ]
)
_BATCHES = st.lists(
    st.lists(
        st.tuples(st.sampled_from(["egress", "gbs"]), _VALUES, st.sampled_from(["fn", "fn2"])),
        min_size=1,
        max_size=4,
    ),
    min_size=1,
    max_size=3,
)


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(st.sampled_from(["0.08", "1E-5", "3"]), _BATCHES)
def test_what_the_feed_takes_every_statement_prices(
    rate: str, batches: list[list[tuple[str, str, str]]]
) -> None:
    # The oracle: batch rate() of the records. Every batch is taken (amounts below 1E-30
    # are carried); the closing statement bills what batch bills, to the last digit.
    plan = _plan(rate)
    rater = rk.Rater(plan, METERS, start=START)
    taken: list[rk.Sample] = []
    for number, batch in enumerate(batches):
        records = [
            _sample(meter, value, f"r{number}-{n}", hour=number, resource=resource)
            for n, (meter, value, resource) in enumerate(batch)
        ]
        fed = rater.feed(records)
        assert fed.counts["accepted"] == len(records)
        taken += records
    statement = rater.statement("2026-04-02T00:00:00Z")
    batch = rk.rate(taken, plan, span=MARCH, meters=METERS)
    # (summed as Fractions: exactly, whatever the context)
    assert sum(Fraction(line.amount) for line in statement.lines) == Fraction(batch.total())
