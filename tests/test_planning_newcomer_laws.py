"""A pricing analyst's laws: candidate plans compared, invoices exported and read back.

Each law rates drawn usage under drawn candidate plans (``ratekit.strategies``) and checks
what an analyst relies on against a brute-force oracle in ``fractions.Fraction``:

- a comparison's rows are the candidates' invoices, one per account, cycle and candidate,
  ``difference`` is ``total - baseline`` and ``change`` its sign, ``totals()`` the exact sum;
- every usage line of a summary invoice is its tiers' price of the account's cycle total,
  worked unit by unit over whole quantities, rounded once half-even (or half-up, as asked)
  on the quantum; the subtotal is the sum of the rounded lines;
- an invoice's FOCUS rows, written to CSV with ``csv`` and read back, add up to its total
  to the cent, and its lines' frame read back from CSV adds up to its subtotal;
- ``to_row``/``from_row`` through JSON gives back the invoice, and the same text.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit import strategies as rks

pytestmark = pytest.mark.property

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MONTHS = rk.cycles.monthly(tz="UTC")
SETTINGS = settings(max_examples=LAWS, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROUNDINGS = {"ROUND_HALF_EVEN": decimal.ROUND_HALF_EVEN, "ROUND_HALF_UP": decimal.ROUND_HALF_UP}


def _f(value: object) -> Fraction:
    return Fraction(Decimal(str(value)))


def rounded(value: Fraction, quantum: Decimal, mode: str) -> Decimal:
    """Round a Fraction to a whole number of quanta by hand: half-even is Python's round();
    half-up takes a tie away from zero (``decimal.ROUND_HALF_UP``)."""
    steps = value / _f(quantum)
    if mode == "ROUND_HALF_EVEN":
        whole = round(steps)
    else:
        magnitude = abs(steps) + Fraction(1, 2)
        whole = magnitude.numerator // magnitude.denominator
        whole = -whole if steps < 0 else whole
    with decimal.localcontext(prec=200):
        return (Decimal(whole) * quantum).quantize(quantum) + 0


def graduated(tiers: list[tuple[int | None, Fraction]], quantity: Fraction) -> Fraction:
    """Each part of the quantity at its tier's unit price (no flat fees, no blocks)."""
    total, lower = Fraction(0), Fraction(0)
    for up_to, unit in tiers:
        upper = None if up_to is None else Fraction(up_to)
        top = quantity if upper is None else min(quantity, upper)
        if top > lower:
            total += (top - lower) * unit
        if upper is None or quantity <= upper:
            break
        lower = upper
    return total


def volume(tiers: list[tuple[int | None, Fraction]], quantity: Fraction) -> Fraction:
    for up_to, unit in tiers:
        if up_to is None or quantity <= up_to:
            return quantity * unit
    raise AssertionError("the last tier is open")


@st.composite
def tier_tables(draw: st.DrawFn) -> list[tuple[int | None, Fraction]]:
    bounds = sorted(draw(st.sets(st.integers(1, 300), min_size=0, max_size=3)))
    units = draw(
        st.lists(
            st.decimals(min_value=0, max_value=2, places=4, allow_nan=False),
            min_size=len(bounds) + 1,
            max_size=len(bounds) + 1,
        )
    )
    ups: list[int | None] = [*bounds, None]
    return [(up, _f(unit)) for up, unit in zip(ups, units, strict=True)]


def _model(kind: str, table: list[tuple[int | None, Fraction]]) -> rk.PriceModel:
    tiers = [rk.Tier(up, Decimal(unit.numerator) / Decimal(unit.denominator)) for up, unit in table]
    return rk.Graduated(tiers) if kind == "Graduated" else rk.Volume(tiers)


