"""Invoices: charges grouped per account and billing cycle, in lines a person can check.

:func:`bill` groups charges per account and cycle into an :class:`Invoice`, with one
:class:`InvoiceLine` per meter and price entry (and per resource when asked), then the
recurring fees and the minimum-commitment top-ups. Each line keeps the exact sum of its
charges and rounds it **once**, to the plan's quantum with the plan's rounding mode; the
invoice total is the sum of the rounded lines, so it always equals what is printed.
Amounts of different currencies are never added: an invoice whose charges disagree on
the currency raises :class:`~ratekit.CurrencyMismatchError`.

Example:
    >>> import ratekit as rk
    >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
    >>> plan = rk.Plan("standard", "EUR", rk.cycles.monthly(tz="UTC"),
    ...                [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.0416"))], fees=[rk.Fee("support", 9)])
    >>> rows = [rk.UsageRow("acme", "vm.hours", "vm-1", march, march, 744, "hour", {}, ("e1",))]
    >>> (invoice,) = rk.bill(rk.rate(rows, plan, span=march))
    >>> print(invoice)
    Invoice acme, 2026-03-01T00:00:00Z .. 2026-04-01T00:00:00Z, EUR
    <BLANKLINE>
      line            quantity  unit price  amount
      vm.hours · vm   744 hour      0.0416   30.95
      fee · support    1 cycle           9    9.00
    <BLANKLINE>
      total                                  39.95
    >>> invoice.lines[0].precise, invoice.lines[0].amount
    (Decimal('30.9504'), Decimal('30.95'))
"""

from __future__ import annotations

import datetime as _dt
import typing
import zoneinfo
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

import attrs

from ._calendar import zone, zone_name
from ._decimals import CONTEXT, ZERO, in_context
from ._decimals import tidy as _tidy
from ._instants import format_us
from .errors import CurrencyMismatchError, RatekitTypeError
from .prices import TierLine
from .rating import _KIND_ORDER, Charge, ChargeKind, Rating
from .spans import Span

__all__ = ["Invoice", "InvoiceLine", "bill"]

_ADD = CONTEXT.add
_SHOWN_PLACES: Final = 6


def _shown(value: Decimal) -> str:
    """A quantity as printed: exact when short, else rounded to 6 places and marked ``~``."""
    value = _tidy(value)
    rounded = _rounded(value)
    return str(value) if rounded == value else f"~{rounded}"


def _rounded(value: Decimal) -> Decimal:
    """``value`` when it has at most 6 decimals, else rounded to 6 (trailing zeros dropped)."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -_SHOWN_PLACES:
        return value
    return _tidy(value.quantize(Decimal(1).scaleb(-_SHOWN_PLACES), context=CONTEXT))


def _tier_text(line: TierLine) -> str:
    """A tier line as printed; long quantities and amounts rounded to 6 places, marked ``~``."""
    shown = attrs.evolve(
        line,
        quantity=_rounded(line.quantity),
        amount=_rounded(line.amount),
        flat=_rounded(line.flat),
    )
    exact = (shown.quantity, shown.amount, shown.flat) == (line.quantity, line.amount, line.flat)
    return str(shown) if exact else f"~ {shown}"


@typing.final
@attrs.frozen(repr=False)
class InvoiceLine:
    """One printed line of an invoice: the charges of one meter and price entry.

    ``kind`` is ``"usage"``, ``"fee"`` or ``"minimum"``; ``meter``, ``entry`` and (when the
    invoice is detailed per resource) ``resource`` say what the line is; ``quantity``
    (with ``free``, the part an allowance covered) is in ``unit``; ``unit_price`` is the
    price per unit when every charge of the line has the same one (``None`` for tiered
    prices: see :attr:`tiers`); ``precise`` is the exact sum of the charges and ``amount``
    that sum rounded once; ``charges`` are the charges behind the line.

    Example:
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

    kind: ChargeKind
    meter: str | None
    entry: str | None
    resource: str | None
    quantity: Decimal
    free: Decimal
    unit: str
    unit_price: Decimal | None
    precise: Decimal
    amount: Decimal
    charges: tuple[Charge, ...] = attrs.field(eq=False)

    @property
    def label(self) -> str:
        """What the line is, as printed: ``"vm.hours · m1.large"``, ``"fee · support"``."""
        if self.kind == "fee":
            text = f"fee · {self.entry}"
        elif self.kind == "minimum":
            text = "minimum commitment" + ("" if self.meter is None else f" · {self.meter}")
        else:
            text = f"{self.meter} · {self.entry}"
        return text if self.resource is None else f"{text} · {self.resource}"

    def __repr__(self) -> str:
        return (
            f"InvoiceLine({self.label!r}, {_shown(self.quantity)} {self.unit}, "
            f"precise={self.precise}, amount={self.amount})"
        )

    @property
    def tiers(self) -> tuple[TierLine, ...]:
        """The tier lines of the line's charges, merged per tier (empty for fees and minimums)."""
        merged: dict[str, TierLine] = {}
        for charge in self.charges:
            for line in charge.tiers:
                old = merged.get(line.label)
                if old is None:
                    merged[line.label] = line
                else:
                    merged[line.label] = attrs.evolve(
                        old,
                        quantity=_ADD(old.quantity, line.quantity),
                        amount=_ADD(old.amount, line.amount),
                        flat=_ADD(old.flat, line.flat),
                        blocks=None if old.blocks is None else old.blocks + (line.blocks or 0),
                    )
        return tuple(merged.values())


