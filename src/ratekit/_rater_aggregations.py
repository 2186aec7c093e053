"""The rater's aggregations at a statement: taken on from their cycle so far, not metered again.

Private to [`ratekit.Rater`][ratekit.Rater]. A resource with readings of a `Max`, `Min`,
`Latest`, `Count`, `TimeWeightedMean`, `UniqueCount` or `Percentile` meter
(`aggregations()`) goes on from its metering state at the last watermark, as deltas,
time and counters do (`ratekit._rater_advance`). Such a meter's rows are shares of each
cycle's aggregate (a `Count`'s, each piece's count); while the cycle so far is one piece
(no description or price changed in it), its one row is that aggregate, and the
aggregate of the cycle up to the new watermark is the old one taken on with the new
readings: the larger of the two for a `Max` (the old one first: of two equal values,
metering at once keeps the first reading's), the smaller for a `Min`, the new one for a
`Latest` (its readings come after the old ones), their sum for a `Count`, the old one
when nothing new came (those four never read the reading before the piece). A
`TimeWeightedMean` goes on from the integral of its level up to its last reading, a
`UniqueCount` from the distinct values of its cycle so far and a `Percentile` from its
values in order (each kept in the book with the row it gives, `Book.so_far`, or found
once from the kept readings, checked against the row), with the same steps in the same
order as metering at once, so the same digits. A statement then costs what is new, not
the cycle so far (one reading every 5 minutes, a statement every 10: see
docs/streaming.md, Cost measured), but for a percentile's values, copied in order at
C speed.

What cannot be taken on so is metered again from the kept cycles' start, as before: a
cycle so far of more pieces than one (every share moves with the watermark), a price
cut at the watermark or after it in the cycle, a piece that the new records cut, the
cycle's first readings coming after its start (its row begins at the cycle's start).
"""

from __future__ import annotations

import bisect
import typing
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from decimal import Decimal

from . import _metering_counters as _order
from . import _ties
from ._decimals import tidy as _tidy
from ._rater_book import Book, Key
from ._rater_joins import joined_ids
from ._resource_state import ResourceState
from ._sample_policies import (
    Count,
    Integral,
    Latest,
    Max,
    Min,
    Percentile,
    TimeWeightedMean,
    UniqueCount,
    Values,
    _integral,
)
from ._whole_cycles import _before
from .policies import Meter
from .records import Event, Sample
from .spans import Span
from .usage import UsageRow, _new_row

__all__ = ["Kept", "aggregations", "held", "taken_on"]

#: The policies whose cycle's aggregate goes on from the old one and the new readings.
_TAKEN_ON = (Max, Min, Latest, Count, TimeWeightedMean, UniqueCount, Percentile)
#: Of those, the ones whose aggregate goes on from the old aggregate alone (``_then()``).
_THEN = (Max, Min, Latest, Count)

#: What a cycle so far leaves to go on from: a mean's integral, the values of a distinct
#: count or a percentile.
SoFar = Integral | Values

#: Per resource, its kept records of one meter and its state at the kept cycles' start.
Kept = Callable[[Key, str], tuple[list[Sample], ResourceState | None]]


def aggregations(meters: Iterable[Meter]) -> frozenset[str]:
    """The meters of the aggregations taken on (`_TAKEN_ON`: all the built-in ones).

    But for a resource with a reading of one of them over a span (a delta with a
    ``since``): an aggregation reads it at its instant, but the rater takes one whose
    span ends at a watermark as read there (`ratekit._rater_book.known_by`), so it would
    be metered by no statement; such a resource is metered again at every statement
    (`_sticky`), as before.
    """
    return frozenset(m.name for m in meters if type(m.policy) in _TAKEN_ON)


def held(
    book: Book,
    quiet: set[Key],
    means: frozenset[str],
    window: tuple[int, int],
    cycle: tuple[int, int],
) -> set[Key]:
    """The resources of ``quiet`` whose state holds a level of one of ``means``, to meter.

    A time-weighted mean's level holds on in every cycle after its reading, so a cycle
    that starts in ``window`` (``cycle`` holds its start) gives such a resource a row
    with nothing new: it is metered from its state then. O(q + r) for q quiet resources
    and their states' r readings when a cycle starts, else O(1).
    """
    prev, as_of_us = window
    if not means or (cycle[0] != prev and cycle[1] >= as_of_us):
        return set()
    return {
        key for key in quiet if any(reading[0] in means for reading in book.states[key].readings)
    }


