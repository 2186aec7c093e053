"""Laws of pricing, drawn with ratekit.strategies and checked against brute-force oracles.

The oracles work in Fractions: graduated tiers as a walk over the units, volume tiers as the
one tier holding the quantity, packages as started packages; a cycle's usage under an
allowance as the price of what the allowance leaves of the net.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import random
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import ratekit as rk
from ratekit import strategies as rks

pytestmark = pytest.mark.property

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHS = rk.cycles.monthly(tz="UTC")
METERS = [rk.Meter("vm.hours", "hour", rk.OnOff()), rk.Meter("egress", "GB", rk.Discrete())]
HOUR_US = 3_600_000_000
SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BY_TOTAL = ("PerUnit", "Graduated", "Volume", "Package")


def _fraction(value: object) -> Fraction:
    return Fraction(Decimal(str(value)))


def _tiers(table: list[rk.Tier]) -> Iterator[tuple[Fraction, Fraction | None, rk.Tier]]:
    lower = Fraction(0)
    for tier in table:
        upper = None if tier.up_to is None else _fraction(tier.up_to)
        yield lower, upper, tier
        if upper is not None:
            lower = upper


def graduated_by_units(table: list[rk.Tier], units: int, flat_at_zero: bool) -> Fraction:
    """Walk ``units`` whole units one by one: each unit in its tier, each block where it starts."""
    tiers = list(_tiers(table))
    total = _fraction(tiers[0][2].flat) if units == 0 and flat_at_zero else Fraction(0)
    entered: set[int] = set()
    for unit in range(1, units + 1):
        for index, (lower, upper, tier) in enumerate(tiers):
            if lower < unit and (upper is None or unit <= upper):
                if index not in entered:
                    entered.add(index)
                    total += _fraction(tier.flat)
                if tier.block is None or (unit - lower - 1) % _fraction(tier.block) == 0:
                    total += _fraction(tier.unit)
                break
    return total


def graduated(table: list[rk.Tier], quantity: Fraction, flat_at_zero: bool = True) -> Fraction:
    """The amount of any quantity: each tier's part, in started blocks where it has them."""
    total = Fraction(0)
    for index, (lower, upper, tier) in enumerate(_tiers(table)):
        if quantity > lower or (index == 0 and quantity == 0 and flat_at_zero):
            total += _fraction(tier.flat)
        if quantity > lower:
            part = (quantity if upper is None else min(quantity, upper)) - lower
            blocks = part if tier.block is None else math.ceil(part / _fraction(tier.block))
            total += blocks * _fraction(tier.unit)
    return total


def volume(table: list[rk.Tier], quantity: Fraction, flat_at_zero: bool = True) -> Fraction:
    """The one tier holding the quantity (zero in the first) prices all of it."""
    for index, (lower, upper, tier) in enumerate(_tiers(table)):
        if (quantity > lower or index == 0) and (upper is None or quantity <= upper):
            if quantity == 0 and not flat_at_zero:
                return Fraction(0)
            blocks = quantity if tier.block is None else math.ceil(quantity / _fraction(tier.block))
            return _fraction(tier.flat) + blocks * _fraction(tier.unit)
    raise AssertionError("an open last tier holds every quantity")


@SETTINGS
@given(rks.tiers(), st.integers(0, 1200), st.booleans())
def test_graduated_tiers_are_the_sum_over_their_units(
    table: list[rk.Tier], units: int, at_zero: bool
) -> None:
    price = rk.Graduated(table, flat_at_zero=at_zero)
    assert Fraction(price.amount(units)) == graduated_by_units(table, units, at_zero)


@SETTINGS
@given(rks.tiers(), st.decimals(0, 1500, places=3), st.decimals(0, 300, places=3), st.booleans())
def test_tiers_price_any_quantity_as_the_oracle(
    table: list[rk.Tier], quantity: Decimal, added: Decimal, at_zero: bool
) -> None:
    for model, oracle in ((rk.Graduated, graduated), (rk.Volume, volume)):
        price = model(table, flat_at_zero=at_zero)
        amount = price.amount(quantity)
        assert Fraction(amount) == oracle(table, Fraction(quantity), at_zero)
        assert sum(Fraction(line.amount) for line in price.explain(quantity)) == Fraction(amount)
        assert Fraction(price.marginal(quantity, added)) == Fraction(
            price.amount(quantity + added)
        ) - Fraction(amount)


