"""A marketplace's own pricing rules, stated as laws over ratekit's strategies.

Two promises a pricing analyst checks against hand arithmetic in Fractions:

- a comparison's totals are what the plans' prices say: for any plan ``rks.plans()``
  draws (per unit, flat, graduated, volume, package; a fee, an allowance or a minimum)
  and any usage ``rks.usage_rows()`` draws in New York's March (DST starts on the 8th),
  each account's total is its lines rounded once each: the base of each entry and the
  rest of ``amount(max(0, net - allowance))``, the fees, and the minimum when the spend
  falls short of it;
- refunds go back at the price they were billed at: under a per-unit list price that
  changes mid-month (on the first hour of daylight time), calls and refunds in any
  order cost what a stack of priced units says, last in, first out, with what goes
  below zero held at the refund's price and filled first by later usage; and so under
  up to three list prices in the month, per unit or graduated (each unit at its place
  in the plan's running quantity, under the price that billed it), on any resources;
- the deltas of one instant on several resources count as their net under a price by
  the account's total: renaming the resources or shuffling the records changes no
  total and no invoice line, and the total is that of the records on one resource.
"""

from __future__ import annotations

import datetime as dt
import random
import typing
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit import strategies as rks

pytestmark = pytest.mark.property

NY = "America/New_York"
MARCH = rk.Span("2026-03-01T00:00:00-05:00", "2026-04-01T00:00:00-04:00")
CALLS = rk.Meter("calls", "call", rk.Discrete())
EXAMPLES = max(LAWS // 4, 10)


def _cents(amount: Fraction) -> Fraction:
    """``amount`` rounded half-even to a whole cent, exactly."""
    steps = amount * 100
    whole = steps.numerator // steps.denominator
    rest = steps - whole
    if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2 == 1):
        whole += 1
    return Fraction(whole, 100)


def _decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def _plan_totals(rows: list[rk.UsageRow], plan: rk.Plan) -> dict[str, Fraction]:
    """Each account's March invoice under ``plan``, worked with Fractions."""
    totals = {}
    for account in sorted({row.account for row in rows}):
        lines: list[Fraction] = []
        spent = Fraction(0)
        for entry in plan.entries:
            used = sum(
                (
                    Fraction(r.quantity)
                    for r in rows
                    if (r.account, r.meter) == (account, entry.meter)
                ),
                Fraction(0),
            )
            free = sum(
                (Fraction(a.quantity) for a in plan.allowances if a.meter == entry.meter),
                Fraction(0),
            )
            billable = max(Fraction(0), used - free)
            base = Fraction(entry.price.amount(0))
            whole = Fraction(entry.price.amount(_decimal(billable)))
            lines += [base, whole - base]  # the base is its own line, the usage the rest
            spent += whole
        total = sum((_cents(line) for line in lines), Fraction(0))
        for minimum in plan.minimums:
            assert minimum.meter is None  # rks.plans() draws plan-wide minimums
            if spent < minimum.amount:
                total = Fraction(minimum.amount)  # the lines and the top-up make it
        totals[account] = total + sum(
            (_cents(Fraction(fee.amount)) for fee in plan.fees), Fraction(0)
        )
    return totals


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rks.usage_rows(within=MARCH, max_size=6), rks.plans(tz=NY, currency="USD"))
def test_a_comparison_bills_what_the_prices_say(rows: list[rk.UsageRow], plan: rk.Plan) -> None:
    comparison = rk.compare_plans(rows, {"drawn": plan}, span=MARCH)
    got = {row.account: Fraction(row.total) for row in comparison.rows if row.total is not None}
    assert got == _plan_totals(rows, plan)


PRICE_CUT = dt.datetime(2026, 3, 8, 7, tzinfo=dt.UTC)  # 03:00 EDT, the first hour of DST
OLD, NEW = Fraction("0.002"), Fraction("0.0015")
LISTED = rk.Plan(
    "listed",
    "USD",
    rk.cycles.monthly(tz=NY),
    [
        rk.PriceEntry("old", "calls", rk.PerUnit("0.002")),
        rk.PriceEntry("new", "calls", rk.PerUnit("0.0015"), start=PRICE_CUT, priority=1),
    ],
)
_INSTANTS = [MARCH.start + dt.timedelta(hours=h) for h in range(0, 743, 7)]
_INSTANTS += [PRICE_CUT, PRICE_CUT - dt.timedelta(microseconds=1)]


