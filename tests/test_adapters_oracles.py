"""The adapters' records rate as a brute-force walk of the feed says, whatever its order.

Each law builds a feed of one platform's lifecycle events at whole hours, reads it as
the platform would deliver it (shuffled, parts delivered again, cut into pages read
call by call) and compares the rated total with a walk of the lifecycle in its own
order: what ran, at which size or offering, for how many hours.
"""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._nova import notification

import ratekit as rk
from _budget import LAWS
from ratekit.adapters import ceilometer, cloudfoundry, exoscale

DECEMBER = rk.Span("2016-12-01T00:00:00Z", "2017-01-01T00:00:00Z")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
EXAMPLES = max(LAWS // 5, 10)

OFFERINGS = {"small": Decimal("0.01"), "medium": Decimal("0.02"), "large": Decimal("0.04")}
EXOSCALE_PLAN = rk.Plan(
    "exoscale",
    "CHF",
    rk.cycles.monthly(tz="UTC"),
    [
        rk.PriceEntry(name, "exoscale.instance.hours", rk.PerUnit(price), where={"offering": name})
        for name, price in OFFERINGS.items()
    ],
)


def _exoscale(action: str, hour: int, version: int, offering: str | None) -> dict[str, object]:
    event: dict[str, object] = {
        "type": "usage",
        "entity": "vm",
        "action": action,
        "time": f"2016-12-12T{hour:02d}:00:00Z",
        "account": "geneva-jug",
        "uuid": "7a07",
        "version": version,
    }
    if offering is not None:
        event["offering"] = offering
    return event


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["start", "stop"]), st.sampled_from(sorted(OFFERINGS))),
        max_size=8,
    ),
    st.sampled_from(sorted(OFFERINGS)),
    st.booleans(),
    st.data(),
)
def test_exoscale_bills_each_hour_at_the_offering_it_ran(
    steps: list[tuple[str, str]], first: str, destroy: bool, data: st.DataObject
) -> None:
    feed = [_exoscale("create", 0, 0, first)]
    offering: str | None = first
    due = Decimal(0)
    for hour, (action, named) in enumerate(steps, 1):
        due += OFFERINGS[offering] if offering else 0  # the hour before this event
        feed.append(_exoscale(action, hour, hour, named if action == "start" else None))
        offering = named if action == "start" else None
    end = len(steps) + 1
    due += OFFERINGS[offering] if offering else 0
    if destroy:
        feed.append(_exoscale("destroy", end, end, None))
    delivered = data.draw(
        st.permutations(feed + data.draw(st.lists(st.sampled_from(feed), max_size=3)))
    )
    for order in ("time", "version"):
        events = exoscale.usage_events(delivered, order=order)
        rating = rk.rate(
            events,
            EXOSCALE_PLAN,
            span=DECEMBER,
            meters=[exoscale.INSTANCE_HOURS],
            as_of=f"2016-12-12T{end:02d}:00:00Z",
        )
        assert rating.total() == due.quantize(Decimal("0.01"))


def _cf(index: int, state: str, memory: int, instances: int, process: str) -> dict[str, object]:
    return {
        "guid": f"g{index}",
        "created_at": f"2026-03-02T{index:02d}:00:00Z",
        "state": {"current": state, "previous": None},
        "app": {"guid": "app-1", "name": "shop"},
        "process": {"guid": process, "type": "web"},
        "space": {"guid": "space-1"},
        "organization": {"guid": "org-1"},
        "memory_in_mb_per_instance": {"current": memory, "previous": None},
        "instance_count": {"current": instances, "previous": None},
    }


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["STARTED", "STOPPED"]),
            st.sampled_from([256, 512, 1024]),
            st.integers(0, 4),
            st.sampled_from(["web-1", "worker-1"]),
        ),
        min_size=1,
        max_size=10,
    ),
    st.data(),
)
def test_cloud_foundry_bills_memory_times_instances_times_hours(
    steps: list[tuple[str, int, int, str]], data: st.DataObject
) -> None:
    feed = [_cf(index, *step) for index, step in enumerate(steps)]
    end = len(steps)
    due = 0
    for process in ("web-1", "worker-1"):
        running: tuple[int, int, int] | None = None  # memory, instances, since
        for hour, (state, memory, instances, named) in enumerate(steps):
            if named != process:
                continue
            if running is not None:  # a STOP, or a START that scales
                due += running[0] * running[1] * (hour - running[2])
            running = (memory, instances, hour) if state == "STARTED" else None
        if running is not None:
            due += running[0] * running[1] * (end - running[2])
    cuts = sorted(data.draw(st.lists(st.integers(0, len(feed)), max_size=3)))
    pages = [
        {"resources": feed[start:stop]}
        for start, stop in zip([0, *cuts], [*cuts, len(feed)], strict=True)
    ]
    read: list[rk.Event] = []
    for page in pages + data.draw(st.lists(st.sampled_from(pages), max_size=2)):
        read += cloudfoundry.app_usage_events(page, previous=read)
    usage = rk.meter(
        read,
        [cloudfoundry.APP_MEMORY],
        span=MARCH,
        cycle=None,
        as_of=f"2026-03-02T{end:02d}:00:00Z",
    )
    assert usage.total() == due  # MiB x instances x hours


NOVA_STEPS = {
    "power_off.end": "stopped",
    "power_on.end": "active",
    "suspend.end": "suspended",
    "resume.end": "active",
    "finish_resize.end": "resized",
    "resize.confirm.end": "active",
    "shelve_offload.end": "shelved_offloaded",
    "unshelve.end": "active",
    "rescue.end": "rescued",
    "unrescue.end": "active",
    "update": None,
}


@settings(max_examples=EXAMPLES, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(sorted(NOVA_STEPS)),
            st.integers(1, 8),
            st.sampled_from(["ACTIVE", "active", "stopped"]),
        ),
        max_size=8,
    ),
    st.booleans(),
)
def test_nova_bills_vcpu_hours_while_the_instance_runs(
    steps: list[tuple[str, int, str]], delete: bool
) -> None:
    feed = [notification("create.end", "n0", "2026-03-02T00:00:00Z", state="active", vcpus=2)]
    state, vcpus = "active", 2
    hours = vcpu_hours = 0
    for hour, (step, named_vcpus, updated) in enumerate(steps, 1):
        if state in ceilometer.RUNNING_STATES:  # the hour before this notification
            hours, vcpu_hours = hours + 1, vcpu_hours + vcpus
        written = NOVA_STEPS[step] or updated
        feed.append(
            notification(
                step, f"n{hour}", f"2026-03-02T{hour:02d}:00:00Z", state=written, vcpus=named_vcpus
            )
        )
        state, vcpus = written.lower(), named_vcpus
    end = len(steps) + 1
    if state in ceilometer.RUNNING_STATES:
        hours, vcpu_hours = hours + 1, vcpu_hours + vcpus
    if delete:
        feed.append(notification("delete.end", "nd", f"2026-03-02T{end:02d}:00:00Z"))
    usage = rk.meter(
        ceilometer.instance_notifications(feed),
        [ceilometer.INSTANCE_HOURS, ceilometer.VCPU_HOURS],
        span=MARCH,
        cycle=None,
        as_of=f"2026-03-02T{end:02d}:00:00Z",
    )
    by_meter = {"instance.hours": Decimal(0), "vcpu.hours": Decimal(0)}
    for row in usage.rows:
        by_meter[row.meter] += row.quantity
    assert by_meter == {"instance.hours": hours, "vcpu.hours": vcpu_hours}
