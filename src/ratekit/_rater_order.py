"""The order the rater judges a fed batch in, and its ids given back in the order listed.

Private to [`ratekit.Rater`][ratekit.Rater]. Its feed judges a batch's records in one
total order of their own (`judged()`, refining `ratekit._versions.judged`), which depends
on the records alone, so that the order they are listed in changes nothing it does or
says: events stamped before the kept cycles are placed in the compacted state by instant
(each after the ones before it), and records that tie otherwise go by content. What it
says of each record comes back in the order listed (`as_listed()`).
"""

from __future__ import annotations

import operator
import typing
from collections.abc import Callable
from typing import Final

from ._normalize import _RANK
from ._versions import content as _versions_content
from ._versions import judged as _judged
from ._versions import standing as _standing
from ._versions import written as _written
from .records import Event, Sample

if typing.TYPE_CHECKING:
    from .rater import Record

__all__ = ["as_listed", "judged", "named"]

_AT: Final = operator.attrgetter("at_us")


def judged(batch: list[Record], base_us: int) -> list[Record]:
    """The batch in the order its records are judged: one total order. O(n log n).

    ``batch`` itself when it is in that order already. The order depends on the records
    alone, never on the order they are listed in: kind by kind (`_judged()`: events,
    samples, inventories), each kind by its key (`_key()`), and records whose keys tie by
    the digest of their content, then as written (`_tied()`): of replays equal to one
    another, the one least as written is judged first and kept. Of two versions of
    one id (other content), the one `_versions.standing()` picks (as `meter()` picks it)
    is judged first, and stands; the others right after it. O(n), without a call per
    record, for a batch of events and samples in time order with no instant shared and
    no ``seq`` given.
    """
    events: list[Record] = [record for record in batch if type(record) is Event]
    samples: list[Record] = [record for record in batch if type(record) is Sample]
    others: list[Record] = (
        [r for r in batch if type(r) is not Event and type(r) is not Sample]
        if len(events) + len(samples) < len(batch)
        else []
    )
    ids = [record.id for record in batch if record.id is not None]
    versions = _versions(batch) if len(set(ids)) < len(ids) else {}
    for kind in (events, samples, others):
        stamps = [record.at_us for record in kind]
        by_instant = not versions and (
            kind is not events
            or [e.seq for e in typing.cast("list[Event]", kind)].count(None) == len(kind)
        )
        if by_instant and all(map(operator.lt, stamps, stamps[1:])):
            continue  # in time order, no two at one instant: in order already (see below)
        if by_instant and len(set(stamps)) == len(stamps):
            # No two share an instant: the instant alone orders them (for events without
            # a seq, the too-late ones, stamped before the kept cycles, come first anyway).
            kind.sort(key=_AT)
        else:
            _sort(kind, _key(base_us, versions))
    ordered: list[Record] = [*events, *samples, *others]
    return batch if all(map(operator.is_, ordered, batch)) else ordered


def _own_key(record: Record, base_us: int) -> tuple[object, ...]:
    """Where a record goes among the records of its kind (ties: `_sort()`). O(1).

    Events stamped before the kept cycles first, in the order metering applies them (by
    instant: each is placed in the compacted state after those before it, `ratekit.
    _rater_late_events`); then the others, those with a ``seq`` from the greatest (each
    then sees every kept event it is ordered before), then by instant. Samples as metering
    orders readings (`ratekit._versions.judged()`). Inventories by instant. Then by kind
    of event, id, account, resource (meter).
    """
    if type(record) is Event:
        seq = record.seq
        rank = _RANK[record.kind]
        if record.at_us < base_us:
            return (0, record.at_us, seq is not None, seq or 0, rank, record.id or "",
                    record.account, record.resource)  # fmt: skip
        return (1, 0 if seq is None else -seq, record.at_us, rank, record.id or "",
                record.account, record.resource)  # fmt: skip
    if type(record) is Sample:
        return (*_judged(record), record.account, record.resource, record.meter)
    return (record.at_us, record.id or "")


def _key(
    base_us: int, versions: dict[tuple[str, str], Record]
) -> Callable[[Record], tuple[object, ...]]:
    """The sort key of a kind's records: `_own_key()`, versions of one id together.

    A record whose identity has versions in the batch sorts at the standing version's
    place: that one first (``0``), the others after it (``1``, then by content).
    """

    def key(record: Record) -> tuple[object, ...]:
        if versions and record.id is not None:
            standing = versions.get((type(record).__name__, record.id))
            if standing is not None:
                return (*_own_key(standing, base_us), 0 if record == standing else 1)
        return _own_key(record, base_us)

    return key


def _tied(record: Record) -> tuple[str, str]:
    """Where a record goes among those whose keys tie: by content, then as written.

    Records whose content has one digest are equal (a replay of one another): the one
    least as written (`ratekit._versions.written()`) is judged first and kept, as
    `meter()` keeps it, so what a row shows of it is not the order listed. O(size).
    """
    return (_versions_content(record), _written(record))


def _sort(records: list[Record], key: Callable[[Record], tuple[object, ...]]) -> None:
    """Sort ``records`` by ``key``, each run whose keys tie by `_tied()`. In place.

    O(n log n), a key per record, and the digests of the tied records only.
    """
    keys = list(map(key, records))
    order = sorted(range(len(records)), key=keys.__getitem__)
    ranked = [records[i] for i in order]
    keys = [keys[i] for i in order]
    start = 0
    for i in range(1, len(ranked) + 1):
        if i == len(ranked) or keys[i] != keys[start]:
            if i - start > 1:
                ranked[start:i] = sorted(ranked[start:i], key=_tied)
            start = i
    records[:] = ranked


def _versions(batch: list[Record]) -> dict[tuple[str, str], Record]:
    """Per identity (kind, id) that two records of the batch hold, the version that stands.

    The least by `ratekit._versions.standing()`, as `meter()` keeps it. O(n).
    """
    first: dict[tuple[str, str], Record] = {}
    held: dict[tuple[str, str], list[Record]] = {}
    for record in batch:
        if record.id is not None:
            identity = (type(record).__name__, record.id)
            if first.setdefault(identity, record) is not record and record != first[identity]:
                held.setdefault(identity, [first[identity]]).append(record)
    return {identity: min(some, key=_standing) for identity, some in held.items()}


def named(told: list[str | None]) -> list[str]:
    """The ids among ``told`` (a record's id, or None for one without), in order. O(n)."""
    if None not in told:
        return typing.cast("list[str]", told)
    return [record_id for record_id in told if record_id is not None]


def as_listed(ids: list[str], batch: list[Record]) -> tuple[str, ...]:
    """``ids`` in the order the batch lists their records (the first one of each id). O(n).

    Ids each given once are picked from the batch's ids in the order listed, without a
    call per record (each record's own, when they are all the batch's: one id per record,
    each once); an id given more than once comes as many times, at its first place.
    """
    if len(ids) < 2:
        return tuple(ids)
    wanted = set(ids)
    if len(wanted) == len(ids) == len(batch):  # every record's id, each once
        return typing.cast("tuple[str, ...]", tuple([record.id for record in batch]))
    firsts = dict.fromkeys([record.id for record in batch])  # each id once, at its first place
    if len(wanted) == len(ids):
        return tuple([record_id for record_id in firsts if record_id in wanted])
    position = {record_id: place for place, record_id in enumerate(firsts)}
    return tuple(sorted(ids, key=position.__getitem__))
