"""Inventory snapshots: exactly the resources that exist at an instant, within a scope.

A record like [`Event`][ratekit.Event] and [`Sample`][ratekit.Sample] (read from
`ratekit.records`, whose ``Record`` gathers the three), kept in its own module: metering reconciles its timelines with it (see `ratekit._timelines`), a scope
(`ratekit._inventory_scope`) says what part of the platform it covers.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import typing
from collections.abc import Iterable, Mapping
from typing import Literal

import attrs

from . import _inventory_scope as _scope
from ._caller_objects import read_items, read_once
from ._descriptions import _attributes, _FrozenDict
from ._entry_points import plain_text
from ._instants import format_us, from_us
from ._record_fields import _instant, _name, _record_id
from ._shown import show
from ._text import one_of
from .errors import BadRecordError, RatekitTypeError

__all__ = ["Inventory"]


def _inventory_resources(
    value: object, label: str = "inventory"
) -> tuple[tuple[str, str, _FrozenDict], ...]:
    """The listed resources, sorted; an error names the inventory by ``label`` (its id)."""
    items: list[tuple[str, str, _FrozenDict]] = []
    kind = type(value).__name__
    named = "Inventory" if label == "inventory" else label
    if isinstance(value, Mapping):
        pairs: Iterable[tuple[object, object]] = read_items(
            value, f"{named} resources", f"mapping ({kind})", "a dict of resources"
        )
    elif isinstance(value, Iterable) and not isinstance(value, str):
        listed = read_once(value, f"{named} resources", kind, "a list of resources")
        # A triple gives its attributes, as `Inventory.resources` holds them.
        pairs = (
            ((key[:2], key[2]) if isinstance(key, tuple) and len(key) == 3 else (key, None))
            for key in listed
        )
    else:
        raise RatekitTypeError(
            f"{named} resources must be (account, resource) pairs or (account, resource, "
            f"attributes) triples, or a mapping from such pairs to attributes, not "
            f"{type(value).__name__}: {show(value)}."
        )
    for key, attributes in pairs:
        if not (isinstance(key, tuple) and len(key) == 2):
            raise RatekitTypeError(
                f"{named} resource {show(key)} must be an (account, resource) pair of "
                f"strings, or an (account, resource, attributes) triple."
            )
        account = _name(key[0], f"{named} resource", "account")
        resource = _name(key[1], f"{named} resource", "resource")
        shown = f"{named} resource {(account, resource)!r}"
        items.append((account, resource, _attributes(attributes, shown)))
    items.sort(key=lambda item: (item[0], item[1]))
    for before, after in itertools.pairwise(items):  # a resource's listings are adjacent
        if before[:2] == after[:2] and before[2] != after[2]:
            raise BadRecordError(
                f"{named} lists resource {before[:2]!r} twice with other attributes, "
                f"{dict(before[2])!r} and {dict(after[2])!r}: one of them would be dropped. "
                "List each resource once, with all its attributes in that listing (the "
                "same listing twice is taken as once)."
            )
    return tuple(items)


@typing.final
@attrs.frozen(init=False, repr=False)
class Inventory:
    """A full inventory snapshot: exactly the resources that exist at instant ``at``.

    Metering reconciles its timelines with it (the Exoscale reconciler of seed 000): a
    resource running or stopped in the timeline but absent from the snapshot is closed, and
    a resource in the snapshot that the timeline does not know (never seen, or deleted) is
    opened at ``at`` with the snapshot's attributes. ``close`` is the policy for the absent
    ones: ``"snapshot"`` closes them at ``at``; ``"last_seen"`` at their last sign of life
    (their last event, sample or listing by an inventory up to ``at``). A listed resource the timeline knows, but
    with other values for the attributes the snapshot gives, takes them at ``at`` (the
    snapshot is the truth). Each correction is an anomaly (``"reconciled_close"``,
    ``"reconciled_open"``, ``"reconciled_update"``).

    ``resources`` is an iterable of ``(account, resource)`` pairs, or a mapping from such
    pairs to attributes (the description a newly opened resource gets, and the attributes
    a known one is checked against); an item of the iterable may also be an
    ``(account, resource, attributes)`` triple, as `resources` gives them back, so
    ``Inventory(inventory.at, inventory.resources, ...)`` lists the same resources. A
    resource listed twice alike is listed once; listed twice with other attributes (or
    with attributes and without) it raises [`BadRecordError`][ratekit.BadRecordError]
    naming it and both, since one of them would be dropped.

    By default the snapshot is of the whole platform. A listing that covers part of it (one
    organisation's resources, one kind of resource, one zone) says so with a *scope*, and
    reconciles only the resources in it; every other resource is left untouched (not
    closed, no anomaly):

    - ``accounts``: the account names the listing covers (``None``: every account). A
      resource it lists must be of one of them.
    - ``where``: a selector on descriptions, as a [`PriceEntry`][ratekit.PriceEntry]'s
      (``{"entity": "vm"}``, ``{"zone": rk.OneOf(["ch-gva-2", "de-fra-1"])}``; ``None``:
      any description). A resource it does not list is in scope when its description at
      ``at`` (after the events stamped up to ``at``, as
      [`Timeline.at()`][ratekit.Timeline.at] reads it) matches; a resource that changes
      description is judged by the one it has then. A resource it lists is in scope (the
      listing says so), but listed attributes that fail a condition on a path they give
      are refused.

    Inventories stamped at one instant that disagree about a resource give the same
    result in any order: a resource listed by any of them is present (one that covers it
    without listing it does not close it), and listings with other values apply in the
    order of the inventories' ids; each disagreement is a ``"tie"`` anomaly.

    Raises [`BadRecordError`][ratekit.BadRecordError] for an empty ``accounts`` or a
    listed resource outside the scope, and
    [`RatekitTypeError`][ratekit.RatekitTypeError] for accounts that are not names or a
    ``where`` that is not a selector; each message names the field. O(n log n + n k) for
    n resources and k conditions.

    Examples:
        >>> import ratekit as rk
        >>> rk.Inventory("2026-03-15T00:00:00Z", {("acme", "vm-1"): {"flavor": "m1.small"}},
        ...              close="last_seen", id="inv-15")
        Inventory('2026-03-15T00:00:00Z', {('acme', 'vm-1'): {'flavor': 'm1.small'}}, close='last_seen', id='inv-15')
        >>> vms = rk.Inventory("2026-03-15T00:00:00Z", [("acme", "vm-1")], accounts=["acme"],
        ...                    where={"entity": "vm"}, id="acme-vms")
        >>> vms
        Inventory('2026-03-15T00:00:00Z', [('acme', 'vm-1')], close='snapshot', accounts=['acme'], where={'entity': 'vm'}, id='acme-vms')
        >>> vms.covers("acme", "vm-2", {"entity": "vm"}), vms.covers("acme", "vol-1", {"entity": "volume"})
        (True, False)
        >>> try:
        ...     rk.Inventory("2026-03-15T00:00:00Z", [("other", "vm-9")], accounts=["acme"], id="x")
        ... except rk.BadRecordError as error:
        ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
        inventory 'x' lists ('other', 'vm-9'), but its accounts are ['acme']: a scoped
        inventory lists only resources of its accounts; add the account to accounts, or
        leave the resource out.
    """

    at_us: int = attrs.field(alias="at")  # attrs.evolve gives it back as ``at``
    """When the snapshot was taken, in epoch microseconds."""
    resources: tuple[tuple[str, str, Mapping[str, object]], ...]
    """``(account, resource, attributes)`` of every resource in the snapshot, sorted."""
    close: Literal["snapshot", "last_seen"]
    """Where absent resources are closed: at the snapshot or at their last sign of life."""
    id: str | None
    """The record's stable identity, if any."""
    accounts: tuple[str, ...] | None
    """The accounts the snapshot covers, sorted (``None``: every account)."""
    where: tuple[tuple[str, object], ...]
    """The selector a resource's description must match to be covered, as sorted
    ``(path, condition)`` pairs (``()``: any description)."""

    def __init__(
        self,
        at: _dt.datetime | str,
        resources: Iterable[tuple[str, str] | tuple[str, str, Mapping[str, object]]]
        | Mapping[tuple[str, str], Mapping[str, object]],
        *,
        close: Literal["snapshot", "last_seen"] = "snapshot",
        id: str | None = None,  # noqa: A002 - the record's id is the natural name
        accounts: Iterable[str] | None = None,
        where: Mapping[str, object] | None = None,
    ) -> None:
        record_id = _record_id(id, "inventory")
        label = "inventory" if record_id is None else f"inventory {record_id!r}"
        chosen = one_of(close, ("snapshot", "last_seen"))
        if chosen is None:
            raise BadRecordError(
                f"{label} close {show(close)} is not one of 'snapshot', 'last_seen'."
            )
        at_us = _instant(at, label, "at")
        scoped = _scope.scope_accounts(accounts, label)
        selector = _scope.scope_where(where, label)
        listed = _inventory_resources(resources, label)
        if scoped is not None or selector:
            _scope.check_listed(listed, scoped, selector, label)
        self.__attrs_init__(
            at_us,
            listed,
            typing.cast(Literal["snapshot", "last_seen"], chosen),
            record_id,
            scoped,
            selector,
        )

    @property
    def at(self) -> _dt.datetime:
        """When the snapshot was taken, as an aware UTC datetime."""
        return from_us(self.at_us)

    def covers(self, account: str, resource: str, description: Mapping[str, object]) -> bool:
        """Whether the snapshot reconciles this resource, described so at ``at``.

        A listed resource is covered; another one when its account is one of
        ``accounts`` and ``description`` matches ``where`` (see the class). An unscoped
        inventory covers every resource. O(log n + a + k).

        Examples:
            >>> import ratekit as rk
            >>> vms = rk.Inventory("2026-03-15T00:00:00Z", [], accounts=["acme"], where={"entity": "vm"})
            >>> vms.covers("acme", "vm-1", {"entity": "vm"}), vms.covers("other", "vm-9", {"entity": "vm"})
            (True, False)
        """
        if self.accounts is None and not self.where:
            return True
        if _scope.is_listed(self.resources, account, resource):
            return True
        return _scope.in_scope(self.accounts, self.where, account, description)

    @plain_text
    def __repr__(self) -> str:
        # As given: a list of (account, resource), or a mapping to the attributes listed
        # when any resource has some (two inventories that list otherwise read otherwise).
        listed: object = [(account, resource) for account, resource, _ in self.resources]
        if any(attributes for _, _, attributes in self.resources):
            listed = {
                (account, resource): dict(attributes)
                for account, resource, attributes in self.resources
            }
        text = f"Inventory({format_us(self.at_us)!r}, {listed!r}, close={self.close!r}"
        if self.accounts is not None:
            text += f", accounts={list(self.accounts)!r}"
        if self.where:
            text += f", where={dict(self.where)!r}"
        if self.id is not None:
            text += f", id={self.id!r}"
        return text + ")"
