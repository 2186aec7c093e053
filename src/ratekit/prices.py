"""Price models: how a quantity becomes an amount.

A price model maps a quantity (of one meter, usually over one billing cycle) to an exact,
unrounded :class:`~decimal.Decimal` amount. Every model has three methods and one flag,
the :class:`PriceModel` protocol:

- ``amount(quantity)``: the exact amount;
- ``explain(quantity)``: the breakdown, tier by tier, as a tuple of :class:`TierLine`
  whose amounts add up to ``amount(quantity)``;
- ``marginal(quantity, added)``: ``amount(quantity + added) - amount(quantity)``, what
  pay-as-you-go and progressive billing charge for usage that arrives on top;
- ``linear``: true only when the amount is proportional to the quantity, so usage pieces
  can be priced one by one (the others price the cycle's total).

Tiers are ``(previous up_to, up_to]`` on a continuous quantity starting at 0: a quantity
exactly on a bound belongs to the lower tier. Tiered models refuse negative quantities;
:class:`PerUnit` accepts them (a negative quantity is a correction).

Example:
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

import re
import typing
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Final, Protocol, TypeAlias

import attrs

from ._decimals import CONTEXT, ZERO, to_decimal
from .errors import BadPriceError, BadQuantityError, RatekitTypeError

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

Number: TypeAlias = Decimal | int | str | float
"""What a quantity or a price may be given as (converted once, at the door)."""

_HUNDRED: Final = Decimal(100)


# -- conversions at the door ------------------------------------------------------------


def _price(value: Number, what: str) -> Decimal:
    try:
        return to_decimal(value, what)
    except BadQuantityError as error:
        raise BadPriceError(str(error)) from None


def _optional_price(value: Number | None, what: str) -> Decimal | None:
    return None if value is None else _price(value, what)


def _positive(value: Number, what: str) -> Decimal:
    result = _price(value, what)
    if result <= 0:
        raise BadPriceError(f"{what} must be greater than 0, not {str(result)!r}.")
    return result


def _non_negative(value: Number, what: str) -> Decimal:
    result = _price(value, what)
    if result < 0:
        raise BadPriceError(f"{what} must be 0 or more, not {str(result)!r}.")
    return result


def _text(value: Decimal | None) -> str:
    return "∞" if value is None else str(value)


def _quantity(value: Number, model: str, *, negative: bool = False) -> Decimal:
    quantity = to_decimal(value, f"{model} quantity")  # the door checks the range
    if not negative and quantity < 0:
        raise BadQuantityError(
            f"{model} cannot price the negative quantity {str(quantity)!r}: tiered, package and "
            "percentage prices start at 0. Price corrections with PerUnit, or net them "
            "against the cycle's usage before pricing."
        )
    return quantity


def _blocks(quantity: Decimal, block: Decimal) -> int:
    """How many blocks of ``block`` units ``quantity`` starts (partial blocks count)."""
    whole, rest = CONTEXT.divmod(quantity, block)
    return int(whole) + (1 if rest else 0)


# The converters of each field (named functions, so that type checkers follow them).


def _tier_up_to(value: Number | None) -> Decimal | None:
    return _optional_price(value, "Tier up_to")


def _tier_unit(value: Number) -> Decimal:
    return _price(value, "Tier unit")


def _tier_flat(value: Number) -> Decimal:
    return _price(value, "Tier flat")


def _tier_block(value: Number | None) -> Decimal | None:
    return _optional_price(value, "Tier block")


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


# -- tiers ------------------------------------------------------------------------------


@typing.final
@attrs.frozen(repr=False)
class Tier:
    """One tier of a tier table: the quantities in ``(previous up_to, up_to]``.

    ``up_to`` is the tier's upper bound (included), or ``None`` for the open last tier.
    ``unit`` is the price per unit, or, when ``block`` is given, the price per *started*
    block of ``block`` units: a partial block is charged as a whole one, and blocks are
    counted from the tier's lower bound. ``flat`` is a fixed fee charged once when the
    quantity reaches the tier (for the first tier at zero usage too, unless the model says
    ``flat_at_zero=False``).

    Prices may be negative (a discount tier); ``up_to`` and ``block`` must be greater than
    zero. Numbers are ``int``, ``str``, ``Decimal`` or ``float`` (through its ``repr``).
    The order of the bounds is checked by the model that holds the tiers.

    Example:
        >>> import ratekit as rk
        >>> rk.Tier(1000, "0.10")
        Tier(up_to='1000', unit='0.10')
        >>> rk.Tier(unit="2.50", block=100)  # open tier, 2.50 per started 100 units
        Tier(unit='2.50', block='100')
        >>> rk.Tier(0, "1")
        Traceback (most recent call last):
        ...
        ratekit.BadPriceError: Tier up_to must be greater than 0, not '0'; a tier covers (previous up_to, up_to] and the first starts at 0.
    """

    up_to: Decimal | None = attrs.field(default=None, converter=_tier_up_to)
    """The upper bound, included; ``None`` for the open last tier."""
    unit: Decimal = attrs.field(default=ZERO, converter=_tier_unit)
    """The price per unit, or per started block when ``block`` is set."""
    flat: Decimal = attrs.field(default=ZERO, converter=_tier_flat)
    """A fee charged once when the quantity reaches this tier."""
    block: Decimal | None = attrs.field(default=None, converter=_tier_block)
    """The block size when ``unit`` prices started blocks, else ``None``."""

    def __attrs_post_init__(self) -> None:
        if self.up_to is not None and self.up_to <= 0:
            raise BadPriceError(
                f"Tier up_to must be greater than 0, not {str(self.up_to)!r}; a tier covers "
                "(previous up_to, up_to] and the first starts at 0."
            )
        if self.block is not None and self.block <= 0:
            raise BadPriceError(
                f"Tier block must be greater than 0, not {str(self.block)!r}; it is the number "
                "of units one started block prices, e.g. block=1000."
            )

    def __repr__(self) -> str:
        parts = [] if self.up_to is None else [f"up_to={str(self.up_to)!r}"]
        parts.append(f"unit={str(self.unit)!r}")
        if self.flat:
            parts.append(f"flat={str(self.flat)!r}")
        if self.block is not None:
            parts.append(f"block={str(self.block)!r}")
        return f"Tier({', '.join(parts)})"

    def _line(self, index: int, lower: Decimal, quantity: Decimal, *, flat: bool) -> TierLine:
        """The line for ``quantity`` units priced in this tier (``flat``: charge its fee)."""
        fee = self.flat if flat else ZERO
        if self.block is None:
            blocks = None
            amount = CONTEXT.add(CONTEXT.multiply(self.unit, quantity), fee)
        else:
            blocks = _blocks(quantity, self.block)
            amount = CONTEXT.add(CONTEXT.multiply(self.unit, Decimal(blocks)), fee)
        return TierLine(
            label=f"tiers[{index}]",
            lower=lower,
            upper=self.up_to,
            quantity=quantity,
            unit=self.unit,
            flat=fee,
            block=self.block,
            blocks=blocks,
            amount=amount,
        )


TierLike: TypeAlias = Tier | Mapping[str, typing.Any] | Sequence[typing.Any]
"""A tier as a :class:`Tier`, a mapping of its fields, or a tuple ``(up_to, unit, flat, block)``."""


def _tier(item: TierLike) -> Tier:
    if isinstance(item, Tier):
        return item
    if isinstance(item, Mapping):
        return Tier(**item)
    if isinstance(item, Sequence) and not isinstance(item, str):
        return Tier(*item)
    raise BadPriceError(
        f"a tier must be a Tier, a mapping of its fields or a tuple "
        f"(up_to, unit, flat, block), not {type(item).__name__}: {item!r}."
    )


def _tier_table(tiers: Iterable[TierLike]) -> tuple[Tier, ...]:
    if isinstance(tiers, (str, Tier)) or not isinstance(tiers, Iterable):
        raise BadPriceError(f"tiers must be a sequence of tiers, not {tiers!r}.")
    table = []
    for index, item in enumerate(tiers):
        try:
            table.append(_tier(item))
        except BadPriceError as error:
            raise BadPriceError(f"tiers[{index}]: {error}") from None
        except RatekitTypeError as error:
            raise RatekitTypeError(f"tiers[{index}]: {error}") from None
        except TypeError as error:
            raise BadPriceError(
                f"tiers[{index}] {item!r} is not a tier ({error}); give Tier(up_to, unit, "
                "flat, block), a mapping of those fields or a tuple in that order."
            ) from None
    return tuple(table)


def _check_table(model: str, tiers: tuple[Tier, ...]) -> None:
    """Bounds strictly increasing, only the last tier open, at least one tier."""
    if not tiers:
        raise BadPriceError(
            f"{model} needs at least one tier; e.g. {model}([Tier(unit='0.10')]) "
            "prices every unit at 0.10."
        )
    last = len(tiers) - 1
    for index, tier in enumerate(tiers):
        if tier.up_to is None and index != last:
            raise BadPriceError(
                f"{model} tiers[{index}] is open (up_to=None) but is not the last tier; "
                "only the last tier may be open: give it an up_to or move it to the end."
            )
        if index and tier.up_to is not None:
            previous = tiers[index - 1].up_to
            assert previous is not None  # checked on the previous pass
            if tier.up_to <= previous:
                raise BadPriceError(
                    f"{model} tiers[{index}] up_to {str(tier.up_to)!r} is not greater than "
                    f"tiers[{index - 1}] up_to {str(previous)!r}; tier bounds must be "
                    "strictly increasing."
                )
    if tiers[last].up_to is not None:
        raise BadPriceError(
            f"{model} tiers[{last}] (the last tier) has up_to {str(tiers[last].up_to)!r}; "
            "the last tier must be open (up_to=None) so that every quantity has a price: "
            f"append a tier for the quantities above {tiers[last].up_to}."
        )


_RANGE: Final = re.compile(r"^\s*(\d+)\s*(?:[-\u2013]\s*(\d+)|(\+))\s*$")


def _parse_range(model: str, index: int, span: object) -> tuple[int, int | None]:
    if isinstance(span, str):
        match = _RANGE.match(span)
        if match is None:
            raise BadPriceError(
                f"{model}.from_ranges ranges[{index}] range {span!r} is not an inclusive "
                "integer range; write 'first-last' (e.g. '1-5') or 'first+' for the open "
                "last range (e.g. '11+'), or a tuple (first, last or None)."
            )
        return int(match[1]), None if match[3] else int(match[2])
    if (
        isinstance(span, tuple)
        and len(span) == 2
        and isinstance(span[0], int)
        and not isinstance(span[0], bool)
        and span[0] >= 0
        and (span[1] is None or (isinstance(span[1], int) and not isinstance(span[1], bool)))
    ):
        return span[0], span[1]
    raise BadPriceError(
        f"{model}.from_ranges ranges[{index}] range {span!r} must be a string like "
        "'1-5' or '11+', or a tuple of integers (first, last or None)."
    )


def _ranges_to_tiers(model: str, ranges: Iterable[Sequence[typing.Any]]) -> list[Tier]:
    """Read inclusive integer ranges (``"1-5"``, ``"6-10"``, ``"11+"``) as tiers."""
    tiers: list[Tier] = []
    previous_text = ""
    previous_end: int | None = -1
    for index, item in enumerate(ranges):
        if isinstance(item, str) or not 2 <= len(item) <= 3:
            raise BadPriceError(
                f"{model}.from_ranges ranges[{index}] must be (range, unit) or "
                f"(range, unit, flat), e.g. ('1-5', '0.10'), not {item!r}."
            )
        span, *prices = item
        first, last = _parse_range(model, index, span)
        text = f"{first}+" if last is None else f"{first}-{last}"
        if last is not None and last < first:
            raise BadPriceError(
                f"{model}.from_ranges ranges[{index}] {text!r} ends before it starts; "
                "an inclusive range is first-last with first <= last."
            )
        if previous_end is None:
            raise BadPriceError(
                f"{model}.from_ranges ranges[{index - 1}] {previous_text!r} is open but is not "
                "the last range; only the last range may be open."
            )
        if index == 0:
            if first > 1:
                raise BadPriceError(
                    f"{model}.from_ranges ranges[0] {text!r} starts at {first}; the first "
                    "range must start at 0 or 1, or the quantities below it have no price."
                )
        elif first > previous_end + 1:
            raise BadPriceError(
                f"{model}.from_ranges ranges[{index}] {text!r} leaves a gap after "
                f"ranges[{index - 1}] {previous_text!r}; it should start at {previous_end + 1}."
            )
        elif first <= previous_end:
            raise BadPriceError(
                f"{model}.from_ranges ranges[{index}] {text!r} overlaps ranges[{index - 1}] "
                f"{previous_text!r}, which already includes {first}; inclusive ranges "
                f"continue at {previous_end + 1}."
            )
        if last == 0:
            raise BadPriceError(
                f"{model}.from_ranges ranges[0] {text!r} covers no quantity above 0; start "
                "the table with a range such as '1-5' (or '0-5')."
            )
        try:
            tiers.append(Tier(last, *prices))
        except BadPriceError as error:
            raise BadPriceError(f"{model}.from_ranges ranges[{index}]: {error}") from None
        previous_text, previous_end = text, last
    if previous_end is not None and tiers:
        raise BadPriceError(
            f"{model}.from_ranges ranges[{len(tiers) - 1}] {previous_text!r} is the last range "
            f"but is closed; end the table with an open range such as '{previous_end + 1}+' "
            "so that every quantity has a price."
        )
    return tiers


def _graduated_lines(
    tiers: tuple[Tier, ...], quantity: Decimal, flat_at_zero: bool
) -> tuple[TierLine, ...]:
    lines = []
    lower = ZERO
    for index, tier in enumerate(tiers):
        if not (quantity > lower or (index == 0 and flat_at_zero)):
            break
        upper = tier.up_to
        top = quantity if upper is None or quantity < upper else upper
        lines.append(tier._line(index, lower, CONTEXT.subtract(top, lower), flat=True))
        if upper is None or quantity <= upper:
            break
        lower = upper
    if not lines:  # zero usage, first flat fee waived
        lines.append(tiers[0]._line(0, ZERO, ZERO, flat=False))
    return tuple(lines)


def _graduated_amount(tiers: tuple[Tier, ...], quantity: Decimal, flat_at_zero: bool) -> Decimal:
    total = ZERO
    lower = ZERO
    for index, tier in enumerate(tiers):
        if not (quantity > lower or (index == 0 and flat_at_zero)):
            break
        upper = tier.up_to
        top = quantity if upper is None or quantity < upper else upper
        inside = CONTEXT.subtract(top, lower)
        if tier.block is not None:
            inside = Decimal(_blocks(inside, tier.block))
        total = CONTEXT.add(total, CONTEXT.add(CONTEXT.multiply(tier.unit, inside), tier.flat))
        if upper is None or quantity <= upper:
            break
        lower = upper
    return total


def _marginal(model: PriceModel, quantity: Number, added: Number) -> Decimal:
    base = to_decimal(quantity)
    return CONTEXT.subtract(
        model.amount(CONTEXT.add(base, to_decimal(added, "added quantity"))), model.amount(base)
    )


def _tiers_repr(tiers: tuple[Tier, ...]) -> str:
    return "[" + ", ".join(map(repr, tiers)) + "]"


# -- breakdown lines --------------------------------------------------------------------


@typing.final
@attrs.frozen(kw_only=True)
class TierLine:
    """One line of a price breakdown: the part of a quantity priced in one tier.

    ``label`` names the tier (``"tiers[1]"``, ``"per unit"``, ``"free units"``);
    ``lower`` and ``upper`` are its bounds ``(lower, upper]`` (``upper`` ``None`` when open,
    ``lower`` ``None`` for models without tiers); ``quantity`` is the quantity priced here,
    ``unit`` the price per unit (or per block), ``block`` and ``blocks`` the block size and
    the number of started blocks when the tier prices blocks, ``flat`` the fixed fee charged
    on this line and ``amount`` the line's exact amount. The amounts of a model's lines add
    up to its amount. ``str(line)`` reads as the arithmetic.

    Example:
        >>> import ratekit as rk
        >>> line = rk.Volume([rk.Tier(5, "1.00"), rk.Tier(None, "0.80", flat=2)]).explain(7)[0]
        >>> print(line)
        tiers[1] (5, ∞): 7 * 0.80 + 2 flat = 7.60
        >>> line.amount
        Decimal('7.60')
    """

    label: str
    """What the line prices: ``"tiers[0]"``, ``"per unit"``, ``"flat fee"``, …"""
    lower: Decimal | None
    """The tier's lower bound (excluded), or ``None`` for a model without tiers."""
    upper: Decimal | None
    """The tier's upper bound (included), or ``None`` when open."""
    quantity: Decimal
    """The quantity priced on this line."""
    unit: Decimal
    """The price per unit, or per started block when ``block`` is set."""
    flat: Decimal = ZERO
    """The fixed fee charged on this line (0 when none or waived)."""
    block: Decimal | None = None
    """The block size when the line prices started blocks."""
    blocks: int | None = None
    """The number of started blocks, when the line prices blocks."""
    amount: Decimal
    """The line's exact amount."""

    def __repr__(self) -> str:
        return f"TierLine({str(self)!r})"

    def __str__(self) -> str:
        head = self.label
        if self.lower is not None:
            head += f" ({self.lower}, {_text(self.upper)}{')' if self.upper is None else ']'}"
        if self.block is not None:
            plural = "" if self.blocks == 1 else "s"
            body = f"{self.quantity} in {self.blocks} block{plural} of {self.block} * {self.unit}"
        else:
            body = f"{self.quantity} * {self.unit}"
        if self.flat:
            body += f" + {self.flat} flat"
        return f"{head}: {body} = {self.amount}"


