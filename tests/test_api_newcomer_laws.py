"""Laws of a metered API's refunds and free calls, against a ``fractions.Fraction`` oracle.

The oracle is the pricing page read literally: a cycle's calls, refunds included, cost
the price of the cycle's net total less the free allowance (allowances are consumed in
time order, and a refund takes back the billed units first, last in, first out), in
whatever order the records come and however the topic delivers them to the streaming
rater (duplicates, a statement between, a restore from the snapshot before it).
"""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

CALLS = rk.Meter("calls", "call", rk.Discrete())
LONDON = rk.cycles.monthly(tz="Europe/London", day=29)
# 29 March 00:00 GMT .. 29 April 00:00 BST: 743 hours, across the spring change.
CYCLE = rk.Span("2026-03-29T00:00:00Z", "2026-04-28T23:00:00Z")
BOUNDS = [(Fraction(100), Fraction("0.03")), (Fraction(500), Fraction("0.02"))]
LAST = Fraction("0.011")
MODELS = {
    "volume": rk.Volume([rk.Tier(100, "0.03"), rk.Tier(500, "0.02"), rk.Tier(None, "0.011")]),
    "graduated": rk.Graduated([rk.Tier(100, "0.03"), rk.Tier(500, "0.02"), rk.Tier(None, "0.011")]),
}


def oracle(model: str, quantity: Fraction) -> Fraction:
    """The price of ``quantity`` calls, tier by tier, as the pricing page defines it."""
    if model == "volume":
        return quantity * next((unit for bound, unit in BOUNDS if quantity <= bound), LAST)
    amount, below = Fraction(0), Fraction(0)
    for bound, unit in BOUNDS:
        amount += (min(quantity, bound) - below) * unit if quantity > below else 0
        below = bound
    return amount + (quantity - below) * LAST if quantity > below else amount


CALL = st.tuples(
    st.integers(min_value=0, max_value=743 * 60 - 1),  # minute of the cycle
    st.sampled_from([1, 40, 99, 100, 101, 250, 499, 501, -40, -150, -300]),
)


@pytest.mark.property
@settings(max_examples=LAWS // 2, deadline=None)
@given(
    st.lists(CALL, min_size=1, max_size=8),
    st.sampled_from(sorted(MODELS)),
    st.sampled_from([0, 30, 400]),
    st.randoms(use_true_random=False),
)
def test_refunds_and_free_calls_cost_the_price_of_the_net_total_in_batch_and_stream(
    drawn: list[tuple[int, int]], model: str, free: int, shuffle: object
) -> None:
    net = sum(quantity for _, quantity in drawn)
    allowances = [rk.Allowance("calls", free)] if free else []
    plan = rk.Plan(
        "api",
        "USD",
        LONDON,
        [rk.PriceEntry("calls", "calls", MODELS[model])],
        allowances=allowances,
    )
    records = [
        rk.Sample(
            "acme", "key", "calls", CYCLE.start + dt.timedelta(minutes=minute), quantity, id=f"r{n}"
        )
        for n, (minute, quantity) in enumerate(drawn)
    ]
    rating = rk.rate(records, plan, span=CYCLE, meters=[CALLS])
    expected = oracle(model, max(Fraction(net - free), Fraction(0)))
    assert Fraction(rating.total()) == expected
    assert any(a.kind == "negative_total" for a in rating.anomalies) == (net < 0)
    # The topic: shuffled, each record twice, a statement halfway, a restore from the
    # snapshot taken at it, then everything again; the lines add up to the same total.
    topic = records * 2
    shuffle.shuffle(topic)  # type: ignore[attr-defined]
    rater = rk.Rater(plan, [CALLS], start=CYCLE.start, horizon=dt.timedelta(days=1))
    half = len(topic) // 2
    rater.feed(topic[:half])
    lines = sum(Fraction(line.amount) for line in rater.statement("2026-04-12T00:00:00Z").lines)
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [CALLS])
    rater.feed(topic)
    closing = rater.statement("2026-04-30T00:00:00Z")
    lines += sum(Fraction(line.amount) for line in closing.lines if line.cycle == CYCLE)
    assert lines == expected
    (invoice,) = closing.invoices
    assert invoice.precise_total == rating.total()
