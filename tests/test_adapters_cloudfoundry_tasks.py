"""Cloud Foundry task usage events as the Cloud Controller writes them.

A task runs as one container: the Cloud Controller records its memory
(``memory_in_mb_per_instance``, the task's ``memory_in_mb``) and writes no instance
count of its own (``instance_count`` is 1, or null, or absent, by version and shape; the
v3 API documents each ``current`` as "integer or null"). Its process fields are empty
(v2 ``app_guid`` and ``app_name`` are ``""``, ``process_type`` null; v3 ``process.guid``
null), and the app is its parent.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk
from ratekit.adapters import cloudfoundry as cf

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
ORG, SPACE, APP, TASK = "org-1", "space-1", "app-1", "task-1"


def _v2(guid: str, at: str, state: str, previous: str, count: object) -> dict[str, object]:
    entity: dict[str, object] = {
        "state": state,
        "previous_state": previous,
        "memory_in_mb_per_instance": 1024,
        "previous_memory_in_mb_per_instance": 1024,
        "instance_count": count,
        "previous_instance_count": count,
        "app_guid": "",
        "app_name": "",
        "space_guid": SPACE,
        "space_name": "prod",
        "org_guid": ORG,
        "buildpack_guid": None,
        "buildpack_name": None,
        "package_state": "STAGED",
        "previous_package_state": "STAGED",
        "parent_app_guid": APP,
        "parent_app_name": "shop",
        "process_type": None,
        "task_guid": TASK,
        "task_name": "migrate",
    }
    if count == "absent":
        del entity["instance_count"], entity["previous_instance_count"]
    return {
        "metadata": {"guid": guid, "url": f"/v2/app_usage_events/{guid}", "created_at": at},
        "entity": entity,
    }


def _v3(guid: str, at: str, state: str, previous: str, count: object) -> dict[str, object]:
    event: dict[str, object] = {
        "guid": guid,
        "created_at": at,
        "updated_at": at,
        "state": {"current": state, "previous": previous},
        "app": {"guid": APP, "name": "shop"},
        "process": {"guid": None, "type": None},
        "space": {"guid": SPACE, "name": "prod"},
        "organization": {"guid": ORG},
        "buildpack": {"guid": None, "name": None},
        "task": {"guid": TASK, "name": "migrate"},
        "memory_in_mb_per_instance": {"current": 1024, "previous": 1024},
        "instance_count": {"current": count, "previous": count},
    }
    if count == "absent":
        del event["instance_count"]
    return event


@pytest.mark.parametrize("count", [None, "absent", 1])
@pytest.mark.parametrize("shape", [_v2, _v3])
def test_a_task_without_an_instance_count_runs_one_instance(shape, count) -> None:
    # TASK_STARTED at 09:00, TASK_STOPPED at 09:30: 1024 MB x 1 instance x 0.5 h = 512
    # MiB-hours, and 1 x 0.5 = 0.5 instance-hours. A null count was refused ("must be a
    # number, not None") in the v2 shape and in v3's {"current": null}.
    feed = {
        "resources": [
            shape("e-1", "2026-03-10T09:00:00Z", "TASK_STARTED", "PENDING", count),
            shape("e-2", "2026-03-10T09:30:00Z", "TASK_STOPPED", "RUNNING", count),
        ]
    }
    events = cf.app_usage_events(feed)
    assert [(event.resource, event.kind) for event in events] == [(TASK, "start"), (TASK, "stop")]
    assert events[0].attributes["instances"] == 1
    assert events[0].attributes["memory_mb"] == 1024
    assert events[0].attributes["app_guid"] == APP
    usage = rk.meter(events, [cf.APP_MEMORY], span=MARCH, cycle=None, as_of=MARCH.end).total()
    hours = rk.meter(
        events, [cf.APP_INSTANCE_HOURS], span=MARCH, cycle=None, as_of=MARCH.end
    ).total()
    assert (usage, hours) == (Decimal(512), Decimal("0.5"))


@pytest.mark.parametrize("shape", [_v2, _v3])
def test_a_process_still_needs_its_instance_count(shape) -> None:
    # a STARTED process with a null count says nothing of how many instances ran
    event = shape("e-1", "2026-03-10T09:00:00Z", "STARTED", "STOPPED", None)
    if shape is _v2:
        event["entity"].update(app_guid=APP, process_type="web", task_guid=None)
        where = "[0].entity.instance_count"
    else:
        event.update(process={"guid": APP, "type": "web"}, task={"guid": None, "name": None})
        where = "[0].instance_count.current"
    with pytest.raises(rk.BadRecordError) as caught:
        cf.app_usage_events([event])
    assert f"{where} must be a number, not None" in str(caught.value)


def _process(guid: str, at: str, state: str, previous: str | None) -> dict[str, object]:
    event = _v3(guid, at, state, previous or "", 2)
    event.update(
        state={"current": state, "previous": previous},
        process={"guid": "proc-1", "type": "web"},
        task={"guid": None, "name": None},
        memory_in_mb_per_instance={"current": 512, "previous": 512},
    )
    return event


def test_was_running_baselines_start_what_the_feed_has_not_started() -> None:
    # The Cloud Controller's keep-running backfill writes WAS_RUNNING (TASK_WAS_RUNNING
    # for a task) once per process (task) running at the upgrade, previous state null,
    # and its API says: a baseline for a resource with no start on record is a STARTED
    # at its created_at; for one already started, a redundant confirmation. They were
    # refused ("expected one of 'STARTED', ..."), and the whole feed with them.
    # proc-1 (512 MB x 2): STARTED 1 Mar 00:00, baseline 5 Mar 00:00, STOPPED 6 Mar
    # 00:00: 5 days = 120 h x 1024 MB = 122880 MiB-h, the baseline a "duplicate_start".
    # task-1 (1024 MB x 1), its TASK_STARTED pruned: baseline 10 Mar 09:00, stopped
    # 09:30: 0.5 h x 1024 = 512 MiB-h. Total 123392.
    feed = [
        _process("e-1", "2026-03-01T00:00:00Z", "STARTED", "STOPPED"),
        _process("e-2", "2026-03-05T00:00:00Z", "WAS_RUNNING", None),
        _process("e-3", "2026-03-06T00:00:00Z", "STOPPED", "STARTED"),
        _v3("e-4", "2026-03-10T09:00:00Z", "TASK_WAS_RUNNING", None, 1),  # type: ignore[arg-type]
        _v3("e-5", "2026-03-10T09:30:00Z", "TASK_STOPPED", "RUNNING", 1),
    ]
    events = cf.app_usage_events(feed)
    assert [(event.resource, event.kind, event.attributes["state"]) for event in events] == [
        ("proc-1", "start", "STARTED"),
        ("proc-1", "start", "STARTED"),
        ("proc-1", "stop", "STOPPED"),
        (TASK, "start", "STARTED"),
        (TASK, "stop", "STOPPED"),
    ]
    usage = rk.meter(events, [cf.APP_MEMORY], span=MARCH, cycle=None, as_of=MARCH.end)
    assert usage.total() == Decimal(123392)
    assert [(anomaly.kind, anomaly.record_ids) for anomaly in usage.anomalies] == [
        ("duplicate_start", ("e-2", "e-1"))
    ]
