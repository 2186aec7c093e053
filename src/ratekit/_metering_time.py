"""Metering of time-based meters: the rows of a resource's running pieces, exactly.

The private half of [`ratekit.meter()`][ratekit.meter] for [`TimePolicy`][ratekit.TimePolicy] meters
([`OnOff`][ratekit.OnOff], [`Continuous`][ratekit.Continuous]): the level of each description, and the
quantity of each piece ``[a, b)`` as ``F(b) - F(a)`` for ``F(t) = level * t / unit``
rounded half-even to 1e-24, so that rows telescope (see `ratekit.metering`). The hot loop
of metering: it builds its rows without their doors. Also says the running time a span
starting after the carried clock leaves to no call (`gap()`).
"""

from __future__ import annotations

import bisect
import math
import operator
import typing
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Final

from . import _normalize as _n
from . import _timelines as _t
from ._decimals import CONTEXT, to_decimal
from ._instants import US_PER_HOUR, format_us
from ._policy_results import failed
from ._window import _SCALE, _SPAN_KEY, _from_scaled, _round_ratio
from .errors import RatekitError
from .policies import Meter, TimePolicy
from .spans import Span
from .usage import (
    _SET_END,
    _SET_START,
    UsageRow,
    _new,
    _RowMade,
)

if typing.TYPE_CHECKING:
    from ._metering_engine import _Engine

__all__ = ["gap", "running", "time_rows"]

#: Microseconds in an hour, to say a time in hours.
_US_PER_HOUR: Final = Decimal(US_PER_HOUR)

#: Quanta fewer than this many (in magnitude) fit ratekit's 60 digits: scaled by 1e-24
#: they are exact, and tidy as they are when the last digit is not 0.
_UNROUNDED: Final = 10**CONTEXT.prec
#: One quantum: ``units`` quanta are ``_QUANTUM * units``, exactly, under `_UNROUNDED`.
_QUANTUM: Final = Decimal("1E-24")

#: A meter's name, in `_rows()`'s table of meters.
_NAME: Final = operator.itemgetter(0)


def _ratio(
    level: object, factor: tuple[int, int], name: str, policy: object = None
) -> tuple[int, int] | None:
    """``F(t) = level * t * multiplier / divisor`` in quanta of 1e-24, as ``(p, q)``: ``p * t / q``.

    In lowest terms: the same F, with smaller integers to divide per row (an hour is
    3.6e9 µs, a quantum 1e-24: most of it cancels). None for a level of None (no row).
    """
    if level is None:
        return None
    if not isinstance(level, Decimal) or not level.is_finite():
        # A user's policy may return an int or a float; a NaN or an infinity, float or
        # Decimal, is refused here, as every number is at the door (`to_decimal`).
        what = (
            f"meter {name!r} level"
            if policy is None
            else f"the level its policy {type(policy).__name__}.level() returned"
        )
        level = to_decimal(level, what)
    p, q = level.as_integer_ratio()
    multiplier, divisor = factor
    numerator, denominator = p * multiplier * _SCALE, q * divisor
    common = math.gcd(numerator, denominator)
    return numerator // common, denominator // common


def running(
    item: Meter, description: Mapping[str, object], start_us: int, end_us: int
) -> Decimal | None:
    """What time meter ``item`` meters of a resource running under ``description`` over ``[start_us, end_us)``.

    ``F(end) - F(start)``, as the rows of its pieces add up there whatever the cuts
    between (they telescope); None when the policy gives the description no level (no
    row). A ratekit error of the policy is raised as it is, another is a
    `BadPolicyError` naming it. O(1).
    """
    factor = item._factor
    assert factor is not None
    try:
        level = typing.cast(TimePolicy, item.policy).level(description)
    except RatekitError:
        raise
    except Exception as error:  # the policy's own failure, named
        where = f"a description over {format_us(start_us)}..{format_us(end_us)}"
        raise failed(item, "level", error, where) from error
    ratio = _ratio(level, factor, item.name)
    if ratio is None:
        return None
    p, q = ratio
    return _from_scaled(_round_ratio(p * end_us, q) - _round_ratio(p * start_us, q))


