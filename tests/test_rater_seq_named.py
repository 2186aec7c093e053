"""What a statement names of an event ordered by its seq before compacted events.

Such an event (docs/streaming.md, Late and too late) changes what the compacted cycles
billed: the statement that meters it names that part, per meter, cycle and description,
in ``"late"`` anomalies with their quantity, so that the stream's lines plus the
quantities named are one batch ``rate()``. Each part once: an event without an id is
told by its resource, not by an id its late changes could name; a part ends where a
kept ``last_seen`` inventory closed the resource (the cycles billed nothing after it);
and of a plain counter's increments, which the event does not change, only the
description it moves is named.
Daily UTC cycles, 1 EUR an hour (a byte, a second), no horizon; worked by hand.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._seq_plan import METERS, PLAN, START

import ratekit as rk

END = "2026-03-06T00:00:00Z"


def _named(reports: list[rk.Feed | rk.Statement], meter: str) -> list[Decimal]:
    """The quantities of ``meter`` the reports' late and too-late anomalies name."""
    return [
        a.quantity
        for report in reports
        for a in report.anomalies
        if a.kind in {"late", "too_late"} and a.meter == meter and a.quantity is not None
    ]


def _batch(records: list[rk.Event | rk.Sample | rk.Inventory], meter: str) -> Decimal:
    batch = rk.rate(records, PLAN, span=rk.Span(START, END), meters=METERS)
    return sum((c.quantity for c in batch.charges if c.meter == meter), Decimal(0))


def _lines(statements: list[rk.Statement], meter: str) -> Decimal:
    return sum(
        (line.quantity for s in statements for line in s.lines if line.meter == meter),
        Decimal(0),
    )


@pytest.mark.parametrize("stop_id", [None, "t"])
def test_an_event_without_an_id_fed_with_an_inventory_names_its_part(stop_id: str | None) -> None:
    # s starts vm on 1 March 18:00 (seq 54); stated at 3 March 12:00: 6 + 24 + 12 = 42 h,
    # 1 March compacted. Then, in one batch, inv (a last_seen inventory of 5 March 12:00
    # that lists nothing) and a STOP of 3 March 21:00 ordered first (seq 0). Batch: the
    # STOP is an orphan; s, stamped before it, takes 21:00 (out of order); inv closes vm
    # at s, its last sign of life: 0 h. The stream takes back 2 and 3 March (-24, -12)
    # and names 1 March's 6 h: -6. Lines 42 - 36 = 6, named -6: 0. The STOP's late
    # change names inv alone, not the STOP, which has no id: it was taken for a part
    # applied while 1 March was kept, and went unnamed (6 where batch bills 0).
    start = rk.Event("a", "vm", "2026-03-01T18:00:00Z", kind="start", id="s", seq=54)
    inventory = rk.Inventory(
        "2026-03-05T12:00:00Z", [], accounts=["a"], close="last_seen", id="inv"
    )
    stop = rk.Event("a", "vm", "2026-03-03T21:00:00Z", kind="stop", id=stop_id, seq=0)
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([start])
    first = rater.statement("2026-03-03T12:00:00Z")
    assert _lines([first], "hours") == 42
    feed = rater.feed([inventory, stop])
    last = rater.statement(END)
    assert [(line.cycle.start.day, line.quantity) for line in last.lines] == [(2, -24), (3, -12)]
    assert _named([feed, last], "hours") == [-6]
    assert (
        _lines([first, last], "hours") + Decimal(-6)
        == 0
        == _batch([start, inventory, stop], "hours")
    )


