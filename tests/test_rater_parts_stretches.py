"""A part of an event ordered by its seq before compacted events, in several stretches.

Metering's late rows of a time meter are per stretch (docs/usage.md, "Continuing from a
state"): an event whose ``seq`` orders it before a compacted cycle's events may change
two stretches of that cycle under one description, two ``"late"`` changes of one part
(`ratekit._rater_parts`). A statement that meters the resource again finds both: it
names what they come to together less what was named of the part, nothing when that is
the same, never each against the part's whole.
"""

from __future__ import annotations

import json
from decimal import Decimal

from tests._lines_named import lines_and_named

import ratekit as rk

HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())
DAILY = rk.Plan(
    "d", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))]
)
START = "2026-03-27T00:00:00Z"


def _event(at: str, kind: str, name: str, seq: int) -> rk.Event:
    return rk.Event("acme", "vm-8", f"2026-03-{at}:00Z", kind=kind, id=name, seq=seq)


def test_two_stretches_of_a_part_found_again_are_named_once() -> None:
    # vm-8 runs 27 March 02:00-05:00 and from 10:00 (seq 84, 85, 86): stated on the 30th,
    # 3 + 14 + 24 + 24 h, the 27th and 28th compacted. s0, a START of 29 March 18:00 with
    # seq 64, comes before them: batch moves them to 18:00, and vm-8 runs from then on:
    # 6 h on the 29th, 24 on the 30th and 31st, 54 h. The statement names s0's part of
    # each compacted cycle, batch with it less batch without it: on the 27th 0 - (3 + 14)
    # = -17 h (02:00-05:00 and 10:00-24:00), on the 28th 0 - 24 = -24 h. Restored, the
    # rater meters vm-8 again from the compacted state and finds the same parts: the 27th's
    # two stretches, -3 - 14 = -17 h, are what was named: nothing more (each stretch taken
    # against the part's -17 would name +14 and +3, 71 h in all).
    records = [
        _event("27T02:00", "start", "s1", 84),
        _event("27T05:00", "stop", "t1", 85),
        _event("27T10:00", "start", "s2", 86),
    ]
    moved = _event("29T18:00", "start", "s0", 64)
    rater = rk.Rater(DAILY, [HOURS], start=START)
    reports: list[rk.Feed | rk.Statement] = [rater.feed(records)]
    reports.append(rater.statement("2026-03-30T00:00:00Z"))
    reports.append(rater.feed([moved]))
    named = rater.statement("2026-03-30T12:00:00Z")
    reports.append(named)
    parts = sorted((a.at.isoformat(), a.quantity) for a in named.anomalies if a.kind == "late")
    assert parts == [
        ("2026-03-27T02:00:00+00:00", Decimal(-17)),
        ("2026-03-28T00:00:00+00:00", Decimal(-24)),
    ]
    for as_of in ("2026-03-30T18:00:00Z", "2026-04-01T00:00:00Z"):
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), DAILY, [HOURS])
        again = rater.statement(as_of)
        assert [a.quantity for a in again.anomalies if a.kind == "late"] == []
        reports.append(again)
    batch = rk.rate(
        [*records, moved], DAILY, span=rk.Span(START, "2026-04-01T00:00:00Z"), meters=[HOURS]
    )
    assert sum(charge.quantity for charge in batch.charges) == Decimal(54)
    assert lines_and_named(reports, "vm.hours") == Decimal(54)
