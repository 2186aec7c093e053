"""A fee's parts under two plans add up exactly on the invoice, however rating rounded them."""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests._rounding import MODES as _MODES

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
THIRD = "2026-03-11T08:00:00Z"  # 248 of March's 744 hours: exactly a third


def _switched(first: str, second: str, rounding: str, **extra: object) -> rk.Rating:
    a = rk.Plan("a", "EUR", MONTHS, [], fees=[rk.Fee("base", first)], rounding=rounding)
    b = rk.Plan("b", "EUR", MONTHS, [], fees=[rk.Fee("base", second)], rounding=rounding, **extra)
    assigned = [rk.Assignment("acme", a, end=THIRD), rk.Assignment("acme", b, start=THIRD)]
    return rk.rate([], assigned, span=MARCH)


def _row(quantity: int | Decimal, day: int) -> rk.UsageRow:
    """``quantity`` hours of meter 'm' on the first hour of March ``day``."""
    span = rk.Span(f"2026-03-{day:02d}T00:00:00Z", f"2026-03-{day:02d}T01:00:00Z")
    return rk.UsageRow("acme", "m", "disk", span, MARCH, quantity, "hour", {}, ())


@pytest.mark.parametrize(
    ("first", "second", "rounding", "expected"),
    [
        # 1 x 1/3 + 4 x 2/3 = 1/3 + 8/3 = 3 exactly: 3.00 rounded up, not 3.01 (rating's
        # parts are 0.333...3 and 2.666...67, whose sum is 3.000...003)
        ("1", "4", "ROUND_CEILING", "3.00"),
        ("1", "4", "ROUND_UP", "3.00"),
        # 1.015 x 1/3 + 4 x 2/3 = 9.015/3 = 3.005 exactly: a tie, half-even to 3.00
        ("1.015", "4", "ROUND_HALF_EVEN", "3.00"),
        # the same tie half-down (3.00) and half-up (3.01)
        ("1.015", "4", "ROUND_HALF_DOWN", "3.00"),
        ("1.015", "4", "ROUND_HALF_UP", "3.01"),
    ],
)
def test_a_fee_of_two_plans_rounds_its_exact_sum(
    first: str, second: str, rounding: str, expected: str
) -> None:
    rating = _switched(first, second, rounding)
    (invoice,) = rk.bill(rating)
    (line,) = invoice.lines
    assert (line.kind, line.amount, invoice.total) == ("fee", Decimal(expected), Decimal(expected))
    # the same lines from the bare charges, in any order
    assert rk.bill(list(reversed(rating.charges)))[0].lines[0].amount == Decimal(expected)


def _freed(rounding: str, shares: list[rk.Share] | None = None) -> rk.Rating:
    # Plans a (to a third of March) and b (the rest) price m at 1 under one entry id,
    # each with 10 free hours prorated: 10/3 for a, 20/3 for b.
    def plan(name: str) -> rk.Plan:
        return rk.Plan(
            name,
            "EUR",
            MONTHS,
            [rk.PriceEntry("e", "m", rk.PerUnit(1))],
            allowances=[rk.Allowance("m", 10)],
            rounding=rounding,
        )

    assigned = [
        rk.Assignment("acme", plan("a"), end=THIRD),
        rk.Assignment("acme", plan("b"), start=THIRD),
    ]
    return rk.rate([_row(10, 2), _row(7, 20)], assigned, span=MARCH, shares=shares or ())


def test_usage_less_prorated_free_parts_of_two_plans_rounds_its_exact_sum() -> None:
    # 10 hours under a less 10/3 free = 20/3; 7 under b less 20/3 free = 1/3; the line is
    # 20/3 + 1/3 = 7 exactly: 7.00 rounded up, not 7.01 (rating's parts 6.666...67 and
    # 0.333...33 add up to 7.000...003)
    rating = _freed("ROUND_CEILING")
    assert len(rating.charges) == 2
    (invoice,) = rk.bill(rating)
    assert [line.amount for line in invoice.lines] == [Decimal("7.00")]
    assert invoice.total == Decimal("7.00")


def test_a_shared_pool_of_such_parts_splits_its_exact_whole() -> None:
    # the same 7 shared in halves: the whole is 7.00 (not 7.01), 3.50 each
    share = rk.Share("acme", "disk", {"acme": 1, "beta": 1})
    invoices = rk.bill(_freed("ROUND_CEILING", [share]))
    assert [(i.account, i.total) for i in invoices] == [
        ("acme", Decimal("3.50")),
        ("beta", Decimal("3.50")),
    ]


