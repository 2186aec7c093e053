"""A hosted vector database's week around the DST change, for the vectordb newcomer tests.

Pods are created, resized and deleted (events with ``seq``), priced by the hour by size,
cheaper at night (22:00 to 06:00 Berlin time); storage is read as gauges (peak and mean
per daily cycle); query units come from a counter that resets when a pod restarts, with
1,000 units free a week across the daily cycles; an inventory lists the live pods every
hour. The customer switches from ``std`` to ``pro`` at midnight of Monday 30 March, the
day after Europe/Berlin moved its clocks forward.
"""

from __future__ import annotations

import datetime as dt

import ratekit as rk

TZ = "Europe/Berlin"
DAYS = rk.cycles.daily(tz=TZ)
WEEKS = rk.cycles.weekly(tz=TZ)
NIGHTS = rk.windows.daily("22:00", "06:00", tz=TZ)
START = dt.datetime.fromisoformat("2026-03-29T00:00:00+01:00")
SWITCH = dt.datetime.fromisoformat("2026-03-30T00:00:00+02:00")
HOUR = dt.timedelta(hours=1)

METERS = [
    rk.Meter("pod.hours", "hour", rk.OnOff()),
    rk.Meter("storage.peak", "GB", rk.Max()),
    rk.Meter("storage.mean", "GB", rk.TimeWeightedMean()),
    rk.Meter("qu", "unit", rk.Counter()),
]


def _plan(name: str, prices: dict[str, tuple[str, str]], gb_mean: str, unit: str) -> rk.Plan:
    entries = []
    for size, (day, night) in prices.items():
        entries.append(
            rk.PriceEntry(f"pod-{size}", "pod.hours", rk.PerUnit(day), where={"size": size})
        )
        entries.append(
            rk.PriceEntry(
                f"pod-{size}-night",
                "pod.hours",
                rk.PerUnit(night),
                where={"size": size},
                window=NIGHTS,
                priority=10,
            )
        )
    entries += [
        rk.PriceEntry("peak", "storage.peak", rk.PerUnit("0.01")),
        rk.PriceEntry("mean", "storage.mean", rk.PerUnit(gb_mean)),
        rk.PriceEntry("queries", "qu", rk.PerUnit(unit)),
    ]
    return rk.Plan(
        name,
        "EUR",
        DAYS,
        entries,
        allowances=[rk.Allowance("qu", 1000, cycle=WEEKS)],
        unpriced="anomaly",
    )


STD = _plan("std", {"s": ("0.10", "0.05"), "m": ("0.40", "0.20")}, "0.02", "0.001")
PRO = _plan("pro", {"s": ("0.08", "0.04"), "m": ("0.32", "0.16")}, "0.015", "0.0008")
ASSIGNED = (
    rk.Assignment("acme", STD, end=SWITCH),
    rk.Assignment("acme", PRO, start=SWITCH),
)


END = dt.datetime.fromisoformat("2026-03-31T00:00:00+02:00")


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


E, S = rk.Event, rk.Sample
RECORDS: tuple[rk.Event | rk.Sample, ...] = (
    # p0 was created a week before the rater started: its create is before every kept cycle
    E("acme", "p0", "2026-03-20T08:00:00+01:00", {"size": "s"}, kind="start", id="p0-c", seq=1),
    # p1: created small, resized, restarted (its query counter resets), then resized and
    # deleted at one instant; its seqs have gaps (1, 5, 9, 10, 20, 21)
    E("acme", "p1", "2026-03-29T01:00:00+01:00", {"size": "s"}, kind="start", id="p1-c", seq=1),
    E("acme", "p1", "2026-03-29T10:00:00+02:00", {"size": "m"}, kind="update", id="p1-r", seq=5),
    E("acme", "p1", "2026-03-29T15:00:00+02:00", kind="stop", id="p1-stop", seq=9),
    E("acme", "p1", "2026-03-29T16:00:00+02:00", kind="start", id="p1-boot", seq=10),
    E("acme", "p1", "2026-03-30T12:00:00+02:00", {"size": "s"}, kind="update", id="p1-r2", seq=20),
    E("acme", "p1", "2026-03-30T12:00:00+02:00", kind="delete", id="p1-d", seq=21),
    S("acme", "p1", "qu", "2026-03-29T03:00:00+02:00", 100, kind="counter", id="q1"),
    S("acme", "p1", "qu", "2026-03-29T15:00:00+02:00", 700, kind="counter", id="q2"),
    # the reading before the restart and the first after it, at one instant, in seq order
    S("acme", "p1", "qu", "2026-03-29T16:00:00+02:00", 760, kind="counter", id="q3", seq=1),
    S("acme", "p1", "qu", "2026-03-29T16:00:00+02:00", 0, kind="counter", id="q4", seq=2),
    S("acme", "p1", "qu", "2026-03-30T10:00:00+02:00", 900, kind="counter", id="q5"),
    # p2: its delete was lost; the listings stop naming it from 30 March 06:00
    E("acme", "p2", "2026-03-29T05:00:00+02:00", {"size": "m"}, kind="start", id="p2-c", seq=1),
    S("acme", "p2", "storage.peak", "2026-03-29T06:00:00+02:00", 10, kind="gauge", id="sp1"),
    S("acme", "p2", "storage.mean", "2026-03-29T06:00:00+02:00", 10, kind="gauge", id="sm1"),
    S("acme", "p2", "storage.peak", "2026-03-29T18:00:00+02:00", 40, kind="gauge", id="sp2"),
    S("acme", "p2", "storage.mean", "2026-03-29T18:00:00+02:00", 40, kind="gauge", id="sm2"),
    # p3: listed from 29 March 20:00, its create (stamped 19:30) arrives at 23:30
    E("acme", "p3", "2026-03-29T19:30:00+02:00", {"size": "s"}, kind="start", id="p3-c", seq=1),
)


def live(at: dt.datetime) -> dict[tuple[str, str], dict[str, object]]:
    """What the hourly listing at ``at`` names: the pods alive then."""
    pods: dict[tuple[str, str], dict[str, object]] = {("acme", "p0"): {"size": "s"}}
    if _at("2026-03-29T01:00:00+01:00") <= at < _at("2026-03-30T12:00:00+02:00"):
        pods["acme", "p1"] = {}
    if _at("2026-03-29T05:00:00+02:00") <= at < _at("2026-03-30T06:00:00+02:00"):
        pods["acme", "p2"] = {}
    if at >= _at("2026-03-29T20:00:00+02:00"):
        pods["acme", "p3"] = {"size": "s"}
    return pods


def listings(until: dt.datetime = END) -> tuple[rk.Inventory, ...]:
    """The hourly inventories from the rater's first hour to ``until``."""
    out, at = [], START + HOUR
    while at <= until:
        out.append(rk.Inventory(at, live(at), id=f"inv-{at.astimezone(dt.UTC):%m%dT%H}"))
        at += HOUR
    return tuple(out)


# records that come later than 20 minutes after their stamp
LATE = {
    "p0-c": _at("2026-03-29T00:30:00+01:00"),
    "p3-c": _at("2026-03-29T23:30:00+02:00"),
    "p1-r": _at("2026-03-29T13:30:00+02:00"),  # after the stop's neighbours came
    "q3": _at("2026-03-29T18:30:00+02:00"),
}


def arrival(record: rk.Event | rk.Sample | rk.Inventory) -> dt.datetime:
    return LATE.get(record.id or "", record.at + dt.timedelta(minutes=20))
