"""Minimum commitments as billed: the lines under a commitment add up to exactly it.

A top-up is billed as the commitment less the lines it counts, as rounded (not the exact
difference rounded on its own), so rounding each line once never leaves a committed
invoice a quantum or more off its commitment.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests import _rater_streams as streams
from tests._budget import FLOOR, LAWS
from tests._rounding import MODES

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


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


# -- the floor: the lines as billed, whatever the exact spend ---------------------------


def test_three_lines_rounded_down_below_a_reached_commitment_are_topped_up() -> None:
    # exact 3.339 * 3 = 10.017 >= 10.00, but down to the cent each line is 3.33:
    # 3.33 * 3 = 9.99 < 10.00, so a top-up of 10.00 - 9.99 = 0.01 is due; total 10.00
    # (was 9.99, with no minimum line)
    invoice = _invoice("0.01", "ROUND_DOWN", ["3.339"] * 3, [rk.Minimum("10.00")])
    assert _amounts(invoice) == [
        ("usage", Decimal("3.33")),
        ("usage", Decimal("3.33")),
        ("usage", Decimal("3.33")),
        ("minimum", Decimal("0.01")),
    ]
    assert invoice.total == invoice.subtotal == Decimal("10.00")
    assert invoice.precise_total == Decimal("10.017")  # the exact spend, no top-up in it
    (minimum,) = [line for line in invoice.lines if line.kind == "minimum"]
    # spent is what was spent, the exact 10.017 (it read 10, the commitment, before)
    assert (minimum.precise, minimum.commitment, minimum.spent) == (0, 10, Decimal("10.017"))
    note = "commitment 10.00 reached by the exact spend 10.017; billed 10.00 - lines 9.99 = 0.01"
    assert note in str(invoice)
    assert note in invoice._repr_html_()


def test_the_rating_holds_a_zero_top_up_that_the_invoice_settles() -> None:
    # the exact layer owes nothing more: 3.339 * 3 = 10.017 and a top-up of 0 (exact),
    # Rating.total() 10.017 >= 10; the invoice settles the zero top-up to 0.01
    entries = [rk.PriceEntry(f"e{i}", f"m{i}", rk.PerUnit(1)) for i in range(3)]
    plan = rk.Plan(
        "p", "EUR", MONTHS, entries, rounding="ROUND_DOWN", minimums=[rk.Minimum("10.00")]
    )
    rows = [
        rk.UsageRow("acme", f"m{i}", "r0", MARCH, MARCH, Decimal("3.339"), "u", {}, ())
        for i in range(3)
    ]
    rating = rk.rate(rows, plan, span=MARCH)
    assert [(c.kind, c.amount) for c in rating.charges][-1] == ("minimum", Decimal(0))
    assert rating.total() == Decimal("10.017")
    (invoice,) = rk.bill(rating)
    # FOCUS rows of the invoice add up to its total: 3.33 * 3 + 0.01 = 10.00
    rows_out = rk.focus_rows([invoice], provider="Example Cloud")
    assert [(r["ChargeCategory"], r["BilledCost"]) for r in rows_out][-1] == ("Adjustment", "0.01")
    assert sum(Decimal(r["BilledCost"]) for r in rows_out) == Decimal("10.00")
    # detailed per resource, the same total
    (detailed,) = rk.bill(rating, by_resource=True)
    assert detailed.total == Decimal("10.00")


def test_floor_rounds_a_negative_correction_away_from_zero_and_tops_up() -> None:
    # exact 10.309 - 0.301 = 10.008 >= 10.00; floor to the cent: 10.30 and -0.31 (away
    # from zero for a negative line): 10.30 - 0.31 = 9.99 < 10.00, top-up 0.01
    invoice = _invoice("0.01", "ROUND_FLOOR", ["10.309", "-0.301"], [rk.Minimum(10)])
    assert _amounts(invoice) == [
        ("usage", Decimal("10.30")),
        ("usage", Decimal("-0.31")),
        ("minimum", Decimal("0.01")),
    ]
    assert invoice.total == Decimal("10.00")


def test_down_rounds_the_same_correction_towards_zero_and_reaches_the_commitment() -> None:
    # the same lines rounded down: 10.30 and -0.30 (towards zero), 10.30 - 0.30 = 10.00:
    # the lines reach the commitment exactly, no top-up, no minimum line
    invoice = _invoice("0.01", "ROUND_DOWN", ["10.309", "-0.301"], [rk.Minimum(10)])
    assert _amounts(invoice) == [("usage", Decimal("10.30")), ("usage", Decimal("-0.30"))]
    assert invoice.total == Decimal("10.00")


def test_floor_of_two_lines_short_by_a_cent() -> None:
    # exact 6.009 + 3.999 = 10.008 >= 10; floor: 6.00 + 3.99 = 9.99, top-up 0.01
    invoice = _invoice("0.01", "ROUND_FLOOR", ["6.009", "3.999"], [rk.Minimum(10)])
    assert _amounts(invoice)[-1] == ("minimum", Decimal("0.01"))
    assert invoice.total == Decimal("10.00")


def test_cash_rounding_below_a_reached_commitment_tops_up_a_nickel_multiple() -> None:
    # exact 1.67 * 6 = 10.02 >= 10; on 0.05 half-even 1.67 is 33.4 nickels -> 33 -> 1.65:
    # 1.65 * 6 = 9.90 < 10.00, top-up 10.00 - 9.90 = 0.10; total 10.00
    invoice = _invoice("0.05", "ROUND_HALF_EVEN", ["1.67"] * 6, [rk.Minimum(10)])
    assert _amounts(invoice)[-1] == ("minimum", Decimal("0.10"))
    assert sum(amount for kind, amount in _amounts(invoice) if kind == "usage") == Decimal("9.90")
    assert invoice.total == Decimal("10.00")


def test_lines_rounded_exactly_onto_the_commitment_need_no_top_up() -> None:
    # exact 2.509 * 4 = 10.036; down to the cent 2.50 * 4 = 10.00 = the commitment: no line
    invoice = _invoice("0.01", "ROUND_DOWN", ["2.509"] * 4, [rk.Minimum(10)])
    assert [kind for kind, _ in _amounts(invoice)] == ["usage"] * 4
    assert invoice.total == Decimal("10.00")


def test_lines_rounded_above_the_commitment_need_no_top_up() -> None:
    # exact 3.339 * 3 = 10.017; half-even to the cent 3.34 * 3 = 10.02 > 10.00: no line
    invoice = _invoice("0.01", "ROUND_HALF_EVEN", ["3.339"] * 3, [rk.Minimum(10)])
    assert [kind for kind, _ in _amounts(invoice)] == ["usage"] * 3
    assert invoice.total == Decimal("10.02")


def test_whole_units_below_a_reached_commitment() -> None:
    # quantum 1, down: exact 4.6 + 5.6 = 10.2 >= 10; lines 4 + 5 = 9 < 10, top-up 1
    invoice = _invoice("1", "ROUND_DOWN", ["4.6", "5.6"], [rk.Minimum(10)])
    assert _amounts(invoice) == [
        ("usage", Decimal(4)),
        ("usage", Decimal(5)),
        ("minimum", Decimal(1)),
    ]
    assert invoice.total == Decimal(10)


def test_meters_commitments_reached_and_the_plans_floor() -> None:
    # m0 = 5.0049 down to 5.00 reaches its minimum 5; m1 = 5.009 down to 5.00 reaches 5.
    # The plan-wide 10.01: exact 5.0049 + 5.009 = 10.0139 >= 10.01, but the lines
    # 5.00 + 5.00 = 10.00 < 10.01: top-up 0.01, total 10.01
    invoice = _invoice(
        "0.01",
        "ROUND_DOWN",
        ["5.0049", "5.009"],
        [rk.Minimum(5, "m0"), rk.Minimum(5, "m1"), rk.Minimum("10.01")],
    )
    minimums = {line.meter: line.amount for line in invoice.lines if line.kind == "minimum"}
    assert minimums == {None: Decimal("0.01")}
    assert invoice.total == Decimal("10.01")


def test_a_meters_floor_counts_towards_the_plans() -> None:
    # meter m priced by two entries (two lines): exact 3.004 + 2.999 = 6.003 >= its
    # minimum 6, but down to the cent 3.00 + 2.99 = 5.99: m's top-up 0.01. Meter n: 4.00.
    # The plan-wide 10 counts the lines and m's top-up as billed: 3.00 + 2.99 + 4.00 +
    # 0.01 = 10.00, reached: no plan-wide line; total 10.00
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("small", "m", rk.PerUnit(1), where={"flavor": "small"}),
            rk.PriceEntry("large", "m", rk.PerUnit(1), where={"flavor": "large"}),
            rk.PriceEntry("n", "n", rk.PerUnit(1)),
        ],
        rounding="ROUND_DOWN",
        minimums=[rk.Minimum(6, "m"), rk.Minimum(10)],
    )
    rows = [
        rk.UsageRow(
            "acme", "m", "r1", MARCH, MARCH, Decimal("3.004"), "u", {"flavor": "small"}, ()
        ),
        rk.UsageRow(
            "acme", "m", "r2", MARCH, MARCH, Decimal("2.999"), "u", {"flavor": "large"}, ()
        ),
        rk.UsageRow("acme", "n", "r3", MARCH, MARCH, Decimal(4), "u", {}, ()),
    ]
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH))
    minimums = {line.meter: line.amount for line in invoice.lines if line.kind == "minimum"}
    assert minimums == {"m": Decimal("0.01")}
    assert invoice.total == Decimal("10.00")


def test_an_owners_part_of_a_shared_charge_as_allocated_can_fall_short() -> None:
    # owner a holds 3 of 4 of the shared disk's 10.19: its exact part 7.6425, its own
    # line 2.399: exact spend 10.0415 >= 10. Billed down on 0.05: the pool 10.19 -> 10.15,
    # split 7.6125 / 2.5375 -> 7.60 + 2.50 and the last nickel to b (remainder .75):
    # a's part 7.60; its own line 2.399 -> 2.35; 2.35 + 7.60 = 9.95 < 10, top-up 0.05
    plan = rk.Plan(
        "p",
        "CHF",
        MONTHS,
        [rk.PriceEntry("e", "m", rk.PerUnit(1)), rk.PriceEntry("n", "n", rk.PerUnit(1))],
        minimums=[rk.Minimum(10)],
        quantum="0.05",
        rounding="ROUND_DOWN",
    )
    rows = [
        rk.UsageRow("a", "m", "own", MARCH, MARCH, Decimal("2.399"), "u", {}, ()),
        rk.UsageRow("a", "n", "disk", MARCH, MARCH, Decimal("10.19"), "u", {}, ()),
    ]
    share = rk.Share("a", "disk", {"a": 3, "b": 1})
    invoices = rk.bill(rk.rate(rows, plan, span=MARCH, shares=[share]))
    (mine,) = [invoice for invoice in invoices if invoice.account == "a"]
    assert [(line.kind, line.amount) for line in mine.lines] == [
        ("usage", Decimal("2.35")),
        ("minimum", Decimal("0.05")),
        ("shared", Decimal("7.60")),
    ]
    assert mine.total == Decimal("10.00")
    (theirs,) = [invoice for invoice in invoices if invoice.account == "b"]
    assert theirs.total == Decimal("2.55")  # a holder's minimums are its own plan's


def test_two_plans_minimums_in_one_cycle_count_both_plans_lines() -> None:
    # a plan change at noon on 16 March: each plan covers half of March, its minimum of 10
    # prorated to 5; 4 of usage under each: top-ups 1 + 1. The two top-ups print as one
    # line, commitment 10.00 - spent 8.00 = 2.00; total 8.00 + 2.00 = 10.00 (was 18.00:
    # the line counted the first plan's lines only, and none when both share the line)
    half = "2026-03-16T12:00:00Z"
    for entry_b in ("e", "f"):
        a = rk.Plan(
            "a", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))], minimums=[rk.Minimum(10)]
        )
        b = rk.Plan(
            "b",
            "EUR",
            MONTHS,
            [rk.PriceEntry(entry_b, "m", rk.PerUnit(1))],
            minimums=[rk.Minimum(10)],
        )
        rows = [
            rk.UsageRow("acme", "m", "r", rk.Span(MARCH.start, half), MARCH, 4, "u", {}, ()),
            rk.UsageRow("acme", "m", "r", rk.Span(half, MARCH.end), MARCH, 4, "u", {}, ()),
        ]
        plans = [rk.Assignment("acme", a, end=half), rk.Assignment("acme", b, start=half)]
        (invoice,) = rk.bill(rk.rate(rows, plans, span=MARCH))
        assert [line.amount for line in invoice.lines if line.kind == "minimum"] == [
            Decimal("2.00")
        ]
        assert invoice.total == Decimal("10.00")


def test_one_plans_minimum_counts_its_part_of_a_line_both_plans_price() -> None:
    # the same change, 6 under plan a (reaches its 5) and 4 under plan b (top-up 5 - 4 =
    # 1): both price m under entry e, so one line m · e of 10.00; b's minimum counts b's
    # part of it, split by the exact amounts 6 : 4 -> 6.00 + 4.00: billed 5.00 - 4.00 =
    # 1.00, total 11.00 (was 15.00: the line, not all b's, counted nothing)
    half = "2026-03-16T12:00:00Z"
    a = rk.Plan(
        "a", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))], minimums=[rk.Minimum(10)]
    )
    b = rk.Plan(
        "b", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))], minimums=[rk.Minimum(10)]
    )
    rows = [
        rk.UsageRow("acme", "m", "r", rk.Span(MARCH.start, half), MARCH, 6, "u", {}, ()),
        rk.UsageRow("acme", "m", "r", rk.Span(half, MARCH.end), MARCH, 4, "u", {}, ()),
    ]
    plans = [rk.Assignment("acme", a, end=half), rk.Assignment("acme", b, start=half)]
    (invoice,) = rk.bill(rk.rate(rows, plans, span=MARCH))
    assert _amounts(invoice) == [("usage", Decimal("10.00")), ("minimum", Decimal("1.00"))]
    assert invoice.total == Decimal("11.00")


def test_two_plans_reached_commitments_add_no_line() -> None:
    # the same change, 6 of usage under each plan: each reaches its 5, no top-up, no
    # line (one line holding both zero top-ups counts both plans' lines: 12 >= 10)
    half = "2026-03-16T12:00:00Z"
    a = rk.Plan(
        "a", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))], minimums=[rk.Minimum(10)]
    )
    b = rk.Plan(
        "b", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))], minimums=[rk.Minimum(10)]
    )
    rows = [
        rk.UsageRow("acme", "m", "r", rk.Span(MARCH.start, half), MARCH, 6, "u", {}, ()),
        rk.UsageRow("acme", "m", "r", rk.Span(half, MARCH.end), MARCH, 6, "u", {}, ()),
    ]
    plans = [rk.Assignment("acme", a, end=half), rk.Assignment("acme", b, start=half)]
    rating = rk.rate(rows, plans, span=MARCH)
    assert [c.kind for c in rating.charges] == ["usage", "usage"]
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("12.00")


def test_the_rater_tops_up_a_reached_commitment_as_batch_does() -> None:
    # three VMs of three flavours, 1 h each at 3.339 an hour: lines 3.339 -> 3.33 (down),
    # 3.33 * 3 = 9.99 under a commitment of 10.00 that the exact 10.017 reached: the
    # streaming Rater's closed invoice tops up 0.01, as bill(rate(...)) of the same records
    vm_hours = rk.Meter("vm.hours", "hour", rk.OnOff())
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry(f, "vm.hours", rk.PerUnit("3.339"), where={"flavor": f})
            for f in ("a", "b", "c")
        ],
        minimums=[rk.Minimum("10.00")],
        rounding="ROUND_DOWN",
    )
    records = []
    for i, flavor in enumerate(("a", "b", "c")):
        records.append(
            rk.Event(
                "acme",
                f"vm-{i}",
                "2026-03-01T00:00:00Z",
                {"flavor": flavor},
                kind="start",
                id=f"s{i}",
            )
        )
        records.append(rk.Event("acme", f"vm-{i}", "2026-03-01T01:00:00Z", kind="stop", id=f"t{i}"))
    rater = rk.Rater(plan, [vm_hours], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=1))
    rater.feed(records[:3])
    early = rater.statement("2026-03-15T00:00:00Z")
    rater.feed(records[3:])
    statement = rater.statement("2026-04-03T00:00:00Z")
    assert statement.closed
    (invoice,) = statement.invoices
    assert [(line.kind, line.amount) for line in invoice.lines][-1] == ("minimum", Decimal("0.01"))
    assert invoice.total == Decimal("10.00")
    until = rk.Span(MARCH.start, "2026-04-03T00:00:00Z")
    batch = rk.rate(records, plan, span=until, meters=[vm_hours])
    billed, april = rk.bill(batch)
    assert [(line.kind, line.amount) for line in billed.lines] == [
        (line.kind, line.amount) for line in invoice.lines
    ]
    # the law: the statements' lines add up to the batch rating, to the last digit:
    # March 10.017 (its zero top-up adds nothing exact), April's commitment prorated to
    # 2 days of 30 so far, 10 * 2 / 30 = 0.666..., on the cent with the plan's mode
    # (down) 0.66, topped up whole (no usage)
    assert Fraction(early.total()) + Fraction(statement.total()) == Fraction(batch.total())
    assert batch.total(cycle=MARCH) == Decimal("10.017")
    assert april.total == Decimal("0.66")


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
    # the exact layer (the charges' sum, Rating.total()) reaches it too, exactly: a zero
    # top-up adds nothing to an exact spend that reached the commitment
    assert Fraction(invoice.precise_total) == max(exact, commitment)
    minimums = [line for line in invoice.lines if line.kind == "minimum"]
    if rounded < commitment:
        assert [Fraction(line.amount) for line in minimums] == [commitment - rounded]
    elif exact >= commitment:
        assert minimums == []  # nothing to top up, no line
    assert total % q == 0


@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
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


# -- the rater's law where rounding decides a commitment ----------------------------------

# BASIC's prices rounded down on quarters, with a plan-wide and a runtime minimum: a
# day's lines lose up to 0.24 each, so a commitment the exact spend reached is often
# billed short of it, and topped up.
FLOORED = rk.Plan(
    "floored",
    "EUR",
    streams.CYCLE,
    streams.BASIC.entries,
    quantum="0.25",
    rounding="ROUND_DOWN",
    allowances=streams.BASIC.allowances,
    minimums=[rk.Minimum("1.5"), rk.Minimum("0.5", meter="runtime")],
    fees=streams.BASIC.fees,
)


@settings(max_examples=max(LAWS // 20, FLOOR), deadline=None)
@given(seed=st.integers(0, 2**32), horizon_h=st.sampled_from([0, 3]), late_ok=st.booleans())
def test_the_rater_law_holds_where_rounding_decides_a_commitment(
    seed: int, horizon_h: int, late_ok: bool
) -> None:
    # the statements' lines (zero top-ups included) add up to one batch rate()
    streams.check_law(seed, horizon_h=horizon_h, late_ok=late_ok, single=FLOORED)


@settings(max_examples=max(LAWS // 20, FLOOR), deadline=None)
@given(seed=st.integers(0, 2**32), horizon_h=st.sampled_from([0, 3]))
def test_the_raters_and_batchs_invoices_reach_the_commitment(seed: int, horizon_h: int) -> None:
    # every invoice a statement closes, and every batch invoice of a whole day, bills at
    # least the day's commitment, 1.50 (each account covered from the first day; the
    # runtime minimum's 0.50 is part of it). (A closed invoice may differ from batch's
    # where a later counter reading reaches back into its cycle: the rater corrects that
    # cycle with lines, which the law above adds up.)
    closed, whole = _closed_and_whole(seed, horizon_h, FLOORED)
    assert all(invoice.total >= Decimal("1.50") for invoice in closed)
    assert all(invoice.total >= Decimal("1.50") for invoice in whole)


def _closed_and_whole(
    seed: int, horizon_h: int, plans: rk.Plan | tuple[rk.Assignment, ...]
) -> tuple[list[rk.Invoice], list[rk.Invoice]]:
    """A random stream's invoices: those its statements close, and batch's of whole days."""
    rng = random.Random(seed)
    stream = streams.records(
        rng,
        greet=True,
        anonymous=False,
        sequenced=False,
        gauges=False,
        last_seen=False,
        gaps=False,
    )
    statements, _, final, _ = streams.run(
        rng, stream, horizon_h=horizon_h, late_ok=False, plans=plans
    )
    closed = [invoice for statement in statements for invoice in statement.invoices]
    span = rk.Span(streams.format_us(streams.T0), streams.format_us(final))
    batch = rk.bill(rk.rate(stream, plans, span=span, meters=streams.METERS))
    return closed, [invoice for invoice in batch if invoice.cycle.end_us <= final]


# The same with a plan change: account b moves from FLOORED to FLOORED_MORE (the same
# prices under their own entry ids, a plan-wide minimum of 3) at 07:00 on day 3: 7 h of
# that day under FLOORED, 17 h under FLOORED_MORE. Each plan's minimums are settled on
# their own, from the lines of that plan as billed (the oracle below).
FLOORED_MORE = attrs.evolve(
    FLOORED,
    id="floored-more",
    entries=[attrs.evolve(entry, id=f"more-{entry.id}") for entry in FLOORED.entries],
    minimums=[rk.Minimum(3), rk.Minimum("0.5", meter="runtime")],
)
SWITCHED = (
    rk.Assignment("a", FLOORED),
    rk.Assignment("b", FLOORED, end=streams.format_us(streams.SWITCH_US)),
    rk.Assignment("b", FLOORED_MORE, start=streams.format_us(streams.SWITCH_US)),
)


def _top_ups(invoice: rk.Invoice) -> Fraction:
    """The oracle: each plan's top-ups, from its own lines as billed, on quarters (down)."""
    start, end = invoice.cycle.start_us, invoice.cycle.end_us
    if invoice.account == "a" or end <= streams.SWITCH_US:
        shares = {FLOORED: Fraction(1)}
    elif start >= streams.SWITCH_US:
        shares = {FLOORED_MORE: Fraction(1)}
    else:  # the day of the change
        before = Fraction(streams.SWITCH_US - start, end - start)
        shares = {FLOORED: before, FLOORED_MORE: 1 - before}
    quarter = Fraction(1, 4)
    out = Fraction(0)
    for plan, share in shares.items():
        lines = [
            (line.meter, Fraction(line.amount))
            for line in invoice.lines
            if line.kind == "usage" and line.charges[0].plan == plan.id
        ]
        top_up = Fraction(0)
        for minimum in sorted(plan.minimums, key=lambda minimum: minimum.meter is None):
            target = _round(Fraction(minimum.amount) * share, quarter, "ROUND_DOWN")
            counted = sum(
                (amount for meter, amount in lines if minimum.meter in {None, meter}),
                Fraction(0),
            )
            if minimum.meter is None:
                counted += top_up  # its per-meter top-up, as billed
            top_up = max(Fraction(0), target - counted)
            out += top_up
            assert counted + top_up >= target
    return out


