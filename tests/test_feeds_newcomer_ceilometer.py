"""An OpenStack cloud's month from Nova's notifications and Ceilometer's samples, ``describe=True``.

The instance's whole metadata rides on the samples of its vNIC and its disk device, beside a
volume's, an image's and a Heat stack's samples, listed newest first as ``/v2/samples`` does.
docs/adapters.md: "A vNIC is not an instance" -- each resource is billed once, by its own
meter, and the month is checked against a ``fractions.Fraction`` oracle worked by hand. Then
instances whose metadata lacks a flavor, and pages read in any order with ``previous=``.
Faults found are at the end, each a strict expected failure on its smallest input.
"""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from tests._nova import notification

import ratekit as rk
from ratekit.adapters import ceilometer

MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")

DISK_READ = rk.Meter("disk.device.read.bytes", "GB", rk.Counter())
VOLUME_SIZE = rk.Meter("volume.size", "GiB", rk.Max())
IMAGE_SIZE = rk.Meter("image.size", "GB", rk.Max())
STACKS = rk.Meter("stack.create", "stack", rk.Discrete())
METERS = [
    ceilometer.INSTANCE_HOURS,
    ceilometer.CPU_HOURS,
    ceilometer.NETWORK_IN,
    DISK_READ,
    VOLUME_SIZE,
    IMAGE_SIZE,
    STACKS,
]

PLAN = rk.Plan(
    "openstack",
    "EUR",
    MONTHLY,
    [
        rk.PriceEntry("small", "instance.hours", rk.PerUnit("0.04"), where={"flavor": "m1.small"}),
        rk.PriceEntry("large", "instance.hours", rk.PerUnit("0.16"), where={"flavor": "m1.large"}),
        rk.PriceEntry("cpu", "cpu", rk.PerUnit("0.10")),
        rk.PriceEntry("net", "network.incoming.bytes", rk.PerUnit("0.01")),
        rk.PriceEntry("disk", "disk.device.read.bytes", rk.PerUnit("0.02")),
        rk.PriceEntry("volume", "volume.size", rk.PerUnit("0.05")),
        rk.PriceEntry("image", "image.size", rk.PerUnit("0.10")),
        rk.PriceEntry("stack", "stack.create", rk.PerUnit("1.00")),
    ],
)


def _nova(event_type: str, message_id: str, at: str, flavor: str, state: str) -> dict[str, Any]:
    # Nova's notification as it travels, with its publisher and priority
    return {
        **notification(event_type, message_id, at, instance_type=flavor, state=state),
        "publisher_id": "compute.host-1",
        "priority": "INFO",
    }


def _sample(  # noqa: PLR0917 - a sample's fields in the feed's order
    message_id: str,
    meter: str,
    resource: str,
    at: str,
    volume: object,
    metadata: dict[str, Any] | None,
    unit: str = "B",
    kind: str = "cumulative",
) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "counter_name": meter,
        "counter_type": kind,
        "counter_unit": unit,
        "counter_volume": volume,
        "project_id": "p-1",
        "resource_id": resource,
        "user_id": "u-1",
        "timestamp": at,
        "source": "openstack",
        "resource_metadata": metadata,
    }


def _instance(flavor: str) -> dict[str, Any]:
    """The instance's metadata, as Ceilometer writes it on the instance and on its parts."""
    return {
        "instance_id": "vm-1",
        "display_name": "web",
        "state": "running",
        "status": "active",
        "flavor": {"name": flavor, "vcpus": 1},
    }


