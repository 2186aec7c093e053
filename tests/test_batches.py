"""The lean input path: RecordBatch from tuples and columns, checked per column.

The law: for random streams, a batch built from plain tuples gives exactly the records,
the usage, the anomalies, the charges and the rater's statements that the friendly
constructors give from the same fields.
"""

from __future__ import annotations

import pickle
import sys
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk
from ratekit._instants import MAX_US, from_us

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
T0 = MARCH.start_us
HOUR = 3_600_000_000
SMALL = {"flavor": "m1.small", "memory_gib": 2}
LARGE = {"flavor": "m1.large", "memory_gib": 8}
METERS = [
    rk.Meter("runtime", "hour", rk.OnOff()),
    rk.Meter("memory", "GiB*hour", rk.Continuous("memory_gib")),
    rk.Meter("egress", "B", rk.Discrete()),
]
PLAN = rk.Plan(
    "fleet",
    "EUR",
    rk.cycles.monthly(tz="Europe/Zurich"),
    [
        rk.PriceEntry("small", "runtime", rk.PerUnit("0.02"), where={"flavor": "m1.small"}),
        rk.PriceEntry("large", "runtime", rk.PerUnit("0.08"), where={"flavor": "m1.large"}),
        rk.PriceEntry("memory", "memory", rk.PerUnit("0.0025")),
        rk.PriceEntry(
            "egress",
            "egress",
            rk.Graduated([rk.Tier(1000, 0), rk.Tier(5000, "0.001"), rk.Tier(None, "0.0005")]),
        ),
    ],
    unpriced="anomaly",  # a resource never described runs unpriced: reported, not raised
)


def _friendly_event(row: tuple[object, ...]) -> rk.Event:
    account, resource, at_us, kind, attributes, *rest = row
    record_id = rest[0] if rest else None
    seq = rest[1] if len(rest) > 1 else None
    return rk.Event(
        account,  # type: ignore[arg-type]
        resource,  # type: ignore[arg-type]
        from_us(at_us),  # type: ignore[arg-type]
        attributes,  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
        id=record_id,  # type: ignore[arg-type]
        seq=seq,  # type: ignore[arg-type]
    )


def _friendly_sample(row: tuple[object, ...]) -> rk.Sample:
    account, resource, meter, at_us, value, *rest = row
    kind = rest[0] if rest else "delta"
    record_id = rest[1] if len(rest) > 1 else None
    return rk.Sample(
        account,  # type: ignore[arg-type]
        resource,  # type: ignore[arg-type]
        meter,  # type: ignore[arg-type]
        from_us(at_us),  # type: ignore[arg-type]
        value,  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
        id=record_id,  # type: ignore[arg-type]
    )


# -- examples ---------------------------------------------------------------------------------


def test_tuples_make_the_records_the_friendly_constructors_make() -> None:
    batch = rk.RecordBatch.from_tuples(
        events=[
            ("acme", "vm-1", T0, "start", SMALL, "e1", 1),
            ("acme", "vm-1", T0 + HOUR, "stop", None, "e2", 2),
        ],
        samples=[("acme", "vm-1", "egress", T0 + 5, Decimal("1.5"), "delta", "s1", None)],
    )
    assert list(batch) == [
        rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", SMALL, kind="start", id="e1", seq=1),
        rk.Event("acme", "vm-1", "2026-03-01T01:00:00Z", kind="stop", id="e2", seq=2),
        rk.Sample("acme", "vm-1", "egress", "2026-03-01T00:00:00.000005Z", "1.5", id="s1"),
    ]
    assert len(batch) == 3
    assert batch.events == tuple(batch[:2])
    assert batch.samples == (batch[2],)
    assert repr(batch) == "RecordBatch(2 events, 1 sample)"
    # the records are the ordinary values: hashable, equal by content, read-only attributes
    assert hash(batch[0]) == hash(_friendly_event(("acme", "vm-1", T0, "start", SMALL, "e1", 1)))
    with pytest.raises(TypeError, match="read-only"):
        batch[0].attributes["flavor"] = "m1.large"  # type: ignore[index]


