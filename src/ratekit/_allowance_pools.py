"""What an allowance's pools offer, and how usage takes from them and gives back.

Private to `ratekit._allowances`, whose `_Allowances` takes usage from the pools in time
order; this is the arithmetic of one pool: what its allowance offers in a period,
exact, prorated by the plan's share (`_Pools.offered`), less what usage before a base
took (`_Pools.pool`), and taking from pools in the plan's order (`_Pools.draw`) or
giving back to them what the units a correction takes back took (`_Pools.undo`, from a
billing key's `Ledger`), each from the pools a billing key draws on (a `Source`). Mixed
into the rating engine, which provides the state it declares.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Final

import attrs

from ._rating_coverage import _Covered
from .pricebook import Plan
from .terms import Allowance

_NOTHING: Final = Fraction(0)

#: A pool: (account, id of the plan, index of the allowance in the plan, period).
PoolKey = tuple[str, int, int, tuple[int, int]]


class Ledger:
    """What usage of a billing key (account, meter, plan, billing cycle) took so far.

    ``billed``: the units billed (below zero: what corrections took past all usage,
    which later usage fills before it takes free units). ``runs``: the units taken, in
    time order, in runs of one source: a pool's key (the free units it gave), `BILLED`,
    or `GONE` (a pool no longer at hand: a billing cycle's before the span). A piece of
    usage takes free units in the plan's order, then is billed, so its billed units are
    its latest. A correction takes back the latest units first, each free unit given
    back to the pool it came from (`_Pools.undo`): so a correction on another day than
    the usage it undoes, or under pools of different periods, takes back what that
    usage took, no more, whatever the periods of the pools.
    """

    __slots__ = ("billed", "runs")

    def __init__(
        self, billed: Fraction = _NOTHING, runs: list[tuple[PoolKey | None, Fraction]] | None = None
    ) -> None:
        self.billed = billed
        self.runs: list[tuple[PoolKey | None, Fraction]] = runs if runs is not None else []

    def copy(self) -> Ledger:
        """A copy that takes apart from this one."""
        return Ledger(self.billed, list(self.runs))

    def push(self, source: PoolKey | None, amount: Fraction) -> None:
        """Tell ``amount`` units taken of ``source`` (a pool, `BILLED` or `GONE`)."""
        runs = self.runs
        if runs and runs[-1][0] == source:
            runs[-1] = (source, runs[-1][1] + amount)
        else:
            runs.append((source, amount))


@attrs.frozen(eq=False)
class Source:
    """The pools a billing key's usage draws free units from, and gives them back to.

    ``pools``: what each pool has left, by key (updated in place, shared by every billing
    key of a rating; a pool not in it yet offers its allowance, see `_Pools.pool`);
    ``keys``: the pools of ``plan``'s allowances on the meter, in the plan's order;
    ``within``: the span (lo, hi) a billing cycle's pool is prorated to. Compared by
    identity (it holds the pools, which change).
    """

    pools: dict[PoolKey, Fraction]
    keys: list[PoolKey]
    plan: Plan
    within: tuple[int, int]


#: A run of billed units in a `Ledger`.
BILLED: Final = None
#: A run of free units of a pool no longer at hand (no pool is ever keyed so).
GONE: Final[PoolKey] = ("", -1, -1, (0, 0))


def ledger_of(billed: dict[tuple[object, ...], Ledger], combo: tuple[object, ...]) -> Ledger:
    """The `Ledger` of ``combo``'s billing key (its first four: account, meter, plan, cycle)."""
    key = combo[:4]
    ledger = billed.get(key)
    if ledger is None:
        ledger = billed[key] = Ledger()
    return ledger


class _Pools(_Covered):
    """The pools of allowances, for the rating engine that provides this state."""

    # carried: what usage before a base (the rater's) consumed of the own-period pools,
    # per (account, id of the plan, meter, period), all its allowances of that period
    used_before: dict[tuple[str, int, str, tuple[int, int]], Fraction]
    # the meters whose rows are shares of an aggregate (cut as metering cuts them)
    peaks: frozenset[str]

    def draw(self, source: Source, wanted: Fraction, ledger: Ledger | None = None) -> Fraction:
        """Take up to ``wanted`` from the pools of ``source`` in order; what they gave.

        ``ledger``: where the free units taken are told, each with its pool (see `Ledger`).
        """
        pools, plan, within = source.pools, source.plan, source.within
        free = _NOTHING
        for key in source.keys:
            if free == wanted:
                break
            left = pools.get(key)
            if left is None:
                left = self.pool(key[0], plan, key[2], key[3], within)
            taken = min(left, wanted - free)
            pools[key] = left - taken
            free += taken
            if ledger is not None and taken > 0:
                ledger.push(key, taken)
        return free

    def use(self, source: Source, ledger: Ledger, quantity: Fraction) -> Fraction:
        """Usage of ``quantity`` (above zero) under ``ledger``: what it takes free.

        It fills what corrections took below zero, then takes from the pools of
        ``source`` in order, then is billed.
        """
        billed = ledger.billed
        refill = min(quantity, -billed) if billed < 0 else _NOTHING
        free = self.draw(source, quantity - refill, ledger)
        charged = quantity - refill - free
        if charged:
            ledger.push(BILLED, charged)
        ledger.billed = billed + quantity - free
        return free

    def undo(self, source: Source, ledger: Ledger, quantity: Fraction) -> Fraction:
        """A correction of ``quantity`` (below zero) under ``ledger``: its free part (<= 0).

        It takes back the units of its billing cycle, the latest first (see `Ledger`):
        billed units, and free units given back to the pools they came from (free again
        for later usage). Past them, a pool of ``source`` (where the correction is) whose
        period runs past the cycle takes back what it gave (`give_back`), and the rest
        goes below zero. O(r + a) for r runs taken back, a allowances.
        """
        pools = source.pools
        wanted = -quantity
        back = given = _NOTHING
        runs = ledger.runs
        while back + given < wanted and runs:
            came_from, amount = runs[-1]
            part = min(amount, wanted - back - given)
            if part == amount:
                runs.pop()
            else:
                runs[-1] = (came_from, amount - part)
            if came_from is BILLED:
                back += part
            else:
                given += part
                if came_from in pools:
                    pools[came_from] += part
        if back + given < wanted:
            given += self.give_back(source, wanted - back - given)
        ledger.billed += quantity + given
        return -given

    def give_back(self, source: Source, wanted: Fraction) -> Fraction:
        """Return up to ``wanted`` free units to the pools of ``source``, the last first.

        A pool takes back what it gave, up to what its allowance offers in its period;
        what it gave back. For a correction that finds no units of its billing cycle to
        take back (`undo`): a pool whose period runs past the cycle frees again what
        usage of another cycle took of it (that cycle's invoice stands).
        """
        pools, plan, within = source.pools, source.plan, source.within
        given = _NOTHING
        for account, plan_id, index, period in reversed(source.keys):
            if given == wanted:
                break
            key = (account, plan_id, index, period)
            left = pools.get(key)
            if left is None:
                left = self.pool(account, plan, index, period, within)
            room = self.offered(account, plan, plan.allowances[index], period, within) - left
            back = min(room, wanted - given)
            if back > 0:
                pools[key] = left + back
                given += back
        return given

    def offered(
        self,
        account: str,
        plan: Plan,
        allowance: Allowance,
        period: tuple[int, int],
        within: tuple[int, int],
    ) -> Fraction:
        """What ``allowance`` offers in ``period``, exact, prorated by the plan's share.

        A billing cycle's allowance is prorated to the part of its cycle inside
        ``within`` (lo, hi; like fees); an own period's, to the plan's share of all the period.
        On a meter that does not add up (a peak, a mean), whose aggregate is the cycle's
        over its part inside ``within`` (so far, before the cycle ends), each piece
        carrying its share of that part's time, the allowance is prorated to the plan's
        share of that part's time alike, whatever the plan's proration (whole days count
        fees, not the pieces of an aggregate): 12 GB of backup peak two days into a
        month, under 12 GB free a month, leave nothing to pay, as the whole month does
        (the peak so far is not the twelfth of a month's that the allowance so far would
        be); nor do 12 seats under 12 free on a plan prorated by days that ends at noon.
        """
        if allowance.cycle is not None:
            within = period
        lo, hi = within
        if allowance.cycle is None and allowance.meter in self.peaks:
            # the aggregate's pieces carry their share of the cycle's time so far, by time
            # whatever the plan's proration: so does its allowance
            lo, hi = max(lo, period[0]), min(hi, period[1])
            held = sum(
                min(b, hi) - max(a, lo)
                for a, b, p in self.plans_of(account)
                if p is plan and max(a, lo) < min(b, hi)
            )
            return Fraction(allowance.quantity) * Fraction(held, hi - lo) if held else _NOTHING
        share = Fraction(0)
        for a, b, p in self.plans_of(account):
            start, end = max(a, lo, period[0]), min(b, hi, period[1])
            if p is plan and start < end:
                share += Fraction(*self.part_share(account, plan, period, start, end))
        return Fraction(allowance.quantity) * share

    def pool(
        self, account: str, plan: Plan, index: int, period: tuple[int, int], within: tuple[int, int]
    ) -> Fraction:
        """The quantity allowance ``index`` of ``plan`` offers in ``period``, before usage.

        An own period's less what the carried use (``used_before``) took of it: that use
        is of all the plan's allowances on the meter with that period, taken in their
        order (an earlier one is used up before a later one is touched).
        """
        allowance = plan.allowances[index]
        offered = self.offered(account, plan, allowance, period, within)
        if allowance.cycle is None:
            return offered
        used = self.used_before.get((account, id(plan), allowance.meter, period), _NOTHING)
        for other in plan.allowances[:index]:
            if used <= 0:
                break
            if (
                other.meter == allowance.meter
                and other.cycle is not None
                and other.cycle.containing_us(period[0]) == period
            ):
                used -= min(used, self.offered(account, plan, other, period, within))
        return max(offered - used, _NOTHING)
