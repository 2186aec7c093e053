"""Tiers and tier tables: the quantities in ``(previous up_to, up_to]`` and their prices.

A [`Tier`][ratekit.Tier] prices the part of a quantity between the previous tier's bound and its
own; a tier table (a tuple of tiers, checked once by the model that holds it) is what
[`Graduated`][ratekit.Graduated] and [`Volume`][ratekit.Volume] fill or select from. The last
tier may be open (``up_to=None``: every quantity has a price) or bounded, as other
billing systems' catalogs end theirs (Kill Bill: ``(0, 100]`` at 2, ``(100, 1000]`` at 1,
nothing above): a quantity beyond the last bound then raises
[`BadQuantityError`][ratekit.BadQuantityError]. [`TierLine`][ratekit.TierLine] is one line of a price breakdown.

This module also holds the conversions at the door that every price model shares.

Examples:
    >>> import ratekit as rk
    >>> rk.Graduated([rk.Tier(100, 2), rk.Tier(1000, 1)]).amount(150)  # 100 x 2 + 50 x 1
    Decimal('250')
"""

from __future__ import annotations

import bisect
import decimal
import inspect
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TypeAlias

import attrs

from . import _values as _v
from ._caller_objects import read_once
from ._decimals import CONTEXT, ZERO, to_decimal
from ._entry_points import plain_text
from ._shown import show
from .errors import BadPriceError, BadQuantityError, PriceTypeError, RatekitTypeError

__all__ = ["Number", "Tier", "TierLike", "TierLine"]

Number: TypeAlias = Decimal | int | str | float
"""What a quantity or a price may be given as (converted once, at the door)."""


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
        raise BadPriceError(f"{what} must be greater than 0, not {show(str(result))}.")
    return result


def _non_negative(value: Number, what: str) -> Decimal:
    result = _price(value, what)
    if result < 0:
        raise BadPriceError(f"{what} must be 0 or more, not {show(str(result))}.")
    return result


def _quantity(value: Number, model: str, *, negative: bool = False) -> Decimal:
    quantity = to_decimal(value, f"{model} quantity")  # the door checks the range
    if not negative and quantity < 0:
        raise BadQuantityError(
            f"{model} cannot price the negative quantity {show(str(quantity))}: tiered, package and "
            "percentage prices start at 0. Price corrections with PerUnit, or net them "
            "against the cycle's usage before pricing."
        )
    return quantity


def _blocks(quantity: Decimal, block: Decimal) -> int:
    """How many blocks of ``block`` units ``quantity`` starts (partial blocks count)."""
    try:
        whole, rest = CONTEXT.divmod(quantity, block)
    except decimal.InvalidOperation:  # more than 60 digits of blocks
        raise BadQuantityError(
            f"the quantity {show(str(quantity))} holds too many blocks of {block} to count "
            "exactly (more than 60 digits); quantities that large cannot be priced per block."
        ) from None
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


# -- tiers ------------------------------------------------------------------------------


