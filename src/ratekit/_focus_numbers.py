"""The numbers of FOCUS rows: exact, in plain notation, and whether a unit price gives a cost.

`ratekit.focus` writes every numeric column through these: FOCUS's Numeric Format has no
exponent, a cost keeps no trailing zero past the currency's quantum, and a list cost is
the exact product of the two numbers its row prints.
"""

from __future__ import annotations

import decimal
from collections.abc import Sequence
from decimal import Decimal
from typing import Final

from ._decimals import CONTEXT, ONE, exact_sum, own_context
from ._time_exact import SHARE_DIGITS
from .render import plain

__all__ = ["PRODUCTS", "adds_up", "cost_text", "gives", "number_text"]

#: Exact products: a list cost is PricingQuantity x ListUnitPrice to the last digit (two
#: numbers of up to 60 digits: up to 120), never rounded at any precision.
PRODUCTS: Final = own_context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.Inexact, decimal.Overflow, decimal.Underflow],
)


def number_text(value: Decimal | None) -> str | None:
    """A numeric column: the exact decimal in plain notation (no exponent), or null."""
    return None if value is None else plain(value)


def cost_text(value: Decimal, quantum: Decimal) -> str:
    """A cost column: exact and plain, with no trailing zero past the quantum's places.

    ``0.0200...0`` (60 digits) is ``0.02`` on a quantum of 0.01, ``1.500`` is ``1.50``;
    a value with no more places than the quantum keeps its digits (``1``, ``10.0``).
    """
    places = min(int(quantum.as_tuple().exponent), 0)
    if int(value.as_tuple().exponent) >= places:
        return plain(value)
    short = value.normalize(PRODUCTS)  # exact: a list cost may have more than 60 digits
    if int(short.as_tuple().exponent) > places:
        short = short.quantize(ONE.scaleb(places), context=PRODUCTS)
    return plain(short)


#: How far, in units of an amount's 60th digit, a quantity times its unit price may lie
#: from the amount when both were rounded there: the quantity's rounding (half a unit of
#: its 60th digit) times the price is under 5 units of the product's, the amount's own
#: rounding half a unit; 10 leaves room for a free part subtracted from the quantity.
_ROUNDING_UNITS: Final = 10


def gives(
    product: Decimal,
    amount: Decimal,
    price: Decimal | None = None,
    quantity: Decimal | None = None,
) -> bool:
    """Whether ``product`` (billable quantity x unit price, exact) gives ``amount``.

    Equal, or apart by no more than the rounding of a prorated quantity and amount at
    their 60th digit: a fee of 30 for 2 of March's 744 hours has the share 1/372 to 60
    digits, 0.00268...075, and the amount 30/372 to 60 digits, 0.0806...3226, while the
    share times 30 is 0.0806...3225. A price stated otherwise (a charge built by hand
    whose amount is not its quantity times its price) is further off by far. With
    ``price``, the quantity may also be a share rounded to 60 decimal places (a part of a
    cycle split by a change of plan): the product may lie a further ``|price| x 1E-60``
    away. With ``quantity`` too (the billable quantity of ``product``), that quantity
    may be a share of an aggregate of 1E+9 or more, cut at the aggregate's 60th digit
    and charged at its exact value (`ratekit._time_exact.exact_share`): where it keeps
    at least as many digits as such a share does, the product may lie a further
    ``|price|`` times a unit of its last digit away (9.99E+29 seats at 9 for 1 µs of
    April: 385416666666666666.66...67, cut at 1E-30, charged 3468750000000000000).
    """
    if product == amount:
        return True
    if amount.is_zero():
        return False
    unit = Decimal((0, (1,), amount.adjusted() - (CONTEXT.prec - 1)))
    difference = PRODUCTS.subtract(product, amount).copy_abs()
    bound = PRODUCTS.multiply(_ROUNDING_UNITS, unit)
    if price is not None:
        bound = PRODUCTS.add(bound, PRODUCTS.multiply(price.copy_abs(), _SIXTY_PLACES))
        if quantity is not None and quantity.is_finite():
            _, digits, exponent = quantity.as_tuple()
            if len(digits) >= SHARE_DIGITS and isinstance(exponent, int):
                last = Decimal((0, (1,), exponent))
                bound = PRODUCTS.add(bound, PRODUCTS.multiply(price.copy_abs(), last))
    return difference <= bound


def _digit_60(value: Decimal) -> Decimal:
    """A unit of ``value``'s 60th significant digit (0 for 0), where ratekit rounds it."""
    if value.is_zero():
        return Decimal(0)
    return Decimal((0, (1,), value.adjusted() - (CONTEXT.prec - 1)))


def adds_up(terms: Sequence[Decimal], total: Decimal) -> bool:
    """Whether ``terms`` add up to ``total``, each of them rounded at its 60th digit.

    Equal, or apart by no more than the rounding of each term and of the total at its
    own 60th significant digit: a group's position, a piece's quantity and the free part
    of a prorated allowance (10.2 x 743/744 = 10.18629...) were each rounded there,
    so 0 + 10.187 - 10.18629... is off from the stored ``after`` at the free part's 58th
    decimal, not the total's 63rd. O(len(terms)).
    """
    apart = PRODUCTS.subtract(exact_sum(terms), total).copy_abs()
    if apart.is_zero():
        return True
    units = exact_sum(_digit_60(value) for value in (*terms, total))
    return apart <= PRODUCTS.multiply(_ROUNDING_UNITS, units)


#: A unit of the 60th decimal place, where a share of a cycle split by a change is rounded.
_SIXTY_PLACES: Final = Decimal("1E-60")
