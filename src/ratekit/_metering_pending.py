"""Amounts spread past the span's end: said, carried in the state, billed by the next span.

Private to [`ratekit.meter()`][ratekit.meter]. Metered as of an instant after the span's
end, a call knows amounts that lie, in part or whole, after it: a counter's increment up
to a reading stamped after the span, a delta whose ``since`` lies in the span and whose
``at`` after it, a delta stamped after the span. The span bills only its own share (an
amount spread over ``[t0, t1)`` is apportioned linearly, exact and telescoping: see
`ratekit._window._apportion`); the rest belongs to the span after. An ``"after_span"``
anomaly names the records and that part (`keep()`), and the resource's
[`ResourceState`][ratekit.ResourceState] keeps the amount in
[`pending`][ratekit.ResourceState.pending], so that the next call, continuing from the
state, bills its share in its own span (`spread()`): nothing is dropped, nothing is billed
twice, as metering both spans at once.
"""

from __future__ import annotations

import bisect
import typing
from collections.abc import Sequence
from decimal import Decimal

from ._decimals import CONTEXT
from ._decimals import tidy as _tidy
from ._instants import format_us
from ._resource_state import ResourceState
from ._restated_states import _restated
from ._window import _apportion
from .policies import Increment, Meter
from .records import Sample

if typing.TYPE_CHECKING:
    from ._metering_engine import _Engine

__all__ = ["beyond", "carried", "held", "instants_after", "keep", "spread"]


def held(engine: _Engine, account: str, resource: str, name: str) -> Sequence[Increment]:
    """The carried state's pending amounts of meter ``name``, as increments. O(p)."""
    state = engine.state.get((account, resource))
    pending = None if state is None else state._pending  # (the slot: no property call)
    if not pending:
        return ()  # (most states hold none: no list made per resource)
    return [(t0, t1, amount, ids) for meter, t0, t1, amount, ids in pending if meter == name]


def _named(record_ids: Sequence[str | None]) -> tuple[str, list[str]]:
    ids = [i for i in record_ids if i is not None]
    if not ids:
        return "records with no id", ids
    return ("record " if len(ids) == 1 else "records ") + ", ".join(map(repr, ids)), ids


def keep(
    engine: _Engine,
    account: str,
    resource: str,
    item: Meter,
    increment: Increment,
    *,
    said: bool = True,
) -> None:
    """Keep ``increment``'s part after the window's end for the state; say it once.

    For an amount spread past the window's end (or at an instant from it on). ``said``:
    whether to give the ``"after_span"`` anomaly (a pending amount carried again is not
    said again). O(1).
    """
    t0, t1, amount, record_ids = increment
    w1 = engine.window.end
    ids = tuple(i for i in record_ids if i is not None)
    engine.pending.setdefault((account, resource), []).append((item.name, t0, t1, amount, ids))
    if not said:
        return
    named, listed = _named(record_ids)
    unit = item.unit
    span_end = engine.span.end_us
    if t0 == t1 and w1 < span_end:
        # The window ends at as_of, before the span's end: the amount is at as_of (a delta
        # over an empty span known by then), after what this call meters, not after the
        # span. The next call, carrying the state on from as_of, bills it.
        engine.anomalies.add(
            w1,
            account,
            resource,
            "after_span",
            f"{named} of {resource!r} of {account!r} measured {_tidy(amount)} {unit} of "
            f"meter {item.name!r} at {format_us(t0)}, not before this call's as_of "
            f"({format_us(w1)}), where what it meters ends (its span runs on to "
            f"{format_us(span_end)}), and is not billed here: it belongs to what a later "
            "call meters (the state this call gives keeps it in pending: metering on from "
            f"{format_us(w1)} with state= bills it there).",
            listed,
        )
        return
    if t0 == t1:
        what = (
            f"{named} of {resource!r} of {account!r} measured {_tidy(amount)} {unit} of meter "
            f"{item.name!r} at {format_us(t0)}, after the span (which ends at {format_us(w1)})"
        )
    else:
        lo = max(t0, w1)
        part = _tidy(CONTEXT.subtract(amount, _apportion(amount, t0, t1, lo)))
        what = (
            f"{named} of {resource!r} of {account!r} spread {_tidy(amount)} {unit} of meter "
            f"{item.name!r} over {format_us(t0)}..{format_us(t1)}; {part} {unit} of it, over "
            f"{format_us(lo)}..{format_us(t1)}, falls after the span (which ends at "
            f"{format_us(w1)})"
        )
    engine.anomalies.add(
        w1,
        account,
        resource,
        "after_span",
        f"{what} and is not billed here: it belongs to the span after (the state this call "
        "gives keeps it in pending: metering the next span with state= bills it there).",
        listed,
    )


