"""Exact amounts of a non-linear price's pieces whose running quantity rating cut at 60 digits.

A price priced by a group's total (`Graduated`, `Volume`, `Package`, the percentages)
is handed the nearest number ratekit represents to the group's exact running quantity
(`ratekit._decimals.nearest`). Where a free part prorated by time makes that quantity a
fraction that does not terminate (20/3 billable hours: 10 used less a third of 10 free),
the price prices 6.666...67, and a piece's charge is the marginal between two such
numbers. Within one group the marginals telescope to the amount at the group's end;
but a line adds several groups (two plans of a cycle, each climbing its own tiers, or
several ``group_by`` values), whose ends are cut apart: 20/3 + 1/3 billed hours at 1
come to 7 exactly, yet to 6.666...67 + 0.333...33 = 7.000...003, which a rounding up
bills as 7.01.

`running_exact` recovers the exact sum of such charges: each quantity a price was
handed is taken as the ratio it was cut from, as a minimum's share of a cycle is
(`ratekit._decimals.commitment`: a fraction of denominator at most 10**25, which is
unique within 1E-50), and priced exactly, as a `Fraction`, by the built-in model's own
rule. A group's pieces telescope, so only the quantities where a group starts and ends
are priced: O(charges) plus O(tiers) per group. The exact sum is kept only where rating's
own amounts are what the model's `amount()` gives at the quantities it was handed, to
their 60th digit (else, for a charge made by hand, and always for a model of the user's
own, which prices Decimals only, the charges' amounts are summed as they are).
"""

from __future__ import annotations

import math
import typing
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final

from ._decimals import MAX_DIGITS, ZERO, commitment, exact_sum, nearest
from .errors import RatekitError
from .percentages import GraduatedPercentage, Percentage
from .prices import Graduated, Package, PriceModel, Volume
from .tiers import Tier

if typing.TYPE_CHECKING:  # charges imports billing's helpers, which import this module
    from .charges import Charge

__all__ = ["exact_above", "exact_aggregate", "exact_amount", "residue", "running_exact"]

_ONE: Final = Decimal(1)


def _blocks(inside: Fraction, block: Decimal) -> int:
    """How many blocks of ``block`` units ``inside`` starts (a partial block counts)."""
    return math.ceil(inside / Fraction(block))


def _step(tier: Tier, lower: Fraction, top: Fraction) -> Fraction:
    inside = top - lower
    units = inside if tier.block is None else Fraction(_blocks(inside, tier.block))
    return Fraction(tier.unit) * units + Fraction(tier.flat)


class _Exact(typing.NamedTuple):
    """One tier in fractions: its bounds, what the tiers below it charge in full, its prices."""

    lower: Fraction
    up_to: Fraction | None
    below: Fraction  # the tiers below it, each charged in full (flat fees included)
    unit: Fraction
    flat: Fraction
    block: Fraction | None


#: Per tier table (by identity, the table held so that its id is not reused), its tiers
#: in fractions: a table is frozen, and priced again at each statement. Bounded.
_EXACT_TIERS: dict[int, tuple[tuple[Tier, ...], tuple[_Exact, ...]]] = {}
_KEPT_TABLES: Final = 256


def _exact_tiers(tiers: tuple[Tier, ...]) -> tuple[_Exact, ...]:
    """``tiers`` in fractions, each with the sum of the full tiers below it. O(tiers), once."""
    found = _EXACT_TIERS.get(id(tiers))
    if found is not None and found[0] is tiers:
        return found[1]
    out: list[_Exact] = []
    below = lower = Fraction(0)
    for tier in tiers:
        up_to = None if tier.up_to is None else Fraction(tier.up_to)
        out.append(
            _Exact(
                lower,
                up_to,
                below,
                Fraction(tier.unit),
                Fraction(tier.flat),
                None if tier.block is None else Fraction(tier.block),
            )
        )
        if up_to is not None:
            below += _step(tier, lower, up_to)
            lower = up_to
    exact = tuple(out)
    if len(_EXACT_TIERS) >= _KEPT_TABLES:
        _EXACT_TIERS.clear()
    _EXACT_TIERS[id(tiers)] = (tiers, exact)
    return exact


def _graduated(tiers: tuple[Tier, ...], quantity: Fraction, flat_at_zero: bool) -> Fraction:
    """`ratekit._graduated.Climb`'s amount from zero, in fractions. O(tiers)."""
    if not (quantity > 0 or flat_at_zero):
        return Fraction(0)
    exact = _exact_tiers(tiers)
    index, last = 0, len(exact) - 1
    tier = exact[0]
    while tier.up_to is not None and quantity > tier.up_to and index < last:
        index += 1
        tier = exact[index]
    top = quantity if tier.up_to is None or quantity < tier.up_to else tier.up_to
    inside = top - tier.lower
    units = inside if tier.block is None else Fraction(math.ceil(inside / tier.block))
    return tier.below + tier.unit * units + tier.flat


