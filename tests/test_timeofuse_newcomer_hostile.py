"""Hostile input to time-of-use windows, spans and plans: refused by name, and fast."""

from __future__ import annotations

import datetime as dt

import pytest

import ratekit as rk

DAY = rk.Span("2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z")


def test_naive_instants_are_refused_everywhere_time_of_use_reads_them() -> None:
    with pytest.raises(rk.BadTimeError, match="naive datetime"):
        rk.Span(dt.datetime(2026, 3, 1), "2026-04-01T00:00:00Z")  # noqa: DTZ001
    with pytest.raises(rk.BadTimeError, match=r"PriceEntry start .* no UTC offset"):
        rk.PriceEntry("x", "m", rk.PerUnit(1), start="2026-01-01T00:00:00")
    with pytest.raises(rk.BadTimeError, match="naive datetime"):
        _ = dt.datetime(2026, 1, 5) in DAY  # noqa: DTZ001


def test_instants_outside_the_calendar_range_are_refused_naming_the_range() -> None:
    nights = rk.windows.daily("22:00", "06:00", tz="Europe/Zurich")
    with pytest.raises(rk.BadTimeError, match="years 2 to 9998"):
        nights.within(rk.Span("0001-01-01T00:00:00Z", "0001-01-03T00:00:00Z"))
    with pytest.raises(rk.BadTimeError, match="years 2 to 9998"):
        nights.within(rk.Span("9999-12-29T00:00:00Z", "9999-12-31T00:00:00Z"))
    with pytest.raises(rk.BadTimeError, match="0001-01-01T00:00:00Z to 9999-12-31"):
        rk.Span.from_us(0, 10**20)
    # Before 1970 is fine: Zurich's local mean time in 1850 was +00:34:08, so a
    # 22:00 .. 06:00 night is 21:25:52Z .. 05:25:52Z.
    old = rk.windows.cron("0 22 * * *", "0 6 * * *", tz="Europe/Zurich")
    got = old.within(rk.Span("1850-01-01T12:00:00Z", "1850-01-02T12:00:00Z"))
    assert list(got) == [rk.Span("1850-01-01T21:25:52Z", "1850-01-02T05:25:52Z")]


@pytest.mark.parametrize(
    "tz", ["Europe/Zurch", "europe/zurich", "", "../../etc/passwd", "Mars/Olympus"]
)
def test_zones_that_do_not_exist_are_refused_naming_the_zone(tz: str) -> None:
    with pytest.raises(rk.BadCalendarError, match=r"daily window tz .* is not a known IANA"):
        rk.windows.daily("22:00", "06:00", tz=tz)


def test_host_zones_and_wrong_types_are_refused() -> None:
    with pytest.raises(rk.BadCalendarError, match="not a portable IANA timezone"):
        rk.windows.daily("22:00", "06:00", tz="localtime")
    with pytest.raises(rk.RatekitTypeError, match="tz is None"):
        rk.windows.cron("0 2 * * *", "0 4 * * *", tz=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("expr", "field"),
    [
        ("60 2 * * *", "minute"),
        ("0 24 * * *", "hour"),
        ("0 2 32 * *", "day-of-month"),
        ("0 2 31 4 *", "day-of-month"),
        ("0 2 * 13 *", "month"),
        ("0 2 * * 8", "day-of-week"),
        ("0 2 * * Funday", "day-of-week"),
        ("0 2 * JANUARY *", "month"),
        ("0 2 * * 5-1", "day-of-week"),
        ("60 0 2 * * *", "second"),
        ("\uff10 2 * * *", "minute"),  # a fullwidth zero,
    ],
)
def test_cron_fields_out_of_range_or_misnamed_are_refused(expr: str, field: str) -> None:
    with pytest.raises(rk.BadCalendarError, match=f"cron window start .* \\(Bad {field}\\)"):
        rk.windows.cron(expr, "0 4 * * *", tz="UTC")


def test_cron_names_and_shapes_are_read() -> None:
    # 5 Jan 2026 is a Monday; Mon,Wed and MON-FRI name days; JAN a month.
    week = rk.Span("2026-01-05T00:00:00Z", "2026-01-12T00:00:00Z")
    mon_wed = rk.windows.cron("0 2 * JAN mon,wed", "0 4 * * *", tz="UTC").within(week)
    assert list(mon_wed) == [
        rk.Span("2026-01-05T02:00:00Z", "2026-01-05T04:00:00Z"),
        rk.Span("2026-01-07T02:00:00Z", "2026-01-07T04:00:00Z"),
    ]
    weekdays = rk.windows.cron("0 2 * * MON-FRI", "0 4 * * *", tz="UTC").within(week)
    assert weekdays.duration == dt.timedelta(hours=10)
    with pytest.raises(rk.BadCalendarError, match="Wrong number of fields"):
        rk.windows.cron("@daily", "0 4 * * *", tz="UTC")


