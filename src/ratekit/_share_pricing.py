"""Pricing by shares of a whole: a peak's aggregate, and a group under several prices, one a volume price.

Private to the rating engine, through `ratekit._pricing._Pricing`, which takes
`_SharePricing` as its base. Where a piece's amount depends on the whole of the cycle
rather than on the pieces before it, each piece's price prices the whole, and the piece
takes its share of that amount: the pieces of a meter that does not add up (a peak:
`price_shares`), and a group whose plan prices its meter by the total under several
prices, one a `Volume` (`by_shares`, `price_by_shares`). A price's pieces take their
shares rounded once (`ratekit._peak_amounts.share_of`), so they add up to its amount.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

from ._decimals import ZERO, nearest
from ._exact_prices import exact_above, exact_aggregate
from ._peak_amounts import share_of
from ._pieces import (
    Exact,
    GroupKey,
    _exact_billable,
    _group_value,
    _Piece,
    _plus,
    _row_value,
    _sort_key,
    _value_by,
)
from .prices import PriceModel, Volume
from .usage import UsageRow

if typing.TYPE_CHECKING:
    from ._bases import _Opener


class _SharePricing:
    """The amounts of pieces priced by shares, for the pricing that provides this state."""

    ends: dict[GroupKey, Exact]
    # Per (id(plan), meter): whether its groups are priced by shares (see by_shares).
    shared: dict[tuple[int, str], bool]
    openers: dict[tuple[object, ...], _Opener]  # the first piece of each group
    factors: dict[tuple[int, str], object]  # meter unit to price unit, per entry
    outside: list[tuple[UsageRow, Fraction]]  # a peak's parts no non-linear price prices

    def start(self, group: GroupKey, members: list[_Piece]) -> Exact:
        raise NotImplementedError  # pragma: no cover - provided by `_Pricing`

    def below_zero(self, members: list[_Piece], total: Decimal) -> None:
        raise NotImplementedError  # pragma: no cover - provided by `_Pricing`

    def guard(
        self,
        piece: _Piece,
        price: PriceModel,
        position: Decimal | None,
        billable: Decimal,
        *,
        at: Decimal | None = None,
        by: Callable[[Decimal], Decimal] | None = None,
    ) -> Decimal:
        raise NotImplementedError  # pragma: no cover - provided by `_Pricing`

    def by_shares(self, piece: _Piece) -> bool:
        """Whether ``piece``'s plan prices its meter by the total under several prices, one a `Volume`.

        Then a group's pieces may come under more than one of them (a price change inside
        the cycle), and a volume price's amount on top of usage another price priced is
        the price of nothing (it reprices the units before at its own rates: 8 GB at 1
        then 8 GB under a new price of 2, 0.25 past 10 GB, came to 8 - 12 = -4): such
        groups are priced by shares. O(e) for the plan's e entries, once per plan and
        meter.
        """
        key = (id(piece.plan), piece.row.meter)
        known = self.shared.get(key)
        if known is None:
            prices = {
                id(entry.price): entry.price
                for entry in piece.plan.entries
                if entry.meter == key[1] and not entry.price.linear
            }
            known = self.shared[key] = len(prices) > 1 and any(
                type(price) is Volume for price in prices.values()
            )
        return known

    def price_by_shares(self, group: GroupKey, members: list[_Piece]) -> None:
        """Price a group's pieces by their share of the cycle's total, each under its price.

        A piece under price ``p`` costs its billable quantity's share of what ``p``
        prices the group's whole quantity ``W`` at (less its amount at zero: the base is
        charged on its own): ``billable / W x (amount_p(W) - amount_p(0))``, nothing
        while ``W`` is at or below zero. So a volume price changed inside the cycle
        costs each price's amount of the cycle's total for the share of it that price
        priced, as a peak priced under two prices does (`price_shares()`), and its
        breakdown is that share of the whole's tier (``Charge.whole``); under one price,
        its amount of the total. A price's pieces take their shares as a peak's do
        (`ratekit._peak_amounts.share_of`): they add up to its amount of their part of the total, rounded
        once. ``W`` counts the cycle's usage before the span (``placed``); the pieces
        rated then were priced at the total known then. Each
        piece depends on the total, so the streaming rater rates the group again whole
        (`price_group` raises `ratekit._pricing.Crossed` for a carried group) rather than
        on from a carried quantity. O(p + k) for p pieces and k prices.
        """
        position = self.start(group, members)
        billables = [_exact_billable(piece) for piece in members]
        total = position
        for billable in billables:
            total = _plus(total, billable)
        whole = nearest(total)
        above: dict[int, Fraction] = {}  # per price: amount(W) - amount(0)
        # per price: the billable quantity of its pieces so far and the units they took
        taken: dict[int, tuple[Exact, int]] = {}
        for piece, billable in zip(members, billables, strict=True):
            piece.before = position
            piece.position = nearest(position)
            position = _plus(position, billable)
            piece.after = nearest(position)
            piece.whole = whole
            if whole <= 0:
                piece.amount = ZERO
                continue
            price = piece.entry.price
            share = above.get(id(price))
            if share is None:
                top = self.guard(piece, price, ZERO, whole, at=whole)
                base = self.guard(piece, price, ZERO, whole, at=ZERO)
                share = above[id(price)] = exact_above(price, Fraction(total), top, base)
            # the pieces so far take their part of the price's amount rounded once, so
            # that its pieces add up to it: 0.25 and 2.75 hours of a whole of 3 priced 4
            # take 1/3 and 11/3, together 4 (each rounded apart, 4.000...0003)
            before, units = taken.get(id(price), (ZERO, 0))
            before = _plus(before, billable)
            piece.amount, units = share_of(share, Fraction(before) / Fraction(total), units)
            taken[id(price)] = (before, units)
        self.ends[group] = total
        if whole < 0:
            self.below_zero(members, whole)

    def price_shares(self, shares: list[tuple[_Piece, Fraction, Fraction]]) -> None:
        """Price the pieces of meters that do not add up (a peak), by a non-linear price.

        Such a meter's rows share the cycle's aggregate in proportion to time, so the
        pieces of one account, meter and metering cycle (whatever plan or entry prices
        them) are one aggregate. Each piece's price prices the whole aggregate ``W``
        (the billable quantities of the pieces its ``group_by`` groups together, in every
        plan and regime), and the piece takes its part of it: ``billable / W x
        (amount(W) - amount(0))`` (the base is charged on its own), exact. So a peak
        priced under two prices in a cycle costs each price's amount of the whole peak
        for that price's share of the cycle, in whichever order they come; under one
        price, its amount of the peak. ``shares`` pairs each piece with its billable
        quantity in its row's unit (before any price's own unit), exact, and as ``W``
        counts it.

        ``W`` is the aggregate itself, never one rebuilt from a rounded share: it adds
        the shares as metering cut them (``F(b) - F(a)``, which telescope to the
        aggregate), less the exact free parts; a share's exact value (4375/27 of
        1,000,000 seats for 7 minutes of April) beside the others' cut ones would make
        ``W`` 1000000.000...01 and choose the tier above a bound the peak lies on. A
        built-in model prices the ratio ``W`` stands for (a mean's rows are rounded at
        their 60th digit: `exact_aggregate`), exactly. Each piece's part is its exact
        billable quantity out of all of theirs, so the parts take all of the amount,
        rounded once. O(p log p + p g) for p pieces and g ``group_by`` values.
        """
        families: dict[tuple[str, str, int, int], list[tuple[_Piece, Fraction, Fraction]]] = {}
        for piece, billable, counted in shares:
            row = piece.row
            key = (row.account, row.meter, row.cycle.start_us, row.cycle.end_us)
            families.setdefault(key, []).append((piece, billable, counted))
        # The parts of the aggregate no non-linear price prices (a linear price's, or where
        # the account has no plan or the plan no entry) are part of W all the same: a peak
        # of 7 priced for half the cycle costs half the price of 7, never the price of 3.5.
        others: dict[tuple[str, str, int, int], list[tuple[UsageRow, Fraction]]] = {}
        for row, billable in self.outside:
            key = (row.account, row.meter, row.cycle.start_us, row.cycle.end_us)
            if key in families:
                others.setdefault(key, []).append((row, billable))
        priced: dict[tuple[int, Fraction], Fraction] = {}
        for family, members in families.items():
            members.sort(key=lambda member: _sort_key(member[0]))
            rest = others.get(family, ())
            # Per group_by value: W, what the parts are parts of, how many shares W adds.
            totals: dict[tuple[str | None, object], tuple[Fraction, Fraction, int]] = {}
            # Per group and price, the billable quantity of the pieces so far and the
            # amount they took (see `ratekit._peak_amounts.share_of`): the pieces add up to the price's amount.
            taken: dict[tuple[str | None, object, int, Decimal], tuple[Fraction, int]] = {}
            for piece, billable, _ in members:
                entry, row = piece.entry, piece.row
                value = _group_value(piece)
                group = (row.account, id(piece.plan), piece.cycle[0], row.meter, value)
                self.openers.setdefault(group, piece)
                by = entry.group_by
                found = totals.get((by, value))
                if found is None:
                    outside = [c for r, c in rest if _row_value(r, by) == value]
                    mine = [(b, c) for p, b, c in members if _value_by(p, by) == value]
                    out, n = sum(outside, Fraction(0)), len(mine) + len(outside)
                    cut, mine_exact = sum(c for _, c in mine), sum(b for b, _ in mine)
                    found = totals[by, value] = (cut + out, mine_exact + out, n)
                total, parts, count = found
                factor = self.factors[id(entry), row.unit] if entry.unit is not None else 1
                assert isinstance(factor, (Fraction, int))
                exact = exact_aggregate(total, count) * factor
                whole = nearest(total * factor)
                piece.whole = whole
                price = entry.price
                above = priced.get((id(price), exact))
                if above is None:
                    top = self.guard(piece, price, ZERO, whole, at=whole)
                    base = self.guard(piece, price, ZERO, whole, at=ZERO)
                    above = priced[id(price), exact] = exact_above(price, exact, top, base)
                if not total or not parts:
                    piece.amount = ZERO
                    continue
                share = (by, value, id(price), whole)
                before, units = taken.get(share, (Fraction(0), 0))
                piece.amount, units_after = share_of(above, (before + billable) / parts, units)
                taken[share] = (before + billable, units_after)
