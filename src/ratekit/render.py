"""Views: invoices, ratings and usage as plain text and as HTML tables for notebooks.

Every number is printed in plain notation (``0.00000000001``, never ``1E-11``);
quantities longer than six decimals are rounded to six for display and marked ``~``
(the values themselves stay exact). The HTML views escape every string that comes from
the user (accounts, resources, meters, entry ids, units, attribute values), so an
attribute value ``<script>`` shows as text. ``Invoice``, ``Rating`` and ``Usage`` call
these functions from ``_repr_html_``, which is what Jupyter shows.

Examples:
    >>> import ratekit as rk
    >>> from decimal import Decimal
    >>> plain(Decimal("1E-11")), shown(Decimal("0.1234567891"))
    ('0.00000000001', '~0.123457')
"""

from __future__ import annotations

import datetime as _dt
import html
import typing
import unicodedata
import zoneinfo
from collections.abc import Sequence
from decimal import Decimal
from typing import Final

from ._decimals import CONTEXT, in_context
from ._decimals import tidy as _tidy
from ._instants import format_us
from ._topups import Part, parts
from .tiers import arithmetic

if typing.TYPE_CHECKING:
    from .billing import Invoice, InvoiceLine
    from .prices import TierLine
    from .rating import Charge, Rating
    from .spans import Span
    from .usage import Usage

__all__ = [
    "display_width",
    "escape",
    "invoice_html",
    "invoice_text",
    "period",
    "plain",
    "rating_html",
    "shown",
    "usage_html",
    "visible",
]

_SHOWN_PLACES: Final = 6
_ZERO: Final = Decimal(0)
_SHOWN_QUANTUM: Final = Decimal("1E-6")  # a literal: scaleb(-6) would use the caller's context
_ROWS_SHOWN: Final = 200


def visible(text: str) -> str:
    r"""``text`` with control and format characters written as escapes (``\n``, ``\x1b``).

    User strings (accounts, resources, ids) are printed through it, so that a newline
    cannot forge an invoice line, nor a terminal escape or a bidi override hide one.

    ```pycon
    >>> print(visible("vm-1\n  total  0.00"), visible("ok · fine"))
    vm-1\n  total  0.00 ok · fine

    ```
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() or char == " " else repr(char)[1:-1] for char in text)


def plain(value: Decimal) -> str:
    """A Decimal in plain notation, with the digits it has (``1E+1`` -> ``10``)."""
    return format(value, "f")


def _rounded(value: Decimal) -> Decimal:
    """``value`` when it has at most 6 decimals, else rounded to 6 (trailing zeros dropped)."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -_SHOWN_PLACES:
        return value
    return _tidy(value.quantize(_SHOWN_QUANTUM, context=CONTEXT))


@in_context
def shown(value: Decimal) -> str:
    """A quantity as printed: exact when short, else rounded to 6 places and marked ``~``."""
    value = _tidy(value)
    rounded = _rounded(value)
    return plain(value) if rounded == value else f"~{plain(rounded)}"


@in_context
def money(value: Decimal, quantum: Decimal | None) -> str:
    """An amount on the currency's quantum when that is exact, else as `shown()` prints it.

    ``money(Decimal("33.6"), Decimal("0.01"))`` is ``"33.60"``.
    """
    if quantum is not None:
        on_quantum = value.quantize(quantum, context=CONTEXT)
        if on_quantum == value:
            return plain(on_quantum)
    return shown(value)


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
    amount = _tidy(line.amount)
    if quantum is not None:
        on_quantum = line.amount.quantize(quantum, context=CONTEXT)
        if on_quantum == line.amount:
            amount = on_quantum
    shown_amount = _rounded(amount)
    exact = (quantity, flat, shown_amount) == (exact_quantity, exact_flat, amount)
    text = arithmetic(line, plain, quantity=quantity, flat=flat, amount=shown_amount)
    return text if exact else f"~ {text}"


def _paid(applied: Decimal) -> Decimal:
    """What a credit paid, as the invoice subtracts it (a credit that paid nothing: 0)."""
    return -applied if applied else abs(applied)


def invoice_quantum(invoice: Invoice) -> Decimal | None:
    """The quantum an invoice's own lines are rounded on (that of its latest charge)."""
    own = [c for line in invoice.lines if line.kind != "shared" for c in line.charges]
    charges = own or [c for line in invoice.lines for c in line.charges]
    if not charges:
        return None
    return max(charges, key=lambda charge: charge.span.start_us).quantum


