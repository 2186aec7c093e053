"""Exact amounts of charges in a time meter's unit: the time used, not its slices.

A time meter's quantity is a slice rounded at 1e-24 (`ratekit._time_exact`): three runs
of 20 minutes are metered 3 x 0.333333333333333333333334 hour, and a per-unit line of
their charges adds amounts a few 1e-24 off the price of an hour. `timed_exact` recovers
a line's exact amount from its charges' rows (each charge's exact time times its price
per unit, checked against the amount rating charged); `rounds_alike` says, from the amounts
alone, when the line's rounding cannot depend on that residue, so that a line far from
a rounding boundary (almost every line) is not recovered charge by charge. The shares of
an aggregate that does not add up, at one per-unit price, are priced together (`in_turn`):
rounded once, they add up to the price of their whole, and a line takes them so.
"""

from __future__ import annotations

import math
import operator
import typing
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final

from ._decimals import CONTEXT, ZERO, exact_sum, tidy
from ._quanta import on_quantum
from ._time_exact import exact_piece, finely_cut, time_unit_us

if typing.TYPE_CHECKING:  # charges imports billing's helpers, which import this module
    from .charges import Charge

__all__ = [
    "in_time",
    "in_turn",
    "rounded_once",
    "rounds_alike",
    "rounds_within",
    "time_of",
    "timed",
    "timed_exact",
]

_MUL: Final = CONTEXT.multiply
_UNIT: Final = operator.attrgetter("unit")
_QUANTITY: Final = operator.attrgetter("quantity")
_PRICE: Final = operator.attrgetter("unit_price")
_AMOUNT: Final = operator.attrgetter("amount")
_SIGNED: Final = Decimal.is_signed
#: How far a charge's quantity may be from its exact time, per unit of its price: metering
#: rounds F at both ends (1e-24 in all), a cut in proportion to time once more.
_SLICE: Final = Decimal("3e-24")
#: How far an amount rating computed at 60 digits may be from its exact value, relatively.
_DIGITS: Final = Decimal("1e-57")


def in_time(charges: Sequence[Charge]) -> bool:
    """Whether some of ``charges`` is in a time meter's unit (`time_unit_us`), or a share.

    A share of an aggregate cut at its 60th digit (`exact_share`) is recovered as a slice
    of time is: its charges' quantities have digits below 1e-50, and so then has their
    exact sum, whose exponent is the least of theirs (one test per line, not one per
    charge: on the fleet month, 19,677 tests and 96,885 calls for its 101,744 charges).
    O(charges), at C speed.
    """
    if any(time_unit_us(unit) is not None for unit in set(map(_UNIT, charges))):
        return True
    return finely_cut(exact_sum(map(_QUANTITY, charges)))


def rounds_alike(
    charges: Sequence[Charge], total: Decimal, rounded: tuple[Decimal, str] | None
) -> bool:
    """Whether ``total`` of ``charges``' amounts rounds as their exact total would.

    ``rounded``: the quantum and mode the line is rounded with (None: not known, False).
    Each amount is within its price per unit times `_SLICE` of its exact value (plus
    60 digits' rounding, bounded by the largest amount's magnitude, or by ``total`` when
    none is below zero): when the total less and plus that margin round alike, so does
    the exact total. O(charges), at C speed.
    """
    if rounded is None:
        return False
    prices = set(map(_PRICE, charges))  # a line's charges share one price, or a few
    if None in prices:
        return False
    rates = typing.cast("set[Decimal]", prices)
    # bounded by the largest of each times their number: C speed, no sum
    count = Decimal(len(charges))
    if any(map(_SIGNED, map(_AMOUNT, charges))):
        amounts = list(map(_AMOUNT, charges))
        top, bottom = max(amounts), min(amounts)  # the largest magnitude, without abs()
        largest = top if top >= -bottom else CONTEXT.minus(bottom)
    else:  # none below zero (as almost always): none is larger than their sum, ``total``
        # (told by their signs, not by comparing them: max() and min() took 0.014 s of
        # bill's 0.15 on the fleet month, 101,744 charges)
        largest = total
    largest = CONTEXT.multiply(largest, _DIGITS)
    high, low = max(rates), min(rates)
    rate = high if high >= -low else CONTEXT.minus(low)
    margin = CONTEXT.multiply(count, CONTEXT.add(CONTEXT.multiply(rate, _SLICE), largest))
    return rounds_within(total, margin, rounded)


def rounds_within(total: Decimal, margin: Decimal, rounded: tuple[Decimal, str]) -> bool:
    """Whether every amount within ``margin`` of ``total`` rounds as ``total`` does.

    ``rounded``: the quantum and rounding mode. False for a line too long for its quantum
    (the exact total then says how it rounds). O(1).
    """
    quantum, rounding = rounded
    try:
        low = on_quantum(CONTEXT.subtract(total, margin), quantum, rounding)
        return low == on_quantum(CONTEXT.add(total, margin), quantum, rounding)
    except ArithmeticError:  # a line too long for its quantum: the exact total says so
        return False


def time_of(charge: Charge) -> Fraction | None:
    """The exact time of ``charge``'s piece of its row, in the row's unit, if a slice."""
    row = charge.row
    if row is None:
        return None
    span = charge.span
    return exact_piece(row, span.start_us, span.end_us, None)


def timed(charge: Charge) -> Fraction | None:
    """The exact quantity of a charge in a time meter's unit, not converted, if a slice.

    Its quantity must be its piece of the row as rating cut it (within 2e-24). O(1).
    """
    row = charge.row
    if row is None or charge.unit != row.unit:
        return None
    span = charge.span
    return exact_piece(row, span.start_us, span.end_us, charge.quantity)


