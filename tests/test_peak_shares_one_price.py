"""The pieces of an aggregate that does not add up, at one per-unit price, add up to its price.

A peak (or any aggregation that does not add up) is shared among the pieces of its cycle
in proportion to time, each share cut at the aggregate's 60th digit; a per-unit price
charges each piece its price times its exact share. Rounded apart, each at its own 60th
digit, the pieces of 95 GB at 0.05 cut at 1/31 of March came to 4.7499...9995, and 3 GB
at 0.005 to 0.01499...995, which its plan's rounding took to 0.01 while the invoice
printed 0.02. The pieces of one aggregate at one price are priced together, rounded once
(docs/usage.md, Aggregations that do not add up): wherever the price of their whole
terminates within 60 digits, they add up to it to the last digit.
"""

from __future__ import annotations

import datetime as dt
import decimal
from decimal import Decimal
from fractions import Fraction

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
SIXTY = decimal.Context(prec=60)


def _records(
    month: rk.Span, value: int, *cuts: str, meter: str = "backup"
) -> list[rk.Event | rk.Sample]:
    """A database started at ``month``'s start, resized at each of ``cuts``, one reading."""
    start = month.start.isoformat().replace("+00:00", "Z")
    records: list[rk.Event | rk.Sample] = [
        rk.Event("acme", "db-1", start, {"flavor": "f0"}, kind="start", id="e0")
    ]
    for index, at in enumerate(cuts, 1):
        records.append(
            rk.Event("acme", "db-1", at, {"flavor": f"f{index}"}, kind="update", id=f"e{index}")
        )
    records.append(rk.Sample("acme", "db-1", meter, start, value, kind="gauge", id="g1"))
    return records


def _plan(*entries: rk.PriceEntry, **terms: object) -> rk.Plan:
    return rk.Plan("p", "USD", MONTHS, list(entries), **terms)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "aggregation",
    [
        rk.Max(),
        rk.Min(),
        rk.Latest(),
        rk.Percentile(95),
        rk.TimeWeightedMean(),
        rk.TimeWeightedMean(over="period"),
    ],
    ids=["max", "min", "latest", "percentile", "mean", "mean-over-period"],
)
def test_every_aggregation_cut_by_a_resize_adds_up_to_its_price(
    aggregation: object,
) -> None:
    # 95 GB held all March, whatever the aggregation: the pieces 1/31 and 30/31 of it,
    # 95/31 and 2850/31 GB, at 0.05 are 4.75/31 and 142.5/31 (neither terminates); together
    # 95 x 0.05 = 4.75, to the last digit.
    meter = rk.Meter("backup", "GB", aggregation)  # type: ignore[arg-type]
    plan = _plan(rk.PriceEntry("b", "backup", rk.PerUnit("0.05")))
    rating = rk.rate(_records(MARCH, 95, "2026-03-02T00:00:00Z"), plan, span=MARCH, meters=[meter])
    assert len(rating.charges) == 2
    assert rating.total() == Decimal("4.75")
    (invoice,) = rk.bill(rating)
    assert (invoice.total, invoice.precise_total) == (Decimal("4.75"), Decimal("4.75"))


def test_a_peak_split_by_a_price_change_adds_up_at_each_price() -> None:
    # 95 GB over April, resized on the 2nd; the price is 0.05 until the 16th, 0.07 from
    # then. At 0.05: 1/30 and 14/30 of 95 (95/30 and 1330/30 GB, 47.5 GB in all) are
    # 2.375; at 0.07: 15/30 of 95, 47.5 GB, is 3.325. The month: 5.70.
    plan = _plan(
        rk.PriceEntry("old", "backup", rk.PerUnit("0.05")),
        rk.PriceEntry(
            "new", "backup", rk.PerUnit("0.07"), start="2026-04-16T00:00:00Z", priority=1
        ),
    )
    meter = rk.Meter("backup", "GB", rk.Max())
    rating = rk.rate(_records(APRIL, 95, "2026-04-02T00:00:00Z"), plan, span=APRIL, meters=[meter])
    by_entry: dict[str, Decimal] = {}
    for charge in rating.charges:
        by_entry[charge.entry] = by_entry.get(charge.entry, Decimal(0)) + charge.amount
    assert [c.entry for c in rating.charges].count("old") == 2
    assert by_entry == {"old": Decimal("2.375"), "new": Decimal("3.325")}
    assert rating.total() == Decimal("5.7")
    (invoice,) = rk.bill(rating)
    assert [line.precise for line in invoice.lines] == [Decimal("3.325"), Decimal("2.375")]
    assert invoice.total == Decimal("5.70")


def test_an_allowance_over_a_peaks_pieces_leaves_the_price_of_what_is_left() -> None:
    # 95 GB over March, resized on the 2nd and the 5th: shares 95/31, 285/31, 2565/31.
    # 1 GB free takes the first units in time order: 64/31 + 285/31 + 2565/31 = 94 GB
    # are billable, at 0.05 that is 4.70 exactly (the first piece's 3.2/31 alone does
    # not terminate).
    plan = _plan(
        rk.PriceEntry("b", "backup", rk.PerUnit("0.05")), allowances=[rk.Allowance("backup", 1)]
    )
    meter = rk.Meter("backup", "GB", rk.Max())
    records = _records(MARCH, 95, "2026-03-02T00:00:00Z", "2026-03-05T00:00:00Z")
    rating = rk.rate(records, plan, span=MARCH, meters=[meter])
    assert [c.free for c in rating.charges] == [Decimal(1), Decimal(0), Decimal(0)]
    assert rating.total() == Decimal("4.7")
    (invoice,) = rk.bill(rating)
    assert (invoice.total, invoice.precise_total) == (Decimal("4.70"), Decimal("4.7"))


