"""A Continuous level whose time alone passes what a tiered price takes: said early and clearly.

A price other than PerUnit prices a cycle's quantity, which must stay below 1E+30. A
level of 1E+25 MB held in MB·seconds passes it in about 27 hours (1E+25 x 86,400 s =
8.64E+29 a day): batch rating refuses it naming the level and the levels a cycle takes,
and the rater refuses the record setting it at the feed, so that no statement fails.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MEMORY = rk.Meter("memory", "MB*second", rk.Continuous("memory_mb"))
TIERS = rk.Graduated([rk.Tier(100, "0.01"), rk.Tier(None, "0.001")])
MONTHLY = rk.cycles.monthly(tz="UTC")
PLAN = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("m", "memory", TIERS)])
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def start(level: object, at: str = "2026-03-01T00:00:00Z", **more: object) -> rk.Event:
    return rk.Event("acme", "app-1", at, {"memory_mb": level, **more}, kind="start", id="e1")


def test_batch_rating_names_the_level_and_the_levels_a_cycle_takes() -> None:
    # 1E+25 MB over March, 744 h = 2,678,400 s: 2.6784E+31 MB*second. The ceiling is
    # 1E+30 / 2,678,400 = 3.7335722...E+23, shown rounded down to 3.73357E+23.
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.rate([start("1E+25")], PLAN, span=MARCH, meters=[MEMORY])
    message = str(caught.value)
    assert message.startswith(
        "price entry 'm' of plan 'p' cannot price 26784000000000000000000000000000 "
        "MB*second of meter 'memory' for account 'acme' in the cycle "
        "2026-03-01T00:00:00Z..2026-04-01T00:00:00Z"
    )
    assert message.endswith(
        " Resource 'app-1' holds the level 1E+25 ('memory_mb') of meter 'memory' over "
        "2026-03-01T00:00:00Z..2026-04-01T00:00:00Z (744 hours): held over the whole cycle "
        "(744 hours), a level is accepted from 0 up to but excluding 3.73357E+23 (a "
        "cycle's quantity below 1E+30); keep the level in that range, or price the meter "
        "PerUnit."
    )


def test_a_level_just_below_the_ceiling_is_rated() -> None:
    # 3.73357E+23 x 2,678,400 s = 9.99999...E+29: below 1E+30, rated (100 x 0.01 + the
    # rest x 0.001).
    level = Decimal("3.73357E+23")
    rating = rk.rate([start(level)], PLAN, span=MARCH, meters=[MEMORY])
    (charge,) = rating.charges
    quantity = level * 2_678_400
    assert charge.quantity == quantity
    assert charge.amount == Decimal("1.00") + (quantity - 100) * Decimal("0.001")


def test_the_rater_refuses_the_record_at_the_feed() -> None:
    # Before, the feed took it, the first statement (one day, 8.64E+29) passed and every
    # statement from the second day on failed.
    rater = rk.Rater(PLAN, [MEMORY], start=MARCH.start)
    with pytest.raises(rk.BadQuantityError) as caught:
        rater.feed([rk.Event("acme", "app-0", MARCH.start, kind="start", id="e0"), start("1E+25")])
    assert str(caught.value) == (
        "Rater.feed: records[1]: event 'e1' (start) stamped 2026-03-01T00:00:00Z for resource "
        "'app-1' of 'acme' sets the level of meter 'memory' to 1E+25 ('memory_mb'): held over a cycle "
        "of 744 hours (the longest of the cycles it can run through, in the year from its "
        "instant), its quantity would reach 2.6784E+31 MB*second, beyond what its price "
        "takes (a cycle's quantity below 1E+30 in magnitude, under a price other than "
        "PerUnit), so every statement from then on would fail to price it. A level is "
        "accepted from 0 up to but excluding 3.73357E+23; or price the meter PerUnit. The "
        "batch is refused whole; fix or drop the record and feed the batch again."
    )
    # Refused whole: nothing of the batch was taken; a level in range is, and rates.
    assert rater.feed([start("1E+20")]).accepted == ("e1",)
    # 1E+20 x 864,000 s (10 days) = 8.64E+25: 100 x 0.01 + (8.64E+25 - 100) x 0.001
    # = 1.00 + 86,399,999,999,999,999,999,999.9 = 86,400,000,000,000,000,000,000.9.
    assert rater.statement("2026-03-11T00:00:00Z").total() == Decimal("86400000000000000000000.9")


def test_the_longest_cycle_it_can_run_through_counts() -> None:
    # 4E+23 set on 10 February: February's 28 days give 9.6768E+29 (taken), but March's
    # 31 days 1.07136E+30: held on into March, every statement there would fail.
    rater = rk.Rater(PLAN, [MEMORY], start="2026-02-01T00:00:00Z")
    with pytest.raises(rk.BadQuantityError, match=r"to 4E\+23 .* cycle of 744 hours"):
        rater.feed([start("4E+23", at="2026-02-10T00:00:00Z")])


def test_an_inventory_listing_such_a_level_is_refused() -> None:
    rater = rk.Rater(PLAN, [MEMORY], start=MARCH.start)
    listing = rk.Inventory(MARCH.start, {("acme", "app-1"): {"memory_mb": "1E+25"}}, id="inv")
    with pytest.raises(
        rk.BadQuantityError, match=r"^Rater.feed: records\[0\]: inventory 'inv' listing it stamped"
    ):
        rater.feed([listing])


def test_a_per_unit_price_takes_any_level() -> None:
    # PerUnit prices each piece on its own, whatever the cycle's quantity: no limit.
    plan = rk.Plan("p", "EUR", MONTHLY, [rk.PriceEntry("m", "memory", rk.PerUnit("0.001"))])
    rater = rk.Rater(plan, [MEMORY], start=MARCH.start)
    assert rater.feed([start("1E+25")]).accepted == ("e1",)


def test_a_product_level_the_record_gives_only_in_part_is_not_judged_at_the_door() -> None:
    # memory_mb x instances: an event setting memory alone does not give the level.
    meter = rk.Meter("memory", "MB*second", rk.Continuous(("memory_mb", "instances")))
    rater = rk.Rater(PLAN, [meter], start=MARCH.start)
    assert rater.feed([start("1E+25")]).accepted == ("e1",)
    with pytest.raises(rk.BadQuantityError, match=r"to 2E\+25 \('memory_mb' x 'instances'\)"):
        rater.feed([rk.Event("acme", "app-2", MARCH.start, {"memory_mb": "1E+25", "instances": 2},
                             kind="start", id="e2")])  # fmt: skip


@settings(max_examples=LAWS)
@given(
    mantissa=st.integers(1, 999),
    exponent=st.integers(18, 24),
    month=st.integers(1, 12),
)
def test_the_door_refuses_exactly_the_levels_a_month_cannot_price(
    mantissa: int, exponent: int, month: int
) -> None:
    # Oracle, by exact fractions: monthly UTC cycles; from any month the year ahead holds
    # a 31-day month (2,678,400 s). The door refuses a level iff it times that reaches
    # 1E+30; a level taken rates over the longest month without an error.
    level = Decimal(mantissa).scaleb(exponent)
    at = f"2026-{month:02d}-15T00:00:00Z"
    refused = Fraction(level) * 2_678_400 >= 10**30
    rater = rk.Rater(PLAN, [MEMORY], start="2026-01-01T00:00:00Z")
    try:
        rater.feed([start(level, at=at)])
    except rk.BadQuantityError:
        assert refused
    else:
        assert not refused
        rk.rate([start(level, at="2026-03-01T00:00:00Z")], PLAN, span=MARCH, meters=[MEMORY])
