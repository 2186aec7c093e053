"""Why a record of a metering call is in none of its results: ``Usage.no_effect``.

Private to [`meter()`][ratekit.meter]. Each record id that no usage row, late row or
anomaly names gets one reason (the vocabulary is in ``docs/usage.md``): not known yet at
``as_of``, replaced by a later version, an inventory that only confirmed, before the span,
an event that changed nothing (or with no time meter to change), a counter's baseline, a
reading left to the next span, a sample that changed nothing. Worked out on first use,
not by every call.
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
    results: Sequence[Sequence[UsageRow | Anomaly]],
    replaced: set[str],
    timed: bool,
    start_us: int,
    as_of_us: int,
    end_us: int | None = None,
) -> tuple[tuple[str, str], ...]:
    """Each record id in none of ``results``, with the reason (see docs/usage.md).

    ``results``: the call's results in their parts (its rows, late rows and anomalies),
    read where they are: a usage that keeps this call for later holds no copy of them.

    ``end_us``: the span's end; a sample stamped from it on (known by ``as_of``) that
    no result names is a reading of an aggregation left to the next span. An id of
    several records (one known by ``as_of``, another stamped after it, which is
    not compared with it) gets the reason of the first known by ``as_of``, whatever the
    order they came in. The ids are gathered at C speed; only the records left over are
    looked at. O(n).
    """
    ids = list(map(_RECORD_ID, records))
    missing = set(ids)
    missing.discard(None)
    if not missing:
        return ()
    missing.difference_update(
        itertools.chain.from_iterable(map(_ROW_IDS, itertools.chain.from_iterable(results)))
    )
    if not missing:
        return ()
    found: dict[str, str] = {}
    for record in itertools.compress(records, map(missing.__contains__, ids)):
        record_id = typing.cast(str, record.id)
        if found.get(record_id, "not_yet") != "not_yet":
            continue  # a record known by as_of speaks for its id (another is "not_yet")
        reason = _reason(record, replaced, timed, (start_us, as_of_us, end_us))
        if record_id not in found or reason != "not_yet":
            found[record_id] = reason
    return tuple(sorted(found.items()))


def _reason(  # noqa: PLR0911 - one reason per case, in the order they are judged
    record: Event | Sample | Inventory,
    replaced: set[str],
    timed: bool,
    bounds: tuple[int, int, int | None],
) -> str:
    """Why ``record``, in no result of its call, changed nothing. O(1).

    ``bounds``: the span's start, ``as_of`` and the span's end (None: not known).
    """
    start_us, as_of_us, end_us = bounds
    at_us = record.at_us
    if at_us > as_of_us or (
        at_us == as_of_us and not (isinstance(record, Sample) and record.since_us is not None)
    ):
        return "not_yet"
    if record.id in replaced:
        return "replaced"
    if isinstance(record, Inventory):
        return "confirmed"
    if at_us < start_us:
        return "before_span"
    if isinstance(record, Event):
        return "no_change" if timed else "no_time_meter"
    if record.kind == "counter":
        return "baseline"
    if end_us is not None and at_us >= end_us:
        # A reading of an aggregation after the span (metered as of a later instant): the
        # next span's, of which the state keeps nothing.
        return "after_span"
    return "no_change"
