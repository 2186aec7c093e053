"""The key of the invoice line a charge belongs to: what a statement line's ``key`` is.

Laws that compare a stream's statements with a batch ``rate()`` sum both per line: the
lines by their ``key``, the batch's charges by `line_key`, the same fields in the same
order (`tests/test_line_keys.py` holds it to the lines' own).
"""

from __future__ import annotations

import ratekit as rk


def line_key(charge: rk.Charge) -> tuple[object, ...]:
    """``charge``'s invoice line, as `rk.StatementLine.key` names it.

    (account, cycle start, cycle end in microseconds, kind, plan, meter, entry,
    resource, unit, currency).
    """
    return (
        charge.account,
        charge.cycle.start_us,
        charge.cycle.end_us,
        charge.kind,
        charge.plan,
        charge.meter,
        charge.entry,
        charge.resource,
        charge.unit,
        charge.currency,
    )
