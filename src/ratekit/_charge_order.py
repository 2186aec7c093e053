"""The orders rating keeps: usage rows, and the charges of a [`Rating`][ratekit.Rating].

Rows are rated in the order of `_row_key` (account, meter, resource, time, quantity,
records). A rating's charges are in the order of `_charge_key`: account, cycle, kind
(usage, fees, minimums), meter, resource, time, entry, quantity, records (a fee's or a
minimum's missing meter, resource, entry and row sort as empty). Each key reads the
fields in Python, which the interpreter does faster than `operator.attrgetter` reads
dotted names.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable
from typing import Final

from .charges import _KIND_ORDER, Charge
from .usage import UsageRow

__all__ = ["_charge_key", "_row_key", "in_charge_order"]

_ACCOUNT: Final = operator.attrgetter("account")


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


def in_charge_order(charges: Iterable[Charge]) -> list[Charge]:
    """``charges`` in the order of `_charge_key`, as one stable sort gives them.

    The key's first field is the account: the charges are gathered by account (each
    account's in the order given), and each account's sorted alone, the accounts in
    order. A stable sort gives the same list, but holds a key tuple (about 150 B) for
    every charge at once; here only one account's keys are alive at a time (a month of
    a fleet of 300 accounts, 101,744 charges: 15 MB less at rating's peak).
    O(n log n) for n charges, O(n) when they come in order.
    """
    by_account: dict[str, list[Charge]] = {}
    for account, run in itertools.groupby(charges, _ACCOUNT):
        group = by_account.get(account)
        if group is None:
            by_account[account] = list(run)
        else:
            group.extend(run)
    out: list[Charge] = []
    for account in sorted(by_account):
        group = by_account.pop(account)
        group.sort(key=_charge_key)
        out += group
    return out
