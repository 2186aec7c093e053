"""The feed's door for usage no price entry prices: refused where every statement would fail.

Private to [`ratekit.Rater`][ratekit.Rater] (called from `_rater_reach.checked()`, after
`_rater_sample_doors`). Under a plan whose ``unpriced`` is ``"error"`` (the default),
usage of a meter that no entry of the plan prices (a description none of its entries
selects, at an instant none is in effect) makes [`rate()`][ratekit.rate] raise
[`UnpricedUsageError`][ratekit.UnpricedUsageError]. A statement rates the kept records,
and a record once taken is never removed (a rater's plans are fixed too), so a batch
making such usage would make every later statement fail: it is refused whole here. So
is one making usage two entries of one priority both price (a tie a plan cannot see
when it is built, where a selector is a [`Satisfies`][ratekit.Satisfies] function),
or whose selector's function raises on its description: rating raises
[`BadPriceError`][ratekit.BadPriceError] there, whatever ``unpriced``.

Most batches are judged without metering (`_quick()`), on the verdicts of
`_rater_priced_verdicts` (which say what *always prices*, *covers* and *settle* mean),
for records that land where those verdicts hold (`_rater_priced_order.placed()`: after
every kept inventory, and a delete, a stop or an inventory after the kept records of
its resources; not among a resource's records of one instant, nor ordered by a ``seq``
where inventories are kept; a sample listed by every inventory since its resource
first showed). A batch passes at once when, for each account's
plans whose ``unpriced`` is ``"error"`` and each meter such a plan does not always
price, each of its records is a ``stop`` without attributes, or a ``delete`` (of a time
meter's resource: no usage begins); or an event whose attributes settle and are
covered, as do those of each kept event of its resource that may apply after it (a
later update naming some attributes only keeps the others it set); or an
attribute-less event or a sample whose resource is described, from before it, only by
attributes that settle and are covered (a resource deleted, whose samples after it are
described by nothing, is not judged so; a kept inventory's listing of it is judged as
an event, or, without attributes, opens it described by nothing unless an event made
it known from before); or an inventory whose listings are judged so.

Else (attributes that leave a selector open, a price in effect for a while only, an
inventory opening a resource described by nothing) the accounts of those records are
metered once the batch is taken (`refusal()`), through the last instant a price or an assignment changes and one cycle more (after
it, nothing changes what a running resource's time costs), and as long again as the
entries' windows take to repeat (`window_reach()`: a week and a day for daily or weekly
windows in UTC, else a year and a week), and rated as a statement rates them (every
meter metered, as a sample of a meter always priced is a record of the account too;
the rows of the meters a plan may refuse rated). A batch is refused when rating fails
to price usage there that it priced without the batch: only then, the batch put back,
is the account metered again without it (`refuse()`). O(n) for n records in the quick
case (each description judged once per plan and meter, by its values' types and
reprs); else the metering and rating of those accounts' kept records, once.
"""

from __future__ import annotations

import bisect
import itertools
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from . import _rater_kept_usage as _kept
from . import _rater_priced_order as _order
from . import _rater_priced_verdicts as _verdicts
from . import _rater_range as _range
from . import _rater_sample_doors as _sample_doors
from ._instants import format_us
from ._rater_position import about
from ._shown import show
from .errors import BadPriceError, UnpricedUsageError
from .pricebook import Plan
from .records import Event, Inventory, Sample

if TYPE_CHECKING:
    from .rater import Rater, Record

__all__ = [
    "Listed",
    "Listings",
    "Refusal",
    "Suspects",
    "Unsettled",
    "refusal",
    "refuse",
    "suspects",
]

#: The kept inventories' list, how many of them were read, the last one read, and the
#: resources they list (see `_listed`).
#: Per resource the kept inventories list: the attributes of each listing that gives some,
#: the earliest and latest instants one listed it without any (empty: none did), and the
#: instants of every listing.
Listings = dict[tuple[str, str], tuple[list[Mapping[str, object]], list[int], list[int]]]
Listed = tuple["list[Record]", int, "Record | None", Listings]

