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
