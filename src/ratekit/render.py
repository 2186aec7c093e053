"""Text views of invoices, and the number and name formatting every view shares.

Every number is printed in plain notation (``0.00000000001``, never ``1E-11``);
quantities longer than six decimals are rounded to six for display and marked ``~``
(the values themselves stay exact); one whose first digit lies past the sixth decimal
keeps six significant digits instead, so that no quantity prints as ``~0``. Text is padded by its display width (wide and
combining characters counted as a terminal shows them). The HTML views
(`ratekit.render_html`) write numbers with these functions.

Examples:
    >>> import ratekit as rk
    >>> from decimal import Decimal
    >>> plain(Decimal("1E-11")), shown(Decimal("0.1234567891"))
    ('0.00000000001', '~0.123457')
"""

from __future__ import annotations

import datetime as _dt
import typing
import unicodedata
from collections.abc import Sequence
from decimal import Decimal
from typing import Final

from ._decimals import CONTEXT
from ._decimals import tidy as _tidy
from ._entry_points import in_context
from ._instants import datetime_to_us, format_us
from ._topups import Part, parts
from ._zones import zone
from .prices import Flat
from .tiers import arithmetic

if typing.TYPE_CHECKING:
    from .billing import Invoice, InvoiceLine
    from .charges import Charge
    from .prices import TierLine
    from .spans import Span

__all__ = [
    "ROWS_SHOWN",
    "TIERED_KINDS",
    "display_width",
    "invoice_period",
    "invoice_plans",
    "invoice_quantum",
    "invoice_text",
    "line_notes",
    "line_quantity",
    "money",
    "paid",
    "period",
    "plain",
    "priced_apart",
    "shown",
    "tier_text",
    "unit_price",
    "visible",
    "visible_message",
]

_SHOWN_PLACES: Final = 6
_ZERO: Final = Decimal(0)
_SHOWN_QUANTUM: Final = Decimal("1E-6")
#: The widest a text column is padded to (in display columns); a longer cell runs its row.
_PADDED: Final = 120  # a literal: scaleb(-6) would use the caller's context
ROWS_SHOWN: Final = 200


def visible(text: str) -> str:
    r"""``text`` with control and format characters written as escapes (``\n``, ``\x1b``).

    User strings (accounts, resources, ids) are printed through it, so that a newline
    cannot forge an invoice line, nor a terminal escape or a bidi override hide one. A
    backslash prints doubled, so that a name cannot pass for another's escaped one
    (``vm-1\\n``, a backslash and an ``n``, is not ``vm-1\n``, a newline).

    ```pycon
    >>> print(visible("vm-1\n  total  0.00"), visible("ok · fine"), visible("C:\\tmp"))
    vm-1\n  total  0.00 ok · fine C:\\tmp

    ```
    """
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(_visible_char(char) for char in text)


def _visible_char(char: str) -> str:
    return "\\\\" if char == "\\" else _escaped(char)


def _escaped(char: str) -> str:
    return char if char.isprintable() or char == " " else repr(char)[1:-1]


def visible_message(text: str) -> str:
    r"""A message of ratekit's, control and format characters written as `visible` does.

    Its backslashes are kept as they are: a message quotes the names it is about as
    Python does (``'vm-1\\n'``), which doubles their backslashes already.
    """
    return "".join(_escaped(char) for char in text)


def plain(value: Decimal) -> str:
    """A Decimal in plain notation, with the digits it has (``1E+1`` -> ``10``).

    A zero prints without a sign (``-0.000`` -> ``0.000``): no view or export shows a
    negative zero.
    """
    return format(value.copy_abs() if value.is_zero() else value, "f")


def _rounded(value: Decimal) -> Decimal:
    """``value`` when it has at most 6 decimals, else rounded to 6 (trailing zeros dropped).

    A value whose first digit lies past the 6th decimal is rounded to 6 significant
    digits instead (``0.0000004`` stays, ``0.00000012345678`` is ``0.000000123457``):
    rounded to 6 places it would print ``~0``, and a tier line ``0 * 1000 = 0.0004``
    that does not compute as printed.
    """
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= -_SHOWN_PLACES:
        return value
    first = value.adjusted()  # the place of the first digit (a zero's is its exponent)
    if first < -_SHOWN_PLACES and not value.is_zero():
        return _tidy(value.quantize(Decimal((0, (1,), first - 5)), context=CONTEXT))
    return _tidy(value.quantize(_SHOWN_QUANTUM, context=CONTEXT))