def test_the_records_made_are_events_and_samples_themselves_and_frozen() -> None:
    # Each record is built as a private twin of its class (plain stores), then made an
    # Event or a Sample: nothing of the twin may show (its type, its setter, a pickle).
    batch = rk.RecordBatch.from_tuples(
        events=[("acme", "vm-1", T0, "start", SMALL)],
        samples=[("acme", "vm-1", "egress", T0 + 5, 7)],
    )
    event, sample = batch
    assert type(event) is rk.Event
    assert type(sample) is rk.Sample
    assert pickle.loads(pickle.dumps(sample)) == sample
    assert type(pickle.loads(pickle.dumps(event))) is rk.Event
    for record, field in ((event, "kind"), (sample, "value")):
        with pytest.raises(AttributeError):
            setattr(record, field, "stop")
    assert (event.kind, sample.value) == ("start", Decimal(7))


def test_int_values_become_the_decimals_and_names_the_strings_the_friendly_door_makes() -> None:
    # An int column is converted at C speed, each name interned once per distinct name:
    # the Decimals must be the friendly door's to the digit and exponent (Decimal(0) has
    # exponent 0 and sign 0; 10**30 - 1 is the largest int below 1E+30), and each name
    # the interned string, as rk.Sample makes it.
    values = [0, -1, 7, 10**30 - 1, -(10**30 - 1)]
    account = "".join(["ac", "me"])  # made at run time: not interned yet
    batch = rk.RecordBatch.from_tuples(
        samples=[(account, "ip-1", "egress", T0 + i, value) for i, value in enumerate(values)]
    )
    for sample, value in zip(batch, values, strict=True):
        assert type(sample.value) is Decimal
        assert sample.value.as_tuple() == Decimal(value).as_tuple()
        friendly = rk.Sample(account, "ip-1", "egress", from_us(T0), value)
        assert sample.value.as_tuple() == friendly.value.as_tuple()
        assert sample.account is sys.intern("acme")


def test_records_with_the_same_mapping_share_one_frozen_description() -> None:
    batch = rk.RecordBatch.from_tuples(
        events=[("acme", f"vm-{i}", T0 + i, "start", SMALL) for i in range(5)]
    )
    assert len({id(event.attributes) for event in batch}) == 1
    assert dict(batch[0].attributes) == SMALL


def test_columns_default_the_optional_fields() -> None:
    batch = rk.RecordBatch.from_columns(
        events={"account": ["acme"], "resource": ["vm-1"], "at_us": [T0]},
        samples={
            "account": ["acme"],
            "resource": ["ip-1"],
            "meter": ["egress"],
            "at_us": [T0],
            "value": ["2.50"],
        },
    )
    assert batch[0] == rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z")  # an update
    assert batch[1] == rk.Sample("acme", "ip-1", "egress", "2026-03-01T00:00:00Z", "2.50")
    assert rk.RecordBatch.from_columns() == rk.RecordBatch.from_tuples()
    assert len(rk.RecordBatch.from_tuples()) == 0


