"""A metered SaaS month previewed in a notebook and exported, as the docs describe it.

Three accounts on one plan: acme uses the API, storage and a CDN whose egress it shares
in thirds with beta and gamma; beta calls the API once and holds a credit larger than
its invoice; gamma has no usage at all. Every amount below is worked by hand, and
checked against a `fractions.Fraction` oracle; the invoices are then shown as HTML
(parsed with `html.parser`) and exported as rows, DataFrames, FOCUS rows, CSV and plan
data (docs/invoices.md, docs/exports.md, docs/pricing.md "Invoices" and "Rounding").
"""

from __future__ import annotations

import csv
import decimal
import io
import json
import re
from decimal import Decimal
from fractions import Fraction
from html.parser import HTMLParser

import pytest

import ratekit as rk
from ratekit import plandata

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = MONTHS.containing("2026-03-15T00:00:00Z")
METERS = [
    rk.Meter("api.calls", "call", rk.Discrete()),
    rk.Meter("storage", "GB", rk.Discrete()),
    rk.Meter("egress", "GB", rk.Discrete()),
]
RAW = [
    ("acme", "key-1", "api.calls", "2026-03-03T10:00:00Z", "123457", "s1"),
    ("acme", "key-1", "api.calls", "2026-03-20T10:00:00Z", "76543", "s2"),
    ("acme", "key-2", "api.calls", "2026-03-21T10:00:00Z", "333", "s3"),
    ("acme", "bucket-1", "storage", "2026-03-31T23:00:00Z", "150.5", "s4"),
    ("acme", "cdn-1", "egress", "2026-03-10T00:00:00Z", "111.11", "s5"),
    ("beta", "key-9", "api.calls", "2026-03-04T00:00:00Z", "1", "s6"),
]
RECORDS = [rk.Sample(a, r, m, at, q, id=i) for a, r, m, at, q, i in RAW]
PLAN = rk.Plan(
    "saas",
    "EUR",
    MONTHS,
    [
        rk.PriceEntry("api", "api.calls", rk.PerUnit("0.0004")),
        rk.PriceEntry(
            "storage", "storage", rk.Graduated([rk.Tier(100, 0), rk.Tier(None, "0.023")])
        ),
        rk.PriceEntry("cdn", "egress", rk.PerUnit("0.09")),
    ],
    fees=[rk.Fee("seats", 49)],
    minimums=[rk.Minimum(60)],
)
SHARE = rk.Share("acme", "cdn-1", {"acme": 1, "beta": 1, "gamma": 1})
WELCOME = rk.Credit("welcome", "beta", 500, "EUR", start=MARCH.start)

# The month by hand (EUR, cents, half-even):
#   acme  api 123457 + 76543 + 333 = 200333 calls x 0.0004 = 80.1332  -> 80.13
#         storage 150.5 GB: 100 free, 50.5 x 0.023 = 1.1615             ->  1.16
#         seats 49                                                       -> 49.00
#         cdn 111.11 GB x 0.09 = 9.9999, the whole rounded once 10.00, in thirds by the
#         largest remainder: 3.34 (ties in account order), 3.33, 3.33    ->  3.34
#         total 80.13 + 1.16 + 49.00 + 3.34 = 133.63 (usage 81.29 >= 60: no top-up)
#   beta  api 1 x 0.0004 = 0.0004 -> 0.00; seats 49.00; minimum 60 - 0.00 = 60.00
#         (a holder's part does not count towards its minimum); part 3.33
#         subtotal 49.00 + 60.00 + 3.33 + 0.00 = 112.33; the credit of 500 pays it all,
#         387.67 left; total 0.00
#   gamma no usage: seats 49.00 + minimum 60.00 + part 3.33 = 112.33
EXPECTED = {
    "acme": (Decimal("133.63"), Decimal("133.63")),
    "beta": (Decimal("112.33"), Decimal("0.00")),
    "gamma": (Decimal("112.33"), Decimal("112.33")),
}


def _rating(plan: rk.Plan = PLAN) -> rk.Rating:
    assignments = [rk.Assignment(account, plan) for account in ("acme", "beta", "gamma")]
    return rk.rate(RECORDS, assignments, span=MARCH, meters=METERS, shares=[SHARE])


