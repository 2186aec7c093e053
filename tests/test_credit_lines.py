"""A credit line keeps ``0 <= applied <= available`` and ``left == available - applied``.

Checked when one is built, and so when a stored invoice row comes back through
``from_row``: a line changed by hand cannot make ``credits_left`` grant credit that was
never given, nor a negative ``applied`` raise an invoice's total.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
PLAN = rk.Plan("p", "EUR", MONTHS, [], fees=[rk.Fee("base", 10)])
WELCOME = rk.Credit("welcome", "acme", 20, "EUR", start=MARCH.start)


def _stored_row() -> dict[str, object]:
    # By hand: a 10.00 fee against a 20.00 welcome credit: available 20.00, applied
    # 10.00, left 20.00 - 10.00 = 10.00; the invoice's total 10.00 - 10.00 = 0.00.
    (invoice,) = rk.bill(rk.rate([], [rk.Assignment("acme", PLAN)], span=MARCH), credits=[WELCOME])
    row: dict[str, object] = json.loads(json.dumps(rk.to_row(invoice)))
    return row


@pytest.mark.parametrize(
    ("available", "applied", "left", "message"),
    [
        (
            20,
            -5,
            25,
            (
                "CreditLine applied -5 (credit 'c') is not between 0 and available 20; a credit pays at "
                "most its balance, and never less than 0."
            ),
        ),
        (
            20,
            25,
            -5,
            (
                "CreditLine applied 25 (credit 'c') is not between 0 and available 20; a credit pays at "
                "most its balance, and never less than 0."
            ),
        ),
        (
            20,
            5,
            -3,
            (
                "CreditLine left -3 (credit 'c') is not available 20 less applied 5, which is 15; left "
                "must be exactly available - applied."
            ),
        ),
        (
            20,
            5,
            99,
            (
                "CreditLine left 99 (credit 'c') is not available 20 less applied 5, which is 15; left "
                "must be exactly available - applied."
            ),
        ),
        (
            -4,
            0,
            -4,
            (
                "CreditLine available -4 (credit 'c') is below 0; the balance a credit had for an "
                "invoice is 0 or more."
            ),
        ),
    ],
)
def test_an_inconsistent_credit_line_is_refused_naming_the_field(
    available: int, applied: int, left: int, message: str
) -> None:
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.CreditLine("c", available, applied, left, None)
    assert str(caught.value) == message


def test_consistent_credit_lines_are_taken_at_their_bounds() -> None:
    # 20.00 - 0 = 20.00; 20.00 - 20.00 = 0; 0 - 0 = 0; 20 - 7.5 = 12.50 (other exponents)
    for available, applied, left in (
        ("20.00", "0", "20.00"),
        ("20.00", "20.00", "0"),
        ("0", "0", "0.00"),
        ("20", "7.5", "12.50"),
    ):
        line = rk.CreditLine("c", available, applied, left, None)
        assert line.left == Decimal(available) - Decimal(applied)


def test_a_stored_row_whose_left_was_changed_is_refused_and_grants_nothing() -> None:
    row = _stored_row()
    lines = row["credits"]
    assert isinstance(lines, list)
    assert lines[0]["available"] == "20.00"
    assert lines[0]["applied"] == "10.00"
    assert lines[0]["left"] == "10.00"
    back = rk.from_row(rk.Invoice, row)
    (kept,) = rk.credits_left([WELCOME], [back])
    assert kept.amount == Decimal("10.00")  # 20.00 granted - 10.00 applied
    lines[0]["left"] = "15.00"  # 5.00 EUR that were never granted
    with pytest.raises(rk.BadDataError) as caught:
        rk.from_row(rk.Invoice, row)
    assert str(caught.value) == (
        "credits[0].left: CreditLine left 15.00 (credit 'welcome') is not available 20.00 less applied "
        "10.00, which is 10.00; left must be exactly available - applied."
    )


def test_a_stored_row_with_a_negative_applied_credit_is_refused() -> None:
    # A credit "applied" -5.00 would raise the total: 10.00 - (-5.00) = 15.00. The row is
    # kept consistent otherwise (left 25.00 = 20.00 + 5.00, total 15.00).
    row = _stored_row()
    lines = row["credits"]
    assert isinstance(lines, list)
    lines[0].update(applied="-5.00", left="25.00")
    row["total"] = "15.00"
    with pytest.raises(rk.BadDataError) as caught:
        rk.from_row(rk.Invoice, row)
    assert str(caught.value) == (
        "credits[0].applied: CreditLine applied -5.00 (credit 'welcome') is not between 0 and available "
        "20.00; a credit pays at most its balance, and never less than 0."
    )


def test_a_stored_row_applying_more_than_available_is_refused() -> None:
    row = _stored_row()
    lines = row["credits"]
    assert isinstance(lines, list)
    lines[0].update(available="5.00", applied="10.00", left="-5.00")
    with pytest.raises(
        rk.BadDataError,
        match=r"^credits\[0\]\.applied: CreditLine applied 10\.00 \(credit 'welcome'\) is not",
    ):
        rk.from_row(rk.Invoice, row)


@pytest.mark.parametrize(
    ("quantum", "fee", "unused"),
    [("0.01", "10", "0.00"), ("0.05", "10", "0.00"), ("1", "10", "0")],
)
def test_a_credit_that_paid_nothing_reads_zero_on_the_quantum(
    quantum: str, fee: str, unused: str
) -> None:
    # By hand: a fee of 10 on the invoice; credit 'first' (priority 1, 20) pays it all,
    # 10 on the quantum, and leaves 10; credit 'second' (20) finds nothing due: applied
    # 0 written on the quantum like every other amount (0.00 on the cent), left 20.
    plan = rk.Plan("p", "EUR", MONTHS, [], fees=[rk.Fee("base", fee)], quantum=quantum)
    first = rk.Credit("first", "acme", 20, "EUR", start=MARCH.start, priority=1)
    second = rk.Credit("second", "acme", 20, "EUR", start=MARCH.start)
    (invoice,) = rk.bill(
        rk.rate([], [rk.Assignment("acme", plan)], span=MARCH), credits=[first, second]
    )
    paid, unpaid = invoice.credits
    assert (paid.credit, str(paid.applied)) == (
        "first",
        str(Decimal(fee).quantize(Decimal(quantum))),
    )
    assert (unpaid.credit, str(unpaid.applied), unpaid.left) == ("second", unused, 20)
    assert f"applied={unused}," in repr(unpaid)
    assert invoice.total == 0
