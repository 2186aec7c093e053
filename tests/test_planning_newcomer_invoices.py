"""A pricing analyst previews invoices and exports them (docs/invoices.md, docs/exports.md).

Every number is worked by hand in the comment beside it. HTML previews are read back with
``html.parser``; CSV exports are written with ``csv``/pandas and read back as text.
"""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from tests._html_pages import EVIL, SAFE_TAGS, parsed

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHS = rk.cycles.monthly(tz="UTC")


def row(
    account: str,
    meter: str,
    resource: str,
    quantity: object,
    unit: str = "GB",
    **description: object,
) -> rk.UsageRow:
    return rk.UsageRow(account, meter, resource, MARCH, MARCH, quantity, unit, description, ())


def assert_inert(page: str) -> str:
    reader = parsed(page)
    assert reader.tags <= SAFE_TAGS
    assert not [name for name, _ in reader.attributes if name.startswith("on")]
    assert not [value for _, value in reader.attributes if value and "<" in value]
    return "".join(reader.text)


# -- rounding in currencies with 0 and 3 minor digits --------------------------------------


@pytest.mark.parametrize(
    ("currency", "mode", "quantities", "totals"),
    [
        # JPY has no minor unit: half-even takes 0.5 to 0, 1.5 and 2.5 to 2, -1.5 to -2
        (
            "JPY",
            "ROUND_HALF_EVEN",
            ["0.5", "1.5", "2.5", "-0.5", "-1.5"],
            ["0", "2", "2", "0", "-2"],
        ),
        # half-up takes a tie away from zero
        (
            "JPY",
            "ROUND_HALF_UP",
            ["0.5", "1.5", "2.5", "-0.5", "-1.5"],
            ["1", "2", "3", "-1", "-2"],
        ),
        # KWD has three: 0.0005 is half a fils
        (
            "KWD",
            "ROUND_HALF_EVEN",
            ["0.0005", "0.0015", "0.0025", "1.2345"],
            ["0.000", "0.002", "0.002", "1.234"],
        ),
        (
            "KWD",
            "ROUND_HALF_UP",
            ["0.0005", "0.0015", "0.0025", "1.2345"],
            ["0.001", "0.002", "0.003", "1.235"],
        ),
    ],
)
def test_a_line_rounds_once_on_the_currencys_minor_unit(
    currency: str, mode: str, quantities: list[str], totals: list[str]
) -> None:
    plan = rk.Plan("p", currency, MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))], rounding=mode)
    got = [
        str(rk.bill(rk.rate([row("a", "m", "r", q)], plan, span=MARCH))[0].total)
        for q in quantities
    ]
    assert got == totals


def test_yen_and_dinar_invoices_with_credits() -> None:
    yen = rk.Plan(
        "p", "JPY", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit("0.5"))], fees=[rk.Fee("f", 100)]
    )
    rating = rk.rate([row("a", "m", "r", 3)], yen, span=MARCH)
    (invoice,) = rk.bill(rating, credits=[rk.Credit("c", "a", 50, "JPY", start=MARCH.start)])
    # 3 x 0.5 = 1.5, half-even 2; + 100; less the credit's 50: 52
    assert [line.amount for line in invoice.lines] == [Decimal(2), Decimal(100)]
    assert (invoice.subtotal, invoice.total) == (Decimal(102), Decimal(52))
    focus = rk.focus_rows([invoice], provider="Example")
    assert [r["BilledCost"] for r in focus] == ["2", "100", "-50"]
    with pytest.raises(
        rk.BadQuantityError,
        match=r"grants 0.5 JPY, which is not a whole number of the invoice's quantum 1",
    ):
        rk.bill(rating, credits=[rk.Credit("c", "a", "0.5", "JPY", start=MARCH.start)])
    dinar = rk.Plan(
        "q",
        "KWD",
        MONTHS,
        [rk.PriceEntry("e", "m", rk.PerUnit("0.0001"))],
        fees=[rk.Fee("f", "1.5")],
    )
    (invoice,) = rk.bill(
        rk.rate([row("a", "m", "r", 5)], dinar, span=MARCH),
        credits=[rk.Credit("c", "a", "0.001", "KWD", start=MARCH.start)],
    )
    # 5 x 0.0001 = 0.0005, half-even 0.000; + 1.500; less 0.001: 1.499
    assert [str(line.amount) for line in invoice.lines] == ["0.000", "1.500"]
    assert str(invoice.total) == "1.499"