def test_a_batch_meters_rates_and_feeds_like_the_friendly_records() -> None:
    rows = [
        ("acme", "vm-1", T0, "start", SMALL),
        ("acme", "vm-1", T0 + 2 * HOUR, "start", LARGE),  # a resize
        ("acme", "vm-1", T0 + 3 * HOUR, "stop", None),
        ("acme", "vm-1", T0 + 3 * HOUR, "stop", None),  # a replay: a duplicate
    ]
    samples = [("acme", "vm-1", "egress", T0 + HOUR, 4000)]
    batch = rk.RecordBatch.from_tuples(rows, samples)
    friendly = [*map(_friendly_event, rows), *map(_friendly_sample, samples)]
    lean = rk.rate(batch, PLAN, span=MARCH, meters=METERS)
    want = rk.rate(friendly, PLAN, span=MARCH, meters=METERS)
    assert lean.charges == want.charges
    assert lean.anomalies == want.anomalies
    # 2 h small at 0.02 + 1 h large at 0.08 = 0.12; memory 2*2 + 8*1 = 12 GiB-h at
    # 0.0025 = 0.03; egress 1000 free + 3000 at 0.001 = 3; total 3.15
    assert sum(charge.amount for charge in lean.charges) == Decimal("3.15")
    rater = rk.Rater(PLAN, METERS, start=MARCH.start)
    fed = rater.feed(batch)
    assert fed.counts["accepted"] == 4
    assert fed.counts["duplicates"] == 1


def test_a_batch_pickles() -> None:
    batch = rk.RecordBatch.from_tuples([("acme", "vm-1", T0, "start", SMALL)])
    assert pickle.loads(pickle.dumps(batch)) == batch


# -- the doors: each bad field named, with its record and what is accepted ------------------


@pytest.mark.parametrize(
    ("events", "samples", "error", "message"),
    [
        (
            [("acme", "vm-1", T0, "start", None, None), ("acme", "", T0, "stop", None, "e2")],
            (),
            rk.RatekitTypeError,
            "events[1] (id 'e2'): resource is str ''; it must be a non-empty string.",
        ),
        (
            [("acme", "vm-1", 1.5, "start", None)],
            (),
            rk.RatekitTypeError,
            (
                "events[0]: at_us is float 1.5; an instant of a batch is an int of "
                "microseconds since 1970-01-01T00:00:00Z (use rk.Event or rk.Sample for "
                "datetimes and ISO strings)."
            ),
        ),
        (
            [("acme", "vm-1", MAX_US + 1, "start", None)],
            (),
            rk.BadTimeError,
            f"events[0]: at_us is int {MAX_US + 1}; an instant lies from",
        ),
        (
            [("acme", "vm-1", T0, "start", {"memory_gib": float("nan")}, "e1")],
            (),
            rk.BadQuantityError,
            "events[0] (id 'e1'): attribute 'memory_gib' is nan, not a finite number",
        ),
        (
            [("acme", "vm-1", T0, "start", ["flavor"])],
            (),
            rk.RatekitTypeError,
            "events[0]: attributes must be a mapping of names to values, not list",
        ),
        (
            [("acme", "vm-1", T0, "start", None, "e1", True)],
            (),
            rk.RatekitTypeError,
            "events[0] (id 'e1'): seq is bool True; a seq is an int or None.",
        ),
        (
            [("acme", "vm-1", T0, "start", None, "")],
            (),
            rk.RatekitTypeError,
            "events[0]: id is str ''; an id is a non-empty string or None.",
        ),
        (
            (),
            [("acme", "ip-1", "egress", T0, 1), ("acme", "ip-1", "egress", T0, "lots")],
            rk.BadQuantityError,
            "samples[1]: value 'lots' is not a decimal number; write it like",
        ),
        (
            (),
            [("acme", "ip-1", "egress", T0, 10**30)],
            rk.BadQuantityError,
            "samples[0]: value 1000000000000000000000000000000 lies outside the numbers",
        ),
        (
            (),
            [("acme", "ip-1", "egress", T0, 1, "level")],
            rk.BadRecordError,
            ("samples[0]: kind is str 'level'; it must be one of 'delta', 'counter', 'gauge'."),
        ),
        (
            # one field is one field, not "1 fields"
            [("acme",)],
            (),
            rk.RatekitTypeError,
            (
                "events[0] has 1 field: ('acme',); "
                "an event tuple is (account, resource, at_us, kind, attributes, id, seq), from "
                "3 to 7 fields (the first 3 required), and every tuple of a batch has the same "
                "length."
            ),
        ),
        (
            # the 4-field event (no attributes) was refused before kind and attributes got
            # their defaults in tuples as in columns; a 2-field one is short
            [("acme", "vm-1")],
            (),
            rk.RatekitTypeError,
            (
                "events[0] has 2 fields: ('acme', 'vm-1'); "
                "an event tuple is (account, resource, at_us, kind, attributes, id, seq), from "
                "3 to 7 fields (the first 3 required), and every tuple of a batch has the same "
                "length."
            ),
        ),
        (
            [("acme", "vm-1", T0, "start", {}, "e0", None, 1)],
            (),
            rk.RatekitTypeError,
            (
                # the tuple shown cut short, as every door shows a value (its first 6)
                "events[0] has 8 fields: ('acme', 'vm-1', 1772323200000000, 'start', "
                "{}, 'e0', ...); an event tuple is (account, resource, at_us, kind, "
                "attributes, id, seq), from 3 to 7 fields (the first 3 required), and every "
                "tuple of a batch has the same length."
            ),
        ),
        (
            (),
            [
                ("acme", "ip", "m", T0, 5, "delta", "s0", None),
                ("acme", "ip", "m", T0, 5, "delta", "s1", None, 1),
            ],
            rk.RatekitTypeError,
            "samples[1] has 9 fields: ",
        ),
        (
            (),
            [("acme", "ip", "m", T0, 5, "delta", "s0", None, 1)],
            rk.RatekitTypeError,
            (
                "samples[0] has 9 fields: ('acme', 'ip', 'm', 1772323200000000, 5, "
                "'delta', ...); a sample tuple is (account, resource, meter, at_us, "
                "value, kind, id, seq), from 5 to 8 fields (the first 5 required), and every "
                "tuple of a batch has the same length."
            ),
        ),
        (
            [("acme", "vm-1", T0, "start", None), ["acme", "vm-1", T0, "stop", None]],
            (),
            rk.RatekitTypeError,
            ("events[1] is list ['acme', 'vm-1', 1772323200000000, 'stop', None], not a tuple"),
        ),
    ],
)
def test_a_bad_field_is_named_with_its_record(
    events: list[tuple[object, ...]],
    samples: list[tuple[object, ...]],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error) as raised:
        rk.RecordBatch.from_tuples(events, samples)
    assert str(raised.value).startswith(message)
    assert isinstance(raised.value, rk.RatekitError)


