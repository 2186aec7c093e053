"""Rating's step 4: each piece's amount, linear or by its group's total, with a running quantity.

Private to the rating engine (`ratekit._rating_engine._Engine` takes it as a mixin, like
`_Allowances` and `_Dues`). A linear price prices a piece on its own; any other price
prices the pieces of a group (account, plan, cycle, meter, ``group_by`` value) in order,
each the marginal amount on top of those before it, with one ``amount()`` per piece for
the models whose marginal is a difference of amounts (`_RUNNING`). The streaming rater
may start a group from a carried quantity (``carry``): what stood at its last statement.
The pieces whose amount depends on the cycle's whole (a peak's, a group under several
prices one a volume price) are priced by shares of it, by its base `_SharePricing`
(`ratekit._share_pricing`).

A group's running quantity is kept exact (`Exact`: a Decimal summed without rounding, or
a Fraction once a pro-rated allowance that does not terminate in decimal makes part of
a piece free), and each price is handed `ratekit._decimals.nearest` of it: rounding
happens once, where a quantity is priced, never in the sum. So corrections and
allowances that net a group to exactly zero price it at zero (a rounding residue such
as ``4E-60`` would start a whole package, select a tier, and lie below the smallest
magnitude the price's door accepts), and every quantity rating hands a price is one
its door accepts.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Container, Mapping
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Final

from ._allowances import place
from ._anomalies import placed
from ._bases import _Opener
from ._cuts import apart_at_once
from ._decimals import CONTEXT, ZERO, nearest
from ._dues import _exact as _decimal
from ._exact_prices import residue
from ._instants import format_us
from ._level_limits import LIMIT, level_words
from ._peak_amounts import price_in_turn, share_of
from ._pieces import (
    Exact,
    GroupKey,
    Place,
    _below_range,
    _exact_billable,
    _group_value,
    _left,
    _Piece,
    _plus,
    _sort_key,
)
from ._price_model import failed, not_a_price
from ._share_pricing import _SharePricing
from ._shown import show
from .errors import BadQuantityError, RatekitError, UnitError
from .percentages import GraduatedPercentage, Percentage
from .policies import Meter
from .prices import Graduated, Package, PerUnit, PriceModel, Volume
from .records import Anomaly
from .units import Unit
from .usage import UsageRow

if typing.TYPE_CHECKING:
    from .pricebook import PriceEntry

__all__ = ["Crossed", "Exact", "GroupKey", "Place", "_Piece", "_Pricing"]

_ADD = CONTEXT.add
_SUB = CONTEXT.subtract
_MUL = CONTEXT.multiply
#: Models whose marginal(q, a) is exactly amount(q + a) - amount(q) (see prices._marginal).
_RUNNING: Final = frozenset({Graduated, Volume, Package, GraduatedPercentage, Percentage})
_UNKNOWN: Final = object()


class Crossed(Exception):  # noqa: N818 - a signal between private parts, never raised to users
    """A piece sorts at or before where its group's carried running amount stands.

    Raised by `_Engine.price` when ``carry`` holds the group: the caller rates the
    group again whole (see `ratekit._rater_reuse`).
    """


def _priced(piece: _Piece, billable: Decimal) -> str:
    """What a piece's pricing is, for the errors of its price model."""
    row = piece.row
    return (
        f"price entry {show(piece.entry.id)} of plan {show(piece.plan.id)}, pricing {billable} "
        f"{row.unit} of meter {show(row.meter)} for account {show(row.account)}"
    )


def _amounts(price: PriceModel) -> Callable[[Decimal], Decimal]:
    """``price.amount`` for the running quantity of one group: a Graduated price's climbs.

    Its tiers passed are summed once, not again for every piece (see
    `ratekit._graduated.Climb`), to the same Decimal.
    """
    return price._climbing() if type(price) is Graduated else price.amount


