"""What a stream bills of a meter: its statements' lines plus what its anomalies name.

The law of the compacted cycles: a record too late for its cycle is not applied but
named (a ``"late"`` or ``"too_late"`` anomaly with its quantity), so the lines plus the
quantities named come to what one batch ``rate()`` of every record bills.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import ratekit as rk


def lines_and_named(
    reports: Iterable[rk.Feed | rk.Statement],
    meter: str,
    resource: str | None = None,
    *,
    account: str | None = None,
) -> Decimal:
    """The lines of ``meter`` plus what the ``"late"`` and ``"too_late"`` anomalies name of it.

    With ``resource`` (and ``account``), of that resource (of that account) alone. Exact
    (ratekit's own numbers, summed as they come: none is rounded).
    """
    reports = list(reports)
    lines = sum(
        (
            line.quantity
            for r in reports
            if isinstance(r, rk.Statement)
            for line in r.lines
            if line.meter == meter
            and resource in {None, line.resource}
            and account in {None, line.account}
        ),
        Decimal(0),
    )
    named = sum(
        (
            a.quantity
            for r in reports
            for a in r.anomalies
            if a.kind in {"late", "too_late"}
            and a.meter == meter
            and a.quantity is not None
            and resource in {None, a.resource}
            and account in {None, a.account}
        ),
        Decimal(0),
    )
    return lines + named
