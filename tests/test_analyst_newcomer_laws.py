"""An analyst's pricing laws, drawn with ``ratekit.strategies``, against brute-force oracles.

Each oracle is worked in ``fractions.Fraction`` from the rules docs/pricing.md and
docs/invoices.md state, never from ratekit's own arithmetic:

- a price model's amount, tier by tier (blocks started from the tier's lower bound, a
  package after its free units, a volume tier pricing every unit);
- a month of usage under a drawn plan: each meter's billable quantity is its total less
  the month's allowances, priced whole; the minimums top the spend up; the fees are due;
- a fee over a month split between two plans, prorated by seconds or by whole local days
  in a DST zone: the month's position at the change is the further of the two counts;
- a shared charge's rounded whole split by the largest remainder on the quantum;
- a drawn plan dumped as plain data, through JSON, and loaded back.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import zoneinfo
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

import ratekit as rk
from ratekit import plandata
from ratekit import strategies as rks

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
UTC_MONTHS = rk.cycles.monthly(tz="UTC")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _hostile_context() -> decimal.Context:
    return decimal.Context(
        prec=3, rounding=decimal.ROUND_DOWN, traps=[decimal.Inexact, decimal.Rounded]
    )


def _us(instant: dt.datetime) -> int:
    return (instant - EPOCH) // dt.timedelta(microseconds=1)


def _blocks(quantity: Fraction, block: Fraction | None, unit: Fraction) -> Fraction:
    """``quantity`` priced at ``unit`` per unit, or per started ``block``."""
    if block is None:
        return quantity * unit
    return math.ceil(quantity / block) * unit


def oracle_amount(price: object, quantity: Fraction) -> Fraction:
    """What docs/pricing.md says ``price`` charges for ``quantity`` (0 or more)."""
    if isinstance(price, rk.PerUnit):
        return Fraction(price.rate) * quantity
    if isinstance(price, rk.Flat):
        return Fraction(price.fee)
    if isinstance(price, rk.Package):
        billable = max(quantity - Fraction(price.free), Fraction(0))
        return math.ceil(billable / Fraction(price.size)) * Fraction(price.price)
    assert isinstance(price, rk.Graduated | rk.Volume)
    bounds = [None if t.up_to is None else Fraction(t.up_to) for t in price.tiers]
    lowers = [Fraction(0), *[b for b in bounds[:-1] if b is not None]]
    if quantity == 0 and not price.flat_at_zero:
        return Fraction(0)
    total = Fraction(0)
    for tier, lower, upper in zip(price.tiers, lowers, bounds, strict=True):
        block = None if tier.block is None else Fraction(tier.block)
        inside = upper is None or quantity <= upper
        if isinstance(price, rk.Volume):
            if inside:  # this tier prices every unit, blocks counted from 0
                return Fraction(tier.flat) + _blocks(quantity, block, Fraction(tier.unit))
            continue
        if quantity > lower or lower == 0:  # the quantity reaches this tier
            part = (quantity if upper is None else min(quantity, upper)) - lower
            total += Fraction(tier.flat) + _blocks(part, block, Fraction(tier.unit))
        if inside:
            break
    return total


@given(
    rks.price_models(places=4),
    st.decimals(min_value=0, max_value=100_000, places=4, allow_nan=False),
)
def test_every_drawn_price_charges_what_its_tiers_say(
    price: rk.PriceModel, quantity: Decimal
) -> None:
    with decimal.localcontext(_hostile_context()):
        amount = price.amount(quantity)
    assert Fraction(amount) == oracle_amount(price, Fraction(quantity))


def _month_oracle(rows: Iterable[rk.UsageRow], plan: rk.Plan, account: str) -> Fraction:
    used = [row for row in rows if row.account == account]
    spent: dict[str, Fraction] = {}
    for entry in plan.entries:
        quantity = sum((Fraction(r.quantity) for r in used if r.meter == entry.meter), Fraction(0))
        free = sum(
            (Fraction(a.quantity) for a in plan.allowances if a.meter == entry.meter), Fraction(0)
        )
        spent[entry.meter] = oracle_amount(entry.price, max(quantity - free, Fraction(0)))
    top_ups = Fraction(0)
    for minimum in plan.minimums:
        counted = sum(spent.values()) if minimum.meter is None else spent[minimum.meter]
        top_ups += max(Fraction(minimum.amount) - counted, Fraction(0))
    return sum(spent.values()) + sum(Fraction(fee.amount) for fee in plan.fees) + top_ups


@settings(max_examples=60)
@given(rks.usage_rows(within=MARCH, max_size=6), rks.plans())
def test_a_drawn_month_costs_its_billable_totals_fees_and_top_ups(
    rows: list[rk.UsageRow], plan: rk.Plan
) -> None:
    with decimal.localcontext(_hostile_context()):
        rating = rk.rate(rows, plan, span=MARCH)
        invoices = rk.bill(rating)
    for account in {row.account for row in rows}:
        assert Fraction(rating.total(account=account)) == _month_oracle(rows, plan, account)
    for invoice in invoices:
        assert invoice.total == sum(line.amount for line in invoice.lines)


def _local_day_starts(zone: str, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The first instants of the local dates that begin in ``(start, end]``, by bisection.

    A local date begins at the first whole second whose wall-clock date reaches it
    (midnight, or the end of a gap that skips midnight), searched in UTC seconds.
    """
    tz = zoneinfo.ZoneInfo(zone)

    def local_date(second: int) -> dt.date:
        return (EPOCH + dt.timedelta(seconds=second)).astimezone(tz).date()

    starts = []
    day = start.astimezone(tz).date()
    while True:
        day += dt.timedelta(days=1)
        low = _us(dt.datetime.combine(day, dt.time(), dt.UTC)) // 10**6 - 15 * 3600
        high = low + 30 * 3600  # local_date(low) < day <= local_date(high)
        while high - low > 1:
            middle = (low + high) // 2
            if local_date(middle) >= day:
                high = middle
            else:
                low = middle
        first = EPOCH + dt.timedelta(seconds=high)
        if first > end:
            return starts
        starts.append(first)


