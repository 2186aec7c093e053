"""The order the rater judges a fed batch in, and its ids given back in the order listed.

Private to [`ratekit.Rater`][ratekit.Rater]. Its feed judges a batch's records in an
order of their own (`judged()`, by `ratekit._versions.judged`), so that the order they
are listed in changes nothing it does; what it says of each record comes back in the
order listed (`as_listed()`).
"""

from __future__ import annotations

import operator
import typing
from collections.abc import Callable
from typing import Final

from ._versions import content as _versions_content
from ._versions import judged as _judged
from .records import Event, Sample

if typing.TYPE_CHECKING:
    from .rater import Record

__all__ = ["as_listed", "judged", "named"]

_ID: Final = operator.attrgetter("id")
_AT: Final = operator.attrgetter("at_us")
_SEQ: Final = operator.attrgetter("seq")


def judged(batch: list[Record]) -> list[Record]:
    """The batch in the order its records are judged (see `_judged()`). O(n log n).

    ``batch`` itself when it is in that order already. Of two versions of one id (other
    content) that sort alike, the one whose content comes first in a fixed order (its
    digest) is judged first, and stands: the same whatever the order they are listed in.
    A stable sort of the batch by `_judged()` (then the digest, for an id listed twice),
    done kind by kind: the events (in the order listed while none has a ``seq``), the
    samples (by their instant alone while no two share one: `_judged()` orders by it
    first), then the inventories. O(n) at C speed for a batch of such events and samples
    in time order.
    """
    events = [record for record in batch if type(record) is Event]
    samples = [record for record in batch if type(record) is Sample]
    others: list[Record] = (
        [r for r in batch if type(r) is not Event and type(r) is not Sample]
        if len(events) + len(samples) < len(batch)
        else []
    )
    ids = [record_id for record_id in map(_ID, batch) if record_id is not None]
    versions = _versions(batch) if len(set(ids)) < len(ids) else set()
    if versions or list(map(_SEQ, events)).count(None) < len(events):
        events.sort(key=_with_content(_judged, versions))
    stamps = list(map(_AT, samples))
    if versions or len(set(stamps)) < len(stamps):
        samples.sort(key=_with_content(_judged, versions))
    else:
        samples.sort(key=_AT)
    if versions:
        others.sort(key=_with_content(_judged, versions))
    ordered: list[Record] = [*events, *samples, *others]
    return batch if all(map(operator.is_, ordered, batch)) else ordered


def _versions(batch: list[Record]) -> set[tuple[str, str]]:
    """The identities (kind, id) that two records of the batch hold (not one listed twice). O(n)."""
    first: dict[tuple[str, str], Record] = {}
    versions: set[tuple[str, str]] = set()
    for record in batch:
        if record.id is not None:
            identity = (type(record).__name__, record.id)
            if first.setdefault(identity, record) is not record:
                versions.add(identity)
    return versions


def _with_content(
    key: Callable[[Record], tuple[object, ...]], versions: set[tuple[str, str]]
) -> Callable[[Record], tuple[object, ...]]:
    """``key``, and for a record whose identity is in ``versions``, its content's digest."""
    if not versions:
        return key

    def extended(record: Record) -> tuple[object, ...]:
        found = key(record)
        if record.id is not None and (type(record).__name__, record.id) in versions:
            return (*found, _versions_content(record))
        return found

    return extended


def named(told: list[str | None]) -> list[str]:
    """The ids among ``told`` (a record's id, or None for one without), in order. O(n)."""
    if None not in told:
        return typing.cast("list[str]", told)
    return [record_id for record_id in told if record_id is not None]


def as_listed(ids: list[str], batch: list[Record]) -> tuple[str, ...]:
    """``ids`` in the order the batch lists their records (the first one of each id). O(n)."""
    if len(ids) < 2:
        return tuple(ids)
    listed = list(map(_ID, batch))
    # Each id's first place: the last one written, walking the batch backwards.
    position = dict(zip(reversed(listed), range(len(listed) - 1, -1, -1), strict=True))
    return tuple(sorted(ids, key=position.__getitem__))
