"""The rater's book of usage: per resource, its rows so far and its metering state now.

Private to [`ratekit.Rater`][ratekit.Rater]. A statement at ``as_of`` meters only what is new
since the last one (at ``prev``), through the one metering engine:

- a resource with no record reaching back before ``prev`` **continues**: its carried
  [`ResourceState`][ratekit.ResourceState] (at ``prev``) and its new records are metered over
  ``[prev, as_of)``, and each new row that starts at ``prev`` is joined to the row of the
  same piece that ended there (metering cuts a piece at the end of its window only; a
  piece does not otherwise end at ``prev`` unless a cycle or a price changes there, or
  its description or opener does), so that the rows are exactly those of metering
  everything at once from the start of the kept cycles;
- a resource with a late record (one stamped before ``prev``, or a delta over a span that
  starts before it), with samples of a meter whose rows are not sums (``from_zero``
  counters and aggregations: they are metered from all their readings; a plain counter
  continues, see `ratekit._rater_counters`, and so do a `Max`, `Min`, `Latest`, `Count`
  or `TimeWeightedMean` whose cycle so far is one piece, see
  `ratekit._rater_aggregations`), or any resource when an
  inventory snapshot is new and stamped before ``prev`` or closes at the last sign of
  life, is **re-metered** from the metering state at the start of the kept cycles, from
  its kept records, as before. An inventory after ``prev`` that closes at the snapshot
  is taken on by every resource's continuation, as an event would be.

Two rows of one piece are joined as `ratekit._rater_joins` joins them.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Final

from ._rater_joins import joined as _joined
from ._rater_running import Leave, Running, left, ran_on
from ._rater_states import lean
from ._resource_state import ResourceState
from ._sample_policies import Integral, Values
from .policies import Counter, Discrete, Meter
from .records import Event, Inventory, Sample
from .usage import Usage, UsageRow, _new_span

__all__ = ["Book", "continuable", "counters", "from_zero"]

Record = Event | Sample | Inventory
Key = tuple[str, str]  # (account, resource)
_START = operator.attrgetter("span.start_us")
_RESOURCE = operator.attrgetter("account", "resource")


def continuable(meters: Iterable[Meter]) -> frozenset[str]:
    """The meters whose rows a continuation can join: time meters and `Discrete` deltas."""
    return frozenset(m.name for m in meters if m._factor is not None or type(m.policy) is Discrete)


def counters(meters: Iterable[Meter]) -> frozenset[str]:
    """The meters of a `Counter` without ``from_zero``: a continuation takes them on.

    Metered from the carried state at ``prev``, a counter's first new reading counts from
    the last reading the state keeps, and the part of that increment before ``prev``
    comes as a late row, which goes to the row of its piece that ends at ``prev``
    (`Book.take_late()`). A ``from_zero`` counter's first reading counts from the start of
    its resource's running stretch, which may lie in any kept cycle: such a resource is
    metered again from the kept cycles' start.
    """
    return frozenset(
        m.name for m in meters if type(m.policy) is Counter and m.policy.from_zero is False
    )


def from_zero(meters: Iterable[Meter]) -> frozenset[str]:
    """The meters of a `Counter` with ``from_zero``: see `ratekit._rater_states.lean()`."""
    return frozenset(m.name for m in meters if getattr(m.policy, "from_zero", False) is True)


def known_by(record: Record, as_of_us: int) -> bool:
    """Whether metering at ``as_of_us`` reads ``record`` (as metering decides). O(1).

    A record stamped before ``as_of_us``, and a delta over a span that ends there (its
    span lies before it); not a delta whose span is empty (``since == at``), which
    metering counts at its instant, as a delta without ``since``.
    """
    at_us = record.at_us
    if at_us < as_of_us:
        return True
    if at_us != as_of_us or type(record) is not Sample:
        return False
    since_us = record.since_us
    return since_us is not None and since_us < at_us


class Book:
    """Rows of the kept cycles and the metering state at ``as_of``, per resource.

    Each resource's rows that end at ``as_of`` (its *open ends*: the pieces a
    continuation may join) come last in its tuple, so that a statement finds them
    without walking the resource's month of rows: `open_ends()` and `join()` cost
    O(e) for e open ends, and a quiet resource with none costs O(1).
    """

    __slots__ = ("as_of_us", "lows", "rows", "running", "so_far", "states")

    def __init__(self, as_of_us: int) -> None:
        self.as_of_us = as_of_us
        self.rows: dict[Key, tuple[UsageRow, ...]] = {}
        self.states: dict[Key, ResourceState] = {}
        # Per resource with rows, the earliest start of its rows: a join keeps every
        # row's start (a joined row starts where its first part did) and adds the new
        # rows', so it is kept up to date from the new rows alone.
        self.lows: dict[Key, int] = {}
        # Per (account, resource, meter) of a time-weighted mean, a distinct count or a
        # percentile, its open end and what its cycle so far leaves to go on from (the
        # mean's integral, the values: `ratekit._rater_aggregations`): dropped with the
        # resource's rows when it is metered again, and read only while that row stands.
        self.so_far: dict[tuple[str, str, str], tuple[UsageRow, Integral | Values]] = {}
        # The quiet resources whose rows are left as they stood (`ratekit._rater_running`).
        self.running = Running()

    def copy(self) -> Book:
        other = Book(self.as_of_us)
        other.rows = self.rows.copy()
        other.states = self.states.copy()
        other.lows = self.lows.copy()
        other.so_far = self.so_far.copy()
        other.running = self.running.copy()
        return other

    def all_rows(self) -> list[UsageRow]:
        return [row for rows in self.rows.values() for row in rows]

    def accounts(self) -> set[str]:
        return {account for account, _ in self.states}

    def drop_before(self, base_us: int) -> None:
        """Forget the rows (and what aggregations' cycles so far left) of cycles that end by ``base_us`` (compacted)."""
        for key, rows in list(self.rows.items()):
            kept = tuple(row for row in rows if row.cycle.end_us > base_us)
            if kept:
                self.rows[key] = kept
                self.lows[key] = min(map(_START, kept))
            else:
                del self.rows[key]
                del self.lows[key]
        if self.so_far:
            self.so_far = {
                place: held for place, held in self.so_far.items() if held[0].cycle.end_us > base_us
            }

    def replace(self, usage: Usage, keys: set[Key] | None) -> None:
        """Take the rows and states of ``usage`` for ``keys`` (all when None).

        A row equal to one the book held for its resource, to the last digit (see
        `_same()`), is kept as the object it was: the charges rated for it stand (the
        rater reuses charges by row), and a group priced by its total is priced on from
        its first row that changed, not from the resource's first row. O(r) for r rows.
        """
        grouped = _by_resource(usage.rows, keys)
        before = self.rows
        if keys is None:
            self.rows = {}
            self.states = {}
            self.lows = {}
            self.so_far = {}
            self.running = Running()
        else:
            self.running.forget(keys)
            before = {key: gone for key in keys if (gone := self.rows.pop(key, None))}
            for key in before:
                del self.lows[key]
            if self.so_far:
                self.so_far = {
                    place: held
                    for place, held in self.so_far.items()
                    if (place[0], place[1]) not in keys
                }
        as_of_us = self.as_of_us
        for key, rows in grouped.items():
            held = before.get(key)
            self.rows[key] = _ends_last(rows if not held else _same(held, rows), as_of_us)
            self.lows[key] = min(map(_START, self.rows[key]))
        for state in usage.state:
            key = (state.account, state.resource)
            if keys is None or key in keys:
                self.states[key] = lean(state)

    def open_ends(self, key: Key, prev: int, names: frozenset[str]) -> list[UsageRow]:
        """The rows of ``key`` for meters in ``names`` that end at ``prev``.

        O(e) for e open ends when ``prev`` is the book's ``as_of`` (they come last), else
        O(r) for the resource's r rows.
        """
        rows = self.rows.get(key, ())
        if prev == self.as_of_us:
            rows = rows[_open_from(rows, prev) :]
        return [r for r in rows if r.span.end_us == prev and r.meter in names]

    def unjoined(
        self,
        rows: Sequence[UsageRow],
        sums: frozenset[str],
        prev: int,
        bounded: Callable[[Key], Container[str]],
        opened: Mapping[Key, Sequence[UsageRow]],
    ) -> set[tuple[str, str, str]]:
        """The (account, resource, sum meter) of ``rows`` that start at ``prev`` with no open end.

        Such a row's piece holds ``prev`` (``bounded`` does not list its meter), but
        the book has no row of it ending at ``prev`` to join: the rater finds where the
        piece began (`_rater_advance._begun()`). Each resource's open ends are read once,
        not once per row, and not at all when ``opened`` holds them already (those of its
        sums whose meters ``bounded`` does not hold: the only ones asked about). O(r + e)
        for r rows and e open ends.
        """
        open_meters: dict[Key, set[str]] = {}
        begun: set[tuple[str, str, str]] = set()
        last: Key | None = None
        ending: Container[str] = ()
        for row in rows:
            name = row.meter
            if name not in sums or row.span.start_us != prev:
                continue
            key = (row.account, row.resource)
            if key != last:  # (a resource's rows come together: read once per run)
                last, ending = key, bounded(key)
            if name in ending:
                continue
            names = open_meters.get(key)
            if names is None:
                ends = opened.get(key)
                if ends is None:
                    ends = self.open_ends(key, prev, sums)
                names = open_meters[key] = {end.meter for end in ends}
            if name not in names:
                begun.add((key[0], key[1], name))
        return begun

    def take_late(self, late: Sequence[UsageRow], prev: int, counters: frozenset[str]) -> bool:
        """Add a continuation's ``late`` rows to the rows of their pieces that end at ``prev``.

        A counter's first reading after ``prev`` counts from the last reading before it:
        metered from the carried state, the part of that increment before ``prev`` is a
        late row from that reading to ``prev``, which metering everything at once puts in
        the row of the piece that holds it. It goes there when that piece's row ends at
        ``prev`` (an open end, of the same meter, cycle and description, from or before
        the late row's start), its cycle holds ``prev`` (no closed cycle changes), and the
        late row starts at the counter's last reading kept in the resource's state, whose
        clock is ``prev`` (a state with an older clock gives the part after it to no row). Its
        quantity is added (the parts telescope: the very quantity of the whole piece) and
        its record ids are put with the row's, in their one order.

        Returns whether every late row goes so; if one does not, none is added (the
        continuation's resources are metered again from the kept cycles' start). O(l + e)
        for l late rows and e open ends.
        """
        taken: dict[Key, list[tuple[int, UsageRow]]] = {}
        for key, found in _by_resource(late, None).items():
            rows = self.rows.get(key, ())
            start = _open_from(rows, prev) if prev == self.as_of_us else 0
            state = self.states.get(key)
            places: list[tuple[int, UsageRow]] = []
            for row in found:
                index = _straddled(rows, start, row, prev, counters, state)
                if index is None or any(index == i for i, _ in places):
                    return False
                places.append((index, row))
            taken[key] = places
        for key, places in taken.items():
            rows_of = list(self.rows[key])
            for index, row in places:
                before = rows_of[index]
                rows_of[index] = _joined(before, before.span, before, row)
            self.rows[key] = tuple(rows_of)
        return True

    def take_on(self, ends: dict[Key, list[tuple[UsageRow, UsageRow]]], as_of_us: int) -> None:
        """Put each row of ``ends`` in place of the open end it takes on, after `join()`.

        ``ends``: per resource, (open end, its row up to the new watermark), of an
        aggregation (`ratekit._rater_aggregations`); ``as_of_us``: the book's new ``as_of``
        (the rows ending there come last again). O(r) for the resource's r rows.
        """
        for key, pairs in ends.items():
            rows = list(self.rows[key])
            for end, row in pairs:
                index = len(rows) - 1
                while rows[index] is not end:
                    index -= 1
                rows[index] = row
            self.rows[key] = _ends_last(rows, as_of_us)

    def join(  # noqa: PLR0917 - one pass per resource over its open ends
        self,
        given: Sequence[UsageRow],
        states: Iterable[ResourceState],
        keys: set[Key],
        prev: int,
        bounded: Callable[[Key], Container[str]],
        extend: Callable[[Key, str], int],
        timed: frozenset[str],
        quiet: set[Key],
        as_of_us: int,
        leave: Leave | None,
    ) -> set[Key]:
        """Add a continuation's rows (``given``) and ``states`` for ``keys``.

        Joins the pieces cut at ``prev``. ``bounded(key)`` holds the meters of resource
        ``key`` whose pieces end at ``prev`` anyway (a cycle starts, a price changes);
        ``extend(key, meter)`` is where the piece of a resource with no new record (in
        ``quiet``) that holds ``prev`` ends in the new window.
        ``as_of_us`` is the end of the continuation's window. Returns the resources of
        ``quiet`` whose sum's piece ran on: their rows changed (a row's span is the
        piece's, which rating's words give: usage with no price is said over its span).
        ``leave`` (None: none is) says whether a resource of ``quiet`` with nothing new
        is left as it stands instead, given its rows that would run on
        (`ratekit._rater_running`).

        Only each resource's open ends (its rows ending at ``prev``, which come last) and
        its new rows are visited: O(e + n) for e open ends and n new rows, whatever the
        rows the resource had before.
        """
        fresh = _by_resource(given, keys)
        book_states = self.states
        for state in states:
            key = (state.account, state.resource)
            if key in keys:
                book_states[key] = lean(state)
        ran_on: set[Key] = set()
        held, lows = self.rows, self.lows
        for key in keys:
            new = fresh.get(key, ())
            rows = held.get(key, ())
            cut = len(rows)
            while cut and rows[cut - 1].span.end_us == prev:  # `_open_from()`, inlined
                cut -= 1
            if not new and (
                (
                    leave is not None
                    and key in quiet
                    and left(key, rows[cut:], bounded, timed, leave)
                )
                or cut == len(rows)
            ):
                continue  # nothing new: its rows stand, or are left to run on unread
            settled, old = rows[:cut], list(rows[cut:])
            ending = bounded(key)
            ends = {row.meter: index for index, row in enumerate(old) if row.meter not in ending}
            joined: set[int] = set()
            out_new: list[UsageRow] = []
            for row in new:
                # (its start first: most new rows start after prev, and need no look-up)
                if (
                    row.span.start_us != prev
                    or (name := row.meter) not in ends
                    or (index := ends[name]) in joined
                ):
                    out_new.append(row)
                    continue
                before = old[index]
                # A time piece running at prev goes on from the carried state (the rater
                # meters again a resource with an event at prev), a sum's piece holds prev.
                # (The carried state's very description, mostly: no comparison then.)
                description, cycle, other = before.description, before.cycle, row.cycle
                if (description is not row.description and description != row.description) or (
                    # (the cycles' bounds compared: a Span's equality, without its call)
                    cycle is not other
                    and (cycle.start_us != other.start_us or cycle.end_us != other.end_us)
                ):
                    out_new.append(row)
                    continue
                joined.add(index)
                # (from before's start to row's end, in order: row starts at prev)
                span = _new_span(before.span.start_us, row.span.end_us)
                old[index] = _joined(row, span, before, row)
            # (a resource with new records is not quiet)
            if key in quiet and _run_on(old, ends, joined, timed, key, extend):
                ran_on.add(key)
            if out_new:
                old += out_new
            rows = (*settled, *_ends_last(old, as_of_us))
            if rows:
                held[key] = rows
            if out_new:  # the rows before keep their starts (see `lows`)
                low = min(map(_START, out_new))
                lows[key] = min(lows.get(key, low), low)
        return ran_on


def _run_on(  # noqa: PLR0917 - private plumbing of plain values
    old: list[UsageRow],
    ends: dict[str, int],
    joined: set[int],
    timed: frozenset[str],
    key: Key,
    extend: Callable[[Key, str], int],
) -> bool:
    """Run on a quiet resource's sums' open ends in ``old`` (see `Book.join()`); whether any.

    ``ends``: per meter, the index in ``old`` of its open end that a piece cut at ``prev``
    does not end; ``joined``: those a new row took. O(e) for e open ends.
    """
    ran = False
    for meter_name, index in ends.items():
        if index in joined or meter_name in timed:
            continue
        # A sum's piece with nothing new: it runs on to its end in the new window.
        old[index] = ran_on(old[index], extend(key, meter_name))
        ran = True
    return ran


def _by_resource(rows: Iterable[UsageRow], keys: set[Key] | None) -> dict[Key, list[UsageRow]]:
    """``rows`` per resource, in their order, of ``keys`` only (all when None). O(r)."""
    out: dict[Key, list[UsageRow]] = {}
    found = out.get
    # Metering gives each resource's rows together: a run of one resource's rows is
    # looked up once and taken whole (at C speed), not row by row.
    for key, run in itertools.groupby(rows, _RESOURCE):
        if keys is not None and key not in keys:
            continue
        mine = found(key)
        if mine is None:
            out[key] = list(run)
        else:
            mine.extend(run)
    return out


def _straddled(  # noqa: PLR0917 - private plumbing of plain values
    rows: Sequence[UsageRow],
    start: int,
    late: UsageRow,
    prev: int,
    counters: frozenset[str],
    state: ResourceState | None,
) -> int | None:
    """Where in ``rows`` (from ``start``) the row of ``late``'s piece is, or None.

    See `Book.take_late()`. O(e + r) for e open ends and r readings of the state.
    """
    span, meter = late.span, late.meter
    if meter not in counters or span.end_us != prev or late.cycle.end_us <= prev:
        return None
    if state is None or state.through_us != prev:
        return None  # (a part before a stale clock is no late row: see _rater_advance)
    last = max((r[1] for r in state.readings if r[0] == meter and r[3] == "counter"), default=None)
    if last != span.start_us:
        return None
    for index in range(start, len(rows)):
        row = rows[index]
        if (
            row.meter == meter
            and row.span.end_us == prev
            and row.span.start_us <= span.start_us
            and row.cycle == late.cycle
            and row.description == late.description
        ):
            return index
    return None


def _open_from(rows: Sequence[UsageRow], end_us: int) -> int:
    """Where the rows ending at ``end_us`` begin, when they come last. O(e) for e of them."""
    index = len(rows)
    while index and rows[index - 1].span.end_us == end_us:
        index -= 1
    return index


def _ends_last(rows: Sequence[UsageRow], end_us: int) -> tuple[UsageRow, ...]:
    """``rows`` with those ending at ``end_us`` moved last, each part in its order. O(r)."""
    ending = [row for row in rows if row.span.end_us == end_us]
    if not ending or len(ending) == len(rows):
        return tuple(rows)
    return (*[row for row in rows if row.span.end_us != end_us], *ending)


def _same(held: Sequence[UsageRow], rows: list[UsageRow]) -> tuple[UsageRow, ...]:
    """``rows``, each one equal to a row in ``held`` given as that row.

    Equal to the last digit: the same meter, span, cycle, unit and record ids, the same
    quantity digit for digit (its sign, digits and exponent), the same description (the
    same mapping, or an equal one that reads the same). O(h + r).
    """
    index = {_exactly(row): row for row in held}
    out = []
    for row in rows:
        found = index.get(_exactly(row))
        if found is not None and (
            found.description is row.description
            or (
                found.description == row.description
                and repr(found.description) == repr(row.description)
            )
        ):
            row = found  # noqa: PLW2901 - the equal row held before stands for it
        out.append(row)
    return tuple(out)


def _exactly(row: UsageRow) -> tuple[object, ...]:
    span, cycle = row.span, row.cycle
    return (
        row.meter,
        span.start_us,
        span.end_us,
        cycle.start_us,
        cycle.end_us,
        row.unit,
        row.record_ids,
        row.quantity.as_tuple(),
    )


def zeros(key: Key, prev: int, ends: Sequence[UsageRow]) -> list[Sample]:
    """A zero delta at ``prev`` per open end in ``ends`` (see `Book.join`).

    ``ends``: the resource's open ends of the sums whose piece holds ``prev``
    (`Book.open_ends()`).

    It makes the continuation give a row from ``prev`` for that piece, with its new
    samples or with nothing, to join to the row that ended there. Built from the book's
    own values, as ``Sample(account, resource, meter, from_us(prev), 0)`` builds it,
    without reading them again (one per resource that goes on, at each statement).
    """
    account, resource = key
    out = []
    for row in ends:
        zero = _new(Sample)
        zero.__attrs_init__(account, resource, row.meter, prev, _ZERO, "delta", None, None, None)
        out.append(zero)
    return out


_new: Final = object.__new__
_ZERO: Final = Decimal(0)  # what Sample(..., 0) holds
