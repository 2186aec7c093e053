"""Normalisation: from messy records to one clean description timeline per resource.

This is the private engine behind [`ratekit.meter()`][ratekit.meter]. It works on plain values: the
records' integer instants, interned strings and read-only description mappings; it builds
no attrs instance per record.

1. `group()` deduplicates the records (by id, or by content when a record has no id;
   the same id with other content raises [`ConflictingRecordError`][ratekit.ConflictingRecordError]) and
   groups them per ``(account, resource)``, samples also per meter, in one pass.
2. `ratekit._timelines.build_timeline()` applies one resource's events in order and
   reports every odd record as an anomaly (collected by `Anomalies`, named by `label()`).
"""

from __future__ import annotations

import operator
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

from ._instants import format_us
from .errors import ConflictingRecordError, RatekitTypeError, UnknownMeterError
from .records import Anomaly, AnomalyKind, Event, Inventory, Sample

__all__ = [
    "DELETED",
    "NEVER",
    "RUNNING",
    "STATUS_NAMES",
    "STOPPED",
    "UNKNOWN",
    "Anomalies",
    "Grouped",
    "group",
    "label",
    "unique",
]

UNKNOWN: Final = 0
RUNNING: Final = 1
STOPPED: Final = 2
DELETED: Final = 3
STATUS_NAMES: Final = ("unknown", "running", "stopped", "deleted")

#: An instant before every real one: the start of a resource's first (unknown) piece.
NEVER: Final = -(2**63)

_RANK: Final = {"start": 0, "update": 1, "stop": 2, "delete": 3}

Key: typing.TypeAlias = tuple[str, str]


def label(record: Event | Sample | Inventory) -> str:
    """How messages name a record: by id, or by what it is when it has none."""
    if isinstance(record, Inventory):
        where = format_us(record.at_us)
        return f"inventory at {where}" if record.id is None else f"inventory {record.id!r}"
    kind = "event" if isinstance(record, Event) else "sample"
    if record.id is not None:
        return f"{kind} {record.id!r}"
    what = record.kind if isinstance(record, Event) else f"{record.kind} of {record.meter!r}"
    return f"{kind} ({what} of {record.resource!r} at {format_us(record.at_us)}, no id)"


class Anomalies:
    """Anomalies collected in any order, returned in a stable order (time, then resource).

    Within one instant and resource, duplicates found while grouping come first (by their
    message: which copy arrived first does not matter), then the anomalies of the
    resource's processing, whose order is deterministic.
    """

    __slots__ = ("_items",)

    def __init__(self) -> None:
        self._items: list[tuple[int, str, str, int, str | int, Anomaly]] = []

    def add(  # noqa: PLR0917 - private plumbing of plain values
        self,
        at_us: int,
        account: str,
        resource: str,
        kind: AnomalyKind,
        message: str,
        ids: Iterable[str | None] = (),
    ) -> None:
        anomaly = Anomaly(kind, message, tuple(i for i in ids if i is not None))
        if kind == "duplicate":
            self._items.append((at_us, account, resource, 0, message, anomaly))
        else:
            self._items.append((at_us, account, resource, 1, len(self._items), anomaly))

    def result(self) -> tuple[Anomaly, ...]:
        ordered = sorted(self._items, key=lambda item: item[:5])
        return tuple(item[5] for item in ordered)


class Grouped(typing.NamedTuple):
    """What `group()` returns."""

    events: dict[Key, list[Event]]
    """Each resource's events, in arrival order (with replays of those without an id:
    see `unique()`)."""
    samples: dict[Key, dict[str, list[Sample]]]
    """Each resource's samples, per meter, in arrival order (likewise)."""
    inventories: list[Inventory]
    """The inventory snapshots, by time."""
    samples_in_order: bool
    """The samples arrived in increasing time: each resource's are sorted, unless tied."""
    events_in_order: bool
    """Likewise for the events, none of which has a ``seq``."""
    tied: set[tuple[str, ...]]
    """The groups (``(account, resource, meter)`` of samples, ``(account, resource)`` of
    events) with a record stamped at the same instant as the one that arrived before it:
    only those may need sorting when the records arrived in time order (collected only
    while they do: once a record arrives out of order, every group of its kind is sorted)."""


