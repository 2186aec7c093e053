"""A line of two plans, split between them: the one rule the invoice and the exports read.

After a plan change within a cycle, one invoice line may hold the charges of both plans
(both price a meter under one entry id), and a cycle rated in pieces may hold a plan's
charges of several pieces. The invoice settles each plan's (each piece's) minimum on what
its own charges make of such a line, as billed; the FOCUS export writes each charge's part
of the line. Both split the line's rounded amount between the plans with `by_scope`, so
the rows of a plan add up to what the invoice's notes settle for it.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Hashable, Sequence
from decimal import Decimal
from fractions import Fraction

from ._allocation import allocate, spread

if typing.TYPE_CHECKING:
    from .charges import Charge

__all__ = ["by_scope", "step_of"]

_ONE: typing.Final = Decimal(1)
_Key = typing.TypeVar("_Key", bound=Hashable)


def by_scope(
    charges: Sequence[Charge], amount: Decimal, scope: Callable[[Charge], _Key], quantum: Decimal
) -> dict[_Key, Decimal]:
    """``amount``, a line's billed amount, split between the scopes of its ``charges``.

    A line of one scope is all that scope's. A line of several (two plans, or two pieces
    of a cycle) is split near their exact amounts (each scope's charges summed, then
    moved to add up to ``amount`` by `_allocation.spread`: in proportion when they are of
    one sign, near their own values when of both signs), on the step ``amount`` is rounded
    on (`step_of` the line's ``quantum``), the quanta left over to the largest remainders,
    ties to the scope whose charge comes first. The parts add up to ``amount``, in the
    order the scopes first come in ``charges``. O(len(charges)).

    ```pycon
    >>> from ratekit import _plan_split
    >>> class Charged(typing.NamedTuple):
    ...     plan: str
    ...     amount: Decimal
    >>> line = [Charged("a", Decimal("0.003")), Charged("a", Decimal("0.003")), Charged("b", Decimal("0.005"))]
    >>> _plan_split.by_scope(line, Decimal("0.01"), lambda c: c.plan, Decimal("0.01"))  # a 6/11, b 5/11 of a cent
    {'a': Decimal('0.01'), 'b': Decimal('0.00')}

    ```
    """
    exact: dict[_Key, Fraction] = {}
    for charge in charges:
        key = scope(charge)
        exact[key] = exact.get(key, Fraction(0)) + Fraction(charge.amount)
    if len(exact) < 2:
        return dict.fromkeys(exact, amount)
    moved = spread(Fraction(amount), list(exact.values()))
    return dict(zip(exact, allocate(amount, moved, step_of(amount, quantum)), strict=True))


def step_of(amount: Decimal, quantum: Decimal) -> Decimal:
    """The step ``amount`` was rounded on: ``quantum``, or the place of its last digit off it.

    A line of charges rounded on another plan's quantum (a list of charges made by hand)
    may lie off the invoice's quantum; it is then split on its own last digit. O(1).

    ```pycon
    >>> step_of(Decimal("1.25"), Decimal("0.05")), step_of(Decimal("1.23"), Decimal("0.05"))
    (Decimal('0.05'), Decimal('0.01'))

    ```
    """
    if (Fraction(amount) / Fraction(quantum)).denominator == 1:
        return quantum
    return _ONE.scaleb(int(amount.as_tuple().exponent))
