"""`tests._line_keys.line_key` names a charge's line as the statement line holding it does."""

from __future__ import annotations

from tests._line_keys import line_key

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def test_each_charge_of_a_statement_line_has_the_line_s_key() -> None:
    # a usage charge (2 h x 3 = 6) and a fee of 10: two lines, each one charge
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("e", "cpu", rk.PerUnit("3"))],
        fees=[rk.Fee("f", 10)],
    )
    rater = rk.Rater(plan, [rk.Meter("cpu", "hour", rk.OnOff())], start=MARCH.start)
    rater.feed(
        [
            rk.Event("a", "vm", "2026-03-02T00:00:00Z", kind="start", id="s"),
            rk.Event("a", "vm", "2026-03-02T02:00:00Z", kind="stop", id="t"),
        ]
    )
    lines = rater.statement(MARCH.end).lines  # the whole of March: its whole fee
    assert sorted((line.kind, line.amount) for line in lines) == [("fee", 10), ("usage", 6)]
    for line in lines:
        assert line.charges
        assert {line_key(charge) for charge in line.charges} == {line.key}
