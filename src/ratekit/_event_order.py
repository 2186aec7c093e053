"""The order in which metering applies one resource's events: ``seq`` first, then time.

Private to the timelines (`ratekit._timelines`), which apply the events in this order,
and to the rater, which judges where a sequenced event takes effect by it: the events with
a ``seq`` keep their ``seq`` order among themselves (the chain), an event without one is
placed by its instant among them (`_event_order()`), ties broken by kind, id and content
so that the order never depends on the arrival order.
"""

from __future__ import annotations

import bisect
import itertools
import operator
from typing import Final

from ._normalize import _RANK
from .records import Event

__all__ = ["_BY_TIME", "_event_order"]


_BY_SEQ: Final = operator.attrgetter("seq")
_BY_TIME: Final = operator.attrgetter("at_us")


def _by_seq(e: Event) -> tuple[object, ...]:
    return (e.seq, e.at_us, _RANK[e.kind], e.id or "")


def _by_time(e: Event) -> tuple[object, ...]:
    return (e.at_us, e.seq is not None, e.seq or 0, _RANK[e.kind], e.id or "")


def _event_order(events: list[Event]) -> bool:
    """Sort one resource's events: those with a ``seq`` by ``seq``, the others by time.

    The events with a ``seq`` keep their ``seq`` order among themselves (the chain); an
    event without one goes by its instant: after every event of the chain up to the last
    one (in chain order) stamped strictly before it, and before the next one. So an event
    stamped later than all the others never changes how they are ordered among
    themselves, whether or not it has a ``seq``. Ties go by kind (start, update, stop,
    delete) and id, then, for records without ids, by content, so that the order never
    depends on the arrival order. O(n log n), at C speed when no two events share the
    primary key.

    Returns whether the events are now in strictly increasing time with no ``seq``
    (known from the sort's keys: what a timeline applies without looking for ties).
    """
    sequenced = [event for event in events if event.seq is not None]
    if sequenced and len(sequenced) < len(events):
        _mixed_order(events, sequenced)
        return False
    return _one_order(events)


def _mixed_order(events: list[Event], chain: list[Event]) -> None:
    """`_event_order()` of events some of which have a ``seq``: merge by instant."""
    timed = [event for event in events if event.seq is None]
    _one_order(chain)
    _one_order(timed)
    # last[k]: the greatest chain index among the k chain events stamped earliest.
    by_time = sorted(range(len(chain)), key=lambda i: chain[i].at_us)
    instants = [chain[i].at_us for i in by_time]
    last = [-1]
    for i in by_time:
        last.append(max(last[-1], i))
    slots: list[list[Event]] = [[] for _ in range(len(chain) + 1)]
    for event in timed:
        slots[last[bisect.bisect_left(instants, event.at_us)] + 1].append(event)
    merged = slots[0]
    for index, event in enumerate(chain):
        merged.append(event)
        merged.extend(slots[index + 1])
    events[:] = merged


def _one_order(events: list[Event]) -> bool:
    """`_event_order()` of events that all have a ``seq``, or none has; whether untied by time."""
    with_seq = all(event.seq is not None for event in events)
    if len(events) < 2:
        return not with_seq
    primary = _BY_SEQ if with_seq else _BY_TIME
    order = _by_seq if with_seq else _by_time
    events.sort(key=primary)
    keys = list(map(primary, events))
    if len(set(keys)) == len(keys):
        return not with_seq
    events.sort(key=order)
    if all(event.id is not None for event in events):
        return False  # ids differ, so the full key has no ties
    for first, second in itertools.pairwise(events):
        if order(first) == order(second) and first != second:
            events.sort(key=lambda e: (*order(e), repr(sorted(e.attributes.items()))))
            break
    return False
