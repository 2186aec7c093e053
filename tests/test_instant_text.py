"""The text of an instant is read strictly: RFC 3339, as docs/time.md says.

Before, Python's ``fromisoformat`` decided, after the text was stripped: an offset with a
fraction of a second moved the instant (``+01:00:00.5`` read 08:00 as 06:59:59.5 UTC), and
``08:00:00.Z``, ``08:00:00 Z`` and blanks or newlines around the text were accepted.
"""

from __future__ import annotations

import pytest

import ratekit as rk
from ratekit._instants import to_us

MARCH_2_8H_US = 1_772_438_400_000_000  # 2026-03-02T08:00:00Z
_FORMS = (
    "write it as RFC 3339: a date, 'T', a time (a fraction of a second after '.', to the "
    "microsecond), then 'Z' or an offset of whole minutes or seconds, with nothing around "
    "it, like '2026-03-01T00:00:00Z' or '2026-03-01T01:00:00.5+01:00'."
)


@pytest.mark.parametrize(
    ("text", "blanks"),
    [
        ("2026-03-02T08:00:00+01:00:00.5", False),  # was 06:59:59.5Z
        ("2026-03-02T08:00:00.Z", False),  # a point and no digit
        ("2026-03-02T08:00:00 Z", False),
        ("2026-03-02T08:00:00 +01:00", False),
        (" 2026-03-02T08:00:00Z", True),
        ("2026-03-02T08:00:00Z\n", True),
        ("2026-W09-1T08:00:00Z", False),  # an ISO week date
        ("20260302T080000Z", False),  # ISO 8601 basic format
        ("\uff12\uff10\uff12\uff16-03-02T08:00:00Z", False),  # full-width digits
    ],
)
def test_text_that_is_not_rfc_3339_is_refused_naming_it(text: str, blanks: bool) -> None:
    with pytest.raises(rk.BadTimeError) as caught:
        rk.Event("a", "r", text, id="e1")
    around = " (it has blanks around it)" if blanks else ""
    assert str(caught.value) == (
        f"event 'e1' at {text!r} is not an instant ratekit reads{around}; {_FORMS}"
    )


def test_a_date_or_time_that_does_not_exist_is_refused_naming_it() -> None:
    with pytest.raises(rk.BadTimeError) as caught:
        to_us("2026-02-30T08:00:00Z", "Span start")
    assert str(caught.value) == (
        "Span start '2026-02-30T08:00:00Z' is not an instant ratekit reads (no such date or "
        f"time); {_FORMS}"
    )


@pytest.mark.parametrize(
    ("text", "us"),
    [
        ("2026-03-02T08:00:00Z", MARCH_2_8H_US),
        ("2026-03-02t08:00:00z", MARCH_2_8H_US),  # RFC 3339 allows lower case
        ("2026-03-02 08:00:00Z", MARCH_2_8H_US),  # and a space for the T
        ("2026-03-02T08:00Z", MARCH_2_8H_US),  # to the minute
        ("2026-03-02T09:00:00+01:00", MARCH_2_8H_US),  # 09:00 - 1 h
        ("2026-03-02T09:00:00+0100", MARCH_2_8H_US),
        ("2026-03-02T09:00:00+01", MARCH_2_8H_US),
        ("2026-03-02T09:00:01+01:00:01", MARCH_2_8H_US),  # whole seconds: 09:00:01 - 1:00:01
        ("2026-03-02T08:00:00.5Z", MARCH_2_8H_US + 500_000),
        ("2026-03-02T08:00:00,5Z", MARCH_2_8H_US + 500_000),
        ("2026-03-02T08:00:00.1234560Z", MARCH_2_8H_US + 123_456),  # zeros past the us
    ],
)
def test_the_forms_that_are_read(text: str, us: int) -> None:
    assert to_us(text) == us
