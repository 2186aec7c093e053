"""A metered SaaS's commitments, credits and top-ups, worked by hand, in batch.

Each case reads the pricing and invoices pages only and checks every amount against
arithmetic done with fractions in the comments: a monthly commitment met, missed,
exceeded and prorated; a credit larger than the bill, one expiring mid-cycle, credits
spent in the documented order next to a promotional price; a prepaid top-up bought,
partly used and lapsing; an upgrade mid-cycle; and the doors that refuse bad credits
and commitments.
"""

from __future__ import annotations

import decimal
import json
from decimal import Decimal

import pytest

import ratekit as rk
from _saas_plans import BASIC, PRO

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
SPRING = rk.Span("2026-03-01T00:00:00Z", "2026-07-01T00:00:00Z")


def calls(quantity: object, day: str = "2026-03-05", account: str = "acme") -> rk.UsageRow:
    """``quantity`` API calls made in the hour from 10:00 on ``day``."""
    span = rk.Span(f"{day}T10:00:00Z", f"{day}T11:00:00Z")
    return rk.UsageRow(
        account, "api", "gw", span, MONTHS.containing(span.start), quantity, "call", {}, ()
    )


def committed(price: str = "0.10", minimum: object = 50, **parts: object) -> rk.Plan:
    """API calls at ``price`` each, under a monthly commitment of ``minimum``."""
    return rk.Plan(
        "committed",
        "EUR",
        MONTHS,
        [rk.PriceEntry("api", "api", rk.PerUnit(price))],
        minimums=[rk.Minimum(minimum)],
        **parts,
    )


def lines_of(invoice: rk.Invoice) -> list[tuple[str, Decimal]]:
    return [(line.kind, line.amount) for line in invoice.lines]


# --- a commitment met, missed, exceeded, prorated ------------------------------------


def test_a_commitment_met_exactly_bills_no_top_up() -> None:
    # 500 calls x 0.10 = 50.00 = the commitment: no minimum line at all.
    rating = rk.rate([calls(500)], committed(), span=MARCH)
    assert [charge.kind for charge in rating.charges] == ["usage"]
    (invoice,) = rk.bill(rating)
    assert lines_of(invoice) == [("usage", Decimal("50.00"))]
    assert invoice.total == Decimal("50.00")


def test_a_missed_commitment_is_topped_up_to_it() -> None:
    # 300 calls x 0.10 = 30.00; 50 - 30 = 20.00 of top-up; the invoice is 50.00.
    (invoice,) = rk.bill(rk.rate([calls(300)], committed(), span=MARCH))
    assert lines_of(invoice) == [("usage", Decimal("30.00")), ("minimum", Decimal("20.00"))]
    minimum = invoice.lines[1]
    assert (minimum.commitment, minimum.spent) == (Decimal(50), Decimal(30))
    assert invoice.total == Decimal("50.00")


def test_an_exceeded_commitment_bills_the_usage() -> None:
    # 800 calls x 0.10 = 80.00 > 50: no top-up.
    (invoice,) = rk.bill(rk.rate([calls(800)], committed(), span=MARCH))
    assert lines_of(invoice) == [("usage", Decimal("80.00"))]


def test_a_commitment_is_prorated_to_a_start_mid_cycle() -> None:
    # Signed up on 11 March: 21 of March's 31 days. 50 x 21/31 = 1050/31 = 33.870967...,
    # on the cent 33.87; 50 calls x 0.10 = 5.00 spent, so a top-up of 33.87 - 5.00 = 28.87.
    signed_up = [rk.Assignment("acme", committed(), start="2026-03-11T00:00:00Z")]
    rating = rk.rate([calls(50, day="2026-03-15")], signed_up, span=MARCH)
    (top_up,) = [charge for charge in rating.charges if charge.kind == "minimum"]
    # the exact top-up: 1050/31 - 5 = 895/31 = 28.870967741935483870967741935483870967741...
    assert top_up.amount == Decimal("28.8709677419354838709677419354838709677419354838709677419355")
    (invoice,) = rk.bill(rating)
    assert lines_of(invoice) == [("usage", Decimal("5.00")), ("minimum", Decimal("28.87"))]
    assert invoice.total == Decimal("33.87")


def test_a_top_up_is_the_commitment_less_the_lines_as_rounded() -> None:
    # 1001 calls x 0.013 = 13.013, printed 13.01; the top-up is 20.00 - 13.01 = 6.99
    # (not 6.987 rounded alone, 6.99 too here), and the subtotal is exactly 20.00.
    plan = committed(price="0.013", minimum=20)
    rating = rk.rate([calls(1001)], plan, span=MARCH)
    assert rating.total() == Decimal(20)  # 13.013 + 6.987
    (invoice,) = rk.bill(rating)
    assert lines_of(invoice) == [("usage", Decimal("13.01")), ("minimum", Decimal("6.99"))]
    assert invoice.total == Decimal("20.00")


