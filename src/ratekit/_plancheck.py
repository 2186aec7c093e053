"""The checks a cycle or window loaded from plan data gets, as its constructor gives them.

The classes of cycles and windows do not check their fields: the functions that build
them (``rk.cycles.monthly``, ``rk.windows.daily``, ...) do. Plan data builds the classes
from their fields, so each such value is checked here by the same rules, through the
same functions, and a bad one is refused when it is loaded rather than when it is used.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from typing import Any, Final

from . import cycles, windows
from .errors import BadCalendarError

__all__ = ["CHECKS"]


def _check_monthly(value: cycles.Monthly) -> None:
    if value.months == 1 and value.month == 1:
        checked = cycles.monthly(tz=value.tz, day=value.day)
    elif value.months == 3:
        checked = cycles.quarterly(tz=value.tz, month=value.month, day=value.day)
    elif value.months == 12:
        checked = cycles.yearly(tz=value.tz, month=value.month, day=value.day)
    else:
        raise BadCalendarError(
            f"a monthly cycle of {value.months!r} months starting in month {value.month!r} "
            "is not one ratekit builds; give months 1 (with month 1), 3 (quarters, month 1 "
            "to 3) or 12 (years, month 1 to 12)."
        )
    if checked != value:
        raise BadCalendarError(
            f"quarters starting in month {value.month!r} are written with month "
            f"{checked.month} (the first quarter of the year that starts in the same cycle)."
        )


def _check_every(value: cycles.Every) -> None:
    if value.period_us <= 0 or not 0 <= value.anchor_us < value.period_us:
        raise BadCalendarError(
            f"an every cycle needs period_us > 0 and 0 <= anchor_us < period_us, not "
            f"period_us={value.period_us!r}, anchor_us={value.anchor_us!r}."
        )


def _seconds(value: object, what: str) -> str:
    if not 0 <= typing.cast("int", value) < _SECONDS_PER_DAY:
        raise BadCalendarError(
            f"{what} {value!r} is not a time of day in seconds; give 0 to 86399 (22:00 is 79200)."
        )
    seconds = typing.cast("int", value)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _check_daily_window(value: windows.DailyWindow) -> None:
    windows.daily(
        _seconds(value.start_seconds, "daily window start_seconds"),
        _seconds(value.end_seconds, "daily window end_seconds"),
        tz=value.tz,
    )


def _check_weekly_window(value: windows.WeeklyWindow) -> None:
    for day, what in ((value.start_weekday, "start_weekday"), (value.end_weekday, "end_weekday")):
        if not 0 <= day <= 6:
            raise BadCalendarError(
                f"weekly window {what} {day!r} is not a weekday; give 0 (Monday) to 6 (Sunday)."
            )
    windows.weekly(
        (value.start_weekday, _seconds(value.start_seconds, "weekly window start_seconds")),
        (value.end_weekday, _seconds(value.end_seconds, "weekly window end_seconds")),
        tz=value.tz,
    )


def _check_weekly(value: cycles.Weekly) -> None:
    cycles.weekly(tz=value.tz, weekday=value.weekday)


#: The values whose class alone does not check its fields: each is checked as the public
#: constructor (``rk.cycles.monthly``, ``rk.windows.daily``, ...) would check it.
CHECKS: Final[Mapping[type, Callable[[Any], object]]] = {
    cycles.Monthly: _check_monthly,
    cycles.Weekly: _check_weekly,
    cycles.Every: _check_every,
    windows.DailyWindow: _check_daily_window,
    windows.WeeklyWindow: _check_weekly_window,
    windows.CronWindow: lambda value: windows.cron(value.start, value.end, tz=value.tz),
    windows.Union: lambda value: windows.union(*value.windows),
    windows.Intersection: lambda value: windows.intersection(*value.windows),
    windows.Complement: lambda value: windows.complement(value.window),
}
_SECONDS_PER_DAY: Final = 86_400