@pytest.mark.parametrize("ids", [(None, None), ("d", None), (None, "u")])
def test_an_event_sequenced_after_one_of_its_batch_without_an_id_names_its_part(
    ids: tuple[str | None, str | None],
) -> None:
    # s starts vm on 2 March 09:00 (no seq); stated at 4 March 03:00: 15 + 24 + 3 = 42 h,
    # 1 and 2 March compacted. Then, in one batch, a DELETE stamped 1 March 12:00 (seq
    # 13) and an UPDATE of 5 March 00:00 ordered before it (seq 5). Batch: the UPDATE,
    # then the DELETE at 5 March 00:00 (out of order), and s after it (it goes after the
    # last sequenced event stamped before it, the DELETE): ignored. 0 h. The DELETE takes
    # the UPDATE's instant: late for the kept cycles, not too late; the stream takes back
    # 3 and 4 March (-24, -3) and names 2 March's 15 h: -15. 42 - 27 - 15 = 0. A DELETE
    # without an id names no record in its late change, which was taken for one applied
    # while 2 March was kept, and went unnamed (15 where batch bills 0).
    start = rk.Event("a", "vm", "2026-03-02T09:00:00Z", kind="start")
    delete = rk.Event("a", "vm", "2026-03-01T12:00:00Z", kind="delete", id=ids[0], seq=13)
    update = rk.Event("a", "vm", "2026-03-05T00:00:00Z", {"mb": 4}, kind="update", id=ids[1], seq=5)
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([start])
    first = rater.statement("2026-03-04T03:00:00Z")
    feed = rater.feed([delete, update])
    assert feed.too_late == ()
    last = rater.statement(END)
    assert [(line.cycle.start.day, line.quantity) for line in last.lines] == [(3, -24), (4, -3)]
    assert _named([feed, last], "hours") == [-15]
    assert _lines([first, last], "hours") - 15 == 0 == _batch([start, delete, update], "hours")


@pytest.mark.parametrize("ids", [("u", "c1", "c2"), (None, None, None)])
def test_a_reorder_names_only_the_description_it_moves_of_a_plain_counter(
    ids: tuple[str | None, ...],
) -> None:
    # Bytes read 400 on 1 March 18:00 and 730 on 3 March 03:00: 330 B over 33 h, 10 an
    # hour: 60 on 1 March, 240 on 2 March, 30 on 3 March, as batch. u (an UPDATE of 1
    # March 06:00, seq 7) runs vm from 06:00: 18 + 24 + 12 h by 3 March 12:00; 1 March
    # compacted. Then x (a START of 5 March 03:00, seq 4) is ordered before u, which
    # takes 03:00: 21 h on 5 March, as batch; the 18 h of 1 March are named -18. The
    # counter counts from its readings, wherever the events are: its bytes stay, but 1
    # March's 60 B, counted under {'mb': 2}, are undescribed in batch (vm is before 5
    # March): their move is named, -60 under {'mb': 2} and +60 under {}, nothing more.
    # It was named +60 B alone: metering from the compacted state finds the increment
    # across 2 March 00:00 again, and it was taken for x's part (it moved no stretch that
    # the counter's first reading counts from, but was listed among that meter's
    # records); then nothing, the move unnamed.
    update = rk.Event("a", "vm", "2026-03-01T06:00:00Z", {"mb": 2}, kind="update", id=ids[0], seq=7)
    first_reading = rk.Sample(
        "a", "vm", "bytes", "2026-03-01T18:00:00Z", 400, kind="counter", id=ids[1]
    )
    second = rk.Sample("a", "vm", "bytes", "2026-03-03T03:00:00Z", 730, kind="counter", id=ids[2])
    start = rk.Event("a", "vm", "2026-03-05T03:00:00Z", {"mb": 4}, kind="start", id="x", seq=4)
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([second, update, first_reading])
    first = rater.statement("2026-03-03T12:00:00Z")
    assert [line.quantity for line in first.lines if line.meter == "bytes"] == [60, 240, 30]
    feed = rater.feed([start])
    last = rater.statement(END)
    again = rater.statement("2026-03-07T00:00:00Z")  # the cycles of x compacted: metered anew
    reports: list[rk.Feed | rk.Statement] = [feed, last, again]
    assert _named(reports, "bytes") == [-60, 60]
    assert _named(reports, "hours") == [-18]
    assert (
        _lines([first, last, again], "bytes")
        == 330
        == _batch([update, first_reading, second, start], "bytes")
    )