def test_a_recurring_discount_is_not_counted_towards_the_commitment() -> None:
    # A fee of -10 (a fixed discount) does not count towards Minimum(50): an idle month
    # bills 50.00 - 10.00 = 40.00, as the pricing page says.
    plan = committed(fees=[rk.Fee("discount", -10)])
    (invoice,) = rk.bill(rk.rate([], [rk.Assignment("acme", plan)], span=MARCH))
    assert lines_of(invoice) == [("fee", Decimal("-10.00")), ("minimum", Decimal("50.00"))]
    assert invoice.total == Decimal("40.00")


# --- credits ------------------------------------------------------------------------


def idle_months() -> rk.Rating:
    """March to June of a plan with a fee of 10 and a commitment of 50: 60.00 a month."""
    plan = committed(fees=[rk.Fee("base", 10)])
    return rk.rate([], [rk.Assignment("acme", plan)], span=SPRING)


def test_a_credit_larger_than_the_bill_carries_what_is_left() -> None:
    # 100 of credit against 60.00 a month: March 0.00 (40 left), April 60 - 40 = 20.00,
    # then nothing left for May and June.
    welcome = rk.Credit("welcome", "acme", 100, "EUR", start="2026-03-01T00:00:00Z")
    invoices = rk.bill(idle_months(), credits=[welcome])
    assert [invoice.total for invoice in invoices] == [
        Decimal(t) for t in ("0.00", "20.00", "60.00", "60.00")
    ]
    assert invoices[0].credits == (
        rk.CreditLine("welcome", Decimal(100), Decimal(60), Decimal(40), None),
    )
    assert rk.credits_left([welcome], invoices[:1]) == (
        rk.Credit("welcome", "acme", 40, "EUR", start="2026-03-01T00:00:00Z", granted=100),
    )


def test_a_credit_expiring_mid_cycle_pays_that_whole_cycle_and_no_later() -> None:
    # Expiring on 15 April, it overlaps March and April: it pays 60 + 60 of its 150,
    # and its last 30 lapse (May's invoice has no credit line).
    promo = rk.Credit(
        "promo", "acme", 150, "EUR", start="2026-03-01T00:00:00Z", expires="2026-04-15T00:00:00Z"
    )
    invoices = rk.bill(idle_months(), credits=[promo])
    assert [invoice.total for invoice in invoices] == [
        Decimal(t) for t in ("0.00", "0.00", "60.00", "60.00")
    ]
    assert invoices[1].credits[0].left == Decimal(30)
    assert invoices[2].credits == ()


def test_a_credit_expiring_at_a_cycle_end_does_not_pay_the_next_cycle() -> None:
    # Its life [1 March, 1 April) does not overlap April: 100 pays March's 60 only.
    ends = rk.Credit(
        "ends", "acme", 100, "EUR", start="2026-03-01T00:00:00Z", expires="2026-04-01T00:00:00Z"
    )
    begins = rk.Credit("begins", "acme", 100, "EUR", start="2026-04-01T00:00:00Z")
    invoices = rk.bill(idle_months(), credits=[ends, begins])
    assert [line.credit for line in invoices[0].credits] == ["ends"]
    assert [line.credit for line in invoices[1].credits] == ["begins"]
    # begins: 100 - 60 (April) = 40, then May 60 - 40 = 20.00 due
    assert [invoice.total for invoice in invoices] == [
        Decimal(t) for t in ("0.00", "0.00", "20.00", "60.00")
    ]


def test_credits_are_spent_in_the_documented_order() -> None:
    # March: 1000 calls at 0.10 = 100.00, but a promotion prices the first half of March
    # 10 % off (0.09): 400 calls on 5 March cost 36.00, 600 on 20 March 60.00: 96.00.
    # Credits of 30 each, spent: priority first (d), then the one expiring first
    # (c before b), then never-expiring by earlier grant (a before z): d 30, c 30, b 30,
    # a the last 6 (24 left), z nothing; y is granted in April and is not offered.
    plan = rk.Plan(
        "promoted",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("api", "api", rk.PerUnit("0.10")),
            rk.PriceEntry(
                "promo", "api", rk.PerUnit("0.09"), end="2026-03-16T00:00:00Z", priority=1
            ),
        ],
        minimums=[rk.Minimum(50)],
    )
    rating = rk.rate([calls(400), calls(600, day="2026-03-20")], plan, span=MARCH)
    start = "2026-03-01T00:00:00Z"
    granted = [
        rk.Credit("z", "acme", 30, "EUR", start="2026-02-01T00:00:00Z"),
        rk.Credit("a", "acme", 30, "EUR", start="2026-01-01T00:00:00Z"),
        rk.Credit("b", "acme", 30, "EUR", start=start, expires="2026-05-01T00:00:00Z"),
        rk.Credit("c", "acme", 30, "EUR", start=start, expires="2026-04-10T00:00:00Z"),
        rk.Credit("d", "acme", 30, "EUR", start=start, priority=2),
        rk.Credit("y", "acme", 30, "EUR", start="2026-04-01T00:00:00Z"),
    ]
    (invoice,) = rk.bill(rating, credits=granted)
    assert invoice.subtotal == Decimal("96.00")
    assert [(line.credit, line.applied, line.left) for line in invoice.credits] == [
        ("d", Decimal(30), Decimal(0)),
        ("c", Decimal(30), Decimal(0)),
        ("b", Decimal(30), Decimal(0)),
        ("a", Decimal(6), Decimal(24)),
        ("z", Decimal(0), Decimal(30)),
    ]
    assert invoice.total == Decimal("0.00")


