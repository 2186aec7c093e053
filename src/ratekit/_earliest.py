"""Each account's earliest record: the instant a single plan covers it from.

Under a single plan, rating covers an account from the cycle of its first row or record
(`ratekit._rating_coverage`). A record that makes no row (an orphan stop, an update of a
stopped resource, an event after a delete) still counts, so [`meter()`][ratekit.meter]
keeps these instants on its [`Usage`][ratekit.Usage] (``Usage.first_us``), and
[`rate()`][ratekit.rate] of that usage covers each account as rating the records does.

Metering works them out as it visits its groups of records (`lower_to`: per resource and
meter, the first record of a group it has in time order, else a minimum at C speed), and
scans only the records it set aside before grouping (`left_out`: stamped at or after
``as_of``, a replay by id, one its state remembers): a `Usage` keeps the instants, not the
records (it neither keeps them alive nor pickles them).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Mapping, Sequence
from itertools import chain, repeat

from ._instants import MAX_US, MIN_US

# Later than every instant a record can hold: "no record yet". MAX_US itself is a
# record's instant (9999-12-31T23:59:59.999999Z), so it cannot stand for none.
NONE_YET = MAX_US + 1

__all__ = ["earliest_of", "left_out", "lower_to"]

_AT = operator.attrgetter("at_us")
_SINCE = operator.attrgetter("since_us")
_GIVEN = functools.partial(operator.is_not, None)


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
        if at_us < get(name, NONE_YET):
            least[name] = at_us  # noqa: PERF403 - a running minimum per name
    for name, at_us in least.items():
        if isinstance(name, str) and at_us < first.get(name, NONE_YET):
            first[name] = at_us


def lower_to(
    first: dict[str, int],
    account: str,
    group: Sequence[object],
    *,
    in_order: bool,
    deltas: bool = False,
) -> None:
    """Lower ``first[account]`` to the earliest of ``group``, records of ``account``.

    ``in_order``: the group is in time order (sorted, or received so), its first record
    the earliest: O(1); else a minimum at C speed, O(k). ``deltas``: samples, of which a
    delta over a span counts from its ``since`` (read at C speed, compared only if any).
    """
    at_us: int = _AT(group[0]) if in_order else min(map(_AT, group))
    if deltas:
        sinces = list(map(_SINCE, group))
        if sinces.count(None) != len(sinces):
            since_us: int = min(filter(_GIVEN, sinces))
            at_us = min(since_us, at_us)
    if at_us < first.get(account, NONE_YET):
        first[account] = at_us


def left_out(
    records: Sequence[object],
    events: Mapping[tuple[str, str], Sequence[object]],
    samples: Mapping[tuple[str, str], Mapping[str, Sequence[object]]],
    inventories: int,
) -> list[object]:
    """The records of ``records`` in none of metering's groups. O(g), O(n) if any.

    ``events`` and ``samples`` group ``records`` per resource (and meter), as metering
    groups them (`ratekit._normalize.group`), beside ``inventories`` inventories. Counted
    first: usually none is left out; else (stamped at or after ``as_of``, a replay by id,
    one a state remembers) those are found by identity.
    """
    groups = [*events.values(), *(g for per_meter in samples.values() for g in per_meter.values())]
    if sum(map(len, groups)) + inventories == len(records):
        return []
    kept = set(map(id, chain.from_iterable(groups)))
    return [record for record in records if id(record) not in kept]
