"""A rater's own snapshot restores after any batch, ids reused with other content included.

docs/streaming.md: `restore()` continues exactly where the snapshot was; a snapshot is
refused only when altered. A batch whose sequenced event is refused as `conflicting` (its
id held by another record, fed before or in the batch) must not count as an event that
a too-late event of its resource is ordered after: such an event is too late (placed in
the compacted state), not kept. It was kept, and the rater's own snapshot was then
refused as inconsistent. Oracle: the rater never restored, and the snapshot's own check.
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ratekit as rk
from _budget import FLOOR, LAWS

UTC = dt.UTC
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
PLAN = rk.Plan(
    "d", "EUR", rk.cycles.daily(tz="UTC"),
    [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.5")), rk.PriceEntry("gb", "egress", rk.PerUnit("0.01"))],
)  # fmt: skip
START = "2026-03-02T00:00:00Z"  # 1 March lies before the kept cycles
KINDS = ["start", "update", "stop"]
END = "2026-03-04T00:00:00Z"


def _record(rng: random.Random) -> rk.Event | rk.Sample:
    """An event or sample of vm-1 or vm-2 on 1 to 3 March, its id from a small pool."""
    when = dt.datetime(2026, 3, 1, tzinfo=UTC) + dt.timedelta(hours=rng.randrange(72))
    ident = f"r{rng.randrange(6)}"
    resource = rng.choice(["vm-1", "vm-2"])
    if rng.random() < 0.2:
        return rk.Sample("acme", resource, "egress", when, rng.randrange(1, 5), id=ident)
    seq = rng.randrange(10) if rng.random() < 0.8 else None
    return rk.Event("acme", resource, when, kind=rng.choice(KINDS), id=ident, seq=seq)


def _said(statement: rk.Statement) -> list[tuple[object, ...]]:
    return [(line.key, line.quantity, line.amount) for line in statement.lines]


def _check(seed: int) -> None:
    """Every snapshot of the stream restores, and fed the rest says what the rater says."""
    rng = random.Random(seed)
    records = [_record(rng) for _ in range(rng.randrange(2, 9))]
    batches = []
    while records:
        size = rng.randrange(1, 4)
        batches.append(records[:size])
        records = records[size:]
    rater = rk.Rater(PLAN, [VM, EGRESS], start=START)
    snapshots = []
    for batch in batches:
        rater.feed(batch)
        snapshots.append(json.loads(json.dumps(rater.snapshot())))
    said = _said(rater.statement(END))
    for done, data in enumerate(snapshots, 1):
        restored = rk.Rater.restore(data, PLAN, [VM, EGRESS])
        for batch in batches[done:]:
            restored.feed(batch)
        assert _said(restored.statement(END)) == said


@pytest.mark.parametrize("version", ["fed before", "in the batch"])
def test_an_event_ordered_after_a_conflicting_start_is_too_late(version: str) -> None:
    # x, a START of 2 March 12:00 (seq 1), conflicts: its id is a sample fed before, or
    # another START's that stands in the batch (judged first). u, an UPDATE of 1 March
    # (before the kept cycles) ordered by its seq after x, is then ordered after no kept
    # event: too late, and the rater's snapshot restores (it was refused: 'inconsistent').
    rater = rk.Rater(PLAN, [VM, EGRESS], start=START)
    day2 = dt.datetime(2026, 3, 2, 12, tzinfo=UTC)
    batch: list[rk.Event | rk.Sample] = [
        rk.Event("acme", "vm-1", day2, kind="start", id="x", seq=1),
        rk.Event(
            "acme", "vm-1", dt.datetime(2026, 3, 1, 12, tzinfo=UTC), kind="update", id="u", seq=2
        ),
    ]
    if version == "fed before":
        rater.feed([rk.Sample("acme", "vm-1", "egress", day2, 1, id="x")])
    else:
        batch.append(rk.Event("acme", "vm-2", day2, kind="start", id="x", seq=3))
    feed = rater.feed(batch)
    assert (feed.conflicting, feed.too_late) == (("x",), ("u",))
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [VM, EGRESS])
    assert _said(restored.statement("2026-03-03T00:00:00Z")) == _said(
        rater.statement("2026-03-03T00:00:00Z")
    )


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_every_snapshot_of_a_stream_with_reused_ids_restores_and_says_the_same(seed: int) -> None:
    _check(seed)
