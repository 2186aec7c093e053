"""A kept event ordered by its seq before compacted ones, and a kept closing reaching back.

A kept ``last_seen`` inventory closes a resource back in the compacted cycles: the cycles
billed that closing while they were kept, or its ``"too_late"`` anomaly named what they
billed past it. A kept event whose ``seq`` orders it before the compacted events moves
the inventory's place among them in batch ``rate()`` (the inventory comes before the
first event, in seq order, stamped after it), so it may move the closing or take it
away. The closing is judged as the records stood without the event, whenever it comes;
the statement names the event's part in the compacted cycles as what metering finds
with the kept records less what it finds without the event, per meter, cycle and
description (docs/streaming.md, Closings by ``last_seen`` inventories). So the lines
plus the quantities named come to batch, whatever the order of the feeds.

Daily UTC cycles; 1, 2 and 4 EUR an hour under no size, ``{'mb': 2}`` and ``{'mb': 4}``
(`tests/_stretch_streams.py`); the property at 1 EUR an hour. Worked by hand.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from tests import _stretch_streams as streams
from tests._budget import FLOOR, LAWS
from tests._lines_named import lines_and_named
from tests._seq_plan import METERS, PLAN, START

import ratekit as rk

END = "2026-03-07T00:00:00Z"
Report = rk.Feed | rk.Statement


def _priced(reports: list[Report], records: list[streams.Record]) -> tuple[dict, dict]:
    """The stream's and batch's hours per entry (lines plus named), the zero ones left out."""
    mine, _ = streams.stream_sums(reports)
    theirs = streams.batch_sums(records)
    return (
        {k: v for k, v in mine.items() if v and k[1] == "hours"},
        {k: v for k, v in theirs.items() if v and k[1] == "hours"},
    )


@pytest.mark.parametrize("horizon", [0, 3])
def test_a_reorder_past_a_closing_billed_in_time_names_no_hours_no_cycle_billed(
    horizon: int,
) -> None:
    # s4 starts vm on 1 March 00:00 under {'mb': 4} (seq 10), s2 starts it again at
    # 08:00 under {'mb': 2} (seq 20); i, a last_seen inventory of 3 March 21:00 listing
    # nothing, fed with them, closes vm at s2 (its last sign of life): the cycles bill
    # 8 h on 1 March under {'mb': 4} (8 EUR) and nothing after. Stated at 4 March 17:00:
    # 1 and 2 March compacted. Then u, an UPDATE of 4 March 07:00 under {'mb': 4} ordered
    # before both (seq 0): batch opens vm at 07:00, i comes before u (before every event)
    # and finds nothing, s4 and s2 take 07:00 (s2 re-describes it): 17 + 24 + 24 = 65 h
    # under {'mb': 2} (130 EUR). u's part of 1 March is what batch bills there with u (0)
    # less without it (the 8 h up to the closing): -8 under {'mb': 4}. Lines 8 + 65,
    # named -8: 65, as batch. (The statement named -8 under {'mb': 4} and -16 under
    # {'mb': 2}, the hours after the closing that no cycle billed: 49 where batch has 65.)
    s4 = rk.Event("a", "vm", "2026-03-01T00:00:00Z", {"mb": 4}, kind="start", id="s4", seq=10)
    s2 = rk.Event("a", "vm", "2026-03-01T08:00:00Z", {"mb": 2}, kind="start", id="s2", seq=20)
    closing = rk.Inventory("2026-03-03T21:00:00Z", [], accounts=["a"], close="last_seen", id="i")
    update = rk.Event("a", "vm", "2026-03-04T07:00:00Z", {"mb": 4}, kind="update", id="u", seq=0)
    rater = rk.Rater(streams.PLAN, METERS, start=START, horizon=dt.timedelta(hours=horizon))
    reports: list[Report] = [rater.feed([s4, s2, closing])]
    reports.append(rater.statement("2026-03-04T17:00:00Z"))
    reports += [rater.feed([update]), rater.statement(END)]
    named = [
        (a.quantity, a.message.split(" under description ")[1][:10])
        for r in reports
        for a in r.anomalies
        if a.meter == "hours" and a.quantity is not None
    ]
    assert named == [(Decimal(-8), "{'mb': 4} ")]
    assert lines_and_named(reports, "hours") == 65
    mine, theirs = _priced(reports, [s4, s2, closing, update])
    assert mine == theirs == {("vm", "hours", "hours-x2"): Decimal(65)}


def test_a_reorder_that_moves_a_kept_closing_back_names_its_hours_once() -> None:
    # t stops vm on 1 March 07:00 (seq 0: an orphan), a1 starts it at 22:00 under
    # {'mb': 2} (seq 20), a2 again on 3 March 14:00 (seq 30). Stated at 4 March 10:00:
    # 2 + 24 + 24 + 10 = 60 h, 1 and 2 March compacted. i, a last_seen inventory of 3
    # March 21:00 listing nothing, closes vm at a2, in the kept cycles (3 March's 10 h
    # after it and 4 March's taken back). Then u, an UPDATE of 4 March 05:00 (seq 10): i
    # comes before u, after t, and closes the stopped vm at 07:00 on 1 March; a1, u and
    # a2 come after (deleted, ignored): batch bills 0 h. Without u, i closes vm at a2,
    # and the compacted cycles bill 2 + 24: u's part is -2 on 1 March and -24 on 2
    # March, named by the statement. Lines 26, named -26: 0. (u named its move of the
    # closing back to a1, -26, judged with u, and the statement the 2 h of 1 March
    # besides: -2 where batch bills 0.)
    stop = rk.Event("a", "vm", "2026-03-01T07:00:00Z", kind="stop", id="t", seq=0)
    a1 = rk.Event("a", "vm", "2026-03-01T22:00:00Z", {"mb": 2}, kind="start", id="a1", seq=20)
    a2 = rk.Event("a", "vm", "2026-03-03T14:00:00Z", {"mb": 2}, kind="start", id="a2", seq=30)
    closing = rk.Inventory("2026-03-03T21:00:00Z", [], accounts=["a"], close="last_seen", id="i")
    update = rk.Event("a", "vm", "2026-03-04T05:00:00Z", {"mb": 4}, kind="update", id="u", seq=10)
    rater = rk.Rater(streams.PLAN, METERS, start=START)
    reports: list[Report] = [rater.feed([stop, a1, a2]), rater.statement("2026-03-04T10:00:00Z")]
    reports += [rater.feed([closing]), rater.feed([update]), rater.statement(END)]
    named = [
        a.quantity
        for r in reports
        for a in r.anomalies
        if a.meter == "hours" and a.quantity is not None
    ]
    assert named == [-2, -24]
    assert lines_and_named(reports, "hours") == 0
    assert (
        rk.rate(
            [stop, a1, a2, closing, update], streams.PLAN, span=rk.Span(START, END), meters=METERS
        ).charges
        == ()
    )


def test_a_reorder_of_a_resource_a_listing_took_from_the_closing_names_its_part() -> None:
    # s starts vm on 2 March 04:00 (seq 30); stated at 4 March 01:00: 20 + 24 + 1 = 45
    # h, 2 March compacted. k, a last_seen inventory of 3 March 16:00 listing nothing,
    # and e, a START of 4 March 02:00 ordered before s (seq 10), come together: k
    # closes vm at s (judged without e): -20 named. Then l, an inventory of 3 March
    # 14:00 listing vm, a sign of life up to k, moves the closing there, in the kept
    # cycles: +20 named (they stay unbilled). Batch: l and k come before e (the first
    # event, in seq order, stamped after them), so before s: l opens vm at 14:00 and k
    # closes it there; e and s come after (deleted, ignored): 0 h. e's part of 2 March
    # is what batch bills there with e (0) less without it (20, up to l's listing):
    # -20. Lines 45 - 25 = 20, named -20 + 20 - 20: 0. (The statement's change named k
    # too, and was taken for a repeat of k's closing: 20 where batch bills 0.)
    start = rk.Event("a", "vm", "2026-03-02T04:00:00Z", kind="start", id="s", seq=30)
    closing = rk.Inventory("2026-03-03T16:00:00Z", [], close="last_seen", id="k")
    early = rk.Event("a", "vm", "2026-03-04T02:00:00Z", kind="start", id="e", seq=10)
    listing = rk.Inventory("2026-03-03T14:00:00Z", [("a", "vm")], close="last_seen", id="l")
    rater = rk.Rater(PLAN, METERS, start=START)
    reports: list[Report] = [rater.feed([start]), rater.statement("2026-03-04T01:00:00Z")]
    reports += [rater.feed([closing, early]), rater.feed([listing]), rater.statement(END)]
    named = [
        a.quantity
        for r in reports
        for a in r.anomalies
        if a.meter == "hours" and a.quantity is not None
    ]
    assert named == [-20, 20, -20]
    assert lines_and_named(reports, "hours") == 0


_KINDS = ("start", "start", "update", "stop", "delete")


def _compacted(draw: st.DrawFn, seqs: st.SearchStrategy[int]) -> list[rk.Event]:
    """One or two events of 1 March at distinct hours, of distinct ``seqs``."""
    count = draw(st.integers(1, 2))
    hours = sorted(draw(st.lists(st.integers(0, 23), min_size=count, max_size=count, unique=True)))
    drawn = draw(st.lists(seqs, min_size=count, max_size=count, unique=True))
    return [
        rk.Event("a", "vm", f"2026-03-01T{hour:02d}:00:00Z", kind=draw(st.sampled_from(_KINDS[:4])),
                 id=f"c{n}", seq=seq)
        for n, (hour, seq) in enumerate(zip(hours, drawn, strict=True))
    ]  # fmt: skip


@st.composite
def _streams(draw: st.DrawFn) -> tuple[list[rk.Event], rk.Inventory, rk.Event, str, bool, bool]:
    """One or two events of 1 March, a kept inventory and a kept event ordered before them."""
    compacted = _compacted(draw, st.integers(10, 59))
    listed = [("a", "vm")] if draw(st.booleans()) else []
    at = f"2026-03-02T{draw(st.integers(1, 23)):02d}:00:00Z"
    closing = rk.Inventory(at, listed, accounts=["a"], close="last_seen", id="k")
    day = draw(st.integers(2, 4))
    hour = draw(st.integers(1 if day == 2 else 0, 23))
    early = rk.Event("a", "vm", f"2026-03-0{day}T{hour:02d}:00:00Z", kind=draw(st.sampled_from(_KINDS)),
                     id="e", seq=draw(st.integers(0, max(e.seq for e in compacted if e.seq is not None) - 1)))  # fmt: skip
    order = draw(st.sampled_from(("event after", "one batch", "event before")))
    return compacted, closing, early, order, draw(st.booleans()), draw(st.booleans())


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(_streams())
def test_law_a_reorder_and_a_kept_closing_add_up_to_batch(
    drawn: tuple[list[rk.Event], rk.Inventory, rk.Event, str, bool, bool],
) -> None:
    # The oracle: one batch rate() of every record. One or two events of 1 March, 1
    # March compacted at 3 March 03:00; then a last_seen inventory of 2 March (kept)
    # that lists the VM or not and an event of 2 to 4 March whose seq orders it before
    # a compacted one, fed in any order, a statement between them or not, restored
    # before the last or not. The stream's lines plus the hours named are batch's, but
    # where an anomaly leaves the VM as it stands (a documented limit, no quantity).
    compacted, closing, early, order, between, restore = drawn
    rater = rk.Rater(PLAN, METERS, start=START)
    reports: list[Report] = [rater.feed(compacted), rater.statement("2026-03-03T03:00:00Z")]
    feeds = {
        "event after": [[closing], [early]],
        "one batch": [[closing, early]],
        "event before": [[early], [closing]],
    }[order]
    for feed in feeds:
        reports.append(rater.feed(feed))
        if between:
            reports.append(rater.statement("2026-03-03T06:00:00Z"))
    if restore:
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
    reports.append(rater.statement("2026-03-06T00:00:00Z"))
    assume(not streams.doubts(reports))
    batch = rk.rate(
        [*compacted, closing, early],
        PLAN,
        span=rk.Span(START, "2026-03-06T00:00:00Z"),
        meters=METERS,
    )
    billed = sum((c.quantity for c in batch.charges if c.meter == "hours"), Decimal(0))
    assert lines_and_named(reports, "hours") == billed


def test_an_event_kept_from_a_compacted_cycle_names_no_hours_a_closing_took_away() -> None:
    # s starts vm on 1 March 03:00 (seq 0); k, a last_seen inventory of 4 March 10:00
    # listing nothing, fed with it, closes vm at s: no cycle bills it. Stated at 5 March
    # 02:00: 1 to 3 March compacted. Then u, an UPDATE of 3 March 03:00 (seq 20), and t,
    # a START of 4 March 13:00 (seq 10): u is kept with t (its seq orders it after t).
    # Batch: k comes before t, after s, and closes vm at 03:00 on 1 March; t and u come
    # after (deleted, ignored): 0 h. The statement reads u's part against the compacted
    # state, where vm runs from 03:00 on 1 March: with u and without it alike, k's
    # closing takes back 21 + 24 + 24 h that no cycle billed; u's part is the
    # difference, 0, and nothing is named: 0, as batch. (The statement named the -21,
    # -24 and -24 h read against the state, closing and all: -69 where batch bills 0.)
    start = rk.Event("a", "vm", "2026-03-01T03:00:00Z", kind="start", id="s", seq=0)
    closing = rk.Inventory("2026-03-04T10:00:00Z", [], close="last_seen", id="k")
    update = rk.Event("a", "vm", "2026-03-03T03:00:00Z", kind="update", id="u", seq=20)
    later = rk.Event("a", "vm", "2026-03-04T13:00:00Z", kind="start", id="t", seq=10)
    rater = rk.Rater(PLAN, METERS, start=START)
    reports: list[Report] = [rater.feed([start, closing]), rater.statement("2026-03-05T02:00:00Z")]
    reports += [rater.feed([update, later]), rater.statement(END)]
    assert [a.quantity for r in reports for a in r.anomalies if a.meter == "hours"] == []
    assert lines_and_named(reports, "hours") == 0


@st.composite
def _kept_early(
    draw: st.DrawFn,
) -> tuple[list[rk.Event], rk.Inventory, rk.Event, rk.Event, tuple[bool, bool, bool, bool]]:
    """One or two events of 1 March, a last_seen inventory of 4 March, a kept event of 4
    March and one of 1 to 3 March whose seq orders it after that one (so kept too)."""
    compacted = _compacted(draw, st.integers(0, 9))
    listed = [("a", "vm")] if draw(st.booleans()) else []
    at = f"2026-03-04T{draw(st.integers(1, 11)):02d}:00:00Z"
    closing = rk.Inventory(at, listed, close="last_seen", id="k")
    later = rk.Event("a", "vm", f"2026-03-04T{draw(st.integers(0, 23)):02d}:00:00Z",
                     kind=draw(st.sampled_from(_KINDS)), id="t", seq=draw(st.integers(10, 19)))  # fmt: skip
    day, hour = draw(st.integers(1, 3)), draw(st.integers(0, 23))
    early = rk.Event("a", "vm", f"2026-03-0{day}T{hour:02d}:00:00Z",
                     kind=draw(st.sampled_from(_KINDS)), id="u", seq=draw(st.integers(20, 29)))  # fmt: skip
    flags = (draw(st.booleans()), draw(st.booleans()), draw(st.booleans()), draw(st.booleans()))
    return compacted, closing, later, early, flags


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(_kept_early())
def test_law_an_event_kept_from_a_compacted_cycle_and_a_kept_closing_add_up_to_batch(
    drawn: tuple[list[rk.Event], rk.Inventory, rk.Event, rk.Event, tuple[bool, bool, bool, bool]],
) -> None:
    # The oracle: one batch rate() of every record. One or two events of 1 March (seq 0
    # to 9) and a last_seen inventory of 4 March that lists the VM or not, fed with them
    # or once 1 to 3 March are compacted (5 March 02:00); then t, an event of 4 March
    # (seq 10 to 19), and u, one of 1 to 3 March (seq 20 to 29, kept: ordered after
    # t), together or apart, a statement between feeds or not, restored before the last
    # or not. The stream's lines plus the hours named are batch's. (Of 400 such seeded
    # streams, 63 differed while u's part was read against the compacted state, the
    # inventory's closing back and all.)
    compacted, closing, later, early, (late, apart, between, restore) = drawn
    rater = rk.Rater(PLAN, METERS, start=START)
    first = compacted if late else [*compacted, closing]
    reports: list[Report] = [rater.feed(first), rater.statement("2026-03-05T02:00:00Z")]
    feeds = [[later], [early]] if apart else [[later, early]]
    for feed in [[closing], *feeds] if late else feeds:
        reports.append(rater.feed(feed))
        if between:
            reports.append(rater.statement("2026-03-05T06:00:00Z"))
    if restore:
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
    reports.append(rater.statement(END))
    assume(not streams.doubts(reports))
    records = [*compacted, closing, later, early]
    batch = rk.rate(records, PLAN, span=rk.Span(START, END), meters=METERS)
    billed = sum((c.quantity for c in batch.charges if c.meter == "hours"), Decimal(0))
    assert lines_and_named(reports, "hours") == billed
