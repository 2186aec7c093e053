"""Faults an e-mail service met, each on its smallest input, fixed.

docs/streaming.md "Lines, increments and corrections" and docs/lateness.md "What a feed
and a statement say of each record"; docs/pricing.md "A cycle rated in pieces".
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

SENT = rk.Meter("sent", "message", rk.Discrete())
MONTHS = rk.cycles.monthly(tz="UTC")


@pytest.mark.parametrize("value", [400, 0, -300])
@pytest.mark.parametrize("minimum", [False, True])
def test_a_too_late_record_does_not_restate_the_open_cycle(value: int, minimum: bool) -> None:
    """A record fed too late is not applied (docs/lateness.md, feed.too_late): the next
    statement says the open cycle's fee (and minimum) moved on with time alone, as
    increments, not as lines a record corrected."""
    plan = rk.Plan(
        "p",
        "USD",
        MONTHS,
        [rk.PriceEntry("m", "sent", rk.PerUnit("0.001"))],
        fees=[rk.Fee("ip", 30)],
        minimums=[rk.Minimum(31)] if minimum else [],
    )
    rater = rk.Rater(plan, [SENT], start="2026-01-01T00:00:00Z", horizon=dt.timedelta(days=1))
    rater.feed([rk.Sample("acme", "smtp", "sent", "2026-01-02T00:00:00Z", 700, id="a")])
    rater.statement("2026-03-02T00:00:00Z")  # January and February closed; January compacted
    late = rk.Sample("acme", "smtp", "sent", "2026-01-03T00:00:00Z", value, id="b")
    feed = rater.feed([late])
    assert feed.too_late == ("b",)
    lines = sorted(rater.statement("2026-03-03T00:00:00Z").lines, key=lambda line: line.kind)
    # One more day of March's 31 for the fee: 30 / 31 = 0.967741935483870967741935...;
    # for the minimum (no usage in March), 31 x 2/31 - 31 x 1/31 = 1
    expected = (
        [("increment", "fee"), ("increment", "minimum")] if minimum else [("increment", "fee")]
    )
    assert [(line.role, line.kind) for line in lines] == expected
    assert abs(Fraction(lines[0].amount) - Fraction(30, 31)) < Fraction(1, 10**55)
    if minimum:
        assert lines[1].amount == 1


def test_a_too_late_record_of_a_resource_never_seen_moves_the_fee_on_as_an_increment() -> None:
    """The companion of the test above: the same record for a resource the rater never
    saw says the fee moved on with time alone, as a duplicate does."""
    plan = rk.Plan(
        "p",
        "USD",
        MONTHS,
        [rk.PriceEntry("m", "sent", rk.PerUnit("0.001"))],
        fees=[rk.Fee("ip", 30)],
    )
    rater = rk.Rater(plan, [SENT], start="2026-01-01T00:00:00Z", horizon=dt.timedelta(days=1))
    rater.feed([rk.Sample("acme", "smtp", "sent", "2026-01-02T00:00:00Z", 700, id="a")])
    rater.statement("2026-03-02T00:00:00Z")
    feed = rater.feed([rk.Sample("acme", "smtp-2", "sent", "2026-01-03T00:00:00Z", 400, id="b")])
    assert feed.too_late == ("b",)
    lines = rater.statement("2026-03-03T00:00:00Z").lines
    assert [(line.role, line.kind) for line in lines] == [("increment", "fee")]
    # One more day of March's 31: 30 / 31.
    assert abs(Fraction(lines[0].amount) - Fraction(30, 31)) < Fraction(1, 10**55)


def test_a_cycle_cut_by_the_quarter_adds_up_under_a_minimum() -> None:
    """Finance rating a calendar quarter cuts the customers' anniversary cycles; with a
    committed minimum the pieces still add up (docs/pricing.md 'A cycle rated in
    pieces'). A 30-day cycle (Kolkata, anniversary the 31st), 900 messages on day 1 and
    300 after, Graduated 1,000 at 0.001 then 0.0005, fee 30, Minimum(5). Whole:
    1.10 + 30 + 3.90 = 35.00. Cut after day 1: the top-up so far there is
    max(0, 5 x 1/30 - 0.90) = 0, so the first piece is 0.90 + 1 + 0; the second
    max(0, 5 - 1.10) - 0 = 3.90: 0.20 + 29 + 3.90 (each piece topping up its own slice
    made it 0.20 + 29 + 4.8333... - 0.20)."""
    tz = "Asia/Kolkata"
    cycle = rk.cycles.monthly(tz=tz, day=31)
    plan = rk.Plan(
        "grad",
        "USD",
        cycle,
        [
            rk.PriceEntry(
                "m", "sent", rk.Graduated([rk.Tier(1000, "0.001"), rk.Tier(None, "0.0005")])
            )
        ],
        fees=[rk.Fee("ip", 30)],
        minimums=[rk.Minimum(5)],
        proration="days",
        tz=tz,
    )
    april = cycle.containing("2028-04-10T00:00:00Z")  # 31 Mar .. 30 Apr 2028, 30 days
    quarter_end = dt.datetime.fromisoformat("2028-04-01T00:00:00+05:30")
    recs = [
        rk.Sample("acme", "smtp", "sent", "2028-03-31T00:00:00Z", 900, id="a"),
        rk.Sample("acme", "smtp", "sent", "2028-04-03T00:00:00Z", 300, id="b"),
    ]
    whole = rk.rate(recs, plan, span=april, meters=[SENT])
    assert whole.total() == Decimal("35.0000")
    pieces = [
        rk.rate(recs, plan, span=span, meters=[SENT], accounts=["acme"], as_of=april.end)
        for span in (rk.Span(april.start, quarter_end), rk.Span(quarter_end, april.end))
    ]
    assert sum(Fraction(p.total()) for p in pieces) == Fraction(whole.total())
