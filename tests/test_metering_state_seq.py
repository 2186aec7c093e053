"""A counter reading a state keeps keeps its ``seq``: ties at one instant across calls.

Metering orders the readings of one counter stamped at one instant by ``seq``, then
value (the lower first), then id. The state keeps each reading's ``seq``, so the next
call orders the kept readings and its own as metering them at once does, and a rater's
compacted state does too, across snapshot and restore. A state written before the
``seq`` was kept (readings of five items) still reads, its readings without one.
Worked by hand in the comments.
"""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from typing import Any

import pytest
from tests._snapshots import resealed

import ratekit as rk

READS = rk.Meter("reads", "1", rk.Counter())
T = "2026-03-01T09:00:00Z"
DAY = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
#: The spans of three calls over the day: to 10:00, to 11:00, to the day's end.
CUTS = ("2026-03-01T00:00:00Z", "2026-03-01T10:00:00Z", "2026-03-01T11:00:00Z", DAY.end)


def _reading(at: str, value: int, record_id: str, seq: int | None = None) -> rk.Sample:
    return rk.Sample("a", "r", "reads", at, value, kind="counter", id=record_id, seq=seq)


FIRST = _reading("2026-03-01T08:00:00Z", 100, "base")
# Three readings at 09:00, listed as neither their seqs nor their values order them.
S3 = _reading(T, 500, "s3", seq=3)
S1 = _reading(T, 700, "s1", seq=1)
S2 = _reading(T, 200, "s2", seq=2)
LAST = _reading("2026-03-01T12:00:00Z", 900, "end")


def _through_json(usage: rk.Usage) -> list[rk.ResourceState]:
    return [rk.ResourceState.from_json(json.loads(json.dumps(s.to_json()))) for s in usage.state]


def test_three_readings_of_one_instant_count_by_seq_at_once() -> None:
    # By seq: 100 (08:00), 700 (seq 1), 200 (seq 2), 500 (seq 3), 900 (12:00).
    # 100 -> 700: 600; 700 -> 200: a reset, counted from zero: 200; 200 -> 500: 300;
    # 500 -> 900: 400. In all 600 + 200 + 300 + 400 = 1500. (By value, 100, 200, 500,
    # 700, 900 would rise by 800 and reset nothing.)
    usage = rk.meter([FIRST, S3, S1, S2, LAST], [READS], span=DAY, cycle=None, as_of=DAY.end)
    assert usage.total("reads") == 1500
    assert [a.kind for a in usage.anomalies] == ["counter_reset"]
    (state,) = usage.state
    assert [(entry[4], entry[5]) for entry in state.readings] == [
        ("base", None),
        ("s1", 1),
        ("s2", 2),
        ("s3", 3),
        ("end", None),
    ]


@pytest.mark.parametrize("calls", list(itertools.product(range(3), repeat=3)))
def test_readings_of_one_instant_split_across_calls_count_as_at_once(
    calls: tuple[int, int, int],
) -> None:
    # The three readings of 09:00 each go to call 1, 2 or 3 (all 27 ways), 100 at 08:00
    # to call 1, 900 at 12:00 to call 3; a reading given to call 2 or 3 is late. The
    # rows and late rows add up to the 1500 of metering at once, e.g. 700 (seq 1) in
    # call 1, 200 (seq 2) in call 2, 500 (seq 3) in call 3:
    # - call 1: 100 -> 700: 600.
    # - call 2: the 200 goes after the kept 700 (seq 2 after 1): 700 -> 200, a reset,
    #   counted from zero: 200 late, 800 in all.
    # - call 3: the 500 goes after the kept 200 (seq 3): 200 -> 500, 300 late; then
    #   500 -> 900: 400. 1500.
    # (When the state kept no seq, call 3 read the kept 700 and 200 back by value, 200
    # then 700, and put the 500 after them: 700 -> 500 a reset, 500 late where 300 was,
    # 1700 in all. 16 of the 27 ways differed from 1500.)
    batches: list[list[rk.Sample]] = [[FIRST], [], [LAST]]
    for call, sample in zip(calls, (S3, S1, S2), strict=True):
        batches[call].append(sample)
    state: list[rk.ResourceState] = []
    total = Decimal(0)
    for n, batch in enumerate(batches):
        span = rk.Span(CUTS[n], CUTS[n + 1])
        usage = rk.meter(batch, [READS], span=span, cycle=None, as_of=span.end, state=state)
        total += usage.total("reads") + sum(row.quantity for row in usage.late)
        state = _through_json(usage)
    assert total == 1500
    (last,) = state
    assert [entry[5] for entry in last.readings] == [None, 1, 2, 3, None]


