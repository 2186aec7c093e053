"""A restored rater's parts checked against each other, and its invariants for tests.

Private to [`ratekit.Rater`][ratekit.Rater]: [`Rater.restore()`][ratekit.Rater.restore] loads a
snapshot's body (`ratekit._rater_store`), then `consistent()` refuses a state whose parts do
not fit together (a watermark before the kept cycles, a boundary that is not a cycle's,
a record kept that the feed would have compacted) with a
[`BadSnapshotError`][ratekit.BadSnapshotError] that names the part. `check()` asserts the
same invariants of a live rater, for tests.
"""

from __future__ import annotations

import typing
from typing import Final

from . import _lateness
from . import _rater_allowances as _allowances
from . import _rater_gone as _gone
from . import _rater_remembered as _remembered
from ._instants import format_us
from ._rating_engine import _Engine as _RatingEngine
from .errors import BadSnapshotError, RatekitError
from .records import Event, Inventory, Sample
from .spans import Span

if typing.TYPE_CHECKING:
    from .rater import Rater

__all__ = ["check", "consistent"]

STATUSES: Final = frozenset(("unknown", "running", "stopped", "deleted"))


def check(rater: Rater) -> None:
    """Assert the invariants of ``rater``'s state (for tests and restore)."""
    assert rater._base_us <= rater._closed_us <= max(rater._as_of_us, rater._closed_us)
    assert rater._engine.containing(rater._base_us)[0] == rater._base_us
    assert not _before_base(rater, rater._base_us)  # only events kept for their seq
    assert all(key[2] > rater._base_us for key in rater._reported)
    assert not (rater._forgotten.keys() & rater._records.keys())
    assert rater._uncovered <= {state.account for state in rater._state}
    assert _gone.check(rater._gone, rater._state, rater._base_us) is None
    _remembered.check(rater)


def consistent(rater: Rater) -> None:
    """Refuse a restored state whose parts do not fit together (BadSnapshotError)."""
    problem = None
    base, closed, as_of = rater._base_us, rater._closed_us, rater._as_of_us
    horizon = rater._horizon_us
    if _cycle(rater, base, "base_us")[0] != base:
        problem = f"base_us {base} ({format_us(base)}) is not the start of a cycle"
    elif not base <= closed <= max(as_of, closed) or (
        closed != base and _cycle(rater, closed, "closed_us")[0] != closed
    ):
        problem = (
            f"closed_us {closed} ({format_us(closed)}) is not a cycle boundary at or "
            f"after base_us {base}"
        )
    elif as_of < base:
        problem = (
            f"as_of_us {as_of} ({format_us(as_of)}) is before base_us {base} "
            f"({format_us(base)}); the watermark is never before the kept cycles' start"
        )
    elif as_of < closed:
        problem = (
            f"as_of_us {as_of} ({format_us(as_of)}) is before closed_us {closed} "
            f"({format_us(closed)}); the watermark is never before the end of the last "
            "closed cycle"
        )
    elif closed != base and closed + horizon > as_of:
        problem = (
            f"closed_us {closed} plus horizon_us {horizon} is after as_of_us {as_of}; a "
            "cycle closes once its end plus the horizon is at or before the watermark"
        )
    elif (end := _cycle(rater, closed, "closed_us")[1]) + horizon <= as_of:
        problem = (
            f"the cycle from closed_us {closed} ends at {end} ({format_us(end)}), which plus "
            f"horizon_us {horizon} is at or before as_of_us {as_of}: a statement closes "
            "every cycle that has ended by then"
        )
    elif any(state.status not in STATUSES for state in rater._state):
        problem = "a resource state has an unknown status"
    elif _before_base(rater, base):
        problem = (
            "a kept record is stamped before base_us (only an event ordered by its seq "
            "after a kept event of the kept cycles may be)"
        )
    elif any(len(key) != 10 or key[2] <= base for key in rater._reported):
        problem = "a reported line is malformed or of a cycle before base_us"
    elif rater._forgotten.keys() & rater._records.keys():
        problem = "a record is both kept and forgotten"
    elif rater._allowed:
        plans = _RatingEngine(rater._engine.plans, Span.from_us(base, base)).plans
        problem = _allowances.misplaced(plans, rater._allowed, base)
    problem = problem or _misplaced_start(rater) or _inventoried_kept(rater)
    if problem is not None:
        raise BadSnapshotError(
            f"Rater snapshot is inconsistent: {problem}; it was altered by hand or "
            "damaged: restore an unaltered copy."
        )


def _inventoried_kept(rater: Rater) -> str | None:
    """What is wrong with the last inventories compacted, if any: one not before base_us.

    One in no cycle of the plans is refused as such (BadSnapshotError). O(a).
    """
    for at_us in rater._inventoried.values():
        _cycle(rater, at_us, "inventoried")
        if at_us >= rater._base_us:
            return (
                "an inventory compacted (inventoried) is stamped at or after base_us: only "
                "inventories before the kept cycles are compacted"
            )
    return None


def _before_base(rater: Rater, base: int) -> bool:
    """Whether a kept record is stamped before ``base`` though the feed would not keep it.

    An event ordered by its ``seq`` after a kept event of the kept cycles takes effect
    there, and is kept (`_rater_reach.sequenced_into_kept`). O(m) for m kept records.
    """
    early = [record for record in rater._records.values() if record.at_us < base]
    if not early:
        return False
    seqs = {(s.account, s.resource): s.seq for s in rater._state if s.seq is not None}
    kept: dict[tuple[str, str], list[Event | Sample | Inventory]] = {}
    for record in rater._records.values():
        if type(record) is Event:
            kept.setdefault((record.account, record.resource), []).append(record)
    for record in early:
        if type(record) is not Event:
            return True
        key = (record.account, record.resource)
        if not _lateness.after_kept(record, kept.get(key, ()), seqs.get(key), base):
            return True
    return False


def _misplaced_start(rater: Rater) -> str | None:
    """What is wrong with the rater's first cycle (``start_us``), if anything. O(1)."""
    start, base = rater._start_us, rater._base_us
    if start > base or _cycle(rater, start, "start_us")[0] != start:
        return (
            f"start_us {start} ({format_us(start)}) is not the start of a cycle at or "
            f"before base_us {base}"
        )
    return None


def _cycle(rater: Rater, at_us: int, name: str) -> tuple[int, int]:
    """The cycle that holds ``at_us``, or BadSnapshotError naming the field."""
    try:
        return rater._engine.containing(at_us)
    except RatekitError as error:  # an instant the plans' cycles do not reach
        raise BadSnapshotError(
            f"Rater snapshot {name} {at_us} ({format_us(at_us)}) lies outside the cycles of "
            f"its plans ({error}); restore an unaltered copy."
        ) from None
