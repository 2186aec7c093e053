"""Graduated amounts: the sum over the tiers a quantity reaches, once or as it climbs.

[`Graduated`][ratekit.Graduated] and [`GraduatedPercentage`][ratekit.GraduatedPercentage]
price a quantity by filling their tiers in order: each tier it passes whole adds its
full step, the tier it ends in adds the part up to it. `Climb` does that for the
quantities of one group priced by its total (rating's running quantity, which mostly
rises): the tiers passed are summed once, as the quantity passes them, not again for
every quantity; a quantity below the tier reached starts again from the first.
`_graduated_amount` is a climb from zero. Either way the same steps are added in the same
order, so an amount is the same Decimal to its last digit and exponent.
"""

from __future__ import annotations

from decimal import Decimal

from ._decimals import CONTEXT, ZERO
from .tiers import Tier, _blocks

__all__ = ["Climb", "_graduated_amount"]

_ADD = CONTEXT.add
_SUB = CONTEXT.subtract
_MUL = CONTEXT.multiply


def _step(tier: Tier, lower: Decimal, top: Decimal) -> Decimal:
    """What ``tier`` adds for the quantities in ``(lower, top]``: units (or blocks), flat."""
    inside = _SUB(top, lower)
    if tier.block is not None:
        inside = Decimal(_blocks(inside, tier.block))
    return _ADD(_MUL(tier.unit, inside), tier.flat)


class Climb:
    """The graduated amounts of a quantity that climbs, from the tier it last reached.

    ``amount(q)`` is the sum over the tiers ``q`` reaches (a quantity on a bound stays in
    the lower tier; above a bounded last tier, that tier up to its bound), for ``q`` of
    at least 0: the tiers below the one it ends in are summed once and kept, with that
    tier's index and lower bound. O(1) per quantity within the tier reached, O(t) to pass
    or go back over t tiers.
    """

    __slots__ = ("below", "flat_at_zero", "index", "last", "lower", "tiers")

    def __init__(self, tiers: tuple[Tier, ...], flat_at_zero: bool) -> None:
        self.tiers = tiers
        self.last = len(tiers) - 1
        self.flat_at_zero = flat_at_zero
        self.index = 0  # the tier reached
        self.lower = ZERO  # its lower bound
        self.below = ZERO  # the sum of the tiers below it, each whole

    def amount(self, quantity: Decimal) -> Decimal:
        index, lower, below = self.index, self.lower, self.below
        if index and not quantity > lower:  # below the tier reached: from the first again
            index, lower, below = 0, ZERO, ZERO
        if not index and not (quantity > ZERO or self.flat_at_zero):
            return ZERO  # zero usage, the first tier's flat fee waived
        tiers, last = self.tiers, self.last
        tier = tiers[index]
        upper = tier.up_to
        while upper is not None and quantity > upper and index < last:
            below = _ADD(below, _step(tier, lower, upper))  # a tier passed whole
            lower = upper
            index += 1
            tier = tiers[index]
            upper = tier.up_to
        self.index, self.lower, self.below = index, lower, below
        top = quantity if upper is None or quantity < upper else upper
        return _ADD(below, _step(tier, lower, top))


def _graduated_amount(tiers: tuple[Tier, ...], quantity: Decimal, flat_at_zero: bool) -> Decimal:
    """The sum over the tiers ``quantity`` (at least 0) reaches: a climb from zero."""
    return Climb(tiers, flat_at_zero).amount(quantity)
