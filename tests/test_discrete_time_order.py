"""A `Discrete` meter's deltas are taken in the order of their instants, whatever the names.

Within a billing cycle, usage and corrections are taken in the order of the records'
instants, on all of the account's resources of the meter, whatever the resources are
called (docs/pricing.md, The order they are taken in). Where a plan prices a meter by
two entries or more and its rows share an allowance or tiers on the account's total,
metering cuts the meter's rows at each delta's instant, so that a free tier goes to the
first deltas and tiers on the total climb in the deltas' order; the deltas of one
instant take the free units together, each in proportion to what it uses, as rows that
run at once do. Every amount is worked by hand; the law (renaming the resources never
changes a total) is checked against a brute oracle in ``fractions.Fraction``.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._line_exact import line_exact

MONTHS = rk.cycles.monthly(tz="UTC")
WEEKS = rk.cycles.weekly(tz="UTC")  # from Monday midnight: 2, 9, 16 March 2026
DAYS = rk.cycles.daily(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
TOKENS = rk.Meter("tokens", "token", rk.Discrete())
#: Each kind of resource's price a token.
PRICES = {"a": 1, "b": 10, "c": 5}
HOUR_US = 3_600_000_000


def _described(names: dict[str, str]) -> list[rk.Event]:
    """Each kind's resource (``names[kind]``) described on 1 March."""
    return [
        rk.Event(
            "acme", name, "2026-03-01T00:00:00Z", {"kind": kind}, kind="update", id=f"e-{kind}"
        )
        for kind, name in names.items()
    ]


def _used(
    names: dict[str, str],
    used: list[tuple[str, str, int]],
    windows: Iterable[tuple[str, int, int, int]] = (),
) -> list[rk.Event | rk.Sample]:
    """``(kind, instant, tokens)`` deltas of each kind's resource, described on 1 March,
    and ``(kind, hour, hours, tokens)`` deltas over the window of ``hours`` from ``hour``
    (of March, from its start)."""
    samples = [
        rk.Sample("acme", names[kind], "tokens", at, value, id=f"s{i}")
        for i, (kind, at, value) in enumerate(used)
    ]
    samples += [
        rk.Sample(
            "acme", names[kind], "tokens", _at(hour + hours), value, since=_at(hour), id=f"w{i}"
        )
        for i, (kind, hour, hours, value) in enumerate(windows)
    ]
    return [*_described(names), *samples]


def _entries(model: str = "per_unit") -> list[rk.PriceEntry]:
    def price(kind: str) -> rk.PriceModel:
        unit = PRICES[kind]
        if model == "graduated":  # full price to 1,000 tokens on the total, half past
            return rk.Graduated([rk.Tier(1000, unit), rk.Tier(None, str(Decimal(unit) / 2))])
        if model == "volume":  # all at full price to 1,000 on the total, all at half past
            return rk.Volume([rk.Tier(1000, unit), rk.Tier(None, str(Decimal(unit) / 2))])
        return rk.PerUnit(unit)

    return [rk.PriceEntry(kind, "tokens", price(kind), where={"kind": kind}) for kind in PRICES]


def _plan(*allowances: rk.Allowance, model: str = "per_unit") -> rk.Plan:
    return rk.Plan("p", "USD", MONTHS, _entries(model), allowances=allowances)


def _total(records: list[rk.Event | rk.Sample], plan: rk.Plan) -> Decimal:
    """The month's invoice total; 0 without one (no usage: no charge, so no invoice)."""
    invoices = rk.bill(rk.rate(records, plan, span=MARCH, meters=[TOKENS]))
    assert len(invoices) <= 1
    return invoices[0].total if invoices else Decimal(0)


def _namings() -> list[dict[str, str]]:
    """Every way of naming the three kinds' resources "r1", "r2", "r3"."""
    return [
        dict(zip(PRICES, names, strict=True))
        for names in itertools.permutations(["r1", "r2", "r3"])
    ]


def _totals(used: list[tuple[str, str, int]], plan: rk.Plan) -> set[Decimal]:
    return {_total(_used(names, used), plan) for names in _namings()}