#: The kept records by resource it was read from, and per resource: its list, how many
#: were read, the last one read, the latest instant of one (-1: none), and whether one
#: is sequenced, and the earliest instant (see `_rater_priced_order.kept_instants`).
Unsettled = tuple["dict[tuple[str, str], list[Record]]", dict[tuple[str, str], list[typing.Any]]]


class _Batch(typing.NamedTuple):
    """What a batch being judged holds beside the kept records.

    Its samples' (account, resource, meter), per resource its events that set
    attributes or delete (filled only when the batch has a record such an event may
    describe, see `_described()`), where its records land among the inventories
    (`_rater_priced_order.Order`), and per account and meter the plans that may refuse
    its usage (`_plans_of()`, found once per batch).
    """

    sampled: set[tuple[str, str, str]]
    described: dict[tuple[str, str], list[Event]]
    order: _order.Order
    plans: dict[tuple[str, str], list[Plan]]


def _plans_of(rater: Rater, batch: _Batch, account: str, meter: str) -> list[Plan]:
    """The plans of ``account`` that may refuse usage of ``meter`` (see `strict_meters`).

    Found once per batch (``batch.plans``): not to be changed.
    """
    found = batch.plans
    if (account, meter) in found:
        return found[account, meter]
    found[account, meter] = plans = _plans_found(rater, account, meter)
    return plans


def _plans_found(rater: Rater, account: str, meter: str) -> list[Plan]:
    """`_plans_of()`, found."""
    engine = rater._engine
    strict = engine.strict.get(meter)
    if not strict:
        return []
    plans = engine.plans
    if isinstance(plans, Plan):
        return [plans] if id(plans) in strict else []
    segments = engine.segments or {}
    return list({id(p): p for _, _, p in segments.get(account, ()) if id(p) in strict}.values())


def _described(
    rater: Rater, batch: _Batch, record: Record, since_us: int, *, meter: str, plans: list[Plan]
) -> bool:
    """Whether what describes ``record``'s resource from before ``since_us`` is judged priced.

    Its compacted state's description, and the events setting attributes that the rater
    keeps or the batch holds (``batch.described``); one of them at or before
    ``since_us`` (else the resource is described there by nothing judged); and the kept
    inventories' listings of it, which may describe or open it anew (`_listing()`).
    Judged no when the resource was deleted (what comes after a delete is described by
    nothing). O(k) for the resource's k kept records.
    """
    sampled = typing.cast("Event | Sample", record)
    key = (sampled.account, sampled.resource)
    state = _kept.state_of(rater, key)
    before = state is not None
    if state is not None and (
        state.status == "deleted"
        or not all(_verdicts.judged(rater, p, meter, state.description, True) for p in plans)
    ):
        return False
    listed = _listed(rater).get(key) if rater._inventories else None
    if listed is not None and not _listing(rater, batch, key, listed, meter=meter, plans=plans):
        return False
    held = batch.described.get(key, ())
    for other in itertools.chain(rater._by_key.get(key, ()), held):
        if type(other) is Inventory:
            return False
        if type(other) is Event and (other.attributes or other.kind == "delete"):
            if other.kind == "delete" or not all(
                _verdicts.judged(rater, p, meter, other.attributes, False) for p in plans
            ):
                return False
            before = before or other.at_us <= since_us
    return before


def _listed(rater: Rater) -> Listings:
    """The resources the kept inventories list, each with its listings (see `Listings`).

    O(r) for the r resources listed since last read: read on from where the last call
    stopped while the kept inventories' list is the one it read and still holds the
    inventory it read last there (a feed refused takes its inventories off the end; a
    compaction or a restore makes a new list), else anew.
    """
    engine = rater._engine
    inventories = rater._inventories
    known = engine.listed
    if (
        known is None
        or known[0] is not inventories
        or len(inventories) < known[1]
        or (known[1] and inventories[known[1] - 1] is not known[2])
    ):
        known = (inventories, 0, None, {})
    _, read, _, keys = known
    for inventory in inventories[read:]:
        at_us = inventory.at_us
        for account, resource, attributes in typing.cast("Inventory", inventory).resources:
            given, bare, instants = keys.setdefault((account, resource), ([], [], []))
            bisect.insort(instants, at_us)
            if attributes:
                given.append(attributes)
            elif not bare:
                bare[:] = [at_us, at_us]
            else:
                bare[:] = [min(bare[0], at_us), max(bare[1], at_us)]
    engine.listed = (inventories, len(inventories), inventories[-1] if inventories else None, keys)
    return keys


