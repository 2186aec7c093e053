"""A last_seen closing back into compacted cycles says only what changes billed time."""

from __future__ import annotations

from decimal import Decimal

import ratekit as rk

PLAN = rk.Plan("p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("v", "vm", rk.PerUnit(1))])
METERS = [rk.Meter("vm", "hour", rk.OnOff())]
SPAN = rk.Span("2026-03-01T00:00:00Z", "2026-03-05T00:00:00Z")
INVENTORY = rk.Inventory("2026-03-04T12:00:00Z", [], close="last_seen", id="inv")


def _run(records: list[rk.Event]) -> tuple[list[rk.Anomaly], Decimal]:
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.feed(records)
    lines = list(rater.statement("2026-03-04T06:00:00Z").lines)  # 1 and 2 March compacted
    feed = rater.feed([INVENTORY])
    statement = rater.statement("2026-03-05T00:00:00Z")
    lines += statement.lines
    said = [a for a in (*feed.anomalies, *statement.anomalies) if a.kind == "too_late"]
    return said, sum((line.amount for line in lines), Decimal(0))


def test_a_stopped_resource_closed_back_is_no_too_late_anomaly() -> None:
    records = [
        rk.Event("a", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="s"),
        rk.Event("a", "vm-1", "2026-03-01T10:00:00Z", kind="stop", id="t"),
    ]
    said, total = _run(records)
    # Stopped since 1 March 10:00: closing it there changes only stopped time, which no
    # meter measures (OnOff meters running time): nothing billed to say.
    assert said == []
    # 00:00 to 10:00 running = 10 h x 1 EUR = 10, as batch rate() gives.
    batch = rk.rate([*records, INVENTORY], PLAN, span=SPAN, meters=METERS).total()
    assert total == batch == Decimal(10)


def test_a_running_resource_closed_back_says_its_hours_running_stay_billed() -> None:
    records = [rk.Event("a", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="s")]
    said, total = _run(records)
    (anomaly,) = said
    # Closed at its last sign of life, 1 March 00:00; the kept cycles start 3 March:
    # 2 days x 24 = 48 hours running billed by compacted cycles, which stand.
    assert (
        "the part from 2026-03-01T00:00:00Z to 2026-03-03T00:00:00Z (48 hours running) "
        "belonged to cycles already compacted and stays billed"
    ) in anomaly.message
    # Batch bills nothing (closed at 1 March 00:00); the rater the 48 h said: 48 EUR.
    batch = rk.rate([*records, INVENTORY], PLAN, span=SPAN, meters=METERS).total()
    assert (batch, total) == (Decimal(0), Decimal(48))