@in_context
def shown(value: Decimal) -> str:
    """A quantity as printed: exact when short, else rounded to 6 places and marked ``~``.

    Rounded, its trailing zeros are dropped (1/41 prints ``~0.02439``). Below 1E-6 it
    keeps 6 significant digits (`_rounded`): never ``~0`` for a non-zero.
    """
    value = _tidy(value)
    rounded = _rounded(value)
    return plain(value) if rounded == value else f"~{plain(rounded)}"


@in_context
def money(value: Decimal, quantum: Decimal | None) -> str:
    """An amount on the currency's quantum when that is exact, else as `shown()` prints it.

    ``money(Decimal("33.6"), Decimal("0.01"))`` is ``"33.60"``. Off a quantum finer than
    the 6 places `shown()` keeps, the amount is rounded to the quantum's places instead
    (``~0.00000003`` on satoshis, not ``~0``); a non-zero that rounds to zero there is
    shown with 6 significant digits (``0.0000000348`` on a quantum of ``1E-7``).
    """
    on_quantum = None if quantum is None else _on_quantum(value, quantum)
    if on_quantum is None:
        return shown(value)
    return plain(on_quantum) if on_quantum == value else f"~{plain(on_quantum)}"


def _on_quantum(value: Decimal, quantum: Decimal) -> Decimal | None:
    """``value`` as an amount on ``quantum`` shows it, or None where `shown()` rounds it.

    ``value`` on the quantum when it is exact there (``33.60``); off a quantum finer than
    the 6 places `shown()` keeps, rounded to the quantum's places, unless a non-zero
    rounds to zero there (then None: `shown()` keeps its 6 significant digits).
    """
    on_quantum = value.quantize(quantum, context=CONTEXT)
    if on_quantum == value:
        return on_quantum
    places = quantum.as_tuple().exponent
    if not isinstance(places, int) or places >= -_SHOWN_PLACES:
        return None
    fine = _tidy(value.quantize(Decimal((0, (1,), places)), context=CONTEXT))
    return fine if fine or not value else None


@in_context
def tier_text(line: TierLine, quantum: Decimal | None = None) -> str:
    """A tier line as printed, in tier order's words, never in exponent notation.

    Quantities and flat fees without trailing zeros (``10000``, not ``10000.000``); the
    amount on the currency's ``quantum`` when it is exact there (``4.10``, ``0.00``), else
    as it is (``1.955``). Long numbers are rounded to 6 places, and the line marked ``~``.

    ```pycon
    >>> import ratekit as rk
    >>> tier = rk.Graduated([rk.Tier(10000, 0), rk.Tier(None, "0.0005")]).explain(Decimal("18200.000"))[1]
    >>> tier_text(tier, Decimal("0.01"))
    'tiers[1] (10000, ∞): 8200 * 0.0005 = 4.10'

    ```
    """
    exact_quantity, exact_flat = _tidy(line.quantity), _tidy(line.flat)
    quantity, flat = _rounded(exact_quantity), _rounded(exact_flat)
    exact_part = None if line.part is None else _tidy(line.part)
    part = None if exact_part is None else _rounded(exact_part)
    exact_whole = None if line.whole is None else _tidy(line.whole)
    whole = None if exact_whole is None else _rounded(exact_whole)
    amount = _tidy(line.amount)
    # as `money()` shows it: on the quantum when exact there, however fine (0.00000060
    # on satoshis), rounded to a fine quantum's places, else as `shown()` rounds it
    shown_amount = None if quantum is None else _on_quantum(line.amount, quantum)
    if shown_amount is None:
        shown_amount = _rounded(amount)
    elif shown_amount == line.amount:
        amount = shown_amount
    exact = (quantity, flat, shown_amount, part, whole) == (
        exact_quantity,
        exact_flat,
        amount,
        exact_part,
        exact_whole,
    )
    text = arithmetic(
        line, plain, quantity=quantity, flat=flat, amount=shown_amount, part=part, whole=whole
    )
    return text if exact else f"~ {text}"


def paid(applied: Decimal) -> Decimal:
    """What a credit paid, as the invoice subtracts it (a credit that paid nothing: 0)."""
    return -applied if applied else abs(applied)


