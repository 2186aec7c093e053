"""Invoices as values: [`Invoice`][ratekit.Invoice] and its [`InvoiceLine`][ratekit.InvoiceLine] rows.

What an invoice holds and how it reads (labels, reprs, the tier breakdown of a line, the
text and HTML views), whatever built it: [`bill()`][ratekit.bill] (in `ratekit.billing`)
groups charges into these values, rounds and allocates their amounts.
"""

from __future__ import annotations

import collections
import typing
from decimal import Decimal
from fractions import Fraction
from typing import Final, Literal

import attrs

from . import _values as _v
from ._decimals import CONTEXT, ZERO
from ._decimals import tidy as _tidy
from ._entry_points import plain_text
from ._instants import format_us
from .credits import CreditLine
from .prices import TierLine
from .rating import _KIND_ORDER, Charge
from .render import invoice_text, priced_apart, shown, visible
from .render_html import invoice_html
from .spans import Span

__all__ = ["Invoice", "InvoiceLine", "LineKind"]

LineKind = Literal["usage", "fee", "minimum", "shared"]

_ADD = CONTEXT.add
_LINE_ORDER = {**_KIND_ORDER, "shared": len(_KIND_ORDER)}
#: A holder's part prints as a fraction up to this denominator, else as a percentage.
_SHORT_DENOMINATOR = 100


def _part_text(part: Fraction) -> str:
    """A holder's part as printed: ``1/3`` when the denominator is short, else a percentage.

    Shares of ``Decimal(1) / 3`` make a part of 3333…/10000…, printed ``~33.33%``.
    """
    if part.denominator <= _SHORT_DENOMINATOR:
        return f"{part.numerator}/{part.denominator}"
    percent = Fraction(100) * part
    exact = CONTEXT.divide(Decimal(percent.numerator), Decimal(percent.denominator))
    rounded = CONTEXT.quantize(exact, Decimal("0.01"))
    mark = "" if Fraction(rounded) == percent else "~"
    return f"{mark}{_tidy(rounded)}%"


