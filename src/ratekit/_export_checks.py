"""Rules a row read back must keep that its class does not check itself.

Private to [`from_row()`][ratekit.from_row]: billing relies on them, and a row edited by
hand may break them. A charge's rounding is one billing knows; an invoice line's
precise amount is the sum of its charges (a holder's part of a shared charge, its
allocation of the whole rounded once); an invoice's totals are the sums of its lines,
in its currency and a timezone ratekit reads. Each refusal is a
[`BadDataError`][ratekit.BadDataError] naming the field's path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from ._carried import carried_value
from ._charge_tiers import _BUILT_IN
from ._codec import fail
from ._decimals import CONTEXT, ZERO, commitment, exact_sum, tidy
from ._export_derived import check_charge_row, check_invoice_derived, check_usage_row
from ._focus_numbers import PRODUCTS, adds_up, gives
from ._instants import format_us
from ._line_exact import line_exact
from ._plan_args import _MODES, _unsupported
from ._quanta import on_quantum, whole_quanta
from ._shown import show
from ._topups import settle
from ._zones import zone
from .billing import Invoice, InvoiceLine
from .errors import RatekitError
from .rating import Charge
from .spans import Span
from .statements import StatementLine
from .usage import UsageRow

__all__ = ["CHECKS", "where"]

_ROUNDINGS: Final = _MODES  # the plan's rounding modes: one list


def where(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _check_charge(charge: Charge, path: str) -> None:
    """What billing relies on and a Charge does not check itself: rounding, price, amount."""
    if charge.quantum <= 0:
        raise fail(
            where(path, "quantum"),
            f"{show(str(charge.quantum))} is not a rounding quantum; give a positive "
            "decimal such as '0.01'.",
        )
    if charge.rounding not in _ROUNDINGS:
        raise fail(
            where(path, "rounding"),
            f"{show(charge.rounding)} {_unsupported(charge.rounding)}; use one of "
            + ", ".join(sorted(_ROUNDINGS))
            + ".",
        )
    _check_priced(charge, path)
    check_charge_row(charge, path)


def _check_priced(charge: Charge, path: str) -> None:
    """A stored charge's price gives its amount: an invoice prints its breakdown.

    A rated usage charge (one with its price model) or a fee with a ``unit_price``: its
    billable quantity times the price is its amount (up to the rounding of both at their 60th digit, `gives`); a
    piece of a group priced by its total: its quantity takes the group from
    ``position`` to ``after``; a usage charge with a price model: the tier lines it
    crossed add up to its amount. A minimum's ``unit_price`` is its commitment, which
    its top-up is not. O(tier lines).
    """
    if charge.kind == "minimum" or (charge.price is None and charge.kind != "fee"):
        return  # a usage charge made by hand, with no price: its amount is as given
    billable = charge.billable
    unit_price = charge.unit_price
    if unit_price is not None:
        product = PRODUCTS.multiply(billable, unit_price)
        if not gives(product, charge.amount, unit_price, billable):
            price_of = (
                f" (a price of {tidy(CONTEXT.divide(charge.amount, billable))})" if billable else ""
            )
            raise fail(
                where(path, "unit_price"),
                f"{show(str(unit_price))} does not give the charge's amount {charge.amount}: "
                f"its billable quantity {billable} at that price is {product}{price_of}; a row "
                "changed by hand must keep its price, quantities and amount consistent.",
            )
    if charge.price is None or charge.kind == "fee":
        return  # a fee's lines are its price's at zero, scaled to its amount
    position, after = charge.position, charge.after
    if (
        position is not None
        and after is not None
        and not adds_up((position, charge.quantity, charge.free.copy_negate()), after)
    ):
        should = exact_sum((after, position.copy_negate(), charge.free))
        raise fail(
            where(path, "quantity"),
            f"{show(str(charge.quantity))} does not take the group from its position "
            f"{position} to {after} (after), less the free {charge.free}: "
            f"it should be {should}; a row changed by hand must keep its price, "
            "quantities and amount consistent.",
        )
    total = _tier_total(charge, billable)
    if total is None:  # no lines, or a quantity its price does not take (a price by total
        return  # past 1E+30): printed as rating priced it, its unit price checked above
    # a linear price's lines are its unit price times the billable quantity (a share of an
    # aggregate may be charged at its exact value: `gives`)
    priced = gives(total, charge.amount, charge.unit_price, charge.billable)
    if not priced and not _shared_alike(charge, total):
        raise fail(
            where(path, "price"),
            f"{show(charge.price)} does not give the charge's amount {charge.amount}: the "
            f"tier lines it prices from {charge.position or 0} add up to {total}; a row "
            "changed by hand must keep its price, quantities and amount consistent.",
        )


def _tier_total(charge: Charge, billable: Decimal) -> Decimal | None:
    """The exact sum of ``charge``'s tier lines (`Charge.tiers`), found once per price and quantities.

    The lines of a charge priced by one of ratekit's own models depend on nothing but
    that model (an immutable value, the same object for the same plan data read back:
    `ratekit._row_plans.price_model`) and the charge's quantities: its billable
    quantity, ``whole``, ``position``, ``after``, ``quantity``, ``free``, ``opens``,
    and whether its amount is zero. So their sum is kept by these (each Decimal by its
    text; at most `_TOTALS_KEPT`, the oldest dropped first), and a charge read again, in
    an invoice's row after the charges' rows, is checked against it without explaining
    its price again; its own amount and unit price are checked each time. ``None``: no
    lines, or a quantity the price does not take. O(tier lines), O(1) when kept.
    """
    price = charge.price
    key: tuple[object, ...] | None = None
    if type(price) in _BUILT_IN:
        key = (
            id(price),
            charge.kind,
            str(billable),
            str(charge.whole),
            str(charge.position),
            str(charge.after),
            str(charge.quantity),
            str(charge.free),
            charge.opens,
            not charge.amount,
        )
        kept = _TOTALS.get(key)
        if kept is not None and kept[0] is price:  # the model held: its id names it
            return kept[1]
    try:
        lines = charge.tiers
    except RatekitError:
        total = None
    else:
        total = exact_sum(line.amount for line in lines) if lines else None
    if key is not None:
        with _LOCK:  # threads reading rows at once
            if len(_TOTALS) >= _TOTALS_KEPT:
                del _TOTALS[next(iter(_TOTALS))]
            _TOTALS[key] = (price, total)
    return total


#: The sums of charges' tier lines, by price and quantities, with the price (`_tier_total`).
_TOTALS: Final[dict[tuple[object, ...], tuple[object, Decimal | None]]] = {}
_TOTALS_KEPT: Final = 4096
_LOCK: Final = threading.Lock()


def _shared_alike(charge: Charge, total: Decimal) -> bool:
    """Whether a share of a peak priced whole and its tier lines' ``total`` agree.

    Both are the charge's part of the whole's amount: the amount rounded at that
    amount's 60th digit, the lines through the part cut at the aggregate's. For a part
    small beside the whole (one microsecond of a month's peak) the two lie some units of
    the whole amount's 60th digit apart, far more of their own. O(digits).
    """
    part = charge.billable
    if charge.whole is None or not part or not total:
        return False
    whole_amount = abs(Fraction(total) * Fraction(charge.whole) / Fraction(part))
    shown = CONTEXT.divide(Decimal(whole_amount.numerator), Decimal(whole_amount.denominator))
    unit = Fraction(10) ** (shown.adjusted() - CONTEXT.prec + 1)
    return abs(Fraction(total) - Fraction(charge.amount)) <= 10 * unit


def _check_line(line: InvoiceLine, path: str) -> None:
    """A line's precise amount is the sum of its charges (an edit of one shows here).

    A part of a shared charge carries the whole charges it is part of and the holder's
    ``share`` out of ``shares``: ``whole`` must be their sum rounded once (on the latest
    charge's quantum and rounding, as billing rounds it), and the part (``precise``, equal
    to ``amount``) a largest-remainder allocation of it: on the quantum and less than one
    quantum away from ``whole * share / shares``.
    """
    if not line.charges:
        return
    exact = exact_sum(charge.amount for charge in line.charges)
    if line.kind == "shared":
        _check_shared(line, exact, path)
        return
    if CONTEXT.compare(exact, line.precise) != 0:
        raise fail(
            where(path, "precise"),
            f"{show(str(line.precise))} is not the sum of the line's charges, {exact}; "
            "a row changed by hand must keep the line's amounts consistent.",
        )


def _check_shared(line: InvoiceLine, exact: Decimal, path: str) -> None:
    """The arithmetic of a holder's part of a shared charge (see `_check_line`)."""
    owner, share, shares, whole = line.owner, line.share, line.shares, line.whole
    if owner is None or share is None or shares is None or whole is None:
        key = (
            next(
                name
                for name, value in (("owner", owner), ("share", share), ("shares", shares))
                if value is None
            )
            if whole is not None
            else "whole"
        )
        raise fail(
            where(path, key),
            f"a shared line needs its {key}; it carries the owner, the holder's share, "
            "the sum of the shares and the whole rounded amount it is a part of.",
        )
    if not 0 < share <= shares:
        raise fail(
            where(path, "share"),
            f"{show(str(share))} is not a share out of {shares}; a holder's share is above 0 "
            "and at most the sum of the shares.",
        )
    latest = max(line.charges, key=lambda charge: charge.span.start_us)
    quantum = latest.quantum
    rounded = on_quantum(
        line_exact(line.charges, rounded=(quantum, latest.rounding)), quantum, latest.rounding
    )  # as bill() does
    if CONTEXT.compare(rounded, whole) != 0:
        raise fail(
            where(path, "whole"),
            f"{show(str(whole))} is not the sum of the shared charges, {exact}, rounded to "
            f"{quantum}: {rounded}; a row changed by hand must keep the line's amounts "
            "consistent.",
        )
    part = Fraction(whole) * Fraction(share) / Fraction(shares)
    allocated = whole_quanta(line.precise, quantum)
    if not allocated or abs(Fraction(line.precise) - part) >= Fraction(quantum):
        raise fail(
            where(path, "precise"),
            f"{show(str(line.precise))} is not this holder's part of the shared {whole}: "
            f"{share} of {shares} is {_fraction_text(part)}, allocated on the quantum "
            f"{quantum} (amount {line.amount}); a row changed by hand must keep the line's "
            "amounts consistent.",
        )
    if CONTEXT.compare(line.precise, line.amount) != 0:
        raise fail(
            where(path, "amount"),
            f"{show(str(line.amount))} is not this holder's part of the shared {whole}, "
            f"{line.precise} (its precise amount: {share} of {shares} allocated on the "
            f"quantum {quantum}); a holder's part is its amount and its precise amount "
            "alike, so a row changed by hand must keep them equal.",
        )


def _fraction_text(value: Fraction) -> str:
    """A fraction as its exact decimal when it has one, else as ``p/q``."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator == 1:
        return str(CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator)))
    return f"{value.numerator}/{value.denominator}"


def _check_invoice(invoice: Invoice, path: str) -> None:
    """An invoice's totals are the sums of its lines, in its currency and timezone."""
    if invoice.tz is not None:
        try:
            zone(invoice.tz, "invoice tz")
        except RatekitError as error:
            raise fail(where(path, "tz"), str(error)) from None
    for index, line in enumerate(invoice.lines):
        for number, charge in enumerate(line.charges):
            if charge.currency != invoice.currency:
                raise fail(
                    f"{where(path, 'lines')}[{index}].charges[{number}].currency",
                    f"{show(charge.currency)} is not the invoice's currency "
                    f"{show(invoice.currency)}; an invoice never adds amounts of two currencies.",
                )
    _check_minimums(invoice, path)
    seen: set[str] = set()
    for index, credit in enumerate(invoice.credits):
        if credit.credit in seen:
            raise fail(
                f"{where(path, 'credits')}[{index}].credit",
                f"credit {show(credit.credit)} has two lines on this invoice; an account's "
                "credits have one id each, and an invoice one line per credit.",
            )
        seen.add(credit.credit)
    paid = [-credit.applied for credit in invoice.credits]
    if invoice.total < 0 and any(credit.applied > 0 for credit in invoice.credits):
        # Credits pay at most what is due: they never take a total below zero, and pay
        # nothing of a subtotal that is zero or less (a correction is the account's).
        raise fail(
            where(path, "credits"),
            f"the credits pay {exact_sum([c.applied for c in invoice.credits])} of a subtotal of "
            f"{invoice.subtotal}, leaving a total of {invoice.total}; a credit pays at most "
            "what is still due, so credits never take a total below zero.",
        )
    for key, total, parts, what in (
        ("subtotal", invoice.subtotal, [line.amount for line in invoice.lines], "lines"),
        ("total", invoice.total, [invoice.subtotal, *paid], "lines less its credits"),
        (
            "precise_total",
            invoice.precise_total,
            [line.precise for line in invoice.lines],
            "lines",
        ),
    ):
        exact = exact_sum(parts)
        if CONTEXT.compare(exact, total) != 0:
            raise fail(
                where(path, key),
                f"{show(str(total))} is not the sum of the invoice's {what}, {exact}; a row "
                "changed by hand must keep the invoice's totals consistent.",
            )
    check_invoice_derived(invoice, path)


def _check_minimums(invoice: Invoice, path: str) -> None:
    """A minimum line's commitment, spend and top-up are its charges' and lines', settled.

    The commitment is its charges' commitments (``unit_price`` x ``quantity``) summed; the
    spend and the amount those billing settles them at (`settle`), from the lines the
    minimum counts. O(m * n) for m minimum lines and n lines.
    """
    if not any(line.kind == "minimum" for line in invoice.lines):
        return
    settled = settle(invoice.lines, invoice.account)
    for index, (line, due) in enumerate(zip(invoice.lines, settled, strict=True)):
        if line.kind != "minimum" or not line.charges:
            continue
        committed = sum(
            (commitment(c.unit_price or ZERO, c.quantity) for c in line.charges), Fraction(0)
        )
        for key, stored, should in (
            ("commitment", line.commitment, tidy(carried_value(committed))),
            ("spent", line.spent, due.spent),
            ("amount", line.amount, due.amount),
        ):
            if stored is None or should is None or CONTEXT.compare(stored, should) != 0:
                raise fail(
                    f"{where(path, 'lines')}[{index}].{key}",
                    f"{show(None if stored is None else str(stored))} is not the minimum's "
                    f"{key}, {should} (from its charges and the lines it counts); a row "
                    "changed by hand must keep the line's amounts consistent.",
                )


#: The fields a statement line and each of its charges name its invoice line by.
_LINE_FIELDS: Final = (
    "account", "cycle", "kind", "plan", "meter", "entry", "resource", "unit", "currency",
)  # fmt: skip


def _text(value: object) -> str:
    """A line's field as a message quotes it: a cycle as ``'start..end'``."""
    if isinstance(value, Span):
        return show(f"{format_us(value.start_us)}..{format_us(value.end_us)}")
    return show(value)


def _check_statement_line(line: StatementLine, path: str) -> None:
    """A statement line's charges are its invoice line's, and add up to it where it says so.

    A reversal carries no charges (it cancels what was reported). Each charge names the
    line's account, cycle, kind, plan, meter, entry, resource, unit and currency. A line
    given first (``"charge"``) or anew (``"correction"``) is its charges' exact sums, in
    quantity and in amount; an increment is a difference, with the line's charges as it
    now stands, so it is not. A row without ``charges`` (what a ledger stores) reads
    back with none. O(c) for c charges.
    """
    if not line.charges:
        return
    if line.role == "reversal":
        raise fail(
            where(path, "charges"),
            f"a reversal carries no charges (it cancels the line reported), not "
            f"{len(line.charges)}; give [] or leave the key out.",
        )
    for index, charge in enumerate(line.charges):
        for name in _LINE_FIELDS:
            mine, theirs = getattr(line, name), getattr(charge, name)
            if mine != theirs:
                raise fail(
                    where(path, f"charges[{index}].{name}"),
                    f"{_text(theirs)} is not the line's {name}, {_text(mine)}: "
                    "a statement line holds the charges of its own invoice line.",
                )
    if line.role == "increment":
        return
    for name in ("quantity", "amount"):
        exact = exact_sum(getattr(charge, name) for charge in line.charges)
        if CONTEXT.compare(exact, getattr(line, name)) != 0:
            raise fail(
                where(path, name),
                f"{show(str(getattr(line, name)))} is not the sum of the line's charges, "
                f"{exact}, as a {line.role!r} line is; a row changed by hand must keep "
                "the line's amounts consistent.",
            )


#: Rules a row must keep that its class does not check itself (billing relies on them).
CHECKS: Final[Mapping[type, Callable[[Any, str], None]]] = {
    Charge: _check_charge,
    InvoiceLine: _check_line,
    Invoice: _check_invoice,
    UsageRow: check_usage_row,
    StatementLine: _check_statement_line,
}
