"""Price entries: a price model bound to a meter, for matching resources, over time.

A [`PriceEntry`][ratekit.PriceEntry] says where it applies (its meter, selector, effective
span and window); among the entries that apply, the highest ``priority`` wins, and two
entries of equal priority that could both apply are refused (`_check_tie`, when a plan is
built; `_winner`, when a resource meets an undecidable tie). Public through `ratekit`
and `ratekit.pricebook`.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import operator
import typing
from collections.abc import Mapping, Sequence
from typing import Final, Protocol

import attrs

from ._calendar import MAX_CALENDAR_US
from ._caller_objects import has_method
from ._decimals import to_int
from ._descriptions import _attributes
from ._entry_points import plain_text
from ._instants import MAX_US, MIN_US, US_PER_DAY, check_us, format_us, from_us, to_us
from ._paths import checked_path
from ._shown import show
from ._text import check_text, plain_choice
from ._user_windows import checked as checked_window
from .errors import (
    BadPriceError,
    RatekitError,
    RatekitTypeError,
    UnitError,
)
from .percentages import Percentage
from .prices import PriceModel
from .selectors import _exclusive, _matches, _where
from .spans import Span, SpanSet
from .terms import _check_id
from .units import Unit

__all__ = ["PriceEntry"]

# -- protocols of the stages upstream ------------------------------------------------------


class _Window(Protocol):
    def within_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]: ...


# -- converters ----------------------------------------------------------------------------


def _instant(what: str, value: object) -> _dt.datetime | None:
    return None if value is None else from_us(to_us(value, what))


def _entry_start(value: object) -> _dt.datetime | None:
    return _instant("PriceEntry start", value)


def _entry_end(value: object) -> _dt.datetime | None:
    return _instant("PriceEntry end", value)


def _us_or_none(value: _dt.datetime | None) -> int | None:
    return None if value is None else to_us(value)


# -- entries -------------------------------------------------------------------------------


@typing.final
@attrs.frozen(repr=False)
class PriceEntry:
    """A price model bound to a meter, for matching resources, over a span of time.

    - ``id``: a stable name, shown on every charge the entry produces.
    - ``meter``: the meter's name; ``price``: any [`PriceModel`][ratekit.PriceModel]
      ([`PerUnit`][ratekit.PerUnit], [`Graduated`][ratekit.Graduated], your own).
    - ``where``: a selector on the resource's description (every attribute must equal
      the given value, e.g. ``{"flavor": "m1.large"}`` or ``{"state": "off"}``); empty
      matches every resource.
    - ``start`` / ``end``: the effective span ``[start, end)``; ``None`` leaves that side
      open.
    - ``window``: a recurring window (``ratekit.windows``); the entry is then in effect
      only inside it.
    - ``priority``: where several entries apply, the highest wins.
    - ``group_by``: how a non-linear (tiered, package) price aggregates a cycle's usage:
      ``None`` per account and meter, ``"resource"`` per resource, any other name per
      value of that description attribute.
    - ``unit``: the unit the price is stated per, when it is not the meter's (a price per
      ``"GiB*hour"`` on a ``"MB*hour"`` meter): quantities are converted exactly into it
      ([`ratekit.convert()`][ratekit.convert]), and charges carry them in it. ``meter_unit``: the meter's
      unit, to refuse an incompatible ``unit`` when the entry is built
      ([`UnitError`][ratekit.UnitError]); without it, the rows' unit is checked when rated.
      Rows of the meter in another unit than ``meter_unit`` are refused when rated (an
      allowance and a price per the meter's unit count in it).

    Examples:
        >>> import ratekit as rk
        >>> entry = rk.PriceEntry("large", "vm.hours", rk.PerUnit("0.5"), where={"flavor": "m1.large"},
        ...                       start="2026-03-01T00:00:00+01:00")
        >>> entry
        PriceEntry('large', 'vm.hours', PerUnit('0.5'), where={'flavor': 'm1.large'}, start='2026-02-28T23:00:00Z')
        >>> entry.matches({"flavor": "m1.large", "state": "on"}), entry.matches({"flavor": "m1.small"})
        (True, False)
    """

    id: str = attrs.field(converter=plain_choice)
    meter: str = attrs.field(converter=plain_choice)
    price: PriceModel
    where: tuple[tuple[str, object], ...] = attrs.field(default=None, converter=_where)
    start: _dt.datetime | None = attrs.field(default=None, converter=_entry_start)
    """The first instant the entry is in effect (``None``: since always), in UTC."""
    end: _dt.datetime | None = attrs.field(default=None, converter=_entry_end)
    """The first instant the entry is no longer in effect (``None``: for ever), in UTC."""
    window: _Window | None = None
    priority: int = 0
    group_by: str | None = attrs.field(default=None, converter=plain_choice)
    unit: str | None = attrs.field(default=None, converter=plain_choice)
    """The unit the price is stated per (``None``: the meter's unit)."""
    meter_unit: str | None = attrs.field(default=None, converter=plain_choice)
    """The meter's unit, when known when the entry is built (checked against ``unit``)."""
    start_us: int | None = attrs.field(init=False, eq=False, hash=False, repr=False)
    end_us: int | None = attrs.field(init=False, eq=False, hash=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "start_us", _us_or_none(self.start))
        object.__setattr__(self, "end_us", _us_or_none(self.end))
        _check_id("price entry", self.id)
        if not isinstance(self.meter, str) or not self.meter:
            raise BadPriceError(
                f"price entry {show(self.id)} meter must be a meter name, not {show(self.meter)}."
            )
        check_text(self.meter, f"price entry {show(self.id)} meter")
        self._check_model()
        if isinstance(self.price, Percentage) and self.price.per_transaction:
            # Rating prices a cycle's total: refused here, not when usage first comes.
            raise BadPriceError(
                f"price entry {show(self.id)} (meter {show(self.meter)}) prices with {show(self.price)}, "
                "whose per-transaction terms (fixed fee, free transactions, minimum or "
                "maximum) a cycle's total usage cannot carry; give the entry a Percentage "
                "without them (percent, free_amount), charge a fixed fee through a count "
                "meter with PerUnit, or price the transactions with amount_of(transactions)."
            )
        if self.group_by is not None and (not isinstance(self.group_by, str) or not self.group_by):
            raise RatekitTypeError(
                f"price entry {show(self.id)} group_by must be None (per account and meter), "
                f"'resource', or an attribute name such as 'flavor', not "
                f"{type(self.group_by).__name__}: {show(self.group_by)}."
            )
        if self.group_by is not None:
            checked_path(self.group_by, f"price entry {show(self.id)} group_by")
        object.__setattr__(
            self, "priority", to_int(self.priority, f"price entry {show(self.id)} priority")
        )
        if self.window is not None and not has_method(self.window, "within_us"):
            raise RatekitTypeError(
                f"price entry {show(self.id)} window must be a recurring window with "
                f"within_us(), not {type(self.window).__name__}: {show(self.window)}."
            )
        if self.window is not None:  # a window of the user's own answers checked
            object.__setattr__(self, "window", checked_window(self.window))
        self._check_units()
        if self.start_us is not None and self.end_us is not None and self.end_us <= self.start_us:
            raise BadPriceError(
                f"price entry {show(self.id)} ends at {format_us(self.end_us)}, not after its "
                f"start {format_us(self.start_us)}; an entry is in effect over [start, end)."
            )

    def _check_model(self) -> None:
        """Refuse a price that is not a price model, or whose ``linear`` is not a bool."""
        model = type(self.price).__name__
        try:
            has = all(
                hasattr(self.price, name) for name in ("amount", "marginal", "explain", "linear")
            )
            linear = self.price.linear if has else None
        except RatekitError:
            raise
        except Exception as error:  # a model of the user's own: its failure named
            raise BadPriceError(
                f"price entry {show(self.id)}: its price model {model}.linear raised "
                f"{type(error).__name__} ({error}); linear is True or False."
            ) from error
        if not has:
            raise RatekitTypeError(
                f"price entry {show(self.id)} price must be a price model (with amount, "
                f"marginal, explain and linear), not {model}: {show(self.price)}."
            )
        if type(linear) is not bool:
            raise RatekitTypeError(
                f"price entry {show(self.id)}: its price model {model}.linear is "
                f"{type(linear).__name__} {show(linear)}; it must be True or False (True only "
                "when amount(a + b) == amount(a) + amount(b) for all quantities)."
            )

    @plain_text
    def __repr__(self) -> str:
        parts = [repr(self.id), repr(self.meter), repr(self.price)]
        if self.where:
            parts.append(f"where={dict(self.where)!r}")
        if self.start_us is not None:
            parts.append(f"start={format_us(self.start_us)!r}")
        if self.end_us is not None:
            parts.append(f"end={format_us(self.end_us)!r}")
        if self.window is not None:
            parts.append(f"window={self.window!r}")
        if self.priority:
            parts.append(f"priority={self.priority}")
        if self.group_by is not None:
            parts.append(f"group_by={self.group_by!r}")
        if self.unit is not None:
            parts.append(f"unit={self.unit!r}")
        if self.meter_unit is not None:
            parts.append(f"meter_unit={self.meter_unit!r}")
        return f"PriceEntry({', '.join(parts)})"

    def _check_units(self) -> None:
        for name in ("unit", "meter_unit"):
            value = getattr(self, name)
            if value is None:
                continue
            try:
                Unit(value)
            except RatekitError as error:
                raise UnitError(f"price entry {show(self.id)} {name}: {error}") from None
        if self.unit is not None and self.meter_unit is not None:
            try:
                Unit(self.meter_unit).factor_to(self.unit)
            except UnitError as error:
                raise UnitError(
                    f"price entry {show(self.id)} is stated per {show(self.unit)}, which the meter's "
                    f"unit {show(self.meter_unit)} cannot be converted to: {error}"
                ) from None

    def matches(self, description: Mapping[str, object]) -> bool:
        """Whether a resource described by ``description`` is priced by this entry.

        Every attribute of the selector must be present with an equal value; an empty
        selector matches every description. ``description`` is read as a record's
        attributes are (a float as the Decimal of its shortest repr: ``0.1`` matches a
        selector's ``0.1``, as rating does); a value no record may hold raises the
        records' error ([`BadQuantityError`][ratekit.BadQuantityError] for a NaN,
        [`RatekitTypeError`][ratekit.RatekitTypeError] for a key that is not a string).

        Examples:
            >>> import ratekit as rk
            >>> off = rk.PriceEntry("off", "vm.hours", rk.PerUnit("0.5"), where={"state": "off"})
            >>> off.matches({"state": "off", "flavor": "m1.large"}), off.matches({"flavor": "m1.large"})
            (True, False)
        """
        description = _description_arg(
            description, f"price entry {show(self.id)} matches description"
        )
        return self._selects(description)

    def _selects(self, description: Mapping[str, object]) -> bool:
        """[`matches()`][ratekit.PriceEntry.matches] of a checked description (the hot path).

        A `Satisfies` whose function raises is named with this entry and the attribute:
        ``price entry 'big' of meter 'vm' attribute 'mb': selector Satisfies('big
        machines') failed on the value 4: ValueError: ...``.
        """
        try:
            return _matches(self.where, description)
        except BadPriceError as error:
            raise BadPriceError(
                f"price entry {show(self.id)} of meter {show(self.meter)} {error}"
            ) from error.__cause__

    def active_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """The parts of ``[start_us, end_us)`` where the entry is in effect, in order.

        The effective span intersected with the window, as ``(start_us, end_us)`` pairs.

        Examples:
            >>> import ratekit as rk
            >>> rk.PriceEntry("e", "m", rk.PerUnit("0.5"), start="1970-01-01T00:00:00.000010Z").active_us(0, 20)
            [(10, 20)]
        """
        what = f"price entry {show(self.id)} active_us"
        return self._active_us(
            _us_arg(start_us, f"{what} start_us"), _us_arg(end_us, f"{what} end_us")
        )

    def _active_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """[`active_us()`][ratekit.PriceEntry.active_us] of checked instants (the hot path)."""
        lo = start_us if self.start_us is None else max(start_us, self.start_us)
        hi = end_us if self.end_us is None else min(end_us, self.end_us)
        if hi <= lo:
            return []
        if self.window is None:
            return [(lo, hi)]
        return [(a, b) for a, b in self.window.within_us(lo, hi) if b > a]

    def in_effect(self, span: Span) -> SpanSet:
        """The parts of ``span`` where the entry is in effect.

        Examples:
            >>> import ratekit as rk
            >>> entry = rk.PriceEntry("e", "m", rk.PerUnit("0.5"), end="2026-03-15T00:00:00Z")
            >>> entry.in_effect(rk.Span("2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z"))
            SpanSet([Span('2026-03-01T00:00:00Z', '2026-03-15T00:00:00Z')])
        """
        span = _span_arg(span, f"price entry {show(self.id)} in_effect")
        return SpanSet.from_us(self._active_us(span.start_us, span.end_us))


def _us_arg(value: object, what: str) -> int:
    """``value`` when it is an int instant in ratekit's range, else the error of `check_us`."""
    if type(value) is not int or not MIN_US <= value <= MAX_US:
        return check_us(value, what)  # an int subclass by its exact value, or refused
    return value


def _name_arg(value: object, what: str) -> str:
    """``value`` when it is a ``str`` (a meter or account name), else a RatekitTypeError."""
    if type(value) is not str:
        raise RatekitTypeError(
            f"{what} must be a str (a name), not {type(value).__name__}: {show(value)}."
        )
    return value


def _span_arg(value: object, what: str) -> Span:
    if not isinstance(value, Span):
        raise RatekitTypeError(
            f"{what} takes a Span, such as rk.Span('2026-03-01T00:00:00Z', "
            f"'2026-04-01T00:00:00Z'), not {type(value).__name__}: {show(value)}."
        )
    return value


def _description_arg(value: object, what: str) -> Mapping[str, object]:
    """A caller's description through the door of records' attributes, as rating reads it.

    So a float is the Decimal of its shortest repr (``0.1`` matches a selector's ``0.1``)
    and a value no record may hold is refused, naming ``what``.
    """
    if not isinstance(value, Mapping):
        raise RatekitTypeError(
            f"{what} must be a mapping of names to values (a resource's description), "
            f"not {type(value).__name__}: {show(value)}."
        )
    return _attributes(value, what)


def _winner(
    candidates: Sequence[PriceEntry], meter: str, description: Mapping[str, object]
) -> PriceEntry | None:
    if not candidates:
        return None
    best = max(candidates, key=lambda entry: entry.priority)
    for other in candidates:
        if other is not best and other.priority == best.priority:
            first, second = sorted((best.id, other.id))
            raise BadPriceError(
                f"price entries {show(first)} and {show(second)} of meter {show(meter)} have the same "
                f"priority {best.priority} and both apply to a resource described by "
                f"{show(dict(description))}; give one a higher priority, or make their spans, "
                "windows or selectors exclusive."
            )
    return best


_FOUR_YEARS_US: Final = 4 * 366 * US_PER_DAY
_Y2000_US: Final = 946_684_800_000_000


def check_ties(entries: Sequence[PriceEntry]) -> None:
    """Refuse two of one meter's ``entries`` of equal priority that could both apply.

    Only the pairs that can tie are judged (`_check_tie`), in the order of ``entries``:
    those of one priority whose spans meet, found in one sweep (`meeting()`), so that a
    price list of 8,760 hourly entries, none meeting another, is checked in O(n log n),
    not in its 38 million pairs. Entries with a window that share a priority, a start
    and an end are first swept together over the span their pairs are checked in
    (`_apart`): the pairs whose windows never meet there are not asked again, so a plan
    of 48 half-hourly slots is checked in one pass over their four years of parts, not
    in 1,128 (quadratic: 200 slots took 33 s). Each entry's window is worked out once
    (``active``). O(n log n + k) for k pairs whose spans meet, O(p log p) for the p
    parts of windows swept, plus O(w) for each pair of entries whose windows meet or
    which differ in those.
    """
    active: dict[tuple[int, int, int], Sequence[tuple[int, int]]] = {}
    groups: dict[tuple[int, int | None, int | None], list[int]] = {}
    for index, entry in enumerate(entries):
        if entry.window is not None:
            groups.setdefault((entry.priority, entry.start_us, entry.end_us), []).append(index)
    apart: set[tuple[int, int]] = set()
    for members in groups.values():
        if len(members) > 2:
            apart |= _apart(entries, members, active)
    for i, j in meeting(entries):
        if (i, j) not in apart:
            _check_tie(entries[i], entries[j], active)


def meeting(entries: Sequence[PriceEntry]) -> list[tuple[int, int]]:
    """The pairs ``(i, j)``, ``i < j``, of ``entries`` of one priority whose spans meet, in order.

    A sweep per priority over the spans sorted by start, keeping those not ended yet.
    O(n log n + k log k) for k such pairs.
    """
    by_priority: dict[int, list[tuple[int, int, int]]] = {}
    for index, entry in enumerate(entries):
        lo = MIN_US if entry.start_us is None else entry.start_us
        hi = MAX_US if entry.end_us is None else entry.end_us
        if lo < hi:
            by_priority.setdefault(entry.priority, []).append((lo, hi, index))
    pairs: list[tuple[int, int]] = []
    for spans in by_priority.values():
        spans.sort()
        going: list[tuple[int, int]] = []  # (end, index) of the spans not ended yet
        for lo, hi, index in spans:
            going = [(until, other) for until, other in going if until > lo]
            pairs.extend((min(other, index), max(other, index)) for _, other in going)
            going.append((hi, index))
    pairs.sort()
    return pairs


def _apart(
    entries: Sequence[PriceEntry],
    members: list[int],
    active: dict[tuple[int, int, int], Sequence[tuple[int, int]]],
) -> set[tuple[int, int]]:
    """The pairs of ``members`` whose windows never meet where `_checked_span` looks.

    ``members``: the indices of windowed entries sharing a priority, a start and an end
    (so one span for all their pairs). O(p log p) for their p parts.
    """
    first, second = entries[members[0]], entries[members[1]]
    span = _checked_span(first, second)
    pairs = set(itertools.combinations(members, 2))
    if span is None:
        return pairs
    lo, hi = span
    parts = sorted(
        (start, end, member)
        for member in members
        for start, end in _active(entries[member], lo, hi, active)
    )
    meeting: set[tuple[int, int]] = set()
    open_parts: list[tuple[int, int]] = []  # (end, member) of the parts not ended yet
    for start, end, member in parts:
        open_parts = [(until, other) for until, other in open_parts if until > start]
        for _, other in open_parts:
            if other != member:
                meeting.add((min(other, member), max(other, member)))
        open_parts.append((end, member))
    return pairs - meeting


def _checked_span(a: PriceEntry, b: PriceEntry) -> tuple[int, int] | None:
    """Where two entries' overlap is looked for, or None when their spans never meet.

    Their spans' intersection; with a window, four years of it from its start (from
    2000 when it has none), within the years calendars compute (2 to 9998), so that
    entries starting in 9995 are checked up to the calendars' end, not refused at an
    instant the check made up.
    """
    lo = max(
        MIN_US if a.start_us is None else a.start_us, MIN_US if b.start_us is None else b.start_us
    )
    hi = min(MAX_US if a.end_us is None else a.end_us, MAX_US if b.end_us is None else b.end_us)
    if hi <= lo:
        return None
    if a.window is not None or b.window is not None:
        if lo == MIN_US:
            lo = max(hi - _FOUR_YEARS_US, _Y2000_US) if hi != MAX_US else _Y2000_US
        hi = min(hi, lo + _FOUR_YEARS_US, MAX_CALENDAR_US)
        if hi <= lo:
            return None
    return lo, hi


def _check_tie(
    a: PriceEntry,
    b: PriceEntry,
    active: dict[tuple[int, int, int], Sequence[tuple[int, int]]],
) -> None:
    """Refuse two entries of equal priority that could both apply to the same usage.

    ``active``: the parts where each entry is in effect, kept between the calls of one
    plan's check (by the entry's id() and the span asked), so that each entry's window
    is worked out once for the pairs it is in. O(w) for the two entries' w window parts.
    """
    if a.priority != b.priority:
        return
    if _exclusive(a.where, b.where):
        return  # exclusive selectors (or not decidable: a tie is caught when rated)
    span = _checked_span(a, b)
    if span is None:
        return
    lo, hi = span
    if a.window is not None or b.window is not None:
        meet = _first_meeting(_active(a, lo, hi, active), _active(b, lo, hi, active))
        if meet is None:
            return
        lo = meet
    first, second = sorted((a.id, b.id))
    where = "from the start of time" if lo == MIN_US else f"e.g. at {format_us(lo)}"
    raise BadPriceError(
        f"price entries {show(first)} and {show(second)} of meter {show(a.meter)} have the same "
        f"priority {a.priority} and can both apply ({where}); give one a higher priority, "
        "or make their spans, windows or selectors exclusive."
    )


def _active(
    entry: PriceEntry,
    lo: int,
    hi: int,
    active: dict[tuple[int, int, int], Sequence[tuple[int, int]]],
) -> Sequence[tuple[int, int]]:
    """``entry._active_us(lo, hi)``, kept in ``active`` for the next pair that asks."""
    key = (id(entry), lo, hi)
    found = active.get(key)
    if found is None:
        found = active[key] = entry._active_us(lo, hi)
    return found


def _first_meeting(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> int | None:
    """Where two ordered lists of disjoint ``(start, end)`` parts first meet, or None.

    In the two lists merged by start, a part that starts before the furthest end of the
    parts before it meets one of the other list (a list's own parts are disjoint), and
    the first such start is where they first meet. O(a + b), at C speed (the merge of two
    sorted runs, the running furthest end and the comparisons).
    """
    if not a or not b:
        return None
    merged = sorted([*a, *b])
    starts = list(map(_START, merged))
    reach = itertools.accumulate(map(_END, merged), max)
    met = list(map(operator.lt, itertools.islice(starts, 1, None), reach))
    return starts[met.index(True) + 1] if True in met else None


_START: Final = operator.itemgetter(0)
_END: Final = operator.itemgetter(1)
