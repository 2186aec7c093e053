"""The order a fed batch is judged in is one total order, whatever the order listed.

`ratekit._rater_order.judged` sorts events, samples and inventories apart (and skips
sorts it can tell are not needed); the oracle is the whole batch sorted at once by the
documented key written out (events stamped before the kept cycles by instant, the other
events from the greatest ``seq`` then by instant, samples as metering orders readings,
inventories by instant; then kind of event, id, account, resource; then content), the
versions of one id at the place of the one that stands (`ratekit._versions.standing`).
"""

from __future__ import annotations

from random import Random

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._instants import format_us
from ratekit._rater_order import as_listed, judged
from ratekit._versions import content
from ratekit._versions import standing as standing_key

T0 = 1_772_323_200_000_000  # 2026-03-01T00:00:00Z
HOUR = 3_600_000_000

ids = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))
hours = st.integers(0, 3).map(lambda h: format_us(T0 + h * HOUR))
events = st.builds(
    lambda at, kind, seq, record_id: rk.Event("acme", "vm-1", at, kind=kind, seq=seq, id=record_id),
    hours,
    st.sampled_from(["start", "stop"]),
    st.one_of(st.none(), st.integers(0, 3)),
    ids,
)
samples = st.builds(
    lambda at, value, record_id: rk.Sample("acme", "ip-1", "egress", at, value, id=record_id),
    hours,
    st.integers(0, 3),
    ids,
)
inventories = st.builds(
    lambda at, record_id: rk.Inventory(at, [("acme", "vm-1")], id=record_id), hours, ids
)


BASE = T0 + 2 * HOUR  # the kept cycles' start: events stamped before it are too late
_RANK = {"start": 0, "update": 1, "stop": 2, "delete": 3}


def _own(record: rk.Event | rk.Sample | rk.Inventory) -> tuple[object, ...]:
    """The documented order, written out: kind, then the kind's own order, then content."""
    if isinstance(record, rk.Event):
        seq, at = record.seq, record.at_us
        tail = (_RANK[record.kind], record.id or "", record.account, record.resource)
        if at < BASE:  # too late: by instant, as metering applies them
            return (0, 0, at, seq is not None, seq or 0, *tail)
        return (0, 1, 0 if seq is None else -seq, at, *tail)
    if isinstance(record, rk.Sample):
        seq = -1 if record.seq is None else record.seq
        return (1, record.at_us, seq, record.value, record.id or "", record.account,
                record.resource, record.meter)  # fmt: skip
    return (2, record.at_us, record.id or "")


def oracle(
    batch: list[rk.Event | rk.Sample | rk.Inventory],
) -> list[rk.Event | rk.Sample | rk.Inventory]:
    # Of several versions of an id (other content), the one standing() picks is judged
    # first, the others right after it; any tie left is broken by content.
    groups: dict[tuple[str, str], list[rk.Event | rk.Sample | rk.Inventory]] = {}
    for record in batch:
        if record.id is not None:
            groups.setdefault((type(record).__name__, record.id), []).append(record)
    standing = {
        identity: min(some, key=standing_key)
        for identity, some in groups.items()
        if any(other != some[0] for other in some)
    }

    def key(record: rk.Event | rk.Sample | rk.Inventory) -> tuple[object, ...]:
        first = standing.get((type(record).__name__, record.id or ""))
        if first is None:
            return (_own(record), 0, content(record))
        return (_own(first), 0 if record == first else 1, content(record))

    return sorted(batch, key=key)


@settings(max_examples=LAWS)
@given(
    st.lists(st.one_of(events, samples, inventories), max_size=8),
    st.booleans(),
    st.randoms(use_true_random=False),
)
def test_judged_is_one_total_order_whatever_the_order_listed(
    batch: list[rk.Event | rk.Sample | rk.Inventory], twice: bool, rng: Random
) -> None:
    if twice and batch:
        batch = [*batch, batch[0]]  # one record listed twice is not two versions
    got = judged(list(batch), BASE)
    assert sorted(map(id, got)) == sorted(map(id, batch))  # the batch's records, each once
    assert got == oracle(batch)  # records equal where they tie (replays of each other)
    other = batch[:]
    rng.shuffle(other)
    assert judged(other, BASE) == got


def test_events_too_late_are_judged_first_in_time_order() -> None:
    # Both stamped before the kept cycles (BASE, 02:00): placed in the compacted state in
    # the order metering applies them, 00:00 before 01:00, whatever the order listed (the
    # later one placed first would leave the earlier one unplaceable). Then the kept
    # event (03:00, seq 1), the sequenced one first.
    late = rk.Event("acme", "vm-1", format_us(T0 + HOUR), kind="update", id="late")
    early = rk.Event("acme", "vm-1", format_us(T0), kind="start", id="early")
    kept = rk.Event("acme", "vm-1", format_us(T0 + 3 * HOUR), kind="stop", id="kept")
    sequenced = rk.Event("acme", "vm-1", format_us(T0 + 3 * HOUR), kind="stop", id="s", seq=1)
    for batch in ([late, kept, sequenced, early], [kept, early, sequenced, late]):
        assert [r.id for r in judged(batch, BASE)] == ["early", "late", "s", "kept"]  # type: ignore[arg-type]


def test_ids_come_back_in_the_order_listed() -> None:
    # Judged: the event e2 first, then the samples by instant (s1 at 01:00, s0 at 02:00);
    # listed: s0, e2, s1. Said back: s0, e2, s1 (each id's first place in the batch).
    s0 = rk.Sample("acme", "ip-1", "egress", format_us(T0 + 2 * HOUR), 1, id="s0")
    e2 = rk.Event("acme", "vm-1", format_us(T0), kind="start", id="e2")
    s1 = rk.Sample("acme", "ip-1", "egress", format_us(T0 + HOUR), 1, id="s1")
    batch = [s0, e2, s1]
    assert [r.id for r in judged(batch, BASE)] == ["e2", "s1", "s0"]  # type: ignore[arg-type]
    assert as_listed(["e2", "s1", "s0"], batch) == ("s0", "e2", "s1")  # type: ignore[arg-type]