# -- the protocol -----------------------------------------------------------------------


@typing.runtime_checkable
class PriceModel(Protocol):
    """What rating needs from a price model; implement it to add your own.

    ``amount(quantity)`` is the exact, unrounded amount for a quantity; ``explain``
    returns :class:`TierLine` values whose amounts add up to it; ``marginal(quantity,
    added)`` is ``amount(quantity + added) - amount(quantity)``; ``linear`` is true only
    when the amount is proportional to the quantity (rating then prices each usage piece
    on its own; otherwise it prices the cycle's total and allocates it back). Rating
    passes quantities as :class:`~decimal.Decimal`.

    Example:
        A price with a cap: 0.05 per unit, at most 20 per cycle.

        >>> from decimal import Decimal
        >>> import ratekit as rk
        >>> class Capped:
        ...     linear = False
        ...     def amount(self, quantity: Decimal) -> Decimal:
        ...         return min(Decimal("0.05") * quantity, Decimal(20))
        ...     def explain(self, quantity: Decimal) -> tuple[rk.TierLine, ...]:
        ...         amount = self.amount(quantity)
        ...         return (rk.TierLine(label="capped at 20", lower=None, upper=None,
        ...                             quantity=quantity, unit=Decimal("0.05"), amount=amount),)
        ...     def marginal(self, quantity: Decimal, added: Decimal) -> Decimal:
        ...         return self.amount(quantity + added) - self.amount(quantity)
        >>> model: rk.PriceModel = Capped()
        >>> model.amount(Decimal(1000)), model.marginal(Decimal(390), Decimal(20))
        (Decimal('20'), Decimal('0.50'))
    """

    @property
    def linear(self) -> bool:
        """True only when ``amount(a + b) == amount(a) + amount(b)`` for all quantities."""
        ...

    def amount(self, quantity: Decimal, /) -> Decimal:
        """The exact, unrounded amount for ``quantity``."""
        ...

    def explain(self, quantity: Decimal, /) -> tuple[TierLine, ...]:
        """The breakdown of ``amount(quantity)``, line by line."""
        ...

    def marginal(self, quantity: Decimal, added: Decimal, /) -> Decimal:
        """``amount(quantity + added) - amount(quantity)``."""
        ...


