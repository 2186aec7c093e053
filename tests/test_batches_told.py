"""What a batch's columns tell metering at its door, and metering of a batch by it.

A `RecordBatch` built from columns or tuples keeps what its columns told (where its
events end, whether a record has an id or an event a ``seq``, its samples' meters and
kinds, whether a value is below zero), so that `meter()` reads none of those again from
its records. Each case below meters a batch whose columns tell something other than the
fleet month's plain feed (ids that repeat, a correction, a ``seq``, a kind no meter takes,
a record at ``as_of``, a state that remembers records) and expects what the same
records give as a plain list, field for field.
"""

from __future__ import annotations

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
T0 = MARCH.start_us
HOUR = 3_600_000_000
METERS = [
    rk.Meter("runtime", "hour", rk.OnOff()),
    rk.Meter("api", "call", rk.Discrete()),
]
SMALL = {"flavor": "m1.small"}
CYCLE = rk.cycles.monthly(tz="UTC")


def _metered(records: object, state: tuple[rk.ResourceState, ...] = ()) -> rk.Usage:
    return rk.meter(records, METERS, span=MARCH, as_of=MARCH.end, cycle=CYCLE, state=state)  # type: ignore[arg-type]


def _same(batch: rk.RecordBatch, state: tuple[rk.ResourceState, ...] = ()) -> rk.Usage:
    """The batch metered, checked equal to its records metered as a plain list."""
    usage = _metered(batch, state)
    plain = _metered(list(batch), state)
    assert usage.rows == plain.rows
    assert usage.anomalies == plain.anomalies
    assert usage.state == plain.state
    assert usage.no_effect == plain.no_effect
    return usage


def test_columns_tell_where_the_events_end_and_what_the_samples_hold() -> None:
    batch = rk.RecordBatch.from_columns(
        events={
            "account": ["a", "a"],
            "resource": ["vm", "vm"],
            "at_us": [T0, T0 + HOUR],
            "kind": ["start", "stop"],
            "seq": [None, 4],
        },
        samples={
            "account": ["a"],
            "resource": ["vm"],
            "meter": ["api"],
            "at_us": [T0],
            "value": [-2],
        },
    )
    told = batch._told
    assert told is not None
    assert (told.events, told.named, told.sequenced) == (2, False, True)
    assert (told.meters, told.kinds, told.below_zero) == ({"api"}, {"delta"}, True)


def test_tuples_tell_what_their_events_and_samples_tell_together() -> None:
    batch = rk.RecordBatch.from_tuples(
        events=[("a", "vm", T0, "start", SMALL, "e1")],
        samples=[("a", "vm", "api", T0, 3, "delta"), ("a", "vm", "api", T0 + 1, 4, "gauge")],
    )
    told = batch._told
    assert told is not None
    assert (told.events, told.named, told.sequenced) == (1, True, False)
    assert (told.meters, told.kinds, told.below_zero) == ({"api"}, {"delta", "gauge"}, False)
    only_samples = rk.RecordBatch.from_tuples(samples=[("a", "vm", "api", T0, 3, "delta", "s1")])
    assert only_samples._told is not None
    assert (only_samples._told.events, only_samples._told.named) == (0, True)


def test_records_already_made_tell_nothing_and_meter_alike() -> None:
    records = [rk.Event("a", "vm", MARCH.start, SMALL, kind="start")]
    batch = rk.RecordBatch(records)
    assert batch._told is None
    # a start at 00:00, running to the span's end: 31 days of 24 hours = 744 hours
    assert [row.quantity for row in _same(batch).rows] == [744]


def test_a_batch_with_a_repeated_id_keeps_the_first_as_a_list_does() -> None:
    batch = rk.RecordBatch.from_tuples(
        samples=[
            ("a", "vm", "api", T0, 5, "delta", "s1"),
            ("a", "vm", "api", T0 + HOUR, 7, "delta", "s1"),  # the same id, other content
            ("a", "vm", "api", T0 + 2 * HOUR, 1, "delta", "s2"),
        ]
    )
    with pytest.raises(rk.ConflictingRecordError):
        _metered(batch)
    usage = rk.meter(batch, METERS, span=MARCH, as_of=MARCH.end, cycle=CYCLE, conflicts="anomaly")
    plain = rk.meter(
        list(batch), METERS, span=MARCH, as_of=MARCH.end, cycle=CYCLE, conflicts="anomaly"
    )
    assert usage.rows == plain.rows
    assert usage.anomalies == plain.anomalies
    # s1's first version (5) and s2 (1): 5 + 1 = 6 calls; the conflict is reported
    assert [row.quantity for row in usage.rows] == [6]
    assert [anomaly.kind for anomaly in usage.anomalies] == ["conflict"]


