"""Hostile input from a colocation NOC: bad percentiles, bad readings, counters that wrap
or reset, corrections, late and too-late readings, a hostile decimal context.

Every refusal must be a `rk.RatekitError` naming the field, what was wrong and what is
accepted. A surprise is pinned as a strict xfail on its smallest input.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from decimal import Decimal

import pytest
from tests._colo_burst import BW, month_of

import ratekit as rk

UTC_MONTHS = rk.cycles.monthly(tz="UTC")
BURST = rk.Plan("burst", "USD", UTC_MONTHS, [rk.PriceEntry("bw", "bw", rk.PerUnit("2.50"))])
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
OCTETS = rk.Meter("octets", "B", rk.Counter())


def _gauge(at: str, value: object, key: str, *, seq: int | None = None) -> rk.Sample:
    return rk.Sample("cust", "p1", "bw", at, value, kind="gauge", id=key, seq=seq)


def _daily(values: list[int]) -> list[rk.Sample]:
    return [_gauge(f"2026-03-{1 + i:02}T00:00:00Z", v, f"d{i}") for i, v in enumerate(values)]


@pytest.mark.parametrize(
    ("percent", "error", "words"),
    [
        (0, rk.BadQuantityError, "must be in (0, 100], not 0"),
        (101, rk.BadQuantityError, "must be in (0, 100], not 101"),
        (-1, rk.BadQuantityError, "must be in (0, 100], not -1"),
        (Decimal("NaN"), rk.BadQuantityError, "must be a finite number"),
        (float("nan"), rk.BadQuantityError, "must be a finite number"),
        (True, rk.RatekitTypeError, "must be a number (int, str, Decimal or float), not bool"),
        (None, rk.RatekitTypeError, "not NoneType"),
        ("ninety-five", rk.BadQuantityError, "is not a decimal number"),
        (Decimal("1E-40"), rk.BadQuantityError, "a magnitude from 1E-30"),
    ],
)
def test_a_bad_percent_is_refused_by_name(
    percent: object, error: type[rk.RatekitError], words: str
) -> None:
    with pytest.raises(error) as raised:
        rk.Percentile(percent)
    assert isinstance(raised.value, rk.RatekitError)
    assert "Percentile percent" in str(raised.value)
    assert words in str(raised.value)


def test_the_edges_of_percent() -> None:
    # 100 is the highest reading; 1E-7 % of 20 readings is rank ceil(0.00000002) = 1, the
    # lowest; 95.5 % of 20 is rank ceil(19.1) = 20.
    readings = _daily(list(range(1, 21)))
    assert rk.Percentile(100).aggregate(readings, 0, 2**62, None) == 20
    assert rk.Percentile("1E-7").aggregate(readings, 0, 2**62, None) == 1
    assert rk.Percentile(95.5).aggregate(readings, 0, 2**62, None) == 20


@pytest.mark.parametrize(
    ("value", "error", "words"),
    [
        (float("inf"), rk.BadQuantityError, "sample 'x' value must be a finite number"),
        ("NaN", rk.BadQuantityError, "sample 'x' value must be a finite number"),
        (None, rk.RatekitTypeError, "sample 'x' value must be a number"),
        (True, rk.RatekitTypeError, "sample 'x' value must be a number"),
        ([1], rk.RatekitTypeError, "sample 'x' value must be a number"),
    ],
)
def test_a_bad_reading_is_refused_by_name(
    value: object, error: type[rk.RatekitError], words: str
) -> None:
    with pytest.raises(error, match=words.replace("(", r"\(")):
        _gauge("2026-03-02T00:00:00Z", value, "x")


def test_a_naive_instant_and_an_unknown_kind_are_refused() -> None:
    with pytest.raises(
        rk.BadTimeError, match="sample 'n' at '2026-03-02T00:00:00' is a naive datetime"
    ):
        rk.Sample("cust", "p1", "bw", dt.datetime(2026, 3, 2), 10, kind="gauge", id="n")  # noqa: DTZ001
    with pytest.raises(
        rk.BadRecordError, match="kind 'gauges' is not one of 'delta', 'counter', 'gauge'"
    ):
        rk.Sample("cust", "p1", "bw", "2026-03-02T00:00:00Z", 10, kind="gauges", id="n")


def test_raw_byte_counters_are_refused_by_a_percentile_meter() -> None:
    # The 95th is of rates: a cumulative byte counter must be turned into Mbps first.
    counter = rk.Sample("cust", "p1", "bw", "2026-03-02T00:00:00Z", 5, kind="counter", id="c")
    with pytest.raises(
        rk.BadRecordError,
        match=r"sample 'c' .* kind 'counter' does not fit meter 'bw'.*'delta', 'gauge'",
    ):
        rk.rate([counter], BURST, span=MARCH, meters=[BW])


def _counted(first: int, second: int, meter: rk.Meter = OCTETS) -> tuple[list[Decimal], list[str]]:
    records = [
        rk.Sample("cust", "p1", "octets", "2026-03-02T00:00:00Z", first, kind="counter", id="a"),
        rk.Sample("cust", "p1", "octets", "2026-03-02T00:05:00Z", second, kind="counter", id="b"),
    ]
    usage = rk.meter(records, [meter], span=MARCH, cycle=UTC_MONTHS, as_of=MARCH.end)
    return [row.quantity for row in usage.rows], [anomaly.kind for anomaly in usage.anomalies]


def test_a_router_reboot_resets_the_counter_from_zero() -> None:
    # 5000 B, then 300 B after a reboot: counted from zero, 300 B, a counter_reset anomaly.
    assert _counted(5000, 300) == ([Decimal(300)], ["counter_reset"])


def test_a_32_bit_counter_that_wraps_counts_the_bytes_across_the_wrap() -> None:
    # 2^32 - 4294967000 + 200 = 296 + 200 = 496 B, no anomaly; at 2^64: 100 + 50 = 150 B
    wrapping = rk.Meter("octets", "B", rk.Counter(wraps_at=2**32))
    assert _counted(2**32 - 296, 200, wrapping) == ([Decimal(496)], [])
    wide = rk.Meter("octets", "B", rk.Counter(wraps_at=2**64))
    assert _counted(2**64 - 100, 50, wide) == ([Decimal(150)], [])


def test_a_seq_correction_at_one_instant_replaces_the_reading_in_the_95th() -> None:
    wrong = _gauge("2026-03-02T00:00:00Z", 30, "r1", seq=1)
    fixed = _gauge("2026-03-02T00:00:00Z", 20, "r1-fix", seq=2)
    usage = rk.meter([wrong, fixed], [BW], span=MARCH, cycle=UTC_MONTHS, as_of=MARCH.end)
    assert [row.quantity for row in usage.rows] == [Decimal(20)]


def test_a_reading_resent_under_its_id_with_another_value_is_conflicting() -> None:
    # The NOC re-exports reading x with 11 instead of 10: refused, the 10 stays.
    rater = rk.Rater(BURST, [BW], start="2026-03-01T00:00:00Z")
    rater.feed([_gauge("2026-03-02T00:00:00Z", 10, "x")])
    feed = rater.feed([_gauge("2026-03-02T00:00:00Z", 11, "x")])
    assert feed.conflicting == ("x",)
    assert feed.accepted == ()
    (invoice,) = rater.statement("2026-04-01T00:00:00Z").invoices
    assert invoice.total == Decimal("25.00")  # 10 x 2.50


def test_a_late_reading_under_report_is_reported_not_charged() -> None:
    # March closes at 19 x 2.50 = 47.50; a late 50 at 23:00 on the 31st would make it
    # rank 20 of 21 = 20, 50.00: under late="report" the pair is in reported_only.
    rater = rk.Rater(BURST, [BW], start="2026-03-01T00:00:00Z", late="report")
    rater.feed(_daily(list(range(1, 21))))
    assert [i.total for i in rater.statement("2026-04-01T00:00:00Z").invoices] == [Decimal("47.50")]
    assert rater.feed([_gauge("2026-03-31T23:00:00Z", 50, "late")]).late == ("late",)
    statement = rater.statement("2026-04-02T00:00:00Z")
    assert statement.lines == ()
    assert [(line.role, line.amount) for line in statement.reported_only] == [
        ("reversal", Decimal("-47.50")),
        ("correction", Decimal("50.00")),
    ]


def test_a_reading_after_its_month_is_compacted_is_too_late_and_said() -> None:
    # March is compacted once April closes: a March reading fed in May changes no
    # invoice; the feed names it too late, with an anomaly naming the sample.
    rater = rk.Rater(BURST, [BW], start="2026-03-01T00:00:00Z")
    rater.feed(_daily(list(range(1, 21))))
    rater.statement("2026-04-01T00:00:00Z")
    rater.statement("2026-05-01T00:00:00Z")
    feed = rater.feed([_gauge("2026-03-31T23:00:00Z", 50, "old")])
    assert feed.too_late == ("old",)
    assert "sample 'old'" in str(feed.anomalies[0])
    assert rater.statement("2026-05-02T00:00:00Z").lines == ()


def test_the_stream_under_a_hostile_decimal_context() -> None:
    # Three digits, flooring, Inexact trapped: the streamed month is still 2500.00.
    samples = month_of("cust", "p1", "2026-03-01T00:00:00Z", 8928)
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_FLOOR
        context.traps[decimal.Inexact] = True
        rater = rk.Rater(BURST, [BW], start="2026-03-01T00:00:00Z")
        rater.feed(samples[:4000])
        rater.statement("2026-03-15T00:00:00Z")
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), BURST, [BW])
        rater.feed(samples[4000:])
        (invoice,) = rater.statement("2026-04-01T00:00:00Z").invoices
        assert invoice.total == Decimal("2500.00")
