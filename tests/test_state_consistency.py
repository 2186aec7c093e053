"""ResourceState refuses fields that are valid alone but that no metering call writes together.

Each case alters one field of a state that metering wrote (through its JSON, as a host
that edits a stored state by hand would) and checks the words of the refusal; the
unaltered state is read back equal. The states metering writes pass this door in every
law of the suite, where they go through ``to_json()`` and ``from_json()`` between calls.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

import ratekit as rk

DAY = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())
READS = rk.Meter("reads", "1", rk.Counter())


def _at(text: str) -> int:
    return rk.Span(text, "9000-01-01T00:00:00Z").start_us


def _metered() -> dict[str, Any]:
    """A state with a base, a history, a seq, counter readings and digests, as JSON."""
    events = [
        rk.Event("a", "vm", f"2026-03-01T{hour:02}:00:00Z", kind=kind, id=f"e{n}", seq=n)
        for n, (hour, kind) in enumerate(
            [(1, "start"), (2, "stop"), *[(3 + k, "start" if k % 2 else "stop") for k in range(16)]]
        )
    ]
    readings = [
        rk.Sample("a", "vm", "reads", f"2026-03-01T{hour:02}:30:00Z", 10 * hour, kind="counter")
        for hour in range(1, 5)
    ]
    usage = rk.meter(events + readings, [RUNTIME, READS], span=DAY, cycle=None, as_of=DAY.end)
    (state,) = usage.state
    assert state.base is not None
    assert len(state.history) == 16
    return state.to_json()


def test_an_unaltered_state_is_read_back_equal() -> None:
    data = _metered()
    assert rk.ResourceState.from_json(copy.deepcopy(data)).to_json() == data


def _refusal(data: dict[str, Any]) -> str:
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.ResourceState.from_json(data)
    return str(raised.value)


def test_a_description_begun_after_the_last_event_is_refused() -> None:
    data = _metered()
    assert data["clock_us"] == _at("2026-03-01T18:00:00Z")  # e17, the last event
    data["since_us"] = _at("2026-03-01T19:00:00Z")
    assert _refusal(data) == (
        "ResourceState of 'a'/'vm': since_us 2026-03-01T19:00:00Z lies after clock_us "
        "2026-03-01T18:00:00Z; a resource has had its description since an instant no later "
        "than its last event (since_us <= clock_us)."
    )


def test_a_base_after_its_state_is_refused() -> None:
    data = _metered()
    data["base"]["clock_us"] = _at("2026-03-01T20:00:00Z")
    data["base"]["since_us"] = _at("2026-03-01T20:00:00Z")
    assert _refusal(data) == (
        "ResourceState of 'a'/'vm': its base's clock_us 2026-03-01T20:00:00Z lies after its "
        "own clock_us (2026-03-01T18:00:00Z); the base is where the resource stood before "
        "its history, no later than it."
    )


def test_a_seq_without_a_clock_is_refused() -> None:
    data = _metered()
    data["clock_us"] = None
    data["base"] = None  # else the base would be after the missing clock
    assert _refusal(data) == (
        "ResourceState of 'a'/'vm': seq 17 is given without clock_us; a state's seq is its "
        "last event's, and clock_us that event's instant: give both, or neither."
    )


@pytest.mark.parametrize(
    ("field", "bound", "what", "item"),
    [
        ("digests", 1024, "records", [None, "0123456789abcdef"]),
        ("applied", 1024, "record ids", "x"),
    ],
)
def test_more_records_than_a_state_remembers_are_refused(
    field: str, bound: int, what: str, item: object
) -> None:
    # was: 100,000 digests read and carried from call to call
    data = _metered()
    data[field] = [item] * (bound + 1)
    assert _refusal(data) == (
        f"ResourceState of 'a'/'vm': {field} holds {bound + 1} items; a state keeps its last "
        f"{bound} {what} at most (the latest, oldest first), as to_json() writes them."
    )
    data[field] = [item] * bound
    rk.ResourceState.from_json(data)  # the bound itself is read


def test_a_longer_history_than_a_state_keeps_is_refused() -> None:
    data = _metered()
    data["history"] = [*data["history"], data["history"][-1]]
    assert _refusal(data) == (
        "ResourceState of 'a'/'vm': history holds 17 items; a state keeps its last 16 events "
        "at most (the latest, oldest first), as to_json() writes them."
    )


def test_readings_out_of_time_order_or_too_many_are_refused() -> None:
    data = _metered()
    readings = data["readings"]
    assert [r[1] for r in readings] == [_at(f"2026-03-01T0{h}:30:00Z") for h in range(1, 5)]
    data["readings"] = readings[::-1]
    assert _refusal(data) == (
        "ResourceState of 'a'/'vm': the readings of meter 'reads' are not in time order "
        "(2026-03-01T04:30:00Z, 2026-03-01T03:30:00Z, 2026-03-01T02:30:00Z, "
        "2026-03-01T01:30:00Z); a state keeps them oldest first."
    )
    data["readings"] = [readings[0]] * 33
    assert _refusal(data) == (
        "ResourceState of 'a'/'vm': readings holds 33 readings of meter 'reads'; a state "
        "keeps the last 32 readings of a counter at most."
    )
    # of a delta meter, the last 16 deltas (those a late re-description moves)
    delta = ["bytes", readings[0][1], "5", "delta", None]
    data["readings"] = [delta] * 17
    assert _refusal(data) == (
        "ResourceState of 'a'/'vm': readings holds 17 deltas of meter 'bytes'; a state "
        "keeps the last 16 deltas of a meter at most."
    )
    data["readings"] = [delta] * 16
    assert rk.ResourceState.from_json(data).readings[0][0] == "bytes"
    # of gauge readings (an additive aggregation's, those a late re-description moves),
    # the last 16 too
    gauge = ["reads", readings[0][1], "5", "gauge", None]
    data["readings"] = [gauge] * 17
    assert _refusal(data) == (
        "ResourceState of 'a'/'vm': readings holds 17 gauge readings of meter 'reads'; a "
        "state keeps the last 16 gauge readings of a meter at most."
    )
    data["readings"] = [gauge] * 16
    assert rk.ResourceState.from_json(data).readings[0][0] == "reads"


def test_a_history_event_of_another_resource_is_refused() -> None:
    # from_json reads the history as the state's own resource's; the constructor takes
    # Events, which name theirs
    stranger = rk.Event("b", "x", "2026-03-01T00:00:00Z", kind="start")
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.ResourceState("a", "r", "running", {}, history=(stranger,))
    assert str(raised.value) == (
        "ResourceState of 'a'/'r': its history holds Event('b', 'x', '2026-03-01T00:00:00Z', "
        "kind='start'), an event of another resource; a state's history holds the events of "
        "its own resource."
    )


def test_an_unknown_key_or_a_base_of_another_resource_is_refused() -> None:
    # was: a typo ("throughus") was left out, and the next call read the state without
    # its clock; a base of another resource was read as this one's
    data = _metered()
    data["throughus"] = data.pop("through_us")
    assert _refusal(data) == (
        "ResourceState data holds 'throughus', which no state has; its fields are "
        "account, resource, status, description, since_us, opened_by, clock_us, seq, "
        "readings, through_us, applied, history, base, digests, complete, listings, "
        "pending, before, as to_json() returns them."
    )
    data = _metered()
    data["base"]["resource"] = "other"
    assert _refusal(data) == (
        "ResourceState base is of 'a'/'other', not of the state's 'a'/'vm'; a state's "
        "base is where its own resource stood before its history."
    )


def _relisted() -> dict[str, Any]:
    """A state running since a listing after a deletion, with the piece before the deletion."""
    return {
        "account": "a",
        "resource": "vm",
        "status": "running",
        "description": {},
        "since_us": _at("2026-03-03T18:30:00Z"),
        "clock_us": _at("2026-03-03T18:30:00Z"),
        "base": {
            "account": "a",
            "resource": "vm",
            "status": "deleted",
            "description": {},
            "since_us": _at("2026-03-03T04:45:00Z"),
            "opened_by": "d",
        },
        "before": {
            "status": "running",
            "description": {"memory_mb": 1024},
            "since_us": _at("2026-03-01T19:30:00Z"),
            "opened_by": "s",
            "clock_us": _at("2026-03-01T19:30:00Z"),
            "seq": None,
        },
    }


def test_a_before_piece_is_read_back_and_refused_where_no_rater_writes_it() -> None:
    # A rater's compacted state keeps the piece before its base's (ResourceState.before):
    # read back equal through JSON; one that does not start before the base's piece, one
    # without a base, or one of another shape is refused in words.
    state = rk.ResourceState.from_json(_relisted())
    assert state.before is not None
    assert (state.before.status, state.before.opened_by) == ("running", "s")
    assert rk.ResourceState.from_json(state.to_json()) == state
    assert state.to_json()["before"] == _relisted()["before"]
    late = _relisted()
    late["before"]["since_us"] = late["before"]["clock_us"] = _at("2026-03-03T05:00:00Z")
    assert _refusal(late) == (
        "ResourceState of 'a'/'vm': its before piece starts at 2026-03-03T05:00:00Z, not "
        "before its base's piece (since 2026-03-03T04:45:00Z); the piece before the base's "
        "is where the resource stood before it: its since_us lies before the base's."
    )
    alone = _relisted()
    alone["base"] = None
    assert _refusal(alone) == (
        "ResourceState before must be None for a state without a base (it is the piece "
        "before the base's), not ResourceState: ResourceState('a', 'vm', 'running', "
        "{'...='2026-03-01T19:30:00Z', opened_by='s')."
    )
    shaped = _relisted()
    shaped["before"] = ["running", {}, 0]
    assert _refusal(shaped) == (
        "ResourceState before must be None or a mapping of status, description, since_us, "
        "opened_by, clock_us, seq, not list: ['running', {}, 0]."
    )
