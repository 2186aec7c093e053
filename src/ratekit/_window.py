"""The report window of a metering call: its cycles, and exact apportioning.

Private to [`ratekit.meter()`][ratekit.meter]. Cumulative functions are rounded to 1e-24 so that every
split telescopes (see `ratekit.metering`).
"""

from __future__ import annotations

import bisect
import itertools
from decimal import Decimal
from typing import Final, Protocol

from ._cycle_protocol import first_cycle_us, last_cycle_us
from ._decimals import CONTEXT, ZERO
from ._instants import format_us
from .errors import BadSpanError
from .spans import Span

__all__ = ["MAX_PIECES", "CycleLike"]


class CycleLike(Protocol):
    def boundaries_us(self, start_us: int, end_us: int) -> list[int]: ...

    def containing_us(self, t_us: int) -> tuple[int, int]: ...


_SPAN_KEY: Final = 2**66  # start * _SPAN_KEY + end identifies a span of the current resource

#: Cumulative functions are rounded to 1 / _SCALE = 1e-24 (see the module docstring).
_SCALE: Final = 10**24


def _round_ratio(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded to the nearest integer, ties to even. O(1)."""
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient & 1):
        quotient += 1
    return quotient


def _from_scaled(units: int) -> Decimal:
    """The Decimal of ``units`` quanta (``units * 1e-24``), tidy. O(1)."""
    whole, fraction = divmod(units, _SCALE)
    if not fraction:
        return Decimal(whole)
    return Decimal(units).scaleb(-24, CONTEXT).normalize(CONTEXT)


def _apportion(amount: Decimal, t0: int, t1: int, t: int) -> Decimal:
    """``F(t)`` for an amount spread over ``[t0, t1)``: exact at both ends, telescoping.

    In between, ``amount * (t - t0) / (t1 - t0)`` rounded half-even to 1e-24. O(1).
    """
    if t <= t0:
        return ZERO
    if t >= t1:
        return amount
    p, q = amount.as_integer_ratio()
    return _from_scaled(_round_ratio(p * (t - t0) * _SCALE, q * (t1 - t0)))


#: A window with more cycles than this finds its cycles lazily, per resource.
_EAGER_CYCLES: Final = 4096
#: One call cuts one resource's usage into at most this many pieces (else it refuses).
MAX_PIECES: Final = 1_000_000


class _Window:
    """The report window and its cycle pieces.

    Up to `_EAGER_CYCLES` cycles, they are computed once (``cycle_starts``); a window
    of more cycles (a daily cycle over thousands of years) finds them lazily, only where a
    resource has something to meter, so the work follows the records and the cycles they
    touch, not the span.
    """

    __slots__ = (
        "cache",
        "cycle",
        "cycle_spans",
        "cycle_starts",
        "end",
        "lazy",
        "shortest",
        "start",
        "typical",
    )

    def __init__(self, start: int, end: int, cycle: CycleLike | None, report: Span) -> None:
        self.start = start
        self.end = end
        self.cycle = cycle
        self.lazy = False
        self.cache: dict[tuple[int, int], Span] = {}
        self.shortest = 1
        self.typical = 1
        if cycle is None or end <= start:
            self.cycle_starts = [start]
            self.cycle_spans = [report]
            return
        # The first and last cycles are asked for here, lazy or not, so that a span whose
        # first or last cycle reaches outside ratekit's instants is refused naming the span.
        what = (
            repr(report) if end == report.end_us else f"{report!r} metered up to {format_us(end)}"
        )
        first = first_cycle_us(cycle, repr(report), start)
        last = last_cycle_us(cycle, what, end)[1]
        # Cycles of one kind vary little in length (a month 28 to 31 days, a day 23 to 25
        # hours): half the first one's length bounds them all from below.
        self.shortest = max((first[1] - first[0]) // 2, 1)
        # The count a refusal states: by the first cycle's own length (exact for cycles of
        # one length, such as hourly; within a few percent for days and months).
        self.typical = max(first[1] - first[0], 1)
        if (end - start) // self.shortest > _EAGER_CYCLES:
            self.lazy = True
            self.cycle_starts = [start]
            self.cycle_spans = []
            return
        inner = [b for b in cycle.boundaries_us(start, end) if start < b < end]
        edges = [first[0], *inner, last]
        self.cycle_starts = edges[:-1]
        self.cycle_spans = [Span.from_us(a, b) for a, b in itertools.pairwise(edges)]

    def cycle_of(self, t_us: int) -> Span:
        if not self.lazy:
            return self.cycle_spans[bisect.bisect_right(self.cycle_starts, t_us) - 1]
        assert self.cycle is not None
        bounds = self.cycle.containing_us(t_us)
        span = self.cache.get(bounds)
        if span is None:
            span = self.cache[bounds] = Span.from_us(*bounds)
        return span

    def points(self, lo: int, hi: int) -> list[int]:
        """The cycle starts inside the window that matter for ``[lo, hi)``, ascending.

        Eager: all of them. Lazy: the start of the cycle containing ``lo``, those inside,
        and the end of the cycle containing ``hi - 1``; refused with
        [`BadSpanError`][ratekit.BadSpanError] beyond `MAX_PIECES`. O(cycles touched).
        """
        if not self.lazy:
            return self.cycle_starts[1:]
        if hi <= lo:
            return []
        if -(-(hi - lo) // self.typical) > MAX_PIECES:
            raise BadSpanError(
                f"metering {format_us(lo)}..{format_us(hi)} would cut one resource's usage "
                f"into about {-(-(hi - lo) // self.typical):,} pieces, one per cycle, more than "
                f"the {MAX_PIECES:,} one call makes; meter a shorter span (as_of) or use a "
                "longer cycle."
            )
        assert self.cycle is not None
        edges = {self.cycle.containing_us(lo)[0], self.cycle.containing_us(hi - 1)[1]}
        edges.update(self.cycle.boundaries_us(lo, hi))
        return sorted(t for t in edges if self.start < t < self.end)