# -- the models -------------------------------------------------------------------------


@typing.final
@attrs.frozen(repr=False)
class PerUnit:
    """A price per unit: ``amount(q) = rate * q``, the only linear built-in model.

    Negative quantities are accepted and give negative amounts: they are compensating
    corrections (a refund of bytes counted twice), and a per-unit price is the one model
    where a correction can be priced on its own. O(1).

    Example:
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

    def __repr__(self) -> str:
        return f"PerUnit({str(self.rate)!r})"

    def amount(self, quantity: Number) -> Decimal:
        """``rate * quantity``, exact.

        Example:
            >>> import ratekit as rk
            >>> rk.PerUnit("0.09").amount("1.5")
            Decimal('0.135')
        """
        return CONTEXT.multiply(self.rate, _quantity(quantity, "PerUnit", negative=True))

    def explain(self, quantity: Number) -> tuple[TierLine, ...]:
        """One line: the quantity times the rate.

        Example:
            >>> import ratekit as rk
            >>> print(*rk.PerUnit("0.09").explain(3))
            per unit: 3 * 0.09 = 0.27
        """
        quantity = _quantity(quantity, "PerUnit", negative=True)
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

        Example:
            >>> import ratekit as rk
            >>> rk.PerUnit("0.09").marginal(1000, 10)
            Decimal('0.90')
        """
        _quantity(quantity, "PerUnit", negative=True)
        return CONTEXT.multiply(self.rate, to_decimal(added, "added quantity"))


