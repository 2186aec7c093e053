"""The orders rating keeps: usage rows, and the charges of a [`Rating`][ratekit.Rating].

Rows are rated in the order of `_row_key` (account, meter, resource, time, quantity,
records). A rating's charges are in the order of `_charge_key`: account, cycle, kind
(usage, fees, minimums), meter, resource, time, entry, quantity, records (a fee's or a
minimum's missing meter, resource, entry and row sort as empty). Each key reads the
fields in Python, which the interpreter does faster than `operator.attrgetter` reads
dotted names.
"""

from __future__ import annotations

from .charges import _KIND_ORDER, Charge
from .usage import UsageRow

__all__ = ["_charge_key", "_row_key"]


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
