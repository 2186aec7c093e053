"""Every meter used at instants takes its usage in the order of its instants, whatever the names.

The rule of `tests/test_discrete_time_order.py` for the other meters whose usage comes
as amounts at its readings' instants: a delta policy of one's own and a `Count` (docs/
pricing.md, The order they are taken in; docs/usage.md, Descriptions over time). Where a
plan prices the meter apart (two entries or more) under an allowance or tiers on the
total, metering cuts its rows at each reading's instant, so a free tier goes to the first
readings whatever the resources are called, and the readings of one instant share it in
proportion; a delta policy's reading below zero is a correction, cut at its instant, so a
take-back is never netted with later usage, across a change of plan too. Batch and stream
alike. Amounts are worked by hand; the law is checked against the brute oracle of
`tests/test_discrete_time_order.py`, in ``fractions.Fraction``.
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests.test_discrete_time_order import (
    _DELTA,
    DAYS,
    HOUR_US,
    MARCH,
    MONTHS,
    PRICES,
    _corrections_apart,
    _oracle,
)

import ratekit as rk
from ratekit._line_exact import line_exact


class AsIs:
    """A delta policy of one's own: each delta as it is, at its instant."""

    def accepts(self, kind: str) -> bool:
        return kind == "delta"

    def increments(
        self, readings: Sequence[rk.Sample], previous: object, report: object
    ) -> list[tuple[int, int, object, tuple[str, ...]]]:
        return [(s.at_us, s.at_us, s.value, (str(s.id),)) for s in readings]


#: The meter kinds used at instants, by name.
KINDS = {
    "discrete": rk.Discrete(),
    "own": AsIs(),
    "count": rk.Count(),
}
#: The kinds that take corrections (a count has none).
SIGNED = ["discrete", "own"]


def _meter(kind: str) -> rk.Meter:
    return rk.Meter("tokens", "token", KINDS[kind])


def _records(
    kind: str, names: dict[str, str], used: list[tuple[str, str, int]]
) -> list[rk.Event | rk.Sample]:
    """``(price kind, instant, tokens)`` of each price kind's resource, described on 1 March.

    A count counts ``tokens`` readings of 1 at the instant (its usage is never below zero).
    """
    records: list[rk.Event | rk.Sample] = [
        rk.Event(
            "acme", name, "2026-03-01T00:00:00Z", {"kind": price}, kind="update", id=f"e-{price}"
        )
        for price, name in names.items()
    ]
    for i, (price, at, value) in enumerate(used):
        if kind == "count":
            assert value >= 0
            records += [
                rk.Sample("acme", names[price], "tokens", at, 1, kind="gauge", id=f"s{i}.{n}")
                for n in range(value)
            ]
        else:
            records.append(rk.Sample("acme", names[price], "tokens", at, value, id=f"s{i}"))
    return records


def _entries(model: str = "per_unit") -> list[rk.PriceEntry]:
    def price(unit: int) -> rk.PriceModel:
        if model == "graduated":  # full price to 10 tokens on the total, half past
            return rk.Graduated([rk.Tier(10, unit), rk.Tier(None, str(Decimal(unit) / 2))])
        return rk.PerUnit(unit)

    return [
        rk.PriceEntry(kind, "tokens", price(unit), where={"kind": kind})
        for kind, unit in PRICES.items()
    ]


def _plan(*allowances: rk.Allowance, model: str = "per_unit") -> rk.Plan:
    return rk.Plan("p", "USD", MONTHS, _entries(model), allowances=allowances)


def _total(records: list[rk.Event | rk.Sample], plans: object, kind: str) -> Decimal:
    return rk.rate(records, plans, span=MARCH, meters=[_meter(kind)]).total()


def _namings() -> list[dict[str, str]]:
    return [
        dict(zip(PRICES, names, strict=True))
        for names in itertools.permutations(["r1", "r2", "r3"])
    ]


