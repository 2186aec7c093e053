"""Rating: usage rows and plans in, charges with their provenance out.

:func:`rate` prices each usage row under the plan its account had at the time:

1. Each row is cut where the account's plan changes, at the plan's cycle boundaries and
   wherever the winning price entry of its meter changes (rows that metering cut at the
   plan's ``cuts`` need no cutting; a row given whole is split in proportion to time,
   telescoping, so the pieces add up to the row exactly).
2. Each piece is priced by the highest-priority entry in effect whose selector matches
   the resource's description.
3. An allowance makes the first units of a cycle free, in time order.
4. A **linear** price (:class:`~ratekit.PerUnit`) prices each piece on its own. Any other
   price (graduated, volume, package, flat) prices the cycle's total quantity per
   account, plan and meter (or per resource, or per value of a description attribute:
   the entry's ``group_by``), and gives each piece, in time order, the **marginal**
   amount of its quantity on top of those before it: ``amount(before + q) -
   amount(before)`` (the first piece also carries ``amount(0)``, a flat fee charged at
   zero usage). The pieces of a group therefore add up exactly to the amount of the
   group's total.
5. Recurring fees, then minimum commitments, are added per account, plan and cycle,
   prorated to the part of the cycle the plan covers inside the rated span.

Amounts are exact (no rounding here): invoices round each printed line once.

Example:
    >>> import ratekit as rk
    >>> months = rk.cycles.monthly(tz="UTC")
    >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    >>> row = rk.UsageRow("acme", "vm.hours", "vm-1", rk.Span("2026-03-10T00:00:00Z", "2026-03-20T00:00:00Z"),
    ...                   march, 240, "hour", {"flavor": "small"}, ("e1", "e2"))
    >>> plan = rk.Plan("standard", "EUR", months, [
    ...     rk.PriceEntry("small", "vm.hours", rk.PerUnit("0.10")),
    ...     rk.PriceEntry("small-2", "vm.hours", rk.PerUnit("0.12"), start="2026-03-15T00:00:00Z", priority=1),
    ... ])
    >>> for charge in rk.rate([row], plan, span=march).charges:
    ...     print(charge.entry, charge.quantity, charge.unit_price, charge.amount)
    small 120 0.10 12.00
    small-2 120 0.12 14.40
"""

from __future__ import annotations

import bisect
import datetime as _dt
import functools
import itertools
import typing
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Final, Literal

import attrs

from ._decimals import CONTEXT, ONE, ZERO, in_context
from ._decimals import tidy as _tidy
from ._instants import MAX_US, MIN_US, format_us, to_us
from .errors import BadQuantityError, RatekitTypeError, UnpricedUsageError
from .metering import meter
from .policies import Meter
from .pricebook import Assignment, Plan, PriceEntry, _assignments_by_account, _winner
from .prices import PerUnit, PriceModel, TierLine
from .records import Anomaly, Event, Inventory, Sample
from .spans import Span
from .usage import Usage, UsageRow

__all__ = ["Charge", "Rating", "rate"]

ChargeKind = Literal["usage", "fee", "minimum"]

_SPLIT_QUANTUM: Final = Decimal("1e-24")
_ADD = CONTEXT.add
_SUB = CONTEXT.subtract
_MUL = CONTEXT.multiply
_KIND_ORDER: Final = {"usage": 0, "fee": 1, "minimum": 2}
_NO_DESCRIPTION: Final[Mapping[str, object]] = {}


