"""A counter's rises are taken in the order of their time, whatever the resources are called.

A `Counter`'s rise is spread evenly over the time between two readings (docs/usage.md,
Counters and gauges). Where a plan prices the meter apart (two entries or more, told
apart by the resources' descriptions) under an allowance or tiers on the total, metering
cuts each resource's rows at each of its readings, one rise a row (docs/pricing.md, The order they are taken in): a free tier goes
to the first rises, rises that run at once take the free units together, each in
proportion to what it uses as it uses it, and rises over one span climb tiers together;
a tier takes a rise whole at its start (the known limit of rows that run at once). Rows
priced alike are not cut so. Batch and stream alike, across a restore and late
readings. Amounts are worked by hand; the laws are checked against an oracle in
``fractions.Fraction`` that takes the rises hour by hour.
"""

from __future__ import annotations

import itertools
import json
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS
from tests.test_discrete_time_order import (
    DAYS,
    HOUR_US,
    MARCH,
    MONTHS,
    PRICES,
    _wanted,
    shared_free,
)
from tests.test_time_order_meter_kinds import _day, _plan

import ratekit as rk
from ratekit._line_exact import line_exact

COUNTER = rk.Meter("tokens", "token", rk.Counter())

#: (price kind, instant, counter reading)
Reading = tuple[str, str, int]


def _records(
    names: dict[str, str], readings: list[Reading], kind: str = "counter"
) -> list[rk.Event | rk.Sample]:
    """Each price kind's resource (``names[kind]``) started on 1 March, and its readings."""
    records: list[rk.Event | rk.Sample] = [
        rk.Event("acme", name, _day(1), {"kind": price}, kind="start", id=f"e-{price}")
        for price, name in names.items()
    ]
    records += [
        rk.Sample("acme", names[price], "tokens", at, value, kind=kind, id=f"{price}{i}")
        for i, (price, at, value) in enumerate(readings)
    ]
    return records


def _namings() -> list[dict[str, str]]:
    return [
        dict(zip(PRICES, names, strict=True))
        for names in itertools.permutations(["r1", "r2", "r3"])
    ]


def _rated(
    records: list[rk.Event | rk.Sample], plans: object, meter: rk.Meter = COUNTER
) -> rk.Rating:
    return rk.rate(records, plans, span=MARCH, meters=[meter])


def _totals(readings: list[Reading], plan: rk.Plan) -> set[Decimal]:
    return {_rated(_records(names, readings), plan).total() for names in _namings()}


def _streamed(
    records: list[rk.Event | rk.Sample], plans: object, seed: int, meter: rk.Meter = COUNTER
) -> Fraction:
    """The month's lines streamed: shuffled, fed in two parts, restored from JSON between.

    The records of the second part stamped before the first statement's instant (4
    March, noon) come late.
    """
    order = random.Random(seed)
    shuffled = list(records)
    order.shuffle(shuffled)
    half = order.randint(0, len(shuffled))
    rater = rk.Rater(plans, [meter], start=MARCH.start)
    rater.feed(shuffled[:half])
    lines = list(rater.statement("2026-03-04T12:00:00Z").lines)
    rater = rk.Rater.restore(json.loads(json.dumps(rater.snapshot())), plans, [meter])
    rater.feed(shuffled)  # the first part again: duplicates
    lines += rater.statement(MARCH.end).lines
    return sum((Fraction(line.amount) for line in lines), Fraction(0))


def _free(tokens: int, daily: bool = False) -> rk.Plan:
    return _plan(rk.Allowance("tokens", tokens, cycle=DAYS if daily else None))


# -- examples -------------------------------------------------------------------------------

#: b's rise of 5 on 2 March, c's of 3 on 4 March, a's of 4 on 5 March.
IN_TURN: list[Reading] = [
    ("a", _day(5), 0),
    ("a", _day(6), 4),
    ("b", _day(2), 0),
    ("b", _day(3), 5),
    ("c", _day(4), 0),
    ("c", _day(5), 3),
]

