"""A CDN's month: edge nodes' five-minute egress and request deltas, in files that arrive
late, twice, out of order, with negative corrections and records without ids; two plans
(a standard one with regional graduated egress, a price rise and a commitment; a big
customer's own), and a brute-force oracle in ``fractions.Fraction``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import ratekit as rk

TOKYO = dt.timezone(dt.timedelta(hours=9))
MONTH_START = dt.datetime(2026, 3, 1, tzinfo=TOKYO)
MONTH_END = dt.datetime(2026, 4, 1, tzinfo=TOKYO)
RISE = dt.datetime(2026, 3, 16, tzinfo=TOKYO)
GB = 10**9

MONTHLY = rk.cycles.monthly(tz="Asia/Tokyo")
EGRESS = rk.Meter("egress", "B", rk.Discrete())
REQUESTS = rk.Meter("requests", "request", rk.Discrete())
METERS = [EGRESS, REQUESTS]

# (up_to GB, price per GB); the first 10 GB of each region free.
AP_TIERS = ((10, "0"), (100, "0.12"), (None, "0.08"))
AP_RISEN = ((10, "0"), (100, "0.15"), (None, "0.10"))
EU_TIERS = ((10, "0"), (100, "0.05"), (None, "0.02"))
REQUEST_PRICE = "0.0000004"  # 0.40 per million requests
COMMITMENT = 500


def graduated(table: tuple[tuple[int | None, str], ...]) -> rk.Graduated:
    return rk.Graduated([rk.Tier(up_to, unit) for up_to, unit in table])


def egress_entry(
    entry_id: str, region: str, table: tuple[tuple[int | None, str], ...], **kw: object
) -> rk.PriceEntry:
    return rk.PriceEntry(
        entry_id,
        "egress",
        graduated(table),
        where={"region": region},
        group_by="region",
        unit="GB",
        meter_unit="B",
        **kw,  # type: ignore[arg-type]
    )


STANDARD = rk.Plan(
    "cdn-standard",
    "USD",
    MONTHLY,
    [
        egress_entry("egress-ap", "ap", AP_TIERS),
        egress_entry("egress-ap-2026-03-16", "ap", AP_RISEN, start=RISE, priority=1),
        egress_entry("egress-eu", "eu", EU_TIERS),
        rk.PriceEntry("requests", "requests", rk.PerUnit(REQUEST_PRICE)),
    ],
    minimums=[rk.Minimum(COMMITMENT)],
)
BIG_EGRESS = "0.004"  # per GB, any region
BIG_REQUESTS = "0.0000001"
BIG_FEE = 1000
BIGCO = rk.Plan(
    "bigco-custom",
    "USD",
    MONTHLY,
    [
        rk.PriceEntry("egress", "egress", rk.PerUnit(BIG_EGRESS), unit="GB", meter_unit="B"),
        rk.PriceEntry("requests", "requests", rk.PerUnit(BIG_REQUESTS)),
    ],
    fees=[rk.Fee("platform", BIG_FEE)],
)
ASSIGNMENTS = [
    rk.Assignment("acme", STANDARD, start=MONTH_START),
    rk.Assignment("bigco", BIGCO, start=MONTH_START),
]
# account -> (node, region)
NODES = {
    "acme": (("acme-ap-1", "ap"), ("acme-eu-1", "eu")),
    "bigco": (("big-ap-1", "ap"), ("big-eu-1", "eu")),
}


def node_events() -> list[rk.Event]:
    return [
        rk.Event(account, node, MONTH_START, {"region": region}, kind="start", id=f"{node}/start")
        for account, nodes in NODES.items()
        for node, region in nodes
    ]


class File:
    """One file of an edge node's samples, and when it reaches the poller."""

    def __init__(
        self, name: str, arrives: dt.datetime, records: list[rk.Sample | rk.Event]
    ) -> None:
        self.name = name
        self.arrives = arrives
        self.records = records


