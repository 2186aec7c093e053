"""The documented bounds of metering in calls with a carried state, worked by hand.

docs/usage.md ("Continuing from a state") states them: the law compares with metering
at once from the first record on. The first is the law as stated; a late event that
moves the running stretch of a first reading spreads it again, as at once; the last
two are counter readings of one instant ordered by ``seq`` across calls, as at once (a
kept reading keeps its ``seq``; they pinned the fault when it did not).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

import pytest

import ratekit as rk
from ratekit._instants import format_us

DAILY = rk.cycles.daily(tz="UTC")
HOURS = rk.Meter("hours", "hour", rk.OnOff())
SENT = rk.Meter("sent", "B", rk.Discrete())
FROM_ZERO = rk.Meter("cpu", "s", rk.Counter(from_zero=True))
COUNTER = rk.Meter("reads", "1", rk.Counter())
DAYS = [f"2026-03-0{day}T00:00:00Z" for day in range(1, 5)]
_H0 = rk.Span(DAYS[0], DAYS[1]).start_us  # 1 March 00:00, in epoch microseconds
_HOUR = 3_600_000_000


def _in_calls(
    calls: Sequence[Sequence[rk.Event | rk.Sample]], bounds: Sequence[str], meters: list[rk.Meter]
) -> tuple[rk.Usage, ...]:
    """Each call over its span, the state carried through JSON."""
    state: list[rk.ResourceState] = []
    out = []
    for n, records in enumerate(calls):
        span = rk.Span(bounds[n], bounds[n + 1])
        usage = rk.meter(records, meters, span=span, cycle=DAILY, as_of=span.end, state=state)
        state = [
            rk.ResourceState.from_json(json.loads(json.dumps(s.to_json()))) for s in usage.state
        ]
        out.append(usage)
    return tuple(out)


def _per_day(rows: Sequence[rk.UsageRow]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for row in rows:
        out[f"{row.meter} {row.cycle.start.date()}"] += row.quantity
    return dict(out)


def test_a_late_record_before_the_first_calls_span_gives_late_rows_there() -> None:
    # The first call meters 2 March (another resource's update: the call's clock); a
    # START of 1 March 20:00 and a delta of 4 B over [1 March 23:00, 2 March 03:00) come
    # with the second call. One call over 2-3 March bills none of 1 March; in calls, the
    # late rows bill it: 20:00 -> 24:00 = 4 h, and 1 of the 4 hours of the delta = 1 B
    # (the other 3 B are 2 March's, late too, as the START's 24 h there).
    anchor = rk.Event("z", "anchor", DAYS[1], id="anchor")
    start = rk.Event("a", "vm", "2026-03-01T20:00:00Z", kind="start", id="e1")
    delta = rk.Sample(
        "a", "vm", "sent", "2026-03-02T03:00:00Z", 4, since="2026-03-01T23:00:00Z", id="d1"
    )
    _, second = _in_calls([[anchor], [start, delta]], DAYS[1:], [HOURS, SENT])
    assert _per_day(second.late) == {
        "hours 2026-03-01": Decimal(4),
        "hours 2026-03-02": Decimal(24),
        "sent 2026-03-01": Decimal(1),
        "sent 2026-03-02": Decimal(3),
    }
    once = rk.meter(
        [anchor, start, delta],
        [HOURS, SENT],
        span=rk.Span(DAYS[1], DAYS[3]),
        cycle=DAILY,
        as_of=DAYS[3],
    )
    assert "hours 2026-03-01" not in _per_day(once.rows)
    assert "sent 2026-03-01" not in _per_day(once.rows)
    assert [a.kind for a in once.anomalies] == ["before_span"]


@pytest.mark.parametrize(
    ("late", "want"),
    [
        # An earlier START at 1 March 00:00 moves the stretch's start: 240 over 36 h, 24 h
        # of 1 March and 12 h of 2 March: 240 x 24/36 = 160 and 240 x 12/36 = 80; the
        # late rows take back 120 and 120 and give 160 and 80 (+40, -40).
        ("start 00", {"cpu 2026-03-01": Decimal(160), "cpu 2026-03-02": Decimal(80)}),
        # A STOP at 1 March 18:00 ends the stretch: the reading falls in none and counts
        # in full at its instant (2 March 12:00): 0 and 240 (-120, +120).
        ("stop 18", {"cpu 2026-03-01": Decimal(0), "cpu 2026-03-02": Decimal(240)}),
        # A STOP at 2 March 03:00 and a START at 06:00: the stretch starts at 06:00, 6 h
        # before the reading, all in 2 March: 0 and 240.
        ("stop 27 start 30", {"cpu 2026-03-01": Decimal(0), "cpu 2026-03-02": Decimal(240)}),
    ],
)
def test_a_late_event_spreads_a_first_reading_from_zero_again(
    late: str, want: dict[str, Decimal]
) -> None:
    # START 1 March 12:00 (call 1), first reading 240 at 2 March 12:00 (call 2): spread
    # over the 24 h from the START, 120 and 120. The late events (call 3) move the
    # running stretch that holds the reading: spread again, as metering at once does.
    start = rk.Event("a", "vm", "2026-03-01T12:00:00Z", kind="start", id="e1")
    reading = rk.Sample("a", "vm", "cpu", "2026-03-02T12:00:00Z", 240, kind="counter", id="c1")
    words = late.split()
    events = [
        rk.Event("a", "vm", format_us(_H0 + int(hour) * _HOUR), kind=kind, id=f"l{n}")
        for n, (kind, hour) in enumerate(zip(words[::2], words[1::2], strict=True))
    ]
    span = rk.Span(DAYS[0], DAYS[3])
    once = rk.meter([start, reading, *events], [FROM_ZERO], span=span, cycle=DAILY, as_of=span.end)
    nonzero = {k: v for k, v in want.items() if v}
    assert _per_day(once.rows) == nonzero
    calls = _in_calls([[start], [reading], events], DAYS, [FROM_ZERO])
    rows = [row for usage in calls for row in (*usage.rows, *usage.late) if row.meter == "cpu"]
    assert sum(row.quantity for row in rows) == 240
    assert {k: v for k, v in _per_day(rows).items() if v} == nonzero


def test_a_late_lower_reading_with_the_same_seq_reads_as_a_rise() -> None:
    # Readings 254 and 37 at 09:00, both seq 2: at once the lower goes first and the tie
    # reads as a rise, 254 - 37 = 217 (the 37 is the baseline). In calls, the 254 first
    # and the 37 late: the kept 254 keeps its seq 2, so the 37 goes before it, as at
    # once (when the state kept no seq, the 37 went after it: a reset).
    anchor = rk.Event("z", "anchor", DAYS[0], id="anchor")
    high = rk.Sample("b", "r", "reads", "2026-03-01T09:00:00Z", 254, kind="counter", id="hi", seq=2)
    low = rk.Sample("b", "r", "reads", "2026-03-01T09:00:00Z", 37, kind="counter", id="lo", seq=2)
    once = rk.meter(
        [anchor, high, low], [COUNTER], span=rk.Span(DAYS[0], DAYS[1]), cycle=None, as_of=DAYS[1]
    )
    assert once.total("reads") == 217
    half = "2026-03-01T12:00:00Z"
    state: list[rk.ResourceState] = []
    total = Decimal(0)
    for records, lo, hi in (([anchor, high], DAYS[0], half), ([low], half, DAYS[1])):
        usage = rk.meter(
            records, [COUNTER], span=rk.Span(lo, hi), cycle=None, as_of=hi, state=state
        )
        total += usage.total("reads") + sum(row.quantity for row in usage.late)
        state = list(usage.state)
    assert total == 217


def test_readings_of_one_instant_ordered_by_seq_keep_their_order_in_the_next_call() -> None:
    # 900 (seq 1), the baseline, then 480 (seq 2) at 27 March 00:00: a reset, counted
    # from zero (480). The next reading, 1860 two days later, counts 1860 - 480 = 1380
    # more: 480 + 1380 = 1860 at once. In calls, the state keeps both readings with
    # their seqs, and the next call counts the 1860 from the 480 too (when the state
    # kept no seq, it read them back by value, 480 then 900, and counted from the 900:
    # 480 + 960 = 1440).
    meter_ = rk.Meter("c", "B", rk.Counter())
    first = rk.Sample("b", "r", "c", "2026-03-27T00:00:00Z", 900, kind="counter", id="c1", seq=1)
    reset = rk.Sample("b", "r", "c", "2026-03-27T00:00:00Z", 480, kind="counter", id="c2", seq=2)
    later = rk.Sample("b", "r", "c", "2026-03-29T00:00:00Z", 1860, kind="counter", id="c3")
    span = rk.Span("2026-03-26T00:00:00Z", "2026-03-30T00:00:00Z")
    once = rk.meter([first, reset, later], [meter_], span=span, cycle=None, as_of=span.end)
    cut = "2026-03-27T12:00:00Z"
    state: list[rk.ResourceState] = []
    total = Decimal(0)
    for records, lo, hi in (([first, reset], span.start, cut), ([later], cut, span.end)):
        usage = rk.meter(records, [meter_], span=rk.Span(lo, hi), cycle=None, as_of=hi,
                         state=state)  # fmt: skip
        total += usage.total("c") + sum(row.quantity for row in usage.late)
        state = list(usage.state)
    assert total == once.total("c") == 1860
