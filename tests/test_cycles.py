"""Billing cycles: hand-worked calendar edges, proration, and properties against oracles."""

from __future__ import annotations

import calendar
import datetime as dt
import importlib.resources
import itertools
import pickle
import time
import zoneinfo
from decimal import Decimal

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk
from ratekit._decimals import CONTEXT
from ratekit._instants import US_PER_DAY, US_PER_HOUR, format_us, to_us
from ratekit.cycles import Cycle

H = US_PER_HOUR


def us(text: str) -> int:
    return to_us(text)


def span(start: str, end: str) -> rk.Span:
    return rk.Span(start, end)


def hours(value: rk.Span) -> float:
    return value.duration.total_seconds() / 3600


# -- monthly, in a DST timezone -------------------------------------------------------------


def test_march_and_october_in_zurich_last_743_and_745_hours() -> None:
    months = rk.cycles.monthly(tz="Europe/Zurich")
    # March 2026: 31 days * 24 h, minus the hour skipped on Sunday March 29.
    march = months.containing("2026-03-15T00:00:00Z")
    assert march == span("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z")
    assert hours(march) == 743
    # October 2026: 31 * 24 h plus the hour repeated on Sunday October 25.
    october = months.containing("2026-10-15T00:00:00Z")
    assert october == span("2026-09-30T22:00:00Z", "2026-10-31T23:00:00Z")
    assert hours(october) == 745


def test_an_instant_at_a_cycle_end_belongs_to_the_next_cycle() -> None:
    months = rk.cycles.monthly(tz="Europe/Zurich")
    # 2026-03-31T22:00Z is April 1st 00:00 in Zurich (CEST, +2).
    april = months.containing("2026-03-31T22:00:00Z")
    assert april.start == dt.datetime(2026, 3, 31, 22, tzinfo=dt.UTC)
    # One microsecond earlier is still March.
    assert months.containing_us(us("2026-03-31T22:00:00Z") - 1) == (
        us("2026-02-28T23:00:00Z"),
        us("2026-03-31T22:00:00Z"),
    )
    assert months.containing("2026-03-31T21:59:59.999999Z").end == april.start


def test_split_at_a_local_month_boundary() -> None:
    months = rk.cycles.monthly(tz="Europe/Zurich")
    run = span("2026-03-30T00:00:00Z", "2026-04-02T00:00:00Z")
    assert months.split(run) == [
        span("2026-03-30T00:00:00Z", "2026-03-31T22:00:00Z"),
        span("2026-03-31T22:00:00Z", "2026-04-02T00:00:00Z"),
    ]
    # A span ending exactly at the boundary is not cut; one starting there neither.
    assert months.split(span("2026-03-30T00:00:00Z", "2026-03-31T22:00:00Z")) == [
        span("2026-03-30T00:00:00Z", "2026-03-31T22:00:00Z")
    ]
    assert months.split(span("2026-03-31T22:00:00Z", "2026-04-01T00:00:00Z")) == [
        span("2026-03-31T22:00:00Z", "2026-04-01T00:00:00Z")
    ]


def test_split_of_an_empty_span_is_empty_and_spans_of_it_too() -> None:
    months = rk.cycles.monthly(tz="UTC")
    empty = span("2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z")
    assert months.split(empty) == []
    assert months.spans(empty) == []
    assert months.boundaries_us(empty.start_us, empty.end_us) == []
    # A reversed pair of instants has no boundary between them.
    assert months.boundaries_us(us("2026-05-01T00:00:00Z"), us("2026-01-01T00:00:00Z")) == []


def test_span_across_years_is_cut_at_every_month() -> None:
    months = rk.cycles.monthly(tz="UTC")
    run = span("2025-11-15T00:00:00Z", "2026-02-10T00:00:00Z")
    # Dec 1, Jan 1, Feb 1: three cuts, four pieces.
    assert [format_us(b) for b in months.boundaries_us(run.start_us, run.end_us)] == [
        "2025-12-01T00:00:00Z",
        "2026-01-01T00:00:00Z",
        "2026-02-01T00:00:00Z",
    ]
    assert len(months.split(run)) == 4
    assert months.spans(run)[0] == span("2025-11-01T00:00:00Z", "2025-12-01T00:00:00Z")
    assert months.spans(run)[-1] == span("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z")


def test_yearly_cycles_across_years_in_new_york() -> None:
    years = rk.cycles.yearly(tz="America/New_York")
    # Jan 1 00:00 EST is 05:00Z.
    assert years.containing("2026-07-04T12:00:00Z") == span(
        "2026-01-01T05:00:00Z", "2027-01-01T05:00:00Z"
    )
    # 2026 has 365 days; both ends are in EST, so exactly 365 * 24 h.
    assert hours(years.containing("2026-07-04T12:00:00Z")) == 365 * 24


# -- anniversary clamping ---------------------------------------------------------------


def test_anniversary_day_31_clamps_and_returns_over_a_leap_year() -> None:
    cycles = rk.cycles.monthly(tz="UTC", day=31)
    starts = [
        s.start.date().isoformat()
        for s in cycles.spans(span("2027-12-31T00:00:00Z", "2028-07-01T00:00:00Z"))
    ]
    # Dec 31, Jan 31, Feb 29 (2028 is a leap year), Mar 31, Apr 30, May 31, Jun 30.
    assert starts == [
        "2027-12-31",
        "2028-01-31",
        "2028-02-29",
        "2028-03-31",
        "2028-04-30",
        "2028-05-31",
        "2028-06-30",
    ]
    # In a common year February clamps to the 28th: Jan 31 -> Feb 28 -> Mar 31.
    feb = cycles.containing("2027-03-01T00:00:00Z")
    assert feb == span("2027-02-28T00:00:00Z", "2027-03-31T00:00:00Z")


def test_anniversary_day_30_in_zurich_is_local_midnight() -> None:
    cycles = rk.cycles.monthly(tz="Europe/Zurich", day=30)
    # Feb 2026 has 28 days: the cycle starts Feb 28 00:00 CET = Feb 27 23:00Z and ends
    # Mar 30 00:00 CEST = Mar 29 22:00Z (after the spring-forward night of Mar 29).
    assert cycles.containing("2026-03-10T00:00:00Z") == span(
        "2026-02-27T23:00:00Z", "2026-03-29T22:00:00Z"
    )
    # 30 days * 24 - 1 hour (DST) = 719 hours.
    assert hours(cycles.containing("2026-03-10T00:00:00Z")) == 719