def _closing(plan: rk.Plan, *steps: list[rk.Event | rk.Sample] | str) -> Decimal:
    """The stream's closing invoice total for March after ``steps``, in turn: records fed
    (a list), or a statement (an instant)."""
    rater = rk.Rater(plan, [TOKENS], start=MARCH.start)
    for step in steps:
        if isinstance(step, str):
            rater.statement(step)
        else:
            rater.feed(step)
    [closing] = rater.statement(MARCH.end).invoices
    return closing.total


# -- examples -------------------------------------------------------------------------------


def test_a_free_tier_goes_to_the_first_tokens_of_three_resources() -> None:
    # 1,000 free a month. b's 500 (3 March) free, c's 300 (4 March) free, a's 400 (5
    # March): the last 200 free, 200 billed x 1 = 200.00, whatever the resources' names.
    used = [
        ("a", "2026-03-05T00:00:00Z", 400),
        ("b", "2026-03-03T00:00:00Z", 500),
        ("c", "2026-03-04T00:00:00Z", 300),
    ]
    assert _totals(used, _plan(rk.Allowance("tokens", 1000))) == {Decimal("200.00")}


def test_corrections_interleaved_with_usage_of_three_resources() -> None:
    # 1,000 free a month. 2 March b +300 (free, 700 left); 3 March b -100 takes back 100
    # free (800 left); 4 March a +500 (free, 300 left); 5 March c +400: 300 free, 100
    # billed x 5 = 500; 6 March c -50 takes back 50 billed (-250); 7 March b +200 billed
    # x 10 = 2,000. 500 - 250 + 2,000 = 2,250.00, whatever the names.
    used = [
        ("b", "2026-03-02T00:00:00Z", 300),
        ("b", "2026-03-03T00:00:00Z", -100),
        ("a", "2026-03-04T00:00:00Z", 500),
        ("c", "2026-03-05T00:00:00Z", 400),
        ("c", "2026-03-06T00:00:00Z", -50),
        ("b", "2026-03-07T00:00:00Z", 200),
    ]
    assert _totals(used, _plan(rk.Allowance("tokens", 1000))) == {Decimal("2250.00")}


@pytest.mark.parametrize("period", [DAYS, WEEKS], ids=["daily", "weekly"])
def test_an_own_periods_free_units_go_to_its_first_tokens(period: rk.cycles.Cycle) -> None:
    # 100 free a day (or a week: 10 and 11 March are one week, 16 March the next). 10
    # March: c 80 at 09:00 free, b 60 at 18:00: 20 free, 40 billed x 10 = 400. Daily: 11
    # March b 90 at 08:00 free, a 30 at 20:00: 10 free, 20 billed x 1 = 20; 420.00.
    # Weekly: the week's 100 are gone by 10 March: 90 x 10 + 30 x 1 = 930, 1,330.00.
    used = [
        ("b", "2026-03-10T18:00:00Z", 60),
        ("c", "2026-03-10T09:00:00Z", 80),
        ("a", "2026-03-11T20:00:00Z", 30),
        ("b", "2026-03-11T08:00:00Z", 90),
    ]
    expected = Decimal("420.00") if period is DAYS else Decimal("1330.00")
    assert _totals(used, _plan(rk.Allowance("tokens", 100, cycle=period))) == {expected}


def test_tiers_on_the_total_climb_in_the_order_of_the_tokens() -> None:
    # Graduated on the account's total (full price to 1,000, half past). b's 600 (2
    # March) at 10 = 6,000; c's 600 (3 March): 400 at 5 + 200 at 2.5 = 2,500; a's 200 (4
    # March) at 0.5 = 100: 8,600.00, whatever the names.
    used = [
        ("a", "2026-03-04T00:00:00Z", 200),
        ("b", "2026-03-02T00:00:00Z", 600),
        ("c", "2026-03-03T00:00:00Z", 600),
    ]
    assert _totals(used, _plan(model="graduated")) == {Decimal("8600.00")}


