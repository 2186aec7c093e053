"""A sample after a delete but before the span is outside the call, not "counted"."""

from __future__ import annotations

import ratekit as rk

DELTAS = rk.Meter("dl", "B", rk.Discrete())
RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())
DELETE = rk.Event("acc", "b", "2026-03-01T04:00:00Z", kind="delete", id="e1")
SAMPLE = rk.Sample("acc", "b", "dl", "2026-03-01T20:00:00Z", 45, id="d0")
EVENING = rk.Span("2026-03-01T22:00:00Z", "2026-03-02T00:00:00Z")


def test_a_sample_before_the_span_after_a_delete_is_before_span_not_counted() -> None:
    # The delete at 04:00 and the 45 B at 20:00 both lie before the span [22:00, 24:00),
    # with no carried clock: outside the call. No row counts the 45 B (0 B metered), so
    # the sample is 'before_span' in no_effect, as without the delete; the after_delete
    # anomaly used to say "it is counted", which no row did.
    usage = rk.meter(
        [DELETE, SAMPLE], [RUNTIME, DELTAS], span=EVENING, cycle=None, as_of=EVENING.end
    )
    assert usage.rows == ()
    assert usage.total("dl") == 0
    assert [a.kind for a in usage.anomalies] == ["orphan_stop"]
    assert usage.no_effect == (("d0", "before_span"),)


def test_a_sample_between_the_clock_and_a_later_span_after_a_delete_is_not_counted() -> None:
    # The state's clock is 10:00 (b deleted at 04:00); the next span starts at 22:00, so
    # the 45 B at 20:00 fall between: no call bills them, 'before_span' as for any sample.
    morning = rk.Span("2026-03-01T00:00:00Z", "2026-03-01T10:00:00Z")
    first = rk.meter([DELETE], [RUNTIME, DELTAS], span=morning, cycle=None, as_of=morning.end)
    usage = rk.meter(
        [SAMPLE], [RUNTIME, DELTAS], span=EVENING, cycle=None, as_of=EVENING.end, state=first.state
    )
    assert (usage.rows, usage.late, usage.anomalies) == ((), (), ())
    assert usage.no_effect == (("d0", "before_span"),)


def test_a_late_sample_after_a_delete_is_still_counted_and_reported() -> None:
    # Clock 22:00: the 45 B at 20:00 are late, counted in a late row, after_delete kept.
    day = rk.Span("2026-03-01T00:00:00Z", "2026-03-01T22:00:00Z")
    first = rk.meter([DELETE], [RUNTIME, DELTAS], span=day, cycle=None, as_of=day.end)
    usage = rk.meter(
        [SAMPLE], [RUNTIME, DELTAS], span=EVENING, cycle=None, as_of=EVENING.end, state=first.state
    )
    assert sum(row.quantity for row in usage.late) == 45
    assert "after_delete" in [a.kind for a in usage.anomalies]
