"""The streaming rater: a month of records fed in batches, next to one batch rate().

Generates the month of ``metering_bench.py`` (``--records``, default 1,000,000, in time
order) and prices it with the plan of ``rating_bench.py``. Then, in the same process:

- **batch**: ``rk.rate(records, plan, span=March, meters=...)``, once;
- **stream**: a ``rk.Rater`` fed the same records in batches of ``--batch`` (1,000), with
  a statement every ``--statement-every`` batches (100) at the watermark of the records
  fed so far, a snapshot (``json.dumps``) every ``--snapshot-every`` batches (1,000),
  and a last statement that closes March (horizon: one day). With
  ``--inventory-every N``, every N-th batch ends with an inventory snapshot of every
  resource that exists (seen and not deleted), as a reconciler sends it (seed 000): it
  confirms what the records say, and the batch ``rate()`` gets the same snapshots.

It prints the time of each, the microseconds per record amortised over feeding and
rating (and the CPU time of ``feed()`` alone), the stream's time as a multiple of the batch's, the snapshot size per open
resource, and checks that the stream's lines add up to the batch's charges exactly.

``--year`` runs a smaller stream over a year of monthly cycles (``--year-records`` per
month, default 20,000) and prints the snapshot size after each month closes: the state
must stay flat. ``--profile`` runs the stream under cProfile and prints where the time
goes.

Usage::

    python benchmarks/rater_bench.py                    # 1,000,000 records
    python benchmarks/rater_bench.py --records 100000 --profile
    python benchmarks/rater_bench.py --records 100000 --profile --sort tottime --rows 45
    python benchmarks/rater_bench.py --records 100000 --year
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import decimal
import functools
import gc
import json
import pstats
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import metering_bench as mb  # the generator and the record builder, shared
import rating_bench as rb  # the plan, shared

EXACT = decimal.Context(prec=decimal.MAX_PREC, traps=[decimal.Inexact])


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="records in the month")
    parser.add_argument("--seed", type=int, default=2026, help="the random seed")
    parser.add_argument("--batch", type=int, default=1_000, help="records per feed() call")
    parser.add_argument("--statement-every", type=int, default=100, help="batches per statement")
    parser.add_argument("--snapshot-every", type=int, default=1_000, help="batches per snapshot")
    parser.add_argument(
        "--inventory-every",
        type=int,
        default=0,
        help="batches per inventory snapshot of every resource that exists (0: none)",
    )
    parser.add_argument("--profile", action="store_true", help="profile the stream (cProfile)")
    parser.add_argument(
        "--sort", default="cumulative", help="with --profile: the order (cumulative, tottime, ...)"
    )
    parser.add_argument("--rows", type=int, default=18, help="with --profile: the rows printed")
    parser.add_argument(
        "--breakdown", action="store_true", help="the last snapshot's bytes per part of its body"
    )
    parser.add_argument("--year", action="store_true", help="also run a year of monthly cycles")
    parser.add_argument("--year-records", type=int, default=20_000, help="records per month")
    return parser.parse_args()


def stream(
    records: Sequence[Any], plan: Any, arguments: argparse.Namespace
) -> tuple[list[Any], list[int], Any, float]:
    """Feed ``records`` in batches with statements and snapshots; close March at the end.

    Also gives the CPU seconds spent in ``feed()`` alone.
    """
    import ratekit as rk

    rater = rk.Rater(plan, mb.meters(), start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=1))
    statements = []
    sizes = []
    size = arguments.batch
    inventories = snapshots(records, size, getattr(arguments, "inventory_every", 0))
    feeding = 0.0
    for number, position in enumerate(range(0, len(records), size), 1):
        batch = records[position : position + size]
        if number in inventories:
            batch = [*batch, inventories[number]]
        cpu = time.process_time()
        rater.feed(batch)
        feeding += time.process_time() - cpu
        if number % arguments.statement_every == 0:
            statements.append(rater.statement(mb._instant(batch[-1].at_us + 1)))
        if number % arguments.snapshot_every == 0:
            sizes.append(len(json.dumps(rater.snapshot())))
    statements.append(rater.statement("2026-04-02T00:00:00Z"))
    return statements, sizes, rater, feeding


def snapshots(records: Sequence[Any], size: int, every: int) -> dict[int, Any]:
    """The inventory snapshot ending every ``every``-th batch of ``size``, by batch number.

    Each lists every resource that exists then (seen and not deleted), just after the
    batch's last record: it confirms what the records say.
    """
    import ratekit as rk

    out: dict[int, Any] = {}
    if not every:
        return out
    existing: set[tuple[str, str]] = set()
    for number, position in enumerate(range(0, len(records), size), 1):
        batch = records[position : position + size]
        for record in batch:
            key = (record.account, record.resource)
            if getattr(record, "kind", None) == "delete":
                existing.discard(key)
            else:
                existing.add(key)
        if number % every == 0:
            at = mb._instant(batch[-1].at_us + 1)
            out[number] = rk.Inventory(at, sorted(existing), id=f"inventory-{number}")
    return out


def year(arguments: argparse.Namespace, plan: Any) -> None:
    """A smaller stream over twelve monthly cycles: the snapshot size after each close.

    Each month brings new resources and those still running run on, so the fleet grows:
    the records kept stay flat (two cycles' worth), the resource states grow with the
    resources ever seen.
    """
    import ratekit as rk

    rater = rk.Rater(plan, mb.meters(), start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=1))
    print(f"a year of monthly cycles, {arguments.year_records:,} records a month:")
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    started = time.perf_counter()
    for month in range(12):
        begin = start.replace(year=2026 + (2 + month) // 12, month=(2 + month) % 12 + 1)
        offset = (begin - start) // dt.timedelta(microseconds=1)
        raws = mb.generate(arguments.year_records, seed=arguments.seed + month)
        # Each month, new resources (a fleet that churns); last month's that still run,
        # run on.
        shifted = [
            raw._replace(
                id=f"m{month}-{raw.id}",
                resource=f"m{month}-{raw.resource}",
                at_us=raw.at_us + offset,
            )
            for raw in raws
        ]
        records = mb.build_records(shifted)
        for position in range(0, len(records), arguments.batch):
            rater.feed(records[position : position + arguments.batch])
        closing = rater.statement(begin + dt.timedelta(days=32))
        body = rater.snapshot()["body"]
        snapshot = len(json.dumps(body))
        states = len(json.dumps(body["state"]))
        kept = len(json.dumps(body["records"])) + len(json.dumps(body.get("by_resource", [])))
        count = max(1, len(rater._state))
        print(
            f"  {begin:%Y-%m}: closed {len(closing.closed)}, snapshot {snapshot:>9,} B: "
            f"{len(rater._records):>6,} records kept ({kept:>9,} B), "
            f"{len(rater._state):>5,} resource states ({states:>7,} B, {states // count} B each)"
        )
    print(f"  ({time.perf_counter() - started:.1f} s)")


def breakdown(body: dict[str, Any], resources: int, kept: int) -> None:
    """The bytes of ``json.dumps`` of each part of a snapshot's body, and of its columns."""
    print(f"  its body, part by part ({kept:,} records kept):")
    for name, part in body.items():
        size = len(json.dumps(part))
        if size > 100:
            print(f"    {name:12} {size:>12,} B {size / resources:>8,.0f} B per resource")
    groups = body["by_resource"]
    if isinstance(groups, dict):  # format version 2 on: columns per resource (4: packed)
        for place, column in enumerate(("at", "shape", "id", "value"), 2):
            size = sum(len(json.dumps(group[place])) for group in groups["groups"])
            print(
                f"    - {column:10} {size:>12,} B {size / resources:>8,.0f} B per resource "
                f"{size / max(1, kept):6.1f} B per record"
            )


def compacted_state(rater: Any) -> str:
    """The size of the metering state a compacted cycle leaves, or why there is none yet.

    March is compacted only once April closes too (the rater keeps about two cycles), so
    after this month's last statement there is no compacted state to measure: ``--year``
    measures it month by month.
    """
    states = rater._state
    if not states:
        return (
            "the metering state alone (what a compacted cycle leaves): none yet, no cycle "
            "is compacted (March's records are kept until April closes; --year measures it)"
        )
    size = len(json.dumps([s.to_json() for s in states]))
    return (
        f"the metering state alone (what a compacted cycle leaves): {size:,} B, "
        f"{size / len(states):,.0f} B per resource ({len(states):,} resources)"
    )


def main() -> None:
    import ratekit as rk

    arguments = parse_arguments()
    raws = mb.generate(arguments.records, arguments.seed)
    records = mb.build_records(raws)
    resources = len({raw.resource for raw in raws})
    plan = rb.plan()
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-02T00:00:00Z")
    print(f"{len(records):,} records of {resources:,} resources, in time order")

    cpu = time.process_time()
    every = arguments.inventory_every
    given = [*records, *snapshots(records, arguments.batch, every).values()]
    if every:
        print(f"an inventory snapshot of every resource that exists every {every} batches")
    batch, batch_seconds = mb.timed(lambda: rk.rate(given, plan, span=march, meters=mb.meters()))
    batch_cpu = time.process_time() - cpu
    print(
        f"batch rk.rate():  {batch_seconds:8.2f} s  {batch_seconds / len(records) * 1e6:7.2f} us/record"
        f"  (CPU {batch_cpu:.2f} s)"
    )

    gc.collect()
    profile = cProfile.Profile() if arguments.profile else None
    started = time.perf_counter()
    cpu = time.process_time()
    if profile is not None:
        profile.enable()
    statements, sizes, rater, feeding = stream(records, plan, arguments)
    if profile is not None:
        profile.disable()
    seconds = time.perf_counter() - started
    stream_cpu = time.process_time() - cpu
    per_record = seconds / len(records) * 1e6
    print(
        f"stream (Rater):   {seconds:8.2f} s  {per_record:7.2f} us/record amortised "
        f"({len(statements)} statements; {seconds / batch_seconds:.1f}x the batch time; aim: 5 us)"
        f"  (CPU {stream_cpu:.2f} s, {stream_cpu / len(records) * 1e6:.2f} us/record, "
        f"{stream_cpu / batch_cpu:.1f}x the batch's)"
    )
    print(
        f"  of which feed():  CPU {feeding:.2f} s, {feeding / len(records) * 1e6:.2f} us/record "
        f"(the statements and snapshots: {(stream_cpu - feeding) / len(records) * 1e6:.2f} us/record)"
    )
    lines = [line for statement in statements for line in statement.lines]
    total = functools.reduce(EXACT.add, (line.amount for line in lines), decimal.Decimal(0))
    expected = functools.reduce(EXACT.add, (c.amount for c in batch.charges), decimal.Decimal(0))
    print(f"the stream's lines add up to the batch's charges: {total == expected} ({total:.6f})")
    if sizes:
        print(
            f"snapshot of the open month: {sizes[-1]:,} B, {sizes[-1] / resources:,.0f} B per "
            f"open resource (aim: 500 B)"
        )
    closed = rater.snapshot()
    after = len(json.dumps(closed))
    print(
        f"snapshot once March closed (kept for late records): {after:,} B "
        f"({after / resources:,.0f} B per resource, format version {closed['version']})"
    )
    if arguments.breakdown:
        breakdown(closed["body"], resources, len(rater._records))
    print(compacted_state(rater))
    if profile is not None:
        pstats.Stats(profile).sort_stats(arguments.sort).print_stats(arguments.rows)
    if arguments.year:
        year(arguments, plan)


if __name__ == "__main__":
    main()
