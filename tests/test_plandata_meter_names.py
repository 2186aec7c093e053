"""A document's meters each have their own name, checked where the document is read."""

from __future__ import annotations

import pytest

import ratekit as rk
from ratekit import plandata


def test_two_meters_of_one_name_are_refused_naming_the_second() -> None:
    document = {
        "meters": [
            {"name": "vmtime", "unit": "hour", "policy": {"type": "OnOff"}},
            {"name": "disk", "unit": "GiB*hour", "policy": {"type": "OnOff"}},
            {"name": "vmtime", "unit": "s", "policy": {"type": "OnOff"}},
        ]
    }
    with pytest.raises(rk.BadDataError) as caught:
        plandata.load_document(document)
    assert str(caught.value) == (
        "meters[2].name: meter name 'vmtime' is already the name of meters[0]; records and "
        "prices name meters by name, so each meter of a document needs its own."
    )


def test_meters_of_distinct_names_load() -> None:
    document = {
        "meters": [
            {"name": "vmtime", "unit": "hour", "policy": {"type": "OnOff"}},
            {"name": "vmtime.s", "unit": "s", "policy": {"type": "OnOff"}},
        ]
    }
    assert [meter.name for meter in plandata.load_document(document).meters] == [
        "vmtime",
        "vmtime.s",
    ]
