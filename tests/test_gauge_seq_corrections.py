"""A gauge reading corrected under a new id at its instant, with a greater ``seq``.

docs/usage.md: of a meter's gauge readings stamped at one instant, those of the greatest
``seq`` (no ``seq`` counting as -1, as in their order) stand; the others were corrected
and count in no aggregation, in batch (`rk.meter`, `rk.rate`) as in the stream
(`rk.Rater`), whichever batch the correction comes in, before or after a statement,
across a snapshot, and whether it or the reading it corrects comes first. Readings of
one ``seq`` all stand (no anomaly with a seq; a ``tie`` without one); deltas are never
replaced.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._rater_streams import batch_sums, sums

import ratekit as rk
from ratekit._instants import format_us, to_us

MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
AT = "2026-03-03T12:00:00Z"


def _gauge(at: str, value: object, key: str, seq: int | None = None) -> rk.Sample:
    return rk.Sample("cust", "p1", "bw", at, value, kind="gauge", id=key, seq=seq)


def _month() -> list[rk.Sample]:
    # 1 to 5 Mbps on March 1st to 5th at midnight, no seq.
    return [_gauge(f"2026-03-{d:02}T00:00:00Z", d, f"d{d}") for d in range(1, 6)]


WRONG = _gauge(AT, 30, "r1", seq=1)
FIXED = _gauge(AT, 20, "r1-fix", seq=2)


def _quantities(records: list[Any], policy: Any) -> list[Decimal]:
    meter = rk.Meter("bw", "Mbps", policy)
    usage = rk.meter(records, [meter], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    return [row.quantity for row in usage.rows]


# Readings 1, 2, 3, 4, 5 and 20 (30 corrected) stand; with 30 counted too, the 95th of 7
# is rank ceil(6.65) = 7, 30, and the max 30.
@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (rk.Percentile(95), "20"),  # 6 readings: rank ceil(5.7) = 6, the 20
        (rk.Percentile(50), "3"),  # rank ceil(3) = 3 of 1, 2, 3, 4, 5, 20
        (rk.Max(), "20"),
        (rk.Min(), "1"),
        (rk.Count(), "6"),  # 5 + the correction (not 7)
        (rk.UniqueCount(), "6"),  # 1, 2, 3, 4, 5, 20 (not 30)
        (rk.Latest(), "5"),
        # Levels over March's 744 h: 1 for 24 h, 2 for 24, 3 for 12, 20 for 12, 4 for 24,
        # 5 for 648 (from the 5th, known from the 1st): (24 + 48 + 36 + 240 + 96 + 3240) /
        # 744 = 3684 / 744 = 4.951612903...
        (rk.TimeWeightedMean(), "4.95161290322580645161290322580645161290322580645161290322581"),
    ],
    ids=repr,
)
def test_each_aggregation_counts_the_correction_alone(policy: Any, expected: str) -> None:
    assert _quantities([*_month(), WRONG, FIXED], policy) == [Decimal(expected)]
    # The correction listed first, the wrong reading after it: the same.
    assert _quantities([FIXED, *_month(), WRONG], policy) == [Decimal(expected)]


def test_the_corrected_reading_is_no_effect_replaced_and_no_anomaly() -> None:
    meter = rk.Meter("bw", "Mbps", rk.Max())
    usage = rk.meter([*_month(), WRONG, FIXED], [meter], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    (row,) = usage.rows
    assert row.record_ids == ("d1", "d2", "d3", "d4", "d5", "r1-fix")
    assert usage.no_effect == (("r1", "replaced"),)
    assert usage.anomalies == ()


def test_a_lean_batch_takes_the_correction_too() -> None:
    at_us = to_us(AT)
    batch = rk.RecordBatch.from_tuples(
        samples=[
            ("cust", "p1", "bw", at_us, 20, "gauge", "r1-fix", 2),
            ("cust", "p1", "bw", at_us, 30, "gauge", "r1", 1),
            ("cust", "p1", "bw", at_us + 1, 7, "gauge", "r2", None),
        ]
    )
    meter = rk.Meter("bw", "Mbps", rk.Percentile(95))
    usage = rk.meter(batch, [meter], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    # 20 and 7 stand: rank ceil(1.9) = 2 of 7, 20.
    assert [row.quantity for row in usage.rows] == [Decimal(20)]


def test_a_reading_with_no_seq_is_corrected_by_one_with_a_seq() -> None:
    # No seq counts as -1: a correction with seq 0 replaces it (Latest took it already).
    records = [_gauge(AT, 30, "r1"), _gauge(AT, 20, "r1-fix", seq=0)]
    assert _quantities(records, rk.Max()) == [Decimal(20)]
    assert _quantities(records, rk.Latest()) == [Decimal(20)]
    # A negative seq is below none: the reading without one stands, as Latest has it.
    records = [_gauge(AT, 30, "r1"), _gauge(AT, 20, "r1-fix", seq=-2)]
    assert _quantities(records, rk.Max()) == [Decimal(30)]
    assert _quantities(records, rk.Latest()) == [Decimal(30)]


def test_readings_of_one_seq_all_stand_with_no_anomaly() -> None:
    # Equal seqs say no correction: both stand, by value (docs/usage.md), with no anomaly
    # (a tie is of readings with no seq). The 95th of 20 and 30 is rank ceil(1.9) = 2, 30.
    records = [_gauge(AT, 30, "a", seq=4), _gauge(AT, 20, "b", seq=4)]
    meter = rk.Meter("bw", "Mbps", rk.Percentile(95))
    usage = rk.meter(records, [meter], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    assert [row.quantity for row in usage.rows] == [Decimal(30)]
    assert usage.anomalies == ()
    assert _quantities(records, rk.Count()) == [Decimal(2)]
    assert _quantities(records, rk.Max()) == [Decimal(30)]
    # Two readings of the greatest seq and one below it: the one below is replaced.
    records = [*records, _gauge(AT, 90, "c", seq=3)]
    assert _quantities(records, rk.Max()) == [Decimal(30)]
    assert _quantities(records, rk.Count()) == [Decimal(2)]


def test_a_tie_with_no_seq_still_counts_both_and_is_said() -> None:
    records = [_gauge(AT, 30, "a"), _gauge(AT, 20, "b")]
    meter = rk.Meter("bw", "Mbps", rk.Count())
    usage = rk.meter(records, [meter], span=MARCH, cycle=MONTHLY, as_of=MARCH.end)
    assert [row.quantity for row in usage.rows] == [Decimal(2)]
    assert [anomaly.kind for anomaly in usage.anomalies] == ["tie"]


def test_deltas_at_one_instant_are_never_replaced() -> None:
    records = [
        rk.Sample("cust", "p1", "bw", AT, 30, kind="delta", id="a", seq=1),
        rk.Sample("cust", "p1", "bw", AT, 20, kind="delta", id="b", seq=2),
    ]
    assert _quantities(records, rk.Count()) == [Decimal(2)]
    assert _quantities(records, rk.Max()) == [Decimal(30)]


def test_a_correction_carried_to_a_later_call_counts_nothing_more() -> None:
    meter = rk.Meter("bw", "Mbps", rk.Count())
    first = rk.Span("2026-03-01T00:00:00Z", "2026-03-10T00:00:00Z")
    rest = rk.Span("2026-03-10T00:00:00Z", "2026-04-01T00:00:00Z")
    wrong = rk.meter([WRONG], [meter], span=first, cycle=MONTHLY, as_of=first.end)
    assert [row.quantity for row in wrong.rows] == [Decimal(1)]
    fixed = rk.meter([FIXED], [meter], span=rest, cycle=MONTHLY, as_of=rest.end, state=wrong.state)
    # A late reading of a greater seq replaces the kept one the first call counted: its
    # late row counts it less that one, 1 - 1 = 0, so none.
    assert [row.quantity for row in fixed.late] == []


def test_a_reading_its_carried_correction_replaces_counts_nothing_late() -> None:
    # The correction (seq 2) in the first call, the reading it corrects (seq 1) in the
    # next: replaced by the kept one, it counts nothing, and its late anomaly says so.
    meter = rk.Meter("bw", "Mbps", rk.Count())
    first = rk.Span("2026-03-01T00:00:00Z", "2026-03-10T00:00:00Z")
    rest = rk.Span("2026-03-10T00:00:00Z", "2026-04-01T00:00:00Z")
    fixed = rk.meter([FIXED], [meter], span=first, cycle=MONTHLY, as_of=first.end)
    assert [row.quantity for row in fixed.rows] == [Decimal(1)]
    wrong = rk.meter([WRONG], [meter], span=rest, cycle=MONTHLY, as_of=rest.end, state=fixed.state)
    assert [row.quantity for row in wrong.late] == []
    [late] = wrong.anomalies
    assert (late.kind, late.record_ids, late.quantity) == ("late", ("r1",), None)
    assert "they change no quantity of meter 'bw' there" in late.message


BURST = rk.Plan("burst", "USD", MONTHLY, [rk.PriceEntry("bw", "bw", rk.PerUnit("2.50"))])


def _stream(first: rk.Sample, then: rk.Sample, cut: str, restore: bool, policy: Any) -> Decimal:
    """March's invoice total, ``first`` fed before a statement at ``cut``, ``then`` after."""
    meter = rk.Meter("bw", "Mbps", policy)
    plan = rk.Plan("burst", "USD", MONTHLY, [rk.PriceEntry("bw", "bw", rk.PerUnit("2.50"))])
    rater = rk.Rater(plan, [meter], start="2026-03-01T00:00:00Z")
    rater.feed([*_month(), first])
    rater.statement(cut)
    if restore:
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [meter])
    rater.feed([then])
    rater.statement("2026-03-20T00:00:00Z")
    (invoice,) = rater.statement("2026-04-01T00:00:00Z").invoices
    return invoice.total


