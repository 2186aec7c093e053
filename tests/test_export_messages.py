"""Messages of rows read back: they name the key that is wrong or missing, in JSON's words."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests._always import Always

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
PLAN = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", "24.99")])
WELCOME = rk.Credit("welcome", "acme", 20, "EUR", start=MARCH.start)
RATING = rk.rate([], [rk.Assignment("acme", PLAN)], span=MARCH)


def _row() -> dict[str, Any]:
    # By hand: subtotal 24.99, the welcome credit pays 20.00, total 4.99.
    (invoice,) = rk.bill(RATING, credits=[WELCOME])
    row: dict[str, Any] = json.loads(json.dumps(rk.to_row(invoice)))
    assert (row["subtotal"], row["total"]) == ("24.99", "4.99")
    return row


def _refused(row: dict[str, Any]) -> str:
    with pytest.raises(rk.BadDataError) as caught:
        rk.from_row(rk.Invoice, row)
    return str(caught.value)


def test_a_missing_subtotal_is_reported_as_missing_not_as_a_wrong_value() -> None:
    row = _row()
    del row["subtotal"]
    assert _refused(row) == (
        "subtotal: the row has no 'subtotal'; taken by default, '4.99' is not the sum of "
        "the invoice's lines, 24.99; a row needs 'subtotal' here, as to_row() writes it."
    )
    # A wrong value is still a wrong value.
    row["subtotal"] = "1.00"
    assert _refused(row).startswith(
        "subtotal: '1.00' is not the sum of the invoice's lines, 24.99;"
    )


def test_a_bad_timezone_is_reported_at_its_key() -> None:
    row = _row()
    row["tz"] = "Mars/Base"
    assert _refused(row) == (
        "tz: Invoice tz 'Mars/Base' is not a known IANA timezone name; give an IANA name such as "
        "'Europe/Zurich', 'America/New_York' or 'UTC', or a fixed offset such as 'UTC+05:45'."
    )


def test_a_list_field_is_called_a_list_and_an_object_an_object() -> None:
    row = _row()
    row["lines"] = "x"
    assert _refused(row) == "lines: expected a list, not str: 'x'."
    row = _row()
    row["credits"] = [7]
    assert _refused(row) == "credits[0]: expected an object (CreditLine), not int: 7."
    row = _row()
    row["evil"] = 1
    assert _refused(row).startswith("evil: an Invoice row has no key 'evil'; its keys are ")


def test_to_rows_of_a_rating_or_a_usage_points_to_their_rows() -> None:
    names = "Event, Sample, Inventory, Anomaly, UsageRow, Charge, InvoiceLine, CreditLine, Invoice, Credit, Share, StatementLine"
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.to_rows(RATING)  # type: ignore[arg-type]
    assert str(caught.value) == (
        f"to_rows takes a list of values, each one of {names}, not a Rating; for its "
        "charges, write rk.to_rows(rating.charges)."
    )
    with pytest.raises(rk.RatekitTypeError) as caught:
        rk.to_row(RATING)
    assert str(caught.value) == (
        f"to_row takes one of {names}, not a Rating; for its charges, write "
        "rk.to_rows(rating.charges)."
    )
    usage = rk.meter([], [], span=MARCH, cycle=None, as_of=MARCH.end)
    with pytest.raises(rk.RatekitTypeError, match=r"write rk\.to_rows\(usage\.rows\)\.$"):
        rk.to_rows(usage)  # type: ignore[arg-type]
    assert rk.to_rows(RATING.charges)[0]["amount"] == "24.99"


def test_from_row_names_a_class_it_does_not_build_whatever_its_equality_says() -> None:
    # cls was looked up in the row types with ``in`` (its own ==): a str subclass that
    # equals anything passed and failed inside with AttributeError (no __mro__)
    with pytest.raises(rk.BadDataError) as caught:
        rk.from_row(Always("x"), {})  # type: ignore[arg-type]
    assert str(caught.value) == (
        "the value: from_row builds one of Event, Sample, Inventory, Anomaly, UsageRow, "
        "Charge, InvoiceLine, CreditLine, Invoice, Credit, Share, StatementLine, not 'x'."
    )
