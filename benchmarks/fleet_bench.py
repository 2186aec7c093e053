"""The fleet benchmark: a month of a fleet from plain tuples to invoices, against a loop and pandas.

The workload (``--records``, 1,000,000 by default): 10,000 VMs of 1,000 accounts (100
records per VM, 10 VMs per account), generated with a fixed seed by the metering
benchmark's generator (``metering_bench.generate``: one generator, shared), then turned
into a feed's plain tuples ``(kind, account, resource, at_us, flavor, value)``:

- state events: ``start`` (running, with a flavor; a ``start`` while running with another
  flavor is a resize), ``stop`` (some sent twice), ``delete``; and egress delta samples
  (bytes, ``kind == "sample"``);
- the month is March 2026 in Europe/Zurich (743 hours: the generator's UTC month is
  mapped linearly onto it, order kept); VMs still running are charged up to its end;
- arrival order shuffled (seeded); no record ids.

The plan (one monthly cycle in Europe/Zurich, EUR, lines rounded half-even to the cent):
per-flavor hourly prices rising 10 % on March 15th (local midnight); memory in GiB-hours
at a per-unit price; egress graduated per account and cycle (the first 10 GB free, then
0.09 per GB up to 1 TB, then 0.05).

Three implementations of the same invoice totals run in one process on the same tuples:

1. ratekit, end to end: the lean path from the tuples (their columns, ``rk.RecordBatch.from_columns``:
   instants as integer microseconds, one shared description per flavor; ``--friendly``
   builds an ``Event``/``Sample`` per tuple instead), ``meter``, ``rate``, ``bill`` (timed
   per stage);
2. a hand-written per-resource loop (group by VM, sort by time, walk the states, integer
   microseconds, Decimal only for the per-account lines);
3. pandas (sort, shift within each VM, vectorised clipping at the price change, group
   sums in int64, Decimal only for the per-account lines).

Every account's invoice total is checked equal to the cent across the three; the script
exits with an error naming the first account that differs. It prints records/s, the
ratios (ratekit's time over the loop's and over pandas'), the peak memory above the input
(tracemalloc, in a separate run: tracing slows everything down) and, with ``--scale``,
ratekit's cost per record at several sizes (the issue's 300k vs 3M: ``--scale
300000,3000000``; not run by default).

Usage::

    python benchmarks/fleet_bench.py                       # 1,000,000 records
    python benchmarks/fleet_bench.py --records 100000
    python benchmarks/fleet_bench.py --scale 300000,3000000
    python benchmarks/fleet_bench.py --friendly            # the friendly constructors
    python benchmarks/fleet_bench.py --cpu                 # CPU time (a busy machine)
    python -m cProfile -s cumtime benchmarks/fleet_bench.py --records 100000 --no-memory
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import itertools
import operator
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import metering_bench as mb  # the one generator, shared

# March 2026 in Europe/Zurich: local midnight to local midnight (CET, then CEST from the 29th).
MONTH_START_US = 1_772_319_600_000_000  # 2026-02-28T23:00:00Z
MONTH_END_US = 1_774_994_400_000_000  # 2026-03-31T22:00:00Z
PRICE_CHANGE_US = 1_773_529_200_000_000  # 2026-03-14T23:00:00Z, March 15th local midnight
US_PER_HOUR = 3_600_000_000
GIB = {name: mb_ // 1024 for name, mb_ in mb.FLAVORS.items()}  # 2, 4, 8, 16 GiB
BEFORE = {"m1.small": "0.020", "m1.medium": "0.040", "m1.large": "0.080", "m1.xlarge": "0.160"}
AFTER = {name: str(Decimal(price) * Decimal("1.1")) for name, price in BEFORE.items()}
MEMORY_PRICE = "0.0025"  # per GiB-hour
GB = 10**9
EGRESS_TIERS = (
    (10 * GB, Decimal(0)),
    (1000 * GB, Decimal("0.09") / GB),
    (None, Decimal("0.05") / GB),
)
CENT = Decimal("0.01")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
#: The clock every figure is read on: wall time, or with --cpu the process's CPU time
#: (steadier on a machine shared with other work; every implementation runs in one thread).
CLOCK: list[Callable[[], float]] = [time.perf_counter]

Tuple = tuple[str, str, str, int, str | None, int]  # kind, account, resource, at_us, flavor, value


def fleet(records: int, seed: int = 2026) -> list[Tuple]:
    """The feed's plain tuples: the shared generator's month, in Zurich, shuffled, no ids."""
    raws = mb.generate(records, seed)
    source = mb.APRIL_START_US - mb.MARCH_START_US
    target = MONTH_END_US - MONTH_START_US
    out: list[Tuple] = [
        (
            raw.kind,
            raw.account,
            raw.resource,
            MONTH_START_US + (raw.at_us - mb.MARCH_START_US) * target // source,
            raw.flavor,
            raw.value,
        )
        for raw in raws
    ]
    random.Random(seed + 1).shuffle(out)
    return out


# -- ratekit ---------------------------------------------------------------------------------


def plan() -> Any:
    import ratekit as rk

    entries = [
        rk.PriceEntry(flavor, "runtime", rk.PerUnit(price), where={"flavor": flavor})
        for flavor, price in BEFORE.items()
    ]
    entries += [
        rk.PriceEntry(
            f"{flavor} from the 15th",
            "runtime",
            rk.PerUnit(price),
            where={"flavor": flavor},
            start=rk.Span.from_us(PRICE_CHANGE_US, PRICE_CHANGE_US + 1).start,
            priority=1,
        )
        for flavor, price in AFTER.items()
    ]
    entries += [
        rk.PriceEntry("memory", "memory", rk.PerUnit(MEMORY_PRICE)),
        rk.PriceEntry(
            "egress",
            "egress",
            rk.Graduated([rk.Tier(up_to, unit) for up_to, unit in EGRESS_TIERS]),
        ),
    ]
    return rk.Plan("fleet", "EUR", rk.cycles.monthly(tz="Europe/Zurich"), entries)


def meters() -> list[Any]:
    import ratekit as rk

    return [
        rk.Meter("runtime", "hour", rk.OnOff()),
        rk.Meter("memory", "GiB*hour", rk.Continuous("memory_gib")),
        rk.Meter("egress", "B", rk.Discrete()),
    ]


def build(tuples: Sequence[Tuple]) -> Any:
    """Stage 1, the lean path: the feed's tuples as a ``RecordBatch`` (no datetime made).

    The feed is split by columns at C speed (``map``, ``itertools.compress``): no tuple is
    made per record, so the cycle collector has nothing new to walk while the feed is
    read (a loop that appends a tuple per record to two lists took 0.45 s of CPU at
    300,000 records, 0.09 s of it three full collections; the columns 0.40 s). Each
    flavor's description is one mapping shared by every event that has it.
    """
    import ratekit as rk

    described = {name: {"flavor": name, "memory_gib": gib} for name, gib in GIB.items()}
    described[None] = None  # type: ignore[index]
    kinds, accounts, resources, instants, flavors, values = (
        list(map(operator.itemgetter(field), tuples)) for field in range(6)
    )
    is_sample = list(map("sample".__eq__, kinds))
    is_event = list(map(operator.not_, is_sample))
    compress = itertools.compress
    events = {
        "account": list(compress(accounts, is_event)),
        "resource": list(compress(resources, is_event)),
        "at_us": list(compress(instants, is_event)),
        "kind": list(compress(kinds, is_event)),
        "attributes": list(map(described.__getitem__, compress(flavors, is_event))),
    }
    samples = {
        "account": list(compress(accounts, is_sample)),
        "resource": list(compress(resources, is_sample)),
        "meter": ["egress"] * (len(tuples) - len(events["account"])),
        "at_us": list(compress(instants, is_sample)),
        "value": list(compress(values, is_sample)),
    }
    return rk.RecordBatch.from_columns(events, samples)


def build_friendly(tuples: Sequence[Tuple]) -> list[Any]:
    """Stage 1, the friendly path (``--friendly``): an ``Event``/``Sample`` per tuple."""
    import ratekit as rk

    described = {name: {"flavor": name, "memory_gib": gib} for name, gib in GIB.items()}
    event, sample, delta = rk.Event, rk.Sample, dt.timedelta
    records: list[Any] = []
    append = records.append
    for kind, account, resource, at_us, flavor, value in tuples:
        at = EPOCH + delta(microseconds=at_us)
        if kind == "sample":
            append(sample(account, resource, "egress", at, value))
        elif flavor is not None:
            append(event(account, resource, at, described[flavor], kind=kind))
        else:
            append(event(account, resource, at, kind=kind))
    return records


def ratekit_stages(
    tuples: Sequence[Tuple], the_plan: Any, builder: Callable[[Sequence[Tuple]], Any] = build
) -> tuple[dict[str, Decimal], dict[str, float]]:
    """Build, meter, rate, bill: each account's invoice total, and each stage's seconds."""
    import ratekit as rk

    month = rk.Span.from_us(MONTH_START_US, MONTH_END_US)
    seconds: dict[str, float] = {}
    clock = CLOCK[0]
    started = clock()
    records = builder(tuples)
    seconds["build records"] = clock() - started
    started = clock()
    usage = rk.meter(
        records,
        meters(),
        span=month,
        cycle=the_plan.cycle,
        as_of=month.end,
        cuts=the_plan.cuts(month),
    )
    seconds["meter"] = clock() - started
    started = clock()
    rating = rk.rate(usage, the_plan, span=month, as_of=month.end)
    seconds["rate"] = clock() - started
    started = clock()
    invoices = rk.bill(rating)
    seconds["bill"] = clock() - started
    totals = {invoice.account: invoice.total for invoice in invoices}
    if len(totals) != len(invoices):
        raise SystemExit("more than one invoice per account: the month was cut in two cycles")
    return totals, seconds


# -- the same totals by hand -----------------------------------------------------------------


def _lines(runtime: dict[tuple[str, bool], int], memory_us_gib: int, egress: int) -> Decimal:
    """An account's invoice total from its integer sums: each line rounded to the cent."""
    total = Decimal(0)
    for (flavor, after), microseconds in runtime.items():
        price = Decimal(AFTER[flavor] if after else BEFORE[flavor])
        total += (Decimal(microseconds) / US_PER_HOUR * price).quantize(CENT, ROUND_HALF_EVEN)
    if memory_us_gib:
        amount = Decimal(memory_us_gib) / US_PER_HOUR * Decimal(MEMORY_PRICE)
        total += amount.quantize(CENT, ROUND_HALF_EVEN)
    amount, below = Decimal(0), 0
    for up_to, unit in EGRESS_TIERS:
        top = egress if up_to is None else min(egress, up_to)
        if top > below:
            amount += (top - below) * unit
        below = top
    return total + amount.quantize(CENT, ROUND_HALF_EVEN)


