"""Credits: granted once or every cycle, spent in a documented order, never below zero."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MONTH_STARTS = [f"2026-{m:02d}-01T00:00:00Z" for m in range(1, 8)]
SPRING = rk.Span(MONTH_STARTS[2], MONTH_STARTS[5])  # March, April, May
PLAN = rk.Plan(
    "p", "EUR", MONTHS, [rk.PriceEntry("calls", "calls", rk.PerUnit(1))], fees=[rk.Fee("base", 30)]
)


def invoices(*grants: rk.Credit, plan: rk.Plan = PLAN, rows=()) -> tuple[rk.Invoice, ...]:  # type: ignore[no-untyped-def]
    rating = rk.rate(list(rows), [rk.Assignment("acme", plan)], span=SPRING)
    return rk.bill(rating, credits=grants)


def calls(month: int, quantity: str) -> rk.UsageRow:
    cycle = rk.Span(MONTH_STARTS[month - 1], MONTH_STARTS[month])
    return rk.UsageRow("acme", "calls", "app", cycle, cycle, Decimal(quantity), "call", {}, ())


def test_what_is_left_carries_to_the_next_cycle() -> None:
    welcome = rk.Credit("welcome", "acme", 50, "EUR", start=MONTH_STARTS[2])
    march, april, may = invoices(welcome)
    # March: 30 due, the credit pays 30, 20 left; April: 30 due, 20 paid, 10 to pay;
    # May: the credit is spent, 30 to pay (and it no longer shows)
    assert (march.subtotal, march.total) == (Decimal("30.00"), Decimal("0.00"))
    assert march.credits == (
        rk.CreditLine("welcome", Decimal("50.00"), Decimal("30.00"), Decimal("20.00"), None),
    )
    assert (april.total, april.credits[0].applied, april.credits[0].left) == (
        Decimal("10.00"),
        Decimal("20.00"),
        Decimal("0.00"),
    )
    assert (may.total, may.credits) == (Decimal("30.00"), ())


def test_a_credit_serves_the_cycles_that_overlap_its_life() -> None:
    # expires mid-April: April's invoice may still use it; expires at April's start
    # (half-open life [start, expires)): April's may not
    mid_april = rk.Credit(
        "c", "acme", 50, "EUR", start=MONTH_STARTS[2], expires="2026-04-15T00:00:00Z"
    )
    at_april = rk.Credit("c", "acme", 50, "EUR", start=MONTH_STARTS[2], expires=MONTH_STARTS[3])
    assert [i.total for i in invoices(mid_april)] == [Decimal("0.00"), Decimal("10.00"), 30]
    assert [i.total for i in invoices(at_april)] == [Decimal("0.00"), 30, 30]
    # granted in the middle of April: March's invoice does not see it
    late = rk.Credit("c", "acme", 5, "EUR", start="2026-04-20T00:00:00Z")
    assert [i.total for i in invoices(late)] == [30, Decimal("25.00"), 30]


def test_a_renewing_credit_grants_its_amount_each_cycle_and_the_rest_lapses() -> None:
    monthly = rk.Credit("monthly", "acme", 20, "EUR", start=MONTH_STARTS[2], renews=True)
    cheap = rk.Plan("cheap", "EUR", MONTHS, [rk.PriceEntry("calls", "calls", rk.PerUnit(1))])
    march, april = invoices(monthly, plan=cheap, rows=[calls(3, "5"), calls(4, "32")])
    # March: 5 due, 5 paid, 15 left until April's start; April: a fresh 20 (not 35) of 32
    assert (march.total, march.credits[0].left, march.credits[0].expires) == (
        Decimal("0.00"),
        Decimal("15.00"),
        rk.Span(MONTH_STARTS[3], MONTH_STARTS[4]).start,
    )
    assert (april.credits[0].available, april.credits[0].applied, april.total) == (
        Decimal("20.00"),
        Decimal("20.00"),
        Decimal("12.00"),
    )


def test_renewals_stop_at_expiry() -> None:
    monthly = rk.Credit(
        "monthly", "acme", 20, "EUR", start=MONTH_STARTS[2], expires=MONTH_STARTS[4], renews=True
    )
    # March and April get 20 each (30 - 20 = 10 to pay); May gets none
    assert [i.total for i in invoices(monthly)] == [Decimal("10.00"), Decimal("10.00"), 30]


def test_credits_are_spent_by_priority_then_expiry_then_grant_then_id() -> None:
    plain = rk.Credit("a-plain", "acme", 50, "EUR", start=MONTH_STARTS[0])
    urgent = rk.Credit("z-urgent", "acme", 10, "EUR", start=MONTH_STARTS[2], priority=1)
    expiring = rk.Credit(
        "m-expiring", "acme", 10, "EUR", start=MONTH_STARTS[2], expires=MONTH_STARTS[6]
    )
    older = rk.Credit("n-older", "acme", 10, "EUR", start=MONTH_STARTS[1])
    march = invoices(plain, urgent, expiring, older)[0]
    # 30 due: z-urgent (priority 1) pays 10, m-expiring (expires first) 10, then of the two
    # that never expire the earlier grant, a-plain (January), pays the last 10
    assert [(c.credit, c.applied, c.left) for c in march.credits] == [
        ("z-urgent", Decimal("10.00"), Decimal("0.00")),
        ("m-expiring", Decimal("10.00"), Decimal("0.00")),
        ("a-plain", Decimal("10.00"), Decimal("40.00")),
        ("n-older", Decimal("0.00"), Decimal("10.00")),
    ]
    assert march.total == Decimal("0.00")


def test_credits_never_make_a_total_negative_nor_pay_a_negative_one() -> None:
    cheap = rk.Plan("cheap", "EUR", MONTHS, [rk.PriceEntry("calls", "calls", rk.PerUnit(1))])
    credit = rk.Credit("c", "acme", 100, "EUR", start=MONTH_STARTS[2])
    # March: a correction of -5 calls: -5.00 due, the credit pays nothing
    # April: 7 due, the credit pays 7, 93 left
    march, april = invoices(credit, plan=cheap, rows=[calls(3, "-5"), calls(4, "7")])
    assert (march.total, march.credits[0].applied) == (Decimal("-5.00"), 0)
    assert (april.total, april.credits[0].left) == (Decimal("0.00"), Decimal("93.00"))


def test_the_invoice_shows_each_credit_and_its_balance() -> None:
    credit = rk.Credit("welcome", "acme", 50, "EUR", start=MONTH_STARTS[2])
    text = str(invoices(credit)[0])
    # 30 due; the credit had 50, pays 30 (printed as -30.00) and keeps 20
    assert text.splitlines()[3:] == [
        "  fee · base                1 cycle          30   30.00",
        "",
        "  subtotal                                        30.00",
        "  credit · welcome  50.00 available  20.00 left  -30.00",
        "  total                                            0.00",
    ]


def test_credit_errors_name_the_credit_and_what_is_accepted() -> None:
    with pytest.raises(rk.BadQuantityError, match=r"Credit amount must be greater than 0, not '0'"):
        rk.Credit("c", "acme", 0, "EUR", start=MONTH_STARTS[0])
    with pytest.raises(
        rk.BadTimeError, match=r"Credit 'c' expires at 2026-01-01T00:00:00Z, not after its start"
    ):
        rk.Credit("c", "acme", 5, "EUR", start=MONTH_STARTS[0], expires=MONTH_STARTS[0])
    with pytest.raises(rk.RatekitTypeError, match=r"Credit account must be a non-empty string"):
        rk.Credit("c", "", 5, "EUR", start=MONTH_STARTS[0])
    with pytest.raises(rk.CurrencyMismatchError, match=r"credit 'c' of account 'acme' is in USD"):
        invoices(rk.Credit("c", "acme", 5, "USD", start=MONTH_STARTS[0]))
    with pytest.raises(rk.BadQuantityError, match=r"grants 0.005 EUR, which is not a whole number"):
        invoices(rk.Credit("c", "acme", "0.005", "EUR", start=MONTH_STARTS[0]))
    twice = rk.Credit("c", "acme", 5, "EUR", start=MONTH_STARTS[0])
    with pytest.raises(rk.BadQuantityError, match=r"two credits with id 'c'"):
        invoices(twice, twice)
    with pytest.raises(rk.RatekitTypeError, match=r"bill credits must be Credit values, not int"):
        rk.bill([], credits=[5])  # type: ignore[list-item]


def test_credits_of_other_accounts_do_not_apply() -> None:
    other = rk.Credit("c", "beta", 50, "EUR", start=MONTH_STARTS[0])
    assert [i.total for i in invoices(other)] == [30, 30, 30]


CREDITS = st.lists(
    st.tuples(
        st.decimals("0.01", "60", places=2),
        st.integers(0, 4),  # granted at the start of month index
        st.one_of(st.none(), st.integers(1, 4)),  # lasts that many months
        st.integers(0, 2),  # priority
        st.booleans(),  # renews
    ),
    max_size=4,
)


@given(st.lists(st.decimals("-10", "80", places=2), min_size=3, max_size=3), CREDITS)
def test_credits_pay_what_they_can_and_their_balances_are_conserved(usage, specs) -> None:  # type: ignore[no-untyped-def]
    cheap = rk.Plan("cheap", "EUR", MONTHS, [rk.PriceEntry("calls", "calls", rk.PerUnit(1))])
    rows = [calls(3 + i, str(q)) for i, q in enumerate(usage)]
    grants = [
        rk.Credit(
            f"c{i}",
            "acme",
            amount,
            "EUR",
            start=MONTH_STARTS[start],
            expires=None if lasts is None else MONTH_STARTS[min(start + lasts, 6)],
            priority=priority,
            renews=renews,
        )
        for i, (amount, start, lasts, priority, renews) in enumerate(specs)
    ]
    bills = invoices(*grants, plan=cheap, rows=rows)
    for invoice in bills:
        available = sum((Fraction(c.available) for c in invoice.credits), Fraction(0))
        subtotal = Fraction(invoice.subtotal)
        expected = subtotal if subtotal <= 0 else max(Fraction(0), subtotal - available)
        assert Fraction(invoice.total) == expected
        assert (
            sum((c.applied for c in invoice.credits), Decimal(0))
            == invoice.subtotal - invoice.total
        )
        for line in invoice.credits:
            assert line.left == line.available - line.applied >= 0
    # a one-time credit's amount = what it paid + what its last line has left
    for credit in grants:
        if credit.renews:
            continue
        lines = [c for i in bills for c in i.credits if c.credit == credit.id]
        if lines:
            assert sum((c.applied for c in lines), Decimal(0)) + lines[-1].left == credit.amount
            assert lines[0].available == credit.amount


def test_billing_one_cycle_at_a_time_carries_the_balance_with_credits_left() -> None:
    welcome = rk.Credit("welcome", "acme", 50, "EUR", start=MONTH_STARTS[2])
    monthly = rk.Credit("monthly", "acme", 5, "EUR", start=MONTH_STARTS[2], renews=True)
    together = invoices(welcome, monthly)
    plan = [rk.Assignment("acme", PLAN)]
    grants: tuple[rk.Credit, ...] = (welcome, monthly)
    one_by_one = []
    for month in (3, 4, 5):
        cycle = rk.Span(MONTH_STARTS[month - 1], MONTH_STARTS[month])
        billed = rk.bill(rk.rate([], plan, span=cycle), credits=grants)
        one_by_one.extend(billed)
        grants = rk.credits_left(grants, billed)
    # March: 30 - 5 (monthly) - 25 (welcome, 25 left); April: 30 - 5 - 25 (welcome spent,
    # dropped); May: 30 - 5 = 25
    assert one_by_one == list(together)
    assert [i.total for i in one_by_one] == [Decimal("0.00"), Decimal("0.00"), Decimal("25.00")]
    assert grants == (monthly,)
    with pytest.raises(rk.RatekitTypeError, match=r"credits_left takes Credit values, not str"):
        rk.credits_left(["welcome"], one_by_one)  # type: ignore[list-item]


def test_a_renewing_credit_that_starts_mid_cycle_grants_its_whole_amount_there() -> None:
    monthly = rk.Credit("monthly", "acme", 20, "EUR", start="2026-03-15T00:00:00Z", renews=True)
    march = invoices(monthly)[0]
    # not prorated: 20 of March's 30, so 10 to pay; the grant lapses at April's start
    assert (march.total, march.credits[0].available) == (Decimal("10.00"), Decimal("20.00"))
    assert march.credits[0].expires == rk.Span(MONTH_STARTS[3], MONTH_STARTS[4]).start


def test_a_credit_priority_is_a_whole_number_and_renews_a_bool() -> None:
    # a priority of "x" used to reach the spending order and fail there with a TypeError,
    # and renews="no" was taken as true
    start = MONTH_STARTS[0]
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"^Credit priority must be a whole number \(higher is spent first; 0 by "
        r"default\), not str: 'x'\.$",
    ):
        rk.Credit("c", "acme", 5, "EUR", start=start, priority="x")  # type: ignore[arg-type]
    for bad in (None, 1.5, True):
        with pytest.raises(rk.RatekitTypeError, match=r"Credit priority must be a whole number"):
            rk.Credit("c", "acme", 5, "EUR", start=start, priority=bad)  # type: ignore[arg-type]
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"^Credit renews must be True \(granted anew every cycle\) or False \(granted "
        r"once\), not str: 'no'\.$",
    ):
        rk.Credit("c", "acme", 5, "EUR", start=start, renews="no")  # type: ignore[arg-type]
    assert rk.Credit("c", "acme", 5, "EUR", start=start, priority=-3).priority == -3


def test_huge_and_long_credit_amounts_are_refused_by_name_not_by_decimal() -> None:
    start = MONTH_STARTS[2]
    # 1E+58 used to escape as decimal.InvalidOperation from the quantum check; the one
    # door for numbers now refuses it (and 1E-51) by name, before credits' own rules
    door = (
        r"lies outside the numbers ratekit represents exactly: give at most 60 significant "
        r"digits and, unless zero, a magnitude from 1E-30 up to but excluding 1E\+30\.$"
    )
    with pytest.raises(rk.BadQuantityError, match=r"^Credit amount Decimal\('1E\+58'\) " + door):
        rk.Credit("c", "acme", Decimal("1E+58"), "EUR", start=start)
    with pytest.raises(rk.BadQuantityError, match=r"^Credit amount Decimal\('1E-51'\) " + door):
        rk.Credit("c", "acme", Decimal("1E-51"), "EUR", start=start)
    # within the door's range, 51 decimal places are still more than credits count in
    with pytest.raises(rk.BadQuantityError, match=r"^Credit amount has more than 50 decimal"):
        rk.Credit("c", "acme", "0." + "1" * 51, "EUR", start=start)
    # 10^29 has 30 digits, 52 on a quantum of 1E-22: refused when billed, naming the credit
    fine = rk.Plan("p", "EUR", MONTHS, [], fees=[rk.Fee("base", 30)], quantum="1E-22")
    with pytest.raises(
        rk.BadQuantityError,
        match=r"^credit 'big' of account 'acme' grants 1(0){29} EUR, which has 52 digits on "
        r"the invoice's quantum 0\.0{21}1; grant at most 50 digits on it \(less than 10\^28 "
        r"EUR\)\.$",
    ):
        invoices(rk.Credit("big", "acme", Decimal("1E+29"), "EUR", start=start), plan=fine)
    # 10^30 - 0.01 has 32 digits on the cent: spent like any other (30 of it in March)
    # (written out: Python's default 28-digit context would round 10^30 - 0.01 to 10^30)
    rich = rk.Credit("rich", "acme", "9" * 30 + ".99", "EUR", start=start)
    march = invoices(rich)[0]
    assert march.total == 0
    assert march.credits[0].left == Decimal("9" * 28 + "69.99")
    # a grant finer than the cent is named in plain digits, never 1E-7
    with pytest.raises(rk.BadQuantityError, match=r"grants 0\.0000001 EUR, which is not a whole"):
        invoices(rk.Credit("c", "acme", Decimal("1E-7"), "EUR", start=start))


def test_credit_reprs_never_print_exponent_notation() -> None:
    # 1E+29: the largest power of ten the door for numbers takes (1E+30 is refused)
    credit = rk.Credit("c", "acme", Decimal("1E+29"), "EUR", start=MONTH_STARTS[2])
    assert repr(credit) == (
        "Credit('c', 'acme', 100000000000000000000000000000 EUR, start='2026-03-01T00:00:00Z')"
    )
    # March: 30 paid of 10^29, 10^29 - 30 left
    line = invoices(credit)[0].credits[0]
    assert repr(line) == f"CreditLine('c', applied=30.00, left={'9' * 27}70.00)"
    assert "E" not in repr(rk.CreditLine("c", Decimal("1E+3"), Decimal(0), Decimal("1E+3"), None))


def test_bill_refuses_a_single_credit_or_none_with_what_it_takes() -> None:
    credit = rk.Credit("c", "acme", 5, "EUR", start=MONTH_STARTS[2])
    rating = rk.rate([], [rk.Assignment("acme", PLAN)], span=SPRING)
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"^bill credits must be a list of Credit values \(\[\] for none\), not Credit: "
        r"Credit\('c', 'acme', 5 EUR, start='2026-03-01T00:00:00Z'\); wrap a single Credit "
        r"in a list\.$",
    ):
        rk.bill(rating, credits=credit)  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError, match=r"not NoneType: None"):
        rk.bill(rating, credits=None)  # type: ignore[arg-type]
    with pytest.raises(rk.RatekitTypeError, match=r"not str: 'c'"):
        rk.bill(rating, credits="c")  # type: ignore[arg-type]
    # a generator is a collection like any other: March 30 - 5 = 25
    assert rk.bill(rating, credits=iter([credit]))[0].total == Decimal("25.00")


CYCLE_CREDITS = st.lists(
    st.tuples(
        st.integers(1, 6000),  # cents
        st.integers(0, 5),  # granted at this half month (0: Jan 1st, 1: Jan 15th, ...)
        st.one_of(st.none(), st.integers(1, 6)),  # expires that many half months later
        st.integers(0, 2),  # priority
        st.booleans(),  # renews
        st.sampled_from(["acme", "beta"]),
    ),
    max_size=5,
)
HALF_MONTHS = [f"2026-{m:02d}-{d}T00:00:00Z" for m in range(1, 8) for d in ("01", "15")]


@given(CYCLE_CREDITS, st.lists(st.integers(0, 40), min_size=8, max_size=8))
def test_billing_cycle_by_cycle_with_credits_left_is_billing_the_months_together(
    specs, usage
) -> None:  # type: ignore[no-untyped-def]
    # the law: for any credits (once or renewing, expiring mid-cycle or not, by priority)
    # and any usage, bill one month at a time carrying credits_left = bill all at once;
    # and every credit's grant is conserved: granted = paid + left
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("calls", "calls", rk.PerUnit(1))], fees=[rk.Fee("b", 7)]
    )
    assigned = [rk.Assignment("acme", plan), rk.Assignment("beta", plan)]
    rows = []
    for i, quantity in enumerate(usage):
        account, month = ("acme", "beta")[i % 2], i // 2
        cycle = rk.Span(MONTH_STARTS[month], MONTH_STARTS[month + 1])
        rows.append(rk.UsageRow(account, "calls", "r", cycle, cycle, quantity, "call", {}, ()))
    grants = [
        rk.Credit(
            f"c{i}",
            account,
            Decimal(cents) / 100,
            "EUR",
            start=HALF_MONTHS[start],
            expires=None if lasts is None else HALF_MONTHS[start + lasts],
            priority=priority,
            renews=renews,
        )
        for i, (cents, start, lasts, priority, renews, account) in enumerate(specs)
    ]
    together = rk.bill(
        rk.rate(rows, assigned, span=rk.Span(MONTH_STARTS[0], MONTH_STARTS[4])), credits=grants
    )
    held: tuple[rk.Credit, ...] = tuple(grants)
    one_by_one: list[rk.Invoice] = []
    for month in range(4):
        cycle = rk.Span(MONTH_STARTS[month], MONTH_STARTS[month + 1])
        billed = rk.bill(rk.rate(rows, assigned, span=cycle), credits=held)
        one_by_one.extend(billed)
        held = rk.credits_left(held, billed)
    assert sorted(one_by_one, key=lambda i: (i.account, i.cycle.start_us)) == list(together)
    for invoice in together:
        assert invoice.total >= 0
        assert invoice.subtotal - sum((c.applied for c in invoice.credits), Decimal(0)) == (
            invoice.total
        )
    for credit in grants:
        lines = [c for i in together if i.account == credit.account for c in i.credits]
        lines = [c for c in lines if c.credit == credit.id]
        if credit.renews:
            assert all(c.available == credit.amount == c.applied + c.left for c in lines)
        elif lines:
            assert sum((c.applied for c in lines), Decimal(0)) + lines[-1].left == credit.amount


def test_after_a_plan_change_credits_are_spent_on_the_latest_plans_quantum() -> None:
    # acme moves on March 25th from a plan on the cent to one on whole euros; the invoice
    # is rounded on the latest plan's quantum (1): fee a 10.37 x 24/31 = 8.028.. -> 8,
    # fee b 10 x 7/31 = 2.258.. -> 2; subtotal 10. The credit was checked on the first
    # line's quantum (0.01), so 0.37 was taken and the total printed 9.63
    march = rk.Span(MONTH_STARTS[2], MONTH_STARTS[3])
    cents = rk.Plan("cents", "EUR", MONTHS, [], fees=[rk.Fee("a", "10.37")])
    euros = rk.Plan("euros", "EUR", MONTHS, [], fees=[rk.Fee("b", 10)], quantum="1")
    change = "2026-03-25T00:00:00Z"
    rating = rk.rate(
        [],
        [rk.Assignment("acme", cents, end=change), rk.Assignment("acme", euros, start=change)],
        span=march,
    )
    with pytest.raises(
        rk.BadQuantityError,
        match=r"^credit 'c' of account 'acme' grants 0\.37 EUR, which is not a whole number "
        r"of the invoice's quantum 1; round the credit to 1\.$",
    ):
        rk.bill(rating, credits=[rk.Credit("c", "acme", "0.37", "EUR", start=march.start)])
    (invoice,) = rk.bill(rating, credits=[rk.Credit("c", "acme", 3, "EUR", start=march.start)])
    assert (invoice.subtotal, invoice.total) == (Decimal(10), Decimal(7))
    assert (invoice.credits[0].applied, invoice.credits[0].left) == (3, 0)


def test_credits_left_reads_the_latest_invoice_whatever_the_order_given() -> None:
    welcome = rk.Credit("welcome", "acme", 50, "EUR", start=MONTH_STARTS[2])
    march, april, may = invoices(welcome)
    # March leaves 50 - 30 = 20, April 20 - 20 = 0 (spent: dropped); May has no line.
    # Given newest first, the March line (20 left) used to win, granting 20 again.
    assert rk.credits_left([welcome], [may, april, march]) == ()
    assert rk.credits_left([welcome], [march]) == (with_amount(welcome, Decimal("20.00")),)


def with_amount(credit: rk.Credit, amount: Decimal) -> rk.Credit:
    # a balance carried over keeps what was granted (so a later quantum checks the grant)
    return rk.Credit(
        credit.id,
        credit.account,
        amount,
        credit.currency,
        start=credit.start,
        granted=credit.amount,
    )


def test_credits_left_and_bill_tz_refuse_what_they_do_not_take() -> None:
    # each used to escape as AttributeError or TypeError
    with pytest.raises(
        rk.RatekitTypeError, match=r"^credits_left takes the invoices bill returned, not int: 1\.$"
    ):
        rk.credits_left([], [1])  # type: ignore[list-item]
    with pytest.raises(
        rk.RatekitTypeError, match=r"^credits_left credits must be a list, not NoneType: None\.$"
    ):
        rk.credits_left(None, [])  # type: ignore[arg-type]
    # the one timezone door (_zones.zone) refuses a non-name by its type
    with pytest.raises(rk.RatekitTypeError) as caught:
        invoices_in_tz(5)
    assert str(caught.value) == (
        "bill tz must be a timezone, not int: 5; give an IANA name such as 'Europe/Zurich', "
        "'America/New_York' or 'UTC', or a fixed offset such as 'UTC+05:45' (as text, a "
        "zoneinfo.ZoneInfo or a datetime.timezone)."
    )


def invoices_in_tz(tz: object) -> tuple[rk.Invoice, ...]:
    rating = rk.rate([], [rk.Assignment("acme", PLAN)], span=SPRING)
    return rk.bill(rating, tz=tz)  # type: ignore[arg-type]


def shared_part_on_the_cent(quantum: str, fee: str, credit: str, used: int) -> rk.Invoice:
    """beta's invoice: its fee on ``quantum``, half of acme's disk (on the cent), a credit."""
    march = rk.Span(MONTH_STARTS[2], MONTH_STARTS[3])
    cents = rk.Plan("cents", "EUR", MONTHS, [rk.PriceEntry("d", "gb", rk.PerUnit("0.01"))])
    coarse = rk.Plan("coarse", "EUR", MONTHS, [], fees=[rk.Fee("f", fee)], quantum=quantum)
    rows = [rk.UsageRow("acme", "gb", "img", march, march, used, "GB", {}, ())]
    assigned = [rk.Assignment("acme", cents), rk.Assignment("beta", coarse)]
    return rk.bill(
        rk.rate(
            rows, assigned, span=march, shares=[rk.Share("acme", "img", {"acme": 1, "beta": 1})]
        ),
        credits=[rk.Credit("c", "beta", credit, "EUR", start=march.start)],
    )[1]


def test_a_credit_never_pays_more_than_is_due_on_an_invoice_of_mixed_quanta() -> None:
    # beta's invoice is rounded on whole euros (fee 10) and holds half of acme's disk,
    # 700 x 0.01 = 7.00 / 2 = 3.50, on the cent: 13.50 due. The credit's payment was
    # 13.50 rounded to the nearest euro, 14, and the total -0.50. It now pays the most
    # whole euros not above what is due: 13, leaving 87 and 0.50 to pay.
    invoice = shared_part_on_the_cent("1", "10", "100", 700)
    assert invoice.subtotal == Decimal("13.50")
    assert (invoice.credits[0].applied, invoice.credits[0].left) == (13, 87)
    assert invoice.total == Decimal("0.50")


@given(
    st.sampled_from(["0.01", "0.05", "1", "0.1"]),
    st.integers(0, 5000),
    st.integers(1, 3000),
    st.integers(1, 200),
)
def test_credits_never_make_a_total_negative_whatever_the_quanta(
    quantum, cents, used, grant
) -> None:  # type: ignore[no-untyped-def]
    # the law, on invoices whose lines are on several quanta: the total is never below
    # zero, every payment is a whole number of the invoice's quantum, and nothing is lost
    fee = str(Decimal(cents) / 100)
    amount = Decimal(grant) * Decimal(quantum)
    invoice = shared_part_on_the_cent(quantum, fee, str(amount), used)
    line = invoice.credits[0]
    assert invoice.total >= 0
    assert Fraction(line.applied) % Fraction(quantum) == 0
    assert line.applied + line.left == amount
    assert invoice.subtotal - line.applied == invoice.total
    # and it pays all it can: what is left to pay is less than a quantum, or the credit is spent
    assert invoice.total < Decimal(quantum) or line.left == 0


def test_a_balance_off_a_new_quantum_pays_in_whole_quanta_one_month_at_a_time() -> None:
    # January on 0.05, February on whole francs; a credit of 10.00. January: usage 2.33 ->
    # 2.35, paid, 7.65 left. February: usage 3.2 -> 3, paid 3 of the 7.65 (whole francs),
    # 4.65 left. Billing February alone with credits_left's 7.65 used to raise
    # BadQuantityError (7.65 is not whole francs); the grant (10.00) is what is checked.
    cents = rk.Plan("a", "CHF", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))], quantum="0.05")
    francs = rk.Plan("b", "CHF", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))], quantum=1)
    assigned = [
        rk.Assignment("x", cents, end=MONTH_STARTS[1]),
        rk.Assignment("x", francs, start=MONTH_STARTS[1]),
    ]
    jan = rk.Span(MONTH_STARTS[0], MONTH_STARTS[1])
    feb = rk.Span(MONTH_STARTS[1], MONTH_STARTS[2])
    rows = [
        rk.UsageRow("x", "m", "r", jan, jan, Decimal("2.33"), "u", {}, ()),
        rk.UsageRow("x", "m", "r", feb, feb, Decimal("3.2"), "u", {}, ()),
    ]
    grant = rk.Credit("c", "x", "10.00", "CHF", start=MONTH_STARTS[0])
    together = rk.bill(rk.rate(rows, assigned, span=rk.Span(jan.start, feb.end)), credits=[grant])
    (january,) = rk.bill(rk.rate(rows, assigned, span=jan), credits=[grant])
    held = rk.credits_left([grant], [january])
    assert held == (rk.Credit("c", "x", "7.65", "CHF", start=MONTH_STARTS[0], granted="10.00"),)
    assert repr(held[0]) == (
        "Credit('c', 'x', 7.65 CHF, start='2026-01-01T00:00:00Z', granted=10.00)"
    )
    (february,) = rk.bill(rk.rate(rows, assigned, span=feb), credits=held)
    assert (february.credits[0].applied, february.credits[0].left) == (3, Decimal("4.65"))
    assert (january, february) == together
    # a fresh grant of 7.65 on whole francs is still refused, naming it
    with pytest.raises(
        rk.BadQuantityError,
        match=r"^credit 'c' of account 'x' grants 7\.65 CHF, which is not a whole number of "
        r"the invoice's quantum 1; round the credit to 1\.$",
    ):
        rk.bill(
            rk.rate(rows, assigned, span=feb),
            credits=[rk.Credit("c", "x", "7.65", "CHF", start=MONTH_STARTS[0])],
        )
    # and a carried balance above its grant is refused when built
    with pytest.raises(
        rk.BadQuantityError,
        match=r"^Credit 'c' has 12 CHF left of a grant of 10; a balance cannot exceed its grant",
    ):
        rk.Credit("c", "x", 12, "CHF", start=MONTH_STARTS[0], granted=10)


QUANTA = ["0.01", "0.05", "0.25", "1"]


@settings(max_examples=LAWS, deadline=None)
@given(
    st.lists(st.sampled_from(QUANTA), min_size=3, max_size=3),
    st.lists(st.integers(0, 900), min_size=3, max_size=3),
    st.lists(st.tuples(st.integers(1, 12), st.integers(0, 2)), min_size=1, max_size=3),
)
def test_credits_left_across_quantum_changes_is_billing_together(
    quanta: list[str], hundredths: list[int], specs: list[tuple[int, int]]
) -> None:
    # the law, with a plan on its own quantum each month: one month at a time carrying
    # credits_left gives the invoices of billing the months together
    assigned = [
        rk.Assignment(
            "x",
            rk.Plan(f"p{m}", "CHF", MONTHS, [rk.PriceEntry("e", "m", rk.PerUnit(1))], quantum=q),
            start=None if m == 0 else MONTH_STARTS[m],
            end=None if m == 2 else MONTH_STARTS[m + 1],
        )
        for m, q in enumerate(quanta)
    ]
    months = [rk.Span(MONTH_STARTS[m], MONTH_STARTS[m + 1]) for m in range(3)]
    rows = [
        rk.UsageRow("x", "m", "r", cycle, cycle, Decimal(h) / 100, "u", {}, ())
        for cycle, h in zip(months, hundredths, strict=True)
    ]
    grants = [
        rk.Credit(f"c{i}", "x", francs, "CHF", start=MONTH_STARTS[0], priority=priority)
        for i, (francs, priority) in enumerate(specs)
    ]
    together = rk.bill(
        rk.rate(rows, assigned, span=rk.Span(months[0].start, months[2].end)), credits=grants
    )
    held: tuple[rk.Credit, ...] = tuple(grants)
    one_by_one: list[rk.Invoice] = []
    for cycle in months:
        billed = rk.bill(rk.rate(rows, assigned, span=cycle), credits=held)
        one_by_one.extend(billed)
        held = rk.credits_left(held, billed)
    assert tuple(one_by_one) == together
    paid = sum((Fraction(line.applied) for i in together for line in i.credits), Fraction(0))
    left = sum((Fraction(c.amount) for c in held), Fraction(0))
    assert paid + left == sum((Fraction(c.amount) for c in grants), Fraction(0))


@pytest.mark.parametrize(
    ("granted", "error", "message"),
    [
        ("abc", rk.BadQuantityError, "Credit granted 'abc' is not a decimal number; write it "),
        (-1, rk.BadQuantityError, "Credit granted must be greater than 0, not '-1'; "),
        (float("nan"), rk.BadQuantityError, "Credit granted must be a finite number, not nan."),
        (True, rk.RatekitTypeError, "Credit granted must be a number (int, str, Decimal or "),
    ],
)
def test_a_bad_granted_is_refused_naming_granted_not_amount(
    granted: object, error: type[Exception], message: str
) -> None:
    # was: "Credit amount 'abc' is not a decimal number", the amount being fine
    with pytest.raises(error) as caught:
        rk.Credit("c", "acme", "10", "EUR", "2026-03-01T00:00:00Z", granted=granted)
    assert str(caught.value).startswith(message)
