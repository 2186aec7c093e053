"""Exact numbers: ratekit's decimal context and the one conversion point for quantities.

Python's default decimal context keeps 28 significant digits and silently rounds past
them: an 18-digit byte count times a 12-digit price loses cents. ratekit therefore does
all of its arithmetic in :data:`CONTEXT` (60 digits, half-even, with invalid operations,
division by zero and overflow trapped), never in the thread's current context, which a
host application may have changed. Use its methods (``CONTEXT.multiply(a, b)``) or
``with decimal.localcontext(CONTEXT):`` around a block of operator arithmetic.

:func:`to_decimal` accepts ``int``, ``str`` and ``Decimal``; a ``float`` is converted
through its shortest ``repr`` (``0.1`` becomes ``Decimal("0.1")``, not
``0.1000000000000000055511151231257827...``); ``bool``, NaN and infinities are rejected.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from decimal import Decimal
from typing import Final

from .errors import BadQuantityError, RatekitTypeError

__all__ = ["CONTEXT", "ONE", "ZERO", "tidy", "to_decimal"]

#: The decimal context every ratekit computation runs in.
CONTEXT: Final = decimal.Context(
    prec=60,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)


def to_decimal(value: object, what: str = "quantity") -> Decimal:
    """Convert ``value`` to an exact, finite :class:`~decimal.Decimal`.

    ``what`` names the value in error messages (``"sample 's7' value"``).

    >>> to_decimal(0.1)
    Decimal('0.1')
    >>> to_decimal("1e3")
    Decimal('1E+3')
    >>> to_decimal(3)
    Decimal('3')
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise RatekitTypeError(
            f"{what} must be a number (int, str, Decimal or float), not bool: {value!r}."
        )
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace("_", ""))
        except decimal.InvalidOperation:
            raise BadQuantityError(
                f"{what} {value!r} is not a decimal number; write it like '12.5' or '1e9'."
            ) from None
    else:
        raise RatekitTypeError(
            f"{what} must be a number (int, str, Decimal or float), "
            f"not {type(value).__name__}: {value!r}."
        )
    if not result.is_finite():
        raise BadQuantityError(f"{what} must be a finite number, not {value!r}.")
    return result


def tidy(value: Decimal, _normalize: Callable[..., Decimal] = Decimal.normalize) -> Decimal:
    """The same number without trailing zeros, and never in exponent notation.

    Adding a zero of exponent 0 turns ``1E+1`` back into ``10`` and leaves every other
    normalised number as it is (``_normalize`` is bound once: this runs per usage row).

    >>> tidy(Decimal("12.500")), tidy(Decimal("1E+1")), tidy(Decimal("0.000"))
    (Decimal('12.5'), Decimal('10'), Decimal('0'))
    """
    return CONTEXT.add(_normalize(value, CONTEXT), ZERO)
