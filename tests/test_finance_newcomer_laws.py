"""Laws of a month with a plan change, fees, commitments and a credit, against a Fraction oracle.

For any instant of an April on Lord Howe Island at which an account leaves one plan for
another (the instant the clocks go back included), any per-unit prices, fees and
commitments of either plan, usage on either side, a credit, EUR, JPY or KWD, any
rounding mode a plan takes and either proration: the invoice is what a brute-force
oracle computes from the docs' rules (each line rounded once, each plan's commitment
prorated, put on the quantum and topped up against its own lines as rounded, the
credit paying whole quanta of a positive subtotal), and its exports read back equal,
its FOCUS rows add up to its total, and its HTML shows each of its lines. For any
usage, a comparison's totals are the candidates' invoices' totals and its differences
what each account pays more or less (docs/invoices.md, docs/pricing.md "A change between
plans that count days differently", docs/exports.md, docs/experiments.md).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests._money_oracle import stacked
from tests._rounding import MODES

import ratekit as rk
from _budget import FLOOR, LAWS
from _html_pages import SAFE_TAGS, parsed

TZ = "Australia/Lord_Howe"
MONTHS = rk.cycles.monthly(tz=TZ)
APRIL = MONTHS.containing("2026-04-10T00:00:00Z")
SECONDS = int(APRIL.duration.total_seconds())
#: 15:00Z on 4 April 2026: 02:00 LHDT becomes 01:30 LHST.
CLOCKS_GO_BACK = int((dt.datetime(2026, 4, 4, 15, tzinfo=dt.UTC) - APRIL.start).total_seconds())
QUANTA = {"EUR": Decimal("0.01"), "JPY": Decimal(1), "KWD": Decimal("0.001")}
AMOUNTS = st.sampled_from(["0", "0.005", "0.0005", "0.333", "1", "7", "12.5", "49.995", "100"])
QUANTITIES = st.sampled_from(["1", "3", "-2", "0.5", "7.77", "1000"])


def _on_quantum(value: Fraction, quantum: Decimal, mode: str) -> Fraction:
    """The oracle's rounding: a whole number of quanta by `mode`, in a context wide enough."""
    with decimal.localcontext(prec=500):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return Fraction((exact / quantum).quantize(Decimal(1), rounding=mode)) * Fraction(quantum)


def _share(proration: str, offset: int) -> Fraction:
    """The first plan's share of April: its seconds, or the local days that ended before
    the change (a day is the part's that holds its last instant)."""
    if proration == "seconds":
        return Fraction(offset, SECONDS)
    change = APRIL.start + dt.timedelta(seconds=offset)
    zone = ZoneInfo(TZ)
    ends = [dt.datetime(2026, 4, day, tzinfo=zone) for day in range(2, 31)]
    ends.append(dt.datetime(2026, 5, 1, tzinfo=zone))
    return Fraction(sum(1 for end in ends if end <= change), 30)


@st.composite
def _months(draw: st.DrawFn) -> dict[str, object]:
    offset = draw(st.one_of(st.just(CLOCKS_GO_BACK), st.integers(3600, SECONDS - 3600)))
    usage = draw(
        st.lists(
            st.tuples(st.integers(0, SECONDS - 61), st.integers(1, 60), QUANTITIES),
            max_size=4,
        )
    )
    return {
        "offset": offset,
        "usage": [
            (start, length, quantity)
            for start, length, quantity in usage
            if not start < offset < start + length
        ],
        "currency": draw(st.sampled_from(sorted(QUANTA))),
        "mode": draw(st.sampled_from(MODES)),
        "proration": draw(st.sampled_from(["seconds", "days"])),
        "prices": (draw(AMOUNTS), draw(AMOUNTS)),
        "fees": (draw(AMOUNTS), draw(AMOUNTS)),
        "minimums": (draw(AMOUNTS), draw(AMOUNTS)),
        "credit": draw(st.sampled_from(["1", "5", "100", "1000"])),
    }


def _taken_back(rows: list[rk.UsageRow], change: dt.datetime) -> list[tuple[int, Fraction]]:
    """(plan 0 or 1, quantity) as rated: the rows in time order (of rows that start
    together, usage before corrections, then by end and record ids, as docs/pricing.md
    orders them: an instant's deltas touch the stack as their net), each stacking its
    calls under its plan, a correction taking back the calls on top first, for the plan
    that billed them, and stacking only what is left under its own."""
    out: list[tuple[int, Fraction]] = []
    stack: list[tuple[int, Fraction]] = []  # (plan, calls) runs, the last in on top
    order = sorted(
        rows, key=lambda r: (r.span.start_us, r.quantity < 0, r.span.end_us, r.record_ids)
    )
    for row in order:
        own = 0 if row.span.end <= change else 1
        out.extend(stacked(stack, own, Fraction(row.quantity)))
    return out