@typing.final
@attrs.frozen(repr=False)
class InvoiceLine:
    """One printed line of an invoice: the charges of one meter and price entry.

    - ``kind``: ``"usage"``, ``"fee"``, ``"minimum"`` or ``"shared"`` (a part of a shared
      resource's charges);
    - ``meter``, ``entry`` and (detailed per resource, or shared) ``resource``: what the
      line is;
    - ``quantity`` (with ``free``, the part an allowance covered), in ``unit``: for a
      shared line, the quantity of the whole;
    - ``unit_price``: the price per unit when every charge of the line has the same one
      (``None`` for tiered prices: see [`tiers`][ratekit.InvoiceLine.tiers]);
    - ``precise``: the exact sum of the charges (for a shared line: its part, allocated);
      ``amount``: what the line adds to the invoice, a whole number of the plan's quantum;
    - ``charges``: the charges behind the line (for a shared line: the whole's);
    - ``commitment`` and ``spent`` (minimum lines): the commitment for the cycle and what
      was spent towards it, exactly (also where the exact spend reached the commitment
      yet the lines as rounded fall short of it: 10.017 for a commitment of 10); the line
      tops up the difference, billed as the commitment less the lines it counts as
      rounded. After a plan change within the cycle, a line holding both plans' top-ups
      has the sums of their commitments and spends, and its amount is the sum of each
      plan's top-up settled on its own;
    - ``owner``, ``share``, ``shares`` and ``whole`` (shared lines): whose resource it is,
      this account's share out of the sum of the shares, and the whole rounded amount the
      line is a part of.

    Examples:
        >>> import ratekit as rk
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"),
        ...                [rk.PriceEntry("egress", "egress", rk.Graduated([rk.Tier(10, 0), rk.Tier(None, "0.085")]))])
        >>> rows = [rk.UsageRow("acme", "egress", "ip-1", march, march, 33, "GB", {}, ())]
        >>> line = rk.bill(rk.rate(rows, plan, span=march))[0].lines[0]
        >>> line
        InvoiceLine('egress · egress', 33 GB, precise=1.955, amount=1.96)
        >>> for tier in line.tiers:
        ...     print(tier)
        tiers[0] (0, 10]: 10 * 0 = 0
        tiers[1] (10, ∞): 23 * 0.085 = 1.955
    """

    kind: LineKind = attrs.field(validator=_v.kind_of(*_LINE_ORDER))
    meter: str | None = attrs.field(validator=_v.optional_name)
    entry: str | None = attrs.field(validator=_v.optional_name)
    resource: str | None = attrs.field(validator=_v.optional_name)
    quantity: Decimal = attrs.field(converter=_v.number, validator=_v.numeric)
    free: Decimal = attrs.field(converter=_v.number, validator=_v.numeric)
    unit: str = attrs.field(validator=_v.name)
    unit_price: Decimal | None = attrs.field(
        converter=_v.optional_number, validator=_v.optional_numeric
    )
    precise: Decimal = attrs.field(
        converter=_v.number, validator=_v.numeric, metadata={"exact_sum": True}
    )
    amount: Decimal = attrs.field(converter=_v.number, validator=_v.numeric)
    charges: tuple[Charge, ...] = attrs.field(
        eq=False, converter=_v.to_tuple, validator=_v.items(Charge, "Charges")
    )
    commitment: Decimal | None = attrs.field(
        default=None, converter=_v.optional_number, validator=_v.optional_numeric
    )
    spent: Decimal | None = attrs.field(
        default=None, converter=_v.optional_number, validator=_v.optional_numeric
    )
    owner: str | None = attrs.field(default=None, validator=_v.optional_name)
    share: Decimal | None = attrs.field(
        default=None, converter=_v.optional_number, validator=_v.optional_numeric
    )
    shares: Decimal | None = attrs.field(
        default=None, converter=_v.optional_number, validator=_v.positive
    )
    whole: Decimal | None = attrs.field(
        default=None, converter=_v.optional_number, validator=_v.optional_numeric
    )

    @property
    def label(self) -> str:
        """What the line is, as printed: ``"vm.hours · m1.large"``, ``"fee · support"``.

        A flat part of a price entry's model is a fee of the entry's meter, ``"fee ·
        vm.hours · support"``: told apart from a plan's fee of the same id (whose line
        carries the fee's id as its meter).
        """
        if self.kind == "fee":
            text = "fee" if self.meter in {None, self.entry} else f"fee · {self.meter}"
            text += f" · {self.entry}"
        elif self.kind == "minimum":
            text = "minimum commitment" + ("" if self.meter is None else f" · {self.meter}")
        else:
            text = f"{self.meter} · {self.entry}"
        if self.resource is not None:
            text = f"{text} · {self.resource}"
        if self.share is not None and self.shares is not None:
            text += f" (shared {_part_text(Fraction(self.share) / Fraction(self.shares))})"
        return text

    @plain_text
    def __repr__(self) -> str:
        return (
            f"InvoiceLine({self.label!r}, {shown(self.quantity)} {visible(self.unit)}, "
            f"precise={self.precise}, amount={self.amount})"
        )

    @property
    def tiers(self) -> tuple[TierLine, ...]:
        """The tier lines of the line's charges, merged per tier, in tier order.

        Lines with bounds come in the order of their lower bound; lines without bounds
        (``"per unit"``, a user's model) follow in the order they first appear. Empty for
        fees and minimums.

        Charges priced in one tier progression (the account's, or a group's) are merged:
        each tier's line is the net of its charges' lines there, whatever refunds took
        units back, in what order, and whichever resources used or returned them (12 GB,
        a refund of 4 GB, then 2 GB: ``tiers[0] (0, 10]: 10 * 1``, ``tiers[1] (10, ∞): 0
        * 0.5``); lines of one tier at two unit prices stay apart, in the order of their
        charges' spans. When the line holds several progressions (an entry with
        ``group_by``: each resource or value climbs the tiers from zero on its own),
        merging would put the units of all of them into one tier's bounds, so each
        resource's tier lines are merged on their own and labelled with it (``"vm-1 ·
        tiers[0]"``). A line of one resource (a detailed invoice's) merges its charges
        at once: its part of the progression it was priced in. When the line holds the
        charges of more than one plan (a plan change within the cycle under one entry
        id) that do not price alike, or that price alike but each climb the tiers on
        their own (the second plan's part from its first unit), each plan's part comes on
        its own, in the order the plans priced, and each of its lines is labelled with its
        plan (``"p2 · tiers[0]"``, ``"p2 · vm-1 · tiers[0]"``). O(n log n) for n charges'
        tier lines.
        """
        in_time = sorted(self.charges, key=lambda c: (c.span.start_us, c.span.end_us))
        plans: dict[str | None, list[Charge]] = {None: in_time}
        if _by_plan(self.charges):  # a plan change: each plan's part, labelled
            plans = {}
            for charge in in_time:
                plans.setdefault(charge.plan, []).append(charge)
        out: list[TierLine] = []
        for named, mine in plans.items():
            for resource, charges in _progressions(tuple(mine)):
                for line in _merged(charges):
                    label = " · ".join(
                        [*(name for name in (named, resource) if name is not None), line.label]
                    )
                    out.append(line if label == line.label else attrs.evolve(line, label=label))
        return tuple(out)


