"""A resource's state as JSON: what `ResourceState.to_json()` writes and `from_json()` reads.

Both check nothing the constructor does not: `from_json()` reads the caller's data into
plain dicts and lists, names a missing or malformed field, and hands the values to the
class, whose constructor checks them against each other.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Final

from ._caller_objects import plain_data
from ._fields import (
    _bad,
    _decode_event,
    _decode_mapping,
    _encode,
    _encode_event,
    _sequence,
    _state_text,
    _status,
)
from ._state_consistency import stored
from ._state_doors import decoded_listings
from .errors import RatekitTypeError

if typing.TYPE_CHECKING:
    from ._resource_state import ResourceState

__all__ = ["state_from_json", "state_to_json"]

#: Levels of a state's data read into plain dicts and lists (a description nests at most
#: 32, under a few of the state's own): deeper, the description's door reads it.
_READ_DEPTH: Final = 64
_AS_JSON: Final = "what to_json() returned (dicts, lists, strings and numbers)"
#: The keys of a ``before`` piece in a state's JSON: the fields of a base's.
_PIECE_KEYS: Final = ("status", "description", "since_us", "opened_by", "clock_us", "seq")
_PIECE: Final = frozenset(_PIECE_KEYS)


def state_to_json(state: ResourceState) -> dict[str, object]:
    """``state`` as JSON-safe data (see `ResourceState.to_json`). O(size of the state)."""
    out: dict[str, object] = {
        "account": state.account,
        "resource": state.resource,
        "status": state.status,
        "description": {key: _encode(value) for key, value in state.description.items()},
        "since_us": state.since_us,
        "opened_by": state.opened_by,
        "clock_us": state.clock_us,
        "seq": state.seq,
        # A reading's seq only when it has one: a state without any reads as before.
        "readings": [
            [meter_name, at_us, str(value), kind, record_id, *([] if seq is None else [seq])]
            for meter_name, at_us, value, kind, record_id, seq in state.readings
        ],
        "through_us": state.through_us,
        "applied": list(state.applied),
        "history": [_encode_event(event) for event in state.history],
        "base": None if state.base is None else {**state.base.to_json(), "base": None},
    } | ({"digests": [list(pair) for pair in state.digests]} if state._seen else {})
    before = state.before
    if before is not None:  # a rater's compacted state's (see before)
        out["before"] = {key: before.to_json()[key] for key in _PIECE_KEYS}
    if state._complete:
        out["complete"] = list(state._complete)
    if state._pending:
        out["pending"] = [
            [meter_name, start_us, end_us, str(amount), list(ids)]
            for meter_name, start_us, end_us, amount, ids in state._pending
        ]
    if state._listings is not None:
        at_us, entries = state._listings
        out["listings"] = {
            "at_us": at_us,
            "inventories": [
                [
                    record_id,
                    None
                    if listed is None
                    else {key: _encode(value) for key, value in listed.items()},
                    close,
                ]
                for record_id, listed, close in entries
            ],
        }
    return out


def state_from_json(cls: type[ResourceState], data: object) -> ResourceState:
    """The state ``data`` holds (see `ResourceState.from_json`); errors name the field."""
    if not isinstance(data, Mapping):
        raise _bad("data", data, "a mapping (what to_json() returned)")
    # a mapping or list of the caller's own is read once, its errors named
    plain = plain_data(data, "ResourceState data", _AS_JSON, limit=_READ_DEPTH)
    data = typing.cast("Mapping[typing.Any, typing.Any]", plain)
    for key in ("account", "resource", "status", "description"):
        if key not in data:
            raise RatekitTypeError(
                f"ResourceState data lacks {key!r}; it holds account, resource, status, "
                "description and optional fields, as to_json() returns them."
            )
    account = _state_text("account", data["account"])
    resource = _state_text("resource", data["resource"])
    assert account is not None
    assert resource is not None
    base = data.get("base")
    if isinstance(base, Mapping) and base.get("base") is not None:
        raise RatekitTypeError(
            "ResourceState base has a base of its own; a state's base is the state "
            "before its history, one level deep, as to_json() returns it."
        )
    stored(data, account, resource)
    before = data.get("before")
    if before is not None and not (isinstance(before, Mapping) and before.keys() <= _PIECE):
        raise _bad("before", before, f"None or a mapping of {', '.join(_PIECE_KEYS)}")
    return cls(
        account,
        resource,
        _status(data["status"]),
        _decode_mapping("description", data["description"]),
        data.get("since_us"),
        data.get("opened_by"),
        data.get("clock_us"),
        data.get("seq"),
        data.get("readings", ()),
        data.get("through_us"),
        data.get("applied", ()),
        tuple(
            _decode_event(account, resource, item)
            for item in _sequence("history", data.get("history", ()))
        ),
        None if base is None else cls.from_json(base),
        data.get("digests", ()),
        data.get("complete", ()),
        decoded_listings(data.get("listings")),
        data.get("pending", ()),
        None
        if before is None
        else cls.from_json({"account": account, "resource": resource, **before}),
    )
