"""The price model protocol: what rating needs from a price model.

[`PriceModel`][ratekit.PriceModel] is the protocol every built-in model implements, as a
user-written one does (`ratekit.prices` re-exports it, with the models), and
``_marginal`` is its identity ``marginal(q, a) = amount(q + a) - amount(q)``, which the
models that are not linear compute that way.

Examples:
    >>> import ratekit as rk
    >>> isinstance(rk.Graduated([rk.Tier(None, "0.05")]), rk.PriceModel)
    True
"""

from __future__ import annotations

import typing
from decimal import Decimal
from typing import Protocol

from ._decimals import CONTEXT, to_decimal
from .tiers import Number, TierLine

__all__ = ["PriceModel"]


def _marginal(model: PriceModel, quantity: Number, added: Number) -> Decimal:
    base = to_decimal(quantity)
    return CONTEXT.subtract(
        model.amount(CONTEXT.add(base, to_decimal(added, "added quantity"))), model.amount(base)
    )


@typing.runtime_checkable
class PriceModel(Protocol):
    """What rating needs from a price model; implement it to add your own.

    ``amount(quantity)`` is the exact, unrounded amount for a quantity; ``explain``
    returns [`TierLine`][ratekit.TierLine] values whose amounts add up to it; ``marginal(quantity,
    added)`` is ``amount(quantity + added) - amount(quantity)``; ``linear`` is true only
    when the amount is proportional to the quantity (rating then prices each usage piece
    on its own; otherwise it prices the cycle's total and allocates it back). Rating
    passes quantities as `Decimal`.

    Examples:
        A price with a cap: 0.05 per unit, at most 20 per cycle.

        >>> from decimal import Decimal
        >>> import ratekit as rk
        >>> class Capped:
        ...     linear = False
        ...     def amount(self, quantity: Decimal) -> Decimal:
        ...         return min(Decimal("0.05") * quantity, Decimal(20))
        ...     def explain(self, quantity: Decimal) -> tuple[rk.TierLine, ...]:
        ...         amount = self.amount(quantity)
        ...         return (rk.TierLine(label="capped at 20", lower=None, upper=None,
        ...                             quantity=quantity, unit=Decimal("0.05"), amount=amount),)
        ...     def marginal(self, quantity: Decimal, added: Decimal) -> Decimal:
        ...         return self.amount(quantity + added) - self.amount(quantity)
        >>> model: rk.PriceModel = Capped()
        >>> model.amount(Decimal(1000)), model.marginal(Decimal(390), Decimal(20))
        (Decimal('20'), Decimal('0.50'))
    """

    @property
    def linear(self) -> bool:
        """True only when ``amount(a + b) == amount(a) + amount(b)`` for all quantities."""
        ...

    def amount(self, quantity: Decimal, /) -> Decimal:
        """The exact, unrounded amount for ``quantity``."""
        ...

    def explain(self, quantity: Decimal, /) -> tuple[TierLine, ...]:
        """The breakdown of ``amount(quantity)``, line by line."""
        ...

    def marginal(self, quantity: Decimal, added: Decimal, /) -> Decimal:
        """``amount(quantity + added) - amount(quantity)``."""
        ...
