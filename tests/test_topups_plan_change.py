"""Minimum commitments after a plan change within a cycle: each plan's, on its own.

After a change at noon on 16 March (half of March each) one minimum line holds the
top-ups of both plans. Each plan's minimum is settled as if alone: its prorated
commitment on the quantum less the lines it counts as billed (its own lines, its part of
a line both plans price under one entry id), never below zero. So one plan's lines above
its commitment never pay for the other's shortfall, and a plan whose exact spend reached
its commitment is still topped up when its lines as rounded fall short, whether or not
the other plan's top-up is due. A plan's usage is what it rates: a correction under the
second plan takes back the first plan's units (docs/pricing.md, a change of plan).
"""

from __future__ import annotations

import datetime as dt
import math
import typing
from decimal import Decimal
from fractions import Fraction

from hypothesis import event, given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._money_oracle import OraclePlan, taken_back

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
HALF = "2026-03-16T12:00:00Z"  # 15.5 days of 31: each plan covers half of March
FIRST = rk.Span(MARCH.start, HALF)
SECOND = rk.Span(HALF, MARCH.end)


def _plan(
    plan_id: str,
    meters: list[str],
    quantum: str,
    rounding: str,
    minimums: list[rk.Minimum],
    *,
    entry: str = "",
) -> rk.Plan:
    # PerUnit(1): each line's exact amount is its quantity; entry ids are the plan's own
    # ("a.m0") unless ``entry`` names the one entry id both plans price a meter under
    entries = [
        rk.PriceEntry(
            entry if meter == "m0" and entry else f"{plan_id}.{meter}", meter, rk.PerUnit(1)
        )
        for meter in meters
    ]
    return rk.Plan(
        plan_id, "EUR", MONTHS, entries, quantum=quantum, rounding=rounding, minimums=minimums
    )


def _rows(span: rk.Span, quantities: dict[str, str]) -> list[rk.UsageRow]:
    return [
        rk.UsageRow("acme", meter, "r", span, MARCH, Decimal(quantity), "u", {}, ())
        for meter, quantity in quantities.items()
    ]


def _bill(
    a: rk.Plan, b: rk.Plan, first: dict[str, str], second: dict[str, str]
) -> tuple[rk.Rating, rk.Invoice]:
    plans = [rk.Assignment("acme", a, end=HALF), rk.Assignment("acme", b, start=HALF)]
    rating = rk.rate(_rows(FIRST, first) + _rows(SECOND, second), plans, span=MARCH)
    (invoice,) = rk.bill(rating)
    return rating, invoice


def _minimums(invoice: rk.Invoice) -> list[rk.InvoiceLine]:
    return [line for line in invoice.lines if line.kind == "minimum"]


def _notes(invoice: rk.Invoice) -> list[str]:
    return [text.strip() for text in str(invoice).splitlines() if text.startswith("      ")]


# -- the fault: one plan due, the other reached exactly but short as rounded --------------


