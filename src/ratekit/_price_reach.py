"""How far a plan's prices can take a meter's quantity: each entry's unit factor and reach.

Rating hands an entry a usage row's quantity converted to the entry's unit (``unit=``:
the factor between the units, exact) and its price model turns it into an amount. Both
must stay in the range ratekit carries exactly (a magnitude below 1E+30, `LIMIT`): a
model taking a cycle's quantity whole refuses a quantity beyond it, and a charge whose
amount lies beyond it cannot be made. The rater's doors ask this module how far a
quantity can go before some entry refuses it: `pricing()` lists each meter's entries
with their factors, `reach()` bounds what they can make of a quantity (a quick test, for
the built-in models; one of your own is taken to price a quantity at most its own size),
and `refused()` prices a quantity exactly as each entry would, to word what refuses it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Final

from ._carried import CARRIED_RANGE_TEXT
from ._decimals import CONTEXT, MAX_ADJUSTED, RANGE_TEXT
from .errors import RatekitError
from .percentages import GraduatedPercentage, Percentage
from .policies import Meter
from .pricebook import Plan, PriceEntry
from .prices import Flat, Graduated, Package, PerUnit, PriceModel, Volume
from .units import Unit

__all__ = ["LIMIT", "Pricing", "out_of_range", "pricing", "reach", "refused", "within"]

#: Per meter, each entry pricing it and the factor from the meter's unit to the entry's.
Pricing = Mapping[str, tuple[tuple[PriceEntry, Fraction], ...]]

#: The least magnitude a quantity a price model takes, or an amount, may not reach (1E+30).
#: From text: a power would be computed in the importer's context, at import (and round
#: there).
LIMIT: Final = Decimal(f"1E+{MAX_ADJUSTED + 1}")
_LIMIT: Final = Fraction(LIMIT)


def pricing(
    meters: Iterable[Meter], plans: Iterable[Plan]
) -> dict[str, tuple[tuple[PriceEntry, Fraction], ...]]:
    """Each meter's entries (of every plan) and their unit factors. O(e) for e entries.

    An entry whose unit does not convert from its meter's is left out: rating refuses it
    with [`UnitError`][ratekit.UnitError] whatever the quantity.
    """
    units = {m.name: m.unit for m in meters}
    found: dict[str, list[tuple[PriceEntry, Fraction]]] = {}
    for plan in plans:
        for entry in plan.entries:
            unit = units.get(entry.meter)
            if unit is None:
                continue
            factor = Fraction(1)
            if entry.unit is not None:
                try:
                    factor = Unit(unit).factor_to(entry.unit)
                except RatekitError:
                    continue
            found.setdefault(entry.meter, []).append((entry, factor))
    return {meter: tuple(entries) for meter, entries in found.items()}


def reach(entries: Iterable[tuple[PriceEntry, Fraction]]) -> tuple[Fraction, Fraction]:
    """``(multiple, constant)``: how far ``entries`` can take a quantity. O(t) for t tiers.

    Every entry prices a quantity ``q`` in range while ``|q| * multiple + constant`` stays
    below `LIMIT`.

    Per entry: the factor times the largest price per unit the model can charge (a
    PerUnit rate; a tier's unit price, per block where it prices blocks; a package's
    price per unit of its size; a percent), and at least 1 for a model taking the
    quantity whole (it refuses a quantity of `LIMIT` or more); the constant is what the
    model adds whatever the quantity (flat fees, a block or package started). A price
    model of your own is taken as taking a quantity whole at a price of at most 1 per
    unit.
    """
    multiple, constant = Fraction(0), Fraction(0)
    for entry, factor in entries:
        per, fixed = _model_reach(entry.price)
        whole = type(entry.price) is not PerUnit
        multiple = max(multiple, factor * (max(per, Fraction(1)) if whole else per))
        constant = max(constant, fixed)
    return multiple, constant


def _model_reach(price: PriceModel) -> tuple[Fraction, Fraction]:
    """The largest price per unit ``price`` charges, and what it adds whatever the quantity."""
    kind = type(price)
    if kind is PerUnit:
        return abs(Fraction(price.rate)), Fraction(0)  # type: ignore[attr-defined]
    if kind is Flat:
        return Fraction(0), abs(Fraction(price.fee))  # type: ignore[attr-defined]
    if kind is Package:
        each = abs(Fraction(price.price))  # type: ignore[attr-defined]
        return each / Fraction(price.size), each  # type: ignore[attr-defined]
    if kind is Percentage:
        return abs(Fraction(price.rate)), Fraction(0)  # type: ignore[attr-defined]
    if kind in (Graduated, Volume, GraduatedPercentage):
        per, fixed = Fraction(0), Fraction(0)
        for tier in price.tiers:  # type: ignore[attr-defined]
            unit = abs(Fraction(tier.unit))
            block = getattr(tier, "block", None)
            per = max(per, unit if block is None else unit / Fraction(block))
            fixed += abs(Fraction(tier.flat)) + (0 if block is None else unit)
        return per, fixed
    return Fraction(1), Fraction(0)


def within(largest: Fraction, multiple: Fraction, constant: Fraction) -> bool:
    """Whether a quantity of magnitude ``largest`` prices in range by `reach()`'s bound."""
    return largest * multiple + constant < _LIMIT


def out_of_range(error: RatekitError) -> bool:
    """Whether ``error`` refuses a number ratekit cannot carry (not a price's own rule).

    A quantity or an amount out of the range ratekit represents is refused whatever
    comes after; a price's own refusal (more than the last tier of tiers that end, an
    unpriced usage) a correction fed later can lift, so the feed's doors leave it to the
    statements. Told by the range's words, which every such refusal gives (an input's,
    or the range of the amounts ratekit carries: `ratekit._carried`).
    """
    words = str(error)
    return RANGE_TEXT in words or CARRIED_RANGE_TEXT in words


def refused(
    quantity: Decimal, entry: PriceEntry, factor: Fraction, unit: str
) -> tuple[str, bool] | None:
    """What refuses ``quantity`` of the entry's meter under ``entry``, or None. O(t).

    The quantity converted to the entry's unit, then priced as rating prices it: a
    PerUnit entry's rate times it, a whole model's ``amount()`` (its refusal of a number
    out of range, or an amount of `LIMIT` or more; not its own rules: `out_of_range()`).
    ``unit``: the meter's, to say the quantity in. With the words, whether the amount is
    what lies out of range (rating's [`BadPriceError`][ratekit.BadPriceError]), not the
    quantity the model takes (its [`BadQuantityError`][ratekit.BadQuantityError]).
    """
    converted = quantity if factor == 1 else _decimal(Fraction(quantity) * factor)
    price = entry.price
    try:
        amount = (
            CONTEXT.multiply(price.rate, converted)  # as rating prices it: no quantity door
            if type(price) is PerUnit
            else price.amount(converted)
        )
    except RatekitError as error:
        if not out_of_range(error):
            return None  # a price's own rule: the statements say it
        return f"price entry {entry.id!r} refuses {converted} {entry.unit or unit} ({error})", False
    except Exception:  # a price model of your own
        return None  # (its own failure, not the range: the statements say it)
    if type(amount) is Decimal and amount.is_finite() and amount.copy_abs() < LIMIT:
        return None
    return f"price entry {entry.id!r} prices {converted} {entry.unit or unit} at {amount}", True


def _decimal(value: Fraction) -> Decimal:
    return CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))