def exact_amount(price: PriceModel, quantity: Fraction) -> Fraction | None:
    """What a built-in non-linear ``price`` charges for ``quantity`` (at least 0), exactly.

    The same rule as the model's ``amount()``, on a fraction; ``None`` for a model that
    has no exact rule here (a user's own, `Flat`, a per-transaction `Percentage`). O(tiers).

    ```pycon
    >>> import ratekit as rk
    >>> exact_amount(rk.Volume([rk.Tier(7, 2), rk.Tier(None, 1)]), Fraction(20, 3))
    Fraction(40, 3)
    >>> exact_amount(rk.Package(2, "0.5"), Fraction(20, 3))
    Fraction(2, 1)

    ```
    """
    kind = type(price)
    if kind is Graduated or kind is GraduatedPercentage:
        assert isinstance(price, (Graduated, GraduatedPercentage))
        return _graduated(price.tiers, quantity, price.flat_at_zero)
    if kind is Volume:
        assert isinstance(price, Volume)
        tiers = price.tiers
        tier = next(t for t in tiers if t.up_to is None or quantity <= t.up_to)
        units = quantity if tier.block is None else Fraction(_blocks(quantity, tier.block))
        amount = Fraction(tier.unit) * units
        return amount + Fraction(tier.flat) if quantity or price.flat_at_zero else amount
    if kind is Package:
        assert isinstance(price, Package)
        billable = quantity - Fraction(price.free)
        return (
            Fraction(price.price) * _blocks(billable, price.size) if billable > 0 else Fraction(0)
        )
    if kind is Percentage:
        assert isinstance(price, Percentage)
        if price.per_transaction or price.linear:
            return None
        return Fraction(price.rate) * max(quantity - Fraction(price.free_amount), Fraction(0))
    return None


#: The largest denominator of the ratio an aggregate stands for (`exact_aggregate`), as
#: `ratekit._decimals.commitment`'s.
_RATIOS: Final = 10**25


def exact_aggregate(total: Fraction, count: int) -> Fraction:
    """The aggregate ``total`` (the sum of ``count`` shares as metering cut them) stands for.

    A mean's shares are ratios (of a level's integral to the cycle's time) that metering
    rounds at their 60th digit where they do not terminate: their sum, 1 + 0.1612...0645
    for 1 + 5/31 zone-months, is the ratio they stand for, 36/31, within half a unit of
    the 60th digit per share. That ratio, of denominator at most 10**25 (two such lie at
    least 1E-50 apart), is the aggregate; a sum that no such ratio lies so near is taken
    as it is. O(digits).
    """
    if total.denominator <= _RATIOS or not total:
        return total
    ratio = total.limit_denominator(_RATIOS)
    digit = Fraction(10) ** (nearest(total).adjusted() - 59)
    return ratio if abs(ratio - total) <= count * digit else total


def exact_above(price: PriceModel, whole: Fraction, top: Decimal, base: Decimal) -> Fraction:
    """What ``price`` charges for an aggregate of exactly ``whole`` above its base.

    ``top`` and ``base`` are its ``amount()`` at the nearest number to ``whole`` (the
    quantity it was handed) and at 0. A built-in model prices ``whole`` itself, as a
    `Fraction` (`exact_amount`): the pieces share the aggregate by
    their exact parts of it, so the price of the aggregate cut at its 60th digit (1 +
    5/31 zone-months at 0.50 as 0.58064...032) would give a part of 1 0.4999...998, not
    0.5; the amount is rounded once, where each piece takes its share. A model of the
    user's own, which prices Decimals only, keeps ``top - base``. O(tiers).
    """
    exact = None if whole < 0 else exact_amount(price, whole)
    if exact is None:
        return Fraction(top) - Fraction(base)
    bottom = exact_amount(price, Fraction(0))
    assert bottom is not None  # (the same model)
    return exact - bottom


#: The smallest magnitude of an input (`ratekit._decimals`): a marginal below it may be a
#: residue of quantities cut at their 60th digit (`residue`).
_SMALLEST: Final = Decimal("1E-30")


