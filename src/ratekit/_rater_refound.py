"""The anomalies of metering again from the kept cycles' start, less the parts re-found.

Private to [`ratekit.Rater`][ratekit.Rater], for `ratekit._rater_advance`: a resource metered
again from its compacted state (or every resource, after a restore) finds again, as
``"late"`` or ``"before_span"``, parts that were applied while their cycles were kept,
or refused (said ``"too_late"``) at the feed: `refound()` keeps only what was never said.
"""

from __future__ import annotations

import typing
from typing import Final

from . import _rater_reach as _reach
from . import _rater_zero as _zero
from ._rater_book import Key
from ._rater_closed_back import closed_back, closed_parts, ordered_ahead, up_to_closings
from ._rater_redescribed import redescribed
from ._rater_said import Place, named
from .records import Anomaly, Event
from .usage import Usage

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["refound"]


#: What a kept record's ``"too_late"`` anomaly says when it names the part it moves of a
#: first reading from zero (`_rater_zero.kept()`).
_STRETCH: Final = " moves the running stretch that the first reading from zero of "


def refound(
    rater: Rater,
    usage: Usage,
    span: tuple[int, int],
    metered: set[Key] | None,
) -> list[Anomaly]:
    """The anomalies of metering from the kept cycles' start, but re-found applied parts.

    Metered from its state at ``base_us``, a counter reading (or a delta over a span)
    whose increment began before ``base_us`` has that part reported ``"late"`` by
    metering (a late row before what was metered). If its records were fed while that
    part's cycles were kept, they were charged there before being compacted: reported
    again at the statement after, it would be a false alarm. If they came after (the
    rater then said ``"too_late"`` at the feed, for that resource), the part was never
    applied, and the anomaly says by how much: it stays. A ``"too_late"`` about another
    resource refuses nothing of this one, though it names the same record (an inventory
    whose ``last_seen`` closing of that resource a late record moved: its closing of the
    others was applied on time). A late record that changes no quantity there (an
    inventory whose close or correction reaches back) is the same false alarm, as after
    a restore, which meters every resource from the kept cycles' start. Records without
    an id are told by their resource (their anomaly names no record): a ``"late"`` of
    theirs is the false alarm when every late row of that resource's id-less records
    lies before ``base_us`` and no ``"too_late"`` refused such a record's part there, told
    per meter (a ``"too_late"`` of another meter's sample refuses nothing of this one);
    one that changes no quantity there (no late row of that resource before
    ``base_us``) is the false alarm too, but when a late row of the resource lies after
    ``base_us`` or such a ``"too_late"`` named the resource, as with ids. O(a + l) for
    a anomalies and l late rows.

    So is a ``"before_span"`` of a delta over a span whose part before ``base_us`` was
    applied while those cycles were kept (it was fed on time for them): batch rating of
    the rater's cycles puts that part in them, and says nothing. Only before the rater's
    first cycle (``base_us`` its start) does batch say it too; a part the feed refused
    was said ``"too_late"``, which `_rater_said.fresh()` tells.

    And so is a time meter's ``"late"`` change of a resource that a kept ``last_seen``
    inventory closes before ``base_us`` (`_rater_closed_back.closed_back()`), from that closing on: the
    compacted state, the fold of the records before ``base_us``, does not have the
    closing, but the cycles billed it while they were kept, and what moved it since was
    said ``"too_late"``; whatever records that anomaly names (the inventory among them,
    when a record moved the closing). O(s) more for s compacted states then.

    And so is a ``Counter(from_zero=True)`` meter's ``"late"`` change that names a record
    whose feed named the share it moves of a first reading from zero
    (`_rater_zero.kept()`: an event ordered by its ``seq`` before compacted events that
    moves the reading's running stretch): metered again from the compacted state, the
    same move reads as metering's change there, which named too would count it twice.
    """
    base_us, as_of_us = span
    if base_us > rater._start_us:
        found = [a for a in usage.anomalies if a.kind != "before_span"]
    else:
        found = list(usage.anomalies)
    # A resource a kept event reorders before its compacted events: its time meters'
    # parts are found with it less without it, even where metering finds no change.
    reordered = ordered_ahead(rater, metered)
    if not reordered and not any(a.kind == "late" for a in found):
        return found
    behind = {row.record_ids for row in usage.late if row.span.end_us <= base_us and row.record_ids}
    # A late record that changes no quantity before ``base_us`` (an inventory whose
    # close or correction reaches back there) is the same false alarm: applied while
    # that cycle was kept, unless the feed refused it.
    behind.update(a.record_ids for a in usage.anomalies if a.kind == "late" and a.record_ids)
    behind.difference_update(row.record_ids for row in usage.late if row.span.end_us > base_us)
    # A ``"too_late"`` anomaly refuses the part of its records in compacted cycles for
    # the resource it names (all of them when it names none: an inventory stamped
    # before the kept cycles): an inventory it names as a resource's closer is no
    # refused record of the inventory's other resources.
    refused: dict[str, set[Place]] = {}
    # Records without an id are told by their resource and meter: its late rows before
    # ``base_us`` all of such records, none after, and no "too_late" of such a record
    # there (of that meter; of any, when it names none).
    places = {(r.account, r.resource, r.meter) for r in usage.late if not r.record_ids}
    places.difference_update(
        (r.account, r.resource, r.meter)
        for r in usage.late
        if not r.record_ids and r.span.end_us > base_us
    )
    # Per place, the meters a "too_late" of a record without an id names (None: any). An
    # event's names none, but what it moves there is time, or a first reading from zero
    # spread over the running stretch it moves: a counter's increments re-found from
    # readings applied while their cycles were kept are the false alarm still.
    timed = {item.name for item in rater._engine.meters if item._factor is not None}
    moved_by_events: set[str | None] = {*timed, *rater._reach.zero}
    idless: dict[Place, set[str | None]] = {}
    zero = rater._reach.zero
    stretched: set[tuple[str | None, str | None, str]] = set()
    for anomaly in (*rater._anomalies, *rater._anomalies_before):
        if anomaly.kind == "too_late" and anomaly.meter in zero and _STRETCH in anomaly.message:
            stretched.update((anomaly.account, anomaly.resource, i) for i in anomaly.record_ids)
        if anomaly.kind == "too_late":
            for record_id in anomaly.record_ids:
                refused.setdefault(record_id, set()).add((anomaly.account, anomaly.resource))
            if not anomaly.record_ids:
                named_meters = idless.setdefault((anomaly.account, anomaly.resource), set())
                if anomaly.meter is None and anomaly.message.startswith("event ("):
                    named_meters.update(moved_by_events)
                else:
                    named_meters.add(anomaly.meter)
    if idless:
        places = {
            p
            for p in places
            if not ((meters := idless.get(p[:2])) and (None in meters or p[2] in meters))
        }
    resources = {p[:2] for p in places}
    after = {(r.account, r.resource) for r in usage.late if r.span.end_us > base_us}
    # An event kept though stamped before ``base_us`` (its seq orders it after an event of
    # the kept cycles, `_rater_reach.sequenced_into_kept`) came after those cycles were
    # compacted (compaction keeps a sequence whole): its part there was never applied,
    # once the watermark knows an event it is ordered after (before, it is metered at
    # its own instant for now: what that says before ``base_us`` is not settled).
    early, idless_events = _early(rater, base_us, as_of_us)
    # A kept last_seen inventory's closing before ``base_us``, read against the
    # compacted state: billed while its cycles were kept, or said too late since.
    late = {(a.account, a.resource) for a in found if a.kind == "late"}
    closed = closed_back(rater, late, as_of_us)

    def closing(a: Anomaly) -> bool:
        since = closed.get((a.account, a.resource))
        if since is None or a.quantity is None:
            return False  # (that late records change no quantity there: see stays())
        return a.meter in timed and a.at_us is not None and since <= a.at_us < base_us

    def shared(a: Anomaly) -> bool:
        # A first reading from zero's share that a kept record's feed named as it moved
        # it (`_rater_zero.kept()`): metering finds that move before ``base_us`` again.
        # Or judged there and found to move nothing: a compacted first reading from zero
        # read at its instant, which kept events and inventories move only as their
        # feeds named (the compacted state lacks a kept closing billed while its cycle
        # was kept, so metering finds that closing's move again, as this record's).
        return a.meter in zero and (
            not stretched.isdisjoint((a.account, a.resource, i) for i in a.record_ids)
            or _judged(rater, a)
        )

    if closed:
        found = up_to_closings(rater, found, usage.late, closed, timed)

    def stays(a: Anomaly) -> bool:
        if a.kind != "late":
            return True
        if closing(a) or shared(a):
            return False
        if a.meter in timed and (a.account, a.resource) in idless_events:
            return True
        if not a.record_ids:
            if a.meter is None:
                # That late records change no quantity there: as with ids (`behind`), a
                # false alarm but for a resource with late rows after ``base_us``, or
                # one a "too_late" of a record without an id named.
                place = (a.account, a.resource)
                return place not in resources and (place in after or place in idless)
            return (a.account, a.resource, a.meter) not in places
        return a.record_ids not in behind or named(a, refused) or not early.isdisjoint(a.record_ids)

    # (A kept event stamped before ``base_us``: its part too, where a closing reaches.)
    kept = closed_parts(
        rater, usage, span, reordered, [a for a in found if stays(a)],
        early=late if early or idless_events else set(),
    )  # fmt: skip
    return redescribed(rater, usage, span, metered, kept)


