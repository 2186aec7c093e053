"""The feed takes a level whose microsecond, at its meter's least rate, is below 1E-30.

A Continuous meter's quantity is its level times the time held, in quanta of 1E-24 of
its unit; a price in proportion makes an amount of it, which ratekit carries down to
1E-100 (docs/guarantees.md). So a tiny level is taken, and every statement cutting its
run prices it exactly, as batch rate() does (the feed refused a level whose shortest
piece was priced below 1E-30 while charges stopped there).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

START = "2026-03-01T00:00:00Z"
MARCH = rk.Span(START, "2026-04-01T00:00:00Z")
AT = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
MEMORY = rk.Meter("memory", "MB*hour", rk.Continuous("memory_mb"))


def _plan(*entries: rk.PriceEntry) -> rk.Plan:
    return rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), list(entries))


def _per_unit(rate: str) -> rk.Plan:
    return _plan(rk.PriceEntry("m", "memory", rk.PerUnit(rate)))


def _run(level: object, microseconds: int, resource: str = "vm") -> list[rk.Event]:
    stop = AT + dt.timedelta(microseconds=microseconds)
    return [
        rk.Event("a", resource, AT, {"memory_mb": level}, kind="start", id=f"{resource}-on"),
        rk.Event("a", resource, stop, kind="stop", id=f"{resource}-off"),
    ]


def test_a_level_whose_microsecond_is_priced_below_1e_30_is_taken() -> None:
    # 1 MB for 1 us is 1/3,600,000,000 MB*hour = 2.77..E-10, to the quantum 1E-24
    # 0.000000000277777777777778; at 1E-25 a MB*hour: 2.77777777777778E-35 (was:
    # refused at the feed, naming the least level 36000.1).
    rater = rk.Rater(_per_unit("1E-25"), [MEMORY], start=START)
    assert rater.feed(_run("1", 1)).accepted == ("vm-on", "vm-off")
    (line,) = rater.statement(as_of="2026-03-03T00:00:00Z").lines
    assert line.quantity == Decimal("0.000000000277777777777778")
    assert line.amount == Decimal("2.77777777777778E-35")


def test_batch_rating_prices_the_same_piece() -> None:
    # The same 1 us piece of 1 MB at 1E-25, rated at once: 2.77777777777778E-35, 0.00.
    rating = rk.rate(_run("1", 1), _per_unit("1E-25"), span=MARCH, meters=[MEMORY])
    assert [charge.amount for charge in rating.charges] == [Decimal("2.77777777777778E-35")]
    assert rk.bill(rating)[0].total == Decimal("0.00")


def test_the_least_level_held_one_microsecond_is_priced() -> None:
    # 36000.1 MB for 1 us: 36000.1 / 3.6E9 = 1.0000027777..E-5 MB*hour, rounded to the
    # quantum 1E-24: 0.000010000027777777777778; times 1E-25: 1.0000027777777777778E-30.
    rater = rk.Rater(_per_unit("1E-25"), [MEMORY], start=START)
    rater.feed(_run("36000.1", 1))
    (line,) = rater.statement(as_of="2026-03-03T00:00:00Z").lines
    assert line.quantity == Decimal("0.000010000027777777777778")
    assert line.amount == Decimal("1.0000027777777777778E-30")


@pytest.mark.parametrize("rate", ["1E-6", "0.001", "1", "0"])
def test_a_rate_pricing_a_quantum_from_1e_30_refuses_no_level(rate: str) -> None:
    # 1E-6 x 1E-24 (one quantum) = 1E-30: every piece is priced; a tiny level is taken
    # (its 1 us is 2.77..E-39 MB*hour, 0 or one quantum once rounded). A rate of 0
    # makes no amount at all.
    rater = rk.Rater(_per_unit(rate), [MEMORY], start=START)
    assert rater.feed(_run("1E-29", 1)).accepted == ("vm-on", "vm-off")
    rater.statement(as_of="2026-03-03T00:00:00Z")  # prices it (0, or from 1E-30)


def test_a_level_of_zero_is_taken_whatever_the_rate() -> None:
    rater = rk.Rater(_per_unit("1E-25"), [MEMORY], start=START)
    assert rater.feed(_run("0", 5)).accepted == ("vm-on", "vm-off")
    (line,) = rater.statement(as_of="2026-03-03T00:00:00Z").lines
    assert line.amount == 0


def test_a_tier_s_rate_in_the_entry_s_unit_prices_a_tiny_level() -> None:
    # Graduated per GB*hour: 1E-22 from the first unit. 2 MB for 1 us is the time it
    # stands for, 2 / (3.6E9 x 1000) = 1/1.8E12 GB*hour, 5.55...56E-13 to 60 digits; at
    # 1E-22: 5.55...56E-35 (was: refused, the least level 36000.1 MB).
    tiers = rk.Graduated([rk.Tier(None, "1E-22")])
    plan = _plan(rk.PriceEntry("m", "memory", tiers, unit="GB*hour"))
    rater = rk.Rater(plan, [MEMORY], start=START)
    assert rater.feed(_run("2", 1)).accepted == ("vm-on", "vm-off")
    (line,) = rater.statement(as_of="2026-03-03T00:00:00Z").lines
    assert line.amount == Decimal("5." + "5" * 58 + "6E-35")


def test_a_level_read_as_a_product_is_taken() -> None:
    # 0.001 x 2 = 0.002 MB (was: refused, below 36000.1), as 20000 x 2 = 40000 MB.
    meter = rk.Meter("memory", "MB*hour", rk.Continuous(("count", "each_mb")))
    rater = rk.Rater(_per_unit("1E-25"), [meter], start=START)
    on = rk.Event("a", "vm", AT, {"count": 2, "each_mb": "0.001"}, kind="start", id="on")
    assert rater.feed([on]).accepted == ("on",)
    (line,) = rater.statement(as_of="2026-03-02T01:00:00Z").lines
    assert line.amount == Decimal("2E-28")  # 0.002 MB*hour x 1E-25


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    level=st.builds(
        lambda digits, exponent: Decimal(digits).scaleb(exponent),
        st.integers(0, 999),
        st.integers(-30, 10),
    ),
    rate=st.builds(
        lambda digits, exponent: Decimal(digits).scaleb(exponent),
        st.integers(1, 99),
        st.integers(-28, 0),
    ),
    microseconds=st.integers(1, 10**7),
    as_of_us=st.integers(1, 10**7),
)
def test_a_level_taken_is_priced_at_every_statement(
    level: Decimal, rate: Decimal, microseconds: int, as_of_us: int
) -> None:
    """Law: the feed takes every level in range, and every statement prices it.

    Statements cutting its run anywhere (before, at, after its stop) price it; the last
    one, after the run, adds up to batch rate() of the same records to the last digit.
    """
    rater = rk.Rater(_per_unit(str(rate)), [MEMORY], start=START)
    records = _run(str(level), microseconds)
    assert rater.feed(records).accepted == ("vm-on", "vm-off")
    stated = Fraction(0)
    for cut in [*sorted({as_of_us, microseconds}), 86_400_000_000]:
        statement = rater.statement(as_of=AT + dt.timedelta(microseconds=cut))
        stated += sum((Fraction(line.amount) for line in statement.lines), Fraction(0))
    batch = rk.rate(records, _per_unit(str(rate)), span=MARCH, meters=[MEMORY])
    assert stated == Fraction(batch.total())