def test_a_due_plan_does_not_hide_the_other_plans_rounding_shortfall() -> None:
    # Minimum 10 each, prorated to half: 5.00. Cent, ROUND_DOWN.
    # plan a: m0 2 -> exact spend 2 < 5, top-up 5 - 2 = 3.00.
    # plan b: n0, n1, n2 1.669 each -> exact spend 5.007 >= 5 (reached), but down to the
    #   cent 1.66 each, 4.98 < 5.00: topped up 5.00 - 4.98 = 0.02.
    # minimum line 3.00 + 0.02 = 3.02; total 2.00 + 4.98 + 3.02 = 10.00, both commitments.
    # (was 3.00, total 9.98: b's zero top-up was left out of a line a's top-up was due on)
    a = _plan("a", ["m0"], "0.01", "ROUND_DOWN", [rk.Minimum(10)])
    b = _plan("b", ["n0", "n1", "n2"], "0.01", "ROUND_DOWN", [rk.Minimum(10)])
    rating, invoice = _bill(a, b, {"m0": "2"}, {f"n{i}": "1.669" for i in range(3)})
    (minimum,) = _minimums(invoice)
    assert minimum.amount == Decimal("3.02")
    assert invoice.total == Decimal("10.00")
    # the exact layer: a's 3 and b's zero top-up (the invoice settles it)
    assert sorted((c.plan, c.amount) for c in rating.charges if c.kind == "minimum") == [
        ("a", Decimal(3)),
        ("b", Decimal(0)),
    ]
    assert rating.total() == Decimal("10.007")  # 2 + 3 + 5.007
    # commitment 5 + 5; spent a's 2 and b's exact 5.007 (not b's commitment); precise:
    # the exact top-ups 3 + 0
    assert (minimum.commitment, minimum.spent, minimum.precise) == (10, Decimal("7.007"), 3)
    assert _notes(invoice) == [
        "a · commitment 5.00 - spent 2.00 = 3.00",
        "b · commitment 5.00 reached by the exact spend 5.007; billed 5.00 - lines 4.98 = 0.02",
    ]
    page = invoice._repr_html_()
    assert "a · commitment 5.00 - spent 2.00 = 3.00" in page
    assert "b · commitment 5.00 reached by the exact spend 5.007; billed 5.00 - lines" in page


def test_the_one_plan_that_falls_short_is_named_in_the_note() -> None:
    # Minimum 50 each, prorated to half of March: 25.00. Both price vm under entry "e".
    # plan a: 30 hours at 1 = 30.00 >= 25.00: no top-up, no part in the minimum line.
    # plan b: 10 hours at 1 = 10.00 < 25.00: top-up 25.00 - 10.00 = 15.00.
    # line vm · e 30 + 10 = 40.00; total 40.00 + 15.00 = 55.00.
    # The cycle has two plans, so the one note says whose arithmetic it is: b's (it was
    # printed without a plan, and read as the arithmetic of a commitment of 25 for March).
    a = _plan("a", ["m0"], "0.01", "ROUND_HALF_EVEN", [rk.Minimum(50)], entry="e")
    b = _plan("b", ["m0"], "0.01", "ROUND_HALF_EVEN", [rk.Minimum(50)], entry="e")
    _, invoice = _bill(a, b, {"m0": "30"}, {"m0": "10"})
    (minimum,) = _minimums(invoice)
    assert (minimum.amount, invoice.total) == (Decimal("15.00"), Decimal("55.00"))
    assert [c.plan for c in minimum.charges] == ["b"]
    assert _notes(invoice) == ["b · commitment 25.00 - spent 10.00 = 15.00"]
    assert "b · commitment 25.00 - spent 10.00 = 15.00" in invoice._repr_html_()
    detailed = rk.bill(_bill(a, b, {"m0": "30"}, {"m0": "10"})[0], by_resource=True)[0]
    assert _notes(detailed) == ["b · commitment 25.00 - spent 10.00 = 15.00"]


def test_the_same_on_swiss_cash_rounding_floored() -> None:
    # 0.05, ROUND_FLOOR. plan a: 2 -> top-up 5 - 2 = 3.00.
    # plan b: 1.68 * 3 = 5.04 >= 5 exactly; floored to 0.05 each line is 1.65: 4.95,
    #   topped up 5.00 - 4.95 = 0.05.
    # line 3.05; total 2.00 + 4.95 + 3.05 = 10.00 (was 3.00, total 9.95)
    a = _plan("a", ["m0"], "0.05", "ROUND_FLOOR", [rk.Minimum(10)])
    b = _plan("b", ["n0", "n1", "n2"], "0.05", "ROUND_FLOOR", [rk.Minimum(10)])
    _, invoice = _bill(a, b, {"m0": "2"}, {f"n{i}": "1.68" for i in range(3)})
    assert [line.amount for line in _minimums(invoice)] == [Decimal("3.05")]
    assert invoice.total == Decimal("10.00")
    assert _notes(invoice)[1] == (
        "b · commitment 5.00 reached by the exact spend 5.04; billed 5.00 - lines 4.95 = 0.05"
    )


