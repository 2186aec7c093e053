"""Time-algebra throughput: cutting spans at monthly boundaries, and Timeline lookups.

Generates, deterministically (seeded), ``N`` spans (default 1,000,000) between 2020 and
2030, each covering one or two monthly cycles (from 1 hour to 40 days long), and prints:

- µs per ``split`` of a span at the boundaries of ``cycles.monthly(tz="Europe/Zurich")``
  (and per ``boundaries_us``, the integer fast path metering uses), against a naive
  pendulum-based splitter (start of the local month, then ``add(months=1)`` until past
  the end) run in the same process on a sample of the same spans, with a check that both
  cut the same places;
- µs per ``Timeline.at_us`` lookup at ``N`` random instants in timelines of 100 and 10,000
  pieces, against a linear scan of the same pieces (on a sample);
- µs per ``within_us`` of a nightly window (22:00-06:00 in Europe/Zurich) on a sample.

The aim is under 2 µs per split and under 1 µs per lookup.

Usage::

    python benchmarks/time_bench.py              # N = 1,000,000
    python benchmarks/time_bench.py --quick      # N = 100,000
    python benchmarks/time_bench.py 200000
"""

from __future__ import annotations

import argparse
import gc
import random
import time
from collections.abc import Callable
from typing import Any

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
START_US = 1_577_836_800_000_000  # 2020-01-01T00:00:00Z
END_US = 1_893_456_000_000_000  # 2030-01-01T00:00:00Z
TZ = "Europe/Zurich"
BASELINE_SAMPLE = 20_000


def timed(function: Callable[[], Any]) -> tuple[Any, float]:
    gc.collect()
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def make_spans(n: int, seed: int = 2026) -> list[tuple[int, int]]:
    """``n`` (start_us, end_us) pairs from 1 hour to 40 days long (one or two months)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        start = rng.randrange(START_US, END_US)
        out.append((start, start + rng.randrange(HOUR_US, 40 * DAY_US)))
    return out


def naive_cuts(start_us: int, end_us: int) -> list[int]:
    """Monthly boundaries strictly inside a span, the naive way: pendulum at every step."""
    import pendulum

    moment = pendulum.from_timestamp(start_us / 1_000_000, tz=TZ)
    boundary = moment.start_of("month")
    cuts = []
    while True:
        boundary = boundary.add(months=1)
        instant = int(boundary.timestamp()) * 1_000_000
        if instant >= end_us:
            return cuts
        cuts.append(instant)


def bench_split(n: int) -> None:
    import ratekit as rk

    pairs = make_spans(n)
    spans = [rk.Span.from_us(a, b) for a, b in pairs]
    months = rk.cycles.monthly(tz=TZ)
    months.boundaries_us(START_US, END_US + 40 * DAY_US)  # warm the cache (120 months)

    split = months.split

    def split_all() -> int:
        # A consumer handles each span's pieces and lets them go (as metering does).
        cut = 0
        for span in spans:
            cut += len(split(span)) - 1
        return cut

    cut, seconds = timed(split_all)
    per_split = seconds / n * 1e6
    print(
        f"split, monthly {TZ}: {n:,} spans ({(n + cut) / n:.2f} pieces per span) in {seconds:.2f} s"
    )
    print(f"  {per_split:.2f} µs per split ({n / seconds:,.0f} spans/s)")

    boundaries = months.boundaries_us

    def boundaries_all() -> int:
        return sum(len(boundaries(a, b)) for a, b in pairs)

    _, seconds_us = timed(boundaries_all)
    print(f"  {seconds_us / n * 1e6:.2f} µs per boundaries_us (the integer fast path)")

    sample = pairs[: min(n, BASELINE_SAMPLE)]
    expected, seconds_naive = timed(lambda: [naive_cuts(a, b) for a, b in sample])
    per_naive = seconds_naive / len(sample) * 1e6
    assert expected == [boundaries(a, b) for a, b in sample], "naive and ratekit cuts differ"
    print(f"  naive pendulum splitter: {per_naive:.1f} µs per split (on {len(sample):,} spans)")
    print(f"  ratio: ratekit split is {per_naive / per_split:.0f}x faster")


def bench_timeline(n: int) -> None:
    try:
        from ratekit.timeline import Timeline
    except ImportError:  # pragma: no cover - before the timeline module existed
        print("Timeline: not available yet; skipped")
        return
    rng = random.Random(7)
    instants = [rng.randrange(START_US, END_US) for _ in range(n)]
    for size in (100, 10_000):
        step = (END_US - START_US) // size
        timeline: Any = Timeline()
        rows = []
        for index in range(size):
            start = START_US + index * step
            timeline.set_us(start, start + step, index)
            rows.append((start, start + step, index))
        at_us = timeline.at_us
        values, seconds = timed(lambda at_us=at_us: [at_us(t) for t in instants])
        per_lookup = seconds / n * 1e6
        print(f"Timeline.at_us, {size:,} pieces: {n:,} lookups in {seconds:.2f} s")
        print(f"  {per_lookup:.2f} µs per lookup ({n / seconds:,.0f} lookups/s)")

        def scan(t: int, rows: list[tuple[int, int, int]] = rows) -> int | None:
            for start, end, value in rows:
                if start <= t < end:
                    return value
            return None

        sample = instants[: min(n, BASELINE_SAMPLE if size <= 100 else 2_000)]
        expected, seconds_naive = timed(lambda sample=sample, scan=scan: [scan(t) for t in sample])
        per_naive = seconds_naive / len(sample) * 1e6
        assert expected == values[: len(sample)], "linear scan and Timeline differ"
        print(f"  linear scan: {per_naive:.1f} µs per lookup (on {len(sample):,} instants)")
        print(f"  ratio: Timeline is {per_naive / per_lookup:.0f}x faster")


def bench_window(n: int) -> None:
    import ratekit as rk

    nights = rk.windows.daily("22:00", "06:00", tz=TZ)
    pairs = make_spans(min(n, 200_000), seed=11)
    nights.within_us(START_US, END_US + 40 * DAY_US)  # warm the cache
    within = nights.within_us
    _, seconds = timed(lambda: [within(a, b) for a, b in pairs])
    print(f"windows.daily 22:00-06:00 {TZ}: within_us of {len(pairs):,} spans (1 h to 40 days)")
    print(f"  {seconds / len(pairs) * 1e6:.2f} µs per within_us")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=1_000_000, help="spans and lookups")
    parser.add_argument("--quick", action="store_true", help="N = 100,000")
    args = parser.parse_args()
    n = 100_000 if args.quick else args.n
    bench_split(n)
    bench_timeline(n)
    bench_window(n)


if __name__ == "__main__":
    main()
