"""HTML views of invoices, ratings and usage: the tables Jupyter shows.

``Invoice``, ``Rating`` and ``Usage`` call these functions from ``_repr_html_``. Numbers
are written as the text views write them (`ratekit.render`); every string that comes
from the user (accounts, resources, meters, entry ids, units, attribute values) is
escaped, and control and format characters are shown as escapes, so an attribute value
``<script>`` shows as text and a bidi override cannot reverse a name.

Examples:
    >>> escape('<b class="x">')
    '&lt;b class=&quot;x&quot;&gt;'
"""

from __future__ import annotations

import html
import re
import typing
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Final

from ._decimals import exact_sum
from ._entry_points import in_context
from ._instants import format_us, to_us
from ._topups import parts
from .render import (
    ROWS_SHOWN,
    TIERED_KINDS,
    charge_price,
    invoice_period,
    invoice_plans,
    invoice_quantum,
    line_notes,
    line_quantity,
    money,
    paid,
    period,
    plain,
    shown,
    tier_text,
    unit_price,
    visible,
    visible_message,
)

if typing.TYPE_CHECKING:
    from ._invoices import InvoiceLine
    from .billing import Invoice
    from .prices import TierLine
    from .rating import Charge, Rating
    from .statements import Statement, StatementLine
    from .usage import Usage

__all__ = [
    "count_of",
    "described",
    "escape",
    "invoice_html",
    "rating_html",
    "statement_html",
    "usage_html",
]


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


def _message(text: object) -> str:
    r"""An anomaly's message or a row's description, escaped but for its backslashes.

    Both quote the names and strings they hold as Python does (``'vm-1\\n'``), so their
    backslashes are doubled there already and not doubled again.
    """
    return html.escape(visible_message(str(text)), quote=True)


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
    if line.whole is not None and line.part is not None:  # a share of an aggregate priced whole
        quantity += f", share {shown(line.part)}/{shown(line.whole)}"
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
            f"<caption>Invoice {_e(invoice.account)} <span>{_e(invoice_period(invoice))}, "
            f"{_e(invoice.currency)}</span></caption>"
        ),
        (
            "<thead><tr><th>line</th><th class='num'>quantity</th>"
            "<th class='num'>unit price</th><th class='num'>amount</th></tr></thead><tbody>"
        ),
    ]
    settled = parts(invoice.lines, invoice.account)
    named = len(invoice_plans(invoice)) > 1
    room = ROWS_SHOWN  # rows of lines and of their notes shown before the rest is summed
    for index, line in enumerate(invoice.lines):
        if room <= 0:
            body.append(_more_lines(invoice.lines[index:]))
            break
        body.append(
            _row(
                [
                    _e(line.label),
                    _e(line_quantity(line)),
                    _e(unit_price(line)),
                    _e(plain(line.amount)),
                ]
            )
        )
        room -= 1
        if line.kind in TIERED_KINDS and line.unit_price is None:
            # a shared line's note (the whole it is a part of), then the tiers
            notes = [_row([_e(note), "", "", ""], css="note") for note in line_notes(line, False)]
            quantum = line.charges[0].quantum if line.charges else None
            tiers = line.tiers  # merged from the charges' explanations: asked once
            count = len(notes) + len(tiers)
            notes += [
                _row([_e(cell) for cell in _tier_cells(tier, line.unit, quantum)], css="note")
                for tier in tiers[: max(room - len(notes), 0)]
            ]
        else:
            texts = line_notes(line, True, settled.get(index, ()), named=named)
            notes = [_row([_e(note), "", "", ""], css="note") for note in texts]
            count = len(notes)
        if count > room:
            notes = notes[:room]
            left = count_of(count - room, "more row", "more rows")
            notes.append(_row([_e(f"… and {left} of this line"), "", "", ""], css="note"))
        body.extend(notes)
        room -= len(notes)
    if invoice.credits:
        credit_quantum = invoice_quantum(invoice)
        body.append(_row(["subtotal", "", "", _e(plain(invoice.subtotal))], css="sum"))
        body.extend(
            _row(
                [
                    _e(f"credit · {credit.credit}"),
                    _e(f"{money(credit.available, credit_quantum)} available"),
                    _e(f"{money(credit.left, credit_quantum)} left"),
                    _e(money(paid(credit.applied), credit_quantum)),
                ],
                css="credit",
            )
            for credit in invoice.credits
        )
    body.append(_row(["total", "", _e(invoice.currency), _e(plain(invoice.total))], css="total"))
    body.append("</tbody></table>")
    return "".join(body)


