"""The rater's words for records its kept cycles cannot hold in full.

A sample stamped before the oldest cycle the rater keeps is *too late*: not applied (an
event or a counter reading there is placed in the compacted state: `_rater_late_events`,
`_rater_early`). A sample in the kept cycles can *reach back* before them (a delta over a
span from a compacted cycle, a counter reading whose previous reading is compacted): its
part there is not applied. Each gets a ``"too_late"`` [`Anomaly`][ratekit.Anomaly] with
that quantity. So does a ``close="last_seen"`` inventory closing a resource at its last
sign of life before the kept cycles (see `ratekit._lateness_closings`), and an event whose
``seq`` orders it before an event of a compacted cycle (`event_reach()`). A record not
late whose quantity reaches back into a closed cycle is said in `ratekit._lateness_spill`
(`spilling()`, `spilled()`, re-exported here for the rater's modules).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Container, Iterable, Sequence
from decimal import Decimal
from typing import Final

from ._anomalies import placed
from ._instants import format_us
from ._lateness_spill import spilled, spilling
from ._rater_stretch import stretch_start
from .records import Anomaly, Event, Inventory, Sample
from .usage import ResourceState

__all__ = [
    "UNCOUNTED",
    "CounterIndex",
    "after_kept",
    "quantity_in",
    "reading",
    "sequenced_in",
    "spilled",
    "spilling",
    "too_late",
]

Record = Event | Sample | Inventory
#: How a too-late sample's quantity that metering cannot count alone is named (`quantity_in()`).
UNCOUNTED: Final = "which only the readings around it decide"
Triple = tuple[str, str, str]  # (account, resource, meter)
_NEW_STRETCH = frozenset({"start", "stop", "delete"})  # kept events that end the old one


def reading(sample: Sample, at_us: int) -> str:
    """How a too-late reading's anomaly names it: ``sample 'r7' (egress, 400 at ...)``.

    One without an id is named by its resource and account too (``sample (egress, 400
    at ...) of 'vm-1' of 'acme'``): its meter, value and instant alone fit another
    resource's reading as well.
    """
    if sample.id is not None:
        return f"sample {sample.id!r} ({sample.meter}, {sample.value} at {format_us(at_us)})"
    where = f"of {sample.resource!r} of {sample.account!r}"
    return f"sample ({sample.meter}, {sample.value} at {format_us(at_us)}) {where}"


def quantity_in(sample: Sample, unit: str | None, quantity: Decimal | None) -> str:
    """A sample's ``quantity`` as metering counts it, in its meter's ``unit``: ``7 GB (egress)``.

    ``quantity`` None: one only the readings around the sample decide (a gauge reading of a
    policy of one's own), named as such.
    """
    if quantity is None:
        return f"({sample.meter}), {UNCOUNTED},"
    return f"{quantity} {unit} ({sample.meter})" if unit else f"{quantity} ({sample.meter})"


def too_late(
    record: Record, base_us: int, unit: str | None = None, quantity: Decimal | None = None
) -> Anomaly:
    """The anomaly of a record stamped before the kept cycles (from ``base_us``). O(1).

    A sample's ``quantity`` is the one metering counts of it (`_rater_early.counted()`:
    its value for `Discrete`, what a policy of one's own makes of it; None: not known),
    named in ``unit``, its meter's (7000000000 B, not a bare 7000000000).

    Such a record is either new (its quantity is lost to the stream) or a replay of one
    applied before whose identity was forgotten with its compacted cycle (the ids of
    the cycle compacted last are remembered, id-less records not at all): the message
    says both, since the rater cannot tell which.
    """
    label = "inventory" if type(record) is Inventory else type(record).__name__.lower()
    what = f"{label} {record.id!r}" if record.id is not None else label
    if record.id is None and type(record) is not Inventory:  # (named by what it is)
        what = f"{what} of {record.resource!r} of {record.account!r}"
    sample = record if type(record) is Sample else None
    said = f"its quantity {quantity_in(sample, unit, quantity)} is " if sample else ""
    inventory = type(record) is Inventory
    return placed(
        "too_late",
        f"{what} stamped {format_us(record.at_us)} is older than every cycle the rater "
        f"keeps (from {format_us(base_us)}; its cycle was closed and compacted, or "
        f"comes before the rater's start): {said}not applied. It may be a replay "
        "of a record applied before and forgotten with its compacted cycle (then it was "
        "charged then, and nothing is lost): the rater cannot tell the two apart.",
        () if record.id is None else (record.id,),
        None if inventory else typing.cast("Event | Sample", record).account,
        None if inventory else typing.cast("Event | Sample", record).resource,
        record.at_us,
        meter=sample and sample.meter,
        quantity=quantity if sample else None,
    )


class CounterIndex:
    """Where each counter stands: its baseline in the state, its first kept reading.

    Built in O(s + m) from the metering state and the kept records; kept up to date by
    `reaches_back()` as readings are fed.
    """

    __slots__ = ("baselines", "earliest", "seqs", "states", "stretches", "zero")

    def __init__(
        self,
        state: Iterable[ResourceState],
        records: Iterable[Record],
        zero: frozenset[str] = frozenset(),
    ) -> None:
        state = tuple(state)
        #: Each resource's metering state at the kept cycles' start, by (account, resource).
        self.states: dict[tuple[str, str], ResourceState] = {
            (item.account, item.resource): item for item in state
        }
        self.baselines: dict[Triple, tuple[int, str | None]] = {
            (item.account, item.resource, meter_name): (at_us, record_id)
            for item in state
            for meter_name, at_us, _, kind, record_id, _ in item.readings
            if kind == "counter"
        }
        #: Per resource running in the state, the start of its running stretch: the first
        #: reading of a ``zero`` meter (Counter ``from_zero``) with none in the state counts
        #: from there, before the kept cycles (unless a kept event begins a new stretch).
        self.zero = zero
        self.stretches: set[Triple] = set()
        for item in state if zero else ():
            self.stretch(item)
        self.earliest: dict[Triple, int] = {}
        #: The seq of the last sequenced event of each resource in the compacted cycles.
        self.seqs: dict[tuple[str, str], int] = {
            (item.account, item.resource): item.seq for item in state if item.seq is not None
        }
        for record in records:
            if type(record) is Sample and record.kind == "counter":
                triple = (record.account, record.resource, record.meter)
                self.earliest[triple] = min(self.earliest.get(triple, record.at_us), record.at_us)

    def stretch(self, item: ResourceState) -> None:
        """Index where ``item``'s running stretch starts, for its ``zero`` meters without a reading.

        Called for each state when the index is built, and again when an event placed in
        the compacted state moves the stretch (a START that begins it sooner, a STOP that
        ends it: then its first reading no longer counts from before the kept cycles).
        O(h log h) for h events of history.
        """
        since = stretch_start(item) if item.since_us is not None else None
        for meter_name in self.zero - {reading[0] for reading in item.readings}:
            triple = (item.account, item.resource, meter_name)
            if since is not None:
                self.baselines[triple] = (since, None)
                self.stretches.add(triple)
            elif triple in self.stretches:
                del self.baselines[triple]
                self.stretches.discard(triple)

    def reaches_back(
        self,
        sample: Sample,
        base_us: int,
        kept: Sequence[Record] = (),
        measure: Callable[[Sample], tuple[Decimal, str] | None] | None = None,
    ) -> Anomaly | None:
        """The anomaly of a sample, taken now, whose quantity reaches back before ``base_us``.

        None when it does not. ``kept``: the kept records of its resource (a kept start,
        stop or delete before a ``from_zero`` counter's first reading begins its stretch
        in the kept cycles; one whose ``seq`` orders it before the compacted events may
        make a stretch there that the state has not, `reordering()`). ``measure``: the
        part of the sample's quantity before ``base_us`` and its unit, as metering counts
        it (None when its meter has no such part: an aggregation); when that part is
        zero, nothing is lost and there is no anomaly. O(1), or O(k) for the first reading of a ``from_zero`` counter, plus the
        measure.
        """
        at_us = sample.at_us
        if sample.kind == "delta":
            if sample.since_us is None or sample.since_us >= base_us:
                return None
            start_us, after = sample.since_us, "its span starts at "
        elif sample.kind == "counter":
            counted = self._counted_from(sample, base_us, kept, measure)
            if counted is None:
                return None
            start_us, after = counted
        else:
            return None
        part = f"the part of its quantity before {format_us(base_us)}"
        rest = "the rest is"
        measured = None if measure is None else measure(sample)
        if measured is not None:  # the quantity not applied, given as a value too
            quantity, unit = measured
            if not quantity:
                return None  # nothing of it lies before the kept cycles' start
            part = f"its part before {format_us(base_us)}, {quantity} {unit},"
            if quantity < 0:  # it takes back what a later reading's feed said too late
                rest = "the rest is; negative: those cycles were charged that much more"
        return placed(
            "too_late",
            f"{reading(sample, at_us)} reaches back before every cycle the rater keeps: {after}{format_us(start_us)}, and "
            f"{part} belonged to cycles already compacted (or before the rater's start): "
            f"not applied ({rest}).",
            () if sample.id is None else (sample.id,),
            sample.account,
            sample.resource,
            at_us,
            meter=None if measured is None else sample.meter,
            quantity=None if measured is None else measured[0],
        )

    def _counted_from(
        self,
        sample: Sample,
        base_us: int,
        kept: Sequence[Record],
        measure: Callable[[Sample], tuple[Decimal, str] | None] | None,
    ) -> tuple[int, str] | None:
        """Where a counter reading counts from, said, if before ``base_us`` (`reaches_back()`).

        The instant and the words before it; None when it counts from a kept reading or
        from the kept cycles. O(1), or O(k) for a first reading of a ``zero`` meter.
        """
        triple = (sample.account, sample.resource, sample.meter)
        at_us = sample.at_us
        earliest = self.earliest.get(triple)
        self.earliest[triple] = at_us if earliest is None else min(earliest, at_us)
        baseline = self.baselines.get(triple)
        if earliest is not None and earliest < at_us:
            return None
        if baseline is None:
            if measure is None or not self.reordering(sample, kept):
                return None
            # No stretch in the state, but a kept event ordered by its seq before the
            # state's events runs them again, and may make one there (from a compacted
            # START or UPDATE): the measure, which meters them, says.
            return base_us, (
                "it counts from zero from the start of its resource's running stretch, "
                "which a kept event ordered by its seq before compacted events puts before "
            )
        start_us, previous = baseline
        if triple not in self.stretches:
            shown = "" if previous is None else f" {previous!r}"
            return start_us, f"it counts from the previous reading{shown} at "
        # A kept start, stop or delete before it may end that stretch (not a restart of
        # a running resource, nor a stop at its very instant): the measure, which meters
        # the kept events with it, says; without one, it is taken to.
        if measure is None and any(
            type(r) is Event and r.kind in _NEW_STRETCH and r.at_us <= at_us for r in kept
        ):
            return None
        return start_us, "it counts from zero from the start of its resource's running stretch at "

    def reordering(self, sample: Sample, kept: Sequence[Record]) -> bool:
        """Whether a kept event of ``sample``'s resource is ordered before compacted ones.

        Such an event (its ``seq`` below the last one of the compacted cycles) has the
        state's events applied again after it, and may make a running stretch there
        where the state has none (a DELETE it puts after a compacted UPDATE, say): a
        first reading from zero with no stretch in the state may then count from
        before the kept cycles. Only for a ``zero`` meter. O(k) for k kept records.
        """
        if sample.meter not in self.zero:
            return False
        compacted = self.seqs.get((sample.account, sample.resource))
        return compacted is not None and any(
            type(r) is Event and r.seq is not None and r.seq < compacted for r in kept
        )

    def unordered(self, event: Event) -> bool:
        """Whether ``event``'s ``seq`` orders it before compacted events the state lost.

        True when the compacted cycles hold a sequenced event of its resource with a
        greater ``seq`` that the compacted state no longer keeps as an event: folded into
        its ``base`` (the history keeps the last 16), or settled by an inventory (which
        keeps the last ``seq``, not the events). Batch rate() applies those events after
        it; the state can only apply them before it, so the event cannot be placed
        (`unordered_anomaly()`). O(h) for the h events the state keeps.
        """
        seq = event.seq
        if seq is None:
            return False
        key = (event.account, event.resource)
        compacted = self.seqs.get(key)
        if compacted is None or compacted <= seq:
            return False
        state = self.states.get(key)
        if state is None:
            return True
        base = state.base
        if base is not None and base.seq is not None and base.seq > seq:
            return True  # folded: the base's last event comes after it
        return not any(other.seq is not None and other.seq > seq for other in state.history)

    def event_reach(
        self, event: Event, kept: Sequence[Record], base_us: int
    ) -> tuple[int, Anomaly | None]:
        """Where a new ``event``'s effect begins, and its anomaly if that is compacted.

        An event without a ``seq`` takes effect at its instant; one with a ``seq`` is
        ordered before every sequenced event of its resource with a greater ``seq``, so it
        takes effect at the earliest of those (and of its own instant): the events from
        there on are applied again in the new order. ``kept`` are the resource's kept
        records, ``base_us`` the kept cycles' start. When the compacted cycles hold a
        sequenced event with a greater ``seq``, the event is ordered before the state
        carried there, so it takes effect from ``base_us`` (every kept event is applied
        again after it); what it changes in the compacted cycles is not applied, and the
        anomaly says so. O(k) for k kept records of the resource when the event has a
        ``seq``, else O(1).
        """
        seq = event.seq
        reach = event.at_us
        if seq is None:
            return reach, None
        for other in kept:
            if type(other) is Event and other.seq is not None and other.seq > seq:
                reach = min(reach, other.at_us)
        compacted = self.seqs.get((event.account, event.resource))
        if compacted is None or compacted <= seq:
            return reach, None
        reach = min(reach, base_us)
        what = "event" if event.id is None else f"event {event.id!r}"
        of = "" if event.id is not None else f" of {event.account!r}"  # (named by what it is)
        if not self.unordered(event):
            outcome = "what it changes in those cycles is not applied (the rest is)."
        else:
            # An inventory settled the state's history, or compaction folded the events
            # the seq puts after this one: the state applies them before it, for good.
            # A fed one is not kept (`unordered()`): only a kept one of a snapshot
            # written before gets here.
            outcome = (
                "the compacted state no longer keeps those events (an inventory settled "
                "its history, or they were folded), so it applies them (or some of them) "
                "before this one, "
                "where batch rate() applies them after it: from the kept cycles on, the "
                f"lines of {event.resource!r} may differ from batch rate()'s, and no "
                "anomaly names by how much; compare with batch rate() over your stored "
                "records."
            )
        return reach, placed(
            "too_late",
            f"{what} ({event.kind} of {event.resource!r}{of} at {format_us(event.at_us)}, seq "
            f"{seq}) is ordered by its seq before events of cycles already compacted (the "
            f"last seq there is {compacted}): {outcome}",
            () if event.id is None else (event.id,),
            event.account,
            event.resource,
            event.at_us,
        )


def sequenced_in(
    batch: Sequence[Record],
    base_us: int,
    unordered: Callable[[Event], bool] = lambda _: False,
    held: Container[str] = (),
) -> dict[tuple[str, str], list[Event]]:
    """A batch's sequenced events stamped from ``base_us`` on, per resource. O(n).

    Empty, at C speed, when the batch has no sequenced event stamped before ``base_us``:
    only such an event asks (`_rater_reach.sequenced_into_kept()`); the feed judges it before them.
    Without those the feed does not keep: those ``unordered`` says cannot be placed
    (`CounterIndex.unordered()`), and those whose id is ``held`` already (a duplicate, a
    conflicting version or a forgotten id) or came earlier in ``batch``, listed in the
    order judged (of two versions of an id the first stands, the other is conflicting):
    no event is ordered after one of them in the kept cycles.
    """
    events = [r for r in batch if type(r) is Event and r.seq is not None]
    out: dict[tuple[str, str], list[Event]] = {}
    if not any(event.at_us < base_us for event in events):
        return out
    seen: set[str] = set()
    lost: set[int] = set()  # by id(): the records the feed does not take as new
    for record in batch:
        record_id = record.id
        if record_id is not None:
            if record_id in seen or record_id in held:
                lost.add(id(record))
            seen.add(record_id)
    for event in events:
        if event.at_us >= base_us and id(event) not in lost and not unordered(event):
            out.setdefault((event.account, event.resource), []).append(event)
    return out


def after_kept(
    event: Event,
    kept: Iterable[Record],
    compacted: int | None,
    base_us: int,
    unordered_us: int | None = None,
) -> bool:
    """`_rater_reach.sequenced_into_kept()` of ``event`` (with a ``seq``), from plain values. O(k).

    ``kept``: its resource's kept records (another version of the event, under its id,
    does not count: one of the two stands); ``compacted``: the ``seq`` of the last
    sequenced event of the compacted cycles (None: none); ``base_us``: the kept cycles'
    start; ``unordered_us``: the instant of the last compacted event of its resource
    when the compacted state keeps no history to order again (None: it does, or there is
    none). A snapshot's check reads it so too (a kept record stamped before its base).

    An event stamped before ``unordered_us`` is not taken into the kept cycles: ordered
    after a kept event, it would come after the compacted events without ``seq`` stamped
    after it too (each goes after the last sequenced event stamped before it), and the
    state no longer holds them to move. It is too late, and cannot be placed.
    """
    seq, record_id = event.seq, event.id
    if seq is None or (compacted is not None and compacted > seq):
        return False  # ordered before the compacted state: too late there
    if unordered_us is not None and event.at_us < unordered_us:
        return False  # it would move compacted events the state no longer holds
    return any(
        type(other) is Event
        and other.seq is not None
        and other.seq < seq
        and other.at_us >= base_us
        and (record_id is None or other.id != record_id)  # not another version of it
        for other in kept
    )
