"""Inventories in a scale-out by account: each part's exact copy, and the merge's share.

Private to `ratekit.scaleout`. An [`Inventory`][ratekit.Inventory] speaks for many
accounts at once, so it cannot travel with one account's records; it travels beside them
and each part gets the copy that is exact for the accounts it holds (`inventory_for()`):
the same instant, ``close``, ``id`` and ``where``, the listing cut to those accounts, and
``accounts`` cut to them when the inventory names accounts. Reconciling is per resource
(a resource is covered when it is listed, or when its account and description are in the
scope; what is done to it depends only on its own listing, its own history and the
inventory's instant and ``close``), so a resource of those accounts is reconciled by the
copy exactly as by the whole inventory.

What one process does across inventories, the calling process does once, before the
parts (`read_inventories()`): a replay (the same id and content, or the same content
without an id) is one ``"duplicate"`` anomaly, an id given twice with other content
raises [`ConflictingRecordError`][ratekit.ConflictingRecordError], an inventory stamped
at or after ``as_of`` is not known (``"not_yet"``). The parts get the inventories kept.
After the parts, an inventory's ``no_effect`` entry is worked out once from the merged
results (`merged_no_effect()`), since every part that got a copy judges only its own.
"""

from __future__ import annotations

import datetime as _dt
import typing
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain

from . import _normalize as _n
from ._account_names import account_names
from ._caller_objects import read_once
from ._instants import to_us
from ._inventory_scope import narrowed
from ._shown import show, some
from .errors import BadRecordError, ConflictingRecordError, RatekitTypeError
from .records import Anomaly, Inventory
from .usage import UsageRow

__all__ = [
    "check_ids",
    "copies_for",
    "inventories_for",
    "inventory_for",
    "kept_inventories",
    "listed_accounts",
    "merged_no_effect",
    "read_inventories",
]


def inventory_for(inventory: Inventory, accounts: Iterable[str]) -> Inventory | None:
    """The copy of ``inventory`` that is exact for the resources of ``accounts``; ``None``: none.

    The copy has the inventory's instant, ``close``, ``id`` and ``where``, lists the
    inventory's resources of ``accounts`` (with their attributes), and is scoped to the
    inventory's accounts among ``accounts``. An inventory of every account (no
    ``accounts`` scope) stays so: metered with the records of ``accounts`` only, it
    speaks for them alone, and a scope of many names would cost a look-up in it per
    resource. ``None`` when the inventory's accounts and ``accounts`` have none in
    common: it covers none of their resources. Metering the records of ``accounts`` with
    the copy gives, for those accounts, what metering every record with the inventory
    gives (a property test checks it). O(n + a) for n listed resources and a accounts.

    Examples:
        >>> import ratekit as rk
        >>> from ratekit.scaleout import inventory_for
        >>> snapshot = rk.Inventory("2026-03-15T00:00:00Z", [("acme", "vm-1"), ("wayne", "vm-7")],
        ...                         accounts=["acme", "globex", "wayne"], id="inv-15")
        >>> inventory_for(snapshot, ["acme", "initech"])
        Inventory('2026-03-15T00:00:00Z', [('acme', 'vm-1')], close='snapshot', accounts=['acme'], id='inv-15')
        >>> inventory_for(snapshot, ["initech"]) is None
        True
        >>> inventory_for(rk.Inventory("2026-03-15T00:00:00Z", [("acme", "vm-1"), ("wayne", "vm-7")]), ["wayne"])
        Inventory('2026-03-15T00:00:00Z', [('wayne', 'vm-7')], close='snapshot')
    """
    if type(inventory) is not Inventory:
        raise RatekitTypeError(
            f"inventory_for takes an Inventory, not {type(inventory).__name__}: {show(inventory)}."
        )
    names = account_names(accounts, "inventory_for", "['acme']")
    scope = inventory.accounts
    if scope is not None:
        scope = tuple(account for account in scope if account in names)
        if not scope:
            return None
    listed = tuple(item for item in inventory.resources if item[0] in names)
    return narrowed(inventory, listed, scope)


