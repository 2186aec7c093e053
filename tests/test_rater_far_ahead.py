"""A record stamped far ahead of the watermark keeps no closed cycle (docs/streaming.md).

A record fed before the watermark reaches it keeps the closed cycles it reaches back
into until it is metered, but only while it is stamped at most `rk.rater.MAX_AHEAD`
(92 days) past the watermark: the cycles close and compact past one stamped further,
so the state does not wait for its clock, and its part in the cycles compacted before
it is metered is too late, named by the statement that meters it (a sample's in a
``"too_late"`` anomaly with its quantity; an event's or an inventory's by the words
that statement has for them). The stream's lines plus the quantities named add up to
one batch `rk.rate()` over all the records.

Daily cycles, no horizon, 1 EUR per unit: a statement at midnight closes the day
before and compacts the one before that (the statement of day N keeps day N - 1 on).
Fed on 1 March, a record stamped on day 121 (29 June) is more than 92 days ahead until
the statement of day 29: the cycles compact past it until then. A delta whose span
they compacted into keeps none for good (its part there is lost already); a counter
reading or an event keeps them again from the statement of day 29 (the
kept cycles then start on day 27) until the one that meters it.
"""

from __future__ import annotations

import datetime as dt
import json
import typing
from collections.abc import Sequence
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ratekit as rk

UTC = dt.UTC
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
BYTES = rk.Meter("bytes", "B", rk.Counter())
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
METERS = [EGRESS, BYTES, VM]
DAILY = rk.cycles.daily(tz="UTC")
PLAN = rk.Plan(
    "p",
    "EUR",
    DAILY,
    [
        rk.PriceEntry("gb", "egress", rk.PerUnit(1)),
        rk.PriceEntry("b", "bytes", rk.PerUnit(1)),
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1)),
    ],
)

Record = rk.Event | rk.Sample | rk.Inventory


def day(number: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, 1, tzinfo=UTC) + dt.timedelta(days=number - 1, hours=hour)


def batch_total(records: Sequence[Record], until: dt.datetime) -> Decimal:
    span = rk.Span(day(1), until)
    usage = rk.meter(records, METERS, span=span, cycle=DAILY, as_of=until)
    return rk.rate(usage, PLAN, span=span, as_of=until).total()


FAR = 121  # 29 June: more than 92 days after every watermark before day 29
END = FAR + 3


def stream(
    first: Sequence[Record], ahead: Record, until: int = END
) -> tuple[Decimal, list[rk.Anomaly], list[int]]:
    """Feed ``first``, then ``ahead`` on 1 March; statements each midnight to ``until``.

    The lines' total, every anomaly said, and the snapshot's size on day 11 and day 28.
    """
    rater = rk.Rater(PLAN, METERS, start=day(1))
    rater.feed(first)
    assert rater.feed([ahead]).accepted == (ahead.id,)
    total, said, sizes = Decimal(0), [], []
    for number in range(2, until + 1):
        statement = rater.statement(day(number))
        total += statement.total()
        said += statement.anomalies
        if number in {11, 28}:
            sizes.append(len(json.dumps(rater.snapshot())))
    return total, said, sizes


def named(anomalies: Sequence[rk.Anomaly]) -> Decimal:
    return sum(
        (a.quantity for a in anomalies if a.kind in {"too_late", "late"} and a.quantity),
        Decimal(0),
    )


def test_the_bound_is_92_days() -> None:
    assert dt.timedelta(days=92) == rk.rater.MAX_AHEAD


def test_a_delta_over_a_span_keeps_no_cycle_and_its_compacted_part_is_named() -> None:
    far = rk.Sample("a", "x", "egress", day(FAR), 1200, since=day(1), id="far")
    total, said, sizes = stream([], far)
    # 1200 GB over 120 days: 10 a day. The kept cycles start on day 119 when the
    # statement of day 121 meters it: days 119 and 120 billed, 20; days 1 to 118
    # compacted before: 118 x 10 = 1180 named, not applied.
    assert total == 20
    (lost,) = said
    assert (lost.kind, lost.record_ids, lost.meter, lost.quantity) == (
        "too_late",
        ("far",),
        "egress",
        Decimal(1180),
    )
    assert "its part before 2026-06-27T00:00:00Z, 1180 GB" in lost.message
    assert "stamped more than 92 days ahead of the watermark" in lost.message
    assert total + lost.quantity == batch_total([far], day(END)) == 1200
    assert sizes[1] == sizes[0]  # as large on day 28 as on day 11


def test_a_delta_said_too_late_at_its_feed_keeps_its_cycles_once_within_the_bound() -> None:
    rater = rk.Rater(PLAN, METERS, start=day(1))
    for number in range(2, 6):
        rater.statement(day(number))  # on day 5 the kept cycles start on day 4
    far = rk.Sample("a", "x", "egress", day(FAR), 1200, since=day(1), id="far")
    feed = rater.feed([far])
    # days 1 to 3: 30 GB, said at the feed; late for day 4, closed and kept
    assert (feed.late, feed.too_late, feed.anomalies[0].quantity) == (
        ("far",),
        ("far",),
        Decimal(30),
    )
    said = []
    total = Decimal(0)
    for number in range(6, END + 1):
        statement = rater.statement(day(number))
        total += statement.total()
        said += statement.anomalies
    (lost,) = said
    # compacted to day 27 until the statement of day 29, kept from there: days 4 to 26,
    # 23 x 10 = 230 more named; days 27 to 120 billed, 94 x 10 = 940
    assert (lost.record_ids, lost.quantity, total) == (("far",), Decimal(230), Decimal(940))
    assert "less the 30 GB said at its feed" in lost.message
    assert total + lost.quantity + 30 == batch_total([far], day(END))