@SETTINGS
@given(
    st.integers(1, 200),
    st.decimals(0, 50, places=2),
    st.integers(0, 100),
    st.decimals(0, 1000, places=3),
)
def test_packages_are_started_packages_after_the_free_units(
    size: int, price: Decimal, free: int, quantity: Decimal
) -> None:
    billable = max(Fraction(quantity) - free, Fraction(0))
    assert Fraction(rk.Package(size, price, free=free).amount(quantity)) == math.ceil(
        billable / size
    ) * Fraction(price)


def _rows(drawn: list[tuple[int, Decimal]], meter: str = "eg") -> list[rk.UsageRow]:
    rows = []
    for index, (hour, quantity) in enumerate(drawn):
        span = rk.Span.from_us(
            MARCH.start_us + hour * HOUR_US, MARCH.start_us + (hour + 1) * HOUR_US
        )
        rows.append(
            rk.UsageRow(
                "acme", meter, f"r{index % 3}", span, MARCH, quantity, "GB", {}, (f"s{index}",)
            )
        )
    return rows


@SETTINGS
@given(
    st.lists(
        st.tuples(st.integers(0, 743), st.decimals(-50, 80, places=2)), min_size=1, max_size=8
    ),
    st.decimals(0, 60, places=1),
    rks.tiers(),
    st.booleans(),
    st.randoms(use_true_random=False),
)
def test_a_cycle_costs_the_price_of_its_net_beyond_the_allowance_in_any_order(
    drawn: list[tuple[int, Decimal]],
    allowance: Decimal,
    table: list[rk.Tier],
    linear: bool,
    shuffle: random.Random,
) -> None:
    # docs/pricing.md, corrections and allowances: in any order of the rows, a cycle's usage
    # costs the price of max(0, net - allowance); a net below zero is refunded by PerUnit and
    # priced at 0 by a price by total. The base (amount at zero) is due either way.
    price: rk.PriceModel = rk.PerUnit("0.37") if linear else rk.Graduated(table)
    allowances = [rk.Allowance("eg", allowance)] if allowance else []
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("eg", "eg", price)], allowances=allowances)
    rows = _rows(drawn)
    shuffle.shuffle(rows)
    net = sum(Fraction(quantity) for _, quantity in drawn)
    billable = max(net - Fraction(allowance), Fraction(0))
    if linear:
        expected = Fraction(37, 100) * (net if net < 0 else billable)
    else:
        expected = graduated(table, billable)
    assert Fraction(rk.rate(rows, plan, span=MARCH).total()) == expected


@SETTINGS
@given(rks.usage_rows(max_size=8, meters={"egress": "GB"}), rks.tiers())
def test_a_groups_pieces_add_up_to_the_price_of_its_total(
    rows: list[rk.UsageRow], table: list[rk.Tier]
) -> None:
    plan = rk.Plan("p", "EUR", MONTHS, [rk.PriceEntry("eg", "egress", rk.Graduated(table))])
    rating = rk.rate(rows, plan, span=MARCH)
    for account in {row.account for row in rows}:
        used = sum(Fraction(row.quantity) for row in rows if row.account == account)
        assert Fraction(rating.total(account=account)) == graduated(table, used)


def _plan(vm: rk.PriceModel, egress: rk.PriceModel, allowance: int) -> rk.Plan:
    return rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm.hours", vm), rk.PriceEntry("eg", "egress", egress)],
        allowances=[
            rk.Allowance("vm.hours", allowance, cycle=MONTHS),
            rk.Allowance("vm.hours", 5, cycle=rk.cycles.weekly(tz="UTC")),
            rk.Allowance("egress", allowance, cycle=MONTHS),
        ],
        fees=[rk.Fee("f", "3.10")],
    )


