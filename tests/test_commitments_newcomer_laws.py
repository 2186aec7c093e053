"""Laws of commitments and credits, against a ``fractions.Fraction`` oracle.

The oracle is the invoices page read literally: each line rounded once on the quantum
with the plan's rounding mode; a commitment (prorated to the part of the cycle the plan
covers, then put on the quantum) tops the lines it counts up to it; fees are apart;
credits then pay the subtotal, higher priority first, then the balance that lapses
first (never-expiring last), then the earlier grant, then the id, never more than is
due and nothing of a subtotal below zero.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
UTC = dt.UTC
FOUR_MONTHS = rk.Span("2026-03-01T00:00:00Z", "2026-07-01T00:00:00Z")
MONTH_SPANS = MONTHS.spans(FOUR_MONTHS)
NEVER = dt.datetime.max.replace(tzinfo=UTC)
Terms = tuple[str, str, str, str, str, str, int]  # price, fee, minimum, free, quantum, mode, day
MODES = [
    "ROUND_HALF_EVEN",
    "ROUND_HALF_UP",
    "ROUND_FLOOR",
    "ROUND_CEILING",
    "ROUND_DOWN",
    "ROUND_UP",
]


def rounded(amount: Fraction, quantum: Fraction, mode: str) -> Fraction:
    """``amount`` on a whole number of ``quantum`` by ``mode``, as Decimal documents them."""
    steps = amount / quantum
    sign = -1 if steps < 0 else 1
    size = abs(steps)
    low = math.floor(size)
    rest = size - low
    if mode == "ROUND_FLOOR":
        whole = math.floor(steps)
    elif mode == "ROUND_CEILING":
        whole = math.ceil(steps)
    elif mode == "ROUND_DOWN":
        whole = sign * low
    elif mode == "ROUND_UP":
        whole = sign * (low + (rest > 0))
    elif mode == "ROUND_HALF_UP":
        whole = sign * (low + (rest >= Fraction(1, 2)))
    else:  # half-even
        up = rest > Fraction(1, 2) or (rest == Fraction(1, 2) and low % 2 == 1)
        whole = sign * (low + up)
    return whole * quantum


def subtotals(used: dict[int, int], terms: Terms) -> dict[int, Fraction]:
    """Each month's subtotal (3 to 6), for an account whose plan starts on March's ``joined``."""
    price, fee, minimum, free, quantum, mode, joined = terms
    totals = {}
    for month in (3, 4, 5, 6):
        covered = Fraction(32 - joined, 31) if month == 3 else Fraction(1)

        def line(amount: Fraction) -> Fraction:
            return rounded(amount, Fraction(quantum), mode)

        net = used.get(month, 0)
        billable = net if net < 0 else max(Fraction(0), net - Fraction(free) * covered)
        usage = line(Fraction(price) * billable)
        commitment = line(Fraction(minimum) * covered)
        top_up = commitment - usage if usage < commitment else Fraction(0)
        totals[month] = usage + top_up + line(Fraction(fee) * covered)
    return totals


def paid(
    subtotal: Fraction, offered: list[tuple[tuple[object, ...], str, Fraction]]
) -> dict[str, Fraction]:
    """What each credit pays of ``subtotal``, in the documented order."""
    due = max(subtotal, Fraction(0))
    paying = {}
    for _, credit, balance in sorted(offered):
        paying[credit] = min(balance, due)
        due -= paying[credit]
    return paying


def instant(month: int, day: int) -> dt.datetime:
    return dt.datetime(2026, month, day, tzinfo=UTC)


@st.composite
def drawn_credits(draw: st.DrawFn) -> list[rk.Credit]:
    """Up to four one-time credits (some expiring mid-month) and a renewing one."""
    drawn = []
    for number in range(draw(st.integers(0, 4))):
        start = instant(draw(st.integers(2, 5)), draw(st.sampled_from([1, 10, 20])))
        expires = draw(st.sampled_from([None, 15, 45, 80]))
        drawn.append(
            rk.Credit(
                f"c{number}",
                "acme",
                Decimal(draw(st.integers(1, 9000))) / 100,
                "EUR",
                start=start,
                expires=None if expires is None else start + dt.timedelta(days=expires),
                priority=draw(st.integers(0, 1)),
            )
        )
    if draw(st.booleans()):
        drawn.append(
            rk.Credit(
                "monthly", "acme", draw(st.integers(1, 30)), "EUR", start=instant(3, 1), renews=True
            )
        )
    return drawn


def credit_oracle(
    subtotal: dict[int, Fraction], granted: list[rk.Credit]
) -> dict[int, dict[str, Fraction]]:
    balances = {credit.id: Fraction(credit.amount) for credit in granted}
    payments = {}
    for span in MONTH_SPANS:
        offered = []
        for credit in granted:
            expires = credit.expires or NEVER
            if not (credit.start < span.end and expires > span.start):
                continue
            if credit.renews:
                lapses, balance = min(span.end, expires), Fraction(credit.amount)
            elif balances[credit.id]:
                lapses, balance = expires, balances[credit.id]
            else:
                continue  # spent: no longer listed
            offered.append(
                ((-credit.priority, lapses, credit.start, credit.id), credit.id, balance)
            )
        month_paid = paid(subtotal[span.start.month], offered)
        for credit in granted:
            if not credit.renews and credit.id in month_paid:
                balances[credit.id] -= month_paid[credit.id]
        payments[span.start.month] = month_paid
    return payments


def row(quantity: int, month: int, day: int) -> rk.UsageRow:
    span = rk.Span(instant(month, day), instant(month, day) + dt.timedelta(hours=1))
    return rk.UsageRow(
        "acme", "api", "gw", span, MONTHS.containing(span.start), quantity, "call", {}, ()
    )


TERMS = st.tuples(
    st.sampled_from(["0.10", "0.013", "0.0049", "1"]),  # price per call
    st.sampled_from(["0", "10", "-3", "0.25"]),  # fee
    st.sampled_from(["0", "50", "7.77", "100"]),  # commitment
    st.sampled_from(["0", "100", "0.5"]),  # free calls a month
    st.sampled_from(["0.01", "0.05", "1"]),  # quantum
    st.sampled_from(MODES),
    st.sampled_from([1, 11, 16]),  # the day of March the plan starts
)
USAGE = st.lists(
    st.tuples(st.integers(-200, 2500), st.integers(3, 6), st.integers(16, 28)), max_size=8
)


def accounted(
    usage: list[tuple[int, int, int]], terms: Terms
) -> tuple[list[rk.Assignment], list[rk.UsageRow]]:
    """The account's assignment of the plan ``terms`` say, and its usage rows."""
    price, fee, minimum, free, quantum, mode, joined = terms
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("api", "api", rk.PerUnit(price))],
        fees=[rk.Fee("base", fee)],
        minimums=[rk.Minimum(minimum)],
        allowances=[rk.Allowance("api", free)],
        quantum=quantum,
        rounding=mode,
    )
    rows = [row(quantity, month, day) for quantity, month, day in usage]
    return [rk.Assignment("acme", plan, start=instant(3, joined))], rows


