"""A reading stamped before the carried state's clock never displaces a later level.

Metering with ``state=`` continues from the last reading the state keeps per meter (a
gauge's level, held on by ``TimeWeightedMean``). A reading given late, stamped before the
state's clock, is placed among the readings as metering them at once places it: the
level in force after the clock is the latest of all of them, by time and, at one
instant, by ``seq``, then the lower value, then the id. Worked by hand (daily UTC cycles);
the law is checked against a brute-force mean over exact fractions.
"""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._instants import format_us, to_us

DAILY = rk.cycles.daily(tz="UTC")
USERS = rk.Meter("users", "user", rk.TimeWeightedMean())
HOUR = 3_600_000_000
DAY = 24 * HOUR
T0 = to_us("2026-03-01T00:00:00Z")
DAY1 = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
DAY2 = rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")


def gauge(at: str, value: int, id: str, seq: int | None = None) -> rk.Sample:  # noqa: A002
    return rk.Sample("a", "r", "users", at, value, kind="gauge", id=id, seq=seq)


def carried(usage: rk.Usage) -> list[rk.ResourceState]:
    """The state through JSON, as a host would store it."""
    return [rk.ResourceState.from_json(json.loads(json.dumps(s.to_json()))) for s in usage.state]


def day2_after(first: list[rk.Sample], late: list[rk.Sample]) -> list[Decimal]:
    """Day 2's rows, metered from the state of day 1 (``first``) with ``late`` given then."""
    day1 = rk.meter(first, [USERS], span=DAY1, cycle=DAILY, as_of=DAY1.end)
    day2 = rk.meter(late, [USERS], span=DAY2, cycle=DAILY, as_of=DAY2.end, state=carried(day1))
    return [row.quantity for row in day2.rows]


def test_a_late_reading_older_than_the_kept_level_changes_nothing_after_the_clock() -> None:
    # Day 1: 10 users from 12:00. Given on day 2, late: 99 users at 06:00 on day 1. At
    # once, the 10 of 12:00 is the level at midnight (it comes after the 99), so day 2's
    # mean is 10. It used to be 99: the late reading was taken as the level in force.
    first = [gauge("2026-03-01T12:00:00Z", 10, "g2")]
    assert day2_after(first, [gauge("2026-03-01T06:00:00Z", 99, "g1")]) == [Decimal(10)]


def test_a_late_reading_newer_than_the_kept_level_holds_after_the_clock() -> None:
    # The same with the late 50 at 18:00 on day 1: after the 10 of 12:00, so day 2 holds
    # 50 all day: the mean is 50.
    first = [gauge("2026-03-01T12:00:00Z", 10, "g2")]
    assert day2_after(first, [gauge("2026-03-01T18:00:00Z", 50, "g3")]) == [Decimal(50)]


def test_a_late_reading_at_the_kept_levels_instant_is_ordered_by_seq() -> None:
    # Two readings at 12:00 on day 1. At once they apply by seq: the one with seq 2 is the
    # level at midnight, whichever came first: 7 (seq 2) over 30 (seq 1).
    kept_first = [gauge("2026-03-01T12:00:00Z", 7, "x", seq=2)]
    assert day2_after(kept_first, [gauge("2026-03-01T12:00:00Z", 30, "y", seq=1)]) == [7]
    late_last = [gauge("2026-03-01T12:00:00Z", 30, "y", seq=1)]
    assert day2_after(late_last, [gauge("2026-03-01T12:00:00Z", 7, "x", seq=2)]) == [7]
    # Without a seq, the lower value first: 30 is the level (the higher one applies last).
    plain = [gauge("2026-03-01T12:00:00Z", 30, "y")]
    assert day2_after(plain, [gauge("2026-03-01T12:00:00Z", 7, "x")]) == [30]
    assert day2_after([gauge("2026-03-01T12:00:00Z", 7, "x")], plain) == [30]


def test_the_state_after_keeps_the_later_level() -> None:
    # The state carried past day 2 keeps the 10 of 12:00 (not the late 99 of 06:00): day
    # 3, with no reading, holds 10.
    first = [gauge("2026-03-01T12:00:00Z", 10, "g2")]
    day1 = rk.meter(first, [USERS], span=DAY1, cycle=DAILY, as_of=DAY1.end)
    late = [gauge("2026-03-01T06:00:00Z", 99, "g1")]
    day2 = rk.meter(late, [USERS], span=DAY2, cycle=DAILY, as_of=DAY2.end, state=carried(day1))
    day3 = rk.Span("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z")
    after = rk.meter([], [USERS], span=day3, cycle=DAILY, as_of=day3.end, state=carried(day2))
    assert [row.quantity for row in after.rows] == [Decimal(10)]