def _listing(
    rater: Rater,
    batch: _Batch,
    key: tuple[str, str],
    listed: tuple[list[Mapping[str, object]], list[int], list[int]],
    *,
    meter: str,
    plans: list[Plan],
) -> bool:
    """Whether inventories' listings of resource ``key`` are judged priced for ``meter``.

    A listing's attributes are judged as an event's (the listing gives the resource
    their values from then on); one without attributes changes nothing of a resource
    the rater knows from before it (an event kept, or one of the batch's setting
    attributes, at or before its instant, or a compacted state running or stopped), and
    opens one it does not, described by nothing (one known by samples alone too). A resource
    deleted before a listing without attributes is not judged so (the listing opens it
    anew), nor one an inventory kept or in the batch may have closed (one since its first
    sign, up to the listing, that does not list it). O(k + log i) for the resource's k
    kept records and i inventories.
    """
    given, bare, _ = listed
    if not all(_verdicts.judged(rater, p, meter, a, False) for a in given for p in plans):
        return False
    if not bare:
        return True
    state = _kept.state_of(rater, key)
    mine = itertools.chain(rater._by_key.get(key, ()), batch.described.get(key, ()))
    if state is not None and state.status == "deleted":
        return False
    known = state is not None and state.status in ("running", "stopped")
    for r in mine:
        if type(r) is not Event:
            continue  # (a sample leaves its resource unknown: a listing opens it)
        if r.kind == "delete" and r.at_us <= bare[-1]:
            return False
        known = known or r.at_us <= bare[0]
    if known:
        # Unless an inventory since its first sign, up to the listing, did not list it:
        # it closed the resource there, and the listing opens it anew, described by
        # nothing (a closing at 00:00, a listing at 02:00).
        kept = _listed(rater).get(key) if rater._inventories else None
        return _order.listed_since(rater, batch.order, key, bare[-1], kept[2] if kept else None)
    return all(_verdicts.judged(rater, p, meter, {}, True) for p in plans)


def _sampled(rater: Rater, batch: _Batch, key: tuple[str, str], meter: str) -> bool:
    """Whether the resource has samples of ``meter``: kept, in the batch, or held in its state."""
    if (*key, meter) in batch.sampled:
        return True
    state = _kept.state_of(rater, key)
    if state is not None and any(reading[0] == meter for reading in state.readings):
        return True
    return any(type(r) is Sample and r.meter == meter for r in rater._by_key.get(key, ()))


def _quick(rater: Rater, batch: _Batch, record: Record) -> bool:
    """Whether ``record`` is judged, without metering, to make only usage that is priced.

    A time meter's usage begins with an event that is neither a stop nor a delete, and
    goes on under a stop's attributes when the resource starts again; a sample meter's is
    priced by the description of its resource where it lies, which any event setting
    attributes may change, and a delete ends (a sample after it is described by nothing).
    """
    engine = rater._engine
    listed = None
    if type(record) is Sample and rater._inventories:
        listed = _listed(rater).get((record.account, record.resource))
    # (Where its resource's kept records lie, read once for `placed()` and `_last()`.)
    kept = (
        None
        if type(record) is Inventory
        else _order.kept_instants(rater, (record.account, record.resource))
    )
    if not _order.placed(rater, batch.order, record, listed[2] if listed else None, kept):
        return False
    if type(record) is Inventory:
        for account, resource, attributes in record.resources:
            key = (account, resource)
            own: tuple[list[Mapping[str, object]], list[int], list[int]] = (
                ([attributes], [], []) if attributes else ([], [record.at_us] * 2, [])
            )
            for meter in engine.strict:
                if meter not in engine.timed and not _sampled(rater, batch, key, meter):
                    continue
                plans = _plans_of(rater, batch, account, meter)
                if plans and not _listing(rater, batch, key, own, meter=meter, plans=plans):
                    return False
        return True
    if type(record) is Sample:
        if record.meter not in engine.strict:
            return True  # (before no closing at its last sign of life: `placed()`)
        plans = _plans_of(rater, batch, record.account, record.meter)
        since = record.at_us if record.since_us is None else record.since_us
        return not plans or _described(rater, batch, record, since, meter=record.meter, plans=plans)
    assert type(record) is Event
    assert kept is not None
    return _event_quick(rater, batch, record, kept)


