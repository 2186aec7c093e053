"""A managed Postgres host's two months, as records, plans and assignments.

The host (a PaaS backend) runs database instances priced per hour by size, bills the
provisioned storage as a GB-month (the mean of a gauge over the month), backup storage
at its monthly peak, IOPS from a counter that resets when an instance restarts, and a
monthly support fee prorated on sign-up and cancel. Months are Europe/Berlin's: October
2026 lasts 745 hours (the clocks go back on the 25th), November 720.

The records of each account are written out below with the hours they make; the test
modules work the invoices by hand from them (with ``fractions.Fraction``).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Context, Decimal
from fractions import Fraction

import ratekit as rk

UTC = dt.UTC
MONTHS = rk.cycles.monthly(tz="Europe/Berlin")
OCTOBER = rk.Span("2026-09-30T22:00:00Z", "2026-10-31T23:00:00Z")  # 745 h
NOVEMBER = rk.Span("2026-10-31T23:00:00Z", "2026-11-30T23:00:00Z")  # 720 h
DECEMBER = rk.Span("2026-11-30T23:00:00Z", "2026-12-31T23:00:00Z")
HORIZON = dt.timedelta(days=2)

HOURS = rk.Meter("instance.hours", "hour", rk.OnOff())
STORAGE = rk.Meter("storage", "GB", rk.TimeWeightedMean(over="period"))
BACKUP = rk.Meter("backup", "GB", rk.Max())
IOPS = rk.Meter("iops", "io", rk.Counter())
METERS = (HOURS, STORAGE, BACKUP, IOPS)

SIZE_PRICES = {"small": "0.02", "medium": "0.05", "large": "0.12"}


def starter_plan() -> rk.Plan:
    """Per-size hourly prices, 20 GB-month of storage free, a 10 USD commitment, 15 USD support."""
    return rk.Plan(
        "starter",
        "USD",
        MONTHS,
        [
            *(
                rk.PriceEntry(
                    f"hours-{size}", "instance.hours", rk.PerUnit(price), where={"size": size}
                )
                for size, price in SIZE_PRICES.items()
            ),
            rk.PriceEntry("storage", "storage", rk.PerUnit("0.10")),
            rk.PriceEntry("backup", "backup", rk.PerUnit("0.05")),
            rk.PriceEntry("iops", "iops", rk.PerUnit("0.000001")),
        ],
        allowances=[rk.Allowance("storage", 20)],
        minimums=[rk.Minimum(10)],
        fees=[rk.Fee("support", 15)],
    )


def pro_plan() -> rk.Plan:
    """Graduated instance-hours (100 at 0.10, then 0.06), cheaper storage, 50 USD support."""
    return rk.Plan(
        "pro",
        "USD",
        MONTHS,
        [
            rk.PriceEntry(
                "hours",
                "instance.hours",
                rk.Graduated([rk.Tier(100, "0.10"), rk.Tier(None, "0.06")]),
            ),
            rk.PriceEntry("storage", "storage", rk.PerUnit("0.08")),
            rk.PriceEntry("backup", "backup", rk.PerUnit("0.04")),
            rk.PriceEntry("iops", "iops", rk.PerUnit("0.0000005")),
        ],
        fees=[rk.Fee("support", 50)],
    )


STARTER = starter_plan()
PRO = pro_plan()


def assignments() -> tuple[rk.Assignment, ...]:
    """alpha and epsilon stay on starter; beta signs up on pro on 12 October and cancels on
    20 November; gamma moves to pro and back; delta moves three times on 15 October."""
    return (
        rk.Assignment("alpha", STARTER),
        rk.Assignment("beta", PRO, start="2026-10-12T00:00:00Z", end="2026-11-20T00:00:00Z"),
        rk.Assignment("gamma", STARTER, end="2026-10-10T00:00:00Z"),
        rk.Assignment("gamma", PRO, start="2026-10-10T00:00:00Z", end="2026-10-20T00:00:00Z"),
        rk.Assignment("gamma", STARTER, start="2026-10-20T00:00:00Z"),
        rk.Assignment("delta", STARTER, end="2026-10-15T08:00:00Z"),
        rk.Assignment("delta", PRO, start="2026-10-15T08:00:00Z", end="2026-10-15T12:00:00Z"),
        rk.Assignment("delta", STARTER, start="2026-10-15T12:00:00Z", end="2026-10-15T18:00:00Z"),
        rk.Assignment("delta", PRO, start="2026-10-15T18:00:00Z"),
        rk.Assignment("epsilon", STARTER),
    )


def _event(
    account: str, resource: str, at: str, kind: str, *, key: str, size: str | None = None
) -> rk.Event:
    return rk.Event(account, resource, at, {"size": size} if size else {}, kind=kind, id=key)  # type: ignore[arg-type]


def _gauge(account: str, resource: str, meter: str, at: str, value: int, *, key: str) -> rk.Sample:
    return rk.Sample(account, resource, meter, at, value, kind="gauge", id=key)


def _counter(account: str, resource: str, at: str, value: int, *, key: str) -> rk.Sample:
    return rk.Sample(account, resource, "iops", at, value, kind="counter", id=key)


def records() -> list[rk.Record]:
    """Every record of the two months (each once), in the order they happened."""
    return [
        # alpha: small from 3 Oct 10:00, resized to medium on the 10th, stopped on the 20th,
        # started again on the 22nd (its IOPS counter reset), deleted on 5 Nov 12:00.
        _event("alpha", "db-a1", "2026-10-03T10:00:00Z", "start", key="a1", size="small"),
        _gauge("alpha", "db-a1", "storage", "2026-10-03T10:00:00Z", 10, key="a2"),
        _event("alpha", "db-a1", "2026-10-10T10:00:00Z", "update", key="a3", size="medium"),
        _gauge("alpha", "db-a1", "storage", "2026-10-15T00:00:00Z", 30, key="a4"),
        _gauge("alpha", "db-a1", "backup", "2026-10-05T00:00:00Z", 5, key="a5"),
        _gauge("alpha", "db-a1", "backup", "2026-10-12T00:00:00Z", 12, key="a6"),
        _counter("alpha", "db-a1", "2026-10-04T00:00:00Z", 0, key="a7"),
        _counter("alpha", "db-a1", "2026-10-08T00:00:00Z", 1_000_000, key="a8"),
        _event("alpha", "db-a1", "2026-10-20T00:00:00Z", "stop", key="a9"),
        _event("alpha", "db-a1", "2026-10-22T00:00:00Z", "start", key="a10"),
        _event("alpha", "db-a1", "2026-11-05T12:00:00Z", "delete", key="a11"),
        _gauge("alpha", "db-a1", "storage", "2026-11-05T12:00:00Z", 0, key="a12"),
        _gauge("alpha", "db-a1", "backup", "2026-11-01T00:00:00Z", 8, key="a13"),
        _counter("alpha", "db-a1", "2026-10-19T00:00:00Z", 1_500_000, key="a14"),
        # after the restart: a reset
        _counter("alpha", "db-a1", "2026-10-23T00:00:00Z", 200_000, key="a15"),
        _counter("alpha", "db-a1", "2026-11-02T00:00:00Z", 700_000, key="a16"),
        # beta: signs up on 12 Oct; a large instance until 19 Nov, a small one for 30 h whose
        # delete the queue delivers before its create.
        _event("beta", "db-b1", "2026-10-12T00:00:00Z", "start", key="b1", size="large"),
        _event("beta", "db-b1", "2026-11-19T00:00:00Z", "delete", key="b2"),
        _event("beta", "db-b2", "2026-10-13T00:00:00Z", "start", key="b3", size="small"),
        _event("beta", "db-b2", "2026-10-14T06:00:00Z", "delete", key="b4"),
        _gauge("beta", "db-b1", "storage", "2026-10-12T00:00:00Z", 100, key="b5"),
        _gauge("beta", "db-b1", "storage", "2026-11-19T00:00:00Z", 0, key="b6"),
        _gauge("beta", "db-b1", "backup", "2026-10-20T00:00:00Z", 40, key="b7"),
        # gamma: a medium instance from 1 Oct, on starter, pro from the 10th, starter from the 20th.
        _event("gamma", "db-g1", "2026-10-01T00:00:00Z", "start", key="g1", size="medium"),
        _gauge("gamma", "db-g1", "storage", "2026-10-01T00:00:00Z", 20, key="g2"),
        # delta: a small instance from 2 Oct; three plan changes on 15 Oct.
        _event("delta", "db-d1", "2026-10-02T00:00:00Z", "start", key="d1", size="small"),
        # epsilon: a resize with no start opens a large instance on 5 Oct; its delete is
        # lost, and the inventory of 10 Nov, which does not list it, closes it there.
        _event("epsilon", "db-e1", "2026-10-05T00:00:00Z", "update", key="e1", size="large"),
        rk.Inventory(
            "2026-11-10T00:00:00Z",
            [("beta", "db-b1"), ("gamma", "db-g1"), ("delta", "db-d1")],
            id="inv-1",
        ),
    ]


# The invoices of October and November, worked by hand: hours are counted between the
# instants above (October runs from 30 Sep 22:00 to 31 Oct 23:00 UTC, 745 h; November to
# 30 Nov 23:00 UTC, 720 h); a share of the month is the plan's hours over the month's.
OCTOBER_HOURS = 745
NOVEMBER_HOURS = 720


def _f(text: str) -> Fraction:
    return Fraction(text)


HAND: dict[tuple[str, str], dict[str, Fraction]] = {
    ("alpha", "october"): {
        "backup · backup": 12 * _f("0.05"),  # peak 12 GB
        "instance.hours · hours-medium": (230 + 239)
        * _f("0.05"),  # 10th 10:00-20th, 22nd-31st 23:00
        "instance.hours · hours-small": 168 * _f("0.02"),  # 3rd 10:00 - 10th 10:00
        # 1,000,000 + 500,000 + the reset's 200,000, and 215 of the 240 h from 23 Oct to 2 Nov
        # of the last 500,000
        "iops · iops": (1_700_000 + Fraction(500_000 * 215, 240)) * _f("0.000001"),
        # (10 GB x 278 h + 30 GB x 407 h) / 745 h = 20.1208 GB-month, 20 free
        "storage · storage": (Fraction(10 * 278 + 30 * 407, OCTOBER_HOURS) - 20) * _f("0.10"),
        "fee · support": Fraction(15),
    },
    ("beta", "october"): {
        # a peak of 40 GB, priced for pro's share of the month (479 of 745 h)
        "backup · backup": 40 * Fraction(479, OCTOBER_HOURS) * _f("0.04"),
        # 479 h of db-b1 and 30 h of db-b2: 100 x 0.10 + 409 x 0.06
        "instance.hours · hours": 100 * _f("0.10") + 409 * _f("0.06"),
        "storage · storage": Fraction(100 * 479, OCTOBER_HOURS) * _f("0.08"),
        "fee · support": 50 * Fraction(479, OCTOBER_HOURS),
    },
    ("delta", "october"): {
        # pro: 4 h on the 15th and 389 h from the 15th 18:00: 100 x 0.10 + 293 x 0.06
        "instance.hours · hours": 100 * _f("0.10") + 293 * _f("0.06"),
        "instance.hours · hours-small": (320 + 6) * _f("0.02"),
        # starter covers 346 + 6 h, pro 4 + 389 h
        "fee · support": 15 * Fraction(352, OCTOBER_HOURS) + 50 * Fraction(393, OCTOBER_HOURS),
    },
    ("epsilon", "october"): {
        "instance.hours · hours-large": 647 * _f("0.12"),  # 5th 00:00 - 31st 23:00
        "fee · support": Fraction(15),
    },
    ("gamma", "october"): {
        "instance.hours · hours": 100 * _f("0.10") + 140 * _f("0.06"),  # 240 h on pro
        "instance.hours · hours-medium": (216 + 287) * _f("0.05"),
        # 20 GB held 743 h: starter's 503 h are free (its allowance is 20 x 505/745),
        # pro's 240 h are 20 x 240/745 GB-month at 0.08
        "storage · storage": Fraction(20 * 240, OCTOBER_HOURS) * _f("0.08"),
        "fee · support": 15 * Fraction(505, OCTOBER_HOURS) + 50 * Fraction(240, OCTOBER_HOURS),
    },
    ("alpha", "november"): {
        "backup · backup": 8 * _f("0.05"),  # only November's readings count: 8 GB
        "instance.hours · hours-medium": 109 * _f("0.05"),  # to the delete on the 5th 12:00
        "iops · iops": Fraction(500_000 * 25, 240) * _f("0.000001"),
        "storage · storage": Fraction(0),  # 30 GB x 109 h / 720 h = 4.54, under the 20 free
        "fee · support": Fraction(15),
        # 10 less the lines as rounded: 0.40 + 5.45 + 0.05 + 0.00
        "minimum commitment": 10 - _f("5.90"),
    },
    ("beta", "november"): {
        "instance.hours · hours": 100 * _f("0.10") + 333 * _f("0.06"),  # 433 h
        "storage · storage": Fraction(100 * 433, NOVEMBER_HOURS) * _f("0.08"),
        "fee · support": 50 * Fraction(457, NOVEMBER_HOURS),  # cancelled on the 20th
    },
    ("delta", "november"): {
        "instance.hours · hours": 100 * _f("0.10") + 620 * _f("0.06"),
        "fee · support": Fraction(50),
    },
    ("epsilon", "november"): {
        "instance.hours · hours-large": 217 * _f("0.12"),  # closed by the inventory of the 10th
        "fee · support": Fraction(15),
    },
    ("gamma", "november"): {
        "instance.hours · hours-medium": 720 * _f("0.05"),
        "storage · storage": Fraction(0),
        "fee · support": Fraction(15),
    },
}


def cents(amount: Fraction) -> Decimal:
    """An amount rounded once to the cent, half to even (the plans' rounding)."""
    exact = Context(prec=60)
    quotient = exact.divide(Decimal(amount.numerator), Decimal(amount.denominator))
    return quotient.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN, context=exact)