@typing.final
@attrs.frozen(repr=False)
class Charge:
    """An exact amount, with everything needed to explain it.

    - ``kind``: ``"usage"`` (a piece of a usage row), ``"fee"`` (a recurring fee) or
      ``"minimum"`` (the top-up of a minimum commitment).
    - ``account``, ``meter``, ``resource``: who, what, which (``meter`` is the fee's id for
      a fee, the meter or ``None`` for a minimum; ``resource`` is ``None`` for both).
    - ``span``, ``cycle``: the piece of time and the billing cycle it belongs to.
    - ``quantity``, ``unit``: the usage priced (for a fee: the share of the cycle, in
      ``"cycle"``); ``free``: the part of it an allowance covered.
    - ``amount``: the exact, unrounded amount, in ``currency``.
    - ``plan``, ``entry``: the ids of the plan and of the price entry (or fee) that priced
      it; ``unit_price``: the price per unit for a linear price or a fee, else ``None``
      (see :attr:`tiers`).
    - ``description``, ``record_ids``, ``row``: the resource's attributes in force, the ids
      of the records behind the charge and the usage row it comes from.
    - ``price``, ``position``, ``opens``: the price model, the group's quantity before this
      piece and whether the piece opens its group (it then carries ``amount(0)``), from
      which :attr:`tiers` is computed; ``quantum`` and ``rounding``: the plan's rounding,
      which invoices apply.

    Example:
        >>> import ratekit as rk
        >>> from decimal import Decimal
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"),
        ...                [rk.PriceEntry("egress", "egress", rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.09")]))])
        >>> row = rk.UsageRow("acme", "egress", "ip-1", march, march, 25, "GB", {}, ("s1",))
        >>> charge = rk.rate([row], plan, span=march).charges[0]
        >>> charge
        Charge('acme', 'egress', 'ip-1', '2026-03-01T00:00:00Z'..'2026-04-01T00:00:00Z', 25 GB, 1.35 EUR, entry='egress')
        >>> for line in charge.tiers:
        ...     print(line)
        tiers[0] (0, 10]: 10 * 0 = 0
        tiers[1] (10, ∞): 15 * 0.09 = 1.35
    """

    account: str
    meter: str | None
    resource: str | None
    span: Span
    cycle: Span
    quantity: Decimal
    unit: str
    amount: Decimal
    currency: str
    plan: str
    entry: str | None
    unit_price: Decimal | None
    free: Decimal = ZERO
    kind: ChargeKind = "usage"
    row: UsageRow | None = attrs.field(default=None, eq=False)
    price: PriceModel | None = attrs.field(default=None, eq=False)
    position: Decimal | None = attrs.field(default=None, eq=False)
    opens: bool = attrs.field(default=False, eq=False)
    quantum: Decimal = attrs.field(default=Decimal("0.01"), eq=False)
    rounding: str = attrs.field(default="ROUND_HALF_EVEN", eq=False)

    def __repr__(self) -> str:
        return (
            f"Charge({self.account!r}, {self.meter!r}, {self.resource!r}, "
            f"{format_us(self.span.start_us)!r}..{format_us(self.span.end_us)!r}, "
            f"{self.quantity} {self.unit}, {self.amount} {self.currency}, entry={self.entry!r}"
            + (f", kind={self.kind!r}" if self.kind != "usage" else "")
            + (f", free={self.free}" if self.free else "")
            + ")"
        )

    @property
    def description(self) -> Mapping[str, object]:
        """The resource's attributes in force over the charge's span (empty for fees)."""
        return _NO_DESCRIPTION if self.row is None else self.row.description

    @property
    def record_ids(self) -> tuple[str, ...]:
        """The ids of the records behind the charge (empty for fees and minimums)."""
        return () if self.row is None else self.row.record_ids

    @property
    def billable(self) -> Decimal:
        """The quantity the price applied to: ``quantity - free``."""
        return _SUB(self.quantity, self.free)

    @property
    def tiers(self) -> tuple[TierLine, ...]:
        """The tier lines this charge crossed, whose amounts add up to :attr:`amount`.

        For a linear price, the breakdown of the billable quantity; for a tiered one, the
        part of the group's breakdown that this piece added on top of the pieces before it.
        Empty for fees and minimums.
        """
        if self.price is None:
            return ()
        billable = self.billable
        if self.position is None:
            return tuple(self.price.explain(billable))
        after = self.price.explain(_ADD(self.position, billable))
        if self.opens:
            return tuple(after)
        before = {line.label: line for line in self.price.explain(self.position)}
        out = []
        for line in after:
            old = before.get(line.label)
            if old is None:
                out.append(line)
                continue
            quantity = _SUB(line.quantity, old.quantity)
            amount = _SUB(line.amount, old.amount)
            if quantity or amount:
                out.append(
                    attrs.evolve(
                        line,
                        quantity=quantity,
                        amount=amount,
                        flat=_SUB(line.flat, old.flat),
                        blocks=None if line.blocks is None else line.blocks - (old.blocks or 0),
                    )
                )
        return tuple(out)


@typing.final
@attrs.frozen(repr=False)
class Rating:
    """What :func:`rate` returns: the charges, the anomalies, and the usage rows rated.

    ``charges`` are ordered by account, cycle, kind (usage, fees, minimums), meter,
    resource and time; ``anomalies`` hold metering's (when records were given) and
    rating's own (usage no entry prices, under a plan that reports it).

    Example:
        >>> import ratekit as rk
        >>> rk.rate([], rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), []),
        ...         span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"))
        Rating(0 charges, 0 anomalies)
    """

    charges: tuple[Charge, ...]
    """The charges, in a stable order."""
    anomalies: tuple[Anomaly, ...]
    """What was odd: metering's anomalies, then unpriced usage."""
    rows: tuple[UsageRow, ...] = attrs.field(default=(), eq=False)
    """The usage rows that were rated."""

    def __repr__(self) -> str:
        charges = "charge" if len(self.charges) == 1 else "charges"
        anomalies = "anomaly" if len(self.anomalies) == 1 else "anomalies"
        return f"Rating({len(self.charges)} {charges}, {len(self.anomalies)} {anomalies})"

    def total(self, account: str | None = None) -> Decimal:
        """The exact sum of the charges (of one account), unrounded. O(n).

        Example:
            >>> import ratekit as rk
            >>> rk.rate([], rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), []),
            ...         span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")).total()
            Decimal('0')
        """
        total = ZERO
        for charge in self.charges:
            if account is None or charge.account == account:
                total = _ADD(total, charge.amount)
        return total


