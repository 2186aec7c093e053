"""The quiet resources of the rater's book: their rows left as they stood, until read.

Private to [`ratekit.Rater`][ratekit.Rater]. A resource with nothing new has its sums'
open ends *run on* at each statement (`Book.join`): the same quantity over a span
that reaches the new watermark. Done at every statement, that costs O(resources)
when nothing changed: each row made again and rated again. It need not be done then:

- a resource is **left** as it stood (its rows not made again, its account not rated
  again) when its sums' pieces run past the new watermark, no cycle's end nor price
  cut at or before it, and each of them has a charge that stands on its own (priced alone, a
  linear price of its quantity: `ratekit._rater_known.alone`), so that the span changes
  no amount; one with no open end to run on is left too. It is then visited by no
  later statement while it stays left;
- it is **brought** up to date (`bring()`), its rows made as running on at each
  statement would have made them, before anything reads them: a record of its own
  (or an inventory, a resource metered again), a watermark reaching its pieces' *limit*
  (the first of their cycle's end and their price cuts, `due()`: there they end, and
  the statement may close the cycle and bill it), or the rating of its
  account (any row of it changed, or every account is rated). Its account's charges
  are then rated again, as they would have been at each statement.

Running on over several statements makes a row end at the last watermark, or at its
limit when that came first; the rows that end at the watermark come last in a
resource's tuple (`ratekit._rater_book`), each part in its order. A resource is
brought at the first statement that reaches its limit, so every piece left still runs
through the watermark it is brought to: its rows are then those that do not run on,
then those that do, each part in its order. O(1) a statement for each resource left.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Container, Iterable, Mapping, Sequence

from ._rater_known import alone
from .spans import Span
from .usage import UsageRow, _new_row

if typing.TYPE_CHECKING:
    from ._rater_book import Book, Key
    from .rater import Rater

__all__ = ["Leave", "Running", "bring", "leaving", "left", "ran_on", "rated", "read"]

#: Whether a quiet resource's rows are left as they stood (see the module): given the
#: resource, its rows that would run on, and where each is, counted from the end.
Leave = Callable[["Key", list[UsageRow], tuple[int, ...]], bool]


class Running:
    """The resources left as they stood: per resource, where and until when.

    Per resource, the watermark its rows stand at (its open ends end there and come
    last), where its rows that run on are (counted from the end of its tuple: rows of
    compacted cycles are dropped from the front only), and its limit; indexed by limit
    and by account.
    """

    __slots__ = ("by_account", "by_limit", "left")

    def __init__(self) -> None:
        self.left: dict[Key, tuple[int, tuple[int, ...], int]] = {}
        self.by_limit: dict[int, set[Key]] = {}
        self.by_account: dict[str, set[Key]] = {}

    def __bool__(self) -> bool:
        return bool(self.left)

    def copy(self) -> Running:
        other = Running()
        other.left = self.left.copy()
        other.by_limit = {limit: keys.copy() for limit, keys in self.by_limit.items()}
        other.by_account = {account: keys.copy() for account, keys in self.by_account.items()}
        return other

    def leave(self, key: Key, stood_us: int, offsets: tuple[int, ...], limit_us: int) -> None:
        """Leave ``key``'s rows as they stand at ``stood_us`` until ``limit_us``. O(1)."""
        self.left[key] = (stood_us, offsets, limit_us)
        self.by_limit.setdefault(limit_us, set()).add(key)
        self.by_account.setdefault(key[0], set()).add(key)

    def forget(self, keys: Iterable[Key]) -> None:
        """Take ``keys`` out (their rows are replaced, or brought). O(k)."""
        left = self.left
        for key in keys:
            found = left.pop(key, None)
            if found is None:
                continue
            limit = found[2]
            same = self.by_limit[limit]
            same.discard(key)
            if not same:
                del self.by_limit[limit]
            mine = self.by_account[key[0]]
            mine.discard(key)
            if not mine:
                del self.by_account[key[0]]

    def due(self, as_of_us: int) -> set[Key]:
        """The resources whose limit ``as_of_us`` reaches. O(l + k) for l limits."""
        return {key for limit, keys in self.by_limit.items() if limit <= as_of_us for key in keys}

    def of(self, accounts: Iterable[str] | None) -> set[Key]:
        """The resources left of ``accounts`` (None: all of them). O(a + k)."""
        if accounts is None:
            return set(self.left)
        found = self.by_account.get
        return {key for account in accounts for key in found(account, ())}


