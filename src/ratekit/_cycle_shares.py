"""The shares of a cycle an account's plans are due for, each day counted once.

A plan's fees, minimums, bases and allowances are due by the share of the cycle (or of
an allowance's own period) the plan covers, by its proration: covered time over the
cycle's time (``"seconds"``), or whole local days in the plan's zone over the cycle's
(``"days"``; a day counts for the part that holds its last instant). Plans that follow
each other and count alike cut the cycle into shares that add up to the whole. Plans
that count differently (days in two zones, or days and seconds) do not: a plan counting
days in Pacific/Kiritimati (UTC+14) until 1 March 11:00Z holds Kiritimati's midnight of
1 March 10:00Z (1 of 31 days), and one counting UTC days from 11:00Z holds the UTC
midnights of 2 March to 1 April (31 of 31): a fee of 31 would be due for 32.

So the cycle is counted once, as one position that grows from 0 at its start to 1 at
its end. Where a plan is in force, the position is the share of the cycle that has
elapsed by that plan's count, or the position reached before it if that is further
along; at a change of plan, both plans count and the position is the further of the
two. Each part of a plan is due for the position at its end less the position at its
start. So the shares of a cycle add up to 1 at most, and to exactly 1 when plans cover
it all; between plans that count alike they are each plan's own count, as before.
At the change above, both count at 11:00Z: Kiritimati days 1 of 31, UTC days 0 of 31.
The outgoing plan is due for the day of its own zone that ended while it was in force
(1 of 31); the incoming plan for the rest (30 of 31), not for the UTC day of 1 March,
whose first ten hours that Kiritimati day already counted.

A charge's amount is prorated by its exact share. Its quantity (the share as a Decimal)
is, where the cycle has two parts or more (plans that count alike or otherwise, or one
plan assigned twice), the positions at its ends each rounded to 60 decimal places, less
one another, so that the quantities of a cycle add up to 1 at most exactly; where the
cycle has one part, its share is rounded on its own.

The rule follows what billing systems that prorate by days do, where there is one
calendar: "days used before the upgrade" are the old plan's and the remaining days of
the period the new plan's, each day charged once (Lago, "Upgrades and downgrades",
https://getlago.com/docs/guide/subscriptions/upgrades-downgrades: a plan changed on
15 January is due for 14 of 31 days, the new plan for the rest; Chargebee prorates by
"the number of days in the current billing cycle",
https://www.chargebee.com/docs/proration-old.html: 20 days used and 10 remaining of 30).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Final

from ._decimals import CONTEXT, ONE, tidy
from ._zones import zone_key
from .spans import Span

if TYPE_CHECKING:
    from .pricebook import Plan

__all__ = ["CycleShares"]

_PLACES: Final = Decimal("1e-60")


def _counts(plan: Plan) -> object:
    """How ``plan`` counts a share of a cycle: None by seconds, else its days' zone."""
    days = plan._days
    return None if days is None else zone_key(days.tz)


class CycleShares:
    """The shares of one period (a cycle) that an account's plans are due for.

    ``parts``: the account's assignments ``(start_us, end_us, plan)``, in order and
    disjoint, over any span: those that reach into ``period`` (start, end) make its
    chain of plans. Building it measures each part's ends: O(p) whole-day counts for p
    parts in the period; `share` is then O(log p).
    """

    __slots__ = ("_alike", "_at_start", "_parts", "_period", "_starts")

    def __init__(self, parts: Iterable[tuple[int, int, Plan]], period: tuple[int, int]) -> None:
        lo, hi = period
        self._period = Span.from_us(lo, hi)
        self._parts = [
            (max(a, lo), min(b, hi), plan) for a, b, plan in parts if max(a, lo) < min(b, hi)
        ]
        self._starts = [a for a, _, _ in self._parts]
        # Plans that count alike need no chain: each part's own share is its share.
        plans = {id(plan): plan for _, _, plan in self._parts}
        self._alike = len(plans) <= 1 or len({_counts(plan) for plan in plans.values()}) == 1
        self._at_start: list[Fraction] = []
        if len(self._parts) <= 1:
            return  # one part: its share alone, rounded on its own, is at most 1
        reached = Fraction(0)
        for a, b, plan in self._parts:
            reached = max(reached, self._elapsed(plan, a))
            self._at_start.append(reached)
            reached = max(reached, self._elapsed(plan, b))

    def _elapsed(self, plan: Plan, at_us: int) -> Fraction:
        """The share of the period that has elapsed at ``at_us`` by ``plan``'s count."""
        start_us = self._period.start_us
        if at_us <= start_us:
            return Fraction(0)
        return Fraction(*plan._share(start_us, at_us, self._period))

    def _position(self, index: int, at_us: int) -> Fraction:
        """The period's position at ``at_us``, inside part ``index`` or at its end."""
        if at_us == self._parts[index][0]:
            return self._at_start[index]
        following = index + 1
        if following < len(self._parts) and self._starts[following] == at_us:
            return self._at_start[following]  # a change: the further of both counts
        return max(self._at_start[index], self._elapsed(self._parts[index][2], at_us))

    def _part(self, plan: Plan, start_us: int, end_us: int) -> int | None:
        """The index of the part of ``plan`` holding ``[start_us, end_us)``, if one does."""
        index = bisect.bisect_right(self._starts, start_us) - 1
        if index < 0:
            return None
        _, b, held = self._parts[index]
        return index if held is plan and end_us <= b else None

    def share(self, plan: Plan, start_us: int, end_us: int) -> tuple[int, int]:
        """The share of the period ``plan`` is due for over ``[start_us, end_us)``.

        As a ratio ``(numerator, denominator)``; the span lies in one part of ``plan``
        (an assignment of it, inside the period). Plans that count alike: the plan's own
        share (`Plan._share`). Else the position at the end less the position at the start.
        """
        if start_us >= end_us:
            return 0, 1
        index = None if self._alike else self._part(plan, start_us, end_us)
        if index is None:
            return plan._share(start_us, end_us, self._period)
        share = self._position(index, end_us) - self._position(index, start_us)
        return share.numerator, share.denominator

    def quantity(self, plan: Plan, start_us: int, end_us: int) -> Decimal | None:
        """`share` as a charge's quantity, where the period has two parts or more; else None.

        The positions at both ends, each rounded to 60 decimal places, less one another:
        so the quantities of a period's parts add up exactly as their positions do, to 1
        at most. (Each share rounded on its own, at its 60th significant digit, a share of
        7 minutes of March and the rest, or 1/12 and 11/12, could add up to 1.000...03.)
        Where the period has one part only, its share is rounded on its own (None).
        """
        index = (
            None if not self._at_start or start_us >= end_us else self._part(plan, start_us, end_us)
        )
        if index is None:
            return None
        end = _rounded(self._position(index, end_us))
        return tidy(CONTEXT.subtract(end, _rounded(self._position(index, start_us))))


def _rounded(position: Fraction) -> Decimal:
    """``position`` (in [0, 1]) rounded to 60 decimal places: exact, and monotone."""
    if position >= 1:
        return ONE
    value = CONTEXT.divide(Decimal(position.numerator), Decimal(position.denominator))
    return value.quantize(_PLACES, context=CONTEXT)
