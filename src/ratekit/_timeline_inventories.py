"""A timeline reconciled with inventory snapshots: what a listing opens, corrects or closes.

The inventories' half of `ratekit._timelines.build_timeline()` (split from it): an
inventory listing a resource that was unknown or deleted opens it, one listing it with
other attributes corrects its description, one whose scope covers it without listing it
closes it (at the snapshot, or at its last sign of life with ``close="last_seen"``);
several at one instant are applied by one rule (`ratekit._inventory_ties`). Each change
is reported as an anomaly.
"""

from __future__ import annotations

import bisect
import typing
from collections.abc import Mapping, Sequence

from ._descriptions import EMPTY, apply_attributes
from ._instants import format_us
from ._inventory_scope import in_scope
from ._inventory_ties import at_one_instant
from ._normalize import (
    DELETED,
    NEVER,
    RUNNING,
    STATUS_NAMES,
    STOPPED,
    UNKNOWN,
    Anomalies,
    stamped,
)
from .records import Inventory

if typing.TYPE_CHECKING:
    from ._timelines import Timeline

__all__ = ["_listed", "_reconcile_next"]


def _reconcile_next(  # noqa: PLR0917 - private plumbing of plain values
    line: Timeline,
    account: str,
    resource: str,
    inventories: Sequence[Inventory],
    index: int,
    last_sample_us: Sequence[int],
    anomalies: Anomalies,
) -> int:
    """Apply the inventories stamped at the instant of ``inventories[index]``; the next index.

    Several at one instant are applied by one rule, whatever their order (see
    `ratekit._inventory_ties`), and a disagreement is a ``"tie"``. O(g log g) for g of them.
    """
    at_us = inventories[index].at_us
    end = index + 1
    while end < len(inventories) and inventories[end].at_us == at_us:
        end += 1
    if end == index + 1:
        _reconcile(line, account, resource, inventories[index], last_sample_us, anomalies)
        return end
    group, message, ids = at_one_instant(
        inventories[index:end],
        account,
        resource,
        line.descriptions[-1],
        open_=line.statuses[-1] in (RUNNING, STOPPED),
    )
    if message is not None:
        anomalies.add(max(at_us, line.clock_us), account, resource, "tie", message, ids)
    for inventory in group:
        _reconcile(line, account, resource, inventory, last_sample_us, anomalies)
    return end


def _reconcile(  # noqa: PLR0917 - private plumbing of plain values
    line: Timeline,
    account: str,
    resource: str,
    inventory: Inventory,
    last_sample_us: Sequence[int],
    anomalies: Anomalies,
) -> None:
    at_us = max(inventory.at_us, line.clock_us)
    status = line.statuses[-1]
    listed = _listed(inventory, account, resource)
    if (
        listed is None
        and (inventory.accounts is not None or inventory.where)
        and not in_scope(inventory.accounts, inventory.where, account, line.descriptions[-1])
    ):
        return  # outside the snapshot's scope: untouched, its history too (see Inventory)
    line.settled = True
    if listed is not None and inventory.at_us >= line.last_listed_us:
        # A listing is a sign of life (for a later inventory closing at the last one).
        line.last_listed_us = inventory.at_us
        line.last_listed_id = inventory.id
    where = stamped(inventory)
    if listed is not None and status in (UNKNOWN, DELETED):
        line.clock_us = at_us
        line.push(at_us, apply_attributes(EMPTY, listed), RUNNING, inventory.id)
        _touched(line, inventory)
        anomalies.add(
            at_us,
            account,
            resource,
            "reconciled_open",
            f"{where} lists {resource!r} of {account!r}, which "
            f"was {'deleted' if status == DELETED else 'unknown'}: opened at "
            f"{format_us(at_us)}.",
            (inventory.id,),
        )
    elif listed and status in (RUNNING, STOPPED):
        description = line.descriptions[-1]
        corrected = apply_attributes(description, listed)
        if corrected != description:
            line.clock_us = at_us
            changed = sorted(key for key in listed if description.get(key) != corrected.get(key))
            opener = line.openers[-1]
            line.push(at_us, corrected, status, inventory.id)
            _touched(line, inventory)
            anomalies.add(
                at_us,
                account,
                resource,
                "reconciled_update",
                f"{where} lists {resource!r} of {account!r} "
                f"with {', '.join(f'{key}={listed[key]!r}' for key in changed)}, where its "
                f"description had {', '.join(f'{key}={description.get(key)!r}' for key in changed)}: "
                f"corrected at {format_us(at_us)}.",
                (inventory.id, opener),
            )
    elif listed is None and status in (RUNNING, STOPPED):
        close_us = at_us
        how = "the snapshot"
        signs: tuple[str | None, ...] = ()
        if inventory.close == "last_seen":
            index = bisect.bisect_right(last_sample_us, inventory.at_us) - 1
            seen = last_sample_us[index] if index >= 0 else NEVER
            # Its last sample, event or listing before the snapshot; never before the
            # current piece began, never after the snapshot.
            last = max(seen, line.last_event_us, line.last_listed_us, line.starts[-1])
            close_us = min(last, at_us)
            how = "its last sign of life"
            # The event or listing there is named too: the closing lies where it does
            # because of it (a STOP whose piece the closing replaces, an update that
            # changed nothing, a listing), so it is no record without effect.
            signs = (
                line.last_event_id if line.last_event_us == close_us else None,
                line.last_listed_id if line.last_listed_us == close_us else None,
            )
        since = line.starts[-1]
        opener = line.openers[-1]
        line.clock_us = at_us
        line.push(close_us, EMPTY, DELETED, inventory.id)
        _touched(line, inventory)
        anomalies.add(
            at_us,
            account,
            resource,
            "reconciled_close",
            f"{where} does not list {resource!r} of "
            f"{account!r}, {STATUS_NAMES[status]} since {format_us(since)}: closed at "
            f"{format_us(close_us)} ({how}).",
            dict.fromkeys((inventory.id, opener, *signs)),
            about_us=close_us,
        )


def _touched(line: Timeline, inventory: Inventory) -> None:
    """Remember that ``inventory`` changed ``line`` (see `Timeline.reconciled`)."""
    if line.reconciled is None:
        line.reconciled = [inventory]
    else:
        line.reconciled.append(inventory)


def _listed(inventory: Inventory, account: str, resource: str) -> Mapping[str, object] | None:
    resources = inventory.resources
    index = bisect.bisect_left(resources, (account, resource), key=lambda item: (item[0], item[1]))
    if (
        index < len(resources)
        and resources[index][0] == account
        and resources[index][1] == resource
    ):
        return resources[index][2]
    return None
