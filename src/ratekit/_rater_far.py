"""Records stamped far ahead: compaction waits for the last weeks before their instant alone.

Private to [`ratekit.Rater`][ratekit.Rater]. A record not metered yet that reaches back
keeps the cycles it reaches until the watermark reaches its instant
(`_rater_held.held()`), so that metering it corrects them. One stamped far ahead (a
producer's clock years off) kept every cycle from where it reaches on, and the snapshot
grew with each day's records until the watermark reached it. So none keeps more than
`MAX_AHEAD` plus the horizon before its instant (`kept_from()`): as the watermark lies
before its instant, the cycles kept for it lie within `MAX_AHEAD` plus the horizon
before the watermark.

- A delta of a `Discrete` meter over a span holds the cycles from its ``since`` or from
  that bound, whichever is later (`reach_us()`); a counter reading, from the reading it
  counts from (or its running stretch's start) or from that bound. Each compaction that
  passes part of its span or increment says that part, as metering counts it, in a
  ``"too_late"`` anomaly of its statement (`deltas()` before it, `given_up()` after);
  once metered, its rest counts in the kept cycles, as for a delta fed with its
  ``since`` in compacted cycles, or a reading whose previous one was compacted.
- An event whose ``seq`` orders it before earlier-stamped events holds the cycles from
  them or from that bound (`ahead_floor()`): the statement that meters it finds it
  ordered before compacted events, and names their part as for such an event fed then.
"""

from __future__ import annotations

import datetime as _dt
import typing
from collections.abc import Iterable
from decimal import Decimal
from typing import Final

from ._decimals import CONTEXT, exact_sum, tidy
from ._delta_policies import Counter, Discrete
from ._instants import format_us
from ._rater_early import too_late_reading
from .records import Anomaly, Event, Sample

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["MAX_AHEAD", "ahead_floor", "deltas", "given_up", "kept_from", "reach_us"]

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


def ahead_floor(rater: Rater, at_us: int) -> int:
    """How far back a record stamped at ``at_us`` keeps the cycles: none before `kept_from()`.

    For a record not metered yet (stamped at or after the watermark); a metered one keeps
    whatever it reaches. O(1).
    """
    return kept_from(rater, at_us) if at_us >= rater._as_of_us else -1


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
    """The pending samples a compaction may pass in part (for `given_up()` after it). O(p).

    A delta over a span long enough to be compacted in part (`reach_us()`), and a
    counter reading whose increment may reach before `kept_from()` its instant.
    """
    base = rater._base_us
    return [
        record
        for record in rater._pending
        if type(record) is Sample
        and (
            (record.kind == "counter" and kept_from(rater, record.at_us) > base)
            if record.since_us is None
            else reach_us(rater, record) > record.since_us
        )
    ]


def given_up(rater: Rater, pending: Iterable[Sample], old_base: int) -> list[Anomaly]:
    """The ``"too_late"`` anomalies of ``pending``'s parts a compaction from ``old_base`` passed.

    Called once the kept cycles start at ``rater._base_us``, with `deltas()` as it was
    before the compaction. Per delta whose span reaches before the base, the part of
    its value in ``[old_base, base)`` (its part before the base less its part before
    ``old_base``, each as metering counts it: the value less the rows from there on, cut
    at ``1E-24`` as batch metering cuts it); per counter reading, its increment's rows
    there as the compacted state now meters it (`_counted()`). So the parts said over
    every compaction add up to what metering does not apply. O(1) metering per delta,
    metering the kept records of each reading's resource.
    """
    base = rater._base_us
    out: list[Anomaly] = []
    for sample in pending:
        if sample.kind == "counter":
            found = _counted(rater, sample, old_base)
            if found is not None:
                out.append(found)
            continue
        since = sample.since_us
        assert since is not None
        if since >= base:
            continue  # nothing of it passed
        lo = max(since, old_base)
        part = _before(rater, sample, base) - (_before(rater, sample, lo) if lo > since else 0)
        part = tidy(part)
        if not part:
            continue
        out.append(
            too_late_reading(
                sample,
                f"was fed ahead of the watermark with its span starting at {format_us(since)}, "
                + _passed(rater, sample, lo, part),
                part,
            )
        )
    return out


def _passed(rater: Rater, sample: Sample, lo: int, part: Decimal) -> str:
    """The words of a compaction that passed ``part`` of ``sample`` from ``lo``. O(m)."""
    base = rater._base_us
    unit = next(m.unit for m in rater._engine.meters if m.name == sample.meter)
    return (
        f"more than the horizon plus {MAX_AHEAD.days} days (rk.rater.MAX_AHEAD) before "
        f"its instant: the cycles from {format_us(lo)} to {format_us(base)} were "
        f"compacted without waiting for it, and its part there, {part} {unit}, is not "
        f"applied (its part from {format_us(base)} on counts once the watermark "
        "reaches it)."
    )


def _counted(rater: Rater, sample: Sample, old_base: int) -> Anomaly | None:
    """The anomaly of a counter reading's increment a compaction from ``old_base`` passed.

    Its rows in ``[old_base, base)``, metered with its resource's kept events up to it
    and its compacted state: none while a reading before it is kept (it counts from
    there, and did before the compaction too); from the compacted state's reading (or a
    ``from_zero`` counter's running stretch), one row per cycle compacted. None when
    they come to nothing. O(k) for the k kept records of its resource, and metering
    them up to its instant (one row per cycle).
    """
    if next(type(m.policy) for m in rater._engine.meters if m.name == sample.meter) is not Counter:
        return None
    key = (sample.account, sample.resource)
    triple = (*key, sample.meter)
    baseline = rater._reach.baselines.get(triple)
    if baseline is None:
        return None  # it counts from no compacted reading nor stretch: nothing passed
    base, name, at_us = rater._base_us, sample.meter, sample.at_us
    state = rater._reach.states.get(key)
    states = () if state is None else [state]
    kept = [r for r in rater._by_key.get(key, ()) if r is not sample and r.at_us <= at_us]
    if any(type(r) is Sample and r.meter == name for r in kept):
        return None  # it counts from a kept reading
    # (its resource's kept events: where a from_zero counter's stretch runs)
    usage = rater._engine.meter(
        [r for r in kept if type(r) is Event] + [sample], base, at_us + 1, states
    )
    part = tidy(
        exact_sum(
            r.quantity
            for r in usage.late
            if r.meter == name and old_base <= r.span.start_us and r.span.end_us <= base
        )
    )
    if not part:
        return None
    lo = max(old_base, baseline[0])
    if triple in rater._reach.stretches:
        words = "counting from zero from the start of its resource's running stretch at "
    else:
        words = (
            "counting from the previous reading"
            + ("" if baseline[1] is None else f" {baseline[1]!r}")
            + " at "
        )
    return too_late_reading(
        sample,
        f"was fed ahead of the watermark {words}{format_us(baseline[0])}, "
        + _passed(rater, sample, lo, part),
        part,
    )


def _before(rater: Rater, sample: Sample, start_us: int) -> Decimal:
    """The part of ``sample``'s value before ``start_us``, as metering counts it. O(1)."""
    usage = rater._engine.meter([sample], start_us, sample.at_us + 1, ())
    applied = exact_sum(r.quantity for r in usage.rows if r.meter == sample.meter)
    return CONTEXT.subtract(sample.value, applied)