def test_a_plan_switch_at_one_price_adds_up_to_the_price_of_the_whole() -> None:
    # acme moves from plan a to plan b (both 0.005 a GB) on 2 March: 1/31 of 3 GB under a,
    # 30/31 under b, one aggregate at one price: 3 x 0.005 = 0.015 in all, a tie the
    # invoice rounds half-even to 0.02, from the exact 0.015 (never 0.01499...995).
    entry = rk.PriceEntry("b", "backup", rk.PerUnit("0.005"))
    a = rk.Plan("a", "USD", MONTHS, [entry])
    b = rk.Plan("b", "USD", MONTHS, [entry])
    switch = "2026-03-02T00:00:00Z"
    assignments = [
        rk.Assignment("acme", a, end=switch),
        rk.Assignment("acme", b, start=switch),
    ]
    meter = rk.Meter("backup", "GB", rk.Max())
    records = [
        rk.Sample("acme", "db-1", "backup", "2026-03-01T00:00:00Z", 3, kind="gauge", id="g1")
    ]
    rating = rk.rate(records, assignments, span=MARCH, meters=[meter])
    assert sorted(c.plan for c in rating.charges) == ["a", "b"]
    assert rating.total() == Decimal("0.015")
    (invoice,) = rk.bill(rating)
    assert (invoice.total, invoice.precise_total) == (Decimal("0.02"), Decimal("0.015"))


def test_the_rater_and_a_restored_rater_say_what_batch_says() -> None:
    # 3 GB at 0.005 over March, resized on the 2nd: 0.015 month to date (its line 0.015
    # exactly, the two pieces 0.015/31 and 0.45/31 priced together), nothing more later.
    meter = rk.Meter("backup", "GB", rk.Max())
    plan = _plan(rk.PriceEntry("b", "backup", rk.PerUnit("0.005")))
    records = _records(MARCH, 3, "2026-03-02T00:00:00Z")
    rater = rk.Rater(plan, [meter], start=MARCH.start, horizon=dt.timedelta(days=60))
    rater.feed(records)
    before = rater.snapshot()
    said = []
    for one in (rater, rk.Rater.restore(before, plan, [meter])):
        statement = one.statement("2026-03-20T00:00:00Z")
        said.append(
            (
                statement.total(),
                [line.amount for line in statement.lines],
                [c.amount for line in statement.lines for c in line.charges],
            )
        )
    assert said[0] == said[1]
    assert said[0][:2] == (Decimal("0.015"), [Decimal("0.015")])
    after = rk.Rater.restore(rater.snapshot(), plan, [meter])
    for one in (rater, after):
        assert one.statement("2026-04-02T00:00:00Z").total() == 0


_MINUTES = MARCH.duration // dt.timedelta(minutes=1)


@pytest.mark.property
@settings(max_examples=max(LAWS // 2, 20), deadline=None)
@given(
    # a multiple of 279 (= 44640 / 160) makes a part of whole minutes terminate
    value=st.integers(1, 10**6) | st.integers(1, 3600).map(lambda k: 279 * k),
    cuts=st.lists(st.integers(1, _MINUTES - 1), max_size=3, unique=True),
    change=st.integers(1, _MINUTES - 1),
    rates=st.tuples(st.decimals("0.0001", "9", places=4), st.decimals("0.0001", "9", places=4)),
)
def test_the_pieces_at_one_price_sum_to_the_price_of_their_part_of_the_whole(
    value: int, cuts: list[int], change: int, rates: tuple[Decimal, Decimal]
) -> None:
    # Oracle: the price of the peak for each price's part of the month, in Fractions;
    # where that terminates within 60 digits the pieces at that price add up to it.
    meter = rk.Meter("backup", "GB", rk.Max())
    at = MARCH.start_us + change * 60_000_000
    changed = rk.Span.from_us(at, at + 1).start
    plan = _plan(
        rk.PriceEntry("first", "backup", rk.PerUnit(rates[0])),
        rk.PriceEntry("then", "backup", rk.PerUnit(rates[1]), start=changed, priority=1),
    )
    instants = [
        rk.Span.from_us(t, t + 1).start.isoformat().replace("+00:00", "Z")
        for t in (MARCH.start_us + c * 60_000_000 for c in sorted(cuts))
    ]
    rating = rk.rate(_records(MARCH, value, *instants), plan, span=MARCH, meters=[meter])
    month = MARCH.end_us - MARCH.start_us
    parts: dict[Decimal, Fraction] = {}  # per price (the two may be one)
    parts[rates[0]] = Fraction(at - MARCH.start_us, month)
    parts[rates[1]] = parts.get(rates[1], Fraction(0)) + Fraction(MARCH.end_us - at, month)
    for rate, part in parts.items():
        oracle = Fraction(rate) * value * part
        got = sum((Fraction(c.amount) for c in rating.charges if c.unit_price == rate), Fraction(0))
        if _terminates_within_60(oracle):
            assert got == oracle, (rate, got, oracle)
        else:  # rounded once, at its 60th digit
            exact = SIXTY.divide(oracle.numerator, oracle.denominator)
            assert abs(got - oracle) <= Fraction(10) ** (exact.adjusted() - 59) / 2


def _terminates_within_60(value: Fraction) -> bool:
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return False
    digits = abs(value)
    scale = 0
    while digits.denominator != 1:
        digits *= 10
        scale += 1
    return len(str(digits.numerator)) <= 60
