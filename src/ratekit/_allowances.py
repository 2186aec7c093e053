"""Allowances in rating: free units per period, taken in time order and stacking order.

Each allowance of a plan is a pool per period (the billing cycle, or the allowance's own
cycle), kept as an exact fraction. Usage takes from a plan's allowances on its meter in
time order, each piece from the allowances in the plan's order (the first defined takes
first, each in its own period); pieces that run at once take together, as they use their
units (`ratekit._allowance_flows`). An allowance applies to the net usage: a correction (a
negative piece) cancels its own entry's units first (`ratekit._allowance_nets`) and takes back
the units taken before it in its billing cycle, last in, first out (a piece's billed units are its latest, so the units billed before it first,
then free units, each given back to the pool, allowance and period, it came from: free
again for later usage there; `ratekit._allowance_pools.Ledger`), and only then is billed
below zero, which later usage fills before it takes free units; so a cycle's usage
costs the price of max(0, net - allowance), whatever the periods of its stacked pools
and whatever day a correction is stamped. Usage before the span rated takes from them
by the same rule, as rating the time before the span would (`_Allowances.consume_before`): what it
leaves of each own-period pool is where the span starts, whatever that start. `_Allowances`
is mixed into the rating engine, which provides the state it declares.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Final, Protocol, TypeAlias

from ._allowance_flows import Piece as _Freed
from ._allowance_flows import at_one, exact_quantity, flow, overlapping, take_shared
from ._allowance_nets import Cancels, Netted, cancelled, shown
from ._allowance_pools import BILLED, GONE, Ledger, PoolKey, Source, _Pools, ledger_of
from ._dues import _split
from ._instants import MIN_US
from ._time_exact import exact_piece
from .pricebook import Plan
from .spans import Span
from .terms import Allowance
from .usage import UsageRow

_NOTHING: Final = Fraction(0)


#: Where a piece stands in time order (`place`): its group's order, `_pieces._sort_key`,
#: less the piece's own order.
Place: TypeAlias = tuple[int, bool, int, str]

#: The pieces that draw on the same pools of billing-cycle allowances: (account, id of
#: the plan, billing cycle, meter).
Drawer: TypeAlias = tuple[str, int, tuple[int, int], str]

#: The streaming rater's reuse (`ratekit._rater_pools`): per `Drawer`, its plan, what
#: the pieces that stand before those rated took (all free), the place of the last of
#: them (None: none), and the place of the first piece that stands after them, which
#: took nothing and must take nothing still (None: none); and where the latest of the
#: pieces that stand before those rated ends (None: none): pieces rated that run before
#: it ran beside them (`ratekit._allowance_flows`), and the pools must not be dry there.
Drawn: TypeAlias = dict[Drawer, tuple["Plan", Fraction, Place | None, Place | None, int | None]]

#: Per `Drawer`, the pieces taken now in order, each with its exact quantity and free part.
Taken: TypeAlias = dict[Drawer, list[tuple["_Freed", Fraction, Fraction]]]


class Refilled(Exception):  # noqa: N818 - a signal between private parts, never raised to users
    """What stands of a pool's pieces is not what rating them all would take.

    Raised by `_Allowances.allow` under the streaming rater's reuse (``drawn``): ``left``
    holds, per `Drawer` whose pool was not dry where the first piece that stands after
    those rated took nothing, what it had left there (the caller rates more of those
    pieces again); empty when a piece rated sorts among those that stand, a correction
    is rated, the pool offers less than those before took, or it ran dry before the
    latest of those ended, pieces rated running beside it (the caller rates whole).
    """

    def __init__(self, left: dict[Drawer, Fraction] | None = None) -> None:
        super().__init__()
        self.left = left or {}


class _Before:
    """A piece of usage before the span: it takes from allowances, it is not charged."""

    __slots__ = (
        "cycle",
        "entry",
        "exact",
        "free",
        "free_exact",
        "plan",
        "quantity",
        "row",
        "span",
    )

    def __init__(  # noqa: PLR0917 - private plumbing of plain values
        self,
        row: UsageRow,
        start: int,
        end: int,
        quantity: Decimal,
        plan: Plan,
        shared: bool = False,
    ) -> None:
        self.row = row
        same = start == row.span.start_us and end == row.span.end_us
        self.span = row.span if same else Span.from_us(start, end)
        self.quantity = quantity
        self.plan = plan
        self.cycle = plan.cycle.containing_us(start)
        self.free = quantity
        self.free_exact = _NOTHING
        self.exact = exact_piece(row, start, end, quantity, shared)
        # the entry that prices it, where rating's step 2b told it (its own entry's
        # units are those a correction cancels first: `ratekit._allowance_nets`)
        self.entry: object = None


def place(piece: _Freed) -> Place:
    """Where a piece stands in time order: span start, a correction, span end, resource.

    The order a price by total prices a group in (`ratekit._pieces._sort_key`): of the
    pieces that start together, usage before corrections, so an instant's usage draws
    free units before its corrections give them back, whatever the resources' names.
    """
    span = piece.span
    return (span.start_us, piece.quantity < 0, span.end_us, piece.row.resource)


class Period(Protocol):
    """An allowance's own cycle, as rating reads it."""

    def boundaries_us(self, start_us: int, end_us: int) -> list[int]: ...

    def containing_us(self, t_us: int) -> tuple[int, int]: ...


