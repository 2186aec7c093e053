"""Cycle-level money against a fractions oracle: allowances, minimums, fees, credits, rounding.

Small plans and usage are drawn at random for one account over March and April 2026
(UTC months), under one plan or a change of plan at any hour (a cycle boundary
included); `tests/_money_oracle.py` works each invoice's lines, subtotal and credits
from the documented rules, and `rk.rate` + `rk.bill` must give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from tests import _money_oracle as oracle
from tests._rounding import MODES

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
SPAN = rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z")
START_US = SPAN.start_us
CYCLES = [
    (SPAN.start_us, SPAN.start_us + 744 * oracle.HOUR),
    (SPAN.start_us + 744 * oracle.HOUR, SPAN.end_us),
]
QUANTA = ("0.01", "0.05", "1")

_money = st.decimals(min_value=0, max_value=30, places=2)
_price = st.decimals(min_value=0, max_value=3, places=3)


@st.composite
def _plan(draw: st.DrawFn, name: str, ids: str) -> tuple[rk.Plan, oracle.OraclePlan]:
    quantum = draw(st.sampled_from(QUANTA))
    rounding = draw(st.sampled_from(MODES))
    entries: list[rk.PriceEntry] = []
    prices: dict[str, tuple[str, Fraction | None, tuple[oracle.Tier, ...], bool]] = {}
    if draw(st.booleans()):
        unit = draw(_price)
        entries.append(rk.PriceEntry(f"{ids}-m1", "m1", rk.PerUnit(unit)))
        prices["m1"] = (f"{ids}-m1", Fraction(unit), (), False)
    else:
        bound = draw(st.integers(1, 20))
        low, high = draw(_price), draw(_price)
        flat0, flat1 = draw(st.sampled_from([0, 0, 1, 5])), draw(st.sampled_from([0, 2]))
        volume = draw(st.booleans())
        kind = rk.Volume if volume else rk.Graduated
        flat1 = flat1 if volume else 0
        entries.append(
            rk.PriceEntry(
                f"{ids}-m1",
                "m1",
                kind([rk.Tier(bound, low, flat=flat0), rk.Tier(None, high, flat=flat1)]),
            )
        )
        tiers = (
            (Fraction(bound), Fraction(low), Fraction(flat0)),
            (None, Fraction(high), Fraction(flat1)),
        )
        prices["m1"] = (f"{ids}-m1", None, tiers, volume)
    unit2 = draw(_price)
    entries.append(rk.PriceEntry(f"{ids}-m2", "m2", rk.PerUnit(unit2)))
    prices["m2"] = (f"{ids}-m2", Fraction(unit2), (), False)
    allowance = draw(st.none() | st.decimals(min_value=0, max_value=40, places=1))
    per_meter = draw(st.none() | _money)
    whole = draw(st.none() | _money)
    days = draw(st.booleans())
    fees = draw(st.lists(st.decimals(min_value=-10, max_value=30, places=2), max_size=2))
    plan = rk.Plan(
        name,
        "EUR",
        MONTHS,
        entries,
        quantum=quantum,
        rounding=rounding,
        proration="days" if days else "seconds",
        tz="UTC",
        allowances=[] if allowance is None else [rk.Allowance("m1", allowance)],
        minimums=([] if per_meter is None else [rk.Minimum(per_meter, meter="m1")])
        + ([] if whole is None else [rk.Minimum(whole)]),
        fees=[rk.Fee(f"{ids}-f{i}", amount) for i, amount in enumerate(fees)],
    )
    seen = oracle.OraclePlan(
        name,
        Fraction(Decimal(quantum)),
        rounding,
        prices,
        {} if allowance is None else {"m1": Fraction(allowance)},
        {} if per_meter is None else {"m1": Fraction(per_meter)},
        None if whole is None else Fraction(whole),
        tuple((f"{ids}-f{i}", Fraction(amount)) for i, amount in enumerate(fees)),
        days,
    )
    return plan, seen


_hours = st.integers(0, 1463)

#: A credit drawn: id, amount, start hour, expiry hour (or None), priority, renews.
Grant = tuple[str, int, int, int | None, int, bool]


@dataclass(frozen=True)
class Case:
    """One account's plans, usage and credits over March and April (hours from 1 March)."""

    window: tuple[int, int]
    assignments: list[rk.Assignment]
    parts: list[tuple[oracle.OraclePlan, int, int]]
    rows: list[tuple[str, int, int, Decimal]]
    credits: list[Grant]


