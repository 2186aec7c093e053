"""Allowances: their own period, and exact proration (issue 8 §4, issue 9 §4)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
YEARS = rk.cycles.yearly(tz="UTC")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
YEAR = rk.Span("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")


def hours(month: int, quantity: int | str, day: int = 10) -> rk.UsageRow:
    span = rk.Span(
        f"2026-{month:02d}-{day:02d}T00:00:00Z", f"2026-{month:02d}-{day + 1:02d}T00:00:00Z"
    )
    cycle = MONTHS.containing(span.start)
    return rk.UsageRow("acme", "vm.hours", "vm-1", span, cycle, Decimal(quantity), "hour", {}, ())


def yearly_plan(quantity: int = 1000) -> rk.Plan:
    return rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))],
        allowances=[rk.Allowance("vm.hours", quantity, cycle=YEARS)],
    )


def test_a_yearly_allowance_is_not_prorated_when_one_month_is_rated() -> None:
    # April alone: 300 hours, all free (1000 a year, not 1000 x 30/365)
    rating = rk.rate([hours(4, 300)], yearly_plan(), span=APRIL)
    assert [(c.quantity, c.free, c.amount) for c in rating.charges] == [
        (Decimal(300), Decimal(300), Decimal(0))
    ]


def test_a_yearly_allowance_is_consumed_in_time_order_across_the_invoices() -> None:
    # 400 in January and 500 in February use 900 of the 1000: April's 300 has 100 free,
    # 200 x 0.10 = 20.00. The earlier rows are given, only April is charged.
    rows = [hours(1, 400), hours(2, 500), hours(4, 300)]
    april = rk.rate(rows, yearly_plan(), span=APRIL)
    assert [(c.quantity, c.free, c.amount) for c in april.charges] == [
        (Decimal(300), Decimal(100), Decimal(20))
    ]
    # the same as rating the four months at once, then reading April
    at_once = rk.rate(
        rows, yearly_plan(), span=rk.Span("2026-01-01T00:00:00Z", "2026-05-01T00:00:00Z")
    )
    assert at_once.total(cycle=APRIL) == Decimal(20)
    assert at_once.total() == Decimal(20)
    # and it resets with the next year: 2027's January is free again
    january = rk.Span("2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z")
    row_2027 = rk.UsageRow(
        "acme", "vm.hours", "vm-1", january, january, Decimal(700), "hour", {}, ()
    )
    assert rk.rate([*rows, row_2027], yearly_plan(), span=january).total() == 0


def test_an_assignment_mid_year_prorates_the_yearly_allowance_by_its_share_of_the_year() -> None:
    # assigned from July 2 (2026): 183 of 365 days; 730 a year -> 730 x 183/365 = 366 free
    plan = yearly_plan(730)
    assignment = rk.Assignment("acme", plan, start="2026-07-02T00:00:00Z")
    july = rk.Span("2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z")
    charges = rk.rate([hours(7, 400)], [assignment], span=july).charges
    # 400 - 366 = 34 x 0.10 = 3.40
    assert [(c.free, c.amount) for c in charges] == [(Decimal(366), Decimal("3.40"))]


def test_allowance_cycle_is_checked_at_the_door() -> None:
    with pytest.raises(rk.RatekitTypeError) as error:
        rk.Allowance("vm.hours", 10, cycle="yearly")  # type: ignore[arg-type]
    assert str(error.value) == (
        "allowance of meter 'vm.hours' cycle must be a cycle such as "
        "rk.cycles.yearly(tz='UTC'), or None for the plan's billing cycle, not str: 'yearly'."
    )


@given(st.lists(st.tuples(st.integers(1, 12), st.integers(0, 400)), min_size=1, max_size=12))
def test_rating_month_by_month_gives_what_rating_the_year_gives(
    usage: list[tuple[int, int]],
) -> None:
    # Law: with the year's rows given each time, the months rated one by one add up to the
    # year rated at once, month by month (the allowance crosses the invoices in time order).
    rows = [
        hours(month, quantity, day=1 + index % 27) for index, (month, quantity) in enumerate(usage)
    ]
    plan = yearly_plan(500)
    at_once = rk.rate(rows, plan, span=YEAR)
    for month in range(1, 13):
        cycle = MONTHS.containing(f"2026-{month:02d}-15T00:00:00Z")
        assert rk.rate(rows, plan, span=cycle).total() == at_once.total(cycle=cycle)
    billed = sum(q for _, q in usage) - min(500, sum(q for _, q in usage))
    assert at_once.total() == Decimal(billed) * Decimal("0.10")


# -- exact proration (issue 9 §4) ----------------------------------------------------------

FIRST_200_HOURS = rk.Span("2026-04-01T00:00:00Z", "2026-04-09T08:00:00Z")  # 200 of 720


def test_a_prorated_allowance_is_exact_so_a_half_cent_rounds_the_right_way() -> None:
    # 10 free hours a month, rated over 200 of April's 720 hours: 10 x 200/720 = 25/9 free.
    # A 16-hour row: 16 - 25/9 = 119/9 billable x 0.045 = 0.595 exactly -> 0.60 (half even)
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.045"))],
        allowances=[rk.Allowance("vm.hours", 10)],
    )
    row = hours(4, 16, day=2)
    rating = rk.rate([row], plan, span=FIRST_200_HOURS)
    assert rating.charges[0].amount == Decimal("0.595")
    assert rk.bill(rating)[0].total == Decimal("0.60")


def test_the_mirror_case_does_not_bill_a_cent_for_half_a_cent() -> None:
    # 2 free hours a month over 40 of 720 hours: 2 x 40/720 = 1/9 free. A 1-hour row:
    # 1 - 1/9 = 8/9 billable x 0.005625 = 0.005 exactly -> 0.00 (half even), not 0.01
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.005625"))],
        allowances=[rk.Allowance("vm.hours", 2)],
    )
    forty_hours = rk.Span("2026-04-01T00:00:00Z", "2026-04-02T16:00:00Z")
    row = rk.UsageRow("acme", "vm.hours", "vm-1", forty_hours, APRIL, 1, "hour", {}, ())
    rating = rk.rate([row], plan, span=forty_hours)
    assert rating.charges[0].amount == Decimal("0.005")
    assert rk.bill(rating)[0].total == Decimal("0.00")


@given(
    st.integers(1, 720),
    st.integers(0, 50),
    st.lists(st.tuples(st.integers(0, 719), st.decimals(0, 40, places=2)), min_size=1, max_size=4),
    st.decimals("0.001", "0.2", places=4),
    st.sampled_from(["ROUND_HALF_EVEN", "ROUND_HALF_UP", "ROUND_HALF_DOWN"]),
)
def test_every_rounded_line_is_what_fraction_arithmetic_gives(  # type: ignore[no-untyped-def]
    rated_hours, allowance, rows, rate, rounding
) -> None:
    # Law: against Fraction arithmetic, each line rounds as the exact amount does.
    start = Fraction(rk.Span("2026-04-01T00:00:00Z", "2026-04-01T00:00:00Z").start_us)
    hour = 3_600_000_000
    span = rk.Span.from_us(int(start), int(start) + rated_hours * hour)
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(rate))],
        allowances=[rk.Allowance("vm.hours", allowance)],
        rounding=rounding,
        fees=[rk.Fee("sub", "0.35")],
    )
    usage = [
        rk.UsageRow(
            "acme",
            "vm.hours",
            f"vm-{index}",
            rk.Span.from_us(int(start) + h * hour, int(start) + h * hour),
            APRIL,
            quantity,
            "hour",
            {},
            (),
        )
        for index, (h, quantity) in enumerate(sorted(rows))
    ]
    # the oracle: free units prorated exactly, consumed in time order, priced per unit
    left = Fraction(allowance) * rated_hours / 720
    exact_usage = Fraction(0)
    for h, quantity in sorted(rows):
        if h >= rated_hours:
            continue
        free = min(Fraction(quantity), left)
        left -= free
        exact_usage += (Fraction(quantity) - free) * Fraction(rate)
    exact_fee = Fraction("0.35") * rated_hours / 720
    invoices = rk.bill(rk.rate(usage, plan, span=span))
    [invoice] = invoices
    expected = {"usage": exact_usage, "fee": exact_fee}
    for line in invoice.lines:
        want = Decimal(expected[line.kind].numerator) / Decimal(expected[line.kind].denominator)
        assert line.amount == _round(expected[line.kind], rounding), (line, want)


def _round(value: Fraction, rounding: str) -> Decimal:
    """Round an exact fraction to cents by the rounding mode, with integers only."""
    cents, rest = divmod(value * 100, 1)
    half = Fraction(1, 2)
    if rest > half or (
        rest == half
        and (rounding == "ROUND_HALF_UP" or (rounding == "ROUND_HALF_EVEN" and cents % 2))
    ):
        cents += 1
    return Decimal(int(cents)) / 100


def test_with_records_the_periods_earlier_usage_consumes_the_allowance_first() -> None:
    # A VM runs Feb 1-11 (240 h) and Apr 1-11 (240 h); 300 free hours a year. Rating April
    # from the records: February used 240, 60 are left, 180 x 0.10 = 18.00.
    runtime = rk.Meter("vm.hours", "hour", rk.OnOff())
    records = [
        rk.Event("acme", "vm-1", "2026-02-01T00:00:00Z", {"flavor": "s"}, kind="start", id="e1"),
        rk.Event("acme", "vm-1", "2026-02-11T00:00:00Z", kind="stop", id="e2"),
        rk.Event("acme", "vm-1", "2026-04-01T00:00:00Z", {"flavor": "s"}, kind="start", id="e3"),
        rk.Event("acme", "vm-1", "2026-04-11T00:00:00Z", kind="stop", id="e4"),
    ]
    rating = rk.rate(records, yearly_plan(300), span=APRIL, meters=[runtime])
    assert [(c.quantity, c.free, c.amount) for c in rating.charges] == [
        (Decimal(240), Decimal(60), Decimal(18))
    ]
    assert rating.anomalies == ()


# -- stacked allowances: the usage before the span takes from them as rating it would -------

DAYS = rk.cycles.daily(tz="UTC")
WEEKS = rk.cycles.weekly(tz="UTC")  # from Monday: 2 March 2026 is one
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
MARCH_1 = rk.Span("2026-03-01T00:00:00Z", "2026-03-01T00:00:00Z").start_us  # a Sunday


def calls(day: int, quantity: int | str, hour: int = 10, hours: int = 1) -> rk.UsageRow:
    """``quantity`` calls on ``day`` March 2026, over ``hours`` from ``hour`` (a daily cycle)."""
    start = MARCH_1 + (day - 1) * DAY_US + hour * HOUR_US
    span = rk.Span.from_us(start, start + hours * HOUR_US)
    cycle = DAYS.containing(span.start)
    return rk.UsageRow("acme", "calls", "fn", span, cycle, Decimal(quantity), "call", {}, ())


def calls_plan(*allowances: rk.Allowance) -> rk.Plan:
    entries = [rk.PriceEntry("calls", "calls", rk.PerUnit(1))]
    return rk.Plan("p", "EUR", DAYS, entries, allowances=list(allowances))


def march(first: int, last: int) -> rk.Span:
    """From ``first`` March 2026 to the end of ``last`` March."""
    return rk.Span.from_us(MARCH_1 + (first - 1) * DAY_US, MARCH_1 + last * DAY_US)


def by_day(rating: rk.Rating) -> dict[int, Decimal]:
    """Each day's usage charges, by day of March."""
    out: dict[int, Decimal] = {}
    for charge in rating.charges:
        day = 1 + (charge.span.start_us - MARCH_1) // DAY_US
        out[day] = out.get(day, Decimal(0)) + charge.amount
    return out