def test_the_first_plan_reached_and_short_as_rounded_the_second_due() -> None:
    # the other way round, with a negative line (a correction) floored away from zero:
    # plan a: 3 + 2.192 - 0.191 = 5.001 >= 5 exactly; floored on the cent 3.00 + 2.19 -
    #   0.20 = 4.99 < 5.00: topped up 0.01.
    # plan b: 4 -> top-up 5 - 4 = 1.00.
    # line 0.01 + 1.00 = 1.01; total 3.00 + 2.19 - 0.20 + 4.00 + 1.01 = 10.00 (was 9.99)
    a = _plan("a", ["m0", "m1", "m2"], "0.01", "ROUND_FLOOR", [rk.Minimum(10)])
    b = _plan("b", ["n0"], "0.01", "ROUND_FLOOR", [rk.Minimum(10)])
    _, invoice = _bill(a, b, {"m0": "3", "m1": "2.192", "m2": "-0.191"}, {"n0": "4"})
    assert [line.amount for line in _minimums(invoice)] == [Decimal("1.01")]
    assert invoice.total == Decimal("10.00")


# -- the same kind: one plan's lines never pay for the other's shortfall ------------------


def test_a_plans_lines_above_its_commitment_do_not_pay_for_the_others() -> None:
    # Both reached exactly. Cent, ROUND_DOWN.
    # plan a: 1.669 * 3 = 5.007 >= 5; as rounded 4.98: short 0.02.
    # plan b: 5.5 -> 5.50, 0.50 above its 5.00.
    # a's top-up 0.02; b's none. line 0.02; total 4.98 + 5.50 + 0.02 = 10.50.
    # (was no line, total 10.48: one line held both zero top-ups and counted
    # 4.98 + 5.50 = 10.48 >= 10.00, so a's lines stayed 0.02 short of its commitment)
    a = _plan("a", ["m0", "m1", "m2"], "0.01", "ROUND_DOWN", [rk.Minimum(10)])
    b = _plan("b", ["n0"], "0.01", "ROUND_DOWN", [rk.Minimum(10)])
    _, invoice = _bill(a, b, {f"m{i}": "1.669" for i in range(3)}, {"n0": "5.5"})
    (minimum,) = _minimums(invoice)
    assert minimum.amount == Decimal("0.02")
    assert invoice.total == Decimal("10.50")
    # only a's top-up is on the line: b's zero one (its lines reach it) is not kept
    assert [c.plan for c in minimum.charges] == ["a"]
    assert minimum.spent == Decimal("5.007")
    # two plans in the cycle: the note names the plan it is of, though only a's is on it
    assert _notes(invoice) == [
        "a · commitment 5.00 reached by the exact spend 5.007; billed 5.00 - lines 4.98 = 0.02"
    ]


def test_a_due_plan_rounded_above_its_commitment_does_not_pay_for_the_other() -> None:
    # Both due exactly. Cent, ROUND_CEILING.
    # plan a: 1.661 * 3 = 4.983 < 5, exact top-up 0.017; ceiling 1.67 * 3 = 5.01 >= 5.00:
    #   billed 0.
    # plan b: 4 -> top-up 5.00 - 4.00 = 1.00.
    # line 0 + 1.00 = 1.00; total 5.01 + 4.00 + 1.00 = 10.01.
    # (was 10.00 - (5.01 + 4.00) = 0.99: a's 0.01 above paid for b, whose lines and
    # top-up made 4.99 of its 5.00)
    a = _plan("a", ["m0", "m1", "m2"], "0.01", "ROUND_CEILING", [rk.Minimum(10)])
    b = _plan("b", ["n0"], "0.01", "ROUND_CEILING", [rk.Minimum(10)])
    _, invoice = _bill(a, b, {f"m{i}": "1.661" for i in range(3)}, {"n0": "4"})
    (minimum,) = _minimums(invoice)
    assert minimum.amount == Decimal("1.00")
    assert minimum.precise == Decimal("1.017")  # the exact top-ups 0.017 + 1
    assert invoice.total == Decimal("10.01")
    assert _notes(invoice) == [
        "a · commitment 5.00 - spent 4.983 = 0.017; billed 0, the lines as rounded reach 5.00",
        "b · commitment 5.00 - spent 4.00 = 1.00",
    ]


