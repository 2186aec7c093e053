"""An allowance applies to the net usage of its period: a correction takes back billed
units first, then free units, so the money is the price of ``max(0, net - allowance)``.

Within one billing cycle, in any order of the rows: a correction first takes back the
units billed before it, then the free units (the last allowance taken from first; they
are free again for later usage), and only then is priced below zero. Every amount is
worked by hand, and the laws are checked against ``fractions.Fraction``.
"""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
YEARS = rk.cycles.yearly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000


def _row(day: int, quantity: object, resource: str = "ip-1") -> rk.UsageRow:
    start = MARCH.start_us + (day - 1) * DAY_US
    span = rk.Span.from_us(start, start + DAY_US)
    return rk.UsageRow("acme", "eg", resource, span, MARCH, quantity, "GB", {}, (f"s{day}",))


def _plan(price: object, *allowances: rk.Allowance) -> rk.Plan:
    return rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("eg", "eg", price)], allowances=allowances)


FREE_TEN = _plan(rk.PerUnit(1), rk.Allowance("eg", 10))


def test_a_correction_of_free_usage_refunds_nothing() -> None:
    # 5 GB on 2 March (all free: 10 a month), -5 GB on 5 March: net 0 GB, 0 billed, 0.00.
    # The correction takes back the 5 free units (free -5), not 5 billed ones.
    rating = rk.rate([_row(2, 5), _row(5, -5)], FREE_TEN, span=MARCH)
    assert [(c.quantity, c.free, c.amount) for c in rating.charges] == [
        (Decimal(5), Decimal(5), Decimal(0)),
        (Decimal(-5), Decimal(-5), Decimal(0)),
    ]
    assert rating.anomalies == ()
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("0.00")


def test_a_correction_takes_back_billed_units_before_free_ones() -> None:
    # 20 GB (10 free, 10 billed = 10.00), then -15 GB: it takes back the 10 billed
    # (-10.00) and 5 free; net 5 GB, all free: 10.00 - 10.00 = 0.
    rating = rk.rate([_row(2, 20), _row(5, -15)], FREE_TEN, span=MARCH)
    assert [(c.quantity, c.free, c.amount) for c in rating.charges] == [
        (Decimal(20), Decimal(10), Decimal(10)),
        (Decimal(-15), Decimal(-5), Decimal(-10)),
    ]
    assert rating.total() == 0
    # -3 instead: it takes back 3 billed units only: net 17 GB, 7 billed = 10 - 3 = 7.00
    rating = rk.rate([_row(2, 20), _row(5, -3)], FREE_TEN, span=MARCH)
    assert [(c.free, c.amount) for c in rating.charges] == [(10, 10), (0, -3)]


def test_a_correction_before_the_usage_it_corrects_leaves_the_allowance_whole() -> None:
    # -15 GB on 2 March (nothing before it: billed -15), then +20 GB on 5 March: the
    # first 15 fill what the correction took (billed +15), the last 5 are free.
    # Net 5 GB, all free: -15 + 15 = 0.
    rating = rk.rate([_row(2, -15), _row(5, 20)], FREE_TEN, span=MARCH)
    assert [(c.quantity, c.free, c.amount) for c in rating.charges] == [
        (Decimal(-15), Decimal(0), Decimal(-15)),
        (Decimal(20), Decimal(5), Decimal(15)),
    ]
    assert rating.total() == 0


def test_a_free_unit_taken_back_is_free_again_for_later_usage() -> None:
    # +8 (free), -8 (free -8: the allowance is whole again), +12: 10 free, 2 billed = 2.00.
    rating = rk.rate([_row(2, 8), _row(3, -8), _row(4, 12)], FREE_TEN, span=MARCH)
    assert [(c.free, c.amount) for c in rating.charges] == [(8, 0), (-8, 0), (10, 2)]


def test_an_allowance_with_its_own_yearly_cycle_nets_the_same_way() -> None:
    # 10 GB a year: 5 GB then -5 GB in March: net 0, 0.00 (it was -5.00).
    plan = _plan(rk.PerUnit(1), rk.Allowance("eg", 10, cycle=YEARS))
    rating = rk.rate([_row(2, 5), _row(5, -5)], plan, span=MARCH)
    assert rating.total() == 0
    # and the 5 units given back are free for April: 10 GB in April, all free
    april = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
    later = rk.UsageRow("acme", "eg", "ip-1", rk.Span("2026-04-02T00:00:00Z", "2026-04-03T00:00:00Z"),
                        april, 10, "GB", {}, ("a",))  # fmt: skip
    rated = rk.rate([_row(2, 5), _row(5, -5), later], plan, span=april)
    assert [(c.quantity, c.free, c.amount) for c in rated.charges] == [(10, 10, 0)]


