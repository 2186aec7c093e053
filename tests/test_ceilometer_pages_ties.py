"""Ceilometer's metadata read page by page with ``previous=``, ties at one instant included.

docs/adapters.md: samples of one resource at one instant that disagree about the metadata
are decided by the one whose id sorts first, and pages read in any order give the
descriptions of one call. An earlier call's update cannot be taken back, so where a later
call's sample sorts first at an instant an earlier call decided, its update is named after
the earlier ones (``<last id>/then/<sample id>/metadata``) and metering, which applies the
updates of one instant in id order, applies it last. Oracle: one call over the whole feed.
"""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ratekit as rk
from _budget import LAWS
from _ceilometer_gauges import gauge
from ratekit.adapters import ceilometer

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MEMORY = rk.Meter("memory.usage", "MiB", rk.Max())
FLAVOR_HOURS = rk.Meter("flavor.hours", "hour", rk.OnOff(when={"flavor": "m1.large"}))
METERS = [ceilometer.INSTANCE_HOURS, FLAVOR_HOURS, MEMORY]

#: Metadata that disagree in a key's value, in a key dropped, or in everything.
METADATA: list[dict[str, Any]] = [
    {"state": "running", "flavor": {"name": "m1.small"}},
    {"state": "stopped", "flavor": {"name": "m1.small"}},
    {"state": "running", "flavor": {"name": "m1.large"}, "tag": "gpu"},
    {"state": "running"},
    {},
]
#: Ids whose order changes with the ``/metadata`` suffix: 'a' < 'a-b', 'a-b/metadata' < 'a/metadata'.
IDS = ["a", "a-b", "b", "c", "c.0", "d"]


def _sample(message_id: str, resource: str, hour: int, metadata: dict[str, Any]) -> dict[str, Any]:
    return gauge(message_id, hour, metadata, resource)


def _read(feed: list[dict[str, Any]], previous: list[rk.Sample | rk.Event]) -> list[Any]:
    return ceilometer.samples(feed, meters=METERS, describe=True, previous=previous)


def _rows(records: list[rk.Sample | rk.Event]) -> list[tuple[object, ...]]:
    usage = rk.meter(records, METERS, span=MARCH, cycle=None, as_of="2026-03-03T00:00:00Z")
    return sorted(
        (
            row.resource,
            row.meter,
            repr(row.span),
            row.quantity,
            repr(sorted(row.description.items())),
        )
        for row in usage.rows
    )


@st.composite
def _feeds(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Samples of two instances at few hours (so ties), some delivered twice, in any order.

    Every sample carries metadata: an earlier call's sample that made no update is taken
    to carry the description in force at it (a `Sample` does not say whether it had any).
    """
    chosen = draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=len(IDS), unique=True))
    feed = [
        _sample(
            f"{resource}-{message_id}" if draw(st.booleans()) else message_id,
            resource,
            draw(st.integers(8, 10)),
            dict(draw(st.sampled_from(METADATA))),
        )
        for message_id in chosen
        for resource in [draw(st.sampled_from(["vm-1", "vm-2"]))]
    ]
    feed += draw(st.lists(st.sampled_from(feed), max_size=3))  # delivered again
    if draw(st.booleans()):  # newest first, as /v2/samples lists them; ties in any order
        newest = draw(st.permutations(feed))
        return sorted(newest, key=lambda sample: sample["timestamp"], reverse=True)
    return draw(st.permutations(feed))


@pytest.mark.property
@settings(max_examples=LAWS)
@given(_feeds(), st.lists(st.integers(1, 8), max_size=4), st.randoms(use_true_random=False))
def test_pages_read_in_any_order_with_previous_meter_as_one_call(
    feed: list[dict[str, Any]], cuts: list[int], rng: random.Random
) -> None:
    edges = sorted({0, *(cut for cut in cuts if cut < len(feed)), len(feed)})
    pages = [feed[a:b] for a, b in itertools.pairwise(edges)]
    rng.shuffle(pages)
    records: list[rk.Sample | rk.Event] = []
    for page in pages:
        records += _read(page, records)
    assert _rows(records) == _rows(_read(feed, []))


def test_three_calls_each_sorting_first_at_one_instant_leave_the_first_ids_description() -> None:
    # 'c' (running), then 'b' (stopped), then 'a' (large, tagged gpu), all at 09:00
    later_first = [
        _sample("c", "vm-1", 9, METADATA[0]),
        _sample("b", "vm-1", 9, METADATA[1]),
        _sample("a", "vm-1", 9, METADATA[2]),
    ]
    records: list[rk.Sample | rk.Event] = []
    for sample in later_first:
        records += _read([sample], records)
    updates = [record.id for record in records if isinstance(record, rk.Event)]
    # each update is named after the last one at its instant, so it sorts after it
    assert updates == [
        "c/metadata",
        "c/metadata/then/b/metadata",
        "c/metadata/then/b/metadata/then/a/metadata",
    ]
    assert updates == sorted(updates)
    # 'a' decides: running on m1.large from 09:00 to as_of 00:00 = 15 h of flavor.hours
    flavor = [row.quantity for row in rk.meter(
        records, METERS, span=MARCH, cycle=None, as_of="2026-03-03T00:00:00Z"
    ).rows if row.meter == "flavor.hours"]  # fmt: skip
    assert flavor == [Decimal(15)]
    assert _rows(records) == _rows(_read(later_first, []))


def test_a_later_sample_that_sorts_after_an_earlier_calls_makes_no_update() -> None:
    # 'a' (stopped) read first decides 09:00; 'b' (running) read later changes nothing,
    # even where 'a' made no update (its metadata was the one in force)
    stopped = [_sample("s", "vm-1", 8, METADATA[1]), _sample("a", "vm-1", 9, METADATA[1])]
    first = _read(stopped, [])
    later = _read([_sample("b", "vm-1", 9, METADATA[0])], first)
    assert [record for record in later if isinstance(record, rk.Event)] == []


@pytest.mark.parametrize("message_id", ["a/then/b", "/then/", "x/then/y/metadata"])
def test_a_described_samples_id_holding_then_is_refused_naming_it(message_id: str) -> None:
    # 'a/then/b' would be read back as the update of sample 'b' (the part after the last
    # '/then/'), so a later page's replay of 'b' would be taken for this sample's.
    feed = [_sample("ok", "vm", 8, METADATA[0]), _sample(message_id, "vm", 9, METADATA[1])]
    with pytest.raises(rk.BadRecordError) as raised:
        _read(feed, [])
    assert str(raised.value) == (
        f"Ceilometer sample [1].message_id is {message_id!r}, which holds '/then/': with "
        "describe=True a sample's id may not hold it (an update that follows another at "
        "one instant is named '<update id>/then/<sample id>/metadata'); Ceilometer's "
        "message_ids are UUIDs."
    )


def test_a_refused_id_under_the_id_key_is_named_there() -> None:
    item = _sample("a/then/b", "vm", 9, METADATA[1])
    item["id"] = item.pop("message_id")
    with pytest.raises(rk.BadRecordError, match=r"^Ceilometer sample \[0\]\.id is 'a/then/b'"):
        _read([item], [])


def test_an_id_holding_then_is_read_as_any_other_without_describe() -> None:
    # Without describe=True no update is named after a sample: the id is kept as written.
    feed = [_sample("a/then/b", "vm", 8, METADATA[0])]
    (sample,) = ceilometer.samples(feed, meters=METERS)
    assert sample.id == "a/then/b"
