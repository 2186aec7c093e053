"""A row or plan data holding a huge value is refused with a message of bounded length."""

from __future__ import annotations

import pytest

import ratekit as rk
from ratekit import plandata

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _charge_row() -> dict[str, object]:
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))]
    )
    row = rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, 1, "hour", {}, ())
    return rk.to_row(rk.rate([row], plan, span=MARCH).charges[0])


@pytest.mark.parametrize(
    ("key", "value", "start"),
    [
        ("currency", "Q" * 100_000, "currency: Charge currency 'QQQ"),
        ("price", {"type": "Z" * 100_000}, "price: type 'ZZZ"),
    ],
)
def test_a_huge_value_in_a_row_is_named_cut_short(key: str, value: object, start: str) -> None:
    # Was: the message quoted the whole value, 100,102 and 100,672 characters, into
    # every log line that records it. Now the value is shown as every other door shows
    # one (at most 80 characters), and the message still says what is accepted.
    with pytest.raises(rk.BadDataError) as caught:
        rk.from_row(rk.Charge, {**_charge_row(), key: value})
    message = str(caught.value)
    assert message.startswith(start)
    assert len(message) < 1_200
    assert "Q" * 100 not in message
    assert "Z" * 100 not in message
    assert "such as 'EUR'" in message or "it names one of Plan, PriceEntry" in message


def test_a_huge_type_in_plan_data_is_named_cut_short() -> None:
    with pytest.raises(rk.BadDataError) as caught:
        plandata.load({"type": "Z" * 100_000})
    assert len(str(caught.value)) < 1_200
    assert "it names one of Plan, PriceEntry" in str(caught.value)


def test_a_huge_plan_currency_is_named_cut_short() -> None:
    with pytest.raises(rk.BadPriceError) as caught:
        rk.Plan("p", "E" * 100_000, rk.cycles.monthly(tz="UTC"), [])
    assert len(str(caught.value)) < 300
    assert str(caught.value).endswith("write it as three capital letters, such as 'EUR'.")


def test_a_huge_unknown_key_or_rounding_in_plan_data_is_named_cut_short() -> None:
    # Was: the key, 100,000 characters, named twice (200,057 characters of message),
    # and the rounding quoted whole (100,173).
    document = plandata.dump(rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), []))
    for key, value in (("Z" * 100_000, 1), ("rounding", "Z" * 100_000)):
        with pytest.raises(rk.BadDataError) as caught:
            plandata.load({**document, key: value})
        assert len(str(caught.value)) < 1_200
    fee = {"id": "f", "amount": "1", "Z" * 100_000: 1}
    with pytest.raises(rk.BadDataError) as caught:
        plandata.load({**document, "fees": [fee]})
    message = str(caught.value)
    assert len(message) < 600
    assert message.startswith("fees[0].'ZZZ")
    assert message.endswith("ZZZ'; its fields are id, amount.")
    assert "..." in message
