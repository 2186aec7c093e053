"""Nova's lifecycle steps leave the instance in place: its vm_state says whether it runs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from tests._nova import notification

import ratekit as rk
from ratekit.adapters import ceilometer

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")


def nova(event_type: str, index: int, hour: int, state: str) -> dict[str, object]:
    at = f"2026-03-02 {hour:02d}:00:00.000000"
    return {
        **notification(event_type, f"n{index}", at, root_gb=20, state=state),
        "publisher_id": "compute.host-1",
    }


def hours(steps: list[tuple[str, str]], meter: rk.Meter) -> Decimal:
    feed = [nova(event_type, i, 8 + i, state) for i, (event_type, state) in enumerate(steps)]
    events = ceilometer.instance_notifications(feed, naive_utc=True)
    return rk.meter(events, [meter], span=MARCH, cycle=MONTHLY, as_of=MARCH.end).total()


@pytest.mark.parametrize(
    ("step", "state"),
    [
        ("reboot.end", "active"),  # a hard reboot of a stopped instance starts it
        ("rescue.end", "rescued"),  # a stopped instance can be rescued: it runs
        ("update", "active"),
    ],
)
def test_a_stopped_instance_run_again_by_an_update_step_is_billed(step: str, state: str) -> None:
    # active 08-09, stopped 09-10, running again 10-11, deleted at 11: 2 hours.
    steps = [
        ("create.end", "active"),
        ("power_off.end", "stopped"),
        (step, state),
        ("delete.end", "deleted"),
    ]
    assert hours(steps, ceilometer.INSTANCE_HOURS) == 2


def test_a_stopped_then_shelved_instance_runs_again_when_unshelved() -> None:
    # active 08-09; stopped, shelved, offloaded 09-12; unshelved (active) at 12 to the
    # month's end: 1 + 708 hours.
    steps = [
        ("create.end", "active"),
        ("power_off.end", "stopped"),
        ("shelve.end", "shelved"),
        ("shelve_offload.end", "shelved_offloaded"),
        ("unshelve.end", "active"),
    ]
    assert hours(steps, ceilometer.INSTANCE_HOURS) == 1 + 708


def test_a_meter_of_ones_own_counts_the_disk_of_a_stopped_instance() -> None:
    # The adapters page: a root disk billed while the instance is stopped. 20 GiB from the
    # creation at 08 to the deletion at 10 (stopped from 09): 40 GiB*hour.
    disk = rk.Meter(
        "disk",
        "GiB*hour",
        rk.Continuous("root_gb", unit="GiB", when=lambda d: d.get("state") != "deleted"),
    )
    steps = [("create.end", "active"), ("power_off.end", "stopped"), ("delete.end", "deleted")]
    assert hours(steps, disk) == 40
    assert hours(steps, ceilometer.ROOT_DISK_GB_HOURS) == 20


def test_pause_suspend_and_power_off_still_stop_the_ready_meters() -> None:
    for stop, start, state in (
        ("power_off.end", "power_on.end", "stopped"),
        ("pause.end", "unpause.end", "paused"),
        ("suspend.end", "resume.end", "suspended"),
        ("shutdown.end", "power_on.end", "stopped"),
    ):
        steps = [
            ("create.end", "active"),
            (stop, state),
            (start, "active"),
            ("delete.end", "deleted"),
        ]
        assert hours(steps, ceilometer.INSTANCE_HOURS) == 2, stop


@pytest.mark.parametrize(
    "ids", [("a", "b", "c"), ("c", "b", "a"), ("b", "c", "a"), ("c", "a", "b")]
)
def test_notifications_at_one_instant_apply_in_novas_order(ids: tuple[str, str, str]) -> None:
    # A power-off whose update notifications carry the same timestamp as its .end (a feed
    # stamped to the second): the .end, last in Nova's order, leaves the instance stopped,
    # whatever the message ids. Active 08-10: 2 hours.
    at = "2026-03-02 10:00:00"
    during = nova("update", 1, 10, "active")
    after = nova("update", 2, 10, "stopped")
    ended = nova("power_off.end", 3, 10, "stopped")
    for step, message_id in zip((during, after, ended), ids, strict=True):
        step["timestamp"], step["message_id"] = at, message_id
    feed = [nova("create.end", 0, 8, "active"), during, after, ended]
    feed.append(nova("delete.end", 4, 20, "deleted"))
    events = ceilometer.instance_notifications(feed, naive_utc=True)
    usage = rk.meter(
        events, [ceilometer.INSTANCE_HOURS], span=MARCH, cycle=MONTHLY, as_of=MARCH.end
    )
    assert usage.total() == 2
    assert [event.seq % 4 for event in events] == [0, 1, 1, 2, 3]


@pytest.mark.parametrize(("written", "read"), [("ACTIVE", "active"), ("Stopped", "stopped")])
def test_a_state_in_another_case_is_read_as_novas_vm_state(written: str, read: str) -> None:
    created = nova("create.end", 0, 8, written)
    [event] = ceilometer.instance_notifications([created], naive_utc=True)
    assert dict(event.attributes)["state"] == read
    deleted = nova("delete.end", 1, 10, "deleted")
    steps = ceilometer.instance_notifications([created, deleted], naive_utc=True)
    usage = rk.meter(steps, [ceilometer.INSTANCE_HOURS], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    assert usage.total() == (2 if read == "active" else 0)
