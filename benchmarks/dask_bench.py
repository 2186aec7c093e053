"""Scale-out: the fleet month rated in one process, then by account on a 2-worker Dask cluster.

The fleet benchmark's workload and plan (``fleet_bench.fleet``, ``fleet_bench.plan``;
1,000,000 records by default), from the feed's plain tuples to invoices:

- one process: build the records, ``rk.rate(records, plan, meters=...)``, ``rk.bill``;
- Dask, on a ``distributed.LocalCluster`` of ``--workers`` worker processes (one thread
  each), the records built on the workers from the same tuples, by both functions in turn:
  ``ratekit.scaleout.rate_by_account`` (every charge and usage row sent back) and
  ``ratekit.scaleout.bill_by_account`` (the invoices, anomalies and ``no_effect`` only);
  - *pre-partitioned*: the tuples cut by account in the calling process (``partition_of``),
    each part (``--parts``, by default two per worker) sent to its worker as its six
    columns (one pickled list each, zipped back into the same tuples on the worker), one
    bag partition per part, ``shuffle=False``;
  - *shuffled* (``--shuffle``): the tuples in arbitrary bag partitions, regrouped by
    account by Dask's shuffle (every record pickled across processes once more).

Each Dask result is checked equal to the single-process one (``rate_by_account``: the
same charges in the same order, the same invoices; ``bill_by_account``: the same
invoices in the same order, anomalies and ``no_effect``), and the script prints the
seconds (median of ``--repeat``, the two functions run in turn) and both speed-ups, with
the load average (``os.getloadavg``). The times include cutting the tuples by account,
sending them to the workers, sending the results back and the merge, not the cluster's
start (the workers import once before). On a machine whose cores are busy with other
work, the speed-up is bounded by the cores actually free; so each run also prints the CPU
seconds of every process (the calling process, with the scheduler in it, and the
workers), of which two cores need at least half. The cluster runs without work stealing:
each part is placed on its worker, and Dask, which sizes a built part as a few hundred
bytes, would otherwise move its records between workers (1.3 s of CPU on the sender).

``--steps`` times, in this one process and without Dask, the CPU each step of a part
takes (``time.process_time``, best of ``--repeat``): the driver cutting the tuples and
pickling them (as tuples before, as columns now), a worker unpickling them, building the
records, rating and billing them, encoding the part's result in the wire form (against
plain ``pickle``, and invoices only as ``bill_by_account`` sends them, its ``no_effect``
worked out), then the calling process decoding every part and merging them (both ways).

Usage::

    python benchmarks/dask_bench.py                    # 1,000,000 records, 2 workers
    python benchmarks/dask_bench.py --records 200000 --shuffle
    python benchmarks/dask_bench.py --records 200000 --steps
    python benchmarks/dask_bench.py --parts 2             # one part per worker
    python benchmarks/dask_bench.py --only bill           # bill_by_account alone
"""

from __future__ import annotations

import argparse
import functools
import os
import pickle
import sys
import time
from collections.abc import Callable
from operator import itemgetter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fleet_bench as fb  # the workload and the plan, shared

HERE = Path(__file__).resolve().parent


def build_one(row: fb.Tuple) -> Any:
    """One record from one tuple (run on the workers)."""
    return fb.build([row])[0]


def build_part(rows: bytes) -> list[Any]:
    """A partition's records from its pickled tuples (run on the workers)."""
    return fb.build(pickle.loads(rows))


#: the tuples' fields, one getter each: a part travels as its columns
FIELDS = tuple(itemgetter(number) for number in range(6))


def packed(part: list[fb.Tuple]) -> bytes:
    """A part's tuples as one pickled list of columns (in the calling process).

    Pickling a list of tuples costs about three times as much as pickling their six
    columns: each tuple is an object of its own, memoised and rebuilt on the way.
    """
    return pickle.dumps([list(map(field, part)) for field in FIELDS], protocol=5)


def unpacked(blob: bytes) -> list[fb.Tuple]:
    """The tuples of ``packed(part)``, equal to the part's (on the workers)."""
    return list(zip(*pickle.loads(blob), strict=True))


def build_columns(blob: bytes) -> list[Any]:
    """A part's records from its pickled columns: the same tuples, built (on the workers)."""
    return fb.build(unpacked(blob))


def single(tuples: list[fb.Tuple], plan: Any) -> tuple[Any, Any]:
    import ratekit as rk

    month = rk.Span.from_us(fb.MONTH_START_US, fb.MONTH_END_US)
    rating = rk.rate(fb.build(tuples), plan, span=month, meters=fb.meters())
    return rating, rk.bill(rating)