def invoice_quantum(invoice: Invoice) -> Decimal | None:
    """The quantum an invoice's own lines are rounded on (that of its latest charge)."""
    own = [c for line in invoice.lines if line.kind != "shared" for c in line.charges]
    charges = own or [c for line in invoice.lines for c in line.charges]
    if not charges:
        return None
    return max(charges, key=lambda charge: charge.span.start_us).quantum


def line_notes(
    line: InvoiceLine, tiers: bool, plans: Sequence[Part] = (), *, named: bool = False
) -> list[str]:
    """The lines printed under an invoice line: tiers, minimum arithmetic, shared part.

    ``plans``: a minimum line's plans' minimums as settled (`_topups.parts`); one note
    each, named by its plan when the line holds two plans' or when ``named`` (the
    invoice's cycle has more than one plan: `invoice_plans()`), so that after a plan
    change the note of the one plan that fell short still says which plan it is.
    """
    if line.kind == "minimum" and plans:
        quantum = line.charges[0].quantum if line.charges else None
        if len(plans) == 1 and not named:
            return [_minimum_note(plans[0], quantum)]
        return [f"{_part_label(part, plans)} · {_minimum_note(part, quantum)}" for part in plans]
    if line.kind == "minimum" and line.commitment is not None and line.spent is not None:
        # a line without its charges (built by hand): what it says of itself
        commitment, spent = line.commitment, line.spent
        exact = max(CONTEXT.subtract(commitment, spent), _ZERO)
        lines = CONTEXT.subtract(commitment, line.amount)
        part = Part("", commitment, commitment, exact, spent, lines, line.amount)
        return [_minimum_note(part, None)]
    notes = []
    if line.kind == "shared" and line.whole is not None:
        notes.append(
            f"part of {plain(line.whole)}, the whole charge of {line.owner}'s {line.resource}"
        )
    if tiers and line.kind in TIERED_KINDS and line.unit_price is None:
        # a holder's part of a tiered charge: the whole charge's tiers, under its note
        quantum = line.charges[0].quantum if line.charges else None
        return notes + [tier_text(tier, quantum) for tier in line.tiers]
    return notes or fee_parts(line)


#: The lines whose tier breakdown prints under them when their unit price is "tiered": a
#: usage line, and a holder's part of a shared usage charge (the whole charge's tiers).
TIERED_KINDS: Final = frozenset({"usage", "shared"})


@in_context
def fee_parts(line: InvoiceLine) -> list[str]:
    """A fee line's parts when its fees differ (a plan change within the cycle).

    One note per plan, in the order the plans charged: ``a · ~0.322581 * 31 = 10.00``, so
    that a line of two plans' fees computes as its usage lines do. Empty when the line
    holds one fee amount (its unit price says it) or a charge without one.
    """
    if line.kind != "fee" or line.unit_price is not None or not line.charges:
        return []
    quantum = line.charges[0].quantum
    parts: dict[tuple[str, Decimal], list[Charge]] = {}
    for charge in sorted(line.charges, key=lambda c: (c.span.start_us, c.span.end_us)):
        if charge.unit_price is None:
            return []
        parts.setdefault((charge.plan, charge.unit_price), []).append(charge)
    if len({unit for _, unit in parts}) < 2:
        return []
    out = []
    for (plan, unit), charges in parts.items():
        quantity = sum((charge.quantity for charge in charges), _ZERO)
        amount = sum((charge.amount for charge in charges), _ZERO)
        out.append(f"{plan} · {shown(quantity)} * {plain(unit)} = {money(amount, quantum)}")
    return out


def invoice_plans(invoice: Invoice) -> set[str]:
    """The plans that priced an invoice's own charges (not the owner's plan of a part it holds).

    More than one after a plan change within the cycle: its minimum notes then name
    their plan. O(c) for c charges.
    """
    return {
        charge.plan
        for line in invoice.lines
        if line.kind != "shared" or line.owner == invoice.account
        for charge in line.charges
    }


def _part_label(part: Part, plans: Sequence[Part]) -> str:
    """A minimum's name in its line's notes: its plan, and its piece when the plan has two.

    A cycle rated in pieces and billed as one invoice has a minimum per piece.
    """
    if part.span is None or sum(other.plan == part.plan for other in plans) < 2:
        return part.plan
    return f"{part.plan} {format_us(part.span[0])}..{format_us(part.span[1])}"


