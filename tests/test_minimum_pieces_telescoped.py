"""A cycle rated in pieces under a minimum adds up to the cycle rated whole.

docs/pricing.md "A cycle rated in pieces" and docs/invoices.md: the cycle's top-up so
far at an instant is the commitment prorated to it less what the minimum counts to it,
at least 0, and a piece tops up that at its end less that at its start (each piece
given the earlier rows or records). So the pieces add up to the whole, as the streaming
rater's minimum line, spanning the cycle to its watermark, is corrected as it grows. A
piece's minimum charge stands for the commitment it settles: its slice, less what
earlier pieces spent above the commitment to their end; its invoice bills that less its
own lines, and a piece whose usage gives back an earlier piece's top-up bills that.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
APRIL = rk.Span("2026-04-01T00:00:00Z", "2026-05-01T00:00:00Z")
VM = rk.Meter("vm", "hour", rk.Discrete())
DISK = rk.Meter("disk", "hour", rk.Discrete())


def _plan(*minimums: rk.Minimum, plan_id: str = "p", fee: int = 0) -> rk.Plan:
    return rk.Plan(
        plan_id,
        "EUR",
        MONTHS,
        [rk.PriceEntry(m, m, rk.PerUnit(1)) for m in ("vm", "disk")],
        minimums=list(minimums),
        fees=[rk.Fee("f", fee)] if fee else [],
    )


def _used(*items: tuple[str, int, object]) -> list[rk.Sample]:
    """Samples of ``(meter, day of March, hours)``; day 32 is 1 April, and so on."""
    out = []
    for n, (meter, day, hours) in enumerate(items):
        at = f"2026-03-{day:02d}T12:00:00Z" if day <= 31 else f"2026-04-{day - 31:02d}T12:00:00Z"
        out.append(rk.Sample("acme", "r", meter, at, hours, id=f"s{n}"))
    return out


def _rated(
    records: list[rk.Sample], plans: rk.Plan | list[rk.Assignment], edges: list[str]
) -> list[rk.Rating]:
    """``records`` rated over each piece between ``edges``, all as of the last edge."""
    return [
        rk.rate(
            records,
            plans,
            span=rk.Span(lo, hi),
            meters=[VM, DISK],
            accounts=["acme"],
            as_of=edges[-1],
        )
        for lo, hi in itertools.pairwise(edges)
    ]


def _minimums(rating: rk.Rating) -> list[Decimal]:
    return [charge.amount for charge in rating.charges if charge.kind == "minimum"]


def _bill(rating: rk.Rating) -> Decimal:
    """What the rating's one invoice bills (0 without one: no charge)."""
    return sum((invoice.total for invoice in rk.bill(rating)), Decimal(0))


# -- worked examples -----------------------------------------------------------------------


def test_three_pieces_give_back_and_top_up_again() -> None:
    # Minimum(31) in March, PerUnit(1); 25 h on 15 March; cut on the 11th and the 21st
    # (10, 10 and 11 days). The top-up so far: on the 11th max(0, 10 - 0) = 10, on the
    # 21st max(0, 20 - 25) = 0, at the end max(0, 31 - 25) = 6. So the pieces top up
    # 10 - 0 = 10, 0 - 10 = -10 and 6 - 0 = 6: 10 + (25 - 10) + 6 = 31, March whole.
    records = _used(("vm", 15, 25))
    plan = _plan(rk.Minimum(31))
    edges = ["2026-03-01", "2026-03-11", "2026-03-21", "2026-04-01"]
    pieces = _rated(records, plan, [f"{day}T00:00:00Z" for day in edges])
    assert [_minimums(piece) for piece in pieces] == [[10], [-10], [6]]
    assert [piece.total() for piece in pieces] == [10, 15, 6]
    whole = rk.rate(records, plan, span=MARCH, meters=[VM, DISK])
    assert whole.total() == 31
    # Billed apart: 10.00; 25.00 less the 10.00 given back; the third piece settles its
    # slice 11 less the 5 the second spent above the 20 due by its end: 6 - 0 = 6.00.
    assert [_bill(piece) for piece in pieces] == [
        Decimal("10.00"),
        Decimal("15.00"),
        Decimal("6.00"),
    ]
    assert "commitment 6.00 - spent 0.00 = 6.00" in str(rk.bill(pieces[2])[0])
    (together,) = rk.bill([c for piece in pieces for c in piece.charges])
    assert together.total == Decimal("31.00") == _bill(whole)
    assert together.lines[-1].amount == Decimal("6.00")  # 10 - 10 + 6


