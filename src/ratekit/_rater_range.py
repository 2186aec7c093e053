"""The rater's doors at the ends of time: a start, a record, a watermark it can close.

Private to [`ratekit.Rater`][ratekit.Rater]. A cycle closes at a watermark at its end plus
the horizon, and a statement at a watermark rates the cycle containing it: both must lie
where ratekit computes cycles (for calendar cycles, from 0002-01-01T00:00:00Z up to, not
including, 9998-12-31T00:00:00Z; for others, the instants ratekit represents). What no
statement could close is refused at its door, naming what the user gave and the range
accepted, never an instant ratekit computed from it (a cycle start in local mean time, a
cycle end in 9999):

- `start()`: the cycle containing the rater's start must begin in range and close;
- `record()`: each instant of a fed (or restored) record must lie in a cycle that
  closes (`closes()` tells, for the feed's fast path), and of a fed one, within
  `MAX_CYCLES` cycles of the kept cycles' start (`near()` tells): the rater meters the
  cycles between a record and that start at once (a too-late record's part before it,
  a counter reading's increment from a compacted reading), and a clock that far off is
  most likely wrong;
- `as_of()`: a statement's watermark must lie in range.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Final

from ._calendar import CALENDAR_RANGE, MAX_CALENDAR_US, MIN_CALENDAR_US
from ._cycles_calendar import _Cached
from ._instants import MAX_US, MIN_US, format_us
from ._shown import show
from ._zones import from_zone
from .errors import BadSpanError, BadTimeError
from .records import Event, Sample

if TYPE_CHECKING:
    from ._rater_engine import Engine
    from .rater import Rater, Record

__all__ = ["MAX_CYCLES", "as_of", "closes", "labelled", "near", "record", "start"]

#: How many cycles a record may lie from the kept cycles' start, before or after it, and
#: how many one statement closes (`_rater_close.MAX_CLOSING`): the work of placing a
#: record, or of a statement, grows with the cycles it spans.
MAX_CYCLES: Final = 10_000


def _bounds(engine: Engine) -> tuple[int, int, str]:
    """The instants a statement's watermark may take, half-open, and how to say them."""
    if isinstance(engine.cycle, _Cached):
        return MIN_CALENDAR_US, MAX_CALENDAR_US, CALENDAR_RANGE
    said = f"from {format_us(MIN_US)} to {format_us(MAX_US)}"
    return MIN_US, MAX_US, said


def _closes(engine: Engine, horizon_us: int, t_us: int) -> bool:
    """Whether the cycle containing ``t_us`` begins in range and closes at a watermark in it."""
    lo, hi, _ = _bounds(engine)
    try:
        begin, end = engine.containing(t_us)
    except BadTimeError as error:
        if from_zone(error):
            raise
        return False
    return begin >= lo and end + horizon_us < hi


def closes(rater: Rater, t_us: int) -> bool:
    """Whether a record at ``t_us`` lies in a cycle a statement can close. O(1)."""
    return _closes(rater._engine, rater._horizon_us, t_us)


def start(engine: Engine, start_us: int, horizon_us: int) -> None:
    """Refuse a start whose cycle begins out of range or can never close. O(1).

    Raises [`BadTimeError`][ratekit.BadTimeError] naming the start, the horizon and the
    range accepted.
    """
    if _closes(engine, horizon_us, start_us):
        return
    _, _, said = _bounds(engine)
    raise BadTimeError(
        f"Rater start {format_us(start_us)} is out of range: the cycle containing it must "
        "begin, and close at a watermark at its end plus the "
        f"{_horizon(horizon_us)}, within the instants ratekit can rate ({said}); give a "
        "later or earlier start."
    )