def beyond(increment: Increment, w1: int) -> bool:
    """Whether ``increment`` has a part from ``w1`` on. O(1)."""
    t0, t1 = increment[0], increment[1]
    return t1 > w1 or t0 == t1 == w1


def instants_after(readings: Sequence[Sample], w1: int) -> list[Increment]:
    """The deltas at an instant from ``w1`` on, of readings in time order. O(k + log n)."""
    times = [sample.at_us for sample in readings[-1:]]
    if not times or times[0] < w1:
        return []
    start = bisect.bisect_left(readings, w1, key=lambda sample: sample.at_us)
    out: list[Increment] = []
    for sample in readings[start:]:
        since = sample.since_us
        if since is None or since == sample.at_us:
            sid = sample.id
            out.append((sample.at_us, sample.at_us, sample.value, () if sid is None else (sid,)))
    return out


def spread(  # noqa: PLR0917 - private plumbing of plain values
    increment: Increment,
    pieces: list[int],
    w0: int,
    w1: int,
    sums: list[Decimal | None],
    ids: list[list[str] | None],
) -> bool:
    """Add ``increment``'s share in ``[w0, w1)`` to the pieces; whether it had one there.

    As the engine's loop apportions an amount over the pieces (``pieces`` are their
    starts, the last one ending at ``w1``). O(log p + k) for k pieces touched.
    """
    t0, t1, amount, record_ids = increment
    count = len(pieces)
    add = CONTEXT.add
    found_any = False
    if t0 == t1:
        if not w0 <= t0 < w1:
            return False
        k = bisect.bisect_right(pieces, t0) - 1
        total = sums[k]
        sums[k] = amount if total is None else add(total, amount)
        _add_ids(ids, k, record_ids)
        return True
    c0, c1 = max(t0, w0), min(t1, w1)
    if c0 >= c1:
        return False
    k = bisect.bisect_right(pieces, c0) - 1
    while k < count and pieces[k] < c1:
        a = max(pieces[k], c0)
        b = min(pieces[k + 1] if k + 1 < count else w1, c1)
        part = CONTEXT.subtract(_apportion(amount, t0, t1, b), _apportion(amount, t0, t1, a))
        total = sums[k]
        sums[k] = part if total is None else add(total, part)
        _add_ids(ids, k, record_ids)
        found_any = True
        k += 1
    return found_any


def _add_ids(ids: list[list[str] | None], k: int, record_ids: Sequence[str | None]) -> None:
    if not record_ids:
        return
    found = ids[k]
    named = [i for i in record_ids if i is not None]
    if found is None:
        ids[k] = named
    else:
        found.extend(named)


def carried(
    engine: _Engine,
    state: ResourceState,
    previous: ResourceState | None,
    metered: set[str],
) -> ResourceState:
    """``state`` with the amounts still pending after the call. O(p log p).

    Those the call kept (`keep()`: its own, and the carried ones it billed only in part),
    and the carried ones of meters it did not meter (``metered``: those it did). An
    amount and its exact opposite of one meter and period cancel (a late counter reading
    gives back an increment it replaces, see
    `ratekit._metering_counters.late_increments`); the others stay apart, each as it was
    spread: the next call spreads each one on from where this one stopped, and the parts
    of one amount add up to it exactly, whereas parts of a sum of amounts rounded apart
    would not (two deltas of 1 over 34 hours cut after 31: 2 x 0.911...471 here, and
    2 - 1.823...941 for their sum there, 1E-24 too much).
    """
    found = engine.pending.pop((state.account, state.resource), [])
    if previous is not None:
        found += [entry for entry in previous.pending if entry[0] not in metered]
    kept: dict[tuple[str, int, int], list[tuple[Decimal, list[str]]]] = {}
    for meter, t0, t1, amount, ids in found:
        entries = kept.setdefault((meter, t0, t1), [])
        opposite = next((index for index, entry in enumerate(entries) if entry[0] == -amount), None)
        if opposite is not None and amount:
            entries.pop(opposite)  # given back: the two cancel
        elif amount:
            entries.append((amount, list(ids)))
    pending = tuple(
        (meter, t0, t1, _tidy(amount), tuple(named))
        for (meter, t0, t1), entries in sorted(kept.items(), key=lambda item: item[0])
        for amount, named in entries
    )
    if pending == state.pending:
        return state
    return _restated(state, _pending=pending)
