"""A GPU cloud's billing, built from the docs alone, and a brute-force oracle for it.

GPU instances are billed per second (a meter in ``s`` of ``OnOff`` time); ratekit offers
no per-run rounding of time, so the one-minute minimum is priced: a ``Graduated`` price
grouped per resource whose first tier ``(0, 60]`` is a flat fee of 60 seconds' price, then
the price per second (``flat_at_zero=False``: a resource that did not run owes nothing).
Its groups are per (account, resource, cycle): the minimum is per instance and month,
and a price changed inside the month keeps the running total (the docs' "one running
total for the cycle"). Spot GPUs have a price per UTC hour (one entry per hour), priced
per second without a minimum. Storage volumes are ``Continuous`` GiB-hours of a
``size_gib`` level, each gauge reading an update event. Cycles are months in
Europe/Berlin.

The oracle takes runs as integer microseconds and computes every charge with
``fractions.Fraction``: it cuts each run at the month boundaries (computed by hand from
Berlin's offsets) and at the price change, and applies the minimum rule piece by piece in
time order, per (account, resource, month).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from functools import cache

from tests._line_keys import line_key

import ratekit as rk

UTC = dt.UTC
US = 1_000_000
BERLIN = rk.cycles.monthly(tz="Europe/Berlin")
GPU = rk.Meter("gpu.seconds", "s", rk.OnOff(when={"kind": "gpu"}))
STORAGE = rk.Meter("storage", "GiB*hour", rk.Continuous("size_gib", when={"kind": "volume"}))
METERS = (GPU, STORAGE)

# The on-demand prices change at a stated instant inside March (Berlin time 13:00:00.5).
CHANGE = "2026-03-15T12:00:00.500000Z"
CHANGE_US = rk.Span(CHANGE, CHANGE).start_us
ON_DEMAND = {
    "a100": (Decimal("0.0009"), Decimal("0.0010")),
    "h100": (Decimal("0.0020"), Decimal("0.0018")),
}
MINIMUM_SECONDS = 60
STORAGE_PRICE = Decimal("0.0001")  # EUR per GiB-hour
# Spot prices: one per UTC hour from SPOT_FROM, for SPOT_HOURS hours (the week around
# the month end, published ahead); outside them the list price. A rater looks ahead at
# its feed and refuses a START that would run into unpriced time (docs: streaming.md,
# "It looks ahead"), so a price list that ends needs a catch-all entry below it.
SPOT_FROM = dt.datetime(2026, 3, 27, 0, tzinfo=UTC)
SPOT_FROM_US = int(SPOT_FROM.timestamp()) * US
SPOT_HOURS = 24 * 7  # to 2026-04-03T00:00Z
SPOT_LIST = Decimal("0.0005")
HOUR_US = 3600 * US

# Berlin months by hand: CET (+01:00) in winter, CEST (+02:00) from 29 March 01:00Z to
# 25 October 01:00Z 2026; local midnight of the 1st is 23:00Z (winter) or 22:00Z (summer)
# the day before.
MONTHS_US = (
    rk.Span("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z").start_us,
    rk.Span("2026-03-31T22:00:00Z", "2026-04-30T22:00:00Z").start_us,
    rk.Span("2026-04-30T22:00:00Z", "2026-05-31T22:00:00Z").start_us,
    rk.Span("2026-05-31T22:00:00Z", "2026-06-30T22:00:00Z").start_us,
)


def spot_price(hour: int) -> Decimal:
    """The spot price per second in the ``hour``-th UTC hour after ``SPOT_FROM``."""
    return Decimal("0.0003") + Decimal("0.00001") * (hour % 7)


def minimum_price(per_second: Decimal) -> rk.Graduated:
    """Per second, at least 60 seconds per resource and cycle (nothing if it never ran)."""
    return rk.Graduated(
        [rk.Tier(MINIMUM_SECONDS, 0, flat=MINIMUM_SECONDS * per_second), rk.Tier(None, per_second)],
        flat_at_zero=False,
    )


def entries(spot_hours: int = SPOT_HOURS) -> list[rk.PriceEntry]:
    """The price list: on-demand with a minimum and a price change, spot, storage."""
    result = []
    for gpu, (before, after) in ON_DEMAND.items():
        result.append(
            rk.PriceEntry(
                gpu, "gpu.seconds", minimum_price(before), where={"gpu": gpu}, group_by="resource"
            )
        )
        result.append(
            rk.PriceEntry(
                f"{gpu} from change",
                "gpu.seconds",
                minimum_price(after),
                where={"gpu": gpu},
                group_by="resource",
                start=CHANGE,
                priority=1,
            )
        )
    for hour in range(spot_hours):
        start = SPOT_FROM + dt.timedelta(hours=hour)
        result.append(
            rk.PriceEntry(
                spot_id(hour),
                "gpu.seconds",
                rk.PerUnit(spot_price(hour)),
                where={"gpu": "spot"},
                start=start,
                end=start + dt.timedelta(hours=1),
                priority=1,
            )
        )
    result.append(
        rk.PriceEntry("spot list", "gpu.seconds", rk.PerUnit(SPOT_LIST), where={"gpu": "spot"})
    )
    result.append(rk.PriceEntry("storage", "storage", rk.PerUnit(STORAGE_PRICE)))
    return result


def spot_id(hour: int) -> str:
    return f"spot {SPOT_FROM + dt.timedelta(hours=hour):%Y-%m-%dT%H}"


@cache
def payg(spot_hours: int = SPOT_HOURS) -> rk.Plan:
    """Pay as you go (prepaid credits are applied at billing)."""
    return rk.Plan("payg", "EUR", BERLIN, entries(spot_hours))


@cache
def committed(spot_hours: int = SPOT_HOURS) -> rk.Plan:
    """The same prices with a monthly commitment of 50 EUR."""
    return rk.Plan("committed", "EUR", BERLIN, entries(spot_hours), minimums=[rk.Minimum(50)])


def start(account: str, resource: str, at: object, gpu: str, record_id: str) -> rk.Event:
    return rk.Event(account, resource, at, {"kind": "gpu", "gpu": gpu}, kind="start", id=record_id)


def stop(account: str, resource: str, at: object, record_id: str) -> rk.Event:
    return rk.Event(account, resource, at, kind="stop", id=record_id)


def month_of(at_us: int) -> int:
    """The start (us) of the Berlin month holding ``at_us``, from the table by hand."""
    for begin, end in itertools.pairwise(MONTHS_US):
        if begin <= at_us < end:
            return begin
    raise AssertionError(at_us)


def month_end(begin_us: int) -> int:
    return MONTHS_US[MONTHS_US.index(begin_us) + 1]


Key = tuple[str, int, str, str]  # account, cycle start us, entry, resource


def oracle(
    runs: list[tuple[str, str, str, int, int]], spot_hours: int = SPOT_HOURS
) -> dict[Key, Fraction]:
    """Each charge's exact amount, per (account, month start, entry, resource).

    ``runs`` are (account, resource, gpu, start_us, stop_us), a resource's runs disjoint.
    On-demand: per second, the first 60 seconds of a resource's month charged in full
    when it runs at all, under the price in force where its running total first leaves 0;
    a piece under another price climbs that price's tiers from where the total stood.
    Spot: per second at the hour's price.
    """
    pieces: dict[tuple[str, str, int], list[tuple[int, int, str]]] = defaultdict(list)
    amounts: dict[Key, Fraction] = defaultdict(Fraction)
    for account, resource, gpu, start_us, stop_us in runs:
        cuts = {start_us, stop_us, CHANGE_US, *MONTHS_US}
        if gpu == "spot":
            cuts |= {SPOT_FROM_US + h * HOUR_US for h in range(spot_hours + 1)}
        points = sorted(t for t in cuts if start_us <= t <= stop_us)
        for a, b in itertools.pairwise(points):
            if a == b:
                continue
            month = month_of(a)
            if gpu == "spot":
                hour = (a - SPOT_FROM_US) // HOUR_US
                if 0 <= hour < spot_hours:
                    entry, price = spot_id(hour), spot_price(hour)
                else:
                    entry, price = "spot list", SPOT_LIST
                amounts[account, month, entry, resource] += Fraction(price) * Fraction(b - a, US)
            else:
                pieces[account, resource, month].append((a, b, gpu))
    for (account, resource, month), timed in pieces.items():
        total = Fraction(0)
        for a, b, gpu in sorted(timed):
            before, after = ON_DEMAND[gpu]
            price = Fraction(after if a >= CHANGE_US else before)
            entry = f"{gpu} from change" if a >= CHANGE_US else gpu

            def amount(seconds: Fraction, price: Fraction = price) -> Fraction:
                if seconds == 0:
                    return Fraction(0)
                return MINIMUM_SECONDS * price + price * max(seconds - MINIMUM_SECONDS, 0)

            new_total = total + Fraction(b - a, US)
            amounts[account, month, entry, resource] += amount(new_total) - amount(total)
            total = new_total
    return dict(amounts)


def charge_sums(charges: object) -> dict[Key, Fraction]:
    """The usage charges of a rating, summed per (account, cycle start, entry, resource)."""
    sums: dict[Key, Fraction] = defaultdict(Fraction)
    for charge in charges:  # type: ignore[attr-defined]
        if charge.kind == "usage":
            sums[charge.account, charge.cycle.start_us, charge.entry, charge.resource] += Fraction(
                charge.amount
            )
    return {key: value for key, value in sums.items() if value or key in sums}


def line_sums(lines: object) -> dict[tuple[object, ...], Fraction]:
    """Statement lines summed per ``line.key``."""
    sums: dict[tuple[object, ...], Fraction] = defaultdict(Fraction)
    for line in lines:  # type: ignore[attr-defined]
        sums[line.key] += Fraction(line.amount)
    return dict(sums)


def charge_keys(charges: object) -> dict[tuple[object, ...], Fraction]:
    """Batch charges summed per the key a statement line has (`tests._line_keys.line_key`)."""
    sums: dict[tuple[object, ...], Fraction] = defaultdict(Fraction)
    for charge in charges:  # type: ignore[attr-defined]
        sums[line_key(charge)] += Fraction(charge.amount)
    return dict(sums)
