"""Rating throughput: a month of a fleet's records metered, rated and invoiced end to end.

Uses the metering benchmark's deterministic generator (``metering_bench.generate``): by
default 1,000,000 records of 10,000 resources of 1,000 accounts over March 2026. They are
rated end to end, ``rate(records, plan, meters=...)`` (which meters them, cut where prices
change) then ``bill(...)`` for every account, under a plan with:

- per-flavor instance-hour prices (four flavors), changing on March 15th (a second set of
  entries with a higher priority from that day);
- MB-hours of memory at a per-unit price;
- graduated egress (bytes): the first 10 GB free, then 0.09 per GB up to 1 TB, then 0.05.

It prints records/s end to end, the peak memory (tracemalloc) and the ratio to seed 000's
naive loop with a single Decimal rate (remember each start; at a stop, add the duration
times the rate to the resource's bill), run in the same process on the same events.

With a million records alive, CPython's cyclic garbage collector rescans them on every
full collection, which costs more than the rating itself; ``--freeze`` moves the built
records out of its reach (``gc.freeze()``), as a long-running host can do with data it
keeps, and shows what the rating code itself costs.

Usage::

    python benchmarks/rating_bench.py                  # 1,000,000 records
    python benchmarks/rating_bench.py --records 100000
    python benchmarks/rating_bench.py --freeze
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import metering_bench as mb  # the generator and the record builder, shared

US_PER_HOUR = Decimal(3_600_000_000)


def plan() -> Any:
    """Per-flavor prices changing on the 15th, memory per unit, graduated egress."""
    import ratekit as rk

    before = {"m1.small": "0.020", "m1.medium": "0.040", "m1.large": "0.080", "m1.xlarge": "0.160"}
    after = {"m1.small": "0.018", "m1.medium": "0.036", "m1.large": "0.072", "m1.xlarge": "0.150"}
    entries = [
        rk.PriceEntry(flavor, "runtime", rk.PerUnit(rate), where={"flavor": flavor})
        for flavor, rate in before.items()
    ]
    entries += [
        rk.PriceEntry(
            f"{flavor} from the 15th",
            "runtime",
            rk.PerUnit(rate),
            where={"flavor": flavor},
            start="2026-03-15T00:00:00Z",
            priority=1,
        )
        for flavor, rate in after.items()
    ]
    gb = 10**9
    entries += [
        rk.PriceEntry("memory", "memory", rk.PerUnit("0.000002")),
        rk.PriceEntry(
            "egress",
            "egress",
            rk.Graduated(
                [
                    rk.Tier(10 * gb, "0"),
                    rk.Tier(1000 * gb, "0.00000000009"),
                    rk.Tier(None, "0.00000000005"),
                ]
            ),
        ),
    ]
    return rk.Plan("standard", "EUR", rk.cycles.monthly(tz="UTC"), entries)


def rate_and_bill(records: Sequence[Any], the_plan: Any) -> tuple[Any, Any]:
    """Meter, rate and invoice ``records`` for March 2026."""
    import ratekit as rk

    march = rk.Span.from_us(mb.MARCH_START_US, mb.APRIL_START_US)
    rating = rk.rate(records, the_plan, span=march, meters=mb.meters(), as_of=march.end)
    return rating, rk.bill(rating)


def naive_rating(events: Sequence[mb.Raw], rate: Decimal) -> dict[str, Decimal]:
    """Seed 000's loop, with a single Decimal rate per hour: each resource's bill."""
    resources: dict[str, int] = {}
    bills: dict[str, Decimal] = {}
    for event in events:
        uuid = event.resource
        at = event.at_us
        if event.kind == "start":
            resources[uuid] = at
        else:
            started = resources.pop(uuid, None)
            if started is not None:
                bills[uuid] = bills.get(uuid, Decimal(0)) + (at - started) / US_PER_HOUR * rate
    return bills


def main() -> None:
    arguments = mb.parse_arguments(__doc__.splitlines()[0])

    raws, seconds = mb.timed(lambda: mb.generate(arguments.records, arguments.seed))
    events = [raw for raw in raws if raw.kind != "sample"]
    accounts = len({raw.account for raw in raws})
    print(
        f"generated {len(raws):,} records ({len(events):,} events) of "
        f"{len({raw.resource for raw in raws}):,} resources, {accounts:,} accounts, "
        f"in {seconds:.1f} s"
    )
    records, build_seconds = mb.timed(lambda: mb.build_records(raws))
    print(
        f"built the ratekit records:            {build_seconds:7.2f} s "
        f"{len(records) / build_seconds:>11,.0f} records/s"
    )
    if arguments.freeze:
        gc.collect()
        gc.freeze()
        print("records frozen out of the garbage collector's reach (gc.freeze())")
    the_plan = plan()
    (rating, invoices), seconds = mb.timed(lambda: rate_and_bill(records, the_plan))
    print(
        f"meter + rate + bill, end to end:      {seconds:7.2f} s "
        f"{len(records) / seconds:>11,.0f} records/s"
    )
    print(
        f"  {len(rating.rows):,} usage rows, {len(rating.charges):,} charges, "
        f"{len(invoices):,} invoices, {len(rating.anomalies):,} anomalies"
    )
    total = sum((invoice.total for invoice in invoices), Decimal(0))
    print(f"  invoiced total: {total} EUR (exact: {rating.total()})")
    _, naive_seconds = mb.timed(lambda: naive_rating(events, Decimal("0.04")))
    print(
        f"naive loop, one Decimal rate (000):   {naive_seconds:7.2f} s "
        f"{len(events) / naive_seconds:>11,.0f} events/s"
    )
    print(
        f"ratio: ratekit takes {seconds / naive_seconds:.1f}x the naive loop's time "
        f"({seconds / len(records) * 1e6:.2f} us per record end to end vs "
        f"{naive_seconds / len(events) * 1e6:.2f} us per event; the naive loop meters no "
        "resize, sample, cycle or price change and invoices nothing)"
    )
    if arguments.no_memory:
        return
    del rating, invoices
    _, peak, _ = mb.traced(lambda: rate_and_bill(records, the_plan))
    print(
        f"peak memory while rating (tracemalloc, above the records): {peak / 2**20:,.1f} MiB; "
        f"peak resident memory of the process: {mb._max_rss_mib():,.0f} MiB"
    )


if __name__ == "__main__":
    main()
