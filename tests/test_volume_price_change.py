"""A volume price changed inside a cycle: each price's share of the cycle's total.

A plan that prices a meter by the total under several prices, one of them a `Volume`
(a dated price change, say), prices each piece at its share of what its own price
charges for the cycle's whole quantity ``W``: ``billable / W x (amount(W) - amount(0))``
(docs/pricing.md, Layering). It used to price a piece under the new price on top of
the usage before it (``amount_new(W) - amount_new(before)``), which took back the units
before at the new price's rates: 16 GB for -4.00. Worked by hand in the comments
(monthly UTC cycle, March 2026, the price changing on the 15th).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._drawn_streams import drawn_stream

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
MID = "2026-03-15T00:00:00Z"
OLD = rk.Volume([rk.Tier(10, "1"), rk.Tier(None, "0.5")])  # 16 GB: 16 x 0.5 = 8
NEW = rk.Volume([rk.Tier(10, "2"), rk.Tier(None, "0.25")])  # 16 GB: 16 x 0.25 = 4


def plan(old: rk.PriceModel = OLD, new: rk.PriceModel = NEW) -> rk.Plan:
    return rk.Plan(
        "p",
        "EUR",
        MONTHS,
        [rk.PriceEntry("old", "eg", old, end=MID), rk.PriceEntry("new", "eg", new, start=MID)],
    )


def day(number: int, quantity: int | str) -> rk.UsageRow:
    span = rk.Span(f"2026-03-{number:02d}T00:00:00Z", f"2026-03-{number + 1:02d}T00:00:00Z")
    return rk.UsageRow("acme", "eg", "ip", span, MARCH, quantity, "GB", {}, (f"d{number}",))


def amounts(rating: rk.Rating) -> dict[str | None, Decimal]:
    out: dict[str | None, Decimal] = {}
    for charge in rating.charges:
        out[charge.entry] = out.get(charge.entry, Decimal(0)) + charge.amount
    return out


def test_each_price_charges_its_share_of_the_cycles_total() -> None:
    # 8 GB on 2 March (old), 8 GB on 20 March (new): W = 16. Old: 8/16 x (16 x 0.5) =
    # 4.00; new: 8/16 x (16 x 0.25) = 2.00; the month 6.00, between either price alone
    # (8.00, 4.00). It used to be 8.00 and -12.00 (4 - 16): -4.00.
    rating = rk.rate([day(2, 8), day(20, 8)], plan(), span=MARCH)
    assert amounts(rating) == {"old": Decimal(4), "new": Decimal(2)}
    [invoice] = rk.bill(rating)
    assert invoice.total == Decimal("6.00")
    new = next(charge for charge in rating.charges if charge.entry == "new")
    [line] = new.tiers
    # the whole's tier, and the share: tiers[1] (10, inf): 16 * 0.25 * 8/16 = 2.00
    assert (line.label, line.quantity, line.unit, line.part, line.whole, line.amount) == (
        "tiers[1]",
        16,
        Decimal("0.25"),
        8,
        16,
        2,
    )
    assert sum((line.amount for c in rating.charges for line in c.tiers), Decimal(0)) == 6


def test_a_correction_takes_its_share_back_in_any_order() -> None:
    # Old 12 GB (2 March); new: 6 GB (25 March) and a correction of -4 GB (20 March):
    # W = 14. The correction takes back, last in, first out, 4 of the GB the old price
    # billed, at the old price (docs/pricing.md, corrections after a price change within
    # a plan): old 12/14 x (14 x 0.5) = 6 and -4/14 x 7 = -2, so 4; new: 6/14 x (14 x
    # 0.25) = 1.5. 5.5 in all, whatever the order of the rows.
    rows = [day(2, 12), day(20, -4), day(25, 6)]
    for order in (rows, rows[::-1]):
        rating = rk.rate(order, plan(), span=MARCH)
        assert amounts(rating) == {"old": 4, "new": Decimal("1.5")}


def test_a_tiers_flat_fee_is_shared_and_the_base_charged_once() -> None:
    # Flat fees: old 5 (to 10 GB) or 2, new 5 or 1. W = 16: old 16 x 0.5 + 2 = 10,
    # new 16 x 0.25 + 1 = 5; less each one's amount at zero (5, its base, due on its
    # own): 5 and 0. Shares of 8/16: old 2.50, new 0. The base, 5, once: 7.50.
    old = rk.Volume([rk.Tier(10, "1", flat=5), rk.Tier(None, "0.5", flat=2)])
    new = rk.Volume([rk.Tier(10, "2", flat=5), rk.Tier(None, "0.25", flat=1)])
    rating = rk.rate([day(2, 8), day(20, 8)], plan(old, new), span=MARCH)
    usage = [c.amount for c in rating.charges if c.kind == "usage"]
    assert sorted(usage) == [0, Decimal("2.5")]
    assert rating.total() == Decimal("7.5")


def test_the_stream_corrects_the_month_as_its_total_grows() -> None:
    # The first statement knows 8 GB (old: 8 x 1 = 8.00); the month's total is 16 GB:
    # its lines end at 6.00, as batch.
    egress = rk.Meter("eg", "GB", rk.Discrete())
    samples = [
        rk.Sample("acme", "ip", "eg", "2026-03-02T12:00:00Z", 8, id="a"),
        rk.Sample("acme", "ip", "eg", "2026-03-20T12:00:00Z", 8, id="b"),
    ]
    rater = rk.Rater(plan(), [egress], start=MARCH.start)
    rater.feed(samples[:1])
    assert rater.statement("2026-03-10T00:00:00Z").total() == 8
    rater.feed(samples[1:])
    later = rater.statement("2026-04-02T00:00:00Z").total()
    assert 8 + later == 6 == rk.rate(samples, plan(), span=MARCH, meters=[egress]).total()


def test_a_month_rated_in_two_spans_prices_each_at_the_total_it_knows() -> None:
    # Rated 1-15 March alone, the old price knows 8 GB: 8.00. Rated 15-31 March (the
    # usage before placing the total), the new price's share of 16 GB: 2.00. The halves
    # make 10.00 where the month rated whole makes 6.00: a share depends on the total,
    # which the first half did not know (docs/pricing.md; the streaming rater corrects
    # it, above).
    rows = [day(2, 8), day(20, 8)]
    first = rk.rate(rows, plan(), span=rk.Span(MARCH.start, MID))
    second = rk.rate(rows, plan(), span=rk.Span(MID, MARCH.end))
    assert (first.total(), second.total()) == (8, 2)


def test_graduated_prices_alone_climb_on_from_the_usage_before() -> None:
    # Without a volume price, a price change keeps the tiers going: old 8 x 1 = 8; new
    # on from 8: 2 x 2 (to 10) + 6 x 0.25 = 5.50.
    old = rk.Graduated([rk.Tier(10, "1"), rk.Tier(None, "0.5")])
    new = rk.Graduated([rk.Tier(10, "2"), rk.Tier(None, "0.25")])
    rating = rk.rate([day(2, 8), day(20, 8)], plan(old, new), span=MARCH)
    assert amounts(rating) == {"old": 8, "new": Decimal("5.5")}


# -- the law: against each price's share, by hand, with Fractions ---------------------------


def _volume(tiers: list[tuple[int | None, int]], quantity: Fraction) -> Fraction:
    """A volume table's amount, by hand: the tier holding the quantity prices all of it."""
    lower = 0
    for up_to, cents in tiers:
        if up_to is None or quantity <= up_to:
            return quantity * Fraction(cents, 100)
        lower = up_to
    raise AssertionError(lower)


