"""Whose spend a charge is, as a minimum counts it: its plan's, and which piece's.

Rating gives a plan one minimum charge per cycle, spanning the part of the cycle it
covers; a cycle rated in pieces (or said by a streaming rater at several statements)
gives one per piece. A charge counts towards the minimum of its own plan whose piece
holds its start (`scope_of_minimums`), so the pieces billed together settle each
commitment as each piece's own invoice does (`ratekit._topups`).
"""

from __future__ import annotations

import typing
from collections.abc import Iterable

if typing.TYPE_CHECKING:  # charges imports render, which imports _topups, which imports this
    from .charges import Charge

__all__ = ["Scope", "scope_of_minimums"]

Scope = tuple[str, int, int]
"""Whom a charge's spend belongs to: its plan and the span of that plan's minimum charge."""


def scope_of_minimums(minimums: Iterable[Charge]) -> typing.Callable[[Charge], Scope]:
    """The scope of a charge: the plan's minimum whose span holds the charge's start.

    ``minimums``: the minimum charges of an invoice. Rating gives a plan one minimum
    charge per cycle, spanning the part of the cycle the rating covers; a cycle rated in
    pieces gives one per piece. Each minimum counts only the charges of its own plan and
    piece, so billing the pieces' charges together settles each piece's commitment as
    that piece's own invoice does. A charge outside every minimum's span (a piece whose
    spend reached its commitment, so that it has no minimum charge, or a plan without a
    minimum) counts for none; such charges of a plan are one scope, so that a line they
    share with a minimum's charges is split between the plans (or pieces) in proportion
    to their exact amounts, not between their charges.

    A piece is told by the spans of its plan's minimum charges that overlap: pieces of a
    cycle rated apart never do (each lies in the span it was rated over), while those a
    streaming rater said at different statements do: a minimum spans its plan's part of
    the cycle to the watermark, and is not said again while its total stands and no line
    it counts is said, so that a ledger's per-meter minimum may span 00:00..12:00 and its
    plan-wide one 00:00..21:00: one piece, their union. O(1) per charge for one piece,
    O(pieces) else.
    """
    found: dict[str, list[tuple[int, int]]] = {}
    for charge in minimums:
        known = found.setdefault(charge.plan, [])
        span = (charge.span.start_us, charge.span.end_us)
        if span not in known:
            known.append(span)
    spans = {plan: _pieces(known) for plan, known in found.items()}

    def scope(charge: Charge) -> Scope:
        start, end = charge.span.start_us, charge.span.end_us
        if charge.kind == "minimum":
            for lo, hi in spans.get(charge.plan, ()):
                if lo <= start and end <= hi:
                    return (charge.plan, lo, hi)
            return (charge.plan, start, end)  # (not among ``minimums``: its own piece)
        for lo, hi in spans.get(charge.plan, ()):
            if lo <= start < hi:
                return (charge.plan, lo, hi)
        # In no minimum's piece: counted by none, and one scope per plan, so that a line
        # of two plans is split between the plans, not between the charges of one.
        return (charge.plan, -1, -1)

    return scope


def _pieces(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` (one plan's minimums') with those that overlap joined: one per piece.

    Spans that only touch (a piece ending where the next one starts) stay apart. In the
    order of their starts. O(s log s) for s spans (one per piece and end: a few).
    """
    if len(spans) == 1:
        return spans
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(spans):
        if out and lo < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out
