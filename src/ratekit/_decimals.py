"""Exact numbers: ratekit's decimal context and the one conversion point for quantities.

Python's default decimal context keeps 28 significant digits and silently rounds past
them: an 18-digit byte count times a 12-digit price loses cents. ratekit therefore does
all of its arithmetic in `CONTEXT` (60 digits, half-even, with invalid operations,
division by zero and overflow trapped), never in the thread's current context, which a
host application may have changed. Use its methods (``CONTEXT.multiply(a, b)``) or
``with decimal.localcontext(CONTEXT):`` around a block of operator arithmetic.

`to_decimal()` accepts ``int``, ``str`` and ``Decimal``; a ``float`` is converted
through its shortest ``repr`` (``0.1`` becomes ``Decimal("0.1")``, not
``0.1000000000000000055511151231257827...``); ``bool``, NaN and infinities are rejected.

The representable range (`MAX_DIGITS`, `MIN_ADJUSTED`, `MAX_ADJUSTED`):
a number ratekit accepts has at most 60 significant digits (trailing zeros do not count),
so ratekit's context holds it exactly, and, unless it is zero, a magnitude from ``1E-30``
up to but excluding ``1E+30``. Within that range no product of a quantity, a price and
a time factor can overflow the context, a quantity divided by a tier's block always has
an integer part the context can hold, and an exact ratio of integers built from a
number stays small; numbers of at most 21 significant digits multiply with a price of
at most 21 digits and an 18-digit microsecond count without losing a digit. Zeros of any
exponent are accepted (a zero whose exponent lies outside the range becomes ``0``).
"""

from __future__ import annotations

import decimal
import functools
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Final

from ._shown import decimal_repr, int_digits, show, type_name
from .errors import BadQuantityError, RatekitError, RatekitTypeError

__all__ = [
    "CARRIED_MIN_ADJUSTED",
    "CONTEXT",
    "INT_HIGH",
    "INT_LOW",
    "MAX_ADJUSTED",
    "MAX_DIGITS",
    "MIN_ADJUSTED",
    "ONE",
    "PLAIN",
    "PLAIN_TEXT",
    "USAGE_MAX_ADJUSTED",
    "USAGE_RANGE_TEXT",
    "ZERO",
    "commitment",
    "exact_sum",
    "nearest",
    "own_context",
    "prorated",
    "quick_decimal",
    "spend_under",
    "tidy",
    "to_decimal",
    "to_int",
    "to_quantity",
]


def own_context(
    *,
    prec: int,
    traps: Iterable[type[decimal.DecimalException]],
    rounding: str = decimal.ROUND_HALF_EVEN,
    Emin: int = -999_999,  # noqa: N803 - decimal's own name
    Emax: int = 999_999,  # noqa: N803 - decimal's own name
) -> decimal.Context:
    """A context of ratekit's own, every field given, none taken from the host's.

    ``decimal.Context()`` copies each field it is not given from ``decimal.DefaultContext``,
    which a host may have changed before importing ratekit (a lower ``Emin``, ``Inexact``
    trapped, ``capitals=0``, ``clamp=1``): a context built here is the same whatever it
    holds, writes exponents with a capital ``E`` and never clamps.

    ```pycon
    >>> own_context(prec=6, traps=[]).capitals, own_context(prec=6, traps=[]).clamp
    (1, 0)

    ```
    """
    return decimal.Context(
        prec=prec,
        rounding=rounding,
        Emin=Emin,
        Emax=Emax,
        capitals=1,
        clamp=0,
        flags=[],
        traps=list(traps),
    )


#: The decimal context every ratekit computation runs in.
CONTEXT: Final = own_context(
    prec=60, traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow]
)

ZERO: Final = Decimal(0)
ONE: Final = Decimal(1)

#: Reads text exactly, whatever the thread's context (never rounds: the precision is
#: unbounded; a text that is no number raises InvalidOperation).
_EXACT: Final = own_context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.Overflow, decimal.Underflow],
)