def test_quarterly_and_yearly_anchors() -> None:
    quarters = rk.cycles.quarterly(tz="UTC", month=2, day=15)
    # Quarters start Feb 15, May 15, Aug 15, Nov 15.
    assert quarters.containing("2026-01-01T00:00:00Z") == span(
        "2025-11-15T00:00:00Z", "2026-02-15T00:00:00Z"
    )
    assert quarters == rk.cycles.quarterly(tz="UTC", month=5, day=15)
    leap = rk.cycles.yearly(tz="UTC", month=2, day=29)
    assert leap.containing("2028-03-01T00:00:00Z") == span(
        "2028-02-29T00:00:00Z", "2029-02-28T00:00:00Z"
    )


# -- daily, weekly, hourly, every -------------------------------------------------------


def test_daily_cycles_follow_dst_in_zurich() -> None:
    days = rk.cycles.daily(tz="Europe/Zurich")
    # March 29 2026: 00:00 CET (23:00Z the day before) to 00:00 CEST (22:00Z): 23 h.
    assert days.containing("2026-03-29T12:00:00Z") == span(
        "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"
    )
    # October 25 2026: 00:00 CEST (22:00Z) to 00:00 CET (23:00Z): 25 h.
    assert hours(days.containing("2026-10-25T12:00:00Z")) == 25


def test_a_midnight_skipped_by_dst_moves_to_the_end_of_the_gap() -> None:
    # Chile moves clocks from 24:00 Saturday Sep 5 2026 to 01:00 Sunday: Sunday has no
    # 00:00, so its day starts at 01:00 -03 = 04:00Z, the first instant after the gap.
    days = rk.cycles.daily(tz="America/Santiago")
    assert days.containing("2026-09-06T12:00:00Z") == span(
        "2026-09-06T04:00:00Z", "2026-09-07T03:00:00Z"
    )
    # Saturday: 00:00 -04 (04:00Z) to the gap: exactly 24 h.
    assert hours(days.containing("2026-09-05T12:00:00Z")) == 24


def test_a_repeated_midnight_means_its_first_occurrence() -> None:
    # Cuba moves clocks back from 01:00 to 00:00 on Sunday Nov 1 2026: midnight happens
    # twice; the day starts at the first one, 00:00 -04 = 04:00Z, and lasts 25 h.
    days = rk.cycles.daily(tz="America/Havana")
    sunday = days.containing("2026-11-01T12:00:00Z")
    assert sunday == span("2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z")


def test_a_day_skipped_entirely_gives_no_empty_cycle() -> None:
    # Samoa skipped Friday Dec 30 2011 (from Dec 29 24:00 -10 straight to Dec 31 00:00 +14).
    days = rk.cycles.daily(tz="Pacific/Apia")
    cycles = days.spans(span("2011-12-29T12:00:00Z", "2011-12-30T12:00:00Z"))
    # Dec 29 local = [10:00Z Dec 29, 10:00Z Dec 30); Dec 31 local = [10:00Z Dec 30, 10:00Z Dec 31).
    assert cycles == [
        span("2011-12-29T10:00:00Z", "2011-12-30T10:00:00Z"),
        span("2011-12-30T10:00:00Z", "2011-12-31T10:00:00Z"),
    ]


def test_weekly_cycles_start_on_their_weekday() -> None:
    weeks = rk.cycles.weekly(tz="Europe/Zurich", weekday="Sun")
    # Sunday Mar 29 2026 00:00 CET = Mar 28 23:00Z; the next Sunday Apr 5 00:00 CEST = Apr 4 22:00Z.
    assert weeks.containing("2026-04-01T00:00:00Z") == span(
        "2026-03-28T23:00:00Z", "2026-04-04T22:00:00Z"
    )
    assert hours(weeks.containing("2026-04-01T00:00:00Z")) == 7 * 24 - 1
    assert rk.cycles.weekly(tz="UTC") == rk.cycles.weekly(tz="UTC", weekday=0)
    assert rk.cycles.weekly(tz="UTC", weekday="tuesday") == rk.cycles.weekly(tz="UTC", weekday=1)


def test_hourly_cycles() -> None:
    hourly = rk.cycles.hourly()
    assert hourly.split(span("2026-03-01T10:30:00Z", "2026-03-01T12:15:00Z")) == [
        span("2026-03-01T10:30:00Z", "2026-03-01T11:00:00Z"),
        span("2026-03-01T11:00:00Z", "2026-03-01T12:00:00Z"),
        span("2026-03-01T12:00:00Z", "2026-03-01T12:15:00Z"),
    ]
    assert hourly.containing("2026-03-01T11:00:00Z") == span(
        "2026-03-01T11:00:00Z", "2026-03-01T12:00:00Z"
    )
    assert hourly == rk.cycles.hourly()
    assert repr(hourly) == "cycles.hourly()"


def test_every_repeats_from_its_anchor_in_both_directions() -> None:
    cycles = rk.cycles.every(dt.timedelta(hours=36), anchor="2026-03-01T00:00:00Z")
    # Before the anchor: Feb 27 12:00 + 36 h = Mar 1 00:00.
    assert cycles.containing("2026-02-28T00:00:00Z") == span(
        "2026-02-27T12:00:00Z", "2026-03-01T00:00:00Z"
    )
    assert cycles.containing("2026-03-02T11:59:59Z") == span(
        "2026-03-01T00:00:00Z", "2026-03-02T12:00:00Z"
    )
    # Anchors differing by whole periods give the same cycles, and equal values.
    assert cycles == rk.cycles.every(dt.timedelta(hours=36), anchor="2026-03-02T12:00:00Z")
    assert repr(cycles).startswith("cycles.every(datetime.timedelta(days=1, seconds=43200)")


def test_every_ignores_dst() -> None:
    cycles = rk.cycles.every(dt.timedelta(days=1), anchor="2026-03-28T23:00:00Z")
    # Always 24 elapsed hours, although Zurich's Mar 29 has 23.
    assert hours(cycles.containing("2026-03-29T12:00:00Z")) == 24


# -- values, reprs and errors -----------------------------------------------------------


