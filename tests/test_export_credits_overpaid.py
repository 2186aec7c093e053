"""from_row refuses an invoice row whose credits pay more than is due.

Credits pay at most what is still due (docs/invoices.md, Credits): a total never goes
below zero, and a subtotal of zero or less is left to the account. A row edited by hand
that breaks this (a total below zero made by credits) is refused, naming the field,
like the other totals from_row checks; ``credits_left`` and the FOCUS rows rely on it.
"""

import json

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _row(hours: str) -> dict[str, object]:
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("e", "m", rk.PerUnit(1))],
        fees=[rk.Fee("f", 3)],
    )
    usage = rk.UsageRow("acme", "m", "r", MARCH, MARCH, hours, "h", {}, ())
    credit = rk.Credit("c", "acme", 5, "EUR", start=MARCH.start)
    (invoice,) = rk.bill(rk.rate([usage], plan, span=MARCH), credits=[credit])
    row: dict[str, object] = json.loads(json.dumps(rk.to_row(invoice)))
    return row


def test_billed_row_reads_back() -> None:
    # 33 hours at 1 + a fee of 3 = 36.00; the credit of 5 pays 5.00: total 31.00
    row = _row("33")
    assert rk.from_row(rk.Invoice, row).total == 31


def test_credits_paying_more_than_the_subtotal_are_refused() -> None:
    row = _row("33")
    # edited: the credit had 40 and paid all of it on a subtotal of 36.00; the total,
    # 36.00 - 40.00 = -4.00, is the lines less the credits, but below zero
    row["credits"] = [
        {"credit": "c", "available": "40.00", "applied": "40.00", "left": "0.00", "expires": None}
    ]
    row["total"] = "-4.00"
    with pytest.raises(rk.BadDataError, match=r"^credits: .*below zero"):
        rk.from_row(rk.Invoice, row)


def test_credits_paying_a_correction_are_refused() -> None:
    # -10 hours at 1 + a fee of 3 = -7.00: the credit pays nothing (applied 0.00)
    row = _row("-10")
    assert rk.from_row(rk.Invoice, row).total == -7
    # edited: the credit pays 5.00 of the -7.00, a total of -12.00
    row["credits"] = [
        {"credit": "c", "available": "5.00", "applied": "5.00", "left": "0.00", "expires": None}
    ]
    row["total"] = "-12.00"
    with pytest.raises(rk.BadDataError, match=r"^credits: "):
        rk.from_row(rk.Invoice, row)


def test_two_lines_of_one_credit_are_refused() -> None:
    # bill refuses two credits of an account with one id; credits_left reads one balance
    # per (account, id). Edited: the credit's line twice, 36.00 - 5.00 - 5.00 = 26.00.
    row = _row("33")
    line = {"credit": "c", "available": "5.00", "applied": "5.00", "left": "0.00", "expires": None}
    row["credits"] = [line, dict(line)]
    row["total"] = "26.00"
    with pytest.raises(rk.BadDataError, match=r"^credits\[1\]\.credit: credit 'c' has two lines"):
        rk.from_row(rk.Invoice, row)
