"""The streaming rater's reuse under an allowance: what of the pools' takes stands.

Private to `ratekit._rater_reuse`. A billing cycle's allowance is prorated to the
watermark: each statement its pool offers more, and the piece where it ran dry takes
more. Pieces take from it in time order (`ratekit._allowances.place`; pieces that run
at once, together: `ratekit._allowance_flows`), so what a piece takes depends on every
piece before it of its *drawer* (account, plan, billing cycle and meter: the pieces
that share the pools). Without a correction, a pool only
gives: every piece takes all it wants until the pool runs dry, then nothing. So of the
pieces a statement rated, per drawer (a `Pool`):

- the leading pieces that took all they wanted (the *head*: each with what those
  before it took) still do at the next statement while none of their rows changed,
  and the pool offers at least what they took: they stand, and the pieces rated start
  from the pools as they left them (``consumed``);
- of the others (the *tail*, in no order), those that took nothing still take nothing
  while the pool is dry where the first of them stands (*ghosts*): they stand, and the
  rating checks that the pool is dry there (`ratekit._allowances.Refilled`, with what
  it had left: then as many ghosts as that takes are rated too, once); those that took
  part of what they wanted (where the pool ran dry) are rated again.

A row stands when all its pieces do (in its drawers and in the groups priced by their
total, `ratekit._rater_known._Track`), so that the charges reused are those of rating
all the rows, digit for digit. An account with a correction among its rows, or whose
plan changes, has all its rows rated (`ratekit._rater_reuse`); so does a plan with an
allowance of its own period (`_rater_engine.Engine.rerated`).
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable
from fractions import Fraction

from ._allowances import Drawer, Drawn, Place, Taken, place
from .pricebook import Plan

__all__ = ["Cut", "Pool", "cuts", "drawn", "renew", "spilled", "track"]

_NOTHING = Fraction(0)

#: Per drawer: how many head pieces stand, and per tail piece whether it stands.
Cut = tuple[int, list[bool]]


class Pool:
    """One drawer's pieces as the last statement rated them: its head and its tail.

    In parallel lists of plain values per piece (its place, the id of its row), the head
    in order with what the pieces before each took (``befores``, exact), the tail in no
    order with each piece's exact quantity and whether it took nothing (``dry``).
    """

    __slots__ = (
        "befores",
        "dry",
        "end",
        "head_places",
        "plan",
        "quantities",
        "rows",
        "tail_places",
        "tail_rows",
    )

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.rows: list[int] = []  # the head's
        self.befores: list[Fraction] = []
        self.end = _NOTHING  # what the head took
        self.head_places: list[Place] = []
        self.tail_places: list[Place] = []
        self.tail_rows: list[int] = []
        self.quantities: list[Fraction] = []
        self.dry: list[bool] = []

    def before(self, index: int) -> Fraction:
        """What the head's pieces before ``index`` took (all of the head's after the last)."""
        return self.befores[index] if index < len(self.rows) else self.end


def cuts(pools: dict[Drawer, Pool], reusable: set[int]) -> set[int]:
    """The rows of ``reusable`` that the pools need rated again.

    A head stands up to its first piece whose row is not reusable, the pieces after it
    rated again; a tail piece that took something is rated again; one that took
    nothing stands (a ghost). O(n) at C speed for n pieces.
    """
    more: set[int] = set()
    contains = reusable.__contains__
    for pool in pools.values():
        head = pool.rows
        if not reusable.issuperset(head):
            k = list(map(contains, head)).index(False)
            more.update(reusable.intersection(head[k:]))
        if not all(pool.dry):
            wet = itertools.compress(pool.tail_rows, map(operator.not_, pool.dry))
            more.update(reusable.intersection(wet))
    return more


def spilled(
    pools: dict[Drawer, Pool], reusable: set[int], left: dict[Drawer, Fraction]
) -> set[int]:
    """The ghosts to rate again where a pool had ``left`` where the first stands (`Refilled`).

    Per drawer named, its ghosts in order until they want what it had left: those after
    them take nothing still. O(g log g) for the g ghosts of those pools.
    """
    more: set[int] = set()
    for drawer, had in left.items():
        wanted = had
        pool = pools.get(drawer)
        if pool is None:
            continue
        ghosts = sorted(
            (at, i)
            for i, (at, row, dry) in enumerate(
                zip(pool.tail_places, pool.tail_rows, pool.dry, strict=True)
            )
            if dry and row in reusable
        )
        for _, i in ghosts:
            if wanted <= 0:
                break
            more.add(pool.tail_rows[i])
            wanted -= pool.quantities[i]
    return more


def drawn(pools: dict[Drawer, Pool], reusable: set[int]) -> tuple[Drawn, dict[Drawer, Cut]]:
    """What stands of each pool once ``reusable`` is final, as rating reads it (`Drawn`).

    Per drawer: its plan, what its head's pieces that stand took, the place of the last
    of them and that of the first ghost (the least of their places), and where the
    latest of the head's pieces that stand ends. O(n) at C speed.
    """
    out: Drawn = {}
    where: dict[Drawer, Cut] = {}
    contains = reusable.__contains__
    for drawer, pool in pools.items():
        head = pool.rows
        k = len(head) if reusable.issuperset(head) else list(map(contains, head)).index(False)
        stands = [
            stand and dry
            for stand, dry in zip(map(contains, pool.tail_rows), pool.dry, strict=True)
        ]
        first = min(itertools.compress(pool.tail_places, stands), default=None)
        consumed = pool.before(k)
        last = pool.head_places[k - 1] if k else None
        reach = max(map(operator.itemgetter(2), pool.head_places[:k])) if k else None
        if consumed or first is not None:
            out[drawer] = (pool.plan, consumed, last, first, reach)
        where[drawer] = (k, stands)
    return out, where


def renew(pools: dict[Drawer, Pool], where: dict[Drawer, Cut]) -> dict[Drawer, Pool]:
    """What stands of ``pools``: each head up to its cut, each tail its ghosts."""
    out: dict[Drawer, Pool] = {}
    for drawer, pool in pools.items():
        k, stands = where[drawer]
        new = Pool(pool.plan)
        new.rows = pool.rows[:k]
        new.befores = pool.befores[:k]
        new.end = pool.before(k)
        new.head_places = pool.head_places[:k]
        new.tail_places = list(itertools.compress(pool.tail_places, stands))
        new.tail_rows = list(itertools.compress(pool.tail_rows, stands))
        new.quantities = list(itertools.compress(pool.quantities, stands))
        new.dry = [True] * len(new.tail_rows)
        if new.rows or new.tail_rows:
            out[drawer] = new
    return out


def track(pools: Callable[[str], dict[Drawer, Pool]], taken: Taken) -> set[int]:
    """Add the pieces taken now to their drawers' pools (after what stands); their rows' ids.

    A piece rated sorts after the head that stands (the rating checked it), and one that
    took all it wanted before the first that did not (no correction: the pool only
    gives): the leading pieces that took all go on the head, the others on the tail.
    """
    rows: set[int] = set()
    for drawer, pieces in taken.items():
        mine = pools(drawer[0])
        pool = mine.get(drawer)
        if pool is None:
            pool = mine[drawer] = Pool(pieces[0][0].plan)
        ids = [id(piece.row) for piece, _, _ in pieces]
        rows.update(ids)
        n = 0
        for _, quantity, free in pieces:
            if free != quantity or quantity <= 0:
                break
            n += 1
        end = pool.end
        for _, quantity, _ in pieces[:n]:
            pool.befores.append(end)
            end += quantity
        pool.end = end
        pool.rows.extend(ids[:n])
        places = [place(piece) for piece, _, _ in pieces]
        pool.head_places.extend(places[:n])
        pool.tail_places.extend(places[n:])
        pool.tail_rows.extend(ids[n:])
        pool.quantities.extend(quantity for _, quantity, _ in pieces[n:])
        # (a correction's piece is never dry: it gives back, and a ghost must not)
        pool.dry.extend(not free and quantity > 0 for _, quantity, free in pieces[n:])
    return rows