def kept_inventories(
    inventories: Iterable[Inventory], *, as_of: _dt.datetime | str
) -> tuple[tuple[Inventory, ...], tuple[Anomaly, ...]]:
    """The inventories one process keeps, and the anomalies of the replays it leaves out.

    What a scale-out does once, before routing inventories to groups of accounts (on the
    calling process, the Spark driver): an inventory stamped at or after ``as_of`` (the
    ``as_of`` given to [`ratekit.rate()`][ratekit.rate], the end of its span by default)
    is not known yet and left out; a replay (the same id and content, or the same
    content without an id) is a ``"duplicate"`` [`Anomaly`][ratekit.Anomaly]; an id
    given again with other content raises
    [`ConflictingRecordError`][ratekit.ConflictingRecordError], as one process raises it.
    The kept inventories come by instant, then id: give them to `inventories_for()`.
    Anything but an inventory raises [`RatekitTypeError`][ratekit.RatekitTypeError]
    naming it. O(n log n) for n inventories.

    Examples:
        >>> import ratekit as rk
        >>> from ratekit.scaleout import kept_inventories
        >>> snapshot = rk.Inventory("2026-03-15T00:00:00Z", [("acme", "vm-1")], id="inv-15")
        >>> later = rk.Inventory("2026-04-02T00:00:00Z", [], id="inv-42")
        >>> kept, replays = kept_inventories([snapshot, later, snapshot], as_of="2026-04-01T00:00:00Z")
        >>> kept == (snapshot,), [anomaly.kind for anomaly in replays]
        (True, ['duplicate'])
    """
    as_of_us = to_us(as_of, "kept_inventories as_of")
    kept, anomalies, _ = read_inventories(inventories, as_of_us, "kept_inventories")
    return kept, anomalies


def read_inventories(
    inventories: Iterable[object], as_of_us: int, label: str = "rate_by_account"
) -> tuple[tuple[Inventory, ...], tuple[Anomaly, ...], tuple[Inventory, ...]]:
    """The inventories the parts get, the anomalies of their replays, and all those given.

    As one process groups them (`ratekit._normalize.group`): those stamped at or after
    ``as_of_us`` are left out, a replay is a ``"duplicate"`` anomaly, an id with other
    content raises [`ConflictingRecordError`][ratekit.ConflictingRecordError]; the kept
    ones come by instant, then id. Anything but an inventory raises
    [`RatekitTypeError`][ratekit.RatekitTypeError] naming it. O(n log n).
    """
    found = _checked(inventories, label)
    anomalies = _n.Anomalies()
    kept = _n.group(found, {}, as_of_us, anomalies).inventories
    return tuple(kept), anomalies.result(), found


def _checked(inventories: Iterable[object], label: str) -> tuple[Inventory, ...]:
    """``inventories`` as a tuple, each checked to be an inventory. O(n)."""
    if isinstance(inventories, str | bytes | Mapping) or not isinstance(inventories, Iterable):
        raise RatekitTypeError(
            f"{label} inventories must be an iterable of Inventory values, not "
            f"{type(inventories).__name__}: {show(inventories)}."
        )
    given = tuple(
        read_once(
            inventories,
            f"{label} inventories",
            type(inventories).__name__,
            "a list of Inventory values",
        )
    )
    for item in given:
        if type(item) is not Inventory:
            raise RatekitTypeError(
                f"{label} inventories must be Inventory values (the events and samples "
                f"go elsewhere), not {type(item).__name__}: {show(item)}."
            )
    return typing.cast("tuple[Inventory, ...]", given)


def listed_accounts(inventories: Iterable[Inventory]) -> set[str]:
    """The accounts whose resources ``inventories`` list. O(n)."""
    return {item[0] for inventory in inventories for item in inventory.resources}


def inventories_for(inventories: Iterable[Inventory], accounts: Iterable[str]) -> list[Inventory]:
    """The copies a group of accounts meters with: the kept ``inventories``, each exact for it.

    ``inventories``: those `kept_inventories()` returns (replays left out, in order).
    Metering the records of ``accounts`` with these copies gives, for those accounts,
    exactly what metering every record with every inventory gives. Each copy is
    `inventory_for()` the accounts; those that cover none of them are left out. Two
    inventories without an id stamped at one instant that list the same for these
    accounts but differ elsewhere give equal copies: right after one another they act
    as one, and the second is left out; with a third between them they cannot be given
    exactly, and [`BadRecordError`][ratekit.BadRecordError] names them (give inventories
    ids). O(n + a) for n listed resources and a accounts.

    Examples:
        >>> import ratekit as rk
        >>> from ratekit.scaleout import inventories_for
        >>> inventories = [rk.Inventory("2026-03-10T00:00:00Z", [("acme", "vm-1"), ("wayne", "vm-7")], id="i10"),
        ...                rk.Inventory("2026-03-20T00:00:00Z", [], accounts=["wayne"], id="i20")]
        >>> inventories_for(inventories, ["acme"])
        [Inventory('2026-03-10T00:00:00Z', [('acme', 'vm-1')], close='snapshot', id='i10')]
    """
    names = account_names(accounts, "inventories_for", "['acme']")
    given = _checked(inventories, "inventories_for")
    return copies_for(given, names, "inventories_for cannot give a group of accounts")