def test_cycles_are_values() -> None:
    a = rk.cycles.monthly(tz="Europe/Zurich", day=31)
    b = rk.cycles.monthly(tz=zoneinfo.ZoneInfo("Europe/Zurich"), day=31)
    c = rk.cycles.monthly(tz=pendulum.timezone("Europe/Zurich"), day=31)
    a.containing("2026-03-01T00:00:00Z")  # a warm cache does not change equality
    assert a == b == c
    assert hash(a) == hash(b) == hash(c)
    assert a != rk.cycles.monthly(tz="Europe/Zurich", day=30)
    assert a != rk.cycles.monthly(tz="UTC", day=31)
    assert rk.cycles.monthly(tz="UTC") == rk.cycles.monthly(tz=dt.UTC)
    assert repr(a) == "cycles.monthly(tz='Europe/Zurich', day=31)"
    assert repr(rk.cycles.quarterly(tz="UTC")) == "cycles.quarterly(tz='UTC', month=1, day=1)"
    assert repr(rk.cycles.yearly(tz="UTC", month=6)) == "cycles.yearly(tz='UTC', month=6, day=1)"
    assert repr(rk.cycles.daily(tz="UTC")) == "cycles.daily(tz='UTC')"
    assert repr(rk.cycles.weekly(tz="UTC", weekday=2)) == "cycles.weekly(tz='UTC', weekday='Wed')"
    with pytest.raises(AttributeError):
        a.day = 1  # type: ignore[misc]


def test_cycles_pickle_as_their_parameters() -> None:
    for cycle in (
        rk.cycles.monthly(tz="Europe/Zurich", day=31),
        rk.cycles.weekly(tz="UTC", weekday="Sun"),
        rk.cycles.daily(tz="America/Santiago"),
        rk.cycles.hourly(),
        rk.cycles.every(dt.timedelta(days=3), anchor="2026-01-02T00:00:00Z"),
    ):
        cycle.containing("2026-03-01T00:00:00Z")  # a warm cache is not pickled
        copy = pickle.loads(pickle.dumps(cycle))
        assert copy == cycle
        assert copy.containing("2026-03-01T00:00:00Z") == cycle.containing("2026-03-01T00:00:00Z")


def test_fixed_offset_timezones_are_accepted() -> None:
    days = rk.cycles.daily(tz=dt.timezone(dt.timedelta(hours=5, minutes=30)))
    # Midnight at +05:30 is 18:30Z the day before.
    assert days.containing("2026-03-01T12:00:00Z") == span(
        "2026-02-28T18:30:00Z", "2026-03-01T18:30:00Z"
    )


def test_a_zone_read_from_a_file_under_an_unknown_key_is_kept() -> None:
    source = importlib.resources.files("tzdata").joinpath("zoneinfo/Europe/Zurich")
    with source.open("rb") as file:
        custom = zoneinfo.ZoneInfo.from_file(file, key="Custom/Zurich")
    days = rk.cycles.daily(tz=custom)
    assert days.tz is custom
    # Mar 29 2026 in Zurich: 23 hours.
    assert hours(days.containing("2026-03-29T12:00:00Z")) == 23


ZONE_ADVICE = (
    "give an IANA name such as 'Europe/Zurich', 'America/New_York' or 'UTC', or a fixed "
    "offset such as 'UTC+05:45'."
)
IANA_ADVICE = "give one such as 'Europe/Zurich', 'America/New_York' or 'UTC'."
TZINFO_ADVICE = ZONE_ADVICE[:-1] + " (as text, a zoneinfo.ZoneInfo or a datetime.timezone)."


@pytest.mark.parametrize(
    "name",
    [
        "Europe",  # a directory of the zone database (IsADirectoryError)
        "zone.tab",  # a file of the database that is no zone
        "leapseconds",
        "tzdata.zi",
        "../etc/passwd",
        "/etc/localtime",
        "UTC\x00",
        "Europe/Zurich ",
        "Mars/Olympus",
        "\ud800",
        "a/" * 10,
    ],
)
def test_absurd_timezone_names_are_refused_by_the_one_door(name: str) -> None:
    with pytest.raises(rk.BadCalendarError) as caught:
        rk.cycles.daily(tz=name)
    assert (
        str(caught.value) == f"daily tz {name!r} is not a known IANA timezone name; {ZONE_ADVICE}"
    )


@pytest.mark.parametrize(
    "name", ["localtime", "posixrules", "Factory", "posix/Europe/Zurich", "right/UTC", "LOCALTIME"]
)
def test_a_timezone_name_that_is_not_portable_is_refused(name: str) -> None:
    # localtime is the host's own zone: another on every machine (it was accepted)
    with pytest.raises(rk.BadCalendarError) as caught:
        rk.cycles.daily(tz=name)
    assert str(caught.value) == (
        f"daily tz {name!r} is not a portable IANA timezone name (it depends on the host "
        f"machine or names no place); {IANA_ADVICE[:-1]}: a zone of the IANA database, the "
        "same on every machine."
    )


def test_a_zoneinfo_of_the_hosts_localtime_is_refused_too() -> None:
    try:
        host = zoneinfo.ZoneInfo("localtime")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        pytest.skip("this host has no localtime zone file")
    with pytest.raises(rk.BadCalendarError, match=r"^bill tz .* is not a portable IANA"):
        rk.bill([], tz=host)
    # a portable zone still passes, by name and as a ZoneInfo
    assert rk.cycles.daily(tz="Etc/GMT-1").tz == zoneinfo.ZoneInfo("Etc/GMT-1")
    assert rk.cycles.daily(tz=zoneinfo.ZoneInfo("UTC")).tz == zoneinfo.ZoneInfo("UTC")


def test_a_300_character_timezone_name_is_refused_not_an_os_error() -> None:
    # zoneinfo raised OSError (file name too long); every door that takes a tz says why.
    name = "a" * 300
    shown = repr(name)[:60] + "..."
    doors = {
        "daily tz": lambda: rk.cycles.daily(tz=name),
        "monthly tz": lambda: rk.cycles.monthly(tz=name),
        "weekends tz": lambda: rk.windows.weekends(tz=name),
        "daily window tz": lambda: rk.windows.daily("22:00", "06:00", tz=name),
        "bill tz": lambda: rk.bill([], tz=name),
    }
    for what, door in doors.items():
        with pytest.raises(rk.BadCalendarError) as caught:
            door()
        assert (
            str(caught.value) == f"{what} {shown} is not a known IANA timezone name; {ZONE_ADVICE}"
        )


