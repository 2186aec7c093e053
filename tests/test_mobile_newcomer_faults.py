"""Faults a mobile virtual network operator met with SIMs suspended and reactivated.

A SIM's data is a cumulative counter from zero at each reboot of its session
(`rk.Counter(from_zero=True)`), priced 1 EUR a GB on daily cycles. `docs/usage.md`
("Counters and gauges") promises that a reading stamped while the SIM is suspended is the
counter as it stood at the suspension, never spread over the suspended time, and that a
reactivation's first reading rises from zero at the START; `docs/streaming.md` ("One
engine") and `docs/lateness.md` ("Records stamped in compacted cycles") promise that the
stream's usage plus the quantities its `"too_late"` and `"late"` anomalies name is batch
`rate()`'s. Each fault found is here on its smallest input, next to the neighbouring
case that held, and all are fixed: a reading over one at the suspension's very instant,
and late STOPs and STARTs that move a later reading's part of compacted days.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

DAYS = rk.cycles.daily(tz="UTC")
DATA = rk.Meter("data", "GB", rk.Counter(from_zero=True))
PLAN = rk.Plan("d", "EUR", DAYS, [rk.PriceEntry("data", "data", rk.PerUnit(1))])
Record = rk.Event | rk.Sample


def event(kind: str, at: str, record_id: str) -> rk.Event:
    return rk.Event("acme", "sim-1", at, kind=kind, id=record_id)  # type: ignore[arg-type]


def reading(at: str, gb: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", "sim-1", "data", at, gb, kind="counter", id=record_id)


def batch_per_day(records: Sequence[Record], end: str) -> dict[int, Decimal]:
    span = rk.Span("2026-03-01T00:00:00Z", end)
    rating = rk.rate(records, PLAN, span=span, meters=[DATA], as_of=end)
    days: dict[int, Decimal] = defaultdict(Decimal)
    for charge in rating.charges:
        days[charge.cycle.start.day] += charge.amount
    return {day: amount for day, amount in days.items() if amount}


def suspended_at(first_reading: str) -> list[Record]:
    # Activated at midnight, 6 GB read at `first_reading`, suspended at noon and never
    # reactivated; the network reports 8 GB on 3 March, the counter as it stood at the
    # suspension.
    return [
        event("start", "2026-03-01T00:00:00Z", "s1"),
        reading(first_reading, 6, "r1"),
        event("stop", "2026-03-01T12:00:00Z", "p1"),
        reading("2026-03-03T12:00:00Z", 8, "r2"),
    ]


def test_a_reading_while_suspended_rises_up_to_the_suspension() -> None:
    # r1 a second before the suspension: r2's rise of 2 GB is spread over the second up
    # to the stop, on 1 March: 6 + 2 = 8, nothing while suspended.
    assert batch_per_day(suspended_at("2026-03-01T11:59:59Z"), "2026-03-04T00:00:00Z") == {1: 8}


def test_a_reading_at_the_suspensions_instant_keeps_the_rise_off_the_suspended_days() -> None:
    # r1 at the suspension's very instant is the counter as it stood then (6 GB); r2,
    # while suspended, too: its rise of 2 GB is counted at r1's instant, on 1 March
    # (6 + 2 = 8), not spread over the 48 suspended hours (6.5, 1 and 0.5 before).
    assert batch_per_day(suspended_at("2026-03-01T12:00:00Z"), "2026-03-04T00:00:00Z") == {1: 8}


# Activated on 1 March, 6 GB by noon; the session is rebooted on 3 March (suspended at
# midnight, reactivated at 06:00) and reads 4 GB at noon, from zero at the reactivation.
# The reading comes first; the suspension and reactivation come after the statement of
# 3 March 18:00, which compacts 1 March (daily cycles, no horizon).
REBOOTED = [
    event("start", "2026-03-01T00:00:00Z", "s1"),
    reading("2026-03-01T12:00:00Z", 6, "r1"),
    reading("2026-03-03T12:00:00Z", 4, "r2"),
    event("stop", "2026-03-03T00:00:00Z", "p1"),
    event("start", "2026-03-03T06:00:00Z", "s2"),
]


def stream_and_named(
    schedule: Sequence[tuple[Sequence[Record], str]], horizon: dt.timedelta
) -> tuple[dict[int, Fraction], Fraction]:
    """The stream's lines per day, and what its `too_late`/`late` anomalies name."""
    rater = rk.Rater(PLAN, [DATA], start="2026-03-01T00:00:00Z", horizon=horizon)
    days: dict[int, Fraction] = defaultdict(Fraction)
    named = Fraction(0)
    for records, as_of in schedule:
        anomalies = list(rater.feed(records).anomalies)
        statement = rater.statement(as_of)
        anomalies += statement.anomalies
        for line in statement.lines:
            days[line.cycle.start.day] += Fraction(line.amount)
        named += sum(
            (
                Fraction(a.quantity)
                for a in anomalies
                if a.kind in ("too_late", "late") and a.quantity
            ),
            Fraction(0),
        )
    return {day: amount for day, amount in days.items() if amount}, named


REBOOT_FED_LATE = [
    (REBOOTED[:2], "2026-03-02T00:00:00Z"),
    (REBOOTED[2:3], "2026-03-03T18:00:00Z"),
    (REBOOTED[3:], "2026-03-04T00:00:00Z"),
]


def test_batch_counts_the_rebooted_session_from_zero() -> None:
    # 6 GB on 1 March; r2's 4 GB rise from zero at the 06:00 reactivation, on 3 March.
    assert batch_per_day(REBOOTED, "2026-03-04T00:00:00Z") == {1: 6, 3: 4}


