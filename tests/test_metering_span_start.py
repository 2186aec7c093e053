"""An amount spread across the metered span's start: the share before it is reported.

A counter's increment between a reading before the span and one inside it, or a delta
sample whose ``since`` lies before the span, gives the span only its own share. The share
before the span is outside the call: a ``"before_span"`` anomaly names the records and
that quantity (under a carried clock, the part before the clock is a late row instead).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import typing
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
CPU = rk.Meter("cpu", "hour", rk.Counter())
CPU_FROM_ZERO = rk.Meter("cpu", "hour", rk.Counter(from_zero=True))
NET = rk.Meter("net", "B", rk.Discrete())
PLAN = rk.Plan(
    "p",
    "EUR",
    MONTHLY,
    [rk.PriceEntry("cpu", "cpu", rk.PerUnit(1)), rk.PriceEntry("net", "net", rk.PerUnit(1))],
)
HOUR = 3_600_000_000


def reading(at: str, value: int, id: str) -> rk.Sample:  # noqa: A002
    return rk.Sample("acme", "vm-1", "cpu", at, value, kind="counter", id=id)


STRADDLING = [
    reading("2026-03-31T20:00:00Z", 0, "a"),
    reading("2026-04-01T04:00:00Z", 8, "b"),
]


def before_span(anomalies: tuple[rk.Anomaly, ...]) -> list[rk.Anomaly]:
    return [anomaly for anomaly in anomalies if anomaly.kind == "before_span"]


def test_month_by_month_counter_says_what_april_leaves_to_march() -> None:
    # 8 h over 20:00..04:00 is 1 h an hour: 4 h before April (20:00..24:00), 4 h in it.
    march = rk.rate(STRADDLING, PLAN, span=MARCH, meters=[CPU])
    april = rk.rate(STRADDLING, PLAN, span=APRIL, meters=[CPU])
    assert march.total() == 0
    assert march.no_effect == (("a", "baseline"), ("b", "not_yet"))
    assert april.total() == Decimal(4)
    [anomaly] = before_span(april.anomalies)
    assert anomaly.record_ids == ("a", "b")
    assert str(anomaly) == (
        "records 'a', 'b' of 'vm-1' of 'acme' spread 8 hour of meter 'cpu' over "
        "2026-03-31T20:00:00Z..2026-04-01T04:00:00Z; 4 hour of it, over "
        "2026-03-31T20:00:00Z..2026-04-01T00:00:00Z, falls before the span (which starts "
        "at 2026-04-01T00:00:00Z) and is not billed here: it belongs to the span before "
        "(rate that span as of an instant after these records, meter it carrying state=, "
        "or use the Rater)."
    )
    # March rated after the April reading bills the other 4 h: nothing is lost.
    later = rk.rate(STRADDLING, PLAN, span=MARCH, meters=[CPU], as_of="2026-04-02T00:00:00Z")
    assert later.total() + april.total() == Decimal(8)
    assert before_span(later.anomalies) == []


def test_meter_reports_the_same_as_rate() -> None:
    usage = rk.meter(STRADDLING, [CPU], span=APRIL, cycle=MONTHLY, as_of=APRIL.end)
    assert usage.total() == Decimal(4)
    assert [(a.kind, a.record_ids) for a in usage.anomalies] == [("before_span", ("a", "b"))]
    assert {"a", "b"} <= usage.accounted()


def test_delta_over_a_period_straddling_the_span_start() -> None:
    # 900 B over 21:00..03:00 (6 h, 150 B an hour): 3 h = 450 B before April, 450 B in it.
    sample = rk.Sample(
        "acme", "vm-1", "net", "2026-04-01T03:00:00Z", 900, since="2026-03-31T21:00:00Z", id="d"
    )
    april = rk.rate([sample], PLAN, span=APRIL, meters=[NET])
    assert april.total() == Decimal(450)
    [anomaly] = before_span(april.anomalies)
    assert anomaly.record_ids == ("d",)
    assert "record 'd' of 'vm-1' of 'acme' spread 900 B of meter 'net'" in str(anomaly)
    assert "; 450 B of it, over 2026-03-31T21:00:00Z..2026-04-01T00:00:00Z," in str(anomaly)


def test_delta_at_an_instant_or_inside_the_span_is_not_reported() -> None:
    records = [
        rk.Sample("acme", "vm-1", "net", "2026-03-31T23:00:00Z", 5, id="d1"),
        rk.Sample("acme", "vm-1", "net", "2026-04-01T03:00:00Z", 7, id="d2"),
        rk.Sample(
            "acme", "vm-1", "net", "2026-04-01T05:00:00Z", 9, since="2026-04-01T00:00:00Z", id="d3"
        ),
    ]
    usage = rk.meter(records, [NET], span=APRIL, cycle=MONTHLY, as_of=APRIL.end)
    # 7 + 9 in April; d1 is wholly before it and listed as such.
    assert usage.total() == Decimal(16)
    assert usage.anomalies == ()
    assert ("d1", "before_span") in usage.no_effect


def test_counter_from_zero_started_before_the_span() -> None:
    # Started 22:00, first reading 4 h at 02:00: 1 h an hour, 2 h before April, 2 h in it.
    records: list[rk.Event | rk.Sample] = [
        rk.Event("acme", "vm-1", "2026-03-31T22:00:00Z", {"flavor": "s"}, kind="start", id="e1"),
        reading("2026-04-01T02:00:00Z", 4, "r1"),
    ]
    usage = rk.meter(records, [CPU_FROM_ZERO], span=APRIL, cycle=MONTHLY, as_of=APRIL.end)
    assert usage.total() == Decimal(2)
    [anomaly] = before_span(usage.anomalies)
    assert anomaly.record_ids == ("r1",)
    assert "; 2 hour of it, over 2026-03-31T22:00:00Z..2026-04-01T00:00:00Z," in str(anomaly)


def test_carried_state_gives_a_late_row_not_an_anomaly() -> None:
    in_march = rk.meter(STRADDLING, [CPU], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    in_april = rk.meter(
        STRADDLING, [CPU], span=APRIL, cycle=MONTHLY, as_of=APRIL.end, state=in_march.state
    )
    assert before_span(in_april.anomalies) == []
    # 4 h late (March's share) + 4 h in April.
    assert [str(row.quantity) for row in in_april.late] == ["4"]
    assert in_april.total() == Decimal(4)


def test_carried_clock_before_the_span_start_reports_only_the_gap() -> None:
    # The state's clock is 22:00; April starts at 00:00. Of 8 h over 20:00..04:00:
    # 20:00..22:00 = 2 h is late, 22:00..00:00 = 2 h is before the span, 4 h in April.
    head = rk.Span("2026-03-01T00:00:00Z", "2026-03-31T22:00:00Z")
    first = rk.meter(STRADDLING[:1], [CPU], span=head, cycle=MONTHLY, as_of=head.end)
    usage = rk.meter(
        STRADDLING[1:], [CPU], span=APRIL, cycle=MONTHLY, as_of=APRIL.end, state=first.state
    )
    assert usage.total() == Decimal(4)
    assert [str(row.quantity) for row in usage.late] == ["2"]
    [anomaly] = before_span(usage.anomalies)
    assert "; 2 hour of it, over 2026-03-31T22:00:00Z..2026-04-01T00:00:00Z," in str(anomaly)


_PART = re.compile(r"; (\S+) (?:hour|B) of it, over ")


@st.composite
def _records(draw: st.DrawFn) -> list[rk.Sample]:
    # Hours 0..47 from 2026-03-31T00:00Z; the span under test starts at hour `cut`.
    base = dt.datetime(2026, 3, 31, tzinfo=dt.UTC)
    hour = dt.timedelta(hours=1)
    out = []
    hours = sorted(draw(st.sets(st.integers(0, 47), max_size=5)))
    value = 0
    for index, h in enumerate(hours):
        value += draw(st.integers(0, 9))
        out.append(
            rk.Sample("a", "vm", "cpu", base + h * hour, value, kind="counter", id=f"c{index}")
        )
    for index in range(draw(st.integers(0, 3))):
        since = draw(st.integers(0, 46))
        at = draw(st.integers(since + 1, 47))
        amount = draw(st.integers(-5, 50))
        out.append(
            rk.Sample("a", "vm", "net", base + at * hour, amount, since=base + since * hour,
                      id=f"d{index}")
        )  # fmt: skip
    return out


@settings(max_examples=LAWS)
@given(records=_records(), cut=st.integers(1, 47))
def test_rows_and_before_span_add_up_to_every_amount_reaching_the_span(
    records: list[rk.Sample], cut: int
) -> None:
    # Oracle: each amount (counter increment, delta over a period) that reaches the span
    # [cut, 48h) counts in full: in the span's rows, or, for its share before the span,
    # in a "before_span" anomaly that names its records.
    base = rk.Span("2026-03-31T00:00:00Z", "2026-04-02T00:00:00Z")
    span = rk.Span.from_us(base.start_us + cut * HOUR, base.end_us)
    usage = rk.meter(records, [CPU, NET], span=span, cycle=None, as_of=span.end)
    expected = Decimal(0)
    straddling: set[tuple[str, ...]] = set()
    counters = [r for r in records if r.meter == "cpu"]
    for last, this in itertools.pairwise(counters):
        if this.at_us > span.start_us:
            expected += this.value - last.value
            if last.at_us < span.start_us and this.value != last.value:
                straddling.add((str(last.id), str(this.id)))
    for delta in (r for r in records if r.meter == "net"):
        assert delta.since_us is not None
        if delta.at_us > span.start_us:
            expected += delta.value
            if delta.since_us < span.start_us and delta.value:
                straddling.add((str(delta.id),))
    reported = before_span(usage.anomalies)
    outside = sum(
        (Decimal(m.group(1)) for a in reported if (m := _PART.search(str(a)))), Decimal(0)
    )
    assert len(reported) == len(straddling)
    assert {a.record_ids for a in reported} == straddling
    assert sum((row.quantity for row in usage.rows), Decimal(0)) + outside == expected
    assert {str(r.id) for r in records} <= usage.accounted()


# -- running time between a carried clock and a later span's start ---------------------------

HOURS = rk.Meter("hours", "hour", rk.OnOff())
MEMORY = rk.Meter("memory", "GB*hour", rk.Continuous("gb"))
DAILY = rk.cycles.daily(tz="UTC")
_GAP = re.compile(r" ran (\S+) hours between the clock of the carried state ")


def test_the_running_time_between_the_clock_and_a_later_span_is_said() -> None:
    # Started at 06:00 on 1 March, metered as of 18:00: 12 h, the state's clock 18:00.
    # The next call's span starts at 00:00 on 2 March: 18:00..24:00, 6 h, runs to no
    # call, and is said; the call bills its own 24 h.
    start = rk.Event("a", "vm", "2026-03-01T06:00:00Z", {"gb": 2}, kind="start", id="s")
    first = rk.meter([start], [HOURS, MEMORY], span=rk.Span("2026-03-01T00:00:00Z",
                     "2026-03-02T00:00:00Z"), cycle=DAILY, as_of="2026-03-01T18:00:00Z")  # fmt: skip
    assert [row.quantity for row in first.rows] == [12, 24]  # hours, then 2 GB x 12 h
    day = rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
    usage = rk.meter([], [HOURS, MEMORY], span=day, cycle=DAILY, as_of=day.end, state=first.state)
    assert [row.quantity for row in usage.rows] == [24, 48]
    (anomaly,) = usage.anomalies
    assert (anomaly.kind, anomaly.account, anomaly.resource, anomaly.at) == (
        "before_span",
        "a",
        "vm",
        day.start,
    )
    assert anomaly.message == (
        "resource 'vm' of 'a' ran 6 hours between the clock of the carried state "
        "(2026-03-01T18:00:00Z, what the calls before metered up to) and the span's start "
        "(2026-03-02T00:00:00Z): that time falls before the span and is not billed here, "
        "nor by those calls. Start the span at the clock, or meter the time between "
        "carrying the state."
    )


def test_no_running_time_is_said_lost_when_stopped_or_when_the_span_starts_at_the_clock() -> None:
    # Stopped at 12:00, clock 18:00, span from 00:00: nothing ran in between. Running,
    # with the span from the clock: nothing in between either.
    start = rk.Event("a", "vm", "2026-03-01T06:00:00Z", kind="start", id="s")
    stop = rk.Event("a", "vm", "2026-03-01T12:00:00Z", kind="stop", id="t")
    day1 = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    day2 = rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
    stopped = rk.meter([start, stop], [HOURS], span=day1, cycle=DAILY, as_of="2026-03-01T18:00:00Z")
    after = rk.meter([], [HOURS], span=day2, cycle=DAILY, as_of=day2.end, state=stopped.state)
    assert (after.rows, after.anomalies) == ((), ())
    running = rk.meter([start], [HOURS], span=day1, cycle=DAILY, as_of="2026-03-01T18:00:00Z")
    on = rk.Span("2026-03-01T18:00:00Z", "2026-03-03T00:00:00Z")
    usage = rk.meter([], [HOURS], span=on, cycle=DAILY, as_of=on.end, state=running.state)
    assert usage.anomalies == ()
    assert sum(row.quantity for row in usage.rows) == 30  # 6 h on 1 March, 24 on 2 March


def test_the_running_time_said_lost_is_that_known_as_of_the_call() -> None:
    # Running since 06:00, metered as of 18:00 (the clock). The next call's span starts at
    # 00:00 on 2 March but is metered as of 20:00 on 1 March: of 18:00..24:00 it knows
    # 18:00..20:00, 2 h, and says those.
    start = rk.Event("a", "vm", "2026-03-01T06:00:00Z", kind="start", id="s")
    day1 = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    first = rk.meter([start], [HOURS], span=day1, cycle=DAILY, as_of="2026-03-01T18:00:00Z")
    day2 = rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
    usage = rk.meter(
        [], [HOURS], span=day2, cycle=DAILY, as_of="2026-03-01T20:00:00Z", state=first.state
    )
    (anomaly,) = usage.anomalies
    assert " ran 2 hours between the clock " in anomaly.message
    assert ", as of 2026-03-01T20:00:00Z: that time falls before the span" in anomaly.message


@settings(max_examples=max(LAWS // 5, FLOOR))
@given(
    start_h=st.integers(0, 47),
    stop_h=st.none() | st.integers(0, 71),
    clock_h=st.integers(1, 48),
    span_h=st.integers(0, 24),
)
def test_the_time_billed_plus_the_time_said_lost_is_the_time_run(
    start_h: int, stop_h: int | None, clock_h: int, span_h: int
) -> None:
    # Oracle, a set of hours: a VM runs from start_h to stop_h (or on, when stop_h is
    # not after start_h). A first call meters [0, clock_h) as of clock_h (another
    # resource's state gives the clock, whatever the VM's records there); the second
    # [clock_h + span_h, 72), given every record. The hours both bill, plus the hours said
    # lost in between, are the hours run.
    t0 = rk.Span("2026-03-01T00:00:00Z", "2026-03-04T00:00:00Z").start_us

    def at(hour: int) -> dt.datetime:
        return rk.Span.from_us(t0 + hour * HOUR, t0 + 73 * HOUR).start

    stops = stop_h is not None and stop_h > start_h
    records = [
        rk.Event("a", "anchor", at(0), kind="start", id="x0"),
        rk.Event("a", "anchor", at(0), kind="stop", id="x1", seq=1),
        rk.Event("a", "vm", at(start_h), kind="start", id="s"),
    ]
    if stops:
        records.append(rk.Event("a", "vm", at(typing.cast(int, stop_h)), kind="stop", id="t"))
    ran = {h for h in range(72) if start_h <= h and (not stops or h < typing.cast(int, stop_h))}
    first = rk.meter(
        records, [HOURS], span=rk.Span.from_us(t0, t0 + clock_h * HOUR), cycle=DAILY,
        as_of=at(clock_h),
    )  # fmt: skip
    begin = min(clock_h + span_h, 72)
    second = rk.meter(
        records, [HOURS], span=rk.Span.from_us(t0 + begin * HOUR, t0 + 72 * HOUR),
        cycle=DAILY, as_of=at(72), state=first.state,
    )  # fmt: skip
    said = [Decimal(m.group(1)) for a in second.anomalies if (m := _GAP.search(a.message))]
    billed = sum((row.quantity for row in (*first.rows, *second.rows)), Decimal(0))
    assert billed + sum(said, Decimal(0)) == len(ran)
    assert len(said) == (1 if ran & set(range(clock_h, begin)) else 0)