def _stacked(stamped: list[tuple[dt.datetime, str, int]]) -> Fraction:
    """The month's cost by a stack of priced units, last in, first out.

    The deltas of one instant count as their net. Usage fills what went below zero
    first, at the price it went below zero at, then stacks at its own price; a refund
    takes back the units on top at their price, then goes below zero at its own.
    """
    net: dict[dt.datetime, int] = {}
    for at, _, n in stamped:
        net[at] = net.get(at, 0) + n
    stack: list[list[Fraction]] = []  # [price, units]: units < 0 is a deficit
    total = Fraction(0)
    for at in sorted(net):
        left = Fraction(net[at])
        price = NEW if at >= PRICE_CUT else OLD
        sign = 1 if left > 0 else -1
        while left and stack and stack[-1][1] * sign < 0:
            unit_price, units = stack[-1]
            moved = min(abs(left), abs(units))
            total += sign * moved * unit_price
            left -= sign * moved
            stack[-1][1] += sign * moved
            if stack[-1][1] == 0:
                stack.pop()
        if left:
            if stack and stack[-1][0] == price:
                stack[-1][1] += left
            else:
                stack.append([price, left])
            total += left * price
    return total


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_INSTANTS), st.sampled_from(["api", "api2"]), st.integers(-3000, 5000)
        ),
        min_size=1,
        max_size=6,
    )
)
def test_refunds_go_back_at_the_price_they_were_billed_at(
    stamped: list[tuple[dt.datetime, str, int]],
) -> None:
    records = [
        rk.Sample("acme", resource, "calls", at, n, id=f"r{i}")
        for i, (at, resource, n) in enumerate(stamped)
    ]
    rating = rk.rate(records, LISTED, span=MARCH, meters=[CALLS])
    assert Fraction(rating.total()) == _stacked(stamped)


_RATES = ["0.001", "0.0015", "0.002", "0.003", "0.004"]
# Fewer instants than _INSTANTS, so that calls and refunds often straddle two changes.
_DAYS = [MARCH.start + dt.timedelta(hours=h) for h in range(0, 743, 53)] + [PRICE_CUT]


@st.composite
def _list_prices(draw: st.DrawFn) -> tuple[rk.Plan, list[tuple[dt.datetime, rk.PriceModel]]]:
    """A plan of one to three list prices in March, all per unit or all graduated.

    Each price from a drawn instant on (the first from the start), a higher priority
    than the one before; returned with the prices by the instant each starts.
    """
    graduated = draw(st.booleans())
    starts = draw(st.lists(st.sampled_from(_DAYS[1:]), max_size=2, unique=True))
    prices: list[tuple[dt.datetime, rk.PriceModel]] = []
    for at in [MARCH.start, *sorted(starts)]:
        if graduated:
            bound = draw(st.sampled_from([500, 1000, 4000]))
            low, high = draw(st.sampled_from(_RATES)), draw(st.sampled_from(_RATES))
            prices.append((at, rk.Graduated([rk.Tier(bound, low), rk.Tier(None, high)])))
        else:
            prices.append((at, rk.PerUnit(draw(st.sampled_from(_RATES)))))
    entries = [
        rk.PriceEntry(f"p{i}", "calls", price, start=None if i == 0 else at, priority=i)
        for i, (at, price) in enumerate(prices)
    ]
    return rk.Plan("list", "USD", rk.cycles.monthly(tz=NY), entries), prices


def _amount(price: rk.PriceModel, low: Fraction, high: Fraction) -> Fraction:
    """What ``price`` bills for the running quantity from ``low`` to ``high``, exactly.

    Per unit, each unit at its rate (below zero too); graduated, each unit at zero or
    above at its tier's rate (a total below zero is priced at zero).
    """
    if isinstance(price, rk.PerUnit):
        return Fraction(price.rate) * (high - low)

    def whole(quantity: Fraction) -> Fraction:
        assert isinstance(price, rk.Graduated)
        out, floor = Fraction(0), Fraction(0)
        for tier in price.tiers:
            top = quantity if tier.up_to is None else min(quantity, Fraction(tier.up_to))
            if top > floor:
                out += (top - floor) * Fraction(tier.unit)
            if tier.up_to is not None:
                floor = Fraction(tier.up_to)
        return out

    return whole(max(high, Fraction(0))) - whole(max(low, Fraction(0)))


