"""Corrections under stacked allowances of different periods: a day's pool on a month's.

A correction takes back the units its billing cycle took before it, the latest first:
a piece of usage takes free units in the plan's order, then is billed, so its billed
units are its latest. Each free unit taken back returns to the pool it came from (a
day's, a week's, the month's), free again for later usage of that pool's period, and
only past all of them is a correction priced below zero (later usage fills that
first). So a refund on a later day than the usage it undoes takes back what that
usage took, whichever day's pool is at hand where it is stamped. Every amount is worked
by hand at 1.00 a unit, and the law is checked against a brute oracle in Fractions.
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
WEEKS = rk.cycles.weekly(tz="UTC")
DAYS = rk.cycles.daily(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000


def _row(day: int, hour: int, quantity: int) -> rk.UsageRow:
    # an hour of March's ``day`` (a count: taken whole at its start)
    start = MARCH.start_us + (day - 1) * DAY_US + hour * HOUR_US
    span = rk.Span.from_us(start, start + HOUR_US)
    return rk.UsageRow("acme", "eg", "ip-1", span, MARCH, quantity, "GB", {}, (f"s{day}-{hour}",))


def _plan(*allowances: rk.Allowance) -> rk.Plan:
    return rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("eg", "eg", rk.PerUnit(1))], allowances=allowances
    )


#: 2 free a day stacked on 3 a month (the day's taken first).
DAY_ON_MONTH = _plan(rk.Allowance("eg", 2, cycle=DAYS), rk.Allowance("eg", 3))


def _charges(rows: list[rk.UsageRow], plan: rk.Plan = DAY_ON_MONTH) -> list[tuple[int, int]]:
    rating = rk.rate(rows, plan, span=MARCH)
    return [(int(c.free), int(c.amount)) for c in rating.charges]


def test_a_refund_on_a_later_day_takes_back_the_units_billed() -> None:
    # 2 March: 15 (2 of the day, 3 of the month, 10 billed: 10.00). 3 March: -3 takes back
    # the 3 latest units, billed (free 0, -3.00). Later on the 3rd, +4: the 3rd's 2 free,
    # the month has none left (its 3 stand), 2 billed (2.00). 10 - 3 + 2 = 9.00.
    rows = [_row(2, 10, 15), _row(3, 10, -3), _row(3, 14, 4)]
    assert _charges(rows) == [(5, 10), (0, -3), (2, 2)]


def test_a_refund_on_a_later_day_gives_back_to_its_day_what_that_day_gave() -> None:
    # 2 March: 5 (2 of the day, 3 of the month, 0.00). 3 March: 2 (the 3rd's 2), then -1:
    # the latest unit is the 3rd's, given back to the 3rd (free -1, 0.00), not to the
    # month. 4 March: 3 takes the 4th's 2 and finds the month empty: 1 billed (1.00).
    rows = [_row(2, 10, 5), _row(3, 10, 2), _row(3, 12, -1), _row(4, 10, 3)]
    assert _charges(rows) == [(5, 0), (2, 0), (-1, 0), (2, 1)]


def test_a_refund_the_same_day_gives_back_the_latest_free_units_first() -> None:
    # 2 March: 4 (the day's 2, the month's 2), then -3: the month's 2, then 1 of the day's
    # (free -3, 0.00). Then 3: the day's 1 left, then 2 of the month's 3 (0.00). 3 March:
    # 5 takes the 3rd's 2, the month's last 1, and 2 are billed (2.00).
    rows = [_row(2, 10, 4), _row(2, 12, -3), _row(2, 14, 3), _row(3, 10, 5)]
    assert _charges(rows) == [(4, 0), (-3, 0), (3, 0), (3, 2)]


def test_a_refund_larger_than_the_days_usage_takes_back_earlier_days_then_goes_below_zero() -> None:
    # 2 March: 5 (the day's 2, the month's 3). 3 March: 1 (the 3rd's), then -4: the 3rd's 1,
    # then the month's 3 (free -4, 0.00); then 3: the 3rd's 2 left, the month's 1 (0.00).
    # 4 March: -7 takes back the month's 1, the 3rd's 2, the 2nd's 2 (free -5) and 2 more
    # than all usage, priced below zero (-2.00). 5 March: 4 fills those 2 first (2.00),
    # then takes the 5th's 2 free. Net 5 + 1 - 4 + 3 - 7 + 4 = 2 units, 0.00 in all.
    rows = [
        _row(2, 10, 5),
        _row(3, 10, 1),
        _row(3, 12, -4),
        _row(3, 14, 3),
        _row(4, 10, -7),
        _row(5, 10, 4),
    ]
    assert _charges(rows) == [(5, 0), (1, 0), (-4, 0), (3, 0), (-5, -2), (2, 2)]
    assert rk.rate(rows, DAY_ON_MONTH, span=MARCH).total() == 0


def test_a_refund_a_week_later_under_a_day_a_week_and_a_month() -> None:
    # 1 free a day, 2 a week (from Monday), 3 a month. Tuesday 3 March: 8 (the day's 1, the
    # week's 2, the month's 3, 2 billed: 2.00). Tuesday 10 March, another day and week: -3
    # takes back the 2 billed (-2.00) and the month's 1 (free -1). Then 5: the 10th's 1,
    # the new week's 2, the month's 1 given back, 1 billed (1.00). 2 - 2 + 1 = 1.00.
    plan = _plan(
        rk.Allowance("eg", 1, cycle=DAYS),
        rk.Allowance("eg", 2, cycle=WEEKS),
        rk.Allowance("eg", 3),
    )
    rows = [_row(3, 10, 8), _row(10, 10, -3), _row(10, 14, 5)]
    assert _charges(rows, plan) == [(6, 2), (-1, -2), (4, 1)]


# The law: rating rows with refunds under a day's pool on a month's frees, row by row, what
# taking units in time order does, a refund undoing the latest units (billed or free, each
# free one back to the pool it came from), then going below zero, which usage fills first.


def _oracle(rows: list[tuple[int, int, int]], daily: int, monthly: int) -> list[Fraction]:
    """Each row's free part, by units taken in time order (rows: day, hour, quantity)."""
    days: dict[int, Fraction] = {}
    month = Fraction(monthly)
    stack: list[tuple[object, Fraction]] = []  # (a day, "month" or "billed"; units), in order
    debt = Fraction(0)  # units taken back past all usage
    out = []
    for day, _, quantity in rows:
        left = days.setdefault(day, Fraction(daily))
        q = Fraction(quantity)
        free = Fraction(0)
        if q > 0:
            fill = min(q, debt)
            debt -= fill
            q -= fill
            from_day = min(q, left)
            days[day] = left - from_day
            from_month = min(q - from_day, month)
            month -= from_month
            billed = q - from_day - from_month
            for source, units in ((day, from_day), ("month", from_month), ("billed", billed)):
                if units:
                    stack.append((source, units))
            free = from_day + from_month
        else:
            wanted = -q
            while wanted and stack:
                source, units = stack.pop()
                part = min(units, wanted)
                if part < units:
                    stack.append((source, units - part))
                wanted -= part
                if source == "month":
                    month += part
                elif source != "billed":
                    assert isinstance(source, int)
                    days[source] += part
                if source != "billed":
                    free -= part
            debt += wanted
        out.append(free)
    return out


