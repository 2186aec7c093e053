"""A feed that raises takes nothing of its batch: the records judged before the failure too.

A level function of the caller's that raises on one description is the failure here: a
too-late inventory describing a VM so is reconciled with the compacted state, metering it,
after the batch's other records were kept (inventories are judged last). Every expected
amount is worked by hand in a comment.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import ratekit as rk
from ratekit import _rater_reach


def _level(description: dict[str, object]) -> object:
    if description.get("broken"):
        raise KeyError("broken")
    return description.get("mb", 0)


MEMORY = rk.Meter("mem", "MB*hour", rk.Continuous(_level))
EGRESS = rk.Meter("egress", "GB", rk.Discrete())
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [
        rk.PriceEntry("m", "mem", rk.PerUnit("0.001")),
        rk.PriceEntry("e", "egress", rk.PerUnit("0.5")),
    ],
)
# Stamped on 1 March, fed once 1 and 2 March are compacted: it cannot be reconciled.
BROKEN = rk.Inventory("2026-03-01T10:00:00Z", {("acme", "vm"): {"broken": 1}}, id="inv")


def _rater() -> rk.Rater:
    rater = rk.Rater(PLAN, [MEMORY, EGRESS], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("acme", "vm", "2026-03-01T00:00:00Z", {"mb": 100}, kind="start", id="s")])
    # 100 MB x 72 h of 1-3 March = 7200 MB*hour x 0.001 = 7.200; 1 and 2 March compacted.
    assert rater.statement("2026-03-04T00:00:00Z").total() == Decimal("7.200")
    return rater


def test_a_too_late_sample_of_a_refused_batch_is_named_when_fed_again() -> None:
    rater = _rater()
    before = json.dumps(rater.snapshot(), sort_keys=True)
    old = rk.Sample("acme", "vm", "egress", "2026-03-01T12:00:00Z", 4, id="g7")
    with pytest.raises(rk.BadPolicyError, match="record 'inv'"):
        rater.feed([old, BROKEN])
    assert json.dumps(rater.snapshot(), sort_keys=True) == before
    # Fed again without the inventory, the sample is too late and its 4 GB (4 x 0.5 =
    # 2.00 EUR) are named; it used to be a duplicate with no anomaly, its 4 GB named by
    # nothing: the stream's lines plus the parts named fell 2.00 EUR short of batch.
    feed = rater.feed([old])
    assert feed.too_late == ("g7",)
    assert [(a.meter, a.quantity) for a in feed.anomalies] == [("egress", Decimal(4))]


def test_a_kept_record_of_a_refused_batch_is_not_kept() -> None:
    rater = _rater()
    before = json.dumps(rater.snapshot(), sort_keys=True)
    fresh = rk.Sample("acme", "vm", "egress", "2026-03-04T06:00:00Z", 3, id="g8")
    with pytest.raises(rk.BadPolicyError, match="record 'inv'"):
        rater.feed([fresh, BROKEN])
    assert json.dumps(rater.snapshot(), sort_keys=True) == before
    assert rater.feed([fresh]) == rk.Rater.restore(json.loads(before), PLAN, [MEMORY, EGRESS]).feed(
        [fresh]
    )
    # 4 March to 12:00: 100 MB x 12 h = 1200 MB*hour x 0.001 = 1.200, and 3 GB x 0.5 = 1.5.
    lines = rater.statement("2026-03-04T12:00:00Z").lines
    assert sorted((line.meter, line.amount) for line in lines) == [
        ("egress", Decimal("1.5")),
        ("mem", Decimal("1.200")),
    ]


def test_a_record_without_an_id_of_a_batch_that_raises_while_it_is_judged_is_not_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The feed keeps a record without an id where it looks it up (hashed once), before
    # judging where its effect begins: a failure there (a sequenced event's reach, made
    # to raise here) leaves it out, as every record of the batch.
    rater = _rater()
    before = json.dumps(rater.snapshot(), sort_keys=True)
    resized = rk.Event("acme", "vm", "2026-03-04T06:00:00Z", {"mb": 200}, kind="update", seq=1)
    fresh = rk.Sample("acme", "vm", "egress", "2026-03-04T05:00:00Z", 2)

    def effect(rater: rk.Rater, record: object) -> object:
        raise rk.BadPolicyError("the reach of a sequenced event")

    with monkeypatch.context() as patched:
        patched.setattr(_rater_reach, "effect", effect)
        with pytest.raises(rk.BadPolicyError, match="the reach of a sequenced event"):
            rater.feed([fresh, resized])
    assert json.dumps(rater.snapshot(), sort_keys=True) == before
    # Fed again, each is new, then the same records (by content) are duplicates.
    assert rater.feed([fresh, resized]).counts["accepted"] == 2
    assert rater.feed([fresh, resized]).counts["duplicates"] == 2
