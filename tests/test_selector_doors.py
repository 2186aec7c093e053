"""A selector's plain values pass the door of attribute values, as an event's do.

A float in ``where`` (or in a ``OneOf``) was kept as a float, which never equals the
Decimal an event's attribute becomes (``0.1 != Decimal('0.1')``): the entry silently
matched nothing. A NaN was accepted; a list or mapping left the entry and its plan
unhashable (``TypeError``); and plan data wrote a nested value or a tuple of a ``OneOf``
that it could not read back (a ``TypeError`` from inside for the latter).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal

import pytest

import ratekit as rk
from ratekit import plandata

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
METERS = [rk.Meter("vm.hours", "hour", rk.OnOff())]


def _charged(where: dict[str, object], attributes: dict[str, object]) -> int:
    entry = rk.PriceEntry("e", "vm.hours", rk.PerUnit(1), where=where)
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [entry], unpriced="anomaly")
    records = [
        rk.Event("a", "vm-1", "2026-03-02T00:00:00Z", attributes, kind="start", id="e1"),
        rk.Event("a", "vm-1", "2026-03-02T01:00:00Z", kind="stop", id="e2"),
    ]
    return len(rk.rate(records, plan, span=MARCH, meters=METERS).charges)


@pytest.mark.parametrize("condition", [0.1, rk.OneOf([0.1]), rk.OneOf([0.1, "x"])])
def test_a_float_in_a_selector_matches_the_same_float_in_an_event(condition: object) -> None:
    assert _charged({"ratio": condition}, {"ratio": 0.1}) == 1
    entry = rk.PriceEntry("e", "vm.hours", rk.PerUnit(1), where={"ratio": condition})
    event = rk.Event("a", "vm-1", "2026-03-02T00:00:00Z", {"ratio": 0.1})
    assert entry.matches(event.attributes)
    assert "Decimal('0.1')" in repr(entry)


def test_a_nan_in_a_selector_is_refused_naming_the_attribute() -> None:
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.PriceEntry("e", "vm.hours", rk.PerUnit(1), where={"ratio": float("nan")})
    assert str(caught.value).startswith(
        "a PriceEntry where attribute 'ratio' is nan, not a finite number; an attribute "
        "holds a finite number"
    )
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.OneOf([float("inf")])
    assert str(caught.value) == "OneOf value must be a finite number, not inf."


def test_a_value_no_description_holds_is_refused_in_a_selector() -> None:
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.PriceEntry("e", "vm.hours", rk.PerUnit(1), where={"day": dt.date(2026, 3, 1)})
    assert str(caught.value) == (
        "a PriceEntry where attribute 'day' must be a str, int, Decimal, float, bool, None, "
        "a mapping or a list (JSON-like values), not date: datetime.date(2026, 3, 1)."
    )


def test_a_nested_selector_value_hashes_matches_and_reads_back_from_plan_data() -> None:
    where = {"tags": ["a", 0.5], "size": {"gb": 2}}
    entry = rk.PriceEntry("e", "vm.hours", rk.PerUnit(1), where=where)
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [entry])
    assert hash(entry) == hash(rk.PriceEntry("e", "vm.hours", rk.PerUnit(1), where=where))
    assert len({plan, rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [entry])}) == 1
    assert _charged(where, {"tags": ["a", 0.5], "size": {"gb": 2}}) == 1
    assert plandata.load(plandata.dump(plan)) == plan


def test_a_one_of_array_reads_back_as_a_tuple_and_an_object_is_refused() -> None:
    one_of = rk.OneOf([("a", 1), Decimal("2.5")])
    assert plandata.load(plandata.dump(one_of)) == one_of
    assert plandata.load({"type": "OneOf", "values": [[1]]}) == rk.OneOf([(1,)])
    with pytest.raises(rk.BadDataError) as caught:
        plandata.load({"type": "OneOf", "values": ["x", {"size": 1}]})
    assert str(caught.value) == (
        "values[1]: a OneOf value is a string, number, bool, null, an array of them or "
        '{"decimal": "1.5"}, not an object (a set holds no mapping): {\'size\': 1}.'
    )


class _Unreadable(Mapping[str, object]):
    """A mapping of the caller's own whose values cannot be read (a closed cursor)."""

    def __getitem__(self, key: str) -> object:
        raise RuntimeError("cursor closed")

    def __iter__(self) -> Iterator[str]:
        return iter(["flavor"])

    def __len__(self) -> int:
        return 1


class _LookupRaises(dict[str, object]):
    """A dict subclass whose own lookup raises, its items readable."""

    def __getitem__(self, key: str) -> object:
        raise RuntimeError("lookup refused")


def test_a_where_whose_values_cannot_be_read_is_refused_naming_it() -> None:
    # it let the mapping's RuntimeError escape from PriceEntry
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.PriceEntry("p", "vm.hours", rk.PerUnit(1), where=_Unreadable())
    assert str(caught.value) == (
        "a PriceEntry where could not be read: its mapping (_Unreadable) raised RuntimeError: "
        "cursor closed; give a dict of attribute to value such as {'flavor': 'm1.large'}."
    )


def test_a_where_is_read_once_through_its_items() -> None:
    # the items are read, not each key looked up again: a dict subclass whose lookup
    # raises selects what its items say
    entry = rk.PriceEntry("p", "vm.hours", rk.PerUnit(1), where=_LookupRaises(flavor="m1"))
    assert entry.where == (("flavor", "m1"),)
    assert entry == rk.PriceEntry("p", "vm.hours", rk.PerUnit(1), where={"flavor": "m1"})
