"""The rater's doors that read its assignments: currencies per cycle, records in a gap.

Private to [`ratekit.Rater`][ratekit.Rater]. A rater's assignments change only from its last
watermark on (`Rater.assign()`, checked by `currencies()` again), so two things the assignments make impossible are refused at the door rather than at
every later statement:

- `currencies()`, at construction: an account whose plans bill two currencies within one
  billing cycle (a change of currency mid-cycle, or across a gap inside a cycle). The
  invoice closing that cycle would mix them, as [`bill()`][ratekit.bill] refuses
  ([`CurrencyMismatchError`][ratekit.CurrencyMismatchError]), and a rater whose every
  statement closing it fails has no way out. A currency changes at a cycle boundary.
- `covered()`, at the feed: a record that makes usage where its account has no plan (in
  a gap between two of its assignments, before the first or after the last), which the
  rater could never charge (batch [`rate()`][ratekit.rate] reports such usage as an
  ``"unpriced"`` anomaly): [`UnpricedUsageError`][ratekit.UnpricedUsageError]. A
  ``stop`` or ``delete`` event ends usage and is taken anywhere (the time a resource
  runs on into a gap is not charged, an ``"unpriced"`` anomaly of rating), and so is a
  level of 0 read by a mean over the period (it holds nothing from there on), and an
  inventory: a reconciler's listing names every account's resources, and what it opens
  or keeps running in a gap is that same ``"unpriced"`` anomaly, as in batch.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Container, Mapping, Sequence
from typing import TYPE_CHECKING

from ._decimals import CONTEXT
from ._instants import format_us, format_when
from ._metering_time import running
from ._shown import show
from ._zones import from_zone
from .errors import BadTimeError, CurrencyMismatchError, UnpricedUsageError
from .records import Event, Sample

if TYPE_CHECKING:
    from decimal import Decimal

    from .policies import Meter
    from .pricebook import Plan
    from .rater import Record

__all__ = ["covered", "currencies", "pieces", "running_within"]

Segments = Mapping[str, Sequence[tuple[int, int, "Plan"]]]


def currencies(segments: Segments, containing: Callable[[int], tuple[int, int]]) -> None:
    """Refuse an account whose plans bill two currencies within one billing cycle.

    ``segments``: per account, its assignments as sorted, non-overlapping ``(start_us,
    end_us, plan)``; ``containing``: the rater's cycle look-up. Two assignments that
    follow one another (with or without a gap) in different currencies must meet at a
    cycle boundary: the cycle holding the last instant of the first ends at or before the
    start of the second. Raises [`CurrencyMismatchError`][ratekit.CurrencyMismatchError]
    naming the account, both plans and currencies and the cycle. A boundary in no cycle
    ratekit computes is never closed, and is not looked at. O(a) cycle look-ups for a
    assignments.
    """
    for account, items in segments.items():
        for (a_lo, a_hi, a_plan), (b_lo, b_hi, b_plan) in itertools.pairwise(items):
            if a_plan.currency == b_plan.currency:
                continue
            try:
                start, end = containing(a_hi - 1)
            except BadTimeError as error:
                if from_zone(error):
                    raise
                continue
            if end <= b_lo:
                continue
            raise CurrencyMismatchError(
                f"Rater plans: account {show(account)} is assigned plan {show(a_plan.id)} "
                f"({a_plan.currency}) {format_when(a_lo, a_hi)} and plan {show(b_plan.id)} "
                f"({b_plan.currency}) {format_when(b_lo, b_hi)}, both within the cycle "
                f"{format_us(start)}..{format_us(end)}: its invoice for that cycle would mix "
                f"{a_plan.currency} and {b_plan.currency}, so every statement closing the cycle "
                "would fail. Change an account's currency at a cycle boundary (here "
                f"{format_us(start)} or {format_us(end)}), or give its plans one currency."
            )


def _plan_at(items: Sequence[tuple[int, int, Plan]], t_us: int) -> bool:
    """Whether an assignment of ``items`` holds ``t_us``. O(log a)."""
    index = bisect.bisect_right(items, t_us, key=lambda item: item[1])
    return index < len(items) and items[index][0] <= t_us


def _covers(items: Sequence[tuple[int, int, Plan]], lo: int, hi: int) -> int | None:
    """The first instant of ``[lo, hi)`` (``lo`` when empty) that no assignment holds."""
    t_us = lo
    while True:
        index = bisect.bisect_right(items, t_us, key=lambda item: item[1])
        if index >= len(items) or items[index][0] > t_us:
            return t_us
        t_us = items[index][1]
        if t_us >= hi:
            return None


def _gap(items: Sequence[tuple[int, int, Plan]], lo: int, hi: int) -> int | None:
    """The first instant of ``[lo, hi)`` no assignment holds (``lo`` itself when empty)."""
    return _covers(items, lo, hi) if lo < hi else (None if _plan_at(items, lo) else lo)


def covered(
    record: Record, segments: Segments, held: Container[str] = (), base_us: int | None = None
) -> None:
    """Refuse ``record`` when it makes usage where its account has no plan. O(log a).

    An event other than ``stop`` or ``delete`` at its instant; a sample at its instant
    (a delta over a span: over all of ``[since, at)``), but a level of 0 read by a mean
    over the period (a meter of ``held``: from it on, the mean holds nothing, as a stop
    ends a run: a leaving customer's last reading); never an inventory (see the
    module). What lies before ``base_us`` (the rater's kept cycles' start) is too late,
    never charged: a record stamped before it where its account has no plan is looked
    at again from it on (a START there runs from it, a level a mean reads there holds
    from it), and a delta or reading stamped before it makes no usage after it. (One
    stamped where the account has a plan is taken, as a resource started before a gap
    and running into it is.) Raises [`UnpricedUsageError`][ratekit.UnpricedUsageError]
    naming the record, the account, the instant and the account's assignments. Only
    accounts some assignment names are looked at (the others are refused before).
    """
    if isinstance(record, Event):
        if record.kind in ("stop", "delete"):
            return
        lo = hi = record.at_us
    elif isinstance(record, Sample):
        if not record.value and record.since_us is None and record.meter in held:
            return
        since = record.since_us
        lo, hi = (record.at_us if since is None or since >= record.at_us else since), record.at_us
    else:
        return  # an inventory reconciles: what it opens in a gap is "unpriced", as in batch
    account = record.account
    items = segments.get(account)
    if items is None:
        return
    gap = _gap(items, lo, hi)
    if gap is not None and base_us is not None and lo < base_us:
        # too late whole (a delta or reading: not applied), else looked at from base_us
        whole = hi < base_us and type(record) is Sample and record.meter not in held
        gap = None if whole else _gap(items, base_us, max(hi, base_us))
    if gap is None:
        return
    name = type(record).__name__.lower()
    label = name if record.id is None else f"{name} {show(record.id)}"
    plans = ", ".join(f"{show(plan.id)} {format_when(a, b)}" for a, b, plan in items)
    raise UnpricedUsageError(
        f"Rater.feed: {label} stamped {format_us(record.at_us)} makes usage of account "
        f"{show(account)} at {format_us(gap)}, where the account has no plan assigned "
        f"(its assignments: {plans}), so the rater could never charge it; the "
        "batch is refused whole. Feed usage only where its account has a plan (a stop "
        "or a delete is taken anywhere), or assign it one first with Rater.assign()."
    )


def pieces(segments: Segments | None, account: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """The parts of ``[lo, hi)`` where ``account`` has a plan: all of it without assignments.

    Assignments that meet make one part. Usage outside them was charged by no one (an
    ``"unpriced"`` anomaly of rating): a part of it named too late is named within them.
    O(a) for a assignments.
    """
    items = None if segments is None else segments.get(account)
    if items is None:
        return [(lo, hi)]
    out: list[tuple[int, int]] = []
    for start, end, _ in items:  # sorted, not overlapping
        if start < hi and end > lo:
            if out and out[-1][1] == start:
                start = out.pop()[0]  # noqa: PLW2901 - joined to the part before
            out.append((max(start, lo), min(end, hi)))
    return out


def running_within(
    item: Meter,
    description: Mapping[str, object],
    span: tuple[int, int],
    segments: Segments | None,
    account: str,
) -> Decimal | None:
    """`running()` over the parts of ``span`` where ``account`` has a plan (see `pieces()`)."""
    total = None
    for lo, hi in pieces(segments, account, *span):
        part = running(item, description, lo, hi)
        if part is None:
            return None  # no level: no row, whatever the part
        total = part if total is None else CONTEXT.add(total, part)
    return total
