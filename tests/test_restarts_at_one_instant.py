"""A STOP and a START of a running resource at one instant, and a counter's fall at one.

usage.md ('Counters and gauges'; the ``tie`` row of 'Anomalies and their rules'): a
STOP and a START of a running resource stamped at one instant are a restart, in ``seq``
order or as a tie, even when the START carries a new description; they boot a
``Counter(from_zero=True)`` as a START a microsecond after the STOP does (a reading at
the restart's instant is the counter as it stood at the stop); a counter reading lower
than the one before it at the same instant is a reset, never a wrap. Batch and the
streaming rater agree, fed the pair in either order, across statements, snapshots and
compactions.
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

import ratekit as rk

START = "2026-03-01T00:00:00Z"
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
DAYS = rk.cycles.daily(tz="UTC")
FROM_ZERO = rk.Counter(from_zero=True)
WIDE_FROM_ZERO = rk.Counter(from_zero=True, wraps_at=2**32)


def at(hours: float, microseconds: int = 0) -> str:
    """The instant ``hours`` (and ``microseconds``) after 1 March 2026 00:00 UTC."""
    instant = T0 + dt.timedelta(hours=hours, microseconds=microseconds)
    return instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def restart(hour: float, *, seq: bool, gap: int = 0, size: str | None = None) -> list[rk.Event]:
    """A START at 00:00 (large), a STOP at ``hour`` and a START ``gap`` µs later."""
    return [
        rk.Event("acme", "srv-1", START, {"size": "large"}, kind="start", id="e1",
                 seq=0 if seq else None),
        rk.Event("acme", "srv-1", at(hour), kind="stop", id="e2", seq=1 if seq else None),
        rk.Event("acme", "srv-1", at(hour, gap), None if size is None else {"size": size},
                 kind="start", id="e3", seq=2 if seq else None),
    ]  # fmt: skip


def voice(*readings: tuple[float, int]) -> list[rk.Sample]:
    return [
        rk.Sample("acme", "srv-1", "voice", at(hour), value, kind="counter", id=f"v{k}")
        for k, (hour, value) in enumerate(readings, 1)
    ]


def metered(records: list[Any], policy: Any, hours: int = 48) -> rk.Usage:
    return rk.meter(
        records,
        [rk.Meter("voice", "minute", policy), rk.Meter("hours", "hour", rk.OnOff())],
        span=rk.Span(START, at(hours)),
        cycle=DAYS,
        as_of=at(hours),
    )


def minutes(usage: rk.Usage) -> list[Decimal]:
    return [row.quantity for row in usage.rows if row.meter == "voice"]


# -- a restart at one instant boots a from_zero counter ---------------------------------


@pytest.mark.parametrize("seq", [True, False])
def test_a_restart_at_one_instant_boots_a_from_zero_counter(seq: bool) -> None:
    """300 at 05:00, a restart at 24:00, 500 at 30:00: 300 on day 1, 500 from 0 on day 2."""
    usage = metered([*restart(24, seq=seq), *voice((5, 300), (30, 500))], FROM_ZERO)
    assert minutes(usage) == [300, 500]  # 300 + 500 = 800, as a microsecond's gap gives
    assert [a.kind for a in usage.anomalies] == ([] if seq else ["tie"])


@pytest.mark.parametrize("seq", [True, False])
def test_a_restart_at_one_instant_is_no_wrap_of_a_wrapping_from_zero_counter(seq: bool) -> None:
    """300, a restart, then 100: 100 from 0 (400 in all), not 2^32 - 300 + 100 more."""
    usage = metered([*restart(24, seq=seq), *voice((5, 300), (30, 100))], WIDE_FROM_ZERO)
    assert minutes(usage) == [300, 100]
    assert "counter_reset" not in [a.kind for a in usage.anomalies]


def test_a_restart_in_mid_cycle_spreads_the_next_reading_from_the_restart() -> None:
    """A restart at 12:00, 300 at 05:00, 240 at 36:00: the 240 spread over 12:00..36:00.

    Day 1: 300 + 240 * 12/24 = 420; day 2: 240 * 12/24 = 120; 660 in all.
    """
    usage = metered([*restart(12, seq=True), *voice((5, 300), (36, 240))], FROM_ZERO)
    assert minutes(usage) == [420, 120]


def test_a_reading_at_the_restarts_instant_is_the_counter_as_it_stood_at_the_stop() -> None:
    """300 at 05:00, 350 at the restart (24:00), 500 at 30:00: 300 + 50, then 500 from 0."""
    records = [*restart(24, seq=True), *voice((5, 300), (24, 350), (30, 500))]
    usage = metered(records, FROM_ZERO)
    assert minutes(usage) == [350, 500]  # 850, as with a STOP a microsecond before
    gapped = metered([*restart(24, seq=True, gap=1), *voice((5, 300), (24, 350), (30, 500))],
                     FROM_ZERO)  # fmt: skip
    assert minutes(gapped) == [350, 500]


def test_a_second_reading_after_the_restart_rises_from_the_first() -> None:
    """A restart at 12:00; 300 at 05:00, 100 at 13:00, 160 at 14:00: 300 + 100 + 60 = 460."""
    records = [*restart(12, seq=False), *voice((5, 300), (13, 100), (14, 160))]
    usage = metered(records, WIDE_FROM_ZERO)
    assert sum(minutes(usage)) == 460
    assert [a.kind for a in usage.anomalies] == ["tie"]


@pytest.mark.parametrize("policy", [rk.Counter(), rk.Counter(wraps_at=2**32)])
def test_a_counter_not_from_zero_reads_a_restart_at_one_instant_as_a_gap_of_a_microsecond(
    policy: Any,
) -> None:
    """Without from_zero a restart boots nothing: 300 then 500 is a rise of 200; 300 then
    100 a reset (100) or, under a width, a wrap (2^32 - 300 + 100), both as with a gap."""
    for later, want in ((500, 200), (100, 100 if policy.wraps_at is None else 2**32 - 200)):
        for gap in (0, 1):
            usage = metered([*restart(24, seq=True, gap=gap), *voice((5, 300), (30, later))],
                            policy)  # fmt: skip
            assert sum(minutes(usage)) == want


def test_a_start_of_a_running_resource_at_a_stops_instant_is_needed_for_a_boot() -> None:
    """A STOP at 24:00 with no START after it: the reading at 30:00 counts up to the stop."""
    records = [*restart(24, seq=True)[:2], *voice((5, 300), (30, 500))]
    usage = metered(records, FROM_ZERO)
    assert sum(minutes(usage)) == 500  # 300, then 200 counted up to the stop at 24:00


def test_a_gauge_and_the_hours_are_unchanged_by_a_restart_at_one_instant() -> None:
    """Peaks 3 at 05:00 and 2 at 30:00; 24 + 24 running hours, as without the restart."""
    players = [
        rk.Sample("acme", "srv-1", "players", at(5), 3, kind="gauge", id="p1"),
        rk.Sample("acme", "srv-1", "players", at(30), 2, kind="gauge", id="p2"),
    ]
    meters = [rk.Meter("players", "player", rk.Max()), rk.Meter("hours", "hour", rk.OnOff())]
    for events in (restart(24, seq=True), restart(24, seq=False), restart(24, seq=True)[:1]):
        usage = rk.meter([*events, *players], meters, span=rk.Span(START, at(48)), cycle=DAYS,
                         as_of=at(48))  # fmt: skip
        assert [(row.meter, row.quantity) for row in usage.rows] == [
            ("hours", 24), ("hours", 24), ("players", 3), ("players", 2)
        ]  # fmt: skip


# -- a tie of a STOP and a START carrying a description ---------------------------------


def test_a_tie_of_a_stop_and_a_start_with_a_new_size_is_a_restart_with_that_size() -> None:
    """A large server restarted small at 24:00, no seq: 24 large then 24 small hours."""
    usage = rk.meter(
        restart(24, seq=False, size="small"),
        [rk.Meter("hours", "hour", rk.OnOff())],
        span=rk.Span(START, at(48)),
        cycle=DAYS,
        as_of=at(48),
    )
    assert [(row.quantity, row.description.get("size")) for row in usage.rows] == [
        (24, "large"),
        (24, "small"),
    ]
    assert [(a.kind, a.record_ids) for a in usage.anomalies] == [("tie", ("e2", "e3"))]


def test_a_tie_with_an_update_too_restarts_and_then_updates() -> None:
    """STOP, START (small) and UPDATE (region eu) at 24:00, no seq: running, small, eu."""
    events = [
        *restart(24, seq=False, size="small"),
        rk.Event("acme", "srv-1", at(24), {"region": "eu"}, kind="update", id="e4"),
    ]
    usage = rk.meter(events, [rk.Meter("hours", "hour", rk.OnOff())],
                     span=rk.Span(START, at(48)), cycle=DAYS, as_of=at(48))  # fmt: skip
    assert [(row.quantity, dict(row.description)) for row in usage.rows] == [
        (24, {"size": "large"}),
        (24, {"size": "small", "region": "eu"}),
    ]
    assert [a.record_ids for a in usage.anomalies] == [("e2", "e3", "e4")]


def test_a_tie_of_a_start_and_a_stop_of_a_stopped_resource_keeps_the_fixed_order() -> None:
    """Stopped at 12:00; a START (small) and a STOP at 24:00, no seq: start, stop: 12 hours."""
    events = [
        *restart(12, seq=False)[:2],
        rk.Event("acme", "srv-1", at(24), {"size": "small"}, kind="start", id="e3"),
        rk.Event("acme", "srv-1", at(24), kind="stop", id="e4"),
    ]
    usage = rk.meter(events, [rk.Meter("hours", "hour", rk.OnOff())],
                     span=rk.Span(START, at(48)), cycle=DAYS, as_of=at(48))  # fmt: skip
    assert usage.total() == 12
    assert [a.record_ids for a in usage.anomalies] == [("e3", "e4")]


# -- a fall at one instant is a reset, never a wrap --------------------------------------


@pytest.mark.parametrize("policy", [rk.Counter(), rk.Counter(wraps_at=2**32), WIDE_FROM_ZERO])
def test_a_lower_correction_at_one_instant_is_a_reset_with_or_without_a_width(
    policy: Any,
) -> None:
    """500 at 10:00, 600 (seq 1) and 580 (seq 2) at 12:00: 100, then a reset of 580.

    From zero (a reading in no running stretch counts in full at its instant): 500 more.
    """
    readings = [
        rk.Sample("acme", "srv-1", "voice", at(10), 500, kind="counter", id="v0"),
        rk.Sample("acme", "srv-1", "voice", at(12), 600, kind="counter", id="v1", seq=1),
        rk.Sample("acme", "srv-1", "voice", at(12), 580, kind="counter", id="v1-fix", seq=2),
    ]
    usage = metered(readings, policy, hours=24)
    assert sum(minutes(usage)) == 680 + (500 if policy.from_zero else 0)
    assert [(a.kind, a.record_ids) for a in usage.anomalies] == [
        ("counter_reset", ("v1-fix", "v1"))
    ]


def test_a_higher_reading_at_one_instant_is_a_rise_under_a_width() -> None:
    """500, then 600 (seq 1) and 650 (seq 2) at 12:00: 150, no anomaly."""
    readings = [
        rk.Sample("acme", "srv-1", "voice", at(10), 500, kind="counter", id="v0"),
        rk.Sample("acme", "srv-1", "voice", at(12), 600, kind="counter", id="v1", seq=1),
        rk.Sample("acme", "srv-1", "voice", at(12), 650, kind="counter", id="v2", seq=2),
    ]
    usage = metered(readings, rk.Counter(wraps_at=2**32), hours=24)
    assert sum(minutes(usage)) == 150
    assert usage.anomalies == ()


def test_a_tie_of_readings_at_one_instant_under_a_width_is_a_rise() -> None:
    """500, then 600 and 580 with no seq at 12:00: the lower first, 580 then 600: 100."""
    readings = [
        rk.Sample("acme", "srv-1", "voice", at(10), 500, kind="counter", id="v0"),
        rk.Sample("acme", "srv-1", "voice", at(12), 600, kind="counter", id="v1"),
        rk.Sample("acme", "srv-1", "voice", at(12), 580, kind="counter", id="v2"),
    ]
    usage = metered(readings, rk.Counter(wraps_at=2**32), hours=24)
    assert sum(minutes(usage)) == 100
    assert [a.kind for a in usage.anomalies] == ["tie"]


def test_a_fall_a_microsecond_later_is_still_a_wrap() -> None:
    """600 at 12:00 and 580 a microsecond later, under 2^32: 2^32 - 600 + 580."""
    readings = [
        rk.Sample("acme", "srv-1", "voice", at(12), 600, kind="counter", id="v1"),
        rk.Sample("acme", "srv-1", "voice", at(12, 1), 580, kind="counter", id="v2"),
    ]
    usage = metered(readings, rk.Counter(wraps_at=2**32), hours=24)
    assert sum(minutes(usage)) == 2**32 - 20
    assert usage.anomalies == ()


# -- the stream -------------------------------------------------------------------------

PLAN = rk.Plan(
    "p",
    "EUR",
    DAYS,
    [
        rk.PriceEntry("small", "hours", rk.PerUnit("0.02"), where={"size": "small"}),
        rk.PriceEntry("large", "hours", rk.PerUnit("0.08"), where={"size": "large"}),
        rk.PriceEntry("voice", "voice", rk.PerUnit("0.001")),
    ],
)
METERS = [rk.Meter("hours", "hour", rk.OnOff()), rk.Meter("voice", "minute", WIDE_FROM_ZERO)]


def exact(amounts: Any) -> Fraction:
    return sum((Fraction(a) for a in amounts), Fraction(0))


def batch(records: list[Any], end: int) -> tuple[Fraction, list[tuple[str, tuple[str, ...]]]]:
    rating = rk.rate(records, PLAN, span=rk.Span(START, at(end)), meters=METERS, as_of=at(end))
    return exact(c.amount for c in rating.charges), sorted(
        (a.kind, a.record_ids) for a in rating.anomalies
    )


def hours_of(record: Any) -> float:
    return float(Fraction(record.at_us - int(T0.timestamp()) * 10**6, 3_600_000_000))


def streamed(
    records: list[Any], end: int, *, arrive: dict[str, float], restore: bool, horizon: int
) -> tuple[Fraction, list[tuple[str, tuple[str, ...]]]]:
    """Each record fed at ``arrive[id]`` (hours, default its own), a statement every hour.

    With the anomalies said, but the rater's own (``late``: a reading whose increment
    reaches a closed cycle corrects it).
    """
    rater = rk.Rater(PLAN, METERS, start=START, horizon=dt.timedelta(hours=horizon))
    total = Fraction(0)
    said: list[tuple[str, tuple[str, ...]]] = []
    hours = hours_of
    for hour in range(end + 1):
        due = [r for r in records if hour - 1 < arrive.get(r.id, hours(r)) <= hour]
        if due:
            said += [(a.kind, a.record_ids) for a in rater.feed(due).anomalies]
        if hour:
            statement = rater.statement(at(hour))
            total += exact(line.amount for line in statement.lines)
            said += [(a.kind, a.record_ids) for a in statement.anomalies]
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
    return total, sorted(kind for kind in said if kind[0] != "late")


def _restarted(seq: bool, size: str | None = None) -> list[Any]:
    return [*restart(24, seq=seq, size=size), *voice((5, 300), (30, 100))]


@pytest.mark.parametrize("restore", [False, True])
@pytest.mark.parametrize("horizon", [1, 72])
@pytest.mark.parametrize(
    "arrive",
    [
        {},  # each at its own hour: the pair in one feed, the STOP first
        {"e3": 22.5, "e2": 23.5},  # the START first, a statement (23:00) between them
        {"e2": 22.5, "e3": 23.5},  # the STOP first, a statement between them
    ],
)
@pytest.mark.parametrize(("seq", "size"), [(True, None), (False, None), (False, "small")])
def test_the_stream_says_and_bills_a_restart_at_one_instant_as_batch_does(
    seq: bool, size: str | None, arrive: dict[str, float], horizon: int, restore: bool
) -> None:
    """Hours: 24 large (1.92), then 24 large or small (1.92 or 0.48); voice 300 + 100 (0.4)."""
    records = _restarted(seq, size)
    total, anomalies = batch(records, 48)
    assert total == Fraction("1.92") + (Fraction("0.48") if size else Fraction("1.92")) + Fraction(
        "0.4"
    )
    assert anomalies == ([] if seq else [("tie", ("e2", "e3"))])
    assert streamed(records, 48, arrive=arrive, restore=restore, horizon=horizon) == (
        total,
        anomalies,
    )


@pytest.mark.parametrize("restore", [False, True])
def test_a_boot_at_one_instant_is_kept_through_compaction_of_its_cycle(restore: bool) -> None:
    """A restart at 12:00 (no seq), 300 at 05:00; day 1 closed and compacted (horizon 1 h),
    then 100 at 26:00: from 0 at 12:00, 100 * 12/14 on day 1 (a correction of its closed
    lines) and 100 * 2/14 on day 2. 0.4 EUR of voice, as batch; not a wrap."""
    records = [*restart(12, seq=False), *voice((5, 300), (26, 100))]
    total, anomalies = batch(records, 48)
    assert total == Fraction("0.96") + Fraction("2.88") + Fraction("0.4")  # 12 + 36 large h
    assert streamed(records, 48, arrive={}, restore=restore, horizon=1) == (total, anomalies)


def test_a_stop_fed_after_the_watermark_passed_its_start_said_a_duplicate_start() -> None:
    """START (no seq) at 24:00 fed and stated to 25:00 before the STOP of 24:00 comes.

    streaming.md ('an anomaly said from the records known at a watermark stays said'):
    metered without the STOP, the START of the running server changed nothing
    (``duplicate_start``), and the statement said so; the STOP, fed behind the watermark,
    then makes it a restart (the ``tie`` batch says), and corrects the charges to batch's.
    Fed before the watermark passes 24:00, the stream says batch's anomalies only.
    """
    records = [*restart(24, seq=False), *voice((5, 300), (30, 100))]
    total, anomalies = batch(records, 48)
    got, said = streamed(records, 48, arrive={"e2": 25.5}, restore=False, horizon=72)
    assert got == total
    assert said == sorted([*anomalies, ("duplicate_start", ("e3", "e1"))])


# -- a law: a restart at one instant is a restart a microsecond long ---------------------

_READING_MINUTES = st.lists(
    st.tuples(st.integers(1, 47 * 60), st.integers(0, 1000)), min_size=1, max_size=6,
    unique_by=lambda pair: pair[0],
)  # fmt: skip


@pytest.mark.property
@settings(max_examples=40, deadline=None)
@given(
    hour=st.integers(1, 46),
    readings=_READING_MINUTES,
    seq=st.booleans(),
    wide=st.booleans(),
    shuffle=st.randoms(use_true_random=False),
)
def test_a_restart_at_one_instant_counts_each_boot_from_zero(
    hour: int, readings: list[tuple[int, int]], seq: bool, wide: bool, shuffle: Any
) -> None:
    """Oracle: a counter from zero that only rises within a boot counts the last reading of
    each boot (the readings up to the restart's instant, then those after it)."""
    policy = WIDE_FROM_ZERO if wide else FROM_ZERO
    readings = sorted(readings)
    samples, level, booted = [], 0, False
    for k, (minute, rise) in enumerate(readings):
        if not booted and minute > hour * 60:
            level, booted = 0, True
        level += rise
        samples.append(rk.Sample("acme", "srv-1", "voice", T0 + dt.timedelta(minutes=minute),
                                 level, kind="counter", id=f"v{k}"))  # fmt: skip
    restart_us = int(T0.timestamp()) * 10**6 + hour * 3_600_000_000
    before = [s.value for s in samples if s.at_us <= restart_us]
    after = [s.value for s in samples if s.at_us > restart_us]
    expected = (before[-1] if before else 0) + (after[-1] if after else 0)
    events = restart(hour, seq=seq)
    pair = events[1:]
    shuffle.shuffle(pair)
    shuffle.shuffle(samples)
    records = [events[0], *pair, *samples]  # (the first START first: it prices the hours)
    usage = metered(records, policy)
    assert sum(minutes(usage)) == expected
    gapped = metered([*restart(hour, seq=seq, gap=1), *samples], policy)
    assert sum(minutes(gapped)) == expected
    # the stream, fed in that order in two batches with a snapshot between, as batch
    rater = rk.Rater(PLAN, METERS, start=START)
    cut = shuffle.randint(1, len(records))
    rater.feed(records[:cut])
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), PLAN, METERS)
    rater.feed(records[cut:])
    stated = exact(line.amount for line in rater.statement(at(48)).lines)
    assert stated == batch(records, 48)[0]