def _minimum_note(part: Part, quantum: Decimal | None) -> str:
    """How one plan's minimum is billed: the exact arithmetic, then the billed one."""
    commitment = money(part.commitment, quantum)
    if part.exact < 0:
        # a piece of a cycle giving back what earlier pieces topped up
        below = CONTEXT.subtract(part.commitment, part.spent)
        text = f"commitment {commitment} - spent {money(part.spent, quantum)} = {money(below, quantum)}"
        if below == part.exact:
            text += ", given back of the earlier pieces' top-up"
        else:
            text += f", given back up to the earlier pieces' top-up: {money(part.exact, quantum)}"
    elif part.exact:
        text = (
            f"commitment {commitment} - spent {money(part.spent, quantum)}"
            f" = {money(part.exact, quantum)}"
        )
    else:
        # the exact spend reached the commitment (the lines as rounded may not)
        text = f"commitment {commitment} reached by the exact spend {money(part.spent, quantum)}"
    if part.exact != part.amount:
        # the top-up is the commitment less the lines as rounded (so that the lines under
        # it add up to it): say so, or 42.725 above 42.72 reads as a mistake
        target = money(part.target, quantum)
        if part.amount:
            text += (
                f"; billed {target} - lines {money(part.lines, quantum)}"
                f" = {money(part.amount, quantum)}"
            )
        else:
            text += f"; billed 0, the lines as rounded reach {target}"
    return text


def unit_price(line: InvoiceLine) -> str:
    """An invoice line's unit-price cell: the price, ``varies``, ``flat``, ``tiered`` or empty."""
    if line.kind == "minimum":
        return ""
    if line.unit_price is not None:
        return plain(line.unit_price)
    if line.kind not in {"usage", "shared"}:
        # fees of different amounts (a plan change within the cycle): each part below
        return "varies" if fee_parts(line) else ""
    if (line.charges and all(charge.unit_price is not None for charge in line.charges)) or (
        priced_apart(line.charges)
    ):
        # linear prices that changed within the cycle, or a plan change within the
        # cycle: each part below
        return "varies"
    if line.charges and all(type(charge.price) is Flat for charge in line.charges):
        return "flat"  # usage under a flat fee (billed on the fee line): 0 a unit
    return "tiered"


def charge_price(charge: Charge) -> str:
    """A charge's unit-price cell: its price, ``flat`` (usage under a `Flat`) or ``tiered``."""
    if charge.unit_price is not None:
        return plain(charge.unit_price)
    if charge.kind == "usage" and type(charge.price) is Flat:
        return "flat"
    return "tiered"


def priced_apart(charges: Sequence[Charge]) -> bool:
    """Whether ``charges`` come from several plans that do not price alike.

    After a plan change within a cycle under one entry id, an invoice line holds each
    plan's charges: when the plans' prices differ, each plan's part prints on its own,
    labelled with its plan; one price on both sides stays one formula. O(n).
    """
    prices: dict[str, list[object]] = {}
    for charge in charges:
        mine = prices.setdefault(charge.plan, [])
        if charge.price not in mine:
            mine.append(charge.price)
    if len(prices) < 2:
        return False
    first, *others = prices.values()
    return any(other != first for other in others)


def line_quantity(line: InvoiceLine) -> str:
    """An invoice line's quantity cell, with its unit and what was free."""
    if line.kind == "minimum":
        return ""
    text = f"{shown(line.quantity)} {line.unit}"
    if line.free:
        text += f" ({shown(line.free)} free)"
    return text


def invoice_period(invoice: Invoice) -> str:
    """An invoice's cycle as printed (`period()`)."""
    return period(invoice.cycle, invoice.tz)


@in_context
def period(cycle: Span, tz: str | None) -> str:
    """A cycle as printed: in UTC without ``tz``, else in local time, the zone named.

    ```pycon
    >>> import ratekit as rk
    >>> march = rk.Span("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z")
    >>> period(march, None)
    '2026-02-28T23:00:00Z .. 2026-03-31T22:00:00Z'
    >>> period(march, "Europe/Zurich")
    '2026-03-01 .. 2026-04-01 (Europe/Zurich)'

    ```
    """
    if tz is None:
        return f"{format_us(cycle.start_us)} .. {format_us(cycle.end_us)}"
    local = zone(tz, "Invoice tz")
    start, end = _local(cycle.start, local), _local(cycle.end, local)
    return f"{start} .. {end} ({tz})"


