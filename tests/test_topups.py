"""Minimum commitments as billed: the lines under a commitment add up to exactly it.

A top-up is billed as the commitment less the lines it counts, as rounded (not the exact
difference rounded on its own), so rounding each line once never leaves a committed
invoice a quantum or more off its commitment.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MODES = (
    "ROUND_HALF_EVEN",
    "ROUND_HALF_UP",
    "ROUND_HALF_DOWN",
    "ROUND_UP",
    "ROUND_DOWN",
    "ROUND_CEILING",
    "ROUND_FLOOR",
)


def _invoice(
    quantum: str,
    rounding: str,
    quantities: list[str],
    minimums: list[rk.Minimum],
    grants: tuple[rk.Credit, ...] = (),
) -> rk.Invoice:
    entries = [rk.PriceEntry(f"e{i}", f"m{i}", rk.PerUnit(1)) for i in range(len(quantities))]
    plan = rk.Plan(
        "p", "CHF", MONTHS, entries, quantum=quantum, rounding=rounding, minimums=minimums
    )
    rows = [
        rk.UsageRow("acme", f"m{i}", "r0", MARCH, MARCH, Decimal(q), "unit", {}, ())
        for i, q in enumerate(quantities)
    ]
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH), credits=grants)
    return invoice


def _amounts(invoice: rk.Invoice) -> list[tuple[str, Decimal]]:
    return [(line.kind, line.amount) for line in invoice.lines]


# -- worked examples -----------------------------------------------------------------------


def test_two_half_cents_under_a_commitment_of_50_pay_50() -> None:
    # 1.005 -> 1.00 twice (half-even); exact top-up 50 - 2.01 = 47.99, billed as
    # 50 - (1.00 + 1.00) = 48.00; total 1.00 + 1.00 + 48.00 = 50.00 (was 49.99)
    invoice = _invoice("0.01", "ROUND_HALF_EVEN", ["1.005", "1.005"], [rk.Minimum(50)])
    assert _amounts(invoice) == [
        ("usage", Decimal("1.00")),
        ("usage", Decimal("1.00")),
        ("minimum", Decimal("48.00")),
    ]
    assert invoice.total == Decimal("50.00")
    assert "commitment 50.00 - spent 2.01 = 47.99; billed 50.00 - lines 2.00 = 48.00" in str(
        invoice
    )


def test_cash_rounding_under_a_commitment_pays_it() -> None:
    # 1.03 -> 1.05 twice on 0.05 (half-even); top-up 20 - 2.10 = 17.90; total 20.00 (was 20.05)
    invoice = _invoice("0.05", "ROUND_HALF_EVEN", ["1.03", "1.03"], [rk.Minimum(20)])
    assert _amounts(invoice)[-1] == ("minimum", Decimal("17.90"))
    assert invoice.total == Decimal("20.00")


def test_ceiling_quarters_pay_the_commitment_not_a_quarter_more() -> None:
    # 1.01 -> 1.25 (ceiling on 0.25); top-up 5 - 1.25 = 3.75 (was 4.00, total 5.25)
    invoice = _invoice("0.25", "ROUND_CEILING", ["1.01"], [rk.Minimum(5)])
    assert _amounts(invoice) == [("usage", Decimal("1.25")), ("minimum", Decimal("3.75"))]
    assert invoice.total == Decimal("5.00")


def test_whole_steps_of_7_pay_21() -> None:
    # 4 -> 7 (up on 7); top-up 21 - 7 = 14 (was 21, total 28)
    invoice = _invoice("7", "ROUND_UP", ["4"], [rk.Minimum(21)])
    assert _amounts(invoice) == [("usage", Decimal(7)), ("minimum", Decimal(14))]
    assert invoice.total == Decimal(21)


def test_rounding_down_still_pays_the_commitment() -> None:
    # 1.19 -> 1.0 (down on 0.2); top-up 5 - 1.0 = 4.0 (was 3.8, total 4.8)
    invoice = _invoice("0.2", "ROUND_DOWN", ["1.19"], [rk.Minimum(5)])
    assert _amounts(invoice) == [("usage", Decimal("1.0")), ("minimum", Decimal("4.0"))]
    assert invoice.total == Decimal("5.0")


def test_a_meters_minimum_counts_that_meters_lines_and_the_plans_counts_its_top_up() -> None:
    # m0: 1.005 -> 1.00, its minimum 10 tops up 10 - 1.00 = 9.00; m1: 1.005 -> 1.00.
    # plan-wide 50: 1.00 + 9.00 + 1.00 = 11.00 counted, top-up 50 - 11.00 = 39.00.
    # total 1.00 + 1.00 + 9.00 + 39.00 = 50.00
    invoice = _invoice(
        "0.01", "ROUND_HALF_EVEN", ["1.005", "1.005"], [rk.Minimum(10, "m0"), rk.Minimum(50)]
    )
    minimums = {line.meter: line.amount for line in invoice.lines if line.kind == "minimum"}
    assert minimums == {"m0": Decimal("9.00"), None: Decimal("39.00")}
    assert invoice.total == Decimal("50.00")


def test_a_credit_is_applied_after_the_commitment() -> None:
    # lines 1.00 + 1.00 + top-up 48.00 = subtotal 50.00; a credit of 10 leaves 40.00
    credit = rk.Credit("c", "acme", 10, "CHF", start="2026-01-01T00:00:00Z")
    invoice = _invoice(
        "0.01", "ROUND_HALF_EVEN", ["1.005", "1.005"], [rk.Minimum(50)], grants=(credit,)
    )
    assert (invoice.subtotal, invoice.total) == (Decimal("50.00"), Decimal("40.00"))


def test_an_owners_part_of_a_shared_charge_counts_as_billed() -> None:
    # own lines 2.513 -> 2.50 twice on 0.05, its quarter of the shared 10.00 is 2.50:
    # counted 7.50, top-up 20 - 7.50 = 12.50 (exactly 12.474, once rounded 12.45); total 20.00
    plan = rk.Plan(
        "p",
        "CHF",
        MONTHS,
        [rk.PriceEntry("e", "m", rk.PerUnit(1)), rk.PriceEntry("n", "n", rk.PerUnit(1))],
        minimums=[rk.Minimum(20)],
        quantum="0.05",
    )
    rows = [
        rk.UsageRow("a", "m", "own", MARCH, MARCH, Decimal("2.513"), "u", {}, ()),
        rk.UsageRow("a", "n", "own2", MARCH, MARCH, Decimal("2.513"), "u", {}, ()),
        rk.UsageRow("a", "m", "disk", MARCH, MARCH, Decimal(10), "u", {}, ()),
    ]
    share = rk.Share("a", "disk", {"a": 1, "b": 3})
    invoices = rk.bill(rk.rate(rows, plan, span=MARCH, shares=[share]))
    (mine,) = [invoice for invoice in invoices if invoice.account == "a"]
    assert [line.amount for line in mine.lines if line.kind == "minimum"] == [Decimal("12.50")]
    assert mine.total == Decimal("20.00")


def test_the_rater_bills_a_commitment_exactly_too() -> None:
    # the streaming Rater bills through bill(): a VM runs 1 h at 1.01 an hour -> 1.25
    # (ceiling on 0.25); top-up 5 - 1.25 = 3.75 (was 4.00); total 5.00
    vm_hours = rk.Meter("vm.hours", "hour", rk.OnOff())
    plan = rk.Plan(
        "p",
        "CHF",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("1.01"))],
        minimums=[rk.Minimum(5)],
        quantum="0.25",
        rounding="ROUND_CEILING",
    )
    rater = rk.Rater(plan, [vm_hours], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=1))
    rater.feed(
        [
            rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="e1"),
            rk.Event("acme", "vm-1", "2026-03-01T01:00:00Z", kind="stop", id="e2"),
        ]
    )
    statement = rater.statement("2026-04-03T00:00:00Z")
    assert statement.closed
    (invoice,) = statement.invoices
    assert [(line.kind, line.amount) for line in invoice.lines] == [
        ("usage", Decimal("1.25")),
        ("minimum", Decimal("3.75")),
    ]
    assert invoice.total == Decimal("5.00")


# -- the law -------------------------------------------------------------------------------


def _round(value: Fraction, quantum: Fraction, mode: str) -> Fraction:
    """The oracle: ``value`` on ``quantum`` in ``mode``, with fractions."""
    steps = value / quantum
    low = math.floor(steps)
    rest = steps - low
    if rest == 0:
        return low * quantum
    up = {
        "ROUND_UP": steps > 0,
        "ROUND_DOWN": steps < 0,
        "ROUND_CEILING": True,
        "ROUND_FLOOR": False,
        "ROUND_HALF_UP": rest > Fraction(1, 2) or (rest == Fraction(1, 2) and steps > 0),
        "ROUND_HALF_DOWN": rest > Fraction(1, 2) or (rest == Fraction(1, 2) and steps < 0),
        "ROUND_HALF_EVEN": rest > Fraction(1, 2) or (rest == Fraction(1, 2) and low % 2 == 1),
    }[mode]
    return (low + 1 if up else low) * quantum


@settings(max_examples=LAWS, deadline=None)
@given(
    quantum=st.sampled_from(["0.01", "0.05", "0.25", "0.2", "1", "7"]),
    mode=st.sampled_from(MODES),
    thousandths=st.lists(st.integers(-3_000, 30_000), min_size=1, max_size=4),
    steps=st.integers(0, 200),
    near=st.booleans(),
)
def test_a_committed_total_is_the_commitment(
    quantum: str, mode: str, thousandths: list[int], steps: int, near: bool
) -> None:
    q = Fraction(quantum)
    exact = sum((Fraction(t, 1000) for t in thousandths), Fraction(0))
    if near:
        # the commitment where rounding decides: the exact spend on the quantum, up or down
        steps = max(0, math.floor(exact / q) + steps % 3 - 1)
    commitment = steps * q
    quantities = [str(Decimal(t) / 1000) for t in thousandths]
    invoice = _invoice(quantum, mode, quantities, [rk.Minimum(Decimal(quantum) * steps)])
    rounded = sum((_round(Fraction(t, 1000), q, mode) for t in thousandths), Fraction(0))
    total = Fraction(invoice.total)
    # whatever the exact spend, the invoice never totals less than the commitment:
    # the lines as billed fall short -> topped up to exactly it; else the lines alone
    assert total >= commitment
    assert total == max(commitment, rounded)
    assert Fraction(invoice.subtotal) == total  # no credit here
    minimums = [line for line in invoice.lines if line.kind == "minimum"]
    if rounded < commitment:
        assert [Fraction(line.amount) for line in minimums] == [commitment - rounded]
    elif exact >= commitment:
        assert minimums == []  # nothing to top up, no line
    assert total % q == 0


@settings(max_examples=LAWS, deadline=None)
@given(
    quantum=st.sampled_from(["0.01", "0.05", "1"]),
    mode=st.sampled_from(MODES),
    thousandths=st.lists(st.integers(0, 9_000), min_size=2, max_size=4),
    steps=st.integers(0, 2),
    meter_steps=st.integers(0, 2),
)
def test_a_meters_and_the_plans_commitments_are_both_floors(
    quantum: str, mode: str, thousandths: list[int], steps: int, meter_steps: int
) -> None:
    # m0's minimum counts m0's line; the plan's counts every line and m0's top-up, as billed
    q = Fraction(quantum)
    lines = [_round(Fraction(t, 1000), q, mode) for t in thousandths]
    meter_units = max(0, math.floor(Fraction(thousandths[0], 1000) / q) + meter_steps - 1)
    meter_commitment = meter_units * q
    meter_top_up = max(Fraction(0), meter_commitment - lines[0])
    plan_units = max(0, math.floor(sum(lines) / q) + steps - 1)
    plan_commitment = plan_units * q
    plan_top_up = max(Fraction(0), plan_commitment - sum(lines) - meter_top_up)
    invoice = _invoice(
        quantum,
        mode,
        [str(Decimal(t) / 1000) for t in thousandths],
        [
            rk.Minimum(Decimal(quantum) * meter_units, "m0"),
            rk.Minimum(Decimal(quantum) * plan_units),
        ],
    )
    minimums = {
        line.meter: Fraction(line.amount) for line in invoice.lines if line.kind == "minimum"
    }
    assert minimums.get("m0", Fraction(0)) == meter_top_up
    assert minimums.get(None, Fraction(0)) == plan_top_up
    total = Fraction(invoice.total)
    assert total == sum(lines) + meter_top_up + plan_top_up
    assert total >= plan_commitment
    assert lines[0] + meter_top_up >= meter_commitment