@typing.final
@attrs.frozen(repr=False)
class Invoice:
    """The charges of one account for one billing cycle, as lines and a total.

    ``total`` is the sum of the lines' rounded amounts (what the text shows);
    ``precise_total`` the exact sum of the charges. ``str(invoice)`` (or
    :meth:`to_text`) is a plain-text table.

    Example:
        >>> import ratekit as rk
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit("0.005"))])
        >>> rows = [rk.UsageRow("acme", "vm.hours", f"vm-{i}", march, march, 1, "hour", {}, ()) for i in range(3)]
        >>> detailed = rk.bill(rk.rate(rows, plan, span=march), by_resource=True)[0]
        >>> print(*(line.amount for line in detailed.lines), detailed.total, detailed.precise_total)
        0.00 0.00 0.00 0.00 0.015
        >>> rk.bill(rk.rate(rows, plan, span=march))[0].total  # one line: 0.015 -> 0.02
        Decimal('0.02')
    """

    account: str
    cycle: Span
    currency: str
    lines: tuple[InvoiceLine, ...]
    total: Decimal
    precise_total: Decimal
    tz: str | None = None
    """The timezone the text shows the cycle in (``None``: UTC instants)."""

    def __repr__(self) -> str:
        return (
            f"Invoice({self.account!r}, {format_us(self.cycle.start_us)!r}.."
            f"{format_us(self.cycle.end_us)!r}, {len(self.lines)} lines, "
            f"total={self.total} {self.currency})"
        )

    def __str__(self) -> str:
        return self.to_text()

    def to_text(self, *, tiers: bool = True) -> str:
        """The invoice as a plain-text table (with the tier breakdown of tiered lines).

        Example:
            >>> import ratekit as rk
            >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
            >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [])
            >>> print(rk.bill(rk.rate([], [rk.Assignment("acme", plan)], span=march)) or "no invoice")
            no invoice
        """
        header = ("line", "quantity", "unit price", "amount")
        rows: list[tuple[str, str, str, str]] = []
        notes: dict[int, list[str]] = {}
        for line in self.lines:
            quantity = f"{_shown(line.quantity)} {line.unit}"
            if line.free:
                quantity += f" ({_shown(line.free)} free)"
            if line.unit_price is not None:
                unit_price = str(line.unit_price)
            elif line.kind == "usage":
                unit_price = "tiered"
            else:
                unit_price = ""
            rows.append((line.label, quantity, unit_price, str(line.amount)))
            if tiers and line.kind == "usage" and line.unit_price is None:
                notes[len(rows) - 1] = [_tier_text(tier) for tier in line.tiers]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
        total = str(self.total)
        widths[3] = max(widths[3], len(total))

        def format_row(row: tuple[str, str, str, str]) -> str:
            return (
                f"  {row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  "
                f"{row[2]:>{widths[2]}}  {row[3]:>{widths[3]}}"
            ).rstrip()

        if self.tz is None:
            period = f"{format_us(self.cycle.start_us)} .. {format_us(self.cycle.end_us)}"
        else:
            zone = zoneinfo.ZoneInfo(self.tz)
            period = (
                f"{_local(self.cycle.start, zone)} .. {_local(self.cycle.end, zone)} ({self.tz})"
            )
        title = f"Invoice {self.account}, {period}, {self.currency}"
        out = [
            title,
            "",
            format_row(header),
        ]
        for index, row in enumerate(rows):
            out.append(format_row(row))
            out.extend(f"      {note}" for note in notes.get(index, ()))
        out.append("")
        out.append(format_row(("total", "", "", total)))
        return "\n".join(out)


