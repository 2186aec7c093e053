"""The differential search of sequenced events, last_seen inventories and both counters.

`tests/_stretch_streams.py` draws the streams and sums, per resource, meter and price
entry, the stream's lines plus the quantities its anomalies name, against one batch
``rate()``. Over seeds 0-3999, 41 streams differed; 35 now come to batch (five first
readings from zero, `tests/test_rater_stretch_named_once.py`; two placed events' hours,
`tests/test_rater_placed_closing_parts.py`; 16 plain counters described anew,
`tests/test_rater_redescribed_counters.py`; two of a kept closing's move, 1675 and 3078,
by the part of an event that moves the closing out of the compacted cycles,
`tests/test_rater_seq_closings.py` and the example below; and the ten of a kept
event ordered by its ``seq`` before compacted events of a resource a kept ``last_seen``
inventory closed back into the compacted cycles, 253, 890, 979, 1985, 2093, 2122, 2267,
2304, 2639 and 3648, since metering's late rows of a time meter are per stretch (the
event's part there is the stretch the closing already named) and the event's part is
judged with the closing and without the event (`tests/test_rater_seq_closed_parts.py`
and the examples below)), one differs anew (1844). Of the seven then left, six come to
batch: five since a placed event's part of a plain counter, and a kept ``last_seen``
closing's move back of it, are metered with the kept readings (600, 1844, 2165, 2548 and
3294), and one since a kept closing at a stopped resource's first reading from zero names
that reading's move to no description (1563); one differs anew (2994). Searched again
after a from_zero counter came to count every running stretch after a stop from 0, one
more differed (3972), and came to batch since a kept record that moves how far a later
reading's increment spreads names its move of the compacted part. The two left (898 and
2994) came to batch since a kept ``last_seen`` inventory that lists another resource is
left out of what it is judged without (metered without it, it was narrowed to the
resource anew and so left in, and its move of a plain counter's part came to nothing):
none of SEEDS differs now. The kinds that differed (docs/streaming.md, Known faults):

- ``"closing"`` (none left here): a kept event ordered by its ``seq`` before compacted
  events, of a resource a kept ``last_seen`` inventory closed back into the compacted
  cycles, whose part there or move of the closing differs from batch.
- ``"counter described anew"`` (none left here): a plain counter's increment across the
  kept cycles' start that a too-late event placed in the compacted state describes
  anew, the resource then closed back before it by a kept ``last_seen`` inventory fed
  with or after other records: the quantities add up, the money does not (898 is kept
  cut down in `tests/test_rater_search_round_d.py`).
- ``"a first reading's sum"`` (none left here): a first reading from zero too late for
  its increment's start, whose part before the kept cycles differs from batch's (3972
  was judged without a ``last_seen`` inventory fed with it that deletes the resource, so
  that the STOP before the reading no longer holds the counter;
  `tests/test_rater_search_round_d.py` keeps it cut down).
- ``"reading at a closing"`` (none left here): a first reading from zero at the very
  instant a kept ``last_seen`` inventory closes its stopped resource back there, which
  batch reads after the closing (no description).

Daily UTC cycles; the examples at 1 EUR a unit (2 and 4 EUR under a size of 2 and 4
``mb``).
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

import ratekit as rk

#: 200 in CI (twice the laws' budget, never fewer); a long run (``RATEKIT_LAW_EXAMPLES=2000`` or
#: more) searches all 4,000.
SEEDS = range(min(max(2 * LAWS, 200), 4000))
_CLOSING = "closing"
_ANEW = "counter described anew"
_AT_CLOSING = "reading at a closing"
_SUM = "a first reading's sum"
#: The streams of SEEDS that differ from batch, by kind.
PINNED: dict[int, str] = {}
START = "2026-03-01T00:00:00Z"
END = "2026-03-07T00:00:00Z"


def _kind(found: list[tuple[str, str, str, Decimal, Decimal]]) -> str:
    """The kind of a stream's differences (see the module's docstring)."""
    meters = {(meter, entry == "*") for _, meter, entry, _, _ in found}
    if any(meter == "hours" for meter, _ in meters):
        return _CLOSING
    if meters <= {("bytes", False), ("cpu", False)} and ("bytes", False) in meters:
        return _ANEW
    if meters == {("cpu", True)}:
        return _SUM
    return _AT_CLOSING if meters == {("cpu", False)} else f"new: {sorted(meters)}"


@pytest.mark.property
def test_the_search_differs_from_batch_only_in_the_streams_pinned() -> None:
    # Every seed of SEEDS, once (about a minute): a stream that comes to batch now, or
    # one that differs anew, changes the set, and the list above with it.
    found = {seed: streams.differences(seed) for seed in SEEDS}
    pinned = {seed: kind for seed, kind in PINNED.items() if seed in SEEDS}
    assert {seed: _kind(d) for seed, d in found.items() if d} == pinned


def _priced(
    reports: list[rk.Feed | rk.Statement], records: list[streams.Record]
) -> tuple[dict[streams.Key, Decimal], dict[streams.Key, Decimal]]:
    """The stream's and batch's sums per (resource, meter, entry), the zero ones left out."""
    mine, _ = streams.stream_sums(reports)
    theirs = streams.batch_sums(records)
    return (
        {key: value for key, value in mine.items() if value},
        {key: value for key, value in theirs.items() if value},
    )


def test_a_reorder_that_takes_a_kept_closing_away_names_its_part_once() -> None:
    # u1 (an UPDATE of 1 March 09:00, seq 10) opens vm; u0 (an UPDATE of 05:00, seq
    # 30) takes 09:00 (out of order). Stated at 3 March 04:00: 15 + 24 + 4 = 43 h, 1
    # March compacted. i, a last_seen inventory of 2 March 04:00 listing nothing, closes
    # vm at 09:00, its last sign of life: 1 March's 15 h named too late (-15, they stay
    # billed), 2 and 3 March taken back. Then x, a STOP of 4 March 10:00 ordered before
    # both (seq 0): they take 10:00 after it, and vm never runs: batch bills 0 h.
    # Metered from the compacted state, where vm runs from 09:00, x's part on 1 March is
    # the stretch 09:00-24:00, -15 h, the part the closing named: not named again, 15 -
    # 15 = 0 as batch. (One late row per cycle and description, from 05:00, where the
    # changes begin, to the clock, was a part of its own: the statement named -15 h
    # again, 15 - 15 - 15 = -15 where batch bills 0.)
    u1 = rk.Event("a", "vm", "2026-03-01T09:00:00Z", {"mb": 2}, kind="update", id="u1", seq=10)
    u0 = rk.Event("a", "vm", "2026-03-01T05:00:00Z", {"mb": 2}, kind="update", id="u0", seq=30)
    closing = rk.Inventory("2026-03-02T04:00:00Z", [], close="last_seen", id="i")
    stop = rk.Event("a", "vm", "2026-03-04T10:00:00Z", kind="stop", id="x", seq=0)
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.feed([u1]), rater.feed([u0])]
    reports.append(rater.statement("2026-03-03T04:00:00Z"))
    reports += [rater.feed([closing]), rater.feed([stop]), rater.statement(END)]
    assert lines_and_named(reports, "hours") == 0


def test_a_reorder_that_moves_a_kept_closing_names_no_hours_it_takes_away() -> None:
    # Stated at 4 March 05:00 with nothing fed: 1 to 3 March closed, 1 and 2 March
    # compacted. i5, a last_seen inventory of 3 March 08:00 listing nothing, and e1, a
    # START of 2 March 08:00 (seq 20, too late: placed, its 16 h named +16), come
    # together: i5 closes vm at e1 (-16, stays billed). Then e2, a START of 3 March
    # 06:00 ordered before e1 (seq 0): e1 takes 06:00, i5 closes vm there, and batch
    # bills 0 h. i5's closing is judged without e2 (at e1), and e2's part of 2 March is
    # what batch bills there with e2 (0) less without it (0): nothing. 16 - 16 = 0. (e2
    # named its move of the closing, +16 h where batch bills 0, until the part of an event
    # that moves a kept closing out of the compacted cycles was named with the START it
    # moves, -16; neither is named now.)
    closing = rk.Inventory("2026-03-03T08:00:00Z", [], accounts=["a"], close="last_seen", id="i5")
    placed = rk.Event("a", "vm", "2026-03-02T08:00:00Z", {"mb": 2}, kind="start", id="e1", seq=20)
    early = rk.Event("a", "vm", "2026-03-03T06:00:00Z", {"mb": 4}, kind="start", id="e2", seq=0)
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.statement("2026-03-04T05:00:00Z")]
    reports += [rater.feed([closing, placed]), rater.feed([early]), rater.statement(END)]
    assert lines_and_named(reports, "hours") == 0


def test_a_first_reading_at_a_kept_closing_of_a_stopped_resource_takes_no_description() -> None:
    # t stops vm on 1 March 01:00 (seq 20), s starts it on 2 March 18:00 (seq 10, 4 mb):
    # t takes 18:00 (out of order), vm stopped with 4 mb. c, a first reading from zero
    # of 168 s at 3 March 10:00, counts at its instant (not running): 168 s on 3 March
    # under {'mb': 4} (4 EUR a second). Stated at 5 March 06:00: 1 to 3 March compacted.
    # Then i, a last_seen inventory of 4 March 12:00 (account a) listing nothing, closes
    # vm at c, its last sign of life: batch reads c at the closing, deleted, under {}
    # (1 EUR a second): 168 EUR. i's anomaly names the move, -168 s under {'mb': 4} and
    # +168 s under {}: 672 - 672 + 168 = 168 EUR, as batch. (Stopped time is metered by
    # no meter: nothing was named, and the stream kept 168 s under {'mb': 4}, 672 EUR.)
    stop = rk.Event("a", "vm", "2026-03-01T01:00:00Z", kind="stop", id="t", seq=20)
    start = rk.Event("a", "vm", "2026-03-02T18:00:00Z", {"mb": 4}, kind="start", id="s", seq=10)
    reading = rk.Sample("a", "vm", "cpu", "2026-03-03T10:00:00Z", 168, kind="counter", id="c")
    closing = rk.Inventory("2026-03-04T12:00:00Z", [], accounts=["a"], close="last_seen", id="i")
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.feed([stop, start]), rater.feed([reading])]
    reports.append(rater.statement("2026-03-05T06:00:00Z"))
    reports += [rater.feed([closing]), rater.statement(END)]
    named = [(a.meter, a.quantity) for r in reports for a in r.anomalies if a.meter == "cpu"]
    assert named == [("cpu", -168), ("cpu", 168)]
    assert lines_and_named(reports, "cpu") == 168
    mine, theirs = _priced(reports, [stop, start, reading, closing])
    assert mine == theirs


def test_a_placed_start_names_the_move_of_a_plain_counters_part_to_its_description() -> None:
    # bytes read 232 on 3 March 22:00 and 646 on 4 March 21:00: 414 B over 23 h, 18 an
    # hour, 36 on 3 March and 378 on 4 March, vm undescribed (1 EUR a byte). Stated at 5
    # March 12:00: 3 March compacted. Then s, a START of 3 March 20:00 (2 mb, 2 EUR a
    # byte), too late: placed, its 4 h named. Batch bills the 414 B under {'mb': 2}: 828
    # EUR. The kept cycles move 4 March's 378 B there (756 EUR); s's anomaly names 3
    # March's 36 B moved, -36 B under {} and +36 B under {'mb': 2}: 36 - 36 + 72 + 756 =
    # 828 EUR, as batch, the bytes adding up (414). (Nothing named them, 36 + 756 = 792
    # EUR, before a placed event's part of a plain counter was metered with the kept
    # readings from the state before it and after it.)
    first = rk.Sample("a", "vm", "bytes", "2026-03-03T22:00:00Z", 232, kind="counter", id="b0")
    second = rk.Sample("a", "vm", "bytes", "2026-03-04T21:00:00Z", 646, kind="counter", id="b1")
    start = rk.Event("a", "vm", "2026-03-03T20:00:00Z", {"mb": 2}, kind="start", id="s")
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.feed([first]), rater.feed([second])]
    reports.append(rater.statement("2026-03-05T12:00:00Z"))
    reports += [rater.feed([start]), rater.statement(END)]
    assert lines_and_named(reports, "bytes") == 414
    mine, theirs = _priced(reports, [first, second, start])
    assert mine == theirs


def test_a_kept_closing_names_the_move_back_of_a_plain_counters_part_a_placed_start_moved() -> None:
    # bytes read 100 on 1 March 08:00 and 292 on 2 March 08:00: 192 B over 24 h, 8 an
    # hour, 128 on 1 March and 64 on 2 March, vm undescribed (1 EUR a byte). Stated at 3
    # March 02:00: 1 March compacted. Then s, a START of 1 March 20:00 (4 mb), too late:
    # placed, it names 1 March's 4 h * 8 = 32 B moved, -32 under {} and +32 under
    # {'mb': 4}. Then i, a last_seen inventory of 2 March 00:00 listing nothing, kept:
    # it closes vm back at s (-4 h named) and batch reads the increment of a deleted
    # resource, under {}: it names the 32 B moved back, -32 under {'mb': 4} and +32
    # under {}. Lines 128 + 64 under {}, named 0 under {'mb': 4}: 192 EUR, as batch.
    first = rk.Sample("a", "vm", "bytes", "2026-03-01T08:00:00Z", 100, kind="counter", id="b0")
    second = rk.Sample("a", "vm", "bytes", "2026-03-02T08:00:00Z", 292, kind="counter", id="b1")
    start = rk.Event("a", "vm", "2026-03-01T20:00:00Z", {"mb": 4}, kind="start", id="s")
    closing = rk.Inventory("2026-03-02T00:00:00Z", [], close="last_seen", id="i")
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.feed([first]), rater.feed([second])]
    reports.append(rater.statement("2026-03-03T02:00:00Z"))
    placed, closed = rater.feed([start]), rater.feed([closing])
    named = [(a.meter, a.quantity) for a in (*placed.anomalies, *closed.anomalies)]
    assert [n for n in named if n[0] == "bytes"] == [("bytes", -32), ("bytes", 32)] * 2
    reports += [placed, closed, rater.statement(END)]
    assert lines_and_named(reports, "bytes") == 192
    mine, theirs = _priced(reports, [first, second, start, closing])
    assert mine == theirs == {("vm", "bytes", "bytes-x0"): Decimal(192)}


@st.composite
def _stopped_readings(
    draw: st.DrawFn,
) -> tuple[list[rk.Event], rk.Sample, rk.Inventory, tuple[bool, bool]]:
    """A VM started and stopped on 1 or 2 March (described anew while stopped, or not), a
    first reading from zero after it stopped, and a last_seen inventory of 4 March."""
    hours = sorted(draw(st.lists(st.integers(0, 40), min_size=3, max_size=3, unique=True)))
    at = [f"2026-03-0{1 + h // 24}T{h % 24:02d}:00:00Z" for h in hours]
    sizes = [draw(st.sampled_from([2, 4])) for _ in range(2)]
    events = [
        rk.Event("a", "vm", at[0], {"mb": sizes[0]}, kind="start", id="go"),
        rk.Event("a", "vm", at[1], kind="stop", id="off"),
    ]
    if draw(st.booleans()):  # described anew while stopped, before the reading
        events.append(rk.Event("a", "vm", at[2], {"mb": sizes[1]}, kind="update", id="up"))
    hour = draw(st.integers(hours[-1] + 1, 71))
    reading = rk.Sample("a", "vm", "cpu", f"2026-03-0{1 + hour // 24}T{hour % 24:02d}:00:00Z",
                        draw(st.integers(1, 300)), kind="counter", id="c")  # fmt: skip
    listed = [("a", "vm")] if draw(st.integers(0, 4)) == 0 else []
    closing = rk.Inventory(f"2026-03-04T{draw(st.integers(0, 23)):02d}:00:00Z", listed,
                           close="last_seen", id="i")  # fmt: skip
    return events, reading, closing, (draw(st.booleans()), draw(st.booleans()))


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(_stopped_readings())
def test_law_a_kept_closing_at_a_stopped_resources_first_reading_comes_to_batch(
    drawn: tuple[list[rk.Event], rk.Sample, rk.Inventory, tuple[bool, bool]],
) -> None:
    # The oracle: one batch rate() of every record. A VM stopped before its first reading
    # from zero (so the reading counts at its instant), 1 to 3 March compacted (5 March
    # 06:00), then a last_seen inventory of 4 March, listing the VM or not, that may
    # close it back at the reading; restored before it or not, a statement between or
    # not. The stream's lines plus the seconds named, per description, are batch's. (Of
    # 1,000 seeded streams of a like shape, 113 differed while such a reading kept its
    # compacted description.)
    events, reading, closing, (restore, between) = drawn
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.feed(events), rater.feed([reading])]
    reports.append(rater.statement("2026-03-05T06:00:00Z"))
    if restore:
        rater = rk.Rater.restore(
            json.loads(json.dumps(rater.snapshot())), streams.PLAN, streams.METERS
        )
    reports.append(rater.feed([closing]))
    if between:
        reports.append(rater.statement("2026-03-05T07:00:00Z"))
    reports.append(rater.statement(END))
    assume(not streams.doubts(reports))
    mine, theirs = _priced(reports, [*events, reading, closing])
    assert {k: v for k, v in mine.items() if k[1] == "cpu"} == {
        k: v for k, v in theirs.items() if k[1] == "cpu"
    }


@st.composite
def _placed_on_counters(
    draw: st.DrawFn,
) -> tuple[list[rk.Record], list[rk.Record], rk.Event, bool]:
    """Plain counter readings across 3 March's end, events of 1 to 3 March, and an event of
    3 March fed once it is compacted (placed in the compacted state)."""
    kinds = ("start", "stop", "update")

    def at(low: int, high: int) -> str:
        hour = draw(st.integers(low, high))
        return f"2026-03-0{1 + hour // 24}T{hour % 24:02d}:00:00Z"

    def event(n: int, low: int, high: int) -> rk.Event:
        kind = draw(st.sampled_from(kinds))
        described = {"mb": draw(st.sampled_from([2, 4]))} if kind != "stop" else {}
        return rk.Event("a", "vm", at(low, high), described, kind=kind, id=f"e{n}")

    early = [event(n, 0, 71) for n in range(draw(st.integers(0, 2)))]
    readings: list[rk.Record] = [
        rk.Sample("a", "vm", "bytes", at(24, 71), draw(st.integers(0, 300)), kind="counter",
                  id="b0"),
        rk.Sample("a", "vm", "bytes", at(72, 100), draw(st.integers(300, 900)), kind="counter",
                  id="b1"),
    ]  # fmt: skip
    return [*early, readings[0]], [readings[1]], event(9, 48, 71), draw(st.booleans())


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(_placed_on_counters())
def test_law_a_placed_event_names_its_move_of_a_plain_counters_part(
    drawn: tuple[list[rk.Record], list[rk.Record], rk.Event, bool],
) -> None:
    # The oracle: one batch rate() of every record. A plain counter read on 2 or 3 March
    # and on 4 March, events of 1 to 3 March, 3 March compacted (5 March 12:00) with
    # the second reading kept, then an event of 3 March, too late (placed in the
    # compacted state), restored before it or not: the stream's lines plus the bytes
    # named, per description, are batch's. (Such an event left the increment's part on
    # 3 March under its old description, named by nothing.)
    compacted, kept, placed, restore = drawn
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.feed(compacted), rater.feed(kept)]
    reports.append(rater.statement("2026-03-05T12:00:00Z"))
    if restore:
        rater = rk.Rater.restore(
            json.loads(json.dumps(rater.snapshot())), streams.PLAN, streams.METERS
        )
    reports += [rater.feed([placed]), rater.statement(END)]
    assume(not streams.doubts(reports))
    mine, theirs = _priced(reports, [*compacted, *kept, placed])
    assert {k: v for k, v in mine.items() if k[1] == "bytes"} == {
        k: v for k, v in theirs.items() if k[1] == "bytes"
    }


@pytest.mark.xfail(
    strict=True,
    reason="a too-late START placed in the compacted state that moves a kept closing names "
    "a move of a plain counter's part that does not add up (-165.8 B under {'mb': 2}, "
    "+99.5 B under {}) where the part it moves was named before with no description "
    "(known fault, docs/streaming.md)",
)
def test_a_placed_start_moving_a_closing_names_a_counters_move_that_adds_up() -> None:
    # e0 describes vm {'mb': 2} from 1 March; bytes read 224 on 3 March 04:00; i, a
    # last_seen inventory of 4 March listing nothing, closes vm at that reading. Stated
    # at 6 March: 1 to 4 March compacted. Then b6, 763 at 4 March 19:00: 539 B over
    # 39 h, its 20 h before 4 March (276.41 B) named too late, with no description,
    # 262.59 B billed on 4 March. Then e3, a START of 3 March 16:00 (seq 30), too late:
    # it moves the closing to 16:00. The bytes are the bytes: batch bills 539 in all
    # (165.85 + 110.56 on 3 March, 262.59 on 4 March); what the stream bills and names
    # must add up to that, whatever descriptions the move names.
    e0 = rk.Event("a", "vm0", "2026-03-01T00:00:00Z", {"mb": 2}, kind="update", id="e0", seq=0)
    b4 = rk.Sample("a", "vm0", "bytes", "2026-03-03T04:00:00Z", 224, kind="counter", id="b4")
    closing = rk.Inventory("2026-03-04T00:00:00Z", [], close="last_seen", id="i9")
    b6 = rk.Sample("a", "vm0", "bytes", "2026-03-04T19:00:00Z", 763, kind="counter", id="b6")
    e3 = rk.Event("a", "vm0", "2026-03-03T16:00:00Z", {"mb": 4}, kind="start", id="e3", seq=30)
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START, horizon=dt.timedelta(hours=1))
    reports: list[rk.Feed | rk.Statement] = [rater.feed([e0, b4]), rater.feed([closing])]
    reports.append(rater.statement("2026-03-06T00:00:00Z"))
    reports += [rater.feed([b6]), rater.feed([e3]), rater.statement(END)]
    assert lines_and_named(reports, "bytes") == 539
