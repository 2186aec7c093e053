"""A statement that closes many cycles at once: its CPU time and memory per invoice.

A watermark far ahead of the last one closes every cycle between them, and each closed
cycle of each account is an invoice (here each has a fee, so none is empty). The cost
grows with accounts x cycles closed, whatever the records: this script measures it for
``--accounts`` accounts on hourly cycles, each with one sample in the first hour, and a
statement ``--cycles`` hours ahead. Next to it, as a baseline, the same statement one
hour ahead (one cycle closed per account).

It prints the invoices made, the CPU seconds and microseconds per invoice, and the peak
memory of the statement (tracemalloc, in a separate run) per invoice.

Usage::

    python benchmarks/closing_bench.py                        # 100 accounts, 200 cycles
    python benchmarks/closing_bench.py --accounts 10 --cycles 2000
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
import tracemalloc
from typing import Any


def rater(accounts: int) -> Any:
    """A rater of ``accounts`` accounts on an hourly plan with a fee, one sample each."""
    import ratekit as rk

    plan = rk.Plan(
        "hourly",
        "EUR",
        rk.cycles.hourly(),
        [rk.PriceEntry("gb", "egress", rk.PerUnit("0.01"))],
        fees=[rk.Fee("base", "1")],
    )
    gb = rk.Meter("egress", "GB", rk.Discrete())
    start = "2026-03-01T00:00:00Z"
    made = rk.Rater([rk.Assignment(f"a{i}", plan) for i in range(accounts)], [gb], start=start)
    made.feed(
        [
            rk.Sample(f"a{i}", "r", "egress", "2026-03-01T00:30:00Z", 1, id=f"s{i}")
            for i in range(accounts)
        ]
    )
    return made


def close(accounts: int, cycles: int, *, memory: bool) -> tuple[int, float, int]:
    """Invoices, CPU seconds and peak bytes of one statement ``cycles`` hours ahead."""
    made = rater(accounts)
    as_of = dt.datetime(2026, 3, 1, tzinfo=dt.UTC) + dt.timedelta(hours=cycles)
    if memory:
        tracemalloc.start()
    started = time.process_time()
    statement = made.statement(as_of.isoformat())
    seconds = time.process_time() - started
    peak = 0
    if memory:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return len(statement.invoices), seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100, help="accounts")
    parser.add_argument("--cycles", type=int, default=200, help="hourly cycles closed at once")
    arguments = parser.parse_args()
    for label, cycles in (("baseline, one cycle", 1), ("far ahead", arguments.cycles)):
        invoices, seconds, _ = close(arguments.accounts, cycles, memory=False)
        _, _, peak = close(arguments.accounts, cycles, memory=True)
        print(
            f"{label:>20}: {cycles:,} cycles x {arguments.accounts:,} accounts = "
            f"{invoices:,} invoices in {seconds:.2f} s CPU "
            f"({seconds / invoices * 1e6:,.0f} us per invoice), "
            f"peak {peak / 1e6:.1f} MB ({peak / invoices:,.0f} B per invoice)"
        )


if __name__ == "__main__":
    main()
