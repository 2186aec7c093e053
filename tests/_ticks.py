"""Sets of ticks (whole minutes) as the oracles of time count them."""

from __future__ import annotations

from collections.abc import Iterable


def stretches_of(minutes: Iterable[int]) -> list[tuple[int, int]]:
    """The minutes as ascending runs ``(first, past the last)``: {1, 2, 4} -> [(1, 3), (4, 5)]."""
    stretches: list[tuple[int, int]] = []
    for minute in sorted(minutes):
        if stretches and stretches[-1][1] == minute:
            stretches[-1] = (stretches[-1][0], minute + 1)
        else:
            stretches.append((minute, minute + 1))
    return stretches
