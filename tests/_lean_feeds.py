"""The lean input path's feeds for the newcomer's hostile tests: a fleet as tuples.

A provider backend gives its records as plain tuples (instants as int epoch
microseconds, one attribute mapping shared per flavor); `friendly()` makes the same
records through ``rk.Event`` and ``rk.Sample``, the oracle of the lean path. One plan
(monthly UTC cycles, hours per flavor, memory, graduated egress, a fee) and its meters.
"""

from __future__ import annotations

import decimal
import random
from decimal import Decimal
from typing import Any

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
M0 = MARCH.start_us  # 2026-03-01T00:00:00Z as epoch microseconds: 1772323200000000
HOUR = 3_600_000_000
METERS = (
    rk.Meter("vm.hours", "hour", rk.OnOff()),
    rk.Meter("memory", "GiB*hour", rk.Continuous("memory_gib")),
    rk.Meter("egress", "GB", rk.Discrete()),
)
PLAN = rk.Plan(
    "fleet",
    "EUR",
    MONTHLY,
    [
        rk.PriceEntry("small", "vm.hours", rk.PerUnit("0.02"), where={"flavor": "small"}),
        rk.PriceEntry("large", "vm.hours", rk.PerUnit("0.08"), where={"flavor": "large"}),
        rk.PriceEntry("memory", "memory", rk.PerUnit("0.003")),
        rk.PriceEntry("egress", "egress", rk.Graduated([rk.Tier(10, "0"), rk.Tier(None, "0.09")])),
    ],
    fees=[rk.Fee("support", 5)],
)
SMALL = {"flavor": "small", "memory_gib": 2}
LARGE = {"flavor": "large", "memory_gib": 8}
#: Every signal trapped, three digits: any arithmetic ratekit did in the caller's
#: context would raise (or round) here.
TRAPPING = decimal.Context(
    prec=3,
    traps=[
        decimal.Inexact,
        decimal.Rounded,
        decimal.InvalidOperation,
        decimal.DivisionByZero,
        decimal.Overflow,
        decimal.Underflow,
        decimal.Subnormal,
        decimal.Clamped,
        decimal.FloatOperation,
    ],
)

EVENT_FIELDS = ("account", "resource", "at_us", "kind", "attributes", "id", "seq")
SAMPLE_FIELDS = ("account", "resource", "meter", "at_us", "value", "kind", "id", "seq")

# One account's day, worked by hand in tests/test_lean_newcomer_hostile.py: vm-1 small
# 00:00-10:00, resized to large, stopped at 12:00; vm-2 small on 2 March 00:00-06:00,
# deleted; vm-1 sent 12 + 0.5 + 0.25 GB (an int, a str and a float: each the exact
# Decimal of its text).
HAND_EVENTS = [
    ("acme", "vm-1", M0, "start", SMALL, "e1"),
    ("acme", "vm-1", M0 + 10 * HOUR, "start", LARGE, "e2"),
    ("acme", "vm-1", M0 + 12 * HOUR, "stop", None, "e3"),
    ("acme", "vm-2", M0 + 24 * HOUR, "start", SMALL, "e4"),
    ("acme", "vm-2", M0 + 30 * HOUR, "delete", None, "e5"),
]
HAND_SAMPLES = [
    ("acme", "vm-1", "egress", M0 + 5 * HOUR, 12, "delta", "s1"),
    ("acme", "vm-1", "egress", M0 + 6 * HOUR, "0.5", "delta", "s2"),
    ("acme", "vm-1", "egress", M0 + 7 * HOUR, 0.25, "delta", "s3"),
]


def at(us: int) -> str:
    """The ISO text of an instant given as epoch microseconds (the friendly form)."""
    return rk.Span.from_us(us, us + 1).start.isoformat()


def friendly(events: list[tuple[Any, ...]], samples: list[tuple[Any, ...]]) -> list[Any]:
    """The same records through rk.Event and rk.Sample, field by field."""
    out: list[Any] = []
    for row in events:
        account, resource, us, kind, attributes, *rest = (*row, None, None, None)[:7]
        record_id, seq = rest[0], rest[1]
        out.append(
            rk.Event(account, resource, at(us), attributes, kind=kind, id=record_id, seq=seq)
        )
    for row in samples:
        account, resource, meter, us, value, kind, *rest = (*row, None, None)[:8]
        out.append(
            rk.Sample(account, resource, meter, at(us), value, kind=kind, id=rest[0], seq=rest[1])
        )
    return out


def columns(rows: list[tuple[Any, ...]], fields: tuple[str, ...]) -> dict[str, list[Any]] | None:
    """Tuples turned into columns (None for no rows)."""
    if not rows:
        return None
    return {field: [row[i] for row in rows] for i, field in enumerate(fields[: len(rows[0])])}


def fleet(accounts: int = 8, seed: int = 5) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """A shuffled fleet month as a feed's tuples: one shared mapping per flavor, all kinds."""
    rng = random.Random(seed)
    events: list[tuple[Any, ...]] = []
    samples: list[tuple[Any, ...]] = []
    for number in range(accounts):
        account = f"acct-{number}"
        for vm in range(3):
            resource = f"{account}/vm-{vm}"
            times = sorted(rng.randrange(MARCH.start_us, MARCH.end_us) for _ in range(5))
            flavor = rng.choice([SMALL, LARGE])
            kinds = ["start", "start", "stop", "start", rng.choice(["delete", "stop"])]
            for position, (us, kind) in enumerate(zip(times, kinds, strict=True)):
                if position == 1:
                    flavor = LARGE if flavor is SMALL else SMALL  # a resize while running
                described = flavor if kind == "start" else None
                events.append(
                    (account, resource, us, kind, described, f"{resource}/e{position}", None)
                )
            for n in range(4):
                us = times[0] + rng.randrange(times[-1] - times[0])
                value = rng.choice([rng.randrange(1, 40), "1.25", 0.1, Decimal("7.125")])
                samples.append(
                    (account, resource, "egress", us, value, "delta", f"{resource}/s{n}", None)
                )
        # an orphan stop (an anomaly on both paths), no id
        events.append(
            (account, f"{account}/ghost", MARCH.start_us + number, "stop", None, None, None)
        )
    rng.shuffle(events)
    rng.shuffle(samples)
    return events, samples


def statements(parts: list[Any]) -> list[Any]:
    """A rater fed ``parts`` in turn, a statement after each, then one after March closed."""
    rater = rk.Rater(PLAN, METERS, start=MARCH.start)
    said: list[Any] = []
    step = (MARCH.end_us - MARCH.start_us) // len(parts)
    for number, part in enumerate(parts, 1):
        said.append(rater.feed(part))
        said.append(rater.statement(at(MARCH.start_us + number * step)))
    said.append(rater.statement("2026-04-02T00:00:00Z"))
    return said
