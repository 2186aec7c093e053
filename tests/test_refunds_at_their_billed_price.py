"""A refund takes back each unit at the price it was billed at, within one plan too.

docs/pricing.md (A refund cancels its own entry's units): a correction takes back first
the units its own entry billed, then the cycle's other units, the latest first, each at
the entry that billed it (its price, its place in the tiers, its allowance); only what it
takes beyond every unit the cycle used goes below zero, at its own entry's price. So a
refund never exceeds what was billed for the units it takes back. SIMs are priced by
roaming zone (one entry a zone, selected by the SIM's description), as in
`tests/test_mvno_newcomer.py`. Every amount is worked by hand; the law is checked against
an oracle in Fractions, in batch and in the stream.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
END = "2026-04-01T00:00:00Z"
SMS = rk.Meter("sms", "message", rk.Discrete())
PRICES = {"EU": "0.05", "US": "0.10", "ROW": "0.30"}


def at(day: int, hour: int = 12) -> str:
    return f"2026-03-{day:02d}T{hour:02d}:00:00Z"


def zones(
    free: int = 0,
    name: str = "family",
    prices: dict[str, str] = PRICES,
    model: Any = None,
) -> rk.Plan:
    """One entry a zone (per message, or ``model(zone)``), a monthly allowance of ``free``."""
    entries = [
        rk.PriceEntry(
            zone.lower(),
            "sms",
            rk.PerUnit(price) if model is None else model(zone),
            where={"zone": zone},
        )
        for zone, price in prices.items()
    ]
    allowances = [rk.Allowance("sms", free)] if free else []
    return rk.Plan(name, "EUR", MONTHS, entries, allowances=allowances)


def sim(name: str, zone: str) -> rk.Event:
    return rk.Event("fam", name, at(1, 0), {"zone": zone}, kind="start", id=f"attach-{name}")


def roams(name: str, day: int, zone: str) -> rk.Event:
    """``name`` re-described in ``zone`` at 06:00 on ``day`` (before that day's messages)."""
    return rk.Event("fam", name, at(day, 6), {"zone": zone}, kind="update", id=f"{name}-{day}")


def texts(name: str, day: int, n: int, record_id: str) -> rk.Sample:
    return rk.Sample("fam", name, "sms", at(day), n, id=record_id)


def rated(records: list[Any], plans: Any) -> rk.Rating:
    return rk.rate(records, plans, span=MARCH, meters=[SMS])


def refund_lines(rating: rk.Rating) -> list[tuple[str, str, Decimal, Decimal]]:
    """The refunds' lines: (plan, entry, quantity, amount), in the rating's order."""
    return [(c.plan, c.entry, c.quantity, c.amount) for c in rating.charges if c.quantity < 0]


def streamed(records: list[Any], plans: Any, seed: int, size: int) -> Fraction:
    """Every statement's lines added up: records shuffled, fed in batches, restored each time."""
    shuffled = list(records)
    random.Random(seed).shuffle(shuffled)
    rater = rk.Rater(plans, [SMS], start=at(1, 0), horizon=dt.timedelta(days=40))
    total = Fraction(0)
    for i in range(0, len(shuffled), size):
        rater.feed(shuffled[i : i + size])
        total += Fraction(rater.statement(at(20 + i // size, 0)).total())
        rater = rk.Rater.restore(rater.snapshot(), plans, [SMS])
    return total + Fraction(rater.statement(END).total())


# -- examples ------------------------------------------------------------------------


def two_zones_then_a_refund(refunded: int) -> list[Any]:
    """SIM a: 10 EU on the 2nd; SIM b: 5 US on the 3rd; a roams out of both on the 4th
    (ROW, 0.30) and has ``refunded`` messages refunded on the 5th."""
    return [
        sim("a", "EU"),
        sim("b", "US"),
        texts("a", 2, 10, "m1"),
        texts("b", 3, 5, "m2"),
        roams("a", 4, "ROW"),
        texts("a", 5, -refunded, "f1"),
    ]


def test_a_refund_spanning_two_other_entries_takes_back_each_at_its_own_billed_price() -> None:
    # 10 x 0.05 + 5 x 0.10 = 1.00 billed. The ROW entry used nothing: the refund of 12
    # takes back the latest first, US's 5 at 0.10 (-0.50), then 7 of EU's at 0.05
    # (-0.35): 3 EU messages left, 3 x 0.05 = 0.15 (at ROW's 0.30, -3.60: -2.60).
    rating = rated(two_zones_then_a_refund(12), zones())
    assert sorted(refund_lines(rating)) == [
        ("family", "eu", Decimal(-7), Decimal("-0.35")),
        ("family", "us", Decimal(-5), Decimal("-0.50")),
    ]
    assert all(c.resource == "a" for c in rating.charges if c.quantity < 0)
    assert rating.total() == Decimal("0.15")


def test_a_refund_of_more_than_the_cycle_used_goes_below_zero_at_its_own_price() -> None:
    # The refund of 20 takes back US's 5 (-0.50) and EU's 10 (-0.50), then its 5 more
    # than the month ever used go below zero at its own (ROW) price: -5 x 0.30 = -1.50.
    # 1.00 - 1.00 - 1.50 = -1.50.
    records = two_zones_then_a_refund(20)
    rating = rated(records, zones())
    assert sorted(refund_lines(rating)) == [
        ("family", "eu", Decimal(-10), Decimal("-0.50")),
        ("family", "row", Decimal(-5), Decimal("-1.50")),
        ("family", "us", Decimal(-5), Decimal("-0.50")),
    ]
    assert rating.total() == Decimal("-1.50")
    # 8 ROW messages on the 6th fill the 5 below zero (+1.50) and bill 3 (0.90): the
    # month is its 3 net ROW messages, 0.90
    filled = [*records, texts("a", 6, 8, "m3")]
    assert rated(filled, zones()).total() == Decimal("0.90")
    assert streamed(filled, zones(), 3, 2) == Fraction(9, 10)
    # another entry's usage of the plan does not fill them: b's 4 US messages on the 6th
    # are billed at 0.10 (0.40), the 5 stay below zero at ROW's price: -1.10
    other = [*records, texts("b", 6, 4, "m3")]
    assert rated(other, zones()).total() == Decimal("-1.10")
    assert streamed(other, zones(), 4, 3) == Fraction(-11, 10)


def test_the_refund_takes_back_its_own_entrys_units_first_then_the_others_latest() -> None:
    # SIM b sends 4 ROW on the 2nd (1.20); then the EU 10 (0.50) and US 5 (0.50) as
    # above. A ROW refund of 6 takes back ROW's 4 first (-1.20), though the US ones are
    # later, then 2 of US's latest (-0.20): EU 10 and US 3 left, 0.50 + 0.30 = 0.80.
    records = [
        sim("a", "EU"),
        sim("b", "ROW"),
        texts("b", 2, 4, "m0"),
        roams("b", 3, "US"),
        texts("a", 3, 10, "m1"),
        texts("b", 4, 5, "m2"),
        roams("a", 5, "ROW"),
        texts("a", 6, -6, "f1"),
    ]
    rating = rated(records, zones())
    assert sorted(refund_lines(rating)) == [
        ("family", "row", Decimal(-4), Decimal("-1.20")),
        ("family", "us", Decimal(-2), Decimal("-0.20")),
    ]
    assert rating.total() == Decimal("0.80")


def test_under_a_monthly_allowance_the_refund_frees_the_net_usage() -> None:
    # 6 free a month. SIM a: 10 EU on the 5th (6 free, 4 billed: 0.20); it roams to the
    # US on the 10th, and 4 are refunded on the 12th: they take back 4 EU messages. Net
    # EU 6, all free: 0.00 (at the US price, -0.40: -0.20, below what was billed).
    records = [
        sim("a", "EU"),
        texts("a", 5, 10, "m1"),
        roams("a", 10, "US"),
        texts("a", 12, -4, "f1"),
    ]
    rating = rated(records, zones(free=6))
    assert [(entry, amount) for _, entry, _, amount in refund_lines(rating)] == [
        ("eu", Decimal("-0.20"))
    ]
    assert rating.total() == Decimal("0.00")
    # with SIM b's 3 ROW messages on the 3rd: the refund still takes back a's latest 4
    # EU. Net: b's 3 ROW, then a's 6 EU; the 6 free go to b's 3 and 3 of a's: 3 x 0.05 =
    # 0.15
    shared = [*records, sim("b", "ROW"), texts("b", 3, 3, "m2")]
    assert rated(shared, zones(free=6)).total() == Decimal("0.15")
    assert streamed(shared, zones(free=6), 5, 2) == Fraction(3, 20)
    # with b's 3 US messages on the 8th instead, the US refund takes back those first
    # (its own entry's), then 1 of a's EU: net a's 9 EU (6 free, 3 billed): 0.15
    roaming = [*records, sim("b", "US"), texts("b", 8, 3, "m2")]
    rating = rated(roaming, zones(free=6))
    assert sorted((entry, q) for _, entry, q, _ in refund_lines(rating)) == [
        ("eu", Decimal(-1)),
        ("us", Decimal(-3)),
    ]
    assert rating.total() == Decimal("0.15")


@pytest.mark.parametrize(
    ("model", "before", "refund", "total"),
    [
        # Graduated, EU 0.05 to 10 then 0.02; US 0.10 to 10 then 0.04. 12 EU climb to
        # 12: 10 x 0.05 + 2 x 0.02 = 0.54. The US refund of 4 takes back 4 EU messages
        # from 12 down to 8, at EU's tiers: -(2 x 0.02 + 2 x 0.05) = -0.14; 0.40, the
        # price of 8 EU messages (at US's tiers, -(2 x 0.04 + 2 x 0.10) = -0.28: 0.26).
        (rk.Graduated, Decimal("0.54"), Decimal("-0.14"), Decimal("0.40")),
        # Volume: EU's price of the cycle's whole 8 is 8 x 0.05 = 0.40, each piece its
        # share of it: the 12 EU 12/8 x 0.40 = 0.60, the refund of 4 EU -4/8 x 0.40 =
        # -0.20; 0.40 (at US's volume price, -4/8 x 0.80 = -0.40: 0.20).
        (rk.Volume, Decimal("0.60"), Decimal("-0.20"), Decimal("0.40")),
    ],
)
def test_a_refund_under_tiers_by_total_takes_back_units_from_the_tier_they_sat_in(
    model: type[rk.Graduated] | type[rk.Volume], before: Decimal, refund: Decimal, total: Decimal
) -> None:
    low = {"EU": "0.05", "US": "0.10", "ROW": "0.30"}
    high = {"EU": "0.02", "US": "0.04", "ROW": "0.12"}

    def tiers(zone: str) -> rk.Graduated | rk.Volume:
        return model([rk.Tier(10, low[zone]), rk.Tier(None, high[zone])])

    tiered = zones(model=tiers)
    records = [
        sim("a", "EU"),
        texts("a", 5, 12, "m1"),
        roams("a", 10, "US"),
        texts("a", 12, -4, "f1"),
    ]
    rating = rated(records, tiered)
    assert [(c.entry, c.amount) for c in rating.charges] == [("eu", before), ("eu", refund)]
    assert rating.total() == total


def test_across_a_change_of_plan_another_entrys_units_go_back_to_the_plan_that_billed_them() -> (
    None
):
    # basic to the 15th, pro (EU 0.04, US 0.08) after. SIM a: 10 EU on the 5th under
    # basic (0.50); it roams to the US on the 20th, and 4 are refunded on the 25th under
    # pro: no US message was ever sent, so they take back 4 of basic's EU messages, at
    # basic's 0.05: -0.20. 0.30 (at basic's US price, -0.40: 0.10).
    basic = zones(name="basic")
    pro = zones(name="pro", prices={"EU": "0.04", "US": "0.08", "ROW": "0.30"})
    upgraded = [
        rk.Assignment("fam", basic, end=at(15, 0)),
        rk.Assignment("fam", pro, start=at(15, 0)),
    ]
    records = [
        sim("a", "EU"),
        texts("a", 5, 10, "m1"),
        roams("a", 20, "US"),
        texts("a", 25, -4, "f1"),
    ]
    rating = rated(records, upgraded)
    assert refund_lines(rating) == [("basic", "eu", Decimal(-4), Decimal("-0.20"))]
    assert rating.total() == Decimal("0.30")
    assert streamed(records, upgraded, 1, 1) == Fraction(3, 10)


@pytest.mark.parametrize("free", [0, 5, 20])
def test_the_stream_restored_between_usage_and_refund_bills_as_batch_rating_does(
    free: int,
) -> None:
    # The roaming example (10 EU on the 5th, roams US on the 10th, -4 on the 12th): the
    # statement of the 11th bills the usage, a rater restored from its snapshot is fed
    # the refund, and the statements add up to the month rated whole: 6 EU messages net
    # at 0.05 past the free ones: 0.30, 0.05 (5 free), 0.00 (20 free).
    records = [
        sim("a", "EU"),
        texts("a", 5, 10, "m1"),
        roams("a", 10, "US"),
        texts("a", 12, -4, "f1"),
    ]
    plans = zones(free=free)
    expected = {0: Decimal("0.30"), 5: Decimal("0.05"), 20: Decimal("0.00")}[free]
    assert rated(records, plans).total() == expected
    rater = rk.Rater(plans, [SMS], start=at(1, 0), horizon=dt.timedelta(days=40))
    rater.feed(records[:3])
    total = Fraction(rater.statement(at(11, 0)).total())
    rater = rk.Rater.restore(rater.snapshot(), plans, [SMS])
    rater.feed(records[3:])
    total += Fraction(rater.statement(at(13, 0)).total())
    total += Fraction(rater.statement(END).total())
    assert total == expected


# -- the law: an oracle of the rule ----------------------------------------------------

#: Per step: the SIM (0 or 1), then a zone to roam to, or a number of messages (below
#: zero: a refund, of at most what the month used before it).
STEPS = st.lists(
    st.tuples(
        st.integers(0, 1),
        st.one_of(st.sampled_from(sorted(PRICES)), st.integers(-12, 12).filter(bool)),
    ),
    min_size=1,
    max_size=9,
)


def _records(steps: list[tuple[int, str | int]], names: tuple[str, str]) -> list[Any]:
    """The SIMs (EU and US to begin with) and a step a day from the 2nd."""
    records: list[Any] = [sim(names[0], "EU"), sim(names[1], "US")]
    used = 0
    for day, (who, step) in enumerate(steps, start=2):
        if isinstance(step, str):
            records.append(roams(names[who], day, step))
            continue
        n = step if step > 0 else -min(-step, used)
        if n:
            used += n
            records.append(texts(names[who], day, n, f"m{day}"))
    return records


def _oracle(steps: list[tuple[int, str | int]], free: int) -> tuple[Fraction, list[Fraction]]:
    """The rule in Fractions: the month's total, and what each refund takes back.

    The month's units stack up in time order, each with its zone's price; a refund takes
    back its own zone's latest first, then the others' latest first, each at its price.
    The allowance then frees the first units of what is left, in time order.
    """
    zone = ["EU", "US"]
    stack: list[list[Any]] = []  # [zone, units left], in time order
    used = 0
    refunds: list[Fraction] = []
    for who, step in steps:
        if isinstance(step, str):
            zone[who] = step
            continue
        n = step if step > 0 else -min(-step, used)
        used += n
        if n > 0:
            stack.append([zone[who], Fraction(n)])
        elif n < 0:
            wanted, back = Fraction(-n), Fraction(0)
            for mine in (True, False):
                for run in reversed(stack):
                    if wanted and run[1] and (run[0] == zone[who]) is mine:
                        part = min(wanted, run[1])
                        run[1] -= part
                        wanted -= part
                        back += part * Fraction(PRICES[run[0]])
            refunds.append(-back)
    left, total = Fraction(free), Fraction(0)
    for run_zone, units in stack:
        taken = min(left, units)
        left -= taken
        total += (units - taken) * Fraction(PRICES[run_zone])
    return total, refunds


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    steps=STEPS,
    free=st.sampled_from([0, 7, 30]),
    names=st.sampled_from([("a", "b"), ("b", "a"), ("z-1", "+33")]),
    seed=st.integers(0, 2**16),
)
def test_a_month_bills_its_net_usage_each_unit_at_its_billed_price(
    steps: list[tuple[int, str | int]], free: int, names: tuple[str, str], seed: int
) -> None:
    records = _records(steps, names)
    expected, refunds = _oracle(steps, free)
    rating = rated(records, zones(free=free))
    assert Fraction(rating.total()) == expected
    assert expected >= 0  # (a refund never exceeds what was billed for what it takes back)
    if not free:  # each refund's lines take back exactly what was billed for its units
        by_refund: dict[object, Fraction] = {}
        for c in rating.charges:
            if c.quantity < 0:
                by_refund[c.span.start] = by_refund.get(c.span.start, Fraction(0)) + Fraction(
                    c.amount
                )
        assert [by_refund[start] for start in sorted(by_refund)] == refunds
    assert streamed(records, zones(free=free), seed, 3) == expected


@pytest.mark.parametrize("refunded", [12, 20])
@pytest.mark.parametrize("free", [0, 6])
def test_the_stream_fed_a_record_at_a_time_bills_as_batch_rating_does(
    refunded: int, free: int
) -> None:
    # The two-zone example, a statement after each record (the usage's charges stand
    # when the refund comes): 0.15 and -1.50 without free messages (see above); with 6
    # free, the net 3 EU messages are free (0.00), and the refund of 20 frees the 6 it
    # left to none and goes 5 below zero at ROW's 0.30 (-1.50).
    records = two_zones_then_a_refund(refunded)
    plans = zones(free=free)
    expected = {(0, 12): "0.15", (0, 20): "-1.50", (6, 12): "0.00", (6, 20): "-1.50"}
    assert rated(records, plans).total() == Decimal(expected[free, refunded])
    rater = rk.Rater(plans, [SMS], start=at(1, 0), horizon=dt.timedelta(days=40))
    total = Fraction(0)
    for day, record in enumerate(records, start=2):
        rater.feed([record])
        total += Fraction(rater.statement(at(day, 20)).total())
    total += Fraction(rater.statement(END).total())
    assert total == Fraction(expected[free, refunded])