@typing.final
@attrs.frozen(repr=False)
class Tier:
    """One tier of a tier table: the quantities in ``(previous up_to, up_to]``.

    ``up_to`` is the tier's upper bound (included), or ``None`` for the open last tier.
    ``unit`` is the price per unit, or, when ``block`` is given, the price per *started*
    block of ``block`` units: a partial block is charged as a whole one, and blocks are
    counted from the tier's lower bound under [`Graduated`][ratekit.Graduated] (the units
    in the tier), from zero under [`Volume`][ratekit.Volume] (the whole quantity: 13 units
    in blocks of 4 are 4 blocks). ``flat`` is a fixed fee charged once when the
    quantity reaches the tier (for the first tier at zero usage too, unless the model says
    ``flat_at_zero=False``).

    Prices may be negative (a discount tier); ``up_to`` and ``block`` must be greater than
    zero. Numbers are ``int``, ``str``, ``Decimal`` or ``float`` (through its ``repr``).
    The order of the bounds is checked by the model that holds the tiers.

    Examples:
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
                f"Tier up_to must be greater than 0, not {show(str(self.up_to))}; a tier covers "
                "(previous up_to, up_to] and the first starts at 0."
            )
        if self.block is not None and self.block <= 0:
            raise BadPriceError(
                f"Tier block must be greater than 0, not {show(str(self.block))}; it is the number "
                "of units one started block prices, e.g. block=1000."
            )

    @plain_text
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
"""A tier as a [`Tier`][ratekit.Tier], a mapping of its fields, or a tuple ``(up_to, unit, flat, block)``."""


def _tier(item: TierLike) -> Tier:
    if isinstance(item, Tier):
        return item
    if isinstance(item, Mapping):
        inspect.signature(Tier).bind(**item)  # Python's TypeError for other fields: no tier
        return Tier(**item)
    if isinstance(item, Sequence) and not isinstance(item, str):
        inspect.signature(Tier).bind(*item)
        return Tier(*item)
    raise PriceTypeError(
        f"a tier must be a Tier, a mapping of its fields or a tuple "
        f"(up_to, unit, flat, block), not {type(item).__name__}: {show(item)}."
    )


def _tier_table(tiers: Iterable[TierLike]) -> tuple[Tier, ...]:
    if isinstance(tiers, (str, Tier)) or not isinstance(tiers, Iterable):
        raise PriceTypeError(f"tiers must be a sequence of tiers, not {show(tiers)}.")
    table = []
    given = read_once(tiers, "tiers", type(tiers).__name__, "a list of Tier values")
    for index, item in enumerate(given):
        try:
            table.append(_tier(item))
        except PriceTypeError as error:  # a wrong type stays one, named by its place
            raise PriceTypeError(f"tiers[{index}]: {error}") from None
        except BadPriceError as error:
            raise BadPriceError(f"tiers[{index}]: {error}") from None
        except RatekitTypeError as error:
            raise RatekitTypeError(f"tiers[{index}]: {error}") from None
        except TypeError as error:
            raise BadPriceError(
                f"tiers[{index}] {show(item)} is not a tier ({error}); give Tier(up_to, unit, "
                "flat, block), a mapping of those fields or a tuple in that order."
            ) from None
    return tuple(table)


def _check_table(model: str, tiers: tuple[Tier, ...], *, open_last: bool = False) -> None:
    """Bounds strictly increasing, only the last tier open (or bounded), at least one tier.

    With ``open_last`` the last tier must be open (models whose every quantity needs a
    price); otherwise a bounded last tier is accepted and `_check_bound()` refuses
    the quantities above it when pricing.
    """
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
                    f"{model} tiers[{index}] up_to {show(str(tier.up_to))} is not greater than "
                    f"tiers[{index - 1}] up_to {show(str(previous))}; tier bounds must be "
                    "strictly increasing."
                )
    if open_last and tiers[last].up_to is not None:
        raise BadPriceError(
            f"{model} tiers[{last}] (the last tier) has up_to {show(str(tiers[last].up_to))}; "
            "the last tier must be open (up_to=None) so that every quantity has a price: "
            f"append a tier for the quantities above {tiers[last].up_to}."
        )


def _check_flag(model: str, name: str, value: object) -> None:
    """Refuse a flag that is not a bool (``"no"`` is true, and would be taken as such)."""
    if not isinstance(value, bool):
        raise RatekitTypeError(
            f"{model} {name} must be True or False, not {type(value).__name__}: {show(value)}."
        )


def _check_bound(model: str, tiers: tuple[Tier, ...], quantity: Decimal) -> None:
    """Refuse a quantity above a bounded last tier (nothing prices it)."""
    bound = tiers[-1].up_to
    if bound is not None and quantity > bound:
        last = len(tiers) - 1
        lower = ZERO if last == 0 else tiers[last - 1].up_to
        raise BadQuantityError(
            f"{model} cannot price the quantity {show(str(quantity))}: its last tier, "
            f"tiers[{last}] ({lower}, {bound}], ends at {bound} and nothing prices the "
            "quantities above it; add an open tier (up_to=None) if they are allowed."
        )


def _graduated_lines(
    tiers: tuple[Tier, ...], quantity: Decimal, flat_at_zero: bool, floor: Decimal = ZERO
) -> tuple[TierLine, ...]:
    """The lines of a graduated breakdown of ``quantity``: one per tier it reaches.

    ``floor`` (at most ``quantity``) leaves out the tiers that end below it, whose lines
    are the same for every quantity at or above it (each such tier whole, its fee
    charged): what a charge's marginal lines, from a group's quantity before it to after
    it, take the difference of (`ratekit._charge_tiers.marginal_lines`). The lines kept
    are those of the whole breakdown, from the tier that ends at or above ``floor``
    (found by bisection). O(log t + lines) for t tiers.
    """
    lines = []
    start = 0
    lower = ZERO
    if floor > ZERO:
        start = bisect.bisect_left(tiers, min(floor, quantity), hi=len(tiers) - 1, key=_up_to)
        if start:
            lower = typing.cast(Decimal, tiers[start - 1].up_to)
    for index in range(start, len(tiers)):
        if not (quantity > lower or (index == 0 and flat_at_zero)):
            break
        tier = tiers[index]
        upper = tier.up_to
        top = quantity if upper is None or quantity < upper else upper
        lines.append(tier._line(index, lower, CONTEXT.subtract(top, lower), flat=True))
        if upper is None or quantity <= upper:
            break
        lower = upper
    if not lines:  # zero usage, first flat fee waived
        lines.append(tiers[0]._line(0, ZERO, ZERO, flat=False))
    return tuple(lines)


def _up_to(tier: Tier) -> Decimal:
    """A bounded tier's bound (for bisection over every tier but an open last one)."""
    return typing.cast(Decimal, tier.up_to)


