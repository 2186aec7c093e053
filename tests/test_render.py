"""Views: text and HTML tables that read right and escape every user-supplied string."""

from __future__ import annotations

import html.parser
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk
from ratekit.render import money, plain, shown, visible

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
EVIL = "<script>alert('x')</script>"


class _Cells(html.parser.HTMLParser):
    """The text of every table cell, and every tag seen."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self.tags: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.tags.append(tag)
        if tag in {"td", "th"}:
            self._in_cell = True
            self.cells.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"td", "th"}:
            self._in_cell = False

    def handle_data(self, data: str) -> None:
        if self._in_cell:
            self.cells[-1] += data


def parse(page: str) -> _Cells:
    parser = _Cells()
    parser.feed(page)
    return parser


def evil_rating(shares: tuple[rk.Share, ...] | list[rk.Share] = ()) -> rk.Rating:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry(EVIL, EVIL, rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.5")])),
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit("1E-11")),
        ],
        fees=[rk.Fee(EVIL, 5)],
    )
    rows = [
        rk.UsageRow(EVIL, EVIL, EVIL, MARCH, MARCH, Decimal(14), EVIL, {"team": EVIL}, ()),
        rk.UsageRow(EVIL, "vm.hours", "vm-1", MARCH, MARCH, Decimal(3), "hour", {}, ()),
    ]
    return rk.rate(rows, plan, span=MARCH, shares=shares)


def test_every_user_string_of_an_invoice_shows_as_text() -> None:
    share = rk.Share(EVIL, EVIL, {EVIL: 1, "beta": 1})
    rating = evil_rating([share])
    credit = rk.Credit(EVIL, EVIL, 1, "EUR", start=MARCH.start)
    invoices = {i.account: i for i in rk.bill(rating, credits=[credit])}
    invoice = invoices[EVIL]
    page = invoice._repr_html_()
    parsed = parse(page)
    assert "script" not in parsed.tags
    assert "<script>" not in page
    # the strings come back, as text, where they belong
    assert f"Invoice {EVIL}" in page.replace("&lt;", "<").replace("&gt;", ">").replace(
        "&#x27;", "'"
    )
    assert f"fee · {EVIL}" in parsed.cells
    assert f"credit · {EVIL}" in parsed.cells


def test_the_invoice_table_has_lines_tiers_credits_and_the_total() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("egress", "egress", rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.5")]))],
        fees=[rk.Fee("support", 5)],
    )
    rows = [rk.UsageRow("acme", "egress", "ip-1", MARCH, MARCH, Decimal(14), "GB", {}, ())]
    credit = rk.Credit("welcome", "acme", 3, "EUR", start=MARCH.start)
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH), credits=[credit])
    cells = parse(invoice._repr_html_()).cells
    # egress: 10 free, 4 x 0.5 = 2.00; support 5.00; subtotal 7.00; credit 3.00; total 4.00
    rows_of_four = [cells[i : i + 4] for i in range(0, len(cells), 4)]
    assert rows_of_four == [
        ["line", "quantity", "unit price", "amount"],
        ["egress · egress", "14 GB", "tiered", "2.00"],
        ["tiers[0] (0, 10]", "10 GB", "0", "0.00"],
        ["tiers[1] (10, ∞)", "4 GB", "0.5", "2.00"],
        ["fee · support", "1 cycle", "5", "5.00"],
        ["subtotal", "", "", "7.00"],
        ["credit · welcome", "3.00 available", "0.00 left", "-3.00"],
        ["total", "", "EUR", "4.00"],
    ]


def test_rating_and_usage_tables_escape_attribute_values() -> None:
    rating = evil_rating()
    for page in (rating._repr_html_(), rk.Usage(rating.rows, (), ())._repr_html_()):
        parsed = parse(page)
        assert "script" not in parsed.tags
        assert "<script>" not in page
        assert "&lt;script&gt;" in page
    usage_cells = parse(rk.Usage(rating.rows, (), ())._repr_html_()).cells
    # quoted as Python writes it, since it holds quotes and a space (`bare`)
    assert f"team={EVIL!r}" in usage_cells
    assert f"team={EVIL!r}" == "team=\"<script>alert('x')</script>\""


def test_html_numbers_are_plain_never_in_exponent_notation() -> None:
    page = evil_rating()._repr_html_()
    assert "0.00000000001" in page
    assert "E-11" not in page
    assert "3E-11" not in rk.bill(evil_rating())[0]._repr_html_()


def test_long_tables_say_how_many_rows_they_leave_out() -> None:
    rows = tuple(
        rk.UsageRow("acme", "calls", f"app-{i:03d}", MARCH, MARCH, Decimal(1), "call", {}, ())
        for i in range(205)
    )
    page = rk.Usage(rows, (), ())._repr_html_()
    assert "app-199" in page
    assert "app-200" not in page
    # the count is the table's last row, across its six columns (docs/invoices.md)
    assert "<tr class=\"note\"><td colspan='6'>… and 5 more rows</td></tr></tbody>" in page


def test_plain_and_shown_numbers() -> None:
    assert plain(Decimal("1E+3")) == "1000"
    assert plain(Decimal("-2.50")) == "-2.50"
    assert shown(Decimal("2.5000")) == "2.5"
    assert shown(Decimal("0.1234565")) == "~0.123456"  # half-even at the 6th place
    # A value whose first digit lies past the 6th decimal keeps 6 significant digits: it
    # never prints as ~0 (nor a tier line as "0 * 1000 = 0.0004").
    assert shown(Decimal("1E-7")) == "0.0000001"  # short: exact, no mark
    assert shown(Decimal("0.00000012345678")) == "~0.000000123457"  # 1.23456|78 -> ...57
    assert shown(Decimal("-0.000000000098765449")) == "~-0.0000000000987654"
    assert shown(Decimal("0.00000099999999")) == "~0.000001"  # rounds up to the 6th place
    assert shown(Decimal("0E-12")) == "0"


def test_a_tiny_quantity_reads_in_its_tier_line_as_it_computes() -> None:
    # 0.0000004 GB at 1000 a GB in the first tier: 0.0000004 x 1000 = 0.0004, billed 0.00.
    gb = rk.Meter("gb", "GB", rk.Discrete())
    tiers = rk.Graduated([rk.Tier(10, "1000"), rk.Tier(None, "500")])
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("x", "gb", tiers)])
    tiny = rk.Sample("a", "r", "gb", "2026-03-02T00:00:00Z", "0.0000004", id="s1")
    (invoice,) = rk.bill(rk.rate([tiny], plan, span=MARCH, meters=[gb]))
    text = str(invoice)
    assert "0.0000004 GB" in text
    assert "tiers[0] (0, 10]: 0.0000004 * 1000 = 0.0004" in text
    assert "~0" not in text


def test_an_amount_off_a_fine_quantum_that_rounds_to_zero_keeps_its_digits() -> None:
    # On a quantum of 1E-7, 0.0000000348 rounds to 0.0000000: it printed "~0", a tier
    # line "... = ~0" for an amount that is not zero. It keeps 6 significant digits.
    seven = Decimal("1E-7")
    assert money(Decimal("0.0000000348"), seven) == "0.0000000348"
    assert money(Decimal("0.00000003481234567"), seven) == "~0.0000000348123"
    assert money(Decimal("0.00000035"), seven) == "~0.0000004"  # half-even at the 7th place
    assert money(Decimal("0.00000006"), seven) == "~0.0000001"
    assert money(Decimal("0E-9"), seven) == "0.0000000"
    assert money(Decimal("0.0000000348"), Decimal("0.01")) == "0.0000000348"


@given(
    st.decimals(
        min_value=Decimal("-1E+6"), max_value=Decimal("1E+6"), allow_nan=False, places=20
    ).filter(lambda value: not value.is_zero())
)
@pytest.mark.property
def test_a_non_zero_quantity_is_shown_within_six_significant_digits(value: Decimal) -> None:
    text = shown(value)
    number = Decimal(text.removeprefix("~"))
    assert not number.is_zero()
    assert (text.startswith("~")) == (number != value)
    # Within half a unit of the 6th decimal, or of the 6th significant digit below 1E-6.
    unit = Decimal("1E-6") if value.adjusted() >= -6 else Decimal(1).scaleb(value.adjusted() - 5)
    assert abs(number - value) <= unit / 2


def test_blocks_flat_fees_and_free_units_read_in_text_and_html() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("calls", "calls", rk.Package(1000, "0.50", free=100)),
            rk.PriceEntry(
                "seats", "seats", rk.Volume([rk.Tier(5, "2", flat=3), rk.Tier(None, "1")])
            ),
        ],
        allowances=[rk.Allowance("seats", 1)],
    )
    rows = [
        rk.UsageRow("acme", "calls", "app", MARCH, MARCH, Decimal(2101), "call", {}, ()),
        rk.UsageRow("acme", "seats", "org", MARCH, MARCH, Decimal(4), "seat", {}, ()),
    ]
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH))
    # calls: 100 free, 2001 in 3 blocks of 1000 x 0.50 = 1.50; seats: 4 with 1 free, 3 x 2
    # = 6, and the first tier's flat 3 is the price's base, due with or without usage: a
    # fee line of its own (6 + 3 = 9, as before the base had its own line)
    text = str(invoice)
    assert "      packages (100, ∞): 2001 in 3 blocks of 1000 * 0.50 = 1.50" in text
    assert "  seats · seats  4 seat (1 free)      tiered    6.00" in text
    assert "      tiers[0] (0, 5]: 3 * 2 = 6" in text
    assert "  fee · seats            1 cycle           3    3.00" in text
    cells = parse(invoice._repr_html_()).cells
    assert (cells[cells.index("packages (100, ∞)") : cells.index("packages (100, ∞)") + 4]) == [
        "packages (100, ∞)",
        "2001 call in 3 blocks of 1000",
        "0.50 per block",
        "1.50",
    ]
    assert cells[cells.index("tiers[0] (0, 5]") :][:4] == ["tiers[0] (0, 5]", "3 seat", "2", "6.00"]
    assert cells[cells.index("fee · seats") :][:4] == ["fee · seats", "1 cycle", "3", "3.00"]


def test_anomalies_and_long_ratings_show_in_html() -> None:
    anomaly = rk.Anomaly("duplicate_stop", "event <e3> stops app-1 again: ignored.", ("e3",))
    page = rk.Usage((), (anomaly,), ())._repr_html_()
    assert "event &lt;e3&gt; stops app-1 again: ignored." in page
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("calls", "calls", rk.PerUnit(1))])
    rows = [
        rk.UsageRow("acme", "calls", f"app-{i:03d}", MARCH, MARCH, Decimal(1), "call", {}, ())
        for i in range(201)
    ]
    rating = rk.rate(rows, plan, span=MARCH)
    rating = rk.Rating(rating.charges, (anomaly,), rating.rows)
    page = rating._repr_html_()
    # a row across the eight columns, counting charges (was: "1 more rows", then a
    # paragraph of "rows" after the table)
    assert "<tr class=\"note\"><td colspan='8'>… and 1 more charge</td></tr></tbody>" in page
    assert "Rating <span>201 charges, 1 anomaly</span>" in page  # was: "1 anomalies"
    assert "event &lt;e3&gt;" in page


def test_html_headings_agree_in_number() -> None:
    # One charge and one anomaly: "1 charge, 1 anomaly" (was: "1 charges, 1 anomalies");
    # none and two take the plural.
    anomaly = rk.Anomaly("duplicate_stop", "event e3 stops app-1 again: ignored.", ("e3",))
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("calls", "calls", rk.PerUnit(1))])
    row = rk.UsageRow("acme", "calls", "app-1", MARCH, MARCH, Decimal(1), "call", {}, ())
    rated = rk.rate([row], plan, span=MARCH)
    one = rk.Rating(rated.charges, (anomaly,), rated.rows)
    assert "Rating <span>1 charge, 1 anomaly</span>" in one._repr_html_()
    two = rk.Rating(rated.charges * 2, (anomaly, anomaly), rated.rows)
    assert "Rating <span>2 charges, 2 anomalies</span>" in two._repr_html_()
    assert "Rating <span>0 charges, 0 anomalies</span>" in rk.Rating((), (), ())._repr_html_()
    assert "Usage <span>1 row, 1 anomaly</span>" in rk.Usage((row,), (anomaly,), ())._repr_html_()
    assert "Usage <span>0 rows, 0 anomalies</span>" in rk.Usage((), (), ())._repr_html_()


def test_reprs_of_credits_and_shares_say_what_they_hold() -> None:
    credit = rk.Credit(
        "c", "acme", 5, "EUR", start=MARCH.start, expires=MARCH.end, priority=2, renews=True
    )
    assert repr(credit) == (
        "Credit('c', 'acme', 5 EUR, start='2026-03-01T00:00:00Z', "
        "expires='2026-04-01T00:00:00Z', priority=2, renews=True)"
    )
    assert credit.life == MARCH
    share = rk.Share("acme", "disk", {"beta": "1.5", "acme": 1}, meter="gb.hours")
    assert repr(share) == "Share('acme', 'disk', {'acme': 1, 'beta': 1.5}, meter='gb.hours')"
    assert share.total == Decimal("2.5")
    assert str(share.part("beta")) == "3/5"


def test_a_minimum_note_says_when_its_difference_is_rounded() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.0385"))],
        minimums=[rk.Minimum(50)],
    )
    rows = [
        rk.UsageRow("acme", "vm.hours", f"vm-{i}", MARCH, MARCH, Decimal(50), "hour", {}, ())
        for i in range(3)
    ]
    # spent 150 x 0.0385 = 5.775 (printed 5.78); the top-up 50 - 5.775 = 44.225, rounded
    # half-even once to 44.22; the note used to end "= 44.225" above an amount of 44.22.
    # The line is billed as the commitment less the line as rounded: 50 - 5.78 = 44.22.
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH))
    assert str(invoice).splitlines()[4:6] == [
        "  minimum commitment                         44.22",
        "      commitment 50.00 - spent 5.775 = 44.225; billed 50.00 - lines 5.78 = 44.22",
    ]
    assert (
        "commitment 50.00 - spent 5.775 = 44.225; billed 50.00 - lines 5.78 = 44.22"
        in parse(invoice._repr_html_()).cells
    )
    assert invoice.total == Decimal("50.00")  # 5.78 + 44.22


def test_control_characters_in_user_strings_cannot_forge_invoice_lines() -> None:
    # a resource id with newlines and a terminal escape used to print a line of its own,
    # "  total   0.00", above the real total, and clear the screen
    forged = "vm\n\n  total   0.00\n\x1b[2J\u202e"
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])
    rows = [rk.UsageRow("acme\r", "vm.hours", forged, MARCH, MARCH, Decimal(100), "hour", {}, ())]
    grants = [rk.Credit("c\t", "acme\r", 1, "EUR", start=MARCH.start)]
    # 100 x 1 = 100.00; the credit pays 1.00: 99.00 to pay
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH), by_resource=True, credits=grants)
    text = str(invoice)
    assert text.splitlines() == [
        "Invoice acme\\r, 2026-03-01T00:00:00Z .. 2026-04-01T00:00:00Z, EUR",
        "",
        "  line                                                       quantity  unit price  amount",
        "  vm.hours · vm · vm\\n\\n  total   0.00\\n\\x1b[2J\\u202e        100 hour           1  100.00",
        "",
        "  subtotal                                                                         100.00",
        "  credit · c\\t                                         1.00 available   0.00 left   -1.00",
        "  total                                                                             99.00",
    ]
    assert all(char.isprintable() for char in text.replace("\n", ""))
    page = invoice._repr_html_()
    assert "\x1b" not in page
    assert "\u202e" not in page
    assert "vm.hours · vm · vm\\n\\n  total   0.00\\n\\x1b[2J\\u202e" in parse(page).cells


EXPONENT = re.compile(r"\d[eE][+-]?\d")


MAGNITUDES = st.tuples(
    st.integers(-12, 9),  # the unit price is 10^e times ...
    st.integers(1, 999),
    st.integers(-9, 12),  # ... and the quantity 10^e times ...
    st.integers(0, 999),
    st.integers(-15, 6),  # the tier bound's exponent
    st.integers(0, 12),  # the credit and the minimum, in cents, 10^e
)


@given(MAGNITUDES, st.booleans())
def test_no_number_on_an_invoice_prints_in_exponent_notation(magnitudes, by_resource) -> None:  # type: ignore[no-untyped-def]
    price_exp, price, quantity_exp, quantity, bound_exp, credit_exp = magnitudes
    # the law: whatever the magnitudes of prices, quantities, tier bounds, credits and
    # shares, text, HTML and reprs print plain digits (a long number is rounded and
    # marked ~, never written 1E-11)
    unit_price = Decimal(price).scaleb(price_exp)
    bound = Decimal(1).scaleb(bound_exp)
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("vm", "vm.hours", rk.PerUnit(unit_price)),
            rk.PriceEntry(
                "eg", "egress", rk.Graduated([rk.Tier(bound, 0), rk.Tier(None, unit_price)])
            ),
        ],
        minimums=[rk.Minimum(Decimal(1).scaleb(credit_exp - 2))],
    )
    amount = Decimal(quantity).scaleb(quantity_exp)
    rows = [
        rk.UsageRow("acme", meter, "r-1", MARCH, MARCH, amount, "GB", {}, ())
        for meter in ("vm.hours", "egress")
    ]
    share = rk.Share("acme", "r-1", {"acme": Decimal(price).scaleb(-3), "beta": 1})
    rating = rk.rate(rows, plan, span=MARCH, shares=[share])
    credit = rk.Credit("c", "acme", Decimal(1).scaleb(credit_exp - 2), "EUR", start=MARCH.start)
    invoices = rk.bill(rating, by_resource=by_resource, credits=[credit])
    pages = [rating._repr_html_(), repr(credit), repr(share)]
    for invoice in invoices:
        pages += [str(invoice), invoice._repr_html_(), repr(invoice), repr(invoice.lines)]
        pages += [repr(line) for line in invoice.credits]
    for page in pages:
        assert not EXPONENT.search(page), page


def test_tier_lines_print_quantities_without_trailing_zeros_and_amounts_on_the_quantum() -> None:
    # 9684.375 + 8515.625 = 18200.000 calls: the first 10000 free, 8200 x 0.0005 = 4.1.
    # was: "10000.000 * 0 = 0.000" and "8200.000 * 0.0005 = 4.1".
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("api", "api", rk.Graduated([rk.Tier(10000, "0"), rk.Tier(None, "0.0005")]))],
    )
    early = rk.Span("2026-03-01T00:00:00Z", "2026-03-16T00:00:00Z")
    late = rk.Span("2026-03-16T00:00:00Z", MARCH.end)
    rows = [
        rk.UsageRow("a", "api", "gw", early, MARCH, Decimal("9684.375"), "call", {}, ()),
        rk.UsageRow("a", "api", "gw", late, MARCH, Decimal("8515.625"), "call", {}, ()),
    ]
    text = str(rk.bill(rk.rate(rows, plan, span=MARCH))[0])
    assert "      tiers[0] (0, 10000]: 10000 * 0 = 0.00\n" in text
    assert "      tiers[1] (10000, ∞): 8200 * 0.0005 = 4.10\n" in text
    # an amount finer than the quantum stays exact: 7 x 0.0005 = 0.0035
    few = [rk.UsageRow("a", "api", "gw", MARCH, MARCH, Decimal("10007.0"), "call", {}, ())]
    assert "tiers[1] (10000, ∞): 7 * 0.0005 = 0.0035\n" in str(
        rk.bill(rk.rate(few, plan, span=MARCH))[0]
    )


def test_credit_lines_print_on_the_quantum() -> None:
    # Fee 30, credit 30: it pays 30.00 and has 0.00 left. was: "30 available   0 left".
    plan = rk.Plan("p", "EUR", MONTHS, [], fees=[rk.Fee("base", 30)])
    rating = rk.rate([], plan, span=MARCH, accounts=["a"])
    welcome = rk.Credit("welcome", "a", 30, "EUR", start=MARCH.start)
    (invoice,) = rk.bill(rating, credits=[welcome])
    line = next(row for row in str(invoice).splitlines() if "credit · welcome" in row)
    assert line.split() == [
        "credit",
        "·",
        "welcome",
        "30.00",
        "available",
        "0.00",
        "left",
        "-30.00",
    ]
    cells = _Cells()
    cells.feed(invoice._repr_html_())
    assert [cell for cell in cells.cells if cell in {"30.00 available", "0.00 left", "-30.00"}] == [
        "30.00 available",
        "0.00 left",
        "-30.00",
    ]


def test_one_currency_rule_at_every_door() -> None:
    # was: Credit(..., "eur") accepted while Plan refused "eur" (with a message about its
    # quantum), and Plan(..., quantum=...) accepted "eur", " " or "€".
    for make, what in (
        (lambda c: rk.Plan("p", c, MONTHS, []), "plan 'p' currency"),
        (lambda c: rk.Plan("p", c, MONTHS, [], quantum="0.01"), "plan 'p' currency"),
        (lambda c: rk.Credit("c", "a", 5, c, start=MARCH.start), "Credit currency"),
    ):
        for bad, hint in (("eur", "EUR"), ("EUR ", "EUR"), ("€", "EUR"), ("E1", "EUR"), (5, "EUR")):
            with pytest.raises(rk.BadPriceError) as raised:
                make(bad)
            assert str(raised.value) == (
                f"{what} {bad!r} is not a currency code; write it as three capital "
                f"letters, such as {hint!r}."
            )
    # a code outside ISO 4217's list keeps the form, with the plan's own quantum
    assert rk.Plan("p", "XYZ", MONTHS, [], quantum="0.01").currency == "XYZ"
    assert rk.Credit("c", "a", 5, "XYZ", start=MARCH.start).currency == "XYZ"


def test_the_text_invoice_pads_by_display_width_for_wide_and_combining_characters() -> None:
    from ratekit.render import display_width

    # Columns: 'vm' 2; '仮想マシン' 5 wide characters = 10; 'e\u0301' x 3 = 3 (the accents
    # take none); '🚀🚀' 2 wide = 4. The longest label, '仮想マシン · x1', is 10 + 5 = 15.
    names = ("vm", "仮想マシン", "e\u0301e\u0301e\u0301", "🚀🚀")
    assert [display_width(name) for name in names] == [2, 10, 3, 4]
    rows = [rk.UsageRow("acme", name, "r", MARCH, MARCH, 10, "hour", {}, ()) for name in names]
    entries = [rk.PriceEntry(f"x{i}", name, rk.PerUnit("0.5")) for i, name in enumerate(names)]
    (invoice,) = rk.bill(rk.rate(rows, rk.Plan("p", "EUR", MONTHS, entries), span=MARCH))
    table = str(invoice).splitlines()[2:7]  # the header and the four lines
    assert {display_width(line) for line in table} == {2 + 15 + 2 + 8 + 2 + 10 + 2 + 6}
    assert table[0] == "  line             quantity  unit price  amount"
    assert "  仮想マシン · x1   10 hour         0.5    5.00" in table
    assert "  e\u0301e\u0301e\u0301 · x2          10 hour         0.5    5.00" in table


@pytest.mark.parametrize("group_by", [None, "resource"])
def test_usage_under_a_flat_fee_shows_flat_not_tiered(group_by: str | None) -> None:
    # Two VMs run 720 h and 648 h: the usage line holds 1,368 h at 0 a unit (the fee is
    # billed on its own line: 5 per cycle, once per group: 5 for the account, 2 x 5 by
    # resource), so its unit-price cell says "flat", never "tiered".
    hours = rk.Meter("hours", "hour", rk.OnOff())
    entry = (
        rk.PriceEntry("x", "hours", rk.Flat(5))
        if group_by is None
        else rk.PriceEntry("x", "hours", rk.Flat(5), group_by=group_by)
    )
    plan = rk.Plan("p", "EUR", MONTHS, [entry])
    runs = [
        rk.Event("a", "r", "2026-03-02T00:00:00Z", kind="start", id="e1"),
        rk.Event("a", "r2", "2026-03-05T00:00:00Z", kind="start", id="e2"),
    ]
    rating = rk.rate(runs, plan, span=MARCH, meters=[hours])
    (invoice,) = rk.bill(rating)
    usage_row = next(line for line in str(invoice).splitlines() if "hours · x" in line)
    assert usage_row.split() == ["hours", "·", "x", "1368", "hour", "flat", "0.00"]
    assert invoice.total == (5 if group_by is None else 10)
    cells = _Cells()
    cells.feed(rating._repr_html_())
    usage_cells = [c for c in cells.cells if c in {"flat", "tiered"}]
    assert usage_cells
    assert set(usage_cells) == {"flat"}


def test_anomalies_past_the_shown_rows_are_counted_not_dropped() -> None:
    # 250 anomalies: the table shows 200 (ROWS_SHOWN) and says 50 more, as it does of
    # charges and rows; the caption counts all 250.
    anomalies = tuple(
        rk.Anomaly("duplicate", f"event 'e{i}' seen twice: ignored.", (f"e{i}",))
        for i in range(250)
    )
    page = rk.Usage((), anomalies, ())._repr_html_()
    assert "0 rows, 250 anomalies" in page
    assert page.count("seen twice") == 200
    assert "… and 50 more anomalies" in page
    one = rk.Usage((), anomalies[:201], ())._repr_html_()
    assert "… and 1 more anomaly" in one
    assert "more anomal" not in rk.Usage((), anomalies[:200], ())._repr_html_()


def test_one_long_id_does_not_pad_every_row_of_the_text() -> None:
    # A resource id of 10,000 characters: its line prints whole, but the other rows are
    # not padded to it. Was: the header, the other line and the total padded to 10,000
    # columns too, 40,237 characters; 2,000 lines with an id of 100,000 characters made a
    # text of 200 MB.
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm", rk.PerUnit(1))]
    )
    long_id = "x" * 10_000
    rows = [
        rk.UsageRow("acme", "vm", resource, march, march, 1, "hour", {}, ())
        for resource in ("vm-1", long_id)
    ]
    text = str(rk.bill(rk.rate(rows, plan, span=march), by_resource=True)[0])
    assert len(text) < 10_000 + 2_000
    lines = text.splitlines()
    (long_line,) = [line for line in lines if long_id in line]  # the long line, whole
    assert long_line.split() == ["vm", "·", "vm", "·", long_id, "1", "hour", "1", "1.00"]
    short = next(line for line in lines if "vm-1" in line)
    total = next(line for line in lines if line.lstrip().startswith("total"))
    # the short rows still line up with each other: amounts end in one column
    assert len(short) == len(total)


def test_a_backslash_in_a_name_cannot_pass_for_an_escaped_control_character() -> None:
    # Two resources, one named "vm-1" + newline, one named "vm-1" + a backslash and an
    # "n" (two printable characters, which a tenant may choose). Both printed
    # "vm-1\n": the text and the notebook table showed two lines that read the same,
    # so a name could pass for another's escaped one. A backslash now prints doubled.
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])
    rows = [
        rk.UsageRow("acme", "vm.hours", name, MARCH, MARCH, Decimal(quantity), "hour", {}, ())
        for name, quantity in (("vm-1\n", 1), ("vm-1\\n", 2))
    ]
    # 1 x 1 = 1.00 and 2 x 1 = 2.00: 3.00
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH), by_resource=True)
    assert str(invoice).splitlines() == [
        "Invoice acme, 2026-03-01T00:00:00Z .. 2026-04-01T00:00:00Z, EUR",
        "",
        "  line                     quantity  unit price  amount",
        "  vm.hours · vm · vm-1\\n     1 hour           1    1.00",
        "  vm.hours · vm · vm-1\\\\n    2 hour           1    2.00",
        "",
        "  total                                            3.00",
    ]
    cells = parse(invoice._repr_html_()).cells
    assert "vm.hours · vm · vm-1\\n" in cells
    assert "vm.hours · vm · vm-1\\\\n" in cells
    assert visible("C:\\tmp") == "C:\\\\tmp"
    assert visible("plain · name") == "plain · name"


def test_an_anomaly_message_keeps_the_backslashes_its_quotes_doubled() -> None:
    # The message quotes the resource as Python does, 'vm-1\\n' for a backslash and an
    # "n": shown as it is, not doubled once more to 'vm-1\\\\n'.
    stop = rk.Event("acme", "vm-1\\n", "2026-03-02T09:30:00Z", kind="stop", id="e1")
    usage = rk.meter(
        [stop], [rk.Meter("runtime", "hour", rk.OnOff())], span=MARCH, cycle=MONTHS, as_of=MARCH.end
    )
    (anomaly,) = usage.anomalies
    assert "'vm-1\\\\n'" in anomaly.message
    assert html.unescape(usage._repr_html_()).count("'vm-1\\\\n'") == 1
    assert "'vm-1\\\\\\\\n'" not in html.unescape(usage._repr_html_())


def _description_cell(description: dict[str, object]) -> str:
    row = rk.UsageRow("acme", "vm.hours", "vm-1", MARCH, MARCH, 1, "hour", description, ())
    return parse(rk.Usage((row,), (), ())._repr_html_()).cells[10]


def test_an_attribute_value_cannot_pass_for_other_attributes_in_the_usage_table() -> None:
    # {"tier": "free, owner=ops"} showed "tier=free, owner=ops", as {"tier": "free",
    # "owner": "ops"} does (keys in name order put owner first there: "owner=ops, tier=free";
    # {"owner=ops, tier": "free"} showed that). A value or key that holds a separator, a
    # quote, or reads as a number, a bool or None is now quoted as Python writes it; a
    # plain word shows bare as before.
    assert _description_cell({"owner": "ops", "tier": "free"}) == "owner=ops, tier=free"
    assert _description_cell({"owner=ops, tier": "free"}) == "'owner=ops, tier'=free"
    assert _description_cell({"tier": "free, owner=ops"}) == "tier='free, owner=ops'"
    assert _description_cell({"n": "1"}) == "n='1'"
    assert _description_cell({"n": 1}) == "n=1"
    assert _description_cell({"n": "-2.5E+3"}) == "n='-2.5E+3'"
    assert _description_cell({"b": "True", "c": True}) == "b='True', c=True"
    assert _description_cell({"e": "", "z": "None"}) == "e='', z='None'"
    assert _description_cell({"q": "it's"}) == 'q="it\'s"'
    assert _description_cell({"flavor": "<script>"}) == "flavor=<script>"
    assert _description_cell({"l": "[1]", "m": "{}"}) == "l='[1]', m='{}'"
