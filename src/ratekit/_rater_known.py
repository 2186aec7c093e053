"""What one account's last rating left for the next statement to reuse.

Private to [`ratekit.Rater`][ratekit.Rater] (`ratekit._rater_reuse` decides what of it
stands): per account, the charges held per row, each group's track (its pieces in
rating's order with the group's quantity before each, what a price's base is charged
from), what the held charges spend toward a minimum, and what they took of the pools.
Split from `_rater_reuse.py`.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from decimal import Decimal

from . import _rater_pools as _pools
from ._allowances import Drawer
from ._pricing import Exact, GroupKey, Place, _Piece
from ._standing import Spend, Table
from .charges import Charge
from .usage import UsageRow

__all__ = ["Known", "_Track", "alone"]

_SPAN = operator.attrgetter("span")
_START = operator.attrgetter("start_us")
_END = operator.attrgetter("end_us")
_RESOURCE = operator.attrgetter("resource")
_BEFORE = operator.attrgetter("before")
_QUANTITY = operator.attrgetter("quantity")
_ZERO = Decimal(0)


class _Track:
    """A group's pieces in rating's order, and the quantity they reach (``end``).

    Per piece, in parallel lists of plain values (nothing per piece for the garbage
    collector to walk): its place (span start, whether a correction, span end, resource:
    `ratekit._allowances.place`), the group's quantity before it, and the id of its row.
    """

    __slots__ = ("backs", "befores", "end", "ends", "opener", "resources", "rows", "starts")

    def __init__(self, opener: _Piece | None = None) -> None:
        # The group's first piece: what a price's base is charged from (`_dues`), while
        # the group is carried rather than priced from its start.
        self.opener = opener
        self.starts: list[int] = []
        self.backs: list[bool] = []  # whether a correction (below zero)
        self.ends: list[int] = []
        self.resources: list[str] = []
        self.befores: list[Exact] = []
        self.rows: list[int] = []
        self.end: Exact = Decimal(0)

    def __len__(self) -> int:
        return len(self.rows)

    def place(self, index: int) -> Place:
        return (self.starts[index], self.backs[index], self.ends[index], self.resources[index])

    def before(self, index: int) -> Exact:
        """The exact quantity before piece ``index`` (the end after the last)."""
        return self.befores[index] if index < len(self.rows) else self.end

    def cut(self, index: int) -> _Track:
        """The track of the pieces before ``index``."""
        track = _Track(self.opener)
        track.starts = self.starts[:index]
        track.backs = self.backs[:index]
        track.ends = self.ends[:index]
        track.resources = self.resources[:index]
        track.befores = self.befores[:index]
        track.rows = self.rows[:index]
        track.end = self.before(index)
        return track

    def extend(self, pieces: list[_Piece], rows: list[UsageRow], end: Exact) -> None:
        """Add ``pieces`` (of ``rows``, one each), in order: each list at C speed."""
        spans = list(map(_SPAN, pieces))
        self.starts.extend(map(_START, spans))
        self.backs.extend(map(_ZERO.__gt__, map(_QUANTITY, pieces)))
        self.ends.extend(map(_END, spans))
        self.resources.extend(map(_RESOURCE, rows))
        self.befores.extend(map(_BEFORE, pieces))
        self.rows.extend(map(id, rows))
        self.end = end


class Known:
    """What one account's last rating left to reuse, over the span from ``since``."""

    __slots__ = ("held", "pools", "since", "spends", "standing", "tracks")

    def __init__(self, since: int) -> None:
        self.since = since
        # By id(row), the charges that stand for it: the one charge of a row priced alone
        # (a tuple of one), or those of a row with pieces in groups. One table, kept from
        # one statement to the next, not two merged at each (14 ms of a statement's 500,
        # rater_bench.py at 200,000 records and 11 statements).
        self.held: dict[int, Sequence[Charge]] = {}
        self.tracks: dict[GroupKey, _Track] = {}
        # Under a minimum: by id(row), what its charges held spend toward it, and their
        # sums per key and meter (`ratekit._standing`), which a statement counts in the
        # spend without reading the charges again.
        self.spends: dict[int, list[Spend]] = {}
        self.standing: Table = {}
        # Under an allowance: per drawer (account, plan, cycle, meter), what its pieces
        # took of its pools (`ratekit._rater_pools`).
        self.pools: dict[Drawer, _pools.Pool] = {}


def alone(known: Known, row: UsageRow) -> bool:
    """Whether ``known`` holds ``row``'s one charge as priced from its row alone. O(1).

    A linear price's usage with nothing free (see `_remember()`): its amount is its
    quantity's, whatever the row's span. Such a row's charges are held as a tuple of
    that one charge; those of a row with pieces in groups, as a list.
    """
    return type(known.held.get(id(row))) is tuple
