"""Counter readings are never negative; Continuous levels are never negative; gauges may be."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")
AT = 1772323200000000  # 2026-03-01T00:00:00Z
API = rk.Meter("api", "call", rk.Counter())
TAIL = (
    "is a negative counter reading; a cumulative counter counts up from zero and is never "
    "negative, so a reading must be a number >= 0 (a decrease to a lower reading is a "
    "reset; a correction is a 'delta' sample)."
)


# -- counter readings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "record_id", "named"),
    [
        (-50, "r2", "sample 'r2' value -50 "),
        ("-0.5", None, "sample (no id) of resource 'gw' value -0.5 "),
        (Decimal("-1e3"), "r3", "sample 'r3' value -1E+3 "),
    ],
)
def test_a_negative_counter_reading_is_refused_at_the_door(
    value: object, record_id: str | None, named: str
) -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        rk.Sample("a", "gw", "api", "2026-03-03T00:00:00Z", value, kind="counter", id=record_id)  # type: ignore[arg-type]
    assert str(caught.value) == named + TAIL


def test_zero_and_negative_deltas_and_gauges_pass() -> None:
    assert rk.Sample("a", "gw", "api", "2026-03-03T00:00:00Z", 0, kind="counter").value == 0
    # A negative delta is a compensating correction; a gauge may be below zero (a balance).
    assert rk.Sample("a", "gw", "api", "2026-03-03T00:00:00Z", -50).value == -50
    assert rk.Sample("a", "gw", "t", "2026-03-03T00:00:00Z", -5, kind="gauge").value == -5


def test_the_readings_meter_their_increase_once_the_negative_one_is_refused() -> None:
    readings = [
        rk.Sample("a", "gw", "api", "2026-03-02T00:00:00Z", 100, kind="counter", id="r1"),
        rk.Sample("a", "gw", "api", "2026-03-04T00:00:00Z", 200, kind="counter", id="r3"),
    ]
    usage = rk.meter(readings, [API], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    # 200 - 100 = 100 calls. With -50 between them it billed 200: 100 -> -50 read as a
    # reset counting -50 from zero, then -50 -> 200 adding 250: -50 + 250 = 200.
    assert usage.total() == Decimal(100)
    assert [a.kind for a in usage.anomalies] == []


@pytest.mark.parametrize(
    ("build", "named"),
    [
        (
            lambda: rk.RecordBatch.from_tuples(
                samples=[
                    ("a", "gw", "api", AT, 100, "counter", "r1"),
                    ("a", "gw", "api", AT + 1, -50, "counter", "r2"),
                ]
            ),
            "samples[1] (id 'r2'): value -50 ",
        ),
        (
            lambda: rk.RecordBatch.from_tuples(samples=[("a", "gw", "api", AT, -50, "counter")]),
            "samples[0]: value -50 ",
        ),
        (
            lambda: rk.RecordBatch.from_columns(
                samples={
                    "account": ["a", "a"],
                    "resource": ["gw", "gw"],
                    "meter": ["api", "api"],
                    "at_us": [AT, AT + 1],
                    "value": [-5, "-2.5"],
                    "kind": ["delta", "counter"],
                    "id": ["d1", "c1"],
                }
            ),
            "samples[1] (id 'c1'): value -2.5 ",
        ),
    ],
)
def test_a_batch_refuses_a_negative_counter_reading_as_sample_does(
    build: object, named: str
) -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        build()  # type: ignore[operator]
    assert str(caught.value) == named + TAIL


def test_a_batch_keeps_negative_deltas_and_gauges() -> None:
    batch = rk.RecordBatch.from_tuples(
        samples=[("a", "gw", "api", AT, -50, "delta"), ("a", "gw", "t", AT, -5, "gauge")]
    )
    assert [s.value for s in batch.samples] == [Decimal(-50), Decimal(-5)]


def test_a_state_with_a_negative_counter_reading_is_refused() -> None:
    data = {
        "account": "a",
        "resource": "gw",
        "status": "unknown",
        "description": {},
        "readings": [["api", AT, "-5", "counter", "r1"]],
    }
    # The stored text '-5' is a number, of the right type: its value is what is refused,
    # as a record's is (it said "not str: '-5'", blaming the type).
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.ResourceState.from_json(json.loads(json.dumps(data)))
    assert str(caught.value) == (
        "ResourceState readings item value '-5' is a negative counter reading; a counter "
        "reading must be a number >= 0 (a cumulative counter counts up from zero)."
    )


@given(
    # In the range ratekit represents (magnitudes below 1E+30), so that the opposite is a reading.
    st.decimals(
        allow_nan=False,
        allow_infinity=False,
        min_value=Decimal("-1E+29"),
        max_value=Decimal(-1) / 10**6,
        places=6,
    ),
    st.sampled_from(["sample", "tuples", "columns"]),
)
def test_no_door_takes_a_negative_counter_reading(value: Decimal, door: str) -> None:
    # Whichever way a reading comes in, a negative one is refused, a non-negative one kept.
    def make(v: Decimal) -> object:
        if door == "sample":
            return rk.Sample("a", "gw", "api", "2026-03-01T00:00:00Z", v, kind="counter")
        if door == "tuples":
            return rk.RecordBatch.from_tuples(samples=[("a", "gw", "api", AT, v, "counter")])
        return rk.RecordBatch.from_columns(
            samples={
                "account": ["a"],
                "resource": ["gw"],
                "meter": ["api"],
                "at_us": [AT],
                "value": [v],
                "kind": ["counter"],
            }
        )

    with pytest.raises(rk.BadRecordError, match="is a negative counter reading"):
        make(value)
    make(-value)  # its opposite is a reading


# -- Continuous levels ----------------------------------------------------------------------

DISK = rk.Meter("disk", "GB*hour", rk.Continuous("size"))
LEVEL_TAIL = (
    "a negative level; a Continuous level measures what runs (a size, a memory, a count of "
    "instances) and is never negative, so it must be a number >= 0 (a credit or a correction "
    "is a negative 'delta' sample on a Discrete meter)."
)


def disk(size: object) -> list[rk.Event]:
    return [
        rk.Event("a", "d", "2026-03-02T00:00:00Z", {"size": size}, kind="start", id="d1"),
        rk.Event("a", "d", "2026-03-03T00:00:00Z", kind="delete", id="d2"),
    ]


def test_a_negative_size_is_refused_naming_the_meter_record_and_attribute() -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        rk.meter(disk(-100), [DISK], span=MARCH, cycle=None, as_of=MARCH.end)
    assert str(caught.value) == (
        "meter 'disk', resource 'd' of 'a' as described by record 'd1' at "
        f"2026-03-02T00:00:00Z: attribute 'size' is -100, {LEVEL_TAIL}"
    )
    # rate() meters the same way: the same refusal, not -2400 GB*h priced negative.
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("disk", "disk", rk.PerUnit("0.01"))])
    with pytest.raises(rk.BadRecordError, match="attribute 'size' is -100, a negative level"):
        rk.rate(disk(-100), plan, span=MARCH, meters=[DISK])


def test_a_zero_size_meters_zero_and_a_positive_one_its_integral() -> None:
    assert rk.meter(disk(0), [DISK], span=MARCH, cycle=None, as_of=MARCH.end).total() == 0
    # 100 GB x 24 h (2 Mar 00:00 .. 3 Mar 00:00) = 2400 GB*h
    assert rk.meter(disk(100), [DISK], span=MARCH, cycle=None, as_of=MARCH.end).total() == (
        Decimal(2400)
    )


@pytest.mark.parametrize(
    ("policy", "description", "what"),
    [
        (
            rk.Continuous(("memory_mb", "instances")),
            {"memory_mb": 512, "instances": -1},
            "attribute 'instances' is -1",
        ),
        (
            rk.Continuous("properties.size"),
            {"properties": {"size": "-2.5"}},
            "attribute 'properties.size' is -2.5",
        ),
        (rk.Continuous(lambda d: -3), {}, "the level is -3"),
    ],
)
def test_every_continuous_level_is_refused_when_negative(
    policy: rk.Continuous, description: dict[str, object], what: str
) -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        policy.level(description)
    assert str(caught.value) == f"{what}, {LEVEL_TAIL}"


def test_a_gauge_below_zero_is_a_level_like_any_other() -> None:
    # A gauge may be a balance or a temperature: negative levels are metered as given.
    low = rk.Meter("low", "EUR", rk.Min())
    readings = [
        rk.Sample("a", "acct", "low", "2026-03-02T00:00:00Z", 20, kind="gauge", id="g1"),
        rk.Sample("a", "acct", "low", "2026-03-03T00:00:00Z", -5, kind="gauge", id="g2"),
    ]
    usage = rk.meter(readings, [low], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    assert usage.total() == Decimal(-5)  # min(20, -5) = -5
