"""The reported lines of a rater's snapshot (format version 2 on), as names, heads and rows.

Version 1 wrote each reported line with its whole key. Version 2 writes
``reported`` as ``{"names": [...], "heads": [...], "lines": [...]}``. ``names`` holds
the accounts and resources once; ``heads`` each distinct rest of a line's key
(``[start_us, end_us, kind, plan, meter, entry, unit, currency]``) once; a line is
``[account, head, resource, quantity, amount]``, with indices into ``names`` (the
resource's, or null for a line of no resource) and ``heads``, and its totals as
strings.

Version 4 writes the lines as columns: ``lines`` is ``[accounts, heads, resources,
totals]``, four strings of Base64 VLQ (`ratekit._vlq`): per line the indices of its
account (into ``names``), its head and its resource (one more than its index into
``names``, 0 for a line of no resource), and four integers in ``totals``, its
quantity's and its amount's as a kept sample's value is packed
(`ratekit._snapshot_columns`, which holds the kept records and the checks of a column
both use).

Decoding sends each line's key and totals through the doors version 1 used
(`ratekit._snapshot.line_key()` and `finite_total()`): what they refused then, they
refuse now, with the same words. O(n) each way.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Final

from ._shown import show
from ._snapshot import VERSION, decoding, finite_total, line_key
from ._snapshot_columns import _PACKED, _index, _list, _object, _packed_value, _values
from ._vlq import decode as _unpack
from ._vlq import encode as _pack

__all__ = ["decode_reported", "encode_reported"]

LineKey = tuple[Any, ...]
_REPORTED: Final = frozenset(("names", "heads", "lines"))
# Characters of a reported total's integers at most (a total holds up to 1,000 digits).
_TOTAL_LONGEST: Final = 700


def encode_reported(
    lines: Iterable[tuple[LineKey, tuple[Decimal, Decimal]]], version: int = VERSION
) -> dict[str, object]:
    """Reported lines (key, then quantity and amount totals) as names, heads and rows. O(n).

    ``version``: 4 writes the rows as four columns (see the module), 3 as lists.

    Examples:
        >>> key = ("a", 0, 86400000000, "usage", "p", "runtime", "vm", "r", "hour", "EUR")
        >>> encode_reported([(key, (Decimal("1.50"), Decimal("0.15")))])
        {'names': ['a', 'r'], 'heads': [[0, 86400000000, 'usage', 'p', 'runtime', 'vm', 'hour', 'EUR']], 'lines': ['A', 'A', 'C', 'sJFeF']}
        >>> encode_reported([(key, (Decimal("1.50"), Decimal("0.15")))], version=3)
        {'names': ['a', 'r'], 'heads': [[0, 86400000000, 'usage', 'p', 'runtime', 'vm', 'hour', 'EUR']], 'lines': [[0, 0, 1, '1.50', '0.15']]}
    """
    names: dict[str, int] = {}
    heads: dict[tuple[object, ...], int] = {}
    rows: list[tuple[int, int, int | None, Decimal, Decimal]] = []
    for key, (quantity, amount) in lines:
        account, start, end, kind, plan, meter, entry, resource, unit, currency = key
        head = (start, end, kind, plan, meter, entry, unit, currency)
        number = heads.get(head)
        if number is None:
            number = heads[head] = len(heads)
        who = names.get(account)
        if who is None:
            who = names[account] = len(names)
        what = None if resource is None else names.get(resource)
        if resource is not None and what is None:
            what = names[resource] = len(names)
        rows.append((who, number, what, quantity, amount))
    out: object
    if version >= _PACKED:
        out = [
            _pack((row[0] for row in rows), signed=False),
            _pack((row[1] for row in rows), signed=False),
            _pack((0 if row[2] is None else row[2] + 1 for row in rows), signed=False),
            "".join(_packed_value(total) for row in rows for total in row[3:]),
        ]
    else:
        out = [[*row[:3], str(row[3]), str(row[4])] for row in rows]
    return {"names": list(names), "heads": [list(head) for head in heads], "lines": out}


def decode_reported(
    data: object, version: int = VERSION
) -> list[tuple[LineKey, tuple[Decimal, Decimal]]]:
    """The lines that `encode_reported()` wrote in ``version``, each key and total through its door.

    Examples:
        >>> key = ("a", 0, 86400000000, "usage", "p", "runtime", "vm", None, "hour", "EUR")
        >>> decode_reported(encode_reported([(key, (Decimal("1.50"), Decimal("0.15")))]))
        [(('a', 0, 86400000000, 'usage', 'p', 'runtime', 'vm', None, 'hour', 'EUR'), (Decimal('1.50'), Decimal('0.15')))]
    """
    with decoding("body.reported"):
        reported = _object(data, _REPORTED, "it")
        names = _list(reported["names"], "names")
        heads = _list(reported["heads"], "heads")
        rows = _list(reported["lines"], "lines")
        if version >= _PACKED:
            rows = _rows(rows)
    out: list[tuple[LineKey, tuple[Decimal, Decimal]]] = []
    for number, row in enumerate(rows):
        path = f"body.reported.lines, line {number}" if version >= _PACKED else ""
        with decoding(path or f"body.reported.lines[{number}]"):
            parts = _list(row, "a line")
            if len(parts) != 5:
                raise TypeError(
                    "a line must be [account, head, resource or null, quantity, amount], "
                    f"not {show(parts)}"
                )
            who, which, what, quantity, amount = parts
            head = _list(heads[_index(which, len(heads), "a line's head")], "a line's head")
            if len(head) != 8:
                raise TypeError(
                    "a line's head must be [start_us, end_us, kind, plan, meter, entry, unit, "
                    f"currency], not {show(head)}"
                )
            account = names[_index(who, len(names), "a line's account")]
            resource = (
                None if what is None else names[_index(what, len(names), "a line's resource")]
            )
        start, end, kind, plan, meter, entry, unit, currency = head
        item = [account, start, end, kind, plan, meter, entry, resource, unit, currency]
        # The doors of version 1, outside the context: their messages are said whole.
        key = line_key([*item, quantity, amount])
        out.append((key, (finite_total(quantity), finite_total(amount))))
    return out


def _rows(columns: list[Any]) -> list[list[Any]]:
    """The rows of version 4's four columns of reported lines, as version 3 wrote them."""
    if len(columns) != 4:
        raise TypeError(
            f"lines must be [accounts, heads, resources, totals], four strings, not {show(columns)}"
        )
    accounts = _unpack(columns[0], "lines' accounts", signed=False)
    heads = _unpack(columns[1], "lines' heads", signed=False)
    resources = _unpack(columns[2], "lines' resources", signed=False)
    totals = _values(columns[3], "lines' totals", _TOTAL_LONGEST)
    if not len(accounts) == len(heads) == len(resources) == len(totals) // 2:
        raise ValueError(
            f"lines' columns must hold one account, head and resource and two totals per "
            f"line, not {len(accounts)}, {len(heads)}, {len(resources)} and {len(totals)}"
        )
    return [
        [who, which, None if what == 0 else what - 1, quantity, amount]
        for who, which, what, quantity, amount in zip(
            accounts, heads, resources, totals[::2], totals[1::2], strict=True
        )
    ]