def _stacked_at(
    stamped: list[tuple[dt.datetime, str, int]], prices: list[tuple[dt.datetime, rk.PriceModel]]
) -> Fraction:
    """The month's cost by a stack of units, each with the price that billed it, LIFO.

    The deltas of one instant count as their net, under the price in force there. A
    refund takes back the units on top, each under its own price from where the running
    quantity stands, then goes below zero under its own; usage fills the deficits on
    top the same way, then stacks under its own price.
    """
    net: dict[dt.datetime, int] = {}
    for at, _, n in stamped:
        net[at] = net.get(at, 0) + n
    stack: list[list[typing.Any]] = []  # [price, units]: units < 0 is a deficit
    total = position = Fraction(0)
    for at in sorted(net):
        left = Fraction(net[at])
        price = [model for start, model in prices if start <= at][-1]
        sign = 1 if left > 0 else -1
        while left and stack and stack[-1][1] * sign < 0:
            moved = sign * min(abs(left), abs(stack[-1][1]))
            total += _amount(stack[-1][0], position, position + moved)
            position += moved
            left -= moved
            stack[-1][1] += moved
            if stack[-1][1] == 0:
                stack.pop()
        if left:
            if stack and stack[-1][0] is price and stack[-1][1] * sign > 0:
                stack[-1][1] += left
            else:
                stack.append([price, left])
            total += _amount(price, position, position + left)
            position += left
    return total


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _list_prices(),
    st.lists(
        st.tuples(
            st.sampled_from(_DAYS), st.sampled_from(["api", "api2"]), st.integers(-3000, 5000)
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_refunds_go_back_at_the_price_they_were_billed_at_under_three_list_prices(
    listed: tuple[rk.Plan, list[tuple[dt.datetime, rk.PriceModel]]],
    stamped: list[tuple[dt.datetime, str, int]],
) -> None:
    plan, prices = listed
    records = [
        rk.Sample("acme", resource, "calls", at, n, id=f"r{i}")
        for i, (at, resource, n) in enumerate(stamped)
    ]
    rating = rk.rate(records, plan, span=MARCH, meters=[CALLS])
    assert Fraction(rating.total()) == _stacked_at(stamped, prices)


_CHANGES = [MARCH.start + dt.timedelta(days=d) for d in (9, 19)]
_STAMPS = [MARCH.start + dt.timedelta(days=d) for d in (1, 11, 24, 32, 40)]  # into April
TWO_MONTHS = rk.Span(MARCH.start, "2026-05-01T00:00:00-04:00")


@st.composite
def _by_total(draw: st.DrawFn) -> rk.Plan:
    """A plan of one to three list prices by total, graduated or volume, from March on.

    With or without an allowance of a few calls a month.
    """
    model = draw(st.sampled_from([rk.Graduated, rk.Volume]))
    count = draw(st.integers(1, 3))
    entries = []
    for i, at in enumerate([None, *_CHANGES][:count]):
        low, high = draw(st.sampled_from(_RATES)), draw(st.sampled_from(_RATES))
        bound = draw(st.sampled_from([3, 5, 8]))
        price = model([rk.Tier(bound, low), rk.Tier(None, high)])
        entries.append(rk.PriceEntry(f"p{i}", "calls", price, start=at, priority=i))
    free = draw(st.sampled_from([0, 2, 4]))
    allowances = [rk.Allowance("calls", free)] if free else []
    return rk.Plan("total", "USD", rk.cycles.monthly(tz=NY), entries, allowances=allowances)


def _lines(rating: rk.Rating) -> list[tuple[object, ...]]:
    """Each cycle's invoice lines: entry, quantity, exact and billed amounts."""
    return [
        (
            invoice.cycle,
            [(line.entry, line.quantity, line.precise, line.amount) for line in invoice.lines],
        )
        for invoice in rk.bill(rating)
    ]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    _by_total(),
    st.lists(
        st.tuples(st.sampled_from(_STAMPS), st.sampled_from(["a", "b", "c"]), st.integers(-9, 12)),
        min_size=2,
        max_size=7,
    ),
    st.permutations(["a", "b", "c"]),
    st.randoms(use_true_random=False),
)
def test_an_instants_usage_nets_first_whatever_the_resources_names_or_order(
    plan: rk.Plan,
    stamped: list[tuple[dt.datetime, str, int]],
    renamed: list[str],
    shuffle: random.Random,
) -> None:
    # A price by the account's total (no group_by) prices an instant's deltas on its
    # resources as their net, and an allowance frees their units alike: renaming the
    # resources (any permutation of their ids) and shuffling the records change neither
    # the total nor any cycle's lines, and the total is that of all the records on one
    # resource (where metering nets them). Under one to three list prices, graduated or
    # volume, with or without an allowance, over March and April.
    def rated(names: dict[str, str], mixed: bool) -> rk.Rating:
        records = [
            rk.Sample("acme", names[resource], "calls", at, n, id=f"r{i}")
            for i, (at, resource, n) in enumerate(stamped)
        ]
        if mixed:
            shuffle.shuffle(records)
        return rk.rate(records, plan, span=TWO_MONTHS, meters=[CALLS])

    first = rated({name: name for name in "abc"}, False)
    again = rated(dict(zip("abc", renamed, strict=True)), True)
    assert (again.total(), _lines(again)) == (first.total(), _lines(first))
    assert rated(dict.fromkeys("abc", "one"), True).total() == first.total()
