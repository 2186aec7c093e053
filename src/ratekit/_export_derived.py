"""The fields of a row read back that are derived from others, worked out again and compared.

Private to [`from_row()`][ratekit.from_row] (through `_export_checks`): a row edited by
hand may change a field that ratekit derives from others (a line's quantity or amount
from its charges, an invoice's account and cycle shared with its charges, a charge's
account, meter, resource and cycle from its usage row), and an invoice read back would
then print a breakdown that does not compute. Each field is derived again by the very
code that derived it (an invoice's lines by billing's own `_invoice`), and a mismatch is a
[`BadDataError`][ratekit.BadDataError] naming the field's path, the value found and the
value that would be accepted.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Final

from ._codec import fail
from ._decimals import CONTEXT, ZERO
from ._instants import format_us
from ._shown import show
from .billing import Invoice, InvoiceLine, _invoice
from .errors import RatekitError
from .rating import Charge
from .spans import Span
from .usage import UsageRow

__all__ = ["check_charge_row", "check_invoice_derived", "check_usage_row"]

_ADD: Final = CONTEXT.add

#: What a line's fields are derived from, said in a refusal.
_LINE_FIELDS: Final = (
    "kind",
    "meter",
    "entry",
    "resource",
    "quantity",
    "free",
    "unit",
    "unit_price",
    "precise",
    "amount",
    "commitment",
    "spent",
    "owner",
    "share",
    "shares",
    "whole",
)
_CHANGED: Final = "a row changed by hand must keep the fields derived from others consistent."


def _where(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _span_text(span: Span) -> str:
    return f"{format_us(span.start_us)}..{format_us(span.end_us)}"


def _same(found: object, should: object) -> bool:
    """Equal as billing derives them: Decimals by value (``2`` is ``2.00``), others exactly."""
    if isinstance(found, Decimal) and isinstance(should, Decimal):
        return CONTEXT.compare(found, should) == 0
    return type(found) is type(should) and found == should


def _shown(value: object) -> str:
    if isinstance(value, Span):
        return _span_text(value)
    return show(str(value) if isinstance(value, Decimal) else value)


def check_usage_row(row: UsageRow, path: str) -> None:
    """A usage row's piece of time lies within its billing cycle (metering cuts it there)."""
    span, cycle = row.span, row.cycle
    if not (cycle.start_us <= span.start_us and span.end_us <= cycle.end_us):
        raise fail(
            _where(path, "span"),
            f"{_span_text(span)} is not within the row's cycle {_span_text(cycle)}; a usage "
            "row is a piece of one billing cycle: give a span within the cycle, or the "
            f"cycle the span lies in; {_CHANGED}",
        )


def check_charge_row(charge: Charge, path: str) -> None:
    """A usage charge's account, meter, resource and cycle are its usage row's; its span within it."""
    row = charge.row
    if row is None or charge.kind != "usage":
        return
    for key in ("account", "meter", "resource", "cycle"):
        found, should = getattr(charge, key), getattr(row, key)
        if not _same(found, should):
            raise fail(
                _where(path, key),
                f"{_shown(found)} is not the {key} of the charge's usage row, {_shown(should)}; "
                f"a charge prices a piece of its row, so its {key} is the row's "
                f"({_shown(should)} would be accepted); {_CHANGED}",
            )
    span, within = charge.span, row.span
    if not (within.start_us <= span.start_us and span.end_us <= within.end_us):
        raise fail(
            _where(path, "span"),
            f"{_span_text(span)} is not within the span of the charge's usage row, "
            f"{_span_text(within)}; a charge prices a piece of its row; {_CHANGED}",
        )


def _charges(invoice: Invoice) -> Iterator[tuple[int, int, InvoiceLine, Charge]]:
    for index, line in enumerate(invoice.lines):
        for number, charge in enumerate(line.charges):
            yield index, number, line, charge


def check_invoice_derived(invoice: Invoice, path: str) -> None:
    """An invoice's lines are those billing makes of its charges, field by field.

    First each charge is the invoice's: its account (a holder's part of a shared charge:
    the line's owner's) and its cycle. Then the lines are billed again from the charges
    (by resource when most of its usage lines name a resource; a holder's part of a
    shared charge as stored, its quantities, unit, price and names derived from the
    whole's charges here and its amounts by `_check_shared`) and each line's derived
    fields compared. A line stored without its charges has nothing to derive it from: an
    invoice with one is compared no further. O(size of the invoice).
    """
    lines_path = _where(path, "lines")
    for index, number, line, charge in _charges(invoice):
        where = f"{lines_path}[{index}].charges[{number}]"
        if line.kind == "shared":
            _check_owner(line, f"{lines_path}[{index}]", number)
        elif charge.account != invoice.account:
            raise fail(
                _where(path, "account"),
                f"{_shown(invoice.account)} is not the account of {where}, "
                f"{_shown(charge.account)}; an invoice bills the charges of its own account "
                f"({_shown(charge.account)} would be accepted); {_CHANGED}",
            )
        if charge.cycle != invoice.cycle:
            raise fail(
                _where(path, "cycle"),
                f"{_span_text(invoice.cycle)} is not the cycle of {where}, "
                f"{_span_text(charge.cycle)}; an invoice bills the charges of one cycle, "
                f"its own ({_span_text(charge.cycle)} would be accepted); {_CHANGED}",
            )
    _check_lines(invoice, path)


