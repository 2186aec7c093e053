"""Rating's step 2b: a correction takes back the units used before it, under the plans that billed them.

Private to the rating engine. Within a billing cycle a correction (a piece below zero)
first takes back the units billed before it (docs/pricing.md, Corrections and
allowances). Under a change of plan mid-cycle those units may have been billed by the
plan before: a correction priced under the plan in force where it is stamped would
refund them at that plan's price (2 a GB where they were billed at 1) and take back
none of that plan's billed units, which stay billed. So, before allowances and prices,
the part of a correction that takes back units of another plan is moved to that plan:
it is then freed, tiered and priced as those units were.

The rule, per account, meter and billing cycle, in time order: a correction takes back
the net usage of its own plan before it first, then that of the other plans of the
cycle, the plan that used units last first, each up to its net usage so far (never
below zero); the rest stays with its own plan (and goes below zero there, as without a
change of plan). Each plan's part is then rated by that plan's rules: its billed units
first, then its free units (docs/pricing.md). So a correction never takes back more
than was used, and the cycle's parts cost what each plan's net usage costs.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ._decimals import CONTEXT, ZERO
from ._pieces import _Piece, _sort_key
from .pricebook import Plan, PriceEntry
from .usage import UsageRow

__all__ = ["Nets", "take_back"]

_ADD = CONTEXT.add
_SUB = CONTEXT.subtract


class _Net:
    """A plan's net usage so far in a cycle, and where its last piece starts."""

    __slots__ = ("at", "plan", "quantity")

    def __init__(self, plan: Plan, at: int) -> None:
        self.plan = plan
        self.quantity = ZERO
        self.at = at  # where the plan's last piece starts (the plan is in force there)


#: The entry of a plan that prices a row at an instant, None if none does.
Winner = Callable[[Plan, UsageRow, int], "PriceEntry | None"]

#: Per (account, meter, billing cycle): per plan (by id, in the order they first used
#: the meter), its net usage so far.
Nets = dict[tuple[str, str, tuple[int, int]], dict[int, _Net]]


def take_back(
    pieces: list[_Piece], nets: Nets, winner: Winner, peaks: frozenset[str] = frozenset()
) -> list[_Piece]:
    """``pieces`` with each correction's parts moved to the plans whose usage they take back.

    ``nets`` holds what usage before the pieces (before the span rated) left per plan,
    and is updated in place; ``winner`` gives the entry of another plan that prices a
    piece's row where that plan's last piece is (a plan with none keeps its net).
    Corrections whose quantity is a slice of time (``exact``) are left as they are, and
    so are the pieces of ``peaks`` (meters whose quantities do not add up, so do not
    net). O(p log p + p k) for p pieces, k plans of a cycle.
    """
    groups: dict[tuple[str, str, tuple[int, int]], list[_Piece]] = {}
    for piece in pieces:
        if piece.row.meter in peaks:
            continue
        groups.setdefault((piece.row.account, piece.row.meter, piece.cycle), []).append(piece)
    moved: dict[int, list[_Piece]] = {}
    for key, members in groups.items():
        members.sort(key=_sort_key)
        net = nets.setdefault(key, {})
        for piece in members:
            extra = _taken(piece, net, winner)
            if extra:
                moved[id(piece)] = extra
    if not moved:
        return pieces
    out: list[_Piece] = []
    for piece in pieces:
        out.append(piece)
        out.extend(moved.get(id(piece), ()))
    return out


def _taken(piece: _Piece, net: dict[int, _Net], winner: Winner) -> list[_Piece]:
    """Count ``piece`` in ``net``; its parts that net against other plans, moved to them.

    A correction takes back its own plan's net usage first, then the other plans' (the
    plan that came to the meter last first); usage fills what corrections took below
    zero the same way. The piece itself keeps its own plan's part (and what is left
    over), or becomes the first part moved when there is none; the other parts are
    returned.
    """
    plan = piece.plan
    own = net.get(id(plan))
    if own is None:
        own = net[id(plan)] = _Net(plan, piece.span.start_us)
    own.at = piece.span.start_us
    quantity = piece.quantity
    if quantity == 0 or piece.exact is not None:
        own.quantity = _ADD(own.quantity, quantity)
        return []
    # against each plan's net, in the other direction: what it can take
    sign = 1 if quantity > 0 else -1
    wanted = abs(quantity)
    kept = min(wanted, max(-sign * own.quantity, ZERO))
    wanted = _SUB(wanted, kept)
    parts: list[tuple[_Net, PriceEntry, Decimal]] = []
    for other in reversed(net.values()):  # the plan that came to the meter last first
        if wanted == 0:
            break
        room = -sign * other.quantity
        if other is own or room <= 0:
            continue
        entry = winner(other.plan, piece.row, other.at)
        if entry is None:
            continue
        taken = min(wanted, room)
        other.quantity = _ADD(other.quantity, sign * taken)
        wanted = _SUB(wanted, taken)
        parts.append((other, entry, sign * taken))
    rest = sign * _ADD(kept, wanted)  # what stays with its own plan
    own.quantity = _ADD(own.quantity, rest)
    extra: list[_Piece] = []
    for other, entry, taken in parts:
        if rest == 0 and not extra and piece.plan is plan:
            piece.plan, piece.entry, piece.quantity = other.plan, entry, taken
            continue
        extra.append(
            _Piece(piece.row, piece.span, taken, other.plan, piece.cycle, entry, piece.order)
        )
    if rest != 0:
        piece.quantity = rest
    return extra