@SETTINGS
@given(
    rks.records(),
    rks.price_models(kinds=BY_TOTAL),
    rks.price_models(kinds=BY_TOTAL),
    st.integers(1, 24 * 7 - 1),
    st.integers(0, 30),
)
def test_a_month_rated_in_two_pieces_adds_up_to_the_month(
    stream: list[rk.Event | rk.Sample],
    vm: rk.PriceModel,
    egress: rk.PriceModel,
    hour: int,
    allowance: int,
) -> None:
    # docs/pricing.md, a cycle rated in pieces: given the earlier records and the same as_of,
    # the pieces add up to the month (tiers, volumes, packages; allowances given the billing
    # cycle as their own period; fees and bases prorated).
    plan = _plan(vm, egress, allowance)
    cut = MARCH.start_us + hour * HOUR_US
    options = {"meters": METERS, "as_of": MARCH.end, "accounts": ["acme", "globex"]}
    whole = rk.rate(stream, plan, span=MARCH, **options).total()  # type: ignore[arg-type]
    first = rk.rate(stream, plan, span=rk.Span.from_us(MARCH.start_us, cut), **options).total()  # type: ignore[arg-type]
    second = rk.rate(stream, plan, span=rk.Span.from_us(cut, MARCH.end_us), **options).total()  # type: ignore[arg-type]
    assert whole == first + second


@SETTINGS
@given(
    rks.records(),
    rks.price_models(kinds=BY_TOTAL),
    rks.price_models(kinds=BY_TOTAL),
    st.integers(0, 30),
    st.randoms(use_true_random=False),
)
def test_rating_ignores_the_order_of_the_records_and_the_callers_context(
    stream: list[rk.Event | rk.Sample],
    vm: rk.PriceModel,
    egress: rk.PriceModel,
    allowance: int,
    shuffle: random.Random,
) -> None:
    plan = _plan(vm, egress, allowance)
    rating = rk.rate(stream, plan, span=MARCH, meters=METERS, as_of=MARCH.end)
    invoices = [str(invoice) for invoice in rk.bill(rating)]
    shuffled = list(stream)
    shuffle.shuffle(shuffled)
    hostile = decimal.Context(
        prec=3, rounding=decimal.ROUND_UP, traps=[decimal.Inexact, decimal.Rounded]
    )
    with decimal.localcontext(hostile):
        again = rk.rate(shuffled, plan, span=MARCH, meters=METERS, as_of=MARCH.end)
        again_invoices = [str(invoice) for invoice in rk.bill(again)]
    assert again.totals_by_currency() == rating.totals_by_currency()
    assert sorted(map(repr, again.charges)) == sorted(map(repr, rating.charges))
    assert again_invoices == invoices


@SETTINGS
@given(rks.usage_rows(max_size=8), rks.plans(), st.randoms(use_true_random=False))
def test_rows_in_any_order_bill_alike(
    rows: list[rk.UsageRow], plan: rk.Plan, shuffle: random.Random
) -> None:
    invoices = [str(invoice) for invoice in rk.bill(rk.rate(rows, plan, span=MARCH))]
    shuffled = list(rows)
    shuffle.shuffle(shuffled)
    assert [str(invoice) for invoice in rk.bill(rk.rate(shuffled, plan, span=MARCH))] == invoices