@st.composite
def candidates(
    draw: st.DrawFn,
) -> dict[str, tuple[rk.Plan, str, list[tuple[int | None, Fraction]], Fraction]]:
    count = draw(st.integers(1, 6))
    out = {}
    for index in range(count):
        kind = draw(st.sampled_from(["Graduated", "Volume"]))
        table = draw(tier_tables())
        fee = draw(st.decimals(min_value=0, max_value=50, places=3, allow_nan=False))
        mode = draw(st.sampled_from(sorted(ROUNDINGS)))
        currency = "EUR"
        plan = rk.Plan(
            f"plan-{index}",
            currency,
            MONTHS,
            [rk.PriceEntry("egress", "egress", _model(kind, table))],
            fees=[rk.Fee("base", fee)] if fee else [],
            rounding=mode,
        )
        out[f"candidate <{index}>"] = (plan, kind, table, _f(fee))
    return out


usage = st.lists(
    st.tuples(
        st.sampled_from(["acme", "globex", "<b>initech</b>"]),
        st.integers(0, 9),
        st.decimals(min_value=0, max_value=500, places=3, allow_nan=False),
    ),
    max_size=10,
)


def _rows(drawn: list[tuple[str, int, Decimal]]) -> list[rk.UsageRow]:
    rows = []
    for account, day, quantity in drawn:
        span = rk.Span(f"2026-03-{day + 1:02d}T00:00:00Z", f"2026-03-{day + 2:02d}T00:00:00Z")
        rows.append(
            rk.UsageRow(account, "egress", f"ip-{day}", span, MARCH, quantity, "GB", {}, ())
        )
    return rows


@SETTINGS
@given(candidates(), usage)
def test_a_comparison_is_each_candidates_hand_worked_invoice(
    drawn: dict[str, tuple[rk.Plan, str, list[tuple[int | None, Fraction]], Fraction]],
    drawn_usage: list[tuple[str, int, Decimal]],
) -> None:
    rows = _rows(drawn_usage)
    comparison = rk.compare_plans(
        rows, {name: plan for name, (plan, *_) in drawn.items()}, span=MARCH
    )
    used: dict[str, Fraction] = defaultdict(Fraction)
    for row in rows:
        used[row.account] += _f(row.quantity)
    expected: dict[tuple[str, str], Decimal] = {}
    for name, (plan, kind, table, fee) in drawn.items():
        for account, quantity in used.items():
            price = graduated(table, quantity) if kind == "Graduated" else volume(table, quantity)
            quantum = Decimal("0.01")
            expected[account, name] = rounded(price, quantum, plan.rounding) + rounded(
                fee, quantum, plan.rounding
            )
    got = {(row.account, row.candidate): row.total for row in comparison.rows}
    assert got == expected
    baseline = next(iter(drawn))
    for row in comparison.rows:
        base = got[row.account, baseline]
        assert row.baseline == base
        assert row.difference == row.total - base  # type: ignore[operator]
        sign = row.total - base  # type: ignore[operator]
        assert row.change == ("same" if sign == 0 else "pays more" if sign > 0 else "pays less")
    totals = comparison.totals()
    for name in drawn:
        assert totals[name] == sum((got[account, name] for account in used), Decimal(0))


def _csv_text(rows: list[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


@SETTINGS
@given(
    rks.plans(meters={"egress": "GB", "vm.hours": "hour"}),
    rks.usage_rows(
        within=MARCH, accounts=("acme", 'a,"b"\n=c'), meters={"egress": "GB", "vm.hours": "hour"}
    ),
    st.lists(st.decimals(min_value=Decimal("0.01"), max_value=100, places=2), max_size=3),
)
def test_exports_read_back_from_csv_add_up_to_the_invoices_to_the_cent(
    plan: rk.Plan, rows: list[rk.UsageRow], amounts: list[Decimal]
) -> None:
    rating = rk.rate(rows, plan, span=MARCH)
    accounts = sorted({row.account for row in rows})
    granted = [
        rk.Credit(f"c{index}", account, amount, plan.currency, start=MARCH.start)
        for index, amount in enumerate(amounts)
        for account in accounts
    ]
    invoices = rk.bill(rating, credits=granted)
    if not invoices:
        return
    focus = rk.focus_rows(invoices, provider="Example")
    back = list(csv.DictReader(io.StringIO(_csv_text(focus))))
    assert len(back) == len(focus)
    paid: dict[str, Fraction] = defaultdict(Fraction)
    for row in back:
        paid[row["BillingAccountId"]] += _f(row["BilledCost"])
    for invoice in invoices:
        assert paid[invoice.account] == _f(invoice.total)
        assert _f(invoice.subtotal) == sum((_f(line.amount) for line in invoice.lines), Fraction(0))
        stored = rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice))))
        assert stored == invoice
        assert str(stored) == str(invoice)
    lines = [
        {"account": invoice.account, "amount": str(line.amount)}
        for invoice in invoices
        for line in invoice.lines
    ]
    if lines:
        read = list(csv.DictReader(io.StringIO(_csv_text(lines))))  # type: ignore[arg-type]
        sums: dict[str, Fraction] = defaultdict(Fraction)
        for line in read:
            sums[line["account"]] += _f(line["amount"])
        for invoice in invoices:
            assert sums[invoice.account] == _f(invoice.subtotal)


