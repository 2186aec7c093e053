"""ResourceState refuses out-of-range instants and seqs, from the constructor and from_json."""

from __future__ import annotations

import pytest

import ratekit as rk
from ratekit._instants import MAX_US

BASE = {"account": "a", "resource": "r", "status": "running", "description": {}}


@pytest.mark.parametrize("field", ["since_us", "through_us", "clock_us"])
@pytest.mark.parametrize("value", [10**30, -(10**30), MAX_US + 1])
def test_from_json_refuses_an_instant_out_of_range(field: str, value: int) -> None:
    with pytest.raises(
        rk.BadTimeError,
        match=rf"ResourceState {field} .* lies outside the instants ratekit represents",
    ):
        rk.ResourceState.from_json({**BASE, field: value})
    with pytest.raises(rk.BadTimeError, match=rf"ResourceState {field}"):
        rk.ResourceState("a", "r", "running", {}, **{field: value})


def test_from_json_refuses_a_reading_out_of_range() -> None:
    readings = [["bytes", 10**30, "1", "delta", None]]
    with pytest.raises(rk.BadTimeError, match=r"ResourceState readings item at_us .* lies outside"):
        rk.ResourceState.from_json({**BASE, "readings": readings})


@pytest.mark.parametrize("value", [10**30, 2**63, -(2**63) - 1])
def test_from_json_refuses_a_seq_out_of_range(value: int) -> None:
    with pytest.raises(
        rk.BadRecordError,
        match=r"ResourceState seq .* lies outside .*: give an int from -2\*\*63 up to but "
        r"excluding 2\*\*63\.",
    ):
        rk.ResourceState.from_json({**BASE, "seq": value})


def test_the_range_ends_are_kept_and_print() -> None:
    state = rk.ResourceState.from_json(
        {**BASE, "since_us": MAX_US, "clock_us": MAX_US, "through_us": MAX_US, "seq": 2**63 - 1}
    )
    assert state.since_us == MAX_US
    assert state.seq == 2**63 - 1
    assert "9999-12-31T23:59:59.999999Z" in repr(state)
    assert rk.ResourceState.from_json(state.to_json()) == state