def test_windows_of_zero_length_are_refused_or_empty() -> None:
    with pytest.raises(rk.BadCalendarError, match="has no length"):
        rk.windows.daily("22:00", "22:00", tz="UTC")
    with pytest.raises(rk.BadCalendarError, match="has no length"):
        rk.windows.weekly(("Tue", "02:00"), ("Tue", "02:00"), tz="UTC")
    # A cron pair firing alike never opens (a start firing with an end opens nothing).
    same = rk.windows.cron("0 2 * * *", "0 2 * * *", tz="UTC")
    assert same.within(rk.Span("2026-01-01T00:00:00Z", "2036-01-01T00:00:00Z")) == rk.SpanSet([])
    nights = rk.windows.daily("22:00", "06:00", tz="UTC")
    empty = rk.Span("2026-01-01T23:00:00Z", "2026-01-01T23:00:00Z")
    assert nights.within(empty) == rk.SpanSet([])


def test_bad_times_of_day_are_refused() -> None:
    for bad in ("24:00", "07:60", "07:00:00.5", "-1:00", None, 7):
        with pytest.raises(rk.BadCalendarError, match="is not a time of day"):
            rk.windows.daily(bad, "08:00", tz="UTC")  # type: ignore[arg-type]
    with pytest.raises(rk.BadCalendarError, match="fold=1"):
        rk.windows.daily(dt.time(2, 30, fold=1), "08:00", tz="Europe/Zurich")


def test_a_recurring_window_over_ten_years_is_fast_and_complete() -> None:
    ten = rk.Span("2026-01-01T00:00:00Z", "2036-01-01T00:00:00Z")
    nights = rk.windows.daily("22:00", "06:00", tz="Europe/Zurich").within(ten)
    slots = rk.windows.cron("0 2 * * Tue", "0 2 * * Wed", tz="Europe/Athens").within(ten)
    # 3652 days from 2026-01-01 to 2036-01-01; the first night is clipped at its start,
    # the last runs past the end: 3653 pieces. Tuesdays in those ten years: 521.
    assert len(nights.pairs_us()) == 3653
    assert len(slots.pairs_us()) == 521
    # Each slot is 24 h of wall clock; elapsed time is 24 h too (the change is at 03:00
    # or 04:00 on a Sunday, never inside a Tuesday slot).
    assert slots.duration == dt.timedelta(hours=24 * 521)


def test_hourly_cron_over_ten_years_is_refused_up_front() -> None:
    ten = rk.Span("2026-01-01T00:00:00Z", "2036-01-01T00:00:00Z")
    hourly = rk.windows.cron("0 * * * *", "30 * * * *", tz="Europe/Zurich")
    with pytest.raises(rk.BadSpanError, match="more than the 100,000 one call computes"):
        hourly.within(ten)


def test_ten_thousand_windows_in_a_union_stay_fast() -> None:
    def hms(s: int) -> str:
        return f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}"

    # 10,000 one-second windows from 00:00:00 to 02:46:40 each day: they touch, so
    # their union is one span of 10,000 s each day.
    windows = [rk.windows.daily(hms(i), hms(i + 1), tz="UTC") for i in range(10_000)]
    got = rk.windows.union(*windows).within(DAY)
    assert list(got) == [rk.Span("2026-01-05T00:00:00Z", "2026-01-05T02:46:40Z")]


def test_span_sets_of_a_hundred_thousand_spans_stay_fast() -> None:
    n = 100_000
    a = rk.SpanSet.from_us([(i * 10, i * 10 + 5) for i in range(n)])
    b = rk.SpanSet.from_us([(i * 10 + 3, i * 10 + 8) for i in range(n)])
    both = a & b
    either = a | b
    only_a = a - b
    # Each period of 10 µs: a holds [0, 5), b holds [3, 8): & is [3, 5), | is [0, 8),
    # a - b is [0, 3).
    assert both.pairs_us()[:2] == [(3, 5), (13, 15)]
    assert len(both.pairs_us()) == n
    assert either.duration == dt.timedelta(microseconds=8 * n)
    assert only_a.duration == dt.timedelta(microseconds=3 * n)


def _exclusive_slots(start: str) -> list[rk.PriceEntry]:
    # Nights and mornings never meet: the plan may hold both at one priority.
    return [
        rk.PriceEntry(
            "night",
            "vm.hours",
            rk.PerUnit("0.04"),
            window=rk.windows.daily("22:00", "06:00", tz="UTC"),
            start=start,
        ),
        rk.PriceEntry(
            "morning",
            "vm.hours",
            rk.PerUnit("0.08"),
            window=rk.windows.daily("07:00", "08:00", tz="UTC"),
            start=start,
        ),
    ]


