"""A reconciler's inventories as the rater's clock: statement cost through a cycle.

Exoscale's metering (seed 000) lists every running VM each hour and closes the ones a
listing misses. Fed to `rk.Rater`: ``--vms`` VMs started on 2 March, an inventory of all
of them each hour, a statement a minute after each, for ``--hours`` hours of a monthly
cycle, once with ``close="snapshot"`` and once with ``close="last_seen"``. It prints the
CPU seconds of the first and the last five statements of each, and their ratio.

With ``close="snapshot"`` a statement meters the hour since the last one, so its cost
stays flat; with ``close="last_seen"`` an inventory may move a closing back to any
resource's last sign of life, so every statement meters every resource again from the
cycle's start (docs/streaming.md, One engine): its cost grows with the cycle so far.

Usage::

    python benchmarks/reconciler_bench.py                 # 200 VMs, 40 hours
    python benchmarks/reconciler_bench.py --vms 1000 --hours 48
"""

from __future__ import annotations

import argparse
import datetime as dt
import time

START = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def costs(close: str, vms: int, hours: int) -> list[float]:
    """The CPU seconds of each statement of the stream."""
    import ratekit as rk

    meter = rk.Meter("vm.hours", "hour", rk.OnOff())
    plan = rk.Plan(
        "p", "CHF", rk.cycles.monthly(tz="Europe/Zurich"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))],
    )  # fmt: skip
    rater = rk.Rater(plan, [meter], start=START)
    rater.feed([rk.Event("acme", f"vm-{n}", START, kind="start", id=f"s{n}") for n in range(vms)])
    listed = [("acme", f"vm-{n}") for n in range(vms)]
    spent = []
    for hour in range(1, hours + 1):
        when = START + hour * HOUR
        rater.feed([rk.Inventory(when, listed, close=close, id=f"i{hour}")])  # type: ignore[arg-type]
        clock = time.process_time()
        rater.statement(when + dt.timedelta(minutes=1))
        spent.append(time.process_time() - clock)
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vms", type=int, default=200, help="how many VMs")
    parser.add_argument("--hours", type=int, default=40, help="how many hourly inventories")
    args = parser.parse_args()
    for close in ("snapshot", "last_seen"):
        spent = costs(close, args.vms, args.hours)
        early, late = sum(spent[1:6]), sum(spent[-5:])
        print(
            f"close={close:9}  statements 2-6: {early:.3f} s  last 5: {late:.3f} s  "
            f"ratio {late / early:.1f}  all {sum(spent):.2f} s"
        )


if __name__ == "__main__":
    main()
