"""Whether a plan prices a description at every instant: the verdicts of the unpriced door.

Private to `ratekit._rater_priced_doors`, which judges most batches without metering on
these verdicts. A plan *always prices* a meter when entries selecting every description
(``where={}``, no window) are in effect at every instant between them; it *covers* a
description for a meter when the entries selecting it (no window) are. An event's
attributes *settle* the meter's selectors when they hold each selector's attribute (a
plain name or a dotted key as it is) with a value other than ``None``: whatever
description they merge into, the entries that select the result are those that select
them. Two entries of one priority that both select a description, a tie a plan cannot
see when built where a selector is a [`Satisfies`][ratekit.Satisfies] function, make a
description no verdict passes (rating raises there).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Final

from ._hash_keys import typed_key
from ._paths import MISSING, lookup
from ._price_entries import meeting
from ._windows_recurring import DailyWindow, WeeklyWindow
from ._zones import zone_name
from .pricebook import Plan
from .selectors import Satisfies

if TYPE_CHECKING:
    from ._price_entries import PriceEntry
    from .rater import Rater

__all__ = ["Strict", "judged", "strict_meters", "window_reach"]

#: Per meter, the plans whose ``unpriced`` is ``"error"`` and that do not always price it
#: (by id), each with the attribute paths its entries of the meter select on.
Strict = dict[str, dict[int, tuple[str, ...]]]

_JUDGED_MOST: Final = 4096  # verdicts remembered, at most
_DAY_US: Final = 86_400_000_000
#: How far a window of an entry is looked at past the last price change: a week and a
#: day for a daily or weekly window in UTC (its pattern repeats each week), a year and a
#: week for any other (a timezone's offsets repeat each year; a cron window's days of
#: the month and of the week meet again within one).
_WEEK_REACH_US: Final = 8 * _DAY_US
_YEAR_REACH_US: Final = (366 + 7) * _DAY_US
_UTC_NAMES: Final = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Z", "Etc/Zulu", "Zulu"})


def strict_meters(plans: Sequence[Plan], meters: Sequence[str]) -> Strict:
    """Per meter of ``meters``, the ids of ``plans`` that may refuse some of its usage.

    Those whose ``unpriced`` is ``"error"`` and that do not always price the meter (see
    the module), and those of any ``unpriced`` where two entries of one priority may both
    select a description, or a selector's function may raise. Empty when every such plan always prices every meter. O(p e log e)
    for p plans of e entries.
    """
    strict: Strict = {}
    for plan in plans:
        for meter in meters:
            entries = plan._by_meter.get(meter, ())
            refusing = plan.unpriced == "error" and not _covering(
                [e for e in entries if not e.where]
            )
            if refusing or _undecided(entries) or _asking(entries):
                paths = tuple(sorted({path for e in entries for path, _ in e.where}))
                strict.setdefault(meter, {})[id(plan)] = paths
    return strict


def _undecided(entries: Sequence[PriceEntry]) -> bool:
    """Whether two of ``entries`` of one priority may both select a description.

    A plan refuses such a pair when it is built, unless a selector holds a
    [`Satisfies`][ratekit.Satisfies] (a function, which no reading of the selectors
    decides): rating then refuses usage both select, whatever the plan's ``unpriced``.
    So: a priority that two entries or more share, one of them holding a Satisfies.
    O(e) for e entries.
    """
    shared: dict[int, int] = {}  # per priority, how many entries have it
    holding: set[int] = set()  # the priorities of an entry holding a Satisfies
    for entry in entries:
        shared[entry.priority] = shared.get(entry.priority, 0) + 1
        if any(isinstance(condition, Satisfies) for _, condition in entry.where):
            holding.add(entry.priority)
    return any(shared[priority] > 1 for priority in holding)


def _asking(entries: Sequence[PriceEntry]) -> bool:
    """Whether a selector of ``entries`` holds a [`Satisfies`][ratekit.Satisfies].

    Its function may raise on a value (a region given as the int 7 to a test of a string's
    start), and rating then refuses the usage with
    [`BadPriceError`][ratekit.BadPriceError], whatever the plan's ``unpriced``: the
    usage is judged at the feed. O(e) for e entries.
    """
    return any(
        isinstance(condition, Satisfies) for entry in entries for _, condition in entry.where
    )


def window_reach(plans: Sequence[Plan], strict: Strict) -> int:
    """How far past the last price change a lookahead must reach to see every window's gap.

    0 when no entry of a meter in ``strict`` of a plan that may refuse it has a window
    (the prices then change only at entries' starts and ends); else how long the
    windows' pattern takes to repeat (`_WEEK_REACH_US`, `_YEAR_REACH_US`): a resource
    running on under a window no other entry fills is unpriced somewhere in that much
    time, or never. O(p e) for p plans of e entries.
    """
    reach = 0
    for meter, refusing in strict.items():
        for plan in plans:
            if id(plan) not in refusing:
                continue
            for entry in plan._by_meter.get(meter, ()):
                window = entry.window
                if window is None:
                    continue
                fixed = isinstance(window, DailyWindow | WeeklyWindow) and (
                    isinstance(window.tz, _dt.timezone) or zone_name(window.tz) in _UTC_NAMES
                )
                reach = max(reach, _WEEK_REACH_US if fixed else _YEAR_REACH_US)
    return reach


def _covering(entries: Sequence[PriceEntry]) -> bool:
    """Whether ``entries`` without a window are, together, in effect at every instant."""
    spans = sorted(
        (e.start_us if e.start_us is not None else -1, e.end_us)
        for e in entries
        if e.window is None
    )
    reached = -1  # (every instant ratekit carries is at or after 0001-01-01: above -1)
    for start, end in spans:
        if start > reached:
            return False
        if end is None:
            return True
        reached = max(reached, end)
    return False


def _settled(where: tuple[tuple[str, object], ...], attributes: Mapping[str, object]) -> bool:
    """Whether ``attributes`` decide each condition of ``where`` whatever they merge into."""
    return all(attributes.get(path, None) is not None for path, _ in where)


def judged(
    rater: Rater, plan: Plan, meter: str, attributes: Mapping[str, object], whole: bool
) -> bool:
    """Whether ``plan`` prices ``meter`` for a resource so described, at every instant.

    ``attributes``: an event's (``whole`` false: they must settle every selector of the
    meter's entries) or a whole description (a compacted state's). Judged once per plan,
    meter and the values its entries' selectors read, the only thing the verdict depends
    on, each known by its type and its repr (`ratekit._hash_keys.typed_key`): Python counts ``True == 1``
    and ``Decimal("1.0") == 1``, a selector (``_same()``, a ``Satisfies`` function) need
    not. A selector's own error (a ``Satisfies`` function's) judges no: metering and
    rating then say it. O(s) for the s selector paths once judged, O(e) for the meter's e
    entries the first time.
    """
    judged = rater._engine.judged
    read = lookup if whole else _flat
    plan_id = id(plan)
    key = (
        plan_id,
        meter,
        whole,
        *[typed_key(read(attributes, p)) for p in rater._engine.strict[meter][plan_id]],
    )
    known = judged.get(key)
    if known is None:
        known = _verdict(plan, meter, attributes, whole)
        if len(judged) >= _JUDGED_MOST:
            judged.clear()
        judged[key] = known
    return known


def _verdict(plan: Plan, meter: str, attributes: Mapping[str, object], whole: bool) -> bool:
    """`_judged()`'s verdict, worked out. O(e log e) for the meter's e entries."""
    entries = plan._by_meter.get(meter, ())
    try:
        if not whole and not all(_settled(e.where, attributes) for e in entries):
            return False
        selecting = [e for e in entries if e._selects(attributes)]
        if _tied(selecting):
            return False
        return plan.unpriced != "error" or _covering(selecting)
    except Exception:  # a selector's own failure: metering names it
        return False


def _tied(selecting: Sequence[PriceEntry]) -> bool:
    """Whether two entries of one priority that select a description may both apply.

    Their spans meet (`_price_entries.meeting()`, the sweep a plan's ties are checked
    by), or one of a priority two share has a window (then metering and rating decide).
    O(e log e + k) for k pairs whose spans meet.
    """
    shared: dict[int, int] = {}
    for entry in selecting:
        shared[entry.priority] = shared.get(entry.priority, 0) + 1
    if any(entry.window is not None and shared[entry.priority] > 1 for entry in selecting):
        return True
    return bool(meeting(selecting))


def _flat(attributes: Mapping[str, object], path: str) -> object:
    """An event's own value of ``path``, a key as it is (``MISSING`` when absent)."""
    return attributes.get(path, MISSING)