def test_a_correction_does_not_reopen_an_earlier_cycles_invoice() -> None:
    # 10 GB a year: 15 GB in January (10 free, 5 billed = 5.00 on January's invoice), then
    # -5 GB in March. March takes back no January unit billed (that invoice stands): it
    # gives 5 free units back to the year (free -5, 0.00), free again for later usage.
    plan = _plan(rk.PerUnit(1), rk.Allowance("eg", 10, cycle=YEARS))
    january = rk.Span("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")
    usage = rk.UsageRow("acme", "eg", "ip-1", rk.Span("2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"),
                        january, 15, "GB", {}, ("j",))  # fmt: skip
    year = rk.Span("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")
    rating = rk.rate([usage, _row(5, -5)], plan, span=year)
    assert [(c.quantity, c.free, c.amount) for c in rating.charges] == [
        (Decimal(15), Decimal(10), Decimal(5)),
        (Decimal(-5), Decimal(-5), Decimal(0)),
    ]
    # March rated alone, January given: the same
    march = rk.rate([usage, _row(5, -5)], plan, span=MARCH)
    assert [(c.free, c.amount) for c in march.charges] == [(-5, 0)]


def test_stacked_allowances_are_given_back_last_taken_first() -> None:
    # A month's 4 free, then a year's 6: +12 takes 4 and 6, 2 billed (2.00); -5 takes back
    # the 2 billed, then 3 of the year's (the last taken). +3 later: the year's 3 again.
    plan = _plan(rk.PerUnit(1), rk.Allowance("eg", 4), rk.Allowance("eg", 6, cycle=YEARS))
    rating = rk.rate([_row(2, 12), _row(5, -5), _row(9, 3)], plan, span=MARCH)
    assert [(c.free, c.amount) for c in rating.charges] == [(10, 2), (-3, -2), (3, 0)]
    assert rating.total() == 0  # net 10 GB, 10 free


@pytest.mark.parametrize(
    "price",
    [
        rk.Graduated([rk.Tier(10, "1"), rk.Tier(None, "0.5")]),
        rk.Volume([rk.Tier(10, "1"), rk.Tier(None, "0.5")]),
        rk.Package(2, "1"),
        rk.GraduatedPercentage([(1000, "10"), (None, "5")]),
    ],
    ids=["graduated", "volume", "package", "graduated-percentage"],
)
@pytest.mark.parametrize("quantities", [(5, -5), (20, -15), (-15, 20)])
def test_a_tiered_price_with_an_allowance_reports_no_negative_total_when_net_is_not(
    price: object, quantities: tuple[int, int]
) -> None:
    # net 0 or 5 GB, all of it free (10 a month): 0.00, and no negative_total anomaly
    # (it was reported although the net usage was not below zero)
    rows = [_row(2, quantities[0]), _row(5, quantities[1])]
    rating = rk.rate(rows, _plan(price, rk.Allowance("eg", 10)), span=MARCH)
    assert rating.total() == 0
    assert rating.anomalies == ()


def test_a_net_below_zero_with_an_allowance_is_said_with_its_net() -> None:
    # +5 (free), -8: gives back the 5 free, and 3 below zero: net -3 GB. Graduated prices
    # it at 0 and says so, with the net usage (-3), the allowance having given back all.
    price = rk.Graduated([rk.Tier(10, "1"), rk.Tier(None, "0.5")])
    rating = rk.rate([_row(2, 5), _row(5, -8)], _plan(price, rk.Allowance("eg", 10)), span=MARCH)
    assert rating.total() == 0
    (anomaly,) = rating.anomalies
    assert anomaly.kind == "negative_total"
    assert anomaly.record_ids == ("s5",)
    assert str(anomaly) == (
        "the usage of meter 'eg' by account 'acme' priced by entry 'eg' of plan 'p' in the "
        "cycle 2026-03-01T00:00:00Z..2026-04-01T00:00:00Z totals -3 GB: corrections exceed "
        "the usage they correct, and a price by total cannot price a quantity below zero; "
        "that part is priced at 0 (it nets against the cycle's usage when that arrives)."
    )


