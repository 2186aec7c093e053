"""What a credit's FOCUS row says (docs/exports.md, "A credit's row")."""

from __future__ import annotations

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
SPRING = rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z")


def test_a_credits_row_holds_what_the_docs_say() -> None:
    # Fee 30 a month. March: the renewing credit "vm.hours" (priority 1) pays 5, the
    # one-time "welcome" of 40, granted on 10 March, pays the other 25 and keeps 15.
    # April: a fresh 5, then welcome's last 15: 30 - 5 - 15 = 10.00 to pay.
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))],
        fees=[rk.Fee("base", 30)],
    )
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=SPRING)
    renewing = rk.Credit("vm.hours", "acme", 5, "EUR", start=MARCH.start, renews=True, priority=1)
    welcome = rk.Credit("welcome", "acme", 40, "EUR", start="2026-03-10T00:00:00Z")
    invoices = rk.bill(rating, credits=[welcome, renewing])
    assert [invoice.total for invoice in invoices] == [0, 10]
    rows = rk.focus_rows(
        invoices,
        provider="X",
        service_names={"vm.hours": "Virtual machines"},
        service_categories={"vm.hours": "Compute"},
        account_names={"acme": "ACME Inc."},
    )
    assert [(row["ChargeCategory"], row["x_Credit"], row["BilledCost"]) for row in rows] == [
        ("Purchase", None, "30.00"),
        ("Credit", "vm.hours", "-5.00"),
        ("Credit", "welcome", "-25.00"),
        ("Purchase", None, "30.00"),
        ("Credit", "vm.hours", "-5.00"),
        ("Credit", "welcome", "-15.00"),
    ]
    first = rows[2]  # welcome in March: granted on the 10th, the row spans the cycle
    assert first == {
        "BilledCost": "-25.00",
        "BillingAccountId": "acme",
        "BillingAccountName": "ACME Inc.",
        "BillingCurrency": "EUR",
        "BillingPeriodEnd": "2026-04-01T00:00:00Z",
        "BillingPeriodStart": "2026-03-01T00:00:00Z",
        "ChargeCategory": "Credit",
        "ChargeClass": None,
        "ChargeDescription": "credit · welcome",
        "ChargePeriodEnd": "2026-04-01T00:00:00Z",
        "ChargePeriodStart": "2026-03-01T00:00:00Z",
        "ContractedCost": "-25.00",
        "EffectiveCost": "-25.00",
        "InvoiceIssuerName": "X",
        "ListCost": "-25.00",
        "PricingQuantity": None,
        "PricingUnit": None,
        "ProviderName": "X",
        "PublisherName": "X",
        "ServiceCategory": "Other",
        "ServiceName": "welcome",
        "ChargeFrequency": "One-Time",
        "ConsumedQuantity": None,
        "ConsumedUnit": None,
        "ContractedUnitPrice": None,
        "ListUnitPrice": None,
        "PricingCategory": None,
        "ResourceId": None,
        "SkuPriceId": None,
        "Tags": "{}",
        "x_Plan": None,
        "x_PriceEntry": None,
        "x_Meter": None,
        "x_ChargeKind": "credit",
        "x_FreeQuantity": None,
        "x_RecordIds": [],
        "x_Credit": "welcome",
    }
    # The renewing credit is One-Time on each invoice; named like the meter, it takes the
    # meter's service name and category.
    renewed = [row for row in rows if row["x_Credit"] == "vm.hours"]
    assert {
        (row["ChargeFrequency"], row["ServiceName"], row["ServiceCategory"]) for row in renewed
    } == {("One-Time", "Virtual machines", "Compute")}
    # From the rating: no credit rows (credits are applied when billing).
    assert [row["ChargeCategory"] for row in rk.focus_rows(rating, provider="X")] == [
        "Purchase",
        "Purchase",
    ]


def test_a_credit_on_a_negative_subtotal_has_no_row() -> None:
    # A correction of -2 hours at 1: the subtotal is -2.00, which no credit pays.
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm", rk.PerUnit(1))]
    )
    row = rk.UsageRow("acme", "vm", "vm-1", MARCH, MARCH, -2, "hour", {}, ())
    credit = rk.Credit("welcome", "acme", 10, "EUR", start=MARCH.start)
    invoices = rk.bill(rk.rate([row], plan, span=MARCH), credits=[credit])
    assert invoices[0].total == -2
    rows = rk.focus_rows(invoices, provider="X")
    assert [(row["ChargeCategory"], row["BilledCost"]) for row in rows] == [("Usage", "-2.00")]


@pytest.mark.parametrize("argument", ["service_names", "account_names"])
def test_an_empty_name_for_a_column_focus_requires_is_refused(argument: str) -> None:
    # FOCUS columns hold no empty strings (null handling), and ServiceName and
    # BillingAccountName are never null: an empty name is refused as an empty provider
    # is, naming the argument and its key. Was: ServiceName '' or BillingAccountName ''.
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm", rk.PerUnit(1))]
    )
    row = rk.UsageRow("acme", "vm", "vm-1", MARCH, MARCH, 1, "hour", {}, ())
    rating = rk.rate([row], plan, span=MARCH)
    key = "vm" if argument == "service_names" else "acme"
    with pytest.raises(rk.RatekitTypeError, match=rf"^focus_rows {argument} value of '{key}'"):
        rk.focus_rows(rating, provider="X", **{argument: {key: ""}})
