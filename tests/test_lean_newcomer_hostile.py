"""The lean input path as a newcomer uses it: the promises that held, then a property.

A provider backend or an analyst gives its records as plain tuples or columns (instants as
int epoch microseconds, one attribute mapping shared per flavor) to
``rk.RecordBatch.from_tuples`` / ``from_columns``, then to ``rk.meter``, ``rk.rate`` and
``rk.Rater.feed``. The promise: the same records, usage, charges and invoices as the
friendly constructors (``rk.Event``, ``rk.Sample``) give, to the last digit, whatever
the caller's decimal context; plans, meters, batches and ratings pickle. The oracles are
the friendly path, batch ``rk.rate()`` and arithmetic by hand. Hostile fields:
``tests/test_lean_newcomer_hostile_fields.py``; scale-out on Dask:
``tests/test_lean_newcomer_hostile_dask.py``.
"""

from __future__ import annotations

import decimal
import json
import pickle
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._lean_feeds import (
    EVENT_FIELDS,
    HAND_EVENTS,
    HAND_SAMPLES,
    HOUR,
    LARGE,
    M0,
    MARCH,
    METERS,
    MONTHLY,
    PLAN,
    SAMPLE_FIELDS,
    SMALL,
    TRAPPING,
    at,
    columns,
    fleet,
    friendly,
    statements,
)

import ratekit as rk

# --- the promises that held: the lean path gives the friendly path's results ---------


def test_one_accounts_day_from_tuples_is_billed_as_worked_by_hand() -> None:
    batch = rk.RecordBatch.from_tuples(events=HAND_EVENTS, samples=HAND_SAMPLES)
    rating = rk.rate(batch, PLAN, span=MARCH, meters=METERS)
    # vm.hours: vm-1 small 10 h * 0.02 = 0.20, large 2 h * 0.08 = 0.16; vm-2 small 6 h *
    # 0.02 = 0.12. memory: 2 GiB * 10 h = 20, 8 * 2 = 16, 2 * 6 = 12; 48 * 0.003 = 0.144.
    # egress: 12 + 0.5 + 0.25 = 12.75 GB, 10 free, 2.75 * 0.09 = 0.2475. Fee 5.
    # 0.20 + 0.16 + 0.12 + 0.144 + 0.2475 + 5 = 5.8715.
    assert rating.total() == Decimal("5.8715")
    assert sorted((c.row.quantity, c.amount) for c in rating.charges if c.row is not None) == [
        (Decimal(2), Decimal("0.16")),
        (Decimal(6), Decimal("0.12")),
        (Decimal(10), Decimal("0.20")),
        (Decimal(12), Decimal("0.036")),
        (Decimal("12.75"), Decimal("0.2475")),
        (Decimal(16), Decimal("0.048")),
        (Decimal(20), Decimal("0.060")),
    ]
    (invoice,) = rk.bill(rating)
    # Lines rounded once each: small 16 h * 0.02 = 0.32, large 0.16, memory 0.144 ->
    # 0.14, egress 0.2475 -> 0.25, fee 5.00: 0.32 + 0.16 + 0.14 + 0.25 + 5.00 = 5.87.
    assert [(line.quantity, line.amount) for line in invoice.lines] == [
        (Decimal("12.75"), Decimal("0.25")),
        (Decimal(48), Decimal("0.14")),
        (Decimal(2), Decimal("0.16")),
        (Decimal(16), Decimal("0.32")),
        (Decimal(1), Decimal("5.00")),
    ]
    assert invoice.total == Decimal("5.87")
    # The same from columns, from the friendly records, and streamed in two feeds.
    assert rk.bill(
        rk.rate(friendly(HAND_EVENTS, HAND_SAMPLES), PLAN, span=MARCH, meters=METERS)
    ) == (invoice,)
    by_columns = rk.RecordBatch.from_columns(
        events=columns(HAND_EVENTS, EVENT_FIELDS), samples=columns(HAND_SAMPLES, SAMPLE_FIELDS)
    )
    assert list(by_columns) == list(batch)
    said = statements([batch[:4], batch[4:]])
    assert [s.invoices for s in said if isinstance(s, rk.Statement) and s.invoices] == [(invoice,)]


