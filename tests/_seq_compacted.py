"""Two streams whose event, ordered by its seq, reaches before events a compacted state no
longer keeps: not applied, the known limit of docs/streaming.md, and the anomaly that says so.

Each gives the records fed on 1 March (compacted by a statement at 3 March) and the
early START (seq 0) fed after, under one daily plan pricing memory at 1 EUR a MB*hour.
"""

from __future__ import annotations

import ratekit as rk

MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb"))
MEMORY_PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("m", "memory", rk.PerUnit(1))]
)


def settled() -> tuple[list[rk.Event | rk.Inventory], rk.Event]:
    """s2 (START seq 2, 1 March 00:48, 1024 MB) and an inventory listing vm (03:24), whose
    history the inventory settles; then s0 (START seq 0, 5 March 11:21, 256 MB)."""
    start = rk.Event(
        "b", "vm", "2026-03-01T00:48:00Z", {"memory_mb": 1024}, kind="start", id="s2", seq=2
    )
    listing = rk.Inventory("2026-03-01T03:24:00Z", [("b", "vm")], id="inv")
    early = rk.Event(
        "b", "vm", "2026-03-05T11:21:00Z", {"memory_mb": 256}, kind="start", id="s0", seq=0
    )
    return [start, listing], early


def folded() -> tuple[list[rk.Event], rk.Event]:
    """20 sequenced events of 1 March (seq 10 to 29, 100 to 119 MB), of which compaction
    keeps the last 16 and folds the first four; then s0 (START seq 0, 5 March 12:00)."""
    events = [
        rk.Event(
            "b",
            "vm",
            f"2026-03-01T{i // 4:02d}:{i % 4 * 15:02d}:00Z",
            {"memory_mb": 100 + i},
            kind="start" if i == 0 else "update",
            id=f"e{i}",
            seq=10 + i,
        )
        for i in range(20)
    ]
    early = rk.Event(
        "b", "vm", "2026-03-05T12:00:00Z", {"memory_mb": 7}, kind="start", id="s0", seq=0
    )
    return events, early
