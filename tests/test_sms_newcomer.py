"""An SMS API's month, rated as its pricing page says, and what breaks it.

Messages are billed per segment (a `Discrete` delta of segments), priced per country
(several price entries on one meter, selected by the route's `country`), the first 1,000
segments a month free across all countries, a per-number fee by the hour a number is
held, and failed messages refunded by a negative delta days later.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
SEGMENTS = rk.Meter("sms.segments", "segment", rk.Discrete())
NUMBERS = rk.Meter("number.hours", "number*hour", rk.Continuous("numbers"))
PRICES = {"US": "0.0079", "DE": "0.0750"}


def sms_plan(name: str = "sms", free: int = 1000, prices: dict[str, str] | None = None) -> rk.Plan:
    prices = PRICES if prices is None else prices
    entries = [
        rk.PriceEntry(
            country.lower(), "sms.segments", rk.PerUnit(price), where={"country": country}
        )
        for country, price in prices.items()
    ]
    entries.append(rk.PriceEntry("number", "number.hours", rk.PerUnit("0.0015")))
    return rk.Plan(name, "USD", MONTHS, entries, allowances=[rk.Allowance("sms.segments", free)])


def route(resource: str, country: str) -> rk.Event:
    return rk.Event(
        "acme",
        resource,
        "2026-03-01T00:00:00Z",
        {"country": country},
        kind="update",
        id=f"d-{resource}",
    )


def sent(resource: str, at: str, segments: int, record_id: str) -> rk.Sample:
    return rk.Sample("acme", resource, "sms.segments", f"2026-03-{at}Z", segments, id=record_id)


def basic_then_pro() -> list[rk.Assignment]:
    """acme on "basic" until the 16th, then on "pro" (500 free, US 0.0100, DE 0.0750)."""
    basic = sms_plan("basic")
    pro = sms_plan("pro", free=500, prices={"US": "0.0100", "DE": "0.0750"})
    return [
        rk.Assignment("acme", basic, end="2026-03-16T00:00:00Z"),
        rk.Assignment("acme", pro, start="2026-03-16T00:00:00Z"),
    ]


def month_total(
    records: list[rk.Event | rk.Sample], plans: rk.Plan | list[rk.Assignment]
) -> Decimal:
    (invoice,) = rk.bill(rk.rate(records, plans, span=MARCH, meters=[SEGMENTS, NUMBERS]))
    return invoice.total


def test_a_burst_at_one_instant_shares_the_free_segments_in_proportion() -> None:
    records = [
        route("r-us", "US"),
        route("r-de", "DE"),
        sent("r-us", "05T10:00:00", 900, "m1"),
        sent("r-de", "05T10:00:00", 300, "m2"),
    ]
    rating = rk.rate(records, sms_plan(), span=MARCH, meters=[SEGMENTS])
    free = {c.resource: (c.quantity, c.free, c.amount) for c in rating.charges}
    # 1,200 segments at one instant, 1,000 free: each takes 1000/1200 of its own.
    # US: 900 * 5/6 = 750 free, 150 * 0.0079 = 1.185; DE: 250 free, 50 * 0.075 = 3.75.
    assert free == {
        "r-us": (Decimal(900), Decimal(750), Decimal("1.185")),
        "r-de": (Decimal(300), Decimal(250), Decimal("3.75")),
    }
    # 1.185 + 3.75 = 4.935, one line per entry: 1.18 (half-even) + 3.75 = 4.93.
    assert month_total(records, sms_plan()) == Decimal("4.93")


def test_volume_tiers_climb_on_the_month_total_across_countries() -> None:
    def tiers() -> rk.Graduated:
        return rk.Graduated([rk.Tier(1000, "0.01"), rk.Tier(None, "0.005")])

    plan = rk.Plan(
        "tiered",
        "USD",
        MONTHS,
        [
            rk.PriceEntry("us", "sms.segments", tiers(), where={"country": "US"}),
            rk.PriceEntry("de", "sms.segments", tiers(), where={"country": "DE"}),
        ],
    )
    records = [
        route("a", "US"),
        route("b", "DE"),
        sent("a", "05T10:00:00", 800, "m1"),
        sent("b", "06T10:00:00", 800, "m2"),
    ]
    # 800 US * 0.01 = 8.00; the DE 800 go on from 800: 200 * 0.01 + 600 * 0.005 = 5.00.
    assert [c.amount for c in rk.rate(records, plan, span=MARCH, meters=[SEGMENTS]).charges] == [
        Decimal("8.00"),
        Decimal("5.000"),
    ]
    assert month_total(records, plan) == Decimal("13.00")


def test_a_refund_after_a_plan_change_goes_back_to_the_plan_that_billed_it() -> None:
    plans = basic_then_pro()
    records = [
        route("r-us", "US"),
        sent("r-us", "05T10:00:00", 1200, "m1"),
        sent("r-us", "22T10:00:00", -100, "refund-m1"),
        sent("r-us", "23T10:00:00", 50, "m3"),
    ]
    rating = rk.rate(records, plans, span=MARCH, meters=[SEGMENTS])
    got = [(c.plan, c.quantity, c.amount) for c in rating.charges]
    # basic covers 15 of 31 days: 1000 * 15/31 = 15000/31 free, 1200 - 15000/31 = 22200/31
    # billed at 0.0079 = 175.38/31 = 5.657419...; the refund goes back to basic at 0.0079
    # (-0.79); pro's 500 * 16/31 free cover the 50 after it (0).
    assert got[1:] == [("basic", Decimal(-100), Decimal("-0.79")), ("pro", Decimal(50), Decimal(0))]
    assert Fraction(got[0][2]) - Fraction(17538, 3100) < Fraction(1, 10**58)
    # 5.657... - 0.79 = 4.867... -> 4.87
    assert month_total(records, plans) == Decimal("4.87")


def test_numbers_held_at_level_zero_cost_nothing_and_a_late_delete_corrects_a_closed_month() -> (
    None
):
    plan = sms_plan()
    held = [
        rk.Event("acme", "pool", "2026-03-10T00:00:00Z", {"numbers": 0}, kind="start", id="n1"),
        rk.Event("acme", "pool", "2026-03-20T00:00:00Z", {"numbers": 2}, kind="update", id="n2"),
    ]
    deleted = rk.Event("acme", "pool", "2026-03-25T00:00:00Z", kind="delete", id="n3")
    # 2 numbers from the 20th to the 25th: 2 * 5 * 24 = 240 number-hours * 0.0015 = 0.36.
    assert month_total([*held, deleted], plan) == Decimal("0.36")
    rater = rk.Rater(
        plan, [SEGMENTS, NUMBERS], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=2)
    )
    rater.feed(held)
    closing = rater.statement("2026-04-05T00:00:00Z")
    # without the delete: 2 * 12 days * 24 = 576 number-hours * 0.0015 = 0.864 -> 0.86
    assert [invoice.total for invoice in closing.invoices] == [Decimal("0.86")]
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plan, [SEGMENTS, NUMBERS])
    assert rater.feed([deleted]).late == ("n3",)
    lines = rater.statement("2026-04-06T00:00:00Z").lines
    march_lines = [line for line in lines if line.cycle.start == MARCH.start]
    # -0.864 reversed, 0.36 said again: the month now costs what batch rating says.
    assert sum((line.amount for line in march_lines), Decimal(0)) == Decimal("0.36") - Decimal(
        "0.864"
    )


def test_free_segments_under_a_new_plan_never_raise_a_refunded_month() -> None:
    plans = basic_then_pro()
    us = [
        route("r-us", "US"),
        sent("r-us", "05T10:00:00", 1200, "m1"),
        sent("r-us", "29T10:00:00", -150, "f1"),
    ]
    de = [route("r-de", "DE"), sent("r-de", "20T10:00:00", 100, "m2")]
    # basic: 1200 - 1000 * 15/31 free = 22200/31 billed * 0.0079 = 5.657419...; the refund
    # goes back to basic at its price: -150 * 0.0079 = -1.185; 5.657419 - 1.185 = 4.472 ->
    # 4.47. The 100 DE segments under pro take 100 of its 500 * 16/31 = 258.06 free: 0.00.
    assert month_total(us, plans) == Decimal("4.47")
    assert month_total([*us, *de], plans) == Decimal("4.47")


def test_a_refund_after_a_burst_keeps_the_month_within_the_free_segments() -> None:
    records = [
        route("a", "US"),
        route("b", "DE"),
        sent("a", "05T10:00:00", 600, "m1"),
        sent("b", "05T10:00:00", 600, "m2"),
        sent("b", "06T10:00:00", -200, "refund-m2"),
    ]
    # The burst takes 500 free each and bills 100 * 0.0079 + 100 * 0.075 = 8.29; the
    # refund of 200 DE segments leaves 600 + 400 = 1,000 net: all free, 0.00. Today it
    # takes back 200 * 0.075 = 15.00 where only 7.50 of DE was billed.
    assert month_total(records, sms_plan()) == Decimal("0.00")


def test_renaming_a_route_never_changes_the_month_with_refunds_at_one_instant() -> None:
    def month(us: str, de: str) -> Decimal:
        records = [
            route(us, "US"),
            route(de, "DE"),
            sent(us, "05T10:00:00", 600, "m1"),
            sent(de, "05T10:00:00", 600, "m2"),
            sent(us, "06T10:00:00", -200, "f1"),
            sent(de, "06T10:00:00", -200, "f2"),
        ]
        return month_total(records, sms_plan())

    # 800 net segments under 1,000 free: 0.00 under any names.
    assert month("a-us", "b-de") == month("z-us", "b-de") == Decimal("0.00")


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    burst=st.lists(
        st.tuples(st.sampled_from(sorted(PRICES)), st.integers(1, 1500)), min_size=1, max_size=4
    ),
    names=st.permutations(["n-0", "n-1", "n-2", "n-3", "+15550100", "+4930123"]),
)
def test_a_burst_shares_free_segments_in_proportion_under_any_names(
    burst: list[tuple[str, int]], names: list[str]
) -> None:
    def rating(labels: list[str]) -> rk.Rating:
        records: list[rk.Event | rk.Sample] = []
        for i, (country, segments) in enumerate(burst):
            records += [
                route(labels[i], country),
                sent(labels[i], "05T10:00:00", segments, f"m{i}"),
            ]
        return rk.rate(records, sms_plan(), span=MARCH, meters=[SEGMENTS])

    plain = rating([f"r{i}" for i in range(len(burst))])
    renamed = rating(names)
    assert rk.bill(plain)[0].total == rk.bill(renamed)[0].total
    sent_total = sum(segments for _, segments in burst)
    share = min(Fraction(1000, sent_total), Fraction(1))
    frees = {c.resource: Fraction(c.free) for c in renamed.charges}
    for i, (_, segments) in enumerate(burst):
        # each route takes its own segments * min(1000 / sent, 1), exact to 60 digits
        assert abs(frees[names[i]] - segments * share) < Fraction(1, 10**55)
    # the invoice is each country's billed segments at its price, one rounded line each
    billed: dict[str, Fraction] = {}
    for country, segments in burst:
        billed[country] = billed.get(country, Fraction(0)) + segments * (1 - share) * Fraction(
            Decimal(PRICES[country])
        )
    expected = sum((Decimal(round(v * 100)).scaleb(-2) for v in billed.values()), Decimal(0))
    assert rk.bill(renamed)[0].total == expected


RECEIPTS = st.lists(
    st.tuples(
        st.sampled_from(["r-us", "r-de"]),
        st.integers(1, 28),
        st.integers(-300, 900).filter(bool),
    ),
    min_size=1,
    max_size=6,
)


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(receipts=RECEIPTS, order=st.randoms(use_true_random=False), cuts=st.integers(1, 4))
def test_the_stream_with_json_restores_bills_the_month_as_batch_rating_does(
    receipts: list[tuple[str, int, int]], order: object, cuts: int
) -> None:
    plans = basic_then_pro()
    records: list[rk.Event | rk.Sample] = [route("r-us", "US"), route("r-de", "DE")]
    records += [
        sent(r, f"{day:02d}T10:00:00", n, f"m{i}") for i, (r, day, n) in enumerate(receipts)
    ]
    batch = month_total(records, plans)
    arriving = [*records, *records[2:3]]  # a receipt delivered twice
    order.shuffle(arriving)  # type: ignore[attr-defined]
    rater = rk.Rater(
        plans, [SEGMENTS, NUMBERS], start="2026-03-01T00:00:00Z", horizon=dt.timedelta(days=40)
    )
    step = -(-len(arriving) // cuts)
    for k, at in zip(
        range(0, len(arriving), step), ["03-10", "03-20", "03-29", "03-31"], strict=False
    ):
        rater.feed(arriving[k : k + step])
        rater.statement(f"2026-{at}T12:00:00Z")
        rater = rk.Rater.restore(
            json.loads(json.dumps(rater.snapshot())), plans, [SEGMENTS, NUMBERS]
        )
    (invoice,) = rater.statement("2026-05-15T00:00:00Z").invoices
    assert invoice.total == batch


HOSTILE = {
    "NaN segments": (
        lambda: sent("r", "05T10:00:00", float("nan"), "x"),
        rk.BadQuantityError,
        "finite",
    ),
    "Infinity segments": (
        lambda: rk.Sample("a", "r", "sms.segments", "2026-03-05T10:00:00Z", "Infinity", id="x"),
        rk.BadQuantityError,
        "finite",
    ),
    "a tiny fraction": (
        lambda: rk.Sample(
            "a", "r", "sms.segments", "2026-03-05T10:00:00Z", Decimal("1E-40"), id="x"
        ),
        rk.BadQuantityError,
        "1E-30",
    ),
    "a naive receipt": (
        lambda: rk.Sample("a", "r", "sms.segments", dt.datetime(2026, 3, 5), 1, id="x"),  # noqa: DTZ001
        rk.BadTimeError,
        "naive",
    ),
    "an empty account": (
        lambda: rk.Sample("", "r", "sms.segments", "2026-03-05T10:00:00Z", 1, id="x"),
        rk.RatekitTypeError,
        "non-empty",
    ),
    "a flag for segments": (
        lambda: rk.Sample("a", "r", "sms.segments", "2026-03-05T10:00:00Z", True, id="x"),
        rk.RatekitTypeError,
        "bool",
    ),
    "a receipt of a misspelt meter": (
        lambda: rk.rate(
            [rk.Sample("a", "r", "sms.segmnts", "2026-03-05T10:00:00Z", 5, id="u")],
            sms_plan(),
            span=MARCH,
            meters=[SEGMENTS],
        ),
        rk.UnknownMeterError,
        "'sms.segmnts'",
    ),
    "one receipt id, two counts": (
        lambda: rk.rate(
            [route("r", "US"), sent("r", "05T10:00:00", 5, "d"), sent("r", "05T10:00:00", 6, "d")],
            sms_plan(),
            span=MARCH,
            meters=[SEGMENTS],
        ),
        rk.ConflictingRecordError,
        "'d'",
    ),
    "a route without a country": (
        lambda: rk.rate(
            [sent("r", "05T10:00:00", 5, "d")], sms_plan(), span=MARCH, meters=[SEGMENTS]
        ),
        rk.UnpricedUsageError,
        "'sms.segments'",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_receipts_raise_an_error_naming_what_is_wrong(case: str) -> None:
    make, error, named = HOSTILE[case]
    assert issubclass(error, rk.RatekitError)  # every refusal is the library's own
    with pytest.raises(error, match=named):
        make()
