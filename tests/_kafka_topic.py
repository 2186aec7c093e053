"""A public cloud's metering topic, as its Kafka consumer sees it, and a hand oracle.

Seed 000 (Exoscale) reads a topic partitioned by resource; seeds 001 and 002 give the
OpenStack messages on it: Nova's instance notifications (``create.end``,
``finish_resize.end``, ``delete.end``) and Ceilometer samples (the ``cpu`` counter in
nanoseconds, with resets when an instance reboots; egress as deltas in bytes). The
consumer turns each delivered batch of raw JSON messages into records with
``ratekit.adapters.ceilometer`` and feeds them to ``rk.Rater``.

Two plans bill on calendar months (UTC): ``basic`` (a 31 EUR fee, small VMs 0.04 an
hour, large 0.16, CPU 0.10 an hour, egress 0.02 a GB) and ``pro`` (a 62 EUR fee, small
0.03, large 0.12, CPU 0.05, egress 0.01). Every price is per unit, so the hand oracle
can price each piece of usage on its own, in ``Fraction``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

import ratekit as rk
from ratekit.adapters import ceilometer

UTC = dt.UTC
MONTHLY = rk.cycles.monthly(tz="UTC")
START = dt.datetime(2026, 3, 1, tzinfo=UTC)
HORIZON = dt.timedelta(days=2)
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
METERS = [ceilometer.INSTANCE_HOURS, ceilometer.CPU_HOURS, EGRESS]
NS_PER_HOUR = 3_600_000_000_000

PRICES: dict[str, dict[str, str]] = {
    "basic": {"small": "0.04", "large": "0.16", "cpu": "0.10", "egress": "0.02", "fee": "31"},
    "pro": {"small": "0.03", "large": "0.12", "cpu": "0.05", "egress": "0.01", "fee": "62"},
}


def plan(name: str) -> rk.Plan:
    price = PRICES[name]
    return rk.Plan(
        name,
        "EUR",
        MONTHLY,
        [
            rk.PriceEntry(
                "small", "instance.hours", rk.PerUnit(price["small"]), where={"flavor": "m1.small"}
            ),
            rk.PriceEntry(
                "large", "instance.hours", rk.PerUnit(price["large"]), where={"flavor": "m1.large"}
            ),
            rk.PriceEntry("cpu", "cpu", rk.PerUnit(price["cpu"])),
            rk.PriceEntry("egress", "egress", rk.PerUnit(price["egress"])),
        ],
        fees=[rk.Fee("base", int(price["fee"]))],
    )


BASIC = plan("basic")
PRO = plan("pro")


def stamp(at: dt.datetime) -> str:
    """Nova's and Ceilometer's naive UTC stamp, with microseconds."""
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def nova(
    event_type: str, message_id: str, at: dt.datetime, *, account: str, resource: str, flavor: str
) -> dict[str, Any]:
    state = "deleted" if event_type == "delete.end" else "active"
    return {
        "event_type": f"compute.instance.{event_type}",
        "message_id": message_id,
        "timestamp": stamp(at),
        "publisher_id": "compute.host-1",
        "priority": "INFO",
        "payload": {
            "tenant_id": account,
            "instance_id": resource,
            "instance_type": flavor,
            "vcpus": 1 if flavor == "m1.small" else 4,
            "memory_mb": 2048 if flavor == "m1.small" else 8192,
            "state": state,
            # a hostile display name, carried into the description untouched
            "display_name": "\u202e<b>né</b>\U0001f4a5\x00'\"",
        },
    }


def sample(
    message_id: str,
    at: dt.datetime,
    *,
    name: str,
    kind: str,
    unit: str,
    account: str,
    resource: str,
    volume: int,
) -> dict[str, Any]:
    return {
        "message_id": message_id,
        "counter_name": name,
        "counter_type": kind,
        "counter_unit": unit,
        "counter_volume": volume,
        "project_id": account,
        "resource_id": resource,
        "user_id": "u-1",
        "timestamp": stamp(at),
        "source": "openstack",
    }


def records_of(messages: Iterable[bytes]) -> list[rk.Event | rk.Sample]:
    """What the consumer does with a delivered batch: decode, then the adapters."""
    decoded = [json.loads(message) for message in messages]
    notifications = [message for message in decoded if "event_type" in message]
    samples = [message for message in decoded if "counter_name" in message]
    records: list[rk.Event | rk.Sample] = []
    records.extend(ceilometer.instance_notifications(notifications, naive_utc=True))
    records.extend(ceilometer.samples(samples, meters=METERS, naive_utc=True))
    return records


# --- the hand oracle -----------------------------------------------------------------


def month_of(at: dt.datetime) -> dt.datetime:
    return dt.datetime(at.year, at.month, 1, tzinfo=UTC)


def next_month(start: dt.datetime) -> dt.datetime:
    return dt.datetime(start.year + start.month // 12, start.month % 12 + 1, 1, tzinfo=UTC)


def micros(span: dt.timedelta) -> int:
    return span // dt.timedelta(microseconds=1)


def cuts(
    start: dt.datetime, end: dt.datetime, changes: Sequence[dt.datetime]
) -> list[tuple[dt.datetime, dt.datetime]]:
    """``[start, end)`` cut at month boundaries and at the given instants."""
    points = {start, end}
    month = month_of(start)
    while month < end:
        if month > start:
            points.add(month)
        month = next_month(month)
    points.update(change for change in changes if start < change < end)
    ordered = sorted(points)
    return list(itertools.pairwise(ordered))


class Oracle:
    """Amounts per (account, month start), worked piece by piece in ``Fraction``.

    ``regime(account, at)`` names the plan in force; usage is priced under it, fees are
    prorated by the plan's share of each month, up to ``as_of``.
    """

    def __init__(self, plans: Mapping[str, Sequence[tuple[dt.datetime, str]]]) -> None:
        # plans[account] = [(from, plan name), ...] in order
        self.plans = plans
        self.amounts: dict[tuple[str, dt.datetime], Fraction] = defaultdict(Fraction)

    def regime(self, account: str, at: dt.datetime) -> str:
        name = ""
        for start, plan_name in self.plans[account]:
            if start <= at:
                name = plan_name
        return name

    def changes(self, account: str) -> list[dt.datetime]:
        return [start for start, _ in self.plans[account]]

    def price(self, account: str, at: dt.datetime, what: str) -> Fraction:
        return Fraction(Decimal(PRICES[self.regime(account, at)][what]))

    def running(
        self, account: str, start: dt.datetime, end: dt.datetime, flavor: str, as_of: dt.datetime
    ) -> None:
        end = min(end, as_of)
        if end <= start:
            return
        for a, b in cuts(start, end, self.changes(account)):
            hours = Fraction(micros(b - a), 3_600_000_000)
            self.amounts[account, month_of(a)] += hours * self.price(
                account, a, flavor.removeprefix("m1.")
            )

    def counter(
        self,
        account: str,
        readings: Sequence[tuple[dt.datetime, int]],
        as_of: dt.datetime,
    ) -> None:
        """A cumulative counter in ns: each increment spread linearly over its interval."""
        ordered = sorted(reading for reading in readings if reading[0] < as_of)
        for (t0, v0), (t1, v1) in itertools.pairwise(ordered):
            increment = Fraction(v1 - v0 if v1 >= v0 else v1, NS_PER_HOUR)
            whole = Fraction(micros(t1 - t0))
            for a, b in cuts(t0, t1, self.changes(account)):
                part = Fraction(micros(b - a)) / whole
                self.amounts[account, month_of(a)] += (
                    increment * part * self.price(account, a, "cpu")
                )

    def delta(self, account: str, at: dt.datetime, value_bytes: int, as_of: dt.datetime) -> None:
        if at < as_of:
            gb = Fraction(value_bytes, 10**9)
            self.amounts[account, month_of(at)] += gb * self.price(account, at, "egress")

    def fees(self, account: str, start: dt.datetime, as_of: dt.datetime) -> None:
        for a, b in cuts(start, as_of, self.changes(account)):
            month = month_of(a)
            share = Fraction(micros(b - a), micros(next_month(month) - month))
            self.amounts[account, month] += share * self.price(account, a, "fee")