def _on_quantum(value: Fraction, quantum: Fraction, rounding: str) -> Fraction:
    """The oracle's rounding: ``value`` to a whole number of ``quantum``, by the mode."""
    units = value / quantum
    floor = units.numerator // units.denominator
    past = units - floor
    if past == 0:
        return floor * quantum
    up = {
        "ROUND_FLOOR": False,
        "ROUND_CEILING": True,
        "ROUND_DOWN": units < 0,
        "ROUND_UP": units > 0,
    }.get(rounding)
    if up is None:  # a half mode
        if past != Fraction(1, 2):
            up = past > Fraction(1, 2)
        elif rounding == "ROUND_HALF_EVEN":
            up = floor % 2 == 1
        else:
            up = (rounding == "ROUND_HALF_UP") == (units > 0)
    return (floor + up) * quantum


_MONEY = st.decimals(min_value=0, max_value=50, places=3)


@pytest.mark.property
@given(
    hour=st.integers(1, 743),
    fees=st.tuples(_MONEY, _MONEY),
    prices=st.tuples(_MONEY, _MONEY),
    free=st.tuples(_MONEY, _MONEY),
    used=st.tuples(
        st.decimals(min_value="0.001", max_value=60, places=3),
        st.decimals(min_value="0.001", max_value=60, places=3),
    ),
    quantum=st.sampled_from(["0.01", "0.05", "0.25", "1", "3", "0.001"]),
    roundings=st.tuples(st.sampled_from(_MODES), st.sampled_from(_MODES)),
    data=st.data(),
)
def test_lines_of_a_plan_change_round_their_exact_sums(  # noqa: PLR0917
    hour: int,
    fees: tuple[Decimal, Decimal],
    prices: tuple[Decimal, Decimal],
    free: tuple[Decimal, Decimal],
    used: tuple[Decimal, Decimal],
    quantum: str,
    roundings: tuple[str, str],
    data: st.DataObject,
) -> None:
    # Plan a holds March's first `hour` hours, b the rest; both price m under entry e,
    # with a fee "base" and an allowance on m each. The oracle prorates from first
    # principles: a's share is hour/744, its fee fa * hour/744, its free hours
    # min(used, free * hour/744); each line is its exact sum rounded once with b's
    # rounding (the latest plan's), and the total the sum of the lines.
    if data.draw(st.booleans(), label="steered"):
        # fees whose exact sum lies on a half quantum, j * rest/2 quanta (fa * hour +
        # fb * rest = 744 * that), while each part alone does not terminate: where a sum
        # of the parts rounded at their 60th digit is off by a few units of it
        rest, step = 744 - hour, Decimal(quantum)
        half_quanta = data.draw(st.integers(1, 40), label="j")
        target = half_quanta * rest * step / 2
        milli = Decimal("0.001")
        k = data.draw(st.integers(0, min(int(744 * target / (rest * hour * milli)), 60_000)))
        # fa = k * rest/1000 and fb = 372 * j * step - k * hour/1000, both >= 0
        fees = (k * rest * milli, 372 * half_quanta * step - k * hour * milli)
    cut = MARCH.start_us + hour * 3_600_000_000
    shares = (Fraction(hour, 744), Fraction(744 - hour, 744))
    plans, rows, fee_line, usage_line = [], [], Fraction(0), Fraction(0)
    for index, name in enumerate("ab"):
        fee = [rk.Fee("base", fees[index])] if fees[index] else []
        allowance = [rk.Allowance("m", free[index])] if free[index] else []
        plans.append(
            rk.Plan(
                name,
                "EUR",
                MONTHS,
                [rk.PriceEntry("e", "m", rk.PerUnit(prices[index]))],
                fees=fee,
                allowances=allowance,
                quantum=quantum,
                rounding=roundings[index],
            )
        )
        at = MARCH.start_us if index == 0 else cut
        span = rk.Span.from_us(at, at + 3_600_000_000)
        rows.append(rk.UsageRow("acme", "m", "r", span, MARCH, used[index], "hour", {}, ()))
        fee_line += Fraction(fees[index]) * shares[index]
        freed = min(Fraction(used[index]), Fraction(free[index]) * shares[index])
        usage_line += Fraction(prices[index]) * (Fraction(used[index]) - freed)
    at_cut = rk.Span.from_us(cut, cut).start
    assigned = [
        rk.Assignment("acme", plans[0], end=at_cut),
        rk.Assignment("acme", plans[1], start=at_cut),
    ]
    (invoice,) = rk.bill(rk.rate(rows, assigned, span=MARCH))
    step = Fraction(Decimal(quantum))
    expected = {"usage": _on_quantum(usage_line, step, roundings[1])}
    if any(fees):
        expected["fee"] = _on_quantum(fee_line, step, roundings[1])
    assert {line.kind: Fraction(line.amount) for line in invoice.lines} == expected
    assert Fraction(invoice.total) == sum(expected.values())