@pytest.mark.parametrize("start_id", [None, "t"])
def test_a_part_ends_where_a_kept_last_seen_inventory_closed_the_resource(
    start_id: str | None,
) -> None:
    # s starts vm on 2 March 03:00 (seq 9); bytes read 700 there at 15:00, its last sign
    # of life; inv, a last_seen inventory of 3 March 12:00 that lists nothing, closes it
    # there: 12 h on 2 March. Stated at 4 March 03:00: 2 March compacted (3 March kept,
    # inv with it). Then a START of 5 March 21:00 ordered before s (seq 3): s takes
    # 21:00, so vm ran nothing on 2 March, and 3 h on 5 March, as batch (where inv finds
    # vm not started, and closes nothing). The stream billed 12 h on 2 March: named -12.
    # It was named -21, the hours to 3 March 00:00, 9 of them after the closing, which
    # no cycle billed (lines 12 + 3, named -21: -6 where batch bills 3).
    start = rk.Event("a", "vm", "2026-03-02T03:00:00Z", kind="start", id="s", seq=9)
    reading = rk.Sample("a", "vm", "bytes", "2026-03-02T15:00:00Z", 700, kind="counter", id="c")
    inventory = rk.Inventory(
        "2026-03-03T12:00:00Z", [], accounts=["a"], close="last_seen", id="inv"
    )
    early = rk.Event("a", "vm", "2026-03-05T21:00:00Z", kind="start", id=start_id, seq=3)
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([reading])
    rater.feed([inventory])
    rater.feed([start])
    first = rater.statement("2026-03-04T03:00:00Z")
    assert _lines([first], "hours") == 12
    feed = rater.feed([early])
    last = rater.statement(END)
    assert _named([feed, last], "hours") == [-12]
    # Its words say the part it names: -12 h, up to the closing at 15:00.
    (said,) = [a for a in (*feed.anomalies, *last.anomalies) if a.meter == "hours"]
    assert said.message.startswith(
        "late records of 'vm' of 'a' change meter 'hours' by -12 hour under description {} "
        "over 2026-03-02T03:00:00Z..2026-03-02T15:00:00Z, before what was already metered"
    )
    assert (
        _lines([first, last], "hours") - 12
        == 3
        == _batch([start, reading, inventory, early], "hours")
    )


def test_an_event_without_an_id_names_its_part_before_a_closing_said_too_late() -> None:
    # s starts vm on 1 March 09:00 (seq 36), u updates it at 21:00 (seq 50); stated at 3
    # March 00:00: 15 + 24 h, 1 March compacted. inv, a last_seen inventory of 2 March
    # 03:00 without an id that lists nothing, closes vm at u, its last sign of life:
    # 1 March 21:00, before the kept cycles: its 3 h there are said too late (-3), and 2
    # March is taken back (-24). Then a START of 4 March 03:00 without an id, ordered
    # before both (seq 22): they take 03:00, and vm runs from there, 21 + 24 h, as batch.
    # Its part on 1 March is 09:00 to 21:00, up to the closing: -12. Lines 39 - 24 + 45
    # = 60, named -3 - 12: 45. The -12 was taken for a repeat of inv's part, which is
    # named from the closing on.
    start = rk.Event("a", "vm", "2026-03-01T09:00:00Z", {"mb": 4}, kind="start", id="s", seq=36)
    update = rk.Event("a", "vm", "2026-03-01T21:00:00Z", {"mb": 4}, kind="update", id="u", seq=50)
    inventory = rk.Inventory("2026-03-02T03:00:00Z", [], accounts=["a"], close="last_seen")
    early = rk.Event("a", "vm", "2026-03-04T03:00:00Z", {"mb": 1}, kind="start", seq=22)
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([start])
    rater.feed([update])
    first = rater.statement("2026-03-03T00:00:00Z")
    closing = rater.feed([inventory])
    assert _named([closing], "hours") == [-3]
    feed = rater.feed([early])
    last = rater.statement(END)
    assert _named([feed, last], "hours") == [-12]
    assert (
        _lines([first, last], "hours") - 15
        == 45
        == _batch([start, update, inventory, early], "hours")
    )


