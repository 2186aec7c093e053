"""A chargeback's shares under hostile input: bad weights, bad names, edited exports.

Every refusal is a ``RatekitError`` naming the field, what was wrong and what is accepted
(docs/invoices.md, "Shared charges"; ``help(rk.Share)``); department names reach the
text, the notebook HTML, FOCUS rows and their round trip intact and escaped where shown.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
import re
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="Europe/Berlin")
MARCH = rk.Span("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z")
PLAN = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("gpu", "gpu.hours", rk.PerUnit("0.0377"))])
D = Decimal


def used(owner: str = "hpc", resource: str = "cluster", hours: object = 100) -> list[rk.UsageRow]:
    return [rk.UsageRow(owner, "gpu.hours", resource, MARCH, MARCH, hours, "hour", {}, ())]


@pytest.mark.parametrize(
    ("weight", "error", "message"),
    [
        (0, rk.BadQuantityError, r"account 'a' must be greater than 0, not '0'; leave out"),
        (D("-1"), rk.BadQuantityError, r"account 'a' must be greater than 0, not '-1'"),
        (float("nan"), rk.BadQuantityError, r"account 'a' must be a finite number"),
        ("inf", rk.BadQuantityError, r"account 'a' must be a finite number"),
        (True, rk.RatekitTypeError, r"must be a number \(int, str, Decimal or float\), not bool"),
        (None, rk.RatekitTypeError, r"not NoneType"),
        (Fraction(1, 3), rk.RatekitTypeError, r"not Fraction"),
        ("1/3", rk.BadQuantityError, r"'1/3' is not a decimal number; write it like"),
        ("1E+60", rk.BadQuantityError, r"outside the numbers ratekit represents exactly"),
        ("1E-40", rk.BadQuantityError, r"outside the numbers ratekit represents exactly"),
    ],
)
def test_a_bad_weight_is_refused_naming_the_department(
    weight: object, error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        rk.Share("hpc", "cluster", {"a": weight, "b": 1})


def test_weights_spanning_more_than_50_digits_are_refused() -> None:
    # 1E+25 and 1E-25 span places 25 .. -25: 51 digits.
    with pytest.raises(rk.BadQuantityError, match=r"span 51 digits.*within 50 digits"):
        rk.Share("hpc", "cluster", {"a": "1E+25", "b": "1E-25"})


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (("", "c", {"a": 1}), rk.RatekitTypeError, r"owner must be a non-empty string, not ''"),
        (("o", None, {"a": 1}), rk.RatekitTypeError, r"resource must be a non-empty string"),
        (("o", "c", {"": 1}), rk.RatekitTypeError, r"account must be a non-empty string"),
        (("o", "c", {1: 1}), rk.RatekitTypeError, r"account must be a non-empty string, not 1"),
        (("o", "c", {}), rk.BadQuantityError, r"needs at least one account"),
        (("o", "c", "physics"), rk.RatekitTypeError, r"shares must be a mapping from account"),
        (("o", "c", [("a", 1), ("a", 2)]), rk.RepeatedIdError, r"names account 'a' twice"),
        (("o", "c", {"\ud800": 1}), rk.RatekitTypeError, r"surrogate"),
    ],
)
def test_a_bad_share_is_refused_naming_the_field(
    args: tuple[Any, ...], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        rk.Share(*args)


def test_bad_share_bounds_and_meters_are_refused() -> None:
    with pytest.raises(rk.BadTimeError, match=r"Share start .* is a naive datetime"):
        rk.Share("o", "c", {"a": 1}, start=dt.datetime(2026, 3, 1))  # noqa: DTZ001
    with pytest.raises(rk.BadTimeError, match=r"not after its start"):
        rk.Share("o", "c", {"a": 1}, start=MARCH.start, end=MARCH.start)
    with pytest.raises(rk.BadTimeError, match=r"Share start 'garbage' is not an instant"):
        rk.Share("o", "c", {"a": 1}, start="garbage")
    with pytest.raises(rk.RatekitTypeError, match=r"Share meter must be a non-empty string"):
        rk.Share("o", "c", {"a": 1}, meter="")


def test_shares_given_not_as_a_list_are_refused() -> None:
    share = rk.Share("hpc", "cluster", {"a": 1})
    with pytest.raises(rk.RatekitTypeError, match=r"wrap a single Share in a list"):
        rk.rate(used(), PLAN, span=MARCH, shares=share)  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError, match=r"must be Share values, not str"):
        rk.rate(used(), PLAN, span=MARCH, shares=["physics"])  # type: ignore[list-item]


def test_two_shares_of_one_meter_at_once_are_refused_already_by_rate() -> None:
    # help(rk.Share) says bill() raises it; rate(), which records the shares, already does.
    everything = rk.Share("hpc", "cluster", {"a": 1})
    gpu_only = rk.Share("hpc", "cluster", {"b": 1}, meter="gpu.hours")
    with pytest.raises(rk.BadPriceError, match=r"meters None and 'gpu.hours'.*one share at a time"):
        rk.rate(used(), PLAN, span=MARCH, shares=[everything, gpu_only])


def test_bill_accepts_the_ratings_shares_written_otherwise_and_refuses_others() -> None:
    share = rk.Share("hpc", "cluster", {"physics": 1, "chem": 2})
    rating = rk.rate(used(), PLAN, span=MARCH, shares=[share])
    # The same weights written as strings, floats or in another order are the same share;
    # a bound written in Berlin time is the same instant.
    for same in ({"chem": "2", "physics": "1.0"}, {"physics": 1.0, "chem": 2.0}):
        assert rk.bill(rating, shares=[rk.Share("hpc", "cluster", same)]) == rk.bill(rating)
    berlin = rk.Share("o", "c", {"a": 1}, start="2026-03-16T00:00:00+01:00")
    assert berlin == rk.Share("o", "c", {"a": 1}, start="2026-03-15T23:00:00Z")
    # The same proportions with other weights are other shares.
    with pytest.raises(rk.ShareMismatchError, match=r"rate again with rk.rate"):
        rk.bill(rating, shares=[rk.Share("hpc", "cluster", {"physics": 2, "chem": 4})])
    with pytest.raises(rk.ShareMismatchError, match=r"bare charges"):
        rk.bill(rating.charges, shares=[share])


HOSTILE = {"<b>físic</b>": 1, "chem\u202e": 1, "=HYPERLINK(1)": 1, "a\nb": 1}


def hostile_invoices() -> tuple[rk.Invoice, ...]:
    share = rk.Share("<script>", "cl\n", HOSTILE)
    return rk.bill(rk.rate(used("<script>", "cl\n"), PLAN, span=MARCH, shares=[share]))


def test_hostile_department_names_are_escaped_in_the_text_and_the_notebook() -> None:
    invoices = hostile_invoices()
    # 100 h x 0.0377 = 3.77 in quarters: 0.9425 each; floors 0.94 x 4 = 3.76, the cent
    # to the first account id in code point order: '<b>físic</b>'.
    assert [(i.account, i.total) for i in invoices] == [
        ("<b>físic</b>", D("0.95")),
        ("=HYPERLINK(1)", D("0.94")),
        ("a\nb", D("0.94")),
        ("chem\u202e", D("0.94")),
    ]
    for invoice in invoices:
        page = invoice._repr_html_()
        text = str(invoice)
        assert "<script>" not in page
        assert "<b>" not in page
        assert "\u202e" not in page
        assert "\u202e" not in text
        assert "cl\\n" in text  # the resource's newline prints as an escape
        assert "&lt;script&gt;&#x27;s cl\\n" in page or "&lt;script&gt;" in page
    assert "Invoice a\\nb," in str(invoices[2])


def test_hostile_names_survive_focus_rows_a_csv_and_the_row_round_trip() -> None:
    invoices = hostile_invoices()
    focus = rk.focus_rows(invoices, provider="University IT")
    assert [r["BillingAccountId"] for r in focus] == [i.account for i in invoices]
    assert {r["ResourceId"] for r in focus} == {"cl\n"}
    # A CSV for the ERP, written and read back with the csv module, gives the same text.
    columns = list(focus[0])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(focus)
    back = list(csv.DictReader(io.StringIO(buffer.getvalue(), newline="")))
    for written, read in zip(focus, back, strict=True):
        assert read["BillingAccountId"] == written["BillingAccountId"]
        assert read["BilledCost"] == written["BilledCost"]
    assert sum(D(r["BilledCost"]) for r in back) == D("3.77")
    # Guarded as docs/exports.md says for people's spreadsheets: the formula is text.
    number = re.compile(r"[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?")

    def guarded(cell: object) -> object:
        if not isinstance(cell, str) or not cell.startswith(("=", "+", "-", "@", "\t", "\r")):
            return cell
        return cell if number.fullmatch(cell) else "'" + cell

    assert guarded(focus[1]["BillingAccountId"]) == "'=HYPERLINK(1)"
    # Invoices read back from JSON rows are the same invoices and print the same.
    for invoice in invoices:
        again = rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice))))
        assert again == invoice
        assert str(again) == str(invoice)


def physics_row() -> dict[str, Any]:
    # 10 h at 1 split 1:2: physics 3.33 (10/3; chem's remainder .666 takes the cent).
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("gpu", "gpu.hours", rk.PerUnit(1))])
    share = rk.Share("hpc", "cluster", {"physics": 1, "chem": 2})
    chem, physics = rk.bill(rk.rate(used(hours=10), plan, span=MARCH, shares=[share]))
    assert (chem.total, physics.total) == (D("6.67"), D("3.33"))
    return json.loads(json.dumps(rk.to_row(physics)))


def edited(**fields: str | None) -> dict[str, Any]:
    row = physics_row()
    for key, value in fields.items():
        if key in ("total", "subtotal", "precise_total"):
            row[key] = value
        else:
            row["lines"][0][key] = value
    return row


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {
                "amount": "3.35",
                "precise": "3.35",
                "subtotal": "3.35",
                "total": "3.35",
                "precise_total": "3.35",
            },
            r"inv.lines\[0\].precise: '3.35' is not this holder's part of the shared 10.00",
        ),
        ({"whole": "10.01"}, r"inv.lines\[0\].whole: '10.01' is not the sum of the shared charges"),
        ({"share": "2"}, r"inv.lines\[0\].precise: '3.33' is not this holder's part.*2 of 3"),
        ({"share": "0"}, r"inv.lines\[0\].share: '0' is not a share out of 3"),
        (
            {"shares": "-3"},
            r"inv.lines\[0\].shares: InvoiceLine shares must be a number greater than 0",
        ),
        ({"owner": "physics"}, r"inv.lines\[0\].owner: 'physics' is not the account of the shared"),
        ({"owner": None}, r"inv.lines\[0\].owner: a shared line needs its owner"),
    ],
)
def test_an_edited_shared_line_read_back_is_refused_naming_its_path(
    fields: dict[str, str | None], message: str
) -> None:
    with pytest.raises(rk.BadDataError, match=message):
        rk.from_row(rk.Invoice, edited(**fields), path="inv")


def test_a_part_a_quantum_off_its_allocation_reads_back_as_the_docs_allow() -> None:
    # from_row checks a shared part against the rule "no part a quantum or more away
    # from its exact share" (docs/pricing.md): 3.34 is within a cent of 10/3, and one
    # invoice alone cannot tell which holder took the cent, so it reads back.
    fields = {"amount": "3.34", "precise": "3.34", "subtotal": "3.34", "total": "3.34"}
    again = rk.from_row(rk.Invoice, edited(**fields, precise_total="3.34"), path="inv")
    assert again.total == D("3.34")


def test_the_split_does_not_depend_on_the_callers_decimal_context() -> None:
    share = rk.Share("hpc", "cluster", {"physics": 1, "chem": 1, "bio": 1})
    expected = rk.bill(rk.rate(used(), PLAN, span=MARCH, shares=[share]))
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_UP
        context.traps[decimal.Inexact] = True
        context.traps[decimal.Rounded] = True
        got = rk.bill(rk.rate(used(), PLAN, span=MARCH, shares=[share]))
        assert got == expected
        assert [str(i) for i in got] == [str(i) for i in expected]
        assert rk.from_row(rk.Invoice, rk.to_row(got[0])) == got[0]
        focus = rk.focus_rows(got, provider="University IT")
    # 3.77 in thirds: 1.2566..: bio and chem 1.26, physics 1.25.
    assert [r["BilledCost"] for r in focus] == ["1.26", "1.26", "1.25"]