def test_a_free_part_cut_finer_than_its_usage_is_recovered_whole() -> None:
    # Plan a holds March's first hour (1/744) at 0.33 per hour with 0.001 hour free, b
    # the rest at 0.001 with 0.33 free, rounded down. a: 1 hour less 0.001/744 free,
    # 0.33 x (1 - 0.001/744); b: 0.33 hour less 0.33 x 743/744 free, 0.001 x 0.33/744.
    # The line is 0.33 - 0.33 x 0.001/744 + 0.33 x 0.001/744 = 0.33 exactly: 0.33. b's
    # billable, taken as 0.330 less its free part as cut (0.3295564...2903, whose last
    # digit is at 1E-60), had 57 digits, missed 33/74400, and b's charge stayed at its
    # amount rounded down beside a's recovered exactly: 0.33 less a hair, billed 0.32.
    cut = "2026-03-01T01:00:00Z"

    def plan(name: str, price: str, free: str) -> rk.Plan:
        return rk.Plan(
            name,
            "EUR",
            MONTHS,
            [rk.PriceEntry("e", "m", rk.PerUnit(price))],
            allowances=[rk.Allowance("m", free)],
            rounding="ROUND_DOWN",
        )

    rows = [
        rk.UsageRow("acme", "m", "r", rk.Span(MARCH.start, cut), MARCH, 1, "hour", {}, ()),
        rk.UsageRow(
            "acme", "m", "r", rk.Span(cut, "2026-03-01T02:00:00Z"), MARCH, "0.33", "hour", {}, ()
        ),
    ]
    assigned = [
        rk.Assignment("acme", plan("a", "0.33", "0.001"), end=cut),
        rk.Assignment("acme", plan("b", "0.001", "0.33"), start=cut),
    ]
    (invoice,) = rk.bill(rk.rate(rows, assigned, span=MARCH))
    assert invoice.total == Decimal("0.33")


def test_a_shared_line_of_such_parts_reads_back_from_its_row() -> None:
    # the halves of the whole 7.00 above, written to rows and read back: the check that a
    # shared line's whole is its charges rounded accepts the whole bill() rounded
    share = rk.Share("acme", "disk", {"acme": 1, "beta": 1})
    for invoice in rk.bill(_freed("ROUND_CEILING", [share])):
        assert rk.from_row(rk.Invoice, rk.to_row(invoice)) == invoice


@pytest.mark.parametrize("rounding", ["ROUND_FLOOR", "ROUND_DOWN"])
def test_a_fee_of_a_cycle_rated_in_pieces_adds_up_to_the_fee(rounding: str) -> None:
    # March rated in pieces of 10, 10 and 11 days: the fee of 1 is 10/31 + 10/31 + 11/31
    # = 1 exactly; rating's parts 0.3225...29 (twice) and 0.3548...19 add up to
    # 0.999...9 (1 - 1E-60), which rounded down billed 0.99. It bills 1.00.
    plan = rk.Plan("p", "EUR", MONTHS, [], fees=[rk.Fee("base", 1)], rounding=rounding)
    cuts = ["2026-03-01", "2026-03-11", "2026-03-21", "2026-04-01"]
    charges: list[rk.Charge] = []
    for start, end in itertools.pairwise(cuts):
        piece = rk.Span(f"{start}T00:00:00Z", f"{end}T00:00:00Z")
        charges += rk.rate([], [rk.Assignment("acme", plan)], span=piece).charges
    (invoice,) = rk.bill(charges)
    assert invoice.lines[0].precise == Decimal("0." + "9" * 60)
    assert invoice.total == Decimal("1.00")