# -- splitting rows ------------------------------------------------------------------------


def _split(
    quantity: Decimal, start_us: int, end_us: int, cuts: Sequence[int]
) -> list[tuple[int, int, Decimal]]:
    """Cut ``[start_us, end_us)`` at ``cuts`` (inside it, ascending), sharing ``quantity``.

    The quantity is shared in proportion to time, telescoping, so the parts add up to it
    exactly.
    """
    duration = end_us - start_us
    out = []
    previous_t = start_us
    previous_f = ZERO
    for t in (*cuts, end_us):
        if t == end_us:
            f = quantity
        else:
            f = CONTEXT.divide(_MUL(quantity, t - start_us), duration).quantize(
                _SPLIT_QUANTUM, context=CONTEXT
            )
        out.append((previous_t, t, _tidy(_SUB(f, previous_f))))
        previous_t, previous_f = t, f
    return out


def _prorate(amount: Decimal, share: tuple[int, int]) -> Decimal:
    """``amount * numerator / denominator``: exact whenever the result is."""
    numerator, denominator = share
    if numerator == denominator:
        return amount
    return _tidy(CONTEXT.divide(_MUL(amount, numerator), denominator))


# -- price regimes -------------------------------------------------------------------------


class _Regimes:
    """The candidate entries of one meter of one plan, between successive cuts."""

    __slots__ = ("bounds", "candidates", "keys", "winners")

    def __init__(self, plan: Plan, meter_name: str, start_us: int, end_us: int) -> None:
        cuts = plan.cuts_us(meter_name, start_us, end_us)
        self.bounds = [start_us, *cuts, end_us]
        entries = plan.entries_of(meter_name)
        self.candidates: list[list[PriceEntry]] = []
        for lo in self.bounds[:-1]:
            active = [entry for entry in entries if entry.active_us(lo, lo + 1)]
            active.sort(key=lambda entry: -entry.priority)
            self.candidates.append(active)
        # The winner depends only on the regime and on the values of the attributes that
        # some selector reads: cache it by those.
        self.keys = tuple(sorted({key for entry in entries for key, _ in entry.where}))
        self.winners: dict[tuple[object, ...], PriceEntry | None] = {}

    def cuts_inside(self, start_us: int, end_us: int) -> list[int]:
        bounds = self.bounds
        i = bisect.bisect_right(bounds, start_us)
        j = bisect.bisect_left(bounds, end_us)
        return bounds[i:j]

    def winner(self, t_us: int, description: Mapping[str, object]) -> PriceEntry | None:
        index = bisect.bisect_right(self.bounds, t_us) - 1 if len(self.bounds) > 2 else 0
        return self.winner_in(index, description)

    def winner_in(self, index: int, description: Mapping[str, object]) -> PriceEntry | None:
        """The winning entry in regime ``index`` for a resource so described."""
        keys = self.keys
        if len(keys) == 1:
            key: tuple[object, ...] = (index, description.get(keys[0], _MISSING))
        else:
            key = (index, *[description.get(name, _MISSING) for name in keys])
        try:
            return self.winners[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable attribute value: no cache
            return _first_match(self.candidates[index], description)
        found = self.winners[key] = _first_match(self.candidates[index], description)
        return found


def _first_match(
    candidates: list[PriceEntry], description: Mapping[str, object]
) -> PriceEntry | None:
    """The highest-priority candidate that matches (candidates sorted by priority, high first)."""
    for index, entry in enumerate(candidates):
        if entry.matches(description):
            tied = [
                other
                for other in candidates[index:]
                if other.priority == entry.priority and other.matches(description)
            ]
            return _winner(tied, entry.meter, description)
    return None


_MISSING: Final = object()


# -- the rating engine ---------------------------------------------------------------------


class _Piece:
    """A piece of a usage row under one plan, one cycle and one entry (mutable, private)."""

    __slots__ = (
        "amount",
        "cycle",
        "entry",
        "free",
        "opens",
        "order",
        "plan",
        "position",
        "quantity",
        "row",
        "span",
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
    ) -> None:
        self.row = row
        self.span = span
        self.quantity = quantity
        self.plan = plan
        self.cycle = cycle
        self.entry = entry
        self.order = order
        self.free = ZERO
        self.amount = ZERO
        self.position: Decimal | None = None
        self.opens = False


def _sort_key(piece: _Piece) -> tuple[int, int, str, int]:
    return (piece.span.start_us, piece.span.end_us, piece.row.resource, piece.order)


def _row_key(row: UsageRow) -> tuple[object, ...]:
    return (
        row.account,
        row.meter,
        row.resource,
        row.span.start_us,
        row.span.end_us,
        row.quantity,
        row.record_ids,
    )


def _cycle_span(cache: dict[tuple[int, int], Span], bounds: tuple[int, int]) -> Span:
    span = cache.get(bounds)
    if span is None:
        span = cache[bounds] = Span.from_us(*bounds)
    return span


class _Engine:
    def __init__(
        self,
        plans: Plan | Iterable[Assignment],
        span: Span,
    ) -> None:
        self.start_us = span.start_us
        self.end_us = span.end_us
        if isinstance(plans, Plan):
            self.default: Plan | None = plans
            self.assignments: dict[str, list[tuple[int, int, Plan]]] = {}
            self.plans = [plans]
        else:
            if not isinstance(plans, Iterable):
                raise RatekitTypeError(
                    "rate plans must be a Plan or an iterable of Assignment values, not "
                    f"{type(plans).__name__}: {plans!r}."
                )
            self.default = None
            self.assignments = _assignments_by_account(plans)
            seen: dict[int, Plan] = {}
            for items in self.assignments.values():
                for _, _, plan in items:
                    seen.setdefault(id(plan), plan)
            self.plans = list(seen.values())
        self.regimes: dict[tuple[int, str], _Regimes] = {}
        self.cycle_spans: dict[tuple[int, int], Span] = {}
        self.anomalies: list[Anomaly] = []
        self.direct: list[Charge] = []  # charges of linear pieces priced on the spot

    # -- plans and regimes ---------------------------------------------------------------

    def plans_of(self, account: str) -> list[tuple[int, int, Plan]]:
        if self.default is not None:
            return [(MIN_US, MAX_US, self.default)]
        return self.assignments.get(account, [])

    def regimes_of(self, plan: Plan, meter_name: str) -> _Regimes:
        key = (id(plan), meter_name)
        regimes = self.regimes.get(key)
        if regimes is None:
            regimes = self.regimes[key] = _Regimes(plan, meter_name, self.start_us, self.end_us)
        return regimes

    def cuts(self, meters: Iterable[str]) -> dict[str, list[int]]:
        """Per meter, every instant where a plan, a cycle or a price regime may change."""
        lo, hi = self.start_us, self.end_us
        common: set[int] = set()
        for items in self.assignments.values():
            for a, b, _ in items:
                common.update(t for t in (a, b) if lo < t < hi)
        first_cycle = self.plans[0].cycle if self.plans else None
        for plan in self.plans:
            if plan.cycle != first_cycle:
                common.update(plan.cycle.boundaries_us(lo, hi))
        out = {}
        for name in meters:
            instants = set(common)
            for plan in self.plans:
                instants.update(plan.cuts_us(name, lo, hi))
            out[name] = sorted(instants)
        return out

    # -- step 1 and 2: pieces --------------------------------------------------------------

    def pieces(self, rows: Iterable[UsageRow]) -> list[_Piece]:
        lo, hi = self.start_us, self.end_us
        out: list[_Piece] = []
        append = out.append
        order = 0
        default = self.default
        direct = self.direct
        fast: dict[str, tuple[_Regimes, bool, dict[tuple[int, int], PriceEntry | None]]] = {}
        cycle_lo = cycle_hi = 0
        cycle: tuple[int, int] = (0, 0)
        cycle_span = Span.from_us(0, 0)
        for row in rows:
            span = row.span
            start, end = span.start_us, span.end_us
            if default is not None and lo <= start < end <= hi:
                # The common case: one plan, and the row inside one regime and one cycle.
                known = fast.get(row.meter)
                if known is None:
                    allowed = any(a.meter == row.meter for a in default.allowances)
                    known = fast[row.meter] = (self.regimes_of(default, row.meter), allowed, {})
                regimes, allowed, winners = known
                bounds = regimes.bounds
                index = bisect.bisect_right(bounds, start)
                if end <= bounds[index]:
                    if not cycle_lo <= start < end <= cycle_hi:
                        cycle = default.cycle.containing_us(start)
                        cycle_lo, cycle_hi = cycle
                        cycle_span = _cycle_span(self.cycle_spans, cycle)
                    if end <= cycle_hi:
                        # Rows share their descriptions (metering shares equal ones), and
                        # the rows keep them alive: the winner is cached by identity.
                        description = row.description
                        found = winners.get((index, id(description)), _MISSING)
                        if found is _MISSING:
                            found = winners[index, id(description)] = regimes.winner_in(
                                index - 1, description
                            )
                        entry = typing.cast("PriceEntry | None", found)
                        if entry is not None:
                            price = entry.price
                            if type(price) is PerUnit and not allowed:
                                # Priced on the spot: no allowance, no aggregation.
                                direct.append(
                                    Charge(
                                        row.account,
                                        row.meter,
                                        row.resource,
                                        span,
                                        cycle_span,
                                        row.quantity,
                                        row.unit,
                                        _MUL(price.rate, row.quantity),
                                        default.currency,
                                        default.id,
                                        entry.id,
                                        price.rate,
                                        ZERO,
                                        "usage",
                                        row,
                                        price,
                                        None,
                                        False,
                                        default.quantum,
                                        default.rounding,
                                    )
                                )
                                continue
                            append(_Piece(row, span, row.quantity, default, cycle, entry, order))
                            order += 1
                            continue
            for part in self.clip(row):
                order = self.price_part(row, part, out, order)
        return out

    def clip(self, row: UsageRow) -> list[tuple[int, int, Decimal]]:
        """The part of a row inside the rated span (split in proportion to time)."""
        lo, hi = self.start_us, self.end_us
        start, end = row.span.start_us, row.span.end_us
        if start == end:
            return [(start, end, row.quantity)] if lo <= start < hi else []
        if end <= lo or start >= hi:
            return []
        if start < lo or end > hi:
            cuts = [t for t in (lo, hi) if start < t < end]
            return [p for p in _split(row.quantity, start, end, cuts) if lo <= p[0] < hi]
        return [(start, end, row.quantity)]

    def price_part(
        self, row: UsageRow, part: tuple[int, int, Decimal], out: list[_Piece], order: int
    ) -> int:
        start, end, quantity = part
        segments = self.plans_of(row.account)
        index = bisect.bisect_right(segments, start, key=lambda item: item[1]) if segments else 0
        if index >= len(segments) or segments[index][0] > start:
            raise UnpricedUsageError(
                f"usage of meter {row.meter!r} by account {row.account!r} (resource "
                f"{row.resource!r}) from {format_us(start)} has no plan: the account has "
                "no plan assigned at that instant; assign it one with rk.Assignment(...)."
            )
        _, b, plan = segments[index]
        if end <= b or start == end:
            sub = [(start, end, quantity, plan)]
        else:
            cut_list = [s for s, _, _ in segments[index + 1 :] if s < end] + [
                e for _, e, _ in segments[index:] if e < end
            ]
            sub = []
            for p_start, p_end, p_quantity in _split(quantity, start, end, sorted(set(cut_list))):
                found = [seg for seg in segments if seg[0] <= p_start < seg[1]]
                if not found:
                    raise UnpricedUsageError(
                        f"usage of meter {row.meter!r} by account {row.account!r} (resource "
                        f"{row.resource!r}) from {format_us(p_start)} has no plan: the account "
                        "has no plan assigned at that instant; assign it one with "
                        "rk.Assignment(...)."
                    )
                sub.append((p_start, p_end, p_quantity, found[0][2]))
        for p_start, p_end, p_quantity, p_plan in sub:
            regimes = self.regimes_of(p_plan, row.meter)
            cuts = set(regimes.cuts_inside(p_start, p_end))
            cycle = p_plan.cycle.containing_us(p_start)
            if p_end > cycle[1]:
                cuts.update(p_plan.cycle.boundaries_us(p_start, p_end))
            if cuts:
                pieces = _split(p_quantity, p_start, p_end, sorted(cuts))
            else:
                pieces = [(p_start, p_end, p_quantity)]
            for q_start, q_end, q_quantity in pieces:
                entry = regimes.winner(q_start, row.description)
                if q_start >= cycle[1]:
                    cycle = p_plan.cycle.containing_us(q_start)
                if entry is None:
                    self.unpriced(row, p_plan, q_start, q_end, q_quantity)
                    continue
                span = (
                    row.span
                    if q_start == row.span.start_us and q_end == row.span.end_us
                    else Span.from_us(q_start, q_end)
                )
                out.append(_Piece(row, span, q_quantity, p_plan, cycle, entry, order))
                order += 1
        return order

    def unpriced(self, row: UsageRow, plan: Plan, start: int, end: int, quantity: Decimal) -> None:
        message = (
            f"usage of meter {row.meter!r} by account {row.account!r} (resource "
            f"{row.resource!r}, {quantity} {row.unit}) over {format_us(start)}.."
            f"{format_us(end)} has no price in plan {plan.id!r}: no entry of that meter "
            f"is in effect for a resource described by {dict(row.description)!r}"
        )
        if plan.unpriced == "error":
            raise UnpricedUsageError(
                message + "; add an entry, or build the plan with unpriced='anomaly' to "
                "report such usage instead."
            )
        self.anomalies.append(Anomaly("unpriced", message + ": not charged.", row.record_ids))

    # -- step 3 and 4: allowances and amounts ----------------------------------------------

    def coverage(self, account: str, plan: Plan, cycle: tuple[int, int]) -> list[tuple[int, int]]:
        """The parts of ``cycle`` inside the rated span where ``account`` has ``plan``."""
        lo = max(cycle[0], self.start_us)
        hi = min(cycle[1], self.end_us)
        return [
            (max(a, lo), min(b, hi))
            for a, b, p in self.plans_of(account)
            if p is plan and max(a, lo) < min(b, hi)
        ]

    def share(self, account: str, plan: Plan, cycle: tuple[int, int]) -> tuple[int, int]:
        """The part of ``cycle`` the account's ``plan`` covers in the span, as a ratio."""
        cycle_span = _cycle_span(self.cycle_spans, cycle)
        numerator, denominator = 0, 1
        for a, b in self.coverage(account, plan, cycle):
            numerator_ab, denominator = plan._share(a, b, cycle_span)
            numerator += numerator_ab
        return numerator, denominator

    def allow(self, pieces: list[_Piece]) -> None:
        groups: dict[tuple[str, int, int, str], list[_Piece]] = {}
        for piece in pieces:
            if any(allowance.meter == piece.row.meter for allowance in piece.plan.allowances):
                key = (piece.row.account, id(piece.plan), piece.cycle[0], piece.row.meter)
                groups.setdefault(key, []).append(piece)
        for (account, _, _, meter_name), members in groups.items():
            plan = members[0].plan
            share = self.share(account, plan, members[0].cycle)
            left = ZERO
            for allowance in plan.allowances:
                if allowance.meter == meter_name:
                    left = _ADD(left, _prorate(allowance.quantity, share))
            left = _tidy(left)
            members.sort(key=_sort_key)
            for piece in members:
                if left <= 0:
                    break
                if piece.quantity > 0:
                    piece.free = min(piece.quantity, left)
                    left = _SUB(left, piece.free)

    def price(self, pieces: list[_Piece]) -> None:
        groups: dict[tuple[object, ...], list[_Piece]] = {}
        for piece in pieces:
            price = piece.entry.price
            billable = _SUB(piece.quantity, piece.free) if piece.free else piece.quantity
            if price.linear:
                if type(price) is PerUnit:
                    piece.amount = _MUL(price.rate, billable)
                else:
                    piece.amount = self.guard(piece, price, None, billable)
                continue
            group_by = piece.entry.group_by
            if group_by is None:
                value: object = None
            elif group_by == "resource":
                value = piece.row.resource
            else:
                value = piece.row.description.get(group_by)
            key = (piece.row.account, id(piece.plan), piece.cycle[0], piece.row.meter, value)
            groups.setdefault(key, []).append(piece)
        for members in groups.values():
            members.sort(key=_sort_key)
            position = ZERO
            first = True
            for piece in members:
                price = piece.entry.price
                billable = _SUB(piece.quantity, piece.free)
                piece.position = position
                if first:
                    piece.opens = True
                    piece.amount = self.guard(piece, price, None, billable)
                    first = False
                else:
                    piece.amount = self.guard(piece, price, position, billable)
                position = _ADD(position, billable)

    @staticmethod
    def guard(
        piece: _Piece, price: PriceModel, position: Decimal | None, billable: Decimal
    ) -> Decimal:
        try:
            if position is None:
                return price.amount(billable)
            return price.marginal(position, billable)
        except BadQuantityError as error:
            row = piece.row
            raise BadQuantityError(
                f"price entry {piece.entry.id!r} of plan {piece.plan.id!r} cannot price "
                f"{_SUB(piece.quantity, piece.free)} {row.unit} of meter {row.meter!r} for "
                f"account {row.account!r} (resource {row.resource!r}, records "
                f"{list(row.record_ids)!r}) over {format_us(piece.span.start_us)}.."
                f"{format_us(piece.span.end_us)}: {error}"
            ) from error

    # -- step 5: charges, fees, minimums ---------------------------------------------------

    def charges(self, pieces: list[_Piece], accounts: Iterable[str]) -> list[Charge]:
        out: list[Charge] = self.direct
        unit_prices: dict[int, Decimal | None] = {}
        cycle_spans = self.cycle_spans
        spent: dict[tuple[str, int, int], dict[str | None, Decimal]] = {}
        default = self.default
        if default is not None and default.minimums:
            for charge in out:
                per_meter = spent.setdefault(
                    (charge.account, id(default), charge.cycle.start_us), {}
                )
                per_meter[charge.meter] = _ADD(per_meter.get(charge.meter, ZERO), charge.amount)
        for piece in pieces:
            entry = piece.entry
            price = entry.price
            unit_price = unit_prices.get(id(entry), ZERO)
            if unit_price is ZERO:
                unit_price = unit_prices[id(entry)] = (
                    (price.rate if type(price) is PerUnit else price.amount(ONE))
                    if price.linear
                    else None
                )
            row = piece.row
            plan = piece.plan
            out.append(
                Charge(
                    row.account,
                    row.meter,
                    row.resource,
                    piece.span,
                    _cycle_span(cycle_spans, piece.cycle),
                    piece.quantity,
                    row.unit,
                    piece.amount,
                    plan.currency,
                    plan.id,
                    entry.id,
                    unit_price,
                    piece.free,
                    "usage",
                    row,
                    price,
                    piece.position,
                    piece.opens,
                    plan.quantum,
                    plan.rounding,
                )
            )
            if plan.minimums:
                per_meter = spent.setdefault((row.account, id(plan), piece.cycle[0]), {})
                per_meter[row.meter] = _ADD(per_meter.get(row.meter, ZERO), piece.amount)
        out.extend(self.fees_and_minimums(accounts, spent))
        out.sort(key=_charge_key)
        return out

    def fees_and_minimums(
        self, accounts: Iterable[str], spent: dict[tuple[str, int, int], dict[str | None, Decimal]]
    ) -> list[Charge]:
        out: list[Charge] = []
        for account in sorted(set(accounts)):
            minimums_done: set[tuple[int, tuple[int, int]]] = set()
            for a, b, plan in self.plans_of(account):
                if not (plan.fees or plan.minimums):
                    continue
                lo, hi = max(a, self.start_us), min(b, self.end_us)
                if hi <= lo:
                    continue
                edges = [lo, *plan.cycle.boundaries_us(lo, hi), hi]
                for p_lo, p_hi in itertools.pairwise(edges):
                    cycle = plan.cycle.containing_us(p_lo)
                    cycle_span = _cycle_span(self.cycle_spans, cycle)
                    part = Span.from_us(p_lo, p_hi)
                    share = plan._share(p_lo, p_hi, cycle_span)
                    out.extend(
                        Charge(
                            account,
                            fee.id,
                            None,
                            part,
                            cycle_span,
                            _prorate(ONE, share),
                            "cycle",
                            _prorate(fee.amount, share),
                            plan.currency,
                            plan.id,
                            fee.id,
                            fee.amount,
                            kind="fee",
                            quantum=plan.quantum,
                            rounding=plan.rounding,
                        )
                        for fee in plan.fees
                    )
                    if plan.minimums and (id(plan), cycle) not in minimums_done:
                        minimums_done.add((id(plan), cycle))
                        spent_here = spent.get((account, id(plan), cycle[0]), {})
                        out.extend(self.minimums(account, plan, cycle, spent_here))
        return out

    def minimums(
        self,
        account: str,
        plan: Plan,
        cycle: tuple[int, int],
        spent: dict[str | None, Decimal],
    ) -> list[Charge]:
        """Top-ups of the minimums of ``plan`` for ``account`` in ``cycle`` (once per cycle)."""
        covered = self.coverage(account, plan, cycle)
        if not covered:
            return []
        share = self.share(account, plan, cycle)
        cycle_span = _cycle_span(self.cycle_spans, cycle)
        span = Span.from_us(covered[0][0], covered[-1][1])
        out = []
        top_ups = ZERO
        ordered = sorted(plan.minimums, key=lambda minimum: minimum.meter is None)
        for minimum in ordered:
            required = _prorate(minimum.amount, share)
            if minimum.meter is None:
                used = _ADD(functools.reduce(_ADD, spent.values(), ZERO), top_ups)
            else:
                used = spent.get(minimum.meter, ZERO)
            if used < required:
                top_up = _SUB(required, used)
                if minimum.meter is not None:
                    top_ups = _ADD(top_ups, top_up)
                out.append(
                    Charge(
                        account,
                        minimum.meter,
                        None,
                        span,
                        cycle_span,
                        _prorate(ONE, share),
                        "cycle",
                        top_up,
                        plan.currency,
                        plan.id,
                        "minimum" if minimum.meter is None else f"minimum:{minimum.meter}",
                        minimum.amount,
                        kind="minimum",
                        quantum=plan.quantum,
                        rounding=plan.rounding,
                    )
                )
        return out


def _charge_key(charge: Charge) -> tuple[object, ...]:
    return (
        charge.account,
        charge.cycle.start_us,
        _KIND_ORDER[charge.kind],
        charge.meter is None,
        charge.meter or "",
        charge.resource or "",
        charge.span.start_us,
        charge.span.end_us,
        charge.entry or "",
        charge.quantity,
        () if charge.row is None else charge.row.record_ids,
    )


Records = Iterable[Event | Sample | Inventory]


@in_context
def rate(
    usage: Usage | Iterable[UsageRow] | Records,
    plans: Plan | Iterable[Assignment],
    *,
    span: Span,
    meters: Iterable[Meter] | None = None,
    as_of: _dt.datetime | str | None = None,
) -> Rating:
    """Rate usage over ``span`` under ``plans``: the charges, with their provenance.

    - ``usage``: usage rows (a :class:`~ratekit.Usage` from :func:`~ratekit.meter`, or any
      iterable of :class:`~ratekit.UsageRow`), or, with ``meters``, the records themselves:
      :func:`~ratekit.meter` is then called with the plans' cycle, ``as_of`` (by default
      the end of ``span``) and the ``cuts`` where prices change, and its anomalies are
      returned with the charges.
    - ``plans``: one :class:`~ratekit.Plan` for every account, or
      :class:`~ratekit.Assignment` values (an account without a plan at some instant is
      an error). Fees and minimums are charged to every assigned account (with a single
      plan: to every account that has usage).
    - ``span``: what to rate; rows are clipped to it (in proportion to time), and fees,
      minimums and allowances are prorated to the part of each cycle inside it.
    - ``as_of``: what is known so far: the span is cut there (a resource still running is
      charged up to ``as_of``, and fees, minimums and allowances are prorated to it).

    Usage no entry prices raises :class:`~ratekit.UnpricedUsageError` naming the meter,
    account, resource and span, or, under a plan built with ``unpriced="anomaly"``, is
    reported as an ``"unpriced"`` anomaly. A price model that refuses a quantity (a
    negative one for a tiered price) raises :class:`~ratekit.BadQuantityError` naming
    the entry, account, resource and records. Charges come out in a stable order,
    whatever the order of the rows or records. Cost: O(n log n) for n rows.

    Example:
        >>> import ratekit as rk
        >>> runtime = rk.Meter("vm.hours", "hour", rk.OnOff())
        >>> records = [
        ...     rk.Event("acme", "vm-1", "2026-03-01T00:00:00Z", {"flavor": "small"}, kind="start", id="e1"),
        ...     rk.Event("acme", "vm-1", "2026-03-03T00:00:00Z", kind="stop", id="e2"),
        ... ]
        >>> plan = rk.Plan("standard", "EUR", rk.cycles.monthly(tz="UTC"),
        ...                [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.10"))], fees=[rk.Fee("support", 30)])
        >>> rating = rk.rate(records, plan, span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
        ...                  meters=[runtime])
        >>> for charge in rating.charges:
        ...     print(charge.kind, charge.entry, charge.quantity, charge.unit, charge.amount)
        usage vm 48 hour 4.80
        fee support 1 cycle 30
    """
    if not isinstance(span, Span):
        raise RatekitTypeError(f"rate span must be a Span, not {type(span).__name__}: {span!r}.")
    if as_of is not None:
        # Nothing is known after as_of: rows, fees, minimums and allowances stop there.
        as_of_us = to_us(as_of, "rate as_of")
        span = Span.from_us(span.start_us, max(span.start_us, min(span.end_us, as_of_us)))
    engine = _Engine(plans, span)
    anomalies: list[Anomaly] = []
    if meters is not None:
        meters = list(meters)
        cycle = engine.plans[0].cycle if engine.plans else None
        metered = meter(
            typing.cast("Records", usage),
            meters,
            span=span,
            cycle=cycle,
            as_of=span.end if as_of is None else as_of,
            cuts=engine.cuts(m.name for m in meters),
        )
        rows: tuple[UsageRow, ...] = metered.rows
        anomalies.extend(metered.anomalies)
    elif isinstance(usage, Usage):
        rows = usage.rows
    else:
        rows = tuple(typing.cast("Iterable[UsageRow]", usage))
        if any(not isinstance(row, UsageRow) for row in rows):
            bad = next(row for row in rows if not isinstance(row, UsageRow))
            raise RatekitTypeError(
                "rate usage must be usage rows, or records with meters=[...], not "
                f"{type(bad).__name__}: {bad!r}."
            )
        rows = tuple(sorted(rows, key=_row_key))
    pieces = engine.pieces(rows)
    engine.allow(pieces)
    engine.price(pieces)
    accounts = {row.account for row in rows} if engine.default is not None else engine.assignments
    charges = engine.charges(pieces, accounts)
    anomalies.extend(engine.anomalies)
    return Rating(tuple(charges), tuple(anomalies), rows)
