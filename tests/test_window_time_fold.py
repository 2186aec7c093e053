"""A window's time of day given as a datetime.time with fold=1 is refused, not ignored.

PEP 495's ``fold=1`` names the second occurrence of a repeated wall time; a window's
times are read alike on every day and a repeated one is its first occurrence
(docs/calendars.md), so ``time(2, 30, fold=1)`` meant something the window would not do:
on 25 October 2026 in Zurich (clocks back at 03:00 CEST to 02:00 CET) a window from the
second 02:30 to 04:00 lasts 1 h 30 min, but read as the first 02:30 it lasts 2 h 30 min.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

import ratekit as rk

FOLD = (
    "has fold=1, the second occurrence of a repeated wall time, which only a date can "
    "name: a window's times are read alike on every day, and on a day the clocks go back "
    "a repeated time is its first occurrence; give the time with fold=0."
)


@pytest.mark.parametrize(
    ("build", "what"),
    [
        (lambda t: rk.windows.daily(t, "04:00", tz="Europe/Zurich"), "daily window start"),
        (lambda t: rk.windows.daily("01:00", t, tz="Europe/Zurich"), "daily window end"),
        (
            lambda t: rk.windows.weekly(("Sun", t), ("Mon", "00:00"), tz="Europe/Zurich"),
            "weekly window start time",
        ),
    ],
)
def test_a_time_with_fold_1_is_refused_naming_it(
    build: Callable[[dt.time], object], what: str
) -> None:
    with pytest.raises(rk.BadCalendarError) as caught:
        build(dt.time(2, 30, fold=1))
    assert str(caught.value) == f"{what} datetime.time(2, 30, fold=1) {FOLD}"


def test_the_same_time_with_fold_0_is_its_first_occurrence() -> None:
    # 25 Oct 2026, Zurich: the first 02:30 is 00:30Z (CEST, +02:00); 04:00 CET is 03:00Z:
    # 2 h 30 min.
    window = rk.windows.daily(dt.time(2, 30), "04:00", tz="Europe/Zurich")
    day = rk.Span("2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z")
    assert window.within(day).duration == dt.timedelta(hours=2, minutes=30)