@SETTINGS
@given(rks.plans(meters={"egress": "GB"}), rks.usage_rows(within=MARCH, meters={"egress": "GB"}))
def test_a_plan_compared_with_itself_changes_nothing(
    plan: rk.Plan, rows: list[rk.UsageRow]
) -> None:
    comparison = rk.compare_plans(rows, {"today": plan, "same again": plan}, span=MARCH)
    assert all(row.change == "same" and row.difference == 0 for row in comparison.rows)
    totals = comparison.totals()
    assert totals["today"] == totals["same again"]
    invoices = rk.bill(rk.rate(rows, plan, span=MARCH))
    assert sorted(
        (row.account, row.total) for row in comparison.rows if row.candidate == "today"
    ) == sorted((invoice.account, invoice.total) for invoice in invoices)


MODES = [
    "ROUND_HALF_EVEN",
    "ROUND_HALF_UP",
    "ROUND_HALF_DOWN",
    "ROUND_UP",
    "ROUND_DOWN",
    "ROUND_CEILING",
    "ROUND_FLOOR",
]


def on_quantum(value: Fraction, quantum: str, mode: str) -> Fraction:
    """The whole number of quanta ``mode`` rounds ``value`` to, by hand."""
    steps = value / Fraction(quantum)
    low = steps.numerator // steps.denominator
    rest = steps - low
    if rest == 0:
        return low * Fraction(quantum)
    toward_zero, away = (low + 1, low) if steps < 0 else (low, low + 1)
    chosen = {
        "ROUND_FLOOR": low,
        "ROUND_CEILING": low + 1,
        "ROUND_DOWN": toward_zero,
        "ROUND_UP": away,
    }.get(mode)
    if chosen is None:
        distance = abs(steps - toward_zero)
        if distance != Fraction(1, 2):
            chosen = toward_zero if distance < Fraction(1, 2) else away
        elif mode == "ROUND_HALF_EVEN":
            chosen = low if low % 2 == 0 else low + 1
        else:
            chosen = away if mode == "ROUND_HALF_UP" else toward_zero
    return chosen * Fraction(quantum)


