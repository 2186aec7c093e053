"""Recurring windows: hand-worked DST and midnight edges, cron pairs, and properties."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import pickle
import sys
import zoneinfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import ratekit as rk
from ratekit._instants import US_PER_DAY, US_PER_HOUR, format_us, to_us
from ratekit.windows import Window

H = US_PER_HOUR


def span(start: str, end: str) -> rk.Span:
    return rk.Span(start, end)


def pairs(window: Window, start: str, end: str) -> list[tuple[str, str]]:
    return [(format_us(a), format_us(b)) for a, b in window.within_us(to_us(start), to_us(end))]


# -- daily windows ----------------------------------------------------------------------


def test_a_night_window_crosses_midnight() -> None:
    nights = rk.windows.daily("22:00", "06:00", tz="UTC")
    assert pairs(nights, "2026-03-02T00:00:00Z", "2026-03-04T00:00:00Z") == [
        ("2026-03-02T00:00:00Z", "2026-03-02T06:00:00Z"),
        ("2026-03-02T22:00:00Z", "2026-03-03T06:00:00Z"),
        ("2026-03-03T22:00:00Z", "2026-03-04T00:00:00Z"),
    ]


def test_a_night_spanning_spring_forward_lasts_7_hours() -> None:
    nights = rk.windows.daily("22:00", "06:00", tz="Europe/Zurich")
    # Sat Mar 28 22:00 CET = 21:00Z; Sun Mar 29 06:00 CEST = 04:00Z: 7 h.
    found = nights.within(span("2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z"))
    assert list(found) == [span("2026-03-28T21:00:00Z", "2026-03-29T04:00:00Z")]
    assert found.duration == dt.timedelta(hours=7)


def test_a_night_spanning_fall_back_lasts_9_hours() -> None:
    nights = rk.windows.daily("22:00", "06:00", tz="Europe/Zurich")
    # Sat Oct 24 22:00 CEST = 20:00Z; Sun Oct 25 06:00 CET = 05:00Z: 9 h.
    found = nights.within(span("2026-10-24T12:00:00Z", "2026-10-25T12:00:00Z"))
    assert list(found) == [span("2026-10-24T20:00:00Z", "2026-10-25T05:00:00Z")]


def test_a_window_starting_in_the_dst_gap_starts_when_the_gap_ends() -> None:
    # 02:30 does not exist in Zurich on Mar 29 2026: the window starts at 03:00 CEST (01:00Z).
    window = rk.windows.daily("02:30", "04:00", tz="Europe/Zurich")
    assert pairs(window, "2026-03-29T00:00:00Z", "2026-03-29T12:00:00Z") == [
        ("2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z")
    ]
    # 02:30 happens twice on Oct 25 2026: the window starts at the first (00:30Z) and
    # ends at 04:00 CET (03:00Z): 2.5 hours.
    assert pairs(window, "2026-10-25T00:00:00Z", "2026-10-25T12:00:00Z") == [
        ("2026-10-25T00:30:00Z", "2026-10-25T03:00:00Z")
    ]


def test_a_window_inside_the_gap_is_empty_that_day() -> None:
    # 02:00-02:30 is skipped on Mar 29: both ends move to 01:00Z; nothing is left.
    window = rk.windows.daily("02:00", "02:30", tz="Europe/Zurich")
    assert pairs(window, "2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z") == [
        ("2026-03-30T00:00:00Z", "2026-03-30T00:30:00Z")
    ]


def test_occurrences_that_meet_in_a_dst_gap_merge() -> None:
    # 02:15 to 02:00 the next day (23 h 45 min of wall clock). On Mar 29 both the end of
    # Saturday's occurrence (02:00) and the start of Sunday's (02:15) are skipped: both
    # move to 03:00 CEST = 01:00Z, so the two occurrences meet and read as one span.
    window = rk.windows.daily("02:15", "02:00", tz="Europe/Zurich")
    assert pairs(window, "2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z") == [
        ("2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z")
    ]
    # Sunday's occurrence ends on Monday at 02:00 CEST = 00:00Z.
    assert pairs(window, "2026-03-29T12:00:00Z", "2026-03-30T12:00:00Z") == [
        ("2026-03-29T12:00:00Z", "2026-03-30T00:00:00Z"),
        ("2026-03-30T00:15:00Z", "2026-03-30T12:00:00Z"),
    ]


def test_within_clips_to_the_span_and_respects_half_open_ends() -> None:
    nights = rk.windows.daily("22:00", "06:00", tz="UTC")
    # A span ending exactly when a night starts holds none of it.
    assert pairs(nights, "2026-03-02T06:00:00Z", "2026-03-02T22:00:00Z") == []
    # A span starting exactly when a night ends holds none of it either.
    assert pairs(nights, "2026-03-02T06:00:00Z", "2026-03-02T07:00:00Z") == []
    # A span starting at a night's start holds it from there.
    assert pairs(nights, "2026-03-02T22:00:00Z", "2026-03-02T23:00:00Z") == [
        ("2026-03-02T22:00:00Z", "2026-03-02T23:00:00Z")
    ]
    assert nights.within_us(5, 5) == []
    assert nights.within_us(10, 5) == []
    assert nights.within(span("2026-03-02T12:00:00Z", "2026-03-02T12:00:00Z")) == rk.SpanSet()


# -- weekly windows ---------------------------------------------------------------------


def test_tuesday_0200_to_wednesday_0200_in_athens() -> None:
    # Aquarium's pricelist: Tue 02:00 to Wed 02:00, Athens time (EET, +2, in March).
    window = rk.windows.weekly(("Tue", "02:00"), ("Wed", "02:00"), tz="Europe/Athens")
    assert pairs(window, "2026-03-01T00:00:00Z", "2026-03-15T00:00:00Z") == [
        ("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z"),
        ("2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z"),
    ]
    # In summer (EEST, +3) the same local times are an hour earlier in UTC.
    assert pairs(window, "2026-07-05T00:00:00Z", "2026-07-12T00:00:00Z") == [
        ("2026-07-06T23:00:00Z", "2026-07-07T23:00:00Z")
    ]


def test_a_weekly_window_wrapping_the_week_end_across_dst() -> None:
    window = rk.windows.weekly(("Fri", "18:00"), ("Mon", "08:00"), tz="Europe/Zurich")
    # Fri Mar 27 18:00 CET = 17:00Z to Mon Mar 30 08:00 CEST = 06:00Z: 61 h (62 - 1).
    found = window.within(span("2026-03-25T00:00:00Z", "2026-04-01T00:00:00Z"))
    assert list(found) == [span("2026-03-27T17:00:00Z", "2026-03-30T06:00:00Z")]
    assert found.duration == dt.timedelta(hours=61)


def test_a_weekly_window_on_one_day_or_the_whole_week_round() -> None:
    # Same weekday, end after start: a few hours on that day.
    short = rk.windows.weekly(("Mon", "09:00"), ("Mon", "10:00"), tz="UTC")
    assert pairs(short, "2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z") == [
        ("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z")
    ]
    # Same weekday, end before start: almost all week.
    long = rk.windows.weekly(("Mon", "10:00"), ("Mon", "09:00"), tz="UTC")
    assert pairs(long, "2026-03-02T00:00:00Z", "2026-03-09T00:00:00Z") == [
        ("2026-03-02T00:00:00Z", "2026-03-02T09:00:00Z"),
        ("2026-03-02T10:00:00Z", "2026-03-09T00:00:00Z"),
    ]


def test_weekends() -> None:
    weekends = rk.windows.weekends(tz="America/New_York")
    # Sat Mar 7 00:00 EST = 05:00Z to Mon Mar 9 00:00 EDT = 04:00Z (DST began Sun Mar 8).
    # (Mon Mar 2 00:00-05:00Z is still Sunday in New York: start the query at 05:00Z.)
    assert pairs(weekends, "2026-03-02T05:00:00Z", "2026-03-10T00:00:00Z") == [
        ("2026-03-07T05:00:00Z", "2026-03-09T04:00:00Z")
    ]
    assert weekends == rk.windows.weekly(
        ("sat", "00:00"), ("monday", "00:00"), tz="America/New_York"
    )


# -- cron windows -----------------------------------------------------------------------


def test_cron_pair_as_in_aquariums_pricelist() -> None:
    window = rk.windows.cron("00 02 * * Tue", "00 02 * * Wed", tz="Europe/Athens")
    weekly = rk.windows.weekly(("Tue", "02:00"), ("Wed", "02:00"), tz="Europe/Athens")
    # Over 2026, with both DST changes: the same 52 Tuesdays as the weekly window.
    start, end = to_us("2026-01-01T00:00:00Z"), to_us("2027-01-01T00:00:00Z")
    found = window.within_us(start, end)
    assert len(found) == 52
    assert found == weekly.within_us(start, end)
    # A query starting inside a window sees it from the query's start.
    assert pairs(window, "2026-03-03T12:00:00Z", "2026-03-05T00:00:00Z") == [
        ("2026-03-03T12:00:00Z", "2026-03-04T00:00:00Z")
    ]


def test_cron_firings_in_a_dst_gap_and_a_repeated_hour() -> None:
    window = rk.windows.cron("30 2 * * *", "0 4 * * *", tz="Europe/Zurich")
    # 02:30 is skipped on Mar 29: cron runs the job at the first minute after the gap,
    # 03:00 CEST = 01:00Z, until 04:00 CEST = 02:00Z.
    assert pairs(window, "2026-03-29T00:00:00Z", "2026-03-29T12:00:00Z") == [
        ("2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z")
    ]
    # 02:30 happens twice on Oct 25: it fires once, at the first (00:30Z), until 04:00 CET = 03:00Z.
    assert pairs(window, "2026-10-25T00:00:00Z", "2026-10-25T12:00:00Z") == [
        ("2026-10-25T00:30:00Z", "2026-10-25T03:00:00Z")
    ]
    # Asking from inside the second 02:30 still finds the window opened at the first.
    assert pairs(window, "2026-10-25T01:45:00Z", "2026-10-25T12:00:00Z") == [
        ("2026-10-25T01:45:00Z", "2026-10-25T03:00:00Z")
    ]


def test_cron_six_fields_meet_dst_as_five_fields_do() -> None:
    # '0 30 2 * * *' (seconds first) is the job '30 2 * * *': it follows the same rule.
    five = rk.windows.cron("30 2 * * *", "45 2 * * *", tz="Europe/Zurich")
    six = rk.windows.cron("0 30 2 * * *", "0 45 2 * * *", tz="Europe/Zurich")
    # Mar 29 skips 02:00-03:00 CET: both firings move to 03:00 CEST = 01:00Z, a start
    # firing with an end opens nothing: no window that day (before: none either, but
    # the next check shows the start alone was lost).
    # Oct 25 repeats 02:00-03:00: 02:30 CEST = 00:30Z to 02:45 CEST = 00:45Z, once;
    # the second 02:30 (CET, 01:30Z) is no firing (before: a second window to 01:45Z,
    # 15 minutes more at the window's price).
    autumn = ("2026-10-24T22:00:00Z", "2026-10-25T04:00:00Z")
    assert (
        pairs(six, *autumn)
        == pairs(five, *autumn)
        == [("2026-10-25T00:30:00Z", "2026-10-25T00:45:00Z")]
    )
    # A start in the gap opens at its end: 02:30 skipped -> 03:00 CEST = 01:00Z, to
    # 04:00 CEST = 02:00Z (before: the six-field window never opened that night).
    backups = rk.windows.cron("0 30 2 * * *", "0 0 4 * * *", tz="Europe/Zurich")
    assert pairs(backups, "2026-03-29T00:00:00Z", "2026-03-29T12:00:00Z") == [
        ("2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z")
    ]
    # Seconds are kept: 02:30:30 is skipped too, and moves to the end of the gap, 01:00Z;
    # on Oct 25 it fires once, at 02:30:30 CEST = 00:30:30Z, to 04:00 CET = 03:00Z.
    late = rk.windows.cron("30 30 2 * * *", "0 0 4 * * *", tz="Europe/Zurich")
    assert pairs(late, "2026-03-29T00:00:00Z", "2026-03-29T12:00:00Z") == [
        ("2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z")
    ]
    assert pairs(late, "2026-10-25T00:00:00Z", "2026-10-25T12:00:00Z") == [
        ("2026-10-25T00:30:30Z", "2026-10-25T03:00:00Z")
    ]


def test_cron_wildcard_hours_fire_at_every_real_half_hour_in_lord_howe() -> None:
    # '30 * * * *' fires at every real instant whose local minute is 30. Lord Howe moves
    # by half an hour: on 4 Oct 2026 02:00 (+10:30) becomes 02:30 (+11:00) at 15:30Z, and
    # 02:30 (+11:00) is real, so the window is open 15:30Z to 15:37Z; cronsim goes from
    # 01:30 (15:00Z) to 03:30 (16:30Z), and 7 minutes at the window's price are lost.
    window = rk.windows.cron("30 * * * *", "37 * * * *", tz="Australia/Lord_Howe")
    assert pairs(window, "2026-10-03T14:00:00Z", "2026-10-03T17:00:00Z") == [
        ("2026-10-03T14:00:00Z", "2026-10-03T14:07:00Z"),  # 00:30 +10:30
        ("2026-10-03T15:00:00Z", "2026-10-03T15:07:00Z"),  # 01:30 +10:30
        ("2026-10-03T15:30:00Z", "2026-10-03T15:37:00Z"),  # 02:30 +11:00
        ("2026-10-03T16:30:00Z", "2026-10-03T16:37:00Z"),  # 03:30 +11:00
    ]
    # On 5 Apr 2026 02:00 (+11:00) becomes 01:30 (+10:30) at 15:00Z: 01:30 happens at
    # 14:30Z and again at 15:00Z, both real, both firings (cronsim gives the first only).
    assert pairs(window, "2026-04-04T13:00:00Z", "2026-04-04T17:00:00Z") == [
        ("2026-04-04T13:30:00Z", "2026-04-04T13:37:00Z"),  # 00:30 +11:00
        ("2026-04-04T14:30:00Z", "2026-04-04T14:37:00Z"),  # 01:30 +11:00
        ("2026-04-04T15:00:00Z", "2026-04-04T15:07:00Z"),  # 01:30 +10:30
        ("2026-04-04T16:00:00Z", "2026-04-04T16:07:00Z"),  # 02:30 +10:30
    ]


def test_cron_starts_while_open_change_nothing_and_ties_open_nothing() -> None:
    # Starts every hour at :00, ends daily at 12:00: open from 00:00 to 12:00; the start
    # at 12:00 fires with the end, which opens nothing; it reopens at 13:00.
    window = rk.windows.cron("0 * * * *", "0 12 * * *", tz="UTC")
    assert pairs(window, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z") == [
        ("2026-03-02T00:00:00Z", "2026-03-02T12:00:00Z"),
        ("2026-03-02T13:00:00Z", "2026-03-03T00:00:00Z"),
    ]


def test_cron_windows_with_rare_firings_and_a_never_ending_window() -> None:
    # Opens on Jan 1 and closes on Feb 1 every year.
    january = rk.windows.cron("0 0 1 1 *", "0 0 1 2 *", tz="UTC")
    assert pairs(january, "2025-12-01T00:00:00Z", "2027-03-01T00:00:00Z") == [
        ("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"),
        ("2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"),
    ]
    # Far away queries are fine too.
    assert pairs(january, "2090-01-15T00:00:00Z", "2090-01-16T00:00:00Z") == [
        ("2090-01-15T00:00:00Z", "2090-01-16T00:00:00Z")
    ]
    assert pairs(january, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z") == []
    # Ends only on Feb 29: the window opened on Jan 1 2025 stays open (the start on
    # Jan 1 2026 and 2027 changes nothing) until Feb 29 2028.
    leap = rk.windows.cron("0 0 1 1 *", "0 0 29 2 *", tz="UTC")
    assert pairs(leap, "2024-12-01T00:00:00Z", "2029-06-01T00:00:00Z") == [
        ("2025-01-01T00:00:00Z", "2028-02-29T00:00:00Z"),
        ("2029-01-01T00:00:00Z", "2029-06-01T00:00:00Z"),
    ]
    assert pairs(leap, "2027-06-01T00:00:00Z", "2027-06-02T00:00:00Z") == [
        ("2027-06-01T00:00:00Z", "2027-06-02T00:00:00Z")
    ]
    # A fresh window asked about mid-2027 finds it open too (the last start is Jan 1 2027).
    fresh = rk.windows.cron("0 0 1 1 *", "0 0 29 2 *", tz="UTC")
    assert pairs(fresh, "2027-06-01T00:00:00Z", "2027-06-02T00:00:00Z") == [
        ("2027-06-01T00:00:00Z", "2027-06-02T00:00:00Z")
    ]


def test_cron_windows_with_no_firing_in_a_stretch_of_time() -> None:
    # Opens at 00:00 on Feb 29 only; asked about 2026 repeatedly, it finds nothing, and
    # asked about 2028 it finds the day.
    leap_day = rk.windows.cron("0 0 29 2 *", "0 0 1 3 *", tz="UTC")
    assert pairs(leap_day, "2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z") == []
    assert pairs(leap_day, "2026-06-01T00:00:00Z", "2026-09-01T00:00:00Z") == []
    assert pairs(leap_day, "2028-02-01T00:00:00Z", "2028-04-01T00:00:00Z") == [
        ("2028-02-29T00:00:00Z", "2028-03-01T00:00:00Z")
    ]
    # Going backwards from a warm cache extends it backwards.
    assert pairs(leap_day, "2024-02-01T00:00:00Z", "2024-04-01T00:00:00Z") == [
        ("2024-02-29T00:00:00Z", "2024-03-01T00:00:00Z")
    ]


def test_cron_errors_name_the_expression() -> None:
    with pytest.raises(rk.BadCalendarError, match=r"cron window start '00 25 \* \* Tue' is not"):
        rk.windows.cron("00 25 * * Tue", "00 02 * * Wed", tz="UTC")
    with pytest.raises(rk.BadCalendarError, match=r"cron window end 'every tuesday' is not"):
        rk.windows.cron("00 02 * * Tue", "every tuesday", tz="UTC")
    with pytest.raises(rk.RatekitTypeError, match=r"cron window start must be a cron expression"):
        rk.windows.cron(2, "00 02 * * Wed", tz="UTC")  # type: ignore[arg-type]
    with pytest.raises(rk.BadCalendarError, match=r"cron window tz 'Athens' is not a known IANA"):
        rk.windows.cron("00 02 * * Tue", "00 02 * * Wed", tz="Athens")


def test_cron_without_cronsim_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cronsim", None)
    # MissingExtraError, the one error of a missing extra (it was a BadCalendarError)
    with pytest.raises(rk.MissingExtraError, match=r"pip install 'ratekit\[cron\]'"):
        rk.windows.cron("00 02 * * Tue", "00 02 * * Wed", tz="UTC")


def test_cron_rejects_instants_outside_the_calendar_range() -> None:
    window = rk.windows.cron("0 1 * * *", "0 2 * * *", tz="UTC")
    with pytest.raises(rk.BadTimeError, match=r"outside the range"):
        window.within_us(to_us("9999-06-01T00:00:00Z"), to_us("9999-06-02T00:00:00Z"))


# -- combinations -----------------------------------------------------------------------


def test_union_intersection_and_complement() -> None:
    nights = rk.windows.daily("22:00", "06:00", tz="UTC")
    weekends = rk.windows.weekends(tz="UTC")
    # Fri Mar 6 12:00 to Mon Mar 9 12:00.
    start, end = "2026-03-06T12:00:00Z", "2026-03-09T12:00:00Z"
    # Nights or weekends: Fri 22:00 through Mon 06:00, in one piece.
    assert pairs(nights | weekends, start, end) == [
        ("2026-03-06T22:00:00Z", "2026-03-09T06:00:00Z")
    ]
    # Nights and weekends: Sat 00-06, Sat 22-Sun 06, Sun 22-Mon 00.
    assert pairs(nights & weekends, start, end) == [
        ("2026-03-07T00:00:00Z", "2026-03-07T06:00:00Z"),
        ("2026-03-07T22:00:00Z", "2026-03-08T06:00:00Z"),
        ("2026-03-08T22:00:00Z", "2026-03-09T00:00:00Z"),
    ]
    # Outside both: Fri 12-22 and Mon 06-12.
    assert pairs(~(nights | weekends), start, end) == [
        ("2026-03-06T12:00:00Z", "2026-03-06T22:00:00Z"),
        ("2026-03-09T06:00:00Z", "2026-03-09T12:00:00Z"),
    ]
    assert ~~nights == rk.windows.complement(rk.windows.complement(nights))
    assert (~nights).within_us(7, 7) == []
    assert repr(~nights) == "windows.complement(windows.daily('22:00', '06:00', tz='UTC'))"
    assert repr(nights & weekends).startswith("windows.intersection(windows.daily(")


def test_combinations_take_user_windows_and_refuse_other_values() -> None:
    class Always(Window):
        def within_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
            return [(start_us, end_us)] if end_us > start_us else []

    nights = rk.windows.daily("22:00", "06:00", tz="UTC")
    assert pairs(
        rk.windows.intersection(Always(), nights), "2026-03-02T05:00:00Z", "2026-03-02T23:00:00Z"
    ) == [
        ("2026-03-02T05:00:00Z", "2026-03-02T06:00:00Z"),
        ("2026-03-02T22:00:00Z", "2026-03-02T23:00:00Z"),
    ]
    assert (
        pairs(rk.windows.complement(Always()), "2026-03-02T05:00:00Z", "2026-03-03T00:00:00Z") == []
    )
    with pytest.raises(
        rk.RatekitTypeError, match=r"windows.union argument must be a recurring window"
    ):
        rk.windows.union(nights, "22:00-06:00")  # type: ignore[arg-type]
    with pytest.raises(rk.BadCalendarError, match=r"needs at least one window"):
        rk.windows.union()
    with pytest.raises(rk.BadCalendarError, match=r"needs at least one window"):
        rk.windows.intersection()


# -- values, reprs and errors -----------------------------------------------------------


def test_windows_are_values_with_readable_reprs() -> None:
    a = rk.windows.weekly(("Tue", "02:00"), ("Wed", "02:00"), tz="Europe/Athens")
    a.within_us(0, H)  # a warm cache does not change equality
    b = rk.windows.weekly((1, "02:00"), ("wednesday", "02:00:00"), tz="Europe/Athens")
    assert a == b
    assert hash(a) == hash(b)
    assert repr(a) == "windows.weekly(('Tue', '02:00'), ('Wed', '02:00'), tz='Europe/Athens')"
    assert repr(rk.windows.daily("22:00:30", "6:00", tz="UTC")) == (
        "windows.daily('22:00:30', '06:00', tz='UTC')"
    )
    assert rk.windows.cron("0 1 * * *", "0 2 * * *", tz="UTC") == rk.windows.cron(
        "0 1 * * *", "0 2 * * *", tz="UTC"
    )


def test_times_may_be_time_values_and_pairs_lists() -> None:
    assert rk.windows.daily(dt.time(22), dt.time(6), tz="UTC") == rk.windows.daily(
        "22:00", "06:00", tz="UTC"
    )
    assert rk.windows.weekly(["Tue", "02:00"], ["Wed", dt.time(2)], tz="UTC") == (  # type: ignore[arg-type]
        rk.windows.weekly(("Tue", "02:00"), ("Wed", "02:00"), tz="UTC")
    )
    with pytest.raises(rk.BadCalendarError, match=r"is not a time of day"):
        rk.windows.daily(dt.time(22, tzinfo=dt.UTC), "06:00", tz="UTC")


def test_windows_pickle_as_their_parameters() -> None:
    nights = rk.windows.daily("22:00", "06:00", tz="Europe/Zurich")
    for window in (
        nights,
        rk.windows.weekends(tz="UTC"),
        rk.windows.cron("00 02 * * Tue", "00 02 * * Wed", tz="Europe/Athens"),
        ~nights | rk.windows.weekends(tz="UTC"),
    ):
        before = window.within_us(to_us("2026-03-01T00:00:00Z"), to_us("2026-04-01T00:00:00Z"))
        copy = pickle.loads(pickle.dumps(window))
        assert copy == window
        assert (
            copy.within_us(to_us("2026-03-01T00:00:00Z"), to_us("2026-04-01T00:00:00Z")) == before
        )


def test_a_window_pickles_without_the_spans_it_has_found() -> None:
    # "As their parameters": a cron window asked for a year kept its cached firings
    # (an hourly opening: 2 bounds x 24 x 365 days = 17,520 ints) in its pickle, and
    # every plan holding it sent them along (to each Dask part, in a rater's pickle).
    hourly = rk.windows.cron("0 * * * *", "30 * * * *", tz="Europe/Zurich")
    fresh = len(pickle.dumps(hourly))
    a_year = hourly.within_us(to_us("2026-01-01T00:00:00Z"), to_us("2027-01-01T00:00:00Z"))
    assert len(a_year) == 8_760  # 365 days x 24 openings
    assert len(pickle.dumps(hourly)) == fresh < 400
    copy = pickle.loads(pickle.dumps(hourly))
    assert copy == hourly
    assert copy.within_us(to_us("2026-01-01T00:00:00Z"), to_us("2027-01-01T00:00:00Z")) == (a_year)


def test_within_refuses_values_that_are_not_spans() -> None:
    with pytest.raises(rk.RatekitTypeError, match=r"within takes a Span, not tuple"):
        rk.windows.weekends(tz="UTC").within((0, 1))  # type: ignore[arg-type]


@pytest.mark.parametrize("written", ["\u0662:00", "22:\uff10\uff10", "\u0968\u0968:00"])
def test_a_time_of_day_is_read_in_ascii_digits_only(written: str) -> None:
    # Arabic-Indic two, fullwidth zeros, Devanagari twos: refused, as a Tier refuses them
    with pytest.raises(rk.BadCalendarError) as caught:
        rk.windows.daily(written, "06:00", tz="UTC")
    assert str(caught.value) == (
        f"daily window start {written!r} is not a time of day; write it as 'HH:MM' or "
        "'HH:MM:SS' in plain ASCII digits between '00:00' and '23:59:59', e.g. '22:00' (or "
        "give a datetime.time without tzinfo or microseconds)."
    )


def test_window_errors_name_the_value() -> None:
    with pytest.raises(
        rk.BadCalendarError, match=r"daily window start '25:00' is not a time of day"
    ):
        rk.windows.daily("25:00", "06:00", tz="UTC")
    with pytest.raises(rk.BadCalendarError, match=r"daily window end '6pm' is not a time of day"):
        rk.windows.daily("22:00", "6pm", tz="UTC")
    with pytest.raises(
        rk.BadCalendarError, match=r"daily window from '22:00' to '22:00' has no length"
    ):
        rk.windows.daily("22:00", "22:00", tz="UTC")
    with pytest.raises(
        rk.BadCalendarError,
        match=r"weekly window start 'Tue 02:00' is not a \(weekday, time\) pair",
    ):
        rk.windows.weekly("Tue 02:00", ("Wed", "02:00"), tz="UTC")  # type: ignore[arg-type]
    with pytest.raises(
        rk.BadCalendarError, match=r"weekly window end weekday 'Wd' is not a weekday"
    ):
        rk.windows.weekly(("Tue", "02:00"), ("Wd", "02:00"), tz="UTC")
    with pytest.raises(rk.BadCalendarError, match=r"has no length"):
        rk.windows.weekly(("Tue", "02:00"), ("Tue", "02:00"), tz="UTC")
    with pytest.raises(
        rk.BadCalendarError, match=r"weekends tz 'Mars/Olympus' is not a known IANA"
    ):
        rk.windows.weekends(tz="Mars/Olympus")


# -- properties -------------------------------------------------------------------------

ZONES = [
    "UTC",
    "Europe/Zurich",
    "Europe/Athens",
    "America/New_York",
    "America/Santiago",
    "Australia/Lord_Howe",
]
LO = to_us("2000-01-01T00:00:00Z")
HI = to_us("2040-01-01T00:00:00Z")
instants = st.integers(min_value=LO, max_value=HI)
times = st.tuples(st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


def _text(time: tuple[int, int]) -> str:
    return f"{time[0]:02d}:{time[1]:02d}"


@st.composite
def recurring_windows(draw: st.DrawFn, zones: tuple[str, ...] = tuple(ZONES)) -> Window:
    tz = draw(st.sampled_from(zones))
    start = draw(times)
    end = draw(times.filter(lambda t: t != start))
    if draw(st.booleans()):
        return rk.windows.daily(_text(start), _text(end), tz=tz)
    return rk.windows.weekly(
        (draw(st.integers(0, 6)), _text(start)), (draw(st.integers(0, 6)), _text(end)), tz=tz
    )


any_windows = st.one_of(
    recurring_windows(),
    st.builds(lambda a, b: a | b, recurring_windows(), recurring_windows()),
    st.builds(lambda a, b: a & b, recurring_windows(), recurring_windows()),
    recurring_windows().map(lambda w: ~w),
)


@st.composite
def spans(draw: st.DrawFn) -> tuple[int, int]:
    start = draw(instants)
    return start, start + draw(st.integers(0, 20 * US_PER_DAY))


def _check_parts(parts: list[tuple[int, int]], start: int, end: int) -> None:
    for a, b in parts:
        assert start <= a < b <= end
    for (_, b), (c, _) in itertools.pairwise(parts):
        assert b < c  # disjoint and not touching


@given(any_windows, spans())
def test_within_plus_complement_gives_back_the_span(window: Window, pair: tuple[int, int]) -> None:
    start, end = pair
    inside = window.within_us(start, end)
    outside = rk.windows.complement(window).within_us(start, end)
    _check_parts(inside, start, end)
    _check_parts(outside, start, end)
    together = rk.SpanSet.from_us(inside) | rk.SpanSet.from_us(outside)
    expected = rk.SpanSet.from_us([(start, end)])
    assert together == expected
    assert not rk.SpanSet.from_us(inside) & rk.SpanSet.from_us(outside)
    assert window.within(rk.Span.from_us(start, end)) == rk.SpanSet.from_us(inside)


@given(any_windows, spans(), st.integers(0, 20 * US_PER_DAY))
def test_within_of_two_adjacent_spans_is_within_of_their_union(
    window: Window, pair: tuple[int, int], cut: int
) -> None:
    start, end = pair
    middle = min(start + cut, end)
    whole = rk.SpanSet.from_us(window.within_us(start, end))
    parts = rk.SpanSet.from_us(window.within_us(start, middle)) | rk.SpanSet.from_us(
        window.within_us(middle, end)
    )
    assert whole == parts


@given(recurring_windows(zones=("UTC",)), instants)
def test_whole_occurrences_in_utc_last_their_wall_clock_length(window: Window, t: int) -> None:
    assert isinstance(window, rk.windows.DailyWindow | rk.windows.WeeklyWindow)
    if isinstance(window, rk.windows.DailyWindow):
        wall = (window.end_seconds - window.start_seconds) % 86_400
    else:
        days = window.end_weekday - window.start_weekday
        wall = (days * 86_400 + window.end_seconds - window.start_seconds) % (7 * 86_400)
    found = window.within_us(t, t + 15 * US_PER_DAY)
    assert len(found) >= 2
    for a, b in found[1:-1]:
        assert b - a == wall * 1_000_000


@given(
    st.sampled_from(["Europe/Zurich", "America/New_York", "Europe/Athens", "UTC"]),
    times,
    times,
    spans(),
)
def test_cron_windows_agree_with_daily_windows(
    tz: str, start: tuple[int, int], end: tuple[int, int], pair: tuple[int, int]
) -> None:
    assume(start != end)
    # Daily windows pair each start with its own end; cron pairs firings in time order:
    # they differ only when a start and an end both fall in the same DST gap.
    gap_hours = {2, 3}
    assume(not (start[0] in gap_hours and end[0] in gap_hours))
    daily = rk.windows.daily(_text(start), _text(end), tz=tz)
    cron = rk.windows.cron(f"{start[1]} {start[0]} * * *", f"{end[1]} {end[0]} * * *", tz=tz)
    assert cron.within_us(*pair) == daily.within_us(*pair)


@functools.cache
def _dst_changes(tz: str, year: int) -> tuple[int, ...]:
    """The instants (epoch µs, to the hour before) at which ``tz`` changes its offset in ``year``."""
    zone = zoneinfo.ZoneInfo(tz)
    first = to_us(f"{year}-01-01T00:00:00Z")
    offsets = [
        (dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=t))
        .astimezone(zone)
        .utcoffset()
        for t in range(first, first + 366 * US_PER_DAY, US_PER_HOUR)
    ]
    return tuple(
        first + hour * US_PER_HOUR
        for hour, (before, after) in enumerate(itertools.pairwise(offsets))
        if before != after
    )


@st.composite
def near_dst_changes(draw: st.DrawFn, tz: str) -> tuple[int, int]:
    """A span of up to four days around one of ``tz``'s offset changes (any span in UTC)."""
    changes = _dst_changes(tz, draw(st.integers(1971, 2099)))
    if not changes:
        return draw(spans())
    start = draw(st.sampled_from(changes)) + draw(st.integers(-2 * US_PER_DAY, US_PER_DAY))
    return start, start + draw(st.integers(0, 4 * US_PER_DAY))