#: a rises 2 a day from 1 to 10 March; b rises 6 on 2 March, beside a.
AT_ONCE: list[Reading] = [
    ("a", _day(1), 0),
    ("a", _day(10), 18),
    ("b", _day(2), 0),
    ("b", _day(3), 6),
]

#: c reads 8 on 3 March, 3 on 4 March (a reset: 3 over 3 March), 5 on 5 March; a rises 3
#: on 3 March, beside c's reset; b rises 1 on 5 March.
RESET: list[Reading] = [
    ("c", _day(2), 0),
    ("c", _day(3), 8),
    ("c", _day(4), 3),
    ("c", _day(5), 5),
    ("a", _day(3), 0),
    ("a", _day(4), 3),
    ("b", _day(5), 0),
    ("b", _day(6), 1),
]


def test_a_free_tier_goes_to_the_first_rises_of_three_resources() -> None:
    # 10 free a month. b's 5 (2 March) free, c's 3 (4 March) free, a's 4 (5 March): 2
    # free, 2 billed x 1 = 2.00, whatever the resources' names.
    assert _totals(IN_TURN, _free(10)) == {Decimal("2.00")}


def test_rises_that_run_at_once_share_the_free_tier_as_they_use_it() -> None:
    # 6 free a month. 1 March: a's 2 free (4 left). 2 March: a's 2 and b's 6 run at once,
    # 8 wanted of 4 as they use them: half of each free, a 1 x 1 + b 3 x 10 = 31. 3 to 10
    # March: a's 14 x 1 = 14. 31 + 14 = 45.00, whatever the names.
    assert _totals(AT_ONCE, _free(6)) == {Decimal("45.00")}


def test_a_reset_between_readings_is_a_rise_taken_in_its_time() -> None:
    # 10 free a month. 2 March: c's 8 free (2 left). 3 March: c's reset (3 from zero)
    # and a's 3 run at once, 6 wanted of 2: a third of each free, c 2 x 5 + a 2 x 1 =
    # 12. 4 March: c's 2 x 5 = 10. 5 March: b's 1 x 10 = 10. 12 + 10 + 10 = 32.00.
    assert _totals(RESET, _free(10)) == {Decimal("32.00")}
    rating = _rated(_records(_namings()[0], RESET), _free(10))
    assert [a.kind for a in rating.anomalies] == ["counter_reset"]


def test_a_daily_allowance_goes_to_each_days_first_rises() -> None:
    # 2 free a day. a rises 4 from noon of 2 March to noon of 3 March (2 in each day); b
    # rises 2 over the morning of 3 March; c 1 over its afternoon. 2 March: a's 2 free.
    # 3 March: a's 2 and b's 2 run at once in the morning, 4 wanted of 2: half free, a 1
    # x 1 + b 1 x 10 = 11; the afternoon's c 1 x 5 = 5 (the day's 2 taken). 16.00.
    readings = [
        ("a", _day(2, 12), 0),
        ("a", _day(3, 12), 4),
        ("b", _day(3), 0),
        ("b", _day(3, 12), 2),
        ("c", _day(3, 12), 0),
        ("c", _day(4), 1),
    ]
    assert _totals(readings, _free(2, daily=True)) == {Decimal("16.00")}


@pytest.mark.parametrize(
    ("readings", "expected"),
    [
        # Graduated on the account's total (full price to 10, half past). b's 6 (2 March)
        # at 10 = 60; c's 6 (3 March): 4 at 5 + 2 at 2.5 = 25; a's 2 (4 March) at 0.5 =
        # 1: 86.00.
        (
            [
                ("a", _day(4), 0),
                ("a", _day(5), 2),
                ("b", _day(2), 0),
                ("b", _day(3), 6),
                ("c", _day(3), 0),
                ("c", _day(4), 6),
            ],
            "86.00",
        ),
        # a's 6 and b's 6 over 2 March climb together, 12 from zero: a half of a's 10 x 1
        # + 2 x 0.5 = 5.5, b half of 100 + 2 x 5 = 55; c's 4 (3 March) at 2.5 = 10: 70.50.
        (
            [
                ("a", _day(2), 0),
                ("a", _day(3), 6),
                ("b", _day(2), 0),
                ("b", _day(3), 6),
                ("c", _day(3), 0),
                ("c", _day(4), 4),
            ],
            "70.50",
        ),
        # A tier takes a rise whole at its start (the known limit of rows that run at
        # once): a's 9 from 1 March at 1 = 9; b's 5 (2 March) from 9: 1 at 10 + 4 at 5 =
        # 30: 39.00.
        ([("a", _day(1), 0), ("a", _day(10), 9), ("b", _day(2), 0), ("b", _day(3), 5)], "39.00"),
    ],
    ids=["in-turn", "one-span", "whole-at-its-start"],
)
def test_tiers_on_the_total_climb_in_the_order_of_the_rises(
    readings: list[Reading], expected: str
) -> None:
    assert _totals(readings, _plan(model="graduated")) == {Decimal(expected)}