def test_a_delta_without_an_id_is_named_by_its_place() -> None:
    far = rk.Sample("a", "x", "egress", day(FAR), 1200, since=day(1))
    rater = rk.Rater(PLAN, METERS, start=day(1))
    assert repr(rater.feed([far])) == "Feed(accepted=1)"
    said = [a for n in range(2, END + 1) for a in rater.statement(day(n)).anomalies]
    (lost,) = [a for a in said if a.kind == "too_late"]
    assert (lost.record_ids, lost.resource, lost.quantity) == ((), "x", Decimal(1180))


def test_a_delta_without_a_span_reaches_nothing_back() -> None:
    far = rk.Sample("a", "x", "egress", day(FAR, 5), 200, id="far")
    total, said, sizes = stream([], far)
    assert (total, said) == (200, [])  # billed whole on its day
    assert sizes[1] == sizes[0]


def test_a_counter_reading_keeps_no_cycle_while_far_and_its_compacted_part_is_named() -> None:
    first = [rk.Sample("a", "x", "bytes", day(1, 1), 0, kind="counter", id="c0")]
    far = rk.Sample("a", "x", "bytes", day(FAR), 2879, kind="counter", id="c1")
    total, said, sizes = stream(first, far)
    # 2879 B over 2879 hours (day 1 01:00 to day 121): 1 B an hour. The reading before
    # it compacted while it was far, it keeps the cycles from day 27 on once within the
    # bound: 623 hours before day 27 (23 + 25 x 24) named; 2256 billed (94 x 24).
    (lost,) = [a for a in said if a.kind == "too_late"]
    assert (lost.record_ids, lost.meter, lost.quantity) == (("c1",), "bytes", Decimal(623))
    assert total == 2256
    assert total + lost.quantity == batch_total([*first, far], day(END)) == 2879
    assert sizes[1] == sizes[0]


def test_an_event_ordered_before_earlier_ones_keeps_no_cycle_while_far() -> None:
    first = [
        rk.Event("a", "x", day(1, 1), kind="start", id="on", seq=5),
        rk.Event("a", "x", day(2, 1), kind="stop", id="off", seq=6),
    ]
    # seq 1 orders it before both: batch runs them at its instant, for no time at all
    far = rk.Event("a", "x", day(FAR), kind="stop", id="far", seq=1)
    total, said, sizes = stream(first, far)
    # the 24 hours billed on days 1 and 2 (compacted) are named back: -23 and -1
    late = sorted(a.quantity for a in said if a.kind == "late" and a.quantity is not None)
    assert (total, late) == (24, [-23, -1])
    assert total + sum(late) == batch_total([*first, far], day(END)) == 0
    (told,) = [a for a in said if a.kind == "too_late"]
    assert told.record_ids == ("far",)
    assert "what it changes in those cycles is not applied" in told.message
    assert sizes[1] <= sizes[0]


def test_an_event_ordered_before_events_the_state_no_longer_keeps_says_so() -> None:
    # a START and a STOP of 2 hours each day from 1 to 20 March (seq 12 to 51), and a STOP
    # stamped on day 121 with seq 1, fed first: batch runs them all at its instant, for
    # no time at all; the compacted state keeps the last 16 events (13 to 20 March)
    first = [
        rk.Event("a", "x", day(number, hour), kind=kind, id=f"{kind}{number}", seq=seq)
        for number in range(1, 21)
        for hour, kind, seq in ((1, "start", 10 + 2 * number), (3, "stop", 11 + 2 * number))
    ]
    far = rk.Event("a", "x", day(FAR), kind="stop", id="far", seq=1)
    rater = rk.Rater(PLAN, METERS, start=day(1))
    rater.feed([far])
    total, said = Decimal(0), []
    for number in range(2, END + 1):
        rater.feed([r for r in first if day(number - 1) <= r.at < day(number)])
        statement = rater.statement(day(number))
        total += statement.total()
        said += statement.anomalies
    (lost,) = [a for a in said if a.kind == "too_late"]
    assert lost.record_ids == ("far",)
    assert "no anomaly names by how much" in lost.message
    assert "stamped more than 92 days ahead of the watermark" in lost.message
    # 40 hours billed, 16 named back (13 to 20 March, the events the state keeps); the
    # 24 hours of 1 to 12 March, folded, are what the anomaly says it cannot name
    assert (total, named(said), batch_total([*first, far], day(END))) == (40, -16, 0)