@st.composite
def _case(draw: st.DrawFn) -> Case:
    a, oa = draw(_plan("a", "a"))
    change = draw(st.none() | st.sampled_from([1, 743, 744, 745, 1463]) | st.integers(1, 1463))
    if change is None:
        assignments, parts = [rk.Assignment("acme", a)], [(oa, 0, 1464)]
    else:
        b, ob = draw(_plan("b", draw(st.sampled_from("ab"))))
        at = rk.Span.from_us(
            START_US + change * oracle.HOUR, START_US + change * oracle.HOUR + 1
        ).start
        assignments = [rk.Assignment("acme", a, end=at), rk.Assignment("acme", b, start=at)]
        parts = [(oa, 0, change), (ob, change, 1464)]
    rows: list[tuple[str, int, int, Decimal]] = []
    corrections = draw(st.booleans())
    for meter in ("m1", "m2"):
        for hour, length, quantity in draw(
            st.lists(
                st.tuples(
                    _hours,
                    st.sampled_from([1, 1, 5, 48]),
                    st.decimals(
                        min_value=-5 if meter == "m2" or corrections else 0, max_value=30, places=3
                    ),
                ),
                max_size=4,
            )
        ):
            # inside one cycle: March is hours 0..744, April 744..1464
            end = min(hour + length, 744 if hour < 744 else 1464)
            rows.append((meter, hour, end, quantity))
    grants: list[Grant] = []
    for i in range(draw(st.integers(0, 3))):
        start = draw(_hours)
        expires = draw(st.none() | st.integers(start + 1, 1500))
        grants.append(
            (
                f"c{i}",
                draw(st.integers(1, 40)),
                start,
                expires,
                draw(st.integers(0, 1)),
                draw(st.booleans()),
            )
        )
    # rows before the span take their slice of an allowance: net of corrections, that
    # slice is no longer where the rows lie, so corrections are rated from a cycle's start
    low = draw(st.sampled_from([0, 744] if corrections else [0, 0, 200, 744]) | _hours)
    if corrections:
        low = 0 if low < 744 else 744
    high = draw(st.sampled_from([1464, 1464, 744, 900]) | st.integers(1, 1464))
    low, high = min(low, high - 1), max(high, low + 1)
    return Case((low, high), assignments, parts, rows, grants)


def _us(hour: int) -> int:
    return START_US + hour * oracle.HOUR


def _at(hour: int) -> rk.Span:
    return rk.Span.from_us(_us(hour), _us(hour) + oracle.HOUR)


