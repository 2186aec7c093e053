"""A message that lists the names a caller declared lists the first ten, then a count.

A CloudEvent of a type the spec does not map was refused listing every type the spec
maps: the caller's configuration, which may hold thousands (a message of megabytes,
cut to 2,000 characters by the last resort of `bounded_message`, which keeps its start
and end but loses what it said in the middle). It now names the first ten types in the
spec's (sorted) order and how many more there are, as other messages name what they accept
(`ratekit._shown.some`). So do the Spec's own refusals of a per-type field, and a
record of a meter no meter names (Borel, Ceilometer). Ten or fewer are listed whole.
"""

from __future__ import annotations

import pytest

import ratekit as rk
from ratekit.adapters import borel, cloudevents

EVENT = {
    "specversion": "1.0",
    "id": "e-1",
    "source": "/gateway",
    "type": "com.example.heartbeat",
    "time": "2026-03-02T00:00:00Z",
    "subject": "acme",
    "data": {"n": 1},
}


def spec_of(count: int) -> cloudevents.Spec:
    return cloudevents.Spec({f"t{i:05}": f"m{i}" for i in range(count)}, quantity="data.n")


def test_a_refused_type_names_the_first_ten_types_and_counts_the_others() -> None:
    # 10,000 types: the ten first as given, and 9,990 more
    with pytest.raises(rk.BadRecordError) as caught:
        cloudevents.usage_events([EVENT], spec_of(10_000))
    first = ", ".join(f"'t{i:05}'" for i in range(10))
    assert str(caught.value) == (
        "CloudEvent [0].type is 'com.example.heartbeat', which the spec does not map to a "
        f"meter; it maps {first} and 9,990 more (or build the Spec with unknown='skip')."
    )


def test_ten_types_are_listed_whole_and_in_the_specs_order() -> None:
    # a Spec keeps its types sorted (two specs of one mapping are equal), and lists them so
    spec = cloudevents.Spec({f"t{9 - i}": f"m{i}" for i in range(10)}, quantity="data.n")
    with pytest.raises(rk.BadRecordError) as caught:
        cloudevents.usage_events([EVENT], spec)
    listed = ", ".join(f"'t{i}'" for i in range(10))
    assert str(caught.value).endswith(f"it maps {listed} (or build the Spec with unknown='skip').")


def test_the_specs_refusal_of_a_per_type_field_is_bounded_too() -> None:
    types = {f"t{i:05}": f"m{i}" for i in range(1_000)}
    with pytest.raises(rk.RatekitTypeError) as caught:
        cloudevents.Spec(types, quantity={**dict.fromkeys(types, "data.n"), "x": "data.n"})
    first = ", ".join(f"'t{i:05}'" for i in range(10))
    assert str(caught.value) == (
        f"Spec quantity names 'x', which meters does not map to a meter; its types are {first} "
        "and 990 more: give the quantity of those only."
    )
    with pytest.raises(rk.RatekitTypeError) as caught:
        cloudevents.Spec(types, quantity="data.n", unit={"y": "B"})
    assert str(caught.value) == (
        f"Spec unit names 'y', which meters does not map to a meter; its types are {first} "
        "and 990 more: give the unit of those only."
    )


def test_a_row_no_meter_names_lists_the_first_ten_meters() -> None:
    meters = [rk.Meter(f"m{i:03}", "hour", rk.Max()) for i in range(100)]
    row = {
        "customer-id": "acme",
        "resource": "floating-ip",
        "resource_id": "ip-1",
        "start": "2026-03-01T00:00:00Z",
        "end": "2026-03-01T01:00:00Z",
        "quantity": 1,
        "uom": "hour",
    }
    with pytest.raises(rk.BadRecordError) as caught:
        borel.usage_rows([row], meters=meters)
    first = ", ".join(f"'m{i:03}'" for i in range(10))
    assert str(caught.value) == (
        f"Borel row [0].resource is 'floating-ip', which no meter names (meters: {first} and "
        "90 more; or pass unknown='skip')."
    )
