"""The orders rating keeps: usage rows, and the charges of a [`Rating`][ratekit.Rating].

Rows are rated in the order of `_row_key` (account, meter, resource, time, quantity,
records). A rating's charges are in the order of `_charge_key`: account, cycle, kind
(usage, fees, minimums), meter, resource, time, entry, quantity, records (a fee's or a
minimum's missing meter, resource, entry and row sort as empty). Each key reads the
fields in Python, which the interpreter does faster than `operator.attrgetter` reads
dotted names.
"""

from __future__ import annotations

from collections.abc import Iterable

from .charges import _KIND_ORDER, Charge
from .usage import UsageRow

__all__ = ["_charge_key", "_row_key", "in_charge_order", "in_row_order"]


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


def in_row_order(rows: Iterable[UsageRow]) -> tuple[UsageRow, ...]:
    """``rows`` in the order of `_row_key`, as one stable sort gives them.

    The key's first three fields (account, meter, resource) are read once per run of
    rows that share them by identity (a resource's rows of one meter come together, from
    metering and from the rater's book), and the rows gathered by them; each gathering
    whose spans' starts ascend is in order already (the key's next field decides), and
    only the others are sorted, by the key's rest (time, quantity, records). A stable
    sort gives the same rows, but builds a 7-field key for each (a call per row: a
    month's 34,000 rows at its first statement). O(n log n) for n rows, O(n) when each
    resource's rows of a meter come in time order.
    """
    given = rows if isinstance(rows, list | tuple) else list(rows)
    gathered: dict[tuple[str, str, str], list[UsageRow]] = {}
    account = meter = resource = None
    group: list[UsageRow] = []
    start = 0
    for index, row in enumerate(given):
        if row.resource is not resource or row.meter is not meter or row.account is not account:
            group += given[start:index]
            start = index
            account, meter, resource = row.account, row.meter, row.resource
            key = (account, meter, resource)
            if key in gathered:
                group = gathered[key]
            else:
                group = gathered[key] = []
    group += given[start:]
    out: list[UsageRow] = []
    for key in sorted(gathered):
        group = gathered[key]
        last = None
        for row in group:  # (most ascend: told without a call)
            here = row.span.start_us
            if last is not None and here <= last:
                group.sort(key=_row_rest)
                break
            last = here
        out += group
    return tuple(out)


def _row_rest(row: UsageRow) -> tuple[object, ...]:
    """The fields of `_row_key` after account, meter and resource."""
    return (row.span.start_us, row.span.end_us, row.quantity, row.record_ids)


def _charge_key(charge: Charge) -> tuple[object, ...]:
    return (
        charge.account,
        charge.cycle.start_us,
        _KIND_ORDER[charge.kind],
        charge.meter is None,
        charge.meter or "",
        *_fine(charge),
    )


def in_charge_order(charges: Iterable[Charge]) -> list[Charge]:
    """``charges`` in the order of `_charge_key`, as one stable sort gives them.

    The key's first five fields (account, cycle, kind, meter) are read once per run of
    charges that share them by identity (rating's come so: a resource's pieces under one
    meter, each account's apart), and the charges gathered by them; the rest (resource,
    time, entry, quantity, records) is compared along each gathering, which is sorted by
    `_charge_key` only where it is not in order already. A stable sort gives the same
    list, but builds an 11-field key for every charge (about 0.5 µs, and 150 B while
    the sort runs); rating's charges mostly come in order, and then no key is built.
    O(n log n) for n charges, O(n) when they come in order.
    """
    given = charges if isinstance(charges, list) else list(charges)
    gathered: dict[tuple[object, ...], list[Charge]] = {}
    key: tuple[object, ...]
    account = meter = kind = cycle = None
    group: list[Charge] = []
    start = 0
    for index, charge in enumerate(given):
        if (
            charge.account is not account
            or charge.cycle is not cycle
            or charge.kind is not kind
            or charge.meter is not meter
        ):
            group += given[start:index]
            start = index
            account, cycle, kind, meter = charge.account, charge.cycle, charge.kind, charge.meter
            key = (account, cycle.start_us, _KIND_ORDER[kind], meter is None, meter or "")
            known = gathered.get(key)
            group = gathered[key] = [] if known is None else known
    group += given[start:]
    out: list[Charge] = []
    for key in sorted(gathered):
        group = gathered.pop(key)
        if not _in_order(group):
            # Its charges share the key's first five fields: `_fine()`'s rest orders them
            # as `_charge_key` does, without those read again and a call more per charge
            # (a closing's 34,000 charges, their rated ones before those that stand).
            group.sort(key=_fine)
        out += group
    return out


def _in_order(charges: list[Charge]) -> bool:
    """Whether ``charges``, of one account, cycle, kind and meter, are in `_charge_key`'s order.

    Each charge is compared with the one before: one of the same resource (by identity)
    that starts later, or of a later resource, is in order, as a resource's pieces come;
    else the key's last six fields are compared. O(n).
    """
    if not charges:
        return True
    previous = charges[0]
    resource = previous.resource
    start = previous.span.start_us
    for charge in charges:
        span = charge.span
        here = charge.resource
        if here is resource:
            if span.start_us > start:
                start = span.start_us
                previous = charge
                continue
        elif (here or "") > (resource or ""):
            resource, start = here, span.start_us
            previous = charge
            continue
        if _fine(charge) < _fine(previous):
            return False
        resource, start = here, span.start_us
        previous = charge
    return True


def _fine(charge: Charge) -> tuple[object, ...]:
    """The last six fields of `_charge_key`: resource, time, entry, quantity, records."""
    return (
        charge.resource or "",
        charge.span.start_us,
        charge.span.end_us,
        charge.entry or "",
        charge.quantity,
        () if charge.row is None else charge.row.record_ids,
    )
