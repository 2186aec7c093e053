"""Usage records: events, samples, inventory snapshots, and the anomalies found in them.

[`Event`][ratekit.Event] says what happened to a resource, [`Sample`][ratekit.Sample] what was measured,
[`Inventory`][ratekit.Inventory] what exists at an instant, and [`Anomaly`][ratekit.Anomaly] what was odd.

A record names **who** (``account``, the payer), **which** (``resource``) and, for a sample,
**what** (``meter``). Records convert their fields once, at the door: instants become
integer microseconds since the epoch (``at_us``), numbers become exact
`Decimal` values (a ``float`` through its shortest ``repr``; NaN and
infinities are rejected), account and resource names are interned strings. Every record is
immutable, hashable and compares by content, so replaying a record is detectable.
``attrs.evolve`` makes a changed copy through the same door; it gives the kept instant
back as the constructor's ``at`` (and ``since``), an int the door refuses, so give the
instant with the changes: ``attrs.evolve(event, id="e2", at=event.at)``.

Events describe a resource over time. From ``at`` on, the resource's *description* is its
previous description with the event's ``attributes`` merged in (a key set to ``None`` is
removed). The event's ``kind`` says what happens to the resource:

- ``"start"``: it runs from ``at`` (a Cloud Foundry START, an OpenStack create). A START
  while already running with new attributes is a resize or a scale: the old piece ends and
  the new one starts at the same instant. A START that changes nothing is a duplicate.
- ``"update"``: its description changes, running or not (a resize, a volume attached, a
  periodic "exists" notification, which changes nothing and is not an anomaly). An update
  of a resource never seen opens it, running: something described exists.
- ``"stop"``: it stops running but still exists (a CF STOP, a failed boot). Time-based
  meters charge nothing while it is stopped. A stop of a stopped resource is a duplicate;
  a stop of a resource never seen is an orphan.
- ``"delete"``: it ends (a terminate, a volume delete). Later events for it are anomalies.

Examples:
    >>> import ratekit as rk
    >>> rk.Event("acme", "app-1", "2026-03-01T10:00:00Z", {"memory_mb": 512}, kind="start", id="e1")
    Event('acme', 'app-1', '2026-03-01T10:00:00Z', {'memory_mb': 512}, kind='start', id='e1')
    >>> rk.Sample("acme", "ip-1", "egress", "2026-03-01T11:00:00Z", 1500, kind="counter")
    Sample('acme', 'ip-1', 'egress', '2026-03-01T11:00:00Z', '1500', kind='counter')
"""

from __future__ import annotations

import datetime as _dt
import sys
import typing
from collections.abc import Mapping
from decimal import Decimal
from typing import Final, Literal, TypeAlias

import attrs

from ._anomalies import ANOMALY_KINDS, Anomaly, AnomalyKind

# The anomalies live in ._anomalies; their names stay importable from here.
from ._decimals import CONTEXT, INT_HIGH, INT_LOW, quick_decimal, to_decimal, to_int

# The attribute values live in ._descriptions; their names stay importable from here
# (``ratekit.records.encode_value``; ``_FrozenDict`` for what was pickled before the move).
from ._descriptions import (  # noqa: F401 - re-exported from their former home
    EMPTY,
    MAX_DEPTH,
    MAX_DIGITS,
    _attribute_value,
    _attributes,
    _FrozenDict,
    _FrozenList,
    _number_value,
    _plain_attributes,
    decode_value,
    encode_value,
    plain_str,
)
from ._entry_points import plain_text
from ._hash_keys import safe_key
from ._instants import format_us, from_us, to_us
from ._inventory import Inventory as Inventory  # noqa: PLC0414 - records are read from here
from ._record_fields import _instant, _name, _record_id
from ._shown import show
from .errors import BadRecordError, RatekitError, RatekitTypeError

__all__ = [
    "ANOMALY_KINDS",
    "EVENT_KINDS",
    "SAMPLE_KINDS",
    "Anomaly",
    "AnomalyKind",
    "Event",
    "EventKind",
    "Inventory",
    "Record",
    "Sample",
    "SampleKind",
]