DST_MONTHS = {
    # a few days around the spring change, and the month holding them
    "America/New_York": "2026-03-07T00:00:00Z",
    "Europe/Zurich": "2026-03-28T00:00:00Z",
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(DST_MONTHS)),
    st.data(),
    rks.price_models(kinds=BY_TOTAL),
    st.sampled_from(["seconds", "days"]),
    st.integers(0, 59),
)
def test_a_plan_change_across_dst_bills_every_hour_once_and_the_fee_once(
    tz: str, data: st.DataObject, price: rk.PriceModel, proration: str, minute: int
) -> None:
    start = rk.Span(DST_MONTHS[tz], DST_MONTHS[tz]).start_us
    stream = data.draw(
        rks.records(
            min_start=rk.Span.from_us(start, start).start,
            max_end=rk.Span.from_us(start + 72 * HOUR_US, start + 72 * HOUR_US).start,
            resolution=dt.timedelta(minutes=20),
        )
    )
    cycle = rk.cycles.monthly(tz=tz)
    month = cycle.containing(DST_MONTHS[tz])

    def plan(name: str, vm: rk.PriceModel) -> rk.Plan:
        entries = [
            rk.PriceEntry("vm", "vm.hours", vm),
            rk.PriceEntry("eg", "egress", rk.PerUnit("0.01")),
        ]
        return rk.Plan(
            name, "EUR", cycle, entries, fees=[rk.Fee("f", 31)], proration=proration, tz=tz
        )

    change_us = start + 30 * HOUR_US + minute * 60_000_000  # inside an hour, after the change
    change = rk.Span.from_us(change_us, change_us).start
    first, second = plan("first", price), plan("second", rk.PerUnit("0.07"))
    assigned = []
    for account in ("acme", "globex"):
        assigned += [
            rk.Assignment(account, first, end=change),
            rk.Assignment(account, second, start=change),
        ]
    rating = rk.rate(stream, assigned, span=month, meters=METERS, as_of=month.end)
    ran = rk.meter(stream, METERS, span=month, cycle=cycle, as_of=month.end)
    for account in ("acme", "globex"):
        fee = sum(
            Fraction(c.amount) for c in rating.charges if c.account == account and c.entry == "f"
        )
        assert abs(fee - 31) < Fraction(1, 10**55)
        hours = sum(
            Fraction(r.quantity) for r in ran.rows if r.account == account and r.meter == "vm.hours"
        )
        billed = sum(
            Fraction(c.quantity)
            for c in rating.charges
            if c.account == account and c.kind == "usage" and c.meter == "vm.hours"
        )
        assert abs(hours - billed) < Fraction(1, 10**20)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rks.usage_rows(max_size=8), rks.plans(), rks.plans())
def test_a_comparison_totals_what_billing_each_candidate_totals(
    rows: list[rk.UsageRow], today: rk.Plan, other: rk.Plan
) -> None:
    assume(today.id != other.id or today == other)
    comparison = rk.compare_plans(rows, {"today": today, "other": other}, span=MARCH)
    for name, plan in (("today", today), ("other", other)):
        billed = sum(
            (invoice.total for invoice in rk.bill(rk.rate(rows, plan, span=MARCH))), Decimal(0)
        )
        assert comparison.totals()[name] == billed


@SETTINGS
@given(rks.tiers(blocks=False), st.decimals(0, 5000, places=2), st.booleans())
def test_graduated_percentages_are_graduated_tiers_of_percent_over_100(
    table: list[rk.Tier], amount: Decimal, at_zero: bool
) -> None:
    # tier i takes its percent of the part inside it, plus its flat once reached: the
    # graduated oracle with a unit price of percent / 100.
    tiers = [(tier.up_to, tier.unit, tier.flat) for tier in table]
    percentage = rk.GraduatedPercentage(tiers, flat_at_zero=at_zero)
    as_units = [
        rk.Tier(tier.up_to, tier.unit / 100, tier.flat) for tier in table
    ]  # exact: 3 places / 100
    assert Fraction(percentage.amount(amount)) == graduated(as_units, Fraction(amount), at_zero)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(DST_MONTHS)), st.data(), rks.price_models(kinds=BY_TOTAL))