def test_an_event_ordered_before_a_compacted_delete_names_the_share_it_gives_back() -> None:
    # c, a first reading from zero of 36 s on 3 March 03:00, comes while vm is deleted
    # (s starts it on 1 March 15:00, d deletes it at 21:00, seq 17): counted at its
    # instant, 36 on 3 March; stated at 3 March 06:00, 1 March compacted. Then u (an
    # UPDATE of 3 March 03:00, seq 10) is ordered before d, which takes 03:00: vm runs
    # from 1 March 15:00 to 3 March 03:00, and c counts from there, 1 s an hour over 36
    # h: 9 on 1 March, 24 on 2 March, 3 on 3 March, as batch. The stream corrects 2 and
    # 3 March (24, -36 + 3); the 9 s of 1 March are u's part there, named by its feed.
    # They went unnamed: the compacted state, deleted, had no stretch that u could move.
    reading = rk.Sample("a", "vm", "cpu", "2026-03-03T03:00:00Z", 36, kind="counter", id="c")
    start = rk.Event("a", "vm", "2026-03-01T15:00:00Z", kind="start", id="s")
    delete = rk.Event("a", "vm", "2026-03-01T21:00:00Z", kind="delete", id="d", seq=17)
    update = rk.Event("a", "vm", "2026-03-03T03:00:00Z", {"mb": 2}, kind="update", id="u", seq=10)
    rater = rk.Rater(PLAN, METERS, start=START)
    for record in (reading, start, delete):
        rater.feed([record])
    first = rater.statement("2026-03-03T06:00:00Z")
    assert [(line.meter, line.quantity) for line in first.lines] == [("hours", 6), ("cpu", 36)]
    feed = rater.feed([update])
    last = rater.statement(END)
    assert _named([feed, last], "cpu") == [9]
    assert [
        (line.cycle.start.day, line.quantity) for line in last.lines if line.meter == "cpu"
    ] == [
        (2, 24),
        (3, -36),
        (3, 3),
    ]
    assert _lines([first, last], "cpu") + 9 == 36 == _batch([reading, start, delete, update], "cpu")


@pytest.mark.parametrize("ahead", [True, False])
def test_an_event_that_reorders_a_stop_keeps_or_names_the_share_before_it(ahead: bool) -> None:
    # v (an UPDATE of 1 March 12:00, seq 0) runs vm; t (a STOP of 2 March 21:00, seq 8);
    # c, a first reading from zero of 48 s on 3 March 12:00; u (an UPDATE of 4 March
    # 09:00, seq 3). Batch orders u before t, which takes 4 March 09:00: vm runs from 1
    # March 12:00, and c counts from there, 1 s an hour over 48 h: 12 on 1 March, 24 on
    # 2 March, 12 on 3 March. Stated at 3 March 15:00, t stops vm at 21:00 and c, while
    # stopped, counts 48 on 3 March; 1 and 2 March close.
    # Fed ahead (u in the first batch, not metered yet), u was known to reorder t, so the
    # cycles from t on were kept, not from where c's stretch starts: 1 March compacted,
    # its 12 s named by nothing at the end (36 where batch bills 48). Now 1 March is kept
    # too, and corrected at the end: 12 + 24 + (-48 + 12) = 0 more, 48 in all.
    # Fed after that statement (1 March compacted), u's move of the stretch is named:
    # 48 + 24 + (-48 + 12) = 36 billed, 12 named too late.
    first = rk.Event("a", "vm", "2026-03-01T12:00:00Z", {"mb": 2}, kind="update", id="v", seq=0)
    stop = rk.Event("a", "vm", "2026-03-02T21:00:00Z", kind="stop", id="t", seq=8)
    reading = rk.Sample("a", "vm", "cpu", "2026-03-03T12:00:00Z", 48, kind="counter", id="c")
    later = rk.Event("a", "vm", "2026-03-04T09:00:00Z", {"mb": 2}, kind="update", id="u", seq=3)
    records: list[rk.Event | rk.Sample | rk.Inventory] = [later, first, reading, stop]
    rater = rk.Rater(PLAN, METERS, start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.feed(records if ahead else records[1:])]
    reports.append(rater.statement("2026-03-03T15:00:00Z"))
    if not ahead:
        reports.append(rater.feed([later]))
    reports.append(rater.statement(END))
    statements = [r for r in reports if isinstance(r, rk.Statement)]
    assert [line.quantity for line in statements[0].lines if line.meter == "cpu"] == [48]
    assert [
        (line.role, line.cycle.start.day, line.quantity)
        for line in statements[1].lines
        if line.meter == "cpu"
    ] == [
        *([("charge", 1, 12)] if ahead else []),
        ("charge", 2, 24),
        ("reversal", 3, -48),
        ("correction", 3, 12),
    ]
    assert _named(reports, "cpu") == ([] if ahead else [12])
    assert _lines(statements, "cpu") + sum(_named(reports, "cpu")) == _batch(records, "cpu")


