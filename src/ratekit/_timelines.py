"""Timelines: one resource's description over time, built by applying its events in order.

The second half of normalisation (see `ratekit._normalize`, which groups the records):
`build_timeline()` applies one resource's events in order (``seq`` order among the events
with a ``seq``, the others placed by their instant, see `ratekit._event_order`) through a small
state machine (unknown, running, stopped, deleted) and reconciles with inventory snapshots
(`ratekit._timeline_inventories`), reporting every odd record as an anomaly. The result is a step function: breakpoints, and for each piece the
description, the status and the id of the record that began it. Equal descriptions are
shared through one table per call (`ratekit._timeline_descriptions`), so a fleet of a few
flavors holds a few description mappings, not one per event.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Container, Mapping, Sequence
from typing import Final

from ._descriptions import EMPTY, _FrozenDict, same_items
from ._event_order import _BY_TIME as _BY_TIME  # noqa: PLC0414 - read as _t._BY_TIME
from ._event_order import _event_order as _event_order  # noqa: PLC0414 - read as _t._event_order
from ._instants import format_us
from ._normalize import (
    DELETED,
    NEVER,
    RUNNING,
    STOPPED,
    UNKNOWN,
    Anomalies,
    label,
)
from ._ties import clean_order
from ._timeline_descriptions import Descriptions, _merged, _merged_anew
from ._timeline_inventories import _listed as _listed  # noqa: PLC0414 - read as _t._listed
from ._timeline_inventories import _reconcile_next
from .records import Event, Inventory

__all__ = [
    "Descriptions",
    "Timeline",
    "build_timeline",
]


#: The statuses of a resource that does not run: a run of them follows a running piece or not.
_HALTED: Final = frozenset({STOPPED, DELETED})
_STOPPED: Final = frozenset({STOPPED})


class Timeline:
    """One resource's description over time: a step function from ``starts[i]`` on.

    Piece ``i`` covers ``[starts[i], starts[i + 1])`` (the last one runs on forever) with
    description ``descriptions[i]``, status ``statuses[i]`` and the id of the record that
    began it in ``openers[i]``. ``clock_us``/``seq`` are where the event stream stopped.
    """

    __slots__ = (
        "boots",
        "clock_us",
        "descriptions",
        "last_event_id",
        "last_event_us",
        "last_listed_id",
        "last_listed_us",
        "openers",
        "order",
        "ran_before_us",
        "rebuilt",
        "reconciled",
        "replaced",
        "restored_us",
        "seq",
        "settled",
        "snapshot",
        "snapshot_index",
        "starts",
        "statuses",
    )

    def __init__(self) -> None:
        self.starts: list[int] = [NEVER]
        self.descriptions: list[_FrozenDict] = [EMPTY]
        self.statuses: list[int] = [UNKNOWN]
        self.openers: list[str | None] = [None]
        self.clock_us = NEVER
        self.seq: int | None = None
        self.last_event_us = NEVER
        #: The id of the event applied last, at ``last_event_us`` (None: none applied in
        #: this build, or one without an id): named by a ``last_seen`` closing there.
        self.last_event_id: str | None = None
        #: The last instant an inventory listed the resource (a sign of life, see
        #: `_reconcile()`): inventories are applied in time order, so it is the last
        #: listing up to the one being applied.
        self.last_listed_us = NEVER
        #: The id of that listing's inventory (None: not known, or one without an id).
        self.last_listed_id: str | None = None
        #: The events of the last build, in the order applied (see build_timeline).
        self.order: Sequence[Event] = ()
        #: The records whose piece another replaced at the same instant (no effect).
        self.replaced: list[str | None] | None = None  # made on first use
        #: The inventories that changed the timeline (opened, corrected or closed it).
        self.reconciled: list[Inventory] | None = None  # made on first use
        #: Whether an inventory whose scope covers the resource was applied (opened,
        #: corrected, closed or confirmed it): its history is then settled.
        self.settled = False
        #: The last piece, clock, seq and last event before event ``snapshot_index``.
        self.snapshot: tuple[int, _FrozenDict, int, str | None, int, int | None, int] | None = None
        self.snapshot_index = 0
        #: Where the pieces restored from a carried state end: the start of the last one
        #: (`_metering_restore.restore()`), None when none was; and whether the carried
        #: history was applied again with late events (`_metering_carry.timeline()`).
        self.restored_us: int | None = None
        self.rebuilt = False
        #: The start of a restored stop (or deletion) that follows a running piece the
        #: restored pieces do not hold (a rater's compacted state keeps the stop before
        #: the START of its running stretch, not the running piece before that:
        #: `_rater_stretch.carried_boot()`), or None. See `follows_running()`.
        self.ran_before_us: int | None = None
        #: The instants where a START replaced a stop (or a deletion) of the running
        #: resource stamped at its own instant (a restart at one instant): the resource
        #: booted there though no piece shows it (`push()`), in order. See `booted_since()`.
        self.boots: list[int] | None = None  # made on first use

    def take_snapshot(self, index: int) -> None:
        """Remember where the timeline stands before event ``index`` of the build."""
        self.snapshot = (
            self.starts[-1],
            self.descriptions[-1],
            self.statuses[-1],
            self.openers[-1],
            self.clock_us,
            self.seq,
            self.last_event_us,
        )
        self.snapshot_index = index

    def push(self, at_us: int, description: _FrozenDict, status: int, opener: str | None) -> None:
        """Begin a new piece at ``at_us`` (which is never before the last one's start)."""
        if at_us == self.starts[-1] and len(self.starts) > 1:
            # The previous piece lasted no time: replace it. A stop of the running
            # resource that a START replaces is a restart at one instant: a boot, kept
            # in ``boots``, and the START opens a piece of its own there (the stop's
            # effect, not replaced by it).
            boot = (
                status == RUNNING
                and self.statuses[-1] in _HALTED
                and self.follows_running(len(self.starts) - 1)
            )
            self.starts.pop()
            self.descriptions.pop()
            self.statuses.pop()
            gone = self.openers.pop()
            if boot:
                if self.boots is None:
                    self.boots = [at_us]
                elif self.boots[-1] != at_us:
                    self.boots.append(at_us)
            else:
                if self.replaced is None:
                    self.replaced = [gone]
                else:
                    self.replaced.append(gone)
                if self.statuses[-1] == status and self.descriptions[-1] == description:
                    return
        self.starts.append(at_us)
        self.descriptions.append(description)
        self.statuses.append(status)
        self.openers.append(opener)

    def index_at(self, t_us: int) -> int:
        """The index of the piece containing ``t_us``. O(log n)."""
        return bisect.bisect_right(self.starts, t_us) - 1

    def running_since(self, t_us: int) -> int | None:
        """The start of the running stretch that contains ``t_us`` or ends at it, or None.

        A stretch is a run of consecutive running pieces (a resize does not end it; a stop
        does). O(log n + k) for a stretch of k pieces.
        """
        statuses = self.statuses
        index = self.index_at(t_us)
        if statuses[index] != RUNNING:
            if not (index > 0 and self.starts[index] == t_us and statuses[index - 1] == RUNNING):
                return None
            index -= 1
        while index > 0 and statuses[index - 1] == RUNNING:
            index -= 1
        return self.starts[index]

    def follows_running(self, index: int) -> bool:
        """Whether piece ``index`` (a stop or a deletion) begins a run that follows a running piece.

        The run of stopped and deleted pieces that holds it, walked back, ends at a
        running piece, or at a restored stop known to follow one (``ran_before_us``).
        False for a run that follows nothing known (a STOP of a resource never started:
        an orphan STOP says nothing of a counter that ran before it). O(k).
        """
        return self._follows(self.run_start(index, _HALTED))

    def run_start(self, index: int, through: Container[int]) -> int:
        """The first piece of the run of pieces with a status in ``through`` that ends at ``index``.

        Walked back from piece ``index`` (its own status is not read). O(k) for a run of k.
        """
        statuses = self.statuses
        while index > 0 and statuses[index - 1] in through:
            index -= 1
        return index

    def _follows(self, first: int) -> bool:
        """Whether the run that begins at piece ``first`` follows a running piece.

        The piece before it runs, or it is a restored stop known to follow one
        (``ran_before_us``). O(1).
        """
        return first > 0 and (
            self.statuses[first - 1] == RUNNING or self.starts[first] == self.ran_before_us
        )

    def booted_since(self, t_us: int) -> int | None:
        """`running_since()` when a stop or a deletion ends the piece before it, else None.

        The start of a running stretch that follows a stop (or a deletion): the resource
        started again there, so a counter that counts from zero at the resource's start
        (``Counter(from_zero=True)``) is 0 again. Not a stretch after nothing known (the
        first START, or the start of a restored piece), nor after a STOP of a resource
        never started: no stop of a running resource is known before it.
        O(log n + k).
        """
        since = self.running_since(t_us)
        if since is None:
            return None
        boots = self.boots
        if boots:
            # A restart at one instant inside the stretch, before ``t_us``: a reading
            # stamped at its instant is the counter as it stood at the stop.
            index = bisect.bisect_left(boots, t_us) - 1
            if index >= 0 and boots[index] > since:
                return boots[index]
        statuses = self.statuses
        index = self.index_at(since) - 1
        if index < 0 or statuses[index] not in (STOPPED, DELETED):
            return None
        # A stop of a running resource: not one of a resource never started.
        return since if self.follows_running(index) else None

    def restarted_at(self, t_us: int) -> bool:
        """Whether a STOP and a START of the running resource stamped ``t_us`` booted it there.

        A restart at one instant leaves no stopped piece (`push()`); a reading stamped at
        its instant is the counter as it stood at the stop, and the next one counts from
        0 at it. O(log b) for b such restarts.
        """
        boots = self.boots
        if not boots:
            return False
        index = bisect.bisect_left(boots, t_us)
        return index < len(boots) and boots[index] == t_us

    def stopped_since(self, t_us: int) -> int | None:
        """The start of the stop that holds ``t_us``, or None when not stopped.

        The first of the run of stopped pieces that contains ``t_us``: where the resource
        stopped (a stop ends a running stretch there; in a restored state, where its
        stopped piece begins), or that ends at ``t_us`` (a deletion at a reading's
        instant, as a ``last_seen`` closing at its last sign of life: the reading is the
        counter as it stood at the stop). Not a deletion before it: a reading after it is
        no news of a stopped counter. O(log n + k).
        """
        statuses = self.statuses
        index = self.index_at(t_us)
        if index > 0 and self.starts[index] == t_us and statuses[index - 1] == STOPPED:
            index -= 1  # (at a deletion's instant: it ends the stop, as a reading says)
        if statuses[index] != STOPPED:
            return None
        first = self.run_start(index, _STOPPED)
        # A stop of the running resource (an orphan STOP stopped no counter).
        return self.starts[first] if self._follows(first) else None

    def _check(self) -> None:
        assert all(a < b for a, b in itertools.pairwise(self.starts))
        assert len(self.starts) == len(self.descriptions) == len(self.statuses)
        assert len(self.starts) == len(self.openers)


def build_timeline(  # noqa: PLR0917 - private plumbing of plain values
    account: str,
    resource: str,
    events: Sequence[Event],
    inventories: Sequence[Inventory],
    last_sample_us: Sequence[int],
    anomalies: Anomalies,
    timeline: Timeline | None = None,
    descriptions: Descriptions | None = None,
    *,
    in_order: bool = False,
    snapshot_at: int | None = None,
) -> Timeline:
    """Apply one resource's events (and inventory snapshots) in order. O(n log n).

    ``timeline`` is the state carried from an earlier call, if any; ``last_sample_us`` are
    the sorted instants of the resource's samples, and of any other sign of life known
    from outside the call (a carried state's last listing), for the ``"last_seen"`` policy;
    ``descriptions``, if given, is the table through which equal descriptions are shared
    (see `ratekit._timeline_descriptions`), kept for the whole call; ``in_order`` says that the events are
    known to be in order already (strictly increasing instants, no ``seq``; else sorting
    them tells: then no event is compared with the next for a tie). The events
    are left in ``timeline.order`` in the order applied; with ``snapshot_at``, the timeline
    takes a snapshot before the first event at or after that index that is not inside a
    tie (see `Timeline.take_snapshot()`).
    """
    line = Timeline() if timeline is None else timeline
    ordered = list(events)
    if len(ordered) > 1 and not in_order:
        in_order = _event_order(ordered)
    inventory_index = 0
    count = len(ordered)
    index = 0
    line.order = ordered
    if in_order and not inventories:
        # The common case: strictly increasing instants (no tie), no snapshot to reconcile.
        _apply_in_order(line, account, resource, ordered, anomalies, descriptions, snapshot_at)
        index = count
    while index < count:
        event = ordered[index]
        if snapshot_at is not None and index >= snapshot_at and line.snapshot is None:
            line.take_snapshot(index)
        while (
            inventory_index < len(inventories) and inventories[inventory_index].at_us < event.at_us
        ):
            inventory_index = _reconcile_next(
                line, account, resource, inventories, inventory_index, last_sample_us, anomalies
            )
        if (
            not in_order
            and index + 1 < count
            and ordered[index + 1].at_us == event.at_us
            and event.seq is None
            and ordered[index + 1].seq is None
        ):
            end = index + 2
            while end < count and ordered[end].at_us == event.at_us and ordered[end].seq is None:
                end += 1
            _apply_tie(line, account, resource, ordered[index:end], anomalies, descriptions)
            index = end
            continue
        _apply(line, account, resource, event, anomalies, descriptions=descriptions)
        index += 1
    if snapshot_at is not None and line.snapshot is None:
        line.take_snapshot(count)
    while inventory_index < len(inventories):
        inventory_index = _reconcile_next(
            line, account, resource, inventories, inventory_index, last_sample_us, anomalies
        )
    return line


def _apply_in_order(  # noqa: PLR0917 - private plumbing of plain values
    line: Timeline,
    account: str,
    resource: str,
    ordered: Sequence[Event],
    anomalies: Anomalies,
    descriptions: Descriptions | None,
    snapshot_at: int | None,
) -> None:
    """`_apply()` each of ``ordered`` (strictly increasing instants, no tie), in one loop.

    An event's ordinary step (a start of a resource not running, a resize, a stop of a
    running one, an update, a deletion: no anomaly, a new piece) is taken here, its
    description merged through the shared table found by identity (`_merged()`); any
    other event goes through `_apply()`, which takes every step and reports every odd
    one. The same pieces as `_apply()` for each event, without a call per event (the fleet
    month's 20,692 events at 100,000 records). O(n).
    """
    starts, statuses = line.starts, line.statuses
    pieces, openers = line.descriptions, line.openers
    same = same_items  # (descriptions that differ are told at C speed, no `__eq__` call)
    # The description the last update made, and its attributes: applying them again
    # changes nothing (they set the same values and remove the same keys, in place), so
    # a resource started again as it stood (a start after a stop, with its flavor's
    # shared attributes) is known by identity, no key made (`_merged()`).
    last_description: _FrozenDict | None = None
    last_attributes: Mapping[str, object] | None = None
    for index, event in enumerate(ordered):
        if index == snapshot_at:
            line.take_snapshot(index)
        at_us = event.at_us
        status = statuses[-1]
        if (
            descriptions is None
            or status == DELETED
            or at_us < line.clock_us
            or at_us == starts[-1]
            or event.seq is not None
        ):
            _apply(line, account, resource, event, anomalies, descriptions=descriptions)
            continue
        description = pieces[-1]
        attributes = event.attributes
        new = description
        if attributes and (
            attributes is not last_attributes or description is not last_description
        ):
            found = descriptions.get((id(description), id(attributes), None))  # (`_merged()`)
            new = _merged_anew(description, attributes, descriptions) if found is None else found
            last_description, last_attributes = new, attributes
        kind = event.kind
        if kind == "start" and (
            status != RUNNING
            or not (new is description or (same(new, description) and new == description))
        ):
            new_status = RUNNING
        elif kind == "stop" and status == RUNNING:
            new_status = STOPPED
        elif kind == "update" and status != UNKNOWN:
            line.clock_us = line.last_event_us = at_us
            line.last_event_id = event.id
            if new is description or (same(new, description) and new == description):
                continue  # nothing changes
            new_status = status
        elif kind == "delete" and status != UNKNOWN:
            new_status = DELETED
            new = EMPTY
        else:
            _apply(line, account, resource, event, anomalies, descriptions=descriptions)
            continue
        line.clock_us = line.last_event_us = at_us
        line.last_event_id = event.id
        starts.append(at_us)
        pieces.append(new)
        statuses.append(new_status)
        openers.append(event.id)


def _apply_tie(  # noqa: PLR0917 - private plumbing of plain values
    line: Timeline,
    account: str,
    resource: str,
    tied: Sequence[Event],
    anomalies: Anomalies,
    descriptions: Descriptions | None,
) -> None:
    """Apply events stamped at one instant with no ``seq``, in an order with no duplicate.

    The order is `clean_order()`'s: so a STOP and a START of a running resource are a
    restart, and when the fixed order (start, update, stop, delete) is clean, it is the
    order. The tie itself is reported as a ``"tie"`` anomaly.
    """
    applied = clean_order(line.statuses[-1], line.descriptions[-1], tied)
    for event in applied:
        _apply(line, account, resource, event, anomalies, descriptions=descriptions)
    at_us = tied[0].at_us
    anomalies.add(
        at_us,
        account,
        resource,
        "tie",
        f"{len(tied)} events of {resource!r} are stamped {format_us(at_us)} with no seq: "
        f"applied as {', '.join(f'{label(e)} ({e.kind})' for e in applied)}, an order in "
        "which none is a duplicate if there is one; give them a seq to fix the order.",
        [e.id for e in applied],
    )


def _apply(  # noqa: PLR0912 - one event's step, once per event
    line: Timeline,
    account: str,
    resource: str,
    event: Event,
    anomalies: Anomalies,
    *,
    descriptions: Descriptions | None = None,
) -> None:
    at_us = event.at_us
    if at_us < line.clock_us:
        # the event sequenced before (after a carried state, which keeps no id of its
        # last event, the one that opened the piece in force)
        before = line.openers[-1] if line.last_event_id is None else line.last_event_id
        anomalies.add(
            line.clock_us,
            account,
            resource,
            "out_of_order",
            f"{label(event)} ({event.kind} of {resource!r}) is stamped {format_us(at_us)}, "
            f"before {format_us(line.clock_us)} of the event sequenced before it: it takes "
            "effect at that instant (zero duration, never a negative one).",
            (event.id, before),
        )
        at_us = line.clock_us
    line.clock_us = at_us
    line.last_event_us = at_us
    line.last_event_id = event.id
    if event.seq is not None:
        line.seq = event.seq
    status = line.statuses[-1]
    description = line.descriptions[-1]
    kind = event.kind
    if status == DELETED:
        # (the label of one without an id says what it is, where and when already)
        said = "" if event.id is None else f" ({kind} of {resource!r} at {format_us(at_us)})"
        anomalies.add(
            at_us,
            account,
            resource,
            "after_delete",
            f"{label(event)}{said} comes after the resource was deleted at {format_us(line.starts[-1])}: "
            "it is ignored.",
            (event.id, line.openers[-1]),
        )
        return
    attributes = event.attributes
    new = _merged(description, attributes, descriptions) if attributes else description
    if kind == "start":
        if status == RUNNING and new == description:
            anomalies.add(
                at_us,
                account,
                resource,
                "duplicate_start",
                f"{label(event)} starts {resource!r} at {format_us(at_us)}, already running "
                f"with the same description since {format_us(line.starts[-1])}: ignored.",
                (event.id, line.openers[-1]),
            )
            return
        new_status = RUNNING
    elif kind == "update":
        new_status = RUNNING if status == UNKNOWN else status
        if new_status == status and new == description:
            return
    elif kind == "stop":
        if status == STOPPED:
            anomalies.add(
                at_us,
                account,
                resource,
                "duplicate_stop",
                f"{label(event)} stops {resource!r} at {format_us(at_us)}, already stopped "
                f"since {format_us(line.starts[-1])}: ignored.",
                (event.id, line.openers[-1]),
            )
            return
        if status == UNKNOWN:
            anomalies.add(
                at_us,
                account,
                resource,
                "orphan_stop",
                f"{label(event)} stops {resource!r} at {format_us(at_us)}, which was never "
                "started: nothing is charged.",
                (event.id,),
            )
        new_status = STOPPED
    else:
        if status == UNKNOWN:
            anomalies.add(
                at_us,
                account,
                resource,
                "orphan_stop",
                f"{label(event)} deletes {resource!r} at {format_us(at_us)}, which was never "
                "started: nothing is charged.",
                (event.id,),
            )
        new_status = DELETED
        new = EMPTY
    starts = line.starts
    if at_us == starts[-1] and len(starts) > 1:
        line.push(at_us, new, new_status, event.id)  # replaces the piece that lasted no time
        return
    starts.append(at_us)  # `Timeline.push()`'s common case, inlined: once per event
    line.descriptions.append(new)
    line.statuses.append(new_status)
    line.openers.append(event.id)