def test_a_negative_subtotal_is_left_to_the_account() -> None:
    # A refund of 300 calls (-30.00) with no commitment: the credit pays nothing and
    # keeps its 30.
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("api", "api", rk.PerUnit("0.10"))])
    credit = rk.Credit("a", "acme", 30, "EUR", start="2026-03-01T00:00:00Z")
    (invoice,) = rk.bill(rk.rate([calls(-300)], plan, span=MARCH), credits=[credit])
    assert (invoice.subtotal, invoice.total) == (Decimal("-30.00"), Decimal("-30.00"))
    assert invoice.credits == (rk.CreditLine("a", Decimal(30), Decimal(0), Decimal(30), None),)


# --- a prepaid top-up ---------------------------------------------------------------


def test_a_top_up_bought_partly_used_then_lapsing() -> None:
    # No commitment: March 150 calls (15.00), April 300 (30.00), May 100 (10.00), June 100
    # (10.00). A top-up of 60 bought on 20 March, valid to 10 May: it pays March's 15.00
    # (45 left), April's 30.00 (15 left), May's 10.00 (May overlaps its life: 5 left),
    # and its last 5 lapse: June is billed 10.00. A renewing promotional credit of 2 a
    # month (priority 1) pays first every month.
    plan = rk.Plan("payg", "EUR", MONTHS, [rk.PriceEntry("api", "api", rk.PerUnit("0.10"))])
    rows = [
        calls(150, "2026-03-25"),
        calls(300, "2026-04-10"),
        calls(100, "2026-05-20"),
        calls(100, "2026-06-02"),
    ]
    top_up = rk.Credit(
        "top-up", "acme", 60, "EUR", start="2026-03-20T00:00:00Z", expires="2026-05-10T00:00:00Z"
    )
    promo = rk.Credit(
        "promo", "acme", 2, "EUR", start="2026-03-01T00:00:00Z", renews=True, priority=1
    )
    invoices = rk.bill(rk.rate(rows, plan, span=SPRING), credits=[top_up, promo])
    assert [invoice.subtotal for invoice in invoices] == [
        Decimal(t) for t in ("15.00", "30.00", "10.00", "10.00")
    ]
    # March 15 - 2 - 13 = 0 (47 left); April 30 - 2 - 28 = 0 (19 left);
    # May 10 - 2 - 8 = 0 (11 left, lapsing on 10 May); June 10 - 2 = 8.00.
    assert [[(c.credit, c.applied, c.left) for c in invoice.credits] for invoice in invoices] == [
        [("promo", 2, 0), ("top-up", 13, 47)],
        [("promo", 2, 0), ("top-up", 28, 19)],
        [("promo", 2, 0), ("top-up", 8, 11)],
        [("promo", 2, 0)],
    ]
    assert [invoice.total for invoice in invoices] == [
        Decimal(t) for t in ("0.00", "0.00", "0.00", "8.00")
    ]
    assert (
        invoices[2].credits[1].expires
        == rk.Span("2026-05-10T00:00:00Z", "2026-05-11T00:00:00Z").start
    )


def test_billing_month_by_month_with_credits_left_gives_the_invoices_billed_together() -> None:
    plan = rk.Plan("payg", "EUR", MONTHS, [rk.PriceEntry("api", "api", rk.PerUnit("0.10"))])
    rows = [calls(150, "2026-03-25"), calls(300, "2026-04-10"), calls(100, "2026-05-20")]
    top_up = rk.Credit(
        "top-up", "acme", 60, "EUR", start="2026-03-20T00:00:00Z", expires="2026-05-10T00:00:00Z"
    )
    three_months = rk.Span("2026-03-01T00:00:00Z", "2026-06-01T00:00:00Z")
    together = rk.bill(rk.rate(rows, plan, span=three_months), credits=[top_up])
    # 15.00 paid all (45 left), 30.00 all (15 left), 10.00 all (5 left, lapsing)
    assert [invoice.total for invoice in together] == [Decimal("0.00")] * 3
    carried: tuple[rk.Credit, ...] = (top_up,)
    one_by_one = []
    for month in MONTHS.spans(three_months):
        (invoice,) = rk.bill(rk.rate(rows, plan, span=month, accounts=["acme"]), credits=carried)
        carried = rk.credits_left(carried, [invoice])
        one_by_one.append(invoice)
    assert one_by_one == list(together)