#: Sums of amounts: exact, never rounded at any precision (a non-terminating quotient is
#: rounded once, at the 60th digit, where it is computed; adding two such amounts of
#: different magnitudes may need more digits, and gets them).
_SUMS: Final = own_context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.Inexact, decimal.Overflow, decimal.Underflow],
)

#: The most significant digits a number may have (the context's precision).
MAX_DIGITS: Final = 60
#: The least and greatest adjusted exponent (the exponent of the leading digit) of a
#: non-zero number: magnitudes from 1E-30 up to, not including, 1E+30.
MIN_ADJUSTED: Final = -30
MAX_ADJUSTED: Final = 29
_INT_LIMIT: Final = 10 ** (MAX_ADJUSTED + 1)
RANGE_TEXT: Final = (
    f"at most {MAX_DIGITS} significant digits and, unless zero, a magnitude from "
    f"1E{MIN_ADJUSTED} up to but excluding 1E+{MAX_ADJUSTED + 1}"
)
#: The greatest adjusted exponent of a quantity of usage (`to_quantity`): below 1E+60.
USAGE_MAX_ADJUSTED: Final = 59
USAGE_RANGE_TEXT: Final = (
    f"at most {MAX_DIGITS} significant digits and, unless zero, a magnitude from "
    f"1E{MIN_ADJUSTED} up to but excluding 1E+{USAGE_MAX_ADJUSTED + 1}"
)
#: The least adjusted exponent of a non-zero number that ratekit computes and carries
#: (an amount, a share of a quantity: `ratekit._carried`): 1E-100.
CARRIED_MIN_ADJUSTED: Final = -100


def _out_of_range(value: object, what: str, accepted: str = RANGE_TEXT) -> BadQuantityError:
    # An int is written out only when short enough to be cheap (Python refuses past 4,300
    # digits); a longer one is named by its length.
    if isinstance(value, Decimal):
        shown = decimal_repr(value)  # not in the caller's capitals
    elif isinstance(value, int) and int_digits(value) > 1000:
        shown = show(value)
    else:
        shown = repr(value)
    if len(shown) > 80:  # a long text keeps its head and its tail
        shown = shown[:60] + "..." + shown[-12:]
    return BadQuantityError(
        f"{what} {shown} lies outside the numbers ratekit represents exactly: give {accepted}."
    )


def _in_range(  # noqa: PLR0917 - the range's bounds and words
    result: Decimal,
    value: object,
    what: str,
    high: int = MAX_ADJUSTED,
    accepted: str = RANGE_TEXT,
    low: int = MIN_ADJUSTED,
) -> Decimal:
    """``result`` when it lies in the representable range (see the module docstring).

    ``low`` and ``high`` are the least and greatest adjusted exponents accepted
    (``accepted`` says the range).
    """
    adjusted = result.adjusted()
    if not result:
        return result if MIN_ADJUSTED - MAX_DIGITS <= adjusted <= MAX_ADJUSTED else ZERO
    if not low <= adjusted <= high:
        raise _out_of_range(value, what, accepted)
    sign, digits, exponent = result.as_tuple()
    if len(digits) > MAX_DIGITS:
        # Trailing zeros carry no information: 1.000...0 is 1 however many zeros it has.
        kept = len(digits)
        while kept > MAX_DIGITS and digits[kept - 1] == 0:
            kept -= 1
        if kept > MAX_DIGITS:
            raise _out_of_range(value, what, accepted)
        return Decimal((sign, digits[:kept], int(exponent) + len(digits) - kept))
    return result


#: A number written as text: ASCII digits, an optional sign, point and exponent, and
#: nothing around them. Python's Decimal also reads spaces around, underscores and other
#: scripts' digits (Arabic-Indic, fullwidth); a billing record's text is refused unless plain.
PLAIN: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: What `PLAIN` accepts, for messages.
PLAIN_TEXT: Final = (
    "write it in plain ASCII decimal text, like '12.5', '-3' or '1e9' (no spaces, "
    "underscores or other scripts' digits)"
)