def test_a_tiered_line_of_prorated_free_parts_rounds_its_exact_sum() -> None:
    # As above with Graduated([Tier(None, 1)]) (the same money as PerUnit(1)): each
    # plan climbs its own tiers from 20/3 and 1/3 billed hours, 20/3 + 1/3 = 7 exactly,
    # so 7.00 rounded up. Rating hands the price the nearest 60-digit numbers, 6.666...67
    # and 0.333...33, whose amounts summed to 7.000...003 and billed 7.01.
    (invoice,) = rk.bill(_tiered(rk.Graduated([rk.Tier(None, 1)]), "ROUND_CEILING"))
    assert invoice.total == Decimal("7.00")


def _tiered(price: rk.PriceModel, rounding: str, quantum: str = "0.01", more: int = 0) -> rk.Rating:
    """Plans a (a third of March) and b (the rest) price m by ``price`` under one entry id,
    each with 10 free hours prorated (10/3 for a, 20/3 for b); 10 hours on March 2 (a),
    7 on March 20 (b) and ``more`` on March 25 (b)."""

    def plan(name: str) -> rk.Plan:
        return rk.Plan(
            name,
            "EUR",
            MONTHS,
            [rk.PriceEntry("e", "m", price)],
            allowances=[rk.Allowance("m", 10)],
            quantum=quantum,
            rounding=rounding,
        )

    assigned = [
        rk.Assignment("acme", plan("a"), end=THIRD),
        rk.Assignment("acme", plan("b"), start=THIRD),
    ]
    rows = [_row(10, 2), _row(7, 20), *([_row(more, 25)] if more else [])]
    return rk.rate(rows, assigned, span=MARCH)


@pytest.mark.parametrize(
    ("price", "rounding", "quantum", "expected", "more"),
    [
        # Volume: a's 20/3 billed hours lie above 1, all at 1: 20/3; b's 1/3 within the
        # first tier, at 0.1: 1/30. The line is 20/3 + 1/30 = 201/30 = 6.7 exactly: 6.70
        # rounded up (rating's parts 6.666...67 and 0.0333...33 summed to 6.7000...0003,
        # which billed 6.71)
        (rk.Volume([rk.Tier(1, "0.1"), rk.Tier(None, 1)]), "ROUND_CEILING", "0.01", "6.70", 0),
        # Graduated: a climbs 5 at 1 and 5/3 at 0.1: 5 + 1/6; b 1/3 at 1. The line is
        # 5 + 1/6 + 1/3 = 5.5 exactly, a tie on a quantum of 1: 5 half-down (the parts
        # 5.1666...67 and 0.333...33 summed to 5.5000...0003, which billed 6)
        (rk.Graduated([rk.Tier(5, 1), rk.Tier(None, "0.1")]), "ROUND_HALF_DOWN", "1", "5", 0),
        # the same tie half-up is 6, half-even 6 (5 is odd)
        (rk.Graduated([rk.Tier(5, 1), rk.Tier(None, "0.1")]), "ROUND_HALF_UP", "1", "6", 0),
        (rk.Graduated([rk.Tier(5, 1), rk.Tier(None, "0.1")]), "ROUND_HALF_EVEN", "1", "6", 0),
        # blocks of 2 hours at 1.5: a starts ceil(20/3 / 2) = 4 blocks, 6; b ceil(1/6) = 1,
        # 1.5. The line is 7.50 (a step price is the same at 6.666...67 as at 20/3)
        (rk.Graduated([rk.Tier(None, "1.5", block=2)]), "ROUND_CEILING", "0.01", "7.50", 0),
        # a package of 2 hours at 1.5 after 1 free: a ceil((20/3 - 1) / 2) = 3 packages,
        # 4.5; b's 1/3 is within its free hour: 0. The line is 4.50
        (rk.Package(2, "1.5", free=1), "ROUND_CEILING", "0.01", "4.50", 0),
        # Volume at 0.1, b climbing on past its free part with 96 more hours: a 20/3 x
        # 0.1 = 2/3; b's first piece 1/3 x 0.1 = 1/30, its second 96 x 0.1 = 9.6 (rating
        # takes 0.1 x 96.333...33 less 0.0333...33, 9.6000...0003, as 9.6 at its 60th
        # digit). The line is 2/3 + 1/30 + 9.6 = 10.3 exactly: 10.30 rounded up, not
        # 10.31 (the parts summed to 10.3000...0003)
        (rk.Volume([rk.Tier(None, "0.1")]), "ROUND_UP", "0.01", "10.30", 96),
    ],
)
def test_a_tiered_line_rounds_the_exact_sum_of_its_plans_parts(
    price: rk.PriceModel, rounding: str, quantum: str, expected: str, more: int
) -> None:
    rating = _tiered(price, rounding, quantum, more)
    (invoice,) = rk.bill(rating)
    assert [line.amount for line in invoice.lines] == [Decimal(expected)]
    assert invoice.total == Decimal(expected)
    # the same line from the bare charges, in any order, and the detailed invoice
    assert rk.bill(list(reversed(rating.charges)))[0].total == Decimal(expected)
    assert rk.bill(rating, by_resource=True)[0].total == Decimal(expected)


