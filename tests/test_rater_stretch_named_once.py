"""A first reading from zero's share moved by an event ordered before compacted ones, named once.

An event whose ``seq`` orders it before events of the compacted cycles, and that moves
the running stretch a first reading from zero counts from, names the share it moves
there in its feed (`_rater_zero.kept()`: per meter and description). The statement
that meters it again from the compacted state finds that meter's change there too, as
metering's ``"late"`` rows; said as well, the share was named twice. Daily UTC cycles,
1 EUR a unit, no horizon; worked by hand in the comments.
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


def _batch(records: list[rk.Event | rk.Sample | rk.Inventory], meter: str) -> Decimal:
    batch = rk.rate(records, PLAN, span=rk.Span(START, END), meters=METERS)
    return sum((c.quantity for c in batch.charges if c.meter == meter), Decimal(0))


def _parts(reports: list[rk.Feed | rk.Statement], meter: str) -> list[tuple[str, Decimal]]:
    return [
        (a.kind, a.quantity)
        for r in reports
        for a in r.anomalies
        if a.kind in {"late", "too_late"} and a.meter == meter and a.quantity is not None
    ]


@pytest.mark.parametrize("stop_id", ["t", None])
def test_a_stop_ordered_before_a_compacted_start_names_the_share_once(stop_id: str | None) -> None:
    # s starts vm on 1 March 02:00 (seq 20, 4 mb); c1, a first reading from zero of
    # 120 s on 2 March 00:00, counts from there: 120 on 1 March; c2 (219 at 3 March
    # 02:00) adds 99 over 26 h: 99 x 24/26 = 91.384615... on 2 March, 99 x 2/26 =
    # 7.615384... on 3 March. Stated at 4 March 18:00: 1 and 2 March compacted, 211.384615
    # s there under {'mb': 4}. Then t, a STOP of 3 March 22:00 ordered before s (seq 10):
    # s takes 22:00 (out of order), so vm is not running when c1 reads and c1 counts at
    # its instant: 120 + 91.384615 = 211.384615 s on 2 March under {}, as batch. t's feed
    # names the move: -211.384615 under {'mb': 4}, +211.384615 under {}. 219 + 0 = 219.
    # The statement named metering's change too (-120 on 1 March, +211.384615 on 2
    # March): 91.384615 s more than batch's 219.
    start = rk.Event("a", "vm", "2026-03-01T02:00:00Z", {"mb": 4}, kind="start", id="s", seq=20)
    first = rk.Sample("a", "vm", "cpu", "2026-03-02T00:00:00Z", 120, kind="counter", id="c1")
    second = rk.Sample("a", "vm", "cpu", "2026-03-03T02:00:00Z", 219, kind="counter", id="c2")
    stop = rk.Event("a", "vm", "2026-03-03T22:00:00Z", kind="stop", id=stop_id, seq=10)
    rater = rk.Rater(PLAN, METERS, start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.feed([start, first, second])]
    reports.append(rater.statement("2026-03-04T18:00:00Z"))
    assert [line.quantity for line in reports[-1].lines if line.meter == "cpu"] == [
        120,
        Decimal("91.384615384615384615384615"),
        Decimal("7.615384615384615384615385"),
    ]
    reports.append(rater.feed([stop]))
    reports.append(rater.statement(END))
    moved = Decimal("211.384615384615384615384615")
    assert _parts(reports, "cpu") == [("too_late", -moved), ("too_late", moved)]
    assert lines_and_named(reports, "cpu") == 219 == _batch([start, first, second, stop], "cpu")


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(
    start_hour=st.integers(0, 23),
    readings=st.lists(st.integers(1, 71), min_size=1, max_size=3, unique=True),
    values=st.lists(st.integers(1, 300), min_size=3, max_size=3),
    stated=st.integers(72, 95),
    kind=st.sampled_from(["stop", "start", "update", "delete"]),
    event_hour=st.integers(72, 119),
    event_id=st.sampled_from(["e", None]),
)
def test_an_event_ordered_before_a_compacted_start_adds_up_for_a_first_reading(
    *,
    start_hour: int,
    readings: list[int],
    values: list[int],
    stated: int,
    kind: str,
    event_hour: int,
    event_id: str | None,
) -> None:
    # A START on 1 March (seq 20), a first reading from zero and up to two more on 1-3
    # March, a statement on 4 March that compacts 1 and 2 March, then an event (seq 10)
    # ordered before the START, stamped from 4 March on: batch moves the START to it.
    # The stream's lines of cpu plus every quantity named come to batch's.
    start = rk.Event("a", "vm", _at(start_hour), {"mb": 4}, kind="start", id="s", seq=20)
    total, samples = 0, []
    for number, (hour, value) in enumerate(zip(sorted(readings), values, strict=False)):
        total += value
        samples.append(
            rk.Sample("a", "vm", "cpu", _at(hour), total, kind="counter", id=f"c{number}")
        )
    attributes = {"mb": 2} if kind in {"start", "update"} else {}
    event = rk.Event("a", "vm", _at(event_hour), attributes, kind=kind, id=event_id, seq=10)  # type: ignore[arg-type]
    rater = rk.Rater(PLAN, METERS, start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.feed([start, *samples])]
    reports.append(rater.statement(_at(stated)))
    reports += [rater.feed([event]), rater.statement(END)]
    assert lines_and_named(reports, "cpu") == _batch([start, *samples, event], "cpu")


@pytest.mark.parametrize(
    ("at", "named", "kept"), [("03:00", "39.25", "117.75"), ("00:00", "157", "0")]
)
def test_a_first_reading_whose_stretch_a_kept_event_reopens_names_its_share(
    at: str, named: str, kept: str
) -> None:
    # d deletes vm on 1 March 05:00 (seq 20; never started: nothing runs); stated at 3
    # March 14:00, 1 March compacted. Then s, a START of 2 March 15:00 (seq 10), and u,
    # an UPDATE of 1 March 23:00 (seq 0, 2 mb: too late, placed in the compacted state),
    # and c, a first reading from zero of 157 s at 2 March 03:00. Batch orders u, s, d:
    # u opens vm at 23:00, s finds it running, d takes 15:00 (out of order). c counts
    # from 23:00, 157 s over 4 h: 39.25 on 1 March, 117.75 on 2 March. The compacted
    # state has vm deleted (d after u), so c had no stretch there; s, kept, orders d
    # after u and runs vm from 23:00: c's feed now names the 39.25 s before the kept
    # cycles, which went unnamed (117.75 where batch bills 157). Read at 2 March 00:00,
    # the whole 157 s lie on 1 March.
    delete = rk.Event("a", "vm", "2026-03-01T05:00:00Z", kind="delete", id="d", seq=20)
    start = rk.Event("a", "vm", "2026-03-02T15:00:00Z", {"mb": 2}, kind="start", id="s", seq=10)
    update = rk.Event("a", "vm", "2026-03-01T23:00:00Z", {"mb": 2}, kind="update", id="u", seq=0)
    reading = rk.Sample("a", "vm", "cpu", f"2026-03-02T{at}:00Z", 157, kind="counter", id="c")
    rater = rk.Rater(PLAN, METERS, start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.feed([delete])]
    reports.append(rater.statement("2026-03-03T14:00:00Z"))
    reports += [rater.feed([start, update]), rater.feed([reading]), rater.statement(END)]
    assert reports[-2].too_late == ("c",)
    (said,) = reports[-2].anomalies
    assert said.message == (
        f"sample 'c' (cpu, 157 at 2026-03-02T{at}:00Z) reaches back before every cycle the "
        "rater keeps: it counts from zero from the start of its resource's running stretch, "
        "which a kept event ordered by its seq before compacted events puts before "
        f"2026-03-02T00:00:00Z, and its part before 2026-03-02T00:00:00Z, {named} s, belonged "
        "to cycles already compacted (or before the rater's start): not applied (the rest is)."
    )
    assert [line.quantity for line in reports[-1].lines if line.meter == "cpu"] == (
        [Decimal(kept)] if kept != "0" else []
    )
    assert _parts(reports, "cpu") == [("too_late", Decimal(named))]
    assert lines_and_named(reports, "cpu") == 157 == _batch([delete, start, update, reading], "cpu")


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(
    ended=st.sampled_from(["delete", "stop"]),
    end_hour=st.integers(0, 22),
    opened=st.sampled_from(["update", "start"]),
    open_hour=st.integers(1, 23),
    start_hour=st.integers(24, 47),
    reading_hour=st.integers(24, 47),
    together=st.booleans(),
)
def test_a_first_reading_whose_stretch_a_kept_event_reopens_adds_up(
    *,
    ended: str,
    end_hour: int,
    opened: str,
    open_hour: int,
    start_hour: int,
    reading_hour: int,
    together: bool,
) -> None:
    # A STOP or DELETE on 1 March (seq 20), compacted; then a START on 2 March (seq 10)
    # and an UPDATE or START on 1 March (seq 0, too late, placed), and a first reading
    # from zero on 2 March, fed after them or with them. Batch orders the seq 0 event
    # first, the seq 20 one last: the reading counts from the seq 0 event when it opens
    # vm. The stream's lines of cpu plus every quantity named come to batch's.
    end = rk.Event("a", "vm", _at(end_hour), kind=ended, id="d", seq=20)  # type: ignore[arg-type]
    start = rk.Event("a", "vm", _at(start_hour), {"mb": 2}, kind="start", id="s", seq=10)
    sooner = rk.Event("a", "vm", _at(open_hour), {"mb": 4}, kind=opened, id="u", seq=0)  # type: ignore[arg-type]
    reading = rk.Sample("a", "vm", "cpu", _at(reading_hour), 96, kind="counter", id="c")
    rater = rk.Rater(PLAN, METERS, start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.feed([end])]
    reports.append(rater.statement(_at(62)))
    if together:
        reports.append(rater.feed([start, sooner, reading]))
    else:
        reports += [rater.feed([start, sooner]), rater.feed([reading])]
    reports.append(rater.statement(END))
    assert lines_and_named(reports, "cpu") == _batch([end, start, sooner, reading], "cpu")
