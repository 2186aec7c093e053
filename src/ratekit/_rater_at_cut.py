"""Events stamped at exactly the last watermark: what they do to the pieces cut there.

Private to [`ratekit.Rater`][ratekit.Rater]. A statement does not read a record stamped at its
own watermark: the next one does, at exactly its last watermark (``prev``), where the
carried states stand (they hold every event before ``prev``, none at it). Such an event
goes on from the state, as one after ``prev`` does, but it may end the piece running at
``prev`` there, which a continuation's rows do not show by themselves: metering
everything at once ends that piece at ``prev`` with the event that ended it among its
record ids (its *closer*), and begins the next one there. `cut()` tells, per resource,
by applying its new events to its carried piece (as metering does, ties and ``seq``
included, in a timeline of its own: O(n log n) for its n new events), whether a piece
begins at ``prev``, and then:

- the rows of the piece that ran at ``prev`` (time meters, ending at ``prev``) take the
  closer's id (`close()`), and no row from ``prev`` is joined to them: the meters the
  rater's pieces end at ``prev`` include theirs (`ends()`), as at a cycle's start;
- when the description changes there too, the pieces of the samples end at ``prev`` as
  well (`_metering_next_state.described()`): no row of the resource is joined at ``prev``,
  none from ``prev`` is given from where its piece began (`_rater_advance._begun()`),
  and no zero delta is sent there.

An inventory stamped at ``prev`` ends pieces there as an event would (`listed()` names
the resources it may change): one that leaves out a resource running there closes it,
its piece ending at ``prev`` with the inventory's id; one that leaves out a stopped
resource, or lists one with another description, or opens one stopped or deleted, ends
the pieces of its samples there (its description changes). A resource whose events at
``prev`` the carried state cannot take on so is metered again from the kept cycles'
start (see `cut()`), and so, under meters with an aggregation, is every one with an event
at ``prev`` and every one an inventory there ends the pieces of.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from . import _normalize as _n
from . import _timelines as _t
from ._inventory_scope import views
from ._metering_restore import restore
from ._rater_book import Book, Key, _open_from
from ._rater_joins import joined_ids
from .records import Event, Inventory, Sample
from .usage import UsageRow, _new_row

if typing.TYPE_CHECKING:
    from ._rater_engine import Engine

__all__ = ["Cut", "close", "cut", "ends", "listed"]


class Cut(NamedTuple):
    """What the events of a resource at ``prev`` do to the pieces cut there."""

    #: The id of the record that ended the piece running at ``prev`` (None: no id).
    closer: str | None
    #: Whether a time meter's piece ran at ``prev`` and ends there.
    timed: bool
    #: Whether the description changes at ``prev``: every piece ends there.
    described: bool


def cut(  # noqa: PLR0917 - private plumbing of plain values
    book: Book,
    new: tuple[Iterable[Event | Sample | Inventory], Sequence[Inventory]],
    keys: set[Key],
    prev: int,
    engine: Engine,
    full: set[Key],
) -> dict[Key, Cut]:
    """Per resource of ``keys`` (those with an event at ``prev``) whose piece ends at ``prev``.

    ``new``: the statement's new events and samples, and its new inventories (those
    stamped at ``prev`` are applied after its events there, as metering does). A resource whose new events begin
    no piece at ``prev`` (an update to the same description, a start of a resource
    running with it: ignored, or a stop of a stopped one) needs nothing: it is left
    out. When the ``engine`` has aggregations (their cycle so far,
    `ratekit._rater_aggregations`, is not told apart here), each with an event at
    ``prev``, and each an inventory there begins a piece of, is added to ``full``; one whose
    description changes at ``prev`` while a counter's piece of it ends there is too (a counter's increment across ``prev`` is joined to the
    row of its piece, `ratekit._rater_counters`); so is one whose carried piece itself
    begins at ``prev``. O(n log n) for the n new events of ``keys``, O(i) more for each
    of them, and O(l) once, with i new inventories listing l resources.
    """
    if not keys:
        return {}
    aggregated = bool(engine.aggregations)
    counters = engine.counters
    news, inventories = new
    events: dict[Key, list[Event]] = {key: [] for key in keys}
    for record in news:
        if type(record) is Event:
            mine = events.get((record.account, record.resource))
            if mine is not None:
                mine.append(record)
    listing = views(inventories)
    out: dict[Key, Cut] = {}
    for key, found in events.items():
        if aggregated and found:
            full.add(key)
            continue
        state = book.states.get(key)
        line = _t.Timeline() if state is None else restore(state)
        before = len(line.starts)
        status, description = line.statuses[-1], line.descriptions[-1]
        if line.starts[-1] == prev:  # (a carried piece begins where its events apply)
            full.add(key)
            continue
        _t.build_timeline(key[0], key[1], found, listing(key), (), _n.Anomalies(), line)
        if before >= len(line.starts) or line.starts[before] != prev:
            continue  # no piece begins at prev
        if aggregated:
            full.add(key)
            continue
        changed = description != line.descriptions[before]
        if changed and counters and book.open_ends(key, prev, counters):
            full.add(key)
            continue
        out[key] = Cut(line.openers[before], status == _n.RUNNING, changed)
    return out


def listed(book: Book, inventories: Sequence[Inventory], prev: int, full: set[Key]) -> set[Key]:
    """The resources of the book that an inventory stamped at ``prev`` may change there.

    Those of the book's states (not in ``full``) that an inventory at ``prev`` lists
    (it may correct their description, or open them again), and those whose account it
    covers that it does not list and that it has not closed already (it may close them,
    running or stopped): `cut()` tells whether a piece begins there (a listing of the
    same description changes nothing; its ``where`` may leave them out of its scope).
    O(k + l) for k states and l listed.
    """
    at = [inventory for inventory in inventories if inventory.at_us == prev]
    if not at:
        return set()
    states = book.states
    out: set[Key] = set()
    for inventory in at:
        listing = {(account, resource) for account, resource, _ in inventory.resources}
        out.update(key for key in listing if key in states)
        accounts = inventory.accounts
        out.update(
            key
            for key, state in states.items()
            if state.status != "deleted"
            and key not in listing
            and (accounts is None or key[0] in accounts)
        )
    return out - full


def ends(
    found: Cut, planned: frozenset[str], every: frozenset[str], timed: frozenset[str]
) -> frozenset[str]:
    """The meters whose pieces end at ``prev``: ``planned``, and those the events ``found`` end.

    ``planned``: those its plans cut there; ``every``: all the meters (a description
    that changes ends every piece); ``timed``: the time meters (a piece that ran at
    ``prev`` and ends there). O(m) for m meters.
    """
    if found.described:
        return every
    return planned | timed if found.timed else planned


def close(
    book: Book, cuts: Mapping[Key, Cut], prev: int, timed: frozenset[str], full: set[Key]
) -> None:
    """Give the rows of each piece that ran at ``prev`` and ended there its closer's id.

    Metering at once lists, among a time piece's record ids, the record that ended it
    (`ratekit._metering_time`): its rows that end at ``prev`` (its open ends, which come
    last) take that id, in their one order. Not those of ``full`` (metered again). O(e)
    for e open ends of each resource.
    """
    for key, found in cuts.items():
        if not found.timed or found.closer is None or key in full:
            continue
        rows = book.rows.get(key)
        if not rows or book.as_of_us != prev:
            continue
        start = _open_from(rows, prev)
        ids = (found.closer,)
        book.rows[key] = (
            *rows[:start],
            *(_with_ids(row, ids) if row.meter in timed else row for row in rows[start:]),
        )


def _with_ids(row: UsageRow, ids: tuple[str, ...]) -> UsageRow:
    """``row`` with ``ids`` among its record ids (in their one order)."""
    return _new_row(
        row.account,
        row.meter,
        row.resource,
        row.span,
        row.cycle,
        row.quantity,
        row.unit,
        row.description,  # type: ignore[arg-type]
        joined_ids(row.record_ids, ids),
        ordered=True,
    )
