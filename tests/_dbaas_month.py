"""A managed database cluster's March in New York, as a DBaaS bills it.

One account, ``acme``, runs cluster ``db-1``: started small on 2 March, resized large on
the 10th and back to small on the 17th, stopped for maintenance on the 22nd (six hours),
deleted on the 28th. Instance hours are priced per flavor, storage as GB-months (a mean
over the period of the allocated size, sampled), backup storage as the cycle's peak, and
IOPS from a cumulative counter (an engine restart resets it) under graduated tiers.
Cycles are America/New_York months: March 2026 starts 1 March 05:00Z, ends 1 April
04:00Z (EDT from 8 March), and lasts 743 hours. ``basic`` raises its prices on the 15th
(local midnight, 04:00Z); the customer upgrades to ``pro`` on the 20th (04:00Z); each
plan has a monthly minimum commitment.
"""

from __future__ import annotations

import datetime as dt

import ratekit as rk

TZ = "America/New_York"
MONTHS = rk.cycles.monthly(tz=TZ)
MARCH = MONTHS.containing("2026-03-15T12:00:00Z")
RISE = "2026-03-15T04:00:00Z"
UPGRADE = "2026-03-20T04:00:00Z"
HOUR = dt.timedelta(hours=1)

METERS = [
    rk.Meter("db.hours", "hour", rk.OnOff()),
    rk.Meter("storage", "GB", rk.TimeWeightedMean(over="period")),
    rk.Meter("backup", "GB", rk.Max()),
    rk.Meter("iops", "count", rk.Counter()),
]

BASIC = rk.Plan(
    "basic",
    "USD",
    MONTHS,
    [
        rk.PriceEntry("small", "db.hours", rk.PerUnit("0.10"), where={"flavor": "small"}, end=RISE),
        rk.PriceEntry(
            "small+", "db.hours", rk.PerUnit("0.12"), where={"flavor": "small"}, start=RISE
        ),
        rk.PriceEntry("large", "db.hours", rk.PerUnit("0.40"), where={"flavor": "large"}, end=RISE),
        rk.PriceEntry(
            "large+", "db.hours", rk.PerUnit("0.48"), where={"flavor": "large"}, start=RISE
        ),
        rk.PriceEntry("gbmo", "storage", rk.PerUnit("0.10"), end=RISE),
        rk.PriceEntry("gbmo+", "storage", rk.PerUnit("0.12"), start=RISE),
        rk.PriceEntry("backup", "backup", rk.PerUnit("0.05")),
        rk.PriceEntry("io", "iops", rk.Graduated([rk.Tier(1000, 0), rk.Tier(None, "0.002")])),
    ],
    minimums=[rk.Minimum(50)],
)
PRO = rk.Plan(
    "pro",
    "USD",
    MONTHS,
    [
        rk.PriceEntry("small", "db.hours", rk.PerUnit("0.09"), where={"flavor": "small"}),
        rk.PriceEntry("large", "db.hours", rk.PerUnit("0.36"), where={"flavor": "large"}),
        rk.PriceEntry("gbmo", "storage", rk.PerUnit("0.08")),
        rk.PriceEntry("backup", "backup", rk.PerUnit("0.04")),
        rk.PriceEntry("io", "iops", rk.Graduated([rk.Tier(5000, 0), rk.Tier(None, "0.001")])),
    ],
    minimums=[rk.Minimum(200)],
)
PLANS = (rk.Assignment("acme", BASIC, end=UPGRADE), rk.Assignment("acme", PRO, start=UPGRADE))


def _event(at: str, kind: str, ident: str, flavor: str | None = None) -> rk.Event:
    return rk.Event("acme", "db-1", at, {"flavor": flavor} if flavor else None, kind=kind, id=ident)


def _sample(meter: str, at: str, value: int, kind: str, ident: str) -> rk.Sample:
    return rk.Sample("acme", "db-1", meter, at, value, kind=kind, id=ident)


RECORDS = (
    _event("2026-03-02T05:00:00Z", "start", "e1", "small"),
    _event("2026-03-10T04:00:00Z", "update", "e2", "large"),
    _event("2026-03-17T04:00:00Z", "update", "e3", "small"),
    _event("2026-03-22T04:00:00Z", "stop", "e4"),
    _event("2026-03-22T10:00:00Z", "start", "e5"),
    _event("2026-03-28T04:00:00Z", "delete", "e6"),
    _sample("storage", "2026-03-02T05:00:00Z", 100, "gauge", "g1"),
    _sample("storage", "2026-03-16T04:00:00Z", 200, "gauge", "g2"),
    _sample("backup", "2026-03-05T04:00:00Z", 50, "gauge", "b1"),
    _sample("backup", "2026-03-18T04:00:00Z", 80, "gauge", "b2"),
    _sample("backup", "2026-03-25T04:00:00Z", 60, "gauge", "b3"),
    _sample("iops", "2026-03-02T05:00:00Z", 0, "counter", "c1"),
    _sample("iops", "2026-03-12T04:00:00Z", 5000, "counter", "c2"),
    _sample("iops", "2026-03-18T04:00:00Z", 9000, "counter", "c3"),
    _sample("iops", "2026-03-19T04:00:00Z", 300, "counter", "c4"),  # engine restart
    _sample("iops", "2026-03-21T04:00:00Z", 2300, "counter", "c5"),
    _sample("iops", "2026-03-24T04:00:00Z", 8300, "counter", "c6"),
)

# Messy extras for the stream: a backup reading two days late, which raises the peak.
LATE_BACKUP = _sample("backup", "2026-03-12T04:00:00Z", 95, "gauge", "b-late")
