"""Where a mean over the period lies: its pieces' shares by the integral of the level.

A non-additive meter is aggregated once per cycle and each piece of the cycle (cut where
the description or the price changes, or where a plan begins) takes a share of the
aggregate, in proportion to time (`ratekit._metering_samples.whole_cycle_rows`). A
[`TimeWeightedMean(over="period")`][ratekit.TimeWeightedMean] is no level but a weighted
sum over the period: the integral of the level divided by the period's length (GB-hours
over the hours of the month: a GB-month). Its pieces take their own part of that
integral, where the level was held, not their share of the time: 1,000 GB held from 15
February only is 500 GB-month, all of it in the piece from the 15th (a plan that begins
then bills all of it; the piece before, where no level was known, has no row), where
shares of time would give each half of February 250.

So a piece ``[a, b)`` of a cycle's part ``[c0, c1)`` takes ``F(b) - F(a)`` with
``F(t) = I(t) / (c1 - c0)``, ``I(t)`` the integral of the level from ``c0`` (a time with
no level known counting as 0, as the mean does), rounded half-even to 1e-24 in between
and exact at both ends (``F(c0) = 0``, ``F(c1)`` the aggregate): the shares of a cycle
add up to its aggregate exactly, as shares of time do, where its levels are of one sign
(with levels of both signs a piece may outweigh the whole, and a share is then rounded
to 60 significant digits, as any quantity is). This is how a GB-month is
reckoned where it is billed by the month: the byte-hours stored, summed, over the hours
of the month (Amazon S3, "Storage pricing":
https://aws.amazon.com/s3/pricing/, "GB-Month").
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from ._sample_policies import TimeWeightedMean
from ._window import _SCALE, _from_scaled, _round_ratio

if typing.TYPE_CHECKING:
    from .records import Sample

__all__ = ["by_integral", "held"]


def held(policy: object) -> bool:
    """Whether ``policy``'s pieces share its aggregate by the integral (a mean over the period)."""
    return type(policy) is TimeWeightedMean and policy.over == "period"


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
    out: list[Decimal] = []
    integral = Fraction(0)
    level = Fraction(before.value) if before is not None else None
    since = c0
    n = 0
    for t in points:
        if t <= c0:
            out.append(Decimal(0))
            continue
        if t >= c1:
            out.append(whole)
            continue
        while n < len(readings) and readings[n].at_us <= t:
            reading = readings[n]
            if level is not None:
                integral += level * (reading.at_us - since)
            level, since = Fraction(reading.value), reading.at_us
            n += 1
        upto = integral if level is None else integral + level * (t - since)
        out.append(_from_scaled(_round_ratio(upto.numerator * _SCALE, upto.denominator * length)))
    return out
