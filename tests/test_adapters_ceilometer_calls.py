"""Ceilometer's metadata read call by call: a key dropped in a later call is removed.

With ``describe=True`` an update sets every key the metadata no longer has to ``None``,
so that a dropped ``billing: gpu`` tag stops selecting the GPU price. A poller reads the
feed call by call; each call knew only its own samples, so a tag dropped in the second
call stayed in the description for good. Passing the records read before as
``previous`` gives, for a feed read forward in time, the same records as one call.
"""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ratekit as rk
from _budget import LAWS
from _ceilometer_gauges import gauge
from ratekit.adapters import ceilometer

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MEMORY = rk.Meter("memory.usage", "MiB", rk.Max())
HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.monthly(tz="UTC"),
    [
        rk.PriceEntry("gpu", "vm.hours", rk.PerUnit("1.00"), where={"billing": "gpu"}),
        rk.PriceEntry("plain", "vm.hours", rk.PerUnit("0.10"), where={"flavor": "m1"}, priority=-1),
    ],
)


def read(
    feed: list[dict[str, object]], previous: list[rk.Event | rk.Sample] | None = None
) -> list[rk.Event | rk.Sample]:
    if previous is None:
        return ceilometer.samples(feed, meters=[MEMORY], describe=True)
    return ceilometer.samples(feed, meters=[MEMORY], describe=True, previous=previous)


FEED = [
    gauge("s1", 8, {"flavor": "m1", "billing": "gpu"}),
    gauge("s2", 10, {"flavor": "m1"}),
]


def _bill(records: list[rk.Event | rk.Sample]) -> Decimal:
    events = [record for record in records if isinstance(record, rk.Event)]
    return rk.rate(events, PLAN, span=MARCH, meters=[HOURS], as_of="2026-03-02T12:00:00Z").total()


def test_a_tag_dropped_in_a_later_call_is_removed_as_in_one_call() -> None:
    first = read(FEED[:1])
    later = read(FEED[1:], previous=first)
    assert first + later == read(FEED)
    # 08:00-10:00 tagged gpu, 2 h x 1.00 = 2.00; 10:00-12:00 plain, 2 h x 0.10 = 0.20:
    # 2.20 (a tag that stayed would bill 4 h x 1.00 = 4.00)
    assert _bill(first + later) == Decimal("2.20")


def test_a_sample_read_again_with_previous_makes_no_second_update() -> None:
    first = read(FEED)
    assert read(FEED, previous=first) == first


def test_a_sample_read_again_with_other_metadata_is_refused_across_calls() -> None:
    first = read(FEED)
    with pytest.raises(rk.BadRecordError) as caught:
        read([gauge("s2", 10, {"flavor": "m2"})], previous=first)
    assert str(caught.value) == (
        "Ceilometer sample [0].resource_metadata differs from the metadata its sample 's2' "
        "had when read before (update 's2/metadata'): a sample delivered again must carry "
        "the same metadata."
    )


def test_previous_must_be_records() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        ceilometer.samples(FEED, meters=[MEMORY], describe=True, previous=[1])
    assert "previous" in str(caught.value)


METADATA = [{}, {"flavor": "m1"}, {"flavor": "m1", "billing": "gpu"}, {"billing": "gpu"}]


@settings(max_examples=LAWS)
@given(
    st.lists(st.sampled_from(METADATA), min_size=1, max_size=6),
    st.lists(st.integers(1, 5), max_size=3),
)
def test_a_feed_read_forward_in_any_cut_into_calls_gives_the_records_of_one_call(
    metadata: list[dict[str, object]], cuts: list[int]
) -> None:
    feed = [gauge(f"s{index}", 8 + index, dict(meta)) for index, meta in enumerate(metadata)]
    records: list[rk.Event | rk.Sample] = []
    start = 0
    for cut in [*sorted(cuts), len(feed)]:
        if cut > start:
            records += read(feed[start:cut], previous=records)
            start = cut
    assert records == read(feed)


def test_a_feed_read_backward_call_by_call_gives_the_bill_of_one_call() -> None:
    # /v2/samples lists the newest first: its second page holds the earlier samples
    newest = read(FEED[1:])
    records = newest + read(FEED[:1], previous=newest)
    # as in one call: 2 h x 1.00 + 2 h x 0.10 = 2.20 (it bills 4 h x 1.00 = 4.00)
    assert _bill(records) == Decimal("2.20")
    # the later call makes s2's update anew, the tag its s1 put in force removed at 10:00
    assert records[-1] == rk.Event(
        "p-1", "vm-1", "2026-03-02T10:00:00Z", {"flavor": "m1", "billing": None}, kind="update",
        id="s2/after/s1/metadata",
    )  # fmt: skip
    # read again, the call gives s1's update again and nothing new: the tag is removed
    assert read(FEED[:1], previous=records) == records[2:4]


def _rows(records: list[rk.Event | rk.Sample]) -> list[tuple[str, Decimal]]:
    """Hours per description, as a plan prices them."""
    events = [record for record in records if isinstance(record, rk.Event)]
    usage = rk.meter(events, [HOURS], span=MARCH, cycle=None, as_of="2026-03-02T12:00:00Z")
    hours: dict[str, Decimal] = {}
    for row in usage.rows:
        key = repr(sorted(row.description.items()))
        hours[key] = hours.get(key, Decimal(0)) + row.quantity
    return sorted(hours.items())


@pytest.mark.property
@settings(max_examples=LAWS)
@given(
    st.lists(st.sampled_from(METADATA), min_size=1, max_size=6),
    st.lists(st.integers(1, 5), max_size=3),
    st.randoms(use_true_random=False),
)
def test_a_feed_read_in_any_order_of_calls_gives_the_hours_of_one_call(
    metadata: list[dict[str, object]], cuts: list[int], rng: random.Random
) -> None:
    # Oracle: one call over the whole feed; the pages are read in any order (newest
    # first, as /v2/samples pages), each call given the records read before it.
    feed = [gauge(f"s{index}", 8 + index, dict(meta)) for index, meta in enumerate(metadata)]
    edges = sorted({0, *(c for c in cuts if c < len(feed)), len(feed)})
    pages = [feed[a:b] for a, b in itertools.pairwise(edges)]
    rng.shuffle(pages)
    records: list[rk.Event | rk.Sample] = []
    for page in pages:
        records += read(page, previous=records)
    assert _rows(records) == _rows(read(feed))
