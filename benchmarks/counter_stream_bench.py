"""A counter fed to the streaming rater reading by reading, with frequent statements.

An OpenStack or Ceilometer feed: one resource whose counter is read every 5 minutes
(``--every``), a statement every 10 minutes (``--statement-every`` readings) at the
watermark of the readings fed so far, on a monthly cycle, for ``--days`` days. With
``--meter`` the readings are those of an aggregation instead (``max``: a peak, ``mean``:
a time-weighted mean of a gauge, ``latest``, ``count``: how many readings, ``unique``:
how many distinct values, ``p95``: the 95th percentile, as bandwidth is billed). Each
reading is fed on its own, in time order, as a feed delivers them.

It prints the CPU seconds of the stream (feeding and statements), per simulated day and
per reading, and checks that the stream's lines add up to one batch ``rk.rate()`` of the
same readings, to the last digit, per line key (added as fractions: exactly).

Usage::

    python benchmarks/counter_stream_bench.py                  # a counter, 2 days
    python benchmarks/counter_stream_bench.py --days 10 --meter max
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from fractions import Fraction
from typing import Any

EPOCH = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)

POLICIES = {
    "counter": ("counter", "B", "Counter"),
    "max": ("gauge", "user", "Max"),
    "mean": ("gauge", "user", "TimeWeightedMean"),
    "latest": ("gauge", "user", "Latest"),
    "count": ("gauge", "call", "Count"),
    "unique": ("gauge", "user", "UniqueCount"),
    "p95": ("gauge", "Mbit/s", "Percentile"),
}

#: The arguments of each policy (none but the percentile's).
ARGUMENTS: dict[str, tuple[int, ...]] = {"p95": (95,)}


def readings(days: int, every: int, kind: str, seed: int) -> list[Any]:
    """A reading every ``every`` minutes for ``days`` days: a counter rising (a reset now
    and then) or a gauge going up and down."""
    import ratekit as rk

    rng = random.Random(seed)
    count = days * 24 * 60 // every
    value = 0
    out = []
    for index in range(count):
        if kind == "counter":
            value = 0 if rng.random() < 0.002 else value + rng.randrange(0, 5000)
        else:
            value = rng.randrange(0, 40)
        at = EPOCH + index * every * MINUTE
        out.append(rk.Sample("acme", "vm-1", "m", at, value, kind=kind, id=f"r{index}"))
    return out


def setting(meter: str) -> tuple[Any, Any]:
    """The plan (monthly, one price per unit) and the meter."""
    import ratekit as rk

    _, unit, policy = POLICIES[meter]
    measured = rk.Meter("m", unit, getattr(rk, policy)(*ARGUMENTS.get(meter, ())))
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("m", "m", rk.PerUnit("0.0001"))]
    )
    return plan, measured


def stream(records: list[Any], statement_every: int, plan: Any, meter: Any) -> list[Any]:
    """Feed the readings one by one, a statement every ``statement_every``; the lines."""
    import ratekit as rk

    rater = rk.Rater(plan, [meter], start=EPOCH)
    lines: list[Any] = []
    for number, record in enumerate(records, 1):
        rater.feed([record])
        if number % statement_every == 0:
            lines.extend(rater.statement(record.at + dt.timedelta(microseconds=1)).lines)
    final = records[-1].at + dt.timedelta(microseconds=1)
    lines.extend(rater.statement(final).lines)
    return lines


def check(lines: list[Any], records: list[Any], plan: Any, meter: Any) -> None:
    """The stream's lines, per key, equal to one batch rating's charges, to the last digit."""
    import ratekit as rk
    from ratekit._rater_lines import line_key

    final = records[-1].at + dt.timedelta(microseconds=1)
    batch = rk.rate(records, plan, span=rk.Span(EPOCH, final), meters=[meter])
    streamed: dict[tuple[object, ...], list[Fraction]] = {}
    for line in lines:
        total = streamed.setdefault(line.key, [Fraction(0), Fraction(0)])
        total[0] += Fraction(line.quantity)
        total[1] += Fraction(line.amount)
    batched: dict[tuple[object, ...], list[Fraction]] = {}
    for charge in batch.charges:
        key = line_key(charge)  # the line a charge is on, as a statement line's key
        total = batched.setdefault(key, [Fraction(0), Fraction(0)])
        total[0] += Fraction(charge.quantity)
        total[1] += Fraction(charge.amount)
    drop = [key for key, total in streamed.items() if total == [0, 0]]
    for key in drop:
        del streamed[key]
    if streamed != batched:
        raise SystemExit(f"the stream's lines differ from batch rating:\n{streamed}\n{batched}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=2, help="simulated days")
    parser.add_argument("--every", type=int, default=5, help="minutes between readings")
    parser.add_argument("--statement-every", type=int, default=2, help="readings a statement")
    parser.add_argument("--meter", choices=sorted(POLICIES), default="counter")
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()
    kind = POLICIES[arguments.meter][0]
    plan, meter = setting(arguments.meter)
    stream(readings(1, 60, kind, 0), 2, plan, meter)  # warm up: imports, first calls
    records = readings(arguments.days, arguments.every, kind, arguments.seed)
    started = time.process_time()
    lines = stream(records, arguments.statement_every, plan, meter)
    seconds = time.process_time() - started
    check(lines, records, plan, meter)
    print(
        f"{arguments.meter}, {len(records):,} readings over {arguments.days} "
        f"day{'s' if arguments.days != 1 else ''}, a statement "
        f"every {arguments.statement_every}: {seconds:.2f} s CPU, "
        f"{seconds / arguments.days:.3f} s per day, "
        f"{seconds / len(records) * 1e6:,.0f} us per reading (lines equal batch rating)"
    )


if __name__ == "__main__":
    main()
