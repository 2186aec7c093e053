"""What an auditor found wrong, each on its smallest input, pinned as the rule it broke.

Each test states the behaviour docs/invoices.md promises, worked by hand; each is a
strict xfail until the library keeps that promise.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
CHANGE = "2026-03-16T00:00:00Z"
FREE_TEN = rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.09")])


def _sent(resource: str, gigabytes: int, start: str, end: str) -> rk.UsageRow:
    return rk.UsageRow(
        "acme", "egress", resource, rk.Span(start, end), MARCH, gigabytes, "GB", {}, ()
    )


def _switched_invoice(second_price: rk.Graduated) -> rk.Invoice:
    """Plan a until 16 March, then plan b: ip-1 sends 8 GB and ip-2 4 GB under a, ip-1 15 under b."""
    a = rk.Plan("a", "EUR", MONTHS, [rk.PriceEntry("egress", "egress", FREE_TEN)])
    b = rk.Plan("b", "EUR", MONTHS, [rk.PriceEntry("egress", "egress", second_price)])
    rows = [
        _sent("ip-1", 8, MARCH.start.isoformat(), CHANGE),
        _sent("ip-2", 4, MARCH.start.isoformat(), CHANGE),
        _sent("ip-1", 15, CHANGE, MARCH.end.isoformat()),
    ]
    assignments = [rk.Assignment("acme", a, end=CHANGE), rk.Assignment("acme", b, start=CHANGE)]
    (invoice,) = rk.bill(rk.rate(rows, assignments, span=MARCH))
    return invoice


def test_tiers_of_two_plans_with_different_prices_print_per_plan() -> None:
    # The documented behaviour, which holds: a's 12 GB climb a's tiers (10 free, 2 x
    # 0.09 = 0.18), b's 15 GB climb b's from zero (10 free, 5 x 0.08 = 0.40): 0.58.
    invoice = _switched_invoice(rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.08")]))
    assert str(invoice).splitlines()[3:9] == [
        "  egress · egress     27 GB      varies    0.58",
        "      a · tiers[0] (0, 10]: 10 * 0 = 0.00",
        "      a · tiers[1] (10, ∞): 2 * 0.09 = 0.18",
        "      b · tiers[0] (0, 10]: 10 * 0 = 0.00",
        "      b · tiers[1] (10, ∞): 5 * 0.08 = 0.40",
        "",
    ]


def test_tiers_of_two_plans_with_one_price_print_per_plan_not_per_resource() -> None:
    # (Was: labelled by resource, 'ip-2 · tiers[1] (10, ∞): 2 * 0.09', though ip-2 sent
    # 4 GB and never reached tier 1: the two plans' parts overlap on the tiers.)
    # a: 8 + 4 = 12 GB, 10 free and 2 x 0.09 = 0.18; b from zero: 15 GB, 10 free and
    # 5 x 0.09 = 0.45; the line is 0.63 (that figure is right).
    invoice = _switched_invoice(FREE_TEN)
    assert invoice.total == Decimal("0.63")
    lines = str(invoice).splitlines()
    assert lines[4:8] == [
        "      a · tiers[0] (0, 10]: 10 * 0 = 0.00",
        "      a · tiers[1] (10, ∞): 2 * 0.09 = 0.18",
        "      b · tiers[0] (0, 10]: 10 * 0 = 0.00",
        "      b · tiers[1] (10, ∞): 5 * 0.09 = 0.45",
    ]
    assert "ip-2 · tiers[1]" not in invoice._repr_html_()


def _two_commitments() -> rk.Invoice:
    """Plan a (x at 1, minimum 10) for 1-15 March, plan b (y at 1, minimum 10) after."""
    a = rk.Plan(
        "a", "EUR", MONTHS, [rk.PriceEntry("x", "x", rk.PerUnit(1))], minimums=[rk.Minimum(10)]
    )
    b = rk.Plan(
        "b", "EUR", MONTHS, [rk.PriceEntry("y", "y", rk.PerUnit(1))], minimums=[rk.Minimum(10)]
    )
    rows = [
        rk.UsageRow(
            "acme", "x", "r", rk.Span(MARCH.start, CHANGE), MARCH, "1.005", "GB", {}, ("s1",)
        ),
        rk.UsageRow(
            "acme", "y", "r", rk.Span(CHANGE, MARCH.end), MARCH, "2.015", "GB", {}, ("s2",)
        ),
    ]
    assignments = [rk.Assignment("acme", a, end=CHANGE), rk.Assignment("acme", b, start=CHANGE)]
    (invoice,) = rk.bill(rk.rate(rows, assignments, span=MARCH))
    return invoice


def test_two_plans_commitments_are_settled_each_on_its_own_on_the_invoice() -> None:
    # a: 10 x 15/31 = 4.8387.. -> 4.84; its line 1.005 -> 1.00 (half-even): 3.84.
    # b: 10 x 16/31 = 5.1612.. -> 5.16; its line 2.015 -> 2.02 (half-even): 3.14.
    # The minimum line is 3.84 + 3.14 = 6.98; the invoice 1.00 + 2.02 + 6.98 = 10.00.
    invoice = _two_commitments()
    text = str(invoice)
    assert (
        "a · commitment ~4.83871 - spent 1.005 = ~3.83371; billed 4.84 - lines 1.00 = 3.84" in text
    )
    assert (
        "b · commitment ~5.16129 - spent 2.015 = ~3.14629; billed 5.16 - lines 2.02 = 3.14" in text
    )
    assert invoice.total == Decimal("10.00")
    rows = rk.focus_rows([invoice], provider="X")
    assert sum(Decimal(row["BilledCost"]) for row in rows) == Decimal("10.00")


def test_focus_adjustment_rows_bill_each_plans_top_up_as_the_invoice_does() -> None:
    rows = rk.focus_rows([_two_commitments()], provider="X")
    adjustments = [
        (row["x_Plan"], row["BilledCost"]) for row in rows if row["ChargeCategory"] == "Adjustment"
    ]
    assert adjustments == [("a", "3.84"), ("b", "3.14")]
    per_plan = {
        plan: sum(Decimal(row["BilledCost"]) for row in rows if row["x_Plan"] == plan)
        for plan in ("a", "b")
    }
    assert per_plan == {"a": Decimal("4.84"), "b": Decimal("5.16")}


def _one_line_of_two_plans() -> rk.Invoice:
    """One entry id `e` at 1 under plans a and b (minimum 1 each): r1 and r2 use 0.003
    each under a, r3 0.005 under b."""
    a = rk.Plan(
        "a", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))], minimums=[rk.Minimum(1)]
    )
    b = rk.Plan(
        "b", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))], minimums=[rk.Minimum(1)]
    )

    def used(resource: str, quantity: str, start: str, end: str) -> rk.UsageRow:
        return rk.UsageRow(
            "acme", "m", resource, rk.Span(start, end), MARCH, quantity, "GB", {}, ()
        )

    start, end = MARCH.start.isoformat(), MARCH.end.isoformat()
    rows = [
        used("r1", "0.003", start, CHANGE),
        used("r2", "0.003", start, CHANGE),
        used("r3", "0.005", CHANGE, end),
    ]
    assignments = [rk.Assignment("acme", a, end=CHANGE), rk.Assignment("acme", b, start=CHANGE)]
    (invoice,) = rk.bill(rk.rate(rows, assignments, span=MARCH))
    return invoice


def test_one_line_of_two_plans_is_split_per_plan_for_their_commitments() -> None:
    # The line is 0.011 -> 0.01. Split per plan near the exact parts 0.006 and 0.005:
    # 0.01 x 6/11 = 0.0054 and 0.0045, floors 0 and 0, the cent to a (remainder 0.54).
    # a: 1 x 15/31 -> 0.48, less its 0.01: 0.47; b: 1 x 16/31 -> 0.52, less 0.00: 0.52.
    text = str(_one_line_of_two_plans())
    assert "billed 0.48 - lines 0.01 = 0.47" in text
    assert "billed 0.52 - lines 0.00 = 0.52" in text
    assert text.endswith("total                                       1.00")


def test_focus_usage_rows_of_a_line_of_two_plans_are_each_plans_part_as_billed() -> None:
    rows = rk.focus_rows([_one_line_of_two_plans()], provider="X")
    usage = {
        plan: sum(
            Decimal(row["BilledCost"])
            for row in rows
            if row["x_Plan"] == plan and row["ChargeCategory"] == "Usage"
        )
        for plan in ("a", "b")
    }
    adjustments = [
        (row["x_Plan"], row["BilledCost"]) for row in rows if row["ChargeCategory"] == "Adjustment"
    ]
    assert usage == {"a": Decimal("0.01"), "b": Decimal("0.00")}
    assert adjustments == [("a", "0.47"), ("b", "0.52")]


def _stored_invoice() -> dict[str, object]:
    """2 GB at 1 (2.00) and a fee of 10 (10.00): 12.00, as a JSON row."""
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))], fees=[rk.Fee("f", 10)]
    )
    row = rk.UsageRow("acme", "m", "r", MARCH, MARCH, 2, "GB", {}, ("s1",))
    (invoice,) = rk.bill(rk.rate([row], plan, span=MARCH))
    stored: dict[str, object] = json.loads(json.dumps(rk.to_row(invoice)))
    return stored


def test_a_stored_invoice_reads_back_and_a_total_edited_by_hand_is_refused() -> None:
    stored = _stored_invoice()
    assert rk.from_row(rk.Invoice, stored).total == Decimal("12.00")
    edited = {**stored, "total": "13.00", "subtotal": "13.00"}
    with pytest.raises(rk.BadDataError, match="total"):
        rk.from_row(rk.Invoice, edited)


_KEEP = "a row changed by hand must keep the fields derived from others consistent."


def _edit_line(stored: dict[str, object], index: int, **fields: str) -> dict[str, object]:
    lines = json.loads(json.dumps(stored["lines"]))
    lines[index].update(fields)
    return {**stored, "lines": lines}


def test_from_row_refuses_a_line_amount_that_is_not_its_precise_rounded() -> None:
    edited = {
        **_edit_line(_stored_invoice(), 0, amount="3.00"),
        "subtotal": "13.00",
        "total": "13.00",
    }
    # 2 GB at 1 is 2, rounded on 0.01: 2.00, not 3.00
    with pytest.raises(rk.BadDataError, match=r"lines\[0\]\.amount") as refused:
        rk.from_row(rk.Invoice, edited)
    assert str(refused.value) == (
        "lines[0].amount: '3.00' is not what the line's charges give, '2.00' (its exact "
        "amount rounded once on its charges' quantum and rounding); " + _KEEP
    )


def test_from_row_refuses_a_fee_line_amount_that_is_not_its_fee() -> None:
    edited = {
        **_edit_line(_stored_invoice(), 1, amount="11.00"),
        "subtotal": "13.00",
        "total": "13.00",
    }
    # 1 cycle at 10 is 10, rounded on 0.01: 10.00, not 11.00
    with pytest.raises(rk.BadDataError, match=r"lines\[1\]\.amount") as refused:
        rk.from_row(rk.Invoice, edited)
    assert str(refused.value) == (
        "lines[1].amount: '11.00' is not what the line's charges give, '10.00' (its exact "
        "amount rounded once on its charges' quantum and rounding); " + _KEEP
    )


def test_from_row_refuses_a_line_quantity_that_is_not_its_charges() -> None:
    # the line's one charge is 2 GB: its quantity is 2, not 3
    with pytest.raises(rk.BadDataError, match=r"lines\[0\]\.quantity") as refused:
        rk.from_row(rk.Invoice, _edit_line(_stored_invoice(), 0, quantity="3"))
    assert str(refused.value) == (
        "lines[0].quantity: '3' is not what the line's charges give, '2' (the sum of its "
        "charges' quantities); " + _KEEP
    )


def test_from_row_refuses_an_invoice_of_another_account_than_its_charges() -> None:
    with pytest.raises(rk.BadDataError, match="account") as refused:
        rk.from_row(rk.Invoice, {**_stored_invoice(), "account": "beta"})
    assert str(refused.value) == (
        "account: 'beta' is not the account of lines[0].charges[0], 'acme'; an invoice "
        "bills the charges of its own account ('acme' would be accepted); " + _KEEP
    )


def test_from_row_refuses_an_invoice_of_another_cycle_than_its_charges() -> None:
    edited = {
        **_stored_invoice(),
        "cycle_start": "2026-02-01T00:00:00Z",
        "cycle_end": "2026-03-01T00:00:00Z",
    }
    with pytest.raises(rk.BadDataError, match="cycle") as refused:
        rk.from_row(rk.Invoice, edited)
    assert str(refused.value) == (
        "cycle: 2026-02-01T00:00:00Z..2026-03-01T00:00:00Z is not the cycle of "
        "lines[0].charges[0], 2026-03-01T00:00:00Z..2026-04-01T00:00:00Z; an invoice bills "
        "the charges of one cycle, its own (2026-03-01T00:00:00Z..2026-04-01T00:00:00Z would "
        "be accepted); " + _KEEP
    )


def test_from_row_refuses_a_charge_of_another_account_than_its_usage_row() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))])
    row = rk.UsageRow("acme", "m", "r", MARCH, MARCH, 2, "GB", {}, ("s1",))
    (charge,) = rk.rate([row], plan, span=MARCH).charges
    stored = json.loads(json.dumps(rk.to_row(charge)))
    with pytest.raises(rk.BadDataError, match="account") as refused:
        rk.from_row(rk.Charge, {**stored, "account": "beta"})
    assert str(refused.value) == (
        "account: 'beta' is not the account of the charge's usage row, 'acme'; a charge "
        "prices a piece of its row, so its account is the row's ('acme' would be "
        "accepted); " + _KEEP
    )


def _corrected_across_a_change(
    first_day: int, first: int, second_day: int, second: int
) -> rk.Invoice:
    """Plan a (1 a GB) to noon on 16 March, plan b (2 a GB) after, each 10 GB free a month
    (5 for its half); a row of `first` GB on `first_day`, one of `second` on `second_day`."""
    a = rk.Plan(
        "a",
        "EUR",
        MONTHS,
        [rk.PriceEntry("eg", "eg", rk.PerUnit(1))],
        allowances=[rk.Allowance("eg", 10)],
    )
    b = rk.Plan(
        "b",
        "EUR",
        MONTHS,
        [rk.PriceEntry("eg", "eg", rk.PerUnit(2))],
        allowances=[rk.Allowance("eg", 10)],
    )

    def sent(day: int, gigabytes: int) -> rk.UsageRow:
        span = rk.Span(f"2026-03-{day:02d}T00:00:00Z", f"2026-03-{day + 1:02d}T00:00:00Z")
        return rk.UsageRow("acme", "eg", "ip-1", span, MARCH, gigabytes, "GB", {}, (f"s{day}",))

    noon = "2026-03-16T12:00:00Z"
    assignments = [rk.Assignment("acme", a, end=noon), rk.Assignment("acme", b, start=noon)]
    rows = [sent(first_day, first), sent(second_day, second)]
    (invoice,) = rk.bill(rk.rate(rows, assignments, span=MARCH))
    return invoice


def test_a_correction_under_one_plan_takes_back_its_billed_units_first() -> None:
    # docs/pricing.md, Corrections and allowances: 20 GB on 2 March, 5 free (a's half of
    # 10), 15 billed at 1 = 15.00; -15 GB on 3 March takes those 15 back: 0.00.
    assert _corrected_across_a_change(2, 20, 3, -15).total == Decimal("0.00")


def test_a_correction_after_a_plan_change_never_refunds_more_than_was_billed() -> None:
    # docs/pricing.md, Corrections and allowances: within a cycle a correction first takes
    # back the units billed before it. 20 GB on 2 March under a: 5 free (a's half of 10),
    # 15 billed at 1 = 15.00; -15 GB on 20 March, under b, takes back a's 15 billed units
    # at a's price (-15.00), not at b's 2 (-30.00): net 5 GB, all free, 0.00.
    invoice = _corrected_across_a_change(2, 20, 20, -15)
    assert invoice.total == Decimal("0.00")
