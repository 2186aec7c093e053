"""Why a record of a metering call is in none of its results: ``Usage.no_effect``.

Private to [`meter()`][ratekit.meter]. Each record id that no usage row, late row or
anomaly names gets one reason (the vocabulary is in ``docs/usage.md``): not known yet at
``as_of``, replaced by a later version, an inventory that only confirmed, before the span,
an event that changed nothing (or with no time meter to change), a counter's baseline, a
sample that changed nothing. Worked out on first use, not by every call.
"""

from __future__ import annotations

import itertools
import operator
import typing
from collections.abc import Sequence
from typing import Final

from .records import Anomaly, Event, Inventory, Sample
from .usage import UsageRow

__all__ = ["no_effect"]

_RECORD_ID: Final = operator.attrgetter("id")
_ROW_IDS: Final = operator.attrgetter("record_ids")


def no_effect(  # noqa: PLR0917 - private plumbing of plain values
    records: Sequence[Event | Sample | Inventory],
    results: Sequence[UsageRow | Anomaly],
    replaced: set[str],
    timed: bool,
    start_us: int,
    as_of_us: int,
) -> tuple[tuple[str, str], ...]:
    """Each record id in none of ``results``, with the reason (see docs/usage.md).

    An id of several records (one known by ``as_of``, another stamped after it, which is
    not compared with it) gets the reason of the first known by ``as_of``, whatever the
    order they came in. The ids are gathered at C speed; only the records left over are
    looked at. O(n).
    """
    ids = list(map(_RECORD_ID, records))
    missing = set(ids)
    missing.discard(None)
    if not missing:
        return ()
    missing.difference_update(itertools.chain.from_iterable(map(_ROW_IDS, results)))
    if not missing:
        return ()
    found: dict[str, str] = {}
    for record in itertools.compress(records, map(missing.__contains__, ids)):
        record_id = typing.cast(str, record.id)
        if found.get(record_id, "not_yet") != "not_yet":
            continue  # a record known by as_of speaks for its id (another is "not_yet")
        at_us = record.at_us
        if at_us > as_of_us or (
            at_us == as_of_us and not (isinstance(record, Sample) and record.since_us is not None)
        ):
            reason = "not_yet"
        elif record_id in replaced:
            reason = "replaced"
        elif isinstance(record, Inventory):
            reason = "confirmed"
        elif at_us < start_us:
            reason = "before_span"
        elif isinstance(record, Event):
            reason = "no_change" if timed else "no_time_meter"
        elif record.kind == "counter":
            reason = "baseline"
        else:
            reason = "no_change"
        if record_id not in found or reason != "not_yet":
            found[record_id] = reason
    return tuple(sorted(found.items()))