def _totals(kind: str, used: list[tuple[str, str, int]], plan: rk.Plan) -> set[Decimal]:
    return {_total(_records(kind, names, used), plan, kind) for names in _namings()}


def _streamed(kind: str, records: list[rk.Event | rk.Sample], plans: object, seed: int) -> Fraction:
    """The month's lines streamed: shuffled, fed in two parts, restored from JSON between."""
    order = random.Random(seed)
    shuffled = list(records)
    order.shuffle(shuffled)
    half = order.randint(0, len(shuffled))
    meters = [_meter(kind)]
    rater = rk.Rater(plans, meters, start=MARCH.start)
    rater.feed(shuffled[:half])
    lines = list(rater.statement("2026-03-04T12:00:00Z").lines)
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, meters)
    rater.feed(shuffled)  # the first part again: duplicates
    lines += rater.statement(MARCH.end).lines
    return sum((Fraction(line.amount) for line in lines), Fraction(0))


def _day(d: int, hour: int = 0) -> str:
    return f"2026-03-{d:02d}T{hour:02d}:00:00Z"


# -- examples -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_free_tier_goes_to_the_first_readings_of_three_resources(kind: str) -> None:
    # 10 free a month. b's 5 (3 March) free, c's 3 (4 March) free, a's 4 (5 March): the
    # last 2 free, 2 billed x 1 = 2.00, whatever the resources' names.
    used = [("a", _day(5), 4), ("b", _day(3), 5), ("c", _day(4), 3)]
    assert _totals(kind, used, _plan(rk.Allowance("tokens", 10))) == {Decimal("2.00")}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_readings_of_one_instant_share_the_free_tier_in_proportion(kind: str) -> None:
    # 10 free; at one instant a 5, b 10, c 5: 20 wanted, each frees half of its own.
    # Billed: 2.5 x 1 + 5 x 10 + 2.5 x 5 = 2.5 + 50 + 12.5 = 65.00, whatever the names.
    used = [("a", _day(2), 5), ("b", _day(2), 10), ("c", _day(2), 5)]
    assert _totals(kind, used, _plan(rk.Allowance("tokens", 10))) == {Decimal("65.00")}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_an_instant_after_earlier_readings_shares_what_is_left(kind: str) -> None:
    # 10 free; a 7 on 2 March (free, 3 left); on 3 March b 3 and c 6 at once: 9 wanted of
    # 3, each a third free: b 2 x 10 + c 4 x 5 = 40.00.
    used = [("a", _day(2), 7), ("b", _day(3), 3), ("c", _day(3), 6)]
    assert _totals(kind, used, _plan(rk.Allowance("tokens", 10))) == {Decimal("40.00")}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_tiers_on_the_total_climb_in_the_order_of_the_readings(kind: str) -> None:
    # Graduated on the account's total (full price to 10, half past). b's 6 (2 March) at
    # 10 = 60; c's 6 (3 March): 4 at 5 + 2 at 2.5 = 25; a's 2 (4 March) at 0.5 = 1: 86.00.
    used = [("a", _day(4), 2), ("b", _day(2), 6), ("c", _day(3), 6)]
    assert _totals(kind, used, _plan(model="graduated")) == {Decimal("86.00")}


@pytest.mark.parametrize("kind", SIGNED)
def test_corrections_interleaved_with_usage_of_three_resources(kind: str) -> None:
    # 10 free a month. 2 March b +3 (free, 7 left); 3 March b -1 takes back 1 free (8
    # left); 4 March a +5 (free, 3 left); 5 March c +4: 3 free, 1 billed x 5 = 5; 6 March
    # c -1 takes back that billed one (-5); 7 March b +2 billed x 10 = 20. 5 - 5 + 20 = 20.00.
    used = [
        ("b", _day(2), 3),
        ("b", _day(3), -1),
        ("a", _day(4), 5),
        ("c", _day(5), 4),
        ("c", _day(6), -1),
        ("b", _day(7), 2),
    ]
    assert _totals(kind, used, _plan(rk.Allowance("tokens", 10))) == {Decimal("20.00")}


