"""One resource's records over two weeks of daily cycles, for the feed's door on unpriced usage.

Shared by the door's tests (`test_rater_priced_order.py`, `test_rater_priced_doors_quick.py`)
and the statements' withheld usage (`test_rater_priced_ahead.py`): a VM ``v`` of account
``a`` (hours of `VM`, egress bytes of `EGRESS`) from Monday 2 March 2026 in UTC, its
records placed by the hour, and batch `rk.rate()` over the two weeks as their oracle.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import ratekit as rk
from ratekit._decimals import exact_sum

DAILY = rk.cycles.daily(tz="UTC")
VM = rk.Meter("vm", "hour", rk.OnOff())
EGRESS = rk.Meter("eg", "B", rk.Discrete())
METERS = [VM, EGRESS]
MONDAY = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
TWO_WEEKS = rk.Span(MONDAY, MONDAY + dt.timedelta(days=14))
SMALL = {"flavor": "small"}
BIG = {"flavor": "big"}
SA = {"flavor": "small", "zone": "a"}


def at(hours: float) -> dt.datetime:
    """``hours`` after Monday 00:00 UTC."""
    return MONDAY + dt.timedelta(hours=hours)


def event(  # noqa: PLR0917 - a record's fields, as rk.Event takes them
    hours: float,
    attributes: dict[str, object] | None,
    name: str,
    kind: str = "start",
    seq: int | None = None,
    resource: str = "v",
) -> rk.Event:
    return rk.Event("a", resource, at(hours), attributes, kind=kind, id=name, seq=seq)  # type: ignore[arg-type]


def sample(hours: float, value: int, name: str, resource: str = "v") -> rk.Sample:
    return rk.Sample("a", resource, "eg", at(hours), value, id=name)


def total(rater: rk.Rater, hours: float) -> Decimal:
    """What the statement at ``hours`` adds (its lines, summed): billed since the last one."""
    return exact_sum(line.amount for line in rater.statement(at(hours)).lines)


def rated(records: list[Any], plan: rk.Plan) -> rk.Rating:
    """Batch `rk.rate()` of ``records`` over the two weeks."""
    return rk.rate(records, plan, span=TWO_WEEKS, meters=METERS)


def batch_refuses(records: list[Any], plan: rk.Plan) -> bool:
    """Whether batch `rk.rate()` of ``records`` refuses them as unpriced usage."""
    try:
        rated(records, plan)
    except rk.UnpricedUsageError:
        return True
    return False


def described(records: list[Any], plan: rk.Plan) -> list[Any]:
    """``records`` but the samples the rater keeps awaiting a description.

    Those of a resource no event or listing of ``records`` names (known by samples alone),
    of a meter some entry of ``plan`` prices by attributes: the rater neither refuses nor
    charges their usage that nothing describes (an ``"unpriced"`` anomaly) until a
    description is fed, so the door's oracle leaves them out.
    """
    named = {(r.account, r.resource) for r in records if isinstance(r, rk.Event)}
    for record in records:
        if isinstance(record, rk.Inventory):
            named.update((account, resource) for account, resource, _ in record.resources)
    by_where = {e.meter for e in plan.entries if e.where}
    return [
        r
        for r in records
        if not (
            isinstance(r, rk.Sample)
            and (r.account, r.resource) not in named
            and r.meter in by_where
        )
    ]