def test_to_json_writes_a_readings_seq_only_when_it_has_one() -> None:
    usage = rk.meter([FIRST, S3], [READS], span=DAY, cycle=None, as_of=DAY.end)
    (state,) = usage.state
    assert state.to_json()["readings"] == [
        ["reads", FIRST.at_us, "100", "counter", "base"],
        ["reads", S3.at_us, "500", "counter", "s3", 3],
    ]
    assert rk.ResourceState.from_json(state.to_json()) == state


def test_a_state_written_before_the_seq_was_kept_still_reads() -> None:
    # Readings of five items, as states were written before: they have no seq, and the
    # next call orders them as readings without one (by value, then id). The 700 and
    # the 200 kept at 09:00 are read back 200, then 700; the 900 counts 200 from the 700
    # (the third of it before the state's clock, 10:00, as late rows).
    old = {
        "account": "a",
        "resource": "r",
        "status": "unknown",
        "description": {},
        "readings": [
            ["reads", S1.at_us, "700", "counter", "s1"],
            ["reads", S2.at_us, "200", "counter", "s2"],
        ],
        "through_us": rk.Span(CUTS[0], CUTS[1]).end_us,
    }
    state = rk.ResourceState.from_json(old)
    assert [entry[5] for entry in state.readings] == [None, None]
    assert state.to_json()["readings"] == old["readings"]
    rest = rk.Span(CUTS[1], DAY.end)
    usage = rk.meter([LAST], [READS], span=rest, cycle=None, as_of=rest.end, state=[state])
    assert usage.total("reads") + sum(row.quantity for row in usage.late) == 200
    # The constructor takes readings of five items too.
    made = rk.ResourceState(
        "a", "r", "unknown", {}, readings=(("reads", S1.at_us, 7, "counter", None),)
    )
    assert made.readings == (("reads", S1.at_us, Decimal(7), "counter", None, None),)


BASE = {"account": "a", "resource": "vm", "status": "unknown", "description": {}}


@pytest.mark.parametrize(
    ("seq", "error", "shown"),
    [
        ("3", rk.RatekitTypeError, "str: '3'"),
        (True, rk.RatekitTypeError, "bool: True"),
        (1.0, rk.RatekitTypeError, "float: 1.0"),
        (2**63, rk.BadRecordError, "int: 9223372036854775808"),
        (-(2**63) - 1, rk.BadRecordError, "int: -9223372036854775809"),
    ],
)
def test_a_readings_seq_no_sample_has_is_refused_naming_the_resource(
    seq: object, error: type[rk.RatekitError], shown: str
) -> None:
    item = ["reads", S1.at_us, "700", "counter", "s1", seq]
    expected = (
        "ResourceState of 'a'/'vm': readings item seq of meter 'reads' at "
        "2026-03-01T09:00:00Z must be an int from -2**63 up to but excluding 2**63 (the seq "
        f"of the sample it was) or None, not {shown}."
    )
    with pytest.raises(error) as raised:
        rk.ResourceState.from_json({**BASE, "readings": [item]})
    assert str(raised.value) == expected
    with pytest.raises(error) as raised:
        rk.ResourceState("a", "vm", "unknown", {}, readings=(tuple(item),))
    assert str(raised.value) == expected


def test_the_ends_of_a_readings_seq_range_are_kept() -> None:
    for seq in (-(2**63), 2**63 - 1, None):
        item = ["reads", S1.at_us, "700", "counter", "s1", seq]
        state = rk.ResourceState.from_json({**BASE, "readings": [item]})
        assert state.readings[0][5] == seq
        assert rk.ResourceState.from_json(state.to_json()) == state


