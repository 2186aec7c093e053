"""Rows of a non-additive meter: one aggregate per cycle, shared out among its pieces.

A peak, a mean, a latest level, a distinct count (any aggregation that does not add
up) is aggregated once per (account, meter, resource, cycle); each piece of the cycle
(cut where the description or the price changes, where a plan begins or ends) carries
its share of that aggregate, in proportion to time, or, for a mean over the period, by
the integral of the level held in it (`ratekit._period_shares`).

Where rating cuts a cycle by the rated span (`whole`: a span that starts mid-month, a
quarter that ends inside a New York December, rated as of the month's end), the
aggregate is still the cycle's, as a plan's end or start cuts it: aggregated from the
cycle's start to its end, or so far (to ``as_of``, where that is inside it), from the
readings known as of ``as_of``, and the span's pieces carry their share of it; the
cycle's parts outside the span get rows too, which rating counts in the aggregate a
tiered price prices and charges nothing for. So the spans that cut a cycle, rated as of
its end, add up to the cycle rated whole: 10 GB held all December bill 10 x 739/744
GB-month in the quarter to 1 January 00:00Z and 10 x 5/744 in the next, not 10 in each.
"""

from __future__ import annotations

import bisect
import typing
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from . import _metering_counters as _counters
from . import _policy_results as _results
from . import _timelines as _t
from ._decimals import CONTEXT, ZERO
from ._decimals import tidy as _tidy
from ._period_shares import by_integral, cut, held, places
from .policies import Meter
from .records import Sample
from .spans import Span
from .usage import UsageRow, _new_row

if typing.TYPE_CHECKING:
    from ._metering_engine import _Engine

__all__ = ["_before", "whole_cycle_rows"]


def whole_cycle_rows(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    rows: list[UsageRow],
    account: str,
    resource: str,
    name: str,
    item: Meter,
    pieces: list[int],
    line: _t.Timeline,
    readings: list[Sample],
    times: list[int],
    previous: Sample | None,
) -> None:
    """Rows of a non-additive meter: one aggregate per cycle, shared out in time.

    The aggregate is computed once over the part ``[c0, c1)`` of each cycle inside the
    window (with ``engine.whole``, over the whole cycle: see the module); each piece
    ``[a, b)`` of it (cut where the description or the price changes) gets the share
    ``F(b) - F(a)`` with ``F`` the aggregate apportioned linearly over ``[c0, c1)``
    (exact at both ends, cut at the aggregate's 60th significant digit in between:
    `_shared`), so the rows of a cycle add up to its aggregate exactly; a mean over the
    period apportions it by the integral of the level instead (`ratekit._period_shares`).
    O(n + p) for n readings and p pieces.
    """
    window = engine.window
    w1 = window.end
    whole_to = engine.whole
    count = len(pieces)
    k = 0
    while k < count:
        cycle = window.cycle_of(pieces[k])
        j = k + 1
        while j < count and pieces[j] < cycle.end_us:
            j += 1
        # the pieces' bounds inside the window, then the cycle's part they share
        bounds = [*pieces[k:j], pieces[j] if j < count else w1]
        c0, c1 = bounds[0], bounds[-1]
        if whole_to is not None:
            # the cycle from its start (to as_of, where that is inside it), as a plan's end
            # or start cuts it: its parts outside the window get rows of their own
            c0, c1 = min(c0, cycle.start_us), max(c1, min(cycle.end_us, whole_to))
            if c0 < bounds[0]:
                bounds.insert(0, c0)
            if c1 > bounds[-1]:
                bounds.append(c1)
        lo = bisect.bisect_left(times, c0)
        hi = bisect.bisect_left(times, c1)
        before = _before(readings, lo, previous)
        inside = readings[lo:hi]
        if inside or before is not None:
            quantity = _results.aggregated(item, account, resource, inside, c0, c1, before)
            if quantity is not None:
                held_in = (inside, before, bounds)
                whole = _tidy(quantity)
                _share_out(
                    engine, rows, (account, name, resource, item), cycle, whole, line, held_in
                )
        k = j


def _share_out(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    rows: list[UsageRow],
    keys: tuple[str, str, str, Meter],
    cycle: Span,
    whole: Decimal,
    line: _t.Timeline,
    held_in: tuple[list[Sample], Sample | None, list[int]],
) -> None:
    """Append a row per piece of ``bounds``, each with its share of the cycle's ``whole``.

    ``held_in``: the cycle's readings, the one in force at its start, and the bounds of
    its pieces (the first and last the cycle's part shared).
    """
    account, name, resource, item = keys
    inside, before, bounds = held_in
    c0, c1 = bounds[0], bounds[-1]
    ids = tuple(s.id for s in inside if s.id is not None)
    # A mean over the period is shared where its level was held (_period_shares).
    at = (
        by_integral(whole, inside, before, (c0, c1), bounds)
        if len(bounds) > 2 and held(item.policy)
        else None
    )
    # (a piece before any level is known holds none of it: no row, as no level)
    known = c0 if before is not None or not inside else inside[0].at_us
    first = line.starts[0] if line.starts else c0
    for m in range(len(bounds) - 1):
        a, b = bounds[m], bounds[m + 1]
        if at is not None and b <= known:
            continue
        share = (
            whole
            if a == c0 and b == c1
            else _tidy(CONTEXT.subtract(at[m + 1], at[m]))
            if at is not None
            else _tidy(CONTEXT.subtract(_shared(whole, c0, c1, b), _shared(whole, c0, c1, a)))
        )
        rows.append(
            _new_row(
                account,
                name,
                resource,
                engine._span(a, b),
                cycle,
                share,
                item.unit,
                line.descriptions[line.index_at(max(a, first))],
                ids,
            )
        )


def _shared(whole: Decimal, c0: int, c1: int, t: int) -> Decimal:
    """``F(t)`` of an aggregate ``whole`` shared in time over ``[c0, c1)``: exact at both ends.

    In between, ``whole * (t - c0) / (c1 - c0)`` rounded half-even at the 60th significant
    digit of ``whole`` (`ratekit._period_shares.places`): finely enough that a share's
    exact value, 10 seats x 2/3, is recovered where rating needs it. O(digits).
    """
    if t <= c0:
        return ZERO
    if t >= c1:
        return whole
    return cut(Fraction(whole) * Fraction(t - c0, c1 - c0), places(whole))


def _before(readings: Sequence[Sample], lo: int, previous: Sample | None) -> Sample | None:
    """The reading in force at ``readings[lo]``'s place: the latest before it, in metering order.

    ``readings[:lo]`` are those of the call stamped before the piece; ``previous`` the last
    reading the carried state keeps. A reading of the call stamped before the state's
    clock (a late one) may come before ``previous`` in metering order (`_metering_counters.
    order()`): ``previous`` is in force then, as metering every reading at once has it.
    O(1).
    """
    if lo == 0:
        return previous
    last = readings[lo - 1]
    if (
        previous is not None
        and last.at_us <= previous.at_us
        and _counters.order(last) < _counters.order(previous)
    ):
        return previous
    return last