def _not_plain(text: str, what: str) -> BadQuantityError:
    """The error for text that is not `PLAIN`: no finite number, or not written plainly."""
    try:
        loose = text.strip().replace("_", "")  # as Python's Decimal() reads it
        parsed = _EXACT.create_decimal(loose) if len(text) <= 1000 else None
    except (decimal.DecimalException, ValueError):
        parsed = None
    if parsed is None:
        return BadQuantityError(
            f"{what} {show(text)} is not a decimal number; write it like '12.5' or '1e9'."
        )
    if not parsed.is_finite() and text.isascii() and text == text.strip():
        return BadQuantityError(f"{what} must be a finite number, not {show(text)}.")
    return BadQuantityError(f"{what} {show(text)} is not written plainly: {PLAIN_TEXT}.")


def to_decimal(
    value: object,
    what: str = "quantity",
    *,
    high: int = MAX_ADJUSTED,
    accepted: str = RANGE_TEXT,
    low: int = MIN_ADJUSTED,
) -> Decimal:
    """Convert ``value`` to an exact, finite `Decimal`.

    ``what`` names the value in error messages (``"sample 's7' value"``). ``low`` and
    ``high`` are the least and greatest adjusted exponents taken and ``accepted`` the
    range's words: a wider range's door (`to_quantity`, `ratekit._carried`) gives its own.

    ```pycon
    >>> to_decimal(0.1)
    Decimal('0.1')
    >>> to_decimal("1e3")
    Decimal('1E+3')
    >>> to_decimal(3)
    Decimal('3')

    ```
    """
    if isinstance(value, Decimal):
        # A subclass (its own __lt__, __add__) is re-made as an exact Decimal: ratekit
        # computes money with it. Decimal() copies the number without calling its methods.
        result = value if type(value) is Decimal else Decimal(value)
    elif isinstance(value, bool):
        raise RatekitTypeError(
            f"{what} must be a number (int, str, Decimal or float), not bool: {show(value)}."
        )
    elif isinstance(value, int):
        value = value if type(value) is int else int.__index__(value)
        if -_INT_LIMIT < value < _INT_LIMIT:
            return Decimal(value)
        if high == MAX_ADJUSTED or int_digits(value) > high + 1:
            raise _out_of_range(value, what, accepted)
        result = Decimal(value)  # a wider range's (`to_quantity`): checked below
    elif isinstance(value, float):
        result = Decimal(float.__repr__(value))
    elif isinstance(value, str):
        text = str.__str__(value)
        if PLAIN.fullmatch(text) is None:
            raise _not_plain(text, what)
        try:
            result = _EXACT.create_decimal(text)
        except (decimal.Overflow, decimal.Underflow):
            raise _out_of_range(value, what, accepted) from None
    else:
        raise RatekitTypeError(
            f"{what} must be a number (int, str, Decimal or float), "
            f"not {type_name(value)}: {show(value)}."
        )
    if not result.is_finite():
        raise BadQuantityError(f"{what} must be a finite number, not {show(value)}.")
    return _in_range(result, value, what, high, accepted, low)


def to_quantity(value: object, what: str) -> Decimal:
    """``value`` as a quantity of usage: `to_decimal`'s door, up to 1E+60 in magnitude.

    A row's or a charge's quantity is what metering computes, not what a record gave: a
    level below 1E+30 held for a month (1E+25 MB over 2,678,400 s is 2.6784E+31
    MB*second) passes `to_decimal`'s range, and a `PerUnit` price may still price it
    (its amount is checked on its own). So a quantity keeps an input's digits (at most
    60, what the context holds exactly) with a wider magnitude, below 1E+60
    (`USAGE_RANGE_TEXT`): a level below 1E+30 held a year in microseconds stays below
    1E+44, and an invoice line summing such quantities stays in a result's range
    (below 1E+100). O(digits).
    """
    return to_decimal(value, what, high=USAGE_MAX_ADJUSTED, accepted=USAGE_RANGE_TEXT)


