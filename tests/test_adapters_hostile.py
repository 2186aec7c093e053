"""Hostile input, one defect at a time: each test is a case that once escaped or misled.

Deep nesting and enormous values must give a ``BadRecordError`` that names the position
and the field, never a ``RecursionError`` or a message of megabytes.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from tests._nova import notification

import ratekit as rk
from ratekit.adapters import borel, ceilometer, cloudevents, cloudfoundry, exoscale

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
SPEC = cloudevents.Spec({"t": "m"}, quantity="data.q", account="subject", resource="data.r")


def _nested_list(depth: int) -> list[object]:
    outer: list[object] = []
    inner = outer
    for _ in range(depth):
        deeper: list[object] = []
        inner.append(deeper)
        inner = deeper
    return outer


def _nested_dict(depth: int) -> dict[str, object]:
    outer: dict[str, object] = {}
    inner = outer
    for _ in range(depth):
        deeper: dict[str, object] = {}
        inner["a"] = deeper
        inner = deeper
    return outer


FEEDS: dict[str, tuple[Callable[[object], object], str]] = {
    "cf apps": (cloudfoundry.app_usage_events, "Cloud Foundry app usage event"),
    "cf services": (cloudfoundry.service_usage_events, "Cloud Foundry service usage event"),
    "exoscale": (exoscale.usage_events, "Exoscale usage event"),
    "borel": (lambda feed: borel.usage_rows(feed, period=MARCH), "Borel row"),
    "cloudevents": (lambda feed: cloudevents.usage_events(feed, SPEC), "CloudEvent"),
    "ceilometer": (
        lambda feed: ceilometer.samples(feed, meters=[ceilometer.CPU_HOURS]),
        "Ceilometer sample",
    ),
    "nova": (ceilometer.instance_notifications, "Nova notification"),
}


@pytest.mark.parametrize("name", sorted(FEEDS))
def test_a_list_nested_deeper_than_the_recursion_limit_is_refused_by_position(name: str) -> None:
    read, what = FEEDS[name]
    with pytest.raises(rk.BadRecordError) as caught:
        read(_nested_list(100_000))
    assert str(caught.value) == f"{what} [0] must be a JSON object (a dict), not [[[[[...]]]]]."


def test_a_deep_value_where_a_name_is_expected_is_shown_shortened() -> None:
    event = {
        "specversion": "1.0",
        "id": "1",
        "source": "s",
        "type": "t",
        "subject": "c",
        "time": "2026-03-02T08:00:00Z",
        "data": {"q": 1, "r": _nested_dict(5_000)},
    }
    with pytest.raises(rk.BadRecordError) as caught:
        cloudevents.usage_events([event], SPEC)
    assert str(caught.value) == (
        "CloudEvent [0].data.r must be a non-empty string or an integer (a JSON number "
        "without a fraction or exponent, from -2**63 to 2**63 - 1), not "
        "{'a': {'a': {'a': {'a': {...}}}}}."
    )


def test_an_enormous_list_is_shown_by_its_first_items() -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        cloudfoundry.app_usage_events({"resources": [list(range(1_000_000))]})
    assert str(caught.value) == (
        "Cloud Foundry app usage event resources[0] must be a JSON object (a dict), "
        "not [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, ...]."
    )


def test_a_dict_is_shown_in_its_own_order() -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        exoscale.usage_events([{"type": {"z": 1, "a": 2}}])
    assert str(caught.value) == (
        "Exoscale usage event [0].type must be a non-empty string, not {'z': 1, 'a': 2}."
    )


def test_an_integer_too_long_to_print_is_named_by_its_digits() -> None:
    # As every door shows one (ratekit's one bounded repr): by its length, never printed.
    with pytest.raises(rk.BadRecordError) as caught:
        exoscale.usage_events([{"type": 10**5000}])
    assert (
        str(caught.value)
        == "Exoscale usage event [0].type must be a non-empty string, not <an integer of 5001 "
        "digits>."
    )


def _created(**payload: object) -> dict[str, object]:
    return notification(**{"vcpus": 2, "state": "active", **payload})


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("vcpus", -1, "must be a whole number >= 0, not Decimal('-1')."),
        ("vcpus", 1.5, "must be a whole number >= 0, not Decimal('1.5')."),
        (
            "memory_mb",
            "lots",
            (
                "'lots' is not a decimal number; write it like '12.5' or '1e9'. "
                "(a number like 512 or '1.5e3' is accepted)"
            ),
        ),
        ("root_gb", -20, "must be a whole number >= 0, not Decimal('-20')."),
        ("instance_type", 7, "must be a non-empty string, not 7."),
    ],
)
def test_a_nova_size_that_is_not_a_count_is_refused_at_its_field(
    field: str, value: object, shown: str
) -> None:
    # A vCPU count of -1 used to be metered as -712 vCPU-hours without an anomaly.
    with pytest.raises(rk.BadRecordError) as caught:
        ceilometer.instance_notifications([_created(**{field: value})])
    assert str(caught.value) == f"Nova notification [0].payload.{field} {shown}"


def test_nova_sizes_written_as_strings_are_read_as_counts() -> None:
    # 2 vCPUs from 08:00 to the end of March: 2 x (30 days x 24 h - 8 h) = 2 x 712 = 1424.
    [event] = ceilometer.instance_notifications([_created(vcpus="2", memory_mb="2048")])
    assert event.attributes["vcpus"] == 2
    assert event.attributes["memory_mb"] == 2048
    usage = rk.meter(
        [event],
        [ceilometer.VCPU_HOURS],
        span=MARCH,
        cycle=rk.cycles.monthly(tz="UTC"),
        as_of=MARCH.end,
    )
    assert usage.total() == 1424


_DOOR = (
    "lies outside the numbers ratekit represents exactly: give at most 60 significant "
    "digits and, unless zero, a magnitude from 1E-30 up to but excluding 1E+30. "
    "(a number like 512 or '1.5e3' is accepted)"
)


@pytest.mark.parametrize(
    ("quantity", "shown"),
    [
        ("1e999999", "'1e999999'"),
        ("1e30", "'1e30'"),
        ("1e-31", "'1e-31'"),
        ("0." + "1" * 61, "'0." + "1" * 61 + "'"),
        (10**100, "1" + "0" * 59 + "...000000000000"),
    ],
)
def test_a_quantity_beyond_what_ratekit_reads_exactly_is_refused_at_its_field(
    quantity: object, shown: str
) -> None:
    # Such a sample used to be read, then rounded or failed in the middle of rating.
    event = {
        "specversion": "1.0",
        "id": "1",
        "source": "s",
        "type": "t",
        "subject": "c",
        "time": "2026-03-02T08:00:00Z",
        "data": {"q": quantity, "r": "x"},
    }
    with pytest.raises(rk.BadRecordError) as caught:
        cloudevents.usage_events([event], SPEC)
    assert str(caught.value) == f"CloudEvent [0].data.q {shown} {_DOOR}"


def test_the_largest_quantity_read_exactly_is_kept_to_its_last_digit() -> None:
    event = {
        "specversion": "1.0",
        "id": "1",
        "source": "s",
        "type": "t",
        "subject": "c",
        "time": "2026-03-02T08:00:00Z",
        "data": {"q": "9" * 30 + "." + "9" * 30, "r": "x"},
    }
    [sample] = cloudevents.usage_events([event], SPEC)
    assert sample.value == Decimal("9" * 30 + "." + "9" * 30)


@pytest.mark.parametrize("written", ["2026-03-02t08:00:00z", "2026-03-02T09:00:00+01:00"])
def test_an_rfc_3339_time_with_a_lower_case_t_or_z_is_read(written: str) -> None:
    # RFC 3339, which CloudEvents' time follows, allows 't' and 'z' in lower case.
    event = {
        "specversion": "1.0",
        "id": "1",
        "source": "s",
        "type": "t",
        "subject": "c",
        "time": written,
        "data": {"q": 1, "r": "x"},
    }
    [sample] = cloudevents.usage_events([event], SPEC)
    assert sample.at_us == 1772438400000000  # 2026-03-02T08:00:00Z


def test_a_lower_case_time_that_does_not_read_is_refused_as_written() -> None:
    notification = _created()
    notification["timestamp"] = "yesterday"
    with pytest.raises(rk.BadRecordError) as caught:
        ceilometer.instance_notifications([notification], naive_utc=True)
    assert str(caught.value) == (
        "Nova notification [0].timestamp 'yesterday' is not an instant ratekit reads; write "
        "it as RFC 3339: a date, 'T', a time (a fraction of a second after '.', to the "
        "microsecond), then 'Z' or an offset of whole minutes or seconds, with nothing around "
        "it, like '2026-03-01T00:00:00Z' or '2026-03-01T01:00:00.5+01:00'."
    )


def test_a_naive_lower_case_time_is_read_as_utc_only_when_asked() -> None:
    notification = _created()
    notification["timestamp"] = "2026-03-02t08:00:00"
    [event] = ceilometer.instance_notifications([notification], naive_utc=True)
    assert event.at_us == 1772438400000000
    with pytest.raises(rk.BadRecordError) as caught:
        ceilometer.instance_notifications([notification])
    assert str(caught.value) == (
        "Nova notification [0].timestamp '2026-03-02t08:00:00' has no UTC offset; ratekit "
        "compares instants, so write it with an offset or 'Z', e.g. '2026-03-02T08:00:00Z'. "
        "If the feed writes its instants in UTC without an offset (as Nova and Ceilometer "
        "do), pass naive_utc=True."
    )


def _cpu(message_id: str, at: str, volume: object) -> dict[str, object]:
    return {
        "message_id": message_id,
        "counter_name": "cpu",
        "counter_type": "cumulative",
        "counter_unit": "ns",
        "counter_volume": volume,
        "project_id": "p-1",
        "resource_id": "vm-1",
        "timestamp": at,
    }


def test_a_negative_cumulative_reading_is_refused_at_its_field() -> None:
    # Readings 0, 3.6e12 and -3.6e12 ns used to meter 1 h and then -1 h (the negative
    # reading counted from zero after a "reset"): 0 h in all, CPU time given back.
    feed = [
        _cpu("s1", "2026-03-02T08:00:00Z", 0),
        _cpu("s2", "2026-03-02T09:00:00Z", 3600000000000),
        _cpu("s3", "2026-03-02T10:00:00Z", -3600000000000),
    ]
    with pytest.raises(rk.BadRecordError) as caught:
        ceilometer.samples(feed, meters=[ceilometer.CPU_HOURS])
    assert str(caught.value) == (
        "Ceilometer sample [2].counter_volume is -3600000000000, but a cumulative counter's "
        "reading counts up from zero and is never negative (a number >= 0 is accepted)."
    )


def test_a_negative_gauge_or_delta_is_still_read() -> None:
    # Only a cumulative reading is bounded: a delta may be a correction (-5 ns).
    feed = [{**_cpu("s1", "2026-03-02T08:00:00Z", -5), "counter_type": "delta"}]
    meter = rk.Meter("cpu", "ns", rk.Discrete())
    [sample] = ceilometer.samples(feed, meters=[meter])
    assert sample.value == -5


def test_a_negative_reading_of_a_counter_cloudevent_is_refused() -> None:
    spec = cloudevents.Spec(
        {"t": "m"}, quantity="data.q", account="subject", resource="data.r", kind="counter"
    )
    event = {
        "specversion": "1.0",
        "id": "1",
        "source": "s",
        "type": "t",
        "subject": "c",
        "time": "2026-03-02T08:00:00Z",
        "data": {"q": "-1.5", "r": "x"},
    }
    with pytest.raises(rk.BadRecordError) as caught:
        cloudevents.usage_events([event], spec)
    assert str(caught.value) == (
        "CloudEvent [0].data.q is -1.5, but a cumulative counter's reading counts up from "
        "zero and is never negative (a number >= 0 is accepted)."
    )


def test_a_deeply_nested_previous_is_refused_without_recursing() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        cloudfoundry.app_usage_events([], previous=[_nested_list(100_000)])
    assert str(caught.value) == (
        "previous must hold the events this adapter read before (with their id and seq), "
        "not [[[[[...]]]]]."
    )


def test_a_unit_written_at_length_is_shown_shortened() -> None:
    row = {
        "customer-id": "c",
        "quantity": 1,
        "resource": "cpu-usage",
        "resource_id": "r",
        "uom": "x" * 100_000,
    }
    with pytest.raises(rk.BadRecordError) as caught:
        borel.usage_rows([row], period=MARCH)
    assert str(caught.value) == (
        "Borel row [0].uom (row 'c/cpu-usage/r/2026-03-01T00:00:00Z/2026-04-01T00:00:00Z') is '"
        + "x" * 37
        + "..."
        + "x" * 38
        + "', 100000 characters long; "
        "a unit is a short name such as 'B', 'MB-ns' or "
        "'cpu-ns'."
    )


def test_two_cloudevents_whose_source_and_id_join_alike_keep_two_ids() -> None:
    # '/a#b' + 'c' and '/a' + 'b#c' both joined as '/a#b#c': the second, identical in
    # content, was then dropped as a duplicate of the first (1 token billed, not 2).
    def event(source: str, event_id: str) -> dict[str, object]:
        return {
            "specversion": "1.0",
            "id": event_id,
            "source": source,
            "type": "t",
            "subject": "c",
            "time": "2026-03-02T08:00:00Z",
            "data": {"q": 1, "r": "x"},
        }

    samples = cloudevents.usage_events([event("/a#b", "c"), event("/a", "b#c")], SPEC)
    assert [sample.id for sample in samples] == ["/a#b#c", "/a#b%23c"]
    usage = rk.meter(
        samples,
        [rk.Meter("m", "count", rk.Discrete())],
        span=MARCH,
        cycle=None,
        as_of=MARCH.end,
    )
    assert usage.total() == 2  # 1 + 1
    assert usage.anomalies == ()


def test_an_oslo_messaging_envelope_is_named_as_such() -> None:
    envelope = {"oslo.version": "2.0", "oslo.message": '{"event_type": "compute.instance.x"}'}
    with pytest.raises(rk.BadRecordError) as caught:
        ceilometer.instance_notifications([envelope])
    assert str(caught.value) == (
        "Nova notification [0] is an oslo.messaging envelope; read the notification inside "
        "it first (json.loads of its 'oslo.message')."
    )


def test_a_versioned_nova_notification_says_how_to_get_the_unversioned_one() -> None:
    versioned = {**_created(), "event_type": "instance.create.end"}
    with pytest.raises(rk.BadRecordError) as caught:
        ceilometer.instance_notifications([versioned])
    message = str(caught.value)
    assert message.startswith(
        "Nova notification [0].event_type is 'instance.create.end'; the instance notifications "
        "read are compute.instance.create.end, "
    )
    assert message.endswith(
        "or pass unknown='skip'. Nova's versioned notifications (instance.*, with a "
        "nova_object payload) are not read: have Nova emit the unversioned ones too "
        "(notification_format = both)."
    )


def test_a_count_written_with_a_large_exponent_is_refused_at_its_field() -> None:
    # '1e999' has one significant digit but is a count of 1000 digits, which the event
    # then refused naming only the record, not the input's field.
    event = {
        "guid": "e1",
        "created_at": "2026-03-02T08:00:00Z",
        "state": {"current": "STARTED", "previous": "STOPPED"},
        "app": {"guid": "app-1", "name": "shop"},
        "space": {"guid": "space-1", "name": "prod"},
        "organization": {"guid": "org-1"},
        "memory_in_mb_per_instance": {"current": "1e999", "previous": None},
        "instance_count": {"current": 1, "previous": None},
    }
    with pytest.raises(rk.BadRecordError) as caught:
        cloudfoundry.app_usage_events([event])
    assert str(caught.value) == (
        f"Cloud Foundry app usage event [0].memory_in_mb_per_instance.current '1e999' {_DOOR}"
    )


def test_nova_lifecycle_notifications_follow_the_payloads_state() -> None:
    # A real Nova feed carries reboots, shelves and snapshots; they used to refuse the feed
    # by default. Active 08:00-09:00, shelved from 09:00 (offloaded at 10:00), active again
    # from the unshelve at 12:00 to the delete at 13:00 (a reboot at 12:30 changes nothing):
    # 1 h + 1 h = 2 instance-hours.
    def step(event_type: str, message_id: str, at: str, state: str) -> dict[str, object]:
        return notification(event_type, message_id, at, vcpus=2, state=state)

    feed = [
        step("create.end", "n1", "2026-03-02T08:00:00Z", "active"),
        step("shelve.end", "n2", "2026-03-02T09:00:00Z", "shelved"),
        step("snapshot.end", "n3", "2026-03-02T09:30:00Z", "shelved"),
        step("shelve_offload.end", "n4", "2026-03-02T10:00:00Z", "shelved_offloaded"),
        step("unshelve.end", "n5", "2026-03-02T12:00:00Z", "active"),
        step("reboot.end", "n6", "2026-03-02T12:30:00Z", "active"),
        step("delete.end", "n7", "2026-03-02T13:00:00Z", "deleted"),
    ]
    events = ceilometer.instance_notifications(feed)
    assert [event.kind for event in events] == [
        "start",
        "update",
        "update",
        "update",
        "update",
        "update",
        "delete",
    ]
    usage = rk.meter(
        events,
        [ceilometer.INSTANCE_HOURS],
        span=MARCH,
        cycle=rk.cycles.monthly(tz="UTC"),
        as_of=MARCH.end,
    )
    # 08:00-09:00 active (1 h), then shelved; 12:00-13:00 active (1 h)
    assert usage.total() == 2
