"""Anomalies: what was odd in the records, and the documented rule that handled it.

[`Anomaly`][ratekit.Anomaly] is the value metering, rating and the rater report; ``AnomalyKind``
names its rules and ``ANOMALY_KINDS`` lists them. `ratekit.records` re-exports all three.

Examples:
    >>> import ratekit as rk
    >>> rk.Anomaly("duplicate", "event 'e1' seen twice: the replay is ignored.", ("e1",))
    Anomaly('duplicate', "event 'e1' seen twice: the replay is ignored.", record_ids=('e1',))
"""

from __future__ import annotations

import datetime as _dt
import typing
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Final, Literal, TypeAlias

import attrs

from . import _values as _v
from ._decimals import to_decimal
from ._entry_points import plain_text
from ._instants import format_us, from_us, to_us
from ._record_fields import evolved
from ._shown import bounded_message
from .errors import RatekitTypeError

__all__ = ["ANOMALY_KINDS", "Anomaly", "AnomalyKind"]

AnomalyKind: TypeAlias = Literal[
    "duplicate",
    "duplicate_start",
    "duplicate_stop",
    "orphan_stop",
    "out_of_order",
    "after_delete",
    "counter_reset",
    "above_width",
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
    "after_span",
    "negative_total",
]
"""The kinds of anomaly metering reports (see [`Anomaly`][ratekit.Anomaly])."""
ANOMALY_KINDS: Final[tuple[AnomalyKind, ...]] = typing.get_args(AnomalyKind)