# --- an upgrade mid-cycle -----------------------------------------------------------


def test_an_upgrade_mid_cycle_prorates_both_fees_and_both_commitments() -> None:
    # Upgrade on 11 March 00:00: basic covers 10/31 of March, pro 21/31.
    # basic: fee 31 x 10/31 = 10, commitment 62 x 10/31 = 20, 150 calls x 0.10 = 15.00,
    #        top-up 20 - 15 = 5.00;
    # pro:   fee 62 x 21/31 = 42, commitment 93 x 21/31 = 63, allowance 310 x 21/31 = 210
    #        free, (1000 - 210) x 0.05 = 39.50, top-up 63 - 39.50 = 23.50.
    # 15 + 39.50 + 10 + 42 + 5 + 23.50 = 135.00.
    change = "2026-03-11T00:00:00Z"
    upgraded = [rk.Assignment("acme", BASIC, end=change), rk.Assignment("acme", PRO, start=change)]
    rating = rk.rate([calls(150), calls(1000, day="2026-03-20")], upgraded, span=MARCH)
    assert sorted((c.kind, c.plan, c.free, c.amount) for c in rating.charges) == [
        ("fee", "basic", 0, Decimal(10)),
        ("fee", "pro", 0, Decimal(42)),
        ("minimum", "basic", 0, Decimal(5)),
        ("minimum", "pro", 0, Decimal("23.5")),
        ("usage", "basic", 0, Decimal("15.00")),
        ("usage", "pro", 210, Decimal("39.5")),
    ]
    (invoice,) = rk.bill(rating)
    minimum = [line for line in invoice.lines if line.kind == "minimum"]
    assert [(line.amount, line.commitment, line.spent) for line in minimum] == [
        (Decimal("28.50"), Decimal(83), Decimal("54.5"))
    ]
    assert invoice.total == Decimal("135.00")


def test_a_plan_change_at_the_cycle_end_instant_belongs_to_the_next_cycle() -> None:
    # The change at 1 April 00:00: March is basic's whole (fee 31, 1150 calls x 0.10 =
    # 115.00 > 62: 146.00), April pro's whole (fee 62, no usage, commitment 93: 155.00);
    # pro owes nothing for March, basic nothing for April.
    change = "2026-04-01T00:00:00Z"
    upgraded = [rk.Assignment("acme", BASIC, end=change), rk.Assignment("acme", PRO, start=change)]
    two_months = rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z")
    rating = rk.rate([calls(150), calls(1000, day="2026-03-20")], upgraded, span=two_months)
    assert sorted({(charge.cycle.start.month, charge.plan) for charge in rating.charges}) == [
        (3, "basic"),
        (4, "pro"),
    ]
    assert [invoice.total for invoice in rk.bill(rating)] == [Decimal("146.00"), Decimal("155.00")]


def test_the_callers_decimal_context_changes_no_invoice() -> None:
    change = "2026-03-11T00:00:00Z"
    upgraded = [rk.Assignment("acme", BASIC, end=change), rk.Assignment("acme", PRO, start=change)]
    top_up = rk.Credit(
        "top-up",
        "acme",
        "99.99",
        "EUR",
        start="2026-03-20T00:00:00Z",
        expires="2026-05-10T00:00:00Z",
    )

    def invoices() -> tuple[rk.Invoice, ...]:
        rows = [calls(150), calls("1000.5", day="2026-03-20")]
        return rk.bill(rk.rate(rows, upgraded, span=SPRING), credits=[top_up])

    plain = invoices()
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_FLOOR
        context.traps[decimal.Inexact] = True
        hostile = invoices()
    assert hostile == plain
    # March: 15 + (1000.5 - 210) x 0.05 = 39.525 -> 15.00 + 39.52 (half-even on 39.525);
    # top-ups 5.00 and 63 - 39.52 = 23.48; fees 52: 135.00, the credit pays 99.99.
    assert plain[0].subtotal == Decimal("135.00")
    assert plain[0].total == Decimal("35.01")


# --- hostile input ------------------------------------------------------------------

START = "2026-03-01T00:00:00Z"


