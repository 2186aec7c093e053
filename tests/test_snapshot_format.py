"""The rater's snapshot format: the compact version 2, and version 1 still read.

``data/snapshots/rater_v1.json`` was written by the code before version 2: the records
fed (in `ratekit._snapshot.encode_record()`'s form) and the statements asked, step by
step, then the snapshot of version 1 taken at the end. Replayed into a new rater, the
steps give the state the old snapshot holds: restored, it must say exactly what the
replayed rater says.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests._rater_streams import METERS, PLANS, T0

import ratekit as rk
from ratekit import _snapshot
from ratekit._instants import format_us

FIXTURE = Path(__file__).parent / "data" / "snapshots" / "rater_v1.json"


def _replayed() -> tuple[dict[str, Any], rk.Rater]:
    """The version 1 snapshot, and a rater fed the steps that led to it."""
    fixture = json.loads(FIXTURE.read_text(encoding="utf-8"))
    rater = rk.Rater(PLANS, METERS, start=format_us(T0))
    for step, value in fixture["steps"]:
        if step == "feed":
            rater.feed([_snapshot.decode_record(item) for item in value])
        else:
            rater.statement(value)
    return fixture["snapshot"], rater


def test_a_version_1_snapshot_still_restores() -> None:
    old, replayed = _replayed()
    assert old["version"] == 1
    restored = rk.Rater.restore(old, PLANS, METERS)
    restored._check()
    # The same state: the snapshot the restored rater writes is the replayed one's.
    assert restored.snapshot() == replayed.snapshot()
    for at in ("2026-03-04T06:00:00Z", "2026-03-06T00:00:00Z"):
        assert restored.statement(at) == replayed.statement(at)