def test_three_plans_each_a_third_of_a_tie_round_the_exact_sum() -> None:
    # 0.005 a cycle, three plans of 248 hours each: 0.005/3 three times is exactly 0.005,
    # though each third is 0.00166...67 at its 60th digit (and those add up to 0.00500...01)
    first, second = "2026-03-11T08:00:00Z", "2026-03-21T16:00:00Z"
    for mode, cents in (
        ("ROUND_HALF_EVEN", "0.00"),
        ("ROUND_HALF_DOWN", "0.00"),
        ("ROUND_HALF_UP", "0.01"),
    ):
        plans = [
            rk.Plan(name, "EUR", MONTHS, [], fees=[rk.Fee("f", "0.005")], rounding=mode)
            for name in "ABC"
        ]
        assignments = [
            rk.Assignment("a", plans[0], end=first),
            rk.Assignment("a", plans[1], start=first, end=second),
            rk.Assignment("a", plans[2], start=second),
        ]
        rating = rk.rate([], assignments, span=MARCH)
        (invoice,) = rk.bill(rating)
        assert str(invoice.total) == cents
        comparison = rk.compare_plans([], {"x": assignments}, span=MARCH, accounts=["a"])
        assert str(comparison.rows[0].total) == cents


# -- time zones with DST in the cycle ---------------------------------------------------------


def test_a_fee_prorated_across_the_spring_change_in_zurich() -> None:
    months = rk.cycles.monthly(tz="Europe/Zurich")
    march = months.containing("2026-03-15T00:00:00Z")
    assert march.duration.total_seconds() == 743 * 3600
    start = "2026-03-29T12:00:00+02:00"  # noon on the day the clocks went forward
    by_seconds = rk.Plan("s", "CHF", months, [], fees=[rk.Fee("f", 743)])
    by_days = rk.Plan("d", "CHF", months, [], fees=[rk.Fee("f", 743)], proration="days")
    # seconds: 10:00Z on the 29th to 22:00Z on the 31st is 60 of 743 hours: 743 x 60/743 = 60
    seconds = rk.rate([], [rk.Assignment("a", by_seconds, start=start)], span=march)
    assert [c.amount for c in seconds.charges] == [Decimal(60)]
    # days: the 29th (entered partway), 30th and 31st are 3 of 31: 743 x 3/31 = 71.903225...
    days = rk.rate([], [rk.Assignment("a", by_days, start=start)], span=march)
    assert abs(Fraction(days.charges[0].amount) - Fraction(743 * 3, 31)) < Fraction(1, 10**57)
    assert str(rk.bill(days, tz="Europe/Zurich")[0].total) == "71.90"


def test_a_fee_prorated_across_the_spring_change_in_new_york() -> None:
    months = rk.cycles.monthly(tz="America/New_York")
    march = months.containing("2026-03-15T00:00:00Z")
    start = "2026-03-08T12:00:00-04:00"
    by_days = rk.Plan(
        "d", "USD", months, [], fees=[rk.Fee("f", 31)], proration="days", tz="America/New_York"
    )
    by_seconds = rk.Plan("s", "USD", months, [], fees=[rk.Fee("f", 743)])
    # days 8..31 are 24 of 31: 31 x 24/31 = 24; 16:00Z on the 8th to 04:00Z on 1 April is 564 h
    assert rk.rate([], [rk.Assignment("a", by_days, start=start)], span=march).total() == 24
    assert rk.rate([], [rk.Assignment("a", by_seconds, start=start)], span=march).total() == 564


