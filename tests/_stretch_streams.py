"""Random streams of sequenced events, last_seen inventories and both kinds of counter.

One or two resources of one account on daily UTC cycles, records over four days and
rated over six: events (start, update, stop, delete; a size ``mb`` of 2 or 4) whose
``seq`` is in time order or shuffled, a plain counter (``bytes``, with a reset now and
then) and a first reading from zero (``cpu``), ``last_seen`` inventories (of everything
or of the account) that list some resources. Records arrive each up to 6, 30 or 60
hours late, in batches of one to three, with statements at watermarks that follow the
arrivals and a horizon of 0, 1 or 3 hours, so that some come too late; a restore
(through JSON or pickle) now and then. The check (`differences()`): per resource, meter
and price entry (one per size), the stream's lines plus the quantities its ``"late"``
and ``"too_late"`` anomalies name, each under the entry its description prices, are one
batch ``rate()``, but for a resource one of them leaves as it stands (a documented
limit: not placed, with no quantity) or in doubt (an event an inventory compacted since
may have closed).
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import random
import re
import typing
from collections.abc import Iterable
from decimal import Decimal

from tests._seq_plan import METERS

import ratekit as rk
from ratekit._instants import format_us, to_us

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
T0 = to_us("2026-03-01T00:00:00Z")
END = T0 + 6 * DAY_US

#: One entry per meter and size: ``x0`` (no size), ``x2`` and ``x4`` (2 and 4 ``mb``).
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        entry
        for meter in METERS
        for entry in (
            rk.PriceEntry(f"{meter.name}-x0", meter.name, rk.PerUnit(1)),
            rk.PriceEntry(
                f"{meter.name}-x2", meter.name, rk.PerUnit(2), where={"mb": 2}, priority=1
            ),
            rk.PriceEntry(
                f"{meter.name}-x4", meter.name, rk.PerUnit(4), where={"mb": 4}, priority=1
            ),
        )
    ],
)
Record = rk.Event | rk.Sample | rk.Inventory
Report = rk.Feed | rk.Statement
Op = tuple[str, typing.Any]  # ("feed", [record, ...]) | ("statement", us) | ("restore", int)
Key = tuple[str, str, str]  # resource, meter, entry


def draw(seed: int) -> tuple[list[Record], list[Op], int]:
    """The records of a stream from ``seed``, the operations that feed them, its horizon."""
    rng = random.Random(seed)
    records: list[Record] = []
    numbers = iter(range(10**6))

    def instant(low: int, high: int, step: int = HOUR_US) -> int:
        return T0 + rng.randrange(low, high, step)

    resources = [f"vm{n}" for n in range(rng.randint(1, 2))]
    for resource in resources:
        count = rng.randint(1, 4)
        times = sorted(instant(0, 4 * DAY_US) for _ in range(count))
        seqs = list(range(count))
        if rng.random() < 0.6:
            rng.shuffle(seqs)
        for at, seq in zip(times, seqs, strict=True):
            kind = rng.choice(("start", "start", "update", "stop", "delete"))
            size = {"mb": rng.choice((2, 4))} if kind in ("start", "update") else {}
            records.append(
                rk.Event("a", resource, format_us(at), size, kind=kind,
                         id=f"e{next(numbers)}", seq=10 * seq)
            )  # fmt: skip
        if rng.random() < 0.6:
            value = rng.randrange(0, 100)
            for at in sorted(instant(0, 4 * DAY_US) for _ in range(rng.randint(1, 3))):
                value = (
                    rng.randrange(0, 50) if rng.random() < 0.15 else value + rng.randrange(1, 500)
                )
                records.append(
                    rk.Sample("a", resource, "bytes", format_us(at), value, kind="counter",
                              id=f"b{next(numbers)}")
                )  # fmt: skip
        if rng.random() < 0.6:
            value = 0
            for at in sorted(instant(0, 4 * DAY_US) for _ in range(rng.randint(1, 2))):
                value += rng.randrange(1, 200)
                records.append(
                    rk.Sample("a", resource, "cpu", format_us(at), value, kind="counter",
                              id=f"c{next(numbers)}")
                )  # fmt: skip
    for _ in range(rng.randint(0, 2)):
        listed = [("a", r) for r in resources if rng.random() < 0.3]
        scope = rng.choice((None, ["a"]))
        at = format_us(instant(HOUR_US, 4 * DAY_US))
        records.append(
            rk.Inventory(at, listed, accounts=scope, close="last_seen", id=f"i{next(numbers)}")
        )
    delay = rng.choice((6, 30, 60)) * HOUR_US
    arrivals = sorted(records, key=lambda r: r.at_us + rng.randrange(0, delay, 15 * 60_000_000))
    ops: list[Op] = []
    as_of, position = T0, 0
    while position < len(arrivals):
        size = rng.randint(1, 3)
        ops.append(("feed", arrivals[position : position + size]))
        position += size
        if rng.random() < 0.6:
            ahead = arrivals[min(position, len(arrivals) - 1)].at_us
            ahead += rng.randrange(-6 * HOUR_US, 30 * HOUR_US, HOUR_US)
            as_of = max(as_of, min(END - DAY_US, ahead))
            ops.append(("statement", as_of))
    ops.append(("statement", END))
    for j in sorted(rng.sample(range(len(ops)), k=min(len(ops), rng.randint(0, 2))), reverse=True):
        ops.insert(j + 1, ("restore", rng.randrange(2)))
    return records, ops, rng.choice((0, 1, 3)) * HOUR_US


def run(ops: list[Op], horizon_us: int) -> list[Report]:
    """What each feed and statement gives, restored where ``ops`` say."""
    rater = rk.Rater(
        PLAN, METERS, start=format_us(T0), horizon=dt.timedelta(microseconds=horizon_us)
    )
    out: list[Report] = []
    for kind, value in ops:
        if kind == "feed":
            out.append(rater.feed(typing.cast(list[Record], value)))
        elif kind == "statement":
            out.append(rater.statement(format_us(typing.cast(int, value))))
        elif value:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
        else:
            rater = pickle.loads(pickle.dumps(rater))
        rater._check()
    return out


_DESCRIPTION = re.compile(r" under description (\{[^{}]*\})")


def entry_of(meter: str, description: str) -> str:
    """The entry that prices ``meter`` under ``description`` (its text in a message)."""
    size = re.search(r"'mb': (\d+)", description)
    return f"{meter}-x{size[1] if size else 0}"


def doubts(reports: Iterable[Report]) -> set[str | None]:
    """Resources a ``"too_late"`` anomaly leaves as they stand or in doubt (no quantity)."""
    out: set[str | None] = set()
    for report in reports:
        for a in report.anomalies:
            if a.kind != "too_late":
                continue
            if "may have covered" in a.message or (
                a.quantity is None and ("cannot be" in a.message or "not known" in a.message)
            ):
                out.add(a.resource)
    return out


def stream_sums(reports: list[Report]) -> tuple[dict[Key, Decimal], set[tuple[str, str]]]:
    """Per resource, meter and entry: the lines plus what is named; and the (resource,
    meter) pairs some of whose named parts give no description (compared in sum only)."""
    sums: dict[Key, Decimal] = {}
    vague: set[tuple[str, str]] = set()
    for report in reports:
        if isinstance(report, rk.Statement):
            for line in report.lines:
                if line.meter is None or line.resource is None:
                    continue
                key = (line.resource, line.meter, typing.cast(str, line.entry))
                sums[key] = sums.get(key, Decimal(0)) + line.quantity
        for a in report.anomalies:
            if a.kind not in {"late", "too_late"} or a.meter is None or a.quantity is None:
                continue
            found = _DESCRIPTION.search(a.message)
            resource = typing.cast(str, a.resource)
            if found is None:
                vague.add((resource, a.meter))
                key = (resource, a.meter, f"{a.meter}-x?")
            else:
                key = (resource, a.meter, entry_of(a.meter, found[1]))
            sums[key] = sums.get(key, Decimal(0)) + a.quantity
    return sums, vague


def batch_sums(records: list[Record]) -> dict[Key, Decimal]:
    """Per resource, meter and entry, what one batch ``rate()`` bills over the span."""
    rating = rk.rate(records, PLAN, span=rk.Span(format_us(T0), format_us(END)), meters=METERS)
    sums: dict[Key, Decimal] = {}
    for charge in rating.charges:
        if charge.kind != "usage":
            continue
        key = (typing.cast(str, charge.resource), typing.cast(str, charge.meter), charge.entry)
        sums[key] = sums.get(key, Decimal(0)) + charge.quantity
    return sums


def differences(seed: int) -> list[tuple[str, str, str, Decimal, Decimal]]:
    """Where the stream of ``seed`` (lines plus named) differs from batch.

    Each as (resource, meter, entry or ``"*"`` for the meter's sum, stream, batch); a
    resource in doubt is left out.
    """
    records, ops, horizon_us = draw(seed)
    reports = run(ops, horizon_us)
    if None in (left := doubts(reports)):
        return []
    stream, vague = stream_sums(reports)
    batch = batch_sums(records)
    out: list[tuple[str, str, str, Decimal, Decimal]] = []
    pairs = {(r, m) for r, m, _ in (*stream, *batch)}
    for resource, meter in sorted(pairs):
        if resource in left:
            continue
        mine = {e: q for (r, m, e), q in stream.items() if (r, m) == (resource, meter)}
        theirs = {e: q for (r, m, e), q in batch.items() if (r, m) == (resource, meter)}
        total, other = sum(mine.values(), Decimal(0)), sum(theirs.values(), Decimal(0))
        if total != other:
            out.append((resource, meter, "*", total, other))
        elif (resource, meter) not in vague:
            zero = Decimal(0)
            out.extend(
                (resource, meter, entry, mine.get(entry, zero), theirs.get(entry, zero))
                for entry in sorted({*mine, *theirs})
                if mine.get(entry, zero) != theirs.get(entry, zero)
            )
    return out
