"""Where rating takes a correction over a span: at its stamp, not over its span's time.

Private to the rating engine. A correction of a `Discrete` meter spread over a span
(`since`) takes back, last in, first out, the units billed before its stamp (its ``at``),
as the same correction stamped at that instant does, whatever usage lies within its
span (docs/pricing.md, A correction over a span). Metering gives its parts rows of their
own, apart from usage and from other stamps' parts (`ratekit._metering_corrections`):
on one resource, the rows of one correction (its record ids) tile its span, and the
last of them ends at its stamp, or at the end of the span metered. So each such row is
placed at the end of its run of rows: the stamp where the span metered reaches it, and
where it does not, the span's end, after all the span's own usage. A part in an earlier
billing cycle than that is placed at its cycle's last instant instead, after that
cycle's usage and before the next's: it takes back that cycle's units, and what it
gives back to an allowance of a longer period (a week's, under daily cycles) does not
hang on usage of a later cycle. So a streaming rater, which states the cycle when it
knows the correction but maybe not usage stamped after it that lies in the next
cycle before the stamp, prices it as batch does. The parts keep their own spans for
the rest (the cycle, plan, price and piece of their time).

A row below zero of one microsecond, alone in its run, is a correction at an instant
(metering cuts one at its instant and one microsecond after): it is taken at its start.
Rows made by hand are placed the same way when their meter is given as `Discrete`.

Under a price by the total, a part that comes right after the usage of its own row's
piece in its group's order is priced with that usage, as their net (`joined`): a part
kept apart only moves where it is taken, and where nothing stands between the two, the
group's pieces are those of the row that nets them, so the amounts a running price
carries, to their 60th digit, are what they were (a third piece between two would round
each difference apart: 4E-60 left where the group nets to exactly zero).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from decimal import Decimal
from fractions import Fraction

from ._allowances import _NOTHING
from ._decimals import _SUMS
from ._pieces import _Piece
from .policies import Discrete, Meter
from .usage import UsageRow

__all__ = ["joined", "place_pieces", "places", "spread_meters"]


def spread_meters(meters: Iterable[Meter]) -> frozenset[str]:
    """The names of ``meters`` whose corrections over a span are taken at their stamps."""
    return frozenset(meter.name for meter in meters if type(meter.policy) is Discrete)


def places(rows: Iterable[UsageRow], spread: Collection[str]) -> dict[int, int]:
    """Per row (by id) of a correction over a span of a ``spread`` meter, where it is taken.

    ``spread``: the `Discrete` meters. Only rows taken elsewhere than at their start are
    given. O(n log n) for n rows.
    """
    runs: dict[tuple[str, str, str, tuple[str, ...]], list[UsageRow]] = {}
    for row in rows:
        if row.quantity < 0 and row.meter in spread:
            key = (row.account, row.resource, row.meter, row.record_ids)
            runs.setdefault(key, []).append(row)
    out: dict[int, int] = {}
    for members in runs.values():
        members.sort(key=_span_key)
        run: list[UsageRow] = []
        for row in members:
            if run and row.span.start_us != run[-1].span.end_us:
                _place(run, out)
                run = []
            run.append(row)
        _place(run, out)
    return out


def _span_key(row: UsageRow) -> tuple[int, int]:
    return (row.span.start_us, row.span.end_us)


def _place(run: list[UsageRow], out: dict[int, int]) -> None:
    """Place the rows of one run at its end (a correction at an instant: none)."""
    if not run:
        return
    end = run[-1].span.end_us
    if len(run) == 1 and end - run[0].span.start_us <= 1:
        return
    for row in run:
        out[id(row)] = end


def place_pieces(pieces: list[_Piece], spread: Collection[str]) -> None:
    """Set where each of ``pieces`` is taken, when elsewhere than its start. O(p log p).

    At its run's end (`places`), at the latest at its billing cycle's last instant.

    From the rows of the pieces: a row priced on the spot (a linear price with no
    allowance, whose prices do not change or take back nothing) is priced alone, where
    its order does not matter.
    """
    rows = {id(piece.row): piece.row for piece in pieces if piece.row.quantity < 0}
    if not rows:
        return
    placed = places(rows.values(), spread)
    if placed:
        for piece in pieces:
            at = placed.get(id(piece.row))
            if at is not None:
                # never past its billing cycle's last instant: a part in an earlier cycle
                # than its stamp is taken after that cycle's usage, before the next's
                piece.at = min(at, piece.cycle[1] - 1)


def joined(members: list[_Piece], absorbed: set[int]) -> None:
    """Join each part placed at its stamp to the piece just before it in its group, of its span.

    ``members``: a group's pieces in rating's order (`ratekit._pieces._sort_key`). A part
    of a correction over a span that comes right after the piece of its own row's span
    and resource, under the same plan and entry, moves the running quantity on from
    where that piece left it: priced as one piece with it (their net, as metering nets
    them in one row where no correction over a span is kept apart), so the group's
    pieces are the ones it had before its parts were kept apart and nothing carried
    changes. The ids of the parts joined are added to ``absorbed``. O(p).
    """
    out: list[_Piece] = []
    last: _Piece | None = None
    for piece in members:
        if (
            last is not None
            and piece.quantity < 0
            and piece.at != piece.span.start_us
            and last.at == last.span.start_us
            and last.span.start_us == piece.span.start_us
            and last.span.end_us == piece.span.end_us
            and last.row.resource == piece.row.resource
            and last.entry is piece.entry
            and last.plan is piece.plan
            and last.cycle == piece.cycle
        ):
            _join(last, piece)
            absorbed.add(id(piece))
            continue
        out.append(piece)
        last = piece
    if len(out) != len(members):
        members[:] = out


def _join(into: _Piece, part: _Piece) -> None:
    if into.exact is not None or part.exact is not None:
        into.exact = _exact(into.exact, into.quantity) + _exact(part.exact, part.quantity)
    if into.free_exact is not _NOTHING or part.free_exact is not _NOTHING:
        into.free_exact = _free(into) + _free(part)
    into.quantity = _SUMS.add(into.quantity, part.quantity)
    into.free = _SUMS.add(into.free, part.free)


def _exact(value: Fraction | None, quantity: Decimal) -> Fraction:
    return Fraction(quantity) if value is None else value


def _free(piece: _Piece) -> Fraction:
    return Fraction(piece.free) if piece.free_exact is _NOTHING else piece.free_exact
