"""Laws of the Cloud Foundry adapter's identity and order, against the feed read once.

A feed of events for a few apps, stamped on a handful of instants (so that ties and
events stamped before the one listed before them are common), cut into pages anywhere,
pages delivered again anywhere later, and read in any number of calls (each passing the
events read before as ``previous``): the records, once replays are removed by id, are
exactly those of the feed read once, and each app's ``seq`` increases in the feed's order.
"""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

import ratekit as rk
from _budget import LAWS
from ratekit.adapters import cloudfoundry as cf

APPS = ["app-a", "app-b", "app-c"]


def _event(index: int, app: str, minute: int, state: str, memory: int) -> dict[str, object]:
    return {
        "guid": f"g{index}",
        "created_at": f"2026-03-02T10:{minute:02d}:00Z",
        "state": {"current": state, "previous": None},
        "app": {"guid": app, "name": app},
        "process": {"guid": app, "type": "web"},
        "space": {"guid": "space-1", "name": "prod"},
        "organization": {"guid": "org-1"},
        "memory_in_mb_per_instance": {"current": memory, "previous": None},
        "instance_count": {"current": 1, "previous": None},
    }


@st.composite
def feeds(draw: st.DrawFn) -> list[dict[str, object]]:
    rows = draw(
        st.lists(
            st.tuples(
                st.sampled_from(APPS),
                st.integers(0, 4),
                st.sampled_from(["STARTED", "STOPPED"]),
                st.sampled_from([256, 512]),
            ),
            min_size=1,
            max_size=8,
        )
    )
    return [_event(index, *row) for index, row in enumerate(rows)]


def _cut(draw: st.DrawFn, items: list[object], most: int) -> list[list[object]]:
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(items) - 1)), max_size=most)))
    bounds = [0, *[cut for cut in cuts if cut < len(items)], len(items)]
    return [items[start:end] for start, end in itertools.pairwise(bounds) if end > start]


def _unique(events: list[rk.Event]) -> list[rk.Event]:
    seen: dict[str | None, rk.Event] = {}
    for event in events:
        first = seen.setdefault(event.id, event)
        assert first == event, "a replay must equal its first reading"
    return list(seen.values())


@settings(max_examples=LAWS)
@given(st.data(), feeds())
def test_any_paging_replay_and_cut_into_calls_reads_the_feed_once(
    data: st.DataObject, feed: list[dict[str, object]]
) -> None:
    once = cf.app_usage_events(feed)
    pages = _cut(data.draw, list(feed), 4)
    # Pages delivered again: each replayed page comes again somewhere after itself.
    delivered = [{"resources": page} for page in pages]
    for _ in range(data.draw(st.integers(0, 2))):
        index = data.draw(st.integers(0, len(pages) - 1))
        at = data.draw(st.integers(index + 1, len(delivered)))
        delivered.insert(at, {"resources": pages[index]})
    assert _unique(cf.app_usage_events(delivered)) == once
    calls = _cut(data.draw, list(delivered), 3)
    read: list[rk.Event] = []
    for call in calls:
        read += cf.app_usage_events(call, previous=read)
    assert _unique(read) == once


@settings(max_examples=LAWS)
@given(feeds())
def test_each_apps_seq_increases_in_the_feeds_order_and_never_precedes_its_instant(
    feed: list[dict[str, object]],
) -> None:
    last: dict[str, int] = {}
    for event in cf.app_usage_events(feed):
        assert event.seq is not None
        assert event.seq >= event.at_us
        assert event.seq > last.get(event.resource, -1)
        # The seq is the instant unless the instant would not follow the app's last event.
        if event.resource not in last or event.at_us > last[event.resource]:
            assert event.seq == event.at_us
        else:
            assert event.seq == last[event.resource] + 1
        last[event.resource] = event.seq
