"""A sum of samples is never split by time at a price cut or assignment boundary.

`rk.rate(rk.meter(records, meters, ...), plan)` used to split a delta's whole-cycle row
in proportion to time at a price change or an assignment gap (10 GB used on the 20th
billed 15.48 under a price changing on the 15th). A `Usage` now carries the cuts it was
metered with, and `rate()` refuses to split a row of a sample-sum meter (deltas,
counters, counts) at a price cut or assignment boundary the usage was not metered with;
time meters split exactly by time, and bare rows keep the time rule.
"""

from __future__ import annotations

import pickle
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk

MONTHLY = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
GB = rk.Meter("gb", "GB", rk.Discrete())
RECORDS = [rk.Sample("acme", "vm", "gb", "2026-03-20T00:00:00Z", 10, id="s1")]
PLAN = rk.Plan(
    "p",
    "EUR",
    MONTHLY,
    [
        rk.PriceEntry("a", "gb", rk.PerUnit("1")),
        rk.PriceEntry("b", "gb", rk.PerUnit("2"), start="2026-03-15T00:00:00Z", priority=1),
    ],
)
P1 = rk.Plan("p1", "EUR", MONTHLY, [rk.PriceEntry("a", "gb", rk.PerUnit("1"))])
GAP = [
    rk.Assignment("acme", P1, end="2026-03-10T00:00:00Z"),
    rk.Assignment("acme", P1, start="2026-03-25T00:00:00Z"),
]


def _usage(**kwargs: object) -> rk.Usage:
    return rk.meter(RECORDS, [GB], cycle=MONTHLY, span=MARCH, as_of=MARCH.end, **kwargs)  # type: ignore[arg-type]


def test_a_delta_row_is_not_split_by_time_at_a_price_cut_it_was_not_metered_with() -> None:
    usage = _usage()
    assert usage.cuts == {}
    with pytest.raises(rk.UncutUsageError) as error:
        rk.rate(usage, PLAN, span=MARCH)
    assert str(error.value) == (
        "rate: the usage row of meter 'gb' for account 'acme' (resource 'vm', 10 GB over "
        "2026-03-01T00:00:00Z..2026-04-01T00:00:00Z) spans a price cut of plan 'p' (entry "
        "'a' before, entry 'b' from then) at 2026-03-15T00:00:00Z, which it was not metered "
        "with; its quantity is a sum of samples, not spread in proportion to time, so it "
        "cannot be split there. Meter with rk.meter(..., cuts=plan.cuts(span)), or give "
        "rate() the records with meters=[...]."
    )


def test_metered_with_the_plan_s_cuts_or_rated_from_records_a_delta_bills_its_own_price() -> None:
    # 10 GB on the 20th, after b (2 per GB) took over on the 15th: 10 x 2 = 20.
    usage = _usage(cuts=PLAN.cuts(MARCH))
    assert usage.cuts == {"gb": (rk.Span("2026-03-15T00:00:00Z", "2026-03-15T00:00:00Z").start_us,)}
    assert rk.rate(usage, PLAN, span=MARCH).total() == Decimal(20)
    assert rk.rate(RECORDS, PLAN, span=MARCH, meters=[GB]).total() == Decimal(20)


def test_bare_rows_keep_the_time_rule() -> None:
    # No meters known: 10 GB over March's 31 days, 14 at a (1) and 17 at b (2):
    # 10 x 14/31 x 1 + 10 x 17/31 x 2 = (140 + 340) / 31 = 480/31 = 15.4838709677...
    total = rk.rate(list(_usage().rows), PLAN, span=MARCH).total()
    assert abs(Fraction(total) - Fraction(480, 31)) < Fraction(1, 10**20)


