"""Rating many rows that run at once under an allowance: the cost of taking it together.

An account's build jobs on one meter at two prices, ``--rows`` of them over a month,
each running 10 to 120 minutes from a random start, ``--overlap`` jobs at a time on
average, under free minutes that run dry mid-month: every job overlaps others, so
rating takes the allowance in a sweep over the jobs' bounds
(`ratekit._allowance_flows`). Prints the rows, the seconds of ``rate()`` (CPU clock,
best of ``--repeat``) and the microseconds per row: doubling the rows should double the
time, not quadruple it.

Usage::

    python benchmarks/overlap_bench.py --rows 20000
    python benchmarks/overlap_bench.py --rows 20000 --overlap 50
"""

from __future__ import annotations

import argparse
import random
import time

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MINUTE_US = 60_000_000


def rows(n: int, overlap: int, seed: int = 7) -> list[rk.UsageRow]:
    """``n`` jobs, ``overlap`` running at a time on average (65 minutes each)."""
    rng = random.Random(seed)
    spread = max(1, n * 65 // overlap)  # minutes the starts are drawn over
    spread = min(spread, 31 * 24 * 60 - 120)
    out = []
    for i in range(n):
        start = MARCH.start_us + rng.randrange(spread) * MINUTE_US
        minutes = rng.randint(10, 120)
        span = rk.Span.from_us(start, start + minutes * MINUTE_US)
        runner = "2x" if i % 3 else "8x"
        out.append(
            rk.UsageRow(
                "acme",
                "minutes",
                f"job-{i}",
                span,
                MARCH,
                minutes,
                "minute",
                {"runner": runner},
                (),
            )
        )
    return out


def plan(free: int) -> rk.Plan:
    entries = [
        rk.PriceEntry("l2", "minutes", rk.PerUnit("0.008"), where={"runner": "2x"}),
        rk.PriceEntry("l8", "minutes", rk.PerUnit("0.032"), where={"runner": "8x"}),
    ]
    return rk.Plan("ci", "USD", MONTHS, entries, allowances=[rk.Allowance("minutes", free)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--overlap", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    usage = rows(args.rows, args.overlap)
    free = args.rows * 65 // 2  # dry about halfway
    best = float("inf")
    total = None
    for _ in range(args.repeat):
        start = time.process_time()
        total = rk.rate(usage, plan(free), span=MARCH).total()
        best = min(best, time.process_time() - start)
    print(
        f"{args.rows} rows, {args.overlap} at a time: {best:.3f} s CPU, "
        f"{best / args.rows * 1e6:.1f} µs a row, total {total:.2f}"
    )


if __name__ == "__main__":
    main()
