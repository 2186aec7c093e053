"""Metering told that its records are deduplicated and kept by the caller (the rater's way).

`meter_cut_by_account(..., deduplicated=True)` looks for no replay among the records, and
the states it builds remember none of them: no ids, no digests, and of a meter that takes
no counter readings only its last reading; the usage names no account's first record.
What the rater keeps of a state (`_rater_states.lean()`) is what it kept before, and the
rows, late rows and anomalies are those of metering without it. Its base and history
are already those the rater keeps (`_metering_next_state.keeps_past()`): built once, not
built and then dropped by `lean()`.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit import strategies as rks
from ratekit._instants import to_us
from ratekit._rater_states import lean
from ratekit._restated_states import _STATE_VALUES
from ratekit.metering import meter_cut_by_account

WEEK = rk.Span("2026-03-01T00:00:00Z", "2026-03-08T00:00:00Z")
CYCLE = rk.cycles.daily(tz="UTC")
HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb"))
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
READS = rk.Meter("reads", "op", rk.Counter())
METERS = [HOURS, MEMORY, EGRESS, READS]


def _meter(
    records: list[rk.Event | rk.Sample],
    start_us: int,
    end_us: int,
    state: tuple[rk.ResourceState, ...],
    *,
    deduplicated: bool,
) -> rk.Usage:
    span = rk.Span.from_us(start_us, end_us)
    return meter_cut_by_account(
        records,
        METERS,
        span=span,
        cycle=CYCLE,
        as_of=span.end,
        cuts=lambda account: {},
        state=state,
        deduplicated=deduplicated,
    )


def test_a_state_keeps_no_record_and_a_delta_meter_its_last_reading() -> None:
    records: list[rk.Event | rk.Sample] = [
        rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {"memory_mb": 512}, kind="start", id="e1"),
        rk.Sample("acme", "vm-1", "egress", "2026-03-01T01:00:00Z", 2, id="s1"),
        rk.Sample("acme", "vm-1", "egress", "2026-03-01T02:00:00Z", 3, id="s2"),
        rk.Sample("acme", "vm-1", "reads", "2026-03-01T01:00:00Z", 10, kind="counter", id="c1"),
        rk.Sample("acme", "vm-1", "reads", "2026-03-01T02:00:00Z", 15, kind="counter", id="c2"),
    ]
    end = to_us("2026-03-02T00:00:00Z")
    usage = _meter(records, WEEK.start_us, end, (), deduplicated=True)
    (state,) = usage.state
    assert state.applied == ()
    assert state.digests == ()
    # egress keeps its last delta (3 at 02:00), the counter both its readings
    assert [(r[0], r[2], r[4]) for r in state.readings] == [
        ("egress", Decimal(3), "s2"),
        ("reads", Decimal(10), "c1"),
        ("reads", Decimal(15), "c2"),
    ]
    assert dict(usage.first_us) == {}
    # The same rows as without it: 24 h of vm.hours, 24 h x 512 MB, 2 + 3 GB, 15 - 10 reads.
    plain = _meter(records, WEEK.start_us, end, (), deduplicated=False)
    assert usage.rows == plain.rows
    assert [row.quantity for row in usage.rows if row.meter in ("egress", "reads")] == [
        Decimal(5),
        Decimal(5),
    ]
    assert dict(plain.first_us) == {"acme": WEEK.start_us}


def _same_states(ours: tuple[rk.ResourceState, ...], theirs: tuple[rk.ResourceState, ...]) -> None:
    # Every slot, the ones equality leaves out too (ids, digests, complete, ...).
    assert [_STATE_VALUES(lean(state)) for state in ours] == [
        _STATE_VALUES(lean(state)) for state in theirs
    ]
    # The base and history the rater keeps, as metering built them: lean() drops none.
    assert [state._past for state in ours] == [lean(state)._past for state in ours]


@pytest.mark.property
@settings(max_examples=LAWS * 3 // 2, deadline=None)
@given(rks.records(max_size=14), st.integers(1, 6), st.integers(1, 6))
def test_deduplicated_metering_gives_what_the_rater_kept_before(
    stream: list[rk.Event | rk.Sample], first_days: int, second_days: int
) -> None:
    records = list(dict.fromkeys(stream))  # the rater's door drops the replays
    day = 86_400_000_000
    cut = WEEK.start_us + first_days * day
    end = cut + second_days * day
    before = [r for r in records if r.at_us < cut]
    after = [r for r in records if r.at_us >= cut]
    ours = _meter(before, WEEK.start_us, cut, (), deduplicated=True)
    theirs = _meter(before, WEEK.start_us, cut, (), deduplicated=False)
    assert ours.rows == theirs.rows
    assert ours.anomalies == theirs.anomalies
    _same_states(ours.state, theirs.state)
    # continued from the lean states, as the rater continues
    carried = tuple(lean(state) for state in theirs.state)
    ours = _meter(after, cut, end, carried, deduplicated=True)
    theirs = _meter(after, cut, end, carried, deduplicated=False)
    assert ours.rows == theirs.rows
    assert [row.record_ids for row in ours.rows] == [row.record_ids for row in theirs.rows]
    assert ours.anomalies == theirs.anomalies
    assert ours.late == theirs.late
    _same_states(ours.state, theirs.state)
    assert dict(ours.first_us) == {}
