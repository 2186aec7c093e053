"""Price regimes: the candidate entries of one meter of one plan between successive cuts.

Rating looks the winning entry up once per regime and description (cached by the types
and reprs of the values of the attributes some selector reads: ``1``, ``Decimal(1)`` and
``True`` are three keys, as a `Satisfies` function may tell them apart); a regime's
account-wide entry gives the base due without usage.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence

from ._hash_keys import typed_key
from ._instants import MIN_US
from ._paths import lookup
from .pricebook import Plan, PriceEntry, _winner


class _Regimes:
    """The candidate entries of one meter of one plan, between successive cuts."""

    __slots__ = ("bounds", "candidates", "keys", "prices", "winners")

    def __init__(self, plan: Plan, meter_name: str, start_us: int, end_us: int) -> None:
        cuts = plan._cuts_us(meter_name, start_us, end_us)
        self.bounds = [start_us, *cuts, end_us]
        entries = plan._by_meter.get(meter_name, ())
        self.candidates = _candidates(entries, self.bounds)
        # The winner depends only on the regime and on the values of the attributes that
        # some selector reads: cache it by those.
        self.keys = tuple(sorted({key for entry in entries for key, _ in entry.where}))
        self.winners: dict[tuple[object, ...], PriceEntry | None] = {}
        self.prices: dict[int, tuple[int, ...]] = {}  # per regime, see prices_at()

    def base_entry(self, index: int) -> PriceEntry | None:
        """The account-wide entry of regime ``index`` whose base is due without usage.

        The highest-priority entry in effect with no selector and no ``group_by``, when
        its price is not linear (a linear price costs nothing at zero); else ``None``.
        """
        for entry in self.candidates[index]:
            if not entry.where and entry.group_by is None:
                return None if entry.price.linear else entry
        return None

    def cuts_inside(self, start_us: int, end_us: int) -> list[int]:
        bounds = self.bounds
        i = bisect.bisect_right(bounds, start_us)
        j = bisect.bisect_left(bounds, end_us)
        return bounds[i:j]

    def prices_at(self, t_us: int) -> tuple[int, ...]:
        """What prices the regime at ``t_us``: the identities of its entries, by priority.

        Two regimes with the same entries in effect price every row alike (a cut that
        changes no entry of the meter, or an entry in effect again), so they are one
        price to a correction that takes units back (`ratekit._taken_back`). O(log r + a).
        """
        index = bisect.bisect_right(self.bounds, t_us) - 1 if len(self.bounds) > 2 else 0
        index = max(0, min(index, len(self.candidates) - 1))
        found = self.prices.get(index)
        if found is None:
            found = self.prices[index] = tuple(id(entry) for entry in self.candidates[index])
        return found

    def winner(self, t_us: int, description: Mapping[str, object]) -> PriceEntry | None:
        index = bisect.bisect_right(self.bounds, t_us) - 1 if len(self.bounds) > 2 else 0
        return self.winner_in(index, description)

    def winner_in(self, index: int, description: Mapping[str, object]) -> PriceEntry | None:
        """The winning entry in regime ``index`` for a resource so described."""
        keys = self.keys
        # each value by its type and repr (typed_key): 1, Decimal(1) and True are equal in
        # Python, not to a selector, and a repr's hash is not one a caller can choose
        if len(keys) == 1:
            key: tuple[object, ...] = (index, typed_key(lookup(description, keys[0])))
        else:
            key = (index, *[typed_key(lookup(description, name)) for name in keys])
        try:
            return self.winners[key]
        except KeyError:
            pass
        found = self.winners[key] = _first_match(self.candidates[index], description)
        return found


def _candidates(entries: Sequence[PriceEntry], bounds: list[int]) -> list[list[PriceEntry]]:
    """Per regime (from each of ``bounds`` but the last), the entries in effect there.

    Highest priority first, in the plan's order within a priority. The entries whose
    span meets the regimes' are swept by start, each kept while it lasts; an entry
    with a window is asked at each regime. O(n + r (a + w) + a log a) for n entries, r
    regimes, a entries in effect at a regime and w with a window: a price list of
    hourly entries costs each regime the few in effect, not every entry of the plan.
    """
    start_us, end_us = bounds[0], bounds[-1]
    # (the plan's order, the entry) of those whose span meets the regimes'
    meeting = [
        (index, entry)
        for index, entry in enumerate(entries)
        if (entry.start_us is None or entry.start_us < end_us)
        and (entry.end_us is None or entry.end_us > start_us)
    ]
    windowed = [placed for placed in meeting if placed[1].window is not None]
    plain = sorted(
        (
            (MIN_US if entry.start_us is None else entry.start_us, index, entry)
            for index, entry in meeting
            if entry.window is None
        ),
        key=lambda started: started[:2],
    )
    found: list[list[PriceEntry]] = []
    going: list[tuple[int, PriceEntry]] = []  # the plain entries started, not known ended
    taken = 0
    for lo in bounds[:-1]:
        while taken < len(plain) and plain[taken][0] <= lo:
            going.append(plain[taken][1:])
            taken += 1
        going = [placed for placed in going if placed[1].end_us is None or placed[1].end_us > lo]
        active = going + [placed for placed in windowed if placed[1]._active_us(lo, lo + 1)]
        active.sort(key=lambda placed: (-placed[1].priority, placed[0]))
        found.append([entry for _, entry in active])
    return found


def _first_match(
    candidates: list[PriceEntry], description: Mapping[str, object]
) -> PriceEntry | None:
    """The highest-priority candidate that matches (candidates sorted by priority, high first)."""
    for index, entry in enumerate(candidates):
        if entry._selects(description):
            tied = [
                other
                for other in candidates[index:]
                if other.priority == entry.priority and other._selects(description)
            ]
            return _winner(tied, entry.meter, description)
    return None
