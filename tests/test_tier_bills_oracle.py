"""Invoices of tiered prices against a fractions oracle, at bounds, in hostile contexts.

One account's rows of one meter over March 2026 (UTC), under a `Graduated` or a `Volume`
price (tiers with blocks, flat fees, `flat_at_zero` either way, a last tier open or
bounded far away), with or without an allowance; or under a graduated price replaced at
an instant by another (priority 1 from then), rows that straddle the instant cut in
proportion to time (the first part rounded half-even at 1E-24, as documented).
Quantities are drawn on purpose on tier bounds (a last row may bring the total onto
one), tiny (down to 1E-25) and huge (up to 1E+19), in currencies of 0 to 4 minor
digits (JPY, EUR, KWD, CLF).

The oracle reads docs/pricing.md: a tier is ``(previous up_to, up_to]`` (a quantity on a
bound belongs to the lower tier), a block is started from the tier's lower bound, a flat
fee is charged on reaching its tier; a graduated price fills its tiers in order, a volume
price prices the whole quantity at its tier; the amount at zero (a base) is its own fee
line; an allowance frees the cycle's first units; a price change keeps one running total,
each piece priced by its own price on top of the pieces before it (in time order). Each
line is rounded once on the currency's quantum, half-even, and the total is the sum of
the lines. The caller's decimal context (3 digits, `ROUND_FLOOR`, `Inexact` trapped)
must change nothing, and the invoice detailed per resource must total the same.
"""

from __future__ import annotations

import decimal
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from tests._budget import FLOOR, LAWS
from tests._money_oracle import round_on

import ratekit as rk

MONTHS = rk.cycles.monthly(tz="UTC")
MARCH = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
HOUR = 3_600_000_000
QUANTA = {"JPY": Fraction(1), "EUR": Fraction(1, 100), "KWD": Fraction(1, 1000)}
QUANTA["CLF"] = Fraction(1, 10_000)
HOSTILE = decimal.Context(
    prec=3, rounding=decimal.ROUND_FLOOR, traps=[decimal.Inexact, decimal.Rounded]
)

#: (up_to or None, unit, flat, block or None)
TierRow = tuple[Decimal | None, Decimal, Decimal, Decimal | None]


@dataclass(frozen=True)
class Case:
    currency: str
    volume: bool
    flat_at_zero: bool
    tiers: tuple[TierRow, ...]
    # a second graduated price from ``change`` on (None: one price all month)
    later: tuple[TierRow, ...] | None
    change: int | None  # µs
    allowance: Decimal | None
    rows: tuple[tuple[int, int, Decimal, str], ...]  # start µs, end µs, quantity, resource


def _amount(
    tiers: tuple[TierRow, ...], quantity: Fraction, volume: bool, at_zero: bool
) -> Fraction:
    """What the tiers charge for ``quantity``, from docs/pricing.md, in fractions."""
    total, lower = Fraction(0), Fraction(0)
    for index, (up_to, unit, flat, block) in enumerate(tiers):
        upper = None if up_to is None else Fraction(up_to)
        reached = quantity > lower or (index == 0 and at_zero)
        if volume:
            if upper is None or quantity <= upper:
                if not reached:
                    return Fraction(0)
                units = (
                    quantity if block is None else Fraction(math.ceil(quantity / Fraction(block)))
                )
                return Fraction(unit) * units + Fraction(flat)
        elif reached:
            inside = max((quantity if upper is None else min(quantity, upper)) - lower, Fraction(0))
            units = inside if block is None else Fraction(math.ceil(inside / Fraction(block)))
            total += Fraction(unit) * units + Fraction(flat)
        if upper is None or quantity <= upper:
            break
        lower = upper
    return total


numbers = st.one_of(
    st.integers(0, 30_000).map(lambda n: Decimal(n) / 1000),
    st.builds(lambda d, e: Decimal(d).scaleb(e), st.integers(1, 9), st.integers(-25, -9)),
    st.builds(lambda d, e: Decimal(d).scaleb(e), st.integers(1, 999_999), st.integers(6, 13)),
)


@st.composite
def _tiers(draw: st.DrawFn, flats_from: int = 0) -> tuple[TierRow, ...]:
    bounds = sorted(
        set(
            draw(
                st.lists(
                    st.builds(
                        lambda n, d: Decimal(n) / d, st.integers(1, 59), st.sampled_from([1, 2, 4])
                    ),
                    max_size=2,
                )
            )
        )
    )
    last = draw(st.sampled_from([None, None, None, Decimal("1E+20")]))
    out: list[TierRow] = []
    for index, up_to in enumerate([*bounds, last]):
        unit = Decimal(draw(st.integers(0, 4_999))) / draw(st.sampled_from([1, 100, 1000, 10**6]))
        flat = Decimal(0)
        if index >= flats_from and draw(st.integers(0, 2)) == 0:
            flat = Decimal(draw(st.integers(1, 2_999))) / 100
        block = draw(
            st.none() | st.sampled_from([Decimal(1), Decimal(2), Decimal(5), Decimal("0.5")])
        )
        out.append((up_to, unit, flat, block))
    return tuple(out)


