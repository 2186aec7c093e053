"""Hostile names in the notebook tables, and the money edges of a notebook's month.

The HTML of an invoice, a rating, a usage and a plan comparison must parse, hold only
the tags of a table, and show every string that came from data as text: escaped for
HTML, with control and format characters as escapes and a backslash doubled, exactly as
the text view prints them (docs/invoices.md, "Presentation"). The amounts are worked by
hand in the comments: currencies of 0 and 3 minor digits, credits larger than the
charges, shares that do not divide evenly, a quiet cycle, negative lines only, 10**20
units and prices of 1E-12.
"""

from __future__ import annotations

import json
import unicodedata
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk
from test_notebook_newcomer import parse_table

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
SPRING = rk.Span(MARCH.start, APRIL.end)
TAGS = {"style", "table", "caption", "span", "thead", "tbody", "tfoot", "tr", "th", "td", "p"}


def row(
    account: str,
    meter: str,
    resource: str,
    quantity: object,
    unit: str = "GB",
    *,
    description: dict[str, object] | None = None,
) -> rk.UsageRow:
    return rk.UsageRow(
        account, meter, resource, MARCH, MARCH, quantity, unit, description or {}, ()
    )


def printed(text: str) -> str:
    """A user's string as the docs say the tables print it: a backslash doubled, a
    control, format or line-separator character as its Python escape."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            out.append(repr(ch)[1:-1])
        else:
            out.append(ch)
    return "".join(out)


HOSTILE = [
    "<script>alert(1)</script>",
    "a&b&amp;c",
    "\"double\" and 'single'",
    "café ☕ 😀 中文",
    "abc\u202edcba\u200f\u061c",
    "line\nbreak\r\ttab\x1b[31m",
    "para\u2028graph\u2029\x85\x0b\x0c",
    "C:\\tmp\\n",
    '=HYPERLINK("http://evil.example/")',
    "x" * 3000,
]


@pytest.mark.parametrize("name", HOSTILE, ids=range(len(HOSTILE)))
def test_an_invoice_shows_a_hostile_name_as_the_text_prints_it(name: str) -> None:
    plan = rk.Plan(
        name,
        "EUR",
        MONTHS,
        [rk.PriceEntry(name, name, rk.PerUnit("0.4"))],
        fees=[rk.Fee(name, 3)],
        minimums=[rk.Minimum(50)],
    )
    rows = [row(name, name, name, 5, description={name: name})]
    share = rk.Share(name, name, {name: 1, "other": 2})
    rating = rk.rate(rows, plan, span=MARCH, shares=[share])
    credit = rk.Credit(name, name, 7, "EUR", start=MARCH.start)
    invoices = rk.bill(rating, credits=[credit], by_resource=True)
    (invoice,) = [invoice for invoice in invoices if invoice.account == name]
    table = parse_table(invoice._repr_html_())
    assert table.tags <= TAGS
    cells = [cells for _, cells in table.rows]
    shown = printed(name)
    # 5 x 0.4 = 2.00, shared in thirds: 0.67 to the owner (0.666.. floors to 0.66, the cent
    # left goes to the largest remainder, 0.0066.. against 0.0033..); the fee 3.00;
    # the minimum counts the owner's exact third, 0.666..: 50 - 0.67 as billed = 49.33;
    # subtotal 53.00; the credit pays 7.00: 46.00.
    assert cells[1:] == [
        [f"fee · {shown}", "1 cycle", "3", "3.00"],
        ["minimum commitment", "", "", "49.33"],
        ["commitment 50.00 - spent ~0.666667 = ~49.333333; billed 50.00 - lines 0.67 = 49.33",
         "", "", ""],
        [f"{shown} · {shown} · {shown} (shared 1/3)", "5 GB", "0.4", "0.67"],
        [f"part of 2.00, the whole charge of {shown}'s {shown}", "", "", ""],
        ["subtotal", "", "", "53.00"],
        [f"credit · {shown}", "7.00 available", "0.00 left", "-7.00"],
        ["total", "", "EUR", "46.00"],
    ]  # fmt: skip
    assert "".join(table.caption).startswith(f"Invoice {shown} ")
    text = str(invoice)
    assert f"{shown} · {shown} · {shown} (shared 1/3)" in text
    assert f"credit · {shown}" in text


def test_the_escapes_keep_two_ids_apart_that_would_print_alike() -> None:
    # `vm-1\\n` (a backslash and an n) is not `vm-1\n` (a newline)
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))])
    rows = [row("acme", "m", "vm-1\\n", 1), row("acme", "m", "vm-1\n", 2)]
    invoice = rk.bill(rk.rate(rows, plan, span=MARCH), by_resource=True)[0]
    labels = [cells[0] for _, cells in parse_table(invoice._repr_html_()).rows[1:3]]
    assert sorted(labels) == ["m · e · vm-1\\\\n", "m · e · vm-1\\n"]


@pytest.mark.parametrize("name", HOSTILE, ids=range(len(HOSTILE)))
def test_a_rating_a_usage_and_a_comparison_escape_hostile_names(name: str) -> None:
    plan = rk.Plan(name, "EUR", MONTHS, [rk.PriceEntry(name, "vm", rk.PerUnit("0.5"))])
    records = [
        rk.Event(
            name, name, "2026-03-02T00:00:00Z", {"flavor": name, name: "1"}, kind="start", id="e1"
        ),
        rk.Event(name, name, "2026-03-03T00:00:00Z", kind="stop", id="e2"),
        rk.Event(name, "ghost", "2026-03-05T00:00:00Z", kind="stop", id=name),
    ]
    meters = [rk.Meter("vm", "hour", rk.OnOff())]
    usage = rk.meter(records, meters, span=MARCH, cycle=MONTHS, as_of=MARCH.end)
    rating = rk.rate(records, plan, span=MARCH, meters=meters)
    comparison = rk.compare_plans(usage, {name: plan, "cheap": plan}, span=MARCH)
    shown = printed(name)
    for value in (usage, rating, comparison):
        table = parse_table(value._repr_html_())
        assert table.tags <= TAGS | {"b", "small", "br"}, table.tags
        text = " ".join(cell for _, cells in table.rows for cell in cells)
        assert shown in text
        # no raw control or format character reaches the page from the data
        assert not any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)
    (charge_row,) = [cells for _, cells in parse_table(rating._repr_html_()).rows[1:2]]
    # 24 hours x 0.5 = 12
    assert charge_row == [
        shown, "usage", f"vm · {shown}", shown, "2026-03-02T00:00:00Z .. 2026-03-03T00:00:00Z",
        "24 hour", "0.5", "12 EUR",
    ]  # fmt: skip


def test_a_usage_table_quotes_a_description_value_that_is_not_a_word() -> None:
    records = [
        rk.Event(
            "acme", "vm-1", "2026-03-02T00:00:00Z",
            {"tier": "free, owner=ops", "n": "1", "w": "word", "b": "True", "k=v": "[i]"},
            kind="start", id="e1",
        ),
        rk.Event("acme", "vm-1", "2026-03-03T00:00:00Z", kind="stop", id="e2"),
    ]  # fmt: skip
    usage = rk.meter(
        records, [rk.Meter("vm", "hour", rk.OnOff())], span=MARCH, cycle=MONTHS, as_of=MARCH.end
    )
    (cells,) = [cells for _, cells in parse_table(usage._repr_html_()).rows[1:]]
    assert cells[4] == "b='True', 'k=v'='[i]', n='1', tier='free, owner=ops', w=word"


# ---- the money edges -------------------------------------------------------------


def test_yen_and_dinar_round_on_their_minor_units() -> None:
    entries = [
        rk.PriceEntry("api", "api", rk.PerUnit("0.0037")),
        rk.PriceEntry("gb", "gb", rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "1.2345")])),
    ]
    rows = [
        row("a", "api", "k1", 1000, "call"),
        row("a", "api", "k2", 1235, "call"),
        row("a", "gb", "b", 33),
    ]
    totals = {}
    for currency in ("JPY", "KWD"):
        plan = rk.Plan("p", currency, MONTHS, entries, fees=[rk.Fee("base", "12.3456")])
        rating = rk.rate(rows, plan, span=MARCH)
        (invoice,) = rk.bill(rating)
        (detailed,) = rk.bill(rating, by_resource=True)
        totals[currency] = (
            [line.amount for line in invoice.lines],
            [line.amount for line in detailed.lines],
            invoice.total,
            detailed.total,
            invoice.precise_total,
        )
        rows_focus = rk.focus_rows([invoice], provider="x")
        assert sum(Fraction(r["BilledCost"]) for r in rows_focus) == Fraction(invoice.total)
        assert [r["BillingCurrency"] for r in rows_focus] == [currency] * 4
    # api 2235 x 0.0037 = 8.2695; gb 23 x 1.2345 = 28.3935; base 12.3456; exact 49.0086.
    # JPY: 8, 28, 12 = 48. Per key: 3.7 and 4.5695 floor to 3 and 4, the yen left to
    # the larger remainder (0.7): 4 and 4.
    # KWD: 8.270 (half-even of 8.2695), 28.394, 12.346 = 49.010; per key 3.700, 4.570.
    assert totals == {
        "JPY": (
            [Decimal(8), Decimal(28), Decimal(12)],
            [Decimal(4), Decimal(4), Decimal(28), Decimal(12)],
            Decimal(48), Decimal(48), Decimal("49.0086"),
        ),
        "KWD": (
            [Decimal("8.270"), Decimal("28.394"), Decimal("12.346")],
            [Decimal("3.700"), Decimal("4.570"), Decimal("28.394"), Decimal("12.346")],
            Decimal("49.010"), Decimal("49.010"), Decimal("49.0086"),
        ),
    }  # fmt: skip


def test_a_credit_larger_than_the_charges_carries_over_and_its_focus_rows_add_up() -> None:
    plan = rk.Plan(
        "p",
        "KWD",
        MONTHS,
        [rk.PriceEntry("api", "api", rk.PerUnit("0.0007"))],
        fees=[rk.Fee("base", "1.5")],
    )
    rows = [row("a", "api", "k", 12345, "call")]
    rating = rk.rate(rows, [rk.Assignment("a", plan)], span=SPRING)
    credit = rk.Credit("big", "a", "5.001", "KWD", start=MARCH.start)
    march, april = rk.bill(rating, credits=[credit])
    # March: 12345 x 0.0007 = 8.6415 -> 8.642 (half-even: a half past the odd 8.641),
    # base 1.500: 10.142; the credit pays 5.001 of it, total 5.141.
    # April: base 1.500 only; the credit is spent: total 1.500.
    assert (march.subtotal, march.total) == (Decimal("10.142"), Decimal("5.141"))
    assert [(c.applied, c.left) for c in march.credits] == [(Decimal("5.001"), Decimal("0.000"))]
    assert (april.subtotal, april.total) == (Decimal("1.500"), Decimal("1.500"))
    bigger = rk.Credit("bigger", "a", 100, "KWD", start=MARCH.start)
    march, april = rk.bill(rating, credits=[bigger])
    # 100 pays 10.142 in March (89.858 left), then 1.500 in April (88.358 left)
    assert [(c.applied, c.left) for c in march.credits + april.credits] == [
        (Decimal("10.142"), Decimal("89.858")),
        (Decimal("1.500"), Decimal("88.358")),
    ]
    assert march.total == april.total == Decimal("0.000")
    rows_focus = rk.focus_rows([march, april], provider="x")
    assert [(r["ChargeCategory"], r["BilledCost"]) for r in rows_focus] == [
        ("Usage", "8.642"), ("Purchase", "1.500"), ("Credit", "-10.142"),
        ("Purchase", "1.500"), ("Credit", "-1.500"),
    ]  # fmt: skip
    assert rk.credits_left([bigger], [march, april])[0].amount == Decimal("88.358")


def test_shares_that_do_not_divide_evenly_add_up_on_a_three_digit_quantum() -> None:
    disk = rk.Plan("d", "KWD", MONTHS, [rk.PriceEntry("img", "gb", rk.PerUnit("0.001"))])
    share = rk.Share("own", "img-1", {"own": 3, "x": 7, "y": 11, "z": "0.5"})
    rating = rk.rate([row("own", "gb", "img-1", 10001)], disk, span=MARCH, shares=[share])
    invoices = rk.bill(rating)
    # the whole 10001 x 0.001 = 10.001 in 21.5 shares: exact 1.39548.., 3.25613..,
    # 5.11679.., 0.23258..; floors 1.395 + 3.256 + 5.116 + 0.232 = 9.999, the two quanta
    # left go to the largest remainders, y (0.79) and z (0.58): 5.117 and 0.233.
    assert [(i.account, i.total) for i in invoices] == [
        ("own", Decimal("1.395")), ("x", Decimal("3.256")),
        ("y", Decimal("5.117")), ("z", Decimal("0.233")),
    ]  # fmt: skip
    assert sum(i.total for i in invoices) == Decimal("10.001")
    labels = [i.lines[0].label for i in invoices]
    assert labels[1] == "gb · img · img-1 (shared 14/43)"  # 7 / 21.5
    focus = rk.focus_rows(invoices, provider="x")
    assert [r["BilledCost"] for r in focus] == ["1.395", "3.256", "5.117", "0.233"]
    # each holder's quantity is its exact share of 10001 GB, to 60 digits, and they add
    # up to the whole within the last digits
    assert abs(sum(Fraction(r["PricingQuantity"]) for r in focus) - 10001) < Fraction(1, 10**50)


def test_a_quiet_cycle_and_an_account_with_only_negative_lines() -> None:
    plan = rk.Plan("p", "JPY", MONTHS, [rk.PriceEntry("api", "api", rk.PerUnit("0.7"))])
    fee_plan = rk.Plan(
        "f",
        "JPY",
        MONTHS,
        [rk.PriceEntry("api", "api", rk.PerUnit("0.7"))],
        fees=[rk.Fee("base", 100)],
    )
    rows = [row("refunded", "api", "k", -10, "call"), row("refunded", "api", "k2", "-0.4", "call")]
    assignments = [
        rk.Assignment("refunded", plan),
        rk.Assignment("quiet", fee_plan),
        rk.Assignment("idle", plan),
    ]
    rating = rk.rate(rows, assignments, span=MARCH)
    grants = [
        rk.Credit("c", account, 5, "JPY", start=MARCH.start) for account in ("refunded", "quiet")
    ]
    invoices = rk.bill(rating, credits=grants)
    # idle: no usage, no fee: no invoice. quiet: the fee of 100, the credit pays 5: 95.
    # refunded: -10.4 x 0.7 = -7.28 -> -7; a credit pays nothing on a negative subtotal.
    assert [(i.account, i.subtotal, i.total) for i in invoices] == [
        ("quiet", Decimal(100), Decimal(95)),
        ("refunded", Decimal(-7), Decimal(-7)),
    ]
    refunded = invoices[1]
    assert [(c.applied, c.left) for c in refunded.credits] == [(Decimal(0), Decimal(5))]
    focus = rk.focus_rows([refunded], provider="x")
    # the credit paid nothing: no credit row; the charges' parts of the line add up to
    # -7: -7 and -0.28 in proportion, on the yen, are -7 and 0
    assert [(r["ChargeCategory"], r["BilledCost"]) for r in focus] == [
        ("Usage", "-7"),
        ("Usage", "0"),
    ]
    table = parse_table(refunded._repr_html_())
    assert [cells for _, cells in table.rows][-3:] == [
        ["subtotal", "", "", "-7"],
        ["credit · c", "5 available", "5 left", "0"],
        ["total", "", "JPY", "-7"],
    ]
    assert rk.bill(rk.rate([], [rk.Assignment("idle", plan)], span=MARCH)) == ()


def test_a_hundred_quintillion_units_at_a_trillionth_each() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("api", "api", rk.PerUnit("1E-12")),
            rk.PriceEntry(
                "gb", "gb", rk.Graduated([rk.Tier(10**18, "1E-12"), rk.Tier(None, "3E-12")])
            ),
        ],
    )
    rows = [
        row("a", "api", "k", 10**20, "call"),
        row("a", "api", "k2", 10**20 + 1, "call"),
        row("a", "gb", "g", 10**20),
    ]
    rating = rk.rate(rows, plan, span=MARCH)
    (invoice,) = rk.bill(rating)
    # api (2 x 10^20 + 1) x 1E-12 = 200000000.000000000001 -> 200000000.00
    # gb 10^18 x 1E-12 + 99 x 10^18 x 3E-12 = 1000000 + 297000000 = 298000000.00
    assert [line.amount for line in invoice.lines] == [
        Decimal("200000000.00"),
        Decimal("298000000.00"),
    ]
    assert invoice.total == Decimal("498000000.00")
    assert invoice.precise_total == rating.total() == Decimal("498000000.000000000001")
    cells = [cells for _, cells in parse_table(invoice._repr_html_()).rows]
    assert cells[1] == ["api · api", "200000000000000000001 call", "0.000000000001", "200000000.00"]
    assert cells[3] == [
        "tiers[0] (0, 1000000000000000000]",
        "1000000000000000000 GB",
        "0.000000000001",
        "1000000.00",
    ]
    exact = rk.focus_rows(rating, provider="x")
    assert [r["BilledCost"] for r in exact] == [
        "100000000.00",
        "100000000.000000000001",
        "298000000.00",
    ]
    billed = rk.focus_rows([invoice], provider="x")
    assert [r["BilledCost"] for r in billed] == ["100000000.00", "100000000.00", "298000000.00"]
    back = rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice))))
    assert back == invoice
    assert str(back) == str(invoice)


def test_focus_columns_of_a_rating_are_those_the_docs_table_names() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm", rk.PerUnit("0.25"))],
        fees=[rk.Fee("seats", 10)],
        minimums=[rk.Minimum(20)],
    )
    day = rk.Span("2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z")
    description = {"z": 1, "a": {"y": Decimal("2.50"), "b": [1, "x"]}, "m": None, "t": True}
    used = rk.UsageRow("acme", "vm", "vm-1", day, MARCH, 24, "hour", description, ("e1", "e2"))
    rating = rk.rate([used], plan, span=MARCH)
    usage, fee, minimum = rk.focus_rows(
        rating,
        provider="P",
        service_names={"vm": "Compute Engine", "seats": "Seats"},
        service_categories={"vm": "Compute"},
        account_names={"acme": "ACME Inc"},
    )
    # 24 hours x 0.25 = 6.00; the seats fee 10; the minimum 20 - 6.00 = 14.00
    common = {
        "BillingAccountId": "acme", "BillingAccountName": "ACME Inc", "BillingCurrency": "EUR",
        "BillingPeriodStart": "2026-03-01T00:00:00Z", "BillingPeriodEnd": "2026-04-01T00:00:00Z",
        "ProviderName": "P", "PublisherName": "P", "InvoiceIssuerName": "P", "ChargeClass": None,
        "x_Plan": "p",
    }  # fmt: skip
    assert {key: usage[key] for key in (*common, "ChargeCategory", "ChargeFrequency",
        "ChargePeriodStart", "ChargePeriodEnd", "ConsumedQuantity", "ConsumedUnit",
        "PricingQuantity", "PricingUnit", "ListUnitPrice", "ContractedUnitPrice", "ListCost",
        "ContractedCost", "BilledCost", "EffectiveCost", "ResourceId", "SkuPriceId",
        "ServiceName", "ServiceCategory", "ChargeDescription", "Tags", "x_PriceEntry",
        "x_Meter", "x_ChargeKind", "x_FreeQuantity", "x_RecordIds", "x_Credit")} == {
        **common, "ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based",
        "ChargePeriodStart": "2026-03-10T00:00:00Z", "ChargePeriodEnd": "2026-03-11T00:00:00Z",
        "ConsumedQuantity": "24", "ConsumedUnit": "hour", "PricingQuantity": "24",
        "PricingUnit": "hour", "ListUnitPrice": "0.25", "ContractedUnitPrice": "0.25",
        "ListCost": "6.00", "ContractedCost": "6.00", "BilledCost": "6.00", "EffectiveCost": "6.00",
        "ResourceId": "vm-1", "SkuPriceId": "vm", "ServiceName": "Compute Engine",
        "ServiceCategory": "Compute", "ChargeDescription": "vm · vm · vm-1",
        "Tags": '{"a": "{\\"b\\":[1,\\"x\\"],\\"y\\":\\"2.50\\"}", "m": null, "t": true, "z": 1}',
        "x_PriceEntry": "vm", "x_Meter": "vm", "x_ChargeKind": "usage", "x_FreeQuantity": "0",
        "x_RecordIds": ["e1", "e2"], "x_Credit": None,
    }  # fmt: skip
    assert json.loads(json.loads(usage["Tags"])["a"]) == {"b": [1, "x"], "y": "2.50"}
    assert {key: fee[key] for key in ("ChargeCategory", "ChargeFrequency", "ConsumedQuantity",
        "PricingQuantity", "PricingUnit", "ListUnitPrice", "BilledCost", "ResourceId",
        "ServiceName", "ServiceCategory")} == {
        "ChargeCategory": "Purchase", "ChargeFrequency": "Recurring", "ConsumedQuantity": None,
        "PricingQuantity": "1", "PricingUnit": "cycle", "ListUnitPrice": "10", "BilledCost": "10",
        "ResourceId": None, "ServiceName": "Seats", "ServiceCategory": "Other",
    }  # fmt: skip
    assert {key: minimum[key] for key in ("ChargeCategory", "PricingQuantity", "ListUnitPrice",
        "ListCost", "BilledCost")} == {
        "ChargeCategory": "Adjustment", "PricingQuantity": None, "ListUnitPrice": None,
        "ListCost": "14.00", "BilledCost": "14.00",
    }  # fmt: skip
    assert all(set(rk.focus.MANDATORY) <= set(row) for row in (usage, fee, minimum))


def test_a_notebook_table_of_a_long_invoice_stops_at_200_rows_and_still_adds_up() -> None:
    tiers = [rk.Tier(i + 1, "0.011") for i in range(300)] + [rk.Tier(None, "0.5")]
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("gb", "gb", rk.Graduated(tiers)),
            rk.PriceEntry("api", "api", rk.PerUnit("0.0013")),
        ],
        fees=[rk.Fee(f"f{i}", "0.333") for i in range(5)],
    )
    rows = [row("a", "gb", "g", 400)] + [
        row("a", "api", f"k{i:03d}", i + 1, "call") for i in range(3)
    ]
    credit = rk.Credit("c", "a", "1.11", "EUR", start=MARCH.start)
    invoice = rk.bill(rk.rate(rows, plan, span=MARCH), by_resource=True, credits=[credit])[0]
    table = parse_table(invoice._repr_html_())
    cells = [cells for _, cells in table.rows]
    # api: 1, 2, 3 calls x 0.0013 = 0.0078 -> 0.01, allocated to k002 (0.0039 the largest);
    # gb: 300 x 0.011 + 100 x 0.5 = 53.30 with 301 tier rows; 5 fees of 0.33 = 1.65.
    # 3 api lines + the gb line + 196 of its tier rows make the 200 rows shown.
    assert len(cells) == 1 + 200 + 5
    assert cells[201:] == [
        ["… and 105 more rows of this line", "", "", ""],
        ["… and 5 more lines", "", "", "1.65"],
        ["subtotal", "", "", "54.96"],
        ["credit · c", "1.11 available", "0.00 left", "-1.11"],
        ["total", "", "EUR", "53.85"],
    ]
    shown = [Decimal(c[3]) for kind, c in table.rows[1:] if kind is None] + [Decimal("1.65")]
    assert sum(shown) == invoice.subtotal == Decimal("54.96")
    assert len(str(invoice).splitlines()) == 3 + 4 + 301 + 5 + 4  # the text shows every row


def test_credits_pay_in_the_documented_order_whatever_order_they_are_given_in() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [], fees=[rk.Fee("base", 30)])
    rating = rk.rate(
        [], [rk.Assignment("a", plan)], span=rk.Span(MARCH.start, "2026-06-01T00:00:00Z")
    )
    grants = [
        rk.Credit("x", "a", 40, "EUR", start=MARCH.start, expires="2026-04-15T00:00:00Z"),
        rk.Credit("y", "a", 25, "EUR", start="2026-02-01T00:00:00Z"),
        rk.Credit(
            "z", "a", 10, "EUR", start=MARCH.start, renews=True, expires="2026-05-10T00:00:00Z"
        ),
        rk.Credit("w", "a", 7, "EUR", start=MARCH.start, priority=-1),
    ]
    expected = rk.bill(rating, credits=grants)
    for order in ([3, 2, 1, 0], [1, 3, 0, 2], [2, 0, 3, 1]):
        assert rk.bill(rating, credits=[grants[i] for i in order]) == expected
    paid = [[(c.credit, c.applied) for c in invoice.credits if c.applied] for invoice in expected]
    # March: z's grant lapses on 1 April, before x (15 April): z 10, x 20.
    # April: x (15 April) before z's grant (1 May): x its last 20, z 10.
    # May: z's grant (lapses 10 May) before y (never): z 10, y 20; w (priority -1) never.
    assert paid == [
        [("z", Decimal("10.00")), ("x", Decimal("20.00"))],
        [("x", Decimal("20.00")), ("z", Decimal("10.00"))],
        [("z", Decimal("10.00")), ("y", Decimal("20.00"))],
    ]