def _judged(rater: Rater, anomaly: Anomaly) -> bool:
    """Whether `_rater_zero.kept()` judged at their feeds what ``anomaly``'s records move.

    Its resource's only reading of its meter is a compacted first reading from zero,
    and its records are that reading and kept events and inventories, each of which
    named its move of the reading as its feed came (whichever of them metering now names
    as the cause). O(r) for its r records.
    """
    if not anomaly.record_ids or anomaly.account is None or anomaly.resource is None:
        return False
    key = (anomaly.account, anomaly.resource)
    readings = _zero.compacted_readings(rater, key, anomaly.meter)
    if not readings:
        return False
    kept = rater._records
    return all(
        record_id in readings or ("Event", record_id) in kept or ("Inventory", record_id) in kept
        for record_id in anomaly.record_ids
    )


def _early(rater: Rater, base_us: int, as_of_us: int) -> tuple[set[str], set[Place]]:
    """The kept events whose part before ``base_us`` was never applied, for `refound()`.

    The ids of those stamped before ``base_us`` whose ``seq`` orders them after an event
    of the kept cycles (`_rater_reach.sequenced_into_kept`); and the resources of such
    events without an id, and of kept events without an id whose ``seq`` orders them
    before compacted events (said too late). O(r) for r kept records, O(k) more for
    each such event and its resource's k kept records.
    """
    # An event without an id names no record in the late rows it makes (those of a
    # kept inventory that closes its resource may name that one): told by its resource,
    # such an event, or one kept whose seq orders it before compacted events (said too
    # late, its part never applied), keeps its resource's time meters' late changes.
    early: set[str] = set()
    idless_events: set[Place] = set()
    for record in rater._records.values():
        if type(record) is not Event:
            continue
        if record.at_us < base_us and _reach.sequenced_into_kept(
            rater, record, {}, known_by_us=as_of_us
        ):
            if record.id is not None:
                early.add(record.id)
            else:
                idless_events.add((record.account, record.resource))
        elif record.id is None and record.seq is not None:
            key = (record.account, record.resource)
            _, before = rater._reach.event_reach(record, rater._by_key.get(key, ()), base_us)
            if before is not None:
                idless_events.add(key)
    return early, idless_events