def test_usage_before_the_span_leaves_the_week_what_the_days_allowance_did_not_take() -> None:
    # 20 calls free a day, then 15 a week, 1 EUR a call. Tue 3 March: 19 (all the day's);
    # Wed: 21 (20 the day's, 1 the week's: 14 left); Thu: 30 (20 + 10: 4 left); Fri: 30
    # (20 + 4 free, 6 charged: 6 EUR). Rated from Friday, the usage of Tuesday to Thursday
    # leaves the week 4, as rating from Monday does; counted in full against the week
    # (19 + 21 + 30 = 70 > 15) it would leave nothing, and Friday would cost 10.
    plan = calls_plan(rk.Allowance("calls", 20), rk.Allowance("calls", 15, cycle=WEEKS))
    rows = [calls(3, 19), calls(4, 21), calls(5, 30), calls(6, 30)]
    assert by_day(rk.rate(rows, plan, span=march(6, 6))) == {6: 6}
    assert by_day(rk.rate(rows, plan, span=march(5, 6))) == {5: 0, 6: 6}
    assert by_day(rk.rate(rows, plan, span=march(2, 6))) == {3: 0, 4: 0, 5: 0, 6: 6}


def test_the_same_rule_from_records() -> None:
    # As above, from samples metered by rk.rate (the usage before Friday metered for it).
    meter = rk.Meter("calls", "call", rk.Discrete())
    plan = calls_plan(rk.Allowance("calls", 20), rk.Allowance("calls", 15, cycle=WEEKS))
    samples = [
        rk.Sample("acme", "fn", "calls", f"2026-03-0{day}T10:00:00Z", quantity, id=f"s{day}")
        for day, quantity in ((3, 19), (4, 21), (5, 30), (6, 30))
    ]
    rating = rk.rate(samples, plan, span=march(6, 6), meters=[meter])
    assert [(c.quantity, c.free, c.amount) for c in rating.charges] == [
        (Decimal(30), Decimal(24), Decimal(6))
    ]


