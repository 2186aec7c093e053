"""What a ``"too_late"`` anomaly gives as values, and what the rater says once.

A too-late quantity is in ``Anomaly.meter`` and ``Anomaly.quantity``, not only in the
message. A delta whose whole span lies before the kept cycles is too late, not late (it
changes no kept cycle); one whose span starts in a compacted cycle is named once, by
the feed's ``"too_late"``: the statement does not add batch's ``"before_span"`` ("rate
that span") nor metering's ``"late"`` change before the kept cycles for it. Daily UTC
cycles, 1 EUR per call, no horizon.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

import ratekit as rk

API = rk.Meter("api", "call", rk.Discrete())
PLAN = rk.Plan("p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("api", "api", rk.PerUnit(1))])


def _kept_from_3_march() -> rk.Rater:
    rater = rk.Rater(PLAN, [API], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Sample("a", "ip0", "api", "2026-03-01T01:00:00Z", 1, id="first")])
    rater.statement("2026-03-04T00:00:00Z")  # 1-3 March closed, 3 March kept
    return rater


def test_the_anomaly_carries_a_meter_and_a_quantity() -> None:
    anomaly = rk.Anomaly("too_late", "m", ("s",), meter="api", quantity="7")
    assert (anomaly.meter, anomaly.quantity) == ("api", Decimal(7))
    assert repr(anomaly) == (
        "Anomaly('too_late', 'm', record_ids=('s',), meter='api', quantity='7')"
    )
    assert rk.Anomaly("tie", "m").quantity is None
    with pytest.raises(rk.RatekitTypeError, match="Anomaly meter must be a non-empty string"):
        rk.Anomaly("too_late", "m", meter="")
    with pytest.raises(rk.RatekitError, match="quantity"):
        rk.Anomaly("too_late", "m", meter="api", quantity="NaN")


def test_a_too_late_sample_gives_its_value() -> None:
    rater = _kept_from_3_march()
    feed = rater.feed([rk.Sample("a", "ip", "api", "2026-03-01T10:00:00Z", 7, id="d1")])
    (anomaly,) = feed.anomalies
    assert (feed.too_late, anomaly.meter, anomaly.quantity) == (("d1",), "api", 7)


def test_a_delta_whose_span_ends_at_the_kept_start_is_too_late_not_late() -> None:
    rater = _kept_from_3_march()
    delta = rk.Sample(
        "a", "ip", "api", "2026-03-03T00:00:00Z", 10, since="2026-03-02T22:00:00Z", id="x"
    )
    feed = rater.feed([delta])
    # all 10 calls lie in [2 March 22:00, 3 March 00:00), before the kept cycles
    assert (feed.accepted, feed.late, feed.too_late) == ((), (), ("x",))
    (anomaly,) = feed.anomalies
    assert (anomaly.meter, anomaly.quantity) == ("api", 10)
    assert anomaly.message == (
        "sample 'x' (api, 10 over 2026-03-02T22:00:00Z..2026-03-03T00:00:00Z) lies before "
        "every cycle the rater keeps (from 2026-03-03T00:00:00Z; its cycles were closed and "
        "compacted, or come before the rater's start): its quantity 10 call (api) is not "
        "applied. It may be a replay of a record applied before and forgotten with its "
        "compacted cycle (then it was charged then, and nothing is lost): the rater cannot "
        "tell the two apart."
    )
    statement = rater.statement("2026-03-05T00:00:00Z")
    assert (statement.lines, statement.anomalies) == ((), ())


def test_a_delta_reaching_back_is_named_once_with_its_part() -> None:
    rater = rk.Rater(PLAN, [API], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Event("a", "v", "2026-03-01T00:00:00Z", kind="start", id="s")])
    rater.statement("2026-03-05T00:00:00Z")  # 1-4 March closed, 4 March kept
    delta = rk.Sample(
        "a", "ip", "api", "2026-03-05T12:00:00Z", 96, since="2026-03-01T12:00:00Z", id="d"
    )
    feed = rater.feed([delta])
    (anomaly,) = feed.anomalies
    # 96 calls over 96 hours, 1 per hour: 12 + 24 + 24 = 60 before 4 March
    assert (feed.late, feed.too_late, anomaly.quantity) == (("d",), ("d",), 60)
    statement = rater.statement("2026-03-06T00:00:00Z")
    # 24 on 4 March (kept, corrected late), 12 on 5 March; only the rater's own "late"
    assert [(line.cycle.start.day, line.quantity) for line in statement.lines] == [
        (4, 24),
        (5, 12),
    ]
    assert [a.kind for a in statement.anomalies] == ["late"]
    assert statement.anomalies[0].message.startswith(
        "sample 'd' (api, 96) stamped 2026-03-05T12:00:00Z was not late, but its span starts"
    )


def test_a_too_late_first_record_of_a_new_account_owes_fees_from_the_kept_cycles() -> None:
    plan = rk.Plan("p", "EUR", rk.cycles.daily(tz="UTC"), PLAN.entries, fees=[rk.Fee("f", 24)])
    rater = rk.Rater(plan, [API], start="2026-03-01T00:00:00Z")
    rater.feed([rk.Sample("a", "ip", "api", "2026-03-01T01:00:00Z", 1, id="a1")])
    rater.statement("2026-03-05T00:00:00Z")  # 1-4 March closed, 4 March kept
    feed = rater.feed([rk.Sample("b", "ip", "api", "2026-03-01T10:00:00Z", 7, id="b1")])
    assert (feed.too_late, feed.anomalies[0].quantity) == (("b1",), 7)
    lines = [line for line in rater.statement("2026-03-07T00:00:00Z").lines if line.account == "b"]
    # b's fee of 4 March (closed, kept: late), 5 and 6 March, as batch bills the kept
    # cycles; its 7 calls and fees of 1-3 March lie in compacted cycles
    assert [(line.kind, line.cycle.start.day, line.amount, line.late) for line in lines] == [
        ("fee", 4, 24, True),
        ("fee", 5, 24, False),
        ("fee", 6, 24, False),
    ]
    batch = rk.rate(
        [rk.Sample("a", "ip", "api", "2026-03-01T01:00:00Z", 1, id="a1"),
         rk.Sample("b", "ip", "api", "2026-03-01T10:00:00Z", 7, id="b1")],
        plan, span=rk.Span("2026-03-01T00:00:00Z", "2026-03-07T00:00:00Z"), meters=[API],
    )  # fmt: skip
    kept = [c for c in batch.charges if c.account == "b" and c.cycle.start.day >= 4]
    assert sum(c.amount for c in kept) == sum(line.amount for line in lines) == 72