def test_a_counter_from_zero_across_a_reboot_takes_its_rises_in_their_time() -> None:
    # Counter(from_zero=True), 6 free a month. a reads 4 on 2 March (4 over 1 March from
    # its start), stops at noon, starts again on 3 March and reads 2 at noon (from 0 at
    # the start); b reads 8 on 2 March (8 over 1 March). 1 March: a's 4 and b's 8 run at
    # once, 12 wanted of 6: half free, a 2 x 1 + b 4 x 10 = 42; 3 March: a's 2 x 1 = 2:
    # 44, whatever the names, in batch and streamed.
    meter = rk.Meter("tokens", "token", rk.Counter(from_zero=True))
    for names in _namings()[:3]:
        a, b = names["a"], names["b"]
        records = [
            rk.Event("acme", a, _day(1), {"kind": "a"}, kind="start", id="ea"),
            rk.Event("acme", b, _day(1), {"kind": "b"}, kind="start", id="eb"),
            rk.Sample("acme", a, "tokens", _day(2), 4, kind="counter", id="a1"),
            rk.Sample("acme", b, "tokens", _day(2), 8, kind="counter", id="b1"),
            rk.Event("acme", a, _day(2, 12), {}, kind="stop", id="ea-stop"),
            rk.Event("acme", a, _day(3), {"kind": "a"}, kind="start", id="ea-again"),
            rk.Sample("acme", a, "tokens", _day(3, 12), 2, kind="counter", id="a2"),
        ]
        assert _rated(records, _free(6), meter).total() == Decimal("44.00")
        for seed in range(3):
            assert _streamed(records, _free(6), seed, meter) == 44


@pytest.mark.parametrize(
    ("readings", "plan", "expected"),
    [(AT_ONCE, _free(6), 45), (RESET, _free(10), 32), (IN_TURN, _free(10), 2)],
    ids=["at-once", "reset", "in-turn"],
)
def test_the_stream_with_late_readings_and_a_restore_takes_the_rises_as_batch_does(
    readings: list[Reading], plan: rk.Plan, expected: int
) -> None:
    # The examples above, shuffled, fed in two parts with a statement on 4 March and a
    # restore between (the readings before it fed after it come late).
    for names in _namings()[:3]:
        records = _records(names, readings)
        for seed in range(4):
            assert _streamed(records, plan, seed) == expected


def test_rows_priced_alike_stay_one_per_piece() -> None:
    # One price under an allowance: the order of the rows changes no total, so metering
    # does not cut them at the readings (one charge a resource for the month); priced
    # apart by their descriptions, one a rise (two each).
    readings = [(p, _day(d), 3 * d) for p in ("a", "b") for d in (2, 3, 4)]
    alike = rk.Plan(
        "p",
        "USD",
        MONTHS,
        [rk.PriceEntry("t", "tokens", rk.PerUnit(1))],
        allowances=[rk.Allowance("tokens", 4)],
    )
    # two entries told apart by their windows alone (a price change on 10 March) price
    # the rows of one instant alike too
    changed = rk.Plan(
        "p",
        "USD",
        MONTHS,
        [
            rk.PriceEntry("t", "tokens", rk.PerUnit(1)),
            rk.PriceEntry("t-10", "tokens", rk.PerUnit(2), start=_day(10), priority=1),
        ],
        allowances=[rk.Allowance("tokens", 4)],
    )
    names = _namings()[0]
    assert len(_rated(_records(names, readings), alike).charges) == 2
    assert len(_rated(_records(names, readings), changed).charges) == 2
    assert len(_rated(_records(names, readings), _free(4)).charges) == 4
    # a rise of 3 and one of 3 for each: 12 tokens, 4 free, 8 x 1 = 8.00
    assert _rated(_records(names, readings), alike).total() == Decimal(8)