def billed(
    usage: list[tuple[int, int, int]], terms: Terms, granted: list[rk.Credit]
) -> tuple[rk.Invoice, ...]:
    assigned, rows = accounted(usage, terms)
    return rk.bill(rk.rate(rows, assigned, span=FOUR_MONTHS), credits=granted)


@pytest.mark.property
@settings(max_examples=LAWS * 3 // 4, deadline=None)
@given(USAGE, TERMS, drawn_credits())
def test_invoices_are_the_commitment_rule_less_credits_in_order(
    usage: list[tuple[int, int, int]],
    terms: Terms,
    granted: list[rk.Credit],
) -> None:
    minimum, quantum, mode = terms[2], terms[4], terms[5]
    if any(Fraction(credit.amount) % Fraction(quantum) for credit in granted):
        granted = []  # a credit off the quantum is refused (tested on its own)
    used: dict[int, int] = {}
    for quantity, month, _ in usage:
        used[month] = used.get(month, 0) + quantity
    expected = subtotals(used, terms)
    payments = credit_oracle(expected, granted)
    invoices = billed(usage, terms, granted)
    assert [invoice.cycle.start.month for invoice in invoices] == [3, 4, 5, 6]
    for invoice in invoices:
        month = invoice.cycle.start.month
        assert invoice.subtotal == expected[month]
        assert {line.credit: Fraction(line.applied) for line in invoice.credits} == payments[month]
        assert invoice.total == expected[month] - sum(payments[month].values(), Fraction(0))
        # never below zero from credits; a negative subtotal is the account's
        assert invoice.total >= min(invoice.subtotal, Decimal(0))
        if Fraction(minimum) > 0 and month > 3:
            # a committed month's lines before fees never add up to less than the commitment
            counted = sum((line.amount for line in invoice.lines if line.kind != "fee"), Decimal(0))
            assert Fraction(counted) >= rounded(Fraction(minimum), Fraction(quantum), mode)


@pytest.mark.property
@settings(max_examples=60, deadline=None)
@given(USAGE, TERMS, drawn_credits())
def test_billing_month_by_month_with_credits_left_is_billing_together(
    usage: list[tuple[int, int, int]],
    terms: Terms,
    granted: list[rk.Credit],
) -> None:
    granted = [credit for credit in granted if not Fraction(credit.amount) % Fraction(terms[4])]
    together = billed(usage, terms, granted)
    assigned, rows = accounted(usage, terms)
    left: tuple[rk.Credit, ...] = tuple(granted)
    for span, whole in zip(MONTH_SPANS, together, strict=True):
        (alone,) = rk.bill(rk.rate(rows, assigned, span=span), credits=left)
        assert alone == whole
        left = rk.credits_left(left, [alone])


@pytest.mark.property
@settings(max_examples=40, deadline=None)
@given(
    USAGE,
    TERMS,
    drawn_credits(),
    st.integers(1, 6),
    st.sampled_from([decimal.ROUND_FLOOR, decimal.ROUND_UP, decimal.ROUND_HALF_DOWN]),
)
def test_the_callers_decimal_context_does_not_matter(
    usage: list[tuple[int, int, int]],
    terms: Terms,
    granted: list[rk.Credit],
    precision: int,
    rounding: str,
) -> None:
    granted = [credit for credit in granted if not Fraction(credit.amount) % Fraction(terms[4])]
    plain = billed(usage, terms, granted)
    with decimal.localcontext() as context:
        context.prec = precision
        context.rounding = rounding
        context.traps[decimal.Inexact] = True
        assert billed(usage, terms, granted) == plain