def test_a_reading_of_seven_items_is_refused() -> None:
    item = ["reads", S1.at_us, "700", "counter", "s1", 1, 2]
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.ResourceState.from_json({**BASE, "readings": [item]})
    assert str(raised.value).startswith(
        "ResourceState readings item must be [meter, at_us, value, kind, id] or "
        "[meter, at_us, value, kind, id, seq], not list:"
    )


# -- the rater: a compacted state keeps the seqs, across snapshot and restore -------------

EGRESS = rk.Meter("egress", "B", rk.Counter())
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("e", "egress", rk.PerUnit("0.001"))]
)
START = "2026-03-01T00:00:00Z"


def _egress(at: str, value: int, record_id: str, seq: int | None = None) -> rk.Sample:
    return rk.Sample("acme", "ip", "egress", at, value, kind="counter", id=record_id, seq=seq)


G0 = _egress("2026-03-01T12:00:00Z", 100, "g0")
HIGH = _egress("2026-03-02T12:00:00Z", 150, "high", seq=1)
LOW = _egress("2026-03-02T12:00:00Z", 120, "low", seq=2)
END = _egress("2026-03-03T12:00:00Z", 155, "end")


def _restored(data: dict[str, Any]) -> rk.Rater:
    return rk.Rater.restore(json.loads(json.dumps(data)), PLAN, [EGRESS])


def _days(lines: list[rk.StatementLine]) -> list[tuple[str, int, Decimal]]:
    return [(line.role, line.cycle.start.day, line.quantity) for line in lines]


def test_batch_counts_the_higher_reading_first_by_its_seq() -> None:
    # 100 (1 March 12:00), 150 (seq 1) and 120 (seq 2) at 2 March 12:00, 155 (3 March
    # 12:00). By seq the 150 goes first: 100 -> 150 over 24 h (25 and 25), 150 -> 120 a
    # reset counted from zero (120, at 2 March 12:00), 120 -> 155 over 24 h (17.5 and
    # 17.5): 25, 162.5 and 17.5.
    span = rk.Span(START, "2026-03-05T00:00:00Z")
    rating = rk.rate([G0, LOW, HIGH, END], PLAN, span=span, meters=[EGRESS])
    days: dict[int, Decimal] = {}
    for charge in rating.charges:
        days[charge.cycle.start.day] = days.get(charge.cycle.start.day, 0) + charge.quantity
    assert days == {1: Decimal(25), 2: Decimal("162.5"), 3: Decimal("17.5")}


@pytest.mark.parametrize("restore", [False, True])
def test_a_reading_fed_after_compaction_is_placed_by_its_seq_among_the_kept(
    restore: bool,
) -> None:
    # The 120 (seq 2) is kept: 100 -> 120 (10 and 10), 120 -> 155 (17.5 and 17.5).
    # 1-2 March are compacted, the state keeping 100 and the 120 with its seq. The 150
    # (seq 1) fed then is placed before the 120, as batch places it: 1-2 March count
    # 25 + 25 + 120 + 17.5 = 187.5 where they counted 10 + 27.5 = 37.5, so 150 B belong
    # to compacted cycles (too late); 3 March still counts 17.5 from the 120, unchanged.
    # (When the compacted state kept no seq, the 120 went first, read as a rise, 150 ->
    # 155 gave 2.5 on 3 March, and 15 B were named.)
    rater = rk.Rater(PLAN, [EGRESS], start=START)
    rater.feed([G0, LOW, END])
    assert _days(list(rater.statement("2026-03-04T00:00:00Z").lines)) == [
        ("charge", 1, Decimal(10)),
        ("charge", 2, Decimal("27.5")),
        ("charge", 3, Decimal("17.5")),
    ]
    (state,) = rater._state
    assert [(entry[4], entry[5]) for entry in state.readings] == [("g0", None), ("low", 2)]
    rater = _restored(rater.snapshot()) if restore else rater
    feed = rater.feed([HIGH])
    assert feed.too_late == ("high",)
    assert "its part before 2026-03-03T00:00:00Z, 150 B, belonged" in feed.anomalies[0].message
    rater = _restored(rater.snapshot()) if restore else rater
    assert _days(list(rater.statement("2026-03-05T00:00:00Z").lines)) == []
    (state,) = rater._state
    assert [(entry[4], entry[5]) for entry in state.readings] == [
        ("g0", None),
        ("high", 1),
        ("low", 2),
        ("end", None),
    ]


