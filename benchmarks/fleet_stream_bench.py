"""The fleet month through the streaming rater, next to the batch path and the hand-written loop.

The workload and plan of ``fleet_bench.py`` (``--records``, 1,000,000 by default: 10,000
VMs of 1,000 accounts, per-flavor hourly prices rising on the 15th, memory GiB-hours,
graduated egress per account; a monthly cycle in Europe/Zurich). A feed delivers the
month in time order, so the tuples are sorted by instant (the batch paths take them
shuffled, as ``fleet_bench.py`` does). Then, in one process:

- **stream**: a ``rk.Rater`` fed ``rk.RecordBatch.from_tuples`` batches of ``--batch``
  (1,000) tuples, a statement every ``--statement-every`` batches (100) at the watermark
  of the tuples fed so far, and a last statement that closes the month (horizon one
  day); each account's invoice total is checked equal to the batch path's, to the cent;
- **batch**: ``fleet_bench.ratekit_stages`` (tuples to invoices in one go);
- **loop**: ``fleet_bench.loop``, the hand-written per-resource loop.

It prints each one's time (median of ``--repeat``, CPU time with ``--cpu``), the stream's
microseconds per record amortised over feeding and rating against the issue's aim of
2 µs, and its ratio to the batch path and to the loop.

Usage::

    python benchmarks/fleet_stream_bench.py                    # 1,000,000 records
    python benchmarks/fleet_stream_bench.py --records 200000 --cpu
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fleet_bench as fb  # the workload, the plan, the batch path and the loop, shared

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def instant(at_us: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=at_us)


def stream(
    tuples: Sequence[fb.Tuple], plan: Any, arguments: argparse.Namespace
) -> dict[str, Decimal]:
    """Feed the month in batches with statements; each account's invoice total."""
    import ratekit as rk

    rater = rk.Rater(
        plan, fb.meters(), start=instant(fb.MONTH_START_US), horizon=dt.timedelta(days=1)
    )
    size = arguments.batch
    totals: dict[str, Decimal] = {}
    for number, position in enumerate(range(0, len(tuples), size), 1):
        part = tuples[position : position + size]
        rater.feed(fb.build(part))
        if number % arguments.statement_every == 0:
            rater.statement(instant(part[-1][3] + 1))
    closing = rater.statement(instant(fb.MONTH_END_US) + dt.timedelta(days=1))
    for invoice in closing.invoices:
        totals[invoice.account] = invoice.total
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="records in the month")
    parser.add_argument("--batch", type=int, default=1_000, help="tuples per feed() call")
    parser.add_argument("--statement-every", type=int, default=100, help="batches per statement")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each; the median is shown")
    parser.add_argument("--cpu", action="store_true", help="CPU time instead of the wall clock")
    arguments = parser.parse_args()
    if arguments.cpu:
        fb.CLOCK[0] = time.process_time  # read by fb.best
    tuples = fb.fleet(arguments.records)
    ordered = sorted(tuples, key=lambda row: row[3])
    plan = fb.plan()
    clock = "CPU" if arguments.cpu else "wall clock"
    print(f"fleet: {len(tuples):,} tuples; median of {arguments.repeat}, {clock}")
    (want, _), batch = fb.best(lambda: fb.ratekit_stages(tuples, plan), arguments.repeat)
    looped, loop = fb.best(lambda: fb.loop(tuples), arguments.repeat)
    fb.check("the loop", looped, want)
    got, streamed = fb.best(lambda: stream(ordered, plan, arguments), arguments.repeat)
    fb.check("the stream", got, want)
    per = streamed / len(tuples) * 1e6
    print(f"every account's total equal to the cent ({len(want)} accounts)")
    print(f"batch, tuples to invoices: {batch:7.2f} s  {batch / len(tuples) * 1e6:6.2f} us/record")
    print(f"hand-written loop:         {loop:7.2f} s  {loop / len(tuples) * 1e6:6.2f} us/record")
    print(
        f"stream (Rater):            {streamed:7.2f} s  {per:6.2f} us/record amortised "
        f"(aim: 2 us); {streamed / batch:.1f}x the batch, {streamed / loop:.1f}x the loop"
    )


if __name__ == "__main__":
    main()
