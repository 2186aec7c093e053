"""Doors that once let something other than a RatekitError out, or refused what another door takes.

Each test is a minimal reproduction of a fault found at a door, fixed with its kind. The
values are hostile on purpose (int and str subclasses whose own ``__eq__`` or ``__repr__``
raise, mappings whose reading raises), as the guarantees page promises a caller: "An int
subclass ... is taken by its exact value, as every door that takes an int takes it ... its
own comparisons are never asked", "a str subclass (a numpy string) is a string", and "Every
error ratekit raises is a RatekitError ... No decimal, zoneinfo, OSError, KeyError or
AttributeError escapes from inside".
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from decimal import Decimal

import numpy as np
import pytest

import ratekit as rk
from _hostile import ClosedCursor, SecretInt, TouchyInt, TouchyStr

AT = "2026-03-02T08:00:00Z"
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")
VM_HOURS = rk.Meter("vm.hours", "hour", rk.OnOff())


def _only_ratekit_errors(call: Callable[[], object]) -> None:
    """Call it; a refusal is fine, but only as a RatekitError."""
    with contextlib.suppress(rk.RatekitError):
        call()


def _one_hour() -> list[rk.Event]:
    return [
        rk.Event("acme", "vm-1", AT, {"flavor": "small", "mem": 2}, kind="start", id="e1"),
        rk.Event("acme", "vm-1", "2026-03-02T09:00:00Z", kind="stop", id="e2"),
    ]


def test_inventory_close_of_an_int_subclass_is_refused_as_a_ratekit_error() -> None:
    # The same value given as an event's kind is refused: "kind 5 is not one of ...".
    with pytest.raises(rk.BadRecordError, match="kind 5 is not one of"):
        rk.Event("acme", "vm-1", AT, kind=TouchyInt(5))
    _only_ratekit_errors(lambda: rk.Inventory(AT, [], close=TouchyInt(5)))


def test_inventory_close_of_an_int_that_hides_its_repr_is_refused_as_a_ratekit_error() -> None:
    with pytest.raises(rk.BadRecordError, match="kind 5 is not one of"):
        rk.Event("acme", "vm-1", AT, kind=SecretInt(5))
    _only_ratekit_errors(lambda: rk.Inventory(AT, [], close=SecretInt(5)))


def test_meter_conflicts_of_an_int_subclass_is_refused_as_a_ratekit_error() -> None:
    _only_ratekit_errors(
        lambda: rk.meter(
            _one_hour(),
            [VM_HOURS],
            span=MARCH,
            cycle=MONTHLY,
            as_of=MARCH.end,
            conflicts=TouchyInt(5),
        )
    )


def test_convert_takes_an_int_subclass_by_its_exact_value() -> None:
    # rk.Sample takes it by its exact value: 5.
    assert rk.Sample("acme", "ip-1", "egress", AT, SecretInt(5)).value == Decimal(5)
    # 5 MB = 5 * 10^6 B = 5000000 B.
    assert rk.convert(SecretInt(5), "MB", "B") == Decimal(5_000_000)


def test_from_columns_takes_a_str_subclass_as_a_column_name() -> None:
    at_us = 1772438400000000  # 2026-03-02T08:00:00Z
    plain = rk.RecordBatch.from_columns(
        events={"account": ["acme"], "resource": ["vm-1"], "at_us": [at_us]}
    )
    touchy = rk.RecordBatch.from_columns(
        events={TouchyStr("account"): ["acme"], "resource": ["vm-1"], "at_us": [at_us]}
    )
    assert list(touchy) == list(plain)


def test_a_where_key_of_a_str_subclass_prices_as_the_plain_key() -> None:
    small = rk.PriceEntry(
        "small", "vm.hours", rk.PerUnit("1"), where={TouchyStr("flavor"): "small"}
    )
    other = rk.PriceEntry("other", "vm.hours", rk.PerUnit("2"), priority=-1)
    plan = rk.Plan("p", "EUR", MONTHLY, [small, other])
    rating = rk.rate(_one_hour(), plan, span=MARCH, meters=[VM_HOURS])
    # 08:00 to 09:00, flavor small: 1 hour at 1 = 1 (the catch-all at 2 does not price it).
    assert [(charge.entry, charge.amount) for charge in rating.charges] == [("small", Decimal(1))]


def test_a_continuous_level_named_by_a_str_subclass_meters_as_the_plain_name() -> None:
    memory = rk.Meter("mem", "MB*hour", rk.Continuous(TouchyStr("mem")))
    usage = rk.meter(_one_hour(), [memory], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    # mem 2 MB from 08:00 to 09:00: 2 MB * 1 h = 2 MB*hour.
    assert usage.total() == Decimal(2)


def test_a_credit_with_a_numpy_string_id_is_billed() -> None:
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("1"))])
    rating = rk.rate(_one_hour(), plan, span=MARCH, meters=[VM_HOURS])
    credit = rk.Credit(np.str_("welcome"), "acme", "10", "EUR", "2026-03-01T00:00:00Z")
    (invoice,) = rk.bill(rating, credits=[credit])
    # 1 hour at 1 = 1.00 due; the credit of 10 pays 1.00 and leaves 9.00; total 0.00.
    assert invoice.total == Decimal("0.00")
    assert [(line.credit, line.applied, line.left) for line in invoice.credits] == [
        ("welcome", Decimal("1.00"), Decimal("9.00"))
    ]


def test_a_credit_with_an_account_of_a_str_subclass_is_billed() -> None:
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("1"))])
    rating = rk.rate(_one_hour(), plan, span=MARCH, meters=[VM_HOURS])
    credit = rk.Credit("welcome", TouchyStr("acme"), "10", "EUR", "2026-03-01T00:00:00Z")
    (invoice,) = rk.bill(rating, credits=[credit])
    assert invoice.total == Decimal("0.00")  # 1.00 due, paid by the credit of 10


def test_from_row_refuses_a_signalling_nan_in_an_inventory_selector() -> None:
    def row(value: object) -> dict[str, object]:
        return {
            "at": "2026-03-15T00:00:00Z",
            "resources": [],
            "close": "snapshot",
            "id": "inv-15",
            "accounts": None,
            "where": [["zone", {"type": "OneOf", "values": ["a", value]}]],
        }

    with pytest.raises(
        rk.BadDataError, match=r"rows\[4\]\.where\[0\]: OneOf value must be a finite number"
    ):
        rk.from_row(rk.Inventory, row(Decimal("NaN")), path="rows[4]")
    with pytest.raises(
        rk.BadDataError, match=r"rows\[4\]\.where\[0\]: OneOf value must be a finite number"
    ):
        rk.from_row(rk.Inventory, row(Decimal("sNaN")), path="rows[4]")


def _rating() -> rk.Rating:
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("1"))])
    return rk.rate(_one_hour(), plan, span=MARCH, meters=[VM_HOURS])


def test_focus_rows_refuses_a_service_names_mapping_that_raises() -> None:
    _only_ratekit_errors(
        lambda: rk.focus_rows(_rating(), provider="X", service_names=ClosedCursor("vm.hours"))
    )


def test_focus_rows_takes_a_str_subclass_as_a_service_name_key() -> None:
    rows = rk.focus_rows(_rating(), provider="X", service_names={TouchyStr("vm.hours"): "VM"})
    assert [row["ServiceName"] for row in rows] == ["VM"]


def test_inventory_close_refusal_of_a_huge_string_is_short() -> None:
    huge = "c" * 1_000_000
    with pytest.raises(rk.BadRecordError) as event_error:
        rk.Event("acme", "vm-1", AT, kind=huge)
    assert len(str(event_error.value)) < 1_000
    with pytest.raises(rk.BadRecordError) as inventory_error:
        rk.Inventory(AT, [], close=huge)
    assert len(str(inventory_error.value)) < 1_000


def test_rate_names_the_position_of_an_item_that_is_no_record() -> None:
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("1"))])
    records: list[object] = [*_one_hour(), 5]
    with pytest.raises(rk.RatekitTypeError, match=r"records\[2\]"):
        rk.Rater(plan, [VM_HOURS], start="2026-03-01T00:00:00Z").feed(records)  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError, match=r"records\[2\]"):
        rk.rate(records, plan, span=MARCH, meters=[VM_HOURS])  # type: ignore[arg-type]


def test_meter_names_the_position_of_an_item_that_is_no_record() -> None:
    unknown = [_one_hour()[0], rk.Sample("acme", "x", "cpu", AT, 1, id="c1")]
    with pytest.raises(rk.UnknownMeterError, match=r"^records\[1\]: sample 'c1'"):
        rk.meter(unknown, [VM_HOURS], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    with pytest.raises(rk.RatekitTypeError, match=r"records\[2\]"):
        rk.meter([*_one_hour(), None], [VM_HOURS], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)  # type: ignore[list-item]


FIRST_US = -62135596800000000  # 0001-01-01T00:00:00Z
LAST_US = 253402300799999999  # 9999-12-31T23:59:59.999999Z


def test_the_microsecond_fast_paths_refuse_an_int_out_of_range_even_end_first() -> None:
    timeline = rk.Timeline()
    with pytest.raises(
        rk.BadTimeError, match="start_us 253402300800000000 µs lies outside the instants"
    ):
        list(timeline.items_us(LAST_US + 1, 0))
    with pytest.raises(rk.BadTimeError):
        list(rk.cycles.daily(tz="UTC").boundaries_us(LAST_US + 1, 0))
    with pytest.raises(rk.BadTimeError):
        list(rk.windows.daily("08:00", "18:00", tz="UTC").within_us(0, FIRST_US - 1))


def test_plan_data_refuses_a_signalling_nan_in_a_selector() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHLY,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("1"), where={"f": rk.OneOf(["a"])})],
    )
    for value in (Decimal("NaN"), Decimal("sNaN")):
        document = rk.plandata.dump(plan)
        document["entries"][0]["where"]["f"]["values"] = [value]
        with pytest.raises(rk.BadDataError, match="OneOf value must be a finite number"):
            rk.plandata.load(document)


def test_restore_names_a_huge_number_it_cannot_hash() -> None:
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("1"))])
    rater = rk.Rater(plan, [VM_HOURS], start="2026-03-01T00:00:00Z")
    rater.feed(_one_hour())
    data = json.loads(json.dumps(rater.snapshot()))
    data["body"]["base_us"] = 10**5000
    with pytest.raises(rk.BadSnapshotError) as error:
        rk.Rater.restore(data, plan, [VM_HOURS])
    assert "sha256 None" not in str(error.value)
    assert "base_us" in str(error.value)
