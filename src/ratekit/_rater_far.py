"""Deltas over long spans stamped ahead: compaction waits for their last weeks alone.

Private to [`ratekit.Rater`][ratekit.Rater]. A delta over a span waits, pending, until
the watermark reaches its instant, and the cycles its span reaches stay kept until then
(`_rater_held.held()`), so that metering it corrects them. One stamped far ahead with its
``since`` at the rater's start (a producer's clock years off) kept every cycle from there
on, and the snapshot grew with each day's records until the watermark reached it. So a
pending delta of a `Discrete` meter holds the cycles from its ``since`` or from
`MAX_AHEAD` plus the horizon before its instant, whichever is later (`reach_us()`): as
the watermark lies before its instant, the cycles kept for it lie within `MAX_AHEAD`
plus the horizon before the watermark. Each compaction that passes part of its span
says that part, as metering counts it, in a ``"too_late"`` anomaly of its statement
(`given_up()`); once metered, its rest counts in the kept cycles, as for a delta fed with
its ``since`` in compacted cycles.
"""

from __future__ import annotations

import datetime as _dt
import typing
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from ._decimals import CONTEXT, exact_sum, tidy
from ._delta_policies import Discrete
from ._instants import format_us
from ._rater_early import too_late_reading
from .records import Anomaly, Sample

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["MAX_AHEAD", "deltas", "given_up", "kept_from", "reach_us"]

#: How long before its instant, beyond the rater's horizon, a delta stamped ahead of the
#: watermark keeps the cycles its span reaches uncompacted until it is metered.
MAX_AHEAD: Final = _dt.timedelta(days=31)
_MAX_AHEAD_US: Final = MAX_AHEAD // _dt.timedelta(microseconds=1)


def _summed(rater: Rater, meter: str) -> bool:
    """Whether ``meter`` spreads a delta over its span (a `Discrete` one). O(m)."""
    return any(m.name == meter and type(m.policy) is Discrete for m in rater._engine.meters)


def kept_from(rater: Rater, at_us: int) -> int:
    """`MAX_AHEAD` plus the horizon before ``at_us``: no record fed ahead keeps more. O(1).

    A delta over a span (`reach_us()`) and a ``last_seen`` inventory not metered yet
    (`_rater_held.held()`: a closing before that is said too late once it is metered,
    as for a resource whose last sign of life was compacted).
    """
    return at_us - _MAX_AHEAD_US - rater._horizon_us


def reach_us(rater: Rater, sample: Sample) -> int:
    """How far back a pending ``sample`` over a span keeps the cycles. O(1), O(m) for a long span.

    Its ``since``, or `MAX_AHEAD` plus the horizon before its instant if later, for a
    delta of a `Discrete` meter (an aggregation reads it at its instant: its ``since``,
    as before; a counter reading has no ``since``).
    """
    since = sample.since_us
    assert since is not None
    bound = kept_from(rater, sample.at_us)
    if since >= bound or sample.kind != "delta" or not _summed(rater, sample.meter):
        return since
    return bound


def deltas(rater: Rater) -> list[Sample]:
    """The pending deltas over a span long enough to be compacted in part (`reach_us()`). O(p)."""
    return [
        record
        for record in rater._pending
        if type(record) is Sample
        and record.since_us is not None
        and reach_us(rater, record) > record.since_us
    ]


def given_up(rater: Rater, pending: Iterable[Sample], old_base: int) -> list[Anomaly]:
    """The ``"too_late"`` anomalies of ``pending``'s parts a compaction from ``old_base`` passed.

    Called once the kept cycles start at ``rater._base_us``: per delta whose span
    reaches before it, the part of its value in ``[old_base, base)`` (its part before
    the base less its part before ``old_base``, each as metering counts it: the value
    less the rows from there on, cut at ``1E-24`` as batch metering cuts it), so that
    the parts said over every compaction add up to what metering does not apply. O(1)
    metering per delta.
    """
    base = rater._base_us
    out: list[Anomaly] = []
    for sample in pending:
        since = sample.since_us
        assert since is not None
        if since >= base:
            continue  # nothing of it passed
        lo = max(since, old_base)
        part = _before(rater, sample, base) - (_before(rater, sample, lo) if lo > since else 0)
        part = tidy(part)
        if not part:
            continue
        unit = next(m.unit for m in rater._engine.meters if m.name == sample.meter)
        out.append(
            too_late_reading(
                sample,
                f"was fed ahead of the watermark with its span starting at {format_us(since)}, "
                f"more than the horizon plus {MAX_AHEAD.days} days (rk.rater.MAX_AHEAD) before "
                f"its instant: the cycles from {format_us(lo)} to {format_us(base)} were "
                f"compacted without waiting for it, and its part there, {part} {unit}, is not "
                f"applied (its part from {format_us(base)} on counts once the watermark "
                "reaches it).",
                part,
            )
        )
    return out


def _before(rater: Rater, sample: Sample, start_us: int) -> Decimal:
    """The part of ``sample``'s value before ``start_us``, as metering counts it. O(1)."""
    usage = rater._engine.meter([sample], start_us, sample.at_us + 1, ())
    applied = exact_sum(r.quantity for r in usage.rows if r.meter == sample.meter)
    return CONTEXT.subtract(sample.value, applied)
