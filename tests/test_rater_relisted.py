"""Too-late events stamped before a DELETE that a compacted listing opened their VM again after.

The compacted state keeps where the VM stood before the DELETE (`ResourceState.before`):
an event stamped there and fed after the DELETE (too late, or the DELETE in time) is
placed before it, the DELETE and the listing applied after it, as batch ``rate()``
applies them. The property draws such streams against one batch ``rate()``, restored
before each feed or never; the examples are in ``tests/test_rater_relisted_deletes.py``
and ``tests/test_rater_known_faults.py``.
"""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._lines_named import lines_and_named
from tests._relisted import METERS, PLAN, T0, Record, Report, batch_quantity

import ratekit as rk
from ratekit._instants import format_us

HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
WATERMARK = "2026-03-05T23:00:00Z"  # 1 to 3 March compacted


def _draw(rng: random.Random) -> tuple[list[Record], list[Record], list[list[Record]]]:
    """A VM opened on 1 March, events, a DELETE and a listing after it: all, first, later.

    vm is opened by a listing (with a memory size now and then) or a START on 1 March; one to three
    STARTs, UPDATEs (256 or 1024 MB) or STOPs follow, in quarter hours after it and
    before the DELETE (2 or 3 March); an inventory lists vm again within a day after
    the DELETE (a listing or last_seen, as it was: no attributes), before 4 March. What opened vm and the inventories are fed first, the DELETE with them or
    too late, then each event too late, in time order, one or two a batch.
    """
    numbers = iter(range(100))

    def at(low: int, high: int) -> int:
        return T0 + rng.randrange(low, max(high, low + 1), 15 * 60_000_000)

    def listing(instant: int, sizes: tuple[dict[str, int], ...]) -> rk.Inventory:
        size = rng.choice(sizes)
        close = rng.choice(("snapshot", "last_seen"))
        return rk.Inventory(
            format_us(instant), [("a", "vm", size)], close=close, id=f"i{next(numbers)}"
        )

    def event(kind: str, instant: int) -> rk.Event:
        size = {"memory_mb": rng.choice((256, 1024))} if kind in ("start", "update") else {}
        return rk.Event("a", "vm", format_us(instant), size, kind=kind, id=f"e{next(numbers)}")

    opened = at(0, DAY_US)
    gone = at(DAY_US, 3 * DAY_US - 2 * HOUR_US)
    opening: Record = (
        listing(opened, ({}, {"memory_mb": 256})) if rng.random() < 0.5 else event("start", opened)
    )
    instants = sorted({at(opened - T0 + HOUR_US // 4, gone - T0) for _ in range(rng.randint(1, 3))})
    middle = [event(rng.choice(("start", "update", "stop")), t) for t in instants if t < gone]
    delete = event("delete", gone)
    again = listing(at(gone - T0 + HOUR_US // 4, min(gone - T0 + DAY_US, 3 * DAY_US)), ({},))
    first: list[Record] = [opening, again] + ([delete] if rng.random() < 0.4 else [])
    late: list[Record] = ([] if delete in first else [delete]) + middle
    batches: list[list[Record]] = []
    while late:
        size = 1 if late[0] is delete else rng.randint(1, 2)
        batches.append(late[:size])
        late = late[size:]
    return [opening, *middle, delete, again], first, batches


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(seed=st.integers(0, 2**32), restore=st.booleans())
def test_law_events_before_a_relisted_delete_add_up_to_batch(seed: int, restore: bool) -> None:
    # Oracle: one batch rate() of every record. The stream's lines plus the quantities
    # its anomalies name come to batch's, per meter, restored before each later call or
    # never; each event is placed (its anomaly says so, with or without a quantity).
    # Before, an event stamped before the DELETE and fed after it was not placed: its
    # part before the kept cycles was named by none (a START's memory, a STOP's hours).
    rng = random.Random(seed)
    records, first, batches = _draw(rng)
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    reports: list[Report] = [rater.feed(first), rater.statement(WATERMARK)]
    for batch in [*batches, None]:
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
        reports.append(
            rater.statement("2026-03-06T00:00:00Z") if batch is None else rater.feed(batch)
        )
        rater._check()
    unplaced = [
        a.message
        for r in reports
        for a in r.anomalies
        if a.kind == "too_late" and "cannot be placed" in a.message
    ]
    assert unplaced == []
    for meter in ("runtime", "memory"):
        assert lines_and_named(reports, meter) == batch_quantity(records, meter), meter
