"""A credit's id is unique per account: every door that takes credits refuses it twice.

Two credits of one account with one id would be spent, or carried, twice: ``credits_left``
kept both balances (50 granted, 20 left each: 40 carried), and ``bill`` refused them only
when the account had an invoice in the span billed, so the next cycle's call failed
instead. Both doors refuse them before any work, with one message, whatever the invoices.

The refusal is a ``RepeatedIdError``: nothing is wrong with either credit's numbers, so
it is no bad quantity, but it subclasses ``BadQuantityError``, the error it was before.
It names the id and tells each credit by its amount and life, not by a repr that says
the id and the account again. A ``Share`` naming one account twice is refused alike.
"""

from __future__ import annotations

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
PLAN = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 30)])
START = "2026-03-01T00:00:00Z"


def welcome(amount: int = 50, account: str = "acme", start: str = START) -> rk.Credit:
    return rk.Credit("welcome", account, amount, "EUR", start=start)


def march(*accounts: str) -> tuple[rk.Invoice, ...]:
    rating = rk.rate([], [rk.Assignment(a, PLAN) for a in accounts], span=MARCH)
    return rk.bill(rating, credits=[welcome(account=a) for a in accounts])


TWICE = "account 'acme' has two credits with id 'welcome'"
PAIRS = {
    "equal": (welcome(), welcome()),
    "other amounts": (welcome(50), welcome(40)),
    "other starts": (welcome(), welcome(start="2026-03-05T00:00:00Z")),
    "a balance and its grant": (
        welcome(),
        rk.Credit("welcome", "acme", 20, "EUR", start=START, granted=50),
    ),
    "a renewing and a one-time credit": (
        welcome(),
        rk.Credit("welcome", "acme", 5, "EUR", start=START, renews=True),
    ),
}
#: Each pair as the message tells it: by amount and life, not the id and account again.
BRIEFLY = {
    "equal": "both 50 EUR from 2026-03-01T00:00:00Z",
    "other amounts": "50 EUR from 2026-03-01T00:00:00Z and 40 EUR from 2026-03-01T00:00:00Z",
    "other starts": "50 EUR from 2026-03-01T00:00:00Z and 50 EUR from 2026-03-05T00:00:00Z",
    "a balance and its grant": (
        "50 EUR from 2026-03-01T00:00:00Z and 20 EUR from 2026-03-01T00:00:00Z, granted 50"
    ),
    "a renewing and a one-time credit": (
        "50 EUR from 2026-03-01T00:00:00Z and 5 EUR from 2026-03-01T00:00:00Z, renewing"
    ),
}


@pytest.mark.parametrize("name", list(PAIRS))
def test_credits_left_refuses_two_credits_of_an_account_with_one_id(name: str) -> None:
    # Before: the 50 granted once left 20 on March's invoice (50 - 30), and both credits
    # became a balance of 20: 40 carried to April out of one grant of 50.
    pair = PAIRS[name]
    with pytest.raises(rk.RepeatedIdError) as caught:
        rk.credits_left([*pair, welcome(account="beta")], march("acme"))
    assert str(caught.value) == (
        f"credits_left credits: {TWICE}, {BRIEFLY[name]}; give each credit of "
        "an account its own id (and pass on a balance credits_left kept instead of the "
        "credit it came from, not beside it)."
    )
    # a repeated id is no bad quantity, but code that caught it as one still does
    assert isinstance(caught.value, rk.BadQuantityError)


def test_the_refusal_tells_each_credit_by_its_life_and_terms() -> None:
    # expires, priority, renewal and grant, in the order the repr gives them
    long = rk.Credit(
        "welcome",
        "acme",
        5,
        "EUR",
        start=START,
        expires="2026-06-01T00:00:00Z",
        priority=2,
        renews=True,
    )
    with pytest.raises(rk.RepeatedIdError) as caught:
        rk.bill([], credits=[welcome(), long])
    assert str(caught.value) == (
        f"bill credits: {TWICE}, 50 EUR from 2026-03-01T00:00:00Z and 5 EUR from "
        "2026-03-01T00:00:00Z to 2026-06-01T00:00:00Z, priority 2, renewing; give each "
        "credit of an account its own id (and pass on a balance credits_left kept instead "
        "of the credit it came from, not beside it)."
    )