@pytest.mark.parametrize("amount", [0, -5, "-0.01"])
def test_a_credit_of_zero_or_less_is_refused_naming_the_amount(amount: object) -> None:
    with pytest.raises(
        rk.BadQuantityError, match=r"Credit amount must be greater than 0, not '-?0?\.?[0-9]*'"
    ):
        rk.Credit("c", "acme", amount, "EUR", start=START)


def test_a_credit_in_another_currency_is_refused_when_billed() -> None:
    dollars = rk.Credit("usd", "acme", 30, "USD", start=START)
    with pytest.raises(
        rk.CurrencyMismatchError, match=r"credit 'usd' of account 'acme' is in USD.*EUR"
    ):
        rk.bill(rk.rate([calls(300)], committed(), span=MARCH), credits=[dollars])


def test_a_credit_off_the_quantum_is_refused_when_billed() -> None:
    half_cent = rk.Credit("odd", "acme", "0.005", "EUR", start=START)
    with pytest.raises(rk.BadQuantityError, match=r"credit 'odd' .* 0\.005 EUR.*quantum 0\.01"):
        rk.bill(rk.rate([calls(300)], committed(), span=MARCH), credits=[half_cent])


def test_the_same_credit_id_twice_is_refused() -> None:
    twice = [
        rk.Credit("a", "acme", 30, "EUR", start=START),
        rk.Credit("a", "acme", 40, "EUR", start="2026-03-05T00:00:00Z"),
    ]
    with pytest.raises(rk.BadQuantityError, match="account 'acme' has two credits with id 'a'"):
        rk.bill(rk.rate([calls(300)], committed(), span=MARCH), credits=twice)


def test_one_credit_id_for_two_accounts_is_two_credits() -> None:
    # "unique per account": acme's 'a' pays acme's 50.00 (30 of it), beta's 'a' beta's.
    rows = [calls(300), calls(700, account="beta")]
    both = [
        rk.Credit("a", "acme", 30, "EUR", start=START),
        rk.Credit("a", "beta", 10, "EUR", start=START),
    ]
    invoices = rk.bill(rk.rate(rows, committed(), span=MARCH), credits=both)
    assert [(invoice.account, invoice.total) for invoice in invoices] == [
        ("acme", Decimal("20.00")),
        ("beta", Decimal("60.00")),
    ]


def test_a_top_up_expiring_before_it_starts_is_refused() -> None:
    with pytest.raises(
        rk.BadTimeError, match="Credit 'late' expires at 2026-03-10T00:00:00Z, not after its start"
    ):
        rk.Credit(
            "late", "acme", 10, "EUR", start="2026-03-20T00:00:00Z", expires="2026-03-10T00:00:00Z"
        )
    with pytest.raises(rk.BadTimeError, match="not after its start"):
        rk.Credit(
            "now", "acme", 10, "EUR", start="2026-03-20T00:00:00Z", expires="2026-03-20T00:00:00Z"
        )


def test_a_commitment_of_sixty_digits_is_refused_naming_the_field() -> None:
    with pytest.raises(
        rk.BadQuantityError, match=r"Minimum amount '1{60}' lies outside the numbers"
    ):
        rk.Minimum("1" * 60)


def test_the_largest_commitment_carried_is_billed_to_the_cent() -> None:
    # 30 nines (just under 1E+30) less 5.00 of usage: the invoice is the commitment.
    huge = "9" * 30
    (invoice,) = rk.bill(rk.rate([calls(50)], committed(minimum=huge), span=MARCH))
    assert invoice.lines[1].amount == Decimal("9" * 29 + "4")
    assert invoice.total == Decimal(huge + ".00")


@pytest.mark.parametrize(
    ("amount", "error"),
    [
        (-1, rk.BadPriceError),
        (float("nan"), rk.BadQuantityError),
        (True, rk.RatekitTypeError),
        (None, rk.RatekitTypeError),
    ],
)
def test_a_bad_commitment_is_refused_with_a_ratekit_error(
    amount: object, error: type[Exception]
) -> None:
    with pytest.raises(error, match="Minimum amount"):
        rk.Minimum(amount)


def test_a_commitment_of_a_meter_the_plan_does_not_price_is_refused() -> None:
    with pytest.raises(
        rk.BadPriceError,
        match=r"minimum of meter 'api\.calls', which none of its price entries prices",
    ):
        rk.Plan(
            "p",
            "EUR",
            MONTHS,
            [rk.PriceEntry("api", "api", rk.PerUnit(1))],
            minimums=[rk.Minimum(5, meter="api.calls")],
        )


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("priority", True, rk.RatekitTypeError),
        ("priority", 1.0, rk.RatekitTypeError),
        ("renews", 1, rk.RatekitTypeError),
        ("expires", "garbage", rk.BadTimeError),
        ("granted", 0, rk.BadQuantityError),
    ],
)
def test_a_bad_credit_field_is_refused_naming_it(
    field: str, value: object, error: type[Exception]
) -> None:
    with pytest.raises(error, match=f"Credit {field}"):
        rk.Credit("c", "acme", 10, "EUR", start=START, **{field: value})


