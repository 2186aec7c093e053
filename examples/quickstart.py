"""Rate a small fleet for March 2026 and print its invoice.

Two virtual machines (one resized, one stopped), a volume, and the bytes they sent,
under a plan whose instance prices change on March 15th and whose egress is priced in
graduated tiers.
"""

from __future__ import annotations

import ratekit as rk

monthly = rk.cycles.monthly(tz="Europe/Zurich")
march = monthly.containing("2026-03-15T12:00:00Z")

# What happened: events describe resources over time, samples measure what they used.
small, large = {"type": "vm", "flavor": "small"}, {"type": "vm", "flavor": "large"}
volume = {"type": "volume", "size_gb": 200}
records = [
    rk.Event("acme", "web-1", "2026-03-01T00:00:00Z", small, kind="start", id="e1"),
    rk.Event("acme", "web-1", "2026-03-20T00:00:00Z", large, kind="start", id="e2"),  # resize
    rk.Event("acme", "batch", "2026-03-10T00:00:00Z", large, kind="start", id="e3"),
    rk.Event("acme", "batch", "2026-03-12T12:00:00Z", kind="stop", id="e4"),
    rk.Event("acme", "data", "2026-03-01T00:00:00Z", volume, kind="start", id="e5"),
    rk.Sample("acme", "web-1", "egress", "2026-03-09T00:00:00Z", 180, id="s1"),
    rk.Sample("acme", "web-1", "egress", "2026-03-25T00:00:00Z", 950, id="s2"),
]

# How usage is measured: hours while running, GB-hours of storage, GB sent.
meters = [
    rk.Meter("vm.hours", "hour", rk.OnOff(when={"type": "vm"})),
    rk.Meter("storage", "GB*hour", rk.Continuous("size_gb")),
    rk.Meter("egress", "GB", rk.Discrete()),
]

# What it costs: per-flavor prices, cheaper from the 15th; storage; tiered egress.
from_15th = "2026-03-15T00:00:00Z"
plan = rk.Plan(
    "standard",
    "EUR",
    monthly,
    [
        rk.PriceEntry("small", "vm.hours", rk.PerUnit("0.020"), where={"flavor": "small"}),
        rk.PriceEntry("large", "vm.hours", rk.PerUnit("0.080"), where={"flavor": "large"}),
        rk.PriceEntry("small from 15th", "vm.hours", rk.PerUnit("0.018"),
                      where={"flavor": "small"}, start=from_15th, priority=1),
        rk.PriceEntry("large from 15th", "vm.hours", rk.PerUnit("0.072"),
                      where={"flavor": "large"}, start=from_15th, priority=1),
        rk.PriceEntry("storage", "storage", rk.PerUnit("0.0001")),
        rk.PriceEntry("egress", "egress", rk.Graduated(
            [rk.Tier(100, "0"), rk.Tier(1000, "0.09"), rk.Tier(None, "0.05")])),
    ],
    fees=[rk.Fee("support", "10.00")],
)  # fmt: skip

rating = rk.rate(records, plan, span=march, meters=meters)
for invoice in rk.bill(rating, tz="Europe/Zurich"):
    print(invoice)