def test_a_peak_s_exact_whole_hits_a_volume_bound_the_cut_sum_would_pass() -> None:
    # A peak of 10 users over March, plan a for its first third and b for the rest: a's
    # part is 10/3 less 3 free users prorated to 1, 7/3; b's 20/3 less 2, 14/3. The
    # whole is 7/3 + 14/3 = 7 exactly, on the bound of Volume's first tier: 7 x 2 = 14,
    # each plan its share (14/3 and 28/3), 14.00 rounded up. The whole is the sum of the
    # parts as fractions, not of numbers cut at a digit: a whole a hair above 7 would
    # select the second tier, 7.00 at 1.
    peak = rk.Meter("peak", "user", rk.Max())
    reading = rk.Sample("acme", "app", "peak", "2026-03-05T00:00:00Z", 10, kind="gauge", id="s")

    def plan(name: str) -> rk.Plan:
        price = rk.Volume([rk.Tier(7, 2), rk.Tier(None, 1)])
        return rk.Plan(
            name,
            "EUR",
            MONTHS,
            [rk.PriceEntry("e", "peak", price)],
            allowances=[rk.Allowance("peak", 3)],
            rounding="ROUND_CEILING",
        )

    assigned = [
        rk.Assignment("acme", plan("a"), end=THIRD),
        rk.Assignment("acme", plan("b"), start=THIRD),
    ]
    rating = rk.rate([reading], assigned, span=MARCH, meters=[peak], as_of=MARCH.end)
    assert {charge.whole for charge in rating.charges} == {Decimal(7)}
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("14.00")


def test_the_shares_of_a_volume_price_changed_in_the_cycle_add_up_to_its_amount() -> None:
    # A plan prices m by Volume(1 per hour + 1 flat, none at zero), and by another
    # Volume from March 16 (so a group is priced by shares of its total): 0.25 and 2.75
    # hours before then make a whole of 3, priced 3 x 1 + 1 = 4, which the pieces share
    # 0.25/3 x 4 = 1/3 and 2.75/3 x 4 = 11/3, together 4 exactly: 4.00 rounded up.
    # Each share rounded apart at its 60th digit (0.333...33 and 3.666...67) added up to
    # 4.000...0003, billed 4.01.
    first = rk.Volume([rk.Tier(None, 1, flat=1)], flat_at_zero=False)
    then = rk.Volume([rk.Tier(None, 2, flat=1)], flat_at_zero=False)
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("a", "m", first),
            rk.PriceEntry("b", "m", then, start="2026-03-16T00:00:00Z", priority=1),
        ],
        rounding="ROUND_CEILING",
    )
    rating = rk.rate([_row(Decimal("0.25"), 2), _row(Decimal("2.75"), 3)], plan, span=MARCH)
    assert {charge.whole for charge in rating.charges} == {Decimal(3)}
    assert rating.total() == Decimal(4)
    (invoice,) = rk.bill(rating)
    assert invoice.total == Decimal("4.00")


def _tiers_of(
    price: rk.Graduated | rk.Volume,
) -> list[tuple[Fraction, Fraction | None, Fraction, Fraction | None]]:
    """The oracle's tiers: (lower, upper, unit, block), as fractions."""
    out, lower = [], Fraction(0)
    for tier in price.tiers:
        upper = None if tier.up_to is None else Fraction(tier.up_to)
        block = None if tier.block is None else Fraction(tier.block)
        out.append((lower, upper, Fraction(tier.unit), block))
        lower = upper if upper is not None else lower
    return out


