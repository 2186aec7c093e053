"""Refusals name what the caller gave, never a value ratekit computed from it."""

from __future__ import annotations

import pytest

import ratekit as rk

HUGE = rk.Span("0002-01-01T00:00:00Z", "9998-01-01T00:00:00Z")


def test_prorating_by_days_over_too_long_a_cycle_names_the_cycle_given() -> None:
    # 0002-01-01 .. 9998-01-01 holds 3,650,964 days (by the proleptic calendar); the
    # message names the cycle's end as given (before: 9998-01-01T00:00:00.000001Z, the
    # end + 1 us that counting a last midnight asks for).
    with pytest.raises(rk.BadSpanError) as caught:
        rk.cycles.prorate(HUGE, HUGE, basis="days", tz="Europe/Zurich")
    assert str(caught.value) == (
        "prorate by days over the cycle Span('0002-01-01T00:00:00Z', '9998-01-01T00:00:00Z') "
        "would count about 3,650,964 local days in cycles.daily(tz='Europe/Zurich'), more "
        "than the 100,000 one call computes; prorate a shorter span, or use basis='seconds'."
    )


def test_metering_too_many_hourly_pieces_names_their_true_count() -> None:
    # 2000..2100: 36,525 days (25 leap years) x 24 = 876,600 hours, under the 1,000,000
    # pieces one call makes (before: refused as "about 1,753,200 pieces", twice the count);
    # the hourly cycle refuses 876,599 boundaries inside the span, over its 100,000.
    century = rk.Span("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z")
    with pytest.raises(rk.BadSpanError) as caught:
        rk.meter(
            [rk.Event("a", "r", century.start, kind="start", id="1")],
            [rk.Meter("on", "hour", rk.OnOff())],
            span=century,
            cycle=rk.cycles.hourly(),
            as_of=century.end,
        )
    assert str(caught.value) == (
        "cycles.hourly() over 2000-01-01T00:00:00Z..2100-01-01T00:00:00Z would need about "
        "876,599 boundaries, more than the 100,000 one call computes; ask for shorter spans, "
        "one piece at a time."
    )


def test_metering_too_many_daily_pieces_counts_them_by_the_cycle_length() -> None:
    # 3000-01-01 .. 9000-01-01: 2,191,455 days, one piece each (before: about 4,382,910).
    ages = rk.Span("3000-01-01T00:00:00Z", "9000-01-01T00:00:00Z")
    with pytest.raises(rk.BadSpanError) as caught:
        rk.meter(
            [rk.Event("a", "vm", ages.start, kind="start", id="e1")],
            [rk.Meter("on", "hour", rk.OnOff())],
            span=ages,
            cycle=rk.cycles.daily(tz="UTC"),
            as_of=ages.end,
        )
    assert str(caught.value) == (
        "metering 3000-01-01T00:00:00Z..9000-01-01T00:00:00Z would cut one resource's usage "
        "into about 2,191,455 pieces, one per cycle, more than the 1,000,000 one call makes; "
        "meter a shorter span (as_of) or use a longer cycle."
    )


def test_a_cron_window_refusal_names_the_span_asked() -> None:
    pytest.importorskip("cronsim")
    # The window caches a part of time around the span asked (62 days wider); the refusal
    # names the span asked (before: from 2025-12-01, the cache's start).
    window = rk.windows.cron("* * * * *", "*/2 * * * *", tz="UTC")
    with pytest.raises(rk.BadSpanError) as caught:
        window.within(rk.Span("2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z"))
    assert str(caught.value).startswith(
        "windows.cron('* * * * *', '*/2 * * * *', tz='UTC') over "
        "2026-01-01T00:00:00Z..2028-01-01T00:00:00Z would need about "
    )
