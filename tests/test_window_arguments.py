"""A window's constructor called with arguments it does not take says what it takes.

Python refuses such a call with a bare ``TypeError`` (``daily() missing 1 required
keyword-only argument: 'tz'``). Every public constructor of `ratekit.windows` (the
factories ``daily``, ``weekly``, ``weekends``, ``cron``, ``union``, ``intersection``,
``complement``, and the classes) and every class of `ratekit.cycles` refuse it as the
cycle factories do (`tests/test_cycle_arguments.py`): a `RatekitTypeError` naming the
constructor, what was wrong and what it takes. A refusal of a value raised inside passes
as it is.
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
NIGHTS = rk.windows.daily("22:00", "06:00", tz="UTC")


def _refusal(call: Callable[[], object]) -> str:
    with pytest.raises(rk.RatekitTypeError) as raised:
        call()
    assert raised.value.__cause__ is None  # the call was refused, no error to chain
    return str(raised.value)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: rk.windows.daily("20:00", "08:00"),
            (
                "windows.daily() needs tz; it takes start and end (local times such as '22:00', "
                f"or datetime.time values), and {TZ} by keyword."
            ),
        ),
        (
            lambda: rk.windows.daily("20:00", "08:00", "Europe/Berlin"),
            (
                "windows.daily() was given 3 argument(s) by position; it takes start and end (local "
                f"times such as '22:00', or datetime.time values), and {TZ} by keyword."
            ),
        ),
        (
            lambda: rk.windows.daily("20:00", "08:00", zone="Europe/Berlin"),
            (
                "windows.daily() takes no argument 'zone'; it takes start and end (local times such "
                f"as '22:00', or datetime.time values), and {TZ} by keyword."
            ),
        ),
        (
            lambda: rk.windows.weekly(("Fri", "18:00"), ("Mon", "08:00")),
            (
                "windows.weekly() needs tz; it takes start and end ((weekday, time) pairs such as "
                f"('Fri', '18:00')), and {TZ} by keyword."
            ),
        ),
        (rk.windows.weekends, f"windows.weekends() needs tz; it takes {TZ}, by keyword."),
        (
            lambda: rk.windows.weekends("Europe/Zurich"),
            f"windows.weekends() was given 1 argument(s) by position; it takes {TZ}, by keyword.",
        ),
        (
            lambda: rk.windows.cron("0 22 * * *", "0 6 * * *"),
            (
                "windows.cron() needs tz; it takes start and end (cron expressions such as "
                f"'0 22 * * *'), and {TZ} by keyword."
            ),
        ),
        (
            rk.windows.complement,
            "windows.complement() needs window; it takes one window, by position.",
        ),
        (
            lambda: rk.windows.union(NIGHTS, tz="UTC"),
            "windows.union() takes no argument 'tz'; it takes windows by position (one or more).",
        ),
        (
            rk.windows.DailyWindow,
            (
                f"windows.DailyWindow() needs tz, start_seconds and end_seconds; it takes {TZ}, "
                "start_seconds and end_seconds (seconds after local midnight, 0 to 86399); "
                "windows.daily(start, end, tz=...) builds one from local times."
            ),
        ),
        (
            lambda: rk.windows.CronWindow("0 22 * * *", "0 6 * * *"),
            (
                "windows.CronWindow() needs tz; it takes start and end (cron expressions such as "
                f"'0 22 * * *') and a {TZ}."
            ),
        ),
        (
            rk.windows.Complement,
            (
                "windows.Complement() needs window; it takes window (one window); "
                "windows.complement(window) or ~ builds one."
            ),
        ),
        (
            rk.cycles.Daily,
            f"cycles.Daily() needs tz; it takes {TZ}; cycles.daily(tz=...) builds one.",
        ),
        (
            lambda: rk.cycles.Monthly(day=3),
            (
                f"cycles.Monthly() needs tz; it takes {TZ}, day (1 to 31), months (1, 3 or 12) and "
                "month (1 to 12); cycles.monthly, quarterly or yearly(tz=..., month=..., day=...) "
                "build one."
            ),
        ),
        (
            lambda: rk.cycles.Hourly("UTC"),
            (
                "cycles.Hourly() was given 1 argument(s) by position; it takes no arguments: call "
                "cycles.hourly()."
            ),
        ),
        (
            lambda: rk.cycles.Every(3_600_000_000),
            (
                "cycles.Every() needs anchor_us; it takes period_us and anchor_us (ints of "
                "microseconds); cycles.every(period, anchor) builds one from a timedelta and an "
                "instant."
            ),
        ),
    ],
)
def test_a_call_a_constructor_cannot_bind_is_refused_saying_what_it_takes(
    call: Callable[[], object], message: str
) -> None:
    assert _refusal(call) == message


def test_a_refusal_raised_inside_a_constructor_passes_as_it_is() -> None:
    assert _refusal(lambda: rk.windows.Complement("night")).startswith(  # type: ignore[arg-type]
        "Complement window must be"
    )
    with pytest.raises(rk.BadCalendarError, match="Daily tz 'Mars/Olympus'"):
        rk.cycles.Daily("Mars/Olympus")  # type: ignore[arg-type]
    # The wrapped constructors keep their names and signatures.
    assert rk.windows.daily.__name__ == "daily"
    assert (
        str(inspect.signature(rk.windows.weekends))
        == "(*, tz: 'str | _dt.tzinfo') -> 'WeeklyWindow'"
    )
    assert list(inspect.signature(rk.windows.DailyWindow).parameters) == [
        "tz",
        "start_seconds",
        "end_seconds",
    ]


def test_a_good_call_still_builds_what_it_did() -> None:
    # 22:00 to 06:00 UTC: 8 hours a night, of a day's 24.
    day = rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
    assert NIGHTS.within(day).duration == dt.timedelta(hours=8)
    assert rk.windows.DailyWindow(NIGHTS.tz, 79_200, 21_600) == NIGHTS
    assert rk.windows.complement(NIGHTS).within(day).duration == dt.timedelta(hours=16)
    assert rk.cycles.Monthly(dt.UTC, 31) == rk.cycles.monthly(tz="UTC", day=31)


CONSTRUCTORS: dict[str, Callable[..., object]] = {
    f"{module.__name__.rpartition('.')[2]}.{name}": getattr(module, name)
    for module in (rk.windows, rk.cycles)
    for name in module.__all__
    if name not in {"Cycle", "Window", "prorate"}
}
_VALUES = st.sampled_from(
    ["UTC", "Europe/Zurich", "22:00", ("Sat", "00:00"), "0 22 * * *", 1, 0, None, NIGHTS]
)
_NAMES = st.sampled_from(["tz", "start", "end", "window", "day", "zone", "start_seconds"])


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    name=st.sampled_from(sorted(CONSTRUCTORS)),
    args=st.lists(_VALUES, max_size=4),
    kwargs=st.dictionaries(_NAMES, _VALUES, max_size=3),
)
def test_law_a_constructor_gives_a_value_or_a_ratekit_error(
    name: str, args: list[Any], kwargs: dict[str, Any]
) -> None:
    # Oracle: the constructor's own signature. A call it cannot bind is a RatekitTypeError
    # naming it; one it binds gives a value or a RatekitError, never another error.
    constructor = CONSTRUCTORS[name]
    try:
        inspect.signature(constructor).bind(*args, **kwargs)
    except TypeError:
        assert _refusal(lambda: constructor(*args, **kwargs)).startswith(f"{name}() ")
        return
    try:
        constructor(*args, **kwargs)
    except rk.RatekitError:
        return