# --- the invoices page's words on commitments, checked ------------------------------


def hours(meter: str, quantity: str, resource: str = "r-1") -> rk.UsageRow:
    return rk.UsageRow("acme", meter, resource, MARCH, MARCH, quantity, "hour", {}, ())


def per_meter(meters: tuple[str, ...], minimum: object, **terms: object) -> rk.Plan:
    entries = [rk.PriceEntry(meter, meter, rk.PerUnit(1)) for meter in meters]
    return rk.Plan("p", "EUR", MONTHS, entries, minimums=[rk.Minimum(minimum)], **terms)  # type: ignore[arg-type]


def test_two_lines_of_1005_are_topped_up_from_their_rounded_amounts() -> None:
    # "Two lines of 1.005 on the cent round to 1.00 each; under a commitment of 50 the
    # top-up is 50 - 2.00 = 48.00, not 47.99, and the invoice is 50.00."
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry(e, e, rk.PerUnit("1.005")) for e in ("a", "b")],
        minimums=[rk.Minimum(50)],
    )
    (invoice,) = rk.bill(rk.rate([hours("a", "1"), hours("b", "1")], plan, span=MARCH))
    assert lines_of(invoice) == [
        ("usage", Decimal("1.00")),
        ("usage", Decimal("1.00")),
        ("minimum", Decimal("48.00")),
    ]
    assert invoice.total == Decimal("50.00")


def test_the_top_up_note_says_how_it_is_billed() -> None:
    # 3 x 50 h x 0.0385 = 5.775 spent, printed 5.78: 50 - 5.775 = 44.225 exactly, billed
    # 50.00 - 5.78 = 44.22 (the page's own note).
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.0385"))],
        minimums=[rk.Minimum(50)],
    )
    rows = [hours("vm.hours", "50", f"vm-{n}") for n in range(3)]
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH))
    assert "commitment 50.00 - spent 5.775 = 44.225; billed 50.00 - lines 5.78 = 44.22" in str(
        invoice
    )
    assert invoice.total == Decimal("50.00")


def test_lines_rounded_up_past_the_commitment_keep_a_zero_top_up_line() -> None:
    # 3 x 3.331 = 9.993 < 10 exactly, but ROUND_UP prints 3 x 3.34 = 10.02: the minimum
    # line stays, 0.00, its precise 0.007 in the precise total.
    plan = per_meter(("a", "b", "c"), 10, rounding="ROUND_UP")
    (invoice,) = rk.bill(rk.rate([hours(m, "3.331") for m in "abc"], plan, span=MARCH))
    assert lines_of(invoice)[-1] == ("minimum", Decimal("0.00"))
    assert invoice.lines[-1].precise == Decimal("0.007")
    assert (
        "commitment 10.00 - spent 9.993 = 0.007; billed 0, the lines as rounded reach 10.00"
        in str(invoice)
    )
    assert (invoice.total, invoice.precise_total) == (Decimal("10.02"), Decimal("10.000"))


@pytest.mark.parametrize(
    ("mode", "line", "top_up"),
    [("ROUND_DOWN", "-0.30", "1.30"), ("ROUND_FLOOR", "-0.31", "1.31")],
)
def test_a_negative_line_counts_as_rounded(mode: str, line: str, top_up: str) -> None:
    # "down to the cent, -0.301 is -0.30; with ROUND_FLOOR it is -0.31": 1.00 - line.
    (invoice,) = rk.bill(
        rk.rate([hours("a", "-0.301")], per_meter(("a",), 1, rounding=mode), span=MARCH)
    )
    assert lines_of(invoice) == [("usage", Decimal(line)), ("minimum", Decimal(top_up))]
    assert invoice.total == Decimal("1.00")


def test_a_commitment_cancels_a_correction_below_it() -> None:
    # Minimum(20) and a month of -66.60: topped up by 20 - (-66.60) = 86.60, billed 20.00.
    (invoice,) = rk.bill(rk.rate([hours("a", "-66.60")], per_meter(("a",), 20), span=MARCH))
    assert lines_of(invoice) == [("usage", Decimal("-66.60")), ("minimum", Decimal("86.60"))]
    assert invoice.total == Decimal("20.00")


