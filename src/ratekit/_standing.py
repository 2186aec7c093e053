"""The spend of the charges that stand, toward a minimum: sums kept as charges come and go.

Private to the streaming rater's reuse (`ratekit._rater_reuse`) and rating's minimums
(`ratekit._dues`). A minimum's top-up depends on its cycle's spend, and no row's charge
on the top-up: a statement can keep the charges of the rows that stand, and count them
in the spend without reading them again. Per (account, id of a plan, cycle start) and
meter, as `_dues.Spent` keys a spend, a `Standing` holds the sums of the charges that
stand: added when a charge is kept, taken out when its row is gone or rated again, and
the charges rated now added to a copy (`merge`), all O(1) per charge.

Rating sums a spend's amounts in its charges' order, in `CONTEXT` (60 digits). Kept
exactly (no digit rounded away), with the number of amounts at each exponent, a
standing sum is that sum, digit for digit, whenever no order of adding them rounds:
when the sum of their magnitudes has 60 digits or fewer at their finest exponent
(`fits`), every partial sum in any order is exact. Else the sum is rounded once, and
the key is *unsure*: the rounded sum decides a top-up's digits only where the
commitment less the exact spend is a decimal that ends (`terminates`), and there
`_dues.minimums` raises `Unsure`, and the rater rates the rows whole (as it does for a
late piece, `ratekit._pricing.Crossed`).
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final, TypeAlias

from ._charge_order import in_charge_order
from ._decimals import CONTEXT, ZERO, own_context
from ._topups import floors as _floors
from .charges import Charge
from .sharing import Share

__all__ = [
    "Kept",
    "Key",
    "Spend",
    "Standing",
    "Table",
    "Unsure",
    "adds_up",
    "count",
    "fits",
    "floors",
    "merge",
    "terminates",
]

_EXACT: Final = own_context(
    prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN, traps=[decimal.Inexact]
)
_DIGITS: Final = CONTEXT.prec

Key: TypeAlias = tuple[str, int, int]
"""Whose spend: (account, id of the plan, start of the cycle), as `_dues.Spent` is kept."""

Spend: TypeAlias = tuple[int, Key, str | None, Decimal, Fraction]
"""What a rating counted of one charge toward a minimum: the id of its row (0: none, a
price's base), its key, its meter, its amount and its exact spend."""

Table: TypeAlias = dict[Key, dict[str | None, "Standing"]]

Kept: TypeAlias = tuple[Table, Sequence[Charge], list[Spend]]
"""What a rating is given of the charges that stand: their spend, they, and a list that it
fills with what it counts (its `Spend` per charge)."""


class Unsure(Exception):  # noqa: N818 - a signal between private parts, never raised to users
    """A top-up whose digits a standing sum's rounding may decide: rate the rows whole."""


class Standing:
    """The exact sums of the amounts and spends of some charges of one key and meter."""

    __slots__ = ("amounts", "count", "exact", "magnitude", "places")

    def __init__(self) -> None:
        self.amounts = ZERO  # exact, at the finest exponent ever added
        self.magnitude = ZERO  # the sum of the amounts' magnitudes, exact
        self.exact = Fraction(0)
        self.places: dict[int, int] = {}  # per exponent, how many amounts have it
        self.count = 0

    def copy(self) -> Standing:
        new = Standing()
        new.amounts, new.magnitude, new.exact = self.amounts, self.magnitude, self.exact
        new.places = self.places.copy()
        new.count = self.count
        return new

    def add(self, amount: Decimal, exact: Fraction) -> None:
        self.amounts = _EXACT.add(self.amounts, amount)
        self.magnitude = _EXACT.add(self.magnitude, _EXACT.abs(amount))
        self.exact += exact
        place = amount.as_tuple().exponent
        assert type(place) is int  # (amounts are finite)
        self.places[place] = self.places.get(place, 0) + 1
        self.count += 1

    def take(self, amount: Decimal, exact: Fraction) -> None:
        """Take out what `add` added (an amount and spend added before)."""
        self.amounts = _EXACT.subtract(self.amounts, amount)
        self.magnitude = _EXACT.subtract(self.magnitude, _EXACT.abs(amount))
        self.exact -= exact
        place = amount.as_tuple().exponent
        assert type(place) is int
        left = self.places[place] - 1
        if left:
            self.places[place] = left
        else:
            del self.places[place]
        self.count -= 1

    def spent(self) -> tuple[Decimal, Fraction, bool]:
        """The amounts' sum as rating adds them in `CONTEXT`, the exact spend, and if sure.

        Sure: every order of adding the amounts gives that sum (see the module); else it
        is the exact sum rounded once.
        """
        finest = min(self.places)
        if fits(self.magnitude, finest):
            return _EXACT.quantize(self.amounts, Decimal((0, (1,), finest))), self.exact, True
        return CONTEXT.plus(self.amounts), self.exact, False


def fits(magnitude: Decimal, finest: int) -> bool:
    """Whether amounts of these magnitudes, none finer than ``finest``, add up exactly in any order."""
    return not magnitude or magnitude.adjusted() - finest < _DIGITS


def adds_up(values: Iterable[Decimal]) -> bool:
    """Whether ``values`` add up exactly in `CONTEXT`, in any order. O(n)."""
    magnitude = ZERO
    finest = 0
    for value in values:
        magnitude = _EXACT.add(magnitude, _EXACT.abs(value))
        place = value.as_tuple().exponent
        assert type(place) is int  # (finite)
        finest = min(finest, place)
    return fits(magnitude, finest)


def terminates(value: Fraction) -> bool:
    """Whether ``value`` is a decimal that ends: its denominator's factors are 2s and 5s."""
    d = value.denominator
    d //= d & -d  # the 2s at once
    while d % 5 == 0:
        d //= 5
    return d == 1


def count(table: Table, spends: Iterable[Spend], *, taken: bool = False) -> None:
    """Add ``spends`` to ``table`` (take them out: ``taken``), dropping what empties."""
    for _, key, meter, amount, exact in spends:
        meters = table.setdefault(key, {})
        standing = meters.get(meter)
        if standing is None:
            standing = meters[meter] = Standing()
        if taken:
            standing.take(amount, exact)
            if not standing.count:
                del meters[meter]
                if not meters:
                    del table[key]
        else:
            standing.add(amount, exact)


def merge(
    spent: dict[Key, dict[str | None, tuple[Decimal, Fraction]]],
    standing: Table,
    spends: Iterable[Spend],
) -> set[Key]:
    """Put in ``spent`` the spend of each key of ``standing`` with the ``spends`` counted now.

    ``spent``: what the rating counted of its own charges, per key (rating's sums); a key
    with charges that stand is replaced by their standing sums and those of the charges
    counted now (``spends``: each of them). Returns the keys whose sum is unsure (see
    the module). O(k + s) for k keys standing and s spends counted now.
    """
    mine: Table = {
        key: {m: s.copy() for m, s in meters.items()} for key, meters in standing.items()
    }
    count(mine, (spend for spend in spends if spend[1] in standing))
    unsure: set[Key] = set()
    for key, meters in mine.items():
        per_meter = spent[key] = {}
        for meter, sums in meters.items():
            amount, exact, sure = sums.spent()
            per_meter[meter] = (amount, exact)
            if not sure:
                unsure.add(key)
    return unsure


def floors(
    charges: list[Charge],
    owned: Mapping[tuple[str, str], Sequence[Share]],
    standing: Sequence[Charge] = (),
) -> list[Charge]:
    """`_topups.floors` of ``charges``, on the lines they make with the charges ``standing``.

    A zero top-up is kept where the lines as billed fall short of its commitment: the
    lines of all the charges, those that stand among them (in rating's order of them
    all). O(n) when no top-up is zero; else O(n log n) for n charges in all.
    """
    if not standing:
        return _floors(charges, owned)
    if not any(charge.kind == "minimum" and not charge.amount for charge in charges):
        return charges
    kept = set(map(id, _floors(in_charge_order([*standing, *charges]), owned)))
    return [charge for charge in charges if id(charge) in kept]