def group(
    records: Iterable[Event | Sample | Inventory],
    accepted: Mapping[str, frozenset[str]],
    as_of_us: int,
    anomalies: Anomalies,
    conflicts: str = "raise",
) -> Grouped:
    """Deduplicate and group the records stamped before ``as_of_us``, in one pass. O(n).

    ``accepted`` maps each declared meter to the sample kinds its policy takes. A record is
    known by its id here; records without one are known by their content, which
    `unique()` compares per group, where two records share an instant. One pass over
    the records matters: with a million records, each visit of a record is a cache miss.
    The same pass notes whether the records arrived in strictly increasing time (as a feed
    usually delivers them): then no resource's records need sorting, which would visit
    each of them again. ``conflicts`` is ``"raise"`` (a record with the id of an earlier
    one but other content raises [`ConflictingRecordError`][ratekit.ConflictingRecordError]) or
    ``"anomaly"`` (it is ignored and reported as a ``"conflict"``: the first one is kept).
    """
    if not isinstance(records, list | tuple):
        records = list(records)  # read twice when an id repeats
    grouped = _group(records, accepted, as_of_us, anomalies, conflicts, collect=True)
    if grouped is None:
        grouped = _group(records, accepted, as_of_us, anomalies, conflicts, collect=False)
        assert grouped is not None  # a pass that looks ids up always stands
    return grouped


def _group(  # noqa: PLR0912, PLR0915 - one pass of the hot loop
    records: Sequence[Event | Sample | Inventory],
    accepted: Mapping[str, frozenset[str]],
    as_of_us: int,
    anomalies: Anomalies,
    conflicts: str,
    *,
    collect: bool,
) -> Grouped | None:
    """One pass. With ``collect``, ids are collected, not looked up: ``None`` if one repeats.

    Records without an id are not looked up here (see `unique()`); an inventory without
    one is, by content, and with ``collect`` its duplicates are reported only once the
    pass is known to stand (no side effect before).
    """
    ids: list[str] = []
    add_id = ids.append
    pending: list[tuple[Event | Sample | Inventory, Event | Sample | Inventory]] = []
    seen: dict[object, Event | Sample | Inventory] = {}
    keep = seen.setdefault
    events: dict[Key, list[Event]] = {}
    events_get = events.get
    flat: dict[tuple[str, str, str], list[Sample]] = {}
    flat_get = flat.get
    inventories: list[Inventory] = []
    last_sample_us = last_event_us = NEVER
    last_sample: Sample | None = None
    last_event: Event | None = None
    samples_in_order = events_in_order = True
    tied: set[tuple[str, ...]] = set()
    for record in records:
        kind_of_record = type(record)
        if kind_of_record is Sample:
            sample = typing.cast(Sample, record)
            at_us = sample.at_us
            # known by as_of: stamped before it, or a delta over a span that ends at it
            if at_us >= as_of_us and (at_us > as_of_us or sample.since_us is None):
                continue
            if samples_in_order and at_us <= last_sample_us and last_sample is not None:
                # Ties matter only while the samples arrive in order (else all are sorted).
                if at_us < last_sample_us:
                    samples_in_order = False
                else:
                    tied.add((last_sample.account, last_sample.resource, last_sample.meter))
                    tied.add((sample.account, sample.resource, sample.meter))
            last_sample_us = at_us
            last_sample = sample
            identity = sample.id
            # Replays by content (no id) are dropped per group, by unique().
            if identity is not None:
                if collect:
                    add_id(identity)
                else:
                    size = len(seen)
                    previous = keep(identity, sample)
                    if len(seen) == size:
                        _duplicate(previous, sample, anomalies, conflicts)
                        continue
            triple = (sample.account, sample.resource, sample.meter)
            found_samples = flat_get(triple)
            if found_samples is None:
                kinds = accepted.get(sample.meter)
                if kinds is None or sample.kind not in kinds:
                    _refuse(sample, accepted)
                flat[triple] = [sample]
            else:
                if sample.kind is not found_samples[0].kind:
                    kinds = accepted[sample.meter]
                    if sample.kind not in kinds:
                        _refuse(sample, accepted)
                found_samples.append(sample)
        elif kind_of_record is Event:
            event = typing.cast(Event, record)
            at_us = event.at_us
            if at_us >= as_of_us:
                continue
            if event.seq is not None:
                events_in_order = False
            if events_in_order and at_us <= last_event_us and last_event is not None:
                if at_us < last_event_us:
                    events_in_order = False
                else:
                    tied.add((last_event.account, last_event.resource))
                    tied.add((event.account, event.resource))
            last_event_us = at_us
            last_event = event
            identity = event.id
            # Replays by content (no id) are dropped per group, by unique().
            if identity is not None:
                if collect:
                    add_id(identity)
                else:
                    size = len(seen)
                    previous = keep(identity, event)
                    if len(seen) == size:
                        _duplicate(previous, event, anomalies, conflicts)
                        continue
            key = (event.account, event.resource)
            found = events_get(key)
            if found is None:
                events[key] = [event]
            else:
                found.append(event)
        elif kind_of_record is Inventory:
            inventory = typing.cast(Inventory, record)
            if inventory.at_us >= as_of_us:
                continue
            if inventory.id is not None and collect:
                add_id(inventory.id)
            else:
                known: object = inventory.id if inventory.id is not None else inventory
                size = len(seen)
                previous = keep(known, inventory)
                if len(seen) == size:
                    if collect:
                        pending.append((previous, inventory))
                    else:
                        _duplicate(previous, inventory, anomalies, conflicts)
                    continue
            inventories.append(inventory)
        else:
            raise RatekitTypeError(
                "metering takes Event, Sample and Inventory records, "
                f"not {type(record).__name__}: {record!r}."
            )
    if collect:
        if len(set(ids)) != len(ids):
            return None  # an id repeats: the pass is done again, looking ids up
        for previous, record in pending:
            _duplicate(previous, record, anomalies, conflicts)
    samples: dict[Key, dict[str, list[Sample]]] = {}
    for (account, resource, meter), found_samples in flat.items():
        per_meter = samples.get((account, resource))
        if per_meter is None:
            samples[account, resource] = {meter: found_samples}
        else:
            per_meter[meter] = found_samples
    inventories.sort(key=lambda inventory: (inventory.at_us, inventory.id or ""))
    return Grouped(events, samples, inventories, samples_in_order, events_in_order, tied)


