"""A too-late event placed before a kept ``last_seen`` closing: its part as metering runs it.

An event stamped before the kept cycles is placed in the compacted state; a kept
``last_seen`` inventory that closes its resource back there at its last sign of life
ends what batch bills at that closing, so the event's part there is judged up to it
(docs/streaming.md, Closings by ``last_seen`` inventories). Metering gives that part as
its late rows, per meter, cycle and description, over the whole cycle: a row that is one
running piece was metered again up to the closing, but one that is a change of several
pieces (a START whose ``seq`` orders it before a compacted START, which then takes its
instant and re-describes it) kept a share in proportion to time, not the time the
pieces run up to the closing. Daily UTC cycles, 1 EUR an hour, no horizon; worked by
hand in the comments.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._lines_named import lines_and_named
from tests._seq_plan import METERS, PLAN, START

import ratekit as rk

END = "2026-03-07T00:00:00Z"
_HOUR_US = 3_600_000_000
_T0 = rk.Span(START, END).start_us


def _at(hour: int) -> datetime:
    return rk.Span.from_us(_T0 + hour * _HOUR_US, _T0 + hour * _HOUR_US + 1).start


def _batch(records: list[rk.Event | rk.Sample | rk.Inventory]) -> Decimal:
    batch = rk.rate(records, PLAN, span=rk.Span(START, END), meters=METERS)
    return sum((c.quantity for c in batch.charges if c.meter == "hours"), Decimal(0))


def test_a_start_ordered_before_a_compacted_start_takes_its_hours_up_to_the_closing() -> None:
    # s starts vm on 1 March 14:00 (seq 30, 4 mb); i, a last_seen inventory of 2 March
    # 22:00 that lists nothing, closes it at s, its last sign of life: 0 h. Stated at 3
    # March 12:00, 1 March compacted (its state has vm running from 14:00: i is kept).
    # Then x, a START of 1 March 18:00 (seq 0, 2 mb), too late: batch orders x first and
    # s after it (out of order: 18:00, 4 mb again), and i closes vm at 18:00: 0 h. x
    # moves the closing from 14:00 to 18:00 (+4 h under {'mb': 4}, "stays unbilled"),
    # and its own part takes 14:00 to 18:00 back: vm no longer runs there (-4 h). 4 - 4
    # = 0, as batch. Its part was the change over 14:00..24:00 (-4 h) in proportion to
    # the time up to the closing, 4 of 10 h: -1.6 h, 2.4 h named where batch bills 0.
    start = rk.Event("a", "vm", "2026-03-01T14:00:00Z", {"mb": 4}, kind="start", id="s", seq=30)
    inventory = rk.Inventory("2026-03-02T22:00:00Z", [], accounts=["a"], close="last_seen", id="i")
    early = rk.Event("a", "vm", "2026-03-01T18:00:00Z", {"mb": 2}, kind="start", id="x", seq=0)
    rater = rk.Rater(PLAN, METERS, start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.feed([start, inventory])]
    reports.append(rater.statement("2026-03-03T12:00:00Z"))
    reports += [rater.feed([early]), rater.statement(END)]
    assert [(a.record_ids, a.quantity) for a in reports[2].anomalies] == [
        (("x", "i"), Decimal(4)),
        (("x",), Decimal(-4)),
    ]
    assert lines_and_named(reports, "hours") == 0 == _batch([start, inventory, early])


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(
    start_hour=st.integers(0, 20),
    later=st.integers(1, 23),
    kind=st.sampled_from(["start", "update", "stop"]),
    sequenced=st.booleans(),
    inventory_hour=st.integers(25, 47),
)
def test_a_too_late_event_before_a_kept_closing_adds_up(
    *, start_hour: int, later: int, kind: str, sequenced: bool, inventory_hour: int
) -> None:
    # vm starts on 1 March (seq 30, 4 mb); a last_seen inventory of 2 March that lists
    # nothing closes it there (kept); stated at 3 March 12:00, 1 March compacted. Then an
    # event of 1 March after the START (a START, UPDATE or STOP of 2 mb), with a seq that
    # orders it first or none: too late, placed. The stream's hours plus every quantity
    # named come to batch's.
    start = rk.Event("a", "vm", _at(start_hour), {"mb": 4}, kind="start", id="s", seq=30)
    inventory = rk.Inventory(_at(inventory_hour), [], accounts=["a"], close="last_seen", id="i")
    attributes = {"mb": 2} if kind != "stop" else {}
    event_hour = min(start_hour + later, 23)
    seq = 0 if sequenced else None
    early = rk.Event("a", "vm", _at(event_hour), attributes, kind=kind, id="x", seq=seq)  # type: ignore[arg-type]
    rater = rk.Rater(PLAN, METERS, start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.feed([start, inventory])]
    reports.append(rater.statement("2026-03-03T12:00:00Z"))
    reports += [rater.feed([early]), rater.statement(END)]
    assert lines_and_named(reports, "hours") == _batch([start, inventory, early])