def test_a_raters_statements_across_dst_add_up_to_the_batch(
    tz: str, data: st.DataObject, price: rk.PriceModel
) -> None:
    # Anniversary cycles on the 31st in New York or Zurich, a plan change inside an hour after
    # the spring change, fees prorated by seconds or days, an allowance and a commitment: the
    # statements at any watermarks add up to one batch rate() to the last digit.
    proration = data.draw(st.sampled_from(["seconds", "days"]))
    minute = data.draw(st.integers(0, 59))
    steps = data.draw(st.lists(st.integers(1, 90), min_size=1, max_size=4))
    allowance = data.draw(st.integers(0, 20))
    start = rk.Span(DST_MONTHS[tz], DST_MONTHS[tz]).start_us
    stream = data.draw(
        rks.records(
            min_start=rk.Span.from_us(start, start).start,
            max_end=rk.Span.from_us(start + 72 * HOUR_US, start + 72 * HOUR_US).start,
            resolution=dt.timedelta(minutes=20),
        )
    )
    cycle = rk.cycles.monthly(tz=tz, day=31)

    def plan(name: str, vm: rk.PriceModel) -> rk.Plan:
        return rk.Plan(
            name,
            "EUR",
            cycle,
            [rk.PriceEntry("vm", "vm.hours", vm), rk.PriceEntry("eg", "egress", price)],
            fees=[rk.Fee("f", 31)],
            allowances=[rk.Allowance("egress", allowance)],
            minimums=[rk.Minimum(3)],
            proration=proration,
            tz=tz,
        )

    change_us = start + 30 * HOUR_US + minute * 60_000_000
    change = rk.Span.from_us(change_us, change_us).start
    assigned = []
    for account in ("acme", "globex"):
        assigned += [
            rk.Assignment(account, plan("first", price), end=change),
            rk.Assignment(account, plan("second", rk.PerUnit("0.07")), start=change),
        ]
    month = cycle.containing(DST_MONTHS[tz])
    rater = rk.Rater(assigned, METERS, start=month.start, horizon=dt.timedelta(days=40))
    rater.feed(stream)
    watermarks, at = [], start
    for step in steps:
        at += step * HOUR_US
        if at < month.end_us:
            watermarks.append(at)
    watermarks.append(month.end_us)
    streamed = sum(
        Fraction(rater.statement(rk.Span.from_us(w, w).start).total()) for w in watermarks
    )
    batch = rk.rate(stream, assigned, span=month, meters=METERS, as_of=month.end)
    assert streamed == Fraction(batch.total())


SPRING = rk.Span("2026-03-01T00:00:00Z", "2026-06-01T00:00:00Z")
GRANTS = [
    "2026-02-15T00:00:00Z",
    "2026-03-01T00:00:00Z",
    "2026-03-20T00:00:00Z",
    "2026-04-01T00:00:00Z",
    "2026-04-15T00:00:00Z",
    "2026-05-10T00:00:00Z",
    "2026-06-01T00:00:00Z",
]
CREDITS = st.builds(
    lambda i, cents, start, expires, priority, renews: rk.Credit(
        f"c{i}",
        "acme",
        Decimal(cents) / 100,
        "EUR",
        start=GRANTS[start],
        expires=GRANTS[expires] if expires > start else None,
        priority=priority,
        renews=renews,
    ),
    st.integers(0, 1000),
    st.integers(1, 6000),
    st.integers(0, 5),
    st.integers(0, 6),
    st.integers(0, 2),
    st.booleans(),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(CREDITS, max_size=4, unique_by=lambda credit: credit.id),
    st.lists(st.tuples(st.integers(0, 91), st.integers(-3000, 5000)), max_size=6),
)
def test_billing_the_months_one_at_a_time_with_credits_left_bills_them_together(
    granted: list[rk.Credit], used: list[tuple[int, int]]
) -> None:
    # docs/invoices.md: credits expiring, renewing or not, of any priority; usage with refunds.
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm", rk.PerUnit("0.01"))],
        fees=[rk.Fee("f", "12.34")],
    )
    rows = []
    for index, (day, quantity) in enumerate(used):
        start = SPRING.start_us + day * 24 * HOUR_US
        span = rk.Span.from_us(start, start + HOUR_US)
        rows.append(
            rk.UsageRow(
                "acme",
                "vm",
                f"r{index}",
                span,
                MONTHS.containing(span.start),
                quantity,
                "h",
                {},
                (),
            )
        )
    assigned = [rk.Assignment("acme", plan)]
    together = rk.bill(rk.rate(rows, assigned, span=SPRING), credits=granted)
    left, apart = list(granted), []
    for month in MONTHS.spans(SPRING):
        invoices = rk.bill(rk.rate(rows, assigned, span=month), credits=left)
        apart.extend(invoices)
        left = list(rk.credits_left(left, invoices))
    assert [str(invoice) for invoice in apart] == [str(invoice) for invoice in together]