def test_tuples_and_columns_default_an_event_kind_alike() -> None:
    # kind is optional in tuples as in columns and rk.Event: "update"; attributes: empty
    from_tuples = rk.RecordBatch.from_tuples([("acme", "vm-1", T0), ("acme", "vm-1", T0 + 1)])
    from_columns = rk.RecordBatch.from_columns(
        events={"account": ["acme", "acme"], "resource": ["vm-1", "vm-1"], "at_us": [T0, T0 + 1]}
    )
    assert from_tuples == from_columns
    assert [event.kind for event in from_tuples.events] == ["update", "update"]
    assert from_tuples[0] == rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z")
    with_kind = rk.RecordBatch.from_tuples([("acme", "vm-1", T0, "stop")])
    assert with_kind[0] == rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="stop")


def test_bad_columns_are_named() -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(events={"account": ["a"], "resource": ["r"], "at": [T0]})
    assert str(raised.value) == (
        "RecordBatch event columns ['at'] are not fields of an event; the fields are account, "
        "resource, at_us, kind, attributes, id, seq (the first 3 required)."
    )
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(samples={"account": ["a"], "resource": ["r"], "at_us": [T0]})
    assert str(raised.value).startswith("RecordBatch sample columns miss ['meter', 'value']")
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_columns(
            events={"account": ["a", "b"], "resource": ["r"], "at_us": [T0]}
        )
    assert str(raised.value).startswith("RecordBatch event columns differ in length")
    with pytest.raises(rk.RatekitTypeError, match="column 'account' must be a sequence"):
        rk.RecordBatch.from_columns(events={"account": "a", "resource": ["r"], "at_us": [T0]})
    with pytest.raises(rk.RatekitTypeError, match="must be a mapping of field names"):
        rk.RecordBatch.from_columns(events=[("a", "r", T0)])  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError, match="must be an iterable of tuples"):
        rk.RecordBatch.from_tuples(events="acme")  # type: ignore[arg-type]


