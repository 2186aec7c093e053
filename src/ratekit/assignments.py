"""Assignments: which plan an account has, over which span of time.

An account has at most one plan at any instant; a change of plan mid-cycle splits the
cycle, and each part is rated, prorated and bounded by its own plan, except a correction
that takes back units another plan billed in the cycle: last in, first out, those go
back to that plan at its prices (docs/pricing.md, Negative quantities).

Examples:
    >>> import ratekit as rk
    >>> plan = rk.Plan("basic", "EUR", rk.cycles.monthly(tz="UTC"), [])
    >>> rk.Assignment("acme", plan, end="2026-03-15T00:00:00Z")
    Assignment('acme', 'basic', end='2026-03-15T00:00:00Z')
"""

from __future__ import annotations

import datetime as _dt
import itertools
import typing
from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from ._caller_objects import read_once
from ._entry_points import plain_text
from ._instants import MAX_US, MIN_US, format_us
from ._shown import show
from ._text import check_text, plain_choice
from .errors import BadPriceError, RatekitTypeError
from .pricebook import Plan, _instant, _us_or_none

__all__ = ["Assignment"]


def _assignment_start(value: object) -> _dt.datetime | None:
    return _instant("Assignment start", value)


def _assignment_end(value: object) -> _dt.datetime | None:
    return _instant("Assignment end", value)


@typing.final
@attrs.frozen(repr=False)
class Assignment:
    """An account's plan over ``[start, end)`` (``None`` leaves a side open).

    An account has at most one plan at any instant; a change of plan mid-cycle splits the
    cycle, and each part is rated, prorated and bounded by its own plan, except a
    correction that takes back units another plan billed in the cycle: last in, first
    out, those go back to that plan at its prices (docs/pricing.md, Negative quantities).

    Examples:
        >>> import ratekit as rk
        >>> plan = rk.Plan("basic", "EUR", rk.cycles.monthly(tz="UTC"), [])
        >>> rk.Assignment("acme", plan, start="2026-03-15T00:00:00Z")
        Assignment('acme', 'basic', start='2026-03-15T00:00:00Z')
    """

    account: str = attrs.field(converter=plain_choice)
    plan: Plan
    start: _dt.datetime | None = attrs.field(default=None, converter=_assignment_start)
    """The first instant of the assignment (``None``: since always), in UTC."""
    end: _dt.datetime | None = attrs.field(default=None, converter=_assignment_end)
    """The first instant after the assignment (``None``: for ever), in UTC."""
    start_us: int | None = attrs.field(init=False, eq=False, hash=False)
    end_us: int | None = attrs.field(init=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "start_us", _us_or_none(self.start))
        object.__setattr__(self, "end_us", _us_or_none(self.end))
        if not isinstance(self.account, str) or not self.account:
            raise RatekitTypeError(
                f"an assignment's account must be an account name (a non-empty string), not "
                f"{type(self.account).__name__}: {show(self.account)}."
            )
        check_text(self.account, "an assignment's account")
        if not isinstance(self.plan, Plan):
            raise RatekitTypeError(
                f"assignment of account {show(self.account)} plan must be a Plan, not "
                f"{type(self.plan).__name__}: {show(self.plan)}."
            )
        if self.start_us is not None and self.end_us is not None and self.end_us <= self.start_us:
            raise BadPriceError(
                f"assignment of plan {show(self.plan.id)} to account {show(self.account)} ends at "
                f"{format_us(self.end_us)}, not after its start {format_us(self.start_us)}."
            )

    @plain_text
    def __repr__(self) -> str:
        parts = [repr(self.account), repr(self.plan.id)]
        if self.start_us is not None:
            parts.append(f"start={format_us(self.start_us)!r}")
        if self.end_us is not None:
            parts.append(f"end={format_us(self.end_us)!r}")
        return f"Assignment({', '.join(parts)})"


def _assignments_by_account(
    assignments: Iterable[Assignment],
) -> dict[str, list[tuple[int, int, Plan]]]:
    """Each account's plans as sorted, non-overlapping ``(start_us, end_us, plan)``.

    Two different plans under one id are refused (BadPriceError naming the id and both
    assignments): an invoice line, a charge and plan data name a plan by its id, so
    they could not tell the two apart. The same plan, or an equal one, may be assigned
    any number of times: an equal one is the same plan, and is given as the first
    assignment of its id gives it (rating keys a plan's minimums, allowances and price
    regimes by the plan object, so two equal objects rated apart, a plan built anew for
    each assignment, gave an allowance of a week twice over, each prorated to its part).
    """
    by_account: dict[str, list[tuple[int, int, Plan]]] = {}
    by_id: dict[str, Assignment] = {}
    written: dict[int, object] = {}  # each plan's figures as written, by identity
    for assignment in assignments:
        if not isinstance(assignment, Assignment):
            raise RatekitTypeError(
                f"plans must be a Plan or Assignment values, not "
                f"{type(assignment).__name__}: {show(assignment)}."
            )
        first = by_id.setdefault(assignment.plan.id, assignment)
        if first.plan is not assignment.plan:
            _check_alike(first, assignment, written)
        lo = MIN_US if assignment.start_us is None else assignment.start_us
        hi = MAX_US if assignment.end_us is None else assignment.end_us
        by_account.setdefault(assignment.account, []).append((lo, hi, first.plan))
    for account, items in by_account.items():
        items.sort(key=lambda item: (item[0], item[1]))
        for (_, a_hi, a_plan), (b_lo, _, b_plan) in itertools.pairwise(items):
            if b_lo < a_hi:
                # an assignment without a start holds from the start of time, as an entry
                when = "from the start of time" if b_lo == MIN_US else f"from {format_us(b_lo)}"
                raise BadPriceError(
                    f"account {show(account)} is assigned plans {show(a_plan.id)} and {show(b_plan.id)} "
                    f"at once {when}; an account has one plan at a time."
                )
    return by_account


