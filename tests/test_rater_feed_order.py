"""After a compaction too, the order of a batch changes nothing the feed says or does.

Records stamped before the kept cycles are placed in (reconciled with) the compacted
state one after another: the feed places them in the order metering applies them (by
instant), whatever the order they are listed in, so that each sees the ones before it.
Every record of a batch that a ``"too_late"`` anomaly of its feed names is in
``Feed.too_late`` (and, when what it changes from the kept cycles on is applied, in
``accepted`` or ``late`` as well). Worked by hand in the comments; a property permutes
random batches fed after a compaction.
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

VM = rk.Meter("vm", "hour", rk.OnOff())
TIERED = rk.Plan(
    "p",
    "EUR",
    rk.cycles.hourly(),
    [
        rk.PriceEntry("std", "vm", rk.PerUnit(1)),
        rk.PriceEntry("gold", "vm", rk.PerUnit(10), where={"tier": "gold"}, priority=1),
    ],
)
GOLD = rk.Event("a", "v", "2026-03-01T00:50:00Z", {"tier": "gold"}, id="gold")
ZONE = rk.Event("a", "v", "2026-03-01T01:20:00Z", {"zone": "z1"}, id="zone")


def _compacted_vm() -> rk.Rater:
    """A VM started at 00:30, hourly cycles: at 03:00 the kept cycles start at 02:00."""
    rater = rk.Rater(TIERED, [VM], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("a", "v", "2026-03-01T00:30:00Z", kind="start", id="on")])
    rater.statement("2026-03-01T02:00:00Z")
    rater.statement("2026-03-01T03:00:00Z")  # 02:00 billed at std: 1 h x 1 = 1
    return rater


def test_two_events_too_late_are_placed_in_time_order_whatever_the_order_listed() -> None:
    # Both updates lie in compacted cycles (before 02:00). Placed by instant, gold (00:50)
    # then zone (01:20), which keeps the tier (an update merges): from 02:00 on the VM
    # runs as gold. Listed zone first, zone was placed first and gold (older than the
    # state's last event, 01:20) could not be placed: billed std, gold said not applied.
    for batch in ([GOLD, ZONE], [ZONE, GOLD]):
        rater = _compacted_vm()
        feed = rater.feed(batch)
        assert feed.too_late == tuple(record.id for record in batch)  # as listed
        assert feed.accepted == ()
        assert [a.record_ids for a in feed.anomalies] == [("gold",)] * 2 + [("zone",)] * 2
        assert not any("cannot be placed" in a.message for a in feed.anomalies)
        # Each part before 02:00 is named under both descriptions: taken back under the
        # old one, metered under the new. Gold: 00:50..02:00 = 7/6 h; zone: 01:20..02:00
        # = 2/3 h, under gold (placed after gold, it sees it), then gold with the zone
        # (quantities to 24 decimal places).
        seven_sixths = Decimal("1.166666666666666666666667")
        two_thirds = Decimal("0.666666666666666666666667")
        described = [
            (a.quantity, a.message.split("under description ")[1].split(", belonged")[0])
            for a in feed.anomalies
        ]
        assert described == [
            (-seven_sixths, "{}"),
            (seven_sixths, "{'tier': 'gold'}"),
            (-two_thirds, "{'tier': 'gold'}"),
            (two_thirds, "{'tier': 'gold', 'zone': 'z1'}"),
        ]
        lines = rater.statement("2026-03-01T04:00:00Z").lines
        # 02:00 (closed, kept): std's 1 h x 1 = 1 reversed, gold 1 h x 10 = 10 in its
        # place; 03:00 (open): gold 1 h x 10 = 10. As batch rate() bills 02:00 and 03:00.
        assert [(x.role, x.entry, x.cycle.start.hour, x.amount) for x in lines] == [
            ("charge", "gold", 2, Decimal(10)),
            ("reversal", "std", 2, Decimal(-1)),
            ("charge", "gold", 3, Decimal(10)),
        ]
    records = [rk.Event("a", "v", "2026-03-01T00:30:00Z", kind="start", id="on"), GOLD, ZONE]
    span = rk.Span("2026-03-01T02:00:00Z", "2026-03-01T04:00:00Z")
    batch = rk.rate(records, TIERED, span=span, meters=[VM])
    assert [(c.entry, c.amount) for c in batch.charges] == [("gold", 10), ("gold", 10)]


def test_a_record_moving_a_last_seen_closing_into_compacted_cycles_is_listed_too_late() -> None:
    # vm-7 started 1 March 23:45, closed by inv7 (3 March, last_seen) at its last sign of
    # life: 23:45, so 1 March billed 0.25 h. x7 stops it on 3 March at 10:00 once 1 March
    # is compacted: the closing moves into the kept cycles; 0.25 h of 1 March stays
    # unbilled (not applied: too late), the rest is applied (accepted): 2 March 24 h,
    # 3 March 10 h = 34.
    daily = rk.Plan("d", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm", rk.PerUnit(1))])  # fmt: skip
    rater = rk.Rater(daily, [VM], start="2026-03-01T00:00:00Z")
    rater.feed(
        [
            rk.Event("acme", "vm-7", "2026-03-01T23:45:00Z", kind="start", id="s7"),
            rk.Inventory("2026-03-03T12:00:00Z", [], close="last_seen", id="inv7"),
        ]
    )
    assert rater.statement("2026-03-02T00:00:00Z").total() == Decimal("0.25")
    assert rater.statement("2026-03-03T13:00:00Z").total() == Decimal("-0.25")
    feed = rater.feed([rk.Event("acme", "vm-7", "2026-03-03T10:00:00Z", kind="stop", id="x7")])
    assert (feed.accepted, feed.too_late, feed.late) == (("x7",), ("x7",), ())
    assert feed.counts == {
        "accepted": 1,
        "duplicates": 0,
        "conflicting": 0,
        "late": 0,
        "too_late": 1,
    }
    (anomaly,) = feed.anomalies
    assert anomaly.record_ids == ("x7", "inv7")
    assert "(0.25 hours running)" in anomaly.message
    assert rater.statement("2026-03-04T00:00:00Z").total() == Decimal(34)


def _batch(rng: random.Random) -> tuple[rk.Rater, list[streams.Record]]:
    """A rater fed a random stream up to a compaction, and a batch fed after it.

    The batch holds the records on or after the cut, records stamped before it that were
    never fed (too late: placed in or reconciled with the compacted state), replays and
    other versions of some ids.
    """
    stream = streams.records(
        rng,
        gaps=True,
        early=rng.random() < 0.5,
        sequenced=rng.random() < 0.5,
        gauges=rng.random() < 0.5,
        ties=rng.random() < 0.5,
        anonymous=rng.random() < 0.3,
        last_seen=rng.random() < 0.3,
    )
    stream.sort(key=lambda record: record.at_us)
    rater = rk.Rater(streams.OWN, streams.METERS, start=format_us(streams.T0))
    cut = streams.T0 + rng.randrange(1, 4) * streams.DAY_US
    before = [record for record in stream if record.at_us < cut]
    held = [record for record in before if rng.random() < 0.25]
    rater.feed([record for record in before if not any(record is h for h in held)])
    rater.statement(format_us(cut + rng.randrange(0, 6) * streams.HOUR_US))
    batch = [record for record in stream if record.at_us >= cut] + held
    batch += [rng.choice(stream) for _ in range(rng.randint(0, 2))]
    with_ids = [record for record in batch if type(record) is not rk.Inventory and record.id]
    batch += [
        streams.other_version(record)
        for record in rng.sample(with_ids, min(len(with_ids), rng.randint(0, 2)))
    ]
    return rater, batch


@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(seed=st.integers(0, 2**32), shuffle=st.integers(0, 2**32))
def test_a_batch_after_a_compaction_says_and_does_the_same_in_any_order(
    seed: int, shuffle: int
) -> None:
    rater, batch = _batch(random.Random(seed))
    shuffled = batch[:]
    random.Random(shuffle).shuffle(shuffled)
    end = format_us(streams.T0 + (streams.DAYS + 1) * streams.DAY_US)
    seen: list[tuple[object, ...]] = []
    for listed in (batch, shuffled, batch[::-1]):
        copy = rater.copy()
        feed = copy.feed(listed)
        # Every record of the batch a too_late anomaly names is listed too late.
        assert streams.named_too_late(feed, listed) <= set(feed.too_late)
        fed = copy.snapshot()
        statement = copy.statement(end)
        seen.append((streams.feed_said(feed), fed, statement, copy.snapshot()))
    assert seen[1] == seen[0]
    assert seen[2] == seen[0]
