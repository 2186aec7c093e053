"""A counter reading stamped before the kept cycles: placed among the compacted readings.

The compacted metering state keeps a counter's last 32 readings and whether they start
at its first; a reading fed once its cycle is compacted is placed among them, as batch
``rate()`` places it: its part in the compacted cycles is named (``feed.too_late``, a
``"too_late"`` anomaly with the quantity), the kept cycles count from it. Worked by hand
in the comments.
"""

from __future__ import annotations

import json
import typing
from collections import defaultdict
from decimal import Decimal
from typing import Any

import ratekit as rk
from ratekit import _snapshot

EGRESS = rk.Meter("egress", "B", rk.Counter())
DAILY = rk.cycles.daily(tz="UTC")
PLAN = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("e", "egress", rk.PerUnit("0.01"))])


def _reading(at: str, value: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", "ip", "egress", at, value, kind="counter", id=record_id)


# Readings on 1, 2 and 3 March. Batch without the early ones:
#   1 March: r2 - r1 = 200, and r3's 200 over 24 h from 1 March 12:00, 12 h of it: 100 -> 300
#   2 March: r3's other 100, and r4's 200 over 24 h, 12 h of it: 100                     -> 200
#   3 March: r4's other 100                                                               -> 100
READINGS = [
    _reading("2026-03-01T10:00:00Z", 100, "r1"),
    _reading("2026-03-01T12:00:00Z", 300, "r2"),
    _reading("2026-03-02T12:00:00Z", 500, "r3"),
    _reading("2026-03-03T12:00:00Z", 700, "r4"),
]
# Before r1, which counted nothing (the counter's first reading): r1 now counts 100 - 40
# = 60 from it, on 1 March.
R0 = _reading("2026-03-01T08:00:00Z", 40, "r0")
# Between r3 and r4: rz counts 100 over 6 h on 2 March; r4 counts 100 from it over 18 h,
# 6 h on 2 March (100 x 6/18 = 33.33...3, at 1E-24) and 12 h on 3 March (the rest).
RZ = _reading("2026-03-02T18:00:00Z", 600, "rz")
THIRD = Decimal("33.333333333333333333333333")
TWO_THIRDS = Decimal("66.666666666666666666666667")  # 100 - THIRD


def _compacted() -> rk.Rater:
    """1 and 2 March compacted (the kept cycles start on 3 March), through JSON."""
    rater = rk.Rater(PLAN, [EGRESS], start="2026-03-01T00:00:00Z")
    rater.feed(READINGS)
    for watermark in ("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z"):
        rater.statement(watermark)
    assert rater._base_us == rk.Span("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z").start_us
    return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [EGRESS])


def _per_day(lines: list[rk.StatementLine]) -> dict[int, Decimal]:
    out: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        out[line.cycle.start.day] += line.quantity
    return dict(out)


def _batch(records: list[rk.Sample]) -> dict[int, Decimal]:
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z")
    rating = rk.rate(records, PLAN, span=span, meters=[EGRESS], as_of=span.end)
    out: dict[int, Decimal] = defaultdict(Decimal)
    for charge in rating.charges:
        out[charge.cycle.start.day] += charge.quantity
    return dict(out)


def test_the_compacted_state_says_its_readings_start_at_the_counters_first() -> None:
    rater = _compacted()
    (state,) = rater._state
    assert state.to_json()["complete"] == ["egress"]
    # r4 (3 March) is a kept record, the others are folded into the state.
    assert [reading[4] for reading in state.readings] == ["r1", "r2", "r3"]


def test_a_reading_before_every_compacted_one_is_placed_and_its_part_named() -> None:
    rater = _compacted()
    feed = rater.feed([R0])
    assert (feed.accepted, feed.late, feed.too_late) == ((), (), ("r0",))
    (anomaly,) = feed.anomalies
    assert anomaly.kind == "too_late"
    assert anomaly.message == (
        "sample 'r0' (egress, 40 at 2026-03-01T08:00:00Z) is stamped before every cycle the "
        "rater keeps (from 2026-03-03T00:00:00Z): it is placed among the readings of its "
        "counter that the compacted state keeps, as metering them at once places it, and its "
        "part before 2026-03-03T00:00:00Z, 60 B, belonged to cycles already compacted: not "
        "applied (the rest is applied)."
    )
    # It changes nothing in the kept cycles: r1 .. r4 count as before there.
    assert rater.statement("2026-03-05T00:00:00Z").lines == ()
    # Replayed: a duplicate (the state keeps it now); the same id, another value: conflicting.
    again = rater.feed([R0, _reading("2026-03-01T08:00:00Z", 41, "r0")])
    assert (again.duplicates, again.conflicting, again.too_late) == (("r0",), ("r0",), ())