@st.composite
def _cases(draw: st.DrawFn) -> Case:
    tiers = draw(_tiers())
    changing = draw(st.booleans())
    change = None
    later = None
    if changing:
        change = MARCH.start_us + draw(st.integers(1, 30 * 24 - 1)) * HOUR
        later = draw(_tiers(flats_from=1))
        tiers = draw(_tiers(flats_from=1))
    bounds = [t[0] for t in tiers if t[0] is not None] or [Decimal(1)]
    rows: list[tuple[int, int, Decimal, str]] = []
    for _ in range(draw(st.integers(1, 8))):
        hours = draw(st.sampled_from([1, 2, 4, 5, 8, 10]))  # a cut in time terminates
        start = MARCH.start_us + draw(st.integers(0, 30 * 24 - 10)) * HOUR
        if change is not None and draw(st.booleans()):  # straddles the change
            start = max(MARCH.start_us, change - draw(st.integers(1, hours)) * HOUR)
        quantity = draw(numbers | st.sampled_from(bounds))
        rows.append(
            (start, start + hours * HOUR, quantity, draw(st.sampled_from(["ip-1", "ip-2"])))
        )
    used = sum((row[2] for row in rows), Decimal(0))
    reach = [bound - used for bound in bounds if bound > used]
    if reach and draw(st.booleans()):  # a last row that brings the total onto a bound
        start = MARCH.start_us + draw(st.integers(0, 30 * 24 - 1)) * HOUR
        rows.append((start, start + HOUR, draw(st.sampled_from(reach)), "ip-2"))
    return Case(
        currency=draw(st.sampled_from(sorted(QUANTA))),
        volume=not changing and draw(st.booleans()),
        flat_at_zero=draw(st.booleans()),
        tiers=tiers,
        later=later,
        change=change,
        allowance=None if changing else draw(st.none() | st.integers(1, 40).map(Decimal)),
        rows=tuple(rows),
    )


def _model(tiers: tuple[TierRow, ...], volume: bool, at_zero: bool) -> rk.PriceModel:
    kind = rk.Volume if volume else rk.Graduated
    return kind([rk.Tier(*tier) for tier in tiers], flat_at_zero=at_zero)


def oracle(case: Case) -> Fraction:
    """The invoice total, worked in fractions (see the module)."""
    quantum = QUANTA[case.currency]

    def amount(tiers: tuple[TierRow, ...], quantity: Fraction) -> Fraction:
        return _amount(tiers, quantity, case.volume, case.flat_at_zero)

    def rounded(value: Fraction) -> Fraction:
        return round_on(value, quantum, "ROUND_HALF_EVEN")

    if case.change is None:
        used = sum((Fraction(q) for _, _, q, _ in case.rows), Fraction(0))
        billable = max(used - Fraction(case.allowance or 0), Fraction(0))
        base = amount(case.tiers, Fraction(0))
        return rounded(base) + rounded(amount(case.tiers, billable) - base)
    assert case.later is not None
    pieces = []  # (start, end, resource, index, quantity, price)
    for index, (start, end, quantity, resource) in enumerate(case.rows):
        if start < case.change < end:
            # the first part rounded half-even at 1E-24, as a split is (docs/guarantees.md)
            share = Fraction(quantity) * Fraction(case.change - start, end - start)
            before = round_on(share, Fraction(1, 10**24), "ROUND_HALF_EVEN")
            pieces.append((start, case.change, resource, index, before, case.tiers))
            pieces.append(
                (case.change, end, resource, index, Fraction(quantity) - before, case.later)
            )
        else:
            pieces.append(
                (
                    start,
                    end,
                    resource,
                    index,
                    Fraction(quantity),
                    case.tiers if end <= case.change else case.later,
                )
            )
    pieces.sort(key=lambda piece: piece[:4])
    lines: dict[int, Fraction] = {}
    position = Fraction(0)
    for *_, quantity, tiers in pieces:
        marginal = amount(tiers, position + quantity) - amount(tiers, position)
        lines[id(tiers)] = lines.get(id(tiers), Fraction(0)) + marginal
        position += quantity
    return sum((rounded(line) for line in lines.values()), Fraction(0))


def marginals(case: Case) -> list[Fraction]:
    """Each piece's exact amount on top of those before it, in rating's order."""
    pieces = []  # (start, end, resource, index, quantity, tiers)
    for index, (start, end, quantity, resource) in enumerate(case.rows):
        if case.change is not None and start < case.change < end:
            share = Fraction(quantity) * Fraction(case.change - start, end - start)
            before = round_on(share, Fraction(1, 10**24), "ROUND_HALF_EVEN")
            pieces.append((start, case.change, resource, index, before, case.tiers))
            assert case.later is not None
            pieces.append(
                (case.change, end, resource, index, Fraction(quantity) - before, case.later)
            )
        else:
            later = case.change is not None and end > case.change
            tiers = case.later if later and case.later is not None else case.tiers
            pieces.append((start, end, resource, index, Fraction(quantity), tiers))
    pieces.sort(key=lambda piece: piece[:4])
    free = Fraction(case.allowance or 0)
    out, position = [], Fraction(0)
    for *_, quantity, tiers in pieces:
        taken = min(free, max(quantity, Fraction(0)))
        free -= taken
        billable = quantity - taken
        after = position + billable
        amount = _amount(tiers, max(after, Fraction(0)), case.volume, case.flat_at_zero)
        below = _amount(tiers, max(position, Fraction(0)), case.volume, case.flat_at_zero)
        out.append(amount - below)
        position = after
    return out