def _local(moment: _dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """A cycle boundary in local time: the date alone at local midnight."""
    local = moment.astimezone(zone)
    if local.time() == _dt.time(0):
        return local.date().isoformat()
    return local.isoformat(timespec="minutes")


def _line_key(charge: Charge, by_resource: bool) -> tuple[object, ...]:
    return (
        _KIND_ORDER[charge.kind],
        charge.meter is None,
        charge.meter or "",
        charge.entry or "",
        (charge.resource or "") if by_resource else "",
    )


@in_context
def bill(
    charges: Rating | Iterable[Charge],
    *,
    by_resource: bool = False,
    tz: str | _dt.tzinfo | None = None,
) -> tuple[Invoice, ...]:
    """Group charges into invoices, one per account and billing cycle, in that order.

    Lines are per meter and price entry (per resource too with ``by_resource=True``), then
    fees, then minimum commitments. Each line's exact sum is rounded once with the
    rounding of the charges' plan (when a plan change mid-cycle brings two roundings, the
    rounding of the latest plan applies); the total is the sum of the rounded lines. O(n
    log n) for n charges. ``tz`` (an IANA name) makes the text show the cycle in local
    time, e.g. ``2026-03-01 .. 2026-04-01 (Europe/Zurich)``.

    Example:
        >>> import ratekit as rk
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> eur = rk.Plan("eur", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 10)])
        >>> usd = rk.Plan("usd", "USD", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("base", 10)])
        >>> rating = rk.rate([], [rk.Assignment("acme", eur, end="2026-03-16T12:00:00Z"),
        ...                       rk.Assignment("acme", usd, start="2026-03-16T12:00:00Z")], span=march)
        >>> rk.bill(rating)
        Traceback (most recent call last):
        ...
        ratekit.CurrencyMismatchError: invoice of account 'acme' for 2026-03-01T00:00:00Z..2026-04-01T00:00:00Z mixes EUR (plan 'eur', fee 'base') and USD (plan 'usd', fee 'base'); give the account's plans one currency, or bill each currency separately.
    """
    if tz is not None:
        tz = zone_name(zone(tz, "bill tz"))  # the one door for timezones
    if isinstance(charges, Rating):
        charges = charges.charges
    groups: dict[tuple[str, int, int], list[Charge]] = {}
    for charge in charges:
        if not isinstance(charge, Charge):
            raise RatekitTypeError(
                f"bill takes a Rating or Charge values, not {type(charge).__name__}: {charge!r}."
            )
        key = (charge.account, charge.cycle.start_us, charge.cycle.end_us)
        groups.setdefault(key, []).append(charge)
    invoices = []
    for key in sorted(groups):
        members = groups[key]
        invoices.append(_invoice(members, by_resource, tz))
    return tuple(invoices)


def _invoice(members: list[Charge], by_resource: bool, tz: str | None) -> Invoice:
    first = members[0]
    for charge in members:
        if charge.currency != first.currency:
            raise CurrencyMismatchError(
                f"invoice of account {first.account!r} for {format_us(first.cycle.start_us)}.."
                f"{format_us(first.cycle.end_us)} mixes {first.currency} ({_what(first)}) and "
                f"{charge.currency} ({_what(charge)}); give the account's plans one currency, "
                "or bill each currency separately."
            )
    latest = max(members, key=lambda charge: charge.span.start_us)
    quantum, rounding = latest.quantum, latest.rounding
    lines: dict[tuple[object, ...], list[Charge]] = {}
    for charge in members:
        lines.setdefault(_line_key(charge, by_resource), []).append(charge)
    out = []
    total = ZERO
    precise_total = ZERO
    for line_key in sorted(lines):
        line_charges = lines[line_key]
        head = line_charges[0]
        precise = ZERO
        quantity = ZERO
        free = ZERO
        unit_prices = set()
        for charge in line_charges:
            precise = _ADD(precise, charge.amount)
            quantity = _ADD(quantity, charge.quantity)
            free = _ADD(free, charge.free)
            unit_prices.add(charge.unit_price)
        amount = precise.quantize(quantum, rounding=rounding, context=CONTEXT)
        unit_price = unit_prices.pop() if len(unit_prices) == 1 else None
        out.append(
            InvoiceLine(
                head.kind,
                head.meter,
                head.entry,
                head.resource if by_resource else None,
                _tidy(quantity),
                _tidy(free),
                head.unit,
                unit_price,
                precise,
                amount,
                tuple(line_charges),
            )
        )
        total = _ADD(total, amount)
        precise_total = _ADD(precise_total, precise)
    return Invoice(first.account, first.cycle, first.currency, tuple(out), total, precise_total, tz)


def _what(charge: Charge) -> str:
    kind = {"usage": "entry", "fee": "fee", "minimum": "minimum"}[charge.kind]
    return f"plan {charge.plan!r}, {kind} {charge.entry!r}"
