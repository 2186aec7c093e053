"""A peak priced whole by tiers for part of a cycle: its tier is chosen on the exact peak.

A non-additive meter's aggregate (a peak) is shared among the pieces of its cycle, each
share cut at the aggregate's 60th significant digit; a plan covering part of the cycle
prices the whole peak and takes its exact share of that amount (docs/pricing.md). The
whole must be the peak itself, never one rebuilt from a share cut and recovered (a peak
of exactly 1,000,000 seats on a bound of 1,000,000 was rebuilt as 1000000.000...01 and
priced at the tier above), and the line is the price of the peak times the exact share
of the cycle, rounded once. The batch path (rk.rate, rk.bill) and the streaming rater
(rk.Rater's statements) agree.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests._rounding import MODES
from tests.test_licensing_newcomer_seats import rounded

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
APRIL_US = 30 * 86_400 * 10**6  # 2,592,000,000,000
START_US = APRIL.start_us + 20 * 86_400 * 10**6  # 21 April, 00:00
SEATS = rk.Meter("seats", "seat", rk.Max())


def _rated(
    price: rk.PriceModel, seats: Decimal | int, microseconds: int, rounding: str
) -> tuple[rk.Rating, list[rk.Assignment], list[rk.Sample]]:
    """``seats`` at ``START_US``, under ``price`` for ``microseconds`` from there."""
    plan = rk.Plan("p", "USD", MONTHS, [rk.PriceEntry("seat", "seats", price)], rounding=rounding)
    start = rk.Span.from_us(START_US, START_US + 1).start
    end = rk.Span.from_us(START_US, START_US + microseconds).end
    records = [rk.Sample("acme", "app", "seats", start, seats, kind="gauge", id="s1")]
    assignments = [rk.Assignment("acme", plan, start=start, end=end)]
    return rk.rate(records, assignments, span=APRIL, meters=[SEATS]), assignments, records


def _streamed(assignments: list[rk.Assignment], records: list[rk.Sample]) -> rk.Statement:
    """The rater fed ``records``, stated at the end of April (one statement)."""
    rater = rk.Rater(assignments, [SEATS], start=APRIL.start)
    assert rater.feed(records).counts["accepted"] == len(records)
    return rater.statement(APRIL.end)


def test_a_peak_on_a_graduated_bound_is_priced_in_its_tier_for_a_short_cover() -> None:
    # Graduated: the first 1,000,000 seats at 0.72, the rest at 0.5. A peak of exactly
    # 1,000,000 seats is 1,000,000 x 0.72 = 720,000, all in the first tier. A plan for
    # 36 minutes of April takes 2,160 s / 2,592,000 s = 1/1200 of it: 600 exactly, so
    # 600.00 even rounded up. (A whole of 1000000.000...01 would put 1E-53 seats in the
    # second tier, 600.000...0004, and bill 600.01 rounded up.)
    graduated = rk.Graduated([rk.Tier(1_000_000, "0.72"), rk.Tier(None, "0.5")])
    rating, assignments, records = _rated(graduated, 1_000_000, 2_160 * 10**6, "ROUND_UP")
    (charge,) = rating.charges
    assert charge.whole == Decimal(1_000_000)
    assert charge.amount == Decimal(600)
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("600.00")
    statement = _streamed(assignments, records)
    assert sum(Fraction(line.amount) for line in statement.lines) == Fraction(600)
    assert statement.invoices == (invoice,)


def test_a_peak_on_a_volume_bound_keeps_its_tier_in_the_rater_too() -> None:
    # Volume: up to 1,000,000 seats at 7 each, above at 2 each. 1,000,000 seats for 7
    # minutes of April: 7,000,000 x 420 / 2,592,000 = 1134.259259... -> 1134.26 (at 2
    # a seat, 324.07, the tier above the bound).
    volume = rk.Volume([rk.Tier(1_000_000, "7"), rk.Tier(None, "2")])
    rating, assignments, records = _rated(volume, 1_000_000, 420 * 10**6, "ROUND_HALF_EVEN")
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("1134.26")
    statement = _streamed(assignments, records)
    assert sum(Fraction(line.amount) for line in statement.lines) == Fraction(rating.total())
    assert statement.invoices == (invoice,)


def _amount(model: str, bounds: list[int], rates: list[Decimal], quantity: Fraction) -> Fraction:
    """The Fraction oracle: the price of ``quantity`` (rates[i] up to bounds[i], included)."""
    if model == "volume":
        for bound, rate in zip(bounds, rates, strict=False):
            if quantity <= bound:
                return quantity * Fraction(rate)
        return quantity * Fraction(rates[-1])
    total, below = Fraction(0), Fraction(0)
    for bound, rate in zip([*bounds, None], rates, strict=True):
        top = quantity if bound is None else min(quantity, Fraction(bound))
        if top > below:
            total += (top - below) * Fraction(rate)
        below = top if bound is None else Fraction(bound)
    return total


_BOUND = st.one_of(
    st.integers(1, 999),
    st.builds(lambda digits, power: digits * 10**power, st.integers(1, 999), st.integers(3, 26)),
)
_RATE = st.builds(
    lambda digits, exponent: Decimal(digits).scaleb(exponent),
    st.integers(1, 9_999),
    st.integers(-6, 0),
)


@pytest.mark.property
@settings(max_examples=max(LAWS // 4, 10), deadline=None)
@given(
    model=st.sampled_from(["volume", "graduated"]),
    bounds=st.lists(_BOUND, min_size=1, max_size=3, unique=True).map(sorted),
    rates=st.lists(_RATE, min_size=4, max_size=4),
    on=st.integers(0, 2),
    microseconds=st.one_of(st.integers(1, 10**9), st.integers(1, 10 * 86_400 * 10**6)),
    mode=st.sampled_from(MODES),
)
def test_a_peak_on_a_bound_bills_its_tier_times_its_exact_share(  # noqa: PLR0917 - the drawn inputs
    model: str,
    bounds: list[int],
    rates: list[Decimal],
    on: int,
    microseconds: int,
    mode: str,
) -> None:
    # Law: a peak ON one of a Volume or Graduated price's bounds, under a plan covering
    # any number of microseconds of April from the 21st: the line is the price of the
    # peak (its tier chosen on the exact peak) times the exact share of April, rounded
    # once on the plan's mode, and the rater's statement says the same.
    seats = bounds[min(on, len(bounds) - 1)]
    rates = rates[: len(bounds) + 1]
    tiers = [rk.Tier(bound, rate) for bound, rate in zip(bounds, rates, strict=False)]
    tiers.append(rk.Tier(None, rates[-1]))
    price = rk.Volume(tiers) if model == "volume" else rk.Graduated(tiers)
    exact = _amount(model, bounds, rates, Fraction(seats)) * Fraction(microseconds, APRIL_US)
    rating, assignments, records = _rated(price, seats, microseconds, mode)
    (charge,) = rating.charges
    assert charge.whole == seats
    (invoice,) = rk.bill(rating)
    assert invoice.total == rounded(exact, mode)
    statement = _streamed(assignments, records)
    assert sum(Fraction(line.amount) for line in statement.lines) == Fraction(rating.total())
    assert statement.invoices == (invoice,)
