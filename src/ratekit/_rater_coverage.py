"""From when the rater covers each account: its fees, bases and minimums are due from there.

Functions of a [`Rater`][ratekit.Rater]'s state, as batch [`rate()`][ratekit.rate]
covers an account from its first record of its own or its first usage row: the instant
each account is covered from at a statement (`coverage()`), and across a compaction the
accounts the metering state does not cover (`uncovered()`) and the first rows that move
an account's coverage earlier (`covered_from()`).
"""

from __future__ import annotations

import typing
from collections.abc import Iterable

from . import _lateness_closings as _closings
from .usage import ResourceState, UsageRow

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["coverage", "covered_from", "uncovered"]


def coverage(rater: Rater, lows: Iterable[tuple[tuple[str, str], int]]) -> dict[str, int]:
    """Per account, the instant it is covered from (its fees, bases, minimums). O(a + k).

    ``lows``: per resource with rows, as (account, resource), its rows' earliest start
    (the book's `lows`): k of them.

    Its first record of its own; usage before it (an inventory opened its resource)
    covers it from the row's cycle, as in batch rate(): from the rows as they stand now
    (a later inventory may close the resource where it opened, and the row is gone), and
    from the kept cycles' start for the compacted states, but for the accounts none of
    whose compacted resources had usage there (`uncovered()`), unless one runs at the
    kept cycles' start and no kept ``last_seen`` inventory closes it back (`_ran()`: a
    late inventory listed it before the kept cycles).
    """
    base = rater._base_us
    first = rater._first.copy()
    uncovered = rater._uncovered
    for state in rater._state:
        account = state.account
        if base < first.get(account, base + 1) and (account not in uncovered or _ran(rater, state)):
            first[account] = base
    for (account, _), start in lows:
        if start < first.get(account, start + 1):
            first[account] = start
    return first


def _ran(rater: Rater, state: ResourceState) -> bool:
    """Whether ``state``'s resource, running at the kept cycles' start, had usage before.

    It runs there since its ``since_us``, but for a kept ``last_seen`` inventory that
    closes it back (`_lateness_closings.closer()`) at or before it: a resource known
    from a listing alone, closed where it was listed, had no usage at all. O(i + k).
    """
    if state.status != "running" or state.since_us is None:
        return False
    closing = _closings.closer(rater._inventories, state)
    if closing is None or closing.close != "last_seen":
        return True
    kept = rater._by_key.get((state.account, state.resource), ())
    close_us = _closings.closing_us(state, kept, closing.at_us, rater._base_us)
    return close_us is None or close_us > state.since_us


def uncovered(
    rater: Rater,
    before: Iterable[ResourceState],
    after: Iterable[ResourceState],
    rows: Iterable[UsageRow],
    new_base: int,
) -> set[str]:
    """The accounts of the metering state ``after`` that it does not cover, at ``new_base``.

    Batch rate() covers an account from its first record of its own or its first usage
    row. The metering state ``before`` (at the kept cycles' start) covers its accounts
    from there, but for those ``rater._uncovered`` names; compacting up to ``new_base``
    adds those with a usage row in the compacted cycles (``rows``). The others, whose
    compacted resources never had usage (a resource known from listings alone, closed by
    a ``last_seen`` inventory at the instant it was listed, say), stay uncovered: no
    fee, base or minimum is due for them before their first record or row, as in batch
    rate(). O(s + n) for s states and n rows.
    """
    covered = {state.account for state in before} - rater._uncovered
    covered.update(row.account for row in rows if row.span.start_us < new_base)
    return {state.account for state in after} - covered


def covered_from(first: dict[str, int], rows: Iterable[UsageRow], new_base: int) -> dict[str, int]:
    """``first``, each account from its first row before ``new_base`` when that is earlier.

    Kept past compaction: an account whose usage began before its first record (an
    inventory opened its resource) was covered from there, and a record fed later that
    is earlier still is told by what it moves (`_rater_accounts.dues_too_late()`). A new mapping when
    something moves (a statement's checkpoint holds the old one). O(n) for n rows.
    """
    moved: dict[str, int] = {}
    for row in rows:
        start = row.span.start_us
        if start < new_base and start < moved.get(row.account, first.get(row.account, new_base)):
            moved[row.account] = start
    return {**first, **moved} if moved else first