# -- laws -----------------------------------------------------------------------------------


def _oracle(name: str, billed: Fraction) -> Fraction:
    """The price of a billed quantity (``max(0, net - allowance)`` or a negative net)."""
    if name == "per-unit":  # 0.5 a unit, linear: a net below zero is refunded
        return billed / 2
    billed = max(billed, Fraction(0))
    if name == "graduated":  # 10 x 1, then 0.5
        return min(billed, 10) + max(billed - 10, 0) / 2
    if name == "volume":  # all at 1 up to 10, all at 0.5 beyond
        return billed if billed <= 10 else billed / 2
    return -(-billed // 4) * Fraction("1.3")  # packages of 4 at 1.3


_MODELS = {
    "per-unit": rk.PerUnit("0.5"),
    "graduated": rk.Graduated([rk.Tier(10, "1"), rk.Tier(None, "0.5")]),
    "volume": rk.Volume([rk.Tier(10, "1"), rk.Tier(None, "0.5")]),
    "package": rk.Package(4, "1.3"),
}


def _billed(net: Fraction, allowance: Fraction) -> Fraction:
    """What an allowance leaves to pay of a net usage: a net below zero stays as it is."""
    return net if net < 0 else max(Fraction(0), net - allowance)


@settings(max_examples=LAWS)
@given(
    quantities=st.lists(st.integers(-12, 12).filter(bool), min_size=1, max_size=6),
    allowance=st.integers(0, 20),
    own=st.booleans(),
    days=st.randoms(use_true_random=False),
    name=st.sampled_from(sorted(_MODELS)),
)
def test_the_cycle_costs_the_price_of_its_net_less_the_allowance_in_any_order(
    quantities: list[int], allowance: int, own: bool, days: random.Random, name: str
) -> None:
    # Law: usage and corrections on random days and resources of one month, under an
    # allowance of the month (or of its own year): the month costs
    # price(max(0, net - allowance)) (a linear price refunds a net below zero in full).
    net = Fraction(sum(quantities))
    if name != "per-unit" and net < 0:
        quantities = [*quantities, -sum(quantities)]  # a price by total has no price below 0
        net = Fraction(0)
    rows = [_row(days.randint(1, 31), q, resource=days.choice(["r1", "r2"])) for q in quantities]
    plan = _plan(_MODELS[name], rk.Allowance("eg", allowance, cycle=YEARS if own else None))
    rating = rk.rate(rows, plan, span=MARCH)
    assert Fraction(rating.total()) == _oracle(name, _billed(net, Fraction(allowance)))
    assert rating.anomalies == ()
    # the free parts add up to what the allowance covers of the net
    free = sum((Fraction(c.free) for c in rating.charges), Fraction(0))
    assert free == min(max(net, Fraction(0)), Fraction(allowance))


_EGRESS = rk.Meter("eg", "GB", rk.Discrete())


@settings(max_examples=max(LAWS // 10, FLOOR))
@given(
    samples=st.lists(
        st.tuples(st.integers(1, 30 * 24), st.integers(-12, 12)), min_size=1, max_size=6
    ),
    allowance=st.integers(0, 15),
    name=st.sampled_from(sorted(_MODELS)),
    stream=st.randoms(use_true_random=False),
)
def test_a_stream_of_corrections_under_an_allowance_adds_up_to_one_batch(
    samples: list[tuple[int, int]], allowance: int, name: str, stream: random.Random
) -> None:
    # Discrete samples and corrections in March under an allowance, fed to the rater in
    # random batches and order with statements at random watermarks: the lines add up to
    # one batch rate(), which is the price of the net less the allowance.
    total = sum(value for _, value in samples)
    if total < 0 and name != "per-unit":
        samples = [*samples, (30 * 24, -total)]
        total = 0
    plan = _plan(_MODELS[name], rk.Allowance("eg", allowance))
    records = [
        rk.Sample(
            "acme", "ip", "eg", rk.Span.from_us(MARCH.start_us + hour * HOUR_US, MARCH.end_us).start,
            value, id=f"s{i}",
        )
        for i, (hour, value) in enumerate(samples)
    ]  # fmt: skip
    batch = rk.rate(records, plan, span=MARCH, meters=[_EGRESS])
    assert Fraction(batch.total()) == _oracle(name, _billed(Fraction(total), Fraction(allowance)))
    stream.shuffle(records)
    rater = rk.Rater(plan, [_EGRESS], start=MARCH.start)
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
