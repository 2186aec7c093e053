"""What compacted cycles consumed of allowances with their own period (a year's hours).

Private to [`ratekit.Rater`][ratekit.Rater]. An [`Allowance`][ratekit.Allowance] with its own
cycle offers its quantity per period of that cycle, which may hold many billing cycles:
[`rate()`][ratekit.rate] meters the usage before the span and lets it take from the pools
first, as rating it would (an allowance defined before it on the meter takes first). The
rater keeps rows of its kept cycles only, so at each compaction it carries what the
compacted cycles consumed: per account, plan (by its id), meter and period that
contains the new base, what that plan's allowances of that period gave
before the base, exactly (a fraction: a share of an allowance prorated to a plan's part
of a period need not terminate, and rounding it would move the last digit of the
charges after it). The rating of the kept cycles starts from it. O(r log r) for r
compacted rows.

A snapshot names the plan by its id. Snapshots written before named it by its index
among the distinct plans of the assignments, in the order they were first used, which
depends on the order the assignments are listed in and on which of several equal plan
objects each holds: restored with the same assignments listed otherwise (as a host
loading them from a database without an ``ORDER BY`` does), an index named another
plan, whose allowance the compacted cycles' use was then taken from, or none, and the
kept cycles were given again what the compacted ones had used. Such an index is read
as the one plan of its account with an allowance of that period on its meter (`named`),
whatever the order; only where the account held several is it read as it was written:
restore those with the assignments in the order they had.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any, Final

from ._decimals import MAX_ADJUSTED, MIN_ADJUSTED, PLAIN
from ._dues import _exact
from ._instants import MAX_US, MIN_US, check_us, format_us
from ._rating_engine import _Engine as _RatingEngine
from ._shown import show
from .assignments import Assignment
from .pricebook import Plan
from .spans import Span
from .usage import UsageRow

__all__ = ["Consumed", "consumed", "decode", "encode", "misplaced", "named", "seeded"]

#: (account, plan id, meter, period start, period end) -> quantity consumed before base.
Consumed = dict[tuple[str, str, str, int, int], Fraction]
#: As a snapshot's item names it: by the plan's id, or (written before) its index.
Decoded = tuple[tuple[str, str | int, str, int, int], Fraction]

#: The longest text of a used quantity a snapshot may hold.
_MAX_TEXT = 1000

Plans = Plan | Sequence[Assignment]

#: Above what a used quantity may be: ratekit's quantities stay below 1E+30.
_LIMIT: Final = Fraction(10) ** (MAX_ADJUSTED + 1)


def consumed(
    plans: Plans,
    carried: Consumed,
    rows: Iterable[UsageRow],
    new_base_us: int,
    samples: frozenset[str] = frozenset(),
) -> Consumed:
    """What usage before ``new_base_us`` consumed of own-period allowances running on.

    ``carried``: the same at the old base; ``rows``: the rows rated from the old base on
    (only their parts before ``new_base_us`` count). They take from the allowances as
    rating does (time order, then the plan's order: an earlier allowance on the meter,
    the billing cycle's too, takes first). Kept: per account, plan, meter and period that
    contains ``new_base_us`` (and starts before it), what its allowances of that period
    gave, exact. ``samples``: the meters whose rows are sums of samples (see
    `ratekit._allowance_flows`).
    """
    engine = _RatingEngine(plans, Span.from_us(new_base_us, new_base_us))
    engine.samples = samples
    engine.used_before = seeded(engine.plans, carried)
    engine.consume_before(rows)
    index = {id(plan): i for i, plan in enumerate(engine.plans)}
    keys = {(a, plan_id, meter, period) for a, plan_id, meter, period in engine.used_before}
    for account, plan_id, i, period in engine.left:
        plan = engine.plans[index[plan_id]]
        keys.add((account, plan_id, plan.allowances[i].meter, period))
    out: Consumed = {}
    for account, plan_id, meter, period in sorted(keys, key=repr):
        if not period[0] < new_base_us < period[1]:
            continue
        plan = engine.plans[index[plan_id]]
        used = Fraction(0)
        for i, allowance in enumerate(plan.allowances):
            own = allowance.cycle
            if allowance.meter != meter or own is None or own.containing_us(period[0]) != period:
                continue
            offer = engine.offered(account, plan, allowance, period, (MIN_US, new_base_us))
            left = engine.left.get((account, plan_id, i, period))
            if left is None:
                left = engine.pool(account, plan, i, period, (MIN_US, new_base_us))
            used += offer - left
        if used > 0:
            out[account, plan.id, meter, period[0], period[1]] = used
    return out


def seeded(
    plans: Sequence[Plan], carried: Consumed
) -> dict[tuple[str, int, str, tuple[int, int]], Fraction]:
    """``carried`` as the rating engine keys it (by the plan object's identity).

    All of it: a period over the base that ends before the span rated still tells what
    its allowance left to the allowances after it for the usage between. ``plans``: the
    engine's distinct plans, one object per id (equal plans are given as one).
    """
    by_id = {plan.id: plan for plan in plans}
    return {
        (account, id(by_id[plan_id]), meter, (p0, p1)): used
        for (account, plan_id, meter, p0, p1), used in carried.items()
        if plan_id in by_id
    }


def encode(carried: Consumed) -> list[list[object]]:
    """The snapshot's ``allowed``: ``[account, plan, meter, start_us, end_us, "used"]``.

    ``"used"`` is decimal text when the quantity terminates within 60 digits (``"1000"``,
    ``"2.5"``), else the exact fraction ``"numerator/denominator"`` (``"7/3"``).
    """
    return [[*key, _text(used)] for key, used in sorted(carried.items())]


def _text(used: Fraction) -> str:
    decimal = _exact(used)
    return str(decimal) if Fraction(decimal) == used else f"{used.numerator}/{used.denominator}"


def _quantity(text: object) -> Fraction | None:
    """What `_text()` wrote, read back: a Fraction, None if it is no such text."""
    if not isinstance(text, str) or len(text) > _MAX_TEXT:
        return None
    numerator, slash, denominator = text.partition("/")
    if slash:
        digits = (numerator, denominator)
        if not all(part.isascii() and part.isdigit() for part in digits) or not int(denominator):
            return None
        return Fraction(int(numerator), int(denominator))
    value = Decimal(text) if PLAIN.fullmatch(text) is not None else None
    if value is None or (value and not MIN_ADJUSTED <= value.adjusted() <= MAX_ADJUSTED):
        return None  # (an exponent alone could make a Fraction of a million digits)
    return Fraction(value)


def decode(item: Any) -> Decoded:
    """An item of the snapshot's ``allowed`` (TypeError or ValueError naming what is wrong)."""
    shape = "[account, plan id, meter, period start_us, period end_us, used quantity]"
    if not isinstance(item, list) or len(item) != 6:
        raise TypeError(f"an allowance's use is {shape}, not {show(item)}")
    account, plan, meter, p0, p1, used = item
    if not isinstance(account, str) or not isinstance(meter, str):
        raise TypeError(f"an allowance's account and meter are strings, not {show(item)}")
    if not (type(plan) is str and plan) and not (type(plan) is int and plan >= 0):
        raise TypeError(
            "an allowance's plan is a plan's id (or, as snapshots wrote before, an index "
            f"of 0 or more), not {show(plan)}"
        )
    start, end = check_us(p0, "an allowance's period"), check_us(p1, "an allowance's period")
    value = _quantity(used)
    if value is None or value <= 0 or value >= _LIMIT:
        raise ValueError(
            # plain ASCII decimal text or an exact fraction, below 1E+30: what a snapshot writes
            "an allowance's used quantity is a decimal string above 0 (or an exact "
            f"fraction such as '7/3'), not {show(used)}"
        )
    return (account, plan, meter, start, end), value


def named(assigned: Plans, items: Iterable[Decoded]) -> Consumed | str:
    """The decoded items of a snapshot's ``allowed``, each naming its plan by its id.

    An index (what snapshots wrote before) names the one plan of its account with an
    allowance of that period on its meter (`_only_owner`), else one of the distinct plan
    objects of ``assigned`` (the plans restore is given) in the order the assignments
    first use them, as it was written (`_first_used`). A text naming what is wrong when
    an index lies past them. O(n k + a log a) for n items, a assignments, k an account's.
    """
    items = list(items)
    plans = _first_used(assigned) if items else []
    owners = _owners(assigned) if items else {}
    out: Consumed = {}
    for (account, plan, meter, p0, p1), used in items:
        if isinstance(plan, int):
            only = _only_owner(owners, account, meter, p0, p1)
            if only is not None:
                plan = only  # noqa: PLW2901 - the one plan the index can have named
            elif plan >= len(plans):
                return (
                    f"the use of {meter!r} by account {account!r} over the period from "
                    f"{format_us(p0)} to {format_us(p1)} names plan {plan}, and the plans "
                    f"are {len(plans)} (from 0)"
                )
            else:
                plan = plans[plan].id  # noqa: PLW2901 - the index read as the id it named
        out[account, plan, meter, p0, p1] = used
    return out


def _owners(assigned: Plans) -> dict[str, list[tuple[int, int, Plan]]]:
    """Per account, its assignments' spans and plans with an allowance of its own cycle."""
    out: dict[str, list[tuple[int, int, Plan]]] = {}
    if isinstance(assigned, Plan):
        return out  # one plan: an index names it or lies past it, as written
    for item in assigned:
        if any(allowance.cycle is not None for allowance in item.plan.allowances):
            lo = MIN_US if item.start_us is None else item.start_us
            hi = MAX_US if item.end_us is None else item.end_us
            out.setdefault(item.account, []).append((lo, hi, item.plan))
    return out


def _only_owner(
    owners: dict[str, list[tuple[int, int, Plan]]], account: str, meter: str, p0: int, p1: int
) -> str | None:
    """The id of the one plan an index of ``account``'s use over ``[p0, p1)`` can name.

    A snapshot wrote a use under a plan the account held in the period, with an
    allowance of its own cycle on ``meter``: when the account's assignments (``owners``,
    by `_owners`) hold one such plan id there, that is the plan, whatever order restore
    is given the assignments in. None when they hold several (or none): the index is
    read as written. O(k) for the account's k assignments.
    """
    ids = {
        plan.id
        for lo, hi, plan in owners.get(account, ())
        if lo < p1
        and p0 < hi
        and any(a.meter == meter and a.cycle is not None for a in plan.allowances)
    }
    return ids.pop() if len(ids) == 1 else None


def _first_used(assigned: Plans) -> list[Plan]:
    """The distinct plan objects of ``assigned`` as snapshots before named them by index.

    Per account in the order the assignments first name it, its assignments by start and
    end, each plan object once, equal ones apart (as rating then held them). O(a log a).
    """
    if isinstance(assigned, Plan):
        return [assigned]
    by_account: dict[str, list[tuple[int, int, Plan]]] = {}
    for item in assigned:
        lo = MIN_US if item.start_us is None else item.start_us
        hi = MAX_US if item.end_us is None else item.end_us
        by_account.setdefault(item.account, []).append((lo, hi, item.plan))
    seen: dict[int, Plan] = {}
    for items in by_account.values():
        for _, _, plan in sorted(items, key=lambda item: (item[0], item[1])):
            seen.setdefault(id(plan), plan)
    return list(seen.values())


def misplaced(
    plans: Sequence[Plan], carried: Mapping[tuple[str, str, str, int, int], Fraction], base_us: int
) -> str | None:
    """Why an item of ``carried`` is not the period over ``base_us`` of an own allowance.

    None when each item is the period, containing ``base_us`` and starting before it, of
    an own-cycle allowance of its plan (one of ``plans``, by id) on its meter. O(n a) for
    n items, a allowances.
    """
    by_id = {plan.id: plan for plan in plans}
    for account, plan_id, meter, p0, p1 in carried:
        where = (
            f"the use of {meter!r} by account {account!r} over the period from "
            f"{format_us(p0)} to {format_us(p1)}"
        )
        if plan_id not in by_id:
            held = ", ".join(map(repr, sorted(by_id)))
            return f"{where} names plan {plan_id!r}, which is not one of the rater's plans ({held})"
        periods = {
            allowance.cycle.containing_us(base_us)
            for allowance in by_id[plan_id].allowances
            if allowance.cycle is not None and allowance.meter == meter
        }
        if (p0, p1) not in periods or not p0 < base_us:
            return (
                f"{where} is not the period, running over base_us, of an allowance with its "
                "own cycle of that plan on that meter"
            )
    return None
