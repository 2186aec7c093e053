"""Cron windows that open every minute or every second: a short span asked costs its own firings.

A cron window caches windows around the span asked (two months), so that neighbouring
spans are answered from the cache. That margin once counted against the limit of
100,000 boundaries and was computed whole: a window opening every other second was
refused for a one-minute span, and an hour of a window opening every minute took
seconds. The margin is now cached only as far as a few hundred firings reach.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ratekit as rk

pytest.importorskip("cronsim")

ONE_MINUTE = rk.Span("2026-03-01T00:00:00Z", "2026-03-01T00:01:00Z")
ONE_HOUR = rk.Span("2026-03-01T00:00:00Z", "2026-03-01T01:00:00Z")


def test_a_window_of_odd_seconds_over_one_minute_is_its_30_seconds() -> None:
    # Opens at every odd second (1, 3, ..., 59) and closes at the next even second (the
    # end fires at 0, 2, ..., 58 and at 00:01:00): 30 windows of one second, 30 s in all.
    # Before: BadSpanError "would need about 100,002 boundaries" (the two months cached
    # around the minute hold 2.6 million firings).
    odd = rk.windows.cron("1-59/2 * * * * *", "*/2 * * * * *", tz="UTC")
    inside = odd.within(ONE_MINUTE)
    assert len(inside) == 30
    assert inside.duration == dt.timedelta(seconds=30)
    assert next(iter(inside)) == rk.Span("2026-03-01T00:00:01Z", "2026-03-01T00:00:02Z")


def test_a_window_that_never_opens_is_empty_over_one_hour() -> None:
    # Start and end fire at the same instants (every minute): a start firing with an end
    # opens nothing, so the window never opens. Before: BadSpanError after 89,280
    # firings counted over the two months around the hour.
    never = rk.windows.cron("* * * * *", "* * * * *", tz="UTC")
    assert never.within(ONE_HOUR) == rk.SpanSet([])


def test_a_window_of_odd_minutes_over_one_hour_then_the_next_from_the_cache() -> None:
    # Opens at minutes 1, 3, ..., 59 and closes at the next even minute: 30 windows of
    # one minute in each hour, 30 minutes of 60. Before, the first call computed two
    # months of such windows (44,640 of them, about 10 s).
    odd = rk.windows.cron("1-59/2 * * * *", "*/2 * * * *", tz="UTC")
    assert odd.within(ONE_HOUR).duration == dt.timedelta(minutes=30)
    later = rk.Span("2026-03-01T01:00:00Z", "2026-03-01T02:00:00Z")
    assert odd.within(later).duration == dt.timedelta(minutes=30)
    # Across the hour's end: 00:59-01:00 and 01:01-01:02 from 00:59 to 01:02.
    across = rk.Span("2026-03-01T00:59:00Z", "2026-03-01T01:02:00Z")
    assert odd.within(across) == rk.SpanSet(
        [
            rk.Span("2026-03-01T00:59:00Z", "2026-03-01T01:00:00Z"),
            rk.Span("2026-03-01T01:01:00Z", "2026-03-01T01:02:00Z"),
        ]
    )


def test_a_long_span_of_a_dense_window_is_still_refused() -> None:
    # 10 days of one-second windows every other second: 432,000 windows, 864,000
    # boundaries, past the 100,000 one call computes.
    odd = rk.windows.cron("1-59/2 * * * * *", "*/2 * * * * *", tz="UTC")
    with pytest.raises(rk.BadSpanError, match="100,000"):
        odd.within(rk.Span("2026-03-01T00:00:00Z", "2026-03-11T00:00:00Z"))


def test_a_warm_window_answers_a_span_days_after_its_cache_as_a_cold_one() -> None:
    # Opens at seconds 0, 10, ..., 50 and closes at the next of 0, 15, 30, 45: :00 and
    # :30 open nothing (an end fires with them), :10-:15, :20-:30, :40-:45 and :50-:00
    # (cut at the minute's end): 5 + 10 + 5 + 10 = 30 s in every minute. Before, the
    # window that had answered 1 March computed every window from there to 11 March
    # (86,400 firings) and was refused, where a new window answered.
    def tens() -> rk.windows.CronWindow:
        return rk.windows.cron("*/10 * * * * *", "*/15 * * * * *", tz="UTC")

    later = rk.Span("2026-03-11T00:00:00Z", "2026-03-11T00:01:00Z")
    due = rk.SpanSet(
        [
            rk.Span("2026-03-11T00:00:10Z", "2026-03-11T00:00:15Z"),
            rk.Span("2026-03-11T00:00:20Z", "2026-03-11T00:00:30Z"),
            rk.Span("2026-03-11T00:00:40Z", "2026-03-11T00:00:45Z"),
            rk.Span("2026-03-11T00:00:50Z", "2026-03-11T00:01:00Z"),
        ]
    )
    warm = tens()
    assert warm.within(ONE_MINUTE).duration == dt.timedelta(seconds=30)
    assert warm.within(later) == due == tens().within(later)
    assert due.duration == dt.timedelta(seconds=30)
    # And back: 1 March again, from a cache around 11 March.
    assert warm.within(ONE_MINUTE) == tens().within(ONE_MINUTE)


SPECS = (
    ("1-59/2 * * * *", "*/2 * * * *", "UTC"),
    ("0 22 * * *", "0 6 * * *", "Europe/Zurich"),
    ("*/7 * * * *", "*/5 * * * *", "Australia/Lord_Howe"),
    ("15 2 * * *", "0 2 * * *", "America/Santiago"),
    ("*/10 * * * * *", "*/15 * * * * *", "UTC"),
)
HOUR_US = 3_600_000_000
BASE_US = 1_774_742_400_000_000  # 2026-03-29T00:00:00Z, Zurich's spring DST night


@pytest.mark.property
@settings(max_examples=40)
@given(
    spec=st.sampled_from(SPECS),
    asked=st.lists(
        st.tuples(st.integers(-30 * 24, 30 * 24), st.integers(0, HOUR_US)), min_size=2, max_size=4
    ),
)
def test_a_warm_cron_window_answers_as_a_cold_one(
    spec: tuple[str, str, str], asked: list[tuple[int, int]]
) -> None:
    start, end, tz = spec
    warm = rk.windows.cron(start, end, tz=tz)
    for hours, length in asked:
        lo = BASE_US + hours * HOUR_US
        hi = lo + length
        assert warm.within_us(lo, hi) == rk.windows.cron(start, end, tz=tz).within_us(lo, hi)
