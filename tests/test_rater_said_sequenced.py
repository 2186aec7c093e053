"""Anomalies of sequenced events in a stream: each said once, as one batch says them.

docs/streaming.md (anomalies in a stream): when every record is fed before the watermark
passes its instant, a stream says the anomalies that one batch ``rate()`` over all the
records says, each once. Metering as of a watermark leaves out an event stamped at or
after it, even one whose ``seq`` orders it before a metered event: the latter's anomaly
waits for that instant (a STOP stamped 04:50 with ``seq`` 4 is a second STOP to metering
as of 05:00, but follows a START of 05:00 with ``seq`` 3 in batch).
"""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ratekit as rk
from ratekit._event_order import _event_order
from ratekit._instants import format_us

from ._budget import LAWS

DAILY = rk.cycles.daily(tz="UTC")
VM_HOURS = rk.Meter("vm", "hour", rk.OnOff())
PLAN = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("vm", "vm", rk.PerUnit(1))])
T0 = 1772323200000000  # 2026-03-01T00:00:00Z
HOUR = 3_600_000_000
TWO_DAYS = rk.Span("2026-03-01T00:00:00Z", "2026-03-03T00:00:00Z")
KINDS = ("start", "start", "stop", "stop", "update", "delete")


def _stream(rng: random.Random) -> list[rk.Event]:
    """Events of one or two VMs over two days, on the hour, their seqs shuffled in part."""
    out: list[rk.Event] = []
    for resource in ("r1", "r2")[: rng.randint(1, 2)]:
        count = rng.randint(2, 7)
        seqs = rng.sample(range(1, 100), count)
        for index in range(count):
            at = format_us(T0 + rng.randrange(0, 47) * HOUR)
            kind = rng.choice(KINDS)
            described = {"size": rng.randint(1, 2)} if kind in ("start", "update") else {}
            seq = seqs[index] if rng.random() < 0.8 else None
            name = f"{resource}-{index}"
            out.append(rk.Event("a", resource, at, described, kind=kind, id=name, seq=seq))
    rng.shuffle(out)
    return out


def _due(records: list[rk.Event]) -> dict[str | None, int]:
    """Per event id, the earliest instant of the event and of those batch orders after it.

    An event its ``seq`` orders before events stamped earlier changes what those are
    (a STOP after it is no second STOP): a stream knows it when it is fed before the
    watermark passes the first of them.
    """
    out: dict[str | None, int] = {}
    for resource in {r.resource for r in records}:
        ordered = [r for r in records if r.resource == resource]
        _event_order(ordered)
        earliest = ordered[-1].at_us
        for event in reversed(ordered):
            earliest = min(earliest, event.at_us)
            out[event.id] = earliest
    return out


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(st.integers(0, 2**32))
def test_a_stream_fed_ahead_says_batchs_anomalies_of_sequenced_events_once(seed: int) -> None:
    rng = random.Random(seed)
    records = _stream(rng)
    # Statements at watermarks on the hour, then past the two days; each record fed
    # before the watermark passes its instant, or that of an event batch orders after it
    # (`_due`): at random, some statements ahead of it, in random batches.
    rater = rk.Rater(PLAN, [VM_HOURS], start="2026-03-01T00:00:00Z")
    watermarks = [*sorted(rng.sample(range(1, 48), rng.randint(0, 4))), 49]
    pending = list(records)
    due_us = _due(records)
    said: Counter[tuple[str, tuple[str, ...]]] = Counter()
    for hours in watermarks:
        due = [r for r in pending if due_us[r.id] < T0 + hours * HOUR or rng.random() < 0.3]
        pending = [r for r in pending if all(r is not d for d in due)]
        cut = rng.randint(0, len(due))
        for batch in (due[:cut], due[cut:]):
            rater.feed(batch)
        statement = rater.statement(format_us(T0 + hours * HOUR))
        said.update((a.kind, a.record_ids) for a in statement.anomalies)
    batch = rk.rate(records, PLAN, span=TWO_DAYS, meters=[VM_HOURS], as_of=TWO_DAYS.end)
    assert said == Counter((a.kind, a.record_ids) for a in batch.anomalies)
