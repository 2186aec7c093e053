"""An invoice read in local time names its cycle's bounds to the instant, not to the minute."""

from __future__ import annotations

import datetime as dt

import ratekit as rk


def _first_lines(plan: rk.Plan, span: rk.Span, tz: str) -> list[str]:
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=span)
    return [str(invoice).splitlines()[0] for invoice in rk.bill(rating, tz=tz)]


def test_a_cycle_bound_off_the_minute_keeps_its_seconds_and_fraction() -> None:
    # Cycles of 36 hours anchored at 06:00:30.5Z: bounds 06:00:30.5Z, 18:00:30.5Z the next
    # day, 06:00:30.5Z two days later. In Zurich (+01:00 in March) those are 07:00:30.5 and
    # 19:00:30.5; the text used to print 07:00 and 19:00, naming a cycle 30.5 s off.
    every = rk.cycles.every(dt.timedelta(hours=36), anchor="2026-03-01T06:00:30.5Z")
    plan = rk.Plan("h", "EUR", every, [], fees=[rk.Fee("base", 10)])
    span = rk.Span("2026-03-01T06:00:30.5Z", "2026-03-04T06:00:30.5Z")
    assert _first_lines(plan, span, "Europe/Zurich") == [
        (
            "Invoice acme, 2026-03-01T07:00:30.500000+01:00 .. "
            "2026-03-02T19:00:30.500000+01:00 (Europe/Zurich), EUR"
        ),
        (
            "Invoice acme, 2026-03-02T19:00:30.500000+01:00 .. "
            "2026-03-04T07:00:30.500000+01:00 (Europe/Zurich), EUR"
        ),
    ]


def test_a_day_of_local_mean_time_read_in_utc_keeps_its_seconds() -> None:
    # Zurich kept local mean time (+00:34:08) until 1894: its 1 March 1850 began at
    # 1850-02-28T23:25:52Z. Read in UTC that bound is 23:25:52, not 23:25.
    plan = rk.Plan("d", "EUR", rk.cycles.daily(tz="Europe/Zurich"), [], fees=[rk.Fee("base", 1)])
    span = rk.Span("1850-03-01T00:00:00+00:34:08", "1850-03-02T00:00:00+00:34:08")
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=span)
    (invoice,) = rk.bill(rating, tz="UTC")
    assert str(invoice).splitlines()[0] == (
        "Invoice acme, 1850-02-28T23:25:52+00:00 .. 1850-03-01T23:25:52+00:00 (UTC), EUR"
    )
    assert "1850-02-28T23:25:52+00:00" in invoice._repr_html_()
    # At whole minutes the text stays as it was: to the minute.
    assert _first_lines(
        rk.Plan("u", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 1)]),
        rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
        "Asia/Kathmandu",
    ) == ["Invoice acme, 2026-03-01T05:45+05:45 .. 2026-04-01T05:45+05:45 (Asia/Kathmandu), EUR"]


def test_a_second_midnight_is_not_printed_as_the_date() -> None:
    # Havana goes back from 01:00 CDT (-04:00) to 00:00 CST (-05:00) on 1 November 2026,
    # so its midnight happens at 04:00Z and again at 05:00Z. The date alone names the
    # first (a daily cycle starts there); a cycle bound at 05:00Z used to print as
    # '2026-11-01' too, an hour away from the daily cycle's bound of the same text.
    every = rk.cycles.every(dt.timedelta(hours=24), anchor="2026-11-01T05:00:00Z")
    plan = rk.Plan("h", "USD", every, [], fees=[rk.Fee("base", 1)])
    span = rk.Span("2026-10-31T05:00:00Z", "2026-11-02T05:00:00Z")
    assert _first_lines(plan, span, "America/Havana") == [
        "Invoice acme, 2026-10-31T01:00-04:00 .. 2026-11-01T00:00-05:00 (America/Havana), USD",
        "Invoice acme, 2026-11-01T00:00-05:00 .. 2026-11-02 (America/Havana), USD",
    ]
    daily = rk.Plan("d", "USD", rk.cycles.daily(tz="America/Havana"), [], fees=[rk.Fee("base", 1)])
    days = rk.Span("2026-10-31T04:00:00Z", "2026-11-02T05:00:00Z")
    assert _first_lines(daily, days, "America/Havana") == [
        "Invoice acme, 2026-10-31 .. 2026-11-01 (America/Havana), USD",
        "Invoice acme, 2026-11-01 .. 2026-11-02 (America/Havana), USD",
    ]


def test_a_bound_with_no_local_date_in_datetimes_years_prints_in_utc() -> None:
    # A cycle from 0001-01-01T00:00Z read in Los Angeles starts in year 0 (local mean
    # time, -07:52:58), which datetime cannot hold: str(invoice) and _repr_html_() used
    # to raise OverflowError ('date value out of range'), an exception of no ratekit kind,
    # from a notebook's display. That bound now prints in UTC; the other in local time.
    every = rk.cycles.every(dt.timedelta(days=10), anchor="0001-01-01T00:00:00Z")
    plan = rk.Plan("p", "EUR", every, [], fees=[rk.Fee("base", 1)])
    span = rk.Span("0001-01-01T00:00:00Z", "0001-01-11T00:00:00Z")
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=span)
    (invoice,) = rk.bill(rating, tz="America/Los_Angeles")
    first = (
        "Invoice acme, 0001-01-01T00:00:00Z .. 0001-01-10T16:07:02-07:52:58 "
        "(America/Los_Angeles), EUR"
    )
    assert str(invoice).splitlines()[0] == first
    assert "0001-01-01T00:00:00Z .. 0001-01-10T16:07:02-07:52:58" in invoice._repr_html_()