def test_three_stacked_allowances_over_a_week_and_a_month_that_start_apart() -> None:
    # 10 calls free a week (from Monday), then 5 a day, then 40 a month, 1 EUR a call.
    # Sun 1 March (the week of 23 February): 12 = 10 the week's + 2 the day's.
    # Mon 2 (a new week): 8 = 8 the week's (2 left).
    # Tue 3: 9 = 2 the week's + 5 the day's + 2 the month's (38 left).
    # Wed 4: 20 = 5 the day's + 15 the month's (23 left).
    # Thu 5: 30 = 5 the day's + 23 the month's, 2 charged: 2 EUR.
    # Rated from Wednesday or Thursday (mid-week, mid-month), the same. Counted in full,
    # Sunday's 12 would have been the month's, and Thursday would cost 25.
    plan = calls_plan(
        rk.Allowance("calls", 10, cycle=WEEKS),
        rk.Allowance("calls", 5),
        rk.Allowance("calls", 40, cycle=MONTHS),
    )
    rows = [calls(1, 12), calls(2, 8), calls(3, 9), calls(4, 20), calls(5, 30)]
    assert by_day(rk.rate(rows, plan, span=march(5, 5))) == {5: 2}
    assert by_day(rk.rate(rows, plan, span=march(4, 5))) == {4: 0, 5: 2}
    assert by_day(rk.rate(rows, plan, span=march(1, 5))) == {1: 0, 2: 0, 3: 0, 4: 0, 5: 2}


