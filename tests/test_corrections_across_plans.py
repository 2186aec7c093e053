"""A correction after a change of plan takes back what was billed, at the plan that billed it.

docs/pricing.md (Corrections and allowances): within a billing cycle a correction first
takes back the units billed before it. Under a change of plan mid-cycle those units may
be the plan before's: the part of a correction that takes them back is that plan's
(freed, tiered and priced as they were), its own plan's net usage first, then the other
plans' (the later plan first); usage after corrections that went below zero fills that
the same way. Each plan's part of the cycle then costs what its net usage costs.

Plan a until noon on 16 March, plan b after. Every amount is worked by hand, and the
law is checked against a unit-by-unit oracle in ``fractions.Fraction``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
NOON = "2026-03-16T12:00:00Z"
GRADUATED_A = rk.Graduated([rk.Tier(10, 1), rk.Tier(None, "0.5")])
GRADUATED_B = rk.Graduated([rk.Tier(10, 2), rk.Tier(None, 1)])
VOLUME_A = rk.Volume([rk.Tier(10, 1), rk.Tier(None, "0.5")])
VOLUME_B = rk.Volume([rk.Tier(10, 2), rk.Tier(None, 1)])


def _assignments(first: rk.PriceModel, second: rk.PriceModel, free: int = 0) -> list[rk.Assignment]:
    allowances = [rk.Allowance("eg", free)] if free else []
    a = rk.Plan("a", "EUR", MONTHS, [rk.PriceEntry("eg", "eg", first)], allowances=allowances)
    b = rk.Plan("b", "EUR", MONTHS, [rk.PriceEntry("eg", "eg", second)], allowances=allowances)
    return [rk.Assignment("acme", a, end=NOON), rk.Assignment("acme", b, start=NOON)]


def _sent(day: int, gigabytes: object) -> rk.UsageRow:
    span = rk.Span(f"2026-03-{day:02d}T00:00:00Z", f"2026-03-{day + 1:02d}T00:00:00Z")
    return rk.UsageRow("acme", "eg", "ip-1", span, MARCH, gigabytes, "GB", {}, (f"s{day}",))


def _rated(
    rows: list[rk.UsageRow], first: rk.PriceModel, second: rk.PriceModel, free: int = 0
) -> rk.Rating:
    return rk.rate(rows, _assignments(first, second, free), span=MARCH)


def _charged(rating: rk.Rating) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    return [(c.plan, c.quantity, c.free, c.amount) for c in rating.charges]


# -- allowances -------------------------------------------------------------------------


def test_a_correction_under_b_takes_back_a_s_billed_units_then_its_free_ones() -> None:
    # 10 GB free a month, prorated: 5 for each half. 20 GB on 2 March under a (1 a GB):
    # 5 free, 15 billed = 15.00. -18 GB on 20 March under b (2 a GB): it takes back a's
    # 15 billed (-15.00) then 3 of a's free units: a's net 2 GB, within its 5 free: 0.00
    # (before, -18 at b's 2 with none of b's units to take back refunded -36.00).
    rating = _rated([_sent(2, 20), _sent(20, -18)], rk.PerUnit(1), rk.PerUnit(2), free=10)
    assert _charged(rating) == [
        ("a", Decimal(20), Decimal(5), Decimal(15)),
        ("a", Decimal(-18), Decimal(-3), Decimal(-15)),
    ]
    assert rating.anomalies == ()
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("0.00")


def test_usage_under_b_fills_what_a_correction_under_a_took_below_zero() -> None:
    # -15 GB on 2 March under a (nothing to take back: -15 at 1 = -15.00), then 20 GB on
    # 20 March under b: its first 15 fill a's -15 (at a's 1: +15.00), its last 5 take
    # b's 5 free: net 5 GB, all free: -15 + 15 + 0 = 0.00 (before, b billed its 15 at 2:
    # -15 + 30 = 15.00 for 5 GB within the free 10).
    rating = _rated([_sent(2, -15), _sent(20, 20)], rk.PerUnit(1), rk.PerUnit(2), free=10)
    assert _charged(rating) == [
        ("a", Decimal(-15), Decimal(0), Decimal(-15)),
        ("b", Decimal(5), Decimal(5), Decimal(0)),
        ("a", Decimal(15), Decimal(0), Decimal(15)),
    ]
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("0.00")


def test_a_correction_takes_back_its_own_plan_s_usage_first() -> None:
    # 20 GB under a (5 free, 15 billed at 1 = 15.00); 8 GB under b on 18 March (5 free,
    # 3 billed at 2 = 6.00); -6 GB under b on 20 March takes back b's 3 billed (-6.00)
    # and 3 of b's free: b's net 2 GB, free; a's 15.00 stands: 15 + 6 - 6 = 15.00.
    rows = [_sent(2, 20), _sent(18, 8), _sent(20, -6)]
    rating = _rated(rows, rk.PerUnit(1), rk.PerUnit(2), free=10)
    assert _charged(rating) == [
        ("a", Decimal(20), Decimal(5), Decimal(15)),
        ("b", Decimal(8), Decimal(5), Decimal(6)),
        ("b", Decimal(-6), Decimal(-3), Decimal(-6)),
    ]
    assert rating.total() == Decimal(15)


# -- per unit ---------------------------------------------------------------------------


def test_a_per_unit_correction_refunds_at_the_price_the_units_were_billed_at() -> None:
    # 20 GB under a at 1 = 20.00; -15 GB under b takes back 15 of a's at 1 = -15.00:
    # 5 GB net at 1 = 5.00 (before: -15 at b's 2 = -30.00, a total of -10.00).
    rating = _rated([_sent(2, 20), _sent(20, -15)], rk.PerUnit(1), rk.PerUnit(2))
    assert _charged(rating) == [
        ("a", Decimal(20), Decimal(0), Decimal(20)),
        ("a", Decimal(-15), Decimal(0), Decimal(-15)),
    ]
    assert rating.total() == Decimal(5)


def test_a_correction_beyond_all_usage_goes_below_zero_under_its_own_plan() -> None:
    # 20 GB under a at 1 = 20.00; -25 GB under b: 20 take back a's (-20.00), the 5 left
    # are b's, below zero, which PerUnit refunds at b's 2 (-10.00): total -10.00.
    rating = _rated([_sent(2, 20), _sent(20, -25)], rk.PerUnit(1), rk.PerUnit(2))
    assert _charged(rating) == [
        ("a", Decimal(20), Decimal(0), Decimal(20)),
        ("a", Decimal(-20), Decimal(0), Decimal(-20)),
        ("b", Decimal(-5), Decimal(0), Decimal(-10)),
    ]
    assert rating.total() == Decimal(-10)


def test_a_correction_lowers_the_spend_of_the_plan_that_billed_the_units() -> None:
    # Each plan commits to 10 a month, 5.00 for its half. 20 GB under a at 1 = 20.00;
    # -15 GB under b takes back 15 of a's (-15.00): a spent 5.00, its 5.00 met; b spent
    # nothing: a top-up of 5.00. Total 20 - 15 + 5 = 10.00 (before: b's -30.00 left a
    # top-up of 35.00 and a total of 20 - 30 + 35 = 25.00).
    a = rk.Plan(
        "a", "EUR", MONTHS, [rk.PriceEntry("eg", "eg", rk.PerUnit(1))], minimums=[rk.Minimum(10)]
    )
    b = rk.Plan(
        "b", "EUR", MONTHS, [rk.PriceEntry("eg", "eg", rk.PerUnit(2))], minimums=[rk.Minimum(10)]
    )
    assignments = [rk.Assignment("acme", a, end=NOON), rk.Assignment("acme", b, start=NOON)]
    rating = rk.rate([_sent(2, 20), _sent(20, -15)], assignments, span=MARCH)
    assert [(c.kind, c.plan, c.amount) for c in rating.charges] == [
        ("usage", "a", Decimal(20)),
        ("usage", "a", Decimal(-15)),
        ("minimum", "b", Decimal(5)),
    ]
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("10.00")


# -- tiers ------------------------------------------------------------------------------


def test_a_graduated_correction_takes_back_the_tiers_a_reached() -> None:
    # a: 10 at 1, then 0.5; b: 10 at 2, then 1. 20 GB under a: 10 + 10 x 0.5 = 15.00.
    # -15 GB under b takes back a's top 15 GB: a's 5 GB cost 5 x 1 = 5.00, so -10.00.
    # Before, b's group went to -15 (priced 0, a negative_total) and a kept 15.00.
    rating = _rated([_sent(2, 20), _sent(20, -15)], GRADUATED_A, GRADUATED_B)
    assert _charged(rating) == [
        ("a", Decimal(20), Decimal(0), Decimal(15)),
        ("a", Decimal(-15), Decimal(0), Decimal(-10)),
    ]
    assert rating.anomalies == ()
    assert rating.total() == Decimal(5)


def test_a_volume_correction_takes_b_s_usage_then_a_s() -> None:
    # a: all at 1 up to 10, all at 0.5 past; b: 2 then 1. 20 GB under a: 20 x 0.5 =
    # 10.00; 4 GB under b: 4 x 2 = 8.00; -15 GB under b takes back b's 4 (-8.00), then
    # 11 of a's: a's 9 GB cost 9 x 1 = 9.00, so -1.00. Total 10 + 8 - 8 - 1 = 9.00.
    rating = _rated([_sent(2, 20), _sent(18, 4), _sent(20, -15)], VOLUME_A, VOLUME_B)
    assert _charged(rating) == [
        ("a", Decimal(20), Decimal(0), Decimal(10)),
        ("b", Decimal(4), Decimal(0), Decimal(8)),
        ("a", Decimal(-11), Decimal(0), Decimal(-1)),
        ("b", Decimal(-4), Decimal(0), Decimal(-8)),
    ]
    assert rating.total() == Decimal(9)


def test_a_cycle_rated_in_two_spans_takes_back_the_usage_before_the_span() -> None:
    # The -15 GB of 20 March rated in a span from 17 March, with the 20 GB of 2 March
    # before it: it takes back a's 15 billed (at 1, -15.00) as rating the whole month does.
    rows = [_sent(2, 20), _sent(20, -15)]
    later = rk.Span("2026-03-17T00:00:00Z", MARCH.end.isoformat())
    rating = rk.rate(rows, _assignments(rk.PerUnit(1), rk.PerUnit(2), 10), span=later)
    usage = [c for c in rating.charges if c.kind == "usage"]
    assert [(c.plan, c.quantity, c.free, c.amount) for c in usage] == [
        ("a", Decimal(-15), Decimal(0), Decimal(-15))
    ]


# -- more than everything billed, two earlier plans, a plan that comes back -------------


def test_a_correction_beyond_everything_billed_goes_below_zero_under_its_own_plan() -> None:
    # 10 GB free a month, 5 for each half. 20 GB under a (1 a GB): 5 free, 15 billed =
    # 15.00. -30 GB under b (2 a GB): it takes back a's 15 billed (-15.00) and a's 5 free
    # (0.00): every unit billed before it is back; the 10 GB left are b's, below zero,
    # which PerUnit refunds at b's 2 (-20.00; a correction never refunds a free unit, so
    # b's allowance frees none of them). Total 15 - 15 - 20 = -20.00.
    rating = _rated([_sent(2, 20), _sent(20, -30)], rk.PerUnit(1), rk.PerUnit(2), free=10)
    assert sorted(_charged(rating)) == [
        ("a", Decimal(-20), Decimal(-5), Decimal(-15)),
        ("a", Decimal(20), Decimal(5), Decimal(15)),
        ("b", Decimal(-10), Decimal(0), Decimal(-20)),
    ]
    assert rating.total() == Decimal(-20)


def _three(second: str, rows: list[rk.UsageRow], minimum: int = 0) -> tuple[rk.Rating, rk.Invoice]:
    """Plan a (1 a GB) to noon on 11 March, ``second`` to noon on 21 March, then c (3 a
    GB) or, with ``second`` "b", a again; b is 2 a GB. Each commits to ``minimum``."""
    minimums = [rk.Minimum(minimum)] if minimum else []

    def plan(name: str, price: int) -> rk.Plan:
        entries = [rk.PriceEntry("eg", "eg", rk.PerUnit(price))]
        return rk.Plan(name, "EUR", MONTHS, entries, minimums=minimums)

    a, b, c = plan("a", 1), plan("b", 2), plan("c", 3)
    first_noon, second_noon = "2026-03-11T12:00:00Z", "2026-03-21T12:00:00Z"
    assignments = [
        rk.Assignment("acme", a, end=first_noon),
        rk.Assignment("acme", b, start=first_noon, end=second_noon),
        rk.Assignment("acme", c if second == "c" else a, start=second_noon),
    ]
    rating = rk.rate(rows, assignments, span=MARCH)
    (invoice,) = rk.bill(rating)
    return rating, invoice


def test_a_correction_takes_back_units_of_two_earlier_plans_the_later_first() -> None:
    # 10 GB on 2 March under a (1 a GB) = 10.00; 10 GB on 14 March under b (2 a GB) =
    # 20.00; -15 GB on 25 March under c (3 a GB): the units billed last are b's: its 10
    # at 2 (-20.00), then 5 of a's at 1 (-5.00); c has none. Total 10 + 20 - 25 = 5.00,
    # a's 5 GB left at 1 (before: -15 at c's 3 = -45.00, a total of -15.00).
    rating, invoice = _three("c", [_sent(2, 10), _sent(14, 10), _sent(25, -15)])
    assert sorted(_charged(rating)) == [
        ("a", Decimal(-5), Decimal(0), Decimal(-5)),
        ("a", Decimal(10), Decimal(0), Decimal(10)),
        ("b", Decimal(-10), Decimal(0), Decimal(-20)),
        ("b", Decimal(10), Decimal(0), Decimal(20)),
    ]
    assert invoice.total == Decimal("5.00")


def test_a_correction_under_a_plan_back_again_takes_back_the_plan_between_first() -> None:
    # a to 11 March, b to 21 March, a again: 20 GB on 2 March under a = 20.00; 10 GB on
    # 14 March under b = 20.00; -25 GB on 25 March under a: last in, first out, b's 10
    # units at 2 (-20.00), then 15 of a's at 1 (-15.00): a's 5 GB left, 5.00. Its own
    # plan's units first would have taken a's 20 (-20.00) and 5 of b's (-10.00), leaving
    # b's 5 GB, used after a's, billed at 2: 10.00.
    rating, invoice = _three("b", [_sent(2, 20), _sent(14, 10), _sent(25, -25)])
    assert sorted(_charged(rating)) == [
        ("a", Decimal(-15), Decimal(0), Decimal(-15)),
        ("a", Decimal(20), Decimal(0), Decimal(20)),
        ("b", Decimal(-10), Decimal(0), Decimal(-20)),
        ("b", Decimal(10), Decimal(0), Decimal(20)),
    ]
    assert invoice.total == Decimal("5.00")


def test_a_correction_moves_spend_between_the_minimums_of_the_plans_it_takes_back() -> None:
    # Each plan commits to 31 a month, prorated: a 10.50 (10.5 days), b 10.00, c 10.50.
    # 10 GB under a = 10.00; 10 GB under b = 20.00; -15 GB under c takes back b's 10
    # (-20.00) and 5 of a's (-5.00): a spent 5.00 (top-up 5.50), b 0.00 (top-up 10.00),
    # c 0.00 (top-up 10.50). Total 10 + 20 - 25 + 5.50 + 10 + 10.50 = 31.00 (before:
    # c's -45.00 left a 0.50 top-up for a, none for b and 55.50 for c: 10 + 20 - 45 +
    # 0.50 + 55.50 = 41.00).
    rows = [_sent(2, 10), _sent(14, 10), _sent(25, -15)]
    rating, invoice = _three("c", rows, minimum=31)
    assert sorted((c.plan, c.amount) for c in rating.charges if c.kind == "minimum") == [
        ("a", Decimal("5.5")),
        ("b", Decimal(10)),
        ("c", Decimal("10.5")),
    ]
    assert invoice.total == Decimal("31.00")


def test_a_slice_of_time_cut_at_the_change_takes_back_a_s_hours_exactly() -> None:
    # 10 hours on 2 March under a (1 an hour) = 10.00; -1 hour over 11:00 to 14:00 on 16
    # March, cut at noon: a third (-1/3 h) under a, two thirds (-2/3 h, not a Decimal)
    # under b (2 an hour), which takes back a's hours at 1, not b's 2: 10 - 1/3 - 2/3 =
    # 9 h at 1 = 9.00 exactly (before: -2/3 at 2, 8.33).
    a = rk.Plan("a", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", rk.PerUnit(1))])
    b = rk.Plan("b", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", rk.PerUnit(2))])
    assignments = [rk.Assignment("acme", a, end=NOON), rk.Assignment("acme", b, start=NOON)]

    def ran(start: str, end: str, hours: int) -> rk.UsageRow:
        span = rk.Span(f"2026-03-{start}:00:00Z", f"2026-03-{end}:00:00Z")
        return rk.UsageRow("acme", "vm", "vm-1", span, MARCH, hours, "hour", {}, ())

    rating = rk.rate(
        [ran("02T00", "02T10", 10), ran("16T11", "16T14", -1)], assignments, span=MARCH
    )
    assert {c.plan for c in rating.charges} == {"a"}
    assert sum((Fraction(c.amount) for c in rating.charges), Fraction(0)) == 9
    assert rating.total() == 9
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("9.00")


@pytest.mark.parametrize("aggregation", [rk.Max(), rk.Latest()], ids=["max", "latest"])
def test_a_meter_that_does_not_add_up_keeps_each_part_with_its_own_plan(
    aggregation: rk.Max | rk.Latest,
) -> None:
    # The rows of a meter whose pieces are shares of one value of the cycle do not net:
    # each plan's part is rated by its own plan. 20 GB under a at 1 = 20.00; -15 GB under
    # b at 2 = -30.00 (nothing is taken back): -10.00.
    meter = rk.Meter("eg", "GB", aggregation)
    assignments = _assignments(rk.PerUnit(1), rk.PerUnit(2))
    rating = rk.rate([_sent(2, 20), _sent(20, -15)], assignments, span=MARCH, meters=[meter])
    assert _charged(rating) == [
        ("a", Decimal(20), Decimal(0), Decimal(20)),
        ("b", Decimal(-15), Decimal(0), Decimal(-30)),
    ]
    assert rating.total() == Decimal(-10)


# -- the streaming rater ----------------------------------------------------------------

_GB = rk.Meter("eg", "GB", rk.Discrete())


def _streamed(free: int) -> rk.Rater:
    return rk.Rater(
        _assignments(rk.PerUnit(1), rk.PerUnit(2), free),
        [_GB],
        start=MARCH.start.isoformat(),
        horizon=dt.timedelta(days=2),
    )


def _sample(day: int, gigabytes: int, name: str) -> rk.Sample:
    return rk.Sample("acme", "ip-1", "eg", f"2026-03-{day:02d}T00:00:00Z", gigabytes, id=name)


def _lines(statement: rk.Statement) -> list[tuple[str, str, Decimal, Decimal]]:
    return [(line.role, line.plan, line.quantity, line.amount) for line in statement.lines]


def test_a_late_correction_under_b_reverses_a_s_line_and_charges_it_anew() -> None:
    # The pinned case through the rater: 20 GB on 2 March under a, stated on 22 March:
    # a's line, 20 GB, 5 free (a's half of 10), 15.00. The -15 GB of 20 March arrives
    # after: it takes back a's 15 billed units at 1, so a's line is reversed (-20 GB,
    # -15.00) and charged anew: 5 GB, 0.00. b has no line. The month's invoice: 0.00.
    rater = _streamed(10)
    rater.feed([_sample(2, 20, "s1")])
    assert _lines(rater.statement("2026-03-22T00:00:00Z")) == [
        ("charge", "a", Decimal(20), Decimal(15))
    ]
    rater.feed([_sample(20, -15, "s2")])
    assert _lines(rater.statement("2026-03-25T00:00:00Z")) == [
        ("reversal", "a", Decimal(-20), Decimal(-15)),
        ("correction", "a", Decimal(5), Decimal(0)),
    ]
    (invoice,) = rater.statement("2026-04-10T00:00:00Z").invoices
    assert invoice.total == Decimal("0.00")


def test_a_late_correction_takes_b_s_units_back_and_a_s_down_to_what_is_left() -> None:
    # No allowance. 20 GB on 2 March under a (20.00) and 4 GB on 18 March under b (4 x 2
    # = 8.00), stated on 22 March. -15 GB of 20 March arrives after: it takes back b's 4
    # (-8.00), then 11 of a's (-11.00). b's line is reversed (-4 GB, -8.00) and charged
    # anew: its 4 GB and the 4 the correction takes back (a row of its own: metering cuts
    # at a correction's instant), 0 GB, 0.00; a's is reversed and charged anew: 9 GB,
    # 9.00. The invoice: 9.00, as batch rating of the three rows bills it.
    rater = _streamed(0)
    rater.feed([_sample(2, 20, "s1"), _sample(18, 4, "s2")])
    assert _lines(rater.statement("2026-03-22T00:00:00Z")) == [
        ("charge", "a", Decimal(20), Decimal(20)),
        ("charge", "b", Decimal(4), Decimal(8)),
    ]
    rater.feed([_sample(20, -15, "s3")])
    later = rater.statement("2026-03-25T00:00:00Z")
    assert _lines(later) == [
        ("reversal", "a", Decimal(-20), Decimal(-20)),
        ("correction", "a", Decimal(9), Decimal(9)),
        ("reversal", "b", Decimal(-4), Decimal(-8)),
        ("correction", "b", Decimal(0), Decimal(0)),
    ]
    corrections = [line for line in later.lines if line.role == "correction"]
    assert [[(c.plan, c.quantity, c.amount) for c in line.charges] for line in corrections] == [
        [("a", Decimal(20), Decimal(20)), ("a", Decimal(-11), Decimal(-11))],
        [("b", Decimal(4), Decimal(8)), ("b", Decimal(-4), Decimal(-8))],
    ]
    (invoice,) = rater.statement("2026-04-10T00:00:00Z").invoices
    assert invoice.total == Decimal("9.00")
    rows = [_sent(2, 20), _sent(18, 4), _sent(20, -15)]
    (batch,) = rk.bill(_rated(rows, rk.PerUnit(1), rk.PerUnit(2)))
    assert batch.total == invoice.total


# -- the law ----------------------------------------------------------------------------

_PRICES: dict[str, tuple[rk.PriceModel, rk.PriceModel]] = {
    "per unit": (rk.PerUnit(1), rk.PerUnit(2)),
    "graduated": (GRADUATED_A, GRADUATED_B),
    "volume": (VOLUME_A, VOLUME_B),
}


def _price_of(model: rk.PriceModel, net: Fraction) -> Fraction:
    """``model``'s amount for ``net``: PerUnit refunds below zero, tiers price it at 0."""
    if isinstance(model, rk.PerUnit):
        return Fraction(model.rate) * net
    assert isinstance(model, rk.Graduated | rk.Volume)
    low, high = (Fraction(tier.unit) for tier in model.tiers)
    if net <= 0:
        return Fraction(0)
    if isinstance(model, rk.Volume):
        return net * (low if net <= 10 else high)
    return min(net, Fraction(10)) * low + max(net - 10, Fraction(0)) * high