def check(case: Case) -> None:
    rows = []
    for i, (meter, hour, end, quantity) in enumerate(case.rows):
        span = rk.Span.from_us(_us(hour), _us(end))
        rows.append(
            rk.UsageRow(
                "acme", meter, f"r{i}", span, MONTHS.containing(span.start), quantity, "u", {}, ()
            )
        )
    grants = [
        rk.Credit(
            c[0],
            "acme",
            c[1],
            "EUR",
            start=_at(c[2]).start,
            expires=None if c[3] is None else _at(c[3]).start,
            priority=c[4],
            renews=c[5],
        )
        for c in case.credits
    ]
    low, high = case.window
    span = rk.Span.from_us(_us(low), _us(high))
    rating = rk.rate(rows, case.assignments, span=span)
    invoices = rk.bill(rating, credits=grants)
    # the same invoices from the bare charges, in any order, and detailed per resource
    for other in (
        rk.bill(list(rating.charges), credits=grants),
        rk.bill(list(reversed(rating.charges)), credits=grants),
        rk.bill(rating, credits=grants, by_resource=True),
    ):
        assert [(i.subtotal, i.total, i.credits) for i in other] == [
            (i.subtotal, i.total, i.credits) for i in invoices
        ]
    expected = []
    for lo, hi in CYCLES:
        parts = [
            (plan, max(lo, _us(s)), min(hi, _us(e)))
            for plan, s, e in case.parts
            if max(lo, _us(s)) < min(hi, _us(e))
        ]
        mine = [(m, _us(h), _us(e), Fraction(q)) for m, h, e, q in case.rows]
        if not (lo < _us(high) and _us(low) < hi):
            continue
        lines, subtotal = oracle.invoice((lo, hi), (_us(low), _us(high)), parts, mine)
        expected.append(((lo, hi), parts[-1][0].quantum, subtotal, lines))
    by_start = {invoice.cycle.start_us: invoice for invoice in invoices}
    for (lo, _), _, _, lines in expected:
        if lo not in by_start:
            assert not any(lines.values()), (lo, lines)
    billed = [e for e in expected if e[0][0] in by_start]
    paid = oracle.spend_credits(
        [(c, q, s) for c, q, s, _ in billed],
        [
            oracle.OracleCredit(
                c[0], Fraction(c[1]), _us(c[2]), None if c[3] is None else _us(c[3]), c[4], c[5]
            )
            for c in case.credits
        ],
    )
    assert len(invoices) == len(billed), invoices
    for invoice, (cycle, _, subtotal, lines), (total, spent) in zip(
        invoices, billed, paid, strict=True
    ):
        got: dict[tuple[str, str], Fraction] = {}
        for line in invoice.lines:
            name = line.meter if line.kind == "minimum" else line.entry
            key = (line.kind, name or "")
            got[key] = got.get(key, Fraction(0)) + Fraction(line.amount)
        want = {k: v for k, v in lines.items() if v}
        assert {k: v for k, v in got.items() if v} == want, (cycle, invoice, lines)
        assert Fraction(invoice.subtotal) == subtotal
        assert Fraction(invoice.total) == total, (invoice.credits, spent)
        assert {c.credit: Fraction(c.applied) for c in invoice.credits} == spent
        # what the text prints adds up: its lines to its subtotal, less credits to its total
        printed = [text for text in str(invoice).splitlines()[3:] if text[2:3].strip()]
        amounts = [Decimal(text.split()[-1]) for text in printed]
        heads = [text.split()[0] for text in printed]
        body = [
            a
            for a, h in zip(amounts, heads, strict=True)
            if h not in {"line", "subtotal", "credit", "total"}
        ]
        assert sum(body, Decimal(0)) == invoice.subtotal, str(invoice)
        credited = [a for a, h in zip(amounts, heads, strict=True) if h == "credit"]
        assert amounts[-1] == invoice.total == invoice.subtotal + sum(credited, Decimal(0)), str(
            invoice
        )
        assert rk.from_row(rk.Invoice, rk.to_row(invoice)) == invoice


def _across_a_change(first: Decimal, second: Decimal, m1: rk.PriceModel | None = None) -> Case:
    """Plan a (m2 at ``first`` a unit) to hour 100, plan b (m2 at ``second``) after; 10
    units of m2 at hour 10, -5 at hour 200 (and of m1 under ``m1``, tiers included)."""
    made = []
    for name, unit in (("a", first), ("b", second)):
        entries = [rk.PriceEntry(f"{name}-m2", "m2", rk.PerUnit(unit))]
        prices: dict[str, tuple[str, Fraction | None, tuple[oracle.Tier, ...], bool]] = {
            "m2": (f"{name}-m2", Fraction(unit), (), False)
        }
        if m1 is not None:
            entries.append(rk.PriceEntry(f"{name}-m1", "m1", m1))
            assert isinstance(m1, rk.Graduated)
            tiers = tuple(
                (None if t.up_to is None else Fraction(t.up_to), Fraction(t.unit), Fraction(0))
                for t in m1.tiers
            )
            prices["m1"] = (f"{name}-m1", None, tiers, False)
        plan = rk.Plan(name, "EUR", MONTHS, entries, tz="UTC")
        made.append((plan, oracle.OraclePlan(name, Fraction(1, 100), "ROUND_HALF_EVEN", prices)))
    (a, oa), (b, ob) = made
    at = rk.Span.from_us(_us(100), _us(100) + 1).start
    rows: list[tuple[str, int, int, Decimal]] = [("m2", 10, 11, Decimal(10))]
    rows.append(("m2", 200, 201, Decimal(-5)))
    if m1 is not None:
        rows += [("m1", 20, 21, Decimal(20)), ("m1", 300, 301, Decimal(-15))]
    return Case(
        (0, 1464),
        [rk.Assignment("acme", a, end=at), rk.Assignment("acme", b, start=at)],
        [(oa, 0, 100), (ob, 100, 1464)],
        rows,
        [],
    )


