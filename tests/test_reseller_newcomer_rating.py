"""An object-storage provider with resellers rates a quarter: every figure worked by hand.

Only the README, ``docs/`` and ``help()`` were read. Storage is billed per GB-month (the
time-weighted mean over the cycle of hourly gauges of stored GB), PUTs per started 1,000,
GETs per started 10,000, egress by graduated tiers; resellers get 20 % off or a price list
of their own. The data lake delivers CSV files and DataFrames with replays and corrections.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from tests._reseller_lake import (
    APR,
    EGRESS,
    FEB,
    GET,
    MAR,
    METERS,
    MONTHLY,
    PUT,
    Q1,
    STORED,
    at,
    direct_plan,
    discounted_plan,
    hourly_gauges,
    partner_plan,
    read_csv,
    to_csv,
)

import ratekit as rk


def _line(invoice: rk.Invoice, entry: str) -> rk.InvoiceLine:
    [line] = [line for line in invoice.lines if line.entry == entry]
    return line


# --- GB-month of a gauge sampled hourly, in months of 28, 30 and 31 days -------------------


@pytest.mark.parametrize(
    ("span", "hours", "mean"),
    [
        # 240 h at 100 GB, 432 h at 400 GB: (24,000 + 172,800) / 672 = 196,800/672 = 2050/7
        (FEB, 672, Fraction(2050, 7)),
        # 240 h at 100 GB, 480 h at 400 GB: (24,000 + 192,000) / 720 = 300
        (APR, 720, Fraction(300)),
        # 240 h at 100 GB, 504 h at 400 GB: (24,000 + 201,600) / 744 = 225,600/744 = 9400/31
        (MAR, 744, Fraction(9400, 31)),
    ],
)
def test_gb_month_is_the_time_weighted_mean_of_hourly_gauges(
    span: rk.Span, hours: int, mean: Fraction
) -> None:
    levels = [100] * 240 + [400] * (hours - 240)
    records = hourly_gauges("acme", "bucket-1", span.start, levels)
    rating = rk.rate(records, direct_plan(), span=span, meters=[STORED])
    [charge] = [c for c in rating.charges if c.meter == "stored"]
    # The quantity is the mean to 60 digits; the amount 0.023 times it, rounded once on the line.
    assert abs(Fraction(charge.quantity) - mean) < Fraction(1, 10**50)
    invoice = rk.bill(rating)[0]
    expected = Fraction("0.023") * mean  # Feb 6.7357..., Apr 6.90, Mar 6.9741...
    assert (
        _line(invoice, "storage").amount
        == {672: Decimal("6.74"), 720: Decimal("6.90"), 744: Decimal("6.97")}[hours]
    )
    assert abs(Fraction(_line(invoice, "storage").precise) - expected) < Fraction(1, 10**50)
    assert rating.anomalies == ()


@pytest.mark.parametrize(("span", "hours"), [(FEB, 672), (APR, 720), (MAR, 744)])
def test_the_same_gauges_as_sizes_give_gb_hours_whose_mean_is_the_gb_month(
    span: rk.Span, hours: int
) -> None:
    # The docs' other reading of a gauge of a size: an update event per reading, integrated
    # by a Continuous meter in GB*hour. Its total over the month's hours is the GB-month.
    levels = [100] * 240 + [400] * (hours - 240)
    events = [
        rk.Event("acme", "bucket-1", at(hour, span.start), {"size_gb": level}, id=f"e{hour}")
        for hour, level in enumerate(levels)
    ]
    gb_hours = rk.Meter("gbh", "GB*hour", rk.Continuous("size_gb"))
    usage = rk.meter(events, [gb_hours], span=span, cycle=MONTHLY, as_of=span.end)
    # 240 x 100 + (hours - 240) x 400 GB*hour
    assert usage.total() == Decimal(24000 + (hours - 240) * 400)
    mean = rk.meter(
        hourly_gauges("acme", "bucket-1", span.start, levels),
        [STORED],
        span=span,
        cycle=MONTHLY,
        as_of=span.end,
    )
    assert Fraction(usage.total()) / hours - Fraction(mean.total()) < Fraction(1, 10**50)


def test_gb_month_follows_the_local_month_of_743_hours() -> None:
    # March 2026 in Zurich: 2026-02-28T23:00Z .. 2026-03-31T22:00Z, 743 hours.
    zurich = rk.cycles.monthly(tz="Europe/Zurich")
    march = zurich.containing("2026-03-15T00:00:00Z")
    assert march.duration.total_seconds() == 743 * 3600
    plan = rk.Plan("z", "EUR", zurich, [rk.PriceEntry("storage", "stored", rk.PerUnit("0.023"))])
    records = hourly_gauges("acme", "b", march.start, [100] * 240 + [400] * 503)
    [charge] = rk.rate(records, plan, span=march, meters=[STORED]).charges
    # (240 x 100 + 503 x 400) / 743 = 225,200/743
    assert abs(Fraction(charge.quantity) - Fraction(225200, 743)) < Fraction(1, 10**50)


def test_a_bucket_created_mid_month_counts_zero_before_its_first_gauge() -> None:
    # over="period": 1,000 GB from 15 Feb 00:00 (336 of 672 hours): 1000 x 336/672 = 500 GB-month.
    records = hourly_gauges("acme", "b", datetime(2026, 2, 15, tzinfo=UTC), [1000] * 336)
    [charge] = [
        c
        for c in rk.rate(records, direct_plan(), span=FEB, meters=[STORED]).charges
        if c.kind == "usage"
    ]
    assert charge.quantity == Decimal(500)
    assert charge.amount == Decimal("11.5")  # 500 x 0.023


# --- requests in blocks, egress tiers -------------------------------------------------------


def test_puts_per_started_thousand_and_gets_per_started_ten_thousand() -> None:
    # 1,234,567 PUTs in three deltas: 1,235 blocks x 0.005 = 6.175, half-even 6.18.
    # 98,765,432 GETs: 9,877 blocks x 0.004 = 39.508, 39.51.
    records = [
        rk.Sample("acme", "b", "put", "2026-02-02T10:00:00Z", 1_000_000, id="p1"),
        rk.Sample("acme", "b", "put", "2026-02-12T10:00:00Z", 234_000, id="p2"),
        rk.Sample("acme", "b", "put", "2026-02-22T10:00:00Z", 567, id="p3"),
        rk.Sample("acme", "b", "get", "2026-02-03T10:00:00Z", 98_765_432, id="g1"),
    ]
    invoice = rk.bill(rk.rate(records, direct_plan(), span=FEB, meters=[PUT, GET]))[0]
    assert _line(invoice, "put").quantity == Decimal(1_234_567)
    assert _line(invoice, "put").precise == Decimal("6.175")
    assert _line(invoice, "put").amount == Decimal("6.18")
    assert _line(invoice, "get").amount == Decimal("39.51")
    assert invoice.total == Decimal("6.18") + Decimal("39.51") + Decimal("5.00")


def test_a_block_boundary_exactly() -> None:
    # 10,000 GETs are one block (0.004), 10,001 two (0.008): a bound belongs to the lower block.
    plan = direct_plan()
    one = [rk.Sample("acme", "b", "get", "2026-02-03T10:00:00Z", 10_000, id="g1")]
    two = [*one, rk.Sample("acme", "b", "get", "2026-02-04T10:00:00Z", 1, id="g2")]
    assert _line(rk.bill(rk.rate(one, plan, span=FEB, meters=[GET]))[0], "get").precise == Decimal(
        "0.004"
    )
    assert _line(rk.bill(rk.rate(two, plan, span=FEB, meters=[GET]))[0], "get").precise == Decimal(
        "0.008"
    )


def test_billions_of_requests() -> None:
    # 7,000,000,000 PUTs: 7,000,000 blocks x 0.005 = 35,000.00 exactly.
    records = [rk.Sample("acme", "b", "put", "2026-02-02T10:00:00Z", 7_000_000_000, id="p1")]
    invoice = rk.bill(rk.rate(records, direct_plan(), span=FEB, meters=[PUT]))[0]
    assert _line(invoice, "put").amount == Decimal("35000.00")


def test_egress_climbs_the_tiers_over_the_month() -> None:
    # 60,000.5 GB in two deltas: 100 x 0 + 10,140 x 0.09 + 40,960 x 0.085 + 8,800.5 x 0.07
    # = 912.60 + 3,481.60 + 616.035 = 5,010.235, half-even 5,010.24.
    records = [
        rk.Sample("acme", "b", "egress", "2026-02-02T10:00:00Z", "50000", id="e1"),
        rk.Sample("acme", "b", "egress", "2026-02-20T10:00:00Z", "10000.5", id="e2"),
    ]
    invoice = rk.bill(rk.rate(records, direct_plan(), span=FEB, meters=[EGRESS]))[0]
    line = _line(invoice, "egress")
    assert line.precise == Decimal("5010.235")
    assert line.amount == Decimal("5010.24")


# --- corrections ----------------------------------------------------------------------------


def test_a_correction_in_a_later_file_nets_against_its_month() -> None:
    # January: 25,000 GB egress, then a correction of -5,000 GB stamped in January arrives with
    # February's file. Rated as one quarter, January nets 20,000 GB:
    # 10,140 x 0.09 + 9,760 x 0.085 = 912.60 + 829.60 = 1,742.20.
    january = [rk.Sample("acme", "b", "egress", "2026-01-10T00:00:00Z", 25000, id="e1")]
    february = [rk.Sample("acme", "b", "egress", "2026-01-20T00:00:00Z", -5000, id="e1-fix")]
    invoices = rk.bill(rk.rate([*january, *february], direct_plan(), span=Q1, meters=[EGRESS]))
    assert [str(i.cycle.start.date()) for i in invoices] == [
        "2026-01-01",
        "2026-02-01",
        "2026-03-01",
    ]
    assert _line(invoices[0], "egress").amount == Decimal("1742.20")
    assert [i.total for i in invoices] == [Decimal("1747.20"), Decimal("5.00"), Decimal("5.00")]


def test_a_correction_larger_than_what_was_billed_costs_nothing_and_is_reported() -> None:
    # 1,500 PUTs then a correction of -2,000: the month nets -500, which a package price prices
    # at 0, with a negative_total anomaly; nothing is refunded below zero.
    records = [
        rk.Sample("acme", "b", "put", "2026-02-03T00:00:00Z", 1500, id="p1"),
        rk.Sample("acme", "b", "put", "2026-02-10T00:00:00Z", -2000, id="p2"),
    ]
    rating = rk.rate(records, direct_plan(), span=FEB, meters=[PUT])
    assert [a.kind for a in rating.anomalies] == ["negative_total"]
    assert "totals -500 request" in str(rating.anomalies[0])
    assert _line(rk.bill(rating)[0], "put").amount == Decimal("0.00")


def test_a_correction_larger_than_billed_is_not_carried_into_the_next_month() -> None:
    # The -2,000 of February does not reduce March's 1,500 PUTs (2 blocks, 0.01).
    records = [
        rk.Sample("acme", "b", "put", "2026-02-03T00:00:00Z", 1500, id="p1"),
        rk.Sample("acme", "b", "put", "2026-02-10T00:00:00Z", -2000, id="p2"),
        rk.Sample("acme", "b", "put", "2026-03-03T00:00:00Z", 1500, id="p3"),
    ]
    invoices = rk.bill(rk.rate(records, direct_plan(), span=Q1, meters=[PUT]))
    # acme's first record is in February: no January invoice.
    assert [str(i.cycle.start.date()) for i in invoices] == ["2026-02-01", "2026-03-01"]
    assert [_line(i, "put").amount for i in invoices] == [Decimal("0.00"), Decimal("0.01")]


# --- resellers -------------------------------------------------------------------------------


def _quarter_records() -> list[rk.Sample]:
    records: list[rk.Sample] = []
    for bucket, base in (("b1", 100), ("b2", 2500)):
        records += hourly_gauges(
            "acme", bucket, Q1.start, [base + hour % 13 for hour in range(2160)]
        )
    for day in range(90):
        records.append(rk.Sample("acme", "b1", "put", at(24 * day + 5), 12_345 + day, id=f"p{day}"))
        records.append(rk.Sample("acme", "b2", "get", at(24 * day + 7), 1_234_567, id=f"g{day}"))
        records.append(
            rk.Sample("acme", "b1", "egress", at(24 * day + 9), f"{day}.25", id=f"e{day}")
        )
    return records


def test_a_twenty_percent_reseller_pays_exactly_eighty_percent_of_list() -> None:
    # Every price is linear in its unit price (per unit, per block, per tier), so 20 % off each
    # price is 20 % off each charge: exactly where the amount terminates, and within the
    # 60th digit where a GB-month of 31 days does not (105.979838709677... GB, 1/31 apart).
    records = _quarter_records()
    listed = rk.rate(records, direct_plan(), span=Q1, meters=METERS)
    resold = rk.rate(records, discounted_plan(Decimal(20)), span=Q1, meters=METERS)
    assert len(listed.charges) == len(resold.charges)
    for a, b in zip(listed.charges, resold.charges, strict=True):
        assert (a.meter, a.span, a.quantity) == (b.meter, b.span, b.quantity)
        assert abs(Fraction(b.amount) - Fraction(a.amount) * Fraction(4, 5)) < Fraction(1, 10**57)
        if a.meter != "stored":
            assert Fraction(b.amount) == Fraction(a.amount) * Fraction(4, 5)
    assert abs(Fraction(resold.total()) - Fraction(listed.total()) * Fraction(4, 5)) < Fraction(
        1, 10**55
    )


def test_resellers_on_their_own_price_list_and_direct_customers_in_one_rating() -> None:
    # acme buys direct, shop-1 through a 20 % reseller, shop-2 on the partner's price list.
    # Each February: 1,000 GB all month, 25,000 PUTs, 200 GB egress.
    def usage(account: str) -> list[rk.Sample]:
        return [
            rk.Sample(
                account,
                f"{account}-b",
                "stored",
                "2026-02-01T00:00:00Z",
                1000,
                kind="gauge",
                id=f"{account}-g",
            ),
            rk.Sample(
                account, f"{account}-b", "put", "2026-02-05T00:00:00Z", 25_000, id=f"{account}-p"
            ),
            rk.Sample(
                account, f"{account}-b", "egress", "2026-02-06T00:00:00Z", 200, id=f"{account}-e"
            ),
        ]

    plans = [
        rk.Assignment("acme", direct_plan()),
        rk.Assignment("shop-1", discounted_plan(Decimal(20))),
        rk.Assignment("shop-2", partner_plan()),
    ]
    records = usage("acme") + usage("shop-1") + usage("shop-2")
    totals = {i.account: i.total for i in rk.bill(rk.rate(records, plans, span=FEB, meters=METERS))}
    # direct: 1000 x 0.023 + 25 x 0.005 + 100 x 0.09 + 5 = 23 + 0.125 + 9 + 5 = 37.125:
    # lines 23.00, 0.12 (0.125 half-even), 9.00, 5.00 = 37.12
    # 20 % off: 18.40, 0.10, 7.20, 4.00 = 29.70
    # partner: 1000 x 0.015 + 3 x 0.04 + 200 x 0.05 = 15.00 + 0.12 + 10.00 = 25.12
    assert totals == {
        "acme": Decimal("37.12"),
        "shop-1": Decimal("29.70"),
        "shop-2": Decimal("25.12"),
    }


def test_a_plan_change_mid_quarter_rates_each_month_by_its_plan() -> None:
    # shop-3 buys direct in January, moves to the reseller (20 % off) from 1 February.
    plans = [
        rk.Assignment("shop-3", direct_plan(), end="2026-02-01T00:00:00Z"),
        rk.Assignment("shop-3", discounted_plan(Decimal(20)), start="2026-02-01T00:00:00Z"),
    ]
    records = [
        rk.Sample("shop-3", "b", "put", "2026-01-15T00:00:00Z", 100_000, id="p1"),
        rk.Sample("shop-3", "b", "put", "2026-02-15T00:00:00Z", 100_000, id="p2"),
    ]
    invoices = rk.bill(rk.rate(records, plans, span=Q1, meters=[PUT]))
    # January: 100 blocks x 0.005 = 0.50 + 5.00; February and March at 80 %: 0.40 + 4.00, 4.00.
    assert [i.total for i in invoices] == [Decimal("5.50"), Decimal("4.40"), Decimal("4.00")]


def test_a_week_without_a_plan_leaves_that_weeks_usage_unbilled_and_says_so() -> None:
    # acme on the plan until 8 Feb, none until 15 Feb, the plan again after (21 of 28 days).
    plans = [
        rk.Assignment("acme", direct_plan(), end="2026-02-08T00:00:00Z"),
        rk.Assignment("acme", direct_plan(), start="2026-02-15T00:00:00Z"),
    ]
    records = [
        rk.Sample("acme", "b", "stored", "2026-02-01T00:00:00Z", 280, kind="gauge", id="g1"),
        rk.Sample("acme", "b", "egress", "2026-02-10T00:00:00Z", 500, id="e1"),  # in the gap
        rk.Sample("acme", "b", "egress", "2026-02-20T00:00:00Z", 300, id="e2"),
    ]
    rating = rk.rate(records, plans, span=FEB, meters=METERS)
    invoice = rk.bill(rating)[0]
    # storage: 280 GB-month x 21/28 = 210 x 0.023 = 4.83; egress 300 GB: 200 x 0.09 = 18.00
    # (the 500 GB of the gap unbilled); support 5 x 21/28 = 3.75.
    assert _line(invoice, "storage").amount == Decimal("4.83")
    assert _line(invoice, "egress").amount == Decimal("18.00")
    assert _line(invoice, "support").amount == Decimal("3.75")
    unpriced = [a for a in rating.anomalies if a.kind == "unpriced"]
    assert sorted(
        (a.record_ids, str(a).split("(resource 'b', ")[1].split(")")[0]) for a in unpriced
    ) == [
        (("e1",), "500 GB"),
        (("g1",), "70 GB"),
    ]


# --- buckets that move between accounts -------------------------------------------------------


def _transferred() -> list[rk.Sample]:
    """Bucket bk: 100 GB read hourly all February, by shop-1 until 15 Feb 00:00, then shop-2."""
    return [
        rk.Sample(
            "shop-1" if hour < 336 else "shop-2",
            "bk",
            "stored",
            at(hour, FEB.start),
            100,
            kind="gauge",
            id=f"g{hour}",
        )
        for hour in range(672)
    ]


def test_a_bucket_transferred_mid_month_with_a_zero_reading_bills_each_account_its_half() -> None:
    # bucket bk: 100 GB all February, under shop-1 until 15 Feb 00:00 (336 h), then shop-2.
    # The transfer is told by a gauge of 0 under shop-1 at the instant it leaves.
    readings = _transferred()
    left = rk.Sample("shop-1", "bk", "stored", at(336, FEB.start), 0, kind="gauge", id="gone")
    rating = rk.rate([*readings, left], direct_plan(), span=FEB, meters=[STORED])
    # each: 100 GB x 336/672 = 50 GB-month, 50 x 0.023 = 1.15
    assert sorted(
        (c.account, c.quantity, c.amount) for c in rating.charges if c.kind == "usage"
    ) == [
        ("shop-1", Decimal(50), Decimal("1.150")),
        ("shop-2", Decimal(50), Decimal("1.150")),
    ]


def test_a_transferred_bucket_keeps_its_last_level_with_the_old_account_as_documented() -> None:
    # Without the zero reading, shop-1's mean holds its last level on to the month's end (the
    # docs: "a mean's last level holds on ... until the next reading"): shop-1 pays for the
    # whole month, shop-2 for its half. The host must tell the transfer.
    readings = _transferred()
    rating = rk.rate(readings, direct_plan(), span=FEB, meters=[STORED])
    assert sorted((c.account, c.quantity) for c in rating.charges if c.kind == "usage") == [
        ("shop-1", Decimal(100)),
        ("shop-2", Decimal(50)),
    ]


def test_a_bucket_transferred_with_a_delete_splits_its_gb_hours() -> None:
    # As sizes: 100 GB under shop-1 until its delete at 15 Feb 00:00 (33,600 GB*hour), then
    # under shop-2 (33,600 GB*hour).
    gb_hours = rk.Meter("gbh", "GB*hour", rk.Continuous("size_gb"))
    events = [
        rk.Event(
            "shop-1" if hour < 336 else "shop-2",
            "bk",
            at(hour, FEB.start),
            {"size_gb": 100},
            id=f"e{hour}",
        )
        for hour in range(672)
    ]
    events.append(rk.Event("shop-1", "bk", at(336, FEB.start), kind="delete", id="gone"))
    usage = rk.meter(events, [gb_hours], span=FEB, cycle=MONTHLY, as_of=FEB.end)
    assert sorted((row.account, row.quantity) for row in usage.rows) == [
        ("shop-1", Decimal(33600)),
        ("shop-2", Decimal(33600)),
    ]


# --- the lake's files: CSV and DataFrames ---------------------------------------------------


def test_csv_files_with_replays_and_corrections_rate_each_record_once() -> None:
    first = to_csv(
        [
            ("acme", "b", "put", "2026-02-02T10:00:00Z", "1500", "delta", "p1"),
            ("acme", "b", "put", "2026-02-03T10:00:00+01:00", "700", "delta", "p2"),
            ("acme", "b", "egress", "2026-02-04T10:00:00Z", "150.5", "delta", "e1"),
        ]
    )
    # The next file repeats p2 (the same instant written in UTC) and corrects e1.
    second = to_csv(
        [
            ("acme", "b", "put", "2026-02-03T09:00:00Z", "700", "delta", "p2"),
            ("acme", "b", "egress", "2026-02-04T10:00:00Z", "-20", "delta", "e1-fix"),
        ]
    )
    records = [*read_csv(first), *read_csv(second)]
    rating = rk.rate(records, direct_plan(), span=FEB, meters=[PUT, EGRESS])
    assert [(a.kind, a.record_ids) for a in rating.anomalies] == [("duplicate", ("p2",))]
    invoice = rk.bill(rating)[0]
    # 2,200 PUTs: 3 blocks, 0.015 -> 0.02; 130.5 GB egress: 30.5 x 0.09 = 2.745 -> 2.74.
    assert _line(invoice, "put").amount == Decimal("0.02")
    assert _line(invoice, "egress").amount == Decimal("2.74")


def test_a_dataframe_through_the_documented_recipe_rates_as_the_friendly_records() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "account": ["acme", "acme", "acme", "acme"],
            "resource": ["b", "b", "b", "b"],
            "meter": ["put", "put", "egress", "put"],
            "at": pd.to_datetime(
                [
                    "2026-02-02T10:00:00+00:00",
                    "2026-02-03T10:00:00+01:00",
                    "2026-02-04T10:00:00Z",
                    "2026-02-05T10:00:00Z",
                ],
                utc=True,
            ),
            "value": [1500.0, 700.0, 150.5, None],
            "id": ["p1", "p2", "e1", None],
            "seq": [1, None, 3, 4],
        }
    )
    frame = frame.dropna(subset=["value"])
    columns = frame.astype(object).where(frame.notna(), None).to_dict("list")
    columns["at_us"] = frame["at"].dt.as_unit("us").astype("int64").tolist()
    del columns["at"]
    columns["seq"] = [None if seq is None else int(seq) for seq in columns["seq"]]
    batch = rk.RecordBatch.from_columns(samples=columns)
    friendly = [
        rk.Sample("acme", "b", "put", "2026-02-02T10:00:00Z", "1500.0", id="p1", seq=1),
        rk.Sample("acme", "b", "put", "2026-02-03T09:00:00Z", "700.0", id="p2"),
        rk.Sample("acme", "b", "egress", "2026-02-04T10:00:00Z", "150.5", id="e1", seq=3),
    ]
    assert list(batch.samples) == friendly
    rated = rk.rate(batch, direct_plan(), span=FEB, meters=[PUT, EGRESS])
    assert rated.charges == rk.rate(friendly, direct_plan(), span=FEB, meters=[PUT, EGRESS]).charges


# --- a quarter, and FOCUS rows for the reseller's own billing -------------------------------


def test_the_quarter_bills_three_monthly_invoices_per_account_including_an_idle_one() -> None:
    records = _quarter_records()
    plans = [
        rk.Assignment("acme", direct_plan()),
        rk.Assignment("idle", discounted_plan(Decimal(20))),
    ]
    invoices = rk.bill(rk.rate(records, plans, span=Q1, meters=METERS))
    assert [(i.account, str(i.cycle.start.date())) for i in invoices] == [
        ("acme", "2026-01-01"),
        ("acme", "2026-02-01"),
        ("acme", "2026-03-01"),
        ("idle", "2026-01-01"),
        ("idle", "2026-02-01"),
        ("idle", "2026-03-01"),
    ]
    assert [i.total for i in invoices[3:]] == [Decimal("4.00")] * 3  # the fee, 5 x 0.8


def test_focus_rows_of_the_resellers_invoices_add_up_to_each_invoice() -> None:
    records = _quarter_records()
    plans = [rk.Assignment("acme", discounted_plan(Decimal(20)))]
    invoices = rk.bill(rk.rate(records, plans, span=Q1, meters=METERS))
    rows = rk.focus_rows(
        invoices, provider="Example Storage", account_names={"acme": "Acme via Shop"}
    )
    for invoice in invoices:
        mine = [
            r
            for r in rows
            if r["BillingPeriodStart"] == invoice.cycle.start.strftime("%Y-%m-%dT%H:%M:%SZ")
        ]
        assert sum(Decimal(r["BilledCost"]) for r in mine) == invoice.total
        assert {r["BillingAccountName"] for r in mine} == {"Acme via Shop"}
        assert {r["x_Plan"] for r in mine} == {"reseller"}
    assert set(rk.focus.MANDATORY) <= set(rows[0])
    json.dumps(rows)  # plain JSON values


def test_focus_rows_of_a_rating_are_exact_per_charge() -> None:
    records = _quarter_records()
    rating = rk.rate(records, direct_plan(), span=Q1, meters=METERS)
    rows = rk.focus_rows(rating, provider="Example Storage")
    assert len(rows) == len(rating.charges)
    assert sum(Fraction(Decimal(r["BilledCost"])) for r in rows) == Fraction(rating.total())
