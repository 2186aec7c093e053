"""An amount spread across the metered span's end: said, carried, billed by the next span.

Metered as of an instant after the span's end, a call knows a counter's increment up to a
reading after the span, a delta whose span runs past it, a delta stamped after it. The
span bills its own share; an ``"after_span"`` anomaly names the records and the rest, and
the state keeps it (``ResourceState.pending``), so that the next call, continuing from
the state, bills its share: nothing dropped, nothing billed twice (before, the next call
billed none of it, and a replay of the records was a duplicate).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk

EGRESS = rk.Meter("egress", "B", rk.Counter())
CALLS = rk.Meter("calls", "call", rk.Discrete())
MORNING = rk.Span("2026-03-01T00:00:00Z", "2026-03-01T12:00:00Z")
AFTERNOON = rk.Span("2026-03-01T12:00:00Z", "2026-03-02T00:00:00Z")
DAY = rk.Span(MORNING.start, AFTERNOON.end)
C0 = rk.Sample("a", "ip", "egress", "2026-03-01T10:00:00Z", 0, kind="counter", id="c0")
C1 = rk.Sample("a", "ip", "egress", "2026-03-01T14:00:00Z", 400, kind="counter", id="c1")
D1 = rk.Sample(
    "a", "ip", "calls", "2026-03-01T14:00:00Z", 400, since="2026-03-01T10:00:00Z", id="d1"
)


def after_span(usage: rk.Usage) -> list[rk.Anomaly]:
    return [anomaly for anomaly in usage.anomalies if anomaly.kind == "after_span"]


def carried(usage: rk.Usage) -> list[rk.ResourceState]:
    """The states through JSON, as a host stores them."""
    return [rk.ResourceState.from_json(json.loads(json.dumps(s.to_json()))) for s in usage.state]


def test_a_counter_increment_across_the_span_end_is_billed_by_the_next_span() -> None:
    # 0 at 10:00, 400 at 14:00: 100 B an hour. The morning (to 12:00) bills 10:00..12:00,
    # 200 B, and says the other 200 B (12:00..14:00); the afternoon bills them, from the
    # state alone (no record given again): 200 + 200 = 400, as the day at once.
    morning = rk.meter([C0, C1], [EGRESS], span=MORNING, cycle=None, as_of=DAY.end)
    assert morning.total() == Decimal(200)
    (said,) = after_span(morning)
    assert said.record_ids == ("c0", "c1")
    assert str(said) == (
        "records 'c0', 'c1' of 'ip' of 'a' spread 400 B of meter 'egress' over "
        "2026-03-01T10:00:00Z..2026-03-01T14:00:00Z; 200 B of it, over "
        "2026-03-01T12:00:00Z..2026-03-01T14:00:00Z, falls after the span (which ends at "
        "2026-03-01T12:00:00Z) and is not billed here: it belongs to the span after (the "
        "state this call gives keeps it in pending: metering the next span with state= "
        "bills it there)."
    )
    (state,) = carried(morning)
    assert state.pending == (("egress", C0.at_us, C1.at_us, Decimal(400), ("c0", "c1")),)
    afternoon = rk.meter([], [EGRESS], span=AFTERNOON, cycle=None, as_of=DAY.end, state=[state])
    assert [(r.span, r.quantity, r.record_ids) for r in afternoon.rows] == [
        (AFTERNOON, Decimal(200), ("c0", "c1"))
    ]
    assert afternoon.anomalies == ()
    assert afternoon.late == ()
    assert afternoon.state[0].pending == ()
    at_once = rk.meter([C0, C1], [EGRESS], span=DAY, cycle=None, as_of=DAY.end)
    assert at_once.total() == morning.total() + afternoon.total()


def test_a_delta_whose_span_runs_past_the_span_end() -> None:
    # 400 calls over 10:00..14:00: 200 in the morning, 200 the afternoon; given again to
    # the afternoon, the record is a duplicate, and still billed once.
    morning = rk.meter([D1], [CALLS], span=MORNING, cycle=None, as_of=DAY.end)
    afternoon = rk.meter([D1], [CALLS], span=AFTERNOON, cycle=None, as_of=DAY.end,
                         state=carried(morning))  # fmt: skip
    assert (morning.total(), afternoon.total()) == (Decimal(200), Decimal(200))
    assert [a.kind for a in morning.anomalies] == ["after_span"]
    assert [a.kind for a in afternoon.anomalies] == ["duplicate"]


def test_a_delta_stamped_after_the_span() -> None:
    # 7 calls at 14:00: none in the morning (said), 7 in the afternoon.
    late = rk.Sample("a", "ip", "calls", "2026-03-01T14:00:00Z", 7, id="d7")
    morning = rk.meter([late], [CALLS], span=MORNING, cycle=None, as_of=DAY.end)
    assert morning.total() == 0
    (said,) = after_span(morning)
    assert str(said) == (
        "record 'd7' of 'ip' of 'a' measured 7 call of meter 'calls' at 2026-03-01T14:00:00Z, "
        "after the span (which ends at 2026-03-01T12:00:00Z) and is not billed here: it "
        "belongs to the span after (the state this call gives keeps it in pending: metering "
        "the next span with state= bills it there)."
    )
    afternoon = rk.meter([], [CALLS], span=AFTERNOON, cycle=None, as_of=DAY.end,
                         state=carried(morning))  # fmt: skip
    assert afternoon.total() == Decimal(7)


def test_a_shorter_next_span_bills_its_share_and_carries_the_rest() -> None:
    # 12:00..13:00 bills 100 B (a quarter of 400 over 10:00..14:00), 13:00..24:00 the
    # last 100 B: 200 + 100 + 100 = 400.
    morning = rk.meter([C0, C1], [EGRESS], span=MORNING, cycle=None, as_of=DAY.end)
    noon = rk.Span(AFTERNOON.start, "2026-03-01T13:00:00Z")
    rest = rk.Span(noon.end, DAY.end)
    one = rk.meter([], [EGRESS], span=noon, cycle=None, as_of=DAY.end, state=carried(morning))
    two = rk.meter([], [EGRESS], span=rest, cycle=None, as_of=DAY.end, state=carried(one))
    assert (morning.total(), one.total(), two.total()) == (200, 100, 100)
    assert one.anomalies == ()  # said once, by the call that knew it


def test_a_reading_between_them_in_the_next_call_moves_the_increment_as_at_once() -> None:
    # 300 at 13:00, given to the afternoon: at once, 0 -> 300 over 10:00..13:00 (100 B an
    # hour) and 300 -> 400 over 13:00..14:00: the afternoon holds 100 + 100 = 200 B, the
    # morning 200 B, as before: nothing late changes (a "late" anomaly says it was placed).
    middle = rk.Sample("a", "ip", "egress", "2026-03-01T13:00:00Z", 300, kind="counter", id="ch")
    morning = rk.meter([C0, C1], [EGRESS], span=MORNING, cycle=None, as_of=DAY.end)
    afternoon = rk.meter([middle], [EGRESS], span=AFTERNOON, cycle=None, as_of=DAY.end,
                         state=carried(morning))  # fmt: skip
    assert afternoon.total() == Decimal(200)
    assert sum(r.quantity for r in afternoon.late) == 0
    assert afternoon.state[0].pending == ()


def test_a_pending_amount_is_cut_where_the_next_span_cuts_its_rows() -> None:
    # A cut at 13:00 (a price change, say): the afternoon's 200 B are 100 B in each of
    # 12:00..13:00 and 13:00..14:00, as the day metered at once cuts them.
    cuts = {"egress": [AFTERNOON.start_us + 3_600_000_000]}
    daily = rk.cycles.daily(tz="UTC")
    morning = rk.meter([C0, C1], [EGRESS], span=MORNING, cycle=daily, as_of=DAY.end, cuts=cuts)
    afternoon = rk.meter([], [EGRESS], span=AFTERNOON, cycle=daily, as_of=DAY.end,
                         state=carried(morning), cuts=cuts)  # fmt: skip
    at_once = rk.meter([C0, C1], [EGRESS], span=DAY, cycle=daily, as_of=DAY.end, cuts=cuts)
    assert [r.quantity for r in afternoon.rows] == [Decimal(100), Decimal(100)]
    assert [r.quantity for r in at_once.rows] == [Decimal(300), Decimal(100)]  # 200 + 100, 100


def test_a_state_with_a_malformed_pending_amount_is_refused() -> None:
    data = rk.ResourceState("a", "ip", "unknown", {}).to_json() | {
        "pending": [["egress", 5, 1, "3", []]]
    }
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.ResourceState.from_json(data)
    assert str(caught.value) == (
        "ResourceState pending must be a list of [meter, start_us, end_us, amount, [record "
        "ids]] with start_us <= end_us, as ResourceState.pending gives it, not list: "
        "[['egress', 5, 1, '3', []]]."
    )


HOUR = 3_600_000_000


@st.composite
def _stream(draw: st.DrawFn) -> list[rk.Sample]:
    # Hours 0..47 from 2026-03-01T00:00Z: counter readings and deltas (at an instant or
    # over a period), in any order.
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    hour = dt.timedelta(hours=1)
    # A record at hour 0, so that the first call gives the resource a state (a clock).
    out = [rk.Sample("a", "ip", "calls", t0, 0, id="zero")]
    value = 0
    for index, h in enumerate(sorted(draw(st.sets(st.integers(0, 47), max_size=5)))):
        value += draw(st.integers(0, 9))
        out.append(
            rk.Sample("a", "ip", "egress", t0 + h * hour, value, kind="counter", id=f"c{index}")
        )
    for index in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, 47))
        since = draw(st.none() | st.integers(0, at))
        amount = draw(st.integers(-5, 50))
        out.append(rk.Sample("a", "ip", "calls", t0 + at * hour, amount, id=f"d{index}",
                             since=None if since is None else t0 + since * hour))  # fmt: skip
    return out


@settings(max_examples=max(LAWS // 2, FLOOR))
@given(records=_stream(), cut=st.integers(1, 47), known=st.integers(1, 48))
def test_two_calls_with_a_carried_state_give_what_one_call_gives(
    records: list[rk.Sample], cut: int, known: int
) -> None:
    # Oracle: metering the 48 hours at once. The first call meters [0, cut) as of hour
    # ``cut + known`` (knowing the records stamped before it, some after its span); the
    # second [cut, 48) with the first's state and the other records. Per meter, the rows
    # of both and the second's late rows add up to the rows at once, exactly; and every
    # amount the first call left after its span is said by an "after_span" anomaly.
    t0 = rk.Span("2026-03-01T00:00:00Z", "2026-03-03T00:00:00Z").start_us
    whole = rk.Span.from_us(t0, t0 + 48 * HOUR)
    first_span = rk.Span.from_us(t0, t0 + cut * HOUR)
    as_of = t0 + min(48, cut + known) * HOUR
    early = [r for r in records if r.at_us < as_of]
    first = rk.meter(early, [EGRESS, CALLS], span=first_span, cycle=None,
                     as_of=rk.Span.from_us(as_of, as_of + 1).start)  # fmt: skip
    second = rk.meter([r for r in records if r.at_us >= as_of], [EGRESS, CALLS],
                      span=rk.Span.from_us(first_span.end_us, whole.end_us), cycle=None,
                      as_of=whole.end, state=carried(first))  # fmt: skip
    at_once = rk.meter(records, [EGRESS, CALLS], span=whole, cycle=None, as_of=whole.end)
    for name in ("egress", "calls"):

        def total(rows: tuple[rk.UsageRow, ...], meter: str = name) -> Decimal:
            return sum((r.quantity for r in rows if r.meter == meter), Decimal(0))

        assert total(first.rows) + total(second.rows) + total(second.late) == total(at_once.rows)
    if any(s.pending for s in first.state):
        assert after_span(first)


def test_two_amounts_over_one_period_carried_past_the_span_add_up_exactly() -> None:
    # Two deltas of 1 call each over [02:00 on the 1st, 12:00 on the 2nd) (34 hours); the
    # first call meters up to 09:00 on the 2nd (31 hours of them), the second the rest.
    # Each delta's part in the first: 31/34 = 0.91176470588235294117647058...,
    # 0.911764705882352941176471 at 1E-24; both: 1.823529411764705882352942. Each one's
    # rest, 1 - 0.911764705882352941176471 = 0.088235294117647058823529, is carried on its
    # own; both: 0.176470588235294117647058, and 1.823...942 + 0.176...058 = 2 exactly.
    # (Carried as one amount of 2, the rest was 2 - 1.823529411764705882352941 (2 x 31/34
    # at 1E-24) = 0.176470588235294117647059: 1E-24 more than the records hold.)
    start, end = "2026-03-01T02:00:00Z", "2026-03-02T12:00:00Z"
    records = [rk.Sample("a", "ip", "calls", end, 1, since=start, id=name) for name in ("d0", "d1")]
    cut = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T09:00:00Z")
    first = rk.meter(records, [CALLS], span=cut, cycle=None, as_of="2026-03-02T13:00:00Z")
    assert [row.quantity for row in first.rows] == [Decimal("1.823529411764705882352942")]
    assert [entry[3] for state in first.state for entry in state.pending] == [1, 1]
    second = rk.meter([], [CALLS], span=rk.Span(cut.end, "2026-03-03T00:00:00Z"), cycle=None,
                      as_of="2026-03-03T00:00:00Z", state=carried(first))  # fmt: skip
    assert [row.quantity for row in second.rows] == [Decimal("0.176470588235294117647058")]
    assert first.rows[0].quantity + second.rows[0].quantity == 2


# -- a counter that counts from zero, its first reading pending, its stretch moved ------------
#
# A VM started 2 March 12:00; its from_zero counter's first reading, 240 s at 4 March 12:00,
# spreads from that START: 48 hours, 5 s an hour. The first call meters 1-2 March as of 5
# March: 12 h of 2 March, 60, and 180 pending. The second call (3-5 March) brings records
# that move the stretch's start; metering at once spreads the 240 from the new start.

CPU = rk.Meter("cpu", "s", rk.Counter(from_zero=True))
RUN = rk.Meter("run", "hour", rk.OnOff())
_DAILY = rk.cycles.daily(tz="UTC")
_STARTED = rk.Event("a", "vm", "2026-03-02T12:00:00Z", kind="start", id="s1")
_READING = rk.Sample("a", "vm", "cpu", "2026-03-04T12:00:00Z", 240, kind="counter", id="z1")


def _pending_moved(records: list[rk.Event]) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """The cpu seconds per day of March: late rows and rows of the second call."""
    first = rk.meter([_STARTED, _READING], [CPU, RUN], span=rk.Span("2026-03-01T00:00:00Z",
                     "2026-03-03T00:00:00Z"), cycle=_DAILY, as_of="2026-03-05T00:00:00Z")  # fmt: skip
    assert [(r.cycle.start.day, r.quantity) for r in first.rows if r.meter == "cpu"] == [(2, 60)]
    second = rk.meter(records, [CPU, RUN], span=rk.Span("2026-03-03T00:00:00Z",
                      "2026-03-06T00:00:00Z"), cycle=_DAILY, as_of="2026-03-06T00:00:00Z",
                      state=carried(first))  # fmt: skip
    at_once = rk.meter([_STARTED, _READING, *records], [CPU, RUN],
                       span=rk.Span("2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z"),
                       cycle=_DAILY, as_of="2026-03-06T00:00:00Z")  # fmt: skip

    def per_day(*rows: rk.UsageRow) -> dict[int, Decimal]:
        out: dict[int, Decimal] = {}
        for row in rows:
            if row.meter == "cpu" and row.cycle is not None:
                out[row.cycle.start.day] = out.get(row.cycle.start.day, Decimal(0)) + row.quantity
        return {day: q for day, q in out.items() if q}

    calls = per_day(*first.rows, *second.rows, *second.late)
    assert calls == per_day(*at_once.rows)
    return per_day(*second.late), per_day(*second.rows)


def test_a_late_earlier_start_spreads_a_pending_first_reading_again() -> None:
    # A START of 1 March 00:00, late: at once the 240 spreads over 84 hours. At 1E-24:
    # F(24 h) = 68.571428571428571428571429, F(48 h) = 137.142857142857142857142857,
    # F(72 h) = 205.714285714285714285714286. Late: 1 March +68.571...429; 2 March
    # 137.142...857 - 68.571...429 = 68.571...428, less the 60 billed: +8.571...428.
    # Second call: 3 March 205.714...286 - 137.142...857 = 68.571...429, 4 March 240 -
    # 205.714...286 = 34.285714285714285714285714 (not 120 and 60: before, the pending
    # 180 kept the first call's spread).
    late, rows = _pending_moved(
        [rk.Event("a", "vm", "2026-03-01T00:00:00Z", kind="start", id="s0")]
    )
    assert late == {
        1: Decimal("68.571428571428571428571429"),
        2: Decimal("8.571428571428571428571428"),
    }
    assert rows == {
        3: Decimal("68.571428571428571428571429"),
        4: Decimal("34.285714285714285714285714"),
    }


def test_a_stop_and_start_after_the_clock_spread_a_pending_first_reading_again() -> None:
    # Neither is late (both after 3 March 00:00, the first call's clock), yet the stretch
    # holding the reading now starts at 3 March 12:00: 24 hours, 10 s an hour. The 60 the
    # first call billed on 2 March is taken back (late), 120 on 3 and 4 March each.
    late, rows = _pending_moved([
        rk.Event("a", "vm", "2026-03-03T06:00:00Z", kind="stop", id="p1"),
        rk.Event("a", "vm", "2026-03-03T12:00:00Z", kind="start", id="s3"),
    ])  # fmt: skip
    assert late == {2: Decimal(-60)}
    assert rows == {3: Decimal(120), 4: Decimal(120)}


def test_a_late_stop_before_a_pending_first_reading_leaves_it_at_its_instant() -> None:
    # A STOP of 2 March 18:00, late: the VM no longer runs when it reads 240, which counts
    # from zero at its own instant, all on 4 March; 2 March's 60 is taken back.
    late, rows = _pending_moved([rk.Event("a", "vm", "2026-03-02T18:00:00Z", kind="stop", id="p0")])
    assert late == {2: Decimal(-60)}
    assert rows == {4: Decimal(240)}


@settings(max_examples=max(LAWS // 4, FLOOR))
@given(
    events=st.lists(
        st.tuples(st.integers(0, 119), st.sampled_from(("start", "stop")), st.booleans()),
        max_size=4,
    ),
    reading_h=st.integers(49, 119),
    cut=st.integers(1, 4),
    known=st.integers(1, 5),
    again=st.booleans(),
)
def test_a_pending_first_reading_of_a_counter_from_zero_adds_up_in_calls(
    events: list[tuple[int, str, bool]], reading_h: int, cut: int, known: int, again: bool
) -> None:
    # Oracle: metering 1-5 March at once. A VM started 1 March 12:00 reads 240 s once
    # (from zero) after the first call's span; the first call meters days [0, cut) as of
    # ``known`` days later, with the records stamped before that but the events drawn
    # late; the second meters the rest with its state (``again``: all the records, the
    # replays being duplicates). Per day, both calls' rows and the second's late rows are
    # at once's.
    t0 = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z").start_us
    day = 24 * HOUR
    start = rk.Event("a", "vm", rk.Span.from_us(t0, t0 + 12 * HOUR).end, kind="start", id="s")
    reading = rk.Sample("a", "vm", "cpu", rk.Span.from_us(t0, t0 + reading_h * HOUR).end, 240,
                        kind="counter", id="z")  # fmt: skip
    others = [
        rk.Event("a", "vm", rk.Span.from_us(t0, t0 + h * HOUR).end, kind=kind, id=f"e{i}")  # type: ignore[arg-type]
        for i, (h, kind, _) in enumerate(events)
    ]
    late = {f"e{i}" for i, (_, _, drawn) in enumerate(events) if drawn}
    records: list[rk.Event | rk.Sample] = [start, reading, *others]
    whole = rk.Span.from_us(t0, t0 + 5 * day)
    as_of = t0 + min(5 * day, (cut + known) * day)
    first_span = rk.Span.from_us(t0, t0 + cut * day)
    early = [r for r in records if r.at_us < as_of and r.id not in late]
    first = rk.meter(early, [CPU, RUN], span=first_span,
                     cycle=_DAILY, as_of=rk.Span.from_us(as_of, as_of + 1).start)  # fmt: skip
    rest = records if again else [r for r in records if all(r is not e for e in early)]
    second = rk.meter(rest, [CPU, RUN], span=rk.Span.from_us(first_span.end_us, whole.end_us),
                      cycle=_DAILY, as_of=whole.end, state=carried(first))  # fmt: skip
    at_once = rk.meter(records, [CPU, RUN], span=whole, cycle=_DAILY, as_of=whole.end)

    def per_day(*rows: rk.UsageRow) -> dict[tuple[str, int], Decimal]:
        out: dict[tuple[str, int], Decimal] = {}
        for row in rows:
            assert row.cycle is not None
            key = (row.meter, row.cycle.start.day)
            out[key] = out.get(key, Decimal(0)) + row.quantity
        return {key: q for key, q in out.items() if q}

    assert per_day(*first.rows, *second.rows, *second.late) == per_day(*at_once.rows)