def test_tiers_on_the_total_after_a_free_tier_with_a_correction() -> None:
    # 500 free, then graduated on the billable total. b +600 (2 March): 500 free, 100 at
    # 10 = 1,000; c +1,000 (3 March): 900 at 5 + 100 at 2.5 = 4,750; c -200 (4 March)
    # takes back its top 200 of the total, 100 at 2.5 and 100 at 5 (-750); a +300 (5
    # March): 100 at 1 + 200 at 0.5 = 200. 1,000 + 4,750 - 750 + 200 = 5,200.00.
    used = [
        ("b", "2026-03-02T00:00:00Z", 600),
        ("c", "2026-03-03T00:00:00Z", 1000),
        ("c", "2026-03-04T00:00:00Z", -200),
        ("a", "2026-03-05T00:00:00Z", 300),
    ]
    plan = _plan(rk.Allowance("tokens", 500), model="graduated")
    assert _totals(used, plan) == {Decimal("5200.00")}


def test_a_volume_price_on_the_total_bills_each_its_share() -> None:
    # Volume on the account's total: 1,600 tokens, past 1,000, all at half price: b's
    # 600 at 5 = 3,000, c's 600 at 2.5 = 1,500, a's 400 at 0.5 = 200; 4,700.00.
    used = [
        ("a", "2026-03-04T00:00:00Z", 400),
        ("b", "2026-03-02T00:00:00Z", 600),
        ("c", "2026-03-03T00:00:00Z", 600),
    ]
    assert _totals(used, _plan(model="volume")) == {Decimal("4700.00")}


def test_the_tokens_of_one_instant_share_the_free_tier_in_proportion() -> None:
    # 1,000 free; at one instant a 500, b 1,000, c 500: 2,000 wanted, each frees half of
    # its own. Billed: 250 x 1 + 500 x 10 + 250 x 5 = 6,500.00, whatever the names.
    at = "2026-03-02T00:00:00Z"
    used = [("a", at, 500), ("b", at, 1000), ("c", at, 500)]
    assert _totals(used, _plan(rk.Allowance("tokens", 1000))) == {Decimal("6500.00")}


def test_an_instant_after_earlier_usage_shares_what_is_left() -> None:
    # 1,000 free; a 700 on 2 March (free, 300 left); on 3 March b 300 and c 600 at once:
    # 900 wanted of 300, each a third free: b 200 x 10 + c 400 x 5 = 4,000.00.
    used = [
        ("a", "2026-03-02T00:00:00Z", 700),
        ("b", "2026-03-03T00:00:00Z", 300),
        ("c", "2026-03-03T00:00:00Z", 600),
    ]
    assert _totals(used, _plan(rk.Allowance("tokens", 1000))) == {Decimal("4000.00")}


def test_the_tokens_of_one_instant_climb_the_tiers_together() -> None:
    # Graduated on the total (full price to 1,000, half past); a 800, b 800 and c 400 at
    # one instant climb 0 to 2,000 together, each its share of every tier: 1,000 at full
    # price and 1,000 at half. a: 800/2,000 x (1,000 x 1 + 1,000 x 0.5) = 600; b: 0.4 x
    # (10,000 + 5,000) = 6,000; c: 0.2 x (5,000 + 2,500) = 1,500: 8,100.00, whatever the
    # names (taken in the order of the names: 5,800.00 to 8,500.00 for two of them).
    at = "2026-03-02T00:00:00Z"
    assert _totals([("a", at, 800), ("b", at, 800), ("c", at, 400)], _plan(model="graduated")) == {
        Decimal("8100.00")
    }


def test_an_instant_climbs_together_from_where_the_total_stands() -> None:
    # 200 free a month, graduated on the billable total. a 700 on 2 March: 200 free, 500
    # at 1 = 500. On 3 March b 500 and c 500 at once: 1,000 billable, climbing 500 to
    # 1,500: 500 at full price, 500 at half. b: 1/2 x (500 x 10 + 500 x 5) = 3,750; c: 1/2
    # x (500 x 5 + 500 x 2.5) = 1,875. 500 + 3,750 + 1,875 = 6,125.00.
    used = [
        ("a", "2026-03-02T00:00:00Z", 700),
        ("b", "2026-03-03T00:00:00Z", 500),
        ("c", "2026-03-03T00:00:00Z", 500),
    ]
    plan = _plan(rk.Allowance("tokens", 200), model="graduated")
    assert _totals(used, plan) == {Decimal("6125.00")}


