"""Rows of a meter that run at once take an allowance together, as they are used.

An allowance is consumed in time order (`ratekit._allowances`). A slice of time (a time
meter's row: minutes, GB-hours) is used evenly over its span, so two rows that run at
once use their units at the same instants. The pieces of an account's meter that
overlap in time take from the pools as if every piece were cut at every other piece's
bounds, ever finer: at each instant each running piece takes its rate's share of what
the pools give, the usage first, then the corrections (a running piece below zero:
they take back the units taken before them, the latest first), as an instant's usage
goes before its corrections. That is the limit of cutting the rows ever finer, and the one order that
does not depend on where the rows were cut: an update no price reads, which cuts a
row in two, frees what the uncut row does.

A piece that is no slice of time is taken whole at its start (`_runs`): a point (its
span starts where it ends) and a row of a sum of samples (a delta's, a counter's, a
count's: stamped at instants the row does not keep, so where in its span its units
were used is unknown), in the order of `ratekit._allowances.place` (an instant's usage
before its corrections, then by end and resource, the order rating has always taken
them in, which makes no total depend on the resources' names nor the records' order),
after the running pieces' use up to its start. But a row of a sum of samples where its
plan prices the meter apart at one instant, in time order
(`ratekit._cuts.apart_at_once`), runs as a slice of time does: metering cuts such rows
at each delta's instant and a microsecond after, at each window's ends (a delta over
``[since, at)``) and at each of a counter's readings, so a row longer than a
microsecond holds windows or a rise, spread evenly over its span (`_runs`). Where
no piece starts inside a running one, that is taking each whole at its start, as
before (`overlapping`).

Where a pool runs dry under pieces that run together, their shares are fractions (a
third of what it gave), kept exact (``free_exact``) as a prorated pool's are: each
piece's free part is its rate times what ``freed`` grew over its span, so pieces of a
row cut anywhere take, together, exactly what the uncut row takes, and rating turns
them into Decimals only where it prices them (`ratekit._pricing`), as for any free part.

The sweep walks the pieces' bounds in order, keeping per billing key (account, meter,
plan, billing cycle, allowance periods: `_Taker.combo`) and sign the running pieces'
total rate and, as an exact fraction, how much of each unit of rate the pools made free
so far (``freed``): a piece's free part is its rate times what ``freed`` grew over its
span. O(n log n) for n pieces, whatever their overlaps; the pools are drawn once per
bound.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Container, Iterator, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final, Protocol

from ._allowance_pools import BILLED, Ledger, Source, ledger_of
from ._cuts import apart_at_once
from ._dues import _exact as _decimal
from ._time_exact import time_unit_us
from .pricebook import Plan
from .spans import Span
from .usage import UsageRow

__all__ = ["Piece", "at_one", "exact_quantity", "flow", "overlapping", "take_shared"]

_NOTHING: Final = Fraction(0)
#: A pool: (account, id of the plan, index of the allowance in the plan, period).
_PoolKey = tuple[str, int, int, tuple[int, int]]


class Piece(Protocol):
    """A piece of usage an allowance can make free (`ratekit._allowances`' pieces)."""

    row: UsageRow
    span: Span
    quantity: Decimal
    plan: Plan
    cycle: tuple[int, int]
    free: Decimal
    free_exact: Fraction
    exact: Fraction | None  # the quantity's exact value, where it is a slice of time


class _Taker(Protocol):
    """What the sweep asks of the allowances (`ratekit._allowances._Allowances`)."""

    peaks: frozenset[str]  # the meters whose rows are shares of an aggregate (`at_one`)

    def combo(self, piece: Piece, /) -> tuple[tuple[object, ...], list[_PoolKey]]: ...

    def take_at(
        self,
        piece: Piece,
        pools: dict[_PoolKey, Fraction],
        within: tuple[int, int],
        billed: dict[tuple[object, ...], Ledger],
        quantity: Fraction,
        /,
    ) -> Fraction: ...

    def draw(
        self, source: Source, wanted: Fraction, ledger: Ledger | None = None, /
    ) -> Fraction: ...

    def undo(self, source: Source, ledger: Ledger, quantity: Fraction, /) -> Fraction: ...


def exact_quantity(piece: Piece) -> Fraction:
    """The piece's quantity, exact (a slice of time's as it was used)."""
    return Fraction(piece.quantity) if piece.exact is None else piece.exact


def _shared_end(members: Sequence[Piece], i: int, peaks: Container[str]) -> int:
    """The end of the pieces of ``members`` from index ``i`` that share the free units.

    The usage rows of a peak (``peaks``: `Max`, `Latest`, a mean) are shares of their
    cycle's aggregate, none used before another: the pieces of one span (a piece of the
    cycle; in place order, the same start and end, not below zero) under one plan and
    cycle take the free units together, each in proportion to its quantity
    (`take_shared`), as the usage of one instant does, whatever the resources are
    called. Else ``i + 1``. O(k) for the k pieces found.
    """
    first = members[i]
    span, end = first.span, i + 1
    if first.quantity <= 0 or first.row.meter not in peaks:
        return end
    while end < len(members):
        piece = members[end]
        if (
            piece.span != span
            or piece.quantity < 0
            or piece.plan is not first.plan
            or piece.cycle != first.cycle
        ):
            break
        end += 1
    return end


def at_one(members: Sequence[Piece], peaks: Container[str]) -> Iterator[list[Piece]]:
    """``members`` (in place order) in the batches they take the free units in.

    One by one, but a peak's pieces of one span together (`_shared_end`); pieces of no
    quantity left out. O(n).
    """
    i = 0
    while i < len(members):
        end = _shared_end(members, i, peaks)
        batch = [piece for piece in members[i:end] if piece.quantity != 0]
        i = end
        if batch:
            yield batch


def take_shared(
    taker: _Taker,
    pieces: Sequence[Piece],
    state: tuple[dict[_PoolKey, Fraction], tuple[int, int], dict[tuple[object, ...], Ledger]],
) -> Fraction:
    """Take ``pieces`` (a batch of `at_one`) together: their total at once, shared in proportion.

    Each piece's free part is the free units of the total times its quantity over the
    total, exact (``free_exact``). Returns the free units of the total. O(k) for k pieces.
    """
    pools, within, billed = state
    quantities = [exact_quantity(piece) for piece in pieces]
    total = sum(quantities, _NOTHING)
    free = taker.take_at(pieces[0], pools, within, billed, total)
    for piece, quantity in zip(pieces, quantities, strict=True):
        share = free if len(pieces) == 1 else free * quantity / total if total else _NOTHING
        piece.free_exact = share
        piece.free = _decimal(share)
    return free


def _runs(piece: Piece, samples: Container[str]) -> bool:
    """Whether ``piece`` is used over its span, not taken whole at its start.

    A slice of time: a time meter's (in a unit with one unit of time: ``"minute"``,
    ``"GiB*hour"``), over a span that does not start where it ends, and not of a meter
    whose rows are sums of samples (``samples``: a delta's, a counter's, a count's,
    stamped at instants the row does not keep, taken at the row's start as before),
    but for such a row of usage over one microsecond: the samples stamped at its start,
    which use their units at that one instant, as the rows of the other resources'
    samples of that instant do (so the rows of one instant take the free units
    together, each in proportion to what it uses, whatever the resources are called).
    The corrections of that instant are taken whole after them (`_after_use`). Usage
    over a longer span where its plan prices the meter apart at one instant, in time
    order (`ratekit._cuts.apart_at_once`), runs over its span too: metering cuts such
    rows at each delta's instant and a microsecond after, at each window's ends (a
    delta over ``[since, at)``, spread evenly over it) and at each of a counter's
    readings (its rise, spread evenly between them), so such a row holds windows or a
    rise used evenly over it, and rows that run at once take the free units together,
    each in proportion to what it uses, whatever their resources' names.
    """
    span = piece.span
    row = piece.row
    if row.meter in samples:
        if span.end_us - span.start_us == 1:
            # the usage of one instant (metering cuts it so, `ratekit._metering_corrections`)
            return piece.quantity > 0
        return (
            piece.quantity > 0
            and span.start_us < span.end_us
            and apart_at_once(piece.plan, row.meter)
        )
    return span.start_us < span.end_us and time_unit_us(row.unit) is not None


def _after_use(piece: Piece, samples: Container[str]) -> bool:
    """Whether ``piece`` is a correction of one instant (a row of samples over one µs).

    Taken whole at the end of its microsecond where usage of its instant runs over it:
    an instant's usage goes before its corrections.
    """
    span = piece.span
    return piece.quantity < 0 and span.end_us - span.start_us == 1 and piece.row.meter in samples


def overlapping(members: Sequence[Piece], samples: Container[str]) -> bool:
    """Whether a piece of ``members`` (in place order) starts inside a running one.

    Else taking each piece whole at its start is the same as the sweep. O(n).
    """
    reach: int | None = None
    for piece in members:
        span = piece.span
        if reach is not None and span.start_us < reach and piece.quantity != 0:
            return True
        if _runs(piece, samples) and (reach is None or span.end_us > reach):
            reach = span.end_us
    return False


class _Running:
    """The pieces running under one billing key: their total rate, and ``freed`` so far.

    Per sign: ``[0]`` the usage's, ``[1]`` the corrections' (below zero).
    """

    __slots__ = ("count", "dry", "freed", "rate", "source")

    def __init__(self, source: Source) -> None:
        self.source = source  # the pools its pieces draw on
        self.rate = [_NOTHING, _NOTHING]  # units per microsecond of the pieces running
        self.count = [0, 0]
        # per unit of rate, the units made free so far (given back, for corrections): a
        # piece's free part is its rate times what this grew over its span
        self.freed = [_NOTHING, _NOTHING]
        # whether its pools are all empty: its usage draws nothing until something
        # gives back (`_refilled`), as a pool only gives otherwise
        self.dry = False


def flow(
    taker: _Taker,
    members: Sequence[Piece],
    state: tuple[dict[_PoolKey, Fraction], tuple[int, int], dict[tuple[object, ...], Ledger]],
    samples: Container[str],
    marks: Sequence[tuple[int, Callable[[], None]]] = (),
) -> None:
    """Set each piece's free part, ``members`` (in place order) taking together (module).

    ``state``: the pools, the span they are prorated to (see `Source`), and the
    units taken so far per billing key (`ratekit._allowance_pools.Ledger`), both updated as `_Taker.take_at` does, over the
    running pieces' use between bounds (`_use`). ``samples``: see `_runs`. ``marks``:
    instants (ascending) and what to call there, once the running pieces' use up to the
    instant is taken and before the pieces that end or start there (the streaming
    rater's checks of what stands, `ratekit._allowances._Allowances.take_together`).
    """
    running: dict[tuple[object, ...], _Running] = {}
    ends: list[tuple[int, int, Piece, _Running, int, Fraction, Fraction]] = []
    # the corrections of an instant whose usage runs over its microsecond: taken after it
    later: list[Piece] = []
    now: int | None = None
    i, n = 0, len(members)
    k, m = 0, len(marks)
    while i < n or ends or k < m:
        at = members[i].span.start_us if i < n else ends[0][0] if ends else marks[k][0]
        if ends and ends[0][0] < at:
            at = ends[0][0]
        if k < m and marks[k][0] < at:
            at = marks[k][0]
        if now is not None and at > now:
            _use(taker, running, state, at - now)
        now = at
        while k < m and marks[k][0] == at:
            marks[k][1]()
            k += 1
        for piece in later:  # (their instant's usage ends here)
            _take_whole(taker, piece, state, running)
        later.clear()
        while ends and ends[0][0] == at:  # the pieces that end here: their free parts
            _, _, piece, ended, sign, rate, freed = heapq.heappop(ends)
            free = rate * (ended.freed[sign] - freed)
            piece.free_exact = free
            piece.free = _decimal(free)
            ended.count[sign] -= 1
            ended.rate[sign] = ended.rate[sign] - rate if ended.count[sign] else _NOTHING
        i = _start(taker, members, (i, at), state, (running, ends, later), samples)


def _start(  # noqa: PLR0917 - private plumbing of plain values
    taker: _Taker,
    members: Sequence[Piece],
    where: tuple[int, int],
    state: tuple[dict[_PoolKey, Fraction], tuple[int, int], dict[tuple[object, ...], Ledger]],
    sweep: tuple[
        dict[tuple[object, ...], _Running],
        list[tuple[int, int, Piece, _Running, int, Fraction, Fraction]],
        list[Piece],
    ],
    samples: Container[str],
) -> int:
    """The pieces of ``members`` from index ``i`` that start at ``at`` (``where``): taken or running.

    A piece taken whole is taken now, but a correction of an instant whose usage runs
    over its microsecond, kept in ``later``; a running piece joins ``running`` and
    ``ends``. Returns the index of the first piece that starts later.
    """
    running, ends, later = sweep
    i, at = where
    n = len(members)
    instant = False  # whether usage of this instant runs over its microsecond
    while i < n and members[i].span.start_us == at:
        piece = members[i]
        i += 1
        if piece.quantity == 0:
            continue
        if not _runs(piece, samples):  # taken whole where it starts
            if instant and _after_use(piece, samples):
                later.append(piece)
            elif (shared := _shared_end(members, i - 1, taker.peaks)) > i:
                take_shared(taker, members[i - 1 : shared], state)  # (usage: nothing refills)
                i = shared
            else:
                _take_whole(taker, piece, state, running)
            continue
        quantity = exact_quantity(piece)
        instant = instant or piece.span.end_us - at == 1
        combo, keys = taker.combo(piece)
        run = running.get(combo)
        if run is None:
            pools, within, _ = state
            run = running[combo] = _Running(Source(pools, keys, piece.plan, within))
        span = piece.span
        rate = quantity / (span.end_us - span.start_us)
        sign = int(quantity < 0)
        run.rate[sign] += rate
        run.count[sign] += 1
        heapq.heappush(ends, (span.end_us, i, piece, run, sign, rate, run.freed[sign]))
    return i


def _take_whole(
    taker: _Taker,
    piece: Piece,
    state: tuple[dict[_PoolKey, Fraction], tuple[int, int], dict[tuple[object, ...], Ledger]],
    running: dict[tuple[object, ...], _Running],
) -> None:
    """Take ``piece`` whole, now: its free part (below zero: what it gives back)."""
    pools, within, billed = state
    free = taker.take_at(piece, pools, within, billed, exact_quantity(piece))
    if free < 0:
        _refilled(running)
    piece.free_exact = free
    piece.free = _decimal(free)


def _use(
    taker: _Taker,
    running: dict[tuple[object, ...], _Running],
    state: tuple[dict[_PoolKey, Fraction], tuple[int, int], dict[tuple[object, ...], Ledger]],
    duration: int,
) -> None:
    """What the running pieces use over ``duration`` µs: the fill, the free, the billed.

    Per billing key, the usage first (it fills what corrections took below zero, takes
    from the pools, then is billed), then the corrections (they take back the units taken
    before them, the latest first), as an instant's usage goes before its corrections
    (`take_at`).
    """
    _, _, billed = state  # (the pools and their span: each run's `Source`)
    for combo, run in running.items():
        count, rate = run.count, run.rate
        ledger = ledger_of(billed, combo)
        if count[0]:
            used = rate[0] * duration
            before = ledger.billed
            wanted = used - min(used, -before) if before < 0 else used
            if run.dry:
                free = _NOTHING
            else:
                free = taker.draw(run.source, wanted, ledger)
                run.dry = free != wanted  # less than wanted: every pool of its keys empty
            if wanted != free:  # billed: the latest units of this use
                ledger.push(BILLED, wanted - free)
            ledger.billed = before + used - free
            if free:
                run.freed[0] += free / rate[0]
        if count[1]:
            given = -taker.undo(run.source, ledger, rate[1] * duration)
            if given:
                run.freed[1] -= given / rate[1]
                _refilled(running)


def _refilled(running: dict[tuple[object, ...], _Running]) -> None:
    """Something was given back to the pools: any may have something again (keys share them)."""
    for run in running.values():
        run.dry = False
