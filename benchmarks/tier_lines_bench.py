"""Explaining an invoice line that climbs many tiers: the time should follow the tiers.

One invoice line gathers the charges of ``--charges`` resources that together climb a
graduated table of ``--tiers`` tiers (one unit each). ``str(invoice)`` explains each
charge's tier lines and merges them per tier. This script times it for the table and for
one twice as long, and prints the times, the tier lines built (``TierLine`` values) and
the ratio of the times: near 2 is linear in the tiers, near 4 quadratic. It exits with
an error if the ratio exceeds ``--limit`` (3 by default). Usage::

    python benchmarks/tier_lines_bench.py                      # 3,000 tiers, 70 charges
    python benchmarks/tier_lines_bench.py --tiers 6000 --charges 140
"""

from __future__ import annotations

import argparse
import sys
import time

import ratekit as rk
from ratekit import tiers as tiers_module

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _invoice(tiers: int, charges: int) -> rk.Invoice:
    price = rk.Graduated([rk.Tier(k, 1) for k in range(1, tiers)] + [rk.Tier(None, "0.5")])
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("e", "vm", price)])
    each = tiers // charges + 1
    rows = [
        rk.UsageRow("acme", "vm", f"vm-{i:04d}", MARCH, MARCH, each, "hour", {}, ())
        for i in range(charges)
    ]
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH))
    return invoice


def _measure(tiers: int, charges: int) -> tuple[float, int]:
    """Seconds for ``str(invoice)`` (best of 3) and the tier lines one rendering builds."""
    invoice = _invoice(tiers, charges)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        str(invoice)
        best = min(best, time.perf_counter() - start)
    built = 0
    line = tiers_module.Tier._line

    def counted(*args: object, **kwargs: bool) -> tiers_module.TierLine:
        nonlocal built
        built += 1
        return line(*args, **kwargs)  # type: ignore[arg-type]

    tiers_module.Tier._line = counted  # type: ignore[method-assign]
    try:
        str(invoice)
    finally:
        tiers_module.Tier._line = line  # type: ignore[method-assign]
    return best, built


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tiers", type=int, default=3000)
    parser.add_argument("--charges", type=int, default=70)
    parser.add_argument("--limit", type=float, default=3.0)
    arguments = parser.parse_args()
    results = []
    for scale in (1, 2):
        tiers, charges = arguments.tiers * scale, arguments.charges * scale
        seconds, built = _measure(tiers, charges)
        results.append(seconds)
        print(
            f"{tiers:>7,} tiers, {charges:>5,} charges: str(invoice) {seconds:7.3f} s, "
            f"{built:>9,} tier lines built"
        )
    ratio = results[1] / results[0]
    print(f"ratio (2x tiers and charges): {ratio:.2f}")
    return 1 if ratio > arguments.limit else 0


if __name__ == "__main__":
    sys.exit(main())
