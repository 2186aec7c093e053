"""Nova instance notifications by the platform's meaning: which states run, which types are read.

Nova's vm_states: ``active`` runs; ``resized`` runs at the new size until the user confirms
or reverts (``resize_confirm_window`` is 0 by default: it can last for days); ``rescued``
runs from a rescue image. The ready meters bill all three.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk
from ratekit.adapters import ceilometer

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")
READY = [
    ceilometer.INSTANCE_HOURS,
    ceilometer.VCPU_HOURS,
    ceilometer.MEMORY_MB_HOURS,
    ceilometer.ROOT_DISK_GB_HOURS,
]


def nova(
    event_type: str, message_id: str, at: str, flavor: str, vcpus: int, *, state: str
) -> dict[str, object]:
    return {
        "event_type": f"compute.instance.{event_type}",
        "message_id": message_id,
        "timestamp": at,
        "payload": {
            "tenant_id": "p-1",
            "instance_id": "vm-1",
            "instance_type": flavor,
            "vcpus": vcpus,
            "memory_mb": 2048 * vcpus,
            "root_gb": 20 * vcpus,
            "state": state,
        },
    }


def totals(feed: list[dict[str, object]]) -> dict[str, Decimal]:
    events = ceilometer.instance_notifications(feed, naive_utc=True)
    usage = rk.meter(events, READY, span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    return {meter.name: usage.total(meter.name) for meter in READY}


@pytest.mark.parametrize(
    ("event_type", "state"),
    [("finish_resize.end", "resized"), ("rescue.end", "rescued"), ("finish_resize.end", "active")],
)
def test_resized_and_rescued_instances_run_and_are_billed(event_type: str, state: str) -> None:
    # Created active m1.small (1 vCPU) at 08:00; at 09:30 m1.large (4 vCPUs) in `state`;
    # deleted at 12:00. It runs 08:00-12:00: 1.5 h + 2.5 h = 4 instance-hours;
    # vCPU-h 1 x 1.5 + 4 x 2.5 = 11.5; MiB-h 2048 x 1.5 + 8192 x 2.5 = 3072 + 20480 = 23552;
    # GiB-h of root disk 20 x 1.5 + 80 x 2.5 = 30 + 200 = 230 (was 1.5, 1.5, 3072, 30).
    feed = [
        nova("create.end", "n1", "2026-03-02 08:00:00", "m1.small", 1, state="active"),
        nova(event_type, "n2", "2026-03-02 09:30:00", "m1.large", 4, state=state),
        nova("delete.end", "n3", "2026-03-02 12:00:00", "m1.large", 4, state="deleted"),
    ]
    assert totals(feed) == {
        "instance.hours": Decimal(4),
        "vcpu.hours": Decimal("11.5"),
        "memory.hours": Decimal(23552),
        "disk.root.hours": Decimal(230),
    }


@pytest.mark.parametrize(
    "state",
    ["building", "paused", "suspended", "stopped", "shelved", "shelved_offloaded", "error"],
)
def test_states_that_do_not_run_bill_nothing(state: str) -> None:
    # Active 08:00-09:00 (1 h), then in `state` until deleted at 12:00: 1 instance-hour.
    feed = [
        nova("create.end", "n1", "2026-03-02 08:00:00", "m1.small", 1, state="active"),
        nova("update", "n2", "2026-03-02 09:00:00", "m1.small", 1, state=state),
        nova("delete.end", "n3", "2026-03-02 12:00:00", "m1.small", 1, state="deleted"),
    ]
    assert totals(feed)["instance.hours"] == Decimal(1)


def test_the_running_states_are_named_and_the_meters_say_so() -> None:
    assert ceilometer.RUNNING_STATES == ("active", "rescued", "resized")
    assert repr(ceilometer.INSTANCE_HOURS) == (
        "Meter('instance.hours', 'hour', OnOff(when={'state': OneOf('active', 'rescued', "
        "'resized')}))"
    )
