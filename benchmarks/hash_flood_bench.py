"""Values whose hashes collide: every path should cost about twice as much for twice the records.

CPython hashes an int to itself modulo 2**61 - 1, so every multiple of 2**61 - 1 hashes
to 0 (and Decimals and floats hash as the numbers they equal): a feed that sends such
attribute or sample values makes any table keyed by them a list. This script times each
path ratekit reads such values on (the lean path, the friendly records, metering,
rating with a price selected by the attribute, replays without ids known by content,
samples, the streaming rater) at ``n`` and ``2n`` records and prints the ratio of the
times: near 2 is linear, near 4 quadratic. It exits with an error if a ratio exceeds
``--limit`` (3 by default). Usage::

    python benchmarks/hash_flood_bench.py                 # n = 4,000
    python benchmarks/hash_flood_bench.py --records 8000
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from decimal import Decimal

import ratekit as rk

M = 2**61 - 1  # hash(k * M) == 0 for every int k
T0 = 1772323200000000  # 2026-03-01T00:00:00Z in microseconds
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
METERS = [rk.Meter("vm.hours", "hour", rk.OnOff()), rk.Meter("egress", "B", rk.Count())]
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.monthly(tz="UTC"),
    [
        rk.PriceEntry("big", "vm.hours", rk.PerUnit("0.20"), where={"tag": M}, priority=1),
        rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10")),
        rk.PriceEntry("egress", "egress", rk.PerUnit("0.01")),
    ],
)


def _colliding(k: int, shape: str) -> object:
    """The k-th of many distinct values that all hash alike."""
    value = k * M
    if shape == "int":
        return value
    if shape == "decimal":
        return Decimal(value)
    if shape == "float-like":
        return Decimal(value) / 4  # k * M / 4: hashes collide too
    return [value, value]  # a list: a tuple of such ints once frozen


def _tuples(n: int, shape: str, *, one_resource: bool = False) -> list[tuple[object, ...]]:
    return [
        ("acme", "vm-1" if one_resource else f"vm-{k}", T0, "start", {"tag": _colliding(k, shape)})
        for k in range(n)
    ]


def _paths() -> dict[str, Callable[[int], object]]:
    def lean(n: int, shape: str = "int") -> object:
        return rk.RecordBatch.from_tuples(events=_tuples(n, shape))

    def friendly(n: int) -> list[rk.Event]:
        return [
            rk.Event(a, r, "2026-03-01T00:00:00Z", at, kind=kind)  # type: ignore[arg-type]
            for a, r, _, kind, at in _tuples(n, "int")
        ]

    def meter(records: object) -> object:
        return rk.meter(records, METERS, span=MARCH, cycle=PLAN.cycle, as_of=MARCH.end)

    def samples(n: int) -> list[rk.Sample]:
        return [
            rk.Sample("acme", "ip-1", "egress", "2026-03-02T00:00:00Z", k * M) for k in range(n)
        ]

    def rater(n: int) -> object:
        stream = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
        stream.feed(friendly(n))
        return stream.statement("2026-04-01T00:00:00Z")

    return {
        "from_tuples, ints": lean,
        "from_tuples, Decimals": lambda n: lean(n, "decimal"),
        "from_tuples, fractions": lambda n: lean(n, "float-like"),
        "from_tuples, lists": lambda n: lean(n, "list"),
        "meter, lean": lambda n: meter(lean(n)),
        "meter, friendly": lambda n: meter(friendly(n)),
        "meter, Decimals": lambda n: meter(lean(n, "decimal")),
        "meter, lists": lambda n: meter(lean(n, "list")),
        "meter, replays by content": lambda n: meter(
            rk.RecordBatch.from_tuples(events=_tuples(n, "int", one_resource=True))
        ),
        "meter, samples": lambda n: meter(samples(n)),
        "rate, selected by the value": lambda n: rk.rate(lean(n), PLAN, span=MARCH, meters=METERS),
        "Rater feed and statement": rater,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=4000, help="n (then 2n) records")
    parser.add_argument("--limit", type=float, default=3.0, help="the largest ratio accepted")
    options = parser.parse_args(argv)
    if options.records < 1:
        parser.error("--records must be at least 1")
    worst = 0.0
    for name, path in _paths().items():
        times = []
        for n in (options.records, 2 * options.records):
            start = time.process_time()
            path(n)
            times.append(time.process_time() - start)
        ratio = times[1] / max(times[0], 1e-6)
        worst = max(worst, ratio)
        print(f"{name:32} {times[0]:7.3f} s {times[1]:7.3f} s   x{ratio:.1f}")
    if worst > options.limit:
        print(f"a path grew {worst:.1f} times for twice the records", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