early_times = st.tuples(st.sampled_from([0, 1, 2, 3, 23]), st.sampled_from([0, 15, 30, 45]))


@given(
    st.sampled_from(
        ["Europe/Zurich", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "UTC"]
    ).flatmap(lambda tz: st.tuples(st.just(tz), near_dst_changes(tz))),
    early_times | times,
    early_times | times,
    st.sampled_from(["*", "1-5", "0,6"]),
)
def test_cron_six_fields_with_zero_seconds_agree_with_five_fields(
    zone_and_span: tuple[str, tuple[int, int]],
    start: tuple[int, int],
    end: tuple[int, int],
    days: str,
) -> None:
    # A sixth field of seconds "0" names the same job: the same firings across DST (the
    # skipped time at the end of the gap, the repeated one once), hence the same window.
    tz, pair = zone_and_span
    five = rk.windows.cron(f"{start[1]} {start[0]} * * {days}", f"{end[1]} {end[0]} * * *", tz=tz)
    six = rk.windows.cron(
        f"0 {start[1]} {start[0]} * * {days}", f"0 {end[1]} {end[0]} * * *", tz=tz
    )
    assert six.within_us(*pair) == five.within_us(*pair)


@given(
    st.sampled_from(["Europe/Zurich", "America/New_York", "Europe/Athens", "UTC"]),
    st.tuples(st.integers(0, 6), times),
    st.tuples(st.integers(0, 6), times),
    spans(),
)
def test_cron_windows_agree_with_weekly_windows(
    tz: str,
    start: tuple[int, tuple[int, int]],
    end: tuple[int, tuple[int, int]],
    pair: tuple[int, int],
) -> None:
    assume(start != end)
    gap_hours = {2, 3}
    assume(not (start[1][0] in gap_hours and end[1][0] in gap_hours))
    weekly = rk.windows.weekly((start[0], _text(start[1])), (end[0], _text(end[1])), tz=tz)
    # cron counts weekdays from Sunday = 0; ratekit from Monday = 0.
    cron = rk.windows.cron(
        f"{start[1][1]} {start[1][0]} * * {(start[0] + 1) % 7}",
        f"{end[1][1]} {end[1][0]} * * {(end[0] + 1) % 7}",
        tz=tz,
    )
    assert cron.within_us(*pair) == weekly.within_us(*pair)