def test_timezone_objects_with_an_iana_name_are_accepted_everywhere() -> None:
    zurich = rk.cycles.daily(tz="Europe/Zurich")
    assert rk.cycles.daily(tz=zoneinfo.ZoneInfo("Europe/Zurich")) == zurich
    assert rk.cycles.daily(tz=pendulum.timezone("Europe/Zurich")) == zurich
    assert rk.cycles.daily(tz=dt.UTC) == rk.cycles.daily(tz="UTC")
    # bill took only names (a ZoneInfo raised TypeError from zoneinfo).
    assert rk.bill([], tz=zoneinfo.ZoneInfo("UTC")) == ()
    # pendulum's fixed offsets become the stdlib's: midnight at +01:00 is 23:00Z.
    fixed = rk.cycles.daily(tz=pendulum.FixedTimezone(3600))
    assert fixed.containing("2026-03-01T12:00:00Z") == span(
        "2026-02-28T23:00:00Z", "2026-03-01T23:00:00Z"
    )


def test_a_hand_written_tzinfo_is_refused() -> None:
    class Odd(dt.tzinfo):
        def utcoffset(self, moment: dt.datetime | None) -> dt.timedelta:
            raise ZeroDivisionError

        def dst(self, moment: dt.datetime | None) -> dt.timedelta:
            raise ZeroDivisionError

        def __repr__(self) -> str:
            return "Odd()"

    with pytest.raises(rk.BadCalendarError) as caught:
        rk.cycles.daily(tz=Odd())
    assert str(caught.value) == (
        "daily tz Odd() is a tzinfo ratekit cannot trust (not a zoneinfo.ZoneInfo nor a "
        f"fixed datetime.timezone); {TZINFO_ADVICE}"
    )


def test_unknown_timezone_names_are_refused_by_name() -> None:
    with pytest.raises(rk.BadCalendarError, match=r"monthly tz 'Europe/Zurch' is not a known IANA"):
        rk.cycles.monthly(tz="Europe/Zurch")
    with pytest.raises(rk.BadCalendarError, match=r"weekly tz '' is not a known IANA"):
        rk.cycles.weekly(tz="")
    with pytest.raises(rk.RatekitTypeError, match=r"daily tz is None; ratekit never guesses"):
        rk.cycles.daily(tz=None)  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError, match=r"not int: 1"):
        rk.cycles.daily(tz=1)  # type: ignore[arg-type]


def test_bad_days_months_weekdays_and_periods_are_refused() -> None:
    with pytest.raises(rk.BadCalendarError, match=r"monthly day 32 is not a day of the month"):
        rk.cycles.monthly(tz="UTC", day=32)
    with pytest.raises(rk.BadCalendarError, match=r"monthly day 0 is not"):
        rk.cycles.monthly(tz="UTC", day=0)
    with pytest.raises(rk.BadCalendarError, match=r"yearly day 30 .* from 1 to 29"):
        rk.cycles.yearly(tz="UTC", month=2, day=30)
    with pytest.raises(rk.BadCalendarError, match=r"quarterly month 13 is not a month"):
        rk.cycles.quarterly(tz="UTC", month=13)
    with pytest.raises(rk.BadCalendarError, match=r"weekly weekday 'Mo' is not a weekday"):
        rk.cycles.weekly(tz="UTC", weekday="Mo")
    with pytest.raises(rk.BadCalendarError, match=r"weekly weekday 7 is not a weekday"):
        rk.cycles.weekly(tz="UTC", weekday=7)
    with pytest.raises(rk.BadCalendarError, match=r"must be a positive whole number"):
        rk.cycles.every(dt.timedelta(0), anchor="2026-01-01T00:00:00Z")
    with pytest.raises(rk.BadCalendarError, match=r"must be a positive whole number"):
        rk.cycles.every(dt.timedelta(hours=-1), anchor="2026-01-01T00:00:00Z")
    with pytest.raises(rk.RatekitTypeError, match=r"every period must be a datetime.timedelta"):
        rk.cycles.every(3600, anchor="2026-01-01T00:00:00Z")  # type: ignore[arg-type]
    with pytest.raises(rk.BadTimeError, match=r"every anchor '2026-01-01' has no UTC offset"):
        rk.cycles.every(dt.timedelta(hours=1), anchor="2026-01-01")


def test_methods_refuse_values_that_are_not_spans() -> None:
    pair = ("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    for cycle in (rk.cycles.monthly(tz="UTC"), rk.cycles.hourly()):
        with pytest.raises(rk.RatekitTypeError, match=r"split takes a Span, not tuple"):
            cycle.split(pair)  # type: ignore[arg-type]
        with pytest.raises(rk.RatekitTypeError, match=r"spans takes a Span, not tuple"):
            cycle.spans(pair)  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError, match=r"instant must be an aware datetime"):
        rk.cycles.daily(tz="UTC").containing(1_772_323_200_000_000)  # type: ignore[arg-type]


def test_instants_outside_the_calendar_range_are_refused() -> None:
    days = rk.cycles.daily(tz="UTC")
    with pytest.raises(rk.BadTimeError, match=r"outside the range ratekit's calendars support"):
        days.containing("9999-06-01T00:00:00Z")
    with pytest.raises(rk.BadTimeError, match=r"outside the range"):
        days.containing("0001-06-01T00:00:00Z")
    # Near the limits the cache stops quietly instead of failing on chunks nobody asked for.
    assert days.containing("9998-12-30T12:00:00Z") == span(
        "9998-12-30T00:00:00Z", "9998-12-31T00:00:00Z"
    )


def test_near_the_lower_calendar_limit_the_cache_stops_quietly() -> None:
    days = rk.cycles.daily(tz="UTC")
    assert days.containing("0002-01-05T12:00:00Z") == span(
        "0002-01-05T00:00:00Z", "0002-01-06T00:00:00Z"
    )
    months = rk.cycles.monthly(tz="UTC")
    assert months.containing("0002-09-15T00:00:00Z") == span(
        "0002-09-01T00:00:00Z", "0002-10-01T00:00:00Z"
    )
    # Extending a warm cache downwards stops at the limit too.
    assert months.containing("0002-03-15T00:00:00Z") == span(
        "0002-03-01T00:00:00Z", "0002-04-01T00:00:00Z"
    )