def _units(inside: Fraction, block: Fraction | None) -> Fraction:
    """Units, or started blocks, of ``inside`` (at least 0)."""
    if block is None:
        return inside
    return Fraction(-((-inside) // block))


def _oracle_amount(price: rk.PriceModel, q: Fraction) -> Fraction:
    """What ``price`` charges for ``q`` (at least 0), from its definition (no flat fees)."""
    if isinstance(price, rk.Graduated):  # each tier prices the part of q inside it
        return sum(
            (
                unit * _units(min(q, upper) - lower if upper is not None else q - lower, block)
                for lower, upper, unit, block in _tiers_of(price)
                if q > lower
            ),
            Fraction(0),
        )
    if isinstance(price, rk.Volume):  # the tier holding q prices all of it
        for _, upper, unit, block in _tiers_of(price):
            if upper is None or q <= upper:
                return unit * _units(q, block)
    assert isinstance(price, rk.Package)
    billable = q - Fraction(price.free)
    return Fraction(price.price) * _units(billable, Fraction(price.size)) if billable > 0 else 0


_BOUND = st.integers(1, 12)
_UNIT = st.sampled_from(["0.1", "0.25", "1", "1.5", "2", "3"])


@st.composite
def _prices(draw: st.DrawFn) -> rk.PriceModel:
    kind = draw(st.sampled_from(["graduated", "volume", "package"]))
    if kind == "package":
        return rk.Package(
            draw(st.sampled_from([1, 2, 3])), draw(_UNIT), free=draw(st.integers(0, 2))
        )
    bounds = sorted(set(draw(st.lists(_BOUND, min_size=0, max_size=2))))
    tiers = [
        rk.Tier(up_to, draw(_UNIT), block=draw(st.sampled_from([None, None, 1, 2])))
        for up_to in [*bounds, None]
    ]
    return rk.Graduated(tiers) if kind == "graduated" else rk.Volume(tiers)


@pytest.mark.property
@given(
    prices=st.tuples(_prices(), _prices()),
    free=st.tuples(st.integers(0, 12_000), st.integers(0, 12_000)),
    used=st.tuples(st.integers(1, 15_000), st.integers(1, 15_000), st.integers(0, 5_000)),
    quantum=st.sampled_from(["0.01", "0.05", "0.25", "1", "0.001"]),
    rounding=st.sampled_from(_MODES),
    data=st.data(),
)
def test_a_tiered_line_of_a_plan_change_rounds_its_exact_sum(  # noqa: PLR0917
    prices: tuple[rk.PriceModel, rk.PriceModel],
    free: tuple[int, int],
    used: tuple[int, int, int],
    quantum: str,
    rounding: str,
    data: st.DataObject,
) -> None:
    # Plan a holds March's first third, b the rest; each prices m by its own non-linear
    # price under entry e, with an allowance on m prorated (a third, two thirds). Usage
    # in thousandths of hours: one row under a, two under b (b's group climbs past its
    # free part). The oracle works from first principles: a plan's billable hours are
    # its usage less min(usage, allowance x share), its amount the price of them (each
    # plan climbs its own tiers), and the line their exact sum rounded once with b's
    # rounding. Drawn "min": the meter is in minutes, each thousandth hour 20 minutes
    # thousandths (a third of a thousandth hour: 1/3000), priced per hour; the rows'
    # and free parts' hours then do not terminate and rating converts each at its 60th
    # digit, while the line's does (steered below).
    milli = Decimal("0.001")
    minutes = data.draw(st.booleans(), label="min")
    scale = Fraction(1, 3000) if minutes else Fraction(milli)  # hours per thousandth
    per, meter_unit = ("h", "min") if minutes else (None, "hour")
    size = milli * (20 if minutes else 1)  # a thousandth in the meter's unit
    if data.draw(st.booleans(), label="steered"):
        # free parts that do not terminate (a's x/3 and b's 2y/3 with x + 2y a multiple
        # of 3 thousandths) under one price whose tiers the billables reach at one unit
        # price: the line terminates, and usage b is moved so that it lies on a quantum
        # or half a quantum, where a sum of parts cut at their 60th digit rounds apart
        unit = data.draw(st.sampled_from(["0.1", "1", "2"]), label="unit")
        prices = (rk.Graduated([rk.Tier(None, unit)]), rk.Volume([rk.Tier(None, unit)]))
        x = data.draw(st.integers(1, 4_000).filter(lambda n: n % 3), label="x")
        y = data.draw(st.integers(x, x + 6_000).filter(lambda n: (x + 2 * n) % 3 == 0))
        free = (x, y)
        used = (used[0] + x, used[1] + y, used[2])
        line = Fraction(unit) * (sum(used) - Fraction(x + 2 * y, 3)) * scale
        half = Fraction(Decimal(quantum)) / 2
        target = (line // half + data.draw(st.integers(1, 3), label="halves")) * half
        moved = (target - line) / Fraction(unit) / scale
        if moved.denominator == 1:
            used = (used[0], used[1], used[2] + int(moved))
    share = (Fraction(1, 3), Fraction(2, 3))
    plans, rows, expected_line = [], [], Fraction(0)
    for index, name in enumerate("ab"):
        plans.append(
            rk.Plan(
                name,
                "EUR",
                MONTHS,
                [rk.PriceEntry("e", "m", prices[index], unit=per)],
                allowances=[rk.Allowance("m", free[index] * size)],
                quantum=quantum,
                rounding=rounding,
            )
        )
        hours = used[0:1] if index == 0 else used[1:]
        for day, thousandths in zip((2, 20, 25) if index == 0 else (20, 25), hours, strict=False):
            span = rk.Span(f"2026-03-{day:02d}T00:00:00Z", f"2026-03-{day:02d}T01:00:00Z")
            rows.append(
                rk.UsageRow("acme", "m", "r", span, MARCH, thousandths * size, meter_unit, {}, ())
            )
        total = Fraction(sum(hours)) * scale
        billable = total - min(total, Fraction(free[index]) * scale * share[index])
        expected_line += _oracle_amount(prices[index], billable)
    assigned = [
        rk.Assignment("acme", plans[0], end=THIRD),
        rk.Assignment("acme", plans[1], start=THIRD),
    ]
    rating = rk.rate(rows, assigned, span=MARCH)
    expected = _on_quantum(expected_line, Fraction(Decimal(quantum)), rounding)
    (invoice,) = rk.bill(rating)
    assert [Fraction(line.amount) for line in invoice.lines if line.kind == "usage"] == [expected]
    assert Fraction(invoice.total) == expected
    assert Fraction(rk.bill(rating, by_resource=True)[0].total) == expected


@pytest.mark.property
@given(
    units=st.tuples(_UNIT, _UNIT),
    flats=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    bounds=st.tuples(_BOUND, _BOUND),
    used=st.lists(st.tuples(st.integers(1, 9_000), st.booleans()), min_size=1, max_size=4),
    quantum=st.sampled_from(["0.01", "0.05", "1", "0.001"]),
    rounding=st.sampled_from(_MODES),
    data=st.data(),
)
def test_the_shares_of_a_volume_price_changed_in_the_cycle_round_their_exact_sums(  # noqa: PLR0917
    units: tuple[str, str],
    flats: tuple[int, int],
    bounds: tuple[int, int],
    used: list[tuple[int, bool]],
    quantum: str,
    rounding: str,
    data: st.DataObject,
) -> None:
    # Entry a prices m by a Volume, entry b by another from March 16: rating prices the
    # month's group by shares. Usage in hundredths of hours, each row before or after
    # March 16. The oracle: W is the month's total; a row under price p costs
    # billable / W x (p(W) - p(0)), and each entry's line is the exact sum of its rows'
    # costs, rounded once. Steered: every row before March 16, so that a's line is
    # a(W) itself, on a whole number of hundredths (a quantum of 0.01, 0.001 or a
    # multiple of them), where shares cut apart at their 60th digit round apart.
    if data.draw(st.booleans(), label="steered"):
        used = [(hundredths, False) for hundredths, _ in used]
    prices = tuple(
        rk.Volume(
            [rk.Tier(bounds[i], units[i]), rk.Tier(None, units[1 - i], flat=flats[i])],
            flat_at_zero=False,
        )
        for i in range(2)
    )
    plan = rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [
            rk.PriceEntry("a", "m", prices[0]),
            rk.PriceEntry("b", "m", prices[1], start="2026-03-16T00:00:00Z", priority=1),
        ],
        quantum=quantum,
        rounding=rounding,
    )
    hundredth = Decimal("0.01")
    rows = [
        _row(hundredths * hundredth, 20 + index if late else 2 + index)
        for index, (hundredths, late) in enumerate(used)
    ]
    whole = Fraction(sum(hundredths for hundredths, _ in used), 100)

    def volume(index: int, q: Fraction) -> Fraction:
        low = q <= bounds[index]  # the first tier, no flat, or the second with its flat
        unit = Fraction(Decimal(units[index] if low else units[1 - index]))
        return unit * q + (0 if low else flats[index])

    lines: dict[str, Fraction] = {}
    for hundredths, late in used:
        entry = "b" if late else "a"
        share = Fraction(hundredths, 100) / whole * volume(int(late), whole)
        lines[entry] = lines.get(entry, Fraction(0)) + share
    step = Fraction(Decimal(quantum))
    expected = {entry: _on_quantum(line, step, rounding) for entry, line in lines.items()}
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH))
    assert {line.entry: Fraction(line.amount) for line in invoice.lines} == expected