def _check_owner(line: InvoiceLine, path: str, number: int) -> None:
    """A shared line's charges are its owner's: the owner named when they agree otherwise."""
    accounts = {charge.account for charge in line.charges}
    account = line.charges[number].account
    if account == line.owner:
        return
    if len(accounts) == 1:
        raise fail(
            f"{path}.owner",
            f"{_shown(line.owner)} is not the account of the shared line's charges, "
            f"{_shown(account)}; a shared line holds its owner's charges "
            f"({_shown(account)} would be accepted); {_CHANGED}",
        )
    raise fail(
        f"{path}.charges[{number}].account",
        f"{_shown(account)} is not the shared line's owner, {_shown(line.owner)}; a shared "
        f"line holds its owner's charges; {_CHANGED}",
    )


def _shared_should(line: InvoiceLine) -> dict[str, object]:
    """A shared line's fields derived from the whole's charges, as billing derives them."""
    quantity = free = ZERO
    for charge in line.charges:
        quantity = _ADD(quantity, charge.quantity)
        free = _ADD(free, charge.free)
    head = line.charges[0]
    unit_prices = {charge.unit_price for charge in line.charges}
    return {
        "kind": "shared",
        "meter": head.meter,
        "entry": head.entry,
        "resource": head.resource,
        "quantity": quantity,
        "free": free,
        "unit": head.unit,
        "unit_price": unit_prices.pop() if len(unit_prices) == 1 else None,
    }


def _check_lines(invoice: Invoice, path: str) -> None:
    """The stored lines against billing's lines of the same charges (see `check_invoice_derived`)."""
    stored = invoice.lines
    if not stored or any(not line.charges for line in stored):
        return  # a line made by hand without its charges: nothing to derive it from
    shared = [line for line in stored if line.kind == "shared"]
    members = [charge for line in stored if line.kind != "shared" for charge in line.charges]
    # billed by resource when most usage lines name one (a line edited alone is named)
    usage = [line.resource is not None for line in stored if line.kind == "usage"]
    by_resource = 2 * sum(usage) > len(usage) or (2 * sum(usage) == len(usage) > 0 and usage[0])
    key = (invoice.account, invoice.cycle.start_us, invoice.cycle.end_us)
    try:
        billed = _invoice(key, members, shared, by_resource, invoice.tz)
    except RatekitError as error:
        raise fail(_where(path, "lines"), f"its charges do not bill: {error}") from None
    lines_path = _where(path, "lines")
    for index, (line, should) in enumerate(zip(stored, billed.lines, strict=False)):
        derived = _shared_should(line) if line.kind == "shared" else None
        for key_name in _LINE_FIELDS:
            found = getattr(line, key_name)
            if derived is not None:
                if key_name not in derived:
                    continue  # a part's amounts: `_check_shared`
                wanted = derived[key_name]
            else:
                wanted = getattr(should, key_name)
            if not _same(found, wanted):
                raise fail(
                    f"{lines_path}[{index}].{key_name}",
                    f"{_shown(found)} is not what the line's charges give, {_shown(wanted)} "
                    f"({_derivation(key_name)}); {_CHANGED}",
                )
        if [id(c) for c in line.charges] != [id(c) for c in should.charges]:
            raise fail(
                f"{lines_path}[{index}].charges",
                "are not the charges bill() puts on this line, in its order; an invoice's "
                f"lines are its charges grouped by kind, meter and entry; {_CHANGED}",
            )
    if len(billed.lines) != len(stored):
        raise fail(
            lines_path,
            f"holds {len(stored)} lines, but its charges bill as {len(billed.lines)}; an "
            f"invoice's lines are its charges grouped as bill() groups them; {_CHANGED}",
        )


_DERIVED: Final[dict[str, str]] = {
    "kind": "the kind of its charges",
    "meter": "its charges' meter",
    "entry": "its charges' entry",
    "resource": "its charges' resource when billed by resource, else none",
    "quantity": "the sum of its charges' quantities",
    "free": "the sum of its charges' free parts",
    "unit": "its charges' unit",
    "unit_price": "its charges' unit price when they share one, else none",
    "precise": "the exact sum of its charges' amounts",
    "amount": "its exact amount rounded once on its charges' quantum and rounding",
    "commitment": "its charges' commitments summed",
    "spent": "what the lines it counts spent",
    "owner": "none: only a part of a shared charge names an owner",
    "share": "none: only a part of a shared charge has a share",
    "shares": "none: only a part of a shared charge has a share",
    "whole": "none: only a part of a shared charge is part of a whole",
}


def _derivation(key: str) -> str:
    return _DERIVED.get(key, "as bill() derives it")
