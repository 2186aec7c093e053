"""A Ceilometer sample that gives one field under both of its names, with other values, is refused.

``ceilometer.samples`` reads the publisher's shape (``counter_volume``, ``message_id``,
``resource_metadata``, ...) and the API's (``volume``, ``id``, ``metadata``, ...). A
sample holding both names of a field kept the first and dropped the other without a word:
``counter_volume`` 3.6e12 ns beside ``volume`` 5 was read as 1 hour of CPU, and a second
``id`` never reached the record. Now such a sample raises ``BadRecordError`` naming both;
the same value under both names is read once.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._ceilometer import cpu

import ratekit as rk
from ratekit.adapters import ceilometer

READING = cpu(
    "s1",
    "2026-03-02T08:00:00",
    3_600_000_000_000,
    resource_metadata={"flavor": {"name": "m1.small"}},
)
#: each field's other name, in the API's shape, with a value of its own
OTHER = {
    "counter_name": ("name", "memory"),
    "counter_type": ("type", "gauge"),
    "counter_unit": ("unit", "s"),
    "counter_volume": ("volume", 5),
    "message_id": ("id", "s2"),
    "resource_metadata": ("metadata", {"flavor.name": "m1.large"}),
}


def _read(item: dict[str, object]) -> list[rk.Event | rk.Sample]:
    return ceilometer.samples([item], meters=[ceilometer.CPU_HOURS], naive_utc=True, describe=True)


def test_a_volume_under_both_names_is_refused() -> None:
    with pytest.raises(rk.BadRecordError) as raised:
        _read({**READING, "volume": 5})
    assert str(raised.value) == (
        "Ceilometer sample [0] gives 3600000000000 as 'counter_volume' and 5 as 'volume', two "
        "names of one field in the shapes ratekit reads; give one of them (or the same value "
        "in both)."
    )


def test_metadata_under_both_names_is_refused() -> None:
    with pytest.raises(rk.BadRecordError) as raised:
        _read({**READING, "metadata": {"flavor.name": "m1.large"}})
    assert str(raised.value) == (
        "Ceilometer sample [0] gives {'flavor': {'name': 'm1.small'}} as 'resource_metadata' "
        "and {'flavor.name': 'm1.large'} as 'metadata', two names of one field in the shapes "
        "ratekit reads; give one of them (or the same value in both)."
    )


def test_one_value_under_both_names_is_read_once() -> None:
    # 3.6e12 ns = 1 hour of CPU, as the publisher's shape alone reads it
    (update, sample) = _read({**READING, "volume": 3_600_000_000_000, "id": "s1"})
    assert isinstance(sample, rk.Sample)
    assert (sample.id, sample.value) == ("s1", Decimal(1))
    assert dict(update.attributes) == {"flavor": "m1.small"}


@settings(max_examples=LAWS)
@given(fields=st.dictionaries(st.sampled_from(sorted(OTHER)), st.booleans(), max_size=len(OTHER)))
def test_law_a_field_under_two_names_is_one_value_or_refused(fields: dict[str, bool]) -> None:
    # Oracle: each chosen field is given again under its other name, with its own value
    # (True) or the same value (False); the sample is refused exactly when one differs, and
    # is otherwise the sample of the publisher's shape alone.
    item = dict(READING)
    for name, differs in fields.items():
        other, value = OTHER[name]
        item[other] = value if differs else READING[name]
    if any(fields.values()):
        with pytest.raises(rk.BadRecordError, match=r"two names of one field"):
            _read(item)
        return
    assert _read(item) == _read(READING)
