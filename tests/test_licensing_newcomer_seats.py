"""A software-licensing vendor's seats and concurrent licenses, checked to the cent.

Named users are billed on the month's peak (``rk.Max``), concurrent licenses on their mean
over the period (``rk.TimeWeightedMean(over="period")``), with allowances, minimum
commitments and every rounding mode a plan takes. Each expected amount is worked with
``Fraction`` in the comments (docs/usage.md, "Aggregations that do not add up";
docs/pricing.md, "Exact proration", "Rounding"; docs/invoices.md, the commitment rule).
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from fractions import Fraction

import pytest

import ratekit as rk

MODES = (
    decimal.ROUND_HALF_EVEN,
    decimal.ROUND_HALF_UP,
    decimal.ROUND_HALF_DOWN,
    decimal.ROUND_UP,
    decimal.ROUND_DOWN,
    decimal.ROUND_CEILING,
    decimal.ROUND_FLOOR,
)
UTC_MONTHS = rk.cycles.monthly(tz="UTC")
SEATS = rk.Meter("seats", "seat", rk.Max())
CONCURRENT = rk.Meter("concurrent", "license", rk.TimeWeightedMean(over="period"))
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
FEBRUARY = rk.Span("2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z")


def seat_plan(
    price: str,
    *,
    allowance: int | None = None,
    minimum: int | None = None,
    rounding: str = decimal.ROUND_HALF_EVEN,
    name: str = "seats",
) -> rk.Plan:
    return rk.Plan(
        name,
        "USD",
        UTC_MONTHS,
        [rk.PriceEntry("seat", "seats", rk.PerUnit(price))],
        allowances=[] if allowance is None else [rk.Allowance("seats", allowance)],
        minimums=[] if minimum is None else [rk.Minimum(minimum)],
        rounding=rounding,
    )


def peak(value: int | str, at: str = "2026-04-02T00:00:00Z", record: str = "s1") -> rk.Sample:
    return rk.Sample("acme", "app", "seats", at, value, kind="gauge", id=record)


def rounded(exact: Fraction, mode: str, quantum: str = "0.01") -> Decimal:
    """The exact amount on the quantum, by hand: a Fraction never needs a context."""
    steps = exact / Fraction(quantum)
    low = steps.numerator // steps.denominator
    rest = steps - low
    if rest == 0 or mode == decimal.ROUND_FLOOR:
        whole = low
    elif mode == decimal.ROUND_CEILING:
        whole = low + 1
    elif mode == decimal.ROUND_DOWN:
        whole = low if steps >= 0 else low + 1
    elif mode == decimal.ROUND_UP:
        whole = low + 1 if steps >= 0 else low
    elif rest != Fraction(1, 2):
        whole = low if rest < Fraction(1, 2) else low + 1
    elif mode == decimal.ROUND_HALF_EVEN:
        whole = low if low % 2 == 0 else low + 1
    elif mode == decimal.ROUND_HALF_UP:
        whole = low + 1 if steps >= 0 else low
    else:  # ROUND_HALF_DOWN
        whole = low if steps >= 0 else low + 1
    with decimal.localcontext(decimal.Context(prec=200)):  # exact whatever the caller's context
        return (Decimal(whole) * Decimal(quantum)).quantize(Decimal(quantum))


def test_the_hand_rounding_agrees_with_decimal_on_ties_and_signs() -> None:
    for mode in MODES:
        for text in ("0.005", "0.015", "-0.005", "-0.015", "1.234", "-1.234", "2"):
            expected = Decimal(text).quantize(Decimal("0.01"), rounding=mode)
            assert rounded(Fraction(text), mode) == expected, (mode, text)


@pytest.mark.parametrize("mode", MODES)
def test_a_commitment_reached_exactly_by_a_third_of_a_month_has_no_top_up(mode: str) -> None:
    # 10 seats at 10 under a plan from 21 April: 10 of April's 30 days, a third.
    # Usage 10 x 1/3 x 10 = 100/3; the commitment of 100 prorated the same third is 100/3.
    # Both round alike on the cent, so the lines reach the commitment: no top-up.
    plan = seat_plan("10", minimum=100, rounding=mode)
    rating = rk.rate(
        [peak(10)],
        [rk.Assignment("acme", plan, start="2026-04-21T00:00:00Z")],
        span=APRIL,
        meters=[SEATS],
    )
    assert [charge.kind for charge in rating.charges] == ["usage"]
    (invoice,) = rk.bill(rating)
    assert [line.amount for line in invoice.lines] == [rounded(Fraction(100, 3), mode)]
    assert invoice.total == rounded(Fraction(100, 3), mode)


@pytest.mark.parametrize("mode", MODES)
def test_a_commitment_reached_exactly_by_a_seventh_of_february_has_no_top_up(mode: str) -> None:
    # February 2026 has 28 days; a plan from 25 February covers 4 of them, a seventh.
    # 14 seats at 5: 14 x 1/7 x 5 = 10, the commitment of 70 x 1/7 = 10 exactly.
    plan = seat_plan("5", minimum=70, rounding=mode)
    rating = rk.rate(
        [peak(14, at="2026-02-03T00:00:00Z")],
        [rk.Assignment("acme", plan, start="2026-02-25T00:00:00Z")],
        span=FEBRUARY,
        meters=[SEATS],
    )
    (invoice,) = rk.bill(rating)
    assert [line.amount for line in invoice.lines] == [Decimal("10.00")]
    assert invoice.total == Decimal("10.00")


@pytest.mark.parametrize("mode", MODES)
def test_seats_within_a_prorated_allowance_cost_nothing(mode: str) -> None:
    # 10 seats, 10 free, for a third of April: 10/3 seats, 10/3 free, 0 to pay, under
    # ROUND_UP and ROUND_CEILING too (a 60-digit cut of either share must not leave 1E-58).
    plan = seat_plan("10", allowance=10, rounding=mode)
    rating = rk.rate(
        [peak(10)],
        [rk.Assignment("acme", plan, start="2026-04-21T00:00:00Z")],
        span=APRIL,
        meters=[SEATS],
    )
    assert [charge.amount for charge in rating.charges] == [Decimal(0)]
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("0.00")


@pytest.mark.parametrize("mode", MODES)
def test_seats_within_an_allowance_prorated_by_a_seventh_cost_nothing(mode: str) -> None:
    # 7 seats, 7 free, from 25 February (a seventh): 1 seat, 1 free, 0 to pay.
    plan = seat_plan("3", allowance=7, rounding=mode)
    rating = rk.rate(
        [peak(7, at="2026-02-03T00:00:00Z")],
        [rk.Assignment("acme", plan, start="2026-02-25T00:00:00Z")],
        span=FEBRUARY,
        meters=[SEATS],
    )
    assert rk.bill(rating)[0].total == Decimal("0.00")


@pytest.mark.parametrize("mode", MODES)
def test_a_half_cent_line_rounds_as_its_exact_amount_says(mode: str) -> None:
    # 1 seat at 0.015 for a third of April: 1/3 x 0.015 = 0.005 exactly, a tie on the cent.
    plan = seat_plan("0.015", rounding=mode)
    rating = rk.rate(
        [peak(1)],
        [rk.Assignment("acme", plan, start="2026-04-21T00:00:00Z")],
        span=APRIL,
        meters=[SEATS],
    )
    assert [charge.amount for charge in rating.charges] == [Decimal("0.005")]
    expected = rounded(Fraction(5, 1000), mode)
    assert rk.bill(rating)[0].total == expected
    if mode == decimal.ROUND_HALF_UP:
        assert expected == Decimal("0.01")
    if mode == decimal.ROUND_HALF_EVEN:
        assert expected == Decimal("0.00")


@pytest.mark.parametrize("mode", MODES)
def test_a_tie_after_an_allowance_rounds_as_its_exact_amount_says(mode: str) -> None:
    # 4 seats, 1 free, at 0.005 for a third of April: (4 - 1) x 1/3 x 0.005 = 0.005.
    plan = seat_plan("0.005", allowance=1, rounding=mode)
    rating = rk.rate(
        [peak(4)],
        [rk.Assignment("acme", plan, start="2026-04-21T00:00:00Z")],
        span=APRIL,
        meters=[SEATS],
    )
    assert rk.bill(rating)[0].total == rounded(Fraction(5, 1000), mode)


@pytest.mark.parametrize(
    ("tz", "month"),
    [
        ("America/New_York", "2026-03"),
        ("Australia/Sydney", "2026-04"),
        ("America/New_York", "2026-11"),
    ],
)
def test_seats_and_a_mean_of_licenses_across_a_dst_change(tz: str, month: str) -> None:
    months = rk.cycles.monthly(tz=tz)
    cycle = months.containing(f"{month}-15T00:00:00Z")
    plan = rk.Plan(
        "p",
        "USD",
        months,
        [
            rk.PriceEntry("seat", "seats", rk.PerUnit("7")),
            rk.PriceEntry("lic", "concurrent", rk.PerUnit("3")),
        ],
        allowances=[rk.Allowance("seats", 2)],
        minimums=[rk.Minimum(50)],
        rounding=decimal.ROUND_HALF_UP,
        tz=tz,
    )
    start = rk.Span(f"{month}-08T12:20:00Z", f"{month}-08T12:21:00Z").start
    records = [
        peak(5, at=f"{month}-03T00:00:00Z", record="a"),
        peak(9, at=f"{month}-20T00:00:00Z", record="b"),
        rk.Sample("acme", "app", "concurrent", f"{month}-05T00:00:00Z", 4, kind="gauge", id="c"),
        rk.Sample("acme", "app", "concurrent", f"{month}-18T05:00:00Z", 2, kind="gauge", id="d"),
    ]
    rating = rk.rate(
        records, [rk.Assignment("acme", plan, start=start)], span=cycle, meters=[SEATS, CONCURRENT]
    )
    (invoice,) = rk.bill(rating, tz=tz)
    # The plan covers [start, cycle end) of the cycle's exact time (DST included).
    share = Fraction(
        (cycle.end - start) // dt.timedelta(microseconds=1),
        cycle.duration // dt.timedelta(microseconds=1),
    )
    seats_exact = (9 - 2) * share * 7  # peak 9, 2 free, both by the plan's share
    change = rk.Span(f"{month}-18T05:00:00Z", f"{month}-18T05:01:00Z").start
    held = 4 * (change - start) / dt.timedelta(microseconds=1) + 2 * (
        cycle.end - change
    ) / dt.timedelta(microseconds=1)
    mean = Fraction(int(held)) / (cycle.duration // dt.timedelta(microseconds=1))
    licenses_exact = mean * 3
    lines = {line.meter: line.amount for line in invoice.lines}
    assert lines == {
        "seats": rounded(seats_exact, decimal.ROUND_HALF_UP),
        "concurrent": rounded(licenses_exact, decimal.ROUND_HALF_UP),
    }
    committed = rounded(50 * share, decimal.ROUND_HALF_UP)
    assert invoice.total == max(sum(lines.values()), committed)


def test_the_31st_of_a_30_day_month_is_refused_naming_the_date() -> None:
    with pytest.raises(
        rk.BadTimeError, match=r"'2026-04-31T00:00:00Z' is not an instant.*no such date"
    ):
        rk.Assignment("acme", seat_plan("1"), start="2026-04-31T00:00:00Z")


OCTOBER = rk.Span("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z")


def _switched_on_the_21st(price_before: str, price_after: str) -> rk.Invoice:
    # One seat, one free in each plan; the plans change on 21 October (20 and 11 of 31 days).
    # Each plan's share of the peak, 20/31 and 11/31 seat, is all free: nothing to pay.
    assignments = [
        rk.Assignment(
            "acme", seat_plan(price_before, allowance=1, name="a"), end="2026-10-21T00:00:00Z"
        ),
        rk.Assignment(
            "acme", seat_plan(price_after, allowance=1, name="b"), start="2026-10-21T00:00:00Z"
        ),
    ]
    rating = rk.rate(
        [peak(1, at="2026-10-02T00:00:00Z")], assignments, span=OCTOBER, meters=[SEATS]
    )
    (invoice,) = rk.bill(rating)
    return invoice


def test_a_seat_free_in_both_plans_of_a_switched_month_bills_nothing() -> None:
    invoice = _switched_on_the_21st("1", "2")
    assert invoice.total == Decimal("0.00")
    assert [line.amount for line in invoice.lines] == [Decimal("0.00")]


def test_an_invoice_of_a_seat_free_in_both_plans_prints() -> None:
    invoice = _switched_on_the_21st("1", "2")
    text = str(invoice)
    assert text.splitlines()[-1].split() == ["total", "0.00"]
    assert "total" in invoice._repr_html_()


def test_the_tiers_of_a_seat_free_in_both_plans_explain_nothing_billed() -> None:
    (line,) = _switched_on_the_21st("1", "1").lines
    assert all("= 0" in str(tier) for tier in line.tiers)


def _cancelled_at_noon(proration: str) -> rk.Invoice:
    # 12 seats, 12 free, on a plan cancelled at noon on 10 April (9.5 of 30 days of time).
    plan = rk.Plan(
        "a",
        "USD",
        UTC_MONTHS,
        [rk.PriceEntry("seat", "seats", rk.PerUnit("9"))],
        allowances=[rk.Allowance("seats", 12)],
        proration=proration,
    )
    assigned = [rk.Assignment("acme", plan, end="2026-04-10T12:00:00Z")]
    (invoice,) = rk.bill(
        rk.rate([peak(12, at="2026-04-01T06:00:00Z")], assigned, span=APRIL, meters=[SEATS])
    )
    return invoice


def test_seats_within_the_allowance_of_a_plan_cancelled_at_noon_cost_nothing() -> None:
    # By seconds: 12 x 9.5/30 = 3.8 seats, 3.8 free.
    assert _cancelled_at_noon("seconds").total == Decimal("0.00")


def test_seats_within_the_allowance_of_a_day_counting_plan_cancelled_at_noon_cost_nothing() -> None:
    assert _cancelled_at_noon("days").total == Decimal("0.00")
