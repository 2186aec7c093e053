"""Billing cycles: calendar periods in an explicit timezone, and proration over them.

A cycle cuts time into consecutive half-open spans ``[start, end)``: every instant lies in
exactly one cycle, and an instant at a cycle's end belongs to the next cycle. Calendar
cycles ([`daily()`][ratekit.cycles.daily], [`weekly()`][ratekit.cycles.weekly], [`monthly()`][ratekit.cycles.monthly], [`quarterly()`][ratekit.cycles.quarterly],
[`yearly()`][ratekit.cycles.yearly]) start at local midnight in an explicit IANA timezone, so they follow DST:
March 2026 in Europe/Zurich lasts 743 hours and October 745. [`hourly()`][ratekit.cycles.hourly] cycles start
at every whole UTC hour; [`every()`][ratekit.cycles.every] repeats a fixed elapsed period from an anchor.

Anniversary days clamp: a monthly cycle on day 31 starts on the last day of shorter months
and returns to the 31st when a month has one. Every boundary is computed from the anchor,
never by adding months to the previous boundary (month addition clamps and drifts).

Local times that DST skips or repeats follow one rule: a boundary at a local time that is
skipped (clocks move forward) moves to the first instant after the gap; a boundary at a
local time that happens twice (clocks move back) is its first occurrence.

Cycles are immutable values compared by their parameters. Each keeps a private cache of
its boundaries as integer microseconds, so after the first use ``split`` and
``boundaries_us`` cost a bisection (about 1 µs), never a timezone computation.

The cycles live in private modules, one concept each: the protocol
(``_cycle_protocol``), calendar cycles (``_cycles_calendar``), elapsed-time cycles
(``_cycles_elapsed``) and proration (``_proration``).

Examples:
    >>> import ratekit as rk
    >>> months = rk.cycles.monthly(tz="Europe/Zurich")
    >>> march = months.containing("2026-03-15T12:00:00Z")
    >>> march
    Span('2026-02-28T23:00:00Z', '2026-03-31T22:00:00Z')
    >>> march.duration.total_seconds() / 3600
    743.0
    >>> months.split(rk.Span("2026-03-30T00:00:00Z", "2026-04-02T00:00:00Z"))
    [Span('2026-03-30T00:00:00Z', '2026-03-31T22:00:00Z'), Span('2026-03-31T22:00:00Z', '2026-04-02T00:00:00Z')]
    >>> april = months.containing("2026-04-10T00:00:00Z")
    >>> after_upgrade = rk.Span("2026-04-16T10:00:00Z", april.end)  # from 12:00 local
    >>> rk.cycles.prorate(after_upgrade, april, basis="days", tz="Europe/Zurich")  # 15 of 30
    Decimal('0.5')
"""

from __future__ import annotations

from ._cycle_protocol import Cycle
from ._cycles_calendar import (
    Daily,
    Monthly,
    Weekly,
    daily,
    monthly,
    quarterly,
    weekly,
    yearly,
)
from ._cycles_elapsed import Every, Hourly, every, hourly
from ._doctests import method_examples
from ._proration import prorate

__all__ = [
    "Cycle",
    "Daily",
    "Every",
    "Hourly",
    "Monthly",
    "Weekly",
    "daily",
    "every",
    "hourly",
    "monthly",
    "prorate",
    "quarterly",
    "weekly",
    "yearly",
]

# The public names say where users find them (reprs, docs, pickles): ratekit.cycles.
for _name in __all__:
    globals()[_name].__module__ = __name__
del _name

# The doctest finder reaches a class's methods only from the module that defines them, so
# the examples of the re-exported classes' methods are named here, where their classes are.
__test__ = method_examples(globals(), __all__)
