"""How rating moves corrections to the price that billed the units they take back.

Private to `ratekit._rating_engine`, whose engine takes this mixin (`_Corrections`). A
correction (a row below zero) after a change of plan, or of price within a plan, takes
back, last in, first out, units billed at another price (see `ratekit._taken_back`).
Only a meter with a correction among the rows rated needs that: its linear prices are
then not priced on the spot, and its pieces go through the stack; every other meter's
are priced as they come. Usage before the span (what takes from allowances of their own
period there, `ratekit._allowances._Allowances.consume_before`) is moved the same way
(`moved_before`), so those pools start the span from what rating the time before it
leaves them.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable

from ._allowances import _Before
from ._pieces import _Piece
from ._regimes import _Regimes
from ._taken_back import Nets, take_back
from .pricebook import Plan, PriceEntry
from .usage import UsageRow

__all__ = ["_Corrections", "changing", "reprices"]


def changing(plan: Plan, meter: str) -> bool:
    """Whether ``plan``'s prices of ``meter`` change in time (an entry's start, end or window)."""
    changes = plan._changes.get(meter)
    return changes is not None and bool(changes.instants or changes.windowed)


def reprices(plan: Plan, meter: str) -> bool:
    """Whether ``plan`` may bill two units of ``meter`` at two prices: two entries, or a change.

    A correction then takes back units its own entry may not have billed, each at the
    entry that billed it (`ratekit._taken_back`). O(1).
    """
    return len(plan._by_meter.get(meter, ())) > 1 or changing(plan, meter)


class _Corrections:
    """The engine's part that moves corrections (see the module)."""

    default: Plan | None
    start_us: int
    end_us: int
    nets: Nets
    peaks: frozenset[str]
    corrected: set[str] | None

    def regimes_of(self, plan: Plan, meter_name: str) -> _Regimes:
        raise NotImplementedError  # pragma: no cover - provided by the engine

    def corrections(self, rows: Iterable[UsageRow]) -> set[str]:
        """The meters of the rows rated that have a correction (a row below zero). O(n) once.

        A change of price within a plan moves charges only where a correction takes units
        back (`_taken_back`). ``rows`` are read the first time only: `place_before` gives
        the rows before the span all the rows' corrections, whose stack they build.
        """
        if self.corrected is None:
            self.corrected = {row.meter for row in rows if row.quantity < 0}
        return self.corrected

    def taken_back(self, pieces: list[_Piece]) -> list[_Piece]:
        """``pieces`` with corrections moved to the plans whose usage they take back.

        A change of plan, or of price within a plan, can make a cycle's usage billed at
        another price (see `_taken_back`): a single plan whose prices never change, or
        pieces none of which is a correction (below zero), have nothing to move.
        """
        default = self.default
        if default is not None and not (
            any(reprices(default, name) for name in default._by_meter)
            and self.corrections(piece.row for piece in pieces)
        ):
            return pieces
        return take_back(
            pieces,
            self.nets,
            self.winner_at,
            self.peaks,
            prices=lambda plan, row, at_us: self.regimes_of(plan, row.meter).prices_at(at_us),
        )

    def winner_at(self, plan: Plan, row: UsageRow, at_us: int) -> PriceEntry | None:
        """The entry of ``plan`` that prices ``row`` at ``at_us``, inside the span or before it.

        A correction takes back units billed before the span (`place_before`) at the
        price of their instant, which the span's regimes do not reach.
        """
        if self.start_us <= at_us < self.end_us:
            return self.regimes_of(plan, row.meter).winner(at_us, row.description)
        return _Regimes(plan, row.meter, at_us, at_us + 1).winner(at_us, row.description)

    def moved_before(self, pieces: list[_Before]) -> list[_Before]:
        """Parts of usage before the span as rating them would take from allowances.

        A part no entry of its plan prices is left out: rating makes no piece of it (its
        usage is unpriced), so it takes no free unit; the others are told their entry. The others move as `taken_back`
        moves the span's pieces: under a change of plan, usage that fills what a
        correction of the plan before took below zero is that plan's (and takes none of
        its own plan's free units), and a correction takes back the units the plan
        before billed. Only a part's plan matters to allowances: under one plan nothing
        moves. O(p log p + p r) for p parts, r runs of a stack (`ratekit._taken_back`).
        """
        if not pieces:
            return pieces
        lo = min(part.span.start_us for part in pieces)
        hi = max(part.span.end_us for part in pieces) + 1  # (an instant's part at the end)
        known: dict[tuple[int, str], _Regimes] = {}

        def regimes(plan: Plan, meter: str) -> _Regimes:
            found = known.get((id(plan), meter))
            if found is None:
                found = known[id(plan), meter] = _Regimes(plan, meter, lo, hi)
            return found

        def winner(plan: Plan, row: UsageRow, at_us: int) -> PriceEntry | None:
            return regimes(plan, row.meter).winner(at_us, row.description)

        kept = []
        for part in pieces:
            part.entry = winner(part.plan, part.row, part.span.start_us)
            if part.entry is not None:
                kept.append(part)
        if self.default is not None or not any(part.quantity < 0 for part in kept):
            return pieces if len(kept) == len(pieces) else kept  # none moves
        priced = []
        for order, part in enumerate(kept):
            entry = typing.cast("PriceEntry", winner(part.plan, part.row, part.span.start_us))
            piece = _Piece(part.row, part.span, part.quantity, part.plan, part.cycle, entry, order)
            piece.exact = part.exact
            priced.append(piece)
        priced = take_back(
            priced,
            {},
            winner,
            self.peaks,
            prices=lambda plan, row, at_us: regimes(plan, row.meter).prices_at(at_us),
        )
        out = []
        for piece in priced:
            span = piece.span
            part = _Before(piece.row, span.start_us, span.end_us, piece.quantity, piece.plan)
            part.cycle, part.exact, part.entry = piece.cycle, piece.exact, piece.entry
            out.append(part)
        return out
