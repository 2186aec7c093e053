"""The seats newcomer's B2B SaaS: plans, meters and a brute-force oracle of their proration.

Each plan bills a seat gauge (its peak, per seat), API calls per call with a free monthly
allowance, a flat platform fee and a plan-wide minimum commitment, on monthly cycles
anchored on the 31st in America/New_York (March 2026 holds the DST change: 743 hours).
The oracle follows docs/pricing.md ("Plans", "Exact proration") and docs/usage.md
("Aggregations that do not add up") with Fractions:

- a plan's share of a cycle is the time it covers over the whole cycle (seconds);
- its fee, allowance and minimum are prorated by that share (the same plan assigned
  twice is one plan: one share, one allowance);
- the seats' peak of the cycle is priced under each plan for that plan's share;
- calls take the plan's free calls in time order, the rest at the plan's price;
- the minimum tops up what the plan's usage charges fall short of.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import ratekit as rk

TZ = "America/New_York"
MONTHS = rk.cycles.monthly(tz=TZ, day=31)
SEATS = rk.Meter("seats", "seat", rk.Max())
CALLS = rk.Meter("calls", "call", rk.Discrete())
METERS = [SEATS, CALLS]

#: name: (price per seat, price per call, free calls, fee, minimum)
TERMS: dict[str, tuple[str, str, int, int, int]] = {
    "starter": ("10", "0.002", 1000, 49, 100),
    "growth": ("8", "0.0015", 5000, 99, 200),
    "scale": ("6", "0.001", 20000, 299, 0),
}


def plan(name: str, cycle: rk.cycles.Cycle = MONTHS) -> rk.Plan:
    """The plan ``name`` of `TERMS`."""
    seat, call, free, fee, minimum = TERMS[name]
    return rk.Plan(
        name,
        "USD",
        cycle,
        [
            rk.PriceEntry("seats", "seats", rk.PerUnit(seat)),
            rk.PriceEntry("calls", "calls", rk.PerUnit(call)),
        ],
        fees=[rk.Fee("platform", fee)],
        allowances=[rk.Allowance("calls", free)],
        minimums=[rk.Minimum(minimum)] if minimum else [],
    )


PLANS = {name: plan(name) for name in TERMS}
#: March and April 2026 anchored on the 31st, in New York.
MARCH = MONTHS.containing("2026-03-15T00:00:00Z")
APRIL = MONTHS.containing("2026-04-15T00:00:00Z")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def us(instant: dt.datetime) -> int:
    """Epoch microseconds of an aware instant."""
    return (instant - EPOCH) // dt.timedelta(microseconds=1)


def at(micros: int) -> dt.datetime:
    """The instant of epoch microseconds."""
    return EPOCH + dt.timedelta(microseconds=micros)


def oracle_cycle(
    cycle: rk.Span,
    parts: list[tuple[str, int, int]],
    seats: list[tuple[int, int]],
    calls: list[tuple[int, int]],
) -> Fraction:
    """What one account owes for one ``cycle``, exactly.

    ``parts`` are (plan name, start_us, end_us) inside the cycle; ``seats`` gauge readings
    and ``calls`` deltas are (instant_us, value), each inside some part.
    """
    c0, c1 = us(cycle.start), us(cycle.end)
    length = c1 - c0
    share: dict[str, Fraction] = {}
    for name, start, end in parts:
        share[name] = share.get(name, Fraction(0)) + Fraction(end - start, length)
    peak = max((value for t, value in seats if c0 <= t < c1), default=None)
    owed = Fraction(0)
    for name, part_share in share.items():
        seat, call, free, fee, minimum = TERMS[name]
        owed += fee * part_share
        used = sum(
            value
            for t, value in calls
            if c0 <= t < c1 and any(n == name and s <= t < e for n, s, e in parts)
        )
        spent = Fraction(call) * max(Fraction(0), used - free * part_share)
        if peak is not None:
            spent += Fraction(seat) * peak * part_share
        owed += spent + max(Fraction(0), minimum * part_share - spent)
    return owed


def close(amount: Decimal, exact: Fraction, tolerance: Fraction = Fraction(1, 10**20)) -> bool:
    """Whether a 60-digit ``amount`` is ``exact`` within ``tolerance`` (a peak's share of a
    cycle is cut in time at 1E-24, docs/guarantees.md "Decimal context")."""
    return abs(Fraction(amount) - exact) <= tolerance
