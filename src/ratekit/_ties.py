"""Records of one resource stamped at one instant (a tie): the order they are applied in.

Private to metering's timelines (`ratekit._timelines`). Without a ``seq`` to order them,
tied events are applied in an order in which none is a duplicate, an orphan or after a
delete, when such an order exists (a STOP and a START of a running resource are a
restart, even when the START carries a new description: its STOPs are tried first);
the fixed order (start, update, stop, delete, then id) when it is clean.
Readings of one meter (gauges, counters) with other values go by value, the lower first
(`samples()`, for metering's samples): both ties are ``"tie"`` anomalies. A gauge reading
with a greater ``seq`` at the instant of others corrects them: they are replaced
(`standing()`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from ._descriptions import EMPTY, _FrozenDict, apply_attributes
from ._instants import format_us
from ._normalize import DELETED, RUNNING, STOPPED, UNKNOWN, Anomalies, label
from .records import Event, Sample

__all__ = ["clean_order", "samples", "standing", "step"]


def step(status: int, description: _FrozenDict, event: Event) -> tuple[int, _FrozenDict] | None:
    """The state after ``event``, or ``None`` if applying it would report an anomaly."""
    kind = event.kind
    if status == DELETED:
        return None
    attributes = event.attributes
    new = apply_attributes(description, attributes) if attributes else description
    if kind == "start":
        if status == RUNNING and new == description:
            return None
        return RUNNING, new
    if kind == "update":
        return (RUNNING if status == UNKNOWN else status), new
    if kind == "stop":
        return (STOPPED, new) if status == RUNNING else None
    return (DELETED, EMPTY) if status != UNKNOWN else None


#: Ties of more events than this are ordered greedily, without search.
_TIE_SEARCH: Final = 8
#: Ties of more events than this keep their fixed order (the greedy pass is quadratic).
_TIE_GREEDY: Final = 256


def clean_order(status: int, description: _FrozenDict, tied: Sequence[Event]) -> list[Event]:
    """An order of ``tied`` in which no event reports an anomaly, if there is one.

    Depth-first, trying the events in their fixed order (start, update, stop, delete, then
    id) at each step, so the fixed order is chosen when it is clean, except that of a
    running resource the STOPs are tried before the STARTs (`_restart_first()`: a STOP
    and a START of a running resource are a restart); the first clean order
    found wins. Without one (or beyond `_TIE_SEARCH` events), the greedy order: at
    each step the first event that is clean, else the first one; beyond `_TIE_GREEDY`
    events, the fixed order. O(k!) at worst for
    k <= 8 tied events (in practice a few steps), O(k^2) beyond (O(k) once the resource
    is deleted: what follows is an anomaly each, in the fixed order); more than
    `_TIE_GREEDY` tied events (a feed gone wrong) keep the fixed order, O(k).
    """
    if status == RUNNING:
        tied = _restart_first(tied)
    failed: set[tuple[int, frozenset[int]]] = set()

    def search(status: int, description: _FrozenDict, left: tuple[int, ...]) -> list[int] | None:
        if not left:
            return []
        key = (status, frozenset(left))
        if key in failed and status in (DELETED, UNKNOWN):
            return None
        for position, index in enumerate(left):
            after = step(status, description, tied[index])
            if after is None:
                continue
            rest = search(*after, left[:position] + left[position + 1 :])
            if rest is not None:
                return [index, *rest]
        failed.add(key)
        return None

    if len(tied) <= _TIE_SEARCH:
        found = search(status, description, tuple(range(len(tied))))
        if found is not None:
            return [tied[index] for index in found]
    if len(tied) > _TIE_GREEDY:
        return list(tied)
    left = list(tied)
    order: list[Event] = []
    while left:
        if status == DELETED:  # every event after a delete is an anomaly: in their order
            order += left
            break
        position = next(
            (i for i, e in enumerate(left) if step(status, description, e) is not None), 0
        )
        chosen = left.pop(position)
        order.append(chosen)
        after = step(status, description, chosen)
        if after is not None:
            status, description = after
    return order


def _restart_first(tied: Sequence[Event]) -> Sequence[Event]:
    """``tied`` with its STOPs before its first START, when it holds both (a restart).

    A STOP and a START of a running resource at one instant are a restart, even when the
    START carries a description (a restart with a new size): the fixed order would take
    that START as a resize and the STOP after it would leave the resource stopped. The
    others keep their places. ``tied`` itself when there is nothing to move. O(k).
    """
    first = next((i for i, e in enumerate(tied) if e.kind == "start"), None)
    if first is None or not any(e.kind == "stop" for e in tied[first + 1 :]):
        return tied
    stops = [e for e in tied[first:] if e.kind == "stop"]
    rest = [e for e in tied[first:] if e.kind != "stop"]
    return [*tied[:first], *stops, *rest]


def samples(ordered: Sequence[Sample], anomalies: Anomalies) -> None:
    """Say each tie of ``ordered`` (one resource's samples of one meter, in metering order).

    A tie: readings (gauges, counters) stamped at one instant with no ``seq`` and other
    values. Metering applies them by value, the lower first (so a gauge's higher value
    holds, and a counter's pair reads as a rise), then by id: an order the records do not
    say, so a ``"tie"`` anomaly names them, the one that holds first, then the others as
    applied. Equal values are no tie (their order changes nothing), nor are deltas (they
    add up). O(n).
    """
    count = len(ordered)
    index = 0
    while index < count:
        first = ordered[index]
        end = index + 1
        while end < count and ordered[end].at_us == first.at_us:
            end += 1
        tied = [s for s in ordered[index:end] if s.seq is None and s.kind != "delta"]
        index = end
        if len({s.value for s in tied}) < 2:  # two values make a tie
            continue
        applied = ", ".join(f"{label(s)} ({s.value})" for s in tied)
        anomalies.add(
            first.at_us,
            first.account,
            first.resource,
            "tie",
            f"{len(tied)} readings of {first.meter!r} of {first.resource!r} are stamped "
            f"{format_us(first.at_us)} with no seq and other values: applied as {applied}, "
            "by value, the lower first (a level such as Latest or a mean keeps the last, a "
            "counter reads the pair as a rise, an aggregation of every reading such as Max, "
            "Percentile or UniqueCount counts each); give them a seq to fix the order.",
            [tied[-1].id, *(s.id for s in tied[:-1])],
        )


def standing(ordered: list[Sample], replaced: set[str]) -> list[Sample]:
    """``ordered`` without the gauge readings a correction replaced, whose ids go to ``replaced``.

    ``ordered``: one resource's samples of one meter in metering order (`_metering_counters.
    order()`: by time, then ``seq``, no ``seq`` counting as -1). Of the gauge readings
    stamped at one instant, those of the greatest ``seq`` stand; the others were corrected
    (a reading sent again under a new id with a greater ``seq``) and count in no
    aggregation. Readings of one ``seq`` all stand (a tie, or equal seqs: ordered by
    value), and deltas and counter readings are never replaced (deltas add up; a
    counter's pair reads as a rise or a reset). ``ordered`` itself when nothing is
    replaced. O(n).
    """
    count = len(ordered)
    out: list[Sample] | None = None
    index = 0
    while index < count:
        at_us = ordered[index].at_us
        end = index + 1
        while end < count and ordered[end].at_us == at_us:
            end += 1
        if end - index > 1:
            run = ordered[index:end]
            seqs = [_seq(s) for s in run if s.kind == "gauge"]
            if seqs and min(seqs) != max(seqs):
                if out is None:
                    out = ordered[:index]
                top = max(seqs)
                for sample in run:
                    if sample.kind == "gauge" and _seq(sample) != top:
                        if sample.id is not None:
                            replaced.add(sample.id)
                        continue
                    out.append(sample)
                index = end
                continue
        if out is not None:
            out.extend(ordered[index:end])
        index = end
    return ordered if out is None else out


def _seq(sample: Sample) -> int:
    """A reading's ``seq`` as metering orders readings of one instant (none: -1). O(1)."""
    seq = sample.seq
    return -1 if seq is None else seq