_TIERS = st.lists(st.integers(1, 500), min_size=1, max_size=3, unique=True).map(sorted)


@settings(max_examples=max(LAWS // 5, FLOOR), deadline=None)
@given(
    bounds=st.tuples(_TIERS, _TIERS),
    rates=st.lists(st.integers(0, 900), min_size=8, max_size=8),
    usage=st.lists(st.tuples(st.integers(1, 28), st.integers(-50, 400)), min_size=1, max_size=8),
    data=st.data(),
)
def test_the_month_costs_each_prices_share_of_its_total(
    bounds: tuple[list[int], list[int]],
    rates: list[int],
    usage: list[tuple[int, int]],
    data: st.DataObject,
) -> None:
    tables: list[list[tuple[int | None, int]]] = []
    for index, ups in enumerate(bounds):
        cents = rates[4 * index : 4 * index + len(ups) + 1]
        tables.append([*zip(ups, cents, strict=False), (None, cents[len(ups)])])
    models = [
        rk.Volume([rk.Tier(up, Decimal(cents).scaleb(-2)) for up, cents in table])
        for table in tables
    ]
    rows = data.draw(st.permutations([day(number, quantity) for number, quantity in usage]))
    rating = rk.rate(rows, plan(*models), span=MARCH)
    # Oracle: W the month's total; each price p its share q_p / W of table_p(W), q_p the
    # units it billed that no correction took back: each day's net in time order, a
    # correction taking back the units on top of the stack first, of either price, at
    # the price that billed them (last in, first out), the rest below zero at its own.
    whole = Fraction(sum(quantity for _, quantity in usage))
    runs: list[list[int]] = []  # [price, signed units], last in on top
    for number in sorted({number for number, _ in usage}):
        net = sum(quantity for at, quantity in usage if at == number)
        left, sign = abs(net), (1 if net > 0 else -1)
        for run in reversed(runs):
            if left and run[1] * sign < 0:
                taken = min(left, abs(run[1]))
                run[1] += sign * taken
                left -= taken
        runs = [run for run in runs if run[1]]
        if left:
            runs.append([0 if number < 15 else 1, sign * left])
    per_price = [Fraction(sum(units for price, units in runs if price == p)) for p in (0, 1)]
    want = Fraction(0)
    if whole > 0:
        want = sum(
            (q / whole * _volume(table, whole) for q, table in zip(per_price, tables, strict=True)),
            Fraction(0),
        )
    assert sum((Fraction(c.amount) for c in rating.charges), Fraction(0)) == want


@settings(max_examples=max(LAWS // 10, FLOOR), deadline=None)
@given(
    usage=st.lists(st.tuples(st.integers(0, 30), st.integers(1, 40)), min_size=1, max_size=6),
    data=st.data(),
)
def test_the_streams_lines_add_up_to_the_month_rated_whole(
    usage: list[tuple[int, int]], data: st.DataObject
) -> None:
    # Samples fed in drawn batches, statements at drawn watermarks, restores: the lines
    # end where one batch rate() of the month is, whatever the total knew at each.
    egress = rk.Meter("eg", "GB", rk.Discrete())
    samples = [
        rk.Sample(
            "acme",
            "ip",
            "eg",
            rk.Span.from_us(MARCH.start_us, MARCH.end_us).start + timedelta(days=number, hours=12),
            quantity,
            id=f"s{index}",
        )
        for index, (number, quantity) in enumerate(usage)
    ]
    samples = data.draw(st.permutations(samples))
    reports, lines = drawn_stream(
        data, samples, plan(), [egress], MARCH.start_us, MARCH.end_us, 86_400_000_000, 8
    )
    assert not [a for report in reports for a in report.anomalies if a.kind == "too_late"]
    batch = rk.rate(samples, plan(), span=MARCH, meters=[egress])
    assert sum((line.amount for line in lines), Decimal(0)) == batch.total()
