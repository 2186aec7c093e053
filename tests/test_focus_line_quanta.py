"""FOCUS rows of an invoice line whose charges carry different rounding quanta.

`rk.bill()` rounds every line of an invoice on the quantum of its latest charge (the
plan in force at the cycle's end); charges made by hand, or from two ratings, may carry
others. The rows of a line are its parts on the quantum the line was rounded on.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

import ratekit as rk

MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
FIRST = rk.Span("2026-03-01T00:00:00Z", "2026-03-16T00:00:00Z")
LATER = rk.Span("2026-03-16T00:00:00Z", "2026-04-01T00:00:00Z")


def _charge(resource: str, span: rk.Span, amount: str, quantum: str) -> rk.Charge:
    return rk.Charge(
        "acme", "vm.hours", resource, span, MARCH, 1, "hour", amount, "EUR", "p", "vm", None,
        quantum=quantum,
    )  # fmt: skip


def _billed(invoices: list[rk.Invoice]) -> list[tuple[str, str]]:
    return [(row["ResourceId"], row["BilledCost"]) for row in rk.focus_rows(invoices, provider="X")]


def test_a_line_is_split_on_the_quantum_it_was_rounded_on_not_its_first_charges() -> None:
    # vm-1 (first half, quantum 1) 1.49 and vm-2 (second half, quantum 0.01) 1.51. The
    # latest charge's quantum rounds the invoice: 1.49 + 1.51 = 3.00 on 0.01. Split on
    # 0.01 the rows are 1.49 and 1.51 (exact already); split on the first charge's
    # quantum of 1, as they were, they were 1 and 2: 0.49 moved from vm-1 to vm-2.
    invoices = rk.bill(
        [_charge("vm-1", FIRST, "1.49", "1"), _charge("vm-2", LATER, "1.51", "0.01")]
    )
    assert [line.amount for line in invoices[0].lines] == [Decimal("3.00")]
    assert _billed(invoices) == [("vm-1", "1.49"), ("vm-2", "1.51")]


def test_a_line_rounded_on_a_coarser_later_quantum_has_rows_on_it() -> None:
    # vm-1 (quantum 0.01) 0.333 and vm-2 (later, quantum 0.05) 0.333: the line is
    # 0.666 on 0.05, half-even: 13.32 quanta -> 13 -> 0.65. Its parts on 0.05: each
    # exact part is 0.325 = 6.5 quanta; floors 6 + 6 = 12, the 13th quantum to the first
    # of the tie: 0.35 and 0.30 (they were 0.33 and 0.32, on the first charge's 0.01,
    # parts of no quantum the invoice was rounded on).
    invoices = rk.bill(
        [_charge("vm-1", FIRST, "0.333", "0.01"), _charge("vm-2", LATER, "0.333", "0.05")]
    )
    assert [line.amount for line in invoices[0].lines] == [Decimal("0.65")]
    assert _billed(invoices) == [("vm-1", "0.35"), ("vm-2", "0.30")]


_QUANTA = st.sampled_from(["0.01", "0.05", "0.1", "1", "0.25"])
_AMOUNTS = st.decimals(min_value=-50, max_value=50, places=3, allow_nan=False)


@given(st.lists(st.tuples(_AMOUNTS, _QUANTA, st.booleans()), min_size=1, max_size=5))
def test_law_rows_of_mixed_quanta_are_on_the_billed_quantum_and_add_up(cases) -> None:
    charges = [
        _charge(f"vm-{index}", LATER if later else FIRST, str(amount), quantum)
        for index, (amount, quantum, later) in enumerate(cases)
    ]
    # the oracle: billing's quantum is that of the first charge of the latest start
    latest = max(range(len(cases)), key=lambda index: (cases[index][2], -index))
    quantum = Fraction(cases[latest][1])
    (invoice,) = rk.bill(charges)
    (line,) = invoice.lines
    rows = rk.focus_rows([invoice], provider="X")
    billed = [Fraction(row["BilledCost"]) for row in rows]
    assert sum(billed) == Fraction(invoice.total) == Fraction(line.amount)
    assert all((part / quantum).denominator == 1 for part in billed)
    # each part within one quantum of the charge's exact share of the line's amount
    exact = [Fraction(amount) for amount, _, _ in cases]
    moved = Fraction(line.amount) - sum(exact)
    sizes = [abs(part) for part in exact]
    for part, own, size in zip(billed, exact, sizes, strict=True):
        share = own + (moved * size / sum(sizes) if sum(sizes) else moved / len(exact))
        assert abs(part - share) < quantum