def _by_plan(charges: tuple[Charge, ...]) -> bool:
    """Whether a line's tier lines print per plan: several plans, priced otherwise or apart.

    Plans that price otherwise (`priced_apart()`); or plans with one price of which more
    than one moved a group's quantity (each plan's part climbs the tiers from its own
    first unit): merged, or split by resource, their lines would put units of both plans
    in one tier's bounds. O(n).
    """
    if priced_apart(charges):
        return True
    moved = {
        charge.plan
        for charge in charges
        if charge.position is not None and CONTEXT.subtract(charge.quantity, charge.free)
    }
    return len(moved) > 1


def _merged(charges: tuple[Charge, ...]) -> list[TierLine]:
    """The tier lines of ``charges`` merged per tier and price, in tier order.

    Only lines of one price merge (same label, bounds, unit price and block), so each
    merged line still computes: after a price change mid-cycle, ``per unit: 50 * 0.01``
    and ``per unit: 50 * 0.02``, never ``100 * 0.01 = 1.50``. When two prices share a
    label, each line is labelled with the plan(s) it comes from (``p1 · per unit``).
    Shares of one aggregate priced whole (a peak) merge their parts, on the whole's
    tier; all of it is the whole's line.
    """
    merged: dict[tuple[object, ...], TierLine] = {}
    plans: dict[tuple[object, ...], list[str]] = {}
    for charge in charges:
        for line in charge.tiers:
            key = (line.label, line.lower, line.upper, line.unit, line.block, line.whole)
            old = merged.get(key)
            known = plans.setdefault(key, [])
            if charge.plan not in known:
                known.append(charge.plan)
            if old is None:
                merged[key] = line
            elif old.whole is not None and old.part is not None and line.part is not None:
                part = _ADD(old.part, line.part)
                amount = _ADD(old.amount, line.amount)
                merged[key] = attrs.evolve(
                    old,
                    amount=amount,
                    part=None if part == old.whole else part,
                    whole=None if part == old.whole else old.whole,
                )
            else:
                merged[key] = attrs.evolve(
                    old,
                    quantity=_ADD(old.quantity, line.quantity),
                    amount=_ADD(old.amount, line.amount),
                    flat=_ADD(old.flat, line.flat),
                    blocks=None if old.blocks is None else old.blocks + (line.blocks or 0),
                )
    labels = collections.Counter(key[0] for key in merged)  # (counted once: O(lines))
    seen = [
        line
        if labels[key[0]] == 1
        else attrs.evolve(line, label=f"{', '.join(plans[key])} · {line.label}")
        for key, line in merged.items()
    ]
    order = sorted(
        range(len(seen)),
        key=lambda i: (seen[i].lower is None, seen[i].lower or ZERO, i),
    )
    return [seen[i] for i in order]


