"""Counter readings carried across metering calls: late readings placed among those kept."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

import pytest

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
CTR = rk.Meter("ctr", "call", rk.Counter())
FIRST = rk.Span("2026-03-01T00:00:00Z", "2026-03-05T13:00:00Z")
SECOND = rk.Span("2026-03-05T13:00:00Z", "2026-04-01T00:00:00Z")


def reading(day: int, value: int, record_id: str | None) -> rk.Sample:
    return rk.Sample(
        "a", "r", "ctr", f"2026-03-0{day}T12:00:00Z", value, kind="counter", id=record_id
    )


def per_day(rows: tuple[rk.UsageRow, ...]) -> dict[int, Decimal]:
    out: dict[int, Decimal] = defaultdict(Decimal)
    for row in rows:
        out[row.cycle.start.day] += row.quantity
    return {day: quantity for day, quantity in sorted(out.items()) if quantity}


def two_calls(
    first: list[rk.Sample], second: list[rk.Sample], *, via_json: bool
) -> tuple[rk.Usage, rk.Usage]:
    u1 = rk.meter(first, [CTR], span=FIRST, cycle=DAILY, as_of=FIRST.end)
    state = list(u1.state)
    if via_json:
        state = [rk.ResourceState.from_json(json.loads(json.dumps(s.to_json()))) for s in state]
    u2 = rk.meter(second, [CTR], span=SECOND, cycle=DAILY, as_of=SECOND.end, state=state)
    return u1, u2


@pytest.mark.parametrize("via_json", [False, True])
@pytest.mark.parametrize("ids", [True, False])
def test_readings_before_the_first_kept_one_count_up_to_it(via_json: bool, ids: bool) -> None:
    c1, c3, c5 = (
        reading(d, v, f"c{d}" if ids else None) for d, v in ((1, 100), (3, 300), (5, 500))
    )
    u1, u2 = two_calls([c5], [c1, c3], via_json=via_json)
    # 500 alone is the counter's first reading: nothing counted yet.
    assert per_day(u1.rows) == {}
    # At once: 100 -> 300 over 1 Mar 12:00..3 Mar 12:00 (48 h, 200/48 an hour) and
    # 300 -> 500 over 3 Mar 12:00..5 Mar 12:00, shared by day: 1 Mar 12 h = 50,
    # 2 Mar 100, 3 Mar 50 + 50 = 100, 4 Mar 100, 5 Mar 50; 400 in all, all late.
    expected = {1: Decimal(50), 2: Decimal(100), 3: Decimal(100), 4: Decimal(100), 5: Decimal(50)}
    assert per_day(u2.late) == expected
    assert u2.rows == ()
    whole = rk.meter([c1, c3, c5], [CTR], span=rk.Span(FIRST.start, SECOND.end), cycle=DAILY,
                     as_of=SECOND.end)  # fmt: skip
    assert per_day(whole.rows) == expected
    assert "counter_reset" not in [a.kind for a in u2.anomalies]
    assert {a.kind for a in u2.anomalies} == {"late"}


@pytest.mark.parametrize("via_json", [False, True])
def test_a_reading_between_two_kept_ones_splits_their_increment(via_json: bool) -> None:
    u1, u2 = two_calls([reading(1, 100, "c1"), reading(5, 500, "c5")], [reading(3, 200, "c3")],
                       via_json=via_json)  # fmt: skip
    # First call: 100 -> 500 over 96 h: 1 Mar 50, 2-4 Mar 100 each, 5 Mar 50.
    assert per_day(u1.rows) == {1: Decimal(50), 2: Decimal(100), 3: Decimal(100),
                                4: Decimal(100), 5: Decimal(50)}  # fmt: skip
    # At once: 100 -> 200 over 48 h (1 Mar 25, 2 Mar 50, 3 Mar 25), 200 -> 500 over 48 h
    # (3 Mar 75, 4 Mar 150, 5 Mar 75). Late change: 1 Mar 25 - 50 = -25, 2 Mar 50 - 100
    # = -50, 3 Mar 100 - 100 = 0, 4 Mar 150 - 100 = 50, 5 Mar 75 - 50 = 25; sum 0.
    assert per_day(u2.late) == {1: Decimal(-25), 2: Decimal(-50), 4: Decimal(50), 5: Decimal(25)}
    assert "counter_reset" not in [a.kind for a in u2.anomalies]


def test_a_reading_older_than_those_kept_is_reported_with_its_value() -> None:
    # A state written before counters kept their readings: its one reading may not be
    # the counter's first, so a reading before it cannot be placed.
    u1 = rk.meter([reading(5, 500, "c5")], [CTR], span=FIRST, cycle=DAILY, as_of=FIRST.end)
    data = u1.state[0].to_json()
    assert data["complete"] == ["ctr"]
    del data["complete"]
    state = rk.ResourceState.from_json(data)
    u2 = rk.meter([reading(1, 100, "c1")], [CTR], span=SECOND, cycle=DAILY, as_of=SECOND.end,
                  state=[state])  # fmt: skip
    assert u2.rows == u2.late == ()
    (late,) = [a for a in u2.anomalies if a.record_ids == ("c1",)]
    assert late.kind == "late"
    assert late.message == (
        "sample 'c1' reads 100 at 2026-03-01T12:00:00Z, before the oldest reading of meter "
        "'ctr' the carried state keeps (500 at 2026-03-05T12:00:00Z; it keeps the last 32, "
        "not known to start at the counter's first): the readings around it are no longer "
        "kept, so it cannot be placed, and is not metered. It changes nothing from that "
        "oldest reading on; before it, nothing in total if it reads between the reading "
        "before it and the one after it (it then only moves usage among the pieces between "
        "them, as a reading of a counter that only rises does), else an amount those "
        "readings decide (a counter reset, or the counter's first reading): meter the "
        "counter's readings again from an earlier state, or at once."
    )
    assert "counter_reset" not in [a.kind for a in u2.anomalies]
    # The unplaced reading is not kept: the next reading counts from 500.
    assert [r[1:3] for r in u2.state[0].readings] == [(reading(5, 0, None).at_us, Decimal(500))]


def test_a_malformed_complete_field_is_refused_by_name() -> None:
    data = {"account": "a", "resource": "r", "status": "unknown", "description": {}}
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.ResourceState.from_json({**data, "complete": "ctr"})
    assert str(caught.value) == (
        "ResourceState complete must be a list of meter names (non-empty strings), not str: 'ctr'."
    )


# -- replays written another way, through a state in JSON ------------------------------------

D1 = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
D2 = rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
EGRESS = rk.Meter("eg", "B", rk.Discrete())
RUNTIME = rk.Meter("vm", "hour", rk.OnOff())


def via_state(
    first: list[rk.Event | rk.Sample], second: list[rk.Event | rk.Sample]
) -> tuple[rk.Usage, rk.Usage]:
    u1 = rk.meter(first, [EGRESS, RUNTIME], span=D1, cycle=DAILY, as_of=D1.end)
    state = [rk.ResourceState.from_json(json.loads(json.dumps(s.to_json()))) for s in u1.state]
    u2 = rk.meter(second, [EGRESS, RUNTIME], span=D2, cycle=DAILY, as_of=D2.end, state=state)
    return u1, u2


@pytest.mark.parametrize(
    ("first", "again", "record_id"),
    [("100", "100.0", None), ("100", "1E+2", None), ("100", "1E+2", "s"), ("1E+2", "100.00", "s")],
)
def test_a_sample_replayed_with_its_value_written_another_way_is_a_duplicate(
    first: str, again: str, record_id: str | None
) -> None:
    u1, u2 = via_state(
        [rk.Sample("a", "r1", "eg", "2026-03-01T10:00:00Z", first, id=record_id)],
        [rk.Sample("a", "r1", "eg", "2026-03-01T10:00:00Z", again, id=record_id)],
    )
    # 100 B once, as metering both at once gives: the replay adds nothing.
    assert u1.total() == Decimal(100)
    assert u2.total() == Decimal(0)
    assert u2.late == ()
    assert [a.kind for a in u2.anomalies] == ["duplicate"]


def test_an_event_replayed_with_a_description_number_written_another_way_is_a_duplicate() -> None:
    start = rk.Event("a", "r1", "2026-03-01T10:00:00Z", {"size": 1}, kind="start", id="e")
    again = rk.Event("a", "r1", "2026-03-01T10:00:00Z", {"size": 1.0}, kind="start", id="e")
    u1, u2 = via_state([start], [again])
    # Running from 10:00: 14 h on 1 Mar, 24 h on 2 Mar; the replay changes nothing.
    assert (u1.total(), u2.total()) == (Decimal(14), Decimal(24))
    assert [a.kind for a in u2.anomalies] == ["duplicate"]


def test_a_state_with_digests_of_values_as_written_still_knows_their_replays() -> None:
    from ratekit import _metering_memory

    sample = rk.Sample("a", "r1", "eg", "2026-03-01T10:00:00Z", "100.0", id="s")
    u1 = rk.meter([sample], [EGRESS], span=D1, cycle=DAILY, as_of=D1.end)
    data = u1.state[0].to_json()
    data["digests"] = [["s", _metering_memory.raw_digest(sample)]]
    state = rk.ResourceState.from_json(data)
    u2 = rk.meter([sample], [EGRESS], span=D2, cycle=DAILY, as_of=D2.end, state=[state])
    assert [a.kind for a in u2.anomalies] == ["duplicate"]
    changed = rk.Sample("a", "r1", "eg", "2026-03-01T10:00:00Z", "101", id="s")
    with pytest.raises(rk.ConflictingRecordError) as caught:
        rk.meter([changed], [EGRESS], span=D2, cycle=DAILY, as_of=D2.end, state=[state])
    assert str(caught.value).startswith(
        "sample 's' was applied by an earlier call with other content: a record of content "
        f"digest {_metering_memory.raw_digest(sample)} was applied,"
    )
