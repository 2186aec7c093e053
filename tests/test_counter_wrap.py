"""A counter that wraps at its width (`Counter(wraps_at=...)`): a decrease is a wrap.

SNMP's `Counter32` and `Counter64` count modulo 2**32 and 2**64; a 32-bit octet counter
of a 1 Gbps port wraps about every 34 seconds. Under `wraps_at`, a reading lower than
the one before adds ``wraps_at - before + reading``, with no anomaly; batch and stream
alike (the one policy computes it).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
DAYS = rk.cycles.daily(tz="UTC")
T0 = MARCH.start_us


def at(minute: int) -> dt.datetime:
    return MARCH.start + dt.timedelta(minutes=minute)


def _reading(minute: int, value: int, key: str) -> rk.Sample:
    return rk.Sample("acme", "port-1", "octets", at(minute), value, kind="counter", id=key)


def _metered(policy: rk.Counter, values: list[tuple[int, int]]) -> rk.Usage:
    records = [_reading(minute, value, f"r{n}") for n, (minute, value) in enumerate(values)]
    meter = rk.Meter("octets", "B", policy)
    return rk.meter(records, [meter], span=MARCH, cycle=DAYS, as_of=MARCH.end)


def test_a_wrap_counts_up_to_the_modulus_then_from_zero() -> None:
    # 2^32 = 4294967296: 4294967000 -> 200 moved 296 + 200 = 496 B; then 200 -> 1200: 1000
    usage = _metered(rk.Counter(wraps_at=2**32), [(0, 4294967000), (5, 200), (10, 1200)])
    assert sum(row.quantity for row in usage.rows) == 1496
    assert usage.anomalies == ()


def test_a_wrap_across_a_cycle_boundary_is_apportioned_in_time() -> None:
    # 23:55 on 1 March reads 2^32 - 96, 00:05 on 2 March reads 404: 96 + 404 = 500 B over
    # ten minutes, 250 B to each day.
    day = 24 * 60
    usage = _metered(rk.Counter(wraps_at=2**32), [(day - 5, 2**32 - 96), (day + 5, 404)])
    assert [(row.cycle.start_us, row.quantity) for row in usage.rows] == [
        (T0, Decimal(250)),
        (T0 + day * 60_000_000, Decimal(250)),
    ]


def test_without_a_width_a_decrease_is_a_reset() -> None:
    # The default: 4294967000 -> 200 counts 200 from zero, with a counter_reset anomaly.
    usage = _metered(rk.Counter(), [(0, 4294967000), (5, 200)])
    assert [row.quantity for row in usage.rows] == [Decimal(200)]
    assert [anomaly.kind for anomaly in usage.anomalies] == ["counter_reset"]


def test_a_reading_not_below_the_modulus_is_followed_by_a_reset() -> None:
    # 5000 is no reading of a counter modulo 4096: the 300 after it is a reset (300 B).
    usage = _metered(rk.Counter(wraps_at=4096), [(0, 5000), (5, 300)])
    assert [row.quantity for row in usage.rows] == [Decimal(300)]
    assert [anomaly.kind for anomaly in usage.anomalies] == ["counter_reset"]


def test_a_reboot_told_by_events_counts_from_zero_not_as_a_wrap() -> None:
    """With `from_zero`, a STOP and START around a reboot say it: the reading after the
    START counts from 0 at the START (300 B), not as a wrap (4096 - 3000 + 300)."""
    meter = rk.Meter("octets", "B", rk.Counter(from_zero=True, wraps_at=4096))
    records = [
        rk.Event("acme", "port-1", at(0), kind="start", id="s1"),
        _reading(10, 3000, "r1"),
        rk.Event("acme", "port-1", at(20), kind="stop", id="s2"),
        rk.Event("acme", "port-1", at(30), kind="start", id="s3"),
        _reading(40, 300, "r2"),
    ]
    usage = rk.meter(records, [meter], span=MARCH, cycle=DAYS, as_of=MARCH.end)
    # 3000 from 0 at the first START, then 300 from 0 at the second: 3300 B
    assert sum(row.quantity for row in usage.rows) == 3300
    assert usage.anomalies == ()


@pytest.mark.parametrize(
    ("given", "error", "words"),
    [
        (True, rk.RatekitTypeError, "Counter wraps_at must be an int"),
        (2.0**32, rk.RatekitTypeError, "not float: 4294967296.0"),
        ("4294967296", rk.RatekitTypeError, "not str"),
        (Decimal(4096), rk.RatekitTypeError, "not Decimal"),
        (1, rk.BadQuantityError, "Counter wraps_at must be 2 or more"),
        (-(2**32), rk.BadQuantityError, "not -4294967296"),
    ],
)
def test_a_width_other_than_an_int_of_two_or_more_is_refused(
    given: object, error: type[Exception], words: str
) -> None:
    with pytest.raises(error) as caught:
        rk.Counter(wraps_at=given)  # type: ignore[arg-type]
    assert words in str(caught.value)
    assert "2**32" in str(caught.value)


def test_the_width_is_part_of_the_meter() -> None:
    assert repr(rk.Counter(wraps_at=2**64)) == "Counter(wraps_at=18446744073709551616)"
    assert rk.Counter(wraps_at=2**32) != rk.Counter()
    assert rk.Counter(wraps_at=2**32) == rk.Counter(wraps_at=2**32)


def test_a_stream_of_a_wrapping_counter_restored_from_json_bills_as_batch() -> None:
    """Readings every 5 minutes of a 16-bit counter that wraps about every 40 minutes,
    fed shuffled in batches with a restore from JSON after each statement: the lines add
    up to batch `rate()`; each reading moves 1,700 B, so 287 readings over a day move
    286 x 1,700 = 486,200 B, at 0.001 a kB (0.000001 a B): 0.4862."""
    meter = rk.Meter("octets", "B", rk.Counter(wraps_at=2**16))
    plan = rk.Plan("transit", "USD", DAYS, [rk.PriceEntry("o", "octets", rk.PerUnit("0.000001"))])
    records = [_reading(5 * n, (1700 * n) % 2**16, f"r{n}") for n in range(287)]
    order = records[::7] + [r for n, r in enumerate(records) if n % 7]
    rater = rk.Rater(plan, [meter], start=MARCH.start)
    total = Decimal(0)
    for start in range(0, len(order), 40):
        rater.feed(order[start : start + 40])
        statement = rater.statement(at((start + 40) * 5))
        total += sum((line.amount for line in statement.lines), Decimal(0))
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [meter])
    statement = rater.statement(at(2 * 24 * 60))
    total += sum((line.amount for line in statement.lines), Decimal(0))
    batch = rk.rate(records, plan, span=rk.Span(MARCH.start, at(2 * 24 * 60)), meters=[meter])
    assert total == sum((c.amount for c in batch.charges), Decimal(0)) == Decimal("0.4862")
    assert batch.anomalies == ()


@pytest.mark.property
@settings(max_examples=max(LAWS, 30), deadline=None)
@given(
    width=st.sampled_from([2, 7, 256, 2**32]),
    steps=st.lists(st.tuples(st.integers(1, 60), st.integers(0, 2**33)), min_size=1, max_size=30),
    first=st.integers(0, 2**33),
)
def test_the_bytes_moved_are_the_readings_differences_modulo_the_width(
    width: int, steps: list[tuple[int, int]], first: int
) -> None:
    """Against a brute oracle: each step from ``a`` to ``b`` (both below the width)
    moves ``(b - a) mod width``; a reading not below the width is followed by a reset
    (``b`` from zero) when the next is lower. Added over every day the readings span."""
    values = [first % width] + [value % width for _, value in steps]
    minutes = [0]
    for gap, _ in steps:
        minutes.append(minutes[-1] + gap)
    usage = _metered(rk.Counter(wraps_at=width), list(zip(minutes, values, strict=True)))
    moved = sum((b - a) % width for a, b in itertools.pairwise(values))
    assert sum(row.quantity for row in usage.rows) == moved
    assert usage.anomalies == ()