def residue(
    price: PriceModel, low: Decimal | Fraction, high: Decimal | Fraction, amount: Decimal
) -> Decimal:
    """``amount``, a piece's marginal from ``low`` to ``high``, or 0 where it is a residue.

    A group's running quantity that does not terminate (time used in thirds of an hour)
    is handed to its price at its 60th digit, and a marginal that is exactly zero (a
    volume price whose tier halves as the quantity doubles) comes out a few units of the
    60th digit away from it, below the smallest magnitude of an input: such an
    amount is 0 where the model prices ``low`` and ``high`` alike exactly. O(tiers).
    """
    if not amount or amount.copy_abs() >= _SMALLEST:
        return amount
    if type(low) is Decimal and type(high) is Decimal:
        return amount  # exact quantities: a true amount, carried (`ratekit._carried`)
    zero = Fraction(0)
    top = exact_amount(price, max(Fraction(high), zero))
    bottom = exact_amount(price, max(Fraction(low), zero))
    return ZERO if top is not None and top == bottom else amount


def _ratio(value: Decimal) -> Fraction:
    """The exact quantity ``value`` was cut from: itself, or the ratio that rounds to it."""
    if len(value.as_tuple().digits) < MAX_DIGITS:  # a cut quantity has all 60 digits
        return Fraction(value)
    return commitment(_ONE, value)


def running_exact(charges: Sequence[Charge]) -> tuple[Fraction, list[Decimal]]:
    """The exact sum of the running charges among ``charges``, and the other amounts.

    A running charge is a usage piece of a built-in non-linear price priced by its group's
    total (``after`` set, not a share of a peak). Per price, a run of charges each of
    which starts where the one before it ends (a group's pieces, in either order) adds up
    to ``amount(end) - amount(start)``: only those two quantities are priced exactly
    (`exact_amount`), at the ratios they were cut from. A price whose charges do not add
    up so at the quantities as handed (``amount()`` of them, clamped at 0 as rating
    clamps a running quantity), give or take the rounding of each difference at its
    60th digit (`_slack`), is left to the plain amounts, returned with the charges that
    are not running. O(charges) for charges in rating's order (or reversed).
    """
    plain: list[Decimal] = []
    by_price: dict[int, tuple[PriceModel, list[list[Decimal]], list[Decimal]]] = {}
    for charge in charges:
        price, after, position = charge.price, charge.after, charge.position
        if (
            after is None
            or position is None
            or price is None
            or charge.whole is not None
            or charge.kind != "usage"
            or type(price) not in _EXACT
        ):
            plain.append(charge.amount)
            continue
        found = by_price.get(id(price))
        if found is None:
            found = by_price[id(price)] = (price, [], [])
        runs = found[1]
        found[2].append(charge.amount)
        run = runs[-1] if runs else None
        if run is not None and position == run[1]:  # Decimals compared, not hashed: fast
            run[1] = after
        elif run is not None and after == run[0]:
            run[0] = position
        else:
            runs.append([position, after])
    total = Fraction(0)
    for price, runs, amounts in by_price.values():
        exact, shown = _ends(price, runs)
        if exact is not None and abs(shown - Fraction(exact_sum(amounts))) <= _slack(amounts):
            total += exact
        else:
            plain.extend(amounts)
    return total, plain


def _slack(amounts: list[Decimal]) -> Fraction:
    """How far rating's ``amounts`` may lie from the differences of amounts they stand for.

    Rating takes each piece's amount as ``amount(after) - amount(position)`` in its
    60-digit context, which may round the difference (0.00976...67 - 0.000166...667 is
    0.0096000...0003, kept as 0.0096): half a unit of each amount's 60th digit, bounded
    here by a whole unit of the largest's, per amount. O(amounts).
    """
    largest = max((amount.adjusted() for amount in amounts if amount), default=0)
    return len(amounts) * Fraction(10) ** (largest - MAX_DIGITS + 1)


def _ends(price: PriceModel, runs: list[list[Decimal]]) -> tuple[Fraction | None, Fraction]:
    """The runs' sum priced exactly (``None`` if it cannot be) and as the price priced it."""
    net: dict[Decimal, int] = {}
    for start, end in runs:
        net[end] = net.get(end, 0) + 1
        net[start] = net.get(start, 0) - 1
    exact = shown = Fraction(0)
    for value, times in net.items():
        if not times:
            continue
        at = value if value > 0 else ZERO  # as rating clamps a running quantity at 0
        try:
            priced = exact_amount(price, _ratio(at))
            if priced is None:  # a per-transaction percentage: no total to price
                return None, shown
            shown += times * Fraction(price.amount(at))
        except RatekitError:  # charges made by hand, at quantities no price takes
            return None, shown
        exact += times * priced
    return exact, shown


_EXACT: Final = frozenset({Graduated, GraduatedPercentage, Volume, Package, Percentage})
