"""Rating's step 2b: a correction takes back the units used before it, under the plans that billed them.

Private to the rating engine. Within a billing cycle a correction (a piece below zero)
first takes back the units billed before it (docs/pricing.md, Corrections and
allowances). Under a change of plan mid-cycle those units may have been billed by the
plan before: a correction priced under the plan in force where it is stamped would
refund them at that plan's price (2 a GB where they were billed at 1) and take back
none of that plan's billed units, which stay billed. So, before allowances and prices,
the part of a correction that takes back units of another plan is moved to that plan:
it is then freed, tiered and priced as those units were.

The rule, per account, meter and billing cycle, in time order (the pieces' spans:
metering cuts a `Discrete` meter's rows at each correction's instant, see
`ratekit._metering_corrections`; the pieces of one instant as their net, usage before
corrections, see `_cancelled()`): the cycle's units stack
up as they are used, each under the plan and entry that billed it (free units too: a
plan's allowance frees its first units). A correction takes back first the units its own
entry billed (the entry that prices its row, in each plan: a refund of US messages takes
back US messages, never the DE messages used after them), last in, first out, across
the change, each back to the plan that billed it (so at that plan's price and from its
top tier down); then the other units on top of the stack, last in, first out, each at
the entry (and plan) that billed it, within one plan too (a refund of US messages
beyond the US ones takes back the latest DE messages at DE's price); only what is left
once every unit billed before it has been taken back stays with its own plan and entry
(and goes below zero there, as without a change of plan). Usage after corrections that
went below zero fills them the same way, its own entry's first, then another plan's
(within its own plan, its own entry's only). So a refund never exceeds what was billed
for the units it takes back.

A change of price within a plan (an entry that ends, another that begins) is a change
of the same kind: the units a plan billed stack up by the plan and its price regime
(the entries in effect, `ratekit._regimes._Regimes.prices_at`), and a correction after
a price cut takes back the units billed before it at the price they were billed at
(the entry that priced its row in their regime), not at the new one. So is a plan of
two entries on a meter (`ratekit._rating_corrections.reprices`): a correction's part
that takes back another entry's units is moved to that entry.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from decimal import Decimal
from fractions import Fraction

from ._decimals import CONTEXT, ZERO
from ._pieces import _Piece, _sort_key
from .pricebook import Plan, PriceEntry
from .usage import UsageRow

__all__ = ["Nets", "take_back"]

_ADD = CONTEXT.add
_SUB = CONTEXT.subtract


class _Net:
    """A plan in one price regime that used a meter in a cycle, and its last piece's start."""

    __slots__ = ("at", "plan")

    def __init__(self, plan: Plan, at: int) -> None:
        self.plan = plan
        self.at = at  # where the plan's last piece starts (the plan is in force there)


class _Run:
    """Units in a row of the stack that one plan billed at one entry (below zero: taken back beyond)."""

    __slots__ = ("entry", "net", "quantity")

    def __init__(self, net: _Net, quantity: Decimal, entry: PriceEntry) -> None:
        self.net = net
        self.quantity = quantity
        self.entry = entry


class _Stack:
    """A cycle's units of a meter, last in on top: the plans that used it, and the runs."""

    __slots__ = ("above", "below", "plans", "runs")

    def __init__(self) -> None:
        self.plans: dict[tuple[int, Hashable], _Net] = {}
        self.runs: list[_Run] = []
        # how many runs are above zero and below it: a piece takes back only runs of the
        # other sign, and with none there it looks at no run (a plan of hourly prices
        # stacks a run an hour, all above zero while nothing is corrected)
        self.above = 0
        self.below = 0


#: The entry of a plan that prices a row at an instant, None if none does.
Winner = Callable[[Plan, UsageRow, int], "PriceEntry | None"]

#: What prices a plan's row at an instant: equal for two instants of one price regime.
Prices = Callable[[Plan, UsageRow, int], Hashable]

#: Per (account, meter, billing cycle): the stack of its units so far.
Nets = dict[tuple[str, str, tuple[int, int]], _Stack]


