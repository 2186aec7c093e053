"""rate() and bill() against a brute-force oracle in fractions, and compare_plans() against rate().

The oracle prices each account's part of March under each plan from the rules in
docs/pricing.md alone: the net quantity a plan rates less its allowance prorated by the
part's share of the cycle (``PerUnit`` refunds a net below zero, other prices start at
0), priced from zero under that plan; a price's base (its amount at zero) and a fee
prorated by the share; a plan-wide minimum prorated by the share, topped up when the
part's usage charges fall short. Rows over a plan change are split in proportion to
time, the first part rounded at 1E-24 (docs/guarantees.md, Decimal context). A
correction takes back the units billed before it in March, last in, first out, across
the change, each for the plan that billed it; only what is left is its own plan's
(`tests._money_oracle.taken_back`). Quantities are drawn on tier bounds and around them,
with corrections below zero, for several accounts, under every rounding mode and several
quanta (the latest plan's, per line).
"""

from __future__ import annotations

import decimal
import pickle
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st
from tests._money_oracle import OraclePlan, taken_back
from tests._rounding import MODES

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
HOUR_US = 3_600_000_000
HOURS = 744  # March 2026 in UTC
Oracle = Callable[[Fraction], Fraction]
TierRow = tuple[int | None, Fraction, Fraction, int | None]


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def _graduated(tiers: list[TierRow], quantity: Fraction, flat_at_zero: bool) -> Fraction:
    total, lower = Fraction(0), 0
    for index, (up_to, unit, flat, block) in enumerate(tiers):
        if index and quantity <= lower:
            break
        inside = max(
            Fraction(0), Fraction(quantity if up_to is None else min(quantity, up_to)) - lower
        )
        total += (_ceil(inside / block) if block else inside) * unit
        if index or quantity > 0 or flat_at_zero:
            total += flat
        if up_to is None:
            break
        lower = up_to
    return total


def _volume(tiers: list[TierRow], quantity: Fraction, flat_at_zero: bool) -> Fraction:
    for up_to, unit, flat, block in tiers:
        if up_to is None or quantity <= up_to:
            units = _ceil(Fraction(quantity, block)) if block else quantity
            return units * unit + (flat if quantity > 0 or flat_at_zero else 0)
    raise AssertionError("the last tier is open")


def _decimal(value: Fraction | int) -> Decimal:
    value = Fraction(value)
    return Decimal(value.numerator) / Decimal(value.denominator)  # terminating here


@st.composite
def _tier_table(draw: st.DrawFn) -> list[TierRow]:
    bounds = sorted(draw(st.sets(st.integers(1, 30), max_size=3)))
    return [
        (
            up_to,
            Fraction(draw(st.sampled_from([0, 1, 2, 9, 25, 99])), draw(st.sampled_from([1, 100]))),
            Fraction(draw(st.sampled_from([0, 0, 3, 150])), 100),
            draw(st.sampled_from([None, None, 2, 5])),
        )
        for up_to in [*bounds, None]
    ]


@st.composite
def _price(draw: st.DrawFn) -> tuple[rk.PriceModel, Oracle, bool]:
    """A price model, its oracle and whether it is linear."""
    kind = draw(st.sampled_from(["PerUnit", "Flat", "Graduated", "Volume", "Package"]))
    if kind == "PerUnit":
        rate = Fraction(draw(st.sampled_from([1, 7, 45, 125])), draw(st.sampled_from([1, 1000])))
        return rk.PerUnit(_decimal(rate)), lambda q: rate * q, True
    if kind == "Flat":
        fee = Fraction(draw(st.sampled_from([0, 999, 1250])), 100)
        return rk.Flat(_decimal(fee)), lambda q: fee, False
    if kind == "Package":
        size, free = draw(st.sampled_from([1, 3, 10])), draw(st.sampled_from([0, 2, 7]))
        price = Fraction(draw(st.sampled_from([5, 333])), 100)
        return (
            rk.Package(size, _decimal(price), free=free),
            lambda q: price * _ceil(max(q - free, Fraction(0)) / Fraction(size)),
            False,
        )
    table = draw(_tier_table())
    at_zero = draw(st.booleans())
    tiers = [
        rk.Tier(up_to, _decimal(unit), _decimal(flat), block) for up_to, unit, flat, block in table
    ]
    if kind == "Graduated":
        graduated = rk.Graduated(tiers, flat_at_zero=at_zero)
        return graduated, lambda q: _graduated(table, q, at_zero), False
    volume = rk.Volume(tiers, flat_at_zero=at_zero)
    return volume, lambda q: _volume(table, q, at_zero), False


