"""The exact quantity of a piece of time, recovered from its metered slice.

A time meter's row over ``[a, b)`` is ``F(b) - F(a)`` with ``F(t) = level * t / unit``
rounded half-even at 1e-24 (`ratekit._metering_time`): within 1e-24 of the time used, and
rows of one stretch telescope, but rows of runs apart do not (three runs of 20 minutes
are 3 x 0.333333333333333333333334 hour, not 1). Rating and billing price the time used:
`exact_time` recovers it from a row (its quantity, span and unit), and `exact_piece` a
piece of a row cut in proportion to time.

The level is recovered as the decimal of at most `_PLACES` places whose ``F`` gives the
row's quantity exactly, to every digit (there is at most one: such levels lie 1e-6
apart, and a quantum of 1e-24 moves the estimate far less); the row's exact quantity is
then ``level * (b - a) / unit``. A row in a unit that is not a unit of time alone, or whose
quantity no such level gives (made by hand, or a sum of samples), is taken as it is.
O(1): a few integer operations per row.
"""

from __future__ import annotations

import functools
import typing
from decimal import Decimal
from fractions import Fraction
from typing import Final

from ._decimals import CONTEXT
from ._window import _SCALE, _round_ratio
from .errors import RatekitError
from .units import Unit

if typing.TYPE_CHECKING:  # usage imports billing's helpers, which import this module
    from .usage import UsageRow

__all__ = ["exact_piece", "exact_time", "time_unit_us"]

#: The most decimal places of a level recovered (a level of 0.5 vCPU has one).
_PLACES: Final = 6

#: The seconds' dimension: a unit of time alone.
_TIME: Final = (("second", 1),)


@functools.lru_cache(maxsize=256)
def time_unit_us(unit: str) -> tuple[int, int] | None:
    """Microseconds in one ``unit`` as ``(numerator, denominator)``, if it measures time alone."""
    try:
        read = Unit(unit)
    except RatekitError:
        return None
    if read.dimension != _TIME:
        return None
    per = Fraction(read.factor) * 1_000_000
    return per.numerator, per.denominator


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
    # the quantity in quanta of 1e-24, exactly: at most 60 digits, in ratekit's context
    # (whatever the caller's precision)
    quanta = int(quantity.scaleb(24, CONTEXT))
    num, den = per  # microseconds per unit: num / den
    # the level estimate, quantity * unit / duration, as a fraction: quanta * num / (den *
    # duration * 1e24)
    top, bottom = quanta * num, den * duration * _SCALE
    # A level of at most _PLACES places that gives the quantity lies within a quantum's
    # worth of the estimate (1e-24 x unit / duration, far below 1e-6): it is the estimate
    # rounded to _PLACES places, whatever its own number of places; one check suffices.
    scale = 10**_PLACES
    level = _round_ratio(top * scale, bottom)  # the level in units of 10^-_PLACES
    # F(t) in quanta: level / scale * t * den / num * 1e24, rounded half-even
    p, q = level * den * _SCALE, scale * num
    if _round_ratio(p * end_us, q) - _round_ratio(p * start_us, q) != quanta:
        return None
    if p * duration == quanta * q:  # exact as it is
        return None
    return Fraction(p * duration, q * _SCALE)


def exact_piece(
    row: UsageRow, start_us: int, end_us: int, quantity: Decimal | None
) -> Fraction | None:
    """The exact quantity of the piece ``[start_us, end_us)`` of ``row`` (of ``quantity``).

    The row's exact time (`exact_time`, or its quantity when a unit of time alone measures
    it) cut in proportion to time; None when the piece is exact as it is, or the row is
    not in a unit of time alone, or ``quantity`` is not that cut (within 2e-24: not the
    row's piece). ``quantity`` None: not checked. O(1).
    """
    if time_unit_us(row.unit) is None:
        return None
    span = row.span
    row_start, row_end = span.start_us, span.end_us
    whole = exact_time(row.quantity, row_start, row_end, row.unit)
    if start_us == row_start and end_us == row_end:
        return whole if quantity is None or quantity == row.quantity else None
    if row_end <= row_start or not row_start <= start_us <= end_us <= row_end:
        return None
    if whole is None:
        whole = Fraction(row.quantity)
    exact = whole * Fraction(end_us - start_us, row_end - row_start)
    if quantity is None:
        return exact
    found = Fraction(quantity)
    # the piece must be the row's cut in proportion to time, at metering's quantum
    if exact == found or abs(exact - found) > Fraction(2, _SCALE):
        return None
    return exact
