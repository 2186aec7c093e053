"""A renewing credit's ``expires``: checked at the door, and shown on each cycle's line.

Valid: ``expires`` after ``start`` (or ``None``), renewing or not. A renewing credit
grants its whole amount to every cycle that overlaps ``[start, expires)``; each cycle's
grant lapses at the cycle's end, or at ``expires`` when that comes first, and its
``CreditLine.expires`` says which. A renewing credit carries no balance, so it takes no
``granted``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
PLAN = rk.Plan("p", "EUR", MONTHS, [], fees=[rk.Fee("base", 30)])
JAN_TO_APRIL = rk.Span("2026-01-01T00:00:00Z", "2026-05-01T00:00:00Z")
UTC = dt.UTC


def bill(*granted: rk.Credit, span: rk.Span = JAN_TO_APRIL) -> tuple[rk.Invoice, ...]:
    return tuple(rk.bill(rk.rate([], [rk.Assignment("acme", PLAN)], span=span), credits=granted))


def test_expires_not_after_start_is_refused_for_a_renewing_credit() -> None:
    for expires in ("2026-01-01T00:00:00Z", "2025-12-31T00:00:00Z"):
        with pytest.raises(rk.BadTimeError) as raised:
            rk.Credit("m", "acme", 20, "EUR", start="2026-01-01T00:00:00Z", expires=expires,
                      renews=True)  # fmt: skip
        assert str(raised.value) == (
            f"Credit 'm' expires at {expires}, not after its start 2026-01-01T00:00:00Z; give "
            "an expiry after the start, or None for a credit that never expires."
        )


def test_expires_must_be_an_aware_instant() -> None:
    with pytest.raises(rk.BadTimeError, match=r"^Credit expires '2026-03-01T00:00:00' has no UTC"):
        rk.Credit("m", "acme", 20, "EUR", start="2026-01-01T00:00:00Z",
                  expires="2026-03-01T00:00:00", renews=True)  # fmt: skip
    with pytest.raises(rk.RatekitTypeError, match=r"^Credit expires must be"):
        rk.Credit("m", "acme", 20, "EUR", start="2026-01-01T00:00:00Z", expires=5, renews=True)  # type: ignore[arg-type]


def test_granted_on_a_renewing_credit_is_refused() -> None:
    with pytest.raises(rk.BadQuantityError) as raised:
        rk.Credit("m", "acme", 20, "EUR", start="2026-01-01T00:00:00Z", renews=True, granted=30)
    assert str(raised.value) == (
        "Credit 'm' renews and has granted=30: a renewing credit grants its amount afresh "
        "every cycle and carries no balance, so it has no first grant to keep; give "
        "granted=None (only a one-time credit's balance carried by credits_left has one)."
    )
    assert rk.Credit("m", "acme", 20, "EUR", start="2026-01-01T00:00:00Z", granted=30).granted == 30


def test_the_last_grant_lapses_when_the_credit_expires() -> None:
    # 20.00 a month against a 30.00 fee: 30.00 - 20.00 = 10.00 due in January to March
    # (March overlaps [Jan 1, Mar 15) and gets the whole 20.00), 30.00 in April.
    credit = rk.Credit("m", "acme", 20, "EUR", start="2026-01-01T00:00:00Z",
                       expires="2026-03-15T00:00:00Z", renews=True)  # fmt: skip
    invoices = bill(credit)
    assert [i.total for i in invoices] == [Decimal("10.00")] * 3 + [Decimal("30.00")]
    assert [[line.expires for line in i.credits] for i in invoices] == [
        [dt.datetime(2026, 2, 1, tzinfo=UTC)],
        [dt.datetime(2026, 3, 1, tzinfo=UTC)],
        # was 2026-04-01: the line said March's grant outlived the credit
        [dt.datetime(2026, 3, 15, tzinfo=UTC)],
        [],
    ]


def test_a_renewing_credit_inside_one_cycle() -> None:
    credit = rk.Credit("m", "acme", 20, "EUR", start="2026-01-20T00:00:00Z",
                       expires="2026-01-25T00:00:00Z", renews=True)  # fmt: skip
    january, february, *_ = bill(credit)
    assert (january.total, february.total) == (Decimal("10.00"), Decimal("30.00"))
    assert [line.expires for line in january.credits] == [dt.datetime(2026, 1, 25, tzinfo=UTC)]


def test_the_earlier_lapse_is_spent_first() -> None:
    # Same priority: the balance that expires first pays first. The renewing grant lapses
    # on 15 March, the one-time credit at the end of March: the renewing one pays 20.00 of
    # the 30.00 fee, the one-time one the other 10.00 (was: the one-time credit first,
    # its end on 1 April sorting before the renewing grant's, also said to be 1 April but
    # granted later).
    renewing = rk.Credit("r", "acme", 20, "EUR", start="2026-03-01T00:00:00Z",
                         expires="2026-03-15T00:00:00Z", renews=True)  # fmt: skip
    once = rk.Credit("o", "acme", 50, "EUR", start="2026-02-01T00:00:00Z",
                     expires="2026-04-01T00:00:00Z")  # fmt: skip
    (march,) = bill(renewing, once, span=MONTHS.containing("2026-03-02T00:00:00Z"))
    assert [(line.credit, line.applied) for line in march.credits] == [
        ("r", Decimal("20.00")),
        ("o", Decimal("10.00")),
    ]


@given(
    start_day=st.integers(0, 100),
    length=st.integers(1, 150),
)
def test_a_line_never_outlives_its_credit_or_its_cycle(start_day: int, length: int) -> None:
    # Oracle: the cycles overlapping [start, expires) are the ones granted, each line's
    # expires is min(cycle end, expires).
    start = dt.datetime(2026, 1, 1, tzinfo=UTC) + dt.timedelta(days=start_day)
    expires = start + dt.timedelta(days=length)
    credit = rk.Credit("m", "acme", 20, "EUR", start=start, expires=expires, renews=True)
    span = rk.Span("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")
    for invoice in bill(credit, span=span):
        cycle = invoice.cycle
        granted = cycle.start < expires and start < cycle.end
        assert [line.expires for line in invoice.credits] == (
            [min(cycle.end, expires)] if granted else []
        )