_WORD: Final = re.compile(r"[^\s,='\"\[\]{}\\]+")
_NOT_A_WORD: Final = re.compile(
    r"[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?|[+-]?(inf|infinity|s?nan\d*)|true|false|none",
    re.IGNORECASE,
)


def bare(text: str) -> bool:
    """Whether a key or string value of a description can show unquoted in the usage table.

    A word can: printable, without spaces, separators (``,`` ``=``), quotes, brackets or
    backslashes, and not reading as a number, a bool or None. Anything else is quoted as
    Python writes it, so that ``{"tier": "free, owner=ops"}`` cannot pass for two
    attributes, nor ``"1"`` for the number 1. O(len(text)).

    Examples:
        >>> bare("m1.small"), bare("free, owner=ops"), bare("1"), bare("None")
        (True, False, False, False)
    """
    return (
        _WORD.fullmatch(text) is not None
        and text.isprintable()
        and _NOT_A_WORD.fullmatch(text) is None
    )


def described(value: object, *, nested: bool = False) -> str:
    """A description's value as the usage table shows it, its numbers in plain notation.

    A Decimal is plain (``1E+5`` is ``100000``), a string itself when it is a word
    (`bare`), else quoted, as it always is inside a nested value; a nested mapping
    ``{'x': 2.50}`` with its keys in name order, a list ``[1, 'a']``; None, bools and
    ints as Python writes them. O(size of the value).

    Examples:
        >>> from decimal import Decimal
        >>> described({"b": [Decimal("1E-7"), "m1"], "a": None})
        "{'a': None, 'b': [0.0000001, 'm1']}"
    """
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, str):
        return value if not nested and bare(value) else repr(value)
    if isinstance(value, Mapping):
        items = (f"{key!r}: {described(value[key], nested=True)}" for key in sorted(value))
        return "{" + ", ".join(items) + "}"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(described(item, nested=True) for item in value) + "]"
    return repr(value)


def _more_lines(lines: Sequence[InvoiceLine]) -> str:
    """The row that stands for the lines an invoice's table leaves out, with their sum."""
    amount = exact_sum(line.amount for line in lines)  # a part of the subtotal: as exact
    label = f"… and {count_of(len(lines), 'more line', 'more lines')}"
    return _row([_e(label), "", "", _e(plain(amount))], css="note")


def _more(count: int, noun: tuple[str, str], columns: int) -> str:
    """The row, across ``columns``, that counts the ``count - 200`` items a table leaves out.

    ``noun``: the items' word, one and many (``("charge", "charges")``).
    """
    if count <= ROWS_SHOWN:
        return ""
    left = count_of(count - ROWS_SHOWN, f"more {noun[0]}", f"more {noun[1]}")
    return f"<tr class=\"note\"><td colspan='{columns}'>… and {left}</td></tr>"


def count_of(count: int, one: str, many: str) -> str:
    """``1 charge``, ``2 charges``, ``0 charges``: a count with its noun in agreement."""
    return f"{count} {one if count == 1 else many}"


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
    for charge in rating.charges[:ROWS_SHOWN]:
        unit_price = charge_price(charge)
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
        f"Rating <span>{count_of(len(rating.charges), 'charge', 'charges')}, "
        f"{count_of(len(rating.anomalies), 'anomaly', 'anomalies')}</span>",
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
        count=(len(rating.charges), ("charge", "charges")),
        anomalies=rating.anomalies,
    )


def _statement_row(line: StatementLine, tz: str | None, *, reported_only: bool = False) -> str:
    role = line.role + (" (late)" if line.late else "")
    if reported_only:
        role = f"reported only: {role}"
    label = (
        f"{line.meter} · {line.entry}"
        if line.kind == "usage"
        else (f"{line.kind} · {line.entry or line.meter or ''}").rstrip(" ·")
    )
    return _row(
        [
            _e(role),
            _e(line.account),
            _e(label),
            _e(line.resource or ""),
            _e(period(line.cycle, tz)),
            _e(f"{shown(line.quantity)} {line.unit}"),
            _e(f"{shown(line.amount)} {line.currency}"),
        ],
        numeric_from=5,
        css="note" if reported_only else "",
    )


