"""Where a meter's price may change: its entries' starts and ends, indexed once per plan.

A plan's price regimes of a meter are cut wherever one of its entries starts or ends
(or its window opens or closes) inside the span rated. A spot market's price list holds
an entry an hour, 8,760 a year: looking at every entry for every span rated costs each
statement the whole list. `Changes` sorts the instants of the entries without a window
once, so that those inside a span are found by bisection; the few entries with a window
are asked each time.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import attrs

from ._price_entries import PriceEntry

__all__ = ["Changes"]


@attrs.frozen
class Changes:
    """The instants where one meter's entries start or end, sorted, and its windowed entries.

    Built by `of()`; a frozen value, so that a plan holding it pickles (with any protocol)
    and travels as it does.
    """

    instants: tuple[int, ...]
    windowed: tuple[PriceEntry, ...]

    @classmethod
    def of(cls, entries: Sequence[PriceEntry]) -> Changes:
        """The changes of one meter's ``entries``. O(n log n)."""
        found: set[int] = set()
        for entry in entries:
            if entry.window is None:
                found.update(t for t in (entry.start_us, entry.end_us) if t is not None)
        return cls(tuple(sorted(found)), tuple(e for e in entries if e.window is not None))

    def within(self, start_us: int, end_us: int) -> list[int]:
        """The instants strictly inside ``[start_us, end_us)`` where a price may change.

        An entry without a window meeting the span changes it at its start and end when
        they lie inside; a window at the ends of each part it is in effect. Ascending.
        O(log n + k + w) for k instants inside and w windowed entries' parts.
        """
        instants = self.instants
        inside = list(
            instants[bisect.bisect_right(instants, start_us) : bisect.bisect_left(instants, end_us)]
        )
        if not self.windowed:
            return inside
        found = set(inside)
        for entry in self.windowed:
            for a, b in entry._active_us(start_us, end_us):
                found.add(a)
                found.add(b)
        return sorted(t for t in found if start_us < t < end_us)
