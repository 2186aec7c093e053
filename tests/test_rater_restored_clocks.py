"""A restored rater says what the rater never restored says: each resource against its own clock.

A rater restored from its snapshot (through JSON, or a pickle) meters every resource
again from the compacted state at its first statement; the rater never restored meters
again only those a late record reached, with their own compacted states. A stream
where the anomalies differed, the lines being equal:

- A resource with nothing compacted took the clock of the compacted states metered
  with it (the kept cycles' start): a kept event of its own stamped before that start
  (a STOP whose ``seq`` orders it after the resource's kept START) read as a ``"late"``
  record that changes no quantity there. The rater never restored said it too, but only
  when another resource with a compacted state was metered again at the same statement.
  A resource is now late only against its own compacted state's clock: with none, it has
  none.
"""

from __future__ import annotations

import json
import pickle
import typing

import pytest

import ratekit as rk

RUNTIME = rk.Meter("runtime", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "runtime", rk.PerUnit("0.10"))]
)
Restore = typing.Literal["never", "json", "pickle"]


def _again(rater: rk.Rater, how: Restore) -> rk.Rater:
    if how == "json":
        return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [RUNTIME])
    if how == "pickle":
        return typing.cast(rk.Rater, pickle.loads(pickle.dumps(rater)))
    return rater


def _lines(statement: rk.Statement) -> list[tuple[str | None, str, int, str, str]]:
    return [
        (x.resource, x.role, x.cycle.start.day, str(x.quantity), str(x.amount))
        for x in statement.lines
    ]


@pytest.mark.parametrize("how", ["never", "json", "pickle"])
@pytest.mark.parametrize("alongside", [False, True])
def test_a_resource_with_nothing_compacted_has_no_clock_of_another(
    how: Restore, alongside: bool
) -> None:
    # vm0 runs from 1 March 01:00, vm1 from its START s1 of 2 March 10:00 (seq 1), at
    # 0.10 an hour. At 3 March 05:00: vm0 23 h on 1 March (2.30), 24 h on 2 March
    # (2.40), 5 h on 3 March (0.50); vm1 14 h on 2 March (1.40), 5 h on 3 March (0.50).
    # 2 March closes, 1 March is compacted: only vm0 has a compacted state.
    rater = rk.Rater(PLAN, [RUNTIME], start="2026-03-01T00:00:00Z")
    rater.feed([
        rk.Event("a", "vm0", "2026-03-01T01:00:00Z", kind="start", id="s0"),
        rk.Event("a", "vm1", "2026-03-02T10:00:00Z", kind="start", id="s1", seq=1),
    ])  # fmt: skip
    rater = _again(rater, how)
    first = rater.statement("2026-03-03T05:00:00Z")
    assert _lines(first) == [
        ("vm0", "charge", 1, "23", "2.30"),
        ("vm0", "charge", 2, "24", "2.40"),
        ("vm1", "charge", 2, "14", "1.40"),
        ("vm0", "charge", 3, "5", "0.50"),
        ("vm1", "charge", 3, "5", "0.50"),
    ]
    rater = _again(rater, how)
    # x1, a STOP of vm1 stamped on compacted 1 March, comes now: its seq (2) orders it
    # after s1, kept, so it is kept and takes effect at s1's instant (out of order): vm1
    # ran 0 h. Alongside, t0 stops vm0 at 2 March 20:00, before the watermark: vm0 is
    # metered again from its compacted state at the same statement.
    batch = [rk.Event("a", "vm1", "2026-03-01T12:00:00Z", kind="stop", id="x1", seq=2)]
    if alongside:
        batch.append(rk.Event("a", "vm0", "2026-03-02T20:00:00Z", kind="stop", id="t0"))
    assert rater.feed(batch).late == tuple(r.id for r in batch)
    rater = _again(rater, how)
    second = rater.statement("2026-03-03T06:00:00Z")
    # vm1: -14 h (-1.40) on 2 March, -5 h (-0.50) on 3 March, 0 h in all. vm0 runs on
    # to 06:00 (6 h, 0.60 on 3 March); stopped at 2 March 20:00 instead, it ran 20 h
    # that day (2.00) and none on 3 March.
    if alongside:
        assert _lines(second) == [
            ("vm0", "reversal", 2, "-24", "-2.40"),
            ("vm0", "correction", 2, "20", "2.00"),
            ("vm1", "reversal", 2, "-14", "-1.40"),
            ("vm0", "reversal", 3, "-5", "-0.50"),
            ("vm1", "reversal", 3, "-5", "-0.50"),
        ]
    else:
        assert _lines(second) == [
            ("vm1", "reversal", 2, "-14", "-1.40"),
            ("vm0", "reversal", 3, "-5", "-0.50"),
            ("vm0", "correction", 3, "6", "0.60"),
            ("vm1", "reversal", 3, "-5", "-0.50"),
        ]
    # vm1 had nothing compacted: nothing of it was metered before 2 March, so nothing
    # of it is late there. The one anomaly is x1's order (no "late" about vm1).
    assert [(a.kind, a.resource, a.record_ids) for a in second.anomalies] == [
        ("out_of_order", "vm1", ("x1", "s1"))
    ]
    rater = _again(rater, how)
    assert not rater.statement("2026-03-04T06:00:00Z").anomalies
