"""Usage values: what metering returns.

:class:`UsageRow` is the quantity of one meter used by one resource over one piece of
time; :class:`Usage` gathers the rows, the anomalies and the :class:`ResourceState` of
each resource, which the next metering call continues from.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Literal

import attrs

from ._decimals import CONTEXT, ZERO, to_decimal
from ._decimals import tidy as _tidy
from ._instants import format_us
from .records import (
    Anomaly,
    _attributes,
    _FrozenDict,
    _id_tuple,
    decode_value,
    encode_value,
)
from .render import usage_html
from .spans import Span

__all__ = [
    "ResourceState",
    "Usage",
    "UsageRow",
]

# -- results --------------------------------------------------------------------------------


def _description(value: object) -> Mapping[str, object]:
    return _attributes(value, "description")


def _row_quantity(value: object) -> Decimal:
    return to_decimal(value, "UsageRow quantity")


@typing.final
@attrs.frozen(repr=False)
class UsageRow:
    """The quantity of one meter used by one resource over one piece of time.

    Over ``span`` the resource's ``description`` and the billing ``cycle`` are constant.
    ``quantity`` is an exact Decimal in ``unit``; ``record_ids`` are the ids of the
    records behind it (the events that began and ended the piece, or the samples).

    Example:
        >>> import ratekit as rk
        >>> from decimal import Decimal
        >>> march = rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")
        >>> rk.UsageRow("acme", "runtime", "vm-1", rk.Span("2026-03-01T10:00:00Z", "2026-03-01T11:30:00Z"),
        ...             march, Decimal("1.5"), "hour", {"flavor": "m1.small"}, ("e1", "e2"))
        UsageRow('acme', 'runtime', 'vm-1', '2026-03-01T10:00:00Z'..'2026-03-01T11:30:00Z', 1.5 hour, {'flavor': 'm1.small'}, record_ids=('e1', 'e2'))
    """

    account: str
    """Who."""
    meter: str
    """What (the meter's name)."""
    resource: str
    """Which."""
    span: Span
    """The piece of time."""
    cycle: Span
    """The billing cycle the piece belongs to."""
    quantity: Decimal = attrs.field(converter=_row_quantity)
    """The exact quantity, in ``unit``."""
    unit: str
    """The meter's unit."""
    description: Mapping[str, object] = attrs.field(converter=_description)
    """The resource's attributes in force over the piece (read-only)."""
    record_ids: tuple[str, ...] = attrs.field(default=(), converter=_id_tuple)
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


_encode: Callable[[object], object] = encode_value  # nested values too (records.encode_value)
_decode: Callable[[object], object] = decode_value


@typing.final
@attrs.frozen(repr=False)
class ResourceState:
    """Where one resource stands after a :func:`meter` call: what the next call continues.

    ``status`` is ``"unknown"``, ``"running"``, ``"stopped"`` or ``"deleted"``; the resource
    has had ``description`` since ``since_us`` (begun by record ``opened_by``). ``clock_us``
    and ``seq`` are the effective instant and sequence number of its last event (a later
    event stamped earlier is clamped to it). ``readings`` holds, per meter, the last sample
    (``(meter, at_us, value, kind, id)``): a counter's baseline, a gauge's level. The value
    is small and explicit; :meth:`to_json` and :meth:`from_json` turn it into JSON-safe
    data and back (Decimals as ``{"decimal": "..."}``).

    Metering the records stamped before T up to ``as_of=T``, then the records from T on
    over a span from T with ``state=`` the first result's state, gives exactly the rows
    of metering all the records over that span at once. Records stamped before T that
    arrive only in a later batch are late: an event is clamped to the resource's clock (an
    ``"out_of_order"`` anomaly), a sample falls before the span; correcting cycles already
    rated is the rater's job.

    Example:
        >>> import ratekit as rk
        >>> usage = rk.meter([rk.Event("acme", "vm-1", "2026-03-01T10:00:00Z", {"flavor": "m1.small"},
        ...                            kind="start", id="e1")],
        ...                  [rk.Meter("runtime", "hour", rk.OnOff())],
        ...                  span=rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"),
        ...                  cycle=None, as_of="2026-03-02T00:00:00Z")
        >>> state = usage.state[0]
        >>> state
        ResourceState('acme', 'vm-1', 'running', {'flavor': 'm1.small'}, since='2026-03-01T10:00:00Z', opened_by='e1')
        >>> rk.ResourceState.from_json(state.to_json()) == state
        True
    """

    account: str
    resource: str
    status: Literal["unknown", "running", "stopped", "deleted"]
    description: Mapping[str, object] = attrs.field(converter=_description)
    since_us: int | None = None
    opened_by: str | None = None
    clock_us: int | None = None
    seq: int | None = None
    readings: tuple[tuple[str, int, Decimal, str, str | None], ...] = ()

    def to_json(self) -> dict[str, object]:
        """JSON-safe data (str, int, None, lists and dicts only).

        Example:
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
        }

    @classmethod
    def from_json(cls, data: Mapping[str, typing.Any]) -> ResourceState:
        """The state that :meth:`to_json` produced.

        Example:
            >>> import ratekit as rk
            >>> rk.ResourceState.from_json({"account": "a", "resource": "r", "status": "deleted",
            ...                             "description": {}}).status
            'deleted'
        """
        return cls(
            data["account"],
            data["resource"],
            data["status"],
            {key: _decode(value) for key, value in data["description"].items()},
            data.get("since_us"),
            data.get("opened_by"),
            data.get("clock_us"),
            data.get("seq"),
            tuple(
                (meter_name, at_us, Decimal(value), kind, record_id)
                for meter_name, at_us, value, kind, record_id in data.get("readings", ())
            ),
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


@typing.final
@attrs.frozen(repr=False)
class Usage:
    """What :func:`meter` returns: the usage rows, the anomalies and the state to carry.

    ``rows`` are ordered by account, resource, meter and time; ``anomalies`` by time, then
    account and resource; ``state`` by account and resource.

    Example:
        >>> import ratekit as rk
        >>> usage = rk.meter([], [rk.Meter("runtime", "hour", rk.OnOff())],
        ...                  span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
        ...                  cycle=None, as_of="2026-04-01T00:00:00Z")
        >>> usage
        Usage(0 rows, 0 anomalies, 0 resources)
        >>> usage.total()
        Decimal('0')
    """

    rows: tuple[UsageRow, ...]
    """The usage rows."""
    anomalies: tuple[Anomaly, ...]
    """Everything odd in the records, and what was done about it."""
    state: tuple[ResourceState, ...]
    """Each resource's state at ``as_of``, for the next call."""

    def total(
        self, meter: str | None = None, *, account: str | None = None, resource: str | None = None
    ) -> Decimal:
        """The sum of the quantities of the rows that match (all rows by default). O(n).

        Example:
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

        return (
            f"Usage({count(len(self.rows), 'row', 'rows')}, "
            f"{count(len(self.anomalies), 'anomaly', 'anomalies')}, "
            f"{count(len(self.state), 'resource', 'resources')})"
        )
