"""The merge of a scale-out's parts: one process's result from the parts' results.

Private to `ratekit.scaleout`. Each part comes back as ``(rating, invoices, accounts,
ids)`` (`ratekit._wire.Part`); `merged()` joins whole parts (the charges and usage rows
came back) into one [`Rating`][ratekit.Rating] and its invoices, `merged_bills()` joins
parts that sent back only their invoices, anomalies and ``no_effect`` (and the few usage
rows that name an inventory: `bills_only()`, on the workers). Both check across parts
what one process checks across accounts: an account rated in two parts, a record id held
by two parts, an inventory id held by a record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from itertools import chain, groupby
from operator import attrgetter, itemgetter
from typing import Final, TypeVar

import attrs

from . import _scaleout_inventories as _inv
from . import _values as _v
from ._invoices import Invoice, InvoiceLine, _new_line
from ._shown import show
from ._wire import Part
from .charges import Rating
from .errors import ConflictingRecordError, SplitAccountError
from .records import Anomaly, Inventory
from .usage import UsageRow

__all__ = ["bills_only", "by_account", "merged", "merged_bills"]

_T = TypeVar("_T")
_ACCOUNT = attrgetter("account")

#: What `merged_bills()` returns: the invoices, the anomalies, the ``no_effect`` pairs.
Bills = tuple[tuple[Invoice, ...], tuple[Anomaly, ...], tuple[tuple[str, str], ...]]

_LINE_NAMES: Final = tuple(field.name for field in attrs.fields(InvoiceLine))
_INVOICE_NAMES: Final = tuple(field.name for field in attrs.fields(Invoice))
_LINE_FIELDS: Final = attrgetter(*_LINE_NAMES)
_INVOICE_FIELDS: Final = attrgetter(*_INVOICE_NAMES)
_CHARGES: Final = _LINE_NAMES.index("charges")
_LINES: Final = _INVOICE_NAMES.index("lines")
_new_invoice: Final = _v.unchecked(Invoice)


def merged(
    parts: Sequence[Part],
    *,
    kept: Sequence[Inventory] = (),
    replays: Sequence[Anomaly] = (),
    given: Sequence[Inventory] = (),
    as_of_us: int = 0,
    name: str = "rate_by_account",
) -> tuple[Rating, tuple[Invoice, ...]]:
    """Concatenate the parts and put each account's block in place (stable sorts).

    An account that comes back from two parts had its records cut in two (``shuffle=False``
    over partitions that do not hold whole accounts): it would be billed once per part,
    so [`SplitAccountError`][ratekit.SplitAccountError] names it instead. The inventories'
    replays (``replays``, found once in the calling process) come first among the
    anomalies; an inventory's ``no_effect`` entry is worked out for the whole.
    """
    _checked(parts, kept, name)
    charges = by_account([part[0].charges for part in parts])
    rows = by_account([part[0].rows for part in parts])
    anomalies = (*replays, *(anomaly for part in parts for anomaly in part[0].anomalies))
    invoices = by_account([part[1] for part in parts])
    pairs = [pair for part in parts for pair in part[0].no_effect]
    if given or _shared(pairs, parts):
        no_effect = _inv.merged_no_effect(pairs, given, chain(rows, anomalies), as_of_us)
    else:
        no_effect = sorted(pairs)
    return Rating(charges, anomalies, rows, no_effect=no_effect), invoices


def merged_bills(
    parts: Sequence[Part],
    *,
    kept: Sequence[Inventory] = (),
    replays: Sequence[Anomaly] = (),
    given: Sequence[Inventory] = (),
    as_of_us: int = 0,
    name: str = "bill_by_account",
) -> Bills:
    """The invoices, anomalies and ``no_effect`` of parts that kept their charges.

    The same checks and the same order as `merged()`. A part sent back no usage rows
    but those naming an inventory, so which record ids its rows name is worked out from
    what it did send: a part reports in ``no_effect`` every record id of its own that no
    row or anomaly of it names, so the ids it holds (known by ``as_of``) and does not
    report are named there. O(n + a log a) for n ids and a accounts.
    """
    _checked(parts, kept, name)
    anomalies = (*replays, *(anomaly for part in parts for anomaly in part[0].anomalies))
    invoices = by_account([part[1] for part in parts])
    pairs = [pair for part in parts for pair in part[0].no_effect]
    if given or _shared(pairs, parts):
        named: set[str] = set()
        for part in parts:
            unnamed = {record_id for record_id, _ in part[0].no_effect}
            named.update(i for i in chain.from_iterable(part[3].values()) if i not in unnamed)
        rows = [row for part in parts for row in part[0].rows]  # those naming an inventory
        results: list[UsageRow | Anomaly] = [*rows, *anomalies]
        no_effect = _inv.merged_no_effect(pairs, given, results, as_of_us, named)
    else:
        no_effect = sorted(pairs)
    return invoices, anomalies, tuple(no_effect)


def bills_only(
    rating: Rating,
    invoices: tuple[Invoice, ...],
    accounts: frozenset[str],
    ids: dict[str, list[str]],
    inventories: Sequence[Inventory],
) -> Part:
    """A part's result without its charges: what a part of `bill_by_account()` sends back.

    The anomalies and ``no_effect`` as rated, the invoices with lines that carry no
    charges, and of the usage rows only those naming an inventory's id (a reconciled
    piece: the merge works out from the rows and anomalies of every part whether an
    inventory had an effect). O(i + l) for i invoices of l lines, and O(r) for r rows
    when an inventory has an id.
    """
    named = frozenset(inventory.id for inventory in inventories if inventory.id is not None)
    rows = [row for row in rating.rows if not named.isdisjoint(row.record_ids)] if named else []
    bare = Rating((), rating.anomalies, rows, no_effect=list(rating.no_effect))
    return bare, tuple(map(_without_charges, invoices)), accounts, ids


def _without_charges(invoice: Invoice) -> Invoice:
    """``invoice`` with the same lines, each without its charges (equal: not compared).

    Through ratekit's unchecked route: the fields were checked when billed. O(l) for l
    lines.
    """
    lines = []
    for line in invoice.lines:
        fields = list(_LINE_FIELDS(line))
        fields[_CHARGES] = ()
        lines.append(_new_line(*fields))
    fields = list(_INVOICE_FIELDS(invoice))
    fields[_LINES] = tuple(lines)
    return _new_invoice(*fields)


def _checked(parts: Sequence[Part], kept: Sequence[Inventory], name: str) -> None:
    """Refuse an account in two parts, an id in two parts, an inventory's id on a record."""
    counts = Counter(account for part in parts for account in part[2])
    split = sorted(account for account, count in counts.items() if count > 1)
    if split:
        raise SplitAccountError(
            f"{name} got the records of {len(split)} account(s) in more than one "
            f"part: {show(split)}; each part would bill them apart (fees twice, tiers "
            "restarted). With shuffle=False every partition of the bag must hold whole "
            "accounts: use shuffle=True (the default), or cut the input by account "
            "(ratekit.scaleout.partition_of) before making the bag."
        )
    _check_ids(parts)
    _inv.check_ids(
        kept,
        ((account, i) for part in parts for account, ids in part[3].items() for i in ids),
    )


