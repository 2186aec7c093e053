"""The protocol every billing cycle implements (see [`Cycle`][ratekit.cycles.Cycle]).

Public through `ratekit.cycles`.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import typing
from typing import Protocol

from ._calendar import CALENDAR_RANGE
from ._instants import MAX_US, MIN_US, format_us, to_us
from ._shown import show
from ._zones import from_zone
from .errors import BadTimeError, RatekitTypeError
from .spans import Span

__all__ = ["Cycle", "checked_bounds", "first_cycle_us", "instant_named", "last_cycle_us"]


def instant_named(t_us: int) -> str:
    """``t_us`` as an error names an instant the caller gave: ISO text, or µs when outside."""
    return format_us(t_us) if MIN_US <= t_us <= MAX_US else f"{t_us} µs since the epoch"


def checked_bounds(cycle: object, what: str, bounds: tuple[int, int]) -> tuple[int, int]:
    """``bounds``, a cycle of ``cycle``, when it lies within ratekit's instants.

    ``what`` names what the caller gave (``"containing 9999-12-31T23:30:00Z"``, ``"containing
    the end of Span(...)"``). Else a [`BadTimeError`][ratekit.BadTimeError] naming it and the
    range accepted, never the bound computed past the range (the hour containing
    9999-12-31T23:30:00Z would end at the start of year 10000). O(1).
    """
    start, end = bounds
    if start >= MIN_US and end <= MAX_US:
        return bounds
    where = (
        f"begins before {format_us(MIN_US)}, the first"
        if start < MIN_US
        else f"ends after {format_us(MAX_US)}, the last"
    )
    raise BadTimeError(
        f"the cycle of {cycle!r} {what} {where} instant ratekit represents; give instants "
        f"whose cycles lie within {format_us(MIN_US)} to {format_us(MAX_US)}."
    )


def last_cycle_us(cycle: typing.Any, what: str, end_us: int) -> tuple[int, int]:
    """The cycle containing the last instant of a non-empty span ending at ``end_us``, checked.

    That instant is one microsecond before the end the caller gave: a refusal names the
    span (``what``, such as ``"Span(...)"``) and the ranges accepted, not that instant. O(1)
    plus one ``containing_us``.
    """
    try:
        bounds = cycle.containing_us(end_us - 1)
        return checked_bounds(cycle, "", bounds)
    except BadTimeError as error:
        if from_zone(error):
            raise
        raise BadTimeError(
            f"{what} ends in a cycle of {cycle!r} that reaches outside the instants ratekit "
            f"can cut into cycles (for calendar cycles, {CALENDAR_RANGE}; for any cycle, "
            f"{format_us(MIN_US)} to {format_us(MAX_US)}); give a span that ends earlier."
        ) from None


def first_cycle_us(cycle: typing.Any, what: str, start_us: int) -> tuple[int, int]:
    """The cycle containing the first instant of a span starting at ``start_us``, checked.

    A refusal names the span (``what``) and the ranges accepted, as `last_cycle_us` does
    at the other end, not only the instant. O(1) plus one ``containing_us``.
    """
    try:
        return checked_bounds(cycle, "", cycle.containing_us(start_us))
    except BadTimeError as error:
        if from_zone(error):
            raise
        raise BadTimeError(
            f"{what} starts in a cycle of {cycle!r} that reaches outside the instants "
            f"ratekit can cut into cycles (for calendar cycles, {CALENDAR_RANGE}; for any "
            f"cycle, {format_us(MIN_US)} to {format_us(MAX_US)}); give a span that starts "
            "later."
        ) from None


def _not_a_span(method: str, value: object) -> RatekitTypeError:
    return RatekitTypeError(
        f"{method} takes a Span, not {type(value).__name__}: {show(value)}; build one with "
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
        t_us = to_us(t, "instant")
        bounds = self.containing_us(t_us)
        start, end = checked_bounds(self, f"containing {instant_named(t_us)}", bounds)
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
        first, _ = checked_bounds(
            self, f"containing the start of {over!r}", self.containing_us(over.start_us)
        )
        _, last = last_cycle_us(self, repr(over), over.end_us)
        # The boundaries inside ``over`` are those between first and last (first is at or
        # before its start, last at or after its end): asked of ``over``, so that a cycle
        # whose start the calendar computes before year 2 is no instant out of range.
        edges = [first, *self.boundaries_us(over.start_us, over.end_us), last]
        return [Span.from_us(a, b) for a, b in itertools.pairwise(edges)]