def _climbs(charges: tuple[Charge, ...]) -> int:
    """How many climbs of the tiers the charges' places take at least: 0 or 1 for one.

    A charge of a group priced by its total goes from ``position`` to ``after`` on its
    group's quantity (``position + billable`` for one made by hand without ``after``),
    up for usage, down for a refund; the charges of one group follow one another, each
    from where the one before it left the group. Charges that chain so from one start to
    one end, in some order, are one climb: at most one place is left more often than it
    is reached. Each group of an entry's ``group_by`` starts its own climb from zero, so
    the charges of two groups leave zero twice (or more) and are two climbs (or more).
    Charges without a place (a linear price's, or made by hand) take none. O(n).
    """
    balance: collections.Counter[Decimal] = collections.Counter()
    for charge in charges:
        position = charge.position
        if position is None:
            continue
        after = charge.after
        if after is None:
            after = _ADD(position, CONTEXT.subtract(charge.quantity, charge.free))
        balance[position] += 1
        balance[after] -= 1
    return sum(left for left in balance.values() if left > 0)


def _progressions(
    charges: tuple[Charge, ...],
) -> list[tuple[str | None, tuple[Charge, ...]]]:
    """The charges in tier progressions to merge: all at once, or per resource.

    One climb (the account's tiers, however its refunds took units back and whichever
    resources used them), or one resource's charges (a line per resource of a detailed
    invoice: its part of the account's climb, or its own under ``group_by``), merge at
    once, unlabelled. Charges that climb more than once come per resource, in the order
    of their names, each merged and labelled with its resource.
    """
    by_resource: dict[str, list[Charge]] = {}
    for charge in charges:
        by_resource.setdefault(charge.resource or "", []).append(charge)
    if len(by_resource) < 2 or _climbs(charges) < 2:  # one resource, or one climb
        return [(None, charges)]
    return [(resource or None, tuple(by_resource[resource])) for resource in sorted(by_resource)]


