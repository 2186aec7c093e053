"""The rater's metering step: bring its book of rows to a new watermark.

Private to [`ratekit.Rater`][ratekit.Rater]. At each statement, `advance()` meters only what
is new since the last watermark, through the one metering engine: resources continue
from their carried state, and those that cannot (a late record, an aggregation whose
cycle so far cannot be taken on, a counter from zero, an inventory, an event at the
very cut under meters with an aggregation) are metered again from the start of the
kept cycles. What an event at the very cut ends there is told in
`ratekit._rater_at_cut`. The rules of joining
the rows are in `ratekit._rater_book`, those of a counter's increment across the
watermark in `ratekit._rater_counters`, those of an aggregation's cycle so far in
`ratekit._rater_aggregations`.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import typing
from collections.abc import Sequence
from typing import Final

from . import _rater_aggregations as _aggregations
from . import _rater_at_cut as _at_cut
from . import _rater_counters as _counters
from . import _rater_refound as _refound
from . import _rater_running as _running
from ._inventory_scope import restricted
from ._normalize import NEVER
from ._rater_book import Book, Key, known_by, zeros
from ._resource_state import ResourceState
from .records import Anomaly, Event, Inventory, Sample
from .spans import Span
from .usage import Usage, UsageRow, _new_row

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["advance"]

Record = Event | Sample | Inventory
_RESOURCE: Final = operator.attrgetter("account", "resource")
_AT: Final = operator.attrgetter("at_us")
#: Where the description of a resource with no state began: it has had none ever since.
_EVER: Final = (NEVER, True)


def advance(
    rater: Rater, as_of_us: int
) -> tuple[list[Anomaly], set[tuple[str, str]] | None, set[tuple[str, str]] | None]:
    """Bring the book to ``as_of_us``, metering only what is new.

    Returns the anomalies; the resources, as (account, resource), metered again from
    the start of the kept cycles (then the kept closed cycles may have changed too;
    None: all of them); and the resources whose rows changed (None: any of them).

    See `ratekit._rater_book`: resources continue from their state at the last
    watermark, except those that must be metered again from the kept cycles' start.
    """
    engine = rater._engine
    book = rater._book
    base, prev = rater._base_us, rater._as_of_us
    pending = rater._pending
    # Stamped before as_of: read (known_by's first test, without a call per record).
    # Usually all of them are (a watermark after what was fed): found at C speed.
    if not pending or max(map(_AT, pending)) < as_of_us:
        now, rater._pending = pending, []
    else:
        now = [r for r in pending if r.at_us < as_of_us or known_by(r, as_of_us)]
        rater._pending = [r for r in pending if r.at_us >= as_of_us and not known_by(r, as_of_us)]
    redo, rater._redo = rater._redo, set()
    anomalies: list[Anomaly] = []
    inventories = [r for r in now if type(r) is Inventory]
    if book is None or redo is None or not all(_continues(r, prev) for r in inventories):
        # Each resource late against its own compacted state's clock, one with none
        # against none: whichever other resources are metered with it (all of them here,
        # a few below) changes nothing it says.
        usage = engine.meter(
            rater._records.values(),
            base,
            as_of_us,
            rater._state,
            own_clocks=True,
            deduplicated=True,
        )
        rater._book = book = Book(as_of_us)
        book.replace(usage, None)
        return _refound.refound(rater, usage, (base, as_of_us), None), None, None
    full = redo | rater._sticky
    if rater._corrected:
        # A correction cuts the rows of all its account's resources (at once: see
        # `ratekit._metering_corrections`): they are metered again together.
        corrected = rater._corrected
        full.update(key for key in rater._by_key if key[0] in corrected)
    changed: set[tuple[str, str]] = set()
    if as_of_us > prev:
        anomalies = _continue(rater, book, now, inventories, full, changed, prev, as_of_us)
    if full:
        records = [r for key in full for r in rater._by_key.get(key, ())]
        records += restricted(rater._inventories, full)
        states = [s for s in rater._state if (s.account, s.resource) in full]
        usage = engine.meter(records, base, as_of_us, states, own_clocks=True, deduplicated=True)
        book.as_of_us = as_of_us  # before replace(): the rows ending there come last
        book.replace(usage, full)
        anomalies.extend(_refound.refound(rater, usage, (base, as_of_us), full))
    book.as_of_us = as_of_us
    changed |= full
    changed |= _running.rated(book, changed, as_of_us)
    return anomalies, full, changed


def _continues(record: Record, prev: int) -> bool:
    """Whether metering can take ``record`` on from the carried states at ``prev``.

    Events and samples can (`_continue()` sends the resources of those that cannot to
    be metered again); an inventory snapshot can when it closes at the snapshot, at or
    after ``prev``: it then reconciles each resource from its state at ``prev``, as an
    event there would. At ``prev`` itself the states stand where it closes, after the
    events there (`ratekit._rater_at_cut`). A ``last_seen``
    inventory looks back at signs of life before ``prev``, which the carried states do
    not hold, and one before ``prev`` changes what was metered: those have every
    resource metered again.
    """
    return type(record) is not Inventory or (record.close == "snapshot" and record.at_us >= prev)


def _reaching_back(rater: Rater, now: list[Record], prev: int, full: set[Key]) -> set[Key]:
    """Add to ``full`` the resources of the records of ``now`` that reach ``prev`` or before.

    Returns the other resources with an event at ``prev`` itself: it may end the piece
    there (`ratekit._rater_at_cut`). O(n), and O(k) more for each event with a ``seq`` of
    a resource with k kept records.
    """
    at_cut: set[Key] = set()
    for record in now:
        # A delta over a span that reaches back before the last watermark (fed while
        # the span was still ahead of it) changes what was metered: its resource is
        # metered again.
        if type(record) is Sample:
            since = record.since_us
            if since is not None and since < prev:
                full.add((record.account, record.resource))
        elif type(record) is Event:
            key = (record.account, record.resource)
            if record.seq is not None:
                # Ordered by its seq before an event metered already: the order from
                # there on changes (the carried state may no longer hold that event).
                reach, _ = rater._reach.event_reach(
                    record, rater._by_key.get(key, ()), rater._base_us
                )
                if reach < prev:
                    full.add(key)
            if record.at_us == prev:
                # It may end the piece running at the cut (or not: an update to the
                # same description, a replayed start): `_rater_at_cut` tells.
                at_cut.add(key)
    return at_cut - full


def _reconciled(book: Book, inventories: list[Inventory], full: set[Key], active: set[Key]) -> None:
    """Add to ``active`` the resources that go on with the new ``inventories``.

    Every resource an inventory may reconcile continues from its state: those the book
    knows (one it does not list is closed, a deleted one it lists is opened again) and
    those it lists that are new; but not those metered again from the kept cycles'
    start (in ``full``). O(k + l) for k resources known and l listed.
    """
    if inventories:
        active.update(key for key in book.states if key not in full)
    for inventory in inventories:
        active.update(
            (account, resource)
            for account, resource, _ in inventory.resources
            if (account, resource) not in full
        )


def _begun(  # noqa: PLR0917 - private plumbing of plain values
    book: Book,
    rows: Sequence[UsageRow],
    begun: set[tuple[str, str, str]],
    prev: int,
    full: set[Key],
    floor: typing.Callable[[Key, str], int],
) -> list[UsageRow]:
    """``rows``, each row of ``begun`` from ``prev`` given from where its piece began.

    ``begun``: (account, resource, sum meter) whose continuation's first row starts at
    ``prev`` in a piece that holds ``prev`` but has no row before it (no delta fell in it
    before ``prev``). Metering everything at once gives that row from the piece's start:
    where its description began, or a cycle or a price cut, whichever is last
    (``floor(key, meter)``: the later of the last two before ``prev``). The quantity and
    the record ids are the continuation's (nothing was metered in the piece before
    ``prev``), so only the span's start is missing: the resource's state at ``prev``
    says where its description began, as metering found it (`ResourceState._described`:
    a resource with no state has had none ever since), or that the description stood
    at least from the start of a span, the kept cycles' start at the latest when the
    book was metered from there (that start is then no later than the floor). A
    resource whose state says neither (one whose history a late event applied again, in
    a continuation) is added to ``full``, to be metered again whole. O(r) for r rows.
    """
    out = list(rows)  # (copied whole; the few rows of ``begun`` replaced in place)
    states = book.states
    for index, row in enumerate(rows):
        if row.span.start_us == prev and (row.account, row.resource, row.meter) in begun:
            key = (row.account, row.resource)
            start = floor(key, row.meter)
            state = states.get(key)
            began = _EVER if state is None else state._described
            if began is None or (began[0] > start and not began[1]):
                full.add(key)  # where its description began is not known
            elif began[0] > start:
                start = began[0]
            if start < prev:
                out[index] = _new_row(  # the row from its piece's start
                    row.account,
                    row.meter,
                    row.resource,
                    Span.from_us(start, row.span.end_us),
                    row.cycle,
                    row.quantity,
                    row.unit,
                    row.description,  # type: ignore[arg-type]
                    row.record_ids,
                )
    return out


def _kept(rater: Rater) -> _aggregations.Kept:
    """A resource's kept readings of a meter and its compacted state, for `_aggregations`.

    The states are indexed at the first call (O(s) for s compacted states), each
    resource's records read at each (O(k) for its k kept records).
    """
    index: dict[Key, ResourceState] = {}

    def kept(key: Key, name: str) -> tuple[list[Sample], ResourceState | None]:
        if not index:
            index.update(((s.account, s.resource), s) for s in rater._state)
        records = rater._by_key.get(key, ())
        samples = [r for r in records if type(r) is Sample and r.meter == name]
        return samples, index.get(key)

    return kept


def _joined(  # noqa: PLR0917 - private plumbing of plain values
    rater: Rater,
    book: Book,
    states: Sequence[ResourceState],
    rows: Sequence[UsageRow],
    news: Sequence[Record],
    keys: set[Key],
    quiet: set[Key],
    full: set[Key],
    window: tuple[int, int],
    bounded: typing.Callable[[Key], frozenset[str]],
    extend: typing.Callable[[Key, str], int],
) -> set[Key]:
    """Join a continuation's ``rows`` and ``states`` over ``window`` to the book's open ends.

    An aggregation's cycle so far, one piece, is first taken on with its new readings
    (`ratekit._rater_aggregations`): its open end is put in place after the join, and a
    resource that cannot be taken on so is added to ``full`` (and left out of ``keys``).
    Returns the resources whose rows changed besides ``keys``: the quiet ones whose
    sum's piece ran on or whose aggregation was taken on. See `Book.join()`.
    """
    engine = rater._engine
    prev, as_of_us = window
    taken: dict[Key, list[tuple[UsageRow, UsageRow]]] = {}
    if engine.aggregations:
        cycle = engine.containing(prev)
        span = (max(cycle[0], rater._base_us), min(as_of_us, cycle[1]))
        rows, taken = _aggregations.taken_on(
            book, rows, news, keys | quiet, full, prev, span, engine.aggregations,
            _kept(rater), bounded, extend,
        )  # fmt: skip
        keys.difference_update(full)
    idle = quiet - full - keys - taken.keys()
    ran_on = book.join(
        rows,
        states,
        keys | (quiet - full),
        prev,
        bounded,
        extend,
        engine.timed | frozenset(engine.aggregations),
        quiet,
        as_of_us,
        _running.leaving(rater, book, window, engine.containing(prev), idle),
    )
    if taken:
        book.take_on(taken, as_of_us)
        ran_on.update(taken)
    return ran_on


def _continue(  # noqa: PLR0915, PLR0917 - one decision per resource
    rater: Rater,
    book: Book,
    now: list[Record],
    inventories: list[Inventory],
    full: set[tuple[str, str]],
    changed: set[tuple[str, str]],
    prev: int,
    as_of_us: int,
) -> list[Anomaly]:
    """Meter ``[prev, as_of_us)`` from the carried states; adds to ``full`` what cannot.

    ``inventories``: those of ``now``. Adds to ``changed`` the resources whose rows changed.
    """
    engine = rater._engine
    sums = engine.sums
    # The new events and samples as fed, each with its resource (``now`` itself when it
    # holds no inventory: most statements, not read again one by one).
    news = [r for r in now if type(r) is not Inventory] if inventories else now
    located = list(map(_RESOURCE, news))
    at_cut = _reaching_back(rater, now, prev, full)
    if inventories:  # (under an aggregation, `cut()` has them metered whole)
        at_cut |= _at_cut.listed(book, inventories, prev, full)
    if book.running:  # those left as they stood that this statement reads, brought to prev
        changed |= _running.read(book, (*located, *full), bool(inventories), (prev, as_of_us))
    # The pieces events at prev end there (an aggregation's cycle so far: metered whole).
    ended = _at_cut.cut(book, (news, inventories), at_cut, prev, engine, full)
    active = set(located).difference(full)
    _reconciled(book, inventories, full, active)
    # Each account's rows are cut at its own plans' instants (ratekit._cuts).
    cuts = engine.cuts(rater._base_us, as_of_us)
    cycle = engine.containing(prev)
    after = engine.cuts(prev, as_of_us)

    # The meters whose pieces end at prev: per account, its plans' cuts there (every
    # meter's at a cycle's start); per resource, with those an event at prev ends
    # (_rater_at_cut). Asked once per resource, not once per row.
    every = frozenset(m.name for m in engine.meters)
    bounds: dict[str, frozenset[str]] = {}

    def planned(account: str) -> frozenset[str]:
        found = bounds.get(account)
        if found is None:
            found = bounds[account] = (
                every
                if cycle[0] == prev
                else frozenset(name for name, points in cuts(account).items() if prev in points)
            )
        return found

    def bounded(key: Key) -> frozenset[str]:
        if ended and key in ended:
            return _at_cut.ends(ended[key], planned(key[0]), every, engine.timed)
        return planned(key[0])

    def floor(key: Key, name: str) -> int:
        # Where a piece holding prev begins at the latest: its cycle's start, or the last
        # cut of its price before prev.
        points = cuts(key[0]).get(name, ())
        last = bisect.bisect_left(points, prev) - 1
        return cycle[0] if last < 0 or points[last] < cycle[0] else points[last]

    joinables: dict[str, frozenset[str]] = {}  # per account: its cuts are its plans'

    def joinable(key: Key) -> frozenset[str]:
        # The sums whose piece may run on through prev: one that ends there at a cycle's
        # start or a price's cut is joined to nothing, and needs no zero delta.
        # (Per account: an event at prev ends one resource's pieces, not its account's.)
        names = joinables.get(key[0])
        if names is None:
            names = joinables[key[0]] = sums - planned(key[0])
        if ended and key in ended:
            return names - bounded(key)
        return names

    for key in list(active):
        state = book.states.get(key)
        if (
            state is not None
            and state.status == "deleted"
            and book.open_ends(key, prev, joinable(key))
        ):
            full.add(key)  # a zero delta after its delete would be an anomaly
            active.discard(key)
    quiet = book.states.keys() - full - active - book.running.left.keys()  # (left: unvisited)
    keys = (
        active
        | _counters.going_on(book, quiet, prev, engine.counters)
        | _aggregations.held(book, quiet, engine.means, (prev, as_of_us), cycle)
    )
    anomalies: list[Anomaly] = []
    usage = Usage((), (), (), ())
    rows: Sequence[UsageRow] = ()
    # Per resource that goes on, its sums' open ends that a piece holding prev runs on
    # from: read once, for its zero deltas and for `Book.unjoined()`.
    opened = {key: book.open_ends(key, prev, joinable(key)) for key in active} if keys else {}
    if keys:
        # Each inventory lists for them what they are (the others' are theirs to say).
        records: list[Record] = [
            zero for key, ends in opened.items() for zero in zeros(key, prev, ends)
        ]
        if records:
            # A zero delta without an id fed at ``prev`` gives the same row: metering would
            # take the rater's for a replay of it, and say so.
            # (Mostly none is stamped at ``prev``: told at C speed first.)
            fed = (
                {r for r in news if type(r) is Sample and r.at_us == prev and r.id is None}
                if prev in map(_AT, news)
                else set()
            )
            if fed:
                records = [zero for zero in records if zero not in fed]
        # Then the new records in the order fed (in time order when they were fed so:
        # metering then need not sort them).
        records += itertools.compress(news, map(active.__contains__, located))
        records += restricted(inventories, keys)
        states = [book.states[key] for key in keys if key in book.states]
        usage = engine.meter(records, prev, as_of_us, states, deduplicated=True)
    if keys:
        # A counter whose piece runs through prev is taken on only where its rows join.
        said = _counters.taken(
            book, usage, keys, active - full, full, prev, engine.counters, bounded
        )
        if said is None:
            full.update(keys)  # the carried states cannot take it: meter them again
            keys = set()
            usage = Usage((), (), (), ())
        else:
            rows = usage.rows
            # A sum's first row in a piece that began before prev starts at its
            # piece's start: the open end it joins, or where the piece began.
            begun = book.unjoined(usage.rows, sums, prev, bounded, opened)
            if begun:
                rows = _begun(book, usage.rows, begun, prev, full, floor)
            keys -= full
            anomalies.extend(said)

    def extend(key: Key, name: str) -> int:
        return min(as_of_us, cycle[1], *after(key[0]).get(name, ()))

    if ended:  # the rows of a piece an event at prev ended there take its id
        _at_cut.close(book, ended, prev, engine.timed, full)
    ran_on = _joined(
        rater, book, usage.state, rows, news, keys, quiet, full, (prev, as_of_us), bounded, extend
    )
    # What changed: the resources that went on, and the quiet ones whose sums' last
    # piece runs on (the others' rows stand as they were). A piece that runs on keeps
    # its quantity but not its span, which rating's words give (usage with no price is
    # said over its span, as metering everything again after a restore says it).
    changed.update(keys)
    changed.update(ran_on)
    return anomalies
