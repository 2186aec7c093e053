"""Ceilometer samples and Nova instance notifications read straight from the feed (seeds 001, 002).

The month in ``tests/data/ceilometer/`` (project 229301dc…, March 2026, UTC cycles;
Nova writes its instants in UTC without an offset, read with ``naive_utc=True``):

- vm 8725 created m1.small at 2 Mar 08:00, resized to m1.large at 09:30 (the
  finish_resize notification delivered twice, then confirmed at 09:41), powered off at
  12:00 (an ``exists`` at 13:00 while stopped), on again at 00:00 on 3 Mar, deleted at 02:00;
- vm c5f4 fails to build (create.error at 00:03 on 5 Mar, deleted at 01:00);
- vm 284a created m1.small at 22:00 on 31 Mar, still running at the month's end;
- vm 8725's cumulative ``cpu`` counter (ns): 0 at 08:00, 1.8e12 at 09:00 (delivered twice),
  5.4e12 at 11:00, and 1.8e12 at 01:00 on 3 Mar after the power cycle (a reset);
- its interface's cumulative ``network.outgoing.bytes``: 0, 5e8 and 1.5e9 B; a
  ``network.outgoing.bytes.rate`` gauge and a ``memory.usage`` gauge nobody bills.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import pytest

import ratekit as rk
from ratekit._paths import lookup
from ratekit.adapters import ceilometer

DATA = Path(__file__).parent / "data" / "ceilometer"
NOTIFICATIONS = json.loads((DATA / "instance_notifications.json").read_text())
SAMPLES = json.loads((DATA / "samples.json").read_text())
PROJECT = "229301dc166a4b5bbf234564c01aaaed"
VM_1 = "87252d51-d050-4a16-a7f0-bbed90f8e9aa"
MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
METERS = [ceilometer.INSTANCE_HOURS, ceilometer.CPU_HOURS, ceilometer.NETWORK_OUT]


def records() -> list[rk.Event | rk.Sample]:
    events: list[rk.Event | rk.Sample] = list(
        ceilometer.instance_notifications(NOTIFICATIONS, naive_utc=True)
    )
    return events + ceilometer.samples(SAMPLES, meters=METERS[1:], unknown="skip")


def test_a_month_of_the_feed_rates_to_the_hand_computed_invoice() -> None:
    # Instance-hours while active:
    #   8725: m1.small 08:00-09:30 = 1.5 h; m1.large 09:30-12:00 = 2.5 h and 00:00-02:00 = 2 h
    #   c5f4: never active, 0;  284a: m1.small 22:00-24:00 = 2 h
    #   small 1.5 + 2 = 3.5 h x 0.04 = 0.14; large 4.5 h x 0.16 = 0.72
    # CPU: (1.8e12 - 0) + (5.4e12 - 1.8e12) ns = 1.5 h, then a reset counted from zero,
    #   1.8e12 ns = 0.5 h: 2 h x 0.10 = 0.20
    # Egress: 1.5e9 B = 1.5 GB x 0.08 = 0.12.  Total 0.14 + 0.72 + 0.20 + 0.12 = 1.18.
    plan = rk.Plan(
        "openstack",
        "EUR",
        MONTHLY,
        [
            rk.PriceEntry(
                "small", "instance.hours", rk.PerUnit("0.04"), where={"flavor": "m1.small"}
            ),
            rk.PriceEntry(
                "large", "instance.hours", rk.PerUnit("0.16"), where={"flavor": "m1.large"}
            ),
            rk.PriceEntry("cpu", "cpu", rk.PerUnit("0.10")),
            rk.PriceEntry("egress", "network.outgoing.bytes", rk.PerUnit("0.08")),
        ],
    )
    rating = rk.rate(records(), plan, span=MARCH, meters=METERS)
    (invoice,) = rk.bill(rating)
    assert invoice.account == PROJECT
    assert sorted((line.entry, line.quantity, line.amount) for line in invoice.lines) == [
        ("cpu", Decimal(2), Decimal("0.20")),
        ("egress", Decimal("1.5"), Decimal("0.12")),
        ("large", Decimal("4.5"), Decimal("0.72")),
        ("small", Decimal("3.5"), Decimal("0.14")),
    ]
    assert invoice.total == Decimal("1.18")
    assert sorted(anomaly.kind for anomaly in rating.anomalies) == [
        "counter_reset",
        "duplicate",
        "duplicate",
    ]


def test_vcpu_and_memory_hours_from_the_notifications_descriptions() -> None:
    # vCPUs: 1 x 1.5 + 4 x 4.5 + 1 x 2 = 21.5; MB: 2048 x 1.5 + 8192 x 4.5 + 2048 x 2 = 44032,
    # in Nova's MB (MiB): 44032 MiB*hour = 44032 / 1024 = 43 GiB*hour.
    events = ceilometer.instance_notifications(NOTIFICATIONS, naive_utc=True)
    usage = rk.meter(
        events,
        [ceilometer.VCPU_HOURS, ceilometer.MEMORY_MB_HOURS],
        span=MARCH,
        cycle=MONTHLY,
        as_of=MARCH.end,
    )
    assert usage.total("vcpu.hours") == Decimal("21.5")
    assert usage.total("memory.hours") == Decimal(44032)
    assert ceilometer.MEMORY_MB_HOURS.unit == "MiB*hour"
    gib = rk.Meter("memory.hours", "GiB*hour", ceilometer.MEMORY_MB_HOURS.policy)
    usage = rk.meter(events, [gib], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    assert usage.total() == Decimal(43)


def test_root_disk_hours_read_novas_gb_as_gib() -> None:
    # root_gb follows memory_mb's stretches: 20 x 1.5 + 80 x 4.5 + 20 x 2 = 30 + 360 + 40 =
    # 430 GiB*hour (Nova sizes a root disk root_gb x 2^30 bytes). In 10^9-byte GB:
    # 430 x 1073741824 / 10^9 = 461.70898432 GB*hour (was: a level read as decimal GB).
    events = ceilometer.instance_notifications(NOTIFICATIONS, naive_utc=True)
    disk = ceilometer.ROOT_DISK_GB_HOURS
    assert (disk.name, disk.unit) == ("disk.root.hours", "GiB*hour")
    usage = rk.meter(events, [disk], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    assert usage.total() == Decimal(430)
    decimal = rk.Meter("disk.root.hours", "GB*hour", disk.policy)
    usage = rk.meter(events, [decimal], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    assert usage.total() == Decimal("461.70898432")
    # Priced per 10^9-byte GB-hour on the entry, at 0.001: 0.46170898432 -> 0.46.
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHLY,
        [rk.PriceEntry("disk", "disk.root.hours", rk.PerUnit("0.001"), unit="GB*hour")],
    )
    (invoice,) = rk.bill(rk.rate(events, plan, span=MARCH, meters=[disk]))
    assert invoice.total == Decimal("0.46")


def test_a_notification_carries_flavor_vcpus_memory_and_nested_metadata() -> None:
    events = ceilometer.instance_notifications(NOTIFICATIONS, naive_utc=True)
    created = events[0]
    assert (created.kind, created.account, created.resource) == ("start", PROJECT, VM_1)
    assert created.at.isoformat() == "2026-03-02T08:00:00+00:00"
    attributes = dict(created.attributes)
    assert (attributes["flavor"], attributes["vcpus"], attributes["memory_mb"]) == (
        "m1.small",
        1,
        2048,
    )
    assert attributes["image_meta"]["disk_format"] == "qcow2"  # type: ignore[index]
    assert "tenant_id" not in attributes
    assert "state_description" not in attributes
    # The *.start announcements are skipped; the kinds follow the table: the power_off and
    # power_on in between are updates whose state says whether the instance runs.
    assert [event.kind for event in events] == [
        "start", "update", "update", "update", "update", "update", "update", "delete",
        "update", "delete", "start",
    ]  # fmt: skip
    assert dict(events[-3].attributes)["state"] == "error"  # the failed build


def test_samples_of_each_counter_type_in_the_meters_units() -> None:
    gauge = rk.Meter("memory.usage", "GB", rk.Max())
    rate = rk.Meter("network.outgoing.bytes.rate", "kB/s", rk.Max())
    read = ceilometer.samples(SAMPLES, meters=[*METERS[1:], gauge, rate])
    by_meter = {
        (sample.meter, sample.kind, sample.value)
        for sample in read
        if isinstance(sample, rk.Sample)
    }
    assert ("cpu", "counter", Decimal("1.5")) in by_meter  # 5.4e12 ns = 1.5 h
    assert ("network.outgoing.bytes", "counter", Decimal("1.5")) in by_meter  # 1.5e9 B = 1.5 GB
    # OpenStack's MB is a MiB: 1430 x 2^20 = 1499463680 B = 1.49946368 GB
    assert ("memory.usage", "gauge", Decimal("1.49946368")) in by_meter
    assert ("network.outgoing.bytes.rate", "gauge", Decimal("138.88889")) in by_meter  # B/s -> kB/s


def test_describe_gives_an_update_when_the_metadata_changes() -> None:
    read = ceilometer.samples(SAMPLES, meters=[ceilometer.CPU_HOURS], unknown="skip", describe=True)
    updates = [record for record in read if isinstance(record, rk.Event)]
    # vm 8725's metadata: m1.small from the first sample, m1.large from 11:00. The flavor is
    # written by its name, as Nova's notifications write it (it was {"name": ...}).
    assert [(event.at.hour, lookup(event.attributes, "flavor")) for event in updates] == [
        (8, "m1.small"),
        (11, "m1.large"),
    ]
    assert lookup(updates[0].attributes, "image.name") == "ubuntu-24.04"
    assert updates[0].kind == "update"
    assert updates[0].id == "9e8d7c6b-0000-4000-8000-000000000001/metadata"


def test_the_api_shape_of_seed_001() -> None:
    image = {
        "id": "68d4a944-7222-11e4-b78a-525400f01ec9",
        "name": "image.size",
        "project_id": "229301dc166a4b5bbf234564c01aaaed",
        "resource_id": "87252d51-d050-4a16-a7f0-bbed90f8e9aa",
        "resource_metadata": {"checksum": None, "properties": {"size": "2361393152"}},
        "source": "openstack",
        "timestamp": "2014-11-22T08:34:44Z",
        "type": "gauge",
        "unit": "B",
        "user_id": None,
        "volume": 2361393152,
    }
    (sample,) = ceilometer.samples([image], meters=[rk.Meter("image.size", "GB", rk.Max())])
    assert (sample.kind, sample.value, sample.id) == ("gauge", Decimal("2.361393152"), image["id"])


def test_errors_name_the_position_and_the_field() -> None:
    broken = copy.deepcopy(SAMPLES)
    broken[2]["counter_type"] = "rate"
    with pytest.raises(rk.BadRecordError) as error:
        ceilometer.samples(broken, meters=METERS[1:], unknown="skip")
    assert str(error.value) == (
        "Ceilometer sample [2].counter_type is 'rate'; expected one of 'gauge', 'delta', 'cumulative'."
    )
    broken = copy.deepcopy(SAMPLES)
    broken[0]["counter_unit"] = "instance"
    with pytest.raises(rk.BadRecordError) as error:
        ceilometer.samples(broken, meters=METERS[1:], unknown="skip")
    assert str(error.value).startswith(
        "Ceilometer sample [0].counter_unit (sample '9e8d7c6b-0000-4000-8000-000000000001') is "
        "'instance', not a unit meter 'cpu' in 'hour' can take"
    )
    with pytest.raises(
        rk.BadRecordError, match=r"\[3\]\.counter_name is 'memory.usage', which no meter names"
    ):
        ceilometer.samples(SAMPLES, meters=METERS[1:])
    with pytest.raises(
        rk.BadRecordError, match=r"\[1\]\.timestamp '2026-03-02 08:00:00.000000' has no UTC offset"
    ):
        ceilometer.instance_notifications(NOTIFICATIONS)
    broken = copy.deepcopy(NOTIFICATIONS)
    del broken[1]["payload"]["memory_mb"]
    with pytest.raises(rk.BadRecordError) as error:
        ceilometer.instance_notifications(broken, naive_utc=True)
    assert str(error.value) == (
        "Nova notification [1].payload.memory_mb is missing; a create.end notification must "
        "describe the instance (flavor, vCPUs, memory)."
    )
    broken = copy.deepcopy(NOTIFICATIONS)
    broken[2]["event_type"] = "compute.instance.frobnicate.end"
    with pytest.raises(
        rk.BadRecordError, match=r"\[2\]\.event_type is 'compute.instance.frobnicate.end'"
    ):
        ceilometer.instance_notifications(broken, naive_utc=True)
    assert len(ceilometer.instance_notifications(broken, naive_utc=True, unknown="skip")) == 11


@pytest.mark.parametrize(
    ("unit", "volume", "meter_unit", "expected"),
    [
        ("ns", 7200000000000, "hour", "2"),  # 7.2e12 ns / 3.6e12 ns per hour
        ("B", 2500000, "MB", "2.5"),  # 2.5e6 B / 1e6
        ("MB", 1536, "GB", "1.610612736"),  # OpenStack's MB is a MiB: 1536 x 2^20 / 10^9
        ("MB", 1536, "GiB", "1.5"),  # 1536 MiB / 1024
        ("GB", 20, "GiB", "20"),  # a root disk of 20 GB (GiB), as written
        ("KB", 2048, "MiB", "2"),  # 2048 KiB / 1024
        ("B/s", 125000, "Mbit/s", "1"),  # 125000 B/s x 8 bit / 1e6
        # OpenStack's MB is a MiB in a rate too, as in a size (MB/s was read as 10^6 B/s):
        ("MB", 1, "B", "1048576"),  # 2^20
        ("MB/s", 1, "B/s", "1048576"),  # 2^20 B/s
        ("kB/s", 2, "B/s", "2048"),  # 2 x 2^10
        ("GB/s", 1, "MiB/s", "1024"),  # 2^30 / 2^20
        ("instance", 1, "instance", "1"),  # a unit ratekit does not know converts to itself
    ],
)
def test_ceilometer_units_map_to_ratekit_units_exactly(
    unit: str, volume: int, meter_unit: str, expected: str
) -> None:
    sample = {
        "message_id": "m-1",
        "counter_name": "x",
        "counter_type": "gauge",
        "counter_unit": unit,
        "counter_volume": volume,
        "project_id": "p",
        "resource_id": "r",
        "timestamp": "2026-03-02T08:00:00Z",
    }
    (read,) = ceilometer.samples([sample], meters=[rk.Meter("x", meter_unit, rk.Max())])
    assert isinstance(read, rk.Sample)
    assert read.value == Decimal(expected)


def read_first_update() -> Mapping[str, object]:
    read = ceilometer.samples(SAMPLES, meters=[ceilometer.CPU_HOURS], unknown="skip", describe=True)
    return next(record for record in read if isinstance(record, rk.Event)).attributes


def test_nested_metadata_is_read_by_dotted_paths_in_levels_and_conditions() -> None:
    # vm 8725 described by its samples' metadata: its flavor's vcpus (flavor_vcpus, the
    # flavor being written by its name as Nova writes it) 1 from 08:00, 4 from 11:00.
    # Metered to 12:00: 1 x 3 h + 4 x 1 h = 7 vCPU-hours. Nested metadata reads by paths.
    assert lookup(read_first_update(), "image.name") == "ubuntu-24.04"
    vcpus = rk.Meter("vcpus", "hour", rk.Continuous("flavor_vcpus", when={"status": "active"}))
    read = ceilometer.samples(SAMPLES, meters=[ceilometer.CPU_HOURS], unknown="skip", describe=True)
    usage = rk.meter(
        [record for record in read if isinstance(record, rk.Event)],
        [vcpus],
        span=MARCH,
        cycle=MONTHLY,
        as_of="2026-03-02T12:00:00Z",
    )
    assert [(row.span.start.hour, row.quantity) for row in usage.rows] == [
        (8, Decimal(3)),
        (11, Decimal(4)),
    ]


def test_the_v2_samples_listing_with_its_flat_metadata_rates_per_flavor() -> None:
    # /v2/samples lists id, meter, type, unit, volume (a float) and a flat "metadata"
    # ({"flavor.name": ...}, read as "flavor", as Nova's notifications write it); the
    # sample at 10:00 is listed twice (a replay).
    # cpu (ns): 0 at 08:00 (m1.small), 7.2e12 at 10:00 (resized: m1.large), 1.62e13 at
    # 12:00: 2 h over [08:00, 10:00) while small, 9e12 ns = 2.5 h over [10:00, 12:00) while
    # large. Per CPU-hour by flavor: small 2 x 0.10 = 0.20, large 2.5 x 0.40 = 1.00.
    # network.outgoing.bytes: 0 then 2.5e9 B = 2.5 GB x 0.02 = 0.05. Total 1.25.
    listing = json.loads((DATA / "v2_samples.json").read_text())
    records = ceilometer.samples(
        listing,
        meters=[ceilometer.CPU_HOURS, ceilometer.NETWORK_OUT],
        describe=True,
        naive_utc=True,
    )
    updates = [record for record in records if isinstance(record, rk.Event)]
    # one update per change of a resource's metadata: the instance small then large, its
    # interface once (the replayed sample repeats the metadata already seen)
    assert [update.attributes["flavor"] for update in updates] == [
        "m1.small",
        "m1.large",
        "m1.small",
    ]
    assert updates[1].at == rk.Span("2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z").start
    plan = rk.Plan(
        "openstack",
        "EUR",
        MONTHLY,
        [
            rk.PriceEntry("small", "cpu", rk.PerUnit("0.10"), where={"flavor": "m1.small"}),
            rk.PriceEntry("large", "cpu", rk.PerUnit("0.40"), where={"flavor": "m1.large"}),
            rk.PriceEntry("egress", "network.outgoing.bytes", rk.PerUnit("0.02")),
        ],
    )
    rating = rk.rate(
        records, plan, span=MARCH, meters=[ceilometer.CPU_HOURS, ceilometer.NETWORK_OUT]
    )
    [invoice] = rk.bill(rating)
    lines = {(line.entry, line.quantity, line.amount) for line in invoice.lines}
    assert lines == {
        ("small", Decimal(2), Decimal("0.20")),
        ("large", Decimal("2.5"), Decimal("1.00")),
        ("egress", Decimal("2.5"), Decimal("0.05")),
    }
    assert invoice.total == Decimal("1.25")
    assert [anomaly.kind for anomaly in rating.anomalies] == ["duplicate"]


@pytest.mark.parametrize(
    ("feed", "message"),
    [
        (
            [["2026-03-02T08:00:00+00:00", 300.0, 0.0]],
            "Ceilometer sample [0] is a Gnocchi measure [timestamp, granularity, value]: ",
        ),
        (
            [SAMPLES[0], {"timestamp": "2026-03-02T08:00:00+00:00", "value": 3.6e12}],
            "Ceilometer sample [1] is a Gnocchi measure {'timestamp': ..., 'value': ...}: ",
        ),
        (
            [{"id": "vm-1", "type": "instance", "metrics": {"cpu": "8e2f"}}],
            "Ceilometer sample [0] is a Gnocchi resource (with 'metrics'): ",
        ),
        (
            {"measures": {"8e2f": {"cpu": {"mean": [["2026-03-02T08:00:00+00:00", 300.0, 1]]}}}},
            "Ceilometer sample feed is Gnocchi's aggregates ('measures'): ",
        ),
    ],
)
def test_gnocchis_shapes_are_refused_saying_gnocchi_is_not_read(feed: object, message: str) -> None:
    with pytest.raises(rk.BadRecordError) as error:
        ceilometer.samples(feed, meters=METERS, unknown="skip")
    assert str(error.value) == message + (
        "Gnocchi's measures, aggregates and resources are not read (a measure carries no "
        "project, resource or unit); read Ceilometer's samples instead, as its publisher sends "
        "them or its /v2/samples API lists them."
    )


@pytest.mark.parametrize(
    ("volume", "meter_unit", "expected"),
    [
        ("12.5", "%", "12.5"),  # as written
        ("12.5", "1", "0.125"),  # 12.5 / 100
        (250, "count", "2.5"),  # 250 / 100
    ],
)
def test_a_percentage_such_as_cpu_util_is_read(
    volume: object, meter_unit: str, expected: str
) -> None:
    sample = {
        "message_id": "m-1",
        "counter_name": "cpu_util",
        "counter_type": "gauge",
        "counter_unit": "%",
        "counter_volume": volume,
        "project_id": "p",
        "resource_id": "vm-1",
        "timestamp": "2026-03-02T08:00:00Z",
    }
    meter = rk.Meter("cpu_util", meter_unit, rk.Max())
    (read,) = ceilometer.samples([sample], meters=[meter])
    assert isinstance(read, rk.Sample)
    assert read.value == Decimal(expected)
    with pytest.raises(rk.BadRecordError) as error:
        ceilometer.samples([sample], meters=[rk.Meter("cpu_util", "hour", rk.Max())])
    assert str(error.value) == (
        "Ceilometer sample [0].counter_unit (sample 'm-1') is '%', not a unit meter "
        "'cpu_util' in 'hour' can take: Cannot convert '%' to 'hour': '%' measures count and "
        "'hour' measures time."
    )


@pytest.mark.parametrize("key", [1, ""])
def test_a_metadata_key_that_is_not_a_string_is_refused_not_dropped(key: object) -> None:
    broken = copy.deepcopy(SAMPLES)
    broken[1]["resource_metadata"][key] = 2
    with pytest.raises(rk.BadRecordError) as error:
        ceilometer.samples(broken, meters=METERS[1:], unknown="skip", describe=True)
    assert str(error.value) == (
        "Ceilometer sample [1].resource_metadata (sample "
        f"'9e8d7c6b-0000-4000-8000-000000000002') has the key {key!r}; its keys must be "
        "non-empty strings, as JSON's are (write the key as a string)."
    )
    # without describe the metadata is not read, and the sample is
    assert len(ceilometer.samples(broken, meters=METERS[1:], unknown="skip")) == len(
        ceilometer.samples(SAMPLES, meters=METERS[1:], unknown="skip")
    )
    broken = copy.deepcopy(NOTIFICATIONS)
    broken[1]["payload"][key] = "x"
    with pytest.raises(rk.BadRecordError) as error:
        ceilometer.instance_notifications(broken, naive_utc=True)
    assert str(error.value) == (
        f"Nova notification [1].payload has the key {key!r}; its keys must be "
        "non-empty strings, as JSON's are (write the key as a string)."
    )


@pytest.mark.parametrize(
    ("counter_type", "meter", "takes"),
    [
        ("gauge", ceilometer.CPU_HOURS, "'cumulative'"),
        ("delta", ceilometer.CPU_HOURS, "'cumulative'"),
        ("cumulative", rk.Meter("cpu", "hour", rk.Max()), "'gauge' or 'delta'"),
        ("gauge", rk.Meter("cpu", "hour", rk.Discrete()), "'delta'"),
        ("gauge", rk.Meter("cpu", "hour", rk.OnOff()), "no samples (it is time-based)"),
    ],
)
def test_a_counter_type_the_meter_does_not_take_is_refused_at_its_position(
    counter_type: str, meter: rk.Meter, takes: str
) -> None:
    broken = copy.deepcopy(SAMPLES)
    broken[0]["counter_type"] = counter_type
    with pytest.raises(rk.BadRecordError) as error:
        ceilometer.samples(broken, meters=[meter], unknown="skip")
    assert str(error.value) == (
        f"Ceilometer sample [0].counter_type is {counter_type!r}, which meter 'cpu' does not "
        f"take: its policy takes {takes}."
    )
