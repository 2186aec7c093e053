"""Metering throughput: a month of a fleet's records metered into monthly usage rows.

Generates, deterministically (seeded), ``--records`` usage records (default 1,000,000):
100 per resource, 10 resources per account (so 10,000 resources of 1,000 accounts by
default), over March 2026. Each resource is created (a START with a flavor) in the first
ten days, then stops and starts again, is resized while running, a few STOPs are
duplicated, and about a third are deleted before the month ends; the rest still run at
``as_of`` (the end of March). Between its events a resource sends bytes: egress samples
(deltas at an instant). The records arrive in time order.

The records are metered by three meters (instance-hours while running, MB-hours of the
flavor's memory while running, bytes of egress) into monthly rows of a monthly cycle in
UTC, and the script prints:

- records/s of building the records (``Event``/``Sample`` from plain values, and a
  ``RecordBatch`` of plain tuples: the lean path) and of ``meter(...)`` of each;
- the ratio to the naive start/stop loop of seed 000 (``resources = {}; for event in
  events: if start: resources[uuid] = time else: duration(...)``), run in the same process
  on the same events;
- peak memory (tracemalloc) while metering, and memory per open resource.

With a million records alive, CPython's cyclic garbage collector rescans them on every
full collection while ``meter()`` allocates its rows; ``--freeze`` moves the built records
out of its reach (``gc.freeze()``), as a long-running host can do with data it keeps, and
shows what the metering code itself costs.

Usage::

    python benchmarks/metering_bench.py                 # 1,000,000 records
    python benchmarks/metering_bench.py --records 100000
    python benchmarks/metering_bench.py --freeze
    python -m cProfile -s cumtime benchmarks/metering_bench.py --records 200000
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import operator
import random
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

MARCH_START_US = 1_772_323_200_000_000  # 2026-03-01T00:00:00Z
APRIL_START_US = 1_775_001_600_000_000  # 2026-04-01T00:00:00Z
DAY_US = 86_400_000_000
RECORDS_PER_RESOURCE = 100
RESOURCES_PER_ACCOUNT = 10
FLAVORS = {"m1.small": 2048, "m1.medium": 4096, "m1.large": 8192, "m1.xlarge": 16384}
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class Raw(NamedTuple):
    """One record as a feed would deliver it: plain values only."""

    kind: str  # "start", "update", "stop", "delete" or "sample"
    id: str
    account: str
    resource: str
    at_us: int
    flavor: str | None  # for start/update
    value: int  # bytes, for a sample


def generate(records: int, seed: int = 2026) -> list[Raw]:
    """``records`` raw records, 100 per resource, in time order (deterministic)."""
    rng = random.Random(seed)
    uniform = rng.random
    out: list[tuple[int, str, str, str, str | None, int]] = []  # at_us first, for the sort
    resources = max(1, records // RECORDS_PER_RESOURCE)
    flavors = list(FLAVORS)
    for index in range(resources):
        account = f"acct-{index // RESOURCES_PER_ACCOUNT:04d}"
        resource = f"vm-{index:05d}"
        budget = RECORDS_PER_RESOURCE if index < resources - 1 else records - len(out)
        n_events = min(budget, rng.randint(12, 28))
        created = MARCH_START_US + rng.randrange(10 * DAY_US)
        deleted = rng.random() < 0.35
        end = APRIL_START_US - 1 if not deleted else rng.randrange(created + DAY_US, APRIL_START_US)
        times = sorted(rng.randrange(created + 1, end) for _ in range(n_events - 1))
        flavor = rng.choice(flavors)
        mine = [(created, "start", account, resource, flavor, 0)]
        running = True
        for position, at_us in enumerate(times):
            if deleted and position == len(times) - 1:
                mine.append((at_us, "delete", account, resource, None, 0))
                break
            roll = uniform()
            if running and roll < 0.45:
                mine.append((at_us, "stop", account, resource, None, 0))
                running = False
            elif running and roll < 0.50:
                # a duplicate STOP, as Cloud Foundry sometimes sends (seed 003)
                mine.append((at_us, "stop", account, resource, None, 0))
                mine.append((at_us + 1, "stop", account, resource, None, 0))
                running = False
            elif running:
                # a resize: START after START with another flavor (seed 003's scaling)
                flavor = rng.choice([f for f in flavors if f != flavor])
                mine.append((at_us, "start", account, resource, flavor, 0))
            else:
                mine.append((at_us, "start", account, resource, flavor, 0))
                running = True
        # egress samples between creation and the end, as many as the budget leaves
        width = (mine[-1][0] if deleted else end) - created
        mine.extend(
            (
                created + int(uniform() * width),
                "sample",
                account,
                resource,
                None,
                1 + int(uniform() * 1e9),
            )
            for _ in range(budget - len(mine))
        )
        out.extend(mine)
    out.sort(key=operator.itemgetter(0))  # stable: a resource's own order is kept on ties
    return [
        Raw(kind, f"r{number}", account, resource, at_us, flavor, value)
        for number, (at_us, kind, account, resource, flavor, value) in enumerate(out, 1)
    ]


def naive_loop(events: Sequence[Raw]) -> list[tuple[str, int]]:
    """Seed 000's loop: remember each start; a stop yields the duration since it."""
    resources: dict[str, int] = {}
    metering: list[tuple[str, int]] = []
    for event in events:
        uuid = event.resource
        at = event.at_us
        if event.kind == "start":
            resources[uuid] = at
        else:
            started = resources.pop(uuid, None)  # the seed's version raises on a 2nd STOP
            if started is not None:
                metering.append((uuid, at - started))
    return metering


