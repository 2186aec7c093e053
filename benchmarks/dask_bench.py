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
the speed-up. The times include sending the tuples to the workers and the merge, not the
cluster's start. On a machine whose cores are busy with other work, the speed-up is
bounded by the cores actually free.

Usage::

    python benchmarks/dask_bench.py                    # 1,000,000 records, 2 workers
    python benchmarks/dask_bench.py --records 200000 --shuffle
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
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
    from ratekit.scaleout import partition_of, rate_by_account

    month = rk.Span.from_us(fb.MONTH_START_US, fb.MONTH_END_US)
    if shuffle:
        futures = distributed.get_client().scatter(
            [pickle.dumps(tuples[start::workers]) for start in range(workers)]
        )
        bag = dask.bag.from_delayed([dask.delayed(build_part)(part) for part in futures])
    else:
        parts: list[list[fb.Tuple]] = [[] for _ in range(workers)]
        for row in tuples:
            parts[partition_of(row[1], workers)].append(row)
        # scattered, not embedded in the task graph (which would hash every tuple)
        # (pickled as one string: Dask's serialisation walks a list item by item)
        futures = distributed.get_client().scatter([pickle.dumps(part) for part in parts])
        bag = dask.bag.from_delayed([dask.delayed(build_part)(part) for part in futures])
    return rate_by_account(bag, plan, span=month, meters=fb.meters(), shuffle=shuffle)


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
    arguments = parser.parse_args()
    # the workers import this directory's modules (build_part) and ratekit as we do
    inherited = [
        str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p
    ]
    os.environ["PYTHONPATH"] = os.pathsep.join([str(HERE), *inherited])

    import distributed

    tuples = fb.fleet(arguments.records)
    plan = fb.plan()
    print(
        f"fleet: {len(tuples):,} tuples; median of {arguments.repeat} runs; "
        f"{os.cpu_count()} cores on this machine"
    )
    (rating, invoices), one = median(lambda: single(tuples, plan), arguments.repeat)
    print(f"one process:              {one:7.2f} s {len(tuples) / one:>11,.0f} records/s")
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
                "(result equal to one process's)"
            )


if __name__ == "__main__":
    main()
