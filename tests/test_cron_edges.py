"""Cron windows at the ends of the accepted years, and their refusals.

Worked by hand in the comments (Feb 29 falls in 9996, then not before 10000).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

pytest.importorskip("cronsim")

LEAP = rk.windows.cron("0 0 29 2 *", "0 1 29 2 *", tz="UTC")


def test_a_feb_29_window_in_the_last_years_has_no_window_after_9996() -> None:
    # 9996 is a leap year (divisible by 4, not by 100); 9997 and 9998 are not, and the
    # next Feb 29 is in 10000, past the years datetime holds (before: OverflowError).
    assert LEAP.within(rk.Span("9996-03-01T00:00:00Z", "9998-01-01T00:00:00Z")) == rk.SpanSet([])
    assert LEAP.within(rk.Span("9996-01-01T00:00:00Z", "9998-01-01T00:00:00Z")) == rk.SpanSet(
        [rk.Span("9996-02-29T00:00:00Z", "9996-02-29T01:00:00Z")]
    )


def test_a_window_whose_end_never_fires_again_stays_open_to_the_last_year() -> None:
    # Opens Feb 28 9997; its end (Feb 29) next fires in 10000: open to the end asked.
    window = rk.windows.cron("0 0 28 2 *", "0 0 29 2 *", tz="UTC")
    assert window.within(rk.Span("9997-01-01T00:00:00Z", "9998-01-01T00:00:00Z")) == rk.SpanSet(
        [rk.Span("9997-02-28T00:00:00Z", "9998-01-01T00:00:00Z")]
    )


def test_a_feb_29_window_in_the_first_years_looks_back_to_year_1_only() -> None:
    # Looking back from year 2 for the last Feb 29: none in year 1 (not a leap year), and
    # none before it that datetime holds: no window (before: OverflowError).
    assert LEAP.within(rk.Span("0002-01-01T00:00:00Z", "0002-12-01T00:00:00Z")) == rk.SpanSet([])
    nights = rk.windows.cron("0 22 * * *", "0 6 * * *", tz="UTC")
    assert nights.within(rk.Span("0002-01-01T00:00:00Z", "0002-01-01T08:00:00Z")) == rk.SpanSet(
        [rk.Span("0002-01-01T00:00:00Z", "0002-01-01T06:00:00Z")]
    )


def test_rating_a_vm_in_9997_under_a_feb_29_window() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry("d", "on", rk.PerUnit(1)),
            rk.PriceEntry("leap", "on", rk.PerUnit(0), window=LEAP, priority=1),
        ],
    )
    rating = rk.rate(
        [rk.Event("a", "r", "9997-01-01T00:00:00Z", kind="start", id="1")],
        plan,
        span=rk.Span("9997-01-01T00:00:00Z", "9997-02-01T00:00:00Z"),
        meters=[rk.Meter("on", "hour", rk.OnOff())],
    )
    # January 9997: 31 d x 24 h = 744 h at 1, the leap window never open.
    assert rating.total() == Decimal(744)


def test_six_fields_are_named_in_the_refusal() -> None:
    # Six fields (seconds first) are accepted, and the refusal says so.
    assert rk.windows.cron("0 0 0 * * *", "0 0 1 * * *", tz="UTC").within(
        rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    ) == rk.SpanSet([rk.Span("2026-03-01T00:00:00Z", "2026-03-01T01:00:00Z")])
    with pytest.raises(rk.BadCalendarError) as caught:
        rk.windows.cron("0 25 * * *", "0 1 * * *", tz="UTC")
    assert str(caught.value) == (
        "cron window start '0 25 * * *' is not a cron expression (Bad hour); write five "
        "fields, minute hour day-of-month month day-of-week, e.g. '00 02 * * Tue', or six "
        "with seconds first, e.g. '0 00 02 * * Tue'."
    )


def test_a_cron_window_with_too_many_windows_is_refused_from_an_estimate() -> None:
    # Opens every minute, closes every even minute: 30 windows an hour. 2026 and 2027 hold
    # 730 days: 730 x 24 x 30 = 525,600 windows, 1,051,200 boundaries, counted from one
    # hour's windows (the exact count stopped at about 100,002, after seconds of work).
    window = rk.windows.cron("* * * * *", "*/2 * * * *", tz="UTC")
    with pytest.raises(rk.BadSpanError) as caught:
        window.within(rk.Span("2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z"))
    assert str(caught.value) == (
        "windows.cron('* * * * *', '*/2 * * * *', tz='UTC') over 2026-01-01T00:00:00Z.."
        "2028-01-01T00:00:00Z would need about 1,051,200 boundaries, more than the 100,000 "
        "one call computes; ask for shorter spans, one piece at a time."
    )


def test_an_hourly_window_just_past_the_limit_is_refused_from_its_estimate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # One window an hour (on the hour to half past), 2026 to 2031 in Zurich: 2,191 days,
    # 52,584 hours, 105,168 boundaries. 22/24 of that (48,202 windows) was under the limit
    # of 50,000 windows, so every window was counted before the refusal (2.5 s); a DST
    # change moves only an hour, a few times a year. Refused before any is counted.
    window = rk.windows.cron("0 * * * *", "30 * * * *", tz="Europe/Zurich")
    found = type(window)._windows
    counted: list[int] = []

    def spied(self: object, lo_us: int, hi_us: int, *rest: object) -> list[tuple[int, int]]:
        counted.append(hi_us - lo_us)
        return found(self, lo_us, hi_us, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(type(window), "_windows", spied)
    with pytest.raises(rk.BadSpanError) as caught:
        window.within(rk.Span("2026-01-01T00:00:00Z", "2032-01-01T00:00:00Z"))
    assert "would need about 105,168 boundaries" in str(caught.value)
    assert counted == [3_600_000_000]  # one hour, the sample


def test_an_estimate_under_the_limit_computes_every_window() -> None:
    # 00:00 to 06:00 every day: one window a day, 730 over 2026 and 2027, each 6 h.
    window = rk.windows.cron("0 0 * * *", "0 6 * * *", tz="UTC")
    spans = list(window.within(rk.Span("2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z")))
    assert len(spans) == 730
    assert spans[-1] == rk.Span("2027-12-31T00:00:00Z", "2027-12-31T06:00:00Z")
    # Naming a day of the month, the firings do not repeat daily: no estimate, the exact
    # count (1 window a month, 24 over two years).
    monthly = rk.windows.cron("0 0 1 * *", "0 6 1 * *", tz="UTC")
    assert len(monthly.within(rk.Span("2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z"))) == 24


def test_a_window_opened_at_the_first_local_instant_of_year_1_is_found_from_year_2() -> None:
    # In Etc/GMT+12 (UTC-12) '0 0 1 1 *' fires at local 0001-01-01 00:00, the instant
    # 0001-01-01T12:00Z, and '0 0 2 1 *' a day later, 0001-01-02T12:00Z: that window ends
    # in year 1, and the next opens at local 0002-01-01 00:00 = 0002-01-01T12:00Z until
    # 0002-01-02T12:00Z. Looking back from 0002-01-01T00:00Z (the first instant accepted)
    # found the year-1 firing, then asked the zone for the local time a microsecond before
    # it (0000-12-31, which datetime does not hold): a BadTimeError blaming the zone and
    # naming 0001-01-01T11:59:59.999999Z, an instant never given.
    new_year = rk.windows.cron("0 0 1 1 *", "0 0 2 1 *", tz="Etc/GMT+12")
    assert new_year.within(rk.Span("0002-01-01T00:00:00Z", "0002-03-01T00:00:00Z")) == rk.SpanSet(
        [rk.Span("0002-01-01T12:00:00Z", "0002-01-02T12:00:00Z")]
    )
    # An end that fires at that same first instant opens nothing there (a start firing
    # with an end): '0 0 * 1 0-6' fires at 00:00 every day of January, so neither the
    # year-1 window nor the one of 0002-01-01 opens.
    same = rk.windows.cron("0 0 1 1 *", "0 0 * 1 0-6", tz="Etc/GMT+12")
    assert same.within(rk.Span("0002-01-01T00:00:00Z", "0002-03-01T00:00:00Z")) == rk.SpanSet([])
    # An end with '*' in its hour field (fired at every real instant) alike: from local
    # 0001-01-01 00:00 to 01:00, 0001-01-01T12:00Z-13:00Z, then 0002-01-01T12:00Z-13:00Z.
    hour = rk.windows.cron("0 0 1 1 *", "* 1 * * *", tz="Etc/GMT+12")
    assert hour.within(rk.Span("0002-01-01T00:00:00Z", "0002-03-01T00:00:00Z")) == rk.SpanSet(
        [rk.Span("0002-01-01T12:00:00Z", "0002-01-01T13:00:00Z")]
    )
