"""Undoing what a rater's call changed when it raises: a statement's checkpoint, a feed's log.

Private to [`ratekit.Rater`][ratekit.Rater]. A statement that raises (a price that
refuses a quantity, say) is put back from the `checkpoint()` it took (`rollback()`); a
feed takes its batch whole or not at all, logging what it changes as it goes
(`FeedUndo`). Both leave the rater's indexes rebuilt as a restore builds them
(`ratekit._rater_store.regroup`).
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from typing import Final

from ._rater_store import Record, identity, regroup
from .records import Anomaly

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["FeedUndo", "checkpoint", "rollback"]


#: What a statement may change that a snapshot holds: saved before, put back on error.
_SAVED: Final = (
    "_allowed",
    "_anomalies",
    "_anomalies_before",
    "_as_of_us",
    "_base_us",
    "_closed_us",
    "_dirty",
    "_first",
    "_late_keys",
    "_late_seen",
    "_reported",
    "_state",
    "_uncovered",
)
#: What a statement replaces but never changes in place: saved as it is, not copied (the
#: kept records, a mapping as large as the stream, and the ids compacted away last, as
#: many as a cycle's records, would cost O(records) a statement).
_REPLACED: Final = ("_forgotten", "_gone", "_inventoried", "_records", "_too_late")


def checkpoint(rater: Rater) -> dict[str, object]:
    """What [`Rater.statement()`][ratekit.Rater.statement] may change, copied. O(s).

    s: the state a statement changes in place (reported lines, anomalies, first
    records per account, ...), not the kept records nor the ids compacted away.
    """
    saved: dict[str, object] = {name: getattr(rater, name) for name in _REPLACED}
    for name in _SAVED:
        value = getattr(rater, name)
        saved[name] = value.copy() if isinstance(value, dict | set) else value
    return saved


def rollback(rater: Rater, saved: dict[str, object]) -> None:
    """Put ``rater`` back as `checkpoint()` saw it; its caches are rebuilt as on restore.

    A statement that raises (a price that refuses a quantity, say) has advanced the book
    and the cached charges part way: they are dropped, and the next statement meters the
    kept cycles again, as a restored snapshot would. O(m).
    """
    for name, value in saved.items():
        setattr(rater, name, value)
    rater._closers = []
    rater._feeding = None
    rater._index()
    regroup(rater)


#: What placing (or reconciling) a record stamped before the kept cycles changes in
#: place: copied by `FeedUndo.placing()` (the first records per account, the ids
#: compacted away and judged too late, the accounts covered by their kept usage).
_PLACED: Final = ("_first", "_forgotten", "_too_late", "_uncovered")
#: What a feed replaces but never changes in place: kept by reference.
_REFERRED: Final = ("_gone", "_inventoried", "_scoped", "_state")
_MISSING: Final = object()


class FeedUndo:
    """What a [`Rater.feed()`][ratekit.Rater.feed] changed, put back when it raises.

    A batch is taken whole or not at all: a record refused (or a policy of the caller's
    raising) while a later record of the batch is placed or reconciled leaves the rater
    as before the call, the records judged before it not kept nor remembered. What the
    common path changes is logged, O(1) each (the records kept, the accounts whose first
    record moves, the anomalies said); the dirty keys are copied before they first change
    (`off_path()`), and what placing a too-late record changes before the first one is
    placed (`placing()`), so that a feed of records on time copies nothing large.
    """

    __slots__ = (
        "dirty",
        "first",
        "kept",
        "kept_ids",
        "looked",
        "placed",
        "rater",
        "referred",
        "said",
    )

    def __init__(self, rater: Rater) -> None:
        self.rater = rater
        self.kept: list[Record] = []  # the records the feed kept
        #: A record without an id kept where the feed looked it up, not yet in ``kept``.
        self.looked: Record | None = None
        self.kept_ids: set[int] = set()  # the `id()` of the first of them: `fresh()`
        self.first: dict[str, object] = {}  # per account, its first record before
        self.said: list[Anomaly] = []  # the anomalies the feed added to the rater's
        self.dirty: set[tuple[str, str | None]] | None = None
        self.placed: dict[str, object] | None = None
        self.referred = {name: getattr(rater, name) for name in _REFERRED}

    def off_path(self) -> None:
        """Copy the dirty keys, once, before they change. O(d)."""
        if self.dirty is None:
            self.dirty = self.rater._dirty.copy()

    def placing(self) -> None:
        """Copy what placing a record before the kept cycles changes, once. O(a + f)."""
        self.off_path()
        if self.placed is None:
            rater = self.rater
            self.placed = {name: getattr(rater, name).copy() for name in _PLACED}

    def fresh(self) -> set[int]:
        """The `id()` of the records the feed kept so far. O(1) amortized per record kept.

        Each record is kept once, so the ids counted are the first ``len(kept_ids)``.
        """
        kept, ids = self.kept, self.kept_ids
        if len(ids) < len(kept):
            ids.update(id(record) for record in kept[len(ids) :])
        return ids

    def saying(self, anomalies: Iterable[Anomaly]) -> None:
        """Note the ``anomalies`` about to be added to the rater's, those new to it. O(n)."""
        known = self.rater._anomalies
        self.said += [anomaly for anomaly in anomalies if anomaly not in known]

    def first_of(self, account: str, earliest: int | None) -> None:
        """Note ``account``'s first record before the feed moves it. O(1).

        Once `placing()` copied them all, the copy says it.
        """
        if self.placed is None:
            self.first.setdefault(account, _MISSING if earliest is None else earliest)

    def undo(self) -> None:
        """Put the rater back as before the feed; its caches are rebuilt as on restore."""
        rater = self.rater
        for name, value in (*self.referred.items(), *(self.placed or {}).items()):
            setattr(rater, name, value)
        if self.dirty is not None:
            rater._dirty = self.dirty
        rater._anomalies.difference_update(self.said)
        first = rater._first
        for account, at_us in self.first.items():
            if at_us is _MISSING:
                first.pop(account, None)
            else:
                first[account] = typing.cast(int, at_us)
        for record in self.kept:
            kept = identity(record)
            rater._records.pop(kept, None)
            rater._late_keys.discard(kept)
        if self.looked is not None:
            rater._records.pop(self.looked, None)
        rater._closers = []
        rater._feeding = None
        rater._index()
        regroup(rater)