#: The bounds of `to_int` unless a door gives its own: a signed 64-bit integer.
INT_LOW: Final = -(2**63)
INT_HIGH: Final = 2**63 - 1


def to_int(
    value: object,
    what: str,
    accepted: str = "an int",
    *,
    low: int = INT_LOW,
    high: int = INT_HIGH,
    error: type[RatekitError] = BadQuantityError,
) -> int:
    """``value`` as an exact ``int`` from ``low`` to ``high``: ratekit's door for integers.

    A subclass of ``int`` becomes a plain ``int``; ``bool`` and every other type raise
    [`RatekitTypeError`][ratekit.RatekitTypeError] naming ``what`` and ``accepted``; an
    int out of range raises ``error`` (the value shown bounded, never as 5,000 digits).

    ```pycon
    >>> to_int(7, "seq")
    7
    >>> to_int(10**5000, "seq")
    Traceback (most recent call last):
    ...
    ratekit.BadQuantityError: seq <an integer of 5001 digits> is out of range; give an int from -9223372036854775808 to 9223372036854775807.

    ```
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise RatekitTypeError(
            f"{what} must be {accepted}, not {type(value).__name__}: {show(value)}."
        )
    # A subclass's own comparisons may say anything: judge the exact int it holds.
    exact = value if type(value) is int else int.__index__(value)
    if not low <= exact <= high:
        raise error(f"{what} {show(exact)} is out of range; give an int from {low} to {high}.")
    return exact


def quick_decimal(value: object) -> Decimal | None:
    """``value`` as `to_decimal` would return it, when that is quick to tell, else ``None``.

    For per-record fast paths: an exact ``int`` or ``Decimal`` inside the range; anything
    else (and every value out of range) is left to `to_decimal` and its message.
    """
    if type(value) is int:
        return Decimal(value) if -_INT_LIMIT < value < _INT_LIMIT else None
    if (
        type(value) is Decimal
        and value
        and MIN_ADJUSTED <= value.adjusted() <= MAX_ADJUSTED
        and value.is_finite()
        and len(value.as_tuple().digits) <= MAX_DIGITS
    ):
        return value
    return None


def tidy(value: Decimal, _normalize: Callable[..., Decimal] = Decimal.normalize) -> Decimal:
    """The same number without trailing zeros, and never in exponent notation.

    Adding a zero of exponent 0 turns ``1E+1`` back into ``10`` and leaves every other
    normalised number as it is (``_normalize`` is bound once: this runs per usage row).

    ```pycon
    >>> tidy(Decimal("12.500")), tidy(Decimal("1E+1")), tidy(Decimal("0.000"))
    (Decimal('12.5'), Decimal('10'), Decimal('0'))

    ```
    """
    return CONTEXT.add(_normalize(value, CONTEXT), ZERO)


def exact_sum(values: Iterable[Decimal]) -> Decimal:
    """The exact sum of ``values``: no digit rounded away, whatever their magnitudes. O(n).

    Every total of amounts that the docs call exact adds through here (a rating's total,
    a statement's), so the same amounts give the same sum to the last digit in any
    order: 60-digit amounts of different magnitudes (a prorated fee of 3.01470... and one
    of 13.96...) may need a 61st digit, which `CONTEXT` would round away.

    ```pycon
    >>> third = CONTEXT.divide(Decimal(1), Decimal(3))  # 0.333... (60 digits)
    >>> ten_and_a_third = CONTEXT.add(Decimal(10), third)  # 10.333...3 (60 digits)
    >>> len(str(exact_sum([third, ten_and_a_third]))), len(str(CONTEXT.add(third, ten_and_a_third)))
    (63, 61)

    ```
    """
    return functools.reduce(_SUMS.add, values, ZERO)  # the same left fold, at C speed


#: Half the smallest non-zero magnitude ratekit represents: the nearest number to a value
#: below it is 0 (see `nearest`).
_HALF_SMALLEST: Final = Decimal(f"5E{MIN_ADJUSTED - 1}")
_SMALLEST: Final = Decimal(f"1E{MIN_ADJUSTED}")


#: The largest denominator of a share of a cycle rating prorates by: a cycle's length in
#: microseconds (a century is 3.2E+15) or in days.
_SHARE_DENOMINATOR: Final = 10**25


#: How far a share of a cycle split by a change lies from its ratio: its two positions,
#: each rounded to 60 decimal places (half a unit each).
_PLACES_APART: Final = Fraction(1, 10**60)


def commitment(unit_price: Decimal, quantity: Decimal) -> Fraction:
    """The exact commitment a minimum charge stands for: ``unit_price`` times its share.

    A minimum charge's quantity is the share of the cycle its plan covers, a ratio of two
    ints below `_SHARE_DENOMINATOR` (microseconds or days), as rating divides it: exact
    when it terminates, else rounded at its 60th digit (5 of 30 days is 0.1666...67).
    Two such ratios lie at least 1E-50 apart, so the one of denominator below the bound
    that rounds to ``quantity`` is the share itself, and the commitment is prorated
    exactly, as a fee is (15.18 x 5/30 = 2.53, not 2.53000...01, which a rounding up
    would bill as 2.54). A quantity no such ratio rounds to (a charge made by hand) is
    taken as it is. So is a share that is two positions of a cycle split by a change of
    plan, each rounded to 60 decimal places, less one another (within 1E-60 of its
    ratio). O(digits).

    ```pycon
    >>> sixth = CONTEXT.divide(Decimal(1), Decimal(6))
    >>> commitment(Decimal("15.18"), sixth), commitment(Decimal("10"), Decimal("0.25"))
    (Fraction(253, 100), Fraction(5, 2))

    ```
    """
    share = Fraction(quantity)
    if share.denominator > _SHARE_DENOMINATOR:
        ratio = share.limit_denominator(_SHARE_DENOMINATOR)
        if (
            CONTEXT.divide(Decimal(ratio.numerator), Decimal(ratio.denominator)) == quantity
            or abs(ratio - share) <= _PLACES_APART
        ):
            share = ratio
    return Fraction(unit_price) * share


def spend_under(commitment: Fraction, top_ups: Iterable[Decimal]) -> Decimal:
    """The exact spend that ``top_ups`` leave of an exact ``commitment``: what was spent.

    Each top-up is the commitment of a plan's part less that part's exact spend, as
    rating computed it: exact when it terminates within 60 digits, else rounded at its
    60th (1/3 is 0.333...3, its last digit at 1E-60). The commitment less such a top-up
    misses the spend by up to half a unit of that last digit, which may lie below the
    spend's own digits: 4/3 at 60 digits less 0.333...3 leaves 0.999...97, where 1.00
    was spent. So the difference is read at the last digit of the coarsest top-up rounded
    there (the spend is within half a unit of it per top-up), then handed on as `nearest` hands on
    any exact value: 1.00 spent reads 1. A top-up of fewer digits is exact, and so is
    the difference. O(digits) per top-up.

    ```pycon
    >>> third = CONTEXT.divide(Decimal(1), Decimal(3))
    >>> spend_under(Fraction(4, 3), [third]), CONTEXT.subtract(CONTEXT.divide(Decimal(4), Decimal(3)), third)
    (Decimal('1'), Decimal('0.999999999999999999999999999999999999999999999999999999999997'))

    ```
    """
    difference = commitment
    last: int | None = None  # the exponent of the coarsest top-up's rounded last digit
    for top_up in top_ups:
        difference -= Fraction(top_up)
        sign_digits_exponent = top_up.as_tuple()
        exponent = sign_digits_exponent.exponent
        if len(sign_digits_exponent.digits) >= CONTEXT.prec and isinstance(exponent, int):
            last = exponent if last is None else max(last, exponent)
    if last is not None:
        difference = Fraction(round(difference / Fraction(10) ** last)) * Fraction(10) ** last
    return nearest(difference)


def prorated(unit_price: Decimal | None, quantity: Decimal, amount: Decimal) -> Fraction:
    """The exact amount of a fee's (or a price's base's) charge: ``unit_price`` times its share.

    Rating prorates a fee in one division, rounded at the 60th digit when it does not
    terminate (a third of 1 is 0.333...3). The exact proration is recovered as a
    minimum's `commitment` is, and kept when it is what rating's division gives, so the
    parts of a fee of two plans add up to their exact sum (1/3 of 1 + 2/3 of 4 = 3, not
    3.000...003, which a rounding up would bill as 3.01). Otherwise (a charge made by
    hand) ``amount`` is taken as it is. O(digits).

    ```pycon
    >>> third = CONTEXT.divide(Decimal(1), Decimal(3))
    >>> prorated(Decimal(1), third, third), prorated(Decimal(1), third, Decimal("0.3"))
    (Fraction(1, 3), Fraction(3, 10))

    ```
    """
    if unit_price is None:
        return Fraction(amount)
    exact = commitment(unit_price, quantity)
    if CONTEXT.divide(Decimal(exact.numerator), Decimal(exact.denominator)) == amount:
        return exact
    return Fraction(amount)


def nearest(value: Decimal | Fraction) -> Decimal:
    """The number ratekit represents nearest to an exact ``value`` that rating computed.

    A quantity rating computes itself, such as a group's running quantity after
    corrections and pro-rated allowances, is exact (a sum of Decimals, or a Fraction when
    an allowance is pro-rated by a share of time that does not terminate in decimal). It
    is handed to a price as the nearest number of the representable range (see the
    module): the value itself when it terminates within 60 significant digits; else
    rounded, half-even, at the 60th significant digit; and a magnitude below ``1E-30``
    (the smallest the range holds) to ``0``, or to ``±1E-30`` from above ``5E-31``. So
    what rating hands on is a number the doors accept, and a total that is exactly zero
    is zero, never a rounding residue such as ``4E-60``. Magnitudes of ``1E+30`` and
    more are left as they are (to 60 digits): no number of the range is near them, and
    the price's door names them. O(1) for a Decimal, O(digits) for a Fraction.

    ```pycon
    >>> nearest(Fraction(1, 3))
    Decimal('0.333333333333333333333333333333333333333333333333333333333333')
    >>> nearest(Decimal("4E-60")), nearest(Fraction(-7, 10**31)), nearest(Decimal("2.50"))
    (Decimal('0'), Decimal('-1E-30'), Decimal('2.50'))

    ```
    """
    # A Decimal asked first (a Fraction's isinstance is an ABC's, slow), by its type
    # first (no call: one per piece priced by a group's total).
    if type(value) is Decimal or isinstance(value, Decimal):
        result = CONTEXT.plus(value)
        if result and type(value) is Decimal and result == value and result.same_quantum(value):
            # The value itself where it fits (the same digits, the same exponent), not
            # an equal copy: a group's running quantity and what its price is handed for
            # it are then one object, not two per piece.
            result = value
    elif value.denominator == 1:
        result = CONTEXT.plus(Decimal(value.numerator))
    else:
        result = CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))
    if result and result.adjusted() < MIN_ADJUSTED:
        # below the range: to 0, or to the smallest magnitude, whichever is nearer (a
        # tie goes to 0, the even one); compared exactly, not after the rounding above
        if isinstance(value, Fraction):
            far = abs(value) > Fraction(_HALF_SMALLEST)
        else:
            far = value.copy_abs() > _HALF_SMALLEST
        if far:
            return _SMALLEST if value > 0 else _SMALLEST.copy_negate()
        return ZERO
    return result