@pytest.mark.parametrize("pair", PAIRS.values(), ids=list(PAIRS))
def test_credits_left_refuses_them_with_no_invoice_and_before_the_invoices(
    pair: tuple[rk.Credit, rk.Credit],
) -> None:
    with pytest.raises(rk.BadQuantityError, match=f"^credits_left credits: {TWICE}, "):
        rk.credits_left(pair, [])
    # the credits are read first: a bad invoice is not what the caller hears of
    with pytest.raises(rk.BadQuantityError, match=f"^credits_left credits: {TWICE}, "):
        rk.credits_left(pair, ["not an invoice"])  # type: ignore[list-item]


@pytest.mark.parametrize("pair", PAIRS.values(), ids=list(PAIRS))
def test_bill_refuses_them_for_an_account_with_no_invoice_too(
    pair: tuple[rk.Credit, rk.Credit],
) -> None:
    # acme has no invoice in this span (only beta is rated): before, the pair passed and
    # only the next cycle's call, the one that bills acme, refused it.
    rating = rk.rate([], [rk.Assignment("beta", PLAN)], span=MARCH)
    with pytest.raises(rk.BadQuantityError, match=f"^bill credits: {TWICE}, "):
        rk.bill(rating, credits=[*pair])
    with pytest.raises(rk.BadQuantityError, match=f"^bill credits: {TWICE}, "):
        rk.bill([], credits=iter(pair))


@pytest.mark.parametrize("pair", PAIRS.values(), ids=list(PAIRS))
def test_bill_refuses_them_for_an_account_it_bills(pair: tuple[rk.Credit, rk.Credit]) -> None:
    rating = rk.rate([], [rk.Assignment("acme", PLAN)], span=MARCH)
    with pytest.raises(rk.BadQuantityError, match=f"^bill credits: {TWICE}, "):
        rk.bill(rating, credits=[welcome(account="beta"), *pair])


def test_one_id_in_two_accounts_is_two_credits_at_both_doors() -> None:
    # acme's and beta's 'welcome' are two credits: each pays its own 30 of 50, 20 left
    invoices = march("acme", "beta")
    assert [(i.account, i.total, i.credits[0].left) for i in invoices] == [
        ("acme", 0, 20),
        ("beta", 0, 20),
    ]
    kept = rk.credits_left([welcome(), welcome(account="beta")], invoices)
    assert [(c.account, c.amount, c.granted) for c in kept] == [("acme", 20, 50), ("beta", 20, 50)]


def test_the_refusal_names_the_first_repeat_and_stays_short() -> None:
    # a thousand credits, the repeat far down, with a long id: named once, message bounded
    name = "x" * 10_000
    many = [rk.Credit(f"c{i}", "acme", 1, "EUR", start=START) for i in range(1000)]
    twice = rk.Credit(name, "acme", 1, "EUR", start=START)
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.credits_left([twice, *many, twice, many[0]], [])
    assert "two credits with id 'xxx" in str(caught.value)
    assert len(str(caught.value)) < 1_000


def test_a_share_naming_an_account_twice_is_a_repeated_id_too() -> None:
    # an account twice in a list of pairs: no share is a bad number, one is given twice
    with pytest.raises(rk.RepeatedIdError) as caught:
        rk.Share("acme", "image-1", [("beta", 1), ("beta", "2.5")])
    assert str(caught.value) == (
        "Share names account 'beta' twice, with shares 1 and 2.5; give it one share."
    )
    assert isinstance(caught.value, rk.BadQuantityError)