def test_a_fleet_month_from_tuples_or_columns_rates_as_the_friendly_records() -> None:
    events, samples = fleet()
    batch = rk.RecordBatch.from_tuples(events=events, samples=samples)
    records = friendly(events, samples)
    assert list(batch) == records
    assert list(batch.events[0].attributes) == ["flavor", "memory_gib"]
    assert (
        list(
            rk.RecordBatch.from_columns(
                columns(events, EVENT_FIELDS), columns(samples, SAMPLE_FIELDS)
            )
        )
        == records
    )
    usage = rk.meter(batch, METERS, span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    assert usage == rk.meter(records, METERS, span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    lean = rk.rate(batch, PLAN, span=MARCH, meters=METERS)
    want = rk.rate(records, PLAN, span=MARCH, meters=METERS)
    assert lean == want
    assert [str(c.amount) for c in lean.charges] == [str(c.amount) for c in want.charges]
    assert [a.kind for a in lean.anomalies] == ["orphan_stop"] * 8
    invoices = rk.bill(lean)
    assert invoices == rk.bill(want)
    assert [str(i) for i in invoices] == [str(i) for i in rk.bill(want)]
    assert [rk.to_row(i) for i in invoices] == [rk.to_row(i) for i in rk.bill(want)]
    assert sum(i.total for i in invoices) == sum(i.total for i in rk.bill(want)) > 40


def test_a_fleet_month_streamed_from_tuples_says_what_the_friendly_stream_says() -> None:
    events, samples = fleet()
    records = friendly(events, samples)
    lean_parts = [rk.RecordBatch.from_tuples(events[k::3], samples[k::3]) for k in range(3)]
    parts = [friendly(events[k::3], samples[k::3]) for k in range(3)]
    lean, want = statements(lean_parts), statements(parts)
    assert lean == want
    # March closed at the last statement: its invoices are batch rating's.
    closing = [s for s in lean if isinstance(s, rk.Statement) and s.invoices]
    assert [s.invoices for s in closing] == [
        rk.bill(rk.rate(records, PLAN, span=MARCH, meters=METERS))
    ]


def test_a_three_digit_trapping_context_around_every_call_changes_nothing() -> None:
    events, samples = fleet(accounts=4)
    want_batch = rk.RecordBatch.from_tuples(events, samples)
    want = rk.rate(want_batch, PLAN, span=MARCH, meters=METERS)
    want_said = statements([want_batch[:40], want_batch[40:]])
    with decimal.localcontext(TRAPPING):
        batch = rk.RecordBatch.from_tuples(events, samples)
        by_columns = rk.RecordBatch.from_columns(
            columns(events, EVENT_FIELDS), columns(samples, SAMPLE_FIELDS)
        )
        usage = rk.meter(batch, METERS, span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
        rating = rk.rate(by_columns, PLAN, span=MARCH, meters=METERS)
        invoices = rk.bill(rating)
        said = statements([batch[:40], batch[40:]])
        back = pickle.loads(pickle.dumps(rating))
        rows = [rk.to_row(i) for i in invoices]
        # a rater snapshot taken, restored from its JSON text and fed on
        rater = rk.Rater(PLAN, METERS, start=MARCH.start)
        rater.feed(batch[:40])
        snapshot = json.dumps(rater.snapshot())
        restored = rk.Rater.restore(json.loads(snapshot), PLAN, METERS)
        restored.feed(batch[40:])
        closing = restored.statement("2026-04-01T00:00:00Z")
    assert batch == want_batch == by_columns
    assert closing.invoices == rk.bill(want)
    assert usage == rk.meter(want_batch, METERS, span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    assert rating == want == back
    assert invoices == rk.bill(want)
    assert rows == [rk.to_row(i) for i in rk.bill(want)]
    assert said == want_said


def test_zero_and_one_record_and_an_empty_batch_are_rated_alike() -> None:
    for batch in (
        rk.RecordBatch.from_tuples(),
        rk.RecordBatch.from_tuples(events=[], samples=[]),
        rk.RecordBatch.from_columns(),
        rk.RecordBatch.from_columns(events={"account": [], "resource": [], "at_us": []}),
    ):
        assert len(batch) == 0
        assert rk.rate(batch, PLAN, span=MARCH, meters=METERS) == rk.rate(
            [], PLAN, span=MARCH, meters=METERS
        )
        assert rk.meter(batch, METERS, span=MARCH, cycle=MONTHLY, as_of=MARCH.end).rows == ()
        fed = rk.Rater(PLAN, METERS, start=MARCH.start).feed(batch)
        assert fed == rk.Rater(PLAN, METERS, start=MARCH.start).feed([])
        assert set(fed.counts.values()) == {0}
    # One record: vm-1 started 1 March 00:00, small, running to the end of March:
    # 744 h * 0.02 = 14.88, 744 * 2 GiB = 1488 GiB*h * 0.003 = 4.464, fee 5: 24.344.
    (one,) = rk.RecordBatch.from_tuples(events=[("acme", "vm-1", M0, "start", SMALL)])
    rating = rk.rate([one], PLAN, span=MARCH, meters=METERS)
    assert rating.total() == Decimal("24.344")
    assert rating == rk.rate(
        friendly([("acme", "vm-1", M0, "start", SMALL)], []), PLAN, span=MARCH, meters=METERS
    )
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("24.34")  # 14.88 + 4.46 + 5.00


def test_an_event_given_one_mapping_keeps_it_as_it_was_when_read() -> None:
    shared = {"flavor": "small", "memory_gib": 2}
    batch = rk.RecordBatch.from_tuples(
        events=[("acme", "vm-1", M0, "start", shared), ("acme", "vm-2", M0, "start", shared)]
    )
    from_columns = rk.RecordBatch.from_columns(
        events={"account": ["acme"] * 2, "resource": ["vm-1", "vm-2"], "at_us": [M0] * 2,
                "kind": ["start"] * 2, "attributes": [shared, shared]}
    )  # fmt: skip
    shared["flavor"] = "large"  # mutated after the batches were built
    shared["memory_gib"] = 8
    del shared["flavor"]
    for made in (batch, from_columns):
        assert [e.attributes for e in made] == [SMALL, SMALL]
        with pytest.raises(TypeError):
            made[0].attributes["flavor"] = "large"  # type: ignore[index]
        # vm-1 and vm-2 small all of March: 2 * (744 * 0.02 + 1488 * 0.003) + 5 = 43.688
        assert rk.rate(made, PLAN, span=MARCH, meters=METERS).total() == Decimal("43.688")

    def reused() -> Iterator[tuple[Any, ...]]:  # a feed that reuses one dict per tuple
        mapping: dict[str, Any] = {}
        for resource, flavor in (("vm-1", SMALL), ("vm-2", LARGE), ("vm-3", SMALL)):
            mapping.clear()
            mapping.update(flavor)
            yield ("acme", resource, M0, "start", mapping)

    made = rk.RecordBatch.from_tuples(events=reused())
    assert [e.attributes for e in made] == [SMALL, LARGE, SMALL]
    assert made[0].attributes is made[2].attributes  # equal plain contents share one
    lazy = rk.RecordBatch.from_columns(
        events={"account": ["acme"] * 3, "resource": ["vm-1", "vm-2", "vm-3"], "at_us": [M0] * 3,
                "kind": ["start"] * 3, "attributes": (row[4] for row in reused())}
    )  # fmt: skip
    assert list(lazy) == list(made)


def test_values_that_look_alike_stay_apart_in_the_shared_descriptions() -> None:
    # 1, True, 1.0, Decimal("1.0") and "1" are equal or alike to Python's dict, not to
    # the friendly door: each record keeps its own value's type and digits.
    values: list[Any] = [1, True, 1.0, Decimal("1.0"), "1", Decimal(1), 0, False, -0.0]
    rows = [("acme", f"vm-{n}", M0, "start", {"n": v}) for n, v in enumerate(values)]
    for order in (rows, rows[::-1]):
        batch = rk.RecordBatch.from_tuples(events=order)
        want = friendly(order, [])
        assert [repr(e.attributes["n"]) for e in batch] == [repr(e.attributes["n"]) for e in want]


def test_ids_given_twice_in_one_batch_are_judged_as_for_friendly_records() -> None:
    start = ("acme", "vm-1", M0, "start", SMALL, "x")
    replay = rk.RecordBatch.from_tuples(events=[start, start])
    assert [a.kind for a in rk.rate(replay, PLAN, span=MARCH, meters=METERS).anomalies] == [
        "duplicate"
    ]
    assert rk.Rater(PLAN, METERS, start=MARCH.start).feed(replay).duplicates == ("x",)
    # The same id, other content: batch rating refuses, naming both; the rater keeps
    # the first version it took and calls the other conflicting.
    other = rk.RecordBatch.from_tuples(events=[start, ("acme", "vm-1", M0, "start", LARGE, "x")])
    with pytest.raises(rk.ConflictingRecordError, match=r"two records share the id 'x' but differ"):
        rk.rate(other, PLAN, span=MARCH, meters=METERS)
    with pytest.raises(rk.ConflictingRecordError, match=r"share the id 'x'"):
        rk.rate(list(other), PLAN, span=MARCH, meters=METERS)
    rater = rk.Rater(PLAN, METERS, start=MARCH.start)
    assert rater.feed(other).conflicting == ("x",)
    # An event and a sample sharing an id conflict too.
    mixed = rk.RecordBatch.from_tuples(
        events=[start], samples=[("acme", "vm-1", "egress", M0, 5, "delta", "x")]
    )
    with pytest.raises(rk.ConflictingRecordError, match=r"Sample\('acme', 'vm-1', 'egress'"):
        rk.rate(mixed, PLAN, span=MARCH, meters=METERS)
    # 5 and "5.0" are one value: the second sample is a replay, 5 GB sent (all free).
    sent = rk.RecordBatch.from_tuples(
        samples=[
            ("acme", "vm-1", "egress", M0, 5, "delta", "s"),
            ("acme", "vm-1", "egress", M0, "5.0", "delta", "s"),
        ]
    )
    rated = rk.rate(sent, PLAN, span=MARCH, meters=METERS)
    assert [(str(r.quantity), a.kind) for r in rated.rows for a in rated.anomalies] == [
        ("5", "duplicate")
    ]


def test_plans_meters_batches_usage_ratings_and_invoices_pickle_and_come_back_equal() -> None:
    events, samples = fleet(accounts=3)
    batch = rk.RecordBatch.from_tuples(events, samples)
    rating = rk.rate(batch, PLAN, span=MARCH, meters=METERS)
    usage = rk.meter(batch, METERS, span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    said = statements([batch])
    for value in (PLAN, METERS, batch, batch[0], batch[-1], usage, rating, rk.bill(rating), said):
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            back = pickle.loads(pickle.dumps(value, protocol=protocol))
            assert back == value
            assert type(back) is type(value)
    back = pickle.loads(pickle.dumps(batch))
    assert rk.rate(back, PLAN, span=MARCH, meters=METERS) == rating
    # An event travels in a few hundred bytes; a batch's records sharing one description
    # travel with it once (10,000 VMs of one flavor: under 60 bytes an event).
    assert len(pickle.dumps(batch[0])) < 400
    many = rk.RecordBatch.from_tuples(
        events=[("acme", f"vm-{n}", M0 + n, "start", SMALL) for n in range(10_000)]
    )
    assert len(pickle.dumps(many)) < 60 * 10_000
    again = pickle.loads(pickle.dumps(many))
    assert again[0].attributes is again[9_999].attributes


# --- the property: random records built both ways rate identically ------------------

_POOL: list[Any] = [SMALL, LARGE, {"flavor": "small", "memory_gib": 2.5},
                    {"flavor": "large", "memory_gib": Decimal("8.0")}, {"memory_gib": "4"}, {}, None]  # fmt: skip
_AT = st.integers(M0 - 6 * HOUR, M0 + 40 * 24 * HOUR).map(lambda us: us - us % 900_000_000)
_VALUE = st.one_of(
    st.integers(0, 500), st.decimals("0", "99", places=2), st.sampled_from(["1.5", "12", 0.1])
)


@st.composite
def _feeds(draw: st.DrawFn) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    events: list[tuple[Any, ...]] = []
    samples: list[tuple[Any, ...]] = []
    for n in range(draw(st.integers(0, 14))):
        account = draw(st.sampled_from(["a", "b"]))
        resource = f"{account}/{draw(st.sampled_from(['vm-1', 'vm-2']))}"
        record_id = draw(st.sampled_from([None, f"r{n}", "r0"]))  # "r0" again: conflicts
        seq = draw(st.sampled_from([None, None, 0, 1, 5]))
        if draw(st.booleans()):
            kind = draw(st.sampled_from(["start", "update", "stop", "delete"]))
            events.append(
                (account, resource, draw(_AT), kind, draw(st.sampled_from(_POOL)), record_id, seq)
            )
        else:
            samples.append(
                (account, resource, "egress", draw(_AT), draw(_VALUE), "delta", record_id, seq)
            )
    replays = draw(st.integers(0, 2))
    return events + events[:replays], samples + samples[:replays]


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except rk.RatekitError as error:
        return (type(error), str(error))


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR))
@given(feeds=_feeds(), cut=st.integers(0, 30), as_of=st.integers(M0, M0 + 40 * 24 * HOUR))
def test_random_records_built_both_ways_rate_and_stream_identically(
    feeds: tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]], cut: int, as_of: int
) -> None:
    events, samples = feeds
    batch = rk.RecordBatch.from_tuples(events=events, samples=samples)
    records = friendly(events, samples)
    assert list(batch) == records
    assert (
        list(
            rk.RecordBatch.from_columns(
                columns(events, EVENT_FIELDS), columns(samples, SAMPLE_FIELDS)
            )
        )
        == records
    )
    want = _outcome(lambda: rk.rate(records, PLAN, span=MARCH, meters=METERS))
    assert _outcome(lambda: rk.rate(batch, PLAN, span=MARCH, meters=METERS)) == want
    with decimal.localcontext(TRAPPING):
        assert (
            _outcome(
                lambda: rk.rate(
                    rk.RecordBatch.from_tuples(events, samples), PLAN, span=MARCH, meters=METERS
                )
            )
            == want
        )

    def stream(records: Any) -> list[Any]:
        rater = rk.Rater(PLAN, METERS, start=MARCH.start)
        said = [rater.feed(records[:cut]), rater.statement(at(as_of)), rater.feed(records[cut:])]
        return [*said, rater.statement("2026-04-11T00:00:00Z")]

    assert _outcome(lambda: stream(batch)) == _outcome(lambda: stream(records))


def test_an_inventory_given_next_to_a_batch_reconciles_as_next_to_friendly_records() -> None:
    # vm-1 small from 1 March 00:00, vm-2 large from 1 March 00:00; a listing of acme's
    # resources on 11 March 00:00 holds vm-2 only: vm-1 is closed there. vm-1: 240 h *
    # 0.02 = 4.80 and 2 GiB * 240 h * 0.003 = 1.44; vm-2 all March: 744 h * 0.08 =
    # 59.52 and 8 * 744 * 0.003 = 17.856; fee 5. 4.80 + 1.44 + 59.52 + 17.856 + 5 = 88.616.
    rows = [("acme", "vm-1", M0, "start", SMALL, "e1"), ("acme", "vm-2", M0, "start", LARGE, "e2")]
    listing = rk.Inventory(
        "2026-03-11T00:00:00Z", {("acme", "vm-2"): LARGE}, accounts=["acme"], id="inv-11"
    )
    batch = rk.RecordBatch.from_tuples(events=rows)
    lean = rk.rate([*batch, listing], PLAN, span=MARCH, meters=METERS)
    assert lean == rk.rate([*friendly(rows, []), listing], PLAN, span=MARCH, meters=METERS)
    assert lean.total() == Decimal("88.616")
    assert [a.kind for a in lean.anomalies] == ["reconciled_close"]
    rater = rk.Rater(PLAN, METERS, start=MARCH.start)
    rater.feed(batch)
    rater.feed([listing])
    (invoice,) = rater.statement("2026-04-01T00:00:00Z").invoices
    assert invoice == rk.bill(lean)[0]
    # one memory line: 1.44 + 17.856 = 19.296 -> 19.30; 4.80 + 59.52 + 19.30 + 5.00 = 88.62
    assert invoice.total == Decimal("88.62")
