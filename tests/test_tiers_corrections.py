"""Corrections net against the cycle's usage, whatever the order of the rows.

A group priced by its total is priced where its running quantity is at zero or above:
a piece is ``amount(max(after, 0)) - amount(max(before, 0))``, so the pieces add up to
the price of the cycle's total when it is not negative, in any order; a total below
zero is priced at 0 with a ``negative_total`` anomaly. Every amount worked by hand.
"""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
DAY_US = 86_400_000_000
TIERS = rk.Graduated([rk.Tier(10, "1"), rk.Tier(None, "0.5")])
PLAN = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("eg", "eg", TIERS)])


def _row(day: int, quantity: object, resource: str = "r") -> rk.UsageRow:
    start = MARCH.start_us + (day - 1) * DAY_US
    span = rk.Span.from_us(start, start + DAY_US)
    return rk.UsageRow("acme", "eg", resource, span, MARCH, quantity, "GB", {}, (f"s{day}",))


def test_a_correction_stamped_before_its_usage_nets_against_it() -> None:
    # -5 GB on 2 March, +20 GB on 5 March: the cycle's 15 GB = 10 x 1 + 5 x 0.5 = 12.50.
    rating = rk.rate([_row(2, -5), _row(5, 20)], PLAN, span=MARCH)
    assert rating.total() == Decimal("12.5")
    correction, usage = rating.charges
    # The correction finds nothing before it: it is priced at 0 (no tier crossed); the
    # usage is priced on from -5, where only 15 GB are above zero.
    assert (correction.quantity, correction.amount, correction.tiers) == (-5, 0, ())
    assert usage.amount == Decimal("12.5")
    assert [str(line) for line in usage.tiers] == [
        "tiers[0] (0, 10]: 10 * 1 = 10",
        "tiers[1] (10, ∞): 5 * 0.5 = 2.5",
    ]
    assert rating.anomalies == ()
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("12.50")


def test_the_reversed_order_gives_the_same_cycle() -> None:
    # +20 GB on 2 March (10 x 1 + 10 x 0.5 = 15), -5 GB on 5 March (back to 15 GB: -2.5).
    rating = rk.rate([_row(2, 20), _row(5, -5)], PLAN, span=MARCH)
    assert [charge.amount for charge in rating.charges] == [Decimal("15.0"), Decimal("-2.5")]
    assert rating.total() == Decimal("12.5")


def test_a_cycle_below_zero_is_priced_at_zero_and_says_so() -> None:
    # -5 GB alone: a tiered price has no price below zero, so 0, and an anomaly.
    rating = rk.rate([_row(2, -5)], PLAN, span=MARCH)
    assert rating.total() == 0
    (anomaly,) = rating.anomalies
    assert anomaly.kind == "negative_total"
    assert anomaly.record_ids == ("s2",)
    assert str(anomaly) == (
        "the usage of meter 'eg' by account 'acme' priced by entry 'eg' of plan 'p' in the "
        "cycle 2026-03-01T00:00:00Z..2026-04-01T00:00:00Z totals -5 GB: corrections exceed "
        "the usage they correct, and a price by total cannot price a quantity below zero; "
        "that part is priced at 0 (it nets against the cycle's usage when that arrives)."
    )


def test_the_rater_prices_a_negative_cycle_to_date_at_zero_then_nets_it() -> None:
    # The rater's statement after the -5 alone: 0 and the anomaly; after the +20: an
    # increment of 12.50, and the month closes at 12.50, as one batch of both records.
    meter = rk.Meter("eg", "GB", rk.Discrete())
    correction = rk.Sample("acme", "ip", "eg", "2026-03-02T00:00:00Z", -5, id="c1")
    usage = rk.Sample("acme", "ip", "eg", "2026-03-05T00:00:00Z", 20, id="u1")
    rater = rk.Rater(PLAN, [meter], start=MARCH.start)
    rater.feed([correction])
    first = rater.statement("2026-03-03T00:00:00Z")
    assert [(line.role, line.amount) for line in first.lines] == [("charge", 0)]
    assert [anomaly.kind for anomaly in first.anomalies] == ["negative_total"]
    rater.feed([usage])
    second = rater.statement("2026-03-06T00:00:00Z")
    assert [(line.role, line.amount) for line in second.lines] == [("increment", Decimal("12.5"))]
    assert second.anomalies == ()
    closing = rater.statement("2026-04-02T00:00:00Z")
    assert [invoice.total for invoice in closing.invoices] == [Decimal("12.50")]
    batch = rk.rate([correction, usage], PLAN, span=MARCH, meters=[meter])
    assert batch.total() == Decimal("12.5")