def test_the_stream_and_batch_agree_but_for_the_parts_named() -> None:
    # The statements of the stream up to 4 March, then the early readings.
    rater = rk.Rater(PLAN, [EGRESS], start="2026-03-01T00:00:00Z")
    rater.feed(READINGS)
    lines: list[rk.StatementLine] = []
    for watermark in ("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z"):
        lines += rater.statement(watermark).lines
    assert _per_day(lines) == {1: Decimal(300), 2: Decimal(200), 3: Decimal(100)}
    feed = rater.feed([RZ, R0])
    parts = [a.message.split("its part before 2026-03-03T00:00:00Z, ")[1] for a in feed.anomalies]
    # Judged in time order: r0 first; then rz: its 100 and r4's third on 2 March, less
    # r4's 100 there before: a third of 100.
    assert parts == [
        "60 B, belonged to cycles already compacted: not applied (the rest is applied).",
        f"{THIRD} B, belonged to cycles already compacted: not applied (the rest is applied).",
    ]
    statement = rater.statement("2026-03-05T00:00:00Z")
    # 3 March (closed, kept): r4 counts from rz, two thirds of 100, not 100: corrected.
    assert _per_day(list(statement.lines)) == {3: TWO_THIRDS - 100}
    lines += statement.lines
    batch = _batch([*READINGS, R0, RZ])
    # Batch: 1 March 60 + 200 + 100 = 360; 2 March 100 + 100 + a third = 233.33...3;
    # 3 March two thirds.
    assert batch == {1: Decimal(360), 2: 200 + THIRD, 3: TWO_THIRDS}
    got = _per_day(lines)
    assert got[3] == batch[3]  # the kept cycle: to the last digit
    # The compacted cycles: batch exceeds the stream by the parts named, 60 and a third.
    assert batch[1] + batch[2] - got[1] - got[2] == 60 + THIRD


def _without_complete(data: dict[str, Any]) -> dict[str, Any]:
    """A snapshot as the format wrote it before states said ``complete``, resealed."""
    for state in data["body"]["state"]:
        state.pop("complete", None)
    data = {key: value for key, value in data.items() if key != "checksum"}
    data["checksum"] = _snapshot.checksum(data)
    return data


def test_a_snapshot_whose_states_lack_complete_restores_and_places_what_it_can() -> None:
    rater = _compacted()
    data = _without_complete(json.loads(json.dumps(rater.snapshot())))
    old = rk.Rater.restore(data, PLAN, [EGRESS])
    # Not known to start at the counter's first reading: one before them cannot be placed.
    feed = old.feed([R0])
    assert feed.too_late == ("r0",)
    message = feed.anomalies[0].message
    assert "(the oldest 100 at 2026-03-01T10:00:00Z; it keeps the last 32, not known" in message
    assert "Its part in the kept cycles is 0 B (their readings count from later ones)" in message
    # One among them can.
    assert "33.333333333333333333333333 B" in old.feed([RZ]).anomalies[0].message


# 40 readings on 1 March, every half hour from 01:00 (20) to 20:30 (410), 10 more each:
# 390 B on 1 March. A compacted state keeps the last 32 (from q10, 100 at 05:00).
MANY = [
    _reading(f"2026-03-01T{half // 2:02d}:{30 * (half % 2):02d}:00Z", 10 * half, f"q{half}")
    for half in range(2, 42)
]


def _many() -> rk.Rater:
    """``MANY`` fed; 1 March compacted (the kept cycles start on 2 March), through JSON."""
    rater = rk.Rater(PLAN, [EGRESS], start="2026-03-01T00:00:00Z")
    rater.feed(MANY)
    for watermark in ("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"):
        rater.statement(watermark)
    return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [EGRESS])


def _unplaced(record_id: str, value: int, at: str) -> str:
    return (
        f"sample {record_id!r} (egress, {value} at {at}) is stamped before every cycle the "
        "rater keeps (from 2026-03-02T00:00:00Z) and before the readings of its counter that "
        "the compacted state keeps (the oldest 100 at 2026-03-01T05:00:00Z; it keeps the last "
        "32, not known to start at the counter's first): the readings around it are no "
        "longer kept, so it cannot be placed, and is not applied. Its part in the kept cycles "
        "is 0 B (their readings count from later ones); in the cycles already compacted it "
        "changes nothing in total if it reads between the reading before it and the one after "
        "it (it then only moves usage among those cycles, as a reading of a counter that only "
        "rises does), else an amount those readings decide, not known here (it is then a "
        "counter reset, or makes the reading after it one, or is the counter's first reading, "
        "which the one after it counts from)."
    )


