"""Cloud Foundry usage events read straight from the feed (seed 003), in both API shapes.

The month in ``tests/data/cloudfoundry/`` (org ``0f4b8d8e…``, March 2026, UTC cycles; page 2
delivered twice, as a poller that retried would):

- app-1 (shop-web): 512 MB x 1 from 2 Mar 08:00, scaled to 3 instances at 10:00 (START
  after START), to 1024 MB at 11:00, STOPPED at 12:00 and STOPPED again at 12:15;
- app-2 (shop-worker): STARTED stamped 10:05 but listed before its STOPPED stamped 10:00,
  then 256 MB x 2 from 11:00 to 13:00;
- task-1 (nightly-migrate, of app-1): 1024 MB from 10 Mar 09:00 to 09:30;
- app-3 (reports): 2048 MB x 1 from 31 Mar 20:00 to 1 Apr 04:00, across the month end;
- a BUILDPACK_SET event, which is not usage.
"""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import pytest

import ratekit as rk
from ratekit.adapters import cloudfoundry as cf

DATA = Path(__file__).parent / "data" / "cloudfoundry"
ORG = "0f4b8d8e-7c1a-4a3e-9b0e-5e2f6d1c9a01"
SPACE = "5d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
APP_1 = "3f9a1c2e-8b4d-4e6f-a1b2-c3d4e5f60001"
APP_2 = "3f9a1c2e-8b4d-4e6f-a1b2-c3d4e5f60002"
APP_3 = "3f9a1c2e-8b4d-4e6f-a1b2-c3d4e5f60003"
TASK_1 = "7c2d9e1f-3a4b-4c5d-8e6f-7a8b9c0d0001"
UTC_MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")


def load(name: str) -> object:
    return json.loads((DATA / name).read_text())


def app_feed(shape: str) -> object:
    return load(f"app_usage_events_{shape}.json")


def meter(events: list[rk.Event], span: rk.Span = MARCH) -> rk.Usage:
    return rk.meter(
        events,
        [cf.APP_MEMORY, cf.APP_INSTANCE_HOURS],
        span=span,
        cycle=UTC_MONTHS,
        as_of="2026-05-01T00:00:00Z",
    )


