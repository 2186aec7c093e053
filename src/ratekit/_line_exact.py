"""What an invoice line rounds: the exact sum of its charges' exact amounts.

Rating carries each charge's amount as the nearest number ratekit represents to it (60
digits); where parts of a line are fractions that do not terminate (a fee prorated over
a third of a month, usage less a free part prorated by time, a price by total climbing
a running quantity cut at its 60th digit, a quantity converted to a price's unit, a time
meter's slices), their rounded amounts add up a few units of the 60th digit off the
exact sum, which a rounding up, or a tie, would turn into a quantum more. `line_exact`
recovers the exact sum from the charges themselves, part by part; billing, the minimums'
settling and the exports' checks round it. Private to those.
"""

from __future__ import annotations

import operator
import typing
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final, TypeAlias

from ._converted import any_converted, converted, exact_quantity, linear_exact
from ._decimals import _SUMS, CONTEXT, exact_sum, prorated
from ._decimals import commitment as _commitment
from ._exact_prices import running_exact
from ._timed_charges import in_time, rounded_once, rounds_alike, rounds_within, timed_exact
from .prices import PerUnit

if typing.TYPE_CHECKING:  # charges imports billing's helpers, which import this module
    from .charges import Charge

__all__ = ["line_exact"]

_KIND: Final = operator.attrgetter("kind")
_FREE: Final = operator.attrgetter("free")
_AMOUNT: Final = operator.attrgetter("amount")
_SIGNED: Final = Decimal.is_signed
_ONE: Final = Decimal(1)
_MUL: Final = CONTEXT.multiply
_EXACT_MUL: Final = _SUMS.multiply
#: How far an amount rating computed at 60 digits may lie from its exact value, relatively:
#: a price times a quantity, rounded at the product's 60th digit.
_DIGITS: Final = Decimal("1e-57")


def line_exact(
    charges: Sequence[Charge],
    amounts: Decimal | None = None,
    rounded: tuple[Decimal, str] | None = None,
) -> Decimal | Fraction:
    """What a line of ``charges`` rounds: the exact sum of their exact amounts.

    A fee's part prorated over part of a cycle, or a charge on usage less a free part
    prorated by time (at any built-in price), is a fraction rating rounds at its 60th digit. Such parts
    add up to an amount the rounded sum misses by a few units of the 60th digit (a fee of
    1 for a third of a month and of 4 for the rest: 1/3 + 8/3 = 3, but 0.333...3 +
    2.666...67 = 3.000...003), which a rounding up, or a tie, would turn into a quantum
    more. Each part is taken exactly where `prorated` recovers it (the charge's price
    times its share, or its usage less its free part; the shares of one aggregate, such
    as a peak's days under a daily allowance, together where their amounts were rounded
    once, `_freed_together`) or, for a non-linear price's
    pieces, where `running_exact` does (the price of the ratios its groups start and end
    at), else as its amount; a line with no such part is the exact sum of its amounts, a
    Decimal: ``amounts`` when the caller has worked it out (`exact_sum` of the amounts),
    else summed here. A linear price's charges in a time meter's unit are taken at
    their exact time (`timed_exact`), unless ``rounded`` (the line's quantum and mode)
    shows the sum of their amounts rounds as that would (`rounds_alike`). A per-unit
    price's charge whose amount is its price times its quantity rounded at the 60th
    digit (a price of 60 digits times 0.2 calls is 61) is taken as that product exactly
    (`_product`), where the line lies near enough a rounding boundary for the rounding to
    matter (`_rounds_alike`). O(charges), the test for such parts at C speed.
    """
    time = in_time(charges)
    if (
        not any_converted(charges)
        and "fee" not in map(_KIND, charges)
        and not any(map(_FREE, charges))
    ):
        # no part rounded at its 60th digit (one alone too may be: usage less a free part
        # prorated by time, 16 - 2.777...78 calls at 0.045, is 0.5949...99, not 0.595)
        summed = exact_sum(map(_AMOUNT, charges)) if amounts is None else amounts
        if (
            rounds_alike(charges, summed, rounded)
            if time
            else _rounds_alike(charges, summed, rounded)
        ):
            return summed
    timed = []  # a linear price's pieces in a time meter's unit
    total = Fraction(0)
    plain: list[Decimal] = []  # summed as Decimals, exactly, and turned into a fraction once
    running = []  # a non-linear price's pieces, priced by their group's running quantity
    linear = []  # a linear price's pieces in its own unit, converted from their rows'
    freed = []  # a linear price's pieces on usage less a free part, and their aggregates'
    shared = {_aggregate(charge) for charge in charges if charge.free} - {None}
    for charge in charges:
        if charge.kind == "fee":
            total += prorated(charge.unit_price, charge.quantity, charge.amount)
        elif charge.kind == "usage" and charge.after is not None:
            running.append(charge)
        elif charge.kind == "usage" and (
            charge.free or (shared and not converted(charge) and _aggregate(charge) in shared)
        ):
            freed.append(charge)
        elif charge.kind == "usage" and converted(charge):
            linear.append(charge)
        elif charge.kind == "usage" and time:
            timed.append(charge)
        else:
            plain.append(_product(charge))
    total += _freed_together(freed)  # (nothing when none)
    if running:
        exact, rest = running_exact(running)
        total += exact
        plain += rest
    if linear:
        total += linear_exact(linear, plain)
    if timed:
        total += timed_exact(timed, plain)
    return total + Fraction(exact_sum(plain)) if plain else total