@SETTINGS
@given(
    st.sampled_from(MODES),
    st.sampled_from(["0.01", "0.05", "1", "0.25", "3", "0.001"]),
    st.lists(
        st.tuples(
            st.decimals(min_value=-50, max_value=50, places=3),
            st.decimals(min_value=0, max_value=5, places=4),
        ),
        max_size=6,
    ),
    st.integers(0, 100),
    st.booleans(),
)
def test_a_commitment_tops_up_the_lines_as_rounded_in_every_mode_and_quantum(
    mode: str, quantum: str, lines: list[tuple[Decimal, Decimal]], steps: int, per_meter: bool
) -> None:
    entries = [
        rk.PriceEntry(f"e{i}", f"m{i}", rk.PerUnit(price)) for i, (_, price) in enumerate(lines)
    ]
    commitment = steps * Fraction(quantum)
    amount = Decimal(commitment.numerator) / Decimal(commitment.denominator)
    meter = "m0" if per_meter and lines else None
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        entries,
        minimums=[rk.Minimum(amount, meter=meter)],
        rounding=mode,
        quantum=quantum,
    )
    rows = [
        rk.UsageRow("a", f"m{i}", "r", MARCH, MARCH, q, "GB", {}, ())
        for i, (q, _) in enumerate(lines)
    ]
    invoices = rk.bill(rk.rate(rows, plan, span=MARCH, accounts=["a"]))
    if not invoices:
        assert not lines
        assert commitment == 0
        return
    (invoice,) = invoices
    expected = [on_quantum(_f(q) * _f(price), quantum, mode) for q, price in lines]
    assert sorted(_f(line.amount) for line in invoice.lines if line.kind == "usage") == sorted(
        expected
    )
    counted = expected[0] if meter else sum(expected, Fraction(0))
    top_up = max(Fraction(0), commitment - counted)
    assert (
        sum((_f(line.amount) for line in invoice.lines if line.kind == "minimum"), Fraction(0))
        == top_up
    )
    assert _f(invoice.subtotal) == sum(expected, Fraction(0)) + top_up


ZURICH_MONTHS = rk.cycles.monthly(tz="Europe/Zurich")
DST_MONTHS = {
    "March": ZURICH_MONTHS.containing("2026-03-15T00:00:00Z"),  # 743 hours
    "October": ZURICH_MONTHS.containing("2026-10-15T00:00:00Z"),  # 745 hours
}


def _local_day_ends(cycle: rk.Span) -> list[dt.datetime]:
    zone = ZoneInfo("Europe/Zurich")
    local = cycle.start.astimezone(zone).date()
    ends = []
    while True:
        local += dt.timedelta(days=1)
        end = dt.datetime.combine(local, dt.time(), zone).astimezone(dt.UTC)
        if end > cycle.end:
            return ends
        ends.append(end)


@SETTINGS
@given(
    st.sampled_from(sorted(DST_MONTHS)),
    st.lists(st.integers(1, 744 * 4 - 1), min_size=2, max_size=2, unique=True),
    st.sampled_from(["seconds", "days"]),
    st.lists(st.decimals(min_value=0, max_value=1000, places=2), min_size=3, max_size=3),
)
def test_fees_of_three_plans_across_a_dst_month_are_due_their_exact_shares(
    month: str, quarters: list[int], proration: str, fees: list[Decimal]
) -> None:
    cycle = DST_MONTHS[month]
    seconds = int((cycle.end - cycle.start).total_seconds())
    changes = [
        cycle.start + dt.timedelta(seconds=seconds * q // (744 * 4)) for q in sorted(quarters)
    ]
    bounds = [cycle.start, *changes, cycle.end]
    plans = [
        rk.Plan(name, "CHF", ZURICH_MONTHS, [], fees=[rk.Fee("f", fee)], proration=proration)
        for name, fee in zip("ABC", fees, strict=True)
    ]
    assignments = [
        rk.Assignment("acme", plans[0], end=changes[0]),
        rk.Assignment("acme", plans[1], start=changes[0], end=changes[1]),
        rk.Assignment("acme", plans[2], start=changes[1]),
    ]
    rating = rk.rate([], assignments, span=cycle)
    ends = _local_day_ends(cycle)
    exact = Fraction(0)
    for fee, start, end in zip(fees, bounds, bounds[1:], strict=False):
        if proration == "seconds":
            share = Fraction(int((end - start).total_seconds()), seconds)
        else:  # a day is due to the part that holds its last instant
            share = Fraction(sum(1 for day_end in ends if start < day_end <= end), len(ends))
        exact += _f(fee) * share
    assert len(ends) == 31
    assert abs(_f(rating.total()) - exact) < Fraction(3, 10**57)
    invoices = rk.bill(rating, tz="Europe/Zurich")
    total = sum((_f(invoice.total) for invoice in invoices), Fraction(0))
    assert total == _f(rounded(exact, Decimal("0.01"), "ROUND_HALF_EVEN"))
