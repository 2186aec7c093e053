"""The terms of a plan besides its prices: allowances, minimum commitments, recurring fees.

An [`Allowance`][ratekit.Allowance] makes the first units of a meter free per period, a
[`Minimum`][ratekit.Minimum] is the least a cycle's usage charges come to, and a [`Fee`][ratekit.Fee] is a
flat amount due every cycle. A [`Plan`][ratekit.Plan] gathers them with its price
entries; rating prorates them when the plan covers part of a period.

Examples:
    >>> import ratekit as rk
    >>> rk.Allowance("egress", 100), rk.Minimum(50), rk.Fee("support", 30)
    (Allowance(meter='egress', quantity=Decimal('100')), Minimum(amount=Decimal('50'), meter=None), Fee(id='support', amount=Decimal('30')))
"""

from __future__ import annotations

import typing
from decimal import Decimal
from typing import Protocol

import attrs

from ._caller_objects import has_method
from ._decimals import to_decimal
from ._entry_points import plain_text
from ._metering_cycle import checked as checked_cycle
from ._shown import show
from ._text import check_text, plain_choice
from .errors import BadPriceError, RatekitTypeError

__all__ = ["Allowance", "Fee", "Minimum"]


class _Cycle(Protocol):
    def boundaries_us(self, start_us: int, end_us: int) -> list[int]: ...

    def containing_us(self, t_us: int) -> tuple[int, int]: ...


def _allowance_quantity(value: object) -> Decimal:
    return to_decimal(value, "Allowance quantity")


def _minimum_amount(value: object) -> Decimal:
    return to_decimal(value, "Minimum amount")


def _fee_amount(value: object) -> Decimal:
    return to_decimal(value, "Fee amount")


def _check_meter(kind: str, value: object, what: str) -> None:
    if not isinstance(value, str) or not value:
        raise RatekitTypeError(
            f"{kind} meter must be a meter name (a non-empty string) naming the meter "
            f"{what} applies to, not {type(value).__name__}: {show(value)}."
        )
    check_text(value, f"{kind} meter")


def _check_id(kind: str, value: object) -> None:
    if not isinstance(value, str) or not value:
        raise BadPriceError(f"a {kind} id must be a non-empty string, not {show(value)}.")
    check_text(value, f"a {kind} id")


@typing.final
@attrs.frozen(repr=False)
class Allowance:
    """A free quantity of a meter per period (the first units used are free).

    By default the period is the plan's billing cycle: the allowance is consumed by the
    account's usage of the meter in time order, and when the plan covers only part of a
    cycle (or the span rated is part of one), it is prorated like the plan's fees.

    With ``cycle`` (for instance ``rk.cycles.yearly(tz=...)`` on a monthly plan: free
    units per year, invoiced monthly), the allowance resets on its own cycle and is
    consumed in time order across every invoice of its period: rating one month does not
    prorate it by time. The usage of the period before the span rated consumes it first:
    give [`rate()`][ratekit.rate] the period's earlier usage rows, or its records (only the
    span is charged).
    It is prorated only when the plan covers part of its period (an assignment that starts
    mid-year), by the plan's share of the period.

    Several allowances on one meter stack in the plan's order: each piece of usage, in
    time order, takes from the first until its period's is used up, then from the next,
    each in its own period; the usage before the span rated takes from them by the same
    rule (a billing cycle's allowance prorated to the part of the cycle before the span),
    so the span's charges do not depend on where it starts.

    Examples:
        >>> import ratekit as rk
        >>> rk.Allowance("egress", "100")
        Allowance(meter='egress', quantity=Decimal('100'))
        >>> rk.Allowance("vm.hours", 1000, cycle=rk.cycles.yearly(tz="UTC"))
        Allowance(meter='vm.hours', quantity=Decimal('1000'), cycle=cycles.yearly(tz='UTC', month=1, day=1))
    """

    meter: str = attrs.field(converter=plain_choice)
    quantity: Decimal = attrs.field(converter=_allowance_quantity)
    cycle: _Cycle | None = attrs.field(default=None, kw_only=True)
    """The allowance's own period (``None``: the plan's billing cycle)."""

    def __attrs_post_init__(self) -> None:
        _check_meter("Allowance", self.meter, "an allowance")
        if self.quantity < 0:
            raise BadPriceError(
                f"allowance of meter {show(self.meter)} quantity must not be negative, "
                f"not {self.quantity}."
            )
        if self.cycle is not None and not all(
            has_method(self.cycle, method) for method in ("boundaries_us", "containing_us")
        ):
            raise RatekitTypeError(
                f"allowance of meter {show(self.meter)} cycle must be a cycle such as "
                f"rk.cycles.yearly(tz='UTC'), or None for the plan's billing cycle, not "
                f"{type(self.cycle).__name__}: {show(self.cycle)}."
            )
        # A cycle of the user's own answers checked wherever rating asks it.
        object.__setattr__(self, "cycle", checked_cycle(self.cycle))

    @plain_text
    def __repr__(self) -> str:
        extra = "" if self.cycle is None else f", cycle={self.cycle!r}"
        return f"Allowance(meter={self.meter!r}, quantity={self.quantity!r}{extra})"


@typing.final
@attrs.frozen
class Minimum:
    """A minimum commitment per billing cycle: what is spent below it is charged anyway.

    With a ``meter``, it applies to that meter's usage charges; without, to all the
    plan's usage charges (including the top-ups of the per-meter minimums, and excluding
    recurring fees). When the plan covers only part of a cycle, the minimum is prorated.
    A top-up is billed whenever the lines it counts, as the invoice rounds them, fall
    short of the commitment (on the quantum), whatever the exact spend: the invoice then
    bills the commitment less those lines, so its subtotal never falls below it.

    Examples:
        >>> import ratekit as rk
        >>> rk.Minimum("50", meter="vm.hours")
        Minimum(amount=Decimal('50'), meter='vm.hours')
    """

    amount: Decimal = attrs.field(converter=_minimum_amount)
    meter: str | None = attrs.field(default=None, converter=plain_choice)

    def __attrs_post_init__(self) -> None:
        if self.meter is not None:
            _check_meter("Minimum", self.meter, "a per-meter minimum (or None for the plan)")
        if self.amount < 0:
            raise BadPriceError(
                f"Minimum amount must be 0 or more (the least a cycle costs), not "
                f"{show(str(self.amount))}."
            )


@typing.final
@attrs.frozen
class Fee:
    """A recurring flat fee per billing cycle, prorated when a plan covers part of a cycle.

    Examples:
        >>> import ratekit as rk
        >>> rk.Fee("support", "30")
        Fee(id='support', amount=Decimal('30'))
    """

    id: str = attrs.field(converter=plain_choice)
    amount: Decimal = attrs.field(converter=_fee_amount)

    def __attrs_post_init__(self) -> None:
        _check_id("fee", self.id)
