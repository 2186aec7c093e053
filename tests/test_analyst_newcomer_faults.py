"""Promises an analyst's hostile plan documents found broken, each with its minimal input.

docs/guarantees.md: "Every error ratekit raises is a RatekitError ... No decimal, zoneinfo,
OSError, KeyError or AttributeError escapes from inside." docs/exports.md (plans as data):
"Errors name the path of the bad field from the document's root." Each test asserts the
promise on the smallest input that breaks it today, and is marked as a strict expected
failure until it holds.
"""

from __future__ import annotations

from typing import Any

import pytest

import ratekit as rk
from ratekit import plandata

UTC_MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _plan_data() -> dict[str, Any]:
    return plandata.dump(
        rk.Plan("p", "EUR", UTC_MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))])
    )


@pytest.mark.parametrize("key", [1, None])
def test_a_price_with_a_key_that_is_not_a_string_is_refused_naming_it(key: object) -> None:
    with pytest.raises(rk.BadDataError, match=r"PerUnit has no field .*; its fields are rate"):
        plandata.load({"type": "PerUnit", "rate": "1", key: 2})


def test_a_document_plan_with_an_int_key_is_refused_naming_its_path() -> None:
    document = {"plans": [{**_plan_data(), 2: 3}]}
    with pytest.raises(rk.BadDataError, match=r"^plans\[0\]"):
        plandata.load_document(document)


def _charge_row_with_int_key_in_its_price() -> tuple[type[Any], dict[str, Any]]:
    rows = [rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, 100, "hour", {}, ())]
    plan = rk.Plan("p", "EUR", UTC_MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))])
    row = rk.to_row(rk.rate(rows, plan, span=MARCH).charges[0])
    return rk.Charge, {**row, "price": {"type": "PerUnit", "rate": "0.05", 3: 4}}


def _inventory_row_with_int_key_in_its_condition() -> tuple[type[Any], dict[str, Any]]:
    where = {"zone": rk.OneOf(["a", "b"])}
    listing = rk.Inventory("2026-03-15T00:00:00Z", {("acme", "vm-1"): {}}, where=where)
    condition = {"type": "OneOf", "values": ["a", "b"], 3: 4}
    return rk.Inventory, {**rk.to_row(listing), "where": [["zone", condition]]}


@pytest.mark.parametrize(
    "hostile", [_charge_row_with_int_key_in_its_price, _inventory_row_with_int_key_in_its_condition]
)
def test_a_row_whose_nested_plan_data_has_an_int_key_is_refused_naming_it(
    hostile: Any,
) -> None:
    cls, row = hostile()
    with pytest.raises(rk.BadDataError, match=r"has no (key|field) 3"):
        rk.from_row(cls, row)


@pytest.mark.parametrize(
    "data",
    [
        {"type": "Graduated", "tiers": [{"up_to": None, "unit": "1", 5: 1}]},
        {"type": "Meter", "name": "m", "unit": "hour", "policy": {"type": "OnOff"}, 5: 1},
    ],
)
def test_nested_plan_data_with_an_int_key_is_refused_naming_it(data: dict[Any, Any]) -> None:
    with pytest.raises(rk.BadDataError, match="has no field 5"):
        plandata.load(data)


@pytest.mark.parametrize("value", [None, "plan", {"plans": []}])
def test_dump_document_of_something_else_is_refused_saying_what_it_takes(value: object) -> None:
    if value == "plan":
        value = plandata.load(_plan_data())
    with pytest.raises(rk.RatekitError, match="Document"):
        plandata.dump_document(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value"), [("currency", "eur"), ("quantum", "-1"), ("tz", "Nowhere/X")]
)
def test_a_documents_bad_plan_field_is_reported_at_its_own_path(field: str, value: str) -> None:
    document = {"plans": [{**_plan_data(), field: value}]}
    with pytest.raises(rk.BadDataError) as raised:
        plandata.load_document(document)
    assert str(raised.value).startswith(f"plans[0].{field}: ")


def test_the_fields_checked_by_their_own_type_are_reported_at_their_path() -> None:
    # The promise as it holds for proration: the path names the field.
    document = {"plans": [{**_plan_data(), "proration": "weeks"}]}
    with pytest.raises(
        rk.BadDataError, match=r"^plans\[0\]\.proration: 'weeks' is not one of 'seconds', 'days'"
    ):
        plandata.load_document(document)


def test_a_key_of_a_tuple_is_refused_naming_it() -> None:
    # The promise as it holds for a key of another kind than int or None.
    with pytest.raises(rk.BadDataError, match=r"PerUnit has no field \(1,\); its fields are rate"):
        plandata.load({"type": "PerUnit", "rate": "1", (1,): 2})
