"""Charges that stand from an earlier rating, as a minimum counts them.

Private to rating's engine and the streaming rater (`ratekit._rater_reuse`). A minimum's
top-up is a function of its cycle's spend alone: a row's charges do not depend on it. So
the streaming rater keeps the charges of the rows that did not change and rates only the
others again; the engine counts the spend of the charges kept toward the minimums as
rating them again would (`Spends`, added by `spend_standing`), and weighs the charges
kept with the others where a zero top-up may be due (`_topups.floors`), without charging
them again.

What a charge spends is what rating counted for its piece (`_rating_engine._spent` and
`_spent_on_the_spot`): its exact time times its price per unit for a
[`PerUnit`][ratekit.PerUnit] price of a slice of time, else its amount. That is read back
from the charge once, when it is kept (`spent_exact`), except for a per-unit price stated
in another unit or with free units, whose exact billable quantity the charge does not
carry: such a row is never kept under a minimum (it is rated again).
"""

from __future__ import annotations

import collections
import decimal
import typing
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import TypeAlias

from ._decimals import CONTEXT
from ._dues import Spent, spend
from ._dues import _exact as _decimal
from ._timed_charges import timed
from ._topups import floors
from .charges import Charge
from .pricebook import Plan
from .prices import PerUnit
from .sharing import Share

__all__ = [
    "SpendKey",
    "Spends",
    "Total",
    "add",
    "floored",
    "spend_standing",
    "spends_of",
    "spent_exact",
]

#: Where a charge counts toward minimums: (account, plan id, cycle start, meter).
SpendKey: TypeAlias = tuple[str, str, int, str | None]


class Total:
    """The spend of some charges kept: their amounts' sum and exact spend, exactly.

    With how many amounts have each exponent: the Decimal sum of the amounts (as rating
    adds them, it keeps their digits: 16.40) is their exact sum at the least exponent,
    whatever charges were taken away since.
    """

    __slots__ = ("amounts", "exact", "exponents")

    def __init__(self) -> None:
        self.amounts = Fraction(0)
        self.exact = Fraction(0)
        self.exponents: collections.Counter[int] = collections.Counter()

    def copy(self) -> Total:
        new = Total()
        new.amounts, new.exact, new.exponents = self.amounts, self.exact, self.exponents.copy()
        return new

    def amount(self) -> Decimal:
        """The sum of the amounts as a Decimal, as adding them one by one gives it."""
        value = _decimal(self.amounts)
        least = min((e for e, n in self.exponents.items() if n), default=0)
        if value.as_tuple().exponent > least:  # type: ignore[operator]
            try:
                widened = value.quantize(Decimal(1).scaleb(least), context=CONTEXT)
            except decimal.InvalidOperation:
                return value
            if Fraction(widened) == self.amounts:
                return widened
        return value


#: Per key, the spend of the charges kept.
Spends: TypeAlias = dict[SpendKey, Total]
#: What one charge spends, where: its key, its amount, its exact spend.
Spend: TypeAlias = tuple[SpendKey, Decimal, Fraction]


def spent_exact(charge: Charge) -> Fraction | None:
    """What a usage ``charge`` spent toward a minimum, exactly, as rating counted it; or None.

    None where the charge does not carry it: a per-unit price in a unit other than its
    row's (the exact quantity converted), or with free units (their exact part). O(1).
    """
    if type(charge.price) is not PerUnit:
        return Fraction(charge.amount)
    row = charge.row
    if row is None or charge.unit != row.unit or charge.free or charge.unit_price is None:
        return None
    time = timed(charge)
    return Fraction(charge.amount) if time is None else Fraction(charge.unit_price) * time


def spends_of(charges: Iterable[Charge]) -> list[Spend] | None:
    """What each of ``charges`` (a row's) spends, where; None if one's is not read back."""
    out = []
    for charge in charges:
        exact = spent_exact(charge)
        if exact is None:
            return None
        key = (charge.account, charge.plan, charge.cycle.start_us, charge.meter)
        out.append((key, charge.amount, exact))
    return out


def add(totals: Spends, spends: Iterable[Spend], sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) ``spends`` from ``totals`` (each total its own)."""
    for key, amount, exact in spends:
        total = totals.get(key)
        if total is None:
            total = totals[key] = Total()
        total.amounts += sign * Fraction(amount)
        total.exact += sign * exact
        total.exponents[typing.cast("int", amount.as_tuple().exponent)] += sign


def spend_standing(
    totals: Spends, spent: dict[tuple[str, int, int], Spent], plans: Sequence[Plan]
) -> None:
    """Add the spend of the charges kept (``totals``) to ``spent``, under plans with minimums.

    As `_rating_engine._Engine.charges` adds the charges it rates: per account, plan and
    cycle, per meter. The rater shares no charge (a minimum counts all of one). O(k) for
    k keys.
    """
    if not totals:
        return
    by_id = {plan.id: plan for plan in plans}
    for (account, plan_id, cycle_start, meter), total in totals.items():
        plan = by_id.get(plan_id)
        if plan is not None and plan.minimums and any(total.exponents.values()):
            spend(spent, (account, id(plan), cycle_start), meter, total.amount(), total.exact)


def floored(
    charges: list[Charge],
    standing: Sequence[Charge],
    owned: Mapping[tuple[str, str], Sequence[Share]],
) -> list[Charge]:
    """`_topups.floors` of ``charges``, the charges kept (``standing``) weighed with them.

    A zero top-up is among those rated (``charges``); the lines it weighs hold the
    charges kept too. Only ``charges`` are returned.
    """
    if not standing:
        return floors(charges, owned)
    if not any(charge.kind == "minimum" and not charge.amount for charge in charges):
        return charges
    kept = set(map(id, floors([*charges, *standing], owned)))
    return [charge for charge in charges if id(charge) in kept]
