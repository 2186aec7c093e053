"""What a feed says does not depend on the order of its batch.

A record is judged against the records taken before it (a counter reading counts from
the reading before it, a sequenced event reaches back to the events it is ordered
before), so the feed judges a batch's records in an order of its own, which depends on
the records alone (see `ratekit._rater_order`). Worked by hand in the comments; a
property permutes random batches (and `tests/test_rater_feed_order.py` batches fed
after a compaction).
"""

from __future__ import annotations

import random
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tests import _rater_streams as streams
from tests._budget import FLOOR, LAWS

import ratekit as rk
from ratekit._instants import format_us

EGRESS = rk.Meter("egress", "B", rk.Counter())
DAILY = rk.Plan("p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("e", "egress", rk.PerUnit("0.001"))])  # fmt: skip


def _reading(at: str, value: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", "ip-1", "egress", at, value, kind="counter", id=record_id)


G1 = _reading("2026-03-03T12:00:00Z", 1000, "g1")
G2 = _reading("2026-03-03T18:00:00Z", 1600, "g2")


def _compacted() -> rk.Rater:
    """A reading at noon on 1 March, compacted: the kept cycles start on 2 March."""
    rater = rk.Rater(DAILY, [EGRESS], start="2026-03-01T00:00:00Z")
    rater.feed([_reading("2026-03-01T12:00:00Z", 0, "g0")])
    rater.statement("2026-03-03T00:00:00Z")
    return rater


def test_two_readings_listed_later_first_say_only_the_true_part_too_late() -> None:
    # g1 counts 1000 B from g0 over 48 h, 12 of them on compacted 1 March: 250 B too late.
    # g2 counts 600 B from g1, all on 3 March: nothing of it is too late, whichever is
    # listed first (listed first, g2 was judged from g0 and said 355.55... B too late).
    for batch in ([G1, G2], [G2, G1]):
        rater = _compacted()
        feed = rater.feed(batch)
        assert feed.accepted == tuple(record.id for record in batch)  # as listed
        assert feed.too_late == ("g1",)
        (anomaly,) = feed.anomalies
        assert "its part before 2026-03-02T00:00:00Z, 250 B, belonged" in anomaly.message
        # 2 March: g1's 500 B of 24 h (corrected: it was closed); 3 March: 250 + 600.
        lines = rater.statement("2026-03-04T00:00:00Z").lines
        assert [(line.cycle.start.day, line.quantity) for line in lines] == [
            (2, Decimal(500)),
            (3, Decimal(850)),
        ]


def _report(feed: rk.Feed) -> tuple[object, ...]:
    """What a feed says, but for the order of its lists."""
    return (
        feed.counts,
        *(
            sorted(ids)
            for ids in (feed.accepted, feed.duplicates, feed.conflicting, feed.late, feed.too_late)
        ),
        sorted(feed.anomalies, key=repr),
    )


@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(seed=st.integers(0, 2**32), shuffle=st.integers(0, 2**32))
def test_permuting_a_batch_never_changes_what_the_feed_says(seed: int, shuffle: int) -> None:
    rng = random.Random(seed)
    stream = streams.records(
        rng,
        gaps=True,
        early=True,
        sequenced=rng.random() < 0.5,
        gauges=rng.random() < 0.5,
        ties=rng.random() < 0.5,
    )
    stream.sort(key=lambda record: record.at_us)
    plans = streams.OWN
    rater = rk.Rater(plans, streams.METERS, start=format_us(streams.T0))
    # Fed in time order up to a watermark that compacts a day or two; the rest (and a few
    # replays) in one batch: readings on time, reaching back, or stamped in compacted days.
    cut = streams.T0 + rng.randrange(1, 4) * streams.DAY_US
    rater.feed([record for record in stream if record.at_us < cut])
    rater.statement(format_us(cut + rng.randrange(0, 6) * streams.HOUR_US))
    batch = [record for record in stream if record.at_us >= cut or rng.random() < 0.3]
    batch += [rng.choice(stream) for _ in range(rng.randint(0, 2))]
    # Another version of an id in the same batch (other content): which stands must not
    # depend on the order listed either (the one listed first stood).
    with_ids = [record for record in batch if type(record) is not rk.Inventory and record.id]
    for record in rng.sample(with_ids, min(len(with_ids), rng.randint(0, 2))):
        version = streams.other_version(record)
        batch.append(version)
    other = batch[:]
    random.Random(shuffle).shuffle(other)
    first, second = rater.copy(), rater.copy()
    assert _report(first.feed(batch)) == _report(second.feed(other))
    end = format_us(streams.T0 + (streams.DAYS + 1) * streams.DAY_US)
    one, two = first.statement(end), second.statement(end)
    assert one.lines == two.lines
    assert sorted(one.anomalies, key=repr) == sorted(two.anomalies, key=repr)