def on_dask(
    tuples: list[fb.Tuple], plan: Any, parts: int, shuffle: bool, bills: bool = False
) -> Any:
    """``rate_by_account`` (the charges back), or with ``bills`` ``bill_by_account``.

    ``parts`` parts, sent to the workers in turn (part n to worker n modulo the workers).
    """
    import dask
    import dask.bag
    import distributed

    import ratekit as rk
    from ratekit.scaleout import bill_by_account, rate_by_account

    month = rk.Span.from_us(fb.MONTH_START_US, fb.MONTH_END_US)
    if shuffle:
        futures = distributed.get_client().scatter(
            [pickle.dumps(tuples[start::parts]) for start in range(parts)]
        )
        bag = dask.bag.from_delayed([dask.delayed(build_part)(part) for part in futures])
    else:
        client = distributed.get_client()
        names = sorted(client.scheduler_info()["workers"])
        built = []
        for number, part in enumerate(by_account(tuples, parts)):
            # scattered, not embedded in the task graph (which would hash every tuple),
            # pickled as one string (Dask's serialisation walks a list item by item), one
            # part at a time to its own worker, whose building starts while the next part
            # is pickled here
            where = [names[number % len(names)]]
            # hash=False: named at random, not by an md5 of the bytes (0.33 s of the
            # calling process's CPU at 1,000,000 records, on the thread that talks to
            # the workers)
            sent = client.scatter(packed(part), workers=where, hash=False)
            built.append(client.submit(build_columns, sent, workers=where, pure=False))
        bag = dask.bag.from_delayed(built)
    run = bill_by_account if bills else rate_by_account
    return run(bag, plan, span=month, meters=fb.meters(), shuffle=shuffle)


def by_account(tuples: list[fb.Tuple], workers: int) -> list[list[fb.Tuple]]:
    """The tuples cut by account into ``workers`` parts (``partition_of``, once per account)."""
    from ratekit.scaleout import partition_of

    parts: list[list[fb.Tuple]] = [[] for _ in range(workers)]
    appends = [part.append for part in parts]
    where: dict[str, Callable[[fb.Tuple], None]] = {}
    for row in tuples:
        append = where.get(row[1])
        if append is None:
            append = where[row[1]] = appends[partition_of(row[1], workers)]
        append(row)
    return parts


def steps(tuples: list[fb.Tuple], plan: Any, workers: int, repeat: int) -> None:
    """Each step of the pre-partitioned run, timed in this process (best of ``repeat``)."""
    import ratekit as rk
    from ratekit import _scaleout_merge, _scaleout_parts, _wire

    def best(label: str, function: Callable[[], Any]) -> Any:
        times, result = [], None
        for _ in range(repeat):
            started = time.process_time()
            result = function()
            times.append(time.process_time() - started)
        print(f"  {label:<44} {min(times):7.3f} s")
        return result

    month = rk.Span.from_us(fb.MONTH_START_US, fb.MONTH_END_US)
    rate_part = functools.partial(
        _scaleout_parts.rate_part,
        plans=plan,
        span=month,
        meters=tuple(fb.meters()),
        as_of=None,
        by_resource=False,
        tz=None,
    )
    print("one process, for comparison:")
    best("build, rate and bill every record", lambda: single(tuples, plan))
    print("in the calling process:")
    parts = best("cut the tuples by account", lambda: by_account(tuples, workers))
    best("pickle the parts' tuples (before)", lambda: [pickle.dumps(part) for part in parts])
    sent = best("pickle the parts' columns", lambda: [packed(part) for part in parts])
    blobs, results, bare = [], [], []
    for number, blob in enumerate(sent):
        print(f"on worker {number}:")
        got = best("unpickle the columns, zip them", lambda blob=blob: unpacked(blob))
        records = best("build the records", lambda got=got: fb.build(got))
        result = best("rate and bill", lambda records=records: rate_part(records))
        charges, rows = len(result[0].charges), len(result[0].rows)
        print(f"  ({charges:,} charges, {rows:,} usage rows, {len(result[1]):,} invoices)")
        wire = best("encode (wire form)", lambda result=result: _wire.encode(result))
        pickled = best(
            "encode (plain pickle, before)",
            lambda result=result: pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL),
        )
        print(f"  bytes: wire form {len(wire):,}, plain pickle {len(pickled):,}")
        only = best(
            "encode, invoices only (bill_by_account)",
            lambda result=result: _wire.encode(_scaleout_merge.bills_only(*result, inventories=())),
        )
        print(f"  bytes: invoices only {len(only):,}")
        blobs.append((wire, pickled))
        bare.append(only)
        results.append(result)
    del results
    print("in the calling process:")
    decoded = best("decode every part (wire form)", lambda: [_wire.decode(w) for w, _ in blobs])
    best("decode every part (plain pickle, before)", lambda: [pickle.loads(p) for _, p in blobs])
    best("merge", lambda: _scaleout_merge.merged(decoded))
    only = best("decode every part, invoices only", lambda: [_wire.decode(b) for b in bare])
    best("merge, invoices only", lambda: _scaleout_merge.merged_bills(only))


