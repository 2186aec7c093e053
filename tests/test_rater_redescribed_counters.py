"""A plain counter's increment that an event ordered before compacted ones describes anew.

A kept event whose ``seq`` orders it before the events of a compacted state has the
resource metered again from that state, and may describe anew the compacted cycles'
part of a plain counter's increments (`Counter()` counts from its readings, wherever
the events are; each increment is priced under the description in force). An increment
between compacted readings moves from one description to the other; one that a kept
reading counts across the kept cycles' start was applied while its cycles were kept,
and metering finds its part before them again, under the new description alone: it
was named so, not taken back under the old one, or (alone in its cycle and
description, taken for a part applied before) not named at all. Daily UTC cycles, 1
EUR a byte (2 under a size of 2 ``mb``), no horizon; worked by hand in the comments.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests import _stretch_streams as streams
from tests._budget import FLOOR, LAWS
from tests._lines_named import lines_and_named

import ratekit as rk

START = "2026-03-01T00:00:00Z"
END = "2026-03-07T00:00:00Z"
_HOUR_US = 3_600_000_000
_T0 = rk.Span(START, END).start_us


def _at(hour: int) -> datetime:
    return rk.Span.from_us(_T0 + hour * _HOUR_US, _T0 + hour * _HOUR_US + 1).start


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


def _bytes(reports: list[rk.Feed | rk.Statement]) -> list[tuple[str, Decimal]]:
    return [
        (streams.entry_of("bytes", a.message.split(" under description ")[1]), a.quantity)
        for r in reports
        for a in r.anomalies
        if a.kind in {"late", "too_late"} and a.meter == "bytes" and a.quantity is not None
    ]


def test_an_increment_across_the_kept_cycles_start_is_taken_back_under_the_old_description() -> (
    None
):
    # s starts vm on 1 March (seq 10, 2 mb); bytes read 0 at 12:00, 480 at 18:00 and 960
    # at 3 March 06:00 (480 over 36 h: 80 on 1 March, 320 on 2 March, 80 on 3 March).
    # Stated at 3 March 13:00: 1 March compacted with 560 B under {'mb': 2}. Then x, a
    # START of 4 March ordered before s (seq 0): s takes 4 March, vm is not described
    # before, and batch puts all 960 B under {} (560 of them on 1 March). The kept lines
    # move 2 and 3 March; the statement names 1 March's 560 B: -560 under {'mb': 2},
    # +560 under {}. 560 + 320 + 80 + 0 = 960 B, as batch, each under batch's entry. It
    # named -480 and +560: the 80 B the 3 March reading counts on 1 March were added
    # under {} and not taken back under {'mb': 2}, 1,040 B where batch bills 960.
    start = rk.Event("a", "vm", "2026-03-01T00:00:00Z", {"mb": 2}, kind="start", id="s", seq=10)
    readings = [
        rk.Sample("a", "vm", "bytes", at, value, kind="counter", id=f"b{value}")
        for at, value in (
            ("2026-03-01T12:00:00Z", 0),
            ("2026-03-01T18:00:00Z", 480),
            ("2026-03-03T06:00:00Z", 960),
        )
    ]
    early = rk.Event("a", "vm", "2026-03-04T00:00:00Z", {"mb": 2}, kind="start", id="x", seq=0)
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.feed([start, *readings])]
    reports.append(rater.statement("2026-03-03T13:00:00Z"))
    reports += [rater.feed([early]), rater.statement(END)]
    assert _bytes(reports) == [("bytes-x2", -560), ("bytes-x0", 560)]
    assert lines_and_named(reports, "bytes") == 960
    mine, theirs = _priced(reports, [start, *readings, early])
    assert mine == theirs


def test_an_increment_across_the_kept_cycles_start_alone_names_its_move() -> None:
    # s starts vm on 1 March (seq 10, 2 mb); bytes read 0 at 12:00 and 480 at 3 March
    # 12:00: 10 B an hour, 120 on 1 March, 240 on 2 March, 120 on 3 March, all under
    # {'mb': 2} (2 EUR a byte). Stated at 3 March 13:00: 1 March compacted. Then x, a
    # START of 4 March ordered before s (seq 0): batch bills the 480 B under {} (1 EUR a
    # byte): 480 EUR. The kept cycles move 2 and 3 March to {}; the statement names 1
    # March's 120 B, -120 under {'mb': 2} and +120 under {}: 120 x 2 + 240 + 120 - 240 +
    # 120 = 480 EUR. It named nothing (the 120 B found under {} alone were taken for a
    # part applied while 1 March was kept): 600 EUR, the bytes adding up but not the money.
    start = rk.Event("a", "vm", "2026-03-01T00:00:00Z", {"mb": 2}, kind="start", id="s", seq=10)
    first = rk.Sample("a", "vm", "bytes", "2026-03-01T12:00:00Z", 0, kind="counter", id="b0")
    second = rk.Sample("a", "vm", "bytes", "2026-03-03T12:00:00Z", 480, kind="counter", id="b1")
    early = rk.Event("a", "vm", "2026-03-04T00:00:00Z", {"mb": 2}, kind="start", id="x", seq=0)
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.feed([start, first, second])]
    reports.append(rater.statement("2026-03-03T13:00:00Z"))
    reports += [rater.feed([early]), rater.statement(END)]
    assert _bytes(reports) == [("bytes-x2", -120), ("bytes-x0", 120)]
    assert lines_and_named(reports, "bytes") == 480
    mine, theirs = _priced(reports, [start, first, second, early])
    assert mine == theirs


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(
    start_hour=st.integers(0, 23),
    hours=st.lists(st.integers(0, 71), min_size=2, max_size=4, unique=True),
    steps=st.lists(st.integers(1, 300), min_size=4, max_size=4),
    stated=st.integers(61, 95),
    kind=st.sampled_from(["start", "update", "stop", "delete"]),
    event_hour=st.integers(72, 119),
    restore=st.booleans(),
)
def test_a_plain_counter_described_anew_by_a_reorder_adds_up_per_entry(
    *,
    start_hour: int,
    hours: list[int],
    steps: list[int],
    stated: int,
    kind: str,
    event_hour: int,
    restore: bool,
) -> None:
    # A START on 1 March (seq 10, 2 mb), two to four readings of a plain counter on 1-3
    # March, a statement on 3 or 4 March (1 and maybe 2 March compacted), then an event
    # ordered before the START (seq 0), stamped from 4 March on (4 mb, or none): batch
    # moves the START to it, and describes the increments before it anew. The stream's
    # bytes plus every quantity named, per price entry, come to batch's.
    start = rk.Event("a", "vm", _at(start_hour), {"mb": 2}, kind="start", id="s", seq=10)
    total, readings = 0, []
    for number, (hour, step) in enumerate(zip(sorted(hours), steps, strict=False)):
        total += step
        readings.append(
            rk.Sample("a", "vm", "bytes", _at(hour), total, kind="counter", id=f"b{number}")
        )
    attributes = {"mb": 4} if kind in {"start", "update"} else {}
    early = rk.Event("a", "vm", _at(event_hour), attributes, kind=kind, id="x", seq=0)  # type: ignore[arg-type]
    rater = rk.Rater(streams.PLAN, streams.METERS, start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.feed([start, *readings])]
    reports.append(rater.statement(_at(stated)))
    if restore:
        snapshot = rater.snapshot()
        rater = rk.Rater.restore(snapshot, streams.PLAN, streams.METERS)
    reports += [rater.feed([early]), rater.statement(END)]
    mine, theirs = _priced(reports, [start, *readings, early])
    assert mine == theirs
