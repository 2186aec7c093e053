"""A CDN breaking ratekit on purpose: huge, tiny and 40-digit quantities, hostile region
names, a file of 100,000 samples at one instant, ids reused across regions, Sao Paulo's
historical DST, and a plan change on the last microsecond of a month.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="Asia/Tokyo")
MARCH = MONTHLY.containing("2026-03-15T00:00:00Z")
START = "2026-03-01T00:00:00+09:00"
EGRESS = rk.Meter("egress", "B", rk.Discrete())
EGRESS_GB = rk.Meter("egress", "GB", rk.Discrete())
GB = 10**9


def per_gb(rate: str, **kw: object) -> rk.Plan:
    return rk.Plan(
        "p",
        "USD",
        MONTHLY,
        [rk.PriceEntry("e", "egress", rk.PerUnit(rate), unit="GB", meter_unit="B")],
        **kw,
    )  # type: ignore[arg-type]


FREE_TEN = rk.Plan(
    "p",
    "USD",
    MONTHLY,
    [
        rk.PriceEntry(
            "e",
            "egress",
            rk.Graduated([rk.Tier(10, "0"), rk.Tier(None, "0.08")]),
            unit="GB",
            meter_unit="B",
        )
    ],
)


def sent(
    value: object,
    *,
    id: str = "s",  # noqa: A002 (named as the record field)
    at: str = "2026-03-10T00:00:00Z",
    node: str = "n1",
) -> rk.Sample:
    return rk.Sample("acme", node, "egress", at, value, id=id)  # type: ignore[arg-type]


# -- quantities --------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["1e40", "1234567890123456789012345678901234567890", "1E-31", "1e30"]
)
def test_quantities_outside_the_range_are_refused_at_the_door_naming_the_range(value: str) -> None:
    with pytest.raises(
        rk.BadQuantityError,
        match=r"sample 's' value .* at most 60 significant digits .* 1E-30 up to but excluding 1E\+30",
    ):
        sent(value)


def test_forty_digit_quantities_are_exact() -> None:
    # 40 significant digits, 19 after the point, in bytes, at 0.08 a GB.
    value = "123456789012345678901.2345678901234567891"
    rating = rk.rate([sent(value)], per_gb("0.08"), span=MARCH, meters=[EGRESS])
    assert Fraction(rating.total()) == Fraction(value) / GB * Fraction("0.08")
    [invoice] = rk.bill(rating)
    assert invoice.total == Decimal("9876543120.99")  # 9,876,543,120.98765... rounded half-even


def test_huge_bytes_sum_past_1e30_priced_per_gb() -> None:
    # Two samples of 9e29 B: 1.8e30 B is 1.8e21 GB, 10 free, the rest at 0.08.
    records = [sent("9e29", id="a"), sent("9e29", id="b", node="n2")]
    expected = (Decimal("1.8e21") - 10) * Decimal("0.08")
    assert rk.rate(records, FREE_TEN, span=MARCH, meters=[EGRESS]).total() == expected
    rater = rk.Rater(FREE_TEN, [EGRESS], start=START)
    rater.feed(records[:1])
    rater.feed(records[1:])
    [invoice] = rater.statement("2026-04-02T00:00:00Z").invoices
    assert invoice.total == Decimal("143999999999999999999.20")


def test_a_cycle_amount_past_the_range_is_refused_at_the_feed_and_the_rater_goes_on() -> None:
    plan = rk.Plan("p", "USD", MONTHLY, [rk.PriceEntry("e", "egress", rk.PerUnit("10"))])
    rater = rk.Rater(plan, [EGRESS_GB], start=START)
    with pytest.raises(rk.BadPriceError, match="would make every statement fail to price them"):
        rater.feed([sent("9e29", id="a")])  # 9e30 USD
    assert rater.statement("2026-03-11T00:00:00Z").lines == ()
    assert rater.feed([sent("9e20", id="b")]).accepted == ("b",)


def test_a_tiny_sample_alone_is_taken_and_priced_exactly() -> None:
    # 1E-30 B is 1E-39 GB, which at 0.08 costs 8E-41: carried exactly, by the feed and
    # by rate() alike (was: refused by both, "no charge can carry it"); 0.00 billed.
    rater = rk.Rater(per_gb("0.08"), [EGRESS], start=START)
    assert rater.feed([sent("1E-30")]).counts["accepted"] == 1
    closing = rater.statement("2026-04-02T00:00:00Z")
    assert [line.amount for line in closing.lines] == [Decimal("8E-41")]
    assert closing.invoices[0].total == Decimal("0.00")
    rating = rk.rate([sent("1E-30")], per_gb("0.08"), span=MARCH, meters=[EGRESS])
    assert [charge.amount for charge in rating.charges] == [Decimal("8E-41")]


def test_a_tiny_sample_with_usage_nets_into_the_row() -> None:
    # 5 GB + 1E-30 B on one node: one row of 5.000...001 GB at 0.08.
    records = [sent("1E-30", id="a"), sent(5 * GB, id="b")]
    rating = rk.rate(records, per_gb("0.08"), span=MARCH, meters=[EGRESS])
    assert Fraction(rating.total()) == Fraction("0.4") + Fraction("8E-41")
    rater = rk.Rater(per_gb("0.08"), [EGRESS], start=START)
    assert rater.feed(records).accepted == ("a", "b")
    assert rater.statement("2026-04-02T00:00:00Z").invoices[0].total == Decimal("0.40")


def test_a_tiny_sample_within_a_free_tier_costs_nothing() -> None:
    assert rk.rate([sent("1E-30")], FREE_TEN, span=MARCH, meters=[EGRESS]).total() == 0


# -- regions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "region",
    ["", " ", "東京", "são-paulo", "\u200b", "ap\n", "\x00", "a\u202eb", "🌏", "x" * 10_000],
)
def test_hostile_region_names_price_render_and_round_trip(region: str) -> None:
    plan = rk.Plan(
        "p",
        "USD",
        MONTHLY,
        [
            rk.PriceEntry(
                "e",
                "egress",
                rk.Graduated([rk.Tier(10, "0"), rk.Tier(None, "0.08")]),
                where={"region": region},
                group_by="region",
                unit="GB",
                meter_unit="B",
            )
        ],
    )
    assert rk.plandata.load(json.loads(json.dumps(rk.plandata.dump(plan)))) == plan
    records = [
        rk.Event("acme", "n1", "2026-03-01T00:00:00Z", {"region": region}, kind="start", id="e"),
        sent(20 * GB),
    ]
    rating = rk.rate(records, plan, span=MARCH, meters=[EGRESS])
    assert rating.total() == Decimal("0.80")  # 10 GB x 0.08
    [invoice] = rk.bill(rating, by_resource=True)
    assert rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice)))) == invoice
    [row] = rk.focus_rows([invoice], provider="Edge CDN")
    assert json.loads(row["Tags"]) == {"region": region}
    json.dumps(row, ensure_ascii=False).encode("utf-8")
    rater = rk.Rater(plan, [EGRESS], start=START)
    rater.feed(records)
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [EGRESS])
    assert restored.statement("2026-04-02T00:00:00Z").invoices[0].total == Decimal("0.80")


def test_a_lone_surrogate_region_is_refused_at_the_door() -> None:
    with pytest.raises(rk.RatekitTypeError, match="surrogate"):
        rk.Event("acme", "n1", "2026-03-01T00:00:00Z", {"region": "\ud800"}, kind="start", id="e")


def test_an_empty_attribute_name_is_refused_by_a_selector() -> None:
    with pytest.raises(rk.RatekitTypeError, match="non-empty strings"):
        rk.PriceEntry("e", "egress", rk.PerUnit(1), where={"": "ap"})


def test_a_node_without_a_region_is_unpriced_not_billed_as_another() -> None:
    plan = rk.Plan(
        "p",
        "USD",
        MONTHLY,
        [rk.PriceEntry("e", "egress", rk.PerUnit(1), where={"region": ""})],
        unpriced="anomaly",
    )
    records = [
        rk.Event("acme", "n1", "2026-03-01T00:00:00Z", {}, kind="start", id="e"),
        sent(5, id="s"),
    ]
    rating = rk.rate(records, plan, span=MARCH, meters=[EGRESS_GB])
    assert rating.charges == ()
    assert [a.kind for a in rating.anomalies] == ["unpriced"]


# -- files ---------------------------------------------------------------------------


@pytest.mark.heavy
def test_a_file_of_100000_samples_at_one_instant() -> None:
    records = [
        rk.Sample("acme", "n1", "egress", "2026-03-10T00:00:00Z", 1000 + i % 7, id=f"s{i}")
        for i in range(100_000)
    ]
    total_bytes = sum(1000 + i % 7 for i in range(100_000))  # 100,299,995 B
    expected = Decimal(total_bytes) / GB * Decimal("0.08")
    assert rk.rate(records, per_gb("0.08"), span=MARCH, meters=[EGRESS]).total() == expected
    rater = rk.Rater(per_gb("0.08"), [EGRESS], start=START)
    assert rater.feed(records).counts["accepted"] == 100_000
    assert rater.statement("2026-03-11T00:00:00Z").total() == expected
    restored = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), per_gb("0.08"), [EGRESS])
    assert restored.feed(records).counts["duplicates"] == 100_000
    assert restored.statement("2026-03-12T00:00:00Z").lines == ()


def test_identical_samples_without_ids_are_one_record() -> None:
    # A node that sends no ids: three equal deltas at one instant are one, the replays reported.
    records = [rk.Sample("acme", "n1", "egress", "2026-03-10T00:00:00Z", GB) for _ in range(3)]
    rater = rk.Rater(per_gb("1"), [EGRESS], start=START)
    feed = rater.feed(records)
    assert (feed.counts["accepted"], feed.counts["duplicates"]) == (1, 2)
    assert rater.statement("2026-03-11T00:00:00Z").total() == Decimal(1)


def test_ids_reused_across_regions_are_conflicting_and_the_second_is_not_billed() -> None:
    plan = per_gb("1")
    rater = rk.Rater(plan, [EGRESS], start=START)
    ap = rk.Sample("acme", "edge-ap", "egress", "2026-03-10T00:05:00+09:00", GB, id="s-0001")
    eu = rk.Sample("acme", "edge-eu", "egress", "2026-03-10T00:05:00+09:00", GB, id="s-0001")
    assert rater.feed([ap]).accepted == ("s-0001",)
    assert rater.feed([eu]).conflicting == ("s-0001",)
    assert rater.statement("2026-03-11T00:00:00Z").total() == Decimal(1)
    # The way out the docs give: ids unique across sources.
    fixed = rk.Sample("acme", "edge-eu", "egress", "2026-03-10T00:05:00+09:00", GB, id="eu/s-0001")
    assert rater.feed([fixed]).accepted == ("eu/s-0001",)
    assert rater.statement("2026-03-12T00:00:00Z").total() == Decimal(1)


def test_watermarks_only_move_forward_and_must_be_instants() -> None:
    rater = rk.Rater(per_gb("1"), [EGRESS], start=START)
    rater.statement("2026-03-10T00:00:00Z")
    with pytest.raises(rk.BadTimeError, match="goes back before the last watermark"):
        rater.statement("2026-03-09T00:00:00Z")
    with pytest.raises(rk.BadTimeError, match="naive datetime"):
        rater.statement(dt.datetime(2026, 3, 11))  # noqa: DTZ001
    with pytest.raises(rk.BadTimeError, match="RFC 3339"):
        rater.statement("yesterday")


def test_a_delta_across_the_month_end_splits_in_proportion_to_time() -> None:
    # 200 GB over 23:57:30 .. 00:02:30 Tokyo: 100 GB to March, 100 GB to April.
    rater = rk.Rater(FREE_TEN, [EGRESS], start=START, horizon=dt.timedelta(days=3), tz="Asia/Tokyo")
    rater.feed(
        [
            rk.Sample(
                "acme",
                "n1",
                "egress",
                "2026-04-01T00:02:30+09:00",
                200 * GB,
                since="2026-03-31T23:57:30+09:00",
                id="x",
            )
        ]
    )
    statement = rater.statement("2026-04-04T00:00:00+09:00")
    assert [(line.cycle.start, line.quantity, line.amount) for line in statement.lines] == [
        (MARCH.start, 100, Decimal("7.20")),  # 90 x 0.08
        (MARCH.end, 100, Decimal("7.20")),
    ]
    assert [invoice.total for invoice in statement.invoices] == [Decimal("7.20")]


# -- Sao Paulo -------------------------------------------------------------------------

SAO_PAULO_DAYS = rk.cycles.daily(tz="America/Sao_Paulo")
SAO_PAULO_MONTHS = rk.cycles.monthly(tz="America/Sao_Paulo")


def test_sao_paulo_days_at_its_historical_dst_edges() -> None:
    # 4 Nov 2018: midnight skipped (00:00 -03 -> 01:00 -02), the day starts 01:00 -02 = 03:00Z, 23 h.
    assert SAO_PAULO_DAYS.containing("2018-11-04T12:00:00Z") == rk.Span(
        "2018-11-04T03:00:00Z", "2018-11-05T02:00:00Z"
    )
    # 16 Feb 2019: 23:00 .. 24:00 happens twice (00:00 -02 -> 23:00 -03), the day lasts 25 h.
    feb16 = SAO_PAULO_DAYS.containing("2019-02-16T12:00:00Z")
    assert feb16 == rk.Span("2019-02-16T02:00:00Z", "2019-02-17T03:00:00Z")
    assert feb16.duration == dt.timedelta(hours=25)
    assert SAO_PAULO_MONTHS.containing("2018-11-15T00:00:00Z").duration == dt.timedelta(
        days=30, hours=-1
    )
    assert SAO_PAULO_MONTHS.containing("2019-02-15T00:00:00Z").duration == dt.timedelta(
        days=28, hours=1
    )
    # 2026: no DST since 2019, March is 31 whole days at -03:00.
    assert SAO_PAULO_MONTHS.containing("2026-03-15T00:00:00Z") == rk.Span(
        "2026-03-01T03:00:00Z", "2026-04-01T03:00:00Z"
    )


def test_sao_paulo_windows_at_the_dst_edges() -> None:
    nights = rk.windows.daily("00:00", "06:00", tz="America/Sao_Paulo")
    assert list(nights.within(rk.Span("2018-11-03T12:00:00Z", "2018-11-04T12:00:00Z"))) == [
        rk.Span("2018-11-04T03:00:00Z", "2018-11-04T08:00:00Z")  # 5 h: midnight skipped
    ]
    late = rk.windows.daily("23:00", "01:00", tz="America/Sao_Paulo")
    assert list(late.within(rk.Span("2019-02-16T12:00:00Z", "2019-02-17T12:00:00Z"))) == [
        rk.Span("2019-02-17T01:00:00Z", "2019-02-17T04:00:00Z")  # 3 h: the first 23:00 to 01:00 -03
    ]
    inside_gap = rk.windows.daily("00:30", "00:45", tz="America/Sao_Paulo")
    assert list(inside_gap.within(rk.Span("2018-11-03T12:00:00Z", "2018-11-04T12:00:00Z"))) == []


def test_a_sao_paulo_customer_streamed_across_the_dst_start_of_2018() -> None:
    plan = rk.Plan(
        "sp",
        "BRL",
        SAO_PAULO_MONTHS,
        [rk.PriceEntry("e", "egress", rk.PerUnit("0.5"), unit="GB", meter_unit="B")],
        tz="America/Sao_Paulo",
        proration="days",
        fees=[rk.Fee("base", 30)],
    )

    def at(stamp: str, id: str) -> rk.Sample:  # noqa: A002 (named as the record field)
        return rk.Sample("globo", "sp-1", "egress", stamp, GB, id=id)

    records = [
        at("2018-10-31T23:59:59.999999-03:00", "c"),  # October
        at("2018-11-01T00:00:00-03:00", "d"),
        at("2018-11-03T23:59:59.999999-03:00", "a"),
        at("2018-11-04T01:00:00-02:00", "b"),  # the first instant of 4 November
        at("2018-11-30T23:59:59.999999-02:00", "e"),
        at("2018-12-01T00:00:00-02:00", "f"),  # December
    ]
    november = SAO_PAULO_MONTHS.containing("2018-11-15T00:00:00Z")
    rating = rk.rate(records, plan, span=november, meters=[EGRESS])
    assert [(c.kind, c.amount, c.record_ids) for c in rating.charges] == [
        ("usage", Decimal("2.0"), ("a", "b", "d", "e")),
        ("fee", Decimal(30), ()),
    ]
    rater = rk.Rater(
        plan,
        [EGRESS],
        start="2018-10-01T00:00:00-03:00",
        horizon=dt.timedelta(days=3),
        tz="America/Sao_Paulo",
    )
    rater.feed(records)
    invoices = []
    watermark = dt.datetime(2018, 11, 1, tzinfo=dt.UTC)
    while watermark < dt.datetime(2018, 12, 5, tzinfo=dt.UTC):
        invoices += rater.statement(watermark).invoices
        watermark += dt.timedelta(hours=1)
    assert [(str(i).splitlines()[0], i.total) for i in invoices] == [
        ("Invoice globo, 2018-10-01 .. 2018-11-01 (America/Sao_Paulo), BRL", Decimal("30.50")),
        ("Invoice globo, 2018-11-01 .. 2018-12-01 (America/Sao_Paulo), BRL", Decimal("32.00")),
    ]


def test_a_tokyo_month_read_in_sao_paulo() -> None:
    plan = rk.Plan("p", "USD", MONTHLY, [], fees=[rk.Fee("base", 10)])
    [invoice] = rk.bill(
        rk.rate([], [rk.Assignment("globo", plan)], span=MARCH), tz="America/Sao_Paulo"
    )
    assert str(invoice).splitlines()[0] == (
        "Invoice globo, 2026-02-28T12:00-03:00 .. 2026-03-31T12:00-03:00 (America/Sao_Paulo), USD"
    )


# -- the last microsecond ---------------------------------------------------------------

LAST = "2026-03-31T23:59:59.999999+09:00"


def test_a_plan_change_on_the_last_microsecond_of_march() -> None:
    a = rk.Plan(
        "a",
        "USD",
        MONTHLY,
        [
            rk.PriceEntry(
                "e",
                "egress",
                rk.Graduated([rk.Tier(10, "0"), rk.Tier(None, "0.08")]),
                unit="GB",
                meter_unit="B",
            )
        ],
        fees=[rk.Fee("base", 1000)],
        minimums=[rk.Minimum(50)],
    )
    b = rk.Plan(
        "b",
        "USD",
        MONTHLY,
        [rk.PriceEntry("e", "egress", rk.PerUnit("0.02"), unit="GB", meter_unit="B")],
        fees=[rk.Fee("base", 2678400)],
        minimums=[rk.Minimum(2678400)],
    )
    assignments = [
        rk.Assignment("acme", a, start=START, end=LAST),
        rk.Assignment("acme", b, start=LAST),
    ]
    records = [
        sent(20 * GB, id="s1"),
        sent(GB, id="s2", at=LAST),
        sent(GB, id="s3", at="2026-03-31T23:59:59.999998+09:00"),
    ]
    rating = rk.rate(records, assignments, span=MARCH, meters=[EGRESS])
    # March has 2,678,400 s = 2,678,400,000,000 us; b holds one of them.
    share_b = Fraction(1, 2_678_400_000_000)
    by = {(c.kind, c.plan): c for c in rating.charges}
    assert by["usage", "a"].amount == Decimal("0.88")  # 21 GB, 10 free, 11 x 0.08
    assert by["usage", "b"].amount == Decimal("0.02")
    assert Fraction(by["fee", "b"].amount) == 2678400 * share_b == Fraction(1, 1_000_000)
    [invoice] = rk.bill(rating, tz="Asia/Tokyo")
    # 0.88 + 0.02 = 0.90; fees 1000.00; a's minimum 50 (a whisker less) - 0.88 = 49.12.
    assert [(line.kind, line.amount) for line in invoice.lines] == [
        ("usage", Decimal("0.90")),
        ("fee", Decimal("1000.00")),
        ("minimum", Decimal("49.12")),
    ]
    assert invoice.total == Decimal("1050.02")
    rater = rk.Rater(
        assignments, [EGRESS], start=START, horizon=dt.timedelta(days=3), tz="Asia/Tokyo"
    )
    rater.feed(records)
    totals = []
    for watermark in [
        "2026-03-31T23:59:59.999998+09:00",
        LAST,
        "2026-04-01T00:00:00+09:00",
        "2026-04-04T00:00:00+09:00",
    ]:
        totals += [i.total for i in rater.statement(watermark).invoices]
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assignments, [EGRESS])
    assert totals == [Decimal("1050.02")]


def test_assigning_a_plan_from_the_last_microsecond_in_a_running_rater() -> None:
    a = rk.Plan(
        "a",
        "USD",
        MONTHLY,
        [rk.PriceEntry("e", "egress", rk.PerUnit("0.08"), unit="GB", meter_unit="B")],
    )
    b = rk.Plan(
        "b",
        "USD",
        MONTHLY,
        [rk.PriceEntry("e", "egress", rk.PerUnit("0.02"), unit="GB", meter_unit="B")],
    )
    rater = rk.Rater(
        [rk.Assignment("acme", a, start=START)], [EGRESS], start=START, horizon=dt.timedelta(days=3)
    )
    rater.feed([sent(10 * GB, id="s1")])
    rater.statement("2026-03-31T23:59:59.999998+09:00")
    held = rater.assign(rk.Assignment("acme", b, start=LAST))
    assert [(x.plan.id, x.end) for x in held] == [
        ("a", dt.datetime(2026, 3, 31, 14, 59, 59, 999999, tzinfo=dt.UTC)),
        ("b", None),
    ]
    rater.feed([sent(GB, id="s2", at=LAST)])
    [invoice] = rater.statement("2026-04-04T00:00:00+09:00").invoices
    assert invoice.total == Decimal("0.82")  # 10 x 0.08 + 1 x 0.02