_AT: Final = operator.attrgetter("at_us")

R = typing.TypeVar("R", Event, Sample)


def unique(records: list[R], anomalies: Anomalies) -> list[R]:
    """One group's records without the replays of those that have no id. O(n).

    A record without an id is known by its content: a later one equal to it, field for
    field, is a ``"duplicate"`` anomaly and dropped (the first one received is kept).
    Equal records share their instant, so a group whose instants are all distinct (found
    at C speed) has none, and nothing is hashed per record; otherwise the records are
    hashed once each (a description's hash is computed once per description).
    """
    if len(records) < 2:  # a replay needs two records
        return records
    if len(set(map(_AT, records))) == len(records):
        return records
    seen: dict[R, R] = {}
    keep = seen.setdefault
    kept: list[R] = []
    for record in records:
        if record.id is None:
            size = len(seen)
            previous = keep(record, record)
            if len(seen) == size:
                _duplicate(previous, record, anomalies, "raise")  # equal: never a conflict
                continue
        kept.append(record)
    return kept


def _duplicate(
    previous: object, record: Event | Sample | Inventory, anomalies: Anomalies, conflicts: str
) -> None:
    if isinstance(record, Inventory):
        account, resource = "", ""
    else:
        account, resource = record.account, record.resource
    if previous != record:
        if conflicts != "anomaly":
            raise ConflictingRecordError(
                f"two records share the id {record.id!r} but differ: {previous!r} and "
                f"{record!r}; replaying a record must repeat it exactly, so give a corrected "
                "record a new id (or meter with conflicts='anomaly' to keep the first)."
            )
        anomalies.add(
            record.at_us,
            account,
            resource,
            "conflict",
            f"{label(record)} was received again with other content: {previous!r} was "
            f"received first and is kept, {record!r} is ignored; give a corrected record "
            "a new id.",
            (record.id,),
        )
        return
    anomalies.add(
        record.at_us,
        account,
        resource,
        "duplicate",
        f"{label(record)} was received twice: the replay is ignored.",
        (record.id,),
    )


def _refuse(sample: Sample, accepted: Mapping[str, frozenset[str]]) -> typing.NoReturn:
    if sample.meter not in accepted:
        raise UnknownMeterError(
            f"{label(sample)} meter {sample.meter!r} is not one of the meters given: "
            f"{', '.join(repr(name) for name in sorted(accepted)) or 'none'}; "
            "declare a Meter with that name."
        )
    kinds = accepted[sample.meter]
    from .errors import BadRecordError  # noqa: PLC0415 - keeps the hot imports short

    takes = ", ".join(repr(kind) for kind in sorted(kinds)) or "no samples (it is time-based)"
    raise BadRecordError(
        f"{label(sample)} kind {sample.kind!r} does not fit meter {sample.meter!r}, "
        f"whose policy takes {takes}."
    )