def test_a_snapshot_written_before_the_seq_was_kept_restores() -> None:
    # The same snapshot with its readings as five items, as snapshots were written
    # before: it restores, the compacted 120 without its seq, so the 150 fed then goes
    # after it, as a reading ordered after one without a seq goes (seq 1 after none):
    # 120 -> 150 is 30 at 2 March 12:00, 150 -> 155 gives 2.5 and 2.5; the compacted
    # days count 10 + 10 + 30 + 2.5 = 52.5 where they counted 37.5: 15 B too late.
    rater = rk.Rater(PLAN, [EGRESS], start=START)
    rater.feed([G0, LOW, END])
    rater.statement("2026-03-04T00:00:00Z")
    data = json.loads(json.dumps(rater.snapshot()))
    for state in data["body"]["state"]:
        state["readings"] = [item[:5] for item in state["readings"]]
    assert data["body"]["state"][0]["readings"][1] == ["egress", LOW.at_us, "120", "counter", "low"]
    old = _restored(resealed(data))
    (state,) = old._state
    assert [(entry[4], entry[5]) for entry in state.readings] == [("g0", None), ("low", None)]
    feed = old.feed([HIGH])
    assert "its part before 2026-03-03T00:00:00Z, 15 B, belonged" in feed.anomalies[0].message


@pytest.mark.parametrize("restore", [False, True])
def test_a_reading_without_id_that_differs_from_a_kept_one_by_its_seq_is_another(
    restore: bool,
) -> None:
    # 100 (1 March 12:00); 500 (seq 1) and 200 (seq 3) at 2 March 12:00; 255 (3 March
    # 12:00); no ids. 100 -> 500: 400 over 24 h (200 and 200); 500 -> 200 a reset: 200
    # at 2 March 12:00; 200 -> 255: 55 over 24 h (27.5 and 27.5). Days: 200, 427.5, 27.5.
    # A 500 with seq 4 at 2 March 12:00 is not the kept 500 (seq 1): batch meters both,
    # 200 -> 500 at the instant (300) and 500 -> 255 a reset (255 over 24 h: 127.5 and
    # 127.5): days 200, 827.5, 127.5. Fed after 1-2 March are compacted, it is placed:
    # 300 + 127.5 - 27.5 = 400 B too late, and 3 March goes from 27.5 to 127.5. (Taken
    # as a replay of the kept 500, it was dropped as a duplicate.) Fed again, it is one.
    def egress(value: int, seq: int | None, at: str = "2026-03-02T12:00:00Z") -> rk.Sample:
        return rk.Sample("acme", "ip", "egress", at, value, kind="counter", seq=seq)

    records = [
        egress(100, None, "2026-03-01T12:00:00Z"),
        egress(500, 1),
        egress(200, 3),
        egress(255, None, "2026-03-03T12:00:00Z"),
    ]
    again = egress(500, 4)
    span = rk.Span(START, "2026-03-05T00:00:00Z")
    days: dict[int, Decimal] = {}
    for charge in rk.rate([*records, again], PLAN, span=span, meters=[EGRESS]).charges:
        days[charge.cycle.start.day] = days.get(charge.cycle.start.day, 0) + charge.quantity
    assert days == {1: Decimal(200), 2: Decimal("827.5"), 3: Decimal("127.5")}
    rater = rk.Rater(PLAN, [EGRESS], start=START)
    rater.feed(records)
    assert _days(list(rater.statement("2026-03-04T00:00:00Z").lines)) == [
        ("charge", 1, Decimal(200)),
        ("charge", 2, Decimal("427.5")),
        ("charge", 3, Decimal("27.5")),
    ]
    rater = _restored(rater.snapshot()) if restore else rater
    feed = rater.feed([again])
    assert feed.counts["too_late"] == 1
    assert "its part before 2026-03-03T00:00:00Z, 400 B, belonged" in feed.anomalies[0].message
    assert _days(list(rater.statement("2026-03-05T00:00:00Z").lines)) == [
        ("reversal", 3, Decimal("-27.5")),
        ("correction", 3, Decimal("127.5")),
    ]
    assert rater.feed([again]).counts["duplicates"] == 1