@dataclass
class Run:
    """What a host keeps of a stream: its ledger of statements (by number), every feed's
    answer, the invoices of the closed cycles, how often it restarted and crashed, and the
    last watermark."""

    ledger: dict[int, rk.Statement] = field(default_factory=dict)
    feeds: list[rk.Feed] = field(default_factory=list)
    crashes: int = 0
    restarts: int = 0
    restarts_across_a_close: int = 0
    last: dt.datetime = OCTOBER.start


def queue(
    seed: int, *, delay_hours: int = 30, duplicates: float = 0.3
) -> list[tuple[dt.datetime, rk.Record]]:
    """The message queue: each record delivered after a delay of up to ``delay_hours``
    (shorter than the 2-day horizon), some twice; the delete of db-b2 before its create."""
    rng = random.Random(seed)
    out: list[tuple[dt.datetime, rk.Record]] = []
    for record in records():
        arrival = record.at + dt.timedelta(hours=rng.randint(0, delay_hours))
        if record.id == "b4":  # the delete arrives before its create
            arrival = dt.datetime(2026, 10, 14, 7, tzinfo=UTC)
        if record.id == "b3":
            arrival = dt.datetime(2026, 10, 14, 20, tzinfo=UTC)
        out.append((arrival, record))
        if rng.random() < duplicates:
            out.append((arrival + dt.timedelta(hours=rng.randint(0, 40)), record))
    rng.shuffle(out)
    out.sort(key=lambda item: item[0])  # stable: records of one hour stay shuffled
    return out


