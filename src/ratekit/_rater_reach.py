"""Where a record fed to the rater takes effect, and what it holds back.

Private to [`ratekit.Rater`][ratekit.Rater]. A record takes effect at its instant, a
delta over a span from its ``since``, a counter reading from the reading before it, and
an event with a ``seq`` from the first event it is ordered before (see
`_lateness.CounterIndex.event_reach`). That instant says whether the record is late
(`effect()`); how far back compaction must wait for it is `ratekit._rater_held`'s.
The doors of a fed record live here as well: records metering takes, whole batches (`checked()`), one id
space across record kinds (`holders()`), and only accounts that an assignment
names (`assigned_only()`).
"""

from __future__ import annotations

import itertools
import typing
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Final

from . import _lateness, _normalize, _period_shares
from . import _rater_assigned as _assigned
from . import _rater_doors as _doors
from . import _rater_early as _early
from . import _rater_late_events as _late_events
from . import _rater_late_inventories as _late_inventories
from . import _rater_position as _position
from . import _rater_remembered as _remembered
from . import _rater_sample_doors as _sample_doors
from ._anomalies import placed as _anomaly
from ._caller_objects import read_once
from ._decimals import CONTEXT, exact_sum, tidy
from ._delta_policies import Counter, Discrete
from ._instants import format_us, from_us
from ._rater_book import known_by
from ._shown import show, some
from ._time_policies import Continuous
from .batches import unpack_hint
from .errors import RatekitError, RatekitTypeError, UnpricedUsageError
from .metering import meter
from .records import Anomaly, Event, Inventory, Sample
from .spans import Span

if typing.TYPE_CHECKING:
    from .rater import Rater, Record

__all__ = [
    "SEVERAL",
    "assigned_only",
    "checked",
    "closers",
    "computed_levels",
    "effect",
    "holders",
    "level_refusal",
    "not_applied",
    "sequenced_into_kept",
]


def effect(rater: Rater, record: Record) -> tuple[int, list[Anomaly]]:
    """Where a new record's effect begins; the anomalies if that is before the kept cycles.

    The feed asks only about the records that may not take effect at their instant (an
    event with a ``seq``, a counter reading, a sample over a span, an inventory, a record
    stamped at the end of the last closed cycle): the others do. O(1), or O(k) for an
    event with a ``seq`` and k kept records of its resource.
    """
    if type(record) is Sample:
        if record.meter in rater._engine.levels:
            return record.at_us, []  # an aggregation's reading: at its instant, whatever its since
        key = (record.account, record.resource)
        lost = rater._reach.reaches_back(
            record, rater._base_us, rater._by_key.get(key, ()), lambda s: not_applied(rater, s)
        )
        since = record.since_us
        effect_us = record.at_us if since is None else min(record.at_us, since)
        return effect_us, [] if lost is None else [lost]
    if type(record) is Event:
        key = (record.account, record.resource)
        effect_us, reordered = rater._reach.event_reach(
            record, rater._by_key.get(key, ()), rater._base_us
        )
        if record.kind in ("stop", "delete") and effect_us == rater._closed_us > rater._base_us:
            # Stamped at the end of a kept closed cycle, it ends that cycle's last piece
            # (it is in that row's provenance, not in its own cycle's): late for it.
            effect_us -= 1
        return effect_us, [] if reordered is None else [reordered]
    # Once the whole batch is filed: a sign of life may come after it in the batch.
    rater._closers.append(record)
    return record.at_us, []


