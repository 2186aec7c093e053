"""Cycles at the ends of the years ratekit's calendars support (2 to 9998)."""

from __future__ import annotations

import datetime as dt
import typing
from decimal import Decimal

import pytest

import ratekit as rk
from ratekit._calendar import MIN_CALENDAR_US, BoundaryCache

HOUR_US = 3_600_000_000


def test_yearly_cycles_meter_the_whole_supported_range() -> None:
    # A VM running from 0002-01-01 to 9998-01-01: (date(9998, 1, 1) - date(2, 1, 1)) days
    # x 24 hours. was: BadTimeError naming the local date 0000-01-01, which the caller
    # never gave (the boundary cache's extension reached two cycles before year 2).
    years = rk.cycles.yearly(tz="UTC")
    span = rk.Span("0002-01-01T00:00:00Z", "9998-01-01T00:00:00Z")
    start = rk.Event("a", "r", "0002-01-01T00:00:00Z", kind="start")
    usage = rk.meter(
        [start], [rk.Meter("m", "hour", rk.OnOff())], span=span, cycle=years, as_of=span.end
    )
    hours = (dt.date(9998, 1, 1) - dt.date(2, 1, 1)).days * 24
    assert usage.total() == Decimal(hours)
    assert len(usage.rows) == 9996
    assert years.containing("0002-06-01T00:00:00Z") == rk.Span(
        "0002-01-01T00:00:00Z", "0003-01-01T00:00:00Z"
    )


def test_a_cycle_reaching_past_the_calendars_names_the_instant_given() -> None:
    # A calendar whose elements stop (raise) below index 0, at MIN + 10 hours: the instant
    # MIN asked for has no boundary at or before it.
    base = MIN_CALENDAR_US + 10 * HOUR_US

    def at(k: int) -> int:
        if k < 0:
            raise rk.BadTimeError("no such element")
        return base + k * HOUR_US

    cache = BoundaryCache(at, lambda t_us: (t_us - base) // HOUR_US, owner="hours")
    # two elements of margin below the asked instant: element 3
    assert cache.cover(base + 5 * HOUR_US, base + 6 * HOUR_US)[0] == base + 3 * HOUR_US
    with pytest.raises(rk.BadTimeError) as raised:
        cache.cover(MIN_CALENDAR_US, base + 6 * HOUR_US)
    assert str(raised.value) == (
        "hours: the cycle containing 0002-01-01T00:00:00Z begins before year 1 (the nearest "
        "boundary ratekit's calendars reach is 0002-01-01T10:00:00Z); give instants whose "
        "cycles lie within years 1 to 9999."
    )


# -- refusals at the ends of the range name what the caller gave --------------------------

INSTANTS = "0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z"
CALENDARS = (
    "years 2 to 9998: from 0002-01-01T00:00:00Z, inclusive, to 9998-12-31T00:00:00Z, exclusive"
)
RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())