def taken_on(  # noqa: PLR0912, PLR0917 - one decision per resource and aggregation
    book: Book,
    rows: Sequence[UsageRow],
    news: Iterable[object],
    keys: set[Key],
    full: set[Key],
    prev: int,
    span: tuple[int, int],
    meters: Mapping[str, Meter],
    kept: Kept,
    bounded: Callable[[Key], Container[str]],
    extend: Callable[[Key, str], int],
) -> tuple[list[UsageRow], dict[Key, list[tuple[UsageRow, UsageRow]]]]:
    """The rows of ``rows`` left to join, and per resource each open end with its row taken on.

    ``rows``: a continuation's (its resources metered from their states at ``prev``),
    ``news`` the new records it metered; ``keys``: those resources and the ones not
    metered (nothing new). ``span``: the cycle that holds ``prev``, from the kept
    cycles' start (where its rows begin) up to the new watermark. ``meters``: the
    aggregations of `aggregations()`, by name; ``kept``: a resource's kept readings,
    read once when a mean's integral is not in the book. ``bounded(key)``:
    the meters whose pieces end at ``prev`` anyway (a cycle starts, a price is cut);
    ``extend(key, meter)``: where a piece that holds ``prev`` ends in the new window (a
    price cut before ``span``'s end cuts it). Adds to ``full`` the resources whose
    aggregations cannot be taken on (see the module). The continuation's rows taken on
    are left out of the rows returned; the others (those of a later cycle) are joined
    as any. What the cycles so far of the rows taken on leave goes to ``book.so_far`` (the rows must
    then be put in place: `Book.take_on()`). O(n + e) for n rows and new records and e
    open ends, and O(k log k) for k kept readings when a mean's integral is found again.
    """
    names = frozenset(meters)
    c0, c1 = span
    fresh: dict[tuple[str, str, str], list[Sample]] = {}
    # A new event may cut the resource's piece (another description, a delete) where no
    # new reading says so: its aggregations are metered again.
    evented: set[Key] = set()
    for record in news:
        if type(record) is Sample and record.meter in names:
            fresh.setdefault((record.account, record.resource, record.meter), []).append(record)
        elif isinstance(record, Event):
            evented.add((record.account, record.resource))
    new: dict[tuple[str, str, str], list[UsageRow]] = {}
    for row in rows:
        if row.meter in names and row.cycle.start_us <= prev < row.cycle.end_us:
            new.setdefault((row.account, row.resource, row.meter), []).append(row)
    out: dict[Key, list[tuple[UsageRow, UsageRow]]] = {}
    so_far: dict[tuple[str, str, str], tuple[UsageRow, SoFar]] = {}
    joined: set[int] = set()  # the ids of the continuation's rows taken on
    for key in keys:
        if key in full:
            continue
        ends = {row.meter: row for row in book.open_ends(key, prev, names)}
        pairs = []
        for name in names:
            end, found = ends.get(name), new.get((*key, name), ())
            if (end is None and not found) or c0 == prev:
                continue  # (a cycle starts at prev: its rows are the continuation's)
            if (
                end is None
                or key in evented
                or name in bounded(key)
                or extend(key, name) < c1
                or end.span.start_us != c0
                or len(found) > 1
                or (found and found[0].description != end.description)
                or (found and found[0].span.end_us != c1)
            ):
                full.add(key)
                break
            piece = found[0] if found else None
            if piece is not None:
                joined.add(id(piece))
            policy = meters[name].policy
            if type(policy) in _THEN:
                # (its aggregate taken on from the row's, the old first)
                then = typing.cast("Max | Min | Latest | Count", policy)._then
                quantity = end.quantity if piece is None else then(end.quantity, piece.quantity)
                pairs.append((end, _on(end, piece, quantity, c1)))
                continue
            place = (*key, name)
            taken = _so_far_on(book, place, end, piece, policy, fresh.get(place, ()), kept, span)
            if taken is None:
                full.add(key)
                break
            so_far[place] = taken
            pairs.append((end, taken[0]))
        else:
            if pairs:
                out[key] = pairs
    book.so_far.update(
        (place, held) for place, held in so_far.items() if (place[0], place[1]) not in full
    )
    left = [row for row in rows if id(row) not in joined or (row.account, row.resource) in full]
    return left, {key: pairs for key, pairs in out.items() if key not in full}


def _so_far_on(  # noqa: PLR0917 - private plumbing of plain values
    book: Book,
    place: tuple[str, str, str],
    end: UsageRow,
    piece: UsageRow | None,
    policy: object,
    readings: Sequence[Sample],
    kept: Kept,
    span: tuple[int, int],
) -> tuple[UsageRow, SoFar] | None:
    """``end`` taken on from its cycle so far, or None if it cannot be.

    A mean's (`_mean_on()`), or a distinct count's or a percentile's (`_values_on()`).
    """
    if type(policy) is TimeWeightedMean:
        return _mean_on(book, place, end, piece, policy, readings, kept, span)
    valued = typing.cast("UniqueCount | Percentile", policy)
    return _values_on(book, place, end, piece, valued, readings, kept, span)


