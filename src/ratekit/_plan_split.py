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
from ._decimals import exact_sum

if typing.TYPE_CHECKING:
    from .charges import Charge

__all__ = ["allot", "by_scope", "step_of"]

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
    ties to the scope in force first (whose earliest charge starts first; then the first
    listed), so that the split, and the top-ups settled on it, do not depend on the order
    the charges were given in. The parts add up to ``amount``, in the order the scopes
    first come in ``charges``. O(c log c) for c charges.

    ```pycon
    >>> import ratekit as rk
    >>> first = rk.Span("2026-03-01T00:00:00Z", "2026-03-16T00:00:00Z")
    >>> second = rk.Span("2026-03-16T00:00:00Z", "2026-04-01T00:00:00Z")
    >>> class Priced(typing.NamedTuple):  # what it reads of a charge
    ...     plan: str
    ...     span: rk.Span
    ...     amount: Decimal
    >>> line = [Priced("b", second, Decimal("0.005")), Priced("a", first, Decimal("0.003")),
    ...         Priced("a", first, Decimal("0.003"))]
    >>> by_scope(line, Decimal("0.01"), lambda c: c.plan, Decimal("0.01"))  # a 6/11, b 5/11 of a cent
    {'b': Decimal('0.00'), 'a': Decimal('0.01')}
    >>> line[1] = Priced("a", first, Decimal("0.005"))
    >>> by_scope(line[:2], Decimal("0.01"), lambda c: c.plan, Decimal("0.01"))  # a tie: to a, in force first
    {'b': Decimal('0.00'), 'a': Decimal('0.01')}

    ```
    """
    keys = [scope(charge) for charge in charges]
    if all(key == keys[0] for key in keys):  # one scope (or none): no arithmetic
        return dict.fromkeys(keys[:1], amount)
    amounts: dict[_Key, list[Decimal]] = {}
    first: dict[_Key, int] = {}
    for key, charge in zip(keys, charges, strict=True):
        amounts.setdefault(key, []).append(charge.amount)
        start = charge.span.start_us
        if first.get(key, start) >= start:
            first[key] = start
    exact = {key: Fraction(exact_sum(values)) for key, values in amounts.items()}
    # ties to the scope in force first, whatever order the charges were listed in
    order = sorted(exact, key=first.__getitem__)
    moved = spread(Fraction(amount), [exact[key] for key in order])
    split = dict(zip(order, allocate(amount, moved, step_of(amount, quantum)), strict=True))
    return {key: split[key] for key in exact}


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


def allot(part: Decimal, exact: Sequence[Fraction], quantum: Decimal) -> list[Decimal]:
    """``part`` (a plan's part of a line) allotted among places near their ``exact`` amounts.

    The exact amounts moved to add up to ``part`` (`_allocation.spread`), then allocated on
    the step ``part`` is rounded on (`step_of` the ``quantum``), ties to the earlier place:
    the one rule by which a detailed invoice splits a plan's part among its resource lines
    and the FOCUS rows split it again, so that the two agree. O(n log n).
    """
    return allocate(part, spread(Fraction(part), exact), step_of(part, quantum))