@in_context
def statement_html(statement: Statement) -> str:
    """A rater's statement as HTML: its changed lines (the first 200), the invoices it closes.

    Each line shows its role (``charge``, ``increment``, ``reversal``, ``correction``;
    ``(late)`` for a closed cycle's), its invoice line and its quantity and amount as the
    statement gives them (exact; shown as the text views show numbers); under
    ``late="report"``, the pairs reported only follow, marked. Then one row per invoice
    closed (account, cycle, total), and the anomalies.

    Examples:
        >>> import ratekit as rk
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> line = rk.StatementLine("<b>", march, "usage", "p", "vm.hours", "vm", "vm-1", "hour", "EUR", 3, "0.30")
        >>> page = rk.Statement(march.end, lines=[line])._repr_html_()
        >>> "&lt;b&gt;" in page, "<b>" in page, "0.3 EUR" in page
        (True, False, True)
    """
    tz = statement.tz  # the lines' cycles read as the invoices' are
    rows = [_statement_row(line, tz) for line in statement.lines[:ROWS_SHOWN]]
    room = ROWS_SHOWN - len(rows)
    rows += [
        _statement_row(line, tz, reported_only=True) for line in statement.reported_only[:room]
    ]
    count = len(statement.lines) + len(statement.reported_only)
    invoices = ""
    if statement.invoices:
        closed = [
            _row(
                [
                    _e(invoice.account),
                    _e(invoice_period(invoice)),
                    _e(f"{plain(invoice.total)} {invoice.currency}"),
                ],
                numeric_from=2,
            )
            for invoice in statement.invoices[:ROWS_SHOWN]
        ]
        invoices = "".join(
            [
                '<table class="ratekit ratekit-closed"><caption>Invoices closed</caption>',
                "<thead><tr><th>account</th><th>cycle</th><th class='num'>total</th></tr></thead>",
                "<tbody>",
                *closed,
                _more(len(statement.invoices), ("invoice", "invoices"), 3),
                "</tbody></table>",
            ]
        )
    listing = _listing(
        "ratekit-statement",
        f"Statement as of {_e(format_us(to_us(statement.as_of)))} "
        f"<span>{count_of(len(statement.lines), 'line', 'lines')}, "
        f"{count_of(len(statement.invoices), 'invoice', 'invoices')} closed, "
        f"{count_of(len(statement.anomalies), 'anomaly', 'anomalies')}</span>",
        ("role", "account", "meter · entry", "resource", "cycle", "quantity", "amount"),
        rows,
        count=(count, ("line", "lines")),
        anomalies=(),
    )
    return listing + invoices + _anomaly_table(statement.anomalies)


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
    for row in usage.rows[:ROWS_SHOWN]:
        # by name: equal descriptions show alike, whatever order their keys came in
        description = ", ".join(
            f"{key if bare(key) else repr(key)}={described(row.description[key])}"
            for key in sorted(row.description)
        )
        rows.append(
            _row(
                [
                    _e(row.account),
                    _e(row.meter),
                    _e(row.resource),
                    _e(_span(row.span.start_us, row.span.end_us)),
                    _message(description),
                    _e(f"{shown(row.quantity)} {row.unit}"),
                ],
                numeric_from=5,
            )
        )
    return _listing(
        "ratekit-usage",
        f"Usage <span>{count_of(len(usage.rows), 'row', 'rows')}, "
        f"{count_of(len(usage.anomalies), 'anomaly', 'anomalies')}</span>",
        ("account", "meter", "resource", "span", "description", "quantity"),
        rows,
        count=(len(usage.rows), ("row", "rows")),
        anomalies=usage.anomalies,
    )


def _listing(
    css: str,
    caption: str,
    columns: Sequence[str],
    rows: list[str],
    *,
    count: tuple[int, tuple[str, str]],
    anomalies: Sequence[object],
) -> str:
    """A table of rows, then the anomalies' table when there are any.

    What a rating and a usage show: ``rows`` are the first 200 of ``count`` items (its
    count and its word, one and many), then a row counts the others; the columns from the
    sixth on hold numbers. The first 200 anomalies show, then a row counts the others.
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
        _more(*count, len(columns)),
        "</tbody></table>",
    ]
    return "".join(body) + _anomaly_table(anomalies)


def _anomaly_table(anomalies: Sequence[object]) -> str:
    """The anomalies' table (the first 200, then a row counting the others), or nothing."""
    if not anomalies:
        return ""
    body = ['<table class="ratekit"><caption>Anomalies</caption><tbody>']
    body.extend(_row([_message(anomaly)], numeric_from=1) for anomaly in anomalies[:ROWS_SHOWN])
    if len(anomalies) > ROWS_SHOWN:  # counted, as the rows past them are
        left = count_of(len(anomalies) - ROWS_SHOWN, "more anomaly", "more anomalies")
        body.append(_row([f"… and {left}"], numeric_from=1, css="note"))
    body.append("</tbody></table>")
    return "".join(body)
