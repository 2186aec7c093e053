"""Scale-out: the fleet month rated in one process, then by account on a 2-worker Dask cluster.

The fleet benchmark's workload and plan (``fleet_bench.fleet``, ``fleet_bench.plan``;
1,000,000 records by default), from the feed's plain tuples to invoices:

- one process: build the records, ``rk.rate(records, plan, meters=...)``, ``rk.bill``;
- Dask, ``ratekit.scaleout.rate_by_account`` on a ``distributed.LocalCluster`` of
  ``--workers`` worker processes (one thread each), the records built on the workers from
  the tuples:
  - *pre-partitioned*: the tuples cut by account in the calling process (``partition_of``),
    one bag partition per worker, ``shuffle=False``;
  - *shuffled* (``--shuffle``): the tuples in arbitrary bag partitions, regrouped by
    account by Dask's shuffle (every record pickled across processes once more).

Each Dask result is checked equal to the single-process one (the same charges in the same
order, the same invoices), and the script prints the seconds (median of ``--repeat``) and
the speed-up, with the load average before and after (``os.getloadavg``). The times
include cutting the tuples by account, sending them to the workers, sending the results
back and the merge, not the cluster's start. On a machine whose cores are busy with other
work, the speed-up is bounded by the cores actually free.

``--steps`` times, in this one process and without Dask, what each part goes through
(best of ``--repeat``): the driver cutting the tuples and pickling them, a worker
unpickling them, building the records, rating and billing them, encoding the part's
result in the wire form (against plain ``pickle``), then the calling process decoding
every part (against ``pickle``) and merging them.

Usage::

    python benchmarks/dask_bench.py                    # 1,000,000 records, 2 workers
    python benchmarks/dask_bench.py --records 200000 --shuffle
    python benchmarks/dask_bench.py --records 200000 --steps
"""

from __future__ import annotations

import argparse
import functools
import os
import pickle
import sys
import time
from collections.abc import Callable
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


def single(tuples: list[fb.Tuple], plan: Any) -> tuple[Any, Any]:
    import ratekit as rk

    month = rk.Span.from_us(fb.MONTH_START_US, fb.MONTH_END_US)
    rating = rk.rate(fb.build(tuples), plan, span=month, meters=fb.meters())
    return rating, rk.bill(rating)


def on_dask(tuples: list[fb.Tuple], plan: Any, workers: int, shuffle: bool) -> tuple[Any, Any]:
    import dask
    import dask.bag
    import distributed

    import ratekit as rk
    from ratekit.scaleout import rate_by_account

    month = rk.Span.from_us(fb.MONTH_START_US, fb.MONTH_END_US)
    if shuffle:
        futures = distributed.get_client().scatter(
            [pickle.dumps(tuples[start::workers]) for start in range(workers)]
        )
        bag = dask.bag.from_delayed([dask.delayed(build_part)(part) for part in futures])
    else:
        client = distributed.get_client()
        names = sorted(client.scheduler_info()["workers"])
        built = []
        for number, part in enumerate(by_account(tuples, workers)):
            # scattered, not embedded in the task graph (which would hash every tuple),
            # pickled as one string (Dask's serialisation walks a list item by item), one
            # part at a time to its own worker, whose building starts while the next part
            # is pickled here
            where = [names[number % len(names)]]
            sent = client.scatter(pickle.dumps(part), workers=where)
            built.append(client.submit(build_part, sent, workers=where, pure=False))
        bag = dask.bag.from_delayed(built)
    return rate_by_account(bag, plan, span=month, meters=fb.meters(), shuffle=shuffle)


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
    from ratekit import _wire, scaleout

    def best(label: str, function: Callable[[], Any]) -> Any:
        times, result = [], None
        for _ in range(repeat):
            started = time.perf_counter()
            result = function()
            times.append(time.perf_counter() - started)
        print(f"  {label:<44} {min(times):7.3f} s")
        return result

    month = rk.Span.from_us(fb.MONTH_START_US, fb.MONTH_END_US)
    rate_part = functools.partial(
        scaleout._rate_part,
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
    sent = best("pickle the parts' tuples", lambda: [pickle.dumps(part) for part in parts])
    blobs, results = [], []
    for number, blob in enumerate(sent):
        print(f"on worker {number}:")
        got = best("unpickle the tuples", lambda blob=blob: pickle.loads(blob))
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
        blobs.append((wire, pickled))
        results.append(result)
    del results
    print("in the calling process:")
    decoded = best("decode every part (wire form)", lambda: [_wire.decode(w) for w, _ in blobs])
    best("decode every part (plain pickle, before)", lambda: [pickle.loads(p) for _, p in blobs])
    best("merge", lambda: scaleout._merge(decoded))


def load() -> str:
    """The load average over 1, 5 and 15 minutes (other work on the machine)."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def median(function: Any, repeat: int) -> tuple[Any, float]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return result, sorted(times)[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="how many records")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the median is shown")
    parser.add_argument("--shuffle", action="store_true", help="also time the shuffled input")
    parser.add_argument(
        "--steps", action="store_true", help="time each step in this process, without Dask"
    )
    arguments = parser.parse_args()
    # the workers import this directory's modules (build_part) and ratekit as we do
    inherited = [
        str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p
    ]
    os.environ["PYTHONPATH"] = os.pathsep.join([str(HERE), *inherited])

    import distributed

    tuples = fb.fleet(arguments.records)
    plan = fb.plan()
    if arguments.steps:
        print(
            f"fleet: {len(tuples):,} tuples, {arguments.workers} parts; best of {arguments.repeat}"
        )
        steps(tuples, plan, arguments.workers, arguments.repeat)
        return
    print(
        f"fleet: {len(tuples):,} tuples; median of {arguments.repeat} runs; "
        f"{os.cpu_count()} cores on this machine; load average {load()}"
    )
    (rating, invoices), one = median(lambda: single(tuples, plan), arguments.repeat)
    print(
        f"one process:              {one:7.2f} s {len(tuples) / one:>11,.0f} records/s; "
        f"load average {load()}"
    )
    with (
        distributed.LocalCluster(
            n_workers=arguments.workers,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster),
    ):
        modes = [False, True] if arguments.shuffle else [False]
        for shuffle in modes:
            (merged, merged_invoices), seconds = median(
                lambda shuffle=shuffle: on_dask(tuples, plan, arguments.workers, shuffle),
                arguments.repeat,
            )
            if merged.charges != rating.charges or merged_invoices != invoices:
                raise SystemExit("the merged result differs from the single-process one")
            name = "shuffled" if shuffle else "pre-partitioned"
            print(
                f"dask, {arguments.workers} workers, {name + ':':<16} {seconds:7.2f} s "
                f"{len(tuples) / seconds:>11,.0f} records/s, speed-up {one / seconds:.2f}x "
                f"(result equal to one process's); load average {load()}"
            )


if __name__ == "__main__":
    main()
