"""A cycle rated in pieces and billed as one invoice: the pieces add up to the cycle.

Rating a cycle in pieces gives each piece its slice of the plan's fees, and tops up its
minimums by the cycle's top-up at the piece's end less that at its start (docs/pricing.md
"A cycle rated in pieces"), so that the pieces add up to the cycle rated whole. A piece's
minimum charge spans that piece and stands for the commitment it settles: its slice,
less what earlier pieces spent above the commitment to their end. Billing the pieces'
charges together settles each piece's commitment against the lines of its own piece (as
its own invoice does); a piece whose usage gives back what an earlier piece topped up
bills that give-back. So the invoice of the charges together bills what the pieces'
invoices bill, and its ``precise_total`` is the exact sum of what its lines bill before
rounding.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk
from ratekit._quanta import on_quantum
from ratekit._topups import parts

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
MID = "2026-03-16T00:00:00Z"


def _row(quantity: object, start: str, end: str, cycle: rk.Span = MARCH) -> rk.UsageRow:
    return rk.UsageRow("acme", "vm", "r", rk.Span(start, end), cycle, quantity, "hour", {}, ())


def _pieces(
    rows: list[rk.UsageRow], plan: rk.Plan, cuts: list[str], cycle: rk.Span = MARCH
) -> list[rk.Rating]:
    edges = [cycle.start, *cuts, cycle.end]
    return [
        rk.rate(rows, plan, span=rk.Span(lo, hi), accounts=["acme"])
        for lo, hi in itertools.pairwise(edges)
    ]


def _day(d: int) -> str:
    """The start of April's day ``d`` (0-based; 30 is 1 May)."""
    return (dt.datetime(2026, 4, 1, tzinfo=dt.UTC) + dt.timedelta(days=d)).isoformat()


def _focus_total(values: object) -> Fraction:
    rows = rk.focus_rows(values, provider="x")  # type: ignore[arg-type]
    return sum((Fraction(row["BilledCost"]) for row in rows), Fraction(0))


# -- worked examples -----------------------------------------------------------------------


def test_a_later_pieces_usage_gives_back_an_earlier_pieces_top_up() -> None:
    # PerUnit(1), Minimum(31), Fee 31, March (31 days), 40 h on 20 March; two pieces:
    #   [1, 16 Mar): fee 31 * 15/31 = 15; top-up so far max(0, 15 - 0) = 15     (30)
    #   [16 Mar, 1 Apr): usage 40; fee 31 * 16/31 = 16; top-up so far at its end
    #     max(0, 31 - 40) = 0, less the 15 at its start: -15                   (41)
    # Together: 40 + (15 + 16) + (15 - 15) = 71.00 = 30 + 41, March rated whole.
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm", rk.PerUnit(1))],
        minimums=[rk.Minimum(31)],
        fees=[rk.Fee("f", 31)],
    )
    rows = [_row(40, "2026-03-20T00:00:00Z", "2026-03-21T00:00:00Z")]
    first, second = _pieces(rows, plan, [MID])
    assert [c.amount for c in second.charges if c.kind == "minimum"] == [-15]
    charges = [*first.charges, *second.charges]
    (invoice,) = rk.bill(charges)
    assert [(line.kind, line.amount) for line in invoice.lines] == [
        ("usage", Decimal("40.00")),
        ("fee", Decimal("31.00")),
        ("minimum", Decimal("0.00")),
    ]
    assert invoice.total == Decimal("71.00")
    assert invoice.precise_total == Decimal(71)
    minimum = invoice.lines[2]
    # commitments 15 + 16, spends 0 + 40, top-ups 15 - 15
    assert (minimum.commitment, minimum.spent, minimum.precise) == (31, 40, 0)
    text = str(invoice)
    assert "..2026-03-16T00:00:00Z · commitment 15.00 - spent 0.00 = 15.00\n" in text
    assert (
        "..2026-04-01T00:00:00Z · commitment 16.00 - spent 40.00 = -24.00, "
        "given back up to the earlier pieces' top-up: -15.00\n"
    ) in text
    (a,) = rk.bill(first)
    (b,) = rk.bill(second)
    assert (a.total, b.total) == (Decimal("30.00"), Decimal("41.00"))
    assert b.lines[-1].amount == Decimal("-15.00")
    assert rk.bill(rk.rate(rows, plan, span=MARCH))[0].total == Decimal("71.00")
    assert _focus_total([invoice]) == _focus_total(charges) == 71


