"""Charges as FOCUS 1.2 cost-and-usage rows (ratekit.focus)."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk
from ratekit import focus
from ratekit import strategies as rks

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
ZULU = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
PLAIN = re.compile(r"^-?\d+(\.\d+)?$")
NUMERIC = (
    "BilledCost",
    "ContractedCost",
    "EffectiveCost",
    "ListCost",
    "PricingQuantity",
    "ConsumedQuantity",
    "ContractedUnitPrice",
    "ListUnitPrice",
)


def _check(rows: list[dict[str, object]]) -> None:
    """The FOCUS 1.2 rules that can be checked on the data."""
    for row in rows:
        assert set(focus.MANDATORY) <= set(row)
        for column in row:
            assert (
                column in focus.MANDATORY or column in focus.CONDITIONAL or column.startswith("x_")
            )
        for column in (
            "BilledCost",
            "BillingAccountId",
            "BillingCurrency",
            "BillingPeriodStart",
            "BillingPeriodEnd",
            "ChargeCategory",
            "ChargePeriodStart",
            "ChargePeriodEnd",
            "ContractedCost",
            "EffectiveCost",
            "InvoiceIssuerName",
            "ListCost",
            "ProviderName",
            "PublisherName",
            "ServiceCategory",
            "ServiceName",
        ):
            assert row[column] is not None, column
        for column in (
            "BillingPeriodStart",
            "BillingPeriodEnd",
            "ChargePeriodStart",
            "ChargePeriodEnd",
        ):
            assert ZULU.match(str(row[column])), row[column]
        assert (
            row["BillingPeriodStart"]
            <= row["ChargePeriodStart"]
            <= row["ChargePeriodEnd"]
            <= row["BillingPeriodEnd"]
        )
        assert row["ChargeCategory"] in ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
        # null unless a correction: FOCUS 1.2 allows "Correction" and nothing else
        assert row["ChargeClass"] in (None, "Correction")
        # PricingUnit is null exactly when PricingQuantity is
        assert (row["PricingQuantity"] is None) == (row["PricingUnit"] is None)
        if row["ChargeCategory"] in ("Usage", "Purchase") and row["ChargeClass"] is None:
            assert row["PricingQuantity"] is not None
        if row["ChargeCategory"] == "Usage":
            assert row["ConsumedQuantity"] is not None
            assert row["ConsumedUnit"] is not None
        else:
            assert row["ConsumedQuantity"] is None
        # ListCost = ListUnitPrice x PricingQuantity; ContractedCost likewise
        # (exactly, as Fractions: a prorated quantity has 60 digits, beyond the default context)
        if row["PricingQuantity"] is None:
            assert row["ListUnitPrice"] is None
            assert row["ContractedUnitPrice"] is None
        if row["ListUnitPrice"] is not None:
            assert Fraction(row["PricingQuantity"]) * Fraction(row["ListUnitPrice"]) == Fraction(
                row["ListCost"]
            )
        else:
            assert row["ListCost"] == row["BilledCost"]
        if row["ContractedUnitPrice"] is not None:
            assert Fraction(row["PricingQuantity"]) * Fraction(
                row["ContractedUnitPrice"]
            ) == Fraction(row["ContractedCost"])
        assert row["EffectiveCost"] == row["BilledCost"]
        # Numeric Format: a plain decimal, no exponent, no "+" sign
        for column in NUMERIC:
            assert row[column] is None or PLAIN.match(row[column]), (column, row[column])
        # Key-Value Format: Tags is a serialized JSON object of scalars
        assert isinstance(row["Tags"], str)
        tags = json.loads(row["Tags"])
        assert isinstance(tags, dict)
        assert all(not isinstance(v, dict | list) for v in tags.values())
        json.dumps(row)


def test_a_worked_bill_as_focus_rows():
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05")),
            rk.PriceEntry(
                "egress", "egress", rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.085")])
            ),
        ],
        allowances=[rk.Allowance("vm.hours", 10)],
        minimums=[rk.Minimum(20)],
        fees=[rk.Fee("support", "5")],
    )
    rows = [
        rk.UsageRow(
            "acme",
            "vm.hours",
            "vm-1",
            MARCH,
            MARCH,
            30,
            "hour",
            {"flavor": "m1", "cores": Decimal(2)},
            ("e1", "e2"),
        ),
        rk.UsageRow("acme", "egress", "ip-1", MARCH, MARCH, 33, "GB", {}, ("s1",)),
    ]
    rating = rk.rate(rows, plan, span=MARCH)
    out = rk.focus_rows(
        rating,
        provider="Example Cloud",
        service_categories={"vm.hours": "Compute", "egress": "Networking"},
        service_names={"vm.hours": "Virtual machines"},
    )
    _check(out)
    by_kind = {(row["x_ChargeKind"], row["x_Meter"]): row for row in out}
    vm = by_kind["usage", "vm.hours"]
    # 30 hours, 10 free: 20 * 0.05 = 1.00
    assert (
        vm["ConsumedQuantity"],
        vm["PricingQuantity"],
        vm["ListUnitPrice"],
        vm["ListCost"],
        vm["BilledCost"],
    ) == (
        "30",
        "20",
        "0.05",
        "1.00",
        "1",
    )  # the exact charge: 20 * 0.05 = 1 (ListCost on the quantum)
    assert vm["ServiceName"] == "Virtual machines"
    assert vm["ServiceCategory"] == "Compute"
    assert json.loads(vm["Tags"]) == {"flavor": "m1", "cores": "2"}
    assert vm["x_RecordIds"] == ["e1", "e2"]
    assert vm["x_FreeQuantity"] == "10"
    egress = by_kind["usage", "egress"]
    # tiered: no list unit price; 23 * 0.085 = 1.955 is the list and billed cost
    assert (egress["ListUnitPrice"], egress["ListCost"], egress["BilledCost"]) == (
        None,
        "1.955",
        "1.955",
    )
    fee = by_kind["fee", "support"]
    assert (
        fee["ChargeCategory"],
        fee["ChargeFrequency"],
        fee["PricingQuantity"],
        fee["PricingUnit"],
    ) == ("Purchase", "Recurring", "1", "cycle")
    minimum = next(row for row in out if row["x_ChargeKind"] == "minimum")
    # 20 - (1.00 + 1.955) = 17.045 topped up
    assert (minimum["ChargeCategory"], minimum["BilledCost"], minimum["PricingQuantity"]) == (
        "Adjustment",
        "17.045",
        None,
    )
    total = sum(Decimal(row["BilledCost"]) for row in out)
    assert total == rk.bill(rating)[0].precise_total == Decimal("25.000")


def test_a_correction_is_charge_class_correction():
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))],
    )
    row = rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, 30, "hour", {}, ())
    charge = rk.rate([row], plan, span=MARCH).charges[0]
    reversal = attrs.evolve(
        charge, quantity=-charge.quantity, amount=-charge.amount, kind="reversal"
    )
    out = rk.focus_rows([charge, reversal], provider="X")
    assert [r["ChargeClass"] for r in out] == [None, "Correction"]
    assert out[1]["BilledCost"] == "-1.50"
    _check(out)


@given(rks.usage_rows(max_size=5), rks.plans())
def test_law_focus_rows_keep_the_spec_rules_and_add_up(rows, plan):
    rating = rk.rate(rows, [rk.Assignment(a, plan) for a in ("acme", "globex")], span=MARCH)
    out = rk.focus_rows(rating, provider="Example Cloud")
    _check(out)
    for invoice in rk.bill(rating):
        mine = [r for r in out if r["BillingAccountId"] == invoice.account]
        # summed exactly, as precise_total is (a share of an allowance that ran dry
        # under rows that run at once is a fraction: its amount has 60 digits, which the
        # caller's context of 28 would round)
        billed = sum((Fraction(r["BilledCost"]) for r in mine), Fraction(0))
        assert billed == Fraction(invoice.precise_total)


def test_a_minimum_top_up_has_no_unit_price_and_a_prorated_fee_keeps_the_rule():
    # The plan starts on the 16th: 16 of March's 31 days. Fee 10 * 16/31 and a minimum of
    # 31 * 16/31 = 16 against usage 20 * 0.05 = 1.00 give a top-up of 15.
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))],
        fees=[rk.Fee("base", "10")],
        minimums=[rk.Minimum("31")],
    )
    half = rk.Span("2026-03-16T00:00:00Z", MARCH.end)
    rows = [rk.UsageRow("acme", "vm.hours", "vm-1", half, MARCH, 20, "hour", {}, ())]
    rating = rk.rate(rows, [rk.Assignment("acme", plan, start=half.start)], span=MARCH)
    out = rk.focus_rows(rating, provider="X")
    _check(out)
    by_kind = {row["x_ChargeKind"]: row for row in out}
    minimum = by_kind["minimum"]
    # was: ListUnitPrice '31' (the commitment) on a top-up of 15 with no PricingQuantity
    assert (
        minimum["PricingQuantity"],
        minimum["ListUnitPrice"],
        minimum["ContractedUnitPrice"],
    ) == (
        None,
        None,
        None,
    )
    assert Fraction(minimum["BilledCost"]) == Fraction(15) == Fraction(minimum["ListCost"])
    fee = by_kind["fee"]
    assert fee["ListUnitPrice"] == "10"
    assert Fraction(fee["PricingQuantity"]) * 10 == Fraction(fee["ListCost"])


def test_what_is_not_charges_or_a_provider_is_refused_naming_it():
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm", rk.PerUnit("0.1"))]
    )
    rows = [rk.UsageRow("acme", "vm", "vm-1", MARCH, MARCH, 1, "hour", {}, ())]
    rating = rk.rate(rows, plan, span=MARCH)
    cases = [
        # were: AttributeError: 'Invoice' object has no attribute 'kind', TypeError, ValueError.
        # Invoices are rows now (with their credits); a mix would count charges twice.
        (
            lambda: rk.focus_rows([*rk.bill(rating), *rating.charges], provider="X"),
            (
                "focus_rows takes a Rating, charges, or invoices (not a mix of charges and "
                "invoices); item 0 is an Invoice, but item 1 is Charge: Charge('acme', 'vm', "
                "'vm-1', '2026-03-...0:00:00Z', 1 hour, 0.1 EUR, entry='vm')."
            ),
        ),
        (
            lambda: rk.focus_rows([*rating.charges, 5], provider="X"),
            (
                "focus_rows takes a Rating, charges, or invoices (not a mix of charges and "
                "invoices); item 0 is a Charge, but item 1 is int: 5."
            ),
        ),
        (
            lambda: rk.focus_rows([rk.bill(rating)], provider="X"),
            (
                "focus_rows takes a Rating, charges, or invoices (not a mix of charges and "
                "invoices); item 0 is tuple: (Invoice('acme', '2026-03-01T00:00:00Z'...-01T00:00:00Z', "
                "1 line, total=0.10 ...."
            ),
        ),
        (
            lambda: rk.focus_rows(rk.bill(rating)[0], provider="X"),
            (
                "focus_rows takes a Rating, charges, or invoices (not a mix of charges and "
                "invoices), as a sequence: give [invoice] for one Invoice, not the Invoice "
                "itself: Invoice('acme', '2026-03-01T00:00:00Z'...-01T00:00:00Z', 1 line, "
                "total=0.10 EUR)."
            ),
        ),
        (
            lambda: rk.focus_rows(rating.charges[0], provider="X"),
            (
                "focus_rows takes a Rating, charges, or invoices (not a mix of charges and "
                "invoices), as a sequence: give [charge] for one Charge, not the Charge "
                "itself: Charge('acme', 'vm', 'vm-1', '2026-03-...0:00:00Z', 1 hour, 0.1 EUR, "
                "entry='vm')."
            ),
        ),
        (
            lambda: rk.focus_rows(None, provider="X"),
            (
                "focus_rows takes a Rating, charges, or invoices (not a mix of charges and "
                "invoices), not NoneType: None."
            ),
        ),
        (
            lambda: rk.focus_rows(rating, provider=""),
            (
                "focus_rows provider is the ProviderName FOCUS requires on every row: a non-empty "
                "string such as 'Example Cloud', not ''."
            ),
        ),
        (
            lambda: rk.focus_rows(rating, provider="X", service_categories=["Compute"]),
            (
                "focus_rows service_categories maps names to strings, e.g. {'vm.hours': 'Compute'}, "
                "not ['Compute']."
            ),
        ),
    ]
    for call, message in cases:
        with pytest.raises(rk.RatekitTypeError) as caught:
            call()
        assert str(caught.value) == message


def test_numeric_columns_never_use_an_exponent():
    # A charge of 2E+2 hours at 0.05 is 1.0E+1 as Decimal arithmetic writes it; FOCUS's
    # Numeric Format forbids exponents: 200 x 0.05 = 10.00 is written "10.0"/"200".
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.05"))],
    )
    row = rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, 30, "hour", {}, ())
    charge = rk.rate([row], plan, span=MARCH).charges[0]
    odd = attrs.evolve(charge, quantity=Decimal("2E+2"), amount=Decimal("1.0E+1"))
    [out] = rk.focus_rows([odd], provider="X")
    # was: '1.0E+1' and '2E+2'
    assert (out["BilledCost"], out["PricingQuantity"], out["ListCost"]) == ("10", "200", "10.00")
    assert out["ChargeClass"] is None
    _check([out])


def test_a_credited_invoice_exports_a_credit_row_and_adds_up_to_its_total():
    # Fee 30, credit 25: the invoice bills 30.00 - 25.00 = 5.00; the rows are the fee
    # (Purchase, 30.00) and the credit (Credit, -25.00): 30.00 - 25.00 = 5.00.
    # was: focus_rows refused invoices, and the rating's rows added up to 30.
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 30)])
    rating = rk.rate([], plan, span=MARCH, accounts=["a"])
    welcome = rk.Credit("welcome", "a", 25, "EUR", start=MARCH.start)
    (invoice,) = rk.bill(rating, credits=[welcome])
    out = rk.focus_rows([invoice], provider="X", service_categories={"welcome": "Other"})
    _check(out)
    assert [(r["ChargeCategory"], r["BilledCost"]) for r in out] == [
        ("Purchase", "30.00"),
        ("Credit", "-25.00"),
    ]
    credit = out[1]
    assert {key: credit[key] for key in ("ChargeFrequency", "x_Credit", "x_ChargeKind")} == {
        "ChargeFrequency": "One-Time",
        "x_Credit": "welcome",
        "x_ChargeKind": "credit",
    }
    assert (credit["ChargePeriodStart"], credit["ChargePeriodEnd"]) == (
        "2026-03-01T00:00:00Z",
        "2026-04-01T00:00:00Z",
    )
    assert credit["ListCost"] == credit["EffectiveCost"] == "-25.00"
    assert credit["PricingQuantity"] is None
    assert credit["ListUnitPrice"] is None
    assert sum(Decimal(r["BilledCost"]) for r in out) == invoice.total == Decimal("5.00")
    assert out[0]["x_Credit"] is None


def test_a_credit_that_paid_nothing_has_no_row():
    # Fee 30: welcome (priority 1) pays 30 of its 40, spare pays nothing (0 left to pay),
    # so it has no row: 30.00 - 30.00 = 0.00.
    plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 30)])
    rating = rk.rate([], plan, span=MARCH, accounts=["a"])
    welcome = rk.Credit("welcome", "a", 40, "EUR", start=MARCH.start, priority=1)
    spare = rk.Credit("spare", "a", 10, "EUR", start=MARCH.start)
    (invoice,) = rk.bill(rating, credits=[welcome, spare])
    assert len(invoice.credits) == 2
    out = rk.focus_rows([invoice], provider="X")
    assert [(r["x_Credit"], r["BilledCost"]) for r in out] == [
        (None, "30.00"),
        ("welcome", "-30.00"),
    ]
    assert invoice.total == Decimal("0.00")


def test_invoice_rows_bill_their_parts_of_the_rounded_line():
    # Three VMs of 1 hour at 0.005: one line of 0.015, rounded half-even to 0.02; its
    # charges are billed 0.01, 0.01 and 0.00 (largest remainder, ties to the first).
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm", rk.PerUnit("0.005"))]
    )
    rows = [rk.UsageRow("a", "vm", f"vm-{i}", MARCH, MARCH, 1, "hour", {}, ()) for i in range(3)]
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH))
    out = rk.focus_rows([invoice], provider="X")
    _check(out)
    assert [(r["ResourceId"], r["BilledCost"]) for r in out] == [
        ("vm-0", "0.01"),
        ("vm-1", "0.01"),
        ("vm-2", "0.00"),
    ]
    # The list cost stays the exact price: 1 hour x 0.005.
    assert {r["ListCost"] for r in out} == {"0.005"}
    assert sum(Decimal(r["BilledCost"]) for r in out) == invoice.total == Decimal("0.02")


@given(
    rks.usage_rows(max_size=5),
    rks.plans(),
    st.decimals(min_value=0, max_value=100, places=2),
    st.booleans(),
)
def test_law_invoice_rows_add_up_to_the_invoice_totals(rows, plan, granted, detailed):
    rating = rk.rate(rows, [rk.Assignment(a, plan) for a in ("acme", "globex")], span=MARCH)
    grants = [rk.Credit("c", "acme", granted, "EUR", start=MARCH.start)] if granted > 0 else []
    invoices = rk.bill(rating, credits=grants, by_resource=detailed)
    out = rk.focus_rows(invoices, provider="Example Cloud")
    _check(out)
    for invoice in invoices:
        mine = [r for r in out if r["BillingAccountId"] == invoice.account]
        # Fraction: the oracle, not Decimal arithmetic
        assert sum(Fraction(r["BilledCost"]) for r in mine) == Fraction(invoice.total)


def test_a_shared_part_is_billed_to_its_holder_with_its_share_of_the_quantities():
    # image-1: 1000 GB*h x 0.01 = 10.00, shared acme 1, beta 1, gamma 2: beta's part is
    # 10.00 x 1/4 = 2.50 for 1000 x 1/4 = 250 GB*h, gamma's 5.00 for 500 GB*h.
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("disk", "gb", rk.PerUnit("0.01"))]
    )
    rows = [rk.UsageRow("acme", "gb", "image-1", MARCH, MARCH, 1000, "GB*hour", {}, ())]
    shares = [rk.Share("acme", "image-1", {"acme": 1, "beta": 1, "gamma": 2})]
    invoices = rk.bill(rk.rate(rows, plan, span=MARCH, shares=shares), shares=shares)
    out = rk.focus_rows(invoices, provider="X")
    _check(out)
    by_account = {r["BillingAccountId"]: r for r in out}
    beta = by_account["beta"]
    assert (beta["BilledCost"], beta["x_ChargeKind"]) == ("2.50", "shared")
    assert (beta["PricingQuantity"], beta["ListUnitPrice"]) == ("250", "0.01")
    assert Decimal(beta["ListCost"]) == Decimal("2.50")
    gamma = by_account["gamma"]
    assert (gamma["BilledCost"], gamma["ConsumedQuantity"]) == ("5.00", "500")
    for invoice in invoices:
        mine = [r for r in out if r["BillingAccountId"] == invoice.account]
        assert sum(Decimal(r["BilledCost"]) for r in mine) == invoice.total


def test_a_shared_part_of_a_third_keeps_its_unit_price_and_the_exact_list_cost():
    # 1 GB at 0.03 = 0.03, shared acme 1 : beta 2. Each holder's PricingQuantity is its
    # share of 1 GB to 60 digits (1/3 and 2/3 have no finite decimal), ListUnitPrice is
    # the price, 0.03, on BOTH parts (was: null on acme's, 0.03 on beta's), and ListCost
    # is their exact product:
    #   0.333...333 (60 threes) x 0.03 = 0.00999...999 (60 nines), not 0.01;
    #   0.666...667 (59 sixes, 7) x 0.03 = 0.0200...0001 (62 places), not 0.02 (was:
    #   '0.0200...0' with 58 trailing zeros, not the product). BilledCost is the part of
    #   the rounded line: 0.01 and 0.02, adding up to the invoices' totals.
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("e", "gb", rk.PerUnit("0.03"))]
    )
    rows = [rk.UsageRow("acme", "gb", "img", MARCH, MARCH, 1, "GB", {}, ())]
    shares = [rk.Share("acme", "img", {"acme": 1, "beta": 2})]
    invoices = rk.bill(rk.rate(rows, plan, span=MARCH, shares=shares))
    out = rk.focus_rows(invoices, provider="P")
    _check(out)
    acme, beta = (next(r for r in out if r["BillingAccountId"] == a) for a in ("acme", "beta"))
    third, two_thirds = "0." + "3" * 60, "0." + "6" * 59 + "7"
    assert (acme["PricingQuantity"], acme["ListUnitPrice"], acme["ContractedUnitPrice"]) == (
        third,
        "0.03",
        "0.03",
    )
    assert acme["ListCost"] == acme["ContractedCost"] == "0.00" + "9" * 60
    assert (beta["PricingQuantity"], beta["ListUnitPrice"]) == (two_thirds, "0.03")
    assert beta["ListCost"] == beta["ContractedCost"] == "0.02" + "0" * 59 + "1"
    for row in (acme, beta):
        assert Fraction(row["PricingQuantity"]) * Fraction("0.03") == Fraction(row["ListCost"])
    assert (acme["BilledCost"], beta["BilledCost"]) == ("0.01", "0.02")
    assert [i.total for i in invoices] == [Decimal("0.01"), Decimal("0.02")]


def test_a_charge_on_a_negative_zero_quantity_costs_a_plain_zero() -> None:
    # -0 hours * 0.001 = -0.000 exactly (a Decimal zero keeps its sign): the cost
    # columns say 0.00 (on the cent), as the invoice does, never -0.00
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm", rk.PerUnit("0.001"))]
    )
    usage = rk.UsageRow("acme", "vm", "vm-1", MARCH, MARCH, Decimal("-0"), "hour", {}, ())
    rating = rk.rate([usage], plan, span=MARCH)
    (row,) = rk.focus_rows(rating, provider="X")
    costs = [
        row[column] for column in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost")
    ]
    assert costs == ["0.00"] * 4
    assert str(rk.bill(rating)[0].lines[0].amount) == "0.00"


def test_cost_columns_carry_no_trailing_zero_past_the_quantum():
    # A share of a half: 1 GB x 1/2 = 0.5 GB at 0.03 = 0.015 (a 60-digit division used to
    # leave zeros behind); a charge of 1.500 (30 x 0.050) is 1.50 on a quantum of 0.01,
    # and an amount of 1 keeps its one digit.
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("e", "gb", rk.PerUnit("0.050"))]
    )
    row = rk.UsageRow("acme", "gb", "img", MARCH, MARCH, 30, "GB", {}, ())
    charge = rk.rate([row], plan, span=MARCH).charges[0]
    assert charge.amount.as_tuple().exponent == -3  # 30 x 0.050 = 1.500
    [out] = rk.focus_rows([charge], provider="P")
    assert (out["BilledCost"], out["EffectiveCost"], out["ListCost"]) == ("1.50", "1.50", "1.50")
    padded = attrs.evolve(charge, quantity=Decimal("30.000"), amount=Decimal("1.5000000"))
    [out] = rk.focus_rows([padded], provider="P")
    assert (out["PricingQuantity"], out["ConsumedQuantity"], out["BilledCost"]) == (
        "30",
        "30",
        "1.50",
    )
    shares = [rk.Share("acme", "img", {"acme": 1, "beta": 1})]
    half = rk.rate([attrs.evolve(row, quantity=1)], plan, span=MARCH, shares=shares)
    out = rk.focus_rows(rk.bill(half), provider="P")
    assert [(r["PricingQuantity"], r["ListCost"]) for r in out] == [("0.5", "0.025")] * 2


_SHARE_WEIGHTS = st.decimals(min_value="0.001", max_value=100, places=3)


@given(
    rks.plans(prices=st.one_of(rks.price_models(), st.builds(rk.PerUnit, _SHARE_WEIGHTS))),
    rks.usage_rows(max_size=4),
    st.lists(_SHARE_WEIGHTS, min_size=1, max_size=3),
    st.booleans(),
)
def test_law_every_list_cost_is_the_exact_product_and_rows_add_up(plan, rows, weights, owns):
    # Random linear and tiered prices, a resource shared by random weights (its owner
    # holding a share or not): wherever ListUnitPrice is given, PricingQuantity x
    # ListUnitPrice = ListCost exactly (Fraction: the oracle); where it is null, ListCost
    # is the billed cost; all parts of one charge agree on the unit price; each
    # invoice's rows add up to its total.
    shares = []
    if rows:
        owner = rows[0].account
        held = {f"h{i}": w for i, w in enumerate(weights)} | ({owner: "1"} if owns else {})
        shares = [rk.Share(owner, rows[0].resource, held)]
    accounts = sorted({r.account for r in rows} | {f"h{i}" for i in range(len(weights))})
    rating = rk.rate(rows, [rk.Assignment(a, plan) for a in accounts], span=MARCH, shares=shares)
    invoices = rk.bill(rating)
    out = rk.focus_rows(invoices, provider="X")
    _check(out)
    places = -plan.quantum.as_tuple().exponent
    prices: dict[tuple[object, ...], set[object]] = {}
    for row in out:
        if row["ListUnitPrice"] is not None:
            product = Fraction(row["PricingQuantity"]) * Fraction(row["ListUnitPrice"])
            assert product == Fraction(row["ListCost"]) == Fraction(row["ContractedCost"])
        else:
            assert row["ListCost"] == row["BilledCost"]
        for column in ("BilledCost", "ListCost", "ContractedCost", "EffectiveCost"):
            text = row[column]
            decimals = text.partition(".")[2]
            assert len(decimals) <= places or not decimals.endswith("0"), (column, text)
        for column in ("PricingQuantity", "ConsumedQuantity", "x_FreeQuantity"):
            text = row[column]
            assert text is None or "." not in text or not text.endswith("0"), (column, text)
        if row["x_ChargeKind"] == "shared":
            key = (row["ResourceId"], row["SkuPriceId"], row["ChargePeriodStart"])
            prices.setdefault(key, set()).add(row["ListUnitPrice"])
    assert all(len(found) == 1 for found in prices.values()), prices
    for invoice in invoices:
        mine = [r for r in out if r["BillingAccountId"] == invoice.account]
        assert sum(Fraction(r["BilledCost"]) for r in mine) == Fraction(invoice.total)


def test_a_share_of_a_tiny_charge_below_a_charges_range_still_has_a_row():
    # 1 GB at 1E-29: a charge of 1E-29 EUR, shared acme 1 : beta 999. acme's part of it is
    # 1E-32 EUR, below the range a Charge holds (1E-30); its row is written all the same
    # (a share's quantities are plain numbers): 0.001 GB, the exact product 1E-32 as its
    # ListCost, 0.00 billed. (It had been built as a Charge, which would refuse it.)
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("e", "gb", rk.PerUnit("1E-29"))]
    )
    rows = [rk.UsageRow("acme", "gb", "img", MARCH, MARCH, 1, "GB", {}, ())]
    shares = [rk.Share("acme", "img", {"acme": 1, "beta": 999})]
    out = rk.focus_rows(rk.bill(rk.rate(rows, plan, span=MARCH, shares=shares)), provider="P")
    _check(out)
    acme = next(r for r in out if r["BillingAccountId"] == "acme")
    assert (acme["PricingQuantity"], acme["ListCost"], acme["BilledCost"]) == (
        "0.001",
        "0." + "0" * 31 + "1",
        "0.00",
    )


@pytest.mark.parametrize("argument", ["publisher", "invoice_issuer"])
@pytest.mark.parametrize(
    ("value", "shown"),
    [(float("nan"), "nan"), (b"X", "b'X'"), ("", "''"), ({"name": "X"}, "{'name': 'X'}")],
)
def test_a_publisher_or_issuer_that_is_no_name_is_refused(
    argument: str, value: object, shown: str
) -> None:
    # was: taken as it is into every row's PublisherName/InvoiceIssuerName (a float NaN, bytes
    # or a dict, no longer JSON-safe rows), or an empty string silently replaced by the provider
    rows = [rk.UsageRow("acme", "vm", "vm-1", MARCH, MARCH, 1, "hour", {}, ())]
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm", rk.PerUnit("0.1"))]
    )
    rating = rk.rate(rows, plan, span=MARCH)
    name = {"publisher": "PublisherName", "invoice_issuer": "InvoiceIssuerName"}[argument]
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.focus_rows(rating, provider="X", **{argument: value})
    assert str(caught.value) == (
        f"focus_rows {argument} is the {name} of every row: a non-empty string such as "
        f"'Example Cloud', or None for the provider, not {shown}."
    )
    with pytest.raises(rk.RatekitTypeError, match=rf"^focus_rows {argument} '\\udc80' is not"):
        rk.focus_rows(rating, provider="X", **{argument: "\udc80"})
    (row,) = rk.focus_rows(rating, provider="X", **{argument: "Y"})
    assert row[name] == "Y"
