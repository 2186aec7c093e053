"""The streaming rater and `Counter(from_zero=True)`: the first reading counts from the start.

Every expected amount is worked by hand in a comment; each stream is compared with one
batch `rate()` of all its records.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
CTR = rk.Meter("ctr", "B", rk.Counter(from_zero=True))
PLAN = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("c", "ctr", rk.PerUnit(1))])
START = "2026-03-01T00:00:00Z"


def _batch(records: list[rk.Record], as_of: str) -> Decimal:
    span = rk.Span(START, "2026-03-06T00:00:00Z")
    return rk.rate(records, PLAN, span=span, meters=[CTR], as_of=as_of).total()


def _by_day(statement: rk.Statement) -> list[tuple[str, int, Decimal]]:
    return [(line.role, line.cycle.start.day, line.quantity) for line in statement.lines]


def test_an_update_after_the_start_does_not_rebase_the_counter_after_compaction() -> None:
    # Started 1 March 12:00, updated at 18:00, read 48 on 3 March 12:00: 48 B over the 48 h
    # from the START (an update does not begin a new stretch), 1 B/h: 12 on 1 March,
    # 24 on 2 March, 12 on 3 March. Compacting 1 March must keep that start.
    records: list[rk.Record] = [
        rk.Event("a", "v", "2026-03-01T12:00:00Z", kind="start", id="e1"),
        rk.Event("a", "v", "2026-03-01T18:00:00Z", {"x": 1}, kind="update", id="e2"),
        rk.Sample("a", "v", "ctr", "2026-03-03T12:00:00Z", 48, kind="counter", id="c1"),
    ]
    rater = rk.Rater(PLAN, [CTR], start=START)
    rater.feed(records)
    first = rater.statement("2026-03-03T13:00:00Z")  # closes 1 and 2 March, compacts 1 March
    assert _by_day(first) == [
        ("charge", 1, Decimal(12)),
        ("charge", 2, Decimal(24)),
        ("charge", 3, Decimal(12)),
    ]
    restored = rk.Rater.restore(rater.snapshot(), PLAN, [CTR])
    total = first.total()
    for watermark in ("2026-03-04T13:00:00Z", "2026-03-05T13:00:00Z"):
        again = rater.statement(watermark)  # nothing new: nothing to correct
        assert (again.lines, again.anomalies) == ((), ())
        total += again.total()
        assert restored.statement(watermark).lines == ()
    assert total == Decimal(48) == _batch(records, "2026-03-05T13:00:00Z")


def test_a_first_reading_reaching_a_compacted_start_is_too_late_at_the_feed() -> None:
    # Started 1 March 12:00; 1 March is compacted when the first reading (24 on 2 March
    # 12:00) comes: 24 B over 24 h, 1 B/h, 12 on 1 March (compacted: not applied, said at
    # the feed as for a plain counter) and 12 on 2 March (kept: a correction).
    start = rk.Event("a", "v", "2026-03-01T12:00:00Z", kind="start", id="e1")
    reading = rk.Sample("a", "v", "ctr", "2026-03-02T12:00:00Z", 24, kind="counter", id="c1")
    rater = rk.Rater(PLAN, [CTR], start=START)
    rater.feed([start])
    assert rater.statement("2026-03-03T01:00:00Z").total() == 0
    feed = rater.feed([reading])
    assert (feed.late, feed.too_late) == (("c1",), ("c1",))
    assert [(a.kind, a.message, a.record_ids) for a in feed.anomalies] == [
        (
            "too_late",
            (
                "sample 'c1' (ctr, 24 at 2026-03-02T12:00:00Z) reaches back before every cycle "
                "the rater keeps: it counts from zero from the start of its resource's running "
                "stretch at 2026-03-01T12:00:00Z, and its part before 2026-03-02T00:00:00Z, "
                "12 B, belonged to cycles already compacted (or before the rater's start): "
                "not applied (the rest is)."
            ),
            ("c1",),
        )
    ]
    statement = rater.statement("2026-03-03T02:00:00Z")
    assert _by_day(statement) == [("charge", 2, Decimal(12))]
    # Batch: 12 + 12 = 24; the stream lacks exactly the 12 the anomaly named.
    assert _batch([start, reading], "2026-03-03T02:00:00Z") == Decimal(24)


def test_a_kept_start_begins_the_stretch_so_the_reading_is_not_too_late() -> None:
    # Started 1 March 12:00 (compacted), stopped 2 March 02:00, started again at 06:00
    # (kept); the first reading, 24 on 3 March 06:00, counts from 2 March 06:00: 24 h,
    # 1 B/h, 18 on 2 March (kept and closed: a correction) and 6 on 3 March. Nothing lost.
    records: list[rk.Record] = [
        rk.Event("a", "v", "2026-03-01T12:00:00Z", kind="start", id="e1"),
        rk.Event("a", "v", "2026-03-02T02:00:00Z", kind="stop", id="e2"),
        rk.Event("a", "v", "2026-03-02T06:00:00Z", kind="start", id="e3"),
    ]
    reading = rk.Sample("a", "v", "ctr", "2026-03-03T06:00:00Z", 24, kind="counter", id="c1")
    rater = rk.Rater(PLAN, [CTR], start=START)
    rater.feed(records)
    assert rater.statement("2026-03-03T01:00:00Z").total() == 0
    feed = rater.feed([reading])
    assert feed.anomalies == ()
    statement = rater.statement("2026-03-03T07:00:00Z")
    assert _by_day(statement) == [("charge", 2, Decimal(18)), ("charge", 3, Decimal(6))]
    assert statement.total() == Decimal(24) == _batch([*records, reading], "2026-03-03T07:00:00Z")


def test_a_first_reading_fed_early_keeps_the_cycles_of_its_stretch() -> None:
    # Started 1 March 12:00, read 48 on 3 March 12:00, both fed before 3 March 01:00: that
    # statement closes 1 and 2 March but the reading, not yet metered (stamped after the
    # watermark), reaches back to the start: 1 March stays kept. At 13:00 it counts 48 B
    # over 48 h, 1 B/h: 12 on 1 March, 24 on 2 March (both closed: corrected as late
    # records are), 12 on 3 March. Nothing lost.
    records: list[rk.Record] = [
        rk.Event("a", "v", "2026-03-01T12:00:00Z", kind="start", id="e1"),
        rk.Sample("a", "v", "ctr", "2026-03-03T12:00:00Z", 48, kind="counter", id="c1"),
    ]
    rater = rk.Rater(PLAN, [CTR], start=START)
    assert rater.feed(records).anomalies == ()
    first = rater.statement("2026-03-03T01:00:00Z")
    assert (first.total(), first.anomalies) == (0, ())
    second = rater.statement("2026-03-03T13:00:00Z")
    assert [(day, quantity) for _, day, quantity in _by_day(second)] == [
        (1, Decimal(12)),
        (2, Decimal(24)),
        (3, Decimal(12)),
    ]
    assert second.total() == Decimal(48) == _batch(records, "2026-03-03T13:00:00Z")


_KINDS = st.sampled_from(["start", "update", "stop", "reading"])


@settings(max_examples=LAWS, deadline=None)
@given(
    st.lists(st.tuples(_KINDS, st.integers(0, 110), st.integers(0, 30)), min_size=1, max_size=8),
    st.lists(st.integers(1, 140), min_size=1, max_size=4, unique=True),
)
def test_law_from_zero_streams_fed_up_front_equal_batch(
    steps: list[tuple[str, int, int]], hours: list[int]
) -> None:
    # Starts, updates, stops and rising readings of one from_zero counter, all fed before
    # the first statement (none arrives after its cycle closed): whatever the watermarks
    # and compactions, the statements add up to one batch rate(), to the last digit.
    base = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    readings = sorted(hour for kind, hour, _ in steps if kind == "reading")
    values = iter(sorted(step for kind, _, step in steps if kind == "reading"))
    total_value = 0
    records: list[rk.Record] = []
    for index, (kind, hour, _) in enumerate(steps):
        at = base + dt.timedelta(hours=hour)
        if kind == "reading":
            continue
        description = {"x": index} if kind == "update" else {}
        records.append(rk.Event("a", "v", at, description, kind=kind, id=f"e{index}"))
    for index, hour in enumerate(readings):
        total_value += next(values)  # a counter only rises
        at = base + dt.timedelta(hours=hour)
        records.append(rk.Sample("a", "v", "ctr", at, total_value, kind="counter", id=f"r{index}"))
    rater = rk.Rater(PLAN, [CTR], start=base)
    rater.feed(records)
    total = Decimal(0)
    for hour in sorted(hours):
        total += rater.statement(base + dt.timedelta(hours=hour)).total()
    as_of = base + dt.timedelta(hours=max(hours))
    assert total == _batch(records, as_of.isoformat())
