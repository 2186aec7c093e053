"""Events of one resource at the same instant with no seq: a restart is a restart."""

from __future__ import annotations

import itertools
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

DAY = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
APP = rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb"))


def meter(records: list[rk.Event]) -> rk.Usage:
    return rk.meter(records, [APP], span=DAY, cycle=None, as_of=DAY.end)


def test_a_stop_and_a_start_at_one_instant_restart_a_running_app() -> None:
    # A 2048 MB app running from 00:00, restarted at 09:24:37 (STOP and START stamped
    # alike): it runs all day, 2048 MB x 24 h = 49152 MB*h (not 19272.25: the START lost
    # as a duplicate and the app stopped at 09:24:37, 2048 x 9.4103 h).
    records = [
        rk.Event("org", "app", "2026-03-01T00:00:00Z", {"memory_mb": 2048}, kind="start", id="e1"),
        rk.Event("org", "app", "2026-03-01T09:24:37Z", kind="start", id="e3"),
        rk.Event("org", "app", "2026-03-01T09:24:37Z", kind="stop", id="e2"),
    ]
    usage = meter(records)
    assert usage.total() == Decimal(49152)
    assert [(a.kind, a.record_ids) for a in usage.anomalies] == [("tie", ("e2", "e3"))]
    assert str(usage.anomalies[0]) == (
        "2 events of 'app' are stamped 2026-03-01T09:24:37Z with no seq: applied as event "
        "'e2' (stop), event 'e3' (start), an order in which none is a duplicate if there is "
        "one; give them a seq to fix the order."
    )
    assert usage.state[0].status == "running"


def test_a_start_and_a_stop_at_one_instant_of_a_stopped_app_leave_it_stopped() -> None:
    # Stopped at 06:00; START and STOP both at 12:00: start then stop (stop first would be
    # a duplicate STOP): 6 h x 512 MB = 3072, and the app is stopped.
    records = [
        rk.Event("org", "app", "2026-03-01T00:00:00Z", {"memory_mb": 512}, kind="start", id="e1"),
        rk.Event("org", "app", "2026-03-01T06:00:00Z", kind="stop", id="e2"),
        rk.Event("org", "app", "2026-03-01T12:00:00Z", kind="stop", id="e3"),
        rk.Event("org", "app", "2026-03-01T12:00:00Z", kind="start", id="e4"),
    ]
    usage = meter(records)
    assert usage.total() == Decimal(3072)
    assert [a.kind for a in usage.anomalies] == ["tie"]
    assert usage.state[0].status == "stopped"


def test_with_seq_the_order_is_the_hosts() -> None:
    # The same instant, with seq: START (1) then STOP (2): a duplicate START, then stopped
    # at 09:00: 9 h x 2048 = 18432, no tie.
    records = [
        rk.Event("org", "app", "2026-03-01T00:00:00Z", {"memory_mb": 2048}, kind="start", seq=0),
        rk.Event("org", "app", "2026-03-01T09:00:00Z", kind="start", id="s", seq=1),
        rk.Event("org", "app", "2026-03-01T09:00:00Z", kind="stop", id="t", seq=2),
    ]
    usage = meter(records)
    assert usage.total() == Decimal(18432)
    assert [a.kind for a in usage.anomalies] == ["duplicate_start"]


KINDS = ("start", "update", "stop", "delete")
CLEAN_BREAKERS = {"duplicate_start", "duplicate_stop", "orphan_stop", "after_delete"}


def outcome(records: list[rk.Event]) -> tuple[set[str], Decimal]:
    usage = meter(records)
    return {a.kind for a in usage.anomalies} & CLEAN_BREAKERS, usage.total()


@settings(max_examples=LAWS)
@given(
    st.sampled_from(["none", "running", "stopped"]),
    st.lists(
        st.tuples(st.sampled_from(KINDS), st.sampled_from([None, 256, 512])),
        min_size=2,
        max_size=4,
    ),
)
def test_a_clean_order_is_found_whenever_one_exists(
    before: str, tied: list[tuple[str, int | None]]
) -> None:
    # Oracle: try every permutation of the tied events (each applied with distinct seq, in
    # that order); if one reports no duplicate, orphan or after-delete, metering finds one.
    prefix: list[rk.Event] = []
    if before != "none":
        prefix.append(
            rk.Event("o", "r", "2026-03-01T00:00:00Z", {"memory_mb": 512}, kind="start", id="p1")
        )
    if before == "stopped":
        prefix.append(rk.Event("o", "r", "2026-03-01T01:00:00Z", kind="stop", id="p2"))

    def event(i: int, kind: str, memory: int | None, seq: int | None = None) -> rk.Event:
        attributes = {} if memory is None or kind in ("stop", "delete") else {"memory_mb": memory}
        return rk.Event(
            "o", "r", "2026-03-01T12:00:00Z", attributes, kind=kind, id=f"t{i}", seq=seq
        )

    clean_exists = False
    for order in itertools.permutations(range(len(tied))):
        sequenced = [
            rk.Event(e.account, e.resource, e.at, e.attributes, kind=e.kind, id=e.id, seq=n)
            for n, e in enumerate(prefix)
        ] + [event(i, *tied[i], seq=10 + n) for n, i in enumerate(order)]
        if not outcome(sequenced)[0]:
            clean_exists = True
            break
    found, _ = outcome(prefix + [event(i, kind, memory) for i, (kind, memory) in enumerate(tied)])
    if clean_exists:
        assert not found
    usage = meter(prefix + [event(i, kind, memory) for i, (kind, memory) in enumerate(tied)])
    assert [a.kind for a in usage.anomalies].count("tie") == 1
