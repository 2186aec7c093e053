"""An instant refused for having no offset names the adapter's naive_utc option."""

from __future__ import annotations

import pytest
from tests._nova import notification

import ratekit as rk
from ratekit.adapters import ceilometer, exoscale

HINT = "pass naive_utc=True."
#: A Ceilometer cpu reading, as its publisher sends it, without its timestamp.
SAMPLE = {
    "message_id": "s1",
    "counter_name": "cpu",
    "counter_type": "cumulative",
    "counter_unit": "ns",
    "counter_volume": 0,
    "project_id": "p-1",
    "resource_id": "vm-1",
}


def test_nova_and_ceilometer_say_how_to_read_their_naive_utc_timestamps() -> None:
    created = notification(timestamp="2026-03-02 08:00:00.000000", state="active")
    with pytest.raises(rk.BadRecordError) as caught:
        ceilometer.instance_notifications([created])
    assert str(caught.value).startswith(
        "Nova notification [0].timestamp '2026-03-02 08:00:00.000000' has no UTC offset; "
    )
    assert str(caught.value).endswith(HINT)
    sample = {**SAMPLE, "timestamp": "2026-03-02T08:00:00.000000"}
    with pytest.raises(rk.BadRecordError) as caught:
        ceilometer.samples([sample], meters=[ceilometer.CPU_HOURS])
    assert str(caught.value).endswith(HINT)


def test_the_hint_is_only_given_where_it_helps() -> None:
    # not an instant, offset or not
    sample = {**SAMPLE, "timestamp": "2026-03-02T08:00:00.1234567"}
    with pytest.raises(rk.BadRecordError) as caught:
        ceilometer.samples([sample], meters=[ceilometer.CPU_HOURS])
    assert "naive_utc" not in str(caught.value)
    event = {
        "type": "usage",
        "entity": "vm",
        "action": "create",
        "time": "2016-12-12T15:48:32",
        "account": "a",
        "uuid": "u",
    }
    with pytest.raises(rk.BadRecordError) as caught:
        exoscale.usage_events([event])  # no such option: nothing to suggest
    assert "naive_utc" not in str(caught.value)
