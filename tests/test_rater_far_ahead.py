"""A record stamped far ahead of the watermark keeps no closed cycle (docs/streaming.md).

A record fed before the watermark reaches it keeps the closed cycles it reaches back
into until it is metered, but only while it is stamped at most `rk.rater.MAX_AHEAD`
(7 days) past the watermark: one stamped further keeps none, so the state stays flat
whatever its clock says, and its part in the cycles compacted before it is metered is
too late, named by the statement that meters it (a sample's in a ``"too_late"``
anomaly with its quantity; an event's or an inventory's by the words that statement
has for them). The stream's lines plus the quantities named add up to one batch
`rk.rate()` over all the records.

Daily cycles, no horizon, 1 EUR per unit: a statement at midnight closes the day
before and compacts the one before that. Fed on 1 March, a record stamped 21 March is
more than 7 days ahead until the statement of 14 March: the statement of 13 March
compacts 11 March (the kept cycles start on 12 March), the one of 14 March keeps them
for it. So what it reaches before 12 March is too late.
"""

from __future__ import annotations

import datetime as dt
import json
import typing
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

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


def stream(
    first: Sequence[Record], ahead: Record, until: int = 24
) -> tuple[Decimal, list[rk.Anomaly], list[int]]:
    """Feed ``first``, then ``ahead`` on 1 March; statements each midnight to ``until``.

    The lines' total, every anomaly said, and the snapshot's size on 11 and 20 March.
    """
    rater = rk.Rater(PLAN, METERS, start=day(1))
    rater.feed(first)
    assert rater.feed([ahead]).accepted == (ahead.id,)
    total, said, sizes = Decimal(0), [], []
    for number in range(2, until + 1):
        statement = rater.statement(day(number))
        total += statement.total()
        said += statement.anomalies
        if number in {11, 20}:
            sizes.append(len(json.dumps(rater.snapshot())))
    return total, said, sizes


def named(anomalies: Sequence[rk.Anomaly]) -> Decimal:
    return sum(
        (a.quantity for a in anomalies if a.kind in {"too_late", "late"} and a.quantity),
        Decimal(0),
    )


def test_the_bound_is_seven_days() -> None:
    assert dt.timedelta(days=7) == rk.rater.MAX_AHEAD


def test_a_delta_over_a_span_keeps_no_cycle_and_its_compacted_part_is_named() -> None:
    far = rk.Sample("a", "x", "egress", day(21), 200, since=day(1), id="far")
    total, said, sizes = stream([], far)
    # 200 GB over 20 days: 10 a day. 12 to 20 March kept: 9 x 10 = 90 billed; 1 to 11
    # March compacted before it was metered: 11 x 10 = 110 named, not applied.
    assert total == 90
    (lost,) = said
    assert (lost.kind, lost.record_ids, lost.meter, lost.quantity) == (
        "too_late",
        ("far",),
        "egress",
        Decimal(110),
    )
    assert "its part before 2026-03-12T00:00:00Z, 110 GB" in lost.message
    assert total + lost.quantity == batch_total([far], day(24)) == 200
    assert sizes[1] == sizes[0]  # as large on 20 March as on 11 March


def test_a_delta_said_too_late_at_its_feed_names_only_the_rest_when_metered() -> None:
    rater = rk.Rater(PLAN, METERS, start=day(1))
    for number in range(2, 6):
        rater.statement(day(number))  # on 5 March the kept cycles start on 4 March
    far = rk.Sample("a", "x", "egress", day(21), 200, since=day(1), id="far")
    feed = rater.feed([far])
    # 1 to 3 March: 30 GB, said at the feed; late for 4 March, closed and kept
    assert (feed.late, feed.too_late, feed.anomalies[0].quantity) == (
        ("far",),
        ("far",),
        Decimal(30),
    )
    said = []
    total = Decimal(0)
    for number in range(6, 25):
        statement = rater.statement(day(number))
        total += statement.total()
        said += statement.anomalies
    (lost,) = said
    # 4 to 11 March: 8 x 10 = 80 more; 12 to 20 March billed: 90
    assert (lost.record_ids, lost.quantity, total) == (("far",), Decimal(80), Decimal(90))
    assert "less the 30 GB said at its feed" in lost.message
    assert total + lost.quantity + 30 == batch_total([far], day(24))


def test_a_delta_without_an_id_is_named_by_its_place() -> None:
    far = rk.Sample("a", "x", "egress", day(21), 200, since=day(1))
    rater = rk.Rater(PLAN, METERS, start=day(1))
    assert repr(rater.feed([far])) == "Feed(accepted=1)"
    said = [a for n in range(2, 25) for a in rater.statement(day(n)).anomalies]
    (lost,) = [a for a in said if a.kind == "too_late"]
    assert (lost.record_ids, lost.resource, lost.quantity) == ((), "x", Decimal(110))
    # (and the "late" words of a record fed ahead that reaches a kept closed cycle)
    assert [a.kind for a in said if a is not lost] == ["late"]


def test_a_delta_without_a_span_reaches_nothing_back() -> None:
    far = rk.Sample("a", "x", "egress", day(21, 5), 200, id="far")
    total, said, sizes = stream([], far)
    assert (total, said) == (200, [])  # billed whole on 21 March
    assert sizes[1] == sizes[0]