def _rounds_alike(
    charges: Sequence[Charge], total: Decimal, rounded: tuple[Decimal, str] | None
) -> bool:
    """Whether ``total`` of ``charges``' amounts rounds as their exact total would.

    Each amount is within a few units of its 60th digit of its exact value (`_DIGITS`
    of it, bounded by the largest amount's magnitude, or by ``total`` when none is
    below zero): when the total less and plus that margin round alike on the line's
    quantum and mode (``rounded``; None: not known, False), so does the exact total. A
    60-digit price times 0.2 calls rounded down is 2E+29 at the 60th digit, on the
    quantum, where the exact amount lies just below it. O(charges), at C speed.
    """
    if rounded is None:
        return False
    if any(map(_SIGNED, map(_AMOUNT, charges))):
        amounts = list(map(_AMOUNT, charges))
        top, bottom = max(amounts), min(amounts)
        largest = top if top >= -bottom else CONTEXT.minus(bottom)
    else:
        largest = total
    margin = CONTEXT.multiply(Decimal(len(charges)), CONTEXT.multiply(largest, _DIGITS))
    return rounds_within(total, margin, rounded)


def _product(charge: Charge) -> Decimal:
    """A per-unit price's usage ``charge`` as its price times its quantity, exactly.

    Its amount unless that is the product as rating computes it, rounded at its 60th
    digit (a 60-digit price times 0.2 calls): the exact product then, of up to 120
    digits (an exact sum adds it as it is). A share of an aggregate charged at its exact
    value, or a price of another model, keeps its amount. O(1).
    """
    price, amount = charge.unit_price, charge.amount
    if charge.kind != "usage" or price is None or type(charge.price) is not PerUnit:
        return amount
    exact = _EXACT_MUL(price, charge.quantity)
    if exact == amount or _MUL(price, charge.quantity) != amount:
        return amount
    return exact


#: The aggregate a per-unit charge's amount is rounded with (`_aggregate`).
Aggregate: TypeAlias = tuple[str, str, str, int, int, str, Decimal]


def _aggregate(charge: Charge) -> Aggregate | None:
    """The aggregate whose shares at one per-unit price ``charge`` is rounded with, if any.

    Its row's account, resource, meter and cycle, its unit and price
    (`ratekit._peak_amounts.price_in_turn`); None for a charge of no row or of another
    price. O(1).
    """
    price, row = charge.unit_price, charge.row
    if price is None or row is None or type(charge.price) is not PerUnit:
        return None
    cycle = row.cycle
    return (row.account, row.resource, row.meter, cycle.start_us, cycle.end_us, charge.unit, price)


def _freed_together(charges: Sequence[Charge]) -> Fraction:
    """The exact sum of linear ``charges`` on usage less a free part (`_freed`, each).

    The shares of one aggregate that does not add up (a peak, a mean: one account,
    resource, meter and cycle) at one per-unit price are charged together, rounded once
    (`ratekit._timed_charges.in_turn`): under a daily allowance, a peak's share of each
    day less that day's free part is 13/31 - 13/33 tokens, and each day's amount is what
    it adds to the days before it, rounded at the 60th digit of their whole, so a day may
    lie a unit of that digit from its own exact amount, which `_freed` would then take
    as it is. So such shares are taken together, exactly (260/33 at 10 a token for the
    month), where their amounts add up to their price times their exact sum rounded
    once; else each as `_freed` takes it. ``charges`` hold, with those of a free part,
    the other shares of their aggregates (the pieces after an allowance ran out, say),
    which the sum rounded once counts too. O(charges x digits).
    """
    total = Fraction(0)
    together: dict[Aggregate, tuple[list[Charge], list[Fraction]]] = {}
    for charge in charges:
        key = _aggregate(charge)
        if key is None:
            total += _freed(charge)
            continue
        members, parts = together.setdefault(key, ([], []))
        members.append(charge)
        parts.append(_billable(charge))
    for key, (members, parts) in together.items():
        price = key[-1]
        if len(members) > 1 and rounded_once(price, parts, list(map(_AMOUNT, members))):
            total += Fraction(price) * sum(parts, Fraction(0))
        else:
            total += sum(map(_freed, members), Fraction(0))
    return total


def _billable(charge: Charge) -> Fraction:
    """``charge``'s quantity less its free part, exact: each as its ratio is recovered."""
    return exact_quantity(charge) - _commitment(_ONE, charge.free)


def _freed(charge: Charge) -> Fraction:
    """The exact amount of a linear price's ``charge`` on usage less a free part.

    The free part is the ratio it was cut from at its 60th digit (a share of an
    allowance, as a minimum's share is recovered), so the billable quantity is exact to
    every digit: the quantity less the free part as cut (0.330 - 0.3295564...2903 leaves
    0.000443548...097, 57 digits) would miss 33/74400 and leave the charge at its
    rounded amount, beside other charges recovered exactly. Kept when it is what rating
    charged, else `prorated` of the cut difference. O(digits).
    """
    price, amount = charge.unit_price, charge.amount
    if price is not None:
        exact = Fraction(price) * _billable(charge)
        if CONTEXT.divide(Decimal(exact.numerator), Decimal(exact.denominator)) == amount:
            return exact
    return prorated(price, CONTEXT.subtract(charge.quantity, charge.free), amount)
