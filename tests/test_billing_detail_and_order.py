"""Billing: the detailed invoice settles minimums as the summary does; order never matters.

Worked by hand in the comments (monthly UTC cycles, EUR).
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
HALF = "2026-03-16T00:00:00Z"


def _row(resource: str, day: int, quantity: str) -> rk.UsageRow:
    span = rk.Span(f"2026-03-{day:02d}T00:00:00Z", f"2026-03-{day + 1:02d}T00:00:00Z")
    return rk.UsageRow("acme", "vm", resource, span, MARCH, quantity, "hour", {}, ())


def test_a_plans_minimum_counts_its_part_of_the_whole_line_in_the_detailed_invoice() -> None:
    # Plan a until the 16th, then plan b (ROUND_UP, Minimum(10): 10 x 16/31 = 5.16129...
    # of the cycle, due 5.17). One line "vm · e", 12.30 h under a and 0.0044 h under b:
    # 12.3044 rounds up to 12.31, of which b's part is 0.00 (12.31 moved in proportion:
    # a 12.3056..., b 0.00440...; the cent left to a's larger remainder), so b tops up
    # 5.17: 17.48. The detailed invoice allocates each plan's part among its resources:
    # vm-2 (all a's) 12.31 and vm-1 (all b's) 0.00, so b's note counts what vm-1 prints.
    # (Allocated on the resources' amounts alone, vm-1 printed 0.01 and b counted that
    # cent, topping up 5.16: 17.47.)
    a = rk.Plan("a", "EUR", MONTHS, [rk.PriceEntry("e", "vm", rk.PerUnit(1))])
    b = rk.Plan(
        "b", "EUR", MONTHS, [rk.PriceEntry("e", "vm", rk.PerUnit(1))],
        rounding="ROUND_UP", minimums=[rk.Minimum(10)],
    )  # fmt: skip
    rows = [_row("vm-2", 2, "12.30"), _row("vm-1", 20, "0.0044")]
    plans = [rk.Assignment("acme", a, end=HALF), rk.Assignment("acme", b, start=HALF)]
    rating = rk.rate(rows, plans, span=MARCH)
    [summary], [detailed] = rk.bill(rating), rk.bill(rating, by_resource=True)
    assert summary.total == detailed.total == Decimal("17.48")
    assert [str(line.amount) for line in detailed.lines] == ["0.00", "12.31", "5.17"]
    # The notes say the same in both.
    assert str(summary).splitlines()[-3] == str(detailed).splitlines()[-3]


_MODES = ["ROUND_HALF_EVEN", "ROUND_UP", "ROUND_DOWN", "ROUND_HALF_UP", "ROUND_CEILING"]
_PLAN = st.tuples(
    st.sampled_from(["1", "0.3"]), st.sampled_from(_MODES), st.none() | st.integers(1, 20)
)


@settings(max_examples=LAWS, deadline=None)
@given(
    plans=st.lists(_PLAN, min_size=3, max_size=3),
    cuts=st.lists(st.integers(2, 29), min_size=2, max_size=2, unique=True),
    rows=st.lists(
        st.tuples(st.integers(1, 4), st.integers(1, 30), st.integers(1, 90)),
        min_size=1,
        max_size=6,
    ),
)
def test_the_detailed_invoice_totals_the_summary_after_plan_changes(
    plans: list[tuple[str, str, int | None]],
    cuts: list[int],
    rows: list[tuple[int, int, int]],
) -> None:
    # docs/invoices.md: "The detailed invoice therefore totals exactly what the summary
    # does", over usage, plan changes, minimums and rounding modes.
    made = [
        rk.Plan(
            name, "EUR", MONTHS, [rk.PriceEntry("e", "vm", rk.PerUnit(price))],
            rounding=mode, minimums=[] if minimum is None else [rk.Minimum(minimum)],
        )
        for name, (price, mode, minimum) in zip("abc", plans, strict=True)
    ]  # fmt: skip
    bounds = [None, *(f"2026-03-{day:02d}T00:00:00Z" for day in sorted(cuts)), None]
    assignments = [
        rk.Assignment("acme", plan, start=start, end=end)
        for plan, start, end in zip(made, bounds, bounds[1:], strict=False)
    ]
    usage = [_row(f"vm-{vm}", day, str(Decimal(milli) / 1000)) for vm, day, milli in rows]
    rating = rk.rate(usage, assignments, span=MARCH)
    [summary], [detailed] = rk.bill(rating), rk.bill(rating, by_resource=True)
    assert detailed.total == summary.total


def test_the_order_of_the_charges_billed_changes_nothing() -> None:
    # Plan p1 (fee 3), p2 (fee 5) from 4 March 02:00, p1 again from 29 March 09:00: the
    # fee line's quantity is the three parts of the cycle, each to 60 digits; summed in
    # 60 digits one order gave 1 and another 0.99...9 ("~1 cycle"). Summed exactly,
    # every order gives the same line.
    p1 = rk.Plan("p1", "EUR", MONTHS, [], fees=[rk.Fee("base", 3)])
    p2 = rk.Plan("p2", "EUR", MONTHS, [], fees=[rk.Fee("base", 5)])
    a, b = "2026-03-04T02:00:00Z", "2026-03-29T09:00:00Z"
    rating = rk.rate(
        [],
        [
            rk.Assignment("acme", p1, end=a),
            rk.Assignment("acme", p2, start=a, end=b),
            rk.Assignment("acme", p1, start=b),
        ],
        span=MARCH,
    )
    [whole] = rk.bill(rating)
    for order in itertools.permutations(rating.charges):
        [invoice] = rk.bill(list(order))
        assert invoice == whole
        assert str(invoice) == str(whole)


def test_a_minimums_notes_print_in_rating_order_whatever_the_order_billed() -> None:
    # Plans a (1 EUR/h) and b (2 EUR/h), each with Minimum(50), switching at noon on
    # the 16th: the minimum line holds both plans' parts, noted a first, then b.
    a = rk.Plan(
        "a", "EUR", MONTHS, [rk.PriceEntry("e", "vm", rk.PerUnit(1))], minimums=[rk.Minimum(50)]
    )
    b = rk.Plan(
        "b", "EUR", MONTHS, [rk.PriceEntry("e", "vm", rk.PerUnit(2))], minimums=[rk.Minimum(50)]
    )
    noon = "2026-03-16T12:00:00Z"
    rows = [
        rk.UsageRow("acme", "vm", "r1", rk.Span(MARCH.start, noon), MARCH, 8, "hour", {}, ()),
        rk.UsageRow("acme", "vm", "r1", rk.Span(noon, MARCH.end), MARCH, 8, "hour", {}, ()),
    ]
    plans = [rk.Assignment("acme", a, end=noon), rk.Assignment("acme", b, start=noon)]
    rating = rk.rate(rows, plans, span=MARCH)
    [one], [other] = rk.bill(rating), rk.bill(list(reversed(rating.charges)))
    assert one == other
    assert str(one) == str(other)


def test_a_lines_charges_apart_in_the_list_gather_in_their_order() -> None:
    # Two entries of one meter, each resource's charges under one then the other (as a
    # price change mid-month leaves them): 1 h at 0.5 and 2 h at 0.25 for vm-1, then
    # 4 h at 0.5 and 8 h at 0.25 for vm-2. Line "e1": 0.5 + 2 = 2.50 over vm-1 and vm-2,
    # in that order; line "e2": 0.5 + 2 = 2.50 likewise. A charge whose entry is an
    # equal string, not the same one, belongs to the same line.
    e1 = rk.PriceEntry("e1", "vm", rk.PerUnit("0.5"), end=HALF)
    e2 = rk.PriceEntry("e2", "vm", rk.PerUnit("0.25"), start=HALF)
    plan = rk.Plan("p", "EUR", MONTHS, [e1, e2])
    rows = [
        _row("vm-1", 2, "1"),
        _row("vm-1", 20, "2"),
        _row("vm-2", 3, "4"),
        _row("vm-2", 21, "8"),
    ]
    charges = list(rk.rate(rows, plan, span=MARCH).charges)
    assert [(c.resource, c.entry) for c in charges] == [
        ("vm-1", "e1"), ("vm-1", "e2"), ("vm-2", "e1"), ("vm-2", "e2"),
    ]  # fmt: skip
    copied = "".join(["e", "1"])  # equal to "e1", another string object
    charges[2] = attrs.evolve(charges[2], entry=copied)
    (invoice,) = rk.bill(charges)
    assert [(line.entry, line.amount) for line in invoice.lines] == [
        ("e1", Decimal("2.50")), ("e2", Decimal("2.50")),
    ]  # fmt: skip
    assert [[c.resource for c in line.charges] for line in invoice.lines] == [
        ["vm-1", "vm-2"], ["vm-1", "vm-2"],
    ]  # fmt: skip


def test_a_flat_part_of_an_entry_is_labelled_with_its_meter_apart_from_a_plan_fee_of_its_id() -> (
    None
):
    # The entry 'support' of vm.hours prices 100 hours flat at 10 a cycle (a fee of the
    # meter, 10.00); the plan's own fee 'support' is 5.00 a cycle. Two lines, two labels.
    march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz="UTC"),
        [rk.PriceEntry("support", "vm.hours", rk.Flat("10"))],
        fees=[rk.Fee("support", 5)],
    )
    rows = [rk.UsageRow("acme", "vm.hours", "vm-1", march, march, 100, "hour", {}, ())]
    (invoice,) = rk.bill(rk.rate(rows, plan, span=march))
    fees = sorted((line.label, line.amount) for line in invoice.lines if line.kind == "fee")
    assert fees == [
        ("fee · support", Decimal("5.00")),
        ("fee · vm.hours · support", Decimal("10.00")),
    ]
    # 10.00 + 5.00; the usage line is 0.00 (the flat model charges by the cycle, not per hour)
    assert invoice.total == Decimal("15.00")