def test_the_charges_of_one_instant_under_one_price_are_taken_in_turn() -> None:
    # Two resources of one kind at one instant (one price): taken in turn, as ever; 1,200
    # on the total: 1,000 x 10 + 200 x 5 = 11,000.00, the first resource's charge 800 x
    # 10 = 8,000, the second's 200 x 10 + 200 x 5 = 3,000.
    at = "2026-03-02T00:00:00Z"
    records = [
        *_described({"b": "r1"}),
        rk.Event("acme", "r2", "2026-03-01T00:00:00Z", {"kind": "b"}, kind="update", id="e2"),
        rk.Sample("acme", "r1", "tokens", at, 800, id="s1"),
        rk.Sample("acme", "r2", "tokens", at, 400, id="s2"),
    ]
    rating = rk.rate(records, _plan(model="graduated"), span=MARCH, meters=[TOKENS])
    assert [(c.resource, c.amount) for c in rating.charges] == [
        ("r1", Decimal(8000)),
        ("r2", Decimal(3000)),
    ]


def test_the_stream_shares_an_instant_as_batch_does() -> None:
    # A free tier of 1,000 and the three kinds at one instant (a 500, b 1,000, c 500):
    # each half free, 6,500.00 (as batch rating), fed before the instant's statement or
    # after it.
    at = "2026-03-02T00:00:00Z"
    used = [("a", at, 500), ("b", at, 1000), ("c", at, 500)]
    plan = _plan(rk.Allowance("tokens", 1000), model="graduated")
    for names in _namings():
        records = _used(names, used)
        fed = [records[:4], "2026-03-01T12:00:00Z", records[4:], "2026-03-03T00:00:00Z"]
        assert _closing(plan, *fed) == _total(records, plan)


def test_rows_priced_alike_are_not_cut_at_each_delta() -> None:
    # One entry: the rows' order changes no total, so metering keeps one row per piece.
    plan = rk.Plan(
        "one", "USD", MONTHS, [rk.PriceEntry("t", "tokens", rk.PerUnit(1))],
        allowances=[rk.Allowance("tokens", 10)],
    )  # fmt: skip
    records = [
        rk.Sample("acme", "r1", "tokens", f"2026-03-{day:02d}T00:00:00Z", 5, id=f"s{day}")
        for day in range(2, 12)
    ]
    rating = rk.rate(records, plan, span=MARCH, meters=[TOKENS])
    assert len(rating.charges) == 1
    # 50 tokens, 10 free: 40.00
    assert rk.bill(rating)[0].total == Decimal("40.00")


def test_rows_priced_apart_under_a_free_tier_are_cut_at_each_delta() -> None:
    # Two entries and a free tier: each delta's row of its own, at its instant.
    records = _used(
        {"a": "x", "b": "y"}, [("a", "2026-03-02T00:00:00Z", 5), ("a", "2026-03-03T00:00:00Z", 5)]
    )
    rating = rk.rate(records, _plan(rk.Allowance("tokens", 6)), span=MARCH, meters=[TOKENS])
    # 5 free, then 1 free and 4 billed x 1
    assert [(c.span.start.day, c.free, c.amount) for c in rating.charges] == [
        (2, Decimal(5), Decimal(0)),
        (3, Decimal(1), Decimal(4)),
    ]