def _after_free(
    quantity: Decimal, free: Decimal, label: str, priced: Callable[[Decimal], TierLine]
) -> tuple[TierLine, ...]:
    """A breakdown with a free part: its line (when ``free`` is set), then the rest's.

    The free line covers ``(0, free]`` at 0 and is labelled ``label``; ``priced(billable)``
    gives the line of ``billable = max(quantity - free, 0)``, shown unless it is empty
    after a free part. What [`Package`][ratekit.Package] and [`Percentage`][ratekit.Percentage]
    explain.
    """
    lines = []
    if free:
        lines.append(
            TierLine(
                label=label,
                lower=ZERO,
                upper=free,
                quantity=min(quantity, free),
                unit=ZERO,
                amount=ZERO,
            )
        )
    billable = _billable(quantity, free)
    if billable or not free:
        lines.append(priced(billable))
    return tuple(lines)


def _billable(quantity: Decimal, free: Decimal) -> Decimal:
    """The quantity above the free part, never below zero."""
    return max(CONTEXT.subtract(quantity, free), ZERO)


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

    A line of an aggregate that does not add up (a peak) priced whole and shared among
    prices for their parts of the cycle (see [`Charge`][ratekit.Charge], its ``whole``) keeps
    the tier of the whole aggregate (its ``quantity``, ``unit``, ``flat`` and ``blocks``)
    and says the share: ``part`` of ``whole`` (``None`` both otherwise); its ``amount`` is
    ``part / whole`` of the whole's: ``tiers[0] (0, 5]: 5 * 10 * 5/10 = 25``.

    Examples:
        >>> import ratekit as rk
        >>> line = rk.Volume([rk.Tier(5, "1.00"), rk.Tier(None, "0.80", flat=2)]).explain(7)[0]
        >>> print(line)
        tiers[1] (5, ∞): 7 * 0.80 + 2 flat = 7.60
        >>> line.amount
        Decimal('7.60')
    """

    label: str = attrs.field(validator=_v.name)
    """What the line prices: ``"tiers[0]"``, ``"per unit"``, ``"flat fee"``, …"""
    lower: Decimal | None = attrs.field(converter=_v.optional_number, validator=_v.optional_numeric)
    """The tier's lower bound (excluded), or ``None`` for a model without tiers."""
    upper: Decimal | None = attrs.field(converter=_v.optional_number, validator=_v.optional_numeric)
    """The tier's upper bound (included), or ``None`` when open."""
    quantity: Decimal = attrs.field(converter=_v.number, validator=_v.numeric)
    """The quantity priced on this line."""
    unit: Decimal = attrs.field(converter=_v.number, validator=_v.numeric)
    """The price per unit, or per started block when ``block`` is set."""
    flat: Decimal = attrs.field(default=ZERO, converter=_v.number, validator=_v.numeric)
    """The fixed fee charged on this line (0 when none or waived)."""
    block: Decimal | None = attrs.field(
        default=None, converter=_v.optional_number, validator=_v.positive
    )
    """The block size when the line prices started blocks."""
    blocks: int | None = attrs.field(default=None, validator=_v.optional_integer)
    """The number of started blocks, when the line prices blocks."""
    amount: Decimal = attrs.field(converter=_v.number, validator=_v.numeric)
    """The line's exact amount."""
    part: Decimal | None = attrs.field(
        default=None, converter=_v.optional_number, validator=_v.optional_numeric
    )
    """For a share of an aggregate priced whole: the share's quantity (else ``None``)."""
    whole: Decimal | None = attrs.field(
        default=None, converter=_v.optional_number, validator=_v.positive
    )
    """For a share of an aggregate priced whole: the aggregate (else ``None``)."""

    @plain_text
    def __repr__(self) -> str:
        return f"TierLine({str(self)!r})"

    @plain_text
    def __str__(self) -> str:
        return arithmetic(self, CONTEXT.to_sci_string)  # not the caller's capitals