def test_a_last_seen_inventory_keeps_no_cycle_while_far() -> None:
    first = [rk.Event("a", "x", day(1, 1), kind="start", id="on")]
    # it lists nothing: batch closes 'x' at its last sign of life, day 1 01:00
    far = rk.Inventory(day(FAR), [], close="last_seen", id="far")
    total, said, sizes = stream(first, far)
    (lost,) = [a for a in said if a.kind == "too_late"]
    # its resource's last sign of life compacted, it keeps nothing even within the
    # bound: when the statement of day 121 meters it the kept cycles start on day 120,
    # and it names the 2855 hours before (23 + 118 x 24); the 24 of day 120 are taken
    # back in the kept cycles
    assert (lost.record_ids, lost.quantity) == (("far",), Decimal(-2855))
    assert total == 2855
    assert total + lost.quantity == batch_total([*first, far], day(END)) == 0
    assert sizes[1] == sizes[0]


def test_a_record_ahead_by_less_than_the_bound_keeps_its_cycles() -> None:
    # fed on day 10, stamped on day 100: 90 days ahead, it keeps day 9 on
    rater = rk.Rater(PLAN, METERS, start=day(1))
    for number in range(2, 11):
        rater.statement(day(number))
    near = rk.Sample("a", "x", "egress", day(100), 910, since=day(9), id="near")
    assert rater.feed([near]).late == ("near",)  # day 9 is closed and kept
    said = [a for n in range(11, 103) for a in rater.statement(day(n)).anomalies]
    assert said == []  # nothing lost: 10 a day from day 9 to day 99, all billed


@pytest.mark.property
@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 40),  # fed before the statement of this day
            st.integers(0, 200),  # stamped this many days after it
            st.integers(0, 120),  # its span starts this many days before its instant
            st.integers(1, 500),
            st.booleans(),  # a counter reading, or a delta over a span
        ),
        max_size=12,
    ),
    st.lists(st.tuples(st.integers(1, 3), st.booleans()), min_size=1, max_size=30),
)
def test_records_far_ahead_keep_the_state_flat_and_add_up_to_batch(
    drawn: list[tuple[int, int, int, int, bool]], watermarks: list[tuple[int, bool]]
) -> None:
    """Statements at random midnights: the kept cycles start where an oracle says (one
    cycle before the watermark, unless a record not metered yet stamped at most the bound
    past it reaches further back: a delta from its span's start, unless the cycles were
    compacted past it and its feed said nothing too late, a counter reading from the
    reading before it, or from the kept cycles' start when that one is compacted); at
    the end, every record metered, the lines plus the quantities named are batch's
    total; restored through JSON at random points, the rater says the same."""
    rater = rk.Rater(PLAN, METERS, start=day(1))
    records: list[Record] = []
    by_day: dict[int, list[Record]] = {}
    previous: dict[str, rk.Sample] = {}  # a counter's second reading: its first
    for index, (fed, ahead, back, value, counter) in enumerate(drawn):
        at_day = fed + ahead
        if counter:
            first = rk.Sample(
                "a", f"c{index}", "bytes", day(1 + fed, 1), 0, kind="counter", id=f"z{index}"
            )
            by_day.setdefault(fed, []).append(first)
            records.append(first)
            record: Record = rk.Sample(
                "a", f"c{index}", "bytes", day(2 + at_day), value, kind="counter", id=f"r{index}"
            )
            previous[f"r{index}"] = first
        else:
            since = max(1, 2 + at_day - back)
            record = rk.Sample(
                "a", "x", "egress", day(2 + at_day), value, since=day(since), id=f"d{index}"
            )
        by_day.setdefault(fed, []).append(record)
        records.append(record)
    total, lost = Decimal(0), Decimal(0)
    now, kept_from = 1, day(1)
    fed_so_far: list[rk.Sample] = []
    said_at_feed: set[str | None] = set()  # the deltas whose feed said a part too late
    for step, restore in [*watermarks, (300, False)]:
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
        now += step
        for fed in sorted(f for f in by_day if f < now):
            batch = by_day.pop(fed)
            fed_so_far += typing.cast(list[rk.Sample], batch)
            said_at_feed.update(
                r.id for r in typing.cast(list[rk.Sample], batch) if r.since and r.since < kept_from
            )
            lost += named(rater.feed(batch).anomalies)
        statement = rater.statement(day(now))
        total += statement.total()
        lost += named(statement.anomalies)
        # the oracle: where compaction stops for the records not metered yet
        reaches = [day(now - 1)]
        for record in fed_so_far:
            waiting = record.at > day(now) or (record.at == day(now) and record.since is None)
            if not waiting or record.at - day(now) > rk.rater.MAX_AHEAD:
                continue
            if record.since is not None:
                if record.since >= kept_from or record.id in said_at_feed:
                    reaches.append(record.since)
            elif record.id in previous:
                before = previous[record.id].at
                reaches.append(max(before, kept_from))
        reach = min(reaches)
        kept_from = max(kept_from, reach.replace(hour=0))
        body = rater.snapshot()["body"]
        assert dt.datetime.fromtimestamp(body["base_us"] / 1e6, UTC) == kept_from
    assert not by_day
    assert total + lost == batch_total(records, day(now))