def leaving(
    rater: Rater,
    book: Book,
    window: tuple[int, int],
    cycle: tuple[int, int],
    quiet: set[Key],
) -> Leave | None:
    """What `Book.join()` asks of each quiet resource: is it left as it stands?

    ``window``: the continuation's (``prev``, the new watermark); ``cycle``: the one that
    holds ``prev``; ``quiet``: the resources that may be left (nothing new, not metered,
    no aggregation taken on). One is left, and noted in the ``book``, when each of its
    rows that would run on has its charge priced alone and no price cut of its meter
    comes at or before the new watermark, nor its cycle's end (see the module); its
    limit is the first of those after ``prev``. None when nothing is left: something is
    due with time alone (every row is rated at every statement then), or the cycle ends
    by the new watermark. O(1) a resource, and O(p) once per account for its p price cuts
    in the cycle.
    """
    engine = rater._engine
    prev, as_of_us = window
    if engine.dues or cycle[1] <= as_of_us:
        return None
    known = rater._row_charges
    running = book.running
    per_account: dict[str, Mapping[str, list[int]]] = {}
    ahead: list[Callable[[str], Mapping[str, list[int]]]] = []

    def cuts(account: str) -> Mapping[str, list[int]]:
        found = per_account.get(account)
        if found is None:
            if not ahead:  # the cuts to the cycle's end, once a statement
                ahead.append(engine.cuts(prev, cycle[1]))
            found = per_account[account] = ahead[0](account)
        return found

    def leave(key: Key, rows: list[UsageRow], offsets: tuple[int, ...]) -> bool:
        if key not in quiet:
            return False
        limit = cycle[1]
        if rows:
            mine = known.get(key[0])
            if mine is None:
                return False
            points = cuts(key[0])
            for row in rows:
                if not alone(mine, row):
                    return False
                after = [point for point in points.get(row.meter, ()) if point > prev]
                if after:
                    limit = min(limit, after[0])
            if limit <= as_of_us:
                return False
        running.leave(key, prev, offsets, limit)
        return True

    return leave


def read(book: Book, keys: Iterable[Key], every: bool, window: tuple[int, int]) -> set[Key]:
    """Bring to ``prev`` the resources a continuation over ``window`` reads; those changed.

    ``keys``: those of its new records and those metered again; ``every``: all of them
    (an inventory reconciles every resource). And those whose limit the new watermark
    passes (`Running.due()`). O(k + l), and O(e) for each resource brought.
    """
    running = book.running
    prev, as_of_us = window
    if every:
        return bring(book, running.of(None), prev)
    due = running.due(as_of_us)
    due.update(key for key in keys if key in running.left)
    return bring(book, due, prev)


def rated(book: Book, changed: set[Key], as_of_us: int) -> set[Key]:
    """Bring to ``as_of_us`` the resources left of the accounts of ``changed``; those changed.

    An account rated again is rated with every row of its resources as it stands at the
    watermark. O(c + k) for c resources changed and k left in their accounts.
    """
    if not book.running:
        return set()
    running = book.running
    return bring(book, running.of({account for account, _ in changed}), as_of_us)


def left(
    key: Key,
    ends: Sequence[UsageRow],
    bounded: Callable[[Key], Container[str]],
    timed: frozenset[str],
    leave: Leave,
) -> bool:
    """Whether quiet ``key`` is left as it stands (see `Book.join()`). O(e).

    ``ends``: its open ends (its rows ending at ``prev``, which come last); those that
    would run on (`_rater_book._run_on()`: one per meter whose piece holds ``prev``, not
    a time meter's) are given to ``leave``, with where each is, counted from the end.
    """
    ending = bounded(key)
    holding = {row.meter: index for index, row in enumerate(ends) if row.meter not in ending}
    run = [index for name, index in holding.items() if name not in timed]
    return leave(key, [ends[index] for index in run], tuple(index - len(ends) for index in run))


def bring(book: Book, keys: Iterable[Key], to_us: int) -> set[Key]:
    """Bring the rows of ``keys`` left in ``book`` up to ``to_us``; those whose rows changed.

    ``to_us``: a watermark no earlier than where they were left, and no later than their
    limit (see the module). The others of ``keys`` are ignored. O(e) for each resource's
    e rows at its end.
    """
    running = book.running
    left = running.left
    changed: set[Key] = set()
    brought = [key for key in keys if key in left]
    for key in brought:
        stood, offsets, _ = left[key]
        if not offsets or stood == to_us:
            continue
        rows = book.rows[key]
        tail = len(rows)
        while tail and rows[tail - 1].span.end_us == stood:
            tail -= 1
        where = {len(rows) + offset for offset in offsets}
        still = [row for index, row in enumerate(rows[tail:], tail) if index not in where]
        ran = [ran_on(row, to_us) for index, row in enumerate(rows[tail:], tail) if index in where]
        book.rows[key] = (*rows[:tail], *still, *ran)
        changed.add(key)
    running.forget(brought)
    return changed


def ran_on(row: UsageRow, end_us: int) -> UsageRow:
    """``row`` over its span run on to ``end_us``: its quantity, its record ids."""
    return _new_row(
        row.account,
        row.meter,
        row.resource,
        Span.from_us(row.span.start_us, end_us),
        row.cycle,
        row.quantity,
        row.unit,
        row.description,  # type: ignore[arg-type]
        row.record_ids,
    )
