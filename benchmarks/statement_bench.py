"""Many small streams fed and stated: the cost of the rater's defining law, per example.

The streams of the rater's law (``tests/test_rater_law.py``,
``test_statements_add_up_to_one_batch_rate``): two accounts on daily cycles over four
days, a few resources, a counter, call deltas, inventories, a price and a plan change,
fed shuffled in small batches with statements at random watermarks and snapshot ->
restore at random points (``tests/_rater_streams.py``). ``--examples`` streams (200),
drawn from ``--seed``, each with a horizon among 0, 0, 3 and 30 hours, as the law draws
them. For each, in the same process:

- **law**: ``check_law(seed, horizon_h=..., late_ok=False)``, the law's example whole
  (the rater fed and stated, then the law's check against batch ``rk.rate()``);
- **statements**: the CPU time spent inside ``Rater.statement()`` during those runs;
- **baseline**: one batch ``rk.rate()`` of each stream's records, once.

It prints the milliseconds per law example, the statements per second, and the law's
example as a multiple of the baseline's batch rating of the same stream (the machine's
speed cancels out of that ratio). ``--profile`` runs the law's examples under cProfile
and prints where the time goes.

Usage::

    python benchmarks/statement_bench.py                   # 200 examples
    python benchmarks/statement_bench.py --examples 50 --profile
    python benchmarks/statement_bench.py --examples 150 --profile --sort tottime --rows 40
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the tests' streams

HORIZONS = (0, 0, 3, 30)  # hours, as the law draws them


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="streams (law examples)")
    parser.add_argument("--seed", type=int, default=2026, help="the seed drawing the streams")
    parser.add_argument("--profile", action="store_true", help="profile the law (cProfile)")
    parser.add_argument(
        "--sort", default="cumulative", help="with --profile: the order (cumulative, tottime, ...)"
    )
    parser.add_argument("--rows", type=int, default=30, help="with --profile: the rows printed")
    return parser.parse_args()


def examples(count: int, seed: int) -> list[tuple[int, int]]:
    """``count`` pairs of a stream's seed and its horizon in hours."""
    rng = random.Random(seed)
    return [(rng.randrange(2**32), rng.choice(HORIZONS)) for _ in range(count)]


def law(drawn: list[tuple[int, int]]) -> tuple[float, int, float]:
    """CPU seconds of the law's examples; the statements made and the CPU seconds in them."""
    from tests._rater_streams import check_law

    import ratekit as rk

    stating = rk.Rater.statement
    made = 0
    inside = 0.0

    def counted(self: Any, *arguments: Any, **keywords: Any) -> Any:
        nonlocal made, inside
        clock = time.process_time()
        try:
            return stating(self, *arguments, **keywords)
        finally:
            inside += time.process_time() - clock
            made += 1

    rk.Rater.statement = counted  # type: ignore[method-assign]
    try:
        clock = time.process_time()
        for seed, horizon_h in drawn:
            check_law(seed, horizon_h=horizon_h, late_ok=False)
        spent = time.process_time() - clock
    finally:
        rk.Rater.statement = stating  # type: ignore[method-assign]
    return spent, made, inside


def baseline(drawn: list[tuple[int, int]]) -> float:
    """CPU seconds of one batch ``rk.rate()`` of each stream's records."""
    from tests import _rater_streams as rs

    import ratekit as rk

    streams = []
    for seed, horizon_h in drawn:
        final = rs.T0 + (rs.DAYS + 1) * rs.DAY_US + horizon_h * rs.HOUR_US
        streams.append((rs.records(random.Random(seed)), final))
    clock = time.process_time()
    for stream, final in streams:
        span = rk.Span(rs.format_us(rs.T0), rs.format_us(final))
        rk.rate(stream, rs.PLANS, span=span, meters=rs.METERS)
    return time.process_time() - clock


def main() -> None:
    arguments = parse_arguments()
    drawn = examples(arguments.examples, arguments.seed)
    law(drawn[:5])  # imports and first-call caches out of the measure
    if arguments.profile:
        profile = cProfile.Profile()
        profile.enable()
        law(drawn)
        profile.disable()
        pstats.Stats(profile).sort_stats(arguments.sort).print_stats(arguments.rows)
        return
    spent, made, inside = law(drawn)
    batch = baseline(drawn)
    count = len(drawn)
    print(
        f"law: {count:,} examples in {spent:.2f} s CPU, {spent / count * 1000:.1f} ms per example"
    )
    print(
        f"statements: {made:,} in {inside:.2f} s CPU ({inside / spent:.0%} of the law), "
        f"{made / inside:,.0f} statements per second"
    )
    print(
        f"baseline, one batch rate() per stream: {batch / count * 1000:.2f} ms; "
        f"a law example costs {spent / batch:.1f} x that"
    )


if __name__ == "__main__":
    main()