class TenDays(rk.cycles.Cycle):
    """A user-written cycle: ten UTC days from the epoch, with no range check of its own."""

    length = 10 * 24 * HOUR_US

    def boundaries_us(self, start_us: int, end_us: int) -> list[int]:
        first = (start_us // self.length + 1) * self.length
        return list(range(first, end_us, self.length))

    def containing_us(self, t_us: int) -> tuple[int, int]:
        start = t_us // self.length * self.length
        return start, start + self.length

    def __repr__(self) -> str:
        return "TenDays()"


def test_the_calendar_range_written_in_messages_is_the_one_checked() -> None:
    from ratekit._calendar import CALENDAR_RANGE, MAX_CALENDAR_US
    from ratekit._instants import format_us

    assert CALENDAR_RANGE == CALENDARS
    assert format_us(MIN_CALENDAR_US) in CALENDAR_RANGE
    assert format_us(MAX_CALENDAR_US) in CALENDAR_RANGE


@pytest.mark.parametrize(
    ("cycle", "instant"),
    [
        (rk.cycles.monthly(tz="UTC"), "9998-12-31T00:00:00Z"),  # the first instant refused
        (rk.cycles.daily(tz="Europe/Zurich"), "9999-06-01T00:00:00Z"),
        (rk.cycles.weekly(tz="UTC"), "0001-06-01T00:00:00Z"),
    ],
)
def test_a_calendar_cycle_refuses_the_instant_given_not_one_microsecond_after(
    cycle: rk.cycles.Cycle, instant: str
) -> None:
    # was: "instant 9998-12-31T00:00:00.000001Z is outside ..." (the instant + 1 µs)
    with pytest.raises(rk.BadTimeError) as raised:
        cycle.containing(instant)
    assert str(raised.value) == (
        f"instant {instant} is outside the range ratekit's calendars support ({CALENDARS})."
    )


def test_an_elapsed_cycle_past_the_last_instant_names_the_instant_given() -> None:
    # The hour containing 9999-12-31T23:30 would end at 10000-01-01T00:00: was
    # "Span.from_us end_us 253402300800000000 µs lies outside ...".
    with pytest.raises(rk.BadTimeError) as raised:
        rk.cycles.hourly().containing("9999-12-31T23:30:00Z")
    assert str(raised.value) == (
        "the cycle of cycles.hourly() containing 9999-12-31T23:30:00Z ends after "
        "9999-12-31T23:59:59.999999Z, the last instant ratekit represents; give instants "
        f"whose cycles lie within {INSTANTS}."
    )
    # containing_us refuses the same: it no longer returns an end no Span can hold.
    with pytest.raises(rk.BadTimeError, match=r"containing 9999-12-31T23:59:59.999999Z ends"):
        rk.cycles.hourly().containing_us(253_402_300_799_999_999)
    # The week (from a Thursday) containing 0001-01-02 would begin on 0000-12-28.
    weeks = rk.cycles.every(dt.timedelta(days=7), anchor="1970-01-01T00:00:00Z")
    with pytest.raises(rk.BadTimeError) as raised:
        weeks.containing("0001-01-02T00:00:00Z")
    assert str(raised.value) == (
        "the cycle of cycles.every(datetime.timedelta(days=7), anchor='1970-01-01T00:00:00Z') "
        "containing 0001-01-02T00:00:00Z begins before 0001-01-01T00:00:00Z, the first "
        f"instant ratekit represents; give instants whose cycles lie within {INSTANTS}."
    )
    # The last whole hour is fine.
    assert rk.cycles.hourly().containing("9999-12-31T22:30:00Z") == rk.Span(
        "9999-12-31T22:00:00Z", "9999-12-31T23:00:00Z"
    )


def test_a_user_cycle_past_the_last_instant_names_the_instant_given() -> None:
    with pytest.raises(rk.BadTimeError) as raised:
        TenDays().containing("9999-12-31T00:00:00Z")
    assert str(raised.value) == (
        "the cycle of TenDays() containing 9999-12-31T00:00:00Z ends after "
        "9999-12-31T23:59:59.999999Z, the last instant ratekit represents; give instants "
        f"whose cycles lie within {INSTANTS}."
    )


SPAN_ENDS_OUTSIDE = (
    "{span} ends in a cycle of {cycle} that reaches outside the instants ratekit can cut "
    f"into cycles (for calendar cycles, {CALENDARS}; for any cycle, {INSTANTS}); give a span "
    "that ends earlier."
)


@pytest.mark.parametrize(
    ("cycle", "start", "end"),
    [
        (rk.cycles.hourly(), "9999-12-31T20:00:00Z", "9999-12-31T23:30:00Z"),
        (TenDays(), "9999-12-20T00:00:00Z", "9999-12-31T00:00:00Z"),
    ],
)
def test_a_span_whose_last_cycle_is_outside_is_refused_naming_the_span(
    cycle: rk.cycles.Cycle, start: str, end: str
) -> None:
    span = rk.Span(start, end)
    expected = SPAN_ENDS_OUTSIDE.format(span=repr(span), cycle=repr(cycle))
    # was: "Span.from_us end_us 253402300800000000 µs ..." or "boundaries_us end_us ..."
    with pytest.raises(rk.BadTimeError) as raised:
        cycle.spans(span)
    assert str(raised.value) == expected
    with pytest.raises(rk.BadTimeError) as raised:
        rk.meter([], [RUNTIME], span=span, cycle=cycle, as_of=span.end)
    assert str(raised.value) == expected
    plan = rk.Plan("p", "EUR", cycle, [rk.PriceEntry("runtime", "runtime", rk.PerUnit("1"))])
    start_event = rk.Event("a", "vm", start, kind="start", id="e1")
    with pytest.raises(rk.BadTimeError) as raised:
        rk.rate([start_event], plan, meters=[RUNTIME], span=span)
    assert str(raised.value) == expected


def test_a_metering_span_clipped_by_as_of_is_named_with_its_end() -> None:
    span = rk.Span("9999-12-31T20:00:00Z", "9999-12-31T23:59:59.999999Z")
    with pytest.raises(rk.BadTimeError) as raised:
        rk.meter([], [RUNTIME], span=span, cycle=rk.cycles.hourly(), as_of="9999-12-31T23:30:00Z")
    assert str(raised.value) == SPAN_ENDS_OUTSIDE.format(
        span=f"{span!r} metered up to 9999-12-31T23:30:00Z", cycle="cycles.hourly()"
    )
    # Within the last cycle that fits, metering works: 20:00 -> 23:00 is 3 hours.
    start = rk.Event("a", "vm", "9999-12-31T20:00:00Z", kind="start", id="e1")
    inside = rk.Span("9999-12-31T20:00:00Z", "9999-12-31T23:00:00Z")
    usage = rk.meter([start], [RUNTIME], span=inside, cycle=rk.cycles.hourly(), as_of=inside.end)
    assert usage.total() == Decimal(3)


@pytest.mark.parametrize(
    ("door", "message"),
    [
        (
            lambda: rk.Span("2026-01-01T00:00:00Z", "9999-12-31T23:00:00-05:00"),
            (
                "Span end '9999-12-31T23:00:00-05:00' lies outside the instants ratekit represents "
                f"({INSTANTS}) once converted to UTC."
            ),
        ),
        (
            lambda: rk.Event("a", "r", "9999-12-31T23:00:00-05:00", kind="start", id="e1"),
            (
                "event 'e1' at '9999-12-31T23:00:00-05:00' lies outside the instants ratekit "
                f"represents ({INSTANTS}) once converted to UTC."
            ),
        ),
        (
            lambda: rk.Span.from_us(0, 253_402_300_800_000_000),
            (
                "Span.from_us end_us 253402300800000000 µs lies outside the instants ratekit "
                "represents (-62135596800000000 to 253402300799999999 µs since the epoch, that is "
                f"{INSTANTS})."
            ),
        ),
        (
            lambda: rk.plandata.load(
                {"type": "cycles.Every", "period_us": HOUR_US, "anchor_us": 253402300800000000},
                path="cycle",
            ),
            (
                "cycle.anchor_us: Every anchor_us 253402300800000000 µs lies outside the instants ratekit "
                "represents (-62135596800000000 to 253402300799999999 µs since the epoch, that is "
                f"{INSTANTS})."
            ),
        ),
    ],
)
def test_doors_name_the_value_given_and_the_range(door: typing.Any, message: str) -> None:
    with pytest.raises(rk.RatekitError) as raised:
        door()
    assert str(raised.value) == message


def test_a_cycle_reaching_past_the_calendars_at_the_top_names_the_instant_given() -> None:
    # A calendar whose elements stop (raise) above index 10: the cycle containing the
    # instant of element 10 has no end. was: the message named that instant + 1 µs.
    base = MIN_CALENDAR_US + 10 * HOUR_US

    def at(k: int) -> int:
        if k > 10:
            raise rk.BadTimeError("no such element")
        return base + k * HOUR_US

    cache = BoundaryCache(at, lambda t_us: (t_us - base) // HOUR_US, owner="hours")
    assert cache.containing(base + 5 * HOUR_US) == (base + 5 * HOUR_US, base + 6 * HOUR_US)
    with pytest.raises(rk.BadTimeError) as raised:
        cache.containing(base + 10 * HOUR_US)
    assert str(raised.value) == (
        "hours: the cycle containing 0002-01-01T20:00:00Z ends after year 9999 (the nearest "
        "boundary ratekit's calendars reach is 0002-01-01T20:00:00Z); give instants whose "
        "cycles lie within years 1 to 9999."
    )


def test_prorating_the_last_calendar_day_by_days_counts_it() -> None:
    # was: BadTimeError naming 9998-12-31T00:00:00.000001Z, an instant the count computed
    # one microsecond past the span (the cycle itself is one calendars support)
    last = rk.Span("9998-12-30T00:00:00Z", "9998-12-31T00:00:00Z")
    assert rk.cycles.prorate(last, last, basis="days", tz="UTC") == 1
    half = rk.Span("9998-12-30T12:00:00Z", "9998-12-31T00:00:00Z")
    assert rk.cycles.prorate(half, last, basis="days", tz="UTC") == 1
    plan = rk.Plan(
        "p", "EUR", rk.cycles.daily(tz="UTC"), [], fees=[rk.Fee("f", 1)], proration="days"
    )
    (fee,) = rk.rate([], plan, span=half, accounts=["a"]).charges
    assert fee.amount == 1


def test_prorating_by_days_past_the_calendars_names_the_span_given() -> None:
    part = rk.Span("9999-12-01T00:00:00Z", "9999-12-05T00:00:00Z")
    cycle = rk.Span("9999-12-01T00:00:00Z", "9999-12-31T23:59:59Z")
    with pytest.raises(rk.BadTimeError) as caught:
        rk.cycles.prorate(part, cycle, basis="days", tz="UTC")
    assert str(caught.value) == (
        "prorate by days over the cycle Span('9999-12-01T00:00:00Z', '9999-12-31T23:59:59Z'): "
        "the cycle reaches outside the range ratekit's calendars support (years 2 to 9998: "
        "from 0002-01-01T00:00:00Z, inclusive, to 9998-12-31T00:00:00Z, exclusive); prorate "
        "by days within it, or use basis='seconds'."
    )
