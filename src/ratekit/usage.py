"""Usage values: what metering returns.

[`UsageRow`][ratekit.UsageRow] is the quantity of one meter used by one resource over one piece of
time; [`Usage`][ratekit.Usage] gathers the rows, the anomalies and the [`ResourceState`][ratekit.ResourceState] of
each resource, which the next metering call continues from.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final, Literal

import attrs

from . import _metering_memory as _memory
from . import _values as _v
from ._decimals import CONTEXT, ZERO
from ._decimals import tidy as _tidy
from ._descriptions import _FrozenDict
from ._fields import (
    _applied,
    _bad,
    _clock,
    _decode_event,
    _decode_mapping,
    _encode,
    _encode_event,
    _history,
    _opened_by,
    _readings,
    _row_account,
    _row_cycle,
    _row_description,
    _row_meter,
    _row_quantity,
    _row_resource,
    _row_span,
    _row_unit,
    _seq_of,
    _sequence,
    _since,
    _state_account,
    _state_description,
    _state_resource,
    _state_text,
    _status,
    _through,
)
from ._instants import format_us
from .errors import RatekitTypeError
from .records import (
    Anomaly,
    Event,
)
from .render import usage_html
from .spans import Span

__all__ = [
    "HISTORY",
    "MEMORY",
    "ResourceState",
    "Usage",
    "UsageRow",
]

# -- results --------------------------------------------------------------------------------


@typing.final
@attrs.frozen(repr=False)
class UsageRow:
    """The quantity of one meter used by one resource over one piece of time.

    Over ``span`` the resource's ``description`` and the billing ``cycle`` are constant.
    ``quantity`` is an exact Decimal in ``unit``; ``record_ids`` are the ids of the
    records behind it (the events that began and ended the piece, or the samples).

    Examples:
        >>> import ratekit as rk
        >>> from decimal import Decimal
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> rk.UsageRow("acme", "runtime", "vm-1", rk.Span("2026-03-01T10:00:00Z", "2026-03-01T11:30:00Z"),
        ...             march, Decimal("1.5"), "hour", {"flavor": "m1.small"}, ("e1", "e2"))
        UsageRow('acme', 'runtime', 'vm-1', '2026-03-01T10:00:00Z'..'2026-03-01T11:30:00Z', 1.5 hour, {'flavor': 'm1.small'}, record_ids=('e1', 'e2'))
    """

    account: str = attrs.field(converter=_row_account)
    """Who."""
    meter: str = attrs.field(converter=_row_meter)
    """What (the meter's name)."""
    resource: str = attrs.field(converter=_row_resource)
    """Which."""
    span: Span = attrs.field(converter=_row_span)
    """The piece of time."""
    cycle: Span = attrs.field(converter=_row_cycle)
    """The billing cycle the piece belongs to."""
    quantity: Decimal = attrs.field(converter=_row_quantity)
    """The exact quantity, in ``unit``."""
    unit: str = attrs.field(converter=_row_unit)
    """The meter's unit."""
    description: Mapping[str, object] = attrs.field(converter=_row_description)
    """The resource's attributes in force over the piece (read-only)."""
    record_ids: tuple[str, ...] = attrs.field(
        default=(), converter=_v.to_tuple, validator=_v.items(str, "record ids (strings)")
    )
    """The ids of the records behind the row."""

    def __repr__(self) -> str:
        return (
            f"UsageRow({self.account!r}, {self.meter!r}, {self.resource!r}, "
            f"{format_us(self.span.start_us)!r}..{format_us(self.span.end_us)!r}, "
            f"{self.quantity} {self.unit}, {self.description!r}, record_ids={self.record_ids!r})"
        )


def _slot_setters(cls: type, *names: str) -> tuple[Callable[[object, object], None], ...]:
    # A slot's descriptor sets the value without going through the frozen __setattr__.
    return tuple(cls.__dict__[name].__set__ for name in names)


(
    _SET_ACCOUNT,
    _SET_METER,
    _SET_RESOURCE,
    _SET_SPAN,
    _SET_CYCLE,
    _SET_QUANTITY,
    _SET_UNIT,
    _SET_DESCRIPTION,
    _SET_RECORD_IDS,
) = _slot_setters(
    UsageRow,
    "account",
    "meter",
    "resource",
    "span",
    "cycle",
    "quantity",
    "unit",
    "description",
    "record_ids",
)
_SET_START, _SET_END = _slot_setters(Span, "start_us", "end_us")
_new = object.__new__


def _new_span(start_us: int, end_us: int) -> Span:
    # The hot path of Span.from_us, for endpoints already known to be in order.
    span = _new(Span)
    _SET_START(span, start_us)
    _SET_END(span, end_us)
    return span


def _new_row(  # noqa: PLR0917 - private plumbing of plain values
    account: str,
    meter_name: str,
    resource: str,
    span: Span,
    cycle: Span,
    quantity: Decimal,
    unit: str,
    description: _FrozenDict,
    record_ids: tuple[str, ...],
) -> UsageRow:
    # The hot path: the fields are already converted, so skip the converters.
    row = _new(UsageRow)
    _SET_ACCOUNT(row, account)
    _SET_METER(row, meter_name)
    _SET_RESOURCE(row, resource)
    _SET_SPAN(row, span)
    _SET_CYCLE(row, cycle)
    _SET_QUANTITY(row, quantity)
    _SET_UNIT(row, unit)
    _SET_DESCRIPTION(row, description)
    _SET_RECORD_IDS(row, record_ids)
    return row


#: How many record ids a `ResourceState` remembers (the most recent ones).
MEMORY: Final = 1024
#: How many of its latest events a `ResourceState` keeps, to re-order late ones.
HISTORY: Final = 16


def _base(value: object) -> ResourceState | None:
    if value is not None and not isinstance(value, ResourceState):
        raise _bad("base", value, "a ResourceState or None")
    return value


_NO_BASE: Final = (None, None, None, None, None, None)


@typing.final
@attrs.frozen(repr=False, init=False)
class ResourceState:
    """Where one resource stands after a [`meter()`][ratekit.meter] call: what the next call continues.

    ``status`` is ``"unknown"``, ``"running"``, ``"stopped"`` or ``"deleted"``; the resource
    has had ``description`` since ``since_us`` (begun by record ``opened_by``). ``clock_us``
    and ``seq`` are the effective instant and sequence number of its last event (a later
    event stamped earlier is clamped to it). ``readings`` holds, per meter, the last sample
    (``(meter, at_us, value, kind, id)``): a counter's baseline, a gauge's level.

    What the next call needs so that nothing is lost or counted twice, bounded:

    - ``through_us``: the state's clock, the instant up to which the resource was metered
      (the end of the metered span, at most ``as_of``). A record stamped before it is
      **late**: what it changes before the clock is reported in [`Usage.late`][ratekit.Usage.late] with a
      ``"late"`` anomaly, never dropped.
    - [`digests`][ratekit.ResourceState.digests]: the records last applied (events and
      samples, with an id or without; per call, the events, then each meter's samples,
      each in time order), at most `MEMORY` (1024) per resource, each known by its id and
      a 64-bit digest of its content (16 hex digits and the id, about 40 bytes each in
      JSON). A replay of any of them in a later batch is a ``"duplicate"``, with or
      without an id, as within one call; a record with one of their ids but other content
      (another value, instant or span) is a conflict, as within one call
      ([`ConflictingRecordError`][ratekit.ConflictingRecordError], or a ``"conflict"``
      anomaly with ``conflicts="anomaly"``, the record applied first being kept).
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
      (``"out_of_order"``, as within a call); an inventory snapshot settles the history.

    The value is explicit and bounded; [`to_json()`][ratekit.ResourceState.to_json] and [`from_json()`][ratekit.ResourceState.from_json] turn it into
    JSON-safe data and back (Decimals as ``{"decimal": "..."}``), checking every field.

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
    readings: tuple[tuple[str, int, Decimal, str, str | None], ...] = attrs.field(
        default=(), converter=_readings
    )
    through_us: int | None = attrs.field(default=None, converter=_through)
    applied: tuple[str, ...] = attrs.field(default=(), converter=_applied, eq=False)
    # The base's status, description, since_us, opened_by, clock_us and seq (all None for
    # no base), then the history's events: one object per resource (see history, base).
    _past: tuple[object, ...] = _NO_BASE
    # The last records applied (see digests): each the record, or its (id, digest).
    _seen: tuple[_memory.Remembered, ...] = attrs.field(default=(), eq=False)

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
        readings: tuple[tuple[str, int, Decimal, str, str | None], ...] = (),
        through_us: int | None = None,
        applied: tuple[str, ...] = (),
        history: tuple[Event, ...] = (),
        base: ResourceState | None = None,
        digests: Sequence[tuple[str | None, str]] = (),
    ) -> None:
        events = _history(history)
        known = _base(base)
        head: tuple[object, ...] = _NO_BASE if known is None else known._head()
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
        )

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
        return typing.cast("tuple[Event, ...]", self._past[6:])

    @property
    def digests(self) -> tuple[tuple[str | None, str], ...]:
        """The last records applied (at most `MEMORY`), each as ``(id or None, digest)``.

        The digest is the first 16 hex digits of the sha256 of the record's canonical
        content: a later record equal to one of them is a ``"duplicate"``, one with a
        remembered id and another digest a conflict. O(m), a sha256 per record the first
        time it is asked (the state holds the records themselves until then, and keeps the
        digests from then on, as the states that continue from it do).
        """
        seen = self._seen
        if all(type(item) is tuple for item in seen):
            return typing.cast("tuple[tuple[str | None, str], ...]", seen)
        pairs = _memory.pairs(seen)
        _STATE_SETTERS[-1](self, pairs)  # a cache: not part of the state's value
        return pairs

    @property
    def base(self) -> ResourceState | None:
        """Where the resource stood before [`history`][ratekit.ResourceState.history] (``None``: never seen)."""
        past = self._past
        if past[0] is None:
            return None
        return _new_state(self.account, self.resource, *past[:6], (), None, (), _NO_BASE)

    def to_json(self) -> dict[str, object]:
        """JSON-safe data (str, int, None, lists and dicts only).

        Examples:
            >>> import ratekit as rk
            >>> rk.ResourceState("acme", "vm-1", "stopped", {"memory_gb": 0.5}).to_json()["description"]
            {'memory_gb': {'decimal': '0.5'}}
        """
        return {
            "account": self.account,
            "resource": self.resource,
            "status": self.status,
            "description": {key: _encode(value) for key, value in self.description.items()},
            "since_us": self.since_us,
            "opened_by": self.opened_by,
            "clock_us": self.clock_us,
            "seq": self.seq,
            "readings": [
                [meter_name, at_us, str(value), kind, record_id]
                for meter_name, at_us, value, kind, record_id in self.readings
            ],
            "through_us": self.through_us,
            "applied": list(self.applied),
            "history": [_encode_event(event) for event in self.history],
            "base": None if self.base is None else self.base.to_json(),
        } | ({"digests": [list(pair) for pair in self.digests]} if self._seen else {})

    @classmethod
    def from_json(cls, data: object) -> ResourceState:
        """The state that [`to_json()`][ratekit.ResourceState.to_json] produced; a malformed field raises an error naming it.

        Raises [`RatekitTypeError`][ratekit.RatekitTypeError] (or [`BadQuantityError`][ratekit.BadQuantityError]
        for a bad number) naming the field and what it accepts.

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
        if not isinstance(data, Mapping):
            raise _bad("data", data, "a mapping (what to_json() returned)")
        for key in ("account", "resource", "status", "description"):
            if key not in data:
                raise RatekitTypeError(
                    f"ResourceState data lacks {key!r}; it holds account, resource, status, "
                    "description and optional fields, as to_json() returns them."
                )
        account = _state_text("account", data["account"])
        resource = _state_text("resource", data["resource"])
        assert account is not None
        assert resource is not None
        base = data.get("base")
        return cls(
            account,
            resource,
            _status(data["status"]),
            _decode_mapping("description", data["description"]),
            data.get("since_us"),
            data.get("opened_by"),
            data.get("clock_us"),
            data.get("seq"),
            data.get("readings", ()),
            data.get("through_us"),
            data.get("applied", ()),
            tuple(
                _decode_event(account, resource, item)
                for item in _sequence("history", data.get("history", ()))
            ),
            None if base is None else cls.from_json(base),
            data.get("digests", ()),
        )

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


_STATE_SETTERS: Final = _slot_setters(
    ResourceState,
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
)


def _new_state(*values: object, seen: tuple[object, ...] = ()) -> ResourceState:
    """A [`ResourceState`][ratekit.ResourceState] of values known to be valid (metering's own): no checks."""
    state = _new(ResourceState)
    for setter, value in zip(_STATE_SETTERS, (*values, seen), strict=True):
        setter(state, value)
    return state


_NoEffect: typing.TypeAlias = (
    tuple[tuple[str, str], ...] | Callable[[], tuple[tuple[str, str], ...]]
)


def _no_effect_value(value: _NoEffect | list[tuple[str, str]]) -> _NoEffect:
    return tuple(value) if isinstance(value, list) else value


def _no_effect_door(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # Metering passes a function (worked out on first use); a caller gives the pairs.
    if callable(value):
        return
    if not (
        type(value) is tuple
        and all(
            type(pair) is tuple and len(pair) == 2 and all(type(part) is str for part in pair)
            for pair in value
        )
    ):
        raise _v.refused(instance, attribute, value, "a list of (record id, reason) string pairs")


@typing.final
@attrs.frozen(repr=False)
class Usage:
    """What [`meter()`][ratekit.meter] returns: the usage rows, the anomalies and the state to carry.

    ``rows`` are ordered by account, resource, meter and time; ``anomalies`` by time, then
    account and resource; ``state`` by account and resource.

    Examples:
        >>> import ratekit as rk
        >>> usage = rk.meter([], [rk.Meter("runtime", "hour", rk.OnOff())],
        ...                  span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
        ...                  cycle=None, as_of="2026-04-01T00:00:00Z")
        >>> usage
        Usage(0 rows, 0 anomalies, 0 resources)
        >>> usage.total()
        Decimal('0')
    """

    rows: tuple[UsageRow, ...] = attrs.field(
        converter=_v.to_tuple, validator=_v.items(UsageRow, "UsageRows")
    )
    """The usage rows."""
    anomalies: tuple[Anomaly, ...] = attrs.field(
        converter=_v.to_tuple, validator=_v.items(Anomaly, "Anomaly values")
    )
    """Everything odd in the records, and what was done about it."""
    state: tuple[ResourceState, ...] = attrs.field(
        converter=_v.to_tuple, validator=_v.items(ResourceState, "ResourceStates")
    )
    """Each resource's state at ``as_of``, for the next call."""
    late: tuple[UsageRow, ...] = attrs.field(
        default=(), converter=_v.to_tuple, validator=_v.items(UsageRow, "UsageRows")
    )
    """Continuing from a state: what late records change before the state's clock, as rows
    (a negative quantity takes away), per account, meter, resource and cycle; each has a
    ``"late"`` anomaly. Rows plus late rows over a run of calls equal one call over all."""
    _no_effect: _NoEffect = attrs.field(
        default=(),
        eq=False,
        alias="no_effect",
        converter=_no_effect_value,
        validator=_no_effect_door,
    )

    @property
    def no_effect(self) -> tuple[tuple[str, str], ...]:
        """``(record id, reason)`` of every record with an id in no row, late row or anomaly.

        Sorted by id; see ``docs/usage.md`` for the reasons. Worked out on first use (so
        that metering pays nothing for it), then kept. O(n) for n records.
        """
        value = self._no_effect
        if callable(value):
            value = value()
            object.__setattr__(self, "_no_effect", value)
        return value

    def accounted(self) -> frozenset[str]:
        """Every record id the result accounts for. O(n).

        An id is in a row, a late row, an anomaly or [`no_effect`][ratekit.Usage.no_effect]; every id given to
        [`meter()`][ratekit.meter] is in it.

        Examples:
            >>> import ratekit as rk
            >>> counter = rk.Meter("egress", "B", rk.Counter())
            >>> usage = rk.meter([rk.Sample("a", "ip", "egress", "2026-03-01T10:00:00Z", 900,
            ...                             kind="counter", id="c1")], [counter],
            ...                  span=rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"),
            ...                  cycle=None, as_of="2026-03-02T00:00:00Z")
            >>> usage.rows, usage.no_effect, usage.accounted()
            ((), (('c1', 'baseline'),), frozenset({'c1'}))
        """
        ids: set[str] = set()
        for row in (*self.rows, *self.late):
            ids.update(row.record_ids)
        for anomaly in self.anomalies:
            ids.update(anomaly.record_ids)
        ids.update(record_id for record_id, _ in self.no_effect)
        return frozenset(ids)

    def total(
        self, meter: str | None = None, *, account: str | None = None, resource: str | None = None
    ) -> Decimal:
        """The sum of the quantities of the rows that match (all rows by default). O(n).

        Examples:
            >>> import ratekit as rk
            >>> rk.meter([], [], span=rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"),
            ...          cycle=None, as_of="2026-03-02T00:00:00Z").total("runtime")
            Decimal('0')
        """
        total = ZERO
        for row in self.rows:
            if (
                (meter is None or row.meter == meter)
                and (account is None or row.account == account)
                and (resource is None or row.resource == resource)
            ):
                total = CONTEXT.add(total, row.quantity)
        return _tidy(total)

    def _repr_html_(self) -> str:
        """The rows as an HTML table, for notebooks (every user string escaped)."""
        return usage_html(self)

    def __repr__(self) -> str:
        def count(n: int, one: str, many: str) -> str:
            return f"{n} {one if n == 1 else many}"

        text = (
            f"Usage({count(len(self.rows), 'row', 'rows')}, "
            f"{count(len(self.anomalies), 'anomaly', 'anomalies')}, "
            f"{count(len(self.state), 'resource', 'resources')}"
        )
        if self.late:
            text += f", {count(len(self.late), 'late row', 'late rows')}"
        return text + ")"