def _notes(line: InvoiceLine, tiers: bool, plans: Sequence[Part] = ()) -> list[str]:
    """The lines printed under an invoice line: tiers, minimum arithmetic, shared part.

    ``plans``: a minimum line's plans' minimums as settled (`_topups.parts`); one note
    each, named by its plan when the line holds two plans' (a plan change in the cycle).
    """
    if line.kind == "minimum" and plans:
        quantum = line.charges[0].quantum if line.charges else None
        if len(plans) == 1:
            return [_minimum_note(plans[0], quantum)]
        return [f"{part.plan} · {_minimum_note(part, quantum)}" for part in plans]
    if line.kind == "minimum" and line.commitment is not None and line.spent is not None:
        # a line without its charges (built by hand): what it says of itself
        commitment, spent = line.commitment, line.spent
        exact = max(CONTEXT.subtract(commitment, spent), _ZERO)
        lines = CONTEXT.subtract(commitment, line.amount)
        part = Part("", commitment, commitment, exact, spent, lines, line.amount)
        return [_minimum_note(part, None)]
    if line.kind == "shared" and line.whole is not None:
        return [f"part of {plain(line.whole)}, the whole charge of {line.owner}'s {line.resource}"]
    if tiers and line.kind == "usage" and line.unit_price is None:
        quantum = line.charges[0].quantum if line.charges else None
        return [tier_text(tier, quantum) for tier in line.tiers]
    return []


def _minimum_note(part: Part, quantum: Decimal | None) -> str:
    """How one plan's minimum is billed: the exact arithmetic, then the billed one."""
    commitment = money(part.commitment, quantum)
    if part.exact:
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


def _unit_price(line: InvoiceLine) -> str:
    if line.kind == "minimum":
        return ""
    if line.unit_price is not None:
        return plain(line.unit_price)
    if line.kind not in {"usage", "shared"}:
        return ""
    if line.charges and all(charge.unit_price is not None for charge in line.charges):
        return "varies"  # linear prices that changed within the cycle: each part below
    return "tiered"


def _quantity(line: InvoiceLine) -> str:
    if line.kind == "minimum":
        return ""
    text = f"{shown(line.quantity)} {line.unit}"
    if line.free:
        text += f" ({shown(line.free)} free)"
    return text


def _period(invoice: Invoice) -> str:
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
    zone = zoneinfo.ZoneInfo(tz)
    start, end = _local(cycle.start, zone), _local(cycle.end, zone)
    return f"{start} .. {end} ({tz})"


def _local(moment: _dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """A cycle boundary in local time: the date alone at local midnight."""
    local = moment.astimezone(zone)
    if local.time() == _dt.time(0):
        return local.date().isoformat()
    return local.isoformat(timespec="minutes")


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
    for index, line in enumerate(invoice.lines):
        rows.append(
            (visible(line.label), visible(_quantity(line)), _unit_price(line), plain(line.amount))
        )
        found = _notes(line, tiers, settled.get(index, ()))
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
                money(_paid(credit.applied), quantum),
            )
            for credit in invoice.credits
        )
    total = ("total", "", "", plain(invoice.total))
    # padded by display width, so wide (CJK, emoji) and combining characters line up
    widths = [max(display_width(row[i]) for row in [header, *rows, *tail, total]) for i in range(4)]

    def format_row(row: tuple[str, str, str, str]) -> str:
        cells = [_padded(row[0], widths[0], left=True)]
        cells.extend(_padded(row[i], widths[i], left=False) for i in range(1, 4))
        return ("  " + "  ".join(cells)).rstrip()

    title = f"Invoice {invoice.account}, {_period(invoice)}, {invoice.currency}"
    out = [visible(title), ""]
    out.append(format_row(header))
    for index, row in enumerate(rows):
        out.append(format_row(row))
        out.extend(f"      {note}" for note in notes.get(index, ()))
    out.append("")
    out.extend(format_row(row) for row in tail)
    out.append(format_row(total))
    return "\n".join(out)


# -- HTML ----------------------------------------------------------------------------------