def test_exclusive_windowed_entries_of_one_priority_build_well_inside_the_range() -> None:
    plan = rk.Plan(
        "slots", "EUR", rk.cycles.monthly(tz="UTC"), _exclusive_slots("9990-01-01T00:00:00Z")
    )
    assert plan.resolve("vm.hours", {}, "9990-01-01T07:30:00Z").id == "morning"
    assert plan.resolve("vm.hours", {}, "9990-01-01T12:00:00Z") is None


def test_windowed_entries_starting_near_the_calendar_end_build() -> None:
    # (refused before: the check read four years past their start, to 9999-01-04)
    # guarantees.md: "Calendar cycles and windows work between the years 2 and 9998"
    # and "A refusal at either end names what was given ... never an instant ratekit
    # computed from it". Both entries start on 9995-01-01, well inside that range.
    plan = rk.Plan(
        "slots", "EUR", rk.cycles.monthly(tz="UTC"), _exclusive_slots("9995-01-01T00:00:00Z")
    )
    assert plan.resolve("vm.hours", {}, "9995-01-01T07:30:00Z").id == "morning"


def test_cron_firings_at_the_edges_of_dst_follow_the_documented_rules() -> None:
    zurich = "Europe/Zurich"
    # Six fields at a fixed time are read like five: 02:30 on the night the clocks go
    # back is its first occurrence (02:30 CEST = 00:30Z), to 04:00 CET = 03:00Z.
    six = rk.windows.cron("0 30 2 * * *", "0 4 * * *", tz=zurich)
    autumn = rk.Span("2026-10-25T00:00:00Z", "2026-10-25T12:00:00Z")
    assert list(six.within(autumn)) == [rk.Span("2026-10-25T00:30:00Z", "2026-10-25T03:00:00Z")]
    # In spring 02:30 is skipped: the job runs at the first minute after the gap,
    # 03:00 CEST = 01:00Z, to 04:00 CEST = 02:00Z.
    spring = rk.Span("2026-03-29T00:00:00Z", "2026-03-29T12:00:00Z")
    assert list(six.within(spring)) == [rk.Span("2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z")]
    # With * in the hour, every real matching instant fires: on 25 Oct the wall clock
    # reads 01:00 (23:00Z), 02:00 CEST (00:00Z) and 02:00 CET (01:00Z).
    hourly = rk.windows.cron("0 * * * *", "15 * * * *", tz=zurich)
    got = hourly.within(rk.Span("2026-10-24T23:00:00Z", "2026-10-25T02:00:00Z"))
    assert [s.start.isoformat()[11:16] for s in got] == ["23:00", "00:00", "01:00"]
    # A start firing while the window is open changes nothing: seconds 0, 20, 40 open,
    # second 10 closes; 00:00 .. 00:10, then 00:20 .. 01:10 (00:40 changes nothing).
    seconds = rk.windows.cron("*/20 * * * * *", "10 * * * * *", tz="UTC")
    minute = rk.Span("2026-03-29T00:00:00Z", "2026-03-29T00:01:00Z")
    assert list(seconds.within(minute)) == [
        rk.Span("2026-03-29T00:00:00Z", "2026-03-29T00:00:10Z"),
        rk.Span("2026-03-29T00:00:20Z", "2026-03-29T00:01:00Z"),
    ]


def test_pairs_known_never_to_open_are_empty_over_ten_years_at_once() -> None:
    ten = rk.Span("2026-01-01T00:00:00Z", "2036-01-01T00:00:00Z")
    assert rk.windows.cron("* * * * Mon", "* * * * 1", tz="Europe/Zurich").within(
        ten
    ) == rk.SpanSet([])
    assert rk.windows.cron("0 30 2 * * *", "30 2 * * *", tz="Europe/Zurich").within(
        ten
    ) == rk.SpanSet([])


def test_a_reversed_pair_at_the_window_fast_path_is_an_empty_span() -> None:
    # docs/guarantees.md: a pair given end first is an error where it makes a value
    # (Span.from_us) and an empty span where it asks (a window's within_us): two days
    # given end first hold no night. (Pinned as a fault by time.md's "an end before the
    # start is an error", which is about spans; the guarantee now says both.)
    hour = 3_600_000_000
    with pytest.raises(rk.BadSpanError):
        rk.Span.from_us(48 * hour, 0)
    assert rk.windows.daily("22:00", "06:00", tz="UTC").within_us(48 * hour, 0) == []
    assert rk.windows.daily("22:00", "06:00", tz="UTC").within_us(0, 48 * hour) == [
        (0, 6 * hour),
        (22 * hour, 30 * hour),
        (46 * hour, 48 * hour),
    ]
