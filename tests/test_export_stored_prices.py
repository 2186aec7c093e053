"""A stored charge whose price, quantities and amount no longer agree is refused where read.

An invoice prints each charge's breakdown from its stored price (tier lines, unit price x
quantity) and each minimum's commitment, spend and top-up: a row edited by hand so that
these no longer compute is refused by `from_row`, naming the field, what it says and
what it should be, rather than printed as a breakdown that does not compute.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHS = rk.cycles.monthly(tz="UTC")
TIERED = rk.Graduated([rk.Tier(10, "0.1"), rk.Tier(None, "0.05")])


def _row(price: rk.PriceModel, **terms: Any) -> dict[str, Any]:
    # 150 GB: 10 x 0.1 + 140 x 0.05 = 8.00 tiered, 150 x 0.05 = 7.50 per unit; a fee of 30
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "m", price)], **terms)
    used = [rk.UsageRow("a", "m", "r", MARCH, MARCH, 150, "GB", {}, ())]
    (invoice,) = rk.bill(rk.rate(used, plan, span=MARCH))
    return json.loads(json.dumps(rk.to_row(invoice)))  # type: ignore[no-any-return]


def _edit(row: dict[str, Any], path: tuple[str | int, ...], value: object) -> None:
    place: Any = row
    for key in path[:-1]:
        place = place[key]
    place[path[-1]] = value


FEE = {"fees": [rk.Fee("f", 30)]}
MINIMUM = {"minimums": [rk.Minimum(20)]}
CHARGE = ("lines", 0, "charges", 0)

EDITS: dict[str, tuple[rk.PriceModel, dict[str, Any], tuple[str | int, ...], str, str, str]] = {
    # 10 x 0.1 + 140 x 0.06 = 9.40, not 8.00
    "a tier's unit": (
        TIERED, {}, (*CHARGE, "price", "tiers", 1, "unit"), "0.06",
        "lines[0].charges[0].price", "the tier lines it prices from 0 add up to 9.40",
    ),
    # 150 x 0.06 = 9.00, not 7.50; 7.50 / 150 = 0.05
    "a unit price": (
        rk.PerUnit("0.05"), {}, (*CHARGE, "unit_price"), "0.06",
        "lines[0].charges[0].unit_price", "at that price is 9.00 (a price of 0.05)",
    ),
    # 151 x 0.05 = 7.55, not 7.50
    "a per-unit charge's quantity": (
        rk.PerUnit("0.05"), {}, (*CHARGE, "quantity"), "151",
        "lines[0].charges[0].unit_price", "its billable quantity 151 at that price is 7.55",
    ),
    # 0 + 151 - 0 is not 150, where the tiers end
    "a tiered charge's quantity": (
        TIERED, {}, (*CHARGE, "quantity"), "151",
        "lines[0].charges[0].quantity", "from its position 0 to 150 (after), less the free 0: it should be 150",
    ),
    # 0 + 150 is not 151
    "a tiered charge's after": (
        TIERED, {}, (*CHARGE, "after"), "151",
        "lines[0].charges[0].quantity", "it should be 151",
    ),
    # 1 x 31 = 31, not 30
    "a fee's unit price": (
        TIERED, FEE, ("lines", 1, "charges", 0, "unit_price"), "31",
        "lines[1].charges[0].unit_price", "its billable quantity 1 at that price is 31 (a price of 30)",
    ),
    # 7.50 spent of 20: 12.50 to top up
    "a minimum's spend": (
        rk.PerUnit("0.05"), MINIMUM, ("lines", 1, "spent"), "7.00",
        "lines[1].spent", "'7.00' is not the minimum's spent, 7.5",
    ),
    "a minimum's commitment": (
        rk.PerUnit("0.05"), MINIMUM, ("lines", 1, "commitment"), "21",
        "lines[1].commitment", "'21' is not the minimum's commitment, 20",
    ),
    "a minimum's charge's commitment": (
        rk.PerUnit("0.05"), MINIMUM, ("lines", 1, "charges", 0, "unit_price"), "21",
        "lines[1].commitment", "'20' is not the minimum's commitment, 21",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", EDITS)
def test_a_stored_charge_edited_so_that_it_no_longer_computes_is_refused(case: str) -> None:
    price, terms, path, value, field, says = EDITS[case]
    row = _row(price, **terms)
    assert rk.from_row(rk.Invoice, row) is not None  # as billed, it reads back
    _edit(row, path, value)
    with pytest.raises(rk.BadDataError) as refused:
        rk.from_row(rk.Invoice, row)
    message = str(refused.value)
    assert message.startswith(f"{field}: "), message
    assert says in message, message
    assert "a row changed by hand must keep" in message


@pytest.mark.parametrize("change", ["2026-03-01T00:07:00Z", "2026-03-17T13:00:00Z"])
@pytest.mark.parametrize("proration", ["seconds", "days"])
def test_a_fee_split_by_a_change_of_plan_reads_back(proration: str, change: str) -> None:
    # shares rounded to 60 places: the unit price still gives each part's amount
    first, second = (
        rk.Plan(name, "EUR", MONTHS, [], fees=[rk.Fee("f", "30")], proration=proration)
        for name in "ab"
    )
    assigned = [rk.Assignment("x", first, end=change), rk.Assignment("x", second, start=change)]
    (invoice,) = rk.bill(rk.rate([], assigned, span=MARCH))
    assert rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice)))) == invoice
    rows = rk.focus_rows([invoice], provider="Example")
    assert [row["ListUnitPrice"] for row in rows] == [
        "30",
        "30",
    ]  # as written: no more places than the quantum


def test_a_piece_under_a_prorated_allowance_reads_back() -> None:
    # Found by the money oracle: plan a's allowance of 10.2 is prorated to the 743 of
    # March's 744 hours it holds, 10.2 x 743/744 = 10.18629032258064516129..., rounded at
    # its 60th digit (58th decimal); 10.187 used under a graduated price is free up to
    # there, after = 10.187 - 10.18629... = 0.00070967741935... rounded at its own 60th
    # digit (63rd decimal). The stored piece still takes its group from 0 to after, to the
    # rounding of each term: it reads back equal.
    free = rk.Graduated([rk.Tier(1, "0.000"), rk.Tier(None, "0.000")])
    cycle = rk.cycles.monthly(tz="UTC")
    a = rk.Plan(
        "a",
        "EUR",
        cycle,
        [rk.PriceEntry("a-m1", "m1", free)],
        allowances=[rk.Allowance("m1", "10.2")],
    )
    b = rk.Plan("b", "EUR", cycle, [rk.PriceEntry("a-m1", "m1", rk.PerUnit("0.000"))])
    change = "2026-03-31T23:00:00Z"
    assigned = [rk.Assignment("acme", a, end=change), rk.Assignment("acme", b, start=change)]
    sample = rk.Sample("acme", "r", "m1", "2026-03-01T00:00:00Z", "10.187")
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    rating = rk.rate([sample], assigned, span=march, meters=[rk.Meter("m1", "u", rk.Discrete())])
    (invoice,) = rk.bill(rating)
    (charge,) = [c for line in invoice.lines for c in line.charges if c.after is not None]
    assert charge.position == 0
    assert charge.quantity == Decimal("10.187")
    # Not equal to the last digit (each rounded at its own 60th), apart by less than a
    # unit of the free part's 58th decimal.
    exactly = Fraction("10.187") - Fraction(charge.free)  # 58 decimals
    assert Fraction(charge.after) != exactly
    assert abs(Fraction(charge.after) - exactly) < Fraction(1, 10**58)
    assert rk.from_row(rk.Invoice, rk.to_row(invoice)) == invoice