def test_a_line_both_plans_price_under_one_entry_id() -> None:
    # Both plans price m0 under entry "e": one line m0 · e. Cent, ROUND_DOWN.
    # plan a: m0 2.004 + m1 3.003 = 5.007 >= 5 exactly.
    # plan b: m0 1.999 < 5: top-up 5 - 1.999 = 3.001.
    # line m0 · e: 2.004 + 1.999 = 4.003 -> 4.00, split by the exact amounts 2.004 : 1.999:
    #   2.004 * 4.00 / 4.003 = 2.0025.. and 1.9974..: floors 2.00 + 1.99 = 3.99, the cent
    #   left to the larger remainder (b's .74 > a's .25): a 2.00, b 2.00.
    # a counts 2.00 + m1 3.00 = 5.00: reached, no top-up. b counts 2.00: 5.00 - 2.00 = 3.00.
    # line 3.00; total 4.00 + 3.00 + 3.00 = 10.00
    a = _plan("a", ["m0", "m1"], "0.01", "ROUND_DOWN", [rk.Minimum(10)], entry="e")
    b = _plan("b", ["m0"], "0.01", "ROUND_DOWN", [rk.Minimum(10)], entry="e")
    _, invoice = _bill(a, b, {"m0": "2.004", "m1": "3.003"}, {"m0": "1.999"})
    assert [(line.label, line.amount) for line in invoice.lines] == [
        ("m0 · e", Decimal("4.00")),
        ("m1 · a.m1", Decimal("3.00")),
        ("minimum commitment", Decimal("3.00")),
    ]
    assert invoice.total == Decimal("10.00")
    # with m1 2.997 instead, a's exact spend 5.001 reaches 5 but its lines as rounded,
    # 2.00 + 2.99 = 4.99, do not: a's 0.01 too, line 3.01 (4.00 + 2.99 + 3.01 = 10.00)
    _, invoice = _bill(a, b, {"m0": "2.004", "m1": "2.997"}, {"m0": "1.999"})
    assert [line.amount for line in _minimums(invoice)] == [Decimal("3.01")]
    assert invoice.total == Decimal("10.00")