def test_the_state_after_keeps_the_level_of_one_instant_in_seq_order() -> None:
    # 7 (seq 2) kept at 12:00 on day 1; 30 (seq 1) of the same instant given late on day 2.
    # At once, 7 applies last: day 2 and day 3 (no reading) both hold 7.
    first = [gauge("2026-03-01T12:00:00Z", 7, "x", seq=2)]
    day1 = rk.meter(first, [USERS], span=DAY1, cycle=DAILY, as_of=DAY1.end)
    late = [gauge("2026-03-01T12:00:00Z", 30, "y", seq=1)]
    day2 = rk.meter(late, [USERS], span=DAY2, cycle=DAILY, as_of=DAY2.end, state=carried(day1))
    day3 = rk.Span("2026-03-03T00:00:00Z", "2026-03-04T00:00:00Z")
    after = rk.meter([], [USERS], span=day3, cycle=DAILY, as_of=day3.end, state=carried(day2))
    assert [row.quantity for row in (*day2.rows, *after.rows)] == [Decimal(7), Decimal(7)]


def test_a_reading_after_the_span_is_no_level_the_state_keeps() -> None:
    # Day 1 metered as of day 3 with readings of 1 March 12:00 (10) and 2 March 12:00
    # (20): the second belongs to the next span, and the state keeps nothing of it. Day
    # 2, given it again, holds 10 until noon and 20 after: (10 x 12 + 20 x 12) / 24 = 15.
    # (The state used to keep 20 as the level in force at midnight: 20.)
    late = gauge("2026-03-02T12:00:00Z", 20, "b")
    first = [gauge("2026-03-01T12:00:00Z", 10, "a"), late]
    day1 = rk.meter(first, [USERS], span=DAY1, cycle=DAILY, as_of="2026-03-04T00:00:00Z")
    assert [r[1:3] for r in day1.state[0].readings] == [(to_us("2026-03-01T12:00:00Z"), 10)]
    assert day1.no_effect == (("b", "after_span"),)  # said so: give it again
    day2 = rk.meter([late], [USERS], span=DAY2, cycle=DAILY, as_of=DAY2.end, state=carried(day1))
    assert [row.quantity for row in day2.rows] == [Decimal(15)]


# -- the law ---------------------------------------------------------------------------


def _order(sample: rk.Sample) -> tuple[int, int, Decimal, str]:
    """The documented order of readings: time, then seq, then value, then id."""
    return (sample.at_us, -1 if sample.seq is None else sample.seq, sample.value, sample.id or "")


def _mean(readings: list[rk.Sample], start: int, end: int) -> Fraction | None:
    """Brute force: the time-weighted mean over [start, end), levels as exact fractions."""
    ordered = sorted(readings, key=_order)
    before = [s for s in ordered if s.at_us < start]
    inside = [s for s in ordered if start <= s.at_us < end]
    level = Fraction(before[-1].value) if before else None
    known_from = start if before else (inside[0].at_us if inside else None)
    if known_from is None:
        return None
    total, since = Fraction(0), start
    for sample in inside:
        if level is not None:
            total += level * (sample.at_us - since)
        level, since = Fraction(sample.value), sample.at_us
    assert level is not None
    total += level * (end - since)
    return level if end == known_from else total / (end - known_from)


_READING = st.tuples(
    st.integers(0, 4 * 4 - 1),  # the quarter day (few instants: ties are common)
    st.integers(0, 20),  # the value
    st.none() | st.integers(0, 3),  # the seq
    st.integers(0, 2),  # the call it is given to, at the earliest
)


@settings(max_examples=LAWS)
@given(drawn=st.lists(_READING, max_size=12), clocks=st.sampled_from([(1, 2), (1, 3), (2, 3)]))
def test_metering_across_clocks_with_late_readings_holds_the_level_batch_holds(
    drawn: list[tuple[int, int, int | None, int]], clocks: tuple[int, int]
) -> None:
    # Four days of readings metered in three calls, each from the state of the one
    # before: [day 0, clock 1), [clock 1, clock 2), [clock 2, day 4). A reading is given
    # to the call its instant falls in, or later (late then: stamped before that call's
    # clock). Every day a call meters has the mean of the readings given so far, as a
    # brute-force mean over all of them at once computes it.
    bounds = [T0, T0 + clocks[0] * DAY, T0 + clocks[1] * DAY, T0 + 4 * DAY]
    given_to: list[list[rk.Sample]] = [[], [], []]
    for k, (quarter, value, seq, arrival) in enumerate(drawn):
        at = T0 + quarter * 6 * HOUR
        holding = next(call for call in range(3) if at < bounds[call + 1])
        given_to[max(arrival, holding)].append(gauge(format_us(at), value, f"g{k}", seq))
    state: list[rk.ResourceState] = []
    so_far: list[rk.Sample] = []
    for call in range(3):
        start, end = bounds[call], bounds[call + 1]
        usage = rk.meter(
            given_to[call],
            [USERS],
            span=rk.Span.from_us(start, end),
            cycle=DAILY,
            as_of=format_us(end),
            state=state,
        )
        state = carried(usage)
        so_far += given_to[call]
        got = {row.cycle.start_us: Fraction(row.quantity) for row in usage.rows}
        expected = {}
        for day_start in range(start, end, DAY):
            mean = _mean(so_far, day_start, day_start + DAY)
            if mean is not None:
                expected[day_start] = mean
        assert got.keys() == expected.keys(), call
        for day_start, mean in expected.items():
            # (60 significant digits: a mean over thirds of a day is not a finite decimal)
            assert abs(got[day_start] - mean) <= abs(mean) * Fraction(1, 10**55), day_start