def not_applied(rater: Rater, sample: Sample) -> tuple[Decimal, str] | None:
    """The part of ``sample``'s quantity before the kept cycles, and its meter's unit.

    For a sample that reaches back before the kept cycles' start (`effect()`): metered
    with its resource's compacted state, as the statement will meter it, through the one
    metering engine, so the part is the very quantity batch metering gives those cycles:
    a counter reading's rows before the start (metering's ``late`` rows), a delta's value
    less its rows from the start on. None for a meter that sums no such quantity (an
    aggregation). O(1), plus metering one sample.
    """
    meter = next(m for m in rater._engine.meters if m.name == sample.meter)
    policy = type(meter.policy)
    if policy is not Counter and policy is not Discrete:
        return None
    base_us = rater._base_us
    key = (sample.account, sample.resource)
    state = rater._reach.states.get(key)
    states = () if state is None else [state]
    name = sample.meter
    if policy is not Counter:
        usage = rater._engine.meter([sample], base_us, sample.at_us + 1, states)
        applied = exact_sum(r.quantity for r in usage.rows if r.meter == name)
        return tidy(CONTEXT.subtract(sample.value, applied)), meter.unit
    # The kept readings after it counted from the compacted state; with it, they count
    # from it: the part is what it changes before the kept cycles' start, theirs included
    # (a part said too late at their feed may so be taken back). A first reading of a
    # from_zero counter counts from its running stretch's start: the kept events say
    # where that is (a restart of a running resource begins none). Any reading of one
    # counts up to a kept stop that holds it, and from 0 after a kept boot: they say too.
    kept = rater._by_key.get(key, ())
    later: list[Record] = [
        r for r in kept if type(r) is Sample and r.meter == name and r.kind == "counter"
    ]
    if (
        typing.cast("Counter", meter.policy).from_zero
        or (*key, name) in rater._reach.stretches
        or rater._reach.reordering(sample, kept)
    ):
        # Where its stretch ends (or, ordered by its seq before the compacted events,
        # where it begins): a kept event, or a kept inventory that closes it.
        later += [r for r in kept if type(r) is Event]
        later += closers(rater, max([sample.at_us, *(r.at_us for r in later)]))
    end = max([sample.at_us, *(r.at_us for r in later)]) + 1

    def before(records: list[Record]) -> Decimal:
        usage = rater._engine.meter(records, base_us, end, states)
        return exact_sum(
            r.quantity for r in usage.late if r.meter == name and r.span.end_us <= base_us
        )

    without = before(later) if any(type(r) is Sample for r in later) else Decimal(0)
    return tidy(CONTEXT.subtract(before([sample, *later]), without)), meter.unit


def closers(rater: Rater, until_us: int) -> list[Record]:
    """The kept inventories stamped from the kept cycles' start up to ``until_us``.

    Each may close a resource's running stretch before a first reading of a
    ``from_zero`` counter, which then counts from zero at its instant, not from before
    the kept cycles. Only those kept so far: an inventory fed with the reading is judged
    after it, and names what it moves itself (`_rater_zero.kept()`). O(i) for i kept
    inventories.
    """
    base_us = rater._base_us
    return [r for r in rater._inventories if base_us <= r.at_us <= until_us]


#: An id held by records of several kinds (a snapshot altered by hand): a new record of
#: any kind clashes with one of them.
SEVERAL: Final = object()


def holders(*identities: Iterable[object]) -> dict[str, object]:
    """Per id among ``identities``, the kind of record that holds it (`SEVERAL`). O(m).

    Ids are one space across events, samples and inventories, as in
    [`rate()`][ratekit.rate], which refuses two records of different kinds under one id:
    a new record whose id is held, kept or forgotten, by another kind clashes. The rater
    keeps this index of its kept and forgotten identities, and adds each record it keeps.
    """
    out: dict[str, object] = {}
    for identity in itertools.chain(*identities):
        if isinstance(identity, tuple):
            kind, record_id = identity
            if out.setdefault(record_id, kind) != kind:
                out[record_id] = SEVERAL
    return out


def assigned_only(record: Event | Sample, assigned: frozenset[str]) -> None:
    """Refuse ``record`` when no assignment names its account. O(1), O(a log a) to refuse.

    Every statement would fail to price it (`UnpricedUsageError`), and an assignment
    added later starts from the watermark on: it is refused at the door, with its batch.
    """
    account = record.account
    if account in assigned:
        return
    label = type(record).__name__.lower()
    what = label if record.id is None else f"{label} {show(record.id)}"
    named = some(assigned)
    raise UnpricedUsageError(
        f"Rater.feed: {what} stamped {format_us(record.at_us)} is for account "
        f"{show(account)}, which no assignment of this rater names, so every statement "
        f"would fail to price it (the assignments name {named}); the batch is "
        "refused whole. Feed only records of assigned accounts, or assign the account a "
        "plan first with Rater.assign()."
    )


