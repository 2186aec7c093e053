"""The rater's statement lines: what changed against what it reported before.

Private to [`ratekit.Rater`][ratekit.Rater]. Sums and differences of lines are exact (no
rounding at any precision), so that the increments of a line add up to the line, digit
for digit; ``Inexact`` would be a bug.
"""

from __future__ import annotations

import decimal
import typing
from typing import Final

from ._decimals import ZERO
from ._rater_store import sortable
from .charges import Charge
from .statements import LineKey, StatementLine, _line

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["compare", "line_key"]

_EXACT: Final = decimal.Context(
    prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN, traps=[decimal.Inexact]
)
_ADD = _EXACT.add
_SUB = _EXACT.subtract
_MINUS = _EXACT.minus


def line_key(charge: Charge) -> LineKey:
    return (
        charge.account,
        charge.cycle.start_us,
        charge.cycle.end_us,
        charge.kind,
        charge.plan,
        charge.meter,
        charge.entry,
        charge.resource,
        charge.unit,
        charge.currency,
    )


def compare(
    rater: Rater,
    groups: dict[LineKey, list[Charge]],
    scope: set[LineKey] | None = None,
) -> tuple[list[StatementLine], list[StatementLine]]:
    """The lines that changed against what was reported; records the new totals.

    ``groups``: the charges per line. With ``scope`` (the lines whose charges may
    have changed), only those lines are compared: ``groups`` need hold no other (their
    totals stand as reported). O(k log k) for k lines compared (all the lines reported
    and charged, without ``scope``).
    """
    lines: list[StatementLine] = []
    held: list[StatementLine] = []
    reported = rater._reported
    dirty = rater._dirty
    everything = ("*", None) in dirty
    keys = set(groups) | (set(reported) if scope is None else scope)
    for key in sorted(keys, key=sortable):
        charges = groups.get(key, [])
        quantity = amount = ZERO
        for charge in charges:
            quantity = _ADD(quantity, charge.quantity)
            amount = _ADD(amount, charge.amount)
        old = reported.get(key)
        if old is None and not charges:
            continue
        if old is not None and old == (quantity, amount):
            continue
        reported[key] = (quantity, amount)
        account, resource, cycle_end = key[0], key[7], key[2]
        late = cycle_end <= rater._closed_us
        target = lines if not late or rater._late == "correct" else held
        if old is None:
            target.append(_line(key, quantity, amount, "charge", late, charges))
            continue
        touched = everything or (account, resource) in dirty
        if not late and not touched:
            delta_q, delta_a = _SUB(quantity, old[0]), _SUB(amount, old[1])
            lines.append(_line(key, delta_q, delta_a, "increment", late, charges))
            continue
        target.append(_line(key, _MINUS(old[0]), _MINUS(old[1]), "reversal", late, ()))
        if charges:
            target.append(_line(key, quantity, amount, "correction", late, charges))
    return lines, held
