"""An Exoscale version beyond a 64-bit seq is refused at its field, as every other field is."""

from __future__ import annotations

import pytest

import ratekit as rk
from ratekit.adapters import exoscale

EVENT = {
    "type": "usage",
    "action": "start",
    "time": "2026-03-01T00:00:00Z",
    "account": "WAD",
    "uuid": "foo",
    "offering": "large",
    "entity": "instance",
}


def test_a_version_out_of_range_names_the_version_field() -> None:
    with pytest.raises(rk.BadRecordError) as caught:
        exoscale.usage_events([{**EVENT, "version": 2**70}], order="version")
    assert str(caught.value) == (
        "Exoscale usage event [0].version 1180591620717411303424 is out of range; give a "
        "whole number from 0 to 9223372036854775807."
    )
    # The largest 64-bit version is read as the event's seq.
    (event,) = exoscale.usage_events([{**EVENT, "version": 2**63 - 1}], order="version")
    assert event.seq == 2**63 - 1


@pytest.mark.parametrize("order", ["time", "version"])
@pytest.mark.parametrize(
    ("version", "message"),
    [
        (True, "must be a number, not True."),
        (1.5, "must be a whole number >= 0, not Decimal('1.5')."),
        (-1, "must be a whole number >= 0, not Decimal('-1')."),
        (
            2**70,
            (
                "1180591620717411303424 is out of range; give a whole number from 0 to "
                "9223372036854775807."
            ),
        ),
        (
            "two",
            (
                "'two' is not a decimal number; write it like '12.5' or '1e9'. (a number like 512 "
                "or '1.5e3' is accepted)"
            ),
        ),
    ],
)
def test_the_version_is_checked_whichever_the_order(
    order: str, version: object, message: str
) -> None:
    # Under order="time" these passed silently, though version is a per-resource counter.
    with pytest.raises(rk.BadRecordError) as caught:
        exoscale.usage_events([{**EVENT, "version": version}], order=order)  # type: ignore[arg-type]
    assert str(caught.value) == f"Exoscale usage event [0].version {message}"


def test_under_order_time_a_version_may_be_absent_or_null() -> None:
    (absent,) = exoscale.usage_events([EVENT])
    (null,) = exoscale.usage_events([{**EVENT, "version": None}])
    (given,) = exoscale.usage_events([{**EVENT, "version": 7}])
    assert absent == null == given  # the version is not part of the description nor the seq
    assert given.seq is None
    with pytest.raises(rk.BadRecordError) as caught:
        exoscale.usage_events([EVENT], order="version")
    assert str(caught.value) == (
        "Exoscale usage event [0].version is missing; it must be a number."
    )
