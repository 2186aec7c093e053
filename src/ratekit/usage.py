"""Usage values: what metering returns.

[`UsageRow`][ratekit.UsageRow] is the quantity of one meter used by one resource over one piece of
time; [`Usage`][ratekit.Usage] gathers the rows, the anomalies and the [`ResourceState`][ratekit.ResourceState] of
each resource, which the next metering call continues from.
"""

from __future__ import annotations

import operator
import typing
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

import attrs

from . import _values as _v
from ._caller_objects import read_items, read_once
from ._decimals import CONTEXT, ZERO
from ._decimals import tidy as _tidy
from ._descriptions import _FrozenDict
from ._entry_points import plain_text
from ._fields import (
    _row_account,
    _row_cycle,
    _row_description,
    _row_meter,
    _row_quantity,
    _row_resource,
    _row_span,
    _row_unit,
)
from ._frozen_map import FrozenMap
from ._instants import MAX_US, MIN_US, format_us
from ._resource_state import HISTORY, MEMORY, ResourceState
from ._shown import show
from ._totals import only
from .errors import RatekitError, RatekitTypeError, UnitError
from .policies import Meter
from .records import (
    Anomaly,
)
from .render import visible
from .render_html import usage_html
from .spans import Span
from .units import Unit

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
    records behind it (the events that began and ended the piece, or the samples), each
    once, sorted (see ``record_ids``).

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
    """The piece of time the quantity is attributed to, not the instants it was used.

    A piece runs between cuts (a change of description, a cycle's end, a price's cut or
    window); a counter's increment is attributed to the stretch of the resource's life
    it was counted over (from its start, or its reading before), cut so, and a sample's
    quantity to its interval.
    """
    cycle: Span = attrs.field(converter=_row_cycle)
    """The billing cycle the piece belongs to."""
    quantity: Decimal = attrs.field(
        converter=_row_quantity, metadata={"usage": True, "carried": True}
    )
    """The exact quantity, in ``unit``: at most 60 significant digits, from 1E-100 to 1E+60."""
    unit: str = attrs.field(converter=_row_unit)
    """The meter's unit."""
    description: Mapping[str, object] = attrs.field(converter=_row_description)
    """The resource's attributes in force over the piece (read-only)."""
    record_ids: tuple[str, ...] = attrs.field(
        default=(), converter=_v.to_tuple, validator=_v.record_ids
    )
    """The ids of the records behind the row, each once, sorted (as strings).

    One order, whatever the records' order or instants: metering everything at once, a
    [`Rater`][ratekit.Rater] that continued the piece from its carried state, and one
    restored from a snapshot give a row the same tuple. A row made by hand keeps the
    ids as given.
    """

    @plain_text
    def __repr__(self) -> str:
        return (
            f"UsageRow({self.account!r}, {self.meter!r}, {self.resource!r}, "
            f"{format_us(self.span.start_us)!r}..{format_us(self.span.end_us)!r}, "
            f"{self.quantity} {visible(self.unit)}, {self.description!r}, record_ids={self.record_ids!r})"
        )


_SET_START, _SET_END = _v.slot_setters(Span, "start_us", "end_us")
_new = object.__new__


#: A row under construction: UsageRow's slots, set by plain stores (metering's route).
_RowMade: Final = _v.plain_twin(UsageRow)


def _new_span(start_us: int, end_us: int) -> Span:
    # The hot path of Span.from_us, for endpoints already known to be in order.
    span = _new(Span)
    _SET_START(span, start_us)
    _SET_END(span, end_us)
    return span


def _ordered_ids(ids: Iterable[str]) -> tuple[str, ...]:
    """A row's record ids in their one order: each id once, sorted (as strings).

    Metering from scratch, a continuation joined to the rows before it, a late row: all
    give their rows' ids through this, so the ids of a piece read the same however it
    was metered (at once, in steps, restored from a snapshot). O(k log k) for k ids,
    O(k) when they come sorted.
    """
    found = ids if type(ids) is tuple else tuple(ids)
    count = len(found)
    if count < 2:  # one id, or none: in order already
        return found
    if count == 2:  # a piece's opener and closer, the common case: no sort, no set
        first, second = found
        if first < second:
            return found
        return (second, first) if second < first else (first,)
    ordered = sorted(found)  # linear when they come sorted (timsort)
    if len(set(ordered)) == count:
        return tuple(ordered)
    return tuple(dict.fromkeys(ordered))


