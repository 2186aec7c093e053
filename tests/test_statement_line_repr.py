"""A statement line's repr prints its unit as a charge's repr does: escaped."""

from __future__ import annotations

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def test_a_unit_with_a_newline_cannot_break_a_statement_lines_repr() -> None:
    # Was: the unit printed raw, so "hour\n  Invoice x" and a bidi override made the repr
    # two lines, the second reversed on a terminal; a Charge and a UsageRow escape it.
    line = rk.StatementLine(
        "acme", MARCH, "usage", "p", "m", "e", "r", "hour\n  Invoice x\u202e", "EUR", 2, "1.50"
    )
    assert repr(line) == (
        "StatementLine('charge', 'acme', 'm', 'r', "
        "'2026-03-01T00:00:00Z'..'2026-04-01T00:00:00Z', "
        "2 hour\\n  Invoice x\\u202e, 1.50 EUR)"
    )
