"""The newcomer's adapter faults, each looked for wherever its kind can happen.

A refusal stays short whatever value it quotes (every identity field of every adapter,
a fraction of a second of any length); text that is no Unicode is refused at its field,
named by the feed; ``naive_utc=True`` reads the instants ratekit reads, offset left out,
and nothing else; a known name garbled is refused under ``unknown="skip"``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import ratekit as rk
from ratekit.adapters import borel, ceilometer, cloudevents, cloudfoundry, exoscale
from test_adapters_newcomer_faults import (
    EGRESS,
    MARCH,
    SHORT,
    SKIP_SPEC,
    app_event,
    borel_row,
    cloud_event,
    cpu,
    exoscale_create,
    nova_create,
    stated,
    v2_event,
)

HUGE = "g" * 1_000_000
NOVA = "2026-03-02 08:00:00"
ACCOUNT_SPEC = cloudevents.Spec(
    {"com.example.egress": "network.egress"},
    quantity="data.amount",
    unit_from="data.unit",
    resource="data.port",
    account="subject",
)


def nova(**payload: Any) -> dict[str, Any]:
    event = nova_create(NOVA)
    return {**event, "payload": {**event["payload"], **payload}}


def volume_sample(sample_id: str) -> dict[str, Any]:
    return cpu(
        sample_id,
        counter_name="volume.size",
        counter_type="gauge",
        counter_unit="GB",
        resource_id=HUGE,
        resource_metadata={"status": "bogus"},
    )


# Each: a refusal whose record is named by a megabyte-long identity (or quotes one), and
# the field it must name.
REFUSALS: dict[str, tuple[Callable[[], object], str]] = {
    "cf guid, bad state": (
        lambda: cloudfoundry.app_usage_events(
            {"resources": [app_event(HUGE, "2026-03-02T08:00:00Z", "STARTEDD")]}
        ),
        "resources[0].state.current",
    ),
    "ceilometer volume sample, bad status": (
        lambda: ceilometer.samples(
            [volume_sample(HUGE)],
            meters=[rk.Meter("volume.size", "GiB", rk.Max())],
            describe=True,
            naive_utc=True,
        ),
        "[0].resource_metadata.status",
    ),
    "ceilometer part sample, its instance's state twice": (
        lambda: ceilometer.samples(
            [
                cpu(
                    HUGE,
                    counter_name="network.incoming.bytes",
                    counter_unit="B",
                    resource_metadata={
                        "instance_id": "vm-9",
                        "state": "active",
                        "instance_state": "stopped",
                    },
                )
            ],
            meters=[ceilometer.NETWORK_IN],
            describe=True,
            naive_utc=True,
        ),
        "[0].resource_metadata",
    ),
    "ceilometer, a huge timestamp": (
        lambda: ceilometer.samples(
            [cpu(HUGE, resource_id=HUGE, timestamp=HUGE)],
            meters=[ceilometer.CPU_HOURS],
            naive_utc=True,
        ),
        "[0].timestamp",
    ),
    "nova, bad state": (
        lambda: ceilometer.instance_notifications(
            [{**nova(instance_id=HUGE, tenant_id=HUGE, state="bogus"), "message_id": HUGE}],
            naive_utc=True,
        ),
        "[0].payload.state",
    ),
    "exoscale, one event of two versions": (
        lambda: exoscale.usage_events(
            [
                {**exoscale_create(1), "uuid": HUGE, "account": HUGE},
                {**exoscale_create(2), "uuid": HUGE, "account": HUGE},
            ],
            order="version",
        ),
        "[1].version",
    ),
    "exoscale, two events of one version": (
        lambda: exoscale.usage_events(
            [
                {**exoscale_create(1), "uuid": HUGE, "account": HUGE},
                {**exoscale_create(1), "action": "stop", "uuid": HUGE, "account": HUGE},
            ],
            order="version",
        ),
        "[1].version",
    ),
    "cloudevents, unit missing": (
        lambda: stated([cloud_event(HUGE, HUGE, data={"port": HUGE, "amount": 1})]),
        "[0].data.unit",
    ),
    "cloudevents, a garbled type": (
        lambda: cloudevents.usage_events(
            [{**cloud_event(HUGE, HUGE), "type": " " + HUGE, "data": {"usage": {"tokens": 5}}}],
            cloudevents.Spec({HUGE: "llm.tokens"}, quantity="data.usage.tokens", unknown="skip"),
        ),
        "[0].type",
    ),
    "cloudevents, a fraction of a megabyte": (
        lambda: stated(
            [cloud_event("n1", "//net", time="2026-03-02T08:00:00." + "1" * 10**6 + "Z")]
        ),
        "[0].time",
    ),
    "ceilometer, zeros of a megabyte and no offset": (
        lambda: ceilometer.samples(
            [cpu("s1", timestamp="2026-03-02T08:00:00." + "0" * 10**6)],
            meters=[ceilometer.CPU_HOURS],
        ),
        "[0].timestamp",
    ),
    "ceilometer, zeros of a megabyte and an offset of 60 minutes": (
        lambda: ceilometer.samples(
            [cpu("s1", timestamp="2026-03-02T08:00:00." + "0" * 10**6 + "+05:60")],
            meters=[ceilometer.CPU_HOURS],
        ),
        "[0].timestamp",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_every_refusal_stays_short(case: str) -> None:
    refuse, field = REFUSALS[case]
    with pytest.raises(rk.BadRecordError) as raised:
        refuse()
    message = str(raised.value)
    assert field in message
    assert len(message) < SHORT, f"{case}: {len(message)} characters"


def test_an_instant_of_a_long_fraction_is_refused_in_a_short_message() -> None:
    with pytest.raises(rk.BadTimeError) as raised:
        rk.Span("2026-03-01T00:00:00." + "1" * 10**6 + "Z", "2026-04-01T00:00:00Z")
    message = str(raised.value)
    assert message.startswith("Span start '2026-03-01T00:00:00.1111")
    assert "finer than a microsecond (.1111" in message
    assert len(message) < 400


SURROGATE = "a\udc80"
# Each identity field of each adapter, a lone surrogate in it: the refusal's start.
SURROGATES: dict[str, tuple[Callable[[], object], str]] = {
    "cf guid": (
        lambda: cloudfoundry.app_usage_events(
            {"resources": [app_event(SURROGATE, "2026-03-02T08:00:00Z", "STARTED")]}
        ),
        "Cloud Foundry app usage event resources[0].guid",
    ),
    "cf app.guid": (
        lambda: cloudfoundry.app_usage_events(
            {
                "resources": [
                    {
                        **app_event("e1", "2026-03-02T08:00:00Z", "STARTED"),
                        "app": {"guid": SURROGATE, "name": "shop"},
                        "process": {"guid": SURROGATE, "type": "web"},
                    }
                ]
            }
        ),
        "Cloud Foundry app usage event resources[0].",
    ),
    "cf v2 org_guid": (
        lambda: cloudfoundry.app_usage_events(
            {
                "resources": [
                    {
                        **v2_event("e1", "2026-03-02T08:00:00Z", "STARTED", 512),
                        "entity": {
                            **v2_event("e1", "2026-03-02T08:00:00Z", "STARTED", 512)["entity"],
                            "org_guid": SURROGATE,
                        },
                    }
                ]
            }
        ),
        "Cloud Foundry app usage event resources[0].entity.org_guid",
    ),
    "ceilometer message_id": (
        lambda: ceilometer.samples([cpu(SURROGATE)], meters=[ceilometer.CPU_HOURS], naive_utc=True),
        "Ceilometer sample [0].message_id",
    ),
    "ceilometer resource_id": (
        lambda: ceilometer.samples(
            [cpu("s1", resource_id=SURROGATE)], meters=[ceilometer.CPU_HOURS], naive_utc=True
        ),
        "Ceilometer sample [0].resource_id",
    ),
    "nova message_id": (
        lambda: ceilometer.instance_notifications(
            [{**nova_create(NOVA), "message_id": SURROGATE}], naive_utc=True
        ),
        "Nova notification [0].message_id",
    ),
    "nova tenant_id": (
        lambda: ceilometer.instance_notifications([nova(tenant_id=SURROGATE)], naive_utc=True),
        "Nova notification [0].payload.tenant_id",
    ),
    "nova instance_id": (
        lambda: ceilometer.instance_notifications([nova(instance_id=SURROGATE)], naive_utc=True),
        "Nova notification [0].payload.instance_id",
    ),
    "exoscale uuid": (
        lambda: exoscale.usage_events([{**exoscale_create(1), "uuid": SURROGATE}]),
        "Exoscale usage event [0].uuid",
    ),
    "exoscale account": (
        lambda: exoscale.usage_events([{**exoscale_create(1), "account": SURROGATE}]),
        "Exoscale usage event [0].account",
    ),
    "borel resource_id": (
        lambda: borel.usage_rows([borel_row(resource_id=SURROGATE)], period=MARCH),
        "Borel row [0].resource_id",
    ),
    "cloudevents id": (
        lambda: stated([cloud_event(SURROGATE, "//net")]),
        "CloudEvent [0].id",
    ),
    "cloudevents resource at data.port": (
        lambda: stated(
            [cloud_event("n1", "//net", data={"port": SURROGATE, "amount": 1, "unit": "GB"})]
        ),
        "CloudEvent [0].data.port",
    ),
    "cloudevents account at subject": (
        lambda: cloudevents.usage_events(
            [cloud_event("n1", "//net", subject=SURROGATE)], ACCOUNT_SPEC, meters=[EGRESS]
        ),
        "CloudEvent [0].subject",
    ),
}


@pytest.mark.parametrize("case", sorted(SURROGATES))
def test_a_lone_surrogate_is_refused_at_its_field_in_every_identity(case: str) -> None:
    refuse, field = SURROGATES[case]
    with pytest.raises(rk.BadRecordError) as raised:
        refuse()
    message = str(raised.value)
    assert message.startswith(field)
    assert "is not valid Unicode text: it holds a surrogate code point" in message


def naive(at: str) -> str:
    (sample,) = ceilometer.samples(
        [cpu("s1", timestamp=at)], meters=[ceilometer.CPU_HOURS], naive_utc=True
    )
    return str(sample.at)


@pytest.mark.parametrize(
    ("at", "read"),
    [
        ("2026-03-02T08:00:00", "2026-03-02 08:00:00+00:00"),
        ("2026-03-02 08:00:00", "2026-03-02 08:00:00+00:00"),
        ("2026-03-02t08:00", "2026-03-02 08:00:00+00:00"),
        ("2026-03-02T08:00:00.5", "2026-03-02 08:00:00.500000+00:00"),
        ("2026-03-02T08:00:00,123456", "2026-03-02 08:00:00.123456+00:00"),
        ("2026-03-02T08:00:00.1234560", "2026-03-02 08:00:00.123456+00:00"),
        # an offset given is read as given, with or without the option
        ("2026-03-02T09:00:00+01:00", "2026-03-02 08:00:00+00:00"),
        ("2026-03-02T08:00:00Z", "2026-03-02 08:00:00+00:00"),
    ],
)
def test_naive_utc_reads_every_instant_the_door_reads_its_offset_left_out(
    at: str, read: str
) -> None:
    assert naive(at) == read


@pytest.mark.parametrize(
    ("at", "says"),
    [
        (
            "2026-03-02",
            (
                "is a date without a time of day, not an instant; write its time, like "
                "'2026-03-02T00:00:00' (read as UTC)."
            ),
        ),
        ("2026-03-02T08", "is not an instant ratekit reads"),
        ("20260302T080000", "is not an instant ratekit reads"),
        ("2026-W10-1T08:00:00", "is not an instant ratekit reads"),
        ("2026-061T08:00:00", "is not an instant ratekit reads"),
        (" 2026-03-02T08:00:00", "is not an instant ratekit reads (it has blanks around it)"),
        ("2026-03-02T08:00:00\n", "is not an instant ratekit reads (it has blanks around it)"),
        ("2026-03-02T08:00:00.1234567", "finer than a microsecond (.1234567)"),
        ("2026-03-02T08:00:60", "is a leap second"),
        ("2026-02-30T08:00:00", "no such date or time"),
        ("٢٠٢٦-03-02T08:00:00", "is not an instant ratekit reads"),
    ],
)
def test_naive_utc_refuses_the_rest_as_the_door_does(at: str, says: str) -> None:
    with pytest.raises(rk.BadRecordError) as raised:
        naive(at)
    message = str(raised.value)
    assert message.startswith("Ceilometer sample [0].timestamp")
    assert says in message
    assert "pass naive_utc=True" not in message


def test_without_naive_utc_a_date_alone_is_not_said_to_be_read_with_it() -> None:
    with pytest.raises(rk.BadRecordError) as raised:
        ceilometer.samples([cpu("s1", timestamp="2026-03-02")], meters=[ceilometer.CPU_HOURS])
    assert "naive_utc" not in str(raised.value)
    with pytest.raises(rk.BadRecordError, match="pass naive_utc=True"):
        ceilometer.samples(
            [cpu("s1", timestamp="2026-03-02T08:00:00")], meters=[ceilometer.CPU_HOURS]
        )


def test_a_garbled_name_is_refused_naming_the_field_and_the_name_it_resembles() -> None:
    with pytest.raises(rk.BadRecordError) as raised:
        ceilometer.samples(
            [cpu("s1", counter_name=" Cpu\t")],
            meters=[ceilometer.CPU_HOURS],
            naive_utc=True,
            unknown="skip",
        )
    assert str(raised.value) == (
        "Ceilometer sample [0].counter_name is ' Cpu\\t', which is meter 'cpu' but for its "
        "case or the blanks around it; write 'cpu' (unknown='skip' skips only the names no "
        "record of this feed reads, never a known one misspelt)."
    )
    with pytest.raises(rk.BadRecordError) as raised:
        borel.usage_rows([borel_row(resource="CPU-USAGE")], period=MARCH, unknown="skip")
    assert str(raised.value).startswith(
        "Borel row [0].resource is 'CPU-USAGE', which is meter 'cpu-usage' but for its case"
    )
    with pytest.raises(rk.BadRecordError) as raised:
        ceilometer.instance_notifications(
            [{**nova_create(NOVA), "event_type": "Compute.Instance.Delete.End"}],
            naive_utc=True,
            unknown="skip",
        )
    assert str(raised.value).startswith(
        "Nova notification [0].event_type is 'Compute.Instance.Delete.End', which is type "
        "'compute.instance.delete.end' but for its case"
    )
    with pytest.raises(rk.BadRecordError) as raised:
        cloudevents.usage_events(
            [{**cloud_event("t1", "//gw"), "type": "com.example.llm.tokens\n"}], SKIP_SPEC
        )
    assert str(raised.value).startswith(
        "CloudEvent [0].type is 'com.example.llm.tokens\\n', which is type "
        "'com.example.llm.tokens' but for its case"
    )


def test_a_meter_whose_own_name_differs_only_by_case_is_read_by_its_name() -> None:
    # two meters of names one case apart: each name read is its own meter's, not refused
    upper = rk.Meter("CPU", "hour", rk.Counter())
    samples = ceilometer.samples(
        [cpu("s1", counter_name="CPU"), cpu("s2", counter_name="cpu")],
        meters=[ceilometer.CPU_HOURS, upper],
        naive_utc=True,
        unknown="skip",
    )
    assert [sample.meter for sample in samples] == ["CPU", "cpu"]
