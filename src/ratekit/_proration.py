"""Proration: the fraction of a billing cycle that a part of it makes up.

Public through `ratekit.cycles` ([`prorate()`][ratekit.cycles.prorate]).
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Literal, cast

from ._calendar import CALENDAR_RANGE, MAX_BOUNDARIES, in_calendars
from ._call_arguments import factory
from ._cycles_calendar import Daily
from ._decimals import CONTEXT, ZERO
from ._instants import US_PER_DAY
from ._shown import show
from ._text import plain_choice
from ._zones import zone
from .errors import BadCalendarError, BadSpanError, BadTimeError, RatekitTypeError
from .spans import Span

__all__ = ["prorate"]


@factory(
    "prorate",
    "part and cycle (two Span values, the part inside the cycle), and by keyword basis "
    "('seconds' or 'days') and tz (the customer's timezone, for 'days')",
)
def prorate(
    part: Span,
    cycle: Span,
    *,
    basis: Literal["seconds", "days"] = "seconds",
    tz: str | _dt.tzinfo | Daily | None = None,
) -> Decimal:
    """The fraction of ``cycle`` that ``part`` makes up, in [0, 1]; the denominator is the whole cycle.

    ``part`` must lie inside ``cycle`` (an empty part is inside every cycle and gives 0).

    - ``basis="seconds"``: elapsed time of the part over elapsed time of the cycle.
    - ``basis="seconds"`` takes no ``tz`` (elapsed time has none): one given is refused
      rather than ignored.
    - ``basis="days"``: whole local days in the customer's timezone ``tz`` (a name, a
      tzinfo or a [`daily()`][ratekit.cycles.daily] cycle, which is faster when reused). A local day counts for
      the part that holds its last instant: a day that a part enters partway counts, a day
      it leaves partway does not. So the day of a change counts for the part after the
      change, a part within one day counts 0 days, and the days of parts that cut a cycle
      into pieces always add up to the cycle's days. The cycle's days count the same way.

    The result is computed in ratekit's decimal context (60 digits): the fractions of such
    parts add up to exactly 1 when each terminates (15 of 30 days), and otherwise to 1
    within half a unit of the 60th digit per part (10, 10 and 11 of 31 days add up to
    1 - 1E-60).

    Examples:
        >>> import ratekit as rk
        >>> april = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
        >>> rk.cycles.prorate(rk.Span("2026-04-11T12:00:00Z", april.end), april)  # 19.5 of 30 days
        Decimal('0.65')
        >>> later = rk.Span("2026-04-16T12:00:00Z", april.end)
        >>> rk.cycles.prorate(later, april, basis="days", tz="UTC")  # Apr 16..30: 15 of 30
        Decimal('0.5')
        >>> rk.cycles.prorate(april, later)
        Traceback (most recent call last):
        ...
        ratekit.BadSpanError: prorate part Span('2026-04-01T00:00:00Z', '2026-05-01T00:00:00Z') is not inside the cycle Span('2026-04-16T12:00:00Z', '2026-05-01T00:00:00Z'); split the part at the cycle's boundaries first (cycle.split(span)).
    """
    if not isinstance(part, Span) or not isinstance(cycle, Span):
        raise RatekitTypeError(
            f"prorate takes two Span values, not {type(part).__name__} and {type(cycle).__name__}."
        )
    if not cycle:
        raise BadSpanError(f"prorate cycle {cycle!r} is empty; a cycle has a positive length.")
    if part not in cycle:
        raise BadSpanError(
            f"prorate part {part!r} is not inside the cycle {cycle!r}; "
            "split the part at the cycle's boundaries first (cycle.split(span))."
        )
    # The basis, the timezone and the cycle's days are checked before an empty part gives
    # 0, so that a wrong one is refused whatever the part.
    basis = cast(Literal["seconds", "days"], plain_choice(basis))
    if not isinstance(basis, str):  # compared only as text: an object's own __eq__ may raise
        raise BadCalendarError(
            f"prorate basis {show(basis)} is not known; give 'seconds' or 'days'."
        )
    if basis == "seconds":
        if tz is not None:
            if not isinstance(tz, Daily):
                zone(tz, "prorate tz")  # (a timezone refused as any door refuses it)
            raise BadCalendarError(
                f"prorate basis 'seconds' counts elapsed time, so the timezone {show(tz)} "
                "would change nothing; leave tz out, or pass basis='days' to count whole "
                "local days in it."
            )
        if not part:
            return ZERO
        return CONTEXT.divide(
            Decimal(part.end_us - part.start_us), Decimal(cycle.end_us - cycle.start_us)
        )
    if basis == "days":
        if tz is None:
            raise BadCalendarError(
                "prorate basis 'days' counts local days, so it needs the customer's timezone: "
                "pass tz='Europe/Zurich' (an IANA name, a tzinfo or a cycles.daily(...) cycle)."
            )
        days = tz if isinstance(tz, Daily) else Daily(zone(tz, "prorate tz"))
        total = _local_days(days, cycle, "cycle")
        if total == 0:
            raise BadCalendarError(
                f"prorate cycle {cycle!r} holds no whole local day in {days!r}, so it cannot "
                "be prorated by days; use basis='seconds'."
            )
        if not part:
            return ZERO
        covered = _local_days(days, part, "part")
        return CONTEXT.divide(Decimal(covered), Decimal(total))
    raise BadCalendarError(f"prorate basis {show(basis)} is not known; give 'seconds' or 'days'.")


def _local_days(days: Daily, span: Span, what: str) -> int:
    """How many local midnights ``span`` holds, its end included (whole local days).

    Refused as the cycle refuses it past `MAX_BOUNDARIES`, and outside the years calendars
    support, naming the span given (never an instant computed from it).
    """
    if not (in_calendars(span.start_us) and in_calendars(span.end_us - 1)):
        raise BadTimeError(
            f"prorate by days over the {what} {span!r}: the {what} reaches outside the range "
            f"ratekit's calendars support ({CALENDAR_RANGE}); prorate by days within it, or "
            "use basis='seconds'."
        )
    try:
        return whole_days(days, span.start_us, span.end_us)
    except BadSpanError:
        count = (span.end_us - span.start_us) // US_PER_DAY
        raise BadSpanError(
            f"prorate by days over the {what} {span!r} would count about {count:,} local "
            f"days in {days!r}, more than the {MAX_BOUNDARIES:,} one call computes; prorate "
            "a shorter span, or use basis='seconds'."
        ) from None


def whole_days(days: Daily, start_us: int, end_us: int) -> int:
    """The local midnights in ``(start_us, end_us]`` (``start_us < end_us``).

    The midnights strictly inside, and ``end_us`` when it is one (the day containing the
    instant before it ends there): never an instant past ``end_us`` is asked, so a span
    that ends at the last instant calendars support is counted too.
    """
    inside = len(days.boundaries_us(start_us, end_us))
    return inside + (days.containing_us(end_us - 1)[1] == end_us)
