"""A statement that raises leaves the rater as it was: nothing half-done stays behind.

Every expected amount is worked by hand in a comment.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
EGRESS = rk.Meter("egress", "B", rk.Discrete())
# 0.07 per B for the first 10 B, 0.05 to 100 B: a Graduated price refuses more than its last
# tier (a negative cycle-to-date total is priced at 0 instead: corrections net).
PLAN = rk.Plan(
    "p",
    "EUR",
    DAILY,
    [rk.PriceEntry("eg", "egress", rk.Graduated([rk.Tier(10, "0.07"), rk.Tier(100, "0.05")]))],
)
CORRECTION = rk.Sample(
    "a", "v", "egress", "2026-03-01T00:30:00Z", -105, id="s1"
)  # a correction, stamped first
BIG = rk.Sample("a", "v", "egress", "2026-03-01T00:45:00Z", 110, id="s2")  # past 100 B alone


def _snap(rater: rk.Rater) -> str:
    return json.dumps(rater.snapshot(), sort_keys=True)


def _batch(records: list[rk.Record], as_of: str) -> Decimal:
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-04T00:00:00Z")
    return rk.rate(records, PLAN, span=span, meters=[EGRESS], as_of=as_of).total()


def test_a_statement_that_raises_leaves_the_snapshot_and_the_next_statement_rates() -> None:
    rater = rk.Rater(PLAN, [EGRESS], start="2026-03-01T00:00:00Z")
    rater.feed([BIG])
    before = _snap(rater)
    for _ in range(2):  # raising again changes nothing either
        with pytest.raises(rk.BadQuantityError, match="cannot price 110 B of meter 'egress'"):
            rater.statement("2026-03-01T01:00:00Z")
        assert _snap(rater) == before
    assert rater.feed([CORRECTION]).accepted == ("s1",)  # stamped after the last watermark: on time
    # -105 + 110 = 5 B, all in the first tier: 5 * 0.07 = 0.35.
    first = rater.statement("2026-03-01T03:00:00Z")
    assert first.total() == Decimal("0.35") == _batch([BIG, CORRECTION], "2026-03-01T03:00:00Z")
    assert first.anomalies == ()
    # The day closes: its invoice is the same 0.35, and nothing is corrected.
    second = rater.statement("2026-03-02T03:00:00Z")
    assert second.lines == ()
    assert [invoice.total for invoice in second.invoices] == [Decimal("0.35")]


def test_a_raise_after_cycles_closed_keeps_the_closed_state() -> None:
    # Day 1 has 20 B (0.07 * 10 + 0.05 * 10 = 1.20), closed at the first statement; 110 B
    # on 2 March then fail at the statement that would close 2 March (and compact 1 March).
    day1 = rk.Sample("a", "v", "egress", "2026-03-01T00:30:00Z", 20, id="s0")
    day2_correction = rk.Sample("a", "v", "egress", "2026-03-02T00:30:00Z", -105, id="s3")
    day2_big = rk.Sample("a", "v", "egress", "2026-03-02T00:45:00Z", 110, id="s4")
    rater = rk.Rater(PLAN, [EGRESS], start="2026-03-01T00:00:00Z")
    rater.feed([day1])
    assert rater.statement("2026-03-02T00:10:00Z").total() == Decimal("1.20")
    rater.feed([day2_big])
    before = _snap(rater)
    kept = rater.copy()
    with pytest.raises(rk.BadQuantityError):
        rater.statement("2026-03-03T01:00:00Z")
    assert _snap(rater) == before == _snap(kept)
    rater.feed([day2_correction])
    # 2 March: -105 + 110 = 5 B -> 5 * 0.07 = 0.35; 1.20 + 0.35 = 1.55, as one batch.
    late = rater.statement("2026-03-03T01:00:00Z")
    assert late.total() == Decimal("0.35")
    assert [invoice.total for invoice in late.invoices] == [Decimal("0.35")]
    assert Decimal("1.20") + late.total() == _batch(
        [day1, day2_big, day2_correction], "2026-03-03T01:00:00Z"
    )
