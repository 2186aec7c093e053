"""Unpriced usage a statement withholds: what a record fed ahead of its watermark may take away.

Private to [`ratekit.Rater`][ratekit.Rater] (its statement gives `withheld()` to rating).
A statement meters the records stamped before its watermark; a record the feed took that
is stamped at or after it (fed ahead) waits for a later statement. Most such records
change only what comes after their instant, but two kinds reach back before it, so that
usage a statement meters may be usage that batch [`rate()`][ratekit.rate] of the records
fed never makes:

- a ``close="last_seen"`` inventory closes each resource of its scope that it does not
  list at the resource's last sign of life, which may lie before the watermark: what the
  resource ran from there on is taken back;
- an event whose ``seq`` orders it before an event of its resource stamped before the
  watermark (or before the compacted state's last one): that event takes effect no sooner
  than the later-stamped one (see `ratekit._event_order`), so what it described before is
  taken back.

Priced usage of such a resource is billed, and corrected once the record is read, as
any usage a later record changes. Usage no entry prices is *withheld*: neither refused
(the feed's door refuses the records whose usage batch refuses, so a statement must not
fail on it) nor said as an ``"unpriced"`` anomaly, and not charged. The statement that
reads the record rates whatever of it is left, as batch does. Where such usage is an
anomaly (``unpriced="anomaly"``), only what the record can take back is withheld
(`Withheld.reaches()`): usage before the resource's last sign of life, or of a resource
outside the inventory's ``where`` there, is said now, as batch says it; withheld, it
could be compacted before any statement said it.

A description may also come after the usage it describes: samples fed before their
resource's start event. Usage that nothing describes, of a resource no kept event or
listing names by the start of that piece of usage (`Undescribed`), awaits its
description: an ``"unpriced"`` anomaly, not charged, where an entry would price it by
attributes, even under ``unpriced="error"``, at the feed's door and at the statements
alike (the engine's ``awaiting``), so that the records' order does not matter.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Container, Mapping

from ._inventory_scope import is_listed
from ._last_seen import running_since
from ._rater_book import known_by
from .records import Event, Inventory, Sample

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["Undescribed", "Withheld", "withheld"]


class Withheld(Container[tuple[str, str]]):
    """The resources whose unpriced usage a statement withholds (see the module).

    ``inventories``: the ``last_seen`` inventories fed ahead; ``sequenced``: per
    resource, the least ``seq`` of its events fed ahead; ``known``: per resource, the
    greatest ``seq`` of its events the statement reads, or of its compacted state's last.
    Asked only of a resource with usage no entry prices: O(i log n) for i inventories of
    n resources each.
    """

    __slots__ = ("inventories", "known", "running", "sequenced")

    def __init__(
        self,
        inventories: list[Inventory],
        sequenced: dict[tuple[str, str], int],
        known: Callable[[tuple[str, str]], int | None],
        running: Callable[[Inventory, tuple[str, str]], tuple[int, Mapping[str, object]] | None],
    ) -> None:
        self.inventories = inventories
        self.sequenced = sequenced
        self.known = known
        self.running = running

    def __contains__(self, key: object) -> bool:
        account, resource = typing.cast("tuple[str, str]", key)
        if any(self._unlisted(inventory, account, resource) for inventory in self.inventories):
            return True  # it may close the resource back (its where aside)
        return self._reordered(account, resource)

    def reaches(self, key: tuple[str, str], end_us: int) -> bool:
        """Whether a record fed ahead may take back ``key``'s usage up to ``end_us``.

        An inventory not listing the resource closes it at its last sign of life up to
        the inventory (`_last_seen.running_since()`), where the inventory's ``where``
        covers its description then: usage up to that instant stays. An event reordered
        by its ``seq``: any of it (as `__contains__`). O(i (k log k)) for i inventories
        and k kept records of the resource.
        """
        account, resource = key
        for inventory in self.inventories:
            if self._unlisted(inventory, account, resource):
                closing = self.running(inventory, key)
                if (
                    closing is not None
                    and end_us > closing[0]
                    and inventory.covers(account, resource, closing[1])
                ):
                    return True
        return self._reordered(account, resource)

    @staticmethod
    def _unlisted(inventory: Inventory, account: str, resource: str) -> bool:
        accounts = inventory.accounts
        return (accounts is None or account in accounts) and not is_listed(
            inventory.resources, account, resource
        )

    def _reordered(self, account: str, resource: str) -> bool:
        least = self.sequenced.get((account, resource))
        if least is None:
            return False
        greatest = self.known((account, resource))
        return greatest is not None and greatest > least


def withheld(rater: Rater, as_of_us: int) -> Container[tuple[str, str]]:
    """The resources whose unpriced usage the statement at ``as_of_us`` withholds.

    An empty set when no record fed ahead reaches back (the common case). O(p) for the
    p records not metered yet.
    """
    inventories: list[Inventory] = []
    sequenced: dict[tuple[str, str], int] = {}
    for record in rater._pending:
        if known_by(record, as_of_us):
            continue
        if type(record) is Inventory:
            if record.close == "last_seen":
                inventories.append(record)
        elif type(record) is Event and record.seq is not None:
            key = (record.account, record.resource)
            least = sequenced.get(key)
            if least is None or record.seq < least:
                sequenced[key] = record.seq
    if not inventories and not sequenced:
        return frozenset()
    by_key, seqs = rater._by_key, rater._reach.seqs

    def known(key: tuple[str, str]) -> int | None:
        found = [
            r.seq
            for r in by_key.get(key, ())
            if type(r) is Event and r.seq is not None and known_by(r, as_of_us)
        ]
        compacted = seqs.get(key)
        if compacted is not None:
            found.append(compacted)
        return max(found, default=None)

    kept, states = rater._inventories, rater._reach.states

    def running(
        inventory: Inventory, key: tuple[str, str]
    ) -> tuple[int, Mapping[str, object]] | None:
        at_us = inventory.at_us
        before = sorted(
            (i for i in kept if type(i) is Inventory and i.at_us < at_us and i is not inventory),
            key=lambda i: i.at_us,
        )
        return running_since(key, by_key.get(key, ()), before, states.get(key), at_us)

    return Withheld(inventories, sequenced, known, running)


class Undescribed:
    """Usage the rater knows by samples alone: its description may still be fed.

    Usage of a resource from ``start_us`` on (a piece that nothing describes, from the
    start of its cycle or the record that last changed the resource) awaits its
    description when no kept event of the resource is stamped at or before ``start_us``,
    no kept inventory lists it by then, and its compacted state (if any) is ``"unknown"``
    and described by nothing: no record has told the rater what the resource is there
    yet. Such usage that no entry prices is not refused at the feed nor an error at a
    statement, even under ``unpriced="error"``: an ``"unpriced"`` anomaly, not charged,
    until an event or a listing describing it is fed (while its cycle is open: then it
    is charged as batch [`rate()`][ratekit.rate] of the records charges it), so that the
    order the records are fed in does not matter (see `ratekit._rating_unpriced`).
    Asked only of usage no entry prices: O(k + i) for the resource's k kept records and
    i inventories.
    """

    __slots__ = ("rater",)

    def __init__(self, rater: Rater) -> None:
        self.rater = rater

    def awaits(self, key: tuple[str, str], start_us: int) -> bool:
        """Whether usage of resource ``key`` from ``start_us`` on awaits its description."""
        rater = self.rater
        account, resource = key
        if any(type(r) is not Sample and r.at_us <= start_us for r in rater._by_key.get(key, ())):
            return False
        state = rater._reach.states.get(key)
        if state is not None and (state.status != "unknown" or state.description):
            return False
        return not any(
            type(i) is Inventory
            and i.at_us <= start_us
            and is_listed(i.resources, account, resource)
            for i in rater._inventories
        )
