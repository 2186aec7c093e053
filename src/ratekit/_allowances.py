"""Allowances in rating: free units per period, consumed in time order, exactly.

Each allowance of a plan is a pool per period (the billing cycle, or the allowance's own
cycle), kept as an exact fraction; usage before the span rated consumes an own-period
pool first. `_Allowances` is mixed into the rating engine, which provides the
state it declares.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Final, Protocol

from ._decimals import ZERO
from ._dues import _exact as _decimal
from ._dues import _split
from .pricebook import Plan
from .spans import Span
from .terms import Allowance
from .usage import UsageRow

_NOTHING: Final = Fraction(0)


def _part(row: UsageRow, lo: int, hi: int) -> Decimal:
    """The part of a row's quantity inside ``[lo, hi)``, in proportion to time."""
    start, end = row.span.start_us, row.span.end_us
    if start == end:
        return row.quantity if lo <= start < hi else ZERO
    lo, hi = max(lo, start), min(hi, end)
    if hi <= lo:
        return ZERO
    cuts = [t for t in (lo, hi) if start < t < end]
    return _split(row.quantity, start, end, cuts)[1 if lo > start else 0][2]


class _Freed(Protocol):
    """A piece of usage an allowance can make free."""

    row: UsageRow
    span: Span
    quantity: Decimal
    plan: Plan
    cycle: tuple[int, int]
    free: Decimal
    free_exact: Fraction


def place(piece: _Freed) -> tuple[int, int, str]:
    """Where a piece stands in time order: (span start, span end, resource)."""
    return (piece.span.start_us, piece.span.end_us, piece.row.resource)


class _Allowances:
    """Allowance pools, for the rating engine that provides this state."""

    start_us: int
    plans: list[Plan]
    used_before: dict[tuple[str, int, str, tuple[int, int]], Fraction]

    def plans_of(self, account: str) -> list[tuple[int, int, Plan]]:
        raise NotImplementedError  # pragma: no cover - provided by the engine

    def share(self, account: str, plan: Plan, cycle: tuple[int, int]) -> tuple[int, int]:
        raise NotImplementedError  # pragma: no cover - provided by the engine

    def allow(self, pieces: Iterable[_Freed]) -> None:
        """Make the first units of each allowance's period free, in time order.

        Each allowance of a piece's plan on its meter is a pool per period (the billing
        cycle, or the allowance's own cycle), kept as an exact fraction: prorated by the
        plan's share of the period, less what usage before the span consumed. Pieces of
        an account and meter take from the pools in time order, allowances in plan order.
        """
        groups: dict[tuple[str, str], list[_Freed]] = {}
        for piece in pieces:
            if any(allowance.meter == piece.row.meter for allowance in piece.plan.allowances):
                groups.setdefault((piece.row.account, piece.row.meter), []).append(piece)
        pools: dict[tuple[object, ...], Fraction] = {}
        for (account, meter_name), members in groups.items():
            members.sort(key=place)
            for piece in members:
                if piece.quantity <= 0:
                    continue
                plan = piece.plan
                wanted = Fraction(piece.quantity)
                free = _NOTHING
                for index, allowance in enumerate(plan.allowances):
                    if allowance.meter != meter_name:
                        continue
                    if allowance.cycle is None:
                        period = piece.cycle
                    else:
                        period = allowance.cycle.containing_us(piece.span.start_us)
                    key = (account, id(plan), index, period)
                    left = pools.get(key)
                    if left is None:
                        left = self.pool(account, plan, index, allowance, period)
                    taken = min(left, wanted - free)
                    pools[key] = left - taken
                    free += taken
                    if free == wanted:
                        break
                piece.free_exact = free
                piece.free = _decimal(free)

    def pool(
        self, account: str, plan: Plan, index: int, allowance: Allowance, period: tuple[int, int]
    ) -> Fraction:
        """The quantity an allowance offers in ``period``, exact, before this span's usage."""
        if allowance.cycle is None:  # the billing cycle: prorated to the span, like fees
            numerator, denominator = self.share(account, plan, period)
            return Fraction(allowance.quantity) * numerator / denominator
        # its own period: prorated by the plan's share of the period, not by the span
        period_span = Span.from_us(*period)
        numerator, denominator = 0, 1
        for a, b, p in self.plans_of(account):
            lo, hi = max(a, period[0]), min(b, period[1])
            if p is plan and lo < hi:
                part, denominator = plan._share(lo, hi, period_span)
                numerator += part
        offered = Fraction(allowance.quantity) * numerator / denominator
        used = self.used_before.get((account, id(plan), allowance.meter, period), _NOTHING)
        return max(offered - used, _NOTHING)

    def period_starts(self) -> dict[str, int]:
        """Per meter, the earliest start of an own-period allowance's period before the span."""
        out: dict[str, int] = {}
        for plan in self.plans:
            for allowance in plan.allowances:
                if allowance.cycle is not None:
                    start = allowance.cycle.containing_us(self.start_us)[0]
                    if start < self.start_us:
                        out[allowance.meter] = min(start, out.get(allowance.meter, start))
        return out

    def consume_before(self, rows: Iterable[UsageRow]) -> None:
        """What rows before the span consumed of allowances with their own period.

        For each plan with such an allowance, the positive usage of its meter between the
        start of the allowance's period that contains the span's start and the span's
        start, under that plan (rows split in proportion to time).
        """
        periods: dict[tuple[int, str], list[tuple[int, int]]] = {}
        for plan in self.plans:
            for allowance in plan.allowances:
                if allowance.cycle is not None:
                    period = allowance.cycle.containing_us(self.start_us)
                    if period[0] < self.start_us:
                        periods.setdefault((id(plan), allowance.meter), []).append(period)
        if not periods:
            return
        for row in rows:
            if row.span.start_us >= self.start_us:
                continue
            for a, b, plan in self.plans_of(row.account):
                for period in periods.get((id(plan), row.meter), ()):
                    quantity = _part(row, max(a, period[0]), min(b, self.start_us))
                    if quantity > 0:
                        key = (row.account, id(plan), row.meter, period)
                        self.used_before[key] = self.used_before.get(key, _NOTHING) + Fraction(
                            quantity
                        )
