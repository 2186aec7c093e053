"""A sample without an id reaching back into compacted cycles: its part there named once.

The feed names the part of such a sample that lies in compacted cycles in a
``"too_late"`` anomaly, with its quantity. The next statement meters the resource again
from the compacted state, and metering finds the same part as a ``"late"`` change
there; told by the record's id, it is not said again. Without an id, it is told by its
account, resource and meter (docs/streaming.md, Exactly once). So the stream's lines
plus the quantities named add up to one batch ``rate()``. Worked by hand in the comments
(daily UTC cycles, 1 EUR a unit, no horizon).
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._drawn_streams import drawn_stream

import ratekit as rk

DAILY = rk.cycles.daily(tz="UTC")
SENT = rk.Meter("sent", "B", rk.Discrete())
CALLS = rk.Meter("calls", "call", rk.Counter())
CPU = rk.Meter("cpu", "s", rk.Counter(from_zero=True))
METERS = [SENT, CALLS, CPU]
PLAN = rk.Plan(
    "p",
    "EUR",
    DAILY,
    [rk.PriceEntry(m.name, m.name, rk.PerUnit(1)) for m in METERS],
)
T0 = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z").start_us
HOUR_US = 3_600_000_000
END_US = T0 + 7 * 24 * HOUR_US


def _named(reports: list[rk.Statement | rk.Feed], kind: str) -> list[Decimal]:
    return [
        a.quantity
        for report in reports
        for a in report.anomalies
        if a.kind == kind and a.quantity is not None
    ]


def _restored(rater: rk.Rater, restore: bool) -> rk.Rater:
    if not restore:
        return rater
    return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)


@pytest.mark.parametrize("restore", [False, True])
def test_a_delta_without_an_id_reaching_into_compacted_cycles_is_named_once(
    restore: bool,
) -> None:
    # 1 B at 1 March 01:00; 1 March compacted (statement of 3 March). Then a delta of
    # 1000 B over 1 March 12:00 .. 3 March 12:00 (48 h), no id: 1000 x 12/48 = 250 B lie
    # in 1 March (too late), 500 in 2 March (closed, corrected) and 250 in 3 March.
    # Batch: 1 + 1000 = 1001 = 1 (billed) + 250 (named) + 500 + 250 (lines).
    anchor = rk.Sample("a", "r1", "sent", "2026-03-01T01:00:00Z", 1, id="anchor")
    delta = rk.Sample("a", "r1", "sent", "2026-03-03T12:00:00Z", 1000,
                      since="2026-03-01T12:00:00Z")  # fmt: skip
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([anchor])
    first = rater.statement("2026-03-03T00:00:00Z")
    feed = rater.feed([delta])
    last = _restored(rater, restore).statement("2026-03-04T00:00:00Z")
    assert _named([feed], "too_late") == [250]
    assert _named([first, last], "late") == []  # not named again
    assert [(line.cycle.start.day, line.quantity) for line in last.lines] == [(2, 500), (3, 250)]


@pytest.mark.parametrize("restore", [False, True])
def test_a_first_reading_from_zero_without_an_id_is_named_once(restore: bool) -> None:
    # START on 1 March 12:00 (fed on time); 1 March compacted. Then the first reading,
    # 480 s on 3 March 12:00, no id: from zero over the 48 h since the START, 10 s an
    # hour: 120 in 1 March (too late, named), 240 on 2 March, 120 on 3 March.
    # 120 + 240 + 120 = 480, batch's.
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("a", "vm", "2026-03-01T12:00:00Z", kind="start", id="s")])
    rater.statement("2026-03-03T00:00:00Z")
    feed = rater.feed([rk.Sample("a", "vm", "cpu", "2026-03-03T12:00:00Z", 480, kind="counter")])
    last = _restored(rater, restore).statement("2026-03-04T00:00:00Z")
    assert _named([feed], "too_late") == [120]
    assert _named([last], "late") == []
    assert [(line.cycle.start.day, line.quantity) for line in last.lines] == [(2, 240), (3, 120)]


def test_samples_with_and_without_ids_of_one_resource_are_each_named_once() -> None:
    # A counter read 0 at 1 March 06:00 (id c0); 1 March compacted. Then, in one feed:
    # a delta of 24 B over 1 March 12:00 .. 2 March 12:00, no id (1 B an hour: 12 B in
    # 1 March, too late, 12 on 2 March); a reading of 36 at 2 March 18:00 (c2) and one
    # of 12 at 1 March 18:00 (c1, too late: its 12 calls lie in 1 March). c2's 24 calls
    # since c1 spread over 24 h: 6 in 1 March (too late, named), 18 on 2 March.
    # Batch: 24 B = 12 + 12; 36 calls = 12 + 6 + 18. Said once each, none again.
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed([rk.Sample("a", "r", "calls", "2026-03-01T06:00:00Z", 0, kind="counter", id="c0")])
    rater.statement("2026-03-03T00:00:00Z")  # 1 March compacted
    feed = rater.feed(
        [
            rk.Sample("a", "r", "sent", "2026-03-02T12:00:00Z", 24, since="2026-03-01T12:00:00Z"),
            rk.Sample("a", "r", "calls", "2026-03-02T18:00:00Z", 36, kind="counter", id="c2"),
            rk.Sample("a", "r", "calls", "2026-03-01T18:00:00Z", 12, kind="counter", id="c1"),
        ]
    )
    last = rater.statement("2026-03-04T00:00:00Z")
    assert sorted((a.meter, a.quantity) for a in feed.anomalies if a.kind == "too_late") == [
        ("calls", 6),
        ("calls", 12),
        ("sent", 12),
    ]
    assert last.anomalies == ()
    assert sorted((line.meter, line.cycle.start.day, line.quantity) for line in last.lines) == [
        ("calls", 2, 18),
        ("sent", 2, 12),
    ]


def test_a_sample_without_an_id_said_too_late_refuses_nothing_of_another_meter() -> None:
    # A from-zero counter read without ids, billed on time: 10800 at 2 March 16:00 (counted
    # at its instant: nothing runs), 21600 at 4 March 04:00 (fed after 1-2 March were
    # compacted, 10800 over 36 h from the reading before), 39600 at 6 March 06:00 (id
    # z12). A delta of 'sent' without an id reaching into compacted 1 March is too late
    # for its part there (42 B of 114 over 19 h: 7 h of 6 B). Metered again from the
    # compacted state, the counter's rows before the kept cycles are what was billed on
    # time: no "late" change of 'cpu' is said. cpu: 39600 in all.
    c1 = rk.Sample("a", "r", "cpu", "2026-03-02T16:00:00Z", 10800, kind="counter")
    c2 = rk.Sample("a", "r", "cpu", "2026-03-04T04:00:00Z", 21600, kind="counter")
    c3 = rk.Sample("a", "r", "cpu", "2026-03-06T06:00:00Z", 39600, kind="counter", id="z12")
    delta = rk.Sample("a", "r", "sent", "2026-03-02T12:00:00Z", 114, since="2026-03-01T17:00:00Z")
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    reports: list[rk.Statement | rk.Feed] = [rater.feed([c1]), rater.feed([c3])]
    first = rater.statement("2026-03-03T21:00:00Z")
    reports += [first, rater.feed([c2]), rater.feed([delta])]
    later = [rater.statement("2026-03-05T02:00:00Z"), rater.statement("2026-03-07T00:00:00Z")]
    reports += later
    assert _named(reports, "too_late") == [42]
    assert [a for s in later for a in s.anomalies if a.meter == "cpu"] == []
    cpu = sum(
        (line.quantity for s in (first, *later) for line in s.lines if line.meter == "cpu"),
        Decimal(0),
    )
    assert cpu == 39600


def _samples(draw: st.DrawFn) -> list[rk.Sample]:
    """Deltas over spans and counter readings on whole hours, with and without ids.

    Each delta's value is a whole number per hour of its span, and each counter's
    increment a whole number per hour since its reading before: every share is exact.
    No two are alike: a replay of a record without an id is too late once its cycle is
    compacted (docs/streaming.md, Exactly once), where batch drops it as a duplicate.
    """
    out: list[rk.Sample] = []
    for number in range(draw(st.integers(0, 4))):
        at = draw(st.integers(1, 6 * 24))
        hours = draw(st.integers(0, min(at, 72)))
        value = (10 * number + draw(st.integers(1, 9))) * max(hours, 1)
        out.append(
            rk.Sample(
                "a",
                draw(st.sampled_from(["r1", "r2"])),
                "sent",
                rk.Span.from_us(T0 + at * HOUR_US, END_US).start,
                value,
                since=rk.Span.from_us(T0 + (at - hours) * HOUR_US, END_US).start if hours else None,
                id=draw(st.sampled_from([None, f"d{number}"])),
            )
        )
    for meter in ("calls", "cpu"):
        instants = sorted(draw(st.sets(st.integers(1, 6 * 24), max_size=4)))
        value, last = 0, 0
        for number, at in enumerate(instants):
            value += draw(st.integers(0, 5)) * (at - last)
            last = at
            out.append(
                rk.Sample(
                    "a",
                    f"r-{meter}",
                    meter,
                    rk.Span.from_us(T0 + at * HOUR_US, END_US).start,
                    value,
                    kind="counter",
                    id=draw(st.sampled_from([None, f"{meter}{number}"])),
                )
            )
    return draw(st.permutations(out))


@settings(max_examples=max(LAWS // 5, FLOOR), deadline=None)
@given(data=st.data())
def test_samples_with_or_without_ids_are_named_once_and_add_up_to_batch(
    data: st.DataObject,
) -> None:
    samples = _samples(data.draw)
    reports, lines = drawn_stream(data, samples, PLAN, METERS, T0, END_US, HOUR_US, 48)
    batch = rk.rate(samples, PLAN, span=rk.Span.from_us(T0, END_US), meters=METERS)
    want = sum((Fraction(c.quantity) for c in batch.charges), Fraction(0))
    stream = sum((Fraction(line.quantity) for line in lines), Fraction(0))
    named = sum(map(Fraction, (*_named(reports, "too_late"), *_named(reports, "late"))))
    assert stream + named == want
