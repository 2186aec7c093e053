"""A row's record ids come in one order: each once, sorted, however the row was metered.

A `Discrete` piece a rater continues from its carried state joins the row that ended at
the last statement to the new one; metering everything again (after a restore, or in
batch) reads the same records in another order (the deltas at an instant, then those
over a span). Both give the ids sorted, so the charges' provenance and the anomalies
that name a row's ids read alike.
"""

from __future__ import annotations

import json
from decimal import Decimal

import ratekit as rk
from ratekit.usage import _ordered_ids

API = rk.Meter("api", "call", rk.Discrete())
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("api", "api", rk.PerUnit("0.1"))]
)
# A delta of 2 calls over 02:00..14:00, fed first, then a plain delta of 1 call at 20:00:
# the spanned one's id sorts after the plain one's.
SPANNED = rk.Sample(
    "a", "app", "api", "2026-03-02T14:00:00Z", 2, since="2026-03-02T02:00:00Z", id="x1"
)
PLAIN = rk.Sample("a", "app", "api", "2026-03-02T20:00:00Z", 1, id="x0")
STEPS = [([SPANNED], "2026-03-02T15:00:00Z"), ([PLAIN], "2026-03-02T21:00:00Z")]


def _play(plan: rk.Plan, meters: list[rk.Meter], *, restore: bool) -> list[rk.Statement]:
    rater = rk.Rater(plan, meters, start="2026-03-02T00:00:00Z")
    out = []
    for batch, watermark in STEPS:
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, meters)
        rater.feed(batch)
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, meters)
        out.append(rater.statement(watermark))
    return out


def _provenance(statements: list[rk.Statement]) -> list[list[tuple[str, Decimal, tuple[str, ...]]]]:
    return [
        [
            (line.role, line.quantity, charge.record_ids)
            for line in s.lines
            for charge in line.charges
        ]
        for s in statements
    ]


def test_a_joined_delta_row_lists_its_ids_as_metering_from_scratch_does() -> None:
    never = _play(PLAN, [API], restore=False)
    restored = _play(PLAN, [API], restore=True)
    # 15:00: 2 calls (x1); 21:00: 2 + 1 = 3 calls, a charge of 3 x 0.1 = 0.3 EUR
    assert _provenance(never) == [
        [("charge", Decimal(2), ("x1",))],
        [("increment", Decimal(1), ("x0", "x1"))],
    ]
    assert _provenance(restored) == _provenance(never)
    batch = rk.rate(
        [SPANNED, PLAIN],
        PLAN,
        span=rk.Span("2026-03-02T00:00:00Z", "2026-03-02T21:00:00Z"),
        meters=[API],
    )
    assert [(c.quantity, c.amount, c.record_ids) for c in batch.charges] == [
        (Decimal(3), Decimal("0.3"), ("x0", "x1"))
    ]


def test_an_unpriced_joined_row_names_its_ids_alike_restored_or_not() -> None:
    # Unpriced usage is said with the ids of its row: the same ids restored or not.
    plan = rk.Plan(
        "u",
        "EUR",
        rk.cycles.daily(tz="UTC"),
        [rk.PriceEntry("api", "api", rk.PerUnit(1), where={"f": "s"})],
        unpriced="anomaly",
    )
    never = [
        [(a.kind, a.record_ids) for a in s.anomalies] for s in _play(plan, [API], restore=False)
    ]
    restored = [
        [(a.kind, a.record_ids) for a in s.anomalies] for s in _play(plan, [API], restore=True)
    ]
    # 15:00: 2 calls (x1); 21:00: 2 + 1 = 3 calls over 00:00..21:00, the ids sorted
    assert never == [[("unpriced", ("x1",))], [("unpriced", ("x0", "x1"))]]
    assert restored == never


def test_a_time_rows_ids_are_sorted_too() -> None:
    # A run from 'run-2' at 08:00 to 'run-1' at 10:00: 2 hours, the stop's id first.
    start = rk.Event("acme", "vm-1", "2026-03-02T08:00:00Z", kind="start", id="run-2")
    stop = rk.Event("acme", "vm-1", "2026-03-02T10:00:00Z", kind="stop", id="run-1")
    day = rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
    usage = rk.meter([start, stop], [VM], span=day, cycle=rk.cycles.daily(tz="UTC"), as_of=day.end)
    assert [(row.quantity, row.record_ids) for row in usage.rows] == [
        (Decimal(2), ("run-1", "run-2"))
    ]


def test_the_one_order_is_each_id_once_sorted_as_strings() -> None:
    assert _ordered_ids(["s9", "s10", "s9", "a"]) == ("a", "s10", "s9")
    assert _ordered_ids(("x",)) == ("x",)
    assert _ordered_ids(()) == ()
