"""A cycle factory called with arguments it does not take says what it takes.

Python refuses such a call with a bare ``TypeError`` (``hourly() got an unexpected keyword
argument 'tz'``). Each public factory of `ratekit.cycles` (and ``prorate``) now refuses it
with a `RatekitTypeError` naming the factory, what was wrong and what it takes; a
timezone given to ``hourly()`` or ``every()`` is told why they take none. A
``RatekitTypeError`` the factory raises itself (a wrong value) passes as it is.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

TZ = "tz (an IANA name such as 'Europe/Zurich', or a tzinfo)"
HOUR = dt.timedelta(hours=1)
AT = "2026-01-01T00:00:00Z"


def _refusal(call: Callable[[], object]) -> str:
    with pytest.raises(rk.RatekitTypeError) as raised:
        call()
    assert raised.value.__cause__ is None  # the call was refused, no error to chain
    return str(raised.value)


def test_hourly_given_a_timezone_says_its_hours_are_the_same_in_every_zone() -> None:
    # was: TypeError: hourly() got an unexpected keyword argument 'tz'
    assert _refusal(lambda: rk.cycles.hourly(tz="Europe/Zurich")) == (  # type: ignore[call-arg]
        "cycles.hourly() takes no tz: hourly cycles start at every whole UTC hour, the same "
        "instants in every timezone, and a whole local hour wherever the offset from UTC is "
        "whole hours (Europe/Zurich, America/New_York); for the whole local hours of a zone "
        "offset by part of an hour (Asia/Kolkata, +05:30) use cycles.every(timedelta(hours=1), "
        "anchor='2026-01-01T00:00:00+05:30'); it takes no arguments: call cycles.hourly()."
    )


def test_the_hours_of_a_half_hour_zone_are_every_hour_from_a_local_whole_hour() -> None:
    # What the message advises: Kolkata is UTC+05:30, so its whole hours fall at half past
    # UTC hours. 10:15 local (04:45Z) lies in 10:00..11:00 local, 04:30Z..05:30Z; the UTC
    # hour holding it is 04:00Z..05:00Z, 09:30..10:30 local.
    kolkata = rk.cycles.every(HOUR, anchor="2026-01-01T00:00:00+05:30")
    assert kolkata.containing("2026-03-01T10:15:00+05:30") == rk.Span(
        "2026-03-01T04:30:00Z", "2026-03-01T05:30:00Z"
    )
    assert rk.cycles.hourly().containing("2026-03-01T10:15:00+05:30") == rk.Span(
        "2026-03-01T04:00:00Z", "2026-03-01T05:00:00Z"
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: rk.cycles.hourly("UTC"),
            "cycles.hourly() was given 1 argument(s) by position; it takes no arguments: call cycles.hourly().",
        ),
        (
            rk.cycles.monthly,
            f"cycles.monthly() needs tz; it takes {TZ} and day (1 to 31), by keyword.",
        ),
        (
            lambda: rk.cycles.monthly("UTC"),
            f"cycles.monthly() was given 1 argument(s) by position; it takes {TZ} and day (1 to 31), by keyword.",
        ),
        (
            lambda: rk.cycles.monthly(tz="UTC", dy=3),
            f"cycles.monthly() takes no argument 'dy'; it takes {TZ} and day (1 to 31), by keyword.",
        ),
        (
            lambda: rk.cycles.monthly(tz="UTC", month=2),
            (
                "cycles.monthly() takes no month: a monthly cycle starts every month; for cycles "
                "starting in a given month use cycles.quarterly or cycles.yearly(tz=..., month=..., "
                f"day=...); it takes {TZ} and day (1 to 31), by keyword."
            ),
        ),
        (
            lambda: rk.cycles.weekly(tz="UTC", day=2),
            (
                "cycles.weekly() takes no day: a weekly cycle starts on a weekday: give "
                f"weekday='Mon' (or an int, Monday = 0); it takes {TZ} and weekday (a name such as "
                "'Mon', or an int with Monday = 0), by keyword."
            ),
        ),
        (
            lambda: rk.cycles.daily(tz="UTC", day=2),
            f"cycles.daily() takes no day: a daily cycle starts at every local midnight; it takes {TZ}, by keyword.",
        ),
        (
            lambda: rk.cycles.quarterly(tz="UTC", weekday=1),
            f"cycles.quarterly() takes no argument 'weekday'; it takes {TZ}, month (1 to 12) and day (1 to 31), by keyword.",
        ),
        (
            rk.cycles.yearly,
            f"cycles.yearly() needs tz; it takes {TZ}, month (1 to 12) and day (1 to 31), by keyword.",
        ),
        (
            lambda: rk.cycles.every(HOUR),
            (
                "cycles.every() needs anchor; it takes period (a positive datetime.timedelta) and "
                "anchor (the instant one cycle starts at, an aware datetime or an ISO-8601 string "
                "with an offset)."
            ),
        ),
        (
            lambda: rk.cycles.every(HOUR, AT, tz="UTC"),
            (
                "cycles.every() takes no tz: elapsed-time cycles are the same instants in every "
                "timezone, and the anchor's offset places them (anchor='2026-01-01T00:00:00+05:30'); "
                "for local days, weeks or months use cycles.daily, weekly or monthly(tz=...); it "
                "takes period (a positive datetime.timedelta) and anchor (the instant one cycle "
                "starts at, an aware datetime or an ISO-8601 string with an offset)."
            ),
        ),
        (
            lambda: rk.cycles.prorate(rk.Span(AT, AT)),
            (
                "cycles.prorate() needs cycle; it takes part and cycle (two Span values, the part "
                "inside the cycle), and by keyword basis ('seconds' or 'days') and tz (the "
                "customer's timezone, for 'days')."
            ),
        ),
    ],
)
def test_a_call_a_factory_cannot_bind_is_refused_saying_what_it_takes(
    call: Callable[[], object], message: str
) -> None:
    assert _refusal(call) == message


def test_a_refusal_raised_inside_a_factory_passes_as_it_is() -> None:
    # a RatekitTypeError is a TypeError: the factory's own refusal of a value is kept
    assert _refusal(lambda: rk.cycles.every(5, AT)) == (  # type: ignore[arg-type]
        "every period must be a datetime.timedelta, not int: 5."
    )
    assert rk.cycles.hourly.__name__ == "hourly"
    assert str(inspect.signature(rk.cycles.monthly)) == (
        "(*, tz: 'str | _dt.tzinfo', day: 'int' = 1) -> 'Monthly'"
    )


FACTORIES: dict[str, Callable[..., object]] = {
    name: getattr(rk.cycles, name)
    for name in ("hourly", "daily", "weekly", "monthly", "quarterly", "yearly", "every")
}
_VALUES = st.sampled_from(["UTC", "Europe/Zurich", 1, 0, 31, "Mon", HOUR, AT, None, 2.5])
_NAMES = st.sampled_from(["tz", "day", "month", "weekday", "period", "anchor", "zone", "days"])


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    name=st.sampled_from(sorted(FACTORIES)),
    args=st.lists(_VALUES, max_size=3),
    kwargs=st.dictionaries(_NAMES, _VALUES, max_size=3),
)
def test_law_a_factory_gives_a_cycle_or_a_ratekit_error(
    name: str, args: list[Any], kwargs: dict[str, Any]
) -> None:
    # Oracle: the factory's own signature. A call it cannot bind is a RatekitTypeError
    # naming the factory; one it binds gives a cycle or a RatekitError, never another.
    factory = FACTORIES[name]
    try:
        inspect.signature(factory).bind(*args, **kwargs)
    except TypeError:
        assert _refusal(lambda: factory(*args, **kwargs)).startswith(f"cycles.{name}() ")
        return
    try:
        made = factory(*args, **kwargs)
    except rk.RatekitError:
        return
    assert isinstance(made, rk.cycles.Cycle)
