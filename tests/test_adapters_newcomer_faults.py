"""Faults an operator migrating to ratekit's adapters meets, each on its smallest input.

Each is a strict expected failure stating the behaviour a billing library owes: a message
that stays short whatever the feed sends, and a month whose bill follows the feed's order
(the Cloud Foundry adapter's own rule: "the feed's order is the truth") when rated with
the defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

import ratekit as rk
from ratekit.adapters import borel, ceilometer, cloudevents, cloudfoundry, exoscale

MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
HUGE = "g" * 1_000_000  # a feed's identity field, a megabyte long
SHORT = 2_000  # characters: far more than any message needs


def app_event(guid: str, at: str, state: str, memory: int = 512) -> dict[str, Any]:
    return {
        "guid": guid,
        "created_at": at,
        "state": {"current": state, "previous": None},
        "app": {"guid": "app-1", "name": "shop"},
        "process": {"guid": "app-1", "type": "web"},
        "space": {"guid": "space-1", "name": "prod"},
        "organization": {"guid": "org-1"},
        "memory_in_mb_per_instance": {"current": memory, "previous": None},
        "instance_count": {"current": 1, "previous": None},
    }


def cpu(message_id: str, **fields: Any) -> dict[str, Any]:
    sample = {
        "message_id": message_id,
        "counter_name": "cpu",
        "counter_type": "cumulative",
        "counter_unit": "ns",
        "counter_volume": 0,
        "project_id": "p-1",
        "resource_id": "vm-1",
        "timestamp": "2026-03-02T08:00:00",
    }
    return {**sample, **fields}


def borel_row(**fields: Any) -> dict[str, Any]:
    row = {
        "customer-id": "21891",
        "quantity": 1,
        "resource": "cpu-usage",
        "resource_id": "vm-1",
        "uom": "cpu-ns",
    }
    return {**row, **fields}


def cloud_event(event_id: str, source: str, **fields: Any) -> dict[str, Any]:
    event = {
        "specversion": "1.0",
        "id": event_id,
        "source": source,
        "type": "com.example.egress",
        "subject": "customer-1",
        "time": "2026-03-02T08:00:00Z",
        "data": {"port": "p-1", "amount": 1, "unit": "GB"},
    }
    return {**event, **fields}


EGRESS = rk.Meter("network.egress", "GB", rk.Discrete())
STATED = cloudevents.Spec(
    {"com.example.egress": "network.egress"},
    quantity="data.amount",
    unit_from="data.unit",
    resource="data.port",
)


def stated(feed: list[dict[str, Any]]) -> object:
    return cloudevents.usage_events(feed, STATED, meters=[EGRESS])


# Each: the refusal, the field it must name. Every other value a message quotes (a state,
# a unit, a time, a meter's name) is abridged ("ggg...ggg"); the record's identity, quoted
# beside the field to name the record, is quoted whole, so one long id makes a message of
# a megabyte (measured: 1,000,200 to 1,000,565 characters).
HUGE_IDENTITY: dict[str, tuple[Callable[[], object], str]] = {
    "cf guid, bad created_at": (
        lambda: cloudfoundry.app_usage_events(
            {"resources": [app_event(HUGE, "2026-03-02 08:00:00Z", "STARTED")]}
        ),
        "resources[0].created_at",
    ),
    "ceilometer message_id, bad counter_unit": (
        lambda: ceilometer.samples(
            [cpu(HUGE, counter_unit="parsec")], meters=[ceilometer.CPU_HOURS], naive_utc=True
        ),
        "[0].counter_unit",
    ),
    "ceilometer message_id, bad state": (
        lambda: ceilometer.samples(
            [cpu(HUGE, resource_metadata={"state": "ACTIVEE"})],
            meters=[ceilometer.CPU_HOURS],
            describe=True,
            naive_utc=True,
        ),
        "[0].resource_metadata.state",
    ),
    "borel resource_id, bad uom": (
        lambda: borel.usage_rows([borel_row(resource_id=HUGE, uom="parsec")], period=MARCH),
        "[0].uom",
    ),
    "borel customer-id, quantity too small once converted": (
        lambda: borel.usage_rows(
            [borel_row(**{"customer-id": HUGE, "quantity": "1e-29"})], period=MARCH
        ),
        "[0].uom",
    ),
    "cloudevents id, bad unit": (
        lambda: stated([cloud_event(HUGE, "//net", data={"port": "p", "amount": 1, "unit": "s"})]),
        "[0].data.unit",
    ),
    "cloudevents source, bad unit": (
        lambda: stated([cloud_event("n1", HUGE, data={"port": "p", "amount": 1, "unit": "s"})]),
        "[0].data.unit",
    ),
    "cloudevents id, bad time": (
        lambda: stated([cloud_event(HUGE, "//net", time="2026-03-02 08:00:00Z")]),
        "[0].time",
    ),
}


@pytest.mark.parametrize("case", sorted(HUGE_IDENTITY))
def test_a_refusal_naming_a_huge_identity_stays_short(case: str) -> None:
    refuse, field = HUGE_IDENTITY[case]
    with pytest.raises(rk.BadRecordError) as raised:
        refuse()
    message = str(raised.value)
    assert field in message
    assert len(message) < SHORT, f"{case}: {len(message)} characters"


def v2_event(guid: str, at: str, state: str, memory: int) -> dict[str, Any]:
    return {
        "metadata": {"guid": guid, "created_at": at},
        "entity": {
            "state": state,
            "memory_in_mb_per_instance": memory,
            "instance_count": 1,
            "app_guid": "app-1",
            "app_name": "shop",
            "space_guid": "space-1",
            "space_name": "prod",
            "org_guid": "org-1",
            "process_type": "web",
        },
    }


# The feed (oldest first, as the Cloud Controller lists it): START 2048 MB at 31 March
# 20:00, STOP at 1 April 04:00, then a START at 512 MB from a controller whose clock is
# behind, stamped 31 March 23:00. By the feed's order the last START came after the STOP:
# the app ran 2048 MB from 20:00 to 04:00, so March holds 2048 x 4 h = 8192 MiB*h, 0.40 at
# 0.05 per GiB*h (8192 / 1024 = 8 GiB*h).
SKEWED = [
    v2_event("a", "2026-03-31T20:00:00Z", "STARTED", 2048),
    v2_event("b", "2026-04-01T04:00:00Z", "STOPPED", 2048),
    v2_event("c", "2026-03-31T23:00:00Z", "STARTED", 512),
]
MEMORY_PLAN = rk.Plan(
    "cf", "EUR", MONTHLY, [rk.PriceEntry("memory", "cf.app.memory", rk.PerUnit("0.05"))]
)


def test_a_late_listed_start_rated_a_day_later_follows_the_feed_order() -> None:
    events = cloudfoundry.app_usage_events({"resources": SKEWED})
    rating = rk.rate(
        events,
        MEMORY_PLAN,
        span=MARCH,
        meters=[cloudfoundry.APP_MEMORY_GB],
        as_of="2026-04-02T00:00:00Z",
    )
    assert rating.total() == Decimal("0.40")  # 8 GiB*h x 0.05
    usage = rk.meter(
        events,
        [cloudfoundry.APP_MEMORY],
        span=MARCH,
        cycle=MONTHLY,
        as_of="2026-04-02T00:00:00Z",
    )
    assert str(usage.total()) == "8192"


def test_the_month_end_rating_reads_the_records_stamped_before_it() -> None:
    # Rated as of the month's end (rk.rate's default), the STOP (stamped 1 April 04:00)
    # is not known yet; the START listed after it is stamped 23:00, before the month's
    # end, and is known: by their seq, the known records are START 2048 at 20:00, then
    # START 512 at 23:00, a new memory for the running app. March as of its end is
    # 2048 x 3 h + 512 x 1 h = 6144 + 512 = 6656 MiB*h, with no anomaly (nothing known
    # is out of order); docs/adapters.md says so and how to rate to get the feed's order.
    events = cloudfoundry.app_usage_events({"resources": SKEWED})
    usage = rk.meter(events, [cloudfoundry.APP_MEMORY], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    assert str(usage.total()) == "6656"
    assert usage.anomalies == ()
    rating = rk.rate(events, MEMORY_PLAN, span=MARCH, meters=[cloudfoundry.APP_MEMORY_GB])
    assert rating.total() == Decimal("0.325")  # 6656 / 1024 = 6.5 GiB*h x 0.05
    # a day later the STOP is known, the START comes after it (out of order: stamped
    # before it) and March is the feed's 8192 (the test above), the anomaly naming it
    later = rk.meter(
        events, [cloudfoundry.APP_MEMORY], span=MARCH, cycle=MONTHLY, as_of="2026-04-02T00:00:00Z"
    )
    assert str(later.total()) == "8192"
    assert [anomaly.kind for anomaly in later.anomalies] == ["out_of_order"]


def nova_create(at: str) -> dict[str, Any]:
    return {
        "event_type": "compute.instance.create.end",
        "message_id": "n1",
        "timestamp": at,
        "payload": {
            "tenant_id": "p-1",
            "instance_id": "vm-1",
            "instance_type": "m1.small",
            "vcpus": 1,
            "memory_mb": 2048,
            "state": "active",
        },
    }


NAIVE_READERS: dict[str, tuple[Callable[[str], object], str]] = {
    "ceilometer": (
        lambda at: ceilometer.samples(
            [cpu("s1", timestamp=at)], meters=[ceilometer.CPU_HOURS], naive_utc=True
        ),
        "Ceilometer sample [0].timestamp",
    ),
    "nova": (
        lambda at: ceilometer.instance_notifications([nova_create(at)], naive_utc=True),
        "Nova notification [0].timestamp",
    ),
}
# Shapes docs/time.md says ratekit refuses ("no week dates, no basic format", "nothing
# before or after it"), and a date without its time, that naive_utc=True reads anyway:
# '2026-03-02' is taken as midnight, moving a truncated 08:00 record 8 hours back.
NOT_INSTANTS = [
    "2026-03-02",
    "2026-03-02T08",
    "20260302T080000",
    "2026-W10-1T08:00:00",
    " 2026-03-02T08:00:00",
    "2026-03-02T08:00:00\n",
]


def test_the_same_shapes_with_z_are_refused_without_naive_utc() -> None:
    for at in ("2026-03-02Z", "20260302T080000Z", "2026-W10-1T08:00:00Z", " 2026-03-02T08:00:00Z"):
        with pytest.raises(rk.BadRecordError, match=r"\[0\]\.timestamp"):
            ceilometer.samples([cpu("s1", timestamp=at)], meters=[ceilometer.CPU_HOURS])


@pytest.mark.parametrize("reader", sorted(NAIVE_READERS))
@pytest.mark.parametrize("at", NOT_INSTANTS)
def test_naive_utc_reads_instants_as_strictly_as_everywhere_else(reader: str, at: str) -> None:
    read, field = NAIVE_READERS[reader]
    with pytest.raises(rk.BadRecordError) as raised:
        read(at)
    assert str(raised.value).startswith(field)


# A lone surrogate (text decoded with errors="surrogateescape", or a JSON "\ud800") in a
# feed's identity field is refused, but named by the record it would make ("[0]: sample id
# '\ud800/cpu-usage/...' is not valid Unicode text"), not by the feed's field, and without
# the feed's name that every other refusal starts with.
SURROGATES: dict[str, tuple[Callable[[], object], str]] = {
    "borel customer-id": (
        lambda: borel.usage_rows([borel_row(**{"customer-id": "\ud800"})], period=MARCH),
        "Borel row [0].customer-id",
    ),
    "cloud foundry organization.guid": (
        lambda: cloudfoundry.app_usage_events(
            {
                "resources": [
                    {
                        **app_event("e1", "2026-03-02T08:00:00Z", "STARTED"),
                        "organization": {"guid": "\ud800"},
                    }
                ]
            }
        ),
        "Cloud Foundry app usage event resources[0].organization.guid",
    ),
    "ceilometer project_id": (
        lambda: ceilometer.samples(
            [cpu("s1", project_id="\ud800")], meters=[ceilometer.CPU_HOURS], naive_utc=True
        ),
        "Ceilometer sample [0].project_id",
    ),
    "cloudevents source": (
        lambda: stated([cloud_event("n1", "\ud800")]),
        "CloudEvent [0].source",
    ),
}


def test_a_lone_surrogate_is_refused_at_its_position() -> None:
    for refuse, _ in SURROGATES.values():
        with pytest.raises(rk.RatekitError, match=r"\[0\].*not valid Unicode text"):
            refuse()


@pytest.mark.parametrize("case", sorted(SURROGATES))
def test_a_lone_surrogate_is_refused_naming_the_feeds_field(case: str) -> None:
    refuse, field = SURROGATES[case]
    with pytest.raises(rk.RatekitError) as raised:
        refuse()
    assert str(raised.value).startswith(field)


def one_minute(start: str, end: str) -> Decimal:
    memory = rk.Meter("memory", "MiB*hour", rk.Continuous("memory_mb", unit="MiB"))
    events = [
        rk.Event("a", "r", f"2026-03-01T{start}:00Z", {"memory_mb": 128}, kind="start", id="x"),
        rk.Event("a", "r", f"2026-03-01T{end}:00Z", kind="stop", id="y"),
    ]
    return rk.meter(events, [memory], span=MARCH, cycle=None, as_of=MARCH.end).total()


def test_a_minute_at_the_start_of_the_span_is_128_60ths_to_1e_24() -> None:
    # 128 MiB x 1/60 h = 2.1333...; half-even at 1E-24: 2.133333333333333333333333
    assert one_minute("00:00", "00:01") == Decimal("2.133333333333333333333333")


def test_a_minute_anywhere_is_f_b_minus_f_a_of_a_cumulative_amount_rounded_at_1e_24() -> None:
    # docs/guarantees.md: a piece [a, b) is F(b) - F(a), F(t) = level x t / hour from the
    # epoch, rounded half-even at 1E-24 (so the pieces of one span add up exactly). At
    # 128 MiB, F(t) = 128 t / 3600 s = 8 t / 225 (t in seconds since 1970):
    # 00:52 is t = 1772323200 + 3120 = 1772326320, F = 14178610560 / 225
    #   = 63016046 + 210/225 = 63016046.9333... -> 63016046.933333333333333333333333;
    # 00:53 is t = 1772326380, F = 14178611040 / 225 = 63016049 + 15/225
    #   = 63016049.0666... -> 63016049.066666666666666666666667 (half-even: the 25th digit is 6);
    # the minute is the difference, 2.133333333333333333333334: within 1E-24 of 128/60,
    # not 128/60 rounded (...333, the minute from 00:00, where F(00:00) = 63015936 exactly).
    assert one_minute("00:52", "00:53") == Decimal("2.133333333333333333333334")
    # and the pieces telescope: the minute metered in two spans cut at 00:52:30 adds up
    # to it exactly (F(00:52:30) is rounded once, added once and taken away once)
    memory = rk.Meter("memory", "MiB*hour", rk.Continuous("memory_mb", unit="MiB"))
    events = [
        rk.Event("a", "r", "2026-03-01T00:52:00Z", {"memory_mb": 128}, kind="start", id="x"),
        rk.Event("a", "r", "2026-03-01T00:53:00Z", kind="stop", id="y"),
    ]
    cut = "2026-03-01T00:52:30Z"
    halves = [
        rk.meter(events, [memory], span=part, cycle=None, as_of=MARCH.end).total()
        for part in (rk.Span(MARCH.start, cut), rk.Span(cut, MARCH.end))
    ]
    assert sum(halves) == Decimal("2.133333333333333333333334")


SKIP_SPEC = cloudevents.Spec(
    {"com.example.llm.tokens": "llm.tokens"}, quantity="data.usage.tokens", unknown="skip"
)
# With unknown="skip", a record whose meter or type is a known one but for its case or a
# blank around it is skipped as unknown, its usage dropped without a word; docs/adapters.md
# already refuses a garbled state word under unknown="skip" ("its usage is real").
GARBLED: dict[str, Callable[[], list[Any]]] = {
    "ceilometer 'cpu '": lambda: ceilometer.samples(
        [cpu("s1", counter_name="cpu ")],
        meters=[ceilometer.CPU_HOURS],
        naive_utc=True,
        unknown="skip",
    ),
    "ceilometer 'CPU'": lambda: ceilometer.samples(
        [cpu("s1", counter_name="CPU")],
        meters=[ceilometer.CPU_HOURS],
        naive_utc=True,
        unknown="skip",
    ),
    "borel 'cpu-usage '": lambda: borel.usage_rows(
        [borel_row(resource="cpu-usage ")], period=MARCH, unknown="skip"
    ),
    "nova 'compute.instance.create.end '": lambda: ceilometer.instance_notifications(
        [{**nova_create("2026-03-02 08:00:00"), "event_type": "compute.instance.create.end "}],
        naive_utc=True,
        unknown="skip",
    ),
    "cloudevents 'COM.EXAMPLE.LLM.TOKENS'": lambda: cloudevents.usage_events(
        [
            {
                **cloud_event("t1", "//gw"),
                "type": "COM.EXAMPLE.LLM.TOKENS",
                "data": {"usage": {"tokens": 5}},
            }
        ],
        SKIP_SPEC,
    ),
}


def read_named(case: str, name: str) -> list[Any]:
    """The record of ``GARBLED[case]``, its meter or type written ``name``, read with unknown='skip'."""
    if case.startswith("ceilometer"):
        return ceilometer.samples(
            [cpu("s1", counter_name=name)],
            meters=[ceilometer.CPU_HOURS],
            naive_utc=True,
            unknown="skip",
        )
    if case.startswith("borel"):
        return borel.usage_rows([borel_row(resource=name)], period=MARCH, unknown="skip")
    if case.startswith("nova"):
        return ceilometer.instance_notifications(
            [{**nova_create("2026-03-02 08:00:00"), "event_type": name}],
            naive_utc=True,
            unknown="skip",
        )
    event = {**cloud_event("t1", "//gw"), "type": name, "data": {"usage": {"tokens": 5}}}
    return cloudevents.usage_events([event], SKIP_SPEC)


# Names no meter or read type resembles, even stripped and case-folded: skipped when told.
UNKNOWN_NAMES = {
    "ceilometer": ["memory.usage", "cpu.delta", "cpu_util", "vcpus"],
    "borel": ["ram-usage", "cpu", "cpu-usage-2"],
    "nova": ["image.upload", "compute.instance.create.end.x", "compute.instances.create.end"],
    "cloudevents": ["com.example.llm.images", "com.example.llm.token"],
}


@pytest.mark.parametrize("case", sorted(GARBLED))
def test_a_name_no_meter_takes_is_skipped_when_told(case: str) -> None:
    for name in UNKNOWN_NAMES[case.split(maxsplit=1)[0]]:
        assert read_named(case, name) == [], name


def test_the_names_skipped_are_read_when_written_right() -> None:
    # the cases' own names, written right, are read: the refusals below are of garbling
    for case, name in [
        ("ceilometer", "cpu"),
        ("borel", "cpu-usage"),
        ("nova", "compute.instance.create.end"),
        ("cloudevents", "com.example.llm.tokens"),
    ]:
        assert len(read_named(case, name)) == 1, case


@pytest.mark.parametrize("case", sorted(GARBLED))
def test_a_garbled_known_name_is_refused_even_with_unknown_skip(case: str) -> None:
    with pytest.raises(rk.BadRecordError):
        GARBLED[case]()


def exoscale_create(version: int) -> dict[str, Any]:
    return {
        "type": "usage",
        "entity": "vm",
        "action": "create",
        "time": "2016-12-12T15:48:32Z",
        "account": "WAD",
        "uuid": "foo",
        "version": version,
    }


def test_one_exoscale_event_with_two_versions_is_refused_by_metering() -> None:
    # read by two calls, the first not given as previous: only metering sees them both
    events = exoscale.usage_events([exoscale_create(1)], order="version")
    events += exoscale.usage_events([exoscale_create(2)], order="version")
    december = rk.Span("2016-12-01T00:00:00Z", "2017-01-01T00:00:00Z")
    with pytest.raises(rk.ConflictingRecordError):
        rk.meter(events, [exoscale.INSTANCE_HOURS], span=december, cycle=None, as_of=december.end)


def test_one_exoscale_event_with_two_versions_is_refused_at_its_version() -> None:
    with pytest.raises(rk.BadRecordError, match=r"\[1\]\.version"):
        exoscale.usage_events([exoscale_create(1), exoscale_create(2)], order="version")