def gap(engine: _Engine, account: str, resource: str, line: _t.Timeline, clock_us: int) -> None:
    """Say the running time between the carried clock and a later span's start.

    The calls before metered up to ``clock_us``; this one meters from its span's start: a
    resource running in between (as its state left it, or as the records before the span
    make it) runs there to no call, and no time meter bills it. Said with a
    ``"before_span"`` anomaly at the span's start, so that no usage leaves silently: the
    time up to the call's ``as_of`` when that is before the span's start. O(log n + k)
    for the k pieces of ``line`` in between.
    """
    start = engine.window.start
    until = min(start, engine.as_of_us)  # what the call knows of it (as of an earlier instant)
    ran = 0
    starts, statuses = line.starts, line.statuses
    index = line.index_at(clock_us)
    while index < len(starts) and starts[index] < until:
        if statuses[index] == _n.RUNNING:
            end = starts[index + 1] if index + 1 < len(starts) else until
            ran += min(end, until) - max(starts[index], clock_us)
        index += 1
    if ran <= 0:
        return
    hours = CONTEXT.divide(Decimal(ran), _US_PER_HOUR).normalize(CONTEXT)
    engine.anomalies.add(
        start,
        account,
        resource,
        "before_span",
        f"resource {resource!r} of {account!r} ran {hours:f} hours between the clock of the "
        f"carried state ({format_us(clock_us)}, what the calls before metered up to) and "
        f"the span's start ({format_us(start)})"
        + ("" if until == start else f", as of {format_us(until)}")
        + ": that time falls before the span and is not billed here, nor by those calls. "
        "Start the span at the clock, or meter the time between carrying the state.",
    )


def time_rows(
    engine: _Engine,
    account: str,
    resource: str,
    plan: Sequence[tuple[str, Meter, list[int]]],
    line: _t.Timeline,
) -> list[list[UsageRow]]:
    """The rows of the time-based meters of ``plan`` for one resource: a list per meter, in order.

    Per time meter ``(name, meter, points)`` of ``plan`` (the others are left out), one
    row per running piece of ``line`` in the engine's window, cut at ``points`` (ascending
    epoch microseconds: cycle starts and price cuts); a level that is ``None`` makes no
    row. The pieces are walked once for all the meters (a piece's status, bounds, records
    and level read once). A policy's error is raised again naming the meter, the resource
    and the record that set the description: the error of the first meter, in order,
    whose policy fails, as metering them one by one meets it. O(m (p + c)) for m meters,
    p pieces and c cut points.
    """
    try:
        return _rows(engine, account, resource, plan, line)
    except Exception:
        timed = [entry for entry in plan if entry[1]._factor is not None]
        if len(timed) > 1:
            for one in timed:  # the error the first meter to fail raises alone
                _rows(engine, account, resource, (one,), line)
        raise


def _level(  # noqa: PLR0917 - private plumbing of plain values
    name: str,
    item: Meter,
    description: Mapping[str, object],
    line: _t.Timeline,
    index: int,
    where: str,
) -> tuple[int, int] | None:
    """`_ratio()` of meter ``name``'s level of piece ``index`` of ``line``, or its error named.

    The level is read where the policy's error is named: a NaN or an infinity it returns
    is refused naming the record that set the description, as its own error is.
    """
    factor = item._factor
    assert factor is not None
    try:
        return _ratio(
            typing.cast(TimePolicy, item.policy).level(description), factor, name, item.policy
        )
    except Exception as error:
        opener = line.openers[index]
        record = "a record without an id" if opener is None else f"record {opener!r}"
        where = f"{where} as described by {record} at {format_us(line.starts[index])}"
        if not isinstance(error, RatekitError):  # the policy's own failure, named
            raise failed(item, "level", error, where) from error
        raise type(error)(f"meter {name!r}, {where}: {error}") from None


