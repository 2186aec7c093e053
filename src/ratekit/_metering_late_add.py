"""The late change of a meter before a carried state's clock, per cycle and description.

The private accumulator of [`ratekit.meter()`][ratekit.meter]'s late rows: a quantity added
under a description in a cycle (`late_add`), and an increment cut at cycle boundaries and
where the description changes, as metering at once cuts it (`late_increment`).
`ratekit._metering_late` turns what is gathered into `Usage.late` rows. A time meter's
change is per stretch too (`ratekit._metering_late.late_time`): each stretch the row of
one level over its span, whose exact time rating recovers.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator, Mapping
from decimal import Decimal

from . import _timelines as _t
from ._decimals import CONTEXT, ZERO
from ._descriptions import _FrozenDict
from ._window import _apportion
from .policies import Increment

if typing.TYPE_CHECKING:
    from ._metering_engine import _Engine

__all__ = ["late_add", "late_cycles", "late_increment"]


def late_add(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    account: str,
    resource: str,
    name: str,
    c0: int,
    c1: int,
    first_us: int,
    quantity: Decimal,
    description: Mapping[str, object],
    stretch: tuple[int, int] | None = None,
) -> None:
    """Add ``quantity`` to the late change of a meter in a cycle, under ``description``.

    ``stretch``: the ``[start, end)`` a time meter's change runs over, one stretch of a
    level (its own row, whose exact time rating recovers); None: the cycle's change from
    ``first_us`` to the clock.
    """
    key = (account, resource, name, c0, c1, description, stretch)
    entry = engine.late.setdefault(key, [ZERO, first_us, description])
    entry[0] = CONTEXT.add(entry[0], quantity)
    entry[1] = min(entry[1], first_us)


def late_cycles(engine: _Engine, t0: int, t1: int) -> list[tuple[int, int, int, int]]:
    """``[t0, t1)`` cut at cycle boundaries: ``(a, b, cycle start, cycle end)``."""
    if engine.cycle is None:
        return [(t0, t1, t0, t1)]
    out = []
    a = t0
    while a < t1:
        c0, c1 = engine.cycle.containing_us(a)
        b = min(c1, t1)
        out.append((a, b, c0, c1))
        a = b
    return out


def late_increment(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    account: str,
    resource: str,
    name: str,
    line: _t.Timeline,
    increment: Increment,
    limit: int,
) -> None:
    """Record the part of an increment that lies before ``limit``.

    Cut at cycle boundaries, where the account's plan starts or ends, and where
    ``line``'s description changes: each piece under its own description, as metering
    at once cuts it (the parts telescope, so they add up to the amount exactly).
    """
    t0, t1, amount, record_ids = increment
    engine.late_ids.setdefault((account, resource, name), []).extend(record_ids)
    if t0 == t1:
        c0, c1 = (t0, t0 + 1) if engine.cycle is None else engine.cycle.containing_us(t0)
        description = line.descriptions[line.index_at(t0)]
        late_add(engine, account, resource, name, c0, c1, t0, amount, description)
        return
    for a, b, c0, c1 in late_cycles(engine, t0, min(t1, limit)):
        # In proportion to time, of the time where the account has a plan (batch rating
        # prices no more: the rest is "unpriced"), under the description of each part of
        # it, as metering at once cuts it where the description changes.
        pieces = [(a, b)] if engine.assigned is None else engine.assigned(account, a, b)
        parts: dict[_FrozenDict, list[typing.Any]] = {}
        for lo, hi in pieces:
            for x, y, description in _described(line, lo, hi):
                share = CONTEXT.subtract(
                    _apportion(amount, t0, t1, y), _apportion(amount, t0, t1, x)
                )
                entry = parts.setdefault(description, [ZERO, x])
                entry[0] = CONTEXT.add(entry[0], share)
        for description, (part, first_us) in parts.items():
            late_add(engine, account, resource, name, c0, c1, first_us, part, description)


def _described(line: _t.Timeline, lo: int, hi: int) -> Iterator[tuple[int, int, _FrozenDict]]:
    """``[lo, hi)`` cut where ``line``'s description changes: ``(x, y, description)``. O(log p + k)."""
    starts, descriptions = line.starts, line.descriptions
    k = line.index_at(lo)
    x = lo
    while x < hi:
        y = min(starts[k + 1], hi) if k + 1 < len(starts) else hi
        yield x, y, descriptions[k]
        x = y
        k += 1