def test_a_span_from_mid_cycle_shares_the_days_allowance_with_the_usage_before_it() -> None:
    # 24 calls free a day, then 10 a week. Wed 4 March: 15 calls at 06:00, 20 at 18:00.
    # Rated from noon: the day's allowance is prorated to the span, 24 x 12/24 = 12, and
    # the morning, before the span, had the other 12: 15 = 12 + 3 the week's (7 left).
    # The evening: 20 = 12 + 7, 1 charged. Rating the whole day: 35 = 24 + 10, 1 charged.
    plan = calls_plan(rk.Allowance("calls", 24), rk.Allowance("calls", 10, cycle=WEEKS))
    rows = [calls(4, 15, hour=6), calls(4, 20, hour=18)]
    noon = MARCH_1 + 3 * DAY_US + 12 * HOUR_US
    afternoon = rk.rate(rows, plan, span=rk.Span.from_us(noon, MARCH_1 + 4 * DAY_US))
    assert [(c.quantity, c.free, c.amount) for c in afternoon.charges] == [
        (Decimal(20), Decimal(19), Decimal(1))
    ]
    assert rk.rate(rows, plan, span=march(4, 4)).total() == 1


def test_usage_before_every_period_over_the_span_counts_when_an_earlier_one_spans_it() -> None:
    # 5 calls free every 3 days (from 27 February: 2, 5, 8, 11 March...), then 5 a week
    # (from Monday: 2, 9 March). Sun 8 March: 5, the 3 days' of 8-11 March (used up).
    # Mon 9: 5, the new week's (used up): the 3 days' of 8-11 March is spent. Thu 12: 10 =
    # 5 of the 3 days from 11 March + 5 charged. Rating Thursday starts from 8 March, the
    # start of the 3 days over the week's start: from the week's start alone, Monday's 5
    # would have been the 3 days' and Thursday free.
    every_3_days = rk.cycles.every(dt.timedelta(days=3), "2026-02-27T00:00:00Z")
    plan = calls_plan(
        rk.Allowance("calls", 5, cycle=every_3_days), rk.Allowance("calls", 5, cycle=WEEKS)
    )
    rows = [calls(8, 5), calls(9, 5), calls(12, 10)]
    assert by_day(rk.rate(rows, plan, span=march(12, 12))) == {12: 5}
    assert by_day(rk.rate(rows, plan, span=march(1, 12))) == {8: 0, 9: 0, 12: 5}


