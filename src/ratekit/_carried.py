"""The range of the numbers ratekit computes and carries: amounts and shares below 1E-30.

An input (a price, a quantity, a fee, a commitment) is a number of the representable
range (`ratekit._decimals`: at most 60 significant digits and, unless zero, a magnitude
from 1E-30 up to but excluding 1E+30). What rating makes of inputs in that range may be
smaller: 1E-30 seats at 1E-30 a seat is 1E-60, a fee of 1E-30 prorated over one
microsecond of April is 1E-30 / 2,592,000,000,000 = 3.858...E-43, a third of a peak of
1E-30 seats is 3.33...E-31 seats. Such a number is no input's, but it is exact, and an
invoice line rounds from it (0.00, or 0.01 rounded up): a charge carries it as it is.

So a number ratekit computes (a charge's amount, quantity and free part) has at most 60
significant digits and, unless zero, a magnitude from 1E-100 (`CARRIED_MIN_ADJUSTED`) up
to but excluding 1E+30 (an amount; a quantity of usage: 1E+60). Products of numbers of
the input range with the time factors of accepted cycles (a microsecond of a century is
3E-16) and units stay far above 1E-100; one below it, which only units of powers could
make, is carried as the nearest number of the range (`carried()`): 0, or ±1E-100 from
above 5E-101, as `ratekit._decimals.nearest` hands on a quantity. The exact sums of such
amounts (a line's ``precise``) end at their 60th digit, 1E-159 or above. An amount of
1E+30 or more is refused, naming the entry (`out_of_range()`); a recurring fee, a share
of one below 1E+30, never reaches it.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Final

from ._decimals import (
    CARRIED_MIN_ADJUSTED,
    CONTEXT,
    MAX_ADJUSTED,
    MAX_DIGITS,
    MIN_ADJUSTED,
    USAGE_MAX_ADJUSTED,
    ZERO,
    to_decimal,
)
from ._shown import show
from .errors import BadPriceError

__all__ = [
    "CARRIED_RANGE_TEXT",
    "CARRIED_USAGE_RANGE_TEXT",
    "carried",
    "carried_value",
    "left_by_rounding",
    "out_of_range",
    "to_amount",
    "to_usage",
]

#: The words of the range of an amount ratekit computes (a charge's amount, its free part).
CARRIED_RANGE_TEXT: Final = (
    f"at most {MAX_DIGITS} significant digits and, unless zero, a magnitude from "
    f"1E{CARRIED_MIN_ADJUSTED} up to but excluding 1E+{MAX_ADJUSTED + 1}"
)
#: The words of the range of a quantity of usage a charge carries.
CARRIED_USAGE_RANGE_TEXT: Final = (
    f"at most {MAX_DIGITS} significant digits and, unless zero, a magnitude from "
    f"1E{CARRIED_MIN_ADJUSTED} up to but excluding 1E+{USAGE_MAX_ADJUSTED + 1}"
)
_LEAST: Final = Decimal(f"1E{CARRIED_MIN_ADJUSTED}")
_HALF_LEAST: Final = Decimal(f"5E{CARRIED_MIN_ADJUSTED - 1}")


def carried(amount: Decimal) -> Decimal:
    """``amount``, computed by rating, as ratekit carries it: itself down to 1E-100.

    Below 1E-100 (never from a product of prices, quantities and time factors in range,
    only through units of high powers), the nearest number of the range: 0, or ±1E-100
    from above 5E-101 (a tie goes to 0). Magnitudes of 1E+30 and more are left as they
    are: the caller names them. O(1).

    ```pycon
    >>> carried(Decimal("3.858E-43")), carried(Decimal("-7E-101")), carried(Decimal("4E-101"))
    (Decimal('3.858E-43'), Decimal('-1E-100'), Decimal('0'))

    ```
    """
    if amount and amount.adjusted() < CARRIED_MIN_ADJUSTED:
        return _LEAST.copy_sign(amount) if amount.copy_abs() > _HALF_LEAST else ZERO
    return amount


def carried_value(value: Decimal | Fraction) -> Decimal:
    """An exact ``value`` billing computed (a line's quantity, a commitment) as carried.

    Rounded half-even at its 60th significant digit, then `carried()`: a commitment of
    1E-30 for one microsecond of April is 3.858...E-43, not 0 (rounded up on the cent,
    0.01). O(1) for a Decimal, O(digits) for a Fraction.

    ```pycon
    >>> carried_value(Fraction(1, 3 * 10**30)), carried_value(Decimal("2.50"))
    (Decimal('3.33333333333333333333333333333333333333333333333333333333333E-31'), Decimal('2.50'))

    ```
    """
    if isinstance(value, Decimal):
        return carried(CONTEXT.plus(value))
    if value.denominator == 1:
        return carried(CONTEXT.plus(Decimal(value.numerator)))
    return carried(CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator)))


#: How many places above the 60th digit of the larger operand a difference may lie and
#: still be what their rounding left (a few roundings at the 60th digit add up).
_SLACK: Final = 3


def left_by_rounding(difference: Decimal, *operands: Decimal) -> bool:
    """Whether ``difference`` of ``operands`` is what their rounding left, not an amount.

    A quantity or an amount rounded at its 60th digit (a mean, a prorated allowance, a
    peak's shares adding up to 27.99...9 for 28) leaves a difference a few units of that
    digit away from zero where the exact one is zero: below 1E-30 and within `_SLACK`
    places of the 60th digit of the larger operand (3E-59 left of 2.375). Such a left_by_rounding
    is handed on as `ratekit._decimals.nearest` hands on a quantity (0); a difference
    below 1E-30 far above that digit (1E-30 seats less a third of an allowance of 1E-30:
    6.66...7E-31) is exact, and carried. O(operands).

    ```pycon
    >>> left_by_rounding(Decimal("3E-59"), Decimal("2.375")), left_by_rounding(Decimal("6.7E-31"), Decimal("1E-30"))
    (True, False)

    ```
    """
    if not difference or difference.adjusted() >= MIN_ADJUSTED:
        return False
    scale = max((operand.adjusted() for operand in operands if operand), default=None)
    return scale is not None and difference.adjusted() < scale - MAX_DIGITS + 1 + _SLACK


def to_amount(value: object, what: str) -> Decimal:
    """``value`` as an amount ratekit carries (`CARRIED_RANGE_TEXT`): a charge's door. O(digits)."""
    return to_decimal(value, what, accepted=CARRIED_RANGE_TEXT, low=CARRIED_MIN_ADJUSTED)


def to_usage(value: object, what: str) -> Decimal:
    """``value`` as a quantity of usage a charge carries (`CARRIED_USAGE_RANGE_TEXT`). O(digits)."""
    return to_decimal(
        value,
        what,
        high=USAGE_MAX_ADJUSTED,
        accepted=CARRIED_USAGE_RANGE_TEXT,
        low=CARRIED_MIN_ADJUSTED,
    )


def out_of_range(  # noqa: PLR0917 - the fields of the charge refused
    amount: Decimal,
    account: str,
    meter: str | None,
    resource: str | None,
    plan: str,
    entry: str | None,
    quantity: Decimal,
    unit: str,
) -> BadPriceError:
    """The error of a charge whose amount lies outside the numbers ratekit carries exactly."""
    what = f"price entry {show(entry)}" if entry is not None else "a charge"
    return BadPriceError(
        f"{what} of plan {show(plan)} prices {quantity} {unit} of meter {show(meter)} for account "
        f"{show(account)} (resource {show(resource)}) at {amount}, outside the amounts ratekit "
        f"carries exactly ({CARRIED_RANGE_TEXT}): an invoice holding it could not be stored "
        "and read back. Check the price and the quantity (their product lies outside)."
    )
