"""The streaming rater and `Counter(from_zero=True)`: the first reading counts from the start.

Every expected amount is worked by hand in a comment; each stream is compared with one
batch `rate()` of all its records.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

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


def _part(anomaly: rk.Anomaly) -> Decimal:
    """The part of usage a ``"too_late"`` anomaly says was not applied (0: nothing)."""
    found = re.search(r"its part before \S+, (\S+) B, belonged", anomaly.message)
    if found is None:
        assert "adds up to nothing" in anomaly.message, anomaly.message
        return Decimal(0)
    return Decimal(found[1])


def test_a_start_older_than_the_sixteen_events_a_state_keeps_is_still_the_stretchs() -> None:
    # Started 1 March 00:00, updated every hour from 01:00 to 20:00 (20 updates: the
    # state keeps the last 16, from 05:00). 1 March is compacted; the first reading, 6000
    # on 3 March 12:00, counts from the START: 60 h, 100 B/h: 2400 on 1 March (compacted:
    # too late, said at the feed), 2400 on 2 March, 1200 on 3 March. It counted from the
    # oldest kept event (04:00, the history's base: 6000 over 56 h).
    records: list[rk.Record] = [rk.Event("a", "v", START, {"x": 0}, kind="start", id="s")]
    records += [
        rk.Event(
            "a", "v", f"2026-03-01T{hour:02d}:00:00Z", {"x": hour}, kind="update", id=f"u{hour}"
        )
        for hour in range(1, 21)
    ]
    reading = rk.Sample("a", "v", "ctr", "2026-03-03T12:00:00Z", 6000, kind="counter", id="c1")
    rater = rk.Rater(PLAN, [CTR], start=START)
    rater.feed(records)
    rater.statement("2026-03-02T00:00:00Z")
    rater.statement("2026-03-03T00:00:00Z")  # closes 2 March, compacts 1 March
    (state,) = rater._state
    assert len(state.history) == 16
    assert state.history[0].id == "u5"
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [CTR])
    feed = rater.feed([reading])
    assert feed.too_late == ("c1",)
    (anomaly,) = feed.anomalies
    assert "running stretch at 2026-03-01T00:00:00Z" in anomaly.message
    assert _part(anomaly) == Decimal(2400)
    statement = rater.statement("2026-03-04T00:00:00Z")
    assert _by_day(statement) == [("charge", 2, Decimal(2400)), ("charge", 3, Decimal(1200))]
    assert _batch([*records, reading], "2026-03-04T00:00:00Z") == Decimal(6000)


def test_the_stretchs_start_survives_a_second_compaction_and_a_restart_ends_it() -> None:
    # As above, then 20 more updates on 2 March (hourly from 01:00): 2 March is compacted
    # too; the first reading, 7200 on 4 March 00:00, counts from 1 March 00:00: 72 h, 100
    # B/h: 4800 on 1 and 2 March (compacted: too late), 2400 on 3 March.
    records: list[rk.Record] = [rk.Event("a", "v", START, {"x": 0}, kind="start", id="s")]
    for day in (1, 2):
        records += [
            rk.Event(
                "a", "v", f"2026-03-0{day}T{hour:02d}:00:00Z", {"x": 100 * day + hour},
                kind="update", id=f"u{day}-{hour}",
            )
            for hour in range(1, 21)
        ]  # fmt: skip
    reading = rk.Sample("a", "v", "ctr", "2026-03-04T00:00:00Z", 7200, kind="counter", id="c1")
    rater = rk.Rater(PLAN, [CTR], start=START)
    rater.feed(records)
    for watermark in ("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z"):
        rater.statement(watermark)
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [CTR])
    feed = rater.feed([reading])
    assert [_part(a) for a in feed.anomalies] == [Decimal(4800)]
    statement = rater.statement("2026-03-04T01:00:00Z")
    assert _by_day(statement) == [("charge", 3, Decimal(2400))]
    # A stop and a start at 2 March 22:00 and 23:00 (after the 20 updates) begin a new
    # stretch: the reading counts from 23:00, 25 h, 288 B/h: 288 on 2 March, 6912 on 3.
    restart = [
        rk.Event("a", "v", "2026-03-02T22:00:00Z", kind="stop", id="x"),
        rk.Event("a", "v", "2026-03-02T23:00:00Z", kind="start", id="y"),
    ]
    rater = rk.Rater(PLAN, [CTR], start=START)
    rater.feed([*records, *restart])
    for watermark in ("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z"):
        rater.statement(watermark)
    feed = rater.feed([reading])
    assert [_part(a) for a in feed.anomalies] == [Decimal(288)]
    assert _by_day(rater.statement("2026-03-04T01:00:00Z")) == [("charge", 3, Decimal(6912))]


@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(
    st.lists(st.tuples(_KINDS, st.integers(0, 110), st.integers(0, 30)), min_size=1, max_size=40),
    st.lists(st.integers(1, 140), min_size=1, max_size=5, unique=True),
    st.integers(0, 2**32),
)
def test_law_from_zero_readings_fed_late_equal_batch_but_for_the_parts_named(
    steps: list[tuple[str, int, int]], hours: list[int], seed: int
) -> None:
    # Many events (more than the 16 a state keeps), fed up front; the readings of a
    # from_zero counter fed late, each up to three days after its instant, so that its
    # cycle, or the start of its stretch, may be compacted by then. The statements add up
    # to one batch rate() but for the parts the feeds named too late, to the last digit.
    rng = random.Random(seed)
    base = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    values = iter(sorted(step for kind, _, step in steps if kind == "reading"))
    events: list[rk.Record] = []
    readings: list[rk.Sample] = []
    total_value = 0
    for index, (kind, hour, _) in enumerate(steps):
        at = base + dt.timedelta(hours=hour)
        if kind == "reading":
            total_value += next(values)
            readings.append(
                rk.Sample("a", "v", "ctr", at, total_value, kind="counter", id=f"r{index}")
            )
        else:
            description = {"x": index} if kind == "update" else {}
            events.append(rk.Event("a", "v", at, description, kind=kind, id=f"e{index}"))
    # One reading per instant (two readings at one instant, fed apart, are not this law's).
    readings = list({sample.at_us: sample for sample in readings}.values())
    readings.sort(key=lambda sample: sample.at_us)
    values_in_time = [sample.value for sample in readings]
    readings = [  # a counter only rises, in time
        rk.Sample("a", "v", "ctr", sample.at, value, kind="counter", id=sample.id)
        for sample, value in zip(readings, sorted(values_in_time), strict=True)
    ]
    arrival = {
        sample.id: sample.at_us + rng.randrange(0, 73) * 3_600_000_000 for sample in readings
    }
    rater = rk.Rater(PLAN, [CTR], start=base)
    rater.feed(events)
    total = Decimal(0)
    parts: dict[rk.Sample, Decimal] = {}
    for hour in sorted(hours):
        as_of = base + dt.timedelta(hours=hour)
        due = [
            s
            for s in readings
            if s not in parts and arrival[s.id] <= rk.Span(as_of, as_of).start_us
        ]
        for sample in due:  # in time order, each in a batch of its own
            parts[sample] = sum((_part(a) for a in rater.feed([sample]).anomalies), Decimal(0))
        total += rater.statement(as_of).total()
    as_of = base + dt.timedelta(hours=max(hours))
    # A reading stamped at the last watermark is metered by none of the statements (nor
    # by one rate() up to it), but the part its feed named is named already: it counts
    # with the statement that meters it, after this law's end.
    taken = [s for s in parts if s.at_us < rk.Span(as_of, as_of).start_us]
    total += sum((parts[s] for s in taken), Decimal(0))
    assert total == _batch([*events, *taken], as_of.isoformat())
