"""What a carried state remembers of the inventories of its last reconciled instant.

Private to [`ratekit.meter()`][ratekit.meter] with ``state=``. Inventories stamped at one
instant are applied by one rule whatever their order (`ratekit._inventory_ties`): a
resource listed by any is present, and a disagreement is a ``"tie"``. When they come in
different calls, the later ones are late, and the state has already applied the earlier
ones: so a [`ResourceState`][ratekit.ResourceState] keeps, in
[`listings`][ratekit.ResourceState.listings], the inventories that covered its resource
at the last instant any did (their ids, what they listed, their close policy), and a
later call applies a late inventory of that instant together with stand-ins for them.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

from . import _timelines as _t
from ._instants import from_us
from ._resource_state import ResourceState
from ._state_doors import Listings
from .records import Inventory

__all__ = ["after", "seen", "with_remembered"]

_Entry = tuple[str | None, Mapping[str, object] | None, str]


def _covers(inventory: Inventory, account: str, resource: str, line: _t.Timeline) -> bool:
    """Whether ``inventory`` covered the resource, judged by its description before it."""
    if inventory.accounts is None and not inventory.where:
        return True
    before = line.descriptions[line.index_at(inventory.at_us - 1)]
    return inventory.covers(account, resource, before)


def after(
    account: str,
    resource: str,
    line: _t.Timeline,
    inventories: Sequence[Inventory],
    previous: ResourceState | None,
) -> Listings | None:
    """The state's ``listings`` after a call that applied ``inventories``. O(n log m)."""
    remembered = None if previous is None else previous.listings
    found: dict[int, list[_Entry]] = {}
    for inventory in inventories:
        if _covers(inventory, account, resource, line):
            listed = _t._listed(inventory, account, resource)
            entry = (inventory.id, listed, inventory.close)
            found.setdefault(inventory.at_us, []).append(entry)
    if not found:
        return remembered
    at_us = max(found)
    if remembered is not None and remembered[0] > at_us:
        return remembered
    entries = found[at_us]
    if remembered is not None and remembered[0] == at_us:
        ids = {record_id for record_id, _, _ in entries if record_id is not None}
        kept = [entry for entry in remembered[1] if entry[0] is None or entry[0] not in ids]
        entries = kept + entries
    return (at_us, tuple(entries))


def with_remembered(
    account: str,
    resource: str,
    inventories: Sequence[Inventory],
    state: ResourceState | None,
    limit: int | None,
) -> Sequence[Inventory]:
    """``inventories`` with stand-ins for those the state applied at the instant of a late one.

    A stand-in of a remembered inventory is scoped to the resource's account and lists
    the resource as it did (or lists nothing): applied again with the late inventory of
    its instant, the group gives what applying them all at once gives. O(n + k).
    """
    remembered = None if state is None else state.listings
    if remembered is None or limit is None:
        return inventories
    at_us, entries = remembered
    here = [i for i in inventories if i.at_us == at_us and i.at_us < limit]
    if not here:
        return inventories
    ids = {i.id for i in here if i.id is not None}
    stand_ins = [
        Inventory(
            from_us(at_us),
            {} if listed is None else {(account, resource): listed},
            accounts=[account],
            close=close,  # type: ignore[arg-type]
            id=record_id,
        )
        for record_id, listed, close in entries
        if record_id is None or record_id not in ids
    ]
    if not stand_ins:
        return inventories
    return sorted([*inventories, *stand_ins], key=lambda i: i.at_us)


def seen(signs: Sequence[int], state: ResourceState | None) -> Sequence[int]:
    """The sorted instants ``signs`` of life, with those the state remembers.

    A sample and an inventory's listing of a resource are signs of life (a later
    inventory with ``close="last_seen"`` closes it no earlier): the state remembers each
    meter's last samples (its ``readings``), and the last instant an inventory covered
    the resource and whether one listed it then. Without them, the call after the one
    that metered a resource's last sample would close it at its last event instead.
    O(n + r) for r readings.
    """
    if state is None:
        return signs
    out = list(signs)
    for reading in state.readings:
        bisect.insort(out, reading[1])
    remembered = state.listings
    if remembered is not None and any(listed is not None for _, listed, _ in remembered[1]):
        bisect.insort(out, remembered[0])
    return out