#: Schedules of the month: (plan, start day at noon) changes after a first plan from the
#: 1st. Rows fall on whole days that no change cuts. "aba": a comes back on 21 March
#: (the same plan: one allowance for its 21 days, its tiers running on).
_SCHEDULES: dict[str, tuple[tuple[str, int], ...]] = {
    "ab": (("a", 1), ("b", 16)),
    "abc": (("a", 1), ("b", 11), ("c", 21)),
    "aba": (("a", 1), ("b", 11), ("a", 21)),
}
_PLAN_MODELS = {"a": 0, "b": 1, "c": 2}  # index into the models of a kind


def _plan_on(schedule: str, day: int) -> str:
    """The plan in force on ``day`` (a whole day no change cuts)."""
    return [plan for plan, start in _SCHEDULES[schedule] if start <= day][-1]


def _shares(schedule: str) -> dict[str, Fraction]:
    """Each plan's share of March's 31 days (changes at noon)."""
    changes = _SCHEDULES[schedule]
    shares: dict[str, Fraction] = {}
    for (plan, start), after in zip(changes, [*changes[1:], ("", 32)], strict=True):
        begin = Fraction(0) if start == 1 else Fraction(start - 1) + Fraction(1, 2)
        end = Fraction(31) if after[1] == 32 else Fraction(after[1] - 1) + Fraction(1, 2)
        shares[plan] = shares.get(plan, Fraction(0)) + (end - begin) / 31
    return shares