def test_per_meter_minimums_of_both_plans_and_the_plan_wide_ones() -> None:
    # Each plan: m0's minimum 4 (2.00 for half) and a plan-wide 10 (5.00). Cent, ROUND_DOWN.
    # plan a: m0 0.999 * 2 rows = 1.998 (one line: 1.99), m1 1 -> 1.00.
    #   m0's: exact 1.998 < 2, top-up 0.002; billed 2.00 - 1.99 = 0.01.
    #   plan-wide: exact 1.998 + 0.002 + 1 = 3 < 5, top-up 2; billed 5.00 - (1.99 + 0.01 +
    #   1.00) = 2.00.
    # plan b: n0 2.0005 (2.00, reached), n1 3.0001 (3.00).
    #   n0's (b's per-meter minimum is on n0): 2.0005 >= 2, lines 2.00: no top-up.
    #   plan-wide: 5.0006 >= 5, lines 5.00: none.
    # m0's line 0.01; the plan-wide line 2.00 (a's only); total 1.99 + 1.00 + 2.00 + 3.00
    # + 0.01 + 2.00 = 10.00
    a = _plan("a", ["m0", "m1"], "0.01", "ROUND_DOWN", [rk.Minimum(4, "m0"), rk.Minimum(10)])
    b = _plan("b", ["n0", "n1"], "0.01", "ROUND_DOWN", [rk.Minimum(4, "n0"), rk.Minimum(10)])
    first = _rows(FIRST, {"m0": "0.999", "m1": "1"}) + _rows(FIRST, {"m0": "0.999"})
    plans = [rk.Assignment("acme", a, end=HALF), rk.Assignment("acme", b, start=HALF)]
    rows = first + _rows(SECOND, {"n0": "2.0005", "n1": "3.0001"})
    (invoice,) = rk.bill(rk.rate(rows, plans, span=MARCH))
    assert [(line.meter, line.amount) for line in _minimums(invoice)] == [
        ("m0", Decimal("0.01")),
        (None, Decimal("2.00")),
    ]
    assert invoice.total == Decimal("10.00")
    # b's n0 now 1.9995 (exact 1.9995 < 2, its per-meter top-up 0.0005, billed 2.00 -
    # 1.99 = 0.01) and n1 3.0011: b's plan-wide exact 1.9995 + 0.0005 + 3.0011 = 5.0011
    # >= 5, lines 1.99 + 0.01 + 3.00 = 5.00: reached. total 1.99 + 1.00 + 1.99 + 3.00 +
    # 0.01 + 0.01 + 2.00 = 10.00
    rows = first + _rows(SECOND, {"n0": "1.9995", "n1": "3.0011"})
    (invoice,) = rk.bill(rk.rate(rows, plans, span=MARCH))
    assert [(line.meter, line.amount) for line in _minimums(invoice)] == [
        ("m0", Decimal("0.01")),
        ("n0", Decimal("0.01")),
        (None, Decimal("2.00")),
    ]
    assert invoice.total == Decimal("10.00")


# -- the law: each plan's minimum, against a Fraction oracle -------------------------------

MODES = ("ROUND_DOWN", "ROUND_FLOOR", "ROUND_HALF_EVEN", "ROUND_CEILING")
METERS = [rk.Meter(f"m{i}", "u", rk.Discrete()) for i in range(3)]
AT = {"a": "2026-03-05T00:00:00Z", "b": "2026-03-20T00:00:00Z"}  # in each plan's half


def _round(value: Fraction, quantum: Fraction, mode: str) -> Fraction:
    """The oracle: ``value`` on ``quantum`` in ``mode``, with fractions."""
    steps = value / quantum
    low = math.floor(steps)
    if steps == low:
        return low * quantum
    up = {
        "ROUND_DOWN": steps < 0,
        "ROUND_CEILING": True,
        "ROUND_FLOOR": False,
        "ROUND_HALF_EVEN": steps - low > Fraction(1, 2)
        or (steps - low == Fraction(1, 2) and low % 2 == 1),
    }[mode]
    return (low + 1 if up else low) * quantum


