"""A backup service's price list and stream harness, shared by the backup newcomer tests.

Customers pay per GB-month of stored backups (an hourly gauge, its mean over the month:
`TimeWeightedMean(over="period")`), per restore (egress GB, graduated tiers) and per
protected machine (a monthly fee prorated by the time its agent is registered: a gauge
of 1 at registration and 0 at removal, its mean over the month being the machine-months).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

import ratekit as rk

STORAGE = rk.Meter("storage", "GB", rk.TimeWeightedMean(over="period"))
RESTORE = rk.Meter("restore", "GB", rk.Discrete())
MACHINES = rk.Meter("machines", "machine", rk.TimeWeightedMean(over="period"))
METERS = [STORAGE, RESTORE, MACHINES]
EGRESS = rk.Graduated([rk.Tier(10, "0"), rk.Tier(100, "0.09"), rk.Tier(None, "0.05")])


def plan(tz: str, name: str = "std", gb: str = "0.02", fee: str = "10", **extra: Any) -> rk.Plan:
    return rk.Plan(
        name,
        "EUR",
        rk.cycles.monthly(tz=tz),
        [
            rk.PriceEntry("storage", "storage", rk.PerUnit(gb)),
            rk.PriceEntry("restore", "restore", EGRESS),
            rk.PriceEntry("machines", "machines", rk.PerUnit(fee)),
        ],
        **extra,
    )


def gauge(  # noqa: PLR0917 - a sample's fields in rk.Sample's order
    account: str,
    resource: str,
    meter: str,
    at: object,
    value: object,
    ident: str,
    seq: int | None = None,
) -> rk.Sample:
    return rk.Sample(account, resource, meter, at, value, kind="gauge", id=ident, seq=seq)


def restored(account: str, at: str, gb: object, ident: str) -> rk.Sample:
    return rk.Sample(account, "vault", "restore", at, gb, id=ident)


Steps = Sequence[tuple[Sequence[rk.Sample], Any]]


def stream(
    steps: Steps,
    priced: Any,
    start: Any,
    tz: str,
    *,
    restore_each: bool = True,
    horizon: dt.timedelta | None = None,
) -> tuple[dict[tuple[str, Any], tuple[rk.Invoice, Any]], rk.Rater, list[Any]]:
    """Feed each batch, restore from JSON if asked, state at its watermark; the closings."""
    extra = {} if horizon is None else {"horizon": horizon}
    rater = rk.Rater(priced, METERS, start=start, tz=tz, **extra)
    closing: dict[tuple[str, Any], tuple[rk.Invoice, Any]] = {}
    feeds = []
    for records, watermark in steps:
        feeds.append(rater.feed(list(records)))
        if restore_each:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), priced, METERS)
        for invoice in rater.statement(watermark).invoices:
            closing[(invoice.account, invoice.cycle.start)] = (invoice, watermark)
    return closing, rater, feeds


def batch_invoice(  # noqa: PLR0917 - what rate() and bill() take, and whose invoice
    records: Iterable[rk.Sample], priced: Any, cycle: rk.Span, as_of: Any, tz: str, account: str
) -> rk.Invoice:
    rating = rk.rate(list(records), priced, span=cycle, meters=METERS, as_of=as_of)
    (invoice,) = [invoice for invoice in rk.bill(rating, tz=tz) if invoice.account == account]
    return invoice


def same(a: rk.Invoice, b: rk.Invoice) -> bool:
    """Equal to the last digit: the text, the total and every line's exact amount."""
    return (
        str(a) == str(b)
        and a.total == b.total
        and [(line.quantity, line.precise, line.amount) for line in a.lines]
        == [(line.quantity, line.precise, line.amount) for line in b.lines]
    )


def closings_match_batch(
    steps: Steps, priced: Any, start: Any, tz: str, **options: Any
) -> list[tuple[str, Any, Any]]:
    """Each closing invoice against batch rate() + bill() of every record, as of its watermark.

    Returns (account, cycle, total) of each closing; raises AssertionError on the first
    closing that differs from batch.
    """
    closing, _, _ = stream(steps, priced, start, tz, **options)
    records: dict[str | None, rk.Sample] = {}
    for batch, _ in steps:
        for record in batch:
            records.setdefault(record.id, record)
    seen = []
    for (account, _), (invoice, watermark) in sorted(
        closing.items(), key=lambda item: (item[0][0], item[0][1])
    ):
        expected = batch_invoice(records.values(), priced, invoice.cycle, watermark, tz, account)
        assert same(invoice, expected), f"stream\n{invoice}\nbatch\n{expected}"
        seen.append((account, invoice.cycle, invoice.total))
    return seen
