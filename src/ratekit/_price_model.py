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
from ._shown import show
from .errors import BadPriceError, BadQuantityError, RatekitError
from .tiers import Number, TierLine

__all__ = ["PriceModel", "failed", "not_a_price", "priced"]


def priced(model: PriceModel, method: str, arguments: tuple[Decimal, ...], what: str) -> Decimal:
    """``model.<method>(*arguments)`` (``amount`` or ``marginal``), checked: a finite Decimal.

    Every call rating makes to a price model is checked so (the hot loop of
    `ratekit._pricing` inline, with the same errors): a model of the user's own that
    returns a float, a Fraction, None or NaN, or fails (infinity less infinity, a division
    by zero, a ``KeyError`` in a lookup of its own: any ``Exception``), is a [`BadPriceError`][ratekit.BadPriceError] naming it
    and ``what`` (the entry, plan and what was priced), never a wrong charge or a foreign
    exception later. A [`RatekitError`][ratekit.RatekitError] it raises passes as it is.

    Examples:
        >>> class Broken:
        ...     linear = True
        ...     def amount(self, quantity): return float(quantity) * 0.1
        >>> priced(Broken(), "amount", (Decimal(2),), "price entry 'e' of plan 'p'")
        Traceback (most recent call last):
        ...
        ratekit.BadPriceError: price entry 'e' of plan 'p': its price model Broken.amount() returned float 0.2; a price model returns a finite Decimal.
    """
    try:
        result = getattr(model, method)(*arguments)
    except RatekitError:
        raise
    except Exception as error:  # a model of the user's own: its failure named, not leaked
        raise failed(model, method, error, what) from error
    if type(result) is not Decimal or not result.is_finite():
        raise not_a_price(model, method, result, what)
    return result


def failed(model: object, method: str, error: Exception, what: str) -> BadPriceError:
    """The error of a price model that raised ``error`` (not a ratekit error) in ``method``."""
    return BadPriceError(
        f"{what}: its price model {type(model).__name__}.{method}() raised "
        f"{type(error).__name__} ({error})."
    )


def not_a_price(model: object, method: str, result: object, what: str) -> BadPriceError:
    """The error of a price model whose ``method`` returned ``result``, not a finite Decimal."""
    return BadPriceError(
        f"{what}: its price model {type(model).__name__}.{method}() returned "
        f"{type(result).__name__} {show(result)}; a price model returns a finite Decimal."
    )


def _marginal(model: PriceModel, quantity: Number, added: Number) -> Decimal:
    """``amount(quantity + added) - amount(quantity)``; a refused sum named as one. O(amount)."""
    base = to_decimal(quantity)
    extra = to_decimal(added, "added quantity")
    before = model.amount(base)  # the quantity given, named as given when refused
    total = CONTEXT.add(base, extra)
    try:
        after = model.amount(total)
    except BadQuantityError as error:
        said = CONTEXT.to_sci_string  # not in the caller's capitals
        raise BadQuantityError(
            f"{type(model).__name__}.marginal({said(base)}, {said(extra)}): the quantity after "
            f"the added units, {said(base)} + {said(extra)} = {said(total)}, is refused: {error}"
        ) from None
    return CONTEXT.subtract(after, before)


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