def _split(whole: Fraction, exact: list[Fraction], quantum: Fraction) -> list[Fraction]:
    """The oracle's split of a line two plans price: largest remainder, ties to the first.

    Each exact part takes a share of the line's rounding (whole less their sum) by its
    size: in proportion when they are of one sign; parts of both signs (a correction under
    one plan) keep near their own values, not the proportion of a sum near zero.
    """
    total = sum(exact, Fraction(0))
    sizes = sum((abs(e) for e in exact), Fraction(0))
    scaled = [e + (whole - total) * abs(e) / sizes if sizes else whole / len(exact) for e in exact]
    floors = [math.floor(s / quantum) for s in scaled]
    left = int(whole / quantum) - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(scaled[i] / quantum - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [f * quantum for f in floors]


class _Case(typing.NamedTuple):
    quantum: str
    mode: str
    shared: bool  # both plans price m0 under one entry id
    usage: dict[str, dict[str, int]]  # plan -> meter -> thousandths
    meter_minimum: dict[str, int | None]  # plan -> m0's minimum, in thousandths
    plan_minimum: dict[str, int | None]  # plan -> the plan-wide minimum, in thousandths


@st.composite
def _cases(draw: st.DrawFn) -> _Case:
    quantum = draw(st.sampled_from(["0.01", "0.05", "1"]))
    # mostly the modes that round lines below their exact sum (the lines then fall short
    # of a commitment the exact spend reached)
    mode = draw(st.sampled_from([*MODES, "ROUND_DOWN", "ROUND_FLOOR"]))
    q = Fraction(quantum)
    usage: dict[str, dict[str, int]] = {}
    meter_minimum: dict[str, int | None] = {}
    plan_minimum: dict[str, int | None] = {}
    for plan in ("a", "b"):
        scale = draw(st.sampled_from([1, 1, 1, 10, 1000]))  # thousandths, hundredths, units
        usage[plan] = draw(
            st.dictionaries(
                st.sampled_from(["m0", "m1", "m2"]),
                st.integers(-3_000 // scale, 9_000 // scale).map(lambda t, s=scale: t * s),
                min_size=draw(st.sampled_from([0, 2, 3])),
                max_size=3,
            )
        )
        spend = sum((Fraction(t, 1000) for t in usage[plan].values()), Fraction(0))
        lines = sum((_round(Fraction(t, 1000), q, mode) for t in usage[plan].values()), Fraction(0))
        # commitments where rounding decides, for half of March: near the exact spend on
        # the quantum, up or down a quantum, or a quantum above the lines as rounded (so
        # reached exactly but short as rounded when the spend is a quantum above them);
        # now and then a thousandth off (then put on the quantum)
        m0 = Fraction(usage[plan].get("m0", 0), 1000)
        aims: list[tuple[dict[str, int | None], Fraction, Fraction, list[bool]]] = [
            (meter_minimum, m0, m0, [True, False]),
            (plan_minimum, spend, lines, [True, True, True, False]),
        ]
        for minimums, spent, billed, odds in aims:
            if draw(st.sampled_from(odds)):
                if draw(st.booleans()):
                    units = math.floor(spent / q) + draw(st.sampled_from([-1, 0, 0, 1]))
                else:
                    units = math.floor(billed / q) + 1
                units = max(0, units)
                off = draw(st.sampled_from([0, 0, 1, -1]))
                minimums[plan] = max(0, int(2 * units * q * 1000) + off)
            else:
                minimums[plan] = None
    return _Case(quantum, mode, draw(st.booleans()), usage, meter_minimum, plan_minimum)


def _plans(case: _Case) -> tuple[rk.Plan, rk.Plan]:
    out = []
    for plan in ("a", "b"):
        minimums = []
        if (units := case.meter_minimum[plan]) is not None:
            minimums.append(rk.Minimum(Decimal(units) / 1000, "m0"))
        if (units := case.plan_minimum[plan]) is not None:
            minimums.append(rk.Minimum(Decimal(units) / 1000))
        out.append(
            _plan(
                plan,
                ["m0", "m1", "m2"],
                case.quantum,
                case.mode,
                minimums,
                entry="e" if case.shared else "",
            )
        )
    return out[0], out[1]


def _records(case: _Case) -> list[rk.Sample]:
    return [
        rk.Sample("acme", f"r-{meter}", meter, AT[plan], Decimal(t) / 1000, id=f"{plan}-{meter}")
        for plan in ("a", "b")
        for meter, t in sorted(case.usage[plan].items())
    ]


class _Expected(typing.NamedTuple):
    total: Fraction
    minimums: dict[str | None, tuple[Fraction, Fraction, Fraction, Fraction]]
    # meter -> (amount, precise, spent, commitment) of its minimum line
    states: list[str]  # per plan's minimum: due exactly, short as rounded only, reached


def _rated(case: _Case) -> dict[str, dict[str, Fraction]]:
    """Per plan and meter: the usage the plan rates (docs/pricing.md, a change of plan).

    Through `tests._money_oracle.taken_back`: within March a correction takes back the
    units billed before it, last in, first out, across the change, each for the plan
    that billed it (so at its price, counted in its lines and its minimum's spend); only
    what is left is its own plan's, and usage after a correction below zero fills it the
    same way. Each sample is an instant: a microsecond for the oracle.
    """
    names = {plan: OraclePlan(plan, Fraction(1), "ROUND_HALF_EVEN", {}) for plan in ("a", "b")}
    lo, half, hi = MARCH.start_us, SECOND.start_us, MARCH.end_us
    parts = [(names["a"], lo, half), (names["b"], half, hi)]
    at = {plan: rk.Span(AT[plan], AT[plan]).start_us for plan in ("a", "b")}
    rows = [
        (meter, at[plan], at[plan] + 1, Fraction(t, 1000))
        for plan in ("a", "b")
        for meter, t in sorted(case.usage[plan].items())
    ]
    taken = taken_back(parts, rows, (lo, hi), (lo, hi))
    return {
        plan: {
            meter: sum((q for _, q in taken.get((plan, meter), [])), Fraction(0))
            for meter in case.usage[plan]
        }
        for plan in ("a", "b")
    }


def _oracle(case: _Case) -> _Expected:
    q = Fraction(case.quantum)
    usage = _rated(case)
    lines: dict[tuple[str, str], dict[str, Fraction]] = {}
    for plan in ("a", "b"):
        for meter, quantity in usage[plan].items():
            entry = "e" if case.shared and meter == "m0" else f"{plan}.{meter}"
            lines.setdefault((meter, entry), {})[plan] = quantity
    amounts = {
        key: _round(sum(parts.values(), Fraction(0)), q, case.mode) for key, parts in lines.items()
    }
    # each plan's part of each line as billed
    billed: dict[str, dict[str, Fraction]] = {"a": {}, "b": {}}  # plan -> meter -> lines
    for key, parts in lines.items():
        plans = sorted(parts)
        split = _split(amounts[key], [parts[p] for p in plans], q)
        for plan, part in zip(plans, split, strict=True):
            billed[plan][key[0]] = billed[plan].get(key[0], Fraction(0)) + part
    minimums: dict[str | None, tuple[Fraction, Fraction, Fraction, Fraction]] = {}
    states: list[str] = []

    def settle(
        meter: str | None, plan: str, units: int, spent: Fraction, counted: Fraction
    ) -> tuple[Fraction, Fraction]:
        exact_commitment = Fraction(units, 1000) / 2  # half of March
        target = _round(exact_commitment, q, case.mode)
        top_up = max(Fraction(0), target - counted)
        exact = max(Fraction(0), exact_commitment - spent)
        # the lines it counts plus its top-up reach its commitment, exactly when short
        assert counted + top_up >= target
        assert counted >= target or counted + top_up == target
        states.append(
            f"{plan}:{meter or 'plan'}:"
            + ("due" if exact else "short as rounded" if top_up else "reached")
        )
        if top_up or exact:  # the plan has a part in the line
            amount, precise, spent_all, commitment = minimums.get(meter, (Fraction(0),) * 4)
            minimums[meter] = (
                amount + top_up,
                precise + exact,
                spent_all + spent,
                commitment + exact_commitment,
            )
        return top_up, exact

    tops = Fraction(0)
    for plan in ("a", "b"):
        spend = usage[plan]
        meter_top = meter_exact = Fraction(0)
        if (units := case.meter_minimum[plan]) is not None:
            meter_top, meter_exact = settle(
                "m0",
                plan,
                units,
                spend.get("m0", Fraction(0)),
                billed[plan].get("m0", Fraction(0)),
            )
        plan_top = Fraction(0)
        if (units := case.plan_minimum[plan]) is not None:
            plan_top, _ = settle(
                None,
                plan,
                units,
                sum(spend.values(), Fraction(0)) + meter_exact,
                sum(billed[plan].values(), Fraction(0)) + meter_top,
            )
        tops += meter_top + plan_top
    return _Expected(sum(amounts.values(), Fraction(0)) + tops, minimums, states)


def _assignments(case: _Case) -> list[rk.Assignment]:
    a, b = _plans(case)
    return [rk.Assignment("acme", a, end=HALF), rk.Assignment("acme", b, start=HALF)]


@settings(max_examples=max(LAWS // 4, FLOOR), deadline=None)
@given(case=_cases())
def test_each_plans_commitment_is_a_floor_after_a_plan_change(case: _Case) -> None:
    expected = _oracle(case)
    for state in expected.states:
        event(state)
    event(" & ".join(state for state in expected.states if ":plan:" in state))
    rating = rk.rate(_records(case), _assignments(case), span=MARCH, meters=METERS)
    invoices = rk.bill(rating)
    if not invoices:  # no usage, no minimum: nothing to bill
        assert expected.total == 0
        assert not expected.minimums
        return
    (invoice,) = invoices
    got = {
        line.meter: (
            Fraction(line.amount),
            Fraction(line.precise),
            Fraction(line.spent or 0),
            Fraction(line.commitment or 0),
        )
        for line in _minimums(invoice)
    }
    assert got == expected.minimums
    assert Fraction(invoice.total) == expected.total
    # the lines add up to the subtotal (no credit: the total)
    assert (
        sum((Fraction(line.amount) for line in invoice.lines), Fraction(0))
        == Fraction(invoice.subtotal)
        == Fraction(invoice.total)
    )
    assert Fraction(invoice.total) % Fraction(case.quantum) == 0


@settings(max_examples=max(LAWS // 10, FLOOR), deadline=None)
@given(case=_cases(), cut=st.integers(0, 6), early=st.sampled_from(["03-10", "03-25"]))
def test_the_raters_closed_invoice_is_bills_after_a_plan_change(
    case: _Case, cut: int, early: str
) -> None:
    # the streaming Rater, fed in two batches with a statement between, closes March with
    # the invoice bill(rate(...)) gives for the same records, line for line
    records = _records(case)
    plans = _assignments(case)
    rater = rk.Rater(plans, METERS, start=MARCH.start, horizon=dt.timedelta(days=1))
    rater.feed(records[:cut])
    rater.statement(f"2026-{early}T00:00:00Z")
    rater.feed(records[cut:])
    statement = rater.statement("2026-04-02T00:00:00Z")
    closed = [invoice for invoice in statement.invoices if invoice.cycle == MARCH]
    batch = list(rk.bill(rk.rate(records, plans, span=MARCH, meters=METERS)))

    def seen(invoices: list[rk.Invoice]) -> list[list[tuple[object, ...]]]:
        return [
            [
                (line.kind, line.meter, line.entry, line.amount, line.spent, line.commitment)
                for line in invoice.lines
            ]
            + [("total", invoice.total)]
            for invoice in invoices
        ]

    assert seen(closed) == seen(batch)
    assert [Fraction(invoice.total) for invoice in closed] == (
        [_oracle(case).total] if batch else []
    )


def test_a_minimum_line_built_without_its_charges_notes_what_it_says() -> None:
    # no charges to settle from: the note reads the line's own commitment and spent
    reached = rk.InvoiceLine(
        "minimum", None, "minimum", None, 1, 0, "cycle", None, 0, "0.01", (),
        commitment=10, spent="10.017",
    )  # fmt: skip
    due = rk.InvoiceLine(
        "minimum", None, "minimum", None, 1, 0, "cycle", None, 3, 3, (), commitment=5, spent=2
    )
    invoice = rk.Invoice("acme", MARCH, "EUR", (reached, due), Decimal("3.01"), 3, None)
    assert _notes(invoice) == [
        "commitment 10 reached by the exact spend 10.017; billed 10 - lines 9.99 = 0.01",
        "commitment 5 - spent 2 = 3",
    ]
