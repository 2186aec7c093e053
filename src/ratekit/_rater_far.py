"""A record stamped far ahead of the watermark: it keeps no closed cycle.

Private to [`ratekit.Rater`][ratekit.Rater]. A record fed before the watermark reaches
its instant is metered at the statement that passes it; if it reaches back into earlier
cycles (a delta over a span, a counter reading counting from an earlier one, an event
whose ``seq`` orders it before earlier ones, a ``last_seen`` inventory), those cycles
stay kept until then (`_rater_held.held()`). Only while it is stamped at most
`MAX_AHEAD` past the watermark: one stamped further (a producer whose clock is years
off) would keep every cycle from there until the watermark reaches it, and the state
would grow with the days. It keeps none: the cycles close and compact as if it were
not there (and a delta whose span's start they compacted past keeps none after that
either, `released()`: that part is lost already). When the statement that passes its
instant meters it, its part in the cycles compacted meanwhile is too late, as for a
record fed after they were compacted:
`lost()` says that part of a sample in a ``"too_late"`` anomaly, with its quantity,
and it is not applied (the kept cycles are billed their part); of an event ordered by
its ``seq`` before compacted events, it says what its feed would say then.
"""

from __future__ import annotations

import datetime as _dt
import typing
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Final

from . import _rater_reach as _reach
from ._anomalies import placed
from ._decimals import CONTEXT, tidy
from ._instants import format_us
from ._lateness import reading
from .records import Anomaly, Event, Sample

if typing.TYPE_CHECKING:
    from .rater import Rater, Record

__all__ = ["MAX_AHEAD", "MAX_AHEAD_US", "lost", "near"]

#: How far past the watermark a record not metered yet may be stamped and still keep the
#: closed cycles it reaches back into (see the module's text).
MAX_AHEAD: Final = _dt.timedelta(days=92)
#: `MAX_AHEAD` in microseconds.
MAX_AHEAD_US: Final = MAX_AHEAD // _dt.timedelta(microseconds=1)


def near(rater: Rater) -> int:
    """The last instant a record not metered yet may be stamped at and keep cycles. O(1)."""
    return rater._as_of_us + MAX_AHEAD_US


def lost(rater: Rater, known: Sequence[Record]) -> list[Anomaly]:
    """The ``"too_late"`` anomalies of the records of ``known`` (metered now) not said yet.

    For each sample that reaches back before the kept cycles' start (a delta over a span,
    a counter reading counting from the compacted state, `_reach.effect()`), its part
    there, as the feed measures it (`_reach.not_applied()`), less what a ``"too_late"``
    anomaly said of it already (at its feed, when it reached back before the kept cycles
    of then; a counter reading's is then left as its feed said it). For each event whose
    ``seq`` orders it before compacted events, the anomaly its feed would give now, when
    none was said. Nothing for a record that kept its cycles, or was fed once they were
    compacted (its feed said it all); a ``last_seen`` inventory's closing back is said
    by the statement (`_rater_accounts.closes_back()`). O(a) for the ``"too_late"``
    anomalies kept, plus metering each such sample.
    """
    if not known:
        return []
    said = _Said(rater)
    out: list[Anomaly] = []
    levels = rater._engine.levels
    base_us = rater._base_us
    for record in known:
        if type(record) is Event:
            if (
                record.seq is not None
                and rater._reach.seqs.get(_key(record), record.seq) > record.seq
            ):
                out += _event(rater, record, said)
            continue
        if type(record) is not Sample or record.meter in levels or record.kind == "gauge":
            continue
        if record.kind == "delta" and (record.since_us is None or record.since_us >= base_us):
            continue
        out += _sample(rater, record, said)
    return out


class _Said:
    """The ``"too_late"`` anomalies kept, listed on first use (most statements need none)."""

    __slots__ = ("_listed", "_rater")

    def __init__(self, rater: Rater) -> None:
        self._rater = rater
        self._listed: list[Anomaly] | None = None

    def __iter__(self) -> typing.Iterator[Anomaly]:
        if self._listed is None:
            rater = self._rater
            self._listed = [
                a for a in (*rater._anomalies, *rater._anomalies_before) if a.kind == "too_late"
            ]
        return iter(self._listed)


