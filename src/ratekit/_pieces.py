"""A piece of a usage row under one plan, one cycle and one price entry, as rating prices it.

Rating's engine cuts each row into pieces (`ratekit._rating_engine._Engine.pieces`),
takes their free parts (`ratekit._allowances`) and prices them (`ratekit._pricing`): a
`_Piece` carries what those steps work out (its free part, exact quantities, amount, the
group's running quantity before and after it). Here too: the value a price by group
total groups a piece by (its entry's ``group_by``), a group's order, and a piece's
billable quantity kept exact. Private to rating and the streaming rater.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Final, TypeAlias

from ._allowances import _NOTHING, Place
from ._carried import left_by_rounding
from ._decimals import _SUMS, CONTEXT, MIN_ADJUSTED, ZERO
from ._paths import MISSING, lookup
from ._time_exact import exact_piece
from .pricebook import Plan, PriceEntry
from .spans import Span
from .usage import UsageRow

__all__ = [
    "Exact",
    "GroupKey",
    "Place",
    "_Piece",
    "_below_range",
    "_exact_billable",
    "_group_value",
    "_left",
    "_plus",
    "_row_value",
    "_sort_key",
    "_value_by",
]

#: A group of pieces priced by their total: (account, id(plan), cycle start, meter, value).
GroupKey: TypeAlias = tuple[str, int, int, str, object]
#: An exact quantity: a Decimal summed without rounding, or a Fraction (see `ratekit._pricing`).
Exact: TypeAlias = Decimal | Fraction


class _Piece:
    """A piece of a usage row under one plan, one cycle and one entry (mutable, private)."""

    __slots__ = (
        "after",
        "amount",
        "before",
        "cycle",
        "entry",
        "exact",
        "free",
        "free_exact",
        "opens",
        "order",
        "plan",
        "position",
        "quantity",
        "row",
        "span",
        "unit",
        "whole",
    )

    def __init__(  # noqa: PLR0917 - private plumbing of plain values
        self,
        row: UsageRow,
        span: Span,
        quantity: Decimal,
        plan: Plan,
        cycle: tuple[int, int],
        entry: PriceEntry,
        order: int,
        shared: bool = False,
    ) -> None:
        self.row = row
        self.span = span
        self.quantity = quantity
        self.plan = plan
        self.cycle = cycle
        self.entry = entry
        self.order = order
        self.unit = row.unit
        self.free = ZERO
        self.free_exact = _NOTHING
        # the exact quantity where the one metered is a slice of time (`exact_piece`), or
        # converted to the price's unit where that does not terminate; or the exact share
        # of an aggregate (``shared``: the row's meter does not add up)
        self.exact: Fraction | None = exact_piece(row, span.start_us, span.end_us, quantity, shared)
        self.amount = ZERO
        self.position: Decimal | None = None
        self.before: Exact = ZERO  # the group's exact quantity before it (priced by total)
        self.after: Decimal | None = None  # the group's quantity after it, as priced
        self.opens = False
        # A share of an aggregate that does not add up: the aggregate its price priced.
        self.whole: Decimal | None = None


def _group_value(piece: _Piece) -> object:
    """The value a non-linear price groups a piece by (its entry's ``group_by``)."""
    return _value_by(piece, piece.entry.group_by)


def _value_by(piece: _Piece, group_by: str | None) -> object:
    """The value ``group_by`` (a price entry's) groups a piece by."""
    return _row_value(piece.row, group_by)


class _Flag:
    """A description's ``True`` or ``False`` as a group's value: never the group of 1 or 0.

    ``True == 1`` (and ``hash(True) == hash(1)``), so a bare bool would group with the
    number; a selector tells them apart (``where={"gpu": True}`` does not match 1).
    """

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return type(other) is _Flag and other.value is self.value

    def __hash__(self) -> int:
        return hash((_Flag, self.value))


def _row_value(row: UsageRow, group_by: str | None) -> object:
    """The value ``group_by`` (a price entry's) groups a row's pieces by."""
    if group_by is None:
        return None
    if group_by == "resource":
        return row.resource
    value = lookup(row.description, group_by)
    if type(value) is bool:
        return _Flag(value)
    return None if value is MISSING else value


def _sort_key(piece: _Piece) -> tuple[int, bool, int, str, int]:
    """Where ``piece`` stands in its group: in time, an instant's usage before its corrections.

    The order corrections take back units in (`ratekit._taken_back`) and a price by total
    prices a group in (`ratekit._pricing`): by start (metering cuts a meter's rows at
    each correction's instant, `ratekit._metering_corrections`, so the pieces' starts
    are the records' order); of pieces that start together, usage before corrections,
    whatever their ends (a late row of time that takes back 12:00 to 15:00 takes back
    the hours billed from 12:00); then by end, resource and the row's order. So the
    pieces of one instant (the deltas stamped at it, on any of the account's resources)
    move the group's running quantity by their net: its usage climbs first and its
    corrections come back down from the top, each part at the price of the units it
    takes back, in the order they were taken. Were an instant's
    pieces taken in the resources' order, a refund on "api" would come before a call on
    "api2", take back units the call then billed again under another price, and the
    total would depend on how the resources are named.
    """
    span = piece.span
    return (span.start_us, piece.quantity < 0, span.end_us, piece.row.resource, piece.order)


def _exact_billable(piece: _Piece) -> Exact:
    """A piece's billable quantity, exact: its quantity less its free part's exact value."""
    if piece.exact is not None:  # converted to its price's unit, cut at its 60th digit
        free = piece.free_exact if piece.free_exact is not _NOTHING else Fraction(piece.free)
        return piece.exact - free
    if piece.free_exact is not _NOTHING and piece.free_exact:  # a Fraction's truth is slow
        return Fraction(piece.quantity) - piece.free_exact
    if piece.free:
        return _SUMS.subtract(piece.quantity, piece.free)
    return piece.quantity


def _plus(a: Exact, b: Exact) -> Exact:
    """``a + b``, exact: a Decimal while both are, else a Fraction."""
    if type(a) is Decimal and type(b) is Decimal:
        return _SUMS.add(a, b)
    return Fraction(a) + Fraction(b)


#: The smallest magnitude of an input, as a Fraction (`_below_range()`).
_SMALLEST: Final = Fraction(1, 10**-MIN_ADJUSTED)


def _below_range(billable: Decimal | Fraction) -> bool:
    """Whether ``billable`` is not zero but below the smallest magnitude of an input (1E-30).

    What an allowance leaves of a piece it frees whole but for the rounding of the
    quantities it adds up (means at their 60th digit, say: 2.375 less 2.37499...967) is
    such a residue: handed to the price as the nearest number of the range (0, or
    ±1E-30 from above 5E-31), as every quantity rating computes itself is
    (`ratekit._decimals.nearest`), not priced as an amount of its own (`_left()` tells
    such a residue from a tiny exact part). O(1).
    """
    if isinstance(billable, Decimal):
        return bool(billable) and billable.adjusted() < MIN_ADJUSTED
    return bool(billable) and abs(billable) < _SMALLEST


def _left(billable: Decimal | Fraction, piece: _Piece) -> bool:
    """Whether ``billable``, below 1E-30, is what the rounding of ``piece``'s numbers left.

    `_below_range()`, and within a few places of the 60th digit of the piece's quantity
    or free part (`ratekit._carried.left_by_rounding`): 3E-59 left of 2.375 free, not 6.66...7E-31
    left of 1E-30 calls by a third of 1E-30 free. O(1), or O(digits) with a Fraction.
    """
    if not _below_range(billable):
        return False
    if isinstance(billable, Fraction):
        billable = CONTEXT.divide(Decimal(billable.numerator), Decimal(billable.denominator))
    return left_by_rounding(billable, piece.quantity, piece.free)
