"""apply_credits: credits applied to invoices made otherwise than by bill(..., credits=...).

Above all the streaming rater's closing invoices: credited statement by statement, the
balances carried with credits_left, they are the invoices bill(rate(all), credits=...)
gives (seed 004: Aquarium's monthly credits on a stream of events).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk

T0 = "2026-03-01T00:00:00Z"
VM = rk.Meter("vm.hours", "hour", rk.OnOff())
PLAN = rk.Plan(
    "p",
    "EUR",
    rk.cycles.monthly(tz="UTC"),
    [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
    fees=[rk.Fee("base", 10)],
)
DAILY = rk.Plan(
    "d",
    "EUR",
    rk.cycles.daily(tz="UTC"),
    [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
    fees=[rk.Fee("base", 1)],
)


def event(account: str, at: str, kind: str, key: str) -> rk.Event:
    return rk.Event(account, "vm-1", at, kind=kind, id=key)


def march_april_events() -> list[rk.Event]:
    # acme's VM runs 1 March 00:00 .. 1 March 20:00 (20 h) and 1 April 00:00 .. 2 April
    # 06:00 (30 h); bolt's from 31 March 12:00 on, through both months' ends.
    return [
        event("acme", T0, "start", "a1"),
        event("acme", "2026-03-01T20:00:00Z", "stop", "a2"),
        event("acme", "2026-04-01T00:00:00Z", "start", "a3"),
        event("acme", "2026-04-02T06:00:00Z", "stop", "a4"),
        event("bolt", "2026-03-31T12:00:00Z", "start", "b1"),
    ]


def grants() -> list[rk.Credit]:
    return [
        rk.Credit("welcome", "acme", 15, "EUR", start=T0),
        rk.Credit("monthly", "acme", 2, "EUR", start=T0, renews=True, priority=1),
        rk.Credit("promo", "bolt", "5.50", "EUR", start=T0, expires="2026-04-15T00:00:00Z"),
    ]


def test_the_raters_closing_invoices_credited_one_statement_at_a_time_are_batchs() -> None:
    # March: acme 20 h x 0.10 = 2.00 + fee 10 = 12.00; monthly (priority 1) pays 2, then
    # welcome 10.00, keeping 5.00. bolt 12 h x 0.10 = 1.20 + 10 = 11.20; promo pays 5.50,
    # keeps 0.00: due 5.70.
    # April: acme 30 h = 3.00 + 10 = 13.00; a fresh monthly 2, welcome's last 5.00: 6.00
    # due. bolt runs all April: 720 h = 72.00 + 10 = 82.00; promo is spent: 82.00 due.
    rater = rk.Rater(PLAN, [VM], start=T0)
    carried: list[rk.Credit] | tuple[rk.Credit, ...] = grants()
    closed: list[rk.Invoice] = []
    records = march_april_events()
    for part, watermark in (
        (records[:2] + records[4:], "2026-04-01T00:00:00Z"),
        (records[2:4], "2026-05-01T00:00:00Z"),
    ):
        rater.feed(part)
        invoices = rk.apply_credits(rater.statement(watermark).invoices, carried)
        carried = rk.credits_left(carried, invoices)
        closed += invoices
        # a restart between closings: the snapshot and the credits left, stored together
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [VM])
    totals = [(i.account, i.cycle.start.month, i.subtotal, i.total) for i in closed]
    assert totals == [
        ("acme", 3, Decimal("12.00"), Decimal("0.00")),
        ("bolt", 3, Decimal("11.20"), Decimal("5.70")),
        ("acme", 4, Decimal("13.00"), Decimal("6.00")),
        ("bolt", 4, Decimal("82.00"), Decimal("82.00")),
    ]
    assert [(c.credit, c.available, c.applied, c.left) for c in closed[0].credits] == [
        ("monthly", 2, 2, 0),
        ("welcome", 15, Decimal("10.00"), Decimal("5.00")),
    ]
    assert carried == (rk.Credit("monthly", "acme", 2, "EUR", start=T0, renews=True, priority=1),)
    span = rk.Span(T0, "2026-05-01T00:00:00Z")
    batch = rk.bill(rk.rate(records, PLAN, span=span, meters=[VM]), credits=grants())
    assert sorted(closed, key=lambda i: (i.account, i.cycle.start_us)) == list(batch)


def test_bill_with_credits_is_bill_then_apply_credits() -> None:
    span = rk.Span(T0, "2026-05-01T00:00:00Z")
    rating = rk.rate(march_april_events(), PLAN, span=span, meters=[VM])
    assert rk.apply_credits(rk.bill(rating), grants()) == rk.bill(rating, credits=grants())


def test_invoices_come_back_in_the_order_given() -> None:
    span = rk.Span(T0, "2026-05-01T00:00:00Z")
    invoices = rk.bill(rk.rate(march_april_events(), PLAN, span=span, meters=[VM]))
    backwards = rk.apply_credits(invoices[::-1], grants())
    # credited in cycle order whatever the order given: April's acme invoice still gets
    # only welcome's last 5.00 (and a fresh monthly 2): 13.00 - 7.00 = 6.00
    assert [(i.account, i.cycle.start.month) for i in backwards] == [
        ("bolt", 4),
        ("bolt", 3),
        ("acme", 4),
        ("acme", 3),
    ]
    assert backwards[2].total == Decimal("6.00")
    assert (
        backwards
        == rk.bill(rk.rate(march_april_events(), PLAN, span=span, meters=[VM]), credits=grants())[
            ::-1
        ]
    )


def test_no_credits_and_no_invoices_change_nothing() -> None:
    span = rk.Span(T0, "2026-04-01T00:00:00Z")
    invoices = rk.bill(rk.rate(march_april_events()[:2], PLAN, span=span, meters=[VM]))
    assert rk.apply_credits(invoices, []) == invoices
    assert rk.apply_credits([], grants()) == ()
    # a generator is read once
    assert rk.apply_credits((i for i in invoices), iter(grants()))[0].total == Decimal("0.00")


# --- doors: every refusal names what was wrong and what would be accepted ------------


def one_invoice() -> rk.Invoice:
    span = rk.Span(T0, "2026-04-01T00:00:00Z")
    (invoice,) = rk.bill(rk.rate(march_april_events()[:2], PLAN, span=span, meters=[VM]))
    return invoice


def test_a_single_invoice_or_credit_is_refused_with_what_to_give() -> None:
    invoice = one_invoice()
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"^apply_credits invoices must be a list of Invoice values \(\[\] for none\), "
        r"not Invoice: .*; wrap a single Invoice in a list\.$",
    ):
        rk.apply_credits(invoice, grants())  # type: ignore[arg-type]
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"^apply_credits credits must be a list of Credit values \(\[\] for none\), "
        r"not NoneType: None; wrap a single Credit in a list\.$",
    ):
        rk.apply_credits([invoice], None)  # type: ignore[arg-type]


def test_values_of_other_types_are_refused_by_name() -> None:
    with pytest.raises(
        rk.RatekitTypeError,
        match=r"^apply_credits invoices must be Invoice values \(from bill\(\) or a "
        r"statement\), not dict: \{'total': 5\}\.$",
    ):
        rk.apply_credits([{"total": 5}], [])  # type: ignore[list-item]
    with pytest.raises(
        rk.RatekitTypeError, match=r"^apply_credits credits must be Credit values, not int: 50\.$"
    ):
        rk.apply_credits([one_invoice()], [50])  # type: ignore[list-item]


def test_an_invoice_credited_already_is_refused() -> None:
    (credited,) = rk.apply_credits([one_invoice()], grants())
    with pytest.raises(
        rk.BadQuantityError,
        match=r"^apply_credits invoices: the invoice of account 'acme' for "
        r"2026-03-01T00:00:00Z\.\.2026-04-01T00:00:00Z was credited already \(credit lines "
        r"'monthly', 'welcome'\); apply credits once, to invoices without credit lines",
    ):
        rk.apply_credits([credited], grants())


def test_one_accounts_invoice_of_a_cycle_given_twice_is_refused() -> None:
    invoice = one_invoice()
    with pytest.raises(
        rk.RepeatedIdError,
        match=r"^apply_credits invoices: account 'acme' has two invoices for "
        r"2026-03-01T00:00:00Z\.\.2026-04-01T00:00:00Z \(Invoice\('acme', .*\) and "
        r"Invoice\('acme', .*\)\); give each account's invoice of a cycle once\.$",
    ):
        rk.apply_credits([invoice, invoice], grants())


def test_two_credits_of_one_account_with_one_id_are_refused() -> None:
    twice = [*grants(), rk.Credit("welcome", "acme", 3, "EUR", start=T0)]
    with pytest.raises(
        rk.RepeatedIdError,
        match=r"^apply_credits credits: account 'acme' has two credits with id 'welcome', "
        r"15 EUR from 2026-03-01T00:00:00Z and 3 EUR from 2026-03-01T00:00:00Z",
    ):
        rk.apply_credits([one_invoice()], twice)


def test_a_credit_in_another_currency_is_refused_as_bill_refuses_it() -> None:
    dollars = [rk.Credit("welcome", "acme", 15, "USD", start=T0)]
    with pytest.raises(
        rk.CurrencyMismatchError,
        match=r"^credit 'welcome' of account 'acme' is in USD, but its invoice for "
        r"2026-03-01T00:00:00Z\.\.2026-04-01T00:00:00Z is in EUR; grant credits in the "
        r"currency of the account's plan\.$",
    ):
        rk.apply_credits([one_invoice()], dollars)


def test_a_callers_iterable_that_raises_is_named() -> None:
    def broken() -> object:
        yield one_invoice()
        raise OSError("queue closed")

    with pytest.raises(
        rk.RatekitTypeError,
        match=r"^apply_credits invoices could not be read: its generator raised OSError: "
        r"queue closed; give a list of Invoice values\.$",
    ):
        rk.apply_credits(broken(), [])  # type: ignore[arg-type]


# --- the law: a stream's closings credited one statement at a time are batch's ---------

DAY = dt.timedelta(days=1)
START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[rk.Event], list[rk.Credit], list[int]]:
    """Start/stop events of two accounts over five days, credits, statement days."""
    records = []
    for account in ("acme", "bolt"):
        hours = sorted(draw(st.sets(st.integers(0, 5 * 24 - 1), max_size=6)))
        for number, hour in enumerate(hours):
            kind = "start" if number % 2 == 0 else "stop"
            at = START + dt.timedelta(hours=hour)
            records.append(rk.Event(account, "vm-1", at, kind=kind, id=f"{account}{number}"))
    grants = []
    for account in ("acme", "bolt"):
        for number in range(draw(st.integers(0, 3))):
            start = START + DAY * draw(st.integers(0, 4))
            life = draw(st.none() | st.integers(1, 4))
            grants.append(
                rk.Credit(
                    f"c{number}",
                    account,
                    Decimal(draw(st.integers(1, 400))) / 100,
                    "EUR",
                    start=start,
                    expires=None if life is None else start + DAY * life,
                    priority=draw(st.integers(0, 2)),
                    renews=draw(st.booleans()),
                )
            )
    days = sorted(draw(st.sets(st.integers(1, 5), min_size=1)) | {5})
    return records, grants, days


@pytest.mark.property
@settings(max_examples=max(LAWS // 2, FLOOR), deadline=None)
@given(streams())
def test_closings_credited_statement_by_statement_are_batchs_invoices(
    drawn: tuple[list[rk.Event], list[rk.Credit], list[int]],
) -> None:
    records, grants, days = drawn
    rater = rk.Rater(DAILY, [VM], start=START)
    rater.feed(records)
    carried: list[rk.Credit] | tuple[rk.Credit, ...] = grants
    closed: list[rk.Invoice] = []
    for day in days:
        invoices = rk.apply_credits(rater.statement(START + DAY * day).invoices, carried)
        carried = rk.credits_left(carried, invoices)
        closed += invoices
    span = rk.Span(START, START + DAY * 5)
    batch = rk.bill(rk.rate(records, DAILY, span=span, meters=[VM]), credits=grants)
    assert sorted(closed, key=lambda i: (i.account, i.cycle.start_us)) == list(batch)
    # the oracle: each invoice pays what its credits applied, never below zero, and a
    # one-time credit never pays more than it granted
    for invoice in closed:
        paid = sum((Fraction(line.applied) for line in invoice.credits), Fraction(0))
        assert Fraction(invoice.total) == max(Fraction(0), Fraction(invoice.subtotal) - paid)
        assert invoice.total >= 0
    for grant in grants:
        if not grant.renews:
            spent = sum(
                Fraction(line.applied)
                for invoice in closed
                if invoice.account == grant.account
                for line in invoice.credits
                if line.credit == grant.id
            )
            assert spent <= Fraction(grant.amount)
