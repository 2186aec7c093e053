"""How far back the rater's compaction must wait: the cycles a record after them can change.

Private to [`ratekit.Rater`][ratekit.Rater] (its statement calls `held()` before it
compacts). A cycle that a record stamped after it can still change stays kept (closed,
not compacted) until that record is folded into the metering state too: a delta over a
span, a counter reading, a ``last_seen`` inventory's closing, and events whose ``seq``
orders them before earlier-stamped ones (`reordered_before()`).
"""

from __future__ import annotations

import functools
import operator
import typing
from collections.abc import Iterable

from . import _lateness_closings as _closings
from . import _rater_far as _far
from ._rater_book import known_by
from .records import Event, Inventory, Sample

if typing.TYPE_CHECKING:
    from .rater import Rater, Record

__all__ = ["held", "reordered_before"]


def held(rater: Rater, new_base: int) -> int:
    """``new_base``, or the start of an earlier cycle that a record after it reaches into.

    Compaction folds the records stamped before ``new_base`` into the metering state; a
    record stamped after it can still change the cycles before it, and such a cycle
    stays kept (closed) until that record is folded in too:

    - a record not metered yet (stamped at or after the watermark): a delta over a span
      from its ``since`` (`_rater_far.reach_us()`: no more than `MAX_AHEAD` plus the
      horizon before its instant), a counter reading from the kept reading before it (from the
      kept cycles' start when the reading before it is in the compacted state), a
      ``last_seen`` inventory from the last sign of life of a resource it may close
      (`_last_seen.reach_us()`; no more than `MAX_AHEAD` plus the horizon before its
      instant: a closing before is said too late), or one metered already, from where an event
      not metered yet moves its closing (its ``seq`` orders it before events stamped
      before the inventory: they are no sign of life before it then);
    - an event, metered or not, whose ``seq`` orders it before events stamped before
      ``new_base``: folding those without it would apply them in the wrong order; one
      ordered before its compacted state's events holds every kept cycle (the state
      would run them as those events alone do, not as the lines billed them);
    - an event not metered yet that its ``seq`` orders before an earlier-stamped event of
      a resource with a kept reading of a ``from_zero`` counter: from the resource's
      earliest kept event, where the reading's running stretch may then start
      (`_stretches_reopened()`).

    Once held back, the cut is checked again (until it moves no more): an event before
    the earlier cut may be ordered after one at or past it.

    O(p + s log s) for the p records pending and the s kept records of the resources
    with one that has a ``seq`` (``Rater._sequenced``), plus `_last_seen.reach_us()` per
    kept inventory.
    """
    reach = _closings_reach(rater, new_base)
    inventories = rater._inventories
    listed = functools.cache(lambda: _first_listed(inventories))  # made on first use
    for record in rater._pending:
        if type(record) is not Sample:
            continue  # inventories above, events below
        if record.kind == "counter":
            meter_name, at_us = record.meter, record.at_us
            key = (record.account, record.resource)
            before = [
                r.at_us
                for r in rater._by_key.get(key, ())
                if type(r) is Sample and r.meter == meter_name and r.at_us < at_us
            ]
            if not before and (*key, meter_name) in rater._reach.baselines:
                # It counts from the compacted state (a reading there, or a from_zero
                # counter's running stretch): its part before the kept cycles is too late
                # (said at its feed), the rest must stay kept.
                before = [rater._base_us]
            elif not before and meter_name in rater._reach.zero:
                before = _stretch(rater, key, at_us, listed())
            reach = min(reach, max(before, default=at_us))
        elif record.since_us is not None:
            reach = min(reach, _far.reach_us(rater, record))
    reach = min([reach, *_stretches_reopened(rater, listed)])
    cut = new_base
    while True:
        # Held back to an earlier cut, an event ordered before events stamped before
        # that cut may now lie after it: the cut moves until no sequence is split (a
        # metering state carries a sequence's history, but an inventory in the
        # compacted records settles it, so it must not be relied on).
        # (Only a resource with a kept record that has a seq may be ordered so: the
        # others' kept records are not read.)
        seqs, base, by_key = rater._reach.seqs, rater._base_us, rater._by_key
        for key in rater._sequenced.intersection(by_key):
            reach = min(reach, reordered_before(by_key[key], cut, seqs.get(key), base))
        if reach >= cut:
            return cut
        held_at = max(rater._base_us, rater._engine.containing(reach)[0])
        if held_at >= cut:
            return cut
        cut = held_at


