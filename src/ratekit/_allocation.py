"""Largest-remainder allocation: an amount on a quantum, split so the parts add up to it.

Used where one rounded amount is shown as parts: an invoice detailed per resource (the
parts of a line's rounded amount) and a charge shared among accounts (the parts of the
shared amount). Each part is its exact share rounded down to the quantum; the quanta
left over go, one each, to the parts with the largest remainders, ties to the earlier
part. So the parts add up exactly to the whole, and no part is a quantum or more away
from its exact share.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from ._decimals import CONTEXT

__all__ = ["allocate"]


def allocate(whole: Decimal, exact: Sequence[Fraction], quantum: Decimal) -> list[Decimal]:
    """Split ``whole`` (a multiple of ``quantum``) into parts near ``exact``, on the quantum.

    ``exact`` are the exact parts; ``whole`` must lie within ``len(exact)`` quanta above
    the sum of their floors (true when ``whole`` is that sum rounded to the quantum in
    any rounding mode, or when the ``exact`` parts add up to ``whole``). O(n log n).

    ```pycon
    >>> from fractions import Fraction
    >>> allocate(Decimal("10.00"), [Fraction(10, 3)] * 3, Decimal("0.01"))
    [Decimal('3.34'), Decimal('3.33'), Decimal('3.33')]
    >>> allocate(Decimal("0.02"), [Fraction(5, 1000)] * 3, Decimal("0.01"))
    [Decimal('0.01'), Decimal('0.01'), Decimal('0.00')]

    ```
    """
    q = Fraction(quantum)
    floors = []
    remainders = []
    for part in exact:
        units = part / q
        floor = units.numerator // units.denominator
        floors.append(floor)
        remainders.append(units - floor)
    left = Fraction(whole) / q - sum(floors)
    if left.denominator != 1 or not 0 <= left <= len(exact):
        raise ValueError(f"cannot allocate {whole} on {quantum} to parts {exact}")
    order = sorted(range(len(exact)), key=lambda i: (-remainders[i], i))
    for i in order[: int(left)]:
        floors[i] += 1
    return [CONTEXT.multiply(Decimal(floor), quantum) for floor in floors]
