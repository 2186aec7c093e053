"""A correction cancels the units its own entry used, and an allowance covers the net usage.

Private to `ratekit._allowances`. An allowance covers the first units of a billing
cycle's **net** usage (docs/pricing.md, The order they are taken in): a correction (a
piece below zero) cancels the units its own price entry used before it in its billing
cycle, under its plan (the units of the rows priced alike: a refund of DE messages
cancels DE messages, never the US messages used with them), the latest first (an
instant's usage before its corrections); the cycle's usage then takes the free units as
if the cancelled units had never been used, in time order, the usage of one instant
together in proportion to what it uses (`ratekit._allowance_flows`). So 600 US and 600
DE messages at one instant under 1,000 free, then -200 DE, leave 600 US and 400 DE: all
free, whatever the routes are called; and a refund never takes back free units another
entry's usage took.

What a correction cancels beyond the units its entry used in the cycle (a refund of more
than was used) takes back the account's other units, the latest first, each at the
entry that billed it: rating moves that part of the correction to that entry
(`ratekit._taken_back`), so here it cancels that entry's units as its own; only what it
takes beyond every unit of the cycle is left (free units given back to their pools,
`ratekit._allowance_pools.Ledger`, then below zero).

Each charge shows its part: a usage piece's free part is what the net usage frees of its
units that stand, plus, of its cancelled units (its latest), those the pools had left
after the net usage of its instant (as if it had used them too, and given them back);
the correction that cancels them shows them given back (a free part below zero) and its
other units billed below zero, at the entry's price. A usage piece and the corrections
that cancel its units are priced by one entry, so under a linear price how the free
units are shown between them changes no line of an invoice (a price by the total prices
the charges as they come: the billed units climb its tiers, a refund comes back down
from where the total stands). Where each plan's cycle prices all its pieces by one
entry, the latest units are the entry's own: the pieces are taken as they are, as the
ledger says (`cancelled`). O(p log p) for p pieces of an account's meter.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final

from ._allowance_flows import Piece, exact_quantity
from ._allowance_pools import Ledger, PoolKey, Source
from ._dues import _exact as _decimal
from .pricebook import Plan
from .spans import Span
from .usage import UsageRow

__all__ = ["Netted", "cancelled", "shown"]

_NOTHING: Final = Fraction(0)


class Netted:
    """A piece as the allowance takes it: its units less those cancelled (a `Piece`)."""

    __slots__ = ("cycle", "exact", "free", "free_exact", "piece", "plan", "quantity", "row", "span")

    def __init__(self, piece: Piece, net: Fraction) -> None:
        self.piece = piece
        self.row: UsageRow = piece.row
        self.span: Span = piece.span
        self.plan: Plan = piece.plan
        self.cycle: tuple[int, int] = piece.cycle
        self.quantity: Decimal = _decimal(net)
        self.exact: Fraction | None = net
        self.free = Decimal(0)
        self.free_exact = _NOTHING


#: Per usage piece (by id): the corrections that cancel its units, each with how many,
#: in the order they cancel them.
Cancels = dict[int, list[tuple[Piece, Fraction]]]


def _own(piece: Piece) -> tuple[int, tuple[int, int], int]:
    """The units a correction of ``piece`` cancels first: its plan's, cycle's and entry's."""
    return (id(piece.plan), piece.cycle, id(getattr(piece, "entry", None)))


def cancelled(members: Sequence[Piece]) -> tuple[list[Netted], Cancels] | None:
    """``members`` (an account's meter, in place order) as their net, or None.

    None where no correction cancels a unit of its own entry, or where each plan's
    cycle has its pieces priced by one entry (the pieces are taken as they are: a
    correction takes back the latest units of the cycle, which are its own entry's, as
    `ratekit._allowance_pools.Ledger` says, and shows them so). Else each piece as a `Netted`, in the same order: usage less the units
    corrections cancel, corrections less what they cancel; and per usage piece, the
    corrections that cancel its units. O(p) for p pieces.
    """
    entries: dict[tuple[int, tuple[int, int]], set[int]] = {}
    for piece in members:
        plan_id, cycle, entry = _own(piece)
        entries.setdefault((plan_id, cycle), set()).add(entry)
    if all(len(found) < 2 for found in entries.values()):
        return None  # one entry a cycle: the ledger's latest units are its own entry's
    stacks: dict[tuple[int, tuple[int, int], int], list[list[object]]] = {}
    left: dict[int, Fraction] = {}
    cancels: Cancels = {}
    nets: dict[int, Fraction] = {}
    for piece in members:
        quantity = exact_quantity(piece)
        if quantity > 0:
            stacks.setdefault(_own(piece), []).append([piece, quantity])
            left[id(piece)] = quantity
        elif quantity < 0:
            wanted = -quantity
            stack = stacks.get(_own(piece), [])
            while wanted and stack:
                top = stack[-1]
                used = top[0]
                part = min(wanted, left[id(used)])
                left[id(used)] -= part
                wanted -= part
                cancels.setdefault(id(used), []).append((piece, part))
                if not left[id(used)]:
                    stack.pop()
            nets[id(piece)] = -wanted
    if not cancels:
        return None
    out = []
    for piece in members:
        net = left.get(id(piece), nets.get(id(piece)))
        out.append(Netted(piece, exact_quantity(piece) if net is None else net))
    return out, cancels


