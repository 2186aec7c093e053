"""Recurring windows: parts of time that repeat in an explicit timezone (nights, weekends).

A window is a set of half-open spans that recurs: every night from 22:00 to 06:00, every
Tuesday 02:00 to Wednesday 02:00, every weekend, or between the firings of two cron
expressions (as in Aquarium's pricelists). Pricelists use windows to put an entry in
effect only part of the time.

Windows are defined by local wall-clock times in an explicit IANA timezone, and measured
as instants: a 22:00-06:00 night during which clocks move forward lasts 7 hours, one
during which they move back 9. A start or end at a local time that DST skips moves to the
first instant after the gap; one at a local time that happens twice is its first
occurrence (the same rule as billing cycles).

Windows are immutable values compared by their parameters; each caches its spans as
integer microseconds, so [`within_us()`][ratekit.windows.Window.within_us] costs a bisection once a part of time
has been seen. ``|``, ``&`` and ``~`` combine the built-in windows ([`union()`][ratekit.windows.union],
[`intersection()`][ratekit.windows.intersection] and [`complement()`][ratekit.windows.complement] take any window).

The windows live in three private modules, one concept each: the protocol and its set
algebra (``_windows_algebra``), daily and weekly windows (``_windows_recurring``), cron
windows (``_windows_cron``).

Examples:
    >>> import ratekit as rk
    >>> nights = rk.windows.daily("22:00", "06:00", tz="Europe/Zurich")
    >>> week = rk.Span("2026-03-27T12:00:00Z", "2026-03-30T12:00:00Z")
    >>> for night in nights.within(week):
    ...     print(night, night.duration)
    Span('2026-03-27T21:00:00Z', '2026-03-28T05:00:00Z') 8:00:00
    Span('2026-03-28T21:00:00Z', '2026-03-29T04:00:00Z') 7:00:00
    Span('2026-03-29T20:00:00Z', '2026-03-30T04:00:00Z') 8:00:00
    >>> (~nights).within(rk.Span("2026-03-28T04:00:00Z", "2026-03-28T22:00:00Z"))
    SpanSet([Span('2026-03-28T05:00:00Z', '2026-03-28T21:00:00Z')])
"""

from __future__ import annotations

from ._doctests import method_examples
from ._windows_algebra import (
    Complement,
    Intersection,
    Union,
    Window,
    complement,
    intersection,
    union,
)
from ._windows_cron import CronWindow, cron
from ._windows_recurring import DailyWindow, WeeklyWindow, daily, weekends, weekly

__all__ = [
    "Complement",
    "CronWindow",
    "DailyWindow",
    "Intersection",
    "Union",
    "WeeklyWindow",
    "Window",
    "complement",
    "cron",
    "daily",
    "intersection",
    "union",
    "weekends",
    "weekly",
]

# The public names say where users find them (reprs, docs, pickles): ratekit.windows.
for _name in __all__:
    globals()[_name].__module__ = __name__
del _name

# The doctest finder reaches a class's methods only from the module that defines them, so
# the examples of the re-exported classes' methods are named here, where their classes are.
__test__ = method_examples(globals(), __all__)