@pytest.mark.parametrize("price", [rk.PerUnit(1), rk.Graduated([rk.Tier(None, 1)])])
def test_a_line_of_quantities_converted_to_the_price_s_unit_rounds_their_exact_sum(
    price: rk.PriceModel,
) -> None:
    # A price per hour for a meter in seconds: 120 s and 3480 s are 1/30 + 29/30 = 1 hour
    # exactly, 1.00 at 1 per hour rounded up. Rating converts each piece's quantity and
    # rounds it at its 60th digit (0.0333...33 and 0.9666...67), and the line sums to
    # 1.000...0003, billed 1.01.
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("e", "m", price, unit="h")], rounding="ROUND_CEILING"
    )
    rows = [
        rk.UsageRow("acme", "m", f"r{day}", _row(1, day).span, MARCH, seconds, "s", {}, ())
        for day, seconds in [(2, 120), (3, 3480)]
    ]
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH))
    assert invoice.total == Decimal("1.00")


def _seconds(
    price: rk.PriceModel, rounding: str, seconds: list[int], **extra: object
) -> rk.Invoice:
    """The invoice of rows of ``seconds`` of meter 'm' priced per hour, one a day from March 2."""
    plan = rk.Plan(
        "p", "EUR", MONTHS, [rk.PriceEntry("e", "m", price, unit="h")], rounding=rounding, **extra
    )
    rows = [
        rk.UsageRow("acme", "m", f"r{day}", _row(1, day).span, MARCH, quantity, "s", {}, ())
        for day, quantity in enumerate(seconds, start=2)
    ]
    (invoice,) = rk.bill(rk.rate(rows, plan, span=MARCH))
    return invoice