def test_a_piece_across_the_cycles_end_tops_up_each_cycle_on_its_own() -> None:
    # Minimum(31) a month; 20 h on 5 March, 5 h on 20 March, nothing in April.
    # Whole (March and April): 25 + (31 - 25) + 31 = 62.
    # [1, 16 Mar): top-up so far max(0, 15 - 20) = 0 (no minimum charge)           20
    # [16 Mar, 16 Apr): March max(0, 31 - 25) - 0 = 6; April's first 15 of 30 days,
    #   from its start: 31 x 15/30 = 15.5                               5 + 6 + 15.5 = 26.5
    # [16 Apr, 1 May): April max(0, 31 - 0) - max(0, 15.5 - 0) = 15.5                15.5
    records = _used(("vm", 5, 20), ("vm", 20, 5))
    plan = _plan(rk.Minimum(31))
    edges = ["2026-03-01", "2026-03-16", "2026-04-16", "2026-05-01"]
    pieces = _rated(records, plan, [f"{day}T00:00:00Z" for day in edges])
    assert [_minimums(piece) for piece in pieces] == [[], [6, Decimal("15.5")], [Decimal("15.5")]]
    assert [piece.total() for piece in pieces] == [20, Decimal("26.5"), Decimal("15.5")]
    whole = rk.rate(records, plan, span=rk.Span(MARCH.start, APRIL.end), meters=[VM, DISK])
    assert whole.total() == 62


@pytest.mark.parametrize(("cut", "totals"), [("2026-03-06", (10, 37)), ("2026-03-16", (15, 32))])
def test_a_cut_inside_or_at_a_plan_change_adds_up_per_plan(
    cut: str, totals: tuple[int, int]
) -> None:
    # Plan a (Minimum(31)) to 16 March, plan b (Minimum(62)) after; 10 h on 2 March.
    # Whole: a commits 31 x 15/31 = 15, spends 10: 5; b commits 62 x 16/31 = 32: 32;
    # 10 + 5 + 32 = 47. Minimums are per plan: a cut at the change starts b afresh
    # (15 = 10 + 5, then 32). A cut on the 6th: a's first 5 days commit 5, spent 10: 0;
    # then a's top-up so far at the change max(0, 15 - 10) = 5, less 0 at the cut: 5,
    # and b's 32: 10, then 37.
    a = _plan(rk.Minimum(31), plan_id="a")
    b = _plan(rk.Minimum(62), plan_id="b")
    change = "2026-03-16T00:00:00Z"
    plans = [rk.Assignment("acme", a, end=change), rk.Assignment("acme", b, start=change)]
    records = _used(("vm", 2, 10))
    pieces = _rated(
        records, plans, ["2026-03-01T00:00:00Z", f"{cut}T00:00:00Z", "2026-04-01T00:00:00Z"]
    )
    assert tuple(piece.total() for piece in pieces) == totals
    whole = rk.rate(records, plans, span=MARCH, meters=[VM, DISK])
    assert whole.total() == 47
    assert sum(_bill(piece) for piece in pieces) == _bill(whole) == Decimal("47.00")


def test_a_per_meter_minimum_and_the_plan_wide_one_each_add_up() -> None:
    # Minimum(31) on vm and Minimum(93) plan-wide (it counts the vm top-up), cut on the
    # 16th (15 and 16 days); vm 20 h and disk 10 h on 5 March, disk 30 h on 20 March.
    # Whole: vm 31 - 20 = 11; plan-wide 93 - (11 + 60) = 22; 60 + 11 + 22 = 93.
    # First piece: vm max(0, 15 - 20) = 0 (no charge); plan-wide max(0, 45 - (0 + 30))
    # = 15: 45.
    # Second: vm max(0, 31 - 20) - 0 = 11; plan-wide max(0, 93 - (11 + 60)) - 15 = 7:
    # 30 + 11 + 7 = 48. 45 + 48 = 93.
    plan = _plan(rk.Minimum(31, "vm"), rk.Minimum(93))
    records = _used(("vm", 5, 20), ("disk", 5, 10), ("disk", 20, 30))
    pieces = _rated(
        records, plan, ["2026-03-01T00:00:00Z", "2026-03-16T00:00:00Z", "2026-04-01T00:00:00Z"]
    )
    assert [_minimums(piece) for piece in pieces] == [[15], [11, 7]]
    assert [piece.total() for piece in pieces] == [45, 48]
    # Billed apart: the second piece's vm minimum settles 16 less the 5 spent above 15
    # before it (11 - 0 = 11.00); its plan-wide one its slice 48 less 11 + 30 = 7.00.
    second = str(rk.bill(pieces[1])[0])
    assert "commitment 11.00 - spent 0.00 = 11.00" in second
    assert "commitment 48.00 - spent 41.00 = 7.00" in second
    whole = rk.rate(records, plan, span=MARCH, meters=[VM, DISK])
    assert whole.total() == 93
    assert sum(_bill(piece) for piece in pieces) == _bill(whole) == Decimal("93.00")