def _new_row(  # noqa: PLR0917 - private plumbing of plain values
    account: str,
    meter_name: str,
    resource: str,
    span: Span,
    cycle: Span,
    quantity: Decimal,
    unit: str,
    description: _FrozenDict,
    record_ids: Iterable[str],
    *,
    ordered: bool = False,
) -> UsageRow:
    # The hot path: the fields are already converted, so skip the converters; the ids
    # are put in their one order (see _ordered_ids()), unless the caller gives them so
    # (``ordered``: a tuple, each id once, sorted).
    row: typing.Any = _new(_RowMade)  # plain stores (see _RowMade)
    row.account = account
    row.meter = meter_name
    row.resource = resource
    row.span = span
    row.cycle = cycle
    row.quantity = quantity
    row.unit = unit
    row.description = description
    row.record_ids = record_ids if ordered else _ordered_ids(record_ids)
    row.__class__ = UsageRow
    made: UsageRow = row
    return made


_NoEffect: typing.TypeAlias = (
    tuple[tuple[str, str], ...] | Callable[[], tuple[tuple[str, str], ...]]
)


def _no_effect_value(value: _NoEffect | list[tuple[str, str]]) -> _NoEffect:
    return tuple(value) if isinstance(value, list) else value


def _worked_out_no_effect(holder: Any) -> tuple[tuple[str, str], ...]:
    """``holder._no_effect`` (a `Usage`'s or a `Rating`'s), worked out on first use, then kept."""
    value: _NoEffect = holder._no_effect
    if callable(value):
        value = value()
        object.__setattr__(holder, "_no_effect", value)
    return value


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


def _first_us_value(value: object) -> FrozenMap[str, int]:
    """``Usage.first_us`` as given: account names to epoch microseconds, kept read-only.

    A caller's mapping is read once (what its own code raises is named) and a name of a
    ``str`` subclass is kept as the text it holds.
    """
    if isinstance(value, Mapping):
        kind = "mapping" if type(value) is dict else f"mapping ({type(value).__name__})"
        items = read_items(value, "Usage first_us", kind, "a dict of account names to ints")
        out: dict[str, int] = {}
        for account, at_us in items:
            if not isinstance(account, str) or not account:
                break
            if type(at_us) is not int or not MIN_US <= at_us <= MAX_US:
                break
            out[str.__str__(account)] = at_us
        else:
            return FrozenMap(out)
    raise RatekitTypeError(
        "Usage first_us must be a mapping of account names to the instant of each "
        "account's first record, in epoch microseconds (int), not "
        f"{type(value).__name__}: {show(value)}."
    )


def _cuts_value(value: object) -> FrozenMap[str, tuple[int, ...]]:
    """``Usage.cuts`` as given: a mapping of meter names to instants, kept read-only.

    A caller's mapping and each list of instants are read once (what their own code
    raises is named); names are kept as the text they hold, instants as plain ints.
    """
    accepted = "a dict of meter names to lists of int instants"
    if isinstance(value, Mapping):
        kind = "mapping" if type(value) is dict else f"mapping ({type(value).__name__})"
        out: dict[str, tuple[int, ...]] = {}
        for name, instants in read_items(value, "Usage cuts", kind, accepted):
            if not isinstance(name, str) or isinstance(instants, str | bytes | Mapping):
                break
            if not isinstance(instants, Iterable):
                break
            read = read_once(instants, "Usage cuts", type(instants).__name__, accepted)
            if any(isinstance(t, bool) or not isinstance(t, int) for t in read):
                break
            out[str.__str__(name)] = tuple(sorted({int.__index__(t) for t in read}))
        else:
            return FrozenMap(out)
    raise RatekitTypeError(
        "Usage cuts must be a mapping of meter names to instants in epoch microseconds "
        f"(int), not {show(value)}."
    )


