"""Cycles at the ends of the years ratekit's calendars support (2 to 9998)."""

from __future__ import annotations

import datetime as dt
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