def test_a_piece_after_one_that_spent_above_its_share_settles_what_is_left() -> None:
    # Minimum(31) in March; 20 h in [1, 16 Mar) (commits 15), 5 h in [16 Mar, 1 Apr).
    #   first: top-up so far max(0, 15 - 20) = 0                                 (20)
    #   second: max(0, 31 - 25) - 0 = 6; it settles its slice 16 less the 5 spent
    #     above 15 before it: commitment 11 - spent 5 = 6                         (11)
    # 20 + 11 = 31.00, March rated whole (25 < 31: 25 + 6).
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", rk.PerUnit(1))], minimums=[rk.Minimum(31)]
    )
    rows = [
        _row(20, "2026-03-05T00:00:00Z", "2026-03-06T00:00:00Z"),
        _row(5, "2026-03-20T00:00:00Z", "2026-03-21T00:00:00Z"),
    ]
    first, second = _pieces(rows, plan, [MID])
    assert (first.total(), second.total()) == (20, 11)
    (minimum,) = (c for c in second.charges if c.kind == "minimum")
    assert (minimum.amount, minimum.unit_price * minimum.quantity) == (6, 11)
    (b,) = rk.bill(second)
    assert "commitment 11.00 - spent 5.00 = 6.00" in str(b)
    (together,) = rk.bill([*first.charges, *second.charges])
    assert together.total == b.total + rk.bill(first)[0].total == Decimal("31.00")
    assert rk.bill(rk.rate(rows, plan, span=MARCH))[0].total == Decimal("31.00")


def test_two_pieces_short_of_their_commitments_print_a_note_each() -> None:
    # Minimum(31) in March: [1, 16 Mar) commits 15 and spends 5 -> 10;
    # [16 Mar, 1 Apr) commits 16 and spends 3 -> 13. One minimum line of 10 + 13 = 23.00,
    # a note per piece (named by plan and piece); total 8 + 23 = 31.00, which is also
    # what the whole month rated at once bills (8 < 31: 23).
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", rk.PerUnit(1))], minimums=[rk.Minimum(31)]
    )
    rows = [
        _row(5, "2026-03-05T00:00:00Z", "2026-03-06T00:00:00Z"),
        _row(3, "2026-03-20T00:00:00Z", "2026-03-21T00:00:00Z"),
    ]
    pieces = _pieces(rows, plan, [MID])
    (invoice,) = rk.bill([c for piece in pieces for c in piece.charges])
    text = str(invoice)
    assert (
        "p 2026-03-01T00:00:00Z..2026-03-16T00:00:00Z · commitment 15.00 - spent 5.00 = 10.00"
        in text
    )
    assert (
        "p 2026-03-16T00:00:00Z..2026-04-01T00:00:00Z · commitment 16.00 - spent 3.00 = 13.00"
        in text
    )
    assert invoice.lines[-1].amount == Decimal("23.00")
    assert invoice.total == Decimal("31.00") == invoice.precise_total
    assert rk.bill(rk.rate(rows, plan, span=MARCH))[0].total == Decimal("31.00")


def test_a_line_across_pieces_counts_each_pieces_part_as_billed() -> None:
    # ROUND_DOWN on the cent, Minimum(31) in March, one entry; 7.505 h in each piece.
    # The usage line is 15.01 exact, billed 15.01; split between the pieces in
    # proportion to their exact 7.505 each: 7.505 and 7.505 on the cent, the leftover
    # cent to the earlier piece: 7.51 and 7.50.
    # [1, 16 Mar): 15.00 - 7.51 = 7.49; [16 Mar, 1 Apr): 16.00 - 7.50 = 8.50.
    # Invoice: 15.01 + 7.49 + 8.50 = 31.00; exact: 15.01 + (15 - 7.505) + (16 - 7.505)
    # = 31.00 as well.
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm", rk.PerUnit(1))],
        minimums=[rk.Minimum(31)],
        rounding="ROUND_DOWN",
    )
    rows = [
        _row("7.505", "2026-03-05T00:00:00Z", "2026-03-06T00:00:00Z"),
        _row("7.505", "2026-03-20T00:00:00Z", "2026-03-21T00:00:00Z"),
    ]
    pieces = _pieces(rows, plan, [MID])
    (invoice,) = rk.bill([c for piece in pieces for c in piece.charges])
    assert [(line.kind, line.amount) for line in invoice.lines] == [
        ("usage", Decimal("15.01")),
        ("minimum", Decimal("15.99")),
    ]
    assert "spent 7.505 = 7.495; billed 15.00 - lines 7.51 = 7.49" in str(invoice)
    assert "spent 7.505 = 8.495; billed 16.00 - lines 7.50 = 8.50" in str(invoice)
    assert invoice.total == Decimal("31.00") == invoice.precise_total


# -- the law -------------------------------------------------------------------------------


@st.composite
def _months(draw: st.DrawFn) -> tuple[list[tuple[int, int]], list[int], int, int]:
    """Usage (day, cents), cut days, a fee and a commitment, all on the cent per day."""
    usage = draw(st.lists(st.tuples(st.integers(0, 29), st.integers(-500, 3000)), max_size=5))
    cuts = sorted(draw(st.sets(st.integers(1, 29), max_size=3)))
    fee = draw(st.integers(0, 40)) * 30  # cents, a whole cent per day of a 30-day April
    commitment = draw(st.integers(0, 400)) * 30
    return usage, cuts, fee, commitment