def _event_quick(rater: Rater, batch: _Batch, event: Event, kept: tuple[int, bool, int]) -> bool:
    """`_quick()` of an event: judged meter by meter. O(k) for its resource's k kept records.

    ``kept``: `_rater_priced_order.kept_instants()` of its resource.
    """
    engine = rater._engine
    attributes = event.attributes
    kind = event.kind
    last = None  # whether it comes after every kept event of its resource (`_last`)
    for meter in engine.strict:
        if meter in engine.timed:
            if kind == "delete" or (kind == "stop" and not attributes):
                continue
        elif (
            # (one without attributes changes no description, but makes known a resource
            # known by samples alone till then: its usage described by nothing awaits no
            # description any more, `_rater_priced_ahead.Undescribed`: judged below)
            not (attributes or kind == "delete") and not _awaiting(rater, event)
        ) or not _sampled(rater, batch, (event.account, event.resource), meter):
            continue
        plans = _plans_of(rater, batch, event.account, meter)
        if not plans:
            continue
        if kind == "delete" and meter not in engine.timed:
            return False
        if not attributes:
            if not _described(rater, batch, event, event.at_us, meter=meter, plans=plans):
                return False
        else:
            for plan in plans:
                if not _verdicts.judged(rater, plan, meter, attributes, False):
                    return False
            last = _last(rater, event, kept) if last is None else last
            if not last and _redescribed(rater, event, meter, plans):
                return False
    return True


def _awaiting(rater: Rater, event: Event) -> bool:
    """Whether the rater knows ``event``'s resource by samples alone at its instant. O(k)."""
    awaiting = rater._engine.awaiting
    key = (event.account, event.resource)
    return awaiting is not None and awaiting.awaits(key, event.at_us)


def _last(rater: Rater, event: Event, kept: tuple[int, bool, int]) -> bool:
    """Whether ``event`` applies after every kept record of its resource.

    Stamped after each, none sequenced, and not too late; no kept inventory lists the
    resource with attributes. ``kept``: `_rater_priced_order.kept_instants()` of its
    resource. O(1).
    """
    if event.at_us < rater._base_us or event.seq is not None:
        return False
    if rater._inventories and _listed(rater).get((event.account, event.resource), ((),))[0]:
        return False  # (a listing with attributes gives its values; one without, none)
    latest, sequenced, _ = kept
    return latest < event.at_us and not sequenced


def _redescribed(rater: Rater, event: Event, meter: str, plans: list[Plan]) -> bool:
    """Whether a kept record applied after ``event`` may merge into what it describes.

    An event's attributes that settle decide the description they make, not those that
    later events merge into it: a kept update naming one attribute, after a late event,
    keeps the late event's others. So an event not `_last()` is judged alone only when
    every kept event of its resource that may apply after it (stamped at or after it,
    or either of them sequenced) sets attributes that settle and are covered too, as
    does each kept inventory's listing of the resource that gives attributes (a listing
    takes the values it gives; one without attributes, of a resource known, none), and
    it is not too late (placed among the compacted events). O(k) for its resource's k kept
    records.
    """
    key = (event.account, event.resource)
    if event.at_us < rater._base_us:
        return True
    listed = _listed(rater).get(key) if rater._inventories else None
    if listed is not None and not all(
        _verdicts.judged(rater, p, meter, given, False) for given in listed[0] for p in plans
    ):
        return True
    at_us = event.at_us
    anywhere = event.seq is not None or _order.kept_instants(rater, key)[1]
    return any(
        type(other) is Event
        and other.attributes
        and (anywhere or other.at_us >= at_us)
        and not all(_verdicts.judged(rater, p, meter, other.attributes, False) for p in plans)
        for other in rater._by_key.get(key, ())
    )


#: Per account of a batch, its earliest record not judged priced without metering.
Suspects = dict[str, "Record"]