def test_a_delta_row_is_not_split_at_an_assignment_gap() -> None:
    with pytest.raises(rk.UncutUsageError) as error:
        rk.rate(_usage(), GAP, span=MARCH)
    assert str(error.value) == (
        "rate: the usage row of meter 'gb' for account 'acme' (resource 'vm', 10 GB over "
        "2026-03-01T00:00:00Z..2026-04-01T00:00:00Z) spans an assignment boundary (plan "
        "'p1' before, no plan from then) at 2026-03-10T00:00:00Z, which it was not metered "
        "with; its quantity is a sum of samples, not spread in proportion to time, so it "
        "cannot be split there. Meter with rk.meter(..., cuts={'gb': [...]} holding that "
        "instant), or give rate() the records with meters=[...]."
    )
    # Cut at the gap's ends, the 10 GB of the 20th lie wholly in the gap: 0, and an
    # unpriced anomaly naming the 10 GB; the records path says the same.
    ten, twenty_five = (
        rk.Span(t, t).start_us for t in ("2026-03-10T00:00:00Z", "2026-03-25T00:00:00Z")
    )
    rating = rk.rate(_usage(cuts={"gb": [ten, twenty_five]}), GAP, span=MARCH)
    assert rating.total() == Decimal(0)
    assert [a.kind for a in rating.anomalies] == ["unpriced"]
    assert "10 GB" in rating.anomalies[0].message
    assert rk.rate(RECORDS, GAP, span=MARCH, meters=[GB]).total() == Decimal(0)


def test_a_time_meter_is_still_split_by_time_exactly() -> None:
    # On all March: 744 h; 14 days (336 h) at 1, 17 days (408 h) at 2: 336 + 816 = 1152.
    hours = rk.Meter("gb", "hour", rk.OnOff())
    start = rk.Event("acme", "vm", "2026-03-01T00:00:00Z", {}, kind="start", id="e1")
    usage = rk.meter([start], [hours], cycle=MONTHLY, span=MARCH, as_of=MARCH.end)
    assert [row.quantity for row in usage.rows] == [Decimal(744)]
    assert rk.rate(usage, PLAN, span=MARCH).total() == Decimal(1152)


def test_a_cut_that_changes_no_price_of_the_row_is_no_reason_to_refuse() -> None:
    # Entry c starts on the 15th for other resources only: the row's price is a's
    # throughout, 10 x 1 = 10.
    plan = rk.Plan(
        "q",
        "EUR",
        MONTHLY,
        [
            rk.PriceEntry("a", "gb", rk.PerUnit("1")),
            rk.PriceEntry(
                "c",
                "gb",
                rk.PerUnit("5"),
                start="2026-03-15T00:00:00Z",
                where={"f": "x"},
                priority=1,
            ),
        ],
    )
    assert rk.rate(_usage(), plan, span=MARCH).total() == Decimal(10)


def test_usage_cuts_are_read_only_pickle_and_are_checked() -> None:
    usage = _usage(cuts={"gb": [3, 1, 3]})
    assert usage.cuts == {"gb": (1, 3)}
    with pytest.raises(TypeError):
        usage.cuts["gb"] = ()  # type: ignore[index]
    assert pickle.loads(pickle.dumps(usage)).cuts == {"gb": (1, 3)}
    with pytest.raises(rk.RatekitTypeError) as error:
        rk.Usage((), (), (), cuts={"gb": [1.5]})
    assert str(error.value) == (
        "Usage cuts must be a mapping of meter names to instants in epoch microseconds "
        "(int), not {'gb': [1.5]}."
    )


def _last_in_first_out(days: list[int], values: list[int], cut: int) -> Fraction:
    """What docs/pricing.md bills: each day's net at 1 (2 from ``cut``), a correction taking
    back the units billed before it last in, first out, at the price they were billed at,
    and usage after one that went below zero filling it the same way."""
    nets: dict[int, int] = {}
    for day, value in zip(days, values, strict=False):
        nets[day] = nets.get(day, 0) + value
    stack: list[tuple[int, int]] = []  # (units, price), below zero for a part refunded
    for day in sorted(nets):
        left = nets[day]
        while left and stack and (stack[-1][0] > 0) != (left > 0):
            units, price = stack.pop()
            if abs(units) > abs(left):
                stack.append((units + left, price))
                left = 0
            else:
                left += units
        if left:
            stack.append((left, 2 if day >= cut else 1))
    return sum((Fraction(units * price) for units, price in stack), Fraction(0))


