"""An operator moving from Cloud Foundry's usage feeds, OpenStack Ceilometer and Nova, Borel
and Exoscale to ratekit's adapters, rating a month of each as the platforms emit it.

Each feed is written as the platform writes it (Cloud Foundry's v2 pages with ``next_url``
and v3 pages with ``pagination``, service usage events and tasks; Nova's notifications and
Ceilometer's samples in both of their shapes; Borel's rows; Exoscale's events), delivered
twice, shuffled, stamped with offsets, and rated; every total is worked by hand with
``fractions.Fraction`` in the comments, and every record given to metering is accounted
for (a row, an anomaly or ``no_effect``). The feeds of 100,000 events at the end check
that nothing is lost or counted twice at scale.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

import ratekit as rk
from ratekit.adapters import borel, ceilometer, cloudevents, cloudfoundry, exoscale

MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")


def accounted(records: list[Any], usage: rk.Usage) -> None:
    """Every record given to metering is in a row, a late row, an anomaly or no_effect."""
    ids = {record.id for record in records}
    assert ids <= usage.accounted()
    in_rows = {i for row in usage.rows for i in row.record_ids}
    in_anomalies = {i for anomaly in usage.anomalies for i in anomaly.record_ids}
    in_no_effect = {i for i, _ in usage.no_effect}
    assert ids <= in_rows | in_anomalies | in_no_effect


# -- Cloud Foundry, v2 pages -----------------------------------------------------------


def v2(  # noqa: PLR0917
    guid: str,
    at: str,
    state: str,
    memory: int = 512,
    instances: int = 1,
    process: str = "app-1",
    process_type: str = "web",
) -> dict[str, Any]:
    return {
        "metadata": {"guid": guid, "url": f"/v2/app_usage_events/{guid}", "created_at": at},
        "entity": {
            "state": state,
            "previous_state": None,
            "memory_in_mb_per_instance": memory,
            "previous_memory_in_mb_per_instance": None,
            "instance_count": instances,
            "previous_instance_count": None,
            "app_guid": process,
            "app_name": "shop",
            "space_guid": "space-1",
            "space_name": "prod",
            "org_guid": "org-1",
            "buildpack_guid": None,
            "buildpack_name": None,
            "package_state": "STAGED",
            "previous_package_state": None,
            "parent_app_guid": "shop-guid",
            "parent_app_name": "shop",
            "process_type": process_type,
            "task_guid": None,
            "task_name": None,
            "an_unknown_field": {"added": "by a later Cloud Controller"},
        },
    }


V2_PAGE_1 = {
    "total_results": 13,
    "total_pages": 2,
    "prev_url": None,
    "next_url": "/v2/app_usage_events?page=2&results-per-page=5",
    "resources": [
        v2("e1", "2026-03-02T08:00:00Z", "STARTED"),
        v2("e2", "2026-03-02T10:00:00Z", "STARTED", instances=3),
        v2("e3", "2026-03-02T11:00:00Z", "STARTED", memory=1024, instances=3),
        v2("e4", "2026-03-02T12:00:00Z", "STOPPED", memory=1024, instances=3),
        v2("e5", "2026-03-02T12:15:00Z", "STOPPED", memory=1024, instances=3),
    ],
}
V2_PAGE_2 = {
    "total_results": 13,
    "total_pages": 2,
    "prev_url": "/v2/app_usage_events?page=1&results-per-page=5",
    "next_url": None,
    "resources": [
        v2("e6", "2026-03-02T14:05:00Z", "STARTED"),
        v2("e7", "2026-03-02T14:00:00Z", "STOPPED"),
        v2("e8", "2026-03-02T15:00:00Z", "STARTED"),
        v2("e9", "2026-03-02T16:00:00Z", "STOPPED"),
        v2("e10", "2026-03-31T20:00:00Z", "STARTED", memory=2048),
        v2("e11", "2026-04-01T04:00:00Z", "STOPPED", memory=2048),
        v2("w1", "2026-03-05T00:00:00Z", "STARTED", 128, 2, "worker-1", "worker"),
        v2("b1", "2026-03-05T00:00:00Z", "BUILDPACK_SET"),
    ],
}


def test_v2_pages_delivered_twice_rate_the_seed_stories_and_a_worker() -> None:
    events = cloudfoundry.app_usage_events([V2_PAGE_1, V2_PAGE_2, V2_PAGE_2])
    # BUILDPACK_SET is skipped, as documented; every other event is read, the replay too.
    assert [event.id for event in events] == [
        *(f"e{n}" for n in range(1, 12)),
        "w1",
        *(f"e{n}" for n in range(6, 12)),
        "w1",
    ]
    assert {event.attributes["app_guid"] for event in events if "app_guid" in event.attributes} == {
        "shop-guid"
    }
    usage = rk.meter(events, [cloudfoundry.APP_MEMORY], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    # The web process: 1024 + 1536 + 3072 + 0 + 512 + 8192 = 14336 MiB*h (docs/adapters.md);
    # the worker: 128 MiB x 2 from 5 March 00:00 to 1 April, 27 x 24 = 648 h: 165888.
    web = Fraction(512 * 2 + 512 * 3 + 1024 * 3 + 512 + 2048 * 4)
    worker = Fraction(128 * 2 * 27 * 24)
    assert usage.total() == Decimal(int(web + worker)) == Decimal(180224)
    accounted(events, usage)
    plan = rk.Plan(
        "cf",
        "EUR",
        MONTHLY,
        [
            rk.PriceEntry(
                "web", "cf.app.memory", rk.PerUnit("0.05"), where={"process_type": "web"}
            ),
            rk.PriceEntry(
                "worker", "cf.app.memory", rk.PerUnit("0.02"), where={"process_type": "worker"}
            ),
        ],
    )
    (invoice,) = rk.bill(rk.rate(events, plan, span=MARCH, meters=[cloudfoundry.APP_MEMORY_GB]))
    # web 14336 / 1024 = 14 GiB*h x 0.05 = 0.70; worker 165888 / 1024 = 162 x 0.02 = 3.24
    assert {line.entry: line.amount for line in invoice.lines} == {
        "web": Decimal("0.70"),
        "worker": Decimal("3.24"),
    }
    assert invoice.total == Decimal("3.94")
    # April: the web's last 4 h at 2048 (8192) and the worker's 30 x 24 h at 256 (184320).
    april = rk.meter(events, [cloudfoundry.APP_MEMORY], span=APRIL, cycle=MONTHLY, as_of=APRIL.end)
    assert april.total() == 8192 + 256 * 30 * 24


def test_any_cut_of_the_v2_feed_with_previous_gives_one_calls_records() -> None:
    everything = V2_PAGE_1["resources"] + V2_PAGE_2["resources"]  # type: ignore[operator]
    whole = cloudfoundry.app_usage_events({"resources": everything})
    for cut in range(len(everything) + 1):
        read = cloudfoundry.app_usage_events({"resources": everything[:cut]})
        read += cloudfoundry.app_usage_events({"resources": everything[cut:]}, previous=read)
        assert read == whole, cut


def test_v3_pages_with_their_pagination_links_are_read() -> None:
    event = {
        "guid": "x1",
        "created_at": "2026-03-02T08:00:00Z",
        "updated_at": "2026-03-02T08:00:00Z",
        "state": {"current": "STARTED", "previous": "STOPPED"},
        "app": {"guid": "app-1", "name": "shop"},
        "process": {"guid": "app-1", "type": "web"},
        "space": {"guid": "space-1", "name": "prod"},
        "organization": {"guid": "org-1"},
        "buildpack": {"guid": None, "name": None},
        "task": {"guid": None, "name": None},
        "memory_in_mb_per_instance": {"current": 256, "previous": None},
        "instance_count": {"current": 2, "previous": None},
        "links": {"self": {"href": "https://api.example.com/v3/app_usage_events/x1"}},
    }
    page = {
        "pagination": {
            "total_results": 1,
            "total_pages": 1,
            "first": {"href": "https://api.example.com/v3/app_usage_events?page=1&per_page=50"},
            "last": {"href": "https://api.example.com/v3/app_usage_events?page=1&per_page=50"},
            "next": None,
            "previous": None,
        },
        "resources": [event],
    }
    (read,) = cloudfoundry.app_usage_events(page)
    assert (read.id, read.account, read.resource, read.kind) == ("x1", "org-1", "app-1", "start")
    assert (read.attributes["memory_mb"], read.attributes["instances"]) == (256, 2)


def test_offsets_are_instants_and_the_feed_order_wins_over_them() -> None:
    # 10:30+02:00 is 08:30Z, before the START at 09:00Z listed before it: zero duration.
    events = cloudfoundry.app_usage_events(
        [
            v2("x1", "2026-03-02T09:00:00Z", "STARTED"),
            v2("x2", "2026-03-02T10:30:00+02:00", "STOPPED"),
        ]
    )
    usage = rk.meter(events, [cloudfoundry.APP_MEMORY], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    assert usage.total() == 0
    assert [anomaly.kind for anomaly in usage.anomalies] == ["out_of_order"]
    # 20:00-04:00 is 1 April 00:00Z; 06:00+02:00 is 04:00Z: all in April, 4 h x 512.
    events = cloudfoundry.app_usage_events(
        [
            v2("y1", "2026-03-31T20:00:00-04:00", "STARTED"),
            v2("y2", "2026-04-01T06:00:00+02:00", "STOPPED"),
        ]
    )
    for span, hours in ((MARCH, 0), (APRIL, 4)):
        usage = rk.meter(
            events, [cloudfoundry.APP_MEMORY], span=span, cycle=MONTHLY, as_of=span.end
        )
        assert usage.total() == 512 * hours


def service_v3(  # noqa: PLR0917
    guid: str, at: str, state: str, plan: str, kind: str, instance: str
) -> dict[str, Any]:
    return {
        "guid": guid,
        "created_at": at,
        "updated_at": at,
        "state": state,
        "space": {"guid": "space-1", "name": "prod"},
        "organization": {"guid": "org-1"},
        "service_instance": {"guid": instance, "name": "db", "type": kind},
        "service_plan": {"guid": f"plan-{plan}", "name": plan},
        "service_offering": {"guid": "off-1", "name": "postgres"},
        "service_broker": {"guid": "b-1", "name": "broker"},
    }


def test_service_usage_events_bill_managed_instances_per_plan() -> None:
    managed, provided = "managed_service_instance", "user_provided_service_instance"
    feed = [
        service_v3("s1", "2026-03-02T08:00:00Z", "CREATED", "small", managed, "si-1"),
        service_v3("s2", "2026-03-10T08:00:00Z", "UPDATED", "large", managed, "si-1"),
        service_v3("s3", "2026-03-20T08:00:00Z", "DELETED", "large", managed, "si-1"),
        service_v3("u1", "2026-03-02T08:00:00Z", "CREATED", "none", provided, "ups-1"),
        service_v3("u2", "2026-03-05T08:00:00Z", "DELETED", "none", provided, "ups-1"),
    ]
    events = cloudfoundry.service_usage_events({"resources": feed})
    meter = cloudfoundry.SERVICE_INSTANCE_HOURS
    plan = rk.Plan(
        "cf",
        "EUR",
        MONTHLY,
        [
            rk.PriceEntry("small", meter.name, rk.PerUnit("0.01"), where={"service_plan": "small"}),
            rk.PriceEntry("large", meter.name, rk.PerUnit("0.10"), where={"service_plan": "large"}),
        ],
    )
    rating = rk.rate(events, plan, span=MARCH, meters=[meter])
    # small: 2 March 08:00 to 10 March 08:00, 192 h x 0.01 = 1.92;
    # large: 10 March 08:00 to 20 March 08:00, 240 h x 0.10 = 24.00.
    assert sorted((c.entry, c.quantity, c.amount) for c in rating.charges) == [
        ("large", Decimal(240), Decimal("24.00")),
        ("small", Decimal(192), Decimal("1.92")),
    ]
    # The user-provided instance is read, and accounted for: it bills nothing.
    assert rating.no_effect == (("u1", "no_change"), ("u2", "no_change"))


def test_a_task_without_instance_count_is_one_instance() -> None:
    def task(guid: str, at: str, state: str) -> dict[str, Any]:
        event = v2(guid, at, state, memory=256)
        event["entity"].update(instance_count=None, task_guid="task-1", task_name="migrate")
        return event

    events = cloudfoundry.app_usage_events(
        [
            task("t1", "2026-03-02T08:00:00Z", "TASK_STARTED"),
            task("t2", "2026-03-02T08:30:00Z", "TASK_STOPPED"),
        ]
    )
    assert {event.resource for event in events} == {"task-1"}
    usage = rk.meter(events, [cloudfoundry.APP_MEMORY], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    assert usage.total() == 128  # 256 MiB x 1 x 1/2 h


# -- Nova and Ceilometer -------------------------------------------------------------


def nova(  # noqa: PLR0917
    event_type: str, message_id: str, at: str, flavor: str, vcpus: int, memory: int, state: str
) -> dict[str, Any]:
    return {
        "event_type": f"compute.instance.{event_type}",
        "message_id": message_id,
        "timestamp": at,
        "publisher_id": "compute.host-1",
        "priority": "INFO",
        "payload": {
            "tenant_id": "p-1",
            "user_id": "u-1",
            "instance_id": "vm-1",
            "instance_type": flavor,
            "vcpus": str(vcpus),  # numbers as strings, as some relays write them
            "memory_mb": memory,
            "root_gb": 20,
            "state": state.upper(),
            "image_meta": {"base_image_ref": "img-9", "min_ram": "0"},
            "an_unknown_field": None,
        },
    }


def cpu(message_id: str, at: str, volume: object, unit: str = "ns") -> dict[str, Any]:
    return {
        "message_id": message_id,
        "counter_name": "cpu",
        "counter_type": "cumulative",
        "counter_unit": unit,
        "counter_volume": volume,
        "project_id": "p-1",
        "resource_id": "vm-1",
        "user_id": "u-1",
        "timestamp": at,
        "recorded_at": at,
        "source": "openstack",
        "resource_metadata": {"flavor": {"name": "m1.small"}, "state": "active"},
    }


def test_a_month_of_nova_and_ceilometer_shuffled_and_redelivered() -> None:
    notifications = [
        nova("create.start", "n0", "2026-03-02 07:59:30.000000", "m1.small", 1, 2048, "building"),
        nova("create.end", "n1", "2026-03-02 08:00:00.000000", "m1.small", 1, 2048, "active"),
        nova("power_off.end", "n2", "2026-03-02T11:00:00+00:00", "m1.small", 1, 2048, "stopped"),
        nova("power_on.end", "n3", "2026-03-02T13:00:00+01:00", "m1.small", 1, 2048, "active"),
        nova("delete.end", "n4", "2026-03-02 18:00:00.000000", "m1.small", 1, 2048, "deleted"),
    ]
    feed = notifications + notifications[1:3]
    random.Random(6).shuffle(feed)
    events = ceilometer.instance_notifications(feed, naive_utc=True)
    # create.start is skipped, as every *.start is; the redelivered two are read again.
    assert sorted(event.id for event in events) == ["n1", "n1", "n2", "n2", "n3", "n4"]
    readings = [
        cpu("s1", "2026-03-02T08:00:00", 0),
        cpu("s2", "2026-03-02T09:00:00", "3600000000000"),  # a number as a string
        cpu("s3", "2026-03-02T10:00:00Z", 5400, "s"),  # in seconds, with an offset
        cpu("s4", "2026-03-02T17:00:00.000000", 3.6e12 * 2),  # a float, as JSON gives
    ]
    samples = ceilometer.samples(
        readings[::-1] + readings[:2], meters=[ceilometer.CPU_HOURS], naive_utc=True
    )
    plan = rk.Plan(
        "openstack",
        "EUR",
        MONTHLY,
        [
            rk.PriceEntry(
                "small", "instance.hours", rk.PerUnit("0.04"), where={"flavor": "m1.small"}
            ),
            rk.PriceEntry("vcpu", "vcpu.hours", rk.PerUnit("0.01")),
            rk.PriceEntry("cpu", "cpu", rk.PerUnit("0.10")),
        ],
    )
    meters = [ceilometer.INSTANCE_HOURS, ceilometer.VCPU_HOURS, ceilometer.CPU_HOURS]
    rating = rk.rate(events + samples, plan, span=MARCH, meters=meters)
    # Active 08:00-11:00 and 12:00Z (13:00+01:00)-18:00: 3 + 6 = 9 h; x 0.04 = 0.36;
    # 1 vCPU: 9 vCPU-h x 0.01 = 0.09. CPU: 0 ns, 1 h, 1.5 h, 2 h: 2 h x 0.10 = 0.20.
    hours = Fraction(3) + Fraction(6)
    expected = hours * Fraction("0.04") + hours * Fraction("0.01") + 2 * Fraction("0.10")
    assert Fraction(rating.total()) == expected == Fraction("0.65")
    usage = rk.meter(events + samples, meters, span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    accounted(events + samples, usage)
    assert sorted(a.kind for a in usage.anomalies).count("duplicate") == 4


def test_the_v2_samples_listing_newest_first_gives_the_publishers_records() -> None:
    published = [cpu(f"s{n}", f"2026-03-02T{8 + n:02d}:00:00", n * 3600 * 10**9) for n in range(3)]

    def listed(sample: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": sample["message_id"],
            "meter": "cpu",
            "type": "cumulative",
            "unit": "ns",
            "volume": sample["counter_volume"],
            "project_id": "p-1",
            "resource_id": "vm-1",
            "user_id": "u-1",
            "source": "openstack",
            "timestamp": sample["timestamp"],
            "recorded_at": sample["timestamp"],
            "metadata": {"flavor.name": "m1.small", "state": "active"},
        }

    def read(feed: list[dict[str, Any]]) -> list[Any]:
        return sorted(
            ceilometer.samples(feed, meters=[ceilometer.CPU_HOURS], describe=True, naive_utc=True),
            key=lambda record: (record.at, record.id),
        )

    assert read([listed(sample) for sample in published[::-1]]) == read(published)


# -- Borel and Exoscale --------------------------------------------------------------


def test_borel_rows_redelivered_and_with_their_own_periods() -> None:
    rows = [
        {
            "customer-id": "21891",
            "quantity": "516570000000",
            "resource": "cpu-usage",
            "resource_id": "vm-1",
            "uom": "cpu-ns",
        },
        {
            "customer-id": "21891",
            "quantity": 1500663808,
            "resource": "diskio-writes",
            "resource_id": "vm-1",
            "uom": "B",
        },
        {
            "customer-id": "21891",
            "quantity": 2 * 1024**3,
            "resource": "diskio-reads",
            "resource_id": "vm-1",
            "uom": "B",
            "start": "2026-03-31T00:00:00+02:00",
            "end": "2026-04-01T02:00:00+02:00",
        },
    ]
    samples = borel.usage_rows(rows + rows[:1], period=MARCH)
    plan = rk.Plan(
        "borel",
        "AUD",
        MONTHLY,
        [
            rk.PriceEntry("cpu", "cpu-usage", rk.PerUnit("0.0001")),
            rk.PriceEntry("writes", "diskio-writes", rk.PerUnit("0.05")),
            rk.PriceEntry("reads", "diskio-reads", rk.PerUnit("0.01")),
        ],
    )
    rating = rk.rate(samples, plan, span=MARCH, meters=borel.METERS)
    # cpu 516.57 s x 0.0001; writes 1.500663808 GB x 0.05; reads: 2 GiB = 2.147483648 GB
    # over 30 March 22:00Z .. 1 April 00:00Z, all in March, x 0.01.
    expected = (
        Fraction("516.57") * Fraction("0.0001")
        + Fraction("1.500663808") * Fraction("0.05")
        + Fraction("2.147483648") * Fraction("0.01")
    )
    assert Fraction(rating.total()) == expected
    assert [anomaly.kind for anomaly in rating.anomalies] == ["duplicate"]


def test_exoscale_edn_values_offsets_and_a_redelivery_bill_once() -> None:
    def usage(action: str, time: str, **more: Any) -> dict[str, Any]:
        return {
            "type": "usage",
            "entity": "vm",
            "action": action,
            "time": time,
            "account": "geneva-jug",
            "uuid": "7a070a3d",
            "offering": "medium",
            "source": "cloudstack",
            **more,
        }

    feed = [
        usage(":create", "2016-12-12T15:48:32.000-00:00", version=1, type=":usage", entity=":vm"),
        usage("stop", "2016-12-12T18:48:32+01:00", version=2),  # 17:48:32Z
        usage("start", "2016-12-13T15:48:32Z", version=3),
        usage("destroy", "2016-12-14T03:48:32Z", version="4"),
        usage("create", "2016-12-12T16:48:32+01:00", version=1),  # the create again
    ]
    events = exoscale.usage_events(feed)
    assert events[0].id == events[-1].id == "7a070a3d/create/2016-12-12T15:48:32Z"
    december = rk.Span("2016-12-01T00:00:00Z", "2017-01-01T00:00:00Z")
    plan = rk.Plan(
        "exoscale",
        "CHF",
        MONTHLY,
        [
            rk.PriceEntry(
                "medium",
                "exoscale.instance.hours",
                rk.PerUnit("0.02"),
                where={"offering": "medium"},
            )
        ],
    )
    rating = rk.rate(events, plan, span=december, meters=[exoscale.INSTANCE_HOURS])
    # Running 15:48:32-17:48:32 (2 h) and 13 Dec 15:48:32 to 14 Dec 03:48:32 (12 h): 14 h.
    assert sum(c.quantity for c in rating.charges) == 14
    assert sum(c.amount for c in rating.charges) == Decimal("0.28")
    assert [anomaly.kind for anomaly in rating.anomalies] == ["duplicate"]
    assert rk.bill(rating)[0].total == Decimal("0.28")


# -- 30,000 events -------------------------------------------------------------------

N = 30_000


@pytest.mark.heavy
def test_30000_cloudevents_with_replays_shuffled_are_each_billed_once() -> None:
    spec = cloudevents.Spec(
        {"com.example.llm.tokens": "llm.tokens"},
        quantity="data.usage.tokens",
        account="subject",
        resource="data.model",
    )
    start = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    feed = [
        {
            "specversion": "1.0",
            "id": f"t{n}",
            "source": "//gateway",
            "type": "com.example.llm.tokens",
            "subject": f"customer-{n % 7}",
            "time": (start + datetime.timedelta(seconds=26 * n)).isoformat().replace("+00:00", "Z"),
            "data": {"model": "large", "usage": {"tokens": n % 1000 if n % 3 else str(n % 1000)}},
        }
        for n in range(N)
    ]
    replayed = feed + feed[::10]
    random.Random(6).shuffle(replayed)
    samples = cloudevents.usage_events(replayed, spec)
    assert len(samples) == len(replayed)
    meter = rk.Meter("llm.tokens", "count", rk.Discrete())
    usage = rk.meter(samples, [meter], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    # 26 s x 29,999 = 779,974 s, within March's 2,678,400 s: every event is in March.
    assert usage.total() == sum(n % 1000 for n in range(N))
    assert sum(a.kind == "duplicate" for a in usage.anomalies) == N // 10
    accounted(samples, usage)


@pytest.mark.heavy
def test_30000_cloud_foundry_events_in_100_pages_lose_nothing() -> None:
    pages = 100
    events = []
    for n in range(N // 2):
        day, hour = 2 + n % 20, n % 10
        for k, (state, at) in enumerate((("STARTED", hour), ("STOPPED", hour + 1))):
            event = v2(
                f"e{n}-{k}", f"2026-03-{day:02d}T{at:02d}:00:00Z", state, 256, process=f"p{n}"
            )
            events.append(event)
    size = len(events) // pages
    feed = [{"resources": events[i : i + size]} for i in range(0, len(events), size)]
    read = cloudfoundry.app_usage_events(feed)
    assert len(read) == N
    usage = rk.meter(read, [cloudfoundry.APP_MEMORY], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    assert usage.total() == 256 * (N // 2)  # each process 1 h at 256 MiB
    assert not usage.anomalies
    accounted(read, usage)
