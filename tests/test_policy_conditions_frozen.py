"""A time policy keeps its condition as it was given: frozen, so hashable and unchanged."""

from __future__ import annotations

import pickle
from decimal import Decimal

import pytest

import ratekit as rk
from ratekit import plandata
from ratekit.adapters import cloudfoundry

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _hours(meter: rk.Meter) -> Decimal:
    records = [
        rk.Event("acme", "vm-1", "2026-03-02T08:00:00Z", {"state": "on", "size": 10}, id="e1"),
        rk.Event("acme", "vm-1", "2026-03-02T10:00:00Z", {}, kind="delete", id="e2"),
    ]
    usage = rk.meter(
        records, [meter], span=MARCH, cycle=rk.cycles.monthly(tz="UTC"), as_of=MARCH.end
    )
    return usage.total()


@pytest.mark.parametrize(
    "policy",
    [
        rk.OnOff(when={"state": "on", "tags": ["a", {"b": 0.5}]}),
        rk.Continuous("size", when={"state": "on"}),
        cloudfoundry.SERVICE_INSTANCE_HOURS.policy,
    ],
)
def test_a_policy_with_a_mapping_condition_hashes(policy: object) -> None:
    # Was: TypeError: unhashable type: 'dict' (a frozen value whose hash raised), for the
    # ready meter cloudfoundry.SERVICE_INSTANCE_HOURS too: no set of meters, no dict key.
    assert hash(policy) == hash(pickle.loads(pickle.dumps(policy)))
    assert len({policy, pickle.loads(pickle.dumps(policy))}) == 1


def test_a_condition_changed_by_its_caller_after_the_build_leaves_the_policy_alone() -> None:
    # 08:00 to 10:00 in state 'on': 2 hours. The caller's dict changed to 'off' after the
    # meter was built: the meter went on matching 'on' (2 h), but its repr and its plan
    # data said 'off', so the meter stored as data and loaded back billed 0 h.
    when = {"state": "on"}
    meter = rk.Meter("vm", "hour", rk.OnOff(when=when))
    when["state"] = "off"
    assert _hours(meter) == Decimal(2)
    assert repr(meter.policy) == "OnOff(when={'state': 'on'})"
    stored = plandata.load(plandata.dump(meter))
    assert stored == meter
    assert _hours(stored) == Decimal(2)


def test_a_continuous_condition_is_frozen_too() -> None:
    # A level of 10 for 2 hours: 20 (unit*hour).
    when = {"state": "on"}
    meter = rk.Meter("disk", "GB*hour", rk.Continuous("size", unit="GB", when=when))
    when.clear()
    assert _hours(meter) == Decimal(20)
    assert plandata.dump(meter)["policy"]["when"] == {"state": "on"}


def test_equal_conditions_give_equal_policies_whatever_their_keys_order() -> None:
    first = rk.OnOff(when={"a": 1, "b": [1, 2]})
    second = rk.OnOff(when={"b": [1, 2], "a": 1})
    assert first == second
    assert hash(first) == hash(second)
    assert first != rk.OnOff(when={"a": 1, "b": [2, 1]})