# -- peaks priced apart ---------------------------------------------------------------------


def _peaks(policy: rk.SamplePolicy, plan: rk.Plan) -> set[Decimal]:
    # a's peak 6 (2 March), b's 6 (10 March), c's 4 (20 March)
    readings = [("a", _day(2), 6), ("b", _day(10), 6), ("c", _day(20), 4)]
    meter = rk.Meter("tokens", "token", policy)
    return {
        _rated(_records(names, readings, kind="gauge"), plan, meter).total() for names in _namings()
    }


@pytest.mark.parametrize("policy", [rk.Max(), rk.Latest()], ids=repr)
def test_peaks_priced_apart_climb_tiers_on_the_total_together(policy: rk.SamplePolicy) -> None:
    # The month's peaks (16 in all) climb the tiers together, each its share of its own
    # price over 16: a 6/16 x (10 + 6 x 0.5) = 4.875, b 6/16 x (100 + 30) = 48.75, c
    # 4/16 x (50 + 15) = 16.25: 69.875, whatever the names.
    assert _peaks(policy, _plan(model="graduated")) == {Decimal("69.875")}


@pytest.mark.parametrize("policy", [rk.Max(), rk.Latest()], ids=repr)
def test_peaks_priced_apart_share_an_allowance_whatever_the_names(
    policy: rk.SamplePolicy,
) -> None:
    # 8 free of the month's 16 peak tokens, taken together in proportion: half of each,
    # a 3 x 1 + b 3 x 10 + c 2 x 5 = 43, whatever the names.
    assert _peaks(policy, _free(8)) == {Decimal(43)}


@pytest.mark.parametrize("policy", [rk.Max(), rk.Latest()], ids=repr)
def test_peaks_priced_apart_share_a_daily_allowance_in_batch_and_streamed(
    policy: rk.SamplePolicy,
) -> None:
    # 2 free a day. Peaks of 62 (a), 62 (b) and 31 (c), each a share of the month cut at
    # the days: 2, 2 and 1 a day, 5 wanted of 2: two fifths of each free. A day: a 6/5
    # x 1 + b 6/5 x 10 + c 3/5 x 5 = 16.2; 31 days: 502.2, whatever the names, in batch
    # and streamed (the order of the names would give a its 2 free a day: 775).
    readings = [("a", _day(2), 62), ("b", _day(10), 62), ("c", _day(20), 31)]
    meter = rk.Meter("tokens", "token", policy)
    for names in _namings():
        records = _records(names, readings, kind="gauge")
        assert _rated(records, _free(2, daily=True), meter).total() == Decimal("502.2")
        for seed in range(2):
            assert _streamed(records, _free(2, daily=True), seed, meter) == Fraction("502.2")


# -- the laws -------------------------------------------------------------------------------

#: A rise: (hours since the reading before, tokens an hour, whether the counter reset).
_RISE = st.tuples(st.integers(1, 30), st.integers(0, 3), st.booleans())
#: A resource's readings: (hour of its first, its value, its rises).
_RUN = st.tuples(st.integers(24, 96), st.integers(0, 5), st.lists(_RISE, min_size=1, max_size=3))


def _readings(
    runs: dict[str, tuple[int, int, list[tuple[int, int, bool]]]],
) -> tuple[list[tuple[str, int, int]], list[tuple[str, int, int, int]]]:
    """Each kind's readings ``(kind, hour, value)`` and rises ``(kind, from, to, an hour)``.

    A rise of ``rate`` an hour over ``hours``: the reading before plus that, or, where
    the counter resets, that from zero (when it reads below the reading before).
    """
    readings, rises = [], []
    for kind, (first, read, steps) in runs.items():
        hour, value = first, read
        readings.append((kind, hour, value))
        for hours, rate, reset in steps:
            rise = rate * hours
            value = rise if reset and rise < value else value + rise
            rises.append((kind, hour, hour + hours, rate))
            hour += hours
            readings.append((kind, hour, value))
    return readings, rises