END = dt.datetime(2026, 12, 3, tzinfo=UTC)  # November closes at 2 Dec 23:00 UTC


def stream(
    seed: int,
    *,
    crash: float = 0.15,
    steps: tuple[int, ...] = (3, 6, 12, 24),
    restart_every: int = 4,
) -> Run:
    """Feed the queue to a rater statement by statement, storing its JSON snapshot after
    every statement; the process restarts from the snapshot just stored after every
    ``restart_every``-th statement (mid-cycle) and after every statement that closes a
    cycle (across the close), and, now and then, crashes: it restores an older snapshot,
    drops the ledger's statements after it and reads the queue again from that snapshot's
    offset (duplicates then)."""
    rng = random.Random(seed)
    pending = queue(seed)
    rater = rk.Rater(
        assignments(), METERS, start=OCTOBER.start, horizon=HORIZON, tz="Europe/Berlin"
    )
    run = Run()
    watermark, offset, number = OCTOBER.start, 0, 0
    saved: list[tuple[str, int, int, dt.datetime]] = [
        (json.dumps(rater.snapshot()), 0, 0, watermark)
    ]
    while watermark < END:
        watermark = min(END, watermark + dt.timedelta(hours=rng.choice(steps)))
        batch = []
        while offset < len(pending) and pending[offset][0] <= watermark:
            batch.append(pending[offset][1])
            offset += 1
        run.feeds.append(rater.feed(batch))
        number += 1
        run.ledger[number] = rater.statement(watermark)
        saved.append((json.dumps(rater.snapshot()), offset, number, watermark))
        closed = bool(run.ledger[number].invoices)
        if closed or number % restart_every == 0:
            rater = rk.Rater.restore(json.loads(saved[-1][0]), assignments(), METERS)
            run.restarts += 1
            run.restarts_across_a_close += closed
        if len(saved) > 3 and rng.random() < crash:
            back = rng.randint(2, 3)
            text, offset, number, watermark = saved[-back]
            del saved[len(saved) - back + 1 :]
            for later in [key for key in run.ledger if key > number]:
                del run.ledger[later]
            rater = rk.Rater.restore(json.loads(text), assignments(), METERS)
            run.crashes += 1
    run.last = watermark
    return run