_MODELS = {
    "graduated": TIERS,
    "volume": rk.Volume([rk.Tier(10, "1"), rk.Tier(None, "0.5")]),
    "package": rk.Package(4, "1.3", free=3),
}


def _price_of(name: str, total: Fraction) -> Fraction:
    """The price of a cycle's total, by hand in fractions."""
    if name == "graduated":  # 10 x 1, then 0.5
        return min(total, 10) + max(total - 10, 0) * Fraction(1, 2)
    if name == "volume":  # all at 1 up to 10, all at 0.5 beyond
        return total if total <= 10 else total / 2
    return -(-max(total - 3, 0) // 4) * Fraction("1.3")  # packages of 4 after 3 free


@settings(max_examples=LAWS)
@given(
    usage=st.lists(st.integers(0, 12), min_size=1, max_size=5),
    corrections=st.lists(st.integers(1, 12), max_size=4),
    days=st.randoms(use_true_random=False),
    name=st.sampled_from(sorted(_MODELS)),
)
def test_the_cycle_is_the_price_of_its_total_whatever_the_order(
    usage: list[int], corrections: list[int], days: object, name: str
) -> None:
    # Positive rows and corrections (a non-negative cycle total), on random days.
    assert isinstance(days, random.Random)
    quantities = list(usage)
    room = sum(usage)
    for c in corrections:
        if c <= room:
            quantities.append(-c)
            room -= c
    rows = [_row(days.randint(1, 31), q, resource=days.choice(["r1", "r2"])) for q in quantities]
    total = sum((Fraction(q) for q in quantities), Fraction(0))
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("eg", "eg", _MODELS[name])])
    rating = rk.rate(rows, plan, span=MARCH)
    assert Fraction(rating.total()) == _price_of(name, total)
    assert rating.anomalies == ()
    # each charge's tier lines add up to its amount
    for charge in rating.charges:
        assert sum((Fraction(line.amount) for line in charge.tiers), Fraction(0)) == Fraction(
            charge.amount
        )


_EGRESS = rk.Meter("eg", "GB", rk.Discrete())


def _samples(samples: list[tuple[int, int]]) -> list[rk.Sample]:
    return [
        rk.Sample(
            "acme",
            "ip",
            "eg",
            rk.Span.from_us(MARCH.start_us + hour * 3_600_000_000, MARCH.end_us).start,
            value,
            id=f"s{i}",
        )
        for i, (hour, value) in enumerate(samples)
    ]


@settings(max_examples=max(LAWS // 10, FLOOR))
@given(
    samples=st.lists(
        st.tuples(st.integers(1, 30 * 24), st.integers(-12, 12)), min_size=1, max_size=6
    ),
    stream=st.randoms(use_true_random=False),
)
def test_a_stream_with_early_corrections_adds_up_to_one_batch(
    samples: list[tuple[int, int]], stream: random.Random
) -> None:
    # Discrete samples with corrections anywhere in March (the cycle's total kept at zero
    # or more), fed in random batches and order, with statements at random watermarks
    # inside March and one after it: the statements' lines add up to one batch.
    total = sum(value for _, value in samples)
    if total < 0:
        samples = [*samples, (30 * 24, -total)]
    records = _samples(samples)
    batch = rk.rate(records, PLAN, span=MARCH, meters=[_EGRESS])
    assert batch.anomalies == ()
    stream.shuffle(records)
    rater = rk.Rater(PLAN, [_EGRESS], start=MARCH.start)
    lines = Fraction(0)
    watermark = MARCH.start_us
    while records:
        size = stream.randint(1, 3)
        rater.feed(records[:size])
        del records[:size]
        watermark = stream.randint(watermark, MARCH.end_us - 1)
        report = rater.statement(rk.Span.from_us(watermark, watermark).start)
        lines += sum((Fraction(line.amount) for line in report.lines), Fraction(0))
    closing = rater.statement("2026-04-03T00:00:00Z")
    lines += sum((Fraction(line.amount) for line in closing.lines), Fraction(0))
    assert lines == Fraction(batch.total())
