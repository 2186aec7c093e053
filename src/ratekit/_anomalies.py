"""Anomalies: what was odd in the records, and the documented rule that handled it.

[`Anomaly`][ratekit.Anomaly] is the value metering, rating and the rater report; ``AnomalyKind``
names its rules and ``ANOMALY_KINDS`` lists them. `ratekit.records` re-exports all three.

Examples:
    >>> import ratekit as rk
    >>> rk.Anomaly("duplicate", "event 'e1' seen twice: the replay is ignored.", ("e1",))
    Anomaly('duplicate', "event 'e1' seen twice: the replay is ignored.", record_ids=('e1',))
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from typing import Final, Literal, TypeAlias

import attrs

from . import _values as _v

__all__ = ["ANOMALY_KINDS", "Anomaly", "AnomalyKind"]

AnomalyKind: TypeAlias = Literal[
    "duplicate",
    "duplicate_start",
    "duplicate_stop",
    "orphan_stop",
    "out_of_order",
    "after_delete",
    "counter_reset",
    "reconciled_close",
    "reconciled_open",
    "reconciled_update",
    "policy",
    "unpriced",
    "conflict",
    "too_late",
    "tie",
    "late",
    "before_span",
    "negative_total",
]
"""The kinds of anomaly metering reports (see [`Anomaly`][ratekit.Anomaly])."""
ANOMALY_KINDS: Final[tuple[AnomalyKind, ...]] = typing.get_args(AnomalyKind)


def _id_tuple(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(ids)


@typing.final
@attrs.frozen(repr=False)
class Anomaly:
    """Something odd in the records, and the documented rule that handled it.

    ``kind`` names the rule (one of `ANOMALY_KINDS`):

    - ``"duplicate"``: a record seen twice (same id, or same content without an id); the
      replay is ignored.
    - ``"duplicate_start"`` / ``"duplicate_stop"``: a START that changes nothing on a running
      resource, a STOP of a stopped one; ignored.
    - ``"orphan_stop"``: a stop or delete of a resource never started; it charges nothing.
    - ``"out_of_order"``: an event stamped before the event sequenced before it; it takes
      that event's instant (zero duration, never a negative one).
    - ``"after_delete"``: an event for a deleted resource (ignored), or a sample after the
      delete (counted, with no description).
    - ``"counter_reset"``: a counter reading lower than the one before; it counts from zero.
    - ``"reconciled_close"`` / ``"reconciled_open"`` / ``"reconciled_update"``: an
      inventory snapshot closed a resource it did not list, opened one the timeline did
      not know, or corrected the attributes of one it listed with other values.
    - ``"policy"``: reported by a user-defined cost policy.
    - ``"unpriced"``: reported by rating: usage that no price entry prices, under a plan
      built with ``unpriced="anomaly"``; it is not charged.
    - ``"conflict"``: a record with the id of an earlier one but other content, when
      metering is asked for ``conflicts="anomaly"``: the record received first is kept,
      this one is ignored (by default such a record raises
      [`ConflictingRecordError`][ratekit.ConflictingRecordError]).
    - ``"too_late"``: reported by the rater: a record stamped before the cycles it keeps
      (its cycle closed and was compacted); it is not applied.
    - ``"tie"``: events of one resource stamped at the same instant with no ``seq``; they
      are applied in an order that makes none a duplicate when there is one (a STOP and
      a START of a running resource are a restart). Give them a ``seq`` to fix the order.
      Also inventories stamped at one instant that disagree about a resource: one lists it
      and another's scope covers it without listing it (a resource listed by any of them
      is present), or they list it with other values (applied in the order of their ids).
    - ``"late"``: records that belong before the carried state's clock (what an earlier
      call metered up to): what they change there is in [`late`][ratekit.Usage.late].
    - ``"before_span"``: an amount spread over a period that straddles the metered span's
      start (a counter's increment between a reading before the span and one inside it, a
      delta sample whose ``since`` is before the span): the span bills only its own share;
      the anomaly names the records and the quantity that falls before the span and is not
      billed by this call (it belongs to the span before; with no carried clock, so not
      ``"late"``).
    - ``"negative_total"``: reported by rating: a group priced by its total (a tiered
      price's cycle, per account and meter) whose corrections exceed its usage so far;
      the part below zero is priced at 0, and nets against the usage when it arrives.

    ``record_ids`` are the ids of the records involved (empty when they have none);
    ``message`` is a sentence a person can read; ``str(anomaly)`` is that sentence.

    Examples:
        >>> import ratekit as rk
        >>> anomaly = rk.Anomaly("duplicate_stop", "event 'e3' stops app-1, already stopped "
        ...                      "by event 'e2': ignored.", ("e3", "e2"))
        >>> print(anomaly)
        event 'e3' stops app-1, already stopped by event 'e2': ignored.
        >>> anomaly
        Anomaly('duplicate_stop', "event 'e3' stops app-1, already stopped by event 'e2': ignored.", record_ids=('e3', 'e2'))
    """

    kind: AnomalyKind = attrs.field(validator=_v.kind_of(*ANOMALY_KINDS))
    """Which rule handled it."""
    message: str = attrs.field(validator=_v.text)
    """A readable sentence: what was odd and what was done."""
    record_ids: tuple[str, ...] = attrs.field(
        default=(), converter=_v.to_tuple, validator=_v.items(str, "record ids (strings)")
    )
    """The ids of the records involved."""

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        text = f"Anomaly({self.kind!r}, {self.message!r}"
        if self.record_ids:
            text += f", record_ids={self.record_ids!r}"
        return text + ")"