def test_a_commitment_of_zero_still_adds_up_over_a_refund() -> None:
    # Minimum(0): a cycle's total below 0 is topped up to 0. 5 h on 2 March, -3 h on
    # 20 March; cut on the 16th. Whole: 2 h, no top-up: 2. First piece: 5, so far
    # max(0, 0 - 5) = 0. Second: -3, then max(0, 0 - 2) - 0 = 0: -3. 5 - 3 = 2. Its
    # charge settles 0 less the 5 spent above 0 before it: -5, stated at 1 a unit, so
    # that its invoice bills -5 - (-3) < 0, nothing, as rating does.
    plan = _plan(rk.Minimum(0))
    records = _used(("vm", 2, 5), ("vm", 20, -3))
    pieces = _rated(
        records, plan, ["2026-03-01T00:00:00Z", "2026-03-16T00:00:00Z", "2026-04-01T00:00:00Z"]
    )
    assert [piece.total() for piece in pieces] == [5, -3]
    assert [_bill(piece) for piece in pieces] == [Decimal("5.00"), Decimal("-3.00")]
    whole = rk.rate(records, plan, span=MARCH, meters=[VM, DISK])
    assert whole.total() == 2 == sum(piece.total() for piece in pieces)


def test_usage_no_entry_prices_before_a_piece_is_not_the_pieces_to_refuse() -> None:
    # Only vm is priced (unpriced usage is an error); 3 h of disk on 5 March, 3 h of vm
    # on 20 March, Minimum(31). The second half, [16 Mar, 1 Apr), rates the time before
    # it to know where its minimum stands, but the disk usage there is the first half's
    # to refuse. Before it: 15 committed, nothing spent; the top-up so far at the end
    # max(0, 31 - 3) = 28, less 15: 13, and 3 + 13 = 16.
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("vm", "vm", rk.PerUnit(1))], minimums=[rk.Minimum(31)]
    )
    records = _used(("disk", 5, 3), ("vm", 20, 3))
    second = rk.rate(
        records, plan, span=rk.Span("2026-03-16T00:00:00Z", MARCH.end), meters=[VM, DISK]
    )
    assert (second.total(), second.anomalies) == (16, ())
    with pytest.raises(rk.UnpricedUsageError, match="disk"):
        rk.rate(records, plan, span=rk.Span(MARCH.start, "2026-03-16T00:00:00Z"), meters=[VM, DISK])


def test_a_span_from_inside_a_cycle_counts_the_usage_before_it_towards_the_minimum() -> None:
    # Zurich's December 2023 cycle runs from 2023-11-30T23:00Z, 31 days (2,678,400 s).
    # A VM at 0.017 an hour runs into it for 18 minutes (0.3 h: 0.0051); Minimum(0.01),
    # by seconds. Rated from 2023-12-02T13:36Z (138,960 s in), the span tops up the
    # cycle's top-up so far at its end, max(0, 0.01 - 0.0051) = 0.0049, less that at
    # its start, max(0, 0.01 x 138,960/2,678,400 - 0.0051) = 0: 0.0049, billed 0.00 on
    # the cent (its commitment, 0.01 less the 0.0051 spent before, is 0.0049). The time
    # before bills 0.0051 -> 0.01 and nothing more: together 0.01, December whole.
    zone = "Europe/Zurich"
    plan = rk.Plan(
        "p",
        "EUR",
        rk.cycles.monthly(tz=zone),
        [rk.PriceEntry("vm", "vm", rk.PerUnit("0.017"))],
        minimums=[rk.Minimum("0.01")],
    )
    records = [
        rk.Event("acme", "vm0", "2023-11-25T05:12:00Z", {"x": 1}, kind="start", id="a"),
        rk.Event("acme", "vm0", "2023-11-30T23:18:00Z", kind="stop", id="b"),
    ]
    hours = [rk.Meter("vm", "hour", rk.OnOff())]
    plans = [rk.Assignment("acme", plan)]
    december = rk.Span("2023-11-30T23:00:00Z", "2023-12-31T23:00:00Z")
    cut = "2023-12-02T13:36:00Z"
    late = rk.rate(records, plans, span=rk.Span(cut, december.end), meters=hours)
    (minimum,) = late.charges
    assert (minimum.kind, minimum.amount) == ("minimum", Decimal("0.0049"))
    assert _bill(late) == 0
    early = rk.rate(records, plans, span=rk.Span(december.start, cut), meters=hours)
    whole = rk.rate(records, plans, span=december, meters=hours)
    assert _bill(early) == _bill(whole) == Decimal("0.01")
    assert early.total() + late.total() == whole.total() == Decimal("0.01")


