"""Deltas stamped far ahead of the watermark: compaction does not wait for them.

Private to [`ratekit.Rater`][ratekit.Rater]. A delta over a span waits, pending, until
the watermark reaches its instant, and the cycles its span reaches stay kept until then
(`_rater_held.held()`), so that metering it corrects them. One stamped more than
`MAX_AHEAD` past a statement's watermark and horizon (a producer's clock years off) would
keep every cycle from its ``since`` on, and the snapshot would grow with each day's
records until the watermark reaches it. Compaction does not wait for such a delta
(`holds()`): it stays pending, the cycles go, and each compaction that passes part of its
span says that part, as metering counts it, in a ``"too_late"`` anomaly of its statement
(`given_up()`); once metered, its rest counts in the kept cycles, as for a delta fed with
its ``since`` in compacted cycles.
"""

from __future__ import annotations

import datetime as _dt
import typing
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from ._anomalies import placed
from ._decimals import CONTEXT, exact_sum, tidy
from ._instants import format_us
from ._lateness import reading
from ._sample_policies import Discrete
from .records import Anomaly, Sample

if typing.TYPE_CHECKING:
    from .rater import Rater, Record

__all__ = ["MAX_AHEAD", "far_pending", "given_up", "holds"]

#: How far past a statement's watermark plus the rater's horizon a delta may be stamped
#: and still keep the cycles its span reaches uncompacted until it is metered.
MAX_AHEAD: Final = _dt.timedelta(days=31)
_MAX_AHEAD_US: Final = MAX_AHEAD // _dt.timedelta(microseconds=1)


def holds(rater: Rater, record: Record) -> bool:
    """Whether a pending ``record`` may keep the cycles it reaches back into. O(1).

    Every record may but a delta over a span (a sample with a ``since``) of a
    `Discrete` meter stamped more than `MAX_AHEAD` past the watermark plus the horizon.
    """
    return not _far(rater, record)


def _far(rater: Rater, record: Record) -> bool:
    """A delta over a span of a `Discrete` meter, stamped more than `MAX_AHEAD` ahead. O(1).

    (O(m) for the m meters once the rest holds: a rare record.)
    """
    return (
        type(record) is Sample
        and record.since_us is not None
        and record.kind == "delta"
        and record.at_us > rater._as_of_us + rater._horizon_us + _MAX_AHEAD_US
        and any(m.name == record.meter and type(m.policy) is Discrete for m in rater._engine.meters)
    )


def far_pending(rater: Rater) -> list[Sample]:
    """The pending deltas stamped far ahead (`holds()` says they hold nothing). O(p)."""
    return [typing.cast("Sample", r) for r in rater._pending if _far(rater, r)]


def given_up(rater: Rater, far: Iterable[Sample], old_base: int) -> list[Anomaly]:
    """The ``"too_late"`` anomalies of ``far``'s parts a compaction from ``old_base`` passed.

    Called once the kept cycles start at ``rater._base_us``: per delta whose span
    reaches before it, the part of its value in ``[old_base, base)`` (its part before
    the base less its part before ``old_base``, each as metering counts it: the value
    less the rows from there on, cut at ``1E-24`` as batch metering cuts it), so that
    the parts said over every compaction add up to what metering does not apply. O(1)
    metering per delta.
    """
    base = rater._base_us
    out: list[Anomaly] = []
    for sample in far:
        since = sample.since_us
        assert since is not None
        if since >= base:
            continue  # nothing of it passed
        meter = next(m for m in rater._engine.meters if m.name == sample.meter)
        lo = max(since, old_base)
        part = _before(rater, sample, base) - (_before(rater, sample, lo) if lo > since else 0)
        part = tidy(part)
        if not part:
            continue
        out.append(
            placed(
                "too_late",
                f"{reading(sample, sample.at_us)} is stamped more than the horizon plus "
                f"{MAX_AHEAD.days} days (rk.rater.MAX_AHEAD) past the watermark "
                f"{format_us(rater._as_of_us)}: "
                f"the cycles from {format_us(lo)} to {format_us(base)} were compacted "
                f"without waiting for it, and its part there, {part} {meter.unit}, is not "
                f"applied (its span starts at {format_us(since)}; its part from "
                f"{format_us(base)} on counts once the watermark reaches it).",
                () if sample.id is None else (sample.id,),
                sample.account,
                sample.resource,
                sample.at_us,
                meter=sample.meter,
                quantity=part,
            )
        )
    return out


def _before(rater: Rater, sample: Sample, start_us: int) -> Decimal:
    """The part of ``sample``'s value before ``start_us``, as metering counts it. O(1)."""
    usage = rater._engine.meter([sample], start_us, sample.at_us + 1, ())
    applied = exact_sum(r.quantity for r in usage.rows if r.meter == sample.meter)
    return CONTEXT.subtract(sample.value, applied)
