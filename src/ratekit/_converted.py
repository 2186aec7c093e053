"""Exact quantities of charges converted to their price's own unit.

A price may be stated per another unit than its meter's (per hour for a meter in
seconds). Rating converts each piece's quantity exactly, and hands the price the nearest
number ratekit represents to it: 120 s are 1/30 hour, charged as 0.0333...33 (60
digits). A line adds such charges, and their cut quantities miss the exact sum by a few
units of the 60th digit: 120 s and 3480 s at 1 per hour are 1/30 + 29/30 = 1 exactly,
yet 0.0333...33 + 0.9666...67 = 1.000...0003, which a rounding up bills as 1.01.

`linear_exact` recovers the exact amount of a linear price's converted charges from
their rows: the factor between the row's unit and the charge's (one per pair of units,
cached), checked against the charge (its quantity is the nearest number to the row's
quantity times the factor, and its amount the price per unit times that quantity, as
rating computes them), the rows' quantities summed as Decimals and multiplied once.
O(charges) at the speed of a few Decimal operations each; no ratio is searched for.

A quantity of time is itself a slice (`ratekit._time_exact`): `exact_quantity` takes a
charge in a time meter's unit at its exact time (`ratekit._timed_charges`), and a
converted charge's row at its exact time where rating converted that.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final

from ._decimals import _SUMS, CONTEXT, exact_sum
from ._timed_charges import time_of, timed
from .errors import RatekitError
from .units import Unit

if typing.TYPE_CHECKING:  # charges imports billing's helpers, which import this module
    from .charges import Charge

__all__ = ["any_converted", "converted", "exact_quantity", "linear_exact"]

_MUL: Final = CONTEXT.multiply
_DIVIDE: Final = CONTEXT.divide
_EXACT_MUL: Final = _SUMS.multiply


def converted(charge: Charge) -> bool:
    """Whether ``charge`` is in another unit than its row's (its price's own). O(1)."""
    row = charge.row
    return row is not None and charge.unit != row.unit


def any_converted(charges: Iterable[Charge]) -> bool:
    """Whether some of ``charges`` is `converted`. O(charges).

    `converted` in one loop, a charge in its row's very unit string told by identity:
    called per charge it took 0.013 s of bill's 0.15 on the fleet month (101,744
    charges).
    """
    for charge in charges:
        row = charge.row
        if row is not None and charge.unit is not row.unit and charge.unit != row.unit:
            return True
    return False


@functools.lru_cache(maxsize=256)
def _factor(source: str, target: str) -> tuple[Decimal, Decimal] | None:
    """How many ``target`` units one ``source`` unit is, as numerator and denominator."""
    try:
        factor = Unit(source).factor_to(target)
    except RatekitError:  # a charge made by hand, in units that do not convert
        return None
    return Decimal(factor.numerator), Decimal(factor.denominator)


def _row_quantity(
    charge: Charge,
) -> tuple[Decimal | Fraction, tuple[Decimal, Decimal]] | None:
    """The row quantity and factor ``charge``'s quantity was converted from, if it was.

    The row's exact time where rating converted that (`ratekit._time_exact`).
    """
    row = charge.row
    if row is None:
        return None
    factor = _factor(row.unit, charge.unit)
    if factor is None:
        return None
    numerator, denominator = factor
    # the row's quantity times the factor, rounded once at the 60th digit, as rating
    # converts it (a piece of a row cut by a price change is not the row's: left as is)
    if _DIVIDE(_EXACT_MUL(row.quantity, numerator), denominator) != charge.quantity:
        exact = time_of(charge)
        if exact is None:
            return None
        converted = exact * Fraction(int(numerator), int(denominator))
        if _DIVIDE(Decimal(converted.numerator), Decimal(converted.denominator)) != (
            charge.quantity
        ):
            return None
        return exact, factor
    return row.quantity, factor


def exact_quantity(charge: Charge) -> Fraction:
    """``charge``'s quantity as its row's quantity converted exactly, else as it is. O(1)."""
    found = _row_quantity(charge) if converted(charge) else None
    if found is None:
        exact = None if converted(charge) else timed(charge)
        return Fraction(charge.quantity) if exact is None else exact
    quantity, (numerator, denominator) = found
    return Fraction(quantity) * Fraction(int(numerator), int(denominator))


def linear_exact(charges: Sequence[Charge], plain: list[Decimal]) -> Fraction:
    """The exact sum of converted linear ``charges``; those it cannot recover go to ``plain``.

    Per price per unit and pair of units, the rows' quantities are summed exactly and
    multiplied once by the factor and the price. A charge whose quantity or amount is
    not what rating makes of its row (made by hand, or a piece of a row) keeps its
    amount. O(charges).
    """
    groups: list[tuple[Decimal, tuple[Decimal, Decimal], list[Decimal | Fraction]]] = []
    for charge in charges:
        price = charge.unit_price
        found = None if price is None else _row_quantity(charge)
        if found is None or price is None or _MUL(price, charge.quantity) != charge.amount:
            plain.append(charge.amount)
            continue
        quantity, factor = found
        # a line's charges share one price and unit, mostly: compared, not hashed
        for group in reversed(groups):
            if group[0] == price and group[1] == factor:
                group[2].append(quantity)
                break
        else:
            groups.append((price, factor, [quantity]))
    total = Fraction(0)
    for price, (numerator, denominator), quantities in groups:
        ratio = Fraction(int(numerator), int(denominator))
        decimals = [q for q in quantities if isinstance(q, Decimal)]
        exact = sum((q for q in quantities if isinstance(q, Fraction)), Fraction(0))
        total += Fraction(price) * ratio * (Fraction(exact_sum(decimals)) + exact)
    return total
