"""Hostile names, edge-of-rounding amounts, credits and empty cycles, as a finance analyst meets them.

Customer names and ids carry markup, right-to-left marks, control characters and a
million characters; amounts sit on the half-cent, the half-yen and the half-fils; a
credit outgrows its invoices, a correction outgrows its usage, a cycle is empty. Every
number is worked by hand; every HTML view is parsed as a browser would and must show
the text invoice's lines; every refusal must say what was wrong and what is accepted
(docs/invoices.md "Presentation" and "Credits", docs/pricing.md "Rounding").
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import pytest
from tests._rounding import MODES

import ratekit as rk
from _html_pages import SAFE_TAGS, parsed

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
SPRING = rk.Span(MARCH.start, "2026-06-01T00:00:00Z")


def _row(
    account: str, quantity: str, resource: str = "key-1", span: rk.Span = MARCH
) -> rk.UsageRow:
    return rk.UsageRow(
        account, "calls", resource, span, span, quantity, "call", {"owner": account}, ()
    )


def _shown(text: str) -> str:
    """A caller's string as the views print it: a backslash doubled, a control or format
    character as its escape (docs/invoices.md "Presentation")."""
    return "".join(
        "\\\\"
        if character == "\\"
        else character
        if character.isprintable()
        else repr(character)[1:-1]
        for character in text
    )


HOSTILE = [
    "<script>alert(1)</script>",
    "</td></tr><tr><td onclick=x>",
    "a\u202eb\u200fc\u200e",
    "line\nbreak\r",
    "tab\tx",
    "back\\slash\\n",
    "\x00nul\x1b[31m",
    "e\u0301 😀 初期",
    "&amp; &lt;",
    "'\"",
    "\u2028sep\u2029",
    "\ufeffbom",
    '=HYPERLINK("http://evil.example")',
]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_name_shows_escaped_and_alike_in_the_text_and_the_html(name: str) -> None:
    # 3 calls x 0.005 = 0.015 -> 0.02 (half-even); fee 1.00; minimum 5 - 0.02 = 4.98;
    # subtotal 6.00; a credit of 1.00 pays 1.00; total 5.00.
    plan = rk.Plan(
        "<b>plan</b>",
        "EUR",
        MONTHS,
        [rk.PriceEntry("<i>e</i>", "calls", rk.PerUnit("0.005"))],
        fees=[rk.Fee("fee\u202e", "1")],
        minimums=[rk.Minimum(5)],
    )
    rating = rk.rate([_row(name, "3", resource=name)], plan, span=MARCH)
    credit = rk.Credit(name, name, "1.00", "EUR", start=MARCH.start)
    (invoice,) = rk.bill(rating, credits=[credit], by_resource=True)
    assert [line.amount for line in invoice.lines] == [
        Decimal("0.02"),
        Decimal("1.00"),
        Decimal("4.98"),
    ]
    assert (invoice.subtotal, invoice.total) == (Decimal("6.00"), Decimal("5.00"))
    text = str(invoice)
    html = invoice._repr_html_()
    page = parsed(html)
    assert page.tags <= SAFE_TAGS
    assert not [attribute for attribute, _ in page.attributes if attribute.startswith("on")]
    # no control or format character of the name reaches either view raw: each prints
    # as its escape, so an id cannot print a line of its own or turn the text around
    raw = [character for character in name if not character.isprintable()]
    for character in raw:
        assert character not in "".join(page.text)
        assert character not in text.replace("\n", "")
    assert (name in text) == (not raw and "\\" not in name)
    # each line and the credit show with the same label and amount in both views
    cells = [(cells[0], cells[-1]) for _, cells in page.rows if cells and cells[-1]]
    rows = [row.strip() for row in text.splitlines()]
    for line in invoice.lines:
        assert (_shown(line.label), str(line.amount)) in cells
        assert any(row.startswith(_shown(line.label)) for row in rows)
        assert any(row.endswith(f" {line.amount}") for row in rows)
    (paid,) = invoice.credits
    assert (f"credit · {_shown(paid.credit)}", "-1.00") in cells
    assert any(row.startswith(f"credit · {_shown(paid.credit)}") for row in rows)
    assert ("total", "5.00") in cells
    assert rows[0].startswith(f"Invoice {_shown(name)}, ")
    assert f"Invoice {_shown(name)}" in "".join(page.text)


def test_a_million_character_account_makes_a_proportionate_invoice_and_short_errors() -> None:
    huge = "A" * 1_000_000
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "calls", rk.PerUnit("0.01"))])
    rating = rk.rate([_row(huge, "1")], plan, span=MARCH)
    (invoice,) = rk.bill(rating)
    # the id shows once, in the heading: it is not padded into every row of the table
    assert len(str(invoice)) < 1_000_000 + 2_000
    assert len(invoice._repr_html_()) < 1_000_000 + 4_000
    refusals: list[tuple[Callable[[], object], type[rk.RatekitError], str]] = [
        (
            lambda: rk.bill(rating, credits=[rk.Credit("c", huge, 1, "USD", start=MARCH.start)]),
            rk.CurrencyMismatchError,
            "grant credits in the currency of the account's plan",
        ),
        (
            lambda: rk.bill(
                rating, credits=[rk.Credit("c", huge, "0.005", "EUR", start=MARCH.start)]
            ),
            rk.BadQuantityError,
            "round the credit to 0.01",
        ),
        (
            lambda: rk.bill(
                rating, credits=[rk.Credit("c", huge, "1", "EUR", start=MARCH.start)] * 2
            ),
            rk.BadQuantityError,
            "has two credits with id 'c'",
        ),
        (
            lambda: rk.from_row(rk.Invoice, {**rk.to_row(invoice), "tz": huge}),
            rk.BadDataError,
            "give an IANA name such as 'Europe/Zurich'",
        ),
        (
            lambda: rk.from_row(rk.UsageRow, {**rk.to_row(_row("a", "1")), "quantity": huge}),
            rk.BadDataError,
            "write it like '12.5' or '1e9'",
        ),
        (
            lambda: rk.rate(
                [rk.UsageRow("a", huge, "r", MARCH, MARCH, "1", "call", {}, ())], plan, span=MARCH
            ),
            rk.UnpricedUsageError,
            "has no price in plan 'p'",
        ),
    ]
    for call, error, advice in refusals:
        with pytest.raises(error) as caught:
            call()
        assert advice in str(caught.value)
        assert len(str(caught.value)) < 2_000


@pytest.mark.parametrize(
    ("currency", "price", "expected"),
    [
        # one call: the amount is the price; each mode rounds it on the currency's quantum
        # HALF_EVEN, HALF_UP, HALF_DOWN, UP, DOWN, CEILING, FLOOR
        ("EUR", "0.005", ("0.00", "0.01", "0.00", "0.01", "0.00", "0.01", "0.00")),
        ("EUR", "-0.005", ("0.00", "-0.01", "0.00", "-0.01", "0.00", "0.00", "-0.01")),
        ("EUR", "0.015", ("0.02", "0.02", "0.01", "0.02", "0.01", "0.02", "0.01")),
        ("EUR", "0.0151", ("0.02", "0.02", "0.02", "0.02", "0.01", "0.02", "0.01")),
        ("JPY", "0.5", ("0", "1", "0", "1", "0", "1", "0")),
        ("JPY", "2.5", ("2", "3", "2", "3", "2", "3", "2")),
        ("JPY", "-2.5", ("-2", "-3", "-2", "-3", "-2", "-2", "-3")),
        ("KWD", "0.0005", ("0.000", "0.001", "0.000", "0.001", "0.000", "0.001", "0.000")),
        ("BHD", "1.2345", ("1.234", "1.235", "1.234", "1.235", "1.234", "1.235", "1.234")),
        ("CLF", "0.00005", ("0.0000", "0.0001", "0.0000", "0.0001", "0.0000", "0.0001", "0.0000")),
    ],
)
def test_an_amount_on_the_edge_rounds_by_each_mode_on_the_currencys_quantum(
    currency: str, price: str, expected: tuple[str, ...]
) -> None:
    for mode, amount in zip(MODES, expected, strict=True):
        plan = rk.Plan(
            "p", currency, MONTHS, [rk.PriceEntry("e", "calls", rk.PerUnit(price))], rounding=mode
        )
        (invoice,) = rk.bill(rk.rate([_row("acme", "1")], plan, span=MARCH))
        assert str(invoice.total) == amount, (mode, invoice.total)
        assert str(invoice.lines[0].amount) == amount
        assert str(invoice).rstrip().endswith(f" {amount}")
        back = rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice))))
        assert str(back.total) == amount


def test_half_cents_per_line_not_per_charge() -> None:
    # three resources of 1 call at 0.005: one line of 0.015 -> 0.02 (half-even), not three
    # of 0.00; per resource, 0.02 is allocated by largest remainder (ties to the earlier
    # id): key-0 0.01, key-1 0.01, key-2 0.00.
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "calls", rk.PerUnit("0.005"))])
    rating = rk.rate([_row("acme", "1", resource=f"key-{i}") for i in range(3)], plan, span=MARCH)
    (summary,) = rk.bill(rating)
    (detailed,) = rk.bill(rating, by_resource=True)
    assert summary.total == detailed.total == Decimal("0.02")
    assert [line.amount for line in detailed.lines] == [
        Decimal("0.01"),
        Decimal("0.01"),
        Decimal("0.00"),
    ]


def test_a_credit_larger_than_a_quarter_carries_over_and_never_takes_a_total_below_zero() -> None:
    # fee 30 a month, a credit of 100: March 30.00 (70 left), April 30.00 (40 left), May
    # 30.00 (10 left); billed one month at a time with credits_left, the same.
    plan = rk.Plan("p", "EUR", MONTHS, [], fees=[rk.Fee("base", 30)])
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=SPRING)
    credit = rk.Credit("prepaid", "acme", 100, "EUR", start=MARCH.start)
    invoices = rk.bill(rating, credits=[credit])
    assert [invoice.total for invoice in invoices] == [Decimal("0.00")] * 3
    assert [invoice.credits[0].left for invoice in invoices] == [
        Decimal("70.00"),
        Decimal("40.00"),
        Decimal("10.00"),
    ]
    balances = [credit]
    for month, expected in zip(MONTHS.spans(SPRING), invoices, strict=True):
        (alone,) = rk.bill(rk.rate([], [rk.Assignment("acme", plan)], span=month), credits=balances)
        assert alone == expected
        balances = list(rk.credits_left(balances, [alone]))
    (left,) = balances
    assert (left.amount, left.granted) == (Decimal("10.00"), Decimal(100))


def test_a_correction_larger_than_the_usage_bills_a_negative_line_the_credit_leaves_alone() -> None:
    # 100 calls then -250 calls at 0.01: 1.00 - 2.50 = -1.50; a credit pays nothing of a
    # negative subtotal (it shows, 0.00 paid) and keeps its balance for April, whose 40
    # calls (0.40) it pays: 4.60 left.
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "calls", rk.PerUnit("0.01"))])
    rows = [_row("acme", "100"), _row("acme", "-250"), _row("acme", "40", span=APRIL)]
    rating = rk.rate(rows, plan, span=rk.Span(MARCH.start, APRIL.end))
    credit = rk.Credit("goodwill", "acme", 5, "EUR", start=MARCH.start)
    march, april = rk.bill(rating, credits=[credit])
    assert (march.subtotal, march.total) == (Decimal("-1.50"), Decimal("-1.50"))
    assert [line.applied for line in march.credits] in ([], [Decimal(0)], [Decimal("0.00")])
    assert april.total == Decimal("0.00")
    assert april.credits[0].applied == Decimal("0.40")
    assert april.credits[0].left == Decimal("4.60")
    focus = rk.focus_rows([march, april], provider="Example")
    # a row per charge (1.00 and -2.50), then April's charge and the credit that paid it
    billed = [row["BilledCost"] for row in focus]
    assert sorted(billed[:2]) == ["-2.50", "1.00"]
    assert billed[2:] == ["0.40", "-0.40"]


def test_a_credit_that_expires_as_a_cycle_starts_does_not_pay_that_cycle() -> None:
    # [start, expires) overlaps March only: April's invoice is not paid by it. A credit
    # granted at April's start pays April only.
    plan = rk.Plan("p", "EUR", MONTHS, [], fees=[rk.Fee("base", 30)])
    rating = rk.rate([], [rk.Assignment("acme", plan)], span=rk.Span(MARCH.start, APRIL.end))
    ends = rk.Credit("ends", "acme", 5, "EUR", start=MARCH.start, expires=APRIL.start)
    starts = rk.Credit("starts", "acme", 7, "EUR", start=APRIL.start)
    march, april = rk.bill(rating, credits=[ends, starts])
    assert [(line.credit, line.applied) for line in march.credits] == [("ends", Decimal("5.00"))]
    assert [(line.credit, line.applied) for line in april.credits] == [("starts", Decimal("7.00"))]
    assert (march.total, april.total) == (Decimal("25.00"), Decimal("23.00"))


def test_an_empty_cycle_bills_nothing_without_a_fee_and_its_fees_with_one() -> None:
    bare = rk.Plan("bare", "EUR", MONTHS, [rk.PriceEntry("e", "calls", rk.PerUnit("0.01"))])
    fee = rk.Plan(
        "fee",
        "EUR",
        MONTHS,
        [rk.PriceEntry("e", "calls", rk.PerUnit("0.01"))],
        fees=[rk.Fee("base", 9)],
    )
    rows = [_row("acme", "100")]
    # a plan with nothing due without usage bills only March, the month with calls
    assert [invoice.cycle for invoice in rk.bill(rk.rate(rows, bare, span=SPRING))] == [MARCH]
    assert rk.bill(rk.rate([], bare, span=SPRING, accounts=["idle"])) == ()
    assert [invoice.total for invoice in rk.bill(rk.rate(rows, fee, span=SPRING))] == [
        Decimal("10.00"),
        Decimal("9.00"),
        Decimal("9.00"),
    ]
    comparison = rk.compare_plans(rows, {"bare": bare, "fee": fee}, span=SPRING, accounts=["idle"])
    by = {(row.account, row.cycle.start, row.candidate): row for row in comparison.rows}
    april = by["idle", APRIL.start, "fee"]
    assert (april.total, april.baseline, april.difference, april.change) == (
        Decimal("9.00"),
        None,
        Decimal("9.00"),
        "pays more",
    )
    assert by["idle", APRIL.start, "bare"].change == "not billed"
    assert by["acme", MARCH.start, "fee"].difference == Decimal("9.00")


@pytest.mark.parametrize(
    ("call", "error", "fragments"),
    [
        (
            lambda: rk.Plan("p", "usd", MONTHS, []),
            rk.BadPriceError,
            ("'usd'", "'USD'"),
        ),
        (
            lambda: rk.Plan("p", "EUR", MONTHS, [], rounding="HALF_UP"),
            rk.BadPriceError,
            ("'HALF_UP'", "ROUND_HALF_UP"),
        ),
        (
            lambda: rk.Plan("p", "EUR", MONTHS, [], quantum="0"),
            rk.BadPriceError,
            ("quantum must be positive", "0.01"),
        ),
        (
            lambda: rk.Plan("p", "XAU", MONTHS, []),
            rk.BadPriceError,
            ("'XAU'", "quantum="),
        ),
        (
            lambda: rk.Credit("c", "acme", "0", "EUR", start=MARCH.start),
            rk.BadQuantityError,
            ("'0'", "greater than 0"),
        ),
        (
            lambda: rk.Credit("c", "acme", "1", "eur", start=MARCH.start),
            rk.BadPriceError,
            ("'eur'", "'EUR'"),
        ),
        (
            lambda: rk.Credit("c", "acme", "1", "EUR", start="2026-03-01T00:00:00"),
            rk.BadTimeError,
            ("no UTC offset", "'2026-03-01T00:00:00Z'"),
        ),
        (
            lambda: rk.Fee("f", "NaN"),
            rk.BadQuantityError,
            ("'NaN'", "finite number"),
        ),
        (
            lambda: rk.Minimum("-1"),
            rk.BadPriceError,
            ("'-1'", "0 or more"),
        ),
    ],
)
def test_a_bad_plan_or_credit_is_refused_naming_the_value_and_what_is_accepted(
    call: Callable[[], object], error: type[rk.RatekitError], fragments: tuple[str, ...]
) -> None:
    with pytest.raises(error) as caught:
        call()
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_a_jpy_credit_off_the_yen_and_a_single_credit_are_refused_at_the_bill() -> None:
    plan = rk.Plan("j", "JPY", MONTHS, [rk.PriceEntry("e", "calls", rk.PerUnit(5))])
    rating = rk.rate([_row("acme", "1")], plan, span=MARCH)
    with pytest.raises(
        rk.BadQuantityError,
        match=r"grants 1\.5 JPY, which is not a whole number of the invoice's quantum 1; round the credit to 1\.",
    ):
        rk.bill(rating, credits=[rk.Credit("c", "acme", "1.5", "JPY", start=MARCH.start)])
    single = rk.Credit("c", "acme", "1", "JPY", start=MARCH.start)
    with pytest.raises(rk.RatekitTypeError, match="wrap a single Credit in a list"):
        rk.bill(rating, credits=single)  # type: ignore[arg-type]
    with pytest.raises(
        rk.BadCalendarError,
        match="'Mars/Olympus' is not a known IANA timezone name; give an IANA name",
    ):
        rk.bill(rating, tz="Mars/Olympus")


def test_a_raters_statements_preview_safely_and_close_to_the_hand_worked_invoice() -> None:
    # A month on Lord Howe Island streamed: 1000 calls on 2 April, a statement as the
    # clocks go back (15:00Z on 4 April, 98 of April's 720.5 hours: 196/1441 of it), 1000
    # calls at that instant, a statement on 10 May that closes April.
    #   first: fee 49.995 x 196/1441 = 6.800153...; minimum 60 x 196/1441 - 0.50 spent =
    #          7.660999...; calls 1000 x 0.0005 = 0.50
    #   April closed: calls 2000 x 0.0005 = 1.00; fee 49.995 -> 50.00 (half-even);
    #          minimum 60 - 1.00 = 59.00; total 110.00
    lord_howe = rk.cycles.monthly(tz="Australia/Lord_Howe")
    evil = "<img src=x onerror=1>\u202e"
    plan = rk.Plan(
        "p",
        "AUD",
        lord_howe,
        [rk.PriceEntry("c", "calls", rk.PerUnit("0.0005"))],
        fees=[rk.Fee("f", "49.995")],
        minimums=[rk.Minimum(60)],
    )
    meters = [rk.Meter("calls", "call", rk.Discrete())]
    rater = rk.Rater([rk.Assignment(evil, plan)], meters, start="2026-04-01T00:00:00+11:00")
    rater.feed([rk.Sample(evil, "k", "calls", "2026-04-02T00:00:00Z", 1000, id="a")])
    first = rater.statement("2026-04-04T15:00:00Z")
    share = Fraction(196, 1441)
    expected = Fraction("49.995") * share + (60 * share - Fraction("0.5")) + Fraction("0.5")
    assert abs(Fraction(first.total()) - expected) < Fraction(1, 10**57)
    rater.feed([rk.Sample(evil, "k", "calls", "2026-04-04T15:00:00Z", 1000, id="b")])
    second = rater.statement("2026-05-10T00:00:00Z")
    for statement in (first, second):
        page = parsed(statement._repr_html_())
        assert page.tags <= SAFE_TAGS
        assert not [attribute for attribute, _ in page.attributes if attribute.startswith("on")]
        assert "\u202e" not in statement._repr_html_()
    rows = parsed(second._repr_html_()).rows
    assert [
        "<img src=x onerror=1>\\u202e",
        "2026-03-31T13:00:00Z .. 2026-04-30T13:30:00Z",
        "110.00 AUD",
    ] in [cells for _, cells in rows]
    (april,) = rk.bill(
        rk.rate(
            [
                rk.Sample(evil, "k", "calls", "2026-04-02T00:00:00Z", 1000, id="a"),
                rk.Sample(evil, "k", "calls", "2026-04-04T15:00:00Z", 1000, id="b"),
            ],
            [rk.Assignment(evil, plan)],
            span=lord_howe.containing("2026-04-10T00:00:00Z"),
            meters=meters,
        )
    )
    assert april.total == Decimal("110.00")
    assert [line.amount for line in april.lines] == [
        Decimal("1.00"),
        Decimal("50.00"),
        Decimal("59.00"),
    ]