def _instant(at_us: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=at_us)


def build_records(raws: Sequence[Raw]) -> list[Any]:
    """The ratekit records for ``raws`` (built at the door, from plain values)."""
    import ratekit as rk

    attributes = {name: {"flavor": name, "memory_mb": mb} for name, mb in FLAVORS.items()}
    records: list[Any] = []
    append = records.append
    for raw in raws:
        at = _instant(raw.at_us)
        if raw.kind == "sample":
            append(rk.Sample(raw.account, raw.resource, "egress", at, raw.value, id=raw.id))
        elif raw.flavor is not None:
            append(
                rk.Event(
                    raw.account, raw.resource, at, attributes[raw.flavor], kind=raw.kind, id=raw.id
                )
            )  # type: ignore[arg-type]
        else:
            append(rk.Event(raw.account, raw.resource, at, kind=raw.kind, id=raw.id))  # type: ignore[arg-type]
    return records


def build_batch(raws: Sequence[Raw]) -> Any:
    """The same records through the lean path: a ``RecordBatch`` of plain tuples (no datetime)."""
    import ratekit as rk

    attributes: dict[str | None, Any] = {
        name: {"flavor": name, "memory_mb": mb} for name, mb in FLAVORS.items()
    }
    attributes[None] = None
    events = [
        (raw.account, raw.resource, raw.at_us, raw.kind, attributes[raw.flavor], raw.id)
        for raw in raws
        if raw.kind != "sample"
    ]
    samples = [
        (raw.account, raw.resource, "egress", raw.at_us, raw.value, "delta", raw.id)
        for raw in raws
        if raw.kind == "sample"
    ]
    return rk.RecordBatch.from_tuples(events, samples)


def meters() -> list[Any]:
    """Instance-hours while running, MB-hours of the flavor's memory, bytes of egress."""
    import ratekit as rk

    return [
        rk.Meter("runtime", "hour", rk.OnOff()),
        rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb")),
        rk.Meter("egress", "B", rk.Discrete()),
    ]


def meter_month(records: Sequence[Any]) -> Any:
    """Meter ``records`` into the monthly rows of March 2026 (UTC), as of April 1st."""
    import ratekit as rk

    march = rk.Span.from_us(MARCH_START_US, APRIL_START_US)
    return rk.meter(
        records, meters(), span=march, cycle=rk.cycles.monthly(tz="UTC"), as_of=march.end
    )


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    gc.collect()
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def traced(function: Callable[[], Any]) -> tuple[Any, int, int]:
    """``function()``, the peak traced memory above the start, and the memory it retains."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = function()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak - before, current - before


def parse_arguments(description: str) -> argparse.Namespace:
    """The options every benchmark over the generated month takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--records", type=int, default=1_000_000, help="how many records")
    parser.add_argument("--seed", type=int, default=2026, help="the random seed")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    parser.add_argument(
        "--freeze",
        action="store_true",
        help="gc.freeze() the built records, so the collector stops rescanning them",
    )
    return parser.parse_args()