@typing.final
@attrs.frozen(repr=False)
class Invoice:
    """The charges of one account for one billing cycle, as lines, credits and a total.

    ``subtotal`` is the sum of the lines' rounded amounts (what the text shows);
    ``credits`` what each credit available to the invoice paid and has left;
    ``total`` what is left to pay: ``subtotal`` minus the credits applied, never below
    zero. ``precise_total`` is the exact sum of the lines' ``precise``: the account's own
    charges exactly, and a part of a shared charge as allocated (an exact share, such as
    a third, is in general no decimal), so it is ``Rating.total()`` of the account's
    cycle only where none of its charges is shared.
    ``str(invoice)`` (or [`to_text()`][ratekit.Invoice.to_text]) is a plain-text table; in a notebook the
    invoice shows as an HTML table.

    Examples:
        >>> import ratekit as rk
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.005"))])
        >>> rows = [rk.UsageRow("acme", "vm.hours", f"vm-{i}", march, march, 1, "hour", {}, ()) for i in range(3)]
        >>> detailed = rk.bill(rk.rate(rows, plan, span=march), by_resource=True)[0]
        >>> print(*(line.amount for line in detailed.lines), detailed.total, detailed.precise_total)
        0.01 0.01 0.00 0.02 0.015
        >>> rk.bill(rk.rate(rows, plan, span=march))[0].total  # one line: 0.015 -> 0.02
        Decimal('0.02')
    """

    account: str = attrs.field(validator=_v.name)
    cycle: Span = attrs.field(validator=_v.type_of(Span, "a Span (rk.Span(start, end))"))
    currency: str = attrs.field(validator=_v.name)
    lines: tuple[InvoiceLine, ...] = attrs.field(
        converter=_v.to_tuple, validator=_v.items(InvoiceLine, "InvoiceLines")
    )
    total: Decimal = attrs.field(converter=_v.number, validator=_v.numeric)
    precise_total: Decimal = attrs.field(
        converter=_v.number, validator=_v.numeric, metadata={"exact_sum": True}
    )
    tz: str | None = attrs.field(default=None, validator=_v.timezone_name)
    """The timezone the text shows the cycle in (``None``: UTC instants)."""
    credits: tuple[CreditLine, ...] = attrs.field(
        default=(), converter=_v.to_tuple, validator=_v.items(CreditLine, "CreditLines")
    )
    """What each credit available to this invoice paid, and the balance it has left."""
    subtotal: Decimal = attrs.field(
        default=attrs.Factory(lambda self: self.total, takes_self=True),
        converter=_v.number,
        validator=_v.numeric,
    )
    """The sum of the lines' rounded amounts, before credits."""

    @plain_text
    def __repr__(self) -> str:
        return (
            f"Invoice({self.account!r}, {format_us(self.cycle.start_us)!r}.."
            f"{format_us(self.cycle.end_us)!r}, {len(self.lines)} "
            f"{'line' if len(self.lines) == 1 else 'lines'}, "
            f"total={self.total} {self.currency})"
        )

    @plain_text
    def __str__(self) -> str:
        return self.to_text()

    def to_text(self, *, tiers: bool = True) -> str:
        """The invoice as a plain-text table (with the tier breakdown of tiered lines).

        Examples:
            >>> import ratekit as rk
            >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
            >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [])
            >>> print(rk.bill(rk.rate([], [rk.Assignment("acme", plan)], span=march)) or "no invoice")
            no invoice
        """
        return invoice_text(self, tiers=_v.switch(tiers, "Invoice.to_text tiers"))

    def _repr_html_(self) -> str:
        """The invoice as an HTML table, for notebooks (every user string escaped)."""
        return invoice_html(self)


#: An invoice line under construction: InvoiceLine's slots, set by plain stores (`_new_line()`).
_LineMade: Final = _v.plain_twin(
    InvoiceLine,
    ("kind", "meter", "entry", "resource", "quantity", "free", "unit", "unit_price",
    "precise", "amount", "charges", "commitment", "spent", "owner", "share", "shares",
    "whole"),
)  # fmt: skip
_new = object.__new__


def _new_line(  # noqa: PLR0917 - the private twin of InvoiceLine's constructor
    kind: str,  # a LineKind: a charge's kind that bill takes, or "shared"
    meter: str | None,
    entry: str | None,
    resource: str | None,
    quantity: Decimal,
    free: Decimal,
    unit: str,
    unit_price: Decimal | None,
    precise: Decimal,
    amount: Decimal,
    charges: tuple[Charge, ...],
    commitment: Decimal | None = None,
    spent: Decimal | None = None,
    owner: str | None = None,
    share: Decimal | None = None,
    shares: Decimal | None = None,
    whole: Decimal | None = None,
) -> InvoiceLine:
    """An [`InvoiceLine`][ratekit.InvoiceLine] from fields that are right by construction.

    ratekit's route (billing's, the scale-out's merge): the fields come from checked
    charges, so the door's converters and validators are skipped, each slot set once by a
    plain store on a plain twin (`ratekit._values.plain_twin`), as a charge is made: the
    generic route (`ratekit._values.unchecked`) took 12 calls a line. Never for values a
    caller gives. O(1).
    """
    line: InvoiceLine = _new(_LineMade)
    built: typing.Any = line  # _LineMade's plain stores (see there)
    built.kind = kind
    built.meter = meter
    built.entry = entry
    built.resource = resource
    built.quantity = quantity
    built.free = free
    built.unit = unit
    built.unit_price = unit_price
    built.precise = precise
    built.amount = amount
    built.charges = charges
    built.commitment = commitment
    built.spent = spent
    built.owner = owner
    built.share = share
    built.shares = shares
    built.whole = whole
    built.__class__ = InvoiceLine
    return line
