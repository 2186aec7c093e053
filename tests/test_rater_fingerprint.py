"""The plans' fingerprint: independent of listing order, sensitive to what changes money.

Restore refused the same assignments listed in another order ("taken under other plans
or meters"): a host loading them from a database without an ORDER BY could not restore.
An account's assignments are read in time order, so their listing order changes nothing
rated; the fingerprint now sorts them, as it sorts the meters. Snapshots sealed with the
earlier fingerprints (meters in order; assignments in order) still restore.
"""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk
from ratekit import _snapshot

VM = rk.Meter("vm", "hour", rk.OnOff())
EG = rk.Meter("eg", "GB", rk.Discrete())
MONTHLY = rk.cycles.monthly(tz="UTC")


def _plan(name: str, price: str = "1") -> rk.Plan:
    return rk.Plan(name, "EUR", MONTHLY, [rk.PriceEntry("vm", "vm", rk.PerUnit(price))])


P, Q = _plan("p"), _plan("q", "2")
ASSIGNED = [
    rk.Assignment("a", P, end="2026-03-10T00:00:00Z"),
    rk.Assignment("a", Q, start="2026-03-10T00:00:00Z"),
    rk.Assignment("b", P),
]


def _stream(plans: list[rk.Assignment]) -> rk.Rater:
    rater = rk.Rater(plans, [VM, EG], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("a", "v", "2026-03-09T00:00:00Z", kind="start", id="e1")])
    rater.statement("2026-03-11T00:00:00Z")
    return rater


def test_restore_takes_the_same_assignments_and_meters_listed_in_another_order() -> None:
    rater = _stream(ASSIGNED)
    data = json.loads(json.dumps(rater.snapshot()))
    again = rk.Rater.restore(data, list(reversed(ASSIGNED)), [EG, VM])
    # 10 March 00:00 -> 12:00 under q: 12 h x 2 = 24.
    (line,) = again.statement("2026-03-11T12:00:00Z").lines
    assert line.amount == 24


def test_a_snapshot_sealed_with_the_fingerprint_of_the_listing_order_still_restores() -> None:
    rater = _stream(ASSIGNED)
    data = json.loads(json.dumps(rater.snapshot()))
    data["fingerprint"] = _snapshot.fingerprint(ASSIGNED, [VM, EG], ordered="plans")
    data = {key: value for key, value in data.items() if key != "checksum"}
    data["checksum"] = _snapshot.checksum(data)
    assert rk.Rater.restore(data, ASSIGNED, [VM, EG]).statement("2026-03-12T00:00:00Z").lines


@pytest.mark.parametrize(
    "other",
    [
        [ASSIGNED[0], rk.Assignment("a", Q, start="2026-03-11T00:00:00Z"), ASSIGNED[2]],
        [ASSIGNED[0], ASSIGNED[1], rk.Assignment("c", P)],
        [
            ASSIGNED[0],
            rk.Assignment("a", _plan("q", "2.0"), start="2026-03-10T00:00:00Z"),
            ASSIGNED[2],
        ],
    ],
)
def test_restore_refuses_assignments_that_change_money(other: list[rk.Assignment]) -> None:
    data = json.loads(json.dumps(_stream(ASSIGNED).snapshot()))
    with pytest.raises(rk.BadSnapshotError, match="taken under other plans or meters"):
        rk.Rater.restore(data, other, [VM, EG])


_ASSIGNMENTS = st.lists(
    st.tuples(st.sampled_from("abc"), st.sampled_from([P, Q]), st.integers(0, 3)),
    min_size=1,
    max_size=5,
    unique_by=lambda item: (item[0], item[2]),
)


@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(items=_ASSIGNMENTS, seed=st.integers(0, 2**32 - 1), change=st.integers(0, 2))
def test_the_fingerprint_is_that_of_the_set_of_assignments(
    items: list[tuple[str, rk.Plan, int]], seed: int, change: int
) -> None:
    """Oracle: the set of (account, plan id, price, start, end) the assignments hold."""

    def assigned(rows: list[tuple[str, rk.Plan, int]]) -> list[rk.Assignment]:
        return [
            rk.Assignment(
                account,
                plan,
                start=f"2026-0{day + 1}-01T00:00:00Z",
                end=f"2026-0{day + 1}-15T00:00:00Z",
            )
            for account, plan, day in rows
        ]

    shuffled = items.copy()
    random.Random(seed).shuffle(shuffled)
    assert _snapshot.fingerprint(assigned(items), [VM]) == _snapshot.fingerprint(
        assigned(shuffled), [VM]
    )
    account, plan, day = shuffled[0]
    altered = [
        ("z", plan, day),
        (account, Q if plan is P else P, day),
        (account, plan, 4 + day),
    ][change]
    other = [altered, *shuffled[1:]]
    same = sorted((a, p.id, d) for a, p, d in other) == sorted((a, p.id, d) for a, p, d in items)
    assert (
        _snapshot.fingerprint(assigned(other), [VM]) == _snapshot.fingerprint(assigned(items), [VM])
    ) is same
