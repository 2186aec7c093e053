"""Where one resource stands after metering: the state the next metering call continues.

[`ResourceState`][ratekit.ResourceState] (re-exported by `ratekit.usage` and `ratekit`) carries a
resource's status, clock, description, the last events and records it applied and its
counter readings, so that metering in several calls gives what one call gives.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from typing import Final, Literal

import attrs

from . import _metering_memory as _memory
from . import _resource_state_json as _json
from . import _values as _v
from ._entry_points import in_context, plain_text
from ._fields import (
    Reading,
    _applied,
    _bad,
    _clock,
    _history,
    _opened_by,
    _readings,
    _seq_of,
    _since,
    _state_account,
    _state_description,
    _state_resource,
    _status,
    _through,
)
from ._instants import format_us
from ._state_consistency import DELTAS, HISTORY, MEMORY, READINGS, consistent
from ._state_doors import Listings, Pending, listings_door, pending_door
from .errors import RatekitTypeError
from .records import (
    Event,
)

__all__ = ["DELTAS", "HISTORY", "MEMORY", "READINGS", "ResourceState"]

_new = object.__new__


def _complete_names(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else None
    if items is None or not all(type(item) is str and item for item in items):
        raise _bad("complete", value, "a list of meter names (non-empty strings)")
    return tuple(typing.cast("Sequence[str]", items))


def _base(value: object) -> ResourceState | None:
    if value is not None and not isinstance(value, ResourceState):
        raise _bad("base", value, "a ResourceState or None")
    return value


_NO_BASE: Final = (None, None, None, None, None, None)
#: ``past`` and ``seen`` are what ``attrs.evolve`` gives back of a state's memory.
_NOT_GIVEN: Final = object()
_NO_EVOLVE: Final = (
    "ResourceState is not changed with attrs.evolve: what it remembers of the records "
    "applied (history, base, digests) is kept in a form only ratekit writes. Change its "
    "JSON form, whose every field from_json() checks: "
    "ResourceState.from_json({**state.to_json(), 'status': 'stopped'})."
)


@typing.final
@attrs.frozen(repr=False, init=False)
class ResourceState:
    """Where one resource stands after a [`meter()`][ratekit.meter] call: what the next call continues.

    ``status`` is ``"unknown"``, ``"running"``, ``"stopped"`` or ``"deleted"``; the resource
    has had ``description`` since ``since_us`` (begun by record ``opened_by``). ``clock_us``
    and ``seq`` are the effective instant and sequence number of its last event (a later
    event stamped earlier is clamped to it). ``readings`` holds, per meter, the last sample
    (``(meter, at_us, value, kind, id, seq)``, ``seq`` the sample's or None): a counter's
    baseline, a gauge's level; of deltas, and of the readings an additive aggregation
    (`Count`) counts, the last `DELTAS` (16) in time order, so that a late event that
    describes the resource anew moves those at an instant to the new description, as
    metering at once prices them (all of them while there are at most 16 and none over a
    span, its ``complete``; else the oldest kept is a bound, and those after it move); of
    a counter, the last `READINGS` (32) readings in time
    order (a tie at one instant as metering orders it: by ``seq``, then the lower value
    first, then by id), so that a late reading between two of them splits their increment
    as metering at once does, and the next call orders them against its own readings of
    their instant as metering at once does (one older than those kept cannot be placed:
    it changes nothing from the oldest kept on, and its ``"late"`` anomaly says what is
    known of what it changes before). A reading given as five items, as states written
    before the ``seq`` was kept hold them, has none.

    What the next call needs so that nothing is lost or counted twice, bounded:

    - ``through_us``: the state's clock, the instant up to which the resource was metered
      (the end of the metered span, at most ``as_of`` but never before the span's
      start). A record stamped before it is **late**: what it changes before the clock is
      reported in [`Usage.late`][ratekit.Usage.late] with a ``"late"`` anomaly, never
      dropped.
    - [`digests`][ratekit.ResourceState.digests]: the records last applied (events,
      samples and inventories, with an id or without; per call, the events, then each
      meter's samples, each in time order, then the call's inventories: an inventory
      reconciles every resource of its call, so each of their states remembers it), at
      most `MEMORY` (1024) per resource, each known by its id and a 64-bit digest of its
      content (16 hex digits and the id, about 40 bytes each in JSON). A replay of any of
      them in a later batch is a ``"duplicate"``, with or without an id, as within one
      call; a record with one of their ids but other content (another value, instant,
      span or list of resources) is a conflict, as within one call
      ([`ConflictingRecordError`][ratekit.ConflictingRecordError], or a ``"conflict"``
      anomaly with ``conflicts="anomaly"``, the record applied first being kept). An id
      names one record: an event or sample under an id that the state of **another**
      resource (or account) remembers is a conflict too, and an inventory is looked up
      in every state carried (each knows its last `MEMORY` records and ids, counted over
      all calls).
      ``applied``: the ids of the last `MEMORY` records applied that have one (a state
      written before digests were kept has only these: a replay of one of them is a
      duplicate, its content unchecked). **Known limit**: a replay of an older record is
      not recognised; stamped before the clock, it is metered again as a late record
      (its ``"late"`` anomaly says so once the memory is full): hosts replaying deeper than 1024 records per
      resource must deduplicate themselves. What a state remembers is not part of its
      equality: two states of a resource at the same point are equal.
    - ``history``: the last `HISTORY` (16) events applied, in order, and ``base``, the
      state before them: a late event, or one whose ``seq`` puts it before events already
      applied, is ordered among them as if all had come at once, and the difference is
      reported as late. An event that belongs before ``base`` takes the base's clock
      (``"out_of_order"``, as within a call); an inventory snapshot whose scope covers
      the resource settles the history. A state with no history whose resource an
      inventory's listing opened again after a deletion keeps that deletion as its
      ``base``: an inventory closing it back at that listing leaves it deleted since
      then, and a later event comes after that deletion, as at once. A rater's
      compacted state may keep the piece before its base's too
      ([`before`][ratekit.ResourceState.before], written under ``"before"`` by
      ``to_json()``); metering never writes one, and keeps none.
      An inventory stamped before the clock is late too: it is applied from ``base``
      among the events since, and what it closes, opens or corrects before the clock is
      reported as late; one stamped before the base's clock takes effect there, but does
      not reopen a resource deleted or unknown there, nor before the last inventory
      that covered it (``listings``), which settled it even if it changed nothing (a
      ``"late"`` anomaly names it).
    - [`listings`][ratekit.ResourceState.listings]: the inventories that covered the
      resource at the last instant any did, so that a late inventory of that instant is
      applied with them by the rule of inventories at one instant.
    - [`pending`][ratekit.ResourceState.pending]: the amounts the call knew but spread
      past its clock (metered as of an instant after the span's end: a counter's
      increment up to a reading after it, a delta whose span runs past it, a delta
      stamped after it), each with its period: the next call bills their share in its
      span, as metering at once does (an ``"after_span"`` anomaly named them).

    The value is explicit and bounded; [`to_json()`][ratekit.ResourceState.to_json] and [`from_json()`][ratekit.ResourceState.from_json] turn it into
    JSON-safe data and back (Decimals as ``{"decimal": "..."}``), checking every field;
    change a state through that form (``attrs.evolve`` raises
    [`RatekitTypeError`][ratekit.RatekitTypeError] saying so).

    Metering the records stamped before T up to ``as_of=T``, then the rest over a span from
    T with ``state=`` the first result's state, gives the rows of metering everything at
    once, the late rows making up what the first call could not know.

    Examples:
        >>> import ratekit as rk
        >>> usage = rk.meter([rk.Event("acme", "vm-1", "2026-03-01T10:00:00Z", {"flavor": "m1.small"},
        ...                            kind="start", id="e1")],
        ...                  [rk.Meter("runtime", "hour", rk.OnOff())],
        ...                  span=rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"),
        ...                  cycle=None, as_of="2026-03-02T00:00:00Z")
        >>> state = usage.state[0]
        >>> state
        ResourceState('acme', 'vm-1', 'running', {'flavor': 'm1.small'}, since='2026-03-01T10:00:00Z', opened_by='e1')
        >>> state.through_us == usage.state[0].through_us == rk.Span("2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z").start_us
        True
        >>> rk.ResourceState.from_json(state.to_json()) == state
        True
    """

    account: str = attrs.field(converter=_state_account)
    resource: str = attrs.field(converter=_state_resource)
    status: Literal["unknown", "running", "stopped", "deleted"] = attrs.field(converter=_status)
    description: Mapping[str, object] = attrs.field(converter=_state_description)
    since_us: int | None = attrs.field(default=None, converter=_since)
    opened_by: str | None = attrs.field(default=None, converter=_opened_by)
    clock_us: int | None = attrs.field(default=None, converter=_clock)
    seq: int | None = attrs.field(default=None, converter=_seq_of)
    readings: tuple[Reading, ...] = attrs.field(default=(), converter=_readings)
    through_us: int | None = attrs.field(default=None, converter=_through)
    applied: tuple[str, ...] = attrs.field(default=(), converter=_applied, eq=False)
    # The base's status, description, since_us, opened_by, clock_us and seq (all None for
    # no base), then the history's events: one object per resource (see history, base).
    _past: tuple[object, ...] = _NO_BASE
    # The last records applied (see digests): each the record, or its (id, digest).
    _seen: tuple[_memory.Remembered, ...] = attrs.field(default=(), eq=False)
    # The counter and delta meters whose readings are kept from their first one (see readings).
    _complete: tuple[str, ...] = attrs.field(default=(), eq=False)
    # The inventories covering the resource applied at the last instant any was (see
    # listings): (at_us, ((id, listed attributes or None, close), ...)), or None.
    _listings: Listings | None = attrs.field(default=None, eq=False)
    # The amounts spread past the clock, not yet billed (see pending).
    _pending: tuple[Pending, ...] = attrs.field(default=(), eq=False)
    # The piece before the base's, as the base's fields (status, description, since_us,
    # opened_by, clock_us, seq), or () for none: the rater's (see before).
    _before: tuple[object, ...] = ()
    # Where the description in force at the clock began, as metering found it
    # (`_metering_next_state.described()`), for the rater's book; None: not said (a state built,
    # or read from JSON, which does not write it).
    _described: tuple[int, bool] | None = attrs.field(default=None, eq=False, init=False)

    def __init__(  # noqa: PLR0917 - the state's fields, as to_json() names them
        self,
        account: str,
        resource: str,
        status: Literal["unknown", "running", "stopped", "deleted"],
        description: Mapping[str, object],
        since_us: int | None = None,
        opened_by: str | None = None,
        clock_us: int | None = None,
        seq: int | None = None,
        readings: tuple[Reading, ...] = (),
        through_us: int | None = None,
        applied: tuple[str, ...] = (),
        history: tuple[Event, ...] = (),
        base: ResourceState | None = None,
        digests: Sequence[tuple[str | None, str]] = (),
        complete: Sequence[str] = (),
        listings: object = None,
        pending: object = (),
        before: ResourceState | None = None,
        *,
        past: object = _NOT_GIVEN,
        seen: object = _NOT_GIVEN,
    ) -> None:
        if past is not _NOT_GIVEN or seen is not _NOT_GIVEN:
            raise RatekitTypeError(_NO_EVOLVE)
        events = _history(history)
        known = _base(base)
        head: tuple[object, ...] = _NO_BASE if known is None else known._head()
        earlier = _base(before)
        if earlier is not None and known is None:
            raise _bad(
                "before",
                before,
                "None for a state without a base (it is the piece before the base's)",
            )
        self.__attrs_init__(
            account,
            resource,
            status,
            description,
            since_us,
            opened_by,
            clock_us,
            seq,
            readings,
            through_us,
            applied,
            (*head, *events),
            _memory.door(digests),
            _complete_names(complete),
            listings_door(listings),
            pending_door(pending),
            _piece(earlier),
        )
        consistent(self)

    def _head(self) -> tuple[object, ...]:
        """The fields of this state as a base (see ``_past``); a fresh one is no base."""
        if (
            self.status == "unknown"
            and not self.description
            and self.since_us is None
            and self.opened_by is None
            and self.clock_us is None
            and self.seq is None
        ):
            return _NO_BASE
        return (
            self.status,
            self.description,
            self.since_us,
            self.opened_by,
            self.clock_us,
            self.seq,
        )

    @property
    def history(self) -> tuple[Event, ...]:
        """The last events applied, in order (at most `HISTORY`)."""
        history: tuple[Event, ...] = self._past[6:]  # type: ignore[assignment]
        return history

    @property
    def digests(self) -> tuple[tuple[str | None, str], ...]:
        """The last records applied (at most `MEMORY`), each as ``(id or None, digest)``.

        The digest is the first 16 hex digits of the sha256 of the record's normalised
        content (a number by its value, however written): a later record equal to one of them is a ``"duplicate"``, one with a
        remembered id and another digest a conflict. O(m), a sha256 per record the first
        time it is asked (the state holds the records themselves until then, and keeps the
        digests from then on, as the states that continue from it do).
        """
        seen = self._seen
        if all(type(item) is tuple for item in seen):
            return typing.cast("tuple[tuple[str | None, str], ...]", seen)
        pairs = _memory.pairs(seen)
        _STATE_SETTERS[_SETTER_NAMES.index("_seen")](self, pairs)  # a cache, not the value
        return pairs

    @property
    def listings(self) -> Listings | None:
        """The inventories applied at the last instant one covering the resource was.

        ``(at_us, ((id, attributes or None, close), ...))``: each inventory stamped
        ``at_us`` whose scope covered the resource, with the attributes it listed it with
        (``None``: it covered it and did not list it) and its ``close`` policy; ``None``
        when none was applied. An inventory of that same instant that comes in a later
        call is applied with them, by the rule of inventories at one instant (a resource
        listed by any is present; a disagreement is a ``"tie"``), so the order in which
        they come does not matter. O(1).
        """
        return self._listings

    @property
    def pending(self) -> tuple[Pending, ...]:
        """The amounts known but spread past the clock, not yet billed by any call.

        ``((meter, start_us, end_us, amount, record_ids), ...)``: an amount spread
        linearly over ``[start_us, end_us)`` (at the instant when they are equal), of
        which the calls so far billed the share before the clock
        (``through_us``); the next call bills the share
        in its span, and keeps what lies after it. Metering as of an instant after the
        span's end knows such amounts (a counter reading, a delta over a span, stamped
        after the span). O(1).
        """
        return self._pending

    @property
    def base(self) -> ResourceState | None:
        """Where the resource stood before [`history`][ratekit.ResourceState.history] (``None``: never seen).

        With a [`before`][ratekit.ResourceState.before] piece, the base has it as its own
        base, so that its timeline runs from there. O(1).
        """
        past = self._past
        if past[0] is None:
            return None
        before = self._before or _NO_BASE
        return _new_state(self.account, self.resource, *past[:6], (), None, (), before)

    @property
    def before(self) -> ResourceState | None:
        """The piece before the base's, or ``None``: the rater's compacted states keep one.

        A state has its description since ``since_us``; its base, the piece before
        its history (or, with no history, before its own piece); and a rater's compacted
        state may keep the piece before that too: where the running stretch of a
        resource whose base is a resize began (a first reading from zero counts from
        there, and an inventory that closes the resource names the resize), or where a
        resource stood before a DELETE that a listing opened it again after (an event
        stamped before the DELETE and fed later is placed there). Metering never writes
        one. O(1).
        """
        before = self._before
        if not before:
            return None
        return _new_state(self.account, self.resource, *before, (), None, (), _NO_BASE)

    @in_context  # numbers and digests written as ratekit writes them, not in the caller's capitals
    def to_json(self) -> dict[str, object]:
        """JSON-safe data (str, int, None, lists and dicts only).

        Examples:
            >>> import ratekit as rk
            >>> rk.ResourceState("acme", "vm-1", "stopped", {"memory_gb": 0.5}).to_json()["description"]
            {'memory_gb': {'decimal': '0.5'}}
        """
        return _json.state_to_json(self)

    @classmethod
    def from_json(cls, data: object) -> ResourceState:
        """The state that [`to_json()`][ratekit.ResourceState.to_json] produced; a malformed field raises an error naming it.

        Raises [`RatekitTypeError`][ratekit.RatekitTypeError] (or [`BadQuantityError`][ratekit.BadQuantityError]
        for a bad number, [`BadTimeError`][ratekit.BadTimeError] for an instant out of range)
        naming the field and what it accepts; the fields are then checked against each
        other, as by the constructor, and a state no metering call writes (``since_us``
        after ``clock_us``, a base after the state, a ``seq`` without a clock, more records,
        events or readings than a state keeps, readings out of time order, a reading's
        ``seq`` that is not an int or None, a history event of another resource) raises
        [`RatekitTypeError`][ratekit.RatekitTypeError] naming the resource and the field (a
        reading's ``seq`` out of a sample's range,
        [`BadRecordError`][ratekit.BadRecordError]). A reading is ``[meter, at_us, value,
        kind, id, seq]``, or without its ``seq`` (None), as states written before it was
        kept hold it. A mapping or list of your own (not a ``dict`` or ``list``) is read
        once, through its items: one whose code raises is a
        [`RatekitTypeError`][ratekit.RatekitTypeError] too, its error chained.

        Examples:
            >>> import ratekit as rk
            >>> rk.ResourceState.from_json({"account": "a", "resource": "r", "status": "deleted",
            ...                             "description": {}}).status
            'deleted'
            >>> try:
            ...     rk.ResourceState.from_json({"account": "a", "resource": "r", "status": "running",
            ...                                 "description": "m1.small"})
            ... except rk.RatekitTypeError as error:
            ...     print(error)
            ResourceState description must be a mapping of names to values, not str: 'm1.small'.
        """
        return _json.state_from_json(cls, data)

    @plain_text
    def __repr__(self) -> str:
        text = (
            f"ResourceState({self.account!r}, {self.resource!r}, {self.status!r}, "
            f"{self.description!r}"
        )
        if self.since_us is not None:
            text += f", since={format_us(self.since_us)!r}"
        if self.opened_by is not None:
            text += f", opened_by={self.opened_by!r}"
        return text + ")"


_SETTER_NAMES: Final = (
    "account",
    "resource",
    "status",
    "description",
    "since_us",
    "opened_by",
    "clock_us",
    "seq",
    "readings",
    "through_us",
    "applied",
    "_past",
    "_seen",
    "_complete",
    "_listings",
    "_pending",
    "_before",
    "_described",
)
_STATE_SETTERS: Final = _v.slot_setters(ResourceState, *_SETTER_NAMES)


#: A state under construction: ResourceState's slots, set by plain stores (`_new_state()`).
_StateMade: Final = _v.plain_twin(ResourceState)


def _new_state(
    *values: object,
    seen: tuple[object, ...] = (),
    complete: tuple[str, ...] = (),
    listings: Listings | None = None,
    pending: tuple[Pending, ...] = (),
    before: tuple[object, ...] = (),
    described: tuple[int, bool] | None = None,
) -> ResourceState:
    """A [`ResourceState`][ratekit.ResourceState] of values known to be valid (metering's own): no checks."""
    state: typing.Any = _new(_StateMade)
    # Plain stores, then the class set (see `_v.plain_twin`): one state per resource per
    # metering call. (The unpacking refuses a count of values other than the fields'.)
    (
        state.account,
        state.resource,
        state.status,
        state.description,
        state.since_us,
        state.opened_by,
        state.clock_us,
        state.seq,
        state.readings,
        state.through_us,
        state.applied,
        state._past,
    ) = values
    state._seen = seen
    state._complete = complete
    state._listings = listings
    state._pending = pending
    state._before = before
    state._described = described
    state.__class__ = ResourceState
    made: ResourceState = state
    return made


def _piece(state: ResourceState | None) -> tuple[object, ...]:
    """``state``'s fields as a ``before`` piece: () for none (or a fresh state). O(1)."""
    if state is None:
        return ()
    head = state._head()
    return () if head is _NO_BASE else head