@settings(max_examples=max(LAWS // 20, FLOOR), deadline=None)
@given(seed=st.integers(0, 2**32), horizon_h=st.sampled_from([0, 3]))
def test_the_raters_and_batchs_invoices_top_up_each_plan_after_a_change(
    seed: int, horizon_h: int
) -> None:
    # every invoice a statement closes, and every batch invoice of a whole day: its
    # minimum lines are each plan's top-ups, as the oracle settles them from the lines
    closed, whole = _closed_and_whole(seed, horizon_h, SWITCHED)
    assert closed
    assert whole
    for invoice in closed + whole:
        billed = [Fraction(line.amount) for line in invoice.lines if line.kind == "minimum"]
        assert sum(billed, Fraction(0)) == _top_ups(invoice)


@pytest.mark.parametrize(
    ("commitment", "quantities", "top_up", "total"),
    [
        # Minimum(0) is not "no minimum": -10 + -19.50 = -29.50 is topped up to 0:
        # 0 - (-29.50) = 29.50, invoice 0.00
        ("0", ["-10", "-19.50"], "29.50", "0.00"),
        # Minimum(20) under a correction month: 20 - (-66.60) = 86.60, invoice 20.00
        ("20", ["-66.60"], "86.60", "20.00"),
    ],
)
def test_a_commitment_tops_negative_corrections_up_to_it(
    commitment: str, quantities: list[str], top_up: str, total: str
) -> None:
    invoice = _invoice("0.01", "ROUND_HALF_EVEN", quantities, [rk.Minimum(commitment)])
    assert _amounts(invoice)[-1] == ("minimum", Decimal(top_up))
    assert invoice.total == Decimal(total)
    # without the minimum the correction lowers the invoice below zero
    assert _invoice("0.01", "ROUND_HALF_EVEN", quantities, []).subtotal == -sum(
        (abs(Decimal(q)) for q in quantities), Decimal(0)
    )