_STYLE: Final = (
    "<style>"
    ".ratekit{border-collapse:collapse;font-family:system-ui,-apple-system,'Segoe UI',"
    "sans-serif;font-size:13px;color:#1f2328;margin:4px 0}"
    ".ratekit caption{text-align:left;font-weight:600;font-size:14px;padding:4px 0 8px}"
    ".ratekit caption span{font-weight:400;color:#57606a}"
    ".ratekit th{text-align:left;border-bottom:2px solid #d0d7de;padding:4px 12px;"
    "font-weight:600;background:#f6f8fa}"
    ".ratekit td{padding:3px 12px;border-bottom:1px solid #eaeef2;vertical-align:top}"
    ".ratekit .num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    ".ratekit tr.note td{color:#57606a;font-size:12px;border-bottom:none;padding-top:0}"
    ".ratekit tr.note td:first-child{padding-left:28px}"
    ".ratekit tr.sum td{border-top:1px solid #8c959f;border-bottom:none}"
    ".ratekit tr.credit td{color:#1a7f37}"
    ".ratekit tr.total td{font-weight:700;border-top:2px solid #1f2328;border-bottom:none}"
    "</style>"
)


def escape(value: object) -> str:
    """Escape a user-supplied value for HTML text and attributes.

    Markup and quotes are escaped, and control and format characters (a newline, a
    terminal escape, a bidi override) are written as escapes by ``visible``, so a name
    can neither inject markup nor display reversed. Every HTML view uses it.
    """
    return html.escape(visible(str(value)), quote=True)


_e: Final = escape


def _row(cells: Sequence[str], *, numeric_from: int = 1, css: str = "") -> str:
    attrs_ = f' class="{css}"' if css else ""
    tds = "".join(
        f'<td class="num">{cell}</td>' if i >= numeric_from else f"<td>{cell}</td>"
        for i, cell in enumerate(cells)
    )
    return f"<tr{attrs_}>{tds}</tr>"


def _tier_cells(line: TierLine, unit: str, quantum: Decimal | None) -> tuple[str, str, str, str]:
    """A tier line as the cells of a table row: tier, quantity, unit price, amount."""
    head = line.label
    if line.lower is not None:
        upper = "∞)" if line.upper is None else f"{plain(line.upper)}]"
        head += f" ({plain(line.lower)}, {upper}"
    quantity = f"{shown(line.quantity)} {unit}"
    price = plain(line.unit)
    if line.block is not None:
        plural = "" if line.blocks == 1 else "s"
        quantity += f" in {line.blocks} block{plural} of {plain(line.block)}"
        price += " per block"
    if line.flat:
        price += f" + {shown(line.flat)} flat"
    return head, quantity, price, money(line.amount, quantum)


@in_context
def invoice_html(invoice: Invoice) -> str:
    """The invoice as an HTML table: lines, tier breakdowns, credits and the total.

    Every user-supplied string is escaped.

    Examples:
        >>> import ratekit as rk
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [], fees=[rk.Fee("<b>", 5)])
        >>> page = rk.bill(rk.rate([], [rk.Assignment("acme", plan)], span=march))[0]._repr_html_()
        >>> "fee · &lt;b&gt;" in page, "<b>" in page
        (True, False)
    """
    body = [
        _STYLE,
        '<table class="ratekit ratekit-invoice">',
        (
            f"<caption>Invoice {_e(invoice.account)} <span>{_e(_period(invoice))}, "
            f"{_e(invoice.currency)}</span></caption>"
        ),
        (
            "<thead><tr><th>line</th><th class='num'>quantity</th>"
            "<th class='num'>unit price</th><th class='num'>amount</th></tr></thead><tbody>"
        ),
    ]
    settled = parts(invoice.lines, invoice.account)
    for index, line in enumerate(invoice.lines):
        body.append(
            _row(
                [
                    _e(line.label),
                    _e(_quantity(line)),
                    _e(_unit_price(line)),
                    _e(plain(line.amount)),
                ]
            )
        )
        if line.kind == "usage" and line.unit_price is None:
            quantum = line.charges[0].quantum if line.charges else None
            body.extend(
                _row([_e(cell) for cell in _tier_cells(tier, line.unit, quantum)], css="note")
                for tier in line.tiers
            )
        else:
            body.extend(
                _row([_e(note), "", "", ""], css="note")
                for note in _notes(line, True, settled.get(index, ()))
            )
    if invoice.credits:
        credit_quantum = invoice_quantum(invoice)
        body.append(_row(["subtotal", "", "", _e(plain(invoice.subtotal))], css="sum"))
        body.extend(
            _row(
                [
                    _e(f"credit · {credit.credit}"),
                    _e(f"{money(credit.available, credit_quantum)} available"),
                    _e(f"{money(credit.left, credit_quantum)} left"),
                    _e(money(_paid(credit.applied), credit_quantum)),
                ],
                css="credit",
            )
            for credit in invoice.credits
        )
    body.append(_row(["total", "", _e(invoice.currency), _e(plain(invoice.total))], css="total"))
    body.append("</tbody></table>")
    return "".join(body)


def _more(count: int) -> str:
    if count <= _ROWS_SHOWN:
        return ""
    return f"<p>… and {count - _ROWS_SHOWN} more rows.</p>"


def _span(start_us: int, end_us: int) -> str:
    return f"{format_us(start_us)} .. {format_us(end_us)}"


def _charge_label(charge: Charge) -> str:
    if charge.kind == "usage":
        return f"{charge.meter} · {charge.entry}"
    if charge.kind == "minimum":
        return "minimum" if charge.meter is None else f"minimum · {charge.meter}"
    return f"{charge.kind} · {charge.entry}"


@in_context
def rating_html(rating: Rating) -> str:
    """A rating as an HTML table of its charges (the first 200), with tiers and anomalies.

    Examples:
        >>> import ratekit as rk
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> plan = rk.Plan("p", "EUR", rk.cycles.monthly(tz="UTC"), [rk.PriceEntry("vm", "vm.hours", rk.PerUnit(1))])
        >>> row = rk.UsageRow("acme", "vm.hours", "<script>", march, march, 2, "hour", {}, ())
        >>> page = rk.rate([row], plan, span=march)._repr_html_()
        >>> "&lt;script&gt;" in page, "<script>" in page
        (True, False)
    """
    rows = []
    for charge in rating.charges[:_ROWS_SHOWN]:
        unit_price = "tiered" if charge.unit_price is None else plain(charge.unit_price)
        rows.append(
            _row(
                [
                    _e(charge.account),
                    _e(charge.kind),
                    _e(_charge_label(charge)),
                    _e(charge.resource or ""),
                    _e(_span(charge.span.start_us, charge.span.end_us)),
                    _e(f"{shown(charge.quantity)} {charge.unit}"),
                    _e(unit_price),
                    _e(f"{shown(charge.amount)} {charge.currency}"),
                ],
                numeric_from=5,
            )
        )
        if charge.unit_price is None:
            rows.extend(
                _row(["", "", _e(tier_text(tier)), "", "", "", "", ""], numeric_from=5, css="note")
                for tier in charge.tiers
            )
    return _listing(
        "ratekit-rating",
        f"Rating <span>{len(rating.charges)} charges, {len(rating.anomalies)} anomalies</span>",
        (
            "account",
            "kind",
            "meter · entry",
            "resource",
            "span",
            "quantity",
            "unit price",
            "amount",
        ),
        rows,
        count=len(rating.charges),
        anomalies=rating.anomalies,
    )


@in_context
def usage_html(usage: Usage) -> str:
    """Usage as an HTML table of its rows (the first 200), with their descriptions.

    Examples:
        >>> import ratekit as rk
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> row = rk.UsageRow("acme", "vm.hours", "vm-1", march, march, 2, "hour", {"flavor": "<script>"}, ())
        >>> page = rk.Usage((row,), (), ())._repr_html_()
        >>> "flavor=&lt;script&gt;" in page, "<script>" in page
        (True, False)
    """
    rows = []
    for row in usage.rows[:_ROWS_SHOWN]:
        description = ", ".join(f"{key}={value}" for key, value in row.description.items())
        rows.append(
            _row(
                [
                    _e(row.account),
                    _e(row.meter),
                    _e(row.resource),
                    _e(_span(row.span.start_us, row.span.end_us)),
                    _e(description),
                    _e(f"{shown(row.quantity)} {row.unit}"),
                ],
                numeric_from=5,
            )
        )
    return _listing(
        "ratekit-usage",
        f"Usage <span>{len(usage.rows)} rows, {len(usage.anomalies)} anomalies</span>",
        ("account", "meter", "resource", "span", "description", "quantity"),
        rows,
        count=len(usage.rows),
        anomalies=usage.anomalies,
    )


def _listing(
    css: str,
    caption: str,
    columns: Sequence[str],
    rows: list[str],
    *,
    count: int,
    anomalies: Sequence[object],
) -> str:
    """A table of rows, then the anomalies' table when there are any.

    What a rating and a usage show: ``rows`` are the first 200 of ``count``; the columns
    from the sixth on hold numbers.
    """
    head = "".join(
        f"<th class='num'>{column}</th>" if index >= 5 else f"<th>{column}</th>"
        for index, column in enumerate(columns)
    )
    body = [
        _STYLE,
        f'<table class="ratekit {css}">',
        f"<caption>{caption}</caption>",
        f"<thead><tr>{head}</tr></thead><tbody>",
        *rows,
        "</tbody></table>",
        _more(count),
    ]
    if anomalies:
        body.append('<table class="ratekit"><caption>Anomalies</caption><tbody>')
        body.extend(_row([_e(anomaly)], numeric_from=1) for anomaly in anomalies[:_ROWS_SHOWN])
        body.append("</tbody></table>")
    return "".join(body)