#: A batch refused once taken: the account whose usage it leaves without a price, that
#: account's earliest suspect record, and rating's refusal.
Refusal = tuple[str, "Record", "UnpricedUsageError | BadPriceError"]


def suspects(rater: Rater, batch: Sequence[Record]) -> Suspects:
    """The accounts whose usage the batch may leave without a price, before it is taken.

    Per account, its earliest new record that `_quick()` cannot judge. Empty, at O(n)
    for n records, when every record is judged; see the module.
    """
    engine = rater._engine
    strict = engine.strict
    if not strict:
        return {}
    order = _order.order(rater, batch)
    latest_us = order.latest_us
    looked = [
        r for r in batch if type(r) is not Sample or r.meter in strict or r.at_us <= latest_us
    ]
    if not looked:
        return {}
    sampled = {(r.account, r.resource, r.meter) for r in looked if type(r) is Sample}
    held = _Batch(sampled, {}, order, {})
    if any(type(r) is not Event or not r.attributes for r in looked):  # (see _described)
        for record in looked:
            if type(record) is Event and (record.attributes or record.kind == "delete"):
                key = (record.account, record.resource)
                held.described.setdefault(key, []).append(record)
    new = [r for r in looked if not _quick(rater, held, r) and _sample_doors.is_new(rater, r)]
    found: Suspects = {}
    for record in sorted(new, key=lambda r: r.at_us):
        for account in sorted(_concerned(rater, record, order.firsts)):
            found.setdefault(account, record)
    return found


def _concerned(rater: Rater, record: Record, batch: Iterable[tuple[str, str]] = ()) -> set[str]:
    """The accounts whose usage ``record`` may change: an inventory's, those it may close too.

    An inventory closes the resources in its scope that it does not list: of its
    ``accounts``, or of every account the rater keeps records or compacted states of, or
    that ``batch`` (the resources of the batch's events and samples) names. O(r) for an
    inventory, r the resources the rater keeps and the batch names.
    """
    accounts = _sample_doors.accounts_of(record)
    if type(record) is Inventory:
        known = {account for account, _ in rater._by_key}
        known.update(state.account for state in rater._state)
        known.update(account for account, _ in batch)
        scope = record.accounts
        accounts |= known if scope is None else known & set(scope)
    return accounts


def refusal(rater: Rater, found: Suspects, excused: set[str]) -> Refusal | None:
    """The first suspect account, by name, whose usage rating now fails to price, or None.

    Called with what `suspects()` found before the batch was taken, once it is: the kept
    records and compacted states are then what every later statement meters (a record
    too late is placed as far as it can be). Each account is metered once, but those
    ``excused``. The feed then puts the batch back and asks `refuse()`.
    """
    for account, record in sorted(found.items()):
        if account in excused:
            continue
        refused = _kept.unpriced(rater, account)
        if refused is not None:
            return account, record, refused
    return None


def refuse(rater: Rater, found: Refusal) -> None:
    """Refuse the batch `refusal()` found, now put back, unless its account was unpriced already.

    Raises [`UnpricedUsageError`][ratekit.UnpricedUsageError] naming the account, its
    record and rating's own words (the meter, the resource, the span, the quantity, the
    plan and the description), or [`BadPriceError`][ratekit.BadPriceError] so when
    pricing it cannot choose an entry (two of one priority both apply, or a selector's
    function raised). Returns when the account's kept usage is unpriced without the
    batch too (as an earlier version's snapshot may hold): that is left to the
    statements, and the feed takes the batch again without judging the account. So an
    account is metered a second time only when the batch is refused.
    """
    account, record, refused = found
    if _kept.unpriced(rater, account) is not None:
        return
    kind = f" ({record.kind})" if type(record) is Event and record.id is not None else ""
    raise about(
        record,
        type(refused)(
            f"Rater.feed: {_range.labelled(record)}{kind} stamped {format_us(record.at_us)} "
            f"would make every statement fail to price the usage of account {show(account)}: "
            f"{refused} The batch is refused whole (a record once taken stays, and a "
            "rater's plans are fixed); fix or drop the record and feed the batch again."
        ),
    )