def test_a_vm_running_over_the_short_and_the_long_day() -> None:
    days = rk.cycles.daily(tz="Europe/Zurich")
    plan = rk.Plan("p", "CHF", days, [rk.PriceEntry("vm", "vm", rk.PerUnit(1))])
    meters = [rk.Meter("vm", "hour", rk.OnOff())]
    for start, stop, first, last, expected in (
        (
            "2026-03-28T12:00:00+01:00",
            "2026-03-30T12:00:00+02:00",
            "2026-03-28",
            "2026-03-31",
            ["12.00", "23.00", "12.00"],
        ),
        (
            "2026-10-24T12:00:00+02:00",
            "2026-10-26T12:00:00+01:00",
            "2026-10-24",
            "2026-10-27",
            ["12.00", "25.00", "12.00"],
        ),
    ):
        records = [
            rk.Event("a", "vm-1", start, kind="start", id="e1"),
            rk.Event("a", "vm-1", stop, kind="stop", id="e2"),
        ]
        span = rk.Span(
            days.containing(f"{first}T12:00:00Z").start, days.containing(f"{last}T12:00:00Z").start
        )
        rating = rk.rate(records, plan, span=span, meters=meters)
        assert [str(invoice.total) for invoice in rk.bill(rating, tz="Europe/Zurich")] == expected


def test_a_weekly_allowance_over_a_23_hour_week() -> None:
    weeks = rk.cycles.weekly(tz="America/New_York", weekday="Sun")
    plan = rk.Plan(
        "w",
        "USD",
        weeks,
        [rk.PriceEntry("vm", "vm", rk.PerUnit("0.5"))],
        allowances=[rk.Allowance("vm", 100)],
    )
    records = [
        rk.Event("a", "vm-1", "2026-03-08T00:00:00-05:00", kind="start", id="e1"),
        rk.Event("a", "vm-1", "2026-03-15T00:00:00-04:00", kind="stop", id="e2"),
    ]
    week = weeks.containing("2026-03-10T00:00:00Z")
    rating = rk.rate(records, plan, span=week, meters=[rk.Meter("vm", "hour", rk.OnOff())])
    # the week of the change lasts 167 hours: 100 free, 67 x 0.5 = 33.50
    assert [(c.quantity, c.free, c.amount) for c in rating.charges] == [
        (Decimal(167), Decimal(100), Decimal("33.5"))
    ]


# -- a plan change mid-cycle, worked by hand ----------------------------------------------------


def test_a_mid_cycle_change_with_allowances_minimums_fees_and_credits() -> None:
    a = rk.Plan(
        "A", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit("0.5"))],
        minimums=[rk.Minimum(20)], allowances=[rk.Allowance("m", 10)], fees=[rk.Fee("f", 31)],
    )  # fmt: skip
    b = rk.Plan(
        "B", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit("0.3"))],
        minimums=[rk.Minimum(40)], allowances=[rk.Allowance("m", 31)], fees=[rk.Fee("f", 62)],
        proration="days",
    )  # fmt: skip
    change = "2026-03-11T06:00:00Z"  # 246 of March's 744 hours; 10 whole UTC days

    def day(number: int, quantity: int) -> rk.UsageRow:
        span = rk.Span(f"2026-03-{number:02d}T00:00:00Z", f"2026-03-{number + 1:02d}T00:00:00Z")
        return rk.UsageRow("a", "m", "r", span, MARCH, quantity, "GB", {}, ())

    rating = rk.rate(
        [day(3, 20), day(12, 40), day(25, 7)],
        [rk.Assignment("a", a, end=change), rk.Assignment("a", b, start=change)],
        span=MARCH,
    )
    # the position at the change is the further of 246/744 (A's seconds) and 10/31 (B's days)
    share = Fraction(246, 744)
    amounts = {(c.kind, c.plan, c.quantity): Fraction(c.amount) for c in rating.charges}
    near = Fraction(1, 10**55)
    # A: 10 x 246/744 free, (20 - 10 x 246/744) x 0.5
    assert abs(amounts["usage", "A", Decimal(20)] - (20 - 10 * share) / 2) < near
    # B: 31 x (1 - 246/744) = 20.75 free of the 40 GB, 19.25 x 0.3 = 5.775; then 7 x 0.3 = 2.1
    assert amounts["usage", "B", Decimal(40)] == Fraction("5.775")
    assert amounts["usage", "B", Decimal(7)] == Fraction("2.1")
    granted = [
        rk.Credit("w", "a", 15, "EUR", start=MARCH.start),
        rk.Credit(
            "m",
            "a",
            5,
            "EUR",
            start=MARCH.start,
            renews=True,
            priority=2,
            expires="2026-03-20T00:00:00Z",
        ),
    ]
    (invoice,) = rk.bill(rating, credits=granted)
    # usage line 8.346774... + 7.875 = 16.2218 -> 16.22; fees 31 x 246/744 + 62 x 498/744 = 10.25 + 41.50;
    # B's minimum 40 x 498/744 = 26.774 -> 26.77, less B's part of the usage line as billed
    # (16.22 - 8.35 = 7.87): 18.90; A's part 8.35 reaches A's 6.61. 16.22 + 51.75 + 18.90 = 86.87;
    # the credits: m (priority 2) pays 5, w pays 15: 66.87
    assert [line.amount for line in invoice.lines] == [
        Decimal("16.22"),
        Decimal("51.75"),
        Decimal("18.90"),
    ]
    assert (invoice.subtotal, invoice.total) == (Decimal("86.87"), Decimal("66.87"))
    stored = rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice))))
    assert stored == invoice
    assert str(stored) == str(invoice)
    assert stored._repr_html_() == invoice._repr_html_()
    assert sum(
        Fraction(r["BilledCost"]) for r in rk.focus_rows([stored], provider="x")
    ) == Fraction("66.87")
    assert rk.credits_left(granted, [invoice]) == (granted[1],)  # w is spent; m renews


