"""Rounding on a quantum: an amount to a whole number of any positive quantum.

A plan's ``quantum`` is the step its printed amounts are on: ``0.01`` (cents), ``1``
(whole yen), but also ``0.05`` (Swiss cash rounding), ``0.25`` or ``3``. `on_quantum()`
rounds an amount to the nearest whole number of quanta by a `decimal` rounding mode
(``1.03`` on ``0.05`` is 20.6 quanta, so 21 quanta: ``1.05``), and writes it with the
quantum's exponent (``1.05``, ``3``, ``1.50`` on ``0.50``). For a power of ten this is
`Decimal.quantize`, and a quantum with trailing zeros is a step of its value: ``0.10``
rounds to dimes (``1.30``), not to cents. The arithmetic is exact (integers), so the
caller's decimal context never matters.
"""

from __future__ import annotations

import decimal
import functools
from decimal import Decimal
from fractions import Fraction

from ._decimals import CONTEXT, MAX_DIGITS

__all__ = ["on_quantum", "whole_quanta"]


def on_quantum(value: Decimal | Fraction, quantum: Decimal, rounding: str) -> Decimal:
    """``value`` rounded to a whole number of ``quantum`` (> 0) by the mode ``rounding``.

    ``value`` may be an exact `Fraction` (the exact sum of a fee's prorated parts), which
    is rounded as it is, never first cut at 60 digits.

    The result has the quantum's exponent, as `Decimal.quantize` gives for a power of ten;
    a zero is a plain zero (``-0.004`` on the cent is ``0.00``, never ``-0.00``: an amount
    never shows a negative zero). Raises `decimal.InvalidOperation` when the
    result would have more than ratekit's 60 digits, as ``quantize`` does. O(digits).

    ```pycon
    >>> from decimal import Decimal
    >>> on_quantum(Decimal("1.03"), Decimal("0.05"), "ROUND_HALF_EVEN")  # 20.6 -> 21 quanta
    Decimal('1.05')
    >>> on_quantum(Decimal("4"), Decimal("3"), "ROUND_HALF_EVEN")  # 1.33.. -> 1 quantum
    Decimal('3')
    >>> on_quantum(Decimal("0.375"), Decimal("0.25"), "ROUND_HALF_EVEN")  # 1.5 -> 2 (even)
    Decimal('0.50')
    >>> on_quantum(Decimal("-1.03"), Decimal("0.05"), "ROUND_DOWN")  # -20.6 -> -20
    Decimal('-1.00')
    >>> on_quantum(Decimal("-0.004"), Decimal("0.01"), "ROUND_HALF_EVEN")  # not -0.00
    Decimal('0.00')

    ```
    """
    if isinstance(value, Decimal) and _one_digit_one(str(quantum)):
        # a power of ten: quantize is the rounding, and the fast one
        rounded = value.quantize(quantum, rounding=rounding, context=CONTEXT)
        return rounded.copy_abs() if rounded.is_zero() else rounded
    digits = quantum.as_tuple().digits
    units = Fraction(value) / Fraction(quantum)
    floor, past = divmod(units.numerator, units.denominator)
    twice = 2 * past
    # The part of the number of quanta past its floor stands in as 0, 0.25 (under a
    # half), 0.5 or 0.75 (over a half): a rounding mode only looks at which of these it
    # is, at the sign and at the integer part, so rounding the stand-in rounds the number.
    if past == 0:
        code = 0
    elif twice < units.denominator:
        code = 1
    else:
        code = 2 if twice == units.denominator else 3
    # floor + stand-in, exactly: (100 floor + 25 code) hundredths
    hundredths = Decimal(100 * floor + 25 * code).as_tuple()
    stand_in = Decimal((hundredths.sign, hundredths.digits, -2))
    context = decimal.Context(
        prec=len(hundredths.digits) + 1,
        Emin=decimal.MIN_EMIN,
        Emax=decimal.MAX_EMAX,
        capitals=1,
        clamp=0,
        flags=[],
        traps=[decimal.InvalidOperation, decimal.Overflow],
    )
    count = int(stand_in.quantize(Decimal(1), rounding=rounding, context=context))
    if abs(count) * int("".join(map(str, digits))) >= 10**MAX_DIGITS:
        raise decimal.InvalidOperation(
            f"{value} on the quantum {quantum} has more than {MAX_DIGITS} digits"
        )
    # exact (at most 60 digits); a count of 0 gives a plain zero, the quantum being > 0
    return CONTEXT.multiply(Decimal(count), quantum)


@functools.lru_cache(maxsize=64)
def _one_digit_one(quantum: str) -> bool:
    """Whether the quantum written ``quantum`` is a power of ten of one digit (0.01, 1, 1E+3).

    Not ``0.10`` (two digits: a step of dimes, which ``quantize`` would take for cents).
    Asked of the quantum's text, which keeps its exponent (``0.10`` and ``0.1`` are equal
    numbers, hashed alike): a plan's one or two quanta are read once, not at each
    rounding, where a tuple of digits cost four calls, 1.2 µs. O(1) per text known.
    """
    return Decimal(quantum).as_tuple().digits == (1,)


def whole_quanta(value: Decimal, quantum: Decimal) -> bool:
    """Whether ``value`` is a whole number of ``quantum`` (> 0), exactly.

    ```pycon
    >>> from decimal import Decimal
    >>> whole_quanta(Decimal("1.05"), Decimal("0.05")), whole_quanta(Decimal("1.03"), Decimal("0.05"))
    (True, False)

    ```
    """
    return Fraction(value) % Fraction(quantum) == 0