def loop(tuples: Sequence[Tuple]) -> dict[str, Decimal]:
    """A hand-written per-resource loop: each account's invoice total."""
    events: dict[str, list[tuple[int, str, str | None]]] = defaultdict(list)
    owner: dict[str, str] = {}
    egress: dict[str, int] = defaultdict(int)
    for kind, account, resource, at_us, flavor, value in tuples:
        if kind == "sample":
            egress[account] += value
        else:
            events[resource].append((at_us, kind, flavor))
            owner[resource] = account
    runtime: dict[str, dict[tuple[str, bool], int]] = defaultdict(lambda: defaultdict(int))
    memory: dict[str, int] = defaultdict(int)
    change = PRICE_CHANGE_US
    for resource, mine in events.items():
        mine.sort(key=lambda item: item[0])
        account = owner[resource]
        by_price = runtime[account]
        running: str | None = None
        since = 0
        for at_us, kind, flavor in [*mine, (MONTH_END_US, "end", None)]:
            if running is not None and at_us > since:
                before = min(at_us, change) - since
                after = at_us - max(since, change)
                if before > 0:
                    by_price[running, False] += before
                if after > 0:
                    by_price[running, True] += after
                memory[account] += (at_us - since) * GIB[running]
            if kind == "start":
                running, since = flavor, at_us
            elif kind == "delete":
                break
            else:
                running = None
    accounts = set(owner.values()) | set(egress)
    return {
        account: _lines(runtime.get(account, {}), memory.get(account, 0), egress.get(account, 0))
        for account in sorted(accounts)
    }


