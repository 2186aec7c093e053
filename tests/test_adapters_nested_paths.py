"""A bad value deep inside a record is refused naming the record, the object and the path.

Exoscale's fields and Nova's payload are carried into the description as they come,
nested objects included, so a value that no description holds (NaN, a set, an int key)
may sit anywhere below them. The error must say where, in the words of the feed (the
record's position, the object holding the description, the dotted path inside it), as
Ceilometer's ``resource_metadata`` errors do, and it must be a ``BadRecordError``, the
one error every adapter raises for a malformed record.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests._nova import notification

import ratekit as rk
from ratekit.adapters import ceilometer, exoscale

EXOSCALE = {
    "type": "usage",
    "entity": "vm",
    "action": "create",
    "time": "2016-12-12T15:48:32Z",
    "account": "geneva-jug",
    "uuid": "7a07",
    "offering": "medium",
}
CEILOMETER = {
    "counter_name": "cpu",
    "counter_type": "cumulative",
    "counter_unit": "ns",
    "counter_volume": 0,
    "message_id": "s1",
    "project_id": "p-1",
    "resource_id": "vm-1",
    "timestamp": "2026-03-02T08:00:00Z",
}
NAN_TAIL = (
    " is nan, not a finite number; an attribute holds a finite number (an int, a Decimal "
    "such as Decimal('2.5'), or a float), a string, a bool, None, a mapping or a list."
)


def _exoscale(**fields: object) -> list[rk.Event]:
    return exoscale.usage_events([EXOSCALE, {**EXOSCALE, **fields}])


def _nova(**payload: object) -> list[rk.Event]:
    return ceilometer.instance_notifications(
        [notification(message_id="n0"), notification(**payload)]
    )


def _ceilometer(**metadata: object) -> list[rk.Event | rk.Sample]:
    return ceilometer.samples(
        [{**CEILOMETER, "resource_metadata": metadata}],
        meters=[ceilometer.CPU_HOURS],
        describe=True,
    )


def _message(read: Callable[[], object]) -> str:
    with pytest.raises(rk.BadRecordError) as caught:
        read()
    return str(caught.value)


def test_exoscale_names_the_path_of_a_nan_inside_a_field() -> None:
    message = _message(lambda: _exoscale(tags={"x": [1, float("nan")]}))
    assert message.startswith("Exoscale usage event [1] attribute 'tags.x[1]'" + NAN_TAIL)


def test_nova_names_the_path_of_a_nan_inside_the_payload() -> None:
    message = _message(lambda: _nova(instance={"flavor": {"ram": float("nan")}}))
    assert message.startswith(
        "Nova notification [1].payload attribute 'instance.flavor.ram'" + NAN_TAIL
    )


def test_exoscale_names_the_path_of_a_key_that_is_no_string() -> None:
    message = _message(lambda: _exoscale(tags={"zone": {1: "ch-gva-2"}}))
    assert message == (
        "Exoscale usage event [1] attribute 'tags.zone' keys must be strings, not int: 1."
    )


def test_nova_names_the_path_of_a_value_no_description_holds() -> None:
    message = _message(lambda: _nova(image_meta={"properties": {"hw": {1, 2}}}))
    assert message == (
        "Nova notification [1].payload attribute 'image_meta.properties.hw' must be a str, "
        "int, Decimal, float, bool, None, a mapping or a list (JSON-like values), not set: "
        "{1, 2}."
    )


@pytest.mark.parametrize(
    "read",
    [
        lambda: _exoscale(disk_size=float("inf")),
        lambda: _nova(image_meta={"size": float("nan")}),
        lambda: _ceilometer(properties={"size": float("nan")}),
        lambda: _ceilometer(properties={"size": 10**40}),
    ],
    ids=["exoscale", "nova", "ceilometer nan", "ceilometer huge"],
)
def test_a_bad_number_in_a_description_is_a_bad_record(read: Callable[[], object]) -> None:
    # the adapters' one error for a malformed record: a caller catching it sees this too
    _message(read)


@pytest.mark.parametrize("key", [1, ("zone",), ""])
def test_exoscale_refuses_a_field_whose_name_is_no_string_rather_than_drop_it(key: object) -> None:
    # as Nova's payload and Ceilometer's metadata do: a key JSON could not have written
    # (a feed built in Python) is named, never dropped with its value
    message = _message(lambda: exoscale.usage_events([{**EXOSCALE, key: "ch-gva-2"}]))
    assert message.startswith(f"Exoscale usage event [0] has the key {key!r}; its keys must be")
