"""Under ``order="version"``, two different events of one resource with one version are refused.

Instance ``foo`` started (version 1) on 12 December at 12:00 in ``large``; version 2 was
given twice, to a stop at 13:00 and to a start in ``small`` at 12:30. A version is the
emitter's per-resource counter, the order ``order="version"`` trusts over the clocks, so
one of the two lost its own; they were ordered by time without a word: the restart
first, then the stop, 12:00..13:00 = 1 instance-hour. Had the restart come after the
stop, the instance ran 12:00..12:30 and from 12:30 to 1 January: 0.5 h + 467.5 h = 468 h.
Now the second is refused naming both events and the version; the same event sent twice
(one id) is read, and metering reports the duplicate and bills it once.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit.adapters import exoscale

DECEMBER = rk.Span("2016-12-01T00:00:00Z", "2017-01-01T00:00:00Z")


def _event(
    action: str, time: str, version: object, uuid: str = "foo", **fields: object
) -> dict[str, object]:
    return {
        "type": "usage",
        "entity": "vm",
        "action": action,
        "time": time,
        "account": "WAD",
        "uuid": uuid,
        "version": version,
        **fields,
    }


START = _event("start", "2016-12-12T12:00:00Z", 1, offering="large")
STOP = _event("stop", "2016-12-12T13:00:00Z", 2)
RESTART = _event("start", "2016-12-12T12:30:00Z", 2, offering="small")


def _hours(feed: list[dict[str, object]], order: str = "version") -> Decimal:
    events = exoscale.usage_events(feed, order=order)  # type: ignore[arg-type]
    usage = rk.meter(
        events, [exoscale.INSTANCE_HOURS], span=DECEMBER, cycle=None, as_of=DECEMBER.end
    )
    return usage.total()


def test_two_events_with_one_version_are_refused_not_ordered_by_time() -> None:
    with pytest.raises(rk.BadRecordError) as raised:
        _hours([START, STOP, RESTART])  # was: 1 hour, the stop after the restart
    assert str(raised.value) == (
        "Exoscale usage event [2].version is 2, the version of [1] too: "
        "'foo/stop/2016-12-12T13:00:00Z' and 'foo/start/2016-12-12T12:30:00Z' of resource "
        "'foo' (account 'WAD') are two events with one version. A version is the emitter's "
        "per-resource counter, so one of them has lost its own: give each event of a "
        "resource its own version (the same event sent twice, with one action and time, is "
        "a duplicate), or read them with order='time'."
    )


def test_with_their_own_versions_the_emitters_order_is_billed() -> None:
    # restart as version 3: 12:00..12:30 large, stop at 13:00 (version 2) comes first, so
    # the restart at 12:30 runs it to 1 January: 0.5 h + 19 days 11.5 h = 468 h
    assert _hours([START, STOP, {**RESTART, "version": 3}]) == Decimal(468)
    # restart as version 2, stop as 3: 12:00..13:00 = 1 h
    assert _hours([START, {**STOP, "version": 3}, RESTART]) == Decimal(1)


def test_the_same_event_sent_twice_is_a_duplicate_billed_once() -> None:
    # 12 December 12:00 to 1 January: 19 days 12 hours = 468 h, once
    events = exoscale.usage_events([START, START], order="version")
    usage = rk.meter(
        events, [exoscale.INSTANCE_HOURS], span=DECEMBER, cycle=None, as_of=DECEMBER.end
    )
    assert usage.total() == Decimal(468)
    assert [anomaly.kind for anomaly in usage.anomalies] == ["duplicate"]


def test_one_version_in_two_resources_or_under_order_time_is_read() -> None:
    other = _event("start", "2016-12-12T12:00:00Z", 1, uuid="bar", offering="large")
    assert len(exoscale.usage_events([START, other], order="version")) == 2
    # under order="time" the clocks order the events and the version is not the order
    assert _hours([START, STOP, RESTART], order="time") == Decimal(1)


def test_the_message_names_the_keyword_forms_as_read() -> None:
    # a leading ':' (EDN's keywords) is dropped: the ids are the ones the records carry
    feed = [{**START, "action": ":start"}, {**STOP, "version": 1, "action": ":stop"}]
    with pytest.raises(
        rk.BadRecordError,
        match=r"^Exoscale usage event \[1\]\.version is 1, the version of \[0\] too: 'foo/start/2016-12-12T12:00:00Z' and 'foo/stop/2016-12-12T13:00:00Z'",
    ):
        exoscale.usage_events(feed, order="version")


def test_an_iterable_feed_is_checked_as_it_is_read() -> None:
    with pytest.raises(rk.BadRecordError, match=r"^Exoscale usage event \[2\]\.version is 2"):
        exoscale.usage_events(iter([START, STOP, RESTART]), order="version")


_ACTIONS = ("create", "start", "stop", "destroy")


@st.composite
def _feeds(draw: st.DrawFn) -> list[dict[str, object]]:
    size = draw(st.integers(0, 6))
    return [
        _event(
            draw(st.sampled_from(_ACTIONS)),
            f"2016-12-12T1{draw(st.integers(0, 3))}:00:00Z",
            draw(st.integers(1, 3)),
            uuid=draw(st.sampled_from(["foo", "bar"])),
            offering="large",
        )
        for _ in range(size)
    ]


@pytest.mark.property
@settings(max_examples=LAWS)
@given(feed=_feeds())
def test_law_one_version_per_event_of_a_resource(feed: list[dict[str, object]]) -> None:
    # Oracle, pair by pair: two events of one resource with one version are the same
    # event (one action and time), and one event (one resource, action and time) has one
    # version, or the feed is refused at the later one's version.
    conflict = None
    for later, item in enumerate(feed):
        for earlier in range(later):
            other = feed[earlier]
            same_version = (item["uuid"], item["version"]) == (other["uuid"], other["version"])
            same_event = (item["uuid"], item["action"], item["time"]) == (
                other["uuid"],
                other["action"],
                other["time"],
            )
            if same_version != same_event:
                conflict = later
                break
        if conflict is not None:
            break
    if conflict is not None:
        with pytest.raises(
            rk.BadRecordError, match=rf"^Exoscale usage event \[{conflict}\]\.version"
        ):
            exoscale.usage_events(feed, order="version")
        return
    events = exoscale.usage_events(feed, order="version")
    alone = [exoscale.usage_events([item], order="version")[0] for item in feed]
    assert events == alone


def test_a_version_is_checked_against_the_events_read_before() -> None:
    # pages read call by call: the second page's restart repeats the first page's version 2
    first = exoscale.usage_events([START, STOP], order="version")
    with pytest.raises(rk.BadRecordError) as raised:
        exoscale.usage_events([RESTART], order="version", previous=first)
    assert str(raised.value) == (
        "Exoscale usage event [0].version is 2, the version of an event read before "
        "(previous) too: 'foo/stop/2016-12-12T13:00:00Z' and 'foo/start/2016-12-12T12:30:00Z' "
        "of resource 'foo' (account 'WAD') are two events with one version. A version is the "
        "emitter's per-resource counter, so one of them has lost its own: give each event of "
        "a resource its own version (the same event sent twice, with one action and time, is "
        "a duplicate), or read them with order='time'."
    )
    # a page delivered again is a duplicate, and a new version is read
    again = exoscale.usage_events(
        [STOP, {**RESTART, "version": 3}], order="version", previous=first
    )
    assert [event.seq for event in again] == [2, 3]
    # events read under order="time" have no version to compare
    by_time = exoscale.usage_events([START, STOP], order="time")
    assert len(exoscale.usage_events([RESTART], order="version", previous=by_time)) == 1
    assert len(exoscale.usage_events([RESTART], order="version", previous=None)) == 1


@pytest.mark.parametrize(
    ("previous", "message"),
    [
        ("events", "previous must be the events read before (a list of Event), not 'events'."),
        ({"a": 1}, "previous must be the events read before (a list of Event), not {'a': 1}."),
        (3, "previous must be the events read before (a list of Event), not 3."),
        ([START["uuid"]], "previous must hold the events this adapter read before, not 'foo'."),
    ],
)
def test_previous_that_is_not_a_list_of_events_is_refused(previous: object, message: str) -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        exoscale.usage_events([START], order="version", previous=previous)  # type: ignore[arg-type]
    assert str(raised.value) == message
