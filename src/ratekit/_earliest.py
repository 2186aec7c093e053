"""Each account's earliest record: the instant a single plan covers it from.

Under a single plan, rating covers an account from the cycle of its first row or record
(`ratekit._rating_coverage`). A record that makes no row (an orphan stop, an update of a
stopped resource, an event after a delete) still counts, so [`meter()`][ratekit.meter]
keeps these instants on its [`Usage`][ratekit.Usage] (``Usage.first_us``), and
[`rate()`][ratekit.rate] of that usage covers each account as rating the records does.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import repeat

from ._instants import MAX_US, MIN_US

__all__ = ["earliest_by_account", "earliest_of"]


def earliest_of(first: dict[str, int], records: Iterable[object]) -> None:
    """Lower ``first`` to each account's earliest record (a delta's ``since``). O(n).

    Each field is read at C speed; the loop is left with one comparison per record (a
    record that is not an account's, an inventory, is dropped with its name, ``None``).
    """
    given = records if isinstance(records, list | tuple) else list(records)
    names = list(map(getattr, given, repeat("account"), repeat(None)))
    instants = list(map(getattr, given, repeat("at_us"), repeat(MIN_US)))
    sinces = list(map(getattr, given, repeat("since_us"), repeat(None)))
    if sinces.count(None) != len(sinces):  # a delta over a span starts at its since
        instants = [a if s is None or a <= s else s for a, s in zip(instants, sinces, strict=True)]
    least: dict[object, int] = {}
    get = least.get
    for name, at_us in zip(names, instants, strict=True):
        if at_us < get(name, MAX_US):
            least[name] = at_us  # noqa: PERF403 - a running minimum per name
    for name, at_us in least.items():
        if isinstance(name, str) and at_us < first.get(name, MAX_US):
            first[name] = at_us


def earliest_by_account(records: Iterable[object]) -> dict[str, int]:
    """Each account's earliest record instant in ``records``, as `earliest_of` finds it. O(n)."""
    first: dict[str, int] = {}
    earliest_of(first, records)
    return first