def copies_for(
    inventories: Sequence[Inventory],
    accounts: frozenset[str] | set[str],
    label: str = "rate_by_account cannot give a part",
) -> list[Inventory]:
    """The copies of the kept ``inventories`` that a part holding ``accounts`` meters with.

    Each is `inventory_for()` the part's accounts; those that cover none of them are left
    out. Copies without an id are known by their content, so two inventories that differ
    only in other accounts' resources give equal copies, which the part would take for a
    replay. Right after one another they act as one (applying an equal copy again at the
    same instant changes nothing), so the second is left out. With another copy between
    them that one process applies in between, the part cannot apply them as one process
    does: [`BadRecordError`][ratekit.BadRecordError] names them and says what is
    accepted. O(n) for n listed resources.
    """
    out: list[Inventory] = []
    last: Inventory | None = None  # the inventory of the last copy
    seen: dict[Inventory, Inventory] = {}
    for inventory in inventories:
        copy = inventory_for(inventory, accounts)
        if copy is None:
            continue
        if copy.id is None:
            if out and out[-1] == copy:
                continue  # applied right after an equal one: nothing more to do
            first = seen.setdefault(copy, inventory)
            if first is not inventory:
                elsewhere = listed_accounts([first, inventory]) - set(accounts)
                raise BadRecordError(
                    f"{label} exactly the inventories {show(first)} "
                    f"and {show(inventory)}: they have no id, so they are known by their "
                    f"content, and for its accounts ({some(accounts)}) they list the same"
                    + (f" (they differ for {some(elsewhere)})" if elsewhere else "")
                    + f", while {show(last)} comes between them; "
                    "metered together, the second would be "
                    "taken for a replay of the first. Give each inventory an id (it is then known by "
                    "it), or rate them in one process with ratekit.rate."
                )
        out.append(copy)
        last = inventory
    return out


def check_ids(kept: Sequence[Inventory], held: Iterable[tuple[str, str]]) -> None:
    """Refuse an inventory id that a part's event or sample also holds (other content).

    ``held``: ``(account, id)`` of the records known by ``as_of`` in every part. One
    process raises [`ConflictingRecordError`][ratekit.ConflictingRecordError] for them.
    O(n) for n ids.
    """
    ids = {inventory.id: inventory for inventory in kept if inventory.id is not None}
    if not ids:
        return
    for account, record_id in held:
        inventory = ids.get(record_id)
        if inventory is not None:
            raise ConflictingRecordError(
                f"two records share the id {show(record_id)} but differ: the inventory "
                f"{show(inventory)} and a record of account {show(account)}; replaying a "
                "record must repeat it exactly, so give a corrected record a new id."
            )


def merged_no_effect(
    pairs: Iterable[tuple[str, str]],
    given: Sequence[Inventory],
    results: Iterable[UsageRow | Anomaly],
    as_of_us: int,
    also_named: Iterable[str] = (),
) -> list[tuple[str, str]]:
    """The parts' ``no_effect`` pairs, worked out for the whole as one process does.

    One process reports a record id that no row or anomaly names. A part judges only
    its own results: an id it reports may be named in another part (a record of another
    account sharing the id, one of them not known by ``as_of``), and is then left out;
    an id two parts report is reported once (the reason of a known record rather than
    ``"not_yet"``). An inventory a part got a copy of may have changed nothing there and
    something elsewhere, so its reason is worked out here: ``"not_yet"`` when every
    inventory of its id is stamped at or after ``as_of``, ``"replaced"`` when the piece
    it began was replaced at once (in some part), else ``"confirmed"``. Sorted, as
    [`Usage.no_effect`][ratekit.Usage.no_effect]. ``also_named``: record ids known to be named
    by results not given (a part that did not send its rows back). O(n) for n pairs and
    results.
    """
    named = {*chain.from_iterable(result.record_ids for result in results), *also_named}
    ids = {inventory.id for inventory in given if inventory.id is not None}
    found: dict[str, str] = {}
    replaced: set[str] = set()
    for record_id, reason in pairs:
        if record_id in ids:
            if reason == "replaced":
                replaced.add(record_id)
        elif record_id not in named and found.get(record_id, "not_yet") == "not_yet":
            found[record_id] = reason
    # An id is known when any inventory under it is: one process leaves out only those
    # stamped at or after as_of, whichever of them comes first.
    known: dict[str, bool] = {}
    for inventory in given:
        key = inventory.id
        if key is not None and key not in named:
            known[key] = known.get(key, False) or _n.known_by(inventory, as_of_us)
    for key, is_known in known.items():
        if not is_known:
            found[key] = "not_yet"
        else:
            found[key] = "replaced" if key in replaced else "confirmed"
    return sorted(found.items())