def _shared(pairs: Sequence[tuple[str, str]], parts: Sequence[Part]) -> bool:
    """Whether an id without effect in a part is another part's too: then look again.

    Each part judges ``no_effect`` by its own results; an id it reports that another part
    reports or holds (a record of another account with that id, not known by ``as_of``
    in one of them) may be named there. O(p + n) for p pairs and n ids, in sets.
    """
    if not pairs or len(parts) < 2:
        return False
    reported = {record_id for record_id, _ in pairs}
    if len(reported) != len(pairs):
        return True  # reported by two parts
    seen: dict[str, int] = {}
    for number, part in enumerate(parts):
        mine = {pair[0] for pair in part[0].no_effect}
        for record_id in chain.from_iterable(part[3].values()):
            if record_id in reported:
                seen.setdefault(record_id, number)
                if record_id not in mine or seen[record_id] != number:
                    return True
    return False


def by_account(blocks: Sequence[Sequence[_T]]) -> tuple[_T, ...]:
    """The values of ``blocks`` (in that order) stably sorted by account. O(n + r log r).

    The same as ``sorted(chain(*blocks), key=account)``, by runs: each block is cut into
    its runs of one account (a part's values come in account order, so one run per
    account), the runs are sorted stably by account, and their slices concatenated. Only
    the runs are compared, the values are copied at C speed.
    """
    runs: list[tuple[str, int, int, int]] = []
    for number, block in enumerate(blocks):
        start = 0
        for account, run in groupby(map(_ACCOUNT, block)):
            end = start + len(tuple(run))
            runs.append((account, number, start, end))
            start = end
    runs.sort(key=itemgetter(0))
    return tuple(chain.from_iterable(blocks[number][start:end] for _, number, start, end in runs))


def _check_ids(parts: Sequence[Part]) -> None:
    """Refuse an id that two parts hold: two records of two accounts, so other content.

    One process raises [`ConflictingRecordError`][ratekit.ConflictingRecordError] for
    them; each part checks only its own records. O(n) for n ids, in sets.
    """
    held = [frozenset(chain.from_iterable(part[3].values())) for part in parts]
    if sum(map(len, held)) == len(frozenset().union(*held)):
        return
    owners: dict[str, str] = {}
    for part in parts:
        for account, ids in part[3].items():
            for record_id in ids:
                owner = owners.setdefault(record_id, account)
                if owner != account:
                    raise ConflictingRecordError(
                        f"two records share the id {show(record_id)} but differ: one of "
                        f"account {show(owner)} and one of account {show(account)} (rated "
                        "in different parts); replaying a record must repeat it exactly, "
                        "so give a corrected record a new id."
                    )