def _at(hour: int) -> str:
    return rk.Span.from_us(
        MARCH.start_us + hour * HOUR_US, MARCH.start_us + hour * HOUR_US
    ).start.isoformat()


def _free_oracle(
    rises: list[tuple[str, int, int, int]], free: int, daily: bool
) -> dict[str, Fraction]:
    """Per kind, its exact amount: hour by hour, the rises of an hour sharing what is left."""
    return shared_free(
        (
            (hour, _wanted((kind, rate) for kind, lo, hi, rate in rises if lo <= hour < hi))
            for hour in range(24, 24 * 8)
        ),
        free,
        daily,
    )


def _graduated(unit: int, q: Fraction) -> Fraction:
    """The amount of ``q`` tokens on the total: ``unit`` each to 10, half past."""
    return unit * min(q, Fraction(10)) + Fraction(unit, 2) * max(q - 10, Fraction(0))


def _tier_oracle(rises: list[tuple[str, int, int, int]]) -> Fraction:
    """The total under tiers on the account's total: each rise whole, in the order of its
    span (start, then end); the rises of one span climbing together, each its share."""
    total, position = Fraction(0), Fraction(0)
    spans = sorted({(lo, hi) for _, lo, hi, rate in rises if rate})
    for lo, hi in spans:
        used = {
            kind: Fraction(rate * (hi - lo)) for kind, a, b, rate in rises if (a, b) == (lo, hi)
        }
        together = sum(used.values(), Fraction(0))
        for kind, value in used.items():
            unit = PRICES[kind]
            climb = _graduated(unit, position + together) - _graduated(unit, position)
            total += value / together * climb
        position += together
    return total


def _per_kind(rating: rk.Rating, names: dict[str, str]) -> dict[str, Fraction]:
    kinds = {name: kind for kind, name in names.items()}
    charges: dict[str, list[rk.Charge]] = {kind: [] for kind in PRICES}
    for charge in rating.charges:
        charges[kinds[charge.resource]].append(charge)
    return {
        kind: Fraction(line_exact(mine)) if mine else Fraction(0) for kind, mine in charges.items()
    }


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    runs=st.fixed_dictionaries(dict.fromkeys(PRICES, _RUN)),
    free=st.integers(0, 40),
    daily=st.booleans(),
    model=st.sampled_from(["per_unit", "graduated"]),
    naming=st.permutations(["r1", "r2", "r3"]),
)
def test_renaming_the_resources_of_a_counter_never_changes_a_total(
    runs: dict[str, tuple[int, int, list[tuple[int, int, bool]]]],
    free: int,
    daily: bool,
    model: str,
    naming: list[str],
) -> None:
    # Law: the rises of three counters priced apart (1, 10, 5 a token), at random hours
    # of 2 to 8 March (running at once or not, over one span or not, with resets), under
    # a month's or a day's free tokens and per-unit prices or tiers on the account's
    # total: the total is the same under any naming of the resources. Per unit, each
    # kind's exact amount is the oracle's (hour by hour, each hour's rises sharing what
    # is left in proportion); under tiers and no free token, the total is the oracle's
    # (each rise whole, in the order of its span; those of one span together).
    readings, rises = _readings(runs)
    used = [(kind, _at(hour), value) for kind, hour, value in readings]
    plan = _plan(rk.Allowance("tokens", free, cycle=DAYS if daily else None), model=model)
    names = dict(zip(PRICES, naming, strict=True))
    rating = _rated(_records(names, used), plan)
    plain = _rated(_records({kind: kind for kind in PRICES}, used), plan)
    assert rating.total() == plain.total()
    if model == "per_unit":
        assert _per_kind(rating, names) == _free_oracle(rises, free, daily)
    elif not free:
        assert abs(Fraction(rating.total()) - _tier_oracle(rises)) < Fraction(1, 10**40)