# -- the law: the lean path and the friendly path give the same results ----------------------

_ACCOUNTS = ("acme", "globex")
_RESOURCES = ("vm-1", "vm-2", "vm-3")
_KINDS = ("start", "start", "update", "stop", "delete")
_DESCRIPTIONS = (None, SMALL, LARGE, {"memory_gib": 4})

_events = st.tuples(
    st.sampled_from(_ACCOUNTS),
    st.sampled_from(_RESOURCES),
    st.integers(T0 - 2 * HOUR, T0 + 40 * 24 * HOUR),
    st.sampled_from(_KINDS),
    st.sampled_from(_DESCRIPTIONS),
)
_samples = st.tuples(
    st.sampled_from(_ACCOUNTS),
    st.sampled_from(_RESOURCES),
    st.just("egress"),
    st.integers(T0 - 2 * HOUR, T0 + 40 * 24 * HOUR),
    st.one_of(st.integers(0, 5000), st.decimals("0", "900", places=2)),
)


@settings(max_examples=max(LAWS // 4, FLOOR))
@given(
    events=st.lists(_events, max_size=12),
    samples=st.lists(_samples, max_size=12),
    replays=st.integers(0, 3),
)
def test_the_lean_path_gives_what_the_friendly_path_gives(
    events: list[tuple[object, ...]], samples: list[tuple[object, ...]], replays: int
) -> None:
    # Replays of the first records (no ids): duplicates by content on both paths.
    events = events + events[:replays]
    samples = samples + samples[:replays]
    batch = rk.RecordBatch.from_tuples(events, samples)
    friendly = [*map(_friendly_event, events), *map(_friendly_sample, samples)]
    assert list(batch) == friendly
    as_of = MARCH.end
    lean_usage = rk.meter(batch, METERS, span=MARCH, cycle=PLAN.cycle, as_of=as_of)
    usage = rk.meter(friendly, METERS, span=MARCH, cycle=PLAN.cycle, as_of=as_of)
    assert lean_usage.rows == usage.rows
    assert lean_usage.anomalies == usage.anomalies
    lean = rk.rate(batch, PLAN, span=MARCH, meters=METERS)
    want = rk.rate(friendly, PLAN, span=MARCH, meters=METERS)
    assert lean.charges == want.charges
    assert lean.anomalies == want.anomalies
    lean_rater = rk.Rater(PLAN, METERS, start=MARCH.start)
    rater = rk.Rater(PLAN, METERS, start=MARCH.start)
    assert lean_rater.feed(batch) == rater.feed(friendly)
    assert lean_rater.statement(as_of) == rater.statement(as_of)


def test_a_batch_of_records_already_made_is_checked() -> None:
    event = rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", SMALL, kind="start")
    sample = rk.Sample("acme", "vm-1", "egress", "2026-03-01T01:00:00Z", 5)
    batch = rk.RecordBatch([sample, event])
    assert list(batch) == [sample, event]
    assert (batch.events, batch.samples) == ((event,), (sample,))
    assert repr(batch) == "RecordBatch(1 event, 1 sample)"
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch([event, ("acme", "vm-1", T0, "stop", None)])  # type: ignore[list-item]
    assert str(raised.value) == (
        "RecordBatch item 1 is tuple ('acme', 'vm-1', 1772323200000000, 'stop', None), not an "
        "Event or a Sample."
    )
    with pytest.raises(rk.RatekitTypeError, match="RecordBatch takes an iterable of Event"):
        rk.RecordBatch(None)  # type: ignore[arg-type]