class _Pricing(_SharePricing):
    """The amounts of pieces, for the rating engine that provides this state."""

    # Per group priced by its total, a running amount to start from: the place of the
    # last piece priced before and the quantity up to it (for prices without a base
    # only: the streaming rater prices what is new after what stands); the groups
    # priced, their pieces in order; and per group, the quantity after its pieces.
    carry: dict[GroupKey, tuple[Place, Exact]]
    groups: dict[GroupKey, list[_Piece]]
    ends: dict[GroupKey, Exact]
    placed: dict[GroupKey, Exact]  # per group, where its usage before the span left it
    openers: dict[tuple[object, ...], _Opener]  # the first piece of each group
    factors: dict[tuple[int, str], object]  # meter unit to price unit, per entry
    #: The Continuous meters priced by a cycle's quantity, when rate() knows the meters:
    #: a quantity refused there says the level that reached it (see _level_limits).
    levels: Mapping[str, Meter] = MappingProxyType({})
    peaks: frozenset[str]  # the meters whose quantity does not add up (see price_shares)
    # the meters whose rows are sums of samples (`ratekit._allowance_flows`)
    samples: frozenset[str] = frozenset()
    outside: list[tuple[UsageRow, Fraction]]  # a peak's parts no non-linear price prices
    anomalies: list[Anomaly]

    def price(self, pieces: list[_Piece]) -> None:
        groups = self.groups
        peaks = self.peaks
        apart: dict[GroupKey, list[_Piece]] = {}
        linear_shares: list[_Piece] = []  # a peak's pieces under a linear price
        # Each piece of a peak under a non-linear price, with its billable quantity in its
        # row's unit (before any price's own unit): exact (its share's exact value, where
        # it is cut: `exact_share`), and as the aggregate counts it (see price_shares).
        shares: list[tuple[_Piece, Fraction, Fraction]] = []
        for piece in pieces if peaks else ():
            if piece.row.meter in peaks:
                free = piece.free_exact or Fraction(piece.free)
                counted = Fraction(piece.quantity) - free
                if piece.entry.price.linear:
                    self.outside.append((piece.row, counted))
                    linear_shares.append(piece)
                else:
                    exact = piece.exact
                    payable = counted if exact is None else exact - free
                    shares.append((piece, payable, counted))
        # What a piece's entry says (its unit, price, whether linear, its group_by) is
        # read once per run of pieces of one entry (rating's come so: a resource's rows
        # under one entry), not again for each piece.
        entry: PriceEntry | None = None
        unit = group_by = None
        price = typing.cast("PriceModel", None)  # (read with the first entry)
        linear = False
        for piece in pieces:
            if piece.entry is not entry:
                entry = piece.entry
                unit, price, group_by = entry.unit, entry.price, entry.group_by
                linear = price.linear
            if unit is not None:
                self.convert(piece)
            billable = _SUB(piece.quantity, piece.free) if piece.free else piece.quantity
            if linear:
                if type(price) is PerUnit:  # (a peak's: again with its aggregate's, below)
                    piece.amount = _per_unit(price.rate, piece, billable)
                else:  # the billable quantity, exact, as the nearest number represented
                    inexact = piece.free_exact or piece.exact is not None
                    if inexact or (piece.free and _below_range(billable)):
                        billable = nearest(_exact_billable(piece))
                    piece.amount = self.guard(piece, price, None, billable)
                continue
            row = piece.row
            value = None if group_by is None else _group_value(piece)
            key = (row.account, id(piece.plan), piece.cycle[0], row.meter, value)
            # A peak's pieces are priced by price_shares, not by a running quantity.
            (apart if row.meter in peaks else groups).setdefault(key, []).append(piece)
        for group, members in groups.items():
            self.price_group(group, members)
        self.price_shares(shares)
        price_in_turn(linear_shares)

    def price_group(self, group: GroupKey, members: list[_Piece]) -> None:
        """Price a group's pieces in order, each on top of those before it.

        The order is `ratekit._pieces._sort_key()`'s, the one corrections take back
        units in: in time, an instant's usage before its corrections, so the pieces of
        one instant move the running quantity by their net whatever their resources'
        names; the usage of one instant under several prices climbs together, each piece
        taking its share of every tier it climbs through (`price_together`).

        The running quantity is exact (see the module); each price gets the nearest
        number ratekit represents to it (`ratekit._decimals.nearest`). A group whose
        plan prices its meter by the total under several prices, one of them a volume
        price, is priced by shares (`price_by_shares()`).
        """
        members.sort(key=_sort_key)
        if self.by_shares(members[0]):
            if group in self.carry:  # each piece depends on the total: rated again whole
                raise Crossed(group)
            self.price_by_shares(group, members)
            return
        position = self.start(group, members)
        shown = nearest(position)  # what the price is handed for ``position``
        below = ZERO  # the amount at ``low`` under ``priced_by``
        priced_by: PriceModel | None = None
        amounts: Callable[[Decimal], Decimal] | None = None  # ``priced_by``'s (_amounts)
        ties = _ties(members, _spread(members[0], self.samples))
        i, n = 0, len(members)
        while i < n:
            piece = members[i]
            end = ties.get(i)
            if end is not None and position >= 0:  # one instant's usage priced apart, no deficit
                position = self.price_together(members[i:end], position, shown)
                shown, priced_by, i = nearest(position), None, end
                continue
            i += 1
            piece.before = position
            piece.position = shown
            after = _plus(position, _exact_billable(piece))
            piece.after = shown_after = nearest(after)
            # A correction nets against the cycle's usage, whatever their order: the
            # running quantity is priced where it is at zero or above (``low`` to
            # ``high``), so the group's pieces add up to the price of its total.
            low = shown if shown > 0 else ZERO
            high = shown_after if shown_after > 0 else ZERO
            # The amount at zero is the group's base, charged on its own (due without
            # usage): each piece carries the marginal amount on top of those before it.
            price = piece.entry.price
            if type(price) in _RUNNING:
                # marginal(q, a) is amount(q + a) - amount(q) for these models: a running
                # amount prices each piece with one amount(), not two.
                if price is not priced_by:
                    amounts = _amounts(price)
                top = self.guard(piece, price, low, _SUB(high, low), at=high, by=amounts)
                if price is not priced_by:
                    below = self.guard(piece, price, low, _SUB(high, low), at=low, by=amounts)
                    priced_by = price
                piece.amount = residue(price, position, after, _SUB(top, below))
                below = top
            else:
                piece.amount = self.guard(piece, price, low, _SUB(high, low))
                priced_by = None
            position, shown = after, shown_after
        self.ends[group] = position
        if shown < 0:
            self.below_zero(members, shown)

    def price_together(self, tie: list[_Piece], position: Exact, shown: Decimal) -> Exact:
        """Price the usage of one instant under several prices (`_ties`), climbing together.

        The pieces of one instant use their units at once: as if cut ever finer and
        interleaved, each takes its share of every tier the instant climbs through. A
        piece of billable quantity ``b`` of the instant's ``B``, under price ``p``, costs
        ``b / B x p.marginal(position, B)``; a price's pieces add up to their part of it,
        rounded once (`ratekit._peak_amounts.share_of`). So the instant's amount depends
        on no resource's name, and under one price it is that price's marginal, as taken
        in turn. Returns the group's running quantity after the instant. O(k) for k
        pieces, one ``marginal()`` per price.
        """
        billables = [_exact_billable(piece) for piece in tie]
        total: Exact = ZERO
        for billable in billables:
            total = _plus(total, billable)
        after = _plus(position, total)
        shown_after = nearest(after)
        low = shown if shown > 0 else ZERO
        high = shown_after if shown_after > 0 else ZERO
        climbs: dict[int, Fraction] = {}  # per price: its marginal over the instant
        taken: dict[int, tuple[Exact, int]] = {}  # per price: its pieces' billable, units
        climbed = position
        for piece, billable in zip(tie, billables, strict=True):
            piece.before, piece.position = position, shown
            climbed = _plus(climbed, billable)
            piece.after = nearest(climbed)
            price = piece.entry.price
            climb = climbs.get(id(price))
            if climb is None:
                climb = climbs[id(price)] = Fraction(self.guard(piece, price, low, _SUB(high, low)))
            before, units = taken.get(id(price), (ZERO, 0))
            before = _plus(before, billable)
            piece.amount, units = share_of(climb, Fraction(before) / Fraction(total), units)
            taken[id(price)] = (before, units)
        return after

    def below_zero(self, members: list[_Piece], total: Decimal) -> None:
        """Report a group whose total is below zero: that part is priced at zero."""
        first = members[0]
        row = first.row
        ids = tuple(  # the corrections' records
            dict.fromkeys(i for p in members if p.quantity < 0 for i in p.row.record_ids)
        )
        self.anomalies.append(
            placed(
                "negative_total",
                f"the usage of meter {show(row.meter)} by account {show(row.account)} priced by entry "
                f"{show(first.entry.id)} of plan {show(first.plan.id)} in the cycle "
                f"{format_us(first.cycle[0])}..{format_us(first.cycle[1])} totals {total} "
                f"{first.unit}: corrections exceed the usage they correct, and a price by "
                "total cannot price a quantity below zero; that part is priced at 0 (it "
                "nets against the cycle's usage when that arrives).",
                ids,
                row.account,
                None,  # the group of the account's resources the price totals
                first.cycle[0],
            )
        )

    def start(self, group: GroupKey, members: list[_Piece]) -> Exact:
        """The quantity a group's pieces (in order) are priced on from: zero, or carried.

        Zero, or where the cycle's usage before the span left the group (``placed``).
        Carried (``carry``), the group's first piece must sort after where it stands,
        else `Crossed` is raised.
        """
        carried = self.carry.get(group)
        if carried is None:
            self.openers[group] = members[0]
            return self.placed.get(group, ZERO)
        after, position = carried
        if place(members[0]) <= after:
            raise Crossed(group)
        return position

    def convert(self, piece: _Piece) -> None:
        """Put a piece in its entry's unit (exactly), when the price is stated per another."""
        entry, row = piece.entry, piece.row
        unit = entry.unit
        assert unit is not None
        key = (id(entry), row.unit)
        factor = self.factors.get(key, _UNKNOWN)
        if factor is _UNKNOWN:
            try:
                factor = Unit(row.unit).factor_to(unit)
            except RatekitError as error:
                raise UnitError(
                    f"price entry {show(entry.id)} of plan {show(piece.plan.id)} is stated per "
                    f"{show(entry.unit)}, but usage of meter {show(row.meter)} by account "
                    f"{show(row.account)} (resource {show(row.resource)}) is in {show(row.unit)}: {error}"
                ) from None
            self.factors[key] = factor
        assert isinstance(factor, Fraction)
        piece.unit = unit
        if factor == 1:
            return
        exact = (Fraction(piece.quantity) if piece.exact is None else piece.exact) * factor
        piece.quantity = _decimal(exact)
        # cut: kept exact
        piece.exact = exact if Fraction(piece.quantity) != exact else None
        if piece.free_exact:
            piece.free_exact *= factor
            piece.free = _decimal(piece.free_exact)

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
        """``price.amount(billable)``, ``marginal(position, billable)`` or ``amount(at)``.

        ``by``: what gives ``amount(at)`` instead of ``price.amount`` (see `_amounts`).
        A refusal ([`BadQuantityError`][ratekit.BadQuantityError]) is raised again naming the
        entry, account, cycle and the piece that reached ``position + billable``.
        """
        method = "amount" if at is not None or position is None else "marginal"
        try:
            if at is not None:
                result = (price.amount if by is None else by)(at)
            elif position is None:
                result = price.amount(billable)
            else:
                result = price.marginal(position, billable)
        except BadQuantityError as error:
            row = piece.row
            total = billable if position is None else _ADD(position, billable)
            meter = self.levels.get(row.meter)
            level = (
                ""
                if meter is None or total.copy_abs() < LIMIT
                else level_words(row, meter, piece.cycle)
            )
            raise BadQuantityError(
                f"price entry {show(piece.entry.id)} of plan {show(piece.plan.id)} cannot price "
                f"{total} {piece.unit} of meter {show(row.meter)} for account {show(row.account)} in "
                f"the cycle {format_us(piece.cycle[0])}..{format_us(piece.cycle[1])} "
                f"(reached by {billable} {piece.unit} of resource {show(row.resource)}, records "
                f"{show(list(row.record_ids))}, over {format_us(piece.span.start_us)}.."
                f"{format_us(piece.span.end_us)}): {error}{level}"
            ) from error
        except RatekitError:
            raise
        except Exception as error:  # a model of the user's own (`priced()`)
            raise failed(price, method, error, _priced(piece, billable)) from error
        if type(result) is not Decimal or not result.is_finite():  # as priced() checks
            raise not_a_price(price, method, result, _priced(piece, billable))
        return result