NOTIFICATIONS = [
    _nova("create.end", "n1", "2026-03-02 08:00:00.000000", "m1.small", "active"),
    _nova("finish_resize.end", "n2", "2026-03-10 08:00:00.000000", "m1.large", "active"),
    _nova("delete.end", "n3", "2026-03-20 08:00:00.000000", "m1.large", "deleted"),
]
HOUR_NS = 3_600_000_000_000
SAMPLES = [
    # the instance's CPU: 0, then 10 h, then 29 h
    _sample("c1", "cpu", "vm-1", "2026-03-02T09:00:00", 0, _instance("m1.small"), "ns"),
    _sample("c2", "cpu", "vm-1", "2026-03-10T09:00:00", 10 * HOUR_NS, _instance("m1.large"), "ns"),
    _sample("c3", "cpu", "vm-1", "2026-03-20T07:00:00", 29 * HOUR_NS, _instance("m1.large"), "ns"),
    # its vNIC and disk device, with the instance's whole metadata
    *(
        _sample(f"v{i}", "network.incoming.bytes", "instance-00000001-vm-1-tap1", at, volume,
                {**_instance(flavor), "mac": "fa:16:3e:00:00:01"})
        for i, (at, volume, flavor) in enumerate(
            [
                ("2026-03-02T09:00:00", 0, "m1.small"),
                ("2026-03-10T09:00:00", 5 * 10**9, "m1.large"),
                ("2026-03-20T07:00:00", 12 * 10**9, "m1.large"),
            ]
        )
    ),
    _sample("d1", "disk.device.read.bytes", "vm-1-vda", "2026-03-02T09:00:00", 0,
            {**_instance("m1.small"), "disk_name": "vda"}),
    _sample("d2", "disk.device.read.bytes", "vm-1-vda", "2026-03-20T07:00:00", 3 * 10**9,
            {**_instance("m1.large"), "disk_name": "vda"}),
    # a volume, an image and a Heat stack, whose own 'status' or 'state' are theirs
    _sample("vol1", "volume.size", "vol-1", "2026-03-03T00:00:00", 100,
            {"status": "in-use", "display_name": "data"}, "GB", "gauge"),
    _sample("img1", "image.size", "img-1", "2026-03-03T00:00:00", 2361393152,
            {"status": "active", "name": "ubuntu"}, "B", "gauge"),
    _sample("st1", "stack.create", "st-1", "2026-03-03T00:00:00", 1,
            {"state": "CREATE_COMPLETE", "stack_name": "web"}, "stack", "delta"),
]  # fmt: skip


def _oracle() -> dict[str, Fraction]:
    """The month's precise amount per entry, worked by hand in fractions."""
    return {
        "small": 192 * Fraction("0.04"),  # 2 Mar 08:00 .. 10 Mar 08:00 = 8 days = 192 h: 7.68
        "large": 240 * Fraction("0.16"),  # 10 Mar 08:00 .. 20 Mar 08:00 = 240 h: 38.40
        "cpu": 29 * Fraction("0.10"),  # 29 h of CPU: 2.90
        "net": 12 * Fraction("0.01"),  # 12e9 B = 12 GB: 0.12
        "disk": 3 * Fraction("0.02"),  # 3e9 B = 3 GB: 0.06
        "volume": 100 * Fraction("0.05"),  # Ceilometer's GB is a GiB: 100 GiB: 5.00
        "image": Fraction("2.361393152") * Fraction("0.10"),  # 0.2361393152, printed 0.24
        "stack": Fraction(1),  # one stack created: 1.00
    }


def _bill(records: list[rk.Sample | rk.Event]) -> tuple[Decimal, dict[str, Decimal]]:
    rating = rk.rate(records, PLAN, span=MARCH, meters=METERS)
    (invoice,) = rk.bill(rating)
    assert invoice.total == sum(line.amount for line in invoice.lines)
    lines: dict[str, Decimal] = {}
    for line in invoice.lines:
        assert line.entry is not None  # every line is a price entry's
        lines[line.entry] = lines.get(line.entry, Decimal(0)) + line.amount
    return rating.total(), lines


def _read(samples: list[dict[str, Any]]) -> list[rk.Sample | rk.Event]:
    events: list[rk.Sample | rk.Event] = list(
        ceilometer.instance_notifications(NOTIFICATIONS, naive_utc=True)
    )
    return events + ceilometer.samples(samples, meters=METERS, describe=True, naive_utc=True)


def test_a_month_newest_first_bills_each_resource_once_as_the_oracle_works_it() -> None:
    oracle = _oracle()
    total, lines = _bill(_read(SAMPLES[::-1]))
    assert Fraction(total) == sum(oracle.values())
    # each line is its precise amount to the cent (no oracle amount is a half cent)
    assert {entry: Fraction(amount) for entry, amount in lines.items()} == {
        entry: round(amount, 2) for entry, amount in oracle.items()
    }
    # 7.68 + 38.40 + 2.90 + 0.12 + 0.06 + 5.00 + 0.24 + 1.00
    assert sum(lines.values()) == Decimal("55.40")


