"""Two readings of one counter stamped at one instant, fed to the rater in separate batches.

Metering applies readings of one instant by ``seq``, then value, then id (see
``ratekit._metering_counters.order``): the lower reading first, so that a tie reads as a
rise. The rater judges a reading fed at the instant of a kept reading of its counter,
both counting from a compacted reading, as one batch ``rate()`` orders them, whatever
the order they arrive in and across snapshot -> JSON -> restore: the kept cycles equal
batch's to the last digit, and what differs in the compacted cycles is the part named.
Worked by hand in the comments.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

import ratekit as rk

EGRESS = rk.Meter("egress", "B", rk.Counter())
PLAN = rk.Plan(
    "p", "EUR", rk.cycles.daily(tz="UTC"), [rk.PriceEntry("e", "egress", rk.PerUnit("0.001"))]
)
START = "2026-03-01T00:00:00Z"


def _reading(at: str, value: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", "ip", "egress", at, value, kind="counter", id=record_id)


def _again(rater: rk.Rater) -> rk.Rater:
    return rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [EGRESS])


def _lines(statement: rk.Statement) -> list[tuple[str, int, Decimal, Decimal]]:
    return [(ln.role, ln.cycle.start.day, ln.quantity, ln.amount) for ln in statement.lines]


def _by_day(rating: rk.Rating) -> dict[int, Decimal]:
    out: dict[int, Decimal] = {}
    for charge in rating.charges:
        day = charge.cycle.start.day
        out[day] = out.get(day, Decimal(0)) + charge.quantity
    return out


# 100 at 1 March 12:00; 150 and 120 both at 2 March 12:00; 155 at 3 March 12:00.
G0 = _reading("2026-03-01T12:00:00Z", 100, "g0")
HIGH = _reading("2026-03-02T12:00:00Z", 150, "high")
LOW = _reading("2026-03-02T12:00:00Z", 120, "low")
LAST = _reading("2026-03-03T12:00:00Z", 155, "last")


def test_batch_orders_two_readings_of_one_instant_lower_first() -> None:
    # 120 before 150: 100 -> 120 over 24 h (10 on 1 March, 10 on 2 March), 120 -> 150 at
    # 2 March 12:00 (30, at an instant), 150 -> 155 over 24 h (2.5 and 2.5): no reset.
    # With no seq, the order is metering's: a "tie" names them, the one that holds first.
    span = rk.Span(START, "2026-03-05T00:00:00Z")
    for records in ([G0, HIGH, LOW, LAST], [LAST, LOW, HIGH, G0]):
        rating = rk.rate(records, PLAN, span=span, meters=[EGRESS])
        assert _by_day(rating) == {1: Decimal(10), 2: Decimal("42.5"), 3: Decimal("2.5")}
        assert [(a.kind, a.record_ids) for a in rating.anomalies] == [("tie", ("high", "low"))]


@pytest.mark.parametrize("restore", [False, True])
def test_the_higher_kept_then_the_lower_fed_after_compaction_is_placed_before_it(
    restore: bool,
) -> None:
    rater = rk.Rater(PLAN, [EGRESS], start=START)
    rater.feed([G0, HIGH, LAST])
    # Alone: 100 -> 150 over 24 h (25 and 25), 150 -> 155 (2.5 and 2.5).
    first = rater.statement("2026-03-04T00:00:00Z")  # closes 1-3 March, compacts 1-2
    assert _lines(first) == [
        ("charge", 1, Decimal(25), Decimal("0.025")),
        ("charge", 2, Decimal("27.5"), Decimal("0.0275")),
        ("charge", 3, Decimal("2.5"), Decimal("0.0025")),
    ]
    rater = _again(rater) if restore else rater
    feed = rater.feed([LOW])
    # Placed before 150 in the compacted state, as batch places it: 1 March gets 10 (not
    # 25), 2 March 10 + 30 + 2.5 = 42.5 (not 27.5): -15 + 15, nothing in sum. 3 March
    # still counts from 150: 2.5. (Judged alone after 150, it was a reset to 120, and 3
    # March counted 155 - 120 = 35 over 24 h: 17.5.)
    assert feed.too_late == ("low",)
    (anomaly,) = feed.anomalies
    assert anomaly.message == (
        "sample 'low' (egress, 120 at 2026-03-02T12:00:00Z) is stamped before every cycle "
        "the rater keeps (from 2026-03-03T00:00:00Z): it is placed among the readings of its "
        "counter that the compacted state keeps, as metering them at once places it, and what "
        "it changes before 2026-03-03T00:00:00Z adds up to nothing (the rest is applied)."
    )
    rater = _again(rater) if restore else rater
    assert _lines(rater.statement("2026-03-05T00:00:00Z")) == []
    (state,) = rater._state
    assert [entry[4] for entry in state.readings] == ["g0", "low", "high", "last"]


@pytest.mark.parametrize("restore", [False, True])
def test_the_lower_kept_then_the_higher_fed_after_compaction_is_placed_after_it(
    restore: bool,
) -> None:
    rater = rk.Rater(PLAN, [EGRESS], start=START)
    rater.feed([G0, LOW, LAST])
    # Alone: 100 -> 120 over 24 h (10 and 10), 120 -> 155 over 24 h (17.5 and 17.5).
    first = rater.statement("2026-03-04T00:00:00Z")
    assert _lines(first) == [
        ("charge", 1, Decimal(10), Decimal("0.010")),
        ("charge", 2, Decimal("27.5"), Decimal("0.0275")),
        ("charge", 3, Decimal("17.5"), Decimal("0.0175")),
    ]
    rater = _again(rater) if restore else rater
    feed = rater.feed([HIGH])
    # After 120: 30 at 2 March 12:00, and 150 -> 155 gives 2.5 and 2.5. The compacted days
    # get 10 + (10 + 30 + 2.5) = 52.5 where they had 10 + 27.5 = 37.5: 15 too late; 3
    # March is corrected from 17.5 to 2.5.
    assert feed.too_late == ("high",)
    assert "its part before 2026-03-03T00:00:00Z, 15 B, belonged" in feed.anomalies[0].message
    rater = _again(rater) if restore else rater
    assert _lines(rater.statement("2026-03-05T00:00:00Z")) == [
        ("reversal", 3, Decimal("-17.5"), Decimal("-0.0175")),
        ("correction", 3, Decimal("2.5"), Decimal("0.0025")),
    ]


@pytest.mark.parametrize("high_first", [True, False])
@pytest.mark.parametrize("restore", [False, True])
def test_a_tie_in_the_kept_cycles_after_a_compacted_reading_is_judged_as_batch(
    high_first: bool, restore: bool
) -> None:
    # 100 at 1 March 12:00, compacted; then 150 and 50 both at 3 March 12:00, fed apart.
    # Batch: 50 first, a reset from 100 counted from zero: 50 over the 48 h from 1 March
    # 12:00 (12.5 on 1 March, 25 on 2 March, 12.5 on 3 March), then 150 - 50 = 100 at
    # 3 March 12:00. 1 March (compacted) gets 12.5, named too late; 2 March 25, 3 March
    # 112.5, whatever the order of arrival.
    high = _reading("2026-03-03T12:00:00Z", 150, "high")
    low = _reading("2026-03-03T12:00:00Z", 50, "low")
    rater = rk.Rater(PLAN, [EGRESS], start=START)
    rater.feed([G0])
    rater.statement("2026-03-03T00:00:00Z")  # closes 1-2 March, compacts 1 March
    lines: list[rk.StatementLine] = []
    named = Decimal(0)
    for sample in (high, low) if high_first else (low, high):
        rater = _again(rater) if restore else rater
        for anomaly in rater.feed([sample]).anomalies:
            named += Decimal(anomaly.message.split("2026-03-02T00:00:00Z, ")[1].split(" B")[0])
        lines.extend(rater.statement("2026-03-03T13:00:00Z").lines)
    lines.extend(rater.statement("2026-03-05T00:00:00Z").lines)
    days: dict[int, Decimal] = {}
    for line in lines:
        days[line.cycle.start.day] = days.get(line.cycle.start.day, Decimal(0)) + line.quantity
    assert days == {2: Decimal(25), 3: Decimal("112.5")}
    assert named == Decimal("12.5")
    span = rk.Span(START, "2026-03-05T00:00:00Z")
    batch = _by_day(rk.rate([G0, high, low], PLAN, span=span, meters=[EGRESS]))
    assert batch == {1: Decimal("12.5"), 2: Decimal(25), 3: Decimal("112.5")}


def test_a_batch_of_both_readings_says_the_same_however_listed() -> None:
    # 100 at 1 March 12:00, compacted; 150 and 50 at 3 March 12:00 in one batch. Judged
    # as batch orders them, 50 first: a reset counted from zero, 50 over 48 h, 12 of them
    # on 1 March: 12.5 too late; 150 then counts 100 from it at an instant: nothing too
    # late. (Listed 150 first, 150 was judged from the 100 and named too late instead.)
    high = _reading("2026-03-03T12:00:00Z", 150, "high")
    low = _reading("2026-03-03T12:00:00Z", 50, "low")
    for batch in ([high, low], [low, high]):
        rater = rk.Rater(PLAN, [EGRESS], start=START)
        rater.feed([G0])
        rater.statement("2026-03-03T00:00:00Z")
        feed = rater.feed(batch)
        assert feed.accepted == tuple(sample.id for sample in batch)  # as listed
        assert feed.too_late == ("low",)
        (anomaly,) = feed.anomalies
        assert "its part before 2026-03-02T00:00:00Z, 12.5 B, belonged" in anomaly.message


def test_the_late_anomaly_of_a_tie_reaching_a_closed_cycle_names_the_lower_reading() -> None:
    # Hourly cycles: 500 at 09:50; the 09:00 cycle closes at 10:05; then 1000 and 800,
    # both at 10:10, fed apart in either order. 800 counts 300 from 500 over 20 min, 10 of
    # them in the closed cycle: 150 there (a late charge); 1000 counts 200 from 800 at
    # 10:10. The "late" anomaly names the reading whose increment reached back: 800.
    hourly = rk.Plan("p", "EUR", rk.cycles.hourly(), [rk.PriceEntry("e", "egress", rk.PerUnit(1))])
    high = _reading("2026-03-01T10:10:00Z", 1000, "high")
    low = _reading("2026-03-01T10:10:00Z", 800, "low")
    for first, second in ((high, low), (low, high)):
        rater = rk.Rater(hourly, [EGRESS], start="2026-03-01T09:00:00Z")
        rater.feed([_reading("2026-03-01T09:50:00Z", 500, "r1")])
        rater.statement("2026-03-01T10:05:00Z")
        rater.feed([first])
        rater.feed([second])
        statement = rater.statement("2026-03-01T10:15:00Z")
        assert [(ln.role, ln.cycle.start.hour, ln.quantity, ln.late) for ln in statement.lines] == [
            ("charge", 9, Decimal(150), True),
            ("charge", 10, Decimal(350), False),
        ]
        assert [(a.kind, a.record_ids) for a in statement.anomalies] == [
            ("late", ("low",)),
            ("tie", ("high", "low")),  # two readings at one instant with no seq
        ]


def test_metering_a_carried_state_orders_a_reading_at_its_last_readings_instant() -> None:
    # meter() with state: the state's last reading is 150 at 2 March 12:00; a reading of
    # 120 at that very instant comes in the next call. At once, 120 comes first: 100 ->
    # 120 (10 + 10), 120 -> 150 (30 at 12:00). The next call's late rows make up the
    # difference from 100 -> 150 (25 + 25): -15 on 1 March, +15 on 2 March.
    span = rk.Span(START, "2026-03-03T00:00:00Z")
    daily = rk.cycles.daily(tz="UTC")
    first = rk.meter([G0, HIGH], [EGRESS], span=span, cycle=daily, as_of=span.end)
    after = rk.Span("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z")
    later = rk.meter([LOW], [EGRESS], span=after, cycle=daily, as_of=after.end, state=first.state)
    assert sorted((row.span.start.day, row.quantity) for row in later.late) == [
        (1, Decimal(-15)),
        (2, Decimal(15)),
    ]
    (state,) = later.state
    assert [entry[4] for entry in state.readings] == ["g0", "low", "high"]
