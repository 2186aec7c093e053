"""A unit an adapter refuses names the record by its identity, not only by its position.

A feed read page by page restarts its positions at each page, so ``[0].counter_unit``
says where the record sat in one call, not which record it is. Every other refusal of a
record's content names it (``(sample 's1', an instance's)``, ``(event id 'e-1')``); so
does a refused unit: a Ceilometer sample by its ``message_id`` (or the API's ``id``), a
Borel row by the id its sample gets (its rows carry none of their own).
"""

from __future__ import annotations

import pytest

import ratekit as rk
from ratekit.adapters import borel, ceilometer

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
SECONDS = rk.Meter("cpu", "s", rk.Discrete())


def reading(message_id: str, unit: str, *, key: str = "message_id") -> dict[str, object]:
    return {
        key: message_id,
        "counter_name": "cpu",
        "counter_type": "delta",
        "counter_unit": unit,
        "counter_volume": 5,
        "project_id": "p-1",
        "resource_id": "vm-1",
        "timestamp": "2026-03-02T08:00:00Z",
    }


def row(uom: str, **more: object) -> dict[str, object]:
    return {
        "customer-id": "21891",
        "quantity": 5,
        "resource": "cpu-usage",
        "resource_id": "vm-1",
        "uom": uom,
        **more,
    }


def refusal(read: object) -> str:
    with pytest.raises(rk.BadRecordError) as raised:
        read()  # type: ignore[operator]
    return str(raised.value)


def test_a_ceilometer_unit_that_does_not_convert_names_the_sample_by_its_message_id() -> None:
    feed = [reading("m-1", "ns"), reading("m-2", "B")]
    assert refusal(lambda: ceilometer.samples(feed, meters=[SECONDS])) == (
        "Ceilometer sample [1].counter_unit (sample 'm-2') is 'B', not a unit meter 'cpu' in "
        "'s' can take: Cannot convert 'B' to 's': 'B' measures data and 's' measures time."
    )


def test_the_api_shapes_id_names_the_sample_and_its_unit_key_the_field() -> None:
    sample = {**reading("api-7", "B", key="id"), "unit": "B"}
    del sample["counter_unit"]
    assert refusal(lambda: ceilometer.samples([sample], meters=[SECONDS])).startswith(
        "Ceilometer sample [0].unit (sample 'api-7') is 'B', not a unit meter 'cpu' in 's'"
    )


def test_a_ceilometer_unit_that_cannot_be_read_names_the_sample() -> None:
    assert refusal(lambda: ceilometer.samples([reading("m-9", "n$")], meters=[SECONDS])) == (
        "Ceilometer sample [0].counter_unit (sample 'm-9') is 'n$', a unit that cannot be "
        "read: Unit 'n$' cannot be read at '$'; write names joined by '*' and '/', each with "
        "an optional power, like 'GiB*hour', 'B/s' or 's^2'."
    )


def test_a_ceilometer_unit_written_at_length_names_the_sample() -> None:
    message = refusal(lambda: ceilometer.samples([reading("m-3", "s" * 65)], meters=[SECONDS]))
    assert message == (
        "Ceilometer sample [0].counter_unit (sample 'm-3') is '"
        + "s" * 65
        + "', 65 characters long; a unit is a short name such as 'B', 'MB-ns' or 'cpu-ns'."
    )


def test_a_sample_whose_id_is_missing_is_refused_for_that_before_its_unit() -> None:
    # the record cannot be named without its id: the id's absence is what is reported
    sample = reading("m-1", "B")
    del sample["message_id"]
    assert refusal(lambda: ceilometer.samples([sample], meters=[SECONDS])) == (
        "Ceilometer sample [0] has no 'message_id' or 'id'."
    )


def test_a_borel_uom_that_does_not_convert_names_the_row_by_its_id_over_the_period() -> None:
    assert refusal(lambda: borel.usage_rows([row("cpu-ns"), row("GB")], period=MARCH)) == (
        "Borel row [1].uom (row '21891/cpu-usage/vm-1/2026-03-01T00:00:00Z/"
        "2026-04-01T00:00:00Z') is 'GB', not a unit meter 'cpu-usage' in 's' can take: "
        "Cannot convert 'GiB' to 's': 'GiB' measures data and 's' measures time."
    )


def test_a_borel_row_with_its_own_period_is_named_by_it() -> None:
    own = row("B", start="2026-03-02T00:00:00Z", end="2026-03-03T00:00:00Z")
    assert refusal(lambda: borel.usage_rows([own], period=MARCH)).startswith(
        "Borel row [0].uom (row '21891/cpu-usage/vm-1/2026-03-02T00:00:00Z/"
        "2026-03-03T00:00:00Z') is 'B', not a unit meter 'cpu-usage' in 's' can take"
    )


def test_a_borel_uom_that_cannot_be_read_names_the_row_with_its_parts_escaped() -> None:
    # the id's parts are escaped ('/' as %2F), so the name is the id the sample would get
    odd = {**row("MB-$"), "customer-id": "acme/eu"}
    assert refusal(lambda: borel.usage_rows([odd], period=MARCH)).startswith(
        "Borel row [0].uom (row 'acme%2Feu/cpu-usage/vm-1/2026-03-01T00:00:00Z/"
        "2026-04-01T00:00:00Z') is 'MB-$', a unit that cannot be read: Unit 'MB-$'"
    )


def test_a_ceilometer_value_that_leaves_the_range_once_converted_names_the_sample() -> None:
    # 1E-25 B is in range as written; in a meter in GB it is 1E-25 / 10^9 = 1E-34 GB,
    # below the least magnitude a record holds (1E-30): refused naming the sample.
    feed = [{**reading("m-9", "B"), "counter_volume": "1E-25"}]
    meter = rk.Meter("cpu", "GB", rk.Discrete())
    assert refusal(lambda: ceilometer.samples(feed, meters=[meter])) == (
        "Ceilometer sample [0].counter_unit (sample 'm-9') is 'B', in which the quantity "
        "Decimal('1E-25') is Decimal('1E-34') in meter 'cpu''s 'GB': outside the numbers "
        "ratekit represents exactly (at most 60 significant digits and, unless zero, a "
        "magnitude from 1E-30 up to but excluding 1E+30); give the meter a unit that holds it."
    )
