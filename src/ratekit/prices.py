"""Price models: how a quantity becomes an amount.

A price model maps a quantity (of one meter, usually over one billing cycle) to an exact,
unrounded `Decimal` amount. Every model has three methods and one flag,
the [`PriceModel`][ratekit.PriceModel] protocol:

- ``amount(quantity)``: the exact amount;
- ``explain(quantity)``: the breakdown, tier by tier, as a tuple of [`TierLine`][ratekit.TierLine]
  whose amounts add up to ``amount(quantity)``;
- ``marginal(quantity, added)``: ``amount(quantity + added) - amount(quantity)``, what
  pay-as-you-go and progressive billing charge for usage that arrives on top;
- ``linear``: true only when the amount is proportional to the quantity, so usage pieces
  can be priced one by one (the others price the cycle's total).

Tiers are ``(previous up_to, up_to]`` on a continuous quantity starting at 0: a quantity
exactly on a bound belongs to the lower tier. Tiered models refuse negative quantities;
[`PerUnit`][ratekit.PerUnit] accepts them (a negative quantity is a correction).

Examples:
    >>> import ratekit as rk
    >>> egress = rk.Graduated([rk.Tier(10, "0"), rk.Tier(100, "0.09"), rk.Tier(None, "0.07")])
    >>> egress.amount(150)  # 10 free, 90 at 0.09, 50 at 0.07
    Decimal('11.60')
    >>> for line in egress.explain(150):
    ...     print(line)
    tiers[0] (0, 10]: 10 * 0 = 0
    tiers[1] (10, 100]: 90 * 0.09 = 8.10
    tiers[2] (100, ∞): 50 * 0.07 = 3.50
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Final

import attrs

from ._carried import to_usage
from ._decimals import CONTEXT, MAX_ADJUSTED, MIN_ADJUSTED, ZERO, to_decimal
from ._entry_points import plain_text
from ._graduated import Climb, _graduated_amount
from ._price_model import PriceModel
from ._price_model import _marginal as _marginal  # noqa: PLC0414 - percentages reads it here
from ._tier_ranges import _ranges_to_tiers
from .tiers import (
    Number,
    Tier,
    TierLine,
    _after_free,
    _blocks,
    _check_bound,
    _check_flag,
    _check_table,
    _graduated_lines,
    _non_negative,
    _positive,
    _price,
    _quantity,
    _tier_table,
    _tiers_repr,
)

__all__ = [
    "Flat",
    "Graduated",
    "Package",
    "PerUnit",
    "PriceModel",
    "Tier",
    "TierLine",
    "Volume",
]


_HUNDRED: Final = Decimal(100)


def _perunit_rate(value: Number) -> Decimal:
    return _price(value, "PerUnit rate")


def _flat_amount(value: Number) -> Decimal:
    return _price(value, "Flat amount")


def _package_size(value: Number) -> Decimal:
    return _positive(value, "Package size")


def _package_amount(value: Number) -> Decimal:
    return _price(value, "Package amount")


def _package_free(value: Number) -> Decimal:
    return _non_negative(value, "Package free")


# -- the models -------------------------------------------------------------------------


def _linear_quantity(value: Number, model: str) -> Decimal:
    """A linear price's quantity: any number a charge carries, of either sign.

    A share below 1E-30 (1E-30 GB held half a month) and a level held past 1E+30
    (1E+25 MB over March is 2.6784E+31 MB*second) are rating's own quantities, which a
    linear price prices and explains (`ratekit._carried.to_usage`: at most 60 digits,
    from 1E-100 up to but excluding 1E+60); a tiered price's quantities keep the input
    range (`ratekit.tiers._quantity`), as a group's running total does. O(digits).
    """
    return to_usage(value, f"{model} quantity")


@typing.final
@attrs.frozen(repr=False)
class PerUnit:
    """A price per unit: ``amount(q) = rate * q``, the only linear built-in model.

    Negative quantities are accepted and give negative amounts: they are compensating
    corrections (a refund of bytes counted twice), and a per-unit price is the one model
    where a correction can be priced on its own. O(1).

    Examples:
        >>> import ratekit as rk
        >>> hours = rk.PerUnit("0.0416")
        >>> hours.amount(720)
        Decimal('29.9520')
        >>> hours.amount(-2)  # a correction
        Decimal('-0.0832')
        >>> hours.marginal(720, 1), hours.linear
        (Decimal('0.0416'), True)
    """

    rate: Decimal = attrs.field(converter=_perunit_rate)
    """The price of one unit."""

    @property
    def linear(self) -> bool:
        """Always true: the amount is proportional to the quantity."""
        return True

    @plain_text
    def __repr__(self) -> str:
        return f"PerUnit({str(self.rate)!r})"

    def amount(self, quantity: Number) -> Decimal:
        """``rate * quantity``, exact.

        Examples:
            >>> import ratekit as rk
            >>> rk.PerUnit("0.09").amount("1.5")
            Decimal('0.135')
        """
        return CONTEXT.multiply(self.rate, _linear_quantity(quantity, "PerUnit"))

    def explain(self, quantity: Number) -> tuple[TierLine, ...]:
        """One line: the quantity times the rate.

        Examples:
            >>> import ratekit as rk
            >>> print(*rk.PerUnit("0.09").explain(3))
            per unit: 3 * 0.09 = 0.27
        """
        quantity = _linear_quantity(quantity, "PerUnit")
        return (
            TierLine(
                label="per unit",
                lower=None,
                upper=None,
                quantity=quantity,
                unit=self.rate,
                amount=CONTEXT.multiply(self.rate, quantity),
            ),
        )

    def marginal(self, quantity: Number, added: Number) -> Decimal:
        """``rate * added`` (the same wherever the quantity stands).

        Examples:
            >>> import ratekit as rk
            >>> rk.PerUnit("0.09").marginal(1000, 10)
            Decimal('0.90')
        """
        _linear_quantity(quantity, "PerUnit")
        return CONTEXT.multiply(self.rate, to_decimal(added, "added quantity"))


@typing.final
@attrs.frozen(repr=False)
class Flat:
    """A fixed fee per billing cycle, whatever the usage (zero included).

    ``Flat(amount)`` keeps the fee as [`fee`][ratekit.Flat.fee] (``amount`` is the method every model
    has). ``amount(quantity)`` is the fee for any quantity, so ``marginal`` is always 0.
    Prorating the fee over a partial cycle is the plan's job, not the model's: the plan
    reads [`fee`][ratekit.Flat.fee].

    Examples:
        >>> import ratekit as rk
        >>> support = rk.Flat("49.00")
        >>> support.amount(0), support.amount(1000), support.fee
        (Decimal('49.00'), Decimal('49.00'), Decimal('49.00'))
        >>> support
        Flat('49.00')
    """

    fee: Decimal = attrs.field(alias="amount", converter=_flat_amount)
    """The fee per billing cycle."""

    @property
    def linear(self) -> bool:
        """Always false: the fee does not grow with the quantity."""
        return False

    @plain_text
    def __repr__(self) -> str:
        return f"Flat({str(self.fee)!r})"

    def amount(self, quantity: Number) -> Decimal:
        """The fee, for any quantity (the quantity is checked to be a number).

        Examples:
            >>> import ratekit as rk
            >>> rk.Flat(10).amount(5)
            Decimal('10')
        """
        _linear_quantity(quantity, "Flat")
        return self.fee

    def explain(self, quantity: Number) -> tuple[TierLine, ...]:
        """One line: the fee.

        Examples:
            >>> import ratekit as rk
            >>> print(*rk.Flat(10).explain(5))
            flat fee: 5 * 0 + 10 flat = 10
        """
        quantity = _linear_quantity(quantity, "Flat")
        return (
            TierLine(
                label="flat fee",
                lower=None,
                upper=None,
                quantity=quantity,
                unit=ZERO,
                flat=self.fee,
                amount=self.fee,
            ),
        )

    def marginal(self, quantity: Number, added: Number) -> Decimal:
        """Always 0: more usage costs nothing more.

        Examples:
            >>> import ratekit as rk
            >>> rk.Flat(10).marginal(5, 100)
            Decimal('0')
        """
        _linear_quantity(quantity, "Flat")
        to_decimal(added, "added quantity")
        return ZERO


@typing.final
@attrs.frozen(repr=False)
class Graduated:
    """Graduated tiers: each tier prices the part of the quantity that falls inside it.

    The quantity fills the tiers in order: tier ``i`` gets ``min(q, up_to) - lower`` units
    (``lower`` is the previous tier's ``up_to``, 0 for the first), priced by its unit
    price or its started blocks, plus its ``flat`` fee once the quantity reaches it
    (exceeds its lower bound). A quantity exactly on a bound stays in the lower tier.
    With ``flat_at_zero`` (the default, as Lago and OpenMeter do) the first tier's flat
    fee is charged at zero usage too; with ``flat_at_zero=False`` only once usage is above
    zero. Negative quantities raise [`BadQuantityError`][ratekit.BadQuantityError].

    The tiers are [`Tier`][ratekit.Tier] values (or mappings or tuples of their fields): at least
    one, bounds strictly increasing, only the last one open (``up_to=None``). The last
    tier may also be bounded, as Kill Bill's catalogs end theirs: a quantity above its
    bound then raises [`BadQuantityError`][ratekit.BadQuantityError] (rating names the entry,
    account, cycle and quantity). Build one from inclusive integer ranges with
    [`from_ranges()`][ratekit.Graduated.from_ranges]. ``amount`` is O(number of tiers).

    Examples:
        >>> import ratekit as rk
        >>> calls = rk.Graduated([rk.Tier(5, "0.10", flat=1), rk.Tier(10, "0.08"), rk.Tier(None, "0.05")])
        >>> calls.amount(12)  # 1 + 5 * 0.10 + 5 * 0.08 + 2 * 0.05
        Decimal('2.00')
        >>> calls.amount(0), calls.amount(5)
        (Decimal('1.00'), Decimal('1.50'))
        >>> rk.Graduated([rk.Tier(5, "0.10", flat=1), rk.Tier(None, "0.05")], flat_at_zero=False).amount(0)
        Decimal('0')
    """

    tiers: tuple[Tier, ...] = attrs.field(converter=_tier_table)
    """The tier table, in order."""
    flat_at_zero: bool = attrs.field(default=True, kw_only=True)
    """Whether the first tier's flat fee is charged at zero usage."""

    def __attrs_post_init__(self) -> None:
        _check_table("Graduated", self.tiers)
        _check_flag("Graduated", "flat_at_zero", self.flat_at_zero)

    @classmethod
    def from_ranges(
        cls, ranges: Iterable[Sequence[typing.Any]], *, flat_at_zero: bool = True
    ) -> Graduated:
        """Build the tiers from inclusive integer ranges, as other billing systems write them.

        Each item is ``(range, unit)`` or ``(range, unit, flat)``; a range is ``"1-5"``,
        ``"11+"`` (the open last range) or a tuple ``(first, last)`` with ``last`` ``None``
        when open. The integer range ``first-last`` becomes the continuous tier
        ``(first - 1, last]``: 1-5 is ``(0, 5]``, 6-10 is ``(5, 10]``, 11+ is
        ``(10, ∞)``, so 5.5 units fall in 6-10. The first range starts at 1 (or 0, the
        same tier); each next range starts right after the previous one ends; gaps and
        overlaps are rejected. A closed last range bounds the table (quantities above it
        are refused when priced).

        Examples:
            >>> import ratekit as rk
            >>> rk.Graduated.from_ranges([("1-5", "0.10"), ("6-10", "0.08"), ("11+", "0.05")])
            Graduated([Tier(up_to='5', unit='0.10'), Tier(up_to='10', unit='0.08'), Tier(unit='0.05')])
        """
        return cls(_ranges_to_tiers("Graduated", ranges), flat_at_zero=flat_at_zero)

    @property
    def linear(self) -> bool:
        """False: the price per unit changes with the quantity (cycle totals are priced)."""
        return False

    @plain_text
    def __repr__(self) -> str:
        extra = "" if self.flat_at_zero else ", flat_at_zero=False"
        return f"Graduated({_tiers_repr(self.tiers)}{extra})"

    def amount(self, quantity: Number) -> Decimal:
        """The sum over the tiers the quantity reaches, exact.

        Examples:
            >>> import ratekit as rk
            >>> rk.Graduated([rk.Tier(100, "0"), rk.Tier(None, "2", block=50)]).amount(101)
            Decimal('2')
        """
        quantity = _quantity(quantity, "Graduated")
        tiers = self.tiers
        if tiers[-1].up_to is not None:  # a bounded table: refuse what lies above it
            _check_bound("Graduated", tiers, quantity)
        return _graduated_amount(tiers, quantity, self.flat_at_zero)

    def explain(self, quantity: Number) -> tuple[TierLine, ...]:
        """One line per tier the quantity reaches (the first tier alone at zero).

        Examples:
            >>> import ratekit as rk
            >>> for line in rk.Graduated([rk.Tier(5, "0.10"), rk.Tier(None, "0.05")]).explain(7):
            ...     print(line)
            tiers[0] (0, 5]: 5 * 0.10 = 0.50
            tiers[1] (5, ∞): 2 * 0.05 = 0.10
        """
        return self._lines(quantity, ZERO)

    def _lines(self, quantity: Number, floor: Decimal) -> tuple[TierLine, ...]:
        """`explain`'s lines from the tier that ends at or above ``floor`` on.

        The tiers ending below ``floor`` are left out: what a charge's marginal lines do
        without (see `ratekit.tiers._graduated_lines`). O(log t + lines) for t tiers.
        """
        quantity = _quantity(quantity, "Graduated")
        _check_bound("Graduated", self.tiers, quantity)
        return _graduated_lines(self.tiers, quantity, self.flat_at_zero, floor)

    def marginal(self, quantity: Number, added: Number) -> Decimal:
        """What ``added`` units cost on top of ``quantity``: ``amount(q + a) - amount(q)``.

        Examples:
            >>> import ratekit as rk
            >>> rk.Graduated([rk.Tier(5, "0.10"), rk.Tier(None, "0.05")]).marginal(4, 2)
            Decimal('0.15')
        """
        return _marginal(self, quantity, added)

    def _climbing(self) -> Callable[[Decimal], Decimal]:
        """`amount` of the running quantities of one group priced by its total.

        Rating's quantities (at most 60 digits) mostly climb: each is priced from the
        tier the one before reached (`ratekit._graduated.Climb`), to the same Decimal as
        `amount`. One the door refuses (negative, outside the range, above a bounded last
        tier) goes through `amount`, which names it.
        """
        climb = Climb(self.tiers, self.flat_at_zero).amount
        bound = self.tiers[-1].up_to
        door = self.amount

        def climbing(quantity: Decimal) -> Decimal:
            if (
                quantity < ZERO
                or not MIN_ADJUSTED <= quantity.adjusted() <= MAX_ADJUSTED
                or (bound is not None and quantity > bound)
            ):
                return door(quantity)
            return climb(quantity)

        return climbing


@typing.final
@attrs.frozen(repr=False)
class Volume:
    """Volume tiers: the tier that contains the whole quantity prices all of it.

    The quantity ``q`` selects the tier with ``lower < q <= up_to`` (a quantity exactly
    on a bound selects the lower tier; zero selects the first), and that tier prices every
    unit, or every started block of the whole quantity (counted from zero), plus its
    ``flat`` fee. With ``flat_at_zero`` (the
    default) zero usage is charged the first tier's flat fee; with ``flat_at_zero=False``
    it costs nothing. Unlike [`Graduated`][ratekit.Graduated], the amount may drop when the quantity
    crosses a bound. Negative quantities raise [`BadQuantityError`][ratekit.BadQuantityError]. The
    tier table follows the same rules as [`Graduated`][ratekit.Graduated]'s. O(number of tiers).

    Examples:
        >>> import ratekit as rk
        >>> seats = rk.Volume([rk.Tier(10, "8"), rk.Tier(50, "6"), rk.Tier(None, "5")])
        >>> seats.amount(10), seats.amount(11)  # 10 * 8, then all 11 at 6
        (Decimal('80'), Decimal('66'))
    """

    tiers: tuple[Tier, ...] = attrs.field(converter=_tier_table)
    """The tier table, in order."""
    flat_at_zero: bool = attrs.field(default=True, kw_only=True)
    """Whether the first tier's flat fee is charged at zero usage."""

    def __attrs_post_init__(self) -> None:
        _check_table("Volume", self.tiers)
        _check_flag("Volume", "flat_at_zero", self.flat_at_zero)

    @classmethod
    def from_ranges(
        cls, ranges: Iterable[Sequence[typing.Any]], *, flat_at_zero: bool = True
    ) -> Volume:
        """Build the tiers from inclusive integer ranges (see [`Graduated.from_ranges()`][ratekit.Graduated.from_ranges]).

        Examples:
            >>> import ratekit as rk
            >>> rk.Volume.from_ranges([("1-10", 8), ("11-50", 6), ("51+", 5)]).amount(51)
            Decimal('255')
        """
        return cls(_ranges_to_tiers("Volume", ranges), flat_at_zero=flat_at_zero)

    @property
    def linear(self) -> bool:
        """False: the tier, hence the unit price, depends on the cycle's total."""
        return False

    @plain_text
    def __repr__(self) -> str:
        extra = "" if self.flat_at_zero else ", flat_at_zero=False"
        return f"Volume({_tiers_repr(self.tiers)}{extra})"

    def _select(self, quantity: Decimal) -> tuple[int, Decimal]:
        if self.tiers[-1].up_to is not None:  # a bounded table: refuse what lies above it
            _check_bound("Volume", self.tiers, quantity)
        lower = ZERO
        for index, tier in enumerate(self.tiers):
            if tier.up_to is None or quantity <= tier.up_to:
                return index, lower
            lower = tier.up_to
        raise AssertionError("unreachable: the bound was checked")  # pragma: no cover

    def amount(self, quantity: Number) -> Decimal:
        """The selected tier's price for the whole quantity, exact.

        Examples:
            >>> import ratekit as rk
            >>> rk.Volume([rk.Tier(10, "8", flat=5), rk.Tier(None, "6")], flat_at_zero=False).amount(0)
            Decimal('0')
        """
        quantity = _quantity(quantity, "Volume")
        index, _ = self._select(quantity)
        tier = self.tiers[index]
        units = quantity if tier.block is None else Decimal(_blocks(quantity, tier.block))
        amount = CONTEXT.multiply(tier.unit, units)
        if quantity or self.flat_at_zero:
            amount = CONTEXT.add(amount, tier.flat)
        return amount

    def explain(self, quantity: Number) -> tuple[TierLine, ...]:
        """One line: the selected tier, pricing the whole quantity.

        Examples:
            >>> import ratekit as rk
            >>> print(*rk.Volume([rk.Tier(10, "8"), rk.Tier(None, "6")]).explain(12))
            tiers[1] (10, ∞): 12 * 6 = 72
        """
        quantity = _quantity(quantity, "Volume")
        index, lower = self._select(quantity)
        flat = bool(quantity) or self.flat_at_zero
        return (self.tiers[index]._line(index, lower, quantity, flat=flat),)

    def marginal(self, quantity: Number, added: Number) -> Decimal:
        """``amount(q + a) - amount(q)``; negative when ``a`` crosses into a cheaper tier.

        Examples:
            >>> import ratekit as rk
            >>> rk.Volume([rk.Tier(10, "8"), rk.Tier(None, "6")]).marginal(10, 1)
            Decimal('-14')
        """
        return _marginal(self, quantity, added)


@typing.final
@attrs.frozen(repr=False)
class Package:
    """A price per started package of ``size`` units, after ``free`` free units.

    ``amount(q) = price * ceil(max(q - free, 0) / size)``: 1 unit over the free ones
    starts a whole package. Zero usage (or usage within the free units) costs nothing.
    ``Package(size, amount, free)`` keeps the package price as [`price`][ratekit.Package.price] (``amount`` is
    the method every model has). The breakdown has two lines when ``free`` is set (the
    free units, then the packages). Negative quantities raise
    [`BadQuantityError`][ratekit.BadQuantityError]. O(1).

    Examples:
        >>> import ratekit as rk
        >>> sms = rk.Package(100, "5.00", free=50)
        >>> sms.amount(50), sms.amount(51), sms.amount(150), sms.amount(151)
        (Decimal('0'), Decimal('5.00'), Decimal('5.00'), Decimal('10.00'))
        >>> for line in sms.explain(151):
        ...     print(line)
        free units (0, 50]: 50 * 0 = 0
        packages (50, ∞): 101 in 2 blocks of 100 * 5.00 = 10.00
    """

    size: Decimal = attrs.field(converter=_package_size)
    """The number of units in one package."""
    price: Decimal = attrs.field(alias="amount", converter=_package_amount)
    """The price of one started package."""
    free: Decimal = attrs.field(default=ZERO, converter=_package_free)
    """The units given free before the first package."""

    @property
    def linear(self) -> bool:
        """False: packages round up, so pieces cannot be priced one by one."""
        return False

    @plain_text
    def __repr__(self) -> str:
        extra = f", free={str(self.free)!r}" if self.free else ""
        return f"Package({str(self.size)!r}, {str(self.price)!r}{extra})"

    def amount(self, quantity: Number) -> Decimal:
        """The price of the started packages above the free units, exact.

        Examples:
            >>> import ratekit as rk
            >>> rk.Package(1000, "0.50").amount(2001)
            Decimal('1.50')
        """
        quantity = _quantity(quantity, "Package")
        billable = CONTEXT.subtract(quantity, self.free)
        if billable <= 0:
            return ZERO
        return CONTEXT.multiply(self.price, Decimal(_blocks(billable, self.size)))

    def explain(self, quantity: Number) -> tuple[TierLine, ...]:
        """The free units (when ``free`` is set), then the packages.

        Examples:
            >>> import ratekit as rk
            >>> print(*rk.Package(1000, "0.50").explain(2001))
            packages (0, ∞): 2001 in 3 blocks of 1000 * 0.50 = 1.50
        """
        return _after_free(_quantity(quantity, "Package"), self.free, "free units", self._packages)

    def _packages(self, billable: Decimal) -> TierLine:
        blocks = _blocks(billable, self.size)
        return TierLine(
            label="packages",
            lower=self.free,
            upper=None,
            quantity=billable,
            unit=self.price,
            block=self.size,
            blocks=blocks,
            amount=CONTEXT.multiply(self.price, Decimal(blocks)),
        )

    def marginal(self, quantity: Number, added: Number) -> Decimal:
        """``amount(q + a) - amount(q)``: a package price when ``a`` starts new packages.

        Examples:
            >>> import ratekit as rk
            >>> rk.Package(1000, "0.50").marginal(1000, 1), rk.Package(1000, "0.50").marginal(1001, 1)
            (Decimal('0.50'), Decimal('0.00'))
        """
        return _marginal(self, quantity, added)