def _invoices(plan: rk.Plan = PLAN) -> tuple[rk.Invoice, ...]:
    return tuple(rk.bill(_rating(plan), credits=[WELCOME]))


def _cents(value: Fraction) -> Fraction:
    """An exact amount rounded half-even to the cent, as the oracle's own rule."""
    scaled = value * 100
    floor = scaled.numerator // scaled.denominator
    rest = scaled - floor
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2):
        floor += 1
    return Fraction(floor, 100)


def _oracle() -> dict[str, tuple[Fraction, Fraction]]:
    """Each account's (subtotal, total) from the raw records, without ratekit."""
    calls: dict[str, Fraction] = {}
    for account, _, meter, _, quantity, _ in RAW:
        if meter == "api.calls":
            calls[account] = calls.get(account, Fraction(0)) + Fraction(quantity)
    stored = Fraction("150.5")
    whole = _cents(Fraction("111.11") * Fraction("0.09"))  # 10.00
    floor = Fraction(int(whole * 100) // 3, 100)  # 3.33
    left = int((whole - 3 * floor) * 100)  # 1 cent, to the first account in order
    parts = {
        account: floor + Fraction(1, 100) * (i < left)
        for i, account in enumerate(("acme", "beta", "gamma"))
    }
    out = {}
    for account in ("acme", "beta", "gamma"):
        usage = [_cents(calls[account] * Fraction("0.0004"))] if account in calls else []
        if account == "acme":
            usage.append(_cents((stored - 100) * Fraction("0.023")))
        top_up = max(Fraction(60) - sum(usage, Fraction(0)), Fraction(0))
        subtotal = sum(usage, Fraction(0)) + 49 + top_up + parts[account]
        credit = min(Fraction(500), subtotal) if account == "beta" else Fraction(0)
        out[account] = (subtotal, subtotal - credit)
    return out


def test_every_invoice_matches_the_hand_worked_month_and_the_fraction_oracle() -> None:
    invoices = _invoices()
    assert [invoice.account for invoice in invoices] == ["acme", "beta", "gamma"]
    oracle = _oracle()
    for invoice in invoices:
        subtotal, total = EXPECTED[invoice.account]
        assert (invoice.subtotal, invoice.total) == (subtotal, total)
        assert (Fraction(invoice.subtotal), Fraction(invoice.total)) == oracle[invoice.account]
        # the subtotal is what the printed lines add up to, the total that less the credits
        assert invoice.subtotal == sum(line.amount for line in invoice.lines)
        assert invoice.total == invoice.subtotal - sum(c.applied for c in invoice.credits)
    beta = invoices[1]
    assert [(c.applied, c.left) for c in beta.credits] == [(Decimal("112.33"), Decimal("387.67"))]


def test_the_shared_thirds_add_up_to_the_whole_rounded_once() -> None:
    # 9.9999 rounds once to 10.00; thirds 3.333... floor to 3.33, the cent left goes to
    # the first account in order: acme 3.34, beta 3.33, gamma 3.33.
    parts = {
        invoice.account: [line for line in invoice.lines if line.kind == "shared"]
        for invoice in _invoices()
    }
    assert {account: [(p.amount, p.whole) for p in lines] for account, lines in parts.items()} == {
        "acme": [(Decimal("3.34"), Decimal("10.00"))],
        "beta": [(Decimal("3.33"), Decimal("10.00"))],
        "gamma": [(Decimal("3.33"), Decimal("10.00"))],
    }


def test_the_rating_total_is_the_exact_sum_of_the_charges() -> None:
    # acme's charges count to acme, exactly: 80.1332 + 1.1615 + 49 + 9.9999 = 140.2946;
    # beta 0.0004 + 49 + minimum 59.9996 = 109; gamma 49 + 60 = 109.
    rating = _rating()
    assert rating.total(account="acme") == Decimal("140.2946")
    assert rating.total(account="beta") == Decimal(109)
    assert rating.total(account="gamma") == Decimal(109)


class _Table(HTMLParser):
    """Rows of an HTML table as (class, [cell texts]); every tag must be closed."""

    VOID = frozenset({"br", "meta", "img", "hr", "col", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[tuple[str | None, list[str]]] = []
        self.open: list[str] = []
        self.tags: set[str] = set()
        self._cell: list[str] | None = None
        self.caption: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag not in self.VOID:
            self.open.append(tag)
        if tag == "tr":
            self.rows.append((dict(attrs).get("class"), []))
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        assert self.open, tag
        assert self.open[-1] == tag, (self.open, tag)
        self.open.pop()
        if tag in ("td", "th"):
            assert self._cell is not None
            self.rows[-1][1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif "caption" in self.open:
            self.caption.append(data)


def parse_table(page: str) -> _Table:
    table = _Table()
    table.feed(page)
    table.close()
    assert table.open == [], table.open
    return table


def test_the_html_preview_shows_every_line_tier_note_credit_and_the_total() -> None:
    beta = _invoices()[1]
    table = parse_table(beta._repr_html_())
    assert table.tags <= {"style", "table", "caption", "span", "thead", "tbody", "tr", "th", "td"}
    assert [cells for _, cells in table.rows] == [
        ["line", "quantity", "unit price", "amount"],
        ["api.calls · api", "1 call", "0.0004", "0.00"],
        ["fee · seats", "1 cycle", "49", "49.00"],
        ["minimum commitment", "", "", "60.00"],
        [
            "commitment 60.00 - spent 0.0004 = 59.9996; billed 60.00 - lines 0.00 = 60.00",
            "",
            "",
            "",
        ],
        ["egress · cdn · cdn-1 (shared 1/3)", "111.11 GB", "0.09", "3.33"],
        ["part of 10.00, the whole charge of acme's cdn-1", "", "", ""],
        ["subtotal", "", "", "112.33"],
        ["credit · welcome", "500.00 available", "387.67 left", "-112.33"],
        ["total", "", "EUR", "0.00"],
    ]
    acme = parse_table(_invoices()[0]._repr_html_())
    labels = [cells[0] for _, cells in acme.rows]
    for line in _invoices()[0].lines:
        assert line.label in labels
    assert ["tiers[1] (100, ∞)", "50.5 GB", "0.023", "1.1615"] in [cells for _, cells in acme.rows]


def test_rows_round_trip_through_json_for_every_invoice_and_charge() -> None:
    invoices = _invoices()
    for invoice in invoices:
        stored = json.loads(json.dumps(rk.to_row(invoice)))
        back = rk.from_row(rk.Invoice, stored)
        assert back == invoice
        assert str(back) == str(invoice)
        assert back._repr_html_() == invoice._repr_html_()
    for charge in _rating().charges:
        assert rk.from_row(rk.Charge, json.loads(json.dumps(rk.to_row(charge)))) == charge


def test_dataframes_add_up_to_the_invoices_and_the_rating() -> None:
    pytest.importorskip("pandas")
    invoices = _invoices()
    lines = rk.invoice_lines_frame(invoices)
    with decimal.localcontext(prec=decimal.MAX_PREC):
        by_account = lines.groupby("account")["amount"].sum().to_dict()
    assert by_account == {invoice.account: invoice.subtotal for invoice in invoices}
    charges = rk.charges_frame(_rating())
    # Added as Fractions, whatever the caller's context: 140.2946 + 109 + 109 = 358.2946
    assert sum(map(Fraction, charges["amount"])) == Fraction("358.2946")
    assert all(isinstance(cell, Decimal) for cell in charges["amount"])


def test_focus_rows_of_the_invoices_add_up_to_what_each_account_is_asked_to_pay() -> None:
    invoices = _invoices()
    rows = rk.focus_rows(invoices, provider="Example SaaS")
    assert all(set(rk.focus.MANDATORY) <= set(row) for row in rows)
    for invoice in invoices:
        mine = [row for row in rows if row["BillingAccountId"] == invoice.account]
        assert sum(Fraction(row["BilledCost"]) for row in mine) == Fraction(invoice.total)
        assert sum(Fraction(row["EffectiveCost"]) for row in mine) == Fraction(invoice.total)
    (credit,) = [row for row in rows if row["ChargeCategory"] == "Credit"]
    # the credit's row: minus what it paid, on the quantum, over the billing period
    assert {key: credit[key] for key in (
        "BillingAccountId", "BilledCost", "ListCost", "ContractedCost", "ChargeFrequency",
        "ChargeDescription", "ServiceName", "ResourceId", "PricingQuantity", "Tags",
        "x_ChargeKind", "x_Credit", "x_RecordIds", "ChargePeriodStart", "ChargePeriodEnd",
    )} == {
        "BillingAccountId": "beta", "BilledCost": "-112.33", "ListCost": "-112.33",
        "ContractedCost": "-112.33", "ChargeFrequency": "One-Time",
        "ChargeDescription": "credit · welcome", "ServiceName": "welcome", "ResourceId": None,
        "PricingQuantity": None, "Tags": "{}", "x_ChargeKind": "credit", "x_Credit": "welcome",
        "x_RecordIds": [], "ChargePeriodStart": "2026-03-01T00:00:00Z",
        "ChargePeriodEnd": "2026-04-01T00:00:00Z",
    }  # fmt: skip
    categories = [
        (row["BillingAccountId"], row["ChargeCategory"], row["BilledCost"]) for row in rows
    ]
    assert categories == [
        ("acme", "Usage", "80.00"),  # key-1: 200000 x 0.0004, its part of the 80.13 line
        ("acme", "Usage", "0.13"),  # key-2: 333 x 0.0004 = 0.1332
        ("acme", "Usage", "1.16"),
        ("acme", "Purchase", "49.00"),
        ("acme", "Usage", "3.34"),
        ("beta", "Usage", "0.00"),
        ("beta", "Purchase", "49.00"),
        ("beta", "Adjustment", "60.00"),
        ("beta", "Usage", "3.33"),
        ("beta", "Credit", "-112.33"),
        ("gamma", "Purchase", "49.00"),
        ("gamma", "Adjustment", "60.00"),
        ("gamma", "Usage", "3.33"),
    ]


def test_focus_rows_where_a_unit_price_is_given_multiply_out_digit_for_digit() -> None:
    for row in rk.focus_rows(_invoices(), provider="Example SaaS"):
        if row["ListUnitPrice"] is not None:
            assert Decimal(row["PricingQuantity"]) * Decimal(row["ListUnitPrice"]) == Decimal(
                row["ListCost"]
            ) or Fraction(row["PricingQuantity"]) * Fraction(row["ListUnitPrice"]) == Fraction(
                row["ListCost"]
            )
        for key in ("BilledCost", "ListCost", "PricingQuantity", "ConsumedQuantity"):
            value = row[key]
            assert value is None or re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value), (key, value)


# The docs' guard, as docs/exports.md writes it.
NUMBER = re.compile(r"[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?")


def guarded(cell: object) -> object:
    if not isinstance(cell, str) or not cell.startswith(("=", "+", "-", "@", "\t", "\r")):
        return cell
    if NUMBER.fullmatch(cell):
        return cell
    return "'" + cell


def test_a_csv_of_the_focus_rows_for_a_spreadsheet_keeps_numbers_and_neutralises_formulas() -> None:
    hostile = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "-5.00"]
    records = [
        rk.Sample(account, f"r{i}", "api.calls", "2026-03-05T00:00:00Z", 10, id=f"h{i}")
        for i, account in enumerate(hostile)
    ]
    plan = rk.Plan("saas", "EUR", MONTHS, [rk.PriceEntry("api", "api.calls", rk.PerUnit("-0.5"))])
    rating = rk.rate(records, plan, span=MARCH, meters=METERS)
    rows = rk.focus_rows(rk.bill(rating), provider="Example SaaS")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    for row in rows:
        writer.writerow({key: guarded(value) for key, value in row.items()})
    back = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    # invoices come in account order: tab, CR, "+", "-2+3", "-5.00", "=", "@"; only the
    # text that is not a number gets its "'"
    assert [row["BillingAccountId"] for row in back] == [
        "'\tx", "'\rx", "'+SUM(A1)", "'-2+3", "-5.00", "'=1+1", "'@cmd",
    ]  # fmt: skip
    # 10 calls x -0.5 = -5.00 on every invoice: a number, left as it is
    assert {row["BilledCost"] for row in back} == {"-5.00"}
    assert all(row["ChargeClass"] == "" for row in back)


def test_the_plan_as_data_loads_back_equal_and_rates_identically() -> None:
    stored = json.dumps(plandata.dump(PLAN))
    loaded = plandata.load(json.loads(stored))
    assert loaded == PLAN
    assert _invoices(loaded) == _invoices()
    document = plandata.dump_document(
        plandata.load_document(
            {
                "meters": [plandata.dump(meter) for meter in METERS],
                "plans": [plandata.dump(PLAN)],
                "assignments": [{"account": "acme", "plan": "saas"}],
            }
        )
    )
    assert plandata.load_document(json.loads(json.dumps(document))).plans == (PLAN,)


def test_the_invoices_do_not_depend_on_the_callers_decimal_context() -> None:
    expected = _invoices()
    texts = [str(invoice) for invoice in expected]
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_UP
        context.traps[decimal.Inexact] = True
        context.traps[decimal.Rounded] = True
        got = _invoices()
        assert [str(invoice) for invoice in got] == texts
        assert [invoice._repr_html_() for invoice in got] == [i._repr_html_() for i in expected]
        assert rk.focus_rows(got, provider="x") == rk.focus_rows(expected, provider="x")
    assert got == expected


def test_a_guarded_dataframe_csv_keeps_negative_amounts_as_numbers() -> None:
    pytest.importorskip("pandas")
    plan = rk.Plan("saas", "EUR", MONTHS, [rk.PriceEntry("api", "api.calls", rk.PerUnit("-0.5"))])
    accounts = ["=cmd|' /C calc'!A0", "@SUM(1+1)", "+1-1", "plain"]
    records = [
        rk.Sample(account, "-key", "api.calls", "2026-03-05T00:00:00Z", 10, id=f"c{i}")
        for i, account in enumerate(accounts)
    ]
    invoices = rk.bill(rk.rate(records, plan, span=MARCH, meters=METERS), by_resource=True)
    frame = rk.invoice_lines_frame(invoices)
    for column in ("account", "resource", "meter", "entry", "unit", "kind"):
        frame[column] = frame[column].map(guarded)
    back = list(csv.DictReader(io.StringIO(frame.to_csv(index=False))))
    # accounts in order: "+1-1", "=cmd...", "@SUM...", "plain"; 10 calls x -0.5 = -5.00 each
    assert [(row["account"], row["resource"], row["amount"]) for row in back] == [
        ("'+1-1", "'-key", "-5.00"),
        ("'=cmd|' /C calc'!A0", "'-key", "-5.00"),
        ("'@SUM(1+1)", "'-key", "-5.00"),
        ("plain", "'-key", "-5.00"),
    ]


def test_swiss_cash_rounding_shows_the_same_steps_in_every_view() -> None:
    zurich = rk.cycles.monthly(tz="Europe/Zurich")
    month = zurich.containing("2026-03-15T00:00:00Z")
    plan = rk.Plan(
        "cash",
        "CHF",
        zurich,
        [rk.PriceEntry("gb", "gb", rk.PerUnit("1.03"))],
        quantum="0.05",
        fees=[rk.Fee("f", "0.99")],
    )
    rows = [rk.UsageRow("a", "gb", f"g{i}", month, month, 1, "GB", {}, ()) for i in range(3)]
    invoice = rk.bill(rk.rate(rows, plan, span=month), tz="Europe/Zurich", by_resource=True)[0]
    table = parse_table(invoice._repr_html_())
    # 3 x 1.03 = 3.09 is 61.8 steps of 0.05: 62, 3.10; each resource 20.6 steps, floors
    # 20 + 20 + 20, the two steps left to g0 and g1: 1.05, 1.05, 1.00. The fee 0.99 is
    # 19.8 steps: 1.00. Total 4.10.
    assert "".join(table.caption) == "Invoice a 2026-03-01 .. 2026-04-01 (Europe/Zurich), CHF"
    assert [cells for _, cells in table.rows][1:] == [
        ["gb · gb · g0", "1 GB", "1.03", "1.05"],
        ["gb · gb · g1", "1 GB", "1.03", "1.05"],
        ["gb · gb · g2", "1 GB", "1.03", "1.00"],
        ["fee · f", "1 cycle", "0.99", "1.00"],
        ["total", "", "CHF", "4.10"],
    ]
    focus = rk.focus_rows([invoice], provider="x")
    assert [row["BilledCost"] for row in focus] == ["1.05", "1.05", "1.00", "1.00"]