def shown(
    netted: list[Netted],
    cancels: Cancels,
    pools: dict[PoolKey, Fraction],
    draw: Callable[[Source, Fraction, Ledger], Fraction],
    source: Callable[[Piece, dict[PoolKey, Fraction]], Source],
) -> None:
    """Set each piece's free part from its `Netted`'s, as the module shows them.

    ``pools``: what the pools held before the net usage took (a copy, drawn here again
    in time order: each instant's net usage takes its free parts, then its cancelled
    units in proportion what the pools have left, then its corrections give back those
    they cancel, to the pools they came from); ``draw`` takes from a `Source`, telling
    in a `Ledger` the pools it took from; ``source(piece, pools)`` is the `Source` a
    piece draws on. O(p a) for p pieces, a allowances.
    """
    extra: dict[int, Fraction] = {}  # per usage piece: its cancelled units shown free
    given: dict[int, list[tuple[Ledger, Fraction]]] = {}  # per correction: what it gives back
    index, count = 0, len(netted)
    while index < count:
        start = netted[index].span.start_us
        end = index
        while end < count and netted[end].span.start_us == start:
            end += 1
        wanted: dict[tuple[object, ...], tuple[Source, Fraction, list[tuple[Piece, Fraction]]]]
        wanted = {}
        for item in netted[index:end]:
            piece = item.piece
            if item.free_exact > 0:
                draw(source(piece, pools), item.free_exact, Ledger())
            gone = sum((part for _, part in cancels.get(id(piece), ())), _NOTHING)
            if gone:
                drawn = source(piece, pools)
                key = (id(drawn.plan), piece.cycle, *drawn.keys)
                at = wanted.get(key)
                if at is None:
                    wanted[key] = (drawn, gone, [(piece, gone)])
                else:
                    at[2].append((piece, gone))
                    wanted[key] = (at[0], at[1] + gone, at[2])
        for drawn, total, pieces in wanted.values():
            taken = Ledger()
            got = draw(drawn, total, taken)
            for piece, gone in pieces:
                share = gone / total
                extra[id(piece)] = got * share
                mine = Ledger(runs=[(key, part * share) for key, part in taken.runs])
                _attribute(cancels[id(piece)], got * share, mine, given)
        for item in netted[index:end]:  # the instant's corrections give back
            for ledger, amount in given.get(id(item.piece), ()):
                _give_back(ledger, amount, pools)
        index = end
    for item in netted:
        piece = item.piece
        back = sum((amount for _, amount in given.get(id(piece), ())), _NOTHING)
        free = item.free_exact + extra.get(id(piece), _NOTHING) - back
        piece.free_exact = free
        piece.free = _decimal(free)


def _attribute(
    cancelling: list[tuple[Piece, Fraction]],
    free: Fraction,
    ledger: Ledger,
    given: dict[int, list[tuple[Ledger, Fraction]]],
) -> None:
    """Tell which corrections give back the ``free`` cancelled units of a usage piece.

    ``cancelling``: the corrections that cancel its units, in the order they do (the
    first takes back its latest units: billed, then free); so the free ones go to the
    last first. ``ledger``: the pools they came from.
    """
    for correction, part in reversed(cancelling):
        if not free:
            break
        back = min(part, free)
        free -= back
        given.setdefault(id(correction), []).append((ledger, back))


def _give_back(ledger: Ledger, amount: Fraction, pools: dict[PoolKey, Fraction]) -> None:
    """Give ``amount`` free units of ``ledger`` back to the pools they came from, the latest first."""
    runs = ledger.runs
    while amount and runs:
        key, held = runs[-1]
        part = min(held, amount)
        if part == held:
            runs.pop()
        else:
            runs[-1] = (key, held - part)
        amount -= part
        if key is not None and key in pools:
            pools[key] += part