def checked(rater: Rater, records: Iterable[Record], *, fed: bool = True) -> list[Record]:
    """The batch as a list, once every record in it can be rated. O(n) (see `computed_levels()`).

    A batch is taken whole or not at all, and a record that metering would refuse (a
    sample of an unknown meter, or of a kind its meter does not take, an event setting
    a Continuous level's attribute to a negative or non-numeric value:
    `level_refusal()`, or making a level computed by a function so: `computed_levels()`;
    a record stamped where no cycle can be computed, an inventory listing an unassigned
    account or setting a level so: `_rater_doors`; a batch after which some price would
    take a sample meter's quantity out of range: `_rater_sample_doors`) is refused here
    (a batch leaving some usage without a price, once taken: `_rater_priced_doors`),
    so that it cannot make every later statement fail.

    The doors that can be are asked of the batch as a whole (`_looked()`), not per record:
    only when one of them may refuse a record is each record looked at, in the order
    listed, so that the first one refused is named. Else only the events that set
    attributes are, for their levels (each set of attributes, and each value, once).
    The message names the refused record by its index in the batch, ``records[3]``, as
    batch `rate()` does (`_rater_position`), unless ``fed`` is False (a restored state's
    records, which the caller never listed).
    """
    given: object = records
    if not isinstance(given, Iterable) or isinstance(given, str | bytes | Mapping):
        raise RatekitTypeError(
            "Rater.feed takes an iterable of Event, Sample and Inventory records, not "
            f"{type(records).__name__}: {show(records)}."
        )
    batch = read_once(records, "Rater.feed records", type(records).__name__, "a list of records")
    try:
        _judged(rater, batch)
    except RatekitError as error:
        if not fed:  # a restored state's records are no batch the caller listed
            raise
        # A door of the batch as a whole may refuse a record listed before the one a door
        # of each record refused: the first one listed is named, whatever its door.
        named = _position.first(error, batch, lambda before: _judged(rater, before))
        _position.positioned(named, batch)
        if named is error:
            raise
        raise named from named.__cause__
    return batch


def _judged(rater: Rater, batch: list[Record]) -> None:
    """`checked()`'s doors: each record's, in the order listed, then the batch's as a whole.

    What a door refuses is marked with its record (`_rater_position.about()`). O(n).
    """
    kinds = rater._engine.kinds
    level_paths = rater._engine.level_paths
    assigned = rater._engine.assigned
    segments = rater._engine.segments
    # (a level of 0 of a mean over the period makes no usage: taken in a gap)
    held = {m.name for m in rater._engine.meters if _period_shares.held(m.policy)}
    # The attributes found to be levels, by identity: the events of a batch share a few
    # (the batch keeps them alive while it is checked), each is looked at once, with the
    # values it sets at each level path, read once (`_rater_doors.level_error()`), for
    # `_rater_doors.levels()` too; and the values found to be levels.
    levels: dict[int, list[object]] = {}
    fine: set[object] = set()
    samples = [record for record in batch if type(record) is Sample]
    computable = _doors.all_computable(rater, batch, samples)
    looked: object = None  # the record looked at: refused, it is named by its index
    try:
        for record in _looked(rater, batch, samples, computable):
            looked = record
            kind = type(record)
            if kind not in (Event, Sample, Inventory):
                raise RatekitTypeError(
                    "Rater.feed takes Event, Sample and Inventory records, not "
                    f"{kind.__name__}: {show(record)} (records[{_index(batch, record)}] of the "
                    f"batch).{unpack_hint(record)}"
                )
            if not computable:
                _doors.instants(rater, record)
            if kind is Inventory:
                _doors.inventory(typing.cast("Inventory", record), assigned, level_paths)
            elif assigned is not None and kind in (Event, Sample):
                assigned_only(typing.cast("Event | Sample", record), assigned)
            if segments is not None:
                _assigned.covered(record, segments, held, rater._base_us)
            if kind is Event and level_paths:
                attributes = id(record.attributes)  # type: ignore[union-attr] # (an Event)
                if attributes not in levels:
                    read: list[object] = []
                    level_refusal(record, level_paths, fine, read)  # type: ignore[arg-type]
                    levels[attributes] = read
            if kind is Sample:
                sample = typing.cast("Sample", record)
                taken = kinds.get(sample.meter)
                if taken is None or sample.kind not in taken:
                    _normalize._refuse(
                        sample, kinds, f"Rater.feed: records[{_index(batch, record)}]: "
                    )
        looked = None  # the doors of the batch as a whole mark the record they refuse
        computed_levels(rater, batch)
        _doors.levels(rater, batch, levels)
        _sample_doors.amounts(rater, batch, samples)
    except RatekitError as error:
        if looked is not None and not hasattr(error, "_feed_record"):
            _position.about(looked, error)
        raise