def test_a_row_over_several_periods_of_an_allowance_takes_from_each() -> None:
    # A VM runs all March (744 h) on a monthly plan with 30 free hours a week (from
    # Monday), 1 EUR an hour. Its row is cut where a week starts: Sun 1 March (the week
    # of 23 February) 24 h, all free; the weeks of 2, 9, 16 and 23 March 168 h each, 30
    # free; Mon 30 and Tue 31 March 48 h, 30 free. Free: 24 + 4 x 30 + 30 = 174; charged
    # 744 - 174 = 570 (one piece would have had only its first week's 30).
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))],
        allowances=[rk.Allowance("vm.hours", 30, cycle=WEEKS)],
    )
    vm = rk.UsageRow("acme", "vm.hours", "vm-1", march(1, 31), march(1, 31), 744, "hour", {}, ())
    rating = rk.rate([vm], plan, span=march(1, 31))
    assert [(c.quantity, c.free) for c in rating.charges] == [
        (Decimal(24), Decimal(24)),
        *[(Decimal(168), Decimal(30))] * 4,
        (Decimal(48), Decimal(30)),
    ]
    assert rating.total() == 570


WINDOW_DAYS = 12  # 1 to 12 March 2026


@st.composite
def stacked_allowances(draw: st.DrawFn) -> list[rk.Allowance]:
    """One to four allowances of calls, each per day (the billing cycle) or its own period.

    A day's is a multiple of 24, so that prorating it to whole hours stays whole; own
    periods are whole hours or days (a week from any weekday, a month from any day, every
    2 to 5 days or 6, 8 or 12 hours from some anchor), so that no hour's row crosses one.
    No two share a period: a plan takes one allowance per meter and period.
    """
    out: list[rk.Allowance] = []
    periods: list[object] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["day", "week", "month", "days", "hours"]))
        if kind == "day":
            if None not in periods:
                periods.append(None)
                out.append(rk.Allowance("calls", 24 * draw(st.integers(0, 2))))
            continue
        cycle: rk.cycles.Cycle
        if kind == "week":
            cycle = rk.cycles.weekly(tz="UTC", weekday=draw(st.integers(0, 6)))
        elif kind == "month":
            cycle = rk.cycles.monthly(tz="UTC", day=draw(st.integers(1, 28)))
        else:
            hours = (
                draw(st.integers(2, 5)) * 24
                if kind == "days"
                else draw(st.sampled_from([6, 8, 12]))
            )
            anchor = rk.Span.from_us(MARCH_1 - draw(st.integers(0, 6)) * DAY_US, MARCH_1).start
            cycle = rk.cycles.every(dt.timedelta(hours=hours), anchor)
        if cycle not in periods:
            periods.append(cycle)
            out.append(rk.Allowance("calls", Decimal(draw(st.integers(0, 60))) / 2, cycle=cycle))
    return out


def allowed_by_hand(
    usage: dict[int, Fraction], allowances: list[rk.Allowance], split_us: int
) -> dict[int, Fraction]:
    """Per hour of usage, what it costs at 1 a call: the oracle, in exact fractions.

    The hours in time order from 1 March (no usage before it), each taking from the
    allowances in their order, each allowance's pool per its period (a dict of pools);
    the day's allowance of the day holding ``split_us`` is two pools, prorated to the
    hours before it and from it (as two spans rated apart share it).
    """
    pools: dict[tuple[object, ...], Fraction] = {}
    out = {}
    for start in sorted(usage):
        wanted, free = usage[start], Fraction(0)
        for index, allowance in enumerate(allowances):
            if allowance.cycle is None:
                day = MARCH_1 + (start - MARCH_1) // DAY_US * DAY_US
                full = Fraction(allowance.quantity)
                if day < split_us < day + DAY_US:
                    before = start < split_us
                    part = split_us - day if before else day + DAY_US - split_us
                    key: tuple[object, ...] = (index, day, before)
                    offered = full * part / DAY_US
                else:
                    key, offered = (index, day), full
            else:
                key = (index, allowance.cycle.containing_us(start))
                offered = Fraction(allowance.quantity)
            left = pools.setdefault(key, offered)
            taken = min(left, wanted - free)
            pools[key] = left - taken
            free += taken
        out[start] = wanted - free
    return out


