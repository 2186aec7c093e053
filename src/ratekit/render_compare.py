"""A plan comparison as an HTML table, for notebooks (`Comparison._repr_html_`)."""

from __future__ import annotations

import typing

from .render import ROWS_SHOWN, period, plain
from .render_html import count_of, escape

if typing.TYPE_CHECKING:
    from ._comparison import Comparison, ComparisonRow

__all__ = ["comparison_html"]


def comparison_html(comparison: Comparison) -> str:
    """An HTML table: one row per account and cycle, one column per candidate.

    A cycle is printed in the timezone of the baseline's invoice for it (the timezone
    of the plan that billed it: the plan's ``tz``, else its cycle's), as its invoice
    prints it, or of the first candidate's that billed it when the baseline did not;
    in UTC when that plan has none. A candidate whose invoice for the cycle is in
    another timezone (a plan's own ``tz``, a cycle of another zone over the same
    instants) shows the cycle as its invoice reads it under its amount, so each
    candidate's cycle reads in its own zone. Every text is escaped as the invoices'
    HTML escapes it (markup, and control and bidi characters), and every number is in
    plain notation, as on the invoices (``0.0000009``, never ``9E-7``). The first
    ``ROWS_SHOWN`` accounts' cycles show, then a row counts the others, which the totals
    still sum. O(r) for r rows.
    """
    esc = escape  # the invoices' escaping: markup, and control and bidi characters
    zones = {
        (name, invoice.account, invoice.cycle): invoice.tz
        for name, invoices in comparison.invoices.items()
        for invoice in invoices
    }
    head = "".join(f"<th>{esc(name)}</th>" for name in comparison.candidates)
    body = []
    grouped: dict[tuple[str, int], list[ComparisonRow]] = {}
    for row in comparison.rows:
        grouped.setdefault((row.account, row.cycle.start_us), []).append(row)
    for shown_rows, ((account, _), rows) in enumerate(grouped.items()):
        if shown_rows == ROWS_SHOWN:
            left = count_of(len(grouped) - ROWS_SHOWN, "more row", "more rows")
            more = f"… and {left} (in the totals below)"
            columns = len(comparison.candidates) + 2  # the account, the cycle, the candidates
            body.append(f"<tr><td colspan='{columns}'>{more}</td></tr>")
            break
        first = rows[0]
        # the first candidate's invoice of the cycle that has one (the baseline may not)
        billed = [(n, account, first.cycle) for n in comparison.candidates]
        tz = next((zones[key] for key in billed if key in zones), None)
        when = period(first.cycle, tz)
        cells = []
        for row in rows:
            if row.total is None:
                cells.append("<td class='rk-missing'>not billed</td>")
                continue
            text = f"{esc(plain(row.total))} {esc(row.currency)}"
            own = zones.get((row.candidate, account, first.cycle), tz)
            if own != tz:  # its invoice reads the cycle in another zone: say how
                read = esc(period(first.cycle, own))
                text += f"<br><small class='rk-cycle'>cycle {read}</small>"
            if row.candidate != comparison.candidates[0] and row.difference is not None:
                sign = "+" if row.difference > 0 else ""
                colour = {"pays less": "#0a7d32", "pays more": "#b3261e"}.get(row.change, "#555")
                text += (
                    f"<br><small style='color:{colour}'>{sign}{esc(plain(row.difference))} "
                    f"({esc(row.change)})</small>"
                )
            cells.append(f"<td style='text-align:right'>{text}</td>")
        body.append(f"<tr><td>{esc(account)}</td><td>{esc(when)}</td>{''.join(cells)}</tr>")
    totals = comparison.totals_by_currency()
    # A candidate that billed nothing (no rows: no currency to write 0 in) shows a dash.
    foot = "".join(
        "<td style='text-align:right'><b>"
        + esc(
            " + ".join(f"{plain(amount)} {currency}" for currency, amount in totals[n].items())
            or "—"
        )
        + "</b></td>"
        for n in comparison.candidates
    )
    warned = ""
    if comparison._anomaly_counts():  # what a candidate left unpriced is no saving
        counted = "".join(
            "<td style='text-align:right;color:#b3261e'><b>⚠ "
            f"{len(comparison.anomalies.get(n, ()))}</b></td>"
            if comparison.anomalies.get(n)
            else "<td style='text-align:right'>0</td>"
            for n in comparison.candidates
        )
        warned = f"<tr class='rk-anomalies'><td><b>anomalies</b></td><td></td>{counted}</tr>"
    return (
        "<table class='rk-comparison'>"
        f"<thead><tr><th>account</th><th>cycle</th>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody>"
        f"<tfoot><tr><td><b>total</b></td><td></td>{foot}</tr>{warned}</tfoot>"
        "</table>"
    )
