"""A mean over the period (a GB-month) lies where its level was held.

`TimeWeightedMean(over="period")` is the integral of the level over the cycle divided by
the cycle's time. It is aggregated once per cycle, like every mean, but its pieces (cut
where a plan, a price or the description changes) share it by the integral of the level
over each piece, not by their share of the time (docs/usage.md, "Aggregations that do not
add up"). February 2026 is 28 days (672 hours), on UTC monthly cycles.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="UTC")
FEB = rk.Span("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z")
HOUR = 3_600_000_000
DAY = 24 * HOUR
PERIOD = rk.Meter("stored", "GB", rk.TimeWeightedMean(over="period"))
KNOWN = rk.Meter("stored", "GB", rk.TimeWeightedMean())


def _gauge(day: int, hour: int, value: int | str, record_id: str, resource: str = "b") -> rk.Sample:
    at = dt.datetime(2026, 2, day, hour, tzinfo=dt.UTC)
    return rk.Sample("acme", resource, "stored", at, value, kind="gauge", id=record_id)


def _plan(plan_id: str, price: str) -> rk.Plan:
    return rk.Plan(plan_id, "EUR", MONTHLY, [rk.PriceEntry("gb", "stored", rk.PerUnit(price))])


def _two_plans(day: int) -> list[rk.Assignment]:
    change = f"2026-02-{day:02}T00:00:00Z"
    return [
        rk.Assignment("acme", _plan("list", "0.02"), end=change),
        rk.Assignment("acme", _plan("reseller", "0.01"), start=change),
    ]


def _stored(rating: rk.Rating) -> list[tuple[str, Decimal, Decimal]]:
    return [(c.plan, c.quantity, c.amount) for c in rating.charges]


def test_a_plan_change_bills_each_plan_the_gb_months_held_under_it() -> None:
    # 1,000 GB from 1 Feb, 400 GB from 15 Feb: 1000 x 14 days + 400 x 14 days over 28
    # days = 500 + 200 = 700 GB-month. Under list (to the 15th) 500 GB-month x 0.02 = 10,
    # under the reseller 200 x 0.01 = 2: 12.00. (Shares of time would give each plan
    # 350: 7 + 3.5 = 10.50.)
    readings = [_gauge(1, 0, 1000, "g1"), _gauge(15, 0, 400, "g2")]
    rating = rk.rate(readings, _two_plans(15), span=FEB, meters=[PERIOD])
    assert _stored(rating) == [
        ("list", Decimal(500), Decimal("10.00")),
        ("reseller", Decimal(200), Decimal("2.00")),
    ]
    assert rk.bill(rating)[0].total == Decimal("12.00")


def test_a_sign_up_mid_month_bills_the_gb_months_held_and_nothing_before() -> None:
    # 1,000 GB from 15 Feb 00:00 (the sign-up): 1000 x 14/28 = 500 GB-month, all of it
    # the plan's: 500 x 0.02 = 10.00. The piece before the sign-up knew no level: no row,
    # so no usage without a plan is reported.
    readings = [_gauge(15, 0, 1000, "g1"), _gauge(20, 0, 1000, "g2")]
    assignments = [rk.Assignment("acme", _plan("list", "0.02"), start="2026-02-15T00:00:00Z")]
    rating = rk.rate(readings, assignments, span=FEB, meters=[PERIOD])
    assert _stored(rating) == [("list", Decimal(500), Decimal("10.00"))]
    assert rating.anomalies == ()


def test_a_level_carried_from_the_cycle_before_is_held_from_the_cycle_start() -> None:
    # 280 GB read on 20 January holds into February; 0 GB read on 8 Feb 00:00 (7 days in).
    # February: 280 x 7/28 = 70 GB-month, all before the change of the 15th; the reseller
    # holds 0 GB-month (a level of 0 was known there: a row of 0).
    readings = [
        rk.Sample("acme", "b", "stored", "2026-01-20T00:00:00Z", 280, kind="gauge", id="j"),
        _gauge(8, 0, 0, "f"),
    ]
    rating = rk.rate(readings, _two_plans(15), span=FEB, meters=[PERIOD])
    assert _stored(rating) == [
        ("list", Decimal(70), Decimal("1.40")),
        ("reseller", Decimal(0), Decimal("0.00")),
    ]


def test_three_pieces_split_at_odd_instants_add_up_to_the_mean_exactly() -> None:
    # 7 GB from 1 Feb, 11 GB from 3 Feb 05:00; cut at 2 Feb 00:00 and 10 Feb 00:00 by
    # entries of one plan (prices 1, 2 and 3 a GB-month). Integral in GB-hours:
    # [1, 2): 7 x 24 = 168; [2, 10): 7 x 29 + 11 x 163 = 203 + 1,793 = 1,996;
    # [10, 1 Mar): 11 x 456 = 5,016. Total 7,180 GB-hours / 672 = 10.684523809... GB-month.
    # Each piece: its GB-hours / 672, rounded at 1E-24, telescoping to the exact total.
    entries = [
        rk.PriceEntry("e1", "stored", rk.PerUnit(1), end="2026-02-02T00:00:00Z"),
        rk.PriceEntry(
            "e2", "stored", rk.PerUnit(2), start="2026-02-02T00:00:00Z", end="2026-02-10T00:00:00Z"
        ),
        rk.PriceEntry("e3", "stored", rk.PerUnit(3), start="2026-02-10T00:00:00Z"),
    ]
    plan = rk.Plan("p", "EUR", MONTHLY, entries)
    readings = [_gauge(1, 0, 7, "a"), _gauge(3, 5, 11, "b")]
    rating = rk.rate(readings, plan, span=FEB, meters=[PERIOD])
    quantities = [c.quantity for c in rating.charges]
    assert [
        abs(Fraction(q) - Fraction(h, 672)) <= Fraction(1, 10**24)
        for q, h in zip(quantities, (168, 1996, 5016), strict=True)
    ] == [True, True, True]
    whole = rk.meter(readings, [PERIOD], span=FEB, cycle=MONTHLY, as_of=FEB.end).total()
    assert sum(map(Fraction, quantities)) == Fraction(whole)


def test_a_mean_over_the_known_time_is_still_shared_by_time() -> None:
    # over="known": 1,000 GB from 15 Feb is a mean of 1,000 over the time known, shared
    # in proportion to time: the reseller's half of February 500, the list's half 500
    # (it knew no level there, but a mean over the known time is a level, not a sum).
    readings = [_gauge(15, 0, 1000, "g1")]
    rating = rk.rate(readings, _two_plans(15), span=FEB, meters=[KNOWN])
    assert [(plan, quantity) for plan, quantity, _ in _stored(rating)] == [
        ("list", Decimal(500)),
        ("reseller", Decimal(500)),
    ]


def test_the_rater_bills_a_sign_up_mid_month_as_batch_does() -> None:
    # Streamed a week at a time with a restore from JSON between statements, the sign-up
    # above: 500 GB-month x 0.02 = 10.00 in all, as batch.
    readings = [_gauge(day, 0, 1000, f"g{day}") for day in range(15, 29)]
    assignments = [rk.Assignment("acme", _plan("list", "0.02"), start="2026-02-15T00:00:00Z")]
    rater = rk.Rater(assignments, [PERIOD], start="2026-02-01T00:00:00Z")
    statements = []
    for week, end in enumerate(("2026-02-08", "2026-02-15", "2026-02-22", "2026-03-01")):
        rater.feed([r for r in readings if (r.at_us - FEB.start_us) // (7 * DAY) == week])
        statements.append(rater.statement(f"{end}T00:00:00Z"))
        rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), assignments, [PERIOD])
    # (the statement of 1 March closes February; a later one would say March so far)
    billed = sum((line.amount for s in statements for line in s.lines), Decimal(0))
    assert billed == Decimal("10.00")
    assert [i.total for s in statements for i in s.invoices] == [Decimal("10.00")]
    assert not [a for s in statements for a in s.anomalies]


@st.composite
def _month(draw: st.DrawFn) -> tuple[list[rk.Sample], list[int]]:
    """Gauges at random hours of February (a level carried from January or not) and cuts."""
    hours = draw(st.lists(st.integers(0, 671), min_size=1, max_size=8, unique=True))
    values = draw(st.lists(st.integers(-50, 1000), min_size=len(hours), max_size=len(hours)))
    readings = [
        rk.Sample("acme", "b", "stored", f"{_hour(h)}", v, kind="gauge", id=f"r{h}")
        for h, v in zip(sorted(hours), values, strict=True)
    ]
    if draw(st.booleans()):
        january = draw(st.integers(0, 99))
        readings.append(
            rk.Sample("acme", "b", "stored", "2026-01-31T12:00:00Z", january, kind="gauge", id="j")
        )
    cuts = sorted(draw(st.sets(st.integers(1, 671), max_size=4)))
    return readings, cuts


def _hour(h: int) -> str:
    return (dt.datetime(2026, 2, 1, tzinfo=dt.UTC) + dt.timedelta(hours=h)).isoformat()


def _gb_hours(readings: list[rk.Sample], upto: int) -> Fraction:
    """The level summed hour by hour over February's first ``upto`` hours (brute force)."""
    total = Fraction(0)
    for h in range(upto):
        at = FEB.start_us + h * HOUR
        known = [r for r in readings if r.at_us <= at]
        if known:  # the latest reading at or before the hour holds through it
            total += Fraction(max(known, key=lambda r: r.at_us).value)
    return total


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(_month())
def test_law_each_piece_holds_its_part_of_the_gb_hours(
    month: tuple[list[rk.Sample], list[int]],
) -> None:
    readings, cuts = month
    usage = rk.meter(
        readings, [PERIOD], span=FEB, cycle=MONTHLY, as_of=FEB.end,
        cuts={"stored": [FEB.start_us + h * HOUR for h in cuts]},
    )  # fmt: skip
    whole = rk.meter(readings, [PERIOD], span=FEB, cycle=MONTHLY, as_of=FEB.end)
    # The rows add up to the cycle's mean exactly: the month's GB-hours over its 672 hours.
    # (To the last digit where the levels are of one sign; with levels of both signs a
    # piece may outweigh the mean, and the last one is rounded to 60 significant digits.)
    total = sum(Fraction(row.quantity) for row in usage.rows)
    values = {r.value > 0 for r in readings if r.value}
    if len(values) <= 1:
        assert total == Fraction(whole.total())
    else:
        assert abs(total - Fraction(whole.total())) <= Fraction(1, 10**55)
    assert abs(Fraction(whole.total()) - _gb_hours(readings, 672) / 672) <= Fraction(1, 10**24)
    # Each row holds its piece's GB-hours over the month's hours, within 1E-24 at each
    # end; a piece before any level is known has no row.
    bounds = [0, *cuts, 672]
    expected = []
    for a, b in itertools.pairwise(bounds):
        first = min(r.at_us for r in readings)
        if FEB.start_us + b * HOUR <= first:
            continue
        expected.append((a, b, (_gb_hours(readings, b) - _gb_hours(readings, a)) / 672))
    got = [
        ((row.span.start_us - FEB.start_us) // HOUR, (row.span.end_us - FEB.start_us) // HOUR,
         Fraction(row.quantity))
        for row in usage.rows
    ]  # fmt: skip
    assert [(a, b) for a, b, _ in got] == [(a, b) for a, b, _ in expected]
    for (_, _, quantity), (_, _, part) in zip(got, expected, strict=True):
        assert abs(quantity - part) <= Fraction(2, 10**24)