def own_cycles(plan: Plan, meter_name: str) -> list[Period]:
    """The own cycles of ``plan``'s allowances on the meter: usage is cut at their bounds."""
    return [a.cycle for a in plan.allowances if a.meter == meter_name and a.cycle is not None]


def crosses(cycles: list[Period], start_us: int, end_us: int) -> bool:
    """Whether ``[start_us, end_us)`` crosses a boundary of one of ``cycles``."""
    return any(cycle.containing_us(start_us)[1] < end_us for cycle in cycles)


def _keys(drawer: Drawer, plan: Plan) -> list[PoolKey]:
    """The pools of ``drawer``'s billing-cycle allowances, in the plan's order."""
    account, plan_id, cycle, meter = drawer
    return [
        (account, plan_id, index, cycle)
        for index, allowance in enumerate(plan.allowances)
        if allowance.meter == meter
    ]


def _period(allowance: Allowance, cycle: tuple[int, int], at_us: int) -> tuple[int, int]:
    """The period of ``allowance`` that holds ``at_us`` (``cycle``: the billing cycle's)."""
    return cycle if allowance.cycle is None else allowance.cycle.containing_us(at_us)


def _drawer(piece: _Freed) -> Drawer:
    """The pieces ``piece`` shares its billing cycle's pools with (see `Drawer`)."""
    row = piece.row
    return (row.account, id(piece.plan), piece.cycle, row.meter)