def _per_unit(rate: Decimal, piece: _Piece, billable: Decimal) -> Decimal:
    """A per-unit price's amount for ``piece``, ``billable`` its quantity less its free part.

    Exact until the invoice rounds (0.595, not 0.5949...) when its free part is a
    Fraction; a residue below the range that the rounding of the piece's quantity or free
    part left is handed on as its nearest number (`_left()`), while a billable quantity
    below 1E-30 of a tiny piece (1E-30 calls less a third of 1E-30 free) is priced
    exactly. O(1), or O(digits) with a Fraction.
    """
    if piece.free_exact:
        exact = _exact_billable(piece)
        if not _left(exact, piece):
            return _decimal(Fraction(rate) * Fraction(exact))
        billable = nearest(exact)
    elif piece.free and _left(billable, piece):
        billable = nearest(billable)
    return _MUL(rate, billable)


def _spread(first: _Piece, samples: Container[str]) -> Container[str]:
    """The meter of ``first``'s group where its rows of one span use their units evenly.

    A sum of samples (``samples``) that its plan prices apart at one instant, in time
    order (`ratekit._cuts.apart_at_once`): metering cuts its rows at each delta's instant
    and one microsecond after, at each window's ends (``since``, ``at``) and at each of a
    counter's readings, so a row longer than a microsecond holds windows or a rise spread
    evenly over its span (`ratekit._allowance_flows._runs`). O(e) for the meter's e entries.
    """
    meter = first.row.meter
    return (meter,) if meter in samples and apart_at_once(first.plan, meter) else ()