@pytest.mark.property
@settings(max_examples=max(LAWS // 5, 5), deadline=None)
@given(
    runs=st.fixed_dictionaries(dict.fromkeys(PRICES, _RUN)),
    free=st.integers(0, 40),
    seed=st.integers(0, 2**16),
)
def test_a_counter_streamed_with_a_restore_rates_as_batch(
    runs: dict[str, tuple[int, int, list[tuple[int, int, bool]]]], free: int, seed: int
) -> None:
    # Law: the same counters' rises under a month's free tokens, shuffled, fed in two
    # parts with a statement and a restore between (late readings among them), bill as
    # one batch rate, to the last digit.
    readings, _ = _readings(runs)
    used = [(kind, _at(hour), value) for kind, hour, value in readings]
    records = _records(_namings()[seed % 6], used)
    assert _streamed(records, _free(free), seed) == Fraction(_rated(records, _free(free)).total())


#: A gauge's readings: (day of March, value), on distinct days.
_GAUGE = st.lists(
    st.tuples(st.integers(2, 28), st.integers(0, 20)),
    min_size=1,
    max_size=3,
    unique_by=lambda reading: reading[0],
)


def _peak_oracle(values: dict[str, int], free: int, daily: bool) -> dict[str, Fraction]:
    """Per kind, its exact amount: the month's (or each day's) peaks sharing the free
    tokens in proportion to their quantities."""
    total = Fraction(sum(values.values()))
    if daily:  # each day holds a 31st of each peak, and its own free tokens
        total /= 31
    given = min(Fraction(free), total)
    return {
        kind: value * (1 - given / total) * PRICES[kind] if total else Fraction(0)
        for kind, value in values.items()
    }


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None)
@given(
    gauges=st.fixed_dictionaries(dict.fromkeys(PRICES, _GAUGE)),
    latest=st.booleans(),
    free=st.integers(0, 60),
    daily=st.booleans(),
    naming=st.permutations(["r1", "r2", "r3"]),
)
def test_renaming_the_resources_of_a_peak_never_changes_a_total(
    gauges: dict[str, list[tuple[int, int]]],
    latest: bool,
    free: int,
    daily: bool,
    naming: list[str],
) -> None:
    # Law: three resources' peaks (`Max` or `Latest` of a month's readings) priced apart
    # (1, 10, 5 a token) under a month's or a day's free tokens: each kind's exact amount
    # is the oracle's (the peaks, or each day's share of them, take the free tokens
    # together in proportion), under any naming of the resources.
    meter = rk.Meter("tokens", "token", rk.Latest() if latest else rk.Max())
    values = {
        kind: max(readings)[1] if latest else max(value for _, value in readings)
        for kind, readings in gauges.items()
    }
    used = [
        (kind, _day(day), value) for kind, readings in gauges.items() for day, value in readings
    ]
    names = dict(zip(PRICES, naming, strict=True))
    rating = _rated(_records(names, used, kind="gauge"), _free(free, daily), meter)
    assert _per_kind(rating, names) == _peak_oracle(values, free, daily)


def test_peaks_under_a_daily_allowance_cost_their_exact_shares() -> None:
    # Peaks of 0, 13 and 20 (1, 10 and 5 a token) on 2 March, `Max`, 1 free token a day:
    # each day holds 33/31 tokens of peaks and frees 1, so each peak keeps 1 - 31/33 =
    # 2/33 of itself: b 13 x 2/33 x 10 = 260/33, c 20 x 2/33 x 5 = 200/33, a 0.
    meter = rk.Meter("tokens", "token", rk.Max())
    gauges = {"a": [(2, 0)], "b": [(2, 13)], "c": [(2, 20)]}
    names = dict(zip(PRICES, ["r1", "r2", "r3"], strict=True))
    used = [
        (kind, _day(day), value) for kind, readings in gauges.items() for day, value in readings
    ]
    rating = _rated(_records(names, used, kind="gauge"), _free(1, True), meter)
    assert _per_kind(rating, names) == {
        "a": Fraction(0),
        "b": Fraction(260, 33),
        "c": Fraction(200, 33),
    }
