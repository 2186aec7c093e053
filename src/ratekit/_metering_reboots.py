"""A counter from zero whose kept readings late events put in other running stretches.

Private to [`ratekit.meter()`][ratekit.meter]. A ``Counter(from_zero=True)`` counts every
running stretch that follows a stop from 0 (`Counter._over()`): which reading counts
from which depends on the stops and starts between them. A late STOP and START between
two readings an earlier call metered (or a late event that takes one away) so changes
their increments, not only the descriptions they fall under: the increments of the
readings the state keeps under the timeline the earlier call had are taken back, and
those under the new timeline given, as late rows (where they differ), as metering at
once gives them. The first reading's own spread from its stretch's start is
`_metering_late._spread_again`'s; the descriptions that move the increments alike are
`_metering_moved.samples_left`'s (under the old timeline's increments).
"""

from __future__ import annotations

import typing
from collections.abc import Sequence

from . import _policy_results as _results
from ._delta_policies import Counter
from ._metering_counters import differing, kept
from ._metering_late_add import late_increment
from .policies import Increment
from .records import AnomalyKind, Sample

if typing.TYPE_CHECKING:
    from . import _timelines as _t
    from ._metering_engine import _Engine

__all__ = ["restretched"]


def restretched(  # noqa: PLR0917 - private plumbing of plain values
    engine: _Engine,
    account: str,
    resource: str,
    old: _t.Timeline,
    new: _t.Timeline,
    limit: int,
    ids: list[str | None],
) -> None:
    """Give the late rows of the kept readings' increments that ``new`` changes from ``old``.

    Per ``Counter(from_zero=True)`` meter with readings kept: their increments (from the
    first's zero at its stretch's start under ``old`` when the state keeps them from the
    first, else from the oldest kept) under each timeline; each only under ``old`` is
    taken back and each only under ``new`` given, both under ``new``'s descriptions
    (the move under old ones is `samples_left`'s), their parts before ``limit``. O(m k log
    p) for m such meters of k readings kept.
    """
    state = engine.state.get((account, resource))
    if state is None:
        return
    for name, item in engine.meters.items():
        policy = item.policy
        if type(policy) is not Counter or not policy.from_zero:
            continue
        known = kept(state, account, resource, name)
        if len(known) < 2:
            continue
        first = known[0]
        complete = name in state._complete

        runs: list[list[Increment]] = []
        for line in (old, new):
            # From the first reading (its own spread from zero is `_spread_again`'s).
            previous: Sample | None = first
            if complete:
                previous = policy.baseline(first, line.running_since(first.at_us))
            out = _results.increments_of(item, account, resource, known, previous, _quiet, line)
            runs.append(list(out)[1:])  # (the first: from zero, or from itself)
        given, taken = differing(*runs)
        changed = [*taken, *given]  # taken back first
        if not changed:
            continue
        engine.late_ids.setdefault((account, resource, name), []).extend(ids)
        for increment in changed:
            if increment[0] < limit:
                late_increment(engine, account, resource, name, new, increment, limit)


def _quiet(kind: AnomalyKind, message: str, involved: Sequence[Sample]) -> None:
    """Said when the readings were metered, or by metering them anew: not here."""