def by_resource(usage: rk.Usage, meter_name: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for row in usage.rows:
        if row.meter == meter_name:
            totals[row.resource] = totals.get(row.resource, Decimal(0)) + row.quantity
    return totals


@pytest.mark.parametrize("shape", ["v2", "v3"])
def test_a_month_of_the_feed_rates_to_the_hand_computed_invoice(shape: str) -> None:
    # Memory, MB x instances x hours:
    #   app-1: 512x1x2 + 512x3x1 + 1024x3x1 = 1024 + 1536 + 3072 = 5632
    #   app-2: the 10:05 START / 10:00 STOP run lasts zero; 256x2x2 = 1024
    #   task-1: 1024x1x0.5 = 512;  app-3: 2048x1x4 (20:00-24:00) = 8192
    #   total 15360 MB*hour; CF's MB is a MiB, so 15360 / 1024 = 15 GiB*hour (CF's GB),
    #   x 0.05 = 0.75
    # Instance-hours: app-1 1x2 + 3x1 + 3x1 = 8; app-2 2x2 = 4; task-1 0.5; app-3 4 -> 16.5
    #   x 0.02 = 0.33.  Invoice total 0.75 + 0.33 = 1.08.
    events = cf.app_usage_events(app_feed(shape))
    plan = rk.Plan(
        "cf",
        "EUR",
        UTC_MONTHS,
        [
            rk.PriceEntry("memory", "cf.app.memory", rk.PerUnit("0.05")),
            rk.PriceEntry("instances", "cf.app.instances", rk.PerUnit("0.02")),
        ],
    )
    rating = rk.rate(events, plan, span=MARCH, meters=[cf.APP_MEMORY_GB, cf.APP_INSTANCE_HOURS])
    (invoice,) = rk.bill(rating)
    assert invoice.account == ORG
    lines = {line.meter: line for line in invoice.lines}
    assert lines["cf.app.memory"].quantity == Decimal(15)
    assert lines["cf.app.memory"].unit == "GiB*hour"
    assert lines["cf.app.memory"].amount == Decimal("0.75")
    assert lines["cf.app.instances"].quantity == Decimal("16.5")
    assert lines["cf.app.instances"].amount == Decimal("0.33")
    assert invoice.total == Decimal("1.08")
    usage = meter(events)
    assert by_resource(usage, "cf.app.memory") == {
        APP_1: Decimal(5632),
        APP_2: Decimal(1024),
        TASK_1: Decimal(512),
        APP_3: Decimal(8192),
    }


@pytest.mark.parametrize("shape", ["v2", "v3"])
def test_both_shapes_read_to_the_same_events(shape: str) -> None:
    assert cf.app_usage_events(app_feed(shape)) == cf.app_usage_events(app_feed("v2"))


def test_scaling_start_after_start_cuts_the_run_where_memory_or_instances_change() -> None:
    usage = meter(cf.app_usage_events(app_feed("v2")))
    rows = [
        (row.span.start.hour, row.span.end.hour, row.description["memory_mb"], row.quantity)
        for row in usage.rows
        if row.resource == APP_1 and row.meter == "cf.app.memory"
    ]
    # 512x1 08-10 = 1024; 512x3 10-11 = 1536; 1024x3 11-12 = 3072.
    assert rows == [
        (8, 10, 512, Decimal(1024)),
        (10, 11, 512, Decimal(1536)),
        (11, 12, 1024, Decimal(3072)),
    ]


def test_the_duplicate_stop_and_the_replayed_page_are_reported_not_charged() -> None:
    usage = meter(cf.app_usage_events(app_feed("v2")))
    kinds = [anomaly.kind for anomaly in usage.anomalies]
    # Page 2 holds 6 events (app-2's four and the task's two): each replay is a duplicate.
    assert kinds.count("duplicate") == 6
    assert kinds.count("duplicate_stop") == 1
    (stop,) = [anomaly for anomaly in usage.anomalies if anomaly.kind == "duplicate_stop"]
    assert stop.record_ids[0] == "a1b2c3d4-0000-4000-8000-000000000005"


def test_a_start_stamped_after_its_stop_lasts_zero_time_in_the_feeds_order() -> None:
    events = cf.app_usage_events(app_feed("v2"))
    start, stop = [event for event in events if event.resource == APP_2][:2]
    # The START (10:05) is listed before the STOP (10:00): the STOP's seq is the START's + 1.
    assert (start.kind, stop.kind) == ("start", "stop")
    assert stop.at_us < start.at_us
    assert stop.seq == start.seq + 1  # type: ignore[operator]
    usage = meter(events)
    app_2 = [row for row in usage.rows if row.resource == APP_2 and row.meter == "cf.app.memory"]
    assert [(row.span.start.hour, row.span.end.hour, row.quantity) for row in app_2] == [
        (11, 13, Decimal(1024))
    ]
    assert any(anomaly.kind == "out_of_order" for anomaly in usage.anomalies)


def test_an_app_running_across_the_month_end_is_charged_in_each_month() -> None:
    # 2048 MB: 31 Mar 20:00-24:00 = 4 h -> 8192 in March; 1 Apr 00:00-04:00 -> 8192 in April.
    events = cf.app_usage_events(app_feed("v3"))
    april = meter(events, APRIL)
    assert by_resource(april, "cf.app.memory") == {APP_3: Decimal(8192)}
    assert by_resource(meter(events), "cf.app.memory")[APP_3] == Decimal(8192)


def test_seq_is_stable_when_a_page_is_delivered_again_on_its_own() -> None:
    feed = app_feed("v2")
    assert isinstance(feed, list)
    whole = {event.id: event for event in cf.app_usage_events(feed)}
    for page in feed:
        for event in cf.app_usage_events(page):
            assert whole[event.id] == event
    # Metering the whole feed and a re-delivered page together is a replay, never a conflict.
    again = cf.app_usage_events(feed) + cf.app_usage_events(feed[3])
    assert meter(again).total("cf.app.memory") == Decimal(15360)


def test_the_feed_order_breaks_ties_at_one_instant() -> None:
    # START and STOP stamped in the same second: the feed's order gives seq T, T+1.
    started = {
        "guid": "e-1",
        "created_at": "2026-03-02T08:00:00Z",
        "state": {"current": "STARTED"},
        "app": {"guid": "app-1"},
        "process": {"guid": "proc-1", "type": "web"},
        "space": {"guid": "space-1"},
        "organization": {"guid": "org-1"},
        "memory_in_mb_per_instance": {"current": 64},
        "instance_count": {"current": 1},
    }
    stopped = {**started, "guid": "e-2", "state": {"current": "STOPPED"}}
    start, stop = cf.app_usage_events([started, stopped])
    assert stop.seq == start.seq + 1  # type: ignore[operator]
    assert (start.resource, start.account) == ("proc-1", "org-1")


def test_the_account_is_the_org_or_the_space() -> None:
    feed = app_feed("v2")
    assert {event.account for event in cf.app_usage_events(feed)} == {ORG}
    assert {event.account for event in cf.app_usage_events(feed, account="space")} == {SPACE}
    with pytest.raises(rk.BadRecordError, match="account must be 'org' or 'space'"):
        cf.app_usage_events(feed, account="user")  # type: ignore[arg-type]


def test_a_task_is_its_own_resource_with_one_instance() -> None:
    events = [event for event in cf.app_usage_events(app_feed("v3")) if event.resource == TASK_1]
    assert [event.kind for event in events] == ["start", "stop", "start", "stop"]  # page 2 twice
    assert dict(events[0].attributes) == {
        "state": "STARTED",
        "memory_mb": 1024,
        "instances": 1,
        "app_guid": APP_1,
        "app_name": "shop-web",
        "task_guid": TASK_1,
        "task_name": "nightly-migrate",
        "space_guid": SPACE,
        "space_name": "production",
        "org_guid": ORG,
        "buildpack_name": "ruby_buildpack",
    }


def test_a_month_of_service_usage_rates_per_plan() -> None:
    # orders-db: small from 3 Mar to 13 Mar (240 h x 0.01 = 2.40), large from 13 Mar to
    # 23 Mar (240 h x 0.05 = 12.00); the user-provided instance is not counted. Total 14.40.
    events = cf.service_usage_events(load("service_usage_events_v3.json"))
    plan = rk.Plan(
        "cf",
        "EUR",
        UTC_MONTHS,
        [
            rk.PriceEntry(
                "small", "cf.service.instances", rk.PerUnit("0.01"), where={"service_plan": "small"}
            ),
            rk.PriceEntry(
                "large", "cf.service.instances", rk.PerUnit("0.05"), where={"service_plan": "large"}
            ),
        ],
    )
    (invoice,) = rk.bill(rk.rate(events, plan, span=MARCH, meters=[cf.SERVICE_INSTANCE_HOURS]))
    assert sorted((line.quantity, line.amount) for line in invoice.lines) == [
        (Decimal(240), Decimal("2.40")),
        (Decimal(240), Decimal("12.00")),
    ]
    assert invoice.total == Decimal("14.40")


def test_service_usage_in_the_v2_shape() -> None:
    page = {
        "resources": [
            {
                "metadata": {
                    "guid": "s-1",
                    "url": "/v2/service_usage_events/s-1",
                    "created_at": "2026-03-03T00:00:00Z",
                },
                "entity": {
                    "state": "CREATED",
                    "org_guid": "org-1",
                    "space_guid": "space-1",
                    "space_name": "prod",
                    "service_instance_guid": "db-1",
                    "service_instance_name": "orders",
                    "service_instance_type": "managed_service_instance",
                    "service_plan_guid": "plan-1",
                    "service_plan_name": "small",
                    "service_guid": "svc-1",
                    "service_label": "postgres",
                    "service_broker_name": "broker",
                    "service_broker_guid": "broker-1",
                },
            }
        ]
    }
    (event,) = cf.service_usage_events(page, account="space")
    assert (event.account, event.resource, event.kind) == ("space-1", "db-1", "start")
    assert event.attributes["service_plan"] == "small"
    assert event.attributes["service"] == "postgres"


def test_errors_name_the_position_and_the_field() -> None:
    feed = app_feed("v2")
    assert isinstance(feed, list)
    broken = copy.deepcopy(feed)
    del broken[1]["resources"][2]["entity"]["memory_in_mb_per_instance"]  # e08, a START
    with pytest.raises(rk.BadRecordError) as error:
        cf.app_usage_events(broken)
    assert str(error.value) == (
        "Cloud Foundry app usage event [1].resources[2].entity.memory_in_mb_per_instance "
        "is missing; it must be a number."
    )
    broken = copy.deepcopy(feed)
    broken[0]["resources"][2]["metadata"]["created_at"] = "2026-03-02 10:00:00"
    with pytest.raises(rk.BadRecordError, match=r"\[0\]\.resources\[2\]\.metadata\.created_at"):
        cf.app_usage_events(broken)
    broken = copy.deepcopy(feed)
    broken[0]["resources"][1]["entity"]["instance_count"] = -1
    with pytest.raises(rk.BadRecordError) as error:
        cf.app_usage_events(broken)
    assert str(error.value) == (
        "Cloud Foundry app usage event [0].resources[1].entity.instance_count must be a "
        "whole number >= 0, not Decimal('-1')."
    )
    with pytest.raises(rk.BadRecordError) as error:
        cf.service_usage_events(
            [{"guid": "s", "created_at": "2026-03-01T00:00:00Z", "state": "GONE"}]
        )
    assert str(error.value) == (
        "Cloud Foundry service usage event [0].state is 'GONE'; expected one of 'CREATED', "
        "'UPDATED', 'DELETED'."
    )
    with pytest.raises(rk.BadRecordError) as error:
        cf.app_usage_events("not a feed")
    assert str(error.value) == (
        "Cloud Foundry app usage event feed must be a list of records, a page "
        "{'resources': [...]} or a list of pages, not 'not a feed'."
    )


def test_reading_call_by_call_with_previous_keeps_the_feeds_order() -> None:
    # The START stamped 10:05 is read by call 1; its STOP stamped 10:00 by call 2. With
    # call 1's events as previous, the STOP's seq follows the START's and the run lasts
    # zero time; page A read again in call 2 is a replay. Without previous, the STOP
    # would take its own instant as seq and come first.
    def event(guid: str, at: str, state: str) -> dict[str, object]:
        return {
            "guid": guid,
            "created_at": at,
            "state": {"current": state},
            "app": {"guid": "app-1"},
            "process": {"guid": "app-1", "type": "web"},
            "space": {"guid": "space-1"},
            "organization": {"guid": "org-1"},
            "memory_in_mb_per_instance": {"current": 512},
            "instance_count": {"current": 1},
        }

    page_a = {"resources": [event("e1", "2026-03-02T10:05:00Z", "STARTED")]}
    page_b = {"resources": [event("e2", "2026-03-02T10:00:00Z", "STOPPED")]}
    first = cf.app_usage_events(page_a)
    second = cf.app_usage_events([page_a, page_b], previous=first)
    assert second[0] == first[0]
    assert second[1].seq == first[0].seq + 1  # type: ignore[operator]
    assert cf.app_usage_events(page_b, previous=first) == second[1:]
    usage = meter(first + second)
    assert usage.rows == ()
    assert sorted(anomaly.kind for anomaly in usage.anomalies) == ["duplicate", "out_of_order"]
    alone = cf.app_usage_events(page_b)
    assert alone[0].seq == alone[0].at_us
    with pytest.raises(rk.RatekitTypeError, match="previous must hold the events"):
        cf.app_usage_events(page_b, previous=[page_a])  # type: ignore[list-item]


def test_the_memory_level_is_read_in_cf_megabytes_mebibytes_whatever_the_meters_unit() -> None:
    # CF's MB is a MiB (2^20 B). 15360 MiB*hour in March: 15360 / 1024 = 15 GiB*hour, and
    # 15360 x 2^20 / 10^9 = 16106127360 / 10^9 = 16.10612736 GB*hour (10^9-byte GB).
    events = cf.app_usage_events(app_feed("v2"))
    gb = rk.Meter(
        "cf.app.memory", "GB*hour", rk.Continuous(("memory_mb", "instances"), unit=("MiB", "count"))
    )
    for memory_meter, expected in [
        (cf.APP_MEMORY, Decimal(15360)),
        (cf.APP_MEMORY_GB, Decimal(15)),
        (gb, Decimal("16.10612736")),
    ]:
        usage = rk.meter(events, [memory_meter], span=MARCH, cycle=UTC_MONTHS, as_of=APRIL.end)
        assert usage.total() == expected, memory_meter
    assert (cf.APP_MEMORY.unit, cf.APP_MEMORY_GB.unit) == ("MiB*hour", "GiB*hour")


def test_a_1g_app_for_a_whole_month_bills_cf_gigabyte_hours() -> None:
    # `cf push -m 1G` reserves 1024 MB (CF's MB: MiB), so 1 GB in CF's sense. All of March,
    # 744 h: 1024 MiB x 1 x 744 h = 761856 MiB*hour = 744 GiB*hour x 0.05 = 37.20 (reading
    # MB as 10^6 B gave 761.856 GB*hour = 38.09). A price per 10^9-byte GB*hour, stated on
    # the entry: 744 x 2^30 / 10^9 = 798.863917056 GB*hour x 0.05 = 39.9431958528 -> 39.94.
    def event(guid: str, at: str, state: str) -> dict[str, object]:
        return {
            "guid": guid,
            "created_at": at,
            "state": {"current": state},
            "app": {"guid": "app-1"},
            "process": {"guid": "app-1", "type": "web"},
            "space": {"guid": "s"},
            "organization": {"guid": "o"},
            "memory_in_mb_per_instance": {"current": 1024},
            "instance_count": {"current": 1},
        }

    events = cf.app_usage_events(
        [
            event("a", "2026-03-01T00:00:00Z", "STARTED"),
            event("b", "2026-04-01T00:00:00Z", "STOPPED"),
        ]
    )
    for entry, quantity, total in [
        (rk.PriceEntry("m", "cf.app.memory", rk.PerUnit("0.05")), Decimal(744), Decimal("37.20")),
        (
            rk.PriceEntry("m", "cf.app.memory", rk.PerUnit("0.05"), unit="GB*hour"),
            Decimal("798.863917056"),
            Decimal("39.94"),
        ),
    ]:
        plan = rk.Plan("cf", "EUR", UTC_MONTHS, [entry])
        (invoice,) = rk.bill(rk.rate(events, plan, span=MARCH, meters=[cf.APP_MEMORY_GB]))
        assert (invoice.lines[0].quantity, invoice.total) == (quantity, total)


def test_a_month_of_service_usage_in_the_v2_shape_rates_per_plan() -> None:
    # Two v2 pages, the second delivered twice. events-mq (single) created in February and
    # still there: all of March, 744 h x 0.002 = 1.488 -> 1.49. orders-db small from 3 Mar
    # to 13 Mar (240 h x 0.01 = 2.40), large from 13 Mar to its DELETED on 23 Mar, sent
    # twice (240 h x 0.05 = 12.00). The user-provided legacy-api is not counted.
    # Total 1.49 + 2.40 + 12.00 = 15.89.
    pages = load("service_usage_events_v2.json")
    assert isinstance(pages, list)
    events = cf.service_usage_events([*pages, pages[1]])
    plan = rk.Plan(
        "cf",
        "EUR",
        UTC_MONTHS,
        [
            rk.PriceEntry(
                name, "cf.service.instances", rk.PerUnit(price), where={"service_plan": name}
            )
            for name, price in [("single", "0.002"), ("small", "0.01"), ("large", "0.05")]
        ],
    )
    rating = rk.rate(events, plan, span=MARCH, meters=[cf.SERVICE_INSTANCE_HOURS])
    (invoice,) = rk.bill(rating)
    assert sorted((line.entry, line.quantity, line.amount) for line in invoice.lines) == [
        ("large", Decimal(240), Decimal("12.00")),
        ("single", Decimal(744), Decimal("1.49")),
        ("small", Decimal(240), Decimal("2.40")),
    ]
    assert invoice.total == Decimal("15.89")
    assert sorted(anomaly.kind for anomaly in rating.anomalies) == [
        "after_delete",
        "duplicate",
        "duplicate",
        "duplicate",
    ]


def _staging_v2(guid: str, at: str, state: str) -> dict[str, object]:
    # the Cloud Controller writes a staging's usage with an empty app_guid and the app in
    # parent_app_guid, the staging memory and one instance
    return {
        "metadata": {"guid": guid, "url": f"/v2/app_usage_events/{guid}", "created_at": at},
        "entity": {
            "state": state,
            "previous_state": "STAGING" if state == "STAGING_STOPPED" else None,
            "memory_in_mb_per_instance": 1024,
            "previous_memory_in_mb_per_instance": 1024,
            "instance_count": 1,
            "previous_instance_count": 1,
            "app_guid": "",
            "app_name": "",
            "space_guid": SPACE,
            "space_name": "production",
            "org_guid": ORG,
            "buildpack_guid": None,
            "buildpack_name": None,
            "package_state": "PENDING",
            "previous_package_state": "PENDING",
            "parent_app_guid": "3f9a1c2e-8b4d-4e6f-a1b2-c3d4e5f60001",
            "parent_app_name": "shop-web",
            "process_type": None,
            "task_guid": None,
            "task_name": None,
        },
    }


STAGING = [
    _staging_v2("st-1", "2026-03-02T07:55:00Z", "STAGING_STARTED"),
    _staging_v2("st-2", "2026-03-02T07:58:00Z", "STAGING_STOPPED"),
]


def test_staging_events_are_skipped_by_default() -> None:
    # Real feeds carry them; they used to be refused as an unknown state.
    assert cf.app_usage_events({"resources": STAGING}) == []


def test_staging_events_read_as_the_apps_staging_when_asked() -> None:
    # 1024 MB x 1 instance x 3 min (07:55 to 07:58) = 1024 x 0.05 h = 51.2 MB*h.
    events = cf.app_usage_events({"resources": STAGING}, staging=True)
    assert [(event.resource, event.kind) for event in events] == [
        ("3f9a1c2e-8b4d-4e6f-a1b2-c3d4e5f60001/staging", "start"),
        ("3f9a1c2e-8b4d-4e6f-a1b2-c3d4e5f60001/staging", "stop"),
    ]
    assert events[0].attributes["process_type"] == "staging"
    assert events[0].attributes["app_guid"] == "3f9a1c2e-8b4d-4e6f-a1b2-c3d4e5f60001"
    usage = rk.meter(events, [cf.APP_MEMORY], span=MARCH, cycle=UTC_MONTHS, as_of=MARCH.end)
    assert usage.total() == Decimal("51.2")


def test_staging_events_in_the_v3_shape() -> None:
    # v3 names the app in app.guid; the process is empty.
    event = {
        "guid": "st-3",
        "created_at": "2026-03-02T07:55:00Z",
        "updated_at": "2026-03-02T07:55:00Z",
        "state": {"current": "STAGING_STARTED", "previous": None},
        "app": {"guid": "app-1", "name": "shop"},
        "process": {"guid": None, "type": None},
        "space": {"guid": SPACE, "name": "production"},
        "organization": {"guid": ORG},
        "buildpack": {"guid": None, "name": None},
        "task": {"guid": None, "name": None},
        "memory_in_mb_per_instance": {"current": 1024, "previous": None},
        "instance_count": {"current": 1, "previous": None},
    }
    assert cf.app_usage_events([event]) == []
    (start,) = cf.app_usage_events([event], staging=True)
    assert (start.resource, start.attributes["memory_mb"]) == ("app-1/staging", 1024)
    del event["app"]
    with pytest.raises(rk.BadRecordError) as caught:
        cf.app_usage_events([event], staging=True)
    assert str(caught.value) == (
        "Cloud Foundry app usage event [0] has no app.guid: a STAGING_STARTED event must "
        "name what ran."
    )


def _worker_v2(guid: str, at: str, state: str) -> dict[str, object]:
    # v2 names the worker process by app_guid/app_name, its app by parent_app_guid/_name
    return {
        "metadata": {"guid": guid, "created_at": at},
        "entity": {
            "state": state,
            "memory_in_mb_per_instance": 256,
            "instance_count": 2,
            "app_guid": "proc-worker-9",
            "app_name": "shop-worker",
            "parent_app_guid": "app-1",
            "parent_app_name": "shop",
            "process_type": "worker",
            "space_guid": "s-1",
            "org_guid": "o-1",
        },
    }


def _worker_v3(guid: str, at: str, state: str) -> dict[str, object]:
    return {
        "guid": guid,
        "created_at": at,
        "state": {"current": state},
        "app": {"guid": "app-1", "name": "shop"},
        "process": {"guid": "proc-worker-9", "type": "worker"},
        "space": {"guid": "s-1"},
        "organization": {"guid": "o-1"},
        "memory_in_mb_per_instance": {"current": 256},
        "instance_count": {"current": 2},
    }


def test_a_v2_worker_process_is_described_by_its_parent_app_as_in_v3() -> None:
    (v2,) = cf.app_usage_events([_worker_v2("e-1", "2026-03-02T08:00:00Z", "STARTED")])
    (v3,) = cf.app_usage_events([_worker_v3("e-1", "2026-03-02T08:00:00Z", "STARTED")])
    assert v2.attributes == v3.attributes
    assert dict(v2.attributes) == {
        "state": "STARTED",
        "memory_mb": 256,
        "instances": 2,
        "app_guid": "app-1",
        "app_name": "shop",
        "process_type": "worker",
        "space_guid": "s-1",
        "org_guid": "o-1",
    }
    assert v2 == v3  # the process's guid is the resource in both shapes
    assert v2.resource == "proc-worker-9"


def test_a_per_app_price_bills_a_v2_and_a_v3_worker_alike() -> None:
    # The worker runs 2 Mar 08:00-18:00: 256 MiB x 2 x 10 h = 5120 MiB*hour = 5 GiB*hour.
    # The app's deal (where app_guid == app-1) wins: 5 x 0.01 = 0.05 from either feed
    # (the v2 feed used to miss the deal: 5 x 0.05 = 0.25).
    plan = rk.Plan(
        "p",
        "EUR",
        UTC_MONTHS,
        [
            rk.PriceEntry("list", "cf.app.memory", rk.PerUnit("0.05")),
            rk.PriceEntry(
                "deal", "cf.app.memory", rk.PerUnit("0.01"), where={"app_guid": "app-1"}, priority=1
            ),
        ],
    )
    for shape in (_worker_v2, _worker_v3):
        feed = [shape("e-1", "2026-03-02T08:00:00Z", "STARTED")]
        feed.append(shape("e-2", "2026-03-02T18:00:00Z", "STOPPED"))
        events = cf.app_usage_events(feed)
        (invoice,) = rk.bill(rk.rate(events, plan, span=MARCH, meters=[cf.APP_MEMORY_GB]))
        assert [(line.entry, line.quantity, line.amount) for line in invoice.lines] == [
            ("deal", Decimal(5), Decimal("0.05"))
        ], shape


def test_previous_none_is_a_first_poll() -> None:
    # A poller's first call has read nothing: previous=None reads as previous=(), for
    # app and service events alike (it was refused as 'a list of Event').
    page = load("app_usage_events_v3.json")
    assert cf.app_usage_events(page, previous=None) == cf.app_usage_events(page)
    services = load("service_usage_events_v3.json")
    assert cf.service_usage_events(services, previous=None) == cf.service_usage_events(services)
    with pytest.raises(rk.RatekitTypeError, match="previous must be the events read before"):
        cf.app_usage_events(page, previous=0)  # type: ignore[arg-type]