@typing.final
@attrs.frozen(repr=False)
class Flat:
    """A fixed fee per billing cycle, whatever the usage (zero included).

    ``Flat(amount)`` keeps the fee as :attr:`fee` (``amount`` is the method every model
    has). ``amount(quantity)`` is the fee for any quantity, so ``marginal`` is always 0.
    Prorating the fee over a partial cycle is the plan's job, not the model's: the plan
    reads :attr:`fee`.

    Example:
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

    def __repr__(self) -> str:
        return f"Flat({str(self.fee)!r})"

    def amount(self, quantity: Number) -> Decimal:
        """The fee, for any quantity (the quantity is checked to be a number).

        Example:
            >>> import ratekit as rk
            >>> rk.Flat(10).amount(5)
            Decimal('10')
        """
        _quantity(quantity, "Flat", negative=True)
        return self.fee

    def explain(self, quantity: Number) -> tuple[TierLine, ...]:
        """One line: the fee.

        Example:
            >>> import ratekit as rk
            >>> print(*rk.Flat(10).explain(5))
            flat fee: 5 * 0 + 10 flat = 10
        """
        quantity = _quantity(quantity, "Flat", negative=True)
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

        Example:
            >>> import ratekit as rk
            >>> rk.Flat(10).marginal(5, 100)
            Decimal('0')
        """
        _quantity(quantity, "Flat", negative=True)
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
    zero. Negative quantities raise :class:`~ratekit.BadQuantityError`.

    The tiers are :class:`Tier` values (or mappings or tuples of their fields): at least
    one, bounds strictly increasing, the last one open (``up_to=None``). Build one from
    inclusive integer ranges with :meth:`from_ranges`. ``amount`` is O(number of tiers).

    Example:
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
        same tier); each next range starts right after the previous one ends; gaps,
        overlaps and a closed last range are rejected.

        Example:
            >>> import ratekit as rk
            >>> rk.Graduated.from_ranges([("1-5", "0.10"), ("6-10", "0.08"), ("11+", "0.05")])
            Graduated([Tier(up_to='5', unit='0.10'), Tier(up_to='10', unit='0.08'), Tier(unit='0.05')])
        """
        return cls(_ranges_to_tiers("Graduated", ranges), flat_at_zero=flat_at_zero)

    @property
    def linear(self) -> bool:
        """False: the price per unit changes with the quantity (cycle totals are priced)."""
        return False

    def __repr__(self) -> str:
        extra = "" if self.flat_at_zero else ", flat_at_zero=False"
        return f"Graduated({_tiers_repr(self.tiers)}{extra})"

    def amount(self, quantity: Number) -> Decimal:
        """The sum over the tiers the quantity reaches, exact.

        Example:
            >>> import ratekit as rk
            >>> rk.Graduated([rk.Tier(100, "0"), rk.Tier(None, "2", block=50)]).amount(101)
            Decimal('2')
        """
        return _graduated_amount(self.tiers, _quantity(quantity, "Graduated"), self.flat_at_zero)

    def explain(self, quantity: Number) -> tuple[TierLine, ...]:
        """One line per tier the quantity reaches (the first tier alone at zero).

        Example:
            >>> import ratekit as rk
            >>> for line in rk.Graduated([rk.Tier(5, "0.10"), rk.Tier(None, "0.05")]).explain(7):
            ...     print(line)
            tiers[0] (0, 5]: 5 * 0.10 = 0.50
            tiers[1] (5, ∞): 2 * 0.05 = 0.10
        """
        return _graduated_lines(self.tiers, _quantity(quantity, "Graduated"), self.flat_at_zero)

    def marginal(self, quantity: Number, added: Number) -> Decimal:
        """What ``added`` units cost on top of ``quantity``: ``amount(q + a) - amount(q)``.

        Example:
            >>> import ratekit as rk
            >>> rk.Graduated([rk.Tier(5, "0.10"), rk.Tier(None, "0.05")]).marginal(4, 2)
            Decimal('0.15')
        """
        return _marginal(self, quantity, added)


@typing.final
@attrs.frozen(repr=False)
class Volume:
    """Volume tiers: the tier that contains the whole quantity prices all of it.

    The quantity ``q`` selects the tier with ``lower < q <= up_to`` (a quantity exactly
    on a bound selects the lower tier; zero selects the first), and that tier prices every
    unit, or every started block, plus its ``flat`` fee. With ``flat_at_zero`` (the
    default) zero usage is charged the first tier's flat fee; with ``flat_at_zero=False``
    it costs nothing. Unlike :class:`Graduated`, the amount may drop when the quantity
    crosses a bound. Negative quantities raise :class:`~ratekit.BadQuantityError`. The
    tier table follows the same rules as :class:`Graduated`'s. O(number of tiers).

    Example:
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

    @classmethod
    def from_ranges(
        cls, ranges: Iterable[Sequence[typing.Any]], *, flat_at_zero: bool = True
    ) -> Volume:
        """Build the tiers from inclusive integer ranges (see :meth:`Graduated.from_ranges`).

        Example:
            >>> import ratekit as rk
            >>> rk.Volume.from_ranges([("1-10", 8), ("11-50", 6), ("51+", 5)]).amount(51)
            Decimal('255')
        """
        return cls(_ranges_to_tiers("Volume", ranges), flat_at_zero=flat_at_zero)

    @property
    def linear(self) -> bool:
        """False: the tier, hence the unit price, depends on the cycle's total."""
        return False

    def __repr__(self) -> str:
        extra = "" if self.flat_at_zero else ", flat_at_zero=False"
        return f"Volume({_tiers_repr(self.tiers)}{extra})"

    def _select(self, quantity: Decimal) -> tuple[int, Decimal]:
        lower = ZERO
        for index, tier in enumerate(self.tiers):
            if tier.up_to is None or quantity <= tier.up_to:
                return index, lower
            lower = tier.up_to
        raise AssertionError("unreachable: the last tier is open")  # pragma: no cover

    def amount(self, quantity: Number) -> Decimal:
        """The selected tier's price for the whole quantity, exact.

        Example:
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

        Example:
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

        Example:
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
    ``Package(size, amount, free)`` keeps the package price as :attr:`price` (``amount`` is
    the method every model has). The breakdown has two lines when ``free`` is set (the
    free units, then the packages). Negative quantities raise
    :class:`~ratekit.BadQuantityError`. O(1).

    Example:
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

    def __repr__(self) -> str:
        extra = f", free={str(self.free)!r}" if self.free else ""
        return f"Package({str(self.size)!r}, {str(self.price)!r}{extra})"

    def amount(self, quantity: Number) -> Decimal:
        """The price of the started packages above the free units, exact.

        Example:
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

        Example:
            >>> import ratekit as rk
            >>> print(*rk.Package(1000, "0.50").explain(2001))
            packages (0, ∞): 2001 in 3 blocks of 1000 * 0.50 = 1.50
        """
        quantity = _quantity(quantity, "Package")
        lines = []
        if self.free:
            lines.append(
                TierLine(
                    label="free units",
                    lower=ZERO,
                    upper=self.free,
                    quantity=min(quantity, self.free),
                    unit=ZERO,
                    amount=ZERO,
                )
            )
        billable = max(CONTEXT.subtract(quantity, self.free), ZERO)
        if billable or not self.free:
            blocks = _blocks(billable, self.size)
            lines.append(
                TierLine(
                    label="packages",
                    lower=self.free,
                    upper=None,
                    quantity=billable,
                    unit=self.price,
                    block=self.size,
                    blocks=blocks,
                    amount=CONTEXT.multiply(self.price, Decimal(blocks)),
                )
            )
        return tuple(lines)

    def marginal(self, quantity: Number, added: Number) -> Decimal:
        """``amount(q + a) - amount(q)``: a package price when ``a`` starts new packages.

        Example:
            >>> import ratekit as rk
            >>> rk.Package(1000, "0.50").marginal(1000, 1), rk.Package(1000, "0.50").marginal(1001, 1)
            (Decimal('0.50'), Decimal('0.00'))
        """
        return _marginal(self, quantity, added)
