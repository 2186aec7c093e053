"""The seats newcomer's hostile inputs: markup in names, enormous numbers, many lines, exports.

A customer-success engineer previews invoices in a notebook; customer names, team names
and plan ids come from a CRM and may hold anything. docs/invoices.md (Presentation)
promises every user string escaped in the HTML, control and format characters printed as
escapes, and a notebook table of at most 200 rows whose shown amounts add up.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from tests._seats_saas import APRIL, METERS, MONTHS, PLANS, TZ

import ratekit as rk


def evil(word: str) -> str:
    """A name with markup, quotes, an ampersand, a right-to-left override, emoji and Hebrew."""
    return f"<script>alert(\"{word}\")</script> & '{word}' \u202e{word}\u202c 🎉 שלום"


def evil_plan(name: str, seat: int, fee: int, minimum: int) -> rk.Plan:
    return rk.Plan(
        evil(name),
        "USD",
        MONTHS,
        [
            rk.PriceEntry(evil("seats"), "seats", rk.PerUnit(seat)),
            rk.PriceEntry(
                evil("calls"), "calls", rk.Graduated([rk.Tier(10, 1), rk.Tier(None, "0.5")])
            ),
        ],
        fees=[rk.Fee(evil("fee"), fee)],
        minimums=[rk.Minimum(minimum)],
    )


NOON = "2026-04-15T12:00:00-04:00"
ACCOUNT = evil("acme")
ASSIGNED = [
    rk.Assignment(ACCOUNT, evil_plan("a", 10, 49, 1000), end=NOON),
    rk.Assignment(ACCOUNT, evil_plan("b", 8, 99, 2000), start=NOON),
]
RECORDS = [
    rk.Sample(
        ACCOUNT, evil("org"), "seats", "2026-04-02T00:00:00Z", 5, kind="gauge", id=evil("s1")
    ),
    rk.Sample(ACCOUNT, evil("api"), "calls", "2026-04-02T00:00:00Z", 50, id=evil("c1")),
    rk.Sample(ACCOUNT, evil("api"), "calls", "2026-04-20T00:00:00Z", 50, id=evil("c2")),
]


def assert_escaped(page: str) -> None:
    assert "<script" not in page
    assert "\u202e" not in page
    assert "\u202c" not in page
    assert (
        "&lt;script&gt;alert(&quot;acme&quot;)&lt;/script&gt; &amp; &#x27;acme&#x27; \\u202eacme\\u202c 🎉 שלום"
        in page
    )


def test_an_invoice_across_a_plan_change_escapes_every_name_in_html() -> None:
    rating = rk.rate(RECORDS, ASSIGNED, span=APRIL, meters=METERS)
    invoice = rk.bill(rating, tz=TZ, by_resource=True)[0]
    page = invoice._repr_html_()
    assert_escaped(page)
    # the notes of each plan name it, escaped
    assert (
        "&lt;script&gt;alert(&quot;b&quot;)&lt;/script&gt; &amp; &#x27;b&#x27; \\u202eb\\u202c 🎉 שלום · commitment"
        in page
    )
    assert_escaped(rating._repr_html_())


def test_the_text_invoice_prints_the_override_as_an_escape() -> None:
    text = str(rk.bill(rk.rate(RECORDS, ASSIGNED, span=APRIL, meters=METERS), tz=TZ)[0])
    assert "\u202e" not in text
    assert text.splitlines()[0] == (
        "Invoice <script>alert(\"acme\")</script> & 'acme' \\u202eacme\\u202c 🎉 שלום, "
        "2026-03-31 .. 2026-04-30 (America/New_York), USD"
    )


def test_usage_statement_and_comparison_tables_escape_names() -> None:
    usage = rk.meter(RECORDS, METERS, span=APRIL, cycle=MONTHS, as_of=APRIL.end)
    assert_escaped(usage._repr_html_())
    rater = rk.Rater(ASSIGNED, METERS, start=APRIL.start)
    rater.feed(RECORDS)
    assert_escaped(rater.statement(APRIL.end)._repr_html_())
    comparison = rk.compare_plans(
        RECORDS,
        {evil("today"): ASSIGNED, evil("flat"): [rk.Assignment(ACCOUNT, ASSIGNED[0].plan)]},
        span=APRIL,
        meters=METERS,
    )
    page = comparison._repr_html_()
    assert_escaped(page)
    assert "&lt;script&gt;alert(&quot;flat&quot;)" in page


def test_enormous_seat_counts_and_calls_are_priced_exactly() -> None:
    nines = "9" * 29  # the largest whole number a quantity may be: below 1E+30
    records = [
        rk.Sample("big", "api", "calls", "2026-04-02T00:00:00Z", nines, id="c1"),
        rk.Sample("big", "org", "seats", "2026-04-02T00:00:00Z", nines, kind="gauge", id="s1"),
    ]
    rating = rk.rate(records, PLANS["starter"], span=APRIL, meters=METERS)
    got = {c.meter: c.amount for c in rating.charges if c.kind == "usage"}
    # in Fractions: this test's own decimal context (28 digits) would round them
    calls, seats = (int(nines) - 1000) * Fraction("0.002"), int(nines) * 10
    assert Fraction(got["calls"]) == calls  # 199999999999999999999999997.998
    assert Fraction(got["seats"]) == seats
    assert Fraction(rk.bill(rating)[0].total) == seats + Fraction(round(calls * 100), 100) + 49


def test_a_count_of_seats_past_the_numbers_ratekit_represents_is_refused_naming_it() -> None:
    with pytest.raises(
        rk.BadQuantityError,
        match=r"sample 's1' value '1E\+30' lies outside .* from 1E-30 up to but excluding 1E\+30",
    ):
        rk.Sample("big", "org", "seats", "2026-04-02T00:00:00Z", "1E+30", kind="gauge", id="s1")


def test_an_invoice_of_1500_teams_shows_200_rows_and_adds_up() -> None:
    teams = [
        rk.Sample(
            "acme", f"team-{i:04d}", "seats", "2026-04-02T00:00:00Z", i, kind="gauge", id=f"s{i}"
        )
        for i in range(1500)
    ]
    invoice = rk.bill(
        rk.rate(teams, PLANS["starter"], span=APRIL, meters=METERS), by_resource=True
    )[0]
    assert len(invoice.lines) == 1501  # a line per team, and the fee
    assert invoice.total == Decimal(sum(range(1500)) * 10 + 49)  # the peaks add up across teams
    page = invoice._repr_html_()
    assert re.findall(r"… and \d+ more lines", page) == ["… and 1301 more lines"]
    assert len(page) < 60_000


def test_charges_and_invoices_round_trip_through_json_rows() -> None:
    rating = rk.rate(RECORDS, ASSIGNED, span=APRIL, meters=METERS)
    rows = json.loads(json.dumps(rk.to_rows(rating.charges)))
    assert [rk.from_row(rk.Charge, row) for row in rows] == list(rating.charges)
    invoice = rk.bill(rating, tz=TZ)[0]
    again = rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice))))
    assert again == invoice
    assert str(again) == str(invoice)
    assert again._repr_html_() == invoice._repr_html_()


def test_focus_rows_of_a_plan_change_add_up_to_the_invoice() -> None:
    invoices = rk.bill(rk.rate(RECORDS, ASSIGNED, span=APRIL, meters=METERS))
    rows = rk.focus_rows(invoices, provider="seatsco")
    assert sum(Fraction(row["BilledCost"]) for row in rows) == Fraction(invoices[0].total)
    json.dumps(rows)
