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


def test_a_window_that_never_opens_is_empty_over_years_without_counting_firings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Start and end fire every minute: 525,600 start firings a year, none of which opens
    # anything. Before: BadSpanError after counting 50,000 of them (seconds of work),
    # "would need about 100,002 boundaries" for a window with none. The pair is known
    # never to open when it is built, so no firing is searched.
    never = rk.windows.cron("*/5 * * * *", "* * * * *", tz="Europe/Zurich")

    def searched(*_: object, **__: object) -> None:
        raise AssertionError("no firing should be searched")

    monkeypatch.setattr(type(never), "_windows", searched)
    years = rk.Span("2026-01-01T00:00:00Z", "2031-01-01T00:00:00Z")
    assert never.within(years) == rk.SpanSet([])
    with pytest.raises(rk.BadTimeError, match="years 2 to 9998"):
        never.within_us(-(10**18), 0)  # the calendar's range is still checked


NEVER = (
    ("* * * * *", "* * * * *"),  # the same expression
    ("30 2 * * *", "0 30 2 * * *"),  # alike: six fields at a fixed time follow five
    ("0 0 * * Mon", "0 0 * * 1"),  # alike: the weekday by name and by number
    ("*/5 * * * *", "* * * * *"),  # the end fires every minute
    ("30 2 * * *", "* * * * *"),  # ... also after a DST gap, where 02:30 runs at 03:00
    ("30 30 2 * * *", "*/30 * * * * *"),  # every minute at :00 and :30
)
OPENS = (
    ("30 2 * * *", "30 * * * *"),  # after the gap the start runs at 03:00, the end at 03:30
    ("* * * * *", "*/2 * * * *"),
    ("0 0 1 * *", "0 0 1-31 * *"),  # never opens, but not known to: counted as usual
    ("0 9 * * *", "0 17 * * *"),
    ("30 0 2 * * *", "30 * * * * *"),  # 02:00:30 skipped by a gap fires at 03:00:00
)
DST_NIGHTS = (
    ("Europe/Zurich", "2026-03-28T22:00:00Z"),
    ("Europe/Zurich", "2026-10-24T22:00:00Z"),
    ("Australia/Lord_Howe", "2026-10-03T13:00:00Z"),
    ("Australia/Lord_Howe", "2026-04-04T12:00:00Z"),
    ("America/New_York", "2026-03-08T04:00:00Z"),
    ("UTC", "2026-03-01T00:00:00Z"),
)


@pytest.mark.parametrize(("start", "end"), NEVER + OPENS)
@pytest.mark.parametrize(("tz", "night"), DST_NIGHTS)
def test_a_pair_known_never_to_open_finds_no_window_when_counted(
    start: str, end: str, tz: str, night: str
) -> None:
    # The windows counted firing by firing over a DST night (the first six pairs open
    # nothing there) match what the pair is known to do; the last four are counted.
    window = rk.windows.cron(start, end, tz=tz)
    counted = rk.windows.cron(start, end, tz=tz)
    object.__setattr__(counted, "_never", False)
    span = rk.Span(night, rk.Span(night, "9998-01-01T00:00:00Z").start + dt.timedelta(hours=8))
    assert window._never is ((start, end) in NEVER)
    assert window.within(span) == counted.within(span)
    if window._never:
        assert counted.within(span) == rk.SpanSet([])


MINUTES = ("*", "*/5", "*/30", "0", "30", "1-59/2", "0-59")
HOURS = ("*", "2", "*/2", "0-23", "1-3")
SECONDS = (None, "0", "*/30", "30")


def _expression(second: str | None, minute: str, hour: str) -> str:
    return " ".join(([second] if second else []) + [minute, hour, "*", "*", "*"])


@pytest.mark.property
@settings(max_examples=60, deadline=None)
@given(
    start=st.tuples(st.sampled_from(SECONDS), st.sampled_from(MINUTES), st.sampled_from(HOURS)),
    end=st.one_of(
        # ends that fire every minute, which the second rule knows, half of the time
        st.tuples(st.sampled_from(SECONDS), st.just("*"), st.just("*")),
        st.tuples(st.sampled_from(SECONDS), st.sampled_from(MINUTES), st.sampled_from(HOURS)),
    ),
    night=st.sampled_from(DST_NIGHTS),
)
def test_a_pair_known_never_to_open_opens_nothing_counted_over_a_dst_night(
    start: tuple[str | None, str, str], end: tuple[str | None, str, str], night: tuple[str, str]
) -> None:
    # Oracle: the windows counted firing by firing over the night (8 h). Before the
    # second rule asked for second 0 of an end after a fixed start, "30 0 2 * * *" with
    # "30 * * * * *" was known never to open, and opened at 03:00:00 after Zurich's gap.
    tz, at = night
    window = rk.windows.cron(_expression(*start), _expression(*end), tz=tz)
    counted = rk.windows.cron(_expression(*start), _expression(*end), tz=tz)
    object.__setattr__(counted, "_never", False)
    lo = rk.Span(at, "9998-01-01T00:00:00Z").start
    span = rk.Span(lo, lo + dt.timedelta(hours=8))
    if window._never:
        assert counted.within(span) == rk.SpanSet([])


def test_a_span_past_the_firings_one_call_searches_is_refused_naming_firings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The start fires every 5 minutes and the end at minutes 0-58: every start firing
    # is an end firing, so nothing opens (not known when built: the end skips :59). With
    # a limit of 100 (50 firings a call), 4 h hold 48 firings and pass; 5 h hold 60 and
    # are refused after 50, naming the firings counted, not "boundaries".
    monkeypatch.setattr("ratekit._windows_cron.MAX_BOUNDARIES", 100)
    monkeypatch.setattr(rk.windows.CronWindow, "MARGIN_FIRINGS", 10)
    window = rk.windows.cron("*/5 * * * *", "0-58 * * * *", tz="UTC")
    four = rk.Span("2026-03-01T00:00:00Z", "2026-03-01T04:00:00Z")
    assert window.within(four) == rk.SpanSet([])
    fresh = rk.windows.cron("*/5 * * * *", "0-58 * * * *", tz="UTC")
    with pytest.raises(rk.BadSpanError) as caught:
        fresh.within(rk.Span("2026-03-01T00:00:00Z", "2026-03-01T05:00:00Z"))
    # firings at 00:00, 00:05, ..., 04:05: 50 of them, the last at 04:05
    assert str(caught.value) == (
        "windows.cron('*/5 * * * *', '0-58 * * * *', tz='UTC') over 2026-03-01T00:00:00Z.."
        "2026-03-01T05:00:00Z: its start fired 50 times by 2026-03-01T04:05:00Z "
        "(opening 0 windows), and one call searches at most 50 firings; ask for shorter "
        "spans, one piece at a time."
    )