@pytest.mark.parametrize("restore", [False, True], ids=["kept", "restored"])
@pytest.mark.parametrize(
    "cut",
    # Before the pair (both new at the next statement), at its instant (not yet known
    # there: both new), after it (the one fed first already stated).
    ["2026-03-02T00:00:00Z", AT, "2026-03-10T00:00:00Z"],
)
@pytest.mark.parametrize(
    ("policy", "expected"),
    # 20 x 2.50 = 50.00; a count of 6 x 2.50 = 15.00 (7 would be 17.50), and so is a
    # distinct count of 1, 2, 3, 4, 5, 20 (not 30).
    [
        (rk.Percentile(95), "50.00"),
        (rk.Max(), "50.00"),
        (rk.Count(), "15.00"),
        (rk.UniqueCount(), "15.00"),
    ],
    ids=repr,
)
def test_the_stream_takes_a_correction_fed_in_a_later_batch(
    policy: Any, expected: str, cut: str, restore: bool
) -> None:
    assert _stream(WRONG, FIXED, cut, restore, policy) == Decimal(expected)
    assert _stream(FIXED, WRONG, cut, restore, policy) == Decimal(expected)


def test_a_correction_after_the_month_closed_reverses_its_burst() -> None:
    # March billed at the 95th of 1, 2, 3, 4, 5, 30 = 30 x 2.50 = 75.00; the correction
    # fed in April: 75.00 reversed, 20 x 2.50 = 50.00 billed.
    meter = rk.Meter("bw", "Mbps", rk.Percentile(95))
    rater = rk.Rater(BURST, [meter], start="2026-03-01T00:00:00Z")
    rater.feed([*_month(), WRONG])
    (march,) = rater.statement("2026-04-01T00:00:00Z").invoices
    assert march.total == Decimal("75.00")
    rater.feed([FIXED])
    lines = rater.statement("2026-04-02T00:00:00Z").lines
    march_lines = [line for line in lines if line.cycle.start == MARCH.start]
    assert [(line.role, line.amount) for line in march_lines] == [
        ("reversal", Decimal("-75.00")),
        ("correction", Decimal("50.00")),
    ]
    # The wrong one after its correction: nothing changes.
    rater = rk.Rater(BURST, [meter], start="2026-03-01T00:00:00Z")
    rater.feed([*_month(), FIXED])
    (march,) = rater.statement("2026-04-01T00:00:00Z").invoices
    assert march.total == Decimal("50.00")
    rater.feed([WRONG])
    lines = rater.statement("2026-04-02T00:00:00Z").lines
    assert [line for line in lines if line.cycle.start == MARCH.start] == []