@pytest.mark.parametrize(
    "price",
    [
        rk.PerUnit(3),
        rk.Graduated([rk.Tier(None, 3)]),
        rk.Volume([rk.Tier(None, 3)]),
        rk.Graduated([rk.Tier("0.25", 3), rk.Tier(None, 3)]),
    ],
)
def test_a_single_converted_charge_rounds_its_exact_amount(price: rk.PriceModel) -> None:
    # 1200 s at 3 per hour: 1/3 hour, 3 x 1/3 = 1.00 exactly. Rating hands the price
    # 0.333...33 (60 digits), which prices 0.999...99, and ROUND_FLOOR billed it 0.99.
    assert _seconds(price, "ROUND_FLOOR", [1200]).total == Decimal("1.00")


@pytest.mark.parametrize("rounding", ["ROUND_CEILING", "ROUND_FLOOR", "ROUND_HALF_DOWN"])
def test_converted_quantities_less_a_free_part_round_their_exact_sum(rounding: str) -> None:
    # 1200 s + 1200 s + 1200 s = 1 hour at 1 per hour, less 360 s free (0.1 hour): 0.90
    # due in every mode. Each 1200 s is 0.333...33 as cut (60 digits), so the cut line is
    # a few units of the 60th digit off 0.9 (0.899...99 floors to 0.89).
    invoice = _seconds(
        rk.PerUnit(1), rounding, [1200, 1200, 1200], allowances=[rk.Allowance("m", 360)]
    )
    assert invoice.total == Decimal("0.90")
