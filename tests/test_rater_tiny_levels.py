"""The feed refuses a level whose microsecond, at its meter's least rate, is below 1E-30.

A Continuous meter's quantity is its level times the time held, in quanta of 1E-24 of
its unit; a price in proportion makes an amount of it, which ratekit carries only from
1E-30 (docs/guarantees.md). A level whose shortest piece would make a smaller amount
would make every statement cutting such a piece fail, for good: the feed refuses it,
naming the least level accepted, as it refuses a level too large.
"""

from __future__ import annotations

import datetime as dt
import re
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


def test_a_level_whose_microsecond_is_priced_below_1e_30_is_refused_naming_the_least() -> None:
    # 1 MB for 1 us is 1/3,600,000,000 MB*hour = 2.77..E-10; at 1E-25 a MB*hour that is
    # 2.77..E-35, below 1E-30. The least level: (1E-30 / 1E-25 + 1E-24) x 3.6E9
    # = 36,000.0000...036, shown to six digits rounded up: 36000.1.
    rater = rk.Rater(_per_unit("1E-25"), [MEMORY], start=START)
    with pytest.raises(rk.BadQuantityError) as refused:
        rater.feed(_run("1", 1))
    assert str(refused.value) == (
        "Rater.feed: records[0]: event 'vm-on' (start) stamped 2026-03-02T00:00:00Z for "
        "resource 'vm' of 'a' sets the level of meter 'memory' to 1 ('memory_mb'): held "
        "for one microsecond, its quantity of MB*hour priced at the least rate of the "
        "meter's price entries would make an amount below 1E-30, which ratekit does not "
        "carry, so a statement metering so short a piece would fail to price it. A level "
        "is accepted at 0 or from 36000.1 up. The batch is refused whole; fix or drop the "
        "record and feed the batch again."
    )
    # Nothing was taken: the rater states an empty month, and takes the level shown.
    assert rater.statement(as_of="2026-03-03T00:00:00Z").lines == ()
    assert rater.feed(_run("36000.1", 1)).accepted == ("vm-on", "vm-off")


def test_batch_rating_refuses_the_same_piece_the_feed_refuses() -> None:
    # Why the door: rating the 1 us piece of 1 MB at 1E-25 makes 2.77..E-35, refused.
    with pytest.raises(rk.BadPriceError, match=r"2\.77777777777778E-35"):
        rk.rate(_run("1", 1), _per_unit("1E-25"), span=MARCH, meters=[MEMORY])


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


def test_the_least_rate_is_a_tier_s_and_in_the_entry_s_unit() -> None:
    # Graduated per GB*hour: 0.5 up to 10, then 1E-22. In the meter's MB*hour that is
    # 1E-25 a MB*hour (1 GB = 1000 MB): the least level is 36000.1 MB, as above.
    tiers = rk.Graduated([rk.Tier(10, "0.5"), rk.Tier(None, "1E-22")])
    plan = _plan(rk.PriceEntry("m", "memory", tiers, unit="GB*hour"))
    rater = rk.Rater(plan, [MEMORY], start=START)
    with pytest.raises(rk.BadQuantityError, match=r"from 36000\.1 up"):
        rater.feed(_run("2", 1))


def test_a_level_read_as_a_product_is_refused_by_the_product() -> None:
    # 3 GiB-ish: 0.001 x 2 = 0.002 MB, below 36000.1; 20000 x 2 = 40000 MB is taken.
    meter = rk.Meter("memory", "MB*hour", rk.Continuous(("count", "each_mb")))
    rater = rk.Rater(_per_unit("1E-25"), [meter], start=START)
    on = rk.Event("a", "vm", AT, {"count": 2, "each_mb": "0.001"}, kind="start", id="on")
    with pytest.raises(rk.BadQuantityError, match=r"to 0\.002 \('count' x 'each_mb'\)"):
        rater.feed([on])
    fine = rk.Event("a", "vm", AT, {"count": 2, "each_mb": 20000}, kind="start", id="on")
    assert rater.feed([fine]).accepted == ("on",)


def _least(rate: Fraction) -> Fraction:
    """The oracle's least level: one microsecond less a quantum, priced, from 1E-30."""
    quantum, smallest = Fraction(1, 10**24), Fraction(1, 10**30)
    if rate * quantum >= smallest:
        return Fraction(0)
    return (smallest / rate + quantum) * 3_600_000_000


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
    """Law: the feed takes a level exactly when no piece of it is priced below 1E-30.

    Taken: statements cutting its run anywhere (before, at, after its stop) price it.
    Refused: the level is nonzero and below the oracle's least level, which the
    message names rounded up (six digits), and nothing is taken.
    """
    rater = rk.Rater(_per_unit(str(rate)), [MEMORY], start=START)
    least = _least(Fraction(rate))
    message = ""
    try:
        rater.feed(_run(str(level), microseconds))
    except rk.BadQuantityError as refused:
        message = str(refused)
    if message:
        found = re.search(r"accepted at 0 or from (\S+) up\.", message)
        assert found is not None, message
        shown = Fraction(Decimal(found.group(1)))
        assert least <= shown < least * Fraction(100001, 100000)  # rounded up, six digits
        assert 0 < level < shown
        assert rater.statement(as_of="2026-03-03T00:00:00Z").lines == ()
        return
    assert not level or Fraction(level) >= least
    for cut in sorted({as_of_us, microseconds, 86_400_000_000}):
        rater.statement(as_of=AT + dt.timedelta(microseconds=cut))
