"""Laws of kWh counters billed monthly in Paris, against a brute-force ``Fraction`` oracle.

Random readings of a few sites (one site name under two accounts), every 15 minutes or
with gaps, from 27 March (before the clocks go forward on the 29th) to 5 April, with
resets (a new meter from a low value), tiny drops (noise, a reset by the documented
rule), readings that repeat the last value, and several readings at one instant. The
plan is ``_energy_sites.energy_only()``: tiers per month and a price change on 16 March
(so March's readings here are all under the new tiers, placed on the old tiers' kWh).

1. Batch ``rate()`` bills each (account, month, entry) what the oracle of the documented
   counter rule and tiers says, to 1E-22 (quantities are metered at 1E-24 kWh).
2. The stream, the records shuffled, replayed and cut into random batches, with random
   watermarks and snapshot/restore through JSON, gives lines that add up per (account,
   month, entry) to batch ``rate()`` as of its last watermark, to the last digit.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests import _energy_sites as e
from tests._budget import FLOOR, LAWS

import ratekit as rk

START_US = rk.Span("2026-03-27T00:00:00Z", "2026-03-27T00:00:00Z").start_us
SLOTS = 96 * 9  # quarter hours to 5 April
PLAN = e.energy_only()
SITES = (("hh-1", "meter-A"), ("hh-1", "meter-B"), ("hh-2", "meter-A"))

Reading = tuple[str, str, int, Decimal]  # account, site, quarter-hour slot, value


@st.composite
def readings(draw: st.DrawFn) -> list[Reading]:
    out: list[Reading] = []
    for account, site in draw(
        st.lists(st.sampled_from(SITES), min_size=1, max_size=3, unique=True)
    ):
        value = Decimal(draw(st.integers(0, 10**6))) / 10
        slot = draw(st.integers(0, SLOTS // 2))
        for _ in range(draw(st.integers(1, 12))):
            slot += draw(st.sampled_from([0, 1, 1, 1, 4, 96, 300]))  # 0: the same instant
            if slot >= SLOTS:
                break
            step = draw(
                st.one_of(
                    st.integers(0, 20_000).map(lambda n: Decimal(n) / 100),  # a rise
                    st.just(Decimal("-0.1")),  # noise: a reset by the rule
                    st.just(None),  # a new meter from a low value: a reset
                )
            )
            if step is None:
                value = Decimal(draw(st.integers(0, 500))) / 10
            else:
                value = max(Decimal(0), value + step)
            out.append((account, site, slot, value))
    return out


def samples(drawn: list[Reading]) -> list[rk.Sample]:
    return [
        e.reading(
            account, site, e.at_us(START_US + slot * e.QUARTER_US), value, f"{account}/{site}/{n}"
        )
        for n, (account, site, slot, value) in enumerate(drawn)
    ]


def oracle(drawn: list[Reading], as_of_us: int) -> dict[tuple[str, int, str], Fraction]:
    # A tie at one instant goes by value, then id: the tie-breaker is the record's id
    # (unique values at one instant never need it).
    return e.oracle(
        [
            (
                account,
                site,
                START_US + slot * e.QUARTER_US,
                Fraction(value),
                f"{account}/{site}/{n}",
            )
            for n, (account, site, slot, value) in enumerate(drawn)
        ],
        as_of_us,
    )


def batch(records: list[rk.Sample], as_of_us: int) -> rk.Rating:
    span = rk.Span(e.MARCH.start, e.MAY.end)
    return rk.rate(records, PLAN, span=span, meters=e.HOUSEHOLD_METERS, as_of=e.at_us(as_of_us))


@pytest.mark.property
@settings(max_examples=LAWS, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=readings(), as_of=st.integers(0, SLOTS + 96))
def test_batch_is_the_oracle_of_the_counter_rule_and_the_tiers(
    drawn: list[Reading], as_of: int
) -> None:
    as_of_us = START_US + as_of * e.QUARTER_US + 1
    got = e.charge_sums(batch(samples(drawn), as_of_us).charges)
    expected = oracle(drawn, as_of_us)
    assert set(got) <= set(expected) | {
        key for key, amount in got.items() if abs(amount) < Fraction(1, 10**22)
    }
    for key in set(got) | set(expected):
        assert abs(got.get(key, Fraction(0)) - expected.get(key, Fraction(0))) < Fraction(
            1, 10**22
        ), key


@pytest.mark.property
@settings(
    max_examples=max(LAWS // 4, FLOOR), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(drawn=readings(), seed=st.integers(0, 2**32 - 1))
def test_the_stream_cut_anyhow_with_restores_adds_up_to_batch_and_the_oracle(
    drawn: list[Reading], seed: int
) -> None:
    rng = random.Random(seed)
    records = samples(drawn)
    queue = records + rng.sample(records, k=min(len(records), 3))  # replays
    rng.shuffle(queue)
    rater = rk.Rater(
        PLAN,
        e.HOUSEHOLD_METERS,
        start=e.MARCH.start,
        horizon=dt.timedelta(days=3),
        tz="Europe/Paris",
    )
    lines: list[rk.StatementLine] = []
    watermark = START_US
    fed: set[str] = set()
    while queue:
        take = rng.randrange(1, 6)
        part, queue = queue[:take], queue[take:]
        feed = rater.feed(part)
        # Each record is taken once; its replays are duplicates; nothing is too late
        # (March is kept until April closes, on 3 May).
        assert feed.too_late == ()
        assert set(feed.accepted) | set(feed.late) | set(feed.duplicates) == {r.id for r in part}
        assert not fed & (set(feed.accepted) | set(feed.late))
        fed |= set(feed.accepted) | set(feed.late)
        if rng.random() < 0.5:
            rater = rk.Rater.restore(
                json.loads(json.dumps(rater.snapshot())), PLAN, e.HOUSEHOLD_METERS
            )
        watermark += rng.randrange(0, 96 * 2) * e.QUARTER_US
        lines += rater.statement(e.at_us(watermark)).lines
    watermark += 4 * 96 * e.QUARTER_US  # past March's end plus the horizon: March closes
    statement = rater.statement(e.at_us(watermark))
    lines += statement.lines
    assert fed == {r.id for r in records}
    streamed = e.line_sums(lines)
    assert streamed == e.charge_sums(batch(records, watermark).charges)
    expected = oracle(drawn, watermark)
    for key in set(streamed) | set(expected):
        assert abs(streamed.get(key, Fraction(0)) - expected.get(key, Fraction(0))) < Fraction(
            1, 10**22
        ), key


def test_the_oracle_knows_the_documented_examples() -> None:
    # docs/usage.md: 0 at T, 500 at T+20, 1000 at T+40, a cycle ending at T+30: 750, 250.
    t = e.MARCH.end_us - 30 * 60 * e.US
    increments = e.counter_increments(
        [
            (t, Fraction(0), "a"),
            (t + 20 * 60 * e.US, Fraction(500), "b"),
            (t + 40 * 60 * e.US, Fraction(1000), "c"),
        ],
        e.MAY.end_us,
    )
    march = sum(e.share(*i, e.MARCH.start_us, e.MARCH.end_us) for i in increments)
    april = sum(e.share(*i, e.APRIL.start_us, e.APRIL.end_us) for i in increments)
    assert (march, april) == (750, 250)
    # A reset counts from zero: 900 then 10 is 10. Two readings at one instant, lower first.
    assert e.counter_increments([(0, Fraction(900), "a"), (1, Fraction(10), "b")], 2) == [
        (0, 1, 10)
    ]
    assert e.counter_increments(
        [(0, Fraction(9), "b"), (0, Fraction(4), "a"), (1, Fraction(10), "c")], 2
    ) == [
        (0, 0, 5),
        (0, 1, 1),
    ]


@pytest.mark.property
@settings(max_examples=LAWS // 2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=readings(), as_of=st.integers(0, SLOTS + 96))
def test_each_month_rated_alone_adds_up_to_the_whole_span(drawn: list[Reading], as_of: int) -> None:
    # docs/pricing.md, "A cycle rated in pieces": each month given every record, as of
    # one instant, bills what rating the months at once bills (invoices to the cent).
    records = samples(drawn)
    as_of_us = START_US + as_of * e.QUARTER_US + 1
    plan = e.household()  # with its standing charge, prorated by days

    def rated(span: rk.Span) -> rk.Rating:
        return rk.rate(records, plan, span=span, meters=e.HOUSEHOLD_METERS, as_of=e.at_us(as_of_us))

    whole = rated(rk.Span(e.MARCH.start, e.MAY.end))
    months = [rated(month) for month in e.MONTHS]
    assert e.charge_sums(c for month in months for c in month.charges) == e.charge_sums(
        whole.charges
    )

    def totals(invoices: list[rk.Invoice]) -> list[tuple[str, int, Decimal]]:
        return sorted((i.account, i.cycle.start_us, i.total) for i in invoices)

    assert totals([i for month in months for i in rk.bill(month)]) == totals(list(rk.bill(whole)))
