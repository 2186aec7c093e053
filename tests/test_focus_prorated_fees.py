"""A prorated fee keeps its unit price in FOCUS, whatever digits its proration rounds.

A fee's charge prices its quantity, the plan's share of the cycle, at the fee: its
``ListUnitPrice`` is the fee, and ``ListCost`` the product of the two numbers the row
prints. Both the share and the amount are rounded at their 60th digit, so the product
may differ from the amount below it: that is the documented difference, never a reason
to drop the unit price.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
PLAN = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 30)])
# The plan starts 2 hours before March ends: 2 of its 744 hours, a share of 1/372.
LATE = [rk.Assignment("acme", PLAN, start="2026-03-31T22:00:00Z")]
# 1/372 = 0.00(268817204301075) recurring, 15 digits a period. To 60 digits (4 periods,
# the next digit a 2) the share is 0.00268817204301075268817204301075268817204301075268817204301075;
# times 30 it is ...1612903225 (4 periods of 806451612903225), while the amount, 30/372 =
# 0.0(806451612903225) recurring to 60 digits (4 periods, the next digit an 8), ends ...3226.
SHARE = "0.00" + "268817204301075" * 4
PRODUCT = "0.0" + "806451612903225" * 4
AMOUNT = "0.0" + "806451612903225" * 3 + "806451612903226"


def test_a_fee_prorated_to_a_share_that_rounds_keeps_its_unit_price() -> None:
    rating = rk.rate([], LATE, span=MARCH)
    (fee,) = rating.charges
    assert (str(fee.quantity), str(fee.amount)) == (SHARE, AMOUNT)
    (row,) = rk.focus_rows(rating, provider="X")
    assert (row["PricingQuantity"], row["ListUnitPrice"], row["ContractedUnitPrice"]) == (
        SHARE,
        "30",
        "30",
    )
    # ListCost is the product of the numbers the row prints; BilledCost the amount: they
    # differ by 1E-61, below the amount's 60th digit.
    assert row["ListCost"] == row["ContractedCost"] == PRODUCT
    assert row["BilledCost"] == AMOUNT
    assert Fraction(row["PricingQuantity"]) * 30 == Fraction(row["ListCost"])
    assert Fraction(row["BilledCost"]) - Fraction(row["ListCost"]) == Fraction(1, 10**61)


def test_the_invoice_rows_of_that_fee_keep_it_too() -> None:
    # Billed: 30/372 = 0.0806... is 0.08 on the cent, the row's BilledCost.
    (invoice,) = rk.bill(rk.rate([], LATE, span=MARCH))
    (row,) = rk.focus_rows([invoice], provider="X")
    assert (row["ListUnitPrice"], row["ListCost"], row["BilledCost"]) == ("30", PRODUCT, "0.08")
    assert invoice.total == Decimal("0.08")


def test_a_unit_price_that_does_not_give_the_amount_is_still_left_out() -> None:
    # Built by hand: 500 hours at 0.02 would be 10, the charge says 0.01. The unit price
    # does not give the amount, so the row has none and ListCost is the billed cost. Nor
    # does one off by 1E-58 on an amount of 60 digits, 0.0806...3226 + 1E-58: further off
    # than the 60th digit's rounding of a share and an amount (a few units of 1E-61 here).
    odd = rk.Charge(
        "acme", "vm", "vm-1", MARCH, MARCH, 500, "hour", "0.01", "EUR", "p", "vm", "0.02"
    )
    near = rk.Charge(
        "acme",
        "base",
        None,
        MARCH,
        MARCH,
        SHARE,
        "cycle",
        Decimal(AMOUNT) + Decimal("1E-58"),
        "EUR",
        "p",
        "base",
        30,
        kind="fee",
    )
    rows = rk.focus_rows([odd, near], provider="X")
    assert [(row["ListUnitPrice"], row["ListCost"]) for row in rows] == [
        (None, "0.01"),
        (None, str(Decimal(AMOUNT) + Decimal("1E-58"))),
    ]