def test_a_correction_in_a_batch_is_placed_as_in_a_list() -> None:
    batch = rk.RecordBatch.from_tuples(
        events=[("a", "vm", T0, "start", SMALL)],
        samples=[("a", "vm", "api", T0 + HOUR, 10), ("a", "vm", "api", T0 + 2 * HOUR, -4)],
    )
    assert batch._told is not None
    assert batch._told.below_zero
    api = [row for row in _same(batch).rows if row.meter == "api"]
    # 10 calls, then 4 taken back: 10 - 4 = 6 over the month
    assert sum(row.quantity for row in api) == 6


def test_events_with_a_seq_in_a_batch_are_applied_in_seq_order_as_in_a_list() -> None:
    batch = rk.RecordBatch.from_tuples(
        events=[
            ("a", "vm", T0 + HOUR, "stop", None, None, 2),
            ("a", "vm", T0, "start", SMALL, None, 1),
        ]
    )
    runtime = _same(batch).rows
    # started at 00:00, stopped at 01:00: 1 hour
    assert [row.quantity for row in runtime] == [1]


def test_a_kind_no_meter_takes_is_refused_naming_the_record_as_for_a_list() -> None:
    batch = rk.RecordBatch.from_tuples(
        samples=[("a", "vm", "api", T0, 1, "delta"), ("a", "vm", "api", T0 + 1, 5, "counter")]
    )
    with pytest.raises(rk.RatekitError) as from_batch:
        _metered(batch)
    with pytest.raises(rk.RatekitError) as from_list:
        _metered(list(batch))
    assert str(from_batch.value) == str(from_list.value)
    assert "records[1]" in str(from_batch.value)


def test_a_record_at_as_of_is_left_out_of_a_batch_as_of_a_list() -> None:
    batch = rk.RecordBatch.from_tuples(
        events=[("a", "vm", T0, "start", SMALL)],
        samples=[("a", "vm", "api", T0 + HOUR, 3), ("a", "vm", "api", MARCH.end_us, 9)],
    )
    api = [row for row in _same(batch).rows if row.meter == "api"]
    assert sum(row.quantity for row in api) == 3  # the 9 at as_of is not known yet


def test_a_batch_met_by_a_state_that_remembers_its_records_meters_as_a_list() -> None:
    first = rk.RecordBatch.from_tuples(
        events=[("a", "vm", T0, "start", SMALL, "e1")],
        samples=[("a", "vm", "api", T0 + HOUR, 3, "delta", "s1")],
    )
    half = rk.Span(MARCH.start, "2026-03-16T00:00:00Z")
    state = rk.meter(first, METERS, span=half, as_of=half.end, cycle=CYCLE).state
    again = rk.RecordBatch.from_tuples(
        events=[("a", "vm", T0, "start", SMALL, "e1")],  # a replay: remembered
        samples=[
            ("a", "vm", "api", T0 + HOUR, 3, "delta", "s1"),  # a replay: remembered
            ("a", "vm", "api", half.end_us + HOUR, 2, "delta", "s2"),
        ],
    )
    rest = rk.Span(half.end, MARCH.end)
    usage = rk.meter(again, METERS, span=rest, as_of=MARCH.end, cycle=CYCLE, state=state)
    plain = rk.meter(list(again), METERS, span=rest, as_of=MARCH.end, cycle=CYCLE, state=state)
    assert usage.rows == plain.rows
    assert usage.anomalies == plain.anomalies
    assert [row.quantity for row in usage.rows if row.meter == "api"] == [2]


def test_a_batch_evolved_or_pickled_keeps_nothing_stale() -> None:
    # attrs.evolve(batch) gives the value back, and one evolved with other records tells
    # nothing (metering reads them), so a correction among them is not missed; a pickled
    # batch keeps what its columns told.
    import pickle

    import attrs

    batch = rk.RecordBatch.from_tuples(
        events=[("a", "vm", T0, "start", SMALL, "e1")],
        samples=[("a", "vm", "api", T0, 3, "delta")],
    )
    assert attrs.evolve(batch) == batch
    fixed = rk.Sample("a", "vm", "api", rk.Span.from_us(T0, T0 + 1).start, -3, id="fix")
    evolved = attrs.evolve(batch, records=(*batch, fixed))
    assert evolved._told is None
    usage = _same(evolved)
    assert sum(row.quantity for row in usage.rows if row.meter == "api") == 0  # 3 - 3
    assert pickle.loads(pickle.dumps(batch))._told == batch._told