def test_spans_from_year_two_in_a_zone_of_local_mean_time() -> None:
    # Zurich kept local mean time (+0:34:08) then: the month containing 0002-01-01T00:00Z
    # begins 0001-12-31T23:25:52Z, computed. containing() gave it; spans() over the same
    # start asked for boundaries from that computed instant and refused it.
    zurich = rk.cycles.monthly(tz="Europe/Zurich")
    january = span("0001-12-31T23:25:52Z", "0002-01-31T23:25:52Z")
    assert zurich.containing("0002-01-01T00:00:00Z") == january
    assert zurich.spans(span("0002-01-01T00:00:00Z", "0002-03-01T00:00:00Z")) == [
        january,
        span("0002-01-31T23:25:52Z", "0002-02-28T23:25:52Z"),
        span("0002-02-28T23:25:52Z", "0002-03-31T23:25:52Z"),
    ]
    # Before year 2 is still refused, naming the instant given.
    with pytest.raises(rk.BadTimeError, match=r"0001-12-31T00:00:00Z"):
        zurich.spans(span("0001-12-31T00:00:00Z", "0002-03-01T00:00:00Z"))


def test_yearly_and_quarterly_cycles_work_across_the_whole_calendar_range() -> None:
    # Years 2 to 9998 are supported: the year containing 0002-06-01 is 0002-01-01 to
    # 0003-01-01 (the margin of two years before, year 0, does not exist and is not
    # needed); a span inside 9998 is one piece, inside the year 9998-01-01 to 9999-01-01.
    years = rk.cycles.yearly(tz="UTC")
    assert years.containing("0002-06-01T00:00:00Z") == span(
        "0002-01-01T00:00:00Z", "0003-01-01T00:00:00Z"
    )
    inside = span("9998-02-01T00:00:00Z", "9998-12-01T00:00:00Z")
    assert years.split(inside) == [inside]
    assert years.containing("9998-06-01T00:00:00Z") == span(
        "9998-01-01T00:00:00Z", "9999-01-01T00:00:00Z"
    )
    # Anchored in July: the cycle containing 0002-06-01 began 0001-07-01.
    assert rk.cycles.yearly(tz="UTC", month=7).containing("0002-06-01T00:00:00Z") == span(
        "0001-07-01T00:00:00Z", "0002-07-01T00:00:00Z"
    )
    quarters = rk.cycles.quarterly(tz="UTC")
    assert quarters.containing("9998-11-01T00:00:00Z") == span(
        "9998-10-01T00:00:00Z", "9999-01-01T00:00:00Z"
    )
    with pytest.raises(rk.BadTimeError, match=r"outside the range ratekit's calendars support"):
        years.containing("9999-06-01T00:00:00Z")


def test_far_apart_requests_reuse_a_fresh_cache() -> None:
    days = rk.cycles.daily(tz="Europe/Zurich")
    # Jumping centuries does not compute every day between.
    assert days.containing("2026-03-29T12:00:00Z").duration == dt.timedelta(hours=23)
    assert days.containing("2426-06-01T12:00:00Z").duration == dt.timedelta(hours=24)
    assert len(days._cache.values) < 1000
    assert days.containing("1626-06-01T12:00:00Z").duration == dt.timedelta(hours=24)


# -- proration --------------------------------------------------------------------------


APRIL = span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")


def test_prorate_by_seconds_is_elapsed_over_the_whole_cycle() -> None:
    # 19.5 of 30 days.
    part = span("2026-04-11T12:00:00Z", "2026-05-01T00:00:00Z")
    assert rk.cycles.prorate(part, APRIL) == Decimal("0.65")
    assert rk.cycles.prorate(APRIL, APRIL) == 1
    assert rk.cycles.prorate(span("2026-04-05T00:00:00Z", "2026-04-05T00:00:00Z"), APRIL) == 0