def test_a_negative_flat_price_is_spending_topped_up_by_the_commitment() -> None:
    # "Flat(-5) with Minimum(50) bills -5.00 and a top-up of 55.00."
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("f", "f", rk.Flat(-5))], minimums=[rk.Minimum(50)]
    )
    (invoice,) = rk.bill(rk.rate([], [rk.Assignment("acme", plan)], span=MARCH))
    assert lines_of(invoice) == [("fee", Decimal("-5.00")), ("minimum", Decimal("55.00"))]


def test_an_owners_commitment_counts_its_own_part_of_a_shared_charge() -> None:
    # Own usage 5.00, a shared 10.00 of which acme holds a quarter (2.50), Minimum(20):
    # top-up 20 - 7.50 = 12.50, invoice 5.00 + 12.50 + 2.50 = 20.00; beta pays 7.50.
    rows = [hours("a", "5"), hours("a", "10", "image")]
    share = rk.Share("acme", "image", {"acme": 1, "beta": 3})
    invoices = rk.bill(rk.rate(rows, per_meter(("a",), 20), span=MARCH, shares=[share]))
    assert [(invoice.account, lines_of(invoice), invoice.total) for invoice in invoices] == [
        (
            "acme",
            [
                ("usage", Decimal("5.00")),
                ("minimum", Decimal("12.50")),
                ("shared", Decimal("2.50")),
            ],
            Decimal("20.00"),
        ),
        ("beta", [("shared", Decimal("7.50"))], Decimal("7.50")),
    ]


# --- more of an upgrade, proration by days, currencies ------------------------------


def test_an_upgrade_off_midnight_with_credits_survives_a_round_trip() -> None:
    # The change at 11 March 07:00: basic 247 of March's 744 hours, pro 497.
    # basic: fee 31 x 247/744 = 10.2916... -> 10.29; commitment 62 x 247/744 = 20.5833...
    #        -> 20.58; 150 calls x 0.10 = 15.00; top-up 20.58 - 15.00 = 5.58.
    # pro:   fee 62 x 497/744 = 41.4166... -> 41.42; commitment 93 x 497/744 = 62.125 ->
    #        62.12 (half-even); free 310 x 497/744 = 207.0833...; (1000 - 207.0833...) x
    #        0.05 = 39.6458... -> its part of the line 39.65; top-up 62.12 - 39.65 = 22.47.
    # The usage line 15 + 39.6458... = 54.6458... -> 54.65; subtotal 54.65 + 10.29 +
    # 41.42 + 5.58 + 22.47 = 134.41; a renewing 5 (priority 3) then a top-up of 40: 89.41.
    change = "2026-03-11T07:00:00Z"
    upgraded = [rk.Assignment("acme", BASIC, end=change), rk.Assignment("acme", PRO, start=change)]
    rating = rk.rate([calls(150), calls(1000, day="2026-03-20")], upgraded, span=MARCH)
    granted = [
        rk.Credit(
            "top-up",
            "acme",
            40,
            "EUR",
            start="2026-03-20T00:00:00Z",
            expires="2026-04-10T00:00:00Z",
        ),
        rk.Credit("monthly", "acme", 5, "EUR", start=START, renews=True, priority=3),
    ]
    (invoice,) = rk.bill(rating, credits=granted)
    assert lines_of(invoice) == [
        ("usage", Decimal("54.65")),
        ("fee", Decimal("10.29")),
        ("fee", Decimal("41.42")),
        ("minimum", Decimal("28.05")),
    ]
    text = str(invoice)
    assert (
        "basic · commitment ~20.583333 - spent 15.00 = ~5.583333; billed 20.58 - lines 15.00 = 5.58"
        in text
    )
    assert (
        "pro · commitment 62.125 - spent ~39.645833 = ~22.479167; billed 62.12 - lines 39.65 = 22.47"
        in text
    )
    assert (invoice.subtotal, invoice.total) == (Decimal("134.41"), Decimal("89.41"))
    assert [(line.credit, line.applied) for line in invoice.credits] == [
        ("monthly", 5),
        ("top-up", 40),
    ]
    assert rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice)))) == invoice
    exported = rk.focus_rows([invoice], provider="saas")
    assert sum(Decimal(row["BilledCost"]) for row in exported) == invoice.total


@pytest.mark.parametrize(
    ("start", "days"),
    [
        ("2026-03-11T12:00:00Z", 21),  # 11 March in Zurich holds its last instant: 11..31
        ("2026-03-10T23:00:00Z", 21),  # Zurich's midnight of 11 March
        ("2026-03-10T22:59:59Z", 22),  # one second before it: 10 March counts too
    ],
)
def test_a_commitment_prorated_by_whole_local_days(start: str, days: int) -> None:
    # proration="days" in Europe/Zurich: fee and commitment of 31 are due days x 1.
    plan = rk.Plan(
        "d",
        "EUR",
        MONTHS,
        [rk.PriceEntry("api", "api", rk.PerUnit(1))],
        minimums=[rk.Minimum(31)],
        fees=[rk.Fee("f", 31)],
        proration="days",
        tz="Europe/Zurich",
    )
    rating = rk.rate([], [rk.Assignment("acme", plan, start=start)], span=MARCH)
    assert [(charge.kind, charge.amount) for charge in rating.charges] == [
        ("fee", Decimal(days)),
        ("minimum", Decimal(days)),
    ]


