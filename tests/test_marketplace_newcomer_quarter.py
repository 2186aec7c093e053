"""A marketplace's quarter of API calls rated under three candidate plans, by hand.

A reseller of API products weighs per-unit, volume and graduated plans (a monthly
allowance and a minimum commitment) over the first quarter of 2026, billed in calendar
months in America/New_York and in anniversary cycles from the 15th: list prices that
change mid-month, customers who move between plans mid-cycle, refunds stamped after a
price change, and a quarter that ends inside a cycle. Every total is worked by hand
with Fractions (the arithmetic in the comments) and checked against
``rk.compare_plans``, its rows, its invoices and their FOCUS rows.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

import ratekit as rk

NY = "America/New_York"
MONTHLY = rk.cycles.monthly(tz=NY)
FROM_15TH = rk.cycles.monthly(tz=NY, day=15)
Q1 = rk.Span("2026-01-01T00:00:00-05:00", "2026-04-01T00:00:00-04:00")
FEB = rk.Span("2026-02-01T00:00:00-05:00", "2026-03-01T00:00:00-05:00")
CALLS = rk.Meter("calls", "call", rk.Discrete())
PRICE_CUT = "2026-02-15T00:00:00-05:00"


def _near(value: object, exact: Fraction) -> bool:
    """Whether ``value`` is ``exact`` up to the rounding of a 60-digit amount."""
    return abs(Fraction(str(value)) - exact) < Fraction(1, 10**57)


def _calls(account: str, at: str, n: int, record: str) -> rk.Sample:
    return rk.Sample(account, "api", "calls", at, n, id=record)


def _plan(name: str, cycle: Any, model: rk.PriceModel, **parts: object) -> rk.Plan:
    return rk.Plan(name, "USD", cycle, [rk.PriceEntry("c", "calls", model)], **parts)  # type: ignore[arg-type]


PER_UNIT = rk.Plan(
    "per",
    "USD",
    MONTHLY,
    [
        rk.PriceEntry("c", "calls", rk.PerUnit("0.002")),
        rk.PriceEntry("c-cut", "calls", rk.PerUnit("0.0015"), start=PRICE_CUT, priority=1),
    ],
)
VOLUME = _plan(
    "vol",
    MONTHLY,
    rk.Volume([rk.Tier(10000, "0.002"), rk.Tier(50000, "0.0015"), rk.Tier(None, "0.001")]),
)
GRADUATED = _plan(
    "grad",
    MONTHLY,
    rk.Graduated([rk.Tier(10000, "0.002"), rk.Tier(None, "0.001")]),
    allowances=[rk.Allowance("calls", 1000)],
    minimums=[rk.Minimum(20)],
)

QUARTER = [
    _calls("acme", "2026-01-10T12:00:00Z", 5000, "a1"),
    _calls("acme", "2026-02-10T12:00:00Z", 8000, "a2"),
    _calls("acme", "2026-02-20T12:00:00Z", 8000, "a3"),
    _calls("acme", "2026-02-25T12:00:00Z", -3000, "a4"),  # a refund after the price cut
    _calls("globex", "2026-03-31T23:30:00-04:00", 60000, "g1"),
    _calls("globex", "2026-04-01T00:00:00-04:00", 1, "g2"),  # on the quarter's end: outside
]


def _compare_quarter() -> rk.Comparison:
    candidates = {"per": PER_UNIT, "vol": VOLUME, "grad": GRADUATED}
    return rk.compare_plans(QUARTER, candidates, span=Q1, meters=[CALLS])


def test_a_quarter_under_three_plans_matches_the_hand_worked_totals() -> None:
    comparison = _compare_quarter()
    got = {
        (row.account, row.cycle.start.month, row.candidate): row.total for row in comparison.rows
    }
    # acme, January (5000 calls):
    #   per  5000 x 0.002 = 10.00; vol 5000 in (0, 10000] x 0.002 = 10.00;
    #   grad (5000 - 1000 free) x 0.002 = 8.00 < the minimum 20: 20.00.
    # acme, February: 8000 on the 10th at 0.002, 8000 on the 20th at 0.0015, -3000 on the
    # 25th take back the 20th's units (last in, first out) at the 0.0015 they were billed:
    #   per  8000 x 0.002 + 5000 x 0.0015 = 16 + 7.50 = 23.50;
    #   vol  net 13000 in (10000, 50000]: 13000 x 0.0015 = 19.50;
    #   grad net 13000 - 1000 free = 12000: 10000 x 0.002 + 2000 x 0.001 = 22.00 (>= 20).
    # acme, March: no usage; only grad's minimum is due without usage: 20.00.
    # globex, March (60000 calls at 23:30 on 31 March in New York; the call stamped on
    # 1 April's midnight is outside the quarter):
    #   per 60000 x 0.0015 = 90.00; vol 60000 x 0.001 = 60.00;
    #   grad 59000: 10000 x 0.002 + 49000 x 0.001 = 69.00.
    assert got == {
        ("acme", 1, "per"): Decimal("10.00"),
        ("acme", 1, "vol"): Decimal("10.00"),
        ("acme", 1, "grad"): Decimal("20.00"),
        ("acme", 2, "per"): Decimal("23.50"),
        ("acme", 2, "vol"): Decimal("19.50"),
        ("acme", 2, "grad"): Decimal("22.00"),
        ("acme", 3, "per"): None,
        ("acme", 3, "vol"): None,
        ("acme", 3, "grad"): Decimal("20.00"),
        ("globex", 3, "per"): Decimal("90.00"),
        ("globex", 3, "vol"): Decimal("60.00"),
        ("globex", 3, "grad"): Decimal("69.00"),
    }
    # 10 + 23.50 + 90 = 123.50; 10 + 19.50 + 60 = 89.50; 20 + 22 + 20 + 69 = 131.00.
    assert comparison.totals() == {
        "per": Decimal("123.50"),
        "vol": Decimal("89.50"),
        "grad": Decimal("131.00"),
    }
    assert comparison.accounts("vol", "pays more") == ()
    assert comparison.accounts("grad", "pays more") == ("acme",)
    assert comparison.accounts("grad", "pays less") == ("acme", "globex")
    assert all(not found for found in comparison.anomalies.values())


def test_the_cycles_are_new_york_months_and_the_rows_keep_utc() -> None:
    comparison = _compare_quarter()
    starts = sorted({row.cycle.start for row in comparison.rows})
    # New York's midnight is 05:00Z in winter (EST, UTC-5).
    assert [str(start) for start in starts] == [
        "2026-01-01 05:00:00+00:00",
        "2026-02-01 05:00:00+00:00",
        "2026-03-01 05:00:00+00:00",
    ]
    march = [row for row in comparison.to_rows() if row["cycle_start"] == "2026-03-01T05:00:00Z"]
    # March ends on 1 April's midnight in EDT (UTC-4): 04:00Z.
    assert {row["cycle_end"] for row in march} == {"2026-04-01T04:00:00Z"}
    acme_march = [row for row in march if row["account"] == "acme"]
    assert [(row["candidate"], row["total"], row["change"]) for row in acme_march] == [
        ("per", None, "not billed"),
        ("vol", None, "not billed"),
        ("grad", "20.00", "pays more"),  # the baseline billed nothing: all 20.00 is more
    ]
    html = comparison._repr_html_()
    assert "2026-02-01 .. 2026-03-01 (America/New_York)" in html


def test_the_comparison_does_not_depend_on_the_callers_decimal_context() -> None:
    expected = _compare_quarter().to_rows()
    with decimal.localcontext() as context:
        context.prec = 3
        context.rounding = decimal.ROUND_DOWN
        context.traps[decimal.Inexact] = True
        assert _compare_quarter().to_rows() == expected


def test_anniversary_cycles_cut_by_the_quarter_prorate_fees_and_minimums() -> None:
    plan = _plan(
        "grad",
        FROM_15TH,
        rk.Graduated([rk.Tier(10000, "0.002"), rk.Tier(None, "0.001")]),
        allowances=[rk.Allowance("calls", 1000)],
        minimums=[rk.Minimum(20)],
        fees=[rk.Fee("platform", 31)],
    )
    comparison = rk.compare_plans([], {"grad": plan}, span=Q1, accounts=["idle"])
    got = [(str(row.cycle.start), row.total, row.precise_total) for row in comparison.rows]
    # Cycles from the 15th at New York's midnight. 15 Dec..15 Jan is 31 days, of which the
    # quarter holds 1..15 January, 14 days: the fee 31 x 14/31 = 14.00, the minimum
    # 20 x 14/31 = 280/31 = 9.0322... (9.03); 14 + 280/31 = 714/31 = 23.032258...
    # 15 Jan..15 Feb and 15 Feb..15 Mar (671 hours: DST starts on 8 March) are whole:
    # 31 + 20 = 51.00. 15 Mar..15 Apr is 31 days, of which the quarter holds 17:
    # 31 x 17/31 = 17.00 and 20 x 17/31 = 340/31 = 10.9677... (10.97); 867/31 = 27.967...
    assert [(start, total) for start, total, _ in got] == [
        ("2025-12-15 05:00:00+00:00", Decimal("23.03")),
        ("2026-01-15 05:00:00+00:00", Decimal("51.00")),
        ("2026-02-15 05:00:00+00:00", Decimal("51.00")),
        ("2026-03-15 04:00:00+00:00", Decimal("27.97")),
    ]
    assert _near(Fraction(got[0][2]), Fraction(714, 31))
    assert _near(Fraction(got[3][2]), Fraction(867, 31))
    assert FROM_15TH.containing("2026-03-01T00:00:00Z").duration.total_seconds() == 671 * 3600


def test_a_move_between_plans_mid_cycle_and_a_refund_that_reaches_back() -> None:
    switch = "2026-02-20T00:00:00-05:00"
    per = _plan("per", MONTHLY, rk.PerUnit("0.002"))
    moved = [rk.Assignment("acme", per, end=switch), rk.Assignment("acme", GRADUATED, start=switch)]
    records = [
        _calls("acme", "2026-02-10T12:00:00Z", 8000, "a2"),
        _calls("acme", "2026-02-22T12:00:00Z", 8000, "a3"),
        _calls("acme", "2026-02-25T12:00:00Z", -12000, "a4"),
    ]
    comparison = rk.compare_plans(records, {"per": per, "moved": moved}, span=Q1, meters=[CALLS])
    got = {(row.cycle.start.month, row.candidate): row.total for row in comparison.rows}
    # per all along: net 4000 x 0.002 = 8.00.
    # moved: grad covers 20 Feb..1 Mar, 9 of February's 28 days: 1000 x 9/28 free calls
    # and a minimum of 20 x 9/28 = 45/7 = 6.428571... The refund of 12000 takes back
    # grad's 8000 (its billed units, then its free ones), then 4000 of per's at 0.002:
    # per keeps 4000 x 0.002 = 8.00, grad nets 0 and owes its minimum, 6.43: 14.43.
    # March under grad alone: its whole minimum, 20.00.
    assert got == {
        (2, "per"): Decimal("8.00"),
        (2, "moved"): Decimal("14.43"),
        (3, "per"): None,
        (3, "moved"): Decimal("20.00"),
    }
    february = next(row for row in comparison.rows if row.candidate == "moved")
    assert _near(Fraction(february.precise_total), 8 + Fraction(45, 7))
    # The FOCUS rows of the candidate's invoices add up to each invoice's total.
    for invoice in comparison.invoices["moved"]:
        rows = rk.focus_rows([invoice], provider="Marketplace")
        assert sum(Decimal(row["BilledCost"]) for row in rows) == invoice.total
    # A credit is taken only when billing (compare_plans takes none): 10.00 from 1 January
    # pays 10 of February's 14.43, leaving 4.43.
    credited = rk.bill(
        rk.rate(records, moved, span=Q1, meters=[CALLS]),
        tz=NY,
        credits=[rk.Credit("promo", "acme", "10.00", "USD", start=Q1.start)],
    )
    assert [invoice.total for invoice in credited] == [Decimal("4.43"), Decimal("20.00")]
    rows = rk.focus_rows(credited, provider="Marketplace")
    assert sum(Decimal(row["BilledCost"]) for row in rows) == Decimal("24.43")


def _changed(first: rk.PriceModel, second: rk.PriceModel) -> rk.Plan:
    return rk.Plan(
        "p",
        "USD",
        MONTHLY,
        [
            rk.PriceEntry("v1", "calls", first),
            rk.PriceEntry("v2", "calls", second, start=PRICE_CUT, priority=1),
        ],
    )


@pytest.mark.parametrize(
    ("refund", "expected_volume", "expected_graduated"),
    [
        # 8000 at the old list price, 8000 at the new, then the refund on the 25th.
        # -3000: takes back 3000 of the new price's units. Volume under two prices: each
        # piece its share of its own price for the whole W = 13000 (tier (10000, inf)):
        # 8000/13000 x 13000 x 0.001 + 5000/13000 x 13000 x 0.0015 = 8 + 7.5 = 15.5.
        # Graduated, tiers running on: 8000 x 0.002 = 16; then 2000 x 0.003 + 6000 x
        # 0.0015 = 15; the refund from the new price's top tier: -3000 x 0.0015 = -4.5;
        # 26.5.
        (-3000, Decimal("15.5"), Decimal("26.5")),
        # -10000: all 8000 of the new price's, then 2000 of the old one's: 6000 left at
        # the old price, W = 6000: volume 6000 x 0.002 = 12; graduated 6000 x 0.002 = 12.
        (-10000, Decimal(12), Decimal(12)),
    ],
)
def test_a_refund_after_a_mid_month_price_change_goes_back_at_the_billed_price(
    refund: int, expected_volume: Decimal, expected_graduated: Decimal
) -> None:
    volume = _changed(
        rk.Volume([rk.Tier(10000, "0.002"), rk.Tier(None, "0.001")]),
        rk.Volume([rk.Tier(10000, "0.003"), rk.Tier(None, "0.0015")]),
    )
    graduated = _changed(
        rk.Graduated([rk.Tier(10000, "0.002"), rk.Tier(None, "0.001")]),
        rk.Graduated([rk.Tier(10000, "0.003"), rk.Tier(None, "0.0015")]),
    )
    records = [
        _calls("acme", "2026-02-10T12:00:00Z", 8000, "a"),
        _calls("acme", "2026-02-20T12:00:00Z", 8000, "b"),
        _calls("acme", "2026-02-25T12:00:00Z", refund, "c"),
    ]
    assert rk.rate(records, volume, span=FEB, meters=[CALLS]).total() == expected_volume
    assert rk.rate(records, graduated, span=FEB, meters=[CALLS]).total() == expected_graduated


def test_a_quarter_that_starts_inside_an_anniversary_cycle_climbs_on_from_its_usage() -> None:
    tiers = [rk.Tier(10000, "0.002"), rk.Tier(None, "0.001")]
    free = [rk.Allowance("calls", 1000)]
    graduated = _plan("grad", FROM_15TH, rk.Graduated(tiers), allowances=free)
    volume = _plan("vol", FROM_15TH, rk.Volume(tiers), allowances=free)
    records = [
        _calls("acme", "2025-12-20T12:00:00Z", 9000, "d"),  # before the quarter
        _calls("acme", "2026-01-05T12:00:00Z", 3000, "j"),
    ]
    candidates = {"grad": graduated, "vol": volume}
    cycle = rk.Span("2025-12-15T00:00:00-05:00", "2026-01-15T00:00:00-05:00")
    before = rk.Span(cycle.start, Q1.start)

    def totals(span: rk.Span) -> dict[str, Fraction]:
        rows = rk.compare_plans(records, candidates, span=span, meters=[CALLS]).rows
        return {row.candidate: Fraction(row.precise_total) for row in rows}

    in_quarter, ahead, whole = totals(Q1), totals(before), totals(cycle)
    # The whole cycle: 12000 - 1000 free = 11000: graduated 10000 x 0.002 + 1000 x 0.001
    # = 21; volume 11000 x 0.001 = 11.
    assert whole == {"grad": 21, "vol": 11}
    # The allowance is prorated to each piece: 1000 x 17/31 before 1 January, 1000 x 14/31
    # in the quarter. Before: 9000 - 17000/31 = 262000/31 calls, all in the first tier:
    # x 0.002 = 524/31. In the quarter: 3000 - 14000/31 = 79000/31 calls on top of them,
    # 48000/31 to 10000 at 0.002 = 96/31, then 1000 at 0.001 = 1: graduated 127/31.
    # Volume: the quarter's piece is the change of the cycle's price, 11 - 524/31 =
    # -183/31 (-5.90): the piece that takes the cycle into a cheaper tier reprices the
    # units before it.
    assert _near(ahead["grad"], Fraction(524, 31))
    assert _near(in_quarter["grad"], Fraction(127, 31))
    assert _near(in_quarter["vol"], Fraction(-183, 31))
    assert ahead["grad"] + in_quarter["grad"] == whole["grad"]
    assert ahead["vol"] + in_quarter["vol"] == whole["vol"]
