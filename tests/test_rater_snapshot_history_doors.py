"""Restore refuses a compacted state's history, or a first-record table, the feed would refuse.

A snapshot altered by hand and resealed passes its checksum; restore still checks what
every later statement reads. A compacted state's history is applied again when a late
event is placed among it, so its events' levels pass the level door as the state's
description does; an account in the table of first records is billed fees and minimums,
so it is a non-empty string an assignment names.
"""

from __future__ import annotations

import copy
import json
import typing
from decimal import Decimal

import pytest
from tests._snapshots import resealed

import ratekit as rk

MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous("mb"))
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [rk.PriceEntry("mem", "memory", rk.PerUnit("0.0001"))],
    fees=[rk.Fee("f", 1)],
)


def _snapshot() -> dict[str, typing.Any]:
    rater = rk.Rater(PLAN, [MEMORY], start="2026-03-01T00:00:00Z")
    rater.feed(
        [rk.Event("a", "v", "2026-03-01T02:00:00Z", {"mb": 512}, kind="start", seq=1, id="e1")]
    )
    rater.statement("2026-03-03T01:00:00Z")  # 1 March compacted: the state keeps its history
    data: dict[str, typing.Any] = json.loads(json.dumps(rater.snapshot()))
    assert data["body"]["state"][0]["history"][0]["attributes"] == {"mb": 512}
    assert data["body"]["first"] == [["a", 1772330400000000]]
    return data


def test_an_unaltered_snapshot_restores() -> None:
    rater = rk.Rater.restore(_snapshot(), PLAN, [MEMORY])
    # 3 March: 24 h x 512 MB x 0.0001 = 1.2288, and its fee of 1
    assert rater.statement("2026-03-04T01:00:00Z").total() == Decimal("2.2288")


@pytest.mark.parametrize(
    ("value", "refusal"),
    [
        (True, "attribute 'mb' is True, not a number"),
        (-5, "attribute 'mb' is -5, a negative level"),
    ],
)
def test_a_history_event_setting_a_bad_level_is_refused(value: object, refusal: str) -> None:
    data = _snapshot()
    data["body"]["state"][0]["history"][0]["attributes"]["mb"] = value
    with pytest.raises(rk.BadSnapshotError) as raised:
        rk.Rater.restore(resealed(data), PLAN, [MEMORY])
    message = str(raised.value)
    assert message.startswith(
        "Rater snapshot keeps the state of resource 'v' of 'a' (body.state[0]) with "
        "history[0] (event at 2026-03-01T02:00:00Z) that sets the level of meter 'memory': "
    )
    assert refusal in message
    assert message.endswith("Every statement metering it would fail: restore an unaltered copy.")


@pytest.mark.parametrize(
    ("assigned", "account", "wanted"),
    [
        (False, "", "a non-empty string of text, as a record's is"),
        (True, "zz", "one that an assignment of the rater names"),
    ],
)
def test_a_first_record_of_no_account_is_refused(assigned: bool, account: str, wanted: str) -> None:
    plans: rk.Plan | list[rk.Assignment] = (
        [rk.Assignment("a", PLAN, start="2026-03-01T00:00:00Z")] if assigned else PLAN
    )
    rater = rk.Rater(plans, [MEMORY], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("a", "v", "2026-03-01T02:00:00Z", {"mb": 512}, kind="start", id="e1")])
    data = json.loads(json.dumps(rater.snapshot()))
    data["body"]["first"][0][0] = account
    with pytest.raises(rk.BadSnapshotError) as raised:
        rk.Rater.restore(resealed(copy.deepcopy(data)), plans, [MEMORY])
    assert str(raised.value) == (
        f"Rater snapshot body.first[0] names the account {account!r}: an account there is "
        f"{wanted} (every statement billing it would fail); restore an unaltered copy."
    )


def test_a_compacted_state_of_an_unassigned_account_is_refused() -> None:
    # was: restored; every statement then raised UnpricedUsageError (account 'ghost' has
    # no plan), with no way out: a rater's plans are fixed when it is built.
    plans = [rk.Assignment("a", PLAN), rk.Assignment("b", PLAN)]
    rater = rk.Rater(plans, [MEMORY], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("a", "v", "2026-03-01T02:00:00Z", {"mb": 512}, kind="start", id="e1")])
    rater.statement("2026-03-03T01:00:00Z")  # 1 March compacted: body.state holds v of a
    data = json.loads(json.dumps(rater.snapshot()))
    # Unaltered, it restores and rates: 3 March, 24 h x 512 MB x 0.0001 = 1.2288, a's fee
    # of 1 and b's (assigned from the start, no record: its fee all the same).
    again = rk.Rater.restore(resealed(copy.deepcopy(data)), plans, [MEMORY])
    assert again.statement("2026-03-04T01:00:00Z").total() == Decimal("3.2288")
    data["body"]["state"][0]["account"] = "ghost"
    with pytest.raises(rk.BadSnapshotError) as raised:
        rk.Rater.restore(resealed(data), plans, [MEMORY])
    assert str(raised.value) == (
        "Rater snapshot keeps the state of resource 'v' of 'ghost' (body.state[0].account): "
        "an account there is one that an assignment of the rater names ('a', 'b'), as the "
        "feed takes records of no other (every statement pricing it would fail); restore an "
        "unaltered copy."
    )