def _check_alike(first: Assignment, other: Assignment, written: dict[int, object]) -> None:
    """Refuse ``other``'s plan unless it is ``first``'s, written alike (BadPriceError).

    An equal plan is given as its first assignment gives it, so two plans equal as
    Decimals but written apart (a price of 0.10 and 0.1) would print an invoice's figures
    by the order of the assignments, which restore does not keep. ``written``: the
    plans' descriptions met so far, by identity (every plan lives through the call).
    """
    if first.plan != other.plan:
        raise BadPriceError(
            f"two different plans have the id {show(other.plan.id)}: {show(first)} and "
            f"{show(other)}; invoices, charges and plan data name a plan by its id, "
            "so give each plan its own id."
        )
    for plan in (first.plan, other.plan):
        if id(plan) not in written:
            written[id(plan)] = _as_written(plan)
    if written[id(first.plan)] != written[id(other.plan)]:
        raise BadPriceError(
            f"two plans have the id {show(other.plan.id)} and are equal, but their figures are "
            f"written apart: {show(first)} and {show(other)}; invoices print a plan's figures as "
            "written (a price of 0.10 or 0.1, a quantum of 0.01 or 0.010), so build the "
            "plans of one id from the same figures, or give each its own id."
        )


#: The compared fields of each attrs class `_as_written` met, by class.
_COMPARED: dict[type, tuple[str, ...]] = {}


def _as_written(value: object, depth: int = 0) -> object:
    """``value`` as a key that tells its Decimals apart by how they are written.

    Equal values give equal keys but for Decimals equal by value and written apart
    (``0.10`` and ``0.1``: their digits and exponents differ). Attrs values by their
    compared fields, containers item by item; anything else is itself (compared by its
    own equality). O(size of the value).
    """
    if isinstance(value, Decimal):
        return ("decimal", value.as_tuple())
    if depth > 50 or value is None or isinstance(value, bool | int | str):
        return value
    names = _COMPARED.get(type(value))
    if names is None and attrs.has(type(value)):
        fields = attrs.fields(typing.cast("type[attrs.AttrsInstance]", type(value)))
        names = _COMPARED[type(value)] = tuple(f.name for f in fields if f.eq)
    if names is not None:
        return (type(value), tuple(_as_written(getattr(value, name), depth + 1) for name in names))
    if isinstance(value, Mapping):
        return ("mapping", [(k, _as_written(v, depth + 1)) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return (type(value), [_as_written(item, depth + 1) for item in value])
    return value


def read_plans(plans: object, what: str) -> Plan | tuple[Assignment, ...]:
    """``plans`` as a function taking them reads them: one `Plan`, or `Assignment` values.

    Anything else raises [`RatekitTypeError`][ratekit.RatekitTypeError] naming ``what``
    (the function) and the value: not an iterable (``None``), a text (``"p"``, an
    iterable of letters) or an item that is not an `Assignment` (``[5]``). O(n).
    """
    if isinstance(plans, Plan):
        return plans
    if not isinstance(plans, Iterable) or isinstance(plans, str | bytes):
        raise RatekitTypeError(
            f"{what} plans must be a Plan or an iterable of Assignment values, not "
            f"{type(plans).__name__}: {show(plans)}."
        )
    out = tuple(read_once(plans, f"{what} plans", type(plans).__name__, "a list of Assignment"))
    for index, item in enumerate(out):
        if isinstance(item, Plan):
            raise RatekitTypeError(
                f"{what} plans must be one Plan, or an iterable of Assignment values; "
                f"plans[{index}] is a Plan ({show(item.id)}): give the plan of every account "
                "as itself, not in a list, or assign plans to accounts with "
                "rk.Assignment(account, plan)."
            )
        if not isinstance(item, Assignment):
            raise RatekitTypeError(
                f"{what} plans must be one Plan, or an iterable of Assignment values "
                f"(rk.Assignment(account, plan)); plans[{index}] is "
                f"{type(item).__name__}: {show(item)}."
            )
    return out