def line_sums(run: Run) -> dict[tuple[str, rk.Span], Fraction]:
    """The ledger's lines added up exactly per account and cycle."""
    sums: dict[tuple[str, rk.Span], Fraction] = defaultdict(Fraction)
    for statement in run.ledger.values():
        for line in statement.lines:
            sums[line.account, line.cycle] += Fraction(line.amount)
    return sums


def closing_invoices(run: Run) -> dict[tuple[str, rk.Span], rk.Invoice]:
    """The invoices the ledger's statements closed, per account and cycle."""
    return {
        (invoice.account, invoice.cycle): invoice
        for statement in run.ledger.values()
        for invoice in statement.invoices
    }


def accounted(run: Run) -> set[str]:
    """Every record id the stream said something of (docs/streaming.md, exactly once)."""
    ids: set[str] = set()
    for feed in run.feeds:
        ids.update(feed.duplicates, feed.conflicting, feed.too_late)
        ids.update(anomaly_id for anomaly in feed.anomalies for anomaly_id in anomaly.record_ids)
    for statement in run.ledger.values():
        for line in statement.lines:
            ids.update(line.record_ids)
        for invoice in statement.invoices:
            for invoice_line in invoice.lines:
                for charge in invoice_line.charges:
                    ids.update(charge.record_ids)
        for anomaly in statement.anomalies:
            ids.update(anomaly.record_ids)
        ids.update(record_id for record_id, _reason in statement.no_effect)
    return ids
