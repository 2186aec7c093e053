"""A colocation and transit business bills a month of 95th-percentile bandwidth in batch.

Each port is read every 5 minutes (Mbps, a gauge); `rk.Percentile(95)` takes the nearest
rank, ceil(95 n / 100) of the n readings sorted ascending (1-based), so the top 5 % of
the month's samples, rounded down to whole samples, are dropped. Every figure is worked
by hand in a comment, and checked against our own ranking: `sorted()` of the values and
the reading at index rank - 1.
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal

from tests._colo_burst import BW, month_of, rank95

import ratekit as rk

UTC_MONTHS = rk.cycles.monthly(tz="UTC")
CHICAGO = "America/Chicago"
CHICAGO_MONTHS = rk.cycles.monthly(tz=CHICAGO)
BURST = rk.Plan("burst", "USD", UTC_MONTHS, [rk.PriceEntry("bw", "bw", rk.PerUnit("2.50"))])
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
FEBRUARY = rk.Span("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")


def _by_rank(samples: list[rk.Sample], rank: int) -> Decimal:
    """Our own ranking: the values sorted ascending, the one at 1-based ``rank``."""
    return sorted(sample.value for sample in samples)[rank - 1]


def _gauges(values: list[int], *, port: str = "p1", account: str = "cust") -> list[rk.Sample]:
    t0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    return [
        rk.Sample(
            account, port, "bw", t0 + i * dt.timedelta(minutes=5), v, kind="gauge", id=f"{port}-{i}"
        )
        for i, v in enumerate(values)
    ]


def _charged(
    records: list[rk.Sample], plan: rk.Plan | list[rk.Assignment], span: rk.Span
) -> list[tuple[str, Decimal, Decimal]]:
    rating = rk.rate(records, plan, span=span, meters=[BW])
    return [(charge.account, charge.quantity, charge.amount) for charge in rating.charges]


def test_a_31_day_month_drops_446_of_8928_samples() -> None:
    # March: 31 x 288 = 8928 readings; rank ceil(0.95 x 8928) = ceil(8481.6) = 8482, so
    # the 8928 - 8482 = 446 highest are dropped. 447 bursts 1000..1446: the 446 above
    # 1000 go, 1000 is billed: 1000 x 2.50 = 2500.00.
    samples = month_of("cust", "p1", "2026-03-01T00:00:00Z", 8928)
    assert rank95(8928) == 8482
    assert _by_rank(samples, 8482) == 1000
    assert _by_rank(samples, 8481) < 150
    assert _by_rank(samples, 8483) == 1001
    assert _charged(samples, BURST, MARCH) == [("cust", Decimal(1000), Decimal("2500.00"))]
    (invoice,) = rk.bill(rk.rate(samples, BURST, span=MARCH, meters=[BW]))
    assert invoice.total == Decimal("2500.00")


def test_a_28_day_month_drops_403_of_8064_samples() -> None:
    # February: 28 x 288 = 8064 readings; rank ceil(0.95 x 8064) = ceil(7660.8) = 7661,
    # so 403 are dropped; 404 bursts 1000..1403 bill 1000 x 2.50 = 2500.00.
    samples = month_of("cust", "p1", "2026-02-01T00:00:00Z", 8064)
    assert rank95(8064) == 7661
    assert _by_rank(samples, 7661) == 1000
    assert _charged(samples, BURST, FEBRUARY) == [("cust", Decimal(1000), Decimal("2500.00"))]


def test_the_same_404_bursts_in_a_31_day_month_are_all_dropped() -> None:
    # 404 bursts of 8928 readings: 446 may be dropped, so rank 8482 is a low reading
    # (8524 low ones rank 1..8524). Our ranking names it; ratekit bills the same.
    samples = month_of("cust", "p1", "2026-02-01T00:00:00Z", 8064)
    t0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    march = [
        rk.Sample("cust", "p1", "bw", t0 + i * dt.timedelta(minutes=5), v, kind="gauge", id=f"m{i}")
        for i, v in enumerate(
            [s.value for s in samples] + [Decimal(100 + i % 50) for i in range(864)]
        )
    ]
    assert len(march) == 8928
    expected = _by_rank(march, 8482)
    assert expected < 150
    assert _charged(march, BURST, MARCH) == [("cust", expected, expected * Decimal("2.50"))]


def test_a_percentile_exactly_on_a_rank_takes_that_sample() -> None:
    # 0.95 x 20 = 19 exactly: the 19th smallest of 1..20 is 19 (not 20, and no
    # interpolation 19.05). 0.95 x 8640 (April, 30 days) = 8208 exactly: 432 dropped,
    # 433 bursts, 1000 billed.
    assert _charged(_gauges(list(range(1, 21))), BURST, MARCH) == [
        ("cust", Decimal(19), Decimal("47.50"))
    ]
    april = month_of("cust", "p1", "2026-04-01T00:00:00Z", 8640)
    assert rank95(8640) == 8208
    assert _by_rank(april, 8208) == 1000
    assert _by_rank(april, 8209) == 1001
    assert _charged(april, BURST, APRIL) == [("cust", Decimal(1000), Decimal("2500.00"))]


def test_a_rank_a_float_would_miss_is_exact() -> None:
    # 7 % of 100 readings 1..100: rank 7 exactly (0.07 * 100 is 7.000000000000001 in
    # binary floating point, whose ceiling would be 8); 14 % gives 14.
    readings = _gauges(list(range(1, 101)))
    assert rk.Percentile(7).aggregate(readings, 0, 2**62, None) == 7
    assert rk.Percentile(14).aggregate(readings, 0, 2**62, None) == 14
    assert rk.Percentile("95.0").aggregate(readings, 0, 2**62, None) == 95


def test_ties_among_the_top_samples() -> None:
    # 20 readings, rank 19: three tied at 50 on top -> 50; two tied -> 50 (ranks 19
    # and 20); one alone on top -> it is dropped and 10 is billed.
    assert _charged(_gauges([10] * 17 + [50] * 3), BURST, MARCH)[0][1] == 50
    assert _charged(_gauges([50, 10] * 2 + [10] * 16), BURST, MARCH)[0][1] == 50
    assert _charged(_gauges([10] * 19 + [50]), BURST, MARCH)[0][1] == 10


def test_a_reading_at_the_boundary_instant_belongs_to_the_next_month() -> None:
    # Cycles are half-open: 2026-04-01T00:00Z is April's. March keeps its 1000; April
    # has the one reading, 9999 x 2.50 = 24997.50.
    samples = month_of("cust", "p1", "2026-03-01T00:00:00Z", 8928)
    edge = rk.Sample("cust", "p1", "bw", "2026-04-01T00:00:00Z", 9999, kind="gauge", id="edge")
    assert _charged([*samples, edge], BURST, MARCH) == [("cust", Decimal(1000), Decimal("2500.00"))]
    assert _charged([*samples, edge], BURST, APRIL) == [
        ("cust", Decimal(9999), Decimal("24997.50"))
    ]


def test_a_dst_month_in_chicago_has_8916_samples() -> None:
    # March 2026 in Chicago runs 2026-03-01T06:00Z .. 2026-04-01T05:00Z: 743 hours
    # (clocks spring forward on the 8th), 743 x 12 = 8916 readings; rank
    # ceil(0.95 x 8916) = ceil(8470.2) = 8471, 445 dropped, 446 bursts, 1000 billed.
    cycle = CHICAGO_MONTHS.containing("2026-03-15T12:00:00Z")
    assert cycle.duration == dt.timedelta(hours=743)
    samples = month_of("cust", "p1", "2026-03-01T06:00:00Z", 8916)
    assert rank95(8916) == 8471
    assert _by_rank(samples, 8471) == 1000
    edge = rk.Sample("cust", "p1", "bw", "2026-04-01T05:00:00Z", 9999, kind="gauge", id="edge")
    plan = rk.Plan("burst", "USD", CHICAGO_MONTHS, [rk.PriceEntry("bw", "bw", rk.PerUnit("2.50"))])
    rating = rk.rate([*samples, edge], plan, span=cycle, meters=[BW])
    (invoice,) = rk.bill(rating, tz=CHICAGO)
    assert invoice.total == Decimal("2500.00")
    assert "2026-03-01 .. 2026-04-01 (America/Chicago)" in str(invoice)


def _committed(name: str, commit_mbps: int) -> rk.Plan:
    # Billed at least the commit: 2 per Mbps, a minimum of commit x 2 on the meter.
    return rk.Plan(
        name,
        "USD",
        UTC_MONTHS,
        [rk.PriceEntry("bw", "bw", rk.PerUnit(2))],
        minimums=[rk.Minimum(commit_mbps * 2, meter="bw")],
    )


def test_a_commit_raised_mid_month() -> None:
    # April (8640 readings, 95th = 1000), commit 500 Mbps until the 16th, 1500 after:
    # each half pays max(95th, commit) x 2 for its 15/30: 1000 x 2 / 2 = 1000.00, then
    # 1500 x 2 / 2 = 1500.00 (1000.00 usage + a top-up of 500.00). Total 2500.00.
    plans = [
        rk.Assignment("cust", _committed("c500", 500), end="2026-04-16T00:00:00Z"),
        rk.Assignment("cust", _committed("c1500", 1500), start="2026-04-16T00:00:00Z"),
    ]
    samples = month_of("cust", "p1", "2026-04-01T00:00:00Z", 8640)
    rating = rk.rate(samples, plans, span=APRIL, meters=[BW])
    assert [(c.kind, c.plan, c.quantity, c.amount) for c in rating.charges] == [
        ("usage", "c500", Decimal(500), Decimal(1000)),
        ("usage", "c1500", Decimal(500), Decimal(1000)),
        ("minimum", "c1500", Decimal("0.5"), Decimal(500)),
    ]
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("2500.00")


def test_a_commit_above_the_95th_bills_the_commit() -> None:
    # 95th 19 Mbps (1..20) under a 100 Mbps commit at 2: max(19, 100) x 2 = 200.00.
    rating = rk.rate(_gauges(list(range(1, 21))), _committed("c100", 100), span=MARCH, meters=[BW])
    assert rk.bill(rating)[0].total == Decimal("200.00")


def test_ports_are_billed_per_port_and_add_up() -> None:
    # Two ports, 20 readings each, a burst of 100 on each at another instant: each
    # port's 95th (rank 19) is 10, the customer pays 10 + 10 = 20 Mbps x 2.50 = 50.00.
    # Aggregated billing (the 95th of the ports' sum at each instant) is the caller's
    # sum: 110, 110 and 18 x 20; rank 19 of those is 110, 275.00.
    one = [100] + [10] * 19
    two = [10, 100] + [10] * 18
    per_port = _gauges(one, port="p1") + _gauges(two, port="p2")
    assert rk.bill(rk.rate(per_port, BURST, span=MARCH, meters=[BW]))[0].total == Decimal("50.00")
    summed = _gauges([a + b for a, b in zip(one, two, strict=True)], port="agg")
    assert _by_rank(summed, 19) == 110
    assert _charged(summed, BURST, MARCH) == [("cust", Decimal(110), Decimal("275.00"))]


def test_a_port_moved_between_customers_mid_month() -> None:
    # Port p1 is A's on the 2nd (readings 1..20), then B's (101..120): each pays the
    # 95th of its own readings, rank 19: A 19 x 2.50 = 47.50, B 119 x 2.50 = 297.50.
    a = _gauges(list(range(1, 21)), account="A")
    t0 = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)
    b = [
        rk.Sample(
            "B", "p1", "bw", t0 + i * dt.timedelta(minutes=5), 101 + i, kind="gauge", id=f"b{i}"
        )
        for i in range(20)
    ]
    assert sorted(_charged(a + b, BURST, MARCH)) == [
        ("A", Decimal(19), Decimal("47.50")),
        ("B", Decimal(119), Decimal("297.50")),
    ]


def test_a_customer_from_the_11th_with_power_cross_connect_and_setup() -> None:
    # Assigned from 11 March (21 of 31 days, the plan prorates by days). A non-additive
    # aggregate is the cycle's, shared by the plan's part (docs/usage.md): bandwidth
    # 1000 x 21/31 x 2.50 = 52500/31 = 1693.548 -> 1693.55; peak power 6 kW x 21/31 x 10
    # = 1260/31 = 40.645 -> 40.65; mean power over the known 21 days (4 x 10 + 6 x 11)/21
    # = 106/21 kW, x 21/31 x 20 = 2120/31 = 68.387 -> 68.39; the setup fee 1 x 500; the
    # cross-connect 300 x 21/31 = 203.2258 -> 203.23. Total 2505.82.
    peak = rk.Meter("kw.peak", "kW", rk.Max())
    mean = rk.Meter("kw.avg", "kW", rk.TimeWeightedMean(over="known"))
    setup = rk.Meter("setup", "count", rk.Discrete())
    plan = rk.Plan(
        "colo",
        "USD",
        UTC_MONTHS,
        [
            rk.PriceEntry("bw", "bw", rk.PerUnit("2.50")),
            rk.PriceEntry("pk", "kw.peak", rk.PerUnit(10)),
            rk.PriceEntry("av", "kw.avg", rk.PerUnit(20)),
            rk.PriceEntry("setup", "setup", rk.PerUnit(500)),
        ],
        fees=[rk.Fee("xc-1", 300)],
        proration="days",
    )
    records: list[rk.Sample] = [*month_of("c", "p1", "2026-03-11T00:00:00Z", 21 * 288)]
    for meter in ("kw.peak", "kw.avg"):
        records += [
            rk.Sample(
                "c", "pdu-1", meter, "2026-03-11T00:00:00Z", 4, kind="gauge", id=f"{meter}-1"
            ),
            rk.Sample(
                "c", "pdu-1", meter, "2026-03-21T00:00:00Z", 6, kind="gauge", id=f"{meter}-2"
            ),
        ]
    records.append(rk.Sample("c", "order-1", "setup", "2026-03-11T00:00:00Z", 1, id="setup-1"))
    rating = rk.rate(
        records,
        [rk.Assignment("c", plan, start="2026-03-11T00:00:00Z")],
        span=MARCH,
        meters=[BW, peak, mean, setup],
    )
    (invoice,) = rk.bill(rating)
    assert [(line.amount) for line in invoice.lines] == [
        Decimal("1693.55"),
        Decimal("68.39"),
        Decimal("40.65"),
        Decimal("500.00"),
        Decimal("203.23"),
    ]
    assert invoice.total == Decimal("2505.82")


def test_the_callers_decimal_context_does_not_matter() -> None:
    # A 3-digit, flooring, Inexact-trapping context changes nothing: 1000 x 2.50.
    samples = month_of("cust", "p1", "2026-03-01T00:00:00Z", 8928)
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_FLOOR
        context.traps[decimal.Inexact] = True
        rating = rk.rate(samples, BURST, span=MARCH, meters=[BW])
        assert rk.bill(rating)[0].total == Decimal("2500.00")


def test_a_fall_back_month_in_chicago_with_a_cross_connect_from_the_8th() -> None:
    # November 2026 in Chicago: 2026-11-01T05:00Z .. 2026-12-01T06:00Z, 721 hours (clocks
    # fall back on the 1st), 721 x 12 = 8652 readings; rank ceil(0.95 x 8652) =
    # ceil(8219.4) = 8220, 432 dropped, 433 bursts, 95th 1000. The customer's plan starts
    # at local midnight of the 8th (06:00Z): the aggregate is shared by time, 552 of 721
    # hours, 1000 x 552/721 x 2.50 = 1380000/721 = 1914.008 -> 1914.01; the cross-connect
    # counts whole local days, 23 of 30: 300 x 23/30 = 230.00. Total 2144.01.
    cycle = CHICAGO_MONTHS.containing("2026-11-15T00:00:00Z")
    assert cycle.duration == dt.timedelta(hours=721)
    samples = month_of("cust", "p1", "2026-11-01T05:00:00Z", 8652)
    assert rank95(8652) == 8220
    assert _by_rank(samples, 8220) == 1000
    plan = rk.Plan(
        "colo",
        "USD",
        CHICAGO_MONTHS,
        [rk.PriceEntry("bw", "bw", rk.PerUnit("2.50"))],
        fees=[rk.Fee("xc-1", 300)],
        proration="days",
        tz=CHICAGO,
    )
    rating = rk.rate(
        samples,
        [rk.Assignment("cust", plan, start="2026-11-08T06:00:00Z")],
        span=cycle,
        meters=[BW],
    )
    (invoice,) = rk.bill(rating, tz=CHICAGO)
    assert [line.amount for line in invoice.lines] == [Decimal("1914.01"), Decimal("230.00")]
    assert invoice.total == Decimal("2144.01")


def test_a_committed_port_with_no_readings_bills_the_commit() -> None:
    # An assigned customer whose port sent nothing: the 100 Mbps commit at 2, 200.00.
    plan = rk.Plan(
        "c100",
        "USD",
        UTC_MONTHS,
        [rk.PriceEntry("bw", "bw", rk.PerUnit(2))],
        minimums=[rk.Minimum(200, meter="bw")],
    )
    (invoice,) = rk.bill(rk.rate([], [rk.Assignment("cust", plan)], span=MARCH, meters=[BW]))
    assert invoice.total == Decimal("200.00")
    rater = rk.Rater([rk.Assignment("cust", plan)], [BW], start="2026-03-01T00:00:00Z")
    (streamed,) = rater.statement("2026-04-01T00:00:00Z").invoices
    assert streamed.total == Decimal("200.00")


def test_a_month_rated_in_two_spans_as_of_its_end_adds_up() -> None:
    # Readings 1..20 on 2-21 March, 95th (rank 19) = 19. Rated as of the month's end,
    # the span to the 16th carries 15/31 of it and the rest 16/31 (docs/usage.md, a
    # span that cuts a cycle): 19 x 15/31 x 2.50 = 712.5/31 and 19 x 16/31 x 2.50 =
    # 760/31, together 47.50, the whole month's.
    readings = _gauges(list(range(1, 21)))
    to_16th = rk.Span("2026-03-01T00:00:00Z", "2026-03-16T00:00:00Z")
    after = rk.Span("2026-03-16T00:00:00Z", "2026-04-01T00:00:00Z")
    first = rk.rate(readings, BURST, span=to_16th, meters=[BW], as_of=MARCH.end)
    second = rk.rate(readings, BURST, span=after, meters=[BW])
    with decimal.localcontext() as sixty:  # ratekit's amounts: rounded once at 60 digits
        sixty.prec = 60
        assert first.total() == Decimal("712.5") / 31
        assert second.total() == Decimal(760) / 31
    assert first.total() + second.total() == Decimal("47.50")
