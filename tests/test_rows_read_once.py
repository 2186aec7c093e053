"""Rows written and read without repeating work, and checked as fully as before.

A charge's price model is written as plan data once per model (each row its own copy),
a span's two instants are read once per pair of texts, and the sum of a charge's tier
lines is found once per price and quantities. None of it changes what a row holds or
what a row read back is checked for: a row changed by hand after the same row was read
is refused with the same error as a row never read before.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHS = rk.cycles.monthly(tz="UTC")
# 10 GB at 0.1, then 0.05
TIERED = rk.Graduated([rk.Tier(10, "0.1"), rk.Tier(None, "0.05")])
SHOWN = "Graduated([Tier(up_to='10', unit='0.1'), Tier(unit='0.05')])"
KEEP = "a row changed by hand must keep its price, quantities and amount consistent."


def _charges(price: rk.PriceModel = TIERED) -> tuple[rk.Charge, ...]:
    # r1 then r2 of one group: r1 takes it from 0 to 6 GB (6 x 0.1 = 0.6), r2 from 6 to
    # 14 GB (4 x 0.1 + 4 x 0.05 = 0.40 + 0.20 = 0.60)
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "m", price)])
    used = [
        rk.UsageRow("a", "m", resource, MARCH, MARCH, quantity, "GB", {}, ())
        for resource, quantity in (("r1", 6), ("r2", 8))
    ]
    return rk.rate(used, plan, span=MARCH).charges


def _stored(charge: rk.Charge) -> dict[str, Any]:
    return json.loads(json.dumps(rk.to_row(charge)))  # type: ignore[no-any-return]


def test_the_second_charge_of_a_group_as_stored() -> None:
    second = _charges()[1]
    assert (second.position, second.after, second.amount) == (6, 14, Decimal("0.60"))
    row = _stored(second)
    assert (row["position"], row["quantity"], row["after"], row["amount"]) == (
        "6",
        "8",
        "14",
        "0.60",
    )
    assert rk.from_row(rk.Charge, row) == second


@pytest.mark.parametrize("reads_before", [0, 1, 3])
def test_an_amount_changed_by_hand_is_refused_however_often_the_row_was_read(
    reads_before: int,
) -> None:
    row = _stored(_charges()[1])
    for _ in range(reads_before):
        assert rk.from_row(rk.Charge, row, path="charges[1]") == _charges()[1]
    row["amount"] = "0.70"  # the lines from 6 to 14 GB add up to 0.60
    with pytest.raises(rk.BadDataError) as refused:
        rk.from_row(rk.Charge, row, path="charges[1]")
    assert str(refused.value) == (
        f"charges[1].price: {SHOWN} does not give the charge's amount 0.70: the tier lines "
        f"it prices from 6 add up to 0.60; {KEEP}"
    )


def test_a_position_and_after_moved_together_by_hand_are_refused_after_a_read() -> None:
    row = _stored(_charges()[1])
    assert rk.from_row(rk.Charge, row) is not None
    # from 2 to 10 GB: 8 x 0.1 = 0.8, not 0.60 (the quantity still takes 2 to 10)
    row["position"], row["after"] = "2", "10"
    with pytest.raises(rk.BadDataError) as refused:
        rk.from_row(rk.Charge, row)
    assert str(refused.value) == (
        f"price: {SHOWN} does not give the charge's amount 0.60: the tier lines it prices "
        f"from 2 add up to 0.8; {KEEP}"
    )


def test_a_tier_changed_by_hand_is_refused_after_the_row_was_read() -> None:
    row = _stored(_charges()[1])
    assert rk.from_row(rk.Charge, row) is not None
    # from 6 to 14 GB at 0.2 past 10: 4 x 0.1 + 4 x 0.2 = 0.40 + 0.80 = 1.20
    row["price"]["tiers"][1]["unit"] = "0.2"
    shown = "Graduated([Tier(up_to='10', unit='0.1'), Tier(unit='0.2')])"
    with pytest.raises(rk.BadDataError) as refused:
        rk.from_row(rk.Charge, row)
    assert str(refused.value) == (
        f"price: {shown} does not give the charge's amount 0.60: the tier lines it prices "
        f"from 6 add up to 1.2; {KEEP}"
    )


def test_each_row_holds_its_own_copy_of_the_price_data() -> None:
    first, second = _charges()
    row = rk.to_row(first)
    row["price"]["tiers"][0]["unit"] = "9"  # the caller's row, the caller's to change
    row["price"]["tiers"].append({"up_to": None})
    again = rk.to_row(second)
    assert again["price"] == {
        "type": "Graduated",
        "tiers": [
            {"up_to": "10", "unit": "0.1", "flat": "0", "block": None},
            {"up_to": None, "unit": "0.05", "flat": "0", "block": None},
        ],
        "flat_at_zero": True,
    }
    assert rk.to_row(first)["price"] == again["price"]


def test_equal_price_models_keep_their_own_digits() -> None:
    # 0.10 and 0.1 are equal prices, written as each was given
    tens = rk.Graduated([rk.Tier(10, "0.10"), rk.Tier(None, "0.050")])
    assert tens == TIERED
    plain, trailing = _charges()[1], _charges(tens)[1]
    assert rk.to_row(plain)["price"]["tiers"][0]["unit"] == "0.1"
    assert rk.to_row(trailing)["price"]["tiers"][0]["unit"] == "0.10"
    assert rk.to_row(plain)["price"]["tiers"][1]["unit"] == "0.05"
    assert rk.to_row(trailing)["price"]["tiers"][1]["unit"] == "0.050"


def test_a_span_read_again_is_equal_and_a_bad_one_refused_each_time() -> None:
    row = _stored(_charges()[0])
    first, again = rk.from_row(rk.Charge, row), rk.from_row(rk.Charge, row)
    assert first.span == again.span == MARCH
    assert first.cycle == again.cycle == MARCH
    row["span_end"] = "2026-02-01T00:00:00Z"  # before its start
    for _ in range(2):
        with pytest.raises(rk.BadDataError) as refused:
            rk.from_row(rk.Charge, row)
        assert str(refused.value) == (
            "span: Span end 2026-02-01T00:00:00Z comes before its start 2026-03-01T00:00:00Z; "
            "a span is [start, end) with start <= end."
        )