def test_credits_pay_in_the_documented_order_month_after_month() -> None:
    spring = rk.Span("2026-03-01T00:00:00Z", "2026-06-01T00:00:00Z")
    fee = rk.Plan("f", "EUR", MONTHS, [], fees=[rk.Fee("base", 30)])
    granted = [
        rk.Credit("late", "acme", 100, "EUR", start="2026-01-01T00:00:00Z"),
        rk.Credit(
            "soon", "acme", 40, "EUR", start="2026-03-10T00:00:00Z", expires="2026-04-15T00:00:00Z"
        ),
        rk.Credit(
            "renew",
            "acme",
            10,
            "EUR",
            start=MARCH.start,
            renews=True,
            expires="2026-05-20T00:00:00Z",
        ),
        rk.Credit("future", "acme", 5, "EUR", start="2026-06-01T00:00:00Z"),
        rk.Credit("past", "acme", 5, "EUR", start="2026-01-01T00:00:00Z", expires=MARCH.start),
    ]
    invoices = rk.bill(rk.rate([], [rk.Assignment("acme", fee)], span=spring), credits=granted)
    paid = [[(line.credit, str(line.applied)) for line in invoice.credits] for invoice in invoices]
    # March: renew's grant lapses 1 April, soon's balance 15 April, late never: 10 + 20
    # April: soon (15 April) before renew (1 May): 20 + 10. May: renew (20 May) 10, late 20
    assert paid == [
        [("renew", "10.00"), ("soon", "20.00"), ("late", "0.00")],
        [("soon", "20.00"), ("renew", "10.00"), ("late", "0.00")],
        [("renew", "10.00"), ("late", "20.00")],
    ]
    assert [invoice.total for invoice in invoices] == [Decimal("0.00")] * 3


# -- huge and tiny numbers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "quantity", "exact"),
    [
        ("0.0000000000000000000000000001", "1e30", "100"),
        ("0.1234567890123456789012345678", "99999999999999999999999999999", None),
        ("1e-30", "1e30", "1"),
    ],
)
def test_prices_with_28_and_30_decimals_against_fractions(
    price: str, quantity: str, exact: str | None
) -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(price))])
    rating = rk.rate([row("a", "m", "r", quantity)], plan, span=MARCH)
    product = Fraction(price) * Fraction(quantity)
    assert Fraction(rating.total()) == product
    if exact is not None:
        assert product == Fraction(exact)
    (invoice,) = rk.bill(rating)
    assert Fraction(invoice.total) == Fraction(round(product * 100), 100)  # half-even on the cent