def test_the_stream_takes_the_deltas_in_their_order_as_batch_does() -> None:
    # The three resources fed in two parts with a statement between: the closing says
    # what batch rating says (2,250.00), whatever the names.
    used = [
        ("b", "2026-03-02T00:00:00Z", 300),
        ("b", "2026-03-03T00:00:00Z", -100),
        ("a", "2026-03-04T00:00:00Z", 500),
        ("c", "2026-03-05T00:00:00Z", 400),
        ("c", "2026-03-06T00:00:00Z", -50),
        ("b", "2026-03-07T00:00:00Z", 200),
    ]
    plan = _plan(rk.Allowance("tokens", 1000))
    for names in _namings():
        records = _used(names, used)
        # fed out of order: the 5 March delta before the statement of the 4th noon
        early = [*records[:3], records[3], records[4], records[6]]
        rest = [r for r in records if r not in early]
        assert _closing(plan, early, "2026-03-05T12:00:00Z", rest) == Decimal("2250.00")


# -- the law --------------------------------------------------------------------------------

#: (kind, hour of March from its start, tokens): coarse hours, so that instants tie.
_DELTA = st.tuples(st.sampled_from(sorted(PRICES)), st.integers(24, 24 * 6), st.integers(-5, 30))


#: A delta over a window: (kind, hour of March it starts at, hours, tokens an hour). The
#: tokens an hour are a multiple of 9, so that each microsecond's share ends within a
#: few digits (9 / 3.6E9 = 2.5E-9) and a row's quantity is exact.
_WINDOW = st.tuples(
    st.sampled_from(sorted(PRICES)), st.integers(24, 24 * 6), st.integers(1, 30), st.integers(0, 3)
).map(lambda w: (w[0], w[1], w[2], 9 * w[3] * w[2]))


#: A window of usage or of a correction (its tokens below zero).
_SIGNED_WINDOW = st.tuples(_WINDOW, st.booleans()).map(
    lambda drawn: (*drawn[0][:3], -drawn[0][3] if drawn[1] else drawn[0][3])
)


def _at(hour: int) -> str:
    return rk.Span.from_us(
        MARCH.start_us + hour * HOUR_US, MARCH.start_us + hour * HOUR_US
    ).start.isoformat()


def shared_free(
    wanted_by_hour: Iterable[tuple[int, dict[str, Fraction]]], free: int, daily: bool
) -> dict[str, Fraction]:
    """Per kind, its exact amount: hour by hour (in order), what each kind wants that hour
    sharing what is left of the month's (or the day's) free units in proportion."""
    amounts = {kind: Fraction(0) for kind in PRICES}
    pool, day = Fraction(free), None
    for hour, wanted in wanted_by_hour:
        if daily and hour // 24 != day:
            pool, day = Fraction(free), hour // 24
        total = sum(wanted.values(), Fraction(0))
        if not total:
            continue
        given = min(pool, total)
        pool -= given
        for kind, value in wanted.items():
            amounts[kind] += value * (1 - given / total) * PRICES[kind]
    return amounts


def _oracle(
    deltas: list[tuple[str, int, int]],
    free: int,
    daily: bool,
    windows: list[tuple[str, int, int, int]] = (),  # type: ignore[assignment]
) -> dict[str, Fraction]:
    """Per kind, its exact amount: usage only, each instant's shared in proportion, and
    each window used evenly over its hours, the windows of an hour sharing what is left in
    proportion: at an hour with deltas, the instant's deltas and the windows' share of its
    first microsecond together, then the windows' rest of the hour."""
    hours = sorted(
        {h for _, h, _ in deltas} | {h for _, lo, n, _ in windows for h in range(lo, lo + n)}
    )

    def wanted(hour: int) -> Iterable[tuple[int, dict[str, Fraction]]]:
        running = [
            (kind, Fraction(value, n * HOUR_US))
            for kind, lo, n, value in windows
            if lo <= hour < lo + n
        ]
        instants = [(kind, Fraction(value)) for kind, h, value in deltas if h == hour]
        if instants:  # the instant's microsecond, then the rest of the hour
            yield hour, _wanted([*instants, *running])
            yield hour, _wanted((kind, rate * (HOUR_US - 1)) for kind, rate in running)
        else:
            yield hour, _wanted((kind, rate * HOUR_US) for kind, rate in running)

    return shared_free((step for hour in hours for step in wanted(hour)), free, daily)


def _wanted(uses: Iterable[tuple[str, int | Fraction]]) -> dict[str, Fraction]:
    """What each kind wants: the sum of its uses."""
    wanted = {kind: Fraction(0) for kind in PRICES}
    for kind, value in uses:
        wanted[kind] += value
    return wanted