@pytest.mark.property
@settings(
    max_examples=max(LAWS // 5, FLOOR), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(month=_months())
def test_a_plan_change_anywhere_in_a_dst_month_bills_what_the_oracle_computes(
    month: dict[str, object],
) -> None:
    offset = month["offset"]
    currency = month["currency"]
    mode = month["mode"]
    proration = month["proration"]
    assert isinstance(offset, int)
    assert isinstance(currency, str)
    assert isinstance(mode, str)
    assert isinstance(proration, str)
    prices, fees, minimums = month["prices"], month["fees"], month["minimums"]
    assert isinstance(prices, tuple)
    assert isinstance(fees, tuple)
    assert isinstance(minimums, tuple)
    plans = [
        rk.Plan(
            name,
            currency,
            MONTHS,
            [rk.PriceEntry(f"e{name}", "calls", rk.PerUnit(price))],
            fees=[rk.Fee("base", fee)],
            minimums=[rk.Minimum(minimum)],
            rounding=mode,
            proration=proration,
        )
        for name, price, fee, minimum in zip("ab", prices, fees, minimums, strict=True)
    ]
    change = APRIL.start + dt.timedelta(seconds=offset)
    rows = []
    usage = month["usage"]
    assert isinstance(usage, list)
    for number, (start, length, quantity) in enumerate(usage):
        begins = APRIL.start + dt.timedelta(seconds=start)
        span = rk.Span(begins, begins + dt.timedelta(seconds=length))
        rows.append(
            rk.UsageRow("acme", "calls", "key", span, APRIL, quantity, "call", {}, (f"r{number}",))
        )
    # a correction takes back the calls billed before it, last in, first out, whichever
    # plan billed them, at that plan's price (docs/pricing.md, Negative quantities)
    spent = [Fraction(0), Fraction(0)]
    used = [False, False]
    for side, quantity in _taken_back(rows, change):
        spent[side] += quantity * Fraction(prices[side])
        used[side] = True
    credit_amount = month["credit"]
    assert isinstance(credit_amount, str)
    assignments = [
        rk.Assignment("acme", plans[0], end=change),
        rk.Assignment("acme", plans[1], start=change),
    ]
    rating = rk.rate(rows, assignments, span=APRIL)
    credit = rk.Credit("welcome", "acme", credit_amount, currency, start=APRIL.start)
    (invoice,) = rk.bill(rating, credits=[credit], tz=TZ)

    # The oracle, from the docs' rules.
    quantum = QUANTA[currency]
    first = _share(proration, offset)
    shares = (first, 1 - first)
    lines = [_on_quantum(spent[side], quantum, mode) for side in (0, 1)]
    fee = _on_quantum(sum(Fraction(fees[side]) * shares[side] for side in (0, 1)), quantum, mode)
    top_ups = [
        max(
            _on_quantum(Fraction(minimums[side]) * shares[side], quantum, mode) - lines[side],
            Fraction(0),
        )
        for side in (0, 1)
    ]
    subtotal = sum(lines[side] for side in (0, 1) if used[side]) + fee + sum(top_ups)
    due = max(subtotal, Fraction(0))
    paid = min(Fraction(credit_amount), due) // Fraction(quantum) * Fraction(quantum)
    assert Fraction(invoice.subtotal) == subtotal
    assert Fraction(invoice.total) == subtotal - paid
    fee_line = next(line for line in invoice.lines if line.kind == "fee")
    assert Fraction(fee_line.amount) == fee
    assert sum(Fraction(line.amount) for line in invoice.lines if line.kind == "minimum") == sum(
        top_ups
    )
    # the exact parts add up: the invoice's precise total is the rating's exact total
    assert invoice.precise_total == rating.total()

    # Every view and export says the same.
    back = rk.from_row(rk.Invoice, json.loads(json.dumps(rk.to_row(invoice))))
    assert back == invoice
    assert str(back) == str(invoice)
    focus = rk.focus_rows([invoice], provider="Example SaaS")
    assert sum(Fraction(row["BilledCost"]) for row in focus) == Fraction(invoice.total)
    for row in focus:
        if row["ListUnitPrice"] is not None:
            assert Fraction(row["PricingQuantity"]) * Fraction(row["ListUnitPrice"]) == Fraction(
                row["ListCost"]
            )
    exact = rk.focus_rows(rating, provider="Example SaaS")
    assert sum(Fraction(row["BilledCost"]) for row in exact) == Fraction(rating.total())
    page = parsed(invoice._repr_html_())
    assert page.tags <= SAFE_TAGS
    cells = [(cells[0], cells[-1]) for _, cells in page.rows if cells and cells[-1]]
    text = str(invoice)
    for line in invoice.lines:
        assert (line.label, str(line.amount)) in cells
        assert f" {line.amount}\n" in text
    assert ("total", str(invoice.total)) in cells


CANDIDATES = {
    "today": rk.Plan(
        "today",
        "AUD",
        MONTHS,
        [rk.PriceEntry("calls", "calls", rk.PerUnit("0.0005"))],
        fees=[rk.Fee("platform", "49.995")],
    ),
    "tiered": rk.Plan(
        "tiered",
        "AUD",
        MONTHS,
        [
            rk.PriceEntry(
                "calls", "calls", rk.Graduated([rk.Tier(1000, "0"), rk.Tier(None, "0.0007")])
            )
        ],
        minimums=[rk.Minimum("5")],
    ),
    "volume": rk.Plan(
        "volume",
        "AUD",
        MONTHS,
        [
            rk.PriceEntry(
                "calls", "calls", rk.Volume([rk.Tier(500, "0.001"), rk.Tier(None, "0.0004")])
            )
        ],
        allowances=[rk.Allowance("calls", 100)],
    ),
}
QUARTER = rk.Span("2026-04-01T00:00:00+11:00", "2026-07-01T00:00:00+10:30")
QUARTER_SECONDS = int(QUARTER.duration.total_seconds())


@pytest.mark.property
@settings(
    max_examples=max(LAWS // 10, 30), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    usage=st.lists(
        st.tuples(
            st.sampled_from(["acme", "<b>globex</b>", "初期\u202e"]),
            st.integers(0, QUARTER_SECONDS - 1),
            st.integers(0, 5000),
        ),
        max_size=8,
    )
)
def test_a_comparison_is_its_candidates_invoices_side_by_side(
    usage: list[tuple[str, int, int]],
) -> None:
    rows = []
    for number, (account, start, calls) in enumerate(usage):
        at = QUARTER.start + dt.timedelta(seconds=start)
        span = rk.Span(at, at)
        rows.append(
            rk.UsageRow(
                account,
                "calls",
                "key",
                span,
                MONTHS.containing(at),
                calls,
                "call",
                {},
                (f"r{number}",),
            )
        )
    comparison = rk.compare_plans(rows, CANDIDATES, span=QUARTER)
    invoiced: dict[tuple[str, str, rk.Span], Decimal] = {}
    for name, plan in CANDIDATES.items():
        for invoice in rk.bill(rk.rate(rows, plan, span=QUARTER)):
            invoiced[name, invoice.account, invoice.cycle] = invoice.total
    for name, total in comparison.totals().items():
        billed = [amount for (candidate, _, _), amount in invoiced.items() if candidate == name]
        assert total == sum(billed, Decimal(0))
    for row in comparison.rows:
        assert row.total == invoiced.get((row.candidate, row.account, row.cycle))
        baseline = invoiced.get(("today", row.account, row.cycle))
        assert row.baseline == baseline
        if row.total is None:
            assert row.change == "not billed"
            continue
        difference = row.total - (baseline or 0)
        assert row.difference == difference
        assert row.change == (
            "pays more" if difference > 0 else "pays less" if difference < 0 else "same"
        )
    # today's plan by hand: each month's calls x 0.0005, rounded half-even, plus 50.00
    for row in comparison.rows:
        if row.candidate != "today" or row.total is None:
            continue
        calls = sum(
            used.quantity
            for used in rows
            if used.account == row.account and used.span.start in row.cycle
        )
        assert (
            Fraction(row.total)
            == _on_quantum(Fraction(calls) * Fraction("0.0005"), Decimal("0.01"), "ROUND_HALF_EVEN")
            + 50
        )
    page = parsed(comparison._repr_html_())
    assert page.tags <= SAFE_TAGS
