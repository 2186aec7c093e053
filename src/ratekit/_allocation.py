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

__all__ = ["allocate", "spread"]


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


def spread(whole: Fraction, parts: Sequence[Fraction]) -> list[Fraction]:
    """``parts`` moved to add up to ``whole``: each takes a share of the difference.

    The shares go by the parts' sizes (``|part|``; equal when all are zero), so parts of
    one sign are scaled in proportion (``part * whole / sum``), and parts of both signs
    keep near their own values: a line of -0.874874 and +0.664664 rounded to -0.22 is
    -0.880... and +0.660..., not -0.915... and +0.695... (the proportion of a sum near
    zero). Exact. O(n).

    ```pycon
    >>> spread(Fraction(-22, 100), [Fraction(-874874, 10**6), Fraction(664664, 10**6)])
    [Fraction(-42316021, 48062500), Fraction(31742271, 48062500)]
    >>> spread(Fraction(3), [Fraction(1), Fraction(1)])
    [Fraction(3, 2), Fraction(3, 2)]

    ```
    """
    difference = whole - sum(parts, Fraction(0))
    sizes = [abs(part) for part in parts]
    total = sum(sizes, Fraction(0))
    if not total:
        return [whole / len(parts)] * len(parts)
    return [part + difference * size / total for part, size in zip(parts, sizes, strict=True)]
