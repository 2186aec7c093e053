"""The protocol every billing cycle implements (see [`Cycle`][ratekit.cycles.Cycle]).

Public through `ratekit.cycles`.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import typing
from typing import Protocol

from ._instants import to_us
from .errors import RatekitTypeError
from .spans import Span

__all__ = ["Cycle"]


def _not_a_span(method: str, value: object) -> RatekitTypeError:
    return RatekitTypeError(
        f"{method} takes a Span, not {type(value).__name__}: {value!r}; build one with "
        "rk.Span(start, end)."
    )


def _span_us(method: str, span: Span) -> tuple[int, int]:
    """``span``'s bounds in epoch microseconds, or the error naming ``method``. O(1)."""
    try:
        return span.start_us, span.end_us
    except AttributeError:
        raise _not_a_span(method, span) from None


@typing.runtime_checkable
class Cycle(Protocol):
    """What ratekit needs from a billing cycle: two fast methods and three friendly ones.

    A cycle cuts all of time into consecutive half-open spans. Implement
    [`boundaries_us()`][ratekit.cycles.Cycle.boundaries_us] and [`containing_us()`][ratekit.cycles.Cycle.containing_us] (instants are integer microseconds
    since the epoch); subclass ``Cycle`` explicitly to inherit [`containing()`][ratekit.cycles.Cycle.containing],
    [`split()`][ratekit.cycles.Cycle.split] and [`spans()`][ratekit.cycles.Cycle.spans] built on them, as the built-in cycles do.

    Examples:
        >>> import ratekit as rk
        >>> class TenDays(rk.cycles.Cycle):
        ...     # Cycles of ten UTC days from the epoch, written by hand.
        ...     length = 10 * 86_400_000_000
        ...     def boundaries_us(self, start_us, end_us):
        ...         first = (start_us // self.length + 1) * self.length
        ...         return list(range(first, end_us, self.length))
        ...     def containing_us(self, t_us):
        ...         start = t_us // self.length * self.length
        ...         return start, start + self.length
        >>> TenDays().containing("2026-03-15T00:00:00Z")
        Span('2026-03-08T00:00:00Z', '2026-03-18T00:00:00Z')
        >>> isinstance(rk.cycles.monthly(tz="UTC"), rk.cycles.Cycle)
        True
    """

    def boundaries_us(self, start_us: int, end_us: int) -> list[int]:
        """The cycle boundaries ``b`` with ``start_us < b < end_us``, ascending."""
        ...

    def containing_us(self, t_us: int) -> tuple[int, int]:
        """``(start_us, end_us)`` of the cycle that contains the instant ``t_us``."""
        ...

    def containing(self, t: _dt.datetime | str) -> Span:
        """The cycle that contains the instant ``t`` (an instant at a cycle's end is in the next).

        Examples:
            >>> import ratekit as rk
            >>> rk.cycles.daily(tz="UTC").containing("2026-03-02T00:00:00Z")
            Span('2026-03-02T00:00:00Z', '2026-03-03T00:00:00Z')
        """
        start, end = self.containing_us(to_us(t, "instant"))
        return Span.from_us(start, end)

    def split(self, span: Span) -> list[Span]:
        """``span`` cut at the cycle boundaries inside it, in order (an empty span gives ``[]``).

        The pieces partition the span and each lies inside one cycle. Costs one
        [`boundaries_us()`][ratekit.cycles.Cycle.boundaries_us] call plus one ``Span`` per piece.

        Examples:
            >>> import ratekit as rk
            >>> rk.cycles.daily(tz="UTC").split(rk.Span("2026-03-01T12:00:00Z", "2026-03-02T12:00:00Z"))
            [Span('2026-03-01T12:00:00Z', '2026-03-02T00:00:00Z'), Span('2026-03-02T00:00:00Z', '2026-03-02T12:00:00Z')]
        """
        start, end = _span_us("split", span)
        cuts = self.boundaries_us(start, end)
        if not cuts:
            return [span] if end > start else []
        from_us = Span.from_us
        pieces = []
        previous = start
        for cut in cuts:
            pieces.append(from_us(previous, cut))
            previous = cut
        pieces.append(from_us(previous, end))
        return pieces

    def spans(self, over: Span) -> list[Span]:
        """The whole cycles that overlap ``over``, in order (an empty span overlaps none).

        Examples:
            >>> import ratekit as rk
            >>> rk.cycles.monthly(tz="UTC").spans(rk.Span("2026-01-31T00:00:00Z", "2026-02-02T00:00:00Z"))
            [Span('2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z'), Span('2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z')]
        """
        if not isinstance(over, Span):
            raise _not_a_span("spans", over)
        if not over:
            return []
        first, _ = self.containing_us(over.start_us)
        _, last = self.containing_us(over.end_us - 1)
        edges = [first, *self.boundaries_us(first, last), last]
        return [Span.from_us(a, b) for a, b in itertools.pairwise(edges)]