def bills(case: Case) -> tuple[Decimal, Decimal]:
    """The invoice's total and the detailed invoice's, as ratekit bills them."""
    entries = [rk.PriceEntry("a", "eg", _model(case.tiers, case.volume, case.flat_at_zero))]
    if case.later is not None:
        later = _model(case.later, case.volume, case.flat_at_zero)
        entries.append(
            rk.PriceEntry(
                "b",
                "eg",
                later,
                start=rk.Span.from_us(case.change, case.change + 1).start,
                priority=1,
            )
        )
    allowances = [rk.Allowance("eg", case.allowance)] if case.allowance else []
    plan = rk.Plan("p", case.currency, MONTHS, entries, allowances=allowances)
    rows = [
        rk.UsageRow(
            "acme",
            "eg",
            resource,
            rk.Span.from_us(start, end),
            MARCH,
            quantity,
            "GB",
            {},
            (f"r{i}",),
        )
        for i, (start, end, quantity, resource) in enumerate(case.rows)
    ]
    rating = rk.rate(rows, plan, span=MARCH)
    (summary,) = rk.bill(rating)
    (detailed,) = rk.bill(rating, by_resource=True)
    with decimal.localcontext(decimal.Context(prec=100)):  # the test's own sum, exact
        assert summary.total == sum((line.amount for line in summary.lines), Decimal(0))
    return summary.total, detailed.total


def test_a_volume_bound_and_a_block_at_exact_bounds_by_hand() -> None:
    # Volume (0, 10] at 2 per started block of 5, (10, inf) at 1.5 with a flat 3; 10 GB
    # (6.5 + 3.5) lie on the bound: 2 blocks x 2 = 4.00. 10.001 GB reach the second tier:
    # 10.001 x 1.5 + 3 = 18.0015, 18.00 half-even on the cent, 18.002 on the KWD's mil.
    tiers = (
        (Decimal(10), Decimal(2), Decimal(0), Decimal(5)),
        (None, Decimal("1.5"), Decimal(3), None),
    )
    day = 24 * HOUR
    on_bound = (
        (MARCH.start_us, MARCH.start_us + HOUR, Decimal("6.5"), "ip-1"),
        (MARCH.start_us + day, MARCH.start_us + day + HOUR, Decimal("3.5"), "ip-2"),
    )
    case = Case("EUR", True, True, tiers, None, None, None, on_bound)
    assert bills(case) == (Decimal("4.00"), Decimal("4.00"))
    past = (
        *on_bound,
        (MARCH.start_us + 2 * day, MARCH.start_us + 2 * day + HOUR, Decimal("0.001"), "ip-1"),
    )
    assert bills(Case("EUR", True, True, tiers, None, None, None, past))[0] == Decimal("18.00")
    assert bills(Case("KWD", True, True, tiers, None, None, None, past))[0] == Decimal("18.002")


@pytest.mark.property
@settings(max_examples=max(LAWS // 2, FLOOR))
@example(  # a piece of 1E-25 GB at 0.000001 a GB: 1E-31, refused
    Case(
        "CLF",
        False,
        False,
        ((None, Decimal(0), Decimal(0), None),),
        ((Decimal(1), Decimal(0), Decimal(0), None), (None, Decimal("0.000001"), Decimal(0), None)),
        1_772_326_800_000_000,
        None,
        (
            (1_772_323_200_000_000, 1_772_326_800_000_000, Decimal(1), "ip-1"),
            (1_772_326_800_000_000, 1_772_330_400_000_000, Decimal("1E-25"), "ip-1"),
        ),
    )
)
@given(_cases())
def test_tiered_bills_match_the_fractions_oracle_in_any_context(case: Case) -> None:
    try:
        total, detailed = bills(case)
    except rk.BadQuantityError as error:  # past a bounded last tier, or past 60 digits
        refused, priced = str(error), False
    except rk.BadPriceError as error:  # a piece's amount outside the range ratekit carries
        refused, priced = str(error), True
    else:
        refused, priced = "", False
    if priced:
        # refused where an exact amount of a piece is not zero and lies outside 1E-30 to
        # 1E+30 (1E-25 GB at 0.000001 a GB is 1E-31), as the amounts' range is documented
        assert "outside the amounts ratekit carries exactly" in refused, refused
        assert [m for m in marginals(case) if m and not 10**-30 <= abs(m) < 10**30], refused
        return
    if refused:
        assert "last tier" in refused or "digits" in refused, refused
        return
    assert Fraction(total) == oracle(case)
    assert detailed == total
    with decimal.localcontext(HOSTILE):
        assert bills(case) == (total, detailed)
