"""``ceilometer.samples(describe=True)``: a sample without metadata says nothing of its resource.

A sample's ``resource_metadata`` is its resource's whole metadata, so a key it no longer
has is removed. A sample that carries no metadata at all (the key absent, or ``null``) was
read as an *empty* metadata: an update removing every key, the instance's ``state``
included, so ``INSTANCE_HOURS`` stopped billing it until the next sample with metadata
(an hour of a four-hour run lost below). It now makes no update, and is no replay
conflict either; an empty metadata (``{}``) still empties the description.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk
from ratekit.adapters import ceilometer

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
FULL = {"state": "active", "flavor": {"name": "m1.small"}}
ABSENT = object()


def cpu(number: int, at: str, metadata: object) -> dict[str, object]:
    sample: dict[str, object] = {
        "message_id": f"m{number}",
        "counter_name": "cpu",
        "counter_type": "cumulative",
        "counter_unit": "ns",
        "counter_volume": number * 10**12,
        "project_id": "p-1",
        "resource_id": "vm-1",
        "timestamp": at,
    }
    if metadata is not ABSENT:
        sample["resource_metadata"] = metadata
    return sample


def instance_hours(feed: list[dict[str, object]]) -> Decimal:
    records = ceilometer.samples(feed, meters=[ceilometer.CPU_HOURS], describe=True)
    usage = rk.meter(
        records,
        [ceilometer.INSTANCE_HOURS, ceilometer.CPU_HOURS],
        span=MARCH,
        cycle=None,
        as_of="2026-03-02T12:00:00Z",
    )
    return sum((row.quantity for row in usage.rows if row.meter == "instance.hours"), Decimal(0))


@pytest.mark.parametrize("missing", [ABSENT, None], ids=["absent", "null"])
def test_a_sample_without_metadata_leaves_the_description_in_force(missing: object) -> None:
    feed = [
        cpu(1, "2026-03-02T08:00:00Z", FULL),
        cpu(2, "2026-03-02T09:00:00Z", missing),
        cpu(3, "2026-03-02T10:00:00Z", FULL),
    ]
    records = ceilometer.samples(feed, meters=[ceilometer.CPU_HOURS], describe=True)
    assert [record.id for record in records] == ["m1/metadata", "m1", "m2", "m3"]
    assert instance_hours(feed) == Decimal(4)  # 08:00 to as_of, 12:00; was 3
    # in the API's shape too ("metadata"), and newest first
    api = [{**sample, "metadata": sample.pop("resource_metadata", None)} for sample in feed]
    assert instance_hours(api[::-1]) == Decimal(4)


def test_a_replay_without_metadata_is_no_conflict() -> None:
    feed = [cpu(1, "2026-03-02T08:00:00Z", FULL), cpu(1, "2026-03-02T08:00:00Z", ABSENT)]
    records = ceilometer.samples(feed, meters=[ceilometer.CPU_HOURS], describe=True)
    assert [record.id for record in records] == ["m1/metadata", "m1", "m1"]


def test_an_empty_metadata_still_empties_the_description() -> None:
    feed = [
        cpu(1, "2026-03-02T08:00:00Z", FULL),
        cpu(2, "2026-03-02T09:00:00Z", {}),
        cpu(3, "2026-03-02T10:00:00Z", FULL),
    ]
    assert instance_hours(feed) == Decimal(3)
