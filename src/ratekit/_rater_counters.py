"""The rater's counters at a statement: taken on from their last reading, not metered again.

Private to [`ratekit.Rater`][ratekit.Rater]. A resource with readings of a `Counter`
(without ``from_zero``: `ratekit._rater_book.counters`) goes on from its metering state
at the last watermark, as deltas and time do (`ratekit._rater_advance`): its first new
reading counts from the last reading its state keeps, and the part of that increment
before the watermark, which metering from the state gives as a late row, goes to the
row of its piece that ends there (`Book.take_late`). So a statement costs what is new,
not the cycle so far (one reading every 5 minutes, a statement every 10: see
docs/streaming.md, Cost measured). What a continuation cannot join so (a piece whose
end only the new records say, a counter's first increment, a late row elsewhere) is
metered again from the kept cycles' start, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Sequence

from ._rater_book import Book, Key
from .records import Anomaly
from .usage import Usage, UsageRow

__all__ = ["going_on", "taken"]


def going_on(book: Book, quiet: set[Key], prev: int, counters: frozenset[str]) -> set[Key]:
    """The resources of ``quiet`` (nothing new) that a continuation meters all the same.

    One that runs (its time goes on), and one with a row of one of ``counters`` that
    ends at ``prev`` (its piece runs on), so that its state's clock is the watermark: its
    next reading counts from its last one, and the part of that increment before the
    watermark is then a late row that goes to that row (`Book.take_late`), not a part
    before a stale clock that no row holds. Not one whose counter's piece ended (a
    deleted resource, a closed cycle): a reading of it has no row to go to, and meters
    it again. O(q + e) for q quiet resources and e rows ending at ``prev``.
    """
    return {
        key
        for key in quiet
        if book.states[key].status == "running"
        or (counters and book.open_ends(key, prev, counters))
    }


def taken(  # noqa: PLR0917 - private plumbing of plain values
    book: Book,
    usage: Usage,
    keys: set[Key],
    active: set[Key],
    full: set[Key],
    prev: int,
    counters: frozenset[str],
    bounded: Callable[[Key], Container[str]],
) -> list[Anomaly] | None:
    """The anomalies of a continuation of ``keys``, with its late rows taken; None: none can be.

    Those of the resources ``cut`` (metered again) are left out. A counter's increment
    across ``prev``: its part before ``prev`` is a late row, which goes to its piece's row
    (`Book.take_late`), and its ``"late"`` anomaly is no news.
    Anything else late, the carried states cannot take (None: they are metered again).
    O(a + l) for a anomalies and l late rows, and `Book.take_late`'s.
    """
    cut = _cut(book, usage.rows, active, prev, counters, bounded)
    full.update(cut)
    keys.difference_update(cut)
    said = [a for a in usage.anomalies if (a.account, a.resource) not in cut]
    if not usage.late and all(a.kind != "late" for a in said):
        return said
    lates = {(a.account, a.resource, a.meter) for a in said if a.kind == "late"}
    mine = [r for r in usage.late if (r.account, r.resource) in keys]
    if not lates.issubset((r.account, r.resource, r.meter) for r in mine):
        return None
    if not book.take_late(mine, prev, counters):
        return None
    return [a for a in said if a.kind != "late"]


def _cut(  # noqa: PLR0917 - private plumbing of plain values
    book: Book,
    rows: Sequence[UsageRow],
    active: set[Key],
    prev: int,
    counters: frozenset[str],
    bounded: Callable[[Key], Container[str]],
) -> set[Key]:
    """The resources of ``active`` whose counters' rows a continuation cannot join at ``prev``.

    Metering everything at once gives a counter's piece that holds ``prev`` one row, from
    the piece's start to its end. A continuation joins its row from ``prev`` to the row
    of the same piece that ends at ``prev`` (its open end, `Book.join`), but the piece of
    a resource with new records and no new increment of that counter there has no row
    from ``prev`` to join (where does the piece end? the new records say), and a row
    from ``prev`` with no open end began before ``prev`` (a counter's first increment):
    those resources are metered again. Not at a cycle's start or a price cut at
    ``prev``, which ends the piece there. O(n + e) for n new rows and e open ends.
    """
    if not counters or not active:
        return set()
    starting: dict[tuple[str, str, str], UsageRow] = {
        (row.account, row.resource, row.meter): row
        for row in rows
        if row.meter in counters and row.span.start_us == prev
    }
    out: set[Key] = set()
    for key in active:
        ending = bounded(key)
        ends = {
            row.meter: row for row in book.open_ends(key, prev, counters) if row.meter not in ending
        }
        for name in counters:
            if name in ending:
                continue
            end, new = ends.get(name), starting.get((*key, name))
            if end is None and new is None:
                continue
            if (
                end is None
                or new is None
                or end.cycle != new.cycle
                or end.description != new.description
            ):
                out.add(key)
                break
    return out