def charged(rating: rk.Rating) -> list[tuple[int, int, Fraction]]:
    return [(c.span.start_us, c.span.end_us, Fraction(c.amount)) for c in rating.charges]


@st.composite
def hours_of_usage(draw: st.DrawFn) -> dict[int, tuple[int, int]]:
    """Rows of calls that do not overlap, inside a day: first hour -> (hours, per hour)."""
    out: dict[int, tuple[int, int]] = {}
    taken: set[int] = set()
    for _ in range(draw(st.integers(1, 16))):
        first = draw(st.integers(0, WINDOW_DAYS * 24 - 1))
        length = min(draw(st.integers(1, 8)), 24 - first % 24)
        hours = set(range(first, first + length))
        if not hours & taken:
            taken |= hours
            out[first] = (length, draw(st.integers(0, 20)))
    return out


@settings(max_examples=LAWS // 4)
@given(
    allowances=stacked_allowances(),
    usage=hours_of_usage(),
    split_hour=st.integers(1, WINDOW_DAYS * 24 - 1),
)
def test_a_span_starting_later_charges_what_allocating_from_the_start_gives(
    allowances: list[rk.Allowance], usage: dict[int, tuple[int, int]], split_hour: int
) -> None:
    # Law: whatever the span's start, its charges are those of allocating the usage hour
    # by hour from the start (1 March, nothing before) to the stacked allowances in time
    # order, then in their order; and, from a day's start, the same part of rating the
    # whole window. The usage before the span is given each time; a row of several hours
    # is cut where a period of an allowance (or the span) starts.
    plan = calls_plan(*allowances)
    rows = [
        calls(1 + h // 24, length * per_hour, hour=h % 24, hours=length)
        for h, (length, per_hour) in usage.items()
    ]
    split_us = MARCH_1 + split_hour * HOUR_US
    end_us = MARCH_1 + WINDOW_DAYS * DAY_US
    exact = {
        MARCH_1 + (h + i) * HOUR_US: Fraction(per_hour)
        for h, (length, per_hour) in usage.items()
        for i in range(length)
    }

    def summed(
        charges: list[tuple[int, int, Fraction]], costs: dict[int, Fraction]
    ) -> list[Fraction]:
        return [sum((costs[t] for t in range(a, b, HOUR_US)), Fraction(0)) for a, b, _ in charges]

    later = charged(rk.rate(rows, plan, span=rk.Span.from_us(split_us, end_us)))
    assert [amount for *_, amount in later] == summed(
        later, allowed_by_hand(exact, allowances, split_us)
    )
    whole = charged(rk.rate(rows, plan, span=rk.Span.from_us(MARCH_1, end_us)))
    assert [amount for *_, amount in whole] == summed(
        whole, allowed_by_hand(exact, allowances, MARCH_1)
    )
    if split_hour % 24 == 0:
        assert later == [charge for charge in whole if charge[0] >= split_us]


@pytest.mark.parametrize(
    ("used", "expected"),
    [
        # 120 used, 50 free: 70 billable, the volume tier of 70 (<= 100) at 0.30 = 21.00,
        # not 70 x 0.20 (the tier of the whole 120)
        (120, Decimal("21.00")),
        # 200 used: 150 billable, past 100, all at 0.20 = 30.00
        (200, Decimal("30.00")),
        # 40 used: all free
        (40, Decimal("0.00")),
    ],
)
def test_an_allowance_comes_before_the_tiers_a_volume_price_sees_what_it_leaves(
    used: int, expected: Decimal
) -> None:
    volume = rk.Volume([rk.Tier(100, "0.30"), rk.Tier(None, "0.20")])
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", volume)],
        allowances=[rk.Allowance("vm.hours", 50)],
    )
    assert rk.rate([hours(4, used)], plan, span=APRIL).total() == expected
