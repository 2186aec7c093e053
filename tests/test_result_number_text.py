"""Text that is no number, given to a result value's number, is told as such.

A result value's number (a ComparisonRow's total, a TierLine's amount, an invoice's
total) given text that is no plain number was refused with a RatekitTypeError that
contradicted itself: "ComparisonRow total must be a number (Decimal, int or str), not
str: 'NaN'." The guarantees say such text is a BadQuantityError, as a Charge's amount
or a UsageRow's quantity refuse it: saying the text is no number, or not plain, or not
finite.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def _row(total: object) -> object:
    # total - baseline 1 = difference 0 when total is 1: a consistent row but for the text
    return rk.ComparisonRow("acme", MARCH, "EUR", "b", total, 1, 1, 0, "same")  # type: ignore[arg-type]


def _tier_line(amount: object) -> object:
    return rk.TierLine(label="x", lower=None, upper=None, quantity=1, unit=1, amount=amount)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("build", "field"), [(_row, "ComparisonRow total"), (_tier_line, "TierLine amount")]
)
@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("NaN", "must be a finite number, not 'NaN'."),
        ("-Infinity", "must be a finite number, not '-Infinity'."),
        ("lots", "'lots' is not a decimal number; write it like '12.5' or '1e9'."),
        (
            " 12",
            (
                "' 12' is not written plainly: write it in plain ASCII decimal text, like '12.5', "
                "'-3' or '1e9' (no spaces, underscores or other scripts' digits)."
            ),
        ),
    ],
)
def test_text_that_is_no_plain_number_is_a_bad_quantity(
    build: Callable[[object], object], field: str, text: str, said: str
) -> None:
    with pytest.raises(rk.BadQuantityError) as caught:
        build(text)
    message = str(caught.value)
    assert message.startswith(field), message
    assert message.endswith(said), message


def test_plain_text_is_read() -> None:
    assert _row("1").total == 1