def _index(batch: list[Record], record: object) -> int:
    """Where ``record`` is in ``batch`` (the first place it is, by identity). O(n), to refuse."""
    return next(index for index, item in enumerate(batch) if item is record)


def _looked(
    rater: Rater, batch: list[Record], samples: list[Sample], computable: bool
) -> list[Record]:
    """The records of ``batch`` that `checked()` looks at one by one, in the order listed.

    Only the events setting attributes (for their levels; none when no level reads
    attributes) when no other door can refuse a record, as the batch as a whole shows at
    C speed: each instant lies in a cycle the rater computes (``computable``), the batch
    holds events and samples only (an inventory has doors of its own), of accounts an
    assignment names (every account under one plan), with no assignment's gaps to look
    at, and each meter its ``samples`` name takes each kind they are of (a sample's own
    meter and kind among them). Else the whole batch. O(n): a few passes over the
    batch, without a call per record.
    """
    engine = rater._engine
    if (
        not computable
        or engine.segments is not None
        or not set(map(type, batch)) <= _EVENTS_AND_SAMPLES
    ):
        return batch
    events = typing.cast("list[Event | Sample]", batch)
    if engine.assigned is not None and not {r.account for r in events} <= engine.assigned:
        return batch
    kinds = engine.kinds
    named = {r.kind for r in samples}
    if not all(named <= kinds.get(meter, _NONE) for meter in {r.meter for r in samples}):
        return batch
    if not engine.level_paths:
        return []
    return [r for r in batch if type(r) is Event and r.attributes]


_NONE: Final[frozenset[str]] = frozenset()
_EVENTS_AND_SAMPLES: Final = frozenset((Event, Sample))


def computed_levels(rater: Rater, batch: Sequence[Record]) -> None:
    """Refuse a batch that makes a level computed by a function unreadable to metering.

    A [`Continuous`][ratekit.Continuous] level given as a function reads the description a
    record leaves its resource in (merged with those before it), which the record alone
    does not give: the resources the batch's new events describe (and those its
    inventories list) are metered with those meters alone, from the metering state at
    the kept cycles' start with their kept records and the batch's, up to the last of
    them, as every later statement meters them. A level metering refuses (negative, not
    a number) is refused here, with metering's message (the meter, the resource, the
    record that set the description) and the batch. Nothing when no meter's level is a
    function; else O(k log k) for the k kept records of those resources.
    """
    computed = [
        item
        for item in rater._engine.meters
        if type(item.policy) is Continuous and callable(item.policy.level_of)
    ]
    if not computed:
        return
    kept, forgotten, base = rater._records, rater._forgotten, rater._base_us
    new: list[Record] = []
    keys: set[tuple[str, str]] = set()
    for record in batch:
        if type(record) is Sample or record.at_us < base:
            continue  # a sample sets no description; one too late is not taken
        identity = record if record.id is None else (type(record).__name__, record.id)
        if identity in kept or identity in forgotten:
            continue  # seen before: not taken again
        new.append(record)
        if type(record) is Event:
            keys.add((record.account, record.resource))
        else:
            keys.update((account, resource) for account, resource, _ in record.resources)
    if not keys:
        return
    records: list[Record] = [
        r for key in keys for r in rater._by_key.get(key, ()) if type(r) is Event
    ]
    records += rater._inventories
    records += new
    end = max(base, *(record.at_us for record in records)) + 1
    states = [state for key in keys if (state := rater._reach.states.get(key)) is not None]
    try:
        meter(
            records,
            computed,
            span=Span.from_us(base, end),
            cycle=None,  # a piece's level is read once, whatever the cycles it spans
            as_of=from_us(end),
            state=states,
            conflicts="anomaly",
        )
    except RatekitError as error:
        raise type(error)(
            f"Rater.feed: {error} Every statement metering the resource would fail on it, so "
            "the batch is refused whole; fix or drop the record and feed the batch again."
        ) from error.__cause__  # a policy's own exception stays chained