@pytest.mark.parametrize("kind", SIGNED)
@pytest.mark.parametrize(
    ("used", "expected"),
    [
        # 2 March a +6 (free, 4 left); 3 March b +8 and b -3 at one instant: one row of
        # the resource's net +5, 4 free, 1 billed x 10 = 10.00.
        ([("a", _day(2), 6), ("b", _day(3), 8), ("b", _day(3), -3)], "10.00"),
        # 2 March a +6 and b +6 at one instant: 12 wanted of 10, each 5 free, a 1 x 1 + b
        # 1 x 10 = 11; 3 March a -1 and b -1 at one instant take back the billed units, each
        # at its own price (-1 - 10): 0.00.
        ([("a", _day(2), 6), ("b", _day(2), 6), ("a", _day(3), -1), ("b", _day(3), -1)], "0.00"),
        # the same with c's +4 between (3 March, 08:00): 4 x 5 = 20 billed; 4 March a -1
        # and b -1 take back 2 of c's units (the latest), each at its own price: 11 + 20 -
        # 1 - 10 = 20.00.
        (
            [
                ("a", _day(2), 6),
                ("b", _day(2), 6),
                ("c", _day(3, 8), 4),
                ("a", _day(4), -1),
                ("b", _day(4), -1),
            ],
            "20.00",
        ),
    ],
    ids=["one-resource-netted", "two-resources", "after-later-usage"],
)
def test_corrections_at_one_instant(
    kind: str, used: list[tuple[str, str, int]], expected: str
) -> None:
    assert _totals(kind, used, _plan(rk.Allowance("tokens", 10))) == {Decimal(expected)}


def _moved(price_a: int = 1, price_b: int = 2) -> list[rk.Assignment]:
    """Plan a (price_a a token) to 20 March, b (price_b) after: one entry each."""

    def plan(name: str, price: int) -> rk.Plan:
        return rk.Plan(name, "USD", MONTHS, [rk.PriceEntry("t", "tokens", rk.PerUnit(price))])

    return [
        rk.Assignment("acme", plan("a", price_a), end=_day(20)),
        rk.Assignment("acme", plan("b", price_b), start=_day(20)),
    ]


def _signed(used: list[tuple[str, str, int]]) -> list[rk.Sample]:
    return [
        rk.Sample("acme", resource, "tokens", at, value, id=f"s{i}")
        for i, (resource, at, value) in enumerate(used)
    ]


@pytest.mark.parametrize("kind", SIGNED)
@pytest.mark.parametrize(
    ("used", "expected"),
    [
        # +20 under a (20); -15 on 21 March takes back 15 of a's (-15); +10 on 25 March
        # under b (20): 25.
        ([("q", _day(2), 20), ("q", _day(21), -15), ("q", _day(25), 10)], 25),
        # the same on two resources: the take-back is the account's, 25.
        ([("q", _day(2), 20), ("r", _day(21), -15), ("q", _day(25), 10)], 25),
        # the usage first on 21 March, the take-back on the 25th: b's 10 (20), then -15
        # takes back b's 10 (-20) and 5 of a's (-5): 20 + 20 - 20 - 5 = 15.
        ([("q", _day(2), 20), ("q", _day(21), 10), ("r", _day(25), -15)], 15),
        # both at one instant on 21 March: the instant's usage first, then its take-back:
        # 20 + 20 - 20 - 5 = 15.
        ([("q", _day(2), 20), ("q", _day(21), 10), ("r", _day(21), -15)], 15),
        # two take-backs on the 21st and 22nd, then usage: 20 - 5 - 5 + 10 x 2 = 30.
        (
            [("q", _day(2), 20), ("q", _day(21), -5), ("r", _day(22), -5), ("q", _day(25), 10)],
            30,
        ),
    ],
    ids=["one-resource", "two-resources", "usage-first", "one-instant", "two-take-backs"],
)
def test_a_take_back_across_a_plan_change_keeps_its_order(
    kind: str, used: list[tuple[str, str, int]], expected: int
) -> None:
    records = _signed(used)
    assert _total(records, _moved(), kind) == Decimal(expected)
    for seed in range(4):
        assert _streamed(kind, records, _moved(), seed) == expected


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_stream_with_a_restore_takes_the_readings_in_order_as_batch_does(kind: str) -> None:
    # 6 free a month; b 3 (2 March) free, 3 left; c 4 and a 2 at once (4 March, 08:00):
    # 6 wanted of 3, each half free, c 2 x 5 + a 1 x 1 = 11; b 5 (6 March) x 10 = 50:
    # 61, whatever the names, shuffled, fed in two parts with a statement and a restore
    # between.
    used = [("b", _day(2), 3), ("c", _day(4, 8), 4), ("a", _day(4, 8), 2), ("b", _day(6), 5)]
    plan = _plan(rk.Allowance("tokens", 6))
    for names in _namings()[:3]:
        records = _records(kind, names, used)
        assert _total(records, plan, kind) == Decimal("61.00")
        for seed in range(3):
            assert _streamed(kind, records, plan, seed) == 61


