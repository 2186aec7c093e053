"""Hostile values at the doors: enormous ints, str, int and Decimal subclasses.

Every door formats a rejected value with one bounded formatter (an int of 5,000 digits is
shown by its length: Python refuses to turn it into text), refuses it with a
RatekitError, and keeps only exact ``str``, ``int`` and ``Decimal`` values.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk
from ratekit._decimals import to_decimal, to_int
from ratekit._shown import int_digits, show

HUGE = 10**5000
AT = "2026-03-01T00:00:00Z"

DOORS: dict[str, Callable[[int], object]] = {
    "PerUnit": rk.PerUnit,
    "Span.from_us": lambda n: rk.Span.from_us(n, n),
    "Tier": lambda n: rk.Tier(n, 1),
    "convert": lambda n: rk.convert(n, "GB", "MB"),
    "Event seq": lambda n: rk.Event("a", "r", AT, seq=n),
    "Sample seq": lambda n: rk.Sample("a", "r", "m", AT, 1, seq=n),
    "Sample value": lambda n: rk.Sample("a", "r", "m", AT, n),
    "Event attribute": lambda n: rk.Event("a", "r", AT, {"size": n}),
    "monthly day": lambda n: rk.cycles.monthly(tz="UTC", day=n),
    "PriceEntry priority": lambda n: rk.PriceEntry("p", "m", rk.PerUnit(1), priority=n),
    "Between": lambda n: rk.Between(n, n),
    "Above": rk.Above,
    "Credit amount": lambda n: rk.Credit("c", "a", n, "EUR", start=AT),
    "Credit priority": lambda n: rk.Credit("c", "a", 1, "EUR", start=AT, priority=n),
    "Percentile": rk.Percentile,
    "RecordBatch.from_tuples": lambda n: rk.RecordBatch.from_tuples([("a", "r", n)]),
    "OneOf": lambda n: rk.OneOf([n]),
    "ResourceState since_us": lambda n: rk.ResourceState.from_json(
        {"account": "a", "resource": "r", "status": "running", "description": {}, "since_us": n}
    ),
    "Inventory": lambda n: rk.Inventory(AT, [(n, "r")]),
}


@pytest.mark.parametrize("sign", [1, -1])
@pytest.mark.parametrize("door", sorted(DOORS))
def test_an_enormous_int_is_refused_with_its_length_in_the_message(door: str, sign: int) -> None:
    with pytest.raises(rk.RatekitError) as caught:
        DOORS[door](sign * HUGE)
    message = str(caught.value)
    assert "integer of 5001 digits>" in message
    assert len(message) < 600


@pytest.mark.parametrize("door", sorted(DOORS))
@given(digits=st.integers(min_value=4301, max_value=6000))
def test_any_int_past_the_text_limit_is_refused_as_a_ratekit_error(door: str, digits: int) -> None:
    with pytest.raises(rk.RatekitError, match=f"integer of {digits} digits>"):
        DOORS[door](10 ** (digits - 1))


@given(st.integers())
def test_show_counts_digits_exactly_and_stays_short(value: int) -> None:
    assert int_digits(value) == len(str(abs(value)))
    shown = show(value)
    assert len(shown) <= 80
    if abs(value) < 10**60:
        assert shown == repr(value)
    else:
        assert shown.endswith(f"integer of {len(str(abs(value)))} digits>")


def test_show_names_huge_ints_and_cuts_long_data() -> None:
    assert show(10**5000) == "<an integer of 5001 digits>"
    assert show(-(10**60)) == "<a negative integer of 61 digits>"
    assert show(10**60 - 1) == "9" * 60
    assert show([10**5000]) == "[<an integer of 5001 digits>]"
    assert len(show("x" * 10_000)) <= 80


def test_an_int_door_refuses_out_of_range_and_returns_exact_ints() -> None:
    class Int(int):
        pass

    assert type(to_int(Int(3), "seq")) is int
    with pytest.raises(rk.BadQuantityError, match=r"seq 9223372036854775808 is out of range"):
        to_int(2**63, "seq")
    with pytest.raises(rk.RatekitTypeError, match="seq must be an int, not bool: True"):
        to_int(True, "seq")
    with pytest.raises(rk.BadRecordError, match=r"seq <an integer of 5001 digits> is out of"):
        rk.Event("a", "r", AT, seq=HUGE)


# --- 2. sample values go through the number door ----------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (10**61 + 1, "1" + "0" * 60 + "1"),
        (Decimal("1" * 61), "Decimal('" + "1" * 48),
        (10**30, "1000000000000000000000000000000"),
        (Decimal("1e30"), "Decimal('1E+30')"),
        (Decimal("1e-31"), "Decimal('1E-31')"),
    ],
)
def test_a_sample_value_out_of_range_is_refused(value: object, shown: str) -> None:
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.Sample("a", "r", "m", AT, value)
    message = str(caught.value)
    assert message.startswith(f"sample (no id) of resource 'r' value {shown}")
    assert "lies outside the numbers ratekit represents exactly" in message


@given(st.integers(min_value=-(10**40), max_value=10**40))
def test_a_sample_int_is_accepted_exactly_when_the_number_door_accepts_it(value: int) -> None:
    try:
        expected = to_decimal(value)
    except rk.BadQuantityError:
        with pytest.raises(rk.BadQuantityError):
            rk.Sample("a", "r", "m", AT, value)
    else:
        assert rk.Sample("a", "r", "m", AT, value).value == expected


# --- 3. str subclasses become exact str ---------------------------------------------------


class S(str):
    __slots__ = ()

    def __hash__(self) -> int:
        return 0

    def __eq__(self, other: object) -> bool:
        return True


def test_str_subclasses_become_exact_strings_at_the_record_doors() -> None:
    event = rk.Event(S("acme"), S("r"), AT, {S("flavor"): S("m1")}, id=S("e1"))
    assert type(event.account) is str
    assert event.account == "acme"
    assert type(event.resource) is str
    assert type(event.id) is str
    ((key, item),) = event.attributes.items()
    assert type(key) is str
    assert type(item) is str
    assert (key, item) == ("flavor", "m1")
    sample = rk.Sample("acme", "r", S("cpu"), AT, 1)
    assert type(sample.meter) is str
    assert sample.meter == "cpu"
    assert sample == rk.Sample("acme", "r", "cpu", AT, 1)


def test_str_subclasses_become_exact_strings_in_rows_inventories_and_selectors() -> None:
    span = rk.Span(AT, "2026-03-02T00:00:00Z")
    row = rk.UsageRow(S("a"), S("m"), S("r"), span, span, 1, S("GB"), {})
    assert [type(text) for text in (row.account, row.meter, row.resource, row.unit)] == [str] * 4
    assert (row.account, row.meter, row.resource, row.unit) == ("a", "m", "r", "GB")
    inventory = rk.Inventory(AT, {(S("a"), S("r")): {S("k"): S("v")}})
    ((account, resource, attributes),) = inventory.resources
    assert (type(account), type(resource)) == (str, str)
    assert [type(key) for key in attributes] == [str]
    selector = rk.OneOf([S("m1.large")])
    assert [type(value) for value in selector.values] == [str]
    assert selector.test("m1.large")
    assert not selector.test("m1.small")  # S.__eq__ says True to everything; str does not


@given(st.text(min_size=1, max_size=8))
def test_any_str_subclass_names_the_same_record_as_its_text(name: str) -> None:
    assert rk.Event(S(name), S(name), AT) == rk.Event(name, name, AT)


def test_a_str_subclass_that_is_empty_is_still_refused() -> None:
    with pytest.raises(rk.RatekitTypeError, match="account must be a non-empty string, not ''"):
        rk.Event(S(""), "r", AT)


# --- 4. Decimal and int subclasses become exact values -------------------------------------


class Dd(Decimal):
    def __lt__(self, other: object) -> bool:
        return True

    def __gt__(self, other: object) -> bool:
        return True


def test_a_decimal_subclass_becomes_an_exact_decimal() -> None:
    assert type(rk.PerUnit(Dd("1")).rate) is Decimal
    assert type(to_decimal(Dd("2.5"))) is Decimal
    assert to_decimal(Dd("2.5")) == Decimal("2.5")
    assert type(rk.Sample("a", "r", "m", AT, Dd("3")).value) is Decimal


def test_a_hostile_decimal_subclass_does_not_change_graduated_money() -> None:
    # 15 units: first 10 at 1 = 10, next 5 at 2 = 10; total 20.
    plain = rk.Graduated([rk.Tier(10, 1), rk.Tier(None, 2)])
    hostile = rk.Graduated([rk.Tier(Dd("10"), Dd("1")), rk.Tier(None, Dd("2"))])
    assert plain == hostile
    assert all(type(tier.up_to) in (Decimal, type(None)) for tier in hostile.tiers)


def test_an_int_subclass_becomes_an_exact_int_or_decimal() -> None:
    class Int(int):
        def __lt__(self, other: object) -> bool:
            return True

    assert type(to_decimal(Int(7))) is Decimal
    assert to_decimal(Int(7)) == 7
    assert type(rk.Event("a", "r", AT, seq=Int(3)).seq) is int
    assert type(rk.Event("a", "r", AT, {"n": Int(3)}).attributes["n"]) is int


def test_bool_is_still_refused_where_numbers_go() -> None:
    with pytest.raises(rk.RatekitTypeError, match=r"must be a number .*not bool: True"):
        to_decimal(True)
    with pytest.raises(rk.RatekitTypeError, match="seq must be an int or None, not True"):
        rk.Event("a", "r", AT, seq=True)