def test_amounts_past_1e30_are_refused_naming_the_entry_and_the_product() -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit("1e10"))])
    with pytest.raises(
        rk.BadPriceError,
        match=r"^price entry 'e' of plan 'p' prices 1E\+21 GB of meter 'm' for account 'a' \(resource 'r'\) at 1E\+31, outside the amounts ratekit carries exactly .*Check the price and the quantity",
    ):
        rk.rate([row("a", "m", "r", "1e21")], plan, span=MARCH)
    with pytest.raises(
        rk.BadQuantityError, match=r"magnitude from 1E-100 up to but excluding 1E\+60"
    ):
        row("a", "m", "r", 1e300)
    with pytest.raises(
        rk.BadPriceError,
        match=r"PerUnit rate '1e-31' lies outside the numbers ratekit represents exactly",
    ):
        rk.PerUnit("1e-31")


def test_twenty_lines_of_9e29_add_up_past_1e31_and_still_round_trip() -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("e", "m", rk.PerUnit("9e29"))],
        fees=[rk.Fee("f", "9e29")],
    )
    rating = rk.rate([row("a", "m", f"r{i}", 1) for i in range(20)], plan, span=MARCH)
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("1.89e31")  # 21 x 9e29
    assert rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice)))) == invoice
    focus = rk.focus_rows([invoice], provider="x")
    assert sum(Fraction(r["BilledCost"]) for r in focus) == Fraction(189 * 10**29)
    assert not [r for r in focus if "E" in r["BilledCost"]]


def test_a_negative_zero_never_prints_with_its_sign() -> None:
    plans = [
        rk.Plan(
            "pu",
            "EUR",
            MONTHS,
            [rk.PriceEntry("e", "m", rk.PerUnit("-0"))],
            fees=[rk.Fee("f", "-0")],
        ),
        rk.Plan("jpy", "JPY", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit("-0.1"))]),
    ]
    signed_zero = re.compile(r"(?<![\w.])-0(\.0+)?(?![\d.])")
    for plan in plans:
        for quantity in ("5", "-0", "-3", "0"):
            used = [row("a", "m", "r", quantity)]
            rating = rk.rate(used, plan, span=MARCH)
            invoices = rk.bill(rating)
            comparison = rk.compare_plans(used, {"x": plan, "y": plan}, span=MARCH)
            shown = [
                str(invoices[0]),
                assert_inert(invoices[0]._repr_html_()),
                json.dumps(rk.focus_rows(invoices, provider="x")),
                json.dumps(comparison.to_rows()),
                assert_inert(comparison._repr_html_()),
            ]
            assert not [text for text in shown if signed_zero.search(text)], (plan.id, quantity)


# -- HTML injection ------------------------------------------------------------------------------


def test_every_user_string_of_an_invoice_preview_is_text() -> None:
    plan = rk.Plan(
        "p" + EVIL, "EUR", MONTHS,
        [rk.PriceEntry("e" + EVIL, "m" + EVIL, rk.Graduated([rk.Tier(10, "0.1"), rk.Tier(None, "0.05")]))],
        fees=[rk.Fee("f" + EVIL, 3)], minimums=[rk.Minimum(100)], allowances=[rk.Allowance("m" + EVIL, 1)],
    )  # fmt: skip
    used = [
        rk.UsageRow(
            "a" + EVIL,
            "m" + EVIL,
            "r" + EVIL,
            MARCH,
            MARCH,
            150,
            "GB" + EVIL,
            {"k" + EVIL: "v" + EVIL},
            (),
        )
    ]
    share = rk.Share("a" + EVIL, "r" + EVIL, {"a" + EVIL: 1, "b" + EVIL: 2})
    rating = rk.rate(used, plan, span=MARCH, shares=[share])
    assert EVIL in assert_inert(rating._repr_html_())
    credit = rk.Credit("c" + EVIL, "a" + EVIL, 5, "EUR", start=MARCH.start)
    owner, holder = rk.bill(rating, credits=[credit], by_resource=True)
    text = assert_inert(owner._repr_html_())
    # 149 billable GB: 10 x 0.1 + 139 x 0.05 = 7.95, a third 2.65; minimum 100 - 2.65 = 97.35;
    # fee 3; the credit 5: 2.65 + 97.35 + 3 - 5 = 98.00. The holder's two thirds: 5.30
    for piece in (
        "fee · f" + EVIL,
        "credit · c" + EVIL,
        "150 GB" + EVIL,
        "(shared 1/3)",
        "part of 7.95",
    ):
        assert piece in text
    assert (owner.total, holder.total) == (Decimal("98.00"), Decimal("5.30"))
    assert "(shared 2/3)" in assert_inert(holder._repr_html_())


