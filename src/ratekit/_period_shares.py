"""Where a mean over the period lies: its pieces' shares by the integral of the level.

A non-additive meter is aggregated once per cycle and each piece of the cycle (cut where
the description or the price changes, or where a plan begins) takes a share of the
aggregate, in proportion to time (`ratekit._whole_cycles.whole_cycle_rows`). A
[`TimeWeightedMean(over="period")`][ratekit.TimeWeightedMean] is no level but a weighted
sum over the period: the integral of the level divided by the period's length (GB-hours
over the hours of the month: a GB-month). Its pieces take their own part of that
integral, where the level was held, not their share of the time: 1,000 GB held from 15
February only is 500 GB-month, all of it in the piece from the 15th (a plan that begins
then bills all of it; the piece before, where no level was known, has no row), where
shares of time would give each half of February 250.

So a piece ``[a, b)`` of a cycle's part ``[c0, c1)`` takes ``F(b) - F(a)`` with
``F(t) = I(t) / (c1 - c0)``, ``I(t)`` the integral of the level from ``c0`` (a time with
no level known counting as 0, as the mean does), rounded half-even in between at the
60th significant digit of the largest of them (`places`), and exact at both ends
(``F(c0) = 0``, ``F(c1)`` the aggregate): the shares of a cycle add up to its aggregate
exactly, as shares of time do, where its levels are of one sign (with levels of both
signs a piece may outweigh the whole by more than the 60 digits hold, and a share is
then rounded to 60 significant digits, as any quantity is). Cut that finely, a share
whose exact value is a ratio of small integers (2/3 of a GB-month) is recovered from
its digits where rating compares it with an allowance or a commitment, or bills it
(`ratekit._time_exact.exact_share`), as a prorated allowance is. This is how a GB-month is
reckoned where it is billed by the month: the byte-hours stored, summed, over the hours
of the month (Amazon S3, "Storage pricing":
https://aws.amazon.com/s3/pricing/, "GB-Month").
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from ._decimals import CONTEXT, tidy
from ._sample_policies import TimeWeightedMean
from ._window import _round_ratio

if typing.TYPE_CHECKING:
    from .records import Sample

__all__ = ["by_integral", "cut", "held", "places"]


def held(policy: object) -> bool:
    """Whether ``policy``'s pieces share its aggregate by the integral (a mean over the period)."""
    return type(policy) is TimeWeightedMean and policy.over == "period"


def places(largest: Decimal | Fraction) -> int:
    """The decimal places a cycle's shares are cut at: the 60th significant digit of ``largest``.

    ``largest``: the greatest magnitude among the values ``F`` takes (the aggregate, where
    the levels are of one sign). Every ``F`` cut there, and every difference of two of
    them, holds in 60 digits, so the shares telescope exactly; and a share's exact value,
    a ratio of small integers (10 seats x 2/3), lies within half a unit of the share's
    last digit, where no other such ratio does (`ratekit._time_exact.exact_share`). O(1).
    """
    if not largest:
        return CONTEXT.prec - 1
    magnitude = abs(Fraction(largest))
    # the exponent of the leading digit: 10^adjusted <= magnitude < 10^(adjusted + 1)
    adjusted = len(str(magnitude.numerator)) - len(str(magnitude.denominator))
    if Fraction(10) ** adjusted > magnitude:
        adjusted -= 1
    return CONTEXT.prec - 1 - adjusted


def cut(value: Fraction, at: int) -> Decimal:
    """``value`` rounded half-even to ``at`` decimal places, tidy. O(digits)."""
    if at >= 0:
        units = _round_ratio(value.numerator * 10**at, value.denominator)
    else:
        units = _round_ratio(value.numerator, value.denominator * 10**-at)
    return tidy(Decimal(units).scaleb(-at, CONTEXT))


def by_integral(
    whole: Decimal,
    readings: Sequence[Sample],
    before: Sample | None,
    period: tuple[int, int],
    points: Sequence[int],
) -> list[Decimal]:
    """``F`` at each of ``points`` (increasing, within ``period``): see the module.

    ``readings``: those of ``[c0, c1)`` in the order the mean reads them (`(at, seq)`),
    ``before`` the reading before ``c0`` (its level holds from ``c0``), ``whole`` the
    aggregate over ``period``. O(n + p) for n readings and p points.
    """
    c0, c1 = period
    length = c1 - c0
    exact: list[Fraction | None] = []  # None: the aggregate itself
    integral = Fraction(0)
    level = Fraction(before.value) if before is not None else None
    since = c0
    n = 0
    for t in points:
        if t <= c0:
            exact.append(Fraction(0))
            continue
        if t >= c1:
            exact.append(None)
            continue
        while n < len(readings) and readings[n].at_us <= t:
            reading = readings[n]
            if level is not None:
                integral += level * (reading.at_us - since)
            level, since = Fraction(reading.value), reading.at_us
            n += 1
        upto = integral if level is None else integral + level * (t - since)
        exact.append(upto / length)
    at = places(max((abs(f) for f in exact if f is not None), default=Fraction(0), key=abs))
    at = min(at, places(whole))
    return [whole if f is None else cut(f, at) for f in exact]
