"""What a statement says of anomalies: each once, and none about an unsettled instant.

Private to [`ratekit.Rater`][ratekit.Rater]. A stream says each anomaly once (`said()`
tells one from another), across compaction and restore; an anomaly about a record
stamped at the watermark itself waits until that instant is settled (`unsettled()`).
What a later record changes is a correction to charges: an anomaly said stays said, but
for an inventory's closing that a record fed since moves, said again at its new instant
naming that record, which no line may name (`_said_again()`). An
``"unpriced"`` anomaly is said once while its figure stands, and again with a note when
its figure changes, not as its span runs on to the watermark (`ratekit._rater_unpriced`).
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterable, Mapping
from typing import Final

import attrs

from . import _lateness
from . import _rater_parts as _parts
from . import _rater_unpriced as _unpriced
from ._event_order import _event_order
from ._last_seen import closing_us
from ._normalize import label
from .records import Anomaly, Event, Inventory, Record

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["Place", "Said", "fresh", "named", "said", "unsettled"]


def _order(anomaly: Anomaly) -> tuple[str, str, tuple[str, ...]]:
    return (anomaly.kind, anomaly.message, anomaly.record_ids)


def fresh(
    rater: Rater,
    found: Iterable[Anomaly],
    as_of_us: int,
    again: set[tuple[str, str]] | None,
    order: typing.Callable[[Anomaly], typing.Any] = _order,
    *,
    shown: typing.Callable[[], set[str]] | None = None,
) -> tuple[Anomaly, ...]:
    """The anomalies of ``found`` not said before, but those about an unsettled instant.

    In ``order`` (by default by kind, message and record ids); one of each that `said()`
    tells apart, but for rating's ``"unpriced"`` pieces (said again only with another
    figure, `ratekit._rater_unpriced`) and a ``"late"`` change with a quantity: metering gives one per
    meter, cycle *and description* (a time meter's per stretch too), so those of one
    statement are told apart by their instant and description too (`_part()`: the part of an event ordered by its ``seq``
    before compacted events, in each compacted cycle it reaches). Such a part said
    before the last compaction is not said again; since, it is said as what it comes to
    now less what was named of it (`ratekit._rater_parts`), ``again`` being the
    resources metered again from the compacted state (None: all). ``shown``: the ids the
    statement's charges and lines name (asked only of a closing that moved,
    `_said_again()`). O(a log a).
    """
    containing = rater._engine.containing
    found = list(dict.fromkeys(found))
    parts = [a for a in found if _parts.key(a, containing) is not None]
    chosen = set(parts)
    before = (*rater._anomalies, *rater._anomalies_before)
    figured, found = _unpriced.unsaid(found, before, as_of_us)
    out = _unsaid(
        rater, [a for a in found if a not in chosen] if parts else found, before, order, shown=shown
    )
    if figured:
        out = sorted([*out, *figured], key=order)
    earlier = rater._anomalies_before - rater._anomalies if parts else set()
    present = (typing.cast(_parts.Part, _parts.key(a, containing)) for a in parts)
    unsaid = _unsaid(rater, parts, earlier, order, containing) if parts else []
    named = _parts.named(rater, unsaid, present, again, as_of_us)
    if named:
        out = sorted([*out, *named], key=order)
    waiting = unsettled(rater, out, as_of_us) if out else set()
    return tuple(a for a in out if a not in waiting)


def _unsaid(
    rater: Rater,
    found: Iterable[Anomaly],
    before: Iterable[Anomaly],
    order: typing.Callable[[Anomaly], typing.Any],
    containing: typing.Callable[[int], tuple[int, int]] | None = None,
    *,
    shown: typing.Callable[[], set[str]] | None = None,
) -> list[Anomaly]:
    """The anomalies of ``found`` that those of ``before`` did not say, in ``order``. O(a log a).

    With ``containing`` (the cycle of an instant), ``found`` are parts (`_rater_parts`):
    one is said before when a part of the same meter, cycle and description was, not
    any ``"late"`` change its first record names (that record's change in another
    compacted cycle is another part).
    """
    before = tuple(before)
    told: set[tuple[Said, _parts.Part | None]] = set()
    if containing is not None:
        told = {(said(a), _parts.key(a, containing)) for a in before}
        before = tuple(a for a in before if _parts.key(a, containing) is None)
    known = {said(a) for a in before}
    closings = _closings(before)
    unsaid: dict[tuple[Said, int | None, str], Anomaly] = {}
    for anomaly in sorted(found, key=order):
        unsaid.setdefault((said(anomaly), *_part(anomaly)), anomaly)
    out = [
        a
        for (key, _, _), a in unsaid.items()
        if key not in known
        and _unplaced(key) not in known
        and (containing is None or (key, _parts.key(a, containing)) not in told)
    ]
    if shown is not None:
        out += _said_again(unsaid, closings, (*before, *out), shown, _late_movers(rater))
    late = _late_records(before)
    if late:
        out = [a for a in out if not _late_again(a, late)]
    # A sample whose feed said its part before the kept cycles too late, with its
    # quantity, is not said again by metering's words for that part: batch's
    # "before_span" ("rate that span", which a stream cannot) or a "late" change there.
    # (An event ordered by its seq before compacted events keeps the statement's
    # "late" changes, one per meter, description and cycle: its own anomaly gives no
    # quantity.) Nor is a last_seen inventory's closing back before the kept cycles,
    # whose part its "too_late" anomaly gives in hours: metered again from the kept
    # cycles' start (after a restore), it would read as a "late" change there. Told by
    # the message, which a snapshot keeps.
    # A sample without an id is told by its place and meter: its part said too late
    # there is what metering's "late" change without a record says of that meter there
    # (an applied part of another such sample is a false alarm, `_rater_refound.refound`).
    too_late: dict[str, set[Place]] = {}
    closers: dict[str, set[tuple[str | None, str | None, str | None]]] = {}
    idless: dict[tuple[str | None, str | None, str | None], int] = {}
    for a in (*rater._anomalies, *rater._anomalies_before):
        if a.kind != "too_late":
            continue
        if not a.record_ids:
            if a.message.startswith("sample") and (
                a.quantity is not None or _lateness.UNCOUNTED in a.message
            ):
                idless[a.account, a.resource, a.meter] = _NEVER
            elif _CLOSES_BACK.search(a.message) is not None:
                # An inventory without an id closing a resource back: of every meter,
                # from the closing (its ``at``) on.
                place = (a.account, a.resource, None)
                at_us = _NEVER if a.at_us is None else a.at_us
                idless[place] = min(idless.get(place, at_us), at_us)
        elif a.message.startswith("sample"):
            too_late.setdefault(a.record_ids[0], set()).add((a.account, a.resource))
        elif _CLOSES_BACK.search(a.message) is not None and _closes_back(rater, a):
            # Of the time meters it names (None: no meter measures the resource, any):
            # an event's change of another meter there is no repeat of its closing.
            closers.setdefault(a.record_ids[0], set()).add((a.account, a.resource, a.meter))
    if too_late or idless or closers:
        base_us = rater._base_us
        out = [a for a in out if not _repeats(a, (too_late, closers), idless, base_us)]
    return out


#: Per `said()` key of a ``"reconciled_close"`` said: the instants it closed at, and the
#: records it named.
_Closings: typing.TypeAlias = "dict[Said, tuple[set[int | None], set[str]]]"


def _closings(anomalies: Iterable[Anomaly]) -> _Closings:
    """The ``"reconciled_close"`` anomalies said, per `said()` key (see `_Closings`). O(a)."""
    out: _Closings = {}
    for anomaly in anomalies:
        if anomaly.kind == "reconciled_close":
            instants, names = out.setdefault(said(anomaly), (set(), set()))
            instants.add(anomaly.at_us)
            names.update(anomaly.record_ids)
    return out


def _closing_moved(
    anomaly: Anomaly, key: Said, closings: _Closings, movers: _Movers | None = None
) -> bool:
    """Whether ``anomaly`` is a closing said before that now closes elsewhere, for a new record.

    A record fed since may move where an inventory closes a resource (a STOP, an update or
    a listing at the resource's new last sign of life): the closing said names the
    records it was measured against then, and the one that moved it may be named by no
    line (a STOP whose piece the closing replaces). So the closing is said again, at its
    new instant, naming it, as batch `rate()` names it: when it closes at an instant
    none of those said gave and names a record none of them named (and no other
    anomaly names, `_said_again()`), or a record fed late there moved it (``movers``).
    O(r) for its r records.
    """
    if anomaly.kind != "reconciled_close":
        return False
    before = closings.get(key) or closings.get(_unplaced(key))
    if before is None:
        return False
    instants, names = before
    if anomaly.at_us in instants:
        return False
    return not names.issuperset(anomaly.record_ids) or bool(movers and movers(anomaly))


#: The ids of the records fed late that a moved closing's new instant is (`_late_movers()`).
_Movers: typing.TypeAlias = "typing.Callable[[Anomaly], list[str]]"


def _late_movers(rater: Rater) -> _Movers:
    """The late records at a moved closing's instant, of its resource, that no line named.

    A record fed once its cycle closed (kept) that is a resource's new last sign of life
    moves a ``last_seen`` closing there, yet its own change may be none (a zero delta,
    whose row's total stays): no correction line names it, and a closing names the
    records of its pieces, not a sample. Such a record is named by the closing said
    again. Those late since the last closing (``_late_keys``) but named by a line given
    since they came (``_late_seen``). O(l) once, for l such records; O(1) per closing.
    """
    index: dict[tuple[str, str, int], list[str]] | None = None

    def movers(anomaly: Anomaly) -> list[str]:
        nonlocal index
        if index is None:
            index = {}
            records, seen = rater._records, rater._late_seen
            for identity in rater._late_keys:
                record = records.get(identity)
                if record is None or record.id is None or record.id in seen:
                    continue
                if isinstance(record, Inventory):
                    continue
                place = (record.account, record.resource, record.at_us)
                index.setdefault(place, []).append(record.id)
        if anomaly.account is None or anomaly.resource is None or anomaly.at_us is None:
            return []
        return sorted(index.get((anomaly.account, anomaly.resource, anomaly.at_us), ()))

    return movers


def _said_again(
    found: Mapping[tuple[Said, int | None, str], Anomaly],
    closings: _Closings,
    others: Iterable[Anomaly],
    shown: typing.Callable[[], set[str]],
    movers: _Movers,
) -> list[Anomaly]:
    """The closings of ``found`` said before that moved (`_closing_moved()`), to say again.

    Only for a record that no anomaly of ``others`` (said before, or now) names, nor a
    charge or line of the statement (``shown()``): a record that moved a closing and is
    named already (a STOP fed too late, whose ``"too_late"`` gives the move; a START
    that begins a piece) is accounted for. Said about that record: its id first among
    the closing's (the anomaly is another one than the closing said, about the
    inventory). A record fed late at the closing's new instant that no line named
    (``movers``: a zero delta) is named so too, first. O(a + r), and ``shown()`` once
    when a closing moved.
    """
    if not closings:
        return []
    moved = [a for (key, _, _), a in found.items() if _closing_moved(a, key, closings, movers)]
    if not moved:
        return []
    named = {record_id for anomaly in others for record_id in anomaly.record_ids}
    late = {a: [i for i in movers(a) if i not in named] for a in moved}
    moved = [a for a in moved if late[a] or not named.issuperset(a.record_ids)]
    if moved:
        named |= shown()
    out = []
    for anomaly in moved:
        new = [i for i in anomaly.record_ids if i not in named]
        new = [*late[anomaly], *(i for i in new if i not in late[anomaly])]
        if new:
            rest = [i for i in anomaly.record_ids if i not in new]
            out.append(attrs.evolve(anomaly, record_ids=(*new, *rest), at=anomaly.at))
    return out


def _late_records(anomalies: Iterable[Anomaly]) -> dict[tuple[object, ...], set[str]]:
    """The records of the ``"late"`` changes said, per place and names. O(a)."""
    out: dict[tuple[object, ...], set[str]] = {}
    for anomaly in anomalies:
        if anomaly.kind == "late" and anomaly.record_ids:
            key = said(anomaly)
            out.setdefault((key[2], key[3], key[4]), set()).update(anomaly.record_ids)
    return out


def _late_again(anomaly: Anomaly, late: dict[tuple[object, ...], set[str]]) -> bool:
    """Whether ``anomaly`` is a ``"late"`` change said before, named by fewer records.

    Metered again once some of its records are compacted away (a resource ordered by
    ``seq`` before compacted events, a rater restored), the same late change of a meter
    of a resource is named by those still kept: all of them named by a late change said
    of that meter and resource, it is that one (a late change with a record not named
    yet is new). O(r) for its r records.
    """
    if anomaly.kind != "late" or not anomaly.record_ids:
        return False
    key = said(anomaly)
    for place in ((key[2], key[3]), (None, None)):  # (None: restored from before places)
        named = late.get((*place, key[4]))
        if named is not None and named.issuperset(anomaly.record_ids):
            return True
    return False


#: How a last_seen inventory says its closing's part before the kept cycles stays billed
#: (`_lateness_closings.closes_back()`).
_CLOSES_BACK: Final = re.compile(r"^inventory .* \(close='last_seen'\) closes '")


def _closes_back(rater: Rater, anomaly: Anomaly) -> bool:
    """Whether the kept inventory of a closing said too late still closes before the kept cycles.

    A kept record may have moved that closing into the kept cycles since (a sign of life
    up to the inventory: its anomaly said the part "stays unbilled"): the inventory then
    closes nothing there, and a late change there that names it (an event whose ``seq``
    moves the resource's start, metered with the inventory) is no repeat of its part.
    True when the inventory is no longer kept (compacted: its closing is settled). O(i + k).
    """
    account, resource = anomaly.account, anomaly.resource
    state = (
        None
        if account is None or resource is None
        else rater._reach.states.get((account, resource))
    )
    inventory = next(
        (i for i in rater._inventories if type(i) is Inventory and i.id == anomaly.record_ids[0]),
        None,
    )
    if state is None or inventory is None:
        return True
    kept = rater._by_key.get((state.account, state.resource), ())
    return closing_us(state, kept, inventory.at_us, rater._base_us) is not None


#: An anomaly's place: its account and resource (None: any, as restored from a snapshot
#: written before anomalies had a place).
Place: typing.TypeAlias = tuple[str | None, str | None]


def _repeats(
    anomaly: Anomaly,
    refused: tuple[
        dict[str, set[Place]], dict[str, set[tuple[str | None, str | None, str | None]]]
    ],
    idless: dict[tuple[str | None, str | None, str | None], int],
    base_us: int,
) -> bool:
    """Whether ``anomaly`` repeats, for the compacted cycles, a ``"too_late"`` said. O(r).

    One of its records said it for its resource: not only the first of its
    ``record_ids``. Metered again from compacted state (after a restore), a late change
    there may also name a record kept after it (a DELETE that came after the closing,
    whose id sorts first): still the part the ``"too_late"`` gave. Without a record (of
    samples without an id), a sample without an id said too late for its account,
    resource and meter (in ``idless``) gave it, or an inventory without an id said too
    late for closing that resource back (of any meter: its closing ends them all), from
    its closing on (a change that begins before it, of an event whose ``seq`` moves the
    resource's start, is another). ``refused``: per record id, the places its
    ``"too_late"`` of a sample named, and the places and meters its closing back named
    (None: any): a closing names its time meters' parts, so a change of another meter
    there (an event's move of a first reading from zero's share) is no repeat of it.
    """
    if (
        anomaly.kind not in {"before_span", "late"}
        or anomaly.at_us is None
        or anomaly.at_us > base_us
    ):
        return False
    if not anomaly.record_ids:
        place = (anomaly.account, anomaly.resource)
        closing_us = idless.get((*place, None))
        return (*place, anomaly.meter) in idless or (
            closing_us is not None and anomaly.at_us >= closing_us
        )
    too_late, closers = refused
    if named(anomaly, too_late):
        return True
    return any(
        (*place, meter) in closers.get(record_id, ())
        for record_id in anomaly.record_ids
        for place in ((anomaly.account, anomaly.resource), (None, None))
        for meter in (anomaly.meter, None)
    )


#: Before any instant: where a part said too late without a closing instant begins.
_NEVER: Final = -(2**63)


#: What tells an anomaly said from another: kind, first record id, account, resource and
#: the names its message quotes.
Said: typing.TypeAlias = tuple[str, tuple[str, ...], str | None, str | None, tuple[str, ...]]


def _part(anomaly: Anomaly) -> tuple[int | None, str]:
    """The cycle and description of a ``"late"`` change with a quantity, else ``(None, "")``.

    Metering gives one per meter, cycle and description: those of one statement are all
    said, though `said()` tells them alike ({'mb': 128} and {'mb': 512} quote the same
    names); metered again after a compaction, the same change may read otherwise, and is
    said once. O(len).
    """
    if anomaly.kind != "late" or anomaly.quantity is None:
        return None, ""
    return anomaly.at_us, _parts.shown(anomaly)


def said(anomaly: Anomaly) -> Said:
    """What makes an anomaly the one said before: its kind, record, place and names.

    Its record is the first of its ``record_ids``, the one it is about (the others name
    what it is measured against); its place its ``account`` and ``resource``. The names
    are those its message quotes, for what the anomaly has no field for: the meters (a
    record's late change of one meter is not that of another), the values an inventory
    corrects, and the records without an id (what they are and their instant,
    `ratekit._normalize.label`). Its instant (``at``) and the instants and quantities of
    its message, and the record it is measured against, may read otherwise when a
    resource is metered again from compacted state: it is still the same anomaly, said
    once. An ``"unpriced"`` anomaly is told by its whole message here (`fresh()` tells
    rating's by their piece and figure first, `ratekit._rater_unpriced`): one whose words
    are cut for their length is said again as they change. A ``"negative_total"`` is about a
    group's total in a cycle, not a record: its cycle (its ``at``) stands for the record,
    since the corrections it names change as records come and as the cycle closes.
    One about an inventory without an id is told by that inventory's label among the
    names, not by the record it was measured against (the first of its ``record_ids``).
    O(len).

    Examples:
        >>> import ratekit as rk
        >>> said(rk.Anomaly("after_delete", "event 's' of 'r0' after its delete.", ("s", "d"),
        ...                 account="a", resource="r0", at="2026-03-01T00:00:00Z"))
        ('after_delete', ('s',), 'a', 'r0', ("'s'", "'r0'"))
    """
    names = tuple(_NAMES.findall(anomaly.message))
    if anomaly.kind == "unpriced":
        # Usage with no price whose words `_rater_unpriced` cannot read (cut for their
        # length): told by its whole message.
        names = (*names, anomaly.message)
        return (anomaly.kind, anomaly.record_ids[:1], anomaly.account, anomaly.resource, names)
    if anomaly.kind == "negative_total":
        # About a group's total in a cycle (its start is ``at``), whatever records make
        # it up: the corrections it names change as records come, or as the cycle closes
        return (anomaly.kind, (), anomaly.account, anomaly.resource, (*names, str(anomaly.at_us)))
    if anomaly.message.startswith(_IDLESS_INVENTORY):
        # About an inventory without an id, named by its instant (among the names): its
        # record ids are those of what it was measured against, which metering the
        # resource again after a late record may find otherwise (a STOP without an id).
        return (anomaly.kind, (), anomaly.account, anomaly.resource, names)
    return (anomaly.kind, anomaly.record_ids[:1], anomaly.account, anomaly.resource, names)


def remembered(
    said_before: Iterable[Anomaly],
    said_now: Iterable[Anomaly],
    kept: Iterable[Record],
    base_us: int,
) -> set[Anomaly]:
    """The anomalies a compaction keeps known, so that none is said again.

    Those said since the last compaction (one compaction longer in any case: a too-late
    part is told from an applied one), and the older ones that metering or rating may
    find again: about a record still kept (named by its id among the anomaly's
    ``record_ids``, or, without an id, by its label in the message: ``(start of 'r2' at
    <instant>, no id)``), or at an instant of the kept cycles, from ``base_us`` on (a
    ``"negative_total"`` of a kept cycle, whose records may have no id). O(a + k) for a
    anomalies and k kept records.
    """
    ids: set[str] = set()
    labels: set[str] = set()
    for record in kept:
        if record.id is not None:
            ids.add(record.id)
        elif type(record) is not Inventory:
            text = label(record)
            labels.add(text[text.index("(") :])
        else:
            labels.add(label(record))
    out = set(said_now)
    for anomaly in said_before:
        at_us = anomaly.at_us
        if (
            (at_us is not None and at_us >= base_us)
            or not ids.isdisjoint(anomaly.record_ids)
            or (labels and not labels.isdisjoint(_NAMES.findall(anomaly.message)))
        ):
            out.add(anomaly)
    return out


def _unplaced(key: Said) -> Said:
    """``key`` without its place (account and resource).

    That of an anomaly restored from a snapshot written before anomalies had a place:
    said then all the same.
    """
    return (key[0], key[1], None, None, key[4])


#: How an anomaly about an inventory without an id begins (`_normalize.label`).
_IDLESS_INVENTORY: Final = "inventory at "

# A quoted name, or a record without an id: "(start of 'vm' at <instant>, no id)",
# "inventory at <instant>".
_NAMES: Final = re.compile(r"\([^()]*, no id\)|inventory at \S+|'[^']*'")


def unsettled(rater: Rater, anomalies: Iterable[Anomaly], as_of_us: int) -> set[Anomaly]:
    """The anomalies about a record stamped at the watermark itself: not said yet.

    Metering reads a delta over a span that ends at ``as_of_us`` (its span lies before
    it), but not an event or inventory stamped there, which metering orders before it
    at that instant: one fed later (a START, an inventory that opens the resource again)
    may take the anomaly away, as batch rating of every record says. So it is said once
    that instant is settled, by the first statement past it: its resource is metered
    again then (and after a restore every resource is). A ``"negative_total"`` is said at
    once: it is about a group's total in a cycle at this watermark, not about its first
    record, and a correction whose span ends at the watermark is metered. So waits an
    anomaly about an event that batch orders after one stamped at or after the
    watermark, by ``seq`` (`_after_unmetered()`): metering leaves that one out, batch
    does not. O(a + k log k) for the k events kept of the resources of anomalies about
    events stamped before the watermark.
    """
    out: set[Anomaly] = set()
    behind: dict[tuple[str, str], set[int]] = {}  # per resource, `_after_unmetered()`
    for anomaly in anomalies:
        if not anomaly.record_ids or anomaly.kind == "negative_total":
            # Records fed later that change the total are metered at a later watermark,
            # where `said()` knows the same cycle's total as said.
            continue
        record_id = anomaly.record_ids[0]
        kind = rater._holders.get(record_id)
        record = rater._records.get((kind, record_id)) if isinstance(kind, str) else None
        if record is None or type(record) is Inventory:
            continue
        if record.at_us != as_of_us:
            if type(record) is not Event:
                continue
            key = (record.account, record.resource)
            if key not in behind:
                behind[key] = _after_unmetered(rater, key, as_of_us)
            if id(record) not in behind[key]:
                continue
        out.add(anomaly)
        if rater._redo is not None:
            rater._redo.add((record.account, record.resource))
    return out


def _after_unmetered(rater: Rater, key: tuple[str, str], as_of_us: int) -> set[int]:
    """The kept events of resource ``key`` that batch orders after one not metered yet.

    Metering as of ``as_of_us`` leaves out an event stamped at or after it, but one
    ordered by its ``seq`` before events stamped earlier is placed before them in batch
    (`ratekit._event_order`): an anomaly about those (a STOP stamped 04:50 with ``seq`` 4,
    a second STOP to metering as of 05:00, follows a START of 05:00 with ``seq`` 3 in
    batch) waits for that instant. An event stamped after every metered one changes
    nothing in their order, so the events metered are batch's first ones unless such an
    event comes before one of them. By identity. O(k log k) for the k events kept of the
    resource.
    """
    events = [r for r in rater._by_key.get(key, ()) if type(r) is Event]
    if all(event.at_us < as_of_us for event in events):
        return set()
    _event_order(events)
    after: set[int] = set()
    ahead = False
    for event in events:
        if event.at_us >= as_of_us:
            ahead = True
        elif ahead:
            after.add(id(event))
    return after


def named(anomaly: Anomaly, places: dict[str, set[Place]]) -> bool:
    """Whether a record of ``anomaly`` was named, for its place, in ``places``. O(r).

    ``places``: per record id, the places (account, resource; None: any) a
    ``"too_late"`` anomaly named it for.
    """
    for record_id in anomaly.record_ids:
        for account, resource in places.get(record_id, ()):
            if (account is None or account == anomaly.account) and (
                resource is None or resource == anomaly.resource
            ):
                return True
    return False