# -- fast paths check their arguments; enormous outputs are refused ---------------------------


@pytest.mark.parametrize(
    "window",
    [
        rk.windows.daily("22:00", "06:00", tz="Europe/Zurich"),
        rk.windows.weekends(tz="UTC"),
        rk.windows.cron("0 1 * * *", "0 2 * * *", tz="UTC"),
    ],
    ids=repr,
)
@pytest.mark.parametrize("bad", [1.5e15, True, rk.Span], ids=repr)
def test_within_us_refuses_what_is_not_an_int(window: rk.windows.Window, bad: object) -> None:
    with pytest.raises(rk.RatekitTypeError, match=r"within_us start_us must be an int"):
        window.within_us(bad, 1772323200000000)  # type: ignore[arg-type]


def test_a_window_over_thousands_of_years_is_refused() -> None:
    nights = rk.windows.daily("22:00", "06:00", tz="UTC")
    with pytest.raises(rk.BadSpanError, match=r"more than the 100,000 one call computes"):
        nights.within(rk.Span("0100-01-01T00:00:00Z", "9000-01-01T00:00:00Z"))
    with pytest.raises(rk.BadTimeError):
        nights.within_us(0, 10**19)


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: rk.windows.DailyWindow("UTC", 0, 0), rk.BadCalendarError, "DailyWindow from"),
        (
            lambda: rk.windows.DailyWindow("UTC", -1, 5),
            rk.BadCalendarError,
            "DailyWindow start_seconds -1",
        ),
        (
            lambda: rk.windows.DailyWindow("UTC", 0, 86_400),
            rk.BadCalendarError,
            "DailyWindow end_seconds 86400",
        ),
        (
            lambda: rk.windows.DailyWindow("Mars/Olympus", 0, 5),
            rk.BadCalendarError,
            "DailyWindow tz",
        ),
        (
            lambda: rk.windows.WeeklyWindow("UTC", 7, 0, 0, 0),
            rk.BadCalendarError,
            "WeeklyWindow start_weekday 7",
        ),
        (
            lambda: rk.windows.WeeklyWindow("UTC", 1, 0, 1, 0),
            rk.BadCalendarError,
            "WeeklyWindow has no length",
        ),
        (
            lambda: rk.windows.CronWindow("0 25 * * *", "0 1 * * *", "UTC"),
            rk.BadCalendarError,
            "cron window start",
        ),
        (
            lambda: rk.windows.CronWindow(None, "0 1 * * *", "UTC"),
            rk.RatekitTypeError,
            "cron window start must be",
        ),
        (
            lambda: rk.windows.Union(()),
            rk.RatekitTypeError,
            "Union windows must be a non-empty tuple",
        ),
        (
            lambda: rk.windows.Intersection((1,)),
            rk.RatekitTypeError,
            "Intersection windows must be",
        ),
        (lambda: rk.windows.Complement("night"), rk.RatekitTypeError, "Complement window must be"),
    ],
)
def test_window_classes_check_their_fields(
    build: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        build()  # type: ignore[operator]
    assert str(caught.value).startswith(message)


def test_window_classes_built_directly_show_themselves() -> None:
    night = rk.windows.DailyWindow("Europe/Zurich", 79_200, 21_600)
    assert repr(night) == "windows.daily('22:00', '06:00', tz='Europe/Zurich')"
    assert night == rk.windows.daily("22:00", "06:00", tz="Europe/Zurich")
    both = rk.windows.Union([night, rk.windows.weekends(tz="UTC")])
    assert str(both).startswith("windows.union(windows.daily('22:00'")


def test_nested_unions_and_intersections_are_flattened() -> None:
    # 300 unions of unions are one union of 301 windows: repr and within() do not recurse
    # 300 levels. Within 03-01: 01:00-02:00 and 03:00-04:00, 2 h in all.
    first = rk.windows.daily("01:00", "02:00", tz="UTC")
    other = rk.windows.daily("03:00", "04:00", tz="UTC")
    nested: rk.windows.Window = first
    for _ in range(300):
        nested = rk.windows.union(nested, other)
    assert isinstance(nested, rk.windows.Union)
    assert len(nested.windows) == 301
    assert repr(nested).count("windows.union(") == 1
    day = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    assert nested.within(day) == rk.SpanSet(
        [
            rk.Span("2026-03-01T01:00:00Z", "2026-03-01T02:00:00Z"),
            rk.Span("2026-03-01T03:00:00Z", "2026-03-01T04:00:00Z"),
        ]
    )
    both: rk.windows.Window = first
    for _ in range(300):
        both = both & first
    assert isinstance(both, rk.windows.Intersection)
    assert len(both.windows) == 301
    assert both.within(day) == rk.SpanSet([rk.Span("2026-03-01T01:00:00Z", "2026-03-01T02:00:00Z")])
    # Flattening keeps the meaning: (a | b) | c is a | b | c.
    assert (first | other) | first == rk.windows.union(first, other, first)


def test_nesting_deeper_than_100_levels_is_refused() -> None:
    # Complements of complements, or alternating unions and intersections, cannot be
    # flattened: 100 levels are accepted, the 101st is refused with a clear error.
    window: rk.windows.Window = rk.windows.daily("01:00", "02:00", tz="UTC")
    for _ in range(99):
        window = rk.windows.complement(window)
    day = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
    # 99 complements (odd): outside 01:00-02:00, 23 h.
    assert window.within(day).duration == dt.timedelta(hours=23)
    with pytest.raises(rk.BadCalendarError) as error:
        rk.windows.complement(rk.windows.complement(window))
    assert str(error.value) == (
        "windows.complement() would nest windows 101 levels deep (unions, intersections and "
        "complements of each other); at most 100 levels are accepted: pass many windows to "
        "one union() or intersection() instead of nesting them."
    )
    nights = rk.windows.daily("22:00", "06:00", tz="UTC")
    mixed: rk.windows.Window = nights
    for _ in range(50):  # two levels each: 2 * 50 = 100 levels, accepted
        mixed = rk.windows.intersection(rk.windows.union(mixed, nights), nights)
    # Nights united and intersected with nights are nights: 00:00-06:00, 22:00-24:00.
    assert mixed.within(day) == rk.SpanSet(
        [
            rk.Span("2026-03-01T00:00:00Z", "2026-03-01T06:00:00Z"),
            rk.Span("2026-03-01T22:00:00Z", "2026-03-02T00:00:00Z"),
        ]
    )
    with pytest.raises(rk.BadCalendarError, match=r"union\(\) would nest windows 101 levels"):
        rk.windows.union(mixed, nights)