def _cycles_between(rater: Rater, t_us: int) -> int:
    """How many cycles ``t_us`` lies from the kept cycles' start, about.

    The cycle boundaries after the earlier of the two up to the later one, inclusive (an
    instant in the cycle before the start is one away, as is the next cycle's start):
    estimated from the length of the kept cycles' first cycle, then, when that estimate
    comes near `MAX_CYCLES`, counted (a cycle that will not count that far, past its own
    limit, is past the bound). O(1), or O(MAX_CYCLES) for an instant that far.
    """
    engine, base = rater._engine, rater._base_us
    begin, end = engine.containing(base)
    estimate = abs(t_us - base) // max(end - begin, 1)
    if estimate <= MAX_CYCLES // 2:
        return estimate
    low, high = min(t_us, base), max(t_us, base)
    if estimate > 2 * MAX_CYCLES:
        return estimate  # far whatever the cycles' lengths: not counted
    try:
        return len(engine.cycle.boundaries_us(low, high + 1))
    except BadSpanError:
        return max(estimate, MAX_CYCLES + 1)


def near(rater: Rater, t_us: int) -> bool:
    """Whether ``t_us`` lies at most `MAX_CYCLES` cycles from the kept cycles' start. O(1)."""
    return _cycles_between(rater, t_us) <= MAX_CYCLES


def labelled(record: Record) -> str:
    """How the feed's doors name a record: its type and id, or what it is without an id.

    A record without an id (a feed of plain tuples has none) is named by its kind, its
    meter (a sample's), its resource and its account, so that the one refused can be
    found among many: ``event (stop of resource 'vm-7' of 'acme', no id)`` (so a door
    naming an event's kind after its id, ``event 'e1' (start)``, says it only once).
    """
    name = type(record).__name__.lower()
    if record.id is not None:
        return f"{name} {show(record.id)}"
    if type(record) is Event:
        return (
            f"event ({record.kind} of resource {show(record.resource)} of "
            f"{show(record.account)}, no id)"
        )
    if type(record) is Sample:
        return (
            f"sample ({record.kind} of {show(record.meter)} of resource "
            f"{show(record.resource)} of {show(record.account)}, no id)"
        )
    return f"{name} (no id)"


def record(rater: Rater, record: Record) -> None:
    """Refuse a record stamped (or a delta begun) in a cycle no statement can close, or far.

    Far: more than `MAX_CYCLES` (10,000) cycles from the kept cycles' start, before
    or after it. Raises [`BadTimeError`][ratekit.BadTimeError] naming the record, the
    field, its instant as given, and the horizon and range accepted, or the start and how
    many cycles lie between. O(1).
    """
    fields = [("at", record.at_us)]
    if type(record) is Sample and record.since_us is not None:
        fields.append(("since", record.since_us))
    label = labelled(record)
    for field, t_us in fields:
        if closes(rater, t_us):
            if not near(rater, t_us):
                raise _far(rater, label, field, t_us)
            continue
        _, _, said = _bounds(rater._engine)
        raise BadTimeError(
            f"Rater.feed: {label} has {field} {format_us(t_us)}, in a billing cycle that no "
            "statement can close (a cycle closes at a watermark at its end plus the "
            f"{_horizon(rater._horizon_us)}, and watermarks lie within {said}), so its "
            "invoice could never be given; the batch is refused whole. Feed records whose "
            "cycle ends, plus the horizon, within that range."
        )


def _far(rater: Rater, label: str, field: str, t_us: int) -> BadTimeError:
    base = rater._base_us
    count = _cycles_between(rater, t_us)
    where = "before" if t_us < base else "after"
    return BadTimeError(
        f"Rater.feed: {label} has {field} {format_us(t_us)}, about {count:,} billing "
        f"cycles {where} the start of the cycles the rater keeps ({format_us(base)}): "
        f"more than the {MAX_CYCLES:,} a record may lie from it (the rater meters the "
        "cycles between at once), so the batch is refused whole. A clock that far off is "
        f"most likely wrong; feed records within {MAX_CYCLES:,} cycles of that start."
    )


def as_of(rater: Rater, as_of_us: int) -> None:
    """Refuse a watermark out of range, naming it (not a cycle ratekit computed). O(1)."""
    lo, hi, said = _bounds(rater._engine)
    if lo <= as_of_us < hi:
        return
    raise BadTimeError(
        f"Rater.statement as_of {format_us(as_of_us)} is out of range: a statement rates "
        f"the cycle containing its watermark, and watermarks lie within {said}."
    )


def _horizon(horizon_us: int) -> str:
    return f"horizon {_dt.timedelta(microseconds=horizon_us)}"