ZONES = ["Europe/Zurich", "America/Santiago", "Australia/Lord_Howe", "Asia/Kolkata"]


@settings(max_examples=60)
@given(
    st.sampled_from(ZONES),
    st.sampled_from(["2026-03-15", "2026-04-10", "2026-09-10", "2026-10-15"]),
    st.integers(1, 999),
    st.sampled_from(["days", "seconds"]),
    st.sampled_from(["days", "seconds"]),
)
def test_a_fee_split_at_a_change_is_due_for_the_further_count(
    zone: str, inside: str, thousandths: int, first_basis: str, second_basis: str
) -> None:
    # docs/pricing.md (a change between plans that count days differently): each part is
    # due for the position at its end less the one at its start, the position at the
    # change being the further of the two plans' counts.
    months = rk.cycles.monthly(tz=zone)
    month = months.containing(inside + "T12:00:00Z")
    change = (month.start + (month.end - month.start) * thousandths / 1000).replace(microsecond=0)

    def plan(name: str, basis: str) -> rk.Plan:
        tz = zone if basis == "days" else None
        fees = [rk.Fee("base", 1000)]
        return rk.Plan(name, "EUR", months, [], fees=fees, proration=basis, tz=tz)

    assignments = [
        rk.Assignment("x", plan("a", first_basis), end=change),
        rk.Assignment("x", plan("b", second_basis), start=change),
    ]
    with decimal.localcontext(_hostile_context()):
        charges = rk.rate([], assignments, span=month).charges
    due = {charge.plan: Fraction(charge.amount) for charge in charges}
    starts = _local_day_starts(zone, month.start, month.end)
    by_days = Fraction(sum(1 for start in starts if start <= change), len(starts))
    by_seconds = Fraction(_us(change) - _us(month.start), _us(month.end) - _us(month.start))
    counts = {"days": by_days, "seconds": by_seconds}
    position = max(counts[first_basis], counts[second_basis])
    for name, want in (("a", 1000 * position), ("b", 1000 * (1 - position))):
        assert abs(due.get(name, Fraction(0)) - want) < Fraction(1, 10**56)


def _largest_remainder(
    whole: Fraction, weights: dict[str, int], quantum: Fraction
) -> dict[str, Fraction]:
    steps = whole / quantum
    assert steps.denominator == 1
    exact = {a: steps * w / sum(weights.values()) for a, w in weights.items()}
    parts = {a: Fraction(math.floor(share)) for a, share in exact.items()}
    left = int(steps - sum(parts.values()))
    for account in sorted(weights, key=lambda a: (parts[a] - exact[a], a))[:left]:
        parts[account] += 1
    return {a: part * quantum for a, part in parts.items()}


