"""The bounds of a `ResourceState` and the door that refuses fields no metering call writes together.

Each field of a state is checked by its own converter (`ratekit._fields`); `consistent`
checks them against each other, for the constructor and ``from_json()`` alike (a state
stored and edited by hand, or written by another program).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Final

from ._fields import SEQ_LIMIT
from ._instants import format_us
from ._shown import show
from .errors import BadRecordError, RatekitTypeError

if typing.TYPE_CHECKING:
    from ._resource_state import ResourceState

__all__ = ["DELTAS", "HISTORY", "MEMORY", "READINGS", "consistent", "stored"]

#: How many record ids a `ResourceState` remembers (the most recent ones).
MEMORY: Final = 1024
#: How many of its latest events a `ResourceState` keeps, to re-order late ones.
HISTORY: Final = 16
#: How many of its latest readings a `ResourceState` keeps per counter meter, to place
#: late readings among them.
READINGS: Final = 32
#: How many of its latest deltas a `ResourceState` keeps per delta meter (and readings
#: per additive aggregation, `Count`), to move them to the description a late event
#: puts in force (half as many: such a meter's samples come often, and each resource's
#: state is carried by every call and snapshot).
DELTAS: Final = 16


def consistent(state: ResourceState) -> None:
    """Refuse a state whose fields, each valid alone, no metering call could have written.

    The bounds (at most `MEMORY` records and ids, `HISTORY` events, `READINGS` readings
    per meter, in time order, each with a sample's ``seq`` or none) and the order of its
    instants: its description began no later than its last event (``since_us <=
    clock_us``), which came no earlier than its base's; a ``seq`` is its last event's; its
    history is its own resource's. O(n).
    """
    where = f"ResourceState of {state.account!r}/{state.resource!r}:"
    for field, size, bound, what in (
        ("digests", len(state._seen), MEMORY, "records"),  # not .digests: no sha256 here
        ("applied", len(state.applied), MEMORY, "record ids"),
        ("history", len(state.history), HISTORY, "events"),
    ):
        if size > bound:
            raise RatekitTypeError(
                f"{where} {field} holds {size} items; a state keeps its last {bound} {what} "
                f"at most (the latest, oldest first), as to_json() writes them."
            )
    since, clock = state.since_us, state.clock_us
    if clock is None and state.seq is not None:
        raise RatekitTypeError(
            f"{where} seq {state.seq} is given without clock_us; a state's seq is its last "
            "event's, and clock_us that event's instant: give both, or neither."
        )
    if since is not None and clock is not None and since > clock:
        raise RatekitTypeError(
            f"{where} since_us {format_us(since)} lies after clock_us {format_us(clock)}; "
            "a resource has had its description since an instant no later than its last "
            "event (since_us <= clock_us)."
        )
    base = state.base
    if base is not None and base.clock_us is not None and (clock is None or base.clock_us > clock):
        raise RatekitTypeError(
            f"{where} its base's clock_us {format_us(base.clock_us)} lies after its own "
            f"clock_us ({'none' if clock is None else format_us(clock)}); the base is where "
            "the resource stood before its history, no later than it."
        )
    before = state._before
    if before and not (
        base is not None
        and base.since_us is not None
        and type(before[2]) is int
        and before[2] < base.since_us
    ):
        starts = before[2]
        since = None if base is None else base.since_us
        raise RatekitTypeError(
            f"{where} its before piece starts at "
            f"{format_us(starts) if type(starts) is int else show(starts)}, not before its "
            f"base's piece (since {'none' if since is None else format_us(since)}); the "
            "piece before the base's is where the resource stood before it: its since_us "
            "lies before the base's."
        )
    for event in state.history:
        if event.account != state.account or event.resource != state.resource:
            raise RatekitTypeError(
                f"{where} its history holds {event!r}, an event of another resource; a "
                "state's history holds the events of its own resource."
            )
    _readings_kept(where, state)


def _readings_kept(where: str, state: ResourceState) -> None:
    """Refuse more readings per meter than a state keeps, or readings out of time order. O(r)."""
    by_meter: dict[str, list[int]] = {}
    tails: dict[str, str] = {}  # the meters of deltas or gauge readings: the kind
    for meter_name, at_us, _, kind, _, seq in state.readings:
        by_meter.setdefault(meter_name, []).append(at_us)
        _reading_seq(where, meter_name, at_us, seq)
        if kind in ("delta", "gauge"):
            tails[meter_name] = kind
    for meter_name, instants in by_meter.items():
        if meter_name in tails and len(instants) > DELTAS:
            what = "deltas" if tails[meter_name] == "delta" else "gauge readings"
            raise RatekitTypeError(
                f"{where} readings holds {len(instants)} {what} of meter {meter_name!r}; a "
                f"state keeps the last {DELTAS} {what} of a meter at most."
            )
        if len(instants) > READINGS:
            raise RatekitTypeError(
                f"{where} readings holds {len(instants)} readings of meter {meter_name!r}; a "
                f"state keeps the last {READINGS} readings of a counter at most."
            )
        if instants != sorted(instants):
            raise RatekitTypeError(
                f"{where} the readings of meter {meter_name!r} are not in time order "
                f"({', '.join(map(format_us, instants))}); a state keeps them oldest first."
            )


def _reading_seq(where: str, meter_name: str, at_us: int, seq: object) -> None:
    """Refuse a kept reading's ``seq`` that no record has: not an int, or out of range. O(1).

    A reading's ``seq`` is its sample's (`Sample.seq`): an int from -2**63 up to but
    excluding 2**63, or None (a reading without one, or written before states kept it).
    """
    if seq is None or (type(seq) is int and -SEQ_LIMIT <= seq < SEQ_LIMIT):
        return
    error = BadRecordError if type(seq) is int else RatekitTypeError
    raise error(
        f"{where} readings item seq of meter {meter_name!r} at {format_us(at_us)} must be "
        "an int from -2**63 up to but excluding 2**63 (the seq of the sample it was) or "
        f"None, not {type(seq).__name__}: {show(seq)}."
    )


#: The keys of a state's JSON (`ResourceState.to_json()`).
_JSON_KEYS: Final = (
    "account",
    "resource",
    "status",
    "description",
    "since_us",
    "opened_by",
    "clock_us",
    "seq",
    "readings",
    "through_us",
    "applied",
    "history",
    "base",
    "digests",
    "complete",
    "listings",
    "pending",
    "before",
)


def stored(data: Mapping[object, object], account: str, resource: str) -> None:
    """Refuse stored data no ``to_json()`` wrote: an unknown key, a base of another resource.

    An unknown key (a typo, ``"throughus"``) would be left out, and the state read
    without it: refused, naming it. O(k) for k keys.
    """
    unknown = sorted(str(key) for key in data if key not in _JSON_KEYS)
    if unknown:
        raise RatekitTypeError(
            f"ResourceState data holds {', '.join(map(repr, unknown))}, which no state "
            f"has; its fields are {', '.join(_JSON_KEYS)}, as to_json() returns them."
        )
    base = data.get("base")
    if isinstance(base, Mapping) and (
        base.get("account") != account or base.get("resource") != resource
    ):
        raise RatekitTypeError(
            f"ResourceState base is of {base.get('account')!r}/{base.get('resource')!r}, "
            f"not of the state's {account!r}/{resource!r}; a state's base is where its "
            "own resource stood before its history."
        )