def _oracle(
    rows: list[tuple[int, int]], models: tuple[rk.PriceModel, ...], free: int, schedule: str
) -> Fraction:
    """The cycle's total, one unit at a time: the units stack up in time order, each
    under the plan in force where it is used; a unit of the other sign takes back the
    unit on top (last in, first out, whichever plan billed it) for that plan, and only
    stacks under its own plan when nothing of the other sign is left. Each plan then
    costs what its net (the units of it left on the stack) costs under its own rules."""
    stack: list[tuple[str, int]] = []  # (plan, +1 or -1), last in on top
    for day, quantity in sorted(rows):
        own = _plan_on(schedule, day)
        step = 1 if quantity > 0 else -1
        for _ in range(abs(quantity)):
            if stack and stack[-1][1] == -step:
                stack.pop()  # taken back from the plan that billed it
            else:
                stack.append((own, step))
    nets = {plan: Fraction(0) for plan in _shares(schedule)}
    for plan, step in stack:
        nets[plan] += step
    # an allowance is prorated by the plan's share of the month; a net below zero stays
    # what it is (docs/pricing.md: a correction never refunds a free unit)
    total = Fraction(0)
    for plan, share in _shares(schedule).items():
        net, allowance = nets[plan], free * share
        billable = net - allowance if net > allowance else min(net, Fraction(0))
        total += _price_of(models[_PLAN_MODELS[plan]], billable)
    return total


