"""A prorated commitment is the commitment times the exact share of the cycle.

A minimum charge carries its plan's share of the cycle as its quantity, rounded at the
60th digit when the share does not terminate (5 of 30 days: 0.1666...67). Billing
read the commitment back as ``unit_price * quantity``, 15.18 x 0.1666...67 =
2.53000...01 where 15.18 x 5/30 is exactly 2.53, and a rounding up billed 2.54: a cent
more than the commitment, and a cent more than the same amount prorated as a fee.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")


@pytest.mark.parametrize("proration", ["seconds", "days"])
def test_a_commitment_prorated_to_a_sixth_is_billed_on_the_cent_it_is(proration: str) -> None:
    # The plan covers 26 April 00:00Z to 1 May: 5 of April's 30 days (or 120 of its 720
    # hours), a share of 1/6. The commitment is 15.18 x 1/6 = 2.53 exactly, on the cent,
    # so ROUND_UP leaves it 2.53; nothing is spent, the top-up is 2.53 - 0.00 = 2.53. The
    # fee of 15.18, prorated alike, is 2.53 too: 5.06 in all.
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [],
        minimums=[rk.Minimum("15.18")],
        fees=[rk.Fee("f", "15.18")],
        rounding="ROUND_UP",
        proration=proration,
    )
    rating = rk.rate([], [rk.Assignment("acme", plan, start="2026-04-26T00:00:00Z")], span=APRIL)
    (invoice,) = rk.bill(rating)
    minimum = invoice.lines[-1]
    assert minimum.kind == "minimum"
    assert (minimum.commitment, minimum.amount) == (Decimal("2.53"), Decimal("2.53"))
    assert [line.amount for line in invoice.lines] == [Decimal("2.53"), Decimal("2.53")]
    assert invoice.total == Decimal("5.06")
    assert rating.total() == Decimal("5.06")
    assert "commitment 2.53 - spent 0.00 = 2.53" in str(invoice)


def test_a_per_meter_commitment_prorated_to_a_share_rounded_down_keeps_its_last_cent() -> None:
    # 27..30 April are 4 of April's 30 days, a share of 2/15 = 0.1333...3 (rounded down at
    # the 60th digit). The per-meter commitment is 15.15 x 2/15 = 2.02 exactly; read back
    # from the rounded share it was 2.01999...99, which ROUND_FLOOR billed as 2.01. One
    # hour at 0.50 is spent (0.50), so the top-up is 2.02 - 0.50 = 1.52, and the invoice
    # 2.02, the commitment (not 1.51 and 2.01).
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "vm", rk.PerUnit("0.50"))],
        minimums=[rk.Minimum("15.15", meter="vm")],
        rounding="ROUND_FLOOR",
        proration="days",
    )
    start = "2026-04-27T00:00:00Z"
    used = rk.UsageRow(
        "acme", "vm", "vm-1", rk.Span(start, "2026-04-27T01:00:00Z"), APRIL, 1, "hour", {}, ()
    )
    (invoice,) = rk.bill(rk.rate([used], [rk.Assignment("acme", plan, start=start)], span=APRIL))
    assert [(line.kind, line.amount) for line in invoice.lines] == [
        ("usage", Decimal("0.50")),
        ("minimum", Decimal("1.52")),
    ]
    assert invoice.lines[-1].commitment == Decimal("2.02")
    assert invoice.total == Decimal("2.02")