# -- the laws -------------------------------------------------------------------------------

#: (price kind, hour of March from its start, tokens): coarse hours, so that instants tie.
_READING = st.tuples(st.sampled_from(sorted(PRICES)), st.integers(24, 24 * 6), st.integers(0, 6))


def _at(hour: int) -> str:
    return rk.Span.from_us(
        MARCH.start_us + hour * HOUR_US, MARCH.start_us + hour * HOUR_US
    ).start.isoformat()


def _by_kind(
    kind: str, deltas: list[tuple[str, int, int]], names: dict[str, str], plan: rk.Plan
) -> dict[str, Fraction]:
    used = [(price, _at(hour), value) for price, hour, value in deltas]
    charges: dict[str, list[rk.Charge]] = {price: [] for price in PRICES}
    prices = {name: price for price, name in names.items()}
    rating = rk.rate(_records(kind, names, used), plan, span=MARCH, meters=[_meter(kind)])
    for charge in rating.charges:
        charges[prices[charge.resource]].append(charge)
    return {
        price: Fraction(line_exact(mine)) if mine else Fraction(0)
        for price, mine in charges.items()
    }


@pytest.mark.property
@settings(max_examples=max(LAWS // 2, 20), deadline=None)
@given(
    kind=st.sampled_from(["own", "count"]),
    deltas=st.lists(_READING, min_size=1, max_size=8),
    free=st.integers(0, 30),
    daily=st.booleans(),
    naming=st.permutations(["r1", "r2", "r3"]),
)
def test_a_free_tier_goes_to_the_readings_in_their_order_against_the_oracle(
    kind: str, deltas: list[tuple[str, int, int]], free: int, daily: bool, naming: list[str]
) -> None:
    # Law: the readings of three resources priced apart (1, 10, 5 a token) by a delta
    # policy of one's own or a count, at random hours of 2 to 7 March (ties among them),
    # under a month's or a day's free tokens: each kind's exact amount is the oracle's
    # (time order, an instant's usage sharing what is left in proportion), however the
    # resources are named.
    allowance = rk.Allowance("tokens", free, cycle=DAYS if daily else None)
    names = dict(zip(PRICES, naming, strict=True))
    assert _by_kind(kind, deltas, names, _plan(allowance)) == _oracle(deltas, free, daily)


@pytest.mark.property
@settings(max_examples=max(LAWS // 2, 20), deadline=None)
@given(
    before=st.lists(
        st.tuples(st.sampled_from(["q", "r"]), st.sampled_from([2, 10]), st.integers(1, 12)),
        min_size=1,
        max_size=2,
    ),
    after=st.lists(
        st.tuples(
            st.sampled_from(["q", "r"]),
            st.sampled_from([21, 25, 28]),
            st.sampled_from([-8, -3, 4, 12]),
        ),
        min_size=1,
        max_size=4,
    ),
    seed=st.integers(0, 2**16),
)
# a take-back on the 21st before usage on the 25th, on one resource and on two (the fault
# of a delta policy of one's own that netted them into one row: 8 where Discrete bills 12)
@example(before=[("q", 2, 12)], after=[("q", 21, -8), ("q", 25, 4)], seed=0)
@example(before=[("q", 2, 12)], after=[("r", 21, -8), ("q", 25, 4)], seed=1)
def test_a_delta_policy_of_ones_own_rates_as_discrete_across_a_plan_change(
    before: list[tuple[str, int, int]], after: list[tuple[str, int, int]], seed: int
) -> None:
    # Law: usage and take-backs of two resources under plan a (1 a token) to 20 March and
    # b (2) after, counted by a delta policy of one's own, bill as the same deltas on a
    # Discrete meter (taken in the order of their instants, never netted with later
    # usage), in batch and streamed with a restore.
    deltas = [*before, *after]  # usage before 20 March, then usage and take-backs after
    records = _signed([(resource, _day(d), value) for resource, d, value in deltas])
    discrete = _total(records, _moved(), "discrete")
    assert _total(records, _moved(), "own") == discrete
    assert _streamed("own", records, _moved(), seed) == Fraction(discrete)


@pytest.mark.property
@settings(max_examples=max(LAWS // 2, 20), deadline=None)
@given(
    deltas=st.lists(_DELTA, min_size=1, max_size=8).map(_corrections_apart),
    free=st.integers(0, 60),
    model=st.sampled_from(["per_unit", "graduated"]),
    naming=st.permutations(["r1", "r2", "r3"]),
)
def test_renaming_the_resources_of_a_delta_policy_of_ones_own_never_changes_a_total(
    deltas: list[tuple[str, int, int]], free: int, model: str, naming: list[str]
) -> None:
    # Law: usage and corrections of three resources priced apart, counted by a delta
    # policy of one's own, under a free tier and tiers on the account's total: the total
    # is the same under any naming of the resources, and the one of the same deltas on a
    # Discrete meter.
    used = [(price, _at(hour), value) for price, hour, value in deltas]
    plan = _plan(rk.Allowance("tokens", free), model=model)
    renamed = dict(zip(PRICES, naming, strict=True))
    own = _total(_records("own", renamed, used), plan, "own")
    assert own == _total(_records("own", {p: p for p in PRICES}, used), plan, "own")
    assert own == _total(_records("discrete", renamed, used), plan, "discrete")


# -- a counter (more in tests/test_counter_time_order.py) -----------------------------------


def test_a_counters_rises_are_taken_in_their_order_whatever_the_names() -> None:
    # 5 free a month. b's rise of 5 (2 to 3 March) takes the 5 free; a's (10 to 11
    # March) bills 5 x 1 = 5, whichever resource's id sorts first.
    counter = rk.Meter("tokens", "token", rk.Counter())
    plan = _plan(rk.Allowance("tokens", 5))
    totals = set()
    for a, b in (("r1", "r2"), ("r2", "r1")):
        records = [
            rk.Event("acme", a, "2026-03-01T00:00:00Z", {"kind": "a"}, kind="start", id="ea"),
            rk.Event("acme", b, "2026-03-01T00:00:00Z", {"kind": "b"}, kind="start", id="eb"),
            rk.Sample("acme", b, "tokens", _day(2), 0, kind="counter", id="b0"),
            rk.Sample("acme", b, "tokens", _day(3), 5, kind="counter", id="b1"),
            rk.Sample("acme", a, "tokens", _day(10), 0, kind="counter", id="a0"),
            rk.Sample("acme", a, "tokens", _day(11), 5, kind="counter", id="a1"),
        ]
        totals.add(rk.rate(records, plan, span=MARCH, meters=[counter]).total())
    assert totals == {Decimal(5)}