def level_refusal(
    event: Event,
    level_paths: tuple[tuple[str, tuple[str, ...]], ...],
    fine: set[object] | None = None,
    read: list[object] | None = None,
) -> None:
    """Refuse ``event`` when it sets an attribute a Continuous level reads to what no level is.

    ``level_paths`` gives, per [`Continuous`][ratekit.Continuous] meter whose level is an
    attribute, a path or a product of them, the paths it reads. A value the event sets
    there (not ``None``, which removes it) must be a number >= 0, as metering reads it:
    else every statement metering the resource while it runs would raise (the event's
    description is merged into its resource's, and stays). Refused with its batch, with
    the error metering raises ([`BadRecordError`][ratekit.BadRecordError], a
    [`BadQuantityError`][ratekit.BadQuantityError] for text that is not a decimal or a
    number out of range), naming the record, the meter and the attribute. A level computed by a function reads the merged
    description, which a record alone does not give: see `computed_levels()`. ``fine``:
    the values found to be levels before in the batch (each is read once); ``read``:
    where the values read are added (`_rater_doors.level_error()`). O(m) for m such
    meters.
    """
    found = _doors.level_error(event.attributes, level_paths, fine, read)
    if found is not None:
        name, error = found
        what = "event" if event.id is None else f"event {show(event.id)}"
        raise type(error)(
            f"Rater.feed: {what} ({event.kind}) stamped {format_us(event.at_us)} "
            f"for resource {show(event.resource)} of {show(event.account)} sets the "
            f"level of meter {show(name)}: {error} Every statement metering the "
            "resource would fail on it, so the batch is refused whole; fix or drop "
            "the record and feed the batch again."
        ) from None


def not_kept(
    rater: Rater, record: Record, identity: object, known: object, anomalies: list[Anomaly]
) -> str:
    """What a fed record the rater does not keep is: seen before, placed early, or too late.

    ``known``: the kept record under its identity, if any (a duplicate when equal, else
    conflicting); a compacted record is known by its content's digest; a counter reading
    stamped before the kept cycles is placed among the compacted readings when it can be
    (`ratekit._rater_early`), as is an aggregation's reading that comes after the one
    the state keeps, an event in the compacted state (`ratekit._rater_late_events`), an
    inventory is reconciled with it (`ratekit._rater_late_inventories`); each is too
    late for its part before the kept cycles. Any other sample (a delta, at an instant
    or over a span that ends by the kept cycles' start) is too late whole, with an
    anomaly, and kept as a sign of life (`ratekit._rater_early.delta`). O(1), or the
    placing's cost.
    """
    if known is not None:
        return "duplicates" if known == record else "conflicting"
    seen = _remembered.seen(rater, record, identity)  # compacted away, or judged too late
    if seen is not None:
        return seen
    since = record.since_us if type(record) is Sample else None
    if type(record) is not Inventory and rater._first.get(record.account) == (
        record.at_us if since is None or since > record.at_us else since
    ):
        # The first record of its account (the feed so noted it): the account owes its
        # fees and bases from the kept cycles on, as in batch, the kept closed cycle too
        # (corrected late), so those are rated again.
        rater._dirty.add((record.account, None))
        rater._closed_charges = None
    if type(record) is Sample and record.kind == "counter":
        return _early.placed(rater, record, anomalies)  # in the compacted state, or said
    if type(record) is not Sample:  # placed in (reconciled with) the compacted state
        return (
            _late_events.placed(rater, record, anomalies)
            if isinstance(record, Event)
            else _late_inventories.placed(rater, record, anomalies)
        )
    levels = rater._engine.levels
    if not spanned(record, levels):
        # An aggregation's reading (placed as the one in force, when it is), or a delta
        # at an instant (too late whole, but a sign of life of its resource).
        placing = _early.aggregated if record.meter in levels else _early.delta
        return placing(rater, record, anomalies)
    # A delta over a span that ends by the kept cycles' start: too late whole, and a sign
    # of life at its instant all the same, as a delta at an instant is.
    unit = rater._engine.unit(record.meter)
    quantity = _early.counted(rater, record)
    said = _spanned_too_late(record, rater._base_us, unit, quantity)
    return _early.delta(rater, record, anomalies, said)


