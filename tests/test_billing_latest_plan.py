"""After a plan change within a cycle, the invoice rounds with the latest plan's rounding.

"The latest plan" is the plan in force at the end of the cycle: the account's latest
assignment within the cycle, whether or not it charged anything. Rating stamps every
charge of that account's cycle with its quantum and rounding, so `bill(rating)` and
`bill(rating.charges)` (a bare list) round alike.
"""

from __future__ import annotations

from decimal import Decimal

import attrs
import pytest

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
HALF = "2026-03-16T12:00:00Z"  # 15.5 days of 31: half of March
FIRST = rk.Span(MARCH.start, HALF)

A = rk.Plan(
    "a", "EUR", MONTHS, [rk.PriceEntry("e", "vm", rk.PerUnit("0.333"))], rounding="ROUND_FLOOR"
)


def _b(fees: list[rk.Fee]) -> rk.Plan:
    return rk.Plan(
        "b",
        "EUR",
        MONTHS,
        [rk.PriceEntry("e", "vm", rk.PerUnit("0.0777"))],
        quantum="0.25",
        rounding="ROUND_CEILING",
        fees=fees,
    )


def _rating(b: rk.Plan, span: rk.Span = MARCH) -> rk.Rating:
    # 7.98 h, all under plan a: 7.98 * 0.333 = 2.65734
    row = rk.UsageRow("acme", "vm", "r0", FIRST, MARCH, Decimal("7.98"), "hour", {}, ())
    assigned = [rk.Assignment("acme", A, end=HALF), rk.Assignment("acme", b, start=HALF)]
    return rk.rate([row], assigned, span=span)


def _credit(amount: str) -> rk.Credit:
    return rk.Credit("c", "acme", amount, "EUR", start=MARCH.start)


@pytest.mark.parametrize(
    ("fees", "lines", "total"),
    [
        # b charges nothing in March: still the latest plan, its CEILING on 0.25 applies:
        # 2.65734 -> 2.75 (a's FLOOR on the cent would give 2.65)
        ([], [("usage", "2.65734", "2.75")], "2.75"),
        # b's fee 0.50 for half of March: 0.25; the usage line is the same 2.75
        (
            [rk.Fee("f", "0.50")],
            [("usage", "2.65734", "2.75"), ("fee", "0.25", "0.25")],
            "3.00",
        ),
    ],
)
def test_the_latest_plan_rounds_every_line_whether_or_not_it_charged(
    fees: list[rk.Fee], lines: list[tuple[str, str, str]], total: str
) -> None:
    rating = _rating(_b(fees))
    (invoice,) = rk.bill(rating)
    assert [(line.kind, str(line.precise), str(line.amount)) for line in invoice.lines] == lines
    assert invoice.total == Decimal(total)
    # every charge of the cycle carries the latest plan's rounding
    assert {(c.quantum, c.rounding) for c in rating.charges} == {(Decimal("0.25"), "ROUND_CEILING")}
    # a bare list of the rating's charges knows it too
    assert rk.bill(list(rating.charges)) == (invoice,)


@pytest.mark.parametrize("fees", [[], [rk.Fee("f", "0.50")]])
def test_a_credit_is_checked_on_the_latest_plans_quantum_either_way(fees: list[rk.Fee]) -> None:
    rating = _rating(_b(fees))
    with pytest.raises(rk.BadQuantityError, match=r"grants 0\.01 EUR, which is not a whole"):
        rk.bill(rating, credits=[_credit("0.01")])
    (paid,) = rk.bill(rating, credits=[_credit("0.25")])
    # 2.75 - 0.25 = 2.50 (without the fee), 3.00 - 0.25 = 2.75 (with it)
    assert paid.total == (Decimal("2.50") if not fees else Decimal("2.75"))


def test_a_piece_before_the_change_rounds_with_the_plan_in_force_at_the_cycles_end() -> None:
    # Rating only [1 Mar, 16 Mar 12:00): b has no charge in it, but it is the plan in
    # force at the end of March; the piece's invoice rounds as the month's does: 2.75.
    (invoice,) = rk.bill(_rating(_b([]), span=FIRST))
    assert [line.amount for line in invoice.lines] == [Decimal("2.75")]


def test_a_plan_alone_in_the_next_cycle_keeps_its_own_rounding() -> None:
    # In April only b is assigned: its rounding, as before (0.0777 * 10 = 0.777 -> 1.00).
    row = rk.UsageRow("acme", "vm", "r0", APRIL, APRIL, 10, "hour", {}, ())
    assigned = [
        rk.Assignment("acme", A, end=APRIL.start),
        rk.Assignment("acme", _b([]), start=APRIL.start),
    ]
    (invoice,) = rk.bill(rk.rate([row], assigned, span=APRIL))
    assert invoice.lines[0].amount == Decimal("1.00")
    # and a plan ended before the cycle's end is still the latest one when no other follows
    ended = [rk.Assignment("acme", A, end=HALF)]
    row = rk.UsageRow("acme", "vm", "r0", FIRST, MARCH, Decimal("7.98"), "hour", {}, ())
    (invoice,) = rk.bill(rk.rate([row], ended, span=MARCH))
    assert invoice.lines[0].amount == Decimal("2.65")  # a's FLOOR on the cent


def test_bare_charges_built_by_hand_round_with_their_latest_charge() -> None:
    # A list of charges that rating did not stamp (each with its own plan's rounding)
    # says nothing of the assignments: the invoice rounds with its latest charge's.
    rating = _rating(_b([rk.Fee("f", "0.50")]))
    usage, fee = rating.charges
    as_a = attrs.evolve(usage, quantum=Decimal("0.01"), rounding="ROUND_FLOOR")
    (alone,) = rk.bill([as_a])
    assert alone.lines[0].amount == Decimal("2.65")  # 2.65734 floored on the cent
    (both,) = rk.bill([as_a, fee])  # the fee (b's, from 16 March) is the latest charge
    assert [line.amount for line in both.lines] == [Decimal("2.75"), Decimal("0.25")]


def test_a_fee_whose_amount_changes_with_the_plan_prints_each_plans_part() -> None:
    # Support 31 a month under 'a' for 10 of March's 31 days, 62 under 'b' for 21:
    # 31 x 10/31 + 62 x 21/31 = 10 + 42 = 52.00, each part on its own note.
    months = rk.cycles.monthly(tz="UTC")
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    a = rk.Plan("a", "EUR", months, [], fees=[rk.Fee("sup", 31)])
    b = rk.Plan("b", "EUR", months, [], fees=[rk.Fee("sup", 62)])
    cut = "2026-03-11T00:00:00Z"
    rating = rk.rate(
        [], [rk.Assignment("acme", a, end=cut), rk.Assignment("acme", b, start=cut)], span=march
    )
    (invoice,) = rk.bill(rating)
    assert str(invoice).splitlines()[2:6] == [
        "  line       quantity  unit price  amount",
        "  fee · sup   1 cycle      varies   52.00",
        "      a · ~0.322581 * 31 = 10.00",
        "      b · ~0.677419 * 62 = 42.00",
    ]
    page = invoice._repr_html_()
    assert "varies" in page
    assert "b · ~0.677419 * 62 = 42.00" in page