AGGREGATIONS = [
    rk.Meter("mean", "user", rk.TimeWeightedMean()),
    rk.Meter("period_mean", "user", rk.TimeWeightedMean(over="period")),
    rk.Meter("peak", "user", rk.Max()),
    rk.Meter("low", "user", rk.Min()),
    rk.Meter("last", "user", rk.Latest()),
    rk.Meter("count", "reading", rk.Count()),
    rk.Meter("median", "user", rk.Percentile(50)),
    rk.Meter("distinct", "value", rk.UniqueCount()),
]


def _per_meter_and_day(
    rows: tuple[rk.UsageRow, ...], start: int, end: int
) -> dict[object, Fraction]:
    """Each (meter, resource, day)'s quantity, rows summed exactly, for days in [start, end)."""
    out: dict[object, Fraction] = {}
    for row in rows:
        if start <= row.cycle.start_us < end:
            key = (row.meter, row.resource, row.cycle.start_us)
            out[key] = out.get(key, Fraction(0)) + Fraction(row.quantity)
    return out


@settings(max_examples=LAWS)
@given(
    drawn=st.lists(
        st.tuples(
            st.integers(0, 4 * 4 - 1),  # the quarter day
            st.integers(0, len(AGGREGATIONS) - 1),  # the meter
            st.sampled_from(["r1", "r2"]),  # the resource
            st.integers(-3, 9),  # the value
            st.none() | st.integers(0, 2),  # the seq
            st.integers(0, 2),  # the call it is given to, at the earliest
            st.booleans(),  # given early too, to the call before its own
        ),
        max_size=16,
    ),
    updates=st.lists(st.integers(0, 4 * 4 - 1), max_size=3),
    clocks=st.sampled_from([(1, 2), (1, 3), (2, 3)]),
)
def test_every_aggregation_across_clocks_meters_what_metering_at_once_meters(
    drawn: list[tuple[int, int, str, int, int | None, int, bool]],
    updates: list[int],
    clocks: tuple[int, int],
) -> None:
    # Readings of every built-in aggregation on two resources over four days, metered in
    # three calls, each from the state of the one before; a reading is given to the call
    # its instant falls in or a later one (late then), and each resource is re-described
    # now and then (an update given on time cuts its pieces). Every day a call meters
    # has, per meter and resource, what one call over every record given so far has.
    # Every call is metered as of the fourth day's end, and a reading may be given early
    # too, to the call before the one its instant falls in: that call leaves it to the
    # next span (it keeps nothing of it), and it is given again there.
    bounds = [T0, T0 + clocks[0] * DAY, T0 + clocks[1] * DAY, T0 + 4 * DAY]
    given_to: list[list[rk.Event | rk.Sample]] = [[], [], []]

    def holding(at: int) -> int:
        return next(call for call in range(3) if at < bounds[call + 1])

    for k, quarter in enumerate(updates):
        at = T0 + quarter * 6 * HOUR
        for resource in ("r1", "r2"):
            update = rk.Event(
                "a",
                resource,
                format_us(at),
                kind="update",
                attributes={"tier": k},
                id=f"u{k}{resource}",
            )
            given_to[holding(at)].append(update)
    early_to: list[list[rk.Event | rk.Sample]] = [[], [], []]
    for k, (quarter, meter, resource, value, seq, arrival, early) in enumerate(drawn):
        at = T0 + quarter * 6 * HOUR
        name = AGGREGATIONS[meter].name
        sample = rk.Sample(
            "a", resource, name, format_us(at), value, kind="gauge", id=f"g{k}", seq=seq
        )
        given_to[max(arrival, holding(at))].append(sample)
        if early and holding(at) > 0:
            early_to[holding(at) - 1].append(sample)
    state: list[rk.ResourceState] = []
    so_far: list[rk.Event | rk.Sample] = []
    for call in range(3):
        start, end = bounds[call], bounds[call + 1]
        usage = rk.meter(
            [*given_to[call], *early_to[call]],
            AGGREGATIONS,
            span=rk.Span.from_us(start, end),
            cycle=DAILY,
            as_of=format_us(bounds[-1]),
            state=state,
        )
        state = carried(usage)
        so_far += given_to[call]
        at_once = rk.meter(
            so_far, AGGREGATIONS, span=rk.Span.from_us(T0, end), cycle=DAILY, as_of=format_us(end)
        )
        assert _per_meter_and_day(usage.rows, start, end) == _per_meter_and_day(
            at_once.rows, start, end
        ), call
