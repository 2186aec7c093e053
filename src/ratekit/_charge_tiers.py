"""A charge's tier lines: the part of its price's breakdown that the charge added.

Private to [`Charge.tiers`][ratekit.Charge.tiers]: the marginal lines of a piece of a
tiered group (from the group's quantity before it to after it), the share of an
aggregate priced whole, and a base's lines scaled to its prorated amount. Every line is
exact, whatever the caller's decimal context.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import attrs

from ._decimals import CONTEXT, ONE, ZERO
from ._decimals import tidy as _tidy
from .prices import PriceModel
from .tiers import TierLine

__all__ = ["base_lines", "marginal_lines", "shared_line"]

_ADD = CONTEXT.add
_SUB = CONTEXT.subtract
_MUL = CONTEXT.multiply


def marginal_lines(
    price: PriceModel, position: Decimal, after: Decimal, *, opens: bool
) -> tuple[TierLine, ...]:
    """The tier lines from ``position`` to ``after`` (with the base if ``opens``).

    A group's quantity is priced where it is at zero or above (corrections net), so the
    lines go from ``max(position, 0)`` to ``max(after, 0)``.
    """
    after_lines = price.explain(max(after, ZERO))
    if opens:
        return tuple(after_lines)
    before = {line.label: line for line in price.explain(max(position, ZERO))}
    out = []
    for line in after_lines:
        old = before.pop(line.label, None)
        if old is None:
            out.append(line)
            continue
        quantity = _SUB(line.quantity, old.quantity)
        amount = _SUB(line.amount, old.amount)
        if quantity or amount:
            out.append(
                attrs.evolve(
                    line,
                    quantity=quantity,
                    amount=amount,
                    flat=_SUB(line.flat, old.flat),
                    blocks=None if line.blocks is None else line.blocks - (old.blocks or 0),
                )
            )
    # A tier the quantity left (a volume price crossing a bound) is taken back.
    out.extend(
        attrs.evolve(
            old,
            quantity=old.quantity.copy_negate(),  # exact, whatever the caller's context
            amount=old.amount.copy_negate(),
            flat=old.flat.copy_negate(),
            blocks=None if old.blocks is None else -old.blocks,
        )
        for old in before.values()
        if old.quantity or old.amount
    )
    return tuple(out)


def shared_line(line: TierLine, part: Decimal, whole: Decimal) -> TierLine:
    """A tier line of an aggregate priced ``whole``, for a charge's ``part`` of it.

    The line keeps the whole's tier (quantity, unit price, flat fee, blocks: what a
    reader checks against the aggregate) and says the share, ``part`` of ``whole``; its
    amount is that share of the whole's, so that the line still computes. The whole
    itself (``part == whole``) is the line as it is.
    """
    if part == whole or not whole:
        return line
    exact = Fraction(line.amount) * Fraction(part) / Fraction(whole)
    amount = _tidy(CONTEXT.divide(Decimal(exact.numerator), Decimal(exact.denominator)))
    return attrs.evolve(line, amount=amount, part=part, whole=whole)


def base_lines(lines: Sequence[TierLine], amount: Decimal) -> tuple[TierLine, ...]:
    """The lines at zero of a base charge, scaled to its (prorated) amount.

    Each line keeps its share of the amount; the last takes the residue, so the lines add
    up to the amount exactly.
    """
    whole = ZERO
    for line in lines:
        whole = _ADD(whole, line.amount)
    if whole == amount or not whole:
        return tuple(lines)
    out = []
    left = amount
    for index, line in enumerate(lines):
        if index == len(lines) - 1:
            part = left
        else:
            part = _tidy(CONTEXT.divide(_MUL(line.amount, amount), whole))
            left = _SUB(left, part)
        scale = CONTEXT.divide(part, line.amount) if line.amount else ONE
        out.append(attrs.evolve(line, amount=part, flat=_tidy(_MUL(line.flat, scale))))
    return tuple(out)
