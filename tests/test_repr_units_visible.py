"""A unit holding control or format characters prints as escapes in reprs.

Reprs reach logs, tracebacks and error messages (``show`` quotes them): a unit with a
newline, a terminal escape or a bidi override must not print a line of its own nor
recolour or reorder the text, as the invoice's text and HTML already guarantee.
"""

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
UNIT = "h\n\x1b[31m\u202e"


def test_reprs_write_a_hostile_unit_as_escapes() -> None:
    plan = rk.Plan(
        "p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("e", "m", rk.PerUnit(1))]
    )
    row = rk.UsageRow("acme", "m", "r", MARCH, MARCH, 3, UNIT, {}, ())
    rating = rk.rate([row], plan, span=MARCH)
    (line,) = rk.bill(rating)[0].lines
    for value in (row, rating.charges[0], line):
        text = repr(value)
        for raw in ("\n", "\x1b", "\u202e"):
            assert raw not in text, text
        # 3 hours at 1 EUR: the quantity and the escaped unit, on one line
        assert "3 h\\n\\x1b[31m\\u202e" in text
