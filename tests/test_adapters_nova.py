"""Nova instance notifications by the platform's meaning: which states run, which types are read.

Nova's vm_states: ``active`` runs; ``resized`` runs at the new size until the user confirms
or reverts (``resize_confirm_window`` is 0 by default: it can last for days); ``rescued``
runs from a rescue image. The ready meters bill all three.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests._nova import notification

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
    return notification(
        event_type,
        message_id,
        at,
        instance_type=flavor,
        vcpus=vcpus,
        memory_mb=2048 * vcpus,
        root_gb=20 * vcpus,
        state=state,
    )


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


def test_a_real_resize_flow_is_read_with_the_defaults() -> None:
    # nova-compute's legacy sequence for a resize, with an address added and a live
    # migration's preparation on the way. Billed: m1.small 08:00-09:30 = 1.5 h x 0.04 = 0.06;
    # m1.large 09:30-12:00 = 2.5 h x 0.16 = 0.40 (resized at 09:30, confirmed at 09:35);
    # total 0.46. vCPU-h 1 x 1.5 + 4 x 2.5 = 11.5 (was: BadRecordError at resize.prep.end).
    steps = [
        ("create.start", "08:00:00", "m1.small", 1, "building"),
        ("create.end", "08:00:00", "m1.small", 1, "active"),
        ("create_ip.start", "08:10:00", "m1.small", 1, "active"),
        ("create_ip.end", "08:10:00", "m1.small", 1, "active"),
        ("resize.prep.start", "09:00:00", "m1.small", 1, "active"),
        ("resize.prep.end", "09:00:00", "m1.small", 1, "active"),
        ("resize.start", "09:10:00", "m1.small", 1, "active"),
        ("resize.end", "09:20:00", "m1.small", 1, "active"),
        ("finish_resize.start", "09:25:00", "m1.large", 4, "active"),
        ("finish_resize.end", "09:30:00", "m1.large", 4, "resized"),
        ("resize.confirm.start", "09:35:00", "m1.large", 4, "resized"),
        ("resize.confirm.end", "09:35:00", "m1.large", 4, "active"),
        ("live_migration.pre.start", "10:00:00", "m1.large", 4, "active"),
        ("live_migration.pre.end", "10:00:00", "m1.large", 4, "active"),
        ("live_migration._rollback.start", "10:05:00", "m1.large", 4, "active"),
        ("live_migration._rollback.end", "10:05:00", "m1.large", 4, "active"),
        ("interface_attach", "10:30:00", "m1.large", 4, "active"),
        ("delete_ip.end", "11:00:00", "m1.large", 4, "active"),
        ("delete.start", "12:00:00", "m1.large", 4, "active"),
        ("delete.end", "12:00:00", "m1.large", 4, "deleted"),
    ]
    feed = [
        nova(step, f"n{index}", f"2026-03-02 {time}", flavor, vcpus, state=state)
        for index, (step, time, flavor, vcpus, state) in enumerate(steps)
    ]
    events = ceilometer.instance_notifications(feed, naive_utc=True)
    assert [event.id for event in events] == ["n1", "n9", "n11", "n19"]
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
        ],
    )
    (invoice,) = rk.bill(rk.rate(events, plan, span=MARCH, meters=[ceilometer.INSTANCE_HOURS]))
    assert sorted((line.entry, line.quantity, line.amount) for line in invoice.lines) == [
        ("large", Decimal("2.5"), Decimal("0.40")),
        ("small", Decimal("1.5"), Decimal("0.06")),
    ]
    assert invoice.total == Decimal("0.46")
    assert totals(feed)["vcpu.hours"] == Decimal("11.5")


@pytest.mark.parametrize(
    "event_type",
    [
        "resize.prep.end",
        "resize.end",
        "create_ip.end",
        "delete_ip.end",
        "live_migration.pre.end",
        "live_migration._rollback.end",
        "live_migration.rollback.dest.end",
        "live_migration.abort.end",
        "volume.swap.end",
        "trigger_crash_dump.end",
        "rebuild.scheduled",
        "evacuate",
        "interface_attach",
        "interface_detach",
    ],
)
def test_steps_that_change_nothing_billed_are_skipped(event_type: str) -> None:
    step = nova(event_type, "n1", "2026-03-02 09:00:00", "m1.small", 1, state="active")
    assert ceilometer.instance_notifications([step], naive_utc=True) == []


def test_an_unknown_type_still_raises_naming_what_is_read_and_skipped() -> None:
    unknown = nova("frobnicate.end", "n1", "2026-03-02 09:00:00", "m1.small", 1, state="active")
    with pytest.raises(rk.BadRecordError) as caught:
        ceilometer.instance_notifications([unknown], naive_utc=True)
    message = str(caught.value)
    assert message.startswith(
        "Nova notification [0].event_type is 'compute.instance.frobnicate.end'; the instance "
        "notifications read are compute.instance.create.end, .power_on.end, "
    )
    assert message.endswith(
        ".delete.end (and *.start, .create_ip.end, .delete_ip.end, .evacuate, "
        ".interface_attach, .interface_detach, .live_migration._rollback.end, "
        ".live_migration.abort.end, .live_migration.pre.end, "
        ".live_migration.rollback.dest.end, .rebuild.scheduled, .resize.end, "
        ".resize.prep.end, .trigger_crash_dump.end, .volume.swap.end, skipped), or pass "
        "unknown='skip'."
    )
    assert ceilometer.instance_notifications([unknown], naive_utc=True, unknown="skip") == []


def test_nova_and_ceilometer_describe_write_the_flavor_alike() -> None:
    # Nova: m1.small, active, 08:00-12:00. Ceilometer cpu readings of vm-1 at 09:00 (0) and
    # 10:00 (1 h), with describe=True and metadata {"flavor": {"name": "m1.small", "vcpus": 1}}.
    # Both write flavor "m1.small", so the price where={"flavor": "m1.small"} holds all along:
    # 4 h x 0.04 + 1 h x 0.10 = 0.16 + 0.10 = 0.26 (was: UnpricedUsageError from 09:00).
    notifications = [
        nova("create.end", "n1", "2026-03-02 08:00:00", "m1.small", 1, state="active"),
        nova("delete.end", "n2", "2026-03-02 12:00:00", "m1.small", 1, state="deleted"),
    ]
    metadata = {"flavor": {"name": "m1.small", "vcpus": 1}, "state": "active"}
    readings = [
        {
            "message_id": f"s{hour}",
            "counter_name": "cpu",
            "counter_type": "cumulative",
            "counter_unit": "ns",
            "counter_volume": volume,
            "project_id": "p-1",
            "resource_id": "vm-1",
            "timestamp": f"2026-03-02T{hour:02d}:00:00Z",
            "resource_metadata": metadata,
        }
        for hour, volume in ((9, 0), (10, 3600 * 10**9))
    ]
    events = ceilometer.instance_notifications(notifications, naive_utc=True)
    samples = ceilometer.samples(readings, meters=[ceilometer.CPU_HOURS], describe=True)
    assert events[0].attributes["flavor"] == "m1.small"
    update = samples[0]
    assert isinstance(update, rk.Event)
    assert dict(update.attributes) == {"flavor": "m1.small", "flavor_vcpus": 1, "state": "active"}
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHLY,
        [
            rk.PriceEntry(
                "small", "instance.hours", rk.PerUnit("0.04"), where={"flavor": "m1.small"}
            ),
            rk.PriceEntry("cpu", "cpu", rk.PerUnit("0.10")),
        ],
    )
    meters = [ceilometer.INSTANCE_HOURS, ceilometer.CPU_HOURS]
    rating = rk.rate([*events, *samples], plan, span=MARCH, meters=meters)
    assert rating.total() == Decimal("0.26")
    assert sorted((charge.entry, charge.quantity) for charge in rating.charges) == [
        ("cpu", Decimal(1)),
        ("small", Decimal(1)),
        ("small", Decimal(3)),
    ]
