"""What compacted cycles consumed of allowances with their own period (a year's hours).

Private to [`ratekit.Rater`][ratekit.Rater]. An [`Allowance`][ratekit.Allowance] with its own
cycle offers its quantity per period of that cycle, which may hold many billing cycles:
[`rate()`][ratekit.rate] meters the usage before the span and lets it take from the pools
first, as rating it would (an allowance defined before it on the meter takes first). The
rater keeps rows of its kept cycles only, so at each compaction it carries what the
compacted cycles consumed: per account, plan (its index among the plans), meter and
period that contains the new base, what that plan's allowances of that period gave
before the base. The rating of the kept cycles starts from it. O(r log r) for r
compacted rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ._decimals import CONTEXT, MAX_ADJUSTED, PLAIN
from ._dues import _exact
from ._instants import MIN_US, check_us, format_us
from ._rating_engine import _Engine as _RatingEngine
from ._shown import show
from .assignments import Assignment
from .pricebook import Plan
from .spans import Span
from .usage import UsageRow

__all__ = ["Consumed", "consumed", "decode", "encode", "misplaced", "seeded"]

#: (account, plan index, meter, period start, period end) -> quantity consumed before base.
Consumed = dict[tuple[str, int, str, int, int], Decimal]

Plans = Plan | Sequence[Assignment]


def consumed(
    plans: Plans, carried: Consumed, rows: Iterable[UsageRow], new_base_us: int
) -> Consumed:
    """What usage before ``new_base_us`` consumed of own-period allowances running on.

    ``carried``: the same at the old base; ``rows``: the rows rated from the old base on
    (only their parts before ``new_base_us`` count). They take from the allowances as
    rating does (time order, then the plan's order: an earlier allowance on the meter,
    the billing cycle's too, takes first). Kept: per account, plan, meter and period that
    contains ``new_base_us`` (and starts before it), what its allowances of that period
    gave, exact (rounded at the 60th digit only if it does not terminate; up, for a
    pool used up).
    """
    engine = _RatingEngine(plans, Span.from_us(new_base_us, new_base_us))
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
        used = offered = Fraction(0)
        for i, allowance in enumerate(plan.allowances):
            own = allowance.cycle
            if allowance.meter != meter or own is None or own.containing_us(period[0]) != period:
                continue
            offer = engine.offered(account, plan, allowance, period, (MIN_US, new_base_us))
            left = engine.left.get((account, plan_id, i, period))
            if left is None:
                left = engine.pool(account, plan, i, period, (MIN_US, new_base_us))
            used += offer - left
            offered += offer
        if used > 0:
            out[account, index[plan_id], meter, period[0], period[1]] = _decimal(
                used, up=used == offered
            )
    return out


def _decimal(value: Fraction, *, up: bool) -> Decimal:
    """``value`` as a Decimal: exact if it terminates in 60 digits, else rounded (up if asked)."""
    out = _exact(value)
    if up and Fraction(out) < value:
        out = out.next_plus(CONTEXT)
    return out


def seeded(
    plans: Sequence[Plan], carried: Consumed
) -> dict[tuple[str, int, str, tuple[int, int]], Fraction]:
    """``carried`` as the rating engine keys it (by the plan's id).

    All of it: a period over the base that ends before the span rated still tells what
    its allowance left to the allowances after it for the usage between.
    """
    return {
        (account, id(plans[index]), meter, (p0, p1)): Fraction(used)
        for (account, index, meter, p0, p1), used in carried.items()
    }


def encode(carried: Consumed) -> list[list[object]]:
    """The snapshot's ``allowed``: ``[account, plan, meter, start_us, end_us, "used"]``."""
    return [[*key, str(used)] for key, used in sorted(carried.items())]


def decode(item: Any) -> tuple[tuple[str, int, str, int, int], Decimal]:
    """An item of the snapshot's ``allowed`` (TypeError or ValueError naming what is wrong)."""
    shape = "[account, plan index, meter, period start_us, period end_us, used quantity]"
    if not isinstance(item, list) or len(item) != 6:
        raise TypeError(f"an allowance's use is {shape}, not {show(item)}")
    account, index, meter, p0, p1, used = item
    if not isinstance(account, str) or not isinstance(meter, str):
        raise TypeError(f"an allowance's account and meter are strings, not {show(item)}")
    if type(index) is not int or index < 0:
        raise TypeError(f"an allowance's plan index is an integer of 0 or more, not {show(index)}")
    start, end = check_us(p0, "an allowance's period"), check_us(p1, "an allowance's period")
    plain = isinstance(used, str) and len(used) <= 1000 and PLAIN.fullmatch(used) is not None
    value = Decimal(used) if plain and isinstance(used, str) else None
    if value is None or value <= 0 or value.adjusted() > MAX_ADJUSTED:
        raise ValueError(
            # plain ASCII decimal text, below 1E+30: what a snapshot writes
            f"an allowance's used quantity is a decimal string above 0, not {show(used)}"
        )
    return (account, index, meter, start, end), value


def misplaced(
    plans: Sequence[Plan], carried: Mapping[tuple[str, int, str, int, int], Decimal], base_us: int
) -> str | None:
    """Why an item of ``carried`` is not the period over ``base_us`` of an own allowance.

    None when each item is the period, containing ``base_us`` and starting before it, of
    an own-cycle allowance of its plan on its meter. O(n a) for n items, a allowances.
    """
    for account, index, meter, p0, p1 in carried:
        where = (
            f"the use of {meter!r} by account {account!r} over the period from "
            f"{format_us(p0)} to {format_us(p1)}"
        )
        if index >= len(plans):
            return f"{where} names plan {index}, and the plans are {len(plans)} (from 0)"
        periods = {
            allowance.cycle.containing_us(base_us)
            for allowance in plans[index].allowances
            if allowance.cycle is not None and allowance.meter == meter
        }
        if (p0, p1) not in periods or not p0 < base_us:
            return (
                f"{where} is not the period, running over base_us, of an allowance with its "
                "own cycle of that plan on that meter"
            )
    return None