def test_a_counter_reading_keeps_no_cycle_and_its_compacted_part_is_named() -> None:
    first = [rk.Sample("a", "x", "bytes", day(1, 1), 0, kind="counter", id="c0")]
    far = rk.Sample("a", "x", "bytes", day(21), 200, kind="counter", id="c1")
    total, said, sizes = stream(first, far)
    # 200 B over 479 hours (1 March 01:00 to 21 March): 263 of them before 12 March
    # (23 + 10 x 24), compacted: 200 x 263 / 479 = 109.81... B named; 216 billed.
    (lost,) = [a for a in said if a.kind == "too_late"]
    assert (lost.record_ids, lost.meter) == (("c1",), "bytes")
    assert lost.quantity is not None
    assert abs(Fraction(lost.quantity) - Fraction(200 * 263, 479)) < Fraction(1, 10**20)
    assert abs(Fraction(total) - Fraction(200 * 216, 479)) < Fraction(1, 10**20)
    assert total + lost.quantity == batch_total([*first, far], day(24)) == 200
    assert sizes[1] == sizes[0]


def test_an_event_ordered_before_earlier_ones_keeps_no_cycle() -> None:
    first = [
        rk.Event("a", "x", day(1, 1), kind="start", id="on", seq=5),
        rk.Event("a", "x", day(2, 1), kind="stop", id="off", seq=6),
    ]
    # seq 1 orders it before both: batch runs them at its instant, for no time at all
    far = rk.Event("a", "x", day(21), kind="stop", id="far", seq=1)
    total, said, sizes = stream(first, far)
    # the 24 hours billed on 1 and 2 March (compacted) are named back: -23 and -1
    late = sorted(a.quantity for a in said if a.kind == "late" and a.quantity is not None)
    assert (total, late) == (24, [-23, -1])
    assert total + sum(late) == batch_total([*first, far], day(24)) == 0
    assert sizes[1] <= sizes[0]


def test_an_event_ordered_before_events_the_state_no_longer_keeps_says_so() -> None:
    # a START and a STOP of 2 hours each day from 1 to 20 March (seq 12 to 51), and a STOP
    # stamped 30 March with seq 1, fed first: batch runs them all at its instant, for no
    # time at all; the compacted state keeps the last 16 events (8 to 20 March)
    first = [
        rk.Event("a", "x", day(number, hour), kind=kind, id=f"{kind}{number}", seq=seq)
        for number in range(1, 21)
        for hour, kind, seq in ((1, "start", 10 + 2 * number), (3, "stop", 11 + 2 * number))
    ]
    far = rk.Event("a", "x", day(30), kind="stop", id="far", seq=1)
    rater = rk.Rater(PLAN, METERS, start=day(1))
    rater.feed([far])
    total, said = Decimal(0), []
    for number in range(2, 34):
        rater.feed([r for r in first if day(number - 1) <= r.at < day(number)])
        statement = rater.statement(day(number))
        total += statement.total()
        said += statement.anomalies
    (lost,) = [a for a in said if a.kind == "too_late"]
    assert lost.record_ids == ("far",)
    assert "no anomaly names by how much" in lost.message
    assert "stamped more than 7 days ahead of the watermark" in lost.message
    # 40 hours billed, 16 named back (13 to 20 March, the events the state keeps); the
    # 24 hours of 1 to 12 March, folded, are what the anomaly says it cannot name
    assert (total, named(said), batch_total([*first, far], day(33))) == (40, -16, 0)


def test_a_last_seen_inventory_keeps_no_cycle() -> None:
    first = [rk.Event("a", "x", day(1, 1), kind="start", id="on")]
    # it lists nothing: batch closes 'x' at its last sign of life, 1 March 01:00
    far = rk.Inventory(day(21), [], close="last_seen", id="far")
    total, said, sizes = stream(first, far)
    (lost,) = [a for a in said if a.kind == "too_late"]
    # billed from 1 March 01:00 to 21 March: 23 + 19 x 24 = 479 hours, then 3 x 24 more
    # to 24 March less the 72 taken back in the kept cycles; 455 before 12 March named
    assert (lost.record_ids, lost.quantity) == (("far",), Decimal(-455))
    assert total == 455
    assert total + lost.quantity == batch_total([*first, far], day(24)) == 0
    assert sizes[1] == sizes[0]


def test_a_record_ahead_by_less_than_the_bound_keeps_its_cycles() -> None:
    # fed on 10 March, stamped 16 March: 6 days ahead, it keeps 1 March on
    rater = rk.Rater(PLAN, METERS, start=day(1))
    for number in range(2, 11):
        rater.statement(day(number))
    near = rk.Sample("a", "x", "egress", day(16), 60, since=day(10), id="near")
    assert rater.feed([near]).accepted == ("near",)
    said = [a for n in range(11, 18) for a in rater.statement(day(n)).anomalies]
    assert said == []  # nothing lost: 10 a day from 10 to 15 March, all billed


@pytest.mark.property
@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 40),  # fed before the statement of this day
            st.integers(0, 60),  # stamped this many days after it
            st.integers(0, 30),  # its span starts this many days before its instant
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
    past it reaches further back: a delta from its span's start, a counter reading from
    the reading before it, or from the kept cycles' start when that one is compacted); at
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
    for step, restore in [*watermarks, (200, False)]:
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
        now += step
        for fed in sorted(f for f in by_day if f < now):
            batch = by_day.pop(fed)
            fed_so_far += typing.cast(list[rk.Sample], batch)
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
