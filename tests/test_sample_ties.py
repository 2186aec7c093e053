"""Readings of one resource and meter at one instant with no seq and other values: a "tie".

docs/usage.md ("Counters and gauges", the `tie` row of "Anomalies and their rules"):
metering applies them by value, the lower first, then id (a gauge's higher value holds, a
counter's pair reads as a rise); that order is metering's, not the source's, so a "tie"
anomaly names them, the one that holds first, as events of one instant are a "tie".
Equal values are no tie (their order changes nothing), nor are deltas (they add up).
"""

from __future__ import annotations

from decimal import Decimal

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
DAILY = rk.cycles.daily(tz="UTC")
NOON = "2026-03-02T12:00:00Z"
USERS = rk.Meter("users", "user", rk.Latest())
PEAK = rk.Meter("users", "user", rk.Max())
COUNT = rk.Meter("users", "reading", rk.Count())
EGRESS = rk.Meter("egress", "B", rk.Counter())


def gauge(value: int, record_id: str | None, seq: int | None = None, at: str = NOON) -> rk.Sample:
    return rk.Sample("acme", "app", "users", at, value, kind="gauge", id=record_id, seq=seq)


def counter(at: str, value: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", "app", "egress", at, value, kind="counter", id=record_id)


def _meter(records: list[rk.Sample], meter: rk.Meter) -> rk.Usage:
    return rk.meter(records, [meter], span=MARCH, cycle=DAILY, as_of=MARCH.end)


def test_three_gauges_at_one_instant_are_one_tie() -> None:
    usage = _meter([gauge(300, "a"), gauge(100, "b"), gauge(200, "c")], USERS)
    assert [row.quantity for row in usage.rows] == [Decimal(300)]  # the highest holds
    (tie,) = usage.anomalies
    # The one that holds first, then the others as applied (100, then 200).
    assert (tie.kind, tie.record_ids, tie.account, tie.resource) == (
        "tie",
        ("a", "b", "c"),
        "acme",
        "app",
    )
    assert tie.at == MARCH.start.replace(day=2, hour=12)
    assert tie.message == (
        "3 readings of 'users' of 'app' are stamped 2026-03-02T12:00:00Z with no seq and other "
        "values: applied as sample 'b' (100), sample 'c' (200), sample 'a' (300), by value, "
        "the lower first (a level such as Latest or a mean keeps the last, a counter reads the "
        "pair as a rise, an aggregation of every reading such as Max, Percentile or "
        "UniqueCount counts each); give them a seq to fix the order."
    )


def test_the_order_listed_changes_nothing() -> None:
    one = _meter([gauge(300, "a"), gauge(100, "b"), gauge(200, "c")], USERS)
    other = _meter([gauge(200, "c"), gauge(300, "a"), gauge(100, "b")], USERS)
    assert (one.rows, one.anomalies) == (other.rows, other.anomalies)


def test_equal_values_at_one_instant_are_no_tie() -> None:
    # Two records (other ids), one value: both are counted, in either order alike.
    usage = _meter([gauge(5, "a"), gauge(5, "b")], COUNT)
    assert [row.quantity for row in usage.rows] == [Decimal(2)]
    assert usage.anomalies == ()


def test_equal_readings_without_an_id_are_duplicates_not_a_tie() -> None:
    usage = _meter([gauge(5, None), gauge(5, None)], COUNT)
    assert [row.quantity for row in usage.rows] == [Decimal(1)]
    assert [a.kind for a in usage.anomalies] == ["duplicate"]


def test_a_seq_orders_them_with_no_tie() -> None:
    usage = _meter([gauge(300, "a", seq=1), gauge(100, "b", seq=2)], USERS)
    assert [row.quantity for row in usage.rows] == [Decimal(100)]  # seq 2 holds
    assert usage.anomalies == ()


def test_a_tie_of_a_peak_is_said_too() -> None:
    # Max reads the same whatever the order, but the records do not say which came last:
    # the tie is said as for events, whatever the policy.
    usage = _meter([gauge(300, "a"), gauge(100, "b")], PEAK)
    assert [row.quantity for row in usage.rows] == [Decimal(300)]
    assert [(a.kind, a.record_ids) for a in usage.anomalies] == [("tie", ("a", "b"))]


def test_two_counter_readings_at_one_instant_are_a_tie_read_as_a_rise() -> None:
    # 0 at 00:00, then 400 and 500 at noon (lower first: a rise of 400, then 100), then
    # 600 at 2 March 00:00: 600 B in all, none a reset.
    usage = _meter(
        [
            counter("2026-03-02T00:00:00Z", 0, "c0"),
            counter(NOON, 500, "c1"),
            counter(NOON, 400, "c1-fix"),
            counter("2026-03-03T00:00:00Z", 600, "c2"),
        ],
        EGRESS,
    )
    assert [row.quantity for row in usage.rows] == [Decimal(600)]
    assert [(a.kind, a.record_ids) for a in usage.anomalies] == [("tie", ("c1", "c1-fix"))]


def test_deltas_at_one_instant_are_no_tie() -> None:
    calls = rk.Meter("calls", "call", rk.Discrete())
    usage = _meter(
        [
            rk.Sample("acme", "app", "calls", NOON, 3, id="d1"),
            rk.Sample("acme", "app", "calls", NOON, 4, id="d2"),
        ],
        calls,
    )
    assert [row.quantity for row in usage.rows] == [Decimal(7)]
    assert usage.anomalies == ()


def test_the_rater_says_the_tie_as_batch_does() -> None:
    plan = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("u", "users", rk.PerUnit(1))])
    records = [gauge(40, "u1"), gauge(35, "u2")]
    rater = rk.Rater(plan, [USERS], start=MARCH.start)
    rater.feed(records)
    statement = rater.statement("2026-03-03T00:00:00Z")
    assert [(line.quantity, line.amount) for line in statement.lines] == [(40, 40)]
    assert [(a.kind, a.record_ids) for a in statement.anomalies] == [("tie", ("u1", "u2"))]
    batch = rk.rate(
        records, plan, span=rk.Span(MARCH.start, "2026-03-03T00:00:00Z"), meters=[USERS]
    )
    assert batch.anomalies == statement.anomalies


def test_the_rater_says_a_tie_whose_readings_come_in_two_feeds() -> None:
    # The second reading, fed after the statement that counted the first, is stamped
    # behind the watermark: its resource is metered again, the two together.
    plan = rk.Plan("p", "EUR", DAILY, [rk.PriceEntry("u", "users", rk.PerUnit(1))])
    rater = rk.Rater(plan, [USERS], start=MARCH.start)
    rater.feed([gauge(40, "u1")])
    assert rater.statement("2026-03-02T18:00:00Z").anomalies == ()
    assert rater.feed([gauge(35, "u2")]).accepted == ("u2",)
    statement = rater.statement("2026-03-02T20:00:00Z")
    assert statement.lines == ()  # 40 still holds
    assert [(a.kind, a.record_ids) for a in statement.anomalies] == [("tie", ("u1", "u2"))]