class _Allowances(_Pools):
    """Allowance pools, for the rating engine that provides this state."""

    start_us: int
    end_us: int
    plans: list[Plan]
    # carried: what usage before a base (the rater's) consumed of the own-period pools,
    # per (account, id of the plan, meter, period), all its allowances of that period
    used_before: dict[tuple[str, int, str, tuple[int, int]], Fraction]
    # what usage before the span left of own-period pools (see consume_before)
    left: dict[PoolKey, Fraction]
    # the units usage before the span took, per account, meter, plan and billing cycle
    # (see take): a correction in the span takes those back after the span's own
    billed_before: dict[tuple[object, ...], Ledger]
    # the meters whose rows are shares of an aggregate (cut as metering cuts them)
    peaks: frozenset[str]
    # the meters whose rows are sums of samples (a delta's, a counter's, a count's, given
    # metered or not, as `rate` reads its meters): taken whole at their start, where rows
    # of other meters that run at once take together (`ratekit._allowance_flows`)
    samples: frozenset[str] = frozenset()
    # the streaming rater's reuse: what stands of the pools (see `Drawn`), and where the
    # pieces taken are told (None: not told)
    drawn: Drawn
    taken: Taken | None
    # the parts of usage before the span as rating's step 2b moves them (provided by the
    # engine: `ratekit._rating_corrections._Corrections.moved_before`)
    moved_before: Callable[[list[_Before]], list[_Before]]

    def allow(self, pieces: Iterable[_Freed]) -> None:
        """Make the first units of each allowance's period free, in time order.

        Each allowance of a piece's plan on its meter is a pool per period (the billing
        cycle, or the allowance's own cycle), kept as an exact fraction: prorated by the
        plan's share of the period (a billing cycle's, to the span), less what usage
        before the span took. Pieces of an account and meter take from the pools in time
        order, each from its plan's allowances in the plan's order; a correction gives
        back (see the module: its free part is then below zero).
        """
        within = (self.start_us, self.end_us)
        pools = dict(self.left)
        drawn = self.drawn
        if drawn:  # the streaming rater's reuse: the pools as the pieces that stand left them
            for drawer, (plan, consumed, *_) in drawn.items():
                source = Source(pools, _keys(drawer, plan), plan, within)
                if consumed and self.draw(source, consumed) != consumed:
                    raise Refilled
        billed = {key: ledger.copy() for key, ledger in self.billed_before.items()}
        self.take(pieces, pools, within, billed, resumed=True)

    def take(
        self,
        pieces: Iterable[_Freed],
        pools: dict[PoolKey, Fraction],
        within: tuple[int, int],
        billed: dict[tuple[object, ...], Ledger],
        *,
        resumed: bool = False,
    ) -> None:
        """`allow` from ``pools``, billing cycles' pools prorated to ``within`` (lo, hi).

        Sets each piece's free part and leaves in ``pools`` what is left of those used.
        Per account, meter, plan and billing cycle, it keeps the units taken so far in
        order (a `Ledger`: billed, or free of a pool): a correction takes back the latest
        first, and usage after corrections that went below zero fills that before it
        takes free units. ``billed`` holds those ledgers, keyed by account, meter, plan
        and cycle: it starts from what usage before the span took (`consume_before`,
        which fills it) and is updated in place. O(p log p + p a) for p pieces, a allowances on a meter.
        ``resumed``: the pieces given follow what ``drawn`` says stands (see `allow`).
        """
        drawn = self.drawn if resumed else None
        taken = self.taken if resumed else None
        # per drawer resumed, the place of the last piece that stands before those rated,
        # and that of the first that stands after them (whose pool must be dry there)
        lasts = {d: v[2] for d, v in drawn.items() if v[2] is not None} if drawn else {}
        ghosts = {d: v[3] for d, v in drawn.items() if v[3] is not None} if drawn else {}
        wet: dict[Drawer, Fraction] = {}
        groups: dict[tuple[str, str], list[_Freed]] = {}
        for piece in pieces:
            allowances = piece.plan.allowances  # (mostly none: no generator made then)
            if allowances and any(allowance.meter == piece.row.meter for allowance in allowances):
                groups.setdefault((piece.row.account, piece.row.meter), []).append(piece)
        for members in groups.values():
            members.sort(key=place)
            netted = cancelled(members)
            if netted is not None:  # a correction cancels its own entry's units
                self.take_net(members, netted, (pools, within, billed), taken)
                continue
            # rows that run at once take together (`flow`); else, the common case, each
            # is taken whole at its start, which is the same
            if self.together(members, drawn):
                self.take_together(members, (pools, within, billed), (lasts, ghosts, wet), taken)
                continue
            for batch in at_one(members, self.peaks):  # (a peak's of one span together)
                if drawn:  # (mostly not: no key made)
                    self.resumes(pools, within, batch, (lasts, ghosts, wet))
                take_shared(self, batch, (pools, within, billed))
                for piece in batch if taken is not None else ():
                    told = (piece, exact_quantity(piece), piece.free_exact)
                    taken.setdefault(_drawer(piece), []).append(told)  # type: ignore[union-attr]
        for drawer in ghosts:  # no piece rated after the first that stands: dry at the end
            self.dry(pools, within, drawer, wet)
        if wet:
            raise Refilled(wet)

    def take_net(
        self,
        members: list[_Freed],
        netted: tuple[list[Netted], Cancels],
        state: tuple[dict[PoolKey, Fraction], tuple[int, int], dict[tuple[object, ...], Ledger]],
        taken: Taken | None,
    ) -> None:
        """`take` of an account's meter as its net usage (`ratekit._allowance_nets`).

        Rated whole under the streaming rater's reuse (`Refilled`: a correction gives
        back). The pieces taken are told in ``taken``.
        """
        pools, within, _ = state
        if self.drawn and any(_drawer(piece) in self.drawn for piece in members):
            raise Refilled
        items, cancels = netted
        before = dict(pools)
        if overlapping(items, self.samples):
            flow(self, items, state, self.samples)
        else:
            for batch in at_one(items, self.peaks):  # (a peak's of one span together)
                take_shared(self, batch, state)

        def source(piece: _Freed, held: dict[PoolKey, Fraction]) -> Source:
            return Source(held, self.combo(piece)[1], piece.plan, within)

        shown(items, cancels, before, self.draw, source)
        if taken is not None:
            for piece in members:
                if piece.quantity != 0:
                    taken.setdefault(_drawer(piece), []).append(
                        (piece, exact_quantity(piece), piece.free_exact)
                    )

    def together(self, members: list[_Freed], drawn: Drawn | None) -> bool:
        """Whether ``members`` (an account's meter, in place order) must take together.

        When a piece starts inside a running one (`overlapping`); or, under the streaming
        rater's reuse, when a piece rated of a drawer some of whose pieces stand starts
        before the latest of those that stand before it ends (they ran beside it), or
        runs over the start of the first that stands after it (``ghosts``: it would have
        run beside it): `take_together` checks what stands as the pieces run. Else taking
        each whole at its start is the same, and `resumes` checks it. O(n).
        """
        if overlapping(members, self.samples):
            return True
        if not drawn:
            return False
        seen: set[Drawer] = set()
        for piece in members:
            if piece.quantity == 0:
                continue
            drawer = _drawer(piece)
            stands = drawn.get(drawer)
            if stands is None:
                continue
            start, end = piece.span.start_us, piece.span.end_us
            if drawer not in seen:  # its first piece rated: the others start later
                seen.add(drawer)
                reach = stands[4]
                if reach is not None and start < reach:
                    return True
            ghost = stands[3]
            if ghost is not None and start <= ghost[0] < end:
                return True
        return False

    def resumes(
        self,
        pools: dict[PoolKey, Fraction],
        within: tuple[int, int],
        batch: list[_Freed],
        state: tuple[dict[Drawer, Place], dict[Drawer, Place], dict[Drawer, Fraction]],
    ) -> None:
        """Check that ``batch`` (rated) takes as rating every piece of its drawer would.

        Each piece sorts after the pieces that stand before those rated (``lasts``: the
        first piece rated of each drawer is checked, then forgotten), it is no
        correction, and where it sorts at or after the first piece that stands after
        (``ghosts``), the pool is dry there (else ``wet`` tells what it had left: see
        `Refilled`). Pieces taken together (`at_one`) share with no piece that stands,
        and the pool is dry before them where the first that stands after is of their span.
        """
        lasts, ghosts, wet = state
        span = batch[0].span
        shared = (span.start_us, span.end_us) if len(batch) > 1 else None
        for piece in batch:
            drawer = _drawer(piece)
            last = lasts.pop(drawer, None)
            if last is not None and (place(piece) <= last or last[::2] == shared):
                raise Refilled
            if piece.quantity < 0 and drawer in self.drawn:
                raise Refilled
            at = ghosts.get(drawer)
            if at is not None and (place(piece) >= at or at[::2] == shared):
                del ghosts[drawer]
                self.dry(pools, within, drawer, wet)

    def take_together(
        self,
        members: list[_Freed],
        state: tuple[dict[PoolKey, Fraction], tuple[int, int], dict[tuple[object, ...], Ledger]],
        stand: tuple[dict[Drawer, Place], dict[Drawer, Place], dict[Drawer, Fraction]],
        taken: Taken | None,
    ) -> None:
        """`take` of an account's meter whose rows run at once, or some stand (`flow`).

        ``state``: the pools, the span they are prorated to and the units billed (see
        `take`). Under the streaming rater's reuse, per drawer some of whose pieces stand
        (``stand``: see `take`): each piece rated sorts after those that stand before it
        (``lasts``) and is no correction (else `Refilled`: the caller rates whole);
        where the latest of those ends, the pools are not dry yet (so they took all they
        wanted beside the pieces rated that ran with them: else `Refilled`); and where
        the first that stands after them starts (``ghosts``), they are dry (else ``wet``
        tells what they had left). The pieces taken are told in ``taken``.
        """
        pools, within, _ = state
        lasts, ghosts, wet = stand
        marks: list[tuple[int, Callable[[], None]]] = []
        firsts: dict[Drawer, int] = {}
        for piece in members if self.drawn else ():
            drawer = _drawer(piece)
            if drawer not in self.drawn or piece.quantity == 0:
                continue
            last = lasts.get(drawer)
            if piece.quantity < 0 or (last is not None and place(piece) <= last):
                raise Refilled
            firsts.setdefault(drawer, piece.span.start_us)
        for drawer, first in firsts.items():
            reach = self.drawn[drawer][4]
            if reach is not None and first < reach:
                marks.append((reach, functools.partial(self.wet, pools, within, drawer)))
            at = ghosts.pop(drawer, None)
            if at is not None:
                marks.append((at[0], functools.partial(self.dry, pools, within, drawer, wet)))
        marks.sort(key=operator.itemgetter(0))
        flow(self, members, state, self.samples, marks)
        if taken is not None:
            for piece in members:
                if piece.quantity != 0:
                    taken.setdefault(_drawer(piece), []).append(
                        (piece, exact_quantity(piece), piece.free_exact)
                    )

    def wet(self, pools: dict[PoolKey, Fraction], within: tuple[int, int], drawer: Drawer) -> None:
        """Raise `Refilled` unless the pools of ``drawer`` have something left."""
        dry: dict[Drawer, Fraction] = {}
        self.dry(pools, within, drawer, dry)
        if not dry:
            raise Refilled

    def combo(self, piece: _Freed) -> tuple[tuple[object, ...], list[PoolKey]]:
        """The pieces ``piece`` runs with, taking from the same pools: their key, and the pools.

        The key (account, meter, plan, billing cycle, allowance periods: its first four
        key its `Ledger` in ``billed``), and the pools of the plan's allowances on the
        meter where the piece starts, in order.
        """
        row, plan = piece.row, piece.plan
        keys = [
            (row.account, id(plan), index, _period(allowance, piece.cycle, piece.span.start_us))
            for index, allowance in enumerate(plan.allowances)
            if allowance.meter == row.meter
        ]
        return (row.account, row.meter, id(plan), piece.cycle, *(key[3] for key in keys)), keys

    def take_at(
        self,
        piece: _Freed,
        pools: dict[PoolKey, Fraction],
        within: tuple[int, int],
        billed: dict[tuple[object, ...], Ledger],
        quantity: Fraction,
    ) -> Fraction:
        """What ``quantity`` of ``piece``, taken at once, takes free (below zero: gives back).

        Usage fills what corrections took below zero, then takes from the pools, then is
        billed; a correction takes back the units taken before it, the latest first (see
        `_Pools.undo`). Updates ``pools`` and ``billed``.
        """
        combo, keys = self.combo(piece)
        ledger = ledger_of(billed, combo)
        source = Source(pools, keys, piece.plan, within)
        if quantity > 0:
            return self.use(source, ledger, quantity)
        return self.undo(source, ledger, quantity)

    def dry(
        self,
        pools: dict[PoolKey, Fraction],
        within: tuple[int, int],
        drawer: Drawer,
        wet: dict[Drawer, Fraction],
    ) -> None:
        """Tell in ``wet`` what the pools of ``drawer`` have left, unless nothing."""
        plan = self.drawn[drawer][0]
        left = _NOTHING
        for key in _keys(drawer, plan):
            held = pools.get(key)
            left += self.pool(key[0], plan, key[2], key[3], within) if held is None else held
        if left:
            wet[drawer] = left

    def fresh_since(self, meter_name: str, first_us: int) -> int:
        """Where usage before the span starts to count for the allowances of a meter.

        From the span's start, back to an instant where every period of an allowance on
        the meter (a billing cycle's, an own cycle's) and the billing cycle itself start,
        or to ``first_us`` (the earliest usage): usage before it leaves every pool over the
        span's start whole, and the units its billing cycle took are all known (a
        correction in the span takes back the latest, free ones of an earlier period
        too). O(k a) for k periods walked back, a allowances.
        """
        at_us = self.start_us
        while at_us > first_us:
            earliest = at_us
            for plan in self.plans:
                for allowance in plan.allowances:
                    if allowance.meter == meter_name:
                        cycle = allowance.cycle or plan.cycle
                        earliest = min(earliest, cycle.containing_us(at_us)[0])
                        earliest = min(earliest, plan.cycle.containing_us(at_us)[0])
            if earliest == at_us:
                break
            at_us = earliest
        return at_us

    def period_starts(self, first_us: int) -> dict[str, int]:
        """Per meter with an own-period allowance, from when usage before the span counts.

        ``first_us``: the earliest instant of the input (see `fresh_since`); only
        meters whose usage before the span counts (it starts before the span) are named.
        """
        out: dict[str, int] = {}
        for plan in self.plans:
            for allowance in plan.allowances:
                if allowance.cycle is not None and allowance.meter not in out:
                    since = self.fresh_since(allowance.meter, first_us)
                    if since < self.start_us:
                        out[allowance.meter] = since
        return out

    def consume_before(self, rows: Iterable[UsageRow]) -> None:
        """Let the usage of ``rows`` before the span take from own-period allowances.

        As rating the time before the span would: rows cut where a plan, a billing
        cycle, an allowance's period or a price regime changes (in proportion to time),
        parts taking from their plan's allowances in time order and stacking order (a
        correction's giving back, as `take` says), a billing cycle's allowance prorated to its part before the span. What is
        left of each own-period pool is where the span's usage starts from (``left``).
        """
        start = self.start_us
        allowed = {a.meter for plan in self.plans for a in plan.allowances if a.cycle is not None}
        if not allowed:
            return
        by_meter: dict[str, list[UsageRow]] = {}
        for row in rows:
            if row.span.start_us < start and row.meter in allowed:
                by_meter.setdefault(row.meter, []).append(row)
        pools = dict(self.left)
        for meter_name, earlier in by_meter.items():
            since = self.fresh_since(meter_name, min(row.span.start_us for row in earlier))
            pieces: list[_Before] = []
            for row in earlier:
                pieces.extend(self.before(row, since))
            pieces = self.moved_before(pieces)  # as rating's step 2b moves them
            self.take(pieces, pools, (MIN_US, start), self.billed_before)
        plans = {id(plan): plan for plan in self.plans}

        def own(key: PoolKey) -> bool:
            return key != GONE and plans[key[1]].allowances[key[2]].cycle is not None

        self.left = {key: left for key, left in pools.items() if own(key)}
        # a billing cycle's pools before the span are not the span's: what a correction
        # in the span takes back of theirs is free again for no later usage
        for ledger in self.billed_before.values():
            ledger.runs = [
                (key if key is BILLED or own(key) else GONE, amount) for key, amount in ledger.runs
            ]

    def before(self, row: UsageRow, since: int) -> list[_Before]:
        """The parts of ``row`` inside ``[since, span start)``, under their plans.

        A correction's parts too: they give back what the usage before them took.
        """
        start, end = row.span.start_us, row.span.end_us
        stop = self.start_us
        segments = self.plans_of(row.account)
        if start == end:
            if not since <= start < stop or row.quantity == 0:
                return []
            found = [plan for a, b, plan in segments if a <= start < b]
            shared = row.meter in self.peaks
            return [_Before(row, start, end, row.quantity, found[0], shared)] if found else []
        lo, hi = max(start, since), min(end, stop)
        if hi <= lo:
            return []
        cuts = {lo, hi}
        for seg_start, seg_end, plan in segments:
            a, b = max(seg_start, lo), min(seg_end, hi)
            if a >= b:
                continue
            cuts.update((a, b))
            cuts.update(plan.cycle.boundaries_us(a, b))
            cuts.update(plan._cuts_us(row.meter, a, b))
            for own in own_cycles(plan, row.meter):
                cuts.update(own.boundaries_us(a, b))
        inside = sorted(t for t in cuts if start < t < end)
        out = []
        share = row.meter in self.peaks
        for p_start, p_end, quantity in _split(row.quantity, start, end, inside, share):
            if lo <= p_start < hi and quantity != 0:
                found = [plan for a, b, plan in segments if a <= p_start < b]
                if found:
                    out.append(_Before(row, p_start, p_end, quantity, found[0], share))
        return out