def test_a_correction_after_the_change_takes_back_the_first_plan_s_units() -> None:
    # m2: 10 units at a's 1 = 10.00; -5 under b (2 a unit) take back 5 of a's at 1
    # (-5.00): a-m2 5.00, no b-m2 line. m1 (10 at 1, then 0.5): 20 under a = 10 + 5 =
    # 15.00; -15 under b take back a's top 15: a's 5 cost 5.00. The oracle agrees.
    case = _across_a_change(
        Decimal(1), Decimal(2), rk.Graduated([rk.Tier(10, 1), rk.Tier(None, "0.5")])
    )
    check(case)
    rows = [
        rk.UsageRow(
            "acme",
            m,
            f"r{i}",
            rk.Span.from_us(_us(h), _us(e)),
            MONTHS.containing(rk.Span.from_us(_us(h), _us(e)).start),
            q,
            "u",
            {},
            (),
        )
        for i, (m, h, e, q) in enumerate(case.rows)
    ]
    (march,) = rk.bill(rk.rate(rows, case.assignments, span=rk.Span.from_us(_us(0), _us(744))))
    assert [(line.entry, line.amount) for line in march.lines] == [
        ("a-m1", Decimal("5.00")),
        ("a-m2", Decimal("5.00")),
    ]


def _filled_back() -> Case:
    """Plan a (m2 at 1.667) to 01:00 on 1 March, plan b (m2 at 0) after; -0.003 of m2
    over 00:00..01:00 (under a), 0.003 over 01:00..02:00 (under b); rated from 01:00."""
    made = []
    for name, unit in (("a", "1.667"), ("b", "0")):
        entries = [
            rk.PriceEntry("m1", "m1", rk.PerUnit("0.000")),
            rk.PriceEntry("m2", "m2", rk.PerUnit(unit)),
        ]
        prices: dict[str, tuple[str, Fraction | None, tuple[oracle.Tier, ...], bool]] = {
            "m1": ("m1", Fraction(0), (), False),
            "m2": ("m2", Fraction(Decimal(unit)), (), False),
        }
        plan = rk.Plan(name, "EUR", MONTHS, entries, tz="UTC")
        made.append((plan, oracle.OraclePlan(name, Fraction(1, 100), "ROUND_HALF_EVEN", prices)))
    (a, oa), (b, ob) = made
    change = _at(1).start
    return Case(
        (1, 201),
        [rk.Assignment("acme", a, end=change), rk.Assignment("acme", b, start=change)],
        [(oa, 0, 1), (ob, 1, 1464)],
        [("m2", 0, 1, Decimal("-0.003")), ("m2", 1, 2, Decimal("0.003"))],
        [],
    )


@pytest.mark.property
@given(_case())
@example(_across_a_change(Decimal("0.5"), Decimal(3)))
@example(
    _across_a_change(Decimal(2), Decimal("0.25"), rk.Graduated([rk.Tier(5, 2), rk.Tier(None, 1)]))
)
@example(_filled_back())
def test_invoices_match_the_oracle(case: Case) -> None:
    check(case)


def test_usage_in_the_span_after_a_correction_before_it_under_another_plan() -> None:
    # The correction before the span went below zero under plan a (nothing billed before
    # it): the month rated whole charges a -0.003 x 1.667 = -0.005001, and the 0.003
    # after the change fills that back, last in first out, at a's price: +0.005001, so
    # the month is 0.00. The span from 01:00 charges what the whole month gives its own
    # rows: a's +0.005001 (billed 0.01), and the hour before it, rated as of then, the
    # -0.005001 (-0.01): the pieces add up to the month. (The oracle rated only the plans
    # in force in the span, and left a's filled-back units out.)
    case = _filled_back()
    check(case)
    rows = [
        rk.UsageRow("acme", m, f"r{i}", _at(h), MONTHS.containing(_at(h).start), q, "u", {}, ())
        for i, (m, h, _, q) in enumerate(case.rows)
    ]

    def rated(low: int, high: int) -> list[tuple[str, Decimal, Decimal]]:
        span = rk.Span.from_us(_us(low), _us(high))
        charges = rk.rate(rows, case.assignments, span=span, as_of=_at(201).start).charges
        return [(c.plan, c.quantity, c.amount) for c in charges]

    assert rated(1, 201) == [("a", Decimal("0.003"), Decimal("0.005001"))]
    assert rated(0, 1) == [("a", Decimal("-0.003"), Decimal("-0.005001"))]
    assert [c[2] for c in rated(0, 201)] == [Decimal("-0.005001"), Decimal("0.005001")]
    totals = [
        rk.bill(rk.rate(rows, case.assignments, span=rk.Span.from_us(_us(lo), _us(hi))))[0].total
        for lo, hi in ((1, 201), (0, 1), (0, 201))
    ]
    assert totals == [Decimal("0.01"), Decimal("-0.01"), Decimal("0.00")]