def _mean_on(  # noqa: PLR0917 - private plumbing of plain values
    book: Book,
    place: tuple[str, str, str],
    end: UsageRow,
    piece: UsageRow | None,
    policy: TimeWeightedMean,
    readings: Sequence[Sample],
    kept: Kept,
    span: tuple[int, int],
) -> tuple[UsageRow, Integral] | None:
    """A time-weighted mean's open ``end`` taken on with its new ``readings``, or None.

    With the integral of its cycle up to its last reading (`_so_far()`; None: it is
    not known), its level held up to ``span``'s end, as metering at once adds them.
    O(n log n) for n new readings, and `_so_far()`'s.
    """
    c0, c1 = span
    prev = end.span.end_us
    so_far = _so_far(book, place, end, policy, kept, c0, prev)
    if so_far is None:
        return None
    ordered = _standing(s for s in readings if s.at_us < c1)
    so_far = _integral(ordered, prev, None, so_far)
    quantity = policy._mean(so_far, c0, c1)
    if so_far is None or quantity is None:  # (a level is known: not so)
        return None
    return _on(end, piece, _tidy(quantity), c1), so_far


def _so_far(  # noqa: PLR0917 - private plumbing of plain values
    book: Book,
    place: tuple[str, str, str],
    end: UsageRow,
    policy: TimeWeightedMean,
    kept: Kept,
    c0: int,
    prev: int,
) -> Integral | None:
    """The integral of ``end``'s cycle up to its last reading before ``prev``, or None.

    The one the book keeps with that very row; else found from the resource's kept
    readings of the meter, as metering them at once from the kept cycles' start reads
    them (the reading in force at ``c0`` before them), and taken only when its mean is
    ``end``'s quantity to the last digit (else None: the resource is metered again).
    O(1), or O(k log k) for k kept readings.
    """
    held = book.so_far.get(place)
    if held is not None and held[0] is end:
        return typing.cast("Integral", held[1])
    account, resource, name = place
    samples, state = kept((account, resource), name)
    readings = _standing(s for s in samples if s.at_us < prev)
    known = _order.kept(state, account, resource, name)
    times = [s.at_us for s in readings]
    lo = bisect.bisect_left(times, c0)
    before = _before(readings, lo, known[-1] if known else None)
    so_far = _integral(readings[lo:], c0, before)
    quantity = policy._mean(so_far, c0, prev)
    if quantity is None or _tidy(quantity).as_tuple() != end.quantity.as_tuple():
        return None
    return so_far


def _values_on(  # noqa: PLR0917 - private plumbing of plain values
    book: Book,
    place: tuple[str, str, str],
    end: UsageRow,
    piece: UsageRow | None,
    policy: UniqueCount | Percentile,
    readings: Sequence[Sample],
    kept: Kept,
    span: tuple[int, int],
) -> tuple[UsageRow, Values] | None:
    """A distinct count's or a percentile's open ``end`` taken on with its new ``readings``.

    From the values of its cycle so far (the ones the book keeps with that very row, or
    found once from the kept readings and checked against it; None if they cannot be:
    the resource is metered again) and the new readings in metering's order, as
    metering at once reads them. O(n + k log k) for n values so far and k new readings.
    """
    c0, c1 = span
    held = book.so_far.get(place)
    if held is not None and held[0] is end:
        values = typing.cast("Values", held[1])
    else:
        samples, _ = kept((place[0], place[1]), place[2])
        inside = _standing(s for s in samples if c0 <= s.at_us < end.span.end_us)
        values = policy._on((), (s.value for s in inside))
        found = policy._of(values)
        if found is None or _tidy(found).as_tuple() != end.quantity.as_tuple():
            return None
    ordered = _standing(s for s in readings if s.at_us < c1)
    values = policy._on(values, (s.value for s in ordered))
    quantity = policy._of(values)
    if quantity is None:  # (the row's readings are among them: not so)
        return None
    return _on(end, piece, _tidy(quantity), c1), values


def _standing(readings: Iterable[Sample]) -> list[Sample]:
    """``readings`` in metering's order, but those a greater ``seq`` at their instant corrected.

    As metering reads them (`_ties.standing()`): a reading and its correction are new
    together, or kept together, since both are stamped at one instant. O(n log n).
    """
    return _ties.standing(sorted(readings, key=_order.order), set())


def _on(end: UsageRow, row: UsageRow | None, quantity: Decimal, c1: int) -> UsageRow:
    """``end``'s row taken on to ``row``'s end with ``quantity``, or with no new row to ``c1``.

    ``c1``: the new watermark, or the cycle's end before it. Its record ids are both
    rows' in their one order. O(k) for the k ids of ``end``.
    """
    ids, end_us = end.record_ids, c1
    if row is not None:
        ids, end_us = joined_ids(end.record_ids, row.record_ids), row.span.end_us
    return _new_row(
        end.account,
        end.meter,
        end.resource,
        Span.from_us(end.span.start_us, end_us),
        end.cycle,
        quantity,
        end.unit,
        end.description,  # type: ignore[arg-type]
        ids,
        ordered=True,
    )