# -- the law -------------------------------------------------------------------------------


@st.composite
def _aprils(
    draw: st.DrawFn,
) -> tuple[list[tuple[str, int, int]], list[int], int, int | None, int | None]:
    """Usage (meter, day, cents), cut days, a fee and two commitments (cents), or None."""
    usage = draw(
        st.lists(
            st.tuples(st.sampled_from(["vm", "disk"]), st.integers(0, 29), st.integers(-500, 3000)),
            max_size=5,
        )
    )
    cuts = sorted(draw(st.sets(st.integers(1, 29), max_size=3)))
    fee = draw(st.integers(0, 40)) * 30  # a whole cent a day of a 30-day April
    on_vm = draw(st.none() | st.integers(0, 200).map(lambda c: c * 30))
    plan_wide = draw(st.none() | st.integers(0, 400).map(lambda c: c * 30))
    return usage, cuts, fee, on_vm, plan_wide


@pytest.mark.property
@settings(max_examples=max(LAWS // 10, FLOOR), deadline=None)
@given(_aprils())
def test_any_cuts_of_a_cycle_add_up_under_minimums(
    april: tuple[list[tuple[str, int, int]], list[int], int, int | None, int | None],
) -> None:
    # Oracle (Fraction): at day t, the vm minimum's top-up so far is
    # max(0, on_vm x t/30 - vm usage before t), and the plan-wide one's
    # max(0, plan_wide x t/30 - (that + all usage before t)); a piece [lo, hi) owes its
    # usage, fee x (hi - lo)/30 and each top-up so far at hi less that at lo. Every
    # amount is on the cent, so billing rounds nothing either.
    usage, cuts, fee, on_vm, plan_wide = april
    cent = Fraction(1, 100)
    minimums = [] if on_vm is None else [rk.Minimum(Decimal(on_vm) / 100, "vm")]
    if plan_wide is not None:
        minimums.append(rk.Minimum(Decimal(plan_wide) / 100))
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry(m, m, rk.PerUnit(1)) for m in ("vm", "disk")],
        minimums=minimums,
        fees=[rk.Fee("f", Decimal(fee) / 100)],
    )
    records = _used(*((meter, 32 + day, Decimal(cents) / 100) for meter, day, cents in usage))

    def so_far(t: int) -> Fraction:
        spent = sum((cents * cent for _, d, cents in usage if d < t), Fraction(0))
        on = sum((cents * cent for m, d, cents in usage if d < t and m == "vm"), Fraction(0))
        vm = Fraction(0) if on_vm is None else max(Fraction(0), on_vm * cent * t / 30 - on)
        if plan_wide is None:
            return vm
        return vm + max(Fraction(0), plan_wide * cent * t / 30 - (vm + spent))

    edges = [0, *cuts, 30]
    pieces = _rated(
        records,
        plan,
        [f"2026-04-{d + 1:02d}T00:00:00Z" if d < 30 else "2026-05-01T00:00:00Z" for d in edges],
    )
    expected = Fraction(0)
    for piece, (lo, hi) in zip(pieces, itertools.pairwise(edges), strict=True):
        spent = sum((cents * cent for _, d, cents in usage if lo <= d < hi), Fraction(0))
        owed = spent + fee * cent * Fraction(hi - lo, 30) + so_far(hi) - so_far(lo)
        assert Fraction(piece.total()) == owed
        assert Fraction(_bill(piece)) == owed
        expected += owed
    whole = rk.rate(records, plan, span=APRIL, meters=[VM, DISK], accounts=["acme"])
    assert Fraction(whole.total()) == expected
    together = rk.bill([c for piece in pieces for c in piece.charges])
    assert sum((Fraction(i.total) for i in together), Fraction(0)) == expected
    assert Fraction(_bill(whole)) == expected
