"""A charge's tier lines: the part of its price's breakdown that the charge added.

Private to [`Charge.tiers`][ratekit.Charge.tiers]: the marginal lines of a piece of a
tiered group (from the group's quantity before it to after it), the share of an
aggregate priced whole, and a base's lines scaled to its prorated amount. Every line is
exact, whatever the caller's decimal context.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Final

import attrs

from ._decimals import CONTEXT, ONE, ZERO
from ._decimals import tidy as _tidy
from ._shown import show
from .percentages import GraduatedPercentage, Percentage
from .prices import Flat, Graduated, Package, PerUnit, PriceModel, Volume
from .tiers import TierLine

__all__ = ["Unexplained", "base_lines", "explained", "marginal_lines", "shared_line"]

_ADD = CONTEXT.add
_SUB = CONTEXT.subtract
_MUL = CONTEXT.multiply


#: The graduated models, whose breakdowns `explained()` may start at a floor.
_FLOORED: Final = frozenset({Graduated, GraduatedPercentage})

#: The built-in models, whose lines add up to their amounts by construction.
_BUILT_IN: Final = frozenset(
    {Flat, Graduated, GraduatedPercentage, Package, Percentage, PerUnit, Volume}
)


class Unexplained(Exception):  # noqa: N818 - private: Charge.tiers names it a BadPriceError
    """A price model of the user's own whose ``explain()`` does not explain its amount."""


def explained(price: PriceModel, quantity: Decimal, floor: Decimal = ZERO) -> tuple[TierLine, ...]:
    """``price.explain(quantity)``, checked for a model of the user's own. O(lines).

    With ``floor``, a graduated model leaves out the lines of the tiers that end below it
    (`_FLOORED`: the same for every quantity at or above it); any other model gives all
    its lines. Its lines are `TierLine` values whose amounts add up to
    ``price.amount(quantity)`` (the protocol's promise, on which every tier breakdown ratekit prints rests), to
    within one unit of the amount's 60th significant digit (each side computed at 60
    digits). Else `Unexplained`, saying which and by how much. No lines at all is a model
    that gives no breakdown: nothing is printed, nothing to check.
    """
    if floor and type(price) in _FLOORED:
        return typing.cast("Graduated | GraduatedPercentage", price)._lines(quantity, floor)
    lines = tuple(price.explain(quantity))
    if not lines or type(price) in _BUILT_IN:  # no lines: no breakdown to print
        return lines
    model = type(price).__name__
    for index, line in enumerate(lines):
        if type(line) is not TierLine:
            raise Unexplained(
                f"its price model {model}.explain({quantity}) gave {type(line).__name__} "
                f"{show(line)} (line {index}); explain() returns TierLine values whose amounts "
                "add up to amount(quantity)."
            )
    total = ZERO
    for line in lines:
        total = _ADD(total, line.amount)
    amount = price.amount(quantity)
    slack = ONE.scaleb(max(amount.adjusted(), total.adjusted()) - (CONTEXT.prec - 1))
    if _SUB(total, amount).copy_abs() > slack:
        raise Unexplained(
            f"its price model {model}.explain({quantity}) gives lines adding up to {total}, "
            f"where amount({quantity}) is {amount}; explain() returns TierLine values whose "
            "amounts add up to amount(quantity), so that a breakdown printed computes."
        )
    return lines


def marginal_lines(
    price: PriceModel, position: Decimal, after: Decimal, *, opens: bool
) -> tuple[TierLine, ...]:
    """The tier lines from ``position`` to ``after`` (with the base if ``opens``).

    A group's quantity is priced where it is at zero or above (corrections net), so the
    lines go from ``max(position, 0)`` to ``max(after, 0)``: the difference of the
    breakdowns there, tier by tier. The tiers of a graduated model that end below both
    are whole in both breakdowns, so they are not explained (`explained()`'s ``floor``):
    a piece costs the tiers it crosses, not every tier below it, and the charges of a
    group climbing t tiers explain O(t + charges) lines in all, not O(t * charges).
    """
    if opens:
        return explained(price, max(after, ZERO))
    floor = max(min(position, after), ZERO)
    after_lines = explained(price, max(after, ZERO), floor)
    before = {line.label: line for line in explained(price, max(position, ZERO), floor)}
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