class _Spec:
    """A plan and what the oracle needs of it."""

    def __init__(self, draw: st.DrawFn, plan_id: str) -> None:
        self.model, self.price, self.linear = draw(_price())
        self.allowance = draw(st.sampled_from([0, 0, 1, 5, 10, 40]))
        self.minimum = Fraction(draw(st.sampled_from([0, 0, 100, 5000])), 100)
        self.fee = Fraction(draw(st.sampled_from([0, 0, 999, 2000])), 100)
        self.mode = draw(st.sampled_from(MODES))
        self.quantum = Decimal(draw(st.sampled_from(["0.01", "0.05", "1", "0.001"])))
        self.plan = rk.Plan(
            plan_id,
            "EUR",
            rk.cycles.monthly(tz="UTC"),
            [rk.PriceEntry("e", "m", self.model)],
            allowances=[rk.Allowance("m", self.allowance)] if self.allowance else [],
            minimums=[rk.Minimum(_decimal(self.minimum))] if self.minimum else [],
            fees=[rk.Fee("f", _decimal(self.fee))] if self.fee else [],
            rounding=self.mode,
            quantum=self.quantum,
        )

    def owed(self, net: Fraction, share: Fraction) -> Fraction:
        """What an account owes for a part of the cycle with ``net`` usage under this plan."""
        free = self.allowance * share
        if self.linear:
            billable = net - free if net > free else min(net, Fraction(0))
            usage = self.price(billable)
        else:  # the base prorated, the usage priced on top of it
            base = self.price(Fraction(0))
            usage = base * share + self.price(max(Fraction(0), net - free)) - base
        top_up = max(Fraction(0), self.minimum * share - usage) if self.minimum else 0
        return usage + self.fee * share + top_up


def _nets(
    drawn: list[tuple[str, str, int, int, Fraction]], cut: int, plans: int
) -> dict[tuple[str, int], Fraction]:
    """Per (account, plan part): the net quantity its plan rates (docs/pricing.md).

    A row over the change is split in proportion to time, the first part rounded at
    1E-24 (docs/guarantees.md, Decimal context); the parts then go through
    `tests._money_oracle.taken_back`: a correction takes back the units billed before it,
    last in, first out, across the change, each for the plan that billed it; only what is
    left is its own plan's (and usage after a correction below zero fills it the same
    way). Pieces that start together go as rating takes them: usage before corrections,
    then by end, resource and quantity.
    """
    names = [OraclePlan(f"p{part}", Fraction(1), "ROUND_HALF_EVEN", {}) for part in range(plans)]
    parts = [(names[0], 0, cut)] if plans == 1 else [(names[0], 0, cut), (names[1], cut, HOURS)]
    nets: dict[tuple[str, int], Fraction] = {}
    for account in sorted({row[0] for row in drawn}):
        mine = sorted(
            (resource, start, end, quantity)
            for owner, resource, start, end, quantity in drawn
            if owner == account
        )
        pieces = []
        for _, start, end, quantity in mine:
            before = min(end, cut) - start
            if before <= 0 or before >= end - start:
                pieces.append(("m", start, end, quantity))
                continue
            exact = quantity * before / (end - start)
            with decimal.localcontext(prec=80):
                head = Fraction(
                    (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
                        Decimal("1E-24"), rounding=decimal.ROUND_HALF_EVEN
                    )
                )
            pieces += [("m", start, cut, head), ("m", cut, end, quantity - head)]
        taken = taken_back(parts, pieces, (0, HOURS), (0, HOURS))
        for part, name in enumerate(names):
            rated = taken.get((name.name, "m"), [])
            nets[account, part] = sum((q for _, q in rated), Fraction(0))
    return nets


@st.composite
def _case(draw: st.DrawFn) -> tuple[list[rk.UsageRow], object, dict[str, Fraction], list[_Spec]]:
    """Rows, plans, each account's expected exact total, and the plans' specs."""
    accounts = draw(st.sampled_from([["a"], ["a", "b"], ["a", "b", "c"]]))
    first = _Spec(draw, "p1")
    change = draw(st.sampled_from([None, *range(1, HOURS, 37)]))
    specs = [first] if change is None else [first, _Spec(draw, "p2")]
    cut = HOURS if change is None else change
    rows, drawn = [], []
    for account in accounts:
        for number in range(draw(st.integers(1, 4))):
            start = draw(st.integers(0, HOURS - 1))
            end = min(HOURS, start + draw(st.sampled_from([1, 1, 5, 60])))
            quantity = Fraction(
                draw(st.sampled_from([1, 2, 3, 5, 7, 10, 29, 30, 31]))
                if draw(st.booleans())
                else Fraction(draw(st.integers(0, 3000)), 100)
            )
            if draw(st.integers(0, 6)) == 0:
                quantity = -quantity  # a correction
            span = rk.Span.from_us(MARCH.start_us + start * HOUR_US, MARCH.start_us + end * HOUR_US)
            rows.append(
                rk.UsageRow(
                    account, "m", f"r{number % 2}", span, MARCH, _decimal(quantity), "u", {}, ()
                )
            )
            drawn.append((account, f"r{number % 2}", start, end, quantity))
    nets = _nets(drawn, cut, len(specs))
    draw(st.randoms()).shuffle(rows)
    if change is None:
        plans: object = first.plan
        shares = [Fraction(1)]
    else:
        at = rk.Span.from_us(MARCH.start_us + cut * HOUR_US, MARCH.start_us + cut * HOUR_US).start
        plans = [
            assignment
            for account in accounts
            for assignment in (
                rk.Assignment(account, specs[0].plan, end=at),
                rk.Assignment(account, specs[1].plan, start=at),
            )
        ]
        shares = [Fraction(cut, HOURS), Fraction(HOURS - cut, HOURS)]
    expected = {
        account: sum(
            (
                spec.owed(nets.get((account, part), Fraction(0)), share)
                for part, (spec, share) in enumerate(zip(specs, shares, strict=True))
            ),
            Fraction(0),
        )
        for account in accounts
    }
    return rows, plans, expected, specs