def test_a_counter_with_more_readings_than_a_state_keeps_cannot_place_an_older_one() -> None:
    rater = _many()
    (state,) = rater._state
    assert len(state.readings) == 32
    assert "complete" not in state.to_json()
    # Before every reading: batch makes it the counter's first, and q2 counts 20 - 5 = 15
    # from it (1 March: 405, not 390). The state cannot tell: no reading before it is kept.
    feed = rater.feed([_reading("2026-03-01T00:10:00Z", 5, "q0")])
    assert (feed.accepted, feed.too_late) == ((), ("q0",))
    (anomaly,) = feed.anomalies
    assert (anomaly.kind, anomaly.record_ids) == ("too_late", ("q0",))
    assert anomaly.message == _unplaced("q0", 5, "2026-03-01T00:10:00Z")
    assert rater.statement("2026-03-04T00:00:00Z").lines == ()
    assert _batch([*MANY, _reading("2026-03-01T00:10:00Z", 5, "q0")]) == {1: Decimal(405)}


def test_a_reading_older_than_those_kept_changes_nothing_in_the_kept_cycles() -> None:
    # Between q4 (40 at 02:00) and q5 (50 at 02:30), which the state no longer keeps:
    # 45 at 02:15 counts 5 from q4 and q5 counts 5 from it, the 10 they counted: nothing
    # changes in total (batch: 1 March 390 B, with or without it), as the anomaly says.
    honest = _reading("2026-03-01T02:15:00Z", 45, "h")
    # 500 there is a reset of q5: 460 from q4, then q5 from zero, 50: 510 where q5 counted
    # 10, 500 more (batch: 890). The state cannot tell the two apart: same words, and the
    # kept cycles (from 2 March) are the same either way, to the last digit.
    wild = _reading("2026-03-01T02:15:00Z", 500, "w")
    after = rk.Sample("acme", "ip", "egress", "2026-03-02T06:00:00Z", 470, kind="counter", id="a")
    for sample, first_day in ((honest, Decimal(390)), (wild, Decimal(890))):
        rater = _many()
        rater.feed([after])  # 410 -> 470 over 9 h 30 min: 3 h 30 min of it on 1 March
        kept = rater.statement("2026-03-03T12:00:00Z").lines
        feed = rater.feed([sample])
        assert feed.too_late == (sample.id,)
        assert feed.anomalies[0].message == _unplaced(
            typing.cast(str, sample.id), int(sample.value), "2026-03-01T02:15:00Z"
        )
        assert rater.statement("2026-03-04T00:00:00Z").lines == ()
        batch = _batch([*MANY, after, sample])
        # 60 B over 9.5 h: 22.105263... on 1 March, compacted (said too late at its feed),
        # 37.894736... on 2 March, kept: the stream's to the last digit.
        assert [line.quantity for line in kept] == [batch[2]]
        assert batch[1] == first_day + Decimal("22.105263157894736842105263")


def test_a_reset_that_placing_a_reading_finds_in_the_compacted_cycles_is_said() -> None:
    # Readings 100 at 1 March 00:00, 300 at 12:00 and 500 on 3 March 12:00; 1-2 March
    # compacted. A reading of 50 at 1 March 06:00 comes late: below the 100 before it, a
    # reset, counted from zero (50), then 300 - 50 = 250 where 200 was: 1 March counts
    # 300 where it counted 200, +100 too late. Batch says "counter_reset"; so does the
    # feed, after the "too_late" anomaly, naming both readings as batch does.
    readings = [
        _reading("2026-03-01T00:00:00Z", 100, "c1"),
        _reading("2026-03-01T12:00:00Z", 300, "c3"),
        _reading("2026-03-03T12:00:00Z", 500, "c4"),
    ]
    late = _reading("2026-03-01T06:00:00Z", 50, "c2")
    rater = rk.Rater(PLAN, [EGRESS], start="2026-03-01T00:00:00Z")
    rater.feed(readings)
    rater.statement("2026-03-04T00:00:00Z")
    feed = rater.feed([late])
    assert [(a.kind, a.quantity) for a in feed.anomalies] == [
        ("too_late", Decimal(100)),
        ("counter_reset", None),
    ]
    batch = rk.rate([*readings, late], PLAN, meters=[EGRESS],
                    span=rk.Span("2026-03-01T00:00:00Z", "2026-03-04T00:00:00Z"))  # fmt: skip
    (reset,) = [a for a in batch.anomalies if a.kind == "counter_reset"]
    assert feed.anomalies[1] == reset
    assert reset.message == (
        "sample 'c2' reads 50 at 2026-03-01T06:00:00Z, less than the 100 of sample 'c1' at "
        "2026-03-01T00:00:00Z: a counter reset, counted from zero (delta 50)."
    )
    # Said once: the statement after meters the kept cycles only.
    assert [a.kind for a in rater.statement("2026-03-05T00:00:00Z").anomalies] == []
