"""The plan of the streams of events ordered by their seq: daily UTC cycles, 1 EUR a unit.

Hours running, a plain counter's bytes and a first reading from zero's seconds (with
which a compacted state keeps its resource's last events, its history, which an
event's seq may order it before). Shared by the tests of what such events name.
"""

from __future__ import annotations

import ratekit as rk

HOURS = rk.Meter("hours", "hour", rk.OnOff())
BYTES = rk.Meter("bytes", "B", rk.Counter())
CPU = rk.Meter("cpu", "s", rk.Counter(from_zero=True))
METERS = [HOURS, BYTES, CPU]
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [rk.PriceEntry(meter.name, meter.name, rk.PerUnit(1)) for meter in METERS],
)
START = "2026-03-01T00:00:00Z"
