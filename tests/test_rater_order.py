"""The order a fed batch is judged in, built kind by kind, is the plain stable sort.

`ratekit._rater_order.judged` sorts events, samples and inventories apart (and skips
sorts it can tell are not needed); the oracle is the whole batch sorted at once, stably,
by `ratekit._versions.judged`, with an id's content digest after it when two records of
the batch hold that id with other content (the version judged first stands).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._instants import format_us
from ratekit._rater_order import as_listed, judged
from ratekit._versions import content
from ratekit._versions import judged as judged_key

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


def oracle(
    batch: list[rk.Event | rk.Sample | rk.Inventory],
) -> list[rk.Event | rk.Sample | rk.Inventory]:
    held: dict[tuple[str, str], object] = {}
    versions: set[tuple[str, str]] = set()
    for record in batch:
        if record.id is not None:
            identity = (type(record).__name__, record.id)
            if held.setdefault(identity, record) is not record:
                versions.add(identity)

    def key(record: rk.Event | rk.Sample | rk.Inventory) -> tuple[object, ...]:
        identity = (type(record).__name__, record.id)
        extra = (content(record),) if record.id is not None and identity in versions else ()
        return (*judged_key(record), *extra)

    return sorted(batch, key=key)


@settings(max_examples=LAWS)
@given(st.lists(st.one_of(events, samples, inventories), max_size=8), st.booleans())
def test_judged_is_the_stable_sort_of_the_whole_batch(
    batch: list[rk.Event | rk.Sample | rk.Inventory], twice: bool
) -> None:
    if twice and batch:
        batch = [*batch, batch[0]]  # one record listed twice is not two versions
    got = judged(list(batch))
    want = oracle(batch)
    assert len(got) == len(want)
    assert all(g is w for g, w in zip(got, want, strict=True))


def test_ids_come_back_in_the_order_listed() -> None:
    # Judged: the event e2 first, then the samples by instant (s1 at 01:00, s0 at 02:00);
    # listed: s0, e2, s1. Said back: s0, e2, s1 (each id's first place in the batch).
    s0 = rk.Sample("acme", "ip-1", "egress", format_us(T0 + 2 * HOUR), 1, id="s0")
    e2 = rk.Event("acme", "vm-1", format_us(T0), kind="start", id="e2")
    s1 = rk.Sample("acme", "ip-1", "egress", format_us(T0 + HOUR), 1, id="s1")
    batch = [s0, e2, s1]
    assert [r.id for r in judged(batch)] == ["e2", "s1", "s0"]  # type: ignore[arg-type]
    assert as_listed(["e2", "s1", "s0"], batch) == ("s0", "e2", "s1")  # type: ignore[arg-type]
