"""The amounts of the pieces of an aggregate that does not add up (a peak, a mean).

A cycle's aggregate is cut into pieces by plan, price regime and description; their
amounts must add up to the price of the whole to the last digit. Under a per-unit price
the pieces of one aggregate at one rate are priced in turn (`price_in_turn`); under other
models a peak's amount is shared among its pieces (`share_of`). Private to rating
(`ratekit._pricing`).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from ._decimals import ZERO, nearest
from ._dues import _exact as _decimal
from ._pieces import Exact, _exact_billable, _left, _Piece, _sort_key
from ._timed_charges import in_turn
from .prices import PerUnit

__all__ = ["price_in_turn", "share_of"]


def price_in_turn(pieces: list[_Piece]) -> None:
    """Price the pieces of aggregates that do not add up (a peak) under per-unit prices.

    ``pieces``: a peak's pieces under linear prices (those of other linear models keep
    their amounts). The pieces of one aggregate (account, resource, meter and metering
    cycle) at one rate, in one unit and currency, are priced together in order
    (`_sort_key`), whatever plan, entry or price regime prices each: each its exact
    billable quantity (its exact share, less its free part) at the rate, the pieces so
    far rounded once at the 60th digit of their whole's amount
    (`ratekit._timed_charges.in_turn`). So they add up to the rate times their whole to
    the last digit where that terminates within 60 digits (1/31 and 30/31 of 95 GB at
    0.05: 4.75), in a batch as in a rater's statement. A residue below the range that
    rounding left (`ratekit._pieces._left`) is its nearest number, as `ratekit._pricing._per_unit` prices it.
    O(p log p + p x digits) for p pieces.
    """
    aggregates: dict[tuple[str, str, str, int, int, str, str, Decimal], list[_Piece]] = {}
    for piece in pieces:
        price = piece.entry.price
        if type(price) is not PerUnit:
            continue
        row = piece.row
        cycle = row.cycle
        key = (
            row.account,
            row.resource,
            row.meter,
            cycle.start_us,
            cycle.end_us,
            piece.unit,
            piece.plan.currency,
            price.rate,
        )
        aggregates.setdefault(key, []).append(piece)
    for key, members in aggregates.items():
        members.sort(key=_sort_key)
        parts: list[Exact] = []
        for piece in members:
            part = _exact_billable(piece)
            if (piece.free or piece.free_exact) and _left(part, piece):
                part = nearest(part)
            parts.append(part)
        for piece, amount in zip(members, in_turn(key[-1], parts), strict=True):
            if amount != piece.amount:  # (the same number keeps `_per_unit`'s exponent)
                piece.amount = amount


def share_of(amount: Fraction, part: Fraction, units_before: int) -> tuple[Decimal, int]:
    """A piece's share of a peak's ``amount``, such that the shares add up to it exactly.

    ``part`` is the fraction of the ``amount`` the pieces so far (this one included) take,
    and ``units_before`` what those before it took, in units of ``amount``'s 60th
    significant digit. The pieces so far take ``part x amount`` rounded half-even to that
    digit, once; this piece takes that less what the pieces before it took. So the shares
    of a peak priced whole add up to its amount, to the last digit (rounded apart, each at
    its own 60th digit, they could leave a residue such as 5.99...97 for 6, which a line
    rounded down bills as 5.99). Returns the piece's amount and the units taken so far.
    O(digits).
    """
    if not amount:
        return ZERO, 0
    exponent = _decimal(amount).adjusted() - 59
    scaled = part * amount / Fraction(10) ** exponent
    units = round(scaled)  # half-even, exactly
    taken = units - units_before
    return _decimal(Fraction(taken) * Fraction(10) ** exponent), units