def _on_quantum(precise: Decimal, quantum: Decimal, mode: str) -> Decimal:
    # the line's exact sum: its charges' 60-digit parts add up to it within 1E-40
    exact = Fraction(round(Fraction(precise) * 10**40), 10**40) / Fraction(quantum)
    with decimal.localcontext(prec=120):
        steps = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
            Decimal(1), rounding=getattr(decimal, mode)
        )
    return steps * quantum


@given(_case())
def test_rating_and_billing_agree_with_the_oracle(
    case: tuple[list[rk.UsageRow], object, dict[str, Fraction], list[_Spec]],
) -> None:
    rows, plans, expected, specs = case
    invoices = {invoice.account: invoice for invoice in rk.bill(rk.rate(rows, plans, span=MARCH))}
    latest = specs[-1]  # every line of an invoice is rounded as the latest plan rounds
    for account, owed in expected.items():
        invoice = invoices[account]
        # exact to far below any quantum (charges are rounded at their 60th digit)
        assert abs(Fraction(invoice.precise_total) - owed) < Fraction(1, 10**40), account
        assert sum(line.amount for line in invoice.lines) == invoice.total
        for line in invoice.lines:
            if line.kind != "minimum":
                assert line.amount == _on_quantum(line.precise, latest.quantum, latest.mode)


@given(_case(), _case())
def test_a_comparison_is_its_candidates_rated_apart(
    one: tuple[list[rk.UsageRow], object, dict[str, Fraction], list[_Spec]],
    two: tuple[list[rk.UsageRow], object, dict[str, Fraction], list[_Spec]],
) -> None:
    rows = one[0]
    accounts = sorted({row.account for row in rows})
    # the second case's plans, for the first case's accounts
    second = [rk.Assignment(account, two[3][0].plan) for account in accounts]
    candidates = {"now": one[1], "next": second, "same": one[1]}
    comparison = rk.compare_plans(rows, candidates, span=MARCH)  # type: ignore[arg-type]
    for name, plans in candidates.items():
        apart = rk.bill(rk.rate(rows, plans, span=MARCH))  # type: ignore[arg-type]
        assert [
            (row.account, row.total, row.precise_total)
            for row in comparison.rows
            if row.candidate == name
        ] == [(invoice.account, invoice.total, invoice.precise_total) for invoice in apart]
    baseline = {row.account: row.total for row in comparison.rows if row.candidate == "now"}
    for row in comparison.rows:
        assert row.baseline == baseline[row.account]
        assert row.difference == row.total - baseline[row.account]  # type: ignore[operator]
    assert [row.candidate for row in comparison.rows] == ["now", "next", "same"] * len(accounts)
    assert rk.compare_plans(rows[::-1], candidates, span=MARCH) == comparison  # type: ignore[arg-type]
    again = pickle.loads(pickle.dumps(comparison))
    assert again == comparison
    assert again.to_rows() == comparison.to_rows()
    assert again.totals() == comparison.totals()


def test_a_correction_starting_where_a_plan_change_splits_a_row_takes_that_rows_units() -> None:
    # Found by the law above: p1 (1 EUR) to 01:00, p2 (0.001) after; r1 0.02 u over
    # [00:00, 05:00) is split 0.004 (p1) and 0.016 (p2, from 01:00); r0 -0.01 u over
    # [01:00, 02:00) starts with r1's p2 piece, which goes first (usage before
    # corrections, docs/pricing.md) and is taken back last in, first out: 0.004 * 1 +
    # 0.016 * 0.001 - 0.01 * 0.001 = 0.004006 (the oracle once put the correction first,
    # by resource, and said 0.00001).
    month = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")

    def row(resource: str, start: str, end: str, quantity: str) -> rk.UsageRow:
        return rk.UsageRow(
            "a", "m", resource, rk.Span(start, end), month, Decimal(quantity), "u", {}, ()
        )

    def plan(name: str, rate: str) -> rk.Plan:
        return rk.Plan(
            name, "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("e", "m", rk.PerUnit(rate))]
        )

    change = "2026-03-01T01:00:00Z"
    rows = [
        row("r0", change, "2026-03-01T02:00:00Z", "-0.01"),
        row("r1", "2026-03-01T00:00:00Z", "2026-03-01T05:00:00Z", "0.02"),
    ]
    plans = [
        rk.Assignment("a", plan("p1", "1"), end=change),
        rk.Assignment("a", plan("p2", "0.001"), start=change),
    ]
    (invoice,) = rk.bill(rk.rate(rows, plans, span=month))
    assert invoice.precise_total == Decimal("0.004006")
