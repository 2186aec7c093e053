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
from tests._budget import LAWS

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


@settings(max_examples=max(LAWS // 2, 50))
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