# -- the law: stream = batch = the greatest seq of each instant alone ---------------------

T0 = to_us("2026-03-01T00:00:00Z")
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
DAILY = rk.cycles.daily(tz="UTC")
SEQS = (None, None, -3, 0, 1, 2)

LAW_POLICIES = (
    rk.Max(),
    rk.Min(),
    rk.Latest(),
    rk.Count(),
    rk.UniqueCount(),
    rk.Percentile(95),
    rk.Percentile(50),
    rk.TimeWeightedMean(),
)


@st.composite
def _drawn(draw: st.DrawFn) -> tuple[list[list[rk.Sample]], list[int], list[bool]]:
    """Gauge readings of two resources over two days, some instants read again and again
    with random seqs, cut into batches in a random order, with a statement after each
    batch at a later watermark, and restores after some."""
    readings: list[rk.Sample] = []
    for index in range(draw(st.integers(1, 8))):
        at_us = T0 + draw(st.integers(0, 47)) * HOUR_US
        resource = draw(st.sampled_from(("p1", "p2")))
        for again in range(draw(st.integers(1, 3))):
            seq = draw(st.sampled_from(SEQS))
            value = draw(st.sampled_from((0, 4, 7, 20, 30)))
            at = format_us(at_us)
            key = f"r{index}-{again}"
            readings.append(
                rk.Sample("c", resource, "bw", at, value, kind="gauge", id=key, seq=seq)
            )
    order = random.Random(draw(st.integers(0, 2**32))).sample(readings, len(readings))
    batches: list[list[rk.Sample]] = []
    while order:
        size = draw(st.integers(1, len(order)))
        batches.append(order[:size])
        order = order[size:]
    watermarks: list[int] = []
    mark = T0
    for _ in batches:
        mark += draw(st.integers(1, 8)) * HOUR_US  # (each later, all before the end)
        watermarks.append(mark)
    restores = [draw(st.integers(0, 2)) == 0 for _ in batches]
    return batches, watermarks, restores