def _rows(  # noqa: PLR0912, PLR0915 - one pass of the hot loop
    engine: _Engine,
    account: str,
    resource: str,
    plan: Sequence[tuple[str, Meter, list[int]]],
    line: _t.Timeline,
) -> list[list[UsageRow]]:
    """`time_rows()`, the pieces walked once. O(m (p + c))."""
    window = engine.window
    w0, w1 = window.start, window.end
    starts = line.starts
    statuses = line.statuses
    descriptions = line.descriptions
    count = len(starts)
    first = bisect.bisect_right(starts, w0) - 1
    cycle_of = window.cycle_of
    single_cycle = window.cycle_spans[0] if len(window.cycle_spans) == 1 else None
    # Per time meter: its name, the meter, its unit, cut points and their number; and
    # per description met, the ratio of each meter's level (None: no row), by id (the
    # entry keeps its description alive, so the id is not reused during the call). Made
    # once per plan: accounts of the same plans share one (`_Engine._plan_of`).
    known_plan = engine.timed_plan
    if known_plan is not None and known_plan[0] is plan:
        meters, levels = known_plan[1], known_plan[2]
    else:
        meters = [
            (name, item, item.unit, points, len(points))
            for name, item, points in plan
            if item._factor is not None
        ]
        levels = engine.levels.setdefault(tuple(map(_NAME, meters)), {})
        engine.timed_plan = (plan, meters, levels)
    # Per time meter, its rows.
    made_rows: list[list[UsageRow]] = [[] for _ in meters]
    spans = engine.spans
    running = _n.RUNNING
    new = _new
    set_start, set_end = _SET_START, _SET_END
    openers = line.openers
    # Per meter, the first cut point after the piece's start (the pieces ascend).
    cuts_at = [0] * len(meters)
    # The ratios of the description met last: a resource's pieces mostly share one (no
    # look-up per piece, only per change of description).
    last: object = None
    ratios: tuple[tuple[int, int] | None, ...] = ()
    sharer: list[UsageRow] = []  # the rows of the meter whose spans the others share
    for index in range(first, count):
        begin = starts[index]
        if begin >= w1:
            break
        if statuses[index] != running:
            continue
        finish = starts[index + 1] if index + 1 < count else w1
        a = begin if begin > w0 else w0  # noqa: FURB136 - faster than max/min on the hot path
        b = finish if finish < w1 else w1  # noqa: FURB136 - faster than max/min on the hot path
        if a >= b:
            continue
        description = descriptions[index]
        # F(t) = round(level * t * multiplier / divisor, 1e-24), in units of 1e-24:
        # round(numerator * t / denominator), with exact integers.
        if description is not last:
            known = levels.get(id(description))
            if known is None:
                where = f"resource {resource!r} of {account!r}"
                ratios = tuple(
                    _level(name, item, description, line, index, where) for name, item, *_ in meters
                )
                levels[id(description)] = (description, ratios)
            else:
                ratios = known[1]
            last = description
        opener = openers[index]
        closer = openers[index + 1] if index + 1 < count else None
        opening_ids: tuple[str, ...] = () if opener is None else (opener,)
        # _ordered_ids((*opening_ids, closer)), inlined: each id once, sorted.
        if closer is None:
            closing_ids = opening_ids
        elif opener is None:
            closing_ids = (closer,)
        elif opener < closer:
            closing_ids = (opener, closer)
        else:
            closing_ids = (closer, opener) if closer < opener else opening_ids
        # The rows of a resource share their spans (fewer objects): the first meter with
        # rows in the piece finds each among the resource's (`_Engine.spans`) or makes it,
        # the others find theirs among its rows of the piece, which lie last in its list
        # (``sharer[-shared:]``, both bounds ascending), and look up only the others.
        shared = 0
        for m, ratio in enumerate(ratios):
            if ratio is None:
                continue
            numerator, denominator = ratio
            name, _, unit, points, cuts = meters[m]
            made = made_rows[m]
            first = not shared  # (the first meter makes one row at least)
            j = -shared  # the sharer's next row of the piece (0: none left)
            cut = cuts_at[m]
            while cut < cuts and points[cut] <= a:
                cut += 1
            piece_start = a
            # (an operator, not divmod(): no call, nor a tuple made and unpacked per row)
            scaled = numerator * piece_start
            low = scaled // denominator
            twice = 2 * (scaled % denominator)
            if twice > denominator or (twice == denominator and low & 1):
                low += 1
            while True:
                if cut < cuts and points[cut] < b:
                    piece_end = points[cut]
                    cut += 1
                else:
                    piece_end = b
                # _round_ratio, inlined: this runs once per row.
                scaled = numerator * piece_end
                high = scaled // denominator
                twice = 2 * (scaled % denominator)
                if twice > denominator or (twice == denominator and high & 1):
                    high += 1
                units = high - low
                if not -_UNROUNDED < units < _UNROUNDED:
                    quantity = _from_scaled(units)
                elif units % 10:
                    # What _from_scaled() gives, with no trailing zero to strip: as it is.
                    # The quantum times the int (coefficient ``units``, exponent -24, exact
                    # under _UNROUNDED): 0.13 against 0.22 us for Decimal(units).scaleb(-24);
                    # by the operator, in metering's context (`in_context`), not a call.
                    quantity = _QUANTUM * units
                elif units % _SCALE:
                    quantity = (_QUANTUM * units).normalize()  # (_from_scaled(), one call)
                else:
                    quantity = Decimal(units // _SCALE)  # whole units (_from_scaled())
                ids = closing_ids if piece_end == finish else opening_ids
                # _new_span and _new_row, inlined.
                span = None
                while j:
                    found = sharer[j].span
                    if found.start_us >= piece_start:
                        if found.start_us == piece_start and found.end_us == piece_end:
                            span = found
                        break
                    j += 1
                if span is None:  # (always, for the first meter)
                    if first:
                        shared += 1
                    span_key = piece_start * _SPAN_KEY + piece_end
                    span = spans.get(span_key)
                    if span is None:
                        span = new(Span)
                        set_start(span, piece_start)
                        set_end(span, piece_end)
                        spans[span_key] = span
                row: typing.Any = new(_RowMade)  # plain stores (see usage._RowMade)
                row.account = account
                row.meter = name
                row.resource = resource
                row.span = span
                row.cycle = cycle_of(piece_start) if single_cycle is None else single_cycle
                row.quantity = quantity
                row.unit = unit
                row.description = description
                row.record_ids = ids
                row.__class__ = UsageRow
                made.append(row)
                if piece_end == b:
                    break
                piece_start, low = piece_end, high
            cuts_at[m] = cut
            if first:
                sharer = made
    return made_rows
