"""Inventories stamped at one instant that disagree about a resource: one rule, any order.

Private to the timelines (`ratekit._timelines`). Several scoped listings may be taken at
the same instant (one per organisation, one per zone) and overlap. When they disagree
about a resource, the result must not depend on which arrived first; the rule:

- a resource **listed by any** inventory at that instant is present: an inventory whose
  scope covers it but that does not list it does not close it;
- inventories that list it with different values for an attribute are applied in the
  order of their ids (inventories without an id after those with one, by what they say
  of the resource: its listing, then their ``close``), so the last one's values hold;
- inventories that agree are applied in that order too; when none lists the resource,
  the first one's ``close`` policy closes it (inventories that leave it out with
  different policies are a tie too).

Each disagreement is a ``"tie"`` anomaly naming the inventories and what they said.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence

from ._instants import format_us
from ._inventory_scope import in_scope
from ._normalize import label
from .records import Inventory

__all__ = ["at_one_instant", "order"]


def _listing(inventory: Inventory, account: str, resource: str) -> Mapping[str, object] | None:
    resources = inventory.resources
    index = bisect.bisect_left(resources, (account, resource), key=lambda item: item[:2])
    if index < len(resources) and resources[index][:2] == (account, resource):
        return resources[index][2]
    return None


def order(inventory: Inventory, account: str, resource: str) -> tuple[bool, str, str]:
    """Ids first, in order; then inventories without one, by what they say of the resource.

    By what they say of this resource alone (its listing, and their ``close``), not by
    all they list: a copy of an inventory cut for a part of the accounts (see
    `ratekit.scaleout`) sorts where the inventory does.
    """
    if inventory.id is not None:
        return (False, inventory.id, "")
    return (True, "", repr((_listing(inventory, account, resource), inventory.close)))


def at_one_instant(
    group: Sequence[Inventory],
    account: str,
    resource: str,
    description: Mapping[str, object],
    *,
    open_: bool = True,
) -> tuple[list[Inventory], str | None, list[str | None]]:
    """The inventories of ``group`` (one instant) to apply to the resource, in order.

    ``description`` is the resource's before any of them applies (their scopes are judged
    on it); ``open_`` whether it runs or is stopped then (an inventory may close it).
    Returns the inventories to apply, and the ``"tie"`` message with the ids it names
    when they disagree (``None`` when they agree). O(g log g + g log n) for g
    inventories of n resources each.
    """
    ordered = sorted(group, key=lambda inventory: order(inventory, account, resource))
    listers: list[tuple[Inventory, Mapping[str, object]]] = []
    silent: list[Inventory] = []
    for inventory in ordered:
        listed = _listing(inventory, account, resource)
        if listed is not None:
            listers.append((inventory, listed))
        elif (inventory.accounts is None and not inventory.where) or in_scope(
            inventory.accounts, inventory.where, account, description
        ):
            silent.append(inventory)
    when = format_us(ordered[0].at_us)
    who = f"{resource!r} of {account!r}"
    if not listers:
        if not open_ or len({i.close for i in silent}) < 2:
            return ordered, None, []
        said = ", ".join(_names(f"{label(i)} ({i.close!r})" for i in silent))
        message = (
            f"inventories at {when} leave out {who} and close it by different policies "
            f"({said}): applied in the order of their ids, the first one's policy "
            "closes it."
        )
        return ordered, message, [i.id for i in silent]
    if silent:
        listing = _names(label(i) for i, _ in listers)
        leaving = _names(label(i) for i in silent)
        one, other = len(listing) == 1, len(leaving) == 1
        message = (
            f"inventories at {when} disagree about {who}: {', '.join(listing)} "
            f"list{'s' if one else ''} it, {', '.join(leaving)} cover{'s' if other else ''} "
            f"it and do{'es' if other else ''} not list it: a resource listed by any "
            "inventory at one instant is present, so it is not closed."
        )
        return [i for i, _ in listers], message, [i.id for i, _ in listers] + [i.id for i in silent]
    keys = sorted({key for _, listed in listers for key in listed})
    differing = [
        key
        for key in keys
        if len({repr(listed[key]) for _, listed in listers if key in listed}) > 1
    ]
    if not differing:
        return ordered, None, []
    said = "; ".join(
        dict.fromkeys(
            f"{label(i)}: "
            + ", ".join(f"{key}={listed[key]!r}" for key in differing if key in listed)
            for i, listed in listers
        )
    )
    message = (
        f"inventories at {when} list {who} with different values ({said}): applied in the "
        "order of their ids, the last one's values hold."
    )
    return ordered, message, [i.id for i, _ in listers]


def _names(labels: Iterable[str]) -> list[str]:
    """The labels, each once, in order.

    Inventories without an id read alike (their instant alone): they are named once,
    however many of them there are, so that a listing cut for a part of the accounts
    (where equal copies are applied once) says the same. O(n).
    """
    return list(dict.fromkeys(labels))
