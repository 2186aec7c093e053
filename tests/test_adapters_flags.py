"""The adapters' yes/no options take True or False only, as the core's doors do.

A string such as ``"false"`` or ``"no"`` is truthy, and ``1`` is not ``True``: read as
flags they would silently mean the opposite of what was written.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import ratekit as rk
from ratekit.adapters import ceilometer, cloudfoundry

NAIVE = {
    "message_id": "m1",
    "counter_name": "cpu",
    "counter_type": "cumulative",
    "counter_unit": "ns",
    "counter_volume": 0,
    "project_id": "p-1",
    "resource_id": "vm-1",
    "timestamp": "2026-03-01T00:00:00",
    "resource_metadata": {"flavor": {"name": "m1.small"}},
}
CALLS: dict[str, Callable[[object], object]] = {
    "ceilometer.samples describe": lambda flag: ceilometer.samples(
        [NAIVE], meters=[ceilometer.CPU_HOURS], naive_utc=True, describe=flag
    ),
    "ceilometer.samples naive_utc": lambda flag: ceilometer.samples(
        [NAIVE], meters=[ceilometer.CPU_HOURS], naive_utc=flag
    ),
    "ceilometer.instance_notifications naive_utc": lambda flag: ceilometer.instance_notifications(
        [], naive_utc=flag
    ),
    "cloudfoundry.app_usage_events staging": lambda flag: cloudfoundry.app_usage_events(
        [], staging=flag
    ),
}


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize(
    ("flag", "shown"),
    [
        ("false", "str: 'false'"),
        ("no", "str: 'no'"),
        (1, "int: 1"),
        (0, "int: 0"),
        (None, "NoneType: None"),
    ],
)
def test_a_flag_that_is_not_a_bool_is_refused_naming_it(
    name: str, flag: object, shown: str
) -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        CALLS[name](flag)
    assert str(caught.value) == f"{name} must be True or False, not {shown}."


def test_true_and_false_are_read() -> None:
    # naive_utc=True reads the naive instant as UTC; False refuses it, as before.
    (read,) = CALLS["ceilometer.samples naive_utc"](True)  # type: ignore[misc]
    assert read.at.isoformat() == "2026-03-01T00:00:00+00:00"
    with pytest.raises(rk.BadRecordError, match="has no UTC offset"):
        CALLS["ceilometer.samples naive_utc"](False)
    assert len(CALLS["ceilometer.samples describe"](True)) == 2  # type: ignore[arg-type]
    assert len(CALLS["ceilometer.samples describe"](False)) == 1  # type: ignore[arg-type]
    assert CALLS["ceilometer.instance_notifications naive_utc"](False) == []
    assert CALLS["cloudfoundry.app_usage_events staging"](True) == []
