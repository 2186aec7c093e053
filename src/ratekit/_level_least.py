"""The least level a price can price: a Continuous level whose microsecond is too small.

A [`Continuous`][ratekit.Continuous] meter's quantity is its level times the time it is
held, in quanta of 1E-24 of the meter's unit (`ratekit._metering_time`), and a price in
proportion (a PerUnit rate, a tier's unit price) makes an amount of that quantity times
its rate. An amount below 1E-30 is one ratekit does not carry (docs/guarantees.md): the
rating that makes it fails. So a level whose smallest piece (one microsecond of it, or
one quantum) priced at the least rate of its meter makes an amount below 1E-30 would make
every statement metering such a piece fail. The rater refuses it at its door
(`refusal()`), naming the least level it accepts (`least_levels()`); batch rating says
the same at its end (the price's error names the entry and the quantity).

The bound, worked: a piece of ``d >= 1`` microseconds of level ``L`` is the difference of
two quantities each rounded to the nearest quantum ``u`` (1E-24), so at least
``L * k * d - u`` for ``k`` the meter's quantity per level and microsecond; priced at the
least rate ``p``, at least ``p * (L * k - u)``. Every such amount is 1E-30 or more when
``L >= (1E-30 / p + u) / k``; a rate with ``p * u >= 1E-30`` (1E-6 a unit or more)
prices every piece, and no level is refused for it.

A piece that a tier's bound or an allowance cuts may be smaller than the level's
microsecond (one quantum past the bound): those are not foreseen here (at a rate below
1E-6 a unit, rating may still refuse such a remainder).
"""

from __future__ import annotations

import decimal
import typing
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Final

from ._decimals import MIN_ADJUSTED, own_context
from ._level_limits import level_in
from ._price_reach import Pricing, least_rate
from ._shown import show
from ._time_policies import Continuous
from .policies import Meter

__all__ = ["least_levels", "refusal"]

#: Least levels are shown to six digits, rounded up: every level from the one shown is taken.
_SHOWN: Final = own_context(
    prec=6,
    rounding=decimal.ROUND_CEILING,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
#: Metering's quantum of a time-weighted quantity, in the meter's unit (1E-24).
_QUANTUM: Final = Fraction(1, 10**24)
#: The least magnitude of an amount ratekit carries (1E-30).
_SMALLEST: Final = Fraction(1, 10 ** (-MIN_ADJUSTED))


def least_levels(meters: Mapping[str, Meter], pricing: Pricing) -> dict[str, Decimal]:
    """Per meter of ``meters``, the least nonzero level its prices in proportion can price.

    ``meters``: Continuous meters; ``pricing``: their entries and unit factors
    (`_price_reach.pricing()`). 0 for a meter no entry prices in proportion, or whose
    least rate prices a quantum (1E-24) at 1E-30 or more: every level is priced. Six
    digits, rounded up (see the module's docstring for the bound). O(t) for t tiers.
    """
    found: dict[str, Decimal] = {}
    for name, meter in meters.items():
        rate = least_rate(pricing.get(name, ()))
        if rate is None or rate * _QUANTUM >= _SMALLEST:
            found[name] = Decimal(0)
            continue
        multiplier, divisor = meter._factor  # type: ignore[misc]
        least = (_SMALLEST / rate + _QUANTUM) * Fraction(divisor, multiplier)
        found[name] = _SHOWN.divide(Decimal(least.numerator), Decimal(least.denominator))
    return found


def refusal(
    attributes: Mapping[str, object], meters: Mapping[str, Meter], least: Mapping[str, Decimal]
) -> tuple[str, str] | None:
    """The meter and the words of a nonzero level in ``attributes`` below its least level.

    ``least``: `least_levels()` of ``meters``. A level read from attributes (a name, or a
    product of names all given here: `_level_limits.level_in()`); None when none is
    refused. O(m) for m meters.
    """
    if not attributes:
        return None
    for name, meter in meters.items():
        floor = least[name]
        if not floor:
            continue
        level = level_in(attributes, meter)
        if level is None or not level or level.copy_abs() >= floor:
            continue
        return name, _words(level, meter, floor)
    return None


def _words(level: Decimal, meter: Meter, floor: Decimal) -> str:
    paths = typing.cast("Continuous", meter.policy).level_of
    named = (paths,) if isinstance(paths, str) else typing.cast("tuple[str, ...]", paths)
    read = " x ".join(map(show, named))
    return (
        f"sets the level of meter {show(meter.name)} to {level} ({read}): held for one "
        f"microsecond, its quantity of {meter.unit} priced at the least rate of the "
        "meter's price entries would make an amount below 1E-30, which ratekit does not "
        "carry, so a statement metering so short a piece would fail to price it. A level "
        f"is accepted at 0 or from {floor} up."
    )