def month_of_files(seed: int, days: int = 31) -> list[File]:
    """Each node sends, each day, one hour of five-minute deltas (one file a day).

    Some files come twice; some come up to two days late; some carry no ids (their
    replays are known by content); some days a correction file takes back part of a
    sample (a negative delta of its own id).
    """
    rng = random.Random(seed)
    files: list[File] = []
    for account, nodes in NODES.items():
        for node, _region in nodes:
            for day in range(days):
                base = MONTH_START + dt.timedelta(days=day, hours=rng.randrange(0, 23))
                with_ids = rng.random() > 0.2
                records: list[rk.Sample | rk.Event] = []
                for k in range(12):
                    at = base + dt.timedelta(minutes=5 * (k + 1))
                    since = at - dt.timedelta(minutes=5)
                    sent = rng.randrange(0, 3 * GB)
                    calls = rng.randrange(0, 2_000_000)
                    stem = f"{node}/{day}/{k}"
                    records.append(
                        rk.Sample(
                            account,
                            node,
                            "egress",
                            at,
                            sent,
                            since=since,
                            id=f"{stem}/b" if with_ids else None,
                        )
                    )
                    records.append(
                        rk.Sample(
                            account,
                            node,
                            "requests",
                            at,
                            calls,
                            since=since,
                            id=f"{stem}/r" if with_ids else None,
                        )
                    )
                end = base + dt.timedelta(hours=1)
                arrives = end + dt.timedelta(minutes=rng.randrange(1, 50 * 60))
                rng.shuffle(records)
                files.append(File(f"{node}/{day}", arrives, records))
                if rng.random() < 0.15:  # delivered twice, later
                    again = list(records)
                    rng.shuffle(again)
                    files.append(
                        File(
                            f"{node}/{day}#2",
                            arrives + dt.timedelta(hours=rng.randrange(1, 20)),
                            again,
                        )
                    )
                if rng.random() < 0.2:  # a correction: part of one sample taken back
                    k = rng.randrange(12)
                    first = records[0]
                    assert isinstance(first, rk.Sample)
                    at = base + dt.timedelta(minutes=5 * (k + 1))
                    back = -rng.randrange(0, GB // 10)
                    fix = rk.Sample(
                        account,
                        node,
                        "egress",
                        at,
                        back,
                        since=at - dt.timedelta(minutes=5),
                        id=f"{node}/{day}/{k}/fix",
                    )
                    files.append(
                        File(
                            f"{node}/{day}/fix",
                            arrives + dt.timedelta(hours=rng.randrange(1, 30)),
                            [fix],
                        )
                    )
    files.sort(key=lambda f: (f.arrives, f.name))
    return files


def distinct_records(files: list[File]) -> list[rk.Sample | rk.Event]:
    """The records a deduplicating reader keeps: by id, or by content without one."""
    seen: dict[object, rk.Sample | rk.Event] = {}
    for file in files:
        for record in file.records:
            key = record.id if record.id is not None else record
            seen.setdefault(key, record)
    return list(seen.values())


def round_cents(value: Fraction) -> Decimal:
    scaled = value * 100
    floor = scaled.numerator // scaled.denominator
    rest = scaled - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2 == 1):
        floor += 1
    return Decimal(floor).scaleb(-2).quantize(Decimal("0.01"))


def graduated_amount(table: tuple[tuple[int | None, str], ...], quantity: Fraction) -> Fraction:
    amount = Fraction(0)
    lower = Fraction(0)
    for up_to, unit in table:
        upper = Fraction(up_to) if up_to is not None else None
        if quantity <= lower:
            break
        inside = (min(quantity, upper) if upper is not None else quantity) - lower
        amount += inside * Fraction(unit)
        if upper is None:
            break
        lower = upper
    return amount


def oracle_invoices(records: list[rk.Sample | rk.Event]) -> dict[str, dict[str, Decimal]]:
    """Each account's March invoice, line by line, as a careful biller computes it."""
    region_of = {node: region for nodes in NODES.values() for node, region in nodes}
    sums: dict[tuple[str, str, str, bool], Fraction] = defaultdict(Fraction)
    for record in records:
        if not isinstance(record, rk.Sample):
            continue
        assert record.since is not None
        # every sample lies within one five-minute span, never across the rise or the month
        after_rise = record.since >= RISE
        sums[record.account, record.meter, region_of[record.resource], after_rise] += Fraction(
            record.value
        )
    invoices: dict[str, dict[str, Decimal]] = {}
    for account in NODES:
        lines: dict[str, Fraction] = defaultdict(Fraction)
        requests = sum(
            (sums[account, "requests", r, late] for r in ("ap", "eu") for late in (False, True)),
            Fraction(0),
        )
        if account == "bigco":
            gigabytes = (
                sum(
                    (
                        sums[account, "egress", r, late]
                        for r in ("ap", "eu")
                        for late in (False, True)
                    ),
                    Fraction(0),
                )
                / GB
            )
            lines["egress · egress"] = gigabytes * Fraction(BIG_EGRESS)
            lines["requests · requests"] = requests * Fraction(BIG_REQUESTS)
            lines["fee · platform"] = Fraction(BIG_FEE)
        else:
            before = sums[account, "egress", "ap", False] / GB
            after = sums[account, "egress", "ap", True] / GB
            lines["egress · egress-ap"] = graduated_amount(AP_TIERS, before)
            lines["egress · egress-ap-2026-03-16"] = graduated_amount(
                AP_RISEN, before + after
            ) - graduated_amount(AP_RISEN, before)
            lines["egress · egress-eu"] = graduated_amount(
                EU_TIERS,
                (sums[account, "egress", "eu", False] + sums[account, "egress", "eu", True]) / GB,
            )
            lines["requests · requests"] = requests * Fraction(REQUEST_PRICE)
        rounded = {name: round_cents(amount) for name, amount in lines.items()}
        if account == "acme":
            spent = sum(rounded.values(), Decimal(0))
            if spent < COMMITMENT:
                rounded["minimum commitment"] = Decimal(COMMITMENT) - spent
        invoices[account] = rounded
    return invoices