@pytest.mark.property
@settings(max_examples=max(LAWS // 2, 20), deadline=None)
@given(
    st.lists(st.tuples(st.integers(2, 5), st.integers(-6, 8)), min_size=1, max_size=8).map(
        lambda drawn: [(day, hour, q) for hour, (day, q) in enumerate(drawn)]
    ),
    st.integers(0, 3),
    st.integers(0, 5),
)
def test_refunds_under_a_day_on_a_month_free_what_taking_units_in_order_frees(
    drawn: list[tuple[int, int, int]], daily: int, monthly: int
) -> None:
    rows = sorted(drawn)  # distinct instants: each row's hour is its index
    plan = _plan(rk.Allowance("eg", daily, cycle=DAYS), rk.Allowance("eg", monthly))
    rating = rk.rate([_row(*row) for row in rows], plan, span=MARCH)
    by_start = {c.span.start_us: c for c in rating.charges}
    expected = _oracle(rows, daily, monthly)
    starts = [MARCH.start_us + (day - 1) * DAY_US + hour * HOUR_US for day, hour, _ in rows]
    got = [by_start[start].free if start in by_start else Decimal(0) for start in starts]
    assert [Fraction(free) for free in got] == expected
    net = sum(q for *_, q in rows)
    assert Fraction(rating.total()) == sum(
        Fraction(q) - free for (*_, q), free in zip(rows, expected, strict=True)
    )
    if net >= 0:
        assert rating.total() >= 0


def test_a_refund_the_next_day_takes_back_minutes_billed_while_rows_ran_at_once() -> None:
    # 10 free minutes a day on 20 a month. 2 March: a session of 60 minutes from 10:00 and
    # one of 60 from 10:30. The first runs alone until 10:30: 30 minutes, the day's 10 and
    # the month's 20, free; from 10:30 both run and every minute is billed: the first's
    # last 30 (30.00), the second's 60 (60.00). 3 March: -20 minutes take back 20 of those
    # billed (free 0, -20.00), not the month's free ones. 30 + 60 - 20 = 70.00.
    def minutes(day: int, start: str, end: str, quantity: int) -> rk.UsageRow:
        span = rk.Span(f"2026-03-0{day}T{start}:00Z", f"2026-03-0{day}T{end}:00Z")
        return rk.UsageRow("acme", "eg", "vm", span, MARCH, quantity, "minute", {}, (start,))

    rows = [
        minutes(2, "10:00", "11:00", 60),
        minutes(2, "10:30", "11:30", 60),
        minutes(3, "10:00", "11:00", -20),
    ]
    plan = _plan(rk.Allowance("eg", 10, cycle=DAYS), rk.Allowance("eg", 20))
    assert _charges(rows, plan) == [(30, 30), (0, 60), (0, -20)]