def test_prorate_by_seconds_in_a_dst_month() -> None:
    march = rk.cycles.monthly(tz="Europe/Zurich").containing("2026-03-10T00:00:00Z")
    # The first 74.3 hours of a 743-hour month: exactly a tenth.
    part = rk.Span.from_us(march.start_us, march.start_us + 743 * H // 10)
    assert rk.cycles.prorate(part, march) == Decimal("0.1")


def test_prorate_by_days_counts_a_day_for_the_part_holding_its_end() -> None:
    # Upgrade at Apr 16 12:00 UTC: Apr 16..30 (15 days) count for the new plan,
    # Apr 1..15 (15 days) for the old one: halves that add up to 1.
    before = span("2026-04-01T00:00:00Z", "2026-04-16T12:00:00Z")
    after = span("2026-04-16T12:00:00Z", "2026-05-01T00:00:00Z")
    old = rk.cycles.prorate(before, APRIL, basis="days", tz="UTC")
    new = rk.cycles.prorate(after, APRIL, basis="days", tz="UTC")
    assert (old, new) == (Decimal("0.5"), Decimal("0.5"))
    # A part within one day holds no day end: 0 days.
    noon = span("2026-04-10T08:00:00Z", "2026-04-10T16:00:00Z")
    assert rk.cycles.prorate(noon, APRIL, basis="days", tz="UTC") == 0
    # A part ending exactly at a midnight holds that day: Apr 1..3 = 3 of 30 = 0.1.
    first_three = span("2026-04-01T00:00:00Z", "2026-04-04T00:00:00Z")
    assert rk.cycles.prorate(first_three, APRIL, basis="days", tz="UTC") == Decimal("0.1")


def test_prorate_by_days_uses_the_customers_local_days() -> None:
    # In Zurich (CEST, +2), 2026-04-03T23:00Z is already Apr 4 01:00 local, so the part
    # [Apr 1 00:00 local, Apr 4 01:00 local) holds the ends of Apr 1, 2 and 3: 3 of 30.
    days = rk.cycles.daily(tz="Europe/Zurich")
    month = rk.cycles.monthly(tz="Europe/Zurich").containing("2026-04-10T00:00:00Z")
    part = rk.Span.from_us(month.start_us, us("2026-04-03T23:00:00Z"))
    assert rk.cycles.prorate(part, month, basis="days", tz="Europe/Zurich") == Decimal("0.1")
    assert rk.cycles.prorate(part, month, basis="days", tz=days) == Decimal("0.1")
    # [Apr 1 21:00Z, Apr 1 23:00Z) holds Zurich's midnight of Apr 2 (Apr 1 22:00Z), so
    # 1 of Zurich's 30 days; in UTC it holds no midnight at all: 0 days (the cycle
    # [Mar 31 22:00Z, Apr 30 22:00Z) holds the 30 UTC midnights Apr 1 .. Apr 30).
    evening = span("2026-04-01T21:00:00Z", "2026-04-01T23:00:00Z")
    one_of_30 = CONTEXT.divide(Decimal(1), Decimal(30))
    assert rk.cycles.prorate(evening, month, basis="days", tz="Europe/Zurich") == one_of_30
    assert rk.cycles.prorate(evening, month, basis="days", tz="UTC") == 0


def test_prorate_by_days_in_a_dst_month_counts_calendar_days() -> None:
    march = rk.cycles.monthly(tz="Europe/Zurich").containing("2026-03-10T00:00:00Z")
    # 31 local days; the last 10 (Mar 22..31) are 10/31, although one is 23 h long.
    part = rk.Span.from_us(us("2026-03-21T23:00:00Z"), march.end_us)
    fraction = rk.cycles.prorate(part, march, basis="days", tz="Europe/Zurich")
    assert fraction == CONTEXT.divide(Decimal(10), Decimal(31))
    assert str(fraction).startswith("0.32258064516129032258064516129032258064516129032")


def test_prorate_errors() -> None:
    with pytest.raises(rk.BadSpanError, match=r"prorate part .* is not inside the cycle"):
        rk.cycles.prorate(span("2026-03-31T00:00:00Z", "2026-04-02T00:00:00Z"), APRIL)
    with pytest.raises(rk.BadSpanError, match=r"prorate cycle .* is empty"):
        rk.cycles.prorate(APRIL, span("2026-04-01T00:00:00Z", "2026-04-01T00:00:00Z"))
    with pytest.raises(rk.BadCalendarError, match=r"basis 'days' .* needs the customer's timezone"):
        rk.cycles.prorate(APRIL, APRIL, basis="days")
    with pytest.raises(rk.BadCalendarError, match=r"prorate basis 'hours' is not known"):
        rk.cycles.prorate(APRIL, APRIL, basis="hours")  # type: ignore[arg-type]
    hour = span("2026-04-01T10:00:00Z", "2026-04-01T11:00:00Z")
    with pytest.raises(rk.BadCalendarError, match=r"holds no whole local day"):
        rk.cycles.prorate(hour, hour, basis="days", tz="UTC")
    with pytest.raises(rk.RatekitTypeError, match=r"prorate takes two Span values"):
        rk.cycles.prorate("2026-04-01", APRIL)  # type: ignore[arg-type]


# -- a user-written cycle ---------------------------------------------------------------


class BusinessWeeks(Cycle):
    """Cycles of 7 UTC days starting on Thursdays (a user-written cycle)."""

    # 1970-01-01 was a Thursday, so weeks start at multiples of 7 days from the epoch.
    length = 7 * US_PER_DAY

    def boundaries_us(self, start_us: int, end_us: int) -> list[int]:
        first = (start_us // self.length + 1) * self.length
        return list(range(first, end_us, self.length))

    def containing_us(self, t_us: int) -> tuple[int, int]:
        start = t_us // self.length * self.length
        return start, start + self.length


def test_a_user_written_cycle_gets_the_friendly_methods() -> None:
    weeks = BusinessWeeks()
    assert isinstance(weeks, Cycle)
    # Thursday Mar 5 2026 .. Thursday Mar 12.
    assert weeks.containing("2026-03-08T00:00:00Z") == span(
        "2026-03-05T00:00:00Z", "2026-03-12T00:00:00Z"
    )
    assert weeks.split(span("2026-03-10T00:00:00Z", "2026-03-13T00:00:00Z")) == [
        span("2026-03-10T00:00:00Z", "2026-03-12T00:00:00Z"),
        span("2026-03-12T00:00:00Z", "2026-03-13T00:00:00Z"),
    ]
    assert weeks.spans(span("2026-03-10T00:00:00Z", "2026-03-12T00:00:00Z")) == [
        span("2026-03-05T00:00:00Z", "2026-03-12T00:00:00Z")
    ]


# -- properties -------------------------------------------------------------------------

ZONES = [
    "UTC",
    "Europe/Zurich",
    "America/New_York",
    "Australia/Lord_Howe",
    "America/Santiago",
    "America/Havana",
    "Asia/Kolkata",
    "Pacific/Chatham",
]

LO = us("1995-01-01T00:00:00Z")
HI = us("2045-01-01T00:00:00Z")
instants = st.integers(min_value=LO, max_value=HI)


@st.composite
def calendar_cycles(draw: st.DrawFn) -> Cycle:
    tz = draw(st.sampled_from(ZONES))
    kind = draw(st.sampled_from(["daily", "weekly", "monthly", "quarterly", "yearly"]))
    if kind == "daily":
        return rk.cycles.daily(tz=tz)
    if kind == "weekly":
        return rk.cycles.weekly(tz=tz, weekday=draw(st.integers(0, 6)))
    day = draw(st.integers(1, 31))
    if kind == "monthly":
        return rk.cycles.monthly(tz=tz, day=day)
    if kind == "quarterly":
        return rk.cycles.quarterly(tz=tz, month=draw(st.integers(1, 12)), day=day)
    month = draw(st.integers(1, 12))
    return rk.cycles.yearly(tz=tz, month=month, day=min(day, calendar.monthrange(2000, month)[1]))


any_cycles = st.one_of(
    calendar_cycles(),
    st.just(rk.cycles.hourly()),
    st.builds(
        rk.cycles.every,
        st.integers(H, 40 * US_PER_DAY).map(lambda n: dt.timedelta(microseconds=n)),
        instants.map(format_us),
    ),
)


@st.composite
def short_spans(draw: st.DrawFn) -> rk.Span:
    start = draw(instants)
    length = draw(st.one_of(st.integers(0, 3 * H), st.integers(0, 120 * US_PER_DAY)))
    return rk.Span.from_us(start, start + length)


@given(any_cycles, short_spans())
def test_split_pieces_partition_the_span_and_each_lies_in_one_cycle(
    cycle: Cycle, whole: rk.Span
) -> None:
    pieces = cycle.split(whole)
    if not whole:
        assert pieces == []
        return
    assert pieces[0].start_us == whole.start_us
    assert pieces[-1].end_us == whole.end_us
    for a, b in itertools.pairwise(pieces):
        assert a.end_us == b.start_us
    for piece in pieces:
        assert piece
        start, end = cycle.containing_us(piece.start_us)
        assert start <= piece.start_us
        assert piece.end_us <= end


@given(any_cycles, instants)
def test_containing_contains_and_consecutive_cycles_meet(cycle: Cycle, t: int) -> None:
    start, end = cycle.containing_us(t)
    assert start <= t < end
    assert cycle.containing_us(end)[0] == end
    assert cycle.containing_us(start - 1)[1] == start
    assert cycle.containing(rk.Span.from_us(t, t).start) == rk.Span.from_us(start, end)


@given(any_cycles, short_spans())
def test_spans_cover_the_span_with_whole_consecutive_cycles(cycle: Cycle, over: rk.Span) -> None:
    cycles = cycle.spans(over)
    if not over:
        assert cycles == []
        return
    assert cycles[0].start_us <= over.start_us
    assert cycles[-1].end_us >= over.end_us
    for a, b in itertools.pairwise(cycles):
        assert a.end_us == b.start_us
    for whole in cycles:
        assert cycle.containing_us(whole.start_us) == (whole.start_us, whole.end_us)
        assert whole.overlaps(over)


def _oracle_local_midnight(tz: str, year: int, month: int, day: int) -> int:
    """Local midnight by pendulum: the first occurrence, or the end of a gap at midnight."""
    first = pendulum.datetime(year, month, day, tz=tz, fold=0)
    if (first.year, first.month, first.day, first.hour) == (year, month, day, 0):
        return to_us(first)
    return to_us(pendulum.datetime(year, month, day, tz=tz, fold=1))


def _oracle_monthly(
    tz: str, day: int, start_us: int, end_us: int, *, every: int = 1, anchor: int = 1
) -> list[int]:
    """Boundaries on ``day`` of every ``every``-th month from ``anchor``, by pendulum."""
    first_year = pendulum.from_timestamp(start_us // 1_000_000).year - 1
    last_year = pendulum.from_timestamp(end_us // 1_000_000).year + 1
    out = []
    for year in range(first_year, last_year + 1):
        for month in range(1, 13):
            if (month - anchor) % every:
                continue
            clamped = min(day, calendar.monthrange(year, month)[1])
            boundary = _oracle_local_midnight(tz, year, month, clamped)
            if start_us < boundary < end_us:
                out.append(boundary)
    return out


def _oracle_daily(tz: str, start_us: int, end_us: int) -> list[int]:
    day = pendulum.from_timestamp(start_us // 1_000_000).date().subtract(days=2)
    out = []
    while True:
        boundary = _oracle_local_midnight(tz, day.year, day.month, day.day)
        if boundary >= end_us:
            return out
        if boundary > start_us and (not out or boundary != out[-1]):
            out.append(boundary)
        day = day.add(days=1)


@given(st.sampled_from(ZONES), st.integers(1, 31), instants, st.integers(0, 400 * US_PER_DAY))
def test_monthly_boundaries_agree_with_a_pendulum_oracle(
    tz: str, day: int, start: int, length: int
) -> None:
    cycle = rk.cycles.monthly(tz=tz, day=day)
    assert cycle.boundaries_us(start, start + length) == _oracle_monthly(
        tz, day, start, start + length
    )


@given(
    st.sampled_from(ZONES),
    st.sampled_from([3, 12]),
    st.tuples(st.integers(1, 12), st.integers(1, 28)),
    instants,
    st.integers(0, 1500 * US_PER_DAY),
)
def test_quarterly_and_yearly_boundaries_agree_with_a_pendulum_oracle(
    tz: str, every: int, anchor: tuple[int, int], start: int, length: int
) -> None:
    month, day = anchor
    if every == 3:
        cycle = rk.cycles.quarterly(tz=tz, month=month, day=day)
    else:
        cycle = rk.cycles.yearly(tz=tz, month=month, day=day)
    expected = _oracle_monthly(tz, day, start, start + length, every=every, anchor=month)
    assert cycle.boundaries_us(start, start + length) == expected


@given(st.sampled_from(ZONES), instants, st.integers(0, 20 * US_PER_DAY))
def test_daily_boundaries_agree_with_a_pendulum_oracle(tz: str, start: int, length: int) -> None:
    cycle = rk.cycles.daily(tz=tz)
    assert cycle.boundaries_us(start, start + length) == _oracle_daily(tz, start, start + length)


@given(st.sampled_from(ZONES), instants, st.integers(0, 40 * US_PER_DAY), st.integers(0, 6))
def test_weekly_boundaries_are_the_daily_ones_on_the_weekday(
    tz: str, start: int, length: int, weekday: int
) -> None:
    weekly = rk.cycles.weekly(tz=tz, weekday=weekday)
    zone = zoneinfo.ZoneInfo(tz)
    expected = [
        b
        for b in rk.cycles.daily(tz=tz).boundaries_us(start, start + length)
        # the local date of a day's first instant is that day (a skipped midnight moves
        # to the first instant after the gap, still on that date)
        if dt.datetime.fromtimestamp(b / 1_000_000, zone).weekday() == weekday
    ]
    assert weekly.boundaries_us(start, start + length) == expected


@given(st.sampled_from(ZONES), instants, instants, instants)
def test_prorated_parts_of_a_cycle_add_up_to_one(tz: str, t: int, a: int, b: int) -> None:
    cycle = rk.cycles.monthly(tz=tz).containing(rk.Span.from_us(t, t).start)
    low = cycle.start_us + a % (cycle.end_us - cycle.start_us + 1)
    cut = low + b % (cycle.end_us - low + 1)
    parts = [
        rk.Span.from_us(cycle.start_us, low),
        rk.Span.from_us(low, cut),
        rk.Span.from_us(cut, cycle.end_us),
    ]
    for basis in ("seconds", "days"):
        zone = tz if basis == "days" else None  # (elapsed time takes no timezone)
        fractions = [rk.cycles.prorate(p, cycle, basis=basis, tz=zone) for p in parts]  # type: ignore[arg-type]
        assert all(0 <= f <= 1 for f in fractions)
        total = CONTEXT.add(CONTEXT.add(fractions[0], fractions[1]), fractions[2])
        assert abs(total - 1) < Decimal("1e-50")


# -- fast paths check their arguments; enormous outputs are refused ---------------------------

ALL_CYCLES = [
    rk.cycles.hourly(),
    rk.cycles.daily(tz="Europe/Zurich"),
    rk.cycles.weekly(tz="UTC"),
    rk.cycles.monthly(tz="UTC", day=31),
    rk.cycles.every(dt.timedelta(days=14), anchor="2026-01-05T00:00:00Z"),
]


@pytest.mark.parametrize("cycle", ALL_CYCLES, ids=repr)
@pytest.mark.parametrize("bad", [1.5e15, True, Decimal(1772323200000000)], ids=repr)
def test_microsecond_paths_refuse_floats_bools_and_decimals(
    cycle: rk.cycles.Cycle, bad: object
) -> None:
    t = to_us("2026-03-01T00:00:00Z")
    with pytest.raises(rk.RatekitTypeError, match=r"must be an int of microseconds"):
        cycle.boundaries_us(bad, t)  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError, match=r"must be an int of microseconds"):
        cycle.boundaries_us(t, bad)  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError, match=r"containing_us t_us must be an int"):
        cycle.containing_us(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("cycle", ALL_CYCLES, ids=repr)
def test_instants_out_of_range_are_bad_times(cycle: rk.cycles.Cycle) -> None:
    with pytest.raises(rk.BadTimeError):
        cycle.boundaries_us(0, 10**20)
    with pytest.raises(rk.BadTimeError):
        cycle.containing_us(-(10**20))


def test_ten_thousand_years_of_days_are_refused_quickly_not_built() -> None:
    # cycles.daily().spans(a span of 10,000 years) used to build every day: 3,651,298 days
    # from 0002-01-01 to 9998-12-01, and two days of margin at each end make "about 3,651,302".
    days = rk.cycles.daily(tz="UTC")
    everything = rk.Span("0002-01-01T00:00:00Z", "9998-12-01T00:00:00Z")
    with pytest.raises(rk.BadSpanError) as caught:
        days.spans(everything)
    assert str(caught.value) == (
        "cycles.daily(tz='UTC') over 0002-01-01T00:00:00Z..9998-12-01T00:00:00Z would need "
        "about 3,651,302 boundaries, more than the 100,000 one call computes; ask for shorter "
        "spans, one piece at a time."
    )
    with pytest.raises(rk.BadSpanError, match=r"more than the 100,000 one call computes"):
        days.split(everything)
    with pytest.raises(rk.BadSpanError, match=r"cycles.hourly\(\) over"):
        rk.cycles.hourly().spans(rk.Span("2000-01-01T00:00:00Z", "2020-01-01T00:00:00Z"))
    # A far part of time alone costs its own boundaries, not those in between.
    assert days.containing("9998-06-01T12:00:00Z") == span(
        "9998-06-01T00:00:00Z", "9998-06-02T00:00:00Z"
    )
    assert days.containing("0002-06-01T12:00:00Z") == span(
        "0002-06-01T00:00:00Z", "0002-06-02T00:00:00Z"
    )
    # A century of days is within the limit: 36,525 days, each a whole UTC day.
    long = rk.Span("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z")
    pieces = days.spans(long)
    assert len(pieces) == (dt.date(2100, 1, 1) - dt.date(2000, 1, 1)).days


# -- the classes check what they are built from, so every accepted value shows itself --------


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: rk.cycles.Daily("UTC"), None, "cycles.daily(tz='UTC')"),
        (lambda: rk.cycles.Daily("Mars/Olympus"), rk.BadCalendarError, "Daily tz 'Mars/Olympus'"),
        (lambda: rk.cycles.Weekly("UTC", 9), rk.BadCalendarError, "Weekly weekday 9"),
        (lambda: rk.cycles.Weekly("UTC", "Tue"), None, "cycles.weekly(tz='UTC', weekday='Tue')"),
        (lambda: rk.cycles.Monthly("UTC", 0), rk.BadCalendarError, "Monthly day 0"),
        (lambda: rk.cycles.Monthly("UTC", 1, 5), rk.BadCalendarError, "Monthly months 5"),
        (lambda: rk.cycles.Monthly("UTC", 30, 12, 2), rk.BadCalendarError, "Monthly day 30"),
        (  # quarters from April are those from January; the repr shows the month given
            lambda: rk.cycles.Monthly("UTC", 1, 3, 4),
            None,
            "cycles.quarterly(tz='UTC', month=4, day=1)",
        ),
        (lambda: rk.cycles.Every(0, 0), rk.BadCalendarError, "Every period_us 0"),
        (lambda: rk.cycles.Every(1.5, 0), rk.BadCalendarError, "Every period_us 1.5"),
        (lambda: rk.cycles.Every(10, 10**30), rk.BadTimeError, "Every anchor_us 1000"),
        (  # anchor_us keeps 1970-01-01T00:00:00.000001Z; the repr shows the anchor given
            lambda: rk.cycles.Every(86_400_000_000, 86_400_000_001),
            None,
            "cycles.every(datetime.timedelta(days=1), anchor='1970-01-02T00:00:00.000001Z')",
        ),
    ],
)
def test_cycle_classes_check_their_fields(
    build: object, error: type[Exception] | None, message: str
) -> None:
    if error is None:
        built = build()  # type: ignore[operator]
        assert repr(built) == message
        assert str(built) == message
        return
    with pytest.raises(error) as caught:
        build()  # type: ignore[operator]
    assert str(caught.value).startswith(message)


def test_metering_thousands_of_years_of_daily_cycles_costs_only_what_it_outputs() -> None:
    # Metering no records over 10,000 years with a daily cycle used to build the 3.65
    # million boundaries up front (seconds, then memory). Metering now finds cycles where
    # the records are: nothing to meter is fast and gives no rows; only an enormous
    # output (a resource running through every day) is refused, at once.
    ages = rk.Span("0002-01-01T00:00:00Z", "9998-01-01T00:00:00Z")
    runtime = rk.Meter("runtime", "hour", rk.OnOff())
    started = time.perf_counter()
    usage = rk.meter([], [runtime], span=ages, cycle=rk.cycles.daily(tz="UTC"), as_of=ages.end)
    assert usage.rows == ()
    running = [rk.Event("a", "vm", "0002-01-01T00:00:00Z", kind="start", id="e1")]
    with pytest.raises(rk.BadSpanError, match=r"^metering 0002-01-01T00:00:00Z\.\.9998-01-01"):
        rk.meter(running, [runtime], span=ages, cycle=rk.cycles.daily(tz="UTC"), as_of=ages.end)
    # Generous: both take well under a second.
    assert time.perf_counter() - started < 2


def test_prorate_names_its_own_timezone_argument() -> None:
    march = span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    with pytest.raises(rk.BadCalendarError, match=r"^prorate tz 'Mars/Olympus' is not a known"):
        rk.cycles.prorate(march, march, basis="days", tz="Mars/Olympus")
