"""Which resource a Ceilometer sample describes is told by its meter and metadata, not a ``state`` key.

With ``describe=True``, a sample whose metadata had a ``state`` was taken for an
instance's, whatever its meter. Ceilometer writes an instance's whole metadata (its
``state``, flavor and ``vcpus``) on the samples of the instance's vNICs and disk
devices too, so a vNIC read from ``network.incoming.bytes`` was described ``active`` and
billed as a second instance: 712 instance-hours and 712 vCPU-hours in March for an
instance that ran 712. And a resource of another service whose metadata has a ``state``
of its own (a Heat stack's ``CREATE_COMPLETE``) was refused, while an instance's garbled
``status`` was kept when its metadata had no ``state``.

Now a sample describes: a volume by its meter; a part of an instance (vNIC, disk
device) by its meter or by an ``instance_id`` that names another resource, its
instance's ``state`` and ``status`` checked and written ``instance_state`` and
``instance_status``; an instance by its meter or Nova's marks in its metadata; anything
else is kept as written.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit.adapters import ceilometer

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
VNIC = "instance-00000001-vm-1-tap1c2d3e4f-5a"
#: Ceilometer's metadata of instance vm-1, as its compute pollsters write it.
INSTANCE = {
    "display_name": "web-1",
    "instance_id": "vm-1",
    "instance_type": "m1.small",
    "flavor": {"name": "m1.small", "vcpus": 2},
    "vcpus": 2,
    "memory_mb": 2048,
    "status": "active",
    "state": "running",
}
#: The same on its vNIC's samples, with the vNIC's own fields.
ON_VNIC = {**INSTANCE, "vnic_name": "tap1c2d3e4f-5a", "mac": "fa:16:3e:00:00:01"}
STATE_TAIL = (
    "not one of Nova's vm_states: 'active', 'building', 'paused', 'suspended', 'stopped', "
    "'rescued', 'resized', 'soft_deleted', 'deleted', 'error', 'shelved', 'shelved_offloaded' "
    "(in any case; a libvirt power state such as 'running' or 'shutoff' is read as its "
    "vm_state)."
)
TIME_METERS = [ceilometer.INSTANCE_HOURS, ceilometer.VCPU_HOURS]


def sample(
    message_id: str,
    meter: str,
    resource: str,
    metadata: dict[str, object],
    *,
    at: str = "2026-03-02T08:00:00Z",
    unit: str = "B",
) -> dict[str, object]:
    return {
        "message_id": message_id,
        "counter_name": meter,
        "counter_type": "gauge",
        "counter_unit": unit,
        "counter_volume": 0,
        "project_id": "p-1",
        "resource_id": resource,
        "timestamp": at,
        "resource_metadata": metadata,
    }


def described(feed: list[dict[str, object]], *names: str) -> list[rk.Sample | rk.Event]:
    meters = [rk.Meter(name, "B", rk.Max()) for name in names]
    return ceilometer.samples(feed, meters=meters, describe=True)


def attributes(records: list[rk.Sample | rk.Event], resource: str) -> dict[str, object]:
    (update,) = [r for r in records if isinstance(r, rk.Event) and r.resource == resource]
    return dict(update.attributes)


def hours(records: list[rk.Sample | rk.Event]) -> dict[tuple[str, str], Decimal]:
    usage = rk.meter(
        [r for r in records if isinstance(r, rk.Event)],
        TIME_METERS,
        span=MARCH,
        cycle=None,
        as_of=MARCH.end,
    )
    found: dict[tuple[str, str], Decimal] = {}
    for row in usage.rows:
        key = (row.meter, row.resource)
        found[key] = found.get(key, Decimal(0)) + row.quantity
    return found


def test_a_vnic_carrying_its_instances_metadata_is_not_billed_as_an_instance() -> None:
    feed = [
        sample("c1", "memory.usage", "vm-1", INSTANCE, unit="MB"),
        sample("n1", "network.incoming.bytes", VNIC, ON_VNIC),
    ]
    records = described(feed, "memory.usage", "network.incoming.bytes")
    # both described from 2 March 08:00 to 1 April 00:00: 29 days 16 hours = 712 h; the
    # instance runs 712 h with 2 vCPUs = 1424 vCPU-hours; the vNIC was billed as much again
    assert hours(records) == {
        ("instance.hours", "vm-1"): Decimal(712),
        ("vcpu.hours", "vm-1"): Decimal(1424),
    }
    vnic = attributes(records, VNIC)
    assert "state" not in vnic
    assert "status" not in vnic
    assert (vnic["instance_state"], vnic["instance_status"]) == ("active", "active")
    assert attributes(records, "vm-1")["state"] == "active"


def test_a_disk_device_is_a_part_of_its_instance_too() -> None:
    feed = [sample("d1", "disk.device.read.bytes", "vm-1-vda", {**INSTANCE, "disk_name": "vda"})]
    records = described(feed, "disk.device.read.bytes")
    assert hours(records) == {}
    assert attributes(records, "vm-1-vda")["instance_state"] == "active"


def test_a_part_is_told_by_an_instance_id_that_names_another_resource() -> None:
    # a meter ratekit does not list (a dynamic pollster's), its metadata the instance's
    feed = [sample("x1", "vnic.custom.bytes", "tap-9", {"instance_id": "vm-1", "state": "SHUTOFF"})]
    records = described(feed, "vnic.custom.bytes")
    assert attributes(records, "tap-9") == {"instance_id": "vm-1", "instance_state": "stopped"}


def test_a_parts_garbled_state_is_refused_as_its_instances() -> None:
    feed = [sample("n1", "network.outgoing.bytes", VNIC, {**ON_VNIC, "state": "ACTIVEE"})]
    with pytest.raises(rk.BadRecordError) as raised:
        described(feed, "network.outgoing.bytes")
    assert str(raised.value) == (
        "Ceilometer sample [0].resource_metadata.state (sample 'n1', of a part of an instance: "
        f"the instance's) is 'ACTIVEE', {STATE_TAIL}"
    )


def test_a_part_whose_metadata_gives_the_instances_state_twice_is_refused() -> None:
    metadata = {**ON_VNIC, "instance_state": "stopped"}
    with pytest.raises(rk.BadRecordError) as raised:
        described(
            [sample("n1", "network.incoming.bytes", VNIC, metadata)], "network.incoming.bytes"
        )
    assert str(raised.value) == (
        "Ceilometer sample [0].resource_metadata (sample 'n1') gives its instance's state "
        "twice, 'active' as 'state' and 'stopped' as 'instance_state'; give it once (or the "
        "same value in both)."
    )
    same = {**ON_VNIC, "instance_state": "active"}  # read as 'running' is: the same word
    records = described(
        [sample("n1", "network.incoming.bytes", VNIC, same)], "network.incoming.bytes"
    )
    assert attributes(records, VNIC)["instance_state"] == "active"


def test_another_services_state_is_kept_as_written() -> None:
    # a Heat stack's state is Heat's: it was refused as no vm_state
    stack = sample(
        "h1", "stack.create", "stack-1", {"stack_name": "web", "state": "CREATE_COMPLETE"}
    )
    records = described([stack], "stack.create")
    assert attributes(records, "stack-1") == {"stack_name": "web", "state": "CREATE_COMPLETE"}
    assert hours(records) == {}


def test_an_instance_is_told_by_novas_marks_in_its_metadata() -> None:
    # a meter ratekit does not list, whose metadata has the flavor (or names the sample's
    # resource as the instance): its state is read in Nova's words, and billed
    for metadata in (
        {"flavor": {"name": "m1.small"}, "state": "running"},
        {"instance_id": "vm-2", "state": "running"},
    ):
        feed = [sample("g1", "instance.custom", "vm-2", metadata)]
        records = described(feed, "instance.custom")
        assert attributes(records, "vm-2")["state"] == "active"
        assert hours(records)[("instance.hours", "vm-2")] == Decimal(712)


def test_an_instances_status_is_checked_without_a_state() -> None:
    # a memory.usage sample describes an instance: its status was kept as written
    records = described(
        [sample("c1", "memory.usage", "vm-1", {"status": "SHUTOFF"})], "memory.usage"
    )
    assert attributes(records, "vm-1") == {"status": "shutoff"}
    with pytest.raises(
        rk.BadRecordError, match=r"\.status \(sample 'c2', an instance's\) is 'activ',"
    ):
        described([sample("c2", "memory.usage", "vm-1", {"status": "activ"})], "memory.usage")


@pytest.mark.property
@settings(max_examples=LAWS)
@given(
    instance_hours=st.lists(st.integers(24, 700), min_size=1, max_size=4, unique=True),
    vnic_hours=st.lists(st.integers(0, 700), min_size=1, max_size=4, unique=True),
    order=st.randoms(use_true_random=False),
)
def test_law_only_the_instance_is_billed_as_one_whatever_its_parts_say(
    instance_hours: list[int], vnic_hours: list[int], order: object
) -> None:
    # Oracle: the instance is described active from its first sample to as_of (nothing
    # closes it): as_of - first hour; its vNIC, whenever sampled, bills no instance time.
    def at(hour: int) -> str:
        return (MARCH.start + dt.timedelta(hours=hour)).isoformat()

    feed = [
        sample(f"c{hour}", "memory.usage", "vm-1", INSTANCE, at=at(hour), unit="MB")
        for hour in instance_hours
    ]
    feed += [
        sample(f"n{hour}", "network.incoming.bytes", VNIC, ON_VNIC, at=at(hour))
        for hour in vnic_hours
    ]
    order.shuffle(feed)  # type: ignore[attr-defined]
    records = described(feed, "memory.usage", "network.incoming.bytes")
    running = Decimal(31 * 24 - min(instance_hours))
    assert hours(records) == {
        ("instance.hours", "vm-1"): running,
        ("vcpu.hours", "vm-1"): 2 * running,
    }
