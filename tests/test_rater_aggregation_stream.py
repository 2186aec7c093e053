"""An aggregation fed to the rater: each statement takes the cycle so far on, exactly.

A `Max`, `Min`, `Latest`, `Count`, `TimeWeightedMean`, `UniqueCount` or `Percentile`
resource goes on from its metering state at the last watermark: while its cycle so far
is one piece, its row is taken on with the new readings (the larger, the smaller, the
last, the sum; a mean from its integral so far, a distinct count or a percentile from
its values so far),
not metered again from the cycle's start (`ratekit._rater_aggregations`). Its statements
cost what is new (benchmarks/counter_stream_bench.py --meter max); their rows and lines
are those of one batch ``rate()``, to the last digit, whatever the readings, the late
ones, the replays, the watermarks, the descriptions, the price change and the restores.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._rater_streams import batch_sums, sums
from tests._spied_metering import spied

import ratekit as rk
from ratekit._instants import format_us, to_us

T0 = to_us("2026-03-01T00:00:00Z")
MINUTE_US = 60_000_000
HOUR_US = 60 * MINUTE_US
DAY_US = 24 * HOUR_US
CHANGE_US = T0 + DAY_US + 13 * HOUR_US  # a price change in the middle of day 2


def _setting(policy: Any) -> tuple[rk.Meter, rk.Plan]:
    users = rk.Meter("users", "user", policy)
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.daily(tz="UTC"),
        [
            rk.PriceEntry("old", "users", rk.PerUnit("0.5"), end=format_us(CHANGE_US)),
            rk.PriceEntry("new", "users", rk.PerUnit("0.25"), start=format_us(CHANGE_US)),
        ],
    )
    return users, plan


def _reading(minute: int, value: int | str, name: str | None) -> rk.Sample:
    at = format_us(T0 + minute * MINUTE_US)
    return rk.Sample("acme", "vm-1", "users", at, value, kind="gauge", id=name)


def _row(rater: rk.Rater) -> tuple[int, int, Decimal, tuple[str, ...]]:
    book = rater._book
    assert book is not None
    ((_, (row,)),) = book.rows.items()
    return row.span.start_us, row.span.end_us, row.quantity, row.record_ids


def test_a_peak_goes_on_from_its_cycle_so_far_at_a_statement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    users, plan = _setting(rk.Max())
    rater = rk.Rater(plan, [users], start=format_us(T0))
    rater.feed([_reading(0, 5, "r0"), _reading(60, 9, "r1")])
    # The peak of 00:00..01:20 is 9 users: 9 x 0.5 = 4.50 EUR.
    first = rater.statement("2026-03-01T01:20:00Z")
    assert [(line.quantity, line.amount) for line in first.lines] == [(9, Decimal("4.50"))]
    calls = spied(monkeypatch)
    rater.feed([_reading(120, 7, "r2")])
    # 7 < 9: the day's peak stays 9, nothing to correct.
    assert rater.statement("2026-03-01T02:30:00Z").lines == ()
    # Metered from the state at 01:20, the new reading alone (it was metered again from
    # the cycle's start with all three, as for every statement of an aggregation).
    assert calls == [(T0 + 80 * MINUTE_US, 1)]
    assert _row(rater) == (T0, T0 + 150 * MINUTE_US, 9, ("r0", "r1", "r2"))
    rater.feed([_reading(180, 12, "r3")])
    third = rater.statement("2026-03-01T03:30:00Z")
    # max(9, 12) = 12 users, 3 more than stated: 3 x 0.5 = 1.5 EUR more.
    assert [(line.role, line.quantity, line.amount) for line in third.lines] == [
        ("increment", 3, Decimal("1.5")),
    ]
    assert calls == [(T0 + 80 * MINUTE_US, 1), (T0 + 150 * MINUTE_US, 1)]
    assert _row(rater) == (T0, T0 + 210 * MINUTE_US, 12, ("r0", "r1", "r2", "r3"))


def test_a_peak_of_equal_readings_keeps_the_first_ones_digits() -> None:
    # 9.0 at 00:00, then 9.00 and 9 later: metering at once keeps the first reading's
    # value, 9.0, tidied to 9; the rows taken on say the same (a value is tidied the
    # same whatever its exponent).
    users, plan = _setting(rk.Max())
    records = [_reading(0, "9.0", "r0"), _reading(60, "9.00", "r1"), _reading(120, 9, "r2")]
    rater = rk.Rater(plan, [users], start=format_us(T0))
    for number, record in enumerate(records, 1):
        rater.feed([record])
        rater.statement(format_us(T0 + number * HOUR_US))
    _, _, quantity, _ = _row(rater)
    assert quantity.as_tuple() == Decimal(9).as_tuple()


def test_the_latest_and_the_least_go_on_from_their_cycle_so_far() -> None:
    # Latest: 5 then 3 -> 3. Min: 5 then 3 then 4 -> 3.
    for policy, values, expected in ((rk.Latest(), (5, 3), 3), (rk.Min(), (5, 3, 4), 3)):
        users, plan = _setting(policy)
        rater = rk.Rater(plan, [users], start=format_us(T0))
        for number, value in enumerate(values):
            rater.feed([_reading(60 * number, value, f"r{number}")])
            rater.statement(format_us(T0 + 60 * number * MINUTE_US + 1))
        _, _, quantity, _ = _row(rater)
        assert quantity == expected


def test_a_count_goes_on_from_its_cycle_so_far(monkeypatch: pytest.MonkeyPatch) -> None:
    users, plan = _setting(rk.Count())
    rater = rk.Rater(plan, [users], start=format_us(T0))
    rater.feed([_reading(0, 5, "r0"), _reading(60, 9, "r1")])
    rater.statement("2026-03-01T01:20:00Z")
    calls = spied(monkeypatch)
    rater.feed([_reading(120, 7, "r2")])
    rater.statement("2026-03-01T02:30:00Z")
    # Two readings so far and one new: 2 + 1 = 3, metered from 01:20 with r2 alone.
    assert calls == [(T0 + 80 * MINUTE_US, 1)]
    assert _row(rater) == (T0, T0 + 150 * MINUTE_US, 3, ("r0", "r1", "r2"))


def test_a_mean_goes_on_from_its_integral_so_far(monkeypatch: pytest.MonkeyPatch) -> None:
    users, plan = _setting(rk.TimeWeightedMean())
    rater = rk.Rater(plan, [users], start=format_us(T0))
    rater.feed([_reading(0, 10, "r0"), _reading(60, 30, "r1")])
    rater.statement("2026-03-01T02:00:00Z")
    # (10 x 1 h + 30 x 1 h) / 2 h = 20 users.
    assert _row(rater) == (T0, T0 + 2 * HOUR_US, 20, ("r0", "r1"))
    calls = spied(monkeypatch)
    rater.statement("2026-03-01T04:00:00Z")
    # Nothing new: the level 30 holds, (10 x 1 + 30 x 3) / 4 = 25, with no metering.
    assert calls == []
    assert _row(rater) == (T0, T0 + 4 * HOUR_US, 25, ("r0", "r1"))
    rater.feed([_reading(240, 20, "r2")])
    rater.statement("2026-03-01T08:00:00Z")
    # (10 x 1 + 30 x 3 + 20 x 4) / 8 = 180 / 8 = 22.5, metered from 04:00 with r2 alone.
    assert calls == [(T0 + 4 * HOUR_US, 1)]
    assert _row(rater) == (T0, T0 + 8 * HOUR_US, Decimal("22.5"), ("r0", "r1", "r2"))


def test_a_mean_found_again_after_a_restore_goes_on_from_its_kept_readings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    users, plan = _setting(rk.TimeWeightedMean(over="period"))
    rater = rk.Rater(plan, [users], start=format_us(T0))
    rater.feed([_reading(60, 10, "r0"), _reading(120, 40, "r1")])
    rater.statement("2026-03-01T03:00:00Z")
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [users])
    rater.statement("2026-03-01T04:00:00Z")  # metered again whole: a restore
    calls = spied(monkeypatch)
    rater.feed([_reading(240, 0, "r2")])
    rater.statement("2026-03-01T06:00:00Z")
    assert calls == [(T0 + 4 * HOUR_US, 1)]  # taken on, not metered again
    # Over the whole 6 h: (0 x 1 + 10 x 1 + 40 x 2 + 0 x 2) / 6 = 90 / 6 = 15 users;
    # the integral up to 04:00 is found from r0 and r1, checked against the row's 22.5
    # (10 x 1 + 40 x 2 = 90 over 4 h).
    assert _row(rater) == (T0, T0 + 6 * HOUR_US, 15, ("r0", "r1", "r2"))


def test_a_distinct_count_goes_on_from_its_values_so_far(monkeypatch: pytest.MonkeyPatch) -> None:
    users, plan = _setting(rk.UniqueCount())
    rater = rk.Rater(plan, [users], start=format_us(T0))
    rater.feed([_reading(0, 5, "r0"), _reading(60, 9, "r1")])
    # Two distinct values so far, {5, 9}: 2 x 0.5 = 1.00 EUR.
    first = rater.statement("2026-03-01T01:20:00Z")
    assert [(line.quantity, line.amount) for line in first.lines] == [(2, Decimal("1.0"))]
    calls = spied(monkeypatch)
    rater.feed([_reading(120, "5.0", "r2")])
    # 5.0 is 5, seen before: still 2 distinct, nothing to correct; metered from 01:20
    # with r2 alone (it was metered again from the cycle's start with all three).
    assert rater.statement("2026-03-01T02:30:00Z").lines == ()
    assert calls == [(T0 + 80 * MINUTE_US, 1)]
    assert _row(rater) == (T0, T0 + 150 * MINUTE_US, 2, ("r0", "r1", "r2"))
    rater.feed([_reading(180, 12, "r3")])
    third = rater.statement("2026-03-01T03:30:00Z")
    # {5, 9, 12}: 3 distinct, 1 more than stated: 1 x 0.5 = 0.5 EUR more.
    assert [(line.role, line.quantity, line.amount) for line in third.lines] == [
        ("increment", 1, Decimal("0.5")),
    ]
    assert calls == [(T0 + 80 * MINUTE_US, 1), (T0 + 150 * MINUTE_US, 1)]
    assert _row(rater) == (T0, T0 + 210 * MINUTE_US, 3, ("r0", "r1", "r2", "r3"))


def test_a_percentile_goes_on_from_its_values_so_far(monkeypatch: pytest.MonkeyPatch) -> None:
    users, plan = _setting(rk.Percentile(95))
    rater = rk.Rater(plan, [users], start=format_us(T0))
    rater.feed([_reading(0, 30, "r0"), _reading(10, 10, "r1"), _reading(20, 20, "r2")])
    # Sorted 10, 20, 30; rank ceil(95/100 x 3) = ceil(2.85) = 3: 30 users x 0.5 = 15.0.
    first = rater.statement("2026-03-01T00:30:00Z")
    assert [(line.quantity, line.amount) for line in first.lines] == [(30, Decimal("15.0"))]
    calls = spied(monkeypatch)
    rater.feed([_reading(40, 40, "r3")])
    # 10, 20, 30, 40; rank ceil(3.8) = 4: 40, 10 more: 10 x 0.5 = 5.0 EUR more.
    second = rater.statement("2026-03-01T00:50:00Z")
    assert [(line.role, line.quantity, line.amount) for line in second.lines] == [
        ("increment", 10, Decimal("5.0")),
    ]
    rater.feed([_reading(60 + minute, 0, f"z{minute}") for minute in range(5)])
    # Five zeros more: 0 x 5, 10, 20, 30, 40 (9 values); rank ceil(8.55) = 9: still 40.
    assert rater.statement("2026-03-01T01:10:00Z").lines == ()
    # Each metered from the last watermark with its new readings alone.
    assert calls == [(T0 + 30 * MINUTE_US, 1), (T0 + 50 * MINUTE_US, 5)]
    rater.feed([_reading(80 + minute, 1, f"o{minute}") for minute in range(11)])
    # 20 values: 0 x 5, 1 x 11, 10, 20, 30, 40; rank ceil(19) = 19: 30, 10 less.
    fourth = rater.statement("2026-03-01T01:40:00Z")
    assert [(line.role, line.quantity, line.amount) for line in fourth.lines] == [
        ("increment", -10, Decimal("-5.0")),
    ]


def test_a_percentile_of_equal_values_keeps_the_first_read_ones_digits() -> None:
    # 9.50 then 9.5 (equal), stated between them: the median of (9.50, 9.5) is rank 1,
    # the first read, 9.50, tidied to 9.5, as metering both at once gives.
    users, plan = _setting(rk.Percentile(50))
    records = [_reading(0, "9.50", "r0"), _reading(60, "9.5", "r1"), _reading(120, 3, "r2")]
    rater = rk.Rater(plan, [users], start=format_us(T0))
    for number, record in enumerate(records, 1):
        rater.feed([record])
        rater.statement(format_us(T0 + number * HOUR_US))
    # 3, 9.50, 9.5: rank ceil(1.5) = 2: 9.50, tidied 9.5.
    span = rk.Span(format_us(T0), format_us(T0 + 3 * HOUR_US))
    (row,) = rk.rate(records, plan, span=span, meters=[users]).rows
    _, _, quantity, _ = _row(rater)
    assert quantity.as_tuple() == row.quantity.as_tuple() == Decimal("9.5").as_tuple()


@pytest.mark.parametrize("policy", [rk.UniqueCount(), rk.Percentile(50)], ids=repr)
def test_values_found_again_after_a_restore_go_on_from_the_kept_readings(
    policy: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    users, plan = _setting(policy)
    rater = rk.Rater(plan, [users], start=format_us(T0))
    rater.feed([_reading(60, 10, "r0"), _reading(120, 40, "r1"), _reading(130, 10, "r2")])
    rater.statement("2026-03-01T03:00:00Z")
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [users])
    rater.statement("2026-03-01T04:00:00Z")  # metered again whole: a restore
    calls = spied(monkeypatch)
    rater.feed([_reading(240, 7, "r3")])
    rater.statement("2026-03-01T06:00:00Z")
    assert calls == [(T0 + 4 * HOUR_US, 1)]  # taken on, not metered again
    # The values so far found from r0..r2 (checked against the row: 2 distinct, or the
    # median 10 of 10, 10, 40), then r3: {10, 40, 7} is 3 distinct; the median of
    # 7, 10, 10, 40 is rank ceil(2) = 2: 10.
    expected = 3 if type(policy) is rk.UniqueCount else 10
    assert _row(rater) == (T0, T0 + 6 * HOUR_US, expected, ("r0", "r1", "r2", "r3"))


def test_a_cycle_of_two_pieces_is_metered_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # The price changes at 13:00 on day 2: that day's peak is shared between its two
    # pieces in proportion to time, and each share moves with the watermark.
    users, plan = _setting(rk.Max())
    records = [_reading(24 * 60 + 60 * hour, hour, f"r{hour}") for hour in range(12, 16)]
    rater = rk.Rater(plan, [users], start=format_us(T0))
    lines: list[rk.StatementLine] = []
    rater.feed(records[:2])
    lines += rater.statement(format_us(T0 + DAY_US + 14 * HOUR_US)).lines
    calls = spied(monkeypatch)
    rater.feed(records[2:])
    watermark = T0 + DAY_US + 16 * HOUR_US
    lines += rater.statement(format_us(watermark)).lines
    assert calls[-1] == (T0, 4)
    batch = rk.rate(
        records, plan, span=rk.Span(format_us(T0), format_us(watermark)), meters=[users]
    )
    assert sums(lines) == batch_sums(batch.charges)


def test_a_peak_whose_cycle_starts_at_the_watermark_is_the_continuations() -> None:
    # Day 1 stated at midnight; day 2's readings (4 at 00:00, 6 at 00:30) make day 2's
    # row from the watermark on: its peak 6 over 00:00..01:00, nothing to join it to.
    users, plan = _setting(rk.Max())
    records = [_reading(600, 3, "r0"), _reading(24 * 60, 4, "r1"), _reading(24 * 60 + 30, 6, "r2")]
    rater = rk.Rater(plan, [users], start=format_us(T0), horizon=dt.timedelta(days=1))
    rater.feed(records[:1])
    rater.statement(format_us(T0 + DAY_US))
    rater.feed(records[1:])
    rater.statement(format_us(T0 + DAY_US + HOUR_US))
    book = rater._book
    assert book is not None
    rows = sorted((r.span.start_us, r.span.end_us, r.quantity) for r in book.all_rows())
    assert rows == [(T0, T0 + DAY_US, 3), (T0 + DAY_US, T0 + DAY_US + HOUR_US, 6)]


def test_a_peak_with_a_price_cut_after_the_watermark_is_metered_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Stated at 12:00 on day 2, one piece; the price changes at 13:00, inside the next
    # window: the day's peak is then shared between two pieces, metered again whole.
    users, plan = _setting(rk.Max())
    records = [_reading(24 * 60 + 600, 2, "r0"), _reading(24 * 60 + 810, 8, "r1")]
    rater = rk.Rater(plan, [users], start=format_us(T0))
    lines = list(rater.statement(format_us(T0 + DAY_US)).lines)
    rater.feed(records[:1])
    lines += rater.statement(format_us(T0 + DAY_US + 12 * HOUR_US)).lines
    calls = spied(monkeypatch)
    rater.feed(records[1:])
    watermark = T0 + DAY_US + 14 * HOUR_US
    lines += rater.statement(format_us(watermark)).lines
    assert [start for start, _ in calls] == [T0 + DAY_US + 12 * HOUR_US, rater._base_us]
    batch = rk.rate(
        records, plan, span=rk.Span(format_us(T0), format_us(watermark)), meters=[users]
    )
    assert sums(lines) == batch_sums(batch.charges)


def test_a_mean_of_a_delta_over_a_span_that_ends_at_the_watermark_is_metered() -> None:
    # A delta of 13 over 23:00..00:00, fed after day 1 was stated at midnight: the mean
    # reads it at its instant, 00:00 on day 2, so day 2's mean is 13 (13 x 24 h / 24 h),
    # shared at the price change at 13:00 (13 x 13/24 and 13 x 11/24), as one batch
    # rate() has it; the rater takes such a delta as read at the watermark, so its
    # resource is metered again rather than taken on.
    users, plan = _setting(rk.TimeWeightedMean())
    at, since = format_us(T0 + DAY_US), format_us(T0 + DAY_US - HOUR_US)
    delta = rk.Sample("acme", "vm-1", "users", at, 13, kind="delta", since=since, id="d0")
    rater = rk.Rater(plan, [users], start=format_us(T0))
    lines = list(rater.statement(format_us(T0 + DAY_US)).lines)
    rater.feed([delta])
    watermark = T0 + 2 * DAY_US
    lines += rater.statement(format_us(watermark)).lines
    assert sum(Fraction(line.quantity) for line in lines) == 13
    span = rk.Span(format_us(T0), format_us(watermark))
    batch = rk.rate([delta], plan, span=span, meters=[users])
    assert sums(lines) == batch_sums(batch.charges)


POLICIES = (
    rk.Max(),
    rk.Min(),
    rk.Latest(),
    rk.Count(),
    rk.TimeWeightedMean(),
    rk.TimeWeightedMean(over="period"),
    rk.UniqueCount(),
    rk.Percentile(95),
    rk.Percentile(50),
)


@st.composite
def _streams(draw: st.DrawFn) -> tuple[list[list[Any]], list[int], list[bool]]:
    """Readings of two resources over three days cut into batches, with watermarks.

    Mostly in time order, some stamped before the last watermark (late), some fed again
    (a replay, with its id or without one), now and then an event that describes a
    resource anew (a piece cut); the watermarks now and then at midnight (a cycle's
    start), and a restore from a snapshot after some statements.
    """
    count = draw(st.integers(1, 24))
    minute = 0
    batches: list[list[Any]] = []
    watermarks: list[int] = []
    batch: list[Any] = []
    for index in range(count):
        minute += draw(st.sampled_from((0, 5, 17, 60, 180, 600)))
        at_us = T0 + minute * MINUTE_US
        if watermarks and draw(st.integers(0, 5)) == 0:
            at_us = max(T0, watermarks[-1] - draw(st.integers(1, 30)) * MINUTE_US)  # late
        resource = draw(st.sampled_from(("vm-1", "vm-2")))
        if draw(st.integers(0, 9)) == 0:
            size = draw(st.sampled_from(("s", "m")))
            event = rk.Event("acme", resource, format_us(at_us), {"size": size}, kind="update")
            batch.append(event)
        value = draw(st.sampled_from((0, 1, 5, 5, 9, "9.0", "2.5", 40)))
        record_id = None if draw(st.integers(0, 7)) == 0 else f"s{index}"
        sample = rk.Sample(
            "acme", resource, "users", format_us(at_us), value, kind="gauge", id=record_id
        )
        batch.append(sample)
        if draw(st.integers(0, 7)) == 0:
            batch.append(sample)  # a replay
        if draw(st.booleans()):
            last = max(r.at_us for r in batch)
            floor = max(last + 1, watermarks[-1] if watermarks else T0)
            if draw(st.integers(0, 3)) == 0:
                watermark = (floor // DAY_US + 1) * DAY_US  # the next midnight
            else:
                watermark = floor + draw(st.integers(0, 300)) * MINUTE_US
            batches.append(batch)
            watermarks.append(watermark)
            batch = []
            minute = max(minute, (watermark - T0) // MINUTE_US)
    if batch:
        batches.append(batch)
        last = max(r.at_us for r in batch)
        watermarks.append(max(last + 1, watermarks[-1] if watermarks else T0))
    restores = [draw(st.integers(0, 4)) == 0 for _ in batches]
    return batches, watermarks, restores


@pytest.mark.property
@pytest.mark.parametrize("policy", POLICIES, ids=repr)
@settings(max_examples=LAWS // 2, deadline=None)  # 200 a policy in CI
@given(drawn=_streams())
def test_aggregations_stated_at_random_watermarks_are_what_batch_rates(
    policy: Any, drawn: tuple[list[list[Any]], list[int], list[bool]]
) -> None:
    users, plan = _setting(policy)
    batches, watermarks, restores = drawn
    rater = rk.Rater(plan, [users], start=format_us(T0), horizon=dt.timedelta(days=1))
    lines: list[rk.StatementLine] = []
    fed: list[Any] = []
    for batch, watermark, restore in zip(batches, watermarks, restores, strict=True):
        rater.feed(batch)
        fed += batch
        lines += rater.statement(format_us(watermark)).lines
        rater._check()
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [users])
    final = watermarks[-1] + 2 * DAY_US
    lines += rater.statement(format_us(final)).lines
    span = rk.Span(format_us(T0), format_us(final))
    batch_rating = rk.rate(_taken(fed), plan, span=span, meters=[users])
    assert sums(lines) == batch_sums(batch_rating.charges)


@pytest.mark.property
@pytest.mark.parametrize("policy", POLICIES, ids=repr)
@settings(max_examples=LAWS // 4, deadline=None)  # 100 a policy in CI
@given(drawn=_streams())
def test_an_aggregations_rows_are_batch_metering_s_to_the_last_digit(
    policy: Any, drawn: tuple[list[list[Any]], list[int], list[bool]]
) -> None:
    # Nothing closes (a long horizon): at each statement the book's rows are those of
    # one batch rate() up to its watermark, each quantity digit for digit.
    users, plan = _setting(policy)
    batches, watermarks, _ = drawn
    rater = rk.Rater(plan, [users], start=format_us(T0), horizon=dt.timedelta(days=30))
    fed: list[Any] = []
    for batch, watermark in zip(batches, watermarks, strict=True):
        rater.feed(batch)
        fed += batch
        rater.statement(format_us(watermark))
        book = rater._book
        assert book is not None
        span = rk.Span(format_us(T0), format_us(watermark))
        rows = rk.rate(_taken(fed), plan, span=span, meters=[users]).rows
        assert sorted(map(_exact, book.all_rows())) == sorted(map(_exact, rows))


def _taken(records: list[Any]) -> list[Any]:
    """The records as the rater took them: each id once (a replay is not taken again)."""
    seen: set[object] = set()
    out = []
    for record in records:
        key = record.id if record.id is not None else record
        if key not in seen:
            seen.add(key)
            out.append(record)
    return out


def _exact(row: rk.UsageRow) -> tuple[object, ...]:
    return (
        row.resource,
        row.span.start_us,
        row.span.end_us,
        row.cycle.start_us,
        row.quantity.as_tuple(),
        row.record_ids,
        repr(row.description),
    )