def test_a_credit_left_in_the_old_currency_is_refused_naming_it() -> None:
    # EUR in March, CHF from April (a change at the cycle boundary, as the streaming page
    # asks). A EUR credit spent in March, or expired before April, is not offered to
    # April; one with a balance left is refused rather than paying francs.
    eur = rk.Plan("eur", "EUR", MONTHS, [], fees=[rk.Fee("base", 30)])
    chf = rk.Plan("chf", "CHF", MONTHS, [], fees=[rk.Fee("base", 30)])
    change = "2026-04-01T00:00:00Z"
    rating = rk.rate(
        [],
        [rk.Assignment("acme", eur, end=change), rk.Assignment("acme", chf, start=change)],
        span=SPRING,
    )
    spent = rk.Credit("spent", "acme", 30, "EUR", start=START)
    expired = rk.Credit("expired", "acme", 50, "EUR", start=START, expires="2026-03-20T00:00:00Z")
    for credit in (spent, expired):
        assert [invoice.total for invoice in rk.bill(rating, credits=[credit])][:2] == [
            Decimal("0.00"),
            Decimal("30.00"),
        ]
    left = rk.Credit("left", "acme", 50, "EUR", start=START)
    with pytest.raises(
        rk.CurrencyMismatchError, match=r"credit 'left' of account 'acme' is in EUR.*CHF"
    ):
        rk.bill(rating, credits=[left])


@pytest.mark.parametrize(
    ("minimums", "rows", "expected"),
    [
        # Signed up on 11 March (21/31). The first tier's flat 20 is a base: 20 x 21/31 =
        # 13.548... -> 13.55, spending on api. A plan-wide 50 -> 33.87; idle: 33.87 - 13.55.
        ([rk.Minimum(50)], [], [("fee", "13.55"), ("minimum", "20.32")]),
        # 1500 calls over all March, 21/31 of them in the plan: 1016.129... calls, 16.129...
        # past the first tier at 0.01 = 0.16; 33.87 - 0.16 - 13.55 = 20.16.
        (
            [rk.Minimum(50)],
            [("api", 1500)],
            [("usage", "0.16"), ("fee", "13.55"), ("minimum", "20.16")],
        ),
        # 10 GB x 21/31 x 0.5 = 3.387... -> 3.39 count plan-wide: 33.87 - 3.39 - 13.55 = 16.93
        (
            [rk.Minimum(50)],
            [("api", 500), ("gb", 10)],
            [("usage", "0.00"), ("usage", "3.39"), ("fee", "13.55"), ("minimum", "16.93")],
        ),
        # ... but not on api's own minimum: 33.87 - 0.00 - 13.55 = 20.32
        (
            [rk.Minimum(50, meter="api")],
            [("api", 500), ("gb", 10)],
            [("usage", "0.00"), ("usage", "3.39"), ("fee", "13.55"), ("minimum", "20.32")],
        ),
        # api's 30 -> 20.32 - 13.55 = 6.77 first, then the plan's 33.87 - (3.39 + 13.55 +
        # 6.77) = 10.16.
        (
            [rk.Minimum(30, meter="api"), rk.Minimum(50)],
            [("api", 500), ("gb", 10)],
            [
                ("usage", "0.00"),
                ("usage", "3.39"),
                ("fee", "13.55"),
                ("minimum", "6.77"),
                ("minimum", "10.16"),
            ],
        ),
    ],
)
def test_a_prices_base_counts_as_spending_on_its_meter(
    minimums: list[rk.Minimum], rows: list[tuple[str, int]], expected: list[tuple[str, str]]
) -> None:
    tiers = rk.Graduated([rk.Tier(1000, 0, flat=20), rk.Tier(None, "0.01")])
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("api", "api", tiers), rk.PriceEntry("gb", "gb", rk.PerUnit("0.5"))],
        minimums=minimums,
    )
    usage = [
        rk.UsageRow("acme", meter, "r", MARCH, MARCH, quantity, "call", {}, ())
        for meter, quantity in rows
    ]
    rating = rk.rate(usage, [rk.Assignment("acme", plan, start="2026-03-11T00:00:00Z")], span=MARCH)
    (invoice,) = rk.bill(rating)
    assert lines_of(invoice) == [(kind, Decimal(amount)) for kind, amount in expected]
