"""The lean path takes every kind and sign the friendly constructors take.

A batch holding a counter reading beside a negative delta or gauge is valid (a negative
delta is a correction, a gauge may read below zero); only a negative *counter* reading is
refused. No door of the lean path may let a bare ``StopIteration`` out: inside a caller's
``map()`` or generator it would silently end the caller's iteration.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk
from ratekit._instants import from_us

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
T0 = MARCH.start_us
HOUR = 3_600_000_000
METERS = [
    rk.Meter("runtime", "hour", rk.OnOff()),
    rk.Meter("api", "call", rk.Discrete()),
    rk.Meter("egress", "B", rk.Counter()),
    rk.Meter("users", "user", rk.Max()),
]
PLAN = rk.Plan(
    "mixed",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("runtime", "runtime", rk.PerUnit("0.5")),
        rk.PriceEntry("api", "api", rk.PerUnit("0.01")),
        rk.PriceEntry("egress", "egress", rk.PerUnit("0.001")),
        rk.PriceEntry("users", "users", rk.PerUnit("0.3")),
    ],
)
_KIND_OF_METER = {"api": "delta", "egress": "counter", "users": "gauge"}


def _friendly(row: tuple[object, ...]) -> rk.Sample:
    account, resource, meter, at_us, value, kind = row
    return rk.Sample(
        account,  # type: ignore[arg-type]
        resource,  # type: ignore[arg-type]
        meter,  # type: ignore[arg-type]
        from_us(at_us),  # type: ignore[arg-type]
        value,  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
    )


def _columns(rows: list[tuple[object, ...]]) -> dict[str, list[object]]:
    names = ("account", "resource", "meter", "at_us", "value", "kind")
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


# -- examples ---------------------------------------------------------------------------------

_MIXED = {
    "negative delta, counter": [
        ("a", "r", "api", T0, -1, "delta"),
        ("a", "r", "egress", T0, 5, "counter"),
    ],
    "counter, negative delta": [
        ("a", "r", "egress", T0, 5, "counter"),
        ("a", "r", "api", T0, -1, "delta"),
    ],
    "negative delta, gauge": [
        ("a", "r", "api", T0, -1, "delta"),
        ("a", "r", "users", T0, 5, "gauge"),
    ],
    "negative gauge, counter": [
        ("a", "r", "users", T0, -2, "gauge"),
        ("a", "r", "egress", T0, 5, "counter"),
    ],
}


@pytest.mark.parametrize("rows", list(_MIXED.values()), ids=list(_MIXED))
def test_a_counter_beside_a_negative_value_builds_the_friendly_records(
    rows: list[tuple[object, ...]],
) -> None:
    want = [_friendly(row) for row in rows]
    assert list(rk.RecordBatch.from_tuples(samples=rows)) == want
    assert list(rk.RecordBatch.from_columns(samples=_columns(rows))) == want


def test_a_failing_part_cannot_end_a_callers_map_silently() -> None:
    parts = [
        [("a", "r", "api", T0, 3, "delta")],
        [("a", "r", "api", T0 + 1, -1, "delta"), ("a", "r", "egress", T0 + 1, 5, "counter")],
        [("a", "r", "api", T0 + 2, 4, "delta")],
    ]
    # map() on purpose: a StopIteration escaping the callable would end it silently
    batches = list(map(lambda part: rk.RecordBatch.from_tuples(samples=part), parts))  # noqa: C417
    assert [len(batch) for batch in batches] == [1, 2, 1]  # all three parts, none lost


@pytest.mark.parametrize("columns", [False, True])
def test_only_a_negative_counter_reading_is_refused_and_named(columns: bool) -> None:
    rows = [
        ("a", "r", "api", T0, -1, "delta"),
        ("a", "r", "users", T0, -3, "gauge"),
        ("a", "r", "egress", T0, -5, "counter"),
    ]
    build = (
        (lambda: rk.RecordBatch.from_columns(samples=_columns(rows)))
        if columns
        else (lambda: rk.RecordBatch.from_tuples(samples=rows))
    )
    with pytest.raises(rk.BadRecordError) as raised:
        build()
    assert str(raised.value).startswith(
        "samples[2]: value -5 is a negative counter reading; a cumulative counter counts up "
        "from zero and is never negative"
    )


def test_a_mixed_batch_rates_as_the_friendly_records() -> None:
    rows = [
        ("a", "r", "egress", T0, 100, "counter"),
        ("a", "r", "api", T0 + HOUR, 10, "delta"),
        ("a", "r", "api", T0 + 2 * HOUR, -4, "delta"),  # a correction
        ("a", "r", "egress", T0 + 3 * HOUR, 600, "counter"),
        ("a", "r", "users", T0 + 3 * HOUR, -2, "gauge"),
        ("a", "r", "users", T0 + 4 * HOUR, 7, "gauge"),
    ]
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    lean = rk.rate(rk.RecordBatch.from_tuples(samples=rows), PLAN, span=span, meters=METERS)
    want = rk.rate([_friendly(row) for row in rows], PLAN, span=span, meters=METERS)
    assert lean.charges == want.charges
    # api 10 - 4 = 6 calls at 0.01 = 0.06; egress 600 - 100 = 500 B at 0.001 = 0.5;
    # users max(-2, 7) = 7 at 0.3 = 2.1; total 2.66
    assert sum(charge.amount for charge in lean.charges) == Decimal("2.66")


# -- the law: every kind and sign, mixed, builds and rates as the friendly records -----------

_sample = st.sampled_from(sorted(_KIND_OF_METER)).flatmap(
    lambda meter: st.tuples(
        st.sampled_from(("a", "b")),
        st.sampled_from(("r1", "r2")),
        st.just(meter),
        st.integers(T0, T0 + 3 * 24 * HOUR),
        st.integers(0, 900)
        if _KIND_OF_METER[meter] == "counter"
        else st.one_of(st.integers(-900, 900), st.decimals("-90", "90", places=2)),
        st.just(_KIND_OF_METER[meter]),
    )
)
_event = st.tuples(
    st.sampled_from(("a", "b")),
    st.sampled_from(("r1", "r2")),
    st.integers(T0, T0 + 3 * 24 * HOUR),
    st.sampled_from(("start", "stop", "update", "delete")),
    st.sampled_from((None, {"flavor": "small"})),
)


@settings(max_examples=max(LAWS // 4, FLOOR))
@given(events=st.lists(_event, max_size=6), samples=st.lists(_sample, max_size=12))
def test_every_kind_and_sign_builds_and_rates_as_the_friendly_records(
    events: list[tuple[object, ...]], samples: list[tuple[object, ...]]
) -> None:
    batch = rk.RecordBatch.from_tuples(events, samples)
    friendly_events = [
        rk.Event(
            account,  # type: ignore[arg-type]
            resource,  # type: ignore[arg-type]
            from_us(at_us),  # type: ignore[arg-type]
            attributes,  # type: ignore[arg-type]
            kind=kind,  # type: ignore[arg-type]
        )
        for account, resource, at_us, kind, attributes in events
    ]
    friendly = [*friendly_events, *map(_friendly, samples)]
    assert list(batch) == friendly
    assert list(rk.RecordBatch.from_columns(samples=_columns(samples))) == friendly[len(events) :]
    span = rk.Span("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z")
    lean = rk.rate(batch, PLAN, span=span, meters=METERS)
    want = rk.rate(friendly, PLAN, span=span, meters=METERS)
    assert lean.charges == want.charges
    assert lean.anomalies == want.anomalies


def test_none_is_no_records_in_tuples_and_columns_alike() -> None:
    assert rk.RecordBatch.from_tuples(events=None) == rk.RecordBatch.from_columns(events=None)
    assert len(rk.RecordBatch.from_tuples(events=None, samples=None)) == 0
    rows = [("a", "r", "api", T0, 2)]
    assert rk.RecordBatch.from_tuples(None, rows) == rk.RecordBatch.from_columns(
        None, {"account": ["a"], "resource": ["r"], "meter": ["api"], "at_us": [T0], "value": [2]}
    )


def test_tuples_of_two_lengths_are_refused_naming_the_first_other_one() -> None:
    rows = [("a", "r", "api", T0, 2), ("a", "r", "api", T0, 3, "delta")]
    with pytest.raises(rk.RatekitTypeError) as raised:
        rk.RecordBatch.from_tuples(samples=rows)
    assert str(raised.value) == (
        "samples[1] has 6 fields: ('a', 'r', 'api', 1772323200000000, 3, 'delta'); a sample "
        "tuple is (account, resource, meter, at_us, value, kind, id, seq), from 5 to 8 fields "
        "(the first 5 required), and every tuple of a batch has the same length."
    )