def test_a_price_model_of_ones_own_with_markup_in_its_tier_label() -> None:
    class Capped:
        """0.05 per unit, at most 20 per cycle."""

        linear = False

        def amount(self, quantity: Decimal) -> Decimal:
            return min(Decimal("0.05") * quantity, Decimal(20))

        def explain(self, quantity: Decimal) -> tuple[rk.TierLine, ...]:
            line = rk.TierLine(
                label="cap" + EVIL,
                lower=None,
                upper=None,
                quantity=quantity,
                unit=Decimal("0.05"),
                amount=self.amount(quantity),
            )
            return (line,)

        def marginal(self, quantity: Decimal, added: Decimal) -> Decimal:
            return self.amount(quantity + added) - self.amount(quantity)

    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "m", Capped())])
    (invoice,) = rk.bill(rk.rate([row("a", "m", "r", 1000)], plan, span=MARCH))
    assert ("cap" + EVIL) in assert_inert(invoice._repr_html_())
    assert invoice.total == Decimal("20.00")  # 1000 x 0.05 = 50, capped at 20


def test_a_capped_preview_of_250_tiered_lines_still_adds_up_to_the_subtotal() -> None:
    tiers = [rk.Tier(1, "0.333"), rk.Tier(None, "0.0555")]
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry(f"e{i}", f"m{i}", rk.Graduated(tiers)) for i in range(250)],
        fees=[rk.Fee("f", "0.015")], minimums=[rk.Minimum(5000)],
    )  # fmt: skip
    used = [row("x", f"m{i}", "r", Decimal(i) / 7) for i in range(250)]
    (invoice,) = rk.bill(
        rk.rate(used, plan, span=MARCH),
        credits=[rk.Credit("c", "x", "1.11", "EUR", start=MARCH.start)],
    )
    # the commitment tops the usage lines up to 5000.00; the fee 0.015 is 0.02: 5000.02 - 1.11
    assert (invoice.subtotal, invoice.total) == (Decimal("5000.02"), Decimal("4998.91"))
    page = parsed(invoice._repr_html_())
    shown = Fraction(0)
    for kind, cells in page.rows:
        if kind is None and cells:
            shown += Fraction(cells[-1])
        if kind == "note" and cells and "more lines" in cells[0]:
            shown += Fraction(cells[-1])
    assert shown == Fraction("5000.02")


# -- exports read back --------------------------------------------------------------------------


def test_frames_and_focus_rows_with_hostile_ids_read_back_from_csv_to_the_cent() -> None:
    pandas = pytest.importorskip("pandas")
    nasty = 'a,"b"\nc\r=1+1'
    plan = rk.Plan(
        "p", "EUR", MONTHS,
        [rk.PriceEntry("e", "m", rk.Graduated([rk.Tier(10, "0.013"), rk.Tier(None, "0.0071")])),
         rk.PriceEntry("k", "k", rk.PerUnit("0.0333"))],
        fees=[rk.Fee("f", "9.99")], minimums=[rk.Minimum(30)],
    )  # fmt: skip
    used = [
        row(
            f"acc{i % 3}" + nasty,
            "m",
            f"r{i}" + nasty,
            Decimal(i) * Decimal("1.37"),
            **{"x" + nasty: nasty},
        )
        for i in range(10)
    ]
    used += [
        row(f"acc{i % 3}" + nasty, "k", f"k{i}", Decimal(i) * Decimal("3.3333")) for i in range(7)
    ]
    rating = rk.rate(used, plan, span=MARCH)
    invoices = rk.bill(
        rating, credits=[rk.Credit("c", "acc0" + nasty, "5.55", "EUR", start=MARCH.start)]
    )
    # each account's usage is far below 30: topped up to 30, + 9.99; acc0 less 5.55 = 34.44
    assert [(i.subtotal, i.total) for i in invoices] == [
        (Decimal("39.99"), Decimal("34.44")),
        (Decimal("39.99"), Decimal("39.99")),
        (Decimal("39.99"), Decimal("39.99")),
    ]
    lines = pandas.read_csv(
        io.StringIO(rk.invoice_lines_frame(invoices).to_csv(index=False)),
        dtype=str,
        keep_default_na=False,
    )
    by_account: dict[str, Fraction] = {}
    for _, line in lines.iterrows():
        by_account[line["account"]] = by_account.get(line["account"], Fraction(0)) + Fraction(
            line["amount"]
        )
    assert by_account == {invoice.account: Fraction(invoice.subtotal) for invoice in invoices}
    charges = pandas.read_csv(
        io.StringIO(rk.charges_frame(rating).to_csv(index=False)), dtype=str, keep_default_na=False
    )
    assert len(charges) == len(rating.charges)
    assert sum(Fraction(amount) for amount in charges["amount"]) == Fraction(rating.total())
    focus = rk.focus_rows(invoices, provider="Example")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(focus[0]))
    writer.writeheader()
    writer.writerows(focus)
    paid: dict[str, Fraction] = {}
    for read in csv.DictReader(io.StringIO(out.getvalue())):
        paid[read["BillingAccountId"]] = paid.get(read["BillingAccountId"], Fraction(0)) + Fraction(
            read["BilledCost"]
        )
    assert paid == {invoice.account: Fraction(invoice.total) for invoice in invoices}


