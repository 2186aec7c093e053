"""Allowances: their own period, and exact proration (issue 8 §4, issue 9 §4)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
