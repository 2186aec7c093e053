"""Minimum-commitment lines as billed: the commitment less the lines as rounded.

Rating computes a top-up exactly (the commitment less the exact spend). An invoice rounds
each line on its own, so rounding the top-up on its own too would leave the lines under a
commitment off it by up to a quantum per line (1.00 + 1.00 + 47.99 = 49.99 for a
commitment of 50). Billing therefore settles a top-up on the invoice: the commitment
(rounded once, with the plan's mode, when prorated off the quantum) less the amounts of
the lines it counts, as rounded, never below zero. The lines a minimum counts are those
rating counted: the account's usage and prices' bases of the plan (for a per-meter
minimum, of its meter), its own part of its shared charges, and, for the plan-wide
minimum, the per-meter top-ups. So the lines under a commitment add up to exactly the
commitment whenever something is topped up.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from decimal import Decimal

import attrs

from ._decimals import CONTEXT, ZERO
from ._quanta import on_quantum

if typing.TYPE_CHECKING:  # _invoices imports render, which imports this module
    from ._invoices import InvoiceLine

_ADD = CONTEXT.add
_SUB = CONTEXT.subtract


def target(line: InvoiceLine) -> Decimal:
    """The commitment of a minimum line on the quantum (itself when it is on it)."""
    head = line.charges[0]
    commitment = ZERO if line.commitment is None else line.commitment  # always set on one
    return on_quantum(commitment, head.quantum, head.rounding)


def _counts(line: InvoiceLine, account: str, plan: str, meter: str | None) -> bool:
    """Whether rating counted ``line`` towards the minimum of ``plan`` (and ``meter``)."""
    if line.kind == "shared":
        if line.owner != account:
            return False
    elif line.kind == "fee":
        # a price's base (a fee with a price) counts, a plan's fee does not
        if any(charge.price is None for charge in line.charges):
            return False
    elif line.kind != "usage":
        return False
    if any(charge.plan != plan for charge in line.charges):
        return False
    return meter is None or line.meter == meter


def settle(lines: Sequence[InvoiceLine], account: str) -> list[InvoiceLine]:
    """``lines`` with each minimum line's amount the commitment less the counted lines.

    Per-meter minimums first, then the plan-wide one, which counts their top-ups as
    billed. O(m * n) for m minimum lines and n lines.
    """
    out = list(lines)
    minimums = [i for i, line in enumerate(out) if line.kind == "minimum" and line.charges]
    minimums.sort(key=lambda i: out[i].meter is None)
    for index in minimums:
        line = out[index]
        plan = line.charges[0].plan
        counted = ZERO
        for other in out:
            if other.kind == "minimum":
                if line.meter is None and other.meter is not None and other.charges[0].plan == plan:
                    counted = _ADD(counted, other.amount)
            elif _counts(other, account, plan, line.meter):
                counted = _ADD(counted, other.amount)
        amount = _SUB(target(line), counted)
        if amount <= 0:
            amount = ZERO.quantize(line.charges[0].quantum, context=CONTEXT)
        if amount != line.amount:
            out[index] = attrs.evolve(line, amount=amount)
    return out
