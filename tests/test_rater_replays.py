"""A replay of a record applied before, once its cycle is compacted, is said as it may be.

The rater remembers the ids of the cycle compacted last only (and no id-less record once
compacted): an older replay is too late. Its anomaly said "its quantity ... is not
applied", which reads as lost usage although the record was charged when it came; it now
says that it may be a replay of a record applied before and forgotten, which the rater
cannot tell, and the money stays right (no double count).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import ratekit as rk

EG = rk.Meter("eg", "GB", rk.Discrete())
PLAN = rk.Plan("p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("eg", "eg", rk.PerUnit(1))])


@pytest.mark.parametrize(
    ("record_id", "named"), [("s1", "sample 's1'"), (None, "sample of 'r' of 'a'")]
)
def test_a_replay_after_its_cycle_is_compacted_is_said_to_be_possibly_a_replay(
    record_id: str | None, named: str
) -> None:
    sample = rk.Sample("a", "r", "eg", "2026-03-01T10:00:00Z", 5, id=record_id)
    rater = rk.Rater(PLAN, [EG], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(hours=1))
    rater.feed([sample])
    total = Decimal(0)
    for as_of in ("2026-03-02T02:00:00Z", "2026-03-03T02:00:00Z", "2026-03-04T02:00:00Z"):
        total += sum((line.amount for line in rater.statement(as_of).lines), Decimal(0))
    assert total == 5  # 5 GB x 1, charged on 1 March
    feed = rater.feed([sample])
    assert feed.counts["too_late"] == 1
    (anomaly,) = feed.anomalies
    assert anomaly.message == (
        f"{named} stamped 2026-03-01T10:00:00Z is older than every cycle the rater keeps "
        "(from 2026-03-03T00:00:00Z; its cycle was closed and compacted, or comes before the "
        "rater's start): its quantity 5 GB (eg) is not applied. It may be a replay of a record "
        "applied before and forgotten with its compacted cycle (then it was charged then, "
        "and nothing is lost): the rater cannot tell the two apart."
    )
    later = sum((line.amount for line in rater.statement("2026-03-05T02:00:00Z").lines), Decimal(0))
    assert later == 0  # not charged twice


@pytest.mark.parametrize("one_batch", [True, False])
def test_a_zero_delta_without_an_id_at_a_watermark_is_no_replay(one_batch: bool) -> None:
    # 1 GB at 12:00, then a zero delta without an id stamped at 13:00, the first
    # watermark. The rater continues the resource's egress piece from 13:00 with a zero
    # delta of its own there: equal to the fed one, which metering took for a replay
    # ("received twice"). Batch rate() says nothing of it, nor does the stream now; and
    # the stream bills the 1 GB once: 1 x 1 = 1.
    records = [
        rk.Sample("acme", "vm", "eg", "2026-03-01T12:00:00Z", 1),
        rk.Sample("acme", "vm", "eg", "2026-03-01T13:00:00Z", 0),
    ]
    rater = rk.Rater(PLAN, [EG], start="2026-03-01T00:00:00Z")
    for batch in [records] if one_batch else [[r] for r in records]:
        rater.feed(batch)
    statements = [rater.statement(f"2026-03-01T{h}:00:00Z") for h in (13, 14)]
    assert [a for s in statements for a in s.anomalies] == []
    assert sum(s.total() for s in statements) == 1
    day = rk.Span("2026-03-01T00:00:00Z", "2026-03-01T14:00:00Z")
    assert rk.rate(records, PLAN, span=day, meters=[EG]).anomalies == ()
