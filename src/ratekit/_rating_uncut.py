"""Where rating may not split a usage row by time: a sum of samples at a cut it was not metered with.

A row of a meter whose quantity is a sum of samples (a delta's, a counter's, a count's)
does not spread in proportion to time: 10 GB used on the 20th are 10 GB at the 20th's
price, and in the 20th's cycle. Rows metered beforehand whose meters are known are
therefore never split at a price cut or an assignment boundary where the price or the
plan changes, nor where a cycle or an allowance's own period starts; rating raises
[`UncutUsageError`][ratekit.UncutUsageError] instead, naming the row, the instant and the
way out.
"""

from __future__ import annotations

import typing
from decimal import Decimal

from ._allowances import own_cycles
from ._instants import format_us
from ._regimes import _Regimes
from .errors import UncutUsageError
from .pricebook import Plan, PriceEntry
from .usage import UsageRow


def check_plan_cuts(
    row: UsageRow, segments: list[tuple[int, int, Plan]], cut_list: list[int]
) -> None:
    """Refuse to split a sum-of-samples ``row`` where its account's plan changes."""
    for t in cut_list:
        was, now = _plan_at(segments, t - 1), _plan_at(segments, t)
        if was is not now:
            refuse_split(
                row,
                t,
                f"an assignment boundary ({_plan_name(was)} before, {_plan_name(now)} from then)",
                f"cuts={{{row.meter!r}: [...]}} holding that instant",
            )


def check_price_cuts(
    row: UsageRow,
    plan: Plan,
    regimes: _Regimes,
    pieces: list[tuple[int, int, Decimal]],
) -> None:
    """Refuse to split a sum-of-samples ``row`` where its price, cycle or allowance changes.

    ``pieces``: the row cut at every instant an entry of ``plan`` may change, a cycle of
    ``plan`` or an allowance's own period starts. A cut where neither the row's entry nor
    its cycle or period changes (another description's entry) is harmless.
    """
    start, end = pieces[0][0], pieces[-1][1]
    cycles = set(plan.cycle.boundaries_us(start, end))
    periods = {t for own in own_cycles(plan, row.meter) for t in own.boundaries_us(start, end)}
    entries = [regimes.winner(piece[0], row.description) for piece in pieces]
    for (t, _, _), was, now in zip(pieces[1:], entries[:-1], entries[1:], strict=True):
        if was is not now:
            refuse_split(
                row,
                t,
                f"a price cut of plan {plan.id!r} ({_entry_name(was)} before, "
                f"{_entry_name(now)} from then)",
            )
    # The same entry on both sides: where a cycle of the plan or the period of an
    # allowance of its own starts, each part would take from its own cycle or period.
    for t, _, _ in pieces[1:]:
        if t in cycles or t in periods:
            what = "a cycle" if t in cycles else "an allowance's own period"
            refuse_split(
                row,
                t,
                f"the start of {what} of plan {plan.id!r}",
                "cycle=plan.cycle, cuts=plan.cuts(span)",
            )


def refuse_split(
    row: UsageRow, at_us: int, what: str, cuts: str = "cuts=plan.cuts(span)"
) -> typing.NoReturn:
    """Refuse to split ``row`` at ``at_us`` in proportion to time: its meter sums samples."""
    raise UncutUsageError(
        f"rate: the usage row of meter {row.meter!r} for account {row.account!r} "
        f"(resource {row.resource!r}, {row.quantity} {row.unit} over "
        f"{format_us(row.span.start_us)}..{format_us(row.span.end_us)}) spans {what} at "
        f"{format_us(at_us)}, which it was not metered with; its quantity is a sum of "
        f"samples, not spread in proportion to time, so it cannot be split there. Meter "
        f"with rk.meter(..., {cuts}), or give rate() the records with meters=[...]."
    )


def _plan_at(segments: list[tuple[int, int, Plan]], t_us: int) -> Plan | None:
    """The plan of the assignment segment holding ``t_us``, or ``None`` (a gap)."""
    return next((plan for a, b, plan in segments if a <= t_us < b), None)


def _plan_name(plan: Plan | None) -> str:
    return "no plan" if plan is None else f"plan {plan.id!r}"


def _entry_name(entry: PriceEntry | None) -> str:
    return "no entry" if entry is None else f"entry {entry.id!r}"