def test_with_a_horizon_over_the_delay_the_stream_follows_the_late_reboot() -> None:
    # Before the reboot is known, r2 (4 below 6) is a reset spread over the 48 h from r1:
    # 1 GB on 1 March, 2 on the 2nd, 1 on the 3rd. With 1 March still kept, the late
    # reboot takes all of it back to the 3rd.
    assert stream_and_named(REBOOT_FED_LATE, dt.timedelta(hours=48)) == ({1: 6, 3: 4}, 0)


def test_a_late_reboot_that_moves_a_reset_out_of_a_compacted_day_is_named() -> None:
    days, named = stream_and_named(REBOOT_FED_LATE, dt.timedelta(0))
    assert sum(days.values()) + named == 10


# Activated on 1 March, 6 GB by 06:00, suspended at noon; 1 to 3 March compacted; then
# reactivated at 06:00 on 4 March, reading 3 GB at noon: 3 GB from zero on 4 March.
REACTIVATED = [
    event("start", "2026-03-01T00:00:00Z", "s1"),
    reading("2026-03-01T06:00:00Z", 6, "r1"),
    event("stop", "2026-03-01T12:00:00Z", "p1"),
    reading("2026-03-04T12:00:00Z", 3, "r2"),
    event("start", "2026-03-04T06:00:00Z", "s2"),
]
READING_BEFORE_REACTIVATION = [
    (REACTIVATED[:3], "2026-03-02T00:00:00Z"),
    ([], "2026-03-04T00:00:00Z"),
    (REACTIVATED[3:4], "2026-03-04T13:00:00Z"),
    (REACTIVATED[4:], "2026-03-05T00:00:00Z"),
]


def test_the_stream_bills_the_reactivated_session_as_batch_does() -> None:
    assert batch_per_day(REACTIVATED, "2026-03-05T00:00:00Z") == {1: 6, 4: 3}
    days, _ = stream_and_named(READING_BEFORE_REACTIVATION, dt.timedelta(0))
    assert days == {1: 6, 4: 3}


def test_a_too_late_part_that_a_late_reactivation_brings_back_is_taken_back() -> None:
    days, named = stream_and_named(READING_BEFORE_REACTIVATION, dt.timedelta(0))
    assert sum(days.values()) + named == 9


# Activated on 1 March, 4 GB by noon, 6 GB by noon on 2 March; the suspension at midnight
# on 2 March comes after the statement of 3 March, which compacted 1 March.
SUSPENDED_LATE = [
    event("start", "2026-03-01T00:00:00Z", "s1"),
    reading("2026-03-01T12:00:00Z", 4, "r1"),
    reading("2026-03-02T12:00:00Z", 6, "r2"),
    event("stop", "2026-03-02T00:00:00Z", "p1"),
]
SUSPENSION_FED_LATE = [
    (SUSPENDED_LATE[:2], "2026-03-02T00:00:00Z"),
    (SUSPENDED_LATE[2:3], "2026-03-03T00:00:00Z"),
    (SUSPENDED_LATE[3:], "2026-03-04T00:00:00Z"),
]


def test_a_late_suspension_moves_the_rise_while_its_day_is_kept() -> None:
    # Batch: r2 is read while suspended, so its rise of 2 GB is spread up to the
    # suspension, on 1 March: 4 + 2 = 6. Streamed with 12 h of horizon, r2 first spreads
    # 1 GB on each day; the late STOP moves 2 March's 1 GB back to 1 March.
    assert batch_per_day(SUSPENDED_LATE, "2026-03-04T00:00:00Z") == {1: 6}
    assert stream_and_named(SUSPENSION_FED_LATE, dt.timedelta(hours=12)) == ({1: 6}, 0)


def test_a_late_suspension_that_moves_a_rise_into_a_compacted_day_is_named() -> None:
    days, named = stream_and_named(SUSPENSION_FED_LATE, dt.timedelta(0))
    assert sum(days.values()) + named == 6


def test_a_reading_after_the_suspension_keeps_the_rise_at_its_own_instant() -> None:
    # r1 an hour after the noon suspension (13:00 on 1 March) is the counter as it stood
    # at the stop; r2's rise of 2 GB over it is counted at r1's instant: 8 on 1 March.
    assert batch_per_day(suspended_at("2026-03-01T13:00:00Z"), "2026-03-04T00:00:00Z") == {1: 8}


@pytest.mark.parametrize("first", ["2026-03-01T12:00:00Z", "2026-03-01T13:00:00Z"])
def test_the_stream_keeps_a_rise_over_a_reading_at_or_after_the_stop_as_batch_does(
    first: str,
) -> None:
    # Fed in time order, a statement between every record, through a JSON restore each
    # time: 6 GB then 8 GB on 1 March, as batch (6 + 2).
    records = suspended_at(first)
    rater = rk.Rater(PLAN, [DATA], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=1))
    days: dict[int, Decimal] = defaultdict(Decimal)
    marks = ["2026-03-01T11:00:00Z", "2026-03-01T14:00:00Z", "2026-03-02T06:00:00Z"]
    for record, mark in zip(records, [*marks, "2026-03-05T00:00:00Z"], strict=True):
        rater.feed([record])
        for line in rater.statement(mark).lines:
            days[line.cycle.start.day] += line.amount
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, [DATA])
    assert {day: amount for day, amount in days.items() if amount} == {1: 8}