def _scheduled(schedule: str, models: tuple[rk.PriceModel, ...], free: int) -> list[rk.Assignment]:
    allowances = [rk.Allowance("eg", free)] if free else []
    plans = {
        name: rk.Plan(
            name,
            "EUR",
            MONTHS,
            [rk.PriceEntry("eg", "eg", models[_PLAN_MODELS[name]])],
            allowances=allowances,
        )
        for name in _PLAN_MODELS
    }
    changes = _SCHEDULES[schedule]
    out = []
    for (plan, start), after in zip(changes, [*changes[1:], ("", 0)], strict=True):
        begin = None if start == 1 else f"2026-03-{start:02d}T12:00:00Z"
        end = None if not after[1] else f"2026-03-{after[1]:02d}T12:00:00Z"
        out.append(rk.Assignment("acme", plans[plan], start=begin, end=end))
    return out


_THIRD: dict[str, rk.PriceModel] = {
    "per unit": rk.PerUnit(3),
    "graduated": rk.Graduated([rk.Tier(10, 3), rk.Tier(None, "1.5")]),
    "volume": rk.Volume([rk.Tier(10, 3), rk.Tier(None, "1.5")]),
}


@pytest.mark.property
@settings(max_examples=max(LAWS // 2, 50), deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(1, 30).filter(lambda day: day not in {11, 16, 21}),
            st.integers(-25, 25).filter(bool),
        ),
        min_size=1,
        max_size=8,
    ),
    kind=st.sampled_from(sorted(_PRICES)),
    free=st.sampled_from([0, 10, 7]),
    schedule=st.sampled_from(sorted(_SCHEDULES)),
)
@example(rows=[(2, 20), (14, 10), (25, -25)], kind="per unit", free=0, schedule="aba")
def test_the_cycle_costs_each_plan_s_net_usage_across_a_change(
    rows: list[tuple[int, int]], kind: str, free: int, schedule: str
) -> None:
    models = (*_PRICES[kind], _THIRD[kind])
    if kind != "per unit":
        free = 0
    elif schedule != "ab":  # whole free units for shares of 10.5 and 10 days of 31
        free = {10: 31, 7: 62}.get(free, free)
    # one row a day (a day's rows would sort by resource, not by the order given)
    by_day = dict(rows)
    rating = rk.rate(
        [_sent(d, q) for d, q in by_day.items()],
        _scheduled(schedule, models, free),
        span=MARCH,
    )
    assert Fraction(rating.total()) == _oracle(list(by_day.items()), models, free, schedule)