@settings(max_examples=max(LAWS // 10, FLOOR), deadline=None)
@given(_months())
def test_billing_the_pieces_together_bills_each_pieces_own_commitment(
    month: tuple[list[tuple[int, int]], list[int], int, int],
) -> None:
    # Oracle (Fraction): each piece of d days owes its usage, fee * d / 30 and the top-up
    # so far at its end less that at its start, the top-up so far at day t being
    # max(0, commitment * t / 30 - usage before t): every amount is on the cent, so
    # nothing rounds; the pieces add up to April rated whole.
    usage, cuts, fee, commitment = month
    cent = Fraction(1, 100)
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm", rk.PerUnit(1))],
        minimums=[rk.Minimum(Decimal(commitment) / 100)],
        fees=[rk.Fee("f", Decimal(fee) / 100)],
    )

    rows = [_row(Decimal(cents) / 100, _day(d), _day(d + 1), APRIL) for d, cents in usage]
    pieces = _pieces(rows, plan, [_day(c) for c in cuts], APRIL)
    edges = [0, *cuts, 30]

    def so_far(t: int) -> Fraction:
        spent = sum((cents * cent for d, cents in usage if d < t), Fraction(0))
        return max(Fraction(0), commitment * cent * Fraction(t, 30) - spent)

    expected = Fraction(0)
    for piece, (lo, hi) in zip(pieces, itertools.pairwise(edges), strict=True):
        spent = sum((cents * cent for d, cents in usage if lo <= d < hi), Fraction(0))
        days = Fraction(hi - lo, 30)
        owed = spent + fee * cent * days + so_far(hi) - so_far(lo)
        assert Fraction(piece.total()) == owed
        expected += owed
    assert Fraction(rk.rate(rows, plan, span=APRIL, accounts=["acme"]).total()) == expected
    charges = [c for piece in pieces for c in piece.charges]
    (together,) = rk.bill(charges)
    assert Fraction(together.total) == expected
    assert Fraction(together.precise_total) == expected
    assert sum(Fraction(rk.bill(piece)[0].total) for piece in pieces) == expected
    assert _focus_total([together]) == expected
    assert sum((Fraction(c.amount) for c in charges), Fraction(0)) == expected


@settings(max_examples=max(LAWS // 10, FLOOR), deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 29), st.integers(-5000, 30000)), max_size=5),
    st.sets(st.integers(1, 29), max_size=3),
    st.integers(0, 300),
    st.sampled_from(["0.01", "0.05", "0.25", "1"]),
    st.sampled_from(["ROUND_HALF_EVEN", "ROUND_UP", "ROUND_DOWN", "ROUND_CEILING", "ROUND_FLOOR"]),
)
def test_pieces_billed_together_total_within_a_rounding_of_precise_total(
    usage: list[tuple[int, int]], cuts: set[int], commitment: int, quantum: str, rounding: str
) -> None:
    # Off the cent: precise_total is the exact sum of what the lines bill before rounding
    # (the charges' exact sum, Fraction oracle), the total is within a quantum per line of
    # it, and each piece's note computes: commitment on the quantum less its lines as
    # billed is its top-up, and commitment - spent = the exact top-up.
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("vm", "vm", rk.PerUnit("1.001"))],
        minimums=[rk.Minimum(commitment)],
        quantum=quantum,
        rounding=rounding,
    )

    rows = [_row(Decimal(q) / 1000, _day(d), _day(d + 1), APRIL) for d, q in usage]
    pieces = _pieces(rows, plan, [_day(c) for c in sorted(cuts)], APRIL)
    charges = [c for piece in pieces for c in piece.charges]
    invoices = rk.bill(charges)
    if not invoices:
        return
    (invoice,) = invoices
    exact = sum((Fraction(c.amount) for c in charges), Fraction(0))
    # precise_total adds the lines' exact amounts at ratekit's 60 digits
    assert abs(Fraction(invoice.precise_total) - exact) < Fraction(1, 10**50)
    # one rounding per line, and per piece's commitment put on the quantum
    settled = parts(invoice.lines, "acme")
    roundings = len(invoice.lines) + sum(len(plans) for plans in settled.values())
    assert abs(Fraction(invoice.total) - exact) < Fraction(Decimal(quantum)) * roundings

    for plans in settled.values():
        for part in plans:
            if part.exact < 0:  # a give-back of an earlier piece's top-up
                given_back = on_quantum(part.exact, Decimal(quantum), rounding)
                assert part.amount == max(given_back, part.target - part.lines)
                continue
            assert part.amount == max(Decimal(0), part.target - part.lines)
            if part.exact:
                # to ratekit's 60 digits (a prorated commitment is rounded there once)
                off = Fraction(part.commitment) - Fraction(part.spent) - Fraction(part.exact)
                assert abs(off) < Fraction(1, 10**50)
