"""Laws of the adapters' feeds, against brute-force oracles.

Cloud Foundry: processes started, scaled and stopped, their feed cut into pages anywhere,
some pages delivered again, read call by call with ``previous``: the memory billed in a
month is the sum, over the runs the events describe, of memory x instances x hours, and
every event is accounted for. Exoscale: instances created, stopped, started and destroyed,
their events shuffled and delivered twice: the instance-hours billed are the hours the
lifecycles spend running, each event accounted for.
"""

from __future__ import annotations

import datetime
import itertools
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit.adapters import cloudfoundry, exoscale

MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MARCH_START = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
MARCH_END = datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC)


def stamp(minutes: int) -> str:
    """An instant `minutes` after 28 February 00:00Z, written with an offset of +01:00."""
    at = MARCH_START - datetime.timedelta(days=1) + datetime.timedelta(minutes=minutes)
    return at.astimezone(datetime.timezone(datetime.timedelta(hours=1))).isoformat()


# One process's story: (minutes since the last event, state, memory, instances).
steps = st.lists(
    st.tuples(
        st.integers(1, 3000),
        st.sampled_from(["STARTED", "STOPPED"]),
        st.sampled_from([128, 256, 1024]),
        st.integers(1, 4),
    ),
    min_size=1,
    max_size=8,
)


def cf_feed(stories: list[list[tuple[int, str, int, int]]]) -> list[dict[str, Any]]:
    events = []
    for p, story in enumerate(stories):
        minutes = 0
        for n, (gap, state, memory, instances) in enumerate(story):
            minutes += gap
            events.append(
                (
                    minutes,
                    {
                        "metadata": {"guid": f"p{p}-{n}", "created_at": stamp(minutes)},
                        "entity": {
                            "state": state,
                            "memory_in_mb_per_instance": memory,
                            "instance_count": instances,
                            "app_guid": f"p{p}",
                            "app_name": "shop",
                            "space_guid": "space-1",
                            "org_guid": "org-1",
                            "process_type": "web",
                        },
                    },
                )
            )
    events.sort(key=lambda pair: pair[0])  # the Cloud Controller lists them oldest first
    return [event for _, event in events]


def cf_oracle(stories: list[list[tuple[int, str, int, int]]]) -> Fraction:
    """MiB x instances x hours in March, each run from a START to the next event."""
    total = Fraction(0)
    for story in stories:
        minutes, running = 0, None
        for gap, state, memory, instances in story:
            at = minutes + gap
            if running is not None:
                since, size = running
                total += size * overlap(since, at)
            running = (at, memory * instances) if state == "STARTED" else None
            minutes = at
        if running is not None:
            since, size = running
            total += size * overlap(since, 10**9)
    return total


def near(usage: rk.Usage, expected: Fraction) -> bool:
    """The total, each row's quantity split in time to 1E-24 (docs/guarantees.md).

    Its half-even rounding there is pinned in test_adapters_newcomer_faults.py.
    """
    return abs(Fraction(usage.total()) - expected) <= len(usage.rows) * Fraction(1, 10**24)


def overlap(start: int, end: int) -> Fraction:
    """Hours of [start, end) minutes since 28 February that fall in March."""
    first, last = 24 * 60, (24 + 31 * 24) * 60
    return Fraction(max(0, min(end, last) - max(start, first)), 60)


@pytest.mark.property
@settings(max_examples=LAWS // 4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stories=st.lists(steps, min_size=1, max_size=3),
    cuts=st.lists(st.integers(0, 30), max_size=4),
    again=st.lists(st.booleans(), max_size=6),
)
def test_cloud_foundry_pages_cut_anywhere_and_redelivered_bill_the_runs(
    stories: list[list[tuple[int, str, int, int]]], cuts: list[int], again: list[bool]
) -> None:
    feed = cf_feed(stories)
    bounds = sorted({0, len(feed), *(min(cut, len(feed)) for cut in cuts)})
    pages = [feed[a:b] for a, b in itertools.pairwise(bounds)]
    read: list[rk.Event] = []
    for n, page in enumerate(pages):
        read += cloudfoundry.app_usage_events({"resources": page}, previous=read)
        if n < len(again) and again[n]:
            read += cloudfoundry.app_usage_events({"resources": page}, previous=read)
    assert {event.id for event in read} == {event["metadata"]["guid"] for event in feed}
    usage = rk.meter(read, [cloudfoundry.APP_MEMORY], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    assert near(usage, cf_oracle(stories))
    assert {record.id for record in read} <= usage.accounted()


# One instance's lifecycle: created, then (minutes later) stopped and started in turn,
# perhaps destroyed at the end.
lifecycles = st.tuples(
    st.integers(0, 40 * 24 * 60),
    st.lists(st.integers(1, 5000), max_size=6),
    st.booleans(),
)


@pytest.mark.property
@settings(max_examples=LAWS // 4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    instances=st.lists(lifecycles, min_size=1, max_size=4),
    order=st.randoms(use_true_random=False),
    twice=st.lists(st.integers(0, 40), max_size=5),
)
def test_exoscale_events_shuffled_and_redelivered_bill_the_running_hours(
    instances: list[tuple[int, list[int], bool]], order: Any, twice: list[int]
) -> None:
    feed, expected = [], Fraction(0)
    for n, (created, gaps, destroyed) in enumerate(instances):
        actions = ["create"] + ["stop", "start"] * 3
        at, running_since = created, created
        times = [created]
        for gap in gaps:
            at += gap
            times.append(at)
        if destroyed:
            at += 7
            times.append(at)
        for k, minutes in enumerate(times):
            action = "destroy" if destroyed and k == len(times) - 1 else actions[k]
            feed.append(
                {
                    "type": "usage",
                    "entity": "vm",
                    "action": action,
                    "time": stamp(minutes),
                    "account": "acme",
                    "uuid": f"vm-{n}",
                    "offering": "medium",
                }
            )
            running = running_since is not None
            if action in {"stop", "destroy"} and running:
                expected += overlap(running_since, minutes)
                running_since = None
            elif action == "start":
                running_since = minutes
        if running_since is not None:
            expected += overlap(running_since, 10**9)
    delivered = feed + [feed[i % len(feed)] for i in twice]
    order.shuffle(delivered)
    events = exoscale.usage_events(delivered)
    assert len(events) == len(delivered)
    usage = rk.meter(events, [exoscale.INSTANCE_HOURS], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    assert near(usage, expected)
    assert {event.id for event in events} <= usage.accounted()


@pytest.mark.property
@settings(max_examples=LAWS // 4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stories=st.lists(steps, min_size=1, max_size=3),
    windows=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), max_size=6),
)
def test_cloud_foundry_polls_that_overlap_give_one_calls_records(
    stories: list[list[tuple[int, str, int, int]]], windows: list[tuple[int, int]]
) -> None:
    # Each poll re-reads from some event already read (an overlapping after_guid, a page
    # re-cut): with previous, every event read again is the record it was.
    feed = cf_feed(stories)
    whole = cloudfoundry.app_usage_events({"resources": feed})
    read: list[rk.Event] = []
    high = 0
    for back, length in windows:
        low = min(back, high)
        top = min(len(feed), max(high, low + length))
        read += cloudfoundry.app_usage_events({"resources": feed[low:top]}, previous=read)
        high = max(high, top)
    read += cloudfoundry.app_usage_events({"resources": feed[high:]}, previous=read)
    first: dict[str, rk.Event] = {}
    for event in read:
        assert first.setdefault(event.id, event) == event
    assert sorted(first.values(), key=lambda e: e.id) == sorted(whole, key=lambda e: e.id)
