"""The exact quantity of a piece of time, recovered from its metered slice.

A time meter's row over ``[a, b)`` is ``F(b) - F(a)`` with ``F(t) = level * t / unit``
rounded half-even at 1e-24 (`ratekit._metering_time`): within 1e-24 of the time used, and
rows of one stretch telescope, but rows of runs apart do not (three runs of 20 minutes
are 3 x 0.333333333333333333333334 hour, not 1). Rating and billing price the time used:
`exact_time` recovers it from a row (its quantity, span and unit), and `exact_piece` a
piece of a row cut in proportion to time.

The level is recovered as the one decimal of at most so many places whose ``F`` gives the
row's quantity exactly, to every digit: the estimate ``quantity * unit / (b - a)`` rounded to as
many places as the row's span and unit allow for certain, less a margin that keeps a
quantity made by hand from passing for a slice (`_places`: 8 for an hour's row of one µs,
14 for one of a second, 17 for one of an hour), checked once; the row's exact quantity is then
``level * (b - a) / unit``. A level of more places than that (a level of 9 places on a
row of one µs) is not recovered: its row is priced as the slice it is, as is a row in a
unit that is no time meter's (not a product with one unit of time: ``"hour"``,
``"GiB*hour"``), or whose quantity no such level gives (made by hand, or a sum of samples).
O(1): a few integer operations per row.
"""

from __future__ import annotations

import functools
import typing
from decimal import Decimal
from fractions import Fraction
from typing import Final

from ._decimals import _SUMS, CONTEXT
from ._window import _SCALE, _round_ratio
from .errors import RatekitError
from .policies import _time_factor
from .units import Unit

if typing.TYPE_CHECKING:  # usage imports billing's helpers, which import this module
    from .usage import UsageRow

__all__ = ["SHARE_DIGITS", "exact_piece", "exact_share", "exact_time", "finely_cut", "time_unit_us"]

#: The most decimal places of a level recovered (see `_places`).
_PLACES: Final = 18
#: How many times apart the slices of two levels of as many places lie, at least, beside
#: the 2e-24 that makes a slice of a level: a quantity that is no slice (made by hand, 5
#: hours over a day) is then taken for one about once in a million, not always.
_MARGIN: Final = 6


@functools.lru_cache(maxsize=256)
def time_unit_us(unit: str) -> tuple[int, int] | None:
    """Microseconds in the one unit of time of ``unit``, as ``(numerator, denominator)``.

    ``unit`` is a time meter's: a product with exactly one unit of time (``"hour"``,
    ``"GiB*hour"``, ``"MB*ns"``, as [`Meter`][ratekit.Meter] reads it); the rest is the
    level's unit. None for any other unit (its rows are not slices of time).
    """
    try:
        multiplier, divisor = _time_factor(Unit(unit), "", None, unit)
    except RatekitError:
        return None
    return divisor, multiplier  # quantity = level * t_us * multiplier / divisor