def test_a_price_raised_mid_cycle_against_staying_with_a_shared_allowance() -> None:
    change = "2026-03-15T00:00:00Z"
    today = rk.Plan(
        "q",
        "EUR",
        MONTHS,
        [rk.PriceEntry("old", "vm", rk.PerUnit("0.10"))],
        allowances=[rk.Allowance("vm", 100)],
    )
    raised = rk.Plan(
        "p", "EUR", MONTHS,
        [rk.PriceEntry("old", "vm", rk.PerUnit("0.10")), rk.PriceEntry("new", "vm", rk.PerUnit("0.20"), start=change, priority=1)],
        allowances=[rk.Allowance("vm", 100)],
    )  # fmt: skip
    records = [rk.Event("a", "vm-1", "2026-03-01T00:00:00Z", kind="start", id="e1")]
    meters = [rk.Meter("vm", "hour", rk.OnOff())]
    rating = rk.rate(records, raised, span=MARCH, meters=meters)
    # 336 hours before the 15th take the 100 free: 236 x 0.10 = 23.60; 408 after at 0.20 = 81.60
    assert [(c.entry, c.quantity, c.free, c.amount) for c in rating.charges] == [
        ("old", Decimal(336), Decimal(100), Decimal("23.6")),
        ("new", Decimal(408), Decimal(0), Decimal("81.60")),
    ]
    comparison = rk.compare_plans(
        records, {"now": today, "raise": raised}, span=MARCH, meters=meters
    )
    # staying: 644 x 0.10 = 64.40
    assert [(r.total, r.difference, r.change) for r in comparison.rows] == [
        (Decimal("64.40"), Decimal("0.00"), "same"),
        (Decimal("105.20"), Decimal("40.80"), "pays more"),
    ]
    late = rk.rate(
        records,
        [rk.Assignment("a", raised, start="2026-03-11T00:00:00Z")],
        span=MARCH,
        meters=meters,
    )
    # from the 11th: 100 x 21/31 free hours; (96 - 2100/31) x 0.10 = 2.8258...; + 81.60 = 84.43
    first = late.charges[0]
    assert abs(Fraction(first.amount) - (96 - Fraction(2100, 31)) / 10) < Fraction(1, 10**57)
    assert rk.bill(late)[0].total == Decimal("84.43")
    assert [a.kind for a in late.anomalies] == ["unpriced"]  # the 240 hours before the plan


def test_empty_usage_exports_nothing_and_keeps_every_credit() -> None:
    pytest.importorskip("pandas")
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))])
    rating = rk.rate([], plan, span=MARCH)
    assert (rating.total(), rating.totals_by_currency()) == (0, {})
    assert rk.bill(rating) == ()
    assert rk.focus_rows(rating, provider="x") == []
    assert rk.focus_rows([], provider="x") == []
    assert rk.invoice_lines_frame([])["amount"].sum() == 0
    assert "<tbody></tbody>" in rating._repr_html_()
    welcome = rk.Credit("c", "a", 1, "EUR", start=MARCH.start)
    assert rk.credits_left([welcome], []) == (welcome,)