def load() -> str:
    """The load average over 1, 5 and 15 minutes (other work on the machine)."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def median(function: Any, repeat: int) -> tuple[Any, float, float]:
    """``function()``, then the median of its wall seconds and of its CPU seconds."""
    times, cpu, result = [], [], None
    for _ in range(repeat):
        used, started = time.process_time(), time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    return result, sorted(times)[len(times) // 2], sorted(cpu)[len(cpu) // 2]


def cpu_seconds(client: Any) -> float:
    """The CPU seconds used so far by this process (and the scheduler in it) and the workers.

    On two cores the wall clock of a run is at least half the CPU it took: the figure to
    watch where other work on the machine makes the wall clock noisy.
    """
    return time.process_time() + sum(client.run(time.process_time).values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="how many records")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument(
        "--parts",
        type=int,
        default=None,
        help="parts the tuples are cut into (default: two per worker)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the median is shown")
    parser.add_argument("--shuffle", action="store_true", help="also time the shuffled input")
    parser.add_argument(
        "--only",
        choices=["rate", "bill"],
        default=None,
        help="time only rate_by_account or only bill_by_account",
    )
    parser.add_argument(
        "--steps", action="store_true", help="time each step in this process, without Dask"
    )
    arguments = parser.parse_args()
    # two parts per worker: each worker starts on its first part while the calling
    # process still cuts and packs the rest (one part each: 1.50x; two: 1.75x; four: 1.70x)
    parts = 2 * arguments.workers if arguments.parts is None else arguments.parts
    # the workers import this directory's modules (build_part) and ratekit as we do
    inherited = [
        str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p
    ]
    os.environ["PYTHONPATH"] = os.pathsep.join([str(HERE), *inherited])

    import dask
    import distributed

    tuples = fb.fleet(arguments.records)
    plan = fb.plan()
    if arguments.steps:
        print(f"fleet: {len(tuples):,} tuples, {parts} parts; best of {arguments.repeat}")
        steps(tuples, plan, parts, arguments.repeat)
        return
    print(
        f"fleet: {len(tuples):,} tuples; median of {arguments.repeat} runs; "
        f"{os.cpu_count()} cores on this machine; load average {load()}"
    )
    (rating, invoices), one, one_cpu = median(lambda: single(tuples, plan), arguments.repeat)
    print(
        f"one process:              {one:7.2f} s {len(tuples) / one:>11,.0f} records/s; "
        f"CPU {one_cpu:.2f} s; load average {load()}"
    )
    functions = {None: (False, True), "rate": (False,), "bill": (True,)}[arguments.only]
    with (
        dask.config.set({"distributed.scheduler.work-stealing": False}),
        distributed.LocalCluster(
            n_workers=arguments.workers,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        on_dask(tuples[:2000], plan, parts, False)  # the workers import, once
        modes = [False, True] if arguments.shuffle else [False]
        for shuffle in modes:
            # the two functions in turn, so that the machine's load weighs on both alike
            times: dict[bool, list[float]] = {bills: [] for bills in functions}
            cpu: dict[bool, list[float]] = {bills: [] for bills in functions}
            for _ in range(arguments.repeat):
                for bills in functions:
                    before = cpu_seconds(client)
                    started = time.perf_counter()
                    got = on_dask(tuples, plan, parts, shuffle, bills)
                    times[bills].append(time.perf_counter() - started)
                    cpu[bills].append(cpu_seconds(client) - before)
                    check(got, rating, invoices, bills)
                    del got
            for bills, runs in times.items():
                seconds = sorted(runs)[len(runs) // 2]
                used = sorted(cpu[bills])[len(runs) // 2]
                name = "shuffled" if shuffle else "pre-partitioned"
                what = "bill_by_account" if bills else "rate_by_account"
                print(
                    f"dask, {arguments.workers} workers, {parts} parts, {name}, {what + ':':<16} "
                    f"{seconds:7.2f} s {len(tuples) / seconds:>11,.0f} records/s, "
                    f"speed-up {one / seconds:.2f}x (result equal to one process's); "
                    f"CPU of every process {used:.2f} s; load average {load()}"
                )


def check(got: Any, rating: Any, invoices: Any, bills: bool) -> None:
    """The merged result equals one process's (the charges too, when they came back)."""
    if bills:
        merged_invoices, anomalies, no_effect = got
        same = (
            sorted(map(repr, anomalies)) == sorted(map(repr, rating.anomalies))
            and no_effect == rating.no_effect
        )
    else:
        merged, merged_invoices = got
        same = merged.charges == rating.charges and merged.no_effect == rating.no_effect
    if not same or merged_invoices != invoices:
        raise SystemExit("the merged result differs from the single-process one")


if __name__ == "__main__":
    main()
