"""Where metering cuts each account's rows: at its own plans' changes, not at others'.

A row of usage is cut wherever its price may change: at metering's cycle (the first
plan's), where the account's assignment starts or ends, where a plan of the account with
another cycle starts a cycle, and where a plan of the account changes a price of the
meter or starts an allowance's own period (`Plan.cuts`). Only the account's own plans
count: when its plans bill on the first plan's cycle, an account's rows, charges and
their spans depend on its own records and its own plans, so rating accounts together or
apart (`ratekit.scaleout`) gives the same rows, and a thousand accounts that signed up
at a thousand instants do not cut each other's rows a thousand times.

Private to rating and the rater (they hand `by_account()` to `ratekit.metering`).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Mapping

if typing.TYPE_CHECKING:
    from ._window import CycleLike
    from .pricebook import Plan

__all__ = ["AccountCuts", "by_account", "metering_cycle"]

# Per account: per meter name, the ascending instants (epoch microseconds) inside the span.
AccountCuts = Callable[[str], Mapping[str, list[int]]]


def metering_cycle(plans: list[Plan]) -> CycleLike | None:
    """The cycle metering aggregates and cuts every account's rows by: the first plan's.

    Plans that bill on other cycles add their own cycles' starts to their accounts' cuts
    (`by_account`); the peaks and means of those accounts are still aggregated per this
    cycle (docs/pricing.md, Layering). None without plans.
    """
    return plans[0].cycle if plans else None


def by_account(
    default: Plan | None,
    assignments: Mapping[str, list[tuple[int, int, Plan]]],
    plans: list[Plan],
    meters: Iterable[str],
    *,
    lo: int,
    hi: int,
) -> AccountCuts:
    """Each account's cuts inside ``(lo, hi)``, per meter in ``meters``.

    ``default``: the one plan of every account, or None under ``assignments`` (per
    account: ``(start_us, end_us, plan)``); ``plans``: every plan (see `metering_cycle`).
    Accounts with the same assignments share one mapping, computed on first use: O(p)
    per distinct set of assignments, then O(1) per look-up.

    Examples:
        >>> import ratekit as rk
        >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [])
        >>> cuts = by_account(None, {"a": [(5, 20, plan)], "b": [(0, 30, plan)]}, [plan], ["m"], lo=0, hi=30)
        >>> cuts("a"), cuts("b"), cuts("unassigned")
        ({'m': [5, 20]}, {'m': []}, {'m': []})
    """
    names = list(meters)
    first_cycle = metering_cycle(plans)

    def of(own: Iterable[Plan], bounds: Iterable[int]) -> dict[str, list[int]]:
        common = {t for t in bounds if lo < t < hi}
        own = list({id(plan): plan for plan in own}.values())
        for plan in own:
            if plan.cycle != first_cycle:
                common.update(plan.cycle.boundaries_us(lo, hi))
        return {
            name: sorted(common.union(*(plan._metering_cuts_us(name, lo, hi) for plan in own)))
            for name in names
        }

    if default is not None:
        shared = of((default,), ())
        return lambda account: shared
    known: dict[tuple[tuple[int, int, int], ...], dict[str, list[int]]] = {}
    accounts: dict[str, dict[str, list[int]]] = {}

    def cuts(account: str) -> Mapping[str, list[int]]:
        found = accounts.get(account)
        if found is None:
            items = assignments.get(account, ())
            key = tuple((a, b, id(plan)) for a, b, plan in items)
            found = known.get(key)
            if found is None:
                found = known[key] = of(
                    (plan for _, _, plan in items), (t for a, b, _ in items for t in (a, b))
                )
            accounts[account] = found
        return found

    return cuts
