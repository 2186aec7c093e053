"""The inventories with a ``where`` the rater compacted: the last per scope and selector.

Private to [`ratekit.Rater`][ratekit.Rater]. An inventory with a ``where`` covers the
resources it does not list only while their description matches it, so an event placed
before it afterwards (a too-late `update` in the compacted state) may bring a running
resource into its scope, where batch rate() closes it (the inventory did not list it;
a stopped one it makes deleted, which a later START does not open again).
The compacted state keeps where each resource stands, not what each
inventory covered. So the rater keeps, per account scope and selector, the last such
inventory compacted (its instant, scope, ``where`` and ``close``, without its listing):
a few per feed, whatever the months. A too-late event that brings its running or
stopped resource into the scope of one of them stamped at or after it is not applied (`rescoped()`):
what batch makes of the resource from then on is not known here.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping
from typing import Any, Final

from . import _snapshot
from .errors import BadSnapshotError
from .records import Inventory

if typing.TYPE_CHECKING:
    from ._resource_state import ResourceState

__all__ = ["compacted", "decode", "encode", "rescoped"]

#: The statuses an inventory that covers a resource and does not list it changes: it
#: closes a running one, and makes a stopped one deleted (a START does not open it again).
_HELD: Final = frozenset(("running", "stopped"))

Key = tuple[tuple[str, ...] | None, tuple[tuple[str, object], ...], str]
#: Per (accounts, where, close): the last inventory with that scope compacted, unlisted.
Scoped = dict[Key, Inventory]


def compacted(scoped: Scoped, inventories: Iterable[Inventory]) -> Scoped:
    """``scoped`` with ``inventories`` (now compacted) that have a ``where``. O(k)."""
    out = scoped
    for inventory in inventories:
        if not inventory.where:
            continue
        key = (inventory.accounts, inventory.where, inventory.close)
        known = out.get(key)
        if known is None or known.at_us < inventory.at_us:
            if out is scoped:
                out = dict(scoped)
            out[key] = _unlisted(inventory)
    return out


def _unlisted(inventory: Inventory) -> Inventory:
    """``inventory``'s instant, scope and ``close``, with no resource listed and no id."""
    mark = object.__new__(Inventory)
    mark.__attrs_init__(
        inventory.at_us, (), inventory.close, None, inventory.accounts, inventory.where
    )
    return mark


def rescoped(
    scoped: Scoped, t_us: int, state: ResourceState, new: ResourceState
) -> Inventory | None:
    """A compacted inventory whose scope a record at ``t_us`` brings the resource into.

    ``state``: the resource's compacted state, running or stopped; ``new``: what the
    record makes of it, the same under another description. The last inventory kept, stamped at or
    after ``t_us``, that covers the resource under the new description and not under
    the old one, or None. Batch rate() closes it there unless it listed it: when the
    state's listings (those of the last instant an inventory covered the resource) are
    of that instant and list it, it is not. One that covered it under the old
    description and not the new one changes nothing from the kept cycles on: it left
    the resource as it is. O(i) for the i inventories kept.
    """
    if state.status not in _HELD or new.status != state.status:
        return None
    if state.description == new.description:
        return None
    account, resource = state.account, state.resource
    listings = state.listings
    found: Inventory | None = None
    for mark in scoped.values():
        if mark.at_us < t_us or (found is not None and found.at_us >= mark.at_us):
            continue
        if (
            listings is not None
            and listings[0] == mark.at_us
            and any(listed is not None for _, listed, _ in listings[1])
        ):
            continue  # listed at that instant: present, as batch has it
        if mark.covers(account, resource, new.description) and not mark.covers(
            account, resource, state.description
        ):
            found = mark
    return found


def encode(scoped: Scoped) -> list[list[object]]:
    """The inventories kept, as `_snapshot.encode_record()` writes them, in a stable order."""
    return sorted((_snapshot.encode_record(mark) for mark in scoped.values()), key=repr)


def decode(body: Mapping[str, Any], base_us: int) -> Scoped:
    """The inventories ``body["scoped"]`` lists (absent: none), each checked. O(i).

    Raises `BadSnapshotError` for an item that is not an inventory without a listing nor
    an id, with a ``where``, stamped before ``base_us``; or one scope listed twice.
    """
    if "scoped" not in body:
        return {}
    marks = _snapshot.decode_each(body, "scoped", _snapshot.decode_record)
    out: Scoped = {}
    for index, mark in enumerate(marks):
        if (
            type(mark) is not Inventory
            or mark.resources
            or mark.id is not None
            or not mark.where
            or mark.at_us >= base_us
        ):
            raise BadSnapshotError(
                f"Rater snapshot body.scoped[{index}] is not an inventory compacted with a "
                "where: each is an inventory with no resource listed, no id and a where, "
                "stamped before base_us; restore an unaltered copy."
            )
        key = (mark.accounts, mark.where, mark.close)
        if key in out:
            raise BadSnapshotError(
                f"Rater snapshot body.scoped[{index}] repeats the scope of an earlier item: "
                "it keeps the last inventory compacted per accounts, where and close; "
                "restore an unaltered copy."
            )
        out[key] = mark
    return out