def arithmetic(
    line: TierLine,
    number: Callable[[Decimal], str],
    *,
    quantity: Decimal | None = None,
    flat: Decimal | None = None,
    amount: Decimal | None = None,
    part: Decimal | None = None,
    whole: Decimal | None = None,
) -> str:
    """A tier line as its arithmetic, each number written by ``number``.

    The part priced per unit (or per started block) comes first, then the flat fee:
    ``+ 2 flat``, ``- 3 flat`` when the fee is negative (a discount), or the fee alone
    when no quantity is priced (a price's base at zero usage: ``-3 flat = -3``, not
    ``0 * 2 + -3 flat``). A negative unit price is parenthesised (``2 * (-0.5)``).
    ``quantity``, ``flat``, ``amount``, ``part`` and ``whole`` replace the line's own (a view rounds
    them for display). A share of an aggregate priced whole ends with ``* part/whole``
    (the whole's arithmetic in brackets when it has a flat fee).

    Examples:
        >>> import ratekit as rk
        >>> base = rk.Volume([rk.Tier(5, 2, flat=-3), rk.Tier(None, 1)]).explain(0)[0]
        >>> arithmetic(base, str)
        'tiers[0] (0, 5]: -3 flat = -3'
    """
    quantity = line.quantity if quantity is None else quantity
    flat = line.flat if flat is None else flat
    amount = line.amount if amount is None else amount
    head = line.label
    if line.lower is not None:
        upper = "∞)" if line.upper is None else f"{number(line.upper)}]"
        head += f" ({number(line.lower)}, {upper}"
    unit = number(line.unit) if line.unit >= 0 else f"({number(line.unit)})"
    body = ""
    if quantity or line.blocks or not flat:  # the fee alone when nothing is priced per unit
        if line.block is not None:
            plural = "" if line.blocks in {1, -1} else "s"
            body = (
                f"{number(quantity)} in {line.blocks} block{plural} of {number(line.block)}"
                f" * {unit}"
            )
        else:
            body = f"{number(quantity)} * {unit}"
    if flat:
        if not body:
            body = f"{number(flat)} flat"
        elif flat < 0:
            body += f" - {number(-flat)} flat"
        else:
            body += f" + {number(flat)} flat"
    if line.whole is not None:
        part = line.part if part is None else part
        whole = line.whole if whole is None else whole
        shared = f"{number(ZERO if part is None else part)}/{number(whole)}"
        body = f"({body}) * {shared}" if flat else f"{body} * {shared}"
    return f"{head}: {body} = {number(amount)}"