def sequenced_into_kept(
    rater: Rater,
    record: Record,
    batch: Mapping[tuple[str, str], list[Event]],
    known_by_us: int | None = None,
) -> bool:
    """Whether an event stamped before the kept cycles takes effect in them, by its ``seq``.

    Ordered by its ``seq`` after an event of its resource stamped in the kept cycles
    (kept, or in ``batch``: its batch's sequenced events stamped there, see
    `_lateness.sequenced_in()`), and before no compacted one, it takes that event's instant or a
    later one, as metering at once orders it (``"out_of_order"``): nothing of it lies in
    the compacted cycles, so it is late for the kept ones, not too late. Unless it is
    stamped before the last compacted event of its resource and the compacted state
    keeps no history (`_rater_states.lean()`): the compacted events without ``seq``
    stamped after it would follow it, and cannot be moved. With ``known_by_us``, only the
    kept events stamped before it count (those a watermark there knows). O(k) for k kept
    records of its resource.
    """
    if type(record) is not Event or record.seq is None:
        return False
    key = (record.account, record.resource)
    kept = (*rater._by_key.get(key, ()), *batch.get(key, ()))
    if known_by_us is not None:
        kept = tuple(other for other in kept if other.at_us < known_by_us)
    state = rater._reach.states.get(key)
    unordered = None if state is None or state.history else state.clock_us
    return _lateness.after_kept(record, kept, rater._reach.seqs.get(key), rater._base_us, unordered)


def spanned(record: Record, levels: frozenset[str]) -> bool:
    """Whether ``record`` is a delta over a span (``since`` before its ``at``). O(1).

    Stamped at the kept cycles' start (or before), all of it lies before them: it is too
    late whole, not late for the kept closed cycle, which it does not change. Not a
    sample of a meter in ``levels`` (an aggregation, the engine's ``levels``): metering
    reads it at its instant, whatever its ``since``.
    """
    return (
        type(record) is Sample
        and record.since_us is not None
        and record.since_us < record.at_us
        and record.meter not in levels
    )


def _spanned_too_late(sample: Sample, base_us: int, unit: str, quantity: Decimal | None) -> Anomaly:
    """The ``"too_late"`` anomaly of a delta whose whole span lies before ``base_us``. O(1).

    Its ``quantity``, as metering counts it (`_rater_early.counted()`), is named in
    ``unit``, its meter's.
    """
    what = "sample" if sample.id is None else f"sample {sample.id!r}"
    since = format_us(typing.cast(int, sample.since_us))
    return _anomaly(
        "too_late",
        f"{what} ({sample.meter}, {sample.value} over {since}..{format_us(sample.at_us)}) "
        f"lies before every cycle the rater keeps (from {format_us(base_us)}; its cycles "
        "were closed and compacted, or come before the rater's start): its quantity "
        f"{_lateness.quantity_in(sample, unit, quantity)} is not applied. It may be a replay of a record "
        "applied before and forgotten with its compacted cycle (then it was charged then, "
        "and nothing is lost): the rater cannot tell the two apart.",
        () if sample.id is None else (sample.id,),
        sample.account,
        sample.resource,
        sample.at_us,
        meter=sample.meter,
        quantity=quantity,
    )


def file_inventory(rater: Rater, record: Inventory) -> None:
    """File a kept inventory: every resource is metered again if it is before the watermark."""
    prev = rater._as_of_us
    rater._inventories.append(record)
    if record.at_us < prev:
        rater._redo = None
        rater._dirty.add(("*", None))
    if not known_by(record, prev):
        rater._pending.append(record)
