"""An electricity and EV-charging provider's billing, built from the docs alone, and an oracle.

Households have a cumulative kWh counter per site (``Counter()``: the first reading is the
baseline, a lower reading is a reset that counts from zero, each increment is spread
linearly over the time between its two readings). Energy is tiered per month (the first
200 kWh cheaper, then dearer: ``Graduated``), with a price change at a stated instant
(a higher-priority entry from that instant: docs/pricing.md, "one running total for the
cycle"), and a standing charge of 0.40 EUR a day, written as a fee of 31 x 0.40 = 12.40
per month prorated by whole local days (exact for March, the month these tests bill; a
fee is per cycle, so another month's standing charge would need another amount).
Charging stations bill the kWh their plugs delivered (``Discrete`` delta samples), the
hours a car stays plugged in (``OnOff`` between a session's start and stop events) and
have a monthly minimum on the energy. Cycles are months in Europe/Paris.

The oracle takes readings as integer microseconds and ``Fraction`` values, applies the
documented counter rule per (account, site) and the tiers per (account, month), and says
what each (account, month, entry) costs.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction

import ratekit as rk

UTC = dt.UTC
US = 1_000_000
QUARTER_US = 15 * 60 * US
PARIS = rk.cycles.monthly(tz="Europe/Paris")

ENERGY = rk.Meter("energy", "kWh", rk.Counter())
CHARGED = rk.Meter("charged", "kWh", rk.Discrete())
PLUGGED = rk.Meter("plugged", "hour", rk.OnOff())
HOUSEHOLD_METERS = (ENERGY,)
METERS = (ENERGY, CHARGED, PLUGGED)

# Paris months by hand: CET (+01:00) in winter, CEST (+02:00) from 29 March 01:00Z to
# 25 October 01:00Z 2026; local midnight of the 1st is 23:00Z (winter) or 22:00Z
# (summer) the day before. March 2026 lasts 743 hours, October 745.
MARCH = rk.Span("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z")
APRIL = rk.Span("2026-03-31T22:00:00Z", "2026-04-30T22:00:00Z")
MAY = rk.Span("2026-04-30T22:00:00Z", "2026-05-31T22:00:00Z")
MONTHS = (MARCH, APRIL, MAY)

# The energy price changes at 16 March 00:00 Paris time (15 March 23:00Z).
CHANGE = "2026-03-16T00:00:00+01:00"
CHANGE_US = rk.Span(CHANGE, CHANGE).start_us
OLD_TIERS = (Decimal("0.20"), Decimal("0.25"))
NEW_TIERS = (Decimal("0.22"), Decimal("0.28"))
TIER_BOUND = 200


def tiers(prices: tuple[Decimal, Decimal]) -> rk.Graduated:
    """The first 200 kWh of a month at the first price, the rest at the second."""
    return rk.Graduated([rk.Tier(TIER_BOUND, prices[0]), rk.Tier(None, prices[1])])


def household() -> rk.Plan:
    """Tiered energy with a price change on 16 March, a standing charge of 0.40 a day."""
    return rk.Plan(
        "household",
        "EUR",
        PARIS,
        [
            rk.PriceEntry("energy", "energy", tiers(OLD_TIERS)),
            rk.PriceEntry("energy-16", "energy", tiers(NEW_TIERS), start=CHANGE, priority=1),
        ],
        fees=[rk.Fee("standing", "12.40")],
        proration="days",
    )


def energy_only() -> rk.Plan:
    """The household plan without its standing charge (for the laws: usage only)."""
    return rk.Plan(
        "energy-only",
        "EUR",
        PARIS,
        [
            rk.PriceEntry("energy", "energy", tiers(OLD_TIERS)),
            rk.PriceEntry("energy-16", "energy", tiers(NEW_TIERS), start=CHANGE, priority=1),
        ],
    )


def station() -> rk.Plan:
    """0.35 a kWh delivered, 0.50 an hour plugged in, at least 50.00 of energy a month."""
    return rk.Plan(
        "station",
        "EUR",
        PARIS,
        [
            rk.PriceEntry("charging", "charged", rk.PerUnit("0.35")),
            rk.PriceEntry("occupancy", "plugged", rk.PerUnit("0.50")),
        ],
        minimums=[rk.Minimum("50", meter="charged")],
        proration="days",
    )


def reading(
    account: str, site: str, at: str | dt.datetime, value: object, record_id: str | None
) -> rk.Sample:
    """A cumulative kWh counter reading of a site."""
    return rk.Sample(account, site, "energy", at, value, kind="counter", id=record_id)  # type: ignore[arg-type]


def at_us(instant_us: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(instant_us // US, tz=UTC) + dt.timedelta(
        microseconds=instant_us % US
    )


def graduated(quantity: Fraction, prices: tuple[Decimal, Decimal]) -> Fraction:
    low = min(quantity, Fraction(TIER_BOUND))
    return Fraction(prices[0]) * low + Fraction(prices[1]) * max(quantity - TIER_BOUND, Fraction(0))


def counter_increments(
    readings: Sequence[tuple[int, Fraction, str]], as_of_us: int
) -> list[tuple[int, int, Fraction]]:
    """The documented counter rule: (start_us, end_us, delta) between consecutive readings.

    ``readings`` are (at_us, value, tie-breaker) of one site, each once. Readings at one
    instant go by value (the lower first), then by the tie-breaker; only readings stamped
    before ``as_of_us`` are known. The first is the baseline; a lower reading is a reset
    and counts from zero.
    """
    known = sorted(r for r in readings if r[0] < as_of_us)
    out = []
    for (a_us, a_value, _), (b_us, b_value, _) in itertools.pairwise(known):
        delta = b_value - a_value if b_value >= a_value else b_value
        out.append((a_us, b_us, delta))
    return out


def share(start_us: int, end_us: int, delta: Fraction, lo_us: int, hi_us: int) -> Fraction:
    """The part of ``delta`` spread linearly over [start, end) that lies in [lo, hi)."""
    if start_us == end_us:
        return delta if lo_us <= start_us < hi_us else Fraction(0)
    overlap = max(0, min(hi_us, end_us) - max(lo_us, start_us))
    return delta * Fraction(overlap, end_us - start_us)


def oracle(
    readings: Iterable[tuple[str, str, int, Fraction, str]],
    as_of_us: int,
    months: Sequence[rk.Span] = MONTHS,
) -> dict[tuple[str, int, str], Fraction]:
    """What each (account, month start, entry) costs for energy, exactly.

    ``readings`` are (account, site, at_us, value, tie-breaker), each once. Per account
    and month, the kWh before the price change are priced on the old tiers from zero;
    those after it go on from there on the new tiers (one running total).
    """
    by_site: dict[tuple[str, str], list[tuple[int, Fraction, str]]] = defaultdict(list)
    for account, site, instant_us, value, tie in readings:
        by_site[account, site].append((instant_us, value, tie))
    before: dict[tuple[str, int], Fraction] = defaultdict(Fraction)
    after: dict[tuple[str, int], Fraction] = defaultdict(Fraction)
    for (account, _site), site_readings in by_site.items():
        for start_us, end_us, delta in counter_increments(site_readings, as_of_us):
            for month in months:
                lo, hi = month.start_us, month.end_us
                before[account, lo] += share(start_us, end_us, delta, lo, min(hi, CHANGE_US))
                after[account, lo] += share(start_us, end_us, delta, max(lo, CHANGE_US), hi)
    out: dict[tuple[str, int, str], Fraction] = {}
    for key in set(before) | set(after):
        old, new = before[key], after[key]
        out[(*key, "energy")] = graduated(old, OLD_TIERS)
        out[(*key, "energy-16")] = graduated(old + new, NEW_TIERS) - graduated(old, NEW_TIERS)
    return {key: amount for key, amount in out.items() if amount}


def sums(
    items: Iterable[tuple[tuple[str, int, str], Decimal]],
) -> dict[tuple[str, int, str], Fraction]:
    """Exact sums per key, the zero sums left out."""
    out: dict[tuple[str, int, str], Fraction] = defaultdict(Fraction)
    for key, amount in items:
        out[key] += Fraction(amount)
    return {key: amount for key, amount in out.items() if amount}


def line_sums(lines: Iterable[rk.StatementLine]) -> dict[tuple[str, int, str], Fraction]:
    """A stream's statement lines summed per (account, cycle start, entry)."""
    return sums(((line.account, line.cycle.start_us, line.entry), line.amount) for line in lines)


def charge_sums(charges: Iterable[rk.Charge]) -> dict[tuple[str, int, str], Fraction]:
    """A batch rating's charges summed per (account, cycle start, entry)."""
    return sums(((c.account, c.cycle.start_us, c.entry), c.amount) for c in charges)
