"""Time-of-use pricing in local time, checked by hand: peak and off-peak across DST."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import ratekit as rk

ZURICH = "Europe/Zurich"
MINUTE = 60_000_000


def _tou_plan() -> rk.Plan:
    nights = rk.windows.daily("22:00", "06:00", tz=ZURICH)
    return rk.Plan(
        "tou",
        "EUR",
        rk.cycles.monthly(tz=ZURICH),
        [
            rk.PriceEntry("day", "vm.hours", rk.PerUnit("0.10")),
            rk.PriceEntry("night", "vm.hours", rk.PerUnit("0.04"), window=nights, priority=1),
            rk.PriceEntry(
                "night-new",
                "vm.hours",
                rk.PerUnit("0.03"),
                window=nights,
                priority=2,
                start="2026-10-24T23:30:00Z",
            ),
            rk.PriceEntry("gb-day", "gb", rk.PerUnit("1")),
            rk.PriceEntry("gb-night", "gb", rk.PerUnit("0.5"), window=nights, priority=1),
        ],
    )


METERS = [rk.Meter("vm.hours", "hour", rk.OnOff()), rk.Meter("gb", "GB", rk.Discrete())]


def _run(start: str, stop: str) -> list[rk.Event]:
    return [
        rk.Event("acme", "vm-1", start, kind="start", id="e1"),
        rk.Event("acme", "vm-1", stop, kind="stop", id="e2"),
    ]


def _lines(rating: rk.Rating) -> list[tuple[str, str, str, Decimal, Decimal]]:
    return [
        (c.entry, c.span.start.isoformat(), c.span.end.isoformat(), c.quantity, c.amount)
        for c in rating.charges
        if c.meter == "vm.hours"
    ]


def test_a_vm_across_the_spring_change_is_billed_its_real_hours_by_the_wall_clock() -> None:
    # 28 Mar 12:00Z .. 30 Mar 12:00Z: 48 real hours. Zurich nights 22:00..06:00:
    # 28th 22:00 CET = 21:00Z .. 29th 06:00 CEST = 04:00Z: 7 h (02:00..03:00 never happens);
    # 29th 22:00 CEST = 20:00Z .. 30th 06:00 CEST = 04:00Z: 8 h. Night 15 h, day 33 h.
    # 9 + 16 + 8 = 33 h at 0.10 = 3.30; 7 + 8 = 15 h at 0.04 = 0.60; total 3.90.
    plan = _tou_plan()
    march = plan.cycle.containing("2026-03-15T00:00:00Z")
    rating = rk.rate(
        _run("2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z"), plan, span=march, meters=METERS
    )
    utc = "+00:00"
    assert _lines(rating) == [
        ("day", "2026-03-28T12:00:00" + utc, "2026-03-28T21:00:00" + utc, 9, Decimal("0.90")),
        ("night", "2026-03-28T21:00:00" + utc, "2026-03-29T04:00:00" + utc, 7, Decimal("0.28")),
        ("day", "2026-03-29T04:00:00" + utc, "2026-03-29T20:00:00" + utc, 16, Decimal("1.60")),
        ("night", "2026-03-29T20:00:00" + utc, "2026-03-30T04:00:00" + utc, 8, Decimal("0.32")),
        ("day", "2026-03-30T04:00:00" + utc, "2026-03-30T12:00:00" + utc, 8, Decimal("0.80")),
    ]
    assert rating.total() == Decimal("3.90")
    [invoice] = rk.bill(rating, tz=ZURICH)
    assert invoice.total == Decimal("3.90")


def test_the_repeated_autumn_hour_is_billed_once_each_time_and_a_price_change_splits_a_night() -> (
    None
):
    # 24 Oct 12:00Z .. 26 Oct 12:00Z: 48 real hours.
    # Night 24th 22:00 CEST = 20:00Z .. 25th 06:00 CET = 05:00Z: 9 h (02:00..03:00 twice).
    # The night price changes to 0.03 at 23:30Z inside it: 3.5 h at 0.04 = 0.140,
    # 5.5 h at 0.03 = 0.165. Night 25th 22:00 CET = 21:00Z .. 26th 05:00Z: 8 h at 0.03 = 0.24.
    # Day: 8 + 16 + 7 = 31 h at 0.10 = 3.10. VM total 3.645.
    # Samples: 3 GB one microsecond before the night ends (night, 0.5: 1.5) and 10 GB
    # exactly at its end, 05:00Z (a span is half-open: day, 1: 10). Total 15.145.
    plan = _tou_plan()
    october = plan.cycle.containing("2026-10-15T00:00:00Z")
    records: list[rk.Event | rk.Sample] = [
        *_run("2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z"),
        rk.Sample("acme", "vol", "gb", "2026-10-25T05:00:00Z", 10, id="s1"),
        rk.Sample("acme", "vol", "gb", "2026-10-25T04:59:59.999999Z", 3, id="s2"),
    ]
    rating = rk.rate(records, plan, span=october, meters=METERS)
    assert [(e, q, a) for e, _, _, q, a in _lines(rating)] == [
        ("day", 8, Decimal("0.80")),
        ("night", Decimal("3.5"), Decimal("0.140")),
        ("night-new", Decimal("5.5"), Decimal("0.165")),
        ("day", 16, Decimal("1.60")),
        ("night-new", 8, Decimal("0.24")),
        ("day", 7, Decimal("0.70")),
    ]
    gb = sorted((c.entry, c.quantity, c.amount) for c in rating.charges if c.meter == "gb")
    assert gb == [("gb-day", 10, Decimal(10)), ("gb-night", 3, Decimal("1.5"))]
    assert rating.total() == Decimal("15.145")


def test_kathmandu_nights_are_offset_by_five_hours_forty_five() -> None:
    # Asia/Kathmandu is +05:45 all year: 22:00 local = 16:15Z, 06:00 local = 00:15Z.
    nights = rk.windows.daily("22:00", "06:00", tz="Asia/Kathmandu")
    day = rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
    assert nights.within(day) == rk.SpanSet(
        [
            rk.Span("2026-03-02T00:00:00Z", "2026-03-02T00:15:00Z"),
            rk.Span("2026-03-02T16:15:00Z", "2026-03-03T00:00:00Z"),
        ]
    )


def test_lord_howe_half_hour_shift_shortens_and_lengthens_its_nights() -> None:
    # Lord Howe moves its clocks by 30 minutes: +10:30 to +11:00 at 02:00 on 4 Oct 2026
    # (15:30Z on the 3rd), back at 02:00 (+11:00) on 5 Apr 2026 (15:00Z on the 4th).
    nights = rk.windows.daily("22:00", "06:00", tz="Australia/Lord_Howe")
    # 3 Oct 22:00 +10:30 = 11:30Z .. 4 Oct 06:00 +11:00 = 19:00Z: 7 h 30.
    spring = nights.within(rk.Span("2026-10-03T06:00:00Z", "2026-10-04T06:00:00Z"))
    assert list(spring) == [rk.Span("2026-10-03T11:30:00Z", "2026-10-03T19:00:00Z")]
    # 4 Apr 22:00 +11:00 = 11:00Z .. 5 Apr 06:00 +10:30 = 19:30Z: 8 h 30.
    autumn = nights.within(rk.Span("2026-04-04T06:00:00Z", "2026-04-05T06:00:00Z"))
    assert list(autumn) == [rk.Span("2026-04-04T11:00:00Z", "2026-04-04T19:30:00Z")]


def test_apia_skipped_day_leaves_one_eight_hour_night() -> None:
    # Samoa went from 29 Dec 2011 23:59:59 (-10:00) straight to 31 Dec 00:00 (+14:00),
    # at 2011-12-30T10:00Z. The night from 29 Dec 22:00 (-10:00, 30 Dec 08:00Z) runs by
    # the wall clock to 31 Dec 06:00 (+14:00, 30 Dec 16:00Z): 8 real hours, one span.
    nights = rk.windows.daily("22:00", "06:00", tz="Pacific/Apia")
    around = rk.Span("2011-12-30T00:00:00Z", "2011-12-31T00:00:00Z")
    assert list(nights.within(around)) == [rk.Span("2011-12-30T08:00:00Z", "2011-12-30T16:00:00Z")]


def test_a_window_starting_inside_the_missing_hour_starts_when_the_gap_ends() -> None:
    # 02:30..04:00 in Zurich on 29 Mar 2026: 02:30 never happens; the window opens at
    # 03:00 CEST = 01:00Z and closes at 04:00 CEST = 02:00Z. The next day it is
    # 02:30 CEST = 00:30Z .. 02:00Z.
    slot = rk.windows.daily("02:30", "04:00", tz=ZURICH)
    got = slot.within(rk.Span("2026-03-29T00:00:00Z", "2026-03-31T00:00:00Z"))
    assert list(got) == [
        rk.Span("2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"),
        rk.Span("2026-03-30T00:30:00Z", "2026-03-30T02:00:00Z"),
    ]
    # Start and end both in the gap: empty that day (02:15..02:45 both move to 01:00Z).
    inside = rk.windows.daily("02:15", "02:45", tz=ZURICH)
    day = rk.Span("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z")
    assert inside.within(day) == rk.SpanSet([])


def test_a_window_ending_in_the_repeated_hour_ends_at_its_first_occurrence() -> None:
    # 22:00..02:30 on the night of 24 to 25 Oct 2026: 02:30 happens twice; the first is
    # 02:30 CEST = 00:30Z. The window is 20:00Z .. 00:30Z: 4 h 30 by elapsed time.
    late = rk.windows.daily("22:00", "02:30", tz=ZURICH)
    got = late.within(rk.Span("2026-10-24T12:00:00Z", "2026-10-25T12:00:00Z"))
    assert list(got) == [rk.Span("2026-10-24T20:00:00Z", "2026-10-25T00:30:00Z")]


def test_aquarium_tuesday_slot_in_athens_weekly_and_as_cron_pair_agree() -> None:
    # Athens is +02:00 in winter and +03:00 in summer (from 29 Mar 2026 03:00 local).
    # Tue 02:00 .. Wed 02:00 local: in March before the change 00:00Z..00:00Z, after it
    # 23:00Z (Monday) .. 23:00Z (Tuesday).
    weekly = rk.windows.weekly(("Tue", "02:00"), ("Wed", "02:00"), tz="Europe/Athens")
    cron = rk.windows.cron("00 02 * * Tue", "00 02 * * Wed", tz="Europe/Athens")
    span = rk.Span("2026-03-23T00:00:00Z", "2026-04-06T00:00:00Z")
    expected = rk.SpanSet(
        [
            rk.Span("2026-03-24T00:00:00Z", "2026-03-25T00:00:00Z"),
            rk.Span("2026-03-30T23:00:00Z", "2026-03-31T23:00:00Z"),
        ]
    )
    assert weekly.within(span) == expected
    assert cron.within(span) == expected


def test_a_cron_pair_whose_end_comes_before_its_start_wraps_to_the_next_day() -> None:
    # Start 22:00, end 06:00 (UTC): each window runs to the next day's 06:00.
    wrap = rk.windows.cron("0 22 * * *", "0 6 * * *", tz="UTC")
    got = wrap.within(rk.Span("2026-03-02T00:00:00Z", "2026-03-04T00:00:00Z"))
    assert list(got) == [
        rk.Span("2026-03-02T00:00:00Z", "2026-03-02T06:00:00Z"),
        rk.Span("2026-03-02T22:00:00Z", "2026-03-03T06:00:00Z"),
        rk.Span("2026-03-03T22:00:00Z", "2026-03-04T00:00:00Z"),
    ]
    assert got == rk.windows.daily("22:00", "06:00", tz="UTC").within(
        rk.Span("2026-03-02T00:00:00Z", "2026-03-04T00:00:00Z")
    )


def test_windows_that_touch_overlap_nest_and_differ() -> None:
    utc = "UTC"
    a = rk.windows.daily("08:00", "12:00", tz=utc)
    touching = rk.windows.daily("12:00", "14:00", tz=utc)
    overlapping = rk.windows.daily("10:00", "16:00", tz=utc)
    nested = rk.windows.daily("09:00", "10:00", tz=utc)
    day = rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")

    def one(start: str, end: str) -> rk.SpanSet:
        return rk.SpanSet([rk.Span(f"2026-03-02T{start}:00Z", f"2026-03-02T{end}:00Z")])

    # Touching windows merge into one span: 08..14.
    assert (a | touching).within(day) == one("08:00", "14:00")
    assert (a & touching).within(day) == rk.SpanSet([])
    assert (a | overlapping).within(day) == one("08:00", "16:00")
    assert (a & overlapping).within(day) == one("10:00", "12:00")
    assert (a | nested).within(day) == one("08:00", "12:00")
    assert (a & nested).within(day) == one("09:00", "10:00")
    # Difference, written a & ~b: 08..09 and 10..12.
    assert (a & ~nested).within(day) == one("08:00", "09:00") | one("10:00", "12:00")
    # A window and its complement partition the span.
    assert a.within(day) | (~a).within(day) == rk.SpanSet([day])
    assert a.within(day) & (~a).within(day) == rk.SpanSet([])


def test_usage_exactly_at_a_window_end_is_outside_it() -> None:
    nights = rk.windows.daily("22:00", "06:00", tz="UTC")
    entry = rk.PriceEntry("night", "vm.hours", rk.PerUnit("0.04"), window=nights)
    parts = entry.in_effect(rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z"))
    assert "2026-03-02T06:00:00Z" not in parts
    assert "2026-03-02T05:59:59.999999Z" in parts
    assert "2026-03-02T22:00:00Z" in parts


def test_minute_ticks_agree_with_a_window_over_a_new_york_dst_week() -> None:
    # Peak 07:00..19:00 in New York, from the Saturday before the spring change
    # (8 Mar 2026) to the next Saturday, against each minute's wall clock.
    zone = zoneinfo.ZoneInfo("America/New_York")
    peak = rk.windows.daily("07:00", "19:00", tz="America/New_York")
    span = rk.Span("2026-03-07T00:00:00Z", "2026-03-14T00:00:00Z")
    expected = set()
    for tick in range(span.start_us // MINUTE, span.end_us // MINUTE):
        local = dt.datetime.fromtimestamp(tick * 60, zone)
        if 7 <= local.hour < 19:
            expected.add(tick)
    got = {t for a, b in peak.within(span).pairs_us() for t in range(a // MINUTE, b // MINUTE)}
    assert got == expected
    # 7 days of 12 peak hours, none cut by the change at 02:00: 84 h.
    assert len(got) == 84 * 60
