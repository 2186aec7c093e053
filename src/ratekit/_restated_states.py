"""A resource's state restated: a copy with some of its fields replaced.

Metering and the rater change a [`ResourceState`][ratekit.ResourceState] by restating it
(`_restated`): a base moved, readings folded, a too-late record placed back into a
compacted state (`_placed_back`). The values are their own, so nothing is checked, as
`ratekit._resource_state._new_state` builds them.
"""

from __future__ import annotations

import operator
from typing import Final

import attrs

from ._resource_state import ResourceState, _new_state

__all__ = ["_placed_back", "_restated"]

_STATE_FIELDS: Final = tuple(field.name for field in attrs.fields(ResourceState))
# All the fields of a state read in one call, and where each one is among them.
_STATE_VALUES: Final = operator.attrgetter(*_STATE_FIELDS)
_STATE_INDEX: Final = {name: index for index, name in enumerate(_STATE_FIELDS)}


def _restated(state: ResourceState, **changes: object) -> ResourceState:
    """``state`` with the named fields (attrs names: ``readings``, ``_past``, ...) replaced.

    Metering's and the rater's own values, so no checks, as `_new_state`. A new base
    (``_past``) drops the piece before the old one (``_before``) unless that is given
    too. O(fields).
    """
    if "_past" in changes and "_before" not in changes:
        changes["_before"] = ()
    # The fields read at C speed, then the few changed put in: not a read per field in
    # an interpreted loop (the rater restates a state per resource at each statement).
    values: list[object] = list(_STATE_VALUES(state))
    for name, value in changes.items():
        index = _STATE_INDEX.get(name)
        assert index is not None, f"not a field of a ResourceState: {name}"
        values[index] = value
    *head, seen, complete, listings, pending, before, described = values
    return _new_state(
        *head,
        seen=seen,  # type: ignore[arg-type]
        complete=complete,  # type: ignore[arg-type]
        listings=listings,  # type: ignore[arg-type]
        pending=pending,  # type: ignore[arg-type]
        before=before,  # type: ignore[arg-type]
        described=described,  # type: ignore[arg-type]
    )


def _placed_back(state: ResourceState, folded: ResourceState, *, listings: bool) -> ResourceState:
    """``state`` as metering a late record into it left it (``folded``).

    Its status, description, clock and past; ``folded``'s inventory listings too if
    ``listings``. The rater's step of placing a too-late event or inventory in a compacted state. O(fields).
    """
    changes: dict[str, object] = {"_listings": folded.listings} if listings else {}
    return _restated(
        state,
        status=folded.status,
        description=folded.description,
        since_us=folded.since_us,
        opened_by=folded.opened_by,
        clock_us=folded.clock_us,
        seq=folded.seq,
        _past=folded._past,
        **changes,
    )
