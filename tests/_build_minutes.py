"""A CI build-minutes seller's catalogue, shared by the build-minutes newcomer tests.

Each build job is a resource that runs from a START to a STOP on a runner size
(``{"runner": "linux-2x"}``, ``"linux-8x"``, ``"macos"``). Linux and macOS minutes are two
meters, so that the monthly 2,000 free minutes apply to Linux only; the cache is a gauge
of GB held (its mean over the month is GB-months) and the artifact egress deltas in
bytes, priced per GB in graduated tiers. Cycles are months in America/Los_Angeles:
November 2026 runs from 1 November 07:00Z to 1 December 08:00Z (the clocks go back on
1 November at 09:00Z), 721 hours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import ratekit as rk

LA = "America/Los_Angeles"
MONTHLY = rk.cycles.monthly(tz=LA)
NOVEMBER = rk.Span("2026-11-01T07:00:00Z", "2026-12-01T08:00:00Z")
OCTOBER = rk.Span("2026-10-01T07:00:00Z", "2026-11-01T07:00:00Z")
# The price of a 2x Linux minute drops from 0.008 to 0.006 at this instant.
CUT = "2026-11-03T17:00:00Z"


def is_linux(description: Mapping[str, object]) -> bool:
    return str(description.get("runner", "")).startswith("linux")


LINUX = rk.Meter("linux.minutes", "minute", rk.OnOff(when=is_linux))
MACOS = rk.Meter("macos.minutes", "minute", rk.OnOff(when={"runner": "macos"}))
CACHE = rk.Meter("cache", "GB", rk.TimeWeightedMean(over="period"))
EGRESS = rk.Meter("egress", "B", rk.Discrete())
METERS = [LINUX, MACOS, CACHE, EGRESS]


def standard(plan_id: str = "std") -> rk.Plan:
    return rk.Plan(
        plan_id,
        "USD",
        MONTHLY,
        [
            rk.PriceEntry(
                "l2", "linux.minutes", rk.PerUnit("0.008"), where={"runner": "linux-2x"}, end=CUT
            ),
            rk.PriceEntry(
                "l2b", "linux.minutes", rk.PerUnit("0.006"), where={"runner": "linux-2x"}, start=CUT
            ),
            rk.PriceEntry("l8", "linux.minutes", rk.PerUnit("0.032"), where={"runner": "linux-8x"}),
            rk.PriceEntry("mac", "macos.minutes", rk.PerUnit("0.08")),
            rk.PriceEntry("cache", "cache", rk.PerUnit("0.25")),
            rk.PriceEntry(
                "egress",
                "egress",
                rk.Graduated([rk.Tier(1, "0"), rk.Tier(10, "0.09"), rk.Tier(None, "0.05")]),
                unit="GB",
                meter_unit="B",
            ),
        ],
        allowances=[rk.Allowance("linux.minutes", 2000)],
        tz=LA,
    )


STANDARD = standard()


def tiered() -> rk.Plan:
    """The candidate: Linux 2x in tiers, a yearly allowance, a base fee."""
    return rk.Plan(
        "tiered",
        "USD",
        MONTHLY,
        [
            rk.PriceEntry(
                "l2",
                "linux.minutes",
                rk.Graduated([rk.Tier(1000, "0.007"), rk.Tier(None, "0.005")]),
                where={"runner": "linux-2x"},
            ),
            rk.PriceEntry("l8", "linux.minutes", rk.PerUnit("0.03"), where={"runner": "linux-8x"}),
            rk.PriceEntry("mac", "macos.minutes", rk.PerUnit("0.075")),
            rk.PriceEntry("cache", "cache", rk.PerUnit("0.20")),
            rk.PriceEntry(
                "egress",
                "egress",
                rk.Graduated([rk.Tier(1, "0"), rk.Tier(None, "0.08")]),
                unit="GB",
                meter_unit="B",
            ),
        ],
        allowances=[rk.Allowance("linux.minutes", 24000, cycle=rk.cycles.yearly(tz=LA))],
        fees=[rk.Fee("base", "5")],
        tz=LA,
    )


def job(
    account: str,
    name: str,
    start: str | dt.datetime,
    stop: str | dt.datetime | None,
    runner: str,
) -> list[rk.Event]:
    """A job's START (and STOP, unless it never comes), ids ``<name>s`` and ``<name>e``."""
    events = [rk.Event(account, name, start, {"runner": runner}, kind="start", id=f"{name}s")]
    if stop is not None:
        events.append(rk.Event(account, name, stop, kind="stop", id=f"{name}e"))
    return events


def month_of_records() -> list[rk.Event | rk.Sample | rk.Inventory]:
    """A November of webhooks: every case of the persona once."""
    return [
        # 23:50 PDT on 31 October to 02:00 PST on 1 November: 10 minutes in October,
        # 180 real minutes in November (the hour from 01:00 to 02:00 happens twice).
        *job("acme", "A", "2026-11-01T06:50:00Z", "2026-11-01T10:00:00Z", "linux-2x"),
        *job("acme", "B", "2026-11-02T12:00:00Z", "2026-11-02T13:00:00Z", "linux-8x"),
        # A macOS job whose STOP never comes: a heartbeat at 09:00Z, then the
        # inventory of 4 November (close="last_seen") closes it there.
        *job("acme", "C", "2026-11-03T08:00:00Z", None, "macos"),
        rk.Event("acme", "C", "2026-11-03T09:00:00Z", {"heartbeat": 1}, kind="update", id="Ch"),
        # Starts and stops within the same microsecond.
        *job("acme", "D", "2026-11-03T12:00:00.123456Z", "2026-11-03T12:00:00.123456Z", "linux-2x"),
        # Starts exactly at the price cut, changes runner twice, an hour each.
        *job("acme", "F", CUT, "2026-11-03T20:00:00Z", "linux-2x"),
        rk.Event(
            "acme", "F", "2026-11-03T18:00:00Z", {"runner": "linux-8x"}, kind="update", id="Fu1"
        ),
        rk.Event("acme", "F", "2026-11-03T19:00:00Z", {"runner": "macos"}, kind="update", id="Fu2"),
        # 40 days long, from 1 October 00:00 PDT to 9 November 23:00 PST.
        *job("globex", "L", "2026-10-01T07:00:00Z", "2026-11-10T07:00:00Z", "linux-2x"),
        rk.Sample("acme", "cache-1", "cache", "2026-11-01T07:00:00Z", 10, kind="gauge", id="g1"),
        rk.Sample("acme", "cache-1", "cache", "2026-11-16T07:00:00Z", 20, kind="gauge", id="g2"),
        rk.Sample("acme", "art", "egress", "2026-11-04T00:00:00Z", 3_000_000_000, id="x1"),
        rk.Sample("acme", "art", "egress", "2026-11-05T00:00:00Z", 9_000_000_000, id="x2"),
        rk.Inventory(
            "2026-11-04T00:00:00Z",
            [],
            close="last_seen",
            accounts=["acme"],
            where={"runner": rk.OneOf(["linux-2x", "linux-8x", "macos"])},
            id="inv",
        ),
    ]