#: When the DELETE comes, against the inventory: in its batch, in a batch before, or in
#: a batch before and metered by a statement (the watermark past its instant).
_ORDERS = ["one batch", "delete fed first", "delete metered first"]


@pytest.mark.parametrize("order", _ORDERS)
@pytest.mark.parametrize("inventory_id", ["inv", None])
def test_a_too_late_inventory_leaves_a_resource_an_event_reorders_before_compacted_ones(
    order: str, inventory_id: str | None
) -> None:
    # s starts vm on 1 March 06:00 (seq 49); stated at 3 March 03:00: 18 + 24 + 3 = 45 h,
    # 1 March compacted. Then inv (an inventory of 1 March 21:00 that lists nothing: too
    # late) and d (a DELETE of 5 March 15:00, seq 29). Batch: d first (an orphan, at
    # 15:00), s after it (out of order: 15:00, after the delete, ignored); inv finds
    # nothing running: 0 h. d, kept, is applied before the compacted s at each
    # statement, which takes back 2 and 3 March (-24, -3) and names 1 March's 18 h
    # (-18): 45 - 27 - 18 = 0, as batch. inv, reconciled with the compacted state where
    # s still runs, closed vm at 21:00 (-3 named) and settled its history, so that d
    # came after the delete (ignored): 15 h named by nothing, or 18 named and taken back.
    # Now inv leaves vm as it stands and says why, with no quantity.
    start = rk.Event("a", "vm", "2026-03-01T06:00:00Z", kind="start", id="s", seq=49)
    inventory = rk.Inventory("2026-03-01T21:00:00Z", [], accounts=["a"], id=inventory_id)
    delete = rk.Event("a", "vm", "2026-03-05T15:00:00Z", kind="delete", id="d", seq=29)
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([start])
    reports: list[rk.Feed | rk.Statement] = [rater.statement("2026-03-03T03:00:00Z")]
    if order == "one batch":
        reports.append(rater.feed([inventory, delete]))
    else:
        reports.append(rater.feed([delete]))
        if order == "delete metered first":
            reports.append(rater.statement("2026-03-05T16:00:00Z"))
        reports.append(rater.feed([inventory]))
    reports.append(rater.statement(END))
    statements = [r for r in reports if isinstance(r, rk.Statement)]
    assert _lines(statements, "hours") == 18
    assert _named(reports, "hours") == [-18]
    assert _lines(statements, "hours") + sum(_named(reports, "hours")) == _batch(
        [start, inventory, delete], "hours"
    )
    (said,) = [
        a
        for r in reports
        for a in r.anomalies
        if a.kind == "too_late" and a.resource == "vm" and "inventory" in a.message
    ]
    what = "inventory" if inventory_id is None else "inventory 'inv'"
    assert said.message == (
        f"{what} at 2026-03-01T21:00:00Z is older than every cycle the rater keeps (from "
        "2026-03-02T00:00:00Z) and 'vm' of 'a' has event 'd' (delete, seq 29, stamped "
        "2026-03-05T15:00:00Z) kept in the rater that its seq orders before the events of "
        "the compacted cycles: batch rate() applies that event first, and this inventory to "
        "what it makes of them, where the compacted state, once reconciled, could apply the "
        "event only after the inventory: it cannot be reconciled with it, and is not applied "
        "to 'vm' (what it would change there is not known here). It may be a replay of an "
        "inventory applied before and forgotten with its compacted cycle."
    )
    assert said.quantity is None


