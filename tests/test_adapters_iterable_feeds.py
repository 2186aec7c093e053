"""Every adapter reads a feed given as any iterable, read once, as it reads a list.

A host parsing a JSON-lines file or consuming a topic hands a generator; it was refused
as "must be a list of records". The records, their order, ids and anomalies are those
of the same feed given as a list, and a generator whose body raises is named at the
position it reached.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from tests._nova import notification

import ratekit as rk
from ratekit.adapters import borel, ceilometer, cloudevents, cloudfoundry, exoscale

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _cf(guid: str, at: str, state: str) -> dict[str, object]:
    return {
        "metadata": {"guid": guid, "created_at": at},
        "entity": {
            "state": state, "app_guid": "app-1", "org_guid": "org-1", "space_guid": "space-1",
            "memory_in_mb_per_instance": 512, "instance_count": 2,
        },
    }  # fmt: skip


def _ceilometer(n: int, at: str, volume: int) -> dict[str, object]:
    return {
        "message_id": f"m{n}", "counter_name": "cpu", "counter_type": "cumulative",
        "counter_unit": "ns", "counter_volume": volume, "project_id": "p-1",
        "resource_id": "vm-1", "timestamp": at, "resource_metadata": {},
    }  # fmt: skip


SPEC = cloudevents.Spec({"tokens": "llm.tokens"}, quantity="data.tokens", resource="data.model")

#: (name, the adapter read of a feed, the feed as a list)
CASES: list[tuple[str, Callable[[object], object], list[dict[str, object]]]] = [
    (
        "borel",
        lambda feed: borel.usage_rows(feed, period=MARCH),
        [
            {
                "customer-id": "21891",
                "quantity": 516570000000,
                "resource": "cpu-usage",
                "resource_id": "284a9f20",
                "uom": "cpu-ns",
            },
        ],
    ),
    (
        "ceilometer",
        lambda feed: ceilometer.samples(feed, meters=[ceilometer.CPU_HOURS]),
        [_ceilometer(0, "2026-03-02T08:00:00Z", 0), _ceilometer(1, "2026-03-02T10:00:00Z", 9)],
    ),
    (
        "nova",
        ceilometer.instance_notifications,
        [notification(), notification(event_type="delete.end", message_id="n2")],
    ),
    (
        "cloudevents",
        lambda feed: cloudevents.usage_events(feed, SPEC),
        [
            {
                "specversion": "1.0",
                "id": f"e-{n}",
                "source": "/gw",
                "type": "tokens",
                "subject": "c-1",
                "time": "2026-03-02T08:00:00Z",
                "data": {"tokens": 1200 + n, "model": "large"},
            }
            for n in range(3)
        ],
    ),
    (
        "cloudfoundry",
        cloudfoundry.app_usage_events,
        [
            _cf("e-1", "2026-03-02T08:00:00Z", "STARTED"),
            _cf("e-2", "2026-03-02T10:00:00Z", "STOPPED"),
            _cf("e-2", "2026-03-02T10:00:00Z", "STOPPED"),  # a replay
        ],
    ),
    (
        "exoscale",
        exoscale.usage_events,
        [
            {
                "type": "usage",
                "entity": "vm",
                "action": "start",
                "time": "2017-05-12T12:00:00Z",
                "account": "WAD",
                "uuid": "foo",
                "version": 1,
                "offering": "large",
            },
            {
                "type": "usage",
                "entity": "vm",
                "action": "stop",
                "time": "2017-05-12T12:15:00Z",
                "account": "WAD",
                "uuid": "foo",
                "version": 2,
            },
        ],
    ),
]
IDS = [name for name, _, _ in CASES]


@pytest.mark.parametrize(("name", "read", "feed"), CASES, ids=IDS)
def test_a_generator_reads_as_its_list(
    name: str, read: Callable[[object], object], feed: list[dict[str, object]]
) -> None:
    as_list = read(feed)
    assert as_list  # the list reads to records: the comparison below is not of two empties
    assert read(item for item in feed) == as_list
    assert read(iter(tuple(feed))) == as_list


@pytest.mark.parametrize(("name", "read", "feed"), CASES, ids=IDS)
def test_a_generator_that_raises_is_named_at_its_position(
    name: str, read: Callable[[object], object], feed: list[dict[str, object]]
) -> None:
    def broken() -> Iterator[dict[str, object]]:
        yield feed[0]
        raise OSError("the topic went away")

    with pytest.raises(rk.BadRecordError, match=r"\[1\].*OSError.*the topic went away"):
        read(broken())


@pytest.mark.parametrize("feed", [{"a": 1}, "text", b"bytes", bytearray(b"x"), 7, None])
def test_what_is_no_feed_is_still_refused(feed: object) -> None:
    with pytest.raises(rk.BadRecordError, match=r"feed must be a list of records"):
        exoscale.usage_events(feed)


def test_a_generator_of_gnocchi_measures_is_named_as_gnocchi() -> None:
    # Gnocchi's resources carry 'metrics': a list is checked whole before it is read, a
    # generator item by item, with the same words.
    gnocchi = [{"id": "r-1", "type": "instance", "metrics": {"cpu": "m-1"}}]
    with pytest.raises(rk.BadRecordError) as listed:
        ceilometer.samples(gnocchi, meters=[ceilometer.CPU_HOURS])
    with pytest.raises(rk.BadRecordError) as generated:
        ceilometer.samples(iter(gnocchi), meters=[ceilometer.CPU_HOURS])
    assert str(generated.value) == str(listed.value)
    assert "Gnocchi resource (with 'metrics')" in str(listed.value)