@settings(max_examples=max(LAWS // 10, FLOOR), deadline=None)
@given(
    days=st.lists(st.integers(1, 31), min_size=1, max_size=4),
    values=st.lists(st.integers(-5, 20), min_size=4, max_size=4),
    cut=st.integers(2, 31),
)
def test_law_metered_with_cuts_equals_records_and_the_oracle(
    days: list[int], values: list[int], cut: int
) -> None:
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHLY,
        [
            rk.PriceEntry("a", "gb", rk.PerUnit("1")),
            rk.PriceEntry(
                "b", "gb", rk.PerUnit("2"), start=f"2026-03-{cut:02}T00:00:00Z", priority=1
            ),
        ],
    )
    records = [
        rk.Sample("acme", "vm", "gb", f"2026-03-{day:02}T12:00:00Z", value, id=f"s{i}")
        for i, (day, value) in enumerate(zip(days, values, strict=False))
    ]
    oracle = _last_in_first_out(days, values, cut)
    usage = rk.meter(
        records, [GB], cycle=MONTHLY, span=MARCH, as_of=MARCH.end, cuts=plan.cuts(MARCH)
    )
    assert Fraction(rk.rate(usage, plan, span=MARCH).total()) == oracle
    assert Fraction(rk.rate(records, plan, span=MARCH, meters=[GB]).total()) == oracle


def test_which_meters_are_sums_of_samples() -> None:
    # A Count (how many samples) is a sum of samples: refused like a delta. A peak (Max)
    # keeps its documented share rule: 10 x 14/31 at 1 + 10 x 17/31 at 2 = 480/31.
    count = rk.Meter("gb", "request", rk.Count())
    peak = rk.Meter("gb", "GB", rk.Max())
    readings = [rk.Sample("acme", "vm", "gb", "2026-03-20T00:00:00Z", 10, kind="gauge", id="g1")]
    counted = rk.meter(readings, [count], cycle=MONTHLY, span=MARCH, as_of=MARCH.end)
    with pytest.raises(rk.UncutUsageError, match=r"spans a price cut of plan 'p'"):
        rk.rate(counted, PLAN, span=MARCH)
    # 1 sample on the 20th, at b: 1 x 2 = 2.
    assert rk.rate(readings, PLAN, span=MARCH, meters=[count]).total() == Decimal(2)
    peaked = rk.meter(readings, [peak], cycle=MONTHLY, span=MARCH, as_of=MARCH.end)
    total = rk.rate(peaked, PLAN, span=MARCH).total()
    assert abs(Fraction(total) - Fraction(480, 31)) < Fraction(1, 10**20)


def test_a_delta_row_is_not_split_at_an_allowances_own_period_or_a_cycle() -> None:
    # 10 GB used on the 20th, metered over the month in one row. From the records: the
    # week of 16 March takes it, 3 GB free, 7 * 1 = 7.00. Split in proportion to time over
    # the weeks, each part would fall under its week's 3 GB and bill 0.
    weekly_free = rk.Plan(
        "wa",
        "EUR",
        MONTHLY,
        [rk.PriceEntry("gb", "gb", rk.PerUnit("1"))],
        allowances=[rk.Allowance("gb", 3, cycle=rk.cycles.weekly(tz="UTC"))],
    )
    assert rk.rate(RECORDS, weekly_free, span=MARCH, meters=[GB]).total() == Decimal(7)
    with pytest.raises(rk.UncutUsageError) as caught:
        rk.rate(_usage(), weekly_free, span=MARCH)
    assert str(caught.value) == (
        "rate: the usage row of meter 'gb' for account 'acme' (resource 'vm', 10 GB over "
        "2026-03-01T00:00:00Z..2026-04-01T00:00:00Z) spans the start of an allowance's own "
        "period of plan 'wa' at 2026-03-02T00:00:00Z, which it was not metered with; its "
        "quantity is a sum of samples, not spread in proportion to time, so it cannot be "
        "split there. Meter with rk.meter(..., cycle=plan.cycle, cuts=plan.cuts(span)), or "
        "give rate() the records with meters=[...]."
    )
    # A weekly plan's cycles: the 10 GB are the week of 16 March's, 10 * 1 = 10.00, not
    # spread over six weeks from 23 February's.
    weekly = rk.Plan(
        "wk", "EUR", rk.cycles.weekly(tz="UTC"), [rk.PriceEntry("gb", "gb", rk.PerUnit("1"))]
    )
    assert rk.rate(RECORDS, weekly, span=MARCH, meters=[GB]).total() == Decimal(10)
    with pytest.raises(
        rk.UncutUsageError, match="spans the start of a cycle of plan 'wk' at 2026-03-02"
    ):
        rk.rate(_usage(), weekly, span=MARCH)
    # Metered with the plan's cycle and cuts, the row is the week's: the same 10.00.
    cut = rk.meter(
        RECORDS, [GB], span=MARCH, cycle=weekly.cycle, as_of=MARCH.end, cuts=weekly.cuts(MARCH)
    )
    assert rk.rate(cut, weekly, span=MARCH).total() == Decimal(10)
