"""The restore door for the lines a rater reported: each one a line the rater could give.

Private to [`ratekit.Rater`][ratekit.Rater]. A snapshot keeps, per invoice line of the kept
cycles, the quantity and amount the statements reported; the next statement compares the
lines it rates with them and gives the difference as a line. A reported line altered by
hand (a ``None`` kind, a kind ``"E"``, a cycle that is no cycle of the plans, a quantity
beyond the range of results) would make the next statement fail with a foreign error, or
give lines the public [`StatementLine`][ratekit.StatementLine] refuses. `check()` runs on
the decoded values, whatever the snapshot's encoding, and refuses such a line with
[`BadSnapshotError`][ratekit.BadSnapshotError] naming it and the field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._instants import format_us
from ._shown import show
from .errors import BadSnapshotError, RatekitError
from .pricebook import Plan
from .spans import Span
from .statements import StatementLine

if TYPE_CHECKING:
    from .rater import Rater

__all__ = ["check"]


def _refuse(index: int, key: tuple[object, ...], problem: str) -> BadSnapshotError:
    return BadSnapshotError(
        f"Rater snapshot body.reported[{index}] (account {show(key[0])}, kind "
        f"{show(key[3])}, plan {show(key[4])}) {problem}; a reported line is one the rater "
        "could give: restore an unaltered copy."
    )


def check(rater: Rater) -> None:
    """Refuse a reported line the rater could not have given. O(n) for n lines.

    Each line must pass the public [`StatementLine`][ratekit.StatementLine] constructor
    (kind one of ``"usage"``, ``"fee"``, ``"minimum"``; account, plan, unit and currency
    non-empty strings; meter, entry and resource such strings or ``None``; quantity and
    amount finite numbers in the range of results), its cycle must be a cycle of the
    rater's plans, and its plan one of its account's plans.
    """
    engine = rater._engine
    plans = engine.plans
    segments = engine.segments
    for index, (key, (quantity, amount)) in enumerate(rater._reported.items()):
        account, start, end, kind, plan, meter, entry, resource, unit, currency = key
        try:
            StatementLine(
                account,
                Span.from_us(start, end),
                kind,
                plan,
                meter,
                entry,
                resource,
                unit,
                currency,
                quantity,
                amount,
            )
        except RatekitError as error:
            raise _refuse(index, key, f"is no line: {str(error).rstrip('.')}") from None
        try:
            cycle = engine.containing(start)
        except RatekitError:
            cycle = None
        if cycle != (start, end):
            raise _refuse(
                index,
                key,
                f"has the cycle {format_us(start)}..{format_us(end)}, which is no cycle of "
                "the rater's plans",
            )
        if isinstance(plans, Plan):
            ids = {plans.id}
        else:
            ids = {p.id for _, _, p in (segments or {}).get(account, ())}
        if plan not in ids:
            named = ", ".join(map(show, sorted(ids))) or "none"
            raise _refuse(
                index,
                key,
                f"names plan {show(plan)}, which is not a plan of its account ({named})",
            )
