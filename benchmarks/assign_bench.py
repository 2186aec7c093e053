"""`Rater.assign()`: the CPU time of onboarding customers into a running rater.

Three cases, each next to a baseline run in the same process (building a rater from
the same assignments, which is what a host would otherwise do):

- **onboard**: ``--customers`` (default 5,000) new customers assigned at once to a
  rater that has stated up to 5 March; none has a record yet;
- **one more**: one customer assigned to a rater built with ``--customers``;
- **years ahead**: a plan change ten years ahead of a running VM on hourly cycles (the
  door against usage the new plan cannot price rates at most about 10,000 cycles).

Usage::

    python benchmarks/assign_bench.py
    python benchmarks/assign_bench.py --customers 20000
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any


def cpu(action: Callable[[], Any]) -> float:
    """The CPU seconds ``action`` takes."""
    started = time.process_time()
    action()
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5_000, help="customers assigned")
    arguments = parser.parse_args()
    import ratekit as rk

    n = arguments.customers
    monthly = rk.cycles.monthly(tz="UTC")
    hours = rk.Meter("vm.hours", "hour", rk.OnOff())
    basic = rk.Plan(
        "basic",
        "EUR",
        monthly,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
        fees=[rk.Fee("base", 31)],
    )
    start = "2026-03-01T00:00:00Z"
    onboarded = [rk.Assignment(f"c{i:05}", basic, start="2026-03-06T00:00:00Z") for i in range(n)]

    rater = rk.Rater([rk.Assignment("zeta", basic)], [hours], start=start)
    rater.statement("2026-03-05T00:00:00Z")
    onboard = cpu(lambda: rater.assign(*onboarded))
    built = cpu(lambda: rk.Rater([rk.Assignment("zeta", basic), *onboarded], [hours], start=start))
    print(
        f"onboard {n:,} at once:   {onboard:6.2f} s CPU  (building a rater with them: {built:.2f} s)"
    )

    crowd = rk.Rater(onboarded, [hours], start=start)
    crowd.statement("2026-03-05T00:00:00Z")
    newco = rk.Assignment("newco", basic, start="2026-03-06T00:00:00Z")
    one = cpu(lambda: crowd.assign(newco))
    rebuilt = cpu(lambda: rk.Rater([*onboarded, newco], [hours], start=start))
    print(f"one more among {n:,}:  {one:6.2f} s CPU  (building a rater with them: {rebuilt:.2f} s)")

    hourly = rk.cycles.hourly()
    tiered = rk.Plan(
        "tiered",
        "EUR",
        hourly,
        [rk.PriceEntry("vm", "vm.hours", rk.Graduated([rk.Tier(1, "0.1"), rk.Tier(None, "0.05")]))],
    )
    pro = rk.Plan("pro", "EUR", hourly, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))])
    running = rk.Rater([rk.Assignment("acme", tiered)], [hours], start=start)
    running.feed([rk.Event("acme", "vm-1", "2026-03-01T00:10:00Z", kind="start", id="e1")])
    running.statement("2026-03-01T03:00:00Z")
    ahead = cpu(lambda: running.assign(rk.Assignment("acme", pro, start="2036-03-01T00:00:00Z")))
    print(f"a change ten years ahead (hourly cycles): {ahead:6.2f} s CPU")


if __name__ == "__main__":
    main()