def _closings_reach(rater: Rater, reach: int) -> int:
    """``reach``, or the earliest instant a kept ``last_seen`` inventory's closing may change.

    `_last_seen.reach_us()` per kept inventory; one not metered yet keeps no more than
    `MAX_AHEAD` plus the horizon before its instant (`_rater_far.kept_from()`).
    """
    # (An event without a seq stamped after an inventory is applied after every event
    # stamped before it: it moves no closing.)
    moving = {
        (r.account, r.resource) for r in rater._pending if type(r) is Event and r.seq is not None
    }
    by_key, inventories, states = rater._by_key, rater._inventories, rater._reach.states
    for record in inventories:
        if type(record) is Inventory:
            found = _closings.reach_us(
                record, by_key, inventories, states, known_us=rater._as_of_us, moving=moving
            )
            if found is not None and not known_by(record, rater._as_of_us):
                found = max(found, _far.kept_from(rater, record.at_us))  # (not metered yet)
            reach = reach if found is None else min(reach, found)
    return reach


def _stretch(
    rater: Rater, key: tuple[str, str], at_us: int, listed: dict[tuple[str, str], int]
) -> list[int]:
    """Where the first reading of a ``from_zero`` counter may count from (at the earliest).

    With no baseline in the compacted state: its running stretch's start, at a kept event
    of its resource before it, or a kept inventory that lists it (it may open it; the
    earliest of those, ``listed``, `_first_listed()`): the earliest, to be safe. O(k) for
    the k kept records of the resource.
    """
    events = [r.at_us for r in rater._by_key.get(key, ()) if type(r) is Event and r.at_us <= at_us]
    first = listed.get(key)
    if first is not None and first <= at_us:
        events.append(first)
    return [min(events)] if events else []


def _stretches_reopened(
    rater: Rater, listed: typing.Callable[[], dict[tuple[str, str], int]]
) -> list[int]:
    """Where a first reading from zero may count from once a pending event reorders a stop.

    An event not metered yet whose ``seq`` orders it before an earlier-stamped event of
    its resource (a STOP, say) may take that event's effect away: a ``from_zero``
    counter's kept reading after it then counts from the start of the running stretch
    before it, which may lie in the cycles about to be compacted. The earliest kept event
    of such a resource (or listing) before the reordered event, per resource with a
    kept reading of a ``from_zero`` counter: the earliest, to be safe (`_stretch()`).
    O(p + k) for p pending records and k kept records of their resources; O(1) without
    a ``from_zero`` counter among the meters.
    """
    zero = rater._reach.zero
    out: list[int] = []
    for record in rater._pending if zero else ():
        if type(record) is not Event or record.seq is None:
            continue
        key = (record.account, record.resource)
        kept = rater._by_key.get(key, ())
        if not any(type(r) is Sample and r.meter in zero for r in kept):
            continue
        seq, at_us = record.seq, record.at_us
        reordered = [
            r.at_us
            for r in kept
            if type(r) is Event and r.seq is not None and r.seq > seq and r.at_us < at_us
        ]
        if reordered:
            out += _stretch(rater, key, min(reordered), listed())
    return out


def _first_listed(inventories: Iterable[Record]) -> dict[tuple[str, str], int]:
    """Per resource, the instant of the earliest kept inventory that lists it. O(l).

    For l resources listed by the kept inventories, once per compaction that needs it.
    """
    out: dict[tuple[str, str], int] = {}
    for inventory in inventories:
        if type(inventory) is Inventory:
            for account, resource, _ in inventory.resources:
                key = (account, resource)
                known = out.get(key)
                if known is None or inventory.at_us < known:
                    out[key] = inventory.at_us
    return out


def reordered_before(
    records: Iterable[Record], cut_us: int, compacted: int | None = None, base_us: int = 0
) -> int:
    """The earliest instant before ``cut_us`` of an event that a later-stamped one precedes.

    Among ``records``' events with a ``seq``: one stamped at or after ``cut_us`` comes
    before every event of greater ``seq``; the earliest of those stamped before
    ``cut_us`` (``cut_us`` when there is none). ``compacted``: the ``seq`` of the last
    sequenced event in the resource's compacted state (None: none), taken as an event
    at ``base_us``, the kept cycles' start (it lies before; one ordered before it
    reaches back there). O(k log k) for k events.
    """
    chain = sorted(
        [(r.seq, r.at_us) for r in records if type(r) is Event and r.seq is not None]
        + ([] if compacted is None else [(compacted, base_us)]),
        key=operator.itemgetter(0),
        reverse=True,
    )
    reach = cut_us
    lowest: int | None = None  # the earliest instant among the events of greater seq
    index = 0
    while index < len(chain):
        seq = chain[index][0]
        end = index
        while end < len(chain) and chain[end][0] == seq:
            end += 1
        if (
            lowest is not None
            and lowest < cut_us
            and any(at_us >= cut_us for _, at_us in chain[index:end])
        ):
            reach = min(reach, lowest)
        for _, at_us in chain[index:end]:
            lowest = at_us if lowest is None else min(lowest, at_us)
        index = end
    return reach