def with_pandas(tuples: Sequence[Tuple]) -> dict[str, Decimal]:
    """The same totals with pandas: vectorised in int64, Decimal only for the lines."""
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame.from_records(
        tuples, columns=["kind", "account", "resource", "at_us", "flavor", "value"]
    )
    samples = frame["kind"].to_numpy() == "sample"
    egress = frame[samples].groupby("account")["value"].sum()
    events = frame[~samples].sort_values(["resource", "at_us"], kind="stable")
    nexts = events.groupby("resource", sort=False)["at_us"].shift(-1)
    events = events.assign(until=nexts.fillna(MONTH_END_US).astype("int64"))
    running = events[events["kind"].to_numpy() == "start"]
    start = running["at_us"].to_numpy()
    until = running["until"].to_numpy()
    running = running.assign(
        before=np.clip(np.minimum(until, PRICE_CHANGE_US) - start, 0, None),
        after=np.clip(until - np.maximum(start, PRICE_CHANGE_US), 0, None),
        memory=(until - start) * running["flavor"].map(GIB).to_numpy(),
    )
    by_flavor = running.groupby(["account", "flavor"])[["before", "after"]].sum()
    memory = running.groupby("account")["memory"].sum()
    runtime: dict[str, dict[tuple[str, bool], int]] = defaultdict(dict)
    for (account, flavor), before, after in zip(
        by_flavor.index, by_flavor["before"].tolist(), by_flavor["after"].tolist(), strict=True
    ):
        if before:
            runtime[account][flavor, False] = before
        if after:
            runtime[account][flavor, True] = after
    memory_of = dict(zip(memory.index, memory.tolist(), strict=True))
    egress_of = dict(zip(egress.index, egress.tolist(), strict=True))
    accounts = sorted(set(frame["account"].unique()))
    return {
        account: _lines(
            runtime.get(account, {}), memory_of.get(account, 0), egress_of.get(account, 0)
        )
        for account in accounts
    }