def _id_tuple(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(ids)


def _instant(value: object) -> int | None:
    """The ``at`` given to the constructor as epoch microseconds (None stays None)."""
    if value is None:
        return None
    try:
        return to_us(value, "Anomaly at")
    except RatekitTypeError as error:
        if isinstance(value, int) and not isinstance(value, bool):  # as evolve gives it
            raise RatekitTypeError(f"{error} {evolved('at', 'anomaly')}") from None
        raise


def _quantity(instance: object, attribute: attrs.Attribute[typing.Any], value: object) -> None:
    """``None``, or a finite number in the range of results: `Charge`'s door and messages.

    What the converter could not read is named as `Charge` names it (text that is no
    finite number, ``'NaN'``, is "must be a finite number"; a float is read as `Charge`
    reads it, by its shortest repr).
    """
    if value is not None and not isinstance(value, Decimal):
        to_decimal(value, "Anomaly quantity")
    _v.optional_numeric(instance, attribute, value)


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
    - ``"above_width"``: a reading of a counter of a width (``Counter(wraps_at=...)``) not
      below that width, no reading of such a counter (the width given is too small): it
      is counted as read (its rise; a lower reading after it is a reset).
    - ``"reconciled_close"`` / ``"reconciled_open"`` / ``"reconciled_update"``: an
      inventory snapshot closed a resource it did not list, opened one the timeline did
      not know, or corrected the attributes of one it listed with other values.
    - ``"policy"``: reported by a user-defined cost policy.
    - ``"unpriced"``: reported by rating: usage that no price entry prices, under a plan
      built with ``unpriced="anomaly"``, or usage where its account has no plan (under
      assignments: before its first, in a gap between two, after its last); it is not
      charged.
    - ``"conflict"``: a record with the id of an earlier one but other content, when
      metering is asked for ``conflicts="anomaly"``: of the versions given together, one
      stands by a fixed rule whatever the order they are listed in (an event before a
      sample, of two events the greater ``seq``, of two samples the earlier, otherwise the
      smaller content digest); one applied by an earlier call stands against a later one;
      this one is ignored (by default such a record raises
      [`ConflictingRecordError`][ratekit.ConflictingRecordError]).
    - ``"too_late"``: reported by the rater: a record stamped before the cycles it keeps
      (its cycle closed and was compacted); it is not applied.
    - ``"tie"``: events of one resource stamped at the same instant with no ``seq``; they
      are applied in an order that makes none a duplicate when there is one (a STOP and
      a START of a running resource are a restart). Give them a ``seq`` to fix the order.
      Also readings (gauges, counters) of one resource and meter stamped at one instant
      with no ``seq`` and other values: applied by value, the lower first (the higher
      holds), then id, the one that holds named first; equal values are no tie.
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
      ``"late"``). Also a resource that ran between a carried clock and a later span's
      start: that time is billed by no call, and the message gives its hours.
    - ``"after_span"``: metered as of an instant after the span's end, an amount spread
      over a period that straddles the span's end (a counter's increment between a reading
      inside the span and one after it, a delta whose span runs past it), or stamped after
      it (a delta at an instant): the span bills only its own share; the anomaly names the
      records and the quantity after the span, not billed by this call. The state it gives
      keeps that amount ([`pending`][ratekit.ResourceState.pending]): the next call, with
      ``state=``, bills its share in its span, as metering both at once does.
    - ``"negative_total"``: reported by rating: a group priced by its total (a tiered
      price's cycle, per account and meter) whose corrections exceed its usage so far;
      the part below zero is priced at 0, and nets against the usage when it arrives.

    ``record_ids`` are the ids of the records involved (empty when they have none), the
    one the anomaly is about first; ``message`` is a sentence a person can read;
    ``str(anomaly)`` is that sentence.

    ``account``, ``resource`` and ``at`` say, as values, whom and when the anomaly is
    about, so that code filters anomalies without reading the message. Every anomaly
    ratekit reports about one resource names its account and resource; an anomaly about
    no one resource leaves them ``None``: the ``"duplicate"`` and ``"conflict"`` of an
    inventory, and the ``"too_late"`` of an inventory stamped before the cycles the rater
    keeps (an inventory spans accounts; what it closes is said per resource), and the
    resource of a ``"negative_total"`` (a price's total spans the account's resources).
    An ``"unpriced"`` anomaly names the usage row's account and resource. ``at`` (kept as
    ``at_us``, epoch microseconds) is the instant the rule applied:

    - the record's instant for ``"duplicate"``, ``"duplicate_start"``,
      ``"duplicate_stop"``, ``"orphan_stop"``, ``"after_delete"``, ``"conflict"`` and
      ``"tie"`` (the instant the records share), and for ``"too_late"`` (but see below);
    - the instant it takes effect at for ``"out_of_order"`` (that of the event sequenced
      before it);
    - the instant the inventory changed the resource at for ``"reconciled_open"`` and
      ``"reconciled_update"``, and for ``"reconciled_close"`` the instant the resource
      was **closed** at (with ``close="last_seen"``, its last sign of life, which may be
      before the inventory); likewise a ``"too_late"`` closing by a ``"last_seen"``
      inventory is at that closing instant;
    - the latest reading involved for ``"counter_reset"``, ``"above_width"`` (the reading
      it names) and ``"policy"`` (a policy's report naming no reading: the metered span's
      start);
    - the start of the span concerned for ``"late"`` (of the late usage row it
      announces; else the late record's instant, or the metered span's start) and
      ``"before_span"`` (the metered span's start, where the part not billed ends);
    - the start of the usage not priced for ``"unpriced"``; the start of the cycle for
      ``"negative_total"``; the span's end for ``"after_span"`` (where the part not
      billed begins).

    ``meter`` and ``quantity`` give, as values, the quantity a ``"too_late"`` anomaly
    says is not applied, in the meter's unit, so that a host reconciles the stream with
    batch [`rate()`][ratekit.rate] without reading the message: the stream's usage plus
    each such quantity is batch's (negative where the stream counts that much more: a
    STOP stamped in a compacted cycle). They are given for a sample stamped before the
    kept cycles (its value), a sample whose quantity reaches back before them (its part
    there), a counter reading placed in the compacted state (its part there, ``0`` when
    it changes nothing in total there), and, one anomaly per meter it changes, an event
    placed in the compacted state (per description, when it moves usage from one to
    another) and a ``last_seen`` closing's part before the kept cycles, or a record's
    move of it (per time meter that measures the resource there, under its
    description). ``None`` where the rater cannot tell a quantity at the feed (a counter
    reading older than the readings kept, an inventory, an event ordered by its ``seq``
    before compacted events: the statement that meters it names its part there in
    ``"late"`` anomalies).

    A ``"late"`` anomaly that announces a late usage row gives that row's meter and
    quantity (per meter, cycle and description, the description in its message): in
    [`Usage.late`][ratekit.Usage.late] for [`meter()`][ratekit.meter]; from a
    [`Rater`][ratekit.Rater], a part before the kept cycles that is not applied, to add
    like a ``"too_late"`` one. A ``"late"`` anomaly about the samples a late
    re-description leaves under the old description (`meter()` with a carried state that
    does not keep them: deltas or counted readings older than the last `DELTAS` kept, a
    counter's increments up to the oldest of its last `READINGS`) gives the meter and no
    quantity. ``None`` for every other
    kind.

    Anomalies built by hand may leave all five ``None``; the constructor takes them by
    keyword only, ``at`` as an aware datetime or an ISO-8601 string with an offset. A
    wrong one raises a [`RatekitTypeError`][ratekit.RatekitTypeError] (or a
    [`BadTimeError`][ratekit.BadTimeError] for an instant) naming the field.

    Examples:
        >>> import ratekit as rk
        >>> anomaly = rk.Anomaly("duplicate_stop", "event 'e3' stops app-1, already stopped "
        ...                      "by event 'e2': ignored.", ("e3", "e2"))
        >>> print(anomaly)
        event 'e3' stops app-1, already stopped by event 'e2': ignored.
        >>> anomaly
        Anomaly('duplicate_stop', "event 'e3' stops app-1, already stopped by event 'e2': ignored.", record_ids=('e3', 'e2'))
        >>> placed = rk.Anomaly("orphan_stop", "event 'e1' stops 'vm-1', never started.",
        ...                     ("e1",), account="acme", resource="vm-1",
        ...                     at="2026-03-01T10:00:00+01:00")
        >>> placed.account, placed.resource, placed.at_us, placed.at.isoformat()
        ('acme', 'vm-1', 1772355600000000, '2026-03-01T09:00:00+00:00')
        >>> placed
        Anomaly('orphan_stop', "event 'e1' stops 'vm-1', never started.", record_ids=('e1',), account='acme', resource='vm-1', at='2026-03-01T09:00:00Z')
        >>> rk.Anomaly("tie", "two events tie.", account="")
        Traceback (most recent call last):
        ...
        ratekit.RatekitTypeError: Anomaly account must be a non-empty string or None, not str: ''.
    """

    kind: AnomalyKind = attrs.field(validator=_v.kind_of(*ANOMALY_KINDS))
    """Which rule handled it."""
    message: str = attrs.field(converter=bounded_message, validator=_v.text)
    """A readable sentence: what was odd and what was done."""
    record_ids: tuple[str, ...] = attrs.field(
        default=(), converter=_v.to_tuple, validator=_v.record_ids
    )
    """The ids of the records involved, the one it is about first."""
    account: str | None = attrs.field(default=None, kw_only=True, validator=_v.optional_name)
    """The account it is about (``None``: not about one account)."""
    resource: str | None = attrs.field(default=None, kw_only=True, validator=_v.optional_name)
    """The resource it is about (``None``: not about one resource)."""
    at_us: int | None = attrs.field(default=None, kw_only=True, alias="at", converter=_instant)
    """The instant it is about, in epoch microseconds (``None``: not said); see ``at``."""

    meter: str | None = attrs.field(default=None, kw_only=True, validator=_v.optional_name)
    """The meter of ``quantity`` (``None``: the anomaly gives no quantity)."""
    quantity: Decimal | None = attrs.field(
        default=None, kw_only=True, converter=_v.optional_number, validator=_quantity
    )
    """The quantity it is about, in ``meter``'s unit (``None``: not given); see above."""

    @property
    def at(self) -> _dt.datetime | None:
        """The instant it is about, as an aware UTC datetime (``None``: not said)."""
        return None if self.at_us is None else from_us(self.at_us)

    @plain_text
    def __str__(self) -> str:
        return self.message

    @plain_text
    def __repr__(self) -> str:
        text = f"Anomaly({self.kind!r}, {self.message!r}"
        if self.record_ids:
            text += f", record_ids={self.record_ids!r}"
        if self.account is not None:
            text += f", account={self.account!r}"
        if self.resource is not None:
            text += f", resource={self.resource!r}"
        if self.at_us is not None:
            text += f", at={format_us(self.at_us)!r}"
        if self.meter is not None:
            text += f", meter={self.meter!r}"
        if self.quantity is not None:
            text += f", quantity={str(self.quantity)!r}"
        return text + ")"


#: Ratekit's own route to an anomaly, for values right by construction (no checks):
#: ``placed(kind, message, record_ids, account, resource, at_us, meter=, quantity=)``, the
#: ids a tuple of strings, the account, resource and meter non-empty or ``None``, ``at_us``
#: an int or ``None``, ``quantity`` a Decimal or ``None``.
_placed: Final[Callable[..., Anomaly]] = _v.unchecked(Anomaly)


def placed(kind: str, message: str, *args: object, **kwargs: object) -> Anomaly:
    """See above: ratekit's route to an anomaly, its message bounded as the door's is."""
    return _placed(kind, bounded_message(message), *args, **kwargs)