def in_turn(rate: Decimal, parts: Sequence[Fraction | Decimal]) -> list[Decimal]:
    """The amounts of the pieces of one aggregate at ``rate`` per unit, ``parts`` in order.

    The pieces of a cycle's aggregate (a peak, a mean: one account, resource, meter and
    cycle) at one price are charged, together, that price times the sum of their exact
    billable quantities, rounded once at that amount's 60th significant digit: the pieces
    so far take it rounded there (half-even), and each piece what its own part adds. So
    they add up to the price of their whole to the last digit where that terminates
    within 60 digits (shares of 1/31 and 30/31 of a peak of 95 GB at 0.05 are 4.75 in
    all, not 4.7499...95, each rounded apart), and a piece whose amount terminates so
    with those before it is charged it exactly (1/3 seat at 0.015 is 0.005). Rounded
    once otherwise, never in the sum. O(p x digits) for p pieces.
    """
    # In integers over one denominator (the parts' shares of one cycle's time share
    # theirs): ``rate`` is a / b, the parts n_i / d over their least common denominator.
    a, b = rate.as_integer_ratio()
    ratios = [part.as_integer_ratio() for part in parts]
    d = math.lcm(*(den for _, den in ratios)) if ratios else 1
    numerators = [num * (d // den) for num, den in ratios]
    over = b * d  # the amounts so far are a x (n_1 + ... + n_i) / over
    exponent = _exponent(Fraction(a * sum(numerators), over))
    if exponent is None:  # nothing in all: each piece of another sign, or none to pay
        largest = max((abs(a * num) for num in numerators), default=0)
        exponent = _exponent(Fraction(largest, over))
        if exponent is None:
            return [ZERO for _ in parts]
    if exponent < 0:  # units of 10**exponent: a x S x 10**-exponent / over
        scale, over_scaled = a * 10**-exponent, over
    else:
        scale, over_scaled = a, over * 10**exponent
    amounts = []
    so_far = 0
    units_before = 0
    for num in numerators:
        so_far += num
        units = _half_even(scale * so_far, over_scaled)
        amounts.append(tidy(Decimal(units - units_before).scaleb(exponent, CONTEXT)))
        units_before = units
    return amounts


def _half_even(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half-even to an integer (``denominator`` > 0)."""
    quotient, remainder = divmod(numerator, denominator)
    twice = 2 * remainder
    if twice > denominator or (twice == denominator and quotient % 2):
        quotient += 1
    return quotient


def _exponent(amount: Fraction) -> int | None:
    """The exponent of ``amount``'s 60th significant digit, None for zero. O(digits)."""
    if not amount:
        return None
    return CONTEXT.divide(Decimal(amount.numerator), Decimal(amount.denominator)).adjusted() - 59


def rounded_once(price: Decimal, parts: list[Fraction], amounts: list[Decimal]) -> bool:
    """Whether ``amounts`` add up to ``price`` times ``parts``' sum, rounded once (`in_turn`)."""
    whole = Fraction(price) * sum(parts, Fraction(0))
    exponent = _exponent(whole)
    if exponent is None:
        return not any(amounts)
    unit = Fraction(10) ** exponent
    return Fraction(exact_sum(amounts)) == round(whole / unit) * unit


def timed_exact(charges: Sequence[Charge], plain: list[Decimal]) -> Fraction:
    """The exact sum of linear ``charges`` in a time meter's unit; the others go to ``plain``.

    Each charge's exact time (`timed`) times its price per unit, summed per price; a
    charge whose quantity is not a slice of time (exact as it is) is its price times that
    quantity, exactly, since a price of many digits times it rounds at the 60th digit
    (0.045 h at 0.333...3, 60 threes, is 0.0149...985, charged 0.015). The shares of one
    aggregate at one price (one account, resource, meter and cycle) are taken together,
    exactly, where their amounts add up to their price times their exact sum rounded
    once (`in_turn`); a charge whose amount is not its price times its quantity, as
    rating computes it, keeps its amount. O(charges).
    """
    by_price: dict[Decimal, Fraction] = {}
    together: dict[tuple[str, str, str, int, int, Decimal], tuple[list[Charge], list[Fraction]]]
    together = {}
    for charge in charges:
        price = charge.unit_price
        if price is None:
            plain.append(charge.amount)
            continue
        exact = timed(charge)
        if exact is None:
            if _MUL(price, charge.quantity) != charge.amount:
                plain.append(charge.amount)
                continue
            exact = Fraction(charge.quantity)
            by_price[price] = by_price.get(price, Fraction(0)) + exact
            continue
        row = charge.row
        assert row is not None  # (timed: a piece of its row)
        cycle = row.cycle
        key = (row.account, row.resource, row.meter, cycle.start_us, cycle.end_us, price)
        members, parts = together.setdefault(key, ([], []))
        members.append(charge)
        parts.append(exact)
    for key, (members, parts) in together.items():
        price = key[-1]
        if rounded_once(price, parts, list(map(_AMOUNT, members))):
            by_price[price] = by_price.get(price, Fraction(0)) + sum(parts, Fraction(0))
            continue
        for charge, exact in zip(members, parts, strict=True):
            if _MUL(price, charge.quantity) == charge.amount:
                by_price[price] = by_price.get(price, Fraction(0)) + exact
            else:
                plain.append(charge.amount)
    return sum((Fraction(price) * time for price, time in by_price.items()), Fraction(0))