EventKind: TypeAlias = Literal["start", "update", "stop", "delete"]
"""What an event does to its resource."""
SampleKind: TypeAlias = Literal["delta", "counter", "gauge"]
"""What a sample's value is: an amount used, a cumulative counter reading, a level."""

EVENT_KINDS: Final[tuple[EventKind, ...]] = ("start", "update", "stop", "delete")
SAMPLE_KINDS: Final[tuple[SampleKind, ...]] = ("delta", "counter", "gauge")
_EVENT_KIND_SET: Final = frozenset(EVENT_KINDS)
_SAMPLE_KIND_SET: Final = frozenset(SAMPLE_KINDS)


_intern = sys.intern
_K = typing.TypeVar("_K")
#: ``str``, typed so that checking a kind's exact type narrows nothing.
_PLAIN_STR: Final[type[object]] = str


def _quick_instant(value: object) -> int | None:
    """Epoch microseconds of a valid instant, or None (the caller then raises, with labels)."""
    if isinstance(value, int):
        return None
    try:
        return to_us(value)
    except RatekitError:
        return None


def _seq(value: object, label: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RatekitTypeError(f"{label} seq must be an int or None, not {show(value)}.")
    return to_int(value, f"{label} seq", "an int or None", error=BadRecordError)


def _kind(kind: _K) -> _K:
    """A kind given as a ``str`` subclass (a ``StrEnum`` member) as the plain ``str`` it is.

    A record keeps plain strings only: its repr reads ``kind='start'``, and it unpickles
    where the subclass is not importable (a Dask worker).
    """
    return typing.cast("_K", plain_str(kind)) if isinstance(kind, str) else kind


def _one_of_kinds(kind: object, kinds: tuple[str, ...]) -> bool:
    """``kind`` is a plain ``str`` among ``kinds``.

    The type first: ``in`` asks each comparison for its truth value, which pandas' NA
    (a missing kind) refuses with a ``TypeError``; no str, it is no kind either.
    """
    return type(kind) is str and kind in kinds


def _label(kind: str, record_id: str | None, resource: object) -> str:
    if record_id is not None:
        return f"{kind} {show(record_id)}"
    return f"{kind} (no id) of resource {show(resource)}"


def _counter_refusal(label: str, value: object) -> str:
    """The message refusing a negative counter reading (one rule at every door)."""
    shown = CONTEXT.to_sci_string(value) if isinstance(value, Decimal) else value
    return (
        f"{label} value {shown} is a negative counter reading; a cumulative counter counts "
        "up from zero and is never negative, so a reading must be a number >= 0 (a "
        "decrease to a lower reading is a reset; a correction is a 'delta' sample)."
    )


# -- records --------------------------------------------------------------------------------


@typing.final
@attrs.frozen(init=False, repr=False)
class Event:
    """From instant ``at`` on, resource ``resource`` of ``account`` is described by ``attributes``.

    ``attributes`` is a partial update: it is merged into the resource's previous
    description, and a key set to ``None`` is removed. ``kind`` says what happens to the
    resource (``"start"``, ``"update"``, ``"stop"`` or ``"delete"``; see
    `ratekit.records` for the rules, duplicates and orphans). ``id`` is an optional
    stable identity: replaying the same record is a no-op, the same id with other content
    is a [`ConflictingRecordError`][ratekit.ConflictingRecordError]. ``seq`` is an optional sequence number:
    the events of a resource that have one are applied in ``seq`` order (an event without
    one goes by its instant, after those stamped before it), and an event stamped earlier than the one before it takes that one's instant (zero
    duration, an ``"out_of_order"`` anomaly) instead of producing a negative duration.

    ``at`` is an aware datetime or an ISO-8601 string with an offset; it is kept as
    ``at_us`` (epoch microseconds). Attribute values are JSON-like: strings, ints,
    Decimals, bools, ``None``, and mappings and lists of them, nested (a Ceilometer
    ``resource_metadata``); floats become Decimals through their shortest repr. They are
    frozen at the door (read-only, equal to their plain equivalents); NaN, infinities and
    numbers of more than 60 significant digits or, unless zero, of a magnitude outside the
    range from 1E-30 up to but excluding 1E+30 raise
    [`BadQuantityError`][ratekit.BadQuantityError] naming the record and the attribute's
    dotted path.

    Examples:
        >>> import ratekit as rk
        >>> start = rk.Event("org-1", "app-1", "2026-03-02T08:00:00Z",
        ...                  {"memory_mb": 512, "instances": 2}, kind="start", id="e1", seq=7)
        >>> start.at_us, start.kind, dict(start.attributes)
        (1772438400000000, 'start', {'memory_mb': 512, 'instances': 2})
        >>> start.at.isoformat()
        '2026-03-02T08:00:00+00:00'
        >>> rk.Event("org-1", "app-1", "2026-03-02T09:00:00Z", kind="stop", id="e2")
        Event('org-1', 'app-1', '2026-03-02T09:00:00Z', kind='stop', id='e2')
        >>> try:
        ...     rk.Event("org-1", "app-1", "2026-03-02T09:00:00Z", kind="halt", id="e3")
        ... except rk.BadRecordError as error:
        ...     print(error)
        event 'e3' kind 'halt' is not one of 'start', 'update', 'stop', 'delete'.
    """

    account: str
    """Who pays for the resource."""
    resource: str
    """Which resource (an instance, a volume, an app)."""
    at_us: int = attrs.field(alias="at")  # attrs.evolve gives it back as ``at``
    """When, in epoch microseconds."""
    attributes: Mapping[str, object]
    """The partial description update (read-only; ``None`` values remove keys)."""
    kind: EventKind
    """``"start"``, ``"update"``, ``"stop"`` or ``"delete"``."""
    id: str | None
    """The record's stable identity, if any."""
    seq: int | None
    """The sequence number, if any (orders the events of a resource)."""

    def __init__(
        self,
        account: str,
        resource: str,
        at: _dt.datetime | str,
        attributes: Mapping[str, object] | None = None,
        *,
        kind: EventKind = "update",
        id: str | None = None,  # noqa: A002 - the record's id is the natural name
        seq: int | None = None,
    ) -> None:
        if (
            type(account) is str
            and account
            and account.isascii()  # else checked to be text below
            and type(resource) is str
            and resource
            and resource.isascii()
            and type(kind) is _PLAIN_STR  # a StrEnum member goes the long way
            and kind in _EVENT_KIND_SET
            and (id is None or (type(id) is str and id and id.isascii()))
            and (seq is None or (type(seq) is int and INT_LOW <= seq <= INT_HIGH))
        ):
            # The fast path: nothing to convert but the instant, no message to prepare.
            at_us = _quick_instant(at)
            frozen = EMPTY if attributes is None else _plain_attributes(attributes)
            if at_us is not None and frozen is not None:
                self.__attrs_init__(
                    _intern(account), _intern(resource), at_us, frozen, kind, id, seq
                )
                return
        record_id = _record_id(id, "event", (account, resource))
        label = _label("event", record_id, resource)
        kind = _kind(kind)
        if not _one_of_kinds(kind, EVENT_KINDS):
            raise BadRecordError(
                f"{label} kind {show(kind)} is not one of 'start', 'update', 'stop', 'delete'."
            )
        self.__attrs_init__(
            _name(account, label, "account"),
            _name(resource, label, "resource"),
            _instant(at, label, "at"),
            _attributes(attributes, label),
            kind,
            record_id,
            _seq(seq, label),
        )

    @property
    def at(self) -> _dt.datetime:
        """When, as an aware UTC datetime."""
        return from_us(self.at_us)

    @plain_text
    def __repr__(self) -> str:
        text = f"Event({self.account!r}, {self.resource!r}, {format_us(self.at_us)!r}"
        if self.attributes:
            text += f", {self.attributes!r}"
        text += f", kind={self.kind!r}"
        if self.id is not None:
            text += f", id={self.id!r}"
        if self.seq is not None:
            text += f", seq={self.seq!r}"
        return text + ")"


@typing.final
@attrs.frozen(init=False, repr=False)
class Sample:
    """A measured value of one meter for one resource.

    ``kind`` says what ``value`` is:

    - ``"delta"`` (the default): an amount used (bytes sent, calls made). At the instant
      ``at``, or over the span ``[since, at)`` when ``since`` is given (a delta over a span
      that crosses a cycle boundary is apportioned linearly). Negative deltas are allowed:
      they are compensating corrections.
    - ``"counter"``: a cumulative counter reading (bytes sent since the interface came up).
      Metering turns consecutive readings into deltas; a decreasing reading is a reset and
      counts from zero. A reading counts up from zero and is never negative: a negative
      one raises [`BadRecordError`][ratekit.BadRecordError] (it would read as a reset and
      give usage back).
    - ``"gauge"``: a level at ``at`` (a bandwidth, a number of users), for aggregations such
      as max, time-weighted mean or the 95th percentile.

    ``id`` and ``seq`` work as for [`Event`][ratekit.Event]; samples are ordered by ``(at, seq)``.

    Examples:
        >>> import ratekit as rk
        >>> sent = rk.Sample("acme", "ip-1", "egress", "2026-03-01T10:20:00Z", "500",
        ...                  since="2026-03-01T10:00:00Z", id="s1")
        >>> sent
        Sample('acme', 'ip-1', 'egress', '2026-03-01T10:20:00Z', '500', since='2026-03-01T10:00:00Z', id='s1')
        >>> sent.value, sent.since_us < sent.at_us
        (Decimal('500'), True)
        >>> try:
        ...     rk.Sample("acme", "ip-1", "egress", "2026-03-01T10:20:00Z", "lots", id="s2")
        ... except rk.BadQuantityError as error:
        ...     print(error)
        sample 's2' value 'lots' is not a decimal number; write it like '12.5' or '1e9'.
    """

    account: str
    """Who pays for the resource."""
    resource: str
    """Which resource was measured."""
    meter: str
    """What was measured (a [`Meter`][ratekit.Meter]'s name)."""
    at_us: int = attrs.field(alias="at")  # attrs.evolve gives it back as ``at``
    """When (the end of the span for a delta over a span), in epoch microseconds."""
    value: Decimal = attrs.field(eq=safe_key)  # equal values, equal keys; a hash not chosen
    """The amount, reading or level: an exact Decimal, whatever number was given."""
    kind: SampleKind
    """``"delta"``, ``"counter"`` or ``"gauge"``."""
    since_us: int | None = attrs.field(alias="since")
    """For a delta over a span, its start in epoch microseconds; otherwise ``None``."""
    id: str | None
    """The record's stable identity, if any."""
    seq: int | None
    """The sequence number, if any."""

    def __init__(
        self,
        account: str,
        resource: str,
        meter: str,
        at: _dt.datetime | str,
        value: int | str | Decimal | float,
        *,
        kind: SampleKind = "delta",
        since: _dt.datetime | str | None = None,
        id: str | None = None,  # noqa: A002 - the record's id is the natural name
        seq: int | None = None,
    ) -> None:
        if (
            type(account) is str
            and account
            and account.isascii()
            and type(resource) is str
            and resource
            and resource.isascii()
            and type(meter) is str
            and meter
            and meter.isascii()
            and type(kind) is _PLAIN_STR  # a StrEnum member goes the long way
            and kind in _SAMPLE_KIND_SET
            and (id is None or (type(id) is str and id and id.isascii()))
            and (seq is None or (type(seq) is int and INT_LOW <= seq <= INT_HIGH))
        ):
            # The fast path: an int or a finite Decimal, at an instant or over a span that
            # ends there (a delta's; a reading's since, or one after its at, is refused below).
            at_us = _quick_instant(at)
            quick = quick_decimal(value)
            quick_since = None if since is None else _quick_instant(since)
            if (
                at_us is not None
                and quick is not None
                and (kind != "counter" or quick >= 0)  # else refused below
                and (
                    since is None
                    or (kind == "delta" and quick_since is not None and quick_since <= at_us)
                )
            ):
                self.__attrs_init__(
                    _intern(account),
                    _intern(resource),
                    _intern(meter),
                    at_us,
                    # an int kept as given, read as the Decimal it equals (`_kept_value`)
                    typing.cast("Decimal", value) if type(value) is int else quick,
                    kind,
                    quick_since,
                    id,
                    seq,
                )
                return
        record_id = _record_id(id, "sample", (account, resource))
        label = _label("sample", record_id, resource)
        kind = _kind(kind)
        if not _one_of_kinds(kind, SAMPLE_KINDS):
            raise BadRecordError(
                f"{label} kind {show(kind)} is not one of 'delta', 'counter', 'gauge'."
            )
        at_us = _instant(at, label, "at")
        since_us = None
        if since is not None:
            if kind != "delta":
                raise BadRecordError(
                    f"{label} has since={since!r} but kind {kind!r}; only a delta covers a "
                    "span (a counter or gauge reading is taken at one instant)."
                )
            since_us = _instant(since, label, "since")
            if since_us > at_us:
                raise BadRecordError(
                    f"{label} since {format_us(since_us)} comes after its at "
                    f"{format_us(at_us)}; a delta over a span covers [since, at)."
                )
        amount = to_decimal(value, f"{label} value")
        if kind == "counter" and amount < 0:
            raise BadRecordError(_counter_refusal(label, amount))
        self.__attrs_init__(
            _name(account, label, "account"),
            _name(resource, label, "resource"),
            _name(meter, label, "meter"),
            at_us,
            amount,
            kind,
            since_us,
            record_id,
            _seq(seq, label),
        )

    @property
    def at(self) -> _dt.datetime:
        """When, as an aware UTC datetime."""
        return from_us(self.at_us)

    def __hash__(self) -> int:
        """The hash of the fields equality compares, the value by its `safe_key()`.

        Read from the kept slot (`_kept_value`): an int is keyed as the Decimal it
        equals is (the same key), without making that Decimal; a feed hashes each
        sample without an id. O(1).
        """
        return hash(
            (
                self.account,
                self.resource,
                self.meter,
                self.at_us,
                safe_key(self._value),  # type: ignore[attr-defined] # (the slot, as kept)
                self.kind,
                self.since_us,
                self.id,
                self.seq,
            )
        )

    @property
    def since(self) -> _dt.datetime | None:
        """Where a delta's span starts, as an aware UTC datetime (``None``: at an instant).

        Examples:
            >>> import ratekit as rk
            >>> rk.Sample("acme", "fn", "calls", "2026-03-01T10:20:00Z", 5, since="2026-03-01T10:00:00Z").since
            datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.timezone.utc)
        """
        return None if self.since_us is None else from_us(self.since_us)

    @plain_text
    def __repr__(self) -> str:
        text = (
            f"Sample({self.account!r}, {self.resource!r}, {self.meter!r}, "
            f"{format_us(self.at_us)!r}, {str(self.value)!r}"
        )
        if self.kind != "delta":
            text += f", kind={self.kind!r}"
        if self.since_us is not None:
            text += f", since={format_us(self.since_us)!r}"
        if self.id is not None:
            text += f", id={self.id!r}"
        if self.seq is not None:
            text += f", seq={self.seq!r}"
        return text + ")"


def _kept_value(slot: typing.Any) -> property:
    """`Sample.value` over its slot, which keeps an int as given (no Decimal per record).

    A sample given an int (the lean path's columns, or ``rk.Sample(..., 500)``) keeps
    the int: 104 bytes less a sample than its Decimal (a fleet month's 238,000 samples:
    24.7 MB), and ints add at C speed. Read as ``value``, it is the Decimal it equals
    (exponent 0, as ``Decimal(500)``); equality, hash, repr, rows and snapshots all read
    it so. The slot itself stays reachable as ``Sample._value`` for ratekit's hot loops
    (an int or a Decimal: both add, compare and feed ``CONTEXT``'s methods alike).
    """
    read = slot.__get__

    def value(sample: Sample) -> Decimal:
        kept = read(sample)
        return kept if type(kept) is Decimal else Decimal(kept)

    value.__doc__ = "The amount, reading or level: an exact Decimal, whatever number was given."
    # attrs' __init__ stores through the setter (the class's own __setattr__ refuses).
    return property(value, slot.__set__, None, value.__doc__)


_VALUE_SLOT: Final = Sample.__dict__["value"]
setattr(Sample, "_value", _VALUE_SLOT)  # noqa: B010 - the stored slot, for the hot loops
setattr(Sample, "value", _kept_value(_VALUE_SLOT))  # noqa: B010 - a Decimal, always


Record: TypeAlias = Event | Sample | Inventory
"""Any record metering accepts."""