def _places(per: tuple[int, int], duration: int) -> int:
    """The places of a level that a row of ``duration`` µs recovers.

    A quantity within 1e-24 of the exact one puts the estimate of the level within
    ``E = 1e-24 x per / duration`` of it; a level of ``k`` places is the estimate rounded
    to ``k`` places when ``E < 10^-k / 2``. But the slices of levels of ``k`` places lie
    ``10^-k x duration / per`` apart: with ``k`` that large, any quantity would be the
    slice of some level (5 hours over a day is that of 0.2083...3, of 25 places). So
    ``k`` is `_MARGIN` places fewer, and at most `_PLACES`: an hour's row of one µs
    recovers 8 places, of one second 14, of one hour 17, of a day 18. Negative: none.
    O(digits).
    """
    num, den = per
    # the largest k with 2 * num * 10^k < den * duration * 10^24
    bound, step = den * duration * _SCALE, 2 * num
    places = len(str(bound // step))  # 10^places > bound / step: one too many, or more
    while places >= 0 and step * 10**places >= bound:
        places -= 1
    return min(places - _MARGIN, _PLACES)


def exact_time(quantity: Decimal, start_us: int, end_us: int, unit: str) -> Fraction | None:
    """The time ``quantity`` over ``[start_us, end_us)`` in ``unit`` stands for, exactly.

    None when it is exact as it is, or is not a time meter's slice (see the module).
    """
    per = time_unit_us(unit)
    duration = end_us - start_us
    if per is None or duration <= 0 or not quantity.is_finite():
        return None
    exponent = quantity.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -24:
        return None  # finer than metering's quantum: not a slice
    places = _places(per, duration)
    if places < 0:
        return None
    # the quantity in quanta of 1e-24, exactly: at most 60 digits, in ratekit's context
    # (whatever the caller's precision)
    quanta = int(quantity.scaleb(24, CONTEXT))
    num, den = per  # microseconds per unit of time: num / den
    # the level estimate, quantity * unit / duration, as a fraction: quanta * num / (den *
    # duration * 1e24)
    top, bottom = quanta * num, den * duration * _SCALE
    # A level of at most ``places`` places that gives the quantity lies within E of the
    # estimate (`_places`): it is the estimate rounded to that many places, whatever its
    # own number of places; one check suffices.
    scale = 10**places
    level = _round_ratio(top * scale, bottom)  # the level in units of 10^-places
    # F(t) in quanta: level / scale * t * den / num * 1e24, rounded half-even
    p, q = level * den * _SCALE, scale * num
    if _round_ratio(p * end_us, q) - _round_ratio(p * start_us, q) != quanta:
        return None
    if p * duration == quanta * q:  # exact as it is
        return None
    return Fraction(p * duration, q * _SCALE)


#: A quantity with a digit this fine, or finer, may be a share of an aggregate cut at
#: its 60th significant digit (`ratekit._period_shares.places`): no time slice (1e-24), no
#: number of a usage record (the representable range ends at 1e-30) has one.
_SHARE_EXPONENT: Final = -51
#: A zero one place coarser than a share's digit: added to a quantity exactly, it gives
#: the quantity's exponent where that is finer, else its own (`finely_cut`).
_COARSE_ZERO: Final = Decimal(f"0E{_SHARE_EXPONENT + 1}")
_EXACT_ADD: Final = _SUMS.add


def finely_cut(quantity: Decimal) -> bool:
    """Whether ``quantity`` has a digit as fine as a share's (see `exact_share`). O(digits).

    Told without ``as_tuple()`` (a tuple of every digit, made by a Python-level
    constructor: four calls, 0.4 to 1.7 µs): an exact sum's exponent is the least of its
    terms', so ``quantity`` plus `_COARSE_ZERO` keeps that zero's exponent unless
    ``quantity``'s is finer (0.2 to 0.5 µs). So a sum of quantities is finely cut when
    one of them is (`ratekit._timed_charges.in_time` tests a line's sum so).
    """
    return quantity.is_finite() and not _EXACT_ADD(quantity, _COARSE_ZERO).same_quantum(
        _COARSE_ZERO
    )


#: The fewest significant digits a share of a large aggregate keeps where it is cut:
#: the share of a microsecond of a century-long cycle (3E-16 of it) keeps 44 of the
#: aggregate's 60 (tidied of a few trailing zeros where the cut rounds onto them).
SHARE_DIGITS: Final = 40


def exact_share(quantity: Decimal, shared: bool = False) -> Fraction | None:
    """The exact share of an aggregate that ``quantity`` holds, if it is one, else None.

    Metering cuts a non-additive meter's aggregate among the pieces of a cycle at the
    aggregate's 60th significant digit (10 seats x 2/3 is 6.666...67, its last digit at
    1e-58), and a share is ``F(b) - F(a)``, each rounded there: within a unit of that
    digit. The share is exactly a ratio of small integers (20/3): the one within a unit
    of ``quantity``'s last digit whose denominator is at most the square root of a tenth
    of that unit's inverse (1e28 here), which no other such ratio is (two lie at least
    the square of its inverse apart, ten units). Recovered so, as a prorated
    allowance's share is, a share compares with the allowance and the commitment prorated by the same time, and a line
    of it rounds as its exact amount does (1/3 seat at 0.015 is 0.005, a tie). None for a
    quantity of no such digit, or exact as it is, or near no such ratio. O(digits).

    ``shared``: the quantity is known to be a share of an aggregate (a row of a meter
    that does not add up). An aggregate of 1E+9 or more is cut at 1E-50 or coarser, so
    its shares have no digit as fine as `finely_cut` tells: 9.99E+29 seats for 1 µs of
    April are cut at 1E-30, 385416666666666666.66...67. Such a share is recovered the
    same way when it keeps at least `SHARE_DIGITS` digits (a share that terminates
    within fewer is exact as it is).
    """
    if not (finely_cut(quantity) or (shared and quantity.is_finite())):
        return None
    _, digits, exponent = quantity.as_tuple()
    if not isinstance(exponent, int) or not (
        exponent <= _SHARE_EXPONENT or (len(digits) >= SHARE_DIGITS and exponent < -2)
    ):
        return None
    value = Fraction(quantity)
    ratio = value.limit_denominator(10 ** ((-exponent - 1) // 2))
    if ratio == value or abs(ratio - value) * 10**-exponent > 1:
        return None
    return ratio


def exact_piece(
    row: UsageRow, start_us: int, end_us: int, quantity: Decimal | None, shared: bool = False
) -> Fraction | None:
    """The exact quantity of the piece ``[start_us, end_us)`` of ``row`` (of ``quantity``).

    The row's exact time (`exact_time`, or its quantity when it is exact as it is), or
    the exact share of an aggregate it holds (`exact_share`), cut in proportion to time;
    None when the piece is exact as it is, or the row is neither a share nor in a time
    meter's unit (`time_unit_us`), or ``quantity`` is not that cut (within 2e-24: not the
    row's piece). ``quantity`` None: not checked. ``shared``: the row is a share of an
    aggregate (see `exact_share`). O(1).
    """
    span = row.span
    row_start, row_end = span.start_us, span.end_us
    # a row over its whole cycle holds the aggregate itself, exact as it is (its pieces
    # are cut from it in proportion to time, below)
    whole = exact_share(row.quantity, shared and row.cycle != span)
    timed = whole is None and time_unit_us(row.unit) is not None
    if timed:
        whole = exact_time(row.quantity, row_start, row_end, row.unit)
    if start_us == row_start and end_us == row_end:
        return whole if quantity is None or quantity == row.quantity else None
    if row_end <= row_start or not row_start <= start_us <= end_us <= row_end:
        return None
    if whole is None:
        # an exact quantity: a time meter's, or an aggregate rating cut into shares
        if not timed and (quantity is None or not (shared or finely_cut(quantity))):
            return None
        whole = Fraction(row.quantity)
    exact = whole * Fraction(end_us - start_us, row_end - row_start)
    if quantity is None:
        return exact
    found = Fraction(quantity)
    # the piece must be the row's cut in proportion to time, at metering's quantum
    if exact == found or abs(exact - found) > Fraction(2, _SCALE):
        return None
    return exact
