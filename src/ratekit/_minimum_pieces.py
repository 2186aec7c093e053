"""A minimum over a cycle rated in pieces: each piece tops up its share of the cycle's.

The cycle's top-up so far at an instant is the commitment prorated to it less what the
minimum counts to it, at least 0. A cycle rated whole tops up that at its end; a piece
of it (a span that starts inside the cycle, given the earlier rows) tops up that at its
end less that at its start (`telescoped`), so that any cuts add up to the whole, as the
streaming rater's minimum line, spanning the cycle to its watermark, is corrected as it
grows. Rating finds where a piece's minimums stand at its start (their `Positions`) by
rating the time from the cycle's start to it with the same inputs
(`ratekit.rating._opening`, from `cycle_start`). A piece's minimum charge stands for the
commitment it settles (`settling`), so that its invoice bills that less its own lines;
a piece that gives back an earlier piece's top-up is billed as `billed` says.
"""

from __future__ import annotations

import typing
from collections.abc import Iterable, Iterator
from decimal import Decimal
from fractions import Fraction
from typing import TypeAlias, TypeVar

from ._account_names import account_names
from ._decimals import CONTEXT, ONE, ZERO
from ._decimals import tidy as _tidy
from ._quanta import on_quantum
from .assignments import Assignment
from .pricebook import Plan
from .terms import Minimum

__all__ = [
    "Positions",
    "again",
    "billed",
    "cycle_start",
    "readable_again",
    "settling",
    "telescoped",
]

_T = TypeVar("_T")


def _exact(value: Fraction) -> Decimal:
    """An exact fraction as a Decimal: exact when it terminates within 60 digits."""
    if value.denominator == 1:
        return Decimal(value.numerator)
    return _tidy(CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator)))


def again(values: _T) -> _T:
    """``values`` as they can be read again: an iterator's items kept, else as given.

    (``rate()``'s plans or accounts: a tuple of an iterator's items is one of the
    iterables they may be.)
    """
    return typing.cast("_T", tuple(values)) if isinstance(values, Iterator) else values


def readable_again(
    plans: Plan | Iterable[Assignment], accounts: Iterable[str] | None
) -> tuple[Plan | Iterable[Assignment], Iterable[str] | None]:
    """``plans`` and ``accounts`` as values `rate()` can read again (`ratekit.rating._opening`) (an iterator's items).

    The accounts are read once through their door, so that a generator that fails is
    named as ``rate accounts`` (the door reads a frozenset again as it reads a list).
    """
    if accounts is not None:
        accounts = account_names(accounts, "rate", "['acme', 'globex']", keys=True)
    return again(plans), accounts


def cycle_start(plans: Iterable[Plan], start_us: int) -> int:
    """The earliest start of a cycle holding ``start_us`` among ``plans`` with a minimum.

    ``start_us`` itself where it starts every such cycle (or no plan has a minimum):
    then nothing before it counts towards a minimum of the span that starts there.
    """
    lo = start_us
    for plan in plans:
        if plan.minimums:
            lo = min(lo, plan.cycle.containing_us(start_us)[0])
    return lo


Positions: TypeAlias = dict[tuple[str, str, int], dict[str | None, Fraction]]
"""Per account, plan id and cycle start, per minimum (its meter, None: plan-wide): its
commitment prorated from the cycle's start to an instant less what it counts to then."""


def telescoped(required: Fraction, used: Fraction, before: Fraction) -> tuple[Fraction, Fraction]:
    """A minimum's top-up in a piece of a cycle, and the commitment it settles there.

    ``required``: the piece's slice of the commitment; ``used``: what the minimum counts
    in the piece; ``before``: its position at the piece's start (the commitment to then
    less what it counted to then). The cycle's top-up so far at an instant is the
    commitment prorated to it less what the minimum counts to it, at least 0; a piece
    tops up that at its end less that at its start, so the pieces of a cycle add up to
    the cycle rated whole whatever the cuts (as the streaming rater's minimum line, which
    spans the cycle to its watermark, is corrected as it grows). The amount is below 0
    where the piece gives back what an earlier piece topped up. The commitment the piece
    settles: its slice, less what earlier pieces spent above the commitment to their end
    (below 0 where they spent more than its slice), so that its invoice bills that
    commitment less its own lines, as rating does.

    ```pycon
    >>> telescoped(Fraction(29, 6), Fraction(1, 5), Fraction(1, 6) - Fraction(9, 10))
    (Fraction(39, 10), Fraction(41, 10))

    ```
    """
    at_end = max(Fraction(0), before + required - used)
    exact = at_end - max(Fraction(0), before)
    settles = required + min(before, Fraction(0))
    return exact, settles


def settling(
    minimum: Minimum, settles: Fraction, required: Fraction, quantity: Decimal
) -> tuple[Decimal, Decimal]:
    """The unit price and quantity of a piece's minimum charge that settles ``settles``.

    The commitment for the cycle times the share of it the piece settles (its slice,
    ``quantity``, where earlier pieces spent nothing above theirs); a commitment of 0,
    whose every share is 0, states what it settles at 1 a unit.
    """
    if settles == required:
        return minimum.amount, quantity
    if not minimum.amount:
        return ONE, _exact(settles)
    return minimum.amount, _exact(settles / Fraction(minimum.amount))


def billed(short: Decimal, exact: Decimal, quantum: Decimal, rounding: str) -> Decimal:
    """What a minimum bills, ``short`` being its commitment less its lines as billed.

    That shortfall, never below 0; but for a piece of a cycle whose usage gives back
    what earlier pieces topped up (rating's ``exact`` top-up below 0, see
    `telescoped`): its lines above its commitment, as billed, given back
    up to rating's give-back on the quantum.
    """
    if exact < 0:
        return max(short, on_quantum(exact, quantum, rounding))
    return ZERO if short <= 0 else short
