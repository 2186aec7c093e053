"""An object-storage provider sold directly and through resellers, as a newcomer models it.

Usage comes from a data lake: hourly gauges of the gigabytes each bucket stores, request
counts per class (PUT and GET deltas) and egress gigabytes. The storage is billed per
GB-month: the time-weighted mean of the stored gigabytes over the billing cycle
(``TimeWeightedMean(over="period")``: no reading yet counts as 0), priced per GB. PUTs go
in blocks of 1,000 and GETs in blocks of 10,000 (``Package``), egress by graduated tiers.

A reseller either gets a percentage off every list price (``discounted``: each price
multiplied by ``1 - percent / 100``) or a price list of its own (``partner``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="UTC")
Q1 = rk.Span("2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z")
FEB = rk.Span("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z")
MAR = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
APR = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")

STORED = rk.Meter("stored", "GB", rk.TimeWeightedMean(over="period"))
PUT = rk.Meter("put", "request", rk.Discrete())
GET = rk.Meter("get", "request", rk.Discrete())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
METERS = (STORED, PUT, GET, EGRESS)

# List prices (EUR): per GB-month, per started 1,000 PUTs, per started 10,000 GETs, egress tiers.
STORED_PRICE = Decimal("0.023")
PUT_BLOCK, PUT_PRICE = 1000, Decimal("0.005")
GET_BLOCK, GET_PRICE = 10000, Decimal("0.004")
EGRESS_TIERS = (
    (100, Decimal(0)),
    (10240, Decimal("0.09")),
    (51200, Decimal("0.085")),
    (None, Decimal("0.07")),
)
SUPPORT_FEE = Decimal(5)


def list_entries(factor: Decimal = Decimal(1)) -> list[rk.PriceEntry]:
    """The price list, every price multiplied by ``factor`` (exactly: no rounding)."""
    return [
        rk.PriceEntry("storage", "stored", rk.PerUnit(STORED_PRICE * factor)),
        rk.PriceEntry("put", "put", rk.Package(PUT_BLOCK, PUT_PRICE * factor)),
        rk.PriceEntry("get", "get", rk.Package(GET_BLOCK, GET_PRICE * factor)),
        rk.PriceEntry(
            "egress",
            "egress",
            rk.Graduated([rk.Tier(up_to, unit * factor) for up_to, unit in EGRESS_TIERS]),
        ),
    ]


def direct_plan(plan_id: str = "direct") -> rk.Plan:
    """The list prices and a monthly support fee of 5."""
    return rk.Plan(plan_id, "EUR", MONTHLY, list_entries(), fees=[rk.Fee("support", SUPPORT_FEE)])


def discounted_plan(percent: Decimal, plan_id: str = "reseller") -> rk.Plan:
    """The list prices and fee with ``percent`` off each."""
    factor = 1 - percent / 100
    return rk.Plan(
        plan_id,
        "EUR",
        MONTHLY,
        list_entries(factor),
        fees=[rk.Fee("support", SUPPORT_FEE * factor)],
    )


def partner_plan() -> rk.Plan:
    """A reseller's own price list: cheaper storage, PUTs per 10,000, flat egress, no fee."""
    return rk.Plan(
        "partner",
        "EUR",
        MONTHLY,
        [
            rk.PriceEntry("storage", "stored", rk.PerUnit("0.015")),
            rk.PriceEntry("put", "put", rk.Package(10000, "0.04")),
            rk.PriceEntry("get", "get", rk.Package(10000, "0.003")),
            rk.PriceEntry("egress", "egress", rk.PerUnit("0.05")),
        ],
    )


def at(hours: int, start: datetime = datetime(2026, 1, 1, tzinfo=UTC)) -> datetime:
    """The instant ``hours`` hours after ``start``."""
    return start + timedelta(hours=hours)


def hourly_gauges(
    account: str,
    bucket: str,
    start: datetime,
    levels: Iterable[int | str | Decimal],
    prefix: str = "g",
) -> list[rk.Sample]:
    """One gauge of stored GB per hour from ``start``, with ids ``<prefix>-<bucket>-<hour>``."""
    return [
        rk.Sample(
            account,
            bucket,
            "stored",
            at(hour, start),
            level,
            kind="gauge",
            id=f"{prefix}-{bucket}-{hour}",
        )
        for hour, level in enumerate(levels)
    ]


# A file of the lake: one row per record, every field text, as a CSV reader gives it.
CSV_FIELDS = ("account", "bucket", "meter", "at", "value", "kind", "id")


def to_csv(rows: Iterable[tuple[str, str, str, str, str, str, str]]) -> str:
    """The text of a CSV file of the lake with these rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    writer.writerows(rows)
    return out.getvalue()


def read_csv(text: str) -> Iterator[rk.Sample]:
    """The samples of a CSV file of the lake, through the friendly constructor."""
    for row in csv.DictReader(io.StringIO(text)):
        yield rk.Sample(
            row["account"],
            row["bucket"],
            row["meter"],
            row["at"],
            row["value"],
            kind=row["kind"],
            id=row["id"],  # type: ignore[arg-type]
        )


def round_half_even(amount: Fraction, quantum: Fraction = Fraction(1, 100)) -> Decimal:
    """``amount`` rounded half-even to a whole number of ``quantum``, as an invoice line."""
    steps = amount / quantum
    floor = steps.numerator // steps.denominator
    rest = steps - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2 == 1):
        floor += 1
    return Decimal(floor) * Decimal(quantum.numerator) / Decimal(quantum.denominator)


def graduated(quantity: Fraction, tiers: Iterable[tuple[int | None, Decimal]]) -> Fraction:
    """The oracle of a graduated price: each tier prices the part of ``quantity`` inside it."""
    total, lower = Fraction(0), Fraction(0)
    for up_to, unit in tiers:
        upper = quantity if up_to is None else min(quantity, Fraction(up_to))
        if upper > lower:
            total += (upper - lower) * Fraction(unit)
        if up_to is None or quantity <= up_to:
            break
        lower = Fraction(up_to)
    return total


def packages(quantity: Fraction, size: int, price: Decimal) -> Fraction:
    """The oracle of a package price: each started block of ``size`` costs ``price``."""
    if quantity <= 0:
        return Fraction(0)
    blocks = -((-quantity) // size)
    return blocks * Fraction(price)
