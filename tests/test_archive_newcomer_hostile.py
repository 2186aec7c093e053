"""A cold-storage archive's hostile inputs: odd sizes, far-apart and many readings, a stream.

Sizes are ``TimeWeightedMean(over="period")`` gauges (GB-months); figures by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

STORE = rk.Meter("store", "GB", rk.TimeWeightedMean(over="period"))
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
MONTHLY = rk.cycles.monthly(tz="UTC")
A = rk.Plan("a", "EUR", MONTHLY, [rk.PriceEntry("s", "store", rk.PerUnit("1"))])


def size(at: object, gb: object, rid: str, vault: str = "v1") -> rk.Sample:
    return rk.Sample("acme", vault, "store", at, gb, kind="gauge", id=rid)


def quantities(rating: rk.Rating) -> list[Decimal]:
    return [c.quantity for c in rating.charges]


def test_a_negative_size_is_taken_as_given_and_bills_a_negative_amount() -> None:
    # docs/usage.md: a gauge may be below zero, the aggregations take it as given:
    # -100 GB all April is -100 GB-month, -100 EUR at 1 a GB-month.
    rating = rk.rate([size("2026-04-01T00:00:00Z", -100, "r0")], A, span=APRIL, meters=[STORE])
    assert quantities(rating) == [-100]
    assert rating.total() == -100


def test_a_size_of_zero_bills_zero() -> None:
    rating = rk.rate([size("2026-04-01T00:00:00Z", 0, "r0")], A, span=APRIL, meters=[STORE])
    assert rating.total() == 0


def test_1e20_gb_all_month_is_1e20_gb_months_and_a_cent_exact_invoice() -> None:
    rating = rk.rate(
        [size("2026-04-01T00:00:00Z", Decimal("1E+20"), "r0")], A, span=APRIL, meters=[STORE]
    )
    assert quantities(rating) == [Decimal("1E+20")]
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("100000000000000000000.00")


def test_1e20_gb_for_one_hour_is_exact() -> None:
    # 1E+20 GB for 1 h of April's 720 h: 1E+20 / 720 = 138888888888888888.8...
    recs = [
        size("2026-04-01T00:00:00Z", Decimal("1E+20"), "r0"),
        size("2026-04-01T01:00:00Z", 0, "r1"),
    ]
    (q,) = quantities(rk.rate(recs, A, span=APRIL, meters=[STORE]))
    assert abs(q * 720 - Decimal("1E+20")) < Decimal("1E-20")


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (Decimal("NaN"), rk.BadQuantityError),
        (float("inf"), rk.BadQuantityError),
        ("abc", rk.BadQuantityError),
        (True, rk.RatekitTypeError),
        (None, rk.RatekitTypeError),
        (Decimal("1E+30"), rk.BadQuantityError),
    ],
)
def test_a_size_that_is_not_a_number_in_range_is_refused_naming_it(
    value: object, error: type[Exception]
) -> None:
    with pytest.raises(error, match="sample 'x' value") as caught:
        size("2026-04-01T00:00:00Z", value, "x")
    assert len(str(caught.value)) < 400


def test_a_size_priced_past_the_amounts_ratekit_carries_is_refused_with_what_is_accepted() -> None:
    # 9E+29 GB at 100 EUR is 9E+31 EUR, past 1E+30: refused, naming the range.
    plan = rk.Plan("x", "EUR", MONTHLY, [rk.PriceEntry("s", "store", rk.PerUnit("100"))])
    with pytest.raises(rk.BadPriceError, match=r"up to but excluding 1E\+30"):
        rk.rate(
            [size("2026-04-01T00:00:00Z", Decimal("9E+29"), "r0")], plan, span=APRIL, meters=[STORE]
        )


def test_readings_26_years_apart_hold_the_old_level_until_the_new_one() -> None:
    # 5 GB read in April 2000, 10 GB on 10 April 2026: 5 x 9/30 + 10 x 21/30 = 1.5 + 7 = 8.5.
    recs = [size("2000-04-01T00:00:00Z", 5, "r0"), size("2026-04-10T00:00:00Z", 10, "r1")]
    assert quantities(rk.rate(recs, A, span=APRIL, meters=[STORE])) == [Decimal("8.5")]


def test_a_rater_26_years_of_one_reading_bills_every_month_fast() -> None:
    # 5 GB from April 2000 to May 2026: 313 months (Apr 2000 .. Apr 2026), 5 each: 1565.
    rater = rk.Rater(A, [STORE], start="2000-01-01T00:00:00Z", horizon=dt.timedelta(days=2))
    rater.feed([size("2000-04-01T00:00:00Z", 5, "r0")])
    statement = rater.statement("2026-05-01T00:00:00Z")
    assert len(statement.lines) == 313
    assert statement.total() == 1565


@pytest.mark.heavy
def test_two_hundred_thousand_readings_of_one_vault() -> None:
    # reading i (of n) is i mod 7 GB for 30 days / n: the month's mean is the mean of
    # i mod 7: n = 200,000 = 28,571 x 7 + 3, so the sum is 28,571 x 21 + 0 + 1 + 2 =
    # 599,994, the mean 2.99997 GB-month.
    n = 200_000
    step = dt.timedelta(days=30) / n  # 12.96 s, whole microseconds
    t0 = APRIL.start
    recs = [size(t0 + step * i, i % 7, f"r{i}") for i in range(n)]
    started = time.process_time()
    rating = rk.rate(recs, A, span=APRIL, meters=[STORE])
    assert time.process_time() - started < 60
    assert quantities(rating) == [Decimal("2.99997")]


@pytest.mark.heavy  # seconds under coverage: run with the properties
def test_ten_thousand_vaults() -> None:
    # vault i holds i mod 100 GB all April: 100 x (0 + ... + 99) = 495,000 GB-month.
    recs = [size("2026-04-01T00:00:00Z", i % 100, f"r{i}", f"v{i}") for i in range(10_000)]
    rating = rk.rate(recs, A, span=APRIL, meters=[STORE])
    assert rating.total() == 495_000
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("495000.00")


def test_a_stream_of_replays_counts_each_reading_once() -> None:
    # 100 GB from 1 April, 300 from 16 April: 50 + 150 = 200 GB-month, fed twice over
    # with a restore between and statements every 6 hours in the month's last day.
    recs = [size("2026-04-01T00:00:00Z", 100, "r0"), size("2026-04-16T00:00:00Z", 300, "r1")]
    rater = rk.Rater(A, [STORE], start="2026-04-01T00:00:00Z", horizon=dt.timedelta(days=2))
    total = Fraction(0)  # summed exactly, not in the default 28-digit context
    rater.feed(recs)
    for hour in range(0, 24, 6):
        total += Fraction(rater.statement(dt.datetime(2026, 4, 30, hour, tzinfo=dt.UTC)).total())
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), A, [STORE])
        assert rater.feed(recs).duplicates
    total += Fraction(rater.statement("2026-05-03T00:00:00Z").total())
    # April's 200, and May's 300 so far (the level holds on into May) as of 3 May: the
    # statement of an open cycle carries a mean over its part so far (see below)
    assert total == 200 + 300


def test_a_statement_inside_the_month_carries_the_mean_so_far() -> None:
    # 5 GB from 2 April; as of 5 April the cycle's part so far is 4 days, held 3: the
    # row is 5 x 3/4 = 3.75 (the mean over the part so far, as batch rate() as_of 5
    # April says), not the 5 x 3/30 = 0.5 GB-month accrued; the month closes at
    # 5 x 29/30 = 29/6.
    recs = [size("2026-04-02T00:00:00Z", 5, "r0")]
    early = rk.rate(recs, A, span=APRIL, meters=[STORE], as_of="2026-04-05T00:00:00Z")
    assert quantities(early) == [Decimal("3.75")]
    rater = rk.Rater(A, [STORE], start="2026-04-01T00:00:00Z", horizon=dt.timedelta(days=2))
    rater.feed(recs)
    assert rater.statement("2026-04-05T00:00:00Z").total() == Decimal("3.75")
    closed = rater.statement("2026-05-03T00:00:00Z")
    assert abs(
        sum(line.amount for line in closed.lines if line.cycle.start == APRIL.start)
        + Decimal("3.75")
        - Decimal(29) / 6
    ) < Decimal("1E-50")


@pytest.mark.parametrize("over", ["bogus", None, "PERIOD", 1])
def test_an_unknown_mean_is_refused_naming_both_choices(over: object) -> None:
    with pytest.raises(
        rk.RatekitTypeError, match=r"must be 'known' .* or 'period' .*, not "
    ) as caught:
        rk.TimeWeightedMean(over=over)
    assert repr(over) in str(caught.value)