def _ties(members: list[_Piece], spread: Container[str] = ()) -> dict[int, int]:
    """Where the usage of one instant is priced apart: the index of its first piece, and past its last.

    A run of two pieces or more (in `_sort_key` order) over one span of one microsecond
    (the deltas stamped at its start), or over one span of a meter of ``spread``
    (`_spread`: windows or a counter's rises, used evenly over their rows, which
    metering cuts at each window's ends and each reading, so its rows of one span use
    their units together, as those of one instant do), each of usage left billable, of rows of their own
    (no row's parts moved apart, `ratekit._taken_back`), under more than one price;
    priced together where the group stands at zero or above (a deficit fills in turn). Their order (by resource) is no order in
    time: `_Pricing.price_together` prices them together. O(n).
    """
    found: dict[int, int] = {}
    i, n = 0, len(members)
    while i < n:
        span = members[i].span
        if span.end_us - span.start_us != 1 and members[i].row.meter not in spread:
            i += 1
            continue
        j = i
        while (
            j < n
            and members[j].span == span
            and members[j].quantity > 0
            and _exact_billable(members[j]) > 0
        ):
            j += 1
        tie = members[i:j]
        if (
            j - i > 1
            and len({id(piece.entry.price) for piece in tie}) > 1
            and len({id(piece.row) for piece in tie}) == j - i  # no row's parts moved apart
        ):
            found[i] = j
        i = max(j, i + 1)
    return found
