"""A meter's condition (``when``) compares values for equality: a selector condition in it is refused.

In plan data a selector condition is a tagged mapping (``{"type": "OneOf", ...}``); read as
a nested value to equal, no description would ever match it and the meter would count
nothing, silently. In Python, ``OneOf(...)`` is no attribute value either. Both are refused
at the policy's door, saying what ``when`` takes; a nested value that merely has a
``"type"`` key (``{"type": "ssd"}``) is still a value to equal.
"""

from __future__ import annotations

import pytest

import ratekit as rk
from ratekit import plandata

_SAID = (
    "holds the selector condition {shown}; a meter's condition compares attribute values "
    "for equality (e.g. {{'state': 'active'}}): a selector condition such as OneOf(...) is "
    "a price entry's where=, and any other test is a function of the description returning "
    "a bool, given in Python."
)


@pytest.mark.parametrize("policy", [rk.OnOff, lambda when: rk.Continuous("size", when=when)])
@pytest.mark.parametrize(
    "condition",
    [rk.OneOf(["active", "rescued"]), rk.AtLeast(2), rk.Between(1, 3)],
    ids=["one-of", "at-least", "between"],
)
def test_a_selector_condition_in_when_is_refused_saying_what_when_takes(
    policy: object, condition: object
) -> None:
    with pytest.raises(rk.RatekitTypeError) as raised:
        policy({"state": condition})  # type: ignore[operator]
    assert str(raised.value) == "a condition's attribute 'state' " + _SAID.format(
        shown=repr(condition)
    )


def test_a_tagged_condition_in_plan_data_is_refused_naming_the_policy() -> None:
    data = {
        "type": "Meter",
        "name": "vm.hours",
        "unit": "hour",
        "policy": {"type": "OnOff", "when": {"state": {"type": "OneOf", "values": ["a", "b"]}}},
    }
    with pytest.raises(rk.BadDataError) as raised:
        plandata.load(data)
    assert str(raised.value) == (
        "policy: a condition's attribute 'state' "
        + _SAID.format(shown="{'type': 'OneOf', 'values': ['a', 'b']}")
    )


def test_a_nested_value_with_a_type_key_is_still_a_value_to_equal() -> None:
    # {"type": "ssd"} names no selector condition: the disk's description must equal it.
    policy = rk.OnOff(when={"disk": {"type": "ssd"}})
    assert policy.level({"disk": {"type": "ssd"}}) == 1
    assert policy.level({"disk": {"type": "hdd"}}) is None
    loaded = plandata.load(
        {
            "type": "Meter",
            "name": "m",
            "unit": "hour",
            "policy": {"type": "OnOff", "when": {"disk": {"type": "ssd"}}},
        }
    )
    assert loaded.policy == policy