def _by_kind(
    deltas: list[tuple[str, int, int]],
    names: dict[str, str],
    plan: rk.Plan,
    windows: list[tuple[str, int, int, int]] = (),  # type: ignore[assignment]
) -> dict[str, Fraction]:
    used = [(kind, _at(hour), value) for kind, hour, value in deltas]
    charges: dict[str, list[rk.Charge]] = {kind: [] for kind in PRICES}
    kinds = {name: kind for kind, name in names.items()}
    records = _used(names, used, windows)
    for charge in rk.rate(records, plan, span=MARCH, meters=[TOKENS]).charges:
        charges[kinds[charge.resource]].append(charge)
    return {
        kind: Fraction(line_exact(mine)) if mine else Fraction(0) for kind, mine in charges.items()
    }


@pytest.mark.property
@settings(max_examples=max(LAWS // 2, 20), deadline=None)
@given(
    deltas=st.lists(_DELTA.map(lambda d: (d[0], d[1], abs(d[2]))), min_size=1, max_size=10),
    windows=st.lists(_WINDOW, max_size=4),
    free=st.integers(0, 120),
    daily=st.booleans(),
    naming=st.permutations(["r1", "r2", "r3"]),
)
def test_a_free_tier_goes_to_the_deltas_in_their_order_against_the_oracle(
    deltas: list[tuple[str, int, int]],
    windows: list[tuple[str, int, int, int]],
    free: int,
    daily: bool,
    naming: list[str],
) -> None:
    # Law: usage of three resources priced apart (1, 10, 5 a token), at random hours of
    # 2 to 7 March (ties among them) and over windows of whole hours (overlapping, or
    # not), under a month's or a day's free tokens: each kind's exact amount is the
    # oracle's (time order, an instant's usage and the windows running then sharing what
    # is left in proportion, each window used evenly), however the resources are named.
    allowance = rk.Allowance("tokens", free, cycle=DAYS if daily else None)
    names = dict(zip(PRICES, naming, strict=True))
    assert _by_kind(deltas, names, _plan(allowance), windows) == _oracle(
        deltas, free, daily, windows
    )


def _corrections_apart(deltas: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """``deltas`` but the corrections stamped at an hour with other deltas.

    The corrections of one instant under several prices come back down the tiers in
    the order of their resources' ids (docs/pricing.md, An instant's net).
    """
    hours = [hour for _, hour, _ in deltas]
    return [d for d in deltas if d[2] >= 0 or hours.count(d[1]) == 1]


@pytest.mark.property
@settings(max_examples=max(LAWS // 2, 20), deadline=None)
@given(
    deltas=st.lists(_DELTA, min_size=1, max_size=10).map(_corrections_apart),
    windows=st.lists(_SIGNED_WINDOW, max_size=4),
    free=st.integers(0, 120),
    model=st.sampled_from(["per_unit", "graduated", "volume"]),
    daily=st.booleans(),
    naming=st.permutations(["r1", "r2", "r3"]),
)
def test_renaming_the_resources_never_changes_a_total(  # noqa: PLR0917 - the law's draws
    deltas: list[tuple[str, int, int]],
    windows: list[tuple[str, int, int, int]],
    free: int,
    model: str,
    daily: bool,
    naming: list[str],
) -> None:
    # Law: usage and corrections of three resources priced apart, at random hours (the
    # usage of one instant climbing together) and over windows of whole hours (usage or
    # corrections; the usage of one span climbing together), under a free tier and tiers (or a volume price) on
    # the account's total: the invoice's total is the same under any naming of the
    # resources.
    used = [(kind, _at(hour), value) for kind, hour, value in deltas]
    plan = _plan(rk.Allowance("tokens", free, cycle=DAYS if daily else None), model=model)
    renamed = dict(zip(PRICES, naming, strict=True))
    assert _total(_used(renamed, used, windows), plan) == _total(
        _used({kind: kind for kind in PRICES}, used, windows), plan
    )