# -- the run ----------------------------------------------------------------------------------


def check(name: str, got: dict[str, Decimal], want: dict[str, Decimal]) -> None:
    """Fail loudly unless every account's total is equal to the cent."""
    if got.keys() != want.keys():
        missing = sorted(got.keys() ^ want.keys())[:5]
        raise SystemExit(f"{name}: other accounts than ratekit's, e.g. {missing}")
    for account, total in want.items():
        if got[account] != total:
            raise SystemExit(f"{name}: account {account} totals {got[account]}, ratekit {total}")


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    """The result and the seconds of one run, on ``CLOCK``, after a full collection."""
    gc.collect()
    clock = CLOCK[0]
    started = clock()
    result = function()
    return result, clock() - started


def best(function: Callable[[], Any], repeat: int) -> tuple[Any, float]:
    """The result and the median time of ``repeat`` runs."""
    times = []
    result = None
    for _ in range(repeat):
        result, seconds = timed(function)
        times.append(seconds)
    return result, sorted(times)[len(times) // 2]


def _positive(text: str) -> int:
    """An int of at least 1 (argparse's error otherwise)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a whole number of at least 1")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=_positive, default=1_000_000, help="how many records")
    parser.add_argument("--seed", type=int, default=2026, help="the random seed")
    parser.add_argument(
        "--repeat", type=_positive, default=3, help="runs of each; the median is shown"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    parser.add_argument(
        "--friendly",
        action="store_true",
        help="build the records with rk.Event/rk.Sample instead of the lean RecordBatch",
    )
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="time on the process's CPU clock instead of the wall clock (a shared machine)",
    )
    parser.add_argument(
        "--scale", default="", help="sizes for the cost per record, e.g. 300000,3000000"
    )
    arguments = parser.parse_args()
    try:
        sizes = [_positive(size) for size in arguments.scale.split(",") if size]
    except argparse.ArgumentTypeError as error:
        parser.error(f"argument --scale: {error}")
    if arguments.cpu:
        CLOCK[0] = time.process_time

    tuples, seconds = mb.timed(lambda: fleet(arguments.records, arguments.seed))
    n = len(tuples)
    print(
        f"fleet: {n:,} tuples of {len({t[2] for t in tuples}):,} VMs, "
        f"{len({t[1] for t in tuples}):,} accounts, {sum(t[0] == 'sample' for t in tuples):,} "
        f"egress samples (generated in {seconds:.1f} s); median of {arguments.repeat} runs, "
        f"{'CPU' if arguments.cpu else 'wall'} time; load average {os.getloadavg()[0]:.1f}"
    )
    the_plan = plan()
    builder = build_friendly if arguments.friendly else build
    stages: dict[str, list[float]] = defaultdict(list)
    ends = []
    for _ in range(arguments.repeat):
        (totals, split), _ = timed(lambda: ratekit_stages(tuples, the_plan, builder))
        for stage, took in split.items():
            stages[stage].append(took)
        ends.append(sum(split.values()))
    ratekit_seconds = sorted(ends)[len(ends) // 2]
    looped, loop_seconds = best(lambda: loop(tuples), arguments.repeat)
    framed, pandas_seconds = best(lambda: with_pandas(tuples), arguments.repeat)
    check("the loop", looped, totals)
    check("pandas", framed, totals)
    print(
        f"every account's total equal to the cent in all three ({len(totals):,} accounts, "
        f"{sum(totals.values())} EUR in all)"
    )
    print(
        f"ratekit, tuples to invoices: {ratekit_seconds:7.2f} s {n / ratekit_seconds:>11,.0f} records/s"
    )
    for stage, times in stages.items():
        took = sorted(times)[len(times) // 2]
        print(
            f"  {stage:<13} {took:7.2f} s ({took / ratekit_seconds:4.0%}, {took / n * 1e6:5.2f} us/record)"
        )
    print(
        f"hand-written loop:           {loop_seconds:7.2f} s {n / loop_seconds:>11,.0f} records/s"
    )
    print(
        f"pandas:                      {pandas_seconds:7.2f} s {n / pandas_seconds:>11,.0f} records/s"
    )
    print(
        f"ratios: ratekit takes {ratekit_seconds / loop_seconds:.2f}x the loop's time "
        f"and {ratekit_seconds / pandas_seconds:.2f}x pandas' (below 1 is faster)"
    )
    if not arguments.no_memory:
        _, peak, _ = mb.traced(lambda: ratekit_stages(tuples, the_plan, builder))
        print(
            f"peak memory above the input (tracemalloc, tuples to invoices): "
            f"{peak / 2**20:,.1f} MiB, {peak / n:,.0f} B per record"
        )
    for size in sizes:
        sized = fleet(size, arguments.seed)
        (_, split), _ = timed(lambda sized=sized: ratekit_stages(sized, the_plan, builder))
        total = sum(split.values())
        print(f"cost per record at {size:>10,}: {total / size * 1e6:6.2f} us ({total:.1f} s)")
        del sized


if __name__ == "__main__":
    main()