_HOUR_US = 3_600_000_000
_T0 = rk.Span(START, END).start_us


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(
    start_hour=st.integers(0, 22),
    inventory_hour=st.integers(1, 23),
    kind=st.sampled_from(["start", "stop", "update", "delete"]),
    event_hour=st.integers(27, 4 * 24 + 23),
    order=st.sampled_from(_ORDERS),
    listed_other=st.booleans(),
)
def test_a_too_late_inventory_with_an_event_reordered_before_compacted_ones_adds_up(
    *,
    start_hour: int,
    inventory_hour: int,
    kind: str,
    event_hour: int,
    order: str,
    listed_other: bool,
) -> None:
    # vm starts on 1 March (seq 49), stated at 3 March 03:00 (1 March compacted); then an
    # inventory of 1 March that does not list vm (too late; it may list another VM) and
    # an event of vm stamped from 2 March 03:00 on whose seq (29) orders it before the
    # START, in the inventory's batch, a batch before, or one metered before it. Batch
    # applies the event first, the START after it (out of order: at the event's instant,
    # from 2 March on), so vm is not running at the inventory's instant and it changes
    # nothing of vm. The stream's lines plus every quantity named come to batch, to the
    # hour (the inventory leaves vm as it stands, and says so).
    us = _T0 + start_hour * _HOUR_US
    start = rk.Event("a", "vm", rk.Span.from_us(us, us + 1).start, kind="start", id="s", seq=49)
    at = _T0 + inventory_hour * _HOUR_US
    listing = [("a", "other", {})] if listed_other else []
    inventory = rk.Inventory(rk.Span.from_us(at, at + 1).start, listing, accounts=["a"], id="i")
    when = _T0 + event_hour * _HOUR_US
    event = rk.Event(
        "a", "vm", rk.Span.from_us(when, when + 1).start, {"mb": 2}, kind=kind, id="e", seq=29
    )  # type: ignore[arg-type]
    rater = rk.Rater(PLAN, METERS, start=START)
    rater.feed([start])
    reports: list[rk.Feed | rk.Statement] = [rater.statement("2026-03-03T03:00:00Z")]
    if order == "one batch":
        reports.append(rater.feed([inventory, event]))
    else:
        reports.append(rater.feed([event]))
        if order == "delete metered first":
            metered = max(when + 1, _T0 + 52 * _HOUR_US)  # after the last watermark
            reports.append(rater.statement(rk.Span.from_us(metered, metered + 1).start))
        reports.append(rater.feed([inventory]))
    reports.append(rater.statement(END))
    statements = [r for r in reports if isinstance(r, rk.Statement)]
    total = _lines(statements, "hours") + sum(_named(reports, "hours"))
    assert total == _batch([start, inventory, event], "hours")


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(
    hours=st.tuples(
        st.integers(0, 23), st.integers(24, 47), st.integers(1, 23), st.integers(1, 48)
    ),
    seconds=st.integers(1, 200),
    ahead=st.booleans(),
    stop_kind=st.sampled_from(["stop", "update"]),
)
def test_an_event_that_reorders_a_stop_before_a_first_reading_adds_up(
    *, hours: tuple[int, int, int, int], seconds: int, ahead: bool, stop_kind: str
) -> None:
    # v (seq 0) runs vm on 1 March; t (seq 8, a STOP or an UPDATE) on 2 March; c, a first
    # reading from zero some hours after t; a statement some hours after c (1 March
    # compacted, or more); u (seq 3), stamped after that watermark, ordered before t: fed
    # ahead in the first batch, or after the statement. Batch orders u before t, which
    # takes u's instant: where t was a STOP, c counts from v. The stream's lines of cpu
    # plus every quantity named come to batch: the cycles c's stretch reaches are kept
    # while u is not metered, or u's move of the stretch is named.
    v_h, t_h, c_after, w_after = hours
    c_h = t_h + c_after
    w_h = c_h + w_after
    u_h = w_h + 1

    def at(hour: int) -> datetime:
        return rk.Span.from_us(_T0 + hour * _HOUR_US, _T0 + hour * _HOUR_US + 1).start

    first = rk.Event("a", "vm", at(v_h), {"mb": 2}, kind="update", id="v", seq=0)
    stop = rk.Event("a", "vm", at(t_h), kind=stop_kind, id="t", seq=8)  # type: ignore[arg-type]
    reading = rk.Sample("a", "vm", "cpu", at(c_h), seconds, kind="counter", id="c")
    later = rk.Event("a", "vm", at(u_h), {"mb": 2}, kind="update", id="u", seq=3)
    records: list[rk.Event | rk.Sample | rk.Inventory] = [later, first, reading, stop]
    rater = rk.Rater(PLAN, METERS, start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.feed(records if ahead else records[1:])]
    reports.append(rater.statement(at(w_h)))
    if not ahead:
        reports.append(rater.feed([later]))
    reports.append(rater.statement(END))
    statements = [r for r in reports if isinstance(r, rk.Statement)]
    total = _lines(statements, "cpu") + sum(_named(reports, "cpu"))
    assert total == _batch(records, "cpu")