@typing.final
@attrs.frozen(repr=False)
class Usage:
    """What [`meter()`][ratekit.meter] returns: the usage rows, the anomalies and the state to carry.

    ``rows`` are ordered by account, resource, meter and time; ``anomalies`` by time, then
    account and resource; ``state`` by account and resource. ``meters`` are the meters
    the rows were metered with (what [`meter()`][ratekit.meter] was given; none for a
    `Usage` built by hand), so that [`rate()`][ratekit.rate] prices the rows of a meter
    that does not add up (a peak) as its cycle's aggregate without being given them
    again. They take no part in equality.

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
    (a negative quantity takes away), per account, meter, resource, cycle and description,
    and for a time meter per stretch too (where the resource ran before and not now, or
    now and not before: one level over the row's span, whose exact time rating prices);
    each has a ``"late"`` anomaly with its meter and quantity. Rows plus late rows over a
    run of calls equal one call over all."""
    _no_effect: _NoEffect = attrs.field(
        default=(),
        eq=False,
        alias="no_effect",
        converter=_no_effect_value,
        validator=_no_effect_door,
    )
    meters: tuple[Meter, ...] = attrs.field(
        default=(),
        kw_only=True,
        eq=False,
        converter=_v.to_tuple,
        validator=_v.items(Meter, "Meters"),
    )
    """The meters the rows were metered with (none for a `Usage` built by hand)."""
    cuts: Mapping[str, tuple[int, ...]] = attrs.field(
        factory=dict, kw_only=True, eq=False, converter=_cuts_value
    )
    """Per meter, the instants (epoch microseconds, ascending) the rows were cut at: the
    ``cuts`` [`meter()`][ratekit.meter] was given (read-only; empty when none). A row of a
    meter whose quantity is a sum of samples (deltas, counters, counts) is not split at
    another price cut or assignment boundary by [`rate()`][ratekit.rate]: see
    ``docs/pricing.md``."""

    _first_us: FrozenMap[str, int] = attrs.field(
        factory=dict, kw_only=True, eq=False, alias="first_us", converter=_first_us_value
    )

    @property
    def first_us(self) -> Mapping[str, int]:
        """Per account, the instant (epoch microseconds) of its earliest record metered.

        The records [`meter()`][ratekit.meter] was given, a delta over a span by its
        ``since``, whether or not they made a row (an orphan stop makes none): under a
        single plan, [`rate()`][ratekit.rate] of this usage covers each account from its
        cycle, as rating the records does (read-only; empty for a `Usage` built by hand).
        Worked out while metering, from its groups of records: a `Usage` keeps these
        instants, not the records (it neither keeps them alive nor pickles them).

        Examples:
            >>> import ratekit as rk
            >>> usage = rk.meter([rk.Event("acme", "vm-1", "2026-03-02T08:00:00Z", kind="stop")],
            ...                  [rk.Meter("runtime", "hour", rk.OnOff())],
            ...                  span=rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"),
            ...                  cycle=None, as_of="2026-04-01T00:00:00Z")
            >>> usage.rows, dict(usage.first_us)
            ((), {'acme': 1772438400000000})
        """
        return self._first_us

    @property
    def no_effect(self) -> tuple[tuple[str, str], ...]:
        """``(record id, reason)`` of every record with an id in no row, late row or anomaly.

        Sorted by id; see ``docs/usage.md`` for the reasons. Worked out on first use (so
        that metering pays nothing for it), then kept. O(n) for n records.
        """
        return _worked_out_no_effect(self)

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

        Quantities of different units are never added: rows of more than one unit (two
        meters, ``hour`` and ``GB``, with no ``meter`` given) raise
        [`UnitError`][ratekit.UnitError], naming the units and the meters; give a meter,
        ``total("vm.hours")``, for one meter's total. One unit spelled two ways (``h`` and
        ``hour``) adds up. No rows sum to ``Decimal('0')``.

        Examples:
            >>> import ratekit as rk
            >>> rk.meter([], [], span=rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z"),
            ...          cycle=None, as_of="2026-03-02T00:00:00Z").total("runtime")
            Decimal('0')
            >>> day = rk.Span("2026-03-01T00:00:00Z", "2026-03-02T00:00:00Z")
            >>> usage = rk.Usage([rk.UsageRow("a", "vm.hours", "vm-1", day, day, 10, "hour", {}, ()),
            ...                   rk.UsageRow("a", "egress", "ip-1", day, day, 7, "GB", {}, ())], (), ())
            >>> usage.total("vm.hours"), usage.total("egress")
            (Decimal('10'), Decimal('7'))
            >>> usage.total()
            Traceback (most recent call last):
            ratekit.UnitError: Usage.total() would add quantities in 2 units, GB and hour (meters 'egress', 'vm.hours'); ...
        """
        total = ZERO
        units: dict[str, set[str]] = {}
        for row in self.rows:
            if (
                (meter is None or row.meter == meter)
                and (account is None or row.account == account)
                and (resource is None or row.resource == resource)
            ):
                units.setdefault(row.unit, set()).add(row.meter)
                total = CONTEXT.add(total, row.quantity)
        if len(units) > 1 and not _same_unit(units):
            meters = sorted({name for names in units.values() for name in names})
            only(
                dict.fromkeys(sorted(units), ZERO),
                what="Usage.total()" if meter is None else f"Usage.total({meter!r})",
                detail=f" (meters {', '.join(map(repr, meters))})",
                per="give one meter, total(meter), for that meter's total",
                units=True,
            )
        return _tidy(total)

    def _repr_html_(self) -> str:
        """The rows as an HTML table, for notebooks (every user string escaped)."""
        return usage_html(self)

    @plain_text
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


def _one_unit_per_meter(rows: Iterable[UsageRow], what: str) -> set[tuple[str, str]]:
    """Refuse ``rows`` where one meter's quantities come in two units.

    A meter's rows are in its one unit (one spelled two ways, ``h`` and ``hour``, is
    one): rating adds them into one tier position, one allowance and one invoice line,
    so 1 ``hour`` and 60 ``minute`` would be 61 of something. Raises
    [`UnitError`][ratekit.UnitError] naming the meter, two of its units and a row of
    each. Returns the rows' (meter, unit) pairs (`_declared_units` reads them too). O(n),
    the pairs gathered at C speed.
    """
    pairs = set(map(_METER_UNIT, rows))
    if len(pairs) == len({meter for meter, _ in pairs}):
        return pairs
    units: dict[str, set[str]] = {}
    for meter, unit in pairs:
        units.setdefault(meter, set()).add(unit)
    for meter, spelled in sorted(units.items()):
        if len(spelled) > 1 and not _same_unit(spelled):
            first, second = _two_units(spelled)
            one = next(r for r in rows if r.meter == meter and r.unit == first)
            other = next(r for r in rows if r.meter == meter and r.unit == second)
            raise UnitError(
                f"{what}: the rows of meter {meter!r} come in {len(spelled)} units, "
                f"{first!r} ({_row_named(one)}) and {second!r} ({_row_named(other)}); a "
                "meter's quantities are in its one unit, which rating adds up into one "
                "tier position, allowance and invoice line. Convert the rows to one unit "
                "first, or meter them with one Meter."
            )
    return pairs


def _declared_units(
    rows: Iterable[UsageRow],
    declared: Iterable[tuple[str, str, str]],
    what: str,
    pairs: set[tuple[str, str]] | None = None,
) -> None:
    """Refuse ``rows`` of a meter whose unit is not the one a meter or an entry declares.

    ``declared`` holds ``(meter, unit, who)``: a `Meter`'s unit, or a price entry's
    ``meter_unit``. The meter's unit is what an allowance counts in and what a price
    stated per the meter's unit is per, so 2 ``GiB*hour`` on a meter declared in
    ``MiB*hour`` would take 2 of a 512 ``MiB*hour`` allowance and cost 2 of its unit
    price, not 2048. Raises [`UnitError`][ratekit.UnitError] naming the meter, both
    units, a row and who declared the unit. ``pairs``: the rows' (meter, unit) pairs,
    when gathered already (`_one_unit_per_meter`). O(n) for n rows.
    """
    wanted: dict[str, list[tuple[str, str]]] = {}
    for meter, unit, who in declared:
        wanted.setdefault(meter, []).append((unit, who))
    if not wanted:
        return
    for meter, unit in sorted(set(map(_METER_UNIT, rows)) if pairs is None else pairs):
        for expected, who in wanted.get(meter, ()):
            if unit != expected and not _same_unit((unit, expected)):
                row = next(r for r in rows if r.meter == meter and r.unit == unit)
                raise UnitError(
                    f"{what}: the rows of meter {meter!r} are in {unit!r} ({_row_named(row)}), "
                    f"but {who} says the meter's unit is {expected!r}; its allowances and "
                    "its prices per the meter's unit count in that unit. Convert the rows "
                    f"to {expected!r}, or declare the meter's unit as the rows'."
                )


def _two_units(spelled: set[str]) -> tuple[str, str]:
    """Two of ``spelled`` that are not one unit, in sorted order."""
    ordered = sorted(spelled)
    for index, first in enumerate(ordered):
        for second in ordered[index + 1 :]:
            if not _same_unit((first, second)):
                return first, second
    raise AssertionError(spelled)  # pragma: no cover - called only when they differ


def _row_named(row: UsageRow) -> str:
    return f"resource {row.resource!r} of {row.account!r} from {format_us(row.span.start_us)}"


_METER_UNIT: Final = operator.attrgetter("meter", "unit")


def _same_unit(texts: Iterable[str]) -> bool:
    """Whether units spelled differently are one unit (``h`` and ``hour``): they add up."""
    try:
        read = {Unit(text) for text in texts}
    except RatekitError:  # a unit ratekit cannot read is only equal to itself
        return False
    return len(read) == 1
