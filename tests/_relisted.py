"""A VM on daily UTC cycles, its hours and MB*hours, for the streams of relisted resources.

Shared by the tests of listings that move a ``last_seen`` closing and of too-late
DELETEs of a resource listed again: the plan (0.10 EUR an hour, 0.0001 EUR an MB*hour),
one stream fed and stated twice (the second time restored before each call), and one
batch ``rate()`` over 1 to 6 March to hold it to.
"""

from __future__ import annotations

import json
from decimal import Decimal

import ratekit as rk
from ratekit._instants import to_us

PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("vm", "runtime", rk.PerUnit("0.10")),
        rk.PriceEntry("mem", "memory", rk.PerUnit("0.0001")),
    ],
)
METERS = [
    rk.Meter("runtime", "hour", rk.OnOff()),
    rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb")),
]
SPAN = rk.Span("2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z")
T0 = to_us("2026-03-01T00:00:00Z")
Record = rk.Event | rk.Sample | rk.Inventory
Report = rk.Feed | rk.Statement


def stated_twice(first: list[Record], watermark: str, later: list[list[Record]]) -> list[Report]:
    """``first`` fed and stated at ``watermark``; each of ``later`` fed; stated to 6 March.

    Run twice, the second time restored from a snapshot (through JSON) before each feed
    of ``later`` and the last statement: both say the same, word for word.
    """
    said = []
    for restore in (False, True):
        rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
        reports: list[Report] = [rater.feed(first), rater.statement(watermark)]
        for batch in [*later, None]:
            if restore:
                rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
            if batch is None:
                reports.append(rater.statement("2026-03-06T00:00:00Z"))
            else:
                reports.append(rater.feed(batch))
        said.append(reports)
    assert said[0] == said[1]
    return said[0]


def batch_quantity(records: list[Record], meter: str) -> Decimal:
    """What one batch ``rate()`` of ``records`` over 1 to 6 March bills of ``meter``."""
    rating = rk.rate(records, PLAN, span=SPAN, meters=METERS)
    return sum((c.quantity for c in rating.charges if c.meter == meter), Decimal(0))
