"""Rows of a month's charges and invoices, written and read back: rows per second.

A month of ``--accounts`` accounts, each with ``--resources`` resources on four meters
priced four ways (a graduated egress table of five tiers with an allowance, a volume
table, a per-unit price with an allowance, a package price), is rated and billed; this
script times [`to_row()`][ratekit.to_row] and [`from_row()`][ratekit.from_row] of every
charge and of every invoice (whose row holds its lines and their charges), over JSON
text as a store would hold them, and checks that each value reads back equal.

It prints, for each kind and direction, the rows per second (CPU time, best of
``--repeat``) and, as a baseline measured in the same process, the time of
``json.loads(json.dumps(row))`` of the same rows alone: the ratio says how many times
the plain JSON round trip the rows' own cost is. Usage::

    python benchmarks/rows_bench.py                          # 20 accounts, 40 resources
    python benchmarks/rows_bench.py --accounts 50 --resources 60 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
METERS = ("egress", "storage", "requests", "builds")


def _plan() -> rk.Plan:
    egress = rk.Graduated(
        [
            rk.Tier(100, "0.09"),
            rk.Tier(1000, "0.085"),
            rk.Tier(10000, "0.07"),
            rk.Tier(50000, "0.05"),
            rk.Tier(None, "0.02"),
        ]
    )
    storage = rk.Volume([rk.Tier(500, "0.023"), rk.Tier(5000, "0.022"), rk.Tier(None, "0.021")])
    return rk.Plan(
        "month",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry("egress", "egress", egress),
            rk.PriceEntry("storage", "storage", storage),
            rk.PriceEntry("requests", "requests", rk.PerUnit("0.0000004")),
            rk.PriceEntry("builds", "builds", rk.Package(100, "1.50")),
        ],
        allowances=[rk.Allowance("egress", 100), rk.Allowance("requests", 1000000)],
    )


def month(accounts: int, resources: int) -> tuple[tuple[rk.Charge, ...], tuple[rk.Invoice, ...]]:
    """The charges and invoices of a month: one usage row per resource and meter."""
    rows = []
    for a in range(accounts):
        for r in range(resources):
            for m, meter in enumerate(METERS):
                quantity = (a * 7919 + r * 104729 + m * 1299709) % 20000 + r + 1
                rows.append(
                    rk.UsageRow(
                        f"acct-{a:03d}", meter, f"res-{r:03d}", MARCH, MARCH, quantity, "u", {}, ()
                    )
                )
    rating = rk.rate(rows, _plan(), span=MARCH)
    return rating.charges, rk.bill(rating)


def _best(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.process_time()
        out = work()
        best = min(best, time.process_time() - start)
    return best, out


def _measure(name: str, cls: type, values: tuple[Any, ...], repeat: int) -> None:
    write, rows = _best(repeat, lambda: [rk.to_row(value) for value in values])
    texts = [json.dumps(row) for row in rows]
    read, back = _best(repeat, lambda: [rk.from_row(cls, json.loads(text)) for text in texts])
    if list(back) != list(values):
        raise SystemExit(f"{name}: the rows did not read back equal")
    plain, _ = _best(repeat, lambda: [json.loads(json.dumps(row)) for row in rows])
    n = len(values)
    print(
        f"{name:9} {n:6,} rows  to_row {n / write:10,.0f}/s ({write / plain:6.1f}x json)  "
        f"from_row {n / read:10,.0f}/s ({read / plain:6.1f}x json)  "
        f"json alone {n / plain:10,.0f}/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=20, help="accounts (default 20)")
    parser.add_argument(
        "--resources", type=int, default=40, help="resources per account (default 40)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="best of this many (default 3)")
    args = parser.parse_args()
    charges, invoices = month(args.accounts, args.resources)
    lines = sum(len(invoice.lines) for invoice in invoices)
    print(f"{len(charges):,} charges, {len(invoices):,} invoices of {lines:,} lines")
    _measure("charges", rk.Charge, charges, args.repeat)
    _measure("invoices", rk.Invoice, invoices, args.repeat)


if __name__ == "__main__":
    main()
