"""Faults of the lean path found by a data engineer's hostile feeds, fixed.

A samples generator that reuses the caller's lists or mappings changed the events of
the same batch (read after it ran); messages quoting a record or name of a megabyte
whole. Each test states the behaviour the documentation promises.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

import ratekit as rk

T0 = 1772323200000000  # 2026-03-01T00:00:00Z
HOUR = 3_600_000_000
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
METERS = [rk.Meter("runtime", "hour", rk.OnOff()), rk.Meter("egress", "B", rk.Discrete())]
PLAN = rk.Plan(
    "fleet",
    "EUR",
    rk.cycles.monthly(tz="UTC"),
    [
        rk.PriceEntry("small", "runtime", rk.PerUnit("0.02"), where={"flavor": "s"}),
        rk.PriceEntry("large", "runtime", rk.PerUnit("0.08"), where={"flavor": "l"}),
        rk.PriceEntry("egress", "egress", rk.PerUnit("0")),
    ],
)


def charges(batch: rk.RecordBatch) -> list[tuple[str, Decimal]]:
    rating = rk.rate(batch, PLAN, span=MARCH, meters=METERS)
    return sorted((c.entry, c.amount) for c in rating.charges if c.meter == "runtime")


def test_events_list_keeps_its_attributes_while_a_samples_generator_runs() -> None:
    state: dict[str, Any] = {"flavor": "s"}

    def samples() -> Iterator[tuple[Any, ...]]:
        state["flavor"] = "l"  # the parser moves on, reusing its state dict
        yield ("acme", "vm-1", "egress", T0 + HOUR, 5)

    batch = rk.RecordBatch.from_tuples(
        events=[
            ("acme", "vm-1", T0, "start", state),
            ("acme", "vm-1", T0 + 10 * HOUR, "stop", None),
        ],
        samples=samples(),
    )
    assert dict(batch[0].attributes) == {"flavor": "s"}
    # 10 h at 0.02 (small) = 0.20
    assert charges(batch) == [("small", Decimal("0.20"))]


def test_event_columns_keep_their_attributes_while_a_sample_column_generator_runs() -> None:
    state: dict[str, Any] = {"flavor": "s"}

    def instants() -> Iterator[int]:
        state["flavor"] = "l"
        yield T0 + HOUR

    batch = rk.RecordBatch.from_columns(
        events={
            "account": ["acme", "acme"],
            "resource": ["vm-1", "vm-1"],
            "at_us": [T0, T0 + 10 * HOUR],
            "kind": ["start", "stop"],
            "attributes": [state, None],
        },
        samples={
            "account": ["acme"],
            "resource": ["vm-1"],
            "meter": ["egress"],
            "at_us": instants(),
            "value": [5],
        },
    )
    assert dict(batch[0].attributes) == {"flavor": "s"}
    assert charges(batch) == [("small", Decimal("0.20"))]


def test_events_from_a_generator_keep_their_attributes_while_samples_are_read() -> None:
    # The same feed with the events as a generator: read first, kept as they were.
    state: dict[str, Any] = {"flavor": "s"}

    def events() -> Iterator[tuple[Any, ...]]:
        yield ("acme", "vm-1", T0, "start", state)
        yield ("acme", "vm-1", T0 + 10 * HOUR, "stop", None)

    def samples() -> Iterator[tuple[Any, ...]]:
        state["flavor"] = "l"
        yield ("acme", "vm-1", "egress", T0 + HOUR, 5)

    batch = rk.RecordBatch.from_tuples(events=events(), samples=samples())
    assert dict(batch[0].attributes) == {"flavor": "s"}
    assert charges(batch) == [("small", Decimal("0.20"))]


def test_event_columns_keep_their_values_while_a_sample_column_generator_runs() -> None:
    accounts = ["acme", "acme"]
    instants = [T0, T0 + 10 * HOUR]

    def sample_instants() -> Iterator[int]:
        accounts[0] = "beta"  # the caller's buffers, reused for the next page
        instants[1] = T0 + 20 * HOUR
        yield T0 + HOUR

    batch = rk.RecordBatch.from_columns(
        events={
            "account": accounts,
            "resource": ["vm-1", "vm-1"],
            "at_us": instants,
            "kind": ["start", "stop"],
            "attributes": [{"flavor": "s"}, None],
        },
        samples={
            "account": ["acme"],
            "resource": ["vm-1"],
            "meter": ["egress"],
            "at_us": sample_instants(),
            "value": [5],
        },
    )
    assert [(e.account, e.at_us) for e in batch.events] == [("acme", T0), ("acme", T0 + 10 * HOUR)]
    # 10 h at 0.02 (small) = 0.20, billed to acme
    rating = rk.rate(batch, PLAN, span=MARCH, meters=METERS)
    assert [(c.account, c.amount) for c in rating.charges if c.meter == "runtime"] == [
        ("acme", Decimal("0.20"))
    ]


# --- messages of megabytes -----------------------------------------------------------

BLOB = "x" * 1_000_000  # an instance's user data carried in its metadata, 1 MB
SHORT = 10_000  # characters: far above any message ratekit writes for a small record


def test_a_conflict_between_two_large_records_gives_a_short_message() -> None:
    batch = rk.RecordBatch.from_tuples(
        events=[
            ("acme", "vm-1", T0, "start", {"flavor": "s", "user_data": BLOB}, "e1"),
            ("acme", "vm-1", T0, "stop", {"flavor": "s", "user_data": BLOB}, "e1"),
        ]
    )
    with pytest.raises(rk.ConflictingRecordError) as caught:
        rk.rate(batch, PLAN, span=MARCH, meters=METERS)
    message = str(caught.value)
    assert message.startswith("two records share the id 'e1' but differ:")
    assert "give a corrected record a new id" in message
    assert len(message) < SHORT


def test_a_conflict_anomaly_between_two_large_records_has_a_short_message() -> None:
    batch = rk.RecordBatch.from_tuples(
        events=[
            ("acme", "vm-1", T0, "start", {"flavor": "s", "user_data": BLOB}, "e1"),
            ("acme", "vm-1", T0, "stop", {"flavor": "s", "user_data": BLOB}, "e1"),
        ]
    )
    usage = rk.meter(batch, METERS, span=MARCH, cycle=None, as_of=MARCH.end, conflicts="anomaly")
    (anomaly,) = usage.anomalies
    assert anomaly.kind == "conflict"
    assert anomaly.record_ids == ("e1",)
    assert len(anomaly.message) < SHORT


@pytest.mark.parametrize("door", ["rate", "feed"])
def test_unpriced_usage_of_a_large_description_gives_a_short_message(door: str) -> None:
    batch = rk.RecordBatch.from_tuples(
        events=[("acme", "vm-1", T0, "start", {"flavor": "m", "user_data": BLOB}, "e1")]
    )
    rater = rk.Rater(PLAN, METERS, start=MARCH.start)
    call = (
        (lambda: rk.rate(batch, PLAN, span=MARCH, meters=METERS))
        if door == "rate"
        else (lambda: rater.feed(batch))
    )
    with pytest.raises(rk.UnpricedUsageError) as caught:
        call()
    message = str(caught.value)
    assert "usage of meter 'runtime' by account 'acme' (resource 'vm-1'" in message
    assert "add an entry, or build the plan with unpriced='anomaly'" in message
    assert len(message) < SHORT


def test_an_unpriced_anomaly_of_a_large_description_has_a_short_message() -> None:
    plan = rk.Plan(
        "fleet",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("small", "runtime", rk.PerUnit("0.02"), where={"flavor": "s"})],
        unpriced="anomaly",
    )
    batch = rk.RecordBatch.from_tuples(
        events=[("acme", "vm-1", T0, "start", {"flavor": "m", "user_data": BLOB}, "e1")]
    )
    rating = rk.rate(batch, plan, span=MARCH, meters=METERS[:1])
    (anomaly,) = rating.anomalies
    assert anomaly.kind == "unpriced"
    assert (anomaly.account, anomaly.resource) == ("acme", "vm-1")
    assert len(anomaly.message) < SHORT


def test_a_level_that_is_a_large_mapping_is_refused_with_a_short_message() -> None:
    meters = [rk.Meter("memory", "GiB*hour", rk.Continuous("memory_gib"))]
    plan = rk.Plan(
        "fleet",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("m", "memory", rk.PerUnit("0.01"))],
    )
    batch = rk.RecordBatch.from_tuples(
        events=[("acme", "vm-1", T0, "start", {"memory_gib": {"blob": BLOB}})]
    )
    with pytest.raises(rk.BadRecordError) as caught:
        rk.rate(batch, plan, span=MARCH, meters=meters)
    message = str(caught.value)
    assert message.startswith("meter 'memory', resource 'vm-1' of 'acme'")
    assert "attribute 'memory_gib'" in message
    assert len(message) < SHORT


NAME = "x" * 1_000_000  # a name gone wrong upstream: 1 MB, yet a non-empty string


def orphan_stop_of_a_long_resource_name() -> str:
    batch = rk.RecordBatch.from_tuples(events=[("acme", NAME, T0, "stop")])
    (anomaly,) = rk.rate(batch, PLAN, span=MARCH, meters=METERS).anomalies
    assert anomaly.kind == "orphan_stop"
    return anomaly.message


def too_late_of_a_long_account_name() -> str:
    plan = rk.Plan(
        "any",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "runtime", rk.PerUnit("0.02"))],
    )
    rater = rk.Rater(plan, METERS[:1], start=MARCH.start)
    feed = rater.feed(
        rk.RecordBatch.from_tuples(events=[(NAME, "vm-1", T0 - HOUR, "start", None, "e1")])
    )
    (anomaly,) = feed.anomalies
    assert anomaly.kind == "too_late"
    return anomaly.message


def conflict_of_a_long_id() -> str:
    batch = rk.RecordBatch.from_tuples(
        events=[("acme", "vm-1", T0, "start", None, NAME), ("acme", "vm-1", T0, "stop", None, NAME)]
    )
    with pytest.raises(rk.ConflictingRecordError) as caught:
        rk.rate(batch, PLAN, span=MARCH, meters=METERS)
    return str(caught.value)


@pytest.mark.parametrize(
    "message",
    [orphan_stop_of_a_long_resource_name, too_late_of_a_long_account_name, conflict_of_a_long_id],
)
def test_a_megabyte_name_is_shortened_in_every_message(message: Any) -> None:
    assert len(message()) < SHORT