@settings(max_examples=60)
@given(
    st.integers(1, 10**7),
    st.dictionaries(
        st.sampled_from(["acme", "beta", "gamma", "delta"]), st.integers(1, 20), min_size=1
    ),
    st.sampled_from(["0.01", "0.05", "0.25", "1"]),
    st.sampled_from(["0.001", "0.0137", "1"]),
)
def test_a_shared_charge_is_split_by_the_largest_remainder_in_bills_and_comparisons(
    gigabytes: int, weights: dict[str, int], quantum: str, rate: str
) -> None:
    # docs/invoices.md (shared charges): the owner's charge is rounded once (the whole),
    # then split in proportion to the shares by the largest remainder on the quantum,
    # ties in the order of the account ids.
    entries = [rk.PriceEntry("images", "gb", rk.PerUnit(rate))]
    plan = rk.Plan("d", "CHF", UTC_MONTHS, entries, quantum=quantum)
    rows = [rk.UsageRow("acme", "gb", "img", MARCH, MARCH, gigabytes, "GB", {}, ())]
    share = rk.Share("acme", "img", weights)
    whole = Fraction(plan.round(Decimal(gigabytes) * Decimal(rate)))
    want = _largest_remainder(whole, weights, Fraction(Decimal(quantum)))
    with decimal.localcontext(_hostile_context()):
        billed = {
            i.account: Fraction(i.total)
            for i in rk.bill(rk.rate(rows, plan, span=MARCH, shares=[share]))
        }
        compared = rk.compare_plans(rows, {"d": plan}, span=MARCH, shares=[share])
    assert billed == want
    assert {row.account: Fraction(row.total) for row in compared.rows} == want


@settings(max_examples=60)
@given(rks.plans(tz="Europe/Zurich", quantum="0.05"))
def test_a_drawn_plan_goes_through_json_and_back(plan: rk.Plan) -> None:
    data = json.loads(json.dumps(plandata.dump(plan)))
    assert plandata.load(data) == plan
    document = plandata.load_document({"plans": [{k: v for k, v in data.items() if k != "type"}]})
    assert document.plans == (plan,)


def _card_oracle(
    terms: tuple[Decimal, Decimal, Decimal, int, Decimal | None, Decimal | None],
    transactions: list[Decimal],
) -> Fraction:
    """Each transaction's percent above what is left free, plus its fee, bounded."""
    percent, fee, free_amount, free_transactions, minimum, maximum = terms
    left, total = Fraction(free_amount), Fraction(0)
    for index, amount in enumerate(transactions):
        free = min(left, Fraction(amount))
        left -= free
        above = Fraction(amount) - free
        waived = index < free_transactions or fee == 0
        charge = Fraction(percent) / 100 * above + (
            0 if index < free_transactions else Fraction(fee)
        )
        if above == 0 and waived:  # wholly free: its fee waived or zero, nothing above
            continue
        if minimum is not None:
            charge = max(charge, Fraction(minimum))
        if maximum is not None:
            charge = min(charge, Fraction(maximum))
        total += charge
    return total


_MONEY = st.decimals(min_value=0, max_value=1000, places=2)


@given(
    st.tuples(
        st.decimals(min_value=0, max_value=10, places=2),
        _MONEY,
        _MONEY,
        st.integers(0, 3),
        st.none() | _MONEY,
        st.none() | _MONEY,
    ),
    st.lists(_MONEY, max_size=5),
)
def test_a_card_fee_charges_each_transaction_its_terms(
    terms: tuple[Decimal, Decimal, Decimal, int, Decimal | None, Decimal | None],
    transactions: list[Decimal],
) -> None:
    # docs/pricing.md (percentages) and rk.Percentage: the percent applies to the part of
    # each transaction above the free amount, used up in order; the fee is charged after
    # the first free transactions; minimum and maximum bound each charge, except that a
    # transaction left wholly free costs nothing.
    percent, fee, free_amount, free_transactions, minimum, maximum = terms
    if minimum is not None and maximum is not None and minimum > maximum:
        minimum, maximum = maximum, minimum
    card = rk.Percentage(
        percent,
        fixed_fee=fee,
        free_amount=free_amount,
        free_transactions=free_transactions,
        minimum=minimum,
        maximum=maximum,
    )
    with decimal.localcontext(_hostile_context()):
        amount = card.amount_of(transactions)
    bounded = (percent, fee, free_amount, free_transactions, minimum, maximum)
    assert Fraction(amount) == _card_oracle(bounded, transactions)