def _standing(readings: list[rk.Sample]) -> list[rk.Sample]:
    """The brute oracle: per resource and instant, only the readings of the greatest seq."""
    top: dict[tuple[str, int], int] = {}
    for sample in readings:
        seq = -1 if sample.seq is None else sample.seq
        key = (sample.resource, sample.at_us)
        top[key] = max(top.get(key, seq), seq)
    return [s for s in readings if (-1 if s.seq is None else s.seq) == top[s.resource, s.at_us]]


def _last(readings: list[rk.Sample]) -> Decimal:
    """The last by time, then seq (none as -1), then value, then id."""
    return max(
        readings, key=lambda s: (s.at_us, -1 if s.seq is None else s.seq, s.value, s.id)
    ).value


def _rank(percent: Decimal, values: list[Decimal]) -> Decimal:
    """The nearest rank, of whole percents."""
    ordered = sorted(values)
    rank = -(-int(percent) * len(ordered) // 100)
    return ordered[max(rank, 1) - 1]


def _aggregate(policy: Any, readings: list[rk.Sample]) -> Decimal | None:
    """The brute aggregate of one day's standing readings (not a mean's)."""
    values = [s.value for s in readings]
    if not values:
        return None
    brute = {
        rk.Max: lambda: max(values),
        rk.Min: lambda: min(values),
        rk.Count: lambda: Decimal(len(values)),
        rk.UniqueCount: lambda: Decimal(len(set(values))),
        rk.Latest: lambda: _last(readings),
        rk.Percentile: lambda: _rank(policy.percent, values),
    }
    return brute[type(policy)]()


@pytest.mark.property
@pytest.mark.parametrize("policy", LAW_POLICIES, ids=repr)
@settings(max_examples=LAWS // 4, deadline=None)  # 15 a policy in CI
@given(drawn=_drawn())
def test_corrections_streamed_in_any_order_are_batch_and_the_greatest_seq_alone(
    policy: Any, drawn: tuple[list[list[rk.Sample]], list[int], list[bool]]
) -> None:
    batches, watermarks, restores = drawn
    meter = rk.Meter("bw", "Mbps", policy)
    plan = rk.Plan("p", "USD", DAILY, [rk.PriceEntry("bw", "bw", rk.PerUnit("2.50"))])
    rater = rk.Rater(plan, [meter], start=format_us(T0), horizon=dt.timedelta(days=7))
    lines: list[rk.StatementLine] = []
    for batch, watermark, restore in zip(batches, watermarks, restores, strict=True):
        rater.feed(batch)
        lines += rater.statement(format_us(watermark)).lines
        if restore:
            rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [meter])
    end = T0 + 3 * DAY_US
    lines += rater.statement(format_us(end)).lines
    fed = [sample for batch in batches for sample in batch]
    span = rk.Span(format_us(T0), format_us(end))
    rating = rk.rate(fed, plan, span=span, meters=[meter])
    assert sums(lines) == batch_sums(rating.charges)
    # Batch is the standing readings alone, metered (the mean's oracle) ...
    standing = _standing(fed)
    alone = rk.rate(standing, plan, span=span, meters=[meter])
    assert batch_sums(rating.charges) == batch_sums(alone.charges)
    if type(policy) is rk.TimeWeightedMean:
        return
    # ... and each day's quantity their aggregate, worked out by brute force.
    expected = {}
    for resource in ("p1", "p2"):
        for day in range(3):
            start = T0 + day * DAY_US
            found = [
                s for s in standing if s.resource == resource and start <= s.at_us < start + DAY_US
            ]
            quantity = _aggregate(policy, found)
            if quantity is not None:
                expected[resource, start] = quantity
    got = {(row.resource, row.cycle.start_us): row.quantity for row in rating.rows}
    assert got == expected
