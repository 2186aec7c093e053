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

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
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


# -- the law ----------------------------------------------------------------------------

_PRICES = {
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
    return min(net, 10) * low + max(net - 10, 0) * high


def _oracle(
    rows: list[tuple[int, int]], first: rk.PriceModel, second: rk.PriceModel, free: int
) -> Fraction:
    """The cycle's total, moving one unit at a time (the rule of the module's docstring)."""
    nets = {"a": 0, "b": 0}
    order: list[str] = []  # the plans in the order they came to the meter
    for day, quantity in sorted(rows):
        own = "a" if day < 16 else "b"  # (no row on 16 March, which the change cuts)
        if own not in order:
            order.append(own)
        step = 1 if quantity > 0 else -1
        for _ in range(abs(quantity)):
            # a unit against a net of the other direction: own plan first, then the other
            if nets[own] * step < 0:
                nets[own] += step
                continue
            others = [p for p in reversed(order) if p != own and nets[p] * step < 0]
            nets[others[0] if others else own] += step
    # each plan's half of the month is 15.5 of 31 days: free / 2 free units each; a net
    # below zero stays what it is (docs/pricing.md: a correction never refunds a free unit)
    allowance = Fraction(free, 2)
    total = Fraction(0)
    for plan, model in (("a", first), ("b", second)):
        net = Fraction(nets[plan])
        billable = net - allowance if net > allowance else min(net, Fraction(0))
        total += _price_of(model, billable)
    return total


@pytest.mark.property
@settings(max_examples=max(LAWS // 2, 100), deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(1, 30).filter(lambda day: day != 16), st.integers(-25, 25).filter(bool)
        ),
        min_size=1,
        max_size=8,
    ),
    kind=st.sampled_from(sorted(_PRICES)),
    free=st.sampled_from([0, 10, 7]),
)
def test_the_cycle_costs_each_plan_s_net_usage_across_a_change(
    rows: list[tuple[int, int]], kind: str, free: int
) -> None:
    first, second = _PRICES[kind]
    if kind != "per unit":
        free = 0
    # one row a day (a day's rows would sort by resource, not by the order given)
    by_day = dict(rows)
    rating = _rated([_sent(d, q) for d, q in by_day.items()], first, second, free)
    assert Fraction(rating.total()) == _oracle(list(by_day.items()), first, second, free)