def test_only_the_instance_counts_instance_hours_not_its_vnic_or_disk() -> None:
    records = _read(SAMPLES)
    usage = rk.meter(records, METERS, span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    hours = {row.resource for row in usage.rows if row.meter == "instance.hours"}
    assert hours == {"vm-1"}
    vnic = [r for r in records if isinstance(r, rk.Event) and r.resource.endswith("tap1")]
    assert {e.attributes.get("instance_state") for e in vnic} == {"active"}
    assert all("state" not in e.attributes for e in vnic)


@pytest.mark.parametrize("seed", range(3))
def test_the_samples_in_any_order_and_partly_twice_bill_the_same(seed: int) -> None:
    chooser = random.Random(seed)
    feed = SAMPLES + chooser.sample(SAMPLES, 4)
    chooser.shuffle(feed)
    assert _bill(_read(feed)) == _bill(_read(SAMPLES))


@pytest.mark.parametrize("seed", range(6))
def test_pages_read_in_any_order_with_previous_bill_as_one_call(seed: int) -> None:
    chooser = random.Random(seed)
    feed = SAMPLES[::-1]
    cuts = sorted(chooser.sample(range(1, len(feed)), 3))
    pages = [feed[a:b] for a, b in zip([0, *cuts], [*cuts, len(feed)], strict=True)]
    chooser.shuffle(pages)
    read: list[rk.Sample | rk.Event] = []
    for page in pages:
        read += ceilometer.samples(
            page, meters=METERS, describe=True, naive_utc=True, previous=read
        )
    notified = list(ceilometer.instance_notifications(NOTIFICATIONS, naive_utc=True))
    assert _bill([*notified, *read]) == _bill(_read(SAMPLES))


def test_an_instance_whose_metadata_lacks_a_flavor_is_billed_once_by_its_state() -> None:
    # no flavor, no instance_type: it is an instance by its meter ('cpu'), and runs
    feed = [
        _sample("c1", "cpu", "vm-2", "2026-03-02T08:00:00", 0, {"state": "active"}, "ns"),
        _sample("c2", "cpu", "vm-2", "2026-03-02T10:00:00", HOUR_NS, {"state": "active"}, "ns"),
        _sample("n1", "network.incoming.bytes", "tap-2", "2026-03-02T08:00:00", 0,
                {"instance_id": "vm-2", "state": "active"}),
    ]  # fmt: skip
    gone = rk.Inventory("2026-03-02T18:00:00Z", [], close="last_seen", id="servers")
    records = ceilometer.samples(feed, meters=METERS, describe=True, naive_utc=True)
    usage = rk.meter([*records, gone], METERS, span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    hours = {(r.resource, r.quantity) for r in usage.rows if r.meter == "instance.hours"}
    assert hours == {("vm-2", Decimal(2))}  # 08:00 to its last sample at 10:00


def test_a_vnic_samples_dropped_state_removes_the_instances_state_from_the_part() -> None:
    feed = [
        _sample("n1", "network.incoming.bytes", "tap", "2026-03-02T08:00:00", 0,
                {"instance_id": "vm-1", "state": "active"}),
        _sample("n2", "network.incoming.bytes", "tap", "2026-03-02T09:00:00", 5,
                {"instance_id": "vm-1"}),
    ]  # fmt: skip
    records = ceilometer.samples(feed, meters=METERS, describe=True, naive_utc=True)
    updates = [dict(r.attributes) for r in records if isinstance(r, rk.Event)]
    assert updates == [
        {"instance_id": "vm-1", "instance_state": "active"},
        {"instance_id": "vm-1", "instance_state": None},
    ]


@pytest.mark.parametrize(("unit", "per_second"), [("B/s", 1), ("KB/s", 1024), ("kB/s", 1024),
                                                  ("MB/s", 1048576), ("%", None)])  # fmt: skip
def test_a_rate_in_openstacks_units_is_read_binary_and_a_percentage_as_a_hundredth(
    unit: str, per_second: int | None
) -> None:
    meter = rk.Meter("network.incoming.bytes.rate", "1" if per_second is None else "B/s", rk.Max())
    feed = [_sample("r1", "network.incoming.bytes.rate", "tap", "2026-03-02T08:00:00", 50,
                    None, unit, "gauge")]  # fmt: skip
    (sample,) = ceilometer.samples(feed, meters=[meter], naive_utc=True)
    assert isinstance(sample, rk.Sample)
    # 50 KB/s is 50 * 1024 B/s; 50 % is 0.5
    assert sample.value == (Decimal("0.5") if per_second is None else 50 * per_second)


def test_a_poll_stamped_after_novas_deletion_does_not_reopen_the_instance() -> None:
    notifications = [
        NOTIFICATIONS[0],
        {**NOTIFICATIONS[2], "timestamp": "2026-03-02 12:00:00.000000"},
    ]
    events = ceilometer.instance_notifications(notifications, naive_utc=True)
    feed = [
        _sample("c1", "cpu", "vm-1", "2026-03-02T11:00:00", 0, _instance("m1.small"), "ns"),
        _sample("c2", "cpu", "vm-1", "2026-03-02T12:00:05", HOUR_NS, _instance("m1.small"), "ns"),
    ]
    samples = ceilometer.samples(feed, meters=METERS, describe=True, naive_utc=True)
    usage = rk.meter([*events, *samples], METERS, span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    hours = sum(r.quantity for r in usage.rows if r.meter == "instance.hours")
    assert hours == 4  # created 08:00, deleted 12:00: 3 h + 1 h; the 12:00:05 poll is late news
    assert [(a.kind, a.record_ids) for a in usage.anomalies] == [("after_delete", ("c2",))]


# Faults -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("meter", "metadata"),
    [
        ("network.incoming.bytes", {"instance_id": "vm-1", "state": "active",
                                    "instance_state": "stopped"}),
        ("cpu", {"flavor": {"name": "m1.small"}, "flavor.name": "m1.large"}),
        ("cpu", {1: 2}),
    ],
)  # fmt: skip
def test_a_metadata_refusal_names_the_sample_by_its_id(
    meter: str, metadata: dict[Any, Any]
) -> None:
    unit = "ns" if meter == "cpu" else "B"
    feed = [_sample("s-42", meter, "r-1", "2026-03-02T08:00:00", 0, metadata, unit)]
    with pytest.raises(rk.BadRecordError) as raised:
        ceilometer.samples(feed, meters=METERS, describe=True, naive_utc=True)
    message = str(raised.value)
    assert message.startswith("Ceilometer sample [0].resource_metadata")
    assert "'s-42'" in message


@pytest.mark.parametrize("metadata", [{"flavor": {"name": 5}}, {"flavor.name": 5}])
def test_a_flavor_name_that_is_not_a_name_is_refused_at_its_field(
    metadata: dict[str, Any],
) -> None:
    metadata = {"state": "active", **metadata}
    feed = [_sample("s-42", "cpu", "vm-1", "2026-03-02T08:00:00", 0, metadata, "ns")]
    with pytest.raises(rk.BadRecordError, match=r"\[0\]\.resource_metadata.*flavor.*'s-42'"):
        ceilometer.samples(feed, meters=METERS, describe=True, naive_utc=True)


@pytest.mark.parametrize("later_id_first", [False, True])
def test_a_tie_at_one_instant_read_in_two_calls_describes_as_one_call(
    later_id_first: bool,
) -> None:
    # at 11:00 Ceilometer polls the instance's cpu and memory as it stops; the ids decide:
    # 'm-a' sorts first, so from 11:00 the instance is stopped and runs 0 hours to as_of
    memory = rk.Meter("memory.usage", "MiB", rk.Max())
    meters = [ceilometer.INSTANCE_HOURS, ceilometer.CPU_HOURS, memory]
    stopped = _sample("m-a", "memory.usage", "vm-1", "2026-03-02T11:00:00", 512,
                      {"state": "stopped"}, "MB", "gauge")  # fmt: skip
    running = _sample("m-b", "cpu", "vm-1", "2026-03-02T11:00:00", 0, {"state": "active"}, "ns")
    pages = [[running], [stopped]] if later_id_first else [[stopped], [running]]
    read: list[rk.Sample | rk.Event] = []
    for page in pages:
        read += ceilometer.samples(
            page, meters=meters, describe=True, naive_utc=True, previous=read
        )
    one_call = ceilometer.samples([stopped, running], meters=meters, describe=True, naive_utc=True)

    def instance_hours(records: list[rk.Sample | rk.Event]) -> Decimal:
        usage = rk.meter(records, meters, span=MARCH, cycle=MONTHLY, as_of="2026-03-03T00:00:00Z")
        return sum((r.quantity for r in usage.rows if r.meter == "instance.hours"), Decimal(0))

    assert instance_hours(one_call) == 0
    # read in two calls, the 'm-b' page first: the 'm-a' call's update, named after
    # 'm-b/metadata', is applied after it (had it made none, 11:00 to as_of: 13 hours)
    assert instance_hours(read) == 0