def take_back(
    pieces: list[_Piece],
    nets: Nets,
    winner: Winner,
    peaks: frozenset[str] = frozenset(),
    *,
    prices: Prices | None = None,
) -> list[_Piece]:
    """``pieces`` with each correction's parts moved to the plans whose units they take back.

    ``nets`` holds what usage before the pieces (before the span rated) left stacked,
    and is updated in place; ``winner`` gives the entry of another plan that prices a
    piece's row where that plan's last piece is (a plan with none keeps its units).
    A piece whose quantity is a slice of time (``exact``) keeps the rest of its exact
    quantity when parts of it are moved; the pieces of ``peaks`` (meters whose
    quantities do not add up, so do not net) are left out. ``prices`` tells a plan's price regimes apart (a correction after a
    price change within a plan takes back the units billed before it at their price);
    without it, a plan is one regime. O(p log p + p r) for p pieces, r runs of a stack.
    """
    groups: dict[tuple[str, str, tuple[int, int]], list[_Piece]] = {}
    for piece in pieces:
        if piece.row.meter in peaks:
            continue
        groups.setdefault((piece.row.account, piece.row.meter, piece.cycle), []).append(piece)
    moved: dict[int, list[_Piece]] = {}
    for key, members in groups.items():
        members.sort(key=_sort_key)  # in time, an instant's usage before its corrections
        stack = nets.get(key)
        if stack is None:
            stack = nets[key] = _Stack()
        cancelled = _cancelled(members)
        for piece in members:
            plan = piece.plan
            regime = None if prices is None else prices(plan, piece.row, piece.span.start_us)
            extra = _taken(piece, stack, winner, cancelled.get(id(piece), ZERO), regime)
            if extra:
                moved[id(piece)] = extra
    if not moved:
        return pieces
    out: list[_Piece] = []
    for piece in pieces:
        out.extend(moved.get(id(piece), ()))  # the parts taken before the piece's own
        out.append(piece)
    return out


def _cancelled(members: list[_Piece]) -> dict[int, Decimal]:
    """Per usage piece (by id), its units that corrections over the same time cancel.

    ``members`` in `ratekit._pieces._sort_key()` order. The pieces over one span (the
    deltas stamped at one instant, on any of the account's resources, under one plan)
    are taken as their net per entry, as metering nets one resource's: of an entry's
    usage, as many units as the entry's corrections of the instant take back are
    stacked as they are (the corrections take them back first); only the rest fills
    what corrections before took below zero. The units cancelled are the usage's last (its last pieces', in that
    order), so that its first pieces carry the rest: the parts that fill deficits come
    before any part stacked to be taken back, and a price by total prices the instant's
    net where the group stands (with the first pieces' units cancelled, a later piece
    filled a deficit of one price after the cancelled units of another had climbed
    above it, and the total depended on the resources' names). O(p).
    """
    out: dict[int, Decimal] = {}
    count = len(members)
    index = 0
    while index < count:
        span = members[index].span
        start_us, end_us = span.start_us, span.end_us
        end = index + 1
        while (
            end < count
            and members[end].span.start_us == start_us
            and members[end].span.end_us == end_us
        ):
            end += 1
        if end - index > 1 and members[end - 1].quantity < 0:
            # per plan and entry, its corrections' units to cancel
            left: dict[tuple[int, int], Decimal] = {}
            for piece in members[index:end]:
                if piece.quantity < 0:
                    key = (id(piece.plan), id(piece.entry))
                    left[key] = _SUB(left.get(key, ZERO), piece.quantity)
            for piece in reversed(members[index:end]):  # the usage's last pieces first
                key = (id(piece.plan), id(piece.entry))
                wanted = left.get(key)
                if wanted and piece.quantity > 0:
                    out[id(piece)] = cancel = min(wanted, piece.quantity)
                    left[key] = _SUB(wanted, cancel)
        index = end
    return out


def _signed(sign: int, quantity: Decimal) -> Decimal:
    """``quantity`` with ``sign`` applied, exactly (never the caller's context)."""
    return quantity if sign > 0 else quantity.copy_negate()


#: The parts of a piece in the order taken: the plan's net, the entry, the signed quantity.
_Parts = list[tuple[_Net, PriceEntry, Decimal]]


