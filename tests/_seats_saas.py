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
from zoneinfo import ZoneInfo

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
    *,
    days_in: str | None = None,
    shares: dict[str, Fraction] | None = None,
) -> Fraction:
    """What one account owes for one ``cycle``, exactly.

    ``parts`` are (plan name, start_us, end_us) inside the cycle; ``seats`` gauge readings
    and ``calls`` deltas are (instant_us, value), each inside some part. With ``days_in``
    (a timezone), fees, allowances and minimums are prorated by whole local days there;
    the peak is shared by time all the same (docs/usage.md: a row's share of the cycle's
    aggregate is its share of the cycle's time). ``shares``, when given, are the plans'
    shares of the cycle for their fees, allowances and minimums.
    """
    c0, c1 = us(cycle.start), us(cycle.end)
    length = c1 - c0
    time_share: dict[str, Fraction] = {}
    for name, start, end in parts:
        time_share[name] = time_share.get(name, Fraction(0)) + Fraction(end - start, length)
    if shares is None:
        shares = time_share if days_in is None else day_shares(cycle, days_in, parts)
    peak = max((value for t, value in seats if c0 <= t < c1), default=None)
    owed = Fraction(0)
    for name, part_share in shares.items():
        seat, call, free, fee, minimum = TERMS[name]
        owed += fee * part_share
        used = sum(
            value
            for t, value in calls
            if c0 <= t < c1 and any(n == name and s <= t < e for n, s, e in parts)
        )
        spent = Fraction(call) * max(Fraction(0), used - free * part_share)
        if peak is not None:
            spent += Fraction(seat) * peak * time_share[name]
        owed += spent + max(Fraction(0), minimum * part_share - spent)
    return owed


def close(amount: Decimal, exact: Fraction, tolerance: Fraction = Fraction(1, 10**20)) -> bool:
    """Whether a 60-digit ``amount`` is ``exact`` within ``tolerance`` (a peak's share of a
    cycle is cut in time at 1E-24, docs/guarantees.md "Decimal context")."""
    return abs(Fraction(amount) - exact) <= tolerance


def zoned_plans(tz: str, proration: str) -> tuple[dict[str, rk.Plan], tuple[rk.Span, rk.Span]]:
    """`TERMS`' plans on monthly cycles anchored on the 31st in ``tz``, prorating by
    ``proration``, and their cycles holding 15 March and 15 April 2026."""
    months = rk.cycles.monthly(tz=tz, day=31)
    plans = {
        name: rk.Plan(
            name,
            "USD",
            months,
            [
                rk.PriceEntry("seats", "seats", rk.PerUnit(seat)),
                rk.PriceEntry("calls", "calls", rk.PerUnit(call)),
            ],
            fees=[rk.Fee("platform", fee)],
            allowances=[rk.Allowance("calls", free)],
            minimums=[rk.Minimum(minimum)] if minimum else [],
            proration=proration,
            tz=tz,
        )
        for name, (seat, call, free, fee, minimum) in TERMS.items()
    }
    return plans, (
        months.containing("2026-03-15T00:00:00Z"),
        months.containing("2026-04-15T00:00:00Z"),
    )


def local_midnights(cycle: rk.Span, tz: str) -> list[int]:
    """The ends of the local days of ``cycle`` in ``tz`` (epoch microseconds), in order:
    every local midnight after the cycle's start, up to and including its end."""
    zone = ZoneInfo(tz)
    day = cycle.start.astimezone(zone).date()
    ends = []
    while True:
        day += dt.timedelta(days=1)
        midnight = us(dt.datetime(day.year, day.month, day.day, tzinfo=zone))
        if midnight > us(cycle.end):
            return ends
        ends.append(midnight)


def day_shares(cycle: rk.Span, tz: str, parts: list[tuple[str, int, int]]) -> dict[str, Fraction]:
    """docs/calendars.md, Proration by days: a local day counts for the part that holds
    its last instant; a plan's share is its days over the cycle's days."""
    ends = local_midnights(cycle, tz)
    shares: dict[str, Fraction] = {}
    for name, start, end in parts:
        days = sum(1 for midnight in ends if start < midnight <= end)
        shares[name] = shares.get(name, Fraction(0)) + Fraction(days, len(ends))
    return shares


def count(cycle: rk.Span, basis: str | None, at_us: int) -> Fraction:
    """The share of ``cycle`` elapsed at ``at_us`` by one plan's count: its seconds
    (``basis`` None) or the whole local days of its zone ``basis`` that ended by then."""
    c0, c1 = us(cycle.start), us(cycle.end)
    if basis is None:
        return Fraction(at_us - c0, c1 - c0)
    ends = local_midnights(cycle, basis)
    return Fraction(sum(1 for midnight in ends if midnight <= at_us), len(ends))


def position_shares(
    cycle: rk.Span, parts: list[tuple[str, int, int]], basis: dict[str, str | None]
) -> dict[str, Fraction]:
    """docs/pricing.md, "A change between plans that count days differently": the cycle has
    one position; where a plan is in force it is the further of the position before and
    the plan's own count; at a change both plans count; after a gap it carries on. Each
    part is due its end's position less its start's. ``basis`` gives each plan's count."""
    shares: dict[str, Fraction] = {}
    position = Fraction(0)
    for i, (name, start, end) in enumerate(parts):
        before = parts[i - 1] if i else None
        if before is None or before[2] != start:
            position = max(position, count(cycle, basis[name], start))
        first = position
        position = max(position, count(cycle, basis[name], end))
        after = parts[i + 1] if i + 1 < len(parts) else None
        if after is not None and after[1] == end:
            position = max(position, count(cycle, basis[after[0]], end))
        shares[name] = shares.get(name, Fraction(0)) + position - first
    return shares
