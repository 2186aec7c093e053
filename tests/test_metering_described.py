"""Where a state's description began, as metering finds it (`ResourceState._described`).

The rater's book reads it to start a delta meter's row where its piece began without
metering the resource again (`_rater_advance._begun()`): a change of description is
where sample rows are cut (another description, not another status alone). It is no
part of a state's value: not compared, not written to JSON.
"""

from __future__ import annotations

import ratekit as rk
from ratekit._instants import to_us
from ratekit._normalize import NEVER
from ratekit._rater_states import lean

HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
CYCLE = rk.cycles.monthly(tz="UTC")
MARCH_1 = "2026-03-01T00:00:00Z"
MARCH_10 = "2026-03-10T00:00:00Z"
MARCH_20 = "2026-03-20T00:00:00Z"


def _state(
    records: list[rk.Event | rk.Sample],
    start: str,
    end: str,
    state: tuple[rk.ResourceState, ...] = (),
) -> rk.ResourceState:
    usage = rk.meter(
        records, [HOURS, EGRESS], span=rk.Span(start, end), cycle=CYCLE, as_of=end, state=state
    )
    (found,) = usage.state
    return found


def _event(at: str, kind: str, flavor: str | None = None) -> rk.Event:
    attributes = {} if flavor is None else {"flavor": flavor}
    return rk.Event("a", "vm-1", at, attributes, kind=kind, id=f"{kind}-{at}")


def test_the_last_change_of_description_not_a_restart_with_the_same_one() -> None:
    state = _state(
        [
            _event("2026-03-01T01:00:00Z", "start", "s"),
            _event("2026-03-02T00:00:00Z", "start", "m"),  # a resize: from here
            _event("2026-03-03T00:00:00Z", "stop"),
            _event("2026-03-04T00:00:00Z", "start", "m"),  # the same description
        ],
        MARCH_1,
        MARCH_10,
    )
    assert state._described == (to_us("2026-03-02T00:00:00Z"), True)
    # a deletion leaves the resource with no description: a change too
    deleted = _state([_event("2026-03-11T00:00:00Z", "delete")], MARCH_10, MARCH_20, (state,))
    assert deleted._described == (to_us("2026-03-11T00:00:00Z"), True)


def test_a_resource_of_samples_alone_has_had_no_description_ever_since() -> None:
    sample = rk.Sample("a", "vm-1", "egress", "2026-03-05T00:00:00Z", 3, id="s1")
    assert _state([sample], MARCH_1, MARCH_10)._described == (NEVER, True)


def test_a_continued_state_says_what_the_state_it_continued_from_said() -> None:
    first = _state([_event("2026-03-02T00:00:00Z", "start", "s")], MARCH_1, MARCH_10)
    sample = rk.Sample("a", "vm-1", "egress", "2026-03-15T00:00:00Z", 3, id="s1")
    again = _state([sample], MARCH_10, MARCH_20, (first,))
    assert again._described == (to_us("2026-03-02T00:00:00Z"), True)
    # Read back from JSON, a state says nothing of it. Its history says where (the start
    # of 03-02 is in it); without one (as the rater keeps states), the description
    # stood from the span's start at least.
    read = rk.ResourceState.from_json(first.to_json())
    assert read == first
    assert read._described is None
    assert "described" not in first.to_json()
    assert _state([sample], MARCH_10, MARCH_20, (read,))._described == (
        to_us("2026-03-02T00:00:00Z"),
        True,
    )
    bare = rk.ResourceState.from_json(lean(first).to_json())
    assert bare.history == ()
    assert _state([sample], MARCH_10, MARCH_20, (bare,))._described == (to_us(MARCH_10), False)
