"""A maps platform's APIs (geocoding, routing, tiles) billed per API key.

Shared by the ``test_maps_newcomer_*`` files: requests counted per key (a resource) of
each customer, 1,000 free a day (an allowance on a daily period of the monthly cycle)
stacked on 10,000 free a month, graduated prices on the month's total, premium routing
keys priced apart by an attribute, a platform fee prorated by days, an optional
enterprise minimum. Cycles and days are America/Los_Angeles's.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence

import ratekit as rk

LA = "America/Los_Angeles"
MONTHS = rk.cycles.monthly(tz=LA)
DAYS = rk.cycles.daily(tz=LA)
REQUESTS = rk.Meter("requests", "request", rk.Discrete())
# 5.00 per 1,000 requests up to 100,000 a month, 4.00 per 1,000 past it.
TIERS = rk.Graduated([rk.Tier(100000, "0.005"), rk.Tier(None, "0.004")])
PREMIUM = {"api": "routing-premium"}
Record = rk.Sample | rk.Event


def plan(
    name: str = "maps",
    *,
    fee: int = 31,
    minimum: int | None = None,
    daily: int = 1000,
    monthly: int = 10000,
    premium: str = "0.01",
    proration: str = "days",
) -> rk.Plan:
    return rk.Plan(
        name,
        "USD",
        MONTHS,
        [
            rk.PriceEntry("api", "requests", TIERS),
            rk.PriceEntry("premium", "requests", rk.PerUnit(premium), where=PREMIUM, priority=1),
        ],
        allowances=[
            rk.Allowance("requests", daily, cycle=DAYS),
            rk.Allowance("requests", monthly),
        ],
        fees=[rk.Fee("platform", fee)] if fee else [],
        minimums=[rk.Minimum(minimum)] if minimum is not None else [],
        proration=proration,
        tz=LA,
    )


def req(account: str, key: str, at: str, value: object, ident: str, **extra: str) -> rk.Sample:
    return rk.Sample(account, key, "requests", at, value, id=ident, **extra)  # type: ignore[arg-type]


def premium_key(account: str, key: str, at: str, ident: str) -> rk.Event:
    return rk.Event(account, key, at, PREMIUM, kind="update", id=ident)


def rated(
    records: Sequence[Record],
    assigned: Sequence[rk.Assignment],
    inside: str,
    as_of: str,
) -> tuple[rk.Rating, list[rk.Invoice]]:
    """Batch rate() and bill() of the LA month containing ``inside``."""
    rating = rk.rate(
        list(records),
        list(assigned),
        span=MONTHS.containing(inside),
        meters=[REQUESTS],
        as_of=as_of,
    )
    return rating, list(rk.bill(rating, tz=LA))


def streamed(
    assigned: Sequence[rk.Assignment],
    steps: Sequence[tuple[Sequence[Record], str]],
    *,
    start: str,
    horizon: dt.timedelta = dt.timedelta(hours=6),
) -> tuple[dict[tuple[str, dt.datetime], rk.Invoice], list[Record], set[str]]:
    """Feed each step's records, restore from a JSON snapshot, state at its watermark.

    At every statement that closes a cycle, each closing invoice is checked against batch
    rate() + bill() of the records taken so far, as of that watermark, to the last digit.
    Returns the closing invoices, the records taken and the ids judged too late.
    """
    rater = rk.Rater(list(assigned), [REQUESTS], start=start, horizon=horizon, tz=LA)
    closing: dict[tuple[str, dt.datetime], rk.Invoice] = {}
    taken: list[Record] = []
    too_late: set[str] = set()
    for records, watermark in steps:
        feed = rater.feed(list(records))
        kept = set(feed.accepted) | set(feed.late)
        taken += [record for record in records if record.id in kept and record not in taken]
        too_late |= set(feed.too_late)
        saved = json.loads(json.dumps(rater.snapshot()))
        rater = rk.Rater.restore(saved, list(assigned), [REQUESTS])
        statement = rater.statement(watermark)
        for invoice in statement.invoices:
            _, batch = rated(taken, assigned, invoice.cycle.start.isoformat(), watermark)
            [same] = [i for i in batch if i.account == invoice.account]
            assert str(invoice) == str(same)
            assert invoice.total == same.total
            closing[(invoice.account, invoice.cycle.start)] = invoice
    return closing, taken, too_late
