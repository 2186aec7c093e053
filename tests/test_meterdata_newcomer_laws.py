"""Laws of a metering pipeline's numbers, against a ``fractions.Fraction`` oracle.

Byte counters up to 1E+27 and corrections with up to 30 decimals, each given as an int,
a Decimal or its text, rate to the exact sum of their values (the oracle), in batch and in
the stream restored from JSON between feeds, and the shape the numbers came in changes
no record, no charge and no snapshot (docs/guarantees.md, "Numbers" and "Decimal
context"; docs/streaming.md).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

T0_US = 1772409600000000  # 2026-03-02T00:00:00Z
MINUTE_US = 60_000_000
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
EGRESS = rk.Meter("egress", "B", rk.Discrete())
PLAN = rk.Plan(
    "one", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("eg", "egress", rk.PerUnit(1))]
)

# A sum of 8 values below 1E+28 with at most 30 decimals needs at most 59 digits: exact.
WHOLE = st.integers(min_value=-(10**27) + 1, max_value=10**27 - 1)
FINE = st.integers(min_value=-(10**29) + 1, max_value=10**29 - 1).map(
    lambda k: Decimal(k).scaleb(-30)
)
VALUE = st.one_of(WHOLE, FINE)


def batch(values: list[object]) -> rk.RecordBatch:
    return rk.RecordBatch.from_tuples(
        samples=[
            ("acme", "ip-1", "egress", T0_US + i * MINUTE_US, value, "delta", f"s{i}")
            for i, value in enumerate(values)
        ]
    )


def stream(values: list[object], cut: int) -> tuple[str, Decimal]:
    records = list(batch(values))
    rater = rk.Rater(PLAN, [EGRESS], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=40))
    rater.feed(records[:cut])
    rater.statement("2026-03-02T00:00:00Z")
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [EGRESS])
    rater.feed(records[cut:])
    total = rater.statement("2026-04-01T00:00:00Z").total()
    return json.dumps(rater.snapshot()), total


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, 10), deadline=None)
@given(
    st.lists(VALUE, min_size=1, max_size=8),
    st.integers(min_value=0, max_value=8),
    st.integers(0, 2),
)
def test_a_months_usage_in_any_shape_costs_its_exact_sum(
    values: list[int | Decimal], cut: int, prec: int
) -> None:
    exact = sum(Fraction(v) for v in values)
    shapes = [
        list(values),
        [Decimal(v) for v in values],
        [str(v) for v in values],
    ]
    seen = set()
    # A caller's low precision and trapped Inexact change nothing (3, 4 or 5 digits).
    with decimal.localcontext(prec=3 + prec, traps=[decimal.Inexact, decimal.Rounded]):
        for shape in shapes:
            rating = rk.rate(batch(shape), PLAN, span=MARCH, meters=[EGRESS])
            assert Fraction(rating.total()) == exact
            snapshot, streamed = stream(shape, min(cut, len(shape)))
            assert streamed == rating.total()
            seen.add((json.dumps([rk.to_row(c) for c in rating.charges]), snapshot))
    assert len(seen) == 1
