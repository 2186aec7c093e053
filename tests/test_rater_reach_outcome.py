"""A record reaching back before the kept cycles is late only for a kept closed cycle."""

from __future__ import annotations

from decimal import Decimal

import ratekit as rk

PLAN = rk.Plan("p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("e", "eg", rk.PerUnit(1))])
METERS = [rk.Meter("eg", "B", rk.Discrete())]


def test_a_delta_from_before_the_start_with_no_closed_cycle_is_accepted_and_too_late_in_part() -> (
    None
):
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    assert rater.statement("2026-03-01T00:00:00Z").lines == ()  # closes nothing
    delta = rk.Sample(
        "a", "r", "eg", "2026-03-01T12:00:00Z", 100, since="2026-02-28T12:00:00Z", id="d"
    )
    feed = rater.feed([delta])
    # No cycle has closed: nothing it reaches is a kept closed cycle, so it is not late.
    assert (feed.accepted, feed.late, feed.too_late) == (("d",), (), ("d",))
    # 100 B over 24 h, 12 h of them before the start: 100 x 12 / 24 = 50 B not applied.
    (anomaly,) = feed.anomalies
    assert anomaly.kind == "too_late"
    assert "its part before 2026-03-01T00:00:00Z, 50 B, belonged to cycles" in anomaly.message
    (line,) = rater.statement("2026-03-02T00:00:00Z").lines
    # The rest, 100 - 50 = 50 B x 1 EUR = 50 EUR, charged on 1 March (not a correction).
    assert (line.role, line.quantity, line.amount) == ("charge", Decimal(50), Decimal(50))


def test_a_delta_reaching_a_kept_closed_cycle_and_before_the_start_is_late() -> None:
    rater = rk.Rater(PLAN, METERS, start="2026-03-01T00:00:00Z")
    rater.statement("2026-03-02T00:00:00Z")  # 1 March closed, kept
    delta = rk.Sample(
        "a", "r", "eg", "2026-03-01T12:00:00Z", 100, since="2026-02-28T12:00:00Z", id="d"
    )
    feed = rater.feed([delta])
    # Its applied part, 1 March 00:00-12:00, is in the kept closed cycle: late.
    assert (feed.accepted, feed.late, feed.too_late) == ((), ("d",), ("d",))
    # 100 x 12 / 24 = 50 B too late; 50 B corrects 1 March: 50 EUR.
    total = sum((x.amount for x in rater.statement("2026-03-03T00:00:00Z").lines), Decimal(0))
    assert total == Decimal(50)
