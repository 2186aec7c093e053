"""Records: conversion at the door, equality by content, readable reprs and errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import ratekit as rk

T0 = "2026-03-01T00:00:00Z"
T0_US = 1_772_323_200_000_000


def test_event_converts_at_the_door() -> None:
    event = rk.Event(
        "acme",
        "vm-1",
        dt.datetime(2026, 3, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))),
        {"flavor": "m1.small", "memory_gb": 0.5, "gone": None},
        kind="start",
        id="e1",
        seq=3,
    )
    assert event.at_us == T0_US
    assert event.at == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    # a float attribute becomes the Decimal of its shortest repr, never its binary expansion
    assert event.attributes["memory_gb"] == Decimal("0.5")
    assert isinstance(event.attributes["memory_gb"], Decimal)
    # None is kept: it removes the key when merged into the description
    assert event.attributes["gone"] is None
    assert (event.kind, event.id, event.seq) == ("start", "e1", 3)


def test_event_defaults_to_an_update_without_attributes() -> None:
    event = rk.Event("acme", "vm-1", T0)
    assert event.kind == "update"
    assert dict(event.attributes) == {}
    assert event.id is None
    assert event.seq is None
    assert repr(event) == "Event('acme', 'vm-1', '2026-03-01T00:00:00Z', kind='update')"


def test_records_compare_and_hash_by_content() -> None:
    a = rk.Event("acme", "vm-1", T0, {"flavor": "m1.small"}, kind="start", id="e1")
    b = rk.Event(
        "acme", "vm-1", "2026-03-01T01:00:00+01:00", {"flavor": "m1.small"}, kind="start", id="e1"
    )
    c = rk.Event("acme", "vm-1", T0, {"flavor": "m1.large"}, kind="start", id="e1")
    assert a == b
    assert hash(a) == hash(b)
    assert a != c
    s1 = rk.Sample("acme", "ip-1", "egress", T0, "100", id="s1")
    s2 = rk.Sample("acme", "ip-1", "egress", T0, Decimal(100), id="s1")
    assert s1 == s2
    assert len({s1, s2}) == 1


def test_event_attributes_are_read_only() -> None:
    event = rk.Event("acme", "vm-1", T0, {"flavor": "m1.small"})
    with pytest.raises(TypeError):
        event.attributes["flavor"] = "m1.large"  # type: ignore[index]


def test_event_rejects_a_naive_instant_naming_the_record() -> None:
    with pytest.raises(rk.BadTimeError) as caught:
        rk.Event("acme", "vm-1", "2026-03-01T00:00:00", kind="start", id="e7")
    assert str(caught.value) == (
        "event 'e7' at '2026-03-01T00:00:00' has no UTC offset; ratekit compares instants, "
        "so write it with an offset or 'Z', e.g. '2026-03-01T00:00:00Z'."
    )


def test_event_rejects_an_int_instant() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Event("acme", "vm-1", 1_772_323_200, id="e7")  # type: ignore[arg-type]
    assert str(caught.value) == (
        "event 'e7' at must be an aware datetime or an ISO-8601 string with an offset, "
        "not int: 1772323200; for an epoch time n, give datetime(1970, 1, 1, "
        "tzinfo=timezone.utc) + timedelta(seconds=n), or timedelta(microseconds=n) for "
        "microseconds. attrs.evolve gives a record's at_us (epoch microseconds) back as at: "
        "give the instant with the changes, attrs.evolve(record, ..., at=record.at)."
    )


def test_event_rejects_a_bad_kind_naming_the_record() -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        rk.Event("acme", "vm-1", T0, kind="begin", id="e9")  # type: ignore[arg-type]
    assert str(caught.value) == (
        "event 'e9' kind 'begin' is not one of 'start', 'update', 'stop', 'delete'."
    )


def test_event_without_id_is_named_by_its_resource() -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        rk.Event("acme", "vm-1", T0, kind="pause")  # type: ignore[arg-type]
    assert str(caught.value) == (
        "event (no id) of resource 'vm-1' kind 'pause' is not one of "
        "'start', 'update', 'stop', 'delete'."
    )


def test_event_rejects_attribute_values_it_cannot_compare() -> None:
    # Lists and mappings are JSON-like values, accepted since descriptions nest (issue 7
    # section 6); a set is not JSON-like.
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Event("acme", "vm-1", T0, {"tags": {"a"}}, id="e2")
    assert str(caught.value) == (
        "event 'e2' attribute 'tags' must be a str, int, Decimal, float, bool, None, a mapping "
        "or a list (JSON-like values), not set: {'a'}."
    )
    with pytest.raises(rk.BadQuantityError) as nan:
        rk.Event("acme", "vm-1", T0, {"memory": float("nan")}, id="e3")
    assert str(nan.value) == (
        "event 'e3' attribute 'memory' is nan, not a finite number; an attribute holds a "
        "finite number (an int, a Decimal such as Decimal('2.5'), or a float), a string, a "
        "bool, None, a mapping or a list. A missing value (NaN, or pandas' NA or NaT) is no "
        "attribute value: give None for it (series.astype(object).where(series.notna(), "
        "None).tolist() does), or leave the attribute out (see the Usage page)."
    )


def test_event_rejects_empty_names() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.Event("", "vm-1", T0, id="e4")
    assert str(caught.value) == "event 'e4' account must be a non-empty string, not ''."
    with pytest.raises(rk.RatekitTypeError) as bad_id:
        rk.Event("acme", "vm-1", T0, id=17)  # type: ignore[arg-type]
    assert str(bad_id.value) == (
        "event of account 'acme' and resource 'vm-1' id must be a non-empty string or None, not 17."
    )
    with pytest.raises(rk.RatekitTypeError) as bad_seq:
        rk.Event("acme", "vm-1", T0, id="e5", seq="1")  # type: ignore[arg-type]
    assert str(bad_seq.value) == "event 'e5' seq must be an int or None, not '1'."


def test_sample_kinds_and_span() -> None:
    delta = rk.Sample("acme", "ip-1", "egress", "2026-03-01T00:20:00Z", 500, since=T0, id="s1")
    assert delta.since_us == T0_US
    assert delta.at_us == T0_US + 20 * 60 * 1_000_000
    assert delta.value == Decimal(500)
    reading = rk.Sample("acme", "ip-1", "egress", T0, 0.1, kind="counter", seq=2)
    assert reading.value == Decimal("0.1")
    assert repr(reading) == (
        "Sample('acme', 'ip-1', 'egress', '2026-03-01T00:00:00Z', '0.1', kind='counter', seq=2)"
    )


def test_sample_negative_delta_is_allowed() -> None:
    # a compensating correction
    assert rk.Sample("acme", "ip-1", "egress", T0, -250).value == Decimal(-250)


def test_sample_errors_name_the_record_and_field() -> None:
    with pytest.raises(rk.BadRecordError) as since_after:
        rk.Sample("acme", "ip-1", "egress", T0, 1, since="2026-03-01T00:00:01Z", id="s3")
    assert str(since_after.value) == (
        "sample 's3' since 2026-03-01T00:00:01Z comes after its at 2026-03-01T00:00:00Z; "
        "a delta over a span covers [since, at)."
    )
    with pytest.raises(rk.BadRecordError) as since_on_counter:
        rk.Sample("acme", "ip-1", "egress", T0, 1, kind="counter", since=T0, id="s4")
    assert str(since_on_counter.value) == (
        "sample 's4' has since='2026-03-01T00:00:00Z' but kind 'counter'; only a delta covers "
        "a span (a counter or gauge reading is taken at one instant)."
    )
    with pytest.raises(rk.BadQuantityError) as infinite:
        rk.Sample("acme", "ip-1", "egress", T0, "Infinity", id="s5")
    assert str(infinite.value) == "sample 's5' value must be a finite number, not 'Infinity'."
    with pytest.raises(rk.BadRecordError) as kind:
        rk.Sample("acme", "ip-1", "egress", T0, 1, kind="rate", id="s6")  # type: ignore[arg-type]
    assert str(kind.value) == "sample 's6' kind 'rate' is not one of 'delta', 'counter', 'gauge'."


def test_inventory_reads_pairs_or_a_mapping() -> None:
    plain = rk.Inventory(T0, [("acme", "vm-2"), ("acme", "vm-1")])
    assert [(a, r) for a, r, _ in plain.resources] == [("acme", "vm-1"), ("acme", "vm-2")]
    assert plain.close == "snapshot"
    described = rk.Inventory(T0, {("acme", "vm-1"): {"flavor": "m1.small"}}, close="last_seen")
    assert dict(described.resources[0][2]) == {"flavor": "m1.small"}
    with pytest.raises(rk.BadRecordError) as bad_close:
        rk.Inventory(T0, [], close="never", id="inv")  # type: ignore[arg-type]
    assert str(bad_close.value) == (
        "inventory 'inv' close 'never' is not one of 'snapshot', 'last_seen'."
    )
    with pytest.raises(rk.RatekitTypeError) as bad_pair:
        rk.Inventory(T0, ["vm-1"])  # type: ignore[list-item]
    assert str(bad_pair.value) == (
        "Inventory resource 'vm-1' must be an (account, resource) pair of strings, "
        "or an (account, resource, attributes) triple."
    )


def test_anomaly_prints_its_sentence() -> None:
    anomaly = rk.Anomaly("orphan_stop", "event 'e1' stops vm-1, never started: ignored.", ["e1"])
    assert str(anomaly) == "event 'e1' stops vm-1, never started: ignored."
    assert anomaly.record_ids == ("e1",)
    assert repr(anomaly) == (
        "Anomaly('orphan_stop', \"event 'e1' stops vm-1, never started: ignored.\", "
        "record_ids=('e1',))"
    )


def test_the_fast_and_the_careful_paths_agree() -> None:
    # Plain values take a fast path at the door; anything else is converted carefully.
    # Both build the same record.
    plain = rk.Event("acme", "vm-1", T0, {"memory_mb": 512}, kind="start", id="e1")
    careful = rk.Event("acme", "vm-1", T0, {"memory_mb": 512.0}, kind="start", id="e1")
    assert plain == careful
    assert rk.Sample("acme", "ip", "egress", T0, 5, id="s1") == rk.Sample(
        "acme", "ip", "egress", T0, "5", id="s1"
    )


def test_odd_values_reach_the_careful_path_and_its_messages() -> None:
    with pytest.raises(rk.BadRecordError) as kind:
        rk.Event("acme", "vm-1", T0, kind=["start"], id="e1")  # type: ignore[arg-type]
    assert str(kind.value) == (
        "event 'e1' kind ['start'] is not one of 'start', 'update', 'stop', 'delete'."
    )
    with pytest.raises(rk.BadQuantityError) as nan:
        rk.Sample("acme", "ip", "egress", T0, Decimal("NaN"), id="s1")
    assert str(nan.value) == "sample 's1' value must be a finite number, not Decimal('NaN')."
    with pytest.raises(rk.RatekitTypeError) as boolean:
        rk.Sample("acme", "ip", "egress", T0, True, id="s2")
    assert str(boolean.value) == (
        "sample 's2' value must be a number (int, str, Decimal or float), not bool: True."
    )


def test_a_delta_whose_since_is_its_at_is_the_amount_used_at_that_instant() -> None:
    # docs/usage.md: a `since` equal to `at` meters as a delta without `since`
    meter = rk.Meter("egress", "B", rk.Discrete())
    march = rk.Span(T0, "2026-04-01T00:00:00Z")
    start = rk.Event("acme", "ip-1", T0, kind="start", id="e1")
    at = "2026-03-05T00:00:00Z"

    def rows(sample: rk.Sample) -> rk.Usage:
        monthly = rk.cycles.monthly(tz="UTC")
        return rk.meter([start, sample], [meter], cycle=monthly, span=march, as_of=march.end)

    empty = rows(rk.Sample("acme", "ip-1", "egress", at, 500, since=at, id="s1"))
    instant = rows(rk.Sample("acme", "ip-1", "egress", at, 500, id="s1"))
    assert empty.rows == instant.rows
    assert [row.quantity for row in empty.rows] == [Decimal(500)]