def _taken(
    piece: _Piece, stack: _Stack, winner: Winner, cancelled: Decimal, regime: Hashable
) -> list[_Piece]:
    """Stack ``piece``; its parts that take back other prices' units, in the order taken.

    From the top of the stack down, ``piece`` takes back the units of the other direction
    (its own entry's first, then the others': a correction's parts at the entry that
    billed them, usage's at its own, and within its own plan only its own entry's
    deficits), each run down to zero; what is left is stacked on top under its own plan. Its ``cancelled`` units (usage that
    corrections of its instant take back: `_cancelled()`) are stacked as they are.

    The piece is cut into parts in the order its units are taken, one a run of runs of
    one plan and entry (its own units, and another regime's that its entry prices, are
    its own entry's), then what is left under its own: a price by total prices a plan's
    parts in that order, so each takes back the units it reaches where they stand in the
    plan's running quantity (a refund under a third price takes back the second's units,
    then the first's, from the top of the tiers down), and usage filling a deficit brings
    it to zero before its own units count from there. The piece itself becomes the last
    part; the others are returned, to come before it. ``regime``: the piece's price regime
    in its plan (units of another regime of its plan are another plan's to it, taken back
    at their own entry).
    """
    plan = piece.plan
    own = stack.plans.get((id(plan), regime))
    if own is None:
        own = stack.plans[id(plan), regime] = _Net(plan, piece.span.start_us)
    own.at = piece.span.start_us
    quantity, exact = piece.quantity, piece.exact
    if quantity == 0:
        return []
    sign = 1 if quantity > 0 else -1
    parts: _Parts = []
    wanted = _pop(piece, stack, own, sign, parts, winner, cancelled)
    wanted = _ADD(wanted, cancelled)
    if wanted:
        runs = stack.runs
        top = runs[-1] if runs else None
        entry = piece.entry
        if (
            top is not None
            and top.net is own
            and top.entry is entry
            and _signed(sign, top.quantity) > 0
        ):
            top.quantity = _ADD(top.quantity, _signed(sign, wanted))
        else:
            runs.append(_Run(own, _signed(sign, wanted), entry))
            if sign > 0:
                stack.above += 1
            else:
                stack.below += 1
        _add_part(parts, own, piece.entry, _signed(sign, wanted))
    if len(parts) == 1 and parts[0][0].plan is plan and parts[0][1] is piece.entry:
        return []  # all its own: its quantity, as it is (``parts`` holds its units)
    *before, (last, entry, taken) = parts
    extra = [
        _Piece(piece.row, piece.span, part, net.plan, piece.cycle, part_entry, piece.order)
        for net, part_entry, part in before
    ]
    piece.plan, piece.entry, piece.quantity = last.plan, entry, taken
    if exact is not None:
        _keep_exact(piece, extra, exact)
    return extra


def _add_part(parts: _Parts, net: _Net, entry: PriceEntry, signed: Decimal) -> None:
    """Add ``signed`` units of ``net``'s plan at ``entry`` after ``parts``: to the last if its own."""
    if parts:
        last, last_entry, quantity = parts[-1]
        if last.plan is net.plan and last_entry is entry:
            parts[-1] = (last, entry, _ADD(quantity, signed))
            return
    parts.append((net, entry, signed))


def _keep_exact(piece: _Piece, extra: list[_Piece], exact: Fraction) -> None:
    """Cut a slice of time into parts that add up to its ``exact`` quantity.

    Each part moved is its Decimal quantity; the piece keeps the rest.
    """
    for part in extra:
        part.exact = None
    rest = exact - sum((Fraction(part.quantity) for part in extra), Fraction(0))
    piece.exact = None if rest == Fraction(piece.quantity) else rest


def _pop(  # noqa: PLR0917 - private plumbing of plain values
    piece: _Piece,
    stack: _Stack,
    own: _Net,
    sign: int,
    parts: _Parts,
    winner: Winner,
    cancelled: Decimal,
) -> Decimal:
    """Take ``piece``'s units back from the top of ``stack``; what is left to stack.

    Its ``cancelled`` units are not taken (nor returned). The parts taken go in
    ``parts``, in the order taken (its own plan's units at its own entry). O(r) for r
    runs.
    """
    wanted = _SUB(piece.quantity.copy_abs(), cancelled)
    if not (stack.below if sign > 0 else stack.above):
        return wanted  # no run of the other sign to take back
    for mine in (True, False):  # the units its own entry billed first, then the others
        runs = stack.runs
        index = len(runs)
        while wanted and index:
            index -= 1
            run = runs[index]
            room = _signed(-sign, run.quantity)
            if room <= 0:
                continue
            net = run.net
            # (None: another plan that keeps its units, as no entry of it prices the row)
            entry = piece.entry if net is own else winner(net.plan, piece.row, net.at)
            if entry is None or (run.entry is entry) is not mine:
                continue
            if not mine:
                if sign > 0 and net.plan is piece.plan:
                    continue  # usage fills only its own entry's deficits of its plan
                if sign < 0:
                    entry = run.entry  # taken back at the entry that billed them
            if net.plan is piece.plan and entry is piece.entry:
                net = own  # another regime of its plan, pricing it alike
            taken = min(wanted, room)
            _add_part(parts, net, entry, _signed(sign, taken))
            wanted = _SUB(wanted, taken)
            run.quantity = _ADD(run.quantity, _signed(sign, taken))
            if run.quantity == 0:
                del runs[index]
                if sign > 0:
                    stack.below -= 1
                else:
                    stack.above -= 1
    return wanted
