"""Shares of a non-additive meter's aggregate are rated at their exact value.

A peak (or a mean, a latest level, a GB-month) shared among the pieces of a cycle (a
plan that starts or ends mid-cycle, a price change) is cut at the aggregate's 60th
significant digit (docs/usage.md, "Aggregations that do not add up"), and rating takes
the exact share it stands for wherever it compares it with an allowance or a commitment
prorated by the same time, or rounds a line of it, as it does for fees and allowances.
Each example is worked by hand with Fractions; the law checks the invoice total against
a Fraction oracle that rounds each line once (docs/pricing.md "Rounding", docs/invoices.md
"The rule" for minimum commitments).
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
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")  # 720 hours
FEBRUARY = rk.Span("2027-02-01T00:00:00Z", "2027-03-01T00:00:00Z")  # 672 hours
PEAK = rk.Meter("seats", "seat", rk.Max())


def seats(at: str, level: int | str) -> list[rk.Sample]:
    return [rk.Sample("a", "org", "seats", at, level, kind="gauge", id="s1")]


def plan(
    price: str,
    *,
    allowance: str | None = None,
    minimum: str | None = None,
    rounding: str = "ROUND_HALF_EVEN",
    entries: list[rk.PriceEntry] | None = None,
    name: str = "p",
) -> rk.Plan:
    return rk.Plan(
        name,
        "USD",
        MONTHS,
        entries or [rk.PriceEntry("seats", "seats", rk.PerUnit(price))],
        allowances=[] if allowance is None else [rk.Allowance("seats", allowance)],
        minimums=[] if minimum is None else [rk.Minimum(minimum)],
        rounding=rounding,
    )


def test_a_quarter_of_a_month_of_seats_with_an_allowance_and_a_commitment() -> None:
    # 7 seats, the plan to 8 April 12:00 (180 of 720 hours: 1/4): 7/4 = 1.75 seats, 2/4 =
    # 0.5 free, 1.25 at 0.01 = 0.0125, rounded up 0.02; the commitment 1 x 1/4 = 0.25 on
    # the cent, less the line's 0.02: a top-up of 0.23, 0.25 in all.
    quarter = plan("0.01", allowance="2", minimum="1", rounding="ROUND_UP")
    rating = rk.rate(
        seats("2026-04-01T00:00:00Z", 7),
        [rk.Assignment("a", quarter, end="2026-04-08T12:00:00Z")],
        span=APRIL,
        meters=[PEAK],
    )
    usage = [c for c in rating.charges if c.kind == "usage"]
    assert [(c.quantity, c.free, c.amount) for c in usage] == [
        (Decimal("1.75"), Decimal("0.5"), Decimal("0.0125"))
    ]
    invoice = rk.bill(rating)[0]
    assert [(line.kind, line.amount) for line in invoice.lines] == [
        ("usage", Decimal("0.02")),
        ("minimum", Decimal("0.23")),
    ]
    assert invoice.total == Decimal("0.25")


#: 20/7 cut at the 60th significant digit of 20 (its last digit at 1E-58): 2.857142...8571
TWENTY_SEVENTHS = Decimal("2." + "857142" * 9 + "8571")


@pytest.mark.parametrize("rounding", ["ROUND_UP", "ROUND_CEILING", "ROUND_HALF_EVEN"])
def test_a_seventh_of_a_month_less_its_allowance_is_billed_exactly(rounding: str) -> None:
    # February 2027: 672 hours; the plan from 25 February: 96 hours, 1/7. 20 seats x 1/7 =
    # 20/7, 6 free x 1/7 = 6/7: 2 seats to pay at 0.07 = 0.14 exactly, in every mode. (At
    # 1E-24 the share was cut up, 2.857142857142857142857143, and rounding up billed 0.15.)
    seventh = plan("0.07", allowance="6", rounding=rounding)
    rating = rk.rate(
        seats("2027-02-01T00:00:00Z", 20),
        [rk.Assignment("a", seventh, start="2027-02-25T00:00:00Z")],
        span=FEBRUARY,
        meters=[PEAK],
    )
    (charge,) = rating.charges
    assert charge.quantity == TWENTY_SEVENTHS
    assert abs(Fraction(charge.quantity) - Fraction(20, 7)) < Fraction(5, 10**59)
    assert charge.amount == Decimal("0.14")
    assert rk.bill(rating)[0].total == Decimal("0.14")


@pytest.mark.parametrize("rounding", ["ROUND_DOWN", "ROUND_UP", "ROUND_HALF_UP"])
def test_a_price_change_mid_cycle_under_a_prorated_allowance(rounding: str) -> None:
    # 10 seats; the plan from 6 April (25 of 30 days); 3 a seat, 6 from 16 April. The old
    # price's piece, 6-16 April, holds 10 x 10/30 = 10/3 seats, the new one's, 16 April to
    # May, 10 x 15/30 = 5. The allowance, 6 x 25/30 = 5, frees the first 10/3 and 5/3 of
    # the second: (5 - 5/3) x 6 = 20.00 exactly, 0.00 for the first. (At 1E-24 the first
    # piece was 3.333333333333333333333333, leaving 19.999999999999999999999998: 19.99
    # rounded down.)
    entries = [
        rk.PriceEntry("old", "seats", rk.PerUnit(3)),
        rk.PriceEntry("new", "seats", rk.PerUnit(6), start="2026-04-16T00:00:00Z", priority=1),
    ]
    changed = plan("0", allowance="6", rounding=rounding, entries=entries)
    rating = rk.rate(
        seats("2026-04-01T00:00:00Z", 10),
        [rk.Assignment("a", changed, start="2026-04-06T00:00:00Z")],
        span=APRIL,
        meters=[PEAK],
    )
    assert [(c.entry, c.amount) for c in rating.charges] == [
        ("old", Decimal(0)),
        ("new", Decimal(20)),
    ]
    assert rk.bill(rating)[0].total == Decimal("20.00")


def test_a_commitment_across_two_plans_tops_up_only_the_one_short_of_it() -> None:
    # 10 seats at 10; plan a (commitment 100) to 11 April (10 of 30 days), plan b
    # (commitment 150) after. a spends 10 x 10 x 1/3 = 100/3, its commitment 100 x 1/3:
    # reached exactly, no top-up (at 1E-24 a phantom top-up of 3.33E-24 was charged). b
    # spends 200/3 of 150 x 2/3 = 100: a top-up of 100/3. The invoice (half even): one
    # line of the entry's usage, 100/3 + 200/3 = 100.00, and b's top-up, 100.00 less its
    # usage as rounded, 66.67 (200/3): 33.33; 133.33 in all.
    a = plan("10", minimum="100", name="a")
    b = plan("10", minimum="150", name="b")
    rating = rk.rate(
        seats("2026-04-01T00:00:00Z", 10),
        [
            rk.Assignment("a", a, end="2026-04-11T00:00:00Z"),
            rk.Assignment("a", b, start="2026-04-11T00:00:00Z"),
        ],
        span=APRIL,
        meters=[PEAK],
    )
    minimums = [(c.plan, Fraction(c.amount)) for c in rating.charges if c.kind == "minimum"]
    assert [plan_id for plan_id, amount in minimums if amount] == ["b"]
    ((_, top_up),) = [(p, amount) for p, amount in minimums if amount]
    assert abs(top_up - Fraction(100, 3)) < Fraction(1, 10**57)
    assert sum(Fraction(c.amount) for c in rating.charges if c.kind == "usage") == 100
    invoice = rk.bill(rating)[0]
    assert sorted((line.kind, line.amount) for line in invoice.lines) == [
        ("minimum", Decimal("33.33")),
        ("usage", Decimal("100.00")),
    ]
    assert invoice.total == Decimal("133.33")


@pytest.mark.parametrize(
    "policy",
    [rk.Max(), rk.TimeWeightedMean(), rk.TimeWeightedMean(over="period"), rk.Latest()],
    ids=repr,
)
def test_the_rater_bills_a_seventh_of_a_month_as_batch_rating_does(
    policy: rk.SamplePolicy,
) -> None:
    # 20 seats read as the plan begins, on 25 February (96 of 672 hours, 1/7), 6 free
    # (6/7), rounded up. A peak, a mean over the known time, a latest level: 20, its
    # share 20/7; a mean over the period: 20 x 96/672 = 20/7, all of it after the 25th.
    # 2 seats to pay at 0.07 = 0.14, in the rater's closing invoice as in batch.
    meter = rk.Meter("seats", "seat", policy)
    seventh = plan("0.07", allowance="6", rounding="ROUND_UP")
    assigned = [rk.Assignment("a", seventh, start="2027-02-25T00:00:00Z")]
    records = seats("2027-02-25T00:00:00Z", 20)
    rater = rk.Rater(assigned, [meter], start=FEBRUARY.start)
    rater.feed(records)
    closed = rater.statement(FEBRUARY.end).invoices
    batch = rk.bill(rk.rate(records, assigned, span=FEBRUARY, meters=[meter]))
    assert [invoice.total for invoice in closed] == [Decimal("0.14")]
    assert [invoice.total for invoice in batch] == [Decimal("0.14")]
    assert [line.precise for line in closed[0].lines] == [Decimal("0.14")]


def test_the_pieces_of_a_cycle_still_add_up_to_its_peak_exactly() -> None:
    # 10 seats, the price changing on 8 and 21 April (7, 13 and 10 of 30 days): 7/3,
    # 13/3 and 10/3 seats, each cut at the 60th digit, adding up to 10 to the last digit.
    entries = [
        rk.PriceEntry("one", "seats", rk.PerUnit(1)),
        rk.PriceEntry("two", "seats", rk.PerUnit(2), start="2026-04-08T00:00:00Z", priority=1),
        rk.PriceEntry("three", "seats", rk.PerUnit(3), start="2026-04-21T00:00:00Z", priority=2),
    ]
    rating = rk.rate(
        seats("2026-04-01T00:00:00Z", 10),
        [rk.Assignment("a", plan("0", entries=entries))],
        span=APRIL,
        meters=[PEAK],
    )
    quantities = [c.quantity for c in rating.charges]
    assert sum(map(Fraction, quantities)) == 10  # (exactly: not in a 28-digit context)
    expected = [Fraction(7, 3), Fraction(13, 3), Fraction(10, 3)]
    for quantity, exact in zip(quantities, expected, strict=True):
        assert abs(Fraction(quantity) - exact) <= Fraction(1, 10**58)  # F rounded at each end
    # 7/3 x 1 + 13/3 x 2 + 10/3 x 3 = 63/3 = 21
    assert rk.bill(rating)[0].total == Decimal("21.00")


# -- the law -------------------------------------------------------------------------------

MODES = ["ROUND_HALF_UP", "ROUND_HALF_EVEN", "ROUND_UP", "ROUND_DOWN", "ROUND_CEILING"]
POLICIES = [rk.Max(), rk.TimeWeightedMean(), rk.TimeWeightedMean(over="period"), rk.Latest()]


def on_cent(value: Fraction, mode: str) -> Fraction:
    """``value`` (not below 0) on the cent, rounded once with ``mode``."""
    assert value >= 0
    cents = value * 100
    whole, rest = divmod(cents.numerator, cents.denominator)
    twice = 2 * rest
    if mode in ("ROUND_UP", "ROUND_CEILING"):
        up = rest > 0
    elif mode == "ROUND_DOWN":
        up = False
    elif mode == "ROUND_HALF_UP":
        up = twice >= cents.denominator
    else:  # half even
        up = twice > cents.denominator or (twice == cents.denominator and whole % 2 == 1)
    return Fraction(whole + up, 100)


def decimals(most: int, places: int) -> st.SearchStrategy[Decimal]:
    """A Decimal from 0 to ``most`` of up to ``places`` places (an integer, often)."""
    return st.builds(
        lambda units, scale: Decimal(units).scaleb(-scale),
        st.integers(0, most * 10**places),
        st.integers(0, places),
    ).filter(lambda value: value <= most)


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    level=decimals(500, 2),
    hours=st.tuples(st.integers(0, 720), st.integers(0, 720)).filter(lambda h: h[0] != h[1]),
    price=decimals(20, 4).filter(bool),
    allowance=st.none() | decimals(300, 2).filter(bool),
    minimum=st.none() | decimals(2000, 2),
    mode=st.sampled_from(MODES),
    policy=st.sampled_from(POLICIES),
)
def test_law_an_invoice_of_a_share_of_a_level_is_its_exact_amount_rounded_once(  # noqa: PLR0917 - the law's inputs
    level: Decimal,
    hours: tuple[int, int],
    price: Decimal,
    allowance: Decimal | None,
    minimum: Decimal | None,
    mode: str,
    policy: rk.SamplePolicy,
) -> None:
    # A level read at the start of April and held: every policy's aggregate is the
    # level, and a plan over [s, e) hours of April's 720 takes (e - s)/720 of it.
    s, e = sorted(hours)
    share = Fraction(e - s, 720)
    quantity = Fraction(level) * share
    free = min(quantity, Fraction(allowance) * share) if allowance is not None else 0
    line = on_cent(Fraction(price) * (quantity - free), mode)
    expected = line
    if minimum is not None:  # the commitment on the cent, less the lines as rounded
        expected = max(line, on_cent(Fraction(minimum) * share, mode))
    billed = plan(
        str(price),
        allowance=None if allowance is None else str(allowance),
        minimum=None if minimum is None else str(minimum),
        rounding=mode,
    )
    start = f"2026-04-{1 + s // 24:02d}T{s % 24:02d}:00:00Z"
    assigned = rk.Assignment(
        "a",
        billed,
        start=start,
        end=None if e == 720 else f"2026-04-{1 + e // 24:02d}T{e % 24:02d}:00:00Z",
    )
    meter = rk.Meter("seats", "seat", policy)
    records = seats("2026-04-01T00:00:00Z", str(level))
    invoices = rk.bill(rk.rate(records, [assigned], span=APRIL, meters=[meter]))
    assert [invoice.total for invoice in invoices] == [Decimal(int(expected * 100)).scaleb(-2)]


@pytest.mark.parametrize("rounding", ["ROUND_UP", "ROUND_CEILING"])
def test_a_metered_usage_cut_by_rating_at_a_sign_up_is_shared_exactly(rounding: str) -> None:
    # The usage metered first (one row of 10 seats for April), then rated under a plan
    # from 11 April (20 of 30 days): rating cuts the row as metering would, 10 x 2/3 =
    # 20/3 seats, 10 x 2/3 = 20/3 free: nothing to pay, in any mode. (Rating's cut was at
    # 1E-24, 6.666666666666666666666667, and left 0.01 to pay rounded up.)
    usage = rk.meter(
        seats("2026-04-01T00:00:00Z", 10), [PEAK], span=APRIL, cycle=MONTHS, as_of=APRIL.end
    )
    assert [row.quantity for row in usage.rows] == [Decimal(10)]
    free = plan("10", allowance="10", rounding=rounding)
    rating = rk.rate(usage, [rk.Assignment("a", free, start="2026-04-11T00:00:00Z")], span=APRIL)
    (charge,) = rating.charges
    assert abs(Fraction(charge.quantity) - Fraction(20, 3)) < Fraction(1, 10**58)
    assert charge.amount == 0
    assert rk.bill(rating)[0].total == Decimal("0.00")


def test_a_metered_usage_cut_by_rating_bills_a_half_cent_as_a_tie() -> None:
    # 1 seat at 0.015 under a plan to 11 April (10 of 30 days): 1/3 x 0.015 = 0.005, a
    # tie: half up 0.01, half even 0.00 (as a fee of 0.015 for that third bills).
    usage = rk.meter(
        seats("2026-04-01T00:00:00Z", 1), [PEAK], span=APRIL, cycle=MONTHS, as_of=APRIL.end
    )
    for rounding, expected in (("ROUND_HALF_UP", "0.01"), ("ROUND_HALF_EVEN", "0.00")):
        third = [rk.Assignment("a", plan("0.015", rounding=rounding), end="2026-04-11T00:00:00Z")]
        rating = rk.rate(usage, third, span=APRIL)
        assert [c.amount for c in rating.charges] == [Decimal("0.005")]
        assert rk.bill(rating)[0].total == Decimal(expected)
