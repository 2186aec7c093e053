"""Each charge's part of its invoice line as billed, split between plans as the invoice splits.

An invoice rounds each line once; an export that writes a row per charge (FOCUS) gives
each charge a part of its line's rounded amount. After a plan change within a cycle a
line may hold the charges of two plans, and one minimum line holds the top-ups of both
plans' commitments, each settled on its own. The parts are therefore split in two steps,
both the invoice's own:

1. between the line's plans (or pieces of a cycle): for a minimum line, each plan's
   top-up as the invoice settles it (`_topups.settled`); for any other line, the plans'
   parts as the settling of their minimums counts them (`_plan_split.by_scope`);
2. within a plan, between its charges: each part spread near the charges' exact
   amounts (in proportion when they are of one sign), on the quantum, the quanta left
   over to the largest remainders, ties to the earlier charge.

So the charges' parts add up to the line, each plan's parts to what the invoice's notes
settle for it (its lines as counted plus its top-up: its commitment when one is due),
and an invoice's parts to its subtotal. A detailed invoice (``by_resource``) is split per
plan as its summary is (the settling reads the summary's lines) where a plan of the line
has a part in the minimum line; each resource line's parts add up to it too: each plan's
part is allotted to its resource lines as billing allots it (`billing._resource_lines`),
then each such cell among its charges. Where no plan of the line has a part in the minimum line (a minimum charge on the
invoice), no note counts the plans' parts, and each resource line is split on its own,
as the invoice prints it.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Hashable, Sequence
from decimal import Decimal
from fractions import Fraction

from ._allocation import spread
from ._decimals import CONTEXT, exact_sum
from ._plan_split import allot, by_scope, step_of
from ._topups import line_quantum, rounding_of, scope_of, settled, summary_lines

if typing.TYPE_CHECKING:
    from ._invoices import InvoiceLine
    from .charges import Charge

__all__ = ["billed_parts"]


def billed_parts(lines: Sequence[InvoiceLine], account: str) -> list[list[Decimal]]:
    """Per line of an invoice of ``account``, each of its charges' part of its amount.

    The split the invoice settles each plan's minimum on (see the module). A line without
    charges has no parts. O(m * n + c log c) for m minimum lines, n lines and c charges.
    """
    own = [charge for line in lines if line.kind != "shared" for charge in line.charges]
    summary, where = summary_lines(lines)
    scope = scope_of(summary)
    quantum, rounding = rounding_of(own) if own else (None, "")
    tops = settled(summary, account, quantum, rounding) if quantum is not None else {}
    ends = [*where[1:], len(lines)]
    out: list[list[Decimal]] = [[] for _ in lines]
    for index, line in enumerate(summary):
        if not line.charges:
            continue
        members = range(where[index], ends[index])
        step = line_quantum(line, quantum) if quantum is not None else None
        if step is None:  # an invoice of shared parts only: each on its pool's quantum
            step = rounding_of(line.charges)[0]
        plans = by_scope(line.charges, line.amount, scope, step)
        found = {(part.plan, *part.span): part.amount for part in tops.get(index, ()) if part.span}
        if found.keys() == plans.keys() and exact_sum(found.values()) == line.amount:
            plans = found  # a minimum line: each plan's top-up as settled
        rows = [lines[i].amount for i in members]
        # a detailed line's plans' parts bind where a plan of it has a part in the minimum
        # line (its note counts its part); else only the resource lines the invoice prints
        settling = any(key[1] != -1 for key in plans)
        row_of = [row for row, i in enumerate(members) for _ in lines[i].charges]
        parts = _split(
            line.charges,
            [scope(c) for c in line.charges],
            plans,
            row_of=row_of,
            rows=rows,
            quantum=step,
            settling=settling,
        )
        start = 0
        for i in members:
            out[i] = parts[start : start + len(lines[i].charges)]
            start += len(lines[i].charges)
    return out


def _split(
    charges: Sequence[Charge],
    keys: Sequence[Hashable],
    plans: dict[typing.Any, Decimal],
    *,
    row_of: Sequence[int],
    rows: Sequence[Decimal],
    quantum: Decimal,
    settling: bool = True,
) -> list[Decimal]:
    """The charges' parts: each plan's part (``plans``) over its charges, near their amounts.

    A plan's part is spread over its charges (`spread`), each charge's spread part rounded
    down to the step, and the steps the plan is still owed go to its charges with the
    largest remainders (ties to the earlier), first to those whose line (``rows``, the
    detailed invoice's resource lines; ``row_of``: each charge's) is still owed a step
    too. With one plan, or where no plan's minimum counts the line (not ``settling``),
    each line is split on its own, as the line it is. O(c log c).
    """
    step = quantum
    for target in (*plans.values(), *rows):
        step = step_of(target, step)
    if len(rows) > 1 and (len(plans) == 1 or not settling):  # each resource line on its own
        plans, keys = dict(enumerate(rows)), row_of
    elif len(rows) > 1:  # each plan's part among its resource lines, as billing allots it
        plans, keys = (
            _cells(charges, keys, plans, row_of=row_of, count=len(rows), quantum=quantum),
            [(key, row) for key, row in zip(keys, row_of, strict=True)],
        )
    q = Fraction(step)
    members: dict[Hashable, list[int]] = {}
    for n, key in enumerate(keys):
        members.setdefault(key, []).append(n)
    exact = [Fraction(0)] * len(charges)
    for key, indices in members.items():
        moved = spread(Fraction(plans[key]), [Fraction(charges[n].amount) for n in indices])
        for n, value in zip(indices, moved, strict=True):
            exact[n] = value / q
    units = [math.floor(value) for value in exact]
    owed = {
        key: Fraction(plans[key]) / q - sum(units[n] for n in ns) for key, ns in members.items()
    }
    line_owed = [Fraction(row) / q for row in rows]
    for n, unit in enumerate(units):
        line_owed[row_of[n]] -= unit
    order = sorted(range(len(charges)), key=lambda n: (units[n] - exact[n], n))
    bumped = [False] * len(charges)
    for both in (True, False):
        for n in order:
            if bumped[n] or owed[keys[n]] <= 0 or (both and line_owed[row_of[n]] <= 0):
                continue
            bumped[n] = True
            units[n] += 1
            owed[keys[n]] -= 1
            line_owed[row_of[n]] -= 1
    return [CONTEXT.multiply(Decimal(unit), step) for unit in units]


def _cells(
    charges: Sequence[Charge],
    keys: Sequence[Hashable],
    plans: dict[typing.Any, Decimal],
    *,
    row_of: Sequence[int],
    count: int,
    quantum: Decimal,
) -> dict[typing.Any, Decimal]:
    """Per (plan, resource line): the plan's part allotted to that line.

    As billing allots a detailed line of two plans (`billing._resource_lines`): each
    plan's part spread over the resource lines near its charges' exact sums on each, on
    the step the part is rounded on, ties to the earlier line. So each resource line is
    the sum of its cells. O(c + p * r log r).
    """
    exact: dict[tuple[typing.Any, int], Fraction] = {}
    for charge, key, row in zip(charges, keys, row_of, strict=True):
        exact[key, row] = exact.get((key, row), Fraction(0)) + Fraction(charge.amount)
    cells: dict[typing.Any, Decimal] = {}
    for key, part in plans.items():
        own = [exact.get((key, row), Fraction(0)) for row in range(count)]
        allotted = allot(part, own, quantum)
        for row, amount in enumerate(allotted):
            if (key, row) in exact:
                cells[key, row] = amount
    return cells