def released(rater: Rater, sample: Sample) -> bool:
    """Whether ``sample``, a delta over a span not metered yet, was let go by compaction.

    Its span starts before the kept cycles, and no ``"too_late"`` anomaly said a part of
    it: the cycles were compacted past its start while it was stamped too far ahead to
    keep them. What of it they held is lost already (`lost()` says it when it is
    metered): it keeps no cycle after them either, whatever the watermark now. O(a) for
    the anomalies kept, only for such a delta.
    """
    since = sample.since_us
    if since is None or since >= rater._base_us:
        return False
    said = (a for a in (*rater._anomalies, *rater._anomalies_before) if a.kind == "too_late")
    return not _said_of(sample, said)


def _key(record: Event | Sample) -> tuple[str, str]:
    return (record.account, record.resource)


def _sample(rater: Rater, record: Sample, said: Iterable[Anomaly]) -> list[Anomaly]:
    """``record``'s part before the kept cycles not said yet, in its anomaly (`lost()`). O(a)."""
    found = _judged(rater, record)
    if found is None or found.quantity is None:
        return []
    before = _said_of(record, said)
    if before and record.kind == "counter":
        # Its feed's part counted the kept readings after it too (see `_reach.not_applied`).
        return []
    quantity = tidy(CONTEXT.subtract(found.quantity, before))
    if not quantity:
        return []
    meter = next(m for m in rater._engine.meters if m.name == record.meter)
    ahead = "" if not before else f", less the {before} {meter.unit} said at its feed"
    return [
        placed(
            "too_late",
            f"{reading(record, record.at_us)} was stamped more than {_days()} ahead of "
            "the watermark, so it kept none of the cycles it reaches back into: its "
            f"part before {format_us(rater._base_us)}{ahead}, {quantity} {meter.unit}, "
            "belonged to cycles compacted before it was metered: not applied (the "
            "rest is).",
            () if record.id is None else (record.id,),
            record.account,
            record.resource,
            record.at_us,
            meter=record.meter,
            quantity=quantity,
        )
    ]


def _event(rater: Rater, record: Event, said: Iterable[Anomaly]) -> list[Anomaly]:
    """The anomaly of an event its ``seq`` orders before compacted events, if not said. O(k).

    As its feed would say it now (`_lateness.CounterIndex.event_reach()`): what it
    changes in the compacted cycles is not applied, and the statement's ``"late"``
    changes name it; or the state no longer keeps those events, and nothing can. Not
    when a ``"too_late"`` anomaly named it already (its feed's, when it was ordered
    before compacted events then too).
    """
    ids = () if record.id is None else (record.id,)
    if any(
        a.record_ids == ids and a.at_us == record.at_us and (a.account, a.resource) == _key(record)
        for a in said
    ):
        return []
    kept = [r for r in rater._by_key.get(_key(record), ()) if r is not record]
    _, found = rater._reach.event_reach(record, kept, rater._base_us)
    if found is None:
        return []
    return [
        placed(
            "too_late",
            f"{found.message} It was stamped more than {_days()} ahead of the watermark, so it "
            "kept none of the cycles it reaches back into.",
            ids,
            record.account,
            record.resource,
            record.at_us,
        )
    ]


def _judged(rater: Rater, record: Sample) -> Anomaly | None:
    """What the feed would say of ``record`` fed now: its part before the kept cycles.

    Judged as at its feed (`_reach.effect()`), without itself among the kept records of
    its resource, which the feed had not filed yet. O(k) plus metering it.
    """
    key = (record.account, record.resource)
    mine = rater._by_key.get(key)
    if mine is None:
        return rater._reach.reaches_back(record, rater._base_us)
    others = [r for r in mine if r is not record]
    rater._by_key[key] = others
    try:
        return rater._reach.reaches_back(
            record, rater._base_us, others, lambda s: _reach.not_applied(rater, s)
        )
    finally:
        rater._by_key[key] = mine


def _said_of(record: Sample, said: Iterable[Anomaly]) -> Decimal:
    """What ``"too_late"`` anomalies of ``said`` gave of ``record``'s quantity. O(a)."""
    ids = () if record.id is None else (record.id,)
    total = Decimal(0)
    for anomaly in said:
        if (
            anomaly.record_ids == ids
            and anomaly.quantity is not None
            and anomaly.meter == record.meter
            and anomaly.at_us == record.at_us
            and (anomaly.account, anomaly.resource) == (record.account, record.resource)
        ):
            total = CONTEXT.add(total, anomaly.quantity)
    return tidy(total)


def _days() -> str:
    """`MAX_AHEAD` in words. O(1)."""
    return f"{MAX_AHEAD.days} days"
