"""A plan's quantum is a step of its value: amounts are whole numbers of any positive quantum.

Cash rounding (CHF 0.05), quarters (0.25), halves (0.5) and whole steps of 3: every
printed amount is a whole number of quanta, in lines, top-ups, shared parts, detailed
lines, credits and the rater's invoices. Every expected amount is worked by hand in a
comment (``n`` quanta: the exact amount over the quantum, then rounded by the plan's mode,
half-even unless said).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
import re
from decimal import Decimal
from fractions import Fraction

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk
from ratekit._quanta import on_quantum

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")


def plan(quantum: str, price: str = "1", **terms: object) -> rk.Plan:
    entries = [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(price))]
    return rk.Plan("p", "CHF", MONTHS, entries, quantum=quantum, **terms)  # type: ignore[arg-type]


def row(quantity: str, resource: str = "vm-1", account: str = "acme") -> rk.UsageRow:
    return rk.UsageRow(account, "vm.hours", resource, MARCH, MARCH, quantity, "hour", {}, ())


def amounts(invoice: rk.Invoice) -> list[Decimal]:
    return [line.amount for line in invoice.lines]


# -- lines and totals ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantum", "quantity", "price", "rounding", "expected"),
    [
        # 1.03 / 0.05 = 20.6 -> 21 quanta = 1.05 (was 1.03: two decimals, not the step)
        ("0.05", "1.03", "1", "ROUND_HALF_EVEN", "1.05"),
        # 3 x 0.3333 = 0.9999; / 0.05 = 19.998 -> 20 quanta = 1.00
        ("0.05", "3", "0.3333", "ROUND_HALF_EVEN", "1.00"),
        # 0.12 / 0.05 = 2.4 -> 2 quanta = 0.10
        ("0.05", "1", "0.12", "ROUND_HALF_EVEN", "0.10"),
        # 1.025 / 0.05 = 20.5, a tie: half-even -> 20 = 1.00, half-up -> 21 = 1.05
        ("0.05", "1.025", "1", "ROUND_HALF_EVEN", "1.00"),
        ("0.05", "1.025", "1", "ROUND_HALF_UP", "1.05"),
        # 1.1 / 0.25 = 4.4 -> 4 quanta = 1.00 (was 1.10)
        ("0.25", "1.1", "1", "ROUND_HALF_EVEN", "1.00"),
        # 1.125 / 0.25 = 4.5, a tie: half-even -> 4 = 1.00; ceiling -> 5 = 1.25
        ("0.25", "1.125", "1", "ROUND_HALF_EVEN", "1.00"),
        ("0.25", "1.125", "1", "ROUND_CEILING", "1.25"),
        # 4 / 3 = 1.33.. -> 1 quantum = 3 (was 4)
        ("3", "4", "1", "ROUND_HALF_EVEN", "3"),
        # 4.5 / 3 = 1.5, a tie: half-even -> 2 = 6; down -> 1 = 3
        ("3", "4.5", "1", "ROUND_HALF_EVEN", "6"),
        ("3", "4.5", "1", "ROUND_DOWN", "3"),
        # 0.3 / 0.5 = 0.6 -> 1 quantum = 0.5 (was 0.3)
        ("0.5", "0.3", "1", "ROUND_HALF_EVEN", "0.5"),
        # a negative correction: -1.03 / 0.05 = -20.6 -> -21 = -1.05; toward zero -20 = -1.00
        ("0.05", "-1.03", "1", "ROUND_HALF_EVEN", "-1.05"),
        ("0.05", "-1.03", "1", "ROUND_DOWN", "-1.00"),
        # a quantum is a step of its value: 0.10 rounds to dimes, written on two decimals;
        # 1.34 / 0.1 = 13.4 -> 13 = 1.30 (was 1.34: two decimals)
        ("0.10", "1.34", "1", "ROUND_HALF_EVEN", "1.30"),
        # a power of ten is unchanged: 1.034 -> 1.03
        ("0.01", "1.034", "1", "ROUND_HALF_EVEN", "1.03"),
    ],
)
def test_a_line_is_rounded_to_a_whole_number_of_quanta(
    quantum: str, quantity: str, price: str, rounding: str, expected: str
) -> None:
    priced = plan(quantum, price, rounding=rounding)
    (invoice,) = rk.bill(rk.rate([row(quantity)], priced, span=MARCH))
    (line,) = invoice.lines
    assert str(line.amount) == expected  # the value, written on the quantum's exponent
    assert invoice.total == Decimal(expected)
    assert line.precise == Decimal(quantity) * Decimal(price)  # the exact sum is kept
    # Plan.round is the same rounding
    assert str(priced.round(line.precise)) == expected


def test_the_text_and_html_invoice_print_the_amounts_on_the_quantum() -> None:
    # 1.03 CHF on 0.05 -> 1.05 (20.6 -> 21 quanta)
    (invoice,) = rk.bill(rk.rate([row("1.03")], plan("0.05"), span=MARCH))
    text = str(invoice)
    assert re.search(r"vm\.hours · vm .* 1\.05\n", text)
    assert re.search(r"total +1\.05$", text)
    html = invoice._repr_html_()
    # the line's amount cell and the total's: 1.03 is only the quantity (1.03 hour)
    assert html.count('<td class="num">1.05</td></tr>') == 2
    assert re.findall(r"1\.03[^ ]", html) == []


def test_a_line_too_long_for_the_quantum_is_refused_naming_it() -> None:
    # 1E+59 / 0.05 = 2E+60 quanta, written 2E+60 x 5 = a 61-digit coefficient: more than
    # ratekit's 60 digits, as quantize refuses 1E+59 on 0.01
    with pytest.raises(
        rk.BadQuantityError,
        match=r"^plan 'p' cannot round 1E\+59 to its quantum 0\.05: the result would have "
        r"more than 60 digits\.$",
    ):
        plan("0.05").round(Decimal("1E+59"))


# -- detail per resource, shared charges ---------------------------------------------------


def test_detail_per_resource_allocates_the_line_on_a_cash_quantum() -> None:
    # was: ValueError: cannot allocate 2.06 on 0.05 (a foreign exception)
    rows = [row("1.03", "vm-1"), row("1.03", "vm-2")]
    rating = rk.rate(rows, plan("0.05"), span=MARCH)
    # the line: 2.06 / 0.05 = 41.2 -> 41 quanta = 2.05
    (summary,) = rk.bill(rating)
    assert amounts(summary) == [Decimal("2.05")]
    # each resource 1.03 = 20.6 quanta: floors 20 + 20 = 40, one quantum left, equal
    # remainders -> the earlier resource, vm-1: 21 x 0.05 = 1.05, 20 x 0.05 = 1.00
    (detail,) = rk.bill(rating, by_resource=True)
    assert [(line.resource, str(line.amount)) for line in detail.lines] == [
        ("vm-1", "1.05"),
        ("vm-2", "1.00"),
    ]
    assert detail.total == summary.total == Decimal("2.05")


def test_detail_per_resource_on_a_quantum_of_3() -> None:
    # resources of 4, 4 and 5: the line 13 / 3 = 4.33 -> 4 quanta = 12. Exact quanta
    # 1.33, 1.33, 1.67: floors 1 + 1 + 1 = 3, one left -> the largest remainder (vm-3,
    # 0.67): 3, 3, 6
    rows = [row("4", "vm-1"), row("4", "vm-2"), row("5", "vm-3")]
    (detail,) = rk.bill(rk.rate(rows, plan("3"), span=MARCH), by_resource=True)
    assert [str(line.amount) for line in detail.lines] == ["3", "3", "6"]
    assert detail.total == Decimal(12)


def test_shared_charges_are_split_on_a_quarter_quantum() -> None:
    # was: ValueError: cannot allocate 10.03 on 0.05
    disk = rk.Plan(
        "d", "CHF", MONTHS, [rk.PriceEntry("img", "gb.hours", rk.PerUnit("0.01"))], quantum="0.25"
    )
    usage = rk.UsageRow("acme", "gb.hours", "image-1", MARCH, MARCH, 1003, "GB*hour", {}, ())
    share = rk.Share("acme", "image-1", {"acme": 1, "beta": 1, "gamma": 1})
    invoices = rk.bill(rk.rate([usage], disk, span=MARCH, shares=[share]))
    # the whole: 1003 x 0.01 = 10.03; / 0.25 = 40.12 -> 40 quanta = 10.00. A third each
    # is 13.33 quanta: floors 13 x 3 = 39, one left -> the first of the equal
    # remainders (acme): 14 x 0.25 = 3.50, 13 x 0.25 = 3.25, 3.25
    parts = {i.account: i.lines[0] for i in invoices}
    assert {a: str(line.amount) for a, line in parts.items()} == {
        "acme": "3.50",
        "beta": "3.25",
        "gamma": "3.25",
    }
    assert {line.whole for line in parts.values()} == {Decimal("10.00")}
    # the export door checks a shared part on the same quantum: it round-trips
    line = parts["beta"]
    back = json.loads(json.dumps(rk.to_row(line)))
    assert rk.from_row(rk.InvoiceLine, back) == line
    # and 3.30 (on the cent, not on the quarter) is refused
    with pytest.raises(rk.BadDataError, match=r"precise: '3\.30' is not this holder's part"):
        rk.from_row(rk.InvoiceLine, {**back, "precise": "3.30", "amount": "3.30"})


# -- minimums, fees, credits ---------------------------------------------------------------


def test_a_minimums_top_up_is_rounded_on_the_quantum() -> None:
    # usage 1.1 x 1 = 1.1 -> 4.4 quanta of 0.25 -> 4 = 1.00; top-up exactly 10 - 1.1 = 8.9,
    # billed as the commitment less the line as rounded: 10 - 1.00 = 9.00; total 10.00
    (invoice,) = rk.bill(rk.rate([row("1.1")], plan("0.25", minimums=[rk.Minimum(10)]), span=MARCH))
    assert [(line.kind, str(line.amount)) for line in invoice.lines] == [
        ("usage", "1.00"),
        ("minimum", "9.00"),
    ]
    assert invoice.total == Decimal("10.00")
    assert "spent 1.10 = 8.90; billed 10.00 - lines 1.00 = 9.00" in str(invoice)


def test_a_fee_is_rounded_on_the_quantum() -> None:
    # Fee 10 on a quantum of 3: 3.33 quanta -> 3 = 9
    fee = plan("3", fees=[rk.Fee("base", 10)])
    (invoice,) = rk.bill(rk.rate([], [rk.Assignment("acme", fee)], span=MARCH))
    assert [str(line.amount) for line in invoice.lines] == ["9"]


def test_credits_pay_whole_quanta_of_any_quantum() -> None:
    fee = plan("3", fees=[rk.Fee("base", 10)])  # the invoice: 9 (see above)
    rating = rk.rate([], [rk.Assignment("acme", fee)], span=MARCH)

    def credit(amount: str) -> rk.Credit:
        return rk.Credit("c", "acme", amount, "CHF", start="2026-03-01T00:00:00Z")

    # 6 = 2 quanta: pays 6 of 9, 3 left to pay
    (invoice,) = rk.bill(rating, credits=[credit("6")])
    assert invoice.total == 3
    # 12 = 4 quanta: pays all 9 (3 quanta), 3 left on the credit
    (invoice,) = rk.bill(rating, credits=[credit("12")])
    (line,) = invoice.credits
    assert (invoice.total, line.applied, line.left) == (Decimal(0), Decimal(9), Decimal(3))
    # 5 is no whole number of 3
    with pytest.raises(
        rk.BadQuantityError,
        match=r"^credit 'c' of account 'acme' grants 5 CHF, which is not a whole number of "
        r"the invoice's quantum 3; round the credit to 3\.$",
    ):
        rk.bill(rating, credits=[credit("5")])
    # on 0.05: 1.03 -> 1.05 due, a credit of 0.05 leaves 1.00
    (invoice,) = rk.bill(rk.rate([row("1.03")], plan("0.05"), span=MARCH), credits=[credit("0.05")])
    assert invoice.total == Decimal("1.00")


# -- the streaming rater -------------------------------------------------------------------


def test_the_raters_invoices_are_on_the_quantum_and_match_the_batch() -> None:
    gb_hours = rk.Meter("gb.hours", "GB*hour", rk.Continuous("gb"))
    image = rk.Plan(
        "p", "CHF", MONTHS, [rk.PriceEntry("img", "gb.hours", rk.PerUnit("0.01"))], quantum="0.05"
    )
    records = [rk.Event("acme", "d", "2026-03-01T00:00:00Z", {"gb": 1}, kind="start", id="e")]
    rater = rk.Rater(image, [gb_hours], start=MARCH.start, horizon=dt.timedelta(0))
    rater.feed(records)
    rater.statement("2026-03-01T01:00:00Z")
    statement = rater.statement("2026-04-01T00:00:00Z")
    # March: 744 h x 1 GB x 0.01 = 7.44; / 0.05 = 148.8 -> 149 quanta = 7.45 (was 7.44)
    (invoice,) = statement.invoices
    assert (str(invoice.lines[0].amount), invoice.total) == ("7.45", Decimal("7.45"))
    batch = rk.bill(rk.rate(records, image, meters=[gb_hours], span=MARCH))
    assert statement.invoices == batch


# -- the caller's decimal context ----------------------------------------------------------


def test_the_callers_decimal_context_changes_nothing() -> None:
    rows = [row("4", "vm-1"), row("4", "vm-2"), row("5", "vm-3")]
    priced = plan("3")
    with decimal.localcontext() as context:
        context.prec = 2
        context.rounding = decimal.ROUND_UP
        context.traps[decimal.Inexact] = True
        (detail,) = rk.bill(rk.rate(rows, priced, span=MARCH), by_resource=True)
        rounded = priced.round(Decimal("4.5"))
    assert [str(line.amount) for line in detail.lines] == ["3", "3", "6"]  # as above
    assert str(rounded) == "6"  # 4.5 / 3 = 1.5, a tie: half-even -> 2 quanta


# -- laws ----------------------------------------------------------------------------------

MODES = [
    decimal.ROUND_HALF_EVEN,
    decimal.ROUND_HALF_UP,
    decimal.ROUND_HALF_DOWN,
    decimal.ROUND_UP,
    decimal.ROUND_DOWN,
    decimal.ROUND_CEILING,
    decimal.ROUND_FLOOR,
]


def oracle(value: Fraction, quantum: Fraction, mode: str) -> Fraction:
    """``value`` rounded to a whole number of ``quantum`` by ``mode``, in fractions."""
    units = value / quantum
    low = math.floor(units)
    if units == low:
        return units * quantum
    high = low + 1
    toward_zero, away = (low, high) if units > 0 else (high, low)
    past = units - low
    nearest = low if past < Fraction(1, 2) else high
    tie = past == Fraction(1, 2)
    count = {
        decimal.ROUND_DOWN: toward_zero,
        decimal.ROUND_UP: away,
        decimal.ROUND_CEILING: high,
        decimal.ROUND_FLOOR: low,
        decimal.ROUND_HALF_UP: away if tie else nearest,
        decimal.ROUND_HALF_DOWN: toward_zero if tie else nearest,
        decimal.ROUND_HALF_EVEN: (low if low % 2 == 0 else high) if tie else nearest,
        decimal.ROUND_05UP: away if abs(toward_zero) % 10 in (0, 5) else toward_zero,
    }[mode]
    return count * quantum


#: Quanta of 1 to 3 significant digits, from 0.001 to 900: powers of ten, cash steps
#: (0.05), quarters, odd ones (0.07, 3, 0.125), and ones with trailing zeros (0.10).
QUANTA = st.builds(
    lambda digits, exponent: Decimal(digits).scaleb(exponent),
    st.sampled_from([1, 2, 3, 5, 7, 10, 25, 50, 125, 999]),
    st.integers(-3, 0),
)


@settings(max_examples=LAWS)
@given(
    st.decimals(min_value=-(10**6), max_value=10**6, places=4, allow_nan=False),
    QUANTA,
    st.sampled_from([*MODES, decimal.ROUND_05UP]),  # a plan does not take 05UP
)
def test_rounding_on_a_quantum_is_the_fraction_oracles(
    value: Decimal, quantum: Decimal, mode: str
) -> None:
    rounded = on_quantum(value, quantum, mode)
    assert Fraction(rounded) == oracle(Fraction(value), Fraction(quantum), mode)
    assert rounded.as_tuple().exponent == quantum.as_tuple().exponent  # written on it


@settings(max_examples=max(LAWS // 10, 100))
@given(
    st.lists(st.decimals(min_value=-50, max_value=1000, places=3), min_size=1, max_size=5),
    st.decimals(min_value="0.001", max_value=3, places=4),
    QUANTA,
    st.sampled_from(MODES),
    st.lists(st.integers(1, 7), min_size=1, max_size=4),
)
def test_lines_detail_and_shared_parts_are_whole_quanta_that_add_up(
    quantities: list[Decimal],
    price: Decimal,
    quantum: Decimal,
    mode: str,
    weights: list[int],
) -> None:
    priced = plan(str(quantum), str(price), rounding=mode)
    q = Fraction(quantum)
    rows = [row(str(quantity), f"vm-{i}") for i, quantity in enumerate(quantities)]
    rating = rk.rate(rows, priced, span=MARCH)
    exact = [Fraction(quantity) * Fraction(price) for quantity in quantities]
    # the line: the exact sum rounded once, by the oracle
    (summary,) = rk.bill(rating)
    (line,) = summary.lines
    assert Fraction(line.amount) == oracle(sum(exact, Fraction(0)), q, mode)
    # the detail: whole quanta, adding up to the line, each within a quantum of its share
    (detail,) = rk.bill(rating, by_resource=True)
    assert sum((Fraction(part.amount) for part in detail.lines), Fraction(0)) == Fraction(
        line.amount
    )
    for part, share in zip(detail.lines, exact, strict=True):
        assert Fraction(part.amount) % q == 0
        assert abs(Fraction(part.amount) - share) < q
    # shared: the owner's charges of one resource split among holders by weight
    holders = {f"h{i}": weight for i, weight in enumerate(weights)}
    shares = [rk.Share("acme", "vm-0", holders)]
    invoices = rk.bill(rk.rate(rows[:1], priced, span=MARCH, shares=shares))
    parts = {invoice.account: invoice.lines[0] for invoice in invoices}
    assert sorted(parts) == sorted(holders)
    whole = oracle(exact[0], q, mode)
    assert {Fraction(part.whole or 0) for part in parts.values()} == {whole}
    assert sum((Fraction(part.amount) for part in parts.values()), Fraction(0)) == whole
    total = sum(weights)
    for account, part in parts.items():
        assert Fraction(part.amount) % q == 0
        assert abs(Fraction(part.amount) - whole * holders[account] / total) < q


def test_a_balance_left_on_another_plans_quantum_is_not_rounded_to_this_invoices() -> None:
    cash = rk.Plan("cash", "CHF", MONTHS, [], fees=[rk.Fee("f", "2.35")], quantum="0.05")
    francs = rk.Plan("francs", "CHF", MONTHS, [], fees=[rk.Fee("f", 3)], quantum="1")
    plans = [
        rk.Assignment("acme", cash, end="2026-04-01T00:00:00Z"),
        rk.Assignment("acme", francs, start="2026-04-01T00:00:00Z"),
    ]
    spring = rk.Span("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z")
    grant = rk.Credit("c", "acme", 10, "CHF", start="2026-03-01T00:00:00Z")
    march, april = rk.bill(rk.rate([], plans, span=spring), credits=[grant])
    # March: 2.35 due (47 quanta of 0.05), paid: 10 - 2.35 = 7.65 left
    (line,) = march.credits
    assert (str(line.available), str(line.applied), str(line.left)) == ("10.00", "2.35", "7.65")
    # April, on whole francs: 3 due, paid 3 (whole francs of min(7.65, 3)), 4.65 left
    # (was: available 8 and left 5, the balance rounded to the franc)
    (line,) = april.credits
    assert (str(line.available), str(line.applied), str(line.left)) == ("7.65", "3", "4.65")
    assert april.total == 0


def test_bill_refuses_a_line_too_long_for_a_quarter_quantum_naming_it() -> None:
    # 5E+29 hours at 1E+29 = 5E+58 CHF; on 0.25 it is written on two decimals: 61 digits
    # (60 fit: less than 1E+58). 0.25 is 1E-1 by its leading digit, which would have
    # said 60 digits and less than 1E+59.
    # Rating refuses such an amount (outside the numbers ratekit carries exactly); a
    # charge made by hand reaches bill, which refuses it as too long for the quantum.
    huge = rk.Plan(
        "p", "CHF", MONTHS, [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("1E+29"))], quantum="0.25"
    )
    with pytest.raises(rk.BadPriceError, match=r"at 5E\+58, outside the amounts"):
        rk.rate([row("5E+29")], huge, span=MARCH)
    # A charge made by hand holds no more than rating carries (was: accepted, 5E+58).
    with pytest.raises(rk.BadQuantityError, match=r"^Charge amount Decimal\('5E\+58'\) lies"):
        rk.Charge(
            "acme", "vm.hours", "vm-1", MARCH, MARCH, Decimal("5E+29"), "hour", Decimal("5E+58"),
            "CHF", "p", "vm", Decimal("1E+29"), quantum=Decimal("0.25"),
        )  # fmt: skip

    # Two charges in range reach bill: 7.5E+29 + 7.5E+29 = 1.5E+30 CHF on the quantum
    # 2.5E-29, written on 30 decimals: 31 + 30 = 61 digits (60 fit: less than 1E+30).
    # 2.5E-29 is 1E-29 by its leading digit, which would have said 60 digits and less
    # than 1E+31.
    def _charge(vm: str) -> rk.Charge:
        return rk.Charge(
            "acme", "vm.hours", vm, MARCH, MARCH, Decimal("7.5E+29"), "hour", Decimal("7.5E+29"),
            "CHF", "p", "vm", Decimal(1), quantum=Decimal("2.5E-29"),
        )  # fmt: skip

    charges = [_charge("vm-1"), _charge("vm-2")]
    with pytest.raises(rk.BadQuantityError) as caught:
        rk.bill(charges)
    assert str(caught.value) == (
        "the charges of account 'acme' for plan 'p', entry 'vm' add up to 15"
        + "0" * 29
        + " CHF, which has 61 digits on the quantum 2.5E-29; ratekit rounds an amount of at "
        "most 60 digits on it (less than 1E+30 CHF)."
    )
    # 4.5E+29 + 4.5E+29 = 9E+29: 30 + 30 = 60 digits, billed
    halves = [attrs.evolve(c, amount=Decimal("4.5E+29")) for c in charges]
    assert rk.bill(halves)[0].total == Decimal("9E+29")


def test_equal_quanta_of_other_exponents_round_each_on_its_own_step() -> None:
    # 0.1, 0.10 and 0.100 are one number, but only 0.1 is a power of ten of one digit
    # (rounded by quantize); 0.10 is a step of dimes written on two decimals. Asked in
    # turn, each keeps its own rounding: 1.234 is 12.34 dimes -> 12 -> 1.2, 1.20, 1.200;
    # 1.25 is 12.5 dimes -> 12 (half-even): 1.2, 1.20, 1.200 again.
    for quantum, rounded in [("0.1", "1.2"), ("0.10", "1.20"), ("0.100", "1.200"), ("0.1", "1.2")]:
        got = on_quantum(Decimal("1.234"), Decimal(quantum), "ROUND_HALF_EVEN")
        assert (str(got), got.as_tuple().exponent) == (rounded, -len(quantum) + 2)
        assert str(on_quantum(Decimal("1.25"), Decimal(quantum), "ROUND_HALF_EVEN")) == rounded