def _lean(raws: Sequence[Raw]) -> tuple[float, float, int]:
    """Seconds to build the RecordBatch and to meter it, and its size (then released)."""
    batch, build_seconds = timed(lambda: build_batch(raws))
    _, meter_seconds = timed(lambda: meter_month(batch))
    return build_seconds, meter_seconds, len(batch)


def main() -> None:
    arguments = parse_arguments(__doc__.splitlines()[0])

    raws, seconds = timed(lambda: generate(arguments.records, arguments.seed))
    events = [raw for raw in raws if raw.kind != "sample"]
    resources = len({raw.resource for raw in raws})
    accounts = len({raw.account for raw in raws})
    print(
        f"generated {len(raws):,} records ({len(events):,} events, {len(raws) - len(events):,} "
        f"samples) for {resources:,} resources of {accounts:,} accounts in {seconds:.1f} s"
    )

    records, build_seconds = timed(lambda: build_records(raws))
    print(
        f"built the ratekit records:          {build_seconds:7.2f} s  "
        f"{len(records) / build_seconds:>11,.0f} records/s"
    )
    batch_seconds, batch_meter_seconds, batch_size = _lean(raws)
    print(
        f"built a RecordBatch (lean path):    {batch_seconds:7.2f} s  "
        f"{batch_size / batch_seconds:>11,.0f} records/s"
    )
    print(
        f"meter() of the RecordBatch:         {batch_meter_seconds:7.2f} s  "
        f"{batch_size / batch_meter_seconds:>11,.0f} records/s"
    )
    if arguments.freeze:
        gc.collect()
        gc.freeze()
        print("records frozen out of the garbage collector's reach (gc.freeze())")
    rss_before = _max_rss_mib()
    usage, meter_seconds = timed(lambda: meter_month(records))
    rss_growth = _max_rss_mib() - rss_before
    print(
        f"meter(): {len(usage.rows):,} rows   {meter_seconds:7.2f} s  "
        f"{len(records) / meter_seconds:>11,.0f} records/s"
    )
    event_records = [record for record in records if not hasattr(record, "meter")]
    _, events_seconds = timed(lambda: meter_month(event_records))
    print(
        f"meter(), the events alone:          {events_seconds:7.2f} s  "
        f"{len(event_records) / events_seconds:>11,.0f} events/s"
    )
    _, naive_seconds = timed(lambda: naive_loop(events))
    print(
        f"naive start/stop loop (seed 000):   {naive_seconds:7.2f} s  "
        f"{len(events) / naive_seconds:>11,.0f} events/s"
    )
    print(
        f"ratio to the naive loop, same events, same process: meter() takes "
        f"{events_seconds / naive_seconds:.1f}x its time "
        f"({events_seconds / len(events) * 1e6:.2f} vs {naive_seconds / len(events) * 1e6:.2f} "
        f"us per event; the naive loop handles no resize, duplicate, cycle, unit or sample)"
    )
    anomalies: dict[str, int] = {}
    for anomaly in usage.anomalies:
        anomalies[anomaly.kind] = anomalies.get(anomaly.kind, 0) + 1
    print(f"anomalies: {anomalies}")
    for name in ("runtime", "memory", "egress"):
        print(f"  total {name}: {usage.total(name)}")
    print(
        f"peak resident memory of the process: {_max_rss_mib():,.0f} MiB "
        f"(it grew by {rss_growth:,.0f} MiB during meter())"
    )
    if arguments.no_memory:
        return

    del usage
    usage, peak, retained = traced(lambda: meter_month(records))
    open_states = sum(1 for state in usage.state if state.status == "running")
    print(
        f"peak memory while metering (tracemalloc, above the records): {peak / 2**20:,.1f} MiB "
        f"({peak / resources:,.0f} B per resource); the result retains {retained / 2**20:,.1f} MiB"
    )
    states = usage.state
    del usage
    gc.collect()
    _, _, state_bytes = traced(lambda: [_copy_state(state) for state in states])
    print(
        f"memory per open resource (the ResourceState carried to the next call): "
        f"{state_bytes / len(states):,.0f} B on average over {len(states):,} resources "
        f"({open_states:,} running at as_of)"
    )


def _max_rss_mib() -> float:
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS


def _copy_state(state: Any) -> Any:
    """A fresh copy of a resource's state (its own description), to measure its size."""
    import ratekit as rk

    return rk.ResourceState.from_json(state.to_json())


if __name__ == "__main__":
    main()