def test_the_rater_takes_a_level_of_zero_after_the_plan_ends_and_refuses_any_other() -> None:
    # The plan ends on 15 Feb; 1,000 GB from 1 Feb. A reading of 0 at 15 Feb 00:00 (the
    # customer leaves) holds nothing from there: taken, as a stop is, and February bills
    # 1000 x 14/28 = 500 GB-month x 0.02 = 10.00, as batch. A reading of 5 GB there makes
    # usage where the account has no plan: refused, naming it.
    assignments = [rk.Assignment("acme", _plan("list", "0.02"), end="2026-02-15T00:00:00Z")]
    first, last = _gauge(1, 0, 1000, "g1"), _gauge(15, 0, 0, "g2")
    rater = rk.Rater(assignments, [PERIOD], start="2026-02-01T00:00:00Z")
    assert rater.feed([first]).accepted == ("g1",)
    assert rater.feed([last]).accepted == ("g2",)
    with pytest.raises(
        rk.UnpricedUsageError,
        match=r"sample 'g3' stamped 2026-02-16T00:00:00Z makes usage of account 'acme'",
    ):
        rater.feed([_gauge(16, 0, 5, "g3")])
    statement = rater.statement("2026-03-01T00:00:00Z")
    assert [(line.plan, line.amount) for line in statement.lines] == [("list", Decimal("10.00"))]
    batch = rk.rate([first, last], assignments, span=FEB, meters=[PERIOD])
    assert [c.amount for c in batch.charges] == [Decimal("10.00")]