def _local(moment: _dt.datetime, zone: _dt.tzinfo) -> str:
    """A cycle boundary in local time: the date alone at local midnight.

    Otherwise the local time to the minute, or to the second or microsecond when the
    boundary has them (a cycle of ``every`` anchored at 06:00:30.5, a day starting at
    Zurich's mean time, 23:25:52 UTC in 1850), never cut to a minute it is not at. A
    midnight that happens twice is the date alone at its first occurrence only (the one a
    date names, as cycles read it); the second shows its offset. A bound whose local time
    falls outside datetime's years (0001-01-01T00:00Z read in Los Angeles is in year 0)
    prints in UTC.
    """
    try:
        local = moment.astimezone(zone)
    except OverflowError:
        return format_us(datetime_to_us(moment))
    if local.time() == _dt.time(0) and not local.fold:
        return local.date().isoformat()
    if local.microsecond:
        return local.isoformat(timespec="microseconds")
    return local.isoformat(timespec="seconds" if local.second else "minutes")


#: Categories of characters that take no column: combining marks, format characters.
_ZERO_WIDTH: Final = frozenset({"Mn", "Me", "Cf"})


def display_width(text: str) -> int:
    """The columns ``text`` takes in a terminal: 2 for a wide character, 0 for a combining one.

    Wide and fullwidth characters (CJK, most emoji) take two columns, combining marks and
    format characters (an accent written after its letter, a zero-width joiner) none.
    O(n) for n characters.

    ```pycon
    >>> display_width("vm"), display_width("仮想"), display_width("e\u0301"), display_width("🚀")
    (2, 4, 1, 2)

    ```
    """
    width = 0
    for char in text:
        if unicodedata.category(char) in _ZERO_WIDTH:
            continue
        width += 2 if unicodedata.east_asian_width(char) in {"W", "F"} else 1
    return width


def _padded(text: str, width: int, *, left: bool) -> str:
    """``text`` padded with spaces to ``width`` columns, on the right (``left``) or left."""
    pad = " " * max(0, width - display_width(text))
    return text + pad if left else pad + text


@in_context
def invoice_text(invoice: Invoice, *, tiers: bool = True) -> str:
    """The invoice as a plain-text table: lines, their notes, credits and the total."""
    header = ("line", "quantity", "unit price", "amount")
    rows: list[tuple[str, str, str, str]] = []
    notes: dict[int, list[str]] = {}
    settled = parts(invoice.lines, invoice.account)
    named = len(invoice_plans(invoice)) > 1
    for index, line in enumerate(invoice.lines):
        rows.append(
            (
                visible(line.label),
                visible(line_quantity(line)),
                unit_price(line),
                plain(line.amount),
            )
        )
        found = line_notes(line, tiers, settled.get(index, ()), named=named)
        if found:
            notes[len(rows) - 1] = [visible(note) for note in found]
    tail: list[tuple[str, str, str, str]] = []
    if invoice.credits:
        quantum = invoice_quantum(invoice)
        tail.append(("subtotal", "", "", plain(invoice.subtotal)))
        tail.extend(
            (
                f"credit · {visible(credit.credit)}",
                f"{money(credit.available, quantum)} available",
                f"{money(credit.left, quantum)} left",
                money(paid(credit.applied), quantum),
            )
            for credit in invoice.credits
        )
    total = ("total", "", "", plain(invoice.total))
    # padded by display width, so wide (CJK, emoji) and combining characters line up; a
    # cell wider than _PADDED prints whole without widening its column, so one id of
    # thousands of characters does not pad every row to it (the text stays the size of
    # what it shows, not lines x the longest id)
    table = [header, *rows, *tail, total]
    widths = [
        max(w for row in table if (w := display_width(row[i])) <= _PADDED or row is header)
        for i in range(4)
    ]

    def format_row(row: tuple[str, str, str, str]) -> str:
        cells = [_padded(row[0], widths[0], left=True)]
        cells.extend(_padded(row[i], widths[i], left=False) for i in range(1, 4))
        return ("  " + "  ".join(cells)).rstrip()

    title = f"Invoice {invoice.account}, {invoice_period(invoice)}, {invoice.currency}"
    out = [visible(title), ""]
    out.append(format_row(header))
    for index, row in enumerate(rows):
        out.append(format_row(row))
        out.extend(f"      {note}" for note in notes.get(index, ()))
    out.append("")
    out.extend(format_row(row) for row in tail)
    out.append(format_row(total))
    return "\n".join(out)
